//! Surveys in the browser: the list (`/surveys`), answering
//! (`/surveys/{name}`, once per browser through the same opaque cookie as
//! request votes), results as server-rendered SVG bar charts
//! (`/surveys/{name}/results`, no JavaScript) with CSV and XLSX export, and
//! the coordinators' builder (`/surveys/new`) where questions are written
//! one per line: `kind[*] | question | choice; choice; …` (`*` makes the
//! question required; kinds `single`, `multiple`, `scale`, `text`; for a
//! scale the third part is its top value).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::ActionError;
use misto_actions::surveys::{SurveyInput, SurveyResults, results_csv};
use misto_core::content::{Answers, Question, Survey};
use serde::Serialize;

use super::forms::{Errors, Form, check_post, require_login};
use super::requests::voter_key;
use super::viewer;
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other, segment};

fn survey_url(s: &Survey) -> String {
    format!("/surveys/{}", segment(&s.name))
}

/// Parses the builder's question lines.
pub fn parse_questions(text: &str) -> Result<Vec<Question>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.splitn(3, '|').map(str::trim).collect();
        let (kind, required) = match parts[0].strip_suffix('*') {
            Some(k) => (k.trim(), true),
            None => (parts[0], false),
        };
        let label = parts.get(1).copied().unwrap_or("");
        let rest = parts.get(2).copied().unwrap_or("");
        let mut q = Question {
            id: format!("q{}", out.len() + 1),
            kind: kind.to_string(),
            label: label.to_string(),
            options: vec![],
            required,
            scale_max: None,
        };
        match kind {
            "single" | "multiple" => {
                q.options = rest.split(';').map(|o| o.trim().to_string()).collect();
            }
            "scale" if !rest.is_empty() => match rest.parse::<u8>() {
                Ok(n) => q.scale_max = Some(n),
                Err(_) => return Err(format!("line {}: the scale's top must be a number", i + 1)),
            },
            _ => {}
        }
        out.push(q);
    }
    Ok(out)
}

#[derive(Serialize)]
struct SurveyRow {
    url: String,
    title: String,
    open: bool,
    closes: Option<String>,
    results_url: Option<String>,
}

#[derive(Serialize)]
struct ListView {
    rows: Vec<SurveyRow>,
    coordinator: bool,
}

/// `GET /surveys`.
pub async fn list(State(st): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let v = viewer(&ctx);
        let now = misto_core::time::now();
        let rows = st
            .portal
            .list_surveys(&v)
            .await?
            .iter()
            .map(|s| SurveyRow {
                url: survey_url(s),
                title: s.title.clone(),
                open: s.is_open(now),
                closes: s.closes.map(|c| i18n::date(ctx.lang, &c)),
                results_url: (s.public_results || v.sysadmin)
                    .then(|| format!("{}/results", survey_url(s))),
            })
            .collect();
        let view = ListView {
            rows,
            coordinator: v.sysadmin,
        };
        let title = ctx.t("eng_surveys_title");
        st.page(&ctx, "surveys.html", Meta::new(&title, "surveys"), &view)
    }
    .await;
    st.respond(&ctx, r)
}

#[derive(Serialize)]
struct ChoiceView {
    value: String,
    checked: bool,
}

#[derive(Serialize)]
struct QuestionView {
    id: String,
    kind: String,
    label: String,
    required: bool,
    choices: Vec<ChoiceView>,
    text: String,
    error: Option<String>,
}

#[derive(Serialize)]
struct AnswerView {
    title: String,
    description: String,
    action: String,
    questions: Vec<QuestionView>,
    open: bool,
    answered: Option<bool>,
    results_url: Option<String>,
    has_errors: bool,
}

fn render_answer(
    st: &AppState,
    ctx: &Ctx,
    s: &Survey,
    given: &Answers,
    errors: &Errors,
) -> Result<Response, WebError> {
    let v = viewer(ctx);
    let questions = s
        .questions
        .iter()
        .map(|q| {
            let mine = given.get(&q.id).cloned().unwrap_or_default();
            QuestionView {
                id: q.id.clone(),
                kind: q.kind.clone(),
                label: q.label.clone(),
                required: q.required,
                choices: q
                    .choices()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| ChoiceView {
                        checked: mine.contains(&c),
                        value: c,
                    })
                    .collect(),
                text: if q.choices().is_none() {
                    mine.join(" ")
                } else {
                    String::new()
                },
                error: errors.fields.get(&q.id).map(|m| m.join(" ")),
            }
        })
        .collect();
    let view = AnswerView {
        title: s.title.clone(),
        description: s.description.clone(),
        action: survey_url(s),
        questions,
        open: s.is_open(misto_core::time::now()),
        answered: ctx.param("answered").map(|a| a == "1"),
        results_url: (s.public_results || v.sysadmin).then(|| format!("{}/results", survey_url(s))),
        has_errors: !errors.is_empty(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    st.page_with_status(
        ctx,
        status,
        "survey.html",
        Meta::new(&s.title, "surveys"),
        &view,
    )
}

/// `GET /surveys/{name}`.
pub async fn show(State(st): State<AppState>, Path(name): Path<String>, mut ctx: Ctx) -> Response {
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = async {
        let s = st.portal.show_survey(&viewer(&ctx), &name).await?;
        render_answer(&st, &ctx, &s, &Answers::new(), &Errors::default())
    }
    .await;
    st.respond(&ctx, r)
}

/// `POST /surveys/{name}`.
pub async fn answer(
    State(st): State<AppState>,
    Path(name): Path<String>,
    mut ctx: Ctx,
    body: Bytes,
) -> Response {
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let v = viewer(&ctx);
    let s = match st.portal.show_survey(&v, &name).await {
        Ok(s) => s,
        Err(e) => return st.error_page(&ctx, e.into()),
    };
    let mut answers = Answers::new();
    for q in &s.questions {
        let vals = form.all(&q.id);
        if !vals.is_empty() {
            answers.insert(q.id.clone(), vals);
        }
    }
    let (key, cookie) = voter_key(&ctx);
    if let Some(c) = cookie {
        ctx.set_cookies.push(c);
    }
    let mut errors = Errors::default();
    match st
        .portal
        .answer_survey(&v, &s.id, &key, answers.clone())
        .await
    {
        Ok(counted) => {
            return see_other(
                &ctx,
                &format!(
                    "{}?answered={}",
                    survey_url(&s),
                    if counted { "1" } else { "0" }
                ),
            );
        }
        Err(ActionError::Validation(f)) => {
            for (field, msgs) in f.0 {
                for m in msgs {
                    let m = if m == "Please answer this question" {
                        ctx.t("eng_survey_required")
                    } else {
                        m
                    };
                    errors.add(&field, m);
                }
            }
        }
        Err(e) => return st.error_page(&ctx, e.into()),
    }
    ctx.ensure_pre(&st.portal.config().session_key);
    let r = render_answer(&st, &ctx, &s, &answers, &errors);
    st.respond(&ctx, r)
}

/// One bar of a chart, laid out for the SVG.
#[derive(Serialize)]
struct Bar {
    label: String,
    count: usize,
    percent: String,
    y: usize,
    width: usize,
}

#[derive(Serialize)]
struct ChartView {
    label: String,
    answered: usize,
    bars: Vec<Bar>,
    height: usize,
    texts: Vec<String>,
}

#[derive(Serialize)]
struct ResultsView {
    title: String,
    responses: usize,
    charts: Vec<ChartView>,
    csv_url: String,
    xlsx_url: String,
    back_url: String,
}

const BAR_HEIGHT: usize = 28;
const BAR_MAX: usize = 400;

fn charts(r: &SurveyResults) -> Vec<ChartView> {
    r.questions
        .iter()
        .map(|q| {
            let top = q.counts.iter().map(|c| c.count).max().unwrap_or(0).max(1);
            ChartView {
                label: q.question.label.clone(),
                answered: q.answered,
                height: q.counts.len() * BAR_HEIGHT,
                bars: q
                    .counts
                    .iter()
                    .enumerate()
                    .map(|(i, c)| Bar {
                        label: c.value.clone(),
                        count: c.count,
                        percent: if q.answered == 0 {
                            "0".into()
                        } else {
                            format!("{:.0}", c.count as f64 * 100.0 / q.answered as f64)
                        },
                        y: i * BAR_HEIGHT,
                        width: c.count * BAR_MAX / top,
                    })
                    .collect(),
                texts: q.texts.iter().rev().take(50).cloned().collect(),
            }
        })
        .collect()
}

async fn results_of(st: &AppState, ctx: &Ctx, name: &str) -> Result<SurveyResults, WebError> {
    st.portal
        .survey_results(&viewer(ctx), name)
        .await
        .map_err(|e| match e {
            // Private results of a survey the viewer can see: not for them.
            ActionError::NotAuthorized(_) => {
                WebError::Forbidden(ctx.t("eng_survey_results_closed"))
            }
            e => e.into(),
        })
}

/// `GET /surveys/{name}/results`.
pub async fn results(State(st): State<AppState>, Path(name): Path<String>, ctx: Ctx) -> Response {
    let r = async {
        let res = results_of(&st, &ctx, &name).await?;
        let base = survey_url(&res.survey);
        let view = ResultsView {
            title: res.survey.title.clone(),
            responses: res.responses,
            charts: charts(&res),
            csv_url: format!("{base}/results.csv"),
            xlsx_url: format!("{base}/results.xlsx"),
            back_url: base,
        };
        let title = format!("{}: {}", ctx.t("eng_survey_results"), res.survey.title);
        st.page(
            &ctx,
            "survey_results.html",
            Meta::new(&title, "surveys"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}

fn download(body: Vec<u8>, content_type: &'static str, file: &str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// `GET /surveys/{name}/results.csv` and `.xlsx`.
pub async fn export(
    State(st): State<AppState>,
    Path((name, file)): Path<(String, String)>,
    ctx: Ctx,
) -> Response {
    let r = async {
        let res = results_of(&st, &ctx, &name).await?;
        let base = format!("survey-{}", res.survey.name);
        match file.as_str() {
            "results.csv" => Ok(download(
                results_csv(&res).into_bytes(),
                "text/csv; charset=utf-8",
                &format!("{base}.csv"),
            )),
            "results.xlsx" => xlsx(&res)
                .map(|b| {
                    download(
                        b,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        &format!("{base}.xlsx"),
                    )
                })
                .map_err(|e| WebError::Internal(format!("xlsx: {e}"))),
            _ => Err(WebError::NotFound),
        }
    }
    .await;
    st.respond(&ctx, r)
}

fn xlsx(r: &SurveyResults) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.write_string_with_format(0, 0, "submitted", &bold)?;
    for (c, q) in r.survey.questions.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16 + 1, &q.label, &bold)?;
    }
    for (i, (t, a)) in r.rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, misto_core::time::ckan_format(t))?;
        for (c, q) in r.survey.questions.iter().enumerate() {
            let v = a.get(&q.id).map(|v| v.join("; ")).unwrap_or_default();
            sheet.write_string(row, c as u16 + 1, v)?;
        }
    }
    book.save_to_buffer()
}

#[derive(Serialize, Default)]
struct BuilderValues {
    title: String,
    name: String,
    description: String,
    questions: String,
    opens: String,
    closes: String,
    public_results: bool,
}

#[derive(Serialize)]
struct BuilderView {
    values: BuilderValues,
    errors: Errors,
}

fn render_builder(
    st: &AppState,
    ctx: &Ctx,
    values: BuilderValues,
    errors: Errors,
) -> Result<Response, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = ctx.t("eng_survey_new_title");
    st.page_with_status(
        ctx,
        status,
        "survey_form.html",
        Meta::new(&title, "surveys"),
        &BuilderView { values, errors },
    )
}

/// `GET /surveys/new`.
pub async fn new_form(State(st): State<AppState>, ctx: Ctx) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    if !session.viewer.sysadmin {
        return st.error_page(&ctx, WebError::Forbidden(ctx.t("error_not_allowed")));
    }
    let r = render_builder(&st, &ctx, BuilderValues::default(), Errors::default());
    st.respond(&ctx, r)
}

/// `POST /surveys/new`.
pub async fn create(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    let session = match require_login(&ctx) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, form.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let mut errors = Errors::default();
    match parse_questions(form.get("questions")) {
        Err(m) => errors.add("questions", m),
        Ok(questions) => {
            let input = SurveyInput {
                name: form.opt("name"),
                title: form.get("title").to_string(),
                description: form.get("description").to_string(),
                questions,
                opens: form.opt("opens"),
                closes: form.opt("closes"),
                public_results: form.has("public_results"),
            };
            match st.portal.create_survey(&session.viewer, input).await {
                Ok(s) => return see_other(&ctx, &survey_url(&s)),
                Err(e) => {
                    if let Err(e) =
                        errors.absorb(&ctx, &["title", "name", "questions", "opens", "closes"], e)
                    {
                        return st.error_page(&ctx, e);
                    }
                }
            }
        }
    }
    let values = BuilderValues {
        title: form.get("title").to_string(),
        name: form.get("name").to_string(),
        description: form.get("description").to_string(),
        questions: form.get("questions").to_string(),
        opens: form.get("opens").to_string(),
        closes: form.get("closes").to_string(),
        public_results: form.has("public_results"),
    };
    let r = render_builder(&st, &ctx, values, errors);
    st.respond(&ctx, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_lines() {
        let qs = parse_questions(
            "single* | Як часто? | щодня; щотижня ; рідше\n\n\
             multiple | Що цікавить? | бюджет;транспорт\nscale | Оцініть | 10\ntext | Побажання",
        )
        .unwrap();
        assert_eq!(qs.len(), 4);
        assert!(qs[0].required && !qs[1].required);
        assert_eq!(qs[0].options, vec!["щодня", "щотижня", "рідше"]);
        assert_eq!(qs[2].scale_max, Some(10));
        assert_eq!(qs[3].kind, "text");
        assert_eq!(qs[3].id, "q4");
        assert!(parse_questions("scale | Оцініть | багато").is_err());
    }
}
