//! The portal's own content, kept by coordinators (sysadmins): news posts
//! with Markdown, a picture and links to datasets. Drafts and posts dated
//! in the future exist only for coordinators; everyone else gets "not
//! found".

use misto_blobs::BlobReader;
use misto_core::content::{NewsPost, StoredImage, image_type};
use misto_core::names::{is_valid_name, slugify};
use misto_core::time::{now, parse_datetime};
use misto_core::{FieldErrors, Viewer};

use crate::resources::StagedUpload;
use crate::{ActionError, Portal, Result, new_id};

/// The fields of a post a coordinator sends; `None` keeps what is there
/// (on create: the default).
#[derive(Debug, Clone, Default)]
pub struct NewsInput {
    pub name: Option<String>,
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub body: Option<String>,
    pub body_en: Option<String>,
    /// Dataset ids or names.
    pub datasets: Option<Vec<String>>,
    pub published: Option<bool>,
    /// A date or date-time; the default is the moment of creation.
    pub publish_date: Option<String>,
    /// Drop the picture the post has.
    pub remove_image: bool,
}

/// Largest Markdown body of a post, in characters.
const BODY_MAX: usize = 100_000;

fn opt_text(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

impl Portal {
    fn require_coordinator(actor: &Viewer, what: &str) -> Result<()> {
        if actor.sysadmin {
            Ok(())
        } else {
            Err(ActionError::denied(format!("only coordinators {what}")))
        }
    }

    /// Checks an uploaded picture; refuses (and discards) anything but PNG,
    /// JPEG, GIF and WebP.
    pub(crate) async fn accept_image(
        &self,
        up: Option<StagedUpload>,
        errors: &mut FieldErrors,
    ) -> Option<StoredImage> {
        let up = up?;
        match image_type(&up.file_name) {
            Some(t) => Some(StoredImage {
                key: up.key,
                media_type: t.to_string(),
            }),
            None => {
                errors.add("image", "Must be a PNG, JPEG, GIF or WebP picture");
                self.discard_upload(up).await;
                None
            }
        }
    }

    fn apply_news(&self, p: &mut NewsPost, input: NewsInput, errors: &mut FieldErrors) {
        if let Some(t) = input.title {
            p.title = t.trim().to_string();
        }
        let n = p.title.chars().count();
        if !(1..=254).contains(&n) {
            errors.add("title", "Must be 1 to 254 characters");
        }
        if let Some(t) = input.title_en {
            p.title_en = opt_text(Some(t));
        }
        if let Some(b) = input.body {
            p.body = b.trim().to_string();
        }
        if let Some(b) = input.body_en {
            p.body_en = opt_text(Some(b));
        }
        if p.body.chars().count() > BODY_MAX
            || p.body_en
                .as_ref()
                .is_some_and(|b| b.chars().count() > BODY_MAX)
        {
            errors.add("body", format!("Must be at most {BODY_MAX} characters"));
        }
        match opt_text(input.name) {
            Some(n) => p.name = n,
            None if p.name.is_empty() => p.name = slugify(&p.title),
            None => {}
        }
        if !is_valid_name(&p.name) {
            errors.add(
                "name",
                "Must be 2 to 100 characters of lowercase latin letters, digits, - and _",
            );
        }
        if let Some(list) = input.datasets {
            let mut ids = Vec::new();
            for d in list.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
                match self.show_dataset(&Viewer::anonymous(), d) {
                    Ok(ds) if !ids.contains(&ds.id) => ids.push(ds.id.clone()),
                    Ok(_) => {}
                    Err(_) => errors.add("datasets", format!("No public dataset {d}")),
                }
            }
            p.datasets = ids;
        }
        if let Some(pd) = input.published {
            p.published = pd;
        }
        if let Some(d) = opt_text(input.publish_date) {
            match parse_datetime(&d) {
                Some(t) => p.publish_date = t,
                None => errors.add("publish_date", "Must be a date as YYYY-MM-DD"),
            }
        }
    }

    /// A coordinator writes a post (a draft unless `published`).
    pub async fn create_news(
        &self,
        actor: &Viewer,
        input: NewsInput,
        image: Option<StagedUpload>,
    ) -> Result<NewsPost> {
        if let Err(e) = Self::require_coordinator(actor, "write news") {
            if let Some(up) = image {
                self.discard_upload(up).await;
            }
            return Err(e);
        }
        let t = now();
        let mut p = NewsPost {
            id: new_id(),
            name: String::new(),
            title: String::new(),
            title_en: None,
            body: String::new(),
            body_en: None,
            image: None,
            datasets: vec![],
            published: false,
            publish_date: t,
            author: actor.user_name.clone(),
            created: t,
            modified: t,
        };
        let mut errors = FieldErrors::new();
        self.apply_news(&mut p, input, &mut errors);
        p.image = self.accept_image(image, &mut errors).await;
        self.save_news_or_discard(&p, errors, None).await?;
        Ok(p)
    }

    /// Saves a post; on any error the new picture is removed again, and on
    /// success the replaced one.
    async fn save_news_or_discard(
        &self,
        p: &NewsPost,
        errors: FieldErrors,
        old_image: Option<&StoredImage>,
    ) -> Result<()> {
        let new_image = p
            .image
            .as_ref()
            .filter(|i| old_image.is_none_or(|o| o.key != i.key));
        let result = match errors.into_result() {
            Ok(()) => self.store.save_news(p).await.map_err(ActionError::from),
            Err(e) => Err(ActionError::Validation(e)),
        };
        let drop_key = match (&result, new_image) {
            (Err(_), Some(i)) => Some(i.key.clone()),
            (Ok(()), _) => old_image
                .filter(|o| p.image.as_ref().is_none_or(|i| i.key != o.key))
                .map(|o| o.key.clone()),
            _ => None,
        };
        if let Some(k) = drop_key
            && let Err(e) = self.blobs.delete(&k).await
        {
            tracing::warn!(key = %k, error = %e, "could not remove a news picture");
        }
        result
    }

    /// A coordinator changes a post; fields not given stay as they are.
    pub async fn update_news(
        &self,
        actor: &Viewer,
        id: &str,
        input: NewsInput,
        image: Option<StagedUpload>,
    ) -> Result<NewsPost> {
        let found = match Self::require_coordinator(actor, "write news") {
            Ok(()) => self.store.find_news(id).await.map_err(ActionError::from),
            Err(e) => Err(e),
        };
        let mut p = match found {
            Ok(Some(p)) => p,
            Ok(None) | Err(_) => {
                if let Some(up) = image {
                    self.discard_upload(up).await;
                }
                return Err(found
                    .err()
                    .unwrap_or_else(|| ActionError::not_found("news post")));
            }
        };
        let old_image = p.image.clone();
        let remove = input.remove_image;
        let mut errors = FieldErrors::new();
        self.apply_news(&mut p, input, &mut errors);
        if remove {
            p.image = None;
        }
        if let Some(i) = self.accept_image(image, &mut errors).await {
            p.image = Some(i);
        }
        p.modified = now();
        self.save_news_or_discard(&p, errors, old_image.as_ref())
            .await?;
        Ok(p)
    }

    /// A coordinator deletes a post and its picture.
    pub async fn delete_news(&self, actor: &Viewer, id: &str) -> Result<()> {
        Self::require_coordinator(actor, "delete news")?;
        let p = self
            .store
            .find_news(id)
            .await?
            .ok_or_else(|| ActionError::not_found("news post"))?;
        self.store.delete_news(&p.id).await?;
        if let Some(i) = &p.image
            && let Err(e) = self.blobs.delete(&i.key).await
        {
            tracing::warn!(key = i.key, error = %e, "could not remove a news picture");
        }
        Ok(())
    }

    /// Posts newest first with their total: public ones, or with
    /// `include_drafts` (coordinators only) every post.
    pub async fn list_news(
        &self,
        viewer: &Viewer,
        include_drafts: bool,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<NewsPost>)> {
        let at = (!(include_drafts && viewer.sysadmin)).then(now);
        Ok(self.store.list_news(at, limit, offset).await?)
    }

    /// A post by id or name; drafts and future posts only for coordinators.
    pub async fn show_news(&self, viewer: &Viewer, id: &str) -> Result<NewsPost> {
        self.store
            .find_news(id)
            .await?
            .filter(|p| viewer.sysadmin || p.is_public(now()))
            .ok_or_else(|| ActionError::not_found("news post"))
    }

    /// The picture of a post the viewer may read, with its media type.
    pub async fn open_news_image(&self, viewer: &Viewer, id: &str) -> Result<(BlobReader, String)> {
        let p = self.show_news(viewer, id).await?;
        let img = p
            .image
            .ok_or_else(|| ActionError::not_found("news picture"))?;
        Ok((self.blobs.open(&img.key).await?, img.media_type))
    }
}
