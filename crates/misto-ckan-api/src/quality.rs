//! Quality actions: validation reports, safe fixes, versions of a
//! resource's file, structure files, dataset scores and the publisher
//! rating. Shapes are ours (CKAN has no such actions), in CKAN's style.

use misto_actions::quality::{QualityScore, StructureInput};
use misto_core::time::ckan_format;
use serde_json::{Value, json};

use crate::Ctx;
use crate::dictize::encode_segment;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

fn resource_id(p: &mut Params) -> Result<String, ApiError> {
    p.str("id")
        .or_else(|| p.str("resource_id"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::missing("id"))
}

fn dataset_id(p: &mut Params) -> Result<String, ApiError> {
    p.str("id")
        .or_else(|| p.str("name"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::missing("id"))
}

/// The validation of a resource's current file: `status` is `valid`,
/// `invalid`, `pending` (queued or running) or `not_validated`; `report`
/// holds the counts and the problems.
pub async fn resource_validation_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = resource_id(p)?;
    p.reject_unknown()?;
    let v = ctx.portal.resource_validation(&ctx.viewer, &id).await?;
    let job_waiting = v.job.as_ref().is_some_and(|j| {
        matches!(
            j.state,
            misto_core::JobState::Pending | misto_core::JobState::Running
        )
    });
    let status = match (&v.record, job_waiting) {
        (_, true) => "pending",
        (Some(r), false) if r.passed => "valid",
        (Some(_), false) => "invalid",
        (None, false) => "not_validated",
    };
    Ok(json!({
        "resource_id": id,
        "status": status,
        "validated": v.record.as_ref().map(|r| ckan_format(&r.validated)),
        "job": v.job.as_ref().map(|j| json!({
            "state": j.state.as_str(),
            "message": j.message,
            "progress_done": j.progress_done,
            "progress_total": j.progress_total,
        })),
        "report": v.report,
    }))
}

fn version_url(ctx: &Ctx, v: &misto_core::quality::ResourceVersion) -> String {
    format!(
        "{}/dataset/{}/resource/{}/version/{}/download/{}",
        ctx.site(),
        v.dataset_id,
        v.resource_id,
        v.id,
        encode_segment(&v.file_name)
    )
}

/// The versions of a resource's file, newest first, each downloadable.
pub async fn resource_version_list(ctx: &Ctx, p: &mut Params) -> R {
    let id = resource_id(p)?;
    p.reject_unknown()?;
    let versions = ctx.portal.resource_versions(&ctx.viewer, &id).await?;
    Ok(Value::Array(
        versions
            .iter()
            .map(|v| {
                json!({
                    "id": v.id,
                    "resource_id": v.resource_id,
                    "file_name": v.file_name,
                    "format": v.format,
                    "size": v.size,
                    "hash": v.sha256,
                    "origin": v.origin,
                    "created": ckan_format(&v.created),
                    "url": version_url(ctx, v),
                })
            })
            .collect(),
    ))
}

/// What a safe fix would change (`fix`: `reencode_utf8`, `iso_dates`,
/// `trim_spaces`, `drop_empty_rows`).
pub async fn resource_fix_preview(ctx: &Ctx, p: &mut Params) -> R {
    let id = resource_id(p)?;
    let fix = p.required("fix")?;
    p.reject_unknown()?;
    let preview = ctx.portal.preview_fix(&ctx.viewer, &id, &fix).await?;
    Ok(json!(preview))
}

/// Applies a safe fix: a new version of the file; the old one stays in
/// `resource_version_list`.
pub async fn resource_fix_apply(ctx: &Ctx, p: &mut Params) -> R {
    let id = resource_id(p)?;
    let fix = p.required("fix")?;
    p.reject_unknown()?;
    let (d, v) = ctx.portal.apply_fix(&ctx.viewer, &id, &fix).await?;
    let r = d
        .resources
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::from(misto_actions::ActionError::not_found("resource")))?;
    Ok(json!({
        "resource": crate::dictize::resource(ctx.site(), &d, r),
        "version": {
            "id": v.id,
            "origin": v.origin,
            "size": v.size,
            "hash": v.sha256,
            "url": version_url(ctx, &v),
        },
    }))
}

fn structure_json(
    ctx: &Ctx,
    d: &misto_core::Dataset,
    rec: &misto_core::quality::StructureRecord,
    schema: &misto_quality::schema::Schema,
) -> Value {
    let base = format!("{}/dataset/{}", ctx.site(), encode_segment(&d.name));
    json!({
        "dataset_id": rec.dataset_id,
        "source": rec.source,
        "resource_id": rec.resource_id,
        "modified": ckan_format(&rec.modified),
        "table_schema": rec.table_schema,
        "ministry_csv": schema.to_ministry_csv(),
        "table_schema_url": format!("{base}/structure.json"),
        "ministry_csv_url": format!("{base}/structure.csv"),
    })
}

/// A dataset's structure file (Table Schema and the Ministry's CSV form),
/// or null when it has none yet.
pub async fn dataset_structure_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = dataset_id(p)?;
    p.reject_unknown()?;
    let d = ctx.portal.show_dataset(&ctx.viewer, &id)?;
    Ok(
        match ctx.portal.dataset_structure(&ctx.viewer, &id).await? {
            Some((rec, schema)) => structure_json(ctx, &d, &rec, &schema),
            None => Value::Null,
        },
    )
}

/// Replaces a dataset's structure file: `table_schema` (Table Schema, as a
/// JSON object or text) or `ministry_csv` (the Ministry's CSV form).
pub async fn dataset_structure_update(ctx: &Ctx, p: &mut Params) -> R {
    let id = dataset_id(p)?;
    let input = match (p.raw("table_schema"), p.str("ministry_csv")) {
        (Some(Value::String(s)), None) => StructureInput::TableSchema(s),
        (Some(v @ Value::Object(_)), None) => StructureInput::TableSchema(v.to_string()),
        (None, Some(csv)) => StructureInput::MinistryFile {
            bytes: csv.into_bytes(),
            file_name: "structure.csv".into(),
        },
        (None, None) => return Err(ApiError::missing("table_schema")),
        _ => {
            return Err(ApiError::invalid(
                "table_schema",
                "Give either table_schema or ministry_csv",
            ));
        }
    };
    p.reject_unknown()?;
    let (rec, schema) = ctx.portal.save_structure(&ctx.viewer, &id, input).await?;
    let d = ctx.portal.show_dataset(&ctx.viewer, &id)?;
    Ok(structure_json(ctx, &d, &rec, &schema))
}

pub fn score_json(s: &QualityScore) -> Value {
    json!({
        "score": s.score,
        "meets_recommendations": s.meets_recommendations,
        "criteria": s.criteria,
    })
}

/// The quality score of a dataset (0–100) with its breakdown and advice.
pub async fn dataset_quality_show(ctx: &Ctx, p: &mut Params) -> R {
    let id = dataset_id(p)?;
    p.reject_unknown()?;
    let d = ctx.portal.show_dataset(&ctx.viewer, &id)?;
    let s = ctx.portal.dataset_quality(&ctx.viewer, &id).await?;
    let mut v = score_json(&s);
    v["id"] = json!(d.id);
    v["name"] = json!(d.name);
    Ok(v)
}
