//! Structure files (файл структури): generated from a table, written as a
//! Frictionless Table Schema (JSON) or as the Ministry's CSV form
//! `name,title,description,datatype,required`, read back from either, and
//! used to validate a table.
//!
//! Types: `integer`, `number`, `date`, `datetime`, `boolean`, `string` in
//! Table Schema; in the Ministry's form the same, except `timestamp` for
//! datetime (the word the Ministry's structures use). `required` is written
//! `true`/`false` and read from `true`/`false`, `так`/`ні`, `yes`/`no`,
//! `1`/`0`. Date columns written as `dd.mm.yyyy` get the Table Schema
//! `format` `%d.%m.%Y`; decimal columns with a comma get `decimalChar: ","`,
//! and spaces between thousands `groupChar: " "`.

use misto_tabular::{ColumnType, DateStyle, Format, Table, Value, parse_value, trim_value};
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::{Problem, Severity};

/// One described column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub name: String,
    pub title: String,
    pub description: String,
    pub datatype: ColumnType,
    pub required: bool,
    /// Table Schema `format` for dates (`%d.%m.%Y`), when not ISO.
    pub date_format: Option<String>,
    pub decimal_comma: bool,
    pub thousands_spaces: bool,
}

/// A structure: the columns a table must have.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Schema {
    pub fields: Vec<Field>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SchemaError {
    #[error("the structure file is not valid JSON: {0}")]
    Json(String),
    #[error("the Table Schema has no \"fields\" list")]
    NoFields,
    #[error("the structure file could not be read as a table: {0}")]
    Table(String),
    #[error("the structure file has no \"name\" column")]
    NoNameColumn,
}

/// Generates a structure from a table: one field per column with its
/// inferred type; `required` when the column has a value on every row.
pub fn infer_schema(table: &Table) -> Schema {
    let fields = table
        .columns
        .iter()
        .map(|c| Field {
            name: c.name.clone(),
            title: c.name.clone(),
            description: String::new(),
            datatype: c.inferred,
            required: !table.rows.is_empty() && c.non_empty == table.rows.len(),
            date_format: match c.date_styles.first() {
                Some(DateStyle::DotDmy) => Some("%d.%m.%Y".into()),
                Some(DateStyle::SlashDmy) => Some("%d/%m/%Y".into()),
                _ => None,
            },
            decimal_comma: c.decimal_comma,
            thousands_spaces: c.thousands_spaces,
        })
        .collect();
    Schema { fields }
}

fn ts_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::Integer => "integer",
        ColumnType::Decimal => "number",
        ColumnType::Date => "date",
        ColumnType::DateTime => "datetime",
        ColumnType::Boolean => "boolean",
        ColumnType::Text => "string",
    }
}

fn ministry_type(t: ColumnType) -> &'static str {
    match t {
        ColumnType::DateTime => "timestamp",
        other => ts_type(other),
    }
}

fn parse_required(v: &str) -> bool {
    matches!(
        v.trim().to_lowercase().as_str(),
        "true" | "так" | "yes" | "1" | "обов'язкове" | "обов’язкове" | "+"
    )
}

impl Schema {
    /// Frictionless Table Schema JSON.
    pub fn to_table_schema(&self) -> Json {
        let fields: Vec<Json> = self
            .fields
            .iter()
            .map(|f| {
                let mut m = serde_json::Map::new();
                m.insert("name".into(), json!(f.name));
                m.insert("type".into(), json!(ts_type(f.datatype)));
                if !f.title.is_empty() && f.title != f.name {
                    m.insert("title".into(), json!(f.title));
                }
                if !f.description.is_empty() {
                    m.insert("description".into(), json!(f.description));
                }
                if let Some(df) = &f.date_format {
                    m.insert("format".into(), json!(df));
                }
                if f.datatype == ColumnType::Decimal && f.decimal_comma {
                    m.insert("decimalChar".into(), json!(","));
                }
                if f.thousands_spaces {
                    m.insert("groupChar".into(), json!(" "));
                }
                if f.datatype == ColumnType::Boolean {
                    m.insert("trueValues".into(), json!(["так", "true", "yes"]));
                    m.insert("falseValues".into(), json!(["ні", "false", "no"]));
                }
                if f.required {
                    m.insert("constraints".into(), json!({ "required": true }));
                }
                Json::Object(m)
            })
            .collect();
        json!({ "fields": fields, "missingValues": [""] })
    }

    /// The Ministry's CSV form, UTF-8, comma-separated, with a header row.
    pub fn to_ministry_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let mut rows: Vec<Vec<String>> = vec![vec![
            "name".into(),
            "title".into(),
            "description".into(),
            "datatype".into(),
            "required".into(),
        ]];
        for f in &self.fields {
            rows.push(vec![
                f.name.clone(),
                f.title.clone(),
                f.description.clone(),
                ministry_type(f.datatype).into(),
                f.required.to_string(),
            ]);
        }
        for r in rows {
            // Writing to a Vec cannot fail.
            let _ = w.write_record(&r);
        }
        w.into_inner()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Reads a Frictionless Table Schema.
    pub fn from_table_schema(text: &str) -> Result<Schema, SchemaError> {
        let v: Json = serde_json::from_str(text).map_err(|e| SchemaError::Json(e.to_string()))?;
        let list = v
            .get("fields")
            .and_then(Json::as_array)
            .ok_or(SchemaError::NoFields)?;
        let s = |f: &Json, k: &str| f.get(k).and_then(Json::as_str).unwrap_or("").to_string();
        let fields = list
            .iter()
            .filter(|f| f.get("name").and_then(Json::as_str).is_some())
            .map(|f| Field {
                name: s(f, "name"),
                title: s(f, "title"),
                description: s(f, "description"),
                datatype: ColumnType::parse(&s(f, "type")).unwrap_or(ColumnType::Text),
                required: f
                    .pointer("/constraints/required")
                    .and_then(Json::as_bool)
                    .unwrap_or(false),
                date_format: f
                    .get("format")
                    .and_then(Json::as_str)
                    .filter(|x| x.contains('%'))
                    .map(str::to_string),
                decimal_comma: s(f, "decimalChar") == ",",
                thousands_spaces: s(f, "groupChar")
                    .trim_matches(|c: char| !c.is_whitespace())
                    .len()
                    == 1,
            })
            .collect();
        Ok(Schema { fields })
    }

    /// Reads the Ministry's CSV form (any encoding and delimiter; also an
    /// XLSX `structure.xlsx`, first sheet).
    pub fn from_ministry_file(bytes: &[u8], file_name: &str) -> Result<Schema, SchemaError> {
        let book = misto_tabular::read(bytes, Format::Auto, file_name)
            .map_err(|e| SchemaError::Table(e.to_string()))?;
        let t = book.tables.first().ok_or(SchemaError::NoNameColumn)?;
        let col = |n: &str| t.column_index(n);
        let name_i = col("name").ok_or(SchemaError::NoNameColumn)?;
        let get = |row: &[String], i: Option<usize>| {
            i.map(|i| trim_value(&row[i]).to_string())
                .unwrap_or_default()
        };
        let fields = t
            .rows
            .iter()
            .filter(|r| !trim_value(&r[name_i]).is_empty())
            .map(|r| Field {
                name: trim_value(&r[name_i]).to_string(),
                title: get(r, col("title")),
                description: get(r, col("description")),
                datatype: ColumnType::parse(&get(r, col("datatype"))).unwrap_or(ColumnType::Text),
                required: parse_required(&get(r, col("required"))),
                date_format: None,
                decimal_comma: false,
                thousands_spaces: false,
            })
            .collect();
        Ok(Schema { fields })
    }
}

#[allow(clippy::too_many_arguments)]
fn schema_problem(
    rule: &'static str,
    severity: Severity,
    row: Option<usize>,
    column: Option<&str>,
    uk: String,
    en: String,
    fuk: &str,
    fen: &str,
) -> Problem {
    let (puk, pen) = match (row, column) {
        (Some(r), Some(c)) => (
            format!("Рядок {r}, стовпець «{c}»: "),
            format!("Row {r}, column “{c}”: "),
        ),
        (None, Some(c)) => (format!("Стовпець «{c}»: "), format!("Column “{c}”: ")),
        _ => (String::new(), String::new()),
    };
    Problem {
        rule,
        severity,
        table: None,
        row,
        column: column.map(str::to_string),
        message_uk: format!("{puk}{uk}"),
        message_en: format!("{pen}{en}"),
        fix_uk: fuk.into(),
        fix_en: fen.into(),
        auto_fix: None,
        count: 1,
    }
}

/// Validates a table against a structure: every described column present
/// (`schema_missing_column`, error), every column described
/// (`schema_undescribed_column`, warning), required columns filled on every
/// row (`schema_required_empty`, error) and every value of the described
/// type (`schema_type`, error). Columns are matched by name, case-insensitively.
pub fn validate_against_schema(table: &Table, schema: &Schema) -> Vec<Problem> {
    let mut out = Vec::new();
    for f in &schema.fields {
        if table.column_index(&f.name).is_none() {
            out.push(schema_problem(
                "schema_missing_column",
                Severity::Error,
                None,
                Some(&f.name),
                "стовпець описано у файлі структури, але в даних його немає.".into(),
                "the column is described in the structure file but missing from the data.".into(),
                "Додайте стовпець у дані або приберіть його з файлу структури.",
                "Add the column to the data or remove it from the structure file.",
            ));
        }
    }
    for c in &table.columns {
        if !schema.fields.iter().any(|f| {
            f.name.eq_ignore_ascii_case(&c.name) || f.name.to_lowercase() == c.name.to_lowercase()
        }) {
            out.push(schema_problem(
                "schema_undescribed_column",
                Severity::Warning,
                None,
                Some(&c.name),
                "стовпця немає у файлі структури.".into(),
                "the column is not described in the structure file.".into(),
                "Опишіть стовпець у файлі структури (назва, опис, тип, обов'язковість).",
                "Describe the column in the structure file (name, description, type, required).",
            ));
        }
    }
    for f in &schema.fields {
        let Some(ci) = table.column_index(&f.name) else {
            continue;
        };
        let name = &table.columns[ci].name;
        for (row, line) in table.rows.iter().zip(&table.row_lines) {
            let cell = &row[ci];
            match parse_value(cell, f.datatype) {
                Value::Null if f.required => out.push(schema_problem(
                    "schema_required_empty",
                    Severity::Error,
                    Some(*line),
                    Some(name),
                    "обов'язкове значення не заповнено.".into(),
                    "a required value is empty.".into(),
                    "Заповніть комірку.",
                    "Fill in the cell.",
                )),
                Value::Invalid(v) => out.push(schema_problem(
                    "schema_type",
                    Severity::Error,
                    Some(*line),
                    Some(name),
                    format!(
                        "значення «{v}» не відповідає типу {} з файлу структури.",
                        f.datatype.name_uk()
                    ),
                    format!(
                        "the value “{v}” does not match the type {} of the structure file.",
                        f.datatype.as_str()
                    ),
                    "Виправте значення або тип у файлі структури.",
                    "Correct the value, or the type in the structure file.",
                )),
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_words() {
        for (v, want) in [
            ("true", true),
            ("Так", true),
            ("1", true),
            ("false", false),
            ("ні", false),
            ("", false),
        ] {
            assert_eq!(parse_required(v), want, "{v}");
        }
    }
}
