//! A bench-style check without timing: a synthetic catalog of a few thousand
//! datasets, churned by renames, edits, state changes and purges, must answer
//! exactly like a brute-force scan of the same datasets.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use misto_core::auth::can_read_dataset;
use misto_core::time::parse_datetime;
use misto_core::{
    Dataset, DatasetState, EntityState, Group, Publisher, PublisherKind, Resource, Role, Timestamp,
    Viewer,
};
use misto_search::analysis::analyze;
use misto_search::{Index, SearchQuery};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

#[rustfmt::skip]
const WORDS: &[&str] = &[
    "бюджет", "бюджету", "бюджетні", "школа", "школи", "шкіл", "транспорт", "транспортні",
    "вулиця", "вулиць", "житлові", "житло", "освіта", "освітні", "дитячі", "садки", "парки",
    "ремонт", "доріг", "тарифи", "лікарні", "аптеки", "реєстр", "перелік", "звіт", "річний",
    "schools", "budget", "parking", "2023", "2024",
];
const TAGS: &[&str] = &[
    "бюджет",
    "освіта",
    "транспорт",
    "Транспорт",
    "житло",
    "екологія",
    "open data",
];
const FORMATS: &[&str] = &["CSV", "csv", "XLSX", "JSON", "PDF"];
const PUBLISHERS: usize = 6;
const GROUPS: usize = 4;

fn ts(s: &str) -> Timestamp {
    parse_datetime(s).expect("date")
}

fn publishers() -> Vec<Publisher> {
    let titles = [
        "Департамент фінансів",
        "Управління освіти",
        "Транспортна служба",
        "Відділ екології",
        "Архів",
        "ЦНАП",
    ];
    (0..PUBLISHERS)
        .map(|i| Publisher {
            id: format!("p{i}"),
            name: format!("publisher-{i}"),
            title: titles[i].into(),
            title_en: None,
            description: String::new(),
            edrpou: None,
            kind: PublisherKind::Institution,
            email: None,
            phone: None,
            website: None,
            address: None,
            image_url: None,
            state: EntityState::Active,
            created: ts("2020-01-01"),
            modified: ts("2020-01-01"),
        })
        .collect()
}

fn groups() -> Vec<Group> {
    let titles = ["Економіка", "Освіта", "Інфраструктура", "Довкілля"];
    (0..GROUPS)
        .map(|i| Group {
            id: format!("g{i}"),
            name: format!("theme-{i}"),
            title: titles[i].into(),
            title_en: None,
            description: String::new(),
            image_url: None,
            state: EntityState::Active,
            created: ts("2020-01-01"),
        })
        .collect()
}

fn dataset(i: usize, version: usize, rng: &mut Rng) -> Dataset {
    let words = |rng: &mut Rng, n: usize| {
        (0..n)
            .map(|_| rng.pick(WORDS))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let id = format!("{:016x}-{i}", rng.next());
    let modified = ts("2024-01-01") + chrono::Duration::seconds(rng.below(200 * 86_400) as i64);
    let resources = (0..rng.below(4))
        .map(|j| Resource {
            id: format!("res-{i}-{version}-{j}"),
            package_id: id.clone(),
            name: words(rng, 2),
            description: words(rng, 3),
            url: "https://example.ua/f".into(),
            url_type: None,
            format: rng.pick(FORMATS).into(),
            mimetype: None,
            size: None,
            hash: None,
            compress_format: None,
            position: j as i32,
            state: if rng.below(8) == 0 {
                EntityState::Deleted
            } else {
                EntityState::Active
            },
            created: modified,
            last_modified: None,
            metadata_modified: modified,
            blob_key: None,
            extras: Default::default(),
        })
        .collect();
    Dataset {
        id,
        name: format!("ds-{i}-v{version}"),
        title: words(rng, 3),
        title_en: None,
        notes: words(rng, 8),
        notes_en: None,
        owner_org: format!("p{}", rng.below(PUBLISHERS)),
        private: rng.below(6) == 0,
        state: match rng.below(10) {
            0 => DatasetState::Draft,
            1 => DatasetState::Deleted,
            _ => DatasetState::Active,
        },
        license_id: "cc-by-4.0".into(),
        author: None,
        author_email: None,
        maintainer: None,
        maintainer_email: None,
        url: None,
        version: None,
        tags: (0..rng.below(3))
            .map(|_| rng.pick(TAGS).to_string())
            .collect(),
        groups: (0..rng.below(3))
            .map(|_| format!("g{}", rng.below(GROUPS)))
            .collect(),
        language: "ua".into(),
        update_frequency: None,
        purpose_of_collecting_information: None,
        resolution_835_item: None,
        spatial_katottg: None,
        temporal_start: None,
        temporal_end: None,
        data_updated: None,
        extras: vec![],
        creator_user_id: Some(format!("u{}", rng.below(5))),
        metadata_created: modified,
        metadata_modified: modified,
        revision: version as i64,
        seq: 0,
        resources,
    }
}

/// The catalog after churn, as the index holds it and as a plain map.
fn build() -> (Index, BTreeMap<String, Arc<Dataset>>) {
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    let mut idx = Index::new();
    idx.set_publishers(publishers());
    idx.set_groups(groups());
    let mut model: BTreeMap<String, Arc<Dataset>> = BTreeMap::new();
    for i in 0..3000 {
        let d = Arc::new(dataset(i, 0, &mut rng));
        model.insert(d.id.clone(), d.clone());
        idx.upsert(d);
    }
    for step in 0..1500 {
        let ids: Vec<String> = model.keys().cloned().collect();
        let id = ids[rng.below(ids.len())].clone();
        match rng.below(4) {
            0 => {
                assert!(idx.remove(&id).is_some());
                model.remove(&id);
            }
            1 => {
                let i = 3000 + step;
                let d = Arc::new(dataset(i, 0, &mut rng));
                model.insert(d.id.clone(), d.clone());
                idx.upsert(d);
            }
            _ => {
                // Same id, new everything else: rename, new text, tags, state, resources.
                let mut d = dataset(step, step + 1, &mut rng);
                d.id = id.clone();
                let d = Arc::new(d);
                model.insert(id, d.clone());
                idx.upsert(d);
            }
        }
    }
    assert_eq!(idx.len(), model.len());
    (idx, model)
}

fn viewers() -> Vec<Viewer> {
    let mut member = Viewer {
        user_id: Some("u1".into()),
        ..Viewer::default()
    };
    member.roles.insert("p1".into(), Role::Member);
    let mut editor = Viewer {
        user_id: Some("u2".into()),
        ..Viewer::default()
    };
    editor.roles.insert("p2".into(), Role::Editor);
    editor.roles.insert("p3".into(), Role::Admin);
    let creator = Viewer {
        user_id: Some("u4".into()),
        ..Viewer::default()
    };
    let admin = Viewer {
        user_id: Some("root".into()),
        sysadmin: true,
        ..Viewer::default()
    };
    vec![Viewer::anonymous(), member, editor, creator, admin]
}

fn visible(v: &Viewer, d: &Dataset, private: bool, drafts: bool, deleted: bool) -> bool {
    let state_ok = match d.state {
        DatasetState::Active => true,
        DatasetState::Draft => drafts,
        DatasetState::Deleted => deleted && v.sysadmin,
    };
    state_ok && (!d.private || private) && can_read_dataset(v, d)
}

/// Every analyzed term a free-text query can match for this dataset.
fn text_terms(d: &Dataset) -> HashSet<String> {
    let mut texts: Vec<String> = vec![d.name.clone(), d.title.clone(), d.notes.clone()];
    texts.extend(d.tags.iter().cloned());
    for r in d.active_resources() {
        texts.extend([r.name.clone(), r.description.clone(), r.format.clone()]);
    }
    let pubs = publishers();
    let p = pubs
        .iter()
        .find(|p| p.id == d.owner_org)
        .expect("publisher");
    texts.extend([p.name.clone(), p.title.clone()]);
    for g in groups().iter().filter(|g| d.groups.contains(&g.id)) {
        texts.extend([g.name.clone(), g.title.clone()]);
    }
    texts.iter().flat_map(|t| analyze(t)).collect()
}

type Pred = Box<dyn Fn(&Dataset) -> bool>;

fn all_rows(now: Timestamp) -> SearchQuery {
    let mut q = SearchQuery::at(now);
    q.rows = 100_000;
    q.sort = Some("id asc".into());
    q
}

fn ids_of(r: &misto_search::SearchResult) -> Vec<String> {
    r.results.iter().map(|d| d.id.clone()).collect()
}

#[test]
fn churned_catalog_matches_brute_force() {
    let (idx, model) = build();
    let now = ts("2024-12-01T00:00:00Z");
    let terms_of: HashMap<&str, HashSet<String>> = model
        .values()
        .map(|d| (d.id.as_str(), text_terms(d)))
        .collect();
    let flags = [
        (false, false, false),
        (true, false, false),
        (true, true, true),
        (false, true, true),
    ];

    for v in &viewers() {
        for &(private, drafts, deleted) in &flags {
            let expect_base: Vec<&Arc<Dataset>> = model
                .values()
                .filter(|d| visible(v, d, private, drafts, deleted))
                .collect();
            let base = |mut q: SearchQuery| {
                q.include_private = private;
                q.include_drafts = drafts;
                q.include_deleted = deleted;
                idx.search(&q, v).expect("search")
            };

            // Everything visible, in id order.
            let r = base(all_rows(now));
            let want: Vec<String> = expect_base.iter().map(|d| d.id.clone()).collect();
            assert_eq!(ids_of(&r), want);
            assert_eq!(r.count, want.len());

            // Free text, one word at a time and in pairs.
            for (a, b) in [
                ("бюджетом", ""),
                ("школам", ""),
                ("транспорт", "освіти"),
                ("budgets", "2024"),
                ("економіка", ""),
            ] {
                let mut q = all_rows(now);
                q.q = Some(format!("{a} {b}"));
                let mut stems = analyze(a);
                stems.extend(analyze(b));
                let want: Vec<String> = expect_base
                    .iter()
                    .filter(|d| {
                        let terms = &terms_of[d.id.as_str()];
                        stems.iter().all(|s| terms.contains(s))
                    })
                    .map(|d| d.id.clone())
                    .collect();
                assert_eq!(ids_of(&base(q)), want, "q={a} {b}");
            }

            // Filters.
            let checks: Vec<(String, Pred)> = vec![
                (
                    "tags:транспорт".into(),
                    Box::new(|d| d.tags.iter().any(|t| t.to_lowercase() == "транспорт")),
                ),
                (
                    "tags:\"open data\"".into(),
                    Box::new(|d| d.tags.iter().any(|t| t == "open data")),
                ),
                (
                    "organization:publisher-1 OR organization:publisher-2 -groups:theme-0".into(),
                    Box::new(|d| {
                        (d.owner_org == "p1" || d.owner_org == "p2")
                            && !d.groups.contains(&"g0".to_string())
                    }),
                ),
                (
                    "res_format:csv".into(),
                    Box::new(|d| {
                        d.active_resources()
                            .any(|r| r.format.eq_ignore_ascii_case("csv"))
                    }),
                ),
                (
                    "metadata_modified:[2024-03-01T12:00:00.5Z TO *]".into(),
                    Box::new(|d| d.metadata_modified >= ts("2024-03-01T12:00:00.5Z")),
                ),
                ("metadata_modified:[NOW-300DAYS TO NOW-200DAYS}".into(), {
                    let (lo, hi) = (
                        now - chrono::Duration::days(300),
                        now - chrono::Duration::days(200),
                    );
                    Box::new(move |d| d.metadata_modified >= lo && d.metadata_modified < hi)
                }),
                (
                    "num_resources:[2 TO *]".into(),
                    Box::new(|d| d.active_resources().count() >= 2),
                ),
                ("groups:*".into(), Box::new(|d| !d.groups.is_empty())),
                ("capacity:private".into(), Box::new(|d| d.private)),
                (
                    "state:draft OR state:deleted".into(),
                    Box::new(|d| d.state != DatasetState::Active),
                ),
            ];
            for (fq, pred) in &checks {
                let mut q = all_rows(now);
                q.fq = vec![fq.clone()];
                let want: Vec<String> = expect_base
                    .iter()
                    .filter(|d| pred(d))
                    .map(|d| d.id.clone())
                    .collect();
                assert_eq!(ids_of(&base(q)), want, "fq={fq}");
            }

            // Facets over the whole match, for a broad and a narrow match
            // (the two ways facets are counted).
            let narrow = |d: &Dataset| {
                d.tags.iter().any(|t| t == "екологія")
                    && d.active_resources().any(|r| r.format == "PDF")
            };
            for (fq, pred) in [
                ("", &(|_: &Dataset| true) as &dyn Fn(&Dataset) -> bool),
                ("tags:екологія res_format:PDF", &narrow),
            ] {
                let mut q = all_rows(now);
                q.rows = 0;
                q.facet_limit = -1;
                q.fq = vec![fq.to_string()];
                q.facet_fields = vec![
                    "organization".into(),
                    "tags".into(),
                    "res_format".into(),
                    "groups".into(),
                ];
                let r = base(q);
                assert!(r.results.is_empty());
                let facet = |name: &str| -> HashMap<String, usize> {
                    r.facets
                        .iter()
                        .find(|(f, _)| f == name)
                        .expect("facet")
                        .1
                        .iter()
                        .cloned()
                        .collect()
                };
                let mut orgs: HashMap<String, usize> = HashMap::new();
                let mut tags: HashMap<String, usize> = HashMap::new();
                let mut formats: HashMap<String, usize> = HashMap::new();
                let mut themes: HashMap<String, usize> = HashMap::new();
                for d in expect_base.iter().filter(|d| pred(d)) {
                    *orgs
                        .entry(format!("publisher-{}", &d.owner_org[1..]))
                        .or_default() += 1;
                    for t in d.tags.iter().collect::<HashSet<_>>() {
                        *tags.entry(t.clone()).or_default() += 1;
                    }
                    for f in d
                        .active_resources()
                        .map(|r| r.format.clone())
                        .collect::<HashSet<_>>()
                    {
                        *formats.entry(f).or_default() += 1;
                    }
                    for g in d.groups.iter().collect::<HashSet<_>>() {
                        *themes.entry(format!("theme-{}", &g[1..])).or_default() += 1;
                    }
                }
                assert!(
                    fq.is_empty() || r.count < 200,
                    "narrow match is narrow: {}",
                    r.count
                );
                assert_eq!(facet("organization"), orgs, "fq={fq}");
                assert_eq!(facet("tags"), tags, "fq={fq}");
                assert_eq!(facet("res_format"), formats, "fq={fq}");
                assert_eq!(facet("groups"), themes, "fq={fq}");
            }
        }

        // Lists and counts work on active datasets the viewer may read.
        let readable: Vec<&Arc<Dataset>> = model
            .values()
            .filter(|d| d.state == DatasetState::Active && can_read_dataset(v, d))
            .collect();
        let mut want_tags: Vec<String> = readable
            .iter()
            .flat_map(|d| d.tags.iter().cloned())
            .collect();
        want_tags.sort();
        want_tags.dedup();
        assert_eq!(idx.tags(v, None), want_tags);
        let mut by_pub: HashMap<String, usize> = HashMap::new();
        let mut by_group: HashMap<String, usize> = HashMap::new();
        for d in &readable {
            *by_pub.entry(d.owner_org.clone()).or_default() += 1;
            for g in d.groups.iter().collect::<HashSet<_>>() {
                *by_group.entry(g.clone()).or_default() += 1;
            }
        }
        assert_eq!(idx.dataset_counts_by_publisher(v), by_pub);
        assert_eq!(idx.dataset_counts_by_group(v), by_group);
    }

    // package_list and lookups.
    let mut names: Vec<String> = model
        .values()
        .filter(|d| d.state == DatasetState::Active && !d.private)
        .map(|d| d.name.clone())
        .collect();
    names.sort();
    assert_eq!(idx.package_names(usize::MAX, 0), names);
    for d in model.values() {
        assert_eq!(idx.get(&d.id).map(|x| &x.name), Some(&d.name));
        assert_eq!(idx.get(&d.name).map(|x| &x.id), Some(&d.id));
        for r in &d.resources {
            assert_eq!(idx.dataset_for_resource(&r.id).map(|x| &x.id), Some(&d.id));
        }
    }
}

#[test]
fn paging_with_every_sort_visits_each_dataset_once() {
    let (idx, model) = build();
    let now = ts("2024-12-01T00:00:00Z");
    let admin = Viewer {
        sysadmin: true,
        ..Viewer::default()
    };
    for sort in [
        "id asc",
        "name desc",
        "title_string asc",
        "metadata_modified desc",
        "score desc, metadata_created asc",
    ] {
        let mut q = SearchQuery::at(now);
        q.q = Some("бюджет OR школа OR транспорт".into());
        q.sort = Some(sort.into());
        q.rows = 97;
        q.include_private = true;
        q.include_drafts = true;
        q.include_deleted = true;
        let mut seen: Vec<String> = Vec::new();
        loop {
            let r = idx.search(&q, &admin).expect("search");
            if r.results.is_empty() {
                assert_eq!(seen.len(), r.count, "sort={sort}");
                break;
            }
            seen.extend(ids_of(&r));
            q.start += q.rows;
        }
        let distinct: HashSet<&String> = seen.iter().collect();
        assert_eq!(
            distinct.len(),
            seen.len(),
            "sort={sort}: a dataset appeared twice"
        );
        assert!(seen.iter().all(|id| model.contains_key(id)));
        // The same pages in one go.
        q.start = 0;
        q.rows = 100_000;
        assert_eq!(
            ids_of(&idx.search(&q, &admin).expect("search")),
            seen,
            "sort={sort}"
        );
    }
}
