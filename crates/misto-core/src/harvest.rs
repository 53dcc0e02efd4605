//! Harvesting: the sources other catalogues are read from, the link between
//! a remote dataset and its local copy, and the log of each run. Types and
//! rules only; the fetching lives in `misto-harvest`, the storing in
//! `misto-store`, the use cases in `misto-actions`.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// What protocol a source speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A CKAN portal's Action API (`package_search` paged, incremental by
    /// `metadata_modified`).
    Ckan,
    /// A DCAT catalogue in Turtle, RDF/XML or JSON-LD, paged by `hydra:next`.
    Dcat,
}

impl SourceKind {
    pub const ALL: [SourceKind; 2] = [SourceKind::Ckan, SourceKind::Dcat];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ckan => "ckan",
            Self::Dcat => "dcat",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ckan" => Some(Self::Ckan),
            "dcat" | "dcat_rdf" | "dcat-ap" => Some(Self::Dcat),
            _ => None,
        }
    }
}

/// How often a source runs by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// Only when someone asks.
    Manual,
    Hourly,
    Daily,
    Weekly,
}

impl Schedule {
    pub const ALL: [Schedule; 4] = [
        Schedule::Manual,
        Schedule::Hourly,
        Schedule::Daily,
        Schedule::Weekly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Hourly => "hourly",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "manual" | "" => Some(Self::Manual),
            "hourly" => Some(Self::Hourly),
            "daily" => Some(Self::Daily),
            "weekly" => Some(Self::Weekly),
            _ => None,
        }
    }

    /// The time between two scheduled runs; `None` for manual sources.
    pub fn period(self) -> Option<chrono::Duration> {
        match self {
            Self::Manual => None,
            Self::Hourly => Some(chrono::Duration::hours(1)),
            Self::Daily => Some(chrono::Duration::days(1)),
            Self::Weekly => Some(chrono::Duration::weeks(1)),
        }
    }
}

/// A catalogue this portal harvests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestSource {
    pub id: String,
    /// URL name, unique among sources.
    pub name: String,
    pub title: String,
    pub kind: SourceKind,
    /// The CKAN site root (`https://data.gov.ua`) or the DCAT catalogue URL.
    pub url: String,
    /// Put every dataset under this publisher (id); `None` maps each remote
    /// organization to a local publisher (by EDRPOU, then name) or creates one.
    pub publisher_id: Option<String>,
    /// Download resource files and store them here instead of keeping links.
    pub download_files: bool,
    pub schedule: Schedule,
    /// Extra settings: `fq` (a CKAN filter query), `rows` (page size).
    pub config: serde_json::Value,
    /// The newest remote `metadata_modified` seen by the last complete run
    /// (CKAN sources): the next run asks only for what changed since.
    pub last_modified_seen: Option<String>,
    pub active: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// The local copy of one remote dataset: `(source_id, guid)` is the stable
/// key that makes a remote dataset one local dataset, run after run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestObject {
    pub source_id: String,
    /// The remote id (CKAN package id, DCAT dataset IRI or dct:identifier).
    pub guid: String,
    pub dataset_id: String,
    /// The remote `metadata_modified` / `dct:modified` last imported.
    pub remote_modified: Option<String>,
    /// Hash of the remote record last imported; equal means unchanged.
    pub content_hash: String,
    /// The dataset was withdrawn because it disappeared at the source.
    pub withdrawn: bool,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    Running,
    Done,
    /// The run stopped on an error that concerns the whole source.
    Error,
    /// Its worker died; a later run took over.
    Interrupted,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Done => "done",
            Self::Error => "error",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(Self::Running),
            "done" => Some(Self::Done),
            "error" => Some(Self::Error),
            "interrupted" => Some(Self::Interrupted),
            _ => None,
        }
    }
}

/// What happened to one remote dataset in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryAction {
    Created,
    Updated,
    Unchanged,
    Withdrawn,
    Failed,
}

impl EntryAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
            Self::Withdrawn => "withdrawn",
            Self::Failed => "failed",
        }
    }
}

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEntry {
    pub action: EntryAction,
    /// The remote id.
    pub guid: String,
    /// The local dataset name (or the remote name when it failed).
    pub name: String,
    /// Why it failed; empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// Counts of a run, by what happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub withdrawn: i64,
    pub failed: i64,
}

impl RunCounts {
    pub fn add(&mut self, action: EntryAction) {
        match action {
            EntryAction::Created => self.created += 1,
            EntryAction::Updated => self.updated += 1,
            EntryAction::Unchanged => self.unchanged += 1,
            EntryAction::Withdrawn => self.withdrawn += 1,
            EntryAction::Failed => self.failed += 1,
        }
    }

    pub fn total(&self) -> i64 {
        self.created + self.updated + self.unchanged + self.withdrawn + self.failed
    }
}

impl std::fmt::Display for RunCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged, {} withdrawn, {} failed",
            self.created, self.updated, self.unchanged, self.withdrawn, self.failed
        )
    }
}

/// One run of a source, with its log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HarvestRun {
    pub id: String,
    pub source_id: String,
    pub state: RunState,
    pub counts: RunCounts,
    /// What stopped the run (state `error`), or a summary.
    pub message: String,
    /// Created, updated, withdrawn and failed datasets (unchanged ones are
    /// only counted), at most [`MAX_LOG_ENTRIES`].
    pub entries: Vec<RunEntry>,
    pub started: Timestamp,
    pub finished: Option<Timestamp>,
}

/// A run keeps at most this many log lines (the counts stay exact).
pub const MAX_LOG_ENTRIES: usize = 5000;

impl HarvestRun {
    /// Records what happened to one dataset.
    pub fn record(&mut self, entry: RunEntry) {
        self.counts.add(entry.action);
        if entry.action != EntryAction::Unchanged && self.entries.len() < MAX_LOG_ENTRIES {
            self.entries.push(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_schedules_round_trip() {
        for k in SourceKind::ALL {
            assert_eq!(SourceKind::parse(k.as_str()), Some(k));
        }
        for s in Schedule::ALL {
            assert_eq!(Schedule::parse(s.as_str()), Some(s));
        }
        assert_eq!(SourceKind::parse("DCAT"), Some(SourceKind::Dcat));
        assert_eq!(SourceKind::parse("oai"), None);
        assert_eq!(Schedule::Manual.period(), None);
        assert_eq!(Schedule::Daily.period(), Some(chrono::Duration::days(1)));
    }

    #[test]
    fn a_run_counts_everything_and_logs_all_but_unchanged() {
        let t = crate::time::now();
        let mut run = HarvestRun {
            id: "r".into(),
            source_id: "s".into(),
            state: RunState::Running,
            counts: RunCounts::default(),
            message: String::new(),
            entries: vec![],
            started: t,
            finished: None,
        };
        for a in [
            EntryAction::Created,
            EntryAction::Unchanged,
            EntryAction::Failed,
        ] {
            run.record(RunEntry {
                action: a,
                guid: "g".into(),
                name: "n".into(),
                reason: String::new(),
            });
        }
        assert_eq!(run.counts.total(), 3);
        assert_eq!(run.entries.len(), 2);
        assert_eq!(
            run.counts.to_string(),
            "1 created, 0 updated, 1 unchanged, 0 withdrawn, 1 failed"
        );
    }
}
