//! The register and Resolution 835 compliance through the API and the
//! downloads: importing a new 835 list (errors name the line and column;
//! the stored list replaces the built-in one everywhere, and a reset brings
//! it back), publishing the register as a dataset whose resources are the
//! live downloads, and the compliance exports.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Resp, TestApp};
use serde_json::{Value, json};

const REFERENCE: &[u8] = include_bytes!("../../../tests/fixtures/resolution-835-datasets.csv");

async fn import_multipart(app: &TestApp, csv: &[u8], token: &str) -> Resp {
    let boundary = "XmistoBOUNDARY";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"835.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(csv);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/api/3/action/resolution835_import")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("Authorization", token)
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

fn item_status(c: &Value, id: &str) -> Option<String> {
    c["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .map(|i| i["status"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_new_resolution_835_list_replaces_the_built_in_one() {
    let app = TestApp::new().await;
    let outsider = app.user_token("outsider").await;
    app.org("city").await;

    let l = app
        .get("/api/3/action/resolution835_list", None)
        .await
        .result();
    assert_eq!(l["source"], "built-in");
    assert_eq!(l["count"], 73);

    // The reference list plus one new item, uploaded as a file.
    let mut csv = REFERENCE.to_vec();
    csv.extend_from_slice(
        "OMS-58,Дані про укриття в закладах освіти,Shelters in schools,oms/safety,once a quarter\n"
            .as_bytes(),
    );
    let r = import_multipart(&app, &csv, &outsider).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only sysadmins import");
    let r = import_multipart(&app, &csv, &app.admin_token).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let l = r.result();
    assert_eq!(l["source"], "imported");
    assert_eq!(l["count"], 74);
    assert_eq!(l["items"][73]["id"], "OMS-58");
    assert_eq!(l["items"][73]["update_frequency"], "once a quarter");

    // The stored list is the one every action uses: a dataset may now
    // name the new item, and compliance counts it.
    app.admin(
        "package_create",
        json!({"name": "shelters", "owner_org": "city", "resolution_835_item": "OMS-58",
               "update_frequency": "once a quarter"}),
    )
    .await;
    let c = app
        .get("/api/3/action/compliance_show", None)
        .await
        .result();
    assert_eq!(c["total"], 74);
    assert_eq!(c["list"], "imported");
    assert_eq!(item_status(&c, "OMS-58").as_deref(), Some("fulfilled"));
    assert_eq!(c["fulfilled"], 1);

    // A broken list changes nothing, and every problem names its line and column.
    let bad = "number,name_uk,name_en,category,update_frequency\n\
               A-1,Перше,,,\n\
               A-1,Друге,,,\n\
               A-3,,,,\n\
               A-4,Четверте,,,sometimes\n";
    let r = app
        .post(
            "resolution835_import",
            json!({"csv": bad}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let err = r.json()["error"].clone();
    assert_eq!(err["__type"], "Validation Error");
    let msgs: Vec<String> = err["upload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        msgs,
        vec![
            "Line 3, column number: \"A-1\" is listed twice",
            "Line 4, column name_uk: missing value",
            "Line 5, column update_frequency: \"sometimes\" is not a value of the national vocabulary",
        ]
    );
    let r = app
        .post(
            "resolution835_import",
            json!({"csv": "id,title\nX,Y\n"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json()["error"]["upload"][0]
            .as_str()
            .unwrap()
            .contains("number, name_uk")
    );
    let l = app
        .get("/api/3/action/resolution835_list", None)
        .await
        .result();
    assert_eq!(l["count"], 74, "a refused import leaves the list as it was");

    // A smaller list through the `csv` text parameter.
    let r = app
        .post(
            "resolution835_import",
            json!({"csv": "number,name_uk,name_en\nX-1,Перший пункт,First item\nX-2,Другий пункт,\n"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let c = app
        .get("/api/3/action/compliance_show", None)
        .await
        .result();
    assert_eq!(c["total"], 2);
    assert_eq!(item_status(&c, "X-1").as_deref(), Some("missing"));
    assert_eq!(item_status(&c, "OMS-58"), None);
    let r = app
        .post(
            "package_create",
            json!({"name": "old-item", "owner_org": "city", "resolution_835_item": "OMS-01"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "OMS-01 is not on the list in force"
    );
    assert!(r.json()["error"]["resolution_835_item"].is_array());

    // Back to the built-in list.
    let r = app
        .post(
            "resolution835_import",
            json!({"reset": true}),
            Some(&outsider),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let l = app
        .admin("resolution835_import", json!({"reset": true}))
        .await;
    assert_eq!(l["source"], "built-in");
    assert_eq!(l["count"], 73);
    let c = app
        .get("/api/3/action/compliance_show", None)
        .await
        .result();
    assert_eq!(c["total"], 73);
    assert_eq!(c["list"], "built-in");
}

#[tokio::test]
async fn the_register_is_published_as_a_dataset_of_live_downloads() {
    let app = TestApp::new().await;
    let outsider = app.user_token("outsider").await;
    app.org("council").await;
    app.org("edu").await;
    app.admin(
        "package_create",
        json!({"name": "schools", "title": "Заклади освіти", "owner_org": "edu",
               "update_frequency": "once a year", "resolution_835_item": "OMS-26"}),
    )
    .await;
    app.admin(
        "register_entry_create",
        json!({"organization": "edu", "title": "Черга в дитсадки", "location": "ІС «Електронна черга»",
               "format": "XLSX", "status": "planned", "target_date": "2027-03-01"}),
    )
    .await;

    let r = app
        .post(
            "register_publish",
            json!({"organization": "council"}),
            Some(&outsider),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post("register_publish", json!({}), Some(&app.admin_token))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "the first publication names a publisher"
    );
    assert!(r.json()["error"]["organization"].is_array());

    let d = app
        .admin("register_publish", json!({"organization": "council"}))
        .await;
    assert_eq!(d["name"], "reiestr-naboriv-danykh");
    assert_eq!(d["organization"]["name"], "council");
    assert_eq!(d["resolution_835_item"], "ALL-06");
    assert_eq!(d["update_frequency"], "immediately after making changes");
    let resources = d["resources"].as_array().unwrap();
    let formats: Vec<&str> = resources
        .iter()
        .map(|r| r["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, vec!["CSV", "JSON", "XLSX"]);
    let site = app.portal.config().site_url.clone();
    for (r, ext) in resources.iter().zip(["csv", "json", "xlsx"]) {
        let url = r["url"].as_str().unwrap();
        assert_eq!(url, format!("{site}/register.{ext}"));
        let got = app.get(url.strip_prefix(&site).unwrap(), None).await;
        assert_eq!(got.status, StatusCode::OK, "{url}");
    }

    // The linked file is the live register: a new entry shows at once.
    app.admin(
        "register_entry_create",
        json!({"organization": "edu", "title": "Медичні картки", "status": "not_to_publish",
               "reason": "Інформація з обмеженим доступом"}),
    )
    .await;
    let csv = app.get("/register.csv", None).await;
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.contains("Медичні картки"), "{text}");
    assert!(
        text.contains("Реєстр наборів даних"),
        "the register's own dataset is in the register"
    );

    // Publishing again updates the same dataset, keeping a resource a
    // publisher added; moving it to another publisher is explicit.
    app.admin(
        "resource_create",
        json!({"package_id": d["id"], "url": "https://example.org/methodology.pdf", "format": "PDF",
               "name": "Методика"}),
    )
    .await;
    let again = app.admin("register_publish", json!({})).await;
    assert_eq!(again["id"], d["id"]);
    assert_eq!(again["organization"]["name"], "council");
    assert_eq!(again["resources"].as_array().unwrap().len(), 4);
    let ids = |v: &Value| -> Vec<String> {
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&again),
        ids(&d),
        "the download resources keep their ids"
    );
    let moved = app
        .admin("register_publish", json!({"organization": "edu"}))
        .await;
    assert_eq!(moved["id"], d["id"]);
    assert_eq!(moved["organization"]["name"], "edu");
    let list = app.get("/api/3/action/package_list", None).await.result();
    let registers = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n.as_str().unwrap().starts_with("reiestr"))
        .count();
    assert_eq!(registers, 1, "never a second register dataset");

    // It fulfils the register item of the list.
    let c = app
        .get("/api/3/action/compliance_show", None)
        .await
        .result();
    assert_eq!(item_status(&c, "ALL-06").as_deref(), Some("fulfilled"));
}

#[tokio::test]
async fn compliance_exports_list_every_item_with_its_datasets() {
    let app = TestApp::new().await;
    app.org("roads").await;
    app.org("parks").await;
    let old = misto_core::time::ckan_format(
        &(misto_core::time::now() - misto_core::time::Duration::days(90)),
    );
    app.admin(
        "package_create",
        json!({"name": "stops", "owner_org": "roads", "resolution_835_item": "OMS-10",
               "update_frequency": "once a year"}),
    )
    .await;
    app.admin(
        "package_create",
        json!({"name": "timetable", "owner_org": "roads", "resolution_835_item": "OMS-39",
               "update_frequency": "once a month", "data_updated": old}),
    )
    .await;
    app.admin(
        "package_create",
        json!({"name": "playgrounds", "owner_org": "parks", "resolution_835_item": "OMS-51",
               "update_frequency": "once a year"}),
    )
    .await;

    let csv = app.get("/compliance.csv", None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("compliance.csv")
    );
    let text = String::from_utf8(csv.body).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "item,name_uk,name_en,category,status,datasets,dataset_urls,overdue_datasets,publishers"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 73);
    let row = |id: &str| {
        *rows
            .iter()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap()
    };
    assert!(
        row("OMS-10").contains(",fulfilled,stops,"),
        "{}",
        row("OMS-10")
    );
    assert!(
        row("OMS-39").contains(",overdue,timetable,"),
        "{}",
        row("OMS-39")
    );
    assert!(row("OMS-39").contains(",timetable,Організація roads"));
    assert!(row("OMS-01").contains(",missing,,,,"), "{}", row("OMS-01"));

    // One publisher's: the other's datasets do not count.
    let csv = app.get("/compliance.csv?organization=roads", None).await;
    let text = String::from_utf8(csv.body).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("OMS-51,") && l.contains(",missing,"))
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("OMS-10,") && l.contains(",fulfilled,"))
    );

    let xlsx = app.get("/compliance.xlsx?publisher=parks", None).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK"));
    assert!(
        xlsx.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("compliance-parks.xlsx")
    );
    assert_eq!(
        app.get("/compliance.xlsx?organization=nope", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}
