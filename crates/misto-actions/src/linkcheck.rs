//! The scheduled link check of external resources: which links to check
//! (every linked, not uploaded, resource of a public active dataset), where
//! the outcomes go (`link_checks`, one row per resource), and how they are
//! read — the list of broken links for coordinators and publishers, a
//! problem in the resource's validation report, and the validation part of
//! the quality score.
//!
//! The HTTP requests themselves are made by `misto-harvest` (the crate with
//! the HTTP client), whose `link_check` job handler calls
//! [`Portal::link_check_targets`] and [`Portal::record_link_check`]. The job
//! (kind [`LINK_CHECK_JOB`], one subject per install) queues its next run
//! `interval_hours` after it ends.

use std::collections::HashSet;
use std::sync::Arc;

use misto_core::time::now;
use misto_core::{Dataset, EntityState, Job, Resource, Timestamp, Viewer};
pub use misto_store::LinkCheck;
use serde::{Deserialize, Serialize};

use crate::quality::ProblemView;
use crate::{ActionError, Portal, Result};

/// The job kind of the link check.
pub const LINK_CHECK_JOB: &str = "link_check";
/// Its one subject (one schedule per install).
pub const LINK_CHECK_SUBJECT: &str = "links";
/// The rule id of a broken link in validation reports.
pub const LINK_RULE: &str = "link_answers";

/// The payload of the link-check job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCheckSettings {
    /// Hours between runs (0: run once, do not queue the next).
    pub interval_hours: i64,
    /// Seconds a link may take to answer.
    pub timeout_secs: u64,
    /// Redirects followed at most.
    pub max_redirects: usize,
}

impl Default for LinkCheckSettings {
    fn default() -> Self {
        Self {
            interval_hours: 24,
            timeout_secs: 15,
            max_redirects: 5,
        }
    }
}

/// One link to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkTarget {
    pub resource_id: String,
    pub dataset_id: String,
    pub publisher_id: String,
    pub url: String,
}

/// A broken link with what a coordinator needs to act on it.
#[derive(Debug, Clone)]
pub struct BrokenLink {
    pub check: LinkCheck,
    pub dataset: Arc<Dataset>,
    pub resource: Resource,
    pub publisher_title: String,
}

/// Whether a resource is an external link the check covers.
pub fn is_checked_link(r: &Resource) -> bool {
    let url = r.url.trim().to_ascii_lowercase();
    r.state == EntityState::Active
        && !r.is_upload()
        && (url.starts_with("http://") || url.starts_with("https://"))
}

/// A broken link as a problem of the resource's validation report: what
/// happened and what to do, in plain words.
pub fn link_problem(c: &LinkCheck) -> ProblemView {
    let (uk, en) = match c.http_status {
        Some(404) | Some(410) => (
            "За посиланням нічого не знайдено (HTTP {s}): файл видалено або перенесено.".to_string(),
            "Nothing is found at the link (HTTP {s}): the file was removed or moved.".to_string(),
        ),
        Some(401) | Some(403) => (
            "Сервер не дає доступу за посиланням (HTTP {s}): дані закриті паролем або заборонені.".to_string(),
            "The server refuses access to the link (HTTP {s}): the data are behind a password or forbidden.".to_string(),
        ),
        Some(s) if s >= 500 => (
            "Сервер за посиланням відповідає помилкою (HTTP {s}).".to_string(),
            "The server at the link answers with an error (HTTP {s}).".to_string(),
        ),
        Some(_) => (
            "Посилання не відкривається (HTTP {s}).".to_string(),
            "The link does not open (HTTP {s}).".to_string(),
        ),
        None => (
            format!("Посилання не відповідає: {}.", c.message),
            format!("The link does not answer: {}.", c.message),
        ),
    };
    let s = c.http_status.map(|s| s.to_string()).unwrap_or_default();
    ProblemView {
        rule: LINK_RULE.into(),
        severity: "error".into(),
        table: None,
        row: None,
        column: None,
        message_uk: uk.replace("{s}", &s),
        message_en: en.replace("{s}", &s),
        fix_uk: "Перевірте, що файл досі лежить за цією адресою; якщо його перенесли, вкажіть нове посилання в ресурсі, а краще завантажте файл на портал.".into(),
        fix_en: "Check that the file is still at this address; if it moved, give the resource the new link, or better, upload the file to the portal.".into(),
        auto_fix: None,
        count: 1,
    }
}

impl Portal {
    /// Queues the scheduled link check `interval_hours` from now unless one
    /// is waiting (called when `misto serve` starts). A waiting run with
    /// other settings gets the new ones and keeps its time. 0 hours turns
    /// the schedule off (a waiting run is left to run once).
    pub async fn schedule_link_check(&self, settings: LinkCheckSettings) -> Result<()> {
        if settings.interval_hours <= 0 {
            return Ok(());
        }
        let payload = serde_json::to_value(settings)
            .map_err(|e| ActionError::Internal(format!("link check settings: {e}")))?;
        let waiting = self
            .store
            .latest_job(LINK_CHECK_JOB, LINK_CHECK_SUBJECT)
            .await?
            .filter(|j| j.state == misto_core::JobState::Pending);
        match waiting {
            Some(j) if j.payload == payload => Ok(()),
            Some(j) => {
                self.enqueue_job(
                    LINK_CHECK_JOB,
                    LINK_CHECK_SUBJECT,
                    payload,
                    Some(j.run_after),
                )
                .await?;
                Ok(())
            }
            None => {
                let at = now() + chrono::Duration::hours(settings.interval_hours);
                self.enqueue_job(LINK_CHECK_JOB, LINK_CHECK_SUBJECT, payload, Some(at))
                    .await?;
                Ok(())
            }
        }
    }

    /// Starts the link check now (coordinators), keeping the schedule's
    /// settings when one is waiting. Answers the queued job.
    pub async fn run_link_check_now(&self, actor: &Viewer) -> Result<Job> {
        crate::require_sysadmin(actor, "only coordinators start the link check")?;
        let settings = self
            .store
            .latest_job(LINK_CHECK_JOB, LINK_CHECK_SUBJECT)
            .await?
            .and_then(|j| serde_json::from_value::<LinkCheckSettings>(j.payload).ok())
            .unwrap_or_default();
        let payload = serde_json::to_value(settings)
            .map_err(|e| ActionError::Internal(format!("link check settings: {e}")))?;
        self.enqueue_job(LINK_CHECK_JOB, LINK_CHECK_SUBJECT, payload, None)
            .await?;
        self.job_status(LINK_CHECK_JOB, LINK_CHECK_SUBJECT)
            .await?
            .ok_or_else(|| ActionError::Internal("link check job vanished".into()))
    }

    /// The state of the link check (its latest job), for coordinators.
    pub async fn link_check_job(&self, viewer: &Viewer) -> Result<Option<Job>> {
        crate::require_sysadmin(viewer, "only coordinators see the link check job")?;
        self.job_status(LINK_CHECK_JOB, LINK_CHECK_SUBJECT).await
    }

    /// Every external link of a public, active dataset, in catalog order.
    pub fn link_check_targets(&self) -> Result<Vec<LinkTarget>> {
        let mut out = Vec::new();
        for d in self.readable_datasets(&Viewer::anonymous(), false)? {
            if !crate::moderation::is_published(&d) {
                continue;
            }
            for r in d.resources.iter().filter(|r| is_checked_link(r)) {
                out.push(LinkTarget {
                    resource_id: r.id.clone(),
                    dataset_id: d.id.clone(),
                    publisher_id: d.owner_org.clone(),
                    url: r.url.trim().to_string(),
                });
            }
        }
        Ok(out)
    }

    /// Stores the outcome of one link.
    pub async fn record_link_check(&self, check: &LinkCheck) -> Result<()> {
        Ok(self.store.save_link_check(check).await?)
    }

    /// After a run: forgets the checks of links no longer checked.
    pub async fn prune_link_checks(&self, checked: &[LinkTarget]) -> Result<u64> {
        let keep: Vec<String> = checked.iter().map(|t| t.resource_id.clone()).collect();
        Ok(self.store.prune_link_checks(&keep).await?)
    }

    /// The last check of a resource's link, when it still describes the
    /// resource's current URL.
    pub async fn current_link_check(&self, r: &Resource) -> Result<Option<LinkCheck>> {
        if !is_checked_link(r) {
            return Ok(None);
        }
        Ok(self
            .store
            .find_link_check(&r.id)
            .await?
            .filter(|c| c.url == r.url.trim()))
    }

    /// `(resource id, URL)` of every link found broken at its current URL,
    /// for the quality score.
    pub(crate) async fn broken_link_keys(&self) -> Result<HashSet<(String, String)>> {
        Ok(self
            .store
            .broken_links(None)
            .await?
            .into_iter()
            .map(|c| (c.resource_id, c.url))
            .collect())
    }

    /// Broken links the viewer looks after: coordinators (sysadmins) see
    /// every publisher's, a publisher's editors and admins their own;
    /// optionally of one publisher. Longest broken first; links changed
    /// since the check, and datasets no longer public, are left out.
    pub async fn broken_links(
        &self,
        viewer: &Viewer,
        publisher: Option<&str>,
    ) -> Result<Vec<BrokenLink>> {
        if viewer.is_anonymous() && !viewer.sysadmin {
            return Err(ActionError::denied("log in to see broken links"));
        }
        let publisher_id = match publisher.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => {
                let id = self.show_publisher(p)?.id;
                if !viewer.sysadmin && !viewer.can_edit_in(&id) {
                    return Err(ActionError::denied(
                        "only the publisher's members and coordinators see its broken links",
                    ));
                }
                Some(id)
            }
            None => None,
        };
        let checks = self.store.broken_links(publisher_id.as_deref()).await?;
        let mut out = Vec::new();
        for c in checks {
            if !viewer.sysadmin && !viewer.can_edit_in(&c.publisher_id) {
                continue;
            }
            let Some(d) = self.catalog.read(|ix| ix.get(&c.dataset_id).cloned()) else {
                continue;
            };
            if !crate::moderation::is_published(&d) {
                continue;
            }
            let Some(r) = d
                .resources
                .iter()
                .find(|r| r.id == c.resource_id && is_checked_link(r) && r.url.trim() == c.url)
                .cloned()
            else {
                continue;
            };
            let publisher_title = self
                .show_publisher(&d.owner_org)
                .map(|p| p.title)
                .unwrap_or_default();
            out.push(BrokenLink {
                check: c,
                dataset: d,
                resource: r,
                publisher_title,
            });
        }
        Ok(out)
    }
}

/// When a link found broken at `since` has been broken for, in whole days.
pub fn days_broken(since: Option<Timestamp>, at: Timestamp) -> i64 {
    since.map_or(0, |s| (at - s).num_days().max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: Option<i64>, message: &str) -> LinkCheck {
        LinkCheck {
            resource_id: "r".into(),
            dataset_id: "d".into(),
            publisher_id: "p".into(),
            url: "http://x/a.csv".into(),
            ok: false,
            http_status: status,
            final_url: None,
            message: message.into(),
            checked: now(),
            broken_since: None,
        }
    }

    #[test]
    fn broken_links_are_errors_with_a_plain_fix() {
        let p = link_problem(&check(Some(404), "HTTP 404"));
        assert_eq!((p.rule.as_str(), p.severity.as_str()), (LINK_RULE, "error"));
        assert!(p.message_en.contains("HTTP 404") && p.message_en.contains("removed"));
        assert!(p.message_uk.contains("HTTP 404"));
        assert!(p.fix_en.contains("new link"));
        let p = link_problem(&check(None, "no answer within 10 s"));
        assert!(
            p.message_en.contains("no answer within 10 s"),
            "{}",
            p.message_en
        );
        let p = link_problem(&check(Some(503), "HTTP 503"));
        assert!(p.message_en.contains("error (HTTP 503)"));
    }
}
