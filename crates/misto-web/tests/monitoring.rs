//! Quarterly monitoring pages driven in-process through `misto_web::router`:
//! `/monitoring` and its CSV/XLSX exports and the assessment cards for
//! coordinators only, and the rating's history by quarter on `/rating`.

mod common;

use axum::http::StatusCode;
use common::Resp;
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::DatasetInput;
use misto_actions::monitoring::Quarter;
use misto_actions::publishers::PublisherInput;
use misto_actions::{Portal, PortalConfig};

const PASSWORD: &str = "correct-horse-1";

struct App {
    portal: Portal,
    router: axum::Router,
}

impl App {
    async fn new() -> Self {
        let portal = common::fresh_portal(PortalConfig::default()).await;
        let sys = system_viewer();
        portal
            .create_publisher(
                &sys,
                PublisherInput {
                    name: "finance".into(),
                    title: Some("Департамент фінансів".into()),
                    title_en: Some("Finance Department".into()),
                    ..PublisherInput::default()
                },
            )
            .await
            .expect("publisher");
        for (name, sysadmin) in [("coord", true), ("editor", false)] {
            common::add_user(&portal, name, PASSWORD, sysadmin).await;
        }
        portal
            .set_member(&sys, "finance", "editor", "editor")
            .await
            .expect("member");
        for (name, licence) in [("vydatky", "cc-by-4.0"), ("dohody", "other-closed")] {
            portal
                .create_dataset(
                    &sys,
                    DatasetInput {
                        name: name.into(),
                        title: Some(format!("Набір {name}")),
                        owner_org: Some("finance".into()),
                        license_id: Some(licence.into()),
                        ..DatasetInput::default()
                    },
                )
                .await
                .expect("dataset");
        }
        let router = misto_web::router(portal.clone());
        Self { portal, router }
    }

    async fn get(&self, uri: &str, cookie: &str) -> Resp {
        common::get(&self.router, uri, cookie).await
    }

    async fn login(&self, user: &str) -> String {
        common::login(&self.router, user, PASSWORD).await
    }
}

#[tokio::test]
async fn monitoring_pages_and_exports_are_for_coordinators() {
    let app = App::new().await;
    let current = Quarter::of(misto_core::time::now());

    // Anonymous visitors log in first; editors are refused.
    for path in [
        "/monitoring",
        "/monitoring.csv",
        "/monitoring.xlsx",
        "/monitoring/card",
        "/monitoring/card.xlsx",
    ] {
        let r = app.get(path, "").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(r.location().starts_with("/login?next="), "{path}");
    }
    let editor = app.login("editor").await;
    for path in ["/monitoring", "/monitoring.csv", "/monitoring/card.xlsx"] {
        let r = app.get(path, &editor).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(r.body.contains("лише координаторам"), "{path}: {}", r.body);
    }

    let coord = app.login("coord").await;
    let admin = app.get("/admin", &coord).await;
    assert!(admin.body.contains("href=\"/monitoring\""));
    assert!(admin.body.contains("href=\"/monitoring/card\""));

    let page = app.get("/monitoring", &coord).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let q = format!("{}Q{}", current.year, current.number);
    assert!(
        page.body
            .contains(&format!("Щоквартальний моніторинг — {current}"))
    );
    assert!(page.body.contains("Департамент фінансів"));
    assert!(page.body.contains("id=\"mon-council\""));
    assert!(page.body.contains(&format!("/monitoring.xlsx?quarter={q}")));
    assert!(
        page.body
            .contains(&format!("<option value=\"{q}\" selected>"))
    );
    // Two datasets, both new this quarter; half meet the recommendations? No:
    // neither has a description, so none does.
    assert!(page.body.contains("<td>2 (2)</td>"), "{}", page.body);
    let en = app.get("/monitoring?lang=en", &coord).await;
    assert!(en.body.contains("Quarterly monitoring") && en.body.contains("Finance Department"));
    let bad = app.get("/monitoring?quarter=2026Q9", &coord).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("2026Q3"));
    let never = app
        .get(
            &format!("/monitoring?quarter={}", current.previous()),
            &coord,
        )
        .await;
    assert_eq!(never.status, StatusCode::NOT_FOUND);

    // CSV: the council, then each publisher, with every figure.
    let csv = app
        .get(&format!("/monitoring.csv?quarter={q}"), &coord)
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(lines[0].starts_with("quarter,scope,rank,name,title,datasets,datasets_new,"));
    assert!(lines[0].ends_with(",register_complete,register_completeness"));
    assert!(
        lines[1].starts_with(&format!("{current},council,,,Уся рада,2,2,")),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with(&format!(
        "{current},publisher,1,finance,Департамент фінансів,2,2,"
    )));
    assert_eq!(lines.len(), 3);
    let head: Vec<&str> = lines[0].split(',').collect();
    let council: Vec<&str> = lines[1].split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    assert_eq!(council[col("meeting")], "0");
    assert_eq!(council[col("meeting_share")], "0");
    assert_eq!(council[col("mandatory_total")], "73");
    assert_eq!(council[col("feedback_received")], "0");
    assert_eq!(
        council[col("validation_pass_rate")],
        "",
        "no resources: no rate"
    );

    let xlsx = app.get("/monitoring.xlsx", &coord).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with("PK"), "a zip container");

    // The card: every indicator with value, target, status, formula and source.
    let card = app.get("/monitoring/card", &coord).await;
    assert_eq!(card.status, StatusCode::OK, "{}", card.body);
    assert!(
        card.body
            .contains("Картка оцінки стану оприлюднення і оновлення відкритих даних")
    );
    assert!(card.body.contains("id=\"card-subject\">Уся рада"));
    assert!(
        card.body
            .contains("id=\"ind-meeting_share\" data-status=\"not_met\"")
    );
    assert!(
        card.body
            .contains("id=\"ind-feedback_answered_share\" data-status=\"na\"")
    );
    assert!(
        card.body
            .contains("id=\"ind-datasets_published\" data-status=\"info\"")
    );
    assert!(card.body.contains("≥ 85 %"));
    assert!(card.body.contains("Набори з оцінкою якості не менше 80"));
    assert!(card.body.contains("/monitoring/card?quarter="));
    let one = app
        .get("/monitoring/card?organization=finance&lang=en", &coord)
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.body.contains("id=\"card-subject\">Finance Department"));
    assert!(one.body.contains("How it is computed"));
    let none = app
        .get("/monitoring/card?organization=nobody", &coord)
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let cards = app.get("/monitoring/card.xlsx", &coord).await;
    assert_eq!(cards.status, StatusCode::OK);
    assert!(cards.body.starts_with("PK"));
    assert!(
        cards.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("assessment-cards-{current}.xlsx"))
    );
}

#[tokio::test]
async fn the_rating_shows_its_history_by_quarter() {
    let app = App::new().await;
    let current = Quarter::of(misto_core::time::now());
    let ended = current.previous();

    let before = app.get("/rating", "").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.body.contains("Динаміка за кварталами"));
    assert!(before.body.contains("Збережених кварталів ще немає"));
    assert!(!before.body.contains("class=\"trend\""));

    // The quarter that ended is kept; the page now has two quarters.
    assert!(app.portal.take_quarter_snapshot(ended).await.unwrap());
    let page = app.get("/rating", "").await;
    assert_eq!(page.status, StatusCode::OK);
    let ended_q = format!("{}Q{}", ended.year, ended.number);
    assert!(
        page.body
            .contains(&format!("href=\"/rating?quarter={ended_q}\">{ended}</a>"))
    );
    assert!(page.body.contains(&format!("{current}</a> (поточний)")));
    assert!(
        page.body.contains("class=\"trend\""),
        "a trend of two quarters"
    );
    assert!(page.body.contains(&format!("Динаміка оцінки: {ended} — ")));

    let kept = app.get(&format!("/rating?quarter={ended_q}"), "").await;
    assert_eq!(kept.status, StatusCode::OK);
    assert!(
        kept.body
            .contains(&format!("<span id=\"rating-quarter\">{ended}</span>"))
    );
    assert!(
        kept.body
            .contains("Показники збережено після завершення кварталу")
    );
    assert!(kept.body.contains("Департамент фінансів"));

    let bad = app.get("/rating?quarter=soon", "").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let older = app
        .get(&format!("/rating?quarter={}", ended.previous()), "")
        .await;
    assert_eq!(older.status, StatusCode::NOT_FOUND);
    let future = app
        .get(&format!("/rating?quarter={}", current.next()), "")
        .await;
    assert_eq!(future.status, StatusCode::BAD_REQUEST);
}
