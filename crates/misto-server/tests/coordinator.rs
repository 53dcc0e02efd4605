//! The coordinator's tools through the real doors: e-mail reminders before
//! and after the due date, sent once per due period through an SMTP sink.

mod common;

use std::time::Duration;

use common::TestApp;
use misto_actions::jobs::JobRegistry;
use misto_actions::reminders::{REMINDERS_JOB, REMINDERS_SUBJECT};
use misto_core::JobState;
use misto_mail::testing::SmtpSink;
use misto_mail::{Mailer, SmtpSettings, TlsMode};
use serde_json::{Value, json};

/// The binary's registry with e-mail going to `sink`.
fn registry(sink: &SmtpSink) -> JobRegistry {
    let mut reg = misto_actions::jobs::default_registry();
    let mailer = Mailer::new(&SmtpSettings {
        host: Some("127.0.0.1".into()),
        port: Some(sink.port),
        from: Some("portal@misto.test".into()),
        tls: TlsMode::None,
        timeout: Duration::from_secs(5),
        ..SmtpSettings::default()
    })
    .unwrap();
    misto_mail::register(&mut reg, mailer);
    reg
}

fn days_ago(d: i64) -> String {
    (misto_core::time::now() - chrono::Duration::days(d))
        .format("%Y-%m-%d")
        .to_string()
}

async fn monthly(
    app: &TestApp,
    name: &str,
    updated_days_ago: i64,
    maintainer: Option<&str>,
) -> Value {
    let mut body = json!({
        "name": name,
        "title": format!("Бюджет {name}"),
        "owner_org": "city",
        "notes": "Щомісячні дані.",
        "license_id": "cc-by-4.0",
        "update_frequency": "once a month",
        "data_updated": days_ago(updated_days_ago),
    });
    if let Some(m) = maintainer {
        body["maintainer_email"] = json!(m);
    }
    app.admin("package_create", body).await
}

#[tokio::test]
async fn reminders_go_to_the_responsible_person_once_per_due_period() {
    let sink = SmtpSink::start().await.unwrap();
    let app = TestApp::new().await;
    app.admin(
        "organization_create",
        json!({"name": "city", "title": "Міська рада", "email": "rada@city.test"}),
    )
    .await;
    // Due in 6 days (31-day period): inside the 7-day window.
    let soon = monthly(&app, "soon", 25, Some("olena@city.test")).await;
    // Due in 21 days: no reminder yet.
    monthly(&app, "later", 10, Some("petro@city.test")).await;
    // Overdue, no maintainer: the publisher's address.
    let late = monthly(&app, "late", 40, None).await;
    let reg = registry(&sink);

    app.portal.schedule_reminders(7).await.unwrap();
    app.portal.run_jobs_until_idle(&reg).await.unwrap();
    let got = sink.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 2, "{got:#?}");
    let to_olena = got
        .iter()
        .find(|m| m.rcpt_to == ["olena@city.test"])
        .expect("reminder to the maintainer");
    assert!(
        to_olena
            .subject()
            .starts_with("Нагадування: оновіть набір даних «Бюджет soon»")
    );
    let text = to_olena.text();
    assert!(text.contains("треба оновити до"), "{text}");
    assert!(text.contains("is due for an update by"), "{text}");
    assert!(text.contains("/dataset/soon"), "{text}");
    // Ukrainian first, English below.
    assert!(text.find("Вітаємо").unwrap() < text.find("Hello").unwrap());
    let to_rada = got
        .iter()
        .find(|m| m.rcpt_to == ["rada@city.test"])
        .expect("overdue reminder to the publisher");
    assert!(
        to_rada.subject().contains("не оновлено вчасно"),
        "{}",
        to_rada.subject()
    );
    assert!(to_rada.text().contains("Не оновлений"));

    // The run is scheduled again for tomorrow and the e-mails were sent.
    let next = app
        .portal
        .job_status(REMINDERS_JOB, REMINDERS_SUBJECT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.state, JobState::Pending);
    assert!(next.run_after > misto_core::time::now() + chrono::Duration::hours(23));

    // Running again the same day (or a restart) sends nothing twice.
    let run = app
        .portal
        .send_reminders(7, misto_core::time::now())
        .await
        .unwrap();
    assert_eq!((run.queued, run.already_sent), (0, 2));
    app.portal.schedule_reminders(7).await.unwrap();
    app.portal.run_jobs_until_idle(&reg).await.unwrap();
    assert_eq!(sink.messages().len(), 2);

    // A week later "soon" is overdue: one more reminder, of the other kind.
    let week = misto_core::time::now() + chrono::Duration::days(7);
    let run = app.portal.send_reminders(7, week).await.unwrap();
    assert_eq!(run.queued, 1, "{run:?}");
    app.portal.run_jobs_until_idle(&reg).await.unwrap();
    let got = sink.wait_for(3, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 3);
    assert!(got[2].subject().contains("не оновлено вчасно"));
    let sent = app
        .portal
        .reminders_sent(soon["id"].as_str().unwrap())
        .await
        .unwrap();
    let kinds: Vec<&str> = sent.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["due_soon", "overdue"]);

    // Updating the data starts a new period: nothing is due for "late" now.
    app.admin(
        "package_patch",
        json!({"id": late["id"], "data_updated": days_ago(0)}),
    )
    .await;
    let run = app
        .portal
        .send_reminders(7, misto_core::time::now())
        .await
        .unwrap();
    assert_eq!(run.queued, 0, "{run:?}");
}

/// A publisher with moderation on, an editor of it and a published dataset.
async fn moderated(app: &TestApp) -> (String, Value) {
    app.admin(
        "organization_create",
        json!({"name": "city", "title": "Міська рада", "email": "rada@city.test"}),
    )
    .await;
    let r = app
        .admin(
            "organization_moderation_set",
            json!({"id": "city", "moderation": true}),
        )
        .await;
    assert_eq!(r["moderation"], json!(true));
    let editor = app.user_token("ed").await;
    app.admin(
        "organization_member_create",
        json!({"id": "city", "username": "ed", "role": "editor"}),
    )
    .await;
    let d = app
        .admin(
            "package_create",
            json!({
                "name": "budget",
                "title": "Бюджет міста",
                "owner_org": "city",
                "notes": "Видатки за рік.",
                "license_id": "cc-by-4.0",
            }),
        )
        .await;
    (editor, d)
}

#[tokio::test]
async fn an_editors_change_waits_for_review_while_the_public_sees_the_approved_version() {
    let sink = SmtpSink::start().await.unwrap();
    let app = TestApp::new().await;
    let (editor, d) = moderated(&app).await;

    // The editor changes the title: kept as a pending revision.
    let r = app
        .post(
            "package_patch",
            json!({"id": "budget", "title": "Бюджет громади 2026"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.result()["title"], "Бюджет громади 2026");
    let public = app.get("/api/3/action/package_show?id=budget", None).await;
    assert_eq!(public.result()["title"], "Бюджет міста");
    let found = app
        .get("/api/3/action/package_search?q=громади", None)
        .await
        .result();
    assert_eq!(found["count"], 0);
    let ttl = app.get("/dataset/budget.ttl", None).await;
    let ttl = String::from_utf8_lossy(&ttl.body).to_string();
    assert!(
        ttl.contains("Бюджет міста") && !ttl.contains("громади"),
        "{ttl}"
    );
    let page = app.get("/dataset/budget", None).await;
    assert!(!String::from_utf8_lossy(&page.body).contains("громади"));

    let rev = app
        .post(
            "package_revision_show",
            json!({"id": "budget"}),
            Some(&editor),
        )
        .await
        .result();
    assert_eq!(rev["state"], "draft");
    // Not in the queue before it is submitted.
    assert_eq!(app.admin("review_queue_list", json!({})).await, json!([]));
    let sub = app
        .post("package_submit", json!({"id": "budget"}), Some(&editor))
        .await
        .result();
    assert_eq!(sub["state"], "submitted");
    let queue = app
        .admin("review_queue_list", json!({"organization": "city"}))
        .await;
    assert_eq!(queue.as_array().unwrap().len(), 1);
    let change = &queue[0]["changes"][0];
    assert_eq!(
        (
            change["field"].as_str(),
            change["old"].as_str(),
            change["new"].as_str()
        ),
        (
            Some("title"),
            Some("Бюджет міста"),
            Some("Бюджет громади 2026")
        )
    );
    assert_eq!(queue[0]["submitter"], "ed");

    // Editors do not review; a return needs a comment.
    let r = app
        .post(
            "package_review",
            json!({"id": "budget", "decision": "approve"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::FORBIDDEN);
    let r = app
        .post(
            "package_review",
            json!({"id": "budget", "decision": "return"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::CONFLICT);
    app.admin(
        "package_review",
        json!({"id": "budget", "decision": "return", "comment": "Вкажіть рік у описі"}),
    )
    .await;
    let reg = registry(&sink);
    app.portal.run_jobs_until_idle(&reg).await.unwrap();
    let mails = sink.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(mails[0].rcpt_to, ["ed@example.org"]);
    assert!(mails[0].subject().contains("повернуто на доопрацювання"));
    assert!(mails[0].text().contains("Вкажіть рік у описі"));
    assert_eq!(
        app.get("/api/3/action/package_show?id=budget", None)
            .await
            .result()["title"],
        "Бюджет міста"
    );

    // Redone and approved: now public, the activity names the editor and
    // shows the diff.
    app.post(
        "package_patch",
        json!({"id": "budget", "title": "Бюджет громади 2026", "notes": "Видатки за 2026 рік."}),
        Some(&editor),
    )
    .await
    .result();
    app.post("package_submit", json!({"id": "budget"}), Some(&editor))
        .await
        .result();
    let approved = app
        .admin(
            "package_review",
            json!({"id": "budget", "decision": "approve"}),
        )
        .await;
    assert_eq!(approved["title"], "Бюджет громади 2026");
    let public = app
        .get("/api/3/action/package_show?id=budget", None)
        .await
        .result();
    assert_eq!(public["title"], "Бюджет громади 2026");
    assert_eq!(public["notes"], "Видатки за 2026 рік.");
    assert_eq!(public["id"], d["id"]);
    let act = app
        .get("/api/3/action/package_activity_list?id=budget", None)
        .await
        .result();
    let ed_id = app
        .portal
        .store()
        .find_user("ed")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(act[0]["user_id"], json!(ed_id));
    let fields: Vec<&str> = act[0]["data"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert!(
        fields.contains(&"title") && fields.contains(&"notes"),
        "{fields:?}"
    );
    app.portal.run_jobs_until_idle(&reg).await.unwrap();
    let mails = sink.wait_for(2, Duration::from_secs(5)).await;
    assert!(mails[1].subject().contains("схвалено"));
    assert!(
        app.admin("review_queue_list", json!({}))
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_new_dataset_of_an_editor_is_published_on_approval_and_admins_are_not_moderated() {
    let app = TestApp::new().await;
    let (editor, _) = moderated(&app).await;
    let created = app
        .post(
            "package_create",
            json!({"name": "stops", "title": "Зупинки", "owner_org": "city", "license_id": "cc-by-4.0"}),
            Some(&editor),
        )
        .await
        .result();
    assert_eq!(created["state"], "draft");
    let r = app.get("/api/3/action/package_show?id=stops", None).await;
    assert_eq!(r.status, axum::http::StatusCode::NOT_FOUND);
    app.post("package_submit", json!({"id": "stops"}), Some(&editor))
        .await
        .result();
    app.admin(
        "package_review",
        json!({"id": "stops", "decision": "approve"}),
    )
    .await;
    let shown = app
        .get("/api/3/action/package_show?id=stops", None)
        .await
        .result();
    assert_eq!(shown["state"], "active");

    // An admin's own change is saved at once.
    app.admin(
        "package_patch",
        json!({"id": "budget", "title": "Бюджет-2026"}),
    )
    .await;
    assert_eq!(
        app.get("/api/3/action/package_show?id=budget", None)
            .await
            .result()["title"],
        "Бюджет-2026"
    );
    // Without moderation, an editor's change is saved at once too.
    app.admin(
        "organization_moderation_set",
        json!({"id": "city", "moderation": false}),
    )
    .await;
    app.post(
        "package_patch",
        json!({"id": "budget", "title": "Бюджет"}),
        Some(&editor),
    )
    .await
    .result();
    assert_eq!(
        app.get("/api/3/action/package_show?id=budget", None)
            .await
            .result()["title"],
        "Бюджет"
    );
    // Only admins set moderation.
    let r = app
        .post(
            "organization_moderation_set",
            json!({"id": "city", "moderation": true}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.status, axum::http::StatusCode::FORBIDDEN);
}
