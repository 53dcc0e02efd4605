//! Engagement pages driven in-process through `misto_web::router`: the
//! feedback form on the dataset page (CSRF, honeypot, rate limit), the
//! author's status page, the publisher's inbox, the moderation queue,
//! dataset requests with one vote per browser and the coordinators'
//! review, and news written by a coordinator.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Resp, enc, hidden};
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::DatasetInput;
use misto_actions::publishers::PublisherInput;
use misto_actions::{Portal, PortalConfig};

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
        portal
            .create_publisher(
                &sys,
                PublisherInput {
                    name: "water".into(),
                    title: Some("Водоканал".into()),
                    ..PublisherInput::default()
                },
            )
            .await
            .expect("publisher");
        for (user, sysadmin) in [("editor", false), ("coordinator", true), ("other", false)] {
            common::add_user(&portal, user, PASSWORD, sysadmin).await;
        }
        portal
            .set_member(&sys, "water", "editor", "editor")
            .await
            .expect("member");
        portal
            .create_dataset(
                &sys,
                DatasetInput {
                    name: "meters".into(),
                    title: Some("Лічильники води".into()),
                    owner_org: Some("water".into()),
                    maintainer_email: Some("petro@water.example.org".into()),
                    ..DatasetInput::default()
                },
            )
            .await
            .expect("dataset");
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

    /// A visitor without an account: the pre-login cookie and the CSRF
    /// token of a page's forms.
    async fn visitor(&self, page: &str) -> (String, String) {
        common::visitor(&self.router, page).await
    }

    /// Logs in: the session cookie and the CSRF token of its forms.
    async fn login(&self, user: &str) -> (String, String) {
        common::login_at(&self.router, user, PASSWORD, "/dashboard").await
    }
}

fn feedback<'a>(csrf: &'a str, message: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("kind", "data_error"),
        ("message", message),
        ("author_name", "Оксана"),
        ("author_email", email),
        ("website", ""),
    ]
}

#[tokio::test]
async fn feedback_from_the_dataset_page_to_the_answer() {
    let app = App::new().await;
    let (pre, csrf) = app.visitor("/dataset/meters").await;
    let page = app.get("/dataset/meters", &pre).await;
    assert!(page.body.contains("action=\"/dataset/meters/feedback\""));
    assert!(page.body.contains("name=\"website\""), "the honeypot field");

    // Without the token: refused.
    let r = app
        .post(
            "/dataset/meters/feedback",
            &pre,
            &feedback("forged", "Рядок 5 має неправильну адресу", "o@example.org"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Bad input: the form again with messages next to the fields.
    let r = app
        .post(
            "/dataset/meters/feedback",
            &pre,
            &feedback(&csrf, "ой", "not-an-address"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-message\""), "{}", r.body);
    assert!(r.body.contains("id=\"e-author_email\""));
    assert!(r.body.contains("value=\"not-an-address\""), "values kept");

    let r = app
        .post(
            "/dataset/meters/feedback",
            &pre,
            &feedback(&csrf, "Рядок 5 має неправильну адресу", "o@example.org"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let status_url = r.location().to_string();
    assert!(status_url.starts_with("/feedback/"), "{status_url}");
    let mine = app.get(&status_url, "").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("Рядок 5 має неправильну адресу"));
    assert!(mine.body.contains("Очікує") || mine.body.contains("Новий"));
    // Without the right key the page does not exist.
    let id = status_url
        .trim_start_matches("/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get(&format!("/feedback/{id}?key=0123"), "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Pending: not on the public dataset page yet.
    let public = app.get("/dataset/meters", "").await;
    assert!(!public.body.contains("Рядок 5 має неправильну адресу"));

    // The editor answers from the inbox.
    let (editor, editor_csrf) = app.login("editor").await;
    let inbox = app.get("/dashboard/feedback", &editor).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("Рядок 5 має неправильну адресу"));
    assert!(
        inbox.body.contains("o@example.org"),
        "the editor sees the address"
    );
    let r = app
        .post(
            &format!("/dashboard/feedback/{id}"),
            &editor,
            &[
                ("csrf", &editor_csrf),
                ("answer", "Виправили адресу"),
                ("status", "fixed"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Someone else's editor may not answer.
    let (other, other_csrf) = app.login("other").await;
    let r = app
        .post(
            &format!("/dashboard/feedback/{id}"),
            &other,
            &[("csrf", &other_csrf), ("answer", "Ні")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Public now, with status and answer; the author sees the answer too.
    let public = app.get("/dataset/meters?lang=en", "").await;
    assert!(public.body.contains("Рядок 5 має неправильну адресу"));
    assert!(public.body.contains("Виправили адресу"));
    assert!(public.body.contains("Fixed"));
    assert!(
        !public.body.contains("o@example.org"),
        "addresses stay private"
    );
    let mine = app.get(&status_url, "").await;
    assert!(mine.body.contains("Виправили адресу"));
    let job = app
        .portal
        .job_status("email", &format!("feedback-answer:{id}"))
        .await
        .unwrap()
        .expect("answer e-mail queued");
    assert_eq!(job.payload["to"], "o@example.org");
}

#[tokio::test]
async fn honeypot_rate_limit_and_moderation_queue() {
    let app = App::new().await;
    let (pre, csrf) = app.visitor("/dataset/meters").await;
    let mut bot = feedback(&csrf, "Cheap watches for everyone", "bot@example.org");
    bot.retain(|(k, _)| *k != "website");
    bot.push(("website", "http://spam.example"));
    let r = app.post("/dataset/meters/feedback", &pre, &bot).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "bots see no difference");

    let (coord, coord_csrf) = app.login("coordinator").await;
    let q = app.get("/dashboard/moderation", &coord).await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(!q.body.contains("Cheap watches"), "spam skips the queue");
    let spam = app.get("/dashboard/feedback?spam=1", &coord).await;
    assert!(spam.body.contains("Cheap watches"));

    // Five an hour from one address (the bot's post did not count); the
    // sixth gets 429.
    for i in 0..5 {
        let msg = format!("Питання номер {i} про лічильники");
        let r = app
            .post(
                "/dataset/meters/feedback",
                &pre,
                &feedback(&csrf, &msg, "bot@example.org"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{i}: {}", r.body);
    }
    let r = app
        .post(
            "/dataset/meters/feedback",
            &pre,
            &feedback(&csrf, "Шосте питання поспіль", "bot@example.org"),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);

    // The coordinator approves one from the queue.
    let q = app.get("/dashboard/moderation", &coord).await;
    assert!(q.body.contains("Питання номер 0"));
    let id = q
        .body
        .split("action=\"/dashboard/feedback/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = app
        .post(
            &format!("/dashboard/feedback/{id}"),
            &coord,
            &[
                ("csrf", &coord_csrf),
                ("back", "moderation"),
                ("moderation", "approved"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/dashboard/moderation?saved=1");
    let public = app.get("/dataset/meters", "").await;
    assert!(public.body.contains("Питання номер 0"));
    // Others may not open the queue.
    let (editor, _) = app.login("editor").await;
    assert_eq!(
        app.get("/dashboard/moderation", &editor).await.status,
        StatusCode::FORBIDDEN
    );
    // Anonymous: to the login page.
    assert_eq!(
        app.get("/dashboard/moderation", "").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn requests_votes_and_review() {
    let app = App::new().await;
    let (pre, csrf) = app.visitor("/requests/new").await;
    let r = app
        .post(
            "/requests/new",
            &pre,
            &[
                ("csrf", &csrf),
                ("title", "Графік вивезення сміття"),
                ("description", "По вулицях"),
                ("publisher", "water"),
                ("author_name", "Іра"),
                ("author_email", "ira@example.org"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(r.location(), "/requests?sent=1");
    let r = app
        .post(
            "/requests/new",
            &pre,
            &[("csrf", &csrf), ("title", "x"), ("publisher", "nope")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-title\"") && r.body.contains("id=\"e-publisher\""));

    // Pending until a coordinator approves it.
    assert!(!app.get("/requests", "").await.body.contains("Графік"));
    let (coord, coord_csrf) = app.login("coordinator").await;
    let q = app.get("/dashboard/moderation", &coord).await;
    let url = q
        .body
        .split("<a href=\"/requests/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|id| format!("/requests/{id}"))
        .expect("the request waits in the queue");
    let r = app
        .post(
            &format!("{url}/review"),
            &coord,
            &[
                ("csrf", &coord_csrf),
                ("back", "moderation"),
                ("moderation", "approved"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    // One vote per browser.
    let (pre, csrf) = app.visitor("/requests").await;
    let list = app.get("/requests", &pre).await;
    assert!(list.body.contains("Графік вивезення сміття"));
    let r = app
        .post(&format!("{url}/vote"), &pre, &[("csrf", &csrf)])
        .await;
    assert!(
        r.location().starts_with("/requests?voted=1"),
        "{}",
        r.location()
    );
    let voter = r.cookie("misto_voter").expect("voter cookie");
    let both = format!("{pre}; {voter}");
    let r = app
        .post(&format!("{url}/vote"), &both, &[("csrf", &csrf)])
        .await;
    assert!(
        r.location().starts_with("/requests?voted=0"),
        "{}",
        r.location()
    );
    assert!(r.cookie("misto_voter").is_none());
    let page = app.get(&url, "").await;
    assert!(
        page.body.contains("<span id=\"request-votes\">1</span>"),
        "{}",
        page.body
    );

    // The coordinator plans it: a date is required.
    let r = app
        .post(
            &format!("{url}/review"),
            &coord,
            &[
                ("csrf", &coord_csrf),
                ("status", "planned"),
                ("planned_date", ""),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-planned_date\""));
    let r = app
        .post(
            &format!("{url}/review"),
            &coord,
            &[
                ("csrf", &coord_csrf),
                ("status", "planned"),
                ("planned_date", "2027-03-01"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("{url}?lang=en"), "").await;
    assert!(page.body.contains("Planned"), "{}", page.body);
    assert!(page.body.contains("01.03.2027") || page.body.contains("2027"));
    assert!(!page.body.contains("ira@example.org"));
    // Published with the dataset that fulfils it.
    app.post(
        &format!("{url}/review"),
        &coord,
        &[
            ("csrf", &coord_csrf),
            ("status", "published"),
            ("dataset", "meters"),
            ("reason", ""),
        ],
    )
    .await;
    let list = app.get("/requests", "").await;
    assert!(list.body.contains("href=\"/dataset/meters\""));
    // Others may not review.
    let (editor, editor_csrf) = app.login("editor").await;
    let r = app
        .post(
            &format!("{url}/review"),
            &editor,
            &[
                ("csrf", &editor_csrf),
                ("status", "rejected"),
                ("reason", "ні"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

fn multipart(boundary: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, content)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\nContent-Type: image/png\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

async fn post_news(
    app: &App,
    uri: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    picture: bool,
) -> Resp {
    let boundary = "XnewsB";
    let file: Option<(&str, &[u8])> =
        picture.then_some(("pic.png", b"\x89PNG\r\n\x1a\nfake".as_slice()));
    let body = multipart(boundary, fields, file);
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

#[tokio::test]
async fn coordinators_publish_news() {
    let app = App::new().await;
    let (coord, csrf) = app.login("coordinator").await;
    let form = app.get("/news/new", &coord).await;
    assert_eq!(form.status, StatusCode::OK);
    let r = post_news(
        &app,
        "/news/new",
        &coord,
        &[
            ("csrf", &csrf),
            ("title", "Відкрили дані про воду"),
            ("name", ""),
            ("body", "Див. <script>alert(1)</script> **набір**."),
            ("datasets", "meters"),
            ("publish_date", "2026-01-15"),
            ("published", "1"),
        ],
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/news/vidkryly-dani-pro-vodu");
    let post = app.get("/news/vidkryly-dani-pro-vodu", "").await;
    assert_eq!(post.status, StatusCode::OK);
    assert!(post.body.contains("<strong>набір</strong>"));
    assert!(!post.body.contains("<script>alert"), "raw HTML is escaped");
    assert!(post.body.contains("href=\"/dataset/meters\""));
    assert!(
        post.body
            .contains("src=\"/news/vidkryly-dani-pro-vodu/image\"")
    );
    let img = app.get("/news/vidkryly-dani-pro-vodu/image", "").await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.headers[header::CONTENT_TYPE], "image/png");
    // The list, the home page.
    let list = app.get("/news", "").await;
    assert!(list.body.contains("Відкрили дані про воду"));
    let home = app.get("/", "").await;
    assert!(
        home.body.contains("href=\"/news/vidkryly-dani-pro-vodu\""),
        "home shows the latest"
    );

    // Without the token, or as a non-coordinator: refused.
    let r = post_news(
        &app,
        "/news/new",
        &coord,
        &[("csrf", "forged"), ("title", "X")],
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (editor, editor_csrf) = app.login("editor").await;
    let r = post_news(
        &app,
        "/news/new",
        &editor,
        &[("csrf", &editor_csrf), ("title", "X")],
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/dashboard/news", &editor).await.status,
        StatusCode::FORBIDDEN
    );
    // Missing title: the form again.
    let r = post_news(
        &app,
        "/news/new",
        &coord,
        &[("csrf", &csrf), ("title", "")],
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-title\""));

    // Unpublished again: gone for the public, still in the coordinators' list.
    let edit = app.get("/news/vidkryly-dani-pro-vodu/edit", &coord).await;
    assert_eq!(edit.status, StatusCode::OK);
    let r = post_news(
        &app,
        "/news/vidkryly-dani-pro-vodu/edit",
        &coord,
        &[
            ("csrf", &csrf),
            ("title", "Відкрили дані про воду"),
            ("name", "vidkryly-dani-pro-vodu"),
            ("body", "Текст"),
        ],
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.get("/news/vidkryly-dani-pro-vodu", "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/news/vidkryly-dani-pro-vodu/image", "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let admin = app.get("/dashboard/news", &coord).await;
    assert!(admin.body.contains("Відкрили дані про воду"));
    // Deleted.
    let r = app
        .post(
            "/news/vidkryly-dani-pro-vodu/delete",
            &coord,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.location(), "/dashboard/news?saved=1");
    assert!(
        !app.get("/dashboard/news", &coord)
            .await
            .body
            .contains("Відкрили")
    );
}

#[tokio::test]
async fn coordinators_keep_static_pages_with_files() {
    let app = App::new().await;
    let (coord, csrf) = app.login("coordinator").await;
    assert_eq!(app.get("/pages/new", &coord).await.status, StatusCode::OK);
    let r = app
        .post(
            "/pages/new",
            &coord,
            &[
                ("csrf", &csrf),
                ("title", "Регламент"),
                ("name", "rehlament"),
                ("body", "Порядок **оприлюднення**."),
                ("menu", "footer"),
                ("position", "x"),
                ("published", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-position\""));
    let r = app
        .post(
            "/pages/new",
            &coord,
            &[
                ("csrf", &csrf),
                ("title", "Регламент"),
                ("name", "rehlament"),
                ("body", "Порядок **оприлюднення**."),
                ("menu", "footer"),
                ("position", "3"),
                ("published", "1"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/pages/rehlament", "{}", r.body);
    let home = app.get("/?lang=en", "").await;
    assert!(
        home.body
            .contains("<li><a href=\"/pages/rehlament\">Регламент</a></li>")
    );

    // A file through the multipart form; the CSRF token comes first.
    let boundary = "XattB";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"nakaz.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 test\r\n--{boundary}--\r\n"
    );
    let req = Request::builder()
        .method("POST")
        .uri("/pages/rehlament/attachments")
        .header(header::COOKIE, &coord)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.location(), "/pages/rehlament", "{}", r.body);
    let page = app.get("/pages/rehlament", "").await;
    assert!(page.body.contains("<strong>оприлюднення</strong>"));
    let href = page
        .body
        .split("href=\"/pages/rehlament/files/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| format!("/pages/rehlament/files/{s}"))
        .expect("a file link");
    let f = app.get(&href, "").await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.body, "%PDF-1.4 test");
    // A PDF may carry scripts for the browser's viewer: a neutral
    // attachment (docs/security.md).
    assert_eq!(f.headers[header::CONTENT_TYPE], "application/octet-stream");
    assert!(
        f.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap_or("")
            .starts_with("attachment;")
    );

    // Editors may not change pages.
    let (editor, editor_csrf) = app.login("editor").await;
    let r = app
        .post(
            "/pages/rehlament/edit",
            &editor,
            &[("csrf", &editor_csrf), ("title", "Зламано")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Unpublished: gone from the menu and for the public.
    let r = app
        .post(
            "/pages/rehlament/edit",
            &coord,
            &[
                ("csrf", &csrf),
                ("title", "Регламент"),
                ("name", "rehlament"),
                ("menu", "footer"),
                ("position", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!app.get("/", "").await.body.contains("/pages/rehlament"));
    assert_eq!(
        app.get("/pages/rehlament", "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&href, "").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn showcase_submission_through_the_form() {
    let app = App::new().await;
    let (pre, csrf) = app.visitor("/showcase/new?dataset=meters").await;
    let form = app.get("/showcase/new?dataset=meters", &pre).await;
    assert!(
        form.body.contains("value=\"meters\""),
        "the dataset is filled in"
    );
    let fields = |url: &'static str| {
        vec![
            ("kind", "app"),
            ("title", "Де моя вода"),
            ("description", "Застосунок показує відключення води."),
            ("url", url),
            ("datasets", "meters"),
            ("author_name", "Дмитро"),
            ("author_email", "d@example.org"),
            ("website", ""),
        ]
    };
    // The form is multipart (it may bring a picture).
    let mut bad = fields("ftp://example.org");
    bad.insert(0, ("csrf", &csrf));
    let r = common::post_multipart(&app.router, "/showcase/new", &pre, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-url\""));
    let mut good = fields("https://example.org/voda");
    good.insert(0, ("csrf", &csrf));
    let r = common::post_multipart(&app.router, "/showcase/new", &pre, &good).await;
    assert_eq!(r.location(), "/showcase?sent=1", "{}", r.body);
    assert!(!app.get("/showcase", "").await.body.contains("Де моя вода"));

    let (coord, coord_csrf) = app.login("coordinator").await;
    let q = app.get("/dashboard/moderation", &coord).await;
    let action = q
        .body
        .split("action=\"/showcase/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| format!("/showcase/{s}"))
        .expect("waiting in the queue");
    let r = app
        .post(
            &action,
            &coord,
            &[("csrf", &coord_csrf), ("moderation", "approved")],
        )
        .await;
    assert_eq!(r.location(), "/dashboard/moderation?saved=1");
    assert!(app.get("/showcase", "").await.body.contains("Де моя вода"));
    let d = app.get("/dataset/meters", "").await;
    assert!(d.body.contains("Де моя вода"), "shown on the dataset page");
}

#[tokio::test]
async fn a_survey_answered_in_the_browser_and_its_chart() {
    let app = App::new().await;
    let (coord, csrf) = app.login("coordinator").await;
    let r = app
        .post(
            "/surveys/new",
            &coord,
            &[
                ("csrf", &csrf),
                ("title", "Задоволеність порталом"),
                ("name", "zadovolenist"),
                ("questions", "single* | Чи знайшли потрібне? | так; ні\nmultiple | Формати | CSV; XLSX; JSON\ntext | Побажання"),
                ("public_results", "1"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/surveys/zadovolenist", "{}", r.body);
    let (pre, vcsrf) = app.visitor("/surveys/zadovolenist").await;
    // The required question left out: the form again.
    let r = app
        .post(
            "/surveys/zadovolenist",
            &pre,
            &[("csrf", &vcsrf), ("q2", "CSV")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-q1\""));
    assert!(r.body.contains("value=\"CSV\" checked"), "answers kept");
    let r = app
        .post(
            "/surveys/zadovolenist",
            &pre,
            &[
                ("csrf", &vcsrf),
                ("q1", "так"),
                ("q2", "CSV"),
                ("q2", "JSON"),
                ("q3", "Більше API"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/surveys/zadovolenist?answered=1");
    let voter = r.cookie("misto_voter").expect("voter cookie");
    let r = app
        .post(
            "/surveys/zadovolenist",
            &format!("{pre}; {voter}"),
            &[("csrf", &vcsrf), ("q1", "ні")],
        )
        .await;
    assert_eq!(
        r.location(),
        "/surveys/zadovolenist?answered=0",
        "once per browser"
    );

    let res = app.get("/surveys/zadovolenist/results?lang=en", "").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body
            .contains("<strong id=\"survey-responses\">1</strong>")
    );
    assert!(res.body.contains("<svg class=\"bar-chart\""));
    assert!(res.body.contains("1 (100%)"));
    assert!(res.body.contains("Більше API"));
    let csv = app.get("/surveys/zadovolenist/results.csv", "").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body.contains("так,CSV; JSON,Більше API"),
        "{}",
        csv.body
    );
    let xlsx = app.get("/surveys/zadovolenist/results.xlsx", "").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with("PK"));
}

#[tokio::test]
async fn key_figures_and_kiosk_slides() {
    let app = App::new().await;
    let stats = app.get("/stats?lang=en", "").await;
    assert_eq!(stats.status, StatusCode::OK);
    // One public dataset (the private one of the fixture does not count).
    assert!(
        stats
            .body
            .contains("<span class=\"stat-number\" id=\"fig-datasets\">1</span>"),
        "{}",
        stats.body
    );
    assert!(
        stats
            .body
            .contains("<span class=\"stat-number\" id=\"fig-quarter\">1</span>")
    );
    assert!(stats.body.contains("Водоканал"));
    let mut seen = Vec::new();
    for n in 0..4 {
        let k = app.get(&format!("/kiosk?slide={n}&lang=uk"), "").await;
        assert_eq!(k.status, StatusCode::OK);
        assert!(
            k.body.contains(&format!(
                "data-kiosk-next=\"/kiosk?slide={}&amp;lang=uk\"",
                (n + 1) % 4
            )),
            "{}",
            k.body
        );
        assert!(
            !k.body.contains("site-header"),
            "full screen: no site header"
        );
        let h1 = k
            .body
            .split("<h1>")
            .nth(1)
            .unwrap()
            .split("</h1>")
            .next()
            .unwrap()
            .to_string();
        assert!(!seen.contains(&h1), "each slide differs");
        seen.push(h1);
    }
    // Out of range: the first slide.
    let k = app.get("/kiosk?slide=99", "").await;
    assert!(k.body.contains("slide=1"));
}

// ---------------------------------------------------------------------------
// Usage analytics and subscriptions.

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

impl App {
    async fn browse(&self, uri: &str, cookie: &str) -> Resp {
        let mut req = Request::builder()
            .uri(uri)
            .header(header::USER_AGENT, BROWSER);
        if !cookie.is_empty() {
            req = req.header(header::COOKIE, cookie);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }
}

#[tokio::test]
async fn the_analytics_page_for_coordinators_and_publishers() {
    let app = App::new().await;
    for _ in 0..3 {
        app.browse("/dataset/meters", "").await;
    }
    // No user agent: a bot.
    app.get("/dataset/meters", "").await;
    app.browse("/dataset?q=%D1%82%D1%80%D0%B0%D0%BC%D0%B2%D0%B0%D1%97", "")
        .await;

    // Anonymous: to the login page; without rights: refused.
    let r = app.get("/dashboard/analytics", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());
    let (other, _) = app.login("other").await;
    assert_eq!(
        app.get("/dashboard/analytics", &other).await.status,
        StatusCode::FORBIDDEN
    );

    let (coord, _) = app.login("coordinator").await;
    let dash = app.get("/dashboard", &coord).await;
    assert!(dash.body.contains("href=\"/dashboard/analytics\""));
    let page = app.get("/dashboard/analytics?days=7", &coord).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Найпереглядуваніші набори даних"));
    assert!(page.body.contains("<svg class=\"bar-chart\""));
    assert!(page.body.contains("<svg class=\"bar-chart column-chart\""));
    assert!(page.body.contains("Лічильники води"));
    assert!(page.body.contains("href=\"/dataset/meters\""));
    // Zero-result searches, with a link to try again.
    assert!(page.body.contains("id=\"usage-zero-list\""));
    assert!(page.body.contains("трамваї"));
    // People 3, bots 1 in the totals table.
    let figures = page
        .body
        .split("id=\"usage-figures\"")
        .nth(1)
        .and_then(|s| s.split("</table>").next())
        .unwrap_or("");
    assert!(
        figures.contains("Перегляди наборів даних</th><td>3</td><td>1</td>"),
        "{figures}"
    );
    assert_eq!(
        app.get("/dashboard/analytics?days=12", &coord).await.status,
        StatusCode::BAD_REQUEST
    );
    let csv = app.get("/dashboard/analytics.csv?days=7", &coord).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"usage-")
    );
    assert!(csv.body.contains("dataset_view"));
    assert!(csv.body.contains(",Лічильники води,"));
    assert!(csv.body.contains("search_zero,трамваї,"));

    // The publisher's editor: their dataset, no searches.
    let (editor, _) = app.login("editor").await;
    let page = app.get("/dashboard/analytics", &editor).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Лічильники води"));
    assert!(!page.body.contains("трамваї"));
    assert!(!page.body.contains("id=\"usage-zero-list\""));
    let csv = app.get("/dashboard/analytics.csv", &editor).await;
    assert!(!csv.body.contains("search"), "{}", csv.body);

    // The dataset page shows the counts of people.
    let ds = app.browse("/dataset/meters", "").await;
    assert!(ds.body.contains("id=\"dataset-usage\""), "{}", ds.body);
    assert!(ds.body.contains("Переглядів: <strong>3</strong>"));
}

#[tokio::test]
async fn subscribing_from_dataset_publisher_and_search_pages() {
    let app = App::new().await;
    for page in [
        "/dataset/meters",
        "/organization/water",
        "/dataset?tags=вода",
    ] {
        let r = app.browse(page, "").await;
        assert_eq!(r.status, StatusCode::OK, "{page}");
        assert!(r.body.contains("action=\"/subscriptions\""), "{page}");
        assert!(r.body.contains("type=\"application/atom+xml\""), "{page}");
    }
    let search = app.browse("/dataset?tags=вода", "").await;
    assert!(
        search
            .body
            .contains("name=\"target\" type=\"text\" maxlength=\"100\" required value=\"вода\"")
    );

    // The form carries the page's CSRF token (before login too).
    let page = app.browse("/dataset/meters", "").await;
    let sub_pre = page.cookie("misto_pre").expect("pre-login cookie");
    let sub_csrf = hidden(&page.body, "csrf");
    let r = app
        .post(
            "/subscriptions",
            &sub_pre,
            &[
                ("csrf", &sub_csrf),
                ("kind", "dataset"),
                ("target", "meters"),
                ("email", "olena@example.org"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"sub-status\""));
    assert!(r.body.contains("Лічильники води"));
    let jobs = app
        .portal
        .list_jobs(&system_viewer(), Some("email"), None, 10)
        .await
        .expect("jobs");
    assert_eq!(jobs.len(), 1);
    let text = jobs[0].payload["text"].as_str().unwrap().to_string();
    let confirm = text
        .split_whitespace()
        .find(|w| w.contains("/confirm?key="))
        .expect("link");
    let path = &confirm[confirm.find("/subscriptions/").unwrap()..];

    // The link shows a button (mail scanners following links confirm nothing).
    let form = app.browse(path, "").await;
    assert_eq!(form.status, StatusCode::OK);
    let pre = form.cookie("misto_pre").expect("pre-login cookie");
    let csrf = hidden(&form.body, "csrf");
    let key = hidden(&form.body, "key");
    let action = form
        .body
        .split("form method=\"post\" action=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = app
        .post(&action, &pre, &[("csrf", &csrf), ("key", &key)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Підписку підтверджено"));
    let forged = app
        .post(&action, &pre, &[("csrf", "x"), ("key", &key)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Bad input: the page says what is wrong.
    let r = app
        .post(
            "/subscriptions",
            &sub_pre,
            &[
                ("csrf", &sub_csrf),
                ("kind", "keyword"),
                ("target", ""),
                ("email", "nope"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"error-summary\""), "{}", r.body);
    // From another site: refused.
    let req = Request::builder()
        .method("POST")
        .uri("/subscriptions")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(enc(&[
            ("kind", "dataset"),
            ("target", "meters"),
            ("email", "x@example.org"),
        ])))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
}
