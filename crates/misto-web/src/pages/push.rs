//! `/organization/{org}/push`: a publisher's admins (and sysadmins) push
//! the publisher's public datasets to a remote CKAN portal — its address,
//! an API key of that portal and the organization there — and follow the
//! latest pushes and their outcome. The push itself is the `push` job
//! (`Portal::request_push`, run by misto-harvest). The key typed in is
//! passed to the job and never shown again.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::harvest::PushTarget;
use misto_core::{JobState, Publisher};
use serde::Serialize;

use super::forms::{Errors, Form, check_post, require_login};
use super::publisher_title;
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other, segment};
use crate::session::Session;

#[derive(Serialize)]
struct PushView {
    title: String,
    publisher_url: String,
    action: String,
    url: String,
    organization: String,
    errors: Errors,
    queued: bool,
    runs: Vec<RunRow>,
    /// Some run is waiting or running: the page refreshes itself.
    active: bool,
}

#[derive(Serialize)]
struct RunRow {
    when: String,
    target: String,
    organization: String,
    state: String,
    state_class: &'static str,
    outcome: String,
}

fn run_rows(ctx: &Ctx, runs: &[misto_actions::harvest::PushRun]) -> Vec<RunRow> {
    runs.iter()
        .map(|r| {
            let (key, class) = match r.state {
                JobState::Pending => ("push_state_pending", "draft"),
                JobState::Running => ("push_state_running", "draft"),
                JobState::Done => ("push_state_done", "published"),
                JobState::Error => ("push_state_error", "overdue"),
            };
            let outcome = if r.state == JobState::Running && r.progress_total > 0 {
                format!("{} / {}", r.progress_done, r.progress_total)
            } else if r.message.trim().is_empty() {
                "—".to_string()
            } else {
                r.message.clone()
            };
            RunRow {
                when: i18n::datetime(ctx.lang, &r.created),
                target: r.url.clone(),
                organization: r.organization.clone(),
                state: ctx.t(key),
                state_class: class,
                outcome,
            }
        })
        .collect()
}

async fn render(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    p: &Publisher,
    errors: Errors,
    typed: Option<(String, String)>,
) -> Result<Response, WebError> {
    let runs = st.portal.push_runs(&session.viewer, &p.id).await?;
    // The last target is offered again, without its key.
    let (url, organization) = typed.unwrap_or_else(|| {
        runs.first()
            .map(|r| (r.url.clone(), r.organization.clone()))
            .unwrap_or_default()
    });
    let active = runs
        .iter()
        .any(|r| matches!(r.state, JobState::Pending | JobState::Running));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = PushView {
        title: publisher_title(ctx.lang, p),
        publisher_url: format!("/organization/{}", segment(&p.name)),
        action: format!("/organization/{}/push", segment(&p.name)),
        url,
        organization,
        errors,
        queued: ctx.param("queued").is_some(),
        runs: run_rows(ctx, &runs),
        active,
    };
    let title = format!("{}: {}", ctx.t("push_title"), view.title);
    st.page_with_status(
        ctx,
        status,
        "push.html",
        Meta::new(&title, "dashboard"),
        &view,
    )
}

/// The publisher, if the signed-in person administers it (checked again by
/// the actions).
fn publisher(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    org: &str,
) -> Result<Publisher, WebError> {
    let p = st.portal.show_publisher(org)?;
    if !session.viewer.can_admin(&p.id) {
        return Err(WebError::Forbidden(ctx.t("members_not_admin")));
    }
    Ok(p)
}

pub async fn form(State(st): State<AppState>, Path(org): Path<String>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = match publisher(&st, &ctx, session, &org) {
        Ok(p) => render(&st, &ctx, session, &p, Errors::default(), None).await,
        Err(e) => Err(e),
    };
    st.respond(&ctx, r)
}

pub async fn start(
    State(st): State<AppState>,
    Path(org): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let p = match publisher(&st, &ctx, session, &org) {
        Ok(p) => p,
        Err(e) => return st.error_page(&ctx, e),
    };
    let target = PushTarget {
        url: form.get("url").trim().to_string(),
        api_key: form.get("api_key").trim().to_string(),
        organization: form.get("organization").trim().to_string(),
    };
    let mut errors = Errors::default();
    match st
        .portal
        .request_push(&session.viewer, &p.id, &target)
        .await
    {
        Ok(_) => {
            return see_other(
                &ctx,
                &format!("/organization/{}/push?queued=1", segment(&p.name)),
            );
        }
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, &["url", "api_key", "organization"], e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let typed = Some((target.url, target.organization));
    let r = render(&st, &ctx, session, &p, errors, typed).await;
    st.respond(&ctx, r)
}
