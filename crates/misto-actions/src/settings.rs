//! Site settings (name, description, colours, logo, contact address):
//! read by every page, changed by sysadmins in the browser or through
//! `config_option_update`, picked up by every instance with the catalog.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use misto_core::settings::SiteSettings;
use misto_core::time::now;

use crate::{ActionError, Portal, Result, Viewer, new_id};

/// Why anyone but a sysadmin is refused the site settings.
const SYSADMINS_ONLY: &str = "only sysadmins change site settings";

/// Largest logo accepted.
pub const MAX_LOGO_BYTES: usize = 512 * 1024;

/// The media type of a logo file, from its first bytes; `None` for
/// anything that is not PNG, JPEG, WebP or SVG.
pub fn logo_type(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else if data.len() > 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        let head = String::from_utf8_lossy(&data[..data.len().min(1024)]).to_ascii_lowercase();
        (head.contains("<svg")).then_some("image/svg+xml")
    }
}

impl Portal {
    /// The settings in force: the saved ones, or defaults from the
    /// configuration before a sysadmin saves any.
    pub fn site_settings(&self) -> Arc<SiteSettings> {
        match self.settings.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn default_settings(&self) -> SiteSettings {
        SiteSettings {
            title: self.config.site_title.clone(),
            description: self.config.site_description.clone(),
            ..SiteSettings::default()
        }
    }

    /// Reloads the settings when the catalog version moved since the last
    /// load (settings saves bump it).
    pub(crate) async fn reload_settings(&self) -> Result<()> {
        let version = self.catalog.version();
        if self.settings_version.load(Ordering::Acquire) == version {
            return Ok(());
        }
        let loaded = self
            .store
            .site_settings()
            .await?
            .unwrap_or_else(|| self.default_settings());
        if let Ok(mut s) = self.settings.write() {
            *s = Arc::new(loaded);
        }
        self.settings_version.store(version, Ordering::Release);
        Ok(())
    }

    /// Replaces the texts, colours, contact address and territory (the logo is kept:
    /// see [`Portal::set_site_logo`]).
    pub async fn update_site_settings(
        &self,
        viewer: &Viewer,
        mut input: SiteSettings,
    ) -> Result<Arc<SiteSettings>> {
        crate::require_sysadmin(viewer, SYSADMINS_ONLY)?;
        let current = self.site_settings();
        input.logo_key = current.logo_key.clone();
        input.logo_type = current.logo_type.clone();
        for field in [
            &mut input.title,
            &mut input.title_en,
            &mut input.description,
            &mut input.description_en,
            &mut input.primary_color,
            &mut input.accent_color,
            &mut input.contact_email,
            &mut input.katottg,
            &mut input.place_name,
            &mut input.latitude,
            &mut input.longitude,
        ] {
            *field = field.trim().to_string();
        }
        input.katottg = input.katottg.to_ascii_uppercase();
        input.primary_color = input.primary_color.to_ascii_lowercase();
        input.accent_color = input.accent_color.to_ascii_lowercase();
        input.validate()?;
        crate::check_text(&input)?;
        self.store.save_site_settings(&input, now()).await?;
        self.refresh().await?;
        Ok(self.site_settings())
    }

    /// Stores a new logo (PNG, JPEG, WebP or SVG up to 512 KiB).
    pub async fn set_site_logo(&self, viewer: &Viewer, data: Bytes) -> Result<Arc<SiteSettings>> {
        crate::require_sysadmin(viewer, SYSADMINS_ONLY)?;
        if data.len() > MAX_LOGO_BYTES {
            return Err(ActionError::invalid(
                "logo",
                format!("The logo must be at most {} KiB", MAX_LOGO_BYTES / 1024),
            ));
        }
        let Some(media_type) = logo_type(&data) else {
            return Err(ActionError::invalid(
                "logo",
                "The logo must be a PNG, JPEG, WebP or SVG image",
            ));
        };
        let key = format!("site/logo-{}", new_id());
        self.blobs.put_bytes(&key, data).await?;
        let mut s = (*self.site_settings()).clone();
        s.logo_key = Some(key);
        s.logo_type = Some(media_type.to_string());
        self.store.save_site_settings(&s, now()).await?;
        self.refresh().await?;
        Ok(self.site_settings())
    }

    /// Goes back to the built-in logo.
    pub async fn remove_site_logo(&self, viewer: &Viewer) -> Result<Arc<SiteSettings>> {
        crate::require_sysadmin(viewer, SYSADMINS_ONLY)?;
        let mut s = (*self.site_settings()).clone();
        s.logo_key = None;
        s.logo_type = None;
        self.store.save_site_settings(&s, now()).await?;
        self.refresh().await?;
        Ok(self.site_settings())
    }

    /// The uploaded logo and its media type, if there is one.
    pub async fn site_logo(&self) -> Result<Option<(Vec<u8>, String)>> {
        let s = self.site_settings();
        let (Some(key), Some(media_type)) = (&s.logo_key, &s.logo_type) else {
            return Ok(None);
        };
        let data = self.blobs.read_all(key).await?;
        Ok(Some((data, media_type.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::system_viewer;

    async fn portal() -> Portal {
        let store = misto_store::testing::fresh_store().await;
        let dir = std::env::temp_dir().join(format!("misto-settings-{}", new_id()));
        let blobs = crate::BlobStore::local(dir).await.unwrap();
        Portal::open(store, blobs, crate::PortalConfig::default())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn sysadmins_change_settings_others_may_not() {
        let portal = portal().await;
        assert_eq!(portal.site_settings().title, portal.config().site_title);
        let input = SiteSettings {
            title: " Відкритий Житомир ".into(),
            primary_color: "#0B5394".into(),
            ..SiteSettings::default()
        };
        let err = portal
            .update_site_settings(&Viewer::anonymous(), input.clone())
            .await
            .unwrap_err();
        assert!(matches!(err, ActionError::NotAuthorized(_)));
        let s = portal
            .update_site_settings(&system_viewer(), input)
            .await
            .unwrap();
        assert_eq!(
            (s.title.as_str(), s.primary_color.as_str()),
            ("Відкритий Житомир", "#0b5394")
        );
        let bad = SiteSettings {
            title: "x".into(),
            primary_color: "#eeeeee".into(),
            ..SiteSettings::default()
        };
        assert!(matches!(
            portal.update_site_settings(&system_viewer(), bad).await,
            Err(ActionError::Validation(_))
        ));
    }

    #[tokio::test]
    async fn logos_are_checked_stored_and_survive_text_changes() {
        let portal = portal().await;
        let sys = system_viewer();
        let err = portal
            .set_site_logo(&sys, Bytes::from_static(b"MZ\x90\x00 not an image"))
            .await
            .unwrap_err();
        assert!(matches!(err, ActionError::Validation(_)));
        let svg = Bytes::from_static(b"<svg xmlns='http://www.w3.org/2000/svg'/>");
        portal.set_site_logo(&sys, svg.clone()).await.unwrap();
        let keep = SiteSettings {
            title: "Місто".into(),
            ..SiteSettings::default()
        };
        portal.update_site_settings(&sys, keep).await.unwrap();
        let (data, media_type) = portal.site_logo().await.unwrap().unwrap();
        assert_eq!(
            (data.as_slice(), media_type.as_str()),
            (&svg[..], "image/svg+xml")
        );
        portal.remove_site_logo(&sys).await.unwrap();
        assert!(portal.site_logo().await.unwrap().is_none());
    }
}
