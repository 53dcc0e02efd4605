//! From raw records (rows of cells with their line numbers) to a [`Table`]:
//! header detection, title rows, empty and ragged rows, column names, type
//! inference over whole columns and the values that do not fit.

use std::collections::HashMap;

use crate::infer::{self, ColumnType, DateStyle, Tally, classify, trim_value};
use crate::{Column, Diagnostic, DiagnosticKind, ReadError, ReadOptions, Table};

/// A record: its 1-based line (or sheet row) and its cells.
pub(crate) type Record = (usize, Vec<String>);

/// Records as read from a file, before the table is shaped.
pub(crate) struct Raw {
    pub name: String,
    /// (1-based line or sheet row, cells)
    pub records: Vec<Record>,
    /// Blank lines the CSV reader skipped (1-based).
    pub blank_lines: Vec<usize>,
    pub encoding: &'static str,
    pub bom: bool,
    pub delimiter: Option<u8>,
    /// Whether records may have different field counts (CSV) and that should
    /// be reported.
    pub check_ragged: bool,
    /// Diagnostics found by the reader (decoding, merged cells).
    pub diagnostics: Vec<Diagnostic>,
}

/// Collects diagnostics, keeping at most `max` of each kind.
pub(crate) struct Sink {
    pub list: Vec<Diagnostic>,
    counts: HashMap<&'static str, usize>,
    max: usize,
}

impl Sink {
    pub fn new(max: usize) -> Self {
        Sink {
            list: Vec::new(),
            counts: HashMap::new(),
            max,
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        let n = self.counts.entry(d.kind.id()).or_insert(0);
        *n += 1;
        if *n <= self.max {
            self.list.push(d);
        }
    }

    /// The kept diagnostics ordered by row (whole-file ones first), then one
    /// `Suppressed` per kind that overflowed.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| (d.row, d.column));
        let mut over: Vec<(&'static str, usize)> = self
            .counts
            .iter()
            .filter(|(_, n)| **n > self.max)
            .map(|(k, n)| (*k, *n - self.max))
            .collect();
        over.sort();
        for (of, count) in over {
            self.list.push(Diagnostic {
                row: None,
                column: None,
                kind: DiagnosticKind::Suppressed {
                    of: of.to_string(),
                    count,
                },
                message: format!("{count} more diagnostics of kind {of} were not kept"),
            });
        }
        self.list
    }
}

fn is_blank(cell: &str) -> bool {
    trim_value(cell).is_empty()
}

pub(crate) fn non_empty_count<S: AsRef<str>>(cells: &[S]) -> usize {
    cells.iter().filter(|c| !is_blank(c.as_ref())).count()
}

pub(crate) fn trimmed_len<S: AsRef<str>>(cells: &[S]) -> usize {
    cells
        .iter()
        .rposition(|c| !is_blank(c.as_ref()))
        .map_or(0, |i| i + 1)
}

/// Finds the header: the first record (among the first `search` ones) with at
/// least 60 % of the widest record's non-empty cells (and at least two when
/// any record has two).
pub(crate) fn find_header(records: &[Record], search: usize) -> Option<usize> {
    let window = &records[..records.len().min(search.max(1))];
    let widest = window.iter().map(|(_, r)| non_empty_count(r)).max()?;
    if widest == 0 {
        return records.iter().position(|(_, r)| non_empty_count(r) > 0);
    }
    let need = if widest >= 2 {
        ((widest as f64) * 0.6).ceil().max(2.0) as usize
    } else {
        1
    };
    window.iter().position(|(_, r)| non_empty_count(r) >= need)
}

/// Shapes raw records into a table with a detected header.
pub(crate) fn build(raw: Raw, options: &ReadOptions) -> Result<Table, ReadError> {
    let mut sink = Sink::new(options.max_diagnostics_per_kind);
    for d in &raw.diagnostics {
        sink.push(d.clone());
    }
    let Some(h) = find_header(&raw.records, options.header_search_rows) else {
        return Ok(empty_table(raw, sink));
    };
    let mut records = raw.records;
    let mut data = records.split_off(h + 1);
    let Some((header_line, header)) = records.pop() else {
        return Ok(Table {
            name: raw.name,
            columns: Vec::new(),
            rows: Vec::new(),
            row_lines: Vec::new(),
            encoding: raw.encoding,
            bom: raw.bom,
            delimiter: raw.delimiter,
            header_row: 0,
            diagnostics: sink.finish(),
        });
    };
    for (line, cells) in &records {
        if non_empty_count(cells) > 0 {
            let kept: Vec<String> = cells
                .iter()
                .filter(|c| !is_blank(c))
                .map(|c| c.to_string())
                .collect();
            sink.push(Diagnostic {
                row: Some(*line),
                column: None,
                message: format!(
                    "line {line} above the header is not data: {}",
                    kept.join(" | ")
                ),
                kind: DiagnosticKind::TitleRow { cells: kept },
            });
        }
    }
    for line in raw.blank_lines.iter().filter(|l| **l > header_line) {
        sink.push(Diagnostic {
            row: Some(*line),
            column: None,
            kind: DiagnosticKind::EmptyRow,
            message: format!("line {line} is empty"),
        });
    }

    // Width: the header's named cells, or more when most data rows are wider.
    let header_raw_len = header.len();
    let mut width = trimmed_len(&header);
    let mut lens: HashMap<usize, usize> = HashMap::new();
    for (_, r) in &data {
        *lens.entry(trimmed_len(r)).or_insert(0) += 1;
    }
    if let Some((modal, _)) = lens
        .iter()
        .filter(|(len, _)| **len > 0)
        .max_by_key(|(len, n)| (**n, **len))
    {
        width = width.max(*modal);
    }
    // Padding short rows to the width is what would allocate: check first.
    options.limits.cells(data.len(), width)?;
    let columns_names = name_columns(&header, width, header_line, &mut sink);

    let mut rows = Vec::with_capacity(data.len());
    let mut row_lines = Vec::with_capacity(data.len());
    for (line, mut cells) in data.drain(..) {
        if non_empty_count(&cells) == 0 {
            sink.push(Diagnostic {
                row: Some(line),
                column: None,
                kind: DiagnosticKind::EmptyRow,
                message: format!("line {line} is empty"),
            });
            continue;
        }
        if raw.check_ragged && cells.len() != header_raw_len {
            let lost: Vec<&str> = cells
                .iter()
                .skip(width)
                .map(|c| c.as_str())
                .filter(|c| !is_blank(c))
                .collect();
            let mut message = format!(
                "line {line} has {} fields where the header has {header_raw_len}",
                cells.len()
            );
            if !lost.is_empty() {
                message.push_str(&format!("; extra values: {}", lost.join(" | ")));
            }
            sink.push(Diagnostic {
                row: Some(line),
                column: None,
                kind: DiagnosticKind::RaggedRow {
                    expected: header_raw_len,
                    found: cells.len(),
                },
                message,
            });
        }
        cells.resize(width, String::new());
        rows.push(cells);
        row_lines.push(line);
    }

    let columns = infer_columns(columns_names, &rows, &row_lines, options, &mut sink);
    Ok(Table {
        name: raw.name,
        columns,
        rows,
        row_lines,
        encoding: raw.encoding,
        bom: raw.bom,
        delimiter: raw.delimiter,
        header_row: header_line,
        diagnostics: sink.finish(),
    })
}

/// Builds a table whose columns are known (JSON keys): no header detection,
/// no title rows.
pub(crate) fn build_with_header(
    name: String,
    header: Vec<String>,
    records: Vec<Record>,
    pre: Vec<Diagnostic>,
    options: &ReadOptions,
) -> Result<Table, ReadError> {
    let mut sink = Sink::new(options.max_diagnostics_per_kind);
    for d in pre {
        sink.push(d);
    }
    let width = header.len();
    options.limits.cells(records.len(), width)?;
    let names = name_columns(&header, width, 0, &mut sink);
    let mut rows = Vec::with_capacity(records.len());
    let mut row_lines = Vec::with_capacity(records.len());
    for (line, mut cells) in records {
        if non_empty_count(&cells) == 0 {
            sink.push(Diagnostic {
                row: Some(line),
                column: None,
                kind: DiagnosticKind::EmptyRow,
                message: format!("item {line} has no values"),
            });
            continue;
        }
        cells.resize(width, String::new());
        rows.push(cells);
        row_lines.push(line);
    }
    let columns = infer_columns(names, &rows, &row_lines, options, &mut sink);
    Ok(Table {
        name,
        columns,
        rows,
        row_lines,
        encoding: "UTF-8",
        bom: false,
        delimiter: None,
        header_row: 0,
        diagnostics: sink.finish(),
    })
}

fn empty_table(raw: Raw, sink: Sink) -> Table {
    Table {
        name: raw.name,
        columns: Vec::new(),
        rows: Vec::new(),
        row_lines: Vec::new(),
        encoding: raw.encoding,
        bom: raw.bom,
        delimiter: raw.delimiter,
        header_row: 0,
        diagnostics: sink.finish(),
    }
}

/// (name, header cell as written) for each column.
pub(crate) fn name_columns(
    header: &[String],
    width: usize,
    header_line: usize,
    sink: &mut Sink,
) -> Vec<(String, String)> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(width);
    for i in 0..width {
        let raw = header.get(i).cloned().unwrap_or_default();
        let trimmed = trim_value(&raw).to_string();
        let mut name = if trimmed.is_empty() {
            sink.push(Diagnostic {
                row: (header_line > 0).then_some(header_line),
                column: Some(i),
                kind: DiagnosticKind::EmptyHeader,
                message: format!("column {} has no name", i + 1),
            });
            format!("column_{}", i + 1)
        } else {
            trimmed
        };
        let n = seen.entry(name.to_lowercase()).or_insert(0);
        *n += 1;
        if *n > 1 {
            sink.push(Diagnostic {
                row: (header_line > 0).then_some(header_line),
                column: Some(i),
                kind: DiagnosticKind::DuplicateHeader { name: name.clone() },
                message: format!("column {} repeats the name {name}", i + 1),
            });
            name = format!("{name}_{n}");
        }
        out.push((name, raw));
    }
    out
}

fn type_bit(ty: ColumnType) -> u8 {
    match ty {
        ColumnType::Boolean => infer::BOOL,
        ColumnType::Integer => infer::INT,
        ColumnType::Decimal => infer::DEC,
        ColumnType::Date => infer::DATE,
        ColumnType::DateTime => infer::DATETIME,
        ColumnType::Text => 0,
    }
}

fn infer_columns(
    names: Vec<(String, String)>,
    rows: &[Vec<String>],
    row_lines: &[usize],
    options: &ReadOptions,
    sink: &mut Sink,
) -> Vec<Column> {
    let mut tallies = vec![Tally::default(); names.len()];
    for row in rows {
        for (t, cell) in tallies.iter_mut().zip(row) {
            t.add(cell);
        }
    }
    let mut columns = Vec::with_capacity(names.len());
    for (ci, ((name, header), tally)) in names.into_iter().zip(tallies).enumerate() {
        let column = column_of(name, header, &tally, options);
        let inferred = column.inferred;
        let name = &column.name;
        let bit = type_bit(inferred);
        if column.mismatches > 0 {
            for (row, line) in rows.iter().zip(row_lines) {
                let v = trim_value(&row[ci]);
                if !v.is_empty() && classify(v).bits & bit == 0 {
                    sink.push(Diagnostic {
                        row: Some(*line),
                        column: Some(ci),
                        kind: DiagnosticKind::TypeMismatch {
                            expected: inferred,
                            value: row[ci].clone(),
                        },
                        message: format!(
                            "line {line}, column {name}: {:?} is not {}",
                            row[ci],
                            inferred.as_str()
                        ),
                    });
                }
            }
        }
        columns.push(column);
    }
    columns
}

/// A column's type and statistics from the tally of all its values.
pub(crate) fn column_of(
    name: String,
    header: String,
    tally: &Tally,
    options: &ReadOptions,
) -> Column {
    let inferred = tally.decide(options.min_type_share);
    let fitting = match inferred {
        ColumnType::Text => tally.non_empty,
        ColumnType::Boolean => tally.counts[0],
        ColumnType::Integer => tally.counts[1],
        ColumnType::Decimal => tally.counts[2],
        ColumnType::Date => tally.counts[3],
        ColumnType::DateTime => tally.counts[4],
    };
    let mut styles: Vec<(usize, DateStyle)> =
        [DateStyle::Iso, DateStyle::DotDmy, DateStyle::SlashDmy]
            .into_iter()
            .map(|s| (tally.date_styles[s as usize], s))
            .filter(|(n, _)| *n > 0)
            .collect();
    styles.sort_by_key(|s| std::cmp::Reverse(s.0));
    let is_date = matches!(inferred, ColumnType::Date | ColumnType::DateTime);
    let is_number = matches!(inferred, ColumnType::Integer | ColumnType::Decimal);
    Column {
        name,
        header,
        inferred,
        non_empty: tally.non_empty,
        mismatches: tally.non_empty - fitting,
        date_styles: if is_date {
            styles.into_iter().map(|(_, s)| s).collect()
        } else {
            Vec::new()
        },
        decimal_comma: inferred == ColumnType::Decimal && tally.decimal_comma > tally.decimal_dot,
        thousands_spaces: is_number && tally.grouped > 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(rows: &[&[&str]]) -> Vec<(usize, Vec<String>)> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| (i + 1, r.iter().map(|c| c.to_string()).collect()))
            .collect()
    }

    #[test]
    fn header_detection_table() {
        let cases: Vec<(Vec<Record>, Option<usize>)> = vec![
            (rec(&[&["a", "b"], &["1", "2"]]), Some(0)),
            (
                rec(&[
                    &["Звіт за 2024 рік", "", ""],
                    &["", "", ""],
                    &["a", "b", "c"],
                ]),
                Some(2),
            ),
            (
                rec(&[
                    &["Затверджено", ""],
                    &["рішенням №5", ""],
                    &["назва", "сума"],
                    &["x", "1"],
                ]),
                Some(2),
            ),
            (rec(&[&["only"], &["1"]]), Some(0)),
            (rec(&[&["", ""], &["a", ""]]), Some(1)),
            (rec(&[]), None),
        ];
        for (records, want) in cases {
            assert_eq!(find_header(&records, 30), want, "{records:?}");
        }
    }

    #[test]
    fn sink_caps() {
        let mut s = Sink::new(2);
        for i in 0..5 {
            s.push(Diagnostic {
                row: Some(i),
                column: None,
                kind: DiagnosticKind::EmptyRow,
                message: String::new(),
            });
        }
        let list = s.finish();
        assert_eq!(list.len(), 3);
        assert_eq!(
            list[2].kind,
            DiagnosticKind::Suppressed {
                of: "empty_row".into(),
                count: 3
            }
        );
    }
}
