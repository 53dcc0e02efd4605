//! Update reminders already sent: one per dataset, due date and kind, so a
//! daily reminder run never sends the same reminder twice.

use misto_core::Timestamp;
use misto_core::time::{from_micros, to_micros};

use crate::jobs::enqueue_sql;
use crate::{NewJob, Result, Store};

/// A reminder that went out (or is queued to go out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReminder {
    pub dataset_id: String,
    /// The due date it was about, `YYYY-MM-DD`.
    pub due_date: String,
    /// `due_soon` or `overdue`.
    pub kind: String,
    pub recipient: String,
    pub sent: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ReminderRow {
    dataset_id: String,
    due_date: String,
    kind: String,
    recipient: String,
    sent: i64,
}

impl Store {
    /// Records the reminder and queues its e-mail job in one transaction.
    /// Returns false, queueing nothing, when this reminder (dataset, due
    /// date, kind) was recorded before.
    pub async fn record_reminder(&self, r: &SentReminder, email: &NewJob<'_>) -> Result<bool> {
        let payload = email.payload.to_string();
        let (run_after, now) = (to_micros(&email.run_after), to_micros(&email.now));
        let sent = to_micros(&r.sent);
        let sql = enqueue_sql();
        write_tx!(self, |tx| {
            let inserted = sqlx::query(
                "INSERT INTO reminders_sent (dataset_id, due_date, kind, recipient, sent) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (dataset_id, due_date, kind) DO NOTHING",
            )
            .bind(r.dataset_id.as_str())
            .bind(r.due_date.as_str())
            .bind(r.kind.as_str())
            .bind(r.recipient.as_str())
            .bind(sent)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if inserted {
                sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.clone()))
                    .bind(email.id)
                    .bind(email.kind)
                    .bind(email.subject)
                    .bind(payload.as_str())
                    .bind(email.max_attempts)
                    .bind(run_after)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
            }
            inserted
        })
    }

    /// The reminders recorded for a dataset, oldest first.
    pub async fn reminders_sent(&self, dataset_id: &str) -> Result<Vec<SentReminder>> {
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, ReminderRow>(
                "SELECT dataset_id, due_date, kind, recipient, sent FROM reminders_sent \
                 WHERE dataset_id = $1 ORDER BY sent, due_date, kind",
            )
            .bind(dataset_id)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|r| SentReminder {
                dataset_id: r.dataset_id,
                due_date: r.due_date,
                kind: r.kind,
                recipient: r.recipient,
                sent: from_micros(r.sent),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;

    #[tokio::test]
    async fn a_reminder_is_recorded_and_queued_once() {
        let store = fresh_store().await;
        let t = misto_core::time::now();
        let r = SentReminder {
            dataset_id: "d1".into(),
            due_date: "2026-05-01".into(),
            kind: "due_soon".into(),
            recipient: "a@b.test".into(),
            sent: t,
        };
        let payload = serde_json::json!({"to": "a@b.test"});
        let job = NewJob {
            id: "j1",
            kind: "email",
            subject: "reminder:d1:2026-05-01:due_soon",
            payload: &payload,
            max_attempts: 3,
            run_after: t,
            now: t,
        };
        assert!(store.record_reminder(&r, &job).await.unwrap());
        let again = NewJob {
            id: "j2",
            ..job.clone()
        };
        assert!(!store.record_reminder(&r, &again).await.unwrap());
        let jobs = store
            .list_jobs(Some("email"), None, None, 10, 0)
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].id, "j1");
        let overdue = SentReminder {
            kind: "overdue".into(),
            ..r.clone()
        };
        let job3 = NewJob {
            id: "j3",
            subject: "reminder:d1:2026-05-01:overdue",
            ..job
        };
        assert!(store.record_reminder(&overdue, &job3).await.unwrap());
        let sent = store.reminders_sent("d1").await.unwrap();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].recipient, "a@b.test");
    }
}
