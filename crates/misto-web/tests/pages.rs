//! The public pages driven in-process through `misto_web::router`, on
//! SQLite by default and on PostgreSQL when MISTO_TEST_DATABASE_URL is set.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::publishers::PublisherInput;
use misto_actions::{Portal, PortalConfig};
use tower::ServiceExt;

struct App {
    portal: Portal,
    router: axum::Router,
    csv_resource: String,
    json_resource: String,
}

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

fn dataset_input(name: &str, title: &str, org: &str) -> DatasetInput {
    DatasetInput {
        name: name.into(),
        title: Some(title.into()),
        notes: Some(format!("Опис набору {title}.")),
        owner_org: Some(org.into()),
        tags: vec!["бюджет".into()],
        update_frequency: Some("once a month".into()),
        purpose_of_collecting_information: Some(
            "Закон України «Про доступ до публічної інформації»".into(),
        ),
        maintainer: Some("Олена Коваль".into()),
        maintainer_email: Some("opendata@example.org".into()),
        ..DatasetInput::default()
    }
}

impl App {
    async fn new() -> Self {
        let portal = common::fresh_portal(PortalConfig::default()).await;
        portal.seed_themes().await.expect("themes");
        let sys = system_viewer();
        for (name, title) in [
            ("finance", "Департамент фінансів"),
            ("transport", "Управління транспорту"),
        ] {
            portal
                .create_publisher(
                    &sys,
                    PublisherInput {
                        name: name.into(),
                        title: Some(title.into()),
                        title_en: Some(format!("{name} department")),
                        email: Some(format!("{name}@example.org")),
                        ..PublisherInput::default()
                    },
                )
                .await
                .expect("publisher");
        }
        let mut budget = dataset_input("miskyi-biudzhet", "Міський бюджет", "finance");
        budget.notes = Some(
            "Звіт про **бюджет**.\n\n<script>alert('x')</script>\n\n[click](javascript:alert(1)) [джерело](https://example.org)".into(),
        );
        budget.groups = vec!["podatky".into()];
        let budget = portal.create_dataset(&sys, budget).await.expect("budget");
        let mut routes = dataset_input("marshruty", "Маршрути автобусів", "transport");
        routes.tags = vec!["транспорт".into()];
        portal.create_dataset(&sys, routes).await.expect("routes");
        for i in 0..25 {
            portal
                .create_dataset(
                    &sys,
                    dataset_input(
                        &format!("zvit-{i:02}"),
                        &format!("Звіт номер {i:02}"),
                        "finance",
                    ),
                )
                .await
                .expect("report");
        }
        let mut private = dataset_input("sekretnyi-nabir", "Секретний набір", "finance");
        private.private = true;
        portal.create_dataset(&sys, private).await.expect("private");
        let mut draft = dataset_input("chernetka-naboru", "Чернетка набору", "finance");
        draft.state = Some("draft".into());
        portal.create_dataset(&sys, draft).await.expect("draft");

        let mut csv = String::from("назва;сума\n");
        for i in 0..30 {
            csv.push_str(&format!("школа {i};{}\n", i * 100));
        }
        let staged = portal
            .stage_upload(
                &sys,
                "budget.csv",
                Some("text/csv"),
                futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(csv))]),
            )
            .await
            .expect("stage");
        let (_, csv_resource) = portal
            .create_resource(
                &sys,
                &budget.id,
                ResourceInput {
                    name: Some("Бюджет 2026".into()),
                    format: Some("CSV".into()),
                    ..ResourceInput::default()
                },
                Some(staged),
            )
            .await
            .expect("csv resource");
        let staged = portal
            .stage_upload(
                &sys,
                "items.json",
                Some("application/json"),
                futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                    br#"[{"id":1,"name":"one"},{"id":2,"name":"two"}]"#,
                ))]),
            )
            .await
            .expect("stage");
        let (_, json_resource) = portal
            .create_resource(
                &sys,
                &budget.id,
                ResourceInput {
                    name: Some("Items".into()),
                    format: Some("JSON".into()),
                    ..ResourceInput::default()
                },
                Some(staged),
            )
            .await
            .expect("json resource");
        let router = misto_web::router(portal.clone());
        Self {
            portal,
            router,
            csv_resource,
            json_resource,
        }
    }

    async fn get(&self, uri: &str) -> Page {
        self.get_with(uri, &[]).await
    }

    async fn get_with(&self, uri: &str, headers: &[(&str, &str)]) -> Page {
        let mut req = Request::builder().uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::empty()).expect("request"))
            .await
            .expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn ok(&self, uri: &str) -> String {
        let p = self.get(uri).await;
        assert_eq!(p.status, StatusCode::OK, "{uri}: {}", p.body);
        assert!(
            p.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap_or("")
                .starts_with("text/html"),
            "{uri}"
        );
        p.body
    }
}

const PUBLIC_PAGES: [&str; 8] = [
    "/",
    "/dataset",
    "/dataset?q=бюджету",
    "/dataset/miskyi-biudzhet",
    "/organization",
    "/organization/finance",
    "/group",
    "/developers",
];

#[tokio::test]
async fn pages_render_in_both_languages() {
    let app = App::new().await;
    for path in PUBLIC_PAGES {
        let uk = app.ok(path).await;
        assert!(uk.contains("<html lang=\"uk\">"), "{path}");
        assert!(uk.contains("Перейти до основного вмісту"), "{path}");
        let sep = if path.contains('?') { '&' } else { '?' };
        let en_url = format!("{path}{sep}lang=en");
        let p = app.get(&en_url).await;
        assert_eq!(p.status, StatusCode::OK, "{en_url}");
        assert!(p.body.contains("<html lang=\"en\">"), "{en_url}");
        assert!(p.body.contains("Skip to main content"), "{en_url}");
        let cookie = p.headers[header::SET_COOKIE].to_str().unwrap_or("");
        assert!(cookie.starts_with("misto_lang=en"), "{cookie}");
        // The cookie keeps the language without the parameter.
        let again = app.get_with(path, &[("cookie", "misto_lang=en")]).await;
        assert!(again.body.contains("<html lang=\"en\">"), "{path}");
    }
    let res = format!("/dataset/miskyi-biudzhet/resource/{}", app.csv_resource);
    assert!(app.ok(&res).await.contains("Попередній перегляд"));
    assert!(app.ok(&format!("{res}?lang=en")).await.contains("Preview"));
}

#[tokio::test]
async fn security_headers_and_static_files() {
    let app = App::new().await;
    let p = app.get("/").await;
    let csp = p.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap_or("");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!p.body.contains("style=\""), "no inline styles");
    assert!(!p.body.contains("<script>"), "no inline scripts");
    assert!(
        !p.body.contains("http://cdn") && !p.body.contains("https://fonts"),
        "no external resources"
    );
    let css_url = p
        .body
        .split("href=\"/static/site.css")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|q| format!("/static/site.css{q}"))
        .expect("stylesheet link");
    let css = app.get(&css_url).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(
        css.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap_or("")
            .contains("max-age=31536000")
    );
    assert!(
        css.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or("")
            .starts_with("text/css")
    );
    assert_eq!(
        app.get("/static/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn home_counts_and_lists() {
    let app = App::new().await;
    let home = app.ok("/").await;
    // 27 public datasets, 2 publishers, 2 resources; private and draft not counted.
    assert!(home.contains(">27</span>"), "{home}");
    assert!(
        home.contains(">2</span> <span class=\"stat-label\">розпорядників"),
        "{home}"
    );
    assert!(
        home.contains(">2</span> <span class=\"stat-label\">файлів"),
        "{home}"
    );
    assert!(home.contains("Державні доходи і видатки"));
    assert!(home.contains("Департамент фінансів"));
}

#[tokio::test]
async fn search_finds_word_forms_facets_combine_sort_and_page() {
    let app = App::new().await;
    let body = app.ok("/dataset?q=бюджету").await;
    assert!(body.contains("Міський бюджет"), "{body}");
    // Facets with counts.
    assert!(body.contains("Розпорядник інформації"));
    let all = app.ok("/dataset").await;
    assert!(all.contains("Знайдено наборів даних: 27"), "{all}");
    assert!(all.contains("href=\"/dataset?page=2\""), "{all}");
    let page2 = app.ok("/dataset?page=2").await;
    assert!(page2.contains("aria-current=\"page\">2</a>"));
    // A facet link adds a filter; a second one combines with it.
    let fin = app.ok("/dataset?organization=finance").await;
    assert!(fin.contains("Знайдено наборів даних: 26"), "{fin}");
    assert!(!fin.contains("Маршрути автобусів"));
    let both = app.ok("/dataset?organization=finance&groups=podatky").await;
    assert!(both.contains("Знайдено наборів даних: 1"), "{both}");
    assert!(both.contains("Міський бюджет"));
    let fmt = app.ok("/dataset?res_format=CSV").await;
    assert!(fmt.contains("Знайдено наборів даних: 1"), "{fmt}");
    let tag = app.ok("/dataset?tags=транспорт").await;
    assert!(tag.contains("Маршрути автобусів") && tag.contains("Знайдено наборів даних: 1"));
    let freq = app.ok("/dataset?update_frequency=once+a+month").await;
    assert!(freq.contains("Знайдено наборів даних: 27"), "{freq}");
    let lic = app.ok("/dataset?license_id=cc-by-4.0").await;
    assert!(lic.contains("Знайдено наборів даних: 27"), "{lic}");
    // Sort by name: "Звіт номер 00" comes before "Маршрути".
    let by_name = app.ok("/dataset?sort=name").await;
    let a = by_name.find("Звіт номер 00").expect("first report");
    let b = by_name.find("Звіт номер 01").expect("second report");
    assert!(a < b);
    assert_eq!(
        app.get("/dataset?sort=bogus").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/dataset?page=0").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/dataset?page=abc").await.status,
        StatusCode::BAD_REQUEST
    );
    let empty = app.ok("/dataset?q=абракадабра").await;
    assert!(empty.contains("Знайдено наборів даних: 0"));
}

#[tokio::test]
async fn private_and_draft_datasets_never_appear() {
    let app = App::new().await;
    let mut pages: Vec<String> = PUBLIC_PAGES.iter().map(|s| s.to_string()).collect();
    pages.extend([
        "/dataset?q=секретний".to_string(),
        "/dataset?q=чернетка".to_string(),
        "/dataset?organization=finance&page=2".to_string(),
        "/group/podatky".to_string(),
        "/organization/finance?page=2".to_string(),
        "/dataset?tags=бюджет&page=2".to_string(),
    ]);
    for path in &pages {
        let body = app.ok(path).await;
        for hidden in [
            "Секретний набір",
            "sekretnyi-nabir",
            "Чернетка набору",
            "chernetka-naboru",
        ] {
            assert!(!body.contains(hidden), "{path} shows {hidden}");
        }
    }
    for path in [
        "/dataset/sekretnyi-nabir",
        "/dataset/chernetka-naboru",
        "/dataset/sekretnyi-nabir.ttl",
    ] {
        let p = app.get(path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert!(p.body.contains("Сторінку не знайдено"));
    }
    let id = app
        .portal
        .catalog()
        .read(|ix| ix.get("sekretnyi-nabir").map(|d| d.id.clone()))
        .expect("private dataset exists");
    assert_eq!(
        app.get(&format!("/dataset/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn dataset_page_shows_the_passport_and_sanitised_markdown() {
    let app = App::new().await;
    let body = app.ok("/dataset/miskyi-biudzhet").await;
    assert!(
        body.contains("<strong>бюджет</strong>"),
        "markdown rendered"
    );
    assert!(!body.contains("<script>alert"), "raw HTML escaped");
    assert!(body.contains("&lt;script&gt;"), "raw HTML shown as text");
    let lower = body.to_ascii_lowercase();
    assert!(
        !lower.contains("href=\"javascript:"),
        "javascript: links dropped"
    );
    assert!(body.contains("href=\"https://example.org\""));
    for label in [
        "Ідентифікаційний номер набору даних",
        "Найменування набору даних",
        "Мова інформації",
        "Формат (формати) набору даних",
        "Формат стиснення",
        "Дата і час першого оприлюднення",
        "Дата і час внесення останніх змін",
        "Дата актуальності даних",
        "Періодичність оновлення",
        "Ключові слова",
        "Гіперпосилання на набір даних",
        "Відповідальна особа",
        "Підстава та призначення збору інформації",
        "Наступне оновлення до",
    ] {
        assert!(body.contains(label), "passport label {label}");
    }
    assert!(
        body.contains("Щомісяця") || body.contains("щомісяця"),
        "frequency label"
    );
    assert!(body.contains("mailto:opendata@example.org"));
    assert!(body.contains("/api/3/action/package_show?id=miskyi-biudzhet"));
    assert!(body.contains("обов’язкового посилання на джерело"));
    assert!(body.contains(&format!(
        "/resource/{}/download/budget.csv",
        app.csv_resource
    )));
    assert!(body.contains("Опубліковано"), "activity");
    let en = app.ok("/dataset/miskyi-biudzhet?lang=en").await;
    assert!(en.contains("Dataset passport") && en.contains("Download"));
}

#[tokio::test]
async fn resource_previews() {
    let app = App::new().await;
    let csv = app
        .ok(&format!(
            "/dataset/miskyi-biudzhet/resource/{}",
            app.csv_resource
        ))
        .await;
    assert!(csv.contains("<th scope=\"col\">назва</th>"), "{csv}");
    assert!(
        csv.contains("школа 19") && !csv.contains("школа 20"),
        "20 rows"
    );
    assert!(csv.contains("Завантажити"));
    let json = app
        .ok(&format!(
            "/dataset/miskyi-biudzhet/resource/{}",
            app.json_resource
        ))
        .await;
    assert!(
        json.contains("<th scope=\"col\">name</th>") && json.contains("<td>two</td>"),
        "{json}"
    );
    // The resource must belong to the dataset in the URL.
    let wrong = app
        .get(&format!("/dataset/marshruty/resource/{}", app.csv_resource))
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_things_are_404_pages() {
    let app = App::new().await;
    for path in [
        "/dataset/nemaie-takoho",
        "/dataset/miskyi-biudzhet/resource/nope",
        "/organization/nope",
        "/group/nope",
    ] {
        let p = app.get(path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
        assert!(p.body.contains("Сторінку не знайдено"), "{path}");
    }
    let en = app.get("/organization/nope?lang=en").await;
    assert!(en.body.contains("Page not found"));
}

#[tokio::test]
async fn the_fallback_is_an_html_404() {
    let app = App::new().await;
    let resp = misto_web::not_found_service(app.portal.clone())
        .oneshot(
            Request::builder()
                .uri("/no/such/page?lang=en")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(resp.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("Page not found"));
}
