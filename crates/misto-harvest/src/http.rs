//! The HTTP client of the harvester: timeouts, a user agent, size limits,
//! CKAN's envelope.

use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use serde_json::Value;

use crate::HarvestError;
use crate::outbound::Outbound;

/// Redirects an ordinary request follows at most.
const MAX_REDIRECTS: usize = 10;

/// A redirect policy that follows at most `max` redirects, each to a URL the
/// outbound guard accepts and that `allowed` accepts.
fn guarded_redirects(
    outbound: &Outbound,
    max: usize,
    allowed: impl Fn(&str) -> bool + Send + Sync + 'static,
) -> reqwest::redirect::Policy {
    let outbound = outbound.clone();
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max {
            return attempt.error(RedirectRefused(format!("more than {max} redirects")));
        }
        if let Err(e) = outbound.check_url(attempt.url()) {
            return attempt.error(RedirectRefused(format!("redirected to {e}")));
        }
        if !allowed(attempt.url().as_str()) {
            let to = attempt.url().host_str().unwrap_or("").to_string();
            return attempt.error(RedirectRefused(format!(
                "redirected to {to}, a host linked files are not loaded from (datastore_fetch_links)"
            )));
        }
        attempt.follow()
    })
}

/// Largest metadata document read (a CKAN page, a DCAT page).
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024 * 1024;

#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    outbound: Outbound,
}

fn http_err(url: &str, e: reqwest::Error) -> HarvestError {
    let mut msg = format!("{url}: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    HarvestError::Http(msg)
}

/// Redirects a datastore download follows at most.
pub const MAX_FETCH_REDIRECTS: usize = 5;

/// Why a download's redirect was not followed.
#[derive(Debug)]
struct RedirectRefused(String);

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedirectRefused {}

impl Http {
    /// The harvester's client; `outbound` says which internal hosts it may
    /// reach (none by default).
    pub fn new(outbound: &Outbound) -> Result<Self, HarvestError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("misto-harvester/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(20))
            .timeout(Duration::from_secs(300))
            .redirect(guarded_redirects(outbound, MAX_REDIRECTS, |_| true))
            .dns_resolver(outbound.resolver())
            .pool_max_idle_per_host(4)
            .build()
            .map_err(|e| HarvestError::Http(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            outbound: outbound.clone(),
        })
    }

    /// The URL parsed and checked by the outbound guard (literal internal
    /// addresses are refused here; names when they are resolved).
    pub fn checked_url(&self, url: &str) -> Result<reqwest::Url, HarvestError> {
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| HarvestError::Http(format!("{url}: not a valid web address: {e}")))?;
        self.outbound
            .check_url(&parsed)
            .map_err(|e| HarvestError::Http(format!("{url}: {e}")))?;
        Ok(parsed)
    }

    /// A client for downloading linked files into the datastore: like
    /// [`Http::new`], but a redirect is followed only to a URL that
    /// `allowed` accepts (the host list of `datastore_fetch_links`), and at
    /// most [`MAX_FETCH_REDIRECTS`] of them.
    pub fn for_fetch(
        outbound: &Outbound,
        allowed: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) -> Result<Self, HarvestError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("misto-harvester/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(20))
            .timeout(Duration::from_secs(300))
            .redirect(guarded_redirects(outbound, MAX_FETCH_REDIRECTS, allowed))
            .dns_resolver(outbound.resolver())
            .pool_max_idle_per_host(4)
            .build()
            .map_err(|e| HarvestError::Http(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            outbound: outbound.clone(),
        })
    }

    /// A client for the link check: a short time limit per request and at
    /// most `max_redirects` redirects followed.
    pub fn for_link_check(
        outbound: &Outbound,
        timeout: Duration,
        max_redirects: usize,
    ) -> Result<Self, HarvestError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("misto-linkcheck/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(timeout)
            .timeout(timeout)
            .redirect(guarded_redirects(outbound, max_redirects, |_| true))
            .dns_resolver(outbound.resolver())
            .pool_max_idle_per_host(2)
            .build()
            .map_err(|e| HarvestError::Http(format!("HTTP client: {e}")))?;
        Ok(Self {
            client,
            outbound: outbound.clone(),
        })
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// GETs a document: its bytes and its media type (without parameters).
    pub async fn get(
        &self,
        url: &str,
        query: &[(&str, String)],
        accept: &str,
    ) -> Result<(Bytes, Option<String>), HarvestError> {
        let checked = self.checked_url(url)?;
        let resp = self
            .client
            .get(checked)
            .query(query)
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(|e| http_err(url, e))?;
        let status = resp.status();
        let media = media_type(&resp);
        if !status.is_success() {
            let body = resp.text().await.unwrap_or_default();
            return Err(HarvestError::Http(format!(
                "{url}: HTTP {status}: {}",
                body.chars().take(300).collect::<String>()
            )));
        }
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
        {
            return Err(HarvestError::Remote(format!(
                "{url}: the document is too large"
            )));
        }
        let body = resp.bytes().await.map_err(|e| http_err(url, e))?;
        if body.len() > MAX_DOCUMENT_BYTES {
            return Err(HarvestError::Remote(format!(
                "{url}: the document is too large"
            )));
        }
        Ok((body, media))
    }

    /// Calls a CKAN action with GET and returns its `result`.
    pub async fn ckan_get(
        &self,
        site: &str,
        action: &str,
        query: &[(&str, String)],
    ) -> Result<Value, HarvestError> {
        let url = format!("{site}/api/3/action/{action}");
        let (body, _) = self.get(&url, query, "application/json").await?;
        envelope(&url, &body)
    }

    /// Calls a CKAN action with a JSON body and an API key.
    pub async fn ckan_post(
        &self,
        site: &str,
        action: &str,
        body: &Value,
        api_key: &str,
    ) -> Result<Value, HarvestError> {
        let url = format!("{site}/api/3/action/{action}");
        let checked = self.checked_url(&url)?;
        let resp = self
            .client
            .post(checked)
            .header(reqwest::header::AUTHORIZATION, api_key)
            .json(body)
            .send()
            .await
            .map_err(|e| http_err(&url, e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| http_err(&url, e))?;
        match envelope(&url, &bytes) {
            Ok(v) => Ok(v),
            Err(e) if status.is_success() => Err(e),
            Err(HarvestError::Remote(m)) => {
                Err(HarvestError::Remote(format!("HTTP {status}: {m}")))
            }
            Err(e) => Err(e),
        }
    }

    /// Starts a download: the body as a stream, the media type, and the
    /// file name the server suggests (or the last URL segment).
    pub async fn download(
        &self,
        url: &str,
    ) -> Result<
        (
            impl Stream<Item = Result<Bytes, reqwest::Error>> + use<>,
            Option<String>,
        ),
        HarvestError,
    > {
        let (stream, media, _) = self.download_sized(url).await?;
        Ok((stream, media))
    }

    /// [`Http::download`] plus the length the server announced, so that a
    /// caller with a size limit can refuse before reading.
    pub async fn download_sized(
        &self,
        url: &str,
    ) -> Result<
        (
            impl Stream<Item = Result<Bytes, reqwest::Error>> + use<>,
            Option<String>,
            Option<u64>,
        ),
        HarvestError,
    > {
        let checked = self.checked_url(url)?;
        let resp = self
            .client
            .get(checked)
            .send()
            .await
            .map_err(|e| http_err(url, e))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(HarvestError::Http(format!("{url}: HTTP {status}")));
        }
        let media = media_type(&resp);
        let length = resp.content_length();
        Ok((resp.bytes_stream(), media, length))
    }
}

fn media_type(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|v| !v.is_empty())
}

/// CKAN's `{"success": true, "result": …}` envelope → the result.
fn envelope(url: &str, body: &[u8]) -> Result<Value, HarvestError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        HarvestError::Remote(format!("{url}: not a CKAN API answer (not JSON: {e})"))
    })?;
    if v.get("success") == Some(&Value::Bool(true)) {
        return Ok(v.get("result").cloned().unwrap_or(Value::Null));
    }
    let err = v.get("error").cloned().unwrap_or(Value::Null);
    let msg = err
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| err.to_string());
    Err(HarvestError::Remote(format!("{url}: {msg}")))
}

/// The last path segment of a URL, for file names.
pub fn file_name_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    let decoded = percent_decode(last);
    if decoded.trim().is_empty() {
        "file".to_string()
    } else {
        decoded
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        if b[i] == b'%'
            && let Some(v) = hex
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_urls() {
        assert_eq!(
            file_name_of(
                "http://x/dataset/1/resource/2/download/%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82.csv?x=1"
            ),
            "бюджет.csv"
        );
        assert_eq!(file_name_of("http://x/"), "file");
        assert_eq!(file_name_of("http://x/a%2"), "a%2");
    }

    #[test]
    fn ckan_envelopes() {
        assert_eq!(
            envelope("u", br#"{"success": true, "result": [1]}"#).unwrap(),
            serde_json::json!([1])
        );
        let e = envelope("u", br#"{"success": false, "error": {"message": "Not found", "__type": "Not Found Error"}}"#)
            .unwrap_err();
        assert_eq!(e.to_string(), "u: Not found");
        assert!(envelope("u", b"<html>").is_err());
    }
}
