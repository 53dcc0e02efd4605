//! CKAN's DataStore actions: `datastore_search`, `datastore_search_sql`,
//! `datastore_info`, `datastore_create`, `datastore_upsert`,
//! `datastore_delete`, `datastore_records_delete`. Shapes follow
//! `ckanext/datastore` (2.11). `datastore_aggregate` (a group-by, which
//! CKAN only offers through SQL) takes `datastore_search`'s parameters and
//! answers in its shape.

use misto_actions::datastore::{
    AggFn, AggSpec, DEFAULT_LIMIT, MAX_LIMIT, SearchParams, WriteMethod,
};
use misto_core::datastore::{Field, FieldType};
use serde_json::{Map, Value, json};

use crate::Ctx;
use crate::error::ApiError;
use crate::params::Params;

type R = Result<Value, ApiError>;

fn resource_id(p: &mut Params) -> Result<String, ApiError> {
    match p.str("resource_id").filter(|s| !s.trim().is_empty()) {
        Some(s) => {
            p.ignore(&["id"]);
            Ok(s)
        }
        None => p
            .str("id")
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::missing("resource_id")),
    }
}

/// A JSON object given as an object or as JSON text.
fn object(p: &mut Params, k: &str) -> Result<Option<Map<String, Value>>, ApiError> {
    match p.raw(k) {
        None => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => Ok(Some(m)),
            _ => Err(ApiError::invalid(k, "Must be a JSON object")),
        },
        Some(_) => Err(ApiError::invalid(k, "Must be a JSON object")),
    }
}

/// A list of JSON objects given as a list or as JSON text.
fn objects(p: &mut Params, k: &str) -> Result<Vec<Map<String, Value>>, ApiError> {
    let v = match p.raw(k) {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) => serde_json::from_str::<Value>(&s)
            .map_err(|e| ApiError::invalid(k, format!("Must be a JSON list: {e}")))?,
        Some(v) => v,
    };
    match v {
        Value::Array(a) => a
            .into_iter()
            .map(|x| match x {
                Value::Object(m) => Ok(m),
                _ => Err(ApiError::invalid(k, "Must be a list of objects")),
            })
            .collect(),
        _ => Err(ApiError::invalid(k, "Must be a list of objects")),
    }
}

fn filters_of(m: Map<String, Value>) -> Vec<(String, Vec<Value>)> {
    m.into_iter()
        .map(|(k, v)| match v {
            Value::Array(a) => (k, a),
            v => (k, vec![v]),
        })
        .collect()
}

/// Splits `s` at the commas outside double quotes (`"Сума, грн" desc, b`).
fn split_outside_quotes(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// A column name as `sort` writes it: quoted when it holds a comma or a
/// quote, or ends in what reads as a direction.
fn sort_name(c: &str) -> String {
    let lower = c.to_lowercase();
    if c.contains([',', '"']) || lower.ends_with(" desc") || lower.ends_with(" asc") {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c.to_string()
    }
}

/// `"a, b desc"` or `["a", "b desc"]` → `[(a, false), (b, true)]`; a name
/// with a comma or a space is quoted as in SQL (`"Сума, грн" desc`, inner
/// quotes doubled), as CKAN's datastore reads it.
fn sort_of(p: &mut Params) -> Result<Vec<(String, bool)>, ApiError> {
    let mut out = Vec::new();
    // A list's items are one column each (as in CKAN); a string is split.
    let listed = match p.raw("sort") {
        Some(Value::Array(_)) => true,
        Some(Value::String(s)) => s.trim_start().starts_with('['),
        _ => false,
    };
    for part in p.list("sort", false)? {
        let items = if listed {
            vec![part.as_str()]
        } else {
            split_outside_quotes(&part)
        };
        for item in items {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let lower = item.to_lowercase();
            let mut name = item;
            let mut desc = false;
            for (suffix, d) in [(" desc", true), (" asc", false)] {
                if lower.ends_with(suffix) {
                    name = item[..item.len() - suffix.len()].trim();
                    desc = d;
                }
            }
            let name = match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
                Some(inner) => inner.replace("\"\"", "\""),
                None => name.to_string(),
            };
            out.push((name, desc));
        }
    }
    Ok(out)
}

fn fields_json(fields: &[Field]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| {
                let mut m = Map::new();
                m.insert("id".into(), json!(f.id));
                m.insert("type".into(), json!(f.ty.as_str()));
                if let Some(info) = &f.info {
                    m.insert("info".into(), info.clone());
                }
                Value::Object(m)
            })
            .collect(),
    )
}

/// CSV/TSV text of rows (no header), as CKAN's `records_format=csv`.
pub fn delimited(rows: &[Vec<Value>], sep: char) -> String {
    let mut out = String::new();
    for r in rows {
        for (i, v) in r.iter().enumerate() {
            if i > 0 {
                out.push(sep);
            }
            let s = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if s.contains([sep, '"', '\n', '\r']) {
                out.push('"');
                out.push_str(&s.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(&s);
            }
        }
        out.push('\n');
    }
    out
}

fn query_pair(out: &mut String, k: &str, v: &str) {
    out.push(if out.contains('?') { '&' } else { '?' });
    out.push_str(k);
    out.push('=');
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

pub async fn search(ctx: &Ctx, p: &mut Params) -> R {
    let rid = resource_id(p)?;
    let filters = object(p, "filters")?;
    let q = match p.raw("q").or_else(|| p.raw("full_text")) {
        None => None,
        Some(Value::String(s)) => Some(s),
        // Per-column q: the words of every value are searched in the row.
        Some(Value::Object(m)) => Some(
            m.values()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Some(_) => return Err(ApiError::invalid("q", "Must be a string or an object")),
    };
    p.ignore(&[
        "plain",
        "language",
        "total_estimation_threshold",
        "full_text",
    ]);
    let fields = p.list("fields", true)?;
    let sort = sort_of(p)?;
    let distinct = p.bool("distinct", false)?;
    let limit = p.int("limit", DEFAULT_LIMIT, None)?.min(MAX_LIMIT);
    let offset = p.int("offset", 0, None)?;
    let include_total = p.bool("include_total", true)?;
    let format = p.str("records_format").unwrap_or_else(|| "objects".into());
    if !matches!(format.as_str(), "objects" | "lists" | "csv" | "tsv") {
        return Err(ApiError::invalid(
            "records_format",
            "Must be objects, lists, csv or tsv",
        ));
    }
    p.reject_unknown()?;
    let params = SearchParams {
        filters: filters.clone().map(filters_of).unwrap_or_default(),
        q: q.clone(),
        fields: fields.clone(),
        sort: sort.clone(),
        distinct,
        limit,
        offset,
        include_total,
    };
    let (_, rows) = ctx
        .portal
        .datastore_search(&ctx.viewer, &rid, &params)
        .await?;
    let records = match format.as_str() {
        "objects" => Value::Array(
            rows.rows
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    for (f, v) in rows.fields.iter().zip(r) {
                        m.insert(f.id.clone(), v.clone());
                    }
                    Value::Object(m)
                })
                .collect(),
        ),
        "lists" => json!(rows.rows),
        "csv" => Value::String(delimited(&rows.rows, ',')),
        _ => Value::String(delimited(&rows.rows, '\t')),
    };
    let mut start = String::from("/api/3/action/datastore_search");
    query_pair(&mut start, "resource_id", &rid);
    if let Some(q) = &q {
        query_pair(&mut start, "q", q);
    }
    if let Some(f) = &filters {
        query_pair(&mut start, "filters", &Value::Object(f.clone()).to_string());
    }
    if !fields.is_empty() {
        query_pair(&mut start, "fields", &fields.join(","));
    }
    if !sort.is_empty() {
        let s: Vec<String> = sort
            .iter()
            .map(|(c, d)| format!("{}{}", sort_name(c), if *d { " desc" } else { "" }))
            .collect();
        query_pair(&mut start, "sort", &s.join(","));
    }
    if distinct {
        query_pair(&mut start, "distinct", "true");
    }
    if limit != DEFAULT_LIMIT {
        query_pair(&mut start, "limit", &limit.to_string());
    }
    if format != "objects" {
        query_pair(&mut start, "records_format", &format);
    }
    let mut links = Map::new();
    links.insert("start".into(), json!(start));
    let mut next = start.clone();
    query_pair(&mut next, "offset", &(offset + limit).to_string());
    links.insert("next".into(), json!(next));
    if offset - limit > 0 {
        let mut prev = start.clone();
        query_pair(&mut prev, "offset", &(offset - limit).to_string());
        links.insert("prev".into(), json!(prev));
    }
    let mut out = Map::new();
    out.insert("resource_id".into(), json!(rid));
    out.insert("fields".into(), fields_json(&rows.fields));
    out.insert("records".into(), records);
    out.insert("limit".into(), json!(limit));
    out.insert("offset".into(), json!(offset));
    out.insert("include_total".into(), json!(include_total));
    out.insert("records_format".into(), json!(format));
    if let Some(t) = rows.total {
        out.insert("total".into(), json!(t));
        out.insert("total_was_estimated".into(), json!(false));
    }
    if let Some(f) = filters {
        out.insert("filters".into(), Value::Object(f));
    }
    if let Some(q) = q {
        out.insert("q".into(), json!(q));
    }
    if !sort.is_empty() {
        let s: Vec<String> = sort
            .iter()
            .map(|(c, d)| format!("{} {}", sort_name(c), if *d { "desc" } else { "asc" }))
            .collect();
        out.insert("sort".into(), json!(s.join(", ")));
    }
    if distinct {
        out.insert("distinct".into(), json!(true));
    }
    out.insert("_links".into(), Value::Object(links));
    Ok(Value::Object(out))
}

/// Groups at most in one `datastore_aggregate` answer by default.
const AGGREGATE_LIMIT: i64 = 1000;

/// `aggregates`: a list of `{"function": "sum", "field": "x", "as": "name"}`
/// objects or of `"count"` / `"sum:x"` strings (also as JSON text or a
/// comma-separated string).
fn aggregates_param(p: &mut Params) -> Result<Vec<AggSpec>, ApiError> {
    let items: Vec<Value> = match p.raw("aggregates") {
        None => return Ok(Vec::new()),
        Some(Value::String(s)) if s.trim_start().starts_with('[') => {
            match serde_json::from_str::<Value>(&s) {
                Ok(Value::Array(a)) => a,
                _ => return Err(ApiError::invalid("aggregates", "Must be a JSON list")),
            }
        }
        Some(Value::String(s)) => s
            .split(',')
            .filter(|x| !x.trim().is_empty())
            .map(|x| json!(x.trim()))
            .collect(),
        Some(Value::Array(a)) => a,
        Some(o @ Value::Object(_)) => vec![o],
        Some(_) => return Err(ApiError::invalid("aggregates", "Must be a list")),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let (func, field, name) = match &item {
            Value::String(s) => {
                let (f, c) = match s.split_once(':') {
                    Some((f, c)) => (f, Some(c.trim().to_string())),
                    None => (s.as_str(), None),
                };
                (f.to_string(), c, None)
            }
            Value::Object(m) => (
                m.get("function")
                    .or_else(|| m.get("func"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                m.get("field")
                    .and_then(Value::as_str)
                    .filter(|f| !f.is_empty())
                    .map(str::to_string),
                m.get("as").and_then(Value::as_str).map(str::to_string),
            ),
            _ => {
                return Err(ApiError::invalid(
                    "aggregates",
                    "Every aggregate is an object or a \"function:field\" string",
                ));
            }
        };
        let f = AggFn::parse(&func).ok_or_else(|| {
            ApiError::invalid(
                "aggregates",
                format!("\"{func}\" is not count, sum, avg, min or max"),
            )
        })?;
        let mut spec = AggSpec::new(f, field.as_deref());
        if let Some(n) = name {
            spec.name = n;
        }
        out.push(spec);
    }
    Ok(out)
}

/// `datastore_aggregate`: `resource_id`, `group_by` (fields), `aggregates`,
/// `filters`, `q`, `sort` (output fields), `limit` (default 1,000, at most
/// 32,000 groups), `offset`, `include_total` (the number of groups; default
/// false), `records_format` (`objects` or `lists`).
pub async fn aggregate(ctx: &Ctx, p: &mut Params) -> R {
    let rid = resource_id(p)?;
    let group_by = p.list("group_by", true)?;
    let aggregates = aggregates_param(p)?;
    let filters = object(p, "filters")?;
    let q = p.str("q");
    p.ignore(&["plain", "language"]);
    let sort = sort_of(p)?;
    let limit = p.int("limit", AGGREGATE_LIMIT, None)?.min(MAX_LIMIT);
    let offset = p.int("offset", 0, None)?;
    let include_total = p.bool("include_total", false)?;
    let format = p.str("records_format").unwrap_or_else(|| "objects".into());
    if !matches!(format.as_str(), "objects" | "lists") {
        return Err(ApiError::invalid(
            "records_format",
            "Must be objects or lists",
        ));
    }
    p.reject_unknown()?;
    let params = SearchParams {
        filters: filters.clone().map(filters_of).unwrap_or_default(),
        q: q.clone(),
        fields: Vec::new(),
        sort: sort.clone(),
        distinct: false,
        limit,
        offset,
        include_total,
    };
    let (_, rows) = ctx
        .portal
        .datastore_group(&ctx.viewer, &rid, &params, &group_by, &aggregates)
        .await?;
    let records = if format == "lists" {
        json!(rows.rows)
    } else {
        Value::Array(
            rows.rows
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    for (f, v) in rows.fields.iter().zip(r) {
                        m.insert(f.id.clone(), v.clone());
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    };
    let aggs_json: Vec<Value> = if aggregates.is_empty() {
        vec![json!({"function": "count", "field": null, "as": "count"})]
    } else {
        aggregates
            .iter()
            .map(|a| json!({"function": a.func.as_str(), "field": a.field, "as": a.name}))
            .collect()
    };
    let mut out = Map::new();
    out.insert("resource_id".into(), json!(rid));
    out.insert("group_by".into(), json!(group_by));
    out.insert("aggregates".into(), Value::Array(aggs_json));
    out.insert("fields".into(), fields_json(&rows.fields));
    out.insert("records".into(), records);
    out.insert("limit".into(), json!(limit));
    out.insert("offset".into(), json!(offset));
    out.insert("records_format".into(), json!(format));
    if let Some(t) = rows.total {
        out.insert("total".into(), json!(t));
    }
    if let Some(f) = filters {
        out.insert("filters".into(), Value::Object(f));
    }
    if let Some(q) = q {
        out.insert("q".into(), json!(q));
    }
    if !sort.is_empty() {
        let s: Vec<String> = sort
            .iter()
            .map(|(c, d)| format!("{} {}", sort_name(c), if *d { "desc" } else { "asc" }))
            .collect();
        out.insert("sort".into(), json!(s.join(", ")));
    }
    Ok(Value::Object(out))
}

pub async fn search_sql(ctx: &Ctx, p: &mut Params) -> R {
    let sql = p.required("sql")?;
    p.reject_unknown()?;
    let o = ctx.portal.datastore_search_sql(&ctx.viewer, &sql).await?;
    let records: Vec<Value> = o
        .records
        .iter()
        .map(|r| {
            let mut m = Map::new();
            for ((name, _), v) in o.fields.iter().zip(r) {
                m.insert(name.clone(), v.clone());
            }
            Value::Object(m)
        })
        .collect();
    let fields: Vec<Value> = o
        .fields
        .iter()
        .map(|(id, ty)| json!({"id": id, "type": ty}))
        .collect();
    let mut out = json!({"sql": sql, "fields": fields, "records": records});
    if o.truncated {
        out["records_truncated"] = json!(true);
    }
    Ok(out)
}

/// The datastore state of a resource, as `datastore_info` shows it.
fn state_json(state: &misto_actions::datastore::DatastoreState) -> Value {
    let (done, total) = state
        .job
        .as_ref()
        .map_or((0, 0), |j| (j.progress_done, j.progress_total));
    let message = match (&state.table, &state.job) {
        (Some(t), _) if !t.message.is_empty() => t.message.clone(),
        (_, Some(j)) => j.message.clone(),
        _ => String::new(),
    };
    json!({
        "status": state.status(),
        "message": message,
        "progress": {"done": done, "total": total},
    })
}

pub async fn info(ctx: &Ctx, p: &mut Params) -> R {
    let rid = resource_id(p)?;
    p.reject_unknown()?;
    let state = ctx.portal.datastore_state(&ctx.viewer, &rid).await?;
    let Some(t) = &state.table else {
        return Err(ApiError::Action(misto_actions::ActionError::not_found(
            format!("Resource \"{rid}\" was not found in the datastore"),
        )));
    };
    let mut fields = vec![json!({"id": "_id", "type": "int"})];
    if let Value::Array(a) = fields_json(&t.fields) {
        fields.extend(a);
    }
    Ok(json!({
        "meta": {
            "id": rid,
            "count": t.row_count,
            "table_type": "BASE TABLE",
            "aliases": [],
            "source": t.source.as_str(),
            "primary_key": t.primary_key,
            "overrides": t.overrides,
            "datastore_active": t.is_active(),
        },
        "fields": fields,
        "datastore_status": state_json(&state),
        "report": t.report,
    }))
}

fn fields_param(p: &mut Params) -> Result<Vec<Field>, ApiError> {
    let mut out = Vec::new();
    for f in objects(p, "fields")? {
        let id = f
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::invalid("fields", "Every field needs an id"))?
            .to_string();
        let ty = match f.get("type").and_then(Value::as_str) {
            None => FieldType::Text,
            Some(t) => FieldType::parse(t).ok_or_else(|| {
                ApiError::invalid(
                    "fields",
                    format!("\"{t}\" is not a type (int, numeric, bool, date, timestamp, text)"),
                )
            })?,
        };
        out.push(Field {
            id,
            ty,
            info: f.get("info").cloned(),
        });
    }
    Ok(out)
}

pub async fn create(ctx: &Ctx, p: &mut Params) -> R {
    let rid = match object(p, "resource")? {
        Some(mut res) => {
            let package_id = res
                .get("package_id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| ApiError::missing("resource.package_id"))?;
            res.remove("package_id");
            let own_url = res
                .get("url")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
            if own_url {
                // A datastore-only resource links to its dump, known once
                // the resource has its id.
                res.insert(
                    "url".into(),
                    json!(format!("{}/datastore/dump/new", ctx.site())),
                );
            }
            let input = crate::decode::resource_from_map(res.clone())?;
            let (_, rid) = ctx
                .portal
                .create_resource(&ctx.viewer, &package_id, input, None)
                .await?;
            if own_url {
                res.insert(
                    "url".into(),
                    json!(format!("{}/datastore/dump/{rid}", ctx.site())),
                );
                let input = crate::decode::resource_from_map(res)?;
                ctx.portal
                    .update_resource(&ctx.viewer, &rid, input, None)
                    .await?;
            }
            rid
        }
        None => resource_id(p)?,
    };
    let fields = fields_param(p)?;
    let records = objects(p, "records")?;
    let primary_key = p.list("primary_key", true)?;
    p.ignore(&[
        "indexes",
        "aliases",
        "triggers",
        "force",
        "calculate_record_count",
        "delete_fields",
    ]);
    p.reject_unknown()?;
    let t = ctx
        .portal
        .datastore_create(&ctx.viewer, &rid, fields, records, primary_key)
        .await?;
    Ok(json!({
        "resource_id": rid,
        "fields": fields_json(&t.fields),
        "primary_key": t.primary_key,
        "method": "insert",
    }))
}

pub async fn upsert(ctx: &Ctx, p: &mut Params) -> R {
    let rid = resource_id(p)?;
    let records = objects(p, "records")?;
    let method = match p.str("method").as_deref().unwrap_or("upsert") {
        "upsert" => WriteMethod::Upsert,
        "insert" => WriteMethod::Insert,
        "update" => WriteMethod::Update,
        other => {
            return Err(ApiError::invalid(
                "method",
                format!("\"{other}\" is not insert, update or upsert"),
            ));
        }
    };
    if p.bool("dry_run", false)? {
        return Err(ApiError::invalid("dry_run", "dry_run is not supported"));
    }
    p.ignore(&["force", "calculate_record_count"]);
    p.reject_unknown()?;
    let (_, n) = ctx
        .portal
        .datastore_upsert(&ctx.viewer, &rid, records, method)
        .await?;
    Ok(json!({"resource_id": rid, "method": p_method(method), "records_written": n}))
}

fn p_method(m: WriteMethod) -> &'static str {
    match m {
        WriteMethod::Insert => "insert",
        WriteMethod::Update => "update",
        WriteMethod::Upsert => "upsert",
    }
}

pub async fn delete(ctx: &Ctx, p: &mut Params, records_only: bool) -> R {
    let rid = resource_id(p)?;
    let filters = object(p, "filters")?;
    p.ignore(&["force"]);
    p.reject_unknown()?;
    if records_only && filters.is_none() {
        return Err(ApiError::missing("filters"));
    }
    let n = ctx
        .portal
        .datastore_delete(&ctx.viewer, &rid, filters.clone().map(filters_of))
        .await?;
    let mut out = json!({"resource_id": rid, "deleted": n});
    if let Some(f) = filters {
        out["filters"] = Value::Object(f);
    }
    Ok(out)
}

/// The search parameters of a dump URL (`q`, `filters`, `fields`, `sort`,
/// `distinct`, `limit`, `offset`), as `datastore_search` reads them; no
/// limit by default. `format` and `bom` are the caller's.
pub fn dump_params(p: &mut Params) -> Result<SearchParams, ApiError> {
    let filters = object(p, "filters")?;
    let q = p.str("q");
    let fields = p.list("fields", true)?;
    let sort = sort_of(p)?;
    let distinct = p.bool("distinct", false)?;
    let limit = p.int("limit", i64::MAX, None)?;
    let offset = p.int("offset", 0, None)?;
    p.ignore(&["format", "bom", "plain", "language"]);
    p.reject_unknown()?;
    Ok(SearchParams {
        filters: filters.map(filters_of).unwrap_or_default(),
        q,
        fields,
        sort,
        distinct,
        limit,
        offset,
        include_total: false,
    })
}

#[cfg(test)]
mod sort_tests {
    use super::*;

    #[test]
    fn sort_names_with_commas_are_quoted() {
        let mut p = Params::from_pairs(vec![(
            "sort".to_string(),
            "\"Сума, грн\" desc, район, \"a \"\"b\"\"\"".to_string(),
        )]);
        let got = sort_of(&mut p).unwrap();
        let mut listed = Params::new(
            json!({"sort": ["Сума, грн desc", "район"]})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        assert_eq!(
            sort_of(&mut listed).unwrap(),
            vec![
                ("Сума, грн".to_string(), true),
                ("район".to_string(), false)
            ]
        );
        assert_eq!(
            got,
            vec![
                ("Сума, грн".to_string(), true),
                ("район".to_string(), false),
                ("a \"b\"".to_string(), false)
            ]
        );
        assert_eq!(sort_name("Сума, грн"), "\"Сума, грн\"");
        assert_eq!(sort_name("район"), "район");
    }
}
