//! The portal's own content besides the catalog: news posts (and, built on
//! the same pattern, static pages and the showcase of reuse).

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// An uploaded picture kept in the blob store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredImage {
    pub key: String,
    pub media_type: String,
}

/// The picture types a post or showcase item may carry: raster images only
/// (SVG can hold scripts).
pub const IMAGE_TYPES: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
];

/// The media type of an image file by its extension, if it is one we take.
pub fn image_type(file_name: &str) -> Option<&'static str> {
    let ext = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    IMAGE_TYPES.iter().find(|(e, _)| *e == ext).map(|(_, t)| *t)
}

/// A news post: Markdown text, an optional picture, links to datasets. It
/// is public once published and its publication date has come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewsPost {
    pub id: String,
    /// URL name, unique.
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    /// Markdown.
    pub body: String,
    pub body_en: Option<String>,
    pub image: Option<StoredImage>,
    /// Ids of the datasets the post is about.
    pub datasets: Vec<String>,
    pub published: bool,
    pub publish_date: Timestamp,
    /// User name of the author.
    pub author: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

impl NewsPost {
    /// Whether everyone may read the post at `now`.
    pub fn is_public(&self, now: Timestamp) -> bool {
        self.published && self.publish_date <= now
    }
}

/// Where a static page is linked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MenuPlace {
    Header,
    Footer,
    None,
}

impl MenuPlace {
    pub fn as_str(self) -> &'static str {
        match self {
            MenuPlace::Header => "header",
            MenuPlace::Footer => "footer",
            MenuPlace::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "header" => Some(MenuPlace::Header),
            "footer" => Some(MenuPlace::Footer),
            "none" => Some(MenuPlace::None),
            _ => None,
        }
    }
}

/// A static page (methodological materials, regulations, "about"), linked
/// from the site's header or footer in the order of `position`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub id: String,
    pub name: String,
    pub title: String,
    pub title_en: Option<String>,
    /// Markdown.
    pub body: String,
    pub body_en: Option<String>,
    pub menu: MenuPlace,
    pub position: i64,
    pub published: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// A file attached to a static page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    pub page_id: String,
    pub file_name: String,
    pub blob_key: String,
    pub size: i64,
    pub media_type: Option<String>,
    pub created: Timestamp,
}

/// The sorts of reuse the showcase collects.
pub const SHOWCASE_KINDS: &[&str] = &[
    "app",
    "service",
    "chatbot",
    "visualisation",
    "research",
    "article",
];

/// Something built on the portal's data (an app, a visualisation, a piece
/// of research), submitted by anyone and shown after review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShowcaseItem {
    pub id: String,
    pub name: String,
    /// One of [`SHOWCASE_KINDS`].
    pub kind: String,
    pub title: String,
    pub description: String,
    /// Where the work lives (http or https).
    pub url: String,
    pub image: Option<StoredImage>,
    pub author_name: String,
    /// For questions about the submission; never shown publicly.
    pub author_email: String,
    pub moderation: crate::Moderation,
    /// Ids of the datasets it uses.
    pub datasets: Vec<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// The kinds of survey question.
pub const QUESTION_KINDS: &[&str] = &["single", "multiple", "scale", "text"];

/// One question of a survey. `options` are the choices of `single` and
/// `multiple`; a `scale` runs from 1 to `scale_max` (5 unless set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    /// Given by the builder (`q1`, `q2`, … when left empty).
    #[serde(default)]
    pub id: String,
    pub kind: String,
    pub label: String,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub scale_max: Option<u8>,
}

impl Question {
    /// The values an answer may take (`None`: free text).
    pub fn choices(&self) -> Option<Vec<String>> {
        match self.kind.as_str() {
            "single" | "multiple" => Some(self.options.clone()),
            "scale" => Some(
                (1..=self.scale_max.unwrap_or(5))
                    .map(|n| n.to_string())
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// A survey built by coordinators; anyone answers once per browser
/// between `opens` and `closes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub id: String,
    pub name: String,
    pub title: String,
    pub description: String,
    pub questions: Vec<Question>,
    pub opens: Option<Timestamp>,
    pub closes: Option<Timestamp>,
    /// Everyone may see the results (otherwise coordinators only).
    pub public_results: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
}

impl Survey {
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.opens.is_none_or(|o| o <= now) && self.closes.is_none_or(|c| now < c)
    }
}

/// Answers of one respondent: question id → the chosen values or the text.
pub type Answers = std::collections::BTreeMap<String, Vec<String>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_by_extension() {
        assert_eq!(image_type("photo.JPG"), Some("image/jpeg"));
        assert_eq!(image_type("a.b.png"), Some("image/png"));
        assert_eq!(image_type("x.svg"), None);
        assert_eq!(image_type("noext"), None);
    }

    #[test]
    fn public_once_published_and_due() {
        let t = crate::time::now();
        let mut p = NewsPost {
            id: "1".into(),
            name: "n".into(),
            title: "T".into(),
            title_en: None,
            body: String::new(),
            body_en: None,
            image: None,
            datasets: vec![],
            published: false,
            publish_date: t,
            author: None,
            created: t,
            modified: t,
        };
        assert!(!p.is_public(t));
        p.published = true;
        assert!(p.is_public(t));
        p.publish_date = t + chrono::Duration::days(1);
        assert!(!p.is_public(t));
    }
}
