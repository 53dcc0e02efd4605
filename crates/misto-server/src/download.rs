//! Downloads of uploaded files: streamed, always as attachments, sandboxed
//! and `nosniff`, and never rendered from the portal's origin: only a short
//! list of passive types (CSV, JSON, text, raster images, office files,
//! archives) keeps its media type; everything else (HTML, XHTML, SVG, XML,
//! RSS, Atom, scripts, PDF, anything unknown) is `application/octet-stream`
//! ([`misto_core::formats::served_media_type`]).

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use misto_actions::{ActionError, Portal};
use misto_ckan_api::dictize::encode_segment;
use misto_core::formats::served_media_type;

/// The caller of a download: an API token when one is sent, else the
/// browser session, else anonymous.
pub(crate) async fn viewer(
    portal: &Portal,
    headers: &axum::http::HeaderMap,
) -> Result<misto_actions::Viewer, Response> {
    let has_token =
        headers.contains_key(header::AUTHORIZATION) || headers.contains_key("x-ckan-api-key");
    if has_token {
        return misto_ckan_api::viewer_from_headers(portal, headers)
            .await
            .map_err(|_| {
                (StatusCode::FORBIDDEN, "Access denied: invalid API token").into_response()
            });
    }
    Ok(match misto_web::session::resolve(portal, headers).await {
        Some(s) => s.viewer,
        None => misto_actions::Viewer::anonymous(),
    })
}

pub async fn download(
    State(portal): State<Portal>,
    Path((dataset, resource, _filename)): Path<(String, String, String)>,
    req: Request,
) -> Response {
    let viewer = match viewer(&portal, req.headers()).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    match portal.open_download(&viewer, &dataset, &resource).await {
        Ok((res, reader)) => attachment(
            &res.url,
            res.mimetype.as_deref(),
            res.hash.as_deref(),
            reader,
        ),
        Err(e) => error_response(e),
    }
}

/// A file as an attachment that is never rendered from the portal's origin.
pub(crate) fn attachment(
    file_name: &str,
    mimetype: Option<&str>,
    hash: Option<&str>,
    reader: misto_blobs::BlobReader,
) -> Response {
    let mime = served_media_type(mimetype);
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode_segment(file_name)
    );
    let mut resp = Body::from_stream(reader.stream).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(reader.size));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    if let Some(hash) = hash
        && let Ok(v) = HeaderValue::from_str(&format!("\"{hash}\""))
    {
        h.insert(header::ETAG, v);
    }
    resp
}

/// The response of a download that failed.
pub(crate) fn error_response(e: ActionError) -> Response {
    match e {
        ActionError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found").into_response(),
        ActionError::NotAuthorized(_) => (StatusCode::FORBIDDEN, "Access denied").into_response(),
        e => {
            tracing::error!(error = %e, "download failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
    }
}

/// `/dataset/{id}/resource/{rid}/download` → the URL with the file name.
pub async fn download_bare(
    State(portal): State<Portal>,
    Path((dataset, resource)): Path<(String, String)>,
    req: Request,
) -> Response {
    let viewer = match viewer(&portal, req.headers()).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    match portal.show_resource(&viewer, &resource) {
        Ok((d, r)) if r.is_upload() && (d.id == dataset || d.name == dataset) => {
            Redirect::to(&format!(
                "/dataset/{}/resource/{}/download/{}",
                d.id,
                r.id,
                encode_segment(&r.url)
            ))
            .into_response()
        }
        _ => (StatusCode::NOT_FOUND, "Not found").into_response(),
    }
}
