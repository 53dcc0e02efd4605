//! `/`: the search box, counts, newest and recently updated datasets,
//! themes and publishers.

use axum::extract::State;
use axum::response::Response;
use misto_search::SearchQuery;
use serde::Serialize;

use super::{Card, cards, group_title, group_url, publisher_title, publisher_url, viewer};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError};

#[derive(Serialize)]
struct HomeView {
    datasets: String,
    publishers: String,
    resources: String,
    newest: Vec<Card>,
    updated: Vec<Card>,
    themes: Vec<Entry>,
    publisher_list: Vec<Entry>,
    news: Vec<super::news::NewsCard>,
}

#[derive(Serialize)]
struct Entry {
    url: String,
    title: String,
    count: String,
}

pub async fn home(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = build(&st, &ctx).await;
    st.respond(&ctx, r)
}

async fn build(st: &AppState, ctx: &Ctx) -> Result<Response, WebError> {
    let portal = &st.portal;
    let v = viewer(ctx);
    let lang = ctx.lang;
    let now = misto_core::time::now();
    let mut q = SearchQuery::at(now);
    q.sort = Some("metadata_created desc".into());
    q.rows = 5;
    let newest = portal.search_datasets(&v, &q)?;
    q.sort = Some("metadata_modified desc".into());
    let updated = portal.search_datasets(&v, &q)?;
    // Every readable dataset, to count their resources.
    q.sort = Some("id asc".into());
    q.rows = newest.count;
    let all = portal.search_datasets(&v, &q)?;
    let resources: usize = all
        .results
        .iter()
        .map(|d| d.active_resources().count())
        .sum();
    let (by_group, by_pub) = portal.catalog().read(|ix| {
        (
            ix.dataset_counts_by_group(&v),
            ix.dataset_counts_by_publisher(&v),
        )
    });
    let themes: Vec<Entry> = portal
        .list_groups()
        .iter()
        .map(|g| Entry {
            url: group_url(g),
            title: group_title(lang, g),
            count: i18n::int(lang, by_group.get(&g.id).copied().unwrap_or(0) as u64),
        })
        .collect();
    let publisher_list: Vec<Entry> = portal
        .list_publishers()
        .iter()
        .map(|p| Entry {
            url: publisher_url(p),
            title: publisher_title(lang, p),
            count: i18n::int(lang, by_pub.get(&p.id).copied().unwrap_or(0) as u64),
        })
        .collect();
    let view = HomeView {
        datasets: i18n::int(lang, newest.count as u64),
        publishers: i18n::int(lang, publisher_list.len() as u64),
        resources: i18n::int(lang, resources as u64),
        newest: cards(portal, lang, &newest, now),
        updated: cards(portal, lang, &updated, now),
        themes,
        publisher_list,
        news: super::news::latest(st, lang, 3).await?,
    };
    let title = ctx.t("home_title");
    st.page(ctx, "home.html", Meta::new(&title, "home"), &view)
}
