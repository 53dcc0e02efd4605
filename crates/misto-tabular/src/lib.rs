//! Reading tabular files into tables of strings, with inferred column types and
//! diagnostics, for the datastore ingest and the validation of resources.
//!
//! Bytes in, values out: [`read`] takes the bytes of a CSV, TSV, XLSX, XLS,
//! ODS, JSON (array of objects) or GeoJSON (FeatureCollection) file and
//! returns a [`Workbook`] of [`Table`]s. Each table keeps every cell as the
//! text that was in the file, so nothing is lost; [`Column::inferred`] says
//! what type the whole column holds and [`parse_value`] turns a cell into a
//! typed [`Value`]. Everything odd that was found (title rows above the
//! header, empty rows, ragged rows, values that do not fit their column's
//! type, undecodable bytes) is a [`Diagnostic`] with its row and column.
//!
//! Choices:
//! - **Workbooks: one table per non-empty sheet**, in workbook order;
//!   [`Workbook::sheet_names`] lists every sheet, empty ones included. A
//!   CSV, JSON or GeoJSON file gives one table.
//! - **Types are inferred from every value of a column**, never a sample: a
//!   column gets the most specific type that at least
//!   [`ReadOptions::min_type_share`] (default 90 %) of its non-empty values
//!   fit; the other values stay as written and each is reported
//!   ([`DiagnosticKind::TypeMismatch`]).
//! - Row numbers in diagnostics and [`Table::row_lines`] are 1-based: the
//!   physical line where the record starts in a CSV, the row number of the
//!   sheet in a workbook, the position (1-based) of the object in a JSON array.
//! - Per table, at most [`ReadOptions::max_diagnostics_per_kind`] diagnostics
//!   of each kind are kept; the rest are counted in one
//!   [`DiagnosticKind::Suppressed`] diagnostic.
//!
//! Large CSV/TSV files are read in two streaming passes instead
//! ([`survey_delimited`], then [`DelimitedSurvey::for_each_row`]): the same
//! table, in memory that does not grow with the file.
//!
//! This crate must not do IO (no files, no network, no database) and must not
//! know about resources, datasets or the datastore: callers hand it bytes
//! (or readers they opened).

mod decode;
mod delimited;
mod infer;
mod json;
mod sheets;
mod stream;
pub mod synthetic;
mod table;

pub use decode::{Decoded, decode};
pub use delimited::{detect_delimiter, parse_records};
pub use infer::{ColumnType, DateStyle, Value, fits, parse_value, trim_value};
use serde::Serialize;
pub use stream::{DelimitedSurvey, survey_delimited};

/// The kind of file, from a format label, a file name, or the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    /// Decide from the file name, then from the bytes.
    Auto,
    Csv,
    Tsv,
    Xlsx,
    Xls,
    Ods,
    Json,
    GeoJson,
}

impl Format {
    /// From a CKAN format label (`CSV`, `xlsx`, `GeoJSON`, ...); `Auto` when
    /// unknown.
    pub fn from_label(label: &str) -> Format {
        match label
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "csv" | "text/csv" => Format::Csv,
            "tsv" | "tab" | "text/tab-separated-values" => Format::Tsv,
            "xlsx" | "xlsm" => Format::Xlsx,
            "xls" => Format::Xls,
            "ods" => Format::Ods,
            "json" | "application/json" => Format::Json,
            "geojson" | "application/geo+json" => Format::GeoJson,
            _ => Format::Auto,
        }
    }

    /// From the extension of a file name; `Auto` when unknown.
    pub fn from_file_name(name: &str) -> Format {
        match name.rsplit_once('.') {
            Some((_, ext)) => Format::from_label(ext),
            None => Format::Auto,
        }
    }

    /// The CKAN format label (`CSV`, `XLSX`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Format::Auto => "",
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::Xlsx => "XLSX",
            Format::Xls => "XLS",
            Format::Ods => "ODS",
            Format::Json => "JSON",
            Format::GeoJson => "GeoJSON",
        }
    }

    /// Whether the format is a binary spreadsheet (read with calamine).
    pub fn is_spreadsheet(self) -> bool {
        matches!(self, Format::Xlsx | Format::Xls | Format::Ods)
    }

    /// Decides a concrete format: the hint, else the file name, else the
    /// bytes (ZIP or OLE signatures → spreadsheet, `{`/`[` → JSON, else CSV).
    pub fn resolve(hint: Format, file_name: &str, bytes: &[u8]) -> Format {
        if hint != Format::Auto {
            return hint;
        }
        let by_name = Format::from_file_name(file_name);
        if by_name != Format::Auto {
            return by_name;
        }
        if bytes.starts_with(b"PK\x03\x04") {
            // XLSX and ODS are both ZIP files; ODS names its mimetype first.
            if bytes.len() > 80 && bytes[30..80].windows(11).any(|w| w == b"opendocumen") {
                return Format::Ods;
            }
            return Format::Xlsx;
        }
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Format::Xls;
        }
        let start = decode::decode(&bytes[..bytes.len().min(4096)]);
        let t = start.text.trim_start();
        if t.starts_with('[') {
            Format::Json
        } else if t.starts_with('{') {
            if t.contains("FeatureCollection") {
                Format::GeoJson
            } else {
                Format::Json
            }
        } else {
            Format::Csv
        }
    }
}

/// Bounds on the work and memory one file may cause. A file past a bound is
/// refused with [`ReadError::Limit`], which names the bound, before the
/// large allocation it would need; the bounds count what is really in the
/// file (cells present, bytes inflated), never what a file declares.
///
/// The defaults keep one whole-file read (workbooks, JSON, in-memory CSV)
/// under about 200 MB; the streaming CSV reader's memory does not grow with
/// rows. A server sets its own once at start with [`Limits::install`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Columns of a table (`MISTO_READ_MAX_COLUMNS`, default 1,000; the
    /// datastore's databases allow 1,600 to 2,000).
    pub max_columns: usize,
    /// Rows of a table (`MISTO_READ_MAX_ROWS`, default 20,000,000).
    pub max_rows: usize,
    /// Cells of a table read whole into memory, counted as rows × columns
    /// after short rows are padded (`MISTO_READ_MAX_CELLS`, default
    /// 3,000,000). Streamed CSV/TSV is bounded by rows and columns instead.
    pub max_cells: usize,
    /// Bytes a workbook (XLSX, ODS: ZIP archives) may inflate to, all
    /// entries together (`MISTO_READ_MAX_INFLATED_BYTES`, default 256 MiB).
    pub max_inflated_bytes: u64,
    /// Bytes of a JSON or GeoJSON file, which is parsed whole
    /// (`MISTO_READ_MAX_JSON_BYTES`, default 64 MiB).
    pub max_json_bytes: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_columns: 1_000,
        max_rows: 20_000_000,
        max_cells: 3_000_000,
        max_inflated_bytes: 256 << 20,
        max_json_bytes: 64 << 20,
    };

    /// Sets the limits that [`ReadOptions::default`] uses from now on
    /// (called once by the server and the CLI with their configuration).
    pub fn install(limits: Limits) {
        if let Ok(mut l) = INSTALLED.write() {
            *l = limits;
        }
    }

    /// The installed limits ([`Limits::DEFAULT`] until one is installed).
    pub fn current() -> Limits {
        INSTALLED.read().map(|l| *l).unwrap_or(Limits::DEFAULT)
    }

    pub(crate) fn columns(&self, found: usize) -> Result<(), ReadError> {
        if found > self.max_columns {
            return Err(ReadError::Limit {
                setting: "MISTO_READ_MAX_COLUMNS",
                limit: self.max_columns as u64,
                found: format!("the table has {found} columns"),
            });
        }
        Ok(())
    }

    pub(crate) fn rows(&self, found: usize) -> Result<(), ReadError> {
        if found > self.max_rows {
            return Err(ReadError::Limit {
                setting: "MISTO_READ_MAX_ROWS",
                limit: self.max_rows as u64,
                found: format!("the table has more than {} rows", self.max_rows),
            });
        }
        Ok(())
    }

    pub(crate) fn cells(&self, rows: usize, columns: usize) -> Result<(), ReadError> {
        self.columns(columns)?;
        self.rows(rows)?;
        if rows.saturating_mul(columns) > self.max_cells {
            return Err(ReadError::Limit {
                setting: "MISTO_READ_MAX_CELLS",
                limit: self.max_cells as u64,
                found: format!(
                    "the table has {rows} rows × {columns} columns = {} cells",
                    rows.saturating_mul(columns)
                ),
            });
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

static INSTALLED: std::sync::RwLock<Limits> = std::sync::RwLock::new(Limits::DEFAULT);

/// Tuning of [`read_with`]; [`read`] uses the defaults.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Bounds on work and memory (default: [`Limits::current`]).
    pub limits: Limits,
    /// Share of a column's non-empty values that must fit a type for the
    /// column to get it (default 0.9).
    pub min_type_share: f64,
    /// Diagnostics of one kind kept per table before the rest are only
    /// counted (default 1,000).
    pub max_diagnostics_per_kind: usize,
    /// How many records are looked at to find the header (default 30).
    pub header_search_rows: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            limits: Limits::current(),
            min_type_share: 0.9,
            max_diagnostics_per_kind: 1000,
            header_search_rows: 30,
        }
    }
}

/// A file read into tables.
#[derive(Debug, Clone, Serialize)]
pub struct Workbook {
    /// The format that was read (never `Auto`).
    pub format: Format,
    /// One table per non-empty sheet (one for CSV/JSON/GeoJSON).
    pub tables: Vec<Table>,
    /// Every sheet of a workbook, empty ones included; for other formats the
    /// single table's name.
    pub sheet_names: Vec<String>,
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// The name, trimmed; `column_N` (1-based) for an empty header cell and
    /// `name_2`, `name_3` for repeated names.
    pub name: String,
    /// The header cell as it was in the file.
    pub header: String,
    pub inferred: ColumnType,
    /// Cells with a (non-blank) value.
    pub non_empty: usize,
    /// Non-empty cells that do not fit `inferred`.
    pub mismatches: usize,
    /// For date and datetime columns, how the dates were written (most common
    /// first).
    pub date_styles: Vec<DateStyle>,
    /// For decimal columns: whether a comma is the decimal separator.
    pub decimal_comma: bool,
    /// For number columns: whether spaces separate thousands.
    pub thousands_spaces: bool,
}

/// One table: a header and rows of cells as text.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    /// The sheet name, or the file name for single-table files.
    pub name: String,
    pub columns: Vec<Column>,
    /// Data rows (header, title rows and empty rows excluded), each exactly
    /// `columns.len()` cells.
    pub rows: Vec<Vec<String>>,
    /// For each row, its 1-based line (CSV), sheet row (workbooks) or object
    /// position (JSON).
    pub row_lines: Vec<usize>,
    /// The encoding of a text file (`UTF-8`, `windows-1251`, ...); `binary`
    /// for workbooks.
    pub encoding: &'static str,
    /// Whether a text file started with a byte order mark.
    pub bom: bool,
    /// The field delimiter of a CSV/TSV.
    pub delimiter: Option<u8>,
    /// 1-based line (or sheet row) of the header; 0 when the table has no
    /// header (JSON, whose keys are the columns).
    pub header_row: usize,
    pub diagnostics: Vec<Diagnostic>,
}

impl Table {
    /// The index of a column by name (exact, then case-insensitive).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .or_else(|| {
                let lower = name.to_lowercase();
                self.columns
                    .iter()
                    .position(|c| c.name.to_lowercase() == lower)
            })
    }

    /// Diagnostics of one kind (by [`DiagnosticKind::id`]).
    pub fn diagnostics_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        self.diagnostics.iter().filter(move |d| d.kind.id() == id)
    }
}

/// Something found while reading that a publisher or a caller should know.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// 1-based line / sheet row; `None` for whole-file findings.
    pub row: Option<usize>,
    /// 0-based column index, when the finding is about one cell or column.
    pub column: Option<usize>,
    pub kind: DiagnosticKind,
    /// English, for logs and developers; the quality crate words the
    /// messages for people.
    pub message: String,
}

/// What a [`Diagnostic`] is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DiagnosticKind {
    /// A non-empty row above the header (a title, a note, a date line).
    TitleRow { cells: Vec<String> },
    /// A row whose cells are all empty (or a blank line inside a CSV).
    EmptyRow,
    /// A row with another number of fields than the header.
    RaggedRow { expected: usize, found: usize },
    /// A value that does not fit its column's inferred type.
    TypeMismatch { expected: ColumnType, value: String },
    /// An empty header cell above a column.
    EmptyHeader,
    /// A header name used by an earlier column.
    DuplicateHeader { name: String },
    /// Bytes that were not valid in the detected encoding.
    DecodingErrors { count: usize },
    /// The encoding was guessed (not UTF-8, no byte order mark).
    EncodingGuessed { encoding: String },
    /// A range of merged cells in a workbook sheet (`rows` and `columns` are
    /// 1-based, inclusive).
    MergedCells {
        rows: (usize, usize),
        columns: (usize, usize),
    },
    /// A JSON/GeoJSON item that is not an object / feature.
    NotAnObject,
    /// More diagnostics of kind `of` were found than are kept.
    Suppressed { of: String, count: usize },
}

impl DiagnosticKind {
    /// A stable snake_case id (`title_row`, `type_mismatch`, ...).
    pub fn id(&self) -> &'static str {
        match self {
            DiagnosticKind::TitleRow { .. } => "title_row",
            DiagnosticKind::EmptyRow => "empty_row",
            DiagnosticKind::RaggedRow { .. } => "ragged_row",
            DiagnosticKind::TypeMismatch { .. } => "type_mismatch",
            DiagnosticKind::EmptyHeader => "empty_header",
            DiagnosticKind::DuplicateHeader { .. } => "duplicate_header",
            DiagnosticKind::DecodingErrors { .. } => "decoding_errors",
            DiagnosticKind::EncodingGuessed { .. } => "encoding_guessed",
            DiagnosticKind::MergedCells { .. } => "merged_cells",
            DiagnosticKind::NotAnObject => "not_an_object",
            DiagnosticKind::Suppressed { .. } => "suppressed",
        }
    }
}

/// Why a file could not be read at all. Everything less serious is a
/// [`Diagnostic`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the file is empty")]
    Empty,
    #[error("the spreadsheet could not be opened: {0}")]
    Spreadsheet(String),
    #[error("the JSON is not valid: {0}")]
    Json(String),
    #[error("the JSON is not an array of objects or a GeoJSON FeatureCollection")]
    JsonShape,
    #[error("the CSV could not be parsed: {0}")]
    Csv(String),
    /// Text read as UTF-8 is not (the streaming reader then reads it in the
    /// guessed legacy encoding; seen by callers only when a file changed
    /// between two passes).
    #[error("the text is not valid UTF-8")]
    NotUtf8,
    #[error("the file could not be read: {0}")]
    Io(String),
    /// The file goes past one of the [`Limits`]; `setting` names the
    /// configuration variable that raises it.
    #[error("{found}, more than the limit of {limit} ({setting})")]
    Limit {
        setting: &'static str,
        limit: u64,
        found: String,
    },
}

/// Reads a file with the default [`ReadOptions`]. `format_hint` may be
/// [`Format::Auto`]; `file_name` is used to guess the format and to name a
/// single table.
pub fn read(bytes: &[u8], format_hint: Format, file_name: &str) -> Result<Workbook, ReadError> {
    read_with(bytes, format_hint, file_name, &ReadOptions::default())
}

/// [`read`] with explicit options.
pub fn read_with(
    bytes: &[u8],
    format_hint: Format,
    file_name: &str,
    options: &ReadOptions,
) -> Result<Workbook, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    let format = Format::resolve(format_hint, file_name, bytes);
    let table_name = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(file_name)
        .to_string();
    match format {
        Format::Csv | Format::Tsv | Format::Auto => {
            let tsv_hint = format == Format::Tsv;
            let table = delimited::read_delimited(bytes, tsv_hint, table_name.clone(), options)?;
            Ok(Workbook {
                format: if table.delimiter == Some(b'\t') && format == Format::Tsv {
                    Format::Tsv
                } else {
                    Format::Csv
                },
                tables: vec![table],
                sheet_names: vec![table_name],
            })
        }
        Format::Xlsx | Format::Xls | Format::Ods => sheets::read_sheets(bytes, format, options),
        Format::Json | Format::GeoJson => {
            if bytes.len() as u64 > options.limits.max_json_bytes {
                return Err(ReadError::Limit {
                    setting: "MISTO_READ_MAX_JSON_BYTES",
                    limit: options.limits.max_json_bytes,
                    found: format!("the JSON file has {} bytes", bytes.len()),
                });
            }
            let (table, actual) = json::read_json(bytes, table_name.clone(), options)?;
            Ok(Workbook {
                format: actual,
                tables: vec![table],
                sheet_names: vec![table_name],
            })
        }
    }
}
