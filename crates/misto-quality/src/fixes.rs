//! Safe automatic fixes: pure functions from the bytes of a CSV/TSV to new
//! bytes (always UTF-8 without BOM) and a preview of the changed rows.
//!
//! Each fix changes only what its name says: the other cells are written
//! back as they were (quoted only where the CSV needs it), the delimiter and
//! the line ending are kept. Workbooks (XLSX, XLS, ODS) are not fixed here:
//! the advice for them is to publish a CSV.

use misto_tabular::{ColumnType, Format, parse_value, trim_value};
use serde::Serialize;

use crate::rules::is_iso_like;

/// A safe fix offered to the publisher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fix {
    /// Re-encode the text to UTF-8 without BOM; nothing else changes.
    ReencodeUtf8,
    /// Rewrite the dates of date and datetime columns as ISO 8601.
    IsoDates,
    /// Remove spaces around every cell (header included).
    TrimSpaces,
    /// Remove rows (and blank lines) below the header whose cells are all
    /// empty.
    DropEmptyRows,
}

impl Fix {
    /// A stable id (`reencode_utf8`, `iso_dates`, `trim_spaces`,
    /// `drop_empty_rows`).
    pub fn id(self) -> &'static str {
        match self {
            Fix::ReencodeUtf8 => "reencode_utf8",
            Fix::IsoDates => "iso_dates",
            Fix::TrimSpaces => "trim_spaces",
            Fix::DropEmptyRows => "drop_empty_rows",
        }
    }

    /// From [`Fix::id`].
    pub fn from_id(id: &str) -> Option<Fix> {
        [
            Fix::ReencodeUtf8,
            Fix::IsoDates,
            Fix::TrimSpaces,
            Fix::DropEmptyRows,
        ]
        .into_iter()
        .find(|f| f.id() == id)
    }
}

/// One row a fix changed: its line in the original file, and the cells
/// before and after (`after` is `None` for a removed row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowChange {
    pub line: usize,
    pub before: Vec<String>,
    pub after: Option<Vec<String>>,
}

/// The result of a fix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FixOutput {
    pub fix: Fix,
    /// The new file: UTF-8, no BOM.
    pub bytes: Vec<u8>,
    /// How many rows changed (or were removed).
    pub changed_rows: usize,
    /// The first [`PREVIEW_ROWS`] changed rows.
    pub preview: Vec<RowChange>,
}

/// Rows kept in a preview.
pub const PREVIEW_ROWS: usize = 20;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FixError {
    #[error("automatic fixes apply to CSV and TSV files only")]
    NotDelimitedText,
    #[error("the file could not be read: {0}")]
    Unreadable(String),
}

/// Applies `fix` to the CSV/TSV `bytes` (`file_name` gives the format when
/// the bytes do not).
pub fn apply_fix(bytes: &[u8], file_name: &str, fix: Fix) -> Result<FixOutput, FixError> {
    let format = Format::resolve(Format::Auto, file_name, bytes);
    if !matches!(format, Format::Csv | Format::Tsv) {
        return Err(FixError::NotDelimitedText);
    }
    let decoded = misto_tabular::decode(bytes);
    let text: &str = &decoded.text;
    if fix == Fix::ReencodeUtf8 {
        return Ok(reencode(bytes, text));
    }
    let delimiter = if format == Format::Tsv {
        b'\t'
    } else {
        misto_tabular::detect_delimiter(text)
    };
    let (records, blank_lines) = misto_tabular::parse_records(text, delimiter)
        .map_err(|e| FixError::Unreadable(e.to_string()))?;
    // The table view gives the header line and the column types.
    let book = misto_tabular::read(bytes, format, file_name)
        .map_err(|e| FixError::Unreadable(e.to_string()))?;
    let table = book.tables.first();
    let header_line = table.map_or(1, |t| t.header_row.max(1));
    let date_columns: Vec<(usize, ColumnType)> = table
        .map(|t| {
            t.columns
                .iter()
                .enumerate()
                .filter(|(_, c)| matches!(c.inferred, ColumnType::Date | ColumnType::DateTime))
                .map(|(i, c)| (i, c.inferred))
                .collect()
        })
        .unwrap_or_default();
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };

    let mut out = String::with_capacity(text.len());
    let mut changed = 0usize;
    let mut preview = Vec::new();
    let mut note = |line: usize, before: &[String], after: Option<Vec<String>>| {
        changed += 1;
        if preview.len() < PREVIEW_ROWS {
            preview.push(RowChange {
                line,
                before: before.to_vec(),
                after,
            });
        }
    };
    let mut blanks = blank_lines.iter().peekable();
    for (line, cells) in &records {
        // Blank lines are kept where they were, except by DropEmptyRows.
        while let Some(b) = blanks.next_if(|b| **b < *line) {
            if fix == Fix::DropEmptyRows && *b > header_line {
                note(*b, &[], None);
            } else {
                out.push_str(eol);
            }
        }
        let after: Option<Vec<String>> = match fix {
            Fix::TrimSpaces => {
                let new: Vec<String> = cells.iter().map(|c| trim_value(c).to_string()).collect();
                (new != *cells).then_some(new)
            }
            Fix::IsoDates if *line > header_line => {
                let mut new = cells.clone();
                for (ci, ty) in &date_columns {
                    if let Some(v) = new.get_mut(*ci) {
                        let t = trim_value(v);
                        if !t.is_empty() && !is_iso_like(t) {
                            let parsed = parse_value(t, *ty);
                            if !matches!(parsed, misto_tabular::Value::Invalid(_)) {
                                *v = parsed.to_canonical_string();
                            }
                        }
                    }
                }
                (new != *cells).then_some(new)
            }
            Fix::DropEmptyRows
                if *line > header_line && cells.iter().all(|c| trim_value(c).is_empty()) =>
            {
                note(*line, cells, None);
                continue;
            }
            _ => None,
        };
        match after {
            Some(new) => {
                write_record(&mut out, &new, delimiter, eol);
                note(*line, cells, Some(new));
            }
            None => write_record(&mut out, cells, delimiter, eol),
        }
    }
    Ok(FixOutput {
        fix,
        bytes: out.into_bytes(),
        changed_rows: changed,
        preview,
    })
}

fn reencode(bytes: &[u8], text: &str) -> FixOutput {
    // The preview shows lines with non-ASCII text as a UTF-8 reader saw them
    // before, and as they read now.
    let before_text = String::from_utf8_lossy(bytes);
    let mut preview = Vec::new();
    let mut changed = 0usize;
    for (i, (new, old)) in text.lines().zip(before_text.lines()).enumerate() {
        if new != old || (i == 0 && bytes.starts_with(b"\xEF\xBB\xBF")) {
            changed += 1;
            if preview.len() < PREVIEW_ROWS {
                preview.push(RowChange {
                    line: i + 1,
                    before: vec![old.to_string()],
                    after: Some(vec![new.to_string()]),
                });
            }
        }
    }
    FixOutput {
        fix: Fix::ReencodeUtf8,
        bytes: text.as_bytes().to_vec(),
        changed_rows: changed,
        preview,
    }
}

/// Writes one CSV record, quoting a field only when it holds the delimiter,
/// a quote or a line break.
fn write_record(out: &mut String, cells: &[String], delimiter: u8, eol: &str) {
    let d = delimiter as char;
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(d);
        }
        if c.contains([d, '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&c.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(c);
        }
    }
    out.push_str(eol);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_ids_roundtrip() {
        for f in [
            Fix::ReencodeUtf8,
            Fix::IsoDates,
            Fix::TrimSpaces,
            Fix::DropEmptyRows,
        ] {
            assert_eq!(Fix::from_id(f.id()), Some(f));
        }
    }

    #[test]
    fn record_writing() {
        let cases: &[(&[&str], u8, &str)] = &[
            (&["a", "b"], b',', "a,b\n"),
            (&["a,b", "c"], b',', "\"a,b\",c\n"),
            (&["a,b", "c"], b';', "a,b;c\n"),
            (
                &["say \"hi\"", "x\ny"],
                b';',
                "\"say \"\"hi\"\"\";\"x\ny\"\n",
            ),
        ];
        for (cells, d, want) in cases {
            let cells: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
            let mut out = String::new();
            write_record(&mut out, &cells, *d, "\n");
            assert_eq!(out, *want);
        }
    }
}
