//! Datasets: create, replace, delete, show, search, list, activity.

use std::sync::Arc;

use misto_core::auth::{can_edit_dataset, can_read_dataset};
use misto_core::license::DEFAULT_LICENSE_ID;
use misto_core::time::{now, parse_date, parse_datetime};
use misto_core::{
    Activity, Dataset, DatasetState, EntityState, Extra, FieldErrors, Resource, Timestamp,
    UpdateFrequency, Viewer, validate,
};
use misto_search::{SearchQuery, SearchResult};

use crate::{ActionError, Portal, Result, new_id};

/// The fields of a dataset as a client sends them. Text stays raw here so
/// that every problem is reported per field by one validator.
#[derive(Debug, Clone, Default)]
pub struct DatasetInput {
    /// The id a sysadmin wants the new dataset to have (CKAN keeps a
    /// sysadmin's `id` on package_create, so a dump loads with its ids);
    /// ignored for anyone else and on update.
    pub id: Option<String>,
    pub name: String,
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub notes: Option<String>,
    pub notes_en: Option<String>,
    /// Publisher id or name.
    pub owner_org: Option<String>,
    pub private: bool,
    /// `draft` or `active` (the default).
    pub state: Option<String>,
    pub license_id: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub url: Option<String>,
    pub version: Option<String>,
    pub tags: Vec<String>,
    /// Theme ids or names.
    pub groups: Vec<String>,
    pub language: Option<String>,
    pub update_frequency: Option<String>,
    pub purpose_of_collecting_information: Option<String>,
    pub resolution_835_item: Option<String>,
    pub spatial_katottg: Option<String>,
    pub temporal_start: Option<String>,
    pub temporal_end: Option<String>,
    pub data_updated: Option<String>,
    pub extras: Vec<Extra>,
    /// `None` on update removes every resource, as CKAN's package_update does.
    pub resources: Option<Vec<ResourceInput>>,
}

/// A resource as a client sends it inside a dataset or alone.
#[derive(Debug, Clone, Default)]
pub struct ResourceInput {
    pub id: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub url: Option<String>,
    pub format: Option<String>,
    pub mimetype: Option<String>,
    pub size: Option<i64>,
    pub hash: Option<String>,
    pub compress_format: Option<String>,
    pub last_modified: Option<String>,
    /// When a new resource was made, if the client knows (CKAN keeps a
    /// given `created`, so a dump loads with its times); an existing
    /// resource keeps its own.
    pub created: Option<String>,
    pub extras: serde_json::Map<String, serde_json::Value>,
}

/// What an update expects the stored dataset to be, so that two clients
/// never overwrite each other's change silently.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expect {
    /// Last writer wins (no check).
    Any,
    Revision(i64),
    /// The `metadata_modified` the client read (sent back by
    /// show → edit → update clients such as ckanapi).
    Modified(Timestamp),
}

/// Whether a client's `metadata_modified` says it read another version of
/// `current`. A time before the dataset was created here is no version of
/// it: the dict was read from another portal (`ckanapi load` of a dump
/// sends the source's `metadata_modified`), and it is ignored, as CKAN
/// ignores it.
fn modified_is_stale(sent: Timestamp, current: &Dataset) -> bool {
    sent != current.metadata_modified && sent >= current.metadata_created
}

fn text(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

pub(crate) fn dataset_activity(
    actor: &Viewer,
    old: Option<&Dataset>,
    new: &Dataset,
    kind: &str,
) -> Activity {
    let new_v = serde_json::to_value(new).unwrap_or_default();
    let changes = match old {
        Some(old) => dataset_changes(old, &new_v),
        None => Vec::new(),
    };
    Activity {
        id: new_id(),
        timestamp: new.metadata_modified,
        user_id: actor.user_id.clone(),
        object_id: new.id.clone(),
        activity_type: kind.to_string(),
        publisher_id: Some(new.owner_org.clone()),
        data: serde_json::json!({ "package": new_v, "changes": changes }),
    }
}

/// The fields that differ between two versions of a dataset, as
/// `{"field", "old", "new"}` (resources by name), for activity and review.
pub(crate) fn dataset_changes(old: &Dataset, new_v: &serde_json::Value) -> Vec<serde_json::Value> {
    let mut changes = Vec::new();
    if let Some(nobj) = new_v.as_object() {
        let old_v = serde_json::to_value(old).unwrap_or_default();
        for (k, v) in nobj {
            if matches!(k.as_str(), "metadata_modified" | "revision" | "seq") {
                continue;
            }
            let before = old_v.get(k).cloned().unwrap_or(serde_json::Value::Null);
            if &before != v {
                if k == "resources" {
                    let names = |v: &serde_json::Value| -> Vec<serde_json::Value> {
                        v.as_array()
                            .map(|a| {
                                a.iter()
                                    .map(|r| r.get("name").cloned().unwrap_or_default())
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    changes.push(
                        serde_json::json!({"field": k, "old": names(&before), "new": names(v)}),
                    );
                } else {
                    changes.push(serde_json::json!({"field": k, "old": before, "new": v}));
                }
            }
        }
    }
    changes
}

impl Portal {
    /// The id of a new record: a fresh one, or the one a sysadmin gives
    /// (CKAN keeps a sysadmin's id, so a dump loads with its ids) if it is
    /// UUID-like and not `taken`. Anyone else's id is ignored, as CKAN's
    /// `empty_if_not_sysadmin` does. The error is the message for `id`.
    pub(crate) fn wanted_id(
        &self,
        actor: &Viewer,
        given: Option<String>,
        taken: impl Fn(&str) -> bool,
    ) -> std::result::Result<String, String> {
        let Some(id) = given
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
        else {
            return Ok(new_id());
        };
        if !actor.sysadmin {
            return Ok(new_id());
        }
        if !misto_core::names::is_uuid_like(&id) {
            return Err(format!(
                "Must be a UUID such as 7f0c1a3e-5b1e-4c0a-9e0d-1b2c3d4e5f60, not {id}"
            ));
        }
        if taken(&id) {
            return Err("That id is already in use.".into());
        }
        Ok(id)
    }

    /// Turns input into a dataset (fresh, or replacing `base`), checking
    /// every field and reference. Errors are collected, not stopped at the first.
    pub(crate) fn build_dataset(
        &self,
        actor: &Viewer,
        input: DatasetInput,
        base: Option<&Dataset>,
    ) -> Result<Dataset> {
        let mut errors = FieldErrors::new();
        let t = now();
        let org_ref = text(input.owner_org).or_else(|| base.map(|b| b.owner_org.clone()));
        let owner_org = match org_ref {
            None => {
                errors.add("owner_org", "Missing value");
                String::new()
            }
            Some(r) => match self.catalog.read(|ix| ix.publisher(&r).cloned()) {
                Some(p) if p.state == EntityState::Active => p.id,
                _ => {
                    errors.add("owner_org", format!("Organization does not exist: {r}"));
                    String::new()
                }
            },
        };
        if !owner_org.is_empty() && !actor.can_edit_in(&owner_org) {
            return Err(ActionError::denied(
                "you may not create or edit datasets of this organization",
            ));
        }
        let mut groups = Vec::new();
        for g in input.groups {
            match self.catalog.read(|ix| ix.group(&g).map(|x| x.id.clone())) {
                Some(id) if !groups.contains(&id) => groups.push(id),
                Some(_) => {}
                None => errors.add("groups", format!("Group does not exist: {g}")),
            }
        }
        let state = match text(input.state).as_deref() {
            None => base
                .map(|b| {
                    if b.state == DatasetState::Deleted {
                        DatasetState::Active
                    } else {
                        b.state
                    }
                })
                .unwrap_or(DatasetState::Active),
            Some("active") => DatasetState::Active,
            Some("draft") => DatasetState::Draft,
            Some(other) => {
                errors.add("state", format!("Must be draft or active, not {other}"));
                DatasetState::Active
            }
        };
        let update_frequency = match text(input.update_frequency) {
            None => None,
            Some(f) => match UpdateFrequency::parse(&f) {
                Some(v) => Some(v),
                None => {
                    let allowed: Vec<&str> =
                        UpdateFrequency::ALL.iter().map(|f| f.as_str()).collect();
                    errors.add(
                        "update_frequency",
                        format!("Must be one of: {}", allowed.join(", ")),
                    );
                    None
                }
            },
        };
        let mut date = |field: &str, v: Option<String>| {
            text(v).and_then(|s| {
                let d = parse_date(&s);
                if d.is_none() {
                    errors.add(field, "Must be a date as YYYY-MM-DD");
                }
                d
            })
        };
        let temporal_start = date("temporal_start", input.temporal_start);
        let temporal_end = date("temporal_end", input.temporal_end);
        let data_updated = match text(input.data_updated) {
            None => None,
            Some(s) => match parse_datetime(&s) {
                Some(d) if d <= t + chrono::Duration::days(1) => Some(d),
                Some(_) => {
                    errors.add("data_updated", "Must not be in the future");
                    None
                }
                None => {
                    errors.add("data_updated", "Must be a date or date-time in ISO 8601");
                    None
                }
            },
        };
        let id = match base {
            Some(b) => b.id.clone(),
            None => match self.wanted_id(actor, input.id, |id| {
                self.catalog
                    .read(|ix| ix.get(id).is_some_and(|d| d.id == id))
            }) {
                Ok(id) => id,
                Err(msg) => {
                    errors.add("id", msg);
                    new_id()
                }
            },
        };
        // The one place tags are normalised, whichever door they come in by
        // (API, forms, harvest, import): apostrophes as U+02BC.
        let mut tags: Vec<String> = Vec::new();
        for tag in input.tags {
            let tag = misto_core::names::normalize_tag(&tag);
            if !tag.is_empty() && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let resources = match input.resources {
            None => Vec::new(),
            Some(list) => {
                let mut out: Vec<Resource> = Vec::new();
                for (i, mut r) in list.into_iter().enumerate() {
                    let existing = r.id.as_deref().and_then(|rid| {
                        base.and_then(|b| b.resources.iter().find(|x| x.id == rid))
                    });
                    if existing.is_none() {
                        // A new resource keeps a given id on the same terms
                        // as a dataset, and not one used twice in the list.
                        let wanted = r.id.take();
                        let taken_here = |rid: &str| out.iter().any(|x| x.id == rid);
                        match self.wanted_id(actor, wanted, |rid| {
                            taken_here(rid)
                                || self.catalog.read(|ix| {
                                    ix.dataset_for_resource(rid).is_some_and(|d| d.id != id)
                                })
                        }) {
                            Ok(rid) => r.id = Some(rid),
                            Err(msg) => errors.add("resources", format!("resource {i}: id: {msg}")),
                        }
                    }
                    match self.build_resource(&id, r, existing, i as i32, t) {
                        Ok(res) => out.push(res),
                        Err(e) => {
                            for (k, msgs) in e.0 {
                                for m in msgs {
                                    errors.add("resources", format!("resource {i}: {k}: {m}"));
                                }
                            }
                        }
                    }
                }
                out
            }
        };
        let name = input.name.trim().to_string();
        let d = Dataset {
            id,
            title: text(input.title).unwrap_or_else(|| name.clone()),
            name,
            title_en: text(input.title_en),
            notes: input.notes.unwrap_or_default(),
            notes_en: text(input.notes_en),
            owner_org,
            private: input.private,
            state,
            license_id: text(input.license_id).unwrap_or_else(|| DEFAULT_LICENSE_ID.to_string()),
            author: text(input.author),
            author_email: text(input.author_email),
            maintainer: text(input.maintainer),
            maintainer_email: text(input.maintainer_email),
            url: text(input.url),
            version: text(input.version),
            tags,
            groups,
            language: text(input.language)
                .map(|l| if l == "uk" { "ua".to_string() } else { l })
                .unwrap_or_else(|| "ua".to_string()),
            update_frequency,
            purpose_of_collecting_information: text(input.purpose_of_collecting_information),
            resolution_835_item: text(input.resolution_835_item),
            spatial_katottg: text(input.spatial_katottg),
            temporal_start,
            temporal_end,
            data_updated,
            extras: input.extras,
            creator_user_id: base
                .map_or_else(|| actor.user_id.clone(), |b| b.creator_user_id.clone()),
            metadata_created: base.map_or(t, |b| b.metadata_created),
            metadata_modified: t,
            revision: base.map_or(0, |b| b.revision),
            seq: base.map_or(0, |b| b.seq),
            resources,
        };
        if let Err(mut e) = validate::dataset_with(&d, |i| self.is_resolution835_item(i)) {
            // A publisher that was named but not found is reported once, not
            // again as missing.
            if errors.0.contains_key("owner_org") {
                e.0.remove("owner_org");
            }
            errors.merge(e);
        }
        if let Some(taken_by) = self
            .catalog
            .read(|ix| ix.get(&d.name).map(|x| x.id.clone()))
            && taken_by != d.id
        {
            errors.add("name", "That URL is already in use.");
        }
        errors.into_result()?;
        Ok(d)
    }

    /// Builds a resource; an existing upload keeps its file unless the
    /// client points the resource at another URL.
    pub(crate) fn build_resource(
        &self,
        package_id: &str,
        r: ResourceInput,
        existing: Option<&Resource>,
        position: i32,
        t: Timestamp,
    ) -> Result<Resource, FieldErrors> {
        let mut errors = FieldErrors::new();
        let url = text(r.url).unwrap_or_default();
        // A client that read the dataset sends back the download URL of an
        // uploaded file (percent-encoded, on this portal's host): that keeps
        // the file. Any other URL turns the resource into a link.
        let keeps_upload = existing.is_some_and(|e| {
            e.is_upload()
                && (url.is_empty()
                    || url == e.url
                    || url.contains(&format!(
                        "/dataset/{package_id}/resource/{}/download/",
                        e.id
                    )))
        });
        let last_modified = match text(r.last_modified) {
            None => None,
            Some(s) => {
                let v = parse_datetime(&s);
                if v.is_none() {
                    errors.add("last_modified", "Must be a date-time in ISO 8601");
                }
                v
            }
        };
        let created = match text(r.created) {
            None => None,
            Some(s) => match parse_datetime(&s) {
                Some(v) if v <= t => Some(v),
                Some(_) => {
                    errors.add("created", "Must not be in the future");
                    None
                }
                None => {
                    errors.add("created", "Must be a date-time in ISO 8601");
                    None
                }
            },
        };
        let guessed = misto_core::formats::guess(&url);
        let format = text(r.format)
            .or_else(|| guessed.map(|g| g.0.to_string()))
            .unwrap_or_default();
        let mut res = Resource {
            id: existing
                .map(|e| e.id.clone())
                .or(r.id.filter(|s| !s.is_empty()))
                .unwrap_or_else(new_id),
            package_id: package_id.to_string(),
            name: text(r.name).unwrap_or_default(),
            description: r.description.unwrap_or_default(),
            url: url.clone(),
            url_type: None,
            mimetype: text(r.mimetype)
                .or_else(|| misto_core::formats::media_type_of_format(&format).map(str::to_string)),
            format,
            size: r.size,
            hash: text(r.hash),
            compress_format: text(r.compress_format),
            position,
            state: EntityState::Active,
            created: existing.map_or(created.unwrap_or(t), |e| e.created),
            last_modified: last_modified.or(existing.and_then(|e| e.last_modified)),
            metadata_modified: t,
            blob_key: None,
            extras: r.extras,
        };
        // The datastore flag is the system's, not the client's: keep it.
        if let Some(v) = existing.and_then(|e| e.extras.get(crate::datastore::ACTIVE_EXTRA)) {
            res.extras
                .insert(crate::datastore::ACTIVE_EXTRA.into(), v.clone());
        }
        if let Some(e) = existing.filter(|_| keeps_upload) {
            res.url = e.url.clone();
            res.url_type = e.url_type.clone();
            res.blob_key = e.blob_key.clone();
            res.size = e.size;
            res.hash = e.hash.clone();
            res.last_modified = e.last_modified;
            if res.mimetype.is_none() {
                res.mimetype = e.mimetype.clone();
            }
        }
        if let Err(e) = validate::resource(&res) {
            errors.merge(e);
        }
        errors.into_result()?;
        Ok(res)
    }

    pub async fn create_dataset(
        &self,
        actor: &Viewer,
        input: DatasetInput,
    ) -> Result<Arc<Dataset>> {
        if actor.is_anonymous() && !actor.sysadmin {
            return Err(ActionError::denied("log in to create datasets"));
        }
        let mut d = self.build_dataset(actor, input, None)?;
        // Moderated: a dataset an editor publishes starts as a draft with
        // its publication waiting for review.
        let proposal = if crate::moderation::is_published(&d)
            && self.needs_review(actor, &d.owner_org).await?
        {
            let proposed = d.clone();
            d.state = DatasetState::Draft;
            Some(proposed)
        } else {
            None
        };
        let activity = dataset_activity(actor, None, &d, "new package");
        let stored = self.store.insert_dataset(&d, &activity).await?;
        self.refresh().await?;
        if let Some(proposed) = proposal {
            self.propose(actor, &stored, proposed).await?;
        }
        Ok(self.dataset_by_id(&stored.id))
    }

    /// Full replace, as CKAN's package_update.
    pub async fn update_dataset(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        input: DatasetInput,
        expect: Expect,
    ) -> Result<Arc<Dataset>> {
        let build = |current: &Dataset| -> Result<Dataset> {
            let mut d = self.build_dataset(actor, input.clone(), Some(current))?;
            if d.owner_org != current.owner_org && !actor.can_edit_in(&current.owner_org) {
                return Err(ActionError::denied("you may not move this dataset"));
            }
            d.id = current.id.clone();
            Ok(d)
        };
        // Moderated: an editor's change to a published dataset (or one that
        // publishes it) is kept as a pending revision; the public keeps
        // seeing the approved version.
        let current = self.dataset_for_edit(actor, id_or_name).await?;
        if self.needs_review(actor, &current.owner_org).await? {
            let proposed = build(&current)?;
            if crate::moderation::is_published(&current)
                || crate::moderation::is_published(&proposed)
            {
                let stale = match expect {
                    Expect::Any => false,
                    Expect::Revision(r) => r != current.revision,
                    Expect::Modified(m) => modified_is_stale(m, &current),
                };
                if stale {
                    return Err(misto_store::StoreError::StaleRevision.into());
                }
                return self.propose(actor, &current, proposed).await;
            }
        }
        let expected = match expect {
            // No expectation: apply to whatever is current, retrying on races.
            Expect::Any => return self.modify_dataset(actor, id_or_name, build).await,
            Expect::Revision(r) => r,
            Expect::Modified(m) => {
                let current = self.dataset_for_edit(actor, id_or_name).await?;
                if modified_is_stale(m, &current) {
                    return Err(misto_store::StoreError::StaleRevision.into());
                }
                current.revision
            }
        };
        let current = self.dataset_for_edit(actor, id_or_name).await?;
        let d = build(&current)?;
        self.save_dataset(actor, &current, d, expected).await
    }

    /// Applies `change` to the current version of a dataset and saves it;
    /// when another writer saved in between, reads again and re-applies, so
    /// that concurrent changes are all kept.
    pub(crate) async fn modify_dataset<F>(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        mut change: F,
    ) -> Result<Arc<Dataset>>
    where
        F: FnMut(&Dataset) -> Result<Dataset>,
    {
        const ATTEMPTS: u64 = 25;
        // Changes of one dataset made through this process wait for each
        // other instead of racing (adding a resource never conflicts with
        // another being added); the revision check and the retries below
        // remain for writers in other processes.
        let id = self.dataset_for_edit(actor, id_or_name).await?.id.clone();
        let lock = self.edit_locks.of(&id);
        let _held = lock.lock().await;
        for attempt in 0..ATTEMPTS {
            let current = self.dataset_for_edit(actor, &id).await?;
            let next = change(&current)?;
            if let Some(saved) = self
                .try_save(actor, &current, next, current.revision)
                .await?
            {
                return Ok(saved);
            }
            tokio::time::sleep(std::time::Duration::from_millis(1 + attempt * 3)).await;
        }
        Err(misto_store::StoreError::StaleRevision.into())
    }

    /// Saves a changed dataset with an activity record, then refreshes the catalog.
    pub(crate) async fn save_dataset(
        &self,
        actor: &Viewer,
        current: &Dataset,
        d: Dataset,
        expected_revision: i64,
    ) -> Result<Arc<Dataset>> {
        self.try_save(actor, current, d, expected_revision)
            .await?
            .ok_or_else(|| misto_store::StoreError::StaleRevision.into())
    }

    /// Like [`Portal::save_dataset`], but `None` when the stored revision is
    /// not the expected one.
    async fn try_save(
        &self,
        actor: &Viewer,
        current: &Dataset,
        mut d: Dataset,
        expected_revision: i64,
    ) -> Result<Option<Arc<Dataset>>> {
        d.metadata_modified =
            now().max(current.metadata_modified + chrono::Duration::microseconds(1));
        let kind = if d.state == DatasetState::Deleted {
            "deleted package"
        } else {
            "changed package"
        };
        let activity = dataset_activity(actor, Some(current), &d, kind);
        let stored = match self
            .store
            .update_dataset(&d, expected_revision, &activity)
            .await
        {
            Ok(s) => s,
            Err(misto_store::StoreError::StaleRevision) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        self.refresh().await?;
        Ok(Some(self.dataset_by_id(&stored.id)))
    }

    /// Soft delete (state `deleted`), as CKAN's package_delete.
    pub async fn delete_dataset(&self, actor: &Viewer, id_or_name: &str) -> Result<()> {
        self.delete_or_propose(actor, id_or_name).await.map(|_| ())
    }

    /// Deletes a dataset, or — for an editor of a moderated publisher and a
    /// published dataset — proposes its deletion as the open revision (the
    /// public keeps the dataset until an admin approves). True when the
    /// deletion waits for review.
    pub async fn delete_or_propose(&self, actor: &Viewer, id_or_name: &str) -> Result<bool> {
        let current = self.dataset_for_edit(actor, id_or_name).await?;
        if current.state == DatasetState::Deleted {
            return Ok(false);
        }
        if crate::moderation::is_published(&current)
            && self.needs_review(actor, &current.owner_org).await?
        {
            let mut proposed = (*current).clone();
            proposed.state = DatasetState::Deleted;
            self.propose(actor, &current, proposed).await?;
            return Ok(true);
        }
        self.modify_dataset(actor, &current.id, |c| {
            let mut d = c.clone();
            d.state = DatasetState::Deleted;
            Ok(d)
        })
        .await?;
        Ok(false)
    }

    /// The current version of a dataset the actor may edit, read from the
    /// store (not the cache) so that the revision check is exact.
    pub(crate) async fn dataset_for_edit(
        &self,
        actor: &Viewer,
        id_or_name: &str,
    ) -> Result<Arc<Dataset>> {
        let d = self
            .store
            .find_dataset(id_or_name)
            .await?
            .ok_or_else(|| ActionError::not_found("dataset"))?;
        if !can_read_dataset(actor, &d) {
            return Err(ActionError::not_found("dataset"));
        }
        if !can_edit_dataset(actor, &d) {
            return Err(ActionError::denied(format!(
                "not authorized to edit dataset {}",
                d.name
            )));
        }
        Ok(Arc::new(d))
    }

    fn dataset_by_id(&self, id: &str) -> Arc<Dataset> {
        self.catalog
            .read(|ix| ix.get(id).cloned())
            .unwrap_or_else(|| {
                // Unreachable after a refresh; fall back to an empty shell rather than panic.
                tracing::error!(dataset = id, "dataset missing from catalog after refresh");
                Arc::new(Dataset {
                    id: id.to_string(),
                    ..empty_dataset()
                })
            })
    }

    /// A dataset the viewer may read. Datasets the viewer may not see are
    /// "not found", so that their existence does not leak.
    pub fn show_dataset(&self, viewer: &Viewer, id_or_name: &str) -> Result<Arc<Dataset>> {
        self.catalog
            .read(|ix| ix.get(id_or_name).cloned())
            .filter(|d| can_read_dataset(viewer, d))
            .ok_or_else(|| ActionError::not_found("dataset"))
    }

    pub fn search_datasets(&self, viewer: &Viewer, query: &SearchQuery) -> Result<SearchResult> {
        Ok(self.catalog.read(|ix| ix.search(query, viewer))?)
    }

    /// Names of active public datasets (CKAN package_list).
    pub fn package_names(&self, limit: usize, offset: usize) -> Vec<String> {
        self.catalog.read(|ix| ix.package_names(limit, offset))
    }

    /// package_list as the viewer may see it: `(include_private,
    /// include_drafts, include_deleted)` as in package_search (private
    /// datasets and drafts the viewer may read, deleted ones for sysadmins).
    pub fn package_names_for(
        &self,
        viewer: &Viewer,
        include: (bool, bool, bool),
        limit: usize,
        offset: usize,
    ) -> Vec<String> {
        self.catalog
            .read(|ix| ix.package_names_visible(viewer, include, limit, offset))
    }

    pub fn tag_names(&self, viewer: &Viewer, query: Option<&str>) -> Vec<String> {
        self.catalog.read(|ix| ix.tags(viewer, query))
    }

    /// Activity of a dataset, newest first, for those who may read it.
    pub async fn dataset_activity(
        &self,
        viewer: &Viewer,
        id_or_name: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Activity>> {
        let d = self.show_dataset(viewer, id_or_name)?;
        Ok(self.store.list_activities(&d.id, limit, offset).await?)
    }
}

fn empty_dataset() -> Dataset {
    let t = now();
    Dataset {
        id: String::new(),
        name: String::new(),
        title: String::new(),
        title_en: None,
        notes: String::new(),
        notes_en: None,
        owner_org: String::new(),
        private: true,
        state: DatasetState::Deleted,
        license_id: DEFAULT_LICENSE_ID.into(),
        author: None,
        author_email: None,
        maintainer: None,
        maintainer_email: None,
        url: None,
        version: None,
        tags: vec![],
        groups: vec![],
        language: "ua".into(),
        update_frequency: None,
        purpose_of_collecting_information: None,
        resolution_835_item: None,
        spatial_katottg: None,
        temporal_start: None,
        temporal_end: None,
        data_updated: None,
        extras: vec![],
        creator_user_id: None,
        metadata_created: t,
        metadata_modified: t,
        revision: 0,
        seq: 0,
        resources: vec![],
    }
}
