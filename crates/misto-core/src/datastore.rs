//! The datastore's vocabulary: the types a datastore column may have, a
//! column, a typed cell, and what is known about a resource's table. The
//! store keeps tables of these; the actions fill and query them; the CKAN
//! layer names the types as CKAN does (`int`, `numeric`, `bool`, `date`,
//! `timestamp`, `text`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Timestamp;

/// The type of a datastore column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    /// 64-bit integer.
    Int,
    /// Decimal number (stored as a double).
    Numeric,
    Bool,
    /// `yyyy-mm-dd` (ISO 8601 text on both backends).
    Date,
    /// `yyyy-mm-ddThh:mm:ss` (ISO 8601 text on both backends).
    Timestamp,
    Text,
}

impl FieldType {
    /// CKAN's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Int => "int",
            FieldType::Numeric => "numeric",
            FieldType::Bool => "bool",
            FieldType::Date => "date",
            FieldType::Timestamp => "timestamp",
            FieldType::Text => "text",
        }
    }

    /// CKAN's names and the usual synonyms (`int4`, `int8`, `integer`,
    /// `float8`, `number`, `decimal`, `boolean`, `datetime`, `string`, ...).
    pub fn parse(name: &str) -> Option<FieldType> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "int" | "int4" | "int8" | "int2" | "integer" | "bigint" | "smallint" => FieldType::Int,
            "numeric" | "float8" | "float4" | "float" | "double" | "double precision"
            | "number" | "decimal" | "real" => FieldType::Numeric,
            "bool" | "boolean" => FieldType::Bool,
            "date" => FieldType::Date,
            "timestamp" | "datetime" | "timestamptz" | "date-time" => FieldType::Timestamp,
            "text" | "string" | "str" | "varchar" | "any" => FieldType::Text,
            _ => return None,
        })
    }

    /// Whether values of this type are numbers (charts can sum them).
    pub fn is_number(self) -> bool {
        matches!(self, FieldType::Int | FieldType::Numeric)
    }
}

/// A column of a datastore table. `id` is the column's name in the table
/// and in the API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub id: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Free description (CKAN's data dictionary `info`), kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<serde_json::Value>,
}

/// One typed value on its way into a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    Null,
    Int(i64),
    Num(f64),
    Bool(bool),
    /// Text, and dates/timestamps in their ISO 8601 text form.
    Text(Cow<'a, str>),
}

/// One row on its way into a table: the values in field order, the
/// full-text terms (space separated, with a space at both ends), and the
/// cells that did not fit their column's type (`{"column": "as written"}`),
/// kept so that nothing is dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Row<'a> {
    pub cells: Vec<Cell<'a>>,
    pub full_text: String,
    pub misfits: Option<String>,
}

/// Rows on their way into a table, packed for bulk loads: per row its
/// full-text terms, its misfits and its cells as [`Slot`]s, every text in
/// one shared buffer. A chunk of rows costs a few allocations instead of
/// several per row. Rows are written slot by slot: [`RowBatch::begin_row`],
/// then the full text, the misfits and exactly `width` cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowBatch {
    width: usize,
    slots: Vec<Slot>,
    text: String,
}

/// One value of a [`RowBatch`]: text is a byte range of the batch's buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Slot {
    Null,
    Int(i64),
    Num(f64),
    Bool(bool),
    Text(u32, u32),
}

/// A cell of a [`RowBatch`] row, text borrowed from the batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellRef<'a> {
    Null,
    Int(i64),
    Num(f64),
    Bool(bool),
    Text(&'a str),
}

/// One row of a [`RowBatch`].
#[derive(Debug, Clone, Copy)]
pub struct BatchRow<'a> {
    pub full_text: &'a str,
    pub misfits: Option<&'a str>,
    slots: &'a [Slot],
    text: &'a str,
}

impl<'a> BatchRow<'a> {
    /// The cells, in field order.
    pub fn cells(&self) -> impl Iterator<Item = CellRef<'a>> + 'a {
        let text = self.text;
        self.slots.iter().map(move |s| cell_of(text, *s))
    }
}

fn cell_of(text: &str, s: Slot) -> CellRef<'_> {
    match s {
        Slot::Null => CellRef::Null,
        Slot::Int(v) => CellRef::Int(v),
        Slot::Num(v) => CellRef::Num(v),
        Slot::Bool(v) => CellRef::Bool(v),
        Slot::Text(a, b) => CellRef::Text(text.get(a as usize..b as usize).unwrap_or("")),
    }
}

impl RowBatch {
    /// Bytes of text after which a batch should be sent on (its text
    /// offsets are 32-bit).
    pub const TEXT_LIMIT: usize = 256 << 20;

    /// An empty batch of rows with `width` cells each.
    pub fn new(width: usize, rows: usize) -> Self {
        RowBatch {
            width,
            slots: Vec::with_capacity(rows * (width + 2)),
            text: String::with_capacity(rows * 64),
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }

    /// Rows written so far.
    pub fn len(&self) -> usize {
        self.slots.len() / (self.width + 2)
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Bytes of text held.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The text buffer, to append a value in place; end it with
    /// [`RowBatch::push_text_from`].
    pub fn text_mut(&mut self) -> &mut String {
        &mut self.text
    }

    /// A text slot of what was appended to the buffer since `start` (a
    /// length of [`RowBatch::text_mut`] taken before).
    pub fn push_text_from(&mut self, start: usize) {
        let a = u32::try_from(start).unwrap_or(u32::MAX);
        let b = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        self.slots.push(Slot::Text(a, b));
    }

    pub fn push_text(&mut self, s: &str) {
        let start = self.text.len();
        self.text.push_str(s);
        self.push_text_from(start);
    }

    pub fn push(&mut self, slot: Slot) {
        self.slots.push(slot);
    }

    /// Appends a whole row.
    pub fn push_row(&mut self, row: &Row<'_>) {
        self.push_text(&row.full_text);
        match &row.misfits {
            Some(m) => self.push_text(m),
            None => self.push(Slot::Null),
        }
        for c in row.cells.iter().take(self.width) {
            match c {
                Cell::Null => self.push(Slot::Null),
                Cell::Int(v) => self.push(Slot::Int(*v)),
                Cell::Num(v) => self.push(Slot::Num(*v)),
                Cell::Bool(v) => self.push(Slot::Bool(*v)),
                Cell::Text(t) => self.push_text(t),
            }
        }
        for _ in row.cells.len()..self.width {
            self.push(Slot::Null);
        }
    }

    /// The rows as [`Row`]s (owned text).
    pub fn to_rows(&self) -> Vec<Row<'static>> {
        self.rows()
            .map(|r| Row {
                full_text: r.full_text.to_string(),
                misfits: r.misfits.map(str::to_string),
                cells: r
                    .cells()
                    .map(|c| match c {
                        CellRef::Null => Cell::Null,
                        CellRef::Int(v) => Cell::Int(v),
                        CellRef::Num(v) => Cell::Num(v),
                        CellRef::Bool(v) => Cell::Bool(v),
                        CellRef::Text(t) => Cell::Text(Cow::Owned(t.to_string())),
                    })
                    .collect(),
            })
            .collect()
    }

    /// The rows, in order.
    pub fn rows(&self) -> impl Iterator<Item = BatchRow<'_>> + '_ {
        let text = self.text.as_str();
        self.slots.chunks_exact(self.width + 2).map(move |r| {
            let full_text = match cell_of(text, r[0]) {
                CellRef::Text(t) => t,
                _ => "",
            };
            let misfits = match cell_of(text, r[1]) {
                CellRef::Text(t) => Some(t),
                _ => None,
            };
            BatchRow {
                full_text,
                misfits,
                slots: &r[2..],
                text,
            }
        })
    }
}

/// Where a table's rows came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TableSource {
    /// Loaded from the resource's file by the ingest job.
    File,
    /// Created and written through `datastore_create` / `datastore_upsert`.
    Api,
}

impl TableSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TableSource::File => "file",
            TableSource::Api => "api",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "file" => Some(TableSource::File),
            "api" => Some(TableSource::Api),
            _ => None,
        }
    }
}

/// What the store knows about a resource's datastore table.
#[derive(Debug, Clone, PartialEq)]
pub struct DatastoreTable {
    pub resource_id: String,
    /// The physical table holding the current rows; empty while none was
    /// loaded yet (the first ingest is pending, running or failed).
    pub table_name: String,
    pub fields: Vec<Field>,
    /// Column types set by the publisher, by column name; they win over
    /// the inferred types at the next ingest.
    pub overrides: BTreeMap<String, FieldType>,
    pub primary_key: Vec<String>,
    pub row_count: i64,
    pub source: TableSource,
    /// `pending`, `running`, `done` or `error` for the last ingest.
    pub status: String,
    /// The error of the last failed ingest, or a summary of the last one.
    pub message: String,
    /// What the last ingest found (format, encoding, sheets, ragged rows,
    /// values that did not fit...), as JSON.
    pub report: serde_json::Value,
    pub created: Timestamp,
    pub modified: Timestamp,
}

impl DatastoreTable {
    /// Whether the table can be queried.
    pub fn is_active(&self) -> bool {
        !self.table_name.is_empty()
    }

    pub fn field(&self, id: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The blob key of the table's Parquet file when the columnar engine
    /// holds it (tables loaded from files); `None` for a row table of the
    /// store (API-managed tables) or no table yet.
    pub fn file_key(&self) -> Option<&str> {
        is_file_key(&self.table_name).then_some(self.table_name.as_str())
    }
}

/// Whether a table name is the blob key of a columnar table file
/// (`datastore/<resource id>/<load id>.parquet`) rather than a row table.
pub fn is_file_key(table_name: &str) -> bool {
    table_name.starts_with("datastore/") && table_name.ends_with(".parquet")
}

/// The columns every datastore table has besides its fields.
pub const ID_COLUMN: &str = "_id";

// ---- Queries over a table (the store's row tables and the columnar engine
// answer the same ones).

/// A value bound to a query, typed so that PostgreSQL gets typed NULLs.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Null(FieldType),
    Int(i64),
    Num(f64),
    Bool(bool),
    Text(String),
}

impl Bind {
    /// A cell as a bind value of a column of type `ty`.
    pub fn of_cell(cell: &Cell<'_>, ty: FieldType) -> Bind {
        match cell {
            Cell::Null => Bind::Null(ty),
            Cell::Int(v) => Bind::Int(*v),
            Cell::Num(v) if v.is_finite() => Bind::Num(*v),
            Cell::Num(_) => Bind::Null(ty),
            Cell::Bool(v) => Bind::Bool(*v),
            Cell::Text(s) => Bind::Text(s.to_string()),
        }
    }
}

/// A filter: the column equals one of the values (or is NULL for
/// [`Bind::Null`]).
#[derive(Debug, Clone)]
pub struct DsFilter {
    pub column: String,
    pub values: Vec<Bind>,
}

/// A query over one datastore table (column names are checked against the
/// table's fields; unknown names are refused, never spliced).
#[derive(Debug, Clone, Default)]
pub struct DsQuery {
    pub filters: Vec<DsFilter>,
    /// Full-text terms (already analysed); every one must occur in the row.
    pub terms: Vec<String>,
    /// Columns to return, in order (`_id` allowed); empty = `_id` and all
    /// fields.
    pub fields: Vec<String>,
    /// `(column, descending)`; `_id` is added as a tie-breaker unless
    /// `distinct`.
    pub sort: Vec<(String, bool)>,
    pub distinct: bool,
    pub limit: i64,
    pub offset: i64,
    pub include_total: bool,
    /// Keyset paging for dumps: only rows with `_id` above this.
    pub after_id: Option<i64>,
}

/// Rows of a query, as JSON values in the order of `fields`.
#[derive(Debug, Clone)]
pub struct DsRows {
    pub fields: Vec<Field>,
    pub rows: Vec<Vec<Value>>,
    pub total: Option<i64>,
    /// The `_id` of the last row (for keyset paging), when `_id` was read.
    pub last_id: Option<i64>,
}

/// The aggregate of a chart's y column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    Sum,
    Avg,
}

/// An aggregate function of a group-by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFn {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggFn {
    pub fn parse(s: &str) -> Option<AggFn> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "count" => AggFn::Count,
            "sum" => AggFn::Sum,
            "avg" | "mean" => AggFn::Avg,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AggFn::Count => "count",
            AggFn::Sum => "sum",
            AggFn::Avg => "avg",
            AggFn::Min => "min",
            AggFn::Max => "max",
        }
    }
}

/// One aggregate of a group-by: a function, its column (`None`: `count`
/// of rows) and the name of its output field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggSpec {
    pub func: AggFn,
    pub field: Option<String>,
    pub name: String,
}

impl AggSpec {
    /// An aggregate named `count` (rows) or `<function>_<field>`.
    pub fn new(func: AggFn, field: Option<&str>) -> AggSpec {
        let name = match field {
            None => func.as_str().to_string(),
            Some(f) => format!("{}_{f}", func.as_str()),
        };
        AggSpec {
            func,
            field: field.map(str::to_string),
            name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        for t in [
            FieldType::Int,
            FieldType::Numeric,
            FieldType::Bool,
            FieldType::Date,
            FieldType::Timestamp,
            FieldType::Text,
        ] {
            assert_eq!(FieldType::parse(t.as_str()), Some(t));
        }
        assert_eq!(FieldType::parse("int8"), Some(FieldType::Int));
        assert_eq!(FieldType::parse("float8"), Some(FieldType::Numeric));
        assert_eq!(FieldType::parse("datetime"), Some(FieldType::Timestamp));
        assert_eq!(FieldType::parse("json"), None);
    }
}
