//! A small cache of serialized `package_show` responses. A dataset page or
//! an API client asking for the same dataset again gets the bytes built the
//! first time. Entries are keyed by the catalog version (any write anywhere
//! invalidates them) and the current second (so that `overdue` is exact).
//! Visibility is checked before the cache is consulted, and the response is
//! the same for everyone who may read the dataset.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

const MAX_ENTRIES: usize = 1024;

#[derive(Default)]
pub struct ShowCache {
    entries: Mutex<HashMap<String, (i64, i64, Bytes)>>,
}

impl ShowCache {
    pub fn get(&self, id: &str, version: i64, second: i64) -> Option<Bytes> {
        let map = self.entries.lock().ok()?;
        match map.get(id) {
            Some((v, s, body)) if *v == version && *s == second => Some(body.clone()),
            _ => None,
        }
    }

    pub fn put(&self, id: &str, version: i64, second: i64, body: Bytes) {
        if let Ok(mut map) = self.entries.lock() {
            if map.len() >= MAX_ENTRIES && !map.contains_key(id) {
                map.clear();
            }
            map.insert(id.to_string(), (version, second, body));
        }
    }
}
