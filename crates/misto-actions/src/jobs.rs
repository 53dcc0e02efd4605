//! Background jobs: durable work queued in the store and run by workers in
//! every `misto serve` (and by `run_jobs_until_idle` in the CLI and tests).
//!
//! A feature adds a job kind by registering a handler in a [`JobRegistry`]
//! (see [`default_registry`]) and queueing work with
//! [`Portal::enqueue_job`]. Handlers must be idempotent: a job whose worker
//! died is run again from the start once its lease runs out, so a handler
//! writes its result in one final step (or in steps it can repeat).
//!
//! Outcomes: `Ok` ends the job as done (optionally queueing the next run of
//! a scheduled job); [`ActionError::Internal`] is retried with back-off up
//! to the job's `max_attempts`; any other error ends the job as `error` with
//! the error's message, which status displays show to users.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use misto_core::time::now;
use misto_core::{Job, JobState, Timestamp};
use misto_store::NewJob;

use crate::{ActionError, Portal, Result};

/// What a handler returns when it succeeds.
#[derive(Debug, Clone, Default)]
pub struct JobOutcome {
    /// A one-line summary kept on the job ("12 340 rows loaded").
    pub message: String,
    /// For scheduled work: queue the same job again to run at this time.
    pub next_run: Option<Timestamp>,
}

impl JobOutcome {
    pub fn done(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            next_run: None,
        }
    }
}

pub type JobFuture = Pin<Box<dyn Future<Output = Result<JobOutcome>> + Send>>;

/// Runs one job. Gets the portal, the claimed job and a context to report
/// progress through.
pub type JobHandler = Arc<dyn Fn(Portal, Job, JobContext) -> JobFuture + Send + Sync>;

/// The handlers by job kind.
#[derive(Clone, Default)]
pub struct JobRegistry {
    handlers: HashMap<String, JobHandler>,
}

impl JobRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the handler of `kind`, replacing any earlier one.
    pub fn register<F, Fut>(&mut self, kind: &str, handler: F) -> &mut Self
    where
        F: Fn(Portal, Job, JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<JobOutcome>> + Send + 'static,
    {
        let handler: JobHandler = Arc::new(move |p, j, c| Box::pin(handler(p, j, c)));
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}

/// The handlers of the job kinds this crate defines. Callers add their own
/// (e.g. the harvester) before starting workers.
pub fn default_registry() -> JobRegistry {
    let mut registry = JobRegistry::new();
    registry.register(
        crate::quality::VALIDATE_JOB,
        crate::quality::run_validate_job,
    );
    registry.register(crate::datastore::INGEST_JOB, crate::datastore::ingest_job);
    registry.register(
        crate::reminders::REMINDERS_JOB,
        crate::reminders::run_reminders_job,
    );
    registry.register(
        crate::subscriptions::DIGEST_JOB,
        crate::subscriptions::digest_job,
    );
    registry.register(crate::datastore::INDEX_JOB, crate::datastore::index_job);
    registry.register(
        crate::monitoring::QUARTER_SNAPSHOT_JOB,
        crate::monitoring::quarter_snapshot_job,
    );
    registry
}

/// Handed to a running handler: reports progress and keeps the lease alive.
#[derive(Clone)]
pub struct JobContext {
    portal: Portal,
    job_id: String,
    worker: String,
    /// Microseconds since the epoch of the last lease extension.
    last_beat: Arc<AtomicI64>,
}

impl JobContext {
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// Records `done` of `total` units and extends the lease. Cheap to call
    /// often: it writes at most once a second (and always at the end, when
    /// `done == total`). Fails when the lease was lost, i.e. another worker
    /// took the job over; the handler should then stop.
    pub async fn progress(&self, done: i64, total: i64) -> Result<()> {
        let t = now();
        let micros = misto_core::time::to_micros(&t);
        let last = self.last_beat.load(Ordering::Relaxed);
        if done != total && micros - last < 1_000_000 {
            return Ok(());
        }
        self.last_beat.store(micros, Ordering::Relaxed);
        let lease = t + lease_of(&self.portal);
        let held = self
            .portal
            .store
            .job_progress(&self.job_id, &self.worker, done, total, lease, t)
            .await?;
        if held {
            Ok(())
        } else {
            Err(ActionError::Internal(format!(
                "job {} was taken over by another worker",
                self.job_id
            )))
        }
    }
}

fn lease_of(portal: &Portal) -> chrono::Duration {
    chrono::Duration::from_std(portal.config.job_lease).unwrap_or(chrono::Duration::seconds(60))
}

/// Attempts before a job whose handler keeps failing (or keeps killing its
/// worker) ends as an error.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 3;

impl Portal {
    /// Queues `kind` work on `subject` to run at `run_after` (now when
    /// `None`), replacing a job for the same work that is still waiting.
    /// Wakes this process's workers. Returns the job id.
    pub async fn enqueue_job(
        &self,
        kind: &str,
        subject: &str,
        payload: serde_json::Value,
        run_after: Option<Timestamp>,
    ) -> Result<String> {
        let t = now();
        let id = crate::new_id();
        let id = self
            .store
            .enqueue_job(&NewJob {
                id: &id,
                kind,
                subject,
                payload: &payload,
                max_attempts: DEFAULT_MAX_ATTEMPTS,
                run_after: run_after.unwrap_or(t),
                now: t,
            })
            .await?;
        self.jobs_wake.notify_waiters();
        Ok(id)
    }

    /// The job a status display shows for `kind` work on `subject`: the
    /// running or waiting one, else the last finished.
    pub async fn job_status(&self, kind: &str, subject: &str) -> Result<Option<Job>> {
        Ok(self.store.latest_job(kind, subject).await?)
    }

    /// Recent jobs for the operator (sysadmin only).
    pub async fn list_jobs(
        &self,
        viewer: &crate::Viewer,
        kind: Option<&str>,
        state: Option<JobState>,
        limit: i64,
    ) -> Result<Vec<Job>> {
        if !viewer.sysadmin {
            return Err(ActionError::denied("only sysadmins see the job queue"));
        }
        Ok(self
            .store
            .list_jobs(kind, None, state, limit.clamp(1, 1000), 0)
            .await?)
    }

    /// Claims and runs one ready job. Returns false when none was ready.
    pub async fn run_one_job(&self, registry: &JobRegistry, worker: &str) -> Result<bool> {
        self.run_one_job_at(registry, worker, now()).await
    }

    /// [`Portal::run_one_job`] as if the time were `t` (tests of back-off).
    pub(crate) async fn run_one_job_at(
        &self,
        registry: &JobRegistry,
        worker: &str,
        t: Timestamp,
    ) -> Result<bool> {
        let Some(job) = self.store.claim_job(worker, t, t + lease_of(self)).await? else {
            return Ok(false);
        };
        let id = job.id.clone();
        if job.attempts > job.max_attempts {
            let msg = format!("stopped after {} attempts", job.max_attempts);
            tracing::warn!(job = %id, kind = %job.kind, "{msg}");
            self.store
                .finish_job(&id, worker, JobState::Error, &msg, now())
                .await?;
            return Ok(true);
        }
        let Some(handler) = registry.handlers.get(&job.kind).cloned() else {
            let msg = format!("no handler for job kind {:?}", job.kind);
            self.store
                .finish_job(&id, worker, JobState::Error, &msg, now())
                .await?;
            return Ok(true);
        };
        let ctx = JobContext {
            portal: self.clone(),
            job_id: id.clone(),
            worker: worker.to_owned(),
            last_beat: Arc::new(AtomicI64::new(misto_core::time::to_micros(&t))),
        };
        let (kind, subject, payload, attempts) = (
            job.kind.clone(),
            job.subject.clone(),
            job.payload.clone(),
            job.attempts,
        );
        let has_secret = payload.get("secret").is_some();
        let started = std::time::Instant::now();
        // Run in its own task so that a panic ends this job, not the worker.
        let outcome = tokio::spawn(handler(self.clone(), job, ctx)).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(Ok(out)) => {
                tracing::info!(job = %id, %kind, %subject, elapsed_ms, "job done: {}", out.message);
                self.store
                    .finish_job(&id, worker, JobState::Done, &out.message, now())
                    .await?;
                if let Some(at) = out.next_run {
                    self.enqueue_job(&kind, &subject, payload, Some(at)).await?;
                }
            }
            Ok(Err(ActionError::Internal(msg))) if attempts < DEFAULT_MAX_ATTEMPTS => {
                let delay = chrono::Duration::seconds(5 * attempts * attempts);
                tracing::warn!(job = %id, %kind, %subject, "job failed, will retry: {msg}");
                let shown = "temporary failure, will retry";
                self.store
                    .retry_job(&id, worker, shown, now() + delay, now())
                    .await?;
            }
            Ok(Err(e)) => {
                let msg = match &e {
                    ActionError::Internal(m) => {
                        tracing::error!(job = %id, %kind, %subject, "job failed: {m}");
                        "internal error".to_owned()
                    }
                    other => other.to_string(),
                };
                tracing::info!(job = %id, %kind, %subject, elapsed_ms, "job ended with error: {msg}");
                self.store
                    .finish_job(&id, worker, JobState::Error, &msg, now())
                    .await?;
            }
            Err(join) => {
                tracing::error!(job = %id, %kind, %subject, "job crashed: {join}");
                self.store
                    .finish_job(&id, worker, JobState::Error, "internal error", now())
                    .await?;
            }
        }
        if has_secret {
            self.store.forget_job_secret(&id).await?;
        }
        Ok(true)
    }

    /// Runs ready jobs until none is left (jobs scheduled for later stay).
    /// Returns how many ran. For the CLI and tests.
    pub async fn run_jobs_until_idle(&self, registry: &JobRegistry) -> Result<usize> {
        let worker = format!("inline-{}", crate::new_id());
        let mut n = 0;
        while self.run_one_job(registry, &worker).await? {
            n += 1;
        }
        Ok(n)
    }

    /// Starts `count` workers that run jobs until the tasks are dropped.
    /// Each waits for a wake-up from [`Portal::enqueue_job`] in this process
    /// or polls every `job_poll` for work queued elsewhere.
    pub fn spawn_job_workers(
        &self,
        registry: Arc<JobRegistry>,
        count: usize,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        (0..count)
            .map(|i| {
                let portal = self.clone();
                let registry = registry.clone();
                let worker = format!("worker-{i}-{}", crate::new_id());
                tokio::spawn(async move {
                    loop {
                        let wake = portal.jobs_wake.notified();
                        match portal.run_one_job(&registry, &worker).await {
                            Ok(true) => continue,
                            Ok(false) => {}
                            Err(e) => tracing::warn!(error = %e, "job worker: store error"),
                        }
                        let _ = tokio::time::timeout(portal.config.job_poll, wake).await;
                    }
                })
            })
            .collect()
    }
}

/// The job kind that sends one e-mail. Its handler (SMTP) lives in the
/// mail crate and is registered by the binary.
pub const EMAIL_JOB: &str = "email";

/// An e-mail to send, as stored in an [`EMAIL_JOB`] job's payload.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Email {
    pub to: String,
    pub subject: String,
    /// Plain-text body.
    pub text: String,
}

impl Portal {
    /// Queues an e-mail for sending by the background workers.
    /// `dedupe_key` names the message (e.g. `reminder:{dataset}:{due date}`):
    /// a message with the same key still waiting is replaced, not doubled.
    pub async fn queue_email(&self, email: &Email, dedupe_key: &str) -> Result<String> {
        if !misto_core::validate::is_valid_email(&email.to) {
            return Err(ActionError::invalid("email", "Invalid e-mail address"));
        }
        let payload = serde_json::to_value(email)
            .map_err(|e| ActionError::Internal(format!("e-mail payload: {e}")))?;
        self.enqueue_job(EMAIL_JOB, dedupe_key, payload, None).await
    }
}

/// A sensible worker count for this machine: half the cores, at least one.
pub fn default_worker_count() -> usize {
    std::thread::available_parallelism()
        .map(|n| (n.get() / 2).max(1))
        .unwrap_or(1)
}

/// How long to wait before the first run of an hourly or daily schedule.
pub fn after(d: Duration) -> Timestamp {
    now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    async fn portal() -> Portal {
        let store = misto_store::testing::fresh_store().await;
        let dir = std::env::temp_dir().join(format!("misto-jobs-{}", crate::new_id()));
        let blobs = crate::BlobStore::local(dir).await.unwrap();
        Portal::open(store, blobs, crate::PortalConfig::default())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn jobs_run_retry_and_fail_with_a_message() {
        let portal = portal().await;
        let runs = Arc::new(AtomicUsize::new(0));
        let mut reg = JobRegistry::new();
        let r = runs.clone();
        reg.register("flaky", move |_p, job, ctx| {
            let r = r.clone();
            async move {
                ctx.progress(1, 2).await?;
                let n = r.fetch_add(1, Ordering::SeqCst);
                if n == 0 {
                    Err(ActionError::Internal("disk hiccup".into()))
                } else {
                    Ok(JobOutcome::done(format!("ok {}", job.payload["x"])))
                }
            }
        });
        reg.register("bad", |_p, _job, _ctx| async {
            Err(ActionError::invalid("upload", "Row 3: not a number"))
        });
        let flaky = portal
            .enqueue_job("flaky", "r1", serde_json::json!({"x": 7}), None)
            .await
            .unwrap();
        portal
            .enqueue_job("bad", "r2", serde_json::json!({}), None)
            .await
            .unwrap();
        portal.run_jobs_until_idle(&reg).await.unwrap();
        // The retry waits for its back-off; make it due now.
        let job = portal.store.find_job(&flaky).await.unwrap().unwrap();
        assert_eq!(job.state, JobState::Pending);
        assert_eq!(job.message, "temporary failure, will retry");
        assert!(job.run_after > misto_core::time::now());
        assert!(
            portal
                .run_one_job_at(&reg, "w", job.run_after)
                .await
                .unwrap()
        );
        portal.run_jobs_until_idle(&reg).await.unwrap();
        let done = portal.job_status("flaky", "r1").await.unwrap().unwrap();
        assert_eq!(
            (done.state, done.message.as_str()),
            (JobState::Done, "ok 7")
        );
        let bad = portal.job_status("bad", "r2").await.unwrap().unwrap();
        assert_eq!(bad.state, JobState::Error);
        assert!(
            bad.message.contains("Row 3: not a number"),
            "{}",
            bad.message
        );
    }

    #[tokio::test]
    async fn scheduled_jobs_queue_their_next_run_and_panics_end_the_job() {
        let portal = portal().await;
        let mut reg = JobRegistry::new();
        reg.register("tick", |_p, _j, _c| async {
            Ok(JobOutcome {
                message: "ticked".into(),
                next_run: Some(after(Duration::from_secs(3600))),
            })
        });
        reg.register("boom", |_p, _j, _c| async {
            let v: Vec<u8> = Vec::new();
            let i = v.len() + 3;
            Ok(JobOutcome::done(format!("{}", v[i])))
        });
        portal
            .enqueue_job("tick", "daily", serde_json::json!({}), None)
            .await
            .unwrap();
        portal
            .enqueue_job("boom", "x", serde_json::json!({}), None)
            .await
            .unwrap();
        assert_eq!(portal.run_jobs_until_idle(&reg).await.unwrap(), 2);
        let next = portal.job_status("tick", "daily").await.unwrap().unwrap();
        assert_eq!(next.state, JobState::Pending);
        assert!(next.run_after > misto_core::time::now());
        let boom = portal.job_status("boom", "x").await.unwrap().unwrap();
        assert_eq!(
            (boom.state, boom.message.as_str()),
            (JobState::Error, "internal error")
        );
    }

    #[tokio::test]
    async fn workers_pick_up_queued_jobs() {
        let portal = portal().await;
        let mut reg = JobRegistry::new();
        reg.register("echo", |_p, j, _c| async move {
            Ok(JobOutcome::done(j.subject))
        });
        let handles = portal.spawn_job_workers(Arc::new(reg), 2);
        portal
            .enqueue_job("echo", "hello", serde_json::json!({}), None)
            .await
            .unwrap();
        let mut state = None;
        for _ in 0..100 {
            let job = portal.job_status("echo", "hello").await.unwrap().unwrap();
            if job.state == JobState::Done {
                state = Some(job.message);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        handles.iter().for_each(|h| h.abort());
        assert_eq!(state.as_deref(), Some("hello"));
    }
}
