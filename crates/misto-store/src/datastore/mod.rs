//! The datastore: one typed table of rows per resource, on both backends.
//!
//! Layout:
//! - `datastore_tables` (a migration) says, per resource, which physical
//!   table holds its current rows, with the fields, type overrides, row
//!   count and the state of the last ingest.
//! - Row tables are created at run time and named `ds_<32 hex>`; each load
//!   makes a new one. Columns: `_id` (row number, assigned in load order),
//!   `_full_text` (stemmed terms of the row, ` a b c `, for `q`),
//!   `_misfits` (JSON of the cells that did not fit their column's type, as
//!   written), then one column per field, named as the field.
//! - A view named by the resource id (`"<resource id>"`) selects `_id` and
//!   the fields of the current table; it is what `datastore_search_sql`
//!   queries name.
//! - SQLite keeps all of this in the main database file. PostgreSQL keeps
//!   row tables and views in the schema `datastore` (`<schema>_datastore`
//!   when the catalog lives in a schema other than `public`, as in tests).
//!
//! Types: `int` → INTEGER / BIGINT; `numeric` → REAL / DOUBLE PRECISION;
//! `bool` → INTEGER 0/1 / BOOLEAN; `date`, `timestamp` and `text` → TEXT
//! (dates as ISO 8601 text, so that they sort, compare and print the same
//! on both backends).
//!
//! A load never touches the live table: rows go into a new table (in
//! transactions of [`LOAD_CHUNK_ROWS`] rows on SQLite, with `COPY` on
//! PostgreSQL), and [`Store::ds_publish`] swaps the view and the metadata
//! and drops the old table in one transaction. Readers see the old rows
//! until that commit; a failed load drops its table and leaves the old one.

mod sql;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use misto_core::Timestamp;
use misto_core::datastore::{
    CellRef, DatastoreTable, Field, FieldType, ID_COLUMN, Row as DsRow, RowBatch, TableSource,
};
use misto_core::time::{from_micros, now, to_micros};
use serde_json::Value;

pub use misto_core::datastore::{AggFn, AggSpec, Aggregate, Bind, DsFilter, DsQuery, DsRows};
pub use sql::{SqlOutcome, SqlRefusal, check as check_sql};

use crate::{Backend, Result, Store, StoreError};

/// Rows per write transaction of a SQLite load (the writer connection is
/// free for other writes between chunks).
pub const LOAD_CHUNK_ROWS: usize = 50_000;
/// Columns of a table that get an index after a load (filters, sorts and
/// group-bys on them then read the index instead of the whole table).
pub const INDEXED_COLUMNS: usize = 24;

const META_COLUMNS: &str = "resource_id, table_name, fields, overrides, primary_key, row_count, \
     source, status, message, report, created, modified";

#[derive(sqlx::FromRow)]
struct MetaRow {
    resource_id: String,
    table_name: String,
    fields: String,
    overrides: String,
    primary_key: String,
    row_count: i64,
    source: String,
    status: String,
    message: String,
    report: String,
    created: i64,
    modified: i64,
}

impl TryFrom<MetaRow> for DatastoreTable {
    type Error = StoreError;
    fn try_from(r: MetaRow) -> Result<Self> {
        let bad = |what: &str, e: serde_json::Error| {
            StoreError::corrupt(format!("datastore {} {what}: {e}", r.resource_id))
        };
        Ok(DatastoreTable {
            fields: serde_json::from_str(&r.fields).map_err(|e| bad("fields", e))?,
            overrides: serde_json::from_str(&r.overrides).map_err(|e| bad("overrides", e))?,
            primary_key: serde_json::from_str(&r.primary_key).map_err(|e| bad("primary_key", e))?,
            report: serde_json::from_str(&r.report).map_err(|e| bad("report", e))?,
            source: TableSource::parse(&r.source)
                .ok_or_else(|| StoreError::corrupt(format!("datastore source {}", r.source)))?,
            resource_id: r.resource_id,
            table_name: r.table_name,
            row_count: r.row_count,
            status: r.status,
            message: r.message,
            created: from_micros(r.created),
            modified: from_micros(r.modified),
        })
    }
}

/// Binds every value of `$binds` (a slice of [`Bind`]) to query `$q`.
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Null(FieldType::Int) => q.bind(None::<i64>),
                Bind::Null(FieldType::Numeric) => q.bind(None::<f64>),
                Bind::Null(FieldType::Bool) => q.bind(None::<bool>),
                Bind::Null(_) => q.bind(None::<String>),
                Bind::Int(v) => q.bind(*v),
                Bind::Num(v) => q.bind(*v),
                Bind::Bool(v) => q.bind(*v),
                Bind::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }};
}

/// SQL text with `$n` placeholders and their values.
#[derive(Debug, Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

impl Sql {
    fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    fn bind(&mut self, b: Bind) -> &mut Self {
        self.binds.push(b);
        self.text.push('$');
        self.text.push_str(&self.binds.len().to_string());
        self
    }
}

/// `"name"` with inner quotes doubled: safe for any column or table name.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How [`Store::ds_write_records`] treats each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMethod {
    Insert,
    Update,
    Upsert,
}

fn sql_type(backend: Backend, ty: FieldType) -> &'static str {
    match (backend, ty) {
        (Backend::Sqlite, FieldType::Int) => "INTEGER",
        (Backend::Postgres, FieldType::Int) => "BIGINT",
        (Backend::Sqlite, FieldType::Numeric) => "REAL",
        (Backend::Postgres, FieldType::Numeric) => "DOUBLE PRECISION",
        (Backend::Sqlite, FieldType::Bool) => "INTEGER",
        (Backend::Postgres, FieldType::Bool) => "BOOLEAN",
        (_, FieldType::Date | FieldType::Timestamp | FieldType::Text) => "TEXT",
    }
}

fn new_table_name() -> String {
    format!("ds_{}", uuid::Uuid::new_v4().simple())
}

fn json_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

impl Store {
    /// The schema of datastore tables on PostgreSQL (`None` on SQLite).
    async fn ds_schema(&self) -> Result<Option<String>> {
        match &self.pool {
            crate::store::Pool::Sqlite { .. } => Ok(None),
            crate::store::Pool::Postgres(pool) => {
                let current: String = sqlx::query_scalar("SELECT current_schema()::text")
                    .fetch_one(pool)
                    .await?;
                Ok(Some(if current == "public" {
                    "datastore".to_string()
                } else {
                    format!("{current}_datastore")
                }))
            }
        }
    }

    /// `schema."name"` on PostgreSQL, `"name"` on SQLite.
    fn ds_ref(schema: &Option<String>, name: &str) -> String {
        match schema {
            Some(s) => format!("{}.{}", quote_ident(s), quote_ident(name)),
            None => quote_ident(name),
        }
    }

    /// What is known about a resource's datastore table.
    pub async fn ds_table(&self, resource_id: &str) -> Result<Option<DatastoreTable>> {
        let sql = format!("SELECT {META_COLUMNS} FROM datastore_tables WHERE resource_id = $1");
        let row = read!(self, |pool| {
            sqlx::query_as::<_, MetaRow>(sqlx::AssertSqlSafe(sql.clone()))
                .bind(resource_id)
                .fetch_optional(pool)
                .await?
        });
        row.map(DatastoreTable::try_from).transpose()
    }

    /// Every resource id with a queryable datastore table.
    pub async fn ds_active_resources(&self) -> Result<Vec<String>> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar::<_, String>(
                "SELECT resource_id FROM datastore_tables WHERE table_name <> '' ORDER BY resource_id",
            )
            .fetch_all(pool)
            .await?
        }))
    }

    /// Records the state of an ingest (`pending`, `running`, `error` with
    /// its message), creating the metadata row when there is none yet.
    /// The table, fields and row count stay as they are.
    pub async fn ds_set_status(
        &self,
        resource_id: &str,
        status: &str,
        message: &str,
        t: Timestamp,
    ) -> Result<()> {
        let t = to_micros(&t);
        let sql = format!(
            "INSERT INTO datastore_tables ({META_COLUMNS}) VALUES \
             ($1, '', '[]', '{{}}', '[]', 0, 'file', $2, $3, '{{}}', $4, $4) \
             ON CONFLICT (resource_id) DO UPDATE SET status = excluded.status, \
             message = excluded.message, modified = excluded.modified"
        );
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(resource_id)
                .bind(status)
                .bind(message)
                .bind(t)
                .execute(&mut *tx)
                .await?;
        })
    }

    /// Sets the publisher's type overrides (column → type).
    pub async fn ds_set_overrides(
        &self,
        resource_id: &str,
        overrides: &BTreeMap<String, FieldType>,
        t: Timestamp,
    ) -> Result<()> {
        let t = to_micros(&t);
        let json = json_text(overrides);
        let sql = format!(
            "INSERT INTO datastore_tables ({META_COLUMNS}) VALUES \
             ($1, '', '[]', $2, '[]', 0, 'file', 'pending', '', '{{}}', $3, $3) \
             ON CONFLICT (resource_id) DO UPDATE SET overrides = excluded.overrides, \
             modified = excluded.modified"
        );
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(resource_id)
                .bind(json.as_str())
                .bind(t)
                .execute(&mut *tx)
                .await?;
        })
    }

    /// Creates an empty row table for `fields` (not yet visible to
    /// readers) and returns its name. `unique` columns get a unique index
    /// (the primary key of API-managed tables).
    pub async fn ds_create_table(&self, fields: &[Field], unique: &[String]) -> Result<String> {
        let name = new_table_name();
        let schema = self.ds_schema().await?;
        let table = Self::ds_ref(&schema, &name);
        let backend = self.backend();
        let id_col = match backend {
            Backend::Sqlite => "_id INTEGER PRIMARY KEY",
            Backend::Postgres => "_id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        };
        let mut ddl = format!(
            "CREATE TABLE {table} ({id_col}, _full_text TEXT NOT NULL DEFAULT '', _misfits TEXT"
        );
        for f in fields {
            ddl.push_str(", ");
            ddl.push_str(&quote_ident(&f.id));
            ddl.push(' ');
            ddl.push_str(sql_type(backend, f.ty));
        }
        ddl.push(')');
        let index = (!unique.is_empty()).then(|| {
            let cols: Vec<String> = unique.iter().map(|c| quote_ident(c)).collect();
            format!(
                "CREATE UNIQUE INDEX {} ON {table} ({})",
                quote_ident(&format!("{name}_pk")),
                cols.join(", ")
            )
        });
        let create_schema = schema
            .as_ref()
            .map(|s| format!("CREATE SCHEMA IF NOT EXISTS {}", quote_ident(s)));
        write_tx!(self, |tx| {
            if let Some(cs) = &create_schema {
                sqlx::query(sqlx::AssertSqlSafe(cs.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(sqlx::AssertSqlSafe(ddl.clone()))
                .execute(&mut *tx)
                .await?;
            if let Some(ix) = &index {
                sqlx::query(sqlx::AssertSqlSafe(ix.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
        })?;
        Ok(name)
    }

    /// Appends rows to a table made by [`Store::ds_create_table`] that is
    /// not published yet. SQLite: multi-row INSERTs in one transaction per
    /// call (callers pass up to [`LOAD_CHUNK_ROWS`] rows); PostgreSQL:
    /// `COPY ... FROM STDIN`.
    pub async fn ds_load_rows(
        &self,
        table: &str,
        fields: &[Field],
        rows: &[DsRow<'_>],
    ) -> Result<()> {
        let mut batch = RowBatch::new(fields.len(), rows.len());
        for r in rows {
            batch.push_row(r);
        }
        self.ds_load_batch(table, fields, &batch).await
    }

    /// [`Store::ds_load_rows`] of rows packed in a [`RowBatch`] (what the
    /// ingest job sends: no allocation per row).
    pub async fn ds_load_batch(
        &self,
        table: &str,
        fields: &[Field],
        rows: &RowBatch,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let schema = self.ds_schema().await?;
        let table = Self::ds_ref(&schema, table);
        let mut cols = String::from("_full_text, _misfits");
        for f in fields {
            cols.push_str(", ");
            cols.push_str(&quote_ident(&f.id));
        }
        match &self.pool {
            crate::store::Pool::Sqlite { writer, .. } => {
                // One prepared single-row INSERT, bound and stepped per row
                // through SQLite's C API (no per-value copies, no statement
                // text per chunk), inside one write transaction.
                let mut sql = format!("INSERT INTO {table} ({cols}) VALUES (?, ?");
                for _ in fields {
                    sql.push_str(", ?");
                }
                sql.push(')');
                let sql = std::ffi::CString::new(sql)
                    .map_err(|e| StoreError::corrupt(format!("insert statement: {e}")))?;
                let mut tx = writer
                    .begin_with(crate::dialect::SQLITE_BEGIN_WRITE)
                    .await?;
                let loaded = {
                    let mut handle = tx.lock_handle().await?;
                    // SAFETY: the handle is locked for this block, so no
                    // other statement runs on the connection meanwhile;
                    // `raw_insert` finalizes its statement before returning.
                    unsafe { raw_insert(handle.as_raw_handle().as_ptr(), &sql, rows) }
                };
                match loaded {
                    Ok(()) => tx.commit().await?,
                    Err(e) => {
                        tx.rollback().await?;
                        return Err(e);
                    }
                }
            }
            crate::store::Pool::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                let stmt = format!("COPY {table} ({cols}) FROM STDIN");
                let mut copy = conn.copy_in_raw(&stmt).await?;
                let mut buf = String::with_capacity(1 << 20);
                for r in rows.rows() {
                    copy_text(&mut buf, r.full_text);
                    buf.push('\t');
                    match r.misfits {
                        Some(m) => copy_text(&mut buf, m),
                        None => buf.push_str("\\N"),
                    }
                    for c in r.cells() {
                        buf.push('\t');
                        match c {
                            CellRef::Null => buf.push_str("\\N"),
                            CellRef::Int(v) => {
                                let _ = write!(buf, "{v}");
                            }
                            CellRef::Num(v) if v.is_finite() => {
                                let _ = write!(buf, "{v}");
                            }
                            CellRef::Num(_) => buf.push_str("\\N"),
                            CellRef::Bool(v) => buf.push(if v { 't' } else { 'f' }),
                            CellRef::Text(s) => copy_text(&mut buf, s),
                        }
                    }
                    buf.push('\n');
                    if buf.len() > (1 << 20) {
                        copy.send(buf.as_bytes()).await?;
                        buf.clear();
                    }
                }
                if !buf.is_empty() {
                    copy.send(buf.as_bytes()).await?;
                }
                copy.finish().await?;
            }
        }
        Ok(())
    }

    /// Indexes the first [`INDEXED_COLUMNS`] fields of a loaded table, one
    /// column each, so that filters, sorts and group-bys read an index.
    /// Built after the bulk load (faster than keeping them up to date while
    /// loading), one index per write transaction so that other writes are
    /// not held up long. A table replaced meanwhile is left alone. Returns
    /// how many indexes were built.
    pub async fn ds_index_columns(&self, table: &str, fields: &[Field]) -> Result<usize> {
        let schema = self.ds_schema().await?;
        let table_ref = Self::ds_ref(&schema, table);
        let mut built = 0;
        for (i, f) in fields.iter().take(INDEXED_COLUMNS).enumerate() {
            let live: Option<String> = read!(self, |pool| {
                sqlx::query_scalar::<_, String>(
                    "SELECT table_name FROM datastore_tables WHERE table_name = $1",
                )
                .bind(table)
                .fetch_optional(pool)
                .await?
            });
            if live.is_none() {
                break;
            }
            let ddl = format!(
                "CREATE INDEX IF NOT EXISTS {} ON {table_ref} ({})",
                quote_ident(&format!("{table}_c{i}")),
                quote_ident(&f.id)
            );
            write_tx!(self, |tx| {
                sqlx::query(sqlx::AssertSqlSafe(ddl.clone()))
                    .execute(&mut *tx)
                    .await?;
            })?;
            built += 1;
        }
        if built > 0 && self.backend() == Backend::Postgres {
            // Fresh statistics, so the planner knows the new indexes pay.
            let analyze = format!("ANALYZE {table_ref}");
            write_tx!(self, |tx| {
                sqlx::query(sqlx::AssertSqlSafe(analyze.clone()))
                    .execute(&mut *tx)
                    .await?;
            })?;
        }
        Ok(built)
    }

    /// The names of the indexes of a row table (diagnostics and tests).
    pub async fn ds_table_indexes(&self, table: &str) -> Result<Vec<String>> {
        let schema = self.ds_schema().await?;
        Ok(match &self.pool {
            crate::store::Pool::Sqlite { reader, .. } => {
                // Column indexes, and the FTS5 table that is the full-text
                // index.
                sqlx::query_scalar::<_, String>(
                    "SELECT name FROM sqlite_master WHERE (type = 'index' AND tbl_name = $1 \
                     AND sql IS NOT NULL) OR (type = 'table' AND name = $2) ORDER BY name",
                )
                .bind(table)
                .bind(fts_name(table))
                .fetch_all(reader)
                .await?
            }
            crate::store::Pool::Postgres(pool) => {
                sqlx::query_scalar::<_, String>(
                    "SELECT indexname::text FROM pg_indexes WHERE schemaname = $1 \
                     AND tablename = $2 AND indexname NOT LIKE '%_pkey' ORDER BY indexname",
                )
                .bind(schema.unwrap_or_default())
                .bind(table)
                .fetch_all(pool)
                .await?
            }
        })
    }

    /// Drops a table that will not be published (a failed load).
    pub async fn ds_drop_table(&self, table: &str) -> Result<()> {
        let schema = self.ds_schema().await?;
        let drops = self.ds_drop_statements(&schema, table);
        write_tx!(self, |tx| {
            for sql in &drops {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
        })
    }

    /// The statements that drop a row table and its full-text index (on
    /// SQLite a separate FTS5 table; on PostgreSQL an index of the table).
    fn ds_drop_statements(&self, schema: &Option<String>, table: &str) -> Vec<String> {
        let mut out = Vec::with_capacity(2);
        if misto_core::datastore::is_file_key(table) {
            // A table file of the columnar engine: nothing in the database.
            return out;
        }
        if self.backend() == Backend::Sqlite {
            out.push(format!(
                "DROP TABLE IF EXISTS {}",
                Self::ds_ref(schema, &fts_name(table))
            ));
        }
        out.push(format!(
            "DROP TABLE IF EXISTS {}",
            Self::ds_ref(schema, table)
        ));
        out
    }

    /// Builds the full-text index of a row table, so that `q` reads an
    /// index instead of scanning `_full_text`. SQLite: an FTS5 table
    /// `<table>_fts` over `_full_text` (external content, the `ascii`
    /// tokenizer: the stored terms are already analysed, lowercase and
    /// alphanumeric, so a token is exactly a stored term) kept in step by
    /// triggers. PostgreSQL: a GIN index on the array of terms. Idempotent;
    /// a table that is not live (replaced meanwhile) is left alone, except
    /// for `force` (API tables, indexed at creation). Returns whether an
    /// index was built.
    pub async fn ds_index_full_text(&self, table: &str, force: bool) -> Result<bool> {
        if !force {
            let live: Option<String> = read!(self, |pool| {
                sqlx::query_scalar::<_, String>(
                    "SELECT table_name FROM datastore_tables WHERE table_name = $1",
                )
                .bind(table)
                .fetch_optional(pool)
                .await?
            });
            if live.is_none() {
                return Ok(false);
            }
        }
        let schema = self.ds_schema().await?;
        let table_ref = Self::ds_ref(&schema, table);
        let statements: Vec<String> = match self.backend() {
            Backend::Sqlite => {
                let fts = quote_ident(&fts_name(table));
                let t = quote_ident(table);
                let trig = |suffix: &str| quote_ident(&format!("{table}_fts_{suffix}"));
                vec![
                    format!(
                        "CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(_full_text, \
                         content={}, content_rowid='_id', tokenize='ascii', \
                         columnsize=0, detail=none)",
                        sql_string(table)
                    ),
                    format!("INSERT INTO {fts}({fts}) VALUES ('rebuild')"),
                    format!(
                        "CREATE TRIGGER IF NOT EXISTS {} AFTER INSERT ON {t} BEGIN \
                         INSERT INTO {fts}(rowid, _full_text) VALUES (new._id, new._full_text); END",
                        trig("ai")
                    ),
                    format!(
                        "CREATE TRIGGER IF NOT EXISTS {} AFTER DELETE ON {t} BEGIN \
                         INSERT INTO {fts}({fts}, rowid, _full_text) \
                         VALUES ('delete', old._id, old._full_text); END",
                        trig("ad")
                    ),
                    format!(
                        "CREATE TRIGGER IF NOT EXISTS {} AFTER UPDATE ON {t} BEGIN \
                         INSERT INTO {fts}({fts}, rowid, _full_text) \
                         VALUES ('delete', old._id, old._full_text); \
                         INSERT INTO {fts}(rowid, _full_text) VALUES (new._id, new._full_text); END",
                        trig("au")
                    ),
                ]
            }
            Backend::Postgres => vec![format!(
                "CREATE INDEX IF NOT EXISTS {} ON {table_ref} USING GIN ({PG_TERMS})",
                quote_ident(&fts_name(table))
            )],
        };
        write_tx!(self, |tx| {
            for sql in &statements {
                sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
        })?;
        Ok(true)
    }

    /// The FTS5 table of a row table when it has one (SQLite only; on
    /// PostgreSQL the terms are matched with `@>`, which reads the GIN
    /// index when there is one and the rows otherwise).
    async fn ds_fts(&self, table: &str) -> Result<Option<String>> {
        match &self.pool {
            crate::store::Pool::Sqlite { reader, .. } => {
                let name = fts_name(table);
                let found: Option<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name = $1",
                )
                .bind(name.as_str())
                .fetch_optional(reader)
                .await?;
                Ok(found)
            }
            crate::store::Pool::Postgres(_) => Ok(None),
        }
    }

    /// Makes `meta.table_name` the live table of `meta.resource_id` in one
    /// transaction: the view named by the resource id now selects from it,
    /// the metadata row is replaced (overrides kept when `meta.overrides` is
    /// empty), and the previous table is dropped. The row count is counted
    /// here.
    ///
    /// A table file of the columnar engine ([`DatastoreTable::file_key`])
    /// has no view and no rows here: only the metadata row is replaced
    /// (with `meta.row_count`), and a previous row table is dropped; a
    /// previous table file is the caller's to delete after the commit.
    pub async fn ds_publish(&self, meta: &DatastoreTable) -> Result<DatastoreTable> {
        let schema = self.ds_schema().await?;
        let columnar = meta.file_key().is_some();
        let table = Self::ds_ref(&schema, &meta.table_name);
        let view = Self::ds_ref(&schema, &meta.resource_id);
        let mut cols = String::from(ID_COLUMN);
        for f in &meta.fields {
            cols.push_str(", ");
            cols.push_str(&quote_ident(&f.id));
        }
        let create_view = format!("CREATE VIEW {view} AS SELECT {cols} FROM {table}");
        let drop_view = format!("DROP VIEW IF EXISTS {view}");
        let count = format!("SELECT COUNT(*) FROM {table}");
        let upsert = format!(
            "INSERT INTO datastore_tables ({META_COLUMNS}) VALUES \
             ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) \
             ON CONFLICT (resource_id) DO UPDATE SET table_name = excluded.table_name, \
             fields = excluded.fields, overrides = CASE WHEN excluded.overrides = '{{}}' \
             THEN datastore_tables.overrides ELSE excluded.overrides END, \
             primary_key = excluded.primary_key, row_count = excluded.row_count, \
             source = excluded.source, status = excluded.status, message = excluded.message, \
             report = excluded.report, modified = excluded.modified"
        );
        let t = to_micros(&now());
        let fields = json_text(&meta.fields);
        let overrides = json_text(&meta.overrides);
        let pk = json_text(&meta.primary_key);
        let report = json_text(&meta.report);
        let rid = meta.resource_id.clone();
        write_tx!(self, |tx| {
            let old: Option<String> = sqlx::query_scalar(
                "SELECT table_name FROM datastore_tables WHERE resource_id = $1",
            )
            .bind(rid.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            let n: i64 = if columnar {
                meta.row_count
            } else {
                sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
                    .fetch_one(&mut *tx)
                    .await?
            };
            sqlx::query(sqlx::AssertSqlSafe(drop_view.clone()))
                .execute(&mut *tx)
                .await?;
            if !columnar {
                sqlx::query(sqlx::AssertSqlSafe(create_view.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(sqlx::AssertSqlSafe(upsert.clone()))
                .bind(rid.as_str())
                .bind(meta.table_name.as_str())
                .bind(fields.as_str())
                .bind(overrides.as_str())
                .bind(pk.as_str())
                .bind(n)
                .bind(meta.source.as_str())
                .bind(meta.status.as_str())
                .bind(meta.message.as_str())
                .bind(report.as_str())
                .bind(t)
                .execute(&mut *tx)
                .await?;
            if let Some(old) = old.filter(|o| !o.is_empty() && *o != meta.table_name) {
                for drop in self.ds_drop_statements(&schema, &old) {
                    sqlx::query(sqlx::AssertSqlSafe(drop))
                        .execute(&mut *tx)
                        .await?;
                }
            }
        })?;
        self.ds_table(&meta.resource_id)
            .await?
            .ok_or_else(|| StoreError::NotFound("datastore table".into()))
    }

    /// Adds columns to a live API-managed table and recreates its view.
    pub async fn ds_add_fields(
        &self,
        resource_id: &str,
        new_fields: &[Field],
    ) -> Result<DatastoreTable> {
        let mut meta = self
            .ds_table(resource_id)
            .await?
            .filter(DatastoreTable::is_active)
            .ok_or_else(|| StoreError::NotFound("datastore table".into()))?;
        let schema = self.ds_schema().await?;
        let table = Self::ds_ref(&schema, &meta.table_name);
        let backend = self.backend();
        let alters: Vec<String> = new_fields
            .iter()
            .map(|f| {
                format!(
                    "ALTER TABLE {table} ADD COLUMN {} {}",
                    quote_ident(&f.id),
                    sql_type(backend, f.ty)
                )
            })
            .collect();
        meta.fields.extend(new_fields.iter().cloned());
        let view = Self::ds_ref(&schema, resource_id);
        let mut cols = String::from(ID_COLUMN);
        for f in &meta.fields {
            cols.push_str(", ");
            cols.push_str(&quote_ident(&f.id));
        }
        let drop_view = format!("DROP VIEW IF EXISTS {view}");
        let create_view = format!("CREATE VIEW {view} AS SELECT {cols} FROM {table}");
        let fields = json_text(&meta.fields);
        let t = to_micros(&now());
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(drop_view.clone()))
                .execute(&mut *tx)
                .await?;
            for a in &alters {
                sqlx::query(sqlx::AssertSqlSafe(a.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(sqlx::AssertSqlSafe(create_view.clone()))
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE datastore_tables SET fields = $2, modified = $3 WHERE resource_id = $1",
            )
            .bind(resource_id)
            .bind(fields.as_str())
            .bind(t)
            .execute(&mut *tx)
            .await?;
        })?;
        self.ds_table(resource_id)
            .await?
            .ok_or_else(|| StoreError::NotFound("datastore table".into()))
    }

    /// Sets or clears the resource extra `key` (the system's
    /// `datastore_active` flag) without a new revision of the dataset: the
    /// flag is the system's, not part of what publishers edit, so a client
    /// that read the dataset before may still save it. The catalog version
    /// and the dataset's `seq` grow, so caches reload it. Returns false when
    /// the resource does not exist.
    pub async fn ds_mark_resource(
        &self,
        resource_id: &str,
        key: &str,
        value: Option<Value>,
    ) -> Result<bool> {
        write_tx!(self, |tx| {
            let extras: Option<(String, String)> =
                sqlx::query_as("SELECT package_id, extras FROM resources WHERE id = $1")
                    .bind(resource_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((package_id, extras)) = extras else {
                return Ok::<_, StoreError>(false);
            };
            let mut map: serde_json::Map<String, Value> =
                serde_json::from_str(&extras).unwrap_or_default();
            match &value {
                Some(v) => {
                    map.insert(key.to_string(), v.clone());
                }
                None => {
                    map.remove(key);
                }
            }
            let seq = bump_version!(tx);
            sqlx::query("UPDATE resources SET extras = $2 WHERE id = $1")
                .bind(resource_id)
                .bind(Value::Object(map).to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE datasets SET seq = $2 WHERE id = $1")
                .bind(package_id.as_str())
                .bind(seq)
                .execute(&mut *tx)
                .await?;
            true
        })
    }

    /// Removes a resource's datastore table, view and metadata. Returns
    /// false when there was none.
    pub async fn ds_delete(&self, resource_id: &str) -> Result<bool> {
        let Some(meta) = self.ds_table(resource_id).await? else {
            return Ok(false);
        };
        let schema = self.ds_schema().await?;
        let drop_view = format!("DROP VIEW IF EXISTS {}", Self::ds_ref(&schema, resource_id));
        let drop_table = if meta.table_name.is_empty() {
            Vec::new()
        } else {
            self.ds_drop_statements(&schema, &meta.table_name)
        };
        write_tx!(self, |tx| {
            sqlx::query(sqlx::AssertSqlSafe(drop_view.clone()))
                .execute(&mut *tx)
                .await?;
            for d in &drop_table {
                sqlx::query(sqlx::AssertSqlSafe(d.clone()))
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM datastore_tables WHERE resource_id = $1")
                .bind(resource_id)
                .execute(&mut *tx)
                .await?;
        })?;
        Ok(true)
    }

    /// How `q`'s terms are matched on this table.
    async fn ds_text_match(&self, meta: &DatastoreTable, q: &DsQuery) -> Result<TextMatch> {
        if q.terms.is_empty() {
            return Ok(TextMatch::Scan);
        }
        Ok(match self.backend() {
            Backend::Postgres => TextMatch::PgTerms,
            Backend::Sqlite => match self.ds_fts(&meta.table_name).await? {
                Some(fts) => TextMatch::Fts5(fts),
                None => TextMatch::Scan,
            },
        })
    }

    /// Builds ` WHERE ...` for filters, full-text terms and keyset paging.
    /// `text` says how full-text terms are matched (see [`TextMatch`]).
    fn ds_where(meta: &DatastoreTable, q: &DsQuery, sql: &mut Sql, text: &TextMatch) -> Result<()> {
        let mut first = true;
        let mut and = |sql: &mut Sql| {
            sql.push(if first { " WHERE " } else { " AND " });
            first = false;
        };
        for f in &q.filters {
            check_column(meta, &f.column)?;
            let col = quote_ident(&f.column);
            let (nulls, values): (Vec<&Bind>, Vec<&Bind>) =
                f.values.iter().partition(|b| matches!(b, Bind::Null(_)));
            and(sql);
            sql.push("(");
            let mut alt = false;
            if !values.is_empty() {
                sql.push(&col).push(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        sql.push(", ");
                    }
                    sql.bind((*v).clone());
                }
                sql.push(")");
                alt = true;
            }
            if !nulls.is_empty() {
                if alt {
                    sql.push(" OR ");
                }
                sql.push(&col).push(" IS NULL");
                alt = true;
            }
            if !alt {
                sql.push("1 = 0");
            }
            sql.push(")");
        }
        if !q.terms.is_empty() {
            match text {
                TextMatch::Scan => {
                    for term in &q.terms {
                        and(sql);
                        sql.push("_full_text LIKE ")
                            .bind(Bind::Text(format!("% {term} %")));
                    }
                }
                TextMatch::Fts5(fts) => {
                    and(sql);
                    let fts = quote_ident(fts);
                    sql.push("_id IN (SELECT rowid FROM ")
                        .push(&fts)
                        .push(" WHERE ")
                        .push(&fts)
                        .push(" MATCH ")
                        .bind(Bind::Text(fts5_query(&q.terms)))
                        .push(")");
                }
                TextMatch::PgTerms => {
                    and(sql);
                    sql.push(PG_TERMS).push(" @> ARRAY[");
                    for (i, term) in q.terms.iter().enumerate() {
                        if i > 0 {
                            sql.push(", ");
                        }
                        sql.bind(Bind::Text(term.clone()));
                    }
                    sql.push("]::text[]");
                }
            }
        }
        if let Some(after) = q.after_id {
            and(sql);
            sql.push("_id > ").bind(Bind::Int(after));
        }
        Ok(())
    }

    /// Runs a query over a resource's live table.
    pub async fn ds_search(&self, meta: &DatastoreTable, q: &DsQuery) -> Result<DsRows> {
        let schema = self.ds_schema().await?;
        let table = Self::ds_ref(&schema, &meta.table_name);
        let id_field = Field {
            id: ID_COLUMN.into(),
            ty: FieldType::Int,
            info: None,
        };
        let fields: Vec<Field> = if q.fields.is_empty() {
            std::iter::once(id_field.clone())
                .chain(meta.fields.iter().cloned())
                .collect()
        } else {
            q.fields
                .iter()
                .map(|c| {
                    if c == ID_COLUMN {
                        Ok(id_field.clone())
                    } else {
                        meta.field(c)
                            .cloned()
                            .ok_or_else(|| StoreError::NotFound(format!("field {c}")))
                    }
                })
                .collect::<Result<_>>()?
        };
        let mut sql = Sql::default();
        sql.push(if q.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        });
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push(&quote_ident(&f.id));
        }
        let from_at = sql.text.len();
        sql.push(" FROM ").push(&table);
        let text = self.ds_text_match(meta, q).await?;
        Self::ds_where(meta, q, &mut sql, &text)?;
        let select_text = sql.text[..from_at].to_string();
        let where_text = sql.text[from_at..].to_string();
        let where_binds = sql.binds.clone();
        let mut order: Vec<(String, bool)> = Vec::new();
        for (c, desc) in &q.sort {
            if c != ID_COLUMN {
                check_column(meta, c)?;
            }
            if q.distinct && !fields.iter().any(|f| &f.id == c) {
                return Err(StoreError::NotFound(format!(
                    "sort field {c} (with distinct, sort only by returned fields)"
                )));
            }
            order.push((c.clone(), *desc));
        }
        if !q.distinct && !order.iter().any(|(c, _)| c == ID_COLUMN) {
            order.push((ID_COLUMN.into(), false));
        }
        if !order.is_empty() {
            sql.push(" ORDER BY ");
            for (i, (c, desc)) in order.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push(&quote_ident(c));
                sql.push(if *desc { " DESC" } else { " ASC" });
            }
        }
        sql.push(" LIMIT ")
            .bind(Bind::Int(q.limit))
            .push(" OFFSET ")
            .bind(Bind::Int(q.offset));
        let plain = q.filters.is_empty() && q.terms.is_empty() && q.after_id.is_none();
        let only_terms = !q.distinct && q.filters.is_empty() && q.after_id.is_none();
        let total_sql = (q.include_total && (q.distinct || !plain)).then(|| {
            if let (TextMatch::Fts5(fts), true) = (&text, only_terms) {
                // Count the index's hits without touching the rows.
                let fts = quote_ident(fts);
                format!("SELECT COUNT(*) FROM {fts} WHERE {fts} MATCH $1")
            } else if q.distinct {
                format!("SELECT COUNT(*) FROM ({select_text}{where_text}) AS d")
            } else {
                format!("SELECT COUNT(*){where_text}")
            }
        });
        let types: Vec<FieldType> = fields.iter().map(|f| f.ty).collect();
        let id_pos = fields.iter().position(|f| f.id == ID_COLUMN);
        let (rows, total) = read_tx!(self, |tx| {
            let rows = bind_all!(
                sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())),
                &sql.binds
            )
            .fetch_all(&mut *tx)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut vals = Vec::with_capacity(types.len());
                for (i, ty) in types.iter().enumerate() {
                    vals.push(decode_cell(r, i, *ty)?);
                }
                out.push(vals);
            }
            let total = match &total_sql {
                Some(t) => Some(
                    bind_all!(
                        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(t.clone())),
                        &where_binds
                    )
                    .fetch_one(&mut *tx)
                    .await?,
                ),
                None => None,
            };
            (out, total)
        })?;
        let total = if q.include_total {
            total.or(Some(meta.row_count))
        } else {
            None
        };
        let last_id = id_pos.and_then(|p| rows.last().and_then(|r| r[p].as_i64()));
        Ok(DsRows {
            fields,
            rows,
            total,
            last_id,
        })
    }

    /// One row of an API-managed table by key (`_id` or the primary key
    /// columns), as JSON values in field order (without `_id`).
    pub async fn ds_find_row(
        &self,
        meta: &DatastoreTable,
        key: &[(String, Bind)],
    ) -> Result<Option<(i64, Vec<Value>)>> {
        let schema = self.ds_schema().await?;
        let table = Self::ds_ref(&schema, &meta.table_name);
        let mut sql = Sql::default();
        sql.push("SELECT _id");
        for f in &meta.fields {
            sql.push(", ").push(&quote_ident(&f.id));
        }
        sql.push(" FROM ").push(&table);
        key_where(meta, key, &mut sql)?;
        let mut types = vec![FieldType::Int];
        types.extend(meta.fields.iter().map(|f| f.ty));
        let row = read!(self, |pool| {
            match bind_all!(
                sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())),
                &sql.binds
            )
            .fetch_optional(pool)
            .await?
            {
                Some(r) => {
                    let mut vals = Vec::with_capacity(types.len());
                    for (i, ty) in types.iter().enumerate() {
                        vals.push(decode_cell(&r, i, *ty)?);
                    }
                    Some(vals)
                }
                None => None,
            }
        });
        Ok(row.map(|mut v| {
            let id = v.remove(0).as_i64().unwrap_or_default();
            (id, v)
        }))
    }

    /// Writes whole rows (every field, in field order) to a live table:
    /// inserts, updates by key, or upserts (update by key, else insert).
    /// Returns how many rows were written; an update whose key matches no
    /// row is an error naming the record (1-based).
    pub async fn ds_write_records(
        &self,
        meta: &DatastoreTable,
        method: WriteMethod,
        key_columns: &[String],
        rows: &[(Vec<Bind>, String)],
    ) -> Result<std::result::Result<u64, String>> {
        let schema = self.ds_schema().await?;
        let table = Self::ds_ref(&schema, &meta.table_name);
        for c in key_columns {
            if c != ID_COLUMN {
                check_column(meta, c)?;
            }
        }
        let mut statements: Vec<(Sql, Option<Sql>, usize)> = Vec::new();
        for (n, (vals, full_text)) in rows.iter().enumerate() {
            let insert = {
                let mut s = Sql::default();
                s.push("INSERT INTO ").push(&table).push(" (_full_text");
                for f in &meta.fields {
                    s.push(", ").push(&quote_ident(&f.id));
                }
                s.push(") VALUES (").bind(Bind::Text(full_text.clone()));
                for v in vals {
                    s.push(", ").bind(v.clone());
                }
                s.push(")");
                s
            };
            if method == WriteMethod::Insert {
                statements.push((insert, None, n + 1));
                continue;
            }
            let mut update = Sql::default();
            update
                .push("UPDATE ")
                .push(&table)
                .push(" SET _full_text = ")
                .bind(Bind::Text(full_text.clone()));
            for (f, v) in meta.fields.iter().zip(vals) {
                update
                    .push(", ")
                    .push(&quote_ident(&f.id))
                    .push(" = ")
                    .bind(v.clone());
            }
            let key: Vec<(String, Bind)> = key_columns
                .iter()
                .filter_map(|c| {
                    meta.fields
                        .iter()
                        .position(|f| &f.id == c)
                        .map(|i| (c.clone(), vals[i].clone()))
                })
                .collect();
            key_where(meta, &key, &mut update)?;
            let then_insert = (method == WriteMethod::Upsert).then_some(insert);
            statements.push((update, then_insert, n + 1));
        }
        let count = format!("SELECT COUNT(*) FROM {table}");
        let rid = meta.resource_id.clone();
        let t = to_micros(&now());
        write_tx!(self, |tx| {
            let mut written = 0u64;
            let mut missing = None;
            for (first, fallback, n) in &statements {
                let affected = bind_all!(
                    sqlx::query(sqlx::AssertSqlSafe(first.text.clone())),
                    &first.binds
                )
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if affected > 0 {
                    written += affected;
                    continue;
                }
                match fallback {
                    Some(ins) => {
                        written += bind_all!(
                            sqlx::query(sqlx::AssertSqlSafe(ins.text.clone())),
                            &ins.binds
                        )
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    }
                    None => {
                        missing = Some(*n);
                        break;
                    }
                }
            }
            if let Some(n) = missing {
                // Nothing of this call is kept: return early, rolling back.
                return Ok::<_, StoreError>(Err(format!("record {n}: key not found")));
            }
            let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE datastore_tables SET row_count = $2, modified = $3 WHERE resource_id = $1",
            )
            .bind(rid.as_str())
            .bind(total)
            .bind(t)
            .execute(&mut *tx)
            .await?;
            Ok(written)
        })
    }

    /// Deletes the rows matching `filters` (all rows when empty) from a
    /// live table. Returns how many were deleted.
    pub async fn ds_delete_rows(&self, meta: &DatastoreTable, filters: &[DsFilter]) -> Result<u64> {
        let schema = self.ds_schema().await?;
        let table = Self::ds_ref(&schema, &meta.table_name);
        let mut sql = Sql::default();
        sql.push("DELETE FROM ").push(&table);
        let q = DsQuery {
            filters: filters.to_vec(),
            ..DsQuery::default()
        };
        Self::ds_where(meta, &q, &mut sql, &TextMatch::Scan)?;
        let count = format!("SELECT COUNT(*) FROM {table}");
        let rid = meta.resource_id.clone();
        let t = to_micros(&now());
        write_tx!(self, |tx| {
            let n = bind_all!(
                sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())),
                &sql.binds
            )
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE datastore_tables SET row_count = $2, modified = $3 WHERE resource_id = $1",
            )
            .bind(rid.as_str())
            .bind(total)
            .bind(t)
            .execute(&mut *tx)
            .await?;
            n
        })
    }

    /// A group-by over a live table (`datastore_aggregate` and charts):
    /// `SELECT g1, g2, f1(a1), ... WHERE <filters, terms> GROUP BY g1, g2
    /// ORDER BY <sort, then the group columns> LIMIT .. OFFSET ..`. The
    /// result's fields are the group columns (with their types) then one
    /// per aggregate, named by [`AggSpec::name`]: `count` is `int`, `sum`
    /// of an `int` column is `int`, other sums and averages are `numeric`,
    /// `min`/`max` keep the column's type. `sort` names output fields.
    /// With `include_total`, `total` is the number of groups.
    pub async fn ds_group(
        &self,
        meta: &DatastoreTable,
        q: &DsQuery,
        group_by: &[String],
        aggs: &[AggSpec],
    ) -> Result<DsRows> {
        let backend = self.backend();
        let double = match backend {
            Backend::Sqlite => "REAL",
            Backend::Postgres => "DOUBLE PRECISION",
        };
        let mut fields: Vec<Field> = Vec::with_capacity(group_by.len() + aggs.len());
        let mut exprs: Vec<String> = Vec::with_capacity(group_by.len() + aggs.len());
        for g in group_by {
            let f = meta
                .field(g)
                .ok_or_else(|| StoreError::NotFound(format!("field {g}")))?;
            fields.push(f.clone());
            exprs.push(quote_ident(g));
        }
        for a in aggs {
            let col = match &a.field {
                Some(c) => {
                    let f = meta
                        .field(c)
                        .ok_or_else(|| StoreError::NotFound(format!("field {c}")))?;
                    Some((quote_ident(c), f.ty))
                }
                None => None,
            };
            let (expr, ty) = match (a.func, &col) {
                (AggFn::Count, None) => ("COUNT(*)".to_string(), FieldType::Int),
                (AggFn::Count, Some((c, _))) => (format!("COUNT({c})"), FieldType::Int),
                (_, None) => return Err(StoreError::NotFound("aggregate field".into())),
                (AggFn::Sum, Some((c, FieldType::Int))) => match backend {
                    Backend::Sqlite => (format!("SUM({c})"), FieldType::Int),
                    Backend::Postgres => (format!("CAST(SUM({c}) AS BIGINT)"), FieldType::Int),
                },
                (AggFn::Sum, Some((c, _))) => {
                    (format!("CAST(SUM({c}) AS {double})"), FieldType::Numeric)
                }
                (AggFn::Avg, Some((c, _))) => {
                    (format!("CAST(AVG({c}) AS {double})"), FieldType::Numeric)
                }
                (AggFn::Min, Some((c, ty))) => (format!("MIN({c})"), *ty),
                (AggFn::Max, Some((c, ty))) => (format!("MAX({c})"), *ty),
            };
            let field_ty = col.as_ref().map(|(_, t)| *t);
            if matches!(a.func, AggFn::Sum | AggFn::Avg) && !field_ty.is_some_and(|t| t.is_number())
            {
                return Err(StoreError::NotFound(format!(
                    "number field {}",
                    a.field.as_deref().unwrap_or_default()
                )));
            }
            if matches!(a.func, AggFn::Min | AggFn::Max) && field_ty == Some(FieldType::Bool) {
                return Err(StoreError::NotFound(format!(
                    "comparable field {}",
                    a.field.as_deref().unwrap_or_default()
                )));
            }
            fields.push(Field {
                id: a.name.clone(),
                ty,
                info: None,
            });
            exprs.push(expr);
        }
        let schema = self.ds_schema().await?;
        let table = Self::ds_ref(&schema, &meta.table_name);
        let mut sql = Sql::default();
        sql.push("SELECT ");
        for (i, e) in exprs.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push(e).push(&format!(" AS c{i}"));
        }
        sql.push(" FROM ").push(&table);
        let text = self.ds_text_match(meta, q).await?;
        Self::ds_where(meta, q, &mut sql, &text)?;
        if !group_by.is_empty() {
            sql.push(" GROUP BY ");
            for (i, g) in group_by.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.push(&quote_ident(g));
            }
        }
        let grouped_text = sql.text.clone();
        let grouped_binds = sql.binds.clone();
        let mut order: Vec<String> = Vec::new();
        for (c, desc) in &q.sort {
            let i = fields
                .iter()
                .position(|f| &f.id == c)
                .ok_or_else(|| StoreError::NotFound(format!("sort field {c}")))?;
            order.push(format!("c{i}{}", if *desc { " DESC" } else { " ASC" }));
        }
        for i in 0..group_by.len() {
            let o = format!("c{i} ASC");
            if !order.iter().any(|x| x.starts_with(&format!("c{i} "))) {
                order.push(o);
            }
        }
        if !order.is_empty() {
            sql.push(" ORDER BY ").push(&order.join(", "));
        }
        sql.push(" LIMIT ")
            .bind(Bind::Int(q.limit))
            .push(" OFFSET ")
            .bind(Bind::Int(q.offset));
        let total_sql = q
            .include_total
            .then(|| format!("SELECT COUNT(*) FROM ({grouped_text}) AS g"));
        let types: Vec<FieldType> = fields.iter().map(|f| f.ty).collect();
        let (rows, total) = read_tx!(self, |tx| {
            let rows = bind_all!(
                sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())),
                &sql.binds
            )
            .fetch_all(&mut *tx)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut vals = Vec::with_capacity(types.len());
                for (i, ty) in types.iter().enumerate() {
                    vals.push(decode_cell(r, i, *ty)?);
                }
                out.push(vals);
            }
            let total = match &total_sql {
                Some(t) => Some(
                    bind_all!(
                        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(t.clone())),
                        &grouped_binds
                    )
                    .fetch_one(&mut *tx)
                    .await?,
                ),
                None => None,
            };
            (out, total)
        })?;
        Ok(DsRows {
            fields,
            rows,
            total,
            last_id: None,
        })
    }

    /// Group-by aggregate for charts: `(x, agg(y))` per value of x, at most
    /// `limit` groups ordered by x; [`Store::ds_group`] does the work.
    pub async fn ds_aggregate(
        &self,
        meta: &DatastoreTable,
        q: &DsQuery,
        x: &str,
        agg: Aggregate,
        y: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(Value, Option<f64>)>> {
        let spec = match (agg, y) {
            (Aggregate::Count, _) => AggSpec::new(AggFn::Count, None),
            (_, None) => return Err(StoreError::NotFound("y field".into())),
            (Aggregate::Sum, Some(y)) => AggSpec::new(AggFn::Sum, Some(y)),
            (Aggregate::Avg, Some(y)) => AggSpec::new(AggFn::Avg, Some(y)),
        };
        let q = DsQuery {
            sort: Vec::new(),
            limit,
            offset: 0,
            include_total: false,
            ..q.clone()
        };
        let rows = self.ds_group(meta, &q, &[x.to_string()], &[spec]).await?;
        Ok(rows
            .rows
            .into_iter()
            .map(|mut r| {
                let y = r.pop().and_then(|v| v.as_f64());
                (r.pop().unwrap_or(Value::Null), y)
            })
            .collect())
    }
}

/// How the full-text terms of a query are matched: all three find the rows
/// whose `_full_text` holds every term as a whole term, so results are the
/// same whichever is used.
#[derive(Debug, Clone)]
enum TextMatch {
    /// `_full_text LIKE '% term %'` for each term (a scan; SQLite tables
    /// whose FTS5 index is not built yet).
    Scan,
    /// The FTS5 table of the row table (SQLite).
    Fts5(String),
    /// `string_to_array(_full_text, ' ') @> ARRAY[terms]` (PostgreSQL; the
    /// GIN index answers it once built).
    PgTerms,
}

/// The name of the full-text index (FTS5 table or GIN index) of a row table.
fn fts_name(table: &str) -> String {
    format!("{table}_fts")
}

/// The array of a row's terms on PostgreSQL; the GIN index is built on
/// exactly this expression.
const PG_TERMS: &str = "string_to_array(_full_text, ' ')";

/// `'text'` as an SQL string literal.
fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An FTS5 query that every term must match, each as one token (`"a" "b"`
/// is an implicit AND of two strings).
fn fts5_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_column(meta: &DatastoreTable, c: &str) -> Result<()> {
    if meta.field(c).is_some() {
        Ok(())
    } else {
        Err(StoreError::NotFound(format!("field {c}")))
    }
}

fn key_where(meta: &DatastoreTable, key: &[(String, Bind)], sql: &mut Sql) -> Result<()> {
    if key.is_empty() {
        return Err(StoreError::NotFound("key".into()));
    }
    for (i, (c, v)) in key.iter().enumerate() {
        if c != ID_COLUMN {
            check_column(meta, c)?;
        }
        sql.push(if i == 0 { " WHERE " } else { " AND " });
        sql.push(&quote_ident(c)).push(" = ").bind(v.clone());
    }
    Ok(())
}

/// Inserts `rows` with one prepared statement (`?` for `_full_text`,
/// `_misfits`, then each field) on a raw SQLite connection inside a
/// transaction the caller owns.
///
/// # Safety
/// `db` must be a valid, open connection that nothing else uses during the
/// call.
unsafe fn raw_insert(
    db: *mut libsqlite3_sys::sqlite3,
    sql: &std::ffi::CStr,
    rows: &RowBatch,
) -> Result<()> {
    use libsqlite3_sys as ffi;
    use std::os::raw::c_int;
    let err = |db: *mut ffi::sqlite3, what: &str| {
        // SAFETY: `db` is valid; sqlite3_errmsg returns a NUL-terminated
        // string owned by SQLite, copied here at once.
        let msg = unsafe { std::ffi::CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
            .to_string_lossy()
            .into_owned();
        StoreError::corrupt(format!("{what}: {msg}"))
    };
    let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
    // SAFETY: valid connection and NUL-terminated statement text.
    let rc =
        unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
    if rc != ffi::SQLITE_OK {
        return Err(err(db, "preparing the load"));
    }
    // Text is bound without a copy (SQLITE_STATIC): every string outlives
    // the step that reads it, and the bindings are cleared before return.
    let bind_text = |stmt: *mut ffi::sqlite3_stmt, i: c_int, s: &str| -> c_int {
        // SAFETY: `s` stays alive and unchanged until the statement is
        // stepped and reset (below, before the next row).
        unsafe {
            ffi::sqlite3_bind_text(
                stmt,
                i,
                s.as_ptr().cast(),
                c_int::try_from(s.len()).unwrap_or(c_int::MAX),
                ffi::SQLITE_STATIC(),
            )
        }
    };
    let mut result = Ok(());
    'rows: for r in rows.rows() {
        // SAFETY (every call in this loop): `stmt` is a live statement of
        // `db`, and the indexes are within its parameter count.
        let mut rc = bind_text(stmt, 1, r.full_text);
        if rc == ffi::SQLITE_OK {
            rc = match r.misfits {
                Some(m) => bind_text(stmt, 2, m),
                None => unsafe { ffi::sqlite3_bind_null(stmt, 2) },
            };
        }
        for (k, c) in r.cells().enumerate() {
            if rc != ffi::SQLITE_OK {
                break;
            }
            let i = c_int::try_from(k + 3).unwrap_or(c_int::MAX);
            rc = match c {
                CellRef::Null => unsafe { ffi::sqlite3_bind_null(stmt, i) },
                CellRef::Int(v) => unsafe { ffi::sqlite3_bind_int64(stmt, i, v) },
                CellRef::Num(v) if v.is_finite() => unsafe { ffi::sqlite3_bind_double(stmt, i, v) },
                CellRef::Num(_) => unsafe { ffi::sqlite3_bind_null(stmt, i) },
                CellRef::Bool(v) => unsafe { ffi::sqlite3_bind_int64(stmt, i, i64::from(v)) },
                CellRef::Text(s) => bind_text(stmt, i, s),
            };
        }
        if rc == ffi::SQLITE_OK {
            rc = unsafe { ffi::sqlite3_step(stmt) };
            if rc == ffi::SQLITE_DONE {
                rc = ffi::SQLITE_OK;
            }
        }
        if rc != ffi::SQLITE_OK {
            result = Err(err(db, "loading rows"));
            break 'rows;
        }
        unsafe {
            ffi::sqlite3_reset(stmt);
        }
    }
    // SAFETY: the statement is not used after this.
    unsafe {
        ffi::sqlite3_clear_bindings(stmt);
        ffi::sqlite3_finalize(stmt);
    }
    result
}

/// Appends `s` escaped for COPY's text format.
fn copy_text(buf: &mut String, s: &str) {
    for ch in s.chars() {
        match ch {
            '\\' => buf.push_str("\\\\"),
            '\t' => buf.push_str("\\t"),
            '\n' => buf.push_str("\\n"),
            '\r' => buf.push_str("\\r"),
            c => buf.push(c),
        }
    }
}

/// Decodes column `i` of a row of either backend as JSON, by field type.
fn decode_cell<R>(r: &R, i: usize, ty: FieldType) -> Result<Value>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    for<'a> Option<i64>: sqlx::Decode<'a, R::Database>,
    for<'a> Option<f64>: sqlx::Decode<'a, R::Database>,
    for<'a> Option<bool>: sqlx::Decode<'a, R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database>,
{
    Ok(match ty {
        FieldType::Int => r
            .try_get_unchecked::<Option<i64>, _>(i)?
            .map_or(Value::Null, Value::from),
        FieldType::Numeric => r
            .try_get_unchecked::<Option<f64>, _>(i)?
            .map_or(Value::Null, Value::from),
        FieldType::Bool => r
            .try_get_unchecked::<Option<bool>, _>(i)?
            .map_or(Value::Null, Value::from),
        FieldType::Date | FieldType::Timestamp | FieldType::Text => r
            .try_get_unchecked::<Option<String>, _>(i)?
            .map_or(Value::Null, Value::from),
    })
}
