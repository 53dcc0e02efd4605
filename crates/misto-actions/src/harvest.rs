//! Harvest sources, runs and the import of harvested datasets.
//!
//! Sysadmins manage sources and start runs; the harvester (`misto-harvest`,
//! run as a background job of kind [`HARVEST_JOB`] whose subject is the
//! source id) fetches the remote catalogue and hands each remote dataset to
//! [`Portal::harvest_dataset`], which creates or updates exactly one local
//! dataset for it in one transaction.
//!
//! The stable key of a remote dataset is `(source id, remote guid)`, kept in
//! a harvest object together with the id of the local dataset. The object is
//! written *before* the dataset is created, with a dataset id chosen in
//! advance, so a run killed between the two steps leaves an object whose
//! dataset does not exist yet — the next run creates it under the same id.
//! No remote dataset ever becomes two local datasets, and no dataset is ever
//! half imported (the dataset and its resources are saved in one
//! transaction).

use std::sync::Arc;

use misto_core::harvest::{
    EntryAction, HarvestObject, HarvestRun, HarvestSource, RunCounts, RunState, Schedule,
    SourceKind,
};
use misto_core::names::{is_valid_name, slugify};
use misto_core::time::now;
use misto_core::validate::is_valid_url;
use misto_core::{Dataset, DatasetState, EntityState, FieldErrors, Timestamp, Viewer};

use crate::datasets::DatasetInput;
use crate::publishers::PublisherInput;
use crate::resources::StagedUpload;
use crate::{ActionError, Portal, Result, new_id};

/// Why anyone but a sysadmin is refused the harvest sources and runs.
const SYSADMINS_ONLY: &str = "only sysadmins manage harvesting";

/// The job kind of a harvest run; its subject is the source id.
pub const HARVEST_JOB: &str = "harvest";

/// The job kind of a push to a remote CKAN.
pub const PUSH_JOB: &str = "push";

/// Where a publisher's datasets are pushed.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PushTarget {
    /// The remote CKAN site root.
    pub url: String,
    /// The remote API key or token (sent as `Authorization`).
    pub api_key: String,
    /// The remote organization's URL name.
    pub organization: String,
}

/// One push of a publisher's datasets, as its admins see it.
#[derive(Debug, Clone)]
pub struct PushRun {
    pub id: String,
    pub url: String,
    pub organization: String,
    pub state: misto_core::JobState,
    /// The counts when done, the reason when it failed.
    pub message: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// The fields of a source as a sysadmin sends them.
#[derive(Debug, Clone, Default)]
pub struct HarvestSourceInput {
    pub name: String,
    pub title: Option<String>,
    /// `ckan` or `dcat`.
    pub kind: String,
    pub url: String,
    /// Publisher id or name; empty maps remote organizations.
    pub publisher: Option<String>,
    pub download_files: bool,
    /// `manual`, `hourly`, `daily` or `weekly`.
    pub schedule: Option<String>,
    pub config: Option<serde_json::Value>,
    pub active: Option<bool>,
}

/// A remote dataset ready to import.
#[derive(Debug, Clone)]
pub struct HarvestItem {
    /// The remote id: the stable key within the source.
    pub guid: String,
    /// The remote modification time, as the source writes it.
    pub remote_modified: Option<String>,
    /// A hash of the remote record; the same hash as last time means unchanged.
    pub content_hash: String,
    /// The dataset; `owner_org` must already be a local publisher, `name` is
    /// the wished URL name (made unique when taken).
    pub input: DatasetInput,
    /// Downloaded files, by resource position (`None` keeps the link).
    pub uploads: Vec<Option<StagedUpload>>,
}

/// A remote organization to map onto a local publisher.
#[derive(Debug, Clone, Default)]
pub struct RemotePublisher {
    pub name: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub edrpou: Option<String>,
    pub email: Option<String>,
    pub website: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl Portal {
    fn apply_source_input(&self, s: &mut HarvestSource, input: HarvestSourceInput) -> Result<()> {
        let mut errors = FieldErrors::new();
        s.name = input.name.trim().to_string();
        if !is_valid_name(&s.name) {
            errors.add(
                "name",
                "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
            );
        }
        s.title = non_empty(input.title).unwrap_or_else(|| s.name.clone());
        match SourceKind::parse(&input.kind) {
            Some(k) => s.kind = k,
            None => errors.add("source_type", "Must be one of: ckan, dcat"),
        }
        s.url = input.url.trim().trim_end_matches('/').to_string();
        if !(s.url.starts_with("http://") || s.url.starts_with("https://")) || !is_valid_url(&s.url)
        {
            errors.add("url", "Must be an http(s) URL");
        }
        s.publisher_id = match non_empty(input.publisher) {
            None => None,
            Some(r) => match self.catalog.read(|ix| ix.publisher(&r).cloned()) {
                Some(p) if p.state == EntityState::Active => Some(p.id),
                _ => {
                    errors.add("owner_org", format!("Organization does not exist: {r}"));
                    None
                }
            },
        };
        s.download_files = input.download_files;
        match Schedule::parse(input.schedule.as_deref().unwrap_or("manual")) {
            Some(v) => s.schedule = v,
            None => errors.add("frequency", "Must be one of: manual, hourly, daily, weekly"),
        }
        if let Some(c) = input.config {
            if c.is_object() {
                s.config = c;
            } else if c.is_null() {
                s.config = serde_json::json!({});
            } else {
                errors.add("config", "Must be a JSON object");
            }
        }
        if let Some(a) = input.active {
            s.active = a;
        }
        errors.into_result().map_err(ActionError::from)
    }

    /// Adds a source (sysadmins). A scheduled source gets its first run queued.
    pub async fn create_harvest_source(
        &self,
        actor: &Viewer,
        input: HarvestSourceInput,
    ) -> Result<HarvestSource> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let t = now();
        let mut s = HarvestSource {
            id: new_id(),
            name: String::new(),
            title: String::new(),
            kind: SourceKind::Ckan,
            url: String::new(),
            publisher_id: None,
            download_files: false,
            schedule: Schedule::Manual,
            config: serde_json::json!({}),
            last_modified_seen: None,
            active: true,
            created: t,
            modified: t,
        };
        self.apply_source_input(&mut s, input)?;
        self.check_source_name(&s).await?;
        crate::check_text(&s)?;
        self.store.insert_harvest_source(&s).await?;
        if s.active && s.schedule != Schedule::Manual {
            self.enqueue_job(HARVEST_JOB, &s.id, serde_json::json!({}), None)
                .await?;
        }
        Ok(s)
    }

    /// Replaces a source's settings (sysadmins). Changing the URL or the kind
    /// forgets the incremental watermark, so the next run reads everything.
    pub async fn update_harvest_source(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        input: HarvestSourceInput,
    ) -> Result<HarvestSource> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let mut s = self.find_source(id_or_name).await?;
        let before = (s.url.clone(), s.kind, s.config.clone());
        self.apply_source_input(&mut s, input)?;
        self.check_source_name(&s).await?;
        if before != (s.url.clone(), s.kind, s.config.clone()) {
            s.last_modified_seen = None;
        }
        s.modified = now();
        crate::check_text(&s)?;
        self.store.update_harvest_source(&s).await?;
        if s.active && s.schedule != Schedule::Manual {
            let waiting = self.job_status(HARVEST_JOB, &s.id).await?.is_some_and(|j| {
                matches!(
                    j.state,
                    misto_core::JobState::Pending | misto_core::JobState::Running
                )
            });
            if !waiting {
                self.enqueue_job(HARVEST_JOB, &s.id, serde_json::json!({}), None)
                    .await?;
            }
        }
        Ok(s)
    }

    /// Deactivates a source (sysadmins): it no longer runs; its datasets
    /// stay, and its runs stay readable.
    pub async fn delete_harvest_source(&self, actor: &Viewer, id_or_name: &str) -> Result<()> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let mut s = self.find_source(id_or_name).await?;
        s.active = false;
        s.modified = now();
        crate::check_text(&s)?;
        self.store.update_harvest_source(&s).await?;
        Ok(())
    }

    async fn check_source_name(&self, s: &HarvestSource) -> Result<()> {
        match self.store.find_harvest_source(&s.name).await? {
            Some(other) if other.id != s.id => Err(ActionError::invalid(
                "name",
                "That source name is already in use.",
            )),
            _ => Ok(()),
        }
    }

    async fn find_source(&self, id_or_name: &str) -> Result<HarvestSource> {
        self.store
            .find_harvest_source(id_or_name)
            .await?
            .ok_or_else(|| ActionError::not_found("harvest source"))
    }

    /// A source (sysadmins).
    pub async fn show_harvest_source(
        &self,
        actor: &Viewer,
        id_or_name: &str,
    ) -> Result<HarvestSource> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        self.find_source(id_or_name).await
    }

    /// Every source, active first (sysadmins).
    pub async fn list_harvest_sources(&self, actor: &Viewer) -> Result<Vec<HarvestSource>> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        Ok(self.store.list_harvest_sources().await?)
    }

    /// Queues a run of a source now (sysadmins). Returns the job id.
    pub async fn request_harvest(&self, actor: &Viewer, id_or_name: &str) -> Result<String> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let s = self.find_source(id_or_name).await?;
        if !s.active {
            return Err(ActionError::invalid(
                "id",
                "The source is deactivated; activate it first",
            ));
        }
        self.enqueue_job(HARVEST_JOB, &s.id, serde_json::json!({}), None)
            .await
    }

    /// Runs newest first, of one source or of all (sysadmins).
    pub async fn list_harvest_runs(
        &self,
        actor: &Viewer,
        source: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<HarvestRun>> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let source_id = match source {
            None => None,
            Some(s) => Some(self.find_source(s).await?.id),
        };
        Ok(self
            .store
            .list_harvest_runs(source_id.as_deref(), limit.clamp(1, 1000), offset.max(0))
            .await?)
    }

    /// One run with its log (sysadmins).
    pub async fn show_harvest_run(&self, actor: &Viewer, id: &str) -> Result<HarvestRun> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        self.store
            .find_harvest_run(id)
            .await?
            .ok_or_else(|| ActionError::not_found("harvest run"))
    }

    /// The harvest object of a dataset, for "harvested from" displays.
    pub async fn harvest_origin(&self, dataset_id: &str) -> Result<Option<HarvestObject>> {
        Ok(self
            .store
            .find_harvest_object_by_dataset(dataset_id)
            .await?)
    }

    // ---- used by the harvester while it runs a source ----

    /// Starts a run: earlier runs of the source still marked running (their
    /// worker died) become `interrupted`.
    pub async fn begin_harvest_run(&self, actor: &Viewer, source_id: &str) -> Result<HarvestRun> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        self.store.interrupt_harvest_runs(source_id).await?;
        let run = HarvestRun {
            id: new_id(),
            source_id: source_id.to_string(),
            state: RunState::Running,
            counts: RunCounts::default(),
            message: String::new(),
            entries: Vec::new(),
            started: now(),
            finished: None,
        };
        self.store.save_harvest_run(&run).await?;
        Ok(run)
    }

    /// Saves a run's progress or its end.
    pub async fn save_harvest_run(&self, actor: &Viewer, run: &HarvestRun) -> Result<()> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        Ok(self.store.save_harvest_run(run).await?)
    }

    /// Remembers the newest remote modification time a complete run saw.
    pub async fn set_harvest_watermark(
        &self,
        actor: &Viewer,
        source_id: &str,
        seen: Option<&str>,
    ) -> Result<()> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        Ok(self.store.set_harvest_watermark(source_id, seen).await?)
    }

    /// Every object of a source (what a run compares the remote list with).
    pub async fn harvest_objects(
        &self,
        actor: &Viewer,
        source_id: &str,
    ) -> Result<Vec<HarvestObject>> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        Ok(self.store.list_harvest_objects(source_id).await?)
    }

    /// The object of one remote dataset.
    pub async fn harvest_object(
        &self,
        actor: &Viewer,
        source_id: &str,
        guid: &str,
    ) -> Result<Option<HarvestObject>> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        Ok(self.store.find_harvest_object(source_id, guid).await?)
    }

    /// Queues a push of a publisher's public datasets to a remote CKAN
    /// (publisher admins and sysadmins). The job runs in `misto-harvest`.
    /// Returns the job id.
    pub async fn request_push(
        &self,
        actor: &Viewer,
        publisher: &str,
        target: &PushTarget,
    ) -> Result<String> {
        let p = self.authorize_push(actor, publisher, target)?;
        // The key is the job's `secret`: dropped from the stored payload as
        // soon as the job has ended.
        let payload = serde_json::json!({
            "publisher_id": p,
            "url": target.url,
            "organization": target.organization,
            "secret": {"api_key": target.api_key},
        });
        let subject = format!("{p} {}", target.url.trim_end_matches('/'));
        self.enqueue_job(PUSH_JOB, &subject, payload, None).await
    }

    /// Checks a push: the actor administers the publisher, the target is
    /// complete. Returns the publisher id.
    pub fn authorize_push(
        &self,
        actor: &Viewer,
        publisher: &str,
        target: &PushTarget,
    ) -> Result<String> {
        let p = self.show_publisher(publisher)?;
        if !actor.can_admin(&p.id) {
            return Err(ActionError::denied(format!(
                "not authorized to push the datasets of {}",
                p.name
            )));
        }
        let mut errors = FieldErrors::new();
        let url = target.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || !is_valid_url(url) {
            errors.add("url", "Must be an http(s) URL");
        }
        if target.api_key.trim().is_empty() {
            errors.add("api_key", "Missing value");
        }
        if !is_valid_name(target.organization.trim()) {
            errors.add(
                "organization",
                "Must be the URL name of an organization of the remote portal",
            );
        }
        errors.into_result()?;
        Ok(p.id)
    }

    /// The latest pushes of a publisher's datasets (publisher admins and
    /// sysadmins), newest first: where to, state and outcome. The API key
    /// the push was queued with is never part of the answer.
    pub async fn push_runs(&self, actor: &Viewer, publisher: &str) -> Result<Vec<PushRun>> {
        let p = self.show_publisher(publisher)?;
        if !actor.can_admin(&p.id) {
            return Err(ActionError::denied(format!(
                "not authorized to push the datasets of {}",
                p.name
            )));
        }
        let jobs = self
            .store
            .list_jobs_with_subject_prefix(PUSH_JOB, &format!("{} ", p.id), 20)
            .await?;
        Ok(jobs
            .into_iter()
            .map(|j| PushRun {
                url: j.payload["url"].as_str().unwrap_or("").to_string(),
                organization: j.payload["organization"].as_str().unwrap_or("").to_string(),
                state: j.state,
                message: j.message,
                progress_done: j.progress_done,
                progress_total: j.progress_total,
                created: j.created,
                modified: j.modified,
                id: j.id,
            })
            .collect())
    }

    /// The local publisher for a remote organization: the one with the same
    /// EDRPOU code, else the one with the same name, else a new one.
    pub async fn harvest_publisher(
        &self,
        actor: &Viewer,
        remote: &RemotePublisher,
    ) -> Result<String> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let edrpou = remote
            .edrpou
            .as_deref()
            .map(str::trim)
            .filter(|e| misto_core::codes::edrpou_is_valid(e));
        let name = {
            let n = remote.name.trim().to_lowercase();
            if is_valid_name(&n) {
                n
            } else {
                let s = slugify(remote.title.as_deref().unwrap_or(&remote.name));
                if is_valid_name(&s) {
                    s
                } else {
                    format!("org-{}", short_hash(&remote.name))
                }
            }
        };
        let found = self.catalog.read(|ix| {
            let active = ix
                .publishers()
                .iter()
                .filter(|p| p.state == EntityState::Active);
            let by_code = edrpou.and_then(|code| {
                active
                    .clone()
                    .find(|p| p.edrpou.as_deref() == Some(code))
                    .map(|p| p.id.clone())
            });
            by_code.or_else(|| {
                ix.publisher(&name)
                    .filter(|p| p.state == EntityState::Active)
                    .map(|p| p.id.clone())
            })
        });
        if let Some(id) = found {
            return Ok(id);
        }
        let website = non_empty(remote.website.clone()).filter(|w| is_valid_url(w));
        let email =
            non_empty(remote.email.clone()).filter(|e| misto_core::validate::is_valid_email(e));
        let title = non_empty(remote.title.clone()).map(|t| t.chars().take(200).collect());
        let p = self
            .create_publisher(
                actor,
                PublisherInput {
                    name,
                    title,
                    description: remote.description.clone(),
                    edrpou: edrpou.map(str::to_string),
                    email,
                    website,
                    ..PublisherInput::default()
                },
            )
            .await?;
        Ok(p.id)
    }

    /// Creates or updates the one local dataset of a remote dataset.
    /// Returns what happened and the dataset. An unchanged record (same hash
    /// as the last import, dataset still active) is not written at all.
    pub async fn harvest_dataset(
        &self,
        actor: &Viewer,
        source: &HarvestSource,
        item: HarvestItem,
    ) -> Result<(EntryAction, Arc<Dataset>)> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let uploads = item.uploads.clone();
        let outcome = self.harvest_dataset_inner(actor, source, item).await;
        if outcome.is_err() {
            for up in uploads.into_iter().flatten() {
                self.discard_upload(up).await;
            }
        }
        outcome
    }

    async fn harvest_dataset_inner(
        &self,
        actor: &Viewer,
        source: &HarvestSource,
        item: HarvestItem,
    ) -> Result<(EntryAction, Arc<Dataset>)> {
        let t = now();
        let object = self
            .store
            .find_harvest_object(&source.id, &item.guid)
            .await?;
        let current = match &object {
            Some(o) => self.store.find_dataset(&o.dataset_id).await?,
            None => None,
        };
        if let (Some(o), Some(d)) = (&object, &current)
            && o.content_hash == item.content_hash
            && !o.withdrawn
            && d.state == DatasetState::Active
        {
            return Ok((EntryAction::Unchanged, Arc::new(d.clone())));
        }
        // Fix the local id before the dataset exists, so that an interrupted
        // import resumes under the same id.
        let dataset_id = match &object {
            Some(o) => o.dataset_id.clone(),
            None => {
                let id = new_id();
                self.store
                    .upsert_harvest_object(&HarvestObject {
                        source_id: source.id.clone(),
                        guid: item.guid.clone(),
                        dataset_id: id.clone(),
                        remote_modified: item.remote_modified.clone(),
                        content_hash: item.content_hash.clone(),
                        withdrawn: false,
                        created: t,
                        modified: t,
                    })
                    .await?;
                // A concurrent run may have linked the guid first: its
                // dataset id wins (the upsert never changes it).
                self.store
                    .find_harvest_object(&source.id, &item.guid)
                    .await?
                    .map_or(id, |o| o.dataset_id)
            }
        };
        let mut input = item.input;
        input.state = Some("active".into());
        let uploads = item.uploads;
        let (action, saved) = match current {
            Some(cur) => {
                // Keep the local name; map resources by position so their
                // ids (and links to them) survive updates.
                input.name = cur.name.clone();
                if let Some(list) = input.resources.as_mut() {
                    for (i, r) in list.iter_mut().enumerate() {
                        r.id = cur.resources.get(i).map(|x| x.id.clone());
                    }
                }
                let saved = self
                    .modify_dataset(actor, &cur.id, |c| {
                        let mut d = self.build_dataset(actor, input.clone(), Some(c))?;
                        d.id = c.id.clone();
                        attach_uploads(&mut d, &uploads);
                        Ok(d)
                    })
                    .await?;
                (EntryAction::Updated, saved)
            }
            None => {
                input.name = self.free_dataset_name(&input.name, &source.name, &dataset_id);
                if let Some(list) = input.resources.as_mut() {
                    for r in list.iter_mut() {
                        r.id = None;
                    }
                }
                let mut d = self.build_dataset(actor, input, None)?;
                d.id = dataset_id.clone();
                attach_uploads(&mut d, &uploads);
                let activity = crate::datasets::dataset_activity(actor, None, &d, "new package");
                let stored = self.store.insert_dataset(&d, &activity).await?;
                self.refresh().await?;
                let saved = self
                    .catalog
                    .read(|ix| ix.get(&stored.id).cloned())
                    .unwrap_or_else(|| Arc::new(stored));
                (EntryAction::Created, saved)
            }
        };
        // A new object already carries this record's hash (its dataset now
        // exists): no second write.
        if object.is_none() && saved.id == dataset_id {
            return Ok((action, saved));
        }
        self.store
            .upsert_harvest_object(&HarvestObject {
                source_id: source.id.clone(),
                guid: item.guid,
                dataset_id: saved.id.clone(),
                remote_modified: item.remote_modified,
                content_hash: item.content_hash,
                withdrawn: false,
                created: object.as_ref().map_or(t, |o| o.created),
                modified: now(),
            })
            .await?;
        Ok((action, saved))
    }

    /// A URL name for a new harvested dataset: the wished one when free,
    /// else with the source's name, else with a short hash of the id.
    fn free_dataset_name(&self, wished: &str, source_name: &str, id: &str) -> String {
        let base = {
            let w = wished.trim().to_lowercase();
            if is_valid_name(&w) {
                w
            } else {
                let s = slugify(wished);
                if is_valid_name(&s) {
                    s
                } else {
                    format!("dataset-{}", short_hash(id))
                }
            }
        };
        let taken = |n: &str| self.catalog.read(|ix| ix.get(n).is_some());
        let fit = |s: String| -> String { s.chars().take(100).collect() };
        let candidates = [
            base.clone(),
            fit(format!(
                "{}-{source_name}",
                fit_prefix(&base, source_name.len() + 1)
            )),
            fit(format!("{}-{}", fit_prefix(&base, 9), short_hash(id))),
        ];
        for c in candidates {
            if is_valid_name(&c) && !taken(&c) {
                return c;
            }
        }
        format!("dataset-{}", id.replace('-', ""))
            .chars()
            .take(100)
            .collect()
    }

    /// Withdraws the local copy of a dataset that disappeared at the source
    /// (soft delete). Returns the local name, or `None` when there was
    /// nothing to withdraw.
    pub async fn withdraw_harvested(
        &self,
        actor: &Viewer,
        source: &HarvestSource,
        guid: &str,
    ) -> Result<Option<String>> {
        crate::require_sysadmin(actor, SYSADMINS_ONLY)?;
        let Some(mut o) = self.store.find_harvest_object(&source.id, guid).await? else {
            return Ok(None);
        };
        if o.withdrawn {
            return Ok(None);
        }
        let d = self.store.find_dataset(&o.dataset_id).await?;
        let name = d.as_ref().map(|d| d.name.clone());
        if let Some(d) = d
            && d.state != DatasetState::Deleted
        {
            self.delete_dataset(actor, &d.id).await?;
        }
        o.withdrawn = true;
        o.content_hash = String::new();
        o.modified = now();
        self.store.upsert_harvest_object(&o).await?;
        Ok(name)
    }

    /// When the source's next scheduled run is due, if it has a schedule.
    pub fn next_harvest_at(source: &HarvestSource, from: Timestamp) -> Option<Timestamp> {
        if !source.active {
            return None;
        }
        source.schedule.period().map(|p| from + p)
    }
}

fn fit_prefix(base: &str, room: usize) -> String {
    base.chars().take(100usize.saturating_sub(room)).collect()
}

/// Eight hex digits of a string's SHA-256 (for names that must differ).
fn short_hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(s.as_bytes())[..4])
}

fn attach_uploads(d: &mut Dataset, uploads: &[Option<StagedUpload>]) {
    for (res, up) in d.resources.iter_mut().zip(uploads) {
        if let Some(up) = up {
            Portal::attach_upload(res, up);
        }
    }
}
