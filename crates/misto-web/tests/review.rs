//! The review page driven in-process through `misto_web::router`: an
//! editor's change to a published dataset of a moderated publisher waits,
//! the editor submits it, an admin sees the changed fields and approves it,
//! and the public page changes only then; admins switch moderation.

mod common;

use axum::http::StatusCode;
use common::{Resp, hidden};
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::{DatasetInput, Expect};
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
                    ..PublisherInput::default()
                },
            )
            .await
            .unwrap();
        for (user, role) in [("editor", "editor"), ("boss", "admin")] {
            common::add_user(&portal, user, PASSWORD, false).await;
            portal
                .set_member(&sys, "finance", user, role)
                .await
                .unwrap();
        }
        portal
            .create_dataset(
                &sys,
                DatasetInput {
                    name: "budget".into(),
                    title: Some("Бюджет міста".into()),
                    owner_org: Some("finance".into()),
                    license_id: Some("cc-by-4.0".into()),
                    ..DatasetInput::default()
                },
            )
            .await
            .unwrap();
        let router = misto_web::router(portal.clone());
        Self { portal, router }
    }

    async fn get(&self, uri: &str, cookie: &str) -> Resp {
        common::get(&self.router, uri, cookie).await
    }

    async fn post(&self, uri: &str, cookie: &str, pairs: &[(&str, &str)]) -> Resp {
        common::post(&self.router, uri, cookie, pairs).await
    }

    async fn login(&self, user: &str) -> String {
        common::login(&self.router, user, PASSWORD).await
    }
}

#[tokio::test]
async fn editors_submit_admins_approve_and_the_public_sees_only_approved_versions() {
    let app = App::new().await;
    let boss = app.login("boss").await;
    let editor = app.login("editor").await;

    // The admin turns moderation on from the page; editors have no switch.
    let page = app.get("/dashboard/review", &boss).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("Департамент фінансів: <strong>модерацію вимкнено")
    );
    let csrf = hidden(&page.body, "csrf");
    let r = app
        .post(
            "/dashboard/review/settings/finance",
            &boss,
            &[("csrf", &csrf), ("moderation", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.portal.publisher_moderation("finance").await.unwrap());
    let page = app.get("/dashboard/review", &editor).await;
    assert!(!page.body.contains("Увімкнути модерацію"));
    assert!(!page.body.contains("Вимкнути модерацію"));

    // The editor's change (as the dataset form saves it) waits.
    let viewer = app.portal.viewer_for_user("editor").await.unwrap();
    let current = app.portal.show_dataset(&viewer, "budget").unwrap();
    app.portal
        .update_dataset(
            &viewer,
            "budget",
            DatasetInput {
                name: "budget".into(),
                title: Some("Бюджет громади".into()),
                owner_org: Some("finance".into()),
                license_id: Some("cc-by-4.0".into()),
                ..DatasetInput::default()
            },
            Expect::Revision(current.revision),
        )
        .await
        .unwrap();
    let public = app.get("/dataset/budget", "").await;
    assert!(public.body.contains("Бюджет міста") && !public.body.contains("Бюджет громади"));

    let page = app.get("/dashboard/review", &editor).await;
    assert!(page.body.contains("Не надіслано"), "{}", page.body);
    assert!(
        page.body
            .contains("<td>Бюджет міста</td><td>Бюджет громади</td>")
    );
    let csrf = hidden(&page.body, "csrf");
    let r = app
        .post(
            &format!("/dashboard/review/{}", current.id),
            &editor,
            &[("csrf", &csrf), ("decision", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Editors cannot approve their own change.
    let r = app
        .post(
            &format!("/dashboard/review/{}", current.id),
            &editor,
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let page = app.get("/dashboard/review", &boss).await;
    assert!(page.body.contains("Чекають на вашу перевірку"));
    assert!(
        page.body
            .contains("<td>Бюджет міста</td><td>Бюджет громади</td>")
    );
    let csrf = hidden(&page.body, "csrf");
    let r = app
        .post(
            &format!("/dashboard/review/{}", current.id),
            &boss,
            &[("csrf", &csrf), ("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let public = app.get("/dataset/budget", "").await;
    assert!(public.body.contains("Бюджет громади"));
    let page = app.get("/dashboard/review", &boss).await;
    assert!(page.body.contains("Немає змін, що чекають на перевірку."));
}

#[tokio::test]
async fn an_editors_delete_button_proposes_the_deletion() {
    let app = App::new().await;
    app.portal
        .set_publisher_moderation(&system_viewer(), "finance", true)
        .await
        .unwrap();
    let editor = app.login("editor").await;
    let form = app.get("/dataset/budget/delete", &editor).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = hidden(&form.body, "csrf");
    let r = app
        .post("/dataset/budget/delete", &editor, &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/dashboard/review?proposed=1");
    // The public still has it; the review lists the deletion in words.
    assert_eq!(app.get("/dataset/budget", "").await.status, StatusCode::OK);
    let page = app.get("/dashboard/review", &editor).await;
    assert!(
        page.body.contains(
            "<th scope=\"row\">Стан набору даних</th><td>опубліковано</td><td>видалено</td>"
        ),
        "{}",
        page.body
    );
}
