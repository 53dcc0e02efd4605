//! Downloads of the dataset register with the Ministry's columns
//! (`/register.csv`, `/register.json`, `/register.xlsx`) and of the
//! Resolution 835 compliance table (`/compliance.csv`, `/compliance.xlsx`),
//! optionally `?organization=NAME` (or `?publisher=NAME`) for one publisher.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use misto_actions::register::{REGISTER_COLUMNS, RegisterRow};
use misto_actions::{ActionError, Portal};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct RegisterParams {
    organization: Option<String>,
    publisher: Option<String>,
}

impl RegisterParams {
    fn publisher(&self) -> Option<&str> {
        self.organization
            .as_deref()
            .or(self.publisher.as_deref())
            .filter(|p| !p.trim().is_empty())
    }

    /// `register-NAME.ext` for one publisher, `register.ext` for the council.
    fn file_name(&self, stem: &str, ext: &str) -> String {
        match self.publisher() {
            Some(p) => {
                let safe: String = p
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                    .collect();
                format!("{stem}-{safe}.{ext}")
            }
            None => format!("{stem}.{ext}"),
        }
    }
}

/// Every column of a download: the Ministry's twelve, then the audit fields.
const EXTRA_COLUMNS: [&str; 5] = [
    "status",
    "location",
    "targetDate",
    "reason",
    "resolution835Item",
];

fn cells(r: &RegisterRow) -> [&str; 17] {
    [
        &r.identifier,
        &r.title,
        &r.description,
        &r.accrual_periodicity,
        &r.keyword,
        &r.purpose,
        &r.landing_page,
        &r.distribution_format,
        &r.publisher_name,
        &r.publisher_identifier,
        &r.contact_point_fn,
        &r.contact_point_has_email,
        r.status.as_str(),
        &r.location,
        &r.target_date,
        &r.reason,
        &r.resolution_835_item,
    ]
}

async fn rows(portal: &Portal, p: &RegisterParams) -> Result<Vec<RegisterRow>, Response> {
    portal.register(p.publisher()).await.map_err(failed)
}

fn failed(e: ActionError) -> Response {
    match e {
        ActionError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found").into_response(),
        e => {
            tracing::error!(error = %e, "export failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
    }
}

fn attachment(body: Vec<u8>, mime: &'static str, name: &str) -> Response {
    let mut resp = Body::from(body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub async fn csv(State(portal): State<Portal>, Query(p): Query<RegisterParams>) -> Response {
    let rows = match rows(&portal, &p).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let mut out = String::new();
    let header: Vec<&str> = REGISTER_COLUMNS
        .iter()
        .chain(EXTRA_COLUMNS.iter())
        .copied()
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in &rows {
        let line: Vec<String> = cells(r).iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    attachment(
        out.into_bytes(),
        "text/csv; charset=utf-8",
        &p.file_name("register", "csv"),
    )
}

pub async fn json(State(portal): State<Portal>, Query(p): Query<RegisterParams>) -> Response {
    let rows = match rows(&portal, &p).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let list: Vec<serde_json::Value> = rows.iter().map(misto_ckan_api::register_row_json).collect();
    let body = serde_json::to_vec_pretty(&list).unwrap_or_default();
    attachment(body, "application/json", &p.file_name("register", "json"))
}

pub async fn xlsx(State(portal): State<Portal>, Query(p): Query<RegisterParams>) -> Response {
    let rows = match rows(&portal, &p).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    match build_xlsx(&rows) {
        Ok(bytes) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &p.file_name("register", "xlsx"),
        ),
        Err(e) => {
            tracing::error!(error = %e, "register XLSX failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
    }
}

fn build_xlsx(rows: &[RegisterRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("register")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, name) in REGISTER_COLUMNS
        .iter()
        .chain(EXTRA_COLUMNS.iter())
        .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in cells(r).iter().enumerate() {
            sheet.write_string(i as u32 + 1, c as u16, *v)?;
        }
    }
    book.save_to_buffer()
}

/// The columns of the compliance export, one row per item of the list.
pub const COMPLIANCE_COLUMNS: [&str; 9] = [
    "item",
    "name_uk",
    "name_en",
    "category",
    "status",
    "datasets",
    "dataset_urls",
    "overdue_datasets",
    "publishers",
];

async fn compliance_rows(
    portal: &Portal,
    p: &RegisterParams,
) -> Result<Vec<[String; 9]>, Response> {
    let t = misto_core::time::now();
    let c = portal.compliance(p.publisher(), t).map_err(failed)?;
    let site = portal.config().site_url.clone();
    Ok(portal.catalog().read(|ix| {
        c.items
            .iter()
            .map(|i| {
                let names: Vec<&str> = i.datasets.iter().map(|d| d.name.as_str()).collect();
                let urls: Vec<String> = i
                    .datasets
                    .iter()
                    .map(|d| format!("{site}/dataset/{}", d.name))
                    .collect();
                let overdue: Vec<&str> = i
                    .datasets
                    .iter()
                    .filter(|d| d.is_overdue(t))
                    .map(|d| d.name.as_str())
                    .collect();
                let mut publishers: Vec<String> = i
                    .datasets
                    .iter()
                    .filter_map(|d| ix.publisher(&d.owner_org).map(|o| o.title.clone()))
                    .collect();
                publishers.sort();
                publishers.dedup();
                [
                    i.item.id.clone(),
                    i.item.name_uk.clone(),
                    i.item.name_en.clone(),
                    i.item.category.clone(),
                    i.status.as_str().to_string(),
                    names.join(" "),
                    urls.join(" "),
                    overdue.join(" "),
                    publishers.join("; "),
                ]
            })
            .collect()
    }))
}

pub async fn compliance_csv(
    State(portal): State<Portal>,
    Query(p): Query<RegisterParams>,
) -> Response {
    let rows = match compliance_rows(&portal, &p).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let mut out = COMPLIANCE_COLUMNS.join(",");
    out.push_str("\r\n");
    for r in &rows {
        let line: Vec<String> = r.iter().map(|c| csv_field(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    attachment(
        out.into_bytes(),
        "text/csv; charset=utf-8",
        &p.file_name("compliance", "csv"),
    )
}

pub async fn compliance_xlsx(
    State(portal): State<Portal>,
    Query(p): Query<RegisterParams>,
) -> Response {
    let rows = match compliance_rows(&portal, &p).await {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("compliance")?;
        let bold = rust_xlsxwriter::Format::new().set_bold();
        for (c, name) in COMPLIANCE_COLUMNS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *name, &bold)?;
        }
        for (i, r) in rows.iter().enumerate() {
            for (c, v) in r.iter().enumerate() {
                sheet.write_string(i as u32 + 1, c as u16, v)?;
            }
        }
        book.save_to_buffer()
    };
    match build() {
        Ok(bytes) => attachment(
            bytes,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &p.file_name("compliance", "xlsx"),
        ),
        Err(e) => {
            tracing::error!(error = %e, "compliance XLSX failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
        }
    }
}
