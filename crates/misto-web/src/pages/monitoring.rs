//! Quarterly monitoring for coordinators: `/monitoring?quarter=2026Q4`
//! (the figures of every publisher and of the council), its exports
//! `/monitoring.csv` and `/monitoring.xlsx`, and the assessment card
//! ("Картка оцінки стану оприлюднення і оновлення відкритих даних"):
//! `/monitoring/card?organization=NAME` and `/monitoring/card.xlsx` (one
//! sheet per card). The card's layout is the `assessment_card.html`
//! template, which an install may replace in its theme folder. Roles are
//! checked by `Portal::monitoring_show`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::ActionError;
use misto_actions::monitoring::{
    EXPORT_COLUMNS, Indicator, Monitoring, MonitoringFigures, Quarter, Unit, assessment_card,
    export_value,
};
use serde::Serialize;

use super::forms::require_login;
use super::{Link, viewer};
use crate::AppState;
use crate::i18n::{self, Lang};
use crate::render::{Ctx, Meta, WebError, query_string, segment};

/// A share as a percentage (`83 %` in Ukrainian, `83%` in English).
pub fn percent(lang: Lang, share: f64) -> String {
    let n = (share * 100.0).round() as i64;
    match lang {
        Lang::Uk => format!("{n} %"),
        Lang::En => format!("{n}%"),
    }
}

/// A number with one decimal (decimal comma in Ukrainian).
pub fn decimal(lang: Lang, x: f64) -> String {
    let s = format!("{x:.1}");
    match lang {
        Lang::Uk => s.replace('.', ","),
        Lang::En => s,
    }
}

fn opt_percent(ctx: &Ctx, share: Option<f64>) -> String {
    share.map_or_else(|| ctx.t("mon_na"), |s| percent(ctx.lang, s))
}

fn quarter_param(ctx: &Ctx) -> Result<Option<Quarter>, WebError> {
    match ctx
        .param("quarter")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Ok(None),
        Some(s) => Quarter::parse(s)
            .map(Some)
            .ok_or_else(|| WebError::BadRequest(ctx.t("mon_bad_quarter"))),
    }
}

async fn load(
    st: &AppState,
    ctx: &Ctx,
    organization: Option<&str>,
) -> Result<Monitoring, WebError> {
    let q = quarter_param(ctx)?.map(|q| q.to_string());
    st.portal
        .monitoring_show(&viewer(ctx), q.as_deref(), organization)
        .await
        .map_err(|e| match e {
            ActionError::NotAuthorized(_) => WebError::Forbidden(ctx.t("mon_not_allowed")),
            ActionError::Validation(_) => WebError::BadRequest(ctx.t("mon_bad_quarter")),
            e => e.into(),
        })
}

fn publisher_label(lang: Lang, title: &str, title_en: Option<&str>) -> String {
    lang.pick(title, title_en).to_string()
}

fn with_quarter(path: &str, quarter: &str, extra: Option<(&str, &str)>) -> String {
    let mut pairs = vec![("quarter", quarter)];
    if let Some(e) = extra {
        pairs.push(e);
    }
    format!("{path}{}", query_string(pairs))
}

#[derive(Serialize)]
struct QuarterChoice {
    value: String,
    label: String,
    selected: bool,
}

async fn quarter_choices(st: &AppState, current: &str) -> Vec<QuarterChoice> {
    let quarters = st.portal.monitoring_quarters().await.unwrap_or_default();
    let mut out: Vec<QuarterChoice> = quarters
        .iter()
        .map(|q| QuarterChoice {
            value: format!("{}Q{}", q.year, q.number),
            label: q.to_string(),
            selected: q.to_string() == current,
        })
        .collect();
    if !out.iter().any(|c| c.selected) {
        out.push(QuarterChoice {
            value: current.replace('-', ""),
            label: current.to_string(),
            selected: true,
        });
    }
    out
}

fn period_note(ctx: &Ctx, m: &Monitoring) -> String {
    let lang = ctx.lang;
    if m.live {
        format!("{} {}.", ctx.t("mon_live"), i18n::datetime(lang, &m.taken))
    } else {
        format!(
            "{}: {}.",
            ctx.t("mon_snapshot"),
            i18n::datetime(lang, &m.taken)
        )
    }
}

// ---- the monitoring page ------------------------------------------------------

#[derive(Serialize)]
struct Row {
    rank: String,
    publisher: Link,
    datasets: String,
    updated: usize,
    on_time: String,
    average: String,
    meeting: String,
    mandatory: String,
    validation: String,
    feedback: String,
    register: String,
    card_url: String,
}

#[derive(Serialize)]
struct MonitoringView {
    title: String,
    quarter: String,
    period: String,
    note: String,
    quarters: Vec<QuarterChoice>,
    council: Row,
    rows: Vec<Row>,
    csv_url: String,
    xlsx_url: String,
    card_url: String,
    card_xlsx_url: String,
}

fn row(
    ctx: &Ctx,
    quarter: &str,
    rank: String,
    publisher: Link,
    card: Option<&str>,
    f: &MonitoringFigures,
) -> Row {
    let lang = ctx.lang;
    Row {
        rank,
        publisher,
        datasets: format!("{} ({})", f.datasets, f.datasets_new),
        updated: f.datasets_updated,
        on_time: opt_percent(ctx, f.on_time_share),
        average: f
            .average_score
            .map_or_else(|| ctx.t("mon_na"), |a| decimal(lang, a)),
        meeting: opt_percent(ctx, f.meeting_share),
        mandatory: format!("{} / {}", f.mandatory_fulfilled, f.mandatory_total),
        validation: opt_percent(ctx, f.validation_pass_rate),
        feedback: format!("{} ({})", f.feedback_received, f.feedback_answered),
        register: opt_percent(ctx, f.register_completeness),
        card_url: with_quarter(
            "/monitoring/card",
            quarter,
            card.map(|c| ("organization", c)),
        ),
    }
}

/// `GET /monitoring`.
pub async fn monitoring(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let m = load(&st, &ctx, None).await?;
        let q = m.quarter.replace('-', "");
        let lang = ctx.lang;
        let rows = m
            .publishers
            .iter()
            .map(|e| {
                row(
                    &ctx,
                    &q,
                    e.rank.to_string(),
                    Link {
                        url: format!("/organization/{}", segment(&e.name)),
                        label: publisher_label(lang, &e.title, e.title_en.as_deref()),
                    },
                    Some(e.name.as_str()),
                    &e.figures,
                )
            })
            .collect();
        let view = MonitoringView {
            title: ctx.t("mon_title"),
            quarter: m.quarter.clone(),
            period: format!(
                "{} — {}",
                i18n::date(lang, &m.period_start),
                i18n::date(lang, &(m.period_end - chrono::Duration::seconds(1)))
            ),
            note: period_note(&ctx, &m),
            quarters: quarter_choices(&st, &m.quarter).await,
            council: row(
                &ctx,
                &q,
                String::new(),
                Link {
                    url: "/organization".into(),
                    label: ctx.t("mon_council"),
                },
                None,
                &m.council,
            ),
            rows,
            csv_url: with_quarter("/monitoring.csv", &q, None),
            xlsx_url: with_quarter("/monitoring.xlsx", &q, None),
            card_url: with_quarter("/monitoring/card", &q, None),
            card_xlsx_url: with_quarter("/monitoring/card.xlsx", &q, None),
        };
        st.page(
            &ctx,
            "monitoring.html",
            Meta::new(&view.title, "dashboard"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

// ---- exports --------------------------------------------------------------------

fn download(body: Vec<u8>, mime: &'static str, file: &str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The leading columns of the monitoring export.
const LEAD_COLUMNS: [&str; 5] = ["quarter", "scope", "rank", "name", "title"];

/// Every row of the export: the council first, then the publishers in
/// rating order; each is the lead cells and the figures.
fn export_rows(ctx: &Ctx, m: &Monitoring) -> Vec<([String; 5], Vec<Option<f64>>)> {
    let values = |f: &MonitoringFigures| -> Vec<Option<f64>> {
        EXPORT_COLUMNS.iter().map(|c| export_value(f, c)).collect()
    };
    let mut out = vec![(
        [
            m.quarter.clone(),
            "council".into(),
            String::new(),
            String::new(),
            ctx.t("mon_council"),
        ],
        values(&m.council),
    )];
    for e in &m.publishers {
        out.push((
            [
                m.quarter.clone(),
                "publisher".into(),
                e.rank.to_string(),
                e.name.clone(),
                publisher_label(ctx.lang, &e.title, e.title_en.as_deref()),
            ],
            values(&e.figures),
        ));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn number(v: Option<f64>) -> String {
    match v {
        None => String::new(),
        Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => format!("{}", x as i64),
        Some(x) => format!("{x}"),
    }
}

/// `GET /monitoring.csv`: one row for the council and one per publisher.
pub async fn monitoring_csv(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let m = load(&st, &ctx, None).await?;
        let mut out = String::new();
        let header: Vec<&str> = LEAD_COLUMNS
            .iter()
            .chain(EXPORT_COLUMNS.iter())
            .copied()
            .collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for (lead, values) in export_rows(&ctx, &m) {
            let mut line: Vec<String> = lead.iter().map(|c| csv_field(c)).collect();
            line.extend(values.into_iter().map(number));
            out.push_str(&line.join(","));
            out.push_str("\r\n");
        }
        Ok(download(
            out.into_bytes(),
            "text/csv; charset=utf-8",
            &format!("monitoring-{}.csv", m.quarter),
        ))
    }
    .await;
    st.respond(&ctx, r)
}

fn monitoring_xlsx_bytes(ctx: &Ctx, m: &Monitoring) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("monitoring")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, name) in LEAD_COLUMNS.iter().chain(EXPORT_COLUMNS.iter()).enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    for (i, (lead, values)) in export_rows(ctx, m).into_iter().enumerate() {
        let r = i as u32 + 1;
        for (c, v) in lead.iter().enumerate() {
            sheet.write_string(r, c as u16, v)?;
        }
        for (c, v) in values.into_iter().enumerate() {
            if let Some(x) = v {
                sheet.write_number(r, (LEAD_COLUMNS.len() + c) as u16, x)?;
            }
        }
    }
    book.save_to_buffer()
}

/// `GET /monitoring.xlsx`: the same table as the CSV.
pub async fn monitoring_xlsx(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let m = load(&st, &ctx, None).await?;
        let bytes = monitoring_xlsx_bytes(&ctx, &m)
            .map_err(|e| WebError::Internal(format!("xlsx: {e}")))?;
        Ok(download(
            bytes,
            XLSX_MIME,
            &format!("monitoring-{}.xlsx", m.quarter),
        ))
    }
    .await;
    st.respond(&ctx, r)
}

// ---- the assessment card ------------------------------------------------------

#[derive(Serialize)]
struct IndicatorRow {
    id: &'static str,
    name: String,
    value: String,
    target: String,
    /// `met`, `not_met`, `na` or `info`.
    status: &'static str,
    status_label: String,
    formula: String,
    source: String,
}

#[derive(Serialize)]
struct Card {
    title: String,
    indicators: Vec<IndicatorRow>,
}

#[derive(Serialize)]
struct CardView {
    title: String,
    quarter: String,
    period: String,
    note: String,
    card: Card,
    cards: Vec<Link>,
    monitoring_url: String,
    xlsx_url: String,
    xlsx_one_url: String,
}

fn shown(lang: Lang, unit: Unit, v: f64) -> String {
    match unit {
        Unit::Share => percent(lang, v),
        Unit::Score => decimal(lang, v),
        Unit::Count => format!("{}", v.round() as i64),
    }
}

fn indicator_row(ctx: &Ctx, i: &Indicator) -> IndicatorRow {
    let lang = ctx.lang;
    let mut value = i
        .value
        .map_or_else(|| ctx.t("mon_na"), |v| shown(lang, i.unit, v));
    if let (Unit::Share, Some(n), Some(d)) = (i.unit, i.numerator, i.denominator) {
        value.push_str(&format!(" ({n} / {d})"));
    }
    let (status, label) = match (i.target, i.met) {
        (None, _) => ("info", ctx.t("mon_info")),
        (Some(_), None) => ("na", ctx.t("mon_na")),
        (Some(_), Some(true)) => ("met", ctx.t("mon_met_yes")),
        (Some(_), Some(false)) => ("not_met", ctx.t("mon_met_no")),
    };
    IndicatorRow {
        id: i.id,
        name: ctx.t(&format!("mon_ind_{}", i.id)),
        value,
        target: i.target.map_or_else(
            || "—".to_string(),
            |t| format!("≥ {}", shown(lang, i.unit, t)),
        ),
        status,
        status_label: label,
        formula: ctx.t(&format!("mon_formula_{}", i.id)),
        source: ctx.t(&format!("mon_source_{}", i.id)),
    }
}

fn card_title(
    ctx: &Ctx,
    m: &Monitoring,
    organization: Option<&str>,
) -> (String, MonitoringFigures) {
    match organization.and_then(|o| {
        m.publishers
            .iter()
            .find(|e| e.name == o || e.publisher_id == o)
    }) {
        Some(e) => (
            publisher_label(ctx.lang, &e.title, e.title_en.as_deref()),
            e.figures.clone(),
        ),
        None => (ctx.t("mon_council"), m.council.clone()),
    }
}

/// `GET /monitoring/card`: the council's card, or with `organization` a
/// publisher's.
pub async fn card(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let m = load(&st, &ctx, None).await?;
        let org = ctx.param("organization").filter(|o| !o.is_empty());
        if let Some(o) = org
            && !m
                .publishers
                .iter()
                .any(|e| e.name == o || e.publisher_id == o)
        {
            return Err(WebError::NotFound);
        }
        let (subject, figures) = card_title(&ctx, &m, org);
        let q = m.quarter.replace('-', "");
        let lang = ctx.lang;
        let mut cards = vec![Link {
            url: with_quarter("/monitoring/card", &q, None),
            label: ctx.t("mon_council"),
        }];
        cards.extend(m.publishers.iter().map(|e| Link {
            url: with_quarter(
                "/monitoring/card",
                &q,
                Some(("organization", e.name.as_str())),
            ),
            label: publisher_label(lang, &e.title, e.title_en.as_deref()),
        }));
        let view = CardView {
            title: ctx.t("mon_card_title"),
            quarter: m.quarter.clone(),
            period: format!(
                "{} — {}",
                i18n::date(lang, &m.period_start),
                i18n::date(lang, &(m.period_end - chrono::Duration::seconds(1)))
            ),
            note: period_note(&ctx, &m),
            card: Card {
                title: subject,
                indicators: assessment_card(&figures)
                    .iter()
                    .map(|i| indicator_row(&ctx, i))
                    .collect(),
            },
            cards,
            monitoring_url: with_quarter("/monitoring", &q, None),
            xlsx_url: with_quarter("/monitoring/card.xlsx", &q, None),
            xlsx_one_url: with_quarter(
                "/monitoring/card.xlsx",
                &q,
                org.map(|o| ("organization", o)),
            ),
        };
        st.page(
            &ctx,
            "assessment_card.html",
            Meta::new(&view.title, "dashboard"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

/// A worksheet name: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(base: &str, taken: &mut Vec<String>) -> String {
    let clean: String = base
        .chars()
        .filter(|c| !"[]:*?/\\'".contains(*c))
        .take(28)
        .collect();
    let clean = if clean.is_empty() {
        "card".to_string()
    } else {
        clean
    };
    let mut name = clean.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        name = format!("{clean}~{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// The columns of a card sheet (after its title lines).
const CARD_COLUMNS: [&str; 9] = [
    "id",
    "indicator",
    "value",
    "target",
    "met",
    "numerator",
    "denominator",
    "formula",
    "source",
];

fn card_xlsx_bytes(
    ctx: &Ctx,
    m: &Monitoring,
    cards: &[(String, String, MonitoringFigures)],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let pct = rust_xlsxwriter::Format::new().set_num_format("0.0%");
    let wrap = rust_xlsxwriter::Format::new().set_text_wrap();
    let mut names = Vec::new();
    for (sheet_id, subject, figures) in cards {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(sheet_id, &mut names))?;
        sheet.write_string_with_format(0, 0, ctx.t("mon_card_title"), &bold)?;
        sheet.write_string(1, 0, subject)?;
        sheet.write_string(2, 0, format!("{}: {}", ctx.t("mon_quarter"), m.quarter))?;
        sheet.write_string(3, 0, period_note(ctx, m))?;
        let head = 5u32;
        for (c, name) in CARD_COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(head, c as u16, *name, &bold)?;
        }
        for (i, ind) in assessment_card(figures).iter().enumerate() {
            let r = head + 1 + i as u32;
            sheet.write_string(r, 0, ind.id)?;
            sheet.write_string(r, 1, ctx.t(&format!("mon_ind_{}", ind.id)))?;
            let number = |sheet: &mut rust_xlsxwriter::Worksheet, col: u16, v: f64| {
                if ind.unit == Unit::Share {
                    sheet.write_number_with_format(r, col, v, &pct).map(|_| ())
                } else {
                    sheet.write_number(r, col, v).map(|_| ())
                }
            };
            if let Some(v) = ind.value {
                number(sheet, 2, v)?;
            }
            if let Some(t) = ind.target {
                number(sheet, 3, t)?;
            }
            if let Some(met) = ind.met {
                sheet.write_boolean(r, 4, met)?;
            }
            if let Some(n) = ind.numerator {
                sheet.write_number(r, 5, n as f64)?;
            }
            if let Some(d) = ind.denominator {
                sheet.write_number(r, 6, d as f64)?;
            }
            sheet.write_string_with_format(
                r,
                7,
                ctx.t(&format!("mon_formula_{}", ind.id)),
                &wrap,
            )?;
            sheet.write_string_with_format(
                r,
                8,
                ctx.t(&format!("mon_source_{}", ind.id)),
                &wrap,
            )?;
        }
        sheet.set_column_width(1, 48)?;
        sheet.set_column_width(7, 60)?;
        sheet.set_column_width(8, 40)?;
    }
    book.save_to_buffer()
}

/// `GET /monitoring/card.xlsx`: a sheet for the council's card and one
/// per publisher (`organization` for one publisher's card only).
pub async fn card_xlsx(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let m = load(&st, &ctx, None).await?;
        let org = ctx.param("organization").filter(|o| !o.is_empty());
        let lang = ctx.lang;
        let mut cards: Vec<(String, String, MonitoringFigures)> = Vec::new();
        match org {
            Some(o) => {
                let e = m
                    .publishers
                    .iter()
                    .find(|e| e.name == o || e.publisher_id == o)
                    .ok_or(WebError::NotFound)?;
                cards.push((
                    e.name.clone(),
                    publisher_label(lang, &e.title, e.title_en.as_deref()),
                    e.figures.clone(),
                ));
            }
            None => {
                cards.push(("council".into(), ctx.t("mon_council"), m.council.clone()));
                for e in &m.publishers {
                    cards.push((
                        e.name.clone(),
                        publisher_label(lang, &e.title, e.title_en.as_deref()),
                        e.figures.clone(),
                    ));
                }
            }
        }
        let bytes = card_xlsx_bytes(&ctx, &m, &cards)
            .map_err(|e| WebError::Internal(format!("xlsx: {e}")))?;
        let file = match org {
            Some(o) => format!("assessment-card-{}-{o}.xlsx", m.quarter),
            None => format!("assessment-cards-{}.xlsx", m.quarter),
        };
        Ok(download(bytes, XLSX_MIME, &file))
    }
    .await;
    st.respond(&ctx, r)
}
