//! The publisher workspace driven in-process through `misto_web::router`:
//! login and sessions, CSRF, the dataset and resource forms, tokens and
//! members.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Resp, enc, hidden};
use futures_util::StreamExt;
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::datasets::DatasetInput;
use misto_actions::publishers::PublisherInput;
use misto_actions::{Portal, PortalConfig, Viewer};

struct App {
    portal: Portal,
    router: axum::Router,
}

const PASSWORD: &str = "correct-horse-1";

impl App {
    async fn new() -> Self {
        let portal = common::fresh_portal(PortalConfig::default()).await;
        portal.seed_themes().await.expect("themes");
        let sys = system_viewer();
        for name in ["finance", "transport"] {
            portal
                .create_publisher(
                    &sys,
                    PublisherInput {
                        name: name.into(),
                        title: Some(format!("Publisher {name}")),
                        ..PublisherInput::default()
                    },
                )
                .await
                .expect("publisher");
        }
        for (user, org, role) in [
            ("editor", "finance", "editor"),
            ("boss", "finance", "admin"),
            ("other", "transport", "editor"),
        ] {
            common::add_user(&portal, user, PASSWORD, false).await;
            portal
                .set_member(&sys, org, user, role)
                .await
                .expect("member");
        }
        portal
            .create_dataset(
                &sys,
                DatasetInput {
                    name: "sekretnyi".into(),
                    title: Some("Секретний набір".into()),
                    owner_org: Some("finance".into()),
                    private: true,
                    ..DatasetInput::default()
                },
            )
            .await
            .expect("private dataset");
        let router = misto_web::router(portal.clone());
        Self { portal, router }
    }

    async fn send(&self, req: Request<Body>) -> Resp {
        common::send(&self.router, req).await
    }

    async fn get(&self, uri: &str, cookie: &str) -> Resp {
        common::get(&self.router, uri, cookie).await
    }

    async fn post(&self, uri: &str, cookie: &str, pairs: &[(&str, &str)]) -> Resp {
        common::post(&self.router, uri, cookie, pairs).await
    }

    /// Posts the login form; the response and the pre-login cookie used.
    async fn try_login(&self, user: &str, password: &str) -> Resp {
        let page = self.get("/login", "").await;
        assert_eq!(page.status, StatusCode::OK);
        let pre = page
            .set_cookie("misto_pre")
            .and_then(|c| c.split(';').next().map(str::to_string))
            .expect("pre-login cookie");
        let csrf = hidden(&page.body, "csrf");
        assert!(!csrf.is_empty(), "login form has a CSRF token");
        self.post(
            "/login",
            &pre,
            &[
                ("csrf", &csrf),
                ("next", "/dashboard"),
                ("user", user),
                ("password", password),
            ],
        )
        .await
    }

    /// Logs in; the `Cookie` header value of the session.
    async fn login(&self, user: &str) -> String {
        let r = self.try_login(user, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let c = r.set_cookie("misto_session").expect("session cookie");
        c.split(';').next().unwrap_or("").to_string()
    }

    /// The CSRF token of forms for this session.
    async fn csrf(&self, cookie: &str) -> String {
        let page = self.get("/dashboard", cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        hidden(&page.body, "csrf")
    }
}

fn dataset_form<'a>(csrf: &'a str, name: &'a str, title: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("title", title),
        ("name", name),
        ("notes", "Опис набору."),
        ("owner_org", "finance"),
        ("update_frequency", "once a month"),
        ("tags", "бюджет, видатки"),
        ("groups", "podatky"),
        ("license_id", "cc-by-4.0"),
        ("language", "ua"),
        ("state", "active"),
        ("maintainer", "Олена Коваль"),
        ("maintainer_email", "olena@example.org"),
    ]
}

#[tokio::test]
async fn login_success_failure_and_throttling() {
    let app = App::new().await;
    let bad = app.try_login("editor", "wrong-password").await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.body.contains("Невірне ім&#39;я користувача або пароль"));
    assert!(bad.set_cookie("misto_session").is_none());

    let ok = app.try_login("editor", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), "/dashboard");
    let set = ok.set_cookie("misto_session").expect("session cookie");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"));
    assert!(!set.contains("Secure"), "plain http site: no Secure flag");
    let cookie = set.split(';').next().unwrap_or("").to_string();
    let dash = app.get("/dashboard", &cookie).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("Ви увійшли як") && dash.body.contains("action=\"/logout\""));
    assert!(
        dash.body.contains("Секретний набір"),
        "the editor's private dataset is listed"
    );
    assert!(dash.body.contains("Приватний"));

    // Logout clears the cookie.
    let csrf = hidden(&dash.body, "csrf");
    let out = app.post("/logout", &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.set_cookie("misto_session")
            .is_some_and(|c| c.contains("Max-Age=0"))
    );

    // Five failures, then even the right password waits.
    for _ in 0..5 {
        let r = app.try_login("boss", "nope-nope").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let blocked = app.try_login("boss", PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.body.contains("Забагато невдалих спроб"));
    // Other accounts are not affected.
    app.login("other").await;
}

#[tokio::test]
async fn tampered_and_stale_sessions_are_refused() {
    let app = App::new().await;
    let cookie = app.login("editor").await;
    assert_eq!(app.get("/dashboard", &cookie).await.status, StatusCode::OK);
    let anon = app.get("/dashboard", "").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert!(anon.location().starts_with("/login?next=%2Fdashboard"));
    // A cookie that names another user, in the old signed format: no
    // such session is stored.
    let boss = app
        .portal
        .find_user_for(&system_viewer(), "boss")
        .await
        .expect("boss");
    let forged = format!("misto_session={}.4102444800.0000000000000000.00", boss.id);
    assert_eq!(
        app.get("/dashboard", &forged).await.status,
        StatusCode::SEE_OTHER
    );
    // A flipped character of the secret.
    let mut bytes = cookie.clone().into_bytes();
    let last = bytes.len() - 1;
    bytes[last] = if bytes[last] == b'0' { b'1' } else { b'0' };
    let flipped = String::from_utf8(bytes).unwrap_or_default();
    assert_eq!(
        app.get("/dashboard", &flipped).await.status,
        StatusCode::SEE_OTHER
    );
    // A password change ends older sessions.
    let editor = app
        .portal
        .find_user_for(&system_viewer(), "editor")
        .await
        .expect("editor");
    app.portal
        .change_password(&system_viewer(), &editor.id, "another-password-2")
        .await
        .expect("change");
    assert_eq!(
        app.get("/dashboard", &cookie).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_or_from_elsewhere_are_refused() {
    let app = App::new().await;
    let cookie = app.login("editor").await;
    let csrf = app.csrf(&cookie).await;
    let mut form = dataset_form("", "bez-tokena", "Без токена");
    form.remove(0);
    let r = app.post("/dataset/new", &cookie, &form).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/dataset/new",
            &cookie,
            &dataset_form("0123456789abcdef", "x", "X"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another session's token does not fit this one.
    let other = app.login("boss").await;
    let other_csrf = app.csrf(&other).await;
    assert_ne!(other_csrf, csrf);
    let r = app
        .post(
            "/dataset/new",
            &cookie,
            &dataset_form(&other_csrf, "x", "X"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The right token from another origin.
    let req = Request::builder()
        .method("POST")
        .uri("/dataset/new")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &cookie)
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(enc(&dataset_form(&csrf, "zlyi", "Злий"))))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    assert!(app.portal.show_dataset(&system_viewer(), "zlyi").is_err());
    // Logout needs the token too.
    assert_eq!(
        app.post("/logout", &cookie, &[("csrf", "bad")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn members_see_private_datasets_anonymous_get_404() {
    let app = App::new().await;
    assert_eq!(
        app.get("/dataset/sekretnyi", "").await.status,
        StatusCode::NOT_FOUND
    );
    let cookie = app.login("editor").await;
    let page = app.get("/dataset/sekretnyi", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Секретний набір"));
    // A member of another publisher does not see it.
    let other = app.login("other").await;
    assert_eq!(
        app.get("/dataset/sekretnyi", &other).await.status,
        StatusCode::NOT_FOUND
    );
    // Nor may they edit a finance dataset.
    assert_ne!(
        app.get("/dataset/sekretnyi/edit", &other).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn validation_errors_are_shown_next_to_fields() {
    let app = App::new().await;
    let cookie = app.login("editor").await;
    let csrf = app.csrf(&cookie).await;
    let form = app.get("/dataset/new", &cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    for field in [
        "f-title",
        "f-notes",
        "f-update_frequency",
        "f-tags",
        "h-title",
    ] {
        assert!(form.body.contains(&format!("id=\"{field}\"")), "{field}");
    }
    assert!(
        form.body.contains("Щотижня")
            || form.body.contains("щотижня")
            || form.body.contains("option value=\"weekly\"")
    );
    let mut bad = dataset_form(&csrf, "Bad Name!", "");
    bad.retain(|(k, _)| *k != "update_frequency");
    let r = app.post("/dataset/new", &cookie, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("id=\"e-title\""),
        "title error next to the field"
    );
    assert!(r.body.contains("id=\"e-update_frequency\""));
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(
        r.body.contains("href=\"#f-title\""),
        "error summary links the field"
    );
    // What was typed is kept.
    assert!(r.body.contains("value=\"Bad Name!\""));
    // The validator's errors (from the actions) too.
    let r = app
        .post(
            "/dataset/new",
            &cookie,
            &dataset_form(&csrf, "Bad Name!", "Назва"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-name\""), "{}", r.body);
}

#[tokio::test]
async fn create_edit_and_conflict() {
    let app = App::new().await;
    let cookie = app.login("editor").await;
    let csrf = app.csrf(&cookie).await;
    let r = app
        .post(
            "/dataset/new",
            &cookie,
            &dataset_form(&csrf, "", "Видатки бюджету"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = app
        .portal
        .search_datasets(&system_viewer(), &{
            let mut q = misto_search::SearchQuery::at(misto_core::time::now());
            q.q = Some("Видатки".into());
            q
        })
        .expect("search");
    let d = d.results.first().expect("created").clone();
    assert_eq!(
        r.location(),
        format!("/dataset/{}/resources?saved=1", d.name)
    );
    assert_eq!(d.tags, vec!["бюджет".to_string(), "видатки".to_string()]);
    assert!(!d.groups.is_empty());
    let edit_url = format!("/dataset/{}/edit", d.name);
    let page = app.get(&edit_url, &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    let read_at = hidden(&page.body, "metadata_modified");
    assert!(!read_at.is_empty());
    let mut form = dataset_form(&csrf, &d.name, "Видатки бюджету 2026");
    form.push(("metadata_modified", &read_at));
    form.push(("private", "1"));
    let r = app.post(&edit_url, &cookie, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let saved = app
        .portal
        .show_dataset(&system_viewer(), &d.id)
        .expect("saved");
    assert_eq!(saved.title, "Видатки бюджету 2026");
    assert!(saved.private);
    // The same (now stale) form again: a conflict, nothing overwritten.
    let mut stale = dataset_form(&csrf, &d.name, "Застаріла назва");
    stale.push(("metadata_modified", &read_at));
    let r = app.post(&edit_url, &cookie, &stale).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("Набір змінив хтось інший"));
    assert_eq!(
        app.portal
            .show_dataset(&system_viewer(), &d.id)
            .expect("d")
            .title,
        "Видатки бюджету 2026"
    );
    // Delete after confirmation.
    let del = format!("/dataset/{}/delete", d.name);
    assert_eq!(app.get(&del, &cookie).await.status, StatusCode::OK);
    let r = app.post(&del, &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.portal
            .show_dataset(&Viewer::anonymous(), &d.id)
            .is_err()
    );
}

fn multipart(boundary: &str, fields: &[(&str, &str)], file: Option<(&str, &str)>) -> String {
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    if let Some((name, content)) = file {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n"
        ));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    body
}

#[tokio::test]
async fn upload_through_the_form_reorder_and_download() {
    let app = App::new().await;
    let cookie = app.login("editor").await;
    let csrf = app.csrf(&cookie).await;
    let r = app
        .post(
            "/dataset/new",
            &cookie,
            &dataset_form(&csrf, "vydatky", "Видатки"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get("/dataset/vydatky/resources", &cookie).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    let boundary = "XyZboundary42";
    let csv = "рік;сума\n2026;100\n";
    let send = |fields: Vec<(&'static str, String)>, file: Option<(&'static str, &'static str)>| {
        let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let body = multipart(boundary, &f, file);
        Request::builder()
            .method("POST")
            .uri("/dataset/vydatky/resources/new")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::COOKIE, &cookie)
            .body(Body::from(body))
            .expect("request")
    };
    // Without the token: refused, nothing stored.
    let r = app
        .send(send(vec![("name", "x".into())], Some(("a.csv", "a;b\n"))))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Neither file nor link: an error next to the link field.
    let r = app
        .send(send(
            vec![("csrf", csrf.clone()), ("name", "x".into())],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-url\""));
    let r = app
        .send(send(
            vec![("csrf", csrf.clone()), ("name", "Видатки 2026".into())],
            Some(("vydatky.csv", csv)),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .send(send(
            vec![
                ("csrf", csrf.clone()),
                ("name", "Джерело".into()),
                ("url", "https://example.org/data.json".into()),
            ],
            None,
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let d = app
        .portal
        .show_dataset(&Viewer::anonymous(), "vydatky")
        .expect("dataset");
    assert_eq!(d.resources.len(), 2);
    let file_res = d.resources[0].clone();
    assert_eq!(file_res.format.to_uppercase(), "CSV");
    let (_, reader) = app
        .portal
        .open_download(&Viewer::anonymous(), "vydatky", &file_res.id)
        .await
        .expect("download");
    let mut got = Vec::new();
    let mut stream = reader.stream;
    while let Some(chunk) = stream.next().await {
        got.extend_from_slice(&chunk.expect("chunk"));
    }
    assert_eq!(String::from_utf8_lossy(&got), csv);
    // Move the link up.
    let link_id = d.resources[1].id.clone();
    let r = app
        .post(
            "/dataset/vydatky/resources/order",
            &cookie,
            &[("csrf", &csrf), ("resource", &link_id), ("move", "up")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let d = app
        .portal
        .show_dataset(&Viewer::anonymous(), "vydatky")
        .expect("dataset");
    assert_eq!(d.resources[0].id, link_id);
    // Delete the link after confirmation.
    let del = format!("/dataset/vydatky/resource/{link_id}/delete");
    assert_eq!(app.get(&del, &cookie).await.status, StatusCode::OK);
    assert_eq!(
        app.post(&del, &cookie, &[("csrf", &csrf)]).await.status,
        StatusCode::SEE_OTHER
    );
    let d = app
        .portal
        .show_dataset(&Viewer::anonymous(), "vydatky")
        .expect("dataset");
    assert_eq!(d.active_resources().count(), 1);
}

#[tokio::test]
async fn tokens_are_created_once_and_revoked() {
    let app = App::new().await;
    let cookie = app.login("editor").await;
    let csrf = app.csrf(&cookie).await;
    let r = app
        .post(
            "/user/me/tokens",
            &cookie,
            &[("csrf", &csrf), ("name", "скрипт")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let secret = r
        .body
        .split("id=\"new-token\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("secret shown")
        .to_string();
    assert!(secret.starts_with("misto_"));
    assert!(app.portal.viewer_for_token(&secret).await.is_ok());
    let list = app.get("/user/me/tokens", &cookie).await;
    assert!(list.body.contains("скрипт"));
    assert!(
        !list.body.contains(&secret),
        "the secret is shown only once"
    );
    let id = hidden(
        list.body
            .split("action=\"/user/me/tokens/revoke\"")
            .nth(1)
            .unwrap_or(""),
        "id",
    );
    // Another user may not revoke it.
    let other = app.login("other").await;
    let other_csrf = app.csrf(&other).await;
    let r = app
        .post(
            "/user/me/tokens/revoke",
            &other,
            &[("csrf", &other_csrf), ("id", &id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post(
            "/user/me/tokens/revoke",
            &cookie,
            &[("csrf", &csrf), ("id", &id)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.portal.viewer_for_token(&secret).await.is_err());
}

#[tokio::test]
async fn only_publisher_admins_manage_members() {
    let app = App::new().await;
    let editor = app.login("editor").await;
    let csrf = app.csrf(&editor).await;
    assert_eq!(
        app.get("/organization/finance/members", &editor)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .post(
            "/organization/finance/members",
            &editor,
            &[
                ("csrf", &csrf),
                ("op", "set"),
                ("user", "other"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let boss = app.login("boss").await;
    let csrf = app.csrf(&boss).await;
    let page = app.get("/organization/finance/members", &boss).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("editor"));
    let r = app
        .post(
            "/organization/finance/members",
            &boss,
            &[
                ("csrf", &csrf),
                ("op", "set"),
                ("user", "other"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post(
            "/organization/finance/members",
            &boss,
            &[
                ("csrf", &csrf),
                ("op", "set"),
                ("user", "nobody"),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-user\""));
    // The new member now reads the private dataset.
    let other = app.login("other").await;
    assert_eq!(
        app.get("/dataset/sekretnyi", &other).await.status,
        StatusCode::OK
    );
    let r = app
        .post(
            "/organization/finance/members",
            &boss,
            &[("csrf", &csrf), ("op", "remove"), ("user", "other")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/dataset/sekretnyi", &other).await.status,
        StatusCode::NOT_FOUND
    );
}

/// Creates a sysadmin `root` and logs in.
async fn root_session(app: &App) -> String {
    app.portal
        .create_user(
            &system_viewer(),
            NewUser {
                name: "root".into(),
                email: "root@example.org".into(),
                password: Some(PASSWORD.into()),
                sysadmin: true,
                ..NewUser::default()
            },
        )
        .await
        .expect("root");
    app.login("root").await
}

#[tokio::test]
async fn sysadmins_change_site_settings_and_everyone_sees_them() {
    let app = App::new().await;
    // Editors may not.
    let editor = app.login("editor").await;
    assert_eq!(
        app.get("/admin/settings", &editor).await.status,
        StatusCode::FORBIDDEN
    );
    let csrf_e = app.csrf(&editor).await;
    let r = app
        .post(
            "/admin/settings",
            &editor,
            &[("csrf", &csrf_e), ("title", "Зламано")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let root = root_session(&app).await;
    let csrf = app.csrf(&root).await;
    let page = app.get("/admin/settings", &root).await;
    assert_eq!(page.status, StatusCode::OK);
    // A colour too light to read is refused next to its field.
    let bad = app
        .post(
            "/admin/settings",
            &root,
            &[
                ("csrf", &csrf),
                ("title", "Місто"),
                ("primary_color", "#ffee00"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-primary_color\""), "{}", bad.body);
    assert!(bad.body.contains("Надто світлий колір"), "{}", bad.body);
    // Without a CSRF token nothing changes.
    let forged = app
        .post("/admin/settings", &root, &[("title", "Підробка")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let ok = app
        .post(
            "/admin/settings",
            &root,
            &[
                ("csrf", &csrf),
                ("title", "Відкритий Житомир"),
                ("title_en", "Open Zhytomyr"),
                ("description", "Портал відкритих даних"),
                ("primary_color", "#7A1F5C"),
                ("accent_color", "#ffcc00"),
                ("contact_email", "opendata@zt-rada.gov.ua"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let home = app.get("/", "").await;
    assert!(home.body.contains("<span>Відкритий Житомир</span>"));
    assert!(home.body.contains("mailto:opendata@zt-rada.gov.ua"));
    let css_url = home
        .body
        .split("href=\"/site/theme.css")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|q| format!("/site/theme.css{q}"))
        .expect("theme stylesheet linked");
    let css = app.get(&css_url, "").await;
    assert!(css.body.contains("--brand: #7a1f5c"), "{}", css.body);
    let en = app.get("/?lang=en", "").await;
    assert!(en.body.contains("<span>Open Zhytomyr</span>"));
    // The CKAN API answers with the same settings.
    assert_eq!(
        app.portal.site_settings().contact_email,
        "opendata@zt-rada.gov.ua"
    );
}

#[tokio::test]
async fn sysadmins_upload_a_logo_and_it_is_served_sandboxed() {
    let app = App::new().await;
    let root = root_session(&app).await;
    let csrf = app.csrf(&root).await;
    let boundary = "XadminLOGO";
    let multipart = |file: &[u8]| {
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"logo\"; filename=\"logo.svg\"\r\n\
             Content-Type: image/svg+xml\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Request::builder()
            .method("POST")
            .uri("/admin/settings/logo")
            .header(header::COOKIE, &root)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request")
    };
    let bad = app.send(multipart(b"%PDF-1.4 not a logo")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-logo\""));
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>";
    let ok = app.send(multipart(svg)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let home = app.get("/", "").await;
    assert!(home.body.contains("src=\"/site/logo?v="));
    let logo = app.get("/site/logo", "").await;
    assert_eq!(logo.status, StatusCode::OK);
    assert_eq!(logo.body.as_bytes(), svg);
    assert_eq!(logo.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert!(
        logo.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
}

#[tokio::test]
async fn sysadmins_manage_users_and_publishers() {
    let app = App::new().await;
    let root = root_session(&app).await;
    let csrf = app.csrf(&root).await;
    let list = app.get("/admin/users", &root).await;
    assert!(list.body.contains("editor@example.org"));
    // A new account, with a bad e-mail first.
    let bad = app
        .post(
            "/admin/users",
            &root,
            &[
                ("csrf", &csrf),
                ("name", "maria"),
                ("email", "nope"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-email\""));
    let ok = app
        .post(
            "/admin/users",
            &root,
            &[
                ("csrf", &csrf),
                ("name", "maria"),
                ("email", "maria@example.org"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let maria = app.login("maria").await;
    // Blocked: her session stops working and she cannot log in.
    let r = app
        .post(
            "/admin/users/maria",
            &root,
            &[("csrf", &csrf), ("op", "block")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/dashboard", &maria).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.try_login("maria", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Root cannot block themself.
    let own = app
        .post(
            "/admin/users/root",
            &root,
            &[("csrf", &csrf), ("op", "block")],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A publisher: refused with a bad EDRPOU, created with a good one.
    let form = |edrpou: &'static str| {
        vec![
            ("csrf", csrf.as_str()),
            ("name", "osvita"),
            ("title", "Управління освіти"),
            ("edrpou", edrpou),
            ("kind", "executive_body"),
        ]
    };
    let bad = app
        .post("/admin/publishers/new", &root, &form("1234567"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id=\"e-edrpou\""), "{}", bad.body);
    assert!(bad.body.contains("Код ЄДРПОУ — 8 цифр"), "{}", bad.body);
    let ok = app
        .post("/admin/publishers/new", &root, &form("37508596"))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/organization/osvita");
    assert!(
        app.get("/admin/publishers", &root)
            .await
            .body
            .contains("Управління освіти")
    );

    // The publisher's admin edits its details from its public page.
    let boss = app.login("boss").await;
    let page = app.get("/organization/finance", &boss).await;
    assert!(page.body.contains("href=\"/organization/finance/edit\""));
    let anon = app.get("/organization/finance", "").await;
    assert!(!anon.body.contains("/organization/finance/edit"));
    let csrf_b = app.csrf(&boss).await;
    let r = app
        .post(
            "/organization/finance/edit",
            &boss,
            &[
                ("csrf", &csrf_b),
                ("title", "Департамент фінансів"),
                ("email", "fin@example.org"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.portal.show_publisher("finance").unwrap().title,
        "Департамент фінансів"
    );
    // An editor of another publisher may not.
    let other = app.login("other").await;
    assert_eq!(
        app.get("/organization/finance/edit", &other).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Whether a cookie still opens the workspace.
async fn opens_dashboard(app: &App, cookie: &str) -> bool {
    let r = app.get("/dashboard", cookie).await;
    assert!(
        matches!(r.status, StatusCode::OK | StatusCode::SEE_OTHER),
        "{}",
        r.status
    );
    r.status == StatusCode::OK
}

#[tokio::test]
async fn security_session_ends_on_the_server_at_logout_password_change_and_lost_rights() {
    let app = App::new().await;
    common::add_user(&app.portal, "root", PASSWORD, true).await;
    common::add_user(&app.portal, "root2", PASSWORD, true).await;

    // Logout: the old cookie, replayed, opens nothing; another browser of
    // the same person stays signed in.
    let laptop = app.login("editor").await;
    let phone = app.login("editor").await;
    assert_ne!(laptop, phone, "every login is a session of its own");
    let csrf = app.csrf(&laptop).await;
    let out = app.post("/logout", &laptop, &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(!opens_dashboard(&app, &laptop).await, "logged-out cookie");
    assert!(opens_dashboard(&app, &phone).await, "the other session");

    // A password change through the form ends every other session and
    // gives this browser a fresh one.
    let desk = app.login("editor").await;
    let csrf = app.csrf(&desk).await;
    let r = app
        .post(
            "/user/me/password",
            &desk,
            &[
                ("csrf", &csrf),
                ("current_password", PASSWORD),
                ("new_password", "another-password-2"),
                ("confirm_password", "another-password-2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let fresh = r.cookie("misto_session").expect("a new session cookie");
    assert!(!opens_dashboard(&app, &phone).await, "older session");
    assert!(
        !opens_dashboard(&app, &desk).await,
        "the changing session's old cookie"
    );
    assert!(opens_dashboard(&app, &fresh).await, "the new cookie");

    // A membership removed by the publisher's admin.
    app.portal
        .set_member(&system_viewer(), "finance", "other", "editor")
        .await
        .expect("member");
    let other = app.login("other").await;
    let boss = app.login("boss").await;
    let boss_csrf = app.csrf(&boss).await;
    let r = app
        .post(
            "/organization/finance/members",
            &boss,
            &[("csrf", &boss_csrf), ("user", "other"), ("op", "remove")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!opens_dashboard(&app, &other).await, "membership removed");

    // A role lowered (admin → member).
    let root = app.login("root").await;
    let root_csrf = app.csrf(&root).await;
    let r = app
        .post(
            "/organization/finance/members",
            &root,
            &[("csrf", &root_csrf), ("user", "boss"), ("role", "member")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!opens_dashboard(&app, &boss).await, "role lowered");

    // Sysadmin rights removed, and an account blocked, by another sysadmin.
    let root2 = app.login("root2").await;
    let r = app
        .post(
            "/admin/users/root2",
            &root,
            &[("csrf", &root_csrf), ("op", "no_sysadmin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        !opens_dashboard(&app, &root2).await,
        "sysadmin rights removed"
    );
    let editor = app.try_login("editor", "another-password-2").await;
    let editor = editor.cookie("misto_session").expect("editor session");
    let r = app
        .post(
            "/admin/users/editor",
            &root,
            &[("csrf", &root_csrf), ("op", "block")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!opens_dashboard(&app, &editor).await, "account blocked");
    assert!(!opens_dashboard(&app, &fresh).await, "account blocked");
    // Unblocking does not bring old sessions back.
    app.portal
        .set_user_active(&system_viewer(), "editor", true)
        .await
        .expect("unblock");
    assert!(!opens_dashboard(&app, &editor).await);
    // The sysadmin who acted is still signed in.
    assert!(opens_dashboard(&app, &root).await);
}

/// Posts the login form as a client at `peer`, optionally through a proxy
/// header.
async fn login_from(
    app: &App,
    peer: &str,
    forwarded_for: Option<&str>,
    user: &str,
    password: &str,
) -> StatusCode {
    let page = app.get("/login", "").await;
    let pre = page.cookie("misto_pre").expect("pre-login cookie");
    let csrf = hidden(&page.body, "csrf");
    let mut req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &pre);
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    let mut req = req
        .body(Body::from(enc(&[
            ("csrf", &csrf),
            ("next", "/dashboard"),
            ("user", user),
            ("password", password),
        ])))
        .expect("request");
    let peer: std::net::SocketAddr = format!("{peer}:40000").parse().expect("peer");
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    app.send(req).await.status
}

#[tokio::test]
async fn security_session_throttle_holds_the_account_not_the_office() {
    let app = App::new().await;
    let office = "192.0.2.10";
    // Eight failures for one name...
    for _ in 0..8 {
        let s = login_from(&app, office, None, "boss", "wrong-password").await;
        assert!(
            matches!(s, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS),
            "{s}"
        );
    }
    // ...hold that account, from any address, even with the right password...
    assert_eq!(
        login_from(&app, office, None, "boss", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(&app, "198.51.100.7", None, "boss", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...but not a colleague behind the same address.
    assert_eq!(
        login_from(&app, office, None, "editor", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
    // A spray over many accounts from one address is stopped by the
    // address's own (higher) limit.
    let mut held_after = None;
    for i in 0..(misto_web::session::FREE_ADDRESS_FAILURES + 5) {
        let s = login_from(&app, office, None, &format!("nobody{i}"), "guess-guess").await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            held_after = Some(i);
            break;
        }
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let held_after = held_after.expect("the spray is held");
    assert!(held_after + 8 >= misto_web::session::FREE_ADDRESS_FAILURES);
    assert_eq!(
        login_from(&app, office, None, "other", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "the whole address waits now"
    );
    // X-Forwarded-For from an untrusted peer changes nothing. (Checked
    // while the first, one-second wait lasts: held logins answer at once.)
    assert_eq!(
        login_from(&app, office, Some("203.0.113.50"), "other", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another address is not held.
    assert_eq!(
        login_from(&app, "198.51.100.8", None, "other", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn security_session_throttle_keys_on_the_client_behind_a_trusted_proxy() {
    let portal = common::fresh_portal(PortalConfig {
        trusted_proxies: misto_core::net::IpRange::parse_list("10.0.0.1").expect("range"),
        ..PortalConfig::default()
    })
    .await;
    common::add_user(&portal, "olena", PASSWORD, false).await;
    let app = App {
        router: misto_web::router(portal.clone()),
        portal,
    };
    let proxy = "10.0.0.1";
    // A spray from one client behind the proxy...
    let mut held = false;
    for i in 0..(misto_web::session::FREE_ADDRESS_FAILURES + 5) {
        let s = login_from(
            &app,
            proxy,
            Some("203.0.113.5"),
            &format!("x{i}"),
            "guess-guess",
        )
        .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            held = true;
            break;
        }
    }
    assert!(held, "the sprayer is held");
    // ...holds that client, not the others behind the same proxy.
    assert_eq!(
        login_from(&app, proxy, Some("203.0.113.5"), "olena", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A forged entry left of the proxy's is ignored.
    assert_eq!(
        login_from(
            &app,
            proxy,
            Some("203.0.113.6, 203.0.113.5"),
            "olena",
            PASSWORD
        )
        .await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login_from(&app, proxy, Some("203.0.113.6"), "olena", PASSWORD).await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn security_text_control_characters_are_a_field_error_on_the_forms() {
    let app = App::new().await;
    let cookie = app.login("editor").await;
    let csrf = app.csrf(&cookie).await;
    let mut form = dataset_form(&csrf, "z-nul", "Бюджет\u{0} міста");
    form.retain(|(k, _)| *k != "notes");
    form.push(("notes", "Рядок\u{b}з Word"));
    let r = app.post("/dataset/new", &cookie, &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("id=\"e-title\""),
        "title error next to the field"
    );
    assert!(
        r.body.contains("id=\"e-notes\""),
        "notes error next to the field"
    );
    assert!(r.body.contains("control characters"));
    assert!(app.portal.show_dataset(&system_viewer(), "z-nul").is_err());
    // Tabs and line breaks are fine.
    let mut form = dataset_form(&csrf, "z-tabs", "Бюджет міста");
    form.retain(|(k, _)| *k != "notes");
    form.push(("notes", "Рядок\tз табуляцією\r\nі другий"));
    let r = app.post("/dataset/new", &cookie, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}
