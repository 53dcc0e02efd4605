//! `/dashboard/links`: the broken links of external resources found by the
//! scheduled link check — for coordinators every publisher's, for a
//! publisher's members their own — with the HTTP status, what went wrong,
//! since when, and where to fix it; coordinators can start a check now.
//! Everything comes from `misto_actions::linkcheck`.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use misto_actions::ActionError;
use misto_actions::linkcheck::days_broken;
use misto_core::time::now;
use serde::Serialize;

use super::forms::{Form, check_post, require_login};
use super::{Link, dataset_title, dataset_url};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other, segment};

#[derive(Serialize)]
struct Row {
    dataset: Link,
    resource: String,
    resource_url: String,
    edit_url: String,
    publisher: String,
    url: String,
    status: String,
    message: String,
    checked: String,
    since: String,
    days: i64,
}

#[derive(Serialize)]
struct Job {
    state: String,
    when: String,
    message: String,
}

#[derive(Serialize)]
struct LinksView {
    rows: Vec<Row>,
    coordinator: bool,
    job: Option<Job>,
    queued: bool,
}

fn action_error(ctx: &Ctx, e: ActionError) -> WebError {
    match e {
        ActionError::NotAuthorized(_) => WebError::Forbidden(ctx.t("error_not_allowed")),
        e => e.into(),
    }
}

/// `GET /dashboard/links`.
pub async fn page(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let viewer = &session.viewer;
    let r = async {
        let links = st
            .portal
            .broken_links(viewer, ctx.param("organization"))
            .await
            .map_err(|e| action_error(&ctx, e))?;
        let t = now();
        let rows = links
            .iter()
            .map(|b| {
                let c = &b.check;
                let base = format!("/dataset/{}", segment(&b.dataset.name));
                Row {
                    dataset: Link {
                        url: dataset_url(&b.dataset),
                        label: dataset_title(ctx.lang, &b.dataset),
                    },
                    resource: if b.resource.name.trim().is_empty() {
                        c.url.clone()
                    } else {
                        b.resource.name.clone()
                    },
                    resource_url: format!("{base}/resource/{}", segment(&b.resource.id)),
                    edit_url: format!("{base}/resource/{}/edit", segment(&b.resource.id)),
                    publisher: b.publisher_title.clone(),
                    url: c.url.clone(),
                    status: c
                        .http_status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| ctx.t("links_no_answer")),
                    message: c.message.clone(),
                    checked: i18n::datetime(ctx.lang, &c.checked),
                    since: c
                        .broken_since
                        .as_ref()
                        .map(|s| i18n::date(ctx.lang, s))
                        .unwrap_or_default(),
                    days: days_broken(c.broken_since, t),
                }
            })
            .collect();
        let job = if viewer.sysadmin {
            st.portal.link_check_job(viewer).await?.map(|j| Job {
                state: ctx.t(&format!("links_job_{}", j.state.as_str())),
                when: i18n::datetime(
                    ctx.lang,
                    if j.state == misto_core::JobState::Pending {
                        &j.run_after
                    } else {
                        &j.modified
                    },
                ),
                message: j.message.clone(),
            })
        } else {
            None
        };
        let view = LinksView {
            rows,
            coordinator: viewer.sysadmin,
            job,
            queued: ctx.param("queued").is_some(),
        };
        let title = ctx.t("links_title");
        st.page(
            &ctx,
            "linkcheck.html",
            Meta::new(&title, "dashboard"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

/// `POST /dashboard/links/run`: a coordinator starts the check now.
pub async fn run(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    match st.portal.run_link_check_now(&session.viewer).await {
        Ok(_) => see_other(&ctx, "/dashboard/links?queued=1"),
        Err(e) => st.error_page(&ctx, action_error(&ctx, e)),
    }
}
