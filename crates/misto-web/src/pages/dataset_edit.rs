//! `/dataset/new`, `/dataset/{dataset}/edit` and `/dataset/{dataset}/delete`:
//! the passport form with a hint for every field, errors next to the
//! fields, optimistic concurrency through the `metadata_modified` the form
//! was read at, and deletion after a confirmation page.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::ActionError;
use misto_actions::datasets::{DatasetInput, Expect, ResourceInput};
use misto_core::auth::can_edit_dataset;
use misto_core::{Dataset, DatasetState, UpdateFrequency};
use serde::Serialize;

use super::forms::{Choice, Errors, Form, check_post, edit_post, require_login};
use super::{dataset_title, group_title, publisher_title};
use crate::AppState;
use crate::i18n::Lang;
use crate::render::{Ctx, Meta, WebError, see_other, segment};
use crate::session::Session;

/// Text fields of the form, in order, with their input kind.
const TEXT_FIELDS: &[(&str, &str)] = &[
    ("title", "text"),
    ("title_en", "text"),
    ("name", "text"),
    ("notes", "textarea"),
    ("notes_en", "textarea"),
    ("tags", "tags"),
    ("purpose_of_collecting_information", "textarea"),
    ("maintainer", "text"),
    ("maintainer_email", "email"),
    ("resolution_835_item", "text"),
    ("spatial_katottg", "text"),
    ("temporal_start", "date"),
    ("temporal_end", "date"),
    ("data_updated", "date"),
];

/// Every field that has a place in the form (errors of others go on top).
const FORM_FIELDS: &[&str] = &[
    "title",
    "title_en",
    "name",
    "notes",
    "notes_en",
    "tags",
    "purpose_of_collecting_information",
    "maintainer",
    "maintainer_email",
    "resolution_835_item",
    "spatial_katottg",
    "temporal_start",
    "temporal_end",
    "data_updated",
    "owner_org",
    "update_frequency",
    "license_id",
    "language",
    "groups",
    "state",
    "private",
];

const REQUIRED: &[&str] = &["title", "notes", "owner_org", "update_frequency"];

#[derive(Serialize)]
struct TextField {
    name: &'static str,
    kind: &'static str,
    value: String,
    required: bool,
}

#[derive(Serialize)]
struct FormView {
    heading: String,
    action: String,
    is_new: bool,
    dataset_url: Option<String>,
    delete_url: Option<String>,
    resources_url: Option<String>,
    fields: Vec<TextField>,
    publishers: Vec<Choice>,
    frequencies: Vec<Choice>,
    licences: Vec<Choice>,
    languages: Vec<Choice>,
    states: Vec<Choice>,
    themes: Vec<Choice>,
    /// The items of the Resolution 835 list in force (the legal basis).
    items_835: Vec<Choice>,
    private: bool,
    metadata_modified: String,
    errors: Errors,
    summary: Vec<(String, String)>,
    conflict: bool,
}

/// The values a form shows: from a dataset, or as the user sent them.
#[derive(Default)]
struct Values {
    text: BTreeMap<&'static str, String>,
    owner_org: String,
    update_frequency: String,
    license_id: String,
    language: String,
    state: String,
    groups: Vec<String>,
    private: bool,
    metadata_modified: String,
}

fn values_of(ix_groups: &[(String, String)], d: &Dataset) -> Values {
    let date = |x: Option<chrono::NaiveDate>| x.map(|d| d.to_string()).unwrap_or_default();
    let mut text = BTreeMap::new();
    for (f, _) in TEXT_FIELDS {
        let v = match *f {
            "title" => d.title.clone(),
            "title_en" => d.title_en.clone().unwrap_or_default(),
            "name" => d.name.clone(),
            "notes" => d.notes.clone(),
            "notes_en" => d.notes_en.clone().unwrap_or_default(),
            "tags" => d.tags.join(", "),
            "purpose_of_collecting_information" => d
                .purpose_of_collecting_information
                .clone()
                .unwrap_or_default(),
            "maintainer" => d.maintainer.clone().unwrap_or_default(),
            "maintainer_email" => d.maintainer_email.clone().unwrap_or_default(),
            "resolution_835_item" => d.resolution_835_item.clone().unwrap_or_default(),
            "spatial_katottg" => d.spatial_katottg.clone().unwrap_or_default(),
            "temporal_start" => date(d.temporal_start),
            "temporal_end" => date(d.temporal_end),
            "data_updated" => d
                .data_updated
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default(),
            _ => String::new(),
        };
        text.insert(*f, v);
    }
    Values {
        text,
        owner_org: d.owner_org.clone(),
        update_frequency: d
            .update_frequency
            .map(|f| f.as_str().to_string())
            .unwrap_or_default(),
        license_id: d.license_id.clone(),
        language: d.language.clone(),
        state: d.state.as_str().to_string(),
        groups: ix_groups
            .iter()
            .filter(|(id, _)| d.groups.contains(id))
            .map(|(_, name)| name.clone())
            .collect(),
        private: d.private,
        metadata_modified: misto_core::time::to_micros(&d.metadata_modified).to_string(),
    }
}

fn values_from_form(form: &Form) -> Values {
    let mut text = BTreeMap::new();
    for (f, _) in TEXT_FIELDS {
        text.insert(*f, form.get(f).to_string());
    }
    Values {
        text,
        owner_org: form.get("owner_org").to_string(),
        update_frequency: form.get("update_frequency").to_string(),
        license_id: form.get("license_id").to_string(),
        language: form.get("language").to_string(),
        state: form.get("state").to_string(),
        groups: form.all("groups"),
        private: form.has("private"),
        metadata_modified: form.get("metadata_modified").to_string(),
    }
}

fn theme_list(st: &AppState) -> Vec<(String, String)> {
    st.portal
        .list_groups()
        .into_iter()
        .map(|g| (g.id, g.name))
        .collect()
}

fn render_form(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    existing: Option<&Dataset>,
    values: Values,
    errors: Errors,
    conflict: bool,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let v = &session.viewer;
    let mut publishers: Vec<Choice> = st
        .portal
        .list_publishers()
        .into_iter()
        .filter(|p| v.can_edit_in(&p.id))
        .map(|p| Choice {
            selected: values.owner_org == p.id || values.owner_org == p.name,
            label: publisher_title(lang, &p),
            value: p.id,
        })
        .collect();
    publishers.sort_by(|a, b| a.label.cmp(&b.label));
    let frequencies = UpdateFrequency::ALL
        .iter()
        .map(|f| Choice {
            value: f.as_str().to_string(),
            label: match lang {
                Lang::Uk => f.label_uk(),
                Lang::En => f.label_en(),
            }
            .to_string(),
            selected: values.update_frequency == f.as_str(),
        })
        .collect();
    let licence_id = if values.license_id.is_empty() {
        misto_core::license::DEFAULT_LICENSE_ID.to_string()
    } else {
        values.license_id.clone()
    };
    let licences = misto_core::license::all()
        .iter()
        .filter(|l| l.is_open() || l.id == licence_id)
        .map(|l| Choice {
            value: l.id.to_string(),
            label: match lang {
                Lang::Uk => l.title_uk,
                Lang::En => l.title,
            }
            .to_string(),
            selected: l.id == licence_id,
        })
        .collect();
    let language = if values.language.is_empty() {
        "ua"
    } else {
        values.language.as_str()
    };
    let languages = [("ua", "language_uk"), ("en", "language_en")]
        .iter()
        .map(|(code, key)| Choice {
            value: code.to_string(),
            label: ctx.t(key),
            selected: language == *code || (language == "uk" && *code == "ua"),
        })
        .collect();
    let state = if values.state.is_empty() {
        "active"
    } else {
        values.state.as_str()
    };
    let states = [
        ("active", "state_active_option"),
        ("draft", "state_draft_option"),
    ]
    .iter()
    .map(|(code, key)| Choice {
        value: code.to_string(),
        label: ctx.t(key),
        selected: state == *code,
    })
    .collect();
    let themes = st
        .portal
        .list_groups()
        .iter()
        .map(|g| Choice {
            value: g.name.clone(),
            label: group_title(lang, g),
            selected: values.groups.contains(&g.name) || values.groups.contains(&g.id),
        })
        .collect();
    let fields = TEXT_FIELDS
        .iter()
        .map(|(name, kind)| TextField {
            name,
            kind,
            value: values.text.get(name).cloned().unwrap_or_default(),
            required: REQUIRED.contains(name),
        })
        .collect();
    let mut summary = Vec::new();
    for f in FORM_FIELDS {
        if let Some(msgs) = errors.fields.get(*f) {
            for m in msgs {
                summary.push((
                    format!("#f-{f}"),
                    format!("{}: {m}", ctx.t(&format!("form_{f}"))),
                ));
            }
        }
    }
    let (heading, action) = match existing {
        Some(d) => (
            format!("{}: {}", ctx.t("form_edit_heading"), dataset_title(lang, d)),
            format!("/dataset/{}/edit", segment(&d.name)),
        ),
        None => (ctx.t("form_new_heading"), "/dataset/new".to_string()),
    };
    let items_835 = {
        let current = values
            .text
            .get("resolution_835_item")
            .cloned()
            .unwrap_or_default();
        let list = st.portal.resolution835_list();
        let mut out = vec![Choice {
            value: String::new(),
            label: ctx.t("register_none"),
            selected: current.is_empty(),
        }];
        if !current.is_empty() && list.find(&current).is_none() {
            // An item no longer on the list stays visible until changed.
            out.push(Choice {
                value: current.clone(),
                label: current.clone(),
                selected: true,
            });
        }
        out.extend(list.items.iter().map(|i| {
            let name = i.name(ctx.lang == Lang::En);
            let name = match name.char_indices().nth(100) {
                Some((cut, _)) => format!("{}…", &name[..cut]),
                None => name.to_string(),
            };
            Choice {
                selected: i.id == current,
                label: format!("{}: {name}", i.id),
                value: i.id.clone(),
            }
        }));
        out
    };
    let view = FormView {
        items_835,
        heading,
        action,
        is_new: existing.is_none(),
        dataset_url: existing.map(|d| format!("/dataset/{}", segment(&d.name))),
        delete_url: existing.map(|d| format!("/dataset/{}/delete", segment(&d.name))),
        resources_url: existing.map(|d| format!("/dataset/{}/resources", segment(&d.name))),
        fields,
        publishers,
        frequencies,
        licences,
        languages,
        states,
        themes,
        private: values.private,
        metadata_modified: values.metadata_modified,
        summary,
        conflict,
        errors,
    };
    let status = if view.errors.is_empty() && !conflict {
        StatusCode::OK
    } else if conflict {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = view.heading.clone();
    st.page_with_status(
        ctx,
        status,
        "dataset_form.html",
        Meta::new(&title, "dashboard"),
        &view,
    )
}

/// The dataset a signed-in person may edit (404 when they may not read it,
/// 403 when they may read but not edit it).
pub fn editable(
    st: &AppState,
    ctx: &Ctx,
    session: &Session,
    name: &str,
) -> Result<Arc<Dataset>, WebError> {
    let d = st.portal.show_dataset(&session.viewer, name)?;
    if !can_edit_dataset(&session.viewer, &d) || d.state == DatasetState::Deleted {
        return Err(WebError::Forbidden(ctx.t("error_not_allowed")));
    }
    Ok(d)
}

pub async fn new_form(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut values = Values::default();
    // One publisher to choose from: choose it.
    let mine: Vec<String> = st
        .portal
        .list_publishers()
        .into_iter()
        .filter(|p| session.viewer.can_edit_in(&p.id))
        .map(|p| p.id)
        .collect();
    if let [only] = mine.as_slice() {
        values.owner_org = only.clone();
    }
    values.state = "active".into();
    let r = render_form(&st, &ctx, session, None, values, Errors::default(), false);
    st.respond(&ctx, r)
}

pub async fn edit_form(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = match editable(&st, &ctx, session, &name) {
        Ok(d) => {
            let values = values_of(&theme_list(&st), &d);
            render_form(
                &st,
                &ctx,
                session,
                Some(&d),
                values,
                Errors::default(),
                false,
            )
        }
        Err(e) => Err(e),
    };
    st.respond(&ctx, r)
}

/// The input a form describes; fields the form does not show are kept
/// from `base`.
fn input_from(form: &Form, base: Option<&Dataset>, name: String) -> DatasetInput {
    let tags = form
        .get("tags")
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let resources = base.map(|b| {
        b.resources
            .iter()
            .map(|r| ResourceInput {
                id: Some(r.id.clone()),
                name: Some(r.name.clone()),
                description: Some(r.description.clone()),
                url: Some(r.url.clone()),
                format: Some(r.format.clone()),
                mimetype: r.mimetype.clone(),
                size: r.size,
                hash: r.hash.clone(),
                compress_format: r.compress_format.clone(),
                last_modified: None,
                created: None,
                extras: r.extras.clone(),
            })
            .collect()
    });
    DatasetInput {
        id: None,
        name,
        title: form.opt("title"),
        title_en: form.opt("title_en"),
        notes: Some(form.get("notes").trim().to_string()),
        notes_en: form.opt("notes_en"),
        owner_org: form.opt("owner_org"),
        private: form.has("private"),
        state: form.opt("state"),
        license_id: form.opt("license_id"),
        author: base.and_then(|b| b.author.clone()),
        author_email: base.and_then(|b| b.author_email.clone()),
        maintainer: form.opt("maintainer"),
        maintainer_email: form.opt("maintainer_email"),
        url: base.and_then(|b| b.url.clone()),
        version: base.and_then(|b| b.version.clone()),
        tags,
        groups: form.all("groups"),
        language: form.opt("language"),
        update_frequency: form.opt("update_frequency"),
        purpose_of_collecting_information: form.opt("purpose_of_collecting_information"),
        resolution_835_item: form.opt("resolution_835_item"),
        spatial_katottg: form.opt("spatial_katottg"),
        temporal_start: form.opt("temporal_start"),
        temporal_end: form.opt("temporal_end"),
        data_updated: data_updated(form.opt("data_updated"), base.and_then(|b| b.data_updated)),
        extras: base.map(|b| b.extras.clone()).unwrap_or_default(),
        resources,
    }
}

/// The form shows only the date of `data_updated`: an unchanged date keeps
/// the stored time of day, so saving the form does not move it to midnight.
fn data_updated(field: Option<String>, stored: Option<misto_core::Timestamp>) -> Option<String> {
    match (field, stored) {
        (Some(v), Some(t)) if t.date_naive().to_string() == v => {
            Some(misto_core::time::ckan_format(&t))
        }
        (field, _) => field,
    }
}

fn required_errors(ctx: &Ctx, form: &Form) -> Errors {
    let mut errors = Errors::default();
    for f in REQUIRED {
        if form.get(f).trim().is_empty() {
            errors.add(f, ctx.t("error_required"));
        }
    }
    errors
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
    let mut errors = required_errors(&ctx, &form);
    let name = match form.opt("name") {
        Some(n) => n,
        None => misto_core::names::slugify(form.get("title")),
    };
    if errors.is_empty() {
        let input = input_from(&form, None, name);
        match st.portal.create_dataset(&session.viewer, input).await {
            Ok(d) => {
                return see_other(
                    &ctx,
                    &format!("/dataset/{}/resources?saved=1", segment(&d.name)),
                );
            }
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, FORM_FIELDS, e) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    }
    let r = render_form(
        &st,
        &ctx,
        session,
        None,
        values_from_form(&form),
        errors,
        false,
    );
    st.respond(&ctx, r)
}

pub async fn update(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (session, form, current) = match edit_post(&st, &ctx, &body, &name) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(read_at) = form
        .get("metadata_modified")
        .trim()
        .parse::<i64>()
        .ok()
        .map(misto_core::time::from_micros)
    else {
        return st.error_page(&ctx, WebError::BadRequest(ctx.t("error_bad_form")));
    };
    let mut errors = required_errors(&ctx, &form);
    if form.get("name").trim().is_empty() {
        errors.add("name", ctx.t("error_required"));
    }
    let mut conflict = false;
    if errors.is_empty() {
        let input = input_from(&form, Some(&current), form.get("name").trim().to_string());
        match st
            .portal
            .update_dataset(
                &session.viewer,
                &current.id,
                input,
                Expect::Modified(read_at),
            )
            .await
        {
            Ok(d) => {
                // A moderated change waits: the editor goes where it is
                // submitted for review.
                if let Ok(Some(p)) = st.portal.pending_revision(&session.viewer, &d.id).await
                    && p.revision.state == "draft"
                    && p.revision.submitter_id.as_str()
                        == session.viewer.user_id.as_deref().unwrap_or_default()
                {
                    return see_other(&ctx, "/dashboard/review?proposed=1");
                }
                return see_other(&ctx, &format!("/dataset/{}", segment(&d.name)));
            }
            Err(ActionError::Validation(f)) if f.0.contains_key("metadata_modified") => {
                conflict = true;
            }
            Err(e) => {
                if let Err(e) = errors.absorb(&ctx, FORM_FIELDS, e) {
                    return st.error_page(&ctx, e);
                }
            }
        }
    }
    let mut values = values_from_form(&form);
    if conflict {
        // Keep what the user typed; the page links the current version.
        values.metadata_modified = form.get("metadata_modified").to_string();
    }
    let r = render_form(&st, &ctx, session, Some(&current), values, errors, conflict);
    st.respond(&ctx, r)
}

#[derive(Serialize)]
pub struct ConfirmView {
    pub heading: String,
    pub text: String,
    pub action: String,
    pub button: String,
    pub cancel_url: String,
}

pub async fn delete_form(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = editable(&st, &ctx, session, &name).and_then(|d| {
        let view = ConfirmView {
            heading: ctx.t("delete_dataset_heading"),
            text: ctx
                .t("delete_dataset_text")
                .replace("{title}", &dataset_title(ctx.lang, &d)),
            action: format!("/dataset/{}/delete", segment(&d.name)),
            button: ctx.t("delete_button"),
            cancel_url: format!("/dataset/{}", segment(&d.name)),
        };
        let title = view.heading.clone();
        st.page(&ctx, "confirm.html", Meta::new(&title, "dashboard"), &view)
    });
    st.respond(&ctx, r)
}

pub async fn delete(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (session, _, d) = match edit_post(&st, &ctx, &body, &name) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match st.portal.delete_or_propose(&session.viewer, &d.id).await {
        Ok(false) => see_other(&ctx, "/dashboard"),
        // Moderated: the deletion waits for an admin, listed for review.
        Ok(true) => see_other(&ctx, "/dashboard/review?proposed=1"),
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::data_updated;

    #[test]
    fn an_unchanged_date_keeps_the_stored_time_of_day() {
        let d = misto_core::time::parse_datetime("2026-03-04T15:16:17.123456");
        assert_eq!(
            data_updated(Some("2026-03-04".into()), d).as_deref(),
            Some("2026-03-04T15:16:17.123456")
        );
        assert_eq!(
            data_updated(Some("2026-03-05".into()), d).as_deref(),
            Some("2026-03-05")
        );
        assert_eq!(data_updated(None, d), None);
        assert_eq!(
            data_updated(Some("2026-03-04".into()), None).as_deref(),
            Some("2026-03-04")
        );
    }
}
