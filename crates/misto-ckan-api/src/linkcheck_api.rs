//! The coordinator's scheduled checks, started by hand or read: the link
//! check of external resources (`link_check_list`: broken links, for
//! coordinators and the publishers' members; `link_check_run`: start a run
//! now) and the update reminders (`reminders_send`: send those due now,
//! each still once per due period). Shapes are ours (CKAN has no such
//! actions), in CKAN's style.

use misto_actions::linkcheck::days_broken;
use misto_core::time::{ckan_format, now};
use serde_json::{Value, json};

use crate::Ctx;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

/// The actions of this module (each also listed, with its kind, in
/// [`crate::ACTIONS`]).
pub const NAMES: &[&str] = &["link_check_list", "link_check_run", "reminders_send"];

pub fn handles(name: &str) -> bool {
    NAMES.contains(&name)
}

pub async fn dispatch(name: &str, ctx: &mut Ctx, p: &mut Params) -> R {
    match name {
        "link_check_list" => link_check_list(ctx, p).await,
        "link_check_run" => link_check_run(ctx, p).await,
        "reminders_send" => reminders_send(ctx, p).await,
        other => Err(ApiError::BadRequest(format!(
            "Action name not known: {other}"
        ))),
    }
}

fn job_json(j: &misto_core::Job) -> Value {
    json!({
        "state": j.state.as_str(),
        "message": j.message,
        "run_after": ckan_format(&j.run_after),
        "modified": ckan_format(&j.modified),
        "progress_done": j.progress_done,
        "progress_total": j.progress_total,
    })
}

/// Broken links, longest broken first; `organization` narrows to one
/// publisher. Each with the dataset, the resource, the HTTP status (null
/// when nothing answered), what went wrong and since when.
async fn link_check_list(ctx: &mut Ctx, p: &mut Params) -> R {
    let org = p.str("organization").or_else(|| p.str("owner_org"));
    p.reject_unknown()?;
    let links = ctx.portal.broken_links(&ctx.viewer, org.as_deref()).await?;
    let t = now();
    Ok(Value::Array(
        links
            .iter()
            .map(|b| {
                let c = &b.check;
                json!({
                    "resource_id": c.resource_id,
                    "resource_name": b.resource.name,
                    "url": c.url,
                    "package_id": b.dataset.id,
                    "package_name": b.dataset.name,
                    "package_title": b.dataset.title,
                    "owner_org": b.dataset.owner_org,
                    "organization_title": b.publisher_title,
                    "http_status": c.http_status,
                    "final_url": c.final_url,
                    "message": c.message,
                    "checked": ckan_format(&c.checked),
                    "broken_since": c.broken_since.as_ref().map(ckan_format),
                    "days_broken": days_broken(c.broken_since, t),
                })
            })
            .collect(),
    ))
}

/// Queues a run of the link check now; answers the job.
async fn link_check_run(ctx: &mut Ctx, p: &mut Params) -> R {
    p.reject_unknown()?;
    let job = ctx.portal.run_link_check_now(&ctx.viewer).await?;
    Ok(job_json(&job))
}

/// Sends the update reminders due now (`days_before`: how many days ahead
/// "due soon" reaches, default 7); answers the counts. A reminder already
/// sent for the same due date is not sent again.
async fn reminders_send(ctx: &mut Ctx, p: &mut Params) -> R {
    let days = p.int(
        "days_before",
        misto_actions::reminders::DEFAULT_DAYS_BEFORE,
        Some(366),
    )?;
    p.reject_unknown()?;
    let run = ctx.portal.send_reminders_now(&ctx.viewer, days).await?;
    Ok(json!({
        "queued": run.queued,
        "already_sent": run.already_sent,
        "no_recipient": run.no_recipient,
    }))
}
