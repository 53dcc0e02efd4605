//! Feedback on datasets in the browser: the form and the public list on
//! the dataset page (`/dataset/{name}/feedback` takes the post), the
//! author's own view through the link with its key (`/feedback/{id}`),
//! the publisher's inbox where editors answer and set the status
//! (`/dashboard/feedback`), and the coordinators' moderation queue
//! (`/dashboard/moderation`). Every change goes through the actions in
//! `misto_actions::engagement`; the spam guard (honeypot, rate limit,
//! moderation) is theirs.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::ActionError;
use misto_actions::engagement::{FeedbackInput, FeedbackUpdate, Sender};
use misto_core::{Dataset, Feedback, FeedbackKind, FeedbackStatus, Moderation};
use serde::Serialize;

use super::forms::{Choice, Errors, Form, check_post, require_login};
use super::{Link, dataset_title, dataset_url, viewer};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError, query_string, see_other, segment};

const KINDS: &[FeedbackKind] = &[
    FeedbackKind::QualityProblem,
    FeedbackKind::DataError,
    FeedbackKind::Question,
];
const STATUSES: &[FeedbackStatus] = &[
    FeedbackStatus::New,
    FeedbackStatus::InProgress,
    FeedbackStatus::Answered,
    FeedbackStatus::Fixed,
    FeedbackStatus::Rejected,
];
const FIELDS: &[&str] = &["kind", "message", "author_name", "author_email", "private"];

/// One piece of feedback as the public (or its author) sees it.
#[derive(Serialize)]
pub struct FeedbackItem {
    pub id: String,
    pub kind: String,
    pub message: String,
    pub author: String,
    pub date: String,
    pub status: String,
    pub status_code: &'static str,
    pub answer: Option<String>,
    pub answered_by: Option<String>,
}

/// What the dataset page shows of feedback: the list and the form.
#[derive(Serialize)]
pub struct FeedbackBlock {
    pub action: String,
    pub items: Vec<FeedbackItem>,
    pub kinds: Vec<Choice>,
    /// The publisher's editors get a link to their inbox instead of nothing.
    pub inbox: bool,
}

fn status_label(ctx: &Ctx, s: FeedbackStatus) -> String {
    ctx.t(&format!("eng_status_{}", s.as_str()))
}

fn kind_choices(ctx: &Ctx, selected: &str) -> Vec<Choice> {
    KINDS
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_string(),
            label: ctx.t(&format!("eng_kind_{}", k.as_str())),
            selected: k.as_str() == selected,
        })
        .collect()
}

pub fn item(ctx: &Ctx, f: &Feedback) -> FeedbackItem {
    FeedbackItem {
        id: f.id.clone(),
        kind: ctx.t(&format!("eng_kind_{}", f.kind.as_str())),
        message: f.message.clone(),
        author: f.author_name.clone(),
        date: i18n::date(ctx.lang, &f.created),
        status: status_label(ctx, f.status),
        status_code: f.status.as_str(),
        answer: f.answer.clone(),
        answered_by: f.answered_by.clone(),
    }
}

fn feedback_action(d: &Dataset) -> String {
    format!("{}/feedback", dataset_url(d))
}

/// The feedback block of the dataset page: approved public feedback (for
/// the publisher's members all of it) and the form.
pub async fn block(st: &AppState, ctx: &Ctx, d: &Dataset) -> Result<FeedbackBlock, WebError> {
    let v = viewer(ctx);
    let list = st
        .portal
        .list_feedback(&v, Some(&d.id), None, 100, 0)
        .await?;
    Ok(FeedbackBlock {
        action: feedback_action(d),
        items: list
            .iter()
            .filter(|f| f.moderation == Moderation::Approved)
            .map(|f| item(ctx, f))
            .collect(),
        kinds: kind_choices(ctx, ""),
        inbox: v.can_edit_in(&d.owner_org),
    })
}

#[derive(Serialize, Default)]
struct FormValues {
    kind: String,
    message: String,
    author_name: String,
    author_email: String,
    private: bool,
}

#[derive(Serialize)]
struct FormView {
    dataset: Link,
    action: String,
    kinds: Vec<Choice>,
    values: FormValues,
    errors: Errors,
    anonymous: bool,
}

fn render_form(
    st: &AppState,
    ctx: &Ctx,
    d: &Dataset,
    values: FormValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let title = ctx.t("eng_feedback_title");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = FormView {
        dataset: Link {
            url: dataset_url(d),
            label: dataset_title(ctx.lang, d),
        },
        action: feedback_action(d),
        kinds: kind_choices(ctx, &values.kind),
        values,
        errors,
        anonymous: ctx.session.is_none(),
    };
    st.page_with_status(
        ctx,
        status,
        "feedback_form.html",
        Meta::new(&title, "dataset"),
        &view,
    )
}

/// `GET /dataset/{name}/feedback`: the form on a page of its own.
pub async fn form(State(st): State<AppState>, Path(name): Path<String>, mut ctx: Ctx) -> Response {
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = st
        .portal
        .show_dataset(&viewer(&ctx), &name)
        .map_err(WebError::from)
        .and_then(|d| render_form(&st, &ctx, &d, FormValues::default(), Errors::default()));
    st.respond(&ctx, r)
}

/// `POST /dataset/{name}/feedback`.
pub async fn submit(
    State(st): State<AppState>,
    Path(name): Path<String>,
    mut ctx: Ctx,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let v = viewer(&ctx);
    let d = match st.portal.show_dataset(&v, &name) {
        Ok(d) => d,
        Err(e) => return st.error_page(&ctx, e.into()),
    };
    let sender = Sender {
        name: form.get("author_name").to_string(),
        email: form.get("author_email").to_string(),
        address: ctx.client_addr.clone(),
        honeypot: form.opt("website"),
    };
    let input = FeedbackInput {
        dataset: d.id.clone(),
        kind: form.opt("kind"),
        message: form.get("message").to_string(),
        private: form.has("private"),
    };
    let mut errors = Errors::default();
    match st.portal.submit_feedback(&v, sender, input).await {
        Ok(f) => {
            let key = st.portal.feedback_author_key(&f.id);
            return see_other(
                &ctx,
                &format!(
                    "/feedback/{}{}",
                    segment(&f.id),
                    query_string([("key", key.as_str()), ("sent", "1")])
                ),
            );
        }
        Err(ActionError::TooMany(_)) => {
            return st.error_page(&ctx, WebError::TooManyRequests(ctx.t("eng_too_many")));
        }
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    ctx.ensure_pre(&st.portal.config().session_key);
    let values = FormValues {
        kind: form.get("kind").to_string(),
        message: form.get("message").to_string(),
        author_name: form.get("author_name").to_string(),
        author_email: form.get("author_email").to_string(),
        private: form.has("private"),
    };
    let r = render_form(&st, &ctx, &d, values, errors);
    st.respond(&ctx, r)
}

#[derive(Serialize)]
struct AuthorView {
    item: FeedbackItem,
    dataset: Option<Link>,
    sent: bool,
    private: bool,
    pending: bool,
    url: String,
}

/// `GET /feedback/{id}?key=…`: the author follows their feedback.
pub async fn author_view(State(st): State<AppState>, Path(id): Path<String>, ctx: Ctx) -> Response {
    let key = ctx.param("key").unwrap_or("").to_string();
    let r = async {
        let f = st.portal.show_feedback_for_author(&id, &key).await?;
        let lang = ctx.lang;
        let dataset = st.portal.catalog().read(|ix| {
            ix.get(&f.dataset_id).map(|d| Link {
                url: dataset_url(d),
                label: dataset_title(lang, d),
            })
        });
        let view = AuthorView {
            item: item(&ctx, &f),
            dataset,
            sent: ctx.param("sent").is_some(),
            private: f.private,
            pending: f.moderation == Moderation::Pending,
            url: st.portal.feedback_author_url(&f.id),
        };
        let title = ctx.t("eng_author_title");
        st.page(
            &ctx,
            "feedback_status.html",
            Meta::new(&title, "dataset"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

/// One row of the inbox or the moderation queue.
#[derive(Serialize)]
struct InboxRow {
    item: FeedbackItem,
    dataset: Option<Link>,
    email: String,
    private: bool,
    moderation: String,
    moderation_code: &'static str,
    statuses: Vec<Choice>,
    answer: String,
}

fn inbox_row(st: &AppState, ctx: &Ctx, f: &Feedback) -> InboxRow {
    let lang: Lang = ctx.lang;
    InboxRow {
        item: item(ctx, f),
        dataset: st.portal.catalog().read(|ix| {
            ix.get(&f.dataset_id).map(|d| Link {
                url: dataset_url(d),
                label: dataset_title(lang, d),
            })
        }),
        email: f.author_email.clone(),
        private: f.private,
        moderation: ctx.t(&format!("eng_moderation_{}", f.moderation.as_str())),
        moderation_code: f.moderation.as_str(),
        statuses: STATUSES
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_string(),
                label: status_label(ctx, *s),
                selected: *s == f.status,
            })
            .collect(),
        answer: f.answer.clone().unwrap_or_default(),
    }
}

#[derive(Serialize)]
struct InboxView {
    rows: Vec<InboxRow>,
    spam: bool,
    saved: bool,
    coordinator: bool,
}

/// `GET /dashboard/feedback`: feedback on the datasets of the publishers
/// the signed-in person edits for; `?spam=1` shows what was marked spam.
pub async fn inbox(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let spam = ctx.param("spam").is_some();
    let r = async {
        let list = st.portal.feedback_inbox(&session.viewer, spam).await?;
        let view = InboxView {
            rows: list.iter().map(|f| inbox_row(&st, &ctx, f)).collect(),
            spam,
            saved: ctx.param("saved").is_some(),
            coordinator: session.viewer.sysadmin,
        };
        let title = ctx.t("eng_inbox_title");
        st.page(
            &ctx,
            "feedback_inbox.html",
            Meta::new(&title, "dashboard"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

/// Where a moderation or answer form sends the person back to.
fn back_to(form: &Form) -> &'static str {
    match form.get("back") {
        "moderation" => "/dashboard/moderation?saved=1",
        _ => "/dashboard/feedback?saved=1",
    }
}

/// `POST /dashboard/feedback/{id}`: answer, status, moderation.
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
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
    let u = FeedbackUpdate {
        status: form.opt("status"),
        answer: form.opt("answer"),
        moderation: form.opt("moderation"),
    };
    match st.portal.update_feedback(&session.viewer, &id, u).await {
        Ok(_) => see_other(&ctx, back_to(&form)),
        Err(ActionError::Validation(f)) => st.error_page(
            &ctx,
            WebError::BadRequest(
                f.0.into_iter()
                    .flat_map(|(k, v)| v.into_iter().map(move |m| format!("{k}: {m}")))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ),
        Err(ActionError::NotAuthorized(_)) => {
            st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")))
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

#[derive(Serialize)]
struct ModerationView {
    feedback: Vec<InboxRow>,
    requests: Vec<super::requests::RequestRow>,
    showcase: Vec<super::showcase::ShowcaseCard>,
    saved: bool,
}

/// `GET /dashboard/moderation`: what anonymous visitors sent that waits
/// for a coordinator.
pub async fn moderation(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = async {
        let q = st
            .portal
            .moderation_queue(&session.viewer)
            .await
            .map_err(|e| match e {
                ActionError::NotAuthorized(_) => WebError::Forbidden(ctx.t("error_not_allowed")),
                e => e.into(),
            })?;
        let view = ModerationView {
            feedback: q.feedback.iter().map(|f| inbox_row(&st, &ctx, f)).collect(),
            requests: q
                .requests
                .iter()
                .map(|r| super::requests::row(&st, &ctx, r))
                .collect(),
            showcase: q
                .showcase
                .iter()
                .map(|s| super::showcase::card(&st, &ctx, s))
                .collect(),
            saved: ctx.param("saved").is_some(),
        };
        let title = ctx.t("eng_moderation_title");
        st.page(
            &ctx,
            "moderation.html",
            Meta::new(&title, "dashboard"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}
