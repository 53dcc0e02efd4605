//! The sysadmin's pages: `/admin` (overview), `/admin/settings` (city
//! name, description, colours, logo, contact address), `/admin/users`
//! (create accounts, grant sysadmin rights, block), `/admin/publishers`
//! (create publishers), and `/organization/{org}/edit` (a publisher's
//! details, also for that publisher's admins). Every change goes through
//! the actions, which check the rights again.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::accounts::NewUser;
use misto_actions::publishers::PublisherInput;
use misto_core::settings::SiteSettings;
use misto_core::{EntityState, Publisher, PublisherKind};
use serde::Serialize;

use super::forms::{Choice, Errors, Form, check_post, read_file_form, require_login};
use super::publisher_title;
use crate::AppState;
use crate::render::{Ctx, Meta, WebError, see_other, segment};
use crate::session::Session;

/// The signed-in sysadmin, or the page to show instead.
#[allow(clippy::result_large_err)] // returned straight to axum, never stored
fn sysadmin<'a>(st: &AppState, ctx: &'a Ctx) -> Result<&'a Session, Response> {
    let session = require_login(ctx)?;
    if session.viewer.sysadmin {
        Ok(session)
    } else {
        Err(st.error_page(ctx, WebError::Forbidden(ctx.t("admin_only"))))
    }
}

/// A POST by a sysadmin with a good CSRF token: the session and the form.
#[allow(clippy::result_large_err)]
fn sysadmin_post<'a>(
    st: &AppState,
    ctx: &'a Ctx,
    body: &[u8],
) -> Result<(&'a Session, Form), Response> {
    let session = sysadmin(st, ctx)?;
    let form = Form::parse(body);
    check_post(st, ctx, form.get("csrf")).map_err(|e| st.error_page(ctx, e))?;
    Ok((session, form))
}

fn status_of(errors: &Errors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

// ---------------------------------------------------------------- overview

#[derive(Serialize)]
struct OverviewView {
    users: usize,
    publishers: usize,
    datasets: usize,
}

pub async fn overview(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match sysadmin(&st, &ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = async {
        let view = OverviewView {
            users: st.portal.list_users(&session.viewer).await?.len(),
            publishers: st.portal.list_publishers().len(),
            datasets: st.portal.catalog().read(|i| i.len()),
        };
        st.page(
            &ctx,
            "admin.html",
            Meta::new(&ctx.t("admin_title"), "admin"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

// ---------------------------------------------------------------- settings

#[derive(Serialize)]
struct SettingsView {
    s: SiteSettings,
    has_logo: bool,
    errors: Errors,
    saved: bool,
}

const SETTINGS_FIELDS: &[&str] = &[
    "title",
    "title_en",
    "description",
    "description_en",
    "primary_color",
    "accent_color",
    "contact_email",
    "katottg",
    "place_name",
    "latitude",
    "longitude",
    "logo",
];

fn settings_page(
    st: &AppState,
    ctx: &Ctx,
    s: SiteSettings,
    errors: Errors,
) -> Result<Response, WebError> {
    let view = SettingsView {
        has_logo: st.portal.site_settings().logo_key.is_some(),
        s,
        saved: ctx.param("saved").is_some(),
        errors,
    };
    st.page_with_status(
        ctx,
        status_of(&view.errors),
        "admin_settings.html",
        Meta::new(&ctx.t("admin_settings_title"), "admin"),
        &view,
    )
}

pub async fn settings_form(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = sysadmin(&st, &ctx) {
        return r;
    }
    let s = (*st.portal.site_settings()).clone();
    let r = settings_page(&st, &ctx, s, Errors::default());
    st.respond(&ctx, r)
}

pub async fn settings_save(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let (session, form) = match sysadmin_post(&st, &ctx, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let input = SiteSettings {
        title: form.get("title").to_string(),
        title_en: form.get("title_en").to_string(),
        description: form.get("description").to_string(),
        description_en: form.get("description_en").to_string(),
        primary_color: form.get("primary_color").to_string(),
        accent_color: form.get("accent_color").to_string(),
        contact_email: form.get("contact_email").to_string(),
        katottg: form.get("katottg").to_string(),
        place_name: form.get("place_name").to_string(),
        latitude: form.get("latitude").to_string(),
        longitude: form.get("longitude").to_string(),
        ..SiteSettings::default()
    };
    match st
        .portal
        .update_site_settings(&session.viewer, input.clone())
        .await
    {
        Ok(_) => see_other(&ctx, "/admin/settings?saved=1"),
        Err(e) => {
            let mut errors = Errors::default();
            if let Err(e) = errors.absorb(&ctx, SETTINGS_FIELDS, e) {
                return st.error_page(&ctx, e);
            }
            let r = settings_page(&st, &ctx, input, errors);
            st.respond(&ctx, r)
        }
    }
}

/// The logo form (multipart: the CSRF token first, then the file), or
/// `op=remove` to go back to the built-in logo.
pub async fn logo_save(State(st): State<AppState>, ctx: Ctx, mp: Multipart) -> Response {
    let session = match sysadmin(&st, &ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (form, file) = match read_file_form(&st, &ctx, mp, "logo").await {
        Ok(x) => x,
        Err(e) => return st.error_page(&ctx, e),
    };
    let outcome = if form.get("op") == "remove" {
        st.portal.remove_site_logo(&session.viewer).await
    } else {
        match file {
            Some(data) => st.portal.set_site_logo(&session.viewer, data).await,
            None => Err(misto_actions::ActionError::invalid("logo", "Missing value")),
        }
    };
    match outcome {
        Ok(_) => see_other(&ctx, "/admin/settings?saved=1"),
        Err(e) => {
            let mut errors = Errors::default();
            if let Err(e) = errors.absorb(&ctx, SETTINGS_FIELDS, e) {
                return st.error_page(&ctx, e);
            }
            let s = (*st.portal.site_settings()).clone();
            let r = settings_page(&st, &ctx, s, errors);
            st.respond(&ctx, r)
        }
    }
}

/// `/site/logo`: the uploaded logo (404 before one is uploaded). An SVG is
/// sandboxed so that it can never run script in the site's origin.
pub async fn site_logo(State(st): State<AppState>) -> Response {
    match st.portal.site_logo().await {
        Ok(Some((data, media_type))) => {
            let mut resp = data.into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(&media_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            );
            resp
        }
        Ok(None) => (StatusCode::NOT_FOUND, "Not found").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "site logo");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `/site/theme.css`: the colours a sysadmin chose, over site.css.
pub async fn theme_css(State(st): State<AppState>) -> Response {
    let css = st.portal.site_settings().theme_css();
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        css,
    )
        .into_response()
}

// ---------------------------------------------------------------- users

#[derive(Serialize)]
struct UserRow {
    name: String,
    fullname: String,
    email: String,
    sysadmin: bool,
    active: bool,
    is_self: bool,
    created: String,
}

#[derive(Serialize, Default)]
struct NewUserValues {
    name: String,
    email: String,
    fullname: String,
    sysadmin: bool,
}

#[derive(Serialize)]
struct UsersView {
    users: Vec<UserRow>,
    new: NewUserValues,
    errors: Errors,
}

async fn users_page(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    new: NewUserValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let users = st
        .portal
        .list_users(&session.viewer)
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_self: u.id == session.user_id,
            created: crate::i18n::date(ctx.lang, &u.created),
            active: u.state == EntityState::Active,
            fullname: u.fullname.unwrap_or_default(),
            name: u.name,
            email: u.email,
            sysadmin: u.sysadmin,
        })
        .collect();
    let view = UsersView { users, new, errors };
    st.page_with_status(
        ctx,
        status_of(&view.errors),
        "admin_users.html",
        Meta::new(&ctx.t("admin_users_title"), "admin"),
        &view,
    )
}

pub async fn users(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match sysadmin(&st, &ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = users_page(
        &st,
        &ctx,
        session,
        NewUserValues::default(),
        Errors::default(),
    )
    .await;
    st.respond(&ctx, r)
}

pub async fn user_create(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let (session, form) = match sysadmin_post(&st, &ctx, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let values = NewUserValues {
        name: form.get("name").trim().to_string(),
        email: form.get("email").trim().to_string(),
        fullname: form.get("fullname").trim().to_string(),
        sysadmin: form.has("sysadmin"),
    };
    let mut errors = Errors::default();
    let password = form.get("password").to_string();
    if password.is_empty() {
        errors.add("password", ctx.t("error_required"));
    } else {
        let input = NewUser {
            name: values.name.clone(),
            email: values.email.clone(),
            fullname: Some(values.fullname.clone()).filter(|f| !f.is_empty()),
            password: Some(password),
            sysadmin: values.sysadmin,
        };
        match st.portal.create_user(&session.viewer, input).await {
            Ok(_) => return see_other(&ctx, "/admin/users"),
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, &["name", "email", "fullname", "password"], e) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    }
    let r = users_page(&st, &ctx, session, values, errors).await;
    st.respond(&ctx, r)
}

/// `op` = `sysadmin`, `no_sysadmin`, `block` or `unblock`.
pub async fn user_change(
    State(st): State<AppState>,
    Path(user): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (session, form) = match sysadmin_post(&st, &ctx, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let v = &session.viewer;
    let outcome = match form.get("op") {
        "sysadmin" => st.portal.set_user_sysadmin(v, &user, true).await,
        "no_sysadmin" => st.portal.set_user_sysadmin(v, &user, false).await,
        "block" => st.portal.set_user_active(v, &user, false).await,
        "unblock" => st.portal.set_user_active(v, &user, true).await,
        _ => return st.error_page(&ctx, WebError::BadRequest(ctx.t("error_bad_form"))),
    };
    match outcome {
        Ok(_) => see_other(&ctx, "/admin/users"),
        Err(e) => {
            let mut errors = Errors::default();
            if let Err(e) = errors.absorb(&ctx, &[], e) {
                return st.error_page(&ctx, e);
            }
            let r = users_page(&st, &ctx, session, NewUserValues::default(), errors).await;
            st.respond(&ctx, r)
        }
    }
}

// ---------------------------------------------------------------- publishers

#[derive(Serialize, Default)]
struct PublisherValues {
    name: String,
    title: String,
    title_en: String,
    description: String,
    edrpou: String,
    kind: String,
    email: String,
    phone: String,
    website: String,
    address: String,
}

impl PublisherValues {
    fn of(p: &Publisher) -> Self {
        Self {
            name: p.name.clone(),
            title: p.title.clone(),
            title_en: p.title_en.clone().unwrap_or_default(),
            description: p.description.clone(),
            edrpou: p.edrpou.clone().unwrap_or_default(),
            kind: p.kind.as_str().to_string(),
            email: p.email.clone().unwrap_or_default(),
            phone: p.phone.clone().unwrap_or_default(),
            website: p.website.clone().unwrap_or_default(),
            address: p.address.clone().unwrap_or_default(),
        }
    }

    fn from_form(form: &Form) -> Self {
        let g = |k: &str| form.get(k).trim().to_string();
        Self {
            name: g("name"),
            title: g("title"),
            title_en: g("title_en"),
            description: g("description"),
            edrpou: g("edrpou"),
            kind: g("kind"),
            email: g("email"),
            phone: g("phone"),
            website: g("website"),
            address: g("address"),
        }
    }

    fn input(&self) -> PublisherInput {
        let opt = |s: &str| Some(s.to_string());
        PublisherInput {
            id: None,
            name: self.name.clone(),
            title: opt(&self.title),
            title_en: opt(&self.title_en),
            description: opt(&self.description),
            edrpou: opt(&self.edrpou),
            kind: Some(self.kind.clone()).filter(|k| !k.is_empty()),
            email: opt(&self.email),
            phone: opt(&self.phone),
            website: opt(&self.website),
            address: opt(&self.address),
            image_url: None,
        }
    }
}

const PUBLISHER_FIELDS: &[&str] = &[
    "name",
    "title",
    "title_en",
    "description",
    "edrpou",
    "kind",
    "email",
    "phone",
    "website",
    "address",
];

const KINDS: [PublisherKind; 4] = [
    PublisherKind::ExecutiveBody,
    PublisherKind::CommunalEnterprise,
    PublisherKind::Institution,
    PublisherKind::Other,
];

#[derive(Serialize)]
struct PublisherFormView {
    heading: String,
    action: String,
    creating: bool,
    values: PublisherValues,
    kinds: Vec<Choice>,
    errors: Errors,
    back_url: String,
}

/// Where a publisher form is shown and sent.
struct Target {
    heading: String,
    action: String,
    creating: bool,
    back_url: String,
}

impl Target {
    fn new_publisher(ctx: &Ctx) -> Self {
        Self {
            heading: ctx.t("admin_publisher_new"),
            action: "/admin/publishers/new".into(),
            creating: true,
            back_url: "/admin/publishers".into(),
        }
    }

    fn edit(ctx: &Ctx, p: &Publisher) -> Self {
        let url = format!("/organization/{}", segment(&p.name));
        Self {
            heading: format!(
                "{}: {}",
                ctx.t("admin_publisher_edit"),
                publisher_title(ctx.lang, p)
            ),
            action: format!("{url}/edit"),
            creating: false,
            back_url: url,
        }
    }
}

fn publisher_form(
    st: &AppState,
    ctx: &Ctx,
    target: Target,
    values: PublisherValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let Target {
        heading,
        action,
        creating,
        back_url,
    } = target;
    let kinds = KINDS
        .iter()
        .map(|k| Choice {
            value: k.as_str().to_string(),
            label: super::publishers::kind_label(ctx.lang, *k),
            selected: values.kind == k.as_str(),
        })
        .collect();
    let view = PublisherFormView {
        heading: heading.clone(),
        action,
        creating,
        values,
        kinds,
        errors,
        back_url,
    };
    st.page_with_status(
        ctx,
        status_of(&view.errors),
        "publisher_form.html",
        Meta::new(&heading, "admin"),
        &view,
    )
}

#[derive(Serialize)]
struct PublisherRow {
    name: String,
    title: String,
    edrpou: String,
    datasets: usize,
    url: String,
    edit_url: String,
}

#[derive(Serialize)]
struct PublishersView {
    publishers: Vec<PublisherRow>,
}

pub async fn publishers(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match sysadmin(&st, &ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let counts = st
        .portal
        .catalog()
        .read(|ix| ix.dataset_counts_by_publisher(&session.viewer));
    let mut rows: Vec<PublisherRow> = st
        .portal
        .list_publishers()
        .iter()
        .map(|p| PublisherRow {
            datasets: counts.get(&p.id).copied().unwrap_or(0),
            url: format!("/organization/{}", segment(&p.name)),
            edit_url: format!("/organization/{}/edit", segment(&p.name)),
            title: publisher_title(ctx.lang, p),
            edrpou: p.edrpou.clone().unwrap_or_default(),
            name: p.name.clone(),
        })
        .collect();
    rows.sort_by(|a, b| a.title.cmp(&b.title));
    let view = PublishersView { publishers: rows };
    let r = st.page(
        &ctx,
        "admin_publishers.html",
        Meta::new(&ctx.t("admin_publishers_title"), "admin"),
        &view,
    );
    st.respond(&ctx, r)
}

pub async fn publisher_new(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = sysadmin(&st, &ctx) {
        return r;
    }
    let values = PublisherValues {
        kind: PublisherKind::ExecutiveBody.as_str().to_string(),
        ..PublisherValues::default()
    };
    let r = publisher_form(
        &st,
        &ctx,
        Target::new_publisher(&ctx),
        values,
        Errors::default(),
    );
    st.respond(&ctx, r)
}

pub async fn publisher_create(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let (session, form) = match sysadmin_post(&st, &ctx, &body) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let values = PublisherValues::from_form(&form);
    match st
        .portal
        .create_publisher(&session.viewer, values.input())
        .await
    {
        Ok(p) => see_other(&ctx, &format!("/organization/{}", segment(&p.name))),
        Err(e) => {
            let mut errors = Errors::default();
            if let Err(e) = errors.absorb(&ctx, PUBLISHER_FIELDS, e) {
                return st.error_page(&ctx, e);
            }
            let r = publisher_form(&st, &ctx, Target::new_publisher(&ctx), values, errors);
            st.respond(&ctx, r)
        }
    }
}

fn editable_publisher(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    org: &str,
) -> Result<Publisher, WebError> {
    let p = st.portal.show_publisher(org)?;
    if !session.viewer.can_admin(&p.id) {
        return Err(WebError::Forbidden(ctx.t("members_not_admin")));
    }
    Ok(p)
}

pub async fn publisher_edit(
    State(st): State<AppState>,
    Path(org): Path<String>,
    ctx: Ctx,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = editable_publisher(&st, &ctx, session, &org).and_then(|p| {
        let target = Target::edit(&ctx, &p);
        publisher_form(
            &st,
            &ctx,
            target,
            PublisherValues::of(&p),
            Errors::default(),
        )
    });
    st.respond(&ctx, r)
}

pub async fn publisher_update(
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
    let p = match editable_publisher(&st, &ctx, session, &org) {
        Ok(p) => p,
        Err(e) => return st.error_page(&ctx, e),
    };
    let mut values = PublisherValues::from_form(&form);
    // The URL name is not changed here (links to the publisher would break).
    values.name = p.name.clone();
    let url = format!("/organization/{}", segment(&p.name));
    match st
        .portal
        .update_publisher(&session.viewer, &p.id, values.input())
        .await
    {
        Ok(_) => see_other(&ctx, &url),
        Err(e) => {
            let mut errors = Errors::default();
            if let Err(e) = errors.absorb(&ctx, PUBLISHER_FIELDS, e) {
                return st.error_page(&ctx, e);
            }
            let r = publisher_form(&st, &ctx, Target::edit(&ctx, &p), values, errors);
            st.respond(&ctx, r)
        }
    }
}
