//! Harvesting over loopback: a second misto (the whole router, served on a
//! real socket) as CKAN and DCAT source, recorded data.gov.ua-shaped CKAN
//! answers and a paged DCAT catalogue served by a tiny local server, push to
//! a second misto, and interrupted runs. Runs on SQLite, or PostgreSQL when
//! MISTO_TEST_DATABASE_URL is set.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::datasets::{DatasetInput, Expect, ResourceInput};
use misto_actions::harvest::{HarvestSourceInput, PushTarget};
use misto_actions::publishers::PublisherInput;
use misto_actions::{BlobStore, Portal, PortalConfig};
use misto_core::DatasetState;
use misto_core::harvest::{EntryAction, RunState};
use misto_harvest::Progress;

async fn portal(site: &str) -> Portal {
    let store = misto_store::testing::fresh_store().await;
    let dir = std::env::temp_dir().join(format!("misto-harvest-{}", uuid()));
    let blobs = BlobStore::local(dir).await.unwrap();
    let config = PortalConfig {
        site_url: site.to_string(),
        // The sources of these tests are servers on loopback.
        outbound_allow: vec!["127.0.0.1".into()],
        ..PortalConfig::default()
    };
    let p = Portal::open(store, blobs, config).await.unwrap();
    p.seed_themes().await.unwrap();
    p
}

fn uuid() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// A misto serving its whole router on a loopback port.
async fn remote_misto() -> (Portal, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let p = portal(&base).await;
    let app = misto_server::app(p.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (p, base)
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    base
}

fn edrpou(seed: &str) -> String {
    misto_core::codes::edrpou_complete(seed).unwrap()
}

async fn add_publisher(p: &Portal, name: &str, title: &str, code: Option<String>) -> String {
    p.create_publisher(
        &system_viewer(),
        PublisherInput {
            name: name.into(),
            title: Some(title.into()),
            edrpou: code,
            ..PublisherInput::default()
        },
    )
    .await
    .unwrap()
    .id
}

fn dataset(name: &str, title: &str, org: &str) -> DatasetInput {
    DatasetInput {
        name: name.into(),
        title: Some(title.into()),
        notes: Some(format!("Опис: {title}")),
        owner_org: Some(org.into()),
        tags: vec!["бюджет".into(), "місто".into()],
        update_frequency: Some("once a month".into()),
        resources: Some(vec![ResourceInput {
            name: Some("Дані".into()),
            url: Some(format!("https://example.org/{name}.csv")),
            format: Some("CSV".into()),
            ..ResourceInput::default()
        }]),
        ..DatasetInput::default()
    }
}

async fn add_source(
    local: &Portal,
    name: &str,
    kind: &str,
    url: &str,
    config: serde_json::Value,
    files: bool,
) -> String {
    local
        .create_harvest_source(
            &system_viewer(),
            HarvestSourceInput {
                name: name.into(),
                kind: kind.into(),
                url: url.into(),
                config: Some(config),
                download_files: files,
                ..HarvestSourceInput::default()
            },
        )
        .await
        .unwrap()
        .id
}

fn local_dataset(local: &Portal, name: &str) -> Option<Arc<misto_core::Dataset>> {
    local.catalog().read(|ix| ix.get(name).cloned())
}

fn active_count(local: &Portal) -> usize {
    let mut q = misto_search::SearchQuery::at(misto_core::time::now());
    q.rows = 10_000;
    local
        .search_datasets(&system_viewer(), &q)
        .unwrap()
        .results
        .len()
}

#[tokio::test]
async fn ckan_source_incremental_with_edits_and_deletions() {
    let (remote, base) = remote_misto().await;
    let sys = system_viewer();
    let code = edrpou("3001234");
    let fin = add_publisher(
        &remote,
        "finansy",
        "Фінансове управління",
        Some(code.clone()),
    )
    .await;
    for i in 0..5 {
        remote
            .create_dataset(
                &sys,
                dataset(&format!("nabir-{i}"), &format!("Набір даних {i}"), &fin),
            )
            .await
            .unwrap();
    }
    let local = portal("http://local.test").await;
    // A local publisher with the same EDRPOU code under another name: the
    // remote organization maps onto it instead of being created again.
    let local_fin = add_publisher(&local, "finupr", "Фінуправління", Some(code)).await;
    let src = add_source(
        &local,
        "remote-ckan",
        "ckan",
        &format!("{base}/api/3/"),
        serde_json::json!({"rows": 2}),
        false,
    )
    .await;

    let run = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(run.state, RunState::Done, "{}", run.message);
    assert_eq!(
        (run.counts.created, run.counts.failed),
        (5, 0),
        "{:?}",
        run.entries
    );
    let d = local_dataset(&local, "nabir-3").unwrap();
    assert_eq!(d.title, "Набір даних 3");
    assert_eq!(d.owner_org, local_fin);
    assert_eq!(d.resources.len(), 1);
    assert_eq!(d.resources[0].url, "https://example.org/nabir-3.csv");
    assert_eq!(d.tags, vec!["бюджет".to_string(), "місто".to_string()]);
    let source = local.show_harvest_source(&sys, &src).await.unwrap();
    assert!(source.last_modified_seen.is_some());

    // Nothing changed: nothing written.
    let again = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(
        again.counts.created + again.counts.updated + again.counts.withdrawn,
        0,
        "{:?}",
        again.entries
    );
    assert_eq!(active_count(&local), 5);
    let revision = local_dataset(&local, "nabir-3").unwrap().revision;

    // Edit, delete and add at the source.
    let mut edit = dataset("nabir-1", "Набір даних 1 (оновлено)", &fin);
    edit.tags = vec!["оновлено".into()];
    remote
        .update_dataset(&sys, "nabir-1", edit, Expect::Any)
        .await
        .unwrap();
    remote.delete_dataset(&sys, "nabir-2").await.unwrap();
    remote
        .create_dataset(&sys, dataset("nabir-new", "Новий набір", &fin))
        .await
        .unwrap();
    let third = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(third.state, RunState::Done, "{}", third.message);
    let c = third.counts;
    assert_eq!(
        (c.created, c.updated, c.withdrawn, c.failed),
        (1, 1, 1, 0),
        "{:?}",
        third.entries
    );
    let updated = local_dataset(&local, "nabir-1").unwrap();
    assert_eq!(updated.title, "Набір даних 1 (оновлено)");
    assert_eq!(updated.tags, vec!["оновлено".to_string()]);
    assert_eq!(
        local_dataset(&local, "nabir-2").unwrap().state,
        DatasetState::Deleted
    );
    assert!(local_dataset(&local, "nabir-new").is_some());
    assert_eq!(local_dataset(&local, "nabir-3").unwrap().revision, revision);
    assert_eq!(active_count(&local), 5);
    // The log is kept per run and lists what happened.
    let runs = local
        .list_harvest_runs(&sys, Some(&src), 10, 0)
        .await
        .unwrap();
    assert_eq!(runs.len(), 3);
    let shown = local.show_harvest_run(&sys, &runs[0].id).await.unwrap();
    assert!(
        shown
            .entries
            .iter()
            .any(|e| e.action == EntryAction::Withdrawn && e.name == "nabir-2")
    );
    assert!(
        shown
            .entries
            .iter()
            .any(|e| e.action == EntryAction::Updated && e.name == "nabir-1")
    );
    // A dataset that comes back at the source comes back locally, same id.
    let old_id = local_dataset(&local, "nabir-2").unwrap().id.clone();
    remote
        .update_dataset(
            &sys,
            "nabir-2",
            dataset("nabir-2", "Повернувся", &fin),
            Expect::Any,
        )
        .await
        .unwrap();
    let fourth = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(fourth.counts.updated, 1, "{:?}", fourth.entries);
    let back = local_dataset(&local, "nabir-2").unwrap();
    assert_eq!(
        (back.id.as_str(), back.state),
        (old_id.as_str(), DatasetState::Active)
    );
}

#[tokio::test]
async fn a_second_source_never_duplicates_and_names_stay_unique() {
    let (remote, base) = remote_misto().await;
    let sys = system_viewer();
    let org = add_publisher(&remote, "osvita", "Управління освіти", None).await;
    remote
        .create_dataset(&sys, dataset("sadky", "Садки", &org))
        .await
        .unwrap();
    let local = portal("http://local.test").await;
    let local_org = add_publisher(&local, "misto", "Місто", None).await;
    // A local dataset already uses the remote's name.
    local
        .create_dataset(&sys, dataset("sadky", "Наші садки", &local_org))
        .await
        .unwrap();
    let src = add_source(
        &local,
        "osvita-src",
        "ckan",
        &base,
        serde_json::json!({}),
        false,
    )
    .await;
    for _ in 0..2 {
        let run = misto_harvest::run_source(&local, &src, Progress::Silent)
            .await
            .unwrap();
        assert_eq!(run.counts.failed, 0, "{:?}", run.entries);
    }
    assert_eq!(local_dataset(&local, "sadky").unwrap().title, "Наші садки");
    let harvested = local_dataset(&local, "sadky-osvita-src").unwrap();
    assert_eq!(harvested.title, "Садки");
    // The remote organization was created locally under its own name.
    assert_eq!(
        local.show_publisher("osvita").unwrap().id,
        harvested.owner_org
    );
    assert_eq!(active_count(&local), 2);
}

#[tokio::test]
async fn files_are_downloaded_when_the_source_says_so() {
    let (remote, base) = remote_misto().await;
    let sys = system_viewer();
    let org = add_publisher(&remote, "stat", "Статистика", None).await;
    let d = remote
        .create_dataset(
            &sys,
            DatasetInput {
                resources: Some(vec![]),
                ..dataset("naselennia", "Населення", &org)
            },
        )
        .await
        .unwrap();
    let body = "рік,кількість\n2024,1000\n".as_bytes().to_vec();
    let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(bytes::Bytes::from(
        body.clone(),
    ))]);
    let up = remote
        .stage_upload(&sys, "naselennia.csv", Some("text/csv"), stream)
        .await
        .unwrap();
    remote
        .create_resource(
            &sys,
            &d.id,
            ResourceInput {
                name: Some("CSV".into()),
                ..ResourceInput::default()
            },
            Some(up),
        )
        .await
        .unwrap();
    let local = portal("http://local.test").await;
    let src = add_source(
        &local,
        "stat-files",
        "ckan",
        &base,
        serde_json::json!({}),
        true,
    )
    .await;
    let run = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(run.counts.created, 1, "{:?}", run.entries);
    let got = local_dataset(&local, "naselennia").unwrap();
    let r = &got.resources[0];
    assert!(r.is_upload(), "{r:?}");
    let key = r.blob_key.clone().unwrap();
    assert_eq!(local.blobs().read_all(&key).await.unwrap(), body);
}

#[tokio::test]
async fn dcat_source_from_a_second_misto_in_every_serialisation() {
    let (remote, base) = remote_misto().await;
    let sys = system_viewer();
    let code = edrpou("2004567");
    let org = add_publisher(
        &remote,
        "ekolohiia",
        "Управління екології",
        Some(code.clone()),
    )
    .await;
    for i in 0..3 {
        remote
            .create_dataset(
                &sys,
                dataset(
                    &format!("povitria-{i}"),
                    &format!("Якість повітря {i}"),
                    &org,
                ),
            )
            .await
            .unwrap();
    }
    for (n, ext) in ["ttl", "rdf", "jsonld"].iter().enumerate() {
        let local = portal("http://local.test").await;
        let src = add_source(
            &local,
            &format!("dcat-{n}"),
            "dcat",
            &format!("{base}/catalog.{ext}"),
            serde_json::json!({}),
            false,
        )
        .await;
        let run = misto_harvest::run_source(&local, &src, Progress::Silent)
            .await
            .unwrap();
        assert_eq!(run.state, RunState::Done, "{ext}: {}", run.message);
        assert_eq!(
            (run.counts.created, run.counts.failed),
            (3, 0),
            "{ext}: {:?}",
            run.entries
        );
        let d = local_dataset(&local, "povitria-1").unwrap_or_else(|| panic!("{ext}"));
        assert_eq!(d.title, "Якість повітря 1");
        assert_eq!(
            d.update_frequency.map(|f| f.as_str()),
            Some("once a month"),
            "{ext}"
        );
        assert_eq!(
            d.resources[0].url, "https://example.org/povitria-1.csv",
            "{ext}"
        );
        let p = local
            .catalog()
            .read(|ix| ix.publisher(&d.owner_org).cloned())
            .unwrap();
        assert_eq!(p.edrpou.as_deref(), Some(code.as_str()), "{ext}");
        if *ext == "ttl" {
            // Deleted at the source: withdrawn here; unchanged ones untouched.
            remote.delete_dataset(&sys, "povitria-0").await.unwrap();
            let again = misto_harvest::run_source(&local, &src, Progress::Silent)
                .await
                .unwrap();
            let c = again.counts;
            assert_eq!(
                (c.withdrawn, c.created, c.updated, c.unchanged),
                (1, 0, 0, 2),
                "{:?}",
                again.entries
            );
            assert_eq!(
                local_dataset(&local, "povitria-0").unwrap().state,
                DatasetState::Deleted
            );
            remote
                .update_dataset(
                    &sys,
                    "povitria-0",
                    dataset("povitria-0", "Якість повітря 0", &org),
                    Expect::Any,
                )
                .await
                .unwrap();
        }
    }
}

#[derive(Clone)]
struct Fixtures {
    base: Arc<std::sync::OnceLock<String>>,
    code: String,
}

async fn fixture_ckan(
    State(f): State<Fixtures>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let start: usize = q.get("start").and_then(|s| s.parse().ok()).unwrap_or(0);
    let text = if start == 0 {
        include_str!("fixtures/dgua_page1.json")
    } else {
        include_str!("fixtures/dgua_page2.json")
    };
    (
        [(header::CONTENT_TYPE, "application/json")],
        text.replace("__EDRPOU__", &f.code),
    )
}

async fn fixture_ttl(State(f): State<Fixtures>) -> impl IntoResponse {
    let base = f.base.get().cloned().unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "text/turtle")],
        include_str!("fixtures/catalog_page1.ttl").replace("__BASE__", &base),
    )
}

async fn fixture_rdf(State(f): State<Fixtures>) -> impl IntoResponse {
    let base = f.base.get().cloned().unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "application/rdf+xml")],
        include_str!("fixtures/catalog_page2.rdf").replace("__BASE__", &base),
    )
}

async fn fixture_server(code: &str) -> String {
    let f = Fixtures {
        base: Arc::new(std::sync::OnceLock::new()),
        code: code.to_string(),
    };
    let router = Router::new()
        .route("/api/3/action/package_search", get(fixture_ckan))
        .route("/catalog.ttl", get(fixture_ttl))
        .route("/catalog.rdf", get(fixture_rdf))
        .with_state(f.clone());
    let base = serve(router).await;
    let _ = f.base.set(base.clone());
    base
}

#[tokio::test]
async fn recorded_data_gov_ua_answers_with_foreign_values() {
    let code = edrpou("0214567");
    let base = fixture_server(&code).await;
    let local = portal("http://local.test").await;
    let sys = system_viewer();
    let src = add_source(
        &local,
        "dgua",
        "ckan",
        &base,
        serde_json::json!({"rows": 2}),
        false,
    )
    .await;
    let run = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(run.state, RunState::Done, "{}", run.message);
    let c = run.counts;
    assert_eq!((c.created, c.failed), (2, 1), "{:?}", run.entries);
    let failed = run
        .entries
        .iter()
        .find(|e| e.action == EntryAction::Failed)
        .unwrap();
    assert!(
        failed.reason.contains("no organization"),
        "{}",
        failed.reason
    );
    let sadky = local_dataset(&local, "perelik-dytiachykh-sadkiv").unwrap();
    assert_eq!(sadky.title, "Перелік закладів дошкільної освіти");
    assert_eq!(sadky.tags, vec!["освіта".to_string()]);
    assert_eq!(
        sadky.update_frequency.map(|f| f.as_str()),
        Some("once a month")
    );
    assert_eq!(sadky.license_id, "cc-by");
    assert_eq!(
        sadky.purpose_of_collecting_information.as_deref(),
        Some("Забезпечення доступу до публічної інформації")
    );
    assert_eq!(sadky.resources[0].size, Some(2048));
    assert!(sadky.resources[0].extras.get("qa").is_none());
    let org = local
        .catalog()
        .read(|ix| ix.publisher(&sadky.owner_org).cloned())
        .unwrap();
    assert_eq!(
        (org.name.as_str(), org.edrpou.as_deref()),
        ("upravlinnia-osvity", Some(code.as_str()))
    );
    let budget = local_dataset(&local, "biudzhet-mista-2024").unwrap();
    assert_eq!(budget.license_id, "notspecified");
    assert_eq!(budget.temporal_start, None);
    assert_eq!(budget.resources.len(), 1);
    assert_eq!(budget.resources[0].url, "");
    // Repeating the run changes nothing and duplicates nothing.
    let again = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(
        (
            again.counts.created,
            again.counts.updated,
            again.counts.unchanged
        ),
        (0, 0, 2),
        "{:?}",
        again.entries
    );
    assert_eq!(active_count(&local), 2);
    assert!(
        local
            .show_harvest_source(&sys, &src)
            .await
            .unwrap()
            .last_modified_seen
            .is_some()
    );
}

#[tokio::test]
async fn dcat_fixture_follows_hydra_next_across_formats() {
    let base = fixture_server(&edrpou("1111111")).await;
    let local = portal("http://local.test").await;
    let src = add_source(
        &local,
        "dcat-fixture",
        "dcat",
        &format!("{base}/catalog.ttl?page=1"),
        serde_json::json!({}),
        false,
    )
    .await;
    let run = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(run.state, RunState::Done, "{}", run.message);
    assert_eq!(
        (run.counts.created, run.counts.failed),
        (2, 0),
        "{:?}",
        run.entries
    );
    let stops = local_dataset(&local, "zupynky-transportu").unwrap();
    assert_eq!(stops.title_en.as_deref(), Some("Public transport stops"));
    assert_eq!(stops.resources[0].format, "GEOJSON");
    let parking = local_dataset(&local, "parkovky").unwrap();
    assert_eq!(parking.license_id, "cc-by-4.0");
    assert_eq!(parking.owner_org, stops.owner_org);
}

#[tokio::test]
async fn an_interrupted_run_leaves_nothing_half_imported() {
    let (remote, base) = remote_misto().await;
    let sys = system_viewer();
    let org = add_publisher(&remote, "big", "Велике управління", None).await;
    for i in 0..40 {
        let mut d = dataset(&format!("d-{i:02}"), &format!("Набір {i}"), &org);
        d.resources = Some(
            (0..3)
                .map(|k| ResourceInput {
                    name: Some(format!("Файл {k}")),
                    url: Some(format!("https://example.org/{i}/{k}.csv")),
                    ..ResourceInput::default()
                })
                .collect(),
        );
        remote.create_dataset(&sys, d).await.unwrap();
    }
    let local = portal("http://local.test").await;
    let src = add_source(
        &local,
        "big",
        "ckan",
        &base,
        serde_json::json!({"rows": 10}),
        false,
    )
    .await;
    let task = {
        let local = local.clone();
        let src = src.clone();
        tokio::spawn(async move { misto_harvest::run_source(&local, &src, Progress::Silent).await })
    };
    for _ in 0..2000 {
        if active_count(&local) >= 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    task.abort();
    let _ = task.await;
    // Every dataset that exists is complete.
    for i in 0..40 {
        if let Some(d) = local_dataset(&local, &format!("d-{i:02}")) {
            assert_eq!(d.resources.len(), 3, "d-{i:02}");
        }
    }
    let run = misto_harvest::run_source(&local, &src, Progress::Silent)
        .await
        .unwrap();
    assert_eq!(run.counts.failed, 0, "{:?}", run.entries);
    assert_eq!(active_count(&local), 40);
    for i in 0..40 {
        assert_eq!(
            local_dataset(&local, &format!("d-{i:02}"))
                .unwrap()
                .resources
                .len(),
            3
        );
    }
    let runs = local
        .list_harvest_runs(&sys, Some(&src), 10, 0)
        .await
        .unwrap();
    if runs.len() == 2 {
        assert_eq!(runs[1].state, RunState::Interrupted);
    }
}

#[tokio::test]
async fn push_creates_then_updates_on_a_second_misto() {
    let (remote, base) = remote_misto().await;
    let sys = system_viewer();
    remote
        .create_user(
            &sys,
            NewUser {
                name: "pusher".into(),
                email: "p@example.org".into(),
                sysadmin: true,
                ..NewUser::default()
            },
        )
        .await
        .unwrap();
    let (_, key) = remote
        .create_token(&sys, "pusher", "push", None)
        .await
        .unwrap();
    add_publisher(&remote, "remote-org", "Віддалена організація", None).await;
    let local = portal("http://local.test").await;
    let org = add_publisher(&local, "nashe", "Наше управління", None).await;
    for i in 0..3 {
        local
            .create_dataset(
                &sys,
                dataset(&format!("push-{i}"), &format!("Набір {i}"), &org),
            )
            .await
            .unwrap();
    }
    let mut private = dataset("push-private", "Приватний", &org);
    private.private = true;
    local.create_dataset(&sys, private).await.unwrap();
    let target = PushTarget {
        url: base.clone(),
        api_key: key,
        organization: "remote-org".into(),
    };
    let report =
        misto_harvest::push::push_publisher(&local, &sys, "nashe", &target, Progress::Silent)
            .await
            .unwrap();
    assert_eq!(
        (report.counts.created, report.counts.failed),
        (3, 0),
        "{:?}",
        report.entries
    );
    let d = remote.show_dataset(&sys, "push-1").unwrap();
    assert_eq!(d.title, "Набір 1");
    assert_eq!(remote.show_publisher("remote-org").unwrap().id, d.owner_org);
    assert!(remote.show_dataset(&sys, "push-private").is_err());
    let mut edit = dataset("push-1", "Набір 1 — нова назва", &org);
    edit.tags = vec!["нове".into()];
    local
        .update_dataset(&sys, "push-1", edit, Expect::Any)
        .await
        .unwrap();
    let second =
        misto_harvest::push::push_publisher(&local, &sys, "nashe", &target, Progress::Silent)
            .await
            .unwrap();
    assert_eq!(
        (second.counts.updated, second.counts.created),
        (3, 0),
        "{:?}",
        second.entries
    );
    let d2 = remote.show_dataset(&sys, "push-1").unwrap();
    assert_eq!(
        (d2.id.as_str(), d2.title.as_str()),
        (d.id.as_str(), "Набір 1 — нова назва")
    );
    // A wrong key is refused by the remote and reported per dataset.
    let bad = PushTarget {
        api_key: "misto_wrong".into(),
        ..target
    };
    let refused =
        misto_harvest::push::push_publisher(&local, &sys, "nashe", &bad, Progress::Silent).await;
    match refused {
        Ok(r) => assert_eq!(r.counts.failed, 3),
        Err(e) => assert!(e.to_string().to_lowercase().contains("organization"), "{e}"),
    }
    // Only the publisher's admins may push.
    let nobody = misto_core::Viewer {
        user_id: Some("u".into()),
        ..misto_core::Viewer::default()
    };
    assert!(local.authorize_push(&nobody, "nashe", &bad).is_err());
}

#[tokio::test]
async fn the_ckan_api_manages_sources_and_the_job_runs_them() {
    let (remote, remote_base) = remote_misto().await;
    let sys = system_viewer();
    let org = add_publisher(&remote, "zdorovia", "Управління охорони здоров'я", None).await;
    remote
        .create_dataset(&sys, dataset("likarni", "Лікарні", &org))
        .await
        .unwrap();
    let (local, base) = remote_misto().await;
    for (name, admin) in [("root", true), ("someone", false)] {
        local
            .create_user(
                &sys,
                NewUser {
                    name: name.into(),
                    email: format!("{name}@example.org"),
                    sysadmin: admin,
                    ..NewUser::default()
                },
            )
            .await
            .unwrap();
    }
    let (_, root) = local.create_token(&sys, "root", "t", None).await.unwrap();
    let (_, someone) = local
        .create_token(&sys, "someone", "t", None)
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let call = |action: &str, token: &str, body: serde_json::Value| {
        http.post(format!("{base}/api/3/action/{action}"))
            .header("Authorization", token)
            .json(&body)
            .send()
    };
    let denied = call(
        "harvest_source_create",
        &someone,
        serde_json::json!({"name": "x", "url": remote_base, "source_type": "ckan"}),
    )
    .await
    .unwrap();
    assert_eq!(denied.status(), 403);
    let created: serde_json::Value = call(
        "harvest_source_create",
        &root,
        serde_json::json!({"name": "zdorovia", "title": "Здоров'я", "url": remote_base, "source_type": "ckan", "frequency": "DAILY", "config": "{\"rows\": 50}"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(created["success"], true, "{created}");
    assert_eq!(created["result"]["frequency"], "DAILY");
    let id = created["result"]["id"].as_str().unwrap().to_string();
    let queued: serde_json::Value =
        call("harvest_run", &root, serde_json::json!({"id": "zdorovia"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(queued["success"], true, "{queued}");
    let mut registry = misto_actions::jobs::default_registry();
    misto_harvest::register(&mut registry);
    assert!(local.run_jobs_until_idle(&registry).await.unwrap() >= 1);
    assert!(local_dataset(&local, "likarni").is_some());
    // A daily source queued its next run for tomorrow.
    let next = local
        .job_status(misto_actions::harvest::HARVEST_JOB, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.state.as_str(), "pending");
    assert!(next.run_after > misto_core::time::now() + chrono::Duration::hours(23));
    let runs: serde_json::Value = call(
        "harvest_job_list",
        &root,
        serde_json::json!({"source_id": "zdorovia"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let run = &runs["result"][0];
    assert_eq!(
        (run["status"].as_str(), run["stats"]["added"].as_i64()),
        (Some("done"), Some(1)),
        "{runs}"
    );
    let shown: serde_json::Value = call(
        "harvest_job_show",
        &root,
        serde_json::json!({"id": run["id"]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(shown["result"]["log"][0]["name"], "likarni", "{shown}");
    let hidden = call("harvest_job_list", &someone, serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(hidden.status(), 403);
    let deleted: serde_json::Value = call(
        "harvest_source_delete",
        &root,
        serde_json::json!({"id": "zdorovia"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(deleted["success"], true);
    let refused = call("harvest_run", &root, serde_json::json!({"id": "zdorovia"}))
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
}
