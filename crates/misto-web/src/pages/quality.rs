//! Quality pages: a resource's validation report with the versions of its
//! file and the safe fixes (preview, then apply) for its editors
//! (`/dataset/{d}/resource/{r}/quality`); a dataset's quality score with
//! its breakdown and its structure file, editable by its editors
//! (`/dataset/{d}/quality`); the rating of publishers (`/rating`). The
//! summaries shown on the resource and dataset pages come from here too.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use misto_actions::quality::{ProblemView, ValidationReport, ValidationStatus};
use misto_actions::quality::{QualityScore, StructureInput};
use misto_core::auth::can_edit_dataset;
use misto_core::{Dataset, JobState, Resource};
use serde::Serialize;

use super::forms::edit_post;
use super::{Link, dataset_title, dataset_url, publisher_title, viewer};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError, see_other, segment};

/// The validation state of a resource's current file, as a page shows it.
#[derive(Serialize)]
pub struct ResourceQualitySummary {
    /// `valid`, `invalid`, `pending`, `not_validated`.
    pub status: String,
    pub status_label: String,
    pub errors: usize,
    pub warnings: usize,
    pub stars: u8,
    pub url: String,
}

fn status_of(v: &ValidationStatus) -> &'static str {
    let waiting = v
        .job
        .as_ref()
        .is_some_and(|j| matches!(j.state, JobState::Pending | JobState::Running));
    match (&v.record, waiting) {
        (_, true) => "pending",
        (Some(r), false) if r.passed => "valid",
        (Some(_), false) => "invalid",
        (None, false) => "not_validated",
    }
}

fn resource_quality_url(d: &Dataset, r: &Resource) -> String {
    format!("{}/resource/{}/quality", dataset_url(d), segment(&r.id))
}

/// The summary for the resource page (nothing when the store cannot say).
pub async fn resource_summary(
    st: &AppState,
    ctx: &Ctx,
    d: &Dataset,
    r: &Resource,
) -> Option<ResourceQualitySummary> {
    let v = match st.portal.resource_validation(&viewer(ctx), &r.id).await {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(resource = r.id, error = %e, "validation status unavailable");
            return None;
        }
    };
    let status = status_of(&v);
    Some(ResourceQualitySummary {
        status: status.to_string(),
        status_label: ctx.t(&format!("quality_status_{status}")),
        errors: v.report.as_ref().map_or(0, |r| r.errors),
        warnings: v.report.as_ref().map_or(0, |r| r.warnings),
        stars: v.report.as_ref().map_or(0, |r| r.openness_stars),
        url: resource_quality_url(d, r),
    })
}

/// The score and structure links for the dataset page.
#[derive(Serialize)]
pub struct DatasetQualityBox {
    pub score: u32,
    pub meets: bool,
    pub url: String,
    pub structure: Option<StructureLinks>,
}

#[derive(Serialize)]
pub struct StructureLinks {
    pub json_url: String,
    pub csv_url: String,
}

fn structure_links(d: &Dataset) -> StructureLinks {
    StructureLinks {
        json_url: format!("{}/structure.json", dataset_url(d)),
        csv_url: format!("{}/structure.csv", dataset_url(d)),
    }
}

pub async fn dataset_box(st: &AppState, ctx: &Ctx, d: &Dataset) -> Option<DatasetQualityBox> {
    let v = viewer(ctx);
    let score = match st.portal.dataset_quality(&v, &d.id).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(dataset = d.id, error = %e, "quality score unavailable");
            return None;
        }
    };
    let has_structure = matches!(st.portal.dataset_structure(&v, &d.id).await, Ok(Some(_)));
    Some(DatasetQualityBox {
        score: score.score,
        meets: score.meets_recommendations,
        url: format!("{}/quality", dataset_url(d)),
        structure: has_structure.then(|| structure_links(d)),
    })
}

// ---- the resource's report -------------------------------------------------

#[derive(Serialize)]
struct ProblemRow {
    severity: String,
    severity_label: String,
    place: String,
    message: String,
    fix: String,
}

#[derive(Serialize)]
struct FixOffer {
    id: String,
    label: String,
    preview_url: String,
}

#[derive(Serialize)]
struct PreviewRow {
    line: usize,
    before: String,
    after: String,
}

#[derive(Serialize)]
struct FixPreviewView {
    fix: String,
    label: String,
    changed_rows: usize,
    rows: Vec<PreviewRow>,
    action: String,
}

#[derive(Serialize)]
struct VersionRow {
    created: String,
    origin: String,
    size: String,
    url: String,
    current: bool,
}

#[derive(Serialize)]
struct ResourceQualityView {
    title: String,
    dataset: Link,
    resource: Link,
    summary: ResourceQualitySummary,
    validated: Option<String>,
    format: String,
    encoding: Option<String>,
    rows: usize,
    structure_checked: bool,
    problems: Vec<ProblemRow>,
    more_problems: bool,
    can_edit: bool,
    fixes: Vec<FixOffer>,
    preview: Option<FixPreviewView>,
    fixed: bool,
    versions: Vec<VersionRow>,
}

fn problem_row(ctx: &Ctx, p: &ProblemView) -> ProblemRow {
    let lang = ctx.lang;
    let mut place = Vec::new();
    if let Some(t) = &p.table {
        place.push(t.clone());
    }
    if let Some(r) = p.row {
        place.push(format!("{} {r}", ctx.t("quality_row")));
    }
    if let Some(c) = &p.column {
        place.push(format!("{} «{c}»", ctx.t("quality_column")));
    }
    ProblemRow {
        severity: p.severity.clone(),
        severity_label: ctx.t(&format!("quality_severity_{}", p.severity)),
        place: place.join(", "),
        message: lang.pick(&p.message_uk, Some(&p.message_en)).to_string(),
        fix: lang.pick(&p.fix_uk, Some(&p.fix_en)).to_string(),
    }
}

fn origin_label(ctx: &Ctx, origin: &str) -> String {
    match origin.strip_prefix("fix:") {
        Some(fix) => format!(
            "{}: {}",
            ctx.t("quality_origin_fix"),
            ctx.t(&format!("quality_fix_{fix}"))
        ),
        None => ctx.t("quality_origin_upload"),
    }
}

pub async fn resource_quality(
    State(st): State<AppState>,
    Path((dataset, resource)): Path<(String, String)>,
    ctx: Ctx,
) -> Response {
    let r = build_resource(&st, &ctx, &dataset, &resource).await;
    st.respond(&ctx, r)
}

async fn build_resource(
    st: &AppState,
    ctx: &Ctx,
    dataset: &str,
    resource: &str,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let v = viewer(ctx);
    let (d, r) = st.portal.show_resource(&v, resource)?;
    if d.id != dataset && d.name != dataset {
        return Err(WebError::NotFound);
    }
    let status = st.portal.resource_validation(&v, &r.id).await?;
    let summary = resource_summary(st, ctx, &d, &r)
        .await
        .ok_or_else(|| WebError::Internal("validation status".into()))?;
    let can_edit = can_edit_dataset(&v, &d) && r.is_upload();
    let report: Option<&ValidationReport> = status.report.as_ref();
    let base = resource_quality_url(&d, &r);
    let fixes: Vec<FixOffer> = if can_edit {
        report
            .map(|rep| {
                rep.fixes
                    .iter()
                    .map(|f| FixOffer {
                        id: f.clone(),
                        label: ctx.t(&format!("quality_fix_{f}")),
                        preview_url: format!("{base}?preview={f}#preview-title"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let wanted = ctx.params("preview").next().map(str::to_string);
    let preview = match wanted {
        Some(fix) if can_edit => {
            let p = st
                .portal
                .preview_fix(&v, &r.id, &fix)
                .await
                .map_err(|e| match e {
                    misto_actions::ActionError::Validation(_) => {
                        WebError::BadRequest(ctx.t("quality_fix_not_applicable"))
                    }
                    e => e.into(),
                })?;
            Some(FixPreviewView {
                label: ctx.t(&format!("quality_fix_{}", p.fix)),
                fix: p.fix,
                changed_rows: p.changed_rows,
                rows: p
                    .preview
                    .iter()
                    .map(|c| PreviewRow {
                        line: c.line,
                        before: c.before.join(" | "),
                        after: c
                            .after
                            .as_ref()
                            .map(|a| a.join(" | "))
                            .unwrap_or_else(|| ctx.t("quality_row_removed")),
                    })
                    .collect(),
                action: format!("{}/resource/{}/fix", dataset_url(&d), segment(&r.id)),
            })
        }
        _ => None,
    };
    let versions = st
        .portal
        .resource_versions(&v, &r.id)
        .await?
        .into_iter()
        .map(|x| VersionRow {
            created: i18n::datetime(lang, &x.created),
            origin: origin_label(ctx, &x.origin),
            size: i18n::size(lang, x.size),
            url: format!(
                "/dataset/{}/resource/{}/version/{}/download/{}",
                segment(&d.id),
                segment(&r.id),
                segment(&x.id),
                segment(&x.file_name)
            ),
            current: r.blob_key.as_deref() == Some(x.blob_key.as_str()),
        })
        .collect();
    let title = if r.name.trim().is_empty() {
        r.url.clone()
    } else {
        r.name.clone()
    };
    let problems: Vec<ProblemRow> = report
        .map(|rep| rep.problems.iter().map(|p| problem_row(ctx, p)).collect())
        .unwrap_or_default();
    let view = ResourceQualityView {
        title: format!("{}: {title}", ctx.t("quality_report_title")),
        dataset: Link {
            url: dataset_url(&d),
            label: dataset_title(lang, &d),
        },
        resource: Link {
            url: format!("{}/resource/{}", dataset_url(&d), segment(&r.id)),
            label: title,
        },
        summary,
        validated: status
            .record
            .as_ref()
            .map(|x| i18n::datetime(lang, &x.validated)),
        format: report.map(|x| x.format.clone()).unwrap_or_default(),
        encoding: report.and_then(|x| x.encoding.clone()),
        rows: report.map_or(0, |x| x.rows),
        structure_checked: report.is_some_and(|x| x.structure_checked),
        more_problems: report
            .is_some_and(|x| x.problems.iter().map(|p| p.count).sum::<usize>() > x.problems.len()),
        problems,
        can_edit,
        fixes,
        preview,
        fixed: ctx.params("fixed").next().is_some(),
        versions,
    };
    st.page(
        ctx,
        "quality_resource.html",
        Meta::new(&view.title, "dataset"),
        &view,
    )
}

/// POST `/dataset/{d}/resource/{r}/fix`: applies the fix named in the form.
pub async fn resource_fix(
    State(st): State<AppState>,
    Path((dataset, resource)): Path<(String, String)>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (session, form, d) = match edit_post(&st, &ctx, &body, &dataset) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(r) = d.resources.iter().find(|r| r.id == resource).cloned() else {
        return st.error_page(&ctx, WebError::NotFound);
    };
    match st
        .portal
        .apply_fix(&session.viewer, &r.id, form.get("fix"))
        .await
    {
        Ok(_) => see_other(&ctx, &format!("{}?fixed=1", resource_quality_url(&d, &r))),
        Err(misto_actions::ActionError::Validation(_)) => st.error_page(
            &ctx,
            WebError::BadRequest(ctx.t("quality_fix_not_applicable")),
        ),
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

// ---- the dataset's score and structure file --------------------------------

#[derive(Serialize)]
struct CriterionRow {
    label: String,
    points: u32,
    weight: u32,
    detail: String,
    advice: String,
}

#[derive(Serialize)]
struct FieldRow {
    name: String,
    title: String,
    datatype: String,
    required: bool,
}

#[derive(Serialize)]
struct DatasetQualityView {
    title: String,
    dataset: Link,
    score: u32,
    meets: bool,
    criteria: Vec<CriterionRow>,
    structure: Option<StructureLinks>,
    structure_source: String,
    fields: Vec<FieldRow>,
    can_edit: bool,
    structure_csv: String,
    structure_action: String,
    saved: bool,
    error: Option<String>,
}

fn criteria_rows(ctx: &Ctx, s: &QualityScore) -> Vec<CriterionRow> {
    let lang = ctx.lang;
    s.criteria
        .iter()
        .map(|c| CriterionRow {
            label: ctx.t(&format!("quality_criterion_{}", c.id)),
            points: c.points,
            weight: c.weight,
            detail: lang.pick(&c.detail_uk, Some(&c.detail_en)).to_string(),
            advice: lang.pick(&c.advice_uk, Some(&c.advice_en)).to_string(),
        })
        .collect()
}

pub async fn dataset_quality(
    State(st): State<AppState>,
    Path(dataset): Path<String>,
    ctx: Ctx,
) -> Response {
    let r = build_dataset(&st, &ctx, &dataset, None, None).await;
    st.respond(&ctx, r)
}

async fn build_dataset(
    st: &AppState,
    ctx: &Ctx,
    dataset: &str,
    error: Option<String>,
    typed: Option<String>,
) -> Result<Response, WebError> {
    let lang = ctx.lang;
    let v = viewer(ctx);
    let d = st.portal.show_dataset(&v, dataset)?;
    let score = st.portal.dataset_quality(&v, &d.id).await?;
    let structure = st.portal.dataset_structure(&v, &d.id).await?;
    let (fields, source, csv) = match &structure {
        Some((rec, schema)) => (
            schema
                .fields
                .iter()
                .map(|f| FieldRow {
                    name: f.name.clone(),
                    title: f.title.clone(),
                    datatype: f.datatype.as_str().to_string(),
                    required: f.required,
                })
                .collect(),
            ctx.t(&format!("quality_structure_{}", rec.source)),
            schema.to_ministry_csv(),
        ),
        None => (Vec::new(), String::new(), String::new()),
    };
    let view = DatasetQualityView {
        title: format!(
            "{}: {}",
            ctx.t("quality_score_title"),
            dataset_title(lang, &d)
        ),
        dataset: Link {
            url: dataset_url(&d),
            label: dataset_title(lang, &d),
        },
        score: score.score,
        meets: score.meets_recommendations,
        criteria: criteria_rows(ctx, &score),
        structure: structure.as_ref().map(|_| structure_links(&d)),
        structure_source: source,
        fields,
        can_edit: can_edit_dataset(&v, &d),
        structure_csv: typed.unwrap_or(csv),
        structure_action: format!("{}/structure", dataset_url(&d)),
        saved: ctx.params("saved").next().is_some(),
        error,
    };
    st.page(
        ctx,
        "quality_dataset.html",
        Meta::new(&view.title, "dataset"),
        &view,
    )
}

/// POST `/dataset/{d}/structure`: saves the structure file written in the
/// Ministry's CSV form.
pub async fn structure_save(
    State(st): State<AppState>,
    Path(dataset): Path<String>,
    ctx: Ctx,
    body: Bytes,
) -> Response {
    let (session, form, d) = match edit_post(&st, &ctx, &body, &dataset) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let text = form.get("structure").to_string();
    let input = StructureInput::MinistryFile {
        bytes: text.clone().into_bytes(),
        file_name: "structure.csv".into(),
    };
    match st
        .portal
        .save_structure(&session.viewer, &d.id, input)
        .await
    {
        Ok(_) => see_other(&ctx, &format!("{}/quality?saved=1", dataset_url(&d))),
        Err(misto_actions::ActionError::Validation(f)) => {
            let msg =
                f.0.values()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ");
            let msg = format!("{} {msg}", ctx.t("quality_structure_invalid"));
            let r = build_dataset(&st, &ctx, &d.name, Some(msg), Some(text)).await;
            st.respond(&ctx, r)
        }
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

// ---- the rating of publishers ----------------------------------------------

#[derive(Serialize)]
struct RatingRow {
    rank: usize,
    publisher: Link,
    datasets: usize,
    average: String,
    meeting: String,
    on_time: String,
    mandatory: usize,
    /// A small SVG trend of the average score by quarter (two quarters or more).
    trend: Option<Trend>,
}

#[derive(Serialize)]
struct TrendPoint {
    x: u32,
    y: u32,
}

#[derive(Serialize)]
struct Trend {
    points: String,
    dots: Vec<TrendPoint>,
    label: String,
}

const TREND_WIDTH: u32 = 120;
const TREND_HEIGHT: u32 = 32;

/// The trend of average scores (0–100) over the quarters, oldest first;
/// quarters without a figure are left out.
fn trend(lang: Lang, label: &str, values: &[(String, Option<f64>)]) -> Option<Trend> {
    let known: Vec<(usize, &String, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, (q, v))| v.map(|v| (i, q, v)))
        .collect();
    if known.len() < 2 {
        return None;
    }
    let step = (TREND_WIDTH - 8) / (values.len().max(2) as u32 - 1);
    let dots: Vec<TrendPoint> = known
        .iter()
        .map(|(i, _, v)| TrendPoint {
            x: 4 + *i as u32 * step,
            y: TREND_HEIGHT
                - 4
                - (v.clamp(0.0, 100.0) * f64::from(TREND_HEIGHT - 8) / 100.0) as u32,
        })
        .collect();
    Some(Trend {
        points: dots
            .iter()
            .map(|p| format!("{},{}", p.x, p.y))
            .collect::<Vec<_>>()
            .join(" "),
        label: format!(
            "{label}: {}",
            known
                .iter()
                .map(|(_, q, v)| format!("{q} — {}", average(lang, *v)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        dots,
    })
}

#[derive(Serialize)]
struct HistoryRow {
    quarter: Link,
    live: bool,
    datasets: usize,
    average: String,
    meeting: String,
    meeting_reached: bool,
    on_time: String,
    on_time_reached: bool,
    mandatory: usize,
}

#[derive(Serialize)]
struct RatingView {
    title: String,
    quarter: String,
    live: bool,
    taken: String,
    rows: Vec<RatingRow>,
    council: RatingRow,
    target: String,
    meeting_reached: bool,
    on_time_reached: bool,
    mandatory_total: usize,
    history: Vec<HistoryRow>,
    trend_width: u32,
    trend_height: u32,
}

fn percent(lang: Lang, share: f64) -> String {
    super::monitoring::percent(lang, share)
}

fn average(lang: Lang, x: f64) -> String {
    super::monitoring::decimal(lang, x)
}

pub async fn rating(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = build_rating(&st, &ctx).await;
    st.respond(&ctx, r)
}

async fn build_rating(st: &AppState, ctx: &Ctx) -> Result<Response, WebError> {
    use misto_actions::monitoring::Quarter;
    let lang = ctx.lang;
    let asked = match ctx
        .param("quarter")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => {
            Some(Quarter::parse(s).ok_or_else(|| WebError::BadRequest(ctx.t("mon_bad_quarter")))?)
        }
    };
    let history = st.portal.publisher_rating_history(None).await?;
    let rating = match asked {
        None => history.last().cloned(),
        Some(q) => history.iter().find(|r| r.quarter == q.to_string()).cloned(),
    };
    let rating = match rating {
        Some(r) => r,
        // An ended quarter without a snapshot, or one not begun: the
        // action says which.
        None => st
            .portal
            .publisher_rating_for(asked.map(|q| q.to_string()).as_deref())
            .await
            .map_err(|e| match e {
                misto_actions::ActionError::Validation(_) => {
                    WebError::BadRequest(ctx.t("mon_bad_quarter"))
                }
                e => e.into(),
            })?,
    };
    let quarter_link = |q: &str| format!("/rating?quarter={}", q.replace('-', ""));
    let row = |rank: usize,
               publisher: Link,
               f: &misto_actions::quality::RatingFigures,
               trend: Option<Trend>| RatingRow {
        rank,
        publisher,
        datasets: f.datasets,
        average: average(lang, f.average_score),
        meeting: percent(lang, f.meeting_share),
        on_time: percent(lang, f.on_time_share),
        mandatory: f.mandatory_fulfilled,
        trend,
    };
    let trend_label = ctx.t("mon_hist_trend");
    let rows = rating
        .publishers
        .iter()
        .map(|p| {
            let label = st
                .portal
                .show_publisher(&p.publisher_id)
                .map(|x| publisher_title(lang, &x))
                .unwrap_or_else(|_| p.title.clone());
            let values: Vec<(String, Option<f64>)> = history
                .iter()
                .map(|h| {
                    let v = h
                        .publishers
                        .iter()
                        .find(|x| x.publisher_id == p.publisher_id && x.figures.datasets > 0)
                        .map(|x| x.figures.average_score);
                    (h.quarter.clone(), v)
                })
                .collect();
            row(
                p.rank,
                Link {
                    url: format!("/organization/{}", segment(&p.name)),
                    label,
                },
                &p.figures,
                trend(lang, &trend_label, &values),
            )
        })
        .collect();
    let council_values: Vec<(String, Option<f64>)> = history
        .iter()
        .map(|h| {
            (
                h.quarter.clone(),
                (h.council.datasets > 0).then_some(h.council.average_score),
            )
        })
        .collect();
    let history_rows = history
        .iter()
        .map(|h| HistoryRow {
            quarter: Link {
                url: quarter_link(&h.quarter),
                label: h.quarter.clone(),
            },
            live: h.live,
            datasets: h.council.datasets,
            average: average(lang, h.council.average_score),
            meeting: percent(lang, h.council.meeting_share),
            meeting_reached: h.council.meeting_share >= h.target_share,
            on_time: percent(lang, h.council.on_time_share),
            on_time_reached: h.council.on_time_share >= h.target_share,
            mandatory: h.council.mandatory_fulfilled,
        })
        .collect();
    let view = RatingView {
        title: ctx.t("quality_rating_title"),
        quarter: rating.quarter.clone(),
        live: rating.live,
        taken: i18n::datetime(lang, &rating.taken),
        rows,
        council: row(
            0,
            Link {
                url: "/organization".into(),
                label: ctx.t("quality_rating_council"),
            },
            &rating.council,
            trend(lang, &trend_label, &council_values),
        ),
        target: percent(lang, rating.target_share),
        meeting_reached: rating.council.meeting_share >= rating.target_share,
        on_time_reached: rating.council.on_time_share >= rating.target_share,
        mandatory_total: rating.mandatory_total,
        history: history_rows,
        trend_width: TREND_WIDTH,
        trend_height: TREND_HEIGHT,
    };
    st.page(
        ctx,
        "quality_rating.html",
        Meta::new(&view.title, "organization"),
        &view,
    )
}
