//! Static pages (methodological materials, regulations, "about"): the page
//! (`/pages/{name}`) with its attachments (`/pages/{name}/files/{id}/{file}`,
//! always downloaded, never rendered), the header and footer menus, and the
//! coordinators' side: the list (`/dashboard/pages`), the form
//! (`/pages/new`, `/pages/{name}/edit`), attachments and deletion.

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::ActionError;
use misto_actions::content::PageInput;
use misto_core::content::{MenuPlace, Page};
use serde::Serialize;

use super::forms::{Choice, Errors, Form, Stage, check_post, read_staged_form, require_login};
use super::{Link, viewer};
use crate::AppState;
use crate::i18n;
use crate::markdown;
use crate::render::{Ctx, Meta, WebError, see_other, segment};

const FIELDS: &[&str] = &[
    "title", "title_en", "name", "body", "body_en", "menu", "position",
];

pub fn page_url(p: &Page) -> String {
    format!("/pages/{}", segment(&p.name))
}

/// The links of one menu, in order.
pub fn menu(ctx: &Ctx, place: MenuPlace) -> Vec<Link> {
    ctx.menu
        .iter()
        .filter(|p| p.menu == place)
        .map(|p| Link {
            url: page_url(p),
            label: ctx.lang.pick(&p.title, p.title_en.as_deref()).to_string(),
        })
        .collect()
}

#[derive(Serialize)]
struct FileRow {
    id: String,
    url: String,
    name: String,
    size: String,
    delete_action: String,
}

#[derive(Serialize)]
struct PageView {
    title: String,
    body_html: String,
    files: Vec<FileRow>,
    updated: String,
    draft: bool,
    coordinator: bool,
    edit_url: String,
    upload_action: String,
}

/// `GET /pages/{name}`.
pub async fn show(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let r = async {
        let v = viewer(&ctx);
        let p = st.portal.show_page(&v, &name).await?;
        let files = st.portal.page_attachments(&v, &p.id).await?;
        let base = page_url(&p);
        let view = PageView {
            title: ctx.lang.pick(&p.title, p.title_en.as_deref()).to_string(),
            body_html: markdown::render(ctx.lang.pick(&p.body, p.body_en.as_deref())),
            files: files
                .iter()
                .map(|a| FileRow {
                    id: a.id.clone(),
                    url: format!("{base}/files/{}/{}", segment(&a.id), segment(&a.file_name)),
                    name: a.file_name.clone(),
                    size: i18n::size(ctx.lang, a.size),
                    delete_action: format!("{base}/attachments/{}/delete", segment(&a.id)),
                })
                .collect(),
            updated: i18n::date(ctx.lang, &p.modified),
            draft: !p.published,
            coordinator: v.sysadmin,
            edit_url: format!("{base}/edit"),
            upload_action: format!("{base}/attachments"),
        };
        st.page(
            &ctx,
            "static_page.html",
            Meta::new(&view.title, &base),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

/// `GET /pages/{name}/files/{id}/{file}`.
pub async fn file(
    State(st): State<AppState>,
    Path((name, id, _file)): Path<(String, String, String)>,
    ctx: Ctx,
) -> Response {
    match st.portal.open_attachment(&viewer(&ctx), &name, &id).await {
        Ok((a, reader)) => {
            let mime = misto_core::formats::served_media_type(a.media_type.as_deref());
            let ascii: String = a
                .file_name
                .chars()
                .map(|c| {
                    if c.is_ascii_graphic() && c != '"' && c != '\\' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let disposition = format!(
                "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                segment(&a.file_name)
            );
            let mut resp = Body::from_stream(reader.stream).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            if let Ok(v) = HeaderValue::from_str(&disposition) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(reader.size));
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            resp
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

#[derive(Serialize)]
struct AdminRow {
    link: Link,
    menu: String,
    position: i64,
    draft: bool,
    edit_url: String,
}

#[derive(Serialize)]
struct AdminView {
    rows: Vec<AdminRow>,
    saved: bool,
}

fn menu_label(ctx: &Ctx, m: MenuPlace) -> String {
    ctx.t(&format!("eng_menu_{}", m.as_str()))
}

/// `GET /dashboard/pages`.
pub async fn admin(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = async {
        super::forms::sysadmin_only(&ctx, session)?;
        let list = st.portal.list_pages(&session.viewer).await?;
        let view = AdminView {
            rows: list
                .iter()
                .map(|p| AdminRow {
                    link: Link {
                        url: page_url(p),
                        label: p.title.clone(),
                    },
                    menu: menu_label(&ctx, p.menu),
                    position: p.position,
                    draft: !p.published,
                    edit_url: format!("{}/edit", page_url(p)),
                })
                .collect(),
            saved: ctx.param("saved").is_some(),
        };
        let title = ctx.t("eng_pages_admin_title");
        st.page(
            &ctx,
            "pages_admin.html",
            Meta::new(&title, "dashboard"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

#[derive(Serialize, Default)]
struct FormValues {
    title: String,
    title_en: String,
    name: String,
    body: String,
    body_en: String,
    position: String,
    published: bool,
}

#[derive(Serialize)]
struct FormView {
    heading: String,
    action: String,
    values: FormValues,
    menus: Vec<Choice>,
    errors: Errors,
    delete_action: Option<String>,
}

fn render_form(
    st: &AppState,
    ctx: &Ctx,
    existing: Option<&Page>,
    values: FormValues,
    menu: &str,
    errors: Errors,
) -> Result<Response, WebError> {
    let heading = match existing {
        Some(p) => format!("{}: {}", ctx.t("eng_page_edit_title"), p.title),
        None => ctx.t("eng_page_new_title"),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = FormView {
        action: existing
            .map(|p| format!("{}/edit", page_url(p)))
            .unwrap_or_else(|| "/pages/new".into()),
        delete_action: existing.map(|p| format!("{}/delete", page_url(p))),
        heading: heading.clone(),
        values,
        menus: [MenuPlace::Header, MenuPlace::Footer, MenuPlace::None]
            .into_iter()
            .map(|m| Choice {
                value: m.as_str().to_string(),
                label: menu_label(ctx, m),
                selected: m.as_str() == menu,
            })
            .collect(),
        errors,
    };
    st.page_with_status(
        ctx,
        status,
        "page_form.html",
        Meta::new(&heading, "dashboard"),
        &view,
    )
}

/// `GET /pages/new`.
pub async fn new_form(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = super::forms::sysadmin_only(&ctx, session).and_then(|()| {
        let values = FormValues {
            position: "0".into(),
            ..FormValues::default()
        };
        render_form(&st, &ctx, None, values, "footer", Errors::default())
    });
    st.respond(&ctx, r)
}

/// `GET /pages/{name}/edit`.
pub async fn edit_form(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = async {
        super::forms::sysadmin_only(&ctx, session)?;
        let p = st.portal.show_page(&session.viewer, &name).await?;
        let values = FormValues {
            title: p.title.clone(),
            title_en: p.title_en.clone().unwrap_or_default(),
            name: p.name.clone(),
            body: p.body.clone(),
            body_en: p.body_en.clone().unwrap_or_default(),
            position: p.position.to_string(),
            published: p.published,
        };
        render_form(
            &st,
            &ctx,
            Some(&p),
            values,
            p.menu.as_str(),
            Errors::default(),
        )
    }
    .await;
    st.respond(&ctx, r)
}

fn input_from(form: &Form, errors: &mut Errors, ctx: &Ctx) -> PageInput {
    let position = match form.get("position").trim() {
        "" => Some(0),
        s => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add("position", ctx.t("eng_error_number"));
                None
            }
        },
    };
    PageInput {
        name: Some(form.get("name").to_string()),
        title: Some(form.get("title").to_string()),
        title_en: Some(form.get("title_en").to_string()),
        body: Some(form.get("body").to_string()),
        body_en: Some(form.get("body_en").to_string()),
        menu: form.opt("menu"),
        position,
        published: Some(form.has("published")),
    }
}

fn values_from(form: &Form) -> FormValues {
    FormValues {
        title: form.get("title").to_string(),
        title_en: form.get("title_en").to_string(),
        name: form.get("name").to_string(),
        body: form.get("body").to_string(),
        body_en: form.get("body_en").to_string(),
        position: form.get("position").to_string(),
        published: form.has("published"),
    }
}

/// `POST /pages/new` and `POST /pages/{name}/edit`.
async fn save(st: AppState, ctx: Ctx, name: Option<String>, body: Bytes) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    if let Err(e) = super::forms::sysadmin_only(&ctx, session) {
        return st.error_page(&ctx, e);
    }
    let existing = match &name {
        Some(n) => match st.portal.show_page(&session.viewer, n).await {
            Ok(p) => Some(p),
            Err(e) => return st.error_page(&ctx, e.into()),
        },
        None => None,
    };
    let mut errors = Errors::default();
    let input = input_from(&form, &mut errors, &ctx);
    if errors.is_empty() {
        let saved = match &existing {
            Some(p) => st.portal.update_page(&session.viewer, &p.id, input).await,
            None => st.portal.create_page(&session.viewer, input).await,
        };
        match saved {
            Ok(p) => return see_other(&ctx, &page_url(&p)),
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, FIELDS, e) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    }
    let r = render_form(
        &st,
        &ctx,
        existing.as_ref(),
        values_from(&form),
        form.get("menu"),
        errors,
    );
    st.respond(&ctx, r)
}

pub async fn create(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    save(st, ctx, None, body).await
}

pub async fn update(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    save(st, ctx, Some(name), body).await
}

/// `POST /pages/{name}/delete`.
pub async fn delete(
    State(st): State<AppState>,
    Path(name): Path<String>,
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
    match st.portal.delete_page(&session.viewer, &name).await {
        Ok(()) => see_other(&ctx, "/dashboard/pages?saved=1"),
        Err(ActionError::NotAuthorized(_)) => {
            st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")))
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

/// `POST /pages/{name}/attachments` (multipart: `csrf`, then `file`).
pub async fn attach(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    mp: Multipart,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = super::forms::sysadmin_only(&ctx, session) {
        return st.error_page(&ctx, e);
    }
    let read = read_staged_form(&st, &ctx, mp, "file", Stage::Upload(&session.viewer)).await;
    let staged = match read {
        Ok((_, _, Some(refused))) => return st.error_page(&ctx, refused.into()),
        Ok((_, Some(staged), None)) => staged,
        Ok((_, None, None)) => {
            return st.error_page(&ctx, WebError::BadRequest(ctx.t("eng_error_no_file")));
        }
        Err(e) => return st.error_page(&ctx, e),
    };
    match st
        .portal
        .attach_to_page(&session.viewer, &name, staged)
        .await
    {
        Ok(_) => see_other(&ctx, &format!("/pages/{}", segment(&name))),
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

/// `POST /pages/{name}/attachments/{id}/delete`.
pub async fn detach(
    State(st): State<AppState>,
    Path((name, id)): Path<(String, String)>,
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
    match st
        .portal
        .detach_from_page(&session.viewer, &name, &id)
        .await
    {
        Ok(()) => see_other(&ctx, &format!("/pages/{}", segment(&name))),
        Err(ActionError::NotAuthorized(_)) => {
            st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")))
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}
