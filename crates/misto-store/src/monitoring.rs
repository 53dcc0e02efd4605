//! Quarterly snapshots of the rating and monitoring figures (one row per
//! quarter and publisher, plus the council's), and the feedback counts the
//! quarterly monitoring needs.

use misto_core::Timestamp;
use misto_core::time::{from_micros, to_micros};

use crate::{Result, Store};

/// One publisher's (or, with an empty `publisher_id`, the council's) figures
/// for a quarter as kept when the quarter ended.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRow {
    /// `2026-Q3`.
    pub quarter: String,
    /// Empty for the council.
    pub publisher_id: String,
    /// Place in the rating; 0 for the council.
    pub rank: i64,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    /// The figures as JSON (the actions own their shape).
    pub figures: String,
    pub taken: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Row {
    quarter: String,
    publisher_id: String,
    rank: i64,
    name: String,
    title: String,
    title_en: Option<String>,
    figures: String,
    taken: i64,
}

impl From<Row> for SnapshotRow {
    fn from(r: Row) -> Self {
        Self {
            quarter: r.quarter,
            publisher_id: r.publisher_id,
            rank: r.rank,
            name: r.name,
            title: r.title,
            title_en: r.title_en,
            figures: r.figures,
            taken: from_micros(r.taken),
        }
    }
}

/// Feedback received on one publisher's datasets in a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedbackCounts {
    /// Not marked as spam.
    pub received: i64,
    /// Of those, answered or closed (answered, fixed, rejected).
    pub answered: i64,
}

const COLUMNS: &str = "quarter, publisher_id, rank, name, title, title_en, figures, taken";

impl Store {
    /// Saves a quarter's snapshot in one transaction. Returns false, saving
    /// nothing, when the quarter already has one (a snapshot is never
    /// rewritten).
    pub async fn save_quarter_snapshot(&self, quarter: &str, rows: &[SnapshotRow]) -> Result<bool> {
        write_tx!(self, |tx| {
            let existing: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM quarter_snapshots WHERE quarter = $1")
                    .bind(quarter)
                    .fetch_one(&mut *tx)
                    .await?;
            if existing > 0 {
                false
            } else {
                for r in rows {
                    sqlx::query(
                        "INSERT INTO quarter_snapshots \
                         (quarter, publisher_id, rank, name, title, title_en, figures, taken) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(quarter)
                    .bind(r.publisher_id.as_str())
                    .bind(r.rank)
                    .bind(r.name.as_str())
                    .bind(r.title.as_str())
                    .bind(r.title_en.as_deref())
                    .bind(r.figures.as_str())
                    .bind(to_micros(&r.taken))
                    .execute(&mut *tx)
                    .await?;
                }
                true
            }
        })
    }

    /// The snapshot of one quarter: the council first, then by rank.
    pub async fn quarter_snapshot(&self, quarter: &str) -> Result<Vec<SnapshotRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM quarter_snapshots WHERE quarter = $1 \
             ORDER BY rank, publisher_id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(quarter)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(SnapshotRow::from).collect())
    }

    /// Every snapshot row, oldest quarter first; with `publisher_id`, only
    /// that publisher's rows and the council's.
    pub async fn quarter_snapshots(&self, publisher_id: Option<&str>) -> Result<Vec<SnapshotRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM quarter_snapshots \
             WHERE ($1 IS NULL OR publisher_id = $1 OR publisher_id = '') \
             ORDER BY quarter, rank, publisher_id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(publisher_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(SnapshotRow::from).collect())
    }

    /// Feedback received in `[start, end)` per publisher id, spam left out.
    pub async fn feedback_counts(
        &self,
        start: &Timestamp,
        end: &Timestamp,
    ) -> Result<Vec<(String, FeedbackCounts)>> {
        let rows: Vec<(String, i64, i64)> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT publisher_id, COUNT(*), \
                 COALESCE(SUM(CASE WHEN answer IS NOT NULL \
                   OR status IN ('answered', 'fixed', 'rejected') THEN 1 ELSE 0 END), 0) \
                 FROM feedback WHERE created >= $1 AND created < $2 AND moderation <> 'spam' \
                 GROUP BY publisher_id",
            )
            .bind(to_micros(start))
            .bind(to_micros(end))
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(p, received, answered)| (p, FeedbackCounts { received, answered }))
            .collect())
    }
}
