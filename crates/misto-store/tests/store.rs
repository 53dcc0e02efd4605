//! The store's integration tests. Every test runs on a fresh SQLite file, and
//! also on PostgreSQL when `MISTO_TEST_DATABASE_URL` is set (a schema per
//! test, so the tests run in parallel).

use std::collections::HashSet;

use chrono::NaiveDate;
use misto_core::time::{from_micros, parse_datetime};
use misto_core::{
    Activity, ApiToken, Dataset, DatasetState, EntityState, Extra, Group, Membership, Publisher,
    PublisherKind, Resource, Role, Timestamp, UpdateFrequency, User,
};
use misto_store::{Backend, Store, StoreError, testing};
use serde_json::json;

/// The stores every test runs on: SQLite always, PostgreSQL when configured.
async fn stores() -> Vec<Store> {
    let mut out = vec![testing::fresh_sqlite().await];
    if let Some(url) = testing::test_database_url() {
        out.push(testing::fresh_postgres(&url).await);
    }
    out
}

/// Defines one `#[tokio::test]` per function, running it on every backend.
macro_rules! on_every_backend {
    ($($name:ident),+ $(,)?) => {
        mod on_every_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    for store in super::stores().await {
                        eprintln!("{} on {:?}", stringify!($name), store.backend());
                        super::$name(&store).await;
                        store.close().await;
                    }
                }
            )+
        }
    };
}

on_every_backend!(
    publisher_round_trip,
    group_round_trip,
    user_round_trip,
    unique_conflicts,
    dataset_round_trip,
    dataset_without_optional_fields,
    dataset_name_checks,
    stale_revision_is_detected,
    seq_and_catalog_version_grow,
    changed_since_pages_through_everything,
    membership_upsert_changes_role,
    tokens,
    activities_newest_first,
    failed_insert_leaves_nothing,
    failed_update_leaves_old_state,
    concurrent_writes_and_reads,
    migrate_twice_is_harmless,
    tag_apostrophes_are_rewritten,
);

// ---------------------------------------------------------------- fixtures

fn ts(s: &str) -> Timestamp {
    parse_datetime(s).expect("timestamp")
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn publisher(name: &str) -> Publisher {
    Publisher {
        id: id(),
        name: name.into(),
        title: "Департамент бюджету та фінансів Житомирської міської ради".into(),
        title_en: Some("Budget and Finance Department".into()),
        description: "Розпорядник «бюджетних» даних — ґ, є, ї, ʼ 💶".into(),
        edrpou: Some("04053625".into()),
        kind: PublisherKind::ExecutiveBody,
        email: Some("finance@zt-rada.gov.ua".into()),
        phone: Some("+380 412 48-11-00".into()),
        website: Some("https://zt-rada.gov.ua".into()),
        address: Some("м. Житомир, майдан Соборний, 4/2".into()),
        image_url: Some("https://example.org/logo.png".into()),
        state: EntityState::Active,
        created: ts("2024-01-02T03:04:05.123456"),
        modified: ts("2024-02-03T04:05:06.654321"),
    }
}

fn bare_publisher(name: &str) -> Publisher {
    Publisher {
        title_en: None,
        edrpou: None,
        kind: PublisherKind::Other,
        email: None,
        phone: None,
        website: None,
        address: None,
        image_url: None,
        description: String::new(),
        state: EntityState::Deleted,
        ..publisher(name)
    }
}

fn group(name: &str) -> Group {
    Group {
        id: id(),
        name: name.into(),
        title: "Бюджет і фінанси".into(),
        title_en: Some("Budget and finance".into()),
        description: "Тема «гроші» 💰".into(),
        image_url: Some("https://example.org/g.svg".into()),
        state: EntityState::Active,
        created: ts("2023-12-31T23:59:59.999999"),
    }
}

fn user(name: &str, email: &str) -> User {
    User {
        id: id(),
        name: name.into(),
        fullname: Some("Олена Петрівна Ґалаґан".into()),
        email: email.into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        sysadmin: true,
        about: Some("Відповідальна за відкриті дані".into()),
        state: EntityState::Active,
        created: ts("2024-03-04T05:06:07.000001"),
    }
}

fn activity(object_id: &str, kind: &str, when: &str) -> Activity {
    Activity {
        id: id(),
        timestamp: ts(when),
        user_id: Some(id()),
        object_id: object_id.into(),
        activity_type: kind.into(),
        publisher_id: Some(id()),
        data: json!({"package": {"title": "Бюджет"}, "changes": [{"field": "title", "old": null}]}),
    }
}

fn resource(package_id: &str, position: i32, name: &str) -> Resource {
    let mut extras = serde_json::Map::new();
    extras.insert(
        "schema".into(),
        json!({"fields": [{"name": "сума", "type": "number"}]}),
    );
    extras.insert("rows".into(), json!(12345));
    extras.insert("verified".into(), json!(true));
    Resource {
        id: id(),
        package_id: package_id.into(),
        name: name.into(),
        description: "Доходи бюджету за 2024 рік, тис. грн".into(),
        url: "budget-2024.csv".into(),
        url_type: Some("upload".into()),
        format: "CSV".into(),
        mimetype: Some("text/csv".into()),
        size: Some(9_876_543_210),
        hash: Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into()),
        compress_format: Some("zip".into()),
        position,
        state: EntityState::Active,
        created: ts("2024-04-05T06:07:08.100000"),
        last_modified: Some(ts("2024-05-06T07:08:09.200000")),
        metadata_modified: ts("2024-05-06T07:08:09.300000"),
        blob_key: Some("ab/cd/abcdef".into()),
        extras,
    }
}

fn bare_resource(package_id: &str, position: i32) -> Resource {
    Resource {
        url: "https://example.org/data.json".into(),
        url_type: None,
        mimetype: None,
        size: None,
        hash: None,
        compress_format: None,
        last_modified: None,
        blob_key: None,
        extras: serde_json::Map::new(),
        description: String::new(),
        state: EntityState::Deleted,
        ..resource(package_id, position, "")
    }
}

fn dataset(name: &str, owner_org: &str) -> Dataset {
    let id = id();
    Dataset {
        resources: vec![
            resource(&id, 2, "третій"),
            resource(&id, 0, "перший"),
            resource(&id, 1, "другий"),
        ],
        id,
        name: name.into(),
        title: "Бюджет Житомирської міської територіальної громади — «доходи»".into(),
        title_en: Some("Zhytomyr budget: revenue".into()),
        notes: "**Опис** набору: ґ є ї ʼ 💶\nдругий рядок".into(),
        notes_en: Some("Description".into()),
        owner_org: owner_org.into(),
        private: true,
        state: DatasetState::Active,
        license_id: "cc-by-4.0".into(),
        author: Some("Автор".into()),
        author_email: Some("author@zt-rada.gov.ua".into()),
        maintainer: Some("Відповідальна особа".into()),
        maintainer_email: Some("opendata@zt-rada.gov.ua".into()),
        url: Some("https://zt-rada.gov.ua/budget".into()),
        version: Some("1.2".into()),
        tags: vec!["бюджет".into(), "фінанси".into(), "budget 2024".into()],
        groups: vec![id_of_theme("finance"), id_of_theme("economy")],
        language: "ua".into(),
        update_frequency: Some(UpdateFrequency::OnceAQuarter),
        purpose_of_collecting_information: Some("Бюджетний кодекс України".into()),
        resolution_835_item: Some("OMS-12".into()),
        spatial_katottg: Some("UA18040470010071716".into()),
        temporal_start: NaiveDate::from_ymd_opt(2024, 1, 1),
        temporal_end: NaiveDate::from_ymd_opt(2024, 12, 31),
        data_updated: Some(ts("2024-06-30T12:00:00.000007")),
        extras: vec![
            Extra {
                key: "джерело".into(),
                value: "Фінансове управління".into(),
            },
            Extra {
                key: "a".into(),
                value: "{\"not\": \"parsed\"}".into(),
            },
        ],
        creator_user_id: Some("creator-1".into()),
        metadata_created: ts("2024-01-15T08:00:00.000001"),
        metadata_modified: ts("2024-07-01T09:30:00.123456"),
        revision: 0,
        seq: 0,
    }
}

fn id_of_theme(name: &str) -> String {
    format!("theme-{name}")
}

fn bare_dataset(name: &str, owner_org: &str) -> Dataset {
    Dataset {
        title_en: None,
        notes: String::new(),
        notes_en: None,
        private: false,
        state: DatasetState::Draft,
        author: None,
        author_email: None,
        maintainer: None,
        maintainer_email: None,
        url: None,
        version: None,
        tags: vec![],
        groups: vec![],
        update_frequency: None,
        purpose_of_collecting_information: None,
        resolution_835_item: None,
        spatial_katottg: None,
        temporal_start: None,
        temporal_end: None,
        data_updated: None,
        extras: vec![],
        creator_user_id: None,
        resources: vec![],
        ..dataset(name, owner_org)
    }
}

async fn saved_publisher(s: &Store, name: &str) -> Publisher {
    let p = publisher(name);
    s.insert_publisher(&p, None)
        .await
        .expect("insert publisher");
    p
}

fn new_activity(d: &Dataset) -> Activity {
    Activity {
        object_id: d.id.clone(),
        publisher_id: Some(d.owner_org.clone()),
        ..activity(&d.id, "new package", "2024-07-01T09:30:00.123456")
    }
}

fn conflict_field(e: StoreError) -> (String, String) {
    match e {
        StoreError::Conflict { field, message } => (field, message),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

// ------------------------------------------------------------------- tests

async fn publisher_round_trip(s: &Store) {
    let full = publisher("zt-finance");
    let act = activity(&full.id, "new organization", "2024-01-02T03:04:05.123456");
    s.insert_publisher(&full, Some(&act)).await.unwrap();
    let bare = bare_publisher("a-bare");
    s.insert_publisher(&bare, None).await.unwrap();

    assert_eq!(
        s.find_publisher(&full.id).await.unwrap().as_ref(),
        Some(&full)
    );
    assert_eq!(
        s.find_publisher("zt-finance").await.unwrap().as_ref(),
        Some(&full)
    );
    assert_eq!(
        s.find_publisher("a-bare").await.unwrap().as_ref(),
        Some(&bare)
    );
    assert_eq!(s.find_publisher("nobody").await.unwrap(), None);
    assert_eq!(
        s.list_publishers().await.unwrap(),
        vec![bare.clone(), full.clone()]
    );
    assert_eq!(s.list_activities(&full.id, 10, 0).await.unwrap(), vec![act]);

    let changed = Publisher {
        name: "zt-finance-2".into(),
        title: "Нова назва".into(),
        title_en: None,
        kind: PublisherKind::CommunalEnterprise,
        state: EntityState::Deleted,
        modified: ts("2025-01-01T00:00:00.000001"),
        ..full.clone()
    };
    let act2 = activity(
        &full.id,
        "changed organization",
        "2025-01-01T00:00:00.000001",
    );
    s.update_publisher(&changed, Some(&act2)).await.unwrap();
    assert_eq!(
        s.find_publisher(&full.id).await.unwrap(),
        Some(changed.clone())
    );
    assert_eq!(s.find_publisher("zt-finance").await.unwrap(), None);
    assert_eq!(s.list_activities(&full.id, 10, 0).await.unwrap()[0], act2);

    let missing = publisher("ghost");
    assert!(matches!(
        s.update_publisher(&missing, None).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn group_round_trip(s: &Store) {
    let g = group("finance");
    s.insert_group(&g).await.unwrap();
    let bare = Group {
        title_en: None,
        image_url: None,
        description: String::new(),
        state: EntityState::Deleted,
        ..group("economy")
    };
    s.insert_group(&bare).await.unwrap();
    assert_eq!(s.find_group(&g.id).await.unwrap().as_ref(), Some(&g));
    assert_eq!(s.find_group("economy").await.unwrap().as_ref(), Some(&bare));
    assert_eq!(s.find_group("none").await.unwrap(), None);
    assert_eq!(
        s.list_groups().await.unwrap(),
        vec![bare.clone(), g.clone()]
    );

    let changed = Group {
        title: "Фінанси".into(),
        title_en: None,
        ..g.clone()
    };
    s.update_group(&changed).await.unwrap();
    assert_eq!(s.find_group("finance").await.unwrap(), Some(changed));
    assert!(matches!(
        s.update_group(&group("ghost")).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn user_round_trip(s: &Store) {
    let u = user("olena", "Olena@Zt-Rada.gov.ua");
    s.insert_user(&u).await.unwrap();
    let bare = User {
        fullname: None,
        password_hash: None,
        sysadmin: false,
        about: None,
        state: EntityState::Deleted,
        ..user("andrii", "andrii@example.org")
    };
    s.insert_user(&bare).await.unwrap();

    assert_eq!(s.find_user(&u.id).await.unwrap().as_ref(), Some(&u));
    assert_eq!(s.find_user("olena").await.unwrap().as_ref(), Some(&u));
    assert_eq!(s.find_user("andrii").await.unwrap().as_ref(), Some(&bare));
    assert_eq!(
        s.find_user_by_email("olena@zt-rada.gov.ua")
            .await
            .unwrap()
            .as_ref(),
        Some(&u)
    );
    assert_eq!(
        s.find_user_by_email("Olena@Zt-Rada.gov.ua")
            .await
            .unwrap()
            .as_ref(),
        Some(&u)
    );
    assert_eq!(
        s.find_user_by_email("nobody@example.org").await.unwrap(),
        None
    );
    assert_eq!(s.find_user("nobody").await.unwrap(), None);
    assert_eq!(s.list_users().await.unwrap(), vec![bare.clone(), u.clone()]);
    assert_eq!(s.count_users().await.unwrap(), 2);

    let changed = User {
        sysadmin: false,
        password_hash: None,
        email: "o@x.ua".into(),
        ..u.clone()
    };
    s.update_user(&changed).await.unwrap();
    assert_eq!(s.find_user("olena").await.unwrap(), Some(changed));
    assert!(matches!(
        s.update_user(&user("ghost", "g@x.ua")).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn unique_conflicts(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let e = s
        .insert_publisher(&publisher("zt"), None)
        .await
        .unwrap_err();
    assert_eq!(conflict_field(e).0, "name");
    let e = s
        .insert_publisher(
            &Publisher {
                name: "other".into(),
                ..p.clone()
            },
            None,
        )
        .await;
    assert_eq!(conflict_field(e.unwrap_err()).0, "id");
    let other = saved_publisher(s, "zt-other").await;
    let e = s
        .update_publisher(
            &Publisher {
                name: "zt".into(),
                ..other
            },
            None,
        )
        .await;
    assert_eq!(conflict_field(e.unwrap_err()).0, "name");

    s.insert_group(&group("finance")).await.unwrap();
    assert_eq!(
        conflict_field(s.insert_group(&group("finance")).await.unwrap_err()).0,
        "name"
    );

    s.insert_user(&user("olena", "olena@example.org"))
        .await
        .unwrap();
    let e = s
        .insert_user(&user("olena", "other@example.org"))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(e).0, "name");
    let e = s
        .insert_user(&user("other", "OLENA@example.org"))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(e).0, "email");
    assert_eq!(s.count_users().await.unwrap(), 1);

    let d = dataset("budget", &p.id);
    s.insert_dataset(&d, &new_activity(&d)).await.unwrap();
    let d2 = bare_dataset("budget", &p.id);
    let (field, message) =
        conflict_field(s.insert_dataset(&d2, &new_activity(&d2)).await.unwrap_err());
    assert_eq!(
        (field.as_str(), message.as_str()),
        ("name", "That URL is already in use.")
    );
    let d3 = bare_dataset("budget-3", &p.id);
    let d3 = s.insert_dataset(&d3, &new_activity(&d3)).await.unwrap();
    let renamed = Dataset {
        name: "budget".into(),
        ..d3.clone()
    };
    let e = s
        .update_dataset(&renamed, d3.revision, &new_activity(&d3))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(e).0, "name");

    let u = s.find_user("olena").await.unwrap().unwrap();
    let t = token(&u.id, "hash-1");
    s.insert_token(&t).await.unwrap();
    let e = s.insert_token(&token(&u.id, "hash-1")).await.unwrap_err();
    assert_eq!(conflict_field(e).0, "token");
}

async fn dataset_round_trip(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let d = dataset("budget-2024", &p.id);
    let act = new_activity(&d);
    let before = s.catalog_version().await.unwrap();
    let saved = s.insert_dataset(&d, &act).await.unwrap();

    assert_eq!(saved.revision, 1);
    assert_eq!(saved.seq, before + 1);
    assert_eq!(s.catalog_version().await.unwrap(), before + 1);
    let positions: Vec<i32> = saved.resources.iter().map(|r| r.position).collect();
    assert_eq!(positions, vec![0, 1, 2]);
    let names: Vec<&str> = saved.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["перший", "другий", "третій"]);
    // Everything else is as given.
    let mut expected = d.clone();
    expected.resources.sort_by_key(|r| r.position);
    assert_eq!(
        Dataset {
            revision: 0,
            seq: 0,
            ..saved.clone()
        },
        expected
    );

    assert_eq!(s.find_dataset(&d.id).await.unwrap().as_ref(), Some(&saved));
    assert_eq!(
        s.find_dataset("budget-2024").await.unwrap().as_ref(),
        Some(&saved)
    );
    assert_eq!(s.find_dataset("nothing").await.unwrap(), None);
    assert_eq!(s.list_activities(&d.id, 10, 0).await.unwrap(), vec![act]);
    for r in &saved.resources {
        assert_eq!(
            s.find_dataset_id_by_resource(&r.id).await.unwrap(),
            Some(d.id.clone())
        );
    }
    assert_eq!(
        s.find_dataset_id_by_resource("nothing").await.unwrap(),
        None
    );
    assert_eq!(s.count_datasets().await.unwrap(), 1);

    // Reorder, drop and add resources: the update replaces them all.
    let mut changed = saved.clone();
    changed.resources.remove(1);
    changed.resources[0].position = 5;
    changed.resources.push(bare_resource(&d.id, 3));
    changed.title = "Оновлено".into();
    changed.tags = vec!["ґрунт".into()];
    changed.extras.clear();
    changed.temporal_end = None;
    changed.state = DatasetState::Deleted;
    let act2 = Activity {
        activity_type: "changed package".into(),
        ..new_activity(&d)
    };
    let updated = s
        .update_dataset(&changed, saved.revision, &act2)
        .await
        .unwrap();
    assert_eq!(updated.revision, 2);
    assert!(updated.seq > saved.seq);
    let names: Vec<&str> = updated.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, vec!["третій", "", "перший"]);
    assert_eq!(s.find_dataset(&d.id).await.unwrap(), Some(updated.clone()));
    assert_eq!(
        s.find_dataset_id_by_resource(&saved.resources[1].id)
            .await
            .unwrap(),
        None
    );
    let acts = s.list_activities(&d.id, 10, 0).await.unwrap();
    assert_eq!(acts.len(), 2);
    assert_eq!(acts[0].activity_type, "changed package");
}

async fn dataset_without_optional_fields(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let d = bare_dataset("bare", &p.id);
    let saved = s.insert_dataset(&d, &new_activity(&d)).await.unwrap();
    assert_eq!(
        Dataset {
            revision: 0,
            seq: 0,
            ..saved.clone()
        },
        d
    );
    assert_eq!(s.find_dataset("bare").await.unwrap(), Some(saved));

    // A resource's package_id is always its dataset's.
    let mut d2 = bare_dataset("bare-2", &p.id);
    d2.resources = vec![bare_resource("some-other-id", 0)];
    let saved2 = s.insert_dataset(&d2, &new_activity(&d2)).await.unwrap();
    assert_eq!(saved2.resources[0].package_id, d2.id);
    assert_eq!(s.find_dataset(&d2.id).await.unwrap(), Some(saved2));
}

async fn dataset_name_checks(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let d = bare_dataset("taken", &p.id);
    s.insert_dataset(&d, &new_activity(&d)).await.unwrap();
    assert!(s.dataset_name_taken("taken", None).await.unwrap());
    assert!(
        s.dataset_name_taken("taken", Some("another-id"))
            .await
            .unwrap()
    );
    assert!(!s.dataset_name_taken("taken", Some(&d.id)).await.unwrap());
    assert!(!s.dataset_name_taken("free", None).await.unwrap());
}

async fn stale_revision_is_detected(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let d = dataset("budget", &p.id);
    let v1 = s.insert_dataset(&d, &new_activity(&d)).await.unwrap();
    let a = Dataset {
        title: "перша правка".into(),
        ..v1.clone()
    };
    let v2 = s.update_dataset(&a, 1, &new_activity(&d)).await.unwrap();
    assert_eq!(v2.revision, 2);

    let version = s.catalog_version().await.unwrap();
    let b = Dataset {
        title: "друга правка, з застарілої версії".into(),
        ..v1.clone()
    };
    let err = s
        .update_dataset(&b, 1, &new_activity(&d))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::StaleRevision), "{err:?}");
    assert_eq!(
        s.catalog_version().await.unwrap(),
        version,
        "a refused save bumps nothing"
    );
    assert_eq!(s.find_dataset(&d.id).await.unwrap(), Some(v2.clone()));
    assert_eq!(s.list_activities(&d.id, 10, 0).await.unwrap().len(), 2);

    let v3 = s.update_dataset(&b, 2, &new_activity(&d)).await.unwrap();
    assert_eq!(v3.revision, 3);

    let ghost = bare_dataset("ghost", &p.id);
    let err = s
        .update_dataset(&ghost, 1, &new_activity(&ghost))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

async fn seq_and_catalog_version_grow(s: &Store) {
    assert_eq!(s.catalog_version().await.unwrap(), 0);
    let p = saved_publisher(s, "zt").await;
    assert_eq!(s.catalog_version().await.unwrap(), 1);
    s.update_publisher(&p, None).await.unwrap();
    assert_eq!(s.catalog_version().await.unwrap(), 2);
    s.insert_group(&group("finance")).await.unwrap();
    assert_eq!(s.catalog_version().await.unwrap(), 3);

    // Users, tokens and activities do not change what the catalog shows.
    let u = user("olena", "olena@example.org");
    s.insert_user(&u).await.unwrap();
    s.insert_token(&token(&u.id, "h")).await.unwrap();
    s.insert_activity(&activity("x", "changed user", "2024-01-01T00:00:00"))
        .await
        .unwrap();
    assert_eq!(s.catalog_version().await.unwrap(), 3);

    let m = Membership {
        user_id: u.id.clone(),
        publisher_id: p.id.clone(),
        role: Role::Editor,
    };
    s.upsert_membership(&m).await.unwrap();
    assert_eq!(s.catalog_version().await.unwrap(), 4);
    assert!(
        !s.delete_membership(&u.id, "no-such-publisher")
            .await
            .unwrap()
    );
    assert_eq!(
        s.catalog_version().await.unwrap(),
        4,
        "deleting nothing bumps nothing"
    );
    assert!(s.delete_membership(&u.id, &p.id).await.unwrap());
    assert_eq!(s.catalog_version().await.unwrap(), 5);

    let mut last = s.catalog_version().await.unwrap();
    let mut saved = Vec::new();
    for i in 0..5 {
        let d = bare_dataset(&format!("d-{i}"), &p.id);
        let got = s.insert_dataset(&d, &new_activity(&d)).await.unwrap();
        assert!(got.seq > last);
        assert_eq!(got.seq, s.catalog_version().await.unwrap());
        last = got.seq;
        saved.push(got);
    }
    let first = saved[0].clone();
    let got = s
        .update_dataset(&first, first.revision, &new_activity(&first))
        .await
        .unwrap();
    assert!(got.seq > last);
    assert_eq!(
        s.find_dataset(&first.id).await.unwrap().unwrap().seq,
        got.seq
    );
}

async fn changed_since_pages_through_everything(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let mut expected = Vec::new();
    for i in 0..23 {
        let mut d = bare_dataset(&format!("set-{i:02}"), &p.id);
        d.resources = (0..(i % 4))
            .map(|k| resource(&d.id, k, &format!("r{k}")))
            .collect();
        expected.push(s.insert_dataset(&d, &new_activity(&d)).await.unwrap());
    }
    // A publisher write in between moves the version but no dataset.
    s.update_publisher(&p, None).await.unwrap();

    let mut loaded = Vec::new();
    let mut since = 0;
    let mut batches = 0;
    loop {
        let batch = s.datasets_changed_since(since, 5).await.unwrap();
        batches += 1;
        if let Some(last) = batch.last() {
            since = last.seq;
        }
        let done = batch.len() < 5;
        loaded.extend(batch);
        if done {
            break;
        }
    }
    assert_eq!(batches, 5);
    assert_eq!(loaded, expected);
    assert!(loaded.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(s.datasets_changed_since(since, 5).await.unwrap().is_empty());
    assert!(s.datasets_changed_since(0, 0).await.unwrap().is_empty());

    // After a change, only the changed dataset comes back.
    let version = s.catalog_version().await.unwrap();
    let d = expected[3].clone();
    let updated = s
        .update_dataset(&d, d.revision, &new_activity(&d))
        .await
        .unwrap();
    assert_eq!(
        s.datasets_changed_since(version, 100).await.unwrap(),
        vec![updated]
    );
}

async fn membership_upsert_changes_role(s: &Store) {
    let p1 = saved_publisher(s, "p-1").await;
    let p2 = saved_publisher(s, "p-2").await;
    let u1 = user("u-1", "u1@example.org");
    let u2 = user("u-2", "u2@example.org");
    s.insert_user(&u1).await.unwrap();
    s.insert_user(&u2).await.unwrap();

    let m = |u: &User, p: &Publisher, role| Membership {
        user_id: u.id.clone(),
        publisher_id: p.id.clone(),
        role,
    };
    s.upsert_membership(&m(&u1, &p1, Role::Member))
        .await
        .unwrap();
    s.upsert_membership(&m(&u1, &p2, Role::Editor))
        .await
        .unwrap();
    s.upsert_membership(&m(&u2, &p1, Role::Editor))
        .await
        .unwrap();
    s.upsert_membership(&m(&u1, &p1, Role::Admin))
        .await
        .unwrap();

    let mut of_u1 = vec![m(&u1, &p1, Role::Admin), m(&u1, &p2, Role::Editor)];
    of_u1.sort_by(|a, b| a.publisher_id.cmp(&b.publisher_id));
    assert_eq!(s.memberships_of_user(&u1.id).await.unwrap(), of_u1);
    let mut of_p1 = vec![m(&u1, &p1, Role::Admin), m(&u2, &p1, Role::Editor)];
    of_p1.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    assert_eq!(s.members_of_publisher(&p1.id).await.unwrap(), of_p1);

    assert!(s.delete_membership(&u1.id, &p1.id).await.unwrap());
    assert!(!s.delete_membership(&u1.id, &p1.id).await.unwrap());
    assert_eq!(
        s.members_of_publisher(&p1.id).await.unwrap(),
        vec![m(&u2, &p1, Role::Editor)]
    );
    assert_eq!(s.memberships_of_user("nobody").await.unwrap(), vec![]);
}

fn token(user_id: &str, hash: &str) -> ApiToken {
    ApiToken {
        id: id(),
        user_id: user_id.into(),
        name: "Скрипт імпорту".into(),
        token_hash: hash.into(),
        created: ts("2024-01-01T00:00:00.000001"),
        expires_at: Some(ts("2025-01-01T00:00:00")),
        last_used: None,
    }
}

async fn tokens(s: &Store) {
    let u = user("olena", "olena@example.org");
    s.insert_user(&u).await.unwrap();
    let t1 = token(&u.id, "hash-1");
    let t2 = ApiToken {
        expires_at: None,
        last_used: Some(ts("2024-02-02T00:00:00")),
        created: ts("2024-01-02T00:00:00"),
        ..token(&u.id, "hash-2")
    };
    s.insert_token(&t1).await.unwrap();
    s.insert_token(&t2).await.unwrap();

    assert_eq!(
        s.find_token_by_hash("hash-1").await.unwrap(),
        Some(t1.clone())
    );
    assert_eq!(s.find_token_by_hash("nope").await.unwrap(), None);
    assert_eq!(
        s.list_tokens(&u.id).await.unwrap(),
        vec![t1.clone(), t2.clone()]
    );
    assert_eq!(s.list_tokens("nobody").await.unwrap(), vec![]);

    let when = ts("2024-03-03T03:03:03.333333");
    s.touch_token(&t1.id, when).await.unwrap();
    let touched = s.find_token_by_hash("hash-1").await.unwrap().unwrap();
    assert_eq!(touched.last_used, Some(when));
    s.touch_token("gone", when).await.unwrap();

    assert!(s.delete_token(&t1.id).await.unwrap());
    assert!(!s.delete_token(&t1.id).await.unwrap());
    assert_eq!(s.find_token_by_hash("hash-1").await.unwrap(), None);
    assert_eq!(s.list_tokens(&u.id).await.unwrap(), vec![t2]);
}

async fn activities_newest_first(s: &Store) {
    let object = "dataset-1";
    let a_old = activity(object, "new package", "2024-01-01T00:00:00");
    let a_new = activity(object, "changed package", "2024-03-01T00:00:00");
    let a_mid = activity(object, "changed package", "2024-02-01T00:00:00");
    // Same microsecond: the later insert counts as newer.
    let a_same_1 = activity(object, "changed package", "2024-04-01T00:00:00.000001");
    let a_same_2 = activity(object, "deleted package", "2024-04-01T00:00:00.000001");
    let unrelated = Activity {
        data: json!(null),
        user_id: None,
        publisher_id: None,
        ..activity("other", "x", "2030-01-01T00:00:00")
    };
    for a in [&a_old, &a_new, &a_mid, &a_same_1, &a_same_2, &unrelated] {
        s.insert_activity(a).await.unwrap();
    }
    let all = s.list_activities(object, 100, 0).await.unwrap();
    assert_eq!(
        all,
        vec![
            a_same_2.clone(),
            a_same_1.clone(),
            a_new.clone(),
            a_mid.clone(),
            a_old.clone()
        ]
    );
    assert_eq!(
        s.list_activities(object, 2, 1).await.unwrap(),
        vec![a_same_1, a_new]
    );
    assert_eq!(s.list_activities(object, 10, 10).await.unwrap(), vec![]);
    assert_eq!(
        s.list_activities("other", 10, 0).await.unwrap(),
        vec![unrelated.clone()]
    );
    let e = s.insert_activity(&unrelated).await.unwrap_err();
    assert_eq!(conflict_field(e).0, "id");
    assert_eq!(from_micros(0).timestamp(), 0);
}

async fn failed_insert_leaves_nothing(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let first = dataset("first", &p.id);
    let first = s
        .insert_dataset(&first, &new_activity(&first))
        .await
        .unwrap();
    let version = s.catalog_version().await.unwrap();

    // The second dataset reuses a resource id of the first.
    let mut second = dataset("second", &p.id);
    second.resources[1].id = first.resources[0].id.clone();
    let act = new_activity(&second);
    let (field, _) = conflict_field(s.insert_dataset(&second, &act).await.unwrap_err());
    assert_eq!(field, "resources");

    assert_eq!(s.find_dataset(&second.id).await.unwrap(), None);
    assert_eq!(s.find_dataset("second").await.unwrap(), None);
    for r in &second.resources {
        assert_ne!(
            s.find_dataset_id_by_resource(&r.id).await.unwrap(),
            Some(second.id.clone())
        );
    }
    assert_eq!(s.list_activities(&second.id, 10, 0).await.unwrap(), vec![]);
    assert_eq!(s.catalog_version().await.unwrap(), version);
    assert_eq!(s.count_datasets().await.unwrap(), 1);
    assert_eq!(s.find_dataset(&first.id).await.unwrap(), Some(first));

    // A dataset whose publisher does not exist is refused too.
    let orphan = bare_dataset("orphan", "no-such-publisher");
    assert!(
        s.insert_dataset(&orphan, &new_activity(&orphan))
            .await
            .is_err()
    );
    assert_eq!(s.count_datasets().await.unwrap(), 1);
    assert_eq!(s.catalog_version().await.unwrap(), version);
}

async fn failed_update_leaves_old_state(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let a = dataset("a", &p.id);
    let a = s.insert_dataset(&a, &new_activity(&a)).await.unwrap();
    let b = dataset("b", &p.id);
    let b = s.insert_dataset(&b, &new_activity(&b)).await.unwrap();
    let version = s.catalog_version().await.unwrap();

    let mut changed = Dataset {
        title: "не збережеться".into(),
        ..b.clone()
    };
    changed.resources[2].id = a.resources[0].id.clone();
    let e = s
        .update_dataset(&changed, b.revision, &new_activity(&b))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(e).0, "resources");
    assert_eq!(s.find_dataset(&b.id).await.unwrap(), Some(b.clone()));
    assert_eq!(s.find_dataset(&a.id).await.unwrap(), Some(a));
    assert_eq!(s.catalog_version().await.unwrap(), version);
    assert_eq!(s.list_activities(&b.id, 10, 0).await.unwrap().len(), 1);
}

async fn concurrent_writes_and_reads(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let s = s.clone();
        let owner = p.id.clone();
        tasks.push(tokio::spawn(async move {
            let mut d = dataset(&format!("c-{i}"), &owner);
            d.groups.clear();
            let saved = s.insert_dataset(&d, &new_activity(&d)).await.unwrap();
            let again = s
                .update_dataset(&saved, 1, &new_activity(&saved))
                .await
                .unwrap();
            assert_eq!(s.find_dataset(&d.id).await.unwrap(), Some(again.clone()));
            s.datasets_changed_since(0, 1000).await.unwrap();
            again.seq
        }));
    }
    let mut seqs = HashSet::new();
    for t in tasks {
        assert!(seqs.insert(t.await.unwrap()), "every save has its own seq");
    }
    assert_eq!(s.count_datasets().await.unwrap(), 16);
    assert_eq!(s.datasets_changed_since(0, 1000).await.unwrap().len(), 16);
    assert_eq!(s.catalog_version().await.unwrap(), 1 + 32);
}

/// Migration 0019 rewrites the apostrophes of stored tags as U+02BC, only
/// in tags, and hands the rewritten datasets a new `seq` so that running
/// instances reload them.
async fn tag_apostrophes_are_rewritten(s: &Store) {
    let p = saved_publisher(s, "zt").await;
    let mut old = dataset("apostrophes", &p.id);
    old.tags = vec!["здоров'я".into(), "сім’я".into(), "бюджет".into()];
    old.notes = "Дані закладів охорони здоров'я".into();
    let old = s.insert_dataset(&old, &new_activity(&old)).await.unwrap();
    let plain = bare_dataset("plain", &p.id);
    let plain = s
        .insert_dataset(&plain, &new_activity(&plain))
        .await
        .unwrap();
    let version = s.catalog_version().await.unwrap();

    testing::forget_migration(s, 19).await;
    s.migrate().await.unwrap();

    let new = s.find_dataset("apostrophes").await.unwrap().unwrap();
    assert_eq!(new.tags, vec!["здоровʼя", "сімʼя", "бюджет"]);
    assert_eq!(new.notes, old.notes, "only tags are rewritten");
    assert_eq!(s.catalog_version().await.unwrap(), version + 1);
    let changed = s.datasets_changed_since(version, 100).await.unwrap();
    let changed: Vec<&str> = changed.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(changed, vec!["apostrophes"]);
    assert_eq!(s.find_dataset("plain").await.unwrap(), Some(plain));

    // Nothing left to rewrite: running it again changes nothing.
    testing::forget_migration(s, 19).await;
    s.migrate().await.unwrap();
    assert_eq!(s.catalog_version().await.unwrap(), version + 1);
}

async fn migrate_twice_is_harmless(s: &Store) {
    s.migrate().await.unwrap();
    s.ping().await.unwrap();
    assert_eq!(s.catalog_version().await.unwrap(), 0);
}

// ------------------------------------------------------ SQLite specifics

fn temp_sqlite_url(tag: &str) -> (String, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "misto-store-{tag}-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    (format!("sqlite://{}", path.display()), path)
}

fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Two stores on one file, as a server and a CLI command would be: both
/// write, each sees the other's writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_file_shared_by_two_processes() {
    let (url, path) = temp_sqlite_url("shared");
    let server = Store::connect(&url).await.unwrap();
    assert_eq!(server.backend(), Backend::Sqlite);
    server.migrate().await.unwrap();
    let cli = Store::connect(&url).await.unwrap();
    cli.migrate().await.unwrap();

    let p = saved_publisher(&server, "zt").await;
    let mut tasks = Vec::new();
    for (k, store) in [server.clone(), cli.clone()].into_iter().enumerate() {
        let owner = p.id.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let d = bare_dataset(&format!("s{k}-{i}"), &owner);
                store.insert_dataset(&d, &new_activity(&d)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(server.count_datasets().await.unwrap(), 20);
    assert_eq!(cli.catalog_version().await.unwrap(), 21);
    assert!(cli.find_dataset("s0-9").await.unwrap().is_some());
    server.close().await;
    cli.close().await;
    remove_sqlite(&path);
}

#[tokio::test]
async fn sqlite_in_memory_works() {
    let s = Store::connect("sqlite::memory:").await.unwrap();
    s.migrate().await.unwrap();
    let p = saved_publisher(&s, "zt").await;
    let d = dataset("mem", &p.id);
    let saved = s.insert_dataset(&d, &new_activity(&d)).await.unwrap();
    assert_eq!(s.find_dataset("mem").await.unwrap(), Some(saved));
}

#[tokio::test]
async fn sqlite_file_is_created_and_reopened() {
    let (url, path) = temp_sqlite_url("reopen");
    assert!(!path.exists());
    let s = Store::connect(&url).await.unwrap();
    s.migrate().await.unwrap();
    saved_publisher(&s, "zt").await;
    s.close().await;
    assert!(path.exists());
    let s = Store::connect(&url).await.unwrap();
    s.migrate().await.unwrap();
    assert_eq!(s.list_publishers().await.unwrap().len(), 1);
    s.close().await;
    remove_sqlite(&path);
}

#[tokio::test]
async fn unknown_url_is_refused() {
    let err = Store::connect("mysql://root:secret@localhost/misto")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("mysql"), "{text}");
    assert!(
        !text.contains("secret"),
        "the URL's password must not leak: {text}"
    );
}

/// Start-up load of a large catalog, in batches of 1000. Run with
/// `cargo test -p misto-store --release -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bulk_load_timing() {
    let n = 20_000;
    for s in stores().await {
        let p = saved_publisher(&s, "zt").await;
        let t = std::time::Instant::now();
        for i in 0..n {
            let mut d = bare_dataset(&format!("bulk-{i}"), &p.id);
            d.resources = (0..3).map(|k| resource(&d.id, k, "r")).collect();
            s.insert_dataset(&d, &new_activity(&d)).await.unwrap();
        }
        eprintln!(
            "{:?}: inserted {n} datasets in {:?}",
            s.backend(),
            t.elapsed()
        );
        let t = std::time::Instant::now();
        let (mut since, mut total) = (0, 0);
        loop {
            let batch = s.datasets_changed_since(since, 1000).await.unwrap();
            total += batch.len();
            match batch.last() {
                Some(last) if batch.len() == 1000 => since = last.seq,
                _ => break,
            }
        }
        assert_eq!(total, n);
        eprintln!(
            "{:?}: loaded {n} datasets in {:?}",
            s.backend(),
            t.elapsed()
        );
        s.close().await;
    }
}
