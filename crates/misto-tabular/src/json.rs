//! JSON arrays of objects and GeoJSON FeatureCollections.
//!
//! Keys become columns in the order they are first seen (objects are read
//! with their key order kept, whatever serde_json's map type is). Numbers and
//! booleans become their JSON text, `null` an empty cell, nested arrays and
//! objects their JSON text. Also accepted: an object holding one array of
//! objects (`{"data": [...]}`, `{"records": [...]}`), as many APIs export.
//!
//! GeoJSON: the columns are the properties, then `lon` and `lat` when some
//! features are points, then `geometry` (the geometry as JSON text) when some
//! are not.

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::table;
use crate::{Diagnostic, DiagnosticKind, Format, ReadError, ReadOptions, Table};

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<J>),
    Object(Vec<(String, J)>),
}

impl J {
    fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            J::String(s) => Some(s),
            _ => None,
        }
    }

    fn write_json(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Number(n) => out.push_str(n),
            J::String(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
            J::Array(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            J::Object(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::Value::String(k.clone()).to_string());
                    out.push(':');
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    /// The text of a cell.
    fn cell(&self) -> String {
        match self {
            J::Null => String::new(),
            J::Bool(b) => b.to_string(),
            J::Number(n) => n.clone(),
            J::String(s) => s.clone(),
            other => {
                let mut s = String::new();
                other.write_json(&mut s);
                s
            }
        }
    }
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<J, E> {
        Ok(J::Number(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<J, E> {
        Ok(J::Number(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<J, E> {
        Ok(J::Number(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<J, E> {
        Ok(J::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<J, E> {
        Ok(J::String(v))
    }
    fn visit_unit<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_none<E>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<J, D::Error> {
        J::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<J>()? {
            items.push(v);
        }
        Ok(J::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut fields = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, J>()? {
            fields.push((k, v));
        }
        Ok(J::Object(fields))
    }
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<J, D::Error> {
        d.deserialize_any(JVisitor)
    }
}

/// Columns in first-seen order, and rows aligned to them.
struct Columns {
    names: Vec<String>,
    index: HashMap<String, usize>,
    limits: crate::Limits,
    /// Cells set so far (rows are padded to the columns seen when read).
    cells: usize,
}

impl Columns {
    fn new(limits: crate::Limits) -> Self {
        Columns {
            names: Vec::new(),
            index: HashMap::new(),
            limits,
            cells: 0,
        }
    }
    /// The column of `key`; a new key past the column limit, or a cell past
    /// the cell limit, is an error (each row is as wide as the columns seen
    /// so far, so many keys would otherwise cost rows × keys).
    fn slot(&mut self, key: &str) -> Result<usize, ReadError> {
        self.cells += 1;
        if self.cells > self.limits.max_cells {
            self.limits.cells(self.cells, 1)?;
        }
        if let Some(i) = self.index.get(key) {
            return Ok(*i);
        }
        let i = self.names.len();
        self.limits.columns(i + 1)?;
        self.names.push(key.to_string());
        self.index.insert(key.to_string(), i);
        Ok(i)
    }
}

fn set(row: &mut Vec<String>, i: usize, v: String) {
    if row.len() <= i {
        row.resize(i + 1, String::new());
    }
    row[i] = v;
}

pub(crate) fn read_json(
    bytes: &[u8],
    name: String,
    options: &ReadOptions,
) -> Result<(Table, Format), ReadError> {
    let decoded = crate::decode::decode(bytes);
    let root: J =
        serde_json::from_str(&decoded.text).map_err(|e| ReadError::Json(e.to_string()))?;
    let mut diags = Vec::new();
    if root.get("type").and_then(J::as_str) == Some("FeatureCollection") {
        let Some(J::Array(features)) = root.get("features") else {
            return Err(ReadError::JsonShape);
        };
        let mut cols = Columns::new(options.limits);
        let mut rows = Vec::with_capacity(features.len());
        // (row index, point as (lon, lat), other geometry as JSON)
        type Geo = (usize, Option<(String, String)>, Option<String>);
        let mut pending: Vec<Geo> = Vec::new();
        for (i, f) in features.iter().enumerate() {
            let mut row = Vec::new();
            if let Some(J::Object(props)) = f.get("properties") {
                for (k, v) in props {
                    let slot = cols.slot(k)?;
                    set(&mut row, slot, v.cell());
                }
            } else if !matches!(f, J::Object(_)) {
                diags.push(not_object(i + 1));
                continue;
            }
            let geometry = f.get("geometry").filter(|g| **g != J::Null);
            let point = geometry.and_then(|g| {
                if g.get("type").and_then(J::as_str) != Some("Point") {
                    return None;
                }
                match g.get("coordinates") {
                    Some(J::Array(c)) if c.len() >= 2 => Some((c[0].cell(), c[1].cell())),
                    _ => None,
                }
            });
            let other = match (geometry, &point) {
                (Some(g), None) => Some(g.cell()),
                _ => None,
            };
            pending.push((rows.len(), point, other));
            rows.push((i + 1, row));
        }
        let any_point = pending.iter().any(|(_, p, _)| p.is_some());
        let any_other = pending.iter().any(|(_, _, o)| o.is_some());
        let (lon_i, lat_i) = if any_point {
            (Some(cols.slot("lon")?), Some(cols.slot("lat")?))
        } else {
            (None, None)
        };
        let geo_i = if any_other {
            Some(cols.slot("geometry")?)
        } else {
            None
        };
        for (ri, point, other) in pending {
            let row = &mut rows[ri].1;
            if let (Some((lon, lat)), Some(li), Some(ai)) = (point, lon_i, lat_i) {
                set(row, li, lon);
                set(row, ai, lat);
            }
            if let (Some(g), Some(gi)) = (other, geo_i) {
                set(row, gi, g);
            }
        }
        let t = table::build_with_header(name, cols.names, rows, diags, options)?;
        return Ok((t, Format::GeoJson));
    }
    let items = match &root {
        J::Array(items) => items,
        J::Object(fields) => {
            let arrays: Vec<&Vec<J>> = fields
                .iter()
                .filter_map(|(_, v)| match v {
                    J::Array(a) if a.iter().any(|x| matches!(x, J::Object(_))) => Some(a),
                    _ => None,
                })
                .collect();
            match arrays.as_slice() {
                [one] => *one,
                _ => return Err(ReadError::JsonShape),
            }
        }
        _ => return Err(ReadError::JsonShape),
    };
    let mut cols = Columns::new(options.limits);
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let J::Object(fields) = item else {
            diags.push(not_object(i + 1));
            continue;
        };
        let mut row = Vec::with_capacity(cols.names.len());
        for (k, v) in fields {
            let slot = cols.slot(k)?;
            set(&mut row, slot, v.cell());
        }
        rows.push((i + 1, row));
    }
    if cols.names.is_empty() && !items.is_empty() {
        return Err(ReadError::JsonShape);
    }
    Ok((
        table::build_with_header(name, cols.names, rows, diags, options)?,
        Format::Json,
    ))
}

fn not_object(item: usize) -> Diagnostic {
    Diagnostic {
        row: Some(item),
        column: None,
        kind: DiagnosticKind::NotAnObject,
        message: format!("item {item} is not an object and was skipped"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_nesting() {
        let j: J =
            serde_json::from_str(r#"{"я":1,"b":[1,{"z":null,"a":"x"}],"a":true}"#).expect("json");
        let mut s = String::new();
        j.write_json(&mut s);
        assert_eq!(s, r#"{"я":1,"b":[1,{"z":null,"a":"x"}],"a":true}"#);
    }
}
