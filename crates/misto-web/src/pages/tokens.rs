//! `/user/me/tokens`: a person's API tokens: list, create (the secret is
//! shown once, on the page that answers the creation), revoke.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::forms::{Errors, Form, check_post, require_login};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other};
use crate::session::Session;

#[derive(Serialize)]
struct TokensView {
    tokens: Vec<TokenRow>,
    secret: Option<String>,
    errors: Errors,
    name: String,
}

#[derive(Serialize)]
struct TokenRow {
    id: String,
    name: String,
    created: String,
    expires: Option<String>,
    last_used: Option<String>,
}

async fn render(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    secret: Option<String>,
    errors: Errors,
    name: String,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let tokens = st
        .portal
        .list_tokens(&session.viewer, &session.user_id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created: i18n::datetime(lang, &t.created),
            expires: t.expires_at.map(|e| i18n::date(lang, &e)),
            last_used: t.last_used.map(|e| i18n::datetime(lang, &e)),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = TokensView {
        tokens,
        secret,
        errors,
        name,
    };
    let title = ctx.t("tokens_title");
    st.page_with_status(
        ctx,
        status,
        "tokens.html",
        Meta::new(&title, "account"),
        &view,
    )
}

pub async fn list(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = render(&st, &ctx, session, None, Errors::default(), String::new()).await;
    st.respond(&ctx, r)
}

pub async fn create(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let days: Option<i64> = form.get("expires_days").trim().parse().ok();
    let expires = days
        .filter(|d| *d > 0)
        .map(|d| misto_core::time::now() + chrono::Duration::days(d.min(3650)));
    let mut errors = Errors::default();
    match st
        .portal
        .create_token(&session.viewer, &session.user_id, form.get("name"), expires)
        .await
    {
        Ok((_, secret)) => {
            let r = render(&st, &ctx, session, Some(secret), errors, String::new()).await;
            return st.respond(&ctx, r);
        }
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, &["name", "expires_in"], e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let r = render(
        &st,
        &ctx,
        session,
        None,
        errors,
        form.get("name").to_string(),
    )
    .await;
    st.respond(&ctx, r)
}

pub async fn revoke(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    // Only ids of this person's own tokens are accepted here.
    let mine = match st
        .portal
        .list_tokens(&session.viewer, &session.user_id)
        .await
    {
        Ok(t) => t,
        Err(e) => return st.error_page(&ctx, e.into()),
    };
    let id = form.get("id");
    if !mine.iter().any(|t| t.id == id) {
        return st.error_page(&ctx, WebError::NotFound);
    }
    match st.portal.revoke_token(&session.viewer, id).await {
        Ok(()) => see_other(&ctx, "/user/me/tokens"),
        Err(e) => st.error_page(&ctx, e.into()),
    }
}
