//! The CKAN-style actions of engagement and reuse that are not about
//! datasets themselves: news posts (`news_list`, `news_show`,
//! `news_create`, `news_update`, `news_delete`) and the coordinators'
//! moderation queue (`moderation_queue_show`).

use misto_actions::content::NewsInput;
use misto_core::content::NewsPost;
use misto_core::time::ckan_format;
use serde_json::{Value, json};

use crate::Ctx;
use crate::dictize::encode_segment;
use crate::error::ApiError;
use crate::handlers::{ROWS_MAX, feedback_json, request_json};
use crate::params::Params;

type R = Result<Value, ApiError>;

/// The actions of this module (each also listed, with its kind, in
/// [`crate::ACTIONS`]; a test checks).
pub const NAMES: &[&str] = &[
    "news_list",
    "news_show",
    "moderation_queue_show",
    "news_create",
    "news_update",
    "news_delete",
];

/// Actions that take a multipart `upload` (a picture).
pub fn takes_upload(name: &str) -> bool {
    matches!(name, "news_create" | "news_update")
}

pub fn handles(name: &str) -> bool {
    NAMES.contains(&name)
}

pub async fn dispatch(name: &str, ctx: &mut Ctx, p: &mut Params) -> R {
    match name {
        "news_list" => news_list(ctx, p).await,
        "news_show" => news_show(ctx, p).await,
        "news_create" => news_create(ctx, p).await,
        "news_update" => news_update(ctx, p).await,
        "news_delete" => news_delete(ctx, p).await,
        "moderation_queue_show" => moderation_queue_show(ctx, p).await,
        other => Err(ApiError::BadRequest(format!(
            "Action name not known: {other}"
        ))),
    }
}

pub fn news_json(ctx: &Ctx, n: &NewsPost) -> Value {
    let site = ctx.site().trim_end_matches('/');
    let datasets: Vec<Value> = ctx.portal.catalog().read(|ix| {
        n.datasets
            .iter()
            .filter_map(|id| ix.get(id))
            .map(|d| json!({"id": d.id, "name": d.name, "title": d.title}))
            .collect()
    });
    json!({
        "id": n.id,
        "name": n.name,
        "title": n.title,
        "title_en": n.title_en,
        "body": n.body,
        "body_en": n.body_en,
        "image_url": n.image.as_ref().map(|_| format!("{site}/news/{}/image", encode_segment(&n.name))),
        "datasets": datasets,
        "published": n.published,
        "publish_date": ckan_format(&n.publish_date),
        "author": n.author,
        "url": format!("{site}/news/{}", encode_segment(&n.name)),
        "created": ckan_format(&n.created),
        "modified": ckan_format(&n.modified),
    })
}

fn news_input(p: &mut Params) -> Result<NewsInput, ApiError> {
    Ok(NewsInput {
        name: p.str("name"),
        title: p.str("title"),
        title_en: p.str("title_en"),
        body: p.str("body"),
        body_en: p.str("body_en"),
        datasets: if p.has("datasets") {
            Some(p.list("datasets", true)?)
        } else {
            None
        },
        published: if p.has("published") {
            Some(p.bool("published", false)?)
        } else {
            None
        },
        publish_date: p.str("publish_date"),
        remove_image: p.bool("remove_image", false)?,
    })
}

async fn news_list(ctx: &mut Ctx, p: &mut Params) -> R {
    let limit = p.int("limit", 20, Some(ROWS_MAX))?;
    let offset = p.int("offset", 0, None)?;
    let drafts = p.bool("include_drafts", false)?;
    p.reject_unknown()?;
    let (count, list) = ctx
        .portal
        .list_news(&ctx.viewer, drafts, limit, offset)
        .await?;
    Ok(json!({
        "count": count,
        "results": list.iter().map(|n| news_json(ctx, n)).collect::<Vec<_>>(),
    }))
}

fn id_or_name(p: &mut Params) -> Result<String, ApiError> {
    p.str("id")
        .or_else(|| p.str("name"))
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::missing("id"))
}

async fn news_show(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_or_name(p)?;
    p.reject_unknown()?;
    let n = ctx.portal.show_news(&ctx.viewer, &id).await?;
    Ok(news_json(ctx, &n))
}

async fn discard(ctx: &mut Ctx) {
    if let Some(up) = ctx.upload.take() {
        ctx.portal.discard_upload(up).await;
    }
}

/// The parameters of news_create / news_update, checked before the picture
/// is handed over; on any error the staged picture is removed.
async fn checked_input(
    ctx: &mut Ctx,
    p: &mut Params,
    need_id: bool,
) -> Result<(Option<String>, NewsInput), ApiError> {
    let id = p.str("id").filter(|s| !s.trim().is_empty());
    let result = match news_input(p) {
        Ok(_) if need_id && id.is_none() => Err(ApiError::missing("id")),
        Ok(input) => p.reject_unknown().map(|()| input),
        Err(e) => Err(e),
    };
    match result {
        Ok(input) => Ok((id, input)),
        Err(e) => {
            discard(ctx).await;
            Err(e)
        }
    }
}

async fn news_create(ctx: &mut Ctx, p: &mut Params) -> R {
    let (_, input) = checked_input(ctx, p, false).await?;
    let image = ctx.upload.take();
    let n = ctx.portal.create_news(&ctx.viewer, input, image).await?;
    Ok(news_json(ctx, &n))
}

async fn news_update(ctx: &mut Ctx, p: &mut Params) -> R {
    let (id, input) = checked_input(ctx, p, true).await?;
    let image = ctx.upload.take();
    let n = ctx
        .portal
        .update_news(&ctx.viewer, id.as_deref().unwrap_or_default(), input, image)
        .await?;
    Ok(news_json(ctx, &n))
}

async fn news_delete(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_or_name(p)?;
    p.reject_unknown()?;
    ctx.portal.delete_news(&ctx.viewer, &id).await?;
    Ok(Value::Null)
}

async fn moderation_queue_show(ctx: &mut Ctx, p: &mut Params) -> R {
    p.reject_unknown()?;
    let q = ctx.portal.moderation_queue(&ctx.viewer).await?;
    Ok(json!({
        "feedback": q.feedback.iter().map(|f| feedback_json(ctx, f)).collect::<Vec<_>>(),
        "dataset_requests": q.requests.iter().map(|r| request_json(ctx, r)).collect::<Vec<_>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_registered() {
        for n in NAMES {
            assert!(crate::kind_of(n).is_some(), "{n} missing from ACTIONS");
        }
        assert_eq!(crate::kind_of("news_list"), Some(crate::Kind::Read));
        assert_eq!(crate::kind_of("news_create"), Some(crate::Kind::Write));
    }
}
