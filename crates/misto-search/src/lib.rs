//! The in-memory catalog index behind `package_search`, `package_list`,
//! `tag_list` and the dataset counts of publishers and themes.
//!
//! It holds every dataset as an `Arc<Dataset>` (shared with the rest of the
//! process, never copied) and answers CKAN-style searches: free text with
//! Ukrainian and English word forms ([`analysis`]), the Lucene subset CKAN
//! clients and harvesters send in `q` and `fq` ([`query`]), facets, sorts with
//! a total order (ties broken by `id asc`) and paging. Terms are interned
//! once; postings map them to dense dataset slots; candidate sets are
//! bitsets; only the requested page is sorted.
//!
//! What this crate must not do:
//! * IO of any kind: no database, files, network or clock. The caller feeds
//!   datasets with [`Index::upsert`] and passes "now" in [`SearchQuery::now`]
//!   (only `SearchQuery::default` reads [`misto_core::time::now`]).
//! * Authorisation decisions of its own. It applies
//!   [`misto_core::auth::can_read_dataset`] plus the caller's explicit
//!   `include_private` / `include_drafts` / `include_deleted` choices, so that
//!   nothing a viewer may not read shows up in results, counts, facets or tag
//!   lists. One shortcut: a dataset the anonymous viewer may read (active and
//!   public) is taken to be readable by every viewer, so searches do not ask
//!   `can_read_dataset` again for each of them; debug builds check it.

pub mod analysis;
mod bitset;
mod index;
mod keymap;
pub mod query;
mod search;

use std::sync::Arc;

use misto_core::{Dataset, Timestamp};

pub use index::Index;
pub use search::{SortKey, SortSpec};

/// A `package_search` request, already decoded from CKAN's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Free text, or a fielded Lucene query when it contains `field:`.
    /// `None`, empty or `*:*` match everything.
    pub q: Option<String>,
    /// Filters; every one must hold.
    pub fq: Vec<String>,
    /// `field dir` pairs separated by commas; `None` means
    /// `score desc, metadata_modified desc`.
    pub sort: Option<String>,
    pub rows: usize,
    pub start: usize,
    pub facet_fields: Vec<String>,
    /// Values per facet; negative means unlimited.
    pub facet_limit: i64,
    pub facet_mincount: usize,
    pub include_private: bool,
    pub include_drafts: bool,
    /// Honoured for sysadmins only.
    pub include_deleted: bool,
    /// What `NOW` means in date ranges.
    pub now: Timestamp,
}

impl SearchQuery {
    /// CKAN's defaults (10 rows, 50 facet values, mincount 1) at `now`.
    pub fn at(now: Timestamp) -> Self {
        Self {
            q: None,
            fq: Vec::new(),
            sort: None,
            rows: 10,
            start: 0,
            facet_fields: Vec::new(),
            facet_limit: 50,
            facet_mincount: 1,
            include_private: false,
            include_drafts: false,
            include_deleted: false,
            now,
        }
    }
}

impl Default for SearchQuery {
    /// CKAN's defaults at the current time ([`misto_core::time::now`]).
    fn default() -> Self {
        Self::at(misto_core::time::now())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// Matching datasets in all pages.
    pub count: usize,
    /// The sort applied (without the final `id asc` tie-break), as CKAN echoes it.
    pub sort: String,
    /// The requested page.
    pub results: Vec<Arc<Dataset>>,
    /// Per requested facet field, in request order: `(value, count)` ordered
    /// by count descending then value ascending, cut at `facet_limit`.
    pub facets: Vec<(String, Vec<(String, usize)>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// A malformed `q`, `fq`, `sort` or facet field; the message names the problem.
    #[error("{0}")]
    Query(String),
    /// A `q` or `fq` past the length or nesting limits
    /// ([`query::MAX_QUERY_CHARS`], [`query::MAX_QUERY_DEPTH`]): refused even
    /// where a malformed `q` would be taken as plain words.
    #[error("{0}")]
    TooComplex(String),
}
