//! Harvesting other catalogues into the portal, and pushing the portal's
//! datasets to a remote CKAN.
//!
//! - [`ckan`]: a CKAN portal's Action API (`package_search` paged,
//!   incremental by `metadata_modified`, deletions detected from the list of
//!   remote ids).
//! - [`dcat`]: a DCAT catalogue in Turtle, RDF/XML or JSON-LD, following
//!   `hydra:next`, parsed with a real RDF parser (oxrdfio).
//! - [`mapping`]: a remote record (a CKAN package dict; DCAT datasets are
//!   first turned into one) → a [`misto_actions::harvest::HarvestItem`],
//!   leniently: a foreign portal's bad values are dropped, not fatal.
//! - [`run`]: one run of a source (the `harvest` job), and `import ckan`.
//! - [`push`]: a publisher's datasets → a remote CKAN (create or update).
//! - [`fetch`]: linked tabular files of resources → the datastore (the
//!   `datastore_fetch` job).
//! - [`linkcheck`]: the scheduled check that external resources' links
//!   still answer (the `link_check` job).
//!
//! Every change of state goes through `misto-actions` (one action call per
//! dataset, one transaction each). This crate knows HTTP as a client only
//! and writes no SQL.

pub mod ckan;
pub mod dcat;
pub mod fetch;
pub mod http;
pub mod linkcheck;
pub mod mapping;
pub mod outbound;
pub mod push;
pub mod run;

pub use run::{Progress, import_ckan, run_source};

/// The outbound guard of a portal: its `outbound_allow` hosts.
pub fn outbound_of(portal: &misto_actions::Portal) -> outbound::Outbound {
    outbound::Outbound::new(&portal.config().outbound_allow)
}

use misto_actions::ActionError;
use misto_actions::harvest::HARVEST_JOB;
use misto_actions::jobs::{JobOutcome, JobRegistry};

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HarvestError {
    /// The remote did not answer, or answered with an HTTP error.
    #[error("{0}")]
    Http(String),
    /// The remote answered something this harvester cannot read.
    #[error("{0}")]
    Remote(String),
    #[error(transparent)]
    Action(#[from] ActionError),
}

impl From<HarvestError> for ActionError {
    fn from(e: HarvestError) -> Self {
        match e {
            HarvestError::Action(a) => a,
            other => ActionError::invalid("url", other.to_string()),
        }
    }
}

/// Adds the `harvest` job handler (and those of push and the link check): one run of the source named by the job's
/// subject; a scheduled source queues its next run.
pub fn register(registry: &mut JobRegistry) {
    push::register(registry);
    fetch::register(registry);
    linkcheck::register(registry);
    registry.register(HARVEST_JOB, |portal, job, ctx| async move {
        let run = run_source(&portal, &job.subject, Progress::Job(ctx)).await?;
        let next_run = portal
            .show_harvest_source(&misto_actions::accounts::system_viewer(), &job.subject)
            .await
            .ok()
            .and_then(|s| misto_actions::Portal::next_harvest_at(&s, misto_core::time::now()));
        let message = if run.state == misto_core::harvest::RunState::Error {
            format!("failed: {}", run.message)
        } else {
            run.counts.to_string()
        };
        Ok(JobOutcome { message, next_run })
    });
}
