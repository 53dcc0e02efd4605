//! The one row of site settings.

use misto_core::Timestamp;
use misto_core::settings::SiteSettings;
use misto_core::time::to_micros;

use crate::{Result, Store, StoreError};

impl Store {
    /// The saved settings, or `None` before a sysadmin first saves them.
    pub async fn site_settings(&self) -> Result<Option<SiteSettings>> {
        let body = read!(self, |pool| {
            sqlx::query_scalar::<_, String>("SELECT body FROM site_settings WHERE id = 1")
                .fetch_optional(pool)
                .await?
        });
        body.map(|b| {
            serde_json::from_str(&b).map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))
        })
        .transpose()
    }

    /// Saves the settings and bumps the catalog version, so every instance
    /// reloads them with its next catalog refresh.
    pub async fn save_site_settings(&self, s: &SiteSettings, now: Timestamp) -> Result<()> {
        let body = serde_json::to_string(s)
            .map_err(|e| StoreError::Corrupt(format!("site settings: {e}")))?;
        let now = to_micros(&now);
        write_tx!(self, |tx| {
            bump_version!(tx);
            sqlx::query(
                "INSERT INTO site_settings (id, body, modified) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, modified = excluded.modified",
            )
            .bind(body.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fresh_store;

    #[tokio::test]
    async fn settings_round_trip_and_bump_the_version() {
        let store = fresh_store().await;
        assert!(store.site_settings().await.unwrap().is_none());
        let v = store.catalog_version().await.unwrap();
        let s = SiteSettings {
            title: "Місто".into(),
            primary_color: "#0b5394".into(),
            ..SiteSettings::default()
        };
        store
            .save_site_settings(&s, misto_core::time::now())
            .await
            .unwrap();
        assert_eq!(store.site_settings().await.unwrap(), Some(s));
        assert!(store.catalog_version().await.unwrap() > v);
    }
}
