//! Dashboards composed by coordinators: a titled, ordered list of tiles,
//! each a chart over a datastore table or a key figure of the catalog.
//! A dashboard belongs to the whole portal (sysadmins) or to one publisher
//! (its admins); it is public or seen only by those who may change it.
//!
//! Only the definition lives here; what a tile shows is computed when it is
//! shown, with the viewer's rights, so a chart over a resource that became
//! private or was deleted shows nothing of its data.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Chart kinds a tile may draw.
pub const CHART_KINDS: &[&str] = &["bar", "line", "pie"];
/// Aggregates of a chart's y column (`count` needs none).
pub const AGGREGATES: &[&str] = &["count", "sum", "avg"];
/// Tiles of one dashboard at most.
pub const MAX_TILES: usize = 24;
/// Filters of one chart tile at most.
pub const MAX_FILTERS: usize = 5;

/// The key figures a tile can show, computed over the public catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFigure {
    /// Public datasets.
    Datasets,
    /// Public datasets first published this quarter.
    DatasetsQuarter,
    /// The share of public datasets overdue for an update, in percent.
    OverdueShare,
    /// Files and links of public datasets.
    Resources,
    /// Publishers with at least one public dataset.
    Publishers,
    /// Downloads of public files this calendar month (people, not bots).
    DownloadsMonth,
    /// Views of public dataset pages this calendar month (people).
    ViewsMonth,
    /// Public resources with a datastore table.
    DatastoreTables,
}

impl KeyFigure {
    pub const ALL: [KeyFigure; 8] = [
        KeyFigure::Datasets,
        KeyFigure::DatasetsQuarter,
        KeyFigure::OverdueShare,
        KeyFigure::Resources,
        KeyFigure::Publishers,
        KeyFigure::DownloadsMonth,
        KeyFigure::ViewsMonth,
        KeyFigure::DatastoreTables,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyFigure::Datasets => "datasets",
            KeyFigure::DatasetsQuarter => "datasets_quarter",
            KeyFigure::OverdueShare => "overdue_share",
            KeyFigure::Resources => "resources",
            KeyFigure::Publishers => "publishers",
            KeyFigure::DownloadsMonth => "downloads_month",
            KeyFigure::ViewsMonth => "views_month",
            KeyFigure::DatastoreTables => "datastore_tables",
        }
    }

    pub fn parse(s: &str) -> Option<KeyFigure> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

/// What a tile shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TileKind {
    /// A chart over the datastore table of a resource: rows grouped by `x`,
    /// counted, or `y` summed or averaged, after the filters.
    Chart {
        resource_id: String,
        /// `bar`, `line` or `pie`.
        chart: String,
        x: String,
        /// `count`, `sum` or `avg`.
        agg: String,
        /// The number column of `sum` and `avg`; empty for `count`.
        #[serde(default)]
        y: String,
        /// `(column, value)`: only rows whose column equals the value.
        #[serde(default)]
        filters: Vec<(String, String)>,
    },
    /// A key figure of the catalog.
    Figure { figure: KeyFigure },
}

/// One tile of a dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tile {
    /// Stable within its dashboard (the editor moves and removes by it);
    /// given on save when missing.
    #[serde(default)]
    pub id: String,
    /// Shown above the tile; empty means a title made from what it shows.
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(flatten)]
    pub kind: TileKind,
}

impl Tile {
    /// The resource a chart tile draws from.
    pub fn resource_id(&self) -> Option<&str> {
        match &self.kind {
            TileKind::Chart { resource_id, .. } => Some(resource_id),
            TileKind::Figure { .. } => None,
        }
    }
}

/// A dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub id: String,
    /// URL name, unique.
    pub name: String,
    pub title: String,
    pub title_en: String,
    pub description: String,
    pub description_en: String,
    /// The publisher it belongs to; `None` for the whole portal.
    pub owner_org: Option<String>,
    /// Everyone may see it (and the kiosk shows it).
    pub public: bool,
    pub tiles: Vec<Tile>,
    /// The user who created it.
    pub creator: Option<String>,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// URL names that `/dashboard/{name}` shares with the publisher workspace
/// (`/dashboard/news`, ...), so no dashboard may take them.
pub const RESERVED_NAMES: &[&str] = &[
    "analytics",
    "feedback",
    "moderation",
    "news",
    "pages",
    "review",
    "requests",
    "subscriptions",
    "surveys",
    "showcase",
    "settings",
    "new",
    "edit",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_serialize_flat_with_a_type() {
        let t = Tile {
            id: "a1".into(),
            title: "Учні".into(),
            title_en: String::new(),
            kind: TileKind::Chart {
                resource_id: "r".into(),
                chart: "bar".into(),
                x: "район".into(),
                agg: "sum".into(),
                y: "учнів".into(),
                filters: vec![("тип".into(), "школа".into())],
            },
        };
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["type"], "chart");
        assert_eq!(v["x"], "район");
        assert_eq!(serde_json::from_value::<Tile>(v).unwrap(), t);
        let f: Tile =
            serde_json::from_str(r#"{"id":"b","type":"figure","figure":"downloads_month"}"#)
                .unwrap();
        assert_eq!(
            f.kind,
            TileKind::Figure {
                figure: KeyFigure::DownloadsMonth
            }
        );
        for k in KeyFigure::ALL {
            assert_eq!(KeyFigure::parse(k.as_str()), Some(k));
        }
    }
}
