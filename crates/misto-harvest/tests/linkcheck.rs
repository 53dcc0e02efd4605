//! The scheduled link check against a local HTTP server: working links,
//! 404, a time-out, a redirect, a redirect loop and a server that refuses
//! HEAD; the outcomes through the API (`link_check_list`,
//! `resource_validation_show`, `dataset_quality_show`), the job that queues
//! its next run, and links changed or gone since. Runs on SQLite, or
//! PostgreSQL when MISTO_TEST_DATABASE_URL is set.

use std::time::Duration;

use axum::Router;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::linkcheck::{LINK_CHECK_JOB, LINK_CHECK_SUBJECT, LinkCheckSettings};
use misto_actions::publishers::PublisherInput;
use misto_actions::{BlobStore, Portal, PortalConfig};
use misto_core::JobState;
use serde_json::{Value, json};

fn unique() -> String {
    format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    base
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

/// The sites the resources link to.
fn links() -> Router {
    Router::new()
        .route("/ok.csv", any(|| async { "рік,сума\n2025,1\n" }))
        .route(
            "/gone.csv",
            any(|| async { (StatusCode::NOT_FOUND, "not here") }),
        )
        .route(
            "/slow.csv",
            any(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route("/moved.csv", any(|| async { redirect("/ok.csv") }))
        .route("/loop", any(|| async { redirect("/loop") }))
        .route(
            "/nohead.csv",
            any(|m: Method| async move {
                if m == Method::HEAD {
                    StatusCode::METHOD_NOT_ALLOWED.into_response()
                } else {
                    "a,b\n1,2\n".into_response()
                }
            }),
        )
}

struct World {
    portal: Portal,
    api: String,
    admin: String,
    http: reqwest::Client,
}

impl World {
    async fn call(&self, action: &str, body: Value, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(format!("{}/api/3/action/{action}", self.api))
            .json(&body);
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        let resp = req.send().await.unwrap();
        let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
        (status, resp.json().await.unwrap())
    }

    async fn admin(&self, action: &str, body: Value) -> Value {
        let (status, v) = self.call(action, body, Some(&self.admin)).await;
        assert_eq!(status, StatusCode::OK, "{action}: {v}");
        v["result"].clone()
    }
}

async fn world() -> World {
    let store = misto_store::testing::fresh_store().await;
    let dir = std::env::temp_dir().join(format!("misto-linkcheck-{}", unique()));
    let blobs = BlobStore::local(dir).await.unwrap();
    // The checked links point at a server on loopback.
    let config = PortalConfig {
        outbound_allow: vec!["127.0.0.1".into()],
        ..PortalConfig::default()
    };
    let portal = Portal::open(store, blobs, config).await.unwrap();
    portal.seed_themes().await.unwrap();
    let sys = system_viewer();
    portal
        .create_user(
            &sys,
            NewUser {
                name: "admin".into(),
                email: "admin@example.org".into(),
                sysadmin: true,
                ..NewUser::default()
            },
        )
        .await
        .unwrap();
    let (_, admin) = portal
        .create_token(&sys, "admin", "tests", None)
        .await
        .unwrap();
    let api = serve(misto_server::app(portal.clone())).await;
    World {
        portal,
        api,
        admin,
        http: reqwest::Client::new(),
    }
}

fn link(name: &str, url: String) -> ResourceInput {
    ResourceInput {
        name: Some(name.into()),
        url: Some(url),
        format: Some("CSV".into()),
        ..ResourceInput::default()
    }
}

fn registry() -> misto_actions::jobs::JobRegistry {
    let mut reg = misto_actions::jobs::default_registry();
    misto_harvest::register(&mut reg);
    reg
}

#[tokio::test]
async fn broken_links_are_found_listed_reported_and_scored() {
    let w = world().await;
    let site = serve(links()).await;
    let sys = system_viewer();
    let org = w
        .portal
        .create_publisher(
            &sys,
            PublisherInput {
                name: "city".into(),
                title: Some("Міська рада".into()),
                ..PublisherInput::default()
            },
        )
        .await
        .unwrap();
    let created = w
        .portal
        .create_dataset(
            &sys,
            DatasetInput {
                name: "budget".into(),
                title: Some("Бюджет".into()),
                notes: Some("Видатки міста.".into()),
                owner_org: Some(org.id.clone()),
                ..DatasetInput::default()
            },
        )
        .await
        .unwrap();
    // Added one by one, as publishers do: each link is format-checked.
    for (name, path) in [
        ("ok", "ok.csv"),
        ("gone", "gone.csv"),
        ("slow", "slow.csv"),
        ("moved", "moved.csv"),
        ("loop", "loop"),
        ("nohead", "nohead.csv"),
    ] {
        w.portal
            .create_resource(
                &sys,
                &created.id,
                link(name, format!("{site}/{path}")),
                None,
            )
            .await
            .unwrap();
    }
    let public = w
        .portal
        .catalog()
        .read(|ix| ix.get("budget").cloned())
        .unwrap();
    // Private datasets are not checked.
    w.portal
        .create_dataset(
            &sys,
            DatasetInput {
                name: "hidden".into(),
                title: Some("Чернетка".into()),
                notes: Some("Ще не оприлюднено.".into()),
                owner_org: Some(org.id.clone()),
                private: true,
                resources: Some(vec![link("gone too", format!("{site}/gone.csv"))]),
                ..DatasetInput::default()
            },
        )
        .await
        .unwrap();
    let rid = |name: &str| {
        public
            .resources
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .id
            .clone()
    };
    let reg = registry();
    w.portal.run_jobs_until_idle(&reg).await.unwrap();

    // The schedule: the first run one interval after start.
    let settings = LinkCheckSettings {
        interval_hours: 24,
        timeout_secs: 1,
        max_redirects: 3,
    };
    w.portal.schedule_link_check(settings).await.unwrap();
    let job = w
        .portal
        .job_status(LINK_CHECK_JOB, LINK_CHECK_SUBJECT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, JobState::Pending);
    assert!(job.run_after > misto_core::time::now() + chrono::Duration::hours(23));
    assert_eq!(w.portal.run_jobs_until_idle(&reg).await.unwrap(), 0);

    // Only coordinators start a run.
    let (status, _) = w.call("link_check_run", json!({}), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let run = w.admin("link_check_run", json!({})).await;
    assert_eq!(run["state"], "pending");
    let started = std::time::Instant::now();
    assert_eq!(w.portal.run_jobs_until_idle(&reg).await.unwrap(), 1);
    // One time-out of 1 s, not 5 s, and links are checked side by side.
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    let job = w
        .portal
        .job_status(LINK_CHECK_JOB, LINK_CHECK_SUBJECT)
        .await
        .unwrap()
        .unwrap();
    // It queued its next run a day later, with the same settings.
    assert_eq!(job.state, JobState::Pending, "{job:?}");
    assert!(job.run_after > misto_core::time::now() + chrono::Duration::hours(23));
    assert_eq!(job.payload["timeout_secs"], 1);

    let (status, _) = w.call("link_check_list", json!({}), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let list = w.admin("link_check_list", json!({})).await;
    let mut broken: Vec<(String, Value, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["resource_name"].as_str().unwrap().to_string(),
                b["http_status"].clone(),
                b["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    broken.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(broken.len(), 3, "{list:#}");
    assert_eq!(
        (broken[0].0.as_str(), &broken[0].1, broken[0].2.as_str()),
        ("gone", &json!(404), "HTTP 404")
    );
    assert_eq!(broken[1].0, "loop");
    assert_eq!(broken[1].1, Value::Null);
    assert_eq!(broken[1].2, "too many redirects");
    assert_eq!(broken[2].0, "slow");
    assert_eq!(broken[2].1, Value::Null);
    assert!(
        broken[2].2.contains("no answer within 1"),
        "{}",
        broken[2].2
    );
    assert_eq!(list[0]["package_name"], "budget");
    assert_eq!(list[0]["organization_title"], "Міська рада");
    assert!(list[0]["broken_since"].is_string());
    let of_org = w
        .admin("link_check_list", json!({"organization": "city"}))
        .await;
    assert_eq!(of_org.as_array().unwrap().len(), 3);

    // The redirect was followed; where it ended is kept.
    let moved = w
        .portal
        .store()
        .find_link_check(&rid("moved"))
        .await
        .unwrap()
        .unwrap();
    assert!(moved.ok, "{moved:?}");
    assert_eq!(moved.http_status, Some(200));
    assert_eq!(moved.final_url, Some(format!("{site}/ok.csv")));
    let nohead = w
        .portal
        .store()
        .find_link_check(&rid("nohead"))
        .await
        .unwrap()
        .unwrap();
    assert!(nohead.ok && nohead.http_status == Some(200), "{nohead:?}");

    // The broken link is an error of its validation report.
    let v = w
        .admin("resource_validation_show", json!({"id": rid("gone")}))
        .await;
    assert_eq!(v["status"], "invalid", "{v:#}");
    let p = &v["report"]["problems"][0];
    assert_eq!(p["rule"], "link_answers");
    assert_eq!(p["severity"], "error");
    assert!(p["message_en"].as_str().unwrap().contains("HTTP 404"));
    assert!(!p["fix_uk"].as_str().unwrap().is_empty());
    let v = w
        .admin("resource_validation_show", json!({"id": rid("ok")}))
        .await;
    // A working link gets no such problem (links created with the dataset
    // were not format-checked yet: nothing is reported for it).
    assert_ne!(v["status"], "invalid", "{v:#}");

    // And lowers the validation part of the score: 3 of 6 pass.
    let q = w
        .admin("dataset_quality_show", json!({"id": "budget"}))
        .await;
    let part = q["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "validation")
        .unwrap()
        .clone();
    assert!(
        part["detail_en"].as_str().unwrap().starts_with("3 of 6"),
        "{part:#}"
    );

    // A second run keeps when the link first broke.
    let since = list[0]["broken_since"].clone();
    w.admin("link_check_run", json!({})).await;
    w.portal.run_jobs_until_idle(&reg).await.unwrap();
    let again = w.admin("link_check_list", json!({})).await;
    let first = again
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["resource_id"] == list[0]["resource_id"])
        .unwrap();
    assert_eq!(first["broken_since"], since);

    // The publisher fixes a link: it drops off the list at once, and the
    // next run forgets a deleted resource's check.
    let (status, _) = w
        .call(
            "resource_patch",
            json!({"id": rid("gone"), "url": format!("{site}/ok.csv")}),
            Some(&w.admin),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    w.admin("resource_delete", json!({"id": rid("loop")})).await;
    let now_list = w.admin("link_check_list", json!({})).await;
    let names: Vec<&str> = now_list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["resource_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["slow"]);
    w.admin("link_check_run", json!({})).await;
    w.portal.run_jobs_until_idle(&reg).await.unwrap();
    assert!(
        w.portal
            .store()
            .find_link_check(&rid("loop"))
            .await
            .unwrap()
            .is_none()
    );
    let gone = w
        .portal
        .store()
        .find_link_check(&rid("gone"))
        .await
        .unwrap()
        .unwrap();
    assert!(gone.ok, "{gone:?}");
}
