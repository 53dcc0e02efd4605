//! What the in-process page suites of this crate share: a response with
//! its body as text, reading hidden form fields and cookies, and GET/POST
//! through a router with an optional `Cookie` header.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The whole `Set-Cookie` value of a cookie the response sets.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_string)
    }

    /// `name=value` of a cookie the response sets, for a `Cookie` header.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookie(name)
            .and_then(|c| c.split(';').next().map(str::to_string))
    }
}

/// The value of the first hidden input `name` in a page.
pub fn hidden(body: &str, name: &str) -> String {
    body.split(&format!("name=\"{name}\" value=\""))
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// `application/x-www-form-urlencoded` of the pairs.
pub fn enc(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

pub async fn send(router: &axum::Router, req: Request<Body>) -> Resp {
    let resp = router.clone().oneshot(req).await.expect("response");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

pub async fn get(router: &axum::Router, uri: &str, cookie: &str) -> Resp {
    let mut req = Request::builder().uri(uri);
    if !cookie.is_empty() {
        req = req.header(header::COOKIE, cookie);
    }
    send(router, req.body(Body::empty()).expect("request")).await
}

pub async fn post(router: &axum::Router, uri: &str, cookie: &str, pairs: &[(&str, &str)]) -> Resp {
    let mut req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if !cookie.is_empty() {
        req = req.header(header::COOKIE, cookie);
    }
    send(router, req.body(Body::from(enc(pairs))).expect("request")).await
}

/// POSTs the pairs as `multipart/form-data` (forms that may carry a file).
pub async fn post_multipart(
    router: &axum::Router,
    uri: &str,
    cookie: &str,
    pairs: &[(&str, &str)],
) -> Resp {
    let boundary = "misto-common-boundary-5c2e";
    let mut body = String::new();
    for (k, v) in pairs {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let mut req = Request::builder().method("POST").uri(uri).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if !cookie.is_empty() {
        req = req.header(header::COOKIE, cookie);
    }
    send(router, req.body(Body::from(body)).expect("request")).await
}

/// A visitor's first look at `page`: its pre-login cookie and the form's
/// CSRF token.
pub async fn visitor(router: &axum::Router, page: &str) -> (String, String) {
    let r = get(router, page, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pre = r.cookie("misto_pre").expect("pre-login cookie");
    (pre, hidden(&r.body, "csrf"))
}

/// Signs in through the login form; the session cookie (`name=value`).
pub async fn login(router: &axum::Router, user: &str, password: &str) -> String {
    let (pre, csrf) = visitor(router, "/login").await;
    let r = post(
        router,
        "/login",
        &pre,
        &[
            ("csrf", &csrf),
            ("next", "/dashboard"),
            ("user", user),
            ("password", password),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.cookie("misto_session").expect("session cookie")
}

/// Signs in, then opens `page`: the session cookie and that page's CSRF
/// token (for the forms a signed-in user posts; the page may refuse the
/// user, its token is the session's all the same).
pub async fn login_at(
    router: &axum::Router,
    user: &str,
    password: &str,
    page: &str,
) -> (String, String) {
    let cookie = login(router, user, password).await;
    let r = get(router, page, &cookie).await;
    (cookie, hidden(&r.body, "csrf"))
}

/// A portal on a fresh database and a blob folder of its own.
pub async fn fresh_portal(config: misto_actions::PortalConfig) -> misto_actions::Portal {
    let store = misto_store::testing::fresh_store().await;
    let dir = std::env::temp_dir().join(format!("misto-web-{}", uuid::Uuid::new_v4()));
    let blobs = misto_actions::BlobStore::local(dir).await.expect("blobs");
    misto_actions::Portal::open(store, blobs, config)
        .await
        .expect("portal")
}

/// Creates a publisher (as the system).
pub async fn add_publisher(portal: &misto_actions::Portal, name: &str, title: &str) {
    portal
        .create_publisher(
            &misto_actions::accounts::system_viewer(),
            misto_actions::publishers::PublisherInput {
                name: name.into(),
                title: Some(title.into()),
                ..Default::default()
            },
        )
        .await
        .expect("publisher");
}

/// Creates a user with a password (`name@example.org`).
pub async fn add_user(portal: &misto_actions::Portal, name: &str, password: &str, sysadmin: bool) {
    portal
        .create_user(
            &misto_actions::accounts::system_viewer(),
            misto_actions::accounts::NewUser {
                name: name.into(),
                email: format!("{name}@example.org"),
                password: Some(password.into()),
                sysadmin,
                ..Default::default()
            },
        )
        .await
        .expect("user");
}
