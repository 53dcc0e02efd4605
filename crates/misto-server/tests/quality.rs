//! Quality through the API: validation after upload and link, reports per
//! version, safe fixes creating a new version with the old one still
//! downloadable, structure files, dataset scores and the publisher rating.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

/// A CSV breaking several rules: windows-1251, dotted dates, spaces around
/// values, an empty row, a bad EDRPOU code.
fn bad_csv() -> Vec<u8> {
    let text = "name,edrpou,date,amount\n Школа №1 ,37508596,01.02.2024,10\nЛікарня,37508597,03.04.2024,20\n,,,\nСадок,37508596,05.06.2024,30\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
    bytes.into_owned()
}

async fn dataset(app: &TestApp, name: &str) -> Value {
    app.org("city").await;
    app.admin(
        "package_create",
        json!({
            "name": name,
            "title": "Заклади",
            "owner_org": "city",
            "notes": "Перелік закладів міста з кодами ЄДРПОУ, датами відкриття та обсягами фінансування за рік; оновлюється щокварталу.",
            "tags": ["заклади", "освіта", "фінансування"],
            "maintainer": "Олена Коваль",
            "maintainer_email": "olena@example.org",
            "update_frequency": "once a quarter",
            "purpose_of_collecting_information": "Облік закладів",
            "license_id": "cc-by-4.0",
            "groups": [{"name": "derzhava"}],
        }),
    )
    .await
}

async fn validation(app: &TestApp, rid: &str) -> Value {
    app.admin("resource_validation_show", json!({"id": rid}))
        .await
}

#[tokio::test]
async fn upload_is_validated_in_the_background_and_reported_per_version() {
    let app = TestApp::new().await;
    let d = dataset(&app, "zaklady").await;
    let up = app
        .upload(
            d["id"].as_str().unwrap(),
            "zaklady.csv",
            &bad_csv(),
            &app.admin_token,
        )
        .await;
    assert_eq!(
        up.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&up.body)
    );
    let rid = up.result()["id"].as_str().unwrap().to_string();

    // Queued, not yet run.
    let v = validation(&app, &rid).await;
    assert_eq!(v["status"], "pending", "{v}");
    assert!(v["report"].is_null());

    assert!(app.run_jobs().await >= 1);
    let v = validation(&app, &rid).await;
    assert_eq!(v["status"], "invalid", "{v}");
    let report = &v["report"];
    let rules: Vec<&str> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "utf8_encoding",
        "iso_dates",
        "no_leading_trailing_spaces",
        "no_empty_rows",
        "valid_edrpou",
    ] {
        assert!(rules.contains(&rule), "{rule} missing in {rules:?}");
    }
    let edrpou = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["rule"] == "valid_edrpou")
        .unwrap();
    assert_eq!(edrpou["severity"], "error");
    assert_eq!(edrpou["row"], 3);
    assert_eq!(edrpou["column"], "edrpou");
    assert!(!edrpou["fix_uk"].as_str().unwrap().is_empty());
    assert!(!edrpou["message_en"].as_str().unwrap().is_empty());
    let fixes: Vec<&str> = report["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for f in [
        "reencode_utf8",
        "iso_dates",
        "trim_spaces",
        "drop_empty_rows",
    ] {
        assert!(fixes.contains(&f), "{f} not offered: {fixes:?}");
    }
    assert_eq!(report["openness_stars"], 3);

    // Anonymous readers of a public dataset see the report; a private
    // dataset's resource does not exist for them.
    let anon = app
        .post("resource_validation_show", json!({"id": rid}), None)
        .await;
    assert_eq!(anon.status, StatusCode::OK);
    let missing = app
        .post("resource_validation_show", json!({"id": "nope"}), None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // A structure file was generated from the data.
    let s = app
        .admin("dataset_structure_show", json!({"id": "zaklady"}))
        .await;
    assert_eq!(s["source"], "generated");
    let names: Vec<&str> = s["table_schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["name", "edrpou", "date", "amount"]);
    assert!(
        s["ministry_csv"]
            .as_str()
            .unwrap()
            .starts_with("name,title,description,datatype,required")
    );
}

#[tokio::test]
async fn a_safe_fix_previews_then_creates_a_new_version_keeping_the_old_one() {
    let app = TestApp::new().await;
    let d = dataset(&app, "fixme").await;
    let original = bad_csv();
    let up = app
        .upload(
            d["id"].as_str().unwrap(),
            "fixme.csv",
            &original,
            &app.admin_token,
        )
        .await;
    let rid = up.result()["id"].as_str().unwrap().to_string();
    app.run_jobs().await;

    // Preview: nothing changes yet.
    let p = app
        .admin(
            "resource_fix_preview",
            json!({"id": rid, "fix": "iso_dates"}),
        )
        .await;
    assert_eq!(p["changed_rows"], 3, "{p}");
    let first = &p["preview"][0];
    assert_eq!(first["before"][2], "01.02.2024");
    assert_eq!(first["after"][2], "2024-02-01");
    assert_eq!(
        app.admin("resource_version_list", json!({"id": rid}))
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Others may not fix.
    let stranger = app.user_token("stranger").await;
    let denied = app
        .post(
            "resource_fix_apply",
            json!({"id": rid, "fix": "iso_dates"}),
            Some(&stranger),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let unknown = app
        .post(
            "resource_fix_apply",
            json!({"id": rid, "fix": "make_it_nice"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::CONFLICT);

    // Re-encode, then ISO dates: two new versions.
    let applied = app
        .admin(
            "resource_fix_apply",
            json!({"id": rid, "fix": "reencode_utf8"}),
        )
        .await;
    assert_eq!(applied["version"]["origin"], "fix:reencode_utf8");
    app.admin("resource_fix_apply", json!({"id": rid, "fix": "iso_dates"}))
        .await;
    let versions = app.admin("resource_version_list", json!({"id": rid})).await;
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 3, "{versions:?}");
    assert_eq!(versions[0]["origin"], "fix:iso_dates");
    assert_eq!(versions[2]["origin"], "upload");

    // The current file is fixed; the original is still downloadable.
    let r = app.admin("resource_show", json!({"id": rid})).await;
    let current = app.get(r["url"].as_str().unwrap(), None).await;
    let text = String::from_utf8(current.body).expect("UTF-8 now");
    assert!(text.contains("Школа №1"), "{text}");
    assert!(
        text.contains("2024-02-01") && !text.contains("01.02.2024"),
        "{text}"
    );
    let old_url = versions[2]["url"].as_str().unwrap();
    let old = app.get(old_url, None).await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(old.body, original);
    assert!(
        old.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    // The new version is validated again: no encoding or date problems.
    app.run_jobs().await;
    let v = validation(&app, &rid).await;
    let rules: Vec<&str> = v["report"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rule"].as_str().unwrap())
        .collect();
    assert!(!rules.contains(&"utf8_encoding"), "{rules:?}");
    assert!(!rules.contains(&"iso_dates"), "{rules:?}");
    assert!(rules.contains(&"valid_edrpou"), "{rules:?}");

    // A fix that changes nothing is refused.
    let again = app
        .post(
            "resource_fix_apply",
            json!({"id": rid, "fix": "iso_dates"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn links_get_the_format_check_and_clean_data_pass() {
    let app = TestApp::new().await;
    let d = dataset(&app, "links").await;
    let link = app
        .admin(
            "resource_create",
            json!({"package_id": "links", "url": "https://example.org/report.pdf", "format": "PDF"}),
        )
        .await;
    let good = app
        .upload(
            d["id"].as_str().unwrap(),
            "good.csv",
            "name,amount,date\nА,1,2024-01-01\nБ,2,2024-01-02\n".as_bytes(),
            &app.admin_token,
        )
        .await;
    let good_id = good.result()["id"].as_str().unwrap().to_string();
    app.run_jobs().await;
    let v = validation(&app, link["id"].as_str().unwrap()).await;
    assert_eq!(v["report"]["openness_stars"], 1);
    assert_eq!(
        v["report"]["problems"][0]["rule"],
        "open_machine_readable_format"
    );
    let v = validation(&app, &good_id).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["report"]["errors"], 0);
}

#[tokio::test]
async fn an_edited_structure_file_is_checked_and_downloadable() {
    let app = TestApp::new().await;
    let d = dataset(&app, "struct").await;
    let up = app
        .upload(
            d["id"].as_str().unwrap(),
            "data.csv",
            "name,amount\nА,1\nБ,\n".as_bytes(),
            &app.admin_token,
        )
        .await;
    let rid = up.result()["id"].as_str().unwrap().to_string();
    app.run_jobs().await;
    assert_eq!(validation(&app, &rid).await["status"], "valid");

    // The publisher says amount is required and adds a column.
    let s = app
        .admin(
            "dataset_structure_update",
            json!({"id": "struct", "ministry_csv": "name,title,description,datatype,required\nname,Назва,,string,true\namount,Сума,,integer,true\ncode,Код,,string,false\n"}),
        )
        .await;
    assert_eq!(s["source"], "edited");
    app.run_jobs().await;
    let v = validation(&app, &rid).await;
    assert_eq!(v["status"], "invalid", "{v}");
    assert_eq!(v["report"]["structure_checked"], true);
    let problems = v["report"]["problems"].as_array().unwrap();
    let required = problems
        .iter()
        .find(|p| p["rule"] == "schema_required_empty")
        .expect("required check");
    assert_eq!(
        (required["row"].clone(), required["column"].clone()),
        (json!(3), json!("amount"))
    );
    assert!(
        problems
            .iter()
            .any(|p| p["rule"] == "schema_missing_column" && p["column"] == "code")
    );

    // Downloads in both forms.
    let j = app.get("/dataset/struct/structure.json", None).await;
    assert_eq!(j.status, StatusCode::OK);
    let schema: Value = serde_json::from_slice(&j.body).unwrap();
    assert_eq!(schema["fields"][1]["name"], "amount");
    assert_eq!(schema["fields"][1]["type"], "integer");
    assert_eq!(schema["fields"][1]["constraints"]["required"], true);
    let c = app.get("/dataset/struct/structure.csv", None).await;
    assert_eq!(c.status, StatusCode::OK);
    let csv = String::from_utf8(c.body).unwrap();
    assert!(csv.lines().any(|l| l.starts_with("amount,Сума,")), "{csv}");

    // A broken structure file is refused with a reason.
    let bad = app
        .post(
            "dataset_structure_update",
            json!({"id": "struct", "table_schema": "{not json"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(bad.status, StatusCode::CONFLICT);
    // Without a structure file: 404.
    app.admin(
        "package_create",
        json!({"name": "empty", "title": "Порожній", "owner_org": "city"}),
    )
    .await;
    assert_eq!(
        app.get("/dataset/empty/structure.json", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn scores_and_rating_follow_the_criteria() {
    let app = TestApp::new().await;
    let d = dataset(&app, "good").await;
    app.upload(
        d["id"].as_str().unwrap(),
        "good.csv",
        "name,amount\nА,1\nБ,2\n".as_bytes(),
        &app.admin_token,
    )
    .await;
    app.admin(
        "organization_create",
        json!({"name": "lazy", "title": "Лінивий відділ"}),
    )
    .await;
    app.admin(
        "package_create",
        json!({"name": "poor", "title": "Бідний", "owner_org": "lazy", "license_id": "other-closed"}),
    )
    .await;
    app.run_jobs().await;

    let good = app
        .admin("dataset_quality_show", json!({"id": "good"}))
        .await;
    assert_eq!(good["score"], 100, "{good}");
    assert_eq!(good["meets_recommendations"], true);
    let weights: u64 = good["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["weight"].as_u64().unwrap())
        .sum();
    assert_eq!(weights, 100);

    let poor = app
        .admin("dataset_quality_show", json!({"id": "poor"}))
        .await;
    assert!(poor["score"].as_u64().unwrap() < 30, "{poor}");
    let licence = poor["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "licence")
        .unwrap();
    assert_eq!(licence["points"], 0);
    assert!(!licence["advice_en"].as_str().unwrap().is_empty());

    let rating = app.admin("publisher_rating_list", json!({})).await;
    let pubs = rating["publishers"].as_array().unwrap();
    assert_eq!(pubs[0]["name"], "city");
    assert_eq!(pubs[0]["rank"], 1);
    assert_eq!(pubs[0]["figures"]["average_score"], 100.0);
    assert_eq!(pubs[1]["name"], "lazy");
    assert_eq!(rating["council"]["datasets"], 2);
    assert_eq!(rating["council"]["meeting_share"], 0.5);
    assert_eq!(rating["target_share"], 0.85);
}
