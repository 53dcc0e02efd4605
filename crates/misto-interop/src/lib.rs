//! Machine-readable views of the public catalog for other catalogues and
//! search engines:
//!
//! * DCAT-AP 3 in Turtle, RDF/XML and JSON-LD (`/catalog.ttl|.rdf|.jsonld`
//!   with ckanext-dcat's hydra paging and `modified_since`, and one dataset
//!   through [`dataset_document`] / [`negotiate_rdf`]), mapped as
//!   docs/dcat.md describes ([`dcat`], over the small triple model of [`rdf`]);
//! * the schema.org `Dataset` JSON-LD of a dataset page ([`schema_org_json_ld`]);
//! * `/sitemap.xml` and Atom feeds of new and updated datasets ([`feeds`]);
//! * `/dataset/{dataset}/datapackage.json` (a Frictionless Data Package with
//!   table schemas inferred from uploaded CSV files) and
//!   `/dataset/{dataset}/passport.json` (the Resolution 835 passport)
//!   ([`package`]).
//!
//! Everything here is what the anonymous public may read: private datasets,
//! drafts and deleted datasets appear in none of these views, whoever asks.
//!
//! What this crate must not do: change state, or read other than through
//! `misto-actions` (the catalog, `show_dataset`, `search_datasets`,
//! `open_download`).

pub mod dcat;
pub mod feeds;
pub mod news_feed;
pub mod package;
pub mod rdf;
pub mod schema_org;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use misto_actions::{Portal, Viewer};
use misto_core::{Dataset, DatasetState};
use misto_search::SearchQuery;

/// A path segment, percent-encoded.
pub(crate) fn feeds_encode(s: &str) -> String {
    misto_ckan_api::dictize::encode_segment(s)
}

/// Routes owned by this crate (merged into the server's router).
pub fn router(portal: Portal) -> Router {
    Router::new()
        .route("/catalog.ttl", get(catalog_ttl))
        .route("/catalog.rdf", get(catalog_rdf))
        .route("/catalog.xml", get(catalog_rdf))
        .route("/catalog.jsonld", get(catalog_jsonld))
        .route("/sitemap.xml", get(feeds::sitemap))
        .route("/feeds/dataset.atom", get(feeds::all_datasets))
        .route("/feeds/organization/{org}", get(feeds::organization))
        .route("/feeds/tag/{tag}", get(feeds::tag))
        .route("/feeds/dataset/{dataset}", get(feeds::dataset))
        .route("/feeds/news.atom", get(news_feed::news))
        .route(
            "/dataset/{dataset}/datapackage.json",
            get(package::datapackage),
        )
        .route("/dataset/{dataset}/passport.json", get(package::passport))
        .with_state(portal)
}

/// The RDF serialisations: (format name, content type).
const RDF_FORMATS: [(&str, &str); 3] = [
    ("ttl", "text/turtle; charset=utf-8"),
    ("rdf", "application/rdf+xml; charset=utf-8"),
    ("jsonld", "application/ld+json"),
];

fn content_type_of(format: &str) -> Option<&'static str> {
    RDF_FORMATS
        .iter()
        .find(|(f, _)| *f == format)
        .map(|(_, c)| *c)
}

fn serialize(g: &rdf::Graph, format: &str) -> Option<Vec<u8>> {
    match format {
        "ttl" => Some(g.to_turtle().into_bytes()),
        "rdf" => Some(g.to_rdfxml().into_bytes()),
        "jsonld" => serde_json::to_vec_pretty(&g.to_jsonld()).ok(),
        _ => None,
    }
}

/// The site URL without a trailing slash.
fn site(portal: &Portal) -> String {
    portal.config().site_url.trim_end_matches('/').to_string()
}

/// A dataset the anonymous public may read: active and not private.
fn public_dataset(portal: &Portal, id_or_name: &str) -> Option<Arc<Dataset>> {
    portal
        .show_dataset(&Viewer::anonymous(), id_or_name)
        .ok()
        .filter(|d| is_public(d))
}

fn is_public(d: &Dataset) -> bool {
    d.state == DatasetState::Active && !d.private
}

/// Public datasets matching `fq`, newest change first, one page of them,
/// with the total count.
fn public_datasets(
    portal: &Portal,
    fq: Vec<String>,
    sort: &str,
    rows: usize,
    start: usize,
) -> Option<(usize, Vec<Arc<Dataset>>)> {
    let q = SearchQuery {
        fq,
        sort: Some(sort.to_string()),
        rows,
        start,
        ..SearchQuery::default()
    };
    match portal.search_datasets(&Viewer::anonymous(), &q) {
        Ok(r) => Some((
            r.count,
            r.results.into_iter().filter(|d| is_public(d)).collect(),
        )),
        Err(e) => {
            tracing::error!(error = %e, "interop search failed");
            None
        }
    }
}

/// What the mapping of one dataset needs from the catalog.
fn dcat_context<'a>(
    site: &'a str,
    publisher: Option<&'a misto_core::Publisher>,
    territory: &'a dcat::Territory,
    d: &Dataset,
    ix: &misto_search::Index,
) -> dcat::Context<'a> {
    dcat::Context {
        site,
        publisher,
        territory,
        theme_slugs: d
            .groups
            .iter()
            .filter_map(|g| ix.group(g).map(|g| g.name.clone()))
            .collect(),
    }
}

fn dataset_graph(portal: &Portal, d: &Dataset) -> rdf::Graph {
    let site = site(portal);
    let mut g = rdf::Graph::new();
    let mut vocab = dcat::Vocab::default();
    let territory = dcat::Territory::from_settings(&portal.site_settings());
    portal.catalog().read(|ix| {
        let publisher = ix.publisher(&d.owner_org);
        let cx = dcat_context(&site, publisher, &territory, d, ix);
        dcat::add_dataset(&mut g, &mut vocab, &cx, d);
    });
    g
}

/// An RDF document of one dataset, for `/dataset/{name}.ttl|.rdf|.jsonld`
/// and content negotiation on the dataset page: `(content type, body)`, or
/// `None` when the dataset is not public or the format is unknown.
/// `format` is `ttl`, `rdf` or `jsonld`.
///
/// Only public datasets are described, whoever the viewer is: these
/// documents are made to be harvested and cached.
pub fn dataset_document(
    portal: &Portal,
    _viewer: &Viewer,
    name: &str,
    format: &str,
) -> Option<(&'static str, Vec<u8>)> {
    let content_type = content_type_of(format)?;
    let d = public_dataset(portal, name)?;
    let g = dataset_graph(portal, &d);
    Some((content_type, serialize(&g, format)?))
}

/// Which RDF format (`ttl`, `rdf`, `jsonld`) an `Accept` header asks for, if any.
///
/// An RDF type must be preferred (by quality, then by order) over HTML and
/// over wildcards: browsers, which send `text/html,…,*/*;q=0.8`, get `None`.
pub fn negotiate_rdf(headers: &HeaderMap) -> Option<&'static str> {
    let mut best: Option<(&'static str, f32)> = None;
    let mut other = 0.0f32;
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let mut q = 1.0f32;
            for p in parts {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v.trim().parse().unwrap_or(0.0);
                }
            }
            if q.is_nan() || q <= 0.0 {
                continue;
            }
            let fmt = match media.as_str() {
                "text/turtle" | "application/x-turtle" => Some("ttl"),
                "application/rdf+xml" => Some("rdf"),
                "application/ld+json" => Some("jsonld"),
                _ => None,
            };
            match fmt {
                Some(f) => {
                    if best.is_none_or(|(_, bq)| q > bq) {
                        best = Some((f, q));
                    }
                }
                None => other = other.max(q),
            }
        }
    }
    best.filter(|(_, q)| *q > other).map(|(f, _)| f)
}

/// The schema.org `Dataset` JSON-LD to embed in a public dataset page
/// (`<script type="application/ld+json">`), or `None` when not public.
/// `<`, `>` and `&` are escaped as `\u003c` etc., so the text is safe inside
/// a `<script>` element.
pub fn schema_org_json_ld(portal: &Portal, name: &str) -> Option<String> {
    let d = public_dataset(portal, name)?;
    let v = schema_org::dataset(portal, &d);
    let s = serde_json::to_string(&v).ok()?;
    Some(
        s.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
    )
}

fn bad_request(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg.to_string(),
    )
        .into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not found",
    )
        .into_response()
}

fn body(content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        bytes,
    )
        .into_response()
}

async fn catalog_ttl(
    State(portal): State<Portal>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    catalog(&portal, &params, "ttl", "catalog.ttl")
}

async fn catalog_rdf(
    State(portal): State<Portal>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    catalog(&portal, &params, "rdf", "catalog.rdf")
}

async fn catalog_jsonld(
    State(portal): State<Portal>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    catalog(&portal, &params, "jsonld", "catalog.jsonld")
}

/// One page of the DCAT catalog, as ckanext-dcat serves it: 100 datasets,
/// newest change first, `modified_since` as a lower bound on
/// `metadata_modified`, and a hydra paging node.
fn catalog(
    portal: &Portal,
    params: &HashMap<String, String>,
    format: &str,
    path: &str,
) -> Response {
    let page = match params.get("page").map(|p| p.trim()) {
        None | Some("") => 1,
        Some(p) => match p.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => return bad_request("'page' must be a positive integer"),
        },
    };
    let mut fq = Vec::new();
    let mut query = None;
    if let Some(since) = params
        .get("modified_since")
        .filter(|s| !s.trim().is_empty())
    {
        let Some(ts) = misto_core::time::parse_datetime(since) else {
            return bad_request("'modified_since' must be an ISO 8601 date or date-time");
        };
        let iso = ts.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        fq.push(format!("metadata_modified:[{iso} TO *]"));
        query = Some(format!(
            "modified_since={}",
            misto_ckan_api::dictize::encode_segment(since.trim())
        ));
    }
    let start = (page - 1).saturating_mul(dcat::PER_PAGE);
    let (total, datasets) =
        match public_datasets(portal, fq, "metadata_modified desc", dcat::PER_PAGE, start) {
            Some(r) => r,
            None => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
    let site = site(portal);
    let paging = dcat::Paging {
        base: format!("{site}/{path}"),
        query,
        page,
        total,
    };
    if page > paging.last() {
        return not_found();
    }
    let mut g = rdf::Graph::new();
    let mut vocab = dcat::Vocab::default();
    let settings = portal.site_settings();
    let territory = dcat::Territory::from_settings(&settings);
    let nodes: Vec<rdf::Term> = portal.catalog().read(|ix| {
        datasets
            .iter()
            .map(|d| {
                let publisher = ix.publisher(&d.owner_org);
                let cx = dcat_context(&site, publisher, &territory, d, ix);
                dcat::add_dataset(&mut g, &mut vocab, &cx, d)
            })
            .collect()
    });
    dcat::add_catalog(
        &mut g,
        &mut vocab,
        &site,
        &settings.title,
        &settings.description,
        &nodes,
        &paging,
    );
    let (Some(content_type), Some(bytes)) = (content_type_of(format), serialize(&g, format)) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    body(content_type, bytes)
}

/// The dataset named in a route, if public.
fn route_dataset(portal: &Portal, Path(name): Path<String>) -> Option<Arc<Dataset>> {
    public_dataset(portal, &name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> Option<&'static str> {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).expect("header"));
        negotiate_rdf(&h)
    }

    #[test]
    fn negotiation() {
        let cases = [
            ("text/turtle", Some("ttl")),
            ("application/rdf+xml", Some("rdf")),
            ("application/ld+json", Some("jsonld")),
            (
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                None,
            ),
            ("application/rdf+xml;q=0.5, text/turtle", Some("ttl")),
            ("text/turtle;q=0.9, application/ld+json;q=0.9", Some("ttl")),
            ("text/turtle, */*;q=0.1", Some("ttl")),
            ("text/turtle;q=0", None),
            ("*/*", None),
            ("application/json", None),
        ];
        for (header, want) in cases {
            assert_eq!(accept(header), want, "{header}");
        }
        assert_eq!(negotiate_rdf(&HeaderMap::new()), None);
    }
}
