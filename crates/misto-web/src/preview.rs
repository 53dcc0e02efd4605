//! The first rows of a file, for the resource page: CSV (`,`, `;` or tab,
//! UTF-8 with a windows-1251 fallback) and JSON arrays of objects. Works on
//! the first bytes of the file only; never fails, answers `None` instead.
//! The datastore preview will be a second source of the same [`Table`].

use serde::Serialize;

/// Rows shown in a preview.
pub const ROWS: usize = 20;
const MAX_COLUMNS: usize = 50;
const MAX_CELL: usize = 200;

/// A preview table: header and at most [`ROWS`] rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The file has more rows than shown.
    pub more: bool,
    /// The text was decoded from windows-1251.
    pub windows_1251: bool,
}

fn cell(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > MAX_CELL {
        let cut: String = s.chars().take(MAX_CELL).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}

/// Decodes text: UTF-8 (a character cut at the end of a partial read is
/// dropped), else windows-1251. Returns the text and whether it was 1251.
pub fn decode(bytes: &[u8], partial: bool) -> (String, bool) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), false),
        Err(e) if partial && e.error_len().is_none() => (
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned(),
            false,
        ),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
            (text.into_owned(), true)
        }
    }
}

fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let mut best = (b',', 0usize);
    for d in [b',', b';', b'\t'] {
        let n = first.bytes().filter(|b| *b == d).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// The first rows of CSV. `partial` says the bytes are only the start of the file.
pub fn csv(bytes: &[u8], partial: bool) -> Option<Table> {
    let (mut text, windows_1251) = decode(bytes, partial);
    if partial {
        // Drop the last, possibly cut, line.
        if let Some(i) = text.rfind('\n') {
            text.truncate(i + 1);
        }
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&text))
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .ok()?
        .iter()
        .take(MAX_COLUMNS)
        .map(cell)
        .collect();
    if columns.is_empty() || columns.iter().all(String::is_empty) {
        return None;
    }
    let mut rows = Vec::new();
    let mut more = false;
    for rec in reader.records() {
        let rec = rec.ok()?;
        if rows.len() == ROWS {
            more = true;
            break;
        }
        rows.push(rec.iter().take(MAX_COLUMNS).map(cell).collect());
    }
    Some(Table {
        columns,
        rows,
        more: more || partial,
        windows_1251,
    })
}

fn json_cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => cell(s),
        other => cell(&other.to_string()),
    }
}

/// The first rows of a JSON array of objects (the whole file is needed).
pub fn json(bytes: &[u8]) -> Option<Table> {
    let (text, windows_1251) = decode(bytes, false);
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let items = value.as_array()?;
    let mut columns: Vec<String> = Vec::new();
    for item in items.iter().take(ROWS) {
        for k in item.as_object()?.keys() {
            if !columns.contains(k) && columns.len() < MAX_COLUMNS {
                columns.push(k.clone());
            }
        }
    }
    if columns.is_empty() {
        return None;
    }
    let rows = items
        .iter()
        .take(ROWS)
        .filter_map(|item| item.as_object())
        .map(|o| {
            columns
                .iter()
                .map(|c| o.get(c).map(json_cell).unwrap_or_default())
                .collect()
        })
        .collect();
    Some(Table {
        columns,
        rows,
        more: items.len() > ROWS,
        windows_1251,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_semicolons_and_1251() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode("назва;сума\nшкола;10\n");
        let t = csv(&bytes, false).expect("table");
        assert_eq!(t.columns, vec!["назва", "сума"]);
        assert_eq!(t.rows, vec![vec!["школа".to_string(), "10".to_string()]]);
        assert!(t.windows_1251);
    }

    #[test]
    fn csv_keeps_twenty_rows_and_drops_a_cut_line() {
        let mut s = String::from("a,b\n");
        for i in 0..30 {
            s.push_str(&format!("{i},\"x, y\"\n"));
        }
        let t = csv(s.as_bytes(), false).expect("table");
        assert_eq!(t.rows.len(), ROWS);
        assert!(t.more);
        assert_eq!(t.rows[0][1], "x, y");
        let t = csv(b"a,b\n1,2\n3,", true).expect("table");
        assert_eq!(t.rows.len(), 1);
    }

    #[test]
    fn json_arrays_of_objects() {
        let t = json(br#"[{"a":1,"b":"x"},{"a":2,"c":null}]"#).expect("table");
        assert_eq!(t.columns, vec!["a", "b", "c"]);
        assert_eq!(t.rows[1], vec!["2", "", ""]);
        assert!(json(br#"{"a":1}"#).is_none());
    }
}
