//! Harvest sources for sysadmins: `/harvest` (list, add), `/harvest/{source}`
//! (settings, run now, runs), `/harvest/run/{run}` (one run's log). Every
//! change goes through the harvest actions; others see "not found".

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use misto_actions::harvest::{HARVEST_JOB, HarvestSourceInput};
use misto_core::harvest::{HarvestRun, HarvestSource, Schedule, SourceKind};
use serde::Serialize;

use super::forms::{Errors, Form, check_post, require_login};
use crate::AppState;
use crate::i18n;
use crate::render::{Ctx, Meta, WebError, see_other};

/// The signed-in person (anonymous visitors were sent to the login page).
fn viewer_of(ctx: &Ctx) -> misto_actions::Viewer {
    ctx.session
        .as_ref()
        .map(|s| s.viewer.clone())
        .unwrap_or_default()
}

const FIELDS: &[&str] = &[
    "name",
    "title",
    "source_type",
    "url",
    "owner_org",
    "frequency",
    "config",
];

#[derive(Serialize, Default)]
struct SourceForm {
    name: String,
    title: String,
    source_type: String,
    url: String,
    owner_org: String,
    frequency: String,
    fq: String,
    download_files: bool,
}

impl SourceForm {
    fn of(s: &HarvestSource, publishers: &[Choice]) -> Self {
        let org = s
            .publisher_id
            .as_deref()
            .and_then(|id| publishers.iter().find(|c| c.id == id))
            .map(|c| c.value.clone())
            .unwrap_or_default();
        Self {
            name: s.name.clone(),
            title: s.title.clone(),
            source_type: s.kind.as_str().into(),
            url: s.url.clone(),
            owner_org: org,
            frequency: s.schedule.as_str().into(),
            fq: s
                .config
                .get("fq")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .into(),
            download_files: s.download_files,
        }
    }

    fn from_form(f: &Form) -> Self {
        Self {
            name: f.get("name").trim().into(),
            title: f.get("title").trim().into(),
            source_type: f.get("source_type").into(),
            url: f.get("url").trim().into(),
            owner_org: f.get("owner_org").into(),
            frequency: f.get("frequency").into(),
            fq: f.get("fq").trim().into(),
            download_files: f.has("download_files"),
        }
    }

    fn input(&self) -> HarvestSourceInput {
        let config = if self.fq.is_empty() {
            serde_json::json!({})
        } else {
            serde_json::json!({ "fq": self.fq })
        };
        HarvestSourceInput {
            name: self.name.clone(),
            title: Some(self.title.clone()),
            kind: self.source_type.clone(),
            url: self.url.clone(),
            publisher: Some(self.owner_org.clone()),
            download_files: self.download_files,
            schedule: Some(self.frequency.clone()),
            config: Some(config),
            active: Some(true),
        }
    }
}

#[derive(Serialize)]
struct Choice {
    id: String,
    value: String,
    label: String,
}

#[derive(Serialize)]
struct SourceRow {
    name: String,
    title: String,
    kind: String,
    url: String,
    schedule: String,
    active: bool,
    last: Option<RunRow>,
}

#[derive(Serialize)]
struct RunRow {
    id: String,
    state: String,
    started: String,
    finished: Option<String>,
    created: i64,
    updated: i64,
    unchanged: i64,
    withdrawn: i64,
    failed: i64,
    message: String,
}

fn run_row(ctx: &Ctx, r: &HarvestRun) -> RunRow {
    RunRow {
        id: r.id.clone(),
        state: r.state.as_str().into(),
        started: i18n::datetime(ctx.lang, &r.started),
        finished: r.finished.map(|f| i18n::datetime(ctx.lang, &f)),
        created: r.counts.created,
        updated: r.counts.updated,
        unchanged: r.counts.unchanged,
        withdrawn: r.counts.withdrawn,
        failed: r.counts.failed,
        message: r.message.clone(),
    }
}

#[derive(Serialize)]
struct ListView {
    sources: Vec<SourceRow>,
    form: SourceForm,
    kinds: Vec<&'static str>,
    schedules: Vec<&'static str>,
    publishers: Vec<Choice>,
    errors: Errors,
}

#[derive(Serialize)]
struct SourceView {
    source: SourceRow,
    form: SourceForm,
    kinds: Vec<&'static str>,
    schedules: Vec<&'static str>,
    publishers: Vec<Choice>,
    errors: Errors,
    job: Option<JobRow>,
    runs: Vec<RunRow>,
}

#[derive(Serialize)]
struct JobRow {
    state: String,
    done: i64,
    total: i64,
    message: String,
}

#[derive(Serialize)]
struct RunView {
    source: String,
    run: RunRow,
    entries: Vec<misto_core::harvest::RunEntry>,
}

fn publishers(st: &AppState) -> Vec<Choice> {
    st.portal
        .list_publishers()
        .into_iter()
        .map(|p| Choice {
            id: p.id,
            value: p.name,
            label: p.title,
        })
        .collect()
}

fn kinds() -> Vec<&'static str> {
    SourceKind::ALL.iter().map(|k| k.as_str()).collect()
}

fn schedules() -> Vec<&'static str> {
    Schedule::ALL.iter().map(|s| s.as_str()).collect()
}

async fn source_row(st: &AppState, ctx: &Ctx, s: &HarvestSource) -> Result<SourceRow, WebError> {
    let viewer = viewer_of(ctx);
    let last = st
        .portal
        .list_harvest_runs(&viewer, Some(&s.id), 1, 0)
        .await?
        .first()
        .map(|r| run_row(ctx, r));
    Ok(SourceRow {
        name: s.name.clone(),
        title: s.title.clone(),
        kind: s.kind.as_str().into(),
        url: s.url.clone(),
        schedule: s.schedule.as_str().into(),
        active: s.active,
        last,
    })
}

async fn render_list(
    st: &AppState,
    ctx: &Ctx,
    form: SourceForm,
    errors: Errors,
) -> Result<Response, WebError> {
    let viewer = viewer_of(ctx);
    let mut sources = Vec::new();
    for s in st.portal.list_harvest_sources(&viewer).await? {
        sources.push(source_row(st, ctx, &s).await?);
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = ListView {
        sources,
        form,
        kinds: kinds(),
        schedules: schedules(),
        publishers: publishers(st),
        errors,
    };
    let title = ctx.t("harvest_title");
    st.page_with_status(
        ctx,
        status,
        "harvest_sources.html",
        Meta::new(&title, "account"),
        &view,
    )
}

pub async fn list(State(st): State<AppState>, ctx: Ctx) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let form = SourceForm {
        source_type: "ckan".into(),
        frequency: "daily".into(),
        ..SourceForm::default()
    };
    let r = render_list(&st, &ctx, form, Errors::default()).await;
    st.respond(&ctx, r)
}

pub async fn create(State(st): State<AppState>, ctx: Ctx, body: Bytes) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let f = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, f.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let form = SourceForm::from_form(&f);
    let mut errors = Errors::default();
    match st
        .portal
        .create_harvest_source(&viewer_of(&ctx), form.input())
        .await
    {
        Ok(s) => return see_other(&ctx, &format!("/harvest/{}", s.name)),
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let r = render_list(&st, &ctx, form, errors).await;
    st.respond(&ctx, r)
}

async fn render_source(
    st: &AppState,
    ctx: &Ctx,
    s: &HarvestSource,
    form: Option<SourceForm>,
    errors: Errors,
) -> Result<Response, WebError> {
    let viewer = viewer_of(ctx);
    let pubs = publishers(st);
    let runs = st
        .portal
        .list_harvest_runs(&viewer, Some(&s.id), 50, 0)
        .await?
        .iter()
        .map(|r| run_row(ctx, r))
        .collect();
    let job = st
        .portal
        .job_status(HARVEST_JOB, &s.id)
        .await?
        .map(|j| JobRow {
            state: j.state.as_str().into(),
            done: j.progress_done,
            total: j.progress_total,
            message: j.message,
        });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let view = SourceView {
        source: source_row(st, ctx, s).await?,
        form: form.unwrap_or_else(|| SourceForm::of(s, &pubs)),
        kinds: kinds(),
        schedules: schedules(),
        publishers: pubs,
        errors,
        job,
        runs,
    };
    st.page_with_status(
        ctx,
        status,
        "harvest_source.html",
        Meta::new(&s.title, "account"),
        &view,
    )
}

pub async fn show(State(st): State<AppState>, ctx: Ctx, Path(source): Path<String>) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let s = st
            .portal
            .show_harvest_source(&viewer_of(&ctx), &source)
            .await?;
        render_source(&st, &ctx, &s, None, Errors::default()).await
    }
    .await;
    st.respond(&ctx, r)
}

pub async fn update(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(source): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let f = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, f.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    let viewer = viewer_of(&ctx);
    let current = match st.portal.show_harvest_source(&viewer, &source).await {
        Ok(s) => s,
        Err(e) => return st.error_page(&ctx, e.into()),
    };
    let form = SourceForm::from_form(&f);
    let mut errors = Errors::default();
    match st
        .portal
        .update_harvest_source(&viewer, &current.id, form.input())
        .await
    {
        Ok(s) => return see_other(&ctx, &format!("/harvest/{}", s.name)),
        Err(e) => {
            if let Err(e) = errors.absorb(&ctx, FIELDS, e) {
                return st.error_page(&ctx, e);
            }
        }
    }
    let r = render_source(&st, &ctx, &current, Some(form), errors).await;
    st.respond(&ctx, r)
}

pub async fn run_now(
    State(st): State<AppState>,
    ctx: Ctx,
    Path(source): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let f = Form::parse(&body);
    if let Err(e) = check_post(&st, &ctx, f.get("csrf")) {
        return st.error_page(&ctx, e);
    }
    match st.portal.request_harvest(&viewer_of(&ctx), &source).await {
        Ok(_) => see_other(&ctx, &format!("/harvest/{source}")),
        Err(e) => st.error_page(&ctx, e.into()),
    }
}

pub async fn run(State(st): State<AppState>, ctx: Ctx, Path(run): Path<String>) -> Response {
    if let Err(r) = require_login(&ctx) {
        return r;
    }
    let r = async {
        let viewer = viewer_of(&ctx);
        let run = st.portal.show_harvest_run(&viewer, &run).await?;
        let source = st
            .portal
            .show_harvest_source(&viewer, &run.source_id)
            .await?;
        let view = RunView {
            source: source.name.clone(),
            run: run_row(&ctx, &run),
            entries: run.entries.clone(),
        };
        let title = format!("{} — {}", source.title, ctx.t("harvest_run_log"));
        st.page(
            &ctx,
            "harvest_run.html",
            Meta::new(&title, "account"),
            &view,
        )
    }
    .await;
    st.respond(&ctx, r)
}
