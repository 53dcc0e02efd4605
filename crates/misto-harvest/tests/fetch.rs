//! Linked tabular files into the datastore, over loopback: a misto serving
//! its whole router, a tiny file server beside it, resources created and
//! changed through the CKAN API with a link, the `datastore_fetch` job run,
//! and the table (or the reason it failed) read back through the API. Runs
//! on SQLite, or PostgreSQL when MISTO_TEST_DATABASE_URL is set.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::datastore::{FETCH_JOB, FetchLinks};
use misto_actions::publishers::PublisherInput;
use misto_actions::{BlobStore, Portal, PortalConfig};
use serde_json::{Value, json};

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    base
}

/// A portal that fetches links from 127.0.0.1 only, with a 4 KiB limit,
/// served on a loopback port.
async fn portal() -> (Portal, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let store = misto_store::testing::fresh_store().await;
    let dir = std::env::temp_dir().join(format!("misto-fetch-{}", uuid_like()));
    let blobs = BlobStore::local(dir).await.unwrap();
    let mut config = PortalConfig {
        site_url: base.clone(),
        max_upload_bytes: 4096,
        ..PortalConfig::default()
    };
    config.datastore.fetch_links = FetchLinks::Hosts(vec!["127.0.0.1".into()]);
    let p = Portal::open(store, blobs, config).await.unwrap();
    p.seed_themes().await.unwrap();
    let app = misto_server::app(p.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (p, base)
}

fn uuid_like() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

/// Windows-1251 bytes of a text of ASCII and Ukrainian letters.
fn cp1251(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            c if c.is_ascii() => c as u8,
            'А'..='я' => (c as u32 - 'А' as u32 + 0xC0) as u8,
            'і' => 0xB3,
            'І' => 0xB2,
            'ї' => 0xBF,
            'є' => 0xBA,
            '№' => 0xB9,
            _ => b'?',
        })
        .collect()
}

fn files() -> Router {
    let csv = |body: Vec<u8>| {
        move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "text/csv")], body).into_response() }
        }
    };
    let cp1251 = cp1251("Назва;Район;Учнів\nШкола №1;Подільський;420\nЛіцей;Оболонський;380\n");
    Router::new()
        .route(
            "/schools.csv",
            get(csv("назва,учнів\nШкола №1,420\nГімназія №3,510\n".into())),
        )
        .route("/cp1251.csv", get(csv(cp1251)))
        .route(
            "/big.csv",
            get(csv(format!("a,b\n{}", "1,2\n".repeat(2000)).into_bytes())),
        )
        .route(
            "/missing.csv",
            get(|| async { (StatusCode::NOT_FOUND, "no such file") }),
        )
        // A redirect on the same host is followed; one to another host
        // (`localhost` is not in the list, `127.0.0.1` is) is not.
        .route(
            "/moved.csv",
            get(|| async { axum::response::Redirect::temporary("/cp1251.csv") }),
        )
        .route(
            "/elsewhere.csv",
            get(|| async { axum::response::Redirect::temporary("http://localhost:9/schools.csv") }),
        )
}

async fn run_jobs(p: &Portal) -> usize {
    let mut registry = misto_actions::jobs::default_registry();
    misto_harvest::register(&mut registry);
    p.run_jobs_until_idle(&registry).await.unwrap()
}

#[tokio::test]
async fn linked_files_are_fetched_loaded_and_their_failures_reported() {
    let (portal, base) = portal().await;
    let files = serve(files()).await;
    let sys = system_viewer();
    portal
        .create_user(
            &sys,
            NewUser {
                name: "root".into(),
                email: "root@example.org".into(),
                sysadmin: true,
                ..NewUser::default()
            },
        )
        .await
        .unwrap();
    let (_, token) = portal.create_token(&sys, "root", "t", None).await.unwrap();
    portal
        .create_publisher(
            &sys,
            PublisherInput {
                name: "city".into(),
                title: Some("Місто".into()),
                ..PublisherInput::default()
            },
        )
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let call = |action: &str, body: Value| {
        let req = http
            .post(format!("{base}/api/3/action/{action}"))
            .header("Authorization", token.clone())
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status();
            let v: Value = r.json().await.unwrap();
            (status, v)
        }
    };
    let (s, d) = call(
        "package_create",
        json!({"name": "shkoly", "title": "Школи", "owner_org": "city"}),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    let (s, r) = call(
        "resource_create",
        json!({"package_id": "shkoly", "url": format!("{files}/schools.csv"), "format": "CSV", "name": "Школи"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let rid = r["result"]["id"].as_str().unwrap().to_string();
    // Queued at once: the status says so before any worker ran.
    let (_, info) = call("datastore_info", json!({"id": rid})).await;
    assert_eq!(
        info["result"]["datastore_status"]["status"], "pending",
        "{info}"
    );
    assert!(run_jobs(&portal).await >= 2);
    let (s, found) = call(
        "datastore_search",
        json!({"resource_id": rid, "q": "школою", "sort": "учнів desc"}),
    )
    .await;
    assert_eq!(s, 200, "{found}");
    assert_eq!(found["result"]["total"], 1);
    assert_eq!(found["result"]["records"][0]["учнів"], 420);
    let (_, info) = call("datastore_info", json!({"id": rid})).await;
    assert_eq!(
        info["result"]["datastore_status"]["status"], "done",
        "{info}"
    );
    assert_eq!(
        info["result"]["fields"][2],
        json!({"id": "учнів", "type": "int"})
    );
    let (_, shown) = call("resource_show", json!({"id": rid})).await;
    assert_eq!(shown["result"]["datastore_active"], true);
    // A fetch job ran (not an ingest of an upload).
    let job = portal.job_status(FETCH_JOB, &rid).await.unwrap().unwrap();
    assert_eq!(job.message, "2 rows loaded");

    // A new link that answers 404: the reason is shown, the old table stays.
    let (s, r) = call(
        "resource_patch",
        json!({"id": rid, "url": format!("{files}/missing.csv")}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    run_jobs(&portal).await;
    let (_, info) = call("datastore_info", json!({"id": rid})).await;
    let status = &info["result"]["datastore_status"];
    assert_eq!(status["status"], "error", "{info}");
    let msg = status["message"].as_str().unwrap();
    assert!(
        msg.contains("could not be downloaded") && msg.contains("404"),
        "{msg}"
    );
    let (_, still) = call("datastore_search", json!({"resource_id": rid})).await;
    assert_eq!(still["result"]["total"], 2);

    // Larger than the configured limit.
    call(
        "resource_patch",
        json!({"id": rid, "url": format!("{files}/big.csv")}),
    )
    .await;
    run_jobs(&portal).await;
    let (_, info) = call("datastore_info", json!({"id": rid})).await;
    let msg = info["result"]["datastore_status"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("larger than the limit"), "{msg}");

    // A windows-1251 file with semicolons, as an upload would be read.
    call(
        "resource_patch",
        json!({"id": rid, "url": format!("{files}/cp1251.csv")}),
    )
    .await;
    run_jobs(&portal).await;
    let (_, rows) = call(
        "datastore_search",
        json!({"resource_id": rid, "filters": {"Район": "Оболонський"}}),
    )
    .await;
    assert_eq!(rows["result"]["records"][0]["Назва"], "Ліцей", "{rows}");
    let (_, info) = call("datastore_info", json!({"id": rid})).await;
    assert_eq!(info["result"]["report"]["encoding"], "windows-1251");

    // A redirect to another host is refused, and says so; the table
    // loaded before keeps answering.
    call(
        "resource_patch",
        json!({"id": rid, "url": format!("{files}/elsewhere.csv")}),
    )
    .await;
    run_jobs(&portal).await;
    let (_, info) = call("datastore_info", json!({"id": rid})).await;
    let status = &info["result"]["datastore_status"];
    assert_eq!(status["status"], "error", "{info}");
    let msg = status["message"].as_str().unwrap();
    assert!(
        msg.contains("redirected to localhost") && msg.contains("datastore_fetch_links"),
        "{msg}"
    );
    let (_, still) = call("datastore_search", json!({"resource_id": rid})).await;
    assert_eq!(still["result"]["total"], 2, "{still}");
    // A redirect within the allowed host is followed.
    call(
        "resource_patch",
        json!({"id": rid, "url": format!("{files}/moved.csv")}),
    )
    .await;
    run_jobs(&portal).await;
    let (_, info) = call("datastore_info", json!({"id": rid})).await;
    assert_eq!(
        info["result"]["datastore_status"]["status"], "done",
        "{info}"
    );
    assert_eq!(info["result"]["report"]["encoding"], "windows-1251");

    // An edit that keeps the link does not fetch it again.
    let last = portal.job_status(FETCH_JOB, &rid).await.unwrap().unwrap();
    call(
        "resource_patch",
        json!({"id": rid, "description": "Оновлено"}),
    )
    .await;
    run_jobs(&portal).await;
    let still_last = portal.job_status(FETCH_JOB, &rid).await.unwrap().unwrap();
    assert_eq!(still_last.id, last.id);

    // Links to hosts the portal does not fetch from stay plain links.
    let (_, other) = call(
        "resource_create",
        json!({"package_id": "shkoly", "url": "https://city.example.org/a.csv", "format": "CSV"}),
    )
    .await;
    let other_id = other["result"]["id"].as_str().unwrap();
    let (s, _) = call("datastore_info", json!({"id": other_id})).await;
    assert_eq!(s, 404);
    assert!(
        portal
            .job_status(FETCH_JOB, other_id)
            .await
            .unwrap()
            .is_none()
    );
}
