//! Quality downloads: earlier versions of a resource's file
//! (`/dataset/{id}/resource/{rid}/version/{vid}/download/{file}`) and a
//! dataset's structure file as Frictionless Table Schema
//! (`/dataset/{name}/structure.json`) and the Ministry's CSV form
//! (`/dataset/{name}/structure.csv`).

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::{ActionError, Portal};

use crate::download::{attachment, error_response, viewer};

pub async fn version_download(
    State(portal): State<Portal>,
    Path((dataset, resource, version, _file)): Path<(String, String, String, String)>,
    req: Request,
) -> Response {
    let viewer = match viewer(&portal, req.headers()).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    match portal
        .open_resource_version(&viewer, &dataset, &resource, &version)
        .await
    {
        Ok((v, r, reader)) => attachment(
            &v.file_name,
            r.mimetype.as_deref(),
            Some(&v.sha256)
                .filter(|h| !h.is_empty())
                .map(String::as_str),
            reader,
        ),
        Err(e) => error_response(e),
    }
}

async fn structure(
    portal: &Portal,
    dataset: &str,
    headers: &HeaderMap,
) -> Result<(String, misto_quality::schema::Schema), Response> {
    let viewer = viewer(portal, headers).await?;
    let name = portal
        .show_dataset(&viewer, dataset)
        .map_err(error_response)?
        .name
        .clone();
    match portal.dataset_structure(&viewer, dataset).await {
        Ok(Some((_, schema))) => Ok((name, schema)),
        Ok(None) => Err(error_response(ActionError::not_found("structure"))),
        Err(e) => Err(error_response(e)),
    }
}

fn text(body: String, mime: &'static str, file_name: &str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// Only ASCII letters, digits and `-` in a file name (dataset names are
/// URL names already; this keeps the header simple).
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub async fn structure_json(
    State(portal): State<Portal>,
    Path(dataset): Path<String>,
    headers: HeaderMap,
) -> Response {
    match structure(&portal, &dataset, &headers).await {
        Ok((name, schema)) => {
            let body = serde_json::to_string_pretty(&schema.to_table_schema()).unwrap_or_default();
            text(
                body,
                "application/json",
                &format!("{}-structure.json", ascii_name(&name)),
            )
        }
        Err(resp) => resp,
    }
}

pub async fn structure_csv(
    State(portal): State<Portal>,
    Path(dataset): Path<String>,
    headers: HeaderMap,
) -> Response {
    match structure(&portal, &dataset, &headers).await {
        Ok((name, schema)) => text(
            schema.to_ministry_csv(),
            "text/csv; charset=utf-8",
            &format!("{}-structure.csv", ascii_name(&name)),
        ),
        Err(resp) => resp,
    }
}
