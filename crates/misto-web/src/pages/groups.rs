//! `/group` and `/group/{group}`: themes and their datasets.

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::{Card, Pager, group_title, group_url, list_datasets, page_number, phrase, viewer};
use crate::AppState;
use crate::i18n;
use crate::markdown;
use crate::render::{Ctx, Meta, WebError};

#[derive(Serialize)]
struct ListView {
    themes: Vec<Item>,
}

#[derive(Serialize)]
struct Item {
    url: String,
    title: String,
    count: String,
}

#[derive(Serialize)]
struct GroupView {
    title: String,
    description_html: String,
    count: String,
    datasets: Vec<Card>,
    pager: Option<Pager>,
}

pub async fn list(State(st): State<AppState>, ctx: Ctx) -> Response {
    let lang = ctx.lang;
    let v = viewer(&ctx);
    let counts = st
        .portal
        .catalog()
        .read(|ix| ix.dataset_counts_by_group(&v));
    let themes = st
        .portal
        .list_groups()
        .iter()
        .map(|g| Item {
            url: group_url(g),
            title: group_title(lang, g),
            count: i18n::int(lang, counts.get(&g.id).copied().unwrap_or(0) as u64),
        })
        .collect();
    let title = ctx.t("themes_title");
    let r = st.page(
        &ctx,
        "groups.html",
        Meta::new(&title, "group"),
        &ListView { themes },
    );
    st.respond(&ctx, r)
}

pub async fn show(State(st): State<AppState>, Path(group): Path<String>, ctx: Ctx) -> Response {
    let r = build(&st, &ctx, &group);
    st.respond(&ctx, r)
}

fn build(st: &AppState, ctx: &Ctx, group: &str) -> Result<Response, WebError> {
    let g = st.portal.show_group(group)?;
    let page = page_number(ctx)?;
    let (count, datasets, pager) =
        list_datasets(&st.portal, ctx, format!("groups:{}", phrase(&g.name)), page)?;
    let view = GroupView {
        title: group_title(ctx.lang, &g),
        description_html: markdown::render(&g.description),
        count: i18n::int(ctx.lang, count as u64),
        datasets,
        pager,
    };
    st.page(ctx, "group.html", Meta::new(&view.title, "group"), &view)
}
