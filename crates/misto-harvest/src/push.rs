//! Push: a publisher's public datasets → a remote CKAN portal, created or
//! updated by a stable identifier (the dataset's URL name on the remote,
//! under the remote organization given).

use misto_actions::harvest::{PUSH_JOB, PushTarget};
use misto_actions::jobs::{JobOutcome, JobRegistry};
use misto_actions::{ActionError, Portal, Viewer};
use misto_core::DatasetState;
use misto_core::harvest::{EntryAction, RunCounts, RunEntry};
use serde_json::{Value, json};

use crate::HarvestError;
use crate::ckan::site_root;
use crate::http::Http;
use crate::run::Progress;

/// What a push did, dataset by dataset.
#[derive(Debug, Clone, Default)]
pub struct PushReport {
    pub counts: RunCounts,
    pub entries: Vec<RunEntry>,
}

/// Keys of misto's package dict that a remote must not receive: ids and
/// computed fields of this portal.
const LOCAL_ONLY: &[&str] = &[
    "id",
    "organization",
    "owner_org",
    "groups",
    "creator_user_id",
    "metadata_created",
    "metadata_modified",
    "num_tags",
    "num_resources",
    "license_title",
    "license_url",
    "isopen",
    "relationships_as_subject",
    "relationships_as_object",
    "data_last_updated",
    "next_update_due",
    "overdue",
    "type",
    "state",
    "private",
    "tag_string",
];

const RESOURCE_LOCAL_ONLY: &[&str] = &[
    "id",
    "package_id",
    "url_type",
    "position",
    "state",
    "created",
    "metadata_modified",
    "cache_url",
    "cache_last_updated",
    "datastore_active",
    "mimetype_inner",
    "resource_type",
];

/// The package dict sent for a dataset.
fn package_for_remote(portal: &Portal, d: &misto_core::Dataset, org: &str) -> Value {
    let site = portal.config().site_url.clone();
    let mut v = portal
        .catalog()
        .read(|ix| misto_ckan_api::dictize::package(ix, &site, d, misto_core::time::now()));
    if let Value::Object(m) = &mut v {
        for k in LOCAL_ONLY {
            m.remove(*k);
        }
        m.insert("owner_org".into(), json!(org));
        if let Some(Value::Array(rs)) = m.get_mut("resources") {
            for r in rs.iter_mut() {
                if let Value::Object(rm) = r {
                    for k in RESOURCE_LOCAL_ONLY {
                        rm.remove(*k);
                    }
                }
            }
        }
        if let Some(Value::Array(tags)) = m.get_mut("tags") {
            for t in tags.iter_mut() {
                *t = json!({"name": t.get("name").cloned().unwrap_or(Value::Null)});
            }
        }
        let mut extras: Vec<Value> = m
            .get("extras")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        extras.retain(|x| x["key"] != "misto_source");
        extras.push(json!({"key": "misto_source", "value": format!("{site}/dataset/{}", d.name)}));
        m.insert("extras".into(), Value::Array(extras));
    }
    v
}

/// Pushes every public active dataset of `publisher` to the target.
/// Failures of single datasets are reported, not fatal; a remote that
/// cannot be reached at all is an error.
pub async fn push_publisher(
    portal: &Portal,
    actor: &Viewer,
    publisher: &str,
    target: &PushTarget,
    progress: Progress,
) -> Result<PushReport, ActionError> {
    let publisher_id = portal.authorize_push(actor, publisher, target)?;
    let http = Http::new(&crate::outbound_of(portal))?;
    let site = site_root(&target.url);
    let org = target.organization.trim();
    // The remote must know the organization (and the key must be valid).
    http.ckan_get(&site, "organization_show", &[("id", org.to_string())])
        .await
        .map_err(|e| ActionError::invalid("organization", e.to_string()))?;
    let mut query = misto_search::SearchQuery::at(misto_core::time::now());
    query.fq = vec![format!("owner_org:{publisher_id}")];
    query.sort = Some("name asc".into());
    query.rows = usize::MAX / 2;
    let datasets: Vec<_> = portal
        .search_datasets(&Viewer::anonymous(), &query)?
        .results
        .into_iter()
        .filter(|d| d.owner_org == publisher_id && !d.private && d.state == DatasetState::Active)
        .collect();
    let total = datasets.len() as i64;
    let mut report = PushReport::default();
    for (i, d) in datasets.iter().enumerate() {
        let body = package_for_remote(portal, d, org);
        let outcome = push_one(&http, &site, &target.api_key, &d.name, body).await;
        let entry = match outcome {
            Ok(action) => RunEntry {
                action,
                guid: d.id.clone(),
                name: d.name.clone(),
                reason: String::new(),
            },
            Err(e) => RunEntry {
                action: EntryAction::Failed,
                guid: d.id.clone(),
                name: d.name.clone(),
                reason: e.to_string(),
            },
        };
        report.counts.add(entry.action);
        report.entries.push(entry);
        progress.report_pub(i as i64 + 1, total).await?;
    }
    progress.finish_pub();
    Ok(report)
}

async fn push_one(
    http: &Http,
    site: &str,
    key: &str,
    name: &str,
    mut body: Value,
) -> Result<EntryAction, HarvestError> {
    let existing = match http
        .ckan_get(site, "package_show", &[("id", name.to_string())])
        .await
    {
        Ok(v) => v.get("id").and_then(Value::as_str).map(str::to_string),
        Err(HarvestError::Http(m)) if m.contains("HTTP 404") => None,
        Err(HarvestError::Remote(m)) if m.contains("Not found") || m.contains("404") => None,
        Err(e) => return Err(e),
    };
    match existing {
        Some(id) => {
            if let Value::Object(m) = &mut body {
                m.insert("id".into(), json!(id));
            }
            http.ckan_post(site, "package_update", &body, key).await?;
            Ok(EntryAction::Updated)
        }
        None => {
            http.ckan_post(site, "package_create", &body, key).await?;
            Ok(EntryAction::Created)
        }
    }
}

/// Adds the `push` job handler (queued by `Portal::request_push`).
pub fn register(registry: &mut JobRegistry) {
    registry.register(PUSH_JOB, |portal, job, ctx| async move {
        let p = &job.payload;
        let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
        let target = PushTarget {
            url: text(&p["url"]),
            // Jobs queued before the key moved under `secret` carry it at
            // the top.
            api_key: text(p["secret"].get("api_key").unwrap_or(&p["api_key"])),
            organization: text(&p["organization"]),
        };
        let publisher = job.payload["publisher_id"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let actor = misto_actions::accounts::system_viewer();
        let report =
            push_publisher(&portal, &actor, &publisher, &target, Progress::Job(ctx)).await?;
        let failed: Vec<String> = report
            .entries
            .iter()
            .filter(|e| e.action == EntryAction::Failed)
            .take(5)
            .map(|e| format!("{}: {}", e.name, e.reason))
            .collect();
        let mut message = report.counts.to_string();
        if !failed.is_empty() {
            message.push_str(&format!(" ({})", failed.join("; ")));
        }
        Ok(JobOutcome::done(message))
    });
}
