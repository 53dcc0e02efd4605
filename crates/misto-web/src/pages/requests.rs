//! Requests for new datasets in the browser: the public list sorted by
//! votes with a vote button (one vote per browser, remembered by an opaque
//! cookie; one per account when signed in), the request form, the page of
//! one request, and the coordinators' review (status, planned date, the
//! dataset that fulfils it, the reason of a refusal).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use misto_actions::ActionError;
use misto_actions::engagement::{RequestInput, RequestUpdate, Sender};
use misto_core::{DatasetRequest, Moderation, RequestStatus};
use serde::Serialize;

use super::forms::{Choice, Errors, Form, check_post, require_login};
use super::{Link, dataset_title, dataset_url, publisher_title, publisher_url, viewer};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other, segment};
use crate::session;

/// The cookie that makes one browser one voter (and one survey respondent).
pub const VOTER_COOKIE: &str = "misto_voter";

const STATUSES: &[RequestStatus] = &[
    RequestStatus::New,
    RequestStatus::UnderReview,
    RequestStatus::Planned,
    RequestStatus::Published,
    RequestStatus::Rejected,
];
const FIELDS: &[&str] = &[
    "title",
    "description",
    "publisher",
    "author_name",
    "author_email",
];
const REVIEW_FIELDS: &[&str] = &["status", "planned_date", "dataset", "reason"];

/// The voter key of this browser, and a `Set-Cookie` when it is new.
pub fn voter_key(ctx: &Ctx) -> (String, Option<HeaderValue>) {
    if let Some(v) = session::cookie(&ctx.headers, VOTER_COOKIE)
        .filter(|v| v.len() >= 16 && v.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return (v.to_string(), None);
    }
    let v = session::random_hex();
    let secure = if ctx.site_url.to_ascii_lowercase().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let c =
        format!("{VOTER_COOKIE}={v}; Path=/; Max-Age=315360000; HttpOnly; SameSite=Lax{secure}");
    (v, HeaderValue::from_str(&c).ok())
}

#[derive(Serialize)]
pub struct RequestRow {
    pub id: String,
    pub url: String,
    pub title: String,
    pub description: String,
    pub publisher: Option<Link>,
    pub author: String,
    pub email: Option<String>,
    pub date: String,
    pub votes: i64,
    pub status: String,
    pub status_code: &'static str,
    pub planned_date: Option<String>,
    pub dataset: Option<Link>,
    pub reason: Option<String>,
    pub pending: bool,
}

pub fn row(st: &AppState, ctx: &Ctx, r: &DatasetRequest) -> RequestRow {
    let lang = ctx.lang;
    let (publisher, dataset) = st.portal.catalog().read(|ix| {
        (
            r.publisher_id
                .as_deref()
                .and_then(|p| ix.publisher(p))
                .map(|p| Link {
                    url: publisher_url(p),
                    label: publisher_title(lang, p),
                }),
            r.dataset_id
                .as_deref()
                .and_then(|d| ix.get(d))
                .map(|d| Link {
                    url: dataset_url(d),
                    label: dataset_title(lang, d),
                }),
        )
    });
    let coordinator = ctx.session.as_ref().is_some_and(|s| s.viewer.sysadmin);
    RequestRow {
        id: r.id.clone(),
        url: format!("/requests/{}", segment(&r.id)),
        title: r.title.clone(),
        description: r.description.clone(),
        publisher,
        author: r.author_name.clone(),
        email: coordinator.then(|| r.author_email.clone()),
        date: i18n::date(lang, &r.created),
        votes: r.votes,
        status: ctx.t(&format!("eng_req_status_{}", r.status.as_str())),
        status_code: r.status.as_str(),
        planned_date: r.planned_date.map(|d| i18n::naive_date(lang, d)),
        dataset,
        reason: r.reason.clone(),
        pending: r.moderation == Moderation::Pending,
    }
}

#[derive(Serialize)]
struct ListView {
    rows: Vec<RequestRow>,
    /// `Some(true)`: the vote was counted; `Some(false)`: voted before.
    voted: Option<bool>,
    sent: bool,
    fulfilled: i64,
    total: i64,
    pager: Option<super::Pager>,
    /// This page's number, for the vote forms to come back to.
    page_number: usize,
}

/// `GET /requests`: every approved request, most votes first, a page of
/// [`super::PAGE_SIZE`] at a time (paged in the database over what the
/// viewer may see, so spam held in moderation never shortens a page).
pub async fn list(State(st): State<AppState>, mut ctx: Ctx) -> Response {
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = async {
        let page = super::page_number(&ctx)?;
        let v = viewer(&ctx);
        let (total, fulfilled) = st.portal.count_requests(&v).await?;
        let size = super::PAGE_SIZE as i64;
        let list = st
            .portal
            .list_requests(&v, size, (i64::try_from(page).unwrap_or(1) - 1) * size)
            .await?;
        let rows: Vec<RequestRow> = list.iter().map(|r| row(&st, &ctx, r)).collect();
        let pager = super::pager(usize::try_from(total).unwrap_or(0), page, |n| {
            format!("/requests?page={n}")
        });
        let view = ListView {
            fulfilled,
            total,
            pager,
            page_number: page,
            rows,
            voted: ctx.param("voted").map(|v| v == "1"),
            sent: ctx.param("sent").is_some(),
        };
        let title = ctx.t("eng_requests_title");
        st.page(&ctx, "requests.html", Meta::new(&title, "requests"), &view)
    }
    .await;
    st.respond(&ctx, r)
}

/// `POST /requests/{id}/vote`.
pub async fn vote(
    State(st): State<AppState>,
    Path(id): Path<String>,
    mut ctx: Ctx,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let (key, cookie) = voter_key(&ctx);
    if let Some(c) = cookie {
        ctx.set_cookies.push(c);
    }
    match st.portal.vote_request(&viewer(&ctx), &id, &key).await {
        Ok(counted) => {
            let page = form
                .get("page")
                .parse::<usize>()
                .ok()
                .filter(|n| (2..=super::MAX_PAGE).contains(n))
                .map(|n| format!("&page={n}"))
                .unwrap_or_default();
            see_other(
                &ctx,
                &format!(
                    "/requests?voted={}{page}#r-{}",
                    if counted { "1" } else { "0" },
                    segment(&id)
                ),
            )
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

#[derive(Serialize, Default)]
struct FormValues {
    title: String,
    description: String,
    publisher: String,
    author_name: String,
    author_email: String,
}

#[derive(Serialize)]
struct FormView {
    values: FormValues,
    publishers: Vec<Choice>,
    errors: Errors,
    anonymous: bool,
}

fn render_form(
    st: &AppState,
    ctx: &Ctx,
    values: FormValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let mut publishers: Vec<Choice> = st.portal.catalog().read(|ix| {
        ix.publishers()
            .iter()
            .filter(|p| p.state == misto_core::EntityState::Active)
            .map(|p| Choice {
                value: p.name.clone(),
                label: publisher_title(lang, p),
                selected: p.name == values.publisher,
            })
            .collect()
    });
    publishers.sort_by(|a, b| a.label.cmp(&b.label));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = FormView {
        values,
        publishers,
        errors,
        anonymous: ctx.session.is_none(),
    };
    let title = ctx.t("eng_request_new_title");
    st.page_with_status(
        ctx,
        status,
        "request_form.html",
        Meta::new(&title, "requests"),
        &view,
    )
}

/// `GET /requests/new`.
pub async fn new_form(State(st): State<AppState>, mut ctx: Ctx) -> Response {
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = render_form(&st, &ctx, FormValues::default(), Errors::default());
    st.respond(&ctx, r)
}

/// `POST /requests/new`.
pub async fn create(State(st): State<AppState>, mut ctx: Ctx, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let sender = Sender {
        name: form.get("author_name").to_string(),
        email: form.get("author_email").to_string(),
        address: ctx.client_addr.clone(),
        honeypot: form.opt("website"),
    };
    let input = RequestInput {
        title: form.get("title").to_string(),
        description: form.get("description").to_string(),
        publisher: form.opt("publisher"),
    };
    let mut errors = Errors::default();
    match st.portal.submit_request(&viewer(&ctx), sender, input).await {
        Ok(_) => return see_other(&ctx, "/requests?sent=1"),
        Err(ActionError::TooMany(_)) => {
            return st.error_page(&ctx, WebError::TooManyRequests(ctx.t("eng_too_many")));
        }
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    ctx.ensure_pre(&st.portal.config().session_key);
    let values = FormValues {
        title: form.get("title").to_string(),
        description: form.get("description").to_string(),
        publisher: form.get("publisher").to_string(),
        author_name: form.get("author_name").to_string(),
        author_email: form.get("author_email").to_string(),
    };
    let r = render_form(&st, &ctx, values, errors);
    st.respond(&ctx, r)
}

#[derive(Serialize)]
struct ShowView {
    request: RequestRow,
    coordinator: bool,
    statuses: Vec<Choice>,
    values: ReviewValues,
    errors: Errors,
    saved: bool,
}

#[derive(Serialize, Default)]
struct ReviewValues {
    planned_date: String,
    dataset: String,
    reason: String,
}

fn render_show(
    st: &AppState,
    ctx: &Ctx,
    r: &DatasetRequest,
    values: Option<ReviewValues>,
    status: Option<&str>,
    errors: Errors,
) -> Result<Response, WebError> {
    let coordinator = ctx.session.as_ref().is_some_and(|s| s.viewer.sysadmin);
    let values = values.unwrap_or_else(|| ReviewValues {
        planned_date: r.planned_date.map(|d| d.to_string()).unwrap_or_default(),
        dataset: r
            .dataset_id
            .as_deref()
            .and_then(|d| {
                st.portal
                    .catalog()
                    .read(|ix| ix.get(d).map(|d| d.name.clone()))
            })
            .unwrap_or_default(),
        reason: r.reason.clone().unwrap_or_default(),
    });
    let selected = status.unwrap_or(r.status.as_str());
    let http = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = ShowView {
        request: row(st, ctx, r),
        coordinator,
        statuses: STATUSES
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_string(),
                label: ctx.t(&format!("eng_req_status_{}", s.as_str())),
                selected: s.as_str() == selected,
            })
            .collect(),
        values,
        errors,
        saved: ctx.param("saved").is_some(),
    };
    st.page_with_status(
        ctx,
        http,
        "request.html",
        Meta::new(&r.title, "requests"),
        &view,
    )
}

/// `GET /requests/{id}`.
pub async fn show(State(st): State<AppState>, Path(id): Path<String>, mut ctx: Ctx) -> Response {
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = async {
        let r = st.portal.show_request(&viewer(&ctx), &id).await?;
        render_show(&st, &ctx, &r, None, None, Errors::default())
    }
    .await;
    st.respond(&ctx, r)
}

/// `POST /requests/{id}/review`: a coordinator sets the status (or
/// approves / marks spam from the moderation queue).
pub async fn review(
    State(st): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let u = RequestUpdate {
        status: form.opt("status"),
        planned_date: form.opt("planned_date"),
        dataset: form.opt("dataset"),
        reason: form.has("reason").then(|| form.get("reason").to_string()),
        moderation: form.opt("moderation"),
    };
    let back = if form.get("back") == "moderation" {
        "/dashboard/moderation?saved=1".to_string()
    } else {
        format!("/requests/{}?saved=1", segment(&id))
    };
    let mut errors = Errors::default();
    match st.portal.update_request(&session.viewer, &id, u).await {
        Ok(_) => return see_other(&ctx, &back),
        Err(ActionError::NotAuthorized(_)) => {
            return st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")));
        }
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, REVIEW_FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let r = async {
        let r = st.portal.show_request(&session.viewer, &id).await?;
        let values = ReviewValues {
            planned_date: form.get("planned_date").to_string(),
            dataset: form.get("dataset").to_string(),
            reason: form.get("reason").to_string(),
        };
        render_show(
            &st,
            &ctx,
            &r,
            Some(values),
            form.opt("status").as_deref(),
            errors,
        )
    }
    .await;
    st.respond(&ctx, r)
}
