//! Usage counts (upserted in batches by the actions' in-memory counter) and
//! e-mail subscriptions.

use chrono::NaiveDate;
use misto_core::Timestamp;
use misto_core::time::{from_micros, to_micros};
use misto_core::usage::{Subscription, SubscriptionKind, UsageCount, UsageKind};

use crate::{Result, Store, StoreError};

const DAY: &str = "%Y-%m-%d";

#[derive(sqlx::FromRow)]
struct UsageRow {
    day: String,
    kind: String,
    item: String,
    dataset_id: String,
    bot: bool,
    hits: i64,
}

impl TryFrom<UsageRow> for UsageCount {
    type Error = StoreError;
    fn try_from(r: UsageRow) -> Result<Self> {
        Ok(UsageCount {
            day: NaiveDate::parse_from_str(&r.day, DAY)
                .map_err(|_| StoreError::Corrupt(format!("usage day {}", r.day)))?,
            kind: UsageKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("usage kind {}", r.kind)))?,
            item: r.item,
            dataset_id: r.dataset_id,
            bot: r.bot,
            hits: r.hits,
        })
    }
}

const SUBSCRIPTION_COLUMNS: &str =
    "id, email, kind, target, lang, confirmed, created, confirmed_at, last_digest";

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: String,
    email: String,
    kind: String,
    target: String,
    lang: String,
    confirmed: bool,
    created: i64,
    confirmed_at: Option<i64>,
    last_digest: i64,
}

impl TryFrom<SubscriptionRow> for Subscription {
    type Error = StoreError;
    fn try_from(r: SubscriptionRow) -> Result<Self> {
        Ok(Subscription {
            kind: SubscriptionKind::parse(&r.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("subscription kind {}", r.id)))?,
            id: r.id,
            email: r.email,
            target: r.target,
            lang: r.lang,
            confirmed: r.confirmed,
            created: from_micros(r.created),
            confirmed_at: r.confirmed_at.map(from_micros),
            last_digest: from_micros(r.last_digest),
        })
    }
}

fn collect<R, T>(rows: Vec<R>) -> Result<Vec<T>>
where
    T: TryFrom<R, Error = StoreError>,
{
    rows.into_iter().map(T::try_from).collect()
}

impl Store {
    /// Adds the counts to what is stored (one transaction; the same
    /// `(day, kind, item, bot)` adds up).
    pub async fn add_usage(&self, counts: &[UsageCount]) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let sql = "INSERT INTO usage_counts (day, kind, item, dataset_id, bot, hits) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (day, kind, item, bot) \
                   DO UPDATE SET hits = usage_counts.hits + excluded.hits";
        write_tx!(self, |tx| {
            for c in counts {
                sqlx::query(sql)
                    .bind(c.day.format(DAY).to_string())
                    .bind(c.kind.as_str())
                    .bind(c.item.as_str())
                    .bind(c.dataset_id.as_str())
                    .bind(c.bot)
                    .bind(c.hits)
                    .execute(&mut *tx)
                    .await?;
            }
        })
    }

    /// The stored counts of the days `from..=to`, by day.
    pub async fn usage_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<UsageCount>> {
        let sql = "SELECT day, kind, item, dataset_id, bot, hits FROM usage_counts \
                   WHERE day >= $1 AND day <= $2 ORDER BY day, kind, item, bot";
        let (from, to) = (from.format(DAY).to_string(), to.format(DAY).to_string());
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, UsageRow>(sql)
                .bind(from.as_str())
                .bind(to.as_str())
                .fetch_all(pool)
                .await?
        });
        collect(rows)
    }

    /// All-time counts about one dataset, summed per kind, item and bot.
    pub async fn usage_of_dataset(&self, dataset_id: &str) -> Result<Vec<UsageCount>> {
        let sql = "SELECT '1970-01-01' AS day, kind, item, dataset_id, bot, \
                   CAST(SUM(hits) AS BIGINT) AS hits FROM usage_counts \
                   WHERE dataset_id = $1 GROUP BY kind, item, dataset_id, bot \
                   ORDER BY kind, item, bot";
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, UsageRow>(sql)
                .bind(dataset_id)
                .fetch_all(pool)
                .await?
        });
        collect(rows)
    }

    /// Stores a new subscription, or returns the one that already exists
    /// for the same address and target (unchanged).
    pub async fn insert_subscription(&self, s: &Subscription) -> Result<Subscription> {
        let insert = format!(
            "INSERT INTO subscriptions ({SUBSCRIPTION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (email, kind, target) DO NOTHING"
        );
        let select = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions \
             WHERE email = $1 AND kind = $2 AND target = $3"
        );
        let row = write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
                .bind(s.id.as_str())
                .bind(s.email.as_str())
                .bind(s.kind.as_str())
                .bind(s.target.as_str())
                .bind(s.lang.as_str())
                .bind(s.confirmed)
                .bind(to_micros(&s.created))
                .bind(s.confirmed_at.as_ref().map(to_micros))
                .bind(to_micros(&s.last_digest))
                .execute(&mut *tx)
                .await?;
            sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(select.clone()))
                .bind(s.email.as_str())
                .bind(s.kind.as_str())
                .bind(s.target.as_str())
                .fetch_one(&mut *tx)
                .await?
        })?;
        Subscription::try_from(row)
    }

    pub async fn find_subscription(&self, id: &str) -> Result<Option<Subscription>> {
        let sql = format!("SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(Subscription::try_from).transpose()
    }

    /// Marks a subscription confirmed at `at` (its first digest covers what
    /// changes after that). Returns false when there is no such row.
    pub async fn confirm_subscription(&self, id: &str, at: &Timestamp) -> Result<bool> {
        let t = to_micros(at);
        let n = write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE subscriptions SET confirmed = $2, confirmed_at = $3, last_digest = $3 \
                 WHERE id = $1 AND confirmed = $4",
            )
            .bind(id)
            .bind(true)
            .bind(t)
            .bind(false)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        })?;
        Ok(n > 0)
    }

    /// Removes a subscription. Returns false when there was none.
    pub async fn delete_subscription(&self, id: &str) -> Result<bool> {
        let n = write_tx!(self, |tx| {
            sqlx::query("DELETE FROM subscriptions WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
        })?;
        Ok(n > 0)
    }

    /// The subscriptions of one address (confirmed or not), by kind and target.
    pub async fn subscriptions_of_email(&self, email: &str) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE email = $1 \
             ORDER BY kind, target, id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(email)
                .fetch_all(pool)
                .await?
        });
        collect(rows)
    }

    /// Every subscription, confirmed or not, by kind, target and address.
    pub async fn all_subscriptions(&self) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions ORDER BY kind, target, email, id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await?
        });
        collect(rows)
    }

    /// Every confirmed subscription, by address.
    pub async fn confirmed_subscriptions(&self) -> Result<Vec<Subscription>> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE confirmed = $1 \
             ORDER BY email, kind, target"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, SubscriptionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(true)
                .fetch_all(pool)
                .await?
        });
        collect(rows)
    }

    /// Records that the digests of these subscriptions covered changes up
    /// to `at`.
    pub async fn set_last_digest(&self, ids: &[String], at: &Timestamp) -> Result<()> {
        let t = to_micros(at);
        write_tx!(self, |tx| {
            for id in ids {
                sqlx::query("UPDATE subscriptions SET last_digest = $2 WHERE id = $1")
                    .bind(id.as_str())
                    .bind(t)
                    .execute(&mut *tx)
                    .await?;
            }
        })
    }
}
