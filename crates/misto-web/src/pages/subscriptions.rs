//! E-mail subscriptions in the browser: the form on dataset, publisher and
//! search pages (`POST /subscriptions`), the confirmation page behind the
//! signed link (`/subscriptions/{id}/confirm?key=…`, confirmed by a button
//! so that mail scanners following links confirm nothing), and one-click
//! unsubscribe (`/subscriptions/{id}/unsubscribe?key=…`, no login; also
//! answers POST for mail clients' one-click unsubscribe); "my
//! subscriptions" behind the signed link in every subscription e-mail
//! (`/subscriptions/mine?email=…&key=…`), and the coordinators' overview
//! of what is followed (`/dashboard/subscriptions`, addresses masked).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::ActionError;
use misto_actions::engagement::Sender;
use misto_actions::subscriptions::SubscribeInput;
use misto_core::usage::SubscriptionKind;
use serde::Serialize;

use super::forms::{Form, check_post, translate};
use super::viewer;
use crate::AppState;
use crate::render::{Ctx, Meta, WebError, segment};

/// What the subscription box on a page follows.
#[derive(Debug, Serialize)]
pub struct SubscribeBox {
    pub kind: &'static str,
    pub target: String,
    pub label: String,
    pub feed_url: Option<String>,
    /// The keyword is typed in (search page).
    pub keyword_input: bool,
}

impl SubscribeBox {
    pub fn dataset(name: &str, title: &str) -> Self {
        Self {
            kind: "dataset",
            target: name.to_string(),
            label: title.to_string(),
            feed_url: Some(format!("/feeds/dataset/{}.atom", segment(name))),
            keyword_input: false,
        }
    }

    pub fn publisher(name: &str, title: &str) -> Self {
        Self {
            kind: "publisher",
            target: name.to_string(),
            label: title.to_string(),
            feed_url: Some(format!("/feeds/organization/{}.atom", segment(name))),
            keyword_input: false,
        }
    }

    /// On the search page: the chosen keyword (or the query) as a start.
    pub fn keyword(ctx: &Ctx) -> Self {
        let k = ctx
            .param("tags")
            .or_else(|| ctx.param("q"))
            .unwrap_or("")
            .trim()
            .to_string();
        Self {
            kind: "keyword",
            feed_url: (!k.is_empty()).then(|| format!("/feeds/tag/{}.atom", segment(&k))),
            label: if k.is_empty() {
                ctx.t("sub_keyword_any")
            } else {
                k.clone()
            },
            target: k,
            keyword_input: true,
        }
    }
}

#[derive(Serialize, Default)]
struct SubscriptionView {
    heading: String,
    message: Option<String>,
    errors: Vec<String>,
    label: Option<String>,
    confirm_action: Option<String>,
    key: String,
    back_url: Option<String>,
}

fn page(
    st: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    view: SubscriptionView,
) -> Result<Response, WebError> {
    let title = view.heading.clone();
    st.page_with_status(
        ctx,
        status,
        "subscription.html",
        Meta::new(&title, "subscriptions"),
        &view,
    )
}

/// Where the form came from, to go back to (same-site paths only).
fn back_of(form: &Form) -> Option<String> {
    let kind = form.get("kind");
    let target = form.get("target");
    if target.is_empty() {
        return None;
    }
    match kind {
        "dataset" => Some(format!("/dataset/{}", segment(target))),
        "publisher" => Some(format!("/organization/{}", segment(target))),
        "keyword" => Some(format!(
            "/dataset{}",
            crate::render::query_string([("tags", target)])
        )),
        _ => None,
    }
}

/// `POST /subscriptions`.
pub async fn subscribe(State(st): State<AppState>, mut ctx: Ctx, body: Bytes) -> Response {
    let form = Form::parse(&body);
    // Same origin and the CSRF token of the page the form was on (the
    // dataset, publisher and search pages hand one out before login too).
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let sender = Sender {
        name: String::new(),
        email: form.get("email").to_string(),
        address: ctx.client_addr.clone(),
        honeypot: form.opt("website"),
    };
    let input = SubscribeInput {
        kind: form.get("kind").to_string(),
        target: form.get("target").to_string(),
        lang: Some(ctx.lang.code().to_string()),
    };
    let back_url = back_of(&form);
    let r = match st.portal.subscribe(&viewer(&ctx), sender, input).await {
        Ok(s) => {
            let label = st.portal.subscription_label(&s);
            let message = if s.confirmed {
                ctx.t("sub_already")
            } else {
                ctx.t("sub_check_mail")
            };
            page(
                &st,
                &ctx,
                StatusCode::OK,
                SubscriptionView {
                    heading: ctx.t("sub_heading"),
                    message: Some(message),
                    label: Some(label),
                    back_url,
                    ..SubscriptionView::default()
                },
            )
        }
        Err(ActionError::TooMany(_)) => Err(WebError::TooManyRequests(ctx.t("eng_too_many"))),
        Err(ActionError::Validation(f)) => {
            ctx.ensure_pre(&st.portal.config().session_key);
            let errors =
                f.0.iter()
                    .flat_map(|(field, msgs)| {
                        let name = match field.as_str() {
                            "email" => ctx.t("sub_email"),
                            "target" => ctx.t("sub_keyword"),
                            other => other.to_string(),
                        };
                        msgs.iter()
                            .map(|m| format!("{name}: {}", translate(&ctx, m)))
                            .collect::<Vec<_>>()
                    })
                    .collect();
            page(
                &st,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                SubscriptionView {
                    heading: ctx.t("sub_heading"),
                    errors,
                    back_url,
                    ..SubscriptionView::default()
                },
            )
        }
        Err(e) => Err(e.into()),
    };
    st.respond(&ctx, r)
}

/// `GET /subscriptions/{id}/confirm?key=…`: a page with the button.
pub async fn confirm_form(
    State(st): State<AppState>,
    Path(id): Path<String>,
    mut ctx: Ctx,
) -> Response {
    ctx.ensure_pre(&st.portal.config().session_key);
    let key = ctx.param("key").unwrap_or("").to_string();
    let view = SubscriptionView {
        heading: ctx.t("sub_confirm_heading"),
        confirm_action: Some(format!("/subscriptions/{}/confirm", segment(&id))),
        key,
        ..SubscriptionView::default()
    };
    let r = page(&st, &ctx, StatusCode::OK, view);
    st.respond(&ctx, r)
}

/// `POST /subscriptions/{id}/confirm`.
pub async fn confirm(
    State(st): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let r = async {
        let s = st.portal.confirm_subscription(&id, form.get("key")).await?;
        page(
            &st,
            &ctx,
            StatusCode::OK,
            SubscriptionView {
                heading: ctx.t("sub_confirm_heading"),
                message: Some(ctx.t("sub_confirmed")),
                label: Some(st.portal.subscription_label(&s)),
                ..SubscriptionView::default()
            },
        )
    }
    .await;
    st.respond(&ctx, r)
}

/// `GET` or `POST /subscriptions/{id}/unsubscribe?key=…`: done at once.
pub async fn unsubscribe(State(st): State<AppState>, Path(id): Path<String>, ctx: Ctx) -> Response {
    let key = ctx.param("key").unwrap_or("").to_string();
    let r = async {
        let gone = st.portal.unsubscribe(&id, &key).await?;
        page(
            &st,
            &ctx,
            StatusCode::OK,
            SubscriptionView {
                heading: ctx.t("sub_unsubscribed_heading"),
                message: Some(ctx.t("sub_unsubscribed")),
                label: gone.map(|s| st.portal.subscription_label(&s)),
                ..SubscriptionView::default()
            },
        )
    }
    .await;
    st.respond(&ctx, r)
}

#[derive(Serialize)]
struct MineView {
    email: String,
    rows: Vec<MineRow>,
}

#[derive(Serialize)]
struct MineRow {
    kind: String,
    label: String,
    url: Option<String>,
    state: String,
    confirmed: bool,
    since: String,
    unsubscribe_url: String,
}

/// Where a subscription's target is on the site.
fn target_url(st: &AppState, kind: SubscriptionKind, target: &str) -> Option<String> {
    match kind {
        SubscriptionKind::Dataset => st
            .portal
            .show_dataset(&misto_actions::Viewer::anonymous(), target)
            .ok()
            .map(|d| format!("/dataset/{}", segment(&d.name))),
        SubscriptionKind::Publisher => st
            .portal
            .show_publisher(target)
            .ok()
            .map(|p| format!("/organization/{}", segment(&p.name))),
        SubscriptionKind::Keyword => Some(format!(
            "/dataset{}",
            crate::render::query_string([("tags", target)])
        )),
    }
}

fn kind_label(ctx: &Ctx, kind: SubscriptionKind) -> String {
    ctx.t(match kind {
        SubscriptionKind::Dataset => "subs_kind_dataset",
        SubscriptionKind::Publisher => "subs_kind_publisher",
        SubscriptionKind::Keyword => "subs_kind_keyword",
    })
}

/// `GET /subscriptions/mine?email=…&key=…`: the subscriptions of an
/// address, each with its one-click unsubscribe link.
pub async fn mine(State(st): State<AppState>, ctx: Ctx) -> Response {
    let email = ctx.param("email").unwrap_or("").to_string();
    let key = ctx.param("key").unwrap_or("").to_string();
    let r = async {
        let subs = st.portal.my_subscriptions(&email, &key).await?;
        let rows = subs
            .into_iter()
            .map(|m| MineRow {
                kind: kind_label(&ctx, m.subscription.kind),
                url: target_url(&st, m.subscription.kind, &m.subscription.target),
                label: m.label,
                state: ctx.t(if m.subscription.confirmed {
                    "subs_state_confirmed"
                } else {
                    "subs_state_waiting"
                }),
                confirmed: m.subscription.confirmed,
                since: crate::i18n::date(ctx.lang, &m.subscription.created),
                unsubscribe_url: m.unsubscribe_url,
            })
            .collect();
        let view = MineView {
            email: email.trim().to_lowercase(),
            rows,
        };
        let title = ctx.t("subs_mine_title");
        st.page(
            &ctx,
            "subscriptions_mine.html",
            Meta::new(&title, "subscriptions"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

#[derive(Serialize)]
struct OverviewView {
    targets: Vec<TargetRow>,
    confirmed: usize,
    waiting: usize,
}

#[derive(Serialize)]
struct TargetRow {
    kind: String,
    label: String,
    url: Option<String>,
    confirmed: usize,
    waiting: usize,
    masked: Vec<String>,
}

/// `GET /dashboard/subscriptions`: what is followed, with counts (sysadmins).
pub async fn overview(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match super::forms::require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = async {
        let targets = match st.portal.subscription_overview(&session.viewer).await {
            Ok(t) => t,
            Err(ActionError::NotAuthorized(_)) => {
                return Err(WebError::Forbidden(ctx.t("error_not_allowed")));
            }
            Err(e) => return Err(e.into()),
        };
        let view = OverviewView {
            confirmed: targets.iter().map(|t| t.confirmed).sum(),
            waiting: targets.iter().map(|t| t.waiting).sum(),
            targets: targets
                .into_iter()
                .map(|t| TargetRow {
                    kind: kind_label(&ctx, t.kind),
                    url: target_url(&st, t.kind, &t.target),
                    label: t.label,
                    confirmed: t.confirmed,
                    waiting: t.waiting,
                    masked: t.masked,
                })
                .collect(),
        };
        let title = ctx.t("subs_overview_title");
        st.page(
            &ctx,
            "subscriptions_overview.html",
            Meta::new(&title, "dashboard"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}
