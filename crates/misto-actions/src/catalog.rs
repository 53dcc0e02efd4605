//! The in-memory catalog: every dataset's current version, publishers and
//! themes, indexed for search. Rebuilt incrementally from the store: each
//! write bumps the store's catalog version and stamps the dataset with it
//! (`seq`), so a refresh loads only what changed since the last one.
//!
//! Architecture Invariant: the catalog is a cache. Dropping it and loading
//! again from the store gives the same answers.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use misto_search::Index;
use misto_store::Store;

use crate::{ActionError, Result};

const BATCH: i64 = 1000;

pub struct Catalog {
    index: RwLock<Index>,
    applied_version: AtomicI64,
    applied_seq: AtomicI64,
    refresh_lock: tokio::sync::Mutex<()>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

impl Catalog {
    pub fn new() -> Self {
        Self {
            index: RwLock::new(Index::new()),
            applied_version: AtomicI64::new(-1),
            applied_seq: AtomicI64::new(0),
            refresh_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Runs `f` over the current index. `f` must be quick: writers wait.
    pub fn read<R>(&self, f: impl FnOnce(&Index) -> R) -> R {
        let guard = match self.index.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&guard)
    }

    /// The store's catalog version this cache reflects.
    pub fn version(&self) -> i64 {
        self.applied_version.load(Ordering::Acquire)
    }

    pub(crate) async fn refresh(&self, store: &Store) -> Result<()> {
        let _one_at_a_time = self.refresh_lock.lock().await;
        let version = store.catalog_version().await?;
        if version == self.applied_version.load(Ordering::Acquire) {
            return Ok(());
        }
        let publishers = store.list_publishers().await?;
        let groups = store.list_groups().await?;
        let mut since = self.applied_seq.load(Ordering::Acquire);
        let mut changed = Vec::new();
        loop {
            let batch = store.datasets_changed_since(since, BATCH).await?;
            let Some(last) = batch.last() else { break };
            since = last.seq;
            let full = batch.len() as i64 == BATCH;
            changed.extend(batch);
            if !full {
                break;
            }
        }
        {
            let mut index = self
                .index
                .write()
                .map_err(|_| ActionError::Internal("catalog lock poisoned".into()))?;
            index.set_publishers(publishers);
            index.set_groups(groups);
            for mut d in changed {
                compact(&mut d);
                index.upsert(Arc::new(d));
            }
        }
        self.applied_seq.store(since, Ordering::Release);
        self.applied_version
            .store(version.max(since), Ordering::Release);
        Ok(())
    }
}

/// Drops spare capacity: the catalog keeps every dataset for the life of the
/// process, and lists grown by pushing hold up to four times what they need.
fn compact(d: &mut misto_core::Dataset) {
    d.tags.shrink_to_fit();
    d.groups.shrink_to_fit();
    d.extras.shrink_to_fit();
    d.resources.shrink_to_fit();
    for r in &mut d.resources {
        r.name.shrink_to_fit();
        r.description.shrink_to_fit();
        r.url.shrink_to_fit();
    }
    d.notes.shrink_to_fit();
    d.title.shrink_to_fit();
}
