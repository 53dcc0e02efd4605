//! `/robots.txt`: crawlers may read every public page, are kept out of the
//! workspace, administration and sign-in pages, and are pointed at the
//! sitemap (`/sitemap.xml`, misto-interop).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Paths only signed-in people use: nothing a search engine should list.
const PRIVATE: &[&str] = &[
    "/admin",
    "/dashboard",
    "/user/",
    "/login",
    "/subscriptions/",
];

/// The text of robots.txt for a site URL (without a trailing slash).
pub fn robots_txt(site: &str) -> String {
    let mut out = String::from("User-agent: *\n");
    for p in PRIVATE {
        out.push_str("Disallow: ");
        out.push_str(p);
        out.push('\n');
    }
    out.push_str(&format!("\nSitemap: {site}/sitemap.xml\n"));
    out
}

pub async fn robots(State(st): State<AppState>) -> Response {
    let site = st
        .portal
        .config()
        .site_url
        .trim_end_matches('/')
        .to_string();
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        robots_txt(&site),
    )
        .into_response()
}
