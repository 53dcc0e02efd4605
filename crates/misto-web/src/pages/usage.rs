//! Usage analytics in the browser: the counts shown on dataset pages, and
//! `/dashboard/analytics` (coordinators: everything; a publisher's editors:
//! their datasets) with SVG bar charts drawn on the server, the same
//! figures in tables for screen readers, and a CSV export
//! (`/dashboard/analytics.csv`).

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::Portal;
use misto_actions::analytics::{Ranked, TermCount, UsageQuery, UsageReport, usage_csv};
use misto_core::Dataset;
use serde::Serialize;

use super::forms::require_login;
use super::viewer;
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError, query_string, segment};

/// The user agent of the request, only to tell bots apart.
pub fn user_agent(ctx: &Ctx) -> Option<&str> {
    ctx.headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

/// The all-time counts shown under a dataset's title.
#[derive(Debug, Serialize)]
pub struct DatasetCounts {
    pub views: String,
    pub downloads: String,
}

/// Counts this view of the dataset page and reads its all-time counts
/// (none shown when the store cannot say).
pub async fn dataset_counts(portal: &Portal, ctx: &Ctx, d: &Dataset) -> Option<DatasetCounts> {
    portal.count_dataset_view(&d.id, user_agent(ctx));
    match portal.dataset_usage(&viewer(ctx), &d.id).await {
        Ok(u) => Some(DatasetCounts {
            views: i18n::int(ctx.lang, u.views.max(0) as u64),
            downloads: i18n::int(ctx.lang, u.downloads.max(0) as u64),
        }),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the usage counts");
            None
        }
    }
}

/// The periods offered on the page, in days.
const PERIODS: &[i64] = &[7, 30, 90, 365];
const BAR_HEIGHT: usize = 28;
const BAR_MAX: usize = 360;

#[derive(Serialize)]
struct Figure {
    label: String,
    value: String,
    bots: String,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    url: Option<String>,
    count: String,
    y: usize,
    width: usize,
}

#[derive(Serialize)]
struct BarChart {
    id: &'static str,
    title: String,
    height: usize,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct Column {
    x: usize,
    width: usize,
    y: usize,
    height: usize,
    label: String,
}

#[derive(Serialize)]
struct DayRow {
    date: String,
    views: String,
    downloads: String,
    bots: String,
}

#[derive(Serialize)]
struct PeriodLink {
    label: String,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct AnalyticsView {
    everything: bool,
    period: String,
    periods: Vec<PeriodLink>,
    figures: Vec<Figure>,
    columns: Vec<Column>,
    columns_width: usize,
    days: Vec<DayRow>,
    charts: Vec<BarChart>,
    zero: Vec<Bar>,
    csv_url: String,
}

fn bar_chart(
    id: &'static str,
    title: String,
    items: Vec<(String, Option<String>, i64)>,
    lang: Lang,
) -> BarChart {
    let top = items.iter().map(|i| i.2).max().unwrap_or(0).max(1) as usize;
    BarChart {
        id,
        title,
        height: items.len() * BAR_HEIGHT,
        bars: items
            .into_iter()
            .enumerate()
            .map(|(i, (label, url, n))| Bar {
                label: shorten(&label, 28),
                url,
                count: i18n::int(lang, n.max(0) as u64),
                y: i * BAR_HEIGHT,
                width: (n.max(0) as usize * BAR_MAX / top).max(1),
            })
            .collect(),
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn dataset_link(r: &Ranked) -> Option<String> {
    r.dataset_name
        .as_ref()
        .map(|n| format!("/dataset/{}", segment(n)))
}

fn terms(list: &[TermCount]) -> Vec<(String, Option<String>, i64)> {
    list.iter()
        .map(|t| {
            (
                t.term.clone(),
                Some(format!(
                    "/dataset{}",
                    query_string([("q", t.term.as_str())])
                )),
                t.hits,
            )
        })
        .collect()
}

fn query_of(ctx: &Ctx) -> Result<(UsageQuery, i64), WebError> {
    let days = match ctx.param("days") {
        None | Some("") => 30,
        Some(d) => d
            .parse::<i64>()
            .ok()
            .filter(|d| PERIODS.contains(d))
            .ok_or_else(|| WebError::BadRequest(ctx.t("usage_bad_period")))?,
    };
    Ok((
        UsageQuery {
            days: Some(days),
            limit: Some(10),
            ..UsageQuery::default()
        },
        days,
    ))
}

async fn report(st: &AppState, ctx: &Ctx, q: &UsageQuery) -> Result<UsageReport, WebError> {
    st.portal
        .usage_report(&viewer(ctx), q)
        .await
        .map_err(|e| match e {
            misto_actions::ActionError::NotAuthorized(_) => {
                WebError::Forbidden(ctx.t("usage_not_allowed"))
            }
            e => e.into(),
        })
}

fn view(ctx: &Ctx, r: &UsageReport, days: i64) -> AnalyticsView {
    let lang = ctx.lang;
    let n = |v: i64| i18n::int(lang, v.max(0) as u64);
    let mut figures = vec![
        Figure {
            label: ctx.t("usage_dataset_views"),
            value: n(r.totals.dataset_views),
            bots: n(r.bots.dataset_views),
        },
        Figure {
            label: ctx.t("usage_resource_views"),
            value: n(r.totals.resource_views),
            bots: n(r.bots.resource_views),
        },
        Figure {
            label: ctx.t("usage_downloads"),
            value: n(r.totals.downloads),
            bots: n(r.bots.downloads),
        },
    ];
    if r.everything {
        figures.push(Figure {
            label: ctx.t("usage_api_calls"),
            value: n(r.totals.api_calls),
            bots: n(r.bots.api_calls),
        });
        figures.push(Figure {
            label: ctx.t("usage_searches"),
            value: n(r.totals.searches),
            bots: n(r.bots.searches),
        });
        figures.push(Figure {
            label: ctx.t("usage_zero_searches"),
            value: n(r.totals.zero_result_searches),
            bots: n(r.bots.zero_result_searches),
        });
    }
    // Daily views (dataset and resource pages) and downloads as columns,
    // spread over about 640 units whatever the period.
    const HEIGHT: usize = 120;
    let column = (640 / r.daily.len().max(1)).max(2);
    let per_day: Vec<i64> = r
        .daily
        .iter()
        .map(|d| d.totals.dataset_views + d.totals.resource_views + d.totals.downloads)
        .collect();
    let top = per_day.iter().copied().max().unwrap_or(0).max(1) as usize;
    let columns = r
        .daily
        .iter()
        .zip(&per_day)
        .enumerate()
        .map(|(i, (d, v))| {
            let h = (*v).max(0) as usize * HEIGHT / top;
            Column {
                x: i * column,
                width: (column * 4 / 5).max(1),
                y: HEIGHT - h,
                height: h,
                label: format!("{}: {}", i18n::naive_date(lang, d.day), n(*v)),
            }
        })
        .collect();
    let days_rows = r
        .daily
        .iter()
        .rev()
        .filter(|d| {
            d.bots > 0 || d.totals.dataset_views + d.totals.resource_views + d.totals.downloads > 0
        })
        .map(|d| DayRow {
            date: i18n::naive_date(lang, d.day),
            views: n(d.totals.dataset_views + d.totals.resource_views),
            downloads: n(d.totals.downloads),
            bots: n(d.bots),
        })
        .collect();
    let mut charts = vec![
        bar_chart(
            "most-viewed",
            ctx.t("usage_most_viewed"),
            r.most_viewed
                .iter()
                .map(|x| (x.label.clone(), dataset_link(x), x.views))
                .collect(),
            lang,
        ),
        bar_chart(
            "most-downloaded",
            ctx.t("usage_most_downloaded"),
            r.most_downloaded
                .iter()
                .map(|x| (x.label.clone(), dataset_link(x), x.downloads))
                .collect(),
            lang,
        ),
    ];
    if r.everything {
        charts.push(bar_chart(
            "most-searched",
            ctx.t("usage_most_searched"),
            terms(&r.searches),
            lang,
        ));
        charts.push(bar_chart(
            "api-calls",
            ctx.t("usage_api_by_action"),
            r.api_calls
                .iter()
                .map(|t| (t.term.clone(), None, t.hits))
                .collect(),
            lang,
        ));
    }
    let zero = r
        .zero_result_searches
        .iter()
        .map(|t| Bar {
            label: t.term.clone(),
            url: Some(format!(
                "/dataset{}",
                query_string([("q", t.term.as_str())])
            )),
            count: n(t.hits),
            y: 0,
            width: 0,
        })
        .collect();
    let days_s = days.to_string();
    AnalyticsView {
        everything: r.everything,
        period: format!(
            "{} — {}",
            i18n::naive_date(lang, r.start),
            i18n::naive_date(lang, r.end)
        ),
        periods: PERIODS
            .iter()
            .map(|p| PeriodLink {
                label: ctx.t(&format!("usage_period_{p}")),
                url: format!(
                    "/dashboard/analytics{}",
                    query_string([("days", p.to_string().as_str())])
                ),
                current: *p == days,
            })
            .collect(),
        figures,
        columns_width: (r.daily.len() * column).max(column),
        columns,
        days: days_rows,
        charts,
        zero,
        csv_url: format!(
            "/dashboard/analytics.csv{}",
            query_string([("days", days_s.as_str())])
        ),
    }
}

/// `GET /dashboard/analytics`.
pub async fn analytics(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let (q, days) = query_of(&ctx)?;
        let rep = report(&st, &ctx, &q).await?;
        let v = view(&ctx, &rep, days);
        let title = ctx.t("usage_title");
        st.page(&ctx, "usage.html", Meta::new(&title, "dashboard"), &v)
    }
    .await;
    st.respond(&ctx, r)
}

/// `GET /dashboard/analytics.csv`.
pub async fn analytics_csv(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let (q, _) = query_of(&ctx)?;
        let rep = report(&st, &ctx, &q).await?;
        let mut resp = (StatusCode::OK, usage_csv(&rep)).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        let file = format!(
            "attachment; filename=\"usage-{}-{}.csv\"",
            rep.start.format("%Y%m%d"),
            rep.end.format("%Y%m%d")
        );
        if let Ok(v) = HeaderValue::from_str(&file) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        Ok(resp)
    }
    .await;
    st.respond(&ctx, r)
}
