//! Action parameters as CKAN accepts them: a JSON object from a POST body,
//! form fields, or GET query parameters (a repeated key becomes a list;
//! JSON-typed parameters may arrive as JSON text). Every key an action reads
//! is recorded, so that the rest can be refused as unknown.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::error::ApiError;

pub struct Params {
    map: Map<String, Value>,
    used: BTreeSet<String>,
}

fn truthy(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" | "" => Some(false),
        _ => None,
    }
}

impl Params {
    pub fn new(map: Map<String, Value>) -> Self {
        Self {
            map,
            used: BTreeSet::new(),
        }
    }

    /// Query-string pairs, a repeated key becoming a list.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut map = Map::new();
        for (k, v) in pairs {
            match map.get_mut(&k) {
                None => {
                    map.insert(k, Value::String(v));
                }
                Some(Value::Array(a)) => a.push(Value::String(v)),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, Value::String(v)]);
                }
            }
        }
        Self::new(map)
    }

    pub fn into_map(self) -> Map<String, Value> {
        self.map
    }

    pub fn insert(&mut self, k: &str, v: Value) {
        self.map.insert(k.to_string(), v);
    }

    pub fn has(&self, k: &str) -> bool {
        self.map.contains_key(k)
    }

    pub fn raw(&mut self, k: &str) -> Option<Value> {
        self.used.insert(k.to_string());
        self.map.get(k).cloned().filter(|v| !v.is_null())
    }

    /// Marks keys as accepted and ignored.
    pub fn ignore(&mut self, keys: &[&str]) {
        for k in keys {
            self.used.insert((*k).to_string());
        }
    }

    /// Boolean parameters CKAN accepts that change nothing here: accepted
    /// and ignored, but a value that is not a boolean is still a Validation
    /// Error naming the parameter.
    pub fn flags(&mut self, keys: &[&str]) -> Result<(), ApiError> {
        for k in keys {
            self.bool(k, false)?;
        }
        Ok(())
    }

    pub fn str(&mut self, k: &str) -> Option<String> {
        match self.raw(k)? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(a) => a
                .into_iter()
                .last()
                .and_then(|v| v.as_str().map(str::to_string)),
            _ => None,
        }
    }

    pub fn required(&mut self, k: &str) -> Result<String, ApiError> {
        self.str(k)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::missing(k))
    }

    pub fn bool(&mut self, k: &str, default: bool) -> Result<bool, ApiError> {
        match self.raw(k) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(b),
            Some(Value::Number(n)) => Ok(n.as_i64().unwrap_or(0) != 0),
            Some(Value::String(s)) => truthy(&s)
                .ok_or_else(|| ApiError::invalid(k, format!("Must be true or false, not {s}"))),
            Some(_) => Err(ApiError::invalid(k, "Must be true or false")),
        }
    }

    /// A non-negative integer, at most `max`.
    pub fn int(&mut self, k: &str, default: i64, max: Option<i64>) -> Result<i64, ApiError> {
        let v = match self.raw(k) {
            None => return Ok(default),
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) if s.trim().is_empty() => return Ok(default),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        let v = v.ok_or_else(|| ApiError::invalid(k, "Invalid integer"))?;
        if v < 0 {
            return Err(ApiError::invalid(k, "Must be a positive integer"));
        }
        if let Some(m) = max
            && v > m
        {
            return Err(ApiError::invalid(
                k,
                format!("Must be less than or equal to {m}"),
            ));
        }
        Ok(v)
    }

    /// A list given as a JSON array, JSON text of an array, repeated keys,
    /// or (with `split_commas`) a comma-separated string.
    pub fn list(&mut self, k: &str, split_commas: bool) -> Result<Vec<String>, ApiError> {
        let Some(v) = self.raw(k) else {
            return Ok(Vec::new());
        };
        let as_strings = |a: Vec<Value>| -> Vec<String> {
            a.into_iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(s),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        };
        match v {
            Value::Array(a) => {
                let mut out = Vec::new();
                for s in as_strings(a) {
                    if s.trim_start().starts_with('[') {
                        out.extend(parse_json_list(k, &s)?);
                    } else {
                        out.push(s);
                    }
                }
                Ok(out)
            }
            Value::String(s) if s.trim_start().starts_with('[') => parse_json_list(k, &s),
            Value::String(s) if split_commas => Ok(s
                .split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()),
            Value::String(s) => Ok(if s.is_empty() { vec![] } else { vec![s] }),
            _ => Err(ApiError::invalid(k, "Must be a list")),
        }
    }

    /// Keys present but never read, except cache busters (`_…`) and JSONP `callback`.
    pub fn unknown(&self) -> Vec<String> {
        self.map
            .keys()
            .filter(|k| !self.used.contains(*k) && !k.starts_with('_') && k.as_str() != "callback")
            .cloned()
            .collect()
    }

    pub fn reject_unknown(&self) -> Result<(), ApiError> {
        let unknown = self.unknown();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(ApiError::UnknownParams(unknown))
        }
    }
}

fn parse_json_list(k: &str, s: &str) -> Result<Vec<String>, ApiError> {
    let v: Value = serde_json::from_str(s)
        .map_err(|e| ApiError::invalid(k, format!("Must be a JSON list: {e}")))?;
    match v {
        Value::Array(a) => Ok(a
            .into_iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect()),
        _ => Err(ApiError::invalid(k, "Must be a JSON list")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_in_every_form() {
        let mut p = Params::from_pairs(vec![
            ("a".into(), "[\"x\",\"y\"]".into()),
            ("b".into(), "x".into()),
            ("b".into(), "y".into()),
            ("c".into(), "x, y".into()),
        ]);
        assert_eq!(p.list("a", false).unwrap(), vec!["x", "y"]);
        assert_eq!(p.list("b", false).unwrap(), vec!["x", "y"]);
        assert_eq!(p.list("c", true).unwrap(), vec!["x", "y"]);
        assert!(p.reject_unknown().is_ok());
    }

    #[test]
    fn flags_are_booleans() {
        for ok in [
            "true", "False", "1", "0", "yes", "no", "t", "f", "on", "off", "",
        ] {
            let mut p = Params::from_pairs(vec![("include_users".into(), ok.into())]);
            assert!(p.flags(&["include_users"]).is_ok(), "{ok}");
            assert!(p.reject_unknown().is_ok());
        }
        let mut p = Params::new(
            serde_json::json!({"include_users": true, "include_tracking": 0})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        assert!(p.flags(&["include_users", "include_tracking"]).is_ok());
        let mut p = Params::from_pairs(vec![("include_users".into(), "maybe".into())]);
        match p.flags(&["include_users"]) {
            Err(ApiError::Action(misto_actions::ActionError::Validation(f))) => {
                assert!(f.0.contains_key("include_users"), "{f:?}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
        let mut p = Params::new(
            serde_json::json!({"include_users": [1]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        assert!(p.flags(&["include_users"]).is_err());
    }

    #[test]
    fn unknown_and_ints() {
        let mut p = Params::from_pairs(vec![
            ("rows".into(), "5000".into()),
            ("bogus".into(), "1".into()),
            ("_".into(), "123".into()),
        ]);
        assert!(p.int("rows", 10, Some(1000)).is_err());
        assert_eq!(p.unknown(), vec!["bogus".to_string()]);
    }
}
