//! Moderation of resources through the API: an editor of a moderated
//! publisher adds, replaces and deletes files and links of a published
//! dataset; the public keeps seeing (and downloading) the approved ones
//! until an admin approves; a returned change leaves the dataset as it was.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

/// A publisher with moderation on, an editor of it and a published dataset
/// with one link.
async fn moderated(app: &TestApp) -> String {
    app.admin(
        "organization_create",
        json!({"name": "city", "title": "Міська рада", "email": "rada@city.test"}),
    )
    .await;
    app.admin(
        "organization_moderation_set",
        json!({"id": "city", "moderation": true}),
    )
    .await;
    let editor = app.user_token("ed").await;
    app.admin(
        "organization_member_create",
        json!({"id": "city", "username": "ed", "role": "editor"}),
    )
    .await;
    app.admin(
        "package_create",
        json!({
            "name": "budget",
            "title": "Бюджет міста",
            "owner_org": "city",
            "notes": "Видатки за рік.",
            "license_id": "cc-by-4.0",
            "resources": [{"name": "Старий звіт", "url": "http://files.city.test/old.csv", "format": "CSV"}],
        }),
    )
    .await;
    editor
}

fn names(d: &Value) -> Vec<String> {
    d["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// How many files the blob store holds.
fn blob_files(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() { count(&p) } else { 1 }
                })
                .sum()
        })
    }
    count(&app.blob_dir)
}

async fn public(app: &TestApp) -> Value {
    app.get("/api/3/action/package_show?id=budget", None)
        .await
        .result()
}

#[tokio::test]
async fn an_editors_files_and_links_wait_for_review_and_the_public_keeps_the_approved_ones() {
    let app = TestApp::new().await;
    let editor = moderated(&app).await;
    let old_id = public(&app).await["resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The editor uploads a new file: answered as proposed, not published.
    let up = app
        .upload(
            "budget",
            "budget-2026.csv",
            b"year,amount\n2026,100\n",
            &editor,
        )
        .await;
    assert_eq!(
        up.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&up.body)
    );
    let new = up.result();
    let new_id = new["id"].as_str().unwrap().to_string();
    assert_eq!(names(&public(&app).await), ["Старий звіт"]);
    let r = app
        .get(&format!("/api/3/action/resource_show?id={new_id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let file = app
        .get(
            &format!("/dataset/budget/resource/{new_id}/download/budget-2026.csv"),
            None,
        )
        .await;
    assert_eq!(file.status, StatusCode::NOT_FOUND);

    // Renames the new file (found in the proposal), deletes the old link
    // and edits the title: one proposal.
    let renamed = app
        .post(
            "resource_update",
            json!({"id": new_id, "name": "Бюджет 2026", "format": "CSV"}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        renamed.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&renamed.body)
    );
    // A patch of the proposed file merges onto the proposal (the new name
    // stays).
    let patched = app
        .post(
            "resource_patch",
            json!({"id": new_id, "description": "Видатки 2026 року"}),
            Some(&editor),
        )
        .await
        .result();
    assert_eq!(patched["name"], "Бюджет 2026", "{patched}");
    assert_eq!(patched["description"], "Видатки 2026 року");
    app.post("resource_delete", json!({"id": old_id}), Some(&editor))
        .await
        .result();
    app.post(
        "package_patch",
        json!({"id": "budget", "title": "Бюджет міста 2026"}),
        Some(&editor),
    )
    .await
    .result();
    let pub_now = public(&app).await;
    assert_eq!(pub_now["title"], "Бюджет міста");
    assert_eq!(names(&pub_now), ["Старий звіт"]);
    let search = app
        .get("/api/3/action/package_search?q=2026", None)
        .await
        .result();
    assert_eq!(search["count"], 0);
    let page = app.get("/dataset/budget", None).await;
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("Старий звіт") && !html.contains("Бюджет 2026"));

    let rev = app
        .post(
            "package_revision_show",
            json!({"id": "budget"}),
            Some(&editor),
        )
        .await
        .result();
    assert_eq!(rev["state"], "draft");
    assert_eq!(names(&rev["proposed"]), ["Бюджет 2026"]);
    let changes = rev["changes"].as_array().unwrap();
    let fields: Vec<&str> = changes.iter().filter_map(|c| c["field"].as_str()).collect();
    assert!(fields.contains(&"title"), "{changes:#?}");
    let added = changes
        .iter()
        .find(|c| c["field"] == "resource" && c["old"].is_null())
        .expect("an added resource");
    assert!(added["new"].as_str().unwrap().contains("Бюджет 2026"));
    let removed = changes
        .iter()
        .find(|c| c["field"] == "resource" && c["new"].is_null())
        .expect("a removed resource");
    assert!(removed["old"].as_str().unwrap().contains("Старий звіт"));

    app.post("package_submit", json!({"id": "budget"}), Some(&editor))
        .await
        .result();
    let queue = app.admin("review_queue_list", json!({})).await;
    assert_eq!(queue.as_array().unwrap().len(), 1);

    // Approved: the public sees the new title and files, the file
    // downloads, and it is validated as any saved file.
    let approved = app
        .admin(
            "package_review",
            json!({"id": "budget", "decision": "approve"}),
        )
        .await;
    assert_eq!(approved["title"], "Бюджет міста 2026");
    let pub_now = public(&app).await;
    assert_eq!(names(&pub_now), ["Бюджет 2026"]);
    assert_eq!(pub_now["resources"][0]["id"], json!(new_id));
    assert_eq!(pub_now["resources"][0]["url_type"], "upload");
    let file = app
        .get(
            &format!("/dataset/budget/resource/{new_id}/download/budget-2026.csv"),
            None,
        )
        .await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, b"year,amount\n2026,100\n");
    app.run_jobs().await;
    let v = app
        .get(
            &format!("/api/3/action/resource_validation_show?id={new_id}"),
            None,
        )
        .await
        .result();
    assert!(v["status"] == "valid" || v["status"] == "invalid", "{v:#}");
    let versions = app
        .get(
            &format!("/api/3/action/resource_version_list?id={new_id}"),
            None,
        )
        .await
        .result();
    assert_eq!(versions.as_array().unwrap().len(), 1);
    let act = app
        .get("/api/3/action/package_activity_list?id=budget", None)
        .await
        .result();
    let fields: Vec<&str> = act[0]["data"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["field"].as_str())
        .collect();
    assert!(fields.contains(&"resources"), "{fields:?}");
}

#[tokio::test]
async fn a_returned_change_of_links_leaves_the_dataset_and_admins_are_not_moderated() {
    let app = TestApp::new().await;
    let editor = moderated(&app).await;
    let old_id = public(&app).await["resources"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Replacing the link of a resource.
    app.post(
        "resource_patch",
        json!({"id": old_id, "url": "http://files.city.test/new.csv"}),
        Some(&editor),
    )
    .await
    .result();
    app.post(
        "resource_create",
        json!({"package_id": "budget", "name": "Карта", "url": "http://files.city.test/map.geojson"}),
        Some(&editor),
    )
    .await
    .result();
    let pub_now = public(&app).await;
    assert_eq!(
        pub_now["resources"][0]["url"],
        "http://files.city.test/old.csv"
    );
    assert_eq!(names(&pub_now), ["Старий звіт"]);
    // A file uploaded in the proposal waits in the blob store...
    let files_before = blob_files(&app);
    app.upload("budget", "draft.csv", b"a,b\n1,2\n", &editor)
        .await
        .result();
    assert_eq!(blob_files(&app), files_before + 1);
    let rev = app
        .post("package_submit", json!({"id": "budget"}), Some(&editor))
        .await
        .result();
    let changed = rev["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "resource" && !c["old"].is_null() && !c["new"].is_null())
        .expect("a replaced link")
        .clone();
    assert!(
        changed["new"].as_str().unwrap().contains("new.csv"),
        "{changed}"
    );
    app.admin(
        "package_review",
        json!({"id": "budget", "decision": "return", "comment": "Карта ще не готова"}),
    )
    .await;
    // ...and is deleted with the returned proposal.
    assert_eq!(blob_files(&app), files_before);
    let pub_now = public(&app).await;
    assert_eq!(
        pub_now["resources"][0]["url"],
        "http://files.city.test/old.csv"
    );
    assert_eq!(names(&pub_now), ["Старий звіт"]);
    // Nothing is open any more; the editor's next change starts afresh.
    let open = app
        .post(
            "package_revision_show",
            json!({"id": "budget"}),
            Some(&editor),
        )
        .await
        .result();
    assert_eq!(open, Value::Null);

    // An admin of the publisher adds a link: public at once.
    app.admin(
        "resource_create",
        json!({"package_id": "budget", "name": "Довідка", "url": "http://files.city.test/about.pdf"}),
    )
    .await;
    assert_eq!(names(&public(&app).await), ["Старий звіт", "Довідка"]);

    // Approval keeps what admins changed meanwhile when the editor's
    // proposal only touched metadata.
    app.post(
        "package_patch",
        json!({"id": "budget", "notes": "Видатки за 2026 рік."}),
        Some(&editor),
    )
    .await
    .result();
    app.admin(
        "resource_create",
        json!({"package_id": "budget", "name": "Додаток", "url": "http://files.city.test/annex.csv"}),
    )
    .await;
    app.post("package_submit", json!({"id": "budget"}), Some(&editor))
        .await
        .result();
    app.admin(
        "package_review",
        json!({"id": "budget", "decision": "approve"}),
    )
    .await;
    let pub_now = public(&app).await;
    assert_eq!(pub_now["notes"], "Видатки за 2026 рік.");
    assert_eq!(names(&pub_now), ["Старий звіт", "Довідка", "Додаток"]);

    // Without moderation, the editor's file is public at once.
    app.admin(
        "organization_moderation_set",
        json!({"id": "city", "moderation": false}),
    )
    .await;
    app.post(
        "resource_create",
        json!({"package_id": "budget", "name": "Нове", "url": "http://files.city.test/x.csv"}),
        Some(&editor),
    )
    .await
    .result();
    assert_eq!(names(&public(&app).await).len(), 4);
}

#[tokio::test]
async fn an_editors_deletion_of_a_published_dataset_waits_for_review() {
    let app = TestApp::new().await;
    let editor = moderated(&app).await;
    let r = app
        .post("package_delete", json!({"id": "budget"}), Some(&editor))
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    // Still public, and the proposal says what it would do.
    assert_eq!(public(&app).await["state"], "active");
    let rev = app
        .post("package_submit", json!({"id": "budget"}), Some(&editor))
        .await
        .result();
    let state = rev["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "state")
        .cloned()
        .expect("a change of state");
    assert_eq!(state["old"], "active");
    assert_eq!(state["new"], "deleted");
    assert_eq!(public(&app).await["state"], "active");

    // Approved: the dataset is gone for the public.
    app.admin(
        "package_review",
        json!({"id": "budget", "decision": "approve"}),
    )
    .await;
    let gone = app.get("/api/3/action/package_show?id=budget", None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
}
