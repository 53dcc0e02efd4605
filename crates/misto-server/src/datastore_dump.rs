//! `/datastore/dump/{resource_id}`: a datastore table (or a filtered view
//! of it: `q`, `filters`, `fields`, `sort`, `distinct`, `limit`, `offset`,
//! as in `datastore_search`) as CSV, TSV, JSON, GeoJSON or XLSX.
//!
//! CSV, TSV, JSON and GeoJSON are streamed page by page (2,000 rows,
//! keyset paging by `_id` when unsorted), so memory stays flat for any
//! table size. XLSX is a zip that is only complete at its end: a blocking
//! thread writes the worksheet row by row in `rust_xlsxwriter`'s constant
//! memory mode (rows go to a temporary file as they are written), zips it
//! into an anonymous temporary file, and that file is streamed; memory
//! stays flat too (at most 1,048,575 rows, Excel's limit). `bom=true` starts
//! CSV and TSV with a byte order mark (for Excel).

use std::collections::VecDeque;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use misto_actions::datastore::SearchParams;
use misto_actions::{ActionError, Portal, Viewer};
use misto_core::datastore::Field;
use serde_json::Value;

/// Rows read at a time: small pages keep the memory a dump holds (rows
/// decoded on several threads at once) low; the keyset query per page is
/// cheap.
const PAGE: i64 = 2_000;
const XLSX_MAX_ROWS: i64 = 1_048_575;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Tsv,
    Json,
    GeoJson,
    Xlsx,
    Parquet,
}

fn error_response(e: ActionError) -> Response {
    let status = match &e {
        ActionError::NotFound(_) => StatusCode::NOT_FOUND,
        ActionError::NotAuthorized(_) => StatusCode::FORBIDDEN,
        ActionError::Validation(_) | ActionError::SearchQuery(_) => StatusCode::BAD_REQUEST,
        ActionError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
        ActionError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        ActionError::Internal(detail) => {
            tracing::error!(error = %detail, "datastore dump failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
        }
    };
    (status, e.to_string()).into_response()
}

/// The positions of longitude and latitude columns, by their usual names.
pub use misto_actions::datastore::coordinate_columns;

fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Streams pages of a table while the caller reads.
struct Pager {
    portal: Portal,
    viewer: Viewer,
    resource_id: String,
    params: SearchParams,
    /// Keyset position (unsorted dumps) or `None` (offset paging).
    after_id: Option<i64>,
    /// Whether `_id` was added to the fields only for keyset paging.
    strip_id: bool,
    emitted: i64,
    done: bool,
    /// One streamed query instead of pages (tables of the columnar
    /// engine); `None` until the first page is asked for.
    stream: Option<Option<(Vec<Field>, misto_actions::datastore::RowStream)>>,
}

impl Pager {
    fn new(portal: Portal, viewer: Viewer, resource_id: String, params: SearchParams) -> Self {
        let keyset = params.sort.is_empty() && !params.distinct && params.offset == 0;
        let strip_id =
            keyset && !params.fields.is_empty() && !params.fields.iter().any(|f| f == "_id");
        Self {
            portal,
            viewer,
            resource_id,
            params,
            after_id: keyset.then_some(0),
            strip_id,
            emitted: 0,
            done: false,
            stream: None,
        }
    }

    /// The next page: fields and rows (empty when finished).
    async fn next(&mut self) -> Result<(Vec<Field>, Vec<Vec<Value>>), ActionError> {
        let remaining = self.params.limit.saturating_sub(self.emitted);
        if self.done || remaining <= 0 {
            self.done = true;
            return Ok((Vec::new(), Vec::new()));
        }
        if self.stream.is_none() {
            let params = SearchParams {
                limit: remaining,
                ..self.params.clone()
            };
            self.stream = Some(
                self.portal
                    .datastore_stream(&self.viewer, &self.resource_id, &params, PAGE as usize)
                    .await?,
            );
        }
        if let Some(Some((fields, rows))) = self.stream.as_mut() {
            let Some(page) = rows.next().await.transpose()? else {
                self.done = true;
                return Ok((fields.clone(), Vec::new()));
            };
            self.emitted += page.len() as i64;
            return Ok((fields.clone(), page));
        }
        let mut p = self.params.clone();
        if self.after_id.is_none() {
            p.offset = self.params.offset + self.emitted;
        }
        let (_, page) = self
            .portal
            .datastore_page(
                &self.viewer,
                &self.resource_id,
                &p,
                self.after_id,
                PAGE.min(remaining),
            )
            .await?;
        if self.after_id.is_some() {
            self.after_id = page.last_id.or(self.after_id);
        }
        let n = page.rows.len() as i64;
        self.emitted += n;
        if n < PAGE.min(remaining) {
            self.done = true;
        }
        let mut fields = page.fields;
        let mut rows = page.rows;
        if self.strip_id {
            fields.remove(0);
            for r in &mut rows {
                r.remove(0);
            }
        }
        Ok((fields, rows))
    }
}

fn delimited_header(fields: &[Field], sep: char) -> String {
    let names: Vec<Value> = fields.iter().map(|f| Value::String(f.id.clone())).collect();
    misto_ckan_api::delimited(&[names], sep)
}

pub async fn dump(
    State(portal): State<Portal>,
    Path(resource_id): Path<String>,
    req: Request,
) -> Response {
    let viewer = match crate::download::viewer(&portal, req.headers()).await {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let pairs = req
        .uri()
        .query()
        .map(|q| misto_ckan_api::form_urlencoded_pairs(q.as_bytes()))
        .unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.to_lowercase())
    };
    let format = match get("format").as_deref().unwrap_or("csv") {
        "csv" => Format::Csv,
        "tsv" => Format::Tsv,
        "json" => Format::Json,
        "geojson" => Format::GeoJson,
        "xlsx" => Format::Xlsx,
        "parquet" => Format::Parquet,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                format!("Unknown format {other:?}: use csv, tsv, json, geojson, xlsx or parquet"),
            )
                .into_response();
        }
    };
    let bom = matches!(get("bom").as_deref(), Some("true" | "1" | "yes"));
    let mut p = misto_ckan_api::Params::from_pairs(pairs.clone());
    let params = match misto_ckan_api::dump_params(&mut p) {
        Ok(x) => x,
        Err(e) => {
            let (status, body) = e.status_and_error();
            return (status, axum::Json(body)).into_response();
        }
    };
    let mut pager = Pager::new(portal, viewer, resource_id.clone(), params);
    // The first page is read before answering, so that a missing or hidden
    // table is a 404 and not a broken stream.
    let first = match pager.next().await {
        Ok(x) => x,
        Err(e) => return error_response(e),
    };
    let fields = match pager
        .portal
        .datastore_state(&pager.viewer, &resource_id)
        .await
    {
        Ok(s) => s.table.map(|t| t.fields).unwrap_or_default(),
        Err(e) => return error_response(e),
    };
    let shown_fields = if first.0.is_empty() {
        fields.clone()
    } else {
        first.0.clone()
    };
    let (ctype, ext) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Tsv => ("text/tab-separated-values; charset=utf-8", "tsv"),
        Format::Json => ("application/json", "json"),
        Format::GeoJson => ("application/geo+json", "geojson"),
        Format::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        Format::Parquet => ("application/vnd.apache.parquet", "parquet"),
    };
    let coords = coordinate_columns(&shown_fields);
    if format == Format::GeoJson && coords.is_none() {
        return (
            StatusCode::BAD_REQUEST,
            "The table has no longitude and latitude columns (lon/lat, longitude/latitude, довгота/широта)",
        )
            .into_response();
    }
    let body = if format == Format::Parquet {
        match parquet(pager, shown_fields, first.1).await {
            Ok(file) => Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                tokio::fs::File::from_std(file),
                64 * 1024,
            )),
            Err(e) => return error_response(e),
        }
    } else if format == Format::Xlsx {
        match xlsx(pager, shown_fields, first.1).await {
            Ok(file) => Body::from_stream(tokio_util::io::ReaderStream::with_capacity(
                tokio::fs::File::from_std(file),
                64 * 1024,
            )),
            Err(e) => return error_response(e),
        }
    } else {
        let mut head = String::new();
        match format {
            Format::Csv | Format::Tsv => {
                if bom {
                    head.push('\u{feff}');
                }
                head.push_str(&delimited_header(
                    &shown_fields,
                    if format == Format::Csv { ',' } else { '\t' },
                ));
            }
            Format::Json => {
                let f: Vec<Value> = shown_fields
                    .iter()
                    .map(|f| serde_json::json!({"id": f.id, "type": f.ty.as_str()}))
                    .collect();
                head.push_str("{\"fields\":");
                head.push_str(&Value::Array(f).to_string());
                head.push_str(",\"records\":[");
            }
            Format::GeoJson => head.push_str("{\"type\":\"FeatureCollection\",\"features\":["),
            Format::Xlsx | Format::Parquet => {}
        }
        let state = (
            pager,
            VecDeque::from([head]),
            Some(first.1),
            false,
            shown_fields,
            coords,
            false,
        );
        let stream = futures_util::stream::unfold(
            state,
            move |(mut pager, mut out, mut pending, mut any, fields, coords, mut closed)| async move {
                loop {
                    if let Some(s) = out.pop_front() {
                        return Some((
                            Ok::<_, std::io::Error>(Bytes::from(s)),
                            (pager, out, pending, any, fields, coords, closed),
                        ));
                    }
                    if closed {
                        return None;
                    }
                    let rows = match pending.take() {
                        Some(r) => r,
                        None if pager.done => Vec::new(),
                        None => match pager.next().await {
                            Ok((_, r)) => r,
                            Err(e) => {
                                tracing::error!(error = %e, "datastore dump stopped");
                                return Some((
                                    Err(std::io::Error::other(e.to_string())),
                                    (pager, out, None, any, fields, coords, true),
                                ));
                            }
                        },
                    };
                    if rows.is_empty() {
                        closed = true;
                        match format {
                            Format::Json => out.push_back("]}".into()),
                            Format::GeoJson => out.push_back("]}".into()),
                            _ => {}
                        }
                        if out.is_empty() {
                            return None;
                        }
                        continue;
                    }
                    out.push_back(encode_rows(format, &fields, coords, &rows, &mut any));
                }
            },
        );
        Body::from_stream(stream)
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(ctype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    let name: String = resource_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

fn encode_rows(
    format: Format,
    fields: &[Field],
    coords: Option<(usize, usize)>,
    rows: &[Vec<Value>],
    any: &mut bool,
) -> String {
    match format {
        Format::Csv => misto_ckan_api::delimited(rows, ','),
        Format::Tsv => misto_ckan_api::delimited(rows, '\t'),
        Format::Json => {
            let mut s = String::new();
            for r in rows {
                if *any {
                    s.push(',');
                }
                *any = true;
                s.push_str(&Value::Array(r.clone()).to_string());
            }
            s
        }
        Format::GeoJson => {
            let mut s = String::new();
            let Some((lon, lat)) = coords else {
                return s;
            };
            for r in rows {
                let (Some(x), Some(y)) = (r[lon].as_f64(), r[lat].as_f64()) else {
                    continue;
                };
                let mut props = serde_json::Map::new();
                for (i, (f, v)) in fields.iter().zip(r).enumerate() {
                    if i != lon && i != lat {
                        props.insert(f.id.clone(), v.clone());
                    }
                }
                if *any {
                    s.push(',');
                }
                *any = true;
                let feature = serde_json::json!({
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [x, y]},
                    "properties": props,
                });
                s.push_str(&feature.to_string());
            }
            s
        }
        Format::Xlsx | Format::Parquet => String::new(),
    }
}

/// The rows as a Parquet file (typed columns, as the table's fields) in an
/// anonymous temporary file, read from its start. Pages are written by a
/// blocking thread as they are read, a row group at a time.
async fn parquet(
    mut pager: Pager,
    fields: Vec<Field>,
    first: Vec<Vec<Value>>,
) -> Result<std::fs::File, ActionError> {
    let internal = |e: &dyn std::fmt::Display| ActionError::Internal(format!("parquet: {e}"));
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Vec<Value>>>(2);
    let writer = tokio::task::spawn_blocking(move || {
        use std::io::{Seek, SeekFrom};
        let file = tempfile::tempfile().map_err(|e| internal(&e))?;
        let mut out =
            misto_columnar::ParquetExport::new(file, &fields).map_err(|e| internal(&e))?;
        while let Some(rows) = rx.blocking_recv() {
            out.push(&rows).map_err(|e| internal(&e))?;
        }
        let mut file = out.finish().map_err(|e| internal(&e))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| internal(&e))?;
        Ok::<_, ActionError>(file)
    });
    let mut rows = first;
    loop {
        if rows.is_empty() || tx.send(rows).await.is_err() || pager.done {
            break;
        }
        rows = pager.next().await?.1;
    }
    drop(tx);
    writer
        .await
        .map_err(|e| ActionError::Internal(format!("parquet: {e}")))?
}

/// The rows as an XLSX workbook in an anonymous temporary file (deleted
/// when closed), read from its start.
async fn xlsx(
    mut pager: Pager,
    fields: Vec<Field>,
    first: Vec<Vec<Value>>,
) -> Result<std::fs::File, ActionError> {
    // Pages of rows go to a blocking thread that writes the workbook.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Vec<Value>>>(2);
    let writer = tokio::task::spawn_blocking(move || write_xlsx(&fields, &mut rx));
    let mut rows = first;
    let mut sent = 0i64;
    loop {
        sent += rows.len() as i64;
        if tx.send(rows).await.is_err() || pager.done || sent > XLSX_MAX_ROWS {
            break;
        }
        rows = pager.next().await?.1;
        if rows.is_empty() {
            break;
        }
    }
    drop(tx);
    writer
        .await
        .map_err(|e| ActionError::Internal(format!("xlsx: {e}")))?
}

fn write_xlsx(
    fields: &[Field],
    pages: &mut tokio::sync::mpsc::Receiver<Vec<Vec<Value>>>,
) -> Result<std::fs::File, ActionError> {
    use std::io::{Seek, SeekFrom};
    let internal = |e: rust_xlsxwriter::XlsxError| ActionError::Internal(format!("xlsx: {e}"));
    let io = |e: std::io::Error| ActionError::Internal(format!("xlsx: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book
        .add_worksheet_with_constant_memory()
        .map_err(internal)?;
    for (c, f) in fields.iter().enumerate() {
        sheet.write_string(0, c as u16, &f.id).map_err(internal)?;
    }
    let mut row = 1u32;
    'pages: while let Some(rows) = pages.blocking_recv() {
        for r in &rows {
            if i64::from(row) > XLSX_MAX_ROWS {
                break 'pages;
            }
            for (c, v) in r.iter().enumerate() {
                let col = c as u16;
                match v {
                    Value::Null => {}
                    Value::Number(n) => {
                        sheet
                            .write_number(row, col, n.as_f64().unwrap_or_default())
                            .map_err(internal)?;
                    }
                    Value::Bool(b) => {
                        sheet.write_boolean(row, col, *b).map_err(internal)?;
                    }
                    other => {
                        sheet
                            .write_string(row, col, cell_text(other))
                            .map_err(internal)?;
                    }
                }
            }
            row += 1;
        }
    }
    let mut file = tempfile::tempfile().map_err(io)?;
    book.save_to_writer(&mut file).map_err(internal)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(file)
}
