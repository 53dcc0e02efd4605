//! Harvest actions in the shape of ckanext-harvest (`harvest_source_*`,
//! `harvest_run`, `harvest_job_list|show`) and `publisher_push`. Sysadmins
//! only (publisher admins for push); the work itself is a background job.

use misto_actions::harvest::{HarvestSourceInput, PushTarget};
use misto_core::harvest::{HarvestRun, HarvestSource};
use misto_core::time::ckan_format;
use serde_json::{Value, json};

use crate::Ctx;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

pub async fn dispatch(name: &str, ctx: &Ctx, p: &mut Params) -> R {
    match name {
        "harvest_source_list" => source_list(ctx, p).await,
        "harvest_source_show" => source_show(ctx, p).await,
        "harvest_source_create" => source_create(ctx, p).await,
        "harvest_source_update" => source_update(ctx, p).await,
        "harvest_source_delete" => source_delete(ctx, p).await,
        "harvest_run" => run(ctx, p).await,
        "harvest_job_list" => job_list(ctx, p).await,
        "harvest_job_show" => job_show(ctx, p).await,
        "publisher_push" => push(ctx, p).await,
        other => Err(ApiError::BadRequest(format!(
            "Action name not known: {other}"
        ))),
    }
}

/// A source as ckanext-harvest shows it (plus misto's fields).
pub fn source_dict(s: &HarvestSource) -> Value {
    json!({
        "id": s.id,
        "name": s.name,
        "title": s.title,
        "type": "harvest",
        "url": s.url,
        "source_type": s.kind.as_str(),
        "frequency": s.schedule.as_str().to_ascii_uppercase(),
        "config": s.config.to_string(),
        "owner_org": s.publisher_id,
        "download_files": s.download_files,
        "last_modified_seen": s.last_modified_seen,
        "active": s.active,
        "state": if s.active { "active" } else { "deleted" },
        "metadata_created": ckan_format(&s.created),
        "metadata_modified": ckan_format(&s.modified),
    })
}

/// A run as a harvest job dict; `with_log` adds the entries.
pub fn run_dict(r: &HarvestRun, with_log: bool) -> Value {
    let mut v = json!({
        "id": r.id,
        "source_id": r.source_id,
        "status": r.state.as_str(),
        "created": ckan_format(&r.started),
        "gather_started": ckan_format(&r.started),
        "finished": r.finished.as_ref().map(ckan_format),
        "message": r.message,
        "stats": {
            "added": r.counts.created,
            "updated": r.counts.updated,
            "not modified": r.counts.unchanged,
            "deleted": r.counts.withdrawn,
            "errored": r.counts.failed,
        },
    });
    if with_log && let Value::Object(m) = &mut v {
        m.insert("log".into(), json!(r.entries));
    }
    v
}

fn source_input(p: &mut Params) -> Result<HarvestSourceInput, ApiError> {
    let config = match p.raw("config") {
        None => None,
        Some(Value::String(s)) if s.trim().is_empty() => Some(json!({})),
        Some(Value::String(s)) => Some(
            serde_json::from_str::<Value>(&s)
                .map_err(|_| ApiError::invalid("config", "Must be a JSON object"))?,
        ),
        Some(v) => Some(v),
    };
    let config_download = config
        .as_ref()
        .and_then(|c| c.get("download_files"))
        .and_then(Value::as_bool);
    let download_files = match p.has("download_files") {
        true => p.bool("download_files", false)?,
        false => config_download.unwrap_or(false),
    };
    p.ignore(&[
        "notes",
        "type",
        "id",
        "state",
        "metadata_created",
        "metadata_modified",
        "last_modified_seen",
    ]);
    let active = if p.has("active") {
        Some(p.bool("active", true)?)
    } else {
        None
    };
    Ok(HarvestSourceInput {
        name: p.str("name").unwrap_or_default(),
        title: p.str("title"),
        kind: p.str("source_type").unwrap_or_default(),
        url: p.str("url").unwrap_or_default(),
        publisher: p.str("owner_org"),
        download_files,
        schedule: p.str("frequency"),
        config,
        active,
    })
}

fn id_param(p: &mut Params) -> Result<String, ApiError> {
    p.str("id")
        .or_else(|| p.str("source_id"))
        .or_else(|| p.str("name"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::missing("id"))
}

async fn source_list(ctx: &Ctx, p: &mut Params) -> R {
    p.reject_unknown()?;
    let list = ctx.portal.list_harvest_sources(&ctx.viewer).await?;
    Ok(Value::Array(list.iter().map(source_dict).collect()))
}

async fn source_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    p.reject_unknown()?;
    let s = ctx.portal.show_harvest_source(&ctx.viewer, &id).await?;
    let mut v = source_dict(&s);
    let status = ctx
        .portal
        .job_status(misto_actions::harvest::HARVEST_JOB, &s.id)
        .await?;
    if let Value::Object(m) = &mut v {
        m.insert(
            "status".into(),
            json!(status.map(|j| json!({
                "job_state": j.state.as_str(),
                "progress": [j.progress_done, j.progress_total],
                "message": j.message,
                "run_after": ckan_format(&j.run_after),
            }))),
        );
    }
    Ok(v)
}

async fn source_create(ctx: &Ctx, p: &mut Params) -> R {
    let input = source_input(p)?;
    p.reject_unknown()?;
    let s = ctx.portal.create_harvest_source(&ctx.viewer, input).await?;
    Ok(source_dict(&s))
}

async fn source_update(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    let input = source_input(p)?;
    p.reject_unknown()?;
    let s = ctx
        .portal
        .update_harvest_source(&ctx.viewer, &id, input)
        .await?;
    Ok(source_dict(&s))
}

async fn source_delete(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    p.reject_unknown()?;
    ctx.portal.delete_harvest_source(&ctx.viewer, &id).await?;
    Ok(Value::Null)
}

async fn run(ctx: &Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    p.reject_unknown()?;
    let job = ctx.portal.request_harvest(&ctx.viewer, &id).await?;
    Ok(json!({"job_id": job}))
}

async fn job_list(ctx: &Ctx, p: &mut Params) -> R {
    let source = p.str("source_id").or_else(|| p.str("id"));
    let limit = p.int("limit", 20, Some(1000))?;
    let offset = p.int("offset", 0, None)?;
    p.reject_unknown()?;
    let runs = ctx
        .portal
        .list_harvest_runs(&ctx.viewer, source.as_deref(), limit, offset)
        .await?;
    Ok(Value::Array(
        runs.iter().map(|r| run_dict(r, false)).collect(),
    ))
}

async fn job_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = p.str("id").ok_or_else(|| ApiError::missing("id"))?;
    p.reject_unknown()?;
    let r = ctx.portal.show_harvest_run(&ctx.viewer, &id).await?;
    Ok(run_dict(&r, true))
}

async fn push(ctx: &Ctx, p: &mut Params) -> R {
    let publisher = p
        .str("id")
        .or_else(|| p.str("owner_org"))
        .ok_or_else(|| ApiError::missing("id"))?;
    let target = PushTarget {
        url: p.str("url").unwrap_or_default(),
        api_key: p.str("api_key").unwrap_or_default(),
        organization: p.str("organization").unwrap_or_default(),
    };
    p.reject_unknown()?;
    let job = ctx
        .portal
        .request_push(&ctx.viewer, &publisher, &target)
        .await?;
    Ok(json!({"job_id": job}))
}
