//! `/login`, `/logout` and `/user/me/password`: signing in with a throttle
//! on failures, signing out, changing one's password.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use super::forms::{Errors, Form, check_post, require_login};
use crate::AppState;
use crate::render::{Ctx, Meta, WebError, see_other};
use crate::session;

#[derive(Serialize)]
struct LoginView {
    user: String,
    next: String,
    error: Option<String>,
}

/// Only same-site paths may be a `next` target.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/dashboard".to_string()
    }
}

pub async fn login_form(State(st): State<AppState>, mut ctx: Ctx) -> Response {
    if ctx.session.is_some() {
        return see_other(&ctx, "/dashboard");
    }
    ctx.ensure_pre(&st.portal.config().session_key);
    let view = LoginView {
        user: String::new(),
        next: safe_next(ctx.param("next").unwrap_or("")),
        error: None,
    };
    let title = ctx.t("login_title");
    let r = st.page(&ctx, "login.html", Meta::new(&title, "login"), &view);
    st.respond(&ctx, r)
}

pub async fn login(State(st): State<AppState>, mut ctx: Ctx, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let user = form.get("user").trim().to_string();
    let next = safe_next(form.get("next"));
    let addr = ctx.client_addr.clone();
    if let Some(held) = st.throttle.check(&user, addr.as_deref()) {
        let wait = held.wait();
        let what = match held {
            session::Held::Account(_) => "account",
            session::Held::Address(_) => "address",
        };
        tracing::warn!(
            request_id = %ctx.request_id,
            user = %user.chars().take(64).collect::<String>(),
            address = addr.as_deref().unwrap_or("-"),
            held = what,
            wait_secs = wait.as_secs(),
            "login throttled"
        );
        let secs = wait.as_secs().max(1).to_string();
        let msg = ctx.t("login_throttled").replace("{seconds}", &secs);
        return st.error_page(&ctx, WebError::TooManyRequests(msg));
    }
    match st.portal.authenticate(&user, form.get("password")).await {
        Ok(u) => {
            st.throttle.succeeded(&user);
            let value = match session::issue(&st.portal, &u).await {
                Ok(v) => v,
                Err(e) => return st.error_page(&ctx, e.into()),
            };
            ctx.set_cookies.push(session::session_cookie(
                &st.portal.config().site_url,
                Some(&value),
            ));
            see_other(&ctx, &next)
        }
        Err(misto_actions::ActionError::NotAuthorized(_)) => {
            st.throttle.failed(&user, addr.as_deref());
            tracing::info!(
                request_id = %ctx.request_id,
                user = %user.chars().take(64).collect::<String>(),
                address = addr.as_deref().unwrap_or("-"),
                "login failed"
            );
            let view = LoginView {
                user,
                next,
                error: Some(ctx.t("login_failed")),
            };
            let title = ctx.t("login_title");
            let r = st.page_with_status(
                &ctx,
                StatusCode::UNAUTHORIZED,
                "login.html",
                Meta::new(&title, "login"),
                &view,
            );
            st.respond(&ctx, r)
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

pub async fn logout(State(st): State<AppState>, mut ctx: Ctx, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    // The session ends on the server, not only in this browser: the old
    // cookie opens nothing any more.
    if let Err(e) = session::end(&st.portal, &ctx.headers).await {
        return st.error_page(&ctx, e.into());
    }
    ctx.set_cookies
        .push(session::session_cookie(&st.portal.config().site_url, None));
    ctx.session = None;
    see_other(&ctx, "/")
}

#[derive(Serialize)]
struct PasswordView {
    errors: Errors,
    done: bool,
}

pub async fn password_form(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let view = PasswordView {
        errors: Errors::default(),
        done: ctx.param("done").is_some(),
    };
    let title = ctx.t("password_title");
    let r = st.page(&ctx, "password.html", Meta::new(&title, "account"), &view);
    st.respond(&ctx, r)
}

pub async fn change_password(State(st): State<AppState>, mut ctx: Ctx, body: Bytes) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s.clone(),
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let mut errors = Errors::default();
    let new = form.get("new_password");
    if new != form.get("confirm_password") {
        errors.add("confirm_password", ctx.t("password_mismatch"));
    }
    if st
        .portal
        .authenticate(&session.user_name, form.get("current_password"))
        .await
        .is_err()
    {
        errors.add("current_password", ctx.t("password_wrong_current"));
    }
    if errors.is_empty() {
        match st
            .portal
            .change_password(&session.viewer, &session.user_id, new)
            .await
        {
            Ok(()) => {
                // Every session of the account has ended, this one too:
                // start a new one for this browser.
                let issued = match st
                    .portal
                    .find_user_for(&session.viewer, &session.user_id)
                    .await
                {
                    Ok(u) => session::issue(&st.portal, &u).await,
                    Err(e) => Err(e),
                };
                match issued {
                    Ok(value) => {
                        ctx.set_cookies.push(session::session_cookie(
                            &st.portal.config().site_url,
                            Some(&value),
                        ));
                        return see_other(&ctx, "/user/me/password?done=1");
                    }
                    Err(e) => return st.error_page(&ctx, e.into()),
                }
            }
            Err(misto_actions::ActionError::Validation(f)) => {
                for (_, msgs) in f.0 {
                    for m in msgs {
                        errors.add("new_password", m);
                    }
                }
            }
            Err(e) => return st.error_page(&ctx, e.into()),
        }
    }
    let view = PasswordView {
        errors,
        done: false,
    };
    let title = ctx.t("password_title");
    let r = st.page_with_status(
        &ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        "password.html",
        Meta::new(&title, "account"),
        &view,
    );
    st.respond(&ctx, r)
}
