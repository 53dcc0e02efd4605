//! `/dataset/{dataset}`: the dataset with its whole Resolution 835 passport,
//! resources, licence, activity and API links. `.ttl`, `.rdf` and `.jsonld`
//! suffixes and RDF `Accept` headers get the RDF document from
//! `misto-interop` instead.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_core::{Dataset, Resource};
use serde::Serialize;

use super::{
    Link, dataset_title, formats, group_title, group_url, publisher_title, publisher_url, viewer,
};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::markdown;
use crate::render::{Ctx, Meta, WebError, query_string, segment};

#[derive(Serialize)]
struct DatasetView {
    title: String,
    name: String,
    description_html: String,
    publisher: Option<Link>,
    themes: Vec<Link>,
    tags: Vec<Link>,
    licence: LicenceView,
    resources: Vec<ResourceRow>,
    passport: Vec<PassportRow>,
    updated: String,
    next_due: Option<String>,
    overdue: bool,
    /// The workspace form, for those who may edit the dataset.
    edit_url: Option<String>,
    resources_url: String,
    activity: Vec<ActivityRow>,
    api: Vec<Link>,
    quality: Option<super::quality::DatasetQualityBox>,
    feedback: super::feedback::FeedbackBlock,
    showcase: Vec<Link>,
    usage: Option<super::usage::DatasetCounts>,
    subscribe: super::subscriptions::SubscribeBox,
}

#[derive(Serialize)]
struct LicenceView {
    title: String,
    url: Option<String>,
    source_url: String,
}

#[derive(Serialize)]
pub struct ResourceRow {
    pub url: String,
    pub name: String,
    pub description: String,
    pub format: String,
    pub size: Option<String>,
    pub updated: String,
    pub download_url: Option<String>,
    pub external: bool,
}

/// One passport line: its number in Resolution 835 (if it is one of the 15),
/// label, and a value as text, links or both.
#[derive(Serialize)]
struct PassportRow {
    number: Option<u8>,
    label: String,
    text: String,
    links: Vec<Link>,
}

#[derive(Serialize)]
struct ActivityRow {
    when: String,
    what: String,
    fields: Vec<String>,
}

/// The link that downloads or opens a resource: our download route for
/// uploads, the remote URL for http(s) links, nothing otherwise.
pub fn download_url(d: &Dataset, r: &Resource) -> Option<String> {
    if r.is_upload() {
        let file = if r.url.trim().is_empty() {
            "file"
        } else {
            r.url.as_str()
        };
        Some(format!(
            "/dataset/{}/resource/{}/download/{}",
            segment(&d.id),
            segment(&r.id),
            segment(file)
        ))
    } else {
        let u = r.url.trim();
        let lower = u.to_ascii_lowercase();
        (lower.starts_with("http://") || lower.starts_with("https://")).then(|| u.to_string())
    }
}

pub fn resource_row(lang: Lang, d: &Dataset, r: &Resource) -> ResourceRow {
    ResourceRow {
        url: format!("/dataset/{}/resource/{}", segment(&d.name), segment(&r.id)),
        name: if r.name.trim().is_empty() {
            r.url.clone()
        } else {
            r.name.clone()
        },
        description: markdown::excerpt(&r.description, 200),
        format: r.format.trim().to_uppercase(),
        size: r.size.map(|s| i18n::size(lang, s)),
        updated: i18n::date(lang, &r.last_modified.unwrap_or(r.created)),
        download_url: download_url(d, r),
        external: !r.is_upload(),
    }
}

fn language_name(ctx: &Ctx, code: &str) -> String {
    match code.trim().to_ascii_lowercase().as_str() {
        "ua" | "uk" => ctx.t("language_uk"),
        "en" => ctx.t("language_en"),
        other => other.to_string(),
    }
}

pub(crate) fn field_label(ctx: &Ctx, field: &str) -> String {
    let key = match field {
        "title" | "title_en" => "passport_title",
        "notes" | "notes_en" => "passport_description",
        "tags" => "passport_keywords",
        "update_frequency" => "passport_frequency",
        "resources" => "dataset_resources",
        "maintainer" | "maintainer_email" => "passport_responsible",
        "purpose_of_collecting_information" => "passport_purpose",
        "data_updated" => "passport_relevance",
        "language" => "passport_language",
        "license_id" => "dataset_licence",
        "groups" => "dataset_themes",
        "owner_org" => "dataset_publisher",
        "private" | "state" => "field_visibility",
        _ => return field.to_string(),
    };
    ctx.t(key)
}

pub async fn dataset(
    State(st): State<AppState>,
    Path(name): Path<String>,
    mut ctx: Ctx,
) -> Response {
    let v = viewer(&ctx);
    for ext in ["ttl", "rdf", "jsonld"] {
        if let Some(base) = name.strip_suffix(&format!(".{ext}")) {
            return rdf(&st, &ctx, base, ext);
        }
    }
    if let Some(format) = misto_interop::negotiate_rdf(&ctx.headers)
        && st.portal.show_dataset(&v, &name).is_ok()
    {
        return rdf(&st, &ctx, &name, format);
    }
    // The feedback form on the page needs a CSRF token before login too.
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = build(&st, &ctx, &name).await;
    st.respond(&ctx, r)
}

fn rdf(st: &AppState, ctx: &Ctx, name: &str, format: &str) -> Response {
    match misto_interop::dataset_document(&st.portal, &viewer(ctx), name, format) {
        Some((content_type, body)) => {
            let mut resp = (StatusCode::OK, body).into_response();
            let h = resp.headers_mut();
            if let Ok(v) = HeaderValue::from_str(content_type) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(header::VARY, HeaderValue::from_static("Accept"));
            resp
        }
        None => st.error_page(ctx, WebError::NotFound),
    }
}

async fn build(st: &AppState, ctx: &Ctx, name: &str) -> Result<Response, WebError> {
    let portal = &st.portal;
    let v = viewer(ctx);
    let lang = ctx.lang;
    let d = portal.show_dataset(&v, name)?;
    let activity = portal.dataset_activity(&v, &d.id, 20, 0).await?;
    let now = misto_core::time::now();
    let site = portal.config().site_url.trim_end_matches('/').to_string();
    let (publisher, themes) = portal.catalog().read(|ix| {
        let publisher = ix.publisher(&d.owner_org).map(|p| Link {
            url: publisher_url(p),
            label: publisher_title(lang, p),
        });
        let themes = d
            .groups
            .iter()
            .filter_map(|g| ix.group(g))
            .map(|g| Link {
                url: group_url(g),
                label: group_title(lang, g),
            })
            .collect::<Vec<_>>();
        (publisher, themes)
    });
    let licence = misto_core::license::find(&d.license_id);
    let licence_title = licence
        .map(|l| match lang {
            Lang::Uk => l.title_uk.to_string(),
            Lang::En => l.title.to_string(),
        })
        .unwrap_or_else(|| d.license_id.clone());
    let resources: Vec<ResourceRow> = d
        .active_resources()
        .map(|r| resource_row(lang, &d, r))
        .collect();
    let tags: Vec<Link> = d
        .tags
        .iter()
        .map(|t| Link {
            url: format!("/dataset{}", query_string([("tags", t.as_str())])),
            label: t.clone(),
        })
        .collect();
    let frequency = d.update_frequency.map(|f| match lang {
        Lang::Uk => f.label_uk().to_string(),
        Lang::En => f.label_en().to_string(),
    });
    let next_due = d.next_update_due().map(|t| i18n::date(lang, &t));
    let page_url = format!("{site}/dataset/{}", segment(&d.name));
    let api_url = format!(
        "{site}/api/3/action/package_show{}",
        query_string([("id", d.name.as_str())])
    );

    let text = |number: Option<u8>, key: &str, text: String| PassportRow {
        number,
        label: ctx.t(key),
        text,
        links: vec![],
    };
    let mut passport = vec![
        text(Some(1), "passport_identifier", d.id.clone()),
        text(Some(2), "passport_title", dataset_title(lang, &d)),
        PassportRow {
            number: Some(3),
            label: ctx.t("passport_description"),
            text: String::new(),
            links: vec![Link {
                url: "#description".into(),
                label: ctx.t("passport_description_see"),
            }],
        },
        text(
            Some(4),
            "passport_language",
            language_name(ctx, &d.language),
        ),
        text(Some(5), "passport_formats", formats(&d).join(", ")),
    ];
    let mut compression: Vec<String> = d
        .active_resources()
        .filter_map(|r| r.compress_format.as_deref())
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    compression.dedup();
    passport.push(text(
        Some(6),
        "passport_compression",
        if compression.is_empty() {
            ctx.t("passport_no_compression")
        } else {
            compression.join(", ")
        },
    ));
    passport.push(text(
        Some(7),
        "passport_first_published",
        i18n::datetime(lang, &d.metadata_created),
    ));
    passport.push(text(
        Some(8),
        "passport_last_changed",
        i18n::datetime(lang, &d.metadata_modified),
    ));
    passport.push(text(
        Some(9),
        "passport_relevance",
        i18n::date(lang, &d.data_last_updated()),
    ));
    if let Some(f) = &frequency {
        passport.push(text(Some(10), "passport_frequency", f.clone()));
    }
    if !d.tags.is_empty() {
        passport.push(text(Some(11), "passport_keywords", d.tags.join(", ")));
    }
    let mut data_links: Vec<Link> = d
        .active_resources()
        .filter_map(|r| {
            download_url(&d, r).map(|u| Link {
                url: if u.starts_with('/') {
                    format!("{site}{u}")
                } else {
                    u
                },
                label: if r.name.trim().is_empty() {
                    r.format.clone()
                } else {
                    r.name.clone()
                },
            })
        })
        .collect();
    data_links.push(Link {
        url: api_url.clone(),
        label: ctx.t("passport_api"),
    });
    passport.push(PassportRow {
        number: Some(12),
        label: ctx.t("passport_links"),
        text: String::new(),
        links: data_links,
    });
    let responsible = [d.maintainer.as_deref(), d.maintainer_email.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>();
    if !responsible.is_empty() {
        passport.push(PassportRow {
            number: Some(14),
            label: ctx.t("passport_responsible"),
            text: d.maintainer.clone().unwrap_or_default(),
            links: d
                .maintainer_email
                .iter()
                .filter(|e| e.contains('@'))
                .map(|e| Link {
                    url: format!("mailto:{}", e.trim()),
                    label: e.trim().to_string(),
                })
                .collect(),
        });
    }
    if let Some(p) = d
        .purpose_of_collecting_information
        .as_deref()
        .filter(|p| !p.trim().is_empty())
    {
        passport.push(text(Some(15), "passport_purpose", p.to_string()));
    }
    if let Some(p) = &publisher {
        passport.push(text(None, "dataset_publisher", p.label.clone()));
    }
    if let Some(item) = d.resolution_835_item.as_deref() {
        passport.push(text(None, "passport_835_item", item.to_string()));
    }
    if let Some(k) = d.spatial_katottg.as_deref() {
        passport.push(text(None, "passport_spatial", k.to_string()));
    }
    if d.temporal_start.is_some() || d.temporal_end.is_some() {
        let fmt =
            |x: Option<chrono::NaiveDate>| x.map(|x| i18n::naive_date(lang, x)).unwrap_or_default();
        passport.push(text(
            None,
            "passport_temporal",
            format!("{} — {}", fmt(d.temporal_start), fmt(d.temporal_end)),
        ));
    }
    if let Some(due) = &next_due {
        passport.push(text(None, "passport_next_due", due.clone()));
    }

    let activity = activity
        .iter()
        .map(|a| ActivityRow {
            when: i18n::datetime(lang, &a.timestamp),
            what: ctx.t(match a.activity_type.as_str() {
                "new package" => "activity_new",
                "deleted package" => "activity_deleted",
                _ => "activity_changed",
            }),
            fields: {
                let mut f: Vec<String> = a
                    .data
                    .get("changes")
                    .and_then(|c| c.as_array())
                    .map(|c| {
                        c.iter()
                            .filter_map(|x| x.get("field").and_then(|f| f.as_str()))
                            .map(|f| field_label(ctx, f))
                            .collect()
                    })
                    .unwrap_or_default();
                f.dedup();
                f
            },
        })
        .collect();

    let quality = super::quality::dataset_box(st, ctx, &d).await;
    if let Some(s) = quality.as_ref().and_then(|q| q.structure.as_ref()) {
        passport.push(PassportRow {
            number: None,
            label: ctx.t("quality_structure_title"),
            text: String::new(),
            links: vec![
                Link {
                    url: s.json_url.clone(),
                    label: "Table Schema (JSON)".into(),
                },
                Link {
                    url: s.csv_url.clone(),
                    label: ctx.t("quality_structure_csv"),
                },
            ],
        });
    }
    let feedback = super::feedback::block(st, ctx, &d).await?;
    let showcase = super::showcase::used_in(st, ctx, &d.id).await?;
    let usage = super::usage::dataset_counts(portal, ctx, &d).await;
    let subscribe = super::subscriptions::SubscribeBox::dataset(&d.name, &dataset_title(lang, &d));
    let view = DatasetView {
        usage,
        subscribe,
        feedback,
        showcase,
        title: dataset_title(lang, &d),
        name: d.name.clone(),
        description_html: markdown::render(lang.pick(&d.notes, d.notes_en.as_deref())),
        publisher,
        themes,
        tags,
        licence: LicenceView {
            title: licence_title,
            url: licence.map(|l| l.url.to_string()).filter(|u| !u.is_empty()),
            source_url: page_url,
        },
        resources,
        passport,
        updated: i18n::date(lang, &d.data_last_updated()),
        next_due,
        overdue: d.is_overdue(now),
        edit_url: misto_core::auth::can_edit_dataset(&super::viewer(ctx), &d)
            .then(|| format!("{}/edit", super::dataset_url(&d))),
        resources_url: format!("{}/resources", super::dataset_url(&d)),
        activity,
        quality,
        api: vec![
            Link {
                url: api_url,
                label: "package_show".into(),
            },
            Link {
                url: format!(
                    "{site}/api/3/action/package_activity_list{}",
                    query_string([("id", d.name.as_str())])
                ),
                label: "package_activity_list".into(),
            },
        ],
    };
    let mut meta = Meta::new(&view.title, "dataset");
    meta.json_ld = misto_interop::schema_org_json_ld(portal, &d.name);
    meta.description = Some(lang.pick(&d.notes, d.notes_en.as_deref()).to_string());
    meta.feed_url = view.subscribe.feed_url.clone();
    st.page(ctx, "dataset.html", meta, &view)
}
