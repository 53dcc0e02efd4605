//! Dashboards in the browser: the list (`/dashboards`), one dashboard with
//! its tiles (`/dashboard/{name}`: charts as SVG drawn on the server with
//! the numbers as a table, key figures), and the editor of coordinators
//! (`/dashboards/new`, `/dashboards/{name}/edit`): details, and tiles added
//! by picking a resource with a datastore table and then its columns (two
//! plain forms, so it works without JavaScript), moved up and down, and
//! removed. Every change goes through the dashboard actions, which check
//! who may change what; the kiosk (`pages::stats`) shows the same tiles.
//!
//! A chart tile is drawn with the rights of the one looking: a resource
//! that became private to them or was deleted shows "data not available"
//! and nothing of its data.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::Viewer;
use misto_actions::dashboards::{ChartSource, DashboardInput, KeyFigures, TileMove, may_manage};
use misto_core::dashboard::{Dashboard, KeyFigure, Tile, TileKind};
use misto_core::datastore::FieldType;
use serde::Serialize;

use super::datastore::{self as ds, ChartState, ViewState};
use super::forms::{Choice, Errors, Form, check_post, require_login};
use super::{Link, dataset_url, publisher_title, viewer};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::markdown;
use crate::render::{Ctx, Meta, WebError, query_string, see_other, segment};

pub fn dashboard_url(d: &Dashboard) -> String {
    format!("/dashboard/{}", segment(&d.name))
}

fn edit_url(d: &Dashboard) -> String {
    format!("/dashboards/{}/edit", segment(&d.name))
}

fn title_of(lang: Lang, d: &Dashboard) -> String {
    lang.pick(&d.title, Some(d.title_en.as_str())).to_string()
}

/// Whether the viewer may make dashboards at all (sysadmin, or an admin
/// of some publisher).
fn may_create(v: &Viewer) -> bool {
    v.sysadmin || (!v.is_anonymous() && v.roles.keys().any(|p| v.can_admin(p)))
}

/// A key figure's value for people.
pub fn figure_value(lang: Lang, f: &KeyFigures, k: KeyFigure) -> String {
    match k {
        KeyFigure::OverdueShare => {
            format!("{}\u{a0}%", ds::number(lang, f.overdue_share().round()))
        }
        other => i18n::int(lang, f.value(other).max(0.0) as u64),
    }
}

/// One tile ready for a template.
#[derive(Serialize)]
pub struct TileView {
    /// Unique on the page (`tile-1`, ...).
    html_id: String,
    title: String,
    /// `chart` or `figure`.
    kind: String,
    /// A key figure's value, label and note.
    value: Option<String>,
    label: Option<String>,
    note: Option<String>,
    chart: Option<ds::Chart>,
    /// The data are not available to this viewer (private, deleted, no table).
    unavailable: bool,
    /// The chart could not be drawn (shown as a message).
    error: Option<String>,
    /// The resource page with this chart.
    source: Option<Link>,
}

fn figure_label(ctx: &Ctx, k: KeyFigure) -> String {
    ctx.t(&format!("dash_fig_{}", k.as_str()))
}

/// The tiles of a dashboard as `viewer` may see them.
pub async fn tile_views(
    st: &AppState,
    ctx: &Ctx,
    viewer: &Viewer,
    d: &Dashboard,
    figures: &KeyFigures,
    prefix: &str,
) -> Vec<TileView> {
    let mut out = Vec::with_capacity(d.tiles.len());
    for (i, t) in d.tiles.iter().enumerate() {
        let html_id = format!("{prefix}tile-{}", i + 1);
        let given = ctx
            .lang
            .pick(&t.title, Some(t.title_en.as_str()))
            .to_string();
        let view = match &t.kind {
            TileKind::Figure { figure } => {
                let label = figure_label(ctx, *figure);
                TileView {
                    html_id,
                    title: if given.is_empty() {
                        label.clone()
                    } else {
                        given
                    },
                    kind: "figure".into(),
                    value: Some(figure_value(ctx.lang, figures, *figure)),
                    label: Some(label),
                    note: match figure {
                        KeyFigure::DatasetsQuarter => Some(figures.quarter.clone()),
                        KeyFigure::OverdueShare => Some(
                            ctx.t("dash_fig_overdue_of")
                                .replace("{n}", &i18n::int(ctx.lang, figures.overdue as u64))
                                .replace("{total}", &i18n::int(ctx.lang, figures.datasets as u64)),
                        ),
                        _ => None,
                    },
                    chart: None,
                    unavailable: false,
                    error: None,
                    source: None,
                }
            }
            TileKind::Chart {
                chart,
                x,
                agg,
                y,
                filters,
                ..
            } => {
                let mut v = TileView {
                    html_id: html_id.clone(),
                    title: given,
                    kind: "chart".into(),
                    value: None,
                    label: None,
                    note: None,
                    chart: None,
                    unavailable: false,
                    error: None,
                    source: None,
                };
                match st.portal.dashboard_tile_table(viewer, t).await {
                    None => {
                        v.unavailable = true;
                        if v.title.is_empty() {
                            v.title = ctx.t("dash_tile_chart");
                        }
                    }
                    Some((dataset, r, table)) => {
                        let s = ViewState {
                            page: 1,
                            filters: filters.clone(),
                            chart: ChartState {
                                kind: chart.clone(),
                                x: x.clone(),
                                agg: agg.clone(),
                                y: y.clone(),
                            },
                            ..ViewState::default()
                        };
                        match ds::draw_chart(st, ctx, &r, &table, &s).await {
                            Ok(mut c) => {
                                // One id per chart on a page with many.
                                c.svg = c.svg.replacen(
                                    "\"chart-title\"",
                                    &format!("\"{html_id}-svg\""),
                                    2,
                                );
                                if v.title.is_empty() {
                                    v.title = c.title.clone();
                                }
                                v.chart = Some(c);
                            }
                            Err(m) => {
                                if v.title.is_empty() {
                                    v.title = ctx.t("dash_tile_chart");
                                }
                                v.error = Some(m);
                            }
                        }
                        let mut pairs: Vec<(String, String)> = filters
                            .iter()
                            .map(|(c, val)| (format!("f.{c}"), val.clone()))
                            .collect();
                        pairs.push(("chart".into(), chart.clone()));
                        pairs.push(("x".into(), x.clone()));
                        pairs.push(("agg".into(), agg.clone()));
                        if agg != "count" {
                            pairs.push(("y".into(), y.clone()));
                        }
                        let name = if r.name.trim().is_empty() {
                            r.url.clone()
                        } else {
                            r.name.clone()
                        };
                        v.source = Some(Link {
                            url: format!(
                                "{}/resource/{}{}#ds-chart",
                                dataset_url(&dataset),
                                segment(&r.id),
                                query_string(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                            ),
                            label: format!(
                                "{name} — {}",
                                ctx.lang.pick(&dataset.title, dataset.title_en.as_deref())
                            ),
                        });
                    }
                }
                v
            }
        };
        out.push(view);
    }
    out
}

#[derive(Serialize)]
struct ListRow {
    url: String,
    title: String,
    description: String,
    public: bool,
    tiles: usize,
    publisher: Option<String>,
    edit_url: Option<String>,
    kiosk_url: Option<String>,
}

#[derive(Serialize)]
struct ListView {
    rows: Vec<ListRow>,
    can_create: bool,
}

/// `GET /dashboards`.
pub async fn list(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let v = viewer(&ctx);
        let rows = st
            .portal
            .list_dashboards(&v)
            .await?
            .iter()
            .map(|d| ListRow {
                url: dashboard_url(d),
                title: title_of(ctx.lang, d),
                description: markdown::excerpt(
                    ctx.lang
                        .pick(&d.description, Some(d.description_en.as_str())),
                    200,
                ),
                public: d.public,
                tiles: d.tiles.len(),
                publisher: d
                    .owner_org
                    .as_deref()
                    .and_then(|o| st.portal.show_publisher(o).ok())
                    .map(|p| publisher_title(ctx.lang, &p)),
                edit_url: may_manage(&v, d).then(|| edit_url(d)),
                kiosk_url: d
                    .public
                    .then(|| format!("/kiosk?dashboard={}", segment(&d.name))),
            })
            .collect();
        let view = ListView {
            rows,
            can_create: may_create(&v),
        };
        let title = ctx.t("dash_list_title");
        st.page(
            &ctx,
            "dash_list.html",
            Meta::new(&title, "dashboards"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

#[derive(Serialize)]
struct ShowView {
    title: String,
    description: String,
    publisher: Option<Link>,
    public: bool,
    tiles: Vec<TileView>,
    edit_url: Option<String>,
    kiosk_url: String,
    updated: String,
    ds_css: String,
    dash_css: String,
}

/// `GET /dashboard/{name}`.
pub async fn show(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let r = async {
        let v = viewer(&ctx);
        let d = st.portal.show_dashboard(&v, &name).await?;
        let figures = st.portal.key_figures().await?;
        let tiles = tile_views(&st, &ctx, &v, &d, &figures, "").await;
        let publisher = d
            .owner_org
            .as_deref()
            .and_then(|o| st.portal.show_publisher(o).ok())
            .map(|p| Link {
                url: super::publisher_url(&p),
                label: publisher_title(ctx.lang, &p),
            });
        let title = title_of(ctx.lang, &d);
        let view = ShowView {
            title: title.clone(),
            description: markdown::render(
                ctx.lang
                    .pick(&d.description, Some(d.description_en.as_str())),
            ),
            publisher,
            public: d.public,
            tiles,
            edit_url: may_manage(&v, &d).then(|| edit_url(&d)),
            kiosk_url: format!("/kiosk?dashboard={}", segment(&d.name)),
            updated: i18n::datetime(ctx.lang, &d.modified),
            ds_css: st.templates.static_url("datastore.css"),
            dash_css: st.templates.static_url("dashboards.css"),
        };
        st.page(
            &ctx,
            "dash_show.html",
            Meta::new(&title, "dashboards"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

// ---------------------------------------------------------------------------
// The editor.

#[derive(Serialize, Default)]
struct DetailValues {
    title: String,
    title_en: String,
    name: String,
    description: String,
    description_en: String,
    owner_org: String,
    public: bool,
}

impl DetailValues {
    fn of(d: &Dashboard) -> Self {
        Self {
            title: d.title.clone(),
            title_en: d.title_en.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            description_en: d.description_en.clone(),
            owner_org: d.owner_org.clone().unwrap_or_default(),
            public: d.public,
        }
    }

    fn from_form(f: &Form) -> Self {
        Self {
            title: f.get("title").to_string(),
            title_en: f.get("title_en").to_string(),
            name: f.get("name").to_string(),
            description: f.get("description").to_string(),
            description_en: f.get("description_en").to_string(),
            owner_org: f.get("owner_org").to_string(),
            public: f.has("public"),
        }
    }
}

/// Who the dashboard may belong to: the whole portal (sysadmins) and the
/// publishers the person administers.
fn owner_choices(st: &AppState, ctx: &Ctx, v: &Viewer, current: &str) -> Vec<Choice> {
    let mut out = Vec::new();
    if v.sysadmin {
        out.push(Choice {
            value: String::new(),
            label: ctx.t("dash_owner_portal"),
            selected: current.is_empty(),
        });
    }
    for p in st.portal.list_publishers() {
        if v.can_admin(&p.id) {
            out.push(Choice {
                selected: current == p.id || current == p.name,
                value: p.id.clone(),
                label: publisher_title(ctx.lang, &p),
            });
        }
    }
    out
}

#[derive(Serialize)]
struct EditTile {
    id: String,
    title: String,
    summary: String,
    first: bool,
    last: bool,
}

#[derive(Serialize)]
struct ColumnChoices {
    resource_id: String,
    label: String,
    kinds: Vec<Choice>,
    xs: Vec<Choice>,
    aggs: Vec<Choice>,
    ys: Vec<Choice>,
    columns: Vec<Choice>,
}

#[derive(Serialize)]
struct EditView {
    is_new: bool,
    action: String,
    view_url: Option<String>,
    tiles_url: String,
    delete_url: String,
    edit_url: String,
    values: DetailValues,
    owners: Vec<Choice>,
    errors: Errors,
    tiles: Vec<EditTile>,
    figures: Vec<Choice>,
    sources: Vec<Choice>,
    picked: Option<ColumnChoices>,
    tile_errors: Vec<String>,
    /// The tile form's values after an error.
    tile_values: TileValues,
    saved: bool,
    dash_css: String,
}

#[derive(Serialize, Default, Clone)]
struct TileValues {
    chart: String,
    x: String,
    agg: String,
    y: String,
    filter_column: String,
    filter_value: String,
    tile_title: String,
    tile_title_en: String,
}

impl TileValues {
    fn from_form(f: &Form) -> Self {
        Self {
            chart: f.get("chart").to_string(),
            x: f.get("x").to_string(),
            agg: f.get("agg").to_string(),
            y: f.get("y").to_string(),
            filter_column: f.get("filter_column").to_string(),
            filter_value: f.get("filter_value").to_string(),
            tile_title: f.get("tile_title").to_string(),
            tile_title_en: f.get("tile_title_en").to_string(),
        }
    }
}

fn source_label(lang: Lang, s: &ChartSource) -> String {
    let name = if s.resource.name.trim().is_empty() {
        s.resource.url.clone()
    } else {
        s.resource.name.clone()
    };
    format!(
        "{} — {name}",
        lang.pick(&s.dataset_title, s.dataset_title_en.as_deref())
    )
}

fn tile_summary(ctx: &Ctx, t: &Tile, sources: &[ChartSource]) -> String {
    match &t.kind {
        TileKind::Figure { figure } => {
            format!(
                "{}: {}",
                ctx.t("dash_tile_figure"),
                figure_label(ctx, *figure)
            )
        }
        TileKind::Chart {
            resource_id,
            chart,
            x,
            agg,
            y,
            filters,
        } => {
            let what = ctx
                .t(&format!("ds_chart_title_{agg}"))
                .replace("{x}", x)
                .replace("{y}", y);
            let from = sources
                .iter()
                .find(|s| &s.resource.id == resource_id)
                .map(|s| source_label(ctx.lang, s))
                .unwrap_or_else(|| ctx.t("dash_tile_unavailable_short"));
            let mut s = format!(
                "{} ({}): {what} — {from}",
                ctx.t("dash_tile_chart"),
                ctx.t(&format!("ds_chart_kind_{chart}"))
            );
            for (c, v) in filters {
                s.push_str(&format!("; {c} = {v}"));
            }
            s
        }
    }
}

async fn column_choices(
    st: &AppState,
    ctx: &Ctx,
    v: &Viewer,
    sources: &[ChartSource],
    resource: &str,
    tv: &TileValues,
) -> Option<ColumnChoices> {
    let src = sources.iter().find(|s| s.resource.id == resource)?;
    let state = st.portal.datastore_state(v, resource).await.ok()?;
    let table = state.table.filter(|t| t.is_active())?;
    let pick = |items: Vec<(String, String)>, current: &str| -> Vec<Choice> {
        let current = if current.is_empty() {
            items.first().map(|i| i.0.clone()).unwrap_or_default()
        } else {
            current.to_string()
        };
        items
            .into_iter()
            .map(|(value, label)| Choice {
                selected: value == current,
                value,
                label,
            })
            .collect()
    };
    let kinds = ["bar", "line", "pie"]
        .iter()
        .map(|k| (k.to_string(), ctx.t(&format!("ds_chart_kind_{k}"))))
        .collect();
    let numbers: Vec<(String, String)> = table
        .fields
        .iter()
        .filter(|f| f.ty.is_number())
        .map(|f| (f.id.clone(), f.id.clone()))
        .collect();
    let mut aggs = vec![("count".to_string(), ctx.t("ds_agg_count"))];
    if !numbers.is_empty() {
        aggs.push(("sum".into(), ctx.t("ds_agg_sum")));
        aggs.push(("avg".into(), ctx.t("ds_agg_avg")));
    }
    // x defaults to the first text column, as on the resource page.
    let mut xs: Vec<(String, String)> = table
        .fields
        .iter()
        .map(|f| (f.id.clone(), f.id.clone()))
        .collect();
    if tv.x.is_empty()
        && let Some(pos) = table.fields.iter().position(|f| f.ty == FieldType::Text)
    {
        let first = xs.remove(pos);
        xs.insert(0, first);
    }
    let mut columns = vec![(String::new(), ctx.t("dash_filter_none"))];
    columns.extend(table.fields.iter().map(|f| (f.id.clone(), f.id.clone())));
    Some(ColumnChoices {
        resource_id: src.resource.id.clone(),
        label: source_label(ctx.lang, src),
        kinds: pick(kinds, &tv.chart),
        xs: pick(xs, &tv.x),
        aggs: pick(aggs, &tv.agg),
        ys: pick(numbers, &tv.y),
        columns: pick(columns, &tv.filter_column),
    })
}

struct EditState<'a> {
    values: DetailValues,
    errors: Errors,
    tile_errors: Vec<String>,
    tile_values: TileValues,
    picked: Option<&'a str>,
}

async fn render_edit(
    st: &AppState,
    ctx: &Ctx,
    v: &Viewer,
    d: Option<&Dashboard>,
    es: EditState<'_>,
) -> Result<Response, WebError> {
    let owner = d.and_then(|d| d.owner_org.clone());
    let sources = st.portal.dashboard_chart_sources(v, owner.as_deref());
    let picked = match (d, es.picked) {
        (Some(_), Some(rid)) if !rid.is_empty() => {
            column_choices(st, ctx, v, &sources, rid, &es.tile_values).await
        }
        _ => None,
    };
    let status = if es.errors.is_empty() && es.tile_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let tiles = d.map_or_else(Vec::new, |d| {
        let n = d.tiles.len();
        d.tiles
            .iter()
            .enumerate()
            .map(|(i, t)| EditTile {
                id: t.id.clone(),
                title: ctx
                    .lang
                    .pick(&t.title, Some(t.title_en.as_str()))
                    .to_string(),
                summary: if st.portal.may_read_tile(v, t) {
                    tile_summary(ctx, t, &sources)
                } else {
                    // Nothing of data the editor may no longer read.
                    let mut shown = t.clone();
                    misto_actions::dashboards::redact_tile(&mut shown);
                    tile_summary(ctx, &shown, &sources)
                },
                first: i == 0,
                last: i + 1 == n,
            })
            .collect()
    });
    let view = EditView {
        is_new: d.is_none(),
        action: d.map_or_else(|| "/dashboards/new".to_string(), edit_url),
        view_url: d.map(dashboard_url),
        tiles_url: d.map_or_else(String::new, |d| {
            format!("/dashboards/{}/tiles", segment(&d.name))
        }),
        delete_url: d.map_or_else(String::new, |d| {
            format!("/dashboards/{}/delete", segment(&d.name))
        }),
        edit_url: d.map_or_else(String::new, edit_url),
        owners: owner_choices(st, ctx, v, &es.values.owner_org),
        values: es.values,
        errors: es.errors,
        tiles,
        figures: KeyFigure::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_string(),
                label: figure_label(ctx, *k),
                selected: false,
            })
            .collect(),
        sources: sources
            .iter()
            .map(|s| Choice {
                value: s.resource.id.clone(),
                label: source_label(ctx.lang, s),
                selected: es.picked == Some(s.resource.id.as_str()),
            })
            .collect(),
        picked,
        tile_errors: es.tile_errors,
        tile_values: es.tile_values,
        saved: ctx.param("saved").is_some(),
        dash_css: st.templates.static_url("dashboards.css"),
    };
    let title = match d {
        None => ctx.t("dash_new_title"),
        Some(d) => format!("{}: {}", ctx.t("dash_edit_title"), title_of(ctx.lang, d)),
    };
    st.page_with_status(
        ctx,
        status,
        "dash_edit.html",
        Meta::new(&title, "dashboards"),
        &view,
    )
}

/// The signed-in person who may make dashboards, or the response to send.
#[allow(clippy::result_large_err)] // returned straight to axum, never stored
fn creator(st: &AppState, ctx: &Ctx) -> Result<Viewer, Response> {
    let s = require_login(ctx)?;
    if !may_create(&s.viewer) {
        return Err(st.error_page(ctx, WebError::Forbidden(ctx.t("error_not_allowed"))));
    }
    Ok(s.viewer.clone())
}

/// A dashboard the signed-in person may change, or the response to send.
async fn managed(st: &AppState, ctx: &Ctx, name: &str) -> Result<(Viewer, Dashboard), Response> {
    let s = require_login(ctx)?;
    let v = s.viewer.clone();
    // The stored definition (also tiles the editor may no longer read, so
    // that saving the details keeps them).
    let d = match st.portal.managed_dashboard(&v, name).await {
        Ok(d) => d,
        Err(misto_actions::ActionError::NotAuthorized(_)) => {
            return Err(st.error_page(ctx, WebError::Forbidden(ctx.t("error_not_allowed"))));
        }
        Err(e) => return Err(st.error_page(ctx, e.into())),
    };
    Ok((v, d))
}

/// [`managed`] for a form post: also decodes the form and checks its
/// origin and CSRF token.
async fn managed_post(
    st: &AppState,
    ctx: &Ctx,
    name: &str,
    body: &[u8],
) -> Result<(Viewer, Dashboard, Form), Response> {
    let (v, d) = managed(st, ctx, name).await?;
    let form = Form::parse(body);
    check_post(st, ctx, form.get("csrf")).map_err(|e| st.error_page(ctx, e))?;
    Ok((v, d, form))
}

fn empty_state<'a>(values: DetailValues, picked: Option<&'a str>) -> EditState<'a> {
    EditState {
        values,
        errors: Errors::default(),
        tile_errors: Vec::new(),
        tile_values: TileValues::default(),
        picked,
    }
}

/// `GET /dashboards/new`.
pub async fn new_form(State(st): State<AppState>, ctx: Ctx) -> Response {
    let v = match creator(&st, &ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let mut values = DetailValues::default();
    if !v.sysadmin {
        // A publisher admin's dashboard belongs to their (first) publisher.
        values.owner_org = owner_choices(&st, &ctx, &v, "")
            .first()
            .map(|c| c.value.clone())
            .unwrap_or_default();
    }
    let r = render_edit(&st, &ctx, &v, None, empty_state(values, None)).await;
    st.respond(&ctx, r)
}

const DETAIL_FIELDS: &[&str] = &[
    "title",
    "title_en",
    "name",
    "description",
    "description_en",
    "owner_org",
];

fn input_of(values: &DetailValues, tiles: Vec<Tile>) -> DashboardInput {
    DashboardInput {
        name: Some(values.name.trim().to_string()).filter(|n| !n.is_empty()),
        title: values.title.clone(),
        title_en: values.title_en.clone(),
        description: values.description.clone(),
        description_en: values.description_en.clone(),
        owner_org: Some(values.owner_org.trim().to_string()).filter(|o| !o.is_empty()),
        public: values.public,
        tiles,
    }
}

/// `POST /dashboards/new`.
pub async fn create(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let v = match creator(&st, &ctx) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let values = DetailValues::from_form(&form);
    let mut state = empty_state(values, None);
    match st
        .portal
        .create_dashboard(&v, input_of(&state.values, Vec::new()))
        .await
    {
        Ok(d) => return see_other(&ctx, &edit_url(&d)),
        Err(e) => {
            if let Err(e) = state.errors.absorb(&ctx, DETAIL_FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let r = render_edit(&st, &ctx, &v, None, state).await;
    st.respond(&ctx, r)
}

/// `GET /dashboards/{name}/edit` (`?resource=` picks the resource of a new
/// chart tile).
pub async fn edit_form(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let (v, d) = match managed(&st, &ctx, &name).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let picked = ctx.param("resource").map(str::to_string);
    let r = render_edit(
        &st,
        &ctx,
        &v,
        Some(&d),
        empty_state(DetailValues::of(&d), picked.as_deref()),
    )
    .await;
    st.respond(&ctx, r)
}

/// `POST /dashboards/{name}/edit`: the details.
pub async fn edit(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (v, d, form) = match managed_post(&st, &ctx, &name, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let values = DetailValues::from_form(&form);
    let mut state = empty_state(values, None);
    match st
        .portal
        .update_dashboard(&v, &d.id, input_of(&state.values, d.tiles.clone()))
        .await
    {
        Ok(saved) => return see_other(&ctx, &format!("{}?saved=1", edit_url(&saved))),
        Err(e) => {
            if let Err(e) = state.errors.absorb(&ctx, DETAIL_FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let r = render_edit(&st, &ctx, &v, Some(&d), state).await;
    st.respond(&ctx, r)
}

/// The tile the "add a chart" form describes.
fn chart_tile(form: &Form) -> Tile {
    let mut filters = Vec::new();
    let (c, val) = (
        form.get("filter_column").trim(),
        form.get("filter_value").trim(),
    );
    if !c.is_empty() {
        filters.push((c.to_string(), val.to_string()));
    }
    Tile {
        id: String::new(),
        title: form.get("tile_title").to_string(),
        title_en: form.get("tile_title_en").to_string(),
        kind: TileKind::Chart {
            resource_id: form.get("resource_id").to_string(),
            chart: form.get("chart").to_string(),
            x: form.get("x").to_string(),
            agg: form.get("agg").to_string(),
            y: form.get("y").to_string(),
            filters,
        },
    }
}

/// `POST /dashboards/{name}/tiles`: `op` is `add_figure`, `add_chart`,
/// `up`, `down` or `remove` (with `tile`).
pub async fn tiles(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (v, d, form) = match managed_post(&st, &ctx, &name, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let op = form.get("op");
    let result = match op {
        "add_figure" => match KeyFigure::parse(form.get("figure")) {
            Some(figure) => {
                let tile = Tile {
                    id: String::new(),
                    title: form.get("tile_title").to_string(),
                    title_en: form.get("tile_title_en").to_string(),
                    kind: TileKind::Figure { figure },
                };
                st.portal.add_dashboard_tile(&v, &d.id, tile).await
            }
            None => Err(misto_actions::ActionError::invalid(
                "figure",
                ctx.t("dash_error_figure"),
            )),
        },
        "add_chart" => {
            st.portal
                .add_dashboard_tile(&v, &d.id, chart_tile(&form))
                .await
        }
        "up" | "down" | "remove" => {
            let how = match op {
                "up" => TileMove::Up,
                "down" => TileMove::Down,
                _ => TileMove::Remove,
            };
            st.portal
                .move_dashboard_tile(&v, &d.id, form.get("tile"), how)
                .await
        }
        _ => {
            return st.error_page(&ctx, WebError::BadRequest(ctx.t("error_bad_request_title")));
        }
    };
    match result {
        Ok(saved) => see_other(&ctx, &format!("{}?saved=1#tiles", edit_url(&saved))),
        Err(e) => {
            let mut errors = Errors::default();
            if let Err(e) = errors.absorb(&ctx, &[], e) {
                return st.error_page(&ctx, e);
            }
            // "tiles: Tile 3: ..." reads as "Tile 3: ...".
            let tile_errors: Vec<String> = errors
                .general
                .into_iter()
                .map(|m| m.strip_prefix("tiles: ").map(str::to_string).unwrap_or(m))
                .collect();
            let rid = form.get("resource_id").to_string();
            let state = EditState {
                values: DetailValues::of(&d),
                errors: Errors::default(),
                tile_errors,
                tile_values: TileValues::from_form(&form),
                picked: (op == "add_chart").then_some(rid.as_str()),
            };
            let r = render_edit(&st, &ctx, &v, Some(&d), state).await;
            st.respond(&ctx, r)
        }
    }
}

/// `POST /dashboards/{name}/delete`.
pub async fn delete(
    State(st): State<AppState>,
    Path(name): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (v, d, form) = match managed_post(&st, &ctx, &name, &body).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !form.has("confirm") {
        return st.error_page(&ctx, WebError::BadRequest(ctx.t("dash_delete_unconfirmed")));
    }
    match st.portal.delete_dashboard(&v, &d.id).await {
        Ok(_) => see_other(&ctx, "/dashboards"),
        Err(e) => st.error_page(&ctx, e.into()),
    }
}
