//! The dataset register (реєстр наборів даних): `/register` for the whole
//! council and `/organization/{org}/register` (or `/register?publisher=x`)
//! for one publisher: every public dataset plus the entries of the data
//! audit, filtered and counted by status, with the downloads. The audit
//! entries' forms (`/register/new`, `/register/entry/{id}/edit`, delete)
//! are for the publisher's admins and sysadmins; sysadmins publish the
//! register itself as a dataset (`/register/publish`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::register::{RegisterEntryInput, RegisterRow};
use misto_core::{RegisterEntry, RegisterStatus, UpdateFrequency};
use serde::Serialize;

use super::forms::{Choice, Errors, Form, check_post, require_login};
use super::{Link, publisher_title, viewer};
use crate::AppState;
use crate::i18n::Lang;
use crate::render::{Ctx, Meta, WebError, query_string, see_other, segment};
use crate::session::Session;

const STATUSES: [RegisterStatus; 3] = [
    RegisterStatus::Published,
    RegisterStatus::Planned,
    RegisterStatus::NotToPublish,
];

/// The fields of the entry form, in order.
const FIELDS: &[&str] = &[
    "publisher",
    "title",
    "description",
    "location",
    "format",
    "responsible",
    "responsible_email",
    "update_frequency",
    "status",
    "target_date",
    "reason",
    "dataset",
    "resolution_835_item",
];

#[derive(Serialize)]
struct RegisterView {
    title: String,
    publisher: Option<Link>,
    publishers: Vec<Choice>,
    filters: Vec<Filter>,
    total: usize,
    rows: Vec<Row>,
    downloads: Vec<Link>,
    compliance_url: String,
    can_add: bool,
    add_url: String,
    saved: bool,
    /// The dataset that publishes the register, if there is one.
    register_dataset: Option<Link>,
    /// Sysadmins: the form that publishes the register.
    publish: Option<PublishForm>,
}

#[derive(Serialize)]
struct Filter {
    label: String,
    count: usize,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct PublishForm {
    publishers: Vec<Choice>,
    published: bool,
}

#[derive(Serialize)]
struct Row {
    title: String,
    url: Option<String>,
    publisher: String,
    location: String,
    format: String,
    responsible: String,
    responsible_email: String,
    frequency: String,
    status: String,
    status_label: String,
    /// The target date of a planned entry, the reason of one not to be published.
    status_note: String,
    item: String,
    edit_url: Option<String>,
}

fn status_label(ctx: &Ctx, s: RegisterStatus) -> String {
    ctx.t(&format!("register_status_{}", s.as_str()))
}

fn frequency_label(lang: Lang, f: Option<UpdateFrequency>) -> String {
    f.map(|f| match lang {
        Lang::Uk => f.label_uk().to_string(),
        Lang::En => f.label_en().to_string(),
    })
    .unwrap_or_default()
}

fn publisher_choices(
    st: &AppState,
    ctx: &Ctx,
    selected: &str,
    only: Option<&Session>,
) -> Vec<Choice> {
    let mut out: Vec<Choice> = st
        .portal
        .list_publishers()
        .into_iter()
        .filter(|p| only.is_none_or(|s| s.viewer.can_admin(&p.id)))
        .map(|p| Choice {
            selected: p.name == selected || p.id == selected,
            label: publisher_title(ctx.lang, &p),
            value: p.name,
        })
        .collect();
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

/// `/register`, `/register?publisher=x&status=planned`.
pub async fn page(State(st): State<AppState>, ctx: Ctx) -> Response {
    let publisher = ctx
        .param("publisher")
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let r = render(&st, &ctx, publisher).await;
    st.respond(&ctx, r)
}

/// `/organization/{org}/register`.
pub async fn for_publisher(
    State(st): State<AppState>,
    Path(org): Path<String>,
    ctx: Ctx,
) -> Response {
    let r = render(&st, &ctx, Some(org)).await;
    st.respond(&ctx, r)
}

async fn render(st: &AppState, ctx: &Ctx, publisher: Option<String>) -> Result<Response, WebError> {
    let publisher = match publisher {
        Some(p) => Some(st.portal.show_publisher(&p)?),
        None => None,
    };
    let status = match ctx.param("status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            RegisterStatus::parse(s)
                .ok_or_else(|| WebError::BadRequest(ctx.t("register_bad_status")))?,
        ),
    };
    let all: Vec<RegisterRow> = st
        .portal
        .register(publisher.as_ref().map(|p| p.id.as_str()))
        .await?;
    let v = viewer(ctx);
    let base = match &publisher {
        Some(p) => format!("/organization/{}/register", segment(&p.name)),
        None => "/register".to_string(),
    };
    let mut filters = vec![Filter {
        label: ctx.t("register_filter_all"),
        count: all.len(),
        url: base.clone(),
        current: status.is_none(),
    }];
    for s in STATUSES {
        filters.push(Filter {
            label: status_label(ctx, s),
            count: all.iter().filter(|r| r.status == s).count(),
            url: format!("{base}{}", query_string([("status", s.as_str())])),
            current: status == Some(s),
        });
    }
    let titles = st.portal.catalog().read(|ix| {
        let mut m = std::collections::HashMap::new();
        for p in ix.publishers() {
            m.insert(p.id.clone(), publisher_title(ctx.lang, p));
        }
        m
    });
    let rows: Vec<Row> = all
        .iter()
        .filter(|r| status.is_none_or(|s| r.status == s))
        .map(|r| Row {
            title: r.title.clone(),
            url: r
                .dataset_name
                .as_ref()
                .map(|n| format!("/dataset/{}", segment(n))),
            publisher: titles
                .get(&r.publisher_id)
                .cloned()
                .unwrap_or_else(|| r.publisher_name.clone()),
            location: r.location.clone(),
            format: r.distribution_format.clone(),
            responsible: r.contact_point_fn.clone(),
            responsible_email: r.contact_point_has_email.clone(),
            frequency: frequency_label(ctx.lang, r.update_frequency),
            status: r.status.as_str().to_string(),
            status_label: status_label(ctx, r.status),
            status_note: match r.status {
                RegisterStatus::Planned if !r.target_date.is_empty() => {
                    format!("{} {}", ctx.t("register_until"), r.target_date)
                }
                RegisterStatus::NotToPublish => r.reason.clone(),
                _ => String::new(),
            },
            item: r.resolution_835_item.clone(),
            edit_url: r
                .entry_id
                .as_ref()
                .filter(|_| v.can_admin(&r.publisher_id))
                .map(|id| format!("/register/entry/{}/edit", segment(id))),
        })
        .collect();
    let q = publisher
        .as_ref()
        .map(|p| query_string([("organization", p.name.as_str())]))
        .unwrap_or_default();
    let downloads = ["csv", "json", "xlsx"]
        .iter()
        .map(|ext| Link {
            url: format!("/register.{ext}{q}"),
            label: ext.to_uppercase(),
        })
        .collect();
    let can_add = v.sysadmin
        || match &publisher {
            Some(p) => v.can_admin(&p.id),
            None => v.roles.keys().any(|p| v.can_admin(p)),
        };
    let register_dataset = st
        .portal
        .register_dataset()
        .await?
        .filter(|d| misto_core::auth::can_read_dataset(&v, d));
    let publish = v.sysadmin.then(|| PublishForm {
        publishers: publisher_choices(
            st,
            ctx,
            register_dataset
                .as_ref()
                .map_or("", |d| d.owner_org.as_str()),
            None,
        ),
        published: register_dataset.is_some(),
    });
    let title = match &publisher {
        Some(p) => format!(
            "{}: {}",
            ctx.t("register_title"),
            publisher_title(ctx.lang, p)
        ),
        None => ctx.t("register_title"),
    };
    let view = RegisterView {
        publishers: publisher_choices(
            st,
            ctx,
            publisher.as_ref().map_or("", |p| p.name.as_str()),
            None,
        ),
        publisher: publisher.as_ref().map(|p| Link {
            url: format!("/organization/{}", segment(&p.name)),
            label: publisher_title(ctx.lang, p),
        }),
        compliance_url: match &publisher {
            Some(p) => format!("/organization/{}/compliance", segment(&p.name)),
            None => "/compliance".into(),
        },
        add_url: match &publisher {
            Some(p) => format!(
                "/register/new{}",
                query_string([("publisher", p.name.as_str())])
            ),
            None => "/register/new".into(),
        },
        saved: ctx.param("saved").is_some(),
        title,
        filters,
        total: rows.len(),
        rows,
        downloads,
        can_add,
        register_dataset: register_dataset.map(|d| Link {
            url: format!("/dataset/{}", segment(&d.name)),
            label: super::dataset_title(ctx.lang, &d),
        }),
        publish,
    };
    st.page(
        ctx,
        "register.html",
        Meta::new(&view.title, "organization"),
        &view,
    )
}

/// `POST /register/publish`: sysadmins publish (or update) the register
/// as a dataset of the chosen publisher.
pub async fn publish(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
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
        .publish_register(&session.viewer, form.opt("publisher").as_deref())
        .await
    {
        Ok(d) => see_other(&ctx, &format!("/dataset/{}", segment(&d.name))),
        Err(misto_actions::ActionError::Validation(f)) => {
            let msg: Vec<String> = f.0.into_values().flatten().collect();
            st.error_page(&ctx, WebError::BadRequest(msg.join(" ")))
        }
        Err(misto_actions::ActionError::NotAuthorized(_)) => {
            st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")))
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

#[derive(Serialize)]
struct EntryView {
    title: String,
    action: String,
    delete_action: Option<String>,
    back_url: String,
    publishers: Vec<Choice>,
    frequencies: Vec<Choice>,
    statuses: Vec<Choice>,
    items: Vec<Choice>,
    values: std::collections::BTreeMap<&'static str, String>,
    errors: Errors,
    summary: Vec<(String, String)>,
}

fn values_of(st: &AppState, e: &RegisterEntry) -> std::collections::BTreeMap<&'static str, String> {
    let publisher = st
        .portal
        .show_publisher(&e.publisher_id)
        .map(|p| p.name)
        .unwrap_or_else(|_| e.publisher_id.clone());
    let dataset = e
        .dataset_id
        .as_ref()
        .and_then(|id| {
            st.portal
                .catalog()
                .read(|ix| ix.get(id).map(|d| d.name.clone()))
        })
        .unwrap_or_default();
    FIELDS
        .iter()
        .map(|f| {
            let v = match *f {
                "publisher" => publisher.clone(),
                "title" => e.title.clone(),
                "description" => e.description.clone(),
                "location" => e.location.clone(),
                "format" => e.format.clone(),
                "responsible" => e.responsible.clone().unwrap_or_default(),
                "responsible_email" => e.responsible_email.clone().unwrap_or_default(),
                "update_frequency" => e
                    .update_frequency
                    .map(|f| f.as_str().to_string())
                    .unwrap_or_default(),
                "status" => e.status.as_str().to_string(),
                "target_date" => e.target_date.map(|d| d.to_string()).unwrap_or_default(),
                "reason" => e.reason.clone().unwrap_or_default(),
                "dataset" => dataset.clone(),
                "resolution_835_item" => e.resolution_835_item.clone().unwrap_or_default(),
                _ => String::new(),
            };
            (*f, v)
        })
        .collect()
}

fn values_from(form: &Form) -> std::collections::BTreeMap<&'static str, String> {
    FIELDS
        .iter()
        .map(|f| (*f, form.get(f).to_string()))
        .collect()
}

fn input_from(form: &Form) -> RegisterEntryInput {
    RegisterEntryInput {
        publisher: form.get("publisher").trim().to_string(),
        title: form.get("title").to_string(),
        description: form.opt("description"),
        location: form.opt("location"),
        format: form.opt("format"),
        responsible: form.opt("responsible"),
        responsible_email: form.opt("responsible_email"),
        update_frequency: form.opt("update_frequency"),
        status: form.opt("status"),
        target_date: form.opt("target_date"),
        reason: form.opt("reason"),
        dataset: form.opt("dataset"),
        resolution_835_item: form.opt("resolution_835_item"),
    }
}

fn render_entry(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    id: Option<&str>,
    values: std::collections::BTreeMap<&'static str, String>,
    errors: Errors,
) -> Result<Response, WebError> {
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let choose = |value: &str, label: String, current: &str| Choice {
        selected: value == current,
        value: value.to_string(),
        label,
    };
    let freq = get("update_frequency");
    let mut frequencies = vec![choose("", ctx.t("register_none"), &freq)];
    frequencies.extend(
        UpdateFrequency::ALL
            .iter()
            .map(|f| choose(f.as_str(), frequency_label(ctx.lang, Some(*f)), &freq)),
    );
    let status = get("status");
    let status = if status.is_empty() {
        "planned".to_string()
    } else {
        status
    };
    let statuses = STATUSES
        .iter()
        .map(|s| choose(s.as_str(), status_label(ctx, *s), &status))
        .collect();
    let item = get("resolution_835_item");
    let list = st.portal.resolution835_list();
    let mut items = vec![choose("", ctx.t("register_none"), &item)];
    items.extend(list.items.iter().map(|i| {
        choose(
            &i.id,
            format!("{}: {}", i.id, short(i.name(ctx.lang == Lang::En), 90)),
            &item,
        )
    }));
    let summary = errors
        .fields
        .iter()
        .flat_map(|(f, msgs)| msgs.iter().map(move |m| (format!("#f-{f}"), m.clone())))
        .collect();
    let status_code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = EntryView {
        title: ctx.t(if id.is_some() {
            "register_edit_title"
        } else {
            "register_new_title"
        }),
        action: match id {
            Some(id) => format!("/register/entry/{}/edit", segment(id)),
            None => "/register/new".into(),
        },
        delete_action: id.map(|id| format!("/register/entry/{}/delete", segment(id))),
        back_url: "/register".into(),
        publishers: publisher_choices(st, ctx, &get("publisher"), Some(session)),
        frequencies,
        statuses,
        items,
        values,
        errors,
        summary,
    };
    st.page_with_status(
        ctx,
        status_code,
        "register_entry.html",
        Meta::new(&view.title, "organization"),
        &view,
    )
}

fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Whether the signed-in person may keep any publisher's register.
fn any_admin(session: &Session) -> bool {
    session.viewer.sysadmin
        || session
            .viewer
            .roles
            .keys()
            .any(|p| session.viewer.can_admin(p))
}

/// `GET /register/new`: the form for a new audit entry.
pub async fn new_form(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !any_admin(session) {
        return st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")));
    }
    let mut values: std::collections::BTreeMap<&'static str, String> =
        FIELDS.iter().map(|f| (*f, String::new())).collect();
    if let Some(p) = ctx.param("publisher") {
        values.insert("publisher", p.to_string());
    }
    let r = render_entry(&st, &ctx, session, None, values, Errors::default());
    st.respond(&ctx, r)
}

/// `POST /register/new`.
pub async fn create(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    save(st, ctx, None, body).await
}

/// `GET /register/entry/{id}/edit`.
pub async fn edit_form(State(st): State<AppState>, Path(id): Path<String>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = async {
        let e = st.portal.register_entry(&id).await?;
        if !session.viewer.can_admin(&e.publisher_id) {
            return Err(WebError::Forbidden(ctx.t("error_not_allowed")));
        }
        render_entry(
            &st,
            &ctx,
            session,
            Some(&id),
            values_of(&st, &e),
            Errors::default(),
        )
    }
    .await;
    st.respond(&ctx, r)
}

/// `POST /register/entry/{id}/edit`.
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    save(st, ctx, Some(id), body).await
}

async fn save(st: AppState, ctx: Ctx, id: Option<String>, body: Bytes) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let mut errors = Errors::default();
    if form.get("publisher").trim().is_empty() {
        errors.add("publisher", ctx.t("error_missing"));
    } else {
        match st
            .portal
            .save_register_entry(&session.viewer, id.as_deref(), input_from(&form))
            .await
        {
            Ok(e) => {
                let to = st
                    .portal
                    .show_publisher(&e.publisher_id)
                    .map(|p| format!("/organization/{}/register?saved=1", segment(&p.name)))
                    .unwrap_or_else(|_| "/register?saved=1".into());
                return see_other(&ctx, &to);
            }
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, FIELDS, in_language(&ctx, e)) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    }
    let r = render_entry(
        &st,
        &ctx,
        session,
        id.as_deref(),
        values_from(&form),
        errors,
    );
    st.respond(&ctx, r)
}

/// The register's own validation messages in the page's language (the
/// common ones are translated by [`super::forms::translate`]).
fn in_language(ctx: &Ctx, e: misto_actions::ActionError) -> misto_actions::ActionError {
    let misto_actions::ActionError::Validation(mut f) = e else {
        return e;
    };
    for msgs in f.0.values_mut() {
        for m in msgs.iter_mut() {
            let key = match m.as_str() {
                "A planned entry needs a target date" => "register_error_target_date",
                "Say why the data are not to be published" => "register_error_reason",
                "A published entry names the dataset that publishes it" => {
                    "register_error_dataset_needed"
                }
                x if x.starts_with("No dataset ") => "register_error_dataset",
                x if x.starts_with("Unknown item of the Resolution 835 list") => {
                    "register_error_item"
                }
                x if x.starts_with("Must be one of: planned") => "register_error_status",
                x if x.starts_with("Organization does not exist") => "register_error_publisher",
                _ => continue,
            };
            *m = ctx.t(key);
        }
    }
    misto_actions::ActionError::Validation(f)
}

/// `POST /register/entry/{id}/delete`.
pub async fn delete(
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
    let r = async {
        let e = st.portal.register_entry(&id).await?;
        if !session.viewer.can_admin(&e.publisher_id) {
            return Err(WebError::Forbidden(ctx.t("error_not_allowed")));
        }
        st.portal
            .delete_register_entry(&session.viewer, &id)
            .await?;
        let to = st
            .portal
            .show_publisher(&e.publisher_id)
            .map(|p| format!("/organization/{}/register?saved=1", segment(&p.name)))
            .unwrap_or_else(|_| "/register?saved=1".into());
        Ok::<_, WebError>(see_other(&ctx, &to))
    }
    .await;
    st.respond(&ctx, r)
}
