//! A CKAN portal as a source: `package_search` paged (sorted by
//! `metadata_modified`, so a page boundary never hides a dataset changed
//! before the run), incremental with `fq=metadata_modified:[W TO *]` after a
//! complete run, and the list of every remote id (`fl=id`) to find datasets
//! deleted at the source.

use serde_json::Value;

use crate::HarvestError;
use crate::http::Http;

/// CKAN's largest page.
pub const MAX_ROWS: i64 = 1000;

/// The site root of a CKAN URL given by a person (`https://x/api/3/` or
/// `https://x/dataset` both mean `https://x`).
pub fn site_root(url: &str) -> String {
    let u = url.trim().trim_end_matches('/');
    for suffix in ["/api/3/action", "/api/3", "/api/action", "/api", "/dataset"] {
        if let Some(base) = u.strip_suffix(suffix) {
            return base.to_string();
        }
    }
    u.to_string()
}

/// Solr's form of a CKAN timestamp (`2024-05-01T09:00:00.123456Z`).
pub fn solr_time(ckan: &str) -> String {
    let t = ckan.trim();
    if t.ends_with('Z') || t.contains('+') {
        t.to_string()
    } else {
        format!("{t}Z")
    }
}

/// One page of packages and the total count.
pub struct Page {
    pub count: i64,
    pub results: Vec<Value>,
}

pub struct CkanSource {
    http: Http,
    site: String,
    rows: i64,
    /// The source's own filter (`fq` in its config), if any.
    fq: Option<String>,
}

impl CkanSource {
    pub fn new(http: Http, url: &str, config: &Value) -> Self {
        let rows = config
            .get("rows")
            .and_then(Value::as_i64)
            .unwrap_or(MAX_ROWS)
            .clamp(1, MAX_ROWS);
        let fq = config
            .get("fq")
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|s| !s.trim().is_empty());
        Self {
            http,
            site: site_root(url),
            rows,
            fq,
        }
    }

    pub fn site(&self) -> &str {
        &self.site
    }

    pub fn rows(&self) -> i64 {
        self.rows
    }

    fn filter(&self, since: Option<&str>) -> Option<String> {
        let since = since.map(|w| format!("metadata_modified:[{} TO *]", solr_time(w)));
        match (since, &self.fq) {
            (Some(a), Some(b)) => Some(format!("{a} AND ({b})")),
            (Some(a), None) => Some(a),
            (None, Some(b)) => Some(b.clone()),
            (None, None) => None,
        }
    }

    /// The page of packages starting at `start`, modified since `since`
    /// when given.
    pub async fn page(&self, since: Option<&str>, start: i64) -> Result<Page, HarvestError> {
        let mut q = vec![
            ("rows", self.rows.to_string()),
            ("start", start.to_string()),
            ("sort", "metadata_modified asc".to_string()),
            ("facet", "false".to_string()),
        ];
        if let Some(fq) = self.filter(since) {
            q.push(("fq", fq));
        }
        let r = self.http.ckan_get(&self.site, "package_search", &q).await?;
        parse_page(&r)
    }

    /// Every remote id (to find deletions), page by page with `fl=id`.
    /// Portals that ignore `fl` answer full packages; their ids are read too.
    pub async fn all_ids(&self) -> Result<Vec<String>, HarvestError> {
        let mut out = Vec::new();
        let mut start = 0;
        loop {
            let mut q = vec![
                ("rows", MAX_ROWS.to_string()),
                ("start", start.to_string()),
                ("sort", "metadata_modified asc".to_string()),
                ("facet", "false".to_string()),
                ("fl", "id".to_string()),
            ];
            if let Some(fq) = &self.fq {
                q.push(("fq", fq.clone()));
            }
            let r = self.http.ckan_get(&self.site, "package_search", &q).await?;
            let page = parse_page(&r)?;
            let n = page.results.len() as i64;
            for v in page.results {
                match v {
                    Value::String(s) => out.push(s),
                    other => {
                        if let Some(id) = other.get("id").and_then(Value::as_str) {
                            out.push(id.to_string());
                        }
                    }
                }
            }
            start += n;
            if n == 0 || start >= page.count {
                break;
            }
        }
        Ok(out)
    }

    /// Every organization with its fields (for `import ckan`).
    pub async fn organizations(&self) -> Result<Vec<Value>, HarvestError> {
        let r = self
            .http
            .ckan_get(
                &self.site,
                "organization_list",
                &[("all_fields", "true".into()), ("limit", "1000".into())],
            )
            .await?;
        match r {
            Value::Array(a) => Ok(a),
            _ => Err(HarvestError::Remote(
                "organization_list: expected a list".into(),
            )),
        }
    }
}

fn parse_page(r: &Value) -> Result<Page, HarvestError> {
    let count = r
        .get("count")
        .and_then(Value::as_i64)
        .ok_or_else(|| HarvestError::Remote("package_search: the answer has no count".into()))?;
    let results = r
        .get("results")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| HarvestError::Remote("package_search: the answer has no results".into()))?;
    Ok(Page { count, results })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_roots_and_times() {
        for (u, want) in [
            ("https://data.gov.ua/", "https://data.gov.ua"),
            ("https://data.gov.ua/api/3/", "https://data.gov.ua"),
            ("http://127.0.0.1:9/api/3/action", "http://127.0.0.1:9"),
            ("https://x.ua/portal/dataset", "https://x.ua/portal"),
        ] {
            assert_eq!(site_root(u), want, "{u}");
        }
        assert_eq!(
            solr_time("2024-05-01T09:00:00.123456"),
            "2024-05-01T09:00:00.123456Z"
        );
        assert_eq!(solr_time("2024-05-01T09:00:00Z"), "2024-05-01T09:00:00Z");
    }

    #[test]
    fn filters_combine() {
        let http = Http::new(&crate::outbound::Outbound::default()).unwrap();
        let s = CkanSource::new(
            http.clone(),
            "http://x",
            &serde_json::json!({"fq": "tags:бюджет"}),
        );
        assert_eq!(
            s.filter(Some("2024-01-01T00:00:00")).as_deref(),
            Some("metadata_modified:[2024-01-01T00:00:00Z TO *] AND (tags:бюджет)")
        );
        assert_eq!(s.filter(None).as_deref(), Some("tags:бюджет"));
        let plain = CkanSource::new(http, "http://x", &serde_json::json!({"rows": 5000}));
        assert_eq!(plain.rows(), MAX_ROWS);
        assert_eq!(plain.filter(None), None);
    }
}
