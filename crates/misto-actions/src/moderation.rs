//! Moderation (per-publisher setting): an editor's change that would change
//! what the public sees — an edit of a published dataset, or publishing a
//! new one — is kept as a pending revision (the proposed dataset) instead
//! of being saved. The editor submits it (`package_submit`); an admin of the
//! publisher or a sysadmin approves it, which saves it through the normal
//! update (activity with a diff, attributed to the editor), or returns it
//! with a comment (`package_review`); the submitter gets an e-mail either
//! way. Until approval the dataset, and so package_show, search, pages and
//! DCAT, stay as approved.
//!
//! Resources (files and links) of a published dataset are moderated too:
//! an editor's `resource_create`, `resource_update`, `resource_delete` and
//! reorder become part of the open revision (its `resources_changed` flag
//! set), the uploaded files wait in the blob store under fresh keys that no
//! public resource points at, and approval replaces the dataset's resources
//! with the proposed ones (then records versions, validates and ingests the
//! new files as any saved resource). A proposal that only changes metadata
//! keeps the resources as they are at approval.
//! Admins of the publisher and sysadmins are never moderated.

use std::sync::Arc;

use misto_core::time::now;
use misto_core::{Dataset, DatasetState, Resource, Role, Viewer};
use misto_store::DatasetRevision;

use crate::jobs::Email;
use crate::{ActionError, Portal, Result, new_id};

/// How many revisions a queue shows at most.
const QUEUE_MAX: i64 = 500;

/// Whether the public sees the dataset.
pub(crate) fn is_published(d: &Dataset) -> bool {
    d.state == DatasetState::Active && !d.private
}

/// A pending revision with what a reviewer needs to judge it.
#[derive(Debug, Clone)]
pub struct ReviewItem {
    pub revision: DatasetRevision,
    /// The approved (current) dataset.
    pub dataset: Arc<Dataset>,
    /// The proposed version.
    pub proposed: Dataset,
    /// `{"field", "old", "new"}` per changed field, against the current version.
    pub changes: Vec<serde_json::Value>,
    pub submitter_name: String,
}

/// The reviewer's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Return,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Self::Approve),
            "return" => Some(Self::Return),
            _ => None,
        }
    }
}

impl Portal {
    /// Whether the publisher reviews its editors' changes.
    pub async fn publisher_moderation(&self, publisher: &str) -> Result<bool> {
        let p = self.show_publisher(publisher)?;
        Ok(self.store.publisher_moderation(&p.id).await?)
    }

    /// Turns moderation on or off (admins of the publisher, sysadmins).
    pub async fn set_publisher_moderation(
        &self,
        actor: &Viewer,
        publisher: &str,
        on: bool,
    ) -> Result<()> {
        let p = self.show_publisher(publisher)?;
        if !actor.can_admin(&p.id) {
            return Err(ActionError::denied(
                "only admins of the publisher set moderation",
            ));
        }
        Ok(self
            .store
            .set_publisher_moderation(&p.id, on, now())
            .await?)
    }

    /// Whether `actor`'s changes to datasets of the publisher wait for review.
    pub(crate) async fn needs_review(&self, actor: &Viewer, publisher_id: &str) -> Result<bool> {
        if actor.sysadmin || actor.can_admin(publisher_id) {
            return Ok(false);
        }
        Ok(self.store.publisher_moderation(publisher_id).await?)
    }

    /// Keeps `proposed` as the open revision of `current` (replacing an
    /// earlier proposal not yet reviewed). Its resources are those of the
    /// open revision when that proposes resource changes, else the current
    /// ones. Returns the proposed version.
    pub(crate) async fn propose(
        &self,
        actor: &Viewer,
        current: &Dataset,
        mut proposed: Dataset,
    ) -> Result<Arc<Dataset>> {
        let pending = self
            .store
            .open_revision(&current.id)
            .await?
            .filter(|r| r.resources_changed);
        let resources_changed = match pending {
            Some(r) => {
                proposed.resources = proposal_of(&r)?.resources;
                true
            }
            None => {
                proposed.resources = current.resources.clone();
                false
            }
        };
        self.save_proposal(actor, current, proposed, resources_changed)
            .await
    }

    /// Applies a change of resources: saved at once, or — for an editor of
    /// a moderated publisher and a published dataset — applied to the open
    /// revision (or to the current version when none is open) and kept
    /// there. The flag says whether the change waits for review.
    pub(crate) async fn modify_resources<F>(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        change: F,
    ) -> Result<(Arc<Dataset>, bool)>
    where
        F: FnMut(&Dataset) -> Result<Dataset>,
    {
        let current = self.dataset_for_edit(actor, id_or_name).await?;
        if !(is_published(&current) && self.needs_review(actor, &current.owner_org).await?) {
            return Ok((self.modify_dataset(actor, id_or_name, change).await?, false));
        }
        let mut change = change;
        let base = match self.store.open_revision(&current.id).await? {
            Some(r) => {
                let mut base = proposal_of(&r)?;
                if !r.resources_changed {
                    base.resources = current.resources.clone();
                }
                base
            }
            None => (*current).clone(),
        };
        let next = change(&base)?;
        let proposed = self.save_proposal(actor, &current, next, true).await?;
        Ok((proposed, true))
    }

    async fn save_proposal(
        &self,
        actor: &Viewer,
        current: &Dataset,
        mut proposed: Dataset,
        resources_changed: bool,
    ) -> Result<Arc<Dataset>> {
        let submitter = actor
            .user_id
            .clone()
            .ok_or_else(|| ActionError::denied("log in to propose changes"))?;
        proposed.id = current.id.clone();
        let value = serde_json::to_value(&proposed)
            .map_err(|e| ActionError::Internal(format!("proposal: {e}")))?;
        let t = now();
        self.store
            .save_open_revision(&DatasetRevision {
                id: new_id(),
                dataset_id: current.id.clone(),
                publisher_id: current.owner_org.clone(),
                base_revision: current.revision,
                proposed: value,
                state: "draft".into(),
                submitter_id: submitter,
                submitted: None,
                reviewer_id: None,
                comment: None,
                created: t,
                modified: t,
                resources_changed,
            })
            .await?;
        Ok(Arc::new(proposed))
    }

    /// The open revision of a dataset, for those who may edit it.
    pub async fn pending_revision(
        &self,
        viewer: &Viewer,
        id_or_name: &str,
    ) -> Result<Option<ReviewItem>> {
        let d = self.dataset_for_edit(viewer, id_or_name).await?;
        match self.store.open_revision(&d.id).await? {
            Some(r) => Ok(Some(self.review_item(r).await?)),
            None => Ok(None),
        }
    }

    /// Sends the dataset's open revision for review (its editors).
    pub async fn submit_revision(&self, actor: &Viewer, id_or_name: &str) -> Result<ReviewItem> {
        let d = self.dataset_for_edit(actor, id_or_name).await?;
        let r = self
            .store
            .open_revision(&d.id)
            .await?
            .ok_or_else(|| ActionError::not_found("pending changes of this dataset"))?;
        if r.state == "draft" {
            self.store
                .set_revision_state(&r.id, "draft", "submitted", None, None, now())
                .await?;
        }
        let r = self
            .store
            .open_revision(&d.id)
            .await?
            .ok_or_else(|| ActionError::not_found("pending changes of this dataset"))?;
        self.review_item(r).await
    }

    /// Approves or returns the submitted revision of a dataset (admins of
    /// the publisher, sysadmins). Approval saves the proposal; both notify
    /// the submitter by e-mail.
    pub async fn review_revision(
        &self,
        actor: &Viewer,
        id_or_name: &str,
        decision: Decision,
        comment: Option<&str>,
    ) -> Result<Arc<Dataset>> {
        let d = self.dataset_for_edit(actor, id_or_name).await?;
        if !actor.can_admin(&d.owner_org) {
            return Err(ActionError::denied(
                "only admins of the publisher review changes",
            ));
        }
        let comment = comment.map(str::trim).filter(|c| !c.is_empty());
        if let Some(c) = comment {
            let mut errors = misto_core::FieldErrors::new();
            misto_core::validate::text(&mut errors, "comment", c);
            errors.into_result()?;
        }
        if decision == Decision::Return && comment.is_none() {
            return Err(ActionError::invalid(
                "comment",
                "Say what to change when returning an edit",
            ));
        }
        let r = self
            .store
            .open_revision(&d.id)
            .await?
            .filter(|r| r.state == "submitted")
            .ok_or_else(|| ActionError::not_found("changes of this dataset waiting for review"))?;
        let reviewer = actor.user_id.as_deref().unwrap_or("system");
        let saved = match decision {
            Decision::Approve => {
                let proposed: Dataset = serde_json::from_value(r.proposed.clone())
                    .map_err(|e| ActionError::Internal(format!("revision {}: {e}", r.id)))?;
                // The change is the editor's: the activity names them.
                let author = Viewer {
                    user_id: Some(r.submitter_id.clone()),
                    user_name: None,
                    sysadmin: false,
                    roles: [(d.owner_org.clone(), Role::Editor)].into_iter().collect(),
                };
                let before = d.resources.clone();
                let saved = self
                    .modify_dataset(&author, &d.id, |current| {
                        let mut next = proposed.clone();
                        next.id = current.id.clone();
                        next.resources = if r.resources_changed {
                            approved_resources(&proposed.resources, &current.resources)
                        } else {
                            current.resources.clone()
                        };
                        next.metadata_created = current.metadata_created;
                        next.creator_user_id = current.creator_user_id.clone();
                        Ok(next)
                    })
                    .await?;
                if r.resources_changed {
                    // New and replaced files are validated (and tables
                    // loaded) as any saved resource.
                    for res in saved.active_resources() {
                        let same = before.iter().any(|b| {
                            b.id == res.id
                                && b.url == res.url
                                && b.blob_key == res.blob_key
                                && b.state == res.state
                        });
                        if !same {
                            self.resource_saved(&author, &saved, &res.id, "upload")
                                .await;
                            let previous_url = before
                                .iter()
                                .find(|b| b.id == res.id)
                                .map(|b| b.url.as_str());
                            self.datastore_after_save(Some(res), res.is_upload(), previous_url)
                                .await;
                        }
                    }
                }
                self.store
                    .set_revision_state(
                        &r.id,
                        "submitted",
                        "approved",
                        Some(reviewer),
                        comment,
                        now(),
                    )
                    .await?;
                saved
            }
            Decision::Return => {
                self.store
                    .set_revision_state(
                        &r.id,
                        "submitted",
                        "returned",
                        Some(reviewer),
                        comment,
                        now(),
                    )
                    .await?;
                if r.resources_changed
                    && let Ok(proposed) = serde_json::from_value::<Dataset>(r.proposed.clone())
                {
                    self.forget_proposed_files(&d, &proposed).await;
                }
                d.clone()
            }
        };
        self.notify_submitter(&r, &saved, decision, comment).await;
        Ok(saved)
    }

    /// A resource as `actor` would change it (what `resource_patch` merges
    /// onto): for an editor whose changes wait for review, as in the open
    /// proposal, a resource added there included; otherwise as saved.
    pub async fn resource_for_edit(
        &self,
        actor: &Viewer,
        resource_id: &str,
    ) -> Result<(Arc<Dataset>, Resource)> {
        let package_id = self.package_of_resource(resource_id).await?;
        let current = self.dataset_for_edit(actor, &package_id).await?;
        let find = |d: &Dataset| {
            d.resources
                .iter()
                .find(|r| r.id == resource_id)
                .cloned()
                .ok_or_else(|| ActionError::not_found("resource"))
        };
        if is_published(&current)
            && self.needs_review(actor, &current.owner_org).await?
            && let Some(r) = self
                .store
                .open_revision(&current.id)
                .await?
                .filter(|r| r.resources_changed)
        {
            let proposed = proposal_of(&r)?;
            let res = find(&proposed)?;
            return Ok((Arc::new(proposed), res));
        }
        let res = find(&current)?;
        Ok((current, res))
    }

    /// Deletes the files a returned proposal uploaded: the next change
    /// starts from the approved dataset, so nothing can point at them any
    /// more (files the dataset or a recorded version still uses stay).
    async fn forget_proposed_files(&self, current: &Dataset, proposed: &Dataset) {
        for key in proposed
            .resources
            .iter()
            .filter_map(|r| r.blob_key.as_deref())
        {
            if current
                .resources
                .iter()
                .any(|c| c.blob_key.as_deref() == Some(key))
            {
                continue;
            }
            match self.store.blob_key_in_use(key).await {
                Ok(false) => {
                    if let Err(e) = self.blobs.delete(key).await {
                        tracing::warn!(%key, "a returned proposal's file was not deleted: {e}");
                    }
                }
                Ok(true) => {}
                Err(e) => tracing::warn!(%key, "a returned proposal's file was kept: {e}"),
            }
        }
    }

    /// Submitted revisions the viewer may review, oldest first; optionally
    /// of one publisher.
    pub async fn review_queue(
        &self,
        viewer: &Viewer,
        publisher: Option<&str>,
    ) -> Result<Vec<ReviewItem>> {
        if viewer.is_anonymous() && !viewer.sysadmin {
            return Err(ActionError::denied("log in to see the review queue"));
        }
        let publisher_id = match publisher {
            Some(p) => Some(self.show_publisher(p)?.id),
            None => None,
        };
        if let Some(p) = &publisher_id
            && !viewer.can_admin(p)
        {
            return Err(ActionError::denied(
                "only admins of the publisher review changes",
            ));
        }
        let revisions = self
            .store
            .revisions_in_state("submitted", publisher_id.as_deref(), QUEUE_MAX)
            .await?;
        let mut out = Vec::new();
        for r in revisions {
            if viewer.can_admin(&r.publisher_id) {
                out.push(self.review_item(r).await?);
            }
        }
        Ok(out)
    }

    /// The viewer's own open and returned revisions (what an editor still
    /// has to submit or redo), newest first.
    pub async fn my_revisions(&self, viewer: &Viewer) -> Result<Vec<ReviewItem>> {
        let Some(me) = viewer.user_id.as_deref() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for state in ["draft", "submitted", "returned"] {
            for r in self
                .store
                .revisions_in_state(state, None, QUEUE_MAX)
                .await?
            {
                if r.submitter_id != me || !viewer.can_edit_in(&r.publisher_id) {
                    continue;
                }
                // A returned edit stays listed until a newer one is open.
                if state == "returned" && self.store.open_revision(&r.dataset_id).await?.is_some() {
                    continue;
                }
                out.push(self.review_item(r).await?);
            }
        }
        out.sort_by_key(|i| std::cmp::Reverse(i.revision.modified));
        Ok(out)
    }

    async fn review_item(&self, r: DatasetRevision) -> Result<ReviewItem> {
        let dataset = match self.catalog.read(|ix| ix.get(&r.dataset_id).cloned()) {
            Some(d) => d,
            None => Arc::new(
                self.store
                    .find_dataset(&r.dataset_id)
                    .await?
                    .ok_or_else(|| ActionError::not_found("dataset"))?,
            ),
        };
        let proposed: Dataset = serde_json::from_value(r.proposed.clone())
            .map_err(|e| ActionError::Internal(format!("revision {}: {e}", r.id)))?;
        let mut changes = crate::datasets::dataset_changes(&dataset, &r.proposed);
        changes.retain(|c| c["field"] != "resources" && c["field"] != "metadata_created");
        if r.resources_changed {
            changes.extend(resource_changes(&dataset.resources, &proposed.resources));
        }
        let submitter_name = self
            .store
            .find_user(&r.submitter_id)
            .await?
            .map(|u| u.fullname.filter(|f| !f.is_empty()).unwrap_or(u.name))
            .unwrap_or_default();
        Ok(ReviewItem {
            revision: r,
            dataset,
            proposed,
            changes,
            submitter_name,
        })
    }

    async fn notify_submitter(
        &self,
        r: &DatasetRevision,
        d: &Dataset,
        decision: Decision,
        comment: Option<&str>,
    ) {
        let Ok(Some(user)) = self.store.find_user(&r.submitter_id).await else {
            return;
        };
        if !misto_core::validate::is_valid_email(&user.email) {
            return;
        }
        let url = format!("{}/dataset/{}", self.config.site_url, d.name);
        let comment = comment.unwrap_or("");
        let (subject, uk, en) = match decision {
            Decision::Approve => (
                format!("Зміни до набору даних «{}» схвалено", d.title),
                format!(
                    "Ваші зміни до набору даних «{}» схвалено й опубліковано.",
                    d.title
                ),
                format!(
                    "Your changes to the dataset \"{}\" were approved and published.",
                    d.title
                ),
            ),
            Decision::Return => (
                format!(
                    "Зміни до набору даних «{}» повернуто на доопрацювання",
                    d.title
                ),
                format!(
                    "Ваші зміни до набору даних «{}» повернуто на доопрацювання.",
                    d.title
                ),
                format!(
                    "Your changes to the dataset \"{}\" were returned for rework.",
                    d.title
                ),
            ),
        };
        let email = Email {
            to: user.email.clone(),
            subject,
            text: format!(
                "Вітаємо!\n\n{uk}\nКоментар: {comment}\n\n{url}\n\n---\n\nHello,\n\n{en}\nComment: {comment}\n\n{url}\n"
            ),
        };
        if let Err(e) = self
            .queue_email(
                &email,
                &format!("review:{}:{}", r.id, decision_key(decision)),
            )
            .await
        {
            tracing::warn!(revision = %r.id, error = %e, "could not queue the review notice");
        }
    }
}

/// The proposed dataset of a revision.
fn proposal_of(r: &DatasetRevision) -> Result<Dataset> {
    serde_json::from_value(r.proposed.clone())
        .map_err(|e| ActionError::Internal(format!("revision {}: {e}", r.id)))
}

/// The resources an approval saves: the proposed ones, in their order,
/// keeping the system's extras (the datastore flag) of resources whose file
/// or link did not change.
fn approved_resources(proposed: &[Resource], current: &[Resource]) -> Vec<Resource> {
    let mut out: Vec<Resource> = proposed.to_vec();
    for (i, res) in out.iter_mut().enumerate() {
        res.position = i as i32;
        let kept = current
            .iter()
            .find(|c| c.id == res.id && c.url == res.url && c.blob_key == res.blob_key);
        if let Some(c) = kept
            && let Some(v) = c.extras.get(crate::datastore::ACTIVE_EXTRA)
        {
            res.extras
                .insert(crate::datastore::ACTIVE_EXTRA.into(), v.clone());
        }
    }
    out
}

/// A resource as a reviewer reads it: name, format and where it points.
fn resource_label(r: &Resource) -> String {
    let name = if r.name.trim().is_empty() {
        r.url.as_str()
    } else {
        r.name.as_str()
    };
    let kind = if r.is_upload() { "file" } else { "link" };
    let format = r.format.trim();
    if format.is_empty() {
        format!("{name} ({kind}: {})", r.url)
    } else {
        format!("{name} ({format}, {kind}: {})", r.url)
    }
}

/// `{"field": "resource", "old", "new"}` for every resource added (old
/// null), deleted (new null) or changed (its name, description, format,
/// file or link), and one `resource_order` entry when only the order moved.
pub(crate) fn resource_changes(
    current: &[Resource],
    proposed: &[Resource],
) -> Vec<serde_json::Value> {
    use serde_json::{Value, json};
    let active = |v: &[Resource]| -> Vec<Resource> {
        v.iter()
            .filter(|r| r.state == misto_core::EntityState::Active)
            .cloned()
            .collect()
    };
    let (current, proposed) = (active(current), active(proposed));
    let mut out = Vec::new();
    for c in &current {
        match proposed.iter().find(|p| p.id == c.id) {
            None => {
                out.push(json!({"field": "resource", "old": resource_label(c), "new": Value::Null}))
            }
            Some(p) => {
                let changed = p.url != c.url
                    || p.blob_key != c.blob_key
                    || p.name != c.name
                    || p.description != c.description
                    || p.format != c.format;
                if changed {
                    out.push(json!({"field": "resource", "old": resource_label(c), "new": resource_label(p)}));
                }
            }
        }
    }
    for p in &proposed {
        if !current.iter().any(|c| c.id == p.id) {
            out.push(json!({"field": "resource", "old": Value::Null, "new": resource_label(p)}));
        }
    }
    let order = |v: &[Resource], other: &[Resource]| -> Vec<String> {
        v.iter()
            .filter(|r| other.iter().any(|o| o.id == r.id))
            .map(|r| r.name.clone())
            .collect()
    };
    let (a, b) = (order(&current, &proposed), order(&proposed, &current));
    if a != b {
        out.push(json!({"field": "resource_order", "old": a, "new": b}));
    }
    out
}

fn decision_key(d: Decision) -> &'static str {
    match d {
        Decision::Approve => "approved",
        Decision::Return => "returned",
    }
}
