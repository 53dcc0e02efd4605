//! Key figures of the public catalog (`/stats`): datasets, datasets first
//! published this quarter, per publisher with the share overdue for
//! update; and the kiosk mode (`/kiosk`) for information displays: a
//! full-screen page that shows one slide at a time (figures, publishers,
//! latest news, most-voted requests) and moves to the next and reloads
//! its data by itself (`<meta http-equiv="refresh">`, no JavaScript).

use axum::extract::State;
use axum::response::Response;
use chrono::Datelike;
use misto_actions::Viewer;
use misto_search::SearchQuery;
use serde::Serialize;

use super::{publisher_title, publisher_url};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError};

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
pub fn figures(st: &AppState, lang: Lang) -> Result<Figures, WebError> {
    let now = misto_core::time::now();
    let anon = Viewer::anonymous();
    let mut q = SearchQuery::at(now);
    q.rows = 0;
    let count = st.portal.search_datasets(&anon, &q)?.count;
    q.rows = count;
    q.sort = Some("id asc".into());
    let all = st.portal.search_datasets(&anon, &q)?.results;
    let quarter = (now.month0() / 3) as i32;
    let in_quarter = |d: &misto_core::Dataset| {
        d.metadata_created.year() == now.year()
            && (d.metadata_created.month0() / 3) as i32 == quarter
    };
    let this_quarter = all.iter().filter(|d| in_quarter(d)).count();
    let overdue = all.iter().filter(|d| d.is_overdue(now)).count();
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
        datasets: i18n::int(lang, count as u64),
        this_quarter: i18n::int(lang, this_quarter as u64),
        quarter: format!("{} Q{}", now.year(), quarter + 1),
        publishers: i18n::int(lang, per.len() as u64),
        overdue: i18n::int(lang, overdue as u64),
        overdue_percent: percent(overdue, count),
        per_publisher: per,
    })
}

#[derive(Serialize)]
struct StatsView {
    figures: Figures,
}

/// `GET /stats`.
pub async fn stats(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = figures(&st, ctx.lang).and_then(|figures| {
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

/// The slides of the kiosk, in order.
const SLIDES: usize = 4;
/// Seconds a slide stays.
const SLIDE_SECONDS: u32 = 20;

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
}

/// `GET /kiosk?slide=N`.
pub async fn kiosk(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let slide = ctx
            .param("slide")
            .and_then(|s| s.parse::<usize>().ok())
            .filter(|s| *s < SLIDES)
            .unwrap_or(0);
        let figures = figures(&st, ctx.lang)?;
        let news = super::news::latest(&st, ctx.lang, 4).await?;
        let requests = st
            .portal
            .list_requests(&Viewer::anonymous(), 5, 0)
            .await?
            .iter()
            .map(|r| super::requests::row(&st, &ctx, r))
            .collect();
        let view = KioskView {
            slide,
            slides: SLIDES,
            next_url: format!(
                "/kiosk?slide={}&lang={}",
                (slide + 1) % SLIDES,
                ctx.lang.code()
            ),
            seconds: SLIDE_SECONDS,
            figures,
            news,
            requests,
            updated: i18n::datetime(ctx.lang, &misto_core::time::now()),
        };
        let title = ctx.t("eng_kiosk_title");
        st.page(&ctx, "kiosk.html", Meta::new(&title, "stats"), &view)
    }
    .await;
    st.respond(&ctx, r)
}
