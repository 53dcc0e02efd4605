//! Moderation: which publishers review their editors' changes, and the
//! pending revisions (proposed versions of a dataset) waiting for review.

use misto_core::Timestamp;
use misto_core::time::{from_micros, to_micros};

use crate::{Result, Store, StoreError};

/// A proposed version of a dataset. `state`: `draft` (saved, not yet
/// submitted), `submitted` (in the review queue), `approved` or `returned`.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetRevision {
    pub id: String,
    pub dataset_id: String,
    pub publisher_id: String,
    /// The dataset's revision when the change was proposed.
    pub base_revision: i64,
    /// The proposed dataset (a serialized `Dataset`).
    pub proposed: serde_json::Value,
    pub state: String,
    pub submitter_id: String,
    pub submitted: Option<Timestamp>,
    pub reviewer_id: Option<String>,
    pub comment: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// Whether the proposal changes the dataset's resources (files and
    /// links); otherwise approval keeps the resources as they are then.
    pub resources_changed: bool,
}

#[derive(sqlx::FromRow)]
struct RevisionRow {
    id: String,
    dataset_id: String,
    publisher_id: String,
    base_revision: i64,
    proposed: String,
    state: String,
    submitter_id: String,
    submitted: Option<i64>,
    reviewer_id: Option<String>,
    comment: Option<String>,
    created: i64,
    modified: i64,
    resources_changed: i64,
}

const COLUMNS: &str = "id, dataset_id, publisher_id, base_revision, proposed, state, \
     submitter_id, submitted, reviewer_id, comment, created, modified, resources_changed";

impl TryFrom<RevisionRow> for DatasetRevision {
    type Error = StoreError;
    fn try_from(r: RevisionRow) -> Result<Self> {
        Ok(DatasetRevision {
            proposed: serde_json::from_str(&r.proposed)
                .map_err(|e| StoreError::Corrupt(format!("revision {}: {e}", r.id)))?,
            id: r.id,
            dataset_id: r.dataset_id,
            publisher_id: r.publisher_id,
            base_revision: r.base_revision,
            state: r.state,
            submitter_id: r.submitter_id,
            submitted: r.submitted.map(from_micros),
            reviewer_id: r.reviewer_id,
            comment: r.comment,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
            resources_changed: r.resources_changed != 0,
        })
    }
}

impl Store {
    /// Whether the publisher reviews its editors' changes.
    pub async fn publisher_moderation(&self, publisher_id: &str) -> Result<bool> {
        let v = read!(self, |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT moderation FROM publisher_moderation WHERE publisher_id = $1",
            )
            .bind(publisher_id)
            .fetch_optional(pool)
            .await?
        });
        Ok(v.is_some_and(|v| v != 0))
    }

    pub async fn set_publisher_moderation(
        &self,
        publisher_id: &str,
        on: bool,
        now: Timestamp,
    ) -> Result<()> {
        let now = to_micros(&now);
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO publisher_moderation (publisher_id, moderation, modified) \
                 VALUES ($1, $2, $3) ON CONFLICT (publisher_id) DO UPDATE SET \
                 moderation = excluded.moderation, modified = excluded.modified",
            )
            .bind(publisher_id)
            .bind(i64::from(on))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        })
    }

    /// Saves a new open revision, or — when the dataset has one open
    /// already — replaces its proposal, submitter and state. Returns the
    /// id of the open revision.
    pub async fn save_open_revision(&self, r: &DatasetRevision) -> Result<String> {
        let proposed = r.proposed.to_string();
        let sql = format!(
            "INSERT INTO dataset_revisions ({COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, $9, $9, $10) \
             ON CONFLICT (dataset_id) WHERE state IN ('draft', 'submitted') DO UPDATE SET \
             proposed = excluded.proposed, base_revision = excluded.base_revision, \
             state = excluded.state, submitter_id = excluded.submitter_id, \
             submitted = excluded.submitted, modified = excluded.modified, \
             resources_changed = excluded.resources_changed \
             RETURNING id"
        );
        let submitted = r.submitted.as_ref().map(to_micros);
        let created = to_micros(&r.modified);
        write_tx!(self, |tx| {
            sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(r.id.as_str())
                .bind(r.dataset_id.as_str())
                .bind(r.publisher_id.as_str())
                .bind(r.base_revision)
                .bind(proposed.as_str())
                .bind(r.state.as_str())
                .bind(r.submitter_id.as_str())
                .bind(submitted)
                .bind(created)
                .bind(i64::from(r.resources_changed))
                .fetch_one(&mut *tx)
                .await?
        })
    }

    /// Moves a revision from `from` to another state (submit, approve,
    /// return). False when it was not in state `from` (someone else acted
    /// first).
    pub async fn set_revision_state(
        &self,
        id: &str,
        from: &str,
        to: &str,
        reviewer_id: Option<&str>,
        comment: Option<&str>,
        now: Timestamp,
    ) -> Result<bool> {
        let now = to_micros(&now);
        let submitted = (to == "submitted").then_some(now);
        write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE dataset_revisions SET state = $1, \
                 submitted = COALESCE($2, submitted), \
                 reviewer_id = COALESCE($3, reviewer_id), comment = COALESCE($4, comment), \
                 modified = $5 WHERE id = $6 AND state = $7",
            )
            .bind(to)
            .bind(submitted)
            .bind(reviewer_id)
            .bind(comment)
            .bind(now)
            .bind(id)
            .bind(from)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1
        })
    }

    /// The open (draft or submitted) revision of a dataset.
    pub async fn open_revision(&self, dataset_id: &str) -> Result<Option<DatasetRevision>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM dataset_revisions \
             WHERE dataset_id = $1 AND state IN ('draft', 'submitted')"
        );
        let row = read!(self, |pool| {
            sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(dataset_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(TryInto::try_into).transpose()
    }

    /// Revisions in `state`, of one publisher or all, oldest submission
    /// (then creation) first.
    pub async fn revisions_in_state(
        &self,
        state: &str,
        publisher_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DatasetRevision>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM dataset_revisions WHERE state = $1 \
             AND ($2 IS NULL OR publisher_id = $2) \
             ORDER BY COALESCE(submitted, created), id LIMIT $3"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(state)
                .bind(publisher_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The dataset whose open revision proposes a resource with this id
    /// (a file or link added in a change waiting for review).
    pub async fn find_dataset_id_by_proposed_resource(
        &self,
        resource_id: &str,
    ) -> Result<Option<String>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM dataset_revisions \
             WHERE state IN ('draft', 'submitted') AND resources_changed = 1 \
             AND proposed LIKE $1"
        );
        let pattern = format!("%{}%", resource_id.replace(['%', '\\'], ""));
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(pattern.as_str())
                .fetch_all(pool)
                .await?
        });
        for row in rows {
            let r: DatasetRevision = row.try_into()?;
            let has = r.proposed["resources"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x["id"] == resource_id));
            if has {
                return Ok(Some(r.dataset_id));
            }
        }
        Ok(None)
    }

    /// Every revision of a dataset, newest first.
    pub async fn dataset_revisions(&self, dataset_id: &str) -> Result<Vec<DatasetRevision>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM dataset_revisions WHERE dataset_id = $1 \
             ORDER BY created DESC, id"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, RevisionRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(dataset_id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;

    #[tokio::test]
    async fn one_open_revision_per_dataset_and_state_moves() {
        let store = fresh_store().await;
        let t = misto_core::time::now();
        assert!(!store.publisher_moderation("p1").await.unwrap());
        store.set_publisher_moderation("p1", true, t).await.unwrap();
        assert!(store.publisher_moderation("p1").await.unwrap());
        let r = DatasetRevision {
            id: "r1".into(),
            dataset_id: "d1".into(),
            publisher_id: "p1".into(),
            base_revision: 3,
            proposed: serde_json::json!({"title": "A"}),
            state: "draft".into(),
            submitter_id: "u1".into(),
            submitted: None,
            reviewer_id: None,
            comment: None,
            created: t,
            modified: t,
            resources_changed: false,
        };
        assert_eq!(store.save_open_revision(&r).await.unwrap(), "r1");
        let r2 = DatasetRevision {
            id: "r2".into(),
            proposed: serde_json::json!({"title": "B"}),
            resources_changed: true,
            ..r.clone()
        };
        // Replaces the open one.
        assert_eq!(store.save_open_revision(&r2).await.unwrap(), "r1");
        let open = store.open_revision("d1").await.unwrap().unwrap();
        assert_eq!(open.proposed["title"], "B");
        assert!(open.resources_changed);
        assert!(
            store
                .set_revision_state("r1", "draft", "submitted", None, None, t)
                .await
                .unwrap()
        );
        assert!(
            !store
                .set_revision_state("r1", "draft", "submitted", None, None, t)
                .await
                .unwrap()
        );
        let queue = store
            .revisions_in_state("submitted", Some("p1"), 10)
            .await
            .unwrap();
        assert_eq!(queue.len(), 1);
        assert!(queue[0].submitted.is_some());
        assert!(
            store
                .set_revision_state("r1", "submitted", "returned", Some("u2"), Some("Fix it"), t)
                .await
                .unwrap()
        );
        assert!(store.open_revision("d1").await.unwrap().is_none());
        // A new open revision after the return.
        let r3 = DatasetRevision {
            id: "r3".into(),
            ..r.clone()
        };
        assert_eq!(store.save_open_revision(&r3).await.unwrap(), "r3");
        let all = store.dataset_revisions("d1").await.unwrap();
        assert_eq!(all.len(), 2);
        let returned = all.iter().find(|r| r.id == "r1").unwrap();
        assert_eq!(returned.comment.as_deref(), Some("Fix it"));
    }
}
