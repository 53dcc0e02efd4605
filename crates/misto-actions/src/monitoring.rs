//! Quarterly monitoring and the assessment card ("Картка оцінки стану
//! оприлюднення і оновлення відкритих даних"): the figures of every
//! publisher and of the whole council for a quarter — Resolution 835 items
//! fulfilled, datasets published and updated, quality scores, validation,
//! feedback, the register — computed live for the current quarter and kept
//! as a snapshot when a quarter ends (the `quarter_snapshot` job, which
//! queues itself again for the next quarter's end). The publisher rating
//! and its history by quarter are read from the same figures. Every
//! indicator, formula and target is in docs/assessment.md.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, TimeZone};
use misto_core::time::now;
use misto_core::{Dataset, DatasetState, Job, RegisterStatus, Timestamp, Viewer};
use misto_store::SnapshotRow;
use serde::{Deserialize, Serialize};

use crate::jobs::{JobContext, JobOutcome};
use crate::quality::{QualityScore, TARGET_SHARE, score_dataset};
use crate::register::RegisterRow;
use crate::timeliness::ItemStatus;
use crate::{ActionError, Portal, Result};

/// The job kind that keeps a quarter's figures when it ends.
pub const QUARTER_SNAPSHOT_JOB: &str = "quarter_snapshot";
/// Its one subject (one schedule per install).
pub const QUARTER_SNAPSHOT_SUBJECT: &str = "quarterly";

/// A calendar quarter (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1–4.
    pub number: u32,
}

impl Quarter {
    /// The quarter a time falls in.
    pub fn of(t: Timestamp) -> Self {
        Self {
            year: t.year(),
            number: (t.month() - 1) / 3 + 1,
        }
    }

    /// Reads `2026Q3`, `2026-Q3` or `2026-q3`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_uppercase();
        let (y, q) = s.split_once('Q')?;
        let y = y.strip_suffix('-').unwrap_or(y);
        if y.len() != 4 || q.len() != 1 {
            return None;
        }
        let year: i32 = y.parse().ok()?;
        let number: u32 = q.parse().ok()?;
        ((1..=4).contains(&number) && (2000..=2999).contains(&year))
            .then_some(Self { year, number })
    }

    /// The first instant of the quarter.
    pub fn start(self) -> Timestamp {
        chrono::Utc
            .with_ymd_and_hms(self.year, (self.number - 1) * 3 + 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
    }

    /// The first instant after the quarter.
    pub fn end(self) -> Timestamp {
        self.next().start()
    }

    pub fn next(self) -> Self {
        if self.number == 4 {
            Self {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Self {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    pub fn previous(self) -> Self {
        if self.number == 1 {
            Self {
                year: self.year - 1,
                number: 4,
            }
        } else {
            Self {
                year: self.year,
                number: self.number - 1,
            }
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

/// Reads the `quarter` parameter: the current quarter when absent.
pub fn parse_quarter(s: Option<&str>) -> Result<Quarter> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Quarter::of(now())),
        Some(s) => Quarter::parse(s).ok_or_else(|| {
            ActionError::invalid("quarter", "Use a quarter such as 2026Q3 (or 2026-Q3)")
        }),
    }
}

fn share(part: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| part as f64 / of as f64)
}

/// The monitoring figures of one publisher or of the council for a quarter
/// (docs/assessment.md says how each is computed). Shares are `None` when
/// there is nothing to count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonitoringFigures {
    /// Public, active datasets at the end of the period.
    pub datasets: usize,
    /// Of those, first published in the quarter.
    pub datasets_new: usize,
    /// Of those, with data updated in the quarter.
    pub datasets_updated: usize,
    /// Datasets with an update frequency, and of those not overdue.
    pub with_frequency: usize,
    pub on_time: usize,
    pub on_time_share: Option<f64>,
    /// Average quality score (0–100), one decimal.
    pub average_score: Option<f64>,
    /// Datasets meeting the recommendations (score of at least 80).
    pub meeting: usize,
    pub meeting_share: Option<f64>,
    /// Resolution 835 items: for the council the whole list; for a
    /// publisher the items its datasets are linked to.
    pub mandatory_total: usize,
    /// Items with an up-to-date public dataset.
    pub mandatory_fulfilled: usize,
    /// Items whose datasets are all overdue.
    pub mandatory_overdue: usize,
    /// Items with no public dataset (council only; 0 for a publisher).
    pub mandatory_missing: usize,
    pub mandatory_share: Option<f64>,
    /// Active resources of those datasets; validated; passed (no errors).
    pub resources: usize,
    pub resources_validated: usize,
    pub resources_passed: usize,
    /// Passed ÷ resources.
    pub validation_pass_rate: Option<f64>,
    /// Feedback received in the quarter (spam left out), and of it answered.
    pub feedback_received: usize,
    pub feedback_answered: usize,
    pub feedback_answered_share: Option<f64>,
    /// Register rows (published datasets and audit entries).
    pub register_entries: usize,
    pub register_published: usize,
    pub register_planned: usize,
    /// Planned entries whose target date has passed.
    pub register_planned_late: usize,
    pub register_not_to_publish: usize,
    /// Rows with every field their status asks for.
    pub register_complete: usize,
    pub register_completeness: Option<f64>,
}

/// The figures of one publisher for a quarter.
#[derive(Debug, Clone, Serialize)]
pub struct MonitoringEntry {
    /// Place in the rating (1 is the best).
    pub rank: usize,
    pub publisher_id: String,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    pub figures: MonitoringFigures,
}

/// The monitoring of a quarter: live for the current quarter, otherwise
/// the snapshot kept when it ended.
#[derive(Debug, Clone, Serialize)]
pub struct Monitoring {
    /// `2026-Q3`.
    pub quarter: String,
    /// Computed now (the current quarter) rather than read from a snapshot.
    pub live: bool,
    /// When the figures were computed.
    pub taken: Timestamp,
    pub period_start: Timestamp,
    /// The end of the period the figures cover (now for the live quarter).
    pub period_end: Timestamp,
    pub council: MonitoringFigures,
    /// In rating order.
    pub publishers: Vec<MonitoringEntry>,
    pub target_share: f64,
}

fn complete(r: &RegisterRow) -> bool {
    let f = |s: &str| !s.trim().is_empty();
    match r.status {
        RegisterStatus::Published => [
            &r.identifier,
            &r.title,
            &r.description,
            &r.accrual_periodicity,
            &r.keyword,
            &r.purpose,
            &r.landing_page,
            &r.distribution_format,
            &r.publisher_name,
            &r.publisher_identifier,
            &r.contact_point_fn,
            &r.contact_point_has_email,
        ]
        .iter()
        .all(|s| f(s)),
        RegisterStatus::Planned => [
            &r.title,
            &r.description,
            &r.accrual_periodicity,
            &r.distribution_format,
            &r.location,
            &r.contact_point_fn,
            &r.contact_point_has_email,
            &r.target_date,
        ]
        .iter()
        .all(|s| f(s)),
        RegisterStatus::NotToPublish => f(&r.title) && f(&r.reason),
    }
}

fn register_figures(f: &mut MonitoringFigures, rows: &[RegisterRow], today: &str) {
    f.register_entries = rows.len();
    f.register_published = rows
        .iter()
        .filter(|r| r.status == RegisterStatus::Published)
        .count();
    f.register_planned = rows
        .iter()
        .filter(|r| r.status == RegisterStatus::Planned)
        .count();
    f.register_planned_late = rows
        .iter()
        .filter(|r| {
            r.status == RegisterStatus::Planned
                && !r.target_date.is_empty()
                && r.target_date.as_str() < today
        })
        .count();
    f.register_not_to_publish = rows
        .iter()
        .filter(|r| r.status == RegisterStatus::NotToPublish)
        .count();
    f.register_complete = rows.iter().filter(|r| complete(r)).count();
    f.register_completeness = share(f.register_complete, f.register_entries);
}

/// The catalog figures (datasets, timeliness, scores, validation) of a set
/// of scored datasets.
fn catalog_figures(
    scored: &[&(Arc<Dataset>, QualityScore)],
    validations: &HashMap<(String, String), bool>,
    start: Timestamp,
    end: Timestamp,
    at: Timestamp,
) -> MonitoringFigures {
    let mut f = MonitoringFigures {
        datasets: scored.len(),
        ..MonitoringFigures::default()
    };
    let mut score_sum = 0u64;
    for (d, s) in scored {
        if d.metadata_created >= start && d.metadata_created < end {
            f.datasets_new += 1;
        }
        let updated = d.data_last_updated();
        if updated >= start && updated < end {
            f.datasets_updated += 1;
        }
        if d.update_frequency.is_some() {
            f.with_frequency += 1;
            if !d.is_overdue(at) {
                f.on_time += 1;
            }
        }
        score_sum += u64::from(s.score);
        if s.meets_recommendations {
            f.meeting += 1;
        }
        for r in d.active_resources() {
            f.resources += 1;
            if let Some(passed) = validations.get(&(r.id.clone(), crate::quality::version_key(r))) {
                f.resources_validated += 1;
                if *passed {
                    f.resources_passed += 1;
                }
            }
        }
    }
    f.on_time_share = share(f.on_time, f.with_frequency);
    f.meeting_share = share(f.meeting, f.datasets);
    f.average_score =
        (f.datasets > 0).then(|| (score_sum as f64 / f.datasets as f64 * 10.0).round() / 10.0);
    f.validation_pass_rate = share(f.resources_passed, f.resources);
    f
}

/// The order of the rating: publishers with datasets first, then by
/// average score, share on time, and name.
fn rating_order(a: &MonitoringEntry, b: &MonitoringEntry) -> std::cmp::Ordering {
    let avg = |e: &MonitoringEntry| e.figures.average_score.unwrap_or(0.0);
    let on_time = |e: &MonitoringEntry| e.figures.on_time_share.unwrap_or(0.0);
    (b.figures.datasets > 0)
        .cmp(&(a.figures.datasets > 0))
        .then(avg(b).total_cmp(&avg(a)))
        .then(on_time(b).total_cmp(&on_time(a)))
        .then_with(|| a.name.cmp(&b.name))
}

fn require_coordinator(viewer: &Viewer) -> Result<()> {
    if viewer.sysadmin {
        Ok(())
    } else {
        Err(ActionError::denied(
            "only coordinators see the quarterly monitoring",
        ))
    }
}

impl Portal {
    /// Computes the figures of quarter `q` from the catalog as it is now;
    /// timeliness is judged at `at` and "in the quarter" counts run from
    /// the quarter's start to `at`.
    async fn compute_monitoring(&self, q: Quarter, at: Timestamp) -> Result<Monitoring> {
        let start = q.start();
        let end = at.min(q.end());
        let facts = self.quality_facts().await?;
        let scored: Vec<(Arc<Dataset>, QualityScore)> = self
            .readable_datasets(&Viewer::anonymous(), false)?
            .into_iter()
            .filter(|d| d.state == DatasetState::Active)
            .map(|d| {
                let s = score_dataset(&d, &facts, at);
                (d, s)
            })
            .collect();
        let compliance = self.compliance(None, at)?;
        let feedback: HashMap<String, misto_store::FeedbackCounts> = self
            .store
            .feedback_counts(&start, &end)
            .await?
            .into_iter()
            .collect();
        let today = at.format("%Y-%m-%d").to_string();

        let all: Vec<&(Arc<Dataset>, QualityScore)> = scored.iter().collect();
        let mut council = catalog_figures(&all, &facts.validations, start, end, at);
        council.mandatory_total = compliance.items.len();
        council.mandatory_fulfilled = compliance.count(ItemStatus::Fulfilled);
        council.mandatory_overdue = compliance.count(ItemStatus::Overdue);
        council.mandatory_missing = compliance.count(ItemStatus::Missing);
        council.mandatory_share = share(council.mandatory_fulfilled, council.mandatory_total);
        council.feedback_received = feedback.values().map(|c| c.received.max(0) as usize).sum();
        council.feedback_answered = feedback.values().map(|c| c.answered.max(0) as usize).sum();
        council.feedback_answered_share =
            share(council.feedback_answered, council.feedback_received);
        register_figures(&mut council, &self.register(None).await?, &today);

        let mut publishers = Vec::new();
        for p in self.list_publishers() {
            let own: Vec<&(Arc<Dataset>, QualityScore)> =
                scored.iter().filter(|(d, _)| d.owner_org == p.id).collect();
            let mut f = catalog_figures(&own, &facts.validations, start, end, at);
            let (fulfilled, overdue) = compliance
                .by_publisher
                .get(&p.id)
                .copied()
                .unwrap_or((0, 0));
            f.mandatory_total = fulfilled + overdue;
            f.mandatory_fulfilled = fulfilled;
            f.mandatory_overdue = overdue;
            f.mandatory_share = share(fulfilled, fulfilled + overdue);
            let fb = feedback.get(&p.id).copied().unwrap_or_default();
            f.feedback_received = fb.received.max(0) as usize;
            f.feedback_answered = fb.answered.max(0) as usize;
            f.feedback_answered_share = share(f.feedback_answered, f.feedback_received);
            register_figures(&mut f, &self.register(Some(&p.id)).await?, &today);
            publishers.push(MonitoringEntry {
                rank: 0,
                publisher_id: p.id,
                name: p.name,
                title: p.title,
                title_en: p.title_en,
                figures: f,
            });
        }
        publishers.sort_by(rating_order);
        for (i, p) in publishers.iter_mut().enumerate() {
            p.rank = i + 1;
        }
        Ok(Monitoring {
            quarter: q.to_string(),
            live: true,
            taken: now(),
            period_start: start,
            period_end: end,
            council,
            publishers,
            target_share: TARGET_SHARE,
        })
    }

    /// The figures of a quarter for anyone (the rating is public): live
    /// for the current quarter, the snapshot for an ended one.
    pub(crate) async fn quarter_figures(&self, q: Quarter) -> Result<Monitoring> {
        let t = now();
        let current = Quarter::of(t);
        if q > current {
            return Err(ActionError::invalid(
                "quarter",
                "That quarter has not begun",
            ));
        }
        if q == current {
            return self.compute_monitoring(q, t).await;
        }
        let rows = self.store.quarter_snapshot(&q.to_string()).await?;
        if rows.is_empty() {
            return Err(ActionError::not_found(format!(
                "figures of quarter {q} (no snapshot was taken when it ended)"
            )));
        }
        from_snapshot(q, rows)
    }

    /// The quarterly monitoring (coordinators only). With `publisher`, only
    /// that publisher's entry is listed (the council's figures stay).
    pub async fn monitoring_show(
        &self,
        viewer: &Viewer,
        quarter: Option<&str>,
        publisher: Option<&str>,
    ) -> Result<Monitoring> {
        require_coordinator(viewer)?;
        let q = parse_quarter(quarter)?;
        let publisher_id = match publisher.filter(|p| !p.trim().is_empty()) {
            Some(p) => Some(self.show_publisher(p)?.id),
            None => None,
        };
        let mut m = self.quarter_figures(q).await?;
        if let Some(id) = publisher_id {
            m.publishers.retain(|e| e.publisher_id == id);
            if m.publishers.is_empty() {
                return Err(ActionError::not_found(format!(
                    "the publisher's figures for {q}"
                )));
            }
        }
        Ok(m)
    }

    /// The quarters with figures, newest first: the current (live) one and
    /// every snapshot.
    pub async fn monitoring_quarters(&self) -> Result<Vec<Quarter>> {
        let mut out = vec![Quarter::of(now())];
        for r in self.store.quarter_snapshots(Some("")).await? {
            if let Some(q) = Quarter::parse(&r.quarter)
                && !out.contains(&q)
            {
                out.push(q);
            }
        }
        out.sort_by(|a, b| b.cmp(a));
        Ok(out)
    }

    /// Every quarter's figures, oldest first, ending with the live current
    /// quarter; with `publisher`, only its entries (and the council's).
    pub async fn monitoring_history(&self, publisher: Option<&str>) -> Result<Vec<Monitoring>> {
        let publisher_id = match publisher.filter(|p| !p.trim().is_empty()) {
            Some(p) => Some(self.show_publisher(p)?.id),
            None => None,
        };
        let current = Quarter::of(now());
        let mut by_quarter: std::collections::BTreeMap<Quarter, Vec<SnapshotRow>> =
            std::collections::BTreeMap::new();
        for r in self
            .store
            .quarter_snapshots(publisher_id.as_deref())
            .await?
        {
            if let Some(q) = Quarter::parse(&r.quarter).filter(|q| *q < current) {
                by_quarter.entry(q).or_default().push(r);
            }
        }
        let mut out = Vec::new();
        for (q, rows) in by_quarter {
            out.push(from_snapshot(q, rows)?);
        }
        let mut live = self.compute_monitoring(current, now()).await?;
        if let Some(id) = &publisher_id {
            live.publishers.retain(|e| &e.publisher_id == id);
        }
        out.push(live);
        Ok(out)
    }

    /// Keeps the figures of an ended quarter. Returns false when that
    /// quarter already has a snapshot (it is never rewritten).
    pub async fn take_quarter_snapshot(&self, q: Quarter) -> Result<bool> {
        let t = now();
        if q.end() > t {
            return Err(ActionError::invalid(
                "quarter",
                "Only an ended quarter can be kept",
            ));
        }
        if !self
            .store
            .quarter_snapshot(&q.to_string())
            .await?
            .is_empty()
        {
            return Ok(false);
        }
        let m = self.compute_monitoring(q, q.end()).await?;
        let json = |f: &MonitoringFigures| {
            serde_json::to_string(f).map_err(|e| ActionError::Internal(format!("figures: {e}")))
        };
        let mut rows = vec![SnapshotRow {
            quarter: m.quarter.clone(),
            publisher_id: String::new(),
            rank: 0,
            name: String::new(),
            title: String::new(),
            title_en: None,
            figures: json(&m.council)?,
            taken: t,
        }];
        for e in &m.publishers {
            rows.push(SnapshotRow {
                quarter: m.quarter.clone(),
                publisher_id: e.publisher_id.clone(),
                rank: e.rank as i64,
                name: e.name.clone(),
                title: e.title.clone(),
                title_en: e.title_en.clone(),
                figures: json(&e.figures)?,
                taken: t,
            });
        }
        Ok(self.store.save_quarter_snapshot(&m.quarter, &rows).await?)
    }

    /// Makes sure the quarter snapshot job is queued for the end of the
    /// current quarter unless one is already waiting (called when
    /// `misto serve` starts).
    pub async fn schedule_quarter_snapshot(&self) -> Result<()> {
        if let Some(j) = self
            .job_status(QUARTER_SNAPSHOT_JOB, QUARTER_SNAPSHOT_SUBJECT)
            .await?
            && matches!(
                j.state,
                misto_core::JobState::Pending | misto_core::JobState::Running
            )
        {
            return Ok(());
        }
        self.enqueue_job(
            QUARTER_SNAPSHOT_JOB,
            QUARTER_SNAPSHOT_SUBJECT,
            serde_json::json!({}),
            Some(Quarter::of(now()).end()),
        )
        .await?;
        Ok(())
    }
}

fn from_snapshot(q: Quarter, rows: Vec<SnapshotRow>) -> Result<Monitoring> {
    let parse = |s: &str| {
        serde_json::from_str::<MonitoringFigures>(s)
            .map_err(|e| ActionError::Internal(format!("stored figures: {e}")))
    };
    let mut council = MonitoringFigures::default();
    let mut taken = q.end();
    let mut publishers = Vec::new();
    for r in rows {
        taken = r.taken;
        if r.publisher_id.is_empty() {
            council = parse(&r.figures)?;
        } else {
            publishers.push(MonitoringEntry {
                rank: r.rank.max(0) as usize,
                figures: parse(&r.figures)?,
                publisher_id: r.publisher_id,
                name: r.name,
                title: r.title,
                title_en: r.title_en,
            });
        }
    }
    publishers.sort_by_key(|p| p.rank);
    Ok(Monitoring {
        quarter: q.to_string(),
        live: false,
        taken,
        period_start: q.start(),
        period_end: q.end(),
        council,
        publishers,
        target_share: TARGET_SHARE,
    })
}

/// The handler of [`QUARTER_SNAPSHOT_JOB`]: keeps the figures of the
/// quarter that ended last (unless kept before), then queues itself for
/// the end of the current quarter.
pub async fn quarter_snapshot_job(
    portal: Portal,
    _job: Job,
    ctx: JobContext,
) -> Result<JobOutcome> {
    let current = Quarter::of(now());
    let ended = current.previous();
    let taken = portal.take_quarter_snapshot(ended).await?;
    ctx.progress(1, 1).await?;
    Ok(JobOutcome {
        message: if taken {
            format!("figures of {ended} kept")
        } else {
            format!("figures of {ended} were kept before")
        },
        next_run: Some(current.end()),
    })
}

// ---- the assessment card ----------------------------------------------------

/// How an indicator's value is shown and compared with its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share 0–1, shown as a percentage.
    Share,
    /// A score 0–100.
    Score,
    /// A count.
    Count,
}

/// One line of the assessment card.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: &'static str,
    pub unit: Unit,
    /// `None` when there is nothing to count (no datasets, no feedback).
    pub value: Option<f64>,
    /// The figures the value is computed from (`numerator`/`denominator`
    /// for shares).
    pub numerator: Option<usize>,
    pub denominator: Option<usize>,
    /// The value aimed for (at least); `None` for indicators given for
    /// information.
    pub target: Option<f64>,
    /// Whether the target is reached (`None` without a value or target).
    pub met: Option<bool>,
}

/// The indicators of the card and their targets, in order. Names,
/// formulas and sources are in the translation files and docs/assessment.md.
pub const INDICATORS: &[(&str, Unit, Option<f64>)] = &[
    ("mandatory_fulfilled", Unit::Share, Some(1.0)),
    ("datasets_published", Unit::Count, None),
    ("datasets_new", Unit::Count, None),
    ("on_time_share", Unit::Share, Some(TARGET_SHARE)),
    ("meeting_share", Unit::Share, Some(TARGET_SHARE)),
    ("average_score", Unit::Score, Some(80.0)),
    ("validation_pass_rate", Unit::Share, Some(TARGET_SHARE)),
    ("feedback_answered_share", Unit::Share, Some(1.0)),
    ("register_completeness", Unit::Share, Some(1.0)),
];

/// The assessment card of a set of figures.
pub fn assessment_card(f: &MonitoringFigures) -> Vec<Indicator> {
    INDICATORS
        .iter()
        .map(|&(id, unit, target)| {
            let (value, num, den) = match id {
                "mandatory_fulfilled" => (
                    f.mandatory_share,
                    Some(f.mandatory_fulfilled),
                    Some(f.mandatory_total),
                ),
                "datasets_published" => (Some(f.datasets as f64), Some(f.datasets), None),
                "datasets_new" => (Some(f.datasets_new as f64), Some(f.datasets_new), None),
                "on_time_share" => (f.on_time_share, Some(f.on_time), Some(f.with_frequency)),
                "meeting_share" => (f.meeting_share, Some(f.meeting), Some(f.datasets)),
                "average_score" => (f.average_score, None, Some(f.datasets)),
                "validation_pass_rate" => (
                    f.validation_pass_rate,
                    Some(f.resources_passed),
                    Some(f.resources),
                ),
                "feedback_answered_share" => (
                    f.feedback_answered_share,
                    Some(f.feedback_answered),
                    Some(f.feedback_received),
                ),
                "register_completeness" => (
                    f.register_completeness,
                    Some(f.register_complete),
                    Some(f.register_entries),
                ),
                _ => (None, None, None),
            };
            let met = match (value, target) {
                (Some(v), Some(t)) => Some(v + 1e-9 >= t),
                _ => None,
            };
            Indicator {
                id,
                unit,
                value,
                numerator: num,
                denominator: den,
                target,
                met,
            }
        })
        .collect()
}

/// The columns of the monitoring export, in order, with how to read each
/// from the figures.
pub const EXPORT_COLUMNS: &[&str] = &[
    "datasets",
    "datasets_new",
    "datasets_updated",
    "with_frequency",
    "on_time",
    "on_time_share",
    "average_score",
    "meeting",
    "meeting_share",
    "mandatory_total",
    "mandatory_fulfilled",
    "mandatory_overdue",
    "mandatory_missing",
    "resources",
    "resources_validated",
    "resources_passed",
    "validation_pass_rate",
    "feedback_received",
    "feedback_answered",
    "register_entries",
    "register_published",
    "register_planned",
    "register_planned_late",
    "register_not_to_publish",
    "register_complete",
    "register_completeness",
];

/// A figure for the export: counts as integers, shares as fractions
/// rounded to 4 places, scores to 1; `None` for an empty share.
pub fn export_value(f: &MonitoringFigures, column: &str) -> Option<f64> {
    let n = |x: usize| Some(x as f64);
    let r4 = |x: Option<f64>| x.map(|v| (v * 10000.0).round() / 10000.0);
    match column {
        "datasets" => n(f.datasets),
        "datasets_new" => n(f.datasets_new),
        "datasets_updated" => n(f.datasets_updated),
        "with_frequency" => n(f.with_frequency),
        "on_time" => n(f.on_time),
        "on_time_share" => r4(f.on_time_share),
        "average_score" => f.average_score,
        "meeting" => n(f.meeting),
        "meeting_share" => r4(f.meeting_share),
        "mandatory_total" => n(f.mandatory_total),
        "mandatory_fulfilled" => n(f.mandatory_fulfilled),
        "mandatory_overdue" => n(f.mandatory_overdue),
        "mandatory_missing" => n(f.mandatory_missing),
        "resources" => n(f.resources),
        "resources_validated" => n(f.resources_validated),
        "resources_passed" => n(f.resources_passed),
        "validation_pass_rate" => r4(f.validation_pass_rate),
        "feedback_received" => n(f.feedback_received),
        "feedback_answered" => n(f.feedback_answered),
        "register_entries" => n(f.register_entries),
        "register_published" => n(f.register_published),
        "register_planned" => n(f.register_planned),
        "register_planned_late" => n(f.register_planned_late),
        "register_not_to_publish" => n(f.register_not_to_publish),
        "register_complete" => n(f.register_complete),
        "register_completeness" => r4(f.register_completeness),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_parse_and_step() {
        let q = Quarter::parse("2026Q3").unwrap();
        assert_eq!(
            q,
            Quarter {
                year: 2026,
                number: 3
            }
        );
        assert_eq!(Quarter::parse("2026-q4").unwrap().to_string(), "2026-Q4");
        for bad in ["2026Q5", "2026Q0", "26Q1", "2026", "Q3", "2026-Q3x", ""] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
        assert_eq!(q.start().to_rfc3339(), "2026-07-01T00:00:00+00:00");
        assert_eq!(q.end().to_rfc3339(), "2026-10-01T00:00:00+00:00");
        let q4 = Quarter::parse("2026-Q4").unwrap();
        assert_eq!(q4.next().to_string(), "2027-Q1");
        assert_eq!(q4.next().previous(), q4);
        assert_eq!(Quarter::of(q4.end()).to_string(), "2027-Q1");
        assert_eq!(Quarter::of(q4.end() - chrono::Duration::seconds(1)), q4);
    }

    #[test]
    fn the_card_compares_each_value_with_its_target() {
        let f = MonitoringFigures {
            datasets: 10,
            meeting: 9,
            meeting_share: Some(0.9),
            on_time: 8,
            with_frequency: 10,
            on_time_share: Some(0.8),
            mandatory_total: 4,
            mandatory_fulfilled: 4,
            mandatory_share: Some(1.0),
            ..MonitoringFigures::default()
        };
        let card = assessment_card(&f);
        let get = |id: &str| card.iter().find(|i| i.id == id).unwrap();
        assert_eq!(get("meeting_share").met, Some(true));
        assert_eq!(get("on_time_share").met, Some(false));
        assert_eq!(get("mandatory_fulfilled").met, Some(true));
        assert_eq!(get("mandatory_fulfilled").denominator, Some(4));
        assert_eq!(get("feedback_answered_share").value, None);
        assert_eq!(get("feedback_answered_share").met, None);
        assert_eq!(get("datasets_published").target, None);
        assert_eq!(card.len(), INDICATORS.len());
    }
}
