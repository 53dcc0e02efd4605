//! Pages of the interoperability and engagement leftovers, driven
//! in-process: the printable passport, the push form (pushing to a second
//! in-process misto over loopback), subscriptions (CSRF on the form, "my
//! subscriptions" behind the signed link, the coordinators' overview with
//! masked addresses), the request list paged in the database, and
//! pictures of anonymous showcase submissions. Both databases (set
//! `MISTO_TEST_DATABASE_URL` for PostgreSQL).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Resp, hidden};
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::datasets::DatasetInput;
use misto_actions::engagement::{RequestInput, Sender};
use misto_actions::publishers::PublisherInput;
use misto_actions::{BlobStore, Portal, PortalConfig};

const PASSWORD: &str = "correct-horse-1";
const SITE: &str = "http://portal.test";

async fn portal(site: &str) -> Portal {
    let store = misto_store::testing::fresh_store().await;
    let dir = std::env::temp_dir().join(format!("misto-web-interop-{}", uuid::Uuid::new_v4()));
    let blobs = BlobStore::local(dir).await.expect("blobs");
    let config = PortalConfig {
        site_url: site.to_string(),
        // The push target of these tests is a second portal on loopback.
        outbound_allow: vec!["127.0.0.1".into()],
        ..PortalConfig::default()
    };
    let portal = Portal::open(store, blobs, config).await.expect("portal");
    portal.seed_themes().await.expect("themes");
    portal
}

struct App {
    portal: Portal,
    router: axum::Router,
}

impl App {
    async fn new() -> Self {
        let portal = portal(SITE).await;
        let sys = system_viewer();
        portal
            .create_publisher(
                &sys,
                PublisherInput {
                    name: "water".into(),
                    title: Some("Водоканал".into()),
                    edrpou: Some(misto_core::codes::edrpou_complete("0301234").expect("code")),
                    ..PublisherInput::default()
                },
            )
            .await
            .expect("publisher");
        for (user, sysadmin) in [
            ("admin", false),
            ("editor", false),
            ("coordinator", true),
            ("other", false),
        ] {
            common::add_user(&portal, user, PASSWORD, sysadmin).await;
        }
        portal
            .set_member(&sys, "water", "admin", "admin")
            .await
            .expect("member");
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
                    title_en: Some("Water meters".into()),
                    notes: Some("Покази **лічильників** за місяць".into()),
                    owner_org: Some("water".into()),
                    maintainer: Some("Петро Іваненко".into()),
                    maintainer_email: Some("petro@water.example.org".into()),
                    tags: vec!["вода".into(), "лічильники".into()],
                    language: Some("uk".into()),
                    update_frequency: Some("once a month".into()),
                    purpose_of_collecting_information: Some(
                        "Закон України «Про доступ до публічної інформації»".into(),
                    ),
                    resolution_835_item: Some("ALL-06".into()),
                    spatial_katottg: Some("UA80000000000093317".into()),
                    ..DatasetInput::default()
                },
            )
            .await
            .expect("dataset");
        portal
            .create_dataset(
                &sys,
                DatasetInput {
                    name: "pipes".into(),
                    title: Some("Мережі водопроводу".into()),
                    owner_org: Some("water".into()),
                    ..DatasetInput::default()
                },
            )
            .await
            .expect("dataset");
        portal
            .create_dataset(
                &sys,
                DatasetInput {
                    name: "secret".into(),
                    title: Some("Приватний набір".into()),
                    owner_org: Some("water".into()),
                    private: true,
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

    async fn visitor(&self, page: &str) -> (String, String) {
        common::visitor(&self.router, page).await
    }

    async fn login(&self, user: &str) -> (String, String) {
        common::login_at(&self.router, user, PASSWORD, "/dashboard").await
    }
}

// ---- the passport ----------------------------------------------------------

#[tokio::test]
async fn the_passport_page_lists_every_field_and_prints() {
    let app = App::new().await;
    let page = app.get("/dataset/meters", "").await;
    assert!(page.body.contains("href=\"/dataset/meters/passport\""));

    let r = app.get("/dataset/meters/passport", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let b = &r.body;
    // The 15 fields of the Положення, numbered, with their full names.
    for (n, label) in [
        (1, "Ідентифікаційний номер набору даних"),
        (2, "Найменування набору даних"),
        (3, "Стислий опис змісту набору даних"),
        (4, "Відомості про мову інформації"),
        (5, "Формат (формати)"),
        (6, "Формат стиснення набору даних"),
        (7, "Дата і час першого оприлюднення набору даних"),
        (8, "Дата і час внесення останніх змін до набору даних"),
        (9, "Дата актуальності даних у наборі даних"),
        (10, "Періодичність оновлення набору даних"),
        (11, "Ключові слова"),
        (12, "Гіперпосилання на набір даних"),
        (13, "Гіперпосилання на структуру набору даних"),
        (14, "Відомості про відповідальну особу"),
        (15, "Підстава та призначення збору інформації"),
    ] {
        assert!(
            b.contains(&format!("<tr><td>{n}</td><th scope=\"row\">{label}")),
            "field {n} {label}"
        );
    }
    let id = app
        .portal
        .show_dataset(&system_viewer(), "meters")
        .expect("dataset")
        .id
        .clone();
    assert!(b.contains(&id));
    assert!(b.contains("Лічильники води / Water meters"));
    assert!(b.contains("<strong>лічильників</strong>"));
    assert!(b.contains("вода, лічильники"));
    assert!(b.contains("Петро Іваненко"));
    assert!(b.contains("mailto:petro@water.example.org"));
    assert!(b.contains("Закон України «Про доступ до публічної інформації»"));
    assert!(b.contains("/dataset/meters/datapackage.json"));
    assert!(b.contains("/api/3/action/package_show?id=meters"));
    // The other details: publisher with its code, licence, territory.
    assert!(b.contains("Водоканал"));
    assert!(b.contains("код ЄДРПОУ: 0301234"));
    assert!(b.contains("UA80000000000093317"));
    // The JSON twin, a print button (script) and the print style sheet.
    assert!(b.contains("href=\"/dataset/meters/passport.json\""));
    assert!(b.contains("data-print hidden"));
    assert!(b.contains("class=\"no-print"));
    let css_url = b
        .split("rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("stylesheet");
    let css = app.get(css_url, "").await;
    assert!(css.body.contains("@media print"));

    // In English.
    let en = app.get("/dataset/meters/passport?lang=en", "").await;
    assert!(en.body.contains("Identification number of the dataset"));
    assert!(en.body.contains("Link to the structure of the dataset"));
    assert!(en.body.contains("Water meters"));

    // A private dataset: not found for the public and outsiders, shown to
    // its publisher's members with a notice.
    assert_eq!(
        app.get("/dataset/secret/passport", "").await.status,
        StatusCode::NOT_FOUND
    );
    let (other, _) = app.login("other").await;
    assert_eq!(
        app.get("/dataset/secret/passport", &other).await.status,
        StatusCode::NOT_FOUND
    );
    let (editor, _) = app.login("editor").await;
    let r = app.get("/dataset/secret/passport", &editor).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("не оприлюднено"));
    assert_eq!(
        app.get("/dataset/nothing-here/passport", "").await.status,
        StatusCode::NOT_FOUND
    );
}

// ---- push ------------------------------------------------------------------

/// A second misto answering the CKAN API on a loopback port.
async fn remote_ckan() -> (Portal, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let p = portal(&base).await;
    let app = misto_ckan_api::router(p.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (p, base)
}

#[tokio::test]
async fn publisher_admins_push_from_the_workspace() {
    let app = App::new().await;
    let (remote, base) = remote_ckan().await;
    let sys = system_viewer();
    remote
        .create_user(
            &sys,
            NewUser {
                name: "pusher".into(),
                email: "pusher@example.org".into(),
                sysadmin: true,
                ..NewUser::default()
            },
        )
        .await
        .expect("user");
    let (_, key) = remote
        .create_token(&sys, "pusher", "push", None)
        .await
        .expect("token");
    remote
        .create_publisher(
            &sys,
            PublisherInput {
                name: "remote-water".into(),
                title: Some("Водоканал на національному порталі".into()),
                ..PublisherInput::default()
            },
        )
        .await
        .expect("publisher");

    // Editors and strangers may not push; the admin finds the form.
    let (editor, _) = app.login("editor").await;
    assert_eq!(
        app.get("/organization/water/push", &editor).await.status,
        StatusCode::FORBIDDEN
    );
    let anon = app.get("/organization/water/push", "").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    let (admin, csrf) = app.login("admin").await;
    let dash = app.get("/dashboard", &admin).await;
    assert!(dash.body.contains("href=\"/organization/water/push\""));
    let form = app.get("/organization/water/push", &admin).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body
            .contains("name=\"api_key\" type=\"password\" value=\"\"")
    );
    assert!(form.body.contains("Передавань ще не було"));

    // Without the CSRF token: refused. With bad values: errors by the fields.
    let r = app
        .post(
            "/organization/water/push",
            &admin,
            &[("url", &base), ("api_key", &key), ("organization", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/organization/water/push",
            &admin,
            &[
                ("csrf", &csrf),
                ("url", "ftp://nowhere"),
                ("api_key", ""),
                ("organization", "Not a name!"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("id=\"e-url\""));
    assert!(r.body.contains("id=\"e-api_key\""));
    assert!(r.body.contains("id=\"e-organization\""));

    let r = app
        .post(
            "/organization/water/push",
            &admin,
            &[
                ("csrf", &csrf),
                ("url", &base),
                ("api_key", &key),
                ("organization", "remote-water"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/organization/water/push?queued=1");
    let queued = app.get(r.location(), &admin).await;
    assert!(queued.body.contains("поставлено в чергу"));
    assert!(queued.body.contains("у черзі"));
    assert!(!queued.body.contains(&key), "the key is never shown back");

    // The job runs (as the server's workers would).
    let mut registry = misto_actions::jobs::default_registry();
    misto_harvest::push::register(&mut registry);
    app.portal
        .run_jobs_until_idle(&registry)
        .await
        .expect("jobs");
    for name in ["meters", "pipes"] {
        let d = remote.show_dataset(&sys, name).expect("pushed");
        let org = remote.show_publisher("remote-water").expect("org");
        assert_eq!(d.owner_org, org.id);
    }
    assert!(remote.show_dataset(&sys, "secret").is_err());
    // The key is not kept once the push has ended.
    let pushes = app
        .portal
        .list_jobs(&sys, Some("push"), None, 10)
        .await
        .expect("jobs");
    assert!(!pushes.is_empty());
    for j in &pushes {
        assert!(!j.payload.to_string().contains(&key), "{}", j.payload);
    }
    let page = app.get("/organization/water/push", &admin).await;
    assert!(page.body.contains("завершено"), "{}", page.body);
    assert!(page.body.contains("2 created"), "{}", page.body);
    assert!(page.body.contains(&base));
    assert!(page.body.contains("remote-water"));
    // The last target is offered again, without its key.
    assert!(
        page.body
            .contains(&format!("name=\"url\" type=\"url\" value=\"{base}\""))
    );
    assert!(!page.body.contains(&key));

    // A second push updates what is there.
    let r = app
        .post(
            "/organization/water/push",
            &admin,
            &[
                ("csrf", &csrf),
                ("url", &base),
                ("api_key", &key),
                ("organization", "remote-water"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.portal
        .run_jobs_until_idle(&registry)
        .await
        .expect("jobs");
    let page = app.get("/organization/water/push", &admin).await;
    assert!(page.body.contains("2 updated"), "{}", page.body);
    assert_eq!(page.body.matches("завершено").count(), 2);
}

// ---- subscriptions ---------------------------------------------------------

/// The link of a given purpose in the latest queued e-mail to `to`.
async fn mailed_link(portal: &Portal, to: &str, needle: &str) -> String {
    let jobs = portal
        .list_jobs(&system_viewer(), Some("email"), None, 100)
        .await
        .expect("jobs");
    let job = jobs
        .iter()
        .find(|j| j.payload["to"] == to)
        .unwrap_or_else(|| panic!("no e-mail to {to}"));
    let text = job.payload["text"].as_str().expect("text");
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in {text}"));
    let from = text[..start].rfind("http").expect("link start");
    let end = text[start..]
        .find(char::is_whitespace)
        .map_or(text.len(), |e| start + e);
    text[from..end].to_string()
}

#[tokio::test]
async fn subscriptions_need_the_form_token_and_have_a_page_per_address() {
    let app = App::new().await;
    // The form on the dataset, publisher and search pages carries a token.
    for page in [
        "/dataset/meters",
        "/organization/water",
        "/dataset?tags=%D0%B2%D0%BE%D0%B4%D0%B0",
    ] {
        let r = app.get(page, "").await;
        assert!(r.body.contains("action=\"/subscriptions\""), "{page}");
        assert!(!hidden(&r.body, "csrf").is_empty(), "{page}: no token");
    }
    let (pre, csrf) = app.visitor("/dataset/meters").await;
    let form = |token: &str| {
        common::enc(&[
            ("csrf", token),
            ("kind", "dataset"),
            ("target", "meters"),
            ("email", "Olena.K@example.org"),
            ("website", ""),
        ])
    };
    let post_raw = |body: String| {
        Request::builder()
            .method("POST")
            .uri("/subscriptions")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, pre.clone())
            .body(Body::from(body))
            .expect("request")
    };
    // Without the token: refused, nothing stored or sent.
    let r = app.send(post_raw(form(""))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.send(post_raw(form(&csrf))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (pre2, csrf2) = app.visitor("/organization/water").await;
    let r = app
        .post(
            "/subscriptions",
            &pre2,
            &[
                ("csrf", &csrf2),
                ("kind", "publisher"),
                ("target", "water"),
                ("email", "olena.k@example.org"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (pre3, csrf3) = app.visitor("/dataset?tags=%D0%B2%D0%BE%D0%B4%D0%B0").await;
    let r = app
        .post(
            "/subscriptions",
            &pre3,
            &[
                ("csrf", &csrf3),
                ("kind", "keyword"),
                ("target", "вода"),
                ("email", "taras@example.com"),
                ("website", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The confirmation e-mail links to "my subscriptions".
    let mine = mailed_link(&app.portal, "olena.k@example.org", "/subscriptions/mine").await;
    let path = mine.strip_prefix(SITE).expect("site link").to_string();
    let r = app.get(&path, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("olena.k@example.org"));
    assert!(r.body.contains("Лічильники води"));
    assert!(r.body.contains("Водоканал"));
    assert!(!r.body.contains("вода</a>"), "another address's keyword");
    assert_eq!(r.body.matches("чекає підтвердження").count(), 2);
    // A wrong key shows nothing.
    let forged = path.replace("key=", "key=00");
    assert_eq!(app.get(&forged, "").await.status, StatusCode::NOT_FOUND);
    let other = format!(
        "/subscriptions/mine?email=taras%40example.com&{}",
        path.split('&').nth(1).expect("key")
    );
    assert_eq!(app.get(&other, "").await.status, StatusCode::NOT_FOUND);

    // Confirm one; the page shows it; unsubscribe from the page's link.
    let confirm = mailed_link(&app.portal, "olena.k@example.org", "/confirm?key=").await;
    let confirm = confirm.strip_prefix(SITE).expect("site link").to_string();
    let (cpre, ccsrf) = app.visitor(&confirm).await;
    let key = confirm.split("key=").nth(1).expect("key").to_string();
    let action = confirm.split('?').next().expect("path").to_string();
    let r = app
        .post(&action, &cpre, &[("csrf", &ccsrf), ("key", &key)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.get(&path, "").await;
    assert!(r.body.contains("підтверджено"));
    let unsub = r
        .body
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .filter(|u| u.contains("/unsubscribe?key="))
        .map(|u| u.replace("&amp;", "&"))
        .collect::<Vec<_>>();
    assert_eq!(unsub.len(), 2);
    let first = unsub[0].strip_prefix(SITE).expect("site link").to_string();
    assert_eq!(app.get(&first, "").await.status, StatusCode::OK);
    let r = app.get(&path, "").await;
    assert_eq!(r.body.matches("/unsubscribe?key=").count(), 1);

    // The coordinators' overview: counts by target, addresses masked.
    let (coord, _) = app.login("coordinator").await;
    let r = app.get("/dashboard/subscriptions", &coord).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("вода"));
    assert!(r.body.contains("t***@e***.com"));
    assert!(r.body.contains("o***@e***.org"));
    assert!(!r.body.contains("taras@example.com"));
    assert!(!r.body.contains("olena.k@example.org"));
    let admin_page = app.get("/admin", &coord).await;
    assert!(
        admin_page
            .body
            .contains("href=\"/dashboard/subscriptions\"")
    );
    let (other, _) = app.login("other").await;
    assert_eq!(
        app.get("/dashboard/subscriptions", &other).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/dashboard/subscriptions", "").await.status,
        StatusCode::SEE_OTHER
    );
}

// ---- requests --------------------------------------------------------------

#[tokio::test]
async fn every_page_of_the_request_list_is_full_despite_spam() {
    let app = App::new().await;
    let sys = system_viewer();
    // Requests of signed-in people are public at once.
    let user = app
        .portal
        .find_user_for(&sys, "coordinator")
        .await
        .expect("user");
    let signed_in = app.portal.viewer_for_user(&user.id).await.expect("viewer");
    // Spam and requests waiting in moderation interleave with public ones.
    for i in 0..45 {
        let honeypot = (i % 3 == 0).then(|| "http://spam.example".to_string());
        let actor = if i % 3 == 1 {
            misto_actions::Viewer::anonymous()
        } else {
            signed_in.clone()
        };
        app.portal
            .submit_request(
                &actor,
                Sender {
                    name: "Автор".into(),
                    email: format!("author{i}@example.org"),
                    address: None,
                    honeypot,
                },
                RequestInput {
                    title: format!("Запит номер {i:02}"),
                    description: String::new(),
                    publisher: None,
                },
            )
            .await
            .expect("request");
    }
    // 15 public (i % 3 == 2), 15 spam, 15 pending.
    let page1 = app.get("/requests", "").await;
    assert_eq!(page1.status, StatusCode::OK, "{}", page1.body);
    assert_eq!(page1.body.matches("class=\"request-item\"").count(), 15);
    assert!(page1.body.contains("Усього запитів: <strong>15</strong>"));
    assert!(!page1.body.contains("rel=\"next\""));

    for i in 45..70 {
        app.portal
            .submit_request(
                &signed_in,
                Sender {
                    name: "Автор".into(),
                    email: format!("author{i}@example.org"),
                    address: None,
                    honeypot: None,
                },
                RequestInput {
                    title: format!("Запит номер {i:02}"),
                    description: String::new(),
                    publisher: None,
                },
            )
            .await
            .expect("request");
    }
    // 40 public now: two full pages.
    let page1 = app.get("/requests", "").await;
    assert_eq!(page1.body.matches("class=\"request-item\"").count(), 20);
    assert!(
        page1
            .body
            .contains("href=\"/requests?page=2\" rel=\"next\"")
    );
    let page2 = app.get("/requests?page=2", "").await;
    assert_eq!(page2.body.matches("class=\"request-item\"").count(), 20);
    assert!(!page2.body.contains("rel=\"next\""));
    assert!(page2.body.contains("name=\"page\" value=\"2\""));
    // No request twice, none hidden shown.
    let titles = |b: &str| -> Vec<String> {
        b.split("class=\"request-title\"><a href=\"")
            .skip(1)
            .filter_map(|s| s.split('>').nth(1))
            .filter_map(|s| s.split('<').next())
            .map(str::to_string)
            .collect()
    };
    let mut all = titles(&page1.body);
    all.extend(titles(&page2.body));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 40);
    for i in (0..45).filter(|i| i % 3 != 2) {
        assert!(!all.contains(&format!("Запит номер {i:02}")), "{i} shown");
    }
    // Coordinators see everything, also paged.
    let (coord, _) = app.login("coordinator").await;
    let c3 = app.get("/requests?page=4", &coord).await;
    assert_eq!(c3.body.matches("class=\"request-item\"").count(), 10);
    assert_eq!(
        app.get("/requests?page=0", "").await.status,
        StatusCode::BAD_REQUEST
    );
    // Voting from page 2 comes back to page 2.
    let (pre, csrf) = app.visitor("/requests?page=2").await;
    let id = page2
        .body
        .split("id=\"r-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("request id")
        .to_string();
    let r = app
        .post(
            &format!("/requests/{id}/vote"),
            &pre,
            &[("csrf", &csrf), ("page", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/requests?voted=1&page=2#r-{id}"));
}

// ---- showcase pictures -----------------------------------------------------

fn multipart(pairs: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "misto-test-boundary-7d1f";
    let mut body = Vec::new();
    for (k, v) in pairs {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, ct, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; \
                 filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    v.extend_from_slice(&[0u8; 64]);
    v
}

#[tokio::test]
async fn anonymous_showcase_submissions_bring_a_checked_picture() {
    let app = App::new().await;
    let (pre, csrf) = app.visitor("/showcase/new?dataset=meters").await;
    let page = app.get("/showcase/new", &pre).await;
    assert!(page.body.contains("enctype=\"multipart/form-data\""));
    assert!(
        page.body
            .contains("accept=\"image/png,image/jpeg,image/webp\"")
    );
    let fields = |title: &'static str, email: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "app".to_string()),
            ("title", title.to_string()),
            (
                "description",
                "Карта лічильників води на мапі міста".to_string(),
            ),
            ("url", "https://app.example.org".to_string()),
            ("datasets", "meters".to_string()),
            ("author_name", "Оксана".to_string()),
            ("author_email", email.to_string()),
            ("website", String::new()),
        ]
    };
    let submit = |pairs: Vec<(&'static str, String)>, file: Option<(&str, &str, Vec<u8>)>| {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (ct, body) = multipart(
            &pairs,
            file.as_ref().map(|(n, c, b)| (*n, *c, b.as_slice())),
        );
        Request::builder()
            .method("POST")
            .uri("/showcase/new")
            .header(header::CONTENT_TYPE, ct)
            .header(header::COOKIE, pre.clone())
            .body(Body::from(body))
            .expect("request")
    };

    // A text file named .png, and a GIF: refused by content.
    for (name, bytes) in [
        ("evil.png", b"<script>alert(1)</script>".to_vec()),
        ("anim.gif", b"GIF89a\x01\x00\x01\x00".to_vec()),
    ] {
        let r = app
            .send(submit(
                fields("Мапа лічильників", "o1@example.org"),
                Some((name, "image/png", bytes)),
            ))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}: {}",
            r.body
        );
        assert!(r.body.contains("id=\"e-image\""), "{name}");
        assert!(r.body.contains("PNG, JPEG або WebP"), "{name}");
    }
    // Too big.
    let mut big = png();
    big.resize(2 * 1024 * 1024 + 10, 0);
    let r = app
        .send(submit(
            fields("Мапа лічильників", "o2@example.org"),
            Some(("big.png", "image/png", big)),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("не більше 2 МБ"));
    // Without the token: refused before anything is stored.
    let mut no_token = fields("Мапа лічильників", "o3@example.org");
    no_token[0].1 = String::new();
    let r = app
        .send(submit(no_token, Some(("map.png", "image/png", png()))))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A real PNG (even under a misleading name): accepted, waits for review.
    let r = app
        .send(submit(
            fields("Мапа лічильників", "o4@example.org"),
            Some(("screenshot.jpg", "image/jpeg", png())),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let sys = system_viewer();
    let pending = app
        .portal
        .list_showcase(&sys, Some(misto_core::Moderation::Pending), 10, 0)
        .await
        .expect("pending");
    assert_eq!(pending.len(), 1);
    let item = &pending[0];
    assert_eq!(
        item.image.as_ref().map(|i| i.media_type.as_str()),
        Some("image/png")
    );
    let image_url = format!("/showcase/{}/image", item.name);
    assert_eq!(app.get(&image_url, "").await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/showcase/{}", item.name), "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Approved: shown with its picture, served as PNG with nosniff.
    app.portal
        .review_showcase(&sys, &item.name, "approved")
        .await
        .expect("review");
    let shown = app.get(&format!("/showcase/{}", item.name), "").await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains(&image_url));
    let img = app.get(&image_url, "").await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(img.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        img.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap_or("")
            .contains("sandbox")
    );
    // Without a picture still works.
    let r = app
        .send(submit(fields("Бот про воду", "o5@example.org"), None))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

// ---- robots.txt and meta descriptions --------------------------------------

/// The content of the page's `<meta name="description">`.
fn meta_description(html: &str) -> Option<String> {
    let start = html.find("<meta name=\"description\" content=\"")? + 34;
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

#[tokio::test]
async fn robots_txt_points_at_the_sitemap_and_pages_describe_themselves() {
    let app = App::new().await;
    let r = app.get("/robots.txt", "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers[header::CONTENT_TYPE].to_str().ok(),
        Some("text/plain; charset=utf-8")
    );
    assert!(r.body.starts_with("User-agent: *\n"), "{}", r.body);
    assert!(
        r.body.contains(&format!("\nSitemap: {SITE}/sitemap.xml\n")),
        "{}",
        r.body
    );
    for private in [
        "Disallow: /admin\n",
        "Disallow: /dashboard\n",
        "Disallow: /login\n",
    ] {
        assert!(r.body.contains(private), "{private} in {}", r.body);
    }
    assert!(!r.body.contains("Disallow: /dataset"), "{}", r.body);

    let sys = system_viewer();
    app.portal
        .update_publisher(
            &sys,
            "water",
            PublisherInput {
                name: "water".into(),
                title: Some("Водоканал".into()),
                edrpou: Some(misto_core::codes::edrpou_complete("0301234").expect("code")),
                description: Some("Комунальне підприємство «Водоканал» & \"мережі\"".into()),
                ..PublisherInput::default()
            },
        )
        .await
        .expect("publisher");
    let long = format!("Перший **абзац** опису. {}", "слово ".repeat(60));
    app.portal
        .create_dataset(
            &sys,
            DatasetInput {
                name: "long-notes".into(),
                title: Some("Довгий опис".into()),
                notes: Some(long),
                owner_org: Some("water".into()),
                ..DatasetInput::default()
            },
        )
        .await
        .expect("dataset");

    // A dataset: its notes as plain text, cut to 160 characters.
    let page = app.get("/dataset/meters", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        meta_description(&page.body).as_deref(),
        Some("Покази лічильників за місяць")
    );
    let page = app.get("/dataset/long-notes", "").await;
    let d = meta_description(&page.body).expect("description");
    assert!(d.starts_with("Перший абзац опису. слово"), "{d}");
    assert!(d.ends_with('…') && d.chars().count() == 161, "{d}");
    // A publisher: its description, escaped in the attribute.
    let page = app.get("/organization/water", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        meta_description(&page.body).as_deref(),
        Some("Комунальне підприємство «Водоканал» &amp; &quot;мережі&quot;")
    );
    // Other pages, and a dataset without notes: the site's description.
    let site = app.portal.site_settings().description.clone();
    assert!(!site.is_empty());
    for path in ["/", "/dataset", "/dataset/pipes"] {
        let page = app.get(path, "").await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert_eq!(meta_description(&page.body), Some(site.clone()), "{path}");
    }
}
