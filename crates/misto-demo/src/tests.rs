//! Checks of the whole demo city: counts, references, validation by
//! misto-core's rules, parseable files, states and determinism.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use misto_core::codes::{edrpou_is_valid, katottg_is_well_formed};
use misto_core::names::{is_valid_name, is_valid_tag};
use misto_core::validate::{self, is_valid_email};
use misto_core::{Dataset, DatasetState, EntityState, Publisher, Resource, Role};

use crate::{DemoCity, DemoDataset, city};

/// The ids of `resolution-835-datasets.csv` (ALL-01..16, OMS-01..57).
const RESOLUTION_835_IDS: [&str; 73] = [
    "ALL-01", "ALL-02", "ALL-03", "ALL-04", "ALL-05", "ALL-06", "ALL-07", "ALL-08", "ALL-09",
    "ALL-10", "ALL-11", "ALL-12", "ALL-13", "ALL-14", "ALL-15", "ALL-16", "OMS-01", "OMS-02",
    "OMS-03", "OMS-04", "OMS-05", "OMS-06", "OMS-07", "OMS-08", "OMS-09", "OMS-10", "OMS-11",
    "OMS-12", "OMS-13", "OMS-14", "OMS-15", "OMS-16", "OMS-17", "OMS-18", "OMS-19", "OMS-20",
    "OMS-21", "OMS-22", "OMS-23", "OMS-24", "OMS-25", "OMS-26", "OMS-27", "OMS-28", "OMS-29",
    "OMS-30", "OMS-31", "OMS-32", "OMS-33", "OMS-34", "OMS-35", "OMS-36", "OMS-37", "OMS-38",
    "OMS-39", "OMS-40", "OMS-41", "OMS-42", "OMS-43", "OMS-44", "OMS-45", "OMS-46", "OMS-47",
    "OMS-48", "OMS-49", "OMS-50", "OMS-51", "OMS-52", "OMS-53", "OMS-54", "OMS-55", "OMS-56",
    "OMS-57",
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 14, 9, 30, 0).unwrap() + chrono::Duration::microseconds(123_456)
}

fn demo() -> &'static DemoCity {
    static CITY: std::sync::OnceLock<DemoCity> = std::sync::OnceLock::new();
    CITY.get_or_init(|| city(now()))
}

fn is_overdue(d: &DemoDataset, now: DateTime<Utc>) -> bool {
    d.update_frequency
        .period()
        .is_some_and(|p| d.data_updated + p < now)
}

/// A minimal RFC 4180 reader: records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Rows of a file as column → value maps (CSV and JSON only).
fn rows(file: &crate::DemoFile) -> Option<Vec<BTreeMap<String, String>>> {
    match file.format.as_str() {
        "CSV" => {
            let recs = parse_csv(std::str::from_utf8(&file.bytes).expect("UTF-8"));
            let header = &recs[0];
            Some(
                recs[1..]
                    .iter()
                    .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
                    .collect(),
            )
        }
        "JSON" => {
            let v: serde_json::Value = serde_json::from_slice(&file.bytes).expect("JSON");
            Some(
                v.as_array()
                    .expect("array")
                    .iter()
                    .map(|o| {
                        o.as_object()
                            .expect("object")
                            .iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    v.as_str().map_or_else(|| v.to_string(), str::to_string),
                                )
                            })
                            .collect()
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

#[test]
fn at_least_64_datasets_with_distinct_names_and_items() {
    let c = demo();
    assert!(c.datasets.len() >= 64, "{} datasets", c.datasets.len());
    let names: HashSet<&str> = c.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names.len(),
        c.datasets.len(),
        "dataset names must be distinct"
    );
    let items: HashSet<&str> = c
        .datasets
        .iter()
        .map(|d| d.resolution_835_item.as_str())
        .collect();
    assert_eq!(
        items.len(),
        c.datasets.len(),
        "Resolution 835 items must be distinct"
    );
    for i in &items {
        assert!(
            RESOLUTION_835_IDS.contains(i),
            "{i} is not in the Resolution 835 list"
        );
    }
}

#[test]
fn city_identity() {
    let c = demo();
    assert_eq!(c.name_uk, "Демо-місто");
    assert!(katottg_is_well_formed(&c.katottg));
    assert_eq!(c.themes.len(), 12);
    for (slug, title) in [
        ("derzhava", "Держава"),
        ("iustytsiia", "Юстиція та судочинство"),
        ("okhorona-zdorovia", "Охорона здоров'я"),
    ] {
        assert!(
            c.themes.iter().any(|t| t.name == slug && t.title == title),
            "{slug}"
        );
    }
    assert!(
        c.themes
            .iter()
            .all(|t| is_valid_name(&t.name) && !t.title_en.is_empty())
    );
}

#[test]
fn publishers_are_valid() {
    let c = demo();
    assert!(c.publishers.len() >= 10);
    let mut codes = HashSet::new();
    for p in &c.publishers {
        assert!(edrpou_is_valid(&p.edrpou), "{}: {}", p.name, p.edrpou);
        assert!(codes.insert(&p.edrpou), "duplicate EDRPOU {}", p.edrpou);
        assert!(
            p.email.ends_with("@demo-misto.gov.ua")
                && p.website.starts_with("https://demo-misto.gov.ua/")
        );
        assert!(p.address.starts_with("м. Демо-місто, "), "{}", p.address);
        let record = Publisher {
            id: p.name.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            title_en: Some(p.title_en.clone()),
            description: p.description.clone(),
            edrpou: Some(p.edrpou.clone()),
            kind: p.kind,
            email: Some(p.email.clone()),
            phone: Some(p.phone.clone()),
            website: Some(p.website.clone()),
            address: Some(p.address.clone()),
            image_url: None,
            state: EntityState::Active,
            created: now(),
            modified: now(),
        };
        validate::publisher(&record).unwrap_or_else(|e| panic!("{}: {e}", p.name));
    }
    let kinds: HashSet<_> = c.publishers.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds.len(),
        3,
        "executive bodies, communal enterprises and institutions"
    );
}

#[test]
fn users_and_roles() {
    let c = demo();
    let admin = c.users.iter().find(|u| u.name == "admin").expect("admin");
    assert!(admin.sysadmin && admin.password == "demo-admin-2026");
    let editor = c.users.iter().find(|u| u.name == "editor").expect("editor");
    assert_eq!(editor.password, "demo-editor-2026");
    assert!(
        editor
            .memberships
            .contains(&("departament-finansiv".to_string(), Role::Editor))
    );
    let roles: HashSet<Role> = c
        .users
        .iter()
        .flat_map(|u| u.memberships.iter().map(|m| m.1))
        .collect();
    assert_eq!(
        roles.len(),
        3,
        "admin, editor and member roles are all shown"
    );
    for u in &c.users {
        assert!(
            is_valid_name(&u.name) && is_valid_email(&u.email),
            "{}",
            u.name
        );
        for (p, _) in &u.memberships {
            assert!(c.publishers.iter().any(|x| &x.name == p), "{p}");
        }
    }
}

fn as_core(d: &DemoDataset) -> Dataset {
    Dataset {
        id: d.name.clone(),
        name: d.name.clone(),
        title: d.title.clone(),
        title_en: Some(d.title_en.clone()),
        notes: d.notes.clone(),
        notes_en: None,
        owner_org: d.publisher.clone(),
        private: d.private,
        state: if d.draft {
            DatasetState::Draft
        } else {
            DatasetState::Active
        },
        license_id: d.license_id.clone(),
        author: None,
        author_email: None,
        maintainer: Some(d.maintainer.clone()),
        maintainer_email: Some(d.maintainer_email.clone()),
        url: None,
        version: None,
        tags: d.tags.clone(),
        groups: d.themes.clone(),
        language: d.language.clone(),
        update_frequency: Some(d.update_frequency),
        purpose_of_collecting_information: Some(d.purpose.clone()),
        resolution_835_item: Some(d.resolution_835_item.clone()),
        spatial_katottg: d.spatial_katottg.clone(),
        temporal_start: d.temporal_start,
        temporal_end: d.temporal_end,
        data_updated: Some(d.data_updated),
        extras: vec![],
        creator_user_id: None,
        metadata_created: d.created,
        metadata_modified: d.data_updated,
        revision: 1,
        seq: 1,
        resources: d
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| Resource {
                id: format!("{}-{i}", d.name),
                package_id: d.name.clone(),
                name: f.title.clone(),
                description: f.description.clone(),
                url: f.name.clone(),
                url_type: Some("upload".into()),
                format: f.format.clone(),
                mimetype: Some(f.mimetype.clone()),
                size: Some(f.bytes.len() as i64),
                hash: None,
                compress_format: None,
                position: i as i32,
                state: EntityState::Active,
                created: d.created,
                last_modified: Some(d.data_updated),
                metadata_modified: d.data_updated,
                blob_key: None,
                extras: serde_json::Map::new(),
            })
            .collect(),
    }
}

#[test]
fn datasets_pass_core_validation_and_have_full_passports() {
    check_passports(demo());
}

fn check_passports(c: &DemoCity) {
    let publishers: HashSet<&str> = c.publishers.iter().map(|p| p.name.as_str()).collect();
    let themes: HashSet<&str> = c.themes.iter().map(|t| t.name.as_str()).collect();
    for d in &c.datasets {
        validate::dataset(&as_core(d)).unwrap_or_else(|e| panic!("{}: {e}", d.name));
        assert!(
            publishers.contains(d.publisher.as_str()),
            "{}: publisher {}",
            d.name,
            d.publisher
        );
        assert!(!d.themes.is_empty());
        for t in &d.themes {
            assert!(themes.contains(t.as_str()), "{}: theme {t}", d.name);
        }
        assert!(
            (3..=6).contains(&d.tags.len()),
            "{}: {} tags",
            d.name,
            d.tags.len()
        );
        assert!(d.tags.iter().all(|t| is_valid_tag(t)), "{}", d.name);
        assert!(
            d.title.chars().count() <= 254 && d.notes.chars().count() <= 4000,
            "{}",
            d.name
        );
        assert!(
            d.purpose.chars().count() <= 512,
            "{}: purpose of {} chars",
            d.name,
            d.purpose.chars().count()
        );
        assert!(d.purpose.contains("№ 835"));
        assert!(
            d.notes.contains("\n- `"),
            "{}: notes list the columns",
            d.name
        );
        assert!(is_valid_email(&d.maintainer_email) && !d.maintainer.is_empty());
        assert_eq!(d.language, "ua");
        assert!(
            d.spatial_katottg
                .as_deref()
                .is_some_and(katottg_is_well_formed)
        );
        assert!(!d.files.is_empty(), "{}", d.name);
    }
    let by = c
        .datasets
        .iter()
        .filter(|d| d.license_id == "cc-by-4.0")
        .count();
    assert!(by * 10 >= c.datasets.len() * 9, "mostly CC BY 4.0");
}

#[test]
fn dates_are_sensible() {
    check_dates(demo(), now());
}

fn check_dates(c: &DemoCity, n: DateTime<Utc>) {
    for d in &c.datasets {
        assert!(
            d.data_updated <= n && d.created <= d.data_updated,
            "{}",
            d.name
        );
        assert!(
            d.created >= n - chrono::Duration::days(730),
            "{}: created {}",
            d.name,
            d.created
        );
        if let (Some(a), Some(b)) = (d.temporal_start, d.temporal_end) {
            assert!(a <= b, "{}", d.name);
        }
    }
    let oldest = c.datasets.iter().map(|d| d.created).min().unwrap();
    assert!(
        oldest < n - chrono::Duration::days(365),
        "created dates spread over two years"
    );
}

#[test]
fn states_private_draft_overdue() {
    check_states(demo(), now());
}

fn check_states(c: &DemoCity, n: DateTime<Utc>) {
    let private = c.datasets.iter().filter(|d| d.private).count();
    let drafts = c.datasets.iter().filter(|d| d.draft).count();
    let overdue = c
        .datasets
        .iter()
        .filter(|d| !d.draft && is_overdue(d, n))
        .count();
    assert!(private >= 3, "{private} private");
    assert!(drafts >= 3, "{drafts} drafts");
    assert!(overdue >= 8, "{overdue} overdue");
    let current = c.datasets.iter().filter(|d| !is_overdue(d, n)).count();
    assert!(
        current >= c.datasets.len() / 2,
        "most datasets are up to date"
    );
}

#[test]
fn files_are_real_and_parseable() {
    check_files(demo());
}

fn check_files(c: &DemoCity) {
    let mut total = 0usize;
    for d in &c.datasets {
        let mut names = HashSet::new();
        for f in &d.files {
            assert!(!f.bytes.is_empty(), "{}/{}", d.name, f.name);
            assert!(
                names.insert(&f.name),
                "{}: duplicate file {}",
                d.name,
                f.name
            );
            total += f.bytes.len();
            match f.format.as_str() {
                "CSV" => {
                    assert!(f.name.ends_with(".csv") && f.mimetype == "text/csv");
                    let recs = parse_csv(std::str::from_utf8(&f.bytes).expect("UTF-8"));
                    let width = recs[0].len();
                    assert!(width >= 3, "{}", f.name);
                    for (i, r) in recs.iter().enumerate() {
                        assert_eq!(r.len(), width, "{}/{} record {i}", d.name, f.name);
                    }
                    assert!(
                        recs[0]
                            .iter()
                            .all(|h| h.bytes().all(|b| b.is_ascii_alphanumeric())),
                        "{}: latin header",
                        f.name
                    );
                    assert!(
                        (20..=300).contains(&(recs.len() - 1)),
                        "{}/{}: {} rows",
                        d.name,
                        f.name,
                        recs.len() - 1
                    );
                }
                "JSON" => {
                    assert!(f.name.ends_with(".json") && f.mimetype == "application/json");
                    let v: serde_json::Value = serde_json::from_slice(&f.bytes).expect("JSON");
                    let arr = v.as_array().expect("array of objects");
                    assert!(arr.iter().all(serde_json::Value::is_object));
                    assert!(
                        (20..=300).contains(&arr.len()),
                        "{}/{}: {} rows",
                        d.name,
                        f.name,
                        arr.len()
                    );
                }
                "XLSX" => {
                    assert!(f.name.ends_with(".xlsx"));
                    assert!(f.bytes.starts_with(b"PK\x03\x04"), "{}", f.name);
                }
                other => panic!("unexpected format {other}"),
            }
        }
    }
    assert!(total < 4 * 1024 * 1024, "{total} bytes");
}

#[test]
fn format_mix() {
    let c = demo();
    let count = |fmt: &str| {
        c.datasets
            .iter()
            .filter(|d| d.files.iter().any(|f| f.format == fmt))
            .count()
    };
    assert!(count("XLSX") >= 8, "{} XLSX", count("XLSX"));
    assert!(count("JSON") >= 8, "{} JSON", count("JSON"));
    assert!(count("CSV") >= 40, "{} CSV", count("CSV"));
    let two = c.datasets.iter().filter(|d| d.files.len() >= 2).count();
    assert!(two >= 3);
}

#[test]
fn values_in_files_are_valid() {
    let c = demo();
    for d in &c.datasets {
        for f in &d.files {
            let Some(rows) = rows(f) else { continue };
            for r in &rows {
                for (k, v) in r {
                    if v.is_empty() || v == "null" {
                        continue;
                    }
                    let code_col =
                        k == "edrpou" || k.ends_with("Edrpou") || k == "publisherIdentifier";
                    if code_col {
                        assert!(edrpou_is_valid(v), "{}/{}: {k}={v}", d.name, f.name);
                    }
                    if k == "latitude" {
                        let x: f64 = v.parse().unwrap();
                        assert!((49.0..=49.1).contains(&x), "{}: {k}={v}", f.name);
                    }
                    if k == "longitude" {
                        let x: f64 = v.parse().unwrap();
                        assert!((31.0..=31.1).contains(&x), "{}: {k}={v}", f.name);
                    }
                    if k.to_lowercase().ends_with("email") && !v.contains(';') {
                        assert!(is_valid_email(v), "{}: {k}={v}", f.name);
                    }
                    if k.ends_with("Date") || k == "validFrom" || k == "issued" {
                        assert!(
                            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
                            "{}: {k}={v}",
                            f.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn register_lists_the_catalog() {
    let c = demo();
    let reg = c
        .datasets
        .iter()
        .find(|d| d.resolution_835_item == "ALL-06")
        .expect("register");
    let f = &reg.files[0];
    let recs = parse_csv(std::str::from_utf8(&f.bytes).unwrap());
    assert_eq!(
        recs[0],
        [
            "identifier",
            "title",
            "description",
            "accrualPeriodicity",
            "keyword",
            "purpose",
            "landingPage",
            "distributionFormat",
            "publisherName",
            "publisherIdentifier",
            "contactPointFn",
            "contactPointHasEmail"
        ]
    );
    let listed: HashSet<&str> = recs[1..].iter().map(|r| r[0].as_str()).collect();
    for d in c.datasets.iter().filter(|d| !d.draft) {
        assert!(
            listed.contains(d.name.as_str()),
            "{} missing from the register",
            d.name
        );
    }
}

#[test]
fn budget_title_names_the_year() {
    let c = demo();
    let b = c
        .datasets
        .iter()
        .find(|d| d.resolution_835_item == "ALL-07")
        .unwrap();
    assert_eq!(b.title, "Бюджет Демо-міста на 2026 рік");
    assert!(
        b.files
            .iter()
            .any(|f| f.title == "Перелік розпорядників бюджетних коштів")
    );
}

#[test]
fn holds_on_other_dates() {
    for n in [
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 30).unwrap(),
        Utc.with_ymd_and_hms(2027, 12, 31, 23, 59, 59).unwrap(),
        Utc.with_ymd_and_hms(2025, 2, 28, 12, 0, 0).unwrap(),
    ] {
        let c = city(n);
        check_passports(&c);
        check_dates(&c, n);
        check_states(&c, n);
        check_files(&c);
        let b = c
            .datasets
            .iter()
            .find(|d| d.resolution_835_item == "ALL-07")
            .unwrap();
        assert!(
            b.title
                .ends_with(&format!("{} рік", chrono::Datelike::year(&n))),
            "{}",
            b.title
        );
    }
}

#[test]
fn deterministic_for_the_same_now() {
    let a = city(now());
    assert_eq!(&a, demo());
    let later = city(now() + chrono::Duration::days(40));
    assert_ne!(a.datasets[0].data_updated, later.datasets[0].data_updated);
}

#[test]
fn summary() {
    let c = demo();
    let n = now();
    let mut by_format: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in c.datasets.iter().flat_map(|d| &d.files) {
        let e = by_format.entry(f.format.as_str()).or_default();
        e.0 += 1;
        e.1 += f.bytes.len();
    }
    let total: usize = by_format.values().map(|v| v.1).sum();
    println!(
        "datasets {}, publishers {}, users {}, files {:?}, total {total} bytes, private {}, drafts {}, overdue {}",
        c.datasets.len(),
        c.publishers.len(),
        c.users.len(),
        by_format,
        c.datasets.iter().filter(|d| d.private).count(),
        c.datasets.iter().filter(|d| d.draft).count(),
        c.datasets
            .iter()
            .filter(|d| !d.draft && is_overdue(d, n))
            .count(),
    );
}

/// `cargo test -p misto-demo -- --ignored --nocapture dump` prints the catalog.
#[test]
#[ignore]
fn dump() {
    for d in &demo().datasets {
        println!(
            "{} {} [{}] {} | {} | upd {} | created {} | priv {} draft {} | {:?}",
            d.resolution_835_item,
            d.name,
            d.publisher,
            d.title,
            d.update_frequency,
            d.data_updated,
            d.created.date_naive(),
            d.private,
            d.draft,
            d.temporal_start.zip(d.temporal_end)
        );
        for f in &d.files {
            let n = rows(f).map_or(0, |r| r.len());
            println!("    {} {} rows {} bytes", f.name, n, f.bytes.len());
        }
    }
}

#[test]
fn centre_lies_among_the_streets() {
    let (lat, lon) = crate::CENTRE;
    for (street, s_lat, s_lon) in crate::gazetteer::STREETS {
        assert!(
            (s_lat - lat).abs() < 0.06 && (s_lon - lon).abs() < 0.06,
            "{street}"
        );
    }
}
