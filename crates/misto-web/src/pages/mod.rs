//! One module per page. Each builds a typed view struct from the portal's
//! actions (with the viewer of the request's session, anonymous without
//! one) and renders one template. The publisher workspace (login, "my
//! datasets", the dataset and resource forms, tokens, members) shares
//! [`forms`].

pub mod admin;
pub mod compliance;
pub mod dashboard;
pub mod dashboards;
pub mod dataset;
pub mod dataset_edit;
pub mod datastore;
pub mod datastore_svg;
pub mod developers;
pub mod feedback;
pub mod forms;
pub mod groups;
pub mod harvest;
pub mod home;
pub mod linkcheck;
pub mod login;
pub mod members;
pub mod monitoring;
pub mod news;
pub mod passport;
pub mod publishers;
pub mod push;
pub mod quality;
pub mod register;
pub mod requests;
pub mod resource;
pub mod resources_edit;
pub mod review;
pub mod robots;
pub mod search;
pub mod showcase;
pub mod static_pages;
pub mod stats;
pub mod subscriptions;
pub mod surveys;
pub mod tokens;
pub mod usage;

use misto_actions::{Portal, Viewer};
use misto_core::{Dataset, Group, Publisher, Timestamp};
use misto_search::{Index, SearchQuery, SearchResult};
use serde::Serialize;

use crate::i18n::{self, Lang};
use crate::markdown;
use crate::render::{Ctx, WebError, query_string, segment};

/// Any path no page answers.
pub async fn not_found(
    axum::extract::State(st): axum::extract::State<crate::AppState>,
    ctx: Ctx,
) -> axum::response::Response {
    st.error_page(&ctx, WebError::NotFound)
}

/// Datasets per page of results.
pub const PAGE_SIZE: usize = 20;
/// The last page anyone may ask for (deep paging costs without use).
pub const MAX_PAGE: usize = 500;

/// The viewer of a request: the signed-in person, or anonymous.
pub fn viewer(ctx: &Ctx) -> Viewer {
    ctx.session
        .as_ref()
        .map(|s| s.viewer.clone())
        .unwrap_or_else(Viewer::anonymous)
}

#[derive(Debug, Serialize)]
pub struct Link {
    pub url: String,
    pub label: String,
}

/// A dataset in a list of results.
#[derive(Debug, Serialize)]
pub struct Card {
    pub url: String,
    pub title: String,
    pub excerpt: String,
    pub publisher: Option<Link>,
    pub formats: Vec<String>,
    pub updated: String,
    pub overdue: bool,
}

pub fn dataset_url(d: &Dataset) -> String {
    format!("/dataset/{}", segment(&d.name))
}

pub fn publisher_url(p: &Publisher) -> String {
    format!("/organization/{}", segment(&p.name))
}

pub fn group_url(g: &Group) -> String {
    format!("/group/{}", segment(&g.name))
}

pub fn publisher_title(lang: Lang, p: &Publisher) -> String {
    lang.pick(&p.title, p.title_en.as_deref()).to_string()
}

pub fn group_title(lang: Lang, g: &Group) -> String {
    // Themes seeded from the national list have English titles in misto-core.
    let en = g.title_en.as_deref().or_else(|| {
        misto_core::themes::NATIONAL_THEMES
            .iter()
            .find(|(slug, _, _)| *slug == g.name)
            .map(|(_, _, en)| *en)
    });
    lang.pick(&g.title, en).to_string()
}

pub fn dataset_title(lang: Lang, d: &Dataset) -> String {
    lang.pick(&d.title, d.title_en.as_deref()).to_string()
}

/// Distinct formats of the active resources, in order of appearance.
pub fn formats(d: &Dataset) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in d.active_resources() {
        let f = r.format.trim().to_uppercase();
        if !f.is_empty() && !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

pub fn card(ix: &Index, lang: Lang, d: &Dataset, now: Timestamp) -> Card {
    Card {
        url: dataset_url(d),
        title: dataset_title(lang, d),
        excerpt: markdown::excerpt(lang.pick(&d.notes, d.notes_en.as_deref()), 220),
        publisher: ix.publisher(&d.owner_org).map(|p| Link {
            url: publisher_url(p),
            label: publisher_title(lang, p),
        }),
        formats: formats(d),
        updated: i18n::date(lang, &d.data_last_updated()),
        overdue: d.is_overdue(now),
    }
}

pub fn cards(portal: &Portal, lang: Lang, res: &SearchResult, now: Timestamp) -> Vec<Card> {
    portal
        .catalog()
        .read(|ix| res.results.iter().map(|d| card(ix, lang, d, now)).collect())
}

/// Previous/next links and "page N of M".
#[derive(Debug, Serialize)]
pub struct Pager {
    pub page: usize,
    pub pages: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub numbers: Vec<PageLink>,
}

#[derive(Debug, Serialize)]
pub struct PageLink {
    pub number: usize,
    pub url: String,
    pub current: bool,
}

/// The requested page number (1-based), from `?page=`.
pub fn page_number(ctx: &Ctx) -> Result<usize, WebError> {
    match ctx.param("page") {
        None | Some("") => Ok(1),
        Some(s) => match s.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => Ok(n),
            _ => Err(WebError::BadRequest(ctx.t("error_bad_page"))),
        },
    }
}

/// A pager over `count` results; `url_for(n)` links page `n`.
pub fn pager(count: usize, page: usize, url_for: impl Fn(usize) -> String) -> Option<Pager> {
    let pages = count.div_ceil(PAGE_SIZE).clamp(1, MAX_PAGE);
    if pages <= 1 {
        return None;
    }
    let lo = page.saturating_sub(2).max(1);
    let hi = (page + 2).min(pages);
    let mut numbers: Vec<usize> = (lo..=hi).collect();
    if !numbers.contains(&1) {
        numbers.insert(0, 1);
    }
    if !numbers.contains(&pages) {
        numbers.push(pages);
    }
    Some(Pager {
        page,
        pages,
        prev: (page > 1).then(|| url_for(page - 1)),
        next: (page < pages).then(|| url_for(page + 1)),
        numbers: numbers
            .into_iter()
            .map(|n| PageLink {
                number: n,
                url: url_for(n),
                current: n == page,
            })
            .collect(),
    })
}

/// Datasets matching `fq` (a publisher's or a theme's), newest change first, one page.
pub fn list_datasets(
    portal: &Portal,
    ctx: &Ctx,
    fq: String,
    page: usize,
) -> Result<(usize, Vec<Card>, Option<Pager>), WebError> {
    let now = misto_core::time::now();
    let mut q = SearchQuery::at(now);
    q.fq = vec![fq];
    q.sort = Some("metadata_modified desc".into());
    q.rows = PAGE_SIZE;
    q.start = (page - 1) * PAGE_SIZE;
    // Members see their publishers' private datasets and drafts too.
    q.include_private = ctx.session.is_some();
    q.include_drafts = ctx.session.is_some();
    let res = portal.search_datasets(&viewer(ctx), &q)?;
    let cards = cards(portal, ctx.lang, &res, now);
    let path = ctx.path.clone();
    let pager = pager(res.count, page, |n| {
        let n = n.to_string();
        format!("{path}{}", query_string([("page", n.as_str())]))
    });
    Ok((res.count, cards, pager))
}

/// A Lucene phrase for an `fq` value.
pub fn phrase(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}
