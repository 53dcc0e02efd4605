//! The link check: the last answer of every external (linked) resource's
//! URL, one row per resource.

use misto_core::Timestamp;
use misto_core::time::{from_micros, to_micros};

use crate::{Result, Store};

/// The outcome of checking one link.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkCheck {
    pub resource_id: String,
    pub dataset_id: String,
    pub publisher_id: String,
    /// The URL that was checked (a later change of the resource's URL
    /// makes this row stale: readers compare it with the current URL).
    pub url: String,
    pub ok: bool,
    /// The HTTP status of the last answer; `None` when nothing answered
    /// (time-out, refused connection, unknown host, too many redirects).
    pub http_status: Option<i64>,
    /// Where the redirects ended, when the link was redirected.
    pub final_url: Option<String>,
    /// What went wrong, in English (empty when the link works).
    pub message: String,
    pub checked: Timestamp,
    /// When the link was first found broken in its current run of failures.
    pub broken_since: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
struct LinkCheckRow {
    resource_id: String,
    dataset_id: String,
    publisher_id: String,
    url: String,
    ok: i64,
    http_status: Option<i64>,
    final_url: Option<String>,
    message: String,
    checked: i64,
    broken_since: Option<i64>,
}

impl From<LinkCheckRow> for LinkCheck {
    fn from(r: LinkCheckRow) -> Self {
        LinkCheck {
            resource_id: r.resource_id,
            dataset_id: r.dataset_id,
            publisher_id: r.publisher_id,
            url: r.url,
            ok: r.ok != 0,
            http_status: r.http_status,
            final_url: r.final_url,
            message: r.message,
            checked: from_micros(r.checked),
            broken_since: r.broken_since.map(from_micros),
        }
    }
}

const COLUMNS: &str = "resource_id, dataset_id, publisher_id, url, ok, http_status, \
     final_url, message, checked, broken_since";

impl Store {
    /// Records the outcome of a link check (replacing the resource's
    /// earlier one). A broken link keeps the time it was first found
    /// broken while it stays broken at the same URL.
    pub async fn save_link_check(&self, c: &LinkCheck) -> Result<()> {
        let sql = format!(
            "INSERT INTO link_checks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (resource_id) DO UPDATE SET \
             dataset_id = excluded.dataset_id, publisher_id = excluded.publisher_id, \
             ok = excluded.ok, http_status = excluded.http_status, \
             final_url = excluded.final_url, message = excluded.message, \
             checked = excluded.checked, \
             broken_since = CASE WHEN excluded.ok = 1 THEN NULL \
               WHEN link_checks.ok = 0 AND link_checks.url = excluded.url \
               THEN COALESCE(link_checks.broken_since, excluded.broken_since) \
               ELSE excluded.broken_since END, \
             url = excluded.url"
        );
        let broken_since = if c.ok {
            None
        } else {
            Some(to_micros(c.broken_since.as_ref().unwrap_or(&c.checked)))
        };
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(c.resource_id.as_str())
                .bind(c.dataset_id.as_str())
                .bind(c.publisher_id.as_str())
                .bind(c.url.as_str())
                .bind(i64::from(c.ok))
                .bind(c.http_status)
                .bind(c.final_url.as_deref())
                .bind(c.message.as_str())
                .bind(to_micros(&c.checked))
                .bind(broken_since)
                .execute(&mut *tx)
                .await?;
        })
    }

    /// The last check of a resource's link.
    pub async fn find_link_check(&self, resource_id: &str) -> Result<Option<LinkCheck>> {
        let sql = format!("SELECT {COLUMNS} FROM link_checks WHERE resource_id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, LinkCheckRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(resource_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(Into::into))
    }

    /// Every broken link, of one publisher or all, longest broken first.
    pub async fn broken_links(&self, publisher_id: Option<&str>) -> Result<Vec<LinkCheck>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM link_checks WHERE ok = 0 \
             AND ($1 IS NULL OR publisher_id = $1) \
             ORDER BY broken_since, resource_id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, LinkCheckRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(publisher_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Forgets the checks of resources not in `keep` (deleted resources,
    /// links turned into uploads, datasets no longer public).
    pub async fn prune_link_checks(&self, keep: &[String]) -> Result<u64> {
        let existing = read!(self, |pool| {
            sqlx::query_scalar::<_, String>("SELECT resource_id FROM link_checks")
                .fetch_all(pool)
                .await?
        });
        let keep: std::collections::HashSet<&str> = keep.iter().map(String::as_str).collect();
        let gone: Vec<String> = existing
            .into_iter()
            .filter(|id| !keep.contains(id.as_str()))
            .collect();
        if gone.is_empty() {
            return Ok(0);
        }
        write_tx!(self, |tx| {
            let mut n = 0;
            for id in &gone {
                n += sqlx::query("DELETE FROM link_checks WHERE resource_id = $1")
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
            n
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;

    fn check(rid: &str, url: &str, ok: bool, at: Timestamp) -> LinkCheck {
        LinkCheck {
            resource_id: rid.into(),
            dataset_id: "d1".into(),
            publisher_id: "p1".into(),
            url: url.into(),
            ok,
            http_status: Some(if ok { 200 } else { 404 }),
            final_url: None,
            message: String::new(),
            checked: at,
            broken_since: None,
        }
    }

    #[tokio::test]
    async fn broken_since_survives_repeated_failures_and_clears_on_success() {
        let store = fresh_store().await;
        let t1 = misto_core::time::now();
        let t2 = t1 + chrono::Duration::days(1);
        store
            .save_link_check(&check("r1", "http://a/x", false, t1))
            .await
            .unwrap();
        store
            .save_link_check(&check("r1", "http://a/x", false, t2))
            .await
            .unwrap();
        let c = store.find_link_check("r1").await.unwrap().unwrap();
        assert_eq!(c.checked, t2);
        assert_eq!(c.broken_since, Some(t1));
        // Another URL starts a new run of failures.
        store
            .save_link_check(&check("r1", "http://a/y", false, t2))
            .await
            .unwrap();
        let c = store.find_link_check("r1").await.unwrap().unwrap();
        assert_eq!((c.url.as_str(), c.broken_since), ("http://a/y", Some(t2)));
        assert_eq!(store.broken_links(Some("p1")).await.unwrap().len(), 1);
        assert!(store.broken_links(Some("p2")).await.unwrap().is_empty());
        store
            .save_link_check(&check("r1", "http://a/y", true, t2))
            .await
            .unwrap();
        let c = store.find_link_check("r1").await.unwrap().unwrap();
        assert!(c.ok && c.broken_since.is_none());
        assert!(store.broken_links(None).await.unwrap().is_empty());
        store
            .save_link_check(&check("r2", "http://b", false, t2))
            .await
            .unwrap();
        assert_eq!(store.prune_link_checks(&["r2".into()]).await.unwrap(), 1);
        assert!(store.find_link_check("r1").await.unwrap().is_none());
        assert!(store.find_link_check("r2").await.unwrap().is_some());
    }
}
