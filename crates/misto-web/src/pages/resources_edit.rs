//! `/dataset/{dataset}/resources`: a dataset's files and links for its
//! editors: add by upload (multipart, works without JavaScript) or by link,
//! move up and down, replace a file, delete after a confirmation page.

use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::datasets::ResourceInput;
use misto_actions::resources::StagedUpload;
use misto_core::{Dataset, Resource};
use serde::Serialize;

use super::dataset_edit::{ConfirmView, editable};
use super::dataset_title;
use super::forms::{Errors, Form, check_post, edit_post, require_login};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other, segment};
use crate::session::Session;

#[derive(Serialize)]
struct Row {
    id: String,
    name: String,
    format: String,
    size: Option<String>,
    kind: String,
    page_url: String,
    edit_url: String,
    delete_url: String,
    first: bool,
    last: bool,
}

#[derive(Serialize)]
struct ResourcesView {
    title: String,
    dataset_url: String,
    edit_url: String,
    add_action: String,
    order_action: String,
    rows: Vec<Row>,
    saved: bool,
    max_upload: String,
    errors: Errors,
    values: ResourceValues,
    /// Changes of files and links waiting for review (moderated publishers).
    pending: Option<PendingFiles>,
}

#[derive(Serialize)]
struct PendingFiles {
    dataset_id: String,
    /// The proposed files and links, in their order.
    files: Vec<String>,
    /// Saved, not yet sent for review.
    draft: bool,
}

#[derive(Serialize, Default)]
struct ResourceValues {
    name: String,
    description: String,
    format: String,
    url: String,
}

fn base(d: &Dataset) -> String {
    format!("/dataset/{}", segment(&d.name))
}

fn rows(ctx: &Ctx, d: &Dataset) -> Vec<Row> {
    let active: Vec<&Resource> = d.active_resources().collect();
    let n = active.len();
    active
        .iter()
        .enumerate()
        .map(|(i, r)| Row {
            id: r.id.clone(),
            name: if r.name.trim().is_empty() {
                r.url.clone()
            } else {
                r.name.clone()
            },
            format: r.format.trim().to_uppercase(),
            size: r.size.map(|s| i18n::size(ctx.lang, s)),
            kind: ctx.t(if r.is_upload() {
                "resource_kind_file"
            } else {
                "resource_kind_link"
            }),
            page_url: format!("{}/resource/{}", base(d), segment(&r.id)),
            edit_url: format!("{}/resource/{}/edit", base(d), segment(&r.id)),
            delete_url: format!("{}/resource/{}/delete", base(d), segment(&r.id)),
            first: i == 0,
            last: i + 1 == n,
        })
        .collect()
}

fn render(
    st: &AppState,
    ctx: &Ctx,
    d: &Dataset,
    errors: Errors,
    values: ResourceValues,
    pending: Option<PendingFiles>,
) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = ResourcesView {
        title: dataset_title(ctx.lang, d),
        dataset_url: base(d),
        edit_url: format!("{}/edit", base(d)),
        add_action: format!("{}/resources/new", base(d)),
        order_action: format!("{}/resources/order", base(d)),
        rows: rows(ctx, d),
        saved: ctx.param("saved").is_some(),
        max_upload: i18n::size(ctx.lang, st.portal.config().max_upload_bytes as i64),
        errors,
        values,
        pending,
    };
    let title = format!("{}: {}", ctx.t("resources_title"), view.title);
    st.page_with_status(
        ctx,
        status,
        "resources.html",
        Meta::new(&title, "dashboard"),
        &view,
    )
}

pub async fn list(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = match editable(&st, &ctx, session, &name) {
        Ok(d) => {
            let pending = match st.portal.pending_revision(&session.viewer, &d.id).await {
                Ok(Some(item)) if item.revision.resources_changed => Some(PendingFiles {
                    dataset_id: d.id.clone(),
                    files: item
                        .proposed
                        .active_resources()
                        .map(|r| {
                            if r.name.trim().is_empty() {
                                r.url.clone()
                            } else {
                                r.name.clone()
                            }
                        })
                        .collect(),
                    draft: item.revision.state == "draft",
                }),
                Ok(_) => None,
                Err(e) => return st.error_page(&ctx, e.into()),
            };
            render(
                &st,
                &ctx,
                &d,
                Errors::default(),
                ResourceValues::default(),
                pending,
            )
        }
        Err(e) => Err(e),
    };
    st.respond(&ctx, r)
}

/// A multipart form: its text fields, and the file (already staged in the
/// blob store) if one was chosen. The CSRF token must come before the file.
struct Upload {
    form: Form,
    file: Option<StagedUpload>,
}

async fn read_multipart(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    mut mp: Multipart,
) -> Result<Upload, WebError> {
    let mut form = Form::default();
    let mut file = None;
    let mut checked = false;
    let bad = |ctx: &Ctx| WebError::BadRequest(ctx.t("error_bad_form"));
    while let Some(field) = mp.next_field().await.map_err(|_| bad(ctx))? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or("").to_string();
            if file_name.trim().is_empty() {
                // No file chosen: an empty part.
                let _ = field.bytes().await;
                continue;
            }
            if !checked {
                check_post(st, ctx, form.get("csrf"))?;
                checked = true;
            }
            let content_type = field.content_type().map(str::to_string);
            let staged = st
                .portal
                .stage_upload(&session.viewer, &file_name, content_type.as_deref(), field)
                .await;
            match staged {
                Ok(s) => {
                    if let Some(old) = file.replace(s) {
                        st.portal.discard_upload(old).await;
                    }
                }
                Err(misto_actions::ActionError::TooLarge(m)) => {
                    return Err(WebError::BadRequest(m));
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            let value = field.text().await.map_err(|_| bad(ctx))?;
            form.0.push((name, value));
        }
    }
    if !checked {
        check_post(st, ctx, form.get("csrf"))?;
    }
    Ok(Upload { form, file })
}

fn input_from(form: &Form) -> ResourceInput {
    ResourceInput {
        name: form.opt("name"),
        description: Some(form.get("description").trim().to_string()),
        url: form.opt("url"),
        format: form.opt("format"),
        ..ResourceInput::default()
    }
}

fn values_from(form: &Form) -> ResourceValues {
    ResourceValues {
        name: form.get("name").to_string(),
        description: form.get("description").to_string(),
        format: form.get("format").to_string(),
        url: form.get("url").to_string(),
    }
}

const RESOURCE_FIELDS: &[&str] = &["name", "description", "format", "url", "upload"];

pub async fn add(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    mp: Multipart,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let d = match editable(&st, &ctx, session, &name) {
        Ok(d) => d,
        Err(e) => return st.error_page(&ctx, e),
    };
    let up = match read_multipart(&st, &ctx, session, mp).await {
        Ok(u) => u,
        Err(e) => return st.error_page(&ctx, e),
    };
    let mut errors = Errors::default();
    if up.file.is_none() && up.form.get("url").trim().is_empty() {
        errors.add("url", ctx.t("error_file_or_link"));
    } else {
        let input = input_from(&up.form);
        match st
            .portal
            .create_resource(&session.viewer, &d.id, input, up.file)
            .await
        {
            Ok((saved, _)) => return see_other(&ctx, &format!("{}/resources", base(&saved))),
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, RESOURCE_FIELDS, e) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    }
    let r = render(&st, &ctx, &d, errors, values_from(&up.form), None);
    st.respond(&ctx, r)
}

pub async fn reorder(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (session, form, d) = match edit_post(&st, &ctx, &body, &name) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut order: Vec<String> = d.resources.iter().map(|r| r.id.clone()).collect();
    let Some(i) = order.iter().position(|id| id == form.get("resource")) else {
        return st.error_page(&ctx, WebError::NotFound);
    };
    match form.get("move") {
        "up" if i > 0 => order.swap(i, i - 1),
        "down" if i + 1 < order.len() => order.swap(i, i + 1),
        _ => {}
    }
    match st
        .portal
        .reorder_resources(&session.viewer, &d.id, &order)
        .await
    {
        Ok(saved) => see_other(&ctx, &format!("{}/resources", base(&saved))),
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

fn find_resource<'a>(d: &'a Dataset, rid: &str) -> Result<&'a Resource, WebError> {
    d.active_resources()
        .find(|r| r.id == rid)
        .ok_or(WebError::NotFound)
}

#[derive(Serialize)]
struct EditView {
    title: String,
    action: String,
    cancel_url: String,
    is_upload: bool,
    file_name: String,
    values: ResourceValues,
    errors: Errors,
    max_upload: String,
}

fn render_edit(
    st: &AppState,
    ctx: &Ctx,
    d: &Dataset,
    r: &Resource,
    values: ResourceValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = EditView {
        title: dataset_title(ctx.lang, d),
        action: format!("{}/resource/{}/edit", base(d), segment(&r.id)),
        cancel_url: format!("{}/resources", base(d)),
        is_upload: r.is_upload(),
        file_name: r.url.clone(),
        values,
        errors,
        max_upload: i18n::size(ctx.lang, st.portal.config().max_upload_bytes as i64),
    };
    let title = ctx.t("resource_edit_title");
    st.page_with_status(
        ctx,
        status,
        "resource_form.html",
        Meta::new(&title, "dashboard"),
        &view,
    )
}

pub async fn edit_form(
    State(st): State<AppState>,
    Path((name, rid)): Path<(String, String)>,
    ctx: Ctx,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = editable(&st, &ctx, session, &name).and_then(|d| {
        let r = find_resource(&d, &rid)?;
        let values = ResourceValues {
            name: r.name.clone(),
            description: r.description.clone(),
            format: r.format.clone(),
            url: if r.is_upload() {
                String::new()
            } else {
                r.url.clone()
            },
        };
        render_edit(&st, &ctx, &d, r, values, Errors::default())
    });
    st.respond(&ctx, r)
}

pub async fn update(
    State(st): State<AppState>,
    Path((name, rid)): Path<(String, String)>,
    ctx: Ctx,
    mp: Multipart,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let d = match editable(&st, &ctx, session, &name) {
        Ok(d) => d,
        Err(e) => return st.error_page(&ctx, e),
    };
    let existing = match find_resource(&d, &rid) {
        Ok(r) => r.clone(),
        Err(e) => return st.error_page(&ctx, e),
    };
    let up = match read_multipart(&st, &ctx, session, mp).await {
        Ok(u) => u,
        Err(e) => return st.error_page(&ctx, e),
    };
    let mut input = input_from(&up.form);
    input.id = Some(existing.id.clone());
    input.extras = existing.extras.clone();
    if existing.is_upload() && input.url.is_none() {
        // No new link: keep the stored file (or take the new upload).
        input.url = Some(existing.url.clone());
    }
    if up.file.is_some() {
        input.url = None;
        input.format = input
            .format
            .filter(|f| !f.eq_ignore_ascii_case(&existing.format));
    }
    let mut errors = Errors::default();
    if up.file.is_none() && input.url.as_deref().is_none_or(|u| u.trim().is_empty()) {
        errors.add("url", ctx.t("error_file_or_link"));
    } else {
        match st
            .portal
            .update_resource(&session.viewer, &existing.id, input, up.file)
            .await
        {
            Ok(saved) => return see_other(&ctx, &format!("{}/resources", base(&saved))),
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, RESOURCE_FIELDS, e) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    }
    let r = render_edit(&st, &ctx, &d, &existing, values_from(&up.form), errors);
    st.respond(&ctx, r)
}

pub async fn delete_form(
    State(st): State<AppState>,
    Path((name, rid)): Path<(String, String)>,
    ctx: Ctx,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = editable(&st, &ctx, session, &name).and_then(|d| {
        let r = find_resource(&d, &rid)?;
        let label = if r.name.trim().is_empty() {
            r.url.clone()
        } else {
            r.name.clone()
        };
        let view = ConfirmView {
            heading: ctx.t("delete_resource_heading"),
            text: ctx.t("delete_resource_text").replace("{name}", &label),
            action: format!("{}/resource/{}/delete", base(&d), segment(&r.id)),
            button: ctx.t("delete_button"),
            cancel_url: format!("{}/resources", base(&d)),
        };
        let title = view.heading.clone();
        st.page(&ctx, "confirm.html", Meta::new(&title, "dashboard"), &view)
    });
    st.respond(&ctx, r)
}

pub async fn delete(
    State(st): State<AppState>,
    Path((name, rid)): Path<(String, String)>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (session, _, d) = match edit_post(&st, &ctx, &body, &name) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(e) = find_resource(&d, &rid) {
        return st.error_page(&ctx, e);
    }
    match st.portal.delete_resource(&session.viewer, &rid).await {
        Ok(()) => see_other(&ctx, &format!("{}/resources", base(&d))),
        Err(e) => st.error_page(&ctx, e.into()),
    }
}
