//! The CKAN Action API v3 at `/api/3/action/{name}` and `/api/action/{name}`:
//! parameter decoding (JSON, form, multipart, query), authentication by the
//! `Authorization` header, CKAN's envelope and error types. This is the only
//! crate that knows CKAN's JSON shapes; every action calls `misto-actions`.

#![recursion_limit = "256"]

mod dashboards_api;
mod datastore;
mod decode;
pub mod dictize;
pub mod engagement_api;
mod error;
pub(crate) mod handlers;
pub mod harvest;
mod linkcheck_api;
mod monitoring;
mod params;
mod quality;
mod review_api;
mod show_cache;
mod site;
pub mod usage_api;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use misto_actions::resources::StagedUpload;
use misto_actions::{Portal, Viewer};
use serde_json::{Map, Value};

pub use datastore::{delimited, dump_params};
pub use error::ApiError;
pub use handlers::register_row_json;
pub use params::Params;

/// A CKAN package dict → a dataset input, read exactly as `package_create`
/// reads its parameters (the harvester imports remote packages with it).
pub fn dataset_input_from(
    map: Map<String, Value>,
) -> Result<misto_actions::datasets::DatasetInput, ApiError> {
    decode::dataset_input(&mut Params::new(map))
}

/// Whether an action may be called with GET (CKAN's "side-effect free").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Read,
    Write,
}

/// Every action this API answers, with its kind.
pub const ACTIONS: &[(&str, Kind)] = &[
    ("status_show", Kind::Read),
    ("site_read", Kind::Read),
    ("package_list", Kind::Read),
    ("package_show", Kind::Read),
    ("package_search", Kind::Read),
    ("current_package_list_with_resources", Kind::Read),
    ("package_activity_list", Kind::Read),
    ("resource_show", Kind::Read),
    ("organization_list", Kind::Read),
    ("organization_show", Kind::Read),
    ("organization_list_for_user", Kind::Read),
    ("group_list", Kind::Read),
    ("group_show", Kind::Read),
    ("tag_list", Kind::Read),
    ("license_list", Kind::Read),
    ("user_show", Kind::Read),
    ("api_token_list", Kind::Read),
    ("dataset_overdue_list", Kind::Read),
    ("compliance_show", Kind::Read),
    ("register_list", Kind::Read),
    ("resolution835_list", Kind::Read),
    ("feedback_list", Kind::Read),
    ("dataset_request_list", Kind::Read),
    ("dataset_request_show", Kind::Read),
    ("resource_validation_show", Kind::Read),
    ("resource_version_list", Kind::Read),
    ("resource_fix_preview", Kind::Read),
    ("dataset_structure_show", Kind::Read),
    ("dataset_quality_show", Kind::Read),
    ("publisher_rating_list", Kind::Read),
    ("publisher_rating_history", Kind::Read),
    ("monitoring_show", Kind::Read),
    ("assessment_card_show", Kind::Read),
    ("news_list", Kind::Read),
    ("news_show", Kind::Read),
    ("moderation_queue_show", Kind::Read),
    ("page_list", Kind::Read),
    ("page_show", Kind::Read),
    ("showcase_list", Kind::Read),
    ("showcase_show", Kind::Read),
    ("survey_list", Kind::Read),
    ("survey_show", Kind::Read),
    ("survey_results", Kind::Read),
    ("usage_stats_show", Kind::Read),
    ("feedback_create", Kind::Write),
    ("feedback_update", Kind::Write),
    ("dataset_request_create", Kind::Write),
    ("dataset_request_vote", Kind::Write),
    ("dataset_request_update", Kind::Write),
    ("news_create", Kind::Write),
    ("news_update", Kind::Write),
    ("news_delete", Kind::Write),
    ("page_create", Kind::Write),
    ("page_update", Kind::Write),
    ("page_delete", Kind::Write),
    ("page_attachment_create", Kind::Write),
    ("page_attachment_delete", Kind::Write),
    ("showcase_create", Kind::Write),
    ("showcase_review", Kind::Write),
    ("survey_create", Kind::Write),
    ("survey_answer", Kind::Write),
    ("subscription_create", Kind::Write),
    ("subscription_confirm", Kind::Write),
    ("subscription_delete", Kind::Write),
    ("register_entry_create", Kind::Write),
    ("register_entry_update", Kind::Write),
    ("register_entry_delete", Kind::Write),
    ("register_publish", Kind::Write),
    ("resolution835_import", Kind::Write),
    ("resource_fix_apply", Kind::Write),
    ("dataset_structure_update", Kind::Write),
    ("package_create", Kind::Write),
    ("package_update", Kind::Write),
    ("package_patch", Kind::Write),
    ("package_delete", Kind::Write),
    ("package_resource_reorder", Kind::Write),
    ("resource_create", Kind::Write),
    ("resource_update", Kind::Write),
    ("resource_patch", Kind::Write),
    ("resource_delete", Kind::Write),
    ("organization_create", Kind::Write),
    ("organization_update", Kind::Write),
    ("organization_patch", Kind::Write),
    ("organization_member_create", Kind::Write),
    ("organization_member_delete", Kind::Write),
    ("group_create", Kind::Write),
    ("group_update", Kind::Write),
    ("user_create", Kind::Write),
    ("api_token_create", Kind::Write),
    ("api_token_revoke", Kind::Write),
    ("config_option_list", Kind::Read),
    ("config_option_show", Kind::Read),
    ("config_option_update", Kind::Write),
    ("datastore_search", Kind::Read),
    ("datastore_search_sql", Kind::Read),
    ("datastore_info", Kind::Read),
    ("datastore_create", Kind::Write),
    ("datastore_upsert", Kind::Write),
    ("datastore_delete", Kind::Write),
    ("datastore_records_delete", Kind::Write),
    ("datastore_aggregate", Kind::Read),
    ("harvest_source_list", Kind::Read),
    ("harvest_source_show", Kind::Read),
    ("harvest_job_list", Kind::Read),
    ("harvest_job_show", Kind::Read),
    ("harvest_source_create", Kind::Write),
    ("harvest_source_update", Kind::Write),
    ("harvest_source_delete", Kind::Write),
    ("harvest_run", Kind::Write),
    ("publisher_push", Kind::Write),
    ("organization_moderation_show", Kind::Read),
    ("package_revision_show", Kind::Read),
    ("review_queue_list", Kind::Read),
    ("organization_moderation_set", Kind::Write),
    ("package_submit", Kind::Write),
    ("package_review", Kind::Write),
    ("dashboard_list", Kind::Read),
    ("dashboard_show", Kind::Read),
    ("dashboard_create", Kind::Write),
    ("dashboard_update", Kind::Write),
    ("dashboard_delete", Kind::Write),
    ("link_check_list", Kind::Read),
    ("link_check_run", Kind::Write),
    ("reminders_send", Kind::Write),
];

pub fn kind_of(name: &str) -> Option<Kind> {
    ACTIONS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// What a handler gets besides its parameters.
pub struct Ctx {
    pub portal: Portal,
    pub viewer: Viewer,
    pub upload: Option<StagedUpload>,
}

impl Ctx {
    pub fn site(&self) -> &str {
        &self.portal.config().site_url
    }
}

/// The API routes, ready to be merged into the server's router.
/// What the API's handlers share.
#[derive(Clone)]
struct ApiState {
    portal: Portal,
    show_cache: std::sync::Arc<show_cache::ShowCache>,
}

/// The API routes, ready to be merged into the server's router.
pub fn router(portal: Portal) -> Router {
    let limit = usize::try_from(portal.config().max_upload_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(1 << 20);
    Router::new()
        .route("/api/3/action/{name}", get(action).post(action))
        .route("/api/action/{name}", get(action).post(action))
        .route(
            "/api",
            get(|| async { axum::Json(serde_json::json!({"version": 3})) }),
        )
        .route(
            "/api/3",
            get(|| async { axum::Json(serde_json::json!({"version": 3})) }),
        )
        .layer(DefaultBodyLimit::max(limit))
        .with_state(ApiState {
            portal,
            show_cache: Default::default(),
        })
}

fn bare(status: StatusCode, msg: &str) -> Response {
    (
        status,
        axum::Json(Value::String(format!("Bad request - {msg}"))),
    )
        .into_response()
}

fn token_of(headers: &HeaderMap) -> Option<String> {
    [header::AUTHORIZATION.as_str(), "x-ckan-api-key"]
        .iter()
        .filter_map(|h| headers.get(*h))
        .filter_map(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
}

/// Resolves the caller from the request headers.
pub async fn viewer_from_headers(portal: &Portal, headers: &HeaderMap) -> Result<Viewer, ApiError> {
    match token_of(headers) {
        None => Ok(Viewer::anonymous()),
        Some(t) => Ok(portal.viewer_for_token(&t).await?),
    }
}

async fn action(State(state): State<ApiState>, Path(name): Path<String>, req: Request) -> Response {
    let portal = state.portal;
    let help = format!(
        "{}/api/3/action/help_show?name={name}",
        portal.config().site_url
    );
    let Some(kind) = kind_of(&name) else {
        return bare(
            StatusCode::BAD_REQUEST,
            &format!("Action name not known: {name}"),
        );
    };
    let method = req.method().clone();
    if method == Method::GET && kind == Kind::Write {
        return bare(
            StatusCode::BAD_REQUEST,
            "JSON Error: Invalid request. Please use POST method for your request",
        );
    }
    let viewer = match viewer_from_headers(&portal, req.headers()).await {
        Ok(v) => v,
        Err(e) => return e.into_envelope(&help),
    };
    let limit = body_limit(&portal, &viewer, kind, req.headers());
    if let Err(e) = declared_length_fits(req.headers(), limit) {
        // An upload too large is reported on the `upload` field, as CKAN
        // and ckanapi expect.
        let e = if is_multipart(req.headers()) && !viewer.is_anonymous() {
            ApiError::Action(misto_actions::ActionError::upload_too_large(
                portal.config().max_upload_bytes,
            ))
        } else {
            e
        };
        return e.into_envelope(&help);
    }
    let req = req.map(|b| Body::new(http_body_util::Limited::new(b, limit)));
    let (params, upload) = match read_params(&portal, &viewer, req).await {
        Ok(x) => x,
        Err(e) => return e.into_envelope(&help),
    };
    let ctx = Ctx {
        portal: portal.clone(),
        viewer,
        upload,
    };
    if name == "package_show" {
        return package_show_cached(&ctx, params, &help, &state.show_cache);
    }
    match handlers::dispatch(&name, ctx, params).await {
        Ok(result) => envelope(&help, &result),
        Err(e) => e.into_envelope(&help),
    }
}

/// package_show through [`show_cache::ShowCache`].
fn package_show_cached(
    ctx: &Ctx,
    mut params: Params,
    help: &str,
    cache: &show_cache::ShowCache,
) -> Response {
    let dataset = match handlers::package_show_target(ctx, &mut params) {
        Ok(d) => d,
        Err(e) => return e.into_envelope(help),
    };
    let now = misto_core::time::now();
    let version = ctx.portal.catalog().version();
    let second = now.timestamp();
    let body = match cache.get(&dataset.id, version, second) {
        Some(b) => b,
        None => {
            let site = ctx.site();
            let result = ctx
                .portal
                .catalog()
                .read(|ix| dictize::package(ix, site, &dataset, now));
            let b = Bytes::from(envelope_bytes(help, &result));
            cache.put(&dataset.id, version, second, b.clone());
            b
        }
    };
    (
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        Body::from(body),
    )
        .into_response()
}

fn envelope_bytes(help: &str, result: &Value) -> Vec<u8> {
    let mut body = Vec::with_capacity(2048);
    body.extend_from_slice(b"{\"help\":");
    let _ = serde_json::to_writer(&mut body, help);
    body.extend_from_slice(b",\"success\":true,\"result\":");
    let _ = serde_json::to_writer(&mut body, result);
    body.push(b'}');
    body
}

fn envelope(help: &str, result: &Value) -> Response {
    let mut body = Vec::with_capacity(1024);
    body.extend_from_slice(b"{\"help\":");
    let _ = serde_json::to_writer(&mut body, help);
    body.extend_from_slice(b",\"success\":true,\"result\":");
    if serde_json::to_writer(&mut body, result).is_err() {
        return ApiError::Action(misto_actions::ActionError::Internal("serialize".into()))
            .into_envelope(help);
    }
    body.push(b'}');
    (
        [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
        Body::from(body),
    )
        .into_response()
}

/// The largest body of a read action, and of any request by an anonymous
/// caller (search parameters, feedback, a survey answer).
pub const SMALL_BODY_LIMIT: usize = 1 << 20;

/// The largest JSON or form body of a signed-in caller's write action
/// (`package_create` with its resources, `datastore_upsert` records).
pub const WRITE_BODY_LIMIT: usize = 32 << 20;

/// How many bytes of body this request may send, decided before any is
/// read: reads and anonymous callers [`SMALL_BODY_LIMIT`]; signed-in
/// writes [`WRITE_BODY_LIMIT`], or the upload limit for a multipart upload.
fn body_limit(portal: &Portal, viewer: &Viewer, kind: Kind, headers: &HeaderMap) -> usize {
    if viewer.is_anonymous() || kind != Kind::Write {
        return SMALL_BODY_LIMIT;
    }
    if is_multipart(headers) {
        usize::try_from(portal.config().max_upload_bytes)
            .unwrap_or(usize::MAX)
            .saturating_add(1 << 20)
    } else {
        WRITE_BODY_LIMIT
    }
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge(format!(
        "the request body is larger than {} for this action and caller",
        misto_actions::datastore::size_text(limit as u64)
    ))
}

/// Refuses a body whose `Content-Length` is already past the limit.
fn declared_length_fits(headers: &HeaderMap, limit: usize) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(n) if n > limit as u64 => Err(too_large(limit)),
        _ => Ok(()),
    }
}

/// Decodes the parameters of a request; for multipart bodies, streams the
/// `upload` part into the blob store.
async fn read_params(
    portal: &Portal,
    viewer: &Viewer,
    req: Request,
) -> Result<(Params, Option<StagedUpload>), ApiError> {
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| form_urlencoded_pairs(q.as_bytes()))
        .unwrap_or_default();
    if req.method() == Method::GET {
        return Ok((Params::from_pairs(query), None));
    }
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ctype.starts_with("multipart/form-data") {
        let mut mp = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|e| ApiError::BadRequest(format!("multipart: {e}")))?;
        let mut map = Map::new();
        let mut upload = None;
        loop {
            let field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    if let Some(up) = upload.take() {
                        portal.discard_upload(up).await;
                    }
                    return Err(ApiError::BadRequest(format!("multipart: {e}")));
                }
            };
            let name = field.name().unwrap_or("").to_string();
            if field.file_name().is_some() || name == "upload" {
                if name != "upload" {
                    continue;
                }
                let file_name = field.file_name().unwrap_or("upload").to_string();
                let declared = field.content_type().map(str::to_string);
                let staged = portal
                    .stage_upload(viewer, &file_name, declared.as_deref(), field)
                    .await;
                match staged {
                    Ok(s) => {
                        if let Some(old) = upload.replace(s) {
                            portal.discard_upload(old).await;
                        }
                    }
                    Err(e) => {
                        if let Some(up) = upload.take() {
                            portal.discard_upload(up).await;
                        }
                        return Err(e.into());
                    }
                }
            } else {
                let text = field
                    .text()
                    .await
                    .map_err(|e| ApiError::BadRequest(format!("multipart: {e}")))?;
                map.insert(name, Value::String(text));
            }
        }
        return Ok((Params::new(map), upload));
    }
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .map_err(|e| {
            if is_length_limit(&e) {
                ApiError::TooLarge(
                    "the request body is larger than allowed for this action and caller".into(),
                )
            } else {
                ApiError::BadRequest(format!("could not read the request body: {e}"))
            }
        })?;
    if ctype.starts_with("application/x-www-form-urlencoded") {
        let pairs = form_urlencoded_pairs(&body);
        // CKAN: a single key holding JSON with an empty value is a JSON body.
        if pairs.len() == 1
            && (pairs[0].1.is_empty() || pairs[0].1 == "1")
            && pairs[0].0.starts_with('{')
        {
            return Ok((Params::new(json_object(pairs[0].0.as_bytes())?), None));
        }
        let mut all = query;
        all.extend(pairs);
        return Ok((Params::from_pairs(all), None));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((Params::from_pairs(query), None));
    }
    Ok((Params::new(json_object(&body)?), None))
}

/// Whether a body error is the [`http_body_util::Limited`] limit.
fn is_length_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cur = err.source();
    }
    false
}

fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::BadRequest(
            "JSON Error: Request data JSON decoded to a non-object; it must be a JSON object"
                .into(),
        )),
        Err(e) => Err(ApiError::BadRequest(format!(
            "JSON Error: Error decoding JSON data. Error: {e}"
        ))),
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub fn form_urlencoded_pairs(input: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < s.len() => {
                    let hex = std::str::from_utf8(&s[i + 1..i + 3])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok());
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    input
        .split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(i) => (decode(&p[..i]), decode(&p[i + 1..])),
            None => (decode(p), String::new()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let got = form_urlencoded_pairs(
            b"q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82&fq=a+b&x&bad=%zz&end=%4",
        );
        assert_eq!(
            got,
            vec![
                ("q".into(), "бюджет".into()),
                ("fq".into(), "a b".into()),
                ("x".into(), String::new()),
                ("bad".into(), "%zz".into()),
                ("end".into(), "%4".into()),
            ]
        );
    }
}
