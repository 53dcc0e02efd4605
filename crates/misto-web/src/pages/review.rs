//! Moderation of dataset changes in the browser (`/dashboard/review`):
//! editors see their pending changes and submit them; admins of a
//! publisher and sysadmins see the queue with each change as a table of
//! fields (approved value, proposed value) and approve or return it with a
//! comment; admins turn moderation on or off for their publishers. Every
//! change goes through `misto_actions::moderation`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use misto_actions::ActionError;
use misto_actions::moderation::{Decision, ReviewItem};
use serde::Serialize;
use serde_json::Value;

use super::forms::{Form, check_post, require_login};
use super::{Link, dataset_title, dataset_url};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other};

#[derive(Serialize)]
struct Change {
    field: String,
    old: String,
    new: String,
}

#[derive(Serialize)]
struct Row {
    dataset_id: String,
    dataset: Link,
    submitter: String,
    date: String,
    state: String,
    state_code: String,
    comment: Option<String>,
    changes: Vec<Change>,
}

#[derive(Serialize)]
struct PublisherSetting {
    id: String,
    title: String,
    moderation: bool,
}

#[derive(Serialize)]
struct ReviewView {
    queue: Vec<Row>,
    mine: Vec<Row>,
    publishers: Vec<PublisherSetting>,
    saved: bool,
    /// Just saved a change that waits to be submitted.
    proposed: bool,
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(a) if a.is_empty() => "—".into(),
        Value::Array(a) => a.iter().map(shown).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// The label of a changed field, in the page's language.
fn change_label(ctx: &Ctx, field: &str) -> String {
    match field {
        "state" => ctx.t("review_field_state"),
        "resource" => ctx.t("review_field_resource"),
        "resource_order" => ctx.t("review_field_resource_order"),
        other => super::dataset::field_label(ctx, other),
    }
}

/// A changed value as the reviewer reads it: the dataset's state and its
/// access in words, the rest as stored.
fn change_value(ctx: &Ctx, field: &str, v: &Value) -> String {
    match (field, v) {
        ("state", Value::String(s)) if matches!(s.as_str(), "active" | "draft" | "deleted") => {
            ctx.t(&format!("review_value_{s}"))
        }
        ("private", Value::Bool(true)) => ctx.t("review_value_private"),
        ("private", Value::Bool(false)) => ctx.t("review_value_public"),
        _ => shown(v),
    }
}

fn row(ctx: &Ctx, item: &ReviewItem) -> Row {
    let r = &item.revision;
    Row {
        dataset_id: item.dataset.id.clone(),
        dataset: Link {
            url: dataset_url(&item.dataset),
            label: dataset_title(ctx.lang, &item.proposed),
        },
        submitter: item.submitter_name.clone(),
        date: i18n::datetime(ctx.lang, r.submitted.as_ref().unwrap_or(&r.modified)),
        state: ctx.t(&format!("review_state_{}", r.state)),
        state_code: r.state.clone(),
        comment: r.comment.clone(),
        changes: item
            .changes
            .iter()
            .map(|c| {
                let field = c["field"].as_str().unwrap_or_default();
                Change {
                    field: change_label(ctx, field),
                    old: change_value(ctx, field, &c["old"]),
                    new: change_value(ctx, field, &c["new"]),
                }
            })
            .collect(),
    }
}

fn action_error(ctx: &Ctx, e: ActionError) -> WebError {
    match e {
        ActionError::NotAuthorized(_) => WebError::Forbidden(ctx.t("error_not_allowed")),
        ActionError::Validation(f) => WebError::BadRequest(
            f.0.into_iter()
                .flat_map(|(k, v)| v.into_iter().map(move |m| format!("{k}: {m}")))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        e => e.into(),
    }
}

/// `GET /dashboard/review`.
pub async fn page(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let viewer = &session.viewer;
    let r = async {
        let queue = st
            .portal
            .review_queue(viewer, None)
            .await
            .map_err(|e| action_error(&ctx, e))?;
        let mine = st
            .portal
            .my_revisions(viewer)
            .await
            .map_err(|e| action_error(&ctx, e))?;
        let mut publishers = Vec::new();
        for p in st.portal.list_publishers() {
            if viewer.can_admin(&p.id) {
                publishers.push(PublisherSetting {
                    moderation: st.portal.publisher_moderation(&p.id).await?,
                    id: p.name.clone(),
                    title: p.title.clone(),
                });
            }
        }
        let view = ReviewView {
            queue: queue.iter().map(|i| row(&ctx, i)).collect(),
            mine: mine.iter().map(|i| row(&ctx, i)).collect(),
            publishers,
            saved: ctx.param("saved").is_some(),
            proposed: ctx.param("proposed").is_some(),
        };
        let title = ctx.t("review_title");
        st.page(&ctx, "review.html", Meta::new(&title, "dashboard"), &view)
    }
    .await;
    st.respond(&ctx, r)
}

/// `POST /dashboard/review/{dataset}`: `decision` = approve | return |
/// submit, with `comment`.
pub async fn act(
    State(st): State<AppState>,
    Path(dataset): Path<String>,
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
    let viewer = &session.viewer;
    let result = match form.get("decision") {
        "submit" => st
            .portal
            .submit_revision(viewer, &dataset)
            .await
            .map(|_| ()),
        d => match Decision::parse(d) {
            Some(decision) => st
                .portal
                .review_revision(viewer, &dataset, decision, form.opt("comment").as_deref())
                .await
                .map(|_| ()),
            None => Err(ActionError::invalid(
                "decision",
                "Must be approve or return",
            )),
        },
    };
    match result {
        Ok(()) => see_other(&ctx, "/dashboard/review?saved=1"),
        Err(e) => st.error_page(&ctx, action_error(&ctx, e)),
    }
}

/// `POST /dashboard/review/settings/{publisher}`: `moderation` = on | off.
pub async fn setting(
    State(st): State<AppState>,
    Path(publisher): Path<String>,
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
    let on = form.get("moderation") == "on";
    match st
        .portal
        .set_publisher_moderation(&session.viewer, &publisher, on)
        .await
    {
        Ok(()) => see_other(&ctx, "/dashboard/review?saved=1"),
        Err(e) => st.error_page(&ctx, action_error(&ctx, e)),
    }
}
