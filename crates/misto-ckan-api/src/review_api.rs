//! Moderation of dataset changes: the per-publisher setting
//! (`organization_moderation_show`, `organization_moderation_set`), a
//! dataset's pending revision (`package_revision_show`), submitting it
//! (`package_submit`), reviewing it (`package_review`) and the review queue
//! (`review_queue_list`). Shapes are ours (CKAN has no such actions), in
//! CKAN's style.

use misto_actions::moderation::{Decision, ReviewItem};
use misto_core::time::{ckan_format, now};
use serde_json::{Value, json};

use crate::Ctx;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

/// The actions of this module (each also listed, with its kind, in
/// [`crate::ACTIONS`]; a test checks).
pub const NAMES: &[&str] = &[
    "organization_moderation_show",
    "package_revision_show",
    "review_queue_list",
    "organization_moderation_set",
    "package_submit",
    "package_review",
];

pub fn handles(name: &str) -> bool {
    NAMES.contains(&name)
}

pub async fn dispatch(name: &str, ctx: &mut Ctx, p: &mut Params) -> R {
    match name {
        "organization_moderation_show" => organization_moderation_show(ctx, p).await,
        "organization_moderation_set" => organization_moderation_set(ctx, p).await,
        "package_revision_show" => package_revision_show(ctx, p).await,
        "package_submit" => package_submit(ctx, p).await,
        "package_review" => package_review(ctx, p).await,
        "review_queue_list" => review_queue_list(ctx, p).await,
        other => Err(ApiError::BadRequest(format!(
            "Action name not known: {other}"
        ))),
    }
}

fn id_param(p: &mut Params) -> Result<String, ApiError> {
    p.str("id")
        .or_else(|| p.str("name"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::missing("id"))
}

/// A pending revision: who proposed what, its state, the reviewer's
/// comment, the changed fields (old and new values against the approved
/// version) and the proposed dataset in CKAN's package shape.
fn revision_json(ctx: &Ctx, item: &ReviewItem) -> Value {
    let r = &item.revision;
    let site = ctx.site();
    let proposed = ctx
        .portal
        .catalog()
        .read(|ix| crate::dictize::package(ix, site, &item.proposed, now()));
    json!({
        "id": r.id,
        "package_id": r.dataset_id,
        "package_name": item.dataset.name,
        "package_title": item.dataset.title,
        "owner_org": r.publisher_id,
        "state": r.state,
        "submitter_id": r.submitter_id,
        "submitter": item.submitter_name,
        "created": ckan_format(&r.created),
        "submitted": r.submitted.as_ref().map(ckan_format),
        "reviewer_id": r.reviewer_id,
        "comment": r.comment,
        "changes": item.changes,
        "proposed": proposed,
    })
}

async fn organization_moderation_show(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    p.reject_unknown()?;
    let on = ctx.portal.publisher_moderation(&id).await?;
    Ok(json!({"id": id, "moderation": on}))
}

async fn organization_moderation_set(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    if !p.has("moderation") {
        return Err(ApiError::missing("moderation"));
    }
    let on = p.bool("moderation", false)?;
    p.reject_unknown()?;
    ctx.portal
        .set_publisher_moderation(&ctx.viewer, &id, on)
        .await?;
    Ok(json!({"id": id, "moderation": on}))
}

async fn package_revision_show(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    p.reject_unknown()?;
    let item = ctx.portal.pending_revision(&ctx.viewer, &id).await?;
    Ok(item.map(|i| revision_json(ctx, &i)).unwrap_or(Value::Null))
}

async fn package_submit(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    p.reject_unknown()?;
    let item = ctx.portal.submit_revision(&ctx.viewer, &id).await?;
    Ok(revision_json(ctx, &item))
}

/// `decision`: `approve` or `return` (a comment is required to return).
/// Answers the dataset as the public now sees it.
async fn package_review(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_param(p)?;
    let decision = p.required("decision")?;
    let decision = Decision::parse(decision.trim())
        .ok_or_else(|| ApiError::invalid("decision", "Must be approve or return"))?;
    let comment = p.str("comment");
    p.reject_unknown()?;
    let d = ctx
        .portal
        .review_revision(&ctx.viewer, &id, decision, comment.as_deref())
        .await?;
    let site = ctx.site();
    Ok(ctx
        .portal
        .catalog()
        .read(|ix| crate::dictize::package(ix, site, &d, now())))
}

/// The revisions waiting for the viewer's review, oldest first.
async fn review_queue_list(ctx: &mut Ctx, p: &mut Params) -> R {
    let org = p
        .str("organization")
        .or_else(|| p.str("owner_org"))
        .filter(|s| !s.trim().is_empty());
    p.reject_unknown()?;
    let items = ctx.portal.review_queue(&ctx.viewer, org.as_deref()).await?;
    Ok(Value::Array(
        items.iter().map(|i| revision_json(ctx, i)).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_registered_with_its_kind() {
        for n in NAMES {
            assert!(crate::kind_of(n).is_some(), "{n} missing from ACTIONS");
        }
        assert_eq!(crate::kind_of("review_queue_list"), Some(crate::Kind::Read));
        assert_eq!(crate::kind_of("package_review"), Some(crate::Kind::Write));
        assert_eq!(crate::kind_of("package_submit"), Some(crate::Kind::Write));
    }
}
