//! The showcase: apps, services, chat-bots, visualisations, research and
//! articles built on the portal's data. Anyone submits (the spam guard of
//! [`crate::engagement`] applies: honeypot, rate limit); everything waits
//! for a coordinator's review except what coordinators add themselves.
//! Only approved items are public; they also appear on the pages of the
//! datasets they use.
//!
//! A submission may bring a picture, from anyone: at most
//! [`SHOWCASE_IMAGE_MAX`] bytes, and a PNG, JPEG or WebP file by its
//! content (the first bytes), whatever its name says. It is served (with
//! `nosniff`) only once the item is approved.

use misto_core::content::{SHOWCASE_KINDS, ShowcaseItem};
use misto_core::names::{is_valid_name, slugify};
use misto_core::time::now;
use misto_core::{FieldErrors, Moderation, Viewer};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use misto_core::content::StoredImage;

use crate::engagement::{Sender, check_sender};
use crate::resources::StagedUpload;
use crate::{ActionError, Portal, Result, new_id};

#[derive(Debug, Clone, Default)]
pub struct ShowcaseInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub title: String,
    pub description: String,
    pub url: String,
    /// Dataset ids or names.
    pub datasets: Vec<String>,
}

/// The largest picture a showcase item may have.
pub const SHOWCASE_IMAGE_MAX: u64 = 2 * 1024 * 1024;

/// The picture types a showcase item may have, by the file's first bytes.
pub fn sniff_image(head: &[u8]) -> Option<&'static str> {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if head.len() >= 12 && &head[..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

impl Portal {
    /// Streams the picture of a showcase submission into the blob store
    /// (anyone may; at most [`SHOWCASE_IMAGE_MAX`] bytes). Hand it to
    /// [`Portal::submit_showcase`], which checks its type, or drop it with
    /// [`Portal::discard_upload`].
    pub async fn stage_showcase_image<S, E>(&self, file_name: &str, body: S) -> Result<StagedUpload>
    where
        S: Stream<Item = std::result::Result<Bytes, E>>,
        E: std::fmt::Display,
    {
        let safe: String = file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            .take(80)
            .collect();
        let safe = if safe.trim_matches('.').is_empty() {
            "picture".to_string()
        } else {
            safe
        };
        let key = format!("showcase/{}/{safe}", new_id());
        let put = match self.blobs.put_stream(&key, body, SHOWCASE_IMAGE_MAX).await {
            Ok(p) => p,
            Err(misto_blobs::BlobError::TooLarge { .. }) => {
                return Err(ActionError::invalid(
                    "image",
                    format!(
                        "The picture must be at most {} MB",
                        SHOWCASE_IMAGE_MAX / 1024 / 1024
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(StagedUpload {
            key,
            file_name: safe,
            size: put.size,
            sha256: put.sha256,
            mimetype: None,
        })
    }

    /// The picture as stored, when its content is PNG, JPEG or WebP and
    /// its size within the limit; otherwise an error on `image` and the
    /// upload is dropped.
    async fn accept_showcase_image(
        &self,
        up: Option<StagedUpload>,
        errors: &mut FieldErrors,
    ) -> Option<StoredImage> {
        let up = up?;
        let mut head = Vec::new();
        if up.size <= SHOWCASE_IMAGE_MAX
            && let Ok(mut r) = self.blobs.open(&up.key).await
        {
            while head.len() < 16 {
                match r.stream.next().await {
                    Some(Ok(chunk)) => head.extend_from_slice(&chunk),
                    _ => break,
                }
            }
        }
        match sniff_image(&head).filter(|_| up.size > 0 && up.size <= SHOWCASE_IMAGE_MAX) {
            Some(t) => Some(StoredImage {
                key: up.key,
                media_type: t.to_string(),
            }),
            None => {
                errors.add("image", "The picture must be a PNG, JPEG or WebP file");
                self.discard_upload(up).await;
                None
            }
        }
    }

    /// Anyone submits an item, with a picture if they like; it waits for
    /// review (coordinators' own items are published at once).
    pub async fn submit_showcase(
        &self,
        actor: &Viewer,
        sender: Sender,
        input: ShowcaseInput,
        image: Option<StagedUpload>,
    ) -> Result<ShowcaseItem> {
        let mut errors = FieldErrors::new();
        check_sender(actor, &sender, &mut errors);
        let title = input.title.trim().to_string();
        if !(3..=254).contains(&title.chars().count()) {
            errors.add("title", "Must be 3 to 254 characters");
        }
        let description = input.description.trim().to_string();
        if !(10..=4000).contains(&description.chars().count()) {
            errors.add("description", "Must be 10 to 4000 characters");
        }
        let url = input.url.trim().to_string();
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://"))
            || url.len() > 2000
            || url.contains(char::is_whitespace)
        {
            errors.add("url", "Must be an http or https address");
        }
        let kind = input
            .kind
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| "app".into());
        if !SHOWCASE_KINDS.contains(&kind.as_str()) {
            errors.add(
                "kind",
                format!("Must be one of: {}", SHOWCASE_KINDS.join(", ")),
            );
        }
        let name = input
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                let base = slugify(&title);
                let base: String = base.chars().take(80).collect();
                format!("{}-{}", base.trim_end_matches('-'), &new_id()[..6])
            });
        if !is_valid_name(&name) {
            errors.add(
                "name",
                "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
            );
        }
        let mut datasets = Vec::new();
        for d in input
            .datasets
            .iter()
            .map(|d| d.trim())
            .filter(|d| !d.is_empty())
        {
            match self.show_dataset(&Viewer::anonymous(), d) {
                Ok(ds) if !datasets.contains(&ds.id) => datasets.push(ds.id.clone()),
                Ok(_) => {}
                Err(_) => errors.add("datasets", format!("No public dataset {d}")),
            }
        }
        if datasets.is_empty() && !errors.0.contains_key("datasets") {
            errors.add("datasets", "Name at least one dataset the work uses");
        }
        let image = self.accept_showcase_image(image, &mut errors).await;
        let drop_image = |me: &Self, image: Option<misto_core::content::StoredImage>| {
            let blobs = me.blobs.clone();
            async move {
                if let Some(i) = image
                    && let Err(e) = blobs.delete(&i.key).await
                {
                    tracing::warn!(key = %i.key, error = %e, "could not remove a showcase picture");
                }
            }
        };
        if let Err(e) = errors.into_result() {
            drop_image(self, image).await;
            return Err(e.into());
        }
        let bot = match self.guard(actor, &sender) {
            Ok(b) => b,
            Err(e) => {
                drop_image(self, image).await;
                return Err(e);
            }
        };
        let t = now();
        let item = ShowcaseItem {
            id: new_id(),
            name,
            kind,
            title,
            description,
            url,
            image: image.clone(),
            author_name: if sender.name.trim().is_empty() {
                actor.user_name.clone().unwrap_or_default()
            } else {
                sender.name.trim().to_string()
            },
            author_email: sender.email.trim().to_string(),
            moderation: if bot {
                Moderation::Spam
            } else if actor.sysadmin {
                Moderation::Approved
            } else {
                Moderation::Pending
            },
            datasets,
            created: t,
            modified: t,
        };
        if let Err(e) = crate::check_text(&item) {
            drop_image(self, image).await;
            return Err(e);
        }
        if let Err(e) = self.store.save_showcase(&item).await {
            drop_image(self, image).await;
            return Err(e.into());
        }
        Ok(item)
    }

    /// A coordinator approves an item or marks it as spam.
    pub async fn review_showcase(
        &self,
        actor: &Viewer,
        id: &str,
        moderation: &str,
    ) -> Result<ShowcaseItem> {
        if !actor.sysadmin {
            return Err(ActionError::denied("only coordinators review the showcase"));
        }
        let mut item = self
            .store
            .find_showcase(id)
            .await?
            .ok_or_else(|| ActionError::not_found("showcase item"))?;
        item.moderation = Moderation::parse(moderation.trim()).ok_or_else(|| {
            ActionError::invalid("moderation", "Must be one of: pending, approved, spam")
        })?;
        item.modified = now();
        self.store.save_showcase(&item).await?;
        Ok(item)
    }

    /// Approved items, newest first; coordinators may ask for another state.
    pub async fn list_showcase(
        &self,
        viewer: &Viewer,
        moderation: Option<Moderation>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<ShowcaseItem>> {
        let m = match moderation {
            Some(m) if viewer.sysadmin => Some(m),
            Some(m) if m != Moderation::Approved => {
                return Err(ActionError::denied(
                    "only coordinators see unreviewed items",
                ));
            }
            _ => Some(Moderation::Approved),
        };
        Ok(self.store.list_showcase(m, limit, offset).await?)
    }

    /// An item; unreviewed ones only for coordinators.
    pub async fn show_showcase(&self, viewer: &Viewer, id: &str) -> Result<ShowcaseItem> {
        self.store
            .find_showcase(id)
            .await?
            .filter(|s| viewer.sysadmin || s.moderation == Moderation::Approved)
            .ok_or_else(|| ActionError::not_found("showcase item"))
    }

    /// The approved items that use a dataset the viewer can see.
    pub async fn showcase_for_dataset(
        &self,
        viewer: &Viewer,
        dataset: &str,
    ) -> Result<Vec<ShowcaseItem>> {
        let d = self.show_dataset(viewer, dataset)?;
        Ok(self.store.list_showcase_for_dataset(&d.id).await?)
    }

    /// The picture of an item the viewer may see.
    pub async fn open_showcase_image(
        &self,
        viewer: &Viewer,
        id: &str,
    ) -> Result<(misto_blobs::BlobReader, String)> {
        let s = self.show_showcase(viewer, id).await?;
        let img = s
            .image
            .ok_or_else(|| ActionError::not_found("showcase picture"))?;
        Ok((self.blobs.open(&img.key).await?, img.media_type))
    }
}

#[cfg(test)]
mod tests {
    use super::sniff_image;

    #[test]
    fn pictures_are_known_by_their_first_bytes() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b"<svg xmlns="), None);
        assert_eq!(sniff_image(b"RIFF\x10\0\0\0WAVE"), None);
        assert_eq!(sniff_image(b""), None);
    }
}
