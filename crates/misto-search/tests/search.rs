//! Integration tests over a small fixture catalog of a city council.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use misto_core::time::parse_datetime;
use misto_core::{
    Dataset, DatasetState, EntityState, Group, Publisher, PublisherKind, Resource, Role, Timestamp,
    UpdateFrequency, Viewer,
};
use misto_search::{Index, SearchError, SearchQuery, SearchResult};

fn ts(s: &str) -> Timestamp {
    parse_datetime(s).unwrap_or_else(|| panic!("bad date {s}"))
}

fn publisher(id: &str, name: &str, title: &str) -> Publisher {
    Publisher {
        id: id.into(),
        name: name.into(),
        title: title.into(),
        title_en: None,
        description: String::new(),
        edrpou: None,
        kind: PublisherKind::ExecutiveBody,
        email: None,
        phone: None,
        website: None,
        address: None,
        image_url: None,
        state: EntityState::Active,
        created: ts("2020-01-01"),
        modified: ts("2020-01-01"),
    }
}

fn group(id: &str, name: &str, title: &str) -> Group {
    Group {
        id: id.into(),
        name: name.into(),
        title: title.into(),
        title_en: None,
        description: String::new(),
        image_url: None,
        state: EntityState::Active,
        created: ts("2020-01-01"),
    }
}

fn resource(id: &str, name: &str, format: &str) -> Resource {
    Resource {
        id: id.into(),
        package_id: String::new(),
        name: name.into(),
        description: String::new(),
        url: format!("https://data.example.ua/{id}"),
        url_type: None,
        format: format.into(),
        mimetype: None,
        size: None,
        hash: None,
        compress_format: None,
        position: 0,
        state: EntityState::Active,
        created: ts("2024-01-01"),
        last_modified: None,
        metadata_modified: ts("2024-01-01"),
        blob_key: None,
        extras: Default::default(),
    }
}

struct D {
    ds: Dataset,
}

impl D {
    fn new(id: &str, name: &str, title: &str, owner: &str, modified: &str) -> D {
        let t = ts(modified);
        D {
            ds: Dataset {
                id: id.into(),
                name: name.into(),
                title: title.into(),
                title_en: None,
                notes: String::new(),
                notes_en: None,
                owner_org: owner.into(),
                private: false,
                state: DatasetState::Active,
                license_id: "cc-by-4.0".into(),
                author: None,
                author_email: None,
                maintainer: None,
                maintainer_email: None,
                url: None,
                version: None,
                tags: vec![],
                groups: vec![],
                language: "ua".into(),
                update_frequency: None,
                purpose_of_collecting_information: None,
                resolution_835_item: None,
                spatial_katottg: None,
                temporal_start: None,
                temporal_end: None,
                data_updated: None,
                extras: vec![],
                creator_user_id: None,
                metadata_created: ts("2023-01-01") + (t - ts("2024-01-01")) / 10,
                metadata_modified: t,
                revision: 1,
                seq: 1,
                resources: vec![],
            },
        }
    }
    fn notes(mut self, s: &str) -> D {
        self.ds.notes = s.into();
        self
    }
    fn tags(mut self, t: &[&str]) -> D {
        self.ds.tags = t.iter().map(|s| s.to_string()).collect();
        self
    }
    fn groups(mut self, g: &[&str]) -> D {
        self.ds.groups = g.iter().map(|s| s.to_string()).collect();
        self
    }
    fn res(mut self, id: &str, name: &str, format: &str) -> D {
        let mut r = resource(id, name, format);
        r.package_id = self.ds.id.clone();
        self.ds.resources.push(r);
        self
    }
    fn private(mut self) -> D {
        self.ds.private = true;
        self
    }
    fn state(mut self, s: DatasetState) -> D {
        self.ds.state = s;
        self
    }
    fn freq(mut self, f: UpdateFrequency) -> D {
        self.ds.update_frequency = Some(f);
        self
    }
    fn creator(mut self, u: &str) -> D {
        self.ds.creator_user_id = Some(u.into());
        self
    }
    fn title_en(mut self, s: &str) -> D {
        self.ds.title_en = Some(s.into());
        self
    }
}

/// The fixture: seven public active datasets (d01–d06, d10), one private
/// (d07), one draft (d08) and one deleted (d09).
fn fixture() -> Index {
    let mut idx = Index::new();
    idx.set_publishers(vec![
        publisher("p-fin", "finance-dept", "Департамент фінансів"),
        publisher("p-edu", "osvita", "Управління освіти"),
        publisher("p-trans", "transport", "Управління транспорту"),
    ]);
    idx.set_groups(vec![
        group("g-econ", "economy", "Економіка"),
        group("g-edu", "education", "Освіта"),
    ]);
    let datasets = vec![
        D::new(
            "d01",
            "budget-2024",
            "Бюджет міста на 2024 рік",
            "p-fin",
            "2024-05-01T10:00:00Z",
        )
        .notes("Показники міського бюджету")
        .tags(&["бюджет", "фінанси"])
        .groups(&["g-econ"])
        .res("r01a", "Видатки бюджету", "CSV")
        .res("r01b", "Доходи", "XLSX")
        .freq(UpdateFrequency::OnceAYear),
        D::new(
            "d02",
            "schools",
            "Перелік шкіл",
            "p-edu",
            "2024-04-01T00:00:00Z",
        )
        .notes("Загальноосвітні школи міста")
        .tags(&["освіта", "школи"])
        .groups(&["g-edu"])
        .res("r02a", "Школи", "CSV")
        .res("r02b", "Школи", "JSON"),
        D::new(
            "d03",
            "kindergartens",
            "Дитячі садки",
            "p-edu",
            "2024-05-01T08:59:59.999999Z",
        )
        .notes("Заклади дошкільної освіти")
        .tags(&["освіта", "дитячі садки"])
        .groups(&["g-edu"])
        .res("r03a", "Садки", "csv"),
        D::new(
            "d04",
            "bus-routes",
            "Маршрути громадського транспорту",
            "p-trans",
            "2024-05-01T09:00:00.123456Z",
        )
        .title_en("Public transport routes")
        .notes("Автобусні маршрути")
        .tags(&["транспорт"])
        .res("r04a", "GTFS", "ZIP")
        .res("r04b", "Зупинки", "CSV"),
        D::new(
            "d05",
            "streets",
            "Реєстр вулиць",
            "p-trans",
            "2024-03-01T00:00:00Z",
        )
        .notes("Перелік вулиць і провулків; ремонт фінансується з бюджету")
        .tags(&["вулиці", "адреси"]),
        D::new(
            "d06",
            "housing",
            "Житлові будинки",
            "p-fin",
            "2024-05-05T00:00:00Z",
        )
        .notes("Житловий фонд комунальної власності")
        .tags(&["житло"])
        .groups(&["g-econ"])
        .res("r06a", "Будинки", "CSV"),
        D::new(
            "d07",
            "private-budget",
            "Внутрішній бюджетний звіт",
            "p-fin",
            "2024-05-02T00:00:00Z",
        )
        .tags(&["бюджет", "внутрішнє"])
        .res("r07a", "Звіт", "PDF")
        .private(),
        D::new(
            "d08",
            "draft-schools",
            "Чернетка: школи",
            "p-edu",
            "2024-05-03T00:00:00Z",
        )
        .tags(&["освіта", "чернетка"])
        .state(DatasetState::Draft)
        .creator("u-creator"),
        D::new(
            "d09",
            "old-budget",
            "Бюджет 2019",
            "p-fin",
            "2024-05-04T00:00:00Z",
        )
        .tags(&["бюджет", "архів"])
        .state(DatasetState::Deleted),
        D::new(
            "d10",
            "school-budget",
            "Бюджетні видатки на школи",
            "p-edu",
            "2024-05-05T00:00:00Z",
        )
        .notes("Фінансування освітніх закладів")
        .tags(&["бюджет", "освіта"])
        .groups(&["g-edu", "g-econ"])
        .res("r10a", "Видатки", "CSV"),
    ];
    for d in datasets {
        idx.upsert(Arc::new(d.ds));
    }
    idx
}

const PUBLIC: [&str; 7] = ["d01", "d02", "d03", "d04", "d05", "d06", "d10"];

fn anon() -> Viewer {
    Viewer::anonymous()
}

fn member_of(publisher: &str, role: Role, user: &str) -> Viewer {
    let mut v = Viewer {
        user_id: Some(user.into()),
        ..Viewer::default()
    };
    v.roles.insert(publisher.into(), role);
    v
}

fn sysadmin() -> Viewer {
    Viewer {
        user_id: Some("root".into()),
        sysadmin: true,
        ..Viewer::default()
    }
}

fn query() -> SearchQuery {
    let mut q = SearchQuery::at(ts("2024-06-01T00:00:00Z"));
    q.rows = 1000;
    q
}

fn run(idx: &Index, q: &SearchQuery, v: &Viewer) -> SearchResult {
    idx.search(q, v)
        .unwrap_or_else(|e| panic!("search {q:?} failed: {e}"))
}

/// Ids found, sorted (order-insensitive checks).
fn ids(r: &SearchResult) -> Vec<String> {
    let mut v: Vec<String> = r.results.iter().map(|d| d.id.clone()).collect();
    v.sort();
    v
}

/// Ids in result order.
fn ordered(r: &SearchResult) -> Vec<String> {
    r.results.iter().map(|d| d.id.clone()).collect()
}

fn q_ids(idx: &Index, q: &str) -> Vec<String> {
    let mut sq = query();
    sq.q = Some(q.into());
    let r = run(idx, &sq, &anon());
    assert_eq!(r.count, r.results.len());
    ids(&r)
}

fn fq_ids(idx: &Index, fq: &[&str]) -> Vec<String> {
    let mut sq = query();
    sq.fq = fq.iter().map(|s| s.to_string()).collect();
    ids(&run(idx, &sq, &anon()))
}

#[test]
fn word_forms() {
    let idx = fixture();
    let cases: &[(&str, &[&str])] = &[
        ("бюджет", &["d01", "d05", "d10"]),
        ("бюджету", &["d01", "d05", "d10"]),
        ("бюджетні", &["d01", "d05", "d10"]),
        ("бюджетних", &["d01", "d05", "d10"]),
        ("Бюджетом", &["d01", "d05", "d10"]),
        ("школа", &["d02", "d10"]),
        ("шкіл", &["d02", "d10"]),
        ("школах", &["d02", "d10"]),
        // The publisher "Управління транспорту" is searchable text too.
        ("транспортний", &["d04", "d05"]),
        ("transport", &["d04", "d05"]),
        ("житлових", &["d06"]),
        ("житло", &["d06"]),
        ("вулиця", &["d05"]),
        ("вулиці", &["d05"]),
        ("дитячих", &["d03"]),
        // Tags, notes, the "Освіта" theme and the "Управління освіти" publisher.
        ("освіти", &["d02", "d03", "d10"]),
        ("routes", &["d04"]),
        ("gtfs", &["d04"]),
        ("economy", &["d01", "d06", "d10"]),
        ("", &PUBLIC),
        ("*:*", &PUBLIC),
        ("   ", &PUBLIC),
        ("неіснуючеслово", &[]),
    ];
    for (q, want) in cases {
        assert_eq!(q_ids(&idx, q), *want, "q={q:?}");
    }
}

#[test]
fn all_terms_must_match() {
    let idx = fixture();
    assert_eq!(q_ids(&idx, "бюджет школи"), ["d10"]);
    assert_eq!(q_ids(&idx, "бюджетні видатки школам"), ["d10"]);
    assert_eq!(q_ids(&idx, "бюджет маршрути"), Vec::<String>::new());
    // Stop words do not have to match.
    assert_eq!(q_ids(&idx, "бюджет на 2024 рік"), ["d01"]);
    // Free-text negation and OR.
    assert_eq!(q_ids(&idx, "бюджет -школи"), ["d01", "d05"]);
    assert_eq!(q_ids(&idx, "садки OR маршрути"), ["d03", "d04"]);
    // A stray quote or parenthesis is just text.
    assert_eq!(q_ids(&idx, "\"бюджет (2024"), ["d01"]);
}

#[test]
fn relevance_weights_title_over_tags_over_notes() {
    let idx = fixture();
    let mut q = query();
    q.q = Some("бюджет".into());
    let r = run(&idx, &q, &anon());
    assert_eq!(r.sort, "score desc, metadata_modified desc");
    // d01 has it in title, tags, notes and a resource; d10 in title and tags;
    // d05 only in notes.
    assert_eq!(ordered(&r), ["d01", "d10", "d05"]);
    // Tags outrank notes.
    q.q = Some("житло".into());
    assert_eq!(ordered(&run(&idx, &q, &anon())), ["d06"]);
    q.q = Some("освіта".into());
    // d02, d03, d10 all have the tag (2); d03 and d10 mention it in the notes
    // too (tf bonus), and tie, so the newer d10 comes first.
    assert_eq!(ordered(&run(&idx, &q, &anon())), ["d10", "d03", "d02"]);
}

#[test]
fn fielded_filters() {
    let idx = fixture();
    let none: &[&str] = &[];
    let cases: &[(&[&str], &[&str])] = &[
        (&["organization:finance-dept"], &["d01", "d06"]),
        (&["organization:FINANCE-DEPT"], &["d01", "d06"]),
        (&["owner_org:p-fin"], &["d01", "d06"]),
        (
            &["organization:finance-dept OR organization:osvita"],
            &["d01", "d02", "d03", "d06", "d10"],
        ),
        // The harvester's include + exclude lists: (a OR b) AND NOT x.
        (
            &["organization:finance-dept OR organization:osvita -groups:economy"],
            &["d02", "d03"],
        ),
        (&["-organization:osvita"], &["d01", "d04", "d05", "d06"]),
        (&["NOT organization:osvita"], &["d01", "d04", "d05", "d06"]),
        (
            &["groups:economy OR groups:education"],
            &["d01", "d02", "d03", "d06", "d10"],
        ),
        (&["groups:g-edu"], &["d02", "d03", "d10"]),
        (
            &["res_format:CSV"],
            &["d01", "d02", "d03", "d04", "d06", "d10"],
        ),
        (
            &["res_format:csv"],
            &["d01", "d02", "d03", "d04", "d06", "d10"],
        ),
        (&["res_format:(JSON OR ZIP)"], &["d02", "d04"]),
        (&["tags:освіта"], &["d02", "d03", "d10"]),
        (&["tags:ОСВІТА"], &["d02", "d03", "d10"]),
        (&["tags:\"дитячі садки\""], &["d03"]),
        (&["tags:дитячі"], none),
        (&["tags:освіта", "res_format:JSON"], &["d02"]),
        (&["+tags:освіта +res_format:JSON"], &["d02"]),
        (&["tags:освіта AND res_format:JSON"], &["d02"]),
        (&["(tags:освіта OR tags:житло) -groups:education"], &["d06"]),
        // The harvester's incremental range: microseconds and Z, inclusive.
        (
            &["metadata_modified:[2024-05-01T09:00:00.123456Z TO *]"],
            &["d01", "d04", "d06", "d10"],
        ),
        (
            &["metadata_modified:{2024-05-01T09:00:00.123456Z TO *]"],
            &["d01", "d06", "d10"],
        ),
        (
            &["metadata_modified:[2024-05-01T09:00:00Z TO *]"],
            &["d01", "d04", "d06", "d10"],
        ),
        (
            &["metadata_modified:[2024-05-01 TO 2024-05-02]"],
            &["d01", "d03", "d04"],
        ),
        (&["metadata_modified:2024-05-05"], &["d06", "d10"]),
        (&["metadata_modified:[* TO 2024-04-01T00:00:00Z}"], &["d05"]),
        (&["metadata_modified:[* TO NOW]"], &PUBLIC),
        (
            &["metadata_modified:[NOW-31DAYS TO NOW]"],
            &["d01", "d03", "d04", "d06", "d10"],
        ),
        (&["metadata_created:[* TO *]"], &PUBLIC),
        (&["num_resources:0"], &["d05"]),
        (&["num_resources:[2 TO *]"], &["d01", "d02", "d04"]),
        (&["num_resources:{1 TO 2]"], &["d01", "d02", "d04"]),
        (&["num_tags:1"], &["d04", "d06"]),
        (&["update_frequency:\"once a year\""], &["d01"]),
        (&["update_frequency:Щороку"], &["d01"]),
        (&["update_frequency:*"], &["d01"]),
        (
            &["-update_frequency:*"],
            &["d02", "d03", "d04", "d05", "d06", "d10"],
        ),
        (&["groups:*"], &["d01", "d02", "d03", "d06", "d10"]),
        (&["license_id:cc-by-4.0"], &PUBLIC),
        (
            &[
                "language:ua",
                "state:active",
                "capacity:public",
                "type:dataset",
            ],
            &PUBLIC,
        ),
        (&["type:harvest"], none),
        (&["name:schools"], &["d02"]),
        (&["id:d04 OR id:d05"], &["d04", "d05"]),
        (&["title:школи"], &["d02", "d10"]),
        (&["notes:школи"], &["d02"]),
        (&["text:транспорт"], &["d04", "d05"]),
        (&["res_name:видатки"], &["d01", "d10"]),
        (&["res_name:бюджет"], &["d01"]),
        // "zip" is d04's resource format, not a resource name.
        (&["res_name:zip"], none),
        (&["res_name:gtfs"], &["d04"]),
        (&["res_description:*"], none),
        (&["*:*"], &PUBLIC),
        (&["", "  "], &PUBLIC),
    ];
    for (fq, want) in cases {
        assert_eq!(fq_ids(&idx, fq), *want, "fq={fq:?}");
    }
}

#[test]
fn now_comes_from_the_query() {
    let idx = fixture();
    let mut q = query();
    q.fq = vec!["metadata_modified:[* TO NOW]".into()];
    q.now = ts("2024-04-15T00:00:00Z");
    assert_eq!(ids(&run(&idx, &q, &anon())), ["d02", "d05"]);
    q.fq = vec!["metadata_modified:[NOW-7DAYS TO NOW]".into()];
    q.now = ts("2024-05-06T00:00:00Z");
    assert_eq!(
        ids(&run(&idx, &q, &anon())),
        ["d01", "d03", "d04", "d06", "d10"]
    );
    q.fq = vec!["metadata_modified:[NOW/DAY-1DAY TO NOW/DAY}".into()];
    q.now = ts("2024-05-02T15:00:00Z");
    assert_eq!(ids(&run(&idx, &q, &anon())), ["d01", "d03", "d04"]);
}

#[test]
fn fielded_q_mixes_with_free_text() {
    let idx = fixture();
    assert_eq!(q_ids(&idx, "organization:osvita школи"), ["d02", "d10"]);
    assert_eq!(q_ids(&idx, "tags:бюджет"), ["d01", "d10"]);
    assert_eq!(
        q_ids(&idx, "res_format:CSV бюджет -groups:education"),
        ["d01"]
    );
    let mut q = query();
    q.q = Some("tags:бюджет OR бюджет".into());
    let r = run(&idx, &q, &anon());
    assert_eq!(ordered(&r), ["d01", "d10", "d05"]);
}

#[test]
fn malformed_queries_are_errors() {
    let idx = fixture();
    let err = |q: SearchQuery| match idx.search(&q, &anon()) {
        Err(SearchError::Query(m) | SearchError::TooComplex(m)) => m,
        Ok(r) => panic!("{q:?} should fail, got {} results", r.count),
    };
    // Past the nesting limit, in q (even as plain words) and in fq.
    let mut q = query();
    q.q = Some(format!("{}бюджет{}", "(".repeat(100), ")".repeat(100)));
    assert!(err(q.clone()).contains("too deeply nested"));
    let mut q = query();
    q.fq = vec![format!("{}x", "-".repeat(100))];
    assert!(err(q.clone()).contains("fq is too deeply nested"));
    let mut q = query();
    q.fq = vec!["foo:bar".into()];
    assert_eq!(err(q.clone()), "unknown field 'foo' in fq");
    q.fq = vec!["(tags:a".into()];
    assert!(err(q.clone()).contains("parentheses"));
    q.fq = vec!["tags:\"a".into()];
    assert!(err(q.clone()).contains("quotes"));
    q.fq = vec!["metadata_modified:[2024-01-01 TO *".into()];
    assert!(err(q.clone()).contains("range"));
    q.fq = vec![];
    q.q = Some("foo:bar".into());
    assert_eq!(err(q.clone()), "unknown field 'foo' in q");
    q.q = None;
    q.sort = Some("bogus desc".into());
    assert!(err(q.clone()).starts_with("invalid sort 'bogus desc'"));
    q.sort = Some("name sideways".into());
    assert!(err(q.clone()).starts_with("invalid sort"));
    q.sort = None;
    q.facet_fields = vec!["tags".into(), "bogus".into()];
    assert_eq!(err(q), "unknown facet field 'bogus'");
}

#[test]
fn sorts() {
    let idx = fixture();
    let mut q = query();
    let sorted = |q: &SearchQuery| ordered(&run(&idx, q, &anon()));
    q.sort = Some("name asc".into());
    assert_eq!(
        sorted(&q),
        ["d01", "d04", "d06", "d03", "d10", "d02", "d05"]
    );
    q.sort = Some("name desc".into());
    assert_eq!(
        sorted(&q),
        ["d05", "d02", "d10", "d03", "d06", "d04", "d01"]
    );
    q.sort = Some("title_string asc".into());
    // Бюджет, Бюджетні, Дитячі, Житлові, Маршрути, Перелік, Реєстр.
    assert_eq!(
        sorted(&q),
        ["d01", "d10", "d03", "d06", "d04", "d02", "d05"]
    );
    // d06 and d10 share metadata_modified: the id tie-break orders them.
    q.sort = Some("metadata_modified desc".into());
    assert_eq!(
        sorted(&q),
        ["d06", "d10", "d01", "d04", "d03", "d02", "d05"]
    );
    q.sort = Some("metadata_modified asc".into());
    assert_eq!(
        sorted(&q),
        ["d05", "d02", "d03", "d04", "d01", "d06", "d10"]
    );
    q.sort = Some("metadata_created desc, id desc".into());
    assert_eq!(
        sorted(&q),
        ["d10", "d06", "d01", "d04", "d03", "d02", "d05"]
    );
    // Empty q: all scores equal, so the default sort is newest first.
    q.sort = None;
    let r = run(&idx, &q, &anon());
    assert_eq!(r.sort, "score desc, metadata_modified desc");
    assert_eq!(
        ordered(&r),
        ["d06", "d10", "d01", "d04", "d03", "d02", "d05"]
    );
    q.sort = Some("id asc".into());
    assert_eq!(run(&idx, &q, &anon()).sort, "id asc");
}

#[test]
fn harvester_paging_visits_every_dataset_once() {
    let idx = fixture();
    for (viewer, expected) in [(anon(), 7), (sysadmin(), 10)] {
        for rows in [1, 2, 3, 4, 100] {
            let mut q = query();
            q.sort = Some("id asc".into());
            q.rows = rows;
            q.include_private = true;
            q.include_drafts = true;
            q.include_deleted = true;
            let mut seen = Vec::new();
            let mut previous: Option<Vec<String>> = None;
            loop {
                let r = run(&idx, &q, &viewer);
                assert_eq!(r.count, expected);
                if r.results.is_empty() {
                    break;
                }
                let page = ordered(&r);
                assert_ne!(previous.as_ref(), Some(&page), "two identical pages");
                seen.extend(page.iter().cloned());
                previous = Some(page);
                q.start += rows;
            }
            let mut sorted = seen.clone();
            sorted.sort();
            assert_eq!(seen, sorted, "pages come in id order");
            let distinct: HashSet<&String> = seen.iter().collect();
            assert_eq!(distinct.len(), expected, "rows={rows}");
            assert_eq!(seen.len(), expected, "rows={rows}");
        }
    }
}

#[test]
fn paging_windows_match_the_full_sort() {
    let idx = fixture();
    for sort in [
        "metadata_modified desc",
        "title_string asc",
        "score desc, name desc",
        "name asc",
    ] {
        let mut q = query();
        q.q = Some("бюджет OR освіта OR транспорт OR вулиці OR житло".into());
        q.sort = Some(sort.into());
        let full = ordered(&run(&idx, &q, &anon()));
        assert_eq!(full.len(), 7);
        for start in 0..9 {
            for rows in 0..4 {
                q.start = start;
                q.rows = rows;
                let r = run(&idx, &q, &anon());
                assert_eq!(r.count, 7);
                let want: Vec<String> = full.iter().skip(start).take(rows).cloned().collect();
                assert_eq!(ordered(&r), want, "sort={sort} start={start} rows={rows}");
            }
        }
    }
}

#[test]
fn start_beyond_the_end() {
    let idx = fixture();
    let mut q = query();
    q.start = 7;
    let r = run(&idx, &q, &anon());
    assert_eq!(r.count, 7);
    assert!(r.results.is_empty());
    q.start = usize::MAX;
    q.rows = usize::MAX;
    assert!(run(&idx, &q, &anon()).results.is_empty());
}

fn facet<'a>(r: &'a SearchResult, field: &str) -> &'a [(String, usize)] {
    &r.facets
        .iter()
        .find(|(f, _)| f == field)
        .unwrap_or_else(|| panic!("no facet {field}"))
        .1
}

fn pairs(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(s, n)| (s.to_string(), *n)).collect()
}

#[test]
fn facets() {
    let idx = fixture();
    let mut q = query();
    q.rows = 1;
    q.facet_fields = [
        "organization",
        "tags",
        "res_format",
        "groups",
        "update_frequency",
        "capacity",
    ]
    .map(String::from)
    .to_vec();
    let r = run(&idx, &q, &anon());
    assert_eq!(
        r.results.len(),
        1,
        "facets count the whole match, not the page"
    );
    let names: Vec<&str> = r.facets.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        names,
        [
            "organization",
            "tags",
            "res_format",
            "groups",
            "update_frequency",
            "capacity"
        ]
    );
    assert_eq!(
        facet(&r, "organization"),
        pairs(&[("osvita", 3), ("finance-dept", 2), ("transport", 2)])
    );
    assert_eq!(
        facet(&r, "res_format"),
        pairs(&[("CSV", 5), ("JSON", 1), ("XLSX", 1), ("ZIP", 1), ("csv", 1)])
    );
    assert_eq!(
        facet(&r, "groups"),
        pairs(&[("economy", 3), ("education", 3)])
    );
    assert_eq!(facet(&r, "update_frequency"), pairs(&[("once a year", 1)]));
    assert_eq!(facet(&r, "capacity"), pairs(&[("public", 7)]));
    let tags = facet(&r, "tags");
    assert_eq!(tags[0], ("освіта".to_string(), 3));
    assert_eq!(tags[1], ("бюджет".to_string(), 2));
    assert!(
        !tags
            .iter()
            .any(|(t, _)| t == "внутрішнє" || t == "чернетка" || t == "архів")
    );

    // Facets follow the query.
    q.fq = vec!["tags:освіта".into()];
    let r = run(&idx, &q, &anon());
    assert_eq!(facet(&r, "organization"), pairs(&[("osvita", 3)]));

    // mincount and limit.
    q.fq = vec![];
    q.facet_fields = vec!["organization".into()];
    q.facet_mincount = 3;
    assert_eq!(
        facet(&run(&idx, &q, &anon()), "organization"),
        pairs(&[("osvita", 3)])
    );
    q.facet_mincount = 1;
    q.facet_limit = 2;
    assert_eq!(
        facet(&run(&idx, &q, &anon()), "organization"),
        pairs(&[("osvita", 3), ("finance-dept", 2)])
    );
    q.facet_limit = 0;
    assert!(facet(&run(&idx, &q, &anon()), "organization").is_empty());
    q.facet_limit = -1;
    assert_eq!(facet(&run(&idx, &q, &anon()), "organization").len(), 3);
    // mincount 0 lists visible values outside the match, never hidden ones.
    q.facet_mincount = 0;
    q.fq = vec!["organization:transport".into()];
    q.facet_fields = vec!["organization".into(), "tags".into()];
    let r = run(&idx, &q, &anon());
    assert_eq!(
        facet(&r, "organization"),
        pairs(&[("transport", 2), ("finance-dept", 0), ("osvita", 0)])
    );
    assert!(
        facet(&r, "tags")
            .iter()
            .any(|(t, n)| t == "житло" && *n == 0)
    );
    assert!(!facet(&r, "tags").iter().any(|(t, _)| t == "внутрішнє"));
}

#[test]
fn visibility() {
    let idx = fixture();
    let fin_member = member_of("p-fin", Role::Member, "u-m");
    let edu_editor = member_of("p-edu", Role::Editor, "u-e");
    let fin_editor = member_of("p-fin", Role::Editor, "u-fe");
    let creator = Viewer {
        user_id: Some("u-creator".into()),
        ..Viewer::default()
    };
    let admin = sysadmin();
    let nobody = anon();
    let search = |v: &Viewer, private: bool, drafts: bool, deleted: bool| {
        let mut q = query();
        q.include_private = private;
        q.include_drafts = drafts;
        q.include_deleted = deleted;
        q.facet_fields = vec!["tags".into(), "state".into(), "capacity".into()];
        run(&idx, &q, v)
    };
    let with = |extra: &[&str]| {
        let mut v: Vec<String> = PUBLIC.iter().chain(extra).map(|s| s.to_string()).collect();
        v.sort();
        v
    };
    // (label, viewer, include_private, include_drafts, include_deleted, expected ids)
    type Case<'a> = (&'a str, &'a Viewer, bool, bool, bool, Vec<String>);
    let cases: Vec<Case> = vec![
        ("anon", &nobody, false, false, false, with(&[])),
        ("anon all flags", &nobody, true, true, true, with(&[])),
        (
            "member, no include_private",
            &fin_member,
            false,
            false,
            false,
            with(&[]),
        ),
        ("member", &fin_member, true, false, false, with(&["d07"])),
        (
            "member drafts",
            &fin_member,
            true,
            true,
            true,
            with(&["d07"]),
        ),
        (
            "other publisher's editor",
            &edu_editor,
            true,
            false,
            false,
            with(&[]),
        ),
        (
            "editor drafts",
            &edu_editor,
            false,
            true,
            false,
            with(&["d08"]),
        ),
        (
            "creator drafts",
            &creator,
            false,
            true,
            false,
            with(&["d08"]),
        ),
        (
            "editor deleted",
            &fin_editor,
            true,
            false,
            true,
            with(&["d07"]),
        ),
        ("sysadmin", &admin, false, false, false, with(&[])),
        (
            "sysadmin deleted",
            &admin,
            false,
            false,
            true,
            with(&["d09"]),
        ),
        (
            "sysadmin all",
            &admin,
            true,
            true,
            true,
            with(&["d07", "d08", "d09"]),
        ),
    ];
    for (label, v, private, drafts, deleted, want) in cases {
        let r = search(v, private, drafts, deleted);
        assert_eq!(ids(&r), want, "{label}");
        assert_eq!(r.count, want.len(), "{label}");
        let tag_total: usize = facet(&r, "capacity").iter().map(|(_, n)| n).sum();
        assert_eq!(
            tag_total,
            want.len(),
            "{label}: facets count only visible datasets"
        );
        let tags = facet(&r, "tags");
        assert_eq!(
            tags.iter().any(|(t, _)| t == "внутрішнє"),
            want.contains(&"d07".to_string()),
            "{label}"
        );
        assert_eq!(
            tags.iter().any(|(t, _)| t == "чернетка"),
            want.contains(&"d08".to_string()),
            "{label}"
        );
        assert_eq!(
            tags.iter().any(|(t, _)| t == "архів"),
            want.contains(&"d09".to_string()),
            "{label}"
        );
    }
    // A filter cannot reach around visibility.
    let mut q = query();
    q.fq = vec!["capacity:private OR state:draft OR state:deleted OR id:d07".into()];
    q.q = Some("бюджет OR школи".into());
    assert_eq!(run(&idx, &q, &anon()).count, 0);
    q.fq = vec!["state:draft".into()];
    q.include_drafts = true;
    assert_eq!(ids(&run(&idx, &q, &edu_editor)), ["d08"]);
}

#[test]
fn lookups() {
    let idx = fixture();
    assert_eq!(idx.len(), 10);
    assert_eq!(idx.get("d02").unwrap().name, "schools");
    assert_eq!(idx.get("schools").unwrap().id, "d02");
    assert!(idx.get("nope").is_none());
    // `get` returns any state; access is the caller's job.
    assert_eq!(idx.get("old-budget").unwrap().state, DatasetState::Deleted);
    assert_eq!(idx.dataset_for_resource("r04b").unwrap().id, "d04");
    assert!(idx.dataset_for_resource("r99").is_none());
    assert_eq!(idx.publisher("osvita").unwrap().id, "p-edu");
    assert_eq!(idx.publisher("p-edu").unwrap().name, "osvita");
    assert!(idx.publisher("nope").is_none());
    assert_eq!(idx.group("economy").unwrap().id, "g-econ");
    assert_eq!(idx.group("g-edu").unwrap().name, "education");
    assert_eq!(idx.publishers().len(), 3);
    assert_eq!(idx.groups().len(), 2);
}

#[test]
fn renames_and_edits() {
    let mut idx = fixture();
    let mut d = (**idx.get("d02").unwrap()).clone();
    d.name = "schools-list".into();
    d.title = "Реєстр загальноосвітніх закладів".into();
    d.notes = "Перелік закладів".into();
    d.tags = vec!["заклади".into()];
    d.resources = vec![resource("r02c", "Заклади", "XML")];
    idx.upsert(Arc::new(d));
    assert_eq!(idx.len(), 10);
    assert!(idx.get("schools").is_none());
    assert_eq!(idx.get("schools-list").unwrap().id, "d02");
    assert_eq!(idx.get("d02").unwrap().name, "schools-list");
    assert!(idx.dataset_for_resource("r02a").is_none());
    assert_eq!(idx.dataset_for_resource("r02c").unwrap().id, "d02");
    assert_eq!(fq_ids(&idx, &["name:schools"]), Vec::<String>::new());
    assert_eq!(fq_ids(&idx, &["name:schools-list"]), ["d02"]);
    // Old words are gone, new ones are found.
    assert_eq!(q_ids(&idx, "шкіл"), ["d10"]);
    assert_eq!(q_ids(&idx, "реєстр"), ["d02", "d05"]);
    assert_eq!(fq_ids(&idx, &["tags:школи"]), Vec::<String>::new());
    assert_eq!(fq_ids(&idx, &["res_format:XML"]), ["d02"]);
    assert_eq!(fq_ids(&idx, &["res_format:JSON"]), Vec::<String>::new());
    assert!(
        idx.package_names(100, 0)
            .contains(&"schools-list".to_string())
    );
    assert!(!idx.package_names(100, 0).contains(&"schools".to_string()));
    assert!(!idx.tags(&anon(), None).contains(&"школи".to_string()));

    // A name freed by a rename can be taken by another dataset.
    let d = D::new(
        "d11",
        "schools",
        "Нові школи",
        "p-edu",
        "2024-05-20T00:00:00Z",
    )
    .tags(&["школи"]);
    idx.upsert(Arc::new(d.ds));
    assert_eq!(idx.get("schools").unwrap().id, "d11");
    assert_eq!(idx.get("schools-list").unwrap().id, "d02");

    // Deleting is an upsert with state deleted; purging removes it.
    let mut d = (**idx.get("d11").unwrap()).clone();
    d.state = DatasetState::Deleted;
    idx.upsert(Arc::new(d));
    assert_eq!(q_ids(&idx, "нові"), Vec::<String>::new());
    assert_eq!(idx.len(), 11);
    assert_eq!(idx.remove("d11").unwrap().id, "d11");
    assert!(idx.remove("d11").is_none());
    assert!(idx.get("schools").is_none());
    assert_eq!(idx.len(), 10);
    // The freed slot is reused cleanly.
    let d = D::new(
        "d12",
        "parks",
        "Парки і сквери",
        "p-fin",
        "2024-05-21T00:00:00Z",
    )
    .tags(&["парки"]);
    idx.upsert(Arc::new(d.ds));
    assert_eq!(q_ids(&idx, "парк"), ["d12"]);
    assert_eq!(q_ids(&idx, "школи"), ["d10"]);
    assert_eq!(idx.len(), 11);
}

#[test]
fn upsert_churn_keeps_index_consistent() {
    let mut idx = fixture();
    for round in 0..50 {
        let mut d = (**idx.get("d06").unwrap()).clone();
        d.title = format!("Житлові будинки, редакція {round}");
        d.name = format!("housing-{round}");
        idx.upsert(Arc::new(d));
    }
    assert_eq!(idx.len(), 10);
    assert_eq!(q_ids(&idx, "житло"), ["d06"]);
    assert_eq!(q_ids(&idx, "редакція 49"), ["d06"]);
    assert_eq!(q_ids(&idx, "редакція 48"), Vec::<String>::new());
    assert_eq!(idx.get("housing-49").unwrap().id, "d06");
    assert!(idx.get("housing-48").is_none());
    let mut q = query();
    q.facet_fields = vec!["tags".into()];
    let r = run(&idx, &q, &anon());
    assert_eq!(
        facet(&r, "tags")
            .iter()
            .find(|(t, _)| t == "житло")
            .unwrap()
            .1,
        1
    );
}

#[test]
fn package_names() {
    let idx = fixture();
    let all = [
        "budget-2024",
        "bus-routes",
        "housing",
        "kindergartens",
        "school-budget",
        "schools",
        "streets",
    ];
    assert_eq!(idx.package_names(100, 0), all);
    assert_eq!(idx.package_names(2, 0), all[..2]);
    assert_eq!(idx.package_names(2, 5), all[5..]);
    assert!(idx.package_names(10, 7).is_empty());
}

#[test]
fn tag_lists() {
    let idx = fixture();
    let public = idx.tags(&anon(), None);
    let mut sorted = public.clone();
    sorted.sort();
    assert_eq!(public, sorted);
    assert_eq!(public.len(), public.iter().collect::<HashSet<_>>().len());
    assert!(public.contains(&"освіта".to_string()) && public.contains(&"дитячі садки".to_string()));
    for hidden in ["внутрішнє", "чернетка", "архів"] {
        assert!(!public.contains(&hidden.to_string()), "{hidden}");
    }
    let member = member_of("p-fin", Role::Member, "u-m");
    assert!(idx.tags(&member, None).contains(&"внутрішнє".to_string()));
    // Drafts and deleted datasets are not searchable, so their tags are not listed even for a sysadmin.
    assert!(!idx.tags(&sysadmin(), None).contains(&"архів".to_string()));
    assert_eq!(idx.tags(&anon(), Some("САД")), ["дитячі садки"]);
    assert_eq!(idx.tags(&anon(), Some("бюдж")), ["бюджет"]);
    assert!(idx.tags(&anon(), Some("zzz")).is_empty());
}

#[test]
fn counts() {
    let idx = fixture();
    let m = |v: &[(&str, usize)]| {
        v.iter()
            .map(|(k, n)| (k.to_string(), *n))
            .collect::<HashMap<_, _>>()
    };
    assert_eq!(
        idx.dataset_counts_by_publisher(&anon()),
        m(&[("p-fin", 2), ("p-edu", 3), ("p-trans", 2)])
    );
    let member = member_of("p-fin", Role::Member, "u-m");
    assert_eq!(
        idx.dataset_counts_by_publisher(&member),
        m(&[("p-fin", 3), ("p-edu", 3), ("p-trans", 2)])
    );
    assert_eq!(
        idx.dataset_counts_by_publisher(&sysadmin()),
        m(&[("p-fin", 3), ("p-edu", 3), ("p-trans", 2)])
    );
    assert_eq!(
        idx.dataset_counts_by_group(&anon()),
        m(&[("g-econ", 3), ("g-edu", 3)])
    );
}

#[test]
fn publisher_renames_follow_set_publishers() {
    let mut idx = fixture();
    let mut pubs = idx.publishers().to_vec();
    pubs[1].name = "education-dept".into();
    pubs[1].title = "Департамент освіти і науки".into();
    idx.set_publishers(pubs);
    assert_eq!(
        fq_ids(&idx, &["organization:education-dept"]),
        ["d02", "d03", "d10"]
    );
    assert_eq!(fq_ids(&idx, &["organization:osvita"]), Vec::<String>::new());
    assert_eq!(q_ids(&idx, "науки"), ["d02", "d03", "d10"]);
    let mut q = query();
    q.facet_fields = vec!["organization".into()];
    let r = run(&idx, &q, &anon());
    assert_eq!(
        facet(&r, "organization")[0],
        ("education-dept".to_string(), 3)
    );
}
