//! The datastore on the resource page, driven in-process through
//! `misto_web::router`: the server-rendered table (sort, filters, full
//! text, paging), the state of the ingest, the chart builder with its
//! embeddable page, the map with optional tiles, and visibility.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::publishers::PublisherInput;
use misto_actions::{BlobStore, Portal, PortalConfig};
use tower::ServiceExt;

const DISTRICTS: [&str; 3] = ["Шевченківський", "Подільський", "Оболонський"];

struct App {
    portal: Portal,
    router: axum::Router,
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

/// 30 schools: name, district (10 each), pupils (1..=30), opened, lat, lon.
fn schools_csv() -> String {
    let mut csv = String::from("назва;район;учнів;відкрито;latitude;longitude\n");
    for i in 1..=30 {
        csv.push_str(&format!(
            "Школа №{i};{};{i};0{}.09.19{};50,{:02};30,{:02}\n",
            DISTRICTS[(i - 1) % 3],
            1 + i % 9,
            50 + i,
            40 + i,
            50 + i
        ));
    }
    csv
}

impl App {
    async fn new(config: PortalConfig) -> Self {
        let store = misto_store::testing::fresh_store().await;
        let dir = std::env::temp_dir().join(format!("misto-web-ds-{}", uuid::Uuid::new_v4()));
        let blobs = BlobStore::local(dir).await.expect("blobs");
        let portal = Portal::open(store, blobs, config).await.expect("portal");
        let sys = system_viewer();
        portal
            .create_publisher(
                &sys,
                PublisherInput {
                    name: "osvita".into(),
                    title: Some("Департамент освіти".into()),
                    ..PublisherInput::default()
                },
            )
            .await
            .expect("publisher");
        let router = misto_web::router(portal.clone());
        Self { portal, router }
    }

    /// A dataset with one uploaded file; returns the resource id.
    async fn upload(&self, name: &str, private: bool, file: &str, body: Vec<u8>) -> String {
        let sys = system_viewer();
        let d = self
            .portal
            .create_dataset(
                &sys,
                DatasetInput {
                    name: name.into(),
                    title: Some("Школи".into()),
                    owner_org: Some("osvita".into()),
                    private,
                    ..DatasetInput::default()
                },
            )
            .await
            .expect("dataset");
        let up = self
            .portal
            .stage_upload(
                &sys,
                file,
                None,
                futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(body))]),
            )
            .await
            .expect("upload");
        let (_, rid) = self
            .portal
            .create_resource(&sys, &d.id, ResourceInput::default(), Some(up))
            .await
            .expect("resource");
        rid
    }

    async fn run_jobs(&self) {
        self.portal
            .run_jobs_until_idle(&misto_actions::jobs::default_registry())
            .await
            .expect("jobs");
    }

    async fn get(&self, uri: &str) -> Resp {
        let req = Request::builder()
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The cells of the body rows of the datastore table.
fn rows(body: &str) -> Vec<Vec<String>> {
    let Some(table) = body.split("<table class=\"preview ds-table\">").nth(1) else {
        return Vec::new();
    };
    let tbody = table
        .split("<tbody>")
        .nth(1)
        .and_then(|t| t.split("</tbody>").next())
        .unwrap_or("");
    tbody
        .split("<tr>")
        .skip(1)
        .map(|tr| {
            tr.split("<td")
                .skip(1)
                .map(|td| {
                    let inner = td.split_once('>').map(|x| x.1).unwrap_or("");
                    inner.split("</td>").next().unwrap_or("").to_string()
                })
                .collect()
        })
        .collect()
}

fn csp(r: &Resp) -> String {
    r.headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn the_table_sorts_filters_searches_and_pages_without_script() {
    let app = App::new(PortalConfig::default()).await;
    let rid = app
        .upload("shkoly", false, "shkoly.csv", schools_csv().into_bytes())
        .await;
    let base = format!("/dataset/shkoly/resource/{rid}");

    // Before the ingest ran, the page says it is waiting.
    let waiting = app.get(&base).await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(
        waiting.body.contains("data-status=\"pending\""),
        "{}",
        waiting.body
    );
    assert!(waiting.body.contains("чекає на завантаження"));
    assert!(rows(&waiting.body).is_empty());

    app.run_jobs().await;
    let page = app.get(&base).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("data-datastore"));
    assert!(body.contains("data-status=\"done\""));
    // The script and its styles come from /static/, no inline script.
    assert!(body.contains("<script src=\"/static/datastore.js?v="));
    assert!(!body.contains("<script>"));
    // First page: 20 of 30 rows, in file order, typed columns.
    let first = rows(body);
    assert_eq!(first.len(), 20);
    assert_eq!(first[0][0], "Школа №1");
    assert_eq!(first[0][2], "1");
    assert_eq!(first[0][3], "1951-09-02");
    assert!(body.contains("Рядки 1–20 з 30"));
    assert!(body.contains("aria-sort=\"none\""));
    assert!(body.contains("name=\"f.район\""));
    assert!(body.contains("aria-label=\"Фільтр: район\""));
    // The file preview is replaced by the datastore table.
    assert!(!body.contains("id=\"preview-title\""));

    // Page 2 has the other 10.
    let p2 = app.get(&format!("{base}?page=2")).await;
    let second = rows(&p2.body);
    assert_eq!(second.len(), 10);
    assert_eq!(second[0][0], "Школа №21");
    assert!(p2.body.contains("Рядки 21–30 з 30"));
    assert!(
        p2.body
            .contains("rel=\"prev\" href=\"/dataset/shkoly/resource/")
    );

    // Sorting by a number column, descending.
    let sorted = app.get(&format!("{base}?sort={}", enc("учнів desc"))).await;
    let s = rows(&sorted.body);
    assert_eq!(s[0][2], "30");
    assert_eq!(s[1][2], "29");
    assert!(sorted.body.contains("aria-sort=\"descending\""));

    // A column filter and the full text (Ukrainian word forms).
    let filtered = app
        .get(&format!("{base}?f.{}={}", enc("район"), enc("Подільський")))
        .await;
    let f = rows(&filtered.body);
    assert_eq!(f.len(), 10);
    assert!(f.iter().all(|r| r[1] == "Подільський"));
    assert!(filtered.body.contains("Рядки 1–10 з 10"));
    assert!(filtered.body.contains("Показати всю таблицю"));
    // The downloads of this selection carry the filter.
    assert!(
        filtered
            .body
            .contains(&format!("/datastore/dump/{rid}?format=csv&amp;filters="))
    );
    let searched = app.get(&format!("{base}?q={}", enc("школою №7"))).await;
    let q = rows(&searched.body);
    assert_eq!(q.len(), 1, "{:?}", q);
    assert_eq!(q[0][0], "Школа №7");

    // A filter value that does not fit the column's type is explained.
    let bad = app.get(&format!("{base}?f.{}=abc", enc("учнів"))).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("не підходить до типу стовпця"));
    assert!(rows(&bad.body).is_empty());

    // English labels.
    let en = app.get(&format!("{base}?lang=en")).await;
    assert!(en.body.contains("Rows 1–20 of 30"));
}

#[tokio::test]
async fn charts_are_drawn_from_the_aggregate_and_can_be_embedded() {
    let app = App::new(PortalConfig::default()).await;
    let rid = app
        .upload("shkoly", false, "shkoly.csv", schools_csv().into_bytes())
        .await;
    app.run_jobs().await;
    let base = format!("/dataset/shkoly/resource/{rid}");

    // The builder is offered; no chart until one is asked for.
    let page = app.get(&base).await;
    assert!(page.body.contains("id=\"ds-chart-kind\""));
    assert!(!page.body.contains("id=\"chart-title\""));

    // Sum of pupils by district: 1+4+...+28 = 145, 2+5+...+29 = 155, 3+...+30 = 165.
    let q = format!("chart=bar&x={}&agg=sum&y={}", enc("район"), enc("учнів"));
    let bar = app.get(&format!("{base}?{q}")).await;
    assert_eq!(bar.status, StatusCode::OK);
    let b = &bar.body;
    assert!(b.contains("<svg"), "{b}");
    assert!(b.contains("role=\"img\""));
    assert!(b.contains("Сума «учнів» за «район»"));
    let figure = b.split("<figure class=\"ds-figure\">").nth(1).unwrap();
    let svg = figure.split("</svg>").next().unwrap();
    assert_eq!(svg.matches("<rect").count(), 3);
    for (d, n) in [
        ("Шевченківський", 145),
        ("Подільський", 155),
        ("Оболонський", 165),
    ] {
        assert!(
            b.contains(&format!("<td>{d}</td><td class=\"num\">{n}</td>")),
            "{d} {n}"
        );
    }
    // The chart follows the table's filter.
    let filtered = app
        .get(&format!(
            "{base}?{q}&f.{}={}",
            enc("район"),
            enc("Подільський")
        ))
        .await;
    let svg = filtered
        .body
        .split("<figure class=\"ds-figure\">")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(svg.matches("<rect").count(), 1);

    // Pie and line, counting rows.
    let pie = app
        .get(&format!("{base}?chart=pie&x={}&agg=count", enc("район")))
        .await;
    assert!(pie.body.contains("(33,3\u{a0}%)"), "{}", pie.body);
    let line = app
        .get(&format!(
            "{base}?chart=line&x={}&agg=avg&y={}",
            enc("відкрито"),
            enc("учнів")
        ))
        .await;
    assert!(line.body.contains("<polyline"));
    // A sum over a text column is refused with a message, not an error page.
    let wrong = app
        .get(&format!(
            "{base}?chart=bar&x={}&agg=sum&y={}",
            enc("район"),
            enc("назва")
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::OK);
    assert!(wrong.body.contains("виберіть числовий стовпець"));

    // The link and the embeddable page.
    assert!(b.contains(&format!("{base}/chart?chart=bar&amp;x=")));
    assert!(b.contains("&lt;iframe src="));
    let embed = app.get(&format!("{base}/chart?{q}")).await;
    assert_eq!(embed.status, StatusCode::OK);
    assert!(embed.body.contains("<svg"));
    assert!(!embed.body.contains("site-header"));
    assert!(csp(&embed).contains("frame-ancestors *"));
    assert!(csp(&page).contains("frame-ancestors 'none'"));
    let missing = app.get("/dataset/shkoly/resource/nope/chart").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn points_are_mapped_and_tiles_are_opt_in() {
    let app = App::new(PortalConfig::default()).await;
    let rid = app
        .upload("shkoly", false, "shkoly.csv", schools_csv().into_bytes())
        .await;
    app.run_jobs().await;
    let base = format!("/dataset/shkoly/resource/{rid}");
    let page = app.get(&base).await;
    let map = page
        .body
        .split("id=\"ds-map\"")
        .nth(1)
        .expect("a map section")
        .split("</section>")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(map.matches("<circle").count(), 30);
    assert!(map.contains("<title>Школа №12</title>"));
    assert!(!map.contains("<image"), "no tiles unless asked for");
    assert!(csp(&page).contains("img-src 'self' data:;"));
    assert!(map.contains("tile.openstreetmap.org"));
    // Asking for the base map: tiles, and the CSP allows their origin only here.
    let tiled = app.get(&format!("{base}?tiles=1")).await;
    assert!(
        tiled
            .body
            .contains("<image href=\"https://tile.openstreetmap.org/")
    );
    assert_eq!(tiled.body.matches("<circle").count(), 30);
    assert!(csp(&tiled).contains("img-src 'self' data: https://tile.openstreetmap.org;"));
    assert!(tiled.body.contains("OpenStreetMap"));
    // The filter applies to the map too.
    let filtered = app
        .get(&format!("{base}?f.{}={}", enc("район"), enc("Оболонський")))
        .await;
    let map = filtered.body.split("id=\"ds-map\"").nth(1).unwrap();
    assert_eq!(
        map.split("</section>")
            .next()
            .unwrap()
            .matches("<circle")
            .count(),
        10
    );

    // A tile server on this site is used without asking.
    let local = App::new(PortalConfig {
        datastore: misto_actions::datastore::DatastoreConfig {
            tile_url: "/tiles/{z}/{x}/{y}.png".into(),
            ..Default::default()
        },
        ..PortalConfig::default()
    })
    .await;
    let rid = local
        .upload("shkoly", false, "shkoly.csv", schools_csv().into_bytes())
        .await;
    local.run_jobs().await;
    let page = local.get(&format!("/dataset/shkoly/resource/{rid}")).await;
    assert!(page.body.contains("<image href=\"/tiles/"));
    assert!(csp(&page).contains("img-src 'self' data:;"));
}

#[tokio::test]
async fn private_tables_do_not_exist_for_others_and_failures_are_explained() {
    let app = App::new(PortalConfig::default()).await;
    let rid = app
        .upload("taiemni", true, "shkoly.csv", schools_csv().into_bytes())
        .await;
    app.run_jobs().await;
    let base = format!("/dataset/taiemni/resource/{rid}");
    assert_eq!(app.get(&base).await.status, StatusCode::NOT_FOUND);
    let chart = app
        .get(&format!("{base}/chart?chart=bar&x={}", enc("район")))
        .await;
    assert_eq!(chart.status, StatusCode::NOT_FOUND);

    // A file that cannot be read: the page says why.
    let bad = app
        .upload(
            "zlamanyi",
            false,
            "zlamanyi.xlsx",
            b"not a workbook".to_vec(),
        )
        .await;
    app.run_jobs().await;
    let page = app.get(&format!("/dataset/zlamanyi/resource/{bad}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-status=\"error\""), "{}", page.body);
    assert!(
        page.body
            .contains("Не вдалося завантажити файл до сховища даних.")
    );
    assert!(page.body.contains("could not be read"));
}
