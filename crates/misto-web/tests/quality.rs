//! Quality pages driven in-process through `misto_web::router`: the
//! validation report on the resource page and its own page, fixes with a
//! preview for editors only, versions, the dataset's score and structure
//! file form, the rating of publishers.

mod common;

use axum::http::StatusCode;
use common::{Resp, hidden};
use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::publishers::PublisherInput;
use misto_actions::{Portal, PortalConfig};

const PASSWORD: &str = "correct-horse-1";
struct App {
    portal: Portal,
    router: axum::Router,
    dataset: String,
    resource: String,
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
                    ..PublisherInput::default()
                },
            )
            .await
            .expect("publisher");
        portal
            .create_user(
                &sys,
                NewUser {
                    name: "editor".into(),
                    email: "editor@example.org".into(),
                    password: Some(PASSWORD.into()),
                    ..NewUser::default()
                },
            )
            .await
            .expect("user");
        portal
            .set_member(&sys, "finance", "editor", "editor")
            .await
            .expect("member");
        let d = portal
            .create_dataset(
                &sys,
                DatasetInput {
                    name: "vydatky".into(),
                    title: Some("Видатки".into()),
                    owner_org: Some("finance".into()),
                    ..DatasetInput::default()
                },
            )
            .await
            .expect("dataset");
        let mut csv = String::from("name,date,amount\nШкола,01.02.2024,10\nЛікарня,03.04.2024,x\n");
        for i in 0..12 {
            csv.push_str(&format!("Садок {i},05.06.2024,{i}\n"));
        }
        let up = portal
            .stage_upload(
                &sys,
                "vydatky.csv",
                None,
                futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(csv))]),
            )
            .await
            .expect("upload");
        let (_, rid) = portal
            .create_resource(&sys, &d.id, ResourceInput::default(), Some(up))
            .await
            .expect("resource");
        portal
            .run_jobs_until_idle(&misto_actions::jobs::default_registry())
            .await
            .expect("jobs");
        let router = misto_web::router(portal.clone());
        Self {
            portal,
            router,
            dataset: "vydatky".into(),
            resource: rid,
        }
    }

    async fn get(&self, uri: &str, cookie: &str) -> Resp {
        common::get(&self.router, uri, cookie).await
    }

    async fn post(&self, uri: &str, cookie: &str, pairs: &[(&str, &str)]) -> Resp {
        common::post(&self.router, uri, cookie, pairs).await
    }

    async fn login(&self) -> String {
        common::login(&self.router, "editor", PASSWORD).await
    }

    fn quality_url(&self) -> String {
        format!(
            "/dataset/{}/resource/{}/quality",
            self.dataset, self.resource
        )
    }
}

#[tokio::test]
async fn the_report_is_readable_and_fixes_are_for_editors() {
    let app = App::new().await;
    // The resource page summarises and links the report.
    let page = app
        .get(
            &format!("/dataset/{}/resource/{}", app.dataset, app.resource),
            "",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Знайдено помилки"), "{}", page.body);
    assert!(page.body.contains(&app.quality_url()));

    // The report: severity, row, column, plain-language fix; no fix forms
    // for anonymous readers.
    let report = app.get(&app.quality_url(), "").await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains("Помилка"));
    assert!(report.body.contains("рядок 3"), "{}", report.body);
    assert!(report.body.contains("стовпець «amount»"));
    assert!(report.body.contains("Як виправити"));
    assert!(!report.body.contains("?preview="));
    let en = app.get(&format!("{}?lang=en", app.quality_url()), "").await;
    assert!(en.body.contains("How to fix it") && en.body.contains("row 3"));
    // Readers asking for a preview get no preview and no form.
    let sneaky = app
        .get(&format!("{}?preview=iso_dates", app.quality_url()), "")
        .await;
    assert!(!sneaky.body.contains("name=\"fix\""));

    // The editor previews, then applies.
    let session = app.login().await;
    let mine = app.get(&app.quality_url(), &session).await;
    assert!(mine.body.contains("?preview=iso_dates"), "{}", mine.body);
    let preview = app
        .get(
            &format!("{}?preview=iso_dates", app.quality_url()),
            &session,
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.body.contains("01.02.2024") && preview.body.contains("2024-02-01"));
    let csrf = hidden(&preview.body, "csrf");
    let fix_url = format!("/dataset/{}/resource/{}/fix", app.dataset, app.resource);
    // Without the CSRF token: refused.
    let forged = app.post(&fix_url, &session, &[("fix", "iso_dates")]).await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    let done = app
        .post(&fix_url, &session, &[("csrf", &csrf), ("fix", "iso_dates")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    app.portal
        .run_jobs_until_idle(&misto_actions::jobs::default_registry())
        .await
        .expect("jobs");
    let after = app
        .get(&format!("{}?fixed=1", app.quality_url()), &session)
        .await;
    assert!(after.body.contains("Виправлення застосовано"));
    assert!(after.body.contains("виправлення: дати у форматі ISO 8601"));
    assert_eq!(
        after.body.matches("/version/").count(),
        2,
        "two versions listed"
    );
    assert!(
        !after.body.contains("?preview=iso_dates"),
        "dates are ISO now"
    );
}

#[tokio::test]
async fn score_structure_form_and_rating() {
    let app = App::new().await;
    let d = app.get(&format!("/dataset/{}", app.dataset), "").await;
    assert_eq!(d.status, StatusCode::OK);
    assert!(d.body.contains("/ 100"));
    assert!(d.body.contains("/dataset/vydatky/structure.json"));
    assert!(d.body.contains("/dataset/vydatky/structure.csv"));

    let q = app.get("/dataset/vydatky/quality", "").await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(q.body.contains("Повнота паспорта") && q.body.contains("Що зробити"));
    assert!(q.body.contains("Створено автоматично з даних"));
    assert!(
        !q.body.contains("name=\"structure\""),
        "no form for readers"
    );

    let session = app.login().await;
    let mine = app.get("/dataset/vydatky/quality", &session).await;
    let csrf = hidden(&mine.body, "csrf");
    let bad = app
        .post(
            "/dataset/vydatky/structure",
            &session,
            &[("csrf", &csrf), ("structure", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(
        bad.body.contains("Файл структури не прийнято"),
        "{}",
        bad.body
    );
    let ok = app
        .post(
            "/dataset/vydatky/structure",
            &session,
            &[
                ("csrf", &csrf),
                (
                    "structure",
                    "name,title,description,datatype,required\nname,Назва,,string,true\namount,Сума,,integer,true\n",
                ),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let saved = app.get("/dataset/vydatky/quality?saved=1", &session).await;
    assert!(saved.body.contains("Складено розпорядником"));
    assert!(
        saved
            .body
            .contains("<td>amount</td><td>Сума</td><td>integer</td>")
    );

    let rating = app.get("/rating", "").await;
    assert_eq!(rating.status, StatusCode::OK);
    assert!(rating.body.contains("Департамент фінансів"));
    assert!(rating.body.contains("Уся рада") && rating.body.contains("85 %"));
}
