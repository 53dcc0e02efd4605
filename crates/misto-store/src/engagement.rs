//! Feedback on datasets and requests for new datasets, with their votes.

use misto_core::time::{from_micros, to_micros};
use misto_core::{
    DatasetRequest, Feedback, FeedbackKind, FeedbackStatus, Moderation, RequestStatus,
};

use crate::{Result, Store, StoreError};

const FEEDBACK_COLUMNS: &str = "id, dataset_id, publisher_id, kind, message, author_name, \
     author_email, private, moderation, status, answer, answered_by, created, modified";

const REQUEST_COLUMNS: &str = "id, title, description, publisher_id, author_name, author_email, \
     moderation, status, planned_date, dataset_id, reason, votes, created, modified";

#[derive(sqlx::FromRow)]
struct FeedbackRow {
    id: String,
    dataset_id: String,
    publisher_id: String,
    kind: String,
    message: String,
    author_name: String,
    author_email: String,
    private: bool,
    moderation: String,
    status: String,
    answer: Option<String>,
    answered_by: Option<String>,
    created: i64,
    modified: i64,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: String,
    title: String,
    description: String,
    publisher_id: Option<String>,
    author_name: String,
    author_email: String,
    moderation: String,
    status: String,
    planned_date: Option<String>,
    dataset_id: Option<String>,
    reason: Option<String>,
    votes: i64,
    created: i64,
    modified: i64,
}

fn corrupt(what: &str, id: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {id}"))
}

impl TryFrom<FeedbackRow> for Feedback {
    type Error = StoreError;
    fn try_from(r: FeedbackRow) -> Result<Self> {
        Ok(Feedback {
            kind: FeedbackKind::parse(&r.kind).ok_or_else(|| corrupt("feedback kind", &r.id))?,
            moderation: Moderation::parse(&r.moderation)
                .ok_or_else(|| corrupt("feedback moderation", &r.id))?,
            status: FeedbackStatus::parse(&r.status)
                .ok_or_else(|| corrupt("feedback status", &r.id))?,
            id: r.id,
            dataset_id: r.dataset_id,
            publisher_id: r.publisher_id,
            message: r.message,
            author_name: r.author_name,
            author_email: r.author_email,
            private: r.private,
            answer: r.answer,
            answered_by: r.answered_by,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

impl TryFrom<RequestRow> for DatasetRequest {
    type Error = StoreError;
    fn try_from(r: RequestRow) -> Result<Self> {
        let planned_date = match &r.planned_date {
            Some(d) => Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map_err(|_| corrupt("request planned_date", &r.id))?,
            ),
            None => None,
        };
        Ok(DatasetRequest {
            moderation: Moderation::parse(&r.moderation)
                .ok_or_else(|| corrupt("request moderation", &r.id))?,
            status: RequestStatus::parse(&r.status)
                .ok_or_else(|| corrupt("request status", &r.id))?,
            planned_date,
            id: r.id,
            title: r.title,
            description: r.description,
            publisher_id: r.publisher_id,
            author_name: r.author_name,
            author_email: r.author_email,
            dataset_id: r.dataset_id,
            reason: r.reason,
            votes: r.votes,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

impl Store {
    /// Inserts the feedback, or replaces the one with the same id.
    pub async fn save_feedback(&self, f: &Feedback) -> Result<()> {
        let sql = format!(
            "INSERT INTO feedback ({FEEDBACK_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, message = excluded.message, \
             private = excluded.private, moderation = excluded.moderation, \
             status = excluded.status, answer = excluded.answer, \
             answered_by = excluded.answered_by, modified = excluded.modified"
        );
        let (created, modified) = (to_micros(&f.created), to_micros(&f.modified));
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(f.id.as_str())
                .bind(f.dataset_id.as_str())
                .bind(f.publisher_id.as_str())
                .bind(f.kind.as_str())
                .bind(f.message.as_str())
                .bind(f.author_name.as_str())
                .bind(f.author_email.as_str())
                .bind(f.private)
                .bind(f.moderation.as_str())
                .bind(f.status.as_str())
                .bind(f.answer.as_deref())
                .bind(f.answered_by.as_deref())
                .bind(created)
                .bind(modified)
                .execute(&mut *tx)
                .await?;
        })
    }

    pub async fn find_feedback(&self, id: &str) -> Result<Option<Feedback>> {
        let sql = format!("SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, FeedbackRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(Feedback::try_from).transpose()
    }

    /// Feedback newest first, of one dataset and/or one publisher.
    pub async fn list_feedback(
        &self,
        dataset_id: Option<&str>,
        publisher_id: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Feedback>> {
        let sql = format!(
            "SELECT {FEEDBACK_COLUMNS} FROM feedback \
             WHERE ($1 IS NULL OR dataset_id = $1) AND ($2 IS NULL OR publisher_id = $2) \
             ORDER BY created DESC, id LIMIT $3 OFFSET $4"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, FeedbackRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(dataset_id)
                .bind(publisher_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Feedback::try_from).collect()
    }

    /// Feedback across the portal in one moderation state, oldest first
    /// (the moderation queue).
    pub async fn list_feedback_in(
        &self,
        moderation: Moderation,
        limit: i64,
    ) -> Result<Vec<Feedback>> {
        let sql = format!(
            "SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE moderation = $1 \
             ORDER BY created, id LIMIT $2"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, FeedbackRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(moderation.as_str())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Feedback::try_from).collect()
    }

    /// Requests in one moderation state, oldest first.
    pub async fn list_requests_in(
        &self,
        moderation: Moderation,
        limit: i64,
    ) -> Result<Vec<DatasetRequest>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM dataset_requests WHERE moderation = $1 \
             ORDER BY created, id LIMIT $2"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, RequestRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(moderation.as_str())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(DatasetRequest::try_from).collect()
    }

    /// Inserts the request, or replaces the one with the same id (votes are
    /// kept: only [`Store::vote_request`] changes them).
    pub async fn save_request(&self, r: &DatasetRequest) -> Result<()> {
        let sql = format!(
            "INSERT INTO dataset_requests ({REQUEST_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (id) DO UPDATE SET title = excluded.title, \
             description = excluded.description, publisher_id = excluded.publisher_id, \
             moderation = excluded.moderation, status = excluded.status, \
             planned_date = excluded.planned_date, dataset_id = excluded.dataset_id, \
             reason = excluded.reason, modified = excluded.modified"
        );
        let planned = r.planned_date.map(|d| d.format("%Y-%m-%d").to_string());
        let (created, modified) = (to_micros(&r.created), to_micros(&r.modified));
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(r.id.as_str())
                .bind(r.title.as_str())
                .bind(r.description.as_str())
                .bind(r.publisher_id.as_deref())
                .bind(r.author_name.as_str())
                .bind(r.author_email.as_str())
                .bind(r.moderation.as_str())
                .bind(r.status.as_str())
                .bind(planned.as_deref())
                .bind(r.dataset_id.as_deref())
                .bind(r.reason.as_deref())
                .bind(r.votes)
                .bind(created)
                .bind(modified)
                .execute(&mut *tx)
                .await?;
        })
    }

    pub async fn find_request(&self, id: &str) -> Result<Option<DatasetRequest>> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM dataset_requests WHERE id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, RequestRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(DatasetRequest::try_from).transpose()
    }

    /// Requests by votes (most first), then newest.
    pub async fn list_requests(
        &self,
        moderation: Option<Moderation>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<DatasetRequest>> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM dataset_requests \
             WHERE ($1 IS NULL OR moderation = $1) \
             ORDER BY votes DESC, created DESC, id LIMIT $2 OFFSET $3"
        );
        let moderation = moderation.map(|m| m.as_str());
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, RequestRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(moderation)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(DatasetRequest::try_from).collect()
    }

    /// How many requests there are in a moderation state (all without
    /// one), and of those how many have the status `status` (all without).
    pub async fn count_requests(
        &self,
        moderation: Option<Moderation>,
        status: Option<&str>,
    ) -> Result<i64> {
        let moderation = moderation.map(|m| m.as_str());
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM dataset_requests \
                 WHERE ($1 IS NULL OR moderation = $1) AND ($2 IS NULL OR status = $2)",
            )
            .bind(moderation)
            .bind(status)
            .fetch_one(pool)
            .await?
        }))
    }

    /// Counts one vote per voter; false when this voter had voted already.
    pub async fn vote_request(
        &self,
        request_id: &str,
        voter_hash: &str,
        at: misto_core::Timestamp,
    ) -> Result<bool> {
        let at = to_micros(&at);
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "INSERT INTO dataset_request_votes (request_id, voter_hash, created) \
                 VALUES ($1, $2, $3) ON CONFLICT (request_id, voter_hash) DO NOTHING",
            )
            .bind(request_id)
            .bind(voter_hash)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            let counted = done.rows_affected() > 0;
            if counted {
                sqlx::query("UPDATE dataset_requests SET votes = votes + 1 WHERE id = $1")
                    .bind(request_id)
                    .execute(&mut *tx)
                    .await?;
            }
            counted
        })
    }
}
