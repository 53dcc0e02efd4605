//! One run of a source: fetch page by page, import each remote dataset in
//! one action call, withdraw what disappeared, keep the log.
//!
//! Safe to repeat and to interrupt: a dataset whose remote record did not
//! change is not written; a run killed in the middle leaves every dataset it
//! reached complete (each is one transaction), and the next run carries on
//! from the same watermark, because the watermark only moves after a
//! complete run.

use std::collections::{HashMap, HashSet};
use std::io::Write;

use misto_actions::accounts::system_viewer;
use misto_actions::harvest::{HarvestItem, HarvestSourceInput, RemotePublisher};
use misto_actions::jobs::JobContext;
use misto_actions::{ActionError, Portal, Viewer};
use misto_core::harvest::{EntryAction, HarvestRun, HarvestSource, RunEntry, RunState, SourceKind};
use misto_core::time::now;
use serde_json::Value;

use crate::HarvestError;
use crate::ckan::CkanSource;
use crate::dcat::Pager;
use crate::http::{Http, file_name_of};
use crate::mapping::{guid_of, item_from_package, remote_publisher};

/// Where a run reports how far it got.
pub enum Progress {
    /// A background job: progress and lease in the jobs table.
    Job(JobContext),
    /// A terminal: a bar on standard error.
    Bar,
    Silent,
}

impl Progress {
    async fn report(&self, done: i64, total: i64) -> Result<(), ActionError> {
        match self {
            Progress::Job(ctx) => ctx.progress(done, total).await,
            Progress::Bar => {
                draw_bar(done, total);
                Ok(())
            }
            Progress::Silent => Ok(()),
        }
    }

    /// [`Progress`] for other runs of this crate (push).
    pub(crate) async fn report_pub(&self, done: i64, total: i64) -> Result<(), ActionError> {
        self.report(done, total).await
    }

    pub(crate) fn finish_pub(&self) {
        self.finish()
    }

    fn finish(&self) {
        if matches!(self, Progress::Bar) {
            eprintln!();
        }
    }
}

/// A self-drawn progress bar: `[#####.....] 512/1000`.
fn draw_bar(done: i64, total: i64) {
    const WIDTH: i64 = 40;
    let total = total.max(done).max(1);
    let filled = (done * WIDTH / total).clamp(0, WIDTH);
    let bar: String = (0..WIDTH)
        .map(|i| if i < filled { '#' } else { '.' })
        .collect();
    let mut err = std::io::stderr();
    let _ = write!(err, "\r[{bar}] {done}/{total}");
    let _ = err.flush();
}

/// How often (in datasets) a running run saves its log.
const SAVE_EVERY: i64 = 200;

struct Runner<'a> {
    portal: &'a Portal,
    actor: Viewer,
    source: HarvestSource,
    http: Http,
    run: HarvestRun,
    progress: Progress,
    /// Remote organization name → local publisher id.
    publishers: HashMap<String, String>,
    done: i64,
    total: i64,
}

/// Runs a source once. Source-level failures (unreachable, not a catalogue)
/// end the run with state `error` and are returned inside the run, not as
/// an error; only the store failing gives `Err`.
pub async fn run_source(
    portal: &Portal,
    source_id: &str,
    progress: Progress,
) -> Result<HarvestRun, ActionError> {
    let actor = system_viewer();
    let source = portal.show_harvest_source(&actor, source_id).await?;
    if !source.active {
        return Err(ActionError::invalid("id", "The source is deactivated"));
    }
    let run = portal.begin_harvest_run(&actor, &source.id).await?;
    let http = Http::new(&crate::outbound_of(portal))?;
    let mut r = Runner {
        portal,
        actor,
        source,
        http,
        run,
        progress,
        publishers: HashMap::new(),
        done: 0,
        total: 0,
    };
    let outcome = match r.source.kind {
        SourceKind::Ckan => r.run_ckan().await,
        SourceKind::Dcat => r.run_dcat().await,
    };
    r.progress.finish();
    match outcome {
        Ok(()) => {
            r.run.state = RunState::Done;
            r.run.message = r.run.counts.to_string();
        }
        Err(HarvestError::Action(e @ ActionError::Internal(_))) => {
            // The store failed: save what is known, let the job retry.
            r.run.state = RunState::Error;
            r.run.message = "internal error".into();
            r.run.finished = Some(now());
            let _ = portal.save_harvest_run(&r.actor, &r.run).await;
            return Err(e);
        }
        Err(e) => {
            r.run.state = RunState::Error;
            r.run.message = e.to_string();
        }
    }
    r.run.finished = Some(now());
    portal.save_harvest_run(&r.actor, &r.run).await?;
    Ok(r.run)
}

impl Runner<'_> {
    async fn tick(&mut self) -> Result<(), HarvestError> {
        self.done += 1;
        self.progress.report(self.done, self.total).await?;
        if self.done % SAVE_EVERY == 0 {
            self.portal.save_harvest_run(&self.actor, &self.run).await?;
        }
        Ok(())
    }

    async fn run_ckan(&mut self) -> Result<(), HarvestError> {
        let src = CkanSource::new(self.http.clone(), &self.source.url, &self.source.config);
        let since = self.source.last_modified_seen.clone();
        // Everything that exists remotely, to find deletions. In a full run
        // the pages themselves list it.
        let mut remote_ids: HashSet<String> = HashSet::new();
        if since.is_some() {
            remote_ids.extend(src.all_ids().await?);
        }
        let mut newest = since.clone();
        let mut start = 0;
        let mut seen_in_run: HashSet<String> = HashSet::new();
        loop {
            let page = src.page(since.as_deref(), start).await?;
            self.total = page.count;
            let n = page.results.len() as i64;
            for dict in page.results {
                if let Some(m) = dict.get("metadata_modified").and_then(Value::as_str)
                    && newest.as_deref().is_none_or(|w| m > w)
                {
                    newest = Some(m.to_string());
                }
                let Some(guid) = guid_of(&dict) else {
                    continue;
                };
                remote_ids.insert(guid.clone());
                if !seen_in_run.insert(guid) {
                    continue;
                }
                self.import(&dict, remote_publisher(&dict)).await?;
                self.tick().await?;
            }
            start += n;
            if n == 0 || start >= page.count {
                break;
            }
        }
        self.withdraw_missing(&remote_ids).await?;
        self.portal
            .set_harvest_watermark(&self.actor, &self.source.id, newest.as_deref())
            .await?;
        Ok(())
    }

    async fn run_dcat(&mut self) -> Result<(), HarvestError> {
        let mut pager = Pager::new(&self.source.url);
        let mut remote_ids: HashSet<String> = HashSet::new();
        while let Some(page) = pager.next_page(&self.http).await? {
            self.total += page.datasets.len() as i64;
            for ds in page.datasets {
                let Some(guid) = guid_of(&ds.package) else {
                    continue;
                };
                if !remote_ids.insert(guid) {
                    continue;
                }
                self.import(&ds.package, ds.publisher).await?;
                self.tick().await?;
            }
        }
        self.withdraw_missing(&remote_ids).await?;
        Ok(())
    }

    /// Imports one remote record; its failure is logged, not fatal. Only a
    /// store failure stops the run.
    async fn import(
        &mut self,
        dict: &Value,
        org: Option<RemotePublisher>,
    ) -> Result<(), HarvestError> {
        let guid = guid_of(dict).unwrap_or_default();
        let remote_name = dict
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&guid)
            .to_string();
        match self.import_one(dict, org).await {
            Ok((action, name)) => {
                self.run.record(RunEntry {
                    action,
                    guid,
                    name,
                    reason: String::new(),
                });
                Ok(())
            }
            Err(HarvestError::Action(e @ ActionError::Internal(_))) => Err(HarvestError::Action(e)),
            Err(e) => {
                self.run.record(RunEntry {
                    action: EntryAction::Failed,
                    guid,
                    name: remote_name,
                    reason: e.to_string(),
                });
                Ok(())
            }
        }
    }

    async fn import_one(
        &mut self,
        dict: &Value,
        org: Option<RemotePublisher>,
    ) -> Result<(EntryAction, String), HarvestError> {
        let owner = self.publisher_for(org).await?;
        let mut item = item_from_package(self.portal, &self.source, dict, &owner)
            .map_err(HarvestError::Remote)?;
        if self.source.download_files {
            // Unchanged records are skipped before any download.
            let unchanged = self
                .portal
                .harvest_object(&self.actor, &self.source.id, &item.guid)
                .await?
                .is_some_and(|o| o.content_hash == item.content_hash && !o.withdrawn);
            if !unchanged {
                self.download_files(&mut item).await?;
            }
        }
        let (action, d) = self
            .portal
            .harvest_dataset(&self.actor, &self.source, item)
            .await?;
        Ok((action, d.name.clone()))
    }

    /// The local publisher: the source's fixed one, else the remote
    /// organization mapped (and remembered for the rest of the run).
    async fn publisher_for(
        &mut self,
        org: Option<RemotePublisher>,
    ) -> Result<String, HarvestError> {
        if let Some(p) = &self.source.publisher_id {
            return Ok(p.clone());
        }
        let org = org.ok_or_else(|| {
            HarvestError::Remote(
                "the dataset has no organization and the source names no publisher".into(),
            )
        })?;
        if let Some(id) = self.publishers.get(&org.name) {
            return Ok(id.clone());
        }
        let id = self.portal.harvest_publisher(&self.actor, &org).await?;
        self.publishers.insert(org.name.clone(), id.clone());
        Ok(id)
    }

    async fn download_files(&self, item: &mut HarvestItem) -> Result<(), HarvestError> {
        let Some(resources) = item.input.resources.as_ref() else {
            return Ok(());
        };
        let mut uploads = Vec::with_capacity(resources.len());
        for r in resources {
            let Some(url) = r.url.as_deref().filter(|u| !u.is_empty()) else {
                uploads.push(None);
                continue;
            };
            let staged = async {
                let (stream, media) = self.http.download(url).await?;
                let up = self
                    .portal
                    .stage_upload(&self.actor, &file_name_of(url), media.as_deref(), stream)
                    .await?;
                Ok::<_, HarvestError>(up)
            }
            .await;
            match staged {
                Ok(up) => uploads.push(Some(up)),
                Err(e) => {
                    for up in uploads.into_iter().flatten() {
                        self.portal.discard_upload(up).await;
                    }
                    return Err(HarvestError::Remote(format!("download failed: {e}")));
                }
            }
        }
        item.uploads = uploads;
        Ok(())
    }

    async fn withdraw_missing(&mut self, remote: &HashSet<String>) -> Result<(), HarvestError> {
        let objects = self
            .portal
            .harvest_objects(&self.actor, &self.source.id)
            .await?;
        for o in objects {
            if o.withdrawn || remote.contains(&o.guid) {
                continue;
            }
            match self
                .portal
                .withdraw_harvested(&self.actor, &self.source, &o.guid)
                .await
            {
                Ok(Some(name)) => self.run.record(RunEntry {
                    action: EntryAction::Withdrawn,
                    guid: o.guid.clone(),
                    name,
                    reason: String::new(),
                }),
                Ok(None) => {}
                Err(e @ ActionError::Internal(_)) => return Err(e.into()),
                Err(e) => self.run.record(RunEntry {
                    action: EntryAction::Failed,
                    guid: o.guid.clone(),
                    name: o.dataset_id.clone(),
                    reason: format!("could not withdraw: {e}"),
                }),
            }
        }
        Ok(())
    }
}

/// `misto import ckan URL`: migrates a whole CKAN portal once — its
/// organizations become publishers, its datasets datasets, its resources
/// links (or files with `with_files`). Runs through a manual harvest source
/// named after the host, so repeating the import updates instead of
/// duplicating, and the log stays readable.
pub async fn import_ckan(
    portal: &Portal,
    url: &str,
    with_files: bool,
    progress: Progress,
) -> Result<HarvestRun, ActionError> {
    let actor = system_viewer();
    let site = crate::ckan::site_root(url);
    let host = site
        .split("://")
        .nth(1)
        .unwrap_or(&site)
        .split('/')
        .next()
        .unwrap_or("");
    let slug = misto_core::names::slugify(&host.replace(['.', ':'], "-"));
    let name: String = format!("import-{slug}").chars().take(100).collect();
    // Every organization first, including those without datasets.
    let http = Http::new(&crate::outbound_of(portal))?;
    let src = CkanSource::new(http, &site, &serde_json::json!({}));
    let orgs = src.organizations().await.map_err(ActionError::from)?;
    for o in orgs {
        if let Some(p) = remote_publisher(&serde_json::json!({ "organization": o })) {
            portal.harvest_publisher(&actor, &p).await?;
        }
    }
    let input = HarvestSourceInput {
        name: name.clone(),
        title: Some(format!("Import of {site}")),
        kind: "ckan".into(),
        url: site.clone(),
        download_files: with_files,
        schedule: Some("manual".into()),
        active: Some(true),
        ..HarvestSourceInput::default()
    };
    let source = match portal.show_harvest_source(&actor, &name).await {
        Ok(_) => portal.update_harvest_source(&actor, &name, input).await?,
        Err(ActionError::NotFound(_)) => portal.create_harvest_source(&actor, input).await?,
        Err(e) => return Err(e),
    };
    run_source(portal, &source.id, progress).await
}
