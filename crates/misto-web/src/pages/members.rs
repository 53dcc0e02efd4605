//! `/organization/{org}/members`: a publisher's admins (and sysadmins) add
//! members by user name, change their role, and remove them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_core::{Publisher, Role};
use serde::Serialize;

use super::forms::{Choice, Errors, Form, check_post, require_login};
use super::publisher_title;
use crate::AppState;
use crate::render::{Ctx, Meta, WebError, see_other, segment};
use crate::session::Session;

#[derive(Serialize)]
struct MembersView {
    title: String,
    publisher_url: String,
    action: String,
    members: Vec<MemberRow>,
    roles: Vec<Choice>,
    errors: Errors,
    user: String,
}

#[derive(Serialize)]
struct MemberRow {
    name: String,
    fullname: String,
    roles: Vec<Choice>,
    is_self: bool,
}

const ROLES: [Role; 3] = [Role::Admin, Role::Editor, Role::Member];

fn role_choices(ctx: &Ctx, current: Option<Role>) -> Vec<Choice> {
    ROLES
        .iter()
        .map(|r| Choice {
            value: r.as_str().to_string(),
            label: ctx.t(&format!("role_{}", r.as_str())),
            selected: current == Some(*r),
        })
        .collect()
}

fn admin_of(st: &AppState, ctx: &Ctx, session: &Session, org: &str) -> Result<Publisher, WebError> {
    let p = st.portal.show_publisher(org)?;
    if !session.viewer.can_admin(&p.id) {
        return Err(WebError::Forbidden(ctx.t("members_not_admin")));
    }
    Ok(p)
}

async fn render(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    p: &Publisher,
    errors: Errors,
    user: String,
) -> Result<Response, WebError> {
    let mut members: Vec<MemberRow> = st
        .portal
        .publisher_members(&session.viewer, &p.id)
        .await?
        .into_iter()
        .map(|(u, role)| MemberRow {
            is_self: u.id == session.user_id,
            fullname: u.fullname.unwrap_or_default(),
            name: u.name,
            roles: role_choices(ctx, Some(role)),
        })
        .collect();
    members.sort_by(|a, b| a.name.cmp(&b.name));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = MembersView {
        title: publisher_title(ctx.lang, p),
        publisher_url: format!("/organization/{}", segment(&p.name)),
        action: format!("/organization/{}/members", segment(&p.name)),
        members,
        roles: role_choices(ctx, Some(Role::Editor)),
        errors,
        user,
    };
    let title = format!("{}: {}", ctx.t("members_title"), view.title);
    st.page_with_status(
        ctx,
        status,
        "members.html",
        Meta::new(&title, "dashboard"),
        &view,
    )
}

pub async fn list(State(st): State<AppState>, Path(org): Path<String>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = match admin_of(&st, &ctx, session, &org) {
        Ok(p) => render(&st, &ctx, session, &p, Errors::default(), String::new()).await,
        Err(e) => Err(e),
    };
    st.respond(&ctx, r)
}

pub async fn change(
    State(st): State<AppState>,
    Path(org): Path<String>,
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
    let p = match admin_of(&st, &ctx, session, &org) {
        Ok(p) => p,
        Err(e) => return st.error_page(&ctx, e),
    };
    let user = form.get("user").trim().to_string();
    let mut errors = Errors::default();
    if user.is_empty() {
        errors.add("user", ctx.t("error_required"));
    } else {
        let outcome = if form.get("op") == "remove" {
            st.portal.remove_member(&session.viewer, &p.id, &user).await
        } else {
            st.portal
                .set_member(&session.viewer, &p.id, &user, form.get("role"))
                .await
        };
        match outcome {
            Ok(()) => {
                return see_other(&ctx, &format!("/organization/{}/members", segment(&p.name)));
            }
            Err(misto_actions::ActionError::NotFound(_)) => {
                errors.add("user", ctx.t("members_no_such_user"));
            }
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, &["user", "role"], e) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    }
    let r = render(&st, &ctx, session, &p, errors, user).await;
    st.respond(&ctx, r)
}
