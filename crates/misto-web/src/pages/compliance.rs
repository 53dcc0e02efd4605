//! Resolution 835 compliance: `/compliance` for the council and
//! `/organization/{org}/compliance` (or `/compliance?publisher=x`) for one
//! publisher: every item of the list in force with the public datasets that
//! fulfil it, what is missing and what is overdue, with counts and the CSV
//! and XLSX exports. Sysadmins replace the list by uploading a CSV
//! (`POST /compliance/import`) or go back to the built-in one.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::timeliness::ItemStatus;
use serde::Serialize;

use super::forms::{Choice, Errors, read_file_form, require_login};
use super::{Link, dataset_title, publisher_title, viewer};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError, query_string, see_other, segment};

const STATUSES: [ItemStatus; 3] = [
    ItemStatus::Fulfilled,
    ItemStatus::Overdue,
    ItemStatus::Missing,
];

#[derive(Serialize)]
struct ComplianceView {
    title: String,
    publisher: Option<Link>,
    publishers_choice: Vec<Choice>,
    total: usize,
    fulfilled: usize,
    overdue: usize,
    missing: usize,
    share: String,
    list_note: String,
    filters: Vec<Filter>,
    items: Vec<ItemRow>,
    publishers: Vec<PublisherRow>,
    downloads: Vec<Link>,
    register_url: String,
    /// Sysadmins: the import form.
    import: Option<ImportForm>,
}

#[derive(Serialize)]
struct Filter {
    label: String,
    count: usize,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct ItemRow {
    id: String,
    name: String,
    status: String,
    status_label: String,
    datasets: Vec<DatasetLink>,
}

#[derive(Serialize)]
struct DatasetLink {
    url: String,
    label: String,
    overdue: bool,
}

#[derive(Serialize)]
struct PublisherRow {
    publisher: Link,
    fulfilled: usize,
    overdue: usize,
}

#[derive(Serialize)]
struct ImportForm {
    errors: Errors,
    imported: bool,
    done: bool,
}

fn status_label(ctx: &Ctx, s: ItemStatus) -> String {
    ctx.t(&format!("compliance_status_{}", s.as_str()))
}

/// `/compliance`, `/compliance?publisher=x&status=missing`.
pub async fn page(State(st): State<AppState>, ctx: Ctx) -> Response {
    let publisher = ctx
        .param("publisher")
        .filter(|p| !p.is_empty())
        .map(str::to_string);
    let r = render(&st, &ctx, publisher, Errors::default()).await;
    st.respond(&ctx, r)
}

/// `/organization/{org}/compliance`.
pub async fn for_publisher(
    State(st): State<AppState>,
    Path(org): Path<String>,
    ctx: Ctx,
) -> Response {
    let r = render(&st, &ctx, Some(org), Errors::default()).await;
    st.respond(&ctx, r)
}

async fn render(
    st: &AppState,
    ctx: &Ctx,
    publisher: Option<String>,
    import_errors: Errors,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let publisher = match publisher {
        Some(p) => Some(st.portal.show_publisher(&p)?),
        None => None,
    };
    let status = match ctx.param("status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            STATUSES
                .into_iter()
                .find(|x| x.as_str() == s)
                .ok_or_else(|| WebError::BadRequest(ctx.t("register_bad_status")))?,
        ),
    };
    let now = misto_core::time::now();
    let c = st
        .portal
        .compliance(publisher.as_ref().map(|p| p.id.as_str()), now)?;
    let base = match &publisher {
        Some(p) => format!("/organization/{}/compliance", segment(&p.name)),
        None => "/compliance".to_string(),
    };
    let total = c.items.len();
    let mut filters = vec![Filter {
        label: ctx.t("register_filter_all"),
        count: total,
        url: base.clone(),
        current: status.is_none(),
    }];
    for s in STATUSES {
        filters.push(Filter {
            label: status_label(ctx, s),
            count: c.count(s),
            url: format!("{base}{}", query_string([("status", s.as_str())])),
            current: status == Some(s),
        });
    }
    let items = c
        .items
        .iter()
        .filter(|i| status.is_none_or(|s| i.status == s))
        .map(|i| ItemRow {
            id: i.item.id.clone(),
            name: i.item.name(lang == Lang::En).to_string(),
            status: i.status.as_str().to_string(),
            status_label: status_label(ctx, i.status),
            datasets: i
                .datasets
                .iter()
                .map(|d| DatasetLink {
                    url: format!("/dataset/{}", segment(&d.name)),
                    label: dataset_title(lang, d),
                    overdue: d.is_overdue(now),
                })
                .collect(),
        })
        .collect();
    let mut publishers: Vec<PublisherRow> = if publisher.is_some() {
        Vec::new()
    } else {
        c.by_publisher
            .iter()
            .filter_map(|(id, (ok, late))| {
                let p = st.portal.show_publisher(id).ok()?;
                Some(PublisherRow {
                    publisher: Link {
                        url: format!("/organization/{}/compliance", segment(&p.name)),
                        label: publisher_title(lang, &p),
                    },
                    fulfilled: *ok,
                    overdue: *late,
                })
            })
            .collect()
    };
    publishers.sort_by(|a, b| {
        b.fulfilled
            .cmp(&a.fulfilled)
            .then_with(|| a.publisher.label.cmp(&b.publisher.label))
    });
    let q = publisher
        .as_ref()
        .map(|p| query_string([("organization", p.name.as_str())]))
        .unwrap_or_default();
    let downloads = ["csv", "xlsx"]
        .iter()
        .map(|ext| Link {
            url: format!("/compliance.{ext}{q}"),
            label: ext.to_uppercase(),
        })
        .collect();
    let fulfilled = c.count(ItemStatus::Fulfilled);
    let share = if total == 0 {
        0.0
    } else {
        fulfilled as f64 / total as f64
    };
    let list_note = match &c.list_imported {
        Some(t) => format!(
            "{} {}",
            ctx.t("compliance_list_imported"),
            i18n::date(lang, t)
        ),
        None => ctx.t("compliance_list_builtin"),
    };
    let v = viewer(ctx);
    let mut choices: Vec<Choice> = st
        .portal
        .list_publishers()
        .into_iter()
        .map(|p| Choice {
            selected: publisher.as_ref().is_some_and(|x| x.id == p.id),
            label: publisher_title(lang, &p),
            value: p.name,
        })
        .collect();
    choices.sort_by(|a, b| a.label.cmp(&b.label));
    let title = match &publisher {
        Some(p) => format!(
            "{}: {}",
            ctx.t("compliance_title"),
            publisher_title(lang, p)
        ),
        None => ctx.t("compliance_title"),
    };
    let status_code = if import_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = ComplianceView {
        title,
        publisher: publisher.as_ref().map(|p| Link {
            url: format!("/organization/{}", segment(&p.name)),
            label: publisher_title(lang, p),
        }),
        publishers_choice: choices,
        total,
        fulfilled,
        overdue: c.count(ItemStatus::Overdue),
        missing: c.count(ItemStatus::Missing),
        share: format!("{:.0}%", share * 100.0),
        list_note,
        filters,
        items,
        publishers,
        downloads,
        register_url: match &publisher {
            Some(p) => format!("/organization/{}/register", segment(&p.name)),
            None => "/register".into(),
        },
        import: v.sysadmin.then(|| ImportForm {
            imported: c.list_imported.is_some(),
            done: ctx.param("imported").is_some(),
            errors: import_errors,
        }),
    };
    st.page_with_status(
        ctx,
        status_code,
        "compliance.html",
        Meta::new(&view.title, "organization"),
        &view,
    )
}

/// `POST /compliance/import` (multipart): a sysadmin uploads a new list
/// (`file`), or goes back to the built-in one (`op=reset`).
pub async fn import(State(st): State<AppState>, ctx: Ctx, mp: Multipart) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (form, file) = match read_file_form(&st, &ctx, mp, "file").await {
        Ok(x) => x,
        Err(e) => return st.error_page(&ctx, e),
    };
    let outcome = if form.get("op") == "reset" {
        st.portal.reset_resolution835(&session.viewer).await
    } else {
        match file {
            Some(data) => st.portal.import_resolution835(&session.viewer, &data).await,
            None => Err(misto_actions::ActionError::invalid(
                "upload",
                "Missing value",
            )),
        }
    };
    match outcome {
        Ok(_) => see_other(&ctx, "/compliance?imported=1"),
        Err(e) => {
            let mut errors = Errors::default();
            if let Err(e) = errors.absorb(&ctx, &["upload"], e) {
                return st.error_page(&ctx, e);
            }
            if let Some(msgs) = errors.fields.get_mut("upload") {
                for m in msgs.iter_mut() {
                    *m = import_message(&ctx, m);
                }
            }
            let r = render(&st, &ctx, None, errors).await;
            st.respond(&ctx, r)
        }
    }
}

/// An import problem ("Line 5, column number: ...") in the page's language.
fn import_message(ctx: &Ctx, m: &str) -> String {
    if let Some(rest) = m.strip_prefix("Line ") {
        if let Some((n, rest)) = rest.split_once(", column ")
            && let Some((c, msg)) = rest.split_once(": ")
        {
            let head = ctx
                .t("compliance_import_line")
                .replace("{n}", n)
                .replace("{c}", c);
            let value = msg.split('"').nth(1).unwrap_or("");
            let body = if msg == "missing value" {
                ctx.t("compliance_import_missing")
            } else if msg.ends_with("is listed twice") {
                format!("\"{value}\": {}", ctx.t("compliance_import_twice"))
            } else if msg.contains("is not an item number") {
                format!("\"{value}\": {}", ctx.t("compliance_import_bad_number"))
            } else if msg.contains("national vocabulary") {
                format!("\"{value}\": {}", ctx.t("compliance_import_bad_frequency"))
            } else {
                msg.to_string()
            };
            return format!("{head}: {body}");
        }
        if rest.contains("the header lacks") {
            return ctx.t("compliance_import_header");
        }
    }
    match m {
        "The file has no items" | "The file has no rows" => ctx.t("compliance_import_no_items"),
        other => super::forms::translate(ctx, other),
    }
}
