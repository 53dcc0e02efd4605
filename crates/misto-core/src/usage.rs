//! Usage analytics without personal data, and subscriptions to changes.
//!
//! What is counted: views of dataset and resource pages, downloads, API
//! calls per action, and the terms typed into the search page (normalised,
//! with the searches that found nothing counted apart). Counts are kept per
//! UTC day, kind and item; addresses and user agents are never stored —
//! the user agent only decides whether a hit is a bot's, and bots are
//! counted in their own rows.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// What a count is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsageKind {
    /// A dataset page was shown; item = dataset id.
    DatasetView,
    /// A resource page was shown; item = resource id.
    ResourceView,
    /// A file was downloaded (upload or datastore dump); item = resource id.
    Download,
    /// An API action was called; item = the action's name.
    Api,
    /// A search on the search page; item = the normalised term.
    Search,
    /// A search that found nothing; item = the normalised term.
    SearchZero,
}

impl UsageKind {
    pub const ALL: [UsageKind; 6] = [
        UsageKind::DatasetView,
        UsageKind::ResourceView,
        UsageKind::Download,
        UsageKind::Api,
        UsageKind::Search,
        UsageKind::SearchZero,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UsageKind::DatasetView => "dataset_view",
            UsageKind::ResourceView => "resource_view",
            UsageKind::Download => "download",
            UsageKind::Api => "api",
            UsageKind::Search => "search",
            UsageKind::SearchZero => "search_zero",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Counts about one dataset (publishers see these for their own).
    pub fn is_about_datasets(self) -> bool {
        matches!(
            self,
            UsageKind::DatasetView | UsageKind::ResourceView | UsageKind::Download
        )
    }
}

/// One stored count: `hits` of `kind` on `item` during `day`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageCount {
    pub day: NaiveDate,
    pub kind: UsageKind,
    pub item: String,
    /// The dataset a dataset/resource/download count belongs to; empty for
    /// API calls and searches.
    pub dataset_id: String,
    pub bot: bool,
    pub hits: i64,
}

/// Substrings of a lower-cased user agent that mark a bot. A request without
/// a user agent is a bot's too (browsers always send one).
pub const BOT_PATTERNS: &[&str] = &[
    "bot",
    "crawler",
    "spider",
    "slurp",
    "curl/",
    "wget/",
    "python-requests",
    "python-urllib",
    "httpx",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "libwww-perl",
    "scrapy",
    "headlesschrome",
    "facebookexternalhit",
    "monitoring",
    "uptime",
    "check_http",
    "feedfetcher",
    "archiver",
];

/// Whether a user agent is a bot's (see [`BOT_PATTERNS`]).
pub fn is_bot(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent.map(str::trim).filter(|u| !u.is_empty()) else {
        return true;
    };
    let ua = ua.to_lowercase();
    BOT_PATTERNS.iter().any(|p| ua.contains(p))
}

/// The longest search term kept, in characters.
pub const TERM_MAX_CHARS: usize = 80;

/// A search term as it is counted: lower case, inner spaces collapsed,
/// quotes and punctuation at the ends dropped, at most [`TERM_MAX_CHARS`].
/// Terms that may identify a person — an e-mail address or a run of seven
/// or more digits (a phone, a tax number) — are not counted at all.
pub fn normalise_search_term(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let term = words.join(" ");
    if term.is_empty() || q.contains('@') {
        return None;
    }
    let mut run = 0;
    for c in q.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run >= 7 {
                return None;
            }
        } else if !matches!(c, ' ' | '-' | '(' | ')' | '+') {
            run = 0;
        }
    }
    Some(
        term.chars()
            .take(TERM_MAX_CHARS)
            .collect::<String>()
            .trim()
            .to_string(),
    )
}

/// What a subscription follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionKind {
    /// One dataset (target = dataset id).
    Dataset,
    /// Every public dataset of a publisher (target = publisher id).
    Publisher,
    /// Every public dataset with a keyword (target = the keyword, lower case).
    Keyword,
}

impl SubscriptionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionKind::Dataset => "dataset",
            SubscriptionKind::Publisher => "publisher",
            SubscriptionKind::Keyword => "keyword",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "dataset" => Some(SubscriptionKind::Dataset),
            "publisher" | "organization" => Some(SubscriptionKind::Publisher),
            "keyword" | "tag" => Some(SubscriptionKind::Keyword),
            _ => None,
        }
    }
}

/// An e-mail subscription. It receives digests once confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub email: String,
    pub kind: SubscriptionKind,
    pub target: String,
    /// `uk` or `en`: the language of its e-mails.
    pub lang: String,
    pub confirmed: bool,
    pub created: Timestamp,
    pub confirmed_at: Option<Timestamp>,
    /// Changes after this moment go into the next digest.
    pub last_digest: Timestamp,
}

/// Whether a dataset with these facts is followed by a subscription.
pub fn subscription_matches(
    s: &Subscription,
    dataset_id: &str,
    owner_org: &str,
    tags: &[String],
) -> bool {
    match s.kind {
        SubscriptionKind::Dataset => s.target == dataset_id,
        SubscriptionKind::Publisher => s.target == owner_org,
        SubscriptionKind::Keyword => tags.iter().any(|t| t.to_lowercase() == s.target),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_by_user_agent() {
        for ua in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "curl/8.5.0",
            "python-requests/2.31",
            "Mozilla/5.0 (compatible; YandexSpider)",
            "Wget/1.21",
            "",
        ] {
            assert!(is_bot(Some(ua)), "{ua}");
        }
        assert!(is_bot(None));
        for ua in [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
            "ckanapi/4.7 (+https://github.com/ckan/ckanapi)",
        ] {
            assert!(!is_bot(Some(ua)), "{ua}");
        }
    }

    #[test]
    fn search_terms_are_normalised_and_personal_ones_dropped() {
        assert_eq!(
            normalise_search_term("  Бюджет   МІСТА!! ").as_deref(),
            Some("бюджет міста")
        );
        assert_eq!(
            normalise_search_term("\"air quality\"").as_deref(),
            Some("air quality")
        );
        assert_eq!(normalise_search_term("   ?! "), None);
        assert_eq!(normalise_search_term("ivan@example.org"), None);
        assert_eq!(normalise_search_term("+380 67 123 45 67"), None);
        assert_eq!(normalise_search_term("3456789012"), None);
        assert_eq!(
            normalise_search_term("бюджет 2024").as_deref(),
            Some("бюджет 2024")
        );
        let long = "а".repeat(200);
        assert_eq!(
            normalise_search_term(&long).map(|t| t.chars().count()),
            Some(TERM_MAX_CHARS)
        );
    }

    #[test]
    fn kinds_round_trip() {
        for k in UsageKind::ALL {
            assert_eq!(UsageKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(
            SubscriptionKind::parse("organization"),
            Some(SubscriptionKind::Publisher)
        );
    }
}
