//! `/dataset/{dataset}/datapackage.json` — the dataset as a Frictionless
//! Data Package, with a Table Schema for each uploaded table: inferred
//! from the file for CSV, from the datastore table (and the structure
//! file) for XLSX, XLS, ODS and JSON —
//! and `/dataset/{dataset}/passport.json`, the Resolution 835 passport with
//! its Ukrainian field names, as data.gov.ua offers it for download.

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use misto_actions::{Portal, Viewer};
use misto_core::{Dataset, Resource, license, time};
use serde_json::{Map, Value, json};

use crate::{dcat, not_found, route_dataset, site};

/// How much of a CSV file is read to infer its schema.
const SAMPLE_BYTES: usize = 1024 * 1024;

/// A resource name as the Data Package spec allows (`^[-a-z0-9._/]+$`),
/// unique within the package.
fn resource_name(r: &Resource, index: usize, used: &mut HashSet<String>) -> String {
    let base = r
        .name
        .rsplit_once('.')
        .map_or(r.name.as_str(), |(stem, ext)| {
            if ext.len() <= 5 {
                stem
            } else {
                r.name.as_str()
            }
        });
    let mut name = misto_core::names::slugify(base);
    if name.is_empty() {
        name = format!("resource-{}", index + 1);
    }
    let mut candidate = name.clone();
    let mut n = 2;
    while !used.insert(candidate.clone()) {
        candidate = format!("{name}-{n}");
        n += 1;
    }
    candidate
}

fn json_response(value: &Value, attachment: Option<String>) -> Response {
    let body = serde_json::to_vec_pretty(value).unwrap_or_default();
    let mut resp = (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    if let Some(file) = attachment
        && let Ok(v) = header::HeaderValue::from_str(&format!("attachment; filename=\"{file}\""))
    {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

pub(crate) async fn datapackage(State(portal): State<Portal>, name: Path<String>) -> Response {
    let Some(d) = route_dataset(&portal, name) else {
        return not_found();
    };
    let mut v = data_package(&portal, &d);
    // The publisher's structure file, when there is one: its fields carry
    // titles, descriptions and date formats.
    let structure = portal
        .dataset_structure(&Viewer::anonymous(), &d.id)
        .await
        .ok()
        .flatten()
        .map(|(rec, _)| rec.table_schema);
    let mut schemas = Vec::new();
    for r in d.active_resources() {
        let format = r.format.trim().to_ascii_uppercase();
        schemas.push(if !r.is_upload() {
            None
        } else if format == "CSV" {
            csv_schema(&portal, &d, r).await.map(Tabular::Csv)
        } else if SHEET_FORMATS.contains(&format.as_str())
            || (format == "JSON" && json_is_table(&portal, &d, r).await)
        {
            table_schema(&portal, r, structure.as_ref()).await
        } else {
            None
        });
    }
    if let Some(resources) = v.get_mut("resources").and_then(Value::as_array_mut) {
        for (res, schema) in resources.iter_mut().zip(schemas) {
            let Some(obj) = res.as_object_mut() else {
                continue;
            };
            match schema {
                Some(Tabular::Csv(s)) => {
                    obj.insert("profile".into(), json!("tabular-data-resource"));
                    obj.insert("encoding".into(), json!(s.encoding));
                    if s.delimiter != ',' {
                        obj.insert(
                            "dialect".into(),
                            json!({ "delimiter": s.delimiter.to_string() }),
                        );
                    }
                    obj.insert("schema".into(), s.schema);
                }
                Some(Tabular::Other { schema, header_row }) => {
                    obj.insert("profile".into(), json!("tabular-data-resource"));
                    if header_row > 1 {
                        obj.insert("dialect".into(), json!({ "headerRows": [header_row] }));
                    }
                    obj.insert("schema".into(), schema);
                }
                None => {}
            }
        }
    }
    json_response(&v, None)
}

/// Workbook formats whose first table the datastore loads.
const SHEET_FORMATS: [&str; 3] = ["XLSX", "XLS", "ODS"];

/// The table schema of a resource and how to read it.
enum Tabular {
    /// Inferred from the CSV file itself.
    Csv(CsvSchema),
    /// From the resource's datastore table (and the structure file).
    Other { schema: Value, header_row: u64 },
}

/// The Table Schema type of a datastore column type.
fn ts_type(ty: &str) -> &'static str {
    match misto_core::datastore::FieldType::parse(ty) {
        Some(misto_core::datastore::FieldType::Int) => "integer",
        Some(misto_core::datastore::FieldType::Numeric) => "number",
        Some(misto_core::datastore::FieldType::Bool) => "boolean",
        Some(misto_core::datastore::FieldType::Date) => "date",
        Some(misto_core::datastore::FieldType::Timestamp) => "datetime",
        _ => "string",
    }
}

/// The schema of a workbook or JSON resource from what its datastore
/// ingest found: one field per column under its header as written in the
/// file, with the column's type. A field of the dataset's structure file
/// with the same name gives its type, format, title and description. A
/// column with values that did not fit its type is `any`: the schema
/// describes the file as it is. `None` while there is no loaded table.
async fn table_schema(portal: &Portal, r: &Resource, structure: Option<&Value>) -> Option<Tabular> {
    let state = portal
        .datastore_state(&Viewer::anonymous(), &r.id)
        .await
        .ok()?;
    let table = state.table.filter(|t| t.is_active())?;
    let report = &table.report;
    let columns = report.get("columns").and_then(Value::as_array)?;
    let described: Vec<&Value> = structure
        .and_then(|s| s.get("fields"))
        .and_then(Value::as_array)
        .map(|f| f.iter().collect())
        .unwrap_or_default();
    let mut fields = Vec::new();
    for c in columns {
        let header = c.get("header").and_then(Value::as_str).unwrap_or("");
        let id = c.get("id").and_then(Value::as_str).unwrap_or("");
        let name = if header.trim().is_empty() { id } else { header };
        let ty = ts_type(c.get("type").and_then(Value::as_str).unwrap_or("text"));
        let misfits = c.get("misfits").and_then(Value::as_u64).unwrap_or(0);
        let mut f = Map::new();
        f.insert("name".into(), json!(name));
        let from_structure = described
            .iter()
            .find(|s| s.get("name").and_then(Value::as_str) == Some(name));
        if let Some(s) = from_structure {
            for key in ["title", "description"] {
                if let Some(v) = s.get(key).filter(|v| v.is_string()) {
                    f.insert(key.into(), v.clone());
                }
            }
        }
        if misfits > 0 {
            f.insert("type".into(), json!("any"));
        } else if let Some(s) = from_structure
            .filter(|s| s.get("type").and_then(Value::as_str).map(fits_type) == Some(ty))
        {
            f.insert("type".into(), json!(ty));
            if let Some(fmt) = s.get("format").filter(|v| v.is_string()) {
                f.insert("format".into(), fmt.clone());
            }
        } else {
            f.insert("type".into(), json!(ty));
            // Workbook cells may be real dates or text in a local style.
            if matches!(ty, "date" | "datetime") {
                f.insert("format".into(), json!("any"));
            }
        }
        fields.push(Value::Object(f));
    }
    if fields.is_empty() {
        return None;
    }
    let header_row = report
        .get("header_row")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    Some(Tabular::Other {
        schema: json!({ "fields": fields }),
        header_row,
    })
}

/// The Table Schema type a structure file's type stands for.
fn fits_type(t: &str) -> &'static str {
    match t {
        "integer" => "integer",
        "number" => "number",
        "boolean" => "boolean",
        "date" => "date",
        "datetime" => "datetime",
        _ => "string",
    }
}

/// Whether a JSON file is a table Frictionless reads: an array (of
/// objects or of arrays) at the top.
async fn json_is_table(portal: &Portal, d: &Dataset, r: &Resource) -> bool {
    let Ok((_, mut reader)) = portal
        .open_download(&Viewer::anonymous(), &d.id, &r.id)
        .await
    else {
        return false;
    };
    let mut head = Vec::new();
    while let Some(Ok(chunk)) = reader.stream.next().await {
        head.extend_from_slice(&chunk);
        let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head[..]);
        if let Some(b) = text.iter().find(|b| !b.is_ascii_whitespace()) {
            return *b == b'[';
        }
        if head.len() > 4096 {
            break;
        }
    }
    false
}

/// The Data Package of a dataset without table schemas.
pub fn data_package(portal: &Portal, d: &Dataset) -> Value {
    let site = site(portal);
    let mut m = Map::new();
    m.insert("name".into(), json!(d.name));
    m.insert("id".into(), json!(dcat::dataset_uri(&site, d)));
    m.insert("title".into(), json!(d.title));
    if !d.notes.trim().is_empty() {
        m.insert("description".into(), json!(d.notes));
    }
    m.insert(
        "homepage".into(),
        json!(format!("{site}/dataset/{}", d.name)),
    );
    if let Some(v) = d.version.as_deref().filter(|s| !s.trim().is_empty()) {
        m.insert("version".into(), json!(v));
    }
    m.insert(
        "created".into(),
        json!(
            d.metadata_created
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ),
    );
    if !d.tags.is_empty() {
        m.insert("keywords".into(), json!(d.tags));
    }
    if let Some(l) = license::find(&d.license_id) {
        let mut lic = Map::new();
        lic.insert("name".into(), json!(l.id));
        if !l.url.is_empty() {
            lic.insert("path".into(), json!(l.url));
        }
        lic.insert("title".into(), json!(l.title));
        m.insert("licenses".into(), json!([lic]));
    }
    if let Some(p) = portal
        .catalog()
        .read(|ix| ix.publisher(&d.owner_org).cloned())
    {
        let mut c = Map::new();
        c.insert("title".into(), json!(p.title));
        c.insert("role".into(), json!("publisher"));
        c.insert(
            "path".into(),
            json!(format!("{site}/organization/{}", p.name)),
        );
        if let Some(e) = p.email.as_deref().filter(|e| e.contains('@')) {
            c.insert("email".into(), json!(e));
        }
        m.insert("contributors".into(), json!([c]));
    }
    let mut used = HashSet::new();
    let resources: Vec<Value> = d
        .active_resources()
        .enumerate()
        .map(|(i, r)| {
            let mut res = Map::new();
            res.insert("name".into(), json!(resource_name(r, i, &mut used)));
            res.insert("path".into(), json!(dcat::resource_url(&site, d, r)));
            if !r.name.trim().is_empty() {
                res.insert("title".into(), json!(r.name));
            }
            if !r.description.trim().is_empty() {
                res.insert("description".into(), json!(r.description));
            }
            if !r.format.trim().is_empty() {
                res.insert("format".into(), json!(r.format.to_ascii_lowercase()));
            }
            if let Some(mt) = dcat::media_type(r) {
                res.insert("mediatype".into(), json!(mt));
            }
            if let Some(size) = r.size.filter(|s| *s >= 0) {
                res.insert("bytes".into(), json!(size));
            }
            if let Some(h) = r
                .hash
                .as_deref()
                .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                res.insert(
                    "hash".into(),
                    json!(format!("sha256:{}", h.to_ascii_lowercase())),
                );
            }
            Value::Object(res)
        })
        .collect();
    m.insert("resources".into(), Value::Array(resources));
    Value::Object(m)
}

/// A Table Schema inferred from the start of a CSV file.
pub struct CsvSchema {
    pub schema: Value,
    pub delimiter: char,
    pub encoding: &'static str,
}

async fn csv_schema(portal: &Portal, d: &Dataset, r: &Resource) -> Option<CsvSchema> {
    // `open_download` checks again that the anonymous public may read it.
    let (_, mut reader) = portal
        .open_download(&Viewer::anonymous(), &d.id, &r.id)
        .await
        .ok()?;
    let mut sample = Vec::new();
    let mut complete = true;
    while let Some(chunk) = reader.stream.next().await {
        let chunk = chunk.ok()?;
        sample.extend_from_slice(&chunk);
        if sample.len() >= SAMPLE_BYTES {
            complete = sample.len() as u64 >= reader.size;
            break;
        }
    }
    infer_csv_schema(&sample, complete)
}

/// Infers field names and types (integer, number, date, boolean, string)
/// from a CSV sample; `complete` says whether the sample is the whole file
/// (if not, its last, possibly cut, line is ignored). `None` when the
/// sample is not UTF-8 text or has no header.
pub fn infer_csv_schema(sample: &[u8], complete: bool) -> Option<CsvSchema> {
    let (bytes, encoding) = match sample.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, "utf-8-sig"),
        None => (sample, "utf-8"),
    };
    let bytes = if complete {
        bytes
    } else {
        let end = bytes.iter().rposition(|b| *b == b'\n')?;
        &bytes[..end]
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        // A cut multi-byte character at the very end of a partial sample.
        Err(e) if !complete && e.error_len().is_none() => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    let first_line = text.lines().next()?;
    let delimiter = [',', ';', '\t', '|']
        .into_iter()
        .max_by_key(|c| first_line.matches(*c).count())
        .filter(|c| first_line.contains(*c))
        .unwrap_or(',');
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rdr.headers().ok()?.iter().map(str::to_string).collect();
    if headers.is_empty() {
        return None;
    }
    let mut kinds: Vec<Guess> = vec![Guess::default(); headers.len()];
    for rec in rdr.records() {
        let Ok(rec) = rec else { break };
        for (g, value) in kinds.iter_mut().zip(rec.iter()) {
            g.see(value);
        }
    }
    let fields: Vec<Value> = headers
        .iter()
        .zip(kinds)
        .map(|(name, g)| g.field(name))
        .collect();
    Some(CsvSchema {
        schema: json!({ "fields": fields }),
        delimiter,
        encoding,
    })
}

/// What the values of a column seen so far could all be.
#[derive(Clone)]
struct Guess {
    seen: bool,
    integer: bool,
    number: bool,
    /// Numbers written with a decimal comma.
    comma: bool,
    dot: bool,
    date_iso: bool,
    date_dmy: bool,
    boolean: bool,
}

impl Default for Guess {
    fn default() -> Self {
        Self {
            seen: false,
            integer: true,
            number: true,
            comma: false,
            dot: false,
            date_iso: true,
            date_dmy: true,
            boolean: true,
        }
    }
}

impl Guess {
    fn see(&mut self, raw: &str) {
        // Frictionless treats only "" as missing by default; a blank cell
        // with spaces is a value (and fails numeric types).
        if raw.is_empty() {
            return;
        }
        self.seen = true;
        let v = raw;
        let numeric_chars = v
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | ',' | 'e' | 'E'));
        let has_digit = v.chars().any(|c| c.is_ascii_digit());
        let int_ok = numeric_chars
            && has_digit
            && v.parse::<i64>().is_ok()
            && !leading_zero(v.trim_start_matches(['-', '+']));
        if !int_ok {
            self.integer = false;
        }
        if self.number {
            let ok = numeric_chars && has_digit && !leading_zero(v.trim_start_matches(['-', '+']));
            let ok = ok
                && if v.contains(',') {
                    self.comma = true;
                    !v.contains('.') && v.replacen(',', ".", 1).parse::<f64>().is_ok()
                } else {
                    if v.contains('.') {
                        self.dot = true;
                    }
                    v.parse::<f64>().is_ok()
                };
            if !ok || (self.comma && self.dot) {
                self.number = false;
            }
        }
        if self.date_iso {
            self.date_iso =
                v.len() == 10 && chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok();
        }
        if self.date_dmy {
            self.date_dmy =
                v.len() == 10 && chrono::NaiveDate::parse_from_str(v, "%d.%m.%Y").is_ok();
        }
        if self.boolean {
            self.boolean = matches!(v, "true" | "false" | "True" | "False" | "TRUE" | "FALSE");
        }
    }

    fn field(&self, name: &str) -> Value {
        if !self.seen {
            return json!({ "name": name, "type": "string" });
        }
        if self.integer {
            json!({ "name": name, "type": "integer" })
        } else if self.number {
            if self.comma {
                json!({ "name": name, "type": "number", "decimalChar": "," })
            } else {
                json!({ "name": name, "type": "number" })
            }
        } else if self.date_iso {
            json!({ "name": name, "type": "date" })
        } else if self.date_dmy {
            json!({ "name": name, "type": "date", "format": "%d.%m.%Y" })
        } else if self.boolean {
            json!({ "name": name, "type": "boolean" })
        } else {
            json!({ "name": name, "type": "string" })
        }
    }
}

/// `007` is a code, not the number 7.
fn leading_zero(v: &str) -> bool {
    v.len() > 1 && v.starts_with('0') && !v.starts_with("0.") && !v.starts_with("0,")
}

pub(crate) async fn passport(State(portal): State<Portal>, name: Path<String>) -> Response {
    match route_dataset(&portal, name) {
        Some(d) => {
            let file = format!("passport-{}.json", d.name);
            json_response(&passport_document(&portal, &d), Some(file))
        }
        None => not_found(),
    }
}

fn language_uk(code: &str) -> String {
    code.split([',', ';'])
        .map(|c| match c.trim().to_ascii_lowercase().as_str() {
            "ua" | "uk" => "українська".to_string(),
            "en" => "англійська".to_string(),
            "ru" => "російська".to_string(),
            "pl" => "польська".to_string(),
            "de" => "німецька".to_string(),
            "fr" => "французька".to_string(),
            "crh" => "кримськотатарська".to_string(),
            other => other.to_string(),
        })
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

fn local(ts: &misto_core::Timestamp) -> String {
    ts.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The passport of Resolution 835 (fields 1–15 in the Положення's order,
/// with their Ukrainian names) plus the publisher, licence and themes.
pub fn passport_document(portal: &Portal, d: &Dataset) -> Value {
    let site = site(portal);
    let (publisher, themes) = portal.catalog().read(|ix| {
        let p = ix.publisher(&d.owner_org).cloned();
        let themes: Vec<String> = d
            .groups
            .iter()
            .filter_map(|g| ix.group(g).map(|g| g.title.clone()))
            .collect();
        (p, themes)
    });
    let resources: Vec<&Resource> = d.active_resources().collect();
    let mut formats: Vec<String> = Vec::new();
    for r in &resources {
        let f = r.format.trim().to_uppercase();
        if !f.is_empty() && !formats.contains(&f) {
            formats.push(f);
        }
    }
    let mut compression: Vec<String> = Vec::new();
    for r in &resources {
        if let Some(c) = r
            .compress_format
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            && !compression.iter().any(|x| x == c)
        {
            compression.push(c.to_string());
        }
    }
    let links: Vec<Value> = resources
        .iter()
        .map(|r| json!({ "назва": r.name, "url": dcat::resource_url(&site, d, r) }))
        .collect();
    let api = format!("{site}/api/3/action/package_show?id={}", d.id);
    let responsible = json!({
        "особа": d.maintainer,
        "електронна_пошта": d.maintainer_email,
    });
    let fields: Vec<(u32, &str, &str, Value)> = vec![
        (
            1,
            "identifier",
            "Ідентифікаційний номер набору даних",
            json!(d.id),
        ),
        (2, "title", "Найменування набору даних", json!(d.title)),
        (
            3,
            "description",
            "Стислий опис змісту набору даних",
            json!(d.notes),
        ),
        (
            4,
            "language",
            "Відомості про мову інформації, яка міститься у наборі даних",
            json!(language_uk(&d.language)),
        ),
        (
            5,
            "formats",
            "Формат (формати), в якому доступний набір даних",
            json!(formats),
        ),
        (
            6,
            "compression",
            "Формат стиснення набору даних (за наявності такого стиснення)",
            json!(compression),
        ),
        (
            7,
            "issued",
            "Дата і час першого оприлюднення набору даних",
            json!(local(&d.metadata_created)),
        ),
        (
            8,
            "modified",
            "Дата і час внесення останніх змін до набору даних",
            json!(local(&d.metadata_modified)),
        ),
        (
            9,
            "data_updated",
            "Дата актуальності даних у наборі даних",
            json!(local(&d.data_last_updated())),
        ),
        (
            10,
            "update_frequency",
            "Періодичність оновлення набору даних",
            json!(d.update_frequency.map(|f| f.label_uk())),
        ),
        (
            11,
            "keywords",
            "Ключові слова, які відображають основний зміст набору даних",
            json!(d.tags),
        ),
        (
            12,
            "links",
            "Гіперпосилання на набір даних (електронний документ для завантаження або інтерфейс прикладного програмування)",
            json!({ "ресурси": links, "api": api }),
        ),
        (
            13,
            "structure",
            "Гіперпосилання на структуру набору даних",
            json!(format!("{site}/dataset/{}/datapackage.json", d.id)),
        ),
        (
            14,
            "responsible",
            "Відомості про відповідальну особу розпорядника інформації та адреса її електронної пошти",
            responsible,
        ),
        (
            15,
            "purpose",
            "Підстава та призначення збору інформації, що міститься в наборі даних",
            json!(d.purpose_of_collecting_information),
        ),
    ];
    let passport: Vec<Value> = fields
        .into_iter()
        .map(|(n, key, label, value)| {
            json!({ "номер": n, "ключ": key, "поле": label, "значення": value })
        })
        .collect();
    let lic = license::find(&d.license_id);
    json!({
        "набір_даних": {
            "name": d.name,
            "url": format!("{site}/dataset/{}", d.name),
            "uri": dcat::dataset_uri(&site, d),
        },
        "розпорядник": publisher.map(|p| json!({
            "назва": p.title,
            "код_ЄДРПОУ": p.edrpou,
            "url": format!("{site}/organization/{}", p.name),
        })),
        "ліцензія": lic.map(|l| json!({ "id": l.id, "назва": l.title_uk, "url": l.url })),
        "категорії": themes,
        "територія_КАТОТТГ": d.spatial_katottg,
        "пункт_переліку_постанови_835": d.resolution_835_item,
        "паспорт": passport,
        "сформовано": local(&time::now()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(csv: &str) -> Vec<(String, String)> {
        let s = infer_csv_schema(csv.as_bytes(), true).expect("schema");
        s.schema["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .map(|f| {
                (
                    f["name"].as_str().unwrap_or("").to_string(),
                    f["type"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn infers_types() {
        let got = types(
            "id,сума,дата,так,код,назва,порожня\n\
             1,12.5,2024-01-31,true,0012,Київ,\n\
             -2,3,2024-02-29,false,0013,\"Львів, центр\",\n",
        );
        let want = [
            ("id", "integer"),
            ("сума", "number"),
            ("дата", "date"),
            ("так", "boolean"),
            ("код", "string"),
            ("назва", "string"),
            ("порожня", "string"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn semicolons_and_decimal_commas() {
        let s = infer_csv_schema(
            "\u{feff}a;b\n1,5;01.02.2024\n2,25;31.12.2023\n".as_bytes(),
            true,
        )
        .expect("schema");
        assert_eq!(s.delimiter, ';');
        assert_eq!(s.encoding, "utf-8-sig");
        assert_eq!(s.schema["fields"][0]["decimalChar"], ",");
        assert_eq!(s.schema["fields"][1]["format"], "%d.%m.%Y");
    }

    #[test]
    fn partial_sample_drops_last_line() {
        let s = infer_csv_schema(b"n\n1\n2\n3x", false).expect("schema");
        assert_eq!(s.schema["fields"][0]["type"], "integer");
        assert!(infer_csv_schema(b"\xff\xfe\n", true).is_none());
    }
}
