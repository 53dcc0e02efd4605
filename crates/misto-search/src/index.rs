//! The index structure and its maintenance (upsert, remove, lookups, lists).

use std::collections::HashMap;
use std::sync::Arc;

use misto_core::auth::can_read_dataset;
use misto_core::{Dataset, DatasetState, Group, Publisher, Viewer};

use crate::analysis::for_each_term;
use crate::bitset::BitSet;
use crate::keymap::KeyMap;

/// Where a term occurs, as bits of a posting (see [`pack`]).
pub(crate) mod mask {
    pub const NAME: u8 = 1;
    pub const TITLE: u8 = 1 << 1;
    pub const TAGS: u8 = 1 << 2;
    pub const NOTES: u8 = 1 << 3;
    /// Resource names, descriptions and formats.
    pub const RES: u8 = 1 << 4;
    /// Maintainer, author, Resolution 835 item.
    pub const OTHER: u8 = 1 << 5;
    pub const ALL: u8 = 0x3f;
}

/// Slots are dense `u32`s below 2^24 so that a posting fits in one `u32`:
/// slot (24 bits) | field mask (6 bits) | term frequency 1..=3 (2 bits).
pub(crate) const MAX_SLOTS: usize = 1 << 24;

pub(crate) fn pack(slot: u32, mask: u8, tf: u32) -> u32 {
    (slot << 8) | (u32::from(mask & mask::ALL) << 2) | tf.min(3)
}

pub(crate) fn posting_slot(p: u32) -> u32 {
    p >> 8
}

pub(crate) fn posting_mask(p: u32) -> u8 {
    ((p >> 2) & 0x3f) as u8
}

pub(crate) fn posting_tf(p: u32) -> u32 {
    p & 3
}

/// Keyword fields: exact values matched case-insensitively and faceted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Kw {
    Tag,
    /// Group id.
    Group,
    /// Publisher id (`owner_org`).
    Owner,
    ResFormat,
    License,
    Frequency,
    Language,
    State,
    Capacity,
    Res835,
}

pub(crate) const KW_FIELDS: usize = 10;

impl Kw {
    const ALL: [Kw; KW_FIELDS] = [
        Kw::Tag,
        Kw::Group,
        Kw::Owner,
        Kw::ResFormat,
        Kw::License,
        Kw::Frequency,
        Kw::Language,
        Kw::State,
        Kw::Capacity,
        Kw::Res835,
    ];
}

/// An entry's reference to a keyword: field (4 bits) | keyword id (28 bits),
/// so facet counting knows the field without touching the keyword.
pub(crate) fn kw_code(field: Kw, id: u32) -> u32 {
    debug_assert!(id < 1 << 28);
    ((field as u32) << 28) | id
}

pub(crate) fn code_field(code: u32) -> Kw {
    Kw::ALL[(code >> 28) as usize]
}

pub(crate) fn code_id(code: u32) -> u32 {
    code & ((1 << 28) - 1)
}

#[derive(Debug, Clone)]
pub(crate) struct Keyword {
    pub field: Kw,
    /// The value as the dataset has it (facets show it as is).
    pub raw: Box<str>,
    /// Slots, ascending.
    pub postings: Vec<u32>,
}

/// One dataset in its slot, with what searches need most often copied out of
/// the `Dataset` so that scanning and sorting do not chase the `Arc`.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub ds: Arc<Dataset>,
    pub modified: i64,
    pub created: i64,
    /// First bytes of id, name and lowercased title ([`prefix_key`]).
    pub id_key: u64,
    pub name_key: u64,
    pub title_key: u64,
    pub num_resources: u32,
    pub num_tags: u32,
    pub state: DatasetState,
    pub private: bool,
    /// Active, not private, and readable by the anonymous viewer: readable by
    /// every viewer, no need to ask `can_read_dataset` per search.
    pub public: bool,
    /// Keyword codes ([`kw_code`]), ascending.
    pub keywords: Box<[u32]>,
}

/// The first eight bytes of `s`, big-endian, zero-padded: comparing keys
/// orders strings like comparing the strings, except that equal keys need the
/// full comparison.
pub(crate) fn prefix_key(s: &str) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    u64::from_be_bytes(b)
}

/// [`prefix_key`] of the lowercased title (what `title_string` sorts by).
pub(crate) fn title_key(title: &str) -> u64 {
    let mut lower = String::with_capacity(16);
    for c in title.chars().flat_map(char::to_lowercase) {
        if lower.len() >= 8 {
            break;
        }
        lower.push(c);
    }
    prefix_key(&lower)
}

/// Terms of publishers and themes, for free text that names them.
#[derive(Debug, Clone, Default)]
pub(crate) struct NamedTerms {
    /// Sorted, distinct.
    pub terms: Vec<Box<str>>,
}

impl NamedTerms {
    fn of(parts: &[&str]) -> Self {
        let mut terms: Vec<Box<str>> = Vec::new();
        for p in parts {
            for_each_term(p, |t| terms.push(t.into()));
        }
        terms.sort();
        terms.dedup();
        Self { terms }
    }

    pub fn contains(&self, term: &str) -> bool {
        self.terms.binary_search_by(|t| (**t).cmp(term)).is_ok()
    }
}

/// The in-memory catalog index. See the crate documentation.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub(crate) slots: Vec<Option<Entry>>,
    free_slots: Vec<u32>,
    /// Slots whose entry is `public` (visible to every viewer in every search).
    public_slots: BitSet,
    /// Occupied slots that are not public: each search checks them one by one.
    restricted_slots: BitSet,
    len: usize,
    ids: KeyMap,
    names: KeyMap,
    resources: KeyMap,
    /// Interned analyzed terms → term id.
    pub(crate) terms: HashMap<Box<str>, u32>,
    /// Term id → packed postings, ascending by slot.
    pub(crate) postings: Vec<Vec<u32>>,
    free_terms: Vec<u32>,
    /// Per keyword field: lowercased value → keyword ids (one per spelling).
    pub(crate) kw_lookup: [HashMap<Box<str>, Vec<u32>>; KW_FIELDS],
    pub(crate) keywords: Vec<Keyword>,
    free_keywords: Vec<u32>,
    pub(crate) publishers: Vec<Publisher>,
    pub(crate) publisher_terms: Vec<NamedTerms>,
    publisher_by_id: HashMap<String, usize>,
    publisher_by_name: HashMap<String, usize>,
    pub(crate) groups: Vec<Group>,
    pub(crate) group_terms: Vec<NamedTerms>,
    group_by_id: HashMap<String, usize>,
    group_by_name: HashMap<String, usize>,
}

/// What indexing one dataset produces: its terms with field masks and
/// frequencies, and its keyword values.
struct DocTerms {
    terms: HashMap<String, (u8, u32)>,
}

fn doc_terms(ds: &Dataset) -> DocTerms {
    let mut terms: HashMap<String, (u8, u32)> = HashMap::new();
    let mut add = |text: &str, m: u8| {
        for_each_term(text, |t| {
            if let Some(e) = terms.get_mut(t) {
                e.0 |= m;
                e.1 += 1;
            } else {
                terms.insert(t.to_owned(), (m, 1));
            }
        });
    };
    add(&ds.name, mask::NAME);
    add(&ds.title, mask::TITLE);
    if let Some(t) = &ds.title_en {
        add(t, mask::TITLE);
    }
    for t in &ds.tags {
        add(t, mask::TAGS);
    }
    add(&ds.notes, mask::NOTES);
    if let Some(t) = &ds.notes_en {
        add(t, mask::NOTES);
    }
    for r in ds.active_resources() {
        add(&r.name, mask::RES);
        add(&r.description, mask::RES);
        add(&r.format, mask::RES);
    }
    for t in [&ds.maintainer, &ds.author, &ds.resolution_835_item]
        .into_iter()
        .flatten()
    {
        add(t, mask::OTHER);
    }
    DocTerms { terms }
}

/// The lookup key of a keyword value: lowercase, and for tags with every
/// apostrophe look-alike as U+02BC, the form tags are stored in, so that
/// `tags:здоров'я` finds a dataset tagged `здоровʼя`.
fn keyword_key(field: Kw, value: &str) -> String {
    let lower = value.to_lowercase();
    if field == Kw::Tag {
        misto_core::names::normalize_apostrophes(&lower).into_owned()
    } else {
        lower
    }
}

fn doc_keywords(ds: &Dataset) -> Vec<(Kw, &str)> {
    let mut v: Vec<(Kw, &str)> = Vec::new();
    v.extend(ds.tags.iter().map(|t| (Kw::Tag, t.as_str())));
    v.extend(ds.groups.iter().map(|g| (Kw::Group, g.as_str())));
    v.push((Kw::Owner, &ds.owner_org));
    v.extend(
        ds.active_resources()
            .filter(|r| !r.format.trim().is_empty())
            .map(|r| (Kw::ResFormat, r.format.trim())),
    );
    if !ds.license_id.is_empty() {
        v.push((Kw::License, &ds.license_id));
    }
    if let Some(f) = ds.update_frequency {
        v.push((Kw::Frequency, f.as_str()));
    }
    if !ds.language.is_empty() {
        v.push((Kw::Language, &ds.language));
    }
    v.push((Kw::State, ds.state.as_str()));
    v.push((Kw::Capacity, if ds.private { "private" } else { "public" }));
    if let Some(item) = &ds.resolution_835_item
        && !item.is_empty()
    {
        v.push((Kw::Res835, item));
    }
    v.sort_unstable_by(|a, b| (a.0 as u8, a.1).cmp(&(b.0 as u8, b.1)));
    v.dedup();
    v
}

/// Inserts keeping `v` ordered by `key`. Grows by a quarter rather than
/// doubling: postings lists are many and long-lived, so slack is memory.
fn sorted_insert(v: &mut Vec<u32>, x: u32, key: impl Fn(u32) -> u32) {
    if v.len() == v.capacity() {
        v.reserve_exact((v.len() / 4).max(2));
    }
    let k = key(x);
    match v.last() {
        Some(&last) if key(last) < k => v.push(x),
        None => v.push(x),
        _ => {
            let i = v.partition_point(|p| key(*p) < k);
            v.insert(i, x);
        }
    }
}

fn sorted_remove(v: &mut Vec<u32>, slot: u32, key: impl Fn(u32) -> u32) {
    let i = v.partition_point(|p| key(*p) < slot);
    if i < v.len() && key(v[i]) == slot {
        v.remove(i);
    }
}

impl Index {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces all publishers (used for the `organization` field, facet
    /// values and free text that names a publisher).
    pub fn set_publishers(&mut self, publishers: Vec<Publisher>) {
        self.publisher_terms = publishers
            .iter()
            .map(|p| {
                NamedTerms::of(&[&p.name, &p.title, p.title_en.as_deref().unwrap_or_default()])
            })
            .collect();
        self.publisher_by_id = publishers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        self.publisher_by_name = publishers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.to_lowercase(), i))
            .collect();
        self.publishers = publishers;
    }

    /// Replaces all themes (CKAN groups).
    pub fn set_groups(&mut self, groups: Vec<Group>) {
        self.group_terms = groups
            .iter()
            .map(|g| {
                NamedTerms::of(&[&g.name, &g.title, g.title_en.as_deref().unwrap_or_default()])
            })
            .collect();
        self.group_by_id = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.id.clone(), i))
            .collect();
        self.group_by_name = groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.name.to_lowercase(), i))
            .collect();
        self.groups = groups;
    }

    pub fn publishers(&self) -> &[Publisher] {
        &self.publishers
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub fn publisher(&self, id_or_name: &str) -> Option<&Publisher> {
        self.publisher_index(id_or_name)
            .map(|i| &self.publishers[i])
    }

    pub fn group(&self, id_or_name: &str) -> Option<&Group> {
        self.group_index(id_or_name).map(|i| &self.groups[i])
    }

    pub(crate) fn publisher_index(&self, id_or_name: &str) -> Option<usize> {
        self.publisher_by_id
            .get(id_or_name)
            .or_else(|| self.publisher_by_name.get(&id_or_name.to_lowercase()))
            .copied()
    }

    pub(crate) fn group_index(&self, id_or_name: &str) -> Option<usize> {
        self.group_by_id
            .get(id_or_name)
            .or_else(|| self.group_by_name.get(&id_or_name.to_lowercase()))
            .copied()
    }

    /// Datasets held, in every state.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn entry(&self, slot: u32) -> Option<&Entry> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    pub(crate) fn slot_of_id(&self, id: &str) -> Option<u32> {
        let slots = &self.slots;
        self.ids
            .get(id, |s, k| slot_ds(slots, s).is_some_and(|d| d.id == k))
    }

    pub(crate) fn slot_of_name(&self, name: &str) -> Option<u32> {
        let slots = &self.slots;
        self.names
            .get(name, |s, k| slot_ds(slots, s).is_some_and(|d| d.name == k))
    }

    pub(crate) fn slot_of_id_or_name(&self, id_or_name: &str) -> Option<u32> {
        self.slot_of_id(id_or_name)
            .or_else(|| self.slot_of_name(id_or_name))
    }

    /// A dataset by id or name, in any state (the caller checks access).
    pub fn get(&self, id_or_name: &str) -> Option<&Arc<Dataset>> {
        self.slot_of_id_or_name(id_or_name)
            .and_then(|s| self.entry(s))
            .map(|e| &e.ds)
    }

    /// The dataset holding a resource (active or deleted) with this id.
    pub fn dataset_for_resource(&self, resource_id: &str) -> Option<&Arc<Dataset>> {
        let slots = &self.slots;
        self.resources
            .get(resource_id, |s, k| {
                slot_ds(slots, s).is_some_and(|d| d.resources.iter().any(|r| r.id == k))
            })
            .and_then(|s| self.entry(s))
            .map(|e| &e.ds)
    }

    /// Inserts a dataset or replaces the one with the same id (renames,
    /// state changes and edits included). A replacement only touches the
    /// postings of terms and keywords that changed.
    pub fn upsert(&mut self, ds: Arc<Dataset>) {
        let (slot, old) = match self.slot_of_id(&ds.id) {
            Some(slot) => (slot, Some(self.take_entry(slot))),
            None => (self.alloc_slot(), None),
        };
        let keywords = self.update_postings(
            slot,
            old.as_ref().map(|e| (&*e.ds, &*e.keywords)),
            Some(&ds),
        );
        drop(old);
        let entry = Entry {
            modified: ds.metadata_modified.timestamp_micros(),
            created: ds.metadata_created.timestamp_micros(),
            id_key: prefix_key(&ds.id),
            name_key: prefix_key(&ds.name),
            title_key: title_key(&ds.title),
            num_resources: ds.active_resources().count() as u32,
            num_tags: ds.tags.len() as u32,
            state: ds.state,
            private: ds.private,
            public: ds.state == DatasetState::Active
                && !ds.private
                && can_read_dataset(&Viewer::anonymous(), &ds),
            keywords,
            ds,
        };
        self.put_entry(slot, entry);
    }

    /// Removes a dataset entirely (CKAN's purge); deletion is an upsert with
    /// state `deleted`.
    pub fn remove(&mut self, id: &str) -> Option<Arc<Dataset>> {
        let slot = self.slot_of_id(id)?;
        let old = self.take_entry(slot);
        self.update_postings(slot, Some((&old.ds, &old.keywords)), None);
        self.free_slots.push(slot);
        Some(old.ds)
    }

    fn alloc_slot(&mut self) -> u32 {
        if let Some(s) = self.free_slots.pop() {
            return s;
        }
        assert!(
            self.slots.len() < MAX_SLOTS,
            "misto-search holds at most 2^24 datasets"
        );
        self.slots.push(None);
        self.public_slots.grow(self.slots.len());
        self.restricted_slots.grow(self.slots.len());
        (self.slots.len() - 1) as u32
    }

    /// Takes the slot's entry out, with its id, name and resource keys; the
    /// postings stay for [`Self::update_postings`].
    fn take_entry(&mut self, slot: u32) -> Entry {
        let entry = self.slots[slot as usize].take().expect("occupied slot");
        self.len -= 1;
        self.public_slots.remove(slot as usize);
        self.restricted_slots.remove(slot as usize);
        let ds = &entry.ds;
        self.ids.remove(&ds.id, slot);
        self.names.remove(&ds.name, slot);
        for r in &ds.resources {
            self.resources.remove(&r.id, slot);
        }
        entry
    }

    fn put_entry(&mut self, slot: u32, entry: Entry) {
        if entry.public {
            self.public_slots.insert(slot as usize);
        } else {
            self.restricted_slots.insert(slot as usize);
        }
        self.slots[slot as usize] = Some(entry);
        self.len += 1;
        let slots = &self.slots;
        let ds = &slots[slot as usize].as_ref().expect("just set").ds;
        self.ids.insert(&ds.id, slot, |s, k| {
            slot_ds(slots, s).is_some_and(|d| d.id == k)
        });
        self.names.insert(&ds.name, slot, |s, k| {
            slot_ds(slots, s).is_some_and(|d| d.name == k)
        });
        for r in &ds.resources {
            self.resources.insert(&r.id, slot, |s, k| {
                slot_ds(slots, s).is_some_and(|d| d.resources.iter().any(|r| r.id == k))
            });
        }
    }

    /// Moves the slot's postings from the `old` dataset (with its keyword
    /// codes) to the `new` one: terms and keywords only in `old` lose the
    /// slot (and are forgotten when no dataset has them any more), those only
    /// in `new` gain it, shared terms get their field mask and frequency
    /// rewritten in place. Returns the new keyword codes.
    fn update_postings(
        &mut self,
        slot: u32,
        old: Option<(&Dataset, &[u32])>,
        new: Option<&Dataset>,
    ) -> Box<[u32]> {
        let old_terms = old.map(|(d, _)| doc_terms(d).terms).unwrap_or_default();
        let new_terms = new.map(|d| doc_terms(d).terms).unwrap_or_default();
        for term in old_terms.keys().filter(|t| !new_terms.contains_key(*t)) {
            let Some(&tid) = self.terms.get(term.as_str()) else {
                continue;
            };
            let list = &mut self.postings[tid as usize];
            sorted_remove(list, slot, posting_slot);
            if list.is_empty() {
                *list = Vec::new();
                self.terms.remove(term.as_str());
                self.free_terms.push(tid);
            }
        }
        for (term, (m, tf)) in new_terms {
            let posting = pack(slot, m, tf);
            if old_terms.contains_key(&term)
                && let Some(&tid) = self.terms.get(term.as_str())
            {
                let list = &mut self.postings[tid as usize];
                let i = list.partition_point(|p| posting_slot(*p) < slot);
                if i < list.len() && posting_slot(list[i]) == slot {
                    list[i] = posting;
                    continue;
                }
            }
            let tid = self.intern_term(term);
            sorted_insert(&mut self.postings[tid as usize], posting, posting_slot);
        }

        let mut codes: Vec<u32> = match new {
            Some(d) => doc_keywords(d)
                .into_iter()
                .map(|(field, raw)| kw_code(field, self.intern_keyword(field, raw)))
                .collect(),
            None => Vec::new(),
        };
        codes.sort_unstable();
        codes.dedup();
        let old_codes: &[u32] = old.map_or(&[], |(_, c)| c);
        for &code in old_codes.iter().filter(|c| codes.binary_search(c).is_err()) {
            self.drop_keyword_posting(code_id(code), slot);
        }
        for &code in codes.iter().filter(|c| old_codes.binary_search(c).is_err()) {
            sorted_insert(
                &mut self.keywords[code_id(code) as usize].postings,
                slot,
                |s| s,
            );
        }
        codes.into_boxed_slice()
    }

    fn intern_term(&mut self, term: String) -> u32 {
        if let Some(&t) = self.terms.get(term.as_str()) {
            return t;
        }
        let t = match self.free_terms.pop() {
            Some(t) => t,
            None => {
                self.postings.push(Vec::new());
                (self.postings.len() - 1) as u32
            }
        };
        self.terms.insert(term.into_boxed_str(), t);
        t
    }

    fn drop_keyword_posting(&mut self, k: u32, slot: u32) {
        let kw = &mut self.keywords[k as usize];
        sorted_remove(&mut kw.postings, slot, |s| s);
        if kw.postings.is_empty() {
            kw.postings = Vec::new();
            let field = kw.field as usize;
            let lower = keyword_key(kw.field, &kw.raw);
            if let Some(ids) = self.kw_lookup[field].get_mut(lower.as_str()) {
                ids.retain(|x| *x != k);
                if ids.is_empty() {
                    self.kw_lookup[field].remove(lower.as_str());
                }
            }
            kw.raw = "".into();
            self.free_keywords.push(k);
        }
    }

    fn intern_keyword(&mut self, field: Kw, raw: &str) -> u32 {
        let lower = keyword_key(field, raw);
        let map = &mut self.kw_lookup[field as usize];
        if let Some(ids) = map.get(lower.as_str())
            && let Some(&k) = ids
                .iter()
                .find(|k| &*self.keywords[**k as usize].raw == raw)
        {
            return k;
        }
        let kw = Keyword {
            field,
            raw: raw.into(),
            postings: Vec::new(),
        };
        let k = match self.free_keywords.pop() {
            Some(k) => {
                self.keywords[k as usize] = kw;
                k
            }
            None => {
                self.keywords.push(kw);
                (self.keywords.len() - 1) as u32
            }
        };
        map.entry(lower.into_boxed_str()).or_default().push(k);
        k
    }

    /// Keyword ids of `field` whose value equals `value` case-insensitively
    /// (and, for tags, whatever apostrophe either is written with).
    pub(crate) fn keyword_ids(&self, field: Kw, value: &str) -> &[u32] {
        self.kw_lookup[field as usize]
            .get(keyword_key(field, value).as_str())
            .map_or(&[], Vec::as_slice)
    }

    pub(crate) fn iter_entries(&self) -> impl Iterator<Item = (u32, &Entry)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.as_ref().map(|e| (i as u32, e)))
    }

    /// Whether a search with these flags may return the entry to the viewer:
    /// `can_read_dataset`, plus the caller's choice of private datasets,
    /// drafts and (sysadmins only) deleted ones.
    pub(crate) fn visible(
        e: &Entry,
        viewer: &Viewer,
        private: bool,
        drafts: bool,
        deleted: bool,
    ) -> bool {
        let state_ok = match e.state {
            DatasetState::Active => true,
            DatasetState::Draft => drafts,
            DatasetState::Deleted => deleted && viewer.sysadmin,
        };
        if !state_ok || (e.private && !private) {
            return false;
        }
        // What the anonymous viewer may read, everyone may read (checked in
        // debug builds by `visible_slots`).
        e.public || can_read_dataset(viewer, &e.ds)
    }

    /// The slots a search with these flags may return to the viewer.
    pub(crate) fn visible_slots(
        &self,
        viewer: &Viewer,
        private: bool,
        drafts: bool,
        deleted: bool,
    ) -> BitSet {
        let mut u = self.public_slots.clone();
        u.grow(self.slots.len());
        if cfg!(debug_assertions) {
            for s in self.public_slots.iter() {
                let e = self.entry(s as u32).expect("public slot is occupied");
                assert!(
                    e.public && can_read_dataset(viewer, &e.ds),
                    "public dataset unreadable"
                );
            }
        }
        for s in self.restricted_slots.iter() {
            if self
                .entry(s as u32)
                .is_some_and(|e| Self::visible(e, viewer, private, drafts, deleted))
            {
                u.insert(s);
            }
        }
        u
    }

    /// Active datasets the viewer may read (private ones included): the set
    /// `tag_list` and the package counts of publishers and themes work on.
    fn readable_active(&self, viewer: &Viewer) -> BitSet {
        self.visible_slots(viewer, true, false, false)
    }

    /// Keyword ids of a field with at least one posting in `set`, and how many.
    fn keyword_counts(&self, field: Kw, set: &BitSet) -> impl Iterator<Item = (&Keyword, usize)> {
        self.kw_lookup[field as usize]
            .values()
            .flatten()
            .filter_map(move |&k| {
                let kw = &self.keywords[k as usize];
                let n = kw
                    .postings
                    .iter()
                    .filter(|s| set.contains(**s as usize))
                    .count();
                (n > 0).then_some((kw, n))
            })
    }

    /// Names of active public datasets, ascending (CKAN's `package_list`).
    pub fn package_names(&self, limit: usize, offset: usize) -> Vec<String> {
        self.sorted_names(
            |e| e.state == DatasetState::Active && !e.private,
            limit,
            offset,
        )
    }

    /// [`Index::package_names`] with the choices of package_search: private
    /// datasets and drafts the viewer may read, deleted ones for sysadmins.
    pub fn package_names_visible(
        &self,
        viewer: &Viewer,
        (private, drafts, deleted): (bool, bool, bool),
        limit: usize,
        offset: usize,
    ) -> Vec<String> {
        self.sorted_names(
            |e| Self::visible(e, viewer, private, drafts, deleted),
            limit,
            offset,
        )
    }

    /// Names of the datasets `keep` accepts, ascending, one page of them.
    fn sorted_names(
        &self,
        keep: impl Fn(&Entry) -> bool,
        limit: usize,
        offset: usize,
    ) -> Vec<String> {
        let mut names: Vec<&str> = self
            .iter_entries()
            .filter(|(_, e)| keep(e))
            .map(|(_, e)| e.ds.name.as_str())
            .collect();
        names.sort_unstable();
        names
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(str::to_owned)
            .collect()
    }

    /// Distinct tags of the active datasets the viewer may read, sorted;
    /// `query` keeps tags containing it case-insensitively.
    pub fn tags(&self, viewer: &Viewer, query: Option<&str>) -> Vec<String> {
        let readable = self.readable_active(viewer);
        let needle = query
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(|q| keyword_key(Kw::Tag, q));
        let mut tags: Vec<String> = Vec::new();
        for (lower, ids) in &self.kw_lookup[Kw::Tag as usize] {
            if needle.as_ref().is_some_and(|n| !lower.contains(n.as_str())) {
                continue;
            }
            for &k in ids {
                let kw = &self.keywords[k as usize];
                if kw.postings.iter().any(|s| readable.contains(*s as usize)) {
                    tags.push(kw.raw.to_string());
                }
            }
        }
        tags.sort();
        tags.dedup();
        tags
    }

    /// Publisher id → number of active datasets the viewer may read.
    pub fn dataset_counts_by_publisher(&self, viewer: &Viewer) -> HashMap<String, usize> {
        self.count_keywords(viewer, Kw::Owner)
    }

    /// Group id → number of active datasets the viewer may read.
    pub fn dataset_counts_by_group(&self, viewer: &Viewer) -> HashMap<String, usize> {
        self.count_keywords(viewer, Kw::Group)
    }

    /// Raw keyword value → number of readable active datasets having it.
    fn count_keywords(&self, viewer: &Viewer, field: Kw) -> HashMap<String, usize> {
        let readable = self.readable_active(viewer);
        let mut out: HashMap<String, usize> = HashMap::new();
        for (kw, n) in self.keyword_counts(field, &readable) {
            *out.entry(kw.raw.to_string()).or_default() += n;
        }
        out
    }

    /// Display value of a facet keyword: publisher and group ids become names.
    pub(crate) fn facet_value<'a>(&'a self, kw: &'a Keyword) -> &'a str {
        match kw.field {
            Kw::Owner => self
                .publisher_by_id
                .get(&*kw.raw)
                .map_or(&kw.raw, |i| &self.publishers[*i].name),
            Kw::Group => self
                .group_by_id
                .get(&*kw.raw)
                .map_or(&kw.raw, |i| &self.groups[*i].name),
            _ => &kw.raw,
        }
    }
}

fn slot_ds(slots: &[Option<Entry>], s: u32) -> Option<&Dataset> {
    slots
        .get(s as usize)
        .and_then(Option::as_ref)
        .map(|e| &*e.ds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posting_packing() {
        for (slot, m, tf) in [
            (0, mask::TITLE, 1),
            (12345, mask::ALL, 7),
            (MAX_SLOTS as u32 - 1, 0, 2),
        ] {
            let p = pack(slot, m, tf);
            assert_eq!(posting_slot(p), slot);
            assert_eq!(posting_mask(p), m);
            assert_eq!(posting_tf(p), tf.min(3));
        }
    }

    #[test]
    fn prefix_keys_order_like_strings() {
        let words = [
            "",
            "a",
            "ab",
            "abcdefgh",
            "abcdefghi",
            "abcdefgz",
            "b",
            "ба",
            "бюджет міста",
            "бюджетні",
            "я",
        ];
        for a in words {
            for b in words {
                let (ka, kb) = (prefix_key(a), prefix_key(b));
                if ka != kb {
                    assert_eq!(ka.cmp(&kb), a.cmp(b), "{a:?} vs {b:?}");
                }
            }
        }
        assert_eq!(title_key("Бюджет"), prefix_key("бюдж"));
    }

    #[test]
    fn keyword_codes() {
        for (f, id) in [
            (Kw::Tag, 0),
            (Kw::Res835, (1 << 28) - 1),
            (Kw::Owner, 12345),
        ] {
            let c = kw_code(f, id);
            assert_eq!((code_field(c), code_id(c)), (f, id));
        }
    }

    #[test]
    fn sorted_vec_helpers() {
        let mut v = Vec::new();
        for x in [5, 1, 9, 3, 7] {
            sorted_insert(&mut v, x, |s| s);
        }
        assert_eq!(v, [1, 3, 5, 7, 9]);
        sorted_remove(&mut v, 5, |s| s);
        sorted_remove(&mut v, 4, |s| s);
        assert_eq!(v, [1, 3, 7, 9]);
    }
}
