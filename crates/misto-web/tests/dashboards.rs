//! Dashboards in the browser without JavaScript, driven in-process through
//! `misto_web::router`: a coordinator composes one (details, a chart tile
//! picked from a resource's table and its columns, a key figure; move and
//! remove), the public sees its charts as SVG with the numbers as a table,
//! the kiosk shows it, a private dashboard does not exist for others, a
//! publisher admin charts only their own publisher's data, and a chart
//! whose resource is gone says the data are not available.

mod common;

use axum::http::StatusCode;
use common::Resp;
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::publishers::PublisherInput;
use misto_actions::{Portal, PortalConfig};

const PASSWORD: &str = "correct-horse-1";
const DISTRICTS: [&str; 3] = ["Шевченківський", "Подільський", "Оболонський"];

struct App {
    portal: Portal,
    router: axum::Router,
}

/// 30 schools: district (10 each) and pupils 1..=30, so the sums per
/// district are 145, 155 and 165.
fn schools_csv() -> Vec<u8> {
    let mut csv = String::from("назва;район;учнів\n");
    for i in 1..=30 {
        csv.push_str(&format!("Школа №{i};{};{i}\n", DISTRICTS[(i - 1) % 3]));
    }
    csv.into_bytes()
}

impl App {
    async fn new() -> Self {
        let portal = common::fresh_portal(PortalConfig::default()).await;
        let sys = system_viewer();
        for (name, title) in [("osvita", "Департамент освіти"), ("water", "Водоканал")]
        {
            portal
                .create_publisher(
                    &sys,
                    PublisherInput {
                        name: name.into(),
                        title: Some(title.into()),
                        ..PublisherInput::default()
                    },
                )
                .await
                .expect("publisher");
        }
        for (user, sysadmin) in [("coordinator", true), ("wadmin", false), ("other", false)] {
            common::add_user(&portal, user, PASSWORD, sysadmin).await;
        }
        portal
            .set_member(&sys, "water", "wadmin", "admin")
            .await
            .expect("member");
        let router = misto_web::router(portal.clone());
        Self { portal, router }
    }

    /// A public dataset of `org` with the schools file; returns the resource id.
    async fn schools(&self, name: &str, org: &str) -> String {
        let sys = system_viewer();
        let d = self
            .portal
            .create_dataset(
                &sys,
                DatasetInput {
                    name: name.into(),
                    title: Some(format!("Школи {name}")),
                    owner_org: Some(org.into()),
                    ..DatasetInput::default()
                },
            )
            .await
            .expect("dataset");
        let up = self
            .portal
            .stage_upload(
                &sys,
                "школи.csv",
                None,
                futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(
                    schools_csv(),
                ))]),
            )
            .await
            .expect("upload");
        let (_, rid) = self
            .portal
            .create_resource(&sys, &d.id, ResourceInput::default(), Some(up))
            .await
            .expect("resource");
        self.portal
            .run_jobs_until_idle(&misto_actions::jobs::default_registry())
            .await
            .expect("jobs");
        rid
    }

    async fn get(&self, uri: &str, cookie: &str) -> Resp {
        common::get(&self.router, uri, cookie).await
    }

    async fn post(&self, uri: &str, cookie: &str, pairs: &[(&str, &str)]) -> Resp {
        common::post(&self.router, uri, cookie, pairs).await
    }

    /// Logs in: the session cookie and the CSRF token of its forms.
    async fn login(&self, user: &str) -> (String, String) {
        common::login_at(&self.router, user, PASSWORD, "/dashboards/new").await
    }
}

/// The numbers table of a tile as (group, value) rows.
fn numbers(body: &str) -> Vec<(String, String)> {
    body.split("<tbody>")
        .skip(1)
        .flat_map(|t| {
            t.split("</tbody>")
                .next()
                .unwrap_or("")
                .split("<tr>")
                .skip(1)
                .map(|row| {
                    let cells: Vec<String> = row
                        .split("<td")
                        .skip(1)
                        .map(|c| {
                            c.split('>')
                                .nth(1)
                                .and_then(|c| c.split('<').next())
                                .unwrap_or("")
                                .to_string()
                        })
                        .collect();
                    (cells[0].clone(), cells[1].clone())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn a_coordinator_composes_a_dashboard_without_javascript() {
    let app = App::new().await;
    let rid = app.schools("schools", "osvita").await;
    let (cookie, csrf) = app.login("coordinator").await;

    // Details first.
    let r = app
        .post(
            "/dashboards/new",
            &cookie,
            &[
                ("csrf", &csrf),
                ("title", "Освіта в цифрах"),
                ("title_en", "Education in figures"),
                ("name", "osvita"),
                ("description", "Учні **за районами**."),
                ("owner_org", ""),
                ("public", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dashboards/osvita/edit");
    // The same URL again is refused next to the field.
    let dup = app
        .post(
            "/dashboards/new",
            &cookie,
            &[("csrf", &csrf), ("title", "Ще одна"), ("name", "osvita")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("id=\"e-name\""), "{}", dup.body);
    // No CSRF token, no change.
    let forged = app
        .post("/dashboards/new", &cookie, &[("title", "Підробка")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Step 1: pick the resource; step 2: its columns.
    let edit = app.get("/dashboards/osvita/edit", &cookie).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains(&format!("<option value=\"{rid}\"")),
        "{}",
        edit.body
    );
    let picked = app
        .get(&format!("/dashboards/osvita/edit?resource={rid}"), &cookie)
        .await;
    assert!(picked.body.contains("name=\"op\" value=\"add_chart\""));
    assert!(picked.body.contains("<option value=\"учнів\""));
    let send = |pairs: Vec<(&'static str, String)>| {
        let mut all = vec![("csrf", csrf.clone())];
        all.extend(pairs);
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let refs: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post("/dashboards/osvita/tiles", &cookie, &refs).await
        }
    };
    let chart = vec![
        ("op", "add_chart".into()),
        ("resource_id", rid.clone()),
        ("chart", "bar".into()),
        ("x", "район".into()),
        ("agg", "sum".into()),
        ("y", "учнів".into()),
        ("filter_column", String::new()),
        ("filter_value", String::new()),
        ("tile_title", "Учні за районами".into()),
    ];
    let r = send(chart).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = send(vec![
        ("op", "add_figure".into()),
        ("figure", "datasets".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A pie of one district only (a filter).
    let r = send(vec![
        ("op", "add_chart".into()),
        ("resource_id", rid.clone()),
        ("chart", "pie".into()),
        ("x", "назва".into()),
        ("agg", "count".into()),
        ("filter_column", "район".into()),
        ("filter_value", "Подільський".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A column the table does not have: refused, the form kept.
    let bad = send(vec![
        ("op", "add_chart".into()),
        ("resource_id", rid.clone()),
        ("chart", "line".into()),
        ("x", "немає".into()),
        ("agg", "count".into()),
        ("tile_title", "Зламана".into()),
    ])
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("Tile 4"), "{}", bad.body);
    assert!(bad.body.contains("value=\"Зламана\""));

    let d = app
        .portal
        .show_dashboard(&system_viewer(), "osvita")
        .await
        .expect("dashboard");
    assert_eq!(d.tiles.len(), 3);

    // The public page: the bar chart as accessible SVG with its numbers.
    let page = app.get("/dashboard/osvita", "").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<strong>за районами</strong>"));
    assert_eq!(page.body.matches("role=\"img\"").count(), 2);
    assert!(page.body.contains("aria-labelledby=\"tile-1-svg\""));
    assert!(page.body.contains("aria-labelledby=\"tile-3-svg\""));
    assert!(
        !page.body.contains("\"chart-title\""),
        "ids are unique per tile"
    );
    let rows = numbers(&page.body);
    assert!(
        rows.contains(&("Шевченківський".into(), "145".into())),
        "{rows:?}"
    );
    assert!(
        rows.contains(&("Оболонський".into(), "165".into())),
        "{rows:?}"
    );
    // The pie counts the ten schools of Подільський only (7 slices and the rest).
    assert_eq!(rows.iter().filter(|(_, v)| v == "1").count(), 7, "{rows:?}");
    assert!(rows.contains(&("Інші".into(), "3".into())), "{rows:?}");
    assert!(
        page.body.contains("class=\"dash-figure-value\">1<"),
        "{}",
        page.body
    );
    let en = app.get("/dashboard/osvita?lang=en", "").await;
    assert!(en.body.contains("<h1>Education in figures</h1>"));

    // Reorder: the figure first; then remove the pie.
    let r = send(vec![("op", "up".into()), ("tile", d.tiles[1].id.clone())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = send(vec![
        ("op", "remove".into()),
        ("tile", d.tiles[2].id.clone()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = app
        .portal
        .show_dashboard(&system_viewer(), "osvita")
        .await
        .expect("dashboard");
    let ids: Vec<&str> = after.tiles.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, vec![d.tiles[1].id.as_str(), d.tiles[0].id.as_str()]);

    // Listed for everyone; the kiosk rotates to it and shows one on its own.
    let list = app.get("/dashboards", "").await;
    assert!(list.body.contains("href=\"/dashboard/osvita\""));
    assert!(
        !list.body.contains("/dashboards/osvita/edit"),
        "no edit link for visitors"
    );
    let k = app.get("/kiosk?dashboard=osvita&lang=uk", "").await;
    assert_eq!(k.status, StatusCode::OK);
    assert!(
        k.body
            .contains("data-kiosk-next=\"/kiosk?dashboard=osvita&amp;lang=uk\"")
    );
    assert!(k.body.contains("role=\"img\""));
    assert!(k.body.contains("<noscript><meta http-equiv=\"refresh\""));
    assert!(k.body.contains("/static/kiosk.js?v="));
    let last = app.get("/kiosk?slide=4&lang=uk", "").await;
    assert!(
        last.body.contains("<h1>Освіта в цифрах</h1>"),
        "{}",
        last.body
    );
    assert!(
        last.body
            .contains("data-kiosk-next=\"/kiosk?slide=0&amp;lang=uk\"")
    );
    let third = app.get("/kiosk?slide=3&lang=uk", "").await;
    assert!(
        third
            .body
            .contains("data-kiosk-next=\"/kiosk?slide=4&amp;lang=uk\"")
    );

    // Others may not edit; visitors are sent to log in.
    let (other, _) = app.login("other").await;
    assert_eq!(
        app.get("/dashboards/osvita/edit", &other).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/dashboards/new", &other).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/dashboards/osvita/edit", "").await.status,
        StatusCode::SEE_OTHER
    );

    // Made private: gone for visitors and the kiosk, kept for its owner.
    let r = app
        .post(
            "/dashboards/osvita/edit",
            &cookie,
            &[
                ("csrf", &csrf),
                ("title", "Освіта в цифрах"),
                ("name", "osvita"),
                ("owner_org", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.get("/dashboard/osvita", "").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/kiosk?dashboard=osvita", "").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !app.get("/kiosk?slide=4", "")
            .await
            .body
            .contains("Освіта в цифрах")
    );
    assert_eq!(
        app.get("/dashboard/osvita", &cookie).await.status,
        StatusCode::OK
    );

    // The resource deleted: the chart says so and shows nothing of the data.
    app.portal
        .delete_resource(&system_viewer(), &rid)
        .await
        .expect("delete");
    let page = app.get("/dashboard/osvita", &cookie).await;
    assert!(
        page.body.contains("Дані цієї діаграми недоступні."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Шевченківський"));
    assert!(!page.body.contains("role=\"img\""));

    // Deleting needs the confirmation box.
    let r = app
        .post("/dashboards/osvita/delete", &cookie, &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = app
        .post(
            "/dashboards/osvita/delete",
            &cookie,
            &[("csrf", &csrf), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dashboards");
    assert_eq!(
        app.get("/dashboard/osvita", &cookie).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_publisher_admin_charts_only_their_own_data() {
    let app = App::new().await;
    let theirs = app.schools("schools", "osvita").await;
    let own = app.schools("wells", "water").await;
    let (cookie, csrf) = app.login("wadmin").await;
    let form = app.get("/dashboards/new", &cookie).await;
    assert_eq!(form.status, StatusCode::OK);
    // Only their publisher to choose; not the whole portal.
    assert!(!form.body.contains("Увесь портал"));
    assert!(form.body.contains("Водоканал"));
    assert!(!form.body.contains("Департамент освіти"));
    let r = app
        .post(
            "/dashboards/new",
            &cookie,
            &[
                ("csrf", &csrf),
                ("title", "Вода"),
                ("name", "voda"),
                ("owner_org", "water"),
                ("public", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let edit = app.get("/dashboards/voda/edit", &cookie).await;
    assert!(edit.body.contains(&format!("<option value=\"{own}\"")));
    assert!(
        !edit.body.contains(&theirs),
        "another publisher's data are not offered"
    );
    // Posting the other publisher's resource anyway is refused.
    let r = app
        .post(
            "/dashboards/voda/tiles",
            &cookie,
            &[
                ("csrf", &csrf),
                ("op", "add_chart"),
                ("resource_id", &theirs),
                ("chart", "bar"),
                ("x", "район"),
                ("agg", "count"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("own datasets"), "{}", r.body);
    let r = app
        .post(
            "/dashboards/voda/tiles",
            &cookie,
            &[
                ("csrf", &csrf),
                ("op", "add_chart"),
                ("resource_id", &own),
                ("chart", "line"),
                ("x", "назва"),
                ("agg", "avg"),
                ("y", "учнів"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get("/dashboard/voda", "").await;
    assert!(page.body.contains("<polyline"), "{}", page.body);
    assert!(page.body.contains("href=\"/organization/water\""));
    // A coordinator may change it too; another user may not.
    let (coord, _) = app.login("coordinator").await;
    assert_eq!(
        app.get("/dashboards/voda/edit", &coord).await.status,
        StatusCode::OK
    );
}
