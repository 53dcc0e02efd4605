//! `/dashboard` ("my datasets"): the datasets of the publishers the user
//! belongs to, with their state, next update due and overdue marks, and
//! links to the rest of the workspace.

use axum::extract::State;
use axum::response::Response;
use misto_core::DatasetState;
use misto_search::SearchQuery;
use serde::Serialize;

use super::forms::require_login;
use super::{Link, dataset_title, dataset_url, publisher_title, publisher_url};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, segment};

#[derive(Serialize)]
struct DashboardView {
    name: String,
    rows: Vec<Row>,
    publishers: Vec<PublisherRow>,
    can_create: bool,
    truncated: bool,
    coordinator: bool,
}

#[derive(Serialize)]
struct Row {
    url: String,
    edit_url: Option<String>,
    resources_url: Option<String>,
    title: String,
    publisher: String,
    state: String,
    state_class: &'static str,
    updated: String,
    next_due: Option<String>,
    overdue: bool,
}

#[derive(Serialize)]
struct PublisherRow {
    link: Link,
    role: String,
    members_url: Option<String>,
}

const MAX_ROWS: usize = 1000;

pub async fn dashboard(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = build(&st, &ctx);
    st.respond(&ctx, r)
}

fn build(st: &AppState, ctx: &Ctx) -> Result<Response, WebError> {
    let session = match require_login(ctx) {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let v = &session.viewer;
    let lang = ctx.lang;
    let now = misto_core::time::now();
    let rows: Vec<Row>;
    let mut count = 0;
    let mut ids: Vec<&String> = v.roles.keys().collect();
    ids.sort();
    let mut found = Vec::new();
    for id in ids {
        let mut q = SearchQuery::at(now);
        q.fq = vec![format!("owner_org:{}", super::phrase(id))];
        q.sort = Some("metadata_modified desc".into());
        q.rows = MAX_ROWS;
        q.include_private = true;
        q.include_drafts = true;
        let res = st.portal.search_datasets(v, &q)?;
        count += res.count;
        found.extend(res.results);
    }
    found.sort_by_key(|d| std::cmp::Reverse(d.metadata_modified));
    found.truncate(MAX_ROWS);
    {
        rows = st.portal.catalog().read(|ix| {
            found
                .iter()
                .map(|d| {
                    let editable = v.can_edit_in(&d.owner_org);
                    let (state, class) = match (d.state, d.private) {
                        (DatasetState::Draft, _) => (ctx.t("state_draft"), "draft"),
                        (DatasetState::Deleted, _) => (ctx.t("state_deleted"), "deleted"),
                        (_, true) => (ctx.t("state_private"), "private"),
                        _ => (ctx.t("state_published"), "published"),
                    };
                    Row {
                        url: dataset_url(d),
                        edit_url: editable.then(|| format!("{}/edit", dataset_url(d))),
                        resources_url: editable
                            .then(|| format!("/dataset/{}/resources", segment(&d.name))),
                        title: dataset_title(lang, d),
                        publisher: ix
                            .publisher(&d.owner_org)
                            .map(|p| publisher_title(lang, p))
                            .unwrap_or_default(),
                        state,
                        state_class: class,
                        updated: i18n::date(lang, &d.data_last_updated()),
                        next_due: d.next_update_due().map(|t| i18n::date(lang, &t)),
                        overdue: d.state == DatasetState::Active && d.is_overdue(now),
                    }
                })
                .collect()
        });
    }
    let mut publishers: Vec<PublisherRow> = st.portal.catalog().read(|ix| {
        v.roles
            .iter()
            .filter_map(|(id, role)| {
                ix.publisher(id).map(|p| PublisherRow {
                    link: Link {
                        url: publisher_url(p),
                        label: publisher_title(lang, p),
                    },
                    role: ctx.t(&format!("role_{}", role.as_str())),
                    members_url: v
                        .can_admin(id)
                        .then(|| format!("/organization/{}/members", segment(&p.name))),
                })
            })
            .collect()
    });
    publishers.sort_by(|a, b| a.link.label.cmp(&b.link.label));
    let view = DashboardView {
        name: session.display_name.clone(),
        truncated: count > rows.len(),
        rows,
        publishers,
        can_create: v.sysadmin || v.roles.values().any(|r| r.can_edit()),
        coordinator: v.sysadmin,
    };
    let title = ctx.t("dashboard_title");
    st.page(ctx, "dashboard.html", Meta::new(&title, "dashboard"), &view)
}
