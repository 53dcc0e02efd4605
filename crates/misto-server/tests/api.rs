//! The CKAN API driven in-process through the whole router, on SQLite by
//! default and on PostgreSQL when MISTO_TEST_DATABASE_URL is set.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use misto_actions::PortalConfig;
use serde_json::{Value, json};

fn is_ckan_date(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 26 && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.' && !s.ends_with('Z')
}

#[tokio::test]
async fn dataset_lifecycle_with_upload_and_download() {
    let app = TestApp::new().await;
    app.org("finance").await;
    let created = app
        .admin(
            "package_create",
            json!({
                "name": "budget-2026",
                "title": "Бюджет міста на 2026 рік",
                "notes": "Виконання **бюджету** по місяцях.",
                "owner_org": "finance",
                "tags": [{"name": "бюджет"}, {"name": "видатки"}],
                "groups": [{"name": "finansy"}],
                "update_frequency": "once a month",
                "purpose_of_collecting_information": "Постанова КМУ №835 від 21.10.2015",
                "maintainer": "Іваненко Іван",
                "maintainer_email": "finance@example.org",
                "resolution_835_item": "OMS-01",
                "spatial_katottg": "UA71100000000000000",
                "extras": [{"key": "publisherIdentifier", "value": "37508596"}]
            }),
        )
        .await;
    assert_eq!(created["license_id"], "cc-by-4.0");
    assert_eq!(created["update_frequency"], "once a month");
    assert_eq!(created["language"], "ua");
    assert_eq!(created["tag_string"], "бюджет,видатки");
    assert_eq!(created["organization"]["name"], "finance");
    assert_eq!(created["groups"][0]["name"], "finansy");
    assert_eq!(
        created["extras"],
        json!([{"key": "publisherIdentifier", "value": "37508596"}])
    );
    assert!(
        is_ckan_date(&created["metadata_created"]),
        "{}",
        created["metadata_created"]
    );
    let id = created["id"].as_str().unwrap().to_string();

    let csv = "район,сума\nПодільський,\"1 200,50\"\n".as_bytes();
    let r = app.upload(&id, "бюджет.csv", csv, &app.admin_token).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let res = r.result();
    assert_eq!(res["format"], "CSV");
    assert_eq!(res["url_type"], "upload");
    assert_eq!(res["size"], csv.len());
    let url = res["url"].as_str().unwrap();
    let path = url
        .strip_prefix("http://127.0.0.1:8080")
        .expect("site url prefix");
    assert!(
        path.starts_with(&format!("/dataset/{id}/resource/")),
        "{path}"
    );

    let dl = app.get(path, None).await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.body, csv);
    assert_eq!(dl.headers["content-type"], "text/csv");
    assert!(
        dl.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );

    // show → edit → update keeps the upload; omitting resources removes them (CKAN).
    let mut shown = app
        .get(&format!("/api/3/action/package_show?id={id}"), None)
        .await
        .result();
    shown["title"] = json!("Бюджет міста 2026");
    let updated = app.admin("package_update", shown.clone()).await;
    assert_eq!(updated["resources"][0]["url"], res["url"]);
    assert_eq!(updated["title"], "Бюджет міста 2026");
    assert_eq!(updated["resources"][0]["url_type"], "upload");
    assert_eq!(
        app.get(path, None).await.body,
        csv,
        "the file survives show → update"
    );
    // The same stale dict again: refused, nothing lost silently.
    let stale = app
        .post("package_update", shown, Some(&app.admin_token))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.json()["error"]["metadata_modified"].is_array());

    let patched = app
        .admin("package_patch", json!({"id": id, "notes": "Нове"}))
        .await;
    assert_eq!(patched["notes"], "Нове");
    assert_eq!(patched["num_resources"], 1);

    let activity = app
        .get(
            &format!("/api/3/action/package_activity_list?id={id}"),
            None,
        )
        .await
        .result();
    let kinds: Vec<&str> = activity
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["activity_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.last(), Some(&"new package"));
    assert!(kinds.contains(&"changed package"));

    app.admin("package_delete", json!({"id": id})).await;
    assert_eq!(
        app.get(&format!("/api/3/action/package_show?id={id}"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(path, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_finds_ukrainian_word_forms_and_filters() {
    let app = TestApp::new().await;
    app.org("finance").await;
    app.org("transport").await;
    for (name, title, org, tag) in [
        ("b1", "Виконання бюджету міста", "finance", "фінанси"),
        ("b2", "Бюджетні видатки на освіту", "finance", "освіта"),
        (
            "t1",
            "Маршрути громадського транспорту",
            "transport",
            "транспорт",
        ),
    ] {
        app.admin(
            "package_create",
            json!({"name": name, "title": title, "owner_org": org, "tags": [tag]}),
        )
        .await;
    }
    let r = app
        .get(
            "/api/3/action/package_search?q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82",
            None,
        )
        .await
        .result();
    assert_eq!(r["count"], 2, "{r}");
    let r = app
        .get("/api/3/action/package_search?fq=organization:finance%20OR%20organization:transport&sort=name%20asc&facet.field=%5B%22organization%22%5D", None)
        .await
        .result();
    assert_eq!(r["count"], 3);
    assert_eq!(r["results"][0]["name"], "b1");
    assert_eq!(r["facets"]["organization"]["finance"], 2);
    assert_eq!(
        r["search_facets"]["organization"]["items"][0]["display_name"],
        "Організація finance"
    );
    let r = app
        .get(
            "/api/3/action/package_search?fq=-organization:finance",
            None,
        )
        .await
        .result();
    assert_eq!(r["count"], 1);
    let r = app
        .get("/api/3/action/package_search?fq=metadata_modified:%5B2020-01-01T00:00:00.000000Z%20TO%20*%5D&rows=1&start=2&sort=id%20asc", None)
        .await
        .result();
    assert_eq!(r["count"], 3);
    assert_eq!(r["results"].as_array().unwrap().len(), 1);
    let past_end = app
        .get("/api/3/action/package_search?start=50", None)
        .await
        .result();
    assert_eq!(past_end["results"], json!([]));
    let bad = app.get("/api/3/action/package_search?bogus=1", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"]["__type"], "Search Query Error");
    let bad_rows = app
        .get("/api/3/action/package_search?rows=1001", None)
        .await;
    assert_eq!(bad_rows.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn private_and_draft_datasets_stay_hidden() {
    let app = TestApp::new().await;
    let outsider = app.user_token("outsider").await;
    app.org("health").await;
    app.admin("package_create", json!({"name": "secret", "title": "Секретний", "owner_org": "health", "private": true, "tags": ["таємне"]}))
        .await;
    app.admin(
        "package_create",
        json!({"name": "wip", "title": "Чернетка", "owner_org": "health", "state": "draft"}),
    )
    .await;
    app.admin(
        "package_create",
        json!({"name": "open", "title": "Відкритий", "owner_org": "health"}),
    )
    .await;
    for token in [None, Some(outsider.as_str())] {
        for id in ["secret", "wip"] {
            let r = app
                .get(&format!("/api/3/action/package_show?id={id}"), token)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{id} leaked to {token:?}");
        }
        let s = app
            .get("/api/3/action/package_search?include_private=true&include_drafts=true&facet.field=%5B%22tags%22%5D", token)
            .await
            .result();
        assert_eq!(s["count"], 1, "{s}");
        assert!(s["facets"]["tags"].get("таємне").is_none());
        assert_eq!(
            app.get("/api/3/action/package_list", token).await.result(),
            json!(["open"])
        );
        assert_eq!(
            app.get("/api/3/action/tag_list", token).await.result(),
            json!([])
        );
        let org = app
            .get("/api/3/action/organization_show?id=health", token)
            .await
            .result();
        assert_eq!(org["package_count"], 1);
        let act = app
            .get("/api/3/action/package_activity_list?id=secret", token)
            .await;
        assert_eq!(act.status, StatusCode::NOT_FOUND);
    }
    let s = app
        .get(
            "/api/3/action/package_search?include_private=true&include_drafts=true",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(s["count"], 3);
    let bad = app
        .get("/api/3/action/package_list", Some("not-a-token"))
        .await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    assert_eq!(bad.json()["error"]["__type"], "Authorization Error");
}

#[tokio::test]
async fn errors_follow_ckan_envelope() {
    let app = TestApp::new().await;
    let r = app.get("/api/3/action/no_such_action", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!("Bad request - Action name not known: no_such_action")
    );
    let r = app.get("/api/3/action/package_create?name=x", None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.json().as_str().unwrap().contains("Please use POST"));
    let req = Request::post("/api/3/action/package_create")
        .header("content-type", "application/json")
        .header("Authorization", &app.admin_token)
        .body(Body::from("{not json"))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.json()
            .as_str()
            .unwrap()
            .starts_with("Bad request - JSON Error")
    );
    let r = app.get("/api/3/action/package_show", None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["id"], json!(["Missing value"]));
    let r = app
        .post(
            "package_create",
            json!({"name": "x1", "owner_org": "x"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.org("org1").await;
    let long = "я".repeat(255);
    let r = app
        .post(
            "package_create",
            json!({"name": "x2", "owner_org": "org1", "title": long, "update_frequency": "weekly", "purpose_of_collecting_information": "п".repeat(513)}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let e = r.json()["error"].clone();
    for field in [
        "title",
        "update_frequency",
        "purpose_of_collecting_information",
    ] {
        assert!(e[field].is_array(), "{field} missing in {e}");
    }
    // A publisher that does not exist is said once, by name.
    let r = app
        .post(
            "package_create",
            json!({"name": "x3", "owner_org": "no-such-org"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.json()["error"]["owner_org"],
        json!(["Organization does not exist: no-such-org"])
    );
    assert_eq!(
        app.get("/api/3/action/package_list", None).await.result(),
        json!([]),
        "failed create changed nothing"
    );
    app.admin(
        "package_create",
        json!({"name": "dup", "owner_org": "org1"}),
    )
    .await;
    let r = app
        .post(
            "package_create",
            json!({"name": "dup", "owner_org": "org1"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(
        r.json()["error"]["name"],
        json!(["That URL is already in use."])
    );
    let r = app
        .post(
            "organization_create",
            json!({"name": "bad-edrpou", "edrpou": "12345670"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["error"]["edrpou"].is_array());
    let r = app
        .post("package_show", json!({"id": "dup", "surprise": 1}), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["surprise"], json!(["Unknown parameter"]));
    let groups = app.get("/api/3/action/group_list", None).await.result();
    assert_eq!(groups.as_array().unwrap().len(), 12);
    assert_eq!(app.get("/api/3", None).await.json(), json!({"version": 3}));
}

#[tokio::test]
async fn uploads_over_the_limit_are_refused_and_leave_nothing() {
    let app = TestApp::with_config(PortalConfig {
        max_upload_bytes: 1000,
        ..PortalConfig::default()
    })
    .await;
    app.org("org").await;
    let d = app
        .admin("package_create", json!({"name": "big", "owner_org": "org"}))
        .await;
    let r = app
        .upload(
            d["id"].as_str().unwrap(),
            "big.csv",
            &vec![b'x'; 5000],
            &app.admin_token,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert!(
        r.json()["error"]["upload"][0]
            .as_str()
            .unwrap()
            .contains("limit")
    );
    let shown = app
        .get("/api/3/action/package_show?id=big", None)
        .await
        .result();
    assert_eq!(shown["num_resources"], 0);
    // An uploaded page is served as an inert attachment.
    let r = app
        .upload(
            d["id"].as_str().unwrap(),
            "x.html",
            b"<script>alert(1)</script>",
            &app.admin_token,
        )
        .await;
    let url = r.result()["url"]
        .as_str()
        .unwrap()
        .replace("http://127.0.0.1:8080", "");
    let dl = app.get(&url, None).await;
    assert_eq!(dl.headers["content-type"], "application/octet-stream");
    assert!(
        dl.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
}

#[tokio::test]
async fn tokens_members_and_roles() {
    let app = TestApp::new().await;
    let editor = app.user_token("editor").await;
    app.org("org").await;
    let r = app
        .post(
            "package_create",
            json!({"name": "e1", "owner_org": "org"}),
            Some(&editor),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.admin(
        "organization_member_create",
        json!({"id": "org", "username": "editor", "role": "editor"}),
    )
    .await;
    let r = app
        .post(
            "package_create",
            json!({"name": "e1", "owner_org": "org"}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let r = app
        .post(
            "organization_update",
            json!({"id": "org", "title": "X"}),
            Some(&editor),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "editors do not manage the publisher"
    );
    let t = app
        .post(
            "api_token_create",
            json!({"user": "editor", "name": "ci"}),
            Some(&editor),
        )
        .await
        .result();
    let second = t["token"].as_str().unwrap().to_string();
    assert_eq!(
        app.get("/api/3/action/user_show?id=editor", Some(&second))
            .await
            .result()["email"],
        "editor@example.org"
    );
    app.post("api_token_revoke", json!({"token": second}), Some(&editor))
        .await
        .result();
    assert_eq!(
        app.get("/api/3/action/package_list", Some(&second))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Others do not see e-mail addresses.
    let shown = app
        .get("/api/3/action/user_show?id=editor", None)
        .await
        .result();
    assert!(shown.get("email").is_none());
}

#[tokio::test]
async fn overdue_list_and_compliance() {
    let app = TestApp::new().await;
    app.org("roads").await;
    let days_ago =
        |d: i64| misto_core::time::ckan_format(&(misto_core::time::now() - chrono_days(d)));
    for (name, freq, updated, item, private) in [
        ("late", "once a month", days_ago(60), "OMS-01", false),
        ("soon", "once a month", days_ago(29), "OMS-02", false),
        ("fresh", "once a year", days_ago(10), "OMS-03", false),
        ("hidden-late", "once a month", days_ago(90), "OMS-04", true),
    ] {
        app.admin(
            "package_create",
            json!({"name": name, "owner_org": "roads", "update_frequency": freq, "data_updated": updated,
                   "resolution_835_item": item, "private": private}),
        )
        .await;
    }
    let r = app
        .get("/api/3/action/dataset_overdue_list?horizon_days=30", None)
        .await
        .result();
    let got: Vec<(String, String)> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("late".to_string(), "overdue".to_string()),
            ("soon".to_string(), "due_soon".to_string())
        ]
    );
    let r = app
        .get(
            "/api/3/action/dataset_overdue_list?organization=roads&horizon_days=0",
            Some(&app.admin_token),
        )
        .await
        .result();
    let names: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["hidden-late", "late"],
        "members see their private overdue datasets"
    );

    let c = app
        .get("/api/3/action/compliance_show", None)
        .await
        .result();
    assert_eq!(c["total"], 73);
    let status = |id: &str| {
        c["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("OMS-01"), "overdue");
    assert_eq!(status("OMS-02"), "fulfilled");
    assert_eq!(status("OMS-03"), "fulfilled");
    assert_eq!(
        status("OMS-04"),
        "missing",
        "a private dataset does not fulfil a publication duty"
    );
    assert_eq!(c["fulfilled"], 2);
    assert_eq!(c["publishers"][0]["name"], "roads");
    assert_eq!(c["publishers"][0]["fulfilled"], 2);
    let bad = app
        .post(
            "package_create",
            json!({"name": "x9", "owner_org": "roads", "resolution_835_item": "OMS-99"}),
            Some(&app.admin_token),
        )
        .await;
    assert!(bad.json()["error"]["resolution_835_item"].is_array());
}

fn chrono_days(d: i64) -> misto_core::time::Duration {
    misto_core::time::Duration::days(d)
}

#[tokio::test]
async fn dataset_register_with_audit_entries_and_downloads() {
    let app = TestApp::new().await;
    let outsider = app.user_token("outsider").await;
    app.org("edu").await;
    app.admin(
        "package_create",
        json!({"name": "schools", "title": "Заклади освіти", "owner_org": "edu", "update_frequency": "once a year",
               "tags": ["освіта"], "maintainer": "Петренко", "maintainer_email": "edu@example.org"}),
    )
    .await;
    app.admin(
        "package_create",
        json!({"name": "secret-list", "owner_org": "edu", "private": true}),
    )
    .await;
    let planned = json!({"organization": "edu", "title": "Черга в дитсадки", "location": "ІС «Електронна черга»",
                         "format": "XLSX", "status": "planned", "target_date": "2027-03-01", "update_frequency": "once a month"});
    let e = app.admin("register_entry_create", planned.clone()).await;
    assert_eq!(e["status"], "planned");
    let r = app
        .post("register_entry_create", planned, Some(&outsider))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "register_entry_create",
            json!({"organization": "edu", "title": "Медичні картки", "status": "not_to_publish"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["error"]["reason"].is_array());

    let rows = app
        .get("/api/3/action/register_list?organization=edu", None)
        .await
        .result();
    let titles: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        vec!["Заклади освіти", "Черга в дитсадки"],
        "private datasets are not in the public register"
    );
    assert_eq!(rows[0]["accrualPeriodicity"], "Щороку");
    assert_eq!(rows[0]["publisherIdentifier"], "37508596");
    assert_eq!(rows[0]["contactPointHasEmail"], "edu@example.org");
    assert_eq!(rows[1]["status"], "planned");
    assert_eq!(rows[1]["targetDate"], "2027-03-01");

    let csv = app.get("/register.csv?organization=edu", None).await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = String::from_utf8(csv.body).unwrap();
    assert!(text.starts_with(
        "identifier,title,description,accrualPeriodicity,keyword,purpose,landingPage,distributionFormat,publisherName,publisherIdentifier,contactPointFn,contactPointHasEmail,"
    ));
    assert_eq!(text.lines().count(), 3);
    let xlsx = app.get("/register.xlsx", None).await;
    assert!(xlsx.body.starts_with(b"PK"));
    let json_dl = app.get("/register.json", None).await;
    assert_eq!(
        serde_json::from_slice::<Value>(&json_dl.body)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        app.get("/register.csv?organization=nope", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pages_link_feeds_that_answer() {
    let app = TestApp::new().await;
    app.org("parks").await;
    app.admin(
        "package_create",
        json!({"name": "trees", "title": "Дерева", "owner_org": "parks"}),
    )
    .await;
    for (page, feed) in [
        ("/", "/feeds/dataset.atom"),
        ("/organization/parks", "/feeds/organization/parks.atom"),
    ] {
        let html = String::from_utf8(app.get(page, None).await.body).unwrap();
        let link = "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Нові та оновлені набори даних\" href=\"/feeds/dataset.atom\">";
        assert!(html.contains(link), "{page} lacks the portal feed");
        assert!(
            html.contains(&format!("href=\"{feed}\"")),
            "{page} lacks {feed}"
        );
        let f = app.get(feed, None).await;
        assert_eq!(f.status, StatusCode::OK, "{feed}");
        assert!(String::from_utf8(f.body).unwrap().contains("Дерева"));
    }
    let ttl = app.get("/dataset/trees.ttl", None).await;
    assert_eq!(ttl.status, StatusCode::OK);
    assert!(
        ttl.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/turtle")
    );
}

#[tokio::test]
async fn feedback_and_dataset_requests() {
    let app = TestApp::new().await;
    let outsider = app.user_token("outsider").await;
    app.org("water").await;
    app.admin(
        "package_create",
        json!({"name": "meters", "title": "Лічильники", "owner_org": "water"}),
    )
    .await;

    // An anonymous visitor's feedback waits for moderation; the public does not see it yet.
    let visitor = json!({"package_id": "meters", "kind": "data_error", "message": "У рядку 5 неправильна адреса",
                         "author_name": "Оксана", "author_email": "oksana@example.org"});
    let f = app
        .post("feedback_create", visitor.clone(), None)
        .await
        .result();
    assert!(
        f.get("author_email").is_none(),
        "e-mail addresses are never public"
    );
    assert_eq!(
        app.get("/api/3/action/feedback_list?package_id=meters", None)
            .await
            .result(),
        json!([])
    );
    let insider = app
        .get(
            "/api/3/action/feedback_list?package_id=meters",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(insider[0]["moderation"], "pending");
    assert_eq!(insider[0]["author_email"], "oksana@example.org");
    // The publisher answers; the answer approves it and the public sees status and answer.
    let id = f["id"].as_str().unwrap();
    let r = app
        .post(
            "feedback_update",
            json!({"id": id, "answer": "Виправимо"}),
            Some(&outsider),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.admin(
        "feedback_update",
        json!({"id": id, "answer": "Виправимо до п'ятниці", "status": "in_progress"}),
    )
    .await;
    let public = app
        .get("/api/3/action/feedback_list?package_id=meters", None)
        .await
        .result();
    assert_eq!(public[0]["status"], "in_progress");
    assert_eq!(public[0]["answer"], "Виправимо до п'ятниці");
    // Honeypot: accepted silently, never shown; bad input names the field.
    let mut bot = visitor.clone();
    bot["website"] = json!("http://spam.example");
    app.post("feedback_create", bot, None).await.result();
    assert_eq!(
        app.get("/api/3/action/feedback_list?package_id=meters", None)
            .await
            .result()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let bad = app
        .post(
            "feedback_create",
            json!({"package_id": "meters", "message": "x"}),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::CONFLICT);
    let e = bad.json()["error"].clone();
    assert!(
        e["message"].is_array() && e["author_email"].is_array(),
        "{e}"
    );
    // Rate limit per sender.
    let mut limited = 0;
    for _ in 0..6 {
        if app
            .post("feedback_create", visitor.clone(), None)
            .await
            .status
            == StatusCode::TOO_MANY_REQUESTS
        {
            limited += 1;
        }
    }
    assert!(
        limited >= 1,
        "six more submissions within an hour hit the limit"
    );

    // Requests: submitted, approved by the coordinator, voted once per voter, listed by votes.
    let req = app
        .post(
            "dataset_request_create",
            json!({"title": "Графік вивезення сміття", "organization": "water",
               "author_name": "Іван", "author_email": "ivan@example.org"}),
            None,
        )
        .await
        .result();
    let rid = req["id"].as_str().unwrap();
    assert_eq!(
        app.get("/api/3/action/dataset_request_list", None)
            .await
            .result(),
        json!([])
    );
    app.admin(
        "dataset_request_update",
        json!({"id": rid, "status": "under_review"}),
    )
    .await;
    let v1 = app
        .post(
            "dataset_request_vote",
            json!({"id": rid, "voter": "browser-key-1"}),
            None,
        )
        .await
        .result();
    let v2 = app
        .post(
            "dataset_request_vote",
            json!({"id": rid, "voter": "browser-key-1"}),
            None,
        )
        .await
        .result();
    let v3 = app
        .post("dataset_request_vote", json!({"id": rid}), Some(&outsider))
        .await
        .result();
    assert_eq!(
        (
            v1["counted"].clone(),
            v2["counted"].clone(),
            v3["votes"].clone()
        ),
        (json!(true), json!(false), json!(2))
    );
    let r = app
        .post(
            "dataset_request_update",
            json!({"id": rid, "status": "rejected"}),
            Some(&app.admin_token),
        )
        .await;
    assert!(r.json()["error"]["reason"].is_array());
    let r = app
        .post(
            "dataset_request_update",
            json!({"id": rid, "status": "planned"}),
            Some(&outsider),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.admin(
        "dataset_request_update",
        json!({"id": rid, "status": "published", "package_id": "meters"}),
    )
    .await;
    let list = app
        .get("/api/3/action/dataset_request_list", None)
        .await
        .result();
    assert_eq!(list[0]["status"], "published");
    assert_eq!(list[0]["package_name"], "meters");
    assert_eq!(list[0]["votes"], 2);
    assert!(list[0].get("author_email").is_none());
}

#[tokio::test]
async fn signed_in_members_download_private_files() {
    let app = TestApp::new().await;
    let member_token = app.user_token("member").await;
    app.org("hr").await;
    app.admin(
        "organization_member_create",
        json!({"id": "hr", "username": "member", "role": "member"}),
    )
    .await;
    let d = app
        .admin(
            "package_create",
            json!({"name": "staff", "owner_org": "hr", "private": true}),
        )
        .await;
    let res = app
        .upload(
            d["id"].as_str().unwrap(),
            "staff.csv",
            b"a,b\n1,2\n",
            &app.admin_token,
        )
        .await
        .result();
    let path = res["url"]
        .as_str()
        .unwrap()
        .replace("http://127.0.0.1:8080", "");
    assert_eq!(
        app.get(&path, None).await.status,
        StatusCode::NOT_FOUND,
        "anonymous"
    );
    assert_eq!(
        app.get(&path, Some(&member_token)).await.status,
        StatusCode::OK,
        "API token"
    );
    let user = app
        .portal
        .store()
        .find_user("member")
        .await
        .unwrap()
        .unwrap();
    let cookie = misto_web::session::issue(&app.portal, &user).await.unwrap();
    let req = Request::get(&path)
        .header(
            "cookie",
            format!("{}={cookie}", misto_web::session::SESSION_COOKIE),
        )
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "browser session");
    assert_eq!(r.body, b"a,b\n1,2\n");
    let forged = Request::get(&path)
        .header(
            "cookie",
            format!("{}={cookie}x", misto_web::session::SESSION_COOKIE),
        )
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        app.send(forged).await.status,
        StatusCode::NOT_FOUND,
        "tampered cookie is anonymous"
    );
}

#[tokio::test]
async fn config_options_are_for_sysadmins_and_change_the_site() {
    let app = TestApp::new().await;
    let user = app.user_token("olena").await;
    let r = app
        .post(
            "config_option_update",
            json!({"ckan.site_title": "X"}),
            Some(&user),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["error"]["__type"], "Authorization Error");
    let keys = app.admin("config_option_list", json!({})).await;
    assert!(keys.as_array().unwrap().contains(&json!("ckan.site_title")));
    let updated = app
        .admin(
            "config_option_update",
            json!({"ckan.site_title": "Відкритий Житомир", "misto.primary_color": "#7a1f5c"}),
        )
        .await;
    assert_eq!(
        updated,
        json!({"ckan.site_title": "Відкритий Житомир", "misto.primary_color": "#7a1f5c"})
    );
    let shown = app
        .admin("config_option_show", json!({"key": "ckan.site_title"}))
        .await;
    assert_eq!(shown, json!("Відкритий Житомир"));
    let status = app.get("/api/3/action/status_show", None).await.result();
    assert_eq!(status["site_title"], "Відкритий Житомир");
    let r = app
        .post(
            "config_option_update",
            json!({"misto.primary_color": "#ffff00"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.json()["error"]["primary_color"].is_array(),
        "{}",
        r.json()
    );
    let r = app
        .post(
            "config_option_update",
            json!({"ckan.root_path": "/x"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}
