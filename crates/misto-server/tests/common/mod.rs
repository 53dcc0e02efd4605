//! The in-process test harness shared by this crate's integration suites:
//! a portal on a fresh store (SQLite, or PostgreSQL when
//! MISTO_TEST_DATABASE_URL is set) with a sysadmin `admin` and its token,
//! driven through the whole router.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::{BlobStore, Portal, PortalConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

pub struct TestApp {
    pub portal: Portal,
    pub admin_token: String,
    /// The folder of the install's blob store.
    pub blob_dir: std::path::PathBuf,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn result(&self) -> Value {
        let v = self.json();
        assert_eq!(v["success"], json!(true), "{v}");
        v["result"].clone()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(PortalConfig::default()).await
    }

    pub async fn with_config(config: PortalConfig) -> Self {
        let store = misto_store::testing::fresh_store().await;
        let dir = std::env::temp_dir().join(format!("misto-api-{}", uuid::Uuid::new_v4()));
        let blobs = BlobStore::local(dir.clone()).await.expect("blobs");
        let portal = Portal::open(store, blobs, config).await.expect("portal");
        portal.seed_themes().await.expect("themes");
        let sys = system_viewer();
        portal
            .create_user(
                &sys,
                NewUser {
                    name: "admin".into(),
                    email: "admin@example.org".into(),
                    password: Some("secret-password".into()),
                    sysadmin: true,
                    ..NewUser::default()
                },
            )
            .await
            .expect("admin");
        let (_, admin_token) = portal
            .create_token(&sys, "admin", "tests", None)
            .await
            .expect("token");
        Self {
            portal,
            admin_token,
            blob_dir: dir,
        }
    }

    pub async fn user_token(&self, name: &str) -> String {
        let sys = system_viewer();
        self.portal
            .create_user(
                &sys,
                NewUser {
                    name: name.into(),
                    email: format!("{name}@example.org"),
                    ..NewUser::default()
                },
            )
            .await
            .expect("user");
        self.portal
            .create_token(&sys, name, "t", None)
            .await
            .expect("token")
            .1
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let resp = misto_server::app(self.portal.clone())
            .oneshot(req)
            .await
            .expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// Runs every background job that is due (ingest, validation, ...)
    /// with the handlers the binary registers, as `misto jobs run` does.
    pub async fn run_jobs(&self) -> usize {
        self.portal
            .run_jobs_until_idle(&misto_actions::jobs::default_registry())
            .await
            .expect("jobs")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let mut b = Request::get(path);
        if let Some(t) = token {
            b = b.header("Authorization", t);
        }
        self.send(b.body(Body::empty()).expect("request")).await
    }

    pub async fn post(&self, action: &str, body: Value, token: Option<&str>) -> Resp {
        let mut b = Request::post(format!("/api/3/action/{action}"))
            .header("content-type", "application/json");
        if let Some(t) = token {
            b = b.header("Authorization", t);
        }
        self.send(b.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    pub async fn admin(&self, action: &str, body: Value) -> Value {
        let r = self.post(action, body, Some(&self.admin_token)).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{action}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.result()
    }

    pub async fn org(&self, name: &str) -> Value {
        self.admin(
            "organization_create",
            json!({"name": name, "title": format!("Організація {name}"), "edrpou": "37508596"}),
        )
        .await
    }

    pub async fn upload(
        &self,
        package_id: &str,
        file_name: &str,
        content: &[u8],
        token: &str,
    ) -> Resp {
        let boundary = "XmistoBOUNDARY";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"package_id\"\r\n\r\n{package_id}\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Request::post("/api/3/action/resource_create")
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header("Authorization", token)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }
}
