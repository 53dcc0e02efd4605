//! The portal's own content, kept by coordinators (sysadmins): news posts
//! with Markdown, a picture and links to datasets, and static pages
//! (methodological materials, regulations, "about") ordered in the site's
//! menus, with attachments. Drafts, unpublished pages and posts dated in
//! the future exist only for coordinators; everyone else gets "not found".

use misto_blobs::BlobReader;
use std::sync::Arc;

use misto_core::content::{Attachment, MenuPlace, NewsPost, Page, StoredImage, image_type};
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
        let mut errors = errors;
        errors.merge(misto_core::validate::text_fields(p));
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

/// The published pages as the menus show them, cached for a few seconds
/// (dropped at once on a change made through this process).
#[derive(Default)]
pub struct MenuCache {
    cached: std::sync::Mutex<Option<(std::time::Instant, Arc<Vec<Page>>)>>,
}

/// How long other processes' page changes may take to reach the menus.
const MENU_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl MenuCache {
    fn get(&self) -> Option<Arc<Vec<Page>>> {
        let c = self.cached.lock().ok()?;
        c.as_ref()
            .filter(|(t, _)| t.elapsed() < MENU_TTL)
            .map(|(_, p)| p.clone())
    }

    fn put(&self, pages: Arc<Vec<Page>>) {
        if let Ok(mut c) = self.cached.lock() {
            *c = Some((std::time::Instant::now(), pages));
        }
    }

    fn clear(&self) {
        if let Ok(mut c) = self.cached.lock() {
            *c = None;
        }
    }
}

/// The fields of a static page; `None` keeps what is there.
#[derive(Debug, Clone, Default)]
pub struct PageInput {
    pub name: Option<String>,
    pub title: Option<String>,
    pub title_en: Option<String>,
    pub body: Option<String>,
    pub body_en: Option<String>,
    /// `header`, `footer` or `none`.
    pub menu: Option<String>,
    pub position: Option<i64>,
    pub published: Option<bool>,
}

impl Portal {
    /// The published pages in menu order (cached briefly).
    pub async fn menu_pages(&self) -> Result<Arc<Vec<Page>>> {
        if let Some(p) = self.menu.get() {
            return Ok(p);
        }
        let pages = Arc::new(self.store.list_pages(true).await?);
        self.menu.put(pages.clone());
        Ok(pages)
    }

    /// Every page, drafts too, for coordinators.
    pub async fn list_pages(&self, viewer: &Viewer) -> Result<Vec<Page>> {
        Ok(self.store.list_pages(!viewer.sysadmin).await?)
    }

    /// A page by id or name; unpublished ones only for coordinators.
    pub async fn show_page(&self, viewer: &Viewer, id: &str) -> Result<Page> {
        self.store
            .find_page(id)
            .await?
            .filter(|p| p.published || viewer.sysadmin)
            .ok_or_else(|| ActionError::not_found("page"))
    }

    fn apply_page(p: &mut Page, input: PageInput, errors: &mut FieldErrors) {
        if let Some(t) = input.title {
            p.title = t.trim().to_string();
        }
        if !(1..=254).contains(&p.title.chars().count()) {
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
        if p.body.chars().count() > BODY_MAX {
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
        if let Some(m) = opt_text(input.menu) {
            match MenuPlace::parse(&m) {
                Some(v) => p.menu = v,
                None => errors.add("menu", "Must be one of: header, footer, none"),
            }
        }
        if let Some(pos) = input.position {
            p.position = pos;
        }
        if let Some(pb) = input.published {
            p.published = pb;
        }
    }

    /// A coordinator creates a static page.
    pub async fn create_page(&self, actor: &Viewer, input: PageInput) -> Result<Page> {
        Self::require_coordinator(actor, "edit pages")?;
        let t = now();
        let mut p = Page {
            id: new_id(),
            name: String::new(),
            title: String::new(),
            title_en: None,
            body: String::new(),
            body_en: None,
            menu: MenuPlace::Footer,
            position: 0,
            published: false,
            created: t,
            modified: t,
        };
        let mut errors = FieldErrors::new();
        Self::apply_page(&mut p, input, &mut errors);
        errors.merge(misto_core::validate::text_fields(&p));
        errors.into_result()?;
        self.store.save_page(&p).await?;
        self.menu.clear();
        Ok(p)
    }

    /// A coordinator changes a page; fields not given stay.
    pub async fn update_page(&self, actor: &Viewer, id: &str, input: PageInput) -> Result<Page> {
        Self::require_coordinator(actor, "edit pages")?;
        let mut p = self
            .store
            .find_page(id)
            .await?
            .ok_or_else(|| ActionError::not_found("page"))?;
        let mut errors = FieldErrors::new();
        Self::apply_page(&mut p, input, &mut errors);
        errors.merge(misto_core::validate::text_fields(&p));
        errors.into_result()?;
        p.modified = now();
        self.store.save_page(&p).await?;
        self.menu.clear();
        Ok(p)
    }

    /// A coordinator deletes a page and its attachments.
    pub async fn delete_page(&self, actor: &Viewer, id: &str) -> Result<()> {
        Self::require_coordinator(actor, "edit pages")?;
        let p = self
            .store
            .find_page(id)
            .await?
            .ok_or_else(|| ActionError::not_found("page"))?;
        let keys = self.store.delete_page(&p.id).await?;
        self.menu.clear();
        for k in keys {
            if let Err(e) = self.blobs.delete(&k).await {
                tracing::warn!(key = %k, error = %e, "could not remove a page attachment");
            }
        }
        Ok(())
    }

    /// The attachments of a page the viewer may read.
    pub async fn page_attachments(&self, viewer: &Viewer, page: &str) -> Result<Vec<Attachment>> {
        let p = self.show_page(viewer, page).await?;
        Ok(self.store.list_attachments(&p.id).await?)
    }

    /// A coordinator attaches an uploaded file to a page.
    pub async fn attach_to_page(
        &self,
        actor: &Viewer,
        page: &str,
        up: StagedUpload,
    ) -> Result<Attachment> {
        let found = match Self::require_coordinator(actor, "edit pages") {
            Ok(()) => self.store.find_page(page).await.map_err(ActionError::from),
            Err(e) => Err(e),
        };
        let p = match found {
            Ok(Some(p)) => p,
            other => {
                self.discard_upload(up).await;
                return Err(other
                    .err()
                    .unwrap_or_else(|| ActionError::not_found("page")));
            }
        };
        let a = Attachment {
            id: new_id(),
            page_id: p.id,
            file_name: up.file_name.clone(),
            blob_key: up.key.clone(),
            size: i64::try_from(up.size).unwrap_or(i64::MAX),
            media_type: up.mimetype.clone(),
            created: now(),
        };
        if let Err(e) = self.store.add_attachment(&a).await {
            self.discard_upload(up).await;
            return Err(e.into());
        }
        Ok(a)
    }

    /// A coordinator removes an attachment.
    pub async fn detach_from_page(&self, actor: &Viewer, page: &str, id: &str) -> Result<()> {
        Self::require_coordinator(actor, "edit pages")?;
        let p = self.show_page(actor, page).await?;
        let key = self
            .store
            .delete_attachment(&p.id, id)
            .await?
            .ok_or_else(|| ActionError::not_found("attachment"))?;
        if let Err(e) = self.blobs.delete(&key).await {
            tracing::warn!(key = %key, error = %e, "could not remove a page attachment");
        }
        Ok(())
    }

    /// Opens an attachment of a page the viewer may read.
    pub async fn open_attachment(
        &self,
        viewer: &Viewer,
        page: &str,
        id: &str,
    ) -> Result<(Attachment, BlobReader)> {
        let a = self
            .page_attachments(viewer, page)
            .await?
            .into_iter()
            .find(|a| a.id == id)
            .ok_or_else(|| ActionError::not_found("attachment"))?;
        let r = self.blobs.open(&a.blob_key).await?;
        Ok((a, r))
    }
}
