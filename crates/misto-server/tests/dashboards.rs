//! Dashboards through the CKAN API and the pages, on SQLite and
//! PostgreSQL: `dashboard_create`, `dashboard_update`, `dashboard_delete`,
//! `dashboard_show` and `dashboard_list` with CKAN's envelope and errors;
//! who may make and change which dashboard; private dashboards exist only
//! for their owners; and a chart whose resource turns private or is deleted
//! shows nothing of its data, through the API or the page.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

/// District and pupils: sums 145, 155 and 165 per district.
fn schools_csv() -> Vec<u8> {
    let districts = ["Шевченківський", "Подільський", "Оболонський"];
    let mut csv = String::from("назва,район,учнів\n");
    for i in 1..=30 {
        csv.push_str(&format!("Школа №{i},{},{i}\n", districts[(i - 1) % 3]));
    }
    csv.into_bytes()
}

/// A dataset of `org` with the schools file loaded into the datastore.
async fn schools(app: &TestApp, name: &str, org: &str) -> String {
    let d = app
        .admin(
            "package_create",
            json!({"name": name, "title": format!("Школи {name}"), "owner_org": org}),
        )
        .await;
    let r = app
        .upload(
            d["id"].as_str().unwrap(),
            "schools.csv",
            &schools_csv(),
            &app.admin_token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.run_jobs().await;
    r.result()["id"].as_str().unwrap().to_string()
}

fn chart(rid: &str) -> Value {
    json!({"type": "chart", "resource_id": rid, "chart": "bar", "x": "район",
           "agg": "sum", "y": "учнів", "title": "Учні за районами", "title_en": "Pupils"})
}

fn error_of(r: &common::Resp) -> Value {
    let v = r.json();
    assert_eq!(v["success"], json!(false), "{v}");
    v["error"].clone()
}

#[tokio::test]
async fn dashboards_through_the_api_with_rights_and_privacy() {
    let app = TestApp::new().await;
    app.org("city").await;
    app.admin(
        "organization_create",
        json!({"name": "water", "title": "Водоканал", "edrpou": "03327664"}),
    )
    .await;
    let rid = schools(&app, "schools", "city").await;
    let wadmin = app.user_token("wadmin").await;
    let reader = app.user_token("reader").await;
    app.admin(
        "organization_member_create",
        json!({"id": "water", "username": "wadmin", "role": "admin"}),
    )
    .await;

    // A coordinator's public dashboard of the whole portal.
    let created = app
        .admin(
            "dashboard_create",
            json!({
                "name": "osvita", "title": "Освіта в цифрах", "title_en": "Education",
                "public": true,
                "tiles": [
                    {"type": "figure", "figure": "datasets"},
                    chart(&rid),
                    {"type": "chart", "resource_id": rid, "chart": "pie", "x": "назва",
                     "agg": "count", "filters": {"район": "Подільський"}}
                ]
            }),
        )
        .await;
    assert_eq!(created["num_tiles"], json!(3));
    assert_eq!(created["owner_org"], Value::Null);
    assert_eq!(
        created["tiles"][2]["filters"],
        json!({"район": "Подільський"})
    );
    assert_eq!(created["tiles"][1]["y"], json!("учнів"));
    let ids: Vec<String> = created["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.iter().all(|i| !i.is_empty()));
    assert!(
        created["url"]
            .as_str()
            .unwrap()
            .ends_with("/dashboard/osvita")
    );

    // Bad tiles and names, each refused with CKAN's validation error.
    for (body, field, needle) in [
        (
            json!({"name": "bad1", "title": "Погана", "tiles": [
                {"type": "chart", "resource_id": rid, "chart": "bar", "x": "немає", "agg": "count"}]}),
            "tiles",
            "Tile 1",
        ),
        (
            json!({"name": "bad2", "title": "Погана", "tiles": [
                {"type": "chart", "resource_id": rid, "chart": "bar", "x": "район", "agg": "sum", "y": "назва"}]}),
            "tiles",
            "not a number",
        ),
        (
            json!({"name": "bad3", "title": "Погана", "tiles": [
                {"type": "chart", "resource_id": rid, "chart": "bar", "x": "район", "agg": "count",
                 "filters": {"учнів": "багато"}}]}),
            "tiles",
            "Tile 1",
        ),
        (
            json!({"name": "bad4", "title": "Погана", "tiles": [{"type": "figure", "figure": "weather"}]}),
            "tiles",
            "figure must be one of",
        ),
        (
            json!({"name": "bad5", "title": "Погана", "tiles": [
                {"type": "chart", "resource_id": "no-such", "chart": "bar", "x": "район", "agg": "count"}]}),
            "tiles",
            "not found",
        ),
        (
            json!({"name": "osvita", "title": "Дубль"}),
            "name",
            "already in use",
        ),
        (
            json!({"name": "news", "title": "Зайнята адреса"}),
            "name",
            "already in use",
        ),
        (json!({"name": "bad6", "title": "ab"}), "title", "3 to 200"),
    ] {
        let r = app
            .post("dashboard_create", body.clone(), Some(&app.admin_token))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{body}");
        let e = error_of(&r);
        assert_eq!(e["__type"], json!("Validation Error"), "{e}");
        assert!(e[field].to_string().contains(needle), "{body}: {e}");
    }

    // Everyone reads a public dashboard; anonymous callers may not write.
    let list = app.get("/api/3/action/dashboard_list", None).await;
    assert_eq!(list.result(), json!(["osvita"]));
    let shown = app
        .get("/api/3/action/dashboard_show?id=osvita", None)
        .await
        .result();
    assert_eq!(shown["tiles"][1]["available"], json!(true));
    assert_eq!(shown["tiles"][0].get("available"), None);
    let r = app
        .post("dashboard_create", json!({"title": "Анонім"}), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .get("/api/3/action/dashboard_delete?id=osvita", None)
        .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "write actions refuse GET"
    );

    // A private dashboard exists only for those who may change it.
    app.admin(
        "dashboard_create",
        json!({"name": "chernetka", "title": "Чернетка", "public": false}),
    )
    .await;
    let all = app
        .post(
            "dashboard_list",
            json!({"all_fields": true}),
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/api/3/action/dashboard_list", Some(&reader))
            .await
            .result(),
        json!(["osvita"])
    );
    let r = app
        .get("/api/3/action/dashboard_show?id=chernetka", Some(&reader))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/dashboard/chernetka", None).await.status,
        StatusCode::NOT_FOUND
    );

    // Publisher admins: their own publisher's dashboards only.
    let r = app
        .post("dashboard_create", json!({"title": "Вода"}), Some(&wadmin))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no portal-wide dashboards");
    let r = app
        .post(
            "dashboard_create",
            json!({"title": "Школи", "owner_org": "city"}),
            Some(&wadmin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not their publisher");
    let r = app
        .post(
            "dashboard_create",
            json!({"title": "Вода", "name": "voda", "owner_org": "water", "tiles": [chart(&rid)]}),
            Some(&wadmin),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(error_of(&r)["tiles"].to_string().contains("own datasets"));
    let r = app
        .post(
            "dashboard_create",
            json!({"title": "Вода", "name": "voda", "owner_org": "water",
                   "tiles": [{"type": "figure", "figure": "overdue_share"}]}),
            Some(&wadmin),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    assert_eq!(r.result()["organization"]["name"], json!("water"));
    let r = app
        .post(
            "dashboard_update",
            json!({"id": "voda", "title": "Вода міста", "owner_org": "water", "public": true}),
            Some(&wadmin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.result()["num_tiles"],
        json!(0),
        "update replaces the whole dashboard"
    );
    let r = app
        .post(
            "dashboard_update",
            json!({"id": "osvita", "title": "Захоплення"}),
            Some(&wadmin),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post("dashboard_delete", json!({"id": "voda"}), Some(&reader))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The coordinator reorders with dashboard_update (tile ids kept).
    let mut full = app
        .post(
            "dashboard_show",
            json!({"id": "osvita"}),
            Some(&app.admin_token),
        )
        .await
        .result();
    let tiles = full["tiles"].as_array_mut().unwrap();
    tiles.reverse();
    let updated = app.admin("dashboard_update", full.clone()).await;
    let after: Vec<&str> = updated["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        after,
        vec![ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]
    );

    // The page shows the sums.
    let page = app.get("/dashboard/osvita", None).await;
    let html = String::from_utf8_lossy(&page.body).into_owned();
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        html.contains("<td>Оболонський</td><td class=\"num\">165</td>"),
        "{html}"
    );

    // The dataset turns private: the public sees that the data are not
    // available, and nothing of them; the coordinator still sees them.
    app.admin("package_patch", json!({"id": "schools", "private": true}))
        .await;
    let shown = app
        .get("/api/3/action/dashboard_show?id=osvita", None)
        .await
        .result();
    for t in [&shown["tiles"][0], &shown["tiles"][1]] {
        assert_eq!(t["available"], json!(false), "{t}");
        assert_eq!(t["resource_id"], Value::Null);
        assert_eq!(t["filters"], json!({}));
    }
    let html = String::from_utf8_lossy(&app.get("/dashboard/osvita", None).await.body).into_owned();
    assert!(html.contains("Дані цієї діаграми недоступні."));
    assert!(!html.contains("Оболонський"), "{html}");
    let kiosk =
        String::from_utf8_lossy(&app.get("/kiosk?dashboard=osvita", None).await.body).into_owned();
    assert!(kiosk.contains("Дані цієї діаграми недоступні."));
    assert!(!kiosk.contains("Оболонський"));
    let admin_view = app
        .post(
            "dashboard_show",
            json!({"id": "osvita"}),
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(admin_view["tiles"][1]["available"], json!(true));

    // Deleted: not available even to the coordinator.
    app.admin("resource_delete", json!({"id": rid})).await;
    let admin_view = app
        .post(
            "dashboard_show",
            json!({"id": "osvita"}),
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(admin_view["tiles"][1]["available"], json!(false));
    assert_eq!(
        admin_view["tiles"][1]["resource_id"],
        Value::Null,
        "a resource that is gone is named to no one (the editor page still lists the tile to remove it)"
    );

    app.admin("dashboard_delete", json!({"id": "osvita"})).await;
    let r = app
        .get(
            "/api/3/action/dashboard_show?id=osvita",
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(error_of(&r)["__type"], json!("Not Found Error"));
}

#[tokio::test]
async fn key_figures_count_public_data_and_downloads() {
    let app = TestApp::new().await;
    app.org("city").await;
    let rid = schools(&app, "schools", "city").await;
    app.admin(
        "package_create",
        json!({"name": "hidden", "title": "Прихований", "owner_org": "city", "private": true}),
    )
    .await;
    // Two downloads by a person's browser, one by a bot.
    let shown = app.admin("resource_show", json!({"id": rid})).await;
    let url = shown["url"].as_str().unwrap().to_string();
    let path = url.split_once("://").unwrap().1;
    let path = &path[path.find('/').unwrap()..];
    for ua in [
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        "Googlebot/2.1",
    ] {
        let r = app
            .send(
                axum::http::Request::get(path)
                    .header("user-agent", ua)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    app.portal.flush_usage().await.expect("flush");
    let f = app.portal.key_figures().await.expect("figures");
    assert_eq!(f.datasets, 1, "the private dataset does not count");
    assert_eq!(f.datasets_quarter, 1);
    assert_eq!(f.resources, 1);
    assert_eq!(f.datastore_tables, 1);
    assert_eq!(f.publishers, 1);
    assert_eq!(f.downloads_month, 2, "bots apart");
    app.admin(
        "dashboard_create",
        json!({"name": "kpi", "title": "Показники", "public": true, "tiles": [
            {"type": "figure", "figure": "downloads_month"},
            {"type": "figure", "figure": "datastore_tables", "title": "Таблиці"}]}),
    )
    .await;
    let html =
        String::from_utf8_lossy(&app.get("/dashboard/kpi?lang=en", None).await.body).into_owned();
    assert!(html.contains("Downloads this month"), "{html}");
    assert!(
        html.contains("<h2 class=\"dash-tile-title\">Таблиці</h2>"),
        "{html}"
    );
    assert_eq!(
        html.matches("class=\"dash-figure-value\">2<").count(),
        1,
        "{html}"
    );
}

/// A page for a browser signed in as `user` (no cookie: anonymous).
async fn page_as(app: &TestApp, path: &str, user: Option<&str>) -> (StatusCode, String) {
    let mut req = axum::http::Request::get(path);
    if let Some(name) = user {
        let u = app.portal.store().find_user(name).await.unwrap().unwrap();
        let secret = misto_web::session::issue(&app.portal, &u).await.unwrap();
        req = req.header(
            "cookie",
            format!("{}={secret}", misto_web::session::SESSION_COOKIE),
        );
    }
    let r = app.send(req.body(axum::body::Body::empty()).unwrap()).await;
    (r.status, String::from_utf8_lossy(&r.body).into_owned())
}

#[tokio::test]
async fn security_dashboard_tiles_show_only_what_the_viewer_may_read() {
    let app = TestApp::new().await;
    app.org("city").await;
    app.admin(
        "organization_create",
        json!({"name": "water", "title": "Водоканал", "edrpou": "03327664"}),
    )
    .await;
    let open = schools(&app, "open", "city").await;
    let private = schools(&app, "hidden", "city").await;
    let draft = schools(&app, "chernetka", "city").await;
    let deleted = schools(&app, "vydalenyi", "city").await;
    let sys = misto_actions::accounts::system_viewer();
    let mut hidden: Vec<String> = vec![private.clone(), draft.clone(), deleted.clone()];
    for name in ["hidden", "chernetka", "vydalenyi"] {
        hidden.push(app.portal.show_dataset(&sys, name).unwrap().id.clone());
    }
    let tiles: Vec<Value> = [&open, &private, &draft, &deleted]
        .iter()
        .map(|rid| {
            json!({"type": "chart", "resource_id": rid, "chart": "bar", "x": "район",
                   "agg": "count", "filters": {"район": "Подільський"}})
        })
        .collect();
    app.admin(
        "dashboard_create",
        json!({"name": "misto", "title": "Місто", "public": true, "tiles": tiles}),
    )
    .await;
    app.admin("package_patch", json!({"id": "hidden", "private": true}))
        .await;
    app.admin(
        "package_patch",
        json!({"id": "chernetka", "state": "draft"}),
    )
    .await;
    app.admin("package_delete", json!({"id": "vydalenyi"}))
        .await;
    assert_eq!(
        app.portal.show_dataset(&sys, "chernetka").unwrap().state,
        misto_core::DatasetState::Draft
    );

    let city_editor = app.user_token("city-editor").await;
    app.admin(
        "organization_member_create",
        json!({"id": "city", "username": "city-editor", "role": "editor"}),
    )
    .await;
    let water_editor = app.user_token("water-editor").await;
    app.admin(
        "organization_member_create",
        json!({"id": "water", "username": "water-editor", "role": "editor"}),
    )
    .await;

    for (who, token, user) in [
        ("anonymous", None, None),
        (
            "another publisher's editor",
            Some(water_editor.as_str()),
            Some("water-editor"),
        ),
    ] {
        for answer in [
            app.post("dashboard_list", json!({"all_fields": true}), token)
                .await
                .result()[0]
                .clone(),
            app.post("dashboard_show", json!({"id": "misto"}), token)
                .await
                .result(),
        ] {
            let text = answer.to_string();
            assert!(text.contains(&open), "{who}: the public tile stays: {text}");
            for id in &hidden {
                assert!(!text.contains(id.as_str()), "{who} sees {id}: {text}");
            }
            for t in &answer["tiles"].as_array().unwrap()[1..] {
                assert_eq!(t["resource_id"], Value::Null, "{who}: {t}");
                assert_eq!(t["filters"], json!({}), "{who}: {t}");
                assert_eq!(t["x"], json!(""), "{who}: {t}");
            }
        }
        // The pages: neither the dashboard, the list nor the kiosk names them.
        for path in ["/dashboard/misto", "/kiosk?dashboard=misto", "/dashboards"] {
            let (status, html) = page_as(&app, path, user).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            for id in &hidden {
                assert!(!html.contains(id.as_str()), "{who}: {path} names {id}");
            }
        }
    }
    // The publisher's editor may read all three: private, draft and deleted.
    let text = app
        .post(
            "dashboard_list",
            json!({"all_fields": true}),
            Some(&city_editor),
        )
        .await
        .result()
        .to_string();
    for rid in [&private, &draft, &deleted] {
        assert!(
            text.contains(rid.as_str()),
            "the publisher's editor sees {rid}"
        );
    }
    let (_, html) = page_as(&app, "/dashboard/misto", Some("city-editor")).await;
    assert!(html.contains(private.as_str()), "the chart's source link");
}
