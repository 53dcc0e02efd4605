//! XLSX, XLS and ODS through calamine: one table per non-empty sheet.
//!
//! Cells become text: integers as written, floats in their shortest form
//! (`12` for 12.0), dates as ISO 8601 (`2024-03-01`, or
//! `2024-03-01T10:30:00` when there is a time), booleans as `true`/`false`,
//! errors as Excel shows them (`#DIV/0!`). Merged ranges of XLSX and XLS
//! sheets are reported as [`DiagnosticKind::MergedCells`].

use std::io::Cursor;

use calamine::{Data, Dimensions, Reader, Sheets, open_workbook_auto_from_rs};

mod guard;

use crate::table::{self, Raw};
use crate::{Diagnostic, DiagnosticKind, Format, ReadError, ReadOptions, Workbook};

/// Text of one cell.
pub(crate) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => float_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                return float_text(dt.as_f64());
            }
            match dt.as_datetime() {
                Some(v) if v.time() == chrono::NaiveTime::MIN => v.format("%Y-%m-%d").to_string(),
                Some(v) => v.format("%Y-%m-%dT%H:%M:%S").to_string(),
                None => float_text(dt.as_f64()),
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

fn float_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn merged(dims: Vec<Dimensions>) -> Vec<Diagnostic> {
    dims.into_iter()
        .filter(|d| d.start != d.end)
        .map(|d| {
            let rows = (d.start.0 as usize + 1, d.end.0 as usize + 1);
            let columns = (d.start.1 as usize + 1, d.end.1 as usize + 1);
            Diagnostic {
                row: Some(rows.0),
                column: Some(columns.0 - 1),
                kind: DiagnosticKind::MergedCells { rows, columns },
                message: format!(
                    "cells of rows {}-{}, columns {}-{} are merged",
                    rows.0, rows.1, columns.0, columns.1
                ),
            }
        })
        .collect()
}

pub(crate) fn read_sheets(
    bytes: &[u8],
    format: Format,
    options: &ReadOptions,
) -> Result<Workbook, ReadError> {
    // calamine can panic on a damaged workbook (an index past a record's
    // end, found by tests/mutations.rs): that is a damaged file, not a bug
    // that should end the job or the server.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_sheets_unguarded(bytes, format, options)
    }))
    .unwrap_or_else(|_| {
        Err(ReadError::Spreadsheet(
            "the workbook is damaged (its records do not hold together)".into(),
        ))
    })
}

fn read_sheets_unguarded(
    bytes: &[u8],
    format: Format,
    options: &ReadOptions,
) -> Result<Workbook, ReadError> {
    let limits = &options.limits;
    // calamine inflates and, for XLS and ODS, lays out every sheet densely
    // when the workbook is opened: measure what it would build first.
    if bytes.starts_with(b"PK\x03\x04") {
        guard::zip_inflated(bytes, limits)?;
        if guard::is_ods(bytes) {
            guard::ods_cells(bytes, limits)?;
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        guard::xls_cells(bytes, limits)?;
    }
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ReadError::Spreadsheet(e.to_string()))?;
    let actual = match &wb {
        Sheets::Xls(_) => Format::Xls,
        Sheets::Ods(_) => Format::Ods,
        Sheets::Xlsx(_) | Sheets::Xlsb(_) => {
            if format == Format::Ods {
                Format::Xlsx
            } else {
                format
            }
        }
    };
    let names = wb.sheet_names();
    let mut tables = Vec::new();
    for name in &names {
        let Some(records) = sheet_records(&mut wb, name, limits)? else {
            continue;
        };
        if records
            .iter()
            .all(|(_, r)| r.iter().all(|c| c.trim().is_empty()))
        {
            continue;
        }
        let merges = match &mut wb {
            Sheets::Xlsx(x) => x
                .merge_cells_by_sheet_name(name)
                .map(merged)
                .unwrap_or_default(),
            Sheets::Xls(x) => x
                .merge_cells_by_sheet_name(name)
                .map(merged)
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        tables.push(table::build(
            Raw {
                name: name.clone(),
                records,
                blank_lines: Vec::new(),
                encoding: "binary",
                bom: false,
                delimiter: None,
                check_ragged: false,
                diagnostics: merges,
            },
            options,
        )?);
    }
    Ok(Workbook {
        format: actual,
        tables,
        sheet_names: names,
    })
}

/// The rows of one sheet as text, each with its 1-based sheet row, from the
/// first used row and column to the last; `None` for an empty sheet.
///
/// XLSX sheets are read cell by cell, so a sheet whose few cells sit far
/// apart (A1 and XFD1048576) is refused by the limits before a dense grid
/// is laid out; XLS and ODS sheets were measured by [`guard`] before
/// calamine opened them.
fn sheet_records(
    wb: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
    limits: &crate::Limits,
) -> Result<Option<Vec<table::Record>>, ReadError> {
    let sheet_err =
        |e: &dyn std::fmt::Display| ReadError::Spreadsheet(format!("sheet {name}: {e}"));
    if let Sheets::Xlsx(x) = wb {
        let mut reader = x.worksheet_cells_reader(name).map_err(|e| sheet_err(&e))?;
        let mut cells: Vec<(u32, u32, String)> = Vec::new();
        let (mut min_row, mut max_row, mut min_col, mut max_col) = (u32::MAX, 0u32, u32::MAX, 0u32);
        while let Some(cell) = reader.next_cell().map_err(|e| sheet_err(&e))? {
            let (row, col) = cell.get_position();
            let text = cell_text(&Data::from(cell.get_value().clone()));
            if text.is_empty() {
                continue;
            }
            limits.columns(col as usize + 1)?;
            limits.rows(row as usize + 1)?;
            if cells.len() >= limits.max_cells {
                limits.cells(cells.len() + 1, 1)?;
            }
            min_row = min_row.min(row);
            max_row = max_row.max(row);
            min_col = min_col.min(col);
            max_col = max_col.max(col);
            cells.push((row, col, text));
        }
        if cells.is_empty() {
            return Ok(None);
        }
        let height = (max_row - min_row) as usize + 1;
        let width = (max_col - min_col) as usize + 1;
        limits.cells(height, width)?;
        let mut records: Vec<table::Record> = (0..height)
            .map(|i| (min_row as usize + i + 1, vec![String::new(); width]))
            .collect();
        for (row, col, text) in cells {
            records[(row - min_row) as usize].1[(col - min_col) as usize] = text;
        }
        return Ok(Some(records));
    }
    let range = wb.worksheet_range(name).map_err(|e| sheet_err(&e))?;
    if range.is_empty() {
        return Ok(None);
    }
    limits.cells(range.height(), range.width())?;
    let (start_row, _) = range.start().unwrap_or((0, 0));
    Ok(Some(
        range
            .rows()
            .enumerate()
            .map(|(i, row)| {
                (
                    start_row as usize + i + 1,
                    row.iter().map(cell_text).collect(),
                )
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_texts() {
        let cases: Vec<(Data, &str)> = vec![
            (Data::Empty, ""),
            (Data::Int(5), "5"),
            (Data::Float(12.0), "12"),
            (Data::Float(12.5), "12.5"),
            (Data::Bool(true), "true"),
            (Data::String("Київ".into()), "Київ"),
        ];
        for (cell, want) in cases {
            assert_eq!(cell_text(&cell), want);
        }
    }
}
