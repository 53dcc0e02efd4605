//! `/feeds/news.atom`: the portal's public news posts as an Atom 1.0 feed,
//! in the style of the dataset feeds of [`crate::feeds`].

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use misto_actions::{Portal, Viewer};
use misto_core::Timestamp;
use misto_core::content::NewsPost;

use crate::rdf::xml_escape;
use crate::site;

/// Posts per feed.
pub const NEWS_FEED_ENTRIES: i64 = 50;

fn w3c(ts: &Timestamp) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn summary(body: &str) -> String {
    const MAX: usize = 500;
    let text = body.trim();
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// The Atom document of `posts` (newest first).
pub fn news_atom(site: &str, site_title: &str, posts: &[NewsPost]) -> String {
    let self_url = format!("{site}/feeds/news.atom");
    let updated = posts
        .iter()
        .map(|p| p.modified.max(p.publish_date))
        .max()
        .unwrap_or_default();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"uk\">\n",
    );
    let _ = writeln!(out, "  <id>{}</id>", xml_escape(&self_url));
    let _ = writeln!(
        out,
        "  <title>{}</title>",
        xml_escape(&format!("{site_title}: новини"))
    );
    let _ = writeln!(out, "  <updated>{}</updated>", w3c(&updated));
    let _ = writeln!(
        out,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml_escape(&self_url)
    );
    let _ = writeln!(
        out,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(&format!("{site}/news"))
    );
    let _ = writeln!(
        out,
        "  <author><name>{}</name><uri>{}</uri></author>",
        xml_escape(site_title),
        xml_escape(&format!("{site}/"))
    );
    out.push_str("  <generator>misto</generator>\n");
    for p in posts {
        let page = format!("{site}/news/{}", crate::feeds_encode(&p.name));
        out.push_str("  <entry>\n");
        let _ = writeln!(
            out,
            "    <id>{}</id>",
            xml_escape(&format!("urn:uuid:{}", p.id))
        );
        let _ = writeln!(out, "    <title>{}</title>", xml_escape(&p.title));
        let _ = writeln!(
            out,
            "    <updated>{}</updated>",
            w3c(&p.modified.max(p.publish_date))
        );
        let _ = writeln!(out, "    <published>{}</published>", w3c(&p.publish_date));
        let _ = writeln!(
            out,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml_escape(&page)
        );
        let _ = writeln!(
            out,
            "    <summary type=\"text\">{}</summary>",
            xml_escape(&summary(&p.body))
        );
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

pub(crate) async fn news(State(portal): State<Portal>) -> Response {
    match portal
        .list_news(&Viewer::anonymous(), false, NEWS_FEED_ENTRIES, 0)
        .await
    {
        Ok((_, posts)) => (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            news_atom(&site(&portal), &portal.config().site_title, &posts),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "news feed failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_links_entries() {
        let t = misto_core::time::now();
        let p = NewsPost {
            id: "5d3c".into(),
            name: "novyi-nabir".into(),
            title: "Бюджет <2026> & ми".into(),
            title_en: None,
            body: "Текст".into(),
            body_en: None,
            image: None,
            datasets: vec![],
            published: true,
            publish_date: t,
            author: None,
            created: t,
            modified: t,
        };
        let xml = news_atom("http://x", "Місто", &[p]);
        assert!(
            xml.contains("<title>Бюджет &lt;2026&gt; &amp; ми</title>"),
            "{xml}"
        );
        assert!(xml.contains("href=\"http://x/news/novyi-nabir\""));
        assert!(xml.contains("<id>urn:uuid:5d3c</id>"));
        assert!(xml.contains("<title>Місто: новини</title>"));
    }
}
