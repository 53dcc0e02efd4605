//! The demo city «Демо-місто»: its publishers (departments, communal
//! enterprises, institutions), users, the 12 data.gov.ua themes and datasets
//! that fulfil the items of the Resolution 835 list, each with a full
//! passport and realistic generated files (CSV, XLSX, JSON).
//!
//! Everything is plain data made in memory. This crate must not do IO: no
//! files, no database, no network and no clock — the caller passes `now`,
//! and [`city`] returns the same city for the same `now` (randomness comes
//! from a fixed-seed generator of its own). The binary loads the city
//! through the portal's actions.
//!
//! The city, its streets, people, firms and codes are fictional: points lie
//! at 49.0–49.1° N, 31.0–31.1° E, e-mails use the `demo-misto.gov.ua` domain,
//! phones the unused `+380 47 000` exchange, EDRPOU codes the unassigned
//! 499xxxxx range (with valid check digits).

use chrono::{DateTime, NaiveDate, Utc};
use misto_core::{PublisherKind, Role, UpdateFrequency};

mod catalog;
pub mod dashboards;
mod datasets;
mod gazetteer;
mod generate;
mod publishers;
mod rng;
mod table;
mod themes;
mod users;
mod world;

#[cfg(test)]
mod tests;

/// The mail and web domain of the demo city.
pub const DOMAIN: &str = "demo-misto.gov.ua";
/// Where the demo portal's dataset pages are (used in the register of datasets).
pub const PORTAL: &str = "https://data.demo-misto.gov.ua";
/// The demo city's KATOTTG code (well-formed, not a real unit).
pub const KATOTTG: &str = "UA99010010010000019";
/// The demo city's centre as (latitude, longitude), in the middle of its
/// streets (see `gazetteer`).
pub const CENTRE: (f64, f64) = (49.05, 31.05);

#[derive(Debug, Clone, PartialEq)]
pub struct DemoCity {
    pub name_uk: String,
    pub name_en: String,
    pub katottg: String,
    pub themes: Vec<DemoTheme>,
    pub publishers: Vec<DemoPublisher>,
    pub users: Vec<DemoUser>,
    pub datasets: Vec<DemoDataset>,
    /// Public dashboards over the datasets' tables.
    pub dashboards: Vec<dashboards::DemoDashboard>,
    /// Publishers that review their editors' changes (moderation on; set
    /// after the datasets are loaded).
    pub moderated_publishers: Vec<String>,
}

/// One of the 12 data.gov.ua categories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoTheme {
    pub name: String,
    pub title: String,
    pub title_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPublisher {
    /// URL name (slug).
    pub name: String,
    pub title: String,
    pub title_en: String,
    pub description: String,
    /// ЄДРПОУ with a valid check digit.
    pub edrpou: String,
    pub kind: PublisherKind,
    pub email: String,
    pub phone: String,
    pub website: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUser {
    pub name: String,
    pub fullname: String,
    pub email: String,
    /// The demo password, in the clear (the loader hashes it).
    pub password: String,
    pub sysadmin: bool,
    /// (publisher name, role).
    pub memberships: Vec<(String, Role)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DemoDataset {
    pub name: String,
    pub title: String,
    pub title_en: String,
    /// Markdown, in Ukrainian: a paragraph and the meaning of each column.
    pub notes: String,
    /// Publisher name.
    pub publisher: String,
    /// Theme names.
    pub themes: Vec<String>,
    pub tags: Vec<String>,
    pub update_frequency: UpdateFrequency,
    /// Basis and purpose of collection, at most 512 characters.
    pub purpose: String,
    /// The Resolution 835 item fulfilled, e.g. `OMS-12`.
    pub resolution_835_item: String,
    pub maintainer: String,
    pub maintainer_email: String,
    /// `ua`.
    pub language: String,
    pub license_id: String,
    pub spatial_katottg: Option<String>,
    pub temporal_start: Option<NaiveDate>,
    pub temporal_end: Option<NaiveDate>,
    /// When the data were last updated.
    pub data_updated: DateTime<Utc>,
    /// When the record was first published.
    pub created: DateTime<Utc>,
    pub private: bool,
    pub draft: bool,
    pub files: Vec<DemoFile>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// File name with extension.
    pub name: String,
    pub title: String,
    pub description: String,
    /// `CSV`, `XLSX` or `JSON`.
    pub format: String,
    pub mimetype: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for DemoFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoFile")
            .field("name", &self.name)
            .field("format", &self.format)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The demo city as of `now`: dates of datasets and their data are set
/// relative to it. The same `now` always gives the same city.
pub fn city(now: DateTime<Utc>) -> DemoCity {
    let world = world::World::build();
    DemoCity {
        name_uk: "Демо-місто".to_string(),
        name_en: "Demo City".to_string(),
        katottg: KATOTTG.to_string(),
        themes: themes::themes(),
        publishers: publishers::publishers(),
        users: users::users(),
        datasets: datasets::datasets(now, &world),
        dashboards: dashboards::dashboards(),
        moderated_publishers: vec![users::MODERATED_PUBLISHER.to_string()],
    }
}
