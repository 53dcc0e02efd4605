//! The datastore on the resource page (`/dataset/{d}/resource/{r}`): the
//! state of the ingest, a table with sort, per-column filters, full text
//! and paging, a chart builder and a map of points; and the embeddable
//! chart page (`/dataset/{d}/resource/{r}/chart?...`).
//!
//! Everything is server-rendered from the URL, so it works without script
//! and every view can be linked: `q` (full text), `f.<column>` (a column
//! equals the value), `sort` (`column` or `column desc`), `page`; charts
//! `chart` (`bar`, `line`, `pie`), `x`, `agg` (`count`, `sum`, `avg`), `y`;
//! `tiles=1` for the base map. `static/datastore.js` then drives the table
//! through `datastore_search` without reloading the page (and keeps the
//! URL in step). Charts and maps are SVG built in [`super::datastore_svg`]
//! from `Portal::datastore_aggregate` (a group-by in the database) and
//! `Portal::datastore_search`.
//!
//! The base map's tiles come from the configured tile server
//! (`map_tile_url`). They are requested only when the visitor asks for
//! them (`tiles=1`), unless the tile server is this site (a relative URL):
//! the site loads nothing from elsewhere by default. The page that shows
//! them allows that one origin in `img-src`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use misto_actions::ActionError;
use misto_actions::datastore::{Aggregate, SearchParams, coordinate_columns};
use misto_core::datastore::{DatastoreTable, FieldType};
use misto_core::{Dataset, EntityState, Resource};
use serde::Serialize;
use serde_json::Value;

use super::datastore_svg::{self as svg, Place, Point};
use super::{Link, dataset_title, dataset_url, viewer};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError, query_string, segment};

/// Rows per page of the table.
pub const PAGE_ROWS: i64 = 20;
/// The last page anyone may ask for.
const MAX_PAGE: i64 = 10_000;
/// Points drawn on a map at most.
const MAP_POINTS: i64 = 2_000;
/// Bars of a bar chart at most (the largest groups).
const BAR_GROUPS: usize = 50;
/// Slices of a pie at most (the largest groups; the rest is "other").
const PIE_SLICES: usize = 7;
/// Points of a line chart at most.
const LINE_POINTS: usize = 1_000;

/// The chart asked for in the URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChartState {
    /// `bar`, `line`, `pie`; empty when no chart was asked for.
    pub kind: String,
    pub x: String,
    /// `count`, `sum`, `avg`.
    pub agg: String,
    pub y: String,
}

/// What the visitor asked for in the URL, checked against the table's
/// columns (unknown columns are ignored).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewState {
    pub q: String,
    pub filters: Vec<(String, String)>,
    pub sort: Option<(String, bool)>,
    /// 1-based.
    pub page: i64,
    pub chart: ChartState,
    pub tiles: bool,
}

impl ViewState {
    pub fn parse(pairs: &[(String, String)], table: &DatastoreTable) -> Self {
        let mut s = ViewState {
            page: 1,
            ..Default::default()
        };
        let known = |c: &str| table.field(c).is_some();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "q" => s.q = v.to_string(),
                "page" => s.page = v.parse::<i64>().unwrap_or(1).clamp(1, MAX_PAGE),
                "sort" => {
                    let (col, desc) = match v.rsplit_once(' ') {
                        Some((c, d)) if d.eq_ignore_ascii_case("desc") => (c.trim(), true),
                        Some((c, d)) if d.eq_ignore_ascii_case("asc") => (c.trim(), false),
                        _ => (v, false),
                    };
                    if known(col) {
                        s.sort = Some((col.to_string(), desc));
                    }
                }
                "chart" if matches!(v, "bar" | "line" | "pie") => s.chart.kind = v.to_string(),
                "x" if known(v) => s.chart.x = v.to_string(),
                "y" if known(v) => s.chart.y = v.to_string(),
                "agg" if matches!(v, "count" | "sum" | "avg") => s.chart.agg = v.to_string(),
                "tiles" => s.tiles = v == "1",
                _ => {
                    if let Some(col) = k.strip_prefix("f.")
                        && known(col)
                        && !v.is_empty()
                        && !s.filters.iter().any(|(c, _)| c == col)
                    {
                        s.filters.push((col.to_string(), v.to_string()));
                    }
                }
            }
        }
        s
    }

    /// The table part of the state (full text, filters, sort) as pairs.
    fn table_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(("q".into(), self.q.clone()));
        }
        for (c, v) in &self.filters {
            out.push((format!("f.{c}"), v.clone()));
        }
        if let Some((c, desc)) = &self.sort {
            out.push((
                "sort".into(),
                if *desc {
                    format!("{c} desc")
                } else {
                    c.clone()
                },
            ));
        }
        out
    }

    /// The chart and map part of the state as pairs.
    fn chart_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let c = &self.chart;
        if !c.kind.is_empty() {
            out.push(("chart".into(), c.kind.clone()));
            out.push(("x".into(), c.x.clone()));
            out.push(("agg".into(), c.agg.clone()));
            if c.agg != "count" && !c.y.is_empty() {
                out.push(("y".into(), c.y.clone()));
            }
        }
        if self.tiles {
            out.push(("tiles".into(), "1".into()));
        }
        out
    }

    /// The URL of the whole state at `page` (1 is left out).
    fn url(&self, base: &str, page: i64) -> String {
        let mut pairs = self.table_pairs();
        if page > 1 {
            pairs.push(("page".into(), page.to_string()));
        }
        pairs.extend(self.chart_pairs());
        with_query(base, &pairs)
    }

    fn search_params(&self, limit: i64, offset: i64) -> SearchParams {
        SearchParams {
            filters: self
                .filters
                .iter()
                .map(|(c, v)| (c.clone(), vec![Value::String(v.clone())]))
                .collect(),
            q: (!self.q.is_empty()).then(|| self.q.clone()),
            fields: Vec::new(),
            sort: self.sort.iter().cloned().collect(),
            distinct: false,
            limit,
            offset,
            include_total: true,
        }
    }
}

fn with_query(base: &str, pairs: &[(String, String)]) -> String {
    format!(
        "{base}{}",
        query_string(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    )
}

/// A hidden form input.
#[derive(Debug, Serialize)]
pub struct Hidden {
    name: String,
    value: String,
}

fn hidden(pairs: Vec<(String, String)>) -> Vec<Hidden> {
    pairs
        .into_iter()
        .map(|(name, value)| Hidden { name, value })
        .collect()
}

/// An `<option>`.
#[derive(Debug, Serialize)]
pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Debug, Serialize)]
pub struct Column {
    id: String,
    #[serde(rename = "type")]
    ty: &'static str,
    type_label: String,
    numeric: bool,
    sort_url: String,
    /// `ascending`, `descending` or `none` (for `aria-sort`).
    aria_sort: &'static str,
    sort_label: String,
    filter_name: String,
    filter_value: String,
    filter_label: String,
}

#[derive(Debug, Serialize)]
pub struct TableView {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
    q: String,
    total: i64,
    /// `Rows 1–20 of 1 234`.
    shown: String,
    page: i64,
    pages: i64,
    prev_url: Option<String>,
    next_url: Option<String>,
    /// Inputs the filter form keeps (sort, chart, map).
    keep: Vec<Hidden>,
    /// Why nothing is shown (a filter value that does not fit its column).
    error: Option<String>,
    /// Back to the whole table, when something filters it.
    reset_url: Option<String>,
    /// Downloads of this view (filters, full text and sort applied).
    downloads: Vec<Link>,
}

/// One row of the numbers behind a chart.
#[derive(Debug, Serialize)]
pub struct ChartRow {
    label: String,
    value: String,
}

/// A drawn chart.
#[derive(Debug, Serialize)]
pub struct Chart {
    pub(crate) title: String,
    pub(crate) svg: String,
    rows: Vec<ChartRow>,
    /// Only part of the groups is drawn.
    note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ChartBuilder {
    kinds: Vec<Choice>,
    xs: Vec<Choice>,
    aggs: Vec<Choice>,
    ys: Vec<Choice>,
    keep: Vec<Hidden>,
    chart: Option<Chart>,
    error: Option<String>,
    /// This view with the chart (to share).
    link_url: Option<String>,
    /// The embeddable page of the chart and the HTML to embed it.
    embed_url: Option<String>,
    embed_code: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MapView {
    svg: String,
    /// `1 234 points` (and "the first 2 000 are shown").
    summary: String,
    tiles_on: bool,
    /// Turns the base map on or off.
    toggle_url: Option<String>,
    toggle_label: String,
    /// Where the base map comes from, when shown.
    attribution: Option<String>,
}

/// The datastore section of the resource page.
#[derive(Debug, Serialize)]
pub struct Section {
    resource_id: String,
    /// `pending`, `running`, `done`, `error`.
    status: String,
    status_text: Option<String>,
    /// Rows loaded so far while running, 0–100.
    progress: Option<i64>,
    error: Option<String>,
    table: Option<TableView>,
    chart: Option<ChartBuilder>,
    map: Option<MapView>,
    script_url: String,
    css_url: String,
    /// Strings the script needs, as data attributes.
    js_error: String,
    js_shown: String,
    js_loading: String,
    #[serde(skip)]
    pub img_origin: Option<String>,
}

impl Section {
    /// Whether a table answers (the file preview is then not needed).
    pub fn has_table(&self) -> bool {
        self.table.is_some()
    }
}

fn resource_path(d: &Dataset, r: &Resource) -> String {
    format!("{}/resource/{}", dataset_url(d), segment(&r.id))
}

fn type_label(ctx: &Ctx, ty: FieldType) -> String {
    ctx.t(&format!("ds_type_{}", ty.as_str()))
}

/// A number for people: grouped thousands, at most two decimals, the
/// language's decimal mark.
pub fn number(lang: Lang, v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let neg = v < 0.0;
    let rounded = (v.abs() * 100.0).round() / 100.0;
    let int = rounded.trunc();
    let frac = ((rounded - int) * 100.0).round() as u64;
    let mut s = if int < 1e15 {
        i18n::int(lang, int as u64)
    } else {
        format!("{int:.0}")
    };
    if frac > 0 {
        s.push(match lang {
            Lang::Uk => ',',
            Lang::En => '.',
        });
        let f = format!("{frac:02}");
        s.push_str(f.trim_end_matches('0'));
    }
    if neg && s.chars().any(|c| c != '0') {
        s.insert(0, '−');
    }
    s
}

/// A cell as the table shows it: numbers as stored (the API's form, so the
/// script renders the same text), booleans in words, NULL as nothing.
fn cell_text(ctx: &Ctx, v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => ctx.t(if *b { "ds_true" } else { "ds_false" }),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn x_label(ctx: &Ctx, v: &Value) -> String {
    match v {
        Value::Null => ctx.t("ds_empty_value"),
        Value::String(s) if s.is_empty() => ctx.t("ds_empty_value"),
        other => cell_text(ctx, other),
    }
}

fn validation_message(e: &ActionError) -> Option<String> {
    match e {
        ActionError::Validation(f) => Some(
            f.0.values()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => None,
    }
}

async fn table_view(
    st: &AppState,
    ctx: &Ctx,
    base: &str,
    r: &Resource,
    t: &DatastoreTable,
    s: &ViewState,
) -> Result<TableView, WebError> {
    let lang = ctx.lang;
    let offset = (s.page - 1) * PAGE_ROWS;
    let found = st
        .portal
        .datastore_search(&viewer(ctx), &r.id, &s.search_params(PAGE_ROWS, offset))
        .await;
    let (rows, total, error) = match found {
        Ok((_, rows)) => {
            let total = rows.total.unwrap_or(0);
            let cells = rows
                .rows
                .iter()
                .map(|row| row.iter().skip(1).map(|v| cell_text(ctx, v)).collect())
                .collect();
            (cells, total, None)
        }
        Err(e) => match validation_message(&e) {
            Some(m) => (
                Vec::new(),
                0,
                Some(format!("{} {m}", ctx.t("ds_filter_error"))),
            ),
            None => return Err(e.into()),
        },
    };
    let columns = t
        .fields
        .iter()
        .map(|f| {
            let current = s.sort.as_ref().filter(|(c, _)| *c == f.id).map(|(_, d)| *d);
            let mut next = s.clone();
            next.sort = Some((f.id.clone(), current == Some(false)));
            let (aria_sort, sort_label) = match current {
                Some(false) => ("ascending", ctx.t("ds_sort_desc")),
                Some(true) => ("descending", ctx.t("ds_sort_asc")),
                None => ("none", ctx.t("ds_sort_asc")),
            };
            Column {
                id: f.id.clone(),
                ty: f.ty.as_str(),
                type_label: type_label(ctx, f.ty),
                numeric: f.ty.is_number(),
                sort_url: next.url(base, 1),
                aria_sort,
                sort_label,
                filter_name: format!("f.{}", f.id),
                filter_value: s
                    .filters
                    .iter()
                    .find(|(c, _)| *c == f.id)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                filter_label: ctx.t("ds_filter_label").replace("{column}", &f.id),
            }
        })
        .collect();
    let pages = ((total + PAGE_ROWS - 1) / PAGE_ROWS).clamp(1, MAX_PAGE);
    let from = if total == 0 { 0 } else { offset + 1 };
    let to = (offset + PAGE_ROWS).min(total);
    let shown = ctx
        .t("ds_rows_shown")
        .replace("{from}", &i18n::int(lang, from as u64))
        .replace("{to}", &i18n::int(lang, to.max(0) as u64))
        .replace("{total}", &i18n::int(lang, total.max(0) as u64));
    let mut keep = Vec::new();
    if let Some((c, desc)) = &s.sort {
        keep.push((
            "sort".to_string(),
            if *desc {
                format!("{c} desc")
            } else {
                c.clone()
            },
        ));
    }
    keep.extend(s.chart_pairs());
    let filtered = !s.q.is_empty() || !s.filters.is_empty();
    let reset = ViewState {
        chart: s.chart.clone(),
        tiles: s.tiles,
        page: 1,
        ..Default::default()
    };
    let mut dump_pairs: Vec<(String, String)> = Vec::new();
    if !s.q.is_empty() {
        dump_pairs.push(("q".into(), s.q.clone()));
    }
    if !s.filters.is_empty() {
        let m: serde_json::Map<String, Value> = s
            .filters
            .iter()
            .map(|(c, v)| (c.clone(), Value::String(v.clone())))
            .collect();
        dump_pairs.push(("filters".into(), Value::Object(m).to_string()));
    }
    if let Some((c, desc)) = &s.sort {
        dump_pairs.push((
            "sort".into(),
            format!("{c} {}", if *desc { "desc" } else { "asc" }),
        ));
    }
    let mut formats = vec!["csv", "json", "xlsx"];
    if coordinate_columns(&t.fields).is_some() {
        formats.push("geojson");
    }
    let downloads = formats
        .into_iter()
        .map(|f| {
            let mut p = vec![("format".to_string(), f.to_string())];
            p.extend(dump_pairs.iter().cloned());
            Link {
                url: with_query(&format!("/datastore/dump/{}", segment(&r.id)), &p),
                label: f.to_uppercase(),
            }
        })
        .collect();
    Ok(TableView {
        columns,
        rows,
        q: s.q.clone(),
        total,
        shown,
        page: s.page,
        pages,
        prev_url: (s.page > 1).then(|| s.url(base, s.page - 1)),
        next_url: (s.page < pages).then(|| s.url(base, s.page + 1)),
        keep: hidden(keep),
        error,
        reset_url: filtered.then(|| reset.url(base, 1)),
        downloads,
    })
}

/// Computes a chart: the aggregate in the database, then the drawing.
/// Dashboards draw their chart tiles with it too.
pub(crate) async fn draw_chart(
    st: &AppState,
    ctx: &Ctx,
    r: &Resource,
    t: &DatastoreTable,
    s: &ViewState,
) -> Result<Chart, String> {
    let c = &s.chart;
    let lang = ctx.lang;
    let agg = match c.agg.as_str() {
        "sum" => Aggregate::Sum,
        "avg" => Aggregate::Avg,
        _ => Aggregate::Count,
    };
    if c.x.is_empty() {
        return Err(ctx.t("ds_chart_pick_x"));
    }
    let y = (agg != Aggregate::Count).then_some(c.y.as_str());
    if let Some(y) = y
        && !t.field(y).is_some_and(|f| f.ty.is_number())
    {
        return Err(ctx.t("ds_chart_pick_y"));
    }
    let groups = st
        .portal
        .datastore_aggregate(&viewer(ctx), &r.id, &s.search_params(0, 0), &c.x, agg, y)
        .await
        .map_err(|e| {
            validation_message(&e).unwrap_or_else(|| {
                tracing::warn!(resource = %r.id, error = %e, "chart aggregate failed");
                ctx.t("ds_chart_failed")
            })
        })?;
    let title = ctx
        .t(&format!("ds_chart_title_{}", c.agg))
        .replace("{x}", &c.x)
        .replace("{y}", &c.y);
    let mut points: Vec<Point> = groups
        .iter()
        .map(|(xv, yv)| {
            let value = yv.unwrap_or(0.0);
            Point {
                label: x_label(ctx, xv),
                value,
                shown: number(lang, value),
            }
        })
        .collect();
    let all = points.len();
    let mut note = None;
    let by_value_desc = |a: &Point, b: &Point| b.value.total_cmp(&a.value);
    let drawing = match c.kind.as_str() {
        "pie" => {
            if points.len() > PIE_SLICES {
                points.sort_by(by_value_desc);
                let rest: Vec<Point> = points.split_off(PIE_SLICES);
                if agg != Aggregate::Avg {
                    let v: f64 = rest.iter().map(|p| p.value).sum();
                    points.push(Point {
                        label: ctx.t("ds_chart_other"),
                        value: v,
                        shown: number(lang, v),
                    });
                }
                note = Some(
                    ctx.t("ds_chart_largest")
                        .replace("{n}", &PIE_SLICES.to_string())
                        .replace("{total}", &i18n::int(lang, all as u64)),
                );
            }
            svg::pie(&points, &title, &|pct| {
                format!("{}\u{a0}%", number(lang, (pct * 10.0).round() / 10.0))
            })
        }
        "line" => {
            if points.len() > LINE_POINTS {
                points.truncate(LINE_POINTS);
                note = Some(
                    ctx.t("ds_chart_first")
                        .replace("{n}", &i18n::int(lang, LINE_POINTS as u64))
                        .replace("{total}", &i18n::int(lang, all as u64)),
                );
            }
            svg::line(&points, &title, &|v| number(lang, v))
        }
        _ => {
            if points.len() > BAR_GROUPS {
                // The largest groups, still in the order of x.
                let mut idx: Vec<usize> = (0..points.len()).collect();
                idx.sort_by(|a, b| points[*b].value.total_cmp(&points[*a].value));
                idx.truncate(BAR_GROUPS);
                idx.sort_unstable();
                points = idx.into_iter().map(|i| points[i].clone()).collect();
                note = Some(
                    ctx.t("ds_chart_largest")
                        .replace("{n}", &BAR_GROUPS.to_string())
                        .replace("{total}", &i18n::int(lang, all as u64)),
                );
            }
            svg::bar(&points, &title, &|v| number(lang, v))
        }
    };
    Ok(Chart {
        title,
        svg: drawing,
        rows: points
            .into_iter()
            .map(|p| ChartRow {
                label: p.label,
                value: p.shown,
            })
            .collect(),
        note,
    })
}

fn choices(items: &[(String, String)], current: &str) -> Vec<Choice> {
    items
        .iter()
        .map(|(v, l)| Choice {
            value: v.clone(),
            label: l.clone(),
            selected: v == current,
        })
        .collect()
}

async fn chart_builder(
    st: &AppState,
    ctx: &Ctx,
    base: &str,
    r: &Resource,
    t: &DatastoreTable,
    s: &ViewState,
) -> ChartBuilder {
    let c = &s.chart;
    // Defaults: count rows by the first text column.
    let default_x = t
        .fields
        .iter()
        .find(|f| f.ty == FieldType::Text)
        .or_else(|| t.fields.first())
        .map(|f| f.id.clone())
        .unwrap_or_default();
    let x = if c.x.is_empty() {
        default_x
    } else {
        c.x.clone()
    };
    let numbers: Vec<(String, String)> = t
        .fields
        .iter()
        .filter(|f| f.ty.is_number())
        .map(|f| (f.id.clone(), f.id.clone()))
        .collect();
    let y = if c.y.is_empty() {
        numbers.first().map(|n| n.0.clone()).unwrap_or_default()
    } else {
        c.y.clone()
    };
    let kinds: Vec<(String, String)> = ["bar", "line", "pie"]
        .iter()
        .map(|k| (k.to_string(), ctx.t(&format!("ds_chart_kind_{k}"))))
        .collect();
    let mut aggs = vec![("count".to_string(), ctx.t("ds_agg_count"))];
    if !numbers.is_empty() {
        aggs.push(("sum".into(), ctx.t("ds_agg_sum")));
        aggs.push(("avg".into(), ctx.t("ds_agg_avg")));
    }
    let xs: Vec<(String, String)> = t
        .fields
        .iter()
        .map(|f| (f.id.clone(), f.id.clone()))
        .collect();
    let (chart, error) = if c.kind.is_empty() {
        (None, None)
    } else {
        match draw_chart(st, ctx, r, t, s).await {
            Ok(ch) => (Some(ch), None),
            Err(m) => (None, Some(m)),
        }
    };
    let (link_url, embed_url, embed_code) = if chart.is_some() {
        let link = format!("{}#ds-chart", s.url(base, 1));
        let mut pairs = s.table_pairs();
        pairs.retain(|(k, _)| k != "sort");
        pairs.extend(s.chart_pairs().into_iter().filter(|(k, _)| k != "tiles"));
        let embed = with_query(&format!("{base}/chart"), &pairs);
        let absolute = format!("{}{embed}", ctx.site_url.trim_end_matches('/'));
        let code = format!(
            "<iframe src=\"{}\" width=\"720\" height=\"480\" title=\"{}\" loading=\"lazy\"></iframe>",
            svg::esc(&absolute),
            svg::esc(chart.as_ref().map_or("", |c| c.title.as_str()))
        );
        (Some(link), Some(embed), Some(code))
    } else {
        (None, None, None)
    };
    ChartBuilder {
        kinds: choices(&kinds, if c.kind.is_empty() { "bar" } else { &c.kind }),
        xs: choices(&xs, &x),
        aggs: choices(&aggs, if c.agg.is_empty() { "count" } else { &c.agg }),
        ys: choices(&numbers, &y),
        keep: hidden({
            let mut k = s.table_pairs();
            if s.tiles {
                k.push(("tiles".into(), "1".into()));
            }
            k
        }),
        chart,
        error,
        link_url,
        embed_url,
        embed_code,
    }
}

/// The origin of a tile URL template (`https://{s}.tile.example` becomes
/// `https://*.tile.example`), for `img-src`; `None` for relative URLs
/// (this site) and anything unusable.
pub fn tile_origin(template: &str) -> Option<String> {
    let (scheme, rest) = template.split_once("://")?;
    if !matches!(scheme, "http" | "https") {
        return None;
    }
    let host = rest.split('/').next()?.replace("{s}", "*");
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*'));
    ok.then(|| format!("{scheme}://{host}"))
}

async fn map_view(
    st: &AppState,
    ctx: &Ctx,
    base: &str,
    r: &Resource,
    t: &DatastoreTable,
    s: &ViewState,
) -> Option<(MapView, Option<String>)> {
    let (lon_i, lat_i) = coordinate_columns(&t.fields)?;
    let lon = t.fields[lon_i].id.clone();
    let lat = t.fields[lat_i].id.clone();
    let label = t
        .fields
        .iter()
        .find(|f| f.ty == FieldType::Text)
        .map(|f| f.id.clone());
    let mut p = s.search_params(MAP_POINTS, 0);
    p.sort.clear();
    p.fields = vec![lon, lat];
    p.fields.extend(label);
    let rows = match st.portal.datastore_search(&viewer(ctx), &r.id, &p).await {
        Ok((_, rows)) => rows,
        Err(e) => {
            if validation_message(&e).is_none() {
                tracing::warn!(resource = %r.id, error = %e, "map points failed");
            }
            return None;
        }
    };
    let places: Vec<Place> = rows
        .rows
        .iter()
        .filter_map(|row| {
            Some(Place {
                lon: row.first()?.as_f64()?,
                lat: row.get(1)?.as_f64()?,
                label: row.get(2).map(|v| cell_text(ctx, v)).unwrap_or_default(),
            })
        })
        .filter(|p| (-180.0..=180.0).contains(&p.lon) && (-90.0..=90.0).contains(&p.lat))
        .collect();
    if places.is_empty() {
        return None;
    }
    let template = st.portal.config().datastore.tile_url.trim().to_string();
    let same_site = template.starts_with('/') && !template.starts_with("//");
    let origin = tile_origin(&template);
    let tiles_possible = !template.is_empty() && (same_site || origin.is_some());
    let tiles_on = tiles_possible && (same_site || s.tiles);
    let total = rows.total.unwrap_or(places.len() as i64);
    let lang = ctx.lang;
    let mut summary = ctx
        .t("ds_map_points")
        .replace("{n}", &i18n::int(lang, places.len() as u64));
    if total > MAP_POINTS {
        summary.push(' ');
        summary.push_str(
            &ctx.t("ds_map_first")
                .replace("{n}", &i18n::int(lang, MAP_POINTS as u64))
                .replace("{total}", &i18n::int(lang, total as u64)),
        );
    }
    let host = origin
        .as_deref()
        .and_then(|o| o.split_once("://"))
        .map(|(_, h)| h.trim_start_matches("*.").to_string())
        .unwrap_or_default();
    let (toggle_url, toggle_label) = if tiles_possible && !same_site {
        let mut next = s.clone();
        next.tiles = !s.tiles;
        (
            Some(format!("{}#ds-map", next.url(base, s.page))),
            if s.tiles {
                ctx.t("ds_map_tiles_off")
            } else {
                ctx.t("ds_map_tiles_on").replace("{host}", &host)
            },
        )
    } else {
        (None, String::new())
    };
    let attribution = tiles_on.then(|| {
        if template.contains("openstreetmap.org") {
            ctx.t("ds_map_osm")
        } else {
            ctx.t("ds_map_tiles_from").replace("{host}", &host)
        }
    });
    let title = ctx.t("ds_map_title");
    let drawing = svg::map(&places, &title, tiles_on.then_some(template.as_str()));
    Some((
        MapView {
            svg: drawing,
            summary,
            tiles_on,
            toggle_url,
            toggle_label,
            attribution,
        },
        if tiles_on && !same_site { origin } else { None },
    ))
}

/// The datastore section of a resource page, or `None` when the resource
/// never had a table or an ingest.
pub async fn section(st: &AppState, ctx: &Ctx, d: &Dataset, r: &Resource) -> Option<Section> {
    let state = match st.portal.datastore_state(&viewer(ctx), &r.id).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(resource = %r.id, error = %e, "datastore state unavailable");
            return None;
        }
    };
    let status = state.status().to_string();
    if status == "none" {
        return None;
    }
    let lang = ctx.lang;
    let job = state.job.as_ref();
    let (progress, status_text) = match status.as_str() {
        "pending" => (None, Some(ctx.t("ds_status_pending"))),
        "running" => {
            let (done, total) = job.map_or((0, 0), |j| (j.progress_done, j.progress_total));
            let text = if total > 0 {
                ctx.t("ds_status_running_of")
                    .replace("{done}", &i18n::int(lang, done.max(0) as u64))
                    .replace("{total}", &i18n::int(lang, total as u64))
            } else {
                ctx.t("ds_status_running")
            };
            (
                (total > 0).then(|| (done * 100 / total).clamp(0, 100)),
                Some(text),
            )
        }
        _ => (None, None),
    };
    let error = (status == "error").then(|| {
        let m = state
            .table
            .as_ref()
            .map(|t| t.message.clone())
            .filter(|m| !m.is_empty())
            .or_else(|| job.map(|j| j.message.clone()))
            .unwrap_or_default();
        let mut text = ctx.t("ds_status_error");
        if !m.is_empty() {
            text.push(' ');
            text.push_str(&m);
        }
        if state.active() {
            text.push(' ');
            text.push_str(&ctx.t("ds_status_error_kept"));
        }
        text
    });
    let base = resource_path(d, r);
    let (mut table, mut chart, mut map, mut img_origin) = (None, None, None, None);
    if let Some(t) = state.table.as_ref().filter(|t| t.is_active()) {
        let s = ViewState::parse(&ctx.query, t);
        match table_view(st, ctx, &base, r, t, &s).await {
            Ok(v) => table = Some(v),
            Err(e) => {
                tracing::warn!(resource = %r.id, error = ?e, "datastore table unavailable");
            }
        }
        if table.is_some() {
            chart = Some(chart_builder(st, ctx, &base, r, t, &s).await);
            if let Some((m, origin)) = map_view(st, ctx, &base, r, t, &s).await {
                map = Some(m);
                img_origin = origin;
            }
        }
    }
    let templates = &st.templates;
    Some(Section {
        resource_id: r.id.clone(),
        status,
        status_text,
        progress,
        error,
        table,
        chart,
        map,
        script_url: templates.static_url("datastore.js"),
        css_url: templates.static_url("datastore.css"),
        js_error: ctx.t("ds_js_error"),
        js_shown: ctx.t("ds_rows_shown"),
        js_loading: ctx.t("ds_js_loading"),
        img_origin,
    })
}

/// The site's CSP with `img-src` also allowing `origin` (the tile server).
pub fn csp_with_images(origin: &str) -> String {
    crate::CONTENT_SECURITY_POLICY.replacen(
        "img-src 'self' data:",
        &format!("img-src 'self' data: {origin}"),
        1,
    )
}

/// Sets the page's CSP to allow images from the tile server.
pub fn allow_tiles(resp: &mut Response, origin: Option<&str>) {
    if let Some(o) = origin
        && let Ok(v) = HeaderValue::from_str(&csp_with_images(o))
    {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
}

#[derive(Serialize)]
struct EmbedView {
    title: String,
    dataset: Link,
    resource_url: String,
    resource_title: String,
    chart: Option<Chart>,
    error: Option<String>,
    css_url: String,
}

/// `/dataset/{d}/resource/{r}/chart?chart=bar&x=...&agg=...&y=...` (plus the
/// table's `q` and `f.<column>`): the chart alone, for other sites to embed
/// in an iframe. This page alone may be framed by any site.
pub async fn chart_embed(
    State(st): State<AppState>,
    Path((dataset, resource)): Path<(String, String)>,
    ctx: Ctx,
) -> Response {
    let r = embed(&st, &ctx, &dataset, &resource).await;
    let mut resp = st.respond(&ctx, r);
    let policy =
        crate::CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *");
    if let Ok(v) = HeaderValue::from_str(&policy) {
        resp.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

async fn embed(
    st: &AppState,
    ctx: &Ctx,
    dataset: &str,
    resource: &str,
) -> Result<Response, WebError> {
    let (d, r) = st.portal.show_resource(&viewer(ctx), resource)?;
    if (d.id != dataset && d.name != dataset) || r.state != EntityState::Active {
        return Err(WebError::NotFound);
    }
    let state = st.portal.datastore_state(&viewer(ctx), &r.id).await?;
    let t = state
        .table
        .filter(DatastoreTable::is_active)
        .ok_or(WebError::NotFound)?;
    let mut s = ViewState::parse(&ctx.query, &t);
    if s.chart.kind.is_empty() {
        s.chart.kind = "bar".into();
    }
    if s.chart.agg.is_empty() {
        s.chart.agg = "count".into();
    }
    let (chart, error) = match draw_chart(st, ctx, &r, &t, &s).await {
        Ok(c) => (Some(c), None),
        Err(m) => (None, Some(m)),
    };
    let resource_title = if r.name.trim().is_empty() {
        r.url.clone()
    } else {
        r.name.clone()
    };
    let title = chart
        .as_ref()
        .map(|c| c.title.clone())
        .unwrap_or_else(|| resource_title.clone());
    let view = EmbedView {
        title: title.clone(),
        dataset: Link {
            url: dataset_url(&d),
            label: dataset_title(ctx.lang, &d),
        },
        resource_url: format!("{}#ds-chart", s.url(&resource_path(&d, &r), 1)),
        resource_title,
        chart,
        error,
        css_url: st.templates.static_url("datastore.css"),
    };
    st.page(
        ctx,
        "datastore_chart.html",
        Meta::new(&title, "dataset"),
        &view,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use misto_core::datastore::{Field, TableSource};

    fn table() -> DatastoreTable {
        let f = |id: &str, ty| Field {
            id: id.into(),
            ty,
            info: None,
        };
        DatastoreTable {
            resource_id: "r".into(),
            table_name: "ds_x".into(),
            fields: vec![f("район", FieldType::Text), f("сума", FieldType::Numeric)],
            overrides: Default::default(),
            primary_key: vec![],
            row_count: 0,
            source: TableSource::File,
            status: "done".into(),
            message: String::new(),
            report: Value::Null,
            created: misto_core::time::now(),
            modified: misto_core::time::now(),
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    #[test]
    fn state_round_trips_through_the_url_and_ignores_unknown_columns() {
        let t = table();
        let s = ViewState::parse(
            &pairs(&[
                ("q", "школа"),
                ("f.район", "Шевченківський"),
                ("f.nope", "x"),
                ("sort", "сума desc"),
                ("page", "3"),
                ("chart", "pie"),
                ("x", "район"),
                ("agg", "sum"),
                ("y", "сума"),
                ("tiles", "1"),
            ]),
            &t,
        );
        assert_eq!(
            s.filters,
            vec![("район".to_string(), "Шевченківський".to_string())]
        );
        assert_eq!(s.sort, Some(("сума".to_string(), true)));
        assert_eq!(s.page, 3);
        assert_eq!(s.chart.kind, "pie");
        let url = s.url("/p", s.page);
        let back: Vec<(String, String)> =
            form_urlencoded::parse(url.split_once('?').unwrap().1.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        assert_eq!(ViewState::parse(&back, &t), s);
        let bad = ViewState::parse(
            &pairs(&[("sort", "nope"), ("page", "-5"), ("chart", "3d")]),
            &t,
        );
        assert_eq!(bad.sort, None);
        assert_eq!(bad.page, 1);
        assert!(bad.chart.kind.is_empty());
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(number(Lang::Uk, 1234.5), "1\u{a0}234,5");
        assert_eq!(number(Lang::En, 1234.5), "1,234.5");
        assert_eq!(number(Lang::En, -2.0), "−2");
        assert_eq!(number(Lang::En, 0.125), "0.13");
        assert_eq!(number(Lang::En, f64::NAN), "");
    }

    #[test]
    fn tile_origins() {
        assert_eq!(
            tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png").as_deref(),
            Some("https://tile.openstreetmap.org")
        );
        assert_eq!(
            tile_origin("https://{s}.tiles.example:8443/{z}/{x}/{y}.png").as_deref(),
            Some("https://*.tiles.example:8443")
        );
        assert_eq!(tile_origin("/tiles/{z}/{x}/{y}.png"), None);
        assert_eq!(tile_origin("javascript:alert(1)"), None);
        assert_eq!(tile_origin("https://evil.example;script-src *"), None);
        assert!(
            csp_with_images("https://t.example")
                .contains("img-src 'self' data: https://t.example;")
        );
    }
}
