//! Harvest sources, the objects linking remote datasets to local ones, and
//! the runs with their logs.

use misto_core::harvest::{
    HarvestObject, HarvestRun, HarvestSource, RunCounts, RunState, Schedule, SourceKind,
};
use misto_core::time::{from_micros, to_micros};

use crate::{Result, Store, StoreError};

const SOURCE_COLUMNS: &str = "id, name, title, kind, url, publisher_id, download_files, schedule, \
     config, last_modified_seen, active, created, modified";
const OBJECT_COLUMNS: &str =
    "source_id, guid, dataset_id, remote_modified, content_hash, withdrawn, created, modified";
const RUN_COLUMNS: &str = "id, source_id, state, counts, message, entries, started, finished";

#[derive(sqlx::FromRow)]
struct SourceRow {
    id: String,
    name: String,
    title: String,
    kind: String,
    url: String,
    publisher_id: Option<String>,
    download_files: i64,
    schedule: String,
    config: String,
    last_modified_seen: Option<String>,
    active: i64,
    created: i64,
    modified: i64,
}

impl TryFrom<SourceRow> for HarvestSource {
    type Error = StoreError;
    fn try_from(r: SourceRow) -> Result<Self> {
        Ok(HarvestSource {
            kind: SourceKind::parse(&r.kind)
                .ok_or_else(|| StoreError::corrupt(format!("harvest source kind {}", r.id)))?,
            schedule: Schedule::parse(&r.schedule)
                .ok_or_else(|| StoreError::corrupt(format!("harvest schedule {}", r.id)))?,
            config: serde_json::from_str(&r.config)
                .map_err(|e| StoreError::corrupt(format!("harvest config {}: {e}", r.id)))?,
            id: r.id,
            name: r.name,
            title: r.title,
            url: r.url,
            publisher_id: r.publisher_id,
            download_files: r.download_files != 0,
            last_modified_seen: r.last_modified_seen,
            active: r.active != 0,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ObjectRow {
    source_id: String,
    guid: String,
    dataset_id: String,
    remote_modified: Option<String>,
    content_hash: String,
    withdrawn: i64,
    created: i64,
    modified: i64,
}

impl From<ObjectRow> for HarvestObject {
    fn from(r: ObjectRow) -> Self {
        HarvestObject {
            source_id: r.source_id,
            guid: r.guid,
            dataset_id: r.dataset_id,
            remote_modified: r.remote_modified,
            content_hash: r.content_hash,
            withdrawn: r.withdrawn != 0,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        }
    }
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: String,
    source_id: String,
    state: String,
    counts: String,
    message: String,
    entries: String,
    started: i64,
    finished: Option<i64>,
}

impl TryFrom<RunRow> for HarvestRun {
    type Error = StoreError;
    fn try_from(r: RunRow) -> Result<Self> {
        let counts: RunCounts = serde_json::from_str(&r.counts)
            .map_err(|e| StoreError::corrupt(format!("harvest run counts {}: {e}", r.id)))?;
        Ok(HarvestRun {
            state: RunState::parse(&r.state)
                .ok_or_else(|| StoreError::corrupt(format!("harvest run state {}", r.id)))?,
            entries: serde_json::from_str(&r.entries)
                .map_err(|e| StoreError::corrupt(format!("harvest run log {}: {e}", r.id)))?,
            counts,
            id: r.id,
            source_id: r.source_id,
            message: r.message,
            started: from_micros(r.started),
            finished: r.finished.map(from_micros),
        })
    }
}

fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::corrupt(format!("json: {e}")))
}

impl Store {
    /// Saves a new source. A name in use gives [`StoreError::Conflict`] on `name`.
    pub async fn insert_harvest_source(&self, s: &HarvestSource) -> Result<()> {
        let config = json_text(&s.config)?;
        let sql = format!(
            "INSERT INTO harvest_sources ({SOURCE_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(s.id.as_str())
                .bind(s.name.as_str())
                .bind(s.title.as_str())
                .bind(s.kind.as_str())
                .bind(s.url.as_str())
                .bind(s.publisher_id.as_deref())
                .bind(i64::from(s.download_files))
                .bind(s.schedule.as_str())
                .bind(config.as_str())
                .bind(s.last_modified_seen.as_deref())
                .bind(i64::from(s.active))
                .bind(to_micros(&s.created))
                .bind(to_micros(&s.modified))
                .execute(&mut *tx)
                .await?;
        })
    }

    /// Overwrites every field of a source but its id and creation time.
    pub async fn update_harvest_source(&self, s: &HarvestSource) -> Result<()> {
        let config = json_text(&s.config)?;
        let n = write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE harvest_sources SET name = $2, title = $3, kind = $4, url = $5, \
                 publisher_id = $6, download_files = $7, schedule = $8, config = $9, \
                 last_modified_seen = $10, active = $11, modified = $12 WHERE id = $1",
            )
            .bind(s.id.as_str())
            .bind(s.name.as_str())
            .bind(s.title.as_str())
            .bind(s.kind.as_str())
            .bind(s.url.as_str())
            .bind(s.publisher_id.as_deref())
            .bind(i64::from(s.download_files))
            .bind(s.schedule.as_str())
            .bind(config.as_str())
            .bind(s.last_modified_seen.as_deref())
            .bind(i64::from(s.active))
            .bind(to_micros(&s.modified))
            .execute(&mut *tx)
            .await?
            .rows_affected()
        })?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("harvest source {}", s.id)));
        }
        Ok(())
    }

    /// Records the newest remote modification time a complete run saw.
    pub async fn set_harvest_watermark(&self, source_id: &str, seen: Option<&str>) -> Result<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE harvest_sources SET last_modified_seen = $2 WHERE id = $1")
                .bind(source_id)
                .bind(seen)
                .execute(&mut *tx)
                .await?;
        })
    }

    /// The source whose id or name is `id_or_name`, active or not.
    pub async fn find_harvest_source(&self, id_or_name: &str) -> Result<Option<HarvestSource>> {
        let sql = format!(
            "SELECT {SOURCE_COLUMNS} FROM harvest_sources WHERE id = $1 OR name = $1 \
             ORDER BY CASE WHEN id = $1 THEN 0 ELSE 1 END LIMIT 1"
        );
        let row = read!(self, |pool| {
            sqlx::query_as::<_, SourceRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id_or_name)
                .fetch_optional(pool)
                .await?
        });
        row.map(HarvestSource::try_from).transpose()
    }

    /// Every source, active ones first, by name.
    pub async fn list_harvest_sources(&self) -> Result<Vec<HarvestSource>> {
        let sql =
            format!("SELECT {SOURCE_COLUMNS} FROM harvest_sources ORDER BY active DESC, name, id");
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, SourceRow>(sqlx::AssertSqlSafe(sql.clone()))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(HarvestSource::try_from).collect()
    }

    /// The local copy of a remote dataset.
    pub async fn find_harvest_object(
        &self,
        source_id: &str,
        guid: &str,
    ) -> Result<Option<HarvestObject>> {
        let sql = format!(
            "SELECT {OBJECT_COLUMNS} FROM harvest_objects WHERE source_id = $1 AND guid = $2"
        );
        let row = read!(self, |pool| {
            sqlx::query_as::<_, ObjectRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(source_id)
                .bind(guid)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(HarvestObject::from))
    }

    /// The harvest object of a local dataset, if it was harvested.
    pub async fn find_harvest_object_by_dataset(
        &self,
        dataset_id: &str,
    ) -> Result<Option<HarvestObject>> {
        let sql = format!("SELECT {OBJECT_COLUMNS} FROM harvest_objects WHERE dataset_id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, ObjectRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(dataset_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(HarvestObject::from))
    }

    /// Every object of a source.
    pub async fn list_harvest_objects(&self, source_id: &str) -> Result<Vec<HarvestObject>> {
        let sql = format!(
            "SELECT {OBJECT_COLUMNS} FROM harvest_objects WHERE source_id = $1 ORDER BY guid"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, ObjectRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(source_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(HarvestObject::from).collect())
    }

    /// Inserts or overwrites the object `(source_id, guid)`. The dataset id
    /// of an existing object never changes.
    pub async fn upsert_harvest_object(&self, o: &HarvestObject) -> Result<()> {
        let sql = format!(
            "INSERT INTO harvest_objects ({OBJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (source_id, guid) DO UPDATE SET remote_modified = excluded.remote_modified, \
             content_hash = excluded.content_hash, withdrawn = excluded.withdrawn, \
             modified = excluded.modified"
        );
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(o.source_id.as_str())
                .bind(o.guid.as_str())
                .bind(o.dataset_id.as_str())
                .bind(o.remote_modified.as_deref())
                .bind(o.content_hash.as_str())
                .bind(i64::from(o.withdrawn))
                .bind(to_micros(&o.created))
                .bind(to_micros(&o.modified))
                .execute(&mut *tx)
                .await?;
        })
    }

    /// Saves a new run or overwrites its state, counts, message and log.
    pub async fn save_harvest_run(&self, r: &HarvestRun) -> Result<()> {
        let counts = json_text(&r.counts)?;
        let entries = json_text(&r.entries)?;
        let sql = format!(
            "INSERT INTO harvest_runs ({RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, counts = excluded.counts, \
             message = excluded.message, entries = excluded.entries, finished = excluded.finished"
        );
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(r.id.as_str())
                .bind(r.source_id.as_str())
                .bind(r.state.as_str())
                .bind(counts.as_str())
                .bind(r.message.as_str())
                .bind(entries.as_str())
                .bind(to_micros(&r.started))
                .bind(r.finished.as_ref().map(to_micros))
                .execute(&mut *tx)
                .await?;
        })
    }

    /// Marks the runs of a source still `running` as `interrupted` (their
    /// worker died; a new run is starting).
    pub async fn interrupt_harvest_runs(&self, source_id: &str) -> Result<u64> {
        write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE harvest_runs SET state = 'interrupted' \
                 WHERE source_id = $1 AND state = 'running'",
            )
            .bind(source_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        })
    }

    pub async fn find_harvest_run(&self, id: &str) -> Result<Option<HarvestRun>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM harvest_runs WHERE id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, RunRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(HarvestRun::try_from).transpose()
    }

    /// Runs newest first, of one source or of all.
    pub async fn list_harvest_runs(
        &self,
        source_id: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<HarvestRun>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM harvest_runs WHERE ($1 IS NULL OR source_id = $1) \
             ORDER BY started DESC, id LIMIT $2 OFFSET $3"
        );
        let rows = read!(self, |pool| {
            sqlx::query_as::<_, RunRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(source_id)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(HarvestRun::try_from).collect()
    }
}
