//! Resources: files and links of datasets, uploads and downloads.
//!
//! An upload is first streamed into the blob store under a fresh key (never
//! overwriting an earlier version), and only then is the resource saved to
//! the database. A crash in between leaves an unreferenced blob, never a
//! resource pointing at a missing or partial file.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::Stream;
use misto_blobs::BlobReader;
use misto_core::auth::can_read_dataset;
use misto_core::formats::{guess, sanitize_file_name};
use misto_core::time::now;
use misto_core::{Dataset, FieldErrors, Resource, Viewer};

use crate::datasets::ResourceInput;
use crate::{ActionError, Portal, Result, new_id};

/// A file stored in the blob store, not yet attached to a resource.
#[derive(Debug, Clone)]
pub struct StagedUpload {
    pub key: String,
    pub file_name: String,
    pub size: u64,
    pub sha256: String,
    pub mimetype: Option<String>,
}

impl Portal {
    /// Streams an upload into the blob store. Callers must attach it with
    /// [`Portal::create_resource`] / [`Portal::update_resource`] or drop it
    /// with [`Portal::discard_upload`].
    pub async fn stage_upload<S, E>(
        &self,
        actor: &Viewer,
        file_name: &str,
        declared_type: Option<&str>,
        body: S,
    ) -> Result<StagedUpload>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        if actor.is_anonymous() && !actor.sysadmin {
            return Err(ActionError::denied("log in to upload files"));
        }
        let file_name = sanitize_file_name(file_name);
        let key = format!("uploads/{}/{}", new_id(), safe_key_segment(&file_name));
        let put = self
            .blobs
            .put_stream(&key, body, self.config.max_upload_bytes)
            .await?;
        let mimetype = guess(&file_name)
            .map(|g| g.1.to_string())
            .or_else(|| declared_type.filter(|t| !t.is_empty()).map(str::to_string));
        Ok(StagedUpload {
            key,
            file_name,
            size: put.size,
            sha256: put.sha256,
            mimetype,
        })
    }

    pub async fn discard_upload(&self, upload: StagedUpload) {
        if let Err(e) = self.blobs.delete(&upload.key).await {
            tracing::warn!(key = upload.key, error = %e, "could not remove discarded upload");
        }
    }

    pub(crate) fn attach_upload(res: &mut Resource, up: &StagedUpload) {
        res.url = up.file_name.clone();
        res.url_type = Some("upload".into());
        res.blob_key = Some(up.key.clone());
        res.size = Some(up.size as i64);
        res.hash = Some(up.sha256.clone());
        res.last_modified = Some(now());
        if res.mimetype.is_none() {
            res.mimetype = up.mimetype.clone();
        }
        if res.format.is_empty()
            && let Some((fmt, _)) = guess(&up.file_name)
        {
            res.format = fmt.to_string();
        }
        if res.name.is_empty() {
            res.name = up.file_name.clone();
        }
    }

    /// Adds a resource (link or upload) at the end of a dataset.
    pub async fn create_resource(
        &self,
        actor: &Viewer,
        package_id: &str,
        input: ResourceInput,
        upload: Option<StagedUpload>,
    ) -> Result<(Arc<Dataset>, String)> {
        let outcome = self
            .create_resource_inner(actor, package_id, input, upload.as_ref())
            .await;
        // A change waiting for review is validated once approved.
        if let Ok((d, rid, false)) = &outcome {
            self.resource_saved(actor, d, rid, "upload").await;
            self.datastore_after_save(
                d.resources.iter().find(|r| &r.id == rid),
                upload.is_some(),
                None,
            )
            .await;
        }
        if outcome.is_err()
            && let Some(up) = upload
        {
            self.discard_upload(up).await;
        }
        outcome.map(|(d, rid, _)| (d, rid))
    }

    async fn create_resource_inner(
        &self,
        actor: &Viewer,
        package_id: &str,
        input: ResourceInput,
        upload: Option<&StagedUpload>,
    ) -> Result<(Arc<Dataset>, String, bool)> {
        if package_id.is_empty() {
            return Err(ActionError::missing("package_id"));
        }
        if upload.is_none() && input.url.as_deref().is_none_or(|u| u.trim().is_empty()) {
            return Err(ActionError::invalid(
                "url",
                "Missing value: give a url or upload a file",
            ));
        }
        let mut input = input;
        let rid = self
            .wanted_id(actor, input.id.take(), |rid| {
                self.catalog
                    .read(|ix| ix.dataset_for_resource(rid).is_some())
            })
            .map_err(|msg| ActionError::invalid("id", msg))?;
        input.id = Some(rid.clone());
        let (saved, pending) = self
            .modify_resources(actor, package_id, |current| {
                let position = current.resources.len() as i32;
                let mut res =
                    self.build_resource(&current.id, input.clone(), None, position, now())?;
                if let Some(up) = upload {
                    Self::attach_upload(&mut res, up);
                }
                let mut d = current.clone();
                d.resources.push(res);
                Ok(d)
            })
            .await?;
        Ok((saved, rid, pending))
    }

    /// Replaces a resource's fields (CKAN resource_update); with an upload,
    /// the file too. The previous file stays in the blob store.
    pub async fn update_resource(
        &self,
        actor: &Viewer,
        resource_id: &str,
        input: ResourceInput,
        upload: Option<StagedUpload>,
    ) -> Result<Arc<Dataset>> {
        let previous_url = self
            .show_resource(&crate::accounts::system_viewer(), resource_id)
            .ok()
            .map(|(_, r)| r.url.clone());
        let outcome = self
            .update_resource_inner(actor, resource_id, input, upload.as_ref())
            .await;
        if let Ok((d, false)) = &outcome {
            self.resource_saved(actor, d, resource_id, "upload").await;
            self.datastore_after_save(
                d.resources.iter().find(|r| r.id == resource_id),
                upload.is_some(),
                previous_url.as_deref(),
            )
            .await;
        }
        if outcome.is_err()
            && let Some(up) = upload
        {
            self.discard_upload(up).await;
        }
        outcome.map(|(d, _)| d)
    }

    async fn update_resource_inner(
        &self,
        actor: &Viewer,
        resource_id: &str,
        input: ResourceInput,
        upload: Option<&StagedUpload>,
    ) -> Result<(Arc<Dataset>, bool)> {
        let package_id = self.package_of_resource(resource_id).await?;
        self.modify_resources(actor, &package_id, |current| {
            let Some(pos) = current.resources.iter().position(|r| r.id == resource_id) else {
                return Err(ActionError::not_found("resource"));
            };
            let existing = &current.resources[pos];
            let mut res = self.build_resource(
                &current.id,
                input.clone(),
                Some(existing),
                pos as i32,
                now(),
            )?;
            if let Some(up) = upload {
                Self::attach_upload(&mut res, up);
            }
            let mut d = current.clone();
            d.resources[pos] = res;
            Ok(d)
        })
        .await
    }

    pub async fn delete_resource(&self, actor: &Viewer, resource_id: &str) -> Result<()> {
        let package_id = self.package_of_resource(resource_id).await?;
        self.modify_resources(actor, &package_id, |current| {
            let mut d = current.clone();
            let before = d.resources.len();
            d.resources.retain(|r| r.id != resource_id);
            if d.resources.len() == before {
                return Err(ActionError::not_found("resource"));
            }
            for (i, r) in d.resources.iter_mut().enumerate() {
                r.position = i as i32;
            }
            Ok(d)
        })
        .await?;
        Ok(())
    }

    /// Puts a dataset's resources in the given order (CKAN package_resource_reorder).
    pub async fn reorder_resources(
        &self,
        actor: &Viewer,
        package_id: &str,
        order: &[String],
    ) -> Result<Arc<Dataset>> {
        self.modify_resources(actor, package_id, |current| {
            let mut d = current.clone();
            let mut errors = FieldErrors::new();
            for id in order {
                if !d.resources.iter().any(|r| &r.id == id) {
                    errors.add("order", format!("Resource {id} is not in this dataset"));
                }
            }
            errors.into_result()?;
            d.resources
                .sort_by_key(|r| order.iter().position(|o| o == &r.id).unwrap_or(usize::MAX));
            for (i, r) in d.resources.iter_mut().enumerate() {
                r.position = i as i32;
            }
            Ok(d)
        })
        .await
        .map(|(d, _)| d)
    }

    pub(crate) async fn package_of_resource(&self, resource_id: &str) -> Result<String> {
        if resource_id.is_empty() {
            return Err(ActionError::missing("id"));
        }
        if let Some(id) = self.store.find_dataset_id_by_resource(resource_id).await? {
            return Ok(id);
        }
        // A resource added in a change still waiting for review.
        self.store
            .find_dataset_id_by_proposed_resource(resource_id)
            .await?
            .ok_or_else(|| ActionError::not_found("resource"))
    }

    /// A resource with its dataset, for those who may read the dataset.
    pub fn show_resource(
        &self,
        viewer: &Viewer,
        resource_id: &str,
    ) -> Result<(Arc<Dataset>, Resource)> {
        let d = self
            .catalog
            .read(|ix| ix.dataset_for_resource(resource_id).cloned())
            .filter(|d| can_read_dataset(viewer, d))
            .ok_or_else(|| ActionError::not_found("resource"))?;
        let r = d
            .resources
            .iter()
            .find(|r| r.id == resource_id)
            .cloned()
            .ok_or_else(|| ActionError::not_found("resource"))?;
        Ok((d, r))
    }

    /// Opens an uploaded file for download, checking that the viewer may read
    /// its dataset. `dataset` may be the dataset's id or name.
    pub async fn open_download(
        &self,
        viewer: &Viewer,
        dataset: &str,
        resource_id: &str,
    ) -> Result<(Resource, BlobReader)> {
        let (d, r) = self.show_resource(viewer, resource_id)?;
        if d.id != dataset && d.name != dataset {
            return Err(ActionError::not_found("resource"));
        }
        let key = r
            .blob_key
            .clone()
            .filter(|_| r.is_upload())
            .ok_or_else(|| ActionError::not_found("file"))?;
        let reader = self.blobs.open(&key).await?;
        Ok((r, reader))
    }
}

/// Blob keys allow only a safe ASCII subset; keep the extension readable.
pub(crate) fn safe_key_segment(file_name: &str) -> String {
    let s: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "file".into()
    } else {
        s.chars().take(120).collect()
    }
}
