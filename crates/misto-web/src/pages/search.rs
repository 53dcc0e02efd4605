//! `/dataset`: full-text search with facets, sort and paging. Facet values
//! are links that add or remove one filter; filters combine (all must hold).

use axum::extract::State;
use axum::response::Response;
use misto_core::UpdateFrequency;
use misto_search::SearchQuery;
use serde::Serialize;

use super::{
    Card, MAX_PAGE, PAGE_SIZE, Pager, cards, group_title, page_number, pager, phrase,
    publisher_title, viewer,
};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError, query_string};

/// Facet fields shown, with the key of their heading.
pub const FACETS: [(&str, &str); 6] = [
    ("organization", "facet_publisher"),
    ("groups", "facet_theme"),
    ("res_format", "facet_format"),
    ("license_id", "facet_licence"),
    ("tags", "facet_keyword"),
    ("update_frequency", "facet_frequency"),
];

/// Sort choices: (URL value, key of the label, the index's sort).
pub const SORTS: [(&str, &str, Option<&str>); 4] = [
    ("relevance", "sort_relevance", None),
    ("newest", "sort_newest", Some("metadata_created desc")),
    ("updated", "sort_updated", Some("metadata_modified desc")),
    ("name", "sort_name", Some("title_string asc")),
];

const FACET_VALUES: i64 = 12;
const MAX_QUERY_CHARS: usize = 500;

#[derive(Serialize)]
struct SearchView {
    q: String,
    count: String,
    results: Vec<Card>,
    facets: Vec<FacetView>,
    active: Vec<ActiveFilter>,
    sorts: Vec<SortOption>,
    sort: &'static str,
    pager: Option<Pager>,
    clear_url: String,
    /// Hidden inputs that keep the filters and sort when the box is submitted.
    keep: Vec<(String, String)>,
    subscribe: super::subscriptions::SubscribeBox,
}

#[derive(Serialize)]
struct FacetView {
    field: &'static str,
    title: String,
    items: Vec<FacetItem>,
}

#[derive(Serialize)]
struct FacetItem {
    label: String,
    count: String,
    url: String,
    selected: bool,
}

#[derive(Serialize)]
struct ActiveFilter {
    label: String,
    remove_url: String,
}

#[derive(Serialize)]
struct SortOption {
    label: String,
    url: String,
    current: bool,
}

/// The request, decoded.
struct Request {
    q: String,
    sort: &'static str,
    page: usize,
    filters: Vec<(&'static str, String)>,
}

impl Request {
    fn from_ctx(ctx: &Ctx) -> Result<Self, WebError> {
        let q = ctx.param("q").unwrap_or("").trim().to_string();
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(WebError::BadRequest(ctx.t("error_query_too_long")));
        }
        let sort = match ctx.param("sort").filter(|s| !s.is_empty()) {
            None => "relevance",
            Some(s) => SORTS
                .iter()
                .find(|(v, _, _)| *v == s)
                .map(|(v, _, _)| *v)
                .ok_or_else(|| WebError::BadRequest(ctx.t("error_bad_sort")))?,
        };
        let mut filters = Vec::new();
        for (k, v) in &ctx.query {
            if let Some((field, _)) = FACETS.iter().find(|(f, _)| f == k) {
                let v = v.trim();
                if !v.is_empty() && !filters.iter().any(|(f, x)| f == field && x == v) {
                    filters.push((*field, v.to_string()));
                }
            }
        }
        if filters.len() > 20 {
            return Err(WebError::BadRequest(ctx.t("error_too_many_filters")));
        }
        Ok(Self {
            q,
            sort,
            page: page_number(ctx)?,
            filters,
        })
    }

    /// The URL of this search with other filters, sort or page.
    fn url(&self, filters: &[(&str, String)], sort: &str, page: usize) -> String {
        let page_s = page.to_string();
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q", &self.q));
        }
        for (f, v) in filters {
            pairs.push((f, v));
        }
        if sort != "relevance" {
            pairs.push(("sort", sort));
        }
        if page > 1 {
            pairs.push(("page", &page_s));
        }
        format!("/dataset{}", query_string(pairs))
    }

    fn toggled(&self, field: &'static str, value: &str) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = self
            .filters
            .iter()
            .filter(|(f, v)| !(*f == field && v == value))
            .cloned()
            .collect();
        if out.len() == self.filters.len() {
            out.push((field, value.to_string()));
        }
        out
    }
}

fn facet_label(ix: &misto_search::Index, lang: Lang, field: &str, value: &str) -> String {
    match field {
        "organization" => ix.publisher(value).map(|p| publisher_title(lang, p)),
        "groups" => ix.group(value).map(|g| group_title(lang, g)),
        "license_id" => misto_core::license::find(value).map(|l| match lang {
            Lang::Uk => l.title_uk.to_string(),
            Lang::En => l.title.to_string(),
        }),
        "update_frequency" => UpdateFrequency::parse(value).map(|f| match lang {
            Lang::Uk => f.label_uk().to_string(),
            Lang::En => f.label_en().to_string(),
        }),
        _ => None,
    }
    .unwrap_or_else(|| value.to_string())
}

pub async fn search(State(st): State<AppState>, mut ctx: Ctx) -> Response {
    // The subscription form on the page needs a CSRF token before login too.
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = build(&st, &ctx);
    st.respond(&ctx, r)
}

fn build(st: &AppState, ctx: &Ctx) -> Result<Response, WebError> {
    let req = Request::from_ctx(ctx)?;
    let lang = ctx.lang;
    let now = misto_core::time::now();
    let mut q = SearchQuery::at(now);
    q.include_private = ctx.session.is_some();
    q.q = (!req.q.is_empty()).then(|| req.q.clone());
    q.fq = req
        .filters
        .iter()
        .map(|(f, v)| format!("{f}:{}", phrase(v)))
        .collect();
    q.sort = SORTS
        .iter()
        .find(|(v, _, _)| *v == req.sort)
        .and_then(|(_, _, s)| s.map(str::to_string));
    q.rows = PAGE_SIZE;
    q.start = (req.page - 1) * PAGE_SIZE;
    q.facet_fields = FACETS.iter().map(|(f, _)| f.to_string()).collect();
    q.facet_limit = FACET_VALUES;
    let res = st.portal.search_datasets(&viewer(ctx), &q)?;
    if req.page == 1 && !req.q.trim().is_empty() {
        let ua = super::usage::user_agent(ctx);
        st.portal.count_search(&req.q, res.count, ua);
    }
    let (facets, active) = st.portal.catalog().read(|ix| {
        let facets = res
            .facets
            .iter()
            .filter_map(|(field, values)| {
                let (field, key) = FACETS.iter().find(|(f, _)| f == field)?;
                let mut items: Vec<FacetItem> = values
                    .iter()
                    .map(|(value, n)| FacetItem {
                        label: facet_label(ix, lang, field, value),
                        count: i18n::int(lang, *n as u64),
                        url: req.url(&req.toggled(field, value), req.sort, 1),
                        selected: req.filters.iter().any(|(f, v)| f == field && v == value),
                    })
                    .collect();
                // A chosen value stays visible even when it is outside the top values.
                for (f, v) in req.filters.iter().filter(|(f, _)| f == field) {
                    if !values.iter().any(|(x, _)| x == v) {
                        items.push(FacetItem {
                            label: facet_label(ix, lang, f, v),
                            count: "0".into(),
                            url: req.url(&req.toggled(field, v), req.sort, 1),
                            selected: true,
                        });
                    }
                }
                (!items.is_empty()).then(|| FacetView {
                    field,
                    title: ctx.t(key),
                    items,
                })
            })
            .collect::<Vec<_>>();
        let active = req
            .filters
            .iter()
            .map(|(f, v)| ActiveFilter {
                label: facet_label(ix, lang, f, v),
                remove_url: req.url(&req.toggled(f, v), req.sort, 1),
            })
            .collect::<Vec<_>>();
        (facets, active)
    });
    let pages_cap = res.count.min(MAX_PAGE * PAGE_SIZE);
    let view = SearchView {
        subscribe: super::subscriptions::SubscribeBox::keyword(ctx),
        q: req.q.clone(),
        count: i18n::int(lang, res.count as u64),
        results: cards(&st.portal, lang, &res, now),
        facets,
        active,
        sorts: SORTS
            .iter()
            .map(|(v, key, _)| SortOption {
                label: ctx.t(key),
                url: req.url(&req.filters, v, 1),
                current: *v == req.sort,
            })
            .collect(),
        sort: req.sort,
        pager: pager(pages_cap, req.page, |n| req.url(&req.filters, req.sort, n)),
        clear_url: req.url(&[], req.sort, 1),
        keep: req
            .filters
            .iter()
            .map(|(f, v)| (f.to_string(), v.clone()))
            .collect(),
    };
    let title = if req.q.is_empty() {
        ctx.t("search_title")
    } else {
        format!("{} — {}", req.q, ctx.t("search_title"))
    };
    st.page(ctx, "search.html", Meta::new(&title, "dataset"), &view)
}
