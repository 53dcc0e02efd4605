//! `package_search`: candidates, query evaluation over bitsets, scoring,
//! facets, sorting and paging.

use std::cmp::Ordering;
use std::collections::HashMap;

use misto_core::{Timestamp, UpdateFrequency, Viewer};

use crate::analysis::for_each_term;
use crate::bitset::BitSet;
use crate::index::{
    Entry, KW_FIELDS, Kw, code_field, code_id, mask, posting_mask, posting_slot, posting_tf,
};
use crate::query::{self, DateBound, Field, Kind, Node, Range, Value};
use crate::{Index, SearchError, SearchQuery, SearchResult};

/// What a search may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Score,
    MetadataModified,
    MetadataCreated,
    Name,
    /// `title_string` (and `title`): the title, case-insensitively.
    Title,
    Id,
}

/// A parsed `sort` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortSpec {
    /// Keys with `true` for descending.
    pub keys: Vec<(SortKey, bool)>,
    /// The normalized string CKAN echoes back.
    pub echo: String,
}

pub const DEFAULT_SORT: &str = "score desc, metadata_modified desc";

impl SortSpec {
    /// Parses `field [asc|desc], …`; `None` or blank gives CKAN's default.
    pub fn parse(sort: Option<&str>) -> Result<SortSpec, SearchError> {
        let s = sort
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_SORT);
        let invalid = || SearchError::Query(format!("invalid sort '{s}'"));
        let mut keys = Vec::new();
        let mut echo = Vec::new();
        for part in s.split(',') {
            let words: Vec<&str> = part.split_whitespace().collect();
            let (field, dir) = match words.as_slice() {
                [f] => (*f, "asc"),
                [f, d] => (*f, *d),
                _ => return Err(invalid()),
            };
            let key = match field {
                "score" => SortKey::Score,
                "metadata_modified" => SortKey::MetadataModified,
                "metadata_created" => SortKey::MetadataCreated,
                "name" => SortKey::Name,
                "title_string" | "title" => SortKey::Title,
                "id" => SortKey::Id,
                _ => {
                    return Err(SearchError::Query(format!(
                        "invalid sort '{s}': unknown sort field '{field}'"
                    )));
                }
            };
            let desc = match dir.to_ascii_lowercase().as_str() {
                "asc" => false,
                "desc" => true,
                _ => {
                    return Err(SearchError::Query(format!(
                        "invalid sort '{s}': direction must be asc or desc, not '{dir}'"
                    )));
                }
            };
            keys.push((key, desc));
            echo.push(format!("{field} {}", if desc { "desc" } else { "asc" }));
        }
        Ok(SortSpec {
            keys,
            echo: echo.join(", "),
        })
    }

    fn uses_score(&self) -> bool {
        self.keys.iter().any(|(k, _)| *k == SortKey::Score)
    }
}

fn facet_field(name: &str) -> Result<Kw, SearchError> {
    Ok(match name {
        "organization" => Kw::Owner,
        "groups" => Kw::Group,
        "tags" => Kw::Tag,
        "res_format" => Kw::ResFormat,
        "license_id" => Kw::License,
        "update_frequency" => Kw::Frequency,
        "language" => Kw::Language,
        "state" => Kw::State,
        "capacity" => Kw::Capacity,
        "resolution_835_item" => Kw::Res835,
        _ => return Err(SearchError::Query(format!("unknown facet field '{name}'"))),
    })
}

/// Parses `q`: `None` when it matches everything. Free text that does not
/// parse as a query (a stray quote or parenthesis) is taken as plain words.
fn parse_q(q: Option<&str>) -> Result<Option<Node>, SearchError> {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok(None);
    };
    match query::parse(q, "q") {
        Ok(Node::All) => Ok(None),
        Ok(node) => Ok(Some(node)),
        Err(e @ SearchError::TooComplex(_)) => Err(e),
        Err(_) if !q.contains(':') => Ok(Some(Node::Text(q.to_owned()))),
        Err(e) => Err(e),
    }
}

struct Ctx<'a> {
    universe: &'a BitSet,
    now: Timestamp,
    slots: usize,
}

impl Ctx<'_> {
    fn empty(&self) -> BitSet {
        BitSet::new(self.slots)
    }
}

fn field_weight(m: u8) -> f32 {
    if m & (mask::NAME | mask::TITLE) != 0 {
        4.0
    } else if m & mask::TAGS != 0 {
        2.0
    } else {
        1.0
    }
}

const GROUP_WEIGHT: f32 = 2.0;
const ORGANIZATION_WEIGHT: f32 = 1.0;
const TF_BONUS: f32 = 0.1;

fn in_range<T: Ord + Copy>(x: T, lo: Option<T>, lo_inc: bool, hi: Option<T>, hi_inc: bool) -> bool {
    let above = match lo {
        None => true,
        Some(lo) => x > lo || (lo_inc && x == lo),
    };
    let below = match hi {
        None => true,
        Some(hi) => x < hi || (hi_inc && x == hi),
    };
    above && below
}

/// Maps an `f32` to a `u64` ordered like `f32::total_cmp`.
fn f32_key(x: f32) -> u64 {
    let b = x.to_bits();
    u64::from(if b & 0x8000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000
    })
}

/// Maps an `i64` to a `u64` ordered the same way.
fn i64_key(x: i64) -> u64 {
    (x as u64) ^ (1 << 63)
}

fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
        .then_with(|| a.cmp(b))
}

impl Index {
    /// Runs a `package_search`. See the crate documentation for semantics.
    pub fn search(&self, q: &SearchQuery, viewer: &Viewer) -> Result<SearchResult, SearchError> {
        let sort = SortSpec::parse(q.sort.as_deref())?;
        let facet_fields: Vec<(&str, Kw)> = q
            .facet_fields
            .iter()
            .map(|f| facet_field(f).map(|k| (f.as_str(), k)))
            .collect::<Result<_, _>>()?;
        let query = parse_q(q.q.as_deref())?;
        let filters: Vec<Node> =
            q.fq.iter()
                .filter(|f| !f.trim().is_empty())
                .map(|f| query::parse(f, "fq"))
                .collect::<Result<_, _>>()?;

        let universe = self.universe(q, viewer);
        let cx = Ctx {
            universe: &universe,
            now: q.now,
            slots: self.slots.len(),
        };
        let mut matched = universe.clone();
        for node in filters.iter().chain(query.as_ref()) {
            if *node != Node::All {
                matched.intersect_with(&self.eval(node, &cx));
            }
        }
        let count = matched.count();
        let mut slots: Vec<u32> = Vec::with_capacity(count);
        slots.extend(matched.iter().map(|s| s as u32));

        let scores = match &query {
            Some(node) if sort.uses_score() => self.scores(node, &matched),
            _ => None,
        };
        let facets = self.facets(&facet_fields, &slots, &matched, &universe, q);
        let page = self.page(&slots, q.start, q.rows, &sort, scores.as_deref());
        let results = page
            .into_iter()
            .map(|s| self.entry(s).expect("matched slot").ds.clone())
            .collect();
        Ok(SearchResult {
            count,
            sort: sort.echo,
            results,
            facets,
        })
    }

    /// The datasets this search may return at all.
    fn universe(&self, q: &SearchQuery, viewer: &Viewer) -> BitSet {
        self.visible_slots(
            viewer,
            q.include_private,
            q.include_drafts,
            q.include_deleted,
        )
    }

    fn eval(&self, node: &Node, cx: &Ctx) -> BitSet {
        match node {
            Node::All => cx.universe.clone(),
            Node::And(children) => {
                let mut acc: Option<BitSet> = None;
                for c in children.iter().filter(|c| !matches!(c, Node::Not(_))) {
                    let r = self.eval(c, cx);
                    match &mut acc {
                        Some(a) => a.intersect_with(&r),
                        None => acc = Some(r),
                    }
                }
                let mut acc = acc.unwrap_or_else(|| cx.universe.clone());
                for c in children {
                    if let Node::Not(inner) = c {
                        acc.difference_with(&self.eval(inner, cx));
                    }
                }
                acc
            }
            Node::Or(children) => {
                let mut acc = cx.empty();
                for c in children {
                    acc.union_with(&self.eval(c, cx));
                }
                acc
            }
            Node::Not(inner) => {
                let mut acc = cx.universe.clone();
                acc.difference_with(&self.eval(inner, cx));
                acc
            }
            Node::Text(s) => self.text_match(Field::Text, s, cx),
            Node::Field(field, value) => self.field_match(*field, value, cx),
        }
    }

    fn field_match(&self, field: Field, value: &Value, cx: &Ctx) -> BitSet {
        match value {
            Value::Any => self.any_match(field, cx),
            Value::Term(s) => match field.kind() {
                Kind::Text => self.text_match(field, s, cx),
                // Dates and numbers are parsed into ranges.
                Kind::Keyword | Kind::Date | Kind::Int => self.keyword_match(field, s, cx),
            },
            Value::Dates(r) => self.date_match(field, r, cx),
            Value::Ints(r) => self.int_match(field, r, cx),
        }
    }

    /// Analyzed text: every term of `s` must occur in the field.
    fn text_match(&self, field: Field, s: &str, cx: &Ctx) -> BitSet {
        let mut stems: Vec<String> = Vec::new();
        for_each_term(s, |t| stems.push(t.to_owned()));
        stems.sort();
        stems.dedup();
        let mut acc: Option<BitSet> = None;
        for stem in &stems {
            let r = self.stem_match(field, stem, cx);
            match &mut acc {
                Some(a) => a.intersect_with(&r),
                None => acc = Some(r),
            }
        }
        acc.unwrap_or_else(|| cx.universe.clone())
    }

    fn stem_match(&self, field: Field, stem: &str, cx: &Ctx) -> BitSet {
        let (m, verify) = match field {
            Field::Title => (mask::TITLE, false),
            Field::Notes => (mask::NOTES, false),
            Field::ResName | Field::ResDescription => (mask::RES, true),
            Field::Maintainer | Field::Author => (mask::OTHER, true),
            _ => (mask::ALL, false),
        };
        let mut set = cx.empty();
        if let Some(&tid) = self.terms.get(stem) {
            for &p in &self.postings[tid as usize] {
                if posting_mask(p) & m != 0 {
                    let slot = posting_slot(p);
                    if !verify || self.field_has_term(slot, field, stem) {
                        set.insert(slot as usize);
                    }
                }
            }
        }
        if field == Field::Text {
            self.named_matches(stem, |slot, _| set.insert(slot as usize));
        }
        set
    }

    /// Calls `f(slot, weight)` for datasets of publishers and themes whose
    /// name or title contains `stem`.
    fn named_matches(&self, stem: &str, mut f: impl FnMut(u32, f32)) {
        for (i, g) in self.group_terms.iter().enumerate() {
            if g.contains(stem) {
                for &k in self.keyword_ids(Kw::Group, &self.groups[i].id) {
                    self.keywords[k as usize]
                        .postings
                        .iter()
                        .for_each(|s| f(*s, GROUP_WEIGHT));
                }
            }
        }
        for (i, p) in self.publisher_terms.iter().enumerate() {
            if p.contains(stem) {
                for &k in self.keyword_ids(Kw::Owner, &self.publishers[i].id) {
                    self.keywords[k as usize]
                        .postings
                        .iter()
                        .for_each(|s| f(*s, ORGANIZATION_WEIGHT));
                }
            }
        }
    }

    /// Whether a text field that shares a posting bit with others really has `stem`.
    fn field_has_term(&self, slot: u32, field: Field, stem: &str) -> bool {
        let Some(e) = self.entry(slot) else {
            return false;
        };
        let ds = &e.ds;
        let mut found = false;
        let mut check = |text: &str| {
            if !found {
                for_each_term(text, |t| found |= t == stem);
            }
        };
        match field {
            Field::ResName => ds.active_resources().for_each(|r| check(&r.name)),
            Field::ResDescription => ds.active_resources().for_each(|r| check(&r.description)),
            Field::Maintainer => ds.maintainer.iter().for_each(|m| check(m)),
            Field::Author => ds.author.iter().for_each(|a| check(a)),
            _ => return true,
        }
        found
    }

    fn add_keyword(&self, field: Kw, value: &str, set: &mut BitSet) {
        for &k in self.keyword_ids(field, value) {
            for &s in &self.keywords[k as usize].postings {
                set.insert(s as usize);
            }
        }
    }

    fn keyword_match(&self, field: Field, value: &str, cx: &Ctx) -> BitSet {
        let v = value.trim();
        let mut set = cx.empty();
        match field {
            Field::Id => {
                if let Some(slot) = self
                    .slot_of_id(v)
                    .or_else(|| self.slot_of_id(&v.to_lowercase()))
                {
                    set.insert(slot as usize);
                }
            }
            Field::Name => {
                if let Some(slot) = self
                    .slot_of_name(v)
                    .or_else(|| self.slot_of_name(&v.to_lowercase()))
                {
                    set.insert(slot as usize);
                }
            }
            Field::Type => {
                if v.eq_ignore_ascii_case("dataset") {
                    return cx.universe.clone();
                }
            }
            Field::Organization => {
                if let Some(i) = self.publisher_index(v) {
                    self.add_keyword(Kw::Owner, &self.publishers[i].id, &mut set);
                }
                self.add_keyword(Kw::Owner, v, &mut set);
            }
            Field::Groups => {
                if let Some(i) = self.group_index(v) {
                    self.add_keyword(Kw::Group, &self.groups[i].id, &mut set);
                }
                self.add_keyword(Kw::Group, v, &mut set);
            }
            Field::UpdateFrequency => {
                let v: &str = match UpdateFrequency::parse(v) {
                    Some(f) => f.as_str(),
                    None => v,
                };
                self.add_keyword(Kw::Frequency, v, &mut set);
            }
            _ => {
                if let Some(kw) = keyword_field(field) {
                    self.add_keyword(kw, v, &mut set);
                }
            }
        }
        set
    }

    fn scan(&self, cx: &Ctx, pred: impl Fn(&Entry) -> bool) -> BitSet {
        let mut set = cx.empty();
        for slot in cx.universe.iter() {
            if self.entry(slot as u32).is_some_and(&pred) {
                set.insert(slot);
            }
        }
        set
    }

    fn any_match(&self, field: Field, cx: &Ctx) -> BitSet {
        let nonblank = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
        match field {
            Field::Title => self.scan(cx, |e| {
                !e.ds.title.trim().is_empty() || nonblank(&e.ds.title_en)
            }),
            Field::Notes => self.scan(cx, |e| {
                !e.ds.notes.trim().is_empty() || nonblank(&e.ds.notes_en)
            }),
            Field::ResName => self.scan(cx, |e| {
                e.ds.active_resources().any(|r| !r.name.trim().is_empty())
            }),
            Field::ResDescription => self.scan(cx, |e| {
                e.ds.active_resources()
                    .any(|r| !r.description.trim().is_empty())
            }),
            Field::Maintainer => self.scan(cx, |e| nonblank(&e.ds.maintainer)),
            Field::Author => self.scan(cx, |e| nonblank(&e.ds.author)),
            Field::Organization => self.scan(cx, |e| !e.ds.owner_org.is_empty()),
            _ => match keyword_field(field) {
                Some(kw) => self.scan(cx, |e| e.keywords.iter().any(|c| code_field(*c) == kw)),
                None => cx.universe.clone(),
            },
        }
    }

    fn date_match(&self, field: Field, r: &Range<DateBound>, cx: &Ctx) -> BitSet {
        let micros = |b: &DateBound| b.resolve(cx.now).map(|t| t.timestamp_micros());
        let (lo, hi) = (micros(&r.lo), micros(&r.hi));
        let created = field == Field::MetadataCreated;
        self.scan(cx, |e| {
            let t = if created { e.created } else { e.modified };
            in_range(t, lo, r.lo_inclusive, hi, r.hi_inclusive)
        })
    }

    fn int_match(&self, field: Field, r: &Range<Option<i64>>, cx: &Ctx) -> BitSet {
        let tags = field == Field::NumTags;
        self.scan(cx, |e| {
            let n = i64::from(if tags { e.num_tags } else { e.num_resources });
            in_range(n, r.lo, r.lo_inclusive, r.hi, r.hi_inclusive)
        })
    }

    /// Relevance of each matched dataset to the positive free-text terms of
    /// `q`: per term, the weight of the best field it occurs in (title and
    /// name 4, tags and themes 2, anything else 1) plus a small bonus for
    /// repeated occurrences.
    fn scores(&self, node: &Node, matched: &BitSet) -> Option<Vec<f32>> {
        let mut stems: Vec<String> = Vec::new();
        node.for_each_positive_text(&mut |s| for_each_term(s, |t| stems.push(t.to_owned())));
        if stems.is_empty() {
            return None;
        }
        stems.sort();
        stems.dedup();
        let n = self.slots.len();
        let mut score = vec![0f32; n];
        for stem in &stems {
            // Per term: which slots the postings hit, and which of those only
            // in low-weight fields (a theme match then raises them to 2).
            let mut hit = BitSet::new(n);
            let mut hit_low = BitSet::new(n);
            if let Some(&tid) = self.terms.get(stem.as_str()) {
                for &p in &self.postings[tid as usize] {
                    let slot = posting_slot(p) as usize;
                    if matched.contains(slot) {
                        let w = field_weight(posting_mask(p));
                        score[slot] += w + TF_BONUS * posting_tf(p) as f32;
                        hit.insert(slot);
                        if w < GROUP_WEIGHT {
                            hit_low.insert(slot);
                        }
                    }
                }
            }
            self.named_matches(stem, |slot, w| {
                let slot = slot as usize;
                if !matched.contains(slot) {
                    return;
                }
                if !hit.contains(slot) {
                    score[slot] += w;
                    hit.insert(slot);
                    if w < GROUP_WEIGHT {
                        hit_low.insert(slot);
                    }
                } else if w > ORGANIZATION_WEIGHT && hit_low.contains(slot) {
                    score[slot] += w - ORGANIZATION_WEIGHT;
                    hit_low.remove(slot);
                }
            });
        }
        Some(score)
    }

    /// Counts facet values over the whole match. Small matches walk their
    /// entries' keyword lists; large ones walk the keywords' postings against
    /// the match bitset, which reads memory sequentially.
    fn facets(
        &self,
        fields: &[(&str, Kw)],
        matched_slots: &[u32],
        matched: &BitSet,
        universe: &BitSet,
        q: &SearchQuery,
    ) -> Vec<(String, Vec<(String, usize)>)> {
        if fields.is_empty() {
            return Vec::new();
        }
        let mut wanted = 0u32;
        for (_, kw) in fields {
            wanted |= 1 << (*kw as u32);
        }
        let mut wanted_ids: Vec<u32> = Vec::new();
        let mut wanted_postings = 0usize;
        for f in 0..KW_FIELDS {
            if wanted & (1 << f) != 0 {
                for &k in self.kw_lookup[f].values().flatten() {
                    wanted_ids.push(k);
                    wanted_postings += self.keywords[k as usize].postings.len();
                }
            }
        }
        let mut counts = vec![0u32; self.keywords.len()];
        let mut touched: Vec<u32> = Vec::new();
        if matched_slots.len().saturating_mul(32) < wanted_postings {
            for &slot in matched_slots {
                let Some(e) = self.entry(slot) else { continue };
                for &code in e
                    .keywords
                    .iter()
                    .filter(|c| wanted & (1 << (**c >> 28)) != 0)
                {
                    let k = code_id(code);
                    if counts[k as usize] == 0 {
                        touched.push(k);
                    }
                    counts[k as usize] += 1;
                }
            }
        } else {
            for &k in &wanted_ids {
                let c = self.keywords[k as usize]
                    .postings
                    .iter()
                    .filter(|s| matched.contains(**s as usize))
                    .count();
                if c > 0 {
                    counts[k as usize] = c as u32;
                    touched.push(k);
                }
            }
        }
        if q.facet_mincount == 0 {
            // Values of visible datasets outside the match, with count 0.
            for &k in &wanted_ids {
                if counts[k as usize] == 0
                    && self.keywords[k as usize]
                        .postings
                        .iter()
                        .any(|s| universe.contains(*s as usize))
                {
                    touched.push(k);
                }
            }
        }
        let mut per_field: HashMap<u8, HashMap<&str, usize>> = HashMap::new();
        for &k in &touched {
            let kw = &self.keywords[k as usize];
            *per_field
                .entry(kw.field as u8)
                .or_default()
                .entry(self.facet_value(kw))
                .or_default() += counts[k as usize] as usize;
        }
        fields
            .iter()
            .map(|(name, kw)| {
                let mut items: Vec<(String, usize)> = per_field
                    .get(&(*kw as u8))
                    .map(|m| {
                        m.iter()
                            .filter(|(_, c)| **c >= q.facet_mincount)
                            .map(|(v, c)| ((*v).to_owned(), *c))
                            .collect()
                    })
                    .unwrap_or_default();
                items.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                if let Ok(limit) = usize::try_from(q.facet_limit) {
                    items.truncate(limit);
                }
                ((*name).to_owned(), items)
            })
            .collect()
    }

    /// Sorts just enough of `slots` to return the page `[start, start+rows)`.
    /// Candidates carry their first sort keys as integers ([`Self::sort_keys`])
    /// so that most comparisons touch neither the slots nor the datasets.
    fn page(
        &self,
        slots: &[u32],
        start: usize,
        rows: usize,
        sort: &SortSpec,
        scores: Option<&[f32]>,
    ) -> Vec<u32> {
        let n = slots.len();
        if start >= n || rows == 0 {
            return Vec::new();
        }
        let end = start.saturating_add(rows).min(n);
        let mut items: Vec<(u64, u64, u32)> = slots
            .iter()
            .map(|&s| {
                let (k1, k2) = self.sort_keys(s, sort, scores);
                (k1, k2, s)
            })
            .collect();
        let cmp = |a: &(u64, u64, u32), b: &(u64, u64, u32)| {
            (a.0, a.1)
                .cmp(&(b.0, b.1))
                .then_with(|| self.compare(a.2, b.2, sort, scores))
        };
        if start > 0 {
            items.select_nth_unstable_by(start, cmp);
        }
        let window = &mut items[start..];
        let len = end - start;
        if len < window.len() {
            window.select_nth_unstable_by(len - 1, cmp);
        }
        let window = &mut window[..len];
        window.sort_unstable_by(cmp);
        window.iter().map(|x| x.2).collect()
    }

    /// The first two sort keys of a slot as order-preserving integers
    /// (descending keys inverted). Name, title and id only give their first
    /// bytes, so a key after one of them would be meaningless and is left 0;
    /// equal pairs are settled by [`Self::compare`].
    fn sort_keys(&self, slot: u32, sort: &SortSpec, scores: Option<&[f32]>) -> (u64, u64) {
        let Some(e) = self.entry(slot) else {
            return (0, 0);
        };
        let mut out = [0u64; 2];
        let keys = sort
            .keys
            .iter()
            .copied()
            .chain(std::iter::once((SortKey::Id, false)));
        for (i, (key, desc)) in keys.take(2).enumerate() {
            let (k, exact) = match key {
                SortKey::Score => (scores.map_or(0, |s| f32_key(s[slot as usize])), true),
                SortKey::MetadataModified => (i64_key(e.modified), true),
                SortKey::MetadataCreated => (i64_key(e.created), true),
                SortKey::Name => (e.name_key, false),
                SortKey::Title => (e.title_key, false),
                SortKey::Id => (e.id_key, false),
            };
            out[i] = if desc { !k } else { k };
            if !exact {
                break;
            }
        }
        (out[0], out[1])
    }

    fn compare(&self, a: u32, b: u32, sort: &SortSpec, scores: Option<&[f32]>) -> Ordering {
        let (Some(ea), Some(eb)) = (self.entry(a), self.entry(b)) else {
            return a.cmp(&b);
        };
        for &(key, desc) in &sort.keys {
            let o = match key {
                SortKey::Score => match scores {
                    Some(s) => s[a as usize].total_cmp(&s[b as usize]),
                    None => Ordering::Equal,
                },
                SortKey::MetadataModified => ea.modified.cmp(&eb.modified),
                SortKey::MetadataCreated => ea.created.cmp(&eb.created),
                SortKey::Name => ea
                    .name_key
                    .cmp(&eb.name_key)
                    .then_with(|| ea.ds.name.cmp(&eb.ds.name)),
                SortKey::Title => ea
                    .title_key
                    .cmp(&eb.title_key)
                    .then_with(|| cmp_ci(&ea.ds.title, &eb.ds.title)),
                SortKey::Id => ea
                    .id_key
                    .cmp(&eb.id_key)
                    .then_with(|| ea.ds.id.cmp(&eb.ds.id)),
            };
            let o = if desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        ea.id_key
            .cmp(&eb.id_key)
            .then_with(|| ea.ds.id.cmp(&eb.ds.id))
    }
}

fn keyword_field(field: Field) -> Option<Kw> {
    Some(match field {
        Field::Tags => Kw::Tag,
        Field::Groups => Kw::Group,
        Field::Organization | Field::OwnerOrg => Kw::Owner,
        Field::ResFormat => Kw::ResFormat,
        Field::LicenseId => Kw::License,
        Field::UpdateFrequency => Kw::Frequency,
        Field::Language => Kw::Language,
        Field::State => Kw::State,
        Field::Capacity => Kw::Capacity,
        Field::Resolution835Item => Kw::Res835,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_table() {
        use SortKey::*;
        type Case<'a> = (Option<&'a str>, Vec<(SortKey, bool)>, &'a str);
        let cases: Vec<Case> = vec![
            (
                None,
                vec![(Score, true), (MetadataModified, true)],
                DEFAULT_SORT,
            ),
            (
                Some("  "),
                vec![(Score, true), (MetadataModified, true)],
                DEFAULT_SORT,
            ),
            (Some("id asc"), vec![(Id, false)], "id asc"),
            (Some("name"), vec![(Name, false)], "name asc"),
            (
                Some("title_string DESC"),
                vec![(Title, true)],
                "title_string desc",
            ),
            (
                Some("metadata_created desc,name asc"),
                vec![(MetadataCreated, true), (Name, false)],
                "metadata_created desc, name asc",
            ),
            (Some("title asc"), vec![(Title, false)], "title asc"),
        ];
        for (input, keys, echo) in cases {
            let spec = SortSpec::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(spec.keys, keys, "{input:?}");
            assert_eq!(spec.echo, echo, "{input:?}");
        }
        for bad in [
            "x",
            "name up",
            "name asc extra",
            "name asc,",
            "views_recent desc",
            "name asc;id",
        ] {
            match SortSpec::parse(Some(bad)) {
                Err(SearchError::Query(m)) => assert!(m.starts_with("invalid sort"), "{bad}: {m}"),
                Err(other) => panic!("{bad:?}: {other:?}"),
                Ok(s) => panic!("{bad:?} should fail, got {s:?}"),
            }
        }
    }

    #[test]
    fn q_parsing_falls_back_to_words() {
        assert_eq!(parse_q(None).unwrap(), None);
        assert_eq!(parse_q(Some(" *:* ")).unwrap(), None);
        assert_eq!(
            parse_q(Some("бюджет (2024")).unwrap(),
            Some(Node::Text("бюджет (2024".into()))
        );
        assert!(parse_q(Some("tags:(a")).is_err());
        assert!(parse_q(Some("foo:bar")).is_err());
    }

    #[test]
    fn integer_keys_keep_order() {
        let floats = [
            f32::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            0.1,
            1.0,
            4.3,
            f32::INFINITY,
        ];
        for a in floats {
            for b in floats {
                assert_eq!(f32_key(a).cmp(&f32_key(b)), a.total_cmp(&b), "{a} vs {b}");
            }
        }
        let ints = [i64::MIN, -5, -1, 0, 1, 1_700_000_000_000_000, i64::MAX];
        for a in ints {
            for b in ints {
                assert_eq!(i64_key(a).cmp(&i64_key(b)), a.cmp(&b), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn ranges() {
        assert!(in_range(5, Some(5), true, None, true));
        assert!(!in_range(5, Some(5), false, None, true));
        assert!(in_range(5, None, true, Some(5), true));
        assert!(!in_range(5, None, true, Some(5), false));
        assert!(in_range(5, None, false, None, false));
    }
}
