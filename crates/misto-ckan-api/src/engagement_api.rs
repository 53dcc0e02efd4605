//! The CKAN-style actions of engagement and reuse that are not about
//! datasets themselves: news posts (`news_list`, `news_show`,
//! `news_create`, `news_update`, `news_delete`) and the coordinators'
//! moderation queue (`moderation_queue_show`), static pages (`page_list`,
//! `page_show`, `page_create`, `page_update`, `page_delete`,
//! `page_attachment_create`, `page_attachment_delete`) and the showcase
//! (`showcase_list`, `showcase_show`, `showcase_create`, `showcase_review`)
//! and surveys (`survey_list`, `survey_show`, `survey_create`,
//! `survey_answer`, `survey_results`).

use misto_actions::content::{NewsInput, PageInput};
use misto_actions::showcase::ShowcaseInput;
use misto_core::Moderation;
use misto_core::content::{Attachment, NewsPost, Page, ShowcaseItem};
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
    "page_list",
    "page_show",
    "page_create",
    "page_update",
    "page_delete",
    "page_attachment_create",
    "page_attachment_delete",
    "showcase_list",
    "showcase_show",
    "showcase_create",
    "showcase_review",
    "survey_list",
    "survey_show",
    "survey_results",
    "survey_create",
    "survey_answer",
];

/// Actions that take a multipart `upload` (a picture).
pub fn takes_upload(name: &str) -> bool {
    matches!(
        name,
        "news_create" | "news_update" | "page_attachment_create" | "showcase_create"
    )
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
        "page_list" => page_list(ctx, p).await,
        "page_show" => page_show(ctx, p).await,
        "page_create" => page_save(ctx, p, false).await,
        "page_update" => page_save(ctx, p, true).await,
        "page_delete" => page_delete(ctx, p).await,
        "page_attachment_create" => attachment_create(ctx, p).await,
        "page_attachment_delete" => attachment_delete(ctx, p).await,
        "showcase_list" => showcase_list(ctx, p).await,
        "showcase_show" => showcase_show(ctx, p).await,
        "showcase_create" => showcase_create(ctx, p).await,
        "showcase_review" => showcase_review(ctx, p).await,
        "survey_list" => survey_list(ctx, p).await,
        "survey_show" => survey_show(ctx, p).await,
        "survey_results" => survey_results(ctx, p).await,
        "survey_create" => survey_create(ctx, p).await,
        "survey_answer" => survey_answer(ctx, p).await,
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
        "showcase": q.showcase.iter().map(|s| showcase_json(ctx, s)).collect::<Vec<_>>(),
    }))
}

fn page_json(ctx: &Ctx, pg: &Page, attachments: Option<&[Attachment]>) -> Value {
    let site = ctx.site().trim_end_matches('/');
    let url = format!("{site}/pages/{}", encode_segment(&pg.name));
    let mut v = json!({
        "id": pg.id,
        "name": pg.name,
        "title": pg.title,
        "title_en": pg.title_en,
        "body": pg.body,
        "body_en": pg.body_en,
        "menu": pg.menu.as_str(),
        "position": pg.position,
        "published": pg.published,
        "url": url,
        "created": ckan_format(&pg.created),
        "modified": ckan_format(&pg.modified),
    });
    if let (Some(list), Value::Object(m)) = (attachments, &mut v) {
        m.insert(
            "attachments".into(),
            Value::Array(list.iter().map(|a| attachment_json(&url, a)).collect()),
        );
    }
    v
}

fn attachment_json(page_url: &str, a: &Attachment) -> Value {
    json!({
        "id": a.id,
        "file_name": a.file_name,
        "size": a.size,
        "mimetype": a.media_type,
        "url": format!("{page_url}/files/{}/{}", encode_segment(&a.id), encode_segment(&a.file_name)),
        "created": ckan_format(&a.created),
    })
}

async fn page_list(ctx: &mut Ctx, p: &mut Params) -> R {
    p.reject_unknown()?;
    let list = ctx.portal.list_pages(&ctx.viewer).await?;
    Ok(Value::Array(
        list.iter().map(|pg| page_json(ctx, pg, None)).collect(),
    ))
}

async fn page_show(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_or_name(p)?;
    p.reject_unknown()?;
    let pg = ctx.portal.show_page(&ctx.viewer, &id).await?;
    let att = ctx.portal.page_attachments(&ctx.viewer, &pg.id).await?;
    Ok(page_json(ctx, &pg, Some(&att)))
}

async fn page_save(ctx: &mut Ctx, p: &mut Params, update: bool) -> R {
    let id = if update {
        Some(p.required("id")?)
    } else {
        None
    };
    let input = PageInput {
        name: p.str("name"),
        title: p.str("title"),
        title_en: p.str("title_en"),
        body: p.str("body"),
        body_en: p.str("body_en"),
        menu: p.str("menu"),
        position: if p.has("position") {
            Some(p.int("position", 0, None)?)
        } else {
            None
        },
        published: if p.has("published") {
            Some(p.bool("published", false)?)
        } else {
            None
        },
    };
    p.reject_unknown()?;
    let pg = match id {
        Some(id) => ctx.portal.update_page(&ctx.viewer, &id, input).await?,
        None => ctx.portal.create_page(&ctx.viewer, input).await?,
    };
    Ok(page_json(ctx, &pg, None))
}

async fn page_delete(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_or_name(p)?;
    p.reject_unknown()?;
    ctx.portal.delete_page(&ctx.viewer, &id).await?;
    Ok(Value::Null)
}

async fn attachment_create(ctx: &mut Ctx, p: &mut Params) -> R {
    let page = match p
        .required("page_id")
        .and_then(|id| p.reject_unknown().map(|()| id))
    {
        Ok(id) => id,
        Err(e) => {
            discard(ctx).await;
            return Err(e);
        }
    };
    let Some(up) = ctx.upload.take() else {
        return Err(ApiError::missing("upload"));
    };
    let a = ctx.portal.attach_to_page(&ctx.viewer, &page, up).await?;
    let pg = ctx.portal.show_page(&ctx.viewer, &page).await?;
    let site = ctx.site().trim_end_matches('/');
    Ok(attachment_json(
        &format!("{site}/pages/{}", encode_segment(&pg.name)),
        &a,
    ))
}

async fn attachment_delete(ctx: &mut Ctx, p: &mut Params) -> R {
    let page = p.required("page_id")?;
    let id = p.required("id")?;
    p.reject_unknown()?;
    ctx.portal.detach_from_page(&ctx.viewer, &page, &id).await?;
    Ok(Value::Null)
}

pub fn showcase_json(ctx: &Ctx, s: &ShowcaseItem) -> Value {
    let site = ctx.site().trim_end_matches('/');
    let page = format!("{site}/showcase/{}", encode_segment(&s.name));
    let datasets: Vec<Value> = ctx.portal.catalog().read(|ix| {
        s.datasets
            .iter()
            .filter_map(|id| ix.get(id))
            .map(|d| json!({"id": d.id, "name": d.name, "title": d.title}))
            .collect()
    });
    let mut v = json!({
        "id": s.id,
        "name": s.name,
        "type": s.kind,
        "title": s.title,
        "notes": s.description,
        "url": s.url,
        "image_url": s.image.as_ref().map(|_| format!("{page}/image")),
        "author": s.author_name,
        "datasets": datasets,
        "showcase_url": page,
        "created": ckan_format(&s.created),
        "modified": ckan_format(&s.modified),
    });
    if ctx.viewer.sysadmin
        && let Value::Object(m) = &mut v
    {
        m.insert("author_email".into(), json!(s.author_email));
        m.insert("moderation".into(), json!(s.moderation.as_str()));
    }
    v
}

async fn showcase_list(ctx: &mut Ctx, p: &mut Params) -> R {
    let limit = p.int("limit", 100, Some(ROWS_MAX))?;
    let offset = p.int("offset", 0, None)?;
    let moderation = match p.str("moderation").filter(|m| !m.trim().is_empty()) {
        None => None,
        Some(m) => Some(Moderation::parse(m.trim()).ok_or_else(|| {
            ApiError::invalid("moderation", "Must be one of: pending, approved, spam")
        })?),
    };
    let dataset = p.str("package_id").filter(|s| !s.trim().is_empty());
    p.reject_unknown()?;
    let list = match dataset {
        Some(d) => ctx.portal.showcase_for_dataset(&ctx.viewer, &d).await?,
        None => {
            ctx.portal
                .list_showcase(&ctx.viewer, moderation, limit, offset)
                .await?
        }
    };
    Ok(Value::Array(
        list.iter().map(|s| showcase_json(ctx, s)).collect(),
    ))
}

async fn showcase_show(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_or_name(p)?;
    p.reject_unknown()?;
    let s = ctx.portal.show_showcase(&ctx.viewer, &id).await?;
    Ok(showcase_json(ctx, &s))
}

async fn showcase_create(ctx: &mut Ctx, p: &mut Params) -> R {
    let read =
        |p: &mut Params| -> Result<(misto_actions::engagement::Sender, ShowcaseInput), ApiError> {
            let sender = misto_actions::engagement::Sender {
                name: p.str("author_name").unwrap_or_default(),
                email: p.str("author_email").unwrap_or_default(),
                address: None,
                honeypot: p.str("website"),
            };
            let input = ShowcaseInput {
                name: p.str("name"),
                kind: p.str("type"),
                title: p.str("title").unwrap_or_default(),
                description: p.str("notes").unwrap_or_default(),
                url: p.str("url").unwrap_or_default(),
                datasets: p.list("datasets", true)?,
            };
            p.reject_unknown()?;
            Ok((sender, input))
        };
    let (sender, input) = match read(p) {
        Ok(x) => x,
        Err(e) => {
            discard(ctx).await;
            return Err(e);
        }
    };
    let image = ctx.upload.take();
    let s = ctx
        .portal
        .submit_showcase(&ctx.viewer, sender, input, image)
        .await?;
    Ok(showcase_json(ctx, &s))
}

async fn showcase_review(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = p.required("id")?;
    let moderation = p.required("moderation")?;
    p.reject_unknown()?;
    let s = ctx
        .portal
        .review_showcase(&ctx.viewer, &id, &moderation)
        .await?;
    Ok(showcase_json(ctx, &s))
}

fn survey_json(s: &misto_core::content::Survey) -> Value {
    let now = misto_core::time::now();
    json!({
        "id": s.id,
        "name": s.name,
        "title": s.title,
        "description": s.description,
        "questions": s.questions,
        "opens": s.opens.map(|t| ckan_format(&t)),
        "closes": s.closes.map(|t| ckan_format(&t)),
        "is_open": s.is_open(now),
        "public_results": s.public_results,
        "created": ckan_format(&s.created),
    })
}

async fn survey_list(ctx: &mut Ctx, p: &mut Params) -> R {
    p.reject_unknown()?;
    let list = ctx.portal.list_surveys(&ctx.viewer).await?;
    Ok(Value::Array(list.iter().map(survey_json).collect()))
}

async fn survey_show(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_or_name(p)?;
    p.reject_unknown()?;
    Ok(survey_json(
        &ctx.portal.show_survey(&ctx.viewer, &id).await?,
    ))
}

async fn survey_create(ctx: &mut Ctx, p: &mut Params) -> R {
    let questions = match p.raw("questions") {
        None => Vec::new(),
        Some(Value::String(s)) => serde_json::from_str(&s)
            .map_err(|e| ApiError::invalid("questions", format!("Not a list of questions: {e}")))?,
        Some(v) => serde_json::from_value(v)
            .map_err(|e| ApiError::invalid("questions", format!("Not a list of questions: {e}")))?,
    };
    let input = misto_actions::surveys::SurveyInput {
        name: p.str("name"),
        title: p.str("title").unwrap_or_default(),
        description: p.str("description").unwrap_or_default(),
        questions,
        opens: p.str("opens"),
        closes: p.str("closes"),
        public_results: p.bool("public_results", false)?,
    };
    p.reject_unknown()?;
    let s = ctx.portal.create_survey(&ctx.viewer, input).await?;
    Ok(survey_json(&s))
}

async fn survey_answer(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_or_name(p)?;
    let respondent = p.str("respondent").unwrap_or_default();
    let answers: misto_core::content::Answers = match p.raw("answers") {
        None => Default::default(),
        Some(Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| {
                let vals = match v {
                    Value::Array(a) => a
                        .into_iter()
                        .map(|x| match x {
                            Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect(),
                    Value::String(s) => vec![s],
                    Value::Null => vec![],
                    other => vec![other.to_string()],
                };
                (k, vals)
            })
            .collect(),
        Some(_) => return Err(ApiError::invalid("answers", "Must be an object")),
    };
    p.reject_unknown()?;
    let counted = ctx
        .portal
        .answer_survey(&ctx.viewer, &id, &respondent, answers)
        .await?;
    Ok(json!({"counted": counted}))
}

async fn survey_results(ctx: &mut Ctx, p: &mut Params) -> R {
    let id = id_or_name(p)?;
    p.reject_unknown()?;
    let r = ctx.portal.survey_results(&ctx.viewer, &id).await?;
    Ok(json!({
        "survey": survey_json(&r.survey),
        "responses": r.responses,
        "questions": r.questions.iter().map(|q| json!({
            "id": q.question.id,
            "label": q.question.label,
            "type": q.question.kind,
            "answered": q.answered,
            "counts": q.counts.iter().map(|c| json!({"value": c.value, "count": c.count})).collect::<Vec<_>>(),
            "texts": q.texts,
        })).collect::<Vec<_>>(),
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
