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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::BuildHasherDefault;

use chrono::{Datelike, Timelike};

use misto_core::datastore::{
    DatastoreTable, Field, FieldType, ID_COLUMN, RowBatch, Slot, TableSource,
};
use misto_core::time::now;
use misto_core::{Job, Resource, Viewer, auth::can_edit_dataset};
/// Types of the store's datastore API that callers of these actions use.
pub use misto_store::datastore::{AggFn, AggSpec, Aggregate, DsRows, SqlOutcome, WriteMethod};
use misto_store::datastore::{Bind, DsFilter, DsQuery};
use misto_tabular::{ColumnType, Format, Value as TValue};
use serde_json::{Value, json};

use crate::accounts::system_viewer;
use crate::jobs::{JobContext, JobOutcome};
use crate::{ActionError, Portal, Result};

/// The job kind of an ingest; its subject is the resource id.
pub const INGEST_JOB: &str = "datastore_ingest";
/// The job kind that downloads a linked (not uploaded) tabular file and
/// loads it; its subject is the resource id. Its handler lives in
/// `misto-harvest` (the crate with the HTTP client), which calls
/// [`Portal::datastore_load_download`].
pub const FETCH_JOB: &str = "datastore_fetch";
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
    /// Which linked (not uploaded) tabular files are downloaded and loaded
    /// (default here: none; the binary's default: from any host).
    pub fetch_links: FetchLinks,
}

impl Default for DatastoreConfig {
    fn default() -> Self {
        Self {
            sql_timeout: std::time::Duration::from_secs(5),
            sql_rows_max: 32_000,
            tile_url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".into(),
            fetch_links: FetchLinks::Off,
        }
    }
}

/// Bounds how many `datastore_search_sql` queries run at once (each may
/// take its time limit and its memory bounds), in all and per caller.
#[derive(Default)]
pub struct SqlGate {
    running: std::sync::Mutex<HashMap<String, usize>>,
}

/// A running query's place in the [`SqlGate`]; leaving frees it.
pub struct SqlPermit<'a> {
    gate: &'a SqlGate,
    caller: String,
}

impl SqlGate {
    /// Queries running at once in one process.
    pub const RUNNING: usize = 4;
    /// Queries one caller may run at once.
    pub const PER_CALLER: usize = 2;

    fn enter(&self, user_id: Option<&str>) -> Result<SqlPermit<'_>> {
        let caller = user_id.unwrap_or("").to_string();
        let mut running = self
            .running
            .lock()
            .map_err(|_| ActionError::Internal("SQL gate poisoned".into()))?;
        let total: usize = running.values().sum();
        let mine = running.get(&caller).copied().unwrap_or(0);
        if total >= Self::RUNNING || mine >= Self::PER_CALLER {
            return Err(ActionError::TooMany(
                "Too many SQL queries are running; try again in a few seconds".into(),
            ));
        }
        *running.entry(caller.clone()).or_insert(0) += 1;
        Ok(SqlPermit { gate: self, caller })
    }
}

impl Drop for SqlPermit<'_> {
    fn drop(&mut self) {
        if let Ok(mut running) = self.gate.running.lock()
            && let Some(n) = running.get_mut(&self.caller)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                running.remove(&self.caller);
            }
        }
    }
}

/// Which linked files the datastore downloads and loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchLinks {
    /// Linked files are not loaded.
    Off,
    /// From any `http(s)` URL.
    AnyHost,
    /// Only from these hosts (lowercase names or addresses).
    Hosts(Vec<String>),
}

impl FetchLinks {
    /// `all`, `off` (or `none`, empty), or a comma-separated list of hosts.
    pub fn parse(s: &str) -> FetchLinks {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" | "any" | "*" => FetchLinks::AnyHost,
            "" | "off" | "none" | "false" => FetchLinks::Off,
            list => FetchLinks::Hosts(
                list.split(',')
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
                    .collect(),
            ),
        }
    }

    /// Whether the file at `url` may be fetched.
    pub fn allows(&self, url: &str) -> bool {
        match self {
            FetchLinks::Off => false,
            FetchLinks::AnyHost => url_host(url).is_some(),
            FetchLinks::Hosts(hosts) => url_host(url).is_some_and(|h| hosts.contains(&h)),
        }
    }
}

/// The host of an `http(s)` URL, lowercase (an IPv6 address without its
/// brackets); `None` for other URLs.
pub fn url_host(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    (!host.is_empty()).then(|| host.to_string())
}

/// Whether a resource links (not uploads) a file the datastore can fetch
/// and load: a tabular format and an `http(s)` URL.
pub fn is_fetchable(r: &Resource) -> bool {
    !r.is_upload() && is_tabular(r) && url_host(&r.url).is_some()
}

/// A size limit for messages: `100 MB`, `4 KB`.
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
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
/// ` a b c ` (so that whole terms can be matched). Repeated values
/// (districts, categories) are analysed once: a cache per value, used for a
/// column while at least a quarter of its lookups hit (columns of unique
/// values, like codes and names, stop using it after 1,000 lookups).
struct Terms {
    cache: HashMap<String, String, BuildHasherDefault<rustc_hash::FxHasher>>,
    /// Per column: (lookups, hits).
    stats: Vec<(u32, u32)>,
    buffers: misto_search::analysis::TermBuffers,
}

impl Terms {
    fn new() -> Self {
        Self {
            cache: HashMap::default(),
            stats: Vec::new(),
            buffers: Default::default(),
        }
    }

    /// The terms of the texts of one row, each with its column.
    fn of<'t>(&mut self, texts: impl IntoIterator<Item = (usize, &'t str)>) -> String {
        let mut out = String::with_capacity(64);
        out.push(' ');
        for (col, t) in texts {
            self.add(col, t, &mut out);
        }
        out
    }

    /// Appends the terms of text `t` of column `col` to `out`, each
    /// followed by a space.
    fn add(&mut self, col: usize, t: &str, out: &mut String) {
        if t.is_empty() {
            return;
        }
        if col >= self.stats.len() {
            self.stats.resize(col + 1, (0, 0));
        }
        let (lookups, hits) = self.stats[col];
        let cached = lookups < 1000 || hits >= lookups / 4;
        if cached {
            self.stats[col].0 = lookups.saturating_add(1);
            if let Some(hit) = self.cache.get(t) {
                self.stats[col].1 = hits.saturating_add(1);
                out.push_str(hit);
                return;
            }
        }
        let start = out.len();
        misto_search::analysis::for_each_term_in(&mut self.buffers, t, |term| {
            out.push_str(term);
            out.push(' ');
        });
        if cached {
            if self.cache.len() > 200_000 {
                self.cache.clear();
            }
            self.cache.insert(t.to_string(), out[start..].to_string());
        }
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

/// Rows sent at a time from the reading thread to the loader (fewer for
/// wide tables: see [`chunk_rows`]).
const READ_CHUNK_ROWS: usize = 20_000;

/// Cells (slots) a chunk may hold, so that a chunk of a wide table costs no
/// more memory than one of a narrow table (16 bytes a slot: about 6 MB).
const READ_CHUNK_CELLS: usize = 400_000;

/// Rows per chunk for a table of `width` columns.
fn chunk_rows(width: usize) -> usize {
    (READ_CHUNK_CELLS / (width + 2)).clamp(1, READ_CHUNK_ROWS)
}

/// What the reading thread hands the loader, in order: `Start`, then
/// `Rows` (any number), then `Done`; or `Failed` at any point.
enum Loaded {
    Start { fields: Vec<Field>, total: i64 },
    Rows(RowBatch),
    Done(Value),
    Failed(String),
}

/// The fields of a table: its columns' names made safe, with the
/// publisher's overrides over the inferred types.
fn fields_of(
    columns: &[misto_tabular::Column],
    overrides: &BTreeMap<String, FieldType>,
) -> Vec<Field> {
    let names = column_names(&columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>());
    columns
        .iter()
        .zip(names)
        .map(|(c, name)| {
            let ty = overrides
                .get(&name)
                .or_else(|| overrides.get(&c.name))
                .copied()
                .unwrap_or_else(|| field_type_of(c.inferred));
            Field {
                id: name,
                ty,
                info: None,
            }
        })
        .collect()
}

/// Turns rows of cells (as written) into typed rows: values of typed
/// columns parsed, values that do not fit kept in `_misfits` and counted,
/// and the full-text terms.
struct RowTyper {
    fields: Vec<Field>,
    types: Vec<(FieldType, ColumnType)>,
    misfit_counts: Vec<usize>,
    misfit_list: Vec<Vec<Value>>,
    terms: Terms,
    rows: usize,
    /// The current row's values, typed (reused from row to row).
    parsed: Vec<Parsed>,
}

/// A typed value of the row being written, before it goes into the batch.
#[derive(Debug, Clone, Copy)]
enum Parsed {
    Slot(Slot),
    Text,
    Date(chrono::NaiveDate),
    DateTime(chrono::NaiveDateTime),
    Invalid,
}

fn typed_slot(v: &TValue<'_>) -> Parsed {
    match v {
        TValue::Null => Parsed::Slot(Slot::Null),
        TValue::Text(_) => Parsed::Text,
        TValue::Integer(v) => Parsed::Slot(Slot::Int(*v)),
        TValue::Decimal(v) => Parsed::Slot(Slot::Num(*v)),
        TValue::Boolean(v) => Parsed::Slot(Slot::Bool(*v)),
        TValue::Date(d) => Parsed::Date(*d),
        TValue::DateTime(d) => Parsed::DateTime(*d),
        TValue::Invalid(_) => Parsed::Invalid,
    }
}

/// Appends a date as `yyyy-mm-dd` (chrono's `%Y-%m-%d`, without parsing
/// a format string for every value).
fn write_date(out: &mut String, d: chrono::NaiveDate) {
    let y = d.year();
    if (0..=9999).contains(&y) {
        let _ = write!(out, "{y:04}-{:02}-{:02}", d.month(), d.day());
    } else {
        let _ = write!(out, "{}", d.format("%Y-%m-%d"));
    }
}

impl RowTyper {
    fn new(fields: &[Field]) -> Self {
        RowTyper {
            fields: fields.to_vec(),
            types: fields
                .iter()
                .map(|f| (f.ty, column_type_of(f.ty)))
                .collect(),
            misfit_counts: vec![0; fields.len()],
            misfit_list: vec![Vec::new(); fields.len()],
            terms: Terms::new(),
            rows: 0,
            parsed: Vec::with_capacity(fields.len()),
        }
    }

    /// Types one row (cells as written, one per field) into `batch`.
    fn push_row<S: AsRef<str>>(&mut self, batch: &mut RowBatch, line: usize, raw: &[S]) {
        let cell = |i: usize| raw.get(i).map_or("", |c| c.as_ref());
        // The full text first: the text cells, and the values that do not
        // fit their column (typed now, kept for the cells below).
        self.parsed.clear();
        let ft = batch.text_mut().len();
        batch.text_mut().push(' ');
        for (i, &(ty, cty)) in self.types.iter().enumerate() {
            let c = cell(i);
            let v = if ty == FieldType::Text {
                TValue::Text(c)
            } else {
                misto_tabular::parse_value(c, cty)
            };
            if matches!(v, TValue::Text(_) | TValue::Invalid(_)) {
                self.terms.add(i, c, batch.text_mut());
            }
            self.parsed.push(typed_slot(&v));
        }
        batch.push_text_from(ft);
        // The misfits, as a JSON object.
        let mut misfits: Option<serde_json::Map<String, Value>> = None;
        for (i, &(ty, _)) in self.types.iter().enumerate() {
            if ty != FieldType::Text && matches!(self.parsed[i], Parsed::Invalid) {
                let v = cell(i);
                self.misfit_counts[i] += 1;
                if self.misfit_list[i].len() < MISFITS_LISTED {
                    self.misfit_list[i].push(json!({"row": line, "value": v}));
                }
                misfits
                    .get_or_insert_with(serde_json::Map::new)
                    .insert(self.fields[i].id.clone(), Value::String(v.to_string()));
            }
        }
        match misfits {
            Some(m) => batch.push_text(&Value::Object(m).to_string()),
            None => batch.push(Slot::Null),
        }
        for i in 0..self.types.len() {
            match self.parsed[i] {
                Parsed::Slot(s) => batch.push(s),
                Parsed::Invalid => batch.push(Slot::Null),
                Parsed::Text => {
                    let c = cell(i);
                    if c.is_empty() {
                        batch.push(Slot::Null);
                    } else {
                        batch.push_text(c);
                    }
                }
                Parsed::Date(d) => {
                    let start = batch.text_mut().len();
                    write_date(batch.text_mut(), d);
                    batch.push_text_from(start);
                }
                Parsed::DateTime(d) => {
                    let start = batch.text_mut().len();
                    write_date(batch.text_mut(), d.date());
                    let t = d.time();
                    let _ = write!(
                        batch.text_mut(),
                        "T{:02}:{:02}:{:02}",
                        t.hour(),
                        t.minute(),
                        t.second()
                    );
                    batch.push_text_from(start);
                }
            }
        }
        self.rows += 1;
    }

    /// The ingest report of a table read with these rows.
    fn report(&self, format: &str, table: &misto_tabular::Table, sheets: &[String]) -> Value {
        let columns: Vec<Value> = self
            .fields
            .iter()
            .zip(table.columns.iter())
            .enumerate()
            .map(|(i, (f, c))| {
                json!({
                    "id": f.id,
                    "header": c.header,
                    "inferred": field_type_of(c.inferred).as_str(),
                    "type": f.ty.as_str(),
                    "misfits": self.misfit_counts[i],
                    "misfit_values": self.misfit_list[i],
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
        json!({
            "format": format,
            "encoding": table.encoding,
            "bom": table.bom,
            "delimiter": table.delimiter.map(|d| (d as char).to_string()),
            "header_row": table.header_row,
            "sheet": table.name,
            "sheets": sheets,
            "rows": self.rows,
            "columns": columns,
            "misfits": self.misfit_counts.iter().sum::<usize>(),
            "diagnostics": diagnostics,
        })
    }
}

/// Reads the file at `path` and hands its typed rows to `emit` in chunks
/// (blocking; runs off the async runtime). CSV and TSV stream in two
/// passes (types from every value, then the rows), in memory that does not
/// grow with the file; workbooks and JSON are read whole. `emit` returns
/// false to stop. Errors are messages for the publisher.
fn read_rows(
    path: &std::path::Path,
    format_label: &str,
    file_name: &str,
    overrides: &BTreeMap<String, FieldType>,
    sheet: Option<&str>,
    emit: &mut dyn FnMut(Loaded) -> bool,
) -> std::result::Result<(), String> {
    use std::io::Read;
    let unreadable = |e: &dyn std::fmt::Display| format!("The file could not be read: {e}");
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|e| unreadable(&e))?;
    if head.is_empty() {
        return Err(unreadable(&misto_tabular::ReadError::Empty));
    }
    let hint = Format::from_label(format_label);
    let format = Format::resolve(hint, file_name, &head);
    let table_name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_string();
    if matches!(format, Format::Csv | Format::Tsv | Format::Auto) {
        let mut open = || std::fs::File::open(path);
        let survey = misto_tabular::survey_delimited(
            &mut open,
            format == Format::Tsv,
            table_name.clone(),
            &misto_tabular::ReadOptions::default(),
        )
        .map_err(|e| unreadable(&e))?;
        let fields = fields_of(&survey.table.columns, overrides);
        let total = survey.rows as i64;
        if !emit(Loaded::Start {
            fields: fields.clone(),
            total,
        }) {
            return Ok(());
        }
        let mut typer = RowTyper::new(&fields);
        let width = fields.len();
        let per_chunk = chunk_rows(width);
        let mut chunk = RowBatch::new(width, per_chunk);
        let mut stopped = false;
        let file = std::fs::File::open(path).map_err(|e| unreadable(&e))?;
        let diagnostics = survey
            .for_each_row(file, |line, cells| {
                typer.push_row(&mut chunk, line, cells);
                if chunk.len() >= per_chunk || chunk.text_len() >= RowBatch::TEXT_LIMIT {
                    let full = std::mem::replace(&mut chunk, RowBatch::new(width, per_chunk));
                    if !emit(Loaded::Rows(full)) {
                        stopped = true;
                        return std::ops::ControlFlow::Break(());
                    }
                }
                std::ops::ControlFlow::Continue(())
            })
            .map_err(|e| unreadable(&e))?;
        if stopped || (!chunk.is_empty() && !emit(Loaded::Rows(chunk))) {
            return Ok(());
        }
        let mut table = survey.table;
        table.diagnostics = diagnostics;
        let label = if table.delimiter == Some(b'\t') && format == Format::Tsv {
            Format::Tsv.label()
        } else {
            Format::Csv.label()
        };
        emit(Loaded::Done(typer.report(label, &table, &[table_name])));
        return Ok(());
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(&e))?;
    let book = misto_tabular::read(&bytes, hint, file_name).map_err(|e| unreadable(&e))?;
    drop(bytes);
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
    let mut table = tables.swap_remove(idx);
    let fields = fields_of(&table.columns, overrides);
    if !emit(Loaded::Start {
        fields: fields.clone(),
        total: table.rows.len() as i64,
    }) {
        return Ok(());
    }
    let mut typer = RowTyper::new(&fields);
    let rows = std::mem::take(&mut table.rows);
    for (chunk, lines) in rows
        .chunks(chunk_rows(fields.len()))
        .zip(table.row_lines.chunks(chunk_rows(fields.len())))
    {
        let mut typed = RowBatch::new(fields.len(), chunk.len());
        for (raw, line) in chunk.iter().zip(lines) {
            typer.push_row(&mut typed, *line, raw);
        }
        if !emit(Loaded::Rows(typed)) {
            return Ok(());
        }
    }
    emit(Loaded::Done(typer.report(format, &table, &sheet_names)));
    Ok(())
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
    load_blob(&portal, &r, &key, &ctx).await
}

/// Loads the file in blob `key` as the table of resource `r` and swaps it
/// in (the ingest of an upload, and of a downloaded linked file).
async fn load_blob(
    portal: &Portal,
    r: &Resource,
    key: &str,
    ctx: &JobContext,
) -> Result<JobOutcome> {
    let rid = r.id.clone();
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
    let path = portal.blobs.local_copy(key).await?; // S3: a copy, removed on drop
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
    // The link (of a download or a linked file) without its query names
    // the file.
    let name = r.url.split(['?', '#']).next().unwrap_or("").to_string();
    let format = r.format.clone();
    let ov = overrides.clone();
    // One thread reads and types rows while this task loads the previous
    // chunk: the two cores each do half of the work.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Loaded>(2);
    let reader = tokio::task::spawn_blocking(move || {
        let mut emit = |m: Loaded| tx.blocking_send(m).is_ok();
        if let Err(msg) = read_rows(&path, &format, &name, &ov, sheet.as_deref(), &mut emit) {
            emit(Loaded::Failed(msg));
        }
    });
    let (fields, total) = match rx.recv().await {
        Some(Loaded::Start { fields, total }) => (fields, total),
        Some(Loaded::Failed(msg)) => return fail(msg).await,
        _ => {
            let msg = match reader.await {
                Err(e) => format!("ingest task: {e}"),
                Ok(()) => "ingest task: the reader stopped".to_string(),
            };
            return Err(ActionError::Internal(msg));
        }
    };
    // The rows go into a new table file: written to a local temporary
    // file a row group at a time, then stored as a blob under a key of its
    // own. The previous table answers until the metadata points at the new
    // one.
    let tmp = tempfile::tempfile().map_err(|e| ActionError::Internal(format!("temp file: {e}")))?;
    let mut writer = Some(
        misto_columnar::TableWriter::new(tmp, &fields)
            .map_err(|e| ActionError::Internal(e.to_string()))?,
    );
    let report = loop {
        let chunk = match rx.recv().await {
            Some(Loaded::Rows(rows)) => rows,
            Some(Loaded::Done(report)) => break report,
            Some(Loaded::Failed(msg)) => return fail(msg).await,
            Some(Loaded::Start { .. }) | None => {
                return Err(ActionError::Internal(
                    "ingest task: the reader stopped".into(),
                ));
            }
        };
        let Some(mut w) = writer.take() else {
            return Err(ActionError::Internal("ingest: no writer".into()));
        };
        // Encoding is CPU work: off the async threads.
        let (w, written) = tokio::task::spawn_blocking(move || {
            let r = w.push(&chunk);
            (w, r)
        })
        .await
        .map_err(|e| ActionError::Internal(format!("ingest task: {e}")))?;
        if let Err(e) = written {
            return not_stored(portal, &rid, e.to_string()).await;
        }
        let done = w.rows();
        writer = Some(w);
        ctx.progress(done, total.max(done)).await?;
    };
    let Some(w) = writer.take() else {
        return Err(ActionError::Internal("ingest: no writer".into()));
    };
    let finished = tokio::task::spawn_blocking(move || {
        let mut file = w.finish_into()?;
        use std::io::Seek;
        file.0
            .rewind()
            .map_err(|e| misto_columnar::ColumnarError::Internal(e.to_string()))?;
        Ok::<_, misto_columnar::ColumnarError>(file)
    })
    .await
    .map_err(|e| ActionError::Internal(format!("ingest task: {e}")))?;
    let file = match finished {
        Ok(f) => f,
        Err(e) => return not_stored(portal, &rid, e.to_string()).await,
    };
    let total = file.1;
    let key = format!("datastore/{rid}/{}.parquet", uuid::Uuid::new_v4().simple());
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file.0));
    if let Err(e) = portal.blobs.put_stream(&key, stream, u64::MAX).await {
        return not_stored(portal, &rid, e.to_string()).await;
    }
    let message = format!("{total} rows loaded");
    let meta = DatastoreTable {
        resource_id: rid.clone(),
        table_name: key.clone(),
        fields,
        overrides,
        primary_key: vec![],
        row_count: total,
        source: TableSource::File,
        status: "done".into(),
        message: message.clone(),
        report,
        created: now(),
        modified: now(),
    };
    if let Err(e) = portal.store.ds_publish(&meta).await {
        let _ = portal.blobs.delete(&key).await;
        return Err(e.into());
    }
    if let Some(old) = previous.as_ref().and_then(DatastoreTable::file_key) {
        portal.retire_table_file(old);
    }
    portal.set_datastore_active(&rid, true).await?;
    Ok(JobOutcome::done(message))
}

/// Records that a load's rows could not be stored (the previous table
/// keeps answering) and fails the job with the same message.
async fn not_stored<T>(portal: &Portal, rid: &str, detail: String) -> Result<T> {
    let msg = format!("The rows could not be stored: {detail}");
    portal
        .store
        .ds_set_status(rid, "error", &msg, now())
        .await?;
    Err(ActionError::Internal(msg))
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
    // The full-text index first: `q` is the one query that scans the whole
    // table without it.
    let fts = portal.store.ds_index_full_text(table, false).await?;
    let n = portal.store.ds_index_columns(table, &t.fields).await?;
    Ok(JobOutcome::done(format!(
        "{n} column indexes built{}",
        if fts { ", and the full-text index" } else { "" }
    )))
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

    /// Queues the download and load of a linked file.
    pub async fn enqueue_datastore_fetch(&self, resource_id: &str) -> Result<String> {
        self.store
            .ds_set_status(resource_id, "pending", "", now())
            .await?;
        self.enqueue_job(FETCH_JOB, resource_id, json!({}), None)
            .await
    }

    /// Called after a resource was created or changed: queues an ingest when
    /// a tabular file was uploaded, or a fetch when a tabular file is
    /// linked and the link is new (created, changed, or never loaded).
    /// `previous_url` is the link before an update (`None` on create).
    /// Never fails the save.
    pub(crate) async fn datastore_after_save(
        &self,
        resource: Option<&Resource>,
        uploaded: bool,
        previous_url: Option<&str>,
    ) {
        let Some(r) = resource else {
            return;
        };
        let queued = if uploaded && r.is_upload() && is_tabular(r) {
            self.enqueue_datastore_ingest(&r.id).await
        } else if is_fetchable(r) && self.config.datastore.fetch_links.allows(&r.url) {
            let new_link = previous_url != Some(r.url.as_str());
            let loaded = match self.store.ds_table(&r.id).await {
                Ok(t) => t.is_some(),
                Err(e) => {
                    tracing::warn!(resource = %r.id, error = %e, "datastore state unknown");
                    true
                }
            };
            if new_link || !loaded {
                self.enqueue_datastore_fetch(&r.id).await
            } else {
                return;
            }
        } else {
            return;
        };
        if let Err(e) = queued {
            tracing::warn!(resource = %r.id, error = %e, "could not queue the datastore ingest");
        }
    }

    /// For the fetch job: marks the load of a linked file running.
    pub async fn datastore_fetch_started(&self, resource_id: &str) -> Result<()> {
        Ok(self
            .store
            .ds_set_status(resource_id, "running", "", now())
            .await?)
    }

    /// For the fetch job: records why a linked file could not be loaded
    /// (the previous table, if any, keeps answering) and returns the
    /// job's error.
    pub async fn datastore_fetch_failed(&self, resource_id: &str, message: &str) -> ActionError {
        if let Err(e) = self
            .store
            .ds_set_status(resource_id, "error", message, now())
            .await
        {
            return e.into();
        }
        ActionError::invalid("datastore", message.to_string())
    }

    /// For the fetch job: stores a downloaded linked file (at most the
    /// configured upload limit), loads it as the resource's table and
    /// removes the download. Errors are recorded in the datastore status.
    /// Removes transient files that interrupted transfers left: upload
    /// remnants in the blob store's `tmp/`, and downloaded linked files
    /// (`datastore-fetch/`) untouched for an hour (a load reads its file
    /// within that, then deletes it). Returns the bytes removed.
    pub async fn sweep_transient_files(&self) -> Result<u64> {
        let tmp = self.blobs.sweep_tmp().await?;
        let fetched = self
            .blobs
            .sweep_prefix("datastore-fetch", std::time::Duration::from_secs(3600))
            .await?;
        Ok(tmp + fetched)
    }

    pub async fn datastore_load_download<S, E>(
        &self,
        resource_id: &str,
        body: S,
        ctx: &JobContext,
    ) -> Result<JobOutcome>
    where
        S: futures_util::Stream<Item = std::result::Result<bytes::Bytes, E>>,
        E: std::fmt::Display,
    {
        let (_, r) = self.show_resource(&system_viewer(), resource_id)?;
        let key = format!(
            "datastore-fetch/{}/{}",
            resource_id,
            uuid::Uuid::new_v4().simple()
        );
        if let Err(e) = self
            .blobs
            .put_stream(&key, body, self.config.max_upload_bytes)
            .await
        {
            let msg = match e {
                misto_blobs::BlobError::TooLarge { limit } => format!(
                    "The linked file is larger than the limit of {}",
                    size_text(limit)
                ),
                other => format!("The linked file could not be downloaded: {other}"),
            };
            return Err(self.datastore_fetch_failed(resource_id, &msg).await);
        }
        let outcome = load_blob(self, &r, &key, ctx).await;
        if let Err(e) = self.blobs.delete(&key).await {
            tracing::warn!(key, error = %e, "could not remove a fetched file");
        }
        outcome
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
        let ingest = self.job_status(INGEST_JOB, resource_id).await?;
        let fetch = self.job_status(FETCH_JOB, resource_id).await?;
        // The later of the two: a linked file is fetched, an upload ingested.
        let job = match (ingest, fetch) {
            (Some(i), Some(f)) => Some(if f.created > i.created { f } else { i }),
            (i, f) => i.or(f),
        };
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
        let rows = self.table_search(&table, &q).await?;
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
        let rows = self.table_search(&table, &q).await?;
        Ok((table, rows))
    }

    /// The rows of a dump as one streamed query, for a table the columnar
    /// engine holds: its fields and pages of at most `page` rows (`p`'s
    /// filters, `q`, sort, distinct, offset and limit applied). `None` for
    /// a row table of the store: page with [`Portal::datastore_page`].
    pub async fn datastore_stream(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        p: &SearchParams,
        page: usize,
    ) -> Result<Option<(Vec<Field>, RowStream)>> {
        let table = self.readable_table(viewer, resource_id).await?;
        let Some(key) = table.file_key() else {
            return Ok(None);
        };
        let mut q = self.ds_query(&table, p)?;
        q.limit = p.limit.max(0);
        let (fields, rx) = self.columnar.search_stream(key, &table.fields, &q, page)?;
        Ok(Some((fields, RowStream(rx))))
    }

    /// A search on whichever engine holds the table.
    async fn table_search(&self, table: &DatastoreTable, q: &DsQuery) -> Result<DsRows> {
        Ok(match table.file_key() {
            Some(key) => {
                self.columnar
                    .search(key, &table.fields, table.row_count, q)
                    .await?
            }
            None => self.store.ds_search(table, q).await?,
        })
    }

    /// Deletes a table file that is no longer live, a minute later: a
    /// query that started on it (here or on another instance) finishes.
    pub(crate) fn retire_table_file(&self, key: &str) {
        let blobs = self.blobs.clone();
        let key = key.to_string();
        tokio::spawn(async move {
            tokio::time::sleep(RETIRE_AFTER).await;
            if let Err(e) = blobs.delete(&key).await {
                tracing::warn!(key, error = %e, "could not remove a replaced table file");
            }
        });
    }

    /// `datastore_aggregate`: a group-by over a table the viewer may read,
    /// with `p`'s filters and `q` applied before grouping, `p.sort` naming
    /// output fields (groups follow in group order), `p.limit` groups at
    /// most (up to [`MAX_LIMIT`]) from `p.offset`. No aggregates means
    /// `count` of rows.
    pub async fn datastore_group(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        p: &SearchParams,
        group_by: &[String],
        aggregates: &[AggSpec],
    ) -> Result<(DatastoreTable, DsRows)> {
        let table = self.readable_table(viewer, resource_id).await?;
        let mut errors = misto_core::FieldErrors::new();
        let mut names: HashSet<&str> = HashSet::new();
        for g in group_by {
            if table.field(g).is_none() {
                errors.add("group_by", format!("field \"{g}\" not in table"));
            } else if !names.insert(g.as_str()) {
                errors.add("group_by", format!("field \"{g}\" is named twice"));
            }
        }
        let default_count = [AggSpec::new(AggFn::Count, None)];
        let aggregates = if aggregates.is_empty() {
            &default_count[..]
        } else {
            aggregates
        };
        for a in aggregates {
            let field = match &a.field {
                None if a.func == AggFn::Count => None,
                None => {
                    errors.add("aggregates", format!("{} needs a field", a.func.as_str()));
                    continue;
                }
                Some(f) => match table.field(f) {
                    Some(field) => Some(field),
                    None => {
                        errors.add("aggregates", format!("field \"{f}\" not in table"));
                        continue;
                    }
                },
            };
            match (a.func, field) {
                (AggFn::Sum | AggFn::Avg, Some(f)) if !f.ty.is_number() => errors.add(
                    "aggregates",
                    format!(
                        "{} needs a number field; \"{}\" is {}",
                        a.func.as_str(),
                        f.id,
                        f.ty.as_str()
                    ),
                ),
                (AggFn::Min | AggFn::Max, Some(f)) if f.ty == FieldType::Bool => errors.add(
                    "aggregates",
                    format!(
                        "{} does not apply to the bool field \"{}\"",
                        a.func.as_str(),
                        f.id
                    ),
                ),
                _ => {}
            }
            if a.name.trim().is_empty() || a.name.starts_with('_') {
                errors.add("aggregates", format!("\"{}\" is not a valid name", a.name));
            } else if !names.insert(a.name.as_str()) {
                errors.add(
                    "aggregates",
                    format!(
                        "the name \"{}\" is used twice; name the aggregate with \"as\"",
                        a.name
                    ),
                );
            }
        }
        for (s, _) in &p.sort {
            if !names.contains(s.as_str()) {
                errors.add(
                    "sort",
                    format!("\"{s}\" is not a group_by field or an aggregate name"),
                );
            }
        }
        errors.into_result()?;
        let mut q = self.ds_query(
            &table,
            &SearchParams {
                sort: Vec::new(),
                ..p.clone()
            },
        )?;
        q.sort = p.sort.clone();
        let rows = match table.file_key() {
            Some(key) => {
                self.columnar
                    .group(key, &table.fields, &q, group_by, aggregates)
                    .await?
            }
            None => {
                self.store
                    .ds_group(&table, &q, group_by, aggregates)
                    .await?
            }
        };
        Ok((table, rows))
    }

    /// A group-by aggregate for charts: `(x value, aggregate of y)`, at most
    /// 1,000 groups in x order, through [`Portal::datastore_group`].
    pub async fn datastore_aggregate(
        &self,
        viewer: &Viewer,
        resource_id: &str,
        p: &SearchParams,
        x: &str,
        agg: Aggregate,
        y: Option<&str>,
    ) -> Result<Vec<(Value, Option<f64>)>> {
        // The chart's own parameter names in the messages.
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
        let spec = match (agg, y) {
            (Aggregate::Count, _) => AggSpec::new(AggFn::Count, None),
            (Aggregate::Sum, Some(y)) => AggSpec::new(AggFn::Sum, Some(y)),
            (Aggregate::Avg, Some(y)) => AggSpec::new(AggFn::Avg, Some(y)),
            (_, None) => return Err(ActionError::missing("y")),
        };
        let params = SearchParams {
            sort: Vec::new(),
            limit: 1000,
            offset: 0,
            include_total: false,
            ..p.clone()
        };
        let (_, rows) = self
            .datastore_group(viewer, resource_id, &params, &[x.to_string()], &[spec])
            .await?;
        Ok(rows
            .rows
            .into_iter()
            .map(|mut r| {
                let y = r.pop().and_then(|v| v.as_f64());
                (r.pop().unwrap_or(Value::Null), y)
            })
            .collect())
    }

    /// `datastore_search_sql`: one read-only SELECT over the tables of the
    /// resources the viewer may read. At most [`SqlGate::RUNNING`] run at
    /// once in this process, at most [`SqlGate::PER_CALLER`] for one caller
    /// (every anonymous caller counts as one): a caller past that is told to
    /// try again rather than queued.
    pub async fn datastore_search_sql(&self, viewer: &Viewer, sql: &str) -> Result<SqlOutcome> {
        if sql.trim().is_empty() {
            return Err(ActionError::missing("sql"));
        }
        let _permit = self.sql_gate.enter(viewer.user_id.as_deref())?;
        let ids = self.store.ds_active_resources().await?;
        let readable: HashSet<String> = ids
            .into_iter()
            .filter(|id| self.show_resource(viewer, id).is_ok())
            .collect();
        let cfg = &self.config.datastore;
        let checked =
            misto_store::datastore::check_sql(sql).map_err(|m| ActionError::invalid("sql", m))?;
        let names = self
            .columnar
            .sql_tables(&checked)
            .map_err(|m| ActionError::invalid("sql", m))?;
        // The tables the query names that the viewer may read, by engine.
        let mut files = Vec::new();
        let mut rows_tables = 0usize;
        for name in &names {
            if !readable.contains(name) {
                continue;
            }
            match self.store.ds_table(name).await? {
                Some(t) if t.file_key().is_some() => files.push(misto_columnar::SqlTable {
                    name: name.clone(),
                    key: t.table_name.clone(),
                    fields: t.fields.clone(),
                }),
                Some(t) if t.is_active() => rows_tables += 1,
                _ => {}
            }
        }
        // A query over no table loaded from a file (API tables, or none at
        // all) runs on the database, as before.
        if !files.is_empty() {
            if rows_tables > 0 {
                return Err(ActionError::invalid(
                    "sql",
                    "A query cannot join a table loaded from a file with a table written \
                     through datastore_create; query them one at a time",
                ));
            }
            return match self
                .columnar
                .sql(&checked, files, cfg.sql_timeout, cfg.sql_rows_max)
                .await?
            {
                Ok(a) => Ok(SqlOutcome {
                    fields: a.fields,
                    records: a.records,
                    truncated: a.truncated,
                }),
                Err(m) => Err(ActionError::invalid("sql", m)),
            };
        }
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
        let linked = is_fetchable(&r) && self.config.datastore.fetch_links.allows(&r.url);
        let file_table = (r.is_upload() && is_tabular(&r) || linked)
            && existing
                .as_ref()
                .is_none_or(|t| t.source == TableSource::File);
        if file_table && records.is_empty() {
            let overrides: BTreeMap<String, FieldType> =
                fields.iter().map(|f| (f.id.clone(), f.ty)).collect();
            self.store
                .ds_set_overrides(resource_id, &overrides, now())
                .await?;
            if r.is_upload() {
                self.enqueue_datastore_ingest(resource_id).await?;
            } else {
                self.enqueue_datastore_fetch(resource_id).await?;
            }
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
            Some(t) if t.file_key().is_some() => return Err(file_table_is_read_only(resource_id)),
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
                // An API table is written row by row: its full-text index
                // is built empty now and kept in step from then on.
                if let Err(e) = self.store.ds_index_full_text(&name, true).await {
                    let _ = self.store.ds_drop_table(&name).await;
                    return Err(e.into());
                }
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
        if table.file_key().is_some() {
            return Err(file_table_is_read_only(resource_id));
        }
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
            for (k, v) in rec {
                if k != ID_COLUMN && table.field(k).is_none() {
                    errors.add(
                        "records",
                        format!("record {}: field \"{k}\" not in table", n + 1),
                    );
                }
                // What XML exports and PostgreSQL cannot hold (U+0000).
                if let Some(c) = v.as_str().and_then(|s| {
                    s.chars()
                        .find(|c| misto_core::validate::is_forbidden_char(*c))
                }) {
                    errors.add(
                        "records",
                        format!(
                            "record {}: field \"{k}\": {}",
                            n + 1,
                            misto_core::validate::forbidden_char_message(c)
                        ),
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
            rows.push((binds, terms.of(texts.iter().map(|t| (0, t.as_str())))));
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
                if let Some(key) = table.file_key() {
                    self.retire_table_file(key);
                }
                self.set_datastore_active(resource_id, false).await?;
                Ok(table.row_count as u64)
            }
            Some(_) if table.file_key().is_some() => Err(file_table_is_read_only(resource_id)),
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

/// Pages of rows of a streamed dump ([`Portal::datastore_stream`]).
pub struct RowStream(
    tokio::sync::mpsc::Receiver<
        std::result::Result<Vec<Vec<Value>>, misto_columnar::ColumnarError>,
    >,
);

impl RowStream {
    /// The next page; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<Vec<Vec<Value>>>> {
        self.0.recv().await.map(|r| r.map_err(ActionError::from))
    }
}

/// How long a replaced table file stays readable.
const RETIRE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// The refusal of a record write to a table loaded from a file: the next
/// upload of the file would replace it and lose the change.
fn file_table_is_read_only(resource_id: &str) -> ActionError {
    ActionError::invalid(
        "resource_id",
        format!(
            "The table of resource \"{resource_id}\" is loaded from its file, and the next \
             upload of the file replaces it: change the file (resource_update with an upload), \
             or keep records in a table of their own made with datastore_create"
        ),
    )
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
    use misto_core::datastore::{Cell, Row};
    use std::borrow::Cow;

    #[test]
    fn which_links_are_fetched() {
        assert_eq!(
            url_host("https://User:pw@Data.City.UA:8443/x.csv?a=1").as_deref(),
            Some("data.city.ua")
        );
        assert_eq!(url_host("http://[::1]:9000/a.csv").as_deref(), Some("::1"));
        assert_eq!(url_host("ftp://x/a.csv"), None);
        assert_eq!(url_host("http:///a.csv"), None);
        let hosts = FetchLinks::parse(" 127.0.0.1, files.city.ua ");
        assert!(hosts.allows("http://127.0.0.1:8000/a.csv"));
        assert!(hosts.allows("https://files.city.ua/a.csv"));
        assert!(!hosts.allows("https://city.gov.ua/a.csv"));
        assert!(FetchLinks::parse("all").allows("https://city.gov.ua/a.csv"));
        assert!(!FetchLinks::parse("off").allows("https://city.gov.ua/a.csv"));
        assert_eq!(FetchLinks::parse(""), FetchLinks::Off);
    }

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

    /// Everything `read_rows` emits for a file with these bytes.
    fn read_all(
        bytes: &[u8],
        name: &str,
        ov: &BTreeMap<String, FieldType>,
    ) -> (Vec<Field>, Vec<Row<'static>>, Value) {
        let path = std::env::temp_dir().join(format!("misto-ds-{}-{name}", uuid::Uuid::new_v4()));
        std::fs::write(&path, bytes).unwrap();
        let (mut fields, mut rows, mut report) = (Vec::new(), Vec::new(), Value::Null);
        read_rows(&path, "", name, ov, None, &mut |m| {
            match m {
                Loaded::Start { fields: f, .. } => fields = f,
                Loaded::Rows(r) => rows.extend(r.to_rows()),
                Loaded::Done(r) => report = r,
                Loaded::Failed(m) => panic!("{m}"),
            }
            true
        })
        .unwrap();
        let _ = std::fs::remove_file(&path);
        (fields, rows, report)
    }

    #[test]
    fn rows_are_typed_and_misfits_kept() {
        let csv = format!(
            "назва;сума;дата;активний\n{}Садок;н/д;03.02.2024;ні\n",
            "Школа №1;12,5;01.02.2024;так\n".repeat(READ_CHUNK_ROWS + 5)
        );
        let (fields, rows, report) = read_all(csv.as_bytes(), "x.csv", &BTreeMap::new());
        let types: Vec<&str> = fields.iter().map(|f| f.ty.as_str()).collect();
        assert_eq!(types, ["text", "numeric", "date", "bool"]);
        assert_eq!(rows.len(), READ_CHUNK_ROWS + 6);
        assert_eq!(rows[0].cells[1], Cell::Num(12.5));
        assert_eq!(rows[0].cells[2], Cell::Text(Cow::Borrowed("2024-02-01")));
        let last = rows.last().unwrap();
        assert_eq!(last.cells[1], Cell::Null);
        assert_eq!(last.misfits.as_deref(), Some("{\"сума\":\"н/д\"}"));
        assert!(rows[0].full_text.contains(" школ"));
        assert_eq!(report["misfits"], json!(1));
        assert_eq!(report["rows"], json!(READ_CHUNK_ROWS + 6));
        assert_eq!(
            report["columns"][1]["misfit_values"][0]["row"],
            json!(READ_CHUNK_ROWS + 7)
        );
        // An override wins over the inferred type.
        let ov: BTreeMap<String, FieldType> = [("сума".to_string(), FieldType::Text)].into();
        let (fields, _, report) = read_all(csv.as_bytes(), "x.csv", &ov);
        assert_eq!(fields[1].ty, FieldType::Text);
        assert_eq!(report["misfits"], json!(0));
    }

    #[test]
    fn terms_cache_repeated_values_only() {
        let mut t = Terms::new();
        for i in 0..3000 {
            let code = format!("UA{i:010}");
            let ft = t.of([(0, "Школа"), (1, code.as_str())]);
            assert_eq!(ft, format!(" школ ua{i:010} "));
        }
        // The repeated column keeps its cache; the unique one stopped.
        assert!(t.stats[0].1 >= 2999);
        assert_eq!(t.stats[1].0, 1000);
        assert!(t.cache.len() <= 1001);
    }
}
