//! The datastore: every tabular upload becomes a typed, queryable table.
//!
//! - Uploading (or replacing) a CSV, TSV, XLSX, XLS, ODS, JSON or GeoJSON
//!   file queues a [`INGEST_JOB`] for the resource; the job reads the file
//!   with `misto-tabular` (encoding, delimiter, header, whole-column types),
//!   applies the publisher's type overrides, loads the rows into a new table
//!   and swaps it in atomically. A failed ingest leaves the previous table
//!   and records why. Workbooks: the first non-empty sheet is loaded (or the
//!   sheet named in the resource field `datastore_sheet`); the others are
//!   listed in the report.
//! - Values that do not fit their column's type are stored as NULL in the
//!   typed column and kept as written in the row's `_misfits`; they are
//!   counted per column in the report, with the first ones listed.
//! - Reads (`search`, `sql`, `info`, dumps) apply the dataset's visibility:
//!   a resource the viewer may not read does not exist for them.
//! - API-managed tables (`datastore_create` with records, `upsert`,
//!   `delete`) need the right to edit the dataset.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use futures_util::StreamExt;
use misto_core::datastore::{Cell, DatastoreTable, Field, FieldType, ID_COLUMN, Row, TableSource};
use misto_core::time::now;
use misto_core::{Job, Resource, Viewer, auth::can_edit_dataset};
/// Types of the store's datastore API that callers of these actions use.
pub use misto_store::datastore::{Aggregate, DsRows, SqlOutcome, WriteMethod};
use misto_store::datastore::{Bind, DsFilter, DsQuery, LOAD_CHUNK_ROWS};
use misto_tabular::{ColumnType, Format, Value as TValue};
use serde_json::{Value, json};

use crate::accounts::system_viewer;
use crate::jobs::{JobContext, JobOutcome};
use crate::{ActionError, Portal, Result};

/// The job kind of an ingest; its subject is the resource id.
pub const INGEST_JOB: &str = "datastore_ingest";
/// The job kind that indexes the columns of a loaded table (queued by the
/// ingest once the table answers); its subject is the resource id.
pub const INDEX_JOB: &str = "datastore_index";
/// The resource extra that says a resource has a queryable table (CKAN).
pub const ACTIVE_EXTRA: &str = "datastore_active";
/// The resource extra naming the sheet of a workbook to load.
pub const SHEET_EXTRA: &str = "datastore_sheet";
/// CKAN's `datastore_search` limits.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 32_000;
/// Misfit values listed per column in the report.
const MISFITS_LISTED: usize = 20;

/// Settings of the datastore.
#[derive(Debug, Clone)]
pub struct DatastoreConfig {
    /// Time limit of one `datastore_search_sql` query.
    pub sql_timeout: std::time::Duration,
    /// Rows one `datastore_search_sql` answer may hold.
    pub sql_rows_max: usize,
    /// Map tiles for the resource page (`{z}/{x}/{y}` template).
    pub tile_url: String,
}

impl Default for DatastoreConfig {
    fn default() -> Self {
        Self {
            sql_timeout: std::time::Duration::from_secs(5),
            sql_rows_max: 32_000,
            tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
        }
    }
}

/// Whether a resource's file is one the datastore loads.
pub fn is_tabular(r: &Resource) -> bool {
    let by_format = Format::from_label(&r.format);
    let by_name = Format::from_file_name(&r.url);
    by_format != Format::Auto || by_name != Format::Auto
}

/// The positions of the longitude and latitude columns of a table (numeric
/// columns named `lon`/`lng`/`long`/`longitude`/`довгота`/`x` and
/// `lat`/`latitude`/`широта`/`y`), for GeoJSON dumps and maps.
pub fn coordinate_columns(fields: &[Field]) -> Option<(usize, usize)> {
    let find = |names: &[&str]| {
        fields
            .iter()
            .position(|f| names.contains(&f.id.to_lowercase().as_str()) && f.ty.is_number())
    };
    let lon = find(&["lon", "lng", "long", "longitude", "довгота", "x"])?;
    let lat = find(&["lat", "latitude", "широта", "y"])?;
    Some((lon, lat))
}

/// What a caller asks `datastore_search` (and dumps) for, with values still
/// as JSON; column names are checked against the table.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    /// `(column, accepted values)`; a JSON null matches NULL.
    pub filters: Vec<(String, Vec<Value>)>,
    pub q: Option<String>,
    pub fields: Vec<String>,
    pub sort: Vec<(String, bool)>,
    pub distinct: bool,
    pub limit: i64,
    pub offset: i64,
    pub include_total: bool,
}

/// A table's state for status displays.
#[derive(Debug, Clone)]
pub struct DatastoreState {
    pub table: Option<DatastoreTable>,
    /// The last ingest job of the resource.
    pub job: Option<Job>,
}

impl DatastoreState {
    /// `pending`, `running`, `done`, `error`, or `none` when there never
    /// was a table or an ingest.
    pub fn status(&self) -> &str {
        match (&self.job, &self.table) {
            (Some(j), _) if matches!(j.state.as_str(), "pending" | "running") => j.state.as_str(),
            (_, Some(t)) => t.status.as_str(),
            (Some(j), None) => j.state.as_str(),
            (None, None) => "none",
        }
    }

    pub fn active(&self) -> bool {
        self.table.as_ref().is_some_and(DatastoreTable::is_active)
    }
}

fn field_type_of(t: ColumnType) -> FieldType {
    match t {
        ColumnType::Integer => FieldType::Int,
        ColumnType::Decimal => FieldType::Numeric,
        ColumnType::Date => FieldType::Date,
        ColumnType::DateTime => FieldType::Timestamp,
        ColumnType::Boolean => FieldType::Bool,
        ColumnType::Text => FieldType::Text,
    }
}

fn column_type_of(t: FieldType) -> ColumnType {
    match t {
        FieldType::Int => ColumnType::Integer,
        FieldType::Numeric => ColumnType::Decimal,
        FieldType::Date => ColumnType::Date,
        FieldType::Timestamp => ColumnType::DateTime,
        FieldType::Bool => ColumnType::Boolean,
        FieldType::Text => ColumnType::Text,
    }
}

/// A column name both databases accept as a quoted identifier and that
/// does not clash with the internal columns: no leading `_`, at most 63
/// bytes (PostgreSQL's limit), unique.
fn column_names(names: &[String]) -> Vec<String> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        let mut base: String = n
            .trim()
            .trim_start_matches('_')
            .chars()
            .filter(|c| !c.is_control())
            .collect();
        if base.is_empty() {
            base = format!("column_{}", i + 1);
        }
        let cut = |s: &str, max: usize| {
            let mut end = s.len().min(max);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s[..end].to_string()
        };
        let mut name = cut(&base, 63);
        let mut k = 2;
        while !seen.insert(name.to_lowercase()) {
            let suffix = format!("_{k}");
            name = format!("{}{suffix}", cut(&base, 63 - suffix.len()));
            k += 1;
        }
        out.push(name);
    }
    out
}

/// Full-text terms of a row: the analysed words of its text values, as
/// ` a b c ` (so that `LIKE '% term %'` finds whole terms). Repeated values
/// (districts, categories) are analysed once.
struct Terms {
    cache: HashMap<String, String>,
}

impl Terms {
    fn new() -> Self {
        Self {
            cache: HashMap::new(),
        }
    }

    fn of(&mut self, texts: &[&str]) -> String {
        let mut out = String::from(" ");
        for t in texts {
            if t.is_empty() {
                continue;
            }
            if let Some(hit) = self.cache.get(*t) {
                out.push_str(hit);
                continue;
            }
            let mut terms = String::new();
            misto_search::analysis::for_each_term(t, |term| {
                terms.push_str(term);
                terms.push(' ');
            });
            out.push_str(&terms);
            if self.cache.len() > 200_000 {
                self.cache.clear();
            }
            self.cache.insert((*t).to_string(), terms);
        }
        out
    }
}

/// The analysed terms of a `q`, in order, without duplicates.
pub fn query_terms(q: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    misto_search::analysis::for_each_term(q, |t| {
        if !v.iter().any(|x| x == t) {
            v.push(t.to_string());
        }
    });
    v
}

/// A file read and converted into typed rows, ready to load.
struct Prepared {
    fields: Vec<Field>,
    rows: Vec<Row<'static>>,
    report: Value,
}

/// Reads a file and types its rows (blocking; runs off the async runtime).
fn prepare(
    bytes: &[u8],
    format_label: &str,
    file_name: &str,
    overrides: &BTreeMap<String, FieldType>,
    sheet: Option<&str>,
) -> std::result::Result<Prepared, String> {
    let book = misto_tabular::read(bytes, Format::from_label(format_label), file_name)
        .map_err(|e| format!("The file could not be read: {e}"))?;
    let sheet_names = book.sheet_names.clone();
    let format = book.format.label();
    let mut tables = book.tables;
    if tables.is_empty() {
        return Err("The file holds no table (every sheet is empty)".into());
    }
    let idx = match sheet {
        Some(s) if !s.trim().is_empty() => tables
            .iter()
            .position(|t| t.name == s.trim())
            .ok_or_else(|| format!("The workbook has no sheet named {s:?}"))?,
        _ => 0,
    };
    let table = tables.swap_remove(idx);
    let names = column_names(
        &table
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>(),
    );
    let mut fields = Vec::with_capacity(names.len());
    let mut types = Vec::with_capacity(names.len());
    for (c, name) in table.columns.iter().zip(&names) {
        let ty = overrides
            .get(name)
            .or_else(|| overrides.get(&c.name))
            .copied()
            .unwrap_or_else(|| field_type_of(c.inferred));
        types.push(ty);
        fields.push(Field {
            id: name.clone(),
            ty,
            info: None,
        });
    }
    let text_cols: Vec<bool> = types.iter().map(|t| *t == FieldType::Text).collect();
    let mut misfit_counts = vec![0usize; fields.len()];
    let mut misfit_list: Vec<Vec<Value>> = vec![Vec::new(); fields.len()];
    let mut terms = Terms::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (raw, line) in table.rows.into_iter().zip(table.row_lines.iter()) {
        let mut cells = Vec::with_capacity(raw.len());
        let mut misfits: Option<serde_json::Map<String, Value>> = None;
        let mut texts: Vec<&str> = Vec::new();
        for (i, cell) in raw.iter().enumerate() {
            let ty = types.get(i).copied().unwrap_or(FieldType::Text);
            if text_cols.get(i).copied().unwrap_or(true) {
                texts.push(cell);
                continue;
            }
            let v = match misto_tabular::parse_value(cell, column_type_of(ty)) {
                TValue::Null => Cell::Null,
                TValue::Integer(n) => Cell::Int(n),
                TValue::Decimal(f) => Cell::Num(f),
                TValue::Boolean(b) => Cell::Bool(b),
                TValue::Date(d) => Cell::Text(Cow::Owned(d.format("%Y-%m-%d").to_string())),
                TValue::DateTime(d) => {
                    Cell::Text(Cow::Owned(d.format("%Y-%m-%dT%H:%M:%S").to_string()))
                }
                TValue::Text(_) => Cell::Null,
                TValue::Invalid(s) => {
                    misfit_counts[i] += 1;
                    if misfit_list[i].len() < MISFITS_LISTED {
                        misfit_list[i].push(json!({"row": line, "value": s}));
                    }
                    misfits
                        .get_or_insert_with(serde_json::Map::new)
                        .insert(fields[i].id.clone(), Value::String(s.to_string()));
                    texts.push(cell);
                    Cell::Null
                }
            };
            cells.push((i, v));
        }
        let full_text = terms.of(&texts);
        // Move the text cells' strings instead of copying them.
        let mut typed = cells.into_iter().peekable();
        let mut out = Vec::with_capacity(raw.len());
        for (i, s) in raw.into_iter().enumerate() {
            if typed.peek().is_some_and(|(j, _)| *j == i) {
                if let Some((_, v)) = typed.next() {
                    out.push(v);
                }
            } else if s.is_empty() {
                out.push(Cell::Null);
            } else {
                out.push(Cell::Text(Cow::Owned(s)));
            }
        }
        rows.push(Row {
            cells: out,
            full_text,
            misfits: misfits.map(|m| Value::Object(m).to_string()),
        });
    }
    let columns: Vec<Value> = fields
        .iter()
        .zip(table.columns.iter())
        .enumerate()
        .map(|(i, (f, c))| {
            json!({
                "id": f.id,
                "header": c.header,
                "inferred": field_type_of(c.inferred).as_str(),
                "type": f.ty.as_str(),
                "misfits": misfit_counts[i],
                "misfit_values": misfit_list[i],
            })
        })
        .collect();
    let diagnostics: Vec<Value> = table
        .diagnostics
        .iter()
        .filter(|d| d.kind.id() != "type_mismatch")
        .take(200)
        .map(|d| json!({"kind": d.kind.id(), "row": d.row, "column": d.column, "message": d.message}))
        .collect();
    let report = json!({
        "format": format,
        "encoding": table.encoding,
        "bom": table.bom,
        "delimiter": table.delimiter.map(|d| (d as char).to_string()),
        "header_row": table.header_row,
        "sheet": table.name,
        "sheets": sheet_names,
        "rows": rows.len(),
        "columns": columns,
        "misfits": misfit_counts.iter().sum::<usize>(),
        "diagnostics": diagnostics,
    });
    Ok(Prepared {
        fields,
        rows,
        report,
    })
}

/// The ingest job: loads a resource's file into a new table and swaps it in.
pub async fn ingest_job(portal: Portal, job: Job, ctx: JobContext) -> Result<JobOutcome> {
    let rid = job.subject.clone();
    let sys = system_viewer();
    let (_, r) = match portal.show_resource(&sys, &rid) {
        Ok(x) => x,
        Err(ActionError::NotFound(_)) => {
            return Ok(JobOutcome::done("the resource no longer exists"));
        }
        Err(e) => return Err(e),
    };
    let fail = |msg: String| {
        let portal = portal.clone();
        let rid = rid.clone();
        async move {
            portal
                .store
                .ds_set_status(&rid, "error", &msg, now())
                .await?;
            Err::<JobOutcome, _>(ActionError::invalid("datastore", msg))
        }
    };
    let Some(key) = r.blob_key.clone().filter(|_| r.is_upload()) else {
        return fail("The resource has no uploaded file to load".into()).await;
    };
    portal
        .store
        .ds_set_status(&rid, "running", "", now())
        .await?;
    let mut reader = portal.blobs.open(&key).await?;
    let mut bytes = Vec::with_capacity(usize::try_from(reader.size).unwrap_or(0));
    while let Some(chunk) = reader.stream.next().await {
        let chunk = chunk.map_err(|e| ActionError::Internal(format!("reading {key}: {e}")))?;
        bytes.extend_from_slice(&chunk);
    }
    let previous = portal.store.ds_table(&rid).await?;
    let overrides = previous
        .as_ref()
        .map(|t| t.overrides.clone())
        .unwrap_or_default();
    let sheet = r
        .extras
        .get(SHEET_EXTRA)
        .and_then(Value::as_str)
        .map(str::to_string);
    let (format, name) = (r.format.clone(), r.url.clone());
    let ov = overrides.clone();
    let prepared =
        tokio::task::spawn_blocking(move || prepare(&bytes, &format, &name, &ov, sheet.as_deref()))
            .await
            .map_err(|e| ActionError::Internal(format!("ingest task: {e}")))?;
    let prepared = match prepared {
        Ok(p) => p,
        Err(msg) => return fail(msg).await,
    };
    let total = prepared.rows.len() as i64;
    let table = portal.store.ds_create_table(&prepared.fields, &[]).await?;
    let mut done = 0i64;
    for chunk in prepared.rows.chunks(LOAD_CHUNK_ROWS) {
        let loaded = portal
            .store
            .ds_load_rows(&table, &prepared.fields, chunk)
            .await;
        if let Err(e) = loaded {
            let _ = portal.store.ds_drop_table(&table).await;
            let msg = format!("The rows could not be stored: {e}");
            portal
                .store
                .ds_set_status(&rid, "error", &msg, now())
                .await?;
            return Err(ActionError::Internal(msg));
        }
        done += chunk.len() as i64;
        if let Err(e) = ctx.progress(done, total).await {
            let _ = portal.store.ds_drop_table(&table).await;
            return Err(e);
        }
    }
    let message = format!("{total} rows loaded");
    let meta = DatastoreTable {
        resource_id: rid.clone(),
        table_name: table.clone(),
        fields: prepared.fields,
        overrides,
        primary_key: vec![],
        row_count: total,
        source: TableSource::File,
        status: "done".into(),
        message: message.clone(),
        report: prepared.report,
        created: now(),
        modified: now(),
    };
    if let Err(e) = portal.store.ds_publish(&meta).await {
        let _ = portal.store.ds_drop_table(&table).await;
        return Err(e.into());
    }
    portal.set_datastore_active(&rid, true).await?;
    // The table answers already; its column indexes are built next, by a
    // job of their own.
    portal
        .enqueue_job(INDEX_JOB, &rid, json!({"table": table}), None)
        .await?;
    Ok(JobOutcome::done(message))
}

/// The index job: builds the column indexes of a freshly loaded table
/// (payload `{"table": name}`), unless that table was replaced meanwhile.
/// Idempotent (`CREATE INDEX IF NOT EXISTS`).
pub async fn index_job(portal: Portal, job: Job, _ctx: JobContext) -> Result<JobOutcome> {
    let Some(table) = job.payload.get("table").and_then(Value::as_str) else {
        return Ok(JobOutcome::done("no table named"));
    };
    let live = portal
        .store
        .ds_table(&job.subject)
        .await?
        .filter(|t| t.table_name == table);
    let Some(t) = live else {
        return Ok(JobOutcome::done("the table was replaced; nothing to index"));
    };
    let n = portal.store.ds_index_columns(table, &t.fields).await?;
    Ok(JobOutcome::done(format!("{n} column indexes built")))
}

/// A JSON value as a bind of a column of type `ty`; `None` when it does
/// not fit.
fn bind_of(v: &Value, ty: FieldType) -> Option<Bind> {
    Some(match v {
        Value::Null => Bind::Null(ty),
        Value::String(s) if s.trim().is_empty() && ty != FieldType::Text => Bind::Null(ty),
        Value::Bool(b) if ty == FieldType::Bool => Bind::Bool(*b),
        Value::Number(n) if ty == FieldType::Int => Bind::Int(n.as_i64()?),
        Value::Number(n) if ty == FieldType::Numeric => Bind::Num(n.as_f64()?),
        Value::Number(n) if ty == FieldType::Text => Bind::Text(n.to_string()),
        Value::String(s) => match ty {
            FieldType::Text => Bind::Text(s.clone()),
            t => match misto_tabular::parse_value(s, column_type_of(t)) {
                TValue::Integer(n) => Bind::Int(n),
                TValue::Decimal(f) => Bind::Num(f),
                TValue::Boolean(b) => Bind::Bool(b),
                TValue::Date(d) => Bind::Text(d.format("%Y-%m-%d").to_string()),
                TValue::DateTime(d) => Bind::Text(d.format("%Y-%m-%dT%H:%M:%S").to_string()),
                TValue::Null => Bind::Null(t),
                _ => return None,
            },
        },
        _ => return None,
    })
}

impl Portal {
    /// Queues the ingest of a resource's file (after an upload).
    pub async fn enqueue_datastore_ingest(&self, resource_id: &str) -> Result<String> {
        self.store
            .ds_set_status(resource_id, "pending", "", now())
            .await?;
        self.enqueue_job(INGEST_JOB, resource_id, json!({}), None)
            .await
    }

    /// Called after a resource was created or changed: queues an ingest when
    /// a tabular file was uploaded. Never fails the upload.
    pub(crate) async fn datastore_after_upload(&self, resource: Option<&Resource>) {
        let Some(r) = resource.filter(|r| r.is_upload() && is_tabular(r)) else {
            return;
        };
        if let Err(e) = self.enqueue_datastore_ingest(&r.id).await {
            tracing::warn!(resource = %r.id, error = %e, "could not queue the datastore ingest");
        }
    }

    /// Sets the resource's `datastore_active` flag (a system extra of the
    /// resource, saved without a new revision of the dataset so that
    /// publishers editing it at the same time are not refused), unless it
    /// already has that value.
    pub async fn set_datastore_active(&self, resource_id: &str, active: bool) -> Result<()> {
        let (_, r) = self.show_resource(&system_viewer(), resource_id)?;
        let has = r.extras.get(ACTIVE_EXTRA) == Some(&Value::Bool(true));
        if has == active {
            return Ok(());
        }
        self.store
            .ds_mark_resource(
                resource_id,
                ACTIVE_EXTRA,
                active.then_some(Value::Bool(true)),
            )
            .await?;
        self.refresh().await
    }

    /// The table and the last ingest of a resource the viewer may read.
    pub async fn datastore_state(
        &self,
        viewer: &Viewer,
        resource_id: &str,
    ) -> Result<DatastoreState> {
        self.show_resource(viewer, resource_id)?;
        let table = self.store.ds_table(resource_id).await?;
        let job = self.job_status(INGEST_JOB, resource_id).await?;
        Ok(DatastoreState { table, job })
    }

    /// The live table of a resource the viewer may read.
    async fn readable_table(&self, viewer: &Viewer, resource_id: &str) -> Result<DatastoreTable> {
        if resource_id.trim().is_empty() {
            return Err(ActionError::missing("resource_id"));
        }
        self.show_resource(viewer, resource_id)?;
        self.store
            .ds_table(resource_id)
            .await?
            .filter(DatastoreTable::is_active)
            .ok_or_else(|| {
                ActionError::not_found(format!(
                    "Resource \"{resource_id}\" was not found in the datastore"
                ))
            })
    }

    /// The live table of a resource the viewer may edit.
    async fn editable(
        &self,
        viewer: &Viewer,
        resource_id: &str,
    ) -> Result<(Resource, Option<DatastoreTable>)> {
        if resource_id.trim().is_empty() {
            return Err(ActionError::missing("resource_id"));
        }
        let (d, r) = self.show_resource(viewer, resource_id)?;
        if !can_edit_dataset(viewer, &d) {
            return Err(ActionError::denied(format!(
                "you may not change the datastore table of resource {resource_id}"
            )));
        }
        let t = self.store.ds_table(resource_id).await?;
        Ok((r, t))
    }

    fn ds_query(&self, table: &DatastoreTable, p: &SearchParams) -> Result<DsQuery> {
        let mut filters = Vec::new();
        for (col, values) in &p.filters {
            let field = table.field(col).ok_or_else(|| {
                ActionError::invalid("filters", format!("field \"{col}\" not in table"))
            })?;
            let mut binds = Vec::with_capacity(values.len());
            for v in values {
                binds.push(bind_of(v, field.ty).ok_or_else(|| {
                    ActionError::invalid(
                        "filters",
                        format!(
                            "{v} is not a valid {} for field \"{col}\"",
                            field.ty.as_str()
                        ),
                    )
                })?);
            }
            filters.push(DsFilter {
                column: col.clone(),
                values: binds,
            });
        }
        for f in &p.fields {
            if f != ID_COLUMN && table.field(f).is_none() {
                return Err(ActionError::invalid(
                    "fields",
                    format!("field \"{f}\" not in table"),
                ));
            }
        }
        for (s, _) in &p.sort {
            if s != ID_COLUMN && table.field(s).is_none() {
                return Err(ActionError::invalid(
                    "sort",
                    format!("field \"{s}\" not in table"),
                ));
            }
        }
        if p.distinct {
            let shown: Vec<&str> = if p.fields.is_empty() {
                table.fields.iter().map(|f| f.id.as_str()).collect()
            } else {
                p.fields.iter().map(String::as_str).collect()
            };
            if let Some((s, _)) = p.sort.iter().find(|(s, _)| !shown.contains(&s.as_str())) {
                return Err(ActionError::invalid(
                    "sort",
                    format!("with distinct, sort only by returned fields, not \"{s}\""),
                ));
            }
        }
        let fields = if p.distinct && p.fields.is_empty() {
            table.fields.iter().map(|f| f.id.clone()).collect()
        } else {
            p.fields.clone()
        };
        Ok(DsQuery {
            filters,
            terms: p.q.as_deref().map(query_terms).unwrap_or_default(),
            fields,
            sort: p.sort.clone(),
            distinct: p.distinct,
            limit: p.limit.clamp(0, MAX_LIMIT),
            offset: p.offset.max(0),
            include_total: p.include_total,
            after_id: None,
        })
    }

    /// `datastore_search`.
    pub async fn datastore_search(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        p: &SearchParams,
    ) -> Result<(DatastoreTable, DsRows)> {
        let table = self.readable_table(viewer, resource_id).await?;
        let q = self.ds_query(&table, p)?;
        let rows = self.store.ds_search(&table, &q).await?;
        Ok((table, rows))
    }

    /// A dump page of at most `page` rows: with `after_id`, the rows after
    /// that `_id` in `_id` order (keyset paging, for unsorted dumps); else
    /// the rows at `p.offset` in the requested order.
    pub async fn datastore_page(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        p: &SearchParams,
        after_id: Option<i64>,
        page: i64,
    ) -> Result<(DatastoreTable, DsRows)> {
        let table = self.readable_table(viewer, resource_id).await?;
        let mut q = self.ds_query(&table, p)?;
        q.limit = page;
        q.include_total = false;
        if after_id.is_some() {
            q.after_id = after_id;
            q.offset = 0;
            q.sort.clear();
            if !q.fields.is_empty() && !q.fields.iter().any(|f| f == ID_COLUMN) {
                q.fields.insert(0, ID_COLUMN.into());
            }
        }
        let rows = self.store.ds_search(&table, &q).await?;
        Ok((table, rows))
    }

    /// A group-by aggregate for charts: `(x value, aggregate of y)`.
    pub async fn datastore_aggregate(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        p: &SearchParams,
        x: &str,
        agg: Aggregate,
        y: Option<&str>,
    ) -> Result<Vec<(Value, Option<f64>)>> {
        let table = self.readable_table(viewer, resource_id).await?;
        if table.field(x).is_none() {
            return Err(ActionError::invalid(
                "x",
                format!("field \"{x}\" not in table"),
            ));
        }
        if let Some(y) = y
            && agg != Aggregate::Count
            && !table.field(y).is_some_and(|f| f.ty.is_number())
        {
            return Err(ActionError::invalid(
                "y",
                format!("field \"{y}\" is not a number"),
            ));
        }
        let q = self.ds_query(&table, p)?;
        Ok(self.store.ds_aggregate(&table, &q, x, agg, y, 1000).await?)
    }

    /// `datastore_search_sql`: one read-only SELECT over the tables of the
    /// resources the viewer may read.
    pub async fn datastore_search_sql(&self, viewer: &Viewer, sql: &str) -> Result<SqlOutcome> {
        if sql.trim().is_empty() {
            return Err(ActionError::missing("sql"));
        }
        let ids = self.store.ds_active_resources().await?;
        let readable: HashSet<String> = ids
            .into_iter()
            .filter(|id| self.show_resource(viewer, id).is_ok())
            .collect();
        let cfg = &self.config.datastore;
        match self
            .store
            .ds_sql(sql, &readable, cfg.sql_timeout, cfg.sql_rows_max)
            .await?
        {
            Ok(o) => Ok(o),
            Err(refusal) => Err(ActionError::invalid("sql", refusal.0)),
        }
    }

    /// `datastore_create`. On a resource with an uploaded file and without
    /// records, `fields` are type overrides: they are kept and the file is
    /// loaded again. Otherwise it creates (or extends) an API-managed table
    /// and inserts `records`.
    pub async fn datastore_create(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        fields: Vec<Field>,
        records: Vec<serde_json::Map<String, Value>>,
        primary_key: Vec<String>,
    ) -> Result<DatastoreTable> {
        let (r, existing) = self.editable(viewer, resource_id).await?;
        let file_table = r.is_upload()
            && is_tabular(&r)
            && existing
                .as_ref()
                .is_none_or(|t| t.source == TableSource::File);
        if file_table && records.is_empty() {
            let overrides: BTreeMap<String, FieldType> =
                fields.iter().map(|f| (f.id.clone(), f.ty)).collect();
            self.store
                .ds_set_overrides(resource_id, &overrides, now())
                .await?;
            self.enqueue_datastore_ingest(resource_id).await?;
            return self
                .store
                .ds_table(resource_id)
                .await?
                .ok_or_else(|| ActionError::not_found("datastore table"));
        }
        let mut errors = misto_core::FieldErrors::new();
        for f in &fields {
            if f.id.trim().is_empty() || f.id.starts_with('_') || f.id.len() > 63 {
                errors.add(
                    "fields",
                    format!(
                        "\"{}\" is not a valid field name (1–63 bytes, not starting with _)",
                        f.id
                    ),
                );
            }
        }
        for k in &primary_key {
            if !fields.iter().any(|f| &f.id == k)
                && existing.as_ref().is_none_or(|t| t.field(k).is_none())
            {
                errors.add("primary_key", format!("field \"{k}\" not in table"));
            }
        }
        errors.into_result()?;
        let table = match existing.filter(DatastoreTable::is_active) {
            Some(t) => {
                let mut new_fields = Vec::new();
                for f in &fields {
                    match t.field(&f.id) {
                        Some(old) if old.ty != f.ty => {
                            return Err(ActionError::invalid(
                                "fields",
                                format!(
                                    "field \"{}\" is {} in the table, not {}",
                                    f.id,
                                    old.ty.as_str(),
                                    f.ty.as_str()
                                ),
                            ));
                        }
                        Some(_) => {}
                        None => new_fields.push(f.clone()),
                    }
                }
                if new_fields.is_empty() {
                    t
                } else {
                    self.store.ds_add_fields(resource_id, &new_fields).await?
                }
            }
            None => {
                if fields.is_empty() {
                    return Err(ActionError::missing("fields"));
                }
                let name = self.store.ds_create_table(&fields, &primary_key).await?;
                let meta = DatastoreTable {
                    resource_id: resource_id.to_string(),
                    table_name: name.clone(),
                    fields,
                    overrides: BTreeMap::new(),
                    primary_key,
                    row_count: 0,
                    source: TableSource::Api,
                    status: "done".into(),
                    message: String::new(),
                    report: json!({}),
                    created: now(),
                    modified: now(),
                };
                match self.store.ds_publish(&meta).await {
                    Ok(t) => t,
                    Err(e) => {
                        let _ = self.store.ds_drop_table(&name).await;
                        return Err(e.into());
                    }
                }
            }
        };
        if !records.is_empty() {
            self.write_records(&table, WriteMethod::Insert, records)
                .await?;
        }
        self.set_datastore_active(resource_id, true).await?;
        Ok(self.store.ds_table(resource_id).await?.unwrap_or(table))
    }

    /// `datastore_upsert`.
    pub async fn datastore_upsert(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        records: Vec<serde_json::Map<String, Value>>,
        method: WriteMethod,
    ) -> Result<(DatastoreTable, u64)> {
        let (_, t) = self.editable(viewer, resource_id).await?;
        let table = t.filter(DatastoreTable::is_active).ok_or_else(|| {
            ActionError::not_found(format!(
                "Resource \"{resource_id}\" was not found in the datastore"
            ))
        })?;
        let n = self.write_records(&table, method, records).await?;
        Ok((table, n))
    }

    async fn write_records(
        &self,
        table: &DatastoreTable,
        method: WriteMethod,
        records: Vec<serde_json::Map<String, Value>>,
    ) -> Result<u64> {
        let key: Vec<String> = if table.primary_key.is_empty() {
            vec![ID_COLUMN.to_string()]
        } else {
            table.primary_key.clone()
        };
        if method != WriteMethod::Insert
            && key == [ID_COLUMN]
            && records.iter().any(|r| !r.contains_key(ID_COLUMN))
        {
            return Err(ActionError::invalid(
                "records",
                "update and upsert need a primary_key or an _id in every record",
            ));
        }
        let mut errors = misto_core::FieldErrors::new();
        let mut rows = Vec::with_capacity(records.len());
        let mut terms = Terms::new();
        for (n, rec) in records.iter().enumerate() {
            for k in rec.keys() {
                if k != ID_COLUMN && table.field(k).is_none() {
                    errors.add(
                        "records",
                        format!("record {}: field \"{k}\" not in table", n + 1),
                    );
                }
            }
            // Updates merge with the stored row, so that fields left out
            // keep their values (and the full text covers the whole row).
            let mut stored: Option<Vec<Value>> = None;
            if method != WriteMethod::Insert {
                let mut kv = Vec::new();
                for k in &key {
                    let ty = table.field(k).map_or(FieldType::Int, |f| f.ty);
                    match rec.get(k).and_then(|v| bind_of(v, ty)) {
                        Some(b) => kv.push((k.clone(), b)),
                        None => {
                            errors.add("records", format!("record {}: missing key \"{k}\"", n + 1))
                        }
                    }
                }
                if kv.len() == key.len() {
                    stored = self.store.ds_find_row(table, &kv).await?.map(|(_, v)| v);
                }
            }
            let mut binds = Vec::with_capacity(table.fields.len());
            let mut texts: Vec<String> = Vec::new();
            for (i, f) in table.fields.iter().enumerate() {
                let v = rec
                    .get(&f.id)
                    .or_else(|| stored.as_ref().and_then(|s| s.get(i)))
                    .cloned()
                    .unwrap_or(Value::Null);
                match bind_of(&v, f.ty) {
                    Some(b) => {
                        if let Bind::Text(s) = &b
                            && f.ty == FieldType::Text
                        {
                            texts.push(s.clone());
                        }
                        binds.push(b);
                    }
                    None => errors.add(
                        "records",
                        format!(
                            "record {}: {v} is not a valid {} for \"{}\"",
                            n + 1,
                            f.ty.as_str(),
                            f.id
                        ),
                    ),
                }
            }
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            rows.push((binds, terms.of(&refs)));
        }
        errors.into_result()?;
        let key_cols: Vec<String> = if key == [ID_COLUMN] { vec![] } else { key };
        if method != WriteMethod::Insert && key_cols.is_empty() {
            // Keyed by _id: update the rows by id, one by one.
            let mut n = 0;
            for (rec, (binds, ft)) in records.iter().zip(rows) {
                let id = rec
                    .get(ID_COLUMN)
                    .and_then(Value::as_i64)
                    .ok_or_else(|| ActionError::invalid("records", "_id must be an integer"))?;
                let mut with_id = binds;
                with_id.push(Bind::Int(id));
                n += self
                    .store
                    .ds_write_records(
                        &with_id_table(table),
                        WriteMethod::Update,
                        &[ID_COLUMN.to_string()],
                        &[(with_id, ft)],
                    )
                    .await?
                    .map_err(|m| ActionError::invalid("records", m))?;
            }
            return Ok(n);
        }
        self.store
            .ds_write_records(table, method, &key_cols, &rows)
            .await?
            .map_err(|m| ActionError::invalid("records", m))
    }

    /// `datastore_delete` (no filters: the whole table) and
    /// `datastore_records_delete` (filters required).
    pub async fn datastore_delete(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        filters: Option<Vec<(String, Vec<Value>)>>,
    ) -> Result<u64> {
        let (_, t) = self.editable(viewer, resource_id).await?;
        let table = t.filter(DatastoreTable::is_active).ok_or_else(|| {
            ActionError::not_found(format!(
                "Resource \"{resource_id}\" was not found in the datastore"
            ))
        })?;
        match filters {
            None => {
                self.store.ds_delete(resource_id).await?;
                self.set_datastore_active(resource_id, false).await?;
                Ok(table.row_count as u64)
            }
            Some(f) => {
                let q = self.ds_query(
                    &table,
                    &SearchParams {
                        filters: f,
                        ..SearchParams::default()
                    },
                )?;
                Ok(self.store.ds_delete_rows(&table, &q.filters).await?)
            }
        }
    }
}

/// The table with `_id` as an extra last "field", for updates keyed by id.
fn with_id_table(t: &DatastoreTable) -> DatastoreTable {
    let mut t = t.clone();
    t.fields.push(Field {
        id: ID_COLUMN.into(),
        ty: FieldType::Int,
        info: None,
    });
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_unique() {
        let got = column_names(&[
            "_id".into(),
            "".into(),
            "Назва".into(),
            "назва".into(),
            "х".repeat(40),
        ]);
        assert_eq!(got[0], "id");
        assert_eq!(got[1], "column_2");
        assert_eq!(got[2], "Назва");
        assert_eq!(got[3], "назва_2");
        assert!(got[4].len() <= 63);
    }

    #[test]
    fn prepare_types_and_keeps_misfits() {
        let csv = format!(
            "назва;сума;дата;активний\n{}Садок;н/д;03.02.2024;ні\n",
            "Школа №1;12,5;01.02.2024;так\n".repeat(19)
        );
        let p = prepare(csv.as_bytes(), "CSV", "x.csv", &BTreeMap::new(), None).unwrap();
        let types: Vec<&str> = p.fields.iter().map(|f| f.ty.as_str()).collect();
        assert_eq!(types, ["text", "numeric", "date", "bool"]);
        assert_eq!(p.rows.len(), 20);
        assert_eq!(p.rows[0].cells[1], Cell::Num(12.5));
        assert_eq!(p.rows[0].cells[2], Cell::Text(Cow::Borrowed("2024-02-01")));
        assert_eq!(p.rows[19].cells[1], Cell::Null);
        assert_eq!(p.rows[19].misfits.as_deref(), Some("{\"сума\":\"н/д\"}"));
        assert!(p.rows[0].full_text.contains(" школ"));
        assert_eq!(p.report["misfits"], json!(1));
        // An override wins over the inferred type.
        let ov: BTreeMap<String, FieldType> = [("сума".to_string(), FieldType::Text)].into();
        let p = prepare(csv.as_bytes(), "CSV", "x.csv", &ov, None).unwrap();
        assert_eq!(p.fields[1].ty, FieldType::Text);
        assert_eq!(p.report["misfits"], json!(0));
    }
}
