//! The sysadmin pages of harvesting, driven in-process: list and add
//! sources, edit, run now (queues the job), the run log; hidden from others.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use misto_actions::accounts::system_viewer;
use misto_actions::harvest::HARVEST_JOB;
use misto_actions::{BlobStore, Portal, PortalConfig};
use misto_core::harvest::{EntryAction, RunEntry, RunState};
use tower::ServiceExt;

const PASSWORD: &str = "correct-horse-1";

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

fn hidden(body: &str, name: &str) -> String {
    body.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

fn cookie(r: &Resp, name: &str) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .unwrap_or("")
        .to_string()
}

async fn send(
    router: &axum::Router,
    method: &str,
    uri: &str,
    cookie: &str,
    pairs: &[(&str, &str)],
) -> Resp {
    let mut req = Request::builder().method(method).uri(uri);
    if !cookie.is_empty() {
        req = req.header(header::COOKIE, cookie);
    }
    let body = if method == "POST" {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            s.append_pair(k, v);
        }
        Body::from(s.finish())
    } else {
        Body::empty()
    };
    let resp = router
        .clone()
        .oneshot(req.body(body).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn login(router: &axum::Router, user: &str) -> String {
    let page = send(router, "GET", "/login", "", &[]).await;
    let pre = cookie(&page, "misto_pre");
    let csrf = hidden(&page.body, "csrf");
    let r = send(
        router,
        "POST",
        "/login",
        &pre,
        &[
            ("csrf", &csrf),
            ("next", "/dashboard"),
            ("user", user),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    cookie(&r, "misto_session")
}

#[tokio::test]
async fn sysadmins_manage_sources_and_read_run_logs() {
    let store = misto_store::testing::fresh_store().await;
    let dir = std::env::temp_dir().join(format!("misto-web-harvest-{}", uuid::Uuid::new_v4()));
    let portal = Portal::open(
        store,
        BlobStore::local(dir).await.unwrap(),
        PortalConfig::default(),
    )
    .await
    .unwrap();
    let sys = system_viewer();
    for (name, admin) in [("root", true), ("someone", false)] {
        common::add_user(&portal, name, PASSWORD, admin).await;
    }
    let router = misto_web::router(portal.clone());
    let root = login(&router, "root").await;
    let page = send(&router, "GET", "/harvest", &root, &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Збирання з інших каталогів"));
    let csrf = hidden(&page.body, "csrf");
    // A wrong URL is refused next to its field.
    let bad = send(
        &router,
        "POST",
        "/harvest",
        &root,
        &[
            ("csrf", &csrf),
            ("name", "kyiv"),
            ("source_type", "ckan"),
            ("url", "not a url"),
            ("frequency", "daily"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("e-url"), "{}", bad.body);
    let ok = send(
        &router,
        "POST",
        "/harvest",
        &root,
        &[
            ("csrf", &csrf),
            ("name", "kyiv"),
            ("title", "Київ"),
            ("source_type", "ckan"),
            ("url", "https://data.kyivcity.gov.ua"),
            ("frequency", "manual"),
            ("fq", "tags:бюджет"),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let src = portal.show_harvest_source(&sys, "kyiv").await.unwrap();
    assert_eq!(src.config["fq"], "tags:бюджет");
    // Edit: switch to daily runs.
    let edit = send(
        &router,
        "POST",
        "/harvest/kyiv",
        &root,
        &[
            ("csrf", &csrf),
            ("name", "kyiv"),
            ("title", "Київ"),
            ("source_type", "ckan"),
            ("url", "https://data.kyivcity.gov.ua"),
            ("frequency", "weekly"),
        ],
    )
    .await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER, "{}", edit.body);
    assert_eq!(
        portal
            .show_harvest_source(&sys, "kyiv")
            .await
            .unwrap()
            .schedule
            .as_str(),
        "weekly"
    );
    // Run now queues the job.
    let run = send(
        &router,
        "POST",
        "/harvest/kyiv/run",
        &root,
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(run.status, StatusCode::SEE_OTHER, "{}", run.body);
    let job = portal
        .job_status(HARVEST_JOB, &src.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state.as_str(), "pending");
    // A finished run and its log.
    let mut r = portal.begin_harvest_run(&sys, &src.id).await.unwrap();
    r.record(RunEntry {
        action: EntryAction::Created,
        guid: "g1".into(),
        name: "biudzhet".into(),
        reason: String::new(),
    });
    r.record(RunEntry {
        action: EntryAction::Failed,
        guid: "g2".into(),
        name: "zlamanyi".into(),
        reason: "Validation error: title".into(),
    });
    r.state = RunState::Done;
    r.message = r.counts.to_string();
    portal.save_harvest_run(&sys, &r).await.unwrap();
    let show = send(&router, "GET", "/harvest/kyiv", &root, &[]).await;
    assert_eq!(show.status, StatusCode::OK);
    assert!(
        show.body.contains(&format!("/harvest/run/{}", r.id)),
        "{}",
        show.body
    );
    let log = send(
        &router,
        "GET",
        &format!("/harvest/run/{}", r.id),
        &root,
        &[],
    )
    .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    assert!(
        log.body.contains("href=\"/dataset/biudzhet\"")
            && log.body.contains("Validation error: title"),
        "{}",
        log.body
    );
    // Not for others.
    let someone = login(&router, "someone").await;
    for path in [
        "/harvest",
        "/harvest/kyiv",
        &format!("/harvest/run/{}", r.id),
    ] {
        let r = send(&router, "GET", path, &someone, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
    }
    let anon = send(&router, "GET", "/harvest", "", &[]).await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
}
