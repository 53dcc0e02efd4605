//! The durable job queue: background work stored in the database so that it
//! survives restarts and is shared by every instance of an install.
//!
//! A job is claimed with a lease (`locked_by`, `locked_until`); the worker
//! extends the lease while it works. A job whose lease ran out (its worker
//! died) is claimed again by the next worker. At most one job per
//! `(kind, subject)` is pending: enqueueing the same work again replaces the
//! waiting job's payload instead of queueing a second one.

use misto_core::time::{from_micros, to_micros};
use misto_core::{Job, JobState, Timestamp};

use crate::{Backend, Result, Store, StoreError};

const JOB_COLUMNS: &str = "id, kind, subject, payload, state, attempts, max_attempts, run_after, \
     locked_by, locked_until, progress_done, progress_total, message, created, modified";

#[derive(sqlx::FromRow)]
struct JobRow {
    id: String,
    kind: String,
    subject: String,
    payload: String,
    state: String,
    attempts: i64,
    max_attempts: i64,
    run_after: i64,
    locked_by: Option<String>,
    locked_until: Option<i64>,
    progress_done: i64,
    progress_total: i64,
    message: String,
    created: i64,
    modified: i64,
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Self> {
        Ok(Job {
            state: JobState::parse(&r.state)
                .ok_or_else(|| StoreError::Corrupt(format!("job state {}", r.id)))?,
            payload: serde_json::from_str(&r.payload)
                .map_err(|e| StoreError::Corrupt(format!("job payload {}: {e}", r.id)))?,
            id: r.id,
            kind: r.kind,
            subject: r.subject,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            run_after: from_micros(r.run_after),
            locked_by: r.locked_by,
            locked_until: r.locked_until.map(from_micros),
            progress_done: r.progress_done,
            progress_total: r.progress_total,
            message: r.message,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

/// What to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub subject: &'a str,
    pub payload: &'a serde_json::Value,
    pub max_attempts: i64,
    pub run_after: Timestamp,
    pub now: Timestamp,
}

/// The statement [`Store::enqueue_job`] runs (binds: id, kind, subject,
/// payload, max_attempts, run_after, now); other modules run it inside their
/// own transactions.
pub(crate) fn enqueue_sql() -> String {
    format!(
        "INSERT INTO jobs ({JOB_COLUMNS}) VALUES \
         ($1, $2, $3, $4, 'pending', 0, $5, $6, NULL, NULL, 0, 0, '', $7, $7) \
         ON CONFLICT (kind, subject) WHERE state = 'pending' DO UPDATE SET \
         payload = excluded.payload, max_attempts = excluded.max_attempts, \
         run_after = excluded.run_after, attempts = 0, modified = excluded.modified \
         RETURNING id"
    )
}

impl Store {
    /// Queues a job, or — when a job of the same kind and subject is already
    /// waiting — replaces that job's payload, attempts and start time.
    /// Returns the id of the waiting job.
    pub async fn enqueue_job(&self, job: &NewJob<'_>) -> Result<String> {
        let payload = job.payload.to_string();
        let (run_after, now) = (to_micros(&job.run_after), to_micros(&job.now));
        let sql = enqueue_sql();
        write_tx!(self, |tx| {
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(job.id)
                .bind(job.kind)
                .bind(job.subject)
                .bind(payload.as_str())
                .bind(job.max_attempts)
                .bind(run_after)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
        })
    }

    /// Claims the job that has waited longest among those ready to run
    /// (pending and due, or running with an expired lease), marking it
    /// running under `worker` until `lease_until`.
    pub async fn claim_job(
        &self,
        worker: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<Job>> {
        let skip_locked = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2, modified = $3 \
             WHERE id = (SELECT id FROM jobs WHERE \
             (state = 'pending' AND run_after <= $3) OR (state = 'running' AND locked_until < $3) \
             ORDER BY run_after, created, id LIMIT 1{skip_locked}) \
             AND ((state = 'pending' AND run_after <= $3) OR (state = 'running' AND locked_until < $3)) \
             RETURNING {JOB_COLUMNS}"
        );
        let (now, lease) = (to_micros(&now), to_micros(&lease_until));
        let row = write_tx!(self, |tx| {
            sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(worker)
                .bind(lease)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?
        })?;
        row.map(Job::try_from).transpose()
    }

    /// Records progress and extends the lease. Returns false when the job is
    /// no longer held by `worker` (its lease ran out and another took it).
    pub async fn job_progress(
        &self,
        id: &str,
        worker: &str,
        done: i64,
        total: i64,
        lease_until: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let (lease, now) = (to_micros(&lease_until), to_micros(&now));
        let n = write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE jobs SET progress_done = $3, progress_total = $4, locked_until = $5, \
                 modified = $6 WHERE id = $1 AND locked_by = $2 AND state = 'running'",
            )
            .bind(id)
            .bind(worker)
            .bind(done)
            .bind(total)
            .bind(lease)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        })?;
        Ok(n == 1)
    }

    /// Ends a job held by `worker` as done or error with a message.
    /// Returns false when the job was no longer held by `worker`.
    pub async fn finish_job(
        &self,
        id: &str,
        worker: &str,
        state: JobState,
        message: &str,
        now: Timestamp,
    ) -> Result<bool> {
        let now = to_micros(&now);
        let n = write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE jobs SET state = $3, message = $4, locked_by = NULL, locked_until = NULL, \
                 modified = $5 WHERE id = $1 AND locked_by = $2 AND state = 'running'",
            )
            .bind(id)
            .bind(worker)
            .bind(state.as_str())
            .bind(message)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        })?;
        Ok(n == 1)
    }

    /// Puts a job held by `worker` back in the queue to run at `run_after`
    /// (a retry after a failure). When a newer request for the same work is
    /// already waiting, this one ends as done ("superseded") instead.
    pub async fn retry_job(
        &self,
        id: &str,
        worker: &str,
        message: &str,
        run_after: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        let (run_after, now) = (to_micros(&run_after), to_micros(&now));
        write_tx!(self, |tx| {
            let waiting: Option<String> = sqlx::query_scalar(
                "SELECT w.id FROM jobs w JOIN jobs j ON j.kind = w.kind AND j.subject = w.subject \
                 WHERE j.id = $1 AND w.state = 'pending'",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let (state, msg) = match waiting {
                Some(_) => ("done", "superseded by a newer request"),
                None => ("pending", message),
            };
            sqlx::query(
                "UPDATE jobs SET state = $3, message = $4, run_after = $5, locked_by = NULL, \
                 locked_until = NULL, modified = $6 \
                 WHERE id = $1 AND locked_by = $2 AND state = 'running'",
            )
            .bind(id)
            .bind(worker)
            .bind(state)
            .bind(msg)
            .bind(run_after)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        })
    }

    /// Drops the `secret` member of an ended job's payload: credentials a
    /// job needed while it could still run (a remote API key) are not
    /// kept once it has ended. A job still pending or running is left as
    /// it is.
    pub async fn forget_job_secret(&self, id: &str) -> Result<()> {
        write_tx!(self, |tx| {
            let payload: Option<String> = sqlx::query_scalar(
                "SELECT payload FROM jobs WHERE id = $1 AND state NOT IN ('pending', 'running')",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(serde_json::Value::Object(mut m)) =
                payload.and_then(|p| serde_json::from_str(&p).ok())
                && m.remove("secret").is_some()
            {
                sqlx::query("UPDATE jobs SET payload = $2 WHERE id = $1")
                    .bind(id)
                    .bind(serde_json::Value::Object(m).to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        })
    }

    pub async fn find_job(&self, id: &str) -> Result<Option<Job>> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(Job::try_from).transpose()
    }

    /// The most recent job of a kind for a subject (what a status display
    /// shows): a waiting or running one first, else the last finished.
    pub async fn latest_job(&self, kind: &str, subject: &str) -> Result<Option<Job>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 AND subject = $2 \
             ORDER BY CASE state WHEN 'running' THEN 0 WHEN 'pending' THEN 1 ELSE 2 END, \
             created DESC, id LIMIT 1"
        );
        let row = read!(self, |pool| {
            sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(kind)
                .bind(subject)
                .fetch_optional(pool)
                .await?
        });
        row.map(Job::try_from).transpose()
    }

    /// Jobs newest first, optionally of one kind, subject and/or state.
    pub async fn list_jobs(
        &self,
        kind: Option<&str>,
        subject: Option<&str>,
        state: Option<JobState>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Job>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE ($1 IS NULL OR kind = $1) \
             AND ($2 IS NULL OR subject = $2) AND ($3 IS NULL OR state = $3) \
             ORDER BY created DESC, id LIMIT $4 OFFSET $5"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(kind)
                .bind(subject)
                .bind(state.map(|s| s.as_str()))
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Job::try_from).collect()
    }

    /// Jobs of a kind whose subject starts with `prefix`, newest first.
    pub async fn list_jobs_with_subject_prefix(
        &self,
        kind: &str,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<Job>> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE kind = $1 \
             AND substr(subject, 1, CAST($3 AS INTEGER)) = $2 \
             ORDER BY created DESC, id LIMIT $4"
        );
        let len = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(kind)
                .bind(prefix)
                .bind(len)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Job::try_from).collect()
    }

    /// How many jobs are pending or running.
    pub async fn active_job_count(&self) -> Result<i64> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM jobs WHERE state IN ('pending', 'running')",
            )
            .fetch_one(pool)
            .await?
        }))
    }

    /// Deletes finished jobs last changed before `before`, keeping the
    /// latest finished job of every (kind, subject) so statuses stay shown.
    pub async fn prune_jobs(&self, before: Timestamp) -> Result<u64> {
        let before = to_micros(&before);
        write_tx!(self, |tx| {
            sqlx::query(
                "DELETE FROM jobs WHERE state IN ('done', 'error') AND modified < $1 \
                 AND EXISTS (SELECT 1 FROM jobs n WHERE n.kind = jobs.kind \
                 AND n.subject = jobs.subject AND n.created > jobs.created)",
            )
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;
    use chrono::Duration;

    fn new_job<'a>(
        id: &'a str,
        subject: &'a str,
        payload: &'a serde_json::Value,
        now: Timestamp,
    ) -> NewJob<'a> {
        NewJob {
            id,
            kind: "test",
            subject,
            payload,
            max_attempts: 3,
            run_after: now,
            now,
        }
    }

    #[tokio::test]
    async fn pending_jobs_of_one_subject_coalesce() {
        let store = fresh_store().await;
        let now = misto_core::time::now();
        let p1 = serde_json::json!({"n": 1});
        let p2 = serde_json::json!({"n": 2});
        let a = store
            .enqueue_job(&new_job("a", "s1", &p1, now))
            .await
            .unwrap();
        let b = store
            .enqueue_job(&new_job("b", "s1", &p2, now))
            .await
            .unwrap();
        assert_eq!(a, "a");
        assert_eq!(b, "a", "the waiting job is reused");
        let job = store.find_job("a").await.unwrap().unwrap();
        assert_eq!(job.payload, p2);
        assert!(store.find_job("b").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn claim_lease_finish_and_reclaim_after_expiry() {
        let store = fresh_store().await;
        let now = misto_core::time::now();
        let p = serde_json::json!({});
        store
            .enqueue_job(&new_job("a", "s1", &p, now))
            .await
            .unwrap();
        let later = now + Duration::seconds(30);
        let job = store.claim_job("w1", now, later).await.unwrap().unwrap();
        assert_eq!(
            (job.id.as_str(), job.state, job.attempts),
            ("a", JobState::Running, 1)
        );
        assert!(store.claim_job("w2", now, later).await.unwrap().is_none());
        // w1 dies; after its lease w2 takes the job over.
        let after = later + Duration::seconds(1);
        let job = store
            .claim_job("w2", after, after + Duration::seconds(30))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((job.locked_by.as_deref(), job.attempts), (Some("w2"), 2));
        assert!(
            !store
                .finish_job("a", "w1", JobState::Done, "", after)
                .await
                .unwrap()
        );
        assert!(
            store
                .job_progress("a", "w2", 5, 10, after, after)
                .await
                .unwrap()
        );
        assert!(
            store
                .finish_job("a", "w2", JobState::Done, "ok", after)
                .await
                .unwrap()
        );
        let job = store.latest_job("test", "s1").await.unwrap().unwrap();
        assert_eq!(
            (job.state, job.message.as_str(), job.progress_done),
            (JobState::Done, "ok", 5)
        );
    }

    #[tokio::test]
    async fn retry_requeues_unless_a_newer_request_waits() {
        let store = fresh_store().await;
        let now = misto_core::time::now();
        let p = serde_json::json!({});
        let lease = now + Duration::seconds(30);
        store
            .enqueue_job(&new_job("a", "s1", &p, now))
            .await
            .unwrap();
        store.claim_job("w", now, lease).await.unwrap().unwrap();
        assert!(store.retry_job("a", "w", "boom", lease, now).await.unwrap());
        let job = store.find_job("a").await.unwrap().unwrap();
        assert_eq!(
            (job.state, job.message.as_str()),
            (JobState::Pending, "boom")
        );
        // Running again; meanwhile a new request for the same subject waits.
        store
            .claim_job("w", lease, lease + Duration::seconds(30))
            .await
            .unwrap()
            .unwrap();
        store
            .enqueue_job(&new_job("b", "s1", &p, now))
            .await
            .unwrap();
        assert!(store.retry_job("a", "w", "boom", lease, now).await.unwrap());
        assert_eq!(
            store.find_job("a").await.unwrap().unwrap().state,
            JobState::Done
        );
        assert_eq!(
            store.find_job("b").await.unwrap().unwrap().state,
            JobState::Pending
        );
        assert_eq!(store.active_job_count().await.unwrap(), 1);
        let listed = store
            .list_jobs(Some("test"), None, None, 10, 0)
            .await
            .unwrap();
        assert_eq!(listed.len(), 2);
    }
}
