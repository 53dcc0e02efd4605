//! Every use case of the portal, with its authorisation: creating and
//! changing datasets, resources, publishers, themes, users and tokens,
//! searching, downloading. The CKAN API, the HTML pages, the CLI and the
//! harvesters change state only through this crate.
//!
//! Reads are served from an in-memory [`catalog::Catalog`] (the search index
//! and the current version of every dataset), kept fresh by refreshing after
//! every write made here and by polling the store's catalog version for
//! writes made by other processes (CLI commands, other instances).
//!
//! This crate must not know HTTP or CKAN's JSON shapes, and must not write
//! SQL (that is `misto-store`).

pub mod accounts;
pub mod admin;
pub mod analytics;
pub mod catalog;
pub mod content;
pub mod dashboards;
pub mod datasets;
pub mod datastore;
pub mod engagement;
mod error;
pub mod harvest;
pub mod jobs;
pub mod linkcheck;
pub mod moderation;
pub mod monitoring;
pub mod publishers;
pub mod quality;
pub mod register;
pub mod reminders;
pub mod resolution835;
pub mod resources;
pub mod settings;
pub mod showcase;
pub mod subscriptions;
pub mod surveys;
pub mod timeliness;

use std::sync::Arc;
use std::time::Duration;

pub use error::ActionError;
pub use misto_blobs::BlobStore;
pub use misto_core::Viewer;
pub use misto_store::Store;

pub type Result<T, E = ActionError> = std::result::Result<T, E>;

/// Settings the actions need (a subset of the server's configuration).
#[derive(Debug, Clone)]
pub struct PortalConfig {
    /// Public base URL without trailing slash, e.g. `http://127.0.0.1:8080`.
    pub site_url: String,
    pub site_title: String,
    pub site_description: String,
    pub locale_default: String,
    /// Largest accepted upload in bytes.
    pub max_upload_bytes: u64,
    /// How often to look for changes made by other processes.
    pub catalog_poll: Duration,
    /// Secret for signing CSRF tokens (32+ bytes; sessions themselves live
    /// in the store). Every instance of one install must share it.
    pub session_key: Vec<u8>,
    /// How long a worker holds a job without reporting progress before
    /// another worker may take it over (its worker is presumed dead).
    pub job_lease: Duration,
    /// How often idle job workers look for work queued by other processes.
    pub job_poll: Duration,
    /// Folder with `templates/` and `static/` that override the built-in
    /// ones (operators theme the site without rebuilding).
    pub theme_dir: Option<std::path::PathBuf>,
    /// Datastore limits and the map tiles of resource pages.
    pub datastore: datastore::DatastoreConfig,
    /// Hosts inside the network that outbound requests (harvest, push,
    /// linked-file downloads, the link check) may reach
    /// (`MISTO_OUTBOUND_ALLOW`); every other loopback, private or
    /// link-local address is refused.
    pub outbound_allow: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (login
    /// throttling and the spam guard key on the client's address). Empty:
    /// the peer's address is the client's.
    pub trusted_proxies: Vec<misto_core::net::IpRange>,
}

impl Default for PortalConfig {
    fn default() -> Self {
        Self {
            site_url: "http://127.0.0.1:8080".into(),
            site_title: "Демо-місто: відкриті дані".into(),
            site_description: "Портал відкритих даних міської ради".into(),
            locale_default: "uk".into(),
            max_upload_bytes: 100 * 1024 * 1024,
            catalog_poll: Duration::from_secs(1),
            session_key: random_key(),
            job_lease: Duration::from_secs(60),
            job_poll: Duration::from_secs(1),
            theme_dir: None,
            datastore: datastore::DatastoreConfig::default(),
            outbound_allow: Vec::new(),
            trusted_proxies: Vec::new(),
        }
    }
}

/// Locks that serialize this process's read-modify-write saves of one
/// dataset. Entries live while someone holds or waits for them.
#[derive(Default)]
pub(crate) struct EditLocks {
    map: std::sync::Mutex<
        std::collections::HashMap<String, std::sync::Weak<tokio::sync::Mutex<()>>>,
    >,
}

impl EditLocks {
    pub(crate) fn of(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = map.get(key).and_then(std::sync::Weak::upgrade) {
            return lock;
        }
        map.retain(|_, w| w.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        map.insert(key.to_string(), Arc::downgrade(&lock));
        lock
    }
}

/// The portal: store, blobs and the in-memory catalog. Cheap to clone.
#[derive(Clone)]
pub struct Portal {
    pub(crate) store: Store,
    pub(crate) blobs: BlobStore,
    pub(crate) catalog: Arc<catalog::Catalog>,
    pub(crate) config: Arc<PortalConfig>,
    pub(crate) limiter: Arc<engagement::RateLimiter>,
    /// Wakes this process's job workers when work is queued here.
    pub(crate) jobs_wake: Arc<tokio::sync::Notify>,
    /// The site settings in force, and the catalog version they were read at.
    pub(crate) settings: Arc<std::sync::RwLock<Arc<misto_core::settings::SiteSettings>>>,
    pub(crate) settings_version: Arc<std::sync::atomic::AtomicI64>,
    /// The published static pages, for the site's menus.
    pub(crate) menu: Arc<content::MenuCache>,
    /// How many datastore SQL queries run at once.
    pub(crate) sql_gate: Arc<datastore::SqlGate>,
    /// One lock per dataset being changed by this process.
    pub(crate) edit_locks: Arc<EditLocks>,
    /// Usage counts not yet written to the store.
    pub(crate) usage: Arc<analytics::UsageCounter>,
    /// The Resolution 835 list in force (built-in or imported).
    pub(crate) r835: Arc<resolution835::ListCache>,
    /// The columnar engine: the datastore tables loaded from files.
    pub(crate) columnar: Arc<misto_columnar::Engine>,
}

impl Portal {
    /// Opens the portal over a migrated store and loads the catalog.
    pub async fn open(store: Store, blobs: BlobStore, config: PortalConfig) -> Result<Self> {
        let columnar = Arc::new(
            misto_columnar::Engine::new(blobs.object_store(), blobs.object_prefix())
                .map_err(|e| ActionError::Internal(e.to_string()))?,
        );
        let portal = Self {
            columnar,
            store,
            blobs,
            catalog: Arc::new(catalog::Catalog::new()),
            config: Arc::new(config),
            limiter: Arc::new(engagement::RateLimiter::default()),
            jobs_wake: Arc::new(tokio::sync::Notify::new()),
            settings: Arc::default(),
            settings_version: Arc::new(std::sync::atomic::AtomicI64::new(-1)),
            menu: Arc::new(content::MenuCache::default()),
            sql_gate: Arc::default(),
            edit_locks: Arc::default(),
            usage: Arc::default(),
            r835: Arc::default(),
        };
        portal.refresh().await?;
        Ok(portal)
    }

    pub fn config(&self) -> &PortalConfig {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    pub fn catalog(&self) -> &catalog::Catalog {
        &self.catalog
    }

    /// Applies every change committed since the last refresh.
    pub async fn refresh(&self) -> Result<()> {
        self.catalog.refresh(&self.store).await?;
        self.reload_settings().await?;
        self.reload_resolution835().await
    }

    /// Polls for changes made by other processes until the task is dropped.
    pub fn spawn_refresher(&self) -> tokio::task::JoinHandle<()> {
        let portal = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(portal.config.catalog_poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = portal.refresh().await {
                    tracing::warn!(error = %e, "catalog refresh failed");
                }
            }
        })
    }

    /// Readiness: the database answers.
    pub async fn ready(&self) -> Result<()> {
        self.store.ping().await.map_err(ActionError::from)
    }
}

/// 32 random bytes (a fresh session key for tests and one-off portals).
pub fn random_key() -> Vec<u8> {
    let mut key = vec![0u8; 32];
    if getrandom::fill(&mut key).is_err() {
        // No OS randomness: fall back to UUIDs, still unpredictable enough
        // for a throwaway key.
        key = uuid::Uuid::new_v4()
            .as_bytes()
            .iter()
            .chain(uuid::Uuid::new_v4().as_bytes())
            .copied()
            .collect();
    }
    key
}

/// Refuses a record that holds characters no text field may hold (C0
/// controls other than tab and line breaks, U+FFFE, U+FFFF), with a field
/// error per field ([`misto_core::validate::text_fields`]). Every write
/// action runs it on what it is about to store.
pub(crate) fn check_text<T: serde::Serialize + ?Sized>(record: &T) -> Result<()> {
    misto_core::validate::text_fields(record)
        .into_result()
        .map_err(ActionError::Validation)
}

/// Refuses anyone but a sysadmin, saying why.
pub(crate) fn require_sysadmin(viewer: &Viewer, why: &str) -> Result<()> {
    if viewer.sysadmin {
        Ok(())
    } else {
        Err(ActionError::denied(why))
    }
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
