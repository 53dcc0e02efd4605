//! A small typed table and its three renderings: CSV (RFC 4180, UTF-8,
//! comma-separated), JSON (an array of objects, keys in column order) and
//! XLSX (one sheet with a bold, frozen header row).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

/// One column: its machine name and what it means (the description goes into
/// the dataset's notes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Col {
    pub name: &'static str,
    pub desc: &'static str,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Text(String),
    Int(i64),
    /// A decimal number with a fixed count of fraction digits.
    Dec(f64, u8),
    Date(NaiveDate),
    Time(DateTime<Utc>),
    Bool(bool),
    /// Several values: a JSON array, `; `-joined in CSV and XLSX.
    List(Vec<String>),
    Empty,
}

/// Money in hryvnias with two fraction digits.
pub(crate) fn money(x: f64) -> Val {
    Val::Dec(x, 2)
}

/// A coordinate in decimal degrees (WGS 84), six fraction digits.
pub(crate) fn coord(x: f64) -> Val {
    Val::Dec(x, 6)
}

pub(crate) fn dec(x: f64, digits: u8) -> Val {
    Val::Dec(x, digits)
}

pub(crate) fn list<S: AsRef<str>>(items: &[S]) -> Val {
    Val::List(items.iter().map(|s| s.as_ref().to_string()).collect())
}

impl From<&str> for Val {
    fn from(s: &str) -> Self {
        Val::Text(s.to_string())
    }
}
impl From<String> for Val {
    fn from(s: String) -> Self {
        Val::Text(s)
    }
}
impl From<&String> for Val {
    fn from(s: &String) -> Self {
        Val::Text(s.clone())
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Val::Int(i64::from(v))
    }
}
impl From<u32> for Val {
    fn from(v: u32) -> Self {
        Val::Int(i64::from(v))
    }
}
impl From<usize> for Val {
    fn from(v: usize) -> Self {
        Val::Int(v as i64)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Bool(v)
    }
}
impl From<NaiveDate> for Val {
    fn from(v: NaiveDate) -> Self {
        Val::Date(v)
    }
}
impl From<DateTime<Utc>> for Val {
    fn from(v: DateTime<Utc>) -> Self {
        Val::Time(v)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Empty, Into::into)
    }
}

/// Builds a row from values of mixed types: `row![name, 12, money(3.5)]`.
macro_rules! row {
    ($($v:expr),* $(,)?) => { vec![$($crate::table::Val::from($v)),*] };
}
pub(crate) use row;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub cols: Vec<Col>,
    pub rows: Vec<Vec<Val>>,
}

impl Table {
    pub(crate) fn new(cols: &[(&'static str, &'static str)]) -> Self {
        Self {
            cols: cols
                .iter()
                .map(|&(name, desc)| Col { name, desc })
                .collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: Vec<Val>) {
        assert_eq!(
            row.len(),
            self.cols.len(),
            "row width of {:?}",
            self.cols[0].name
        );
        self.rows.push(row);
    }

    pub(crate) fn to_csv(&self) -> Vec<u8> {
        let mut out = String::new();
        let header: Vec<String> = self.cols.iter().map(|c| csv_field(c.name)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for r in &self.rows {
            let cells: Vec<String> = r.iter().map(|v| csv_field(&plain(v))).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut out = String::from("[\n");
        for (i, r) in self.rows.iter().enumerate() {
            out.push_str("  {");
            for (j, (c, v)) in self.cols.iter().zip(r).enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                out.push_str(&json_string(c.name));
                out.push_str(": ");
                out.push_str(&json_value(v));
            }
            out.push('}');
            if i + 1 < self.rows.len() {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str("]\n");
        out.into_bytes()
    }

    /// One worksheet named after `sheet`, the header row bold and frozen.
    /// `created` fixes the document's creation time so that the output is
    /// deterministic.
    pub(crate) fn to_xlsx(&self, sheet: &str, title: &str, created: NaiveDate) -> Vec<u8> {
        let mut wb = Workbook::new();
        let created = ExcelDateTime::from_ymd(
            created.year() as u16,
            created.month() as u8,
            created.day() as u8,
        )
        .expect("valid date");
        let props = DocProperties::new()
            .set_title(title)
            .set_author("Демо-міська рада")
            .set_creation_datetime(&created);
        wb.set_properties(&props);
        let header = Format::new().set_bold().set_background_color("#DDEBF7");
        let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
        let ws = wb.add_worksheet();
        ws.set_name(sheet).expect("sheet name");
        for (j, c) in self.cols.iter().enumerate() {
            let col = j as u16;
            ws.write_string_with_format(0, col, c.name, &header)
                .expect("header");
            let widest = self
                .rows
                .iter()
                .map(|r| plain(&r[j]).chars().count())
                .chain(std::iter::once(c.name.len()))
                .max()
                .unwrap_or(8);
            ws.set_column_width(col, (widest.clamp(6, 60) + 2) as f64)
                .expect("width");
        }
        let mut dec_formats: Vec<(u8, Format)> = Vec::new();
        for (i, r) in self.rows.iter().enumerate() {
            let row = (i + 1) as u32;
            for (j, v) in r.iter().enumerate() {
                let col = j as u16;
                match v {
                    Val::Text(s) => {
                        ws.write_string(row, col, s).expect("cell");
                    }
                    Val::Int(n) => {
                        ws.write_number(row, col, *n as f64).expect("cell");
                    }
                    Val::Dec(x, d) => {
                        if !dec_formats.iter().any(|(k, _)| k == d) {
                            let pattern = format!("0.{}", "0".repeat(usize::from(*d)));
                            dec_formats.push((*d, Format::new().set_num_format(pattern)));
                        }
                        let f = &dec_formats.iter().find(|(k, _)| k == d).expect("format").1;
                        ws.write_number_with_format(row, col, *x, f).expect("cell");
                    }
                    Val::Date(dt) => {
                        let xd = ExcelDateTime::from_ymd(
                            dt.year() as u16,
                            dt.month() as u8,
                            dt.day() as u8,
                        )
                        .expect("date");
                        ws.write_datetime_with_format(row, col, &xd, &date_fmt)
                            .expect("cell");
                    }
                    Val::Bool(b) => {
                        ws.write_boolean(row, col, *b).expect("cell");
                    }
                    Val::Time(_) | Val::List(_) => {
                        ws.write_string(row, col, plain(v)).expect("cell");
                    }
                    Val::Empty => {}
                }
            }
        }
        ws.set_freeze_panes(1, 0).expect("freeze");
        wb.save_to_buffer().expect("xlsx in memory")
    }
}

/// The text form of a value, as CSV and XLSX show it.
fn plain(v: &Val) -> String {
    match v {
        Val::Text(s) => s.clone(),
        Val::Int(n) => n.to_string(),
        Val::Dec(x, d) => format!("{:.*}", usize::from(*d), x),
        Val::Date(d) => d.format("%Y-%m-%d").to_string(),
        Val::Time(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Val::Bool(b) => b.to_string(),
        Val::List(items) => items.join("; "),
        Val::Empty => String::new(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn json_value(v: &Val) -> String {
    match v {
        Val::Text(_) | Val::Date(_) | Val::Time(_) => json_string(&plain(v)),
        Val::Int(_) | Val::Dec(..) | Val::Bool(_) => plain(v),
        Val::List(items) => {
            let parts: Vec<String> = items.iter().map(|s| json_string(s)).collect();
            format!("[{}]", parts.join(", "))
        }
        Val::Empty => "null".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&[("name", "назва"), ("amount", "сума"), ("tags", "мітки")]);
        t.push(row!["вул. Шевченка, 12", money(1234.5), list(&["a", "b"])]);
        t.push(row!["Сказав \"так\"", Val::Empty, list::<&str>(&[])]);
        t
    }

    #[test]
    fn csv_quotes() {
        let csv = String::from_utf8(sample().to_csv()).unwrap();
        assert_eq!(
            csv,
            "name,amount,tags\r\n\"вул. Шевченка, 12\",1234.50,a; b\r\n\"Сказав \"\"так\"\"\",,\r\n"
        );
    }

    #[test]
    fn json_parses() {
        let v: serde_json::Value = serde_json::from_slice(&sample().to_json()).unwrap();
        assert_eq!(v[0]["amount"], serde_json::json!(1234.5));
        assert_eq!(v[0]["tags"], serde_json::json!(["a", "b"]));
        assert!(v[1]["amount"].is_null());
    }

    #[test]
    fn xlsx_is_zip() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 2).unwrap();
        let x = sample().to_xlsx("Дані", "Тест", d);
        assert!(x.starts_with(b"PK"));
        assert_eq!(x, sample().to_xlsx("Дані", "Тест", d));
    }
}
