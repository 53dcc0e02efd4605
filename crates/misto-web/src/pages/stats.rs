//! Key figures of the public catalog (`/stats`): datasets, datasets first
//! published this quarter, per publisher with the share overdue for
//! update; and the kiosk mode (`/kiosk`) for information displays: a
//! full-screen page that shows one slide at a time (figures, publishers,
//! latest news, most-voted requests, then every public dashboard) and
//! moves to the next by itself with fresh data. `static/kiosk.js` fetches
//! the next slide and swaps it in (a failed fetch keeps the slide and tries
//! again, so a network blip never shows an error page on a display) and
//! offers a full-screen button; without JavaScript a `<noscript>` meta
//! refresh moves on. `?dashboard=NAME` shows one dashboard and draws it
//! again every half minute.

use axum::extract::State;
use axum::response::Response;
use misto_actions::Viewer;
use misto_actions::dashboards::KeyFigures;
use misto_search::SearchQuery;
use serde::Serialize;

use super::dashboards::{TileView, tile_views};
use super::{publisher_title, publisher_url};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError, query_string};

#[derive(Serialize, Clone)]
pub struct PublisherFigures {
    url: String,
    title: String,
    datasets: usize,
    overdue: usize,
    overdue_percent: String,
    /// Width of the bar in the chart, 0..=300.
    bar: usize,
}

#[derive(Serialize, Clone)]
pub struct Figures {
    datasets: String,
    this_quarter: String,
    quarter: String,
    publishers: String,
    overdue: String,
    overdue_percent: String,
    downloads_month: String,
    resources: String,
    per_publisher: Vec<PublisherFigures>,
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "0".into()
    } else {
        format!("{:.0}", part as f64 * 100.0 / whole as f64)
    }
}

/// The figures over what the public may read.
pub async fn figures(st: &AppState, lang: Lang) -> Result<Figures, WebError> {
    let key = st.portal.key_figures().await?;
    figures_of(st, lang, &key)
}

/// The figures of `/stats` from the key figures.
fn figures_of(st: &AppState, lang: Lang, key: &KeyFigures) -> Result<Figures, WebError> {
    let now = misto_core::time::now();
    let anon = Viewer::anonymous();
    let mut q = SearchQuery::at(now);
    q.rows = key.datasets;
    q.sort = Some("id asc".into());
    let all = st.portal.search_datasets(&anon, &q)?.results;
    let mut per: Vec<PublisherFigures> = st.portal.catalog().read(|ix| {
        ix.publishers()
            .iter()
            .filter(|p| p.state == misto_core::EntityState::Active)
            .map(|p| {
                let mine: Vec<_> = all.iter().filter(|d| d.owner_org == p.id).collect();
                let late = mine.iter().filter(|d| d.is_overdue(now)).count();
                PublisherFigures {
                    url: publisher_url(p),
                    title: publisher_title(lang, p),
                    datasets: mine.len(),
                    overdue: late,
                    overdue_percent: percent(late, mine.len()),
                    bar: 0,
                }
            })
            .filter(|p| p.datasets > 0)
            .collect()
    });
    per.sort_by(|a, b| {
        b.datasets
            .cmp(&a.datasets)
            .then_with(|| a.title.cmp(&b.title))
    });
    let top = per.first().map_or(1, |p| p.datasets.max(1));
    for p in &mut per {
        p.bar = p.datasets * 300 / top;
    }
    Ok(Figures {
        datasets: i18n::int(lang, key.datasets as u64),
        this_quarter: i18n::int(lang, key.datasets_quarter as u64),
        quarter: key.quarter.clone(),
        publishers: i18n::int(lang, per.len() as u64),
        overdue: i18n::int(lang, key.overdue as u64),
        overdue_percent: percent(key.overdue, key.datasets),
        downloads_month: i18n::int(lang, key.downloads_month.max(0) as u64),
        resources: i18n::int(lang, key.resources as u64),
        per_publisher: per,
    })
}

#[derive(Serialize)]
struct StatsView {
    figures: Figures,
}

/// `GET /stats`.
pub async fn stats(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = figures(&st, ctx.lang).await.and_then(|figures| {
        let title = ctx.t("eng_stats_title");
        st.page(
            &ctx,
            "stats.html",
            Meta::new(&title, "stats"),
            &StatsView { figures },
        )
    });
    st.respond(&ctx, r)
}

/// The slides of the catalog's figures, before the public dashboards.
const BASE_SLIDES: usize = 4;
/// Seconds a slide stays.
const SLIDE_SECONDS: u32 = 20;
/// Seconds before a single dashboard (`?dashboard=`) is drawn again.
const DASHBOARD_SECONDS: u32 = 30;

#[derive(Serialize)]
struct KioskDashboard {
    title: String,
    tiles: Vec<TileView>,
}

#[derive(Serialize)]
struct KioskView {
    slide: usize,
    slides: usize,
    next_url: String,
    seconds: u32,
    figures: Figures,
    news: Vec<super::news::NewsCard>,
    requests: Vec<super::requests::RequestRow>,
    updated: String,
    /// The dashboard of this slide (or the one asked for).
    dashboard: Option<KioskDashboard>,
    /// `?dashboard=`: one dashboard, refreshed in place.
    single: bool,
    script_url: String,
    ds_css: String,
    dash_css: String,
}

/// `GET /kiosk?slide=N` (the figures, publishers, news and requests, then
/// one slide per public dashboard) or `GET /kiosk?dashboard=NAME` (one
/// dashboard, drawn again every half minute).
pub async fn kiosk(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let lang = ctx.lang.code();
        let key = st.portal.key_figures().await?;
        let (slide, slides, next_url, seconds, dashboard, single) =
            match ctx.param("dashboard").filter(|d| !d.is_empty()) {
                Some(name) => {
                    let v = super::viewer(&ctx);
                    let d = st.portal.show_dashboard(&v, name).await?;
                    let tiles = tile_views(&st, &ctx, &v, &d, &key, "k-").await;
                    let view = KioskDashboard {
                        title: ctx
                            .lang
                            .pick(&d.title, Some(d.title_en.as_str()))
                            .to_string(),
                        tiles,
                    };
                    let next = format!(
                        "/kiosk{}",
                        query_string([("dashboard", d.name.as_str()), ("lang", lang)])
                    );
                    (0, 1, next, DASHBOARD_SECONDS, Some(view), true)
                }
                None => {
                    // The display is public: public dashboards, drawn for anyone.
                    let anon = Viewer::anonymous();
                    let public = st.portal.list_dashboards(&anon).await?;
                    let slides = BASE_SLIDES + public.len();
                    let slide = ctx
                        .param("slide")
                        .and_then(|s| s.parse::<usize>().ok())
                        .filter(|s| *s < slides)
                        .unwrap_or(0);
                    let dashboard = match slide.checked_sub(BASE_SLIDES) {
                        Some(i) => {
                            let d = &public[i];
                            Some(KioskDashboard {
                                title: ctx
                                    .lang
                                    .pick(&d.title, Some(d.title_en.as_str()))
                                    .to_string(),
                                tiles: tile_views(&st, &ctx, &anon, d, &key, "k-").await,
                            })
                        }
                        None => None,
                    };
                    let next = format!("/kiosk?slide={}&lang={lang}", (slide + 1) % slides);
                    (slide, slides, next, SLIDE_SECONDS, dashboard, false)
                }
            };
        let figures = figures_of(&st, ctx.lang, &key)?;
        let news = super::news::latest(&st, ctx.lang, 4).await?;
        let requests = st
            .portal
            .list_requests(&Viewer::anonymous(), 5, 0)
            .await?
            .iter()
            .map(|r| super::requests::row(&st, &ctx, r))
            .collect();
        let title = dashboard
            .as_ref()
            .map(|d| d.title.clone())
            .unwrap_or_else(|| ctx.t("eng_kiosk_title"));
        let view = KioskView {
            slide,
            slides,
            next_url,
            seconds,
            figures,
            news,
            requests,
            updated: i18n::datetime(ctx.lang, &misto_core::time::now()),
            dashboard,
            single,
            script_url: st.templates.static_url("kiosk.js"),
            ds_css: st.templates.static_url("datastore.css"),
            dash_css: st.templates.static_url("dashboards.css"),
        };
        st.page(&ctx, "kiosk.html", Meta::new(&title, "stats"), &view)
    }
    .await;
    st.respond(&ctx, r)
}
