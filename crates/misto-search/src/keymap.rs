//! String key → slot maps that keep only a 64-bit hash of each key: the
//! key text already lives in the `Dataset` the slot holds, so it is checked
//! there instead of being stored a second time. Keys whose hash collides with
//! a different key go to a small exact overflow map.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

/// The keys are already hashes; hashing them again is wasted work.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct KeyMap {
    hasher: RandomState,
    primary: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    overflow: HashMap<Box<str>, u32>,
}

impl KeyMap {
    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    /// `is_key_of(slot, key)` tells whether the slot's record has that key.
    pub fn get(&self, key: &str, is_key_of: impl Fn(u32, &str) -> bool) -> Option<u32> {
        if !self.overflow.is_empty()
            && let Some(slot) = self.overflow.get(key)
        {
            return Some(*slot);
        }
        self.primary
            .get(&self.hash(key))
            .copied()
            .filter(|s| is_key_of(*s, key))
    }

    pub fn insert(&mut self, key: &str, slot: u32, is_key_of: impl Fn(u32, &str) -> bool) {
        let h = self.hash(key);
        match self.primary.get(&h) {
            Some(&s) if s != slot && !is_key_of(s, key) => {
                self.overflow.insert(key.into(), slot);
            }
            _ => {
                self.primary.insert(h, slot);
                if !self.overflow.is_empty() {
                    self.overflow.remove(key);
                }
            }
        }
    }

    /// Removes `key` if it maps to `slot`.
    pub fn remove(&mut self, key: &str, slot: u32) {
        if self.overflow.get(key) == Some(&slot) {
            self.overflow.remove(key);
            return;
        }
        let h = self.hash(key);
        if self.primary.get(&h) == Some(&slot) {
            self.primary.remove(&h);
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.primary.len() + self.overflow.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_against_records() {
        let records = ["alpha", "beta", "gamma"];
        let is_key_of = |s: u32, k: &str| records[s as usize] == k;
        let mut m = KeyMap::default();
        for (i, r) in records.iter().enumerate() {
            m.insert(r, i as u32, is_key_of);
        }
        assert_eq!(m.get("beta", is_key_of), Some(1));
        assert_eq!(m.get("delta", is_key_of), None);
        m.remove("beta", 0); // not its slot: kept
        assert_eq!(m.get("beta", is_key_of), Some(1));
        m.remove("beta", 1);
        assert_eq!(m.get("beta", is_key_of), None);
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn collisions_go_to_overflow() {
        // Force a collision by inserting a key under a slot whose record is a
        // different key with the same hash: simulate by claiming every hash
        // slot 0 belongs to "x".
        let records = ["x", "y"];
        let is_key_of = |s: u32, k: &str| records[s as usize] == k;
        let mut m = KeyMap::default();
        m.insert("x", 0, is_key_of);
        let h = m.hash("x");
        // Pretend "y" hashed like "x".
        m.primary.insert(h, 0);
        m.overflow.insert("y".into(), 1);
        assert_eq!(m.get("y", is_key_of), Some(1));
        assert_eq!(m.get("x", is_key_of), Some(0));
        m.remove("y", 1);
        assert_eq!(m.get("y", is_key_of), None);
        assert_eq!(m.get("x", is_key_of), Some(0));
    }
}
