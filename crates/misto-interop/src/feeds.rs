//! `/sitemap.xml` (the sitemaps.org protocol: one `urlset`, or a sitemap
//! index over `?page=N` when there are more than 50,000 URLs) and Atom 1.0
//! feeds of new and updated public datasets: the whole portal, one
//! publisher, one keyword.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use misto_actions::Portal;
use misto_core::{Dataset, EntityState, Timestamp};

use crate::rdf::xml_escape;
use crate::{bad_request, not_found, public_datasets, site};

/// URLs per sitemap, the protocol's limit.
pub const SITEMAP_MAX_URLS: usize = 50_000;
/// Entries per Atom feed.
pub const FEED_ENTRIES: usize = 50;

fn w3c(ts: &Timestamp) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn encode(s: &str) -> String {
    misto_ckan_api::dictize::encode_segment(s)
}

/// The sitemap, or the sitemap index when `page` is `None` and the URLs do
/// not fit one sitemap of `max_urls`. `None` for a page past the last.
pub fn sitemap_document(portal: &Portal, page: Option<usize>, max_urls: usize) -> Option<String> {
    let site = site(portal);
    let max_urls = max_urls.max(1);
    let mut fixed: Vec<(String, Option<Timestamp>)> = vec![(format!("{site}/"), None)];
    let mut publishers = portal.list_publishers();
    publishers.retain(|p| p.state == EntityState::Active);
    publishers.sort_by(|a, b| a.name.cmp(&b.name));
    for p in &publishers {
        fixed.push((
            format!("{site}/organization/{}", encode(&p.name)),
            Some(p.modified),
        ));
    }
    let (datasets_total, _) = public_datasets(portal, vec![], "name asc", 0, 0)?;
    let total = fixed.len() + datasets_total;
    let pages = total.div_ceil(max_urls).max(1);
    let page = match page {
        None if pages > 1 => {
            let mut out = String::from(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
            );
            for n in 1..=pages {
                let _ = writeln!(
                    out,
                    "  <sitemap><loc>{}</loc></sitemap>",
                    xml_escape(&format!("{site}/sitemap.xml?page={n}"))
                );
            }
            out.push_str("</sitemapindex>\n");
            return Some(out);
        }
        None => 1,
        Some(n) if n >= 1 && n <= pages => n,
        Some(_) => return None,
    };
    let from = (page - 1) * max_urls;
    let to = (from + max_urls).min(total);
    let mut urls: Vec<(String, Option<Timestamp>)> = Vec::new();
    if from < fixed.len() {
        urls.extend(fixed[from..to.min(fixed.len())].iter().cloned());
    }
    let ds_from = from.saturating_sub(fixed.len());
    let ds_to = to.saturating_sub(fixed.len());
    if ds_to > ds_from {
        let (_, datasets) = public_datasets(portal, vec![], "name asc", ds_to - ds_from, ds_from)?;
        for d in datasets {
            urls.push((
                format!("{site}/dataset/{}", encode(&d.name)),
                Some(d.metadata_modified),
            ));
        }
    }
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (loc, lastmod) in urls {
        let _ = write!(out, "  <url><loc>{}</loc>", xml_escape(&loc));
        if let Some(t) = lastmod {
            let _ = write!(out, "<lastmod>{}</lastmod>", w3c(&t));
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    Some(out)
}

pub(crate) async fn sitemap(
    State(portal): State<Portal>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let page = match params.get("page").map(|p| p.trim()) {
        None | Some("") => None,
        Some(p) => match p.parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => return bad_request("'page' must be a positive integer"),
        },
    };
    match sitemap_document(&portal, page, SITEMAP_MAX_URLS) {
        Some(xml) => xml_response("application/xml; charset=utf-8", xml),
        None => not_found(),
    }
}

fn xml_response(content_type: &'static str, xml: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], xml).into_response()
}

/// What a feed is about.
struct FeedHead {
    self_url: String,
    alternate: String,
    title: String,
}

fn summary(notes: &str) -> String {
    const MAX: usize = 500;
    let text = notes.trim();
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

fn atom(portal: &Portal, head: FeedHead, datasets: &[Arc<Dataset>]) -> String {
    let site = site(portal);
    let config = portal.config();
    let updated = datasets
        .iter()
        .map(|d| d.metadata_modified)
        .max()
        .unwrap_or_else(|| {
            portal.catalog().read(|ix| {
                ix.publishers()
                    .iter()
                    .map(|p| p.modified)
                    .max()
                    .unwrap_or_default()
            })
        });
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"uk\">\n",
    );
    let _ = writeln!(out, "  <id>{}</id>", xml_escape(&head.self_url));
    let _ = writeln!(out, "  <title>{}</title>", xml_escape(&head.title));
    let _ = writeln!(out, "  <updated>{}</updated>", w3c(&updated));
    let _ = writeln!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml_escape(&head.self_url)
    );
    let _ = writeln!(
        out,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(&head.alternate)
    );
    let _ = writeln!(
        out,
        "  <author><name>{}</name><uri>{}</uri></author>",
        xml_escape(&config.site_title),
        xml_escape(&format!("{site}/"))
    );
    out.push_str("  <generator>misto</generator>\n");
    portal.catalog().read(|ix| {
        for d in datasets {
            let page = format!("{site}/dataset/{}", encode(&d.name));
            out.push_str("  <entry>\n");
            let _ = writeln!(
                out,
                "    <id>{}</id>",
                xml_escape(&crate::dcat::dataset_uri(&site, d))
            );
            let _ = writeln!(out, "    <title>{}</title>", xml_escape(&d.title));
            let _ = writeln!(out, "    <updated>{}</updated>", w3c(&d.metadata_modified));
            let _ = writeln!(
                out,
                "    <published>{}</published>",
                w3c(&d.metadata_created)
            );
            let _ = writeln!(
                out,
                "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
                xml_escape(&page)
            );
            if let Some(p) = ix.publisher(&d.owner_org) {
                let _ = writeln!(
                    out,
                    "    <author><name>{}</name><uri>{}</uri></author>",
                    xml_escape(&p.title),
                    xml_escape(&format!("{site}/organization/{}", encode(&p.name)))
                );
            }
            for t in &d.tags {
                let _ = writeln!(out, "    <category term=\"{}\"/>", xml_escape(t));
            }
            let text = if d.notes.trim().is_empty() {
                &d.title
            } else {
                &d.notes
            };
            let _ = writeln!(
                out,
                "    <summary type=\"text\">{}</summary>",
                xml_escape(&summary(text))
            );
            out.push_str("  </entry>\n");
        }
    });
    out.push_str("</feed>\n");
    out
}

fn feed(portal: &Portal, head: FeedHead, fq: Vec<String>) -> Response {
    match public_datasets(portal, fq, "metadata_modified desc", FEED_ENTRIES, 0) {
        Some((_, datasets)) => xml_response(
            "application/atom+xml; charset=utf-8",
            atom(portal, head, &datasets),
        ),
        None => axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub(crate) async fn all_datasets(State(portal): State<Portal>) -> Response {
    let site = site(&portal);
    let head = FeedHead {
        self_url: format!("{site}/feeds/dataset.atom"),
        alternate: format!("{site}/dataset"),
        title: format!(
            "{}: нові та оновлені набори даних",
            portal.config().site_title
        ),
    };
    feed(&portal, head, vec![])
}

/// A search value in quotes, with `"` and `\` escaped.
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

pub(crate) async fn organization(
    State(portal): State<Portal>,
    Path(org): Path<String>,
) -> Response {
    let Some(org) = org.strip_suffix(".atom") else {
        return not_found();
    };
    let Some(p) = portal
        .catalog()
        .read(|ix| ix.publisher(org).cloned())
        .filter(|p| p.state == EntityState::Active)
    else {
        return not_found();
    };
    let site = site(&portal);
    let head = FeedHead {
        self_url: format!("{site}/feeds/organization/{}.atom", encode(&p.name)),
        alternate: format!("{site}/organization/{}", encode(&p.name)),
        title: format!("{}: нові та оновлені набори даних", p.title),
    };
    feed(&portal, head, vec![format!("owner_org:{}", quoted(&p.id))])
}

pub(crate) async fn tag(State(portal): State<Portal>, Path(tag): Path<String>) -> Response {
    let Some(tag) = tag.strip_suffix(".atom").filter(|t| !t.trim().is_empty()) else {
        return not_found();
    };
    let site = site(&portal);
    let head = FeedHead {
        self_url: format!("{site}/feeds/tag/{}.atom", encode(tag)),
        alternate: format!("{site}/dataset?tags={}", encode(tag)),
        title: format!("Набори даних з ключовим словом «{tag}»"),
    };
    feed(&portal, head, vec![format!("tags:{}", quoted(tag))])
}

/// `/feeds/dataset/{name}.atom`: the changes of one public dataset (its
/// activity stream, newest first), for readers who follow one dataset.
pub(crate) async fn dataset(State(portal): State<Portal>, Path(name): Path<String>) -> Response {
    let Some(name) = name.strip_suffix(".atom") else {
        return not_found();
    };
    let Some(d) = crate::public_dataset(&portal, name) else {
        return not_found();
    };
    let activity = match portal
        .dataset_activity(
            &misto_core::Viewer::anonymous(),
            &d.id,
            FEED_ENTRIES as i64,
            0,
        )
        .await
    {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "dataset feed: activity");
            return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    xml_response(
        "application/atom+xml; charset=utf-8",
        dataset_atom(&portal, &d, &activity),
    )
}

/// The Atom document of one dataset's changes.
pub fn dataset_atom(portal: &Portal, d: &Dataset, activity: &[misto_core::Activity]) -> String {
    let site = site(portal);
    let page = format!("{site}/dataset/{}", encode(&d.name));
    let self_url = format!("{site}/feeds/dataset/{}.atom", encode(&d.name));
    let updated = activity
        .iter()
        .map(|a| a.timestamp)
        .max()
        .unwrap_or(d.metadata_modified);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"uk\">\n",
    );
    let _ = writeln!(out, "  <id>{}</id>", xml_escape(&self_url));
    let _ = writeln!(
        out,
        "  <title>{}</title>",
        xml_escape(&format!("{}: зміни", d.title))
    );
    let _ = writeln!(out, "  <updated>{}</updated>", w3c(&updated));
    let _ = writeln!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml_escape(&self_url)
    );
    let _ = writeln!(
        out,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(&page)
    );
    let _ = writeln!(
        out,
        "  <author><name>{}</name><uri>{}</uri></author>",
        xml_escape(&portal.config().site_title),
        xml_escape(&format!("{site}/"))
    );
    out.push_str("  <generator>misto</generator>\n");
    for a in activity {
        let what = match a.activity_type.as_str() {
            "new package" => "Набір даних опубліковано",
            "deleted package" => "Набір даних вилучено",
            _ => "Набір даних змінено",
        };
        let mut fields: Vec<&str> = a
            .data
            .get("changes")
            .and_then(|c| c.as_array())
            .map(|c| {
                c.iter()
                    .filter_map(|x| x.get("field").and_then(|f| f.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        fields.dedup();
        out.push_str("  <entry>\n");
        let _ = writeln!(
            out,
            "    <id>{}</id>",
            xml_escape(&format!("{site}/dataset/{}#activity-{}", d.id, a.id))
        );
        let _ = writeln!(out, "    <title>{}</title>", xml_escape(what));
        let _ = writeln!(out, "    <updated>{}</updated>", w3c(&a.timestamp));
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml_escape(&page)
        );
        let summary = if fields.is_empty() {
            d.title.clone()
        } else {
            format!("{}: {}", d.title, fields.join(", "))
        };
        let _ = writeln!(
            out,
            "    <summary type=\"text\">{}</summary>",
            xml_escape(&summary)
        );
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
