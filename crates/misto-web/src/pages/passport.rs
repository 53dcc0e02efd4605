//! `/dataset/{dataset}/passport`: the Resolution 835 passport of a dataset
//! as a document to read and print, the way data.gov.ua shows it: the 15
//! fields of the Положення in their order with their full names, then the
//! publisher, licence, themes and the other fields misto keeps. The JSON
//! twin is `/dataset/{dataset}/passport.json` (misto-interop). A dataset
//! the viewer may not read is "not found" here too (`show_dataset`).

use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;

use super::{
    Link, dataset_title, dataset_url, formats, group_title, group_url, publisher_title,
    publisher_url, viewer,
};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::markdown;
use crate::render::{Ctx, Meta, WebError, query_string, segment};

#[derive(Serialize)]
struct PassportView {
    title: String,
    dataset_url: String,
    json_url: String,
    generated: String,
    /// Shown when the dataset is not public (its editors may read it).
    not_public: Option<String>,
    fields: Vec<Field>,
    other: Vec<Field>,
}

/// One line of the passport. `html` is rendered Markdown (the description);
/// otherwise `text` and `links`.
#[derive(Serialize)]
struct Field {
    number: Option<u8>,
    label: String,
    text: String,
    html: Option<String>,
    links: Vec<Link>,
}

impl Field {
    fn text(number: Option<u8>, label: String, text: String) -> Self {
        Field {
            number,
            label,
            text,
            html: None,
            links: vec![],
        }
    }
}

fn language_names(ctx: &Ctx, codes: &str) -> String {
    codes
        .split([',', ';'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| match c.to_ascii_lowercase().as_str() {
            "ua" | "uk" => ctx.t("language_uk"),
            "en" => ctx.t("language_en"),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn passport(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let r = build(&st, &ctx, &name).await;
    st.respond(&ctx, r)
}

/// The absolute form of a link from a page of this site.
fn absolute(site: &str, url: String) -> String {
    if url.starts_with('/') {
        format!("{site}{url}")
    } else {
        url
    }
}

async fn build(st: &AppState, ctx: &Ctx, name: &str) -> Result<Response, WebError> {
    let portal = &st.portal;
    let v = viewer(ctx);
    let lang = ctx.lang;
    let d = portal.show_dataset(&v, name)?;
    let site = portal.config().site_url.trim_end_matches('/').to_string();
    let dash = || "—".to_string();
    let or_dash = |s: String| if s.trim().is_empty() { dash() } else { s };

    let mut fields = vec![
        Field::text(Some(1), ctx.t("pp_f1"), d.id.clone()),
        Field::text(Some(2), ctx.t("pp_f2"), {
            let mut t = d.title.clone();
            if let Some(en) = d.title_en.as_deref().filter(|s| !s.trim().is_empty()) {
                t = format!("{t} / {en}");
            }
            t
        }),
        Field {
            number: Some(3),
            label: ctx.t("pp_f3"),
            text: String::new(),
            html: Some(if d.notes.trim().is_empty() {
                dash()
            } else {
                markdown::render(lang.pick(&d.notes, d.notes_en.as_deref()))
            }),
            links: vec![],
        },
        Field::text(
            Some(4),
            ctx.t("pp_f4"),
            or_dash(language_names(ctx, &d.language)),
        ),
        Field::text(Some(5), ctx.t("pp_f5"), or_dash(formats(&d).join(", "))),
    ];
    let mut compression: Vec<String> = Vec::new();
    for c in d
        .active_resources()
        .filter_map(|r| r.compress_format.as_deref())
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
    {
        if !compression.contains(&c) {
            compression.push(c);
        }
    }
    fields.push(Field::text(
        Some(6),
        ctx.t("pp_f6"),
        if compression.is_empty() {
            ctx.t("passport_no_compression")
        } else {
            compression.join(", ")
        },
    ));
    fields.push(Field::text(
        Some(7),
        ctx.t("pp_f7"),
        i18n::datetime(lang, &d.metadata_created),
    ));
    fields.push(Field::text(
        Some(8),
        ctx.t("pp_f8"),
        i18n::datetime(lang, &d.metadata_modified),
    ));
    fields.push(Field::text(
        Some(9),
        ctx.t("pp_f9"),
        i18n::date(lang, &d.data_last_updated()),
    ));
    fields.push(Field::text(
        Some(10),
        ctx.t("pp_f10"),
        d.update_frequency
            .map(|f| match lang {
                Lang::Uk => f.label_uk().to_string(),
                Lang::En => f.label_en().to_string(),
            })
            .unwrap_or_else(dash),
    ));
    fields.push(Field::text(
        Some(11),
        ctx.t("pp_f11"),
        or_dash(d.tags.join(", ")),
    ));
    let mut data_links: Vec<Link> = d
        .active_resources()
        .filter_map(|r| {
            super::dataset::download_url(&d, r).map(|u| Link {
                label: if r.name.trim().is_empty() {
                    r.format.clone()
                } else {
                    r.name.clone()
                },
                url: absolute(&site, u),
            })
        })
        .collect();
    data_links.push(Link {
        url: format!(
            "{site}/api/3/action/package_show{}",
            query_string([("id", d.name.as_str())])
        ),
        label: ctx.t("passport_api"),
    });
    fields.push(Field {
        number: Some(12),
        label: ctx.t("pp_f12"),
        text: String::new(),
        html: None,
        links: data_links,
    });
    let mut structure = Vec::new();
    if matches!(portal.dataset_structure(&v, &d.id).await, Ok(Some(_))) {
        structure.push(Link {
            url: format!("{site}{}/structure.json", dataset_url(&d)),
            label: ctx.t("pp_structure_file"),
        });
        structure.push(Link {
            url: format!("{site}{}/structure.csv", dataset_url(&d)),
            label: ctx.t("quality_structure_csv"),
        });
    }
    structure.push(Link {
        url: format!("{site}{}/datapackage.json", dataset_url(&d)),
        label: ctx.t("pp_datapackage"),
    });
    fields.push(Field {
        number: Some(13),
        label: ctx.t("pp_f13"),
        text: String::new(),
        html: None,
        links: structure,
    });
    fields.push(Field {
        number: Some(14),
        label: ctx.t("pp_f14"),
        text: or_dash(d.maintainer.clone().unwrap_or_default()),
        html: None,
        links: d
            .maintainer_email
            .iter()
            .map(|e| e.trim())
            .filter(|e| e.contains('@'))
            .map(|e| Link {
                url: format!("mailto:{e}"),
                label: e.to_string(),
            })
            .collect(),
    });
    fields.push(Field::text(
        Some(15),
        ctx.t("pp_f15"),
        or_dash(
            d.purpose_of_collecting_information
                .clone()
                .unwrap_or_default(),
        ),
    ));

    // What data.gov.ua shows beside the 15 fields.
    let mut other = Vec::new();
    let (publisher, themes) = portal.catalog().read(|ix| {
        let p = ix.publisher(&d.owner_org).cloned();
        let themes: Vec<Link> = d
            .groups
            .iter()
            .filter_map(|g| ix.group(g))
            .map(|g| Link {
                url: group_url(g),
                label: group_title(lang, g),
            })
            .collect();
        (p, themes)
    });
    if let Some(p) = &publisher {
        other.push(Field {
            number: None,
            label: ctx.t("dataset_publisher"),
            text: p
                .edrpou
                .as_deref()
                .filter(|c| !c.trim().is_empty())
                .map(|c| format!("{}: {c}", ctx.t("pp_edrpou")))
                .unwrap_or_default(),
            html: None,
            links: vec![Link {
                url: publisher_url(p),
                label: publisher_title(lang, p),
            }],
        });
    }
    let licence = misto_core::license::find(&d.license_id);
    other.push(Field {
        number: None,
        label: ctx.t("dataset_licence"),
        text: if licence.is_some_and(|l| !l.url.is_empty()) {
            String::new()
        } else {
            licence
                .map(|l| match lang {
                    Lang::Uk => l.title_uk.to_string(),
                    Lang::En => l.title.to_string(),
                })
                .unwrap_or_else(|| d.license_id.clone())
        },
        html: None,
        links: licence
            .filter(|l| !l.url.is_empty())
            .map(|l| Link {
                url: l.url.to_string(),
                label: match lang {
                    Lang::Uk => l.title_uk.to_string(),
                    Lang::En => l.title.to_string(),
                },
            })
            .into_iter()
            .collect(),
    });
    other.push(Field {
        number: None,
        label: ctx.t("dataset_themes"),
        text: if themes.is_empty() {
            dash()
        } else {
            String::new()
        },
        html: None,
        links: themes,
    });
    if let Some(item) = d
        .resolution_835_item
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        other.push(Field::text(
            None,
            ctx.t("passport_835_item"),
            item.to_string(),
        ));
    }
    if let Some(k) = d
        .spatial_katottg
        .as_deref()
        .filter(|s| !s.trim().is_empty())
    {
        other.push(Field::text(None, ctx.t("passport_spatial"), k.to_string()));
    }
    if d.temporal_start.is_some() || d.temporal_end.is_some() {
        let fmt =
            |x: Option<chrono::NaiveDate>| x.map(|x| i18n::naive_date(lang, x)).unwrap_or_default();
        other.push(Field::text(
            None,
            ctx.t("passport_temporal"),
            format!("{} — {}", fmt(d.temporal_start), fmt(d.temporal_end)),
        ));
    }
    if let Some(due) = d.next_update_due() {
        other.push(Field::text(
            None,
            ctx.t("passport_next_due"),
            i18n::date(lang, &due),
        ));
    }
    if let Some(version) = d.version.as_deref().filter(|s| !s.trim().is_empty()) {
        other.push(Field::text(None, ctx.t("pp_version"), version.to_string()));
    }
    other.push(Field::text(
        None,
        ctx.t("pp_page"),
        format!("{site}{}", dataset_url(&d)),
    ));

    let not_public =
        (d.private || d.state != misto_core::DatasetState::Active).then(|| ctx.t("pp_not_public"));
    let view = PassportView {
        title: dataset_title(lang, &d),
        dataset_url: dataset_url(&d),
        json_url: format!("/dataset/{}/passport.json", segment(&d.name)),
        generated: i18n::datetime(lang, &misto_core::time::now()),
        not_public,
        fields,
        other,
    };
    let heading = format!("{} — {}", ctx.t("passport_title_heading"), view.title);
    st.page(ctx, "passport.html", Meta::new(&heading, "dataset"), &view)
}
