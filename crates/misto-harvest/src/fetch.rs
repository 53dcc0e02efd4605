//! Linked (not uploaded) tabular files into the datastore: the
//! `datastore_fetch` job downloads the resource's URL with the harvester's
//! HTTP client (redirects only to hosts it may fetch from), at most the
//! configured upload size, and hands the bytes to
//! `misto-actions`, which loads them like an upload (same reader, same
//! atomic swap). Every failure (unreachable host, HTTP error, too large,
//! unreadable file) is recorded in the resource's datastore status, and a
//! table loaded before keeps answering.

use misto_actions::ActionError;
use misto_actions::accounts::system_viewer;
use misto_actions::datastore::{FETCH_JOB, is_fetchable};
use misto_actions::jobs::{JobContext, JobOutcome, JobRegistry};
use misto_actions::{Portal, Result};
use misto_core::Job;

use crate::http::Http;

/// Adds the `datastore_fetch` job handler.
pub fn register(registry: &mut JobRegistry) {
    registry.register(FETCH_JOB, |portal, job, ctx| async move {
        fetch_job(portal, job, ctx).await
    });
}

/// Downloads a resource's linked file and loads it.
pub async fn fetch_job(portal: Portal, job: Job, ctx: JobContext) -> Result<JobOutcome> {
    let rid = job.subject.clone();
    let r = match portal.show_resource(&system_viewer(), &rid) {
        Ok((_, r)) => r,
        Err(ActionError::NotFound(_)) => {
            return Ok(JobOutcome::done("the resource no longer exists"));
        }
        Err(e) => return Err(e),
    };
    if !is_fetchable(&r) {
        // Replaced by an upload, or the link is no longer a tabular file.
        return Ok(JobOutcome::done(
            "the resource no longer links a tabular file",
        ));
    }
    if !portal.config().datastore.fetch_links.allows(&r.url) {
        let msg = "Linked files from this host are not loaded (datastore_fetch_links)";
        return Err(portal.datastore_fetch_failed(&rid, msg).await);
    }
    portal.datastore_fetch_started(&rid).await?;
    let limit = portal.config().max_upload_bytes;
    let url = r.url.trim().to_string();
    // Redirects are held to the same host list as the link itself.
    let links = portal.config().datastore.fetch_links.clone();
    // Hosts the operator listed for linked files may be internal ones.
    let mut allow = portal.config().outbound_allow.clone();
    if let misto_actions::datastore::FetchLinks::Hosts(hosts) = &links {
        allow.extend(hosts.iter().cloned());
    }
    let outbound = crate::outbound::Outbound::new(&allow);
    let http = match Http::for_fetch(&outbound, move |to| links.allows(to)) {
        Ok(h) => h,
        Err(e) => return Err(portal.datastore_fetch_failed(&rid, &e.to_string()).await),
    };
    let (stream, _media, length) = match http.download_sized(&url).await {
        Ok(x) => x,
        Err(e) => {
            let msg = format!("The linked file could not be downloaded: {e}");
            return Err(portal.datastore_fetch_failed(&rid, &msg).await);
        }
    };
    if length.is_some_and(|n| n > limit) {
        let msg = format!(
            "The linked file is larger than the limit of {}",
            misto_actions::datastore::size_text(limit)
        );
        return Err(portal.datastore_fetch_failed(&rid, &msg).await);
    }
    portal.datastore_load_download(&rid, stream, &ctx).await
}
