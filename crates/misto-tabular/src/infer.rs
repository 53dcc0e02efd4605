//! Column types: classifying one value, inferring a column's type from all of
//! its values, and parsing a value into a typed [`Value`].
//!
//! Accepted forms (after trimming spaces):
//! - integer: optional sign, digits, optional thousands groups separated by a
//!   space, a non-breaking space or a narrow non-breaking space (`1 234 567`);
//!   no leading zero unless the value is `0` (codes such as `007` or EDRPOU
//!   `00022473` are identifiers, so text); must fit in `i64`.
//! - decimal: an integer part as above, then `.` or `,` and digits (`12,5`,
//!   `1 234.50`). A comma is always a decimal separator, never a thousands
//!   separator (the Ukrainian convention).
//! - date: `dd.mm.yyyy`, `yyyy-mm-dd`, `dd/mm/yyyy` (day and month may have one
//!   digit), a real calendar date.
//! - datetime: a date, then a space or `T`, then `hh:mm`, `hh:mm:ss` or
//!   `hh:mm:ss.fff`, optionally `Z` or `±hh:mm` (converted to UTC).
//! - boolean: `так`/`ні`, `true`/`false`, `yes`/`no` (any case).

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

/// The type of a column, inferred from all of its non-empty values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Integer,
    Decimal,
    Date,
    DateTime,
    Boolean,
    Text,
}

impl ColumnType {
    /// Lower-case English name (`integer`, `decimal`, `date`, `datetime`,
    /// `boolean`, `text`).
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Integer => "integer",
            ColumnType::Decimal => "decimal",
            ColumnType::Date => "date",
            ColumnType::DateTime => "datetime",
            ColumnType::Boolean => "boolean",
            ColumnType::Text => "text",
        }
    }

    /// Ukrainian name for messages.
    pub fn name_uk(self) -> &'static str {
        match self {
            ColumnType::Integer => "ціле число",
            ColumnType::Decimal => "десяткове число",
            ColumnType::Date => "дата",
            ColumnType::DateTime => "дата і час",
            ColumnType::Boolean => "так/ні",
            ColumnType::Text => "текст",
        }
    }

    /// Parses `as_str` names and common synonyms (`number`, `string`,
    /// `timestamp`, `bool`).
    pub fn parse(name: &str) -> Option<ColumnType> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "integer" | "int" | "bigint" => ColumnType::Integer,
            "decimal" | "number" | "numeric" | "float" | "double" => ColumnType::Decimal,
            "date" => ColumnType::Date,
            "datetime" | "timestamp" | "date-time" => ColumnType::DateTime,
            "boolean" | "bool" => ColumnType::Boolean,
            "text" | "string" | "str" | "any" => ColumnType::Text,
            _ => return None,
        })
    }
}

/// How a date was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DateStyle {
    /// `yyyy-mm-dd` (ISO 8601)
    Iso,
    /// `dd.mm.yyyy`
    DotDmy,
    /// `dd/mm/yyyy`
    SlashDmy,
}

pub(crate) const BOOL: u8 = 1;
pub(crate) const INT: u8 = 2;
pub(crate) const DEC: u8 = 4;
pub(crate) const DATE: u8 = 8;
pub(crate) const DATETIME: u8 = 16;

/// What one value could be: a bit set of types plus how it was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Class {
    pub bits: u8,
    pub date_style: Option<DateStyle>,
    pub decimal_comma: bool,
    pub grouped: bool,
}

fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}')
}

/// Parses a number as (integer value if integer, f64, decimal comma used,
/// groups used). The form is checked by `scan_number`; only numbers with a
/// comma or thousands groups allocate.
fn parse_number(s: &str) -> Option<(Option<i64>, f64, bool, bool)> {
    let (is_int, comma, grouped) = scan_number(s)?;
    let cleaned;
    let text = if comma || grouped {
        cleaned = s
            .chars()
            .filter(|c| !is_group_space(*c))
            .map(|c| if c == ',' { '.' } else { c })
            .collect::<String>();
        cleaned.as_str()
    } else {
        s
    };
    if is_int {
        let v: i64 = text.parse().ok()?;
        Some((Some(v), v as f64, comma, grouped))
    } else {
        let v: f64 = text.parse().ok()?;
        Some((None, v, comma, grouped))
    }
}

fn num2(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_date(s: &str) -> Option<(NaiveDate, DateStyle)> {
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let y: i32 = s[..4].parse().ok()?;
        if !s[..4].bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let m = num2(&s[5..7])?;
        let d = num2(&s[8..10])?;
        return NaiveDate::from_ymd_opt(y, m, d).map(|v| (v, DateStyle::Iso));
    }
    let (sep, style) = if s.contains('.') {
        ('.', DateStyle::DotDmy)
    } else if s.contains('/') {
        ('/', DateStyle::SlashDmy)
    } else {
        return None;
    };
    let mut parts = s.split(sep);
    let d = num2(parts.next()?)?;
    let m = num2(parts.next()?)?;
    let ys = parts.next()?;
    if parts.next().is_some() || ys.len() != 4 || !ys.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let y: i32 = ys.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d).map(|v| (v, style))
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let (main, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    let mut it = main.split(':');
    let h = num2(it.next()?)?;
    let m = num2(it.next()?)?;
    let sec = match it.next() {
        Some(x) => num2(x)?,
        None => 0,
    };
    if it.next().is_some() {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) => {
            if f.is_empty() || f.len() > 9 || !f.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let v: u32 = f.parse().ok()?;
            v * 10u32.pow(9 - f.len() as u32)
        }
    };
    NaiveTime::from_hms_nano_opt(h, m, sec, nanos)
}

fn parse_datetime(s: &str) -> Option<(NaiveDateTime, DateStyle)> {
    let idx = s.find([' ', 'T'])?;
    let (date, style) = parse_date(&s[..idx])?;
    let mut rest = s[idx + 1..].trim_start();
    let mut offset_minutes: i64 = 0;
    if let Some(r) = rest.strip_suffix('Z') {
        rest = r;
    } else if rest.len() > 6 {
        let tail = &rest[rest.len() - 6..];
        let tb = tail.as_bytes();
        if (tb[0] == b'+' || tb[0] == b'-') && tb[3] == b':' {
            let h = num2(&tail[1..3])? as i64;
            let m = num2(&tail[4..6])? as i64;
            offset_minutes = (h * 60 + m) * if tb[0] == b'-' { -1 } else { 1 };
            rest = &rest[..rest.len() - 6];
        }
    }
    let time = parse_time(rest)?;
    let dt = date.and_time(time) - chrono::Duration::minutes(offset_minutes);
    Some((dt, style))
}

fn parse_bool(s: &str) -> Option<bool> {
    // Case-insensitive without allocating: the words are short and few.
    let is = |word: &str| {
        s.len() == word.len() && s.chars().flat_map(char::to_lowercase).eq(word.chars())
    };
    match s.len() {
        4 if s == "ні" => Some(false),
        6 if s == "так" => Some(true),
        2 if s.eq_ignore_ascii_case("no") => Some(false),
        3 if s.eq_ignore_ascii_case("yes") => Some(true),
        4 if s.eq_ignore_ascii_case("true") => Some(true),
        4 if is("ні") => Some(false),
        5 if s.eq_ignore_ascii_case("false") => Some(false),
        6 if is("так") => Some(true),
        _ => None,
    }
}

/// Checks the form of a number without allocating: (integer?, decimal
/// comma, grouped). Same rules as `parse_number`.
fn scan_number(s: &str) -> Option<(bool, bool, bool)> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int_part, frac_part, comma) = match body.bytes().position(|b| b == b'.' || b == b',') {
        Some(i) => (&body[..i], Some(&body[i + 1..]), body.as_bytes()[i] == b','),
        None => (body, None, false),
    };
    if int_part.is_empty() {
        return None;
    }
    let mut ndigits = 0usize;
    let mut grouped = false;
    let mut first_digit = 0u8;
    if int_part.bytes().all(|b| b.is_ascii_digit()) {
        ndigits = int_part.len();
        first_digit = int_part.as_bytes()[0];
    } else {
        for (i, g) in int_part.split(is_group_space).enumerate() {
            let ok_len = if i == 0 {
                (1..=3).contains(&g.len())
            } else {
                g.len() == 3
            };
            if !ok_len || !g.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if i == 0 {
                first_digit = g.as_bytes()[0];
            } else {
                grouped = true;
            }
            ndigits += g.len();
        }
        if !grouped {
            return None;
        }
    }
    if (ndigits > 1 && first_digit == b'0') || ndigits > 18 {
        return None;
    }
    match frac_part {
        None => Some((true, false, grouped)),
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            Some((false, comma, grouped))
        }
        Some(_) => None,
    }
}

/// Classifies one trimmed, non-empty value.
pub(crate) fn classify(s: &str) -> Class {
    let mut c = Class::default();
    let first = s.as_bytes()[0];
    if first.is_ascii_digit() || first == b'-' || first == b'+' {
        if let Some((int, comma, grouped)) = scan_number(s) {
            c.bits |= DEC;
            if int {
                c.bits |= INT;
            }
            c.decimal_comma = comma;
            c.grouped = grouped;
            return c;
        }
        if first.is_ascii_digit() && s.len() >= 8 {
            if let Some((_, style)) = parse_date(s) {
                c.bits |= DATE | DATETIME;
                c.date_style = Some(style);
            } else if let Some((_, style)) = parse_datetime(s) {
                c.bits |= DATETIME;
                c.date_style = Some(style);
            }
        }
        return c;
    }
    if parse_bool(s).is_some() {
        c.bits |= BOOL;
    }
    c
}

/// Trims the spaces a cell may carry around a value (including non-breaking).
pub fn trim_value(s: &str) -> &str {
    // Most values start and end with a character that is no space: a
    // glance at the first and last bytes says so without decoding.
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (None, _) | (_, None) => s,
        (Some(&f), Some(&l)) if !may_start_space(f) && !may_end_space(l) => s,
        _ => s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'),
    }
}

/// Whether a byte may begin a space character (`char::is_whitespace` or
/// U+FEFF): an ASCII space or control, or the first byte of U+0085, U+00A0
/// (0xC2), U+1680 (0xE1), U+2000..U+205F (0xE2), U+3000 (0xE3), U+FEFF
/// (0xEF).
fn may_start_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ' | 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF)
}

/// Whether a byte may end a space character: an ASCII space or control,
/// or the last byte of a multi-byte one (those are 0x80..=0xBF, shared with
/// most letters of other scripts; the slow path then looks).
fn may_end_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ') || may_end_multibyte_space(b)
}

/// Last bytes of the multi-byte space characters: U+0085 (0x85), U+00A0
/// (0xA0), U+1680 (0x80), U+2000..U+200A (0x80..0x8A), U+2028/2029
/// (0xA8/0xA9), U+202F (0xAF), U+205F (0x9F), U+3000 (0x80), U+FEFF (0xBF).
fn may_end_multibyte_space(b: u8) -> bool {
    matches!(b, 0x80..=0x8A | 0x9F | 0xA0 | 0xA8 | 0xA9 | 0xAF | 0xBF)
}

/// A typed value. Text borrows from the cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// An empty cell.
    Null,
    Integer(i64),
    Decimal(f64),
    Date(NaiveDate),
    /// Local time as written, or UTC when the value carried an offset.
    DateTime(NaiveDateTime),
    Boolean(bool),
    Text(&'a str),
    /// A value that does not fit the column's type, kept as written.
    Invalid(&'a str),
}

impl Value<'_> {
    /// The canonical text form: ISO 8601 dates (`2024-03-01`,
    /// `2024-03-01T10:00:00`), dot decimals, `true`/`false`; invalid and text
    /// values as written; null as an empty string.
    pub fn to_canonical_string(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Integer(v) => v.to_string(),
            Value::Decimal(v) => v.to_string(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::DateTime(d) => d.format("%Y-%m-%dT%H:%M:%S").to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::Text(s) | Value::Invalid(s) => s.to_string(),
        }
    }
}

/// Parses a cell as `ty`. Empty (or blank) cells are `Null`; values that do
/// not fit are `Invalid` with the original text, never dropped.
pub fn parse_value(cell: &str, ty: ColumnType) -> Value<'_> {
    let s = trim_value(cell);
    if s.is_empty() {
        return Value::Null;
    }
    let parsed = match ty {
        ColumnType::Text => return Value::Text(cell),
        ColumnType::Integer => parse_number(s).and_then(|(i, ..)| i).map(Value::Integer),
        ColumnType::Decimal => parse_number(s).map(|(_, f, ..)| Value::Decimal(f)),
        ColumnType::Date => parse_date(s).map(|(d, _)| Value::Date(d)),
        ColumnType::DateTime => parse_datetime(s)
            .map(|(d, _)| Value::DateTime(d))
            .or_else(|| parse_date(s).map(|(d, _)| Value::DateTime(d.and_time(NaiveTime::MIN)))),
        ColumnType::Boolean => parse_bool(s).map(Value::Boolean),
    };
    parsed.unwrap_or(Value::Invalid(cell))
}

/// Whether a (non-empty) value fits a type.
pub fn fits(cell: &str, ty: ColumnType) -> bool {
    !matches!(parse_value(cell, ty), Value::Invalid(_))
}

/// Running statistics of one column while its values are seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub non_empty: usize,
    pub counts: [usize; 5],
    pub date_styles: [usize; 3],
    pub decimal_comma: usize,
    pub decimal_dot: usize,
    pub grouped: usize,
}

impl Tally {
    pub fn add(&mut self, cell: &str) {
        self.add_trimmed(trim_value(cell));
    }

    /// [`Tally::add`] of a value already trimmed.
    pub fn add_trimmed(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        self.non_empty += 1;
        let c = classify(s);
        for (i, bit) in [BOOL, INT, DEC, DATE, DATETIME].iter().enumerate() {
            if c.bits & bit != 0 {
                self.counts[i] += 1;
            }
        }
        if let Some(style) = c.date_style {
            self.date_styles[style as usize] += 1;
        }
        if c.bits & DEC != 0 && c.bits & INT == 0 {
            if c.decimal_comma {
                self.decimal_comma += 1;
            } else {
                self.decimal_dot += 1;
            }
        }
        if c.grouped {
            self.grouped += 1;
        }
    }

    /// The type that at least `min_share` of the non-empty values fit (the
    /// one most values fit, then the most specific); `Text` otherwise (and
    /// for columns with no values).
    pub fn decide(&self, min_share: f64) -> ColumnType {
        if self.non_empty == 0 {
            return ColumnType::Text;
        }
        let need = (self.non_empty as f64 * min_share).ceil() as usize;
        let order = [
            (0, ColumnType::Boolean),
            (1, ColumnType::Integer),
            (2, ColumnType::Decimal),
            (3, ColumnType::Date),
            (4, ColumnType::DateTime),
        ];
        // Among the types enough values fit, the one most values fit; on a
        // tie the most specific (integer before decimal, date before
        // datetime).
        let mut best: Option<(usize, ColumnType)> = None;
        for (i, ty) in order {
            let n = self.counts[i];
            if n >= need.max(1) && best.is_none_or(|(b, _)| n > b) {
                best = Some((n, ty));
            }
        }
        best.map_or(ColumnType::Text, |(_, ty)| ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_table() {
        // (value, bits)
        let cases: &[(&str, u8)] = &[
            ("12", INT | DEC),
            ("-12", INT | DEC),
            ("1 234", INT | DEC),
            ("1\u{a0}234 567", INT | DEC),
            ("12,5", DEC),
            ("1 234,50", DEC),
            ("0.25", DEC),
            ("0", INT | DEC),
            ("007", 0),
            ("00022473", 0),
            ("1,234,567", 0),
            ("12 34", 0),
            ("01.03.2024", DATE | DATETIME),
            ("1.3.2024", DATE | DATETIME),
            ("2024-03-01", DATE | DATETIME),
            ("01/03/2024", DATE | DATETIME),
            ("31.02.2024", 0),
            ("2024-03-01 10:30", DATETIME),
            ("2024-03-01T10:30:00Z", DATETIME),
            ("01.03.2024 10:30:15", DATETIME),
            ("2024-03-01T10:30:00+02:00", DATETIME),
            ("так", BOOL),
            ("НІ", BOOL),
            ("True", BOOL),
            ("no", BOOL),
            ("Київ", 0),
            ("12.5%", 0),
        ];
        for (v, bits) in cases {
            assert_eq!(classify(v).bits, *bits, "{v}");
        }
    }

    #[test]
    fn parse_values() {
        use chrono::NaiveDate;
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).expect("date");
        let cases: Vec<(&str, ColumnType, Value)> = vec![
            ("1 234", ColumnType::Integer, Value::Integer(1234)),
            (" 42 ", ColumnType::Integer, Value::Integer(42)),
            ("12,5", ColumnType::Decimal, Value::Decimal(12.5)),
            ("7", ColumnType::Decimal, Value::Decimal(7.0)),
            ("01.03.2024", ColumnType::Date, Value::Date(d(2024, 3, 1))),
            ("2024-03-01", ColumnType::Date, Value::Date(d(2024, 3, 1))),
            ("01/03/2024", ColumnType::Date, Value::Date(d(2024, 3, 1))),
            (
                "2024-03-01",
                ColumnType::DateTime,
                Value::DateTime(d(2024, 3, 1).and_time(NaiveTime::MIN)),
            ),
            (
                "2024-03-01T12:00:00+02:00",
                ColumnType::DateTime,
                Value::DateTime(d(2024, 3, 1).and_hms_opt(10, 0, 0).expect("t")),
            ),
            ("Так", ColumnType::Boolean, Value::Boolean(true)),
            ("", ColumnType::Integer, Value::Null),
            ("н/д", ColumnType::Integer, Value::Invalid("н/д")),
            ("12,5", ColumnType::Integer, Value::Invalid("12,5")),
            ("abc", ColumnType::Text, Value::Text("abc")),
        ];
        for (cell, ty, want) in cases {
            assert_eq!(parse_value(cell, ty), want, "{cell} as {ty:?}");
        }
        assert_eq!(
            parse_value("01.03.2024 09:05", ColumnType::DateTime).to_canonical_string(),
            "2024-03-01T09:05:00"
        );
        assert_eq!(
            parse_value("1 234,5", ColumnType::Decimal).to_canonical_string(),
            "1234.5"
        );
    }

    #[test]
    fn trim_value_is_trim_of_every_space() {
        fn slow(s: &str) -> &str {
            s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        }
        let spaces = [
            "", " ", "\t", "\r\n", "\u{b}", "\u{85}", "\u{a0}", "\u{1680}", "\u{2003}", "\u{200a}",
            "\u{2028}", "\u{2029}", "\u{202f}", "\u{205f}", "\u{3000}", "\u{feff}",
        ];
        let cores = [
            "",
            "x",
            "12,5",
            "Школа",
            "Ш",
            "тАК",
            "ї",
            "\u{2010}",
            "日本",
            "a b",
        ];
        for before in spaces {
            for core in cores {
                for after in spaces {
                    let s = format!("{before}{core}{after}");
                    assert_eq!(trim_value(&s), slow(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn booleans_in_any_case() {
        for (v, want) in [
            ("так", Some(true)),
            ("ТАК", Some(true)),
            ("Так", Some(true)),
            ("ні", Some(false)),
            ("НІ", Some(false)),
            ("Yes", Some(true)),
            ("FALSE", Some(false)),
            ("no", Some(false)),
            ("та", None),
            ("нi", None),
            ("yess", None),
        ] {
            assert_eq!(parse_bool(v), want, "{v}");
        }
    }

    #[test]
    fn decide_table() {
        let cases: &[(&[&str], ColumnType)] = &[
            (&["1", "2", "3"], ColumnType::Integer),
            (&["1", "2,5", ""], ColumnType::Decimal),
            (&["так", "ні"], ColumnType::Boolean),
            (&["01.01.2024", "2024-01-02"], ColumnType::Date),
            (&["01.01.2024", "2024-01-02 10:00"], ColumnType::DateTime),
            (&["1", "a"], ColumnType::Text),
            (&["", ""], ColumnType::Text),
            (
                &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "н/д"],
                ColumnType::Integer,
            ),
            (
                &["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "0,5"],
                ColumnType::Decimal,
            ),
        ];
        for (values, want) in cases {
            let mut t = Tally::default();
            for v in *values {
                t.add(v);
            }
            assert_eq!(t.decide(0.9), *want, "{values:?}");
        }
    }
}
