//! `/dataset/{dataset}/resource/{resource}`: a resource's metadata, its
//! download, and its data: the datastore's table, chart builder and map
//! when the file was loaded into the datastore ([`super::datastore`]),
//! else a preview of the first rows of the file.

use axum::extract::{Path, State};
use axum::response::Response;
use futures_util::StreamExt;
use misto_core::{EntityState, Resource};
use serde::Serialize;

use super::dataset::download_url;
use super::{Link, dataset_title, dataset_url, viewer};
use crate::AppState;
use crate::i18n;
use crate::markdown;
use crate::preview::{self, Table};
use crate::render::{Ctx, Meta, WebError};

/// Bytes of a CSV file read for its preview.
const CSV_PREVIEW_BYTES: usize = 256 * 1024;
/// Largest JSON file previewed (JSON needs the whole file).
const JSON_PREVIEW_BYTES: usize = 2 * 1024 * 1024;

#[derive(Serialize)]
struct ResourceView {
    title: String,
    dataset: Link,
    description_html: String,
    facts: Vec<Fact>,
    download_url: Option<String>,
    external: bool,
    preview: Option<Table>,
    /// Why there is no preview, when there is none.
    preview_note: Option<String>,
    quality: Option<super::quality::ResourceQualitySummary>,
    /// The datastore table, chart and map (or the state of the ingest).
    datastore: Option<super::datastore::Section>,
}

#[derive(Serialize)]
struct Fact {
    label: String,
    value: String,
}

enum Kind {
    Csv,
    Json,
    Other,
}

fn kind(r: &Resource) -> Kind {
    let f = r.format.trim().to_ascii_uppercase();
    let m = r.mimetype.as_deref().unwrap_or("").to_ascii_lowercase();
    if f == "CSV" || m == "text/csv" {
        Kind::Csv
    } else if f == "JSON" || m == "application/json" {
        Kind::Json
    } else {
        Kind::Other
    }
}

pub async fn resource(
    State(st): State<AppState>,
    Path((dataset, resource)): Path<(String, String)>,
    ctx: Ctx,
) -> Response {
    let r = build(&st, &ctx, &dataset, &resource).await;
    st.respond(&ctx, r)
}

/// The first `limit` bytes of the file and whether the file is longer.
async fn read_start(
    st: &AppState,
    ctx: &Ctx,
    dataset: &str,
    resource: &str,
    limit: usize,
) -> Result<(Vec<u8>, bool), WebError> {
    let (_, mut reader) = st
        .portal
        .open_download(&viewer(ctx), dataset, resource)
        .await?;
    let mut buf = Vec::new();
    while let Some(chunk) = reader.stream.next().await {
        let chunk = chunk.map_err(|e| WebError::Internal(format!("reading blob: {e}")))?;
        buf.extend_from_slice(&chunk);
        if buf.len() >= limit {
            buf.truncate(limit);
            return Ok((buf, (reader.size as usize) > limit));
        }
    }
    Ok((buf, false))
}

async fn build(
    st: &AppState,
    ctx: &Ctx,
    dataset: &str,
    resource: &str,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let (d, r) = st.portal.show_resource(&viewer(ctx), resource)?;
    if (d.id != dataset && d.name != dataset) || r.state != EntityState::Active {
        return Err(WebError::NotFound);
    }
    st.portal
        .count_resource_view(&d.id, &r.id, super::usage::user_agent(ctx));
    let mut facts = vec![Fact {
        label: ctx.t("resource_format"),
        value: r.format.trim().to_uppercase(),
    }];
    if let Some(s) = r.size {
        facts.push(Fact {
            label: ctx.t("resource_size"),
            value: i18n::size(lang, s),
        });
    }
    if let Some(m) = r.mimetype.as_deref() {
        facts.push(Fact {
            label: ctx.t("resource_media_type"),
            value: m.to_string(),
        });
    }
    if let Some(c) = r.compress_format.as_deref().filter(|c| !c.is_empty()) {
        facts.push(Fact {
            label: ctx.t("passport_compression"),
            value: c.to_string(),
        });
    }
    facts.push(Fact {
        label: ctx.t("resource_created"),
        value: i18n::datetime(lang, &r.created),
    });
    if let Some(m) = r.last_modified {
        facts.push(Fact {
            label: ctx.t("resource_last_modified"),
            value: i18n::datetime(lang, &m),
        });
    }
    if let Some(h) = r.hash.as_deref() {
        facts.push(Fact {
            label: ctx.t("resource_sha256"),
            value: h.to_string(),
        });
    }

    let datastore = super::datastore::section(st, ctx, &d, &r).await;
    let (preview, preview_note) = if datastore.as_ref().is_some_and(|s| s.has_table()) {
        (None, None)
    } else if !r.is_upload() {
        (None, Some(ctx.t("preview_link_only")))
    } else {
        match kind(&r) {
            Kind::Csv => {
                let (bytes, partial) =
                    read_start(st, ctx, dataset, resource, CSV_PREVIEW_BYTES).await?;
                match preview::csv(&bytes, partial) {
                    Some(t) => (Some(t), None),
                    None => (None, Some(ctx.t("preview_unreadable"))),
                }
            }
            Kind::Json => {
                if r.size.is_some_and(|s| s as usize > JSON_PREVIEW_BYTES) {
                    (None, Some(ctx.t("preview_too_large")))
                } else {
                    let (bytes, partial) =
                        read_start(st, ctx, dataset, resource, JSON_PREVIEW_BYTES).await?;
                    match (partial, preview::json(&bytes)) {
                        (false, Some(t)) => (Some(t), None),
                        (true, _) => (None, Some(ctx.t("preview_too_large"))),
                        (false, None) => (None, Some(ctx.t("preview_unreadable"))),
                    }
                }
            }
            Kind::Other => (None, Some(ctx.t("preview_not_available"))),
        }
    };

    let title = if r.name.trim().is_empty() {
        r.url.clone()
    } else {
        r.name.clone()
    };
    let quality = super::quality::resource_summary(st, ctx, &d, &r).await;
    let view = ResourceView {
        title,
        dataset: Link {
            url: dataset_url(&d),
            label: dataset_title(lang, &d),
        },
        description_html: markdown::render(&r.description),
        facts,
        download_url: download_url(&d, &r),
        external: !r.is_upload(),
        preview,
        preview_note,
        quality,
        datastore,
    };
    let mut resp = st.page(
        ctx,
        "resource.html",
        Meta::new(&view.title, "dataset"),
        &view,
    )?;
    let tiles = view
        .datastore
        .as_ref()
        .and_then(|s| s.img_origin.as_deref());
    super::datastore::allow_tiles(&mut resp, tiles);
    Ok(resp)
}
