//! What real CKAN clients (ckanapi's dump and load, CKAN's harvester) send:
//! the parameters CKAN 2.11 accepts per action, ids kept on create, the
//! dicts `*_show` returns sent back, and tags with apostrophes. Driven
//! in-process through the whole router, on SQLite by default and on
//! PostgreSQL when MISTO_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

/// The `error` of a failed answer, after checking CKAN's envelope.
fn error_of(r: &common::Resp) -> Value {
    let v = r.json();
    assert_eq!(v["success"], json!(false), "{v}");
    assert!(v["help"].is_string(), "{v}");
    v["error"].clone()
}

/// A Validation Error in CKAN's shape: every value a list of strings.
fn assert_ckan_validation(r: &common::Resp, field: &str) {
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let e = error_of(r);
    assert_eq!(e["__type"], "Validation Error", "{e}");
    let obj = e.as_object().expect("error object");
    for (k, v) in obj {
        if k != "__type" {
            let list = v.as_array().unwrap_or_else(|| panic!("{k}: {v}"));
            // Tags as CKAN reports them: one {"name": [messages]} per tag.
            let item_ok = |x: &Value| {
                if k == "tags" {
                    x["name"]
                        .as_array()
                        .is_some_and(|m| !m.is_empty() && m.iter().all(Value::is_string))
                } else {
                    x.is_string()
                }
            };
            assert!(!list.is_empty() && list.iter().all(item_ok), "{k}: {v}");
        }
    }
    assert!(obj.contains_key(field), "no {field} in {e}");
}

async fn editor(app: &TestApp, org: &str, name: &str) -> String {
    let token = app.user_token(name).await;
    app.admin(
        "organization_member_create",
        json!({"id": org, "username": name, "role": "editor"}),
    )
    .await;
    token
}

#[tokio::test]
async fn package_list_takes_ckanapis_flags_and_honours_them() {
    let app = TestApp::new().await;
    app.org("lists").await;
    for (name, private, state) in [
        ("list-public", false, "active"),
        ("list-private", true, "active"),
        ("list-draft", false, "draft"),
    ] {
        app.admin(
            "package_create",
            json!({"name": name, "owner_org": "lists", "private": private, "state": state}),
        )
        .await;
    }
    app.admin(
        "package_create",
        json!({"name": "list-gone", "owner_org": "lists"}),
    )
    .await;
    app.admin("package_delete", json!({"id": "list-gone"}))
        .await;
    let outsider = app.user_token("outsider").await;

    // What `ckanapi dump datasets --all` sends, with and without its flags.
    let list = |token: Option<String>, body: Value| {
        let app = &app;
        async move { app.post("package_list", body, token.as_deref()).await }
    };
    let none = json!({"include_private": false, "include_drafts": false, "include_deleted": false});
    let all = json!({"include_private": true, "include_drafts": true, "include_deleted": true});
    let admin = Some(app.admin_token.clone());
    assert_eq!(
        list(admin.clone(), none.clone()).await.result(),
        json!(["list-public"])
    );
    assert_eq!(
        list(admin.clone(), all.clone()).await.result(),
        json!(["list-draft", "list-gone", "list-private", "list-public"])
    );
    assert_eq!(
        list(admin.clone(), json!({"include_private": "true"}))
            .await
            .result(),
        json!(["list-private", "list-public"])
    );
    // Nobody sees what they may not read, whatever they ask for.
    assert_eq!(
        list(Some(outsider.clone()), all.clone()).await.result(),
        json!(["list-public"])
    );
    assert_eq!(list(None, all).await.result(), json!(["list-public"]));
    // GET with query parameters, as other clients send them.
    let r = app
        .get(
            "/api/3/action/package_list?include_private=True&limit=1&offset=1",
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.result(), json!(["list-public"]));

    // A value that is not a boolean is a Validation Error naming it.
    let r = list(admin.clone(), json!({"include_private": "sometimes"})).await;
    assert_ckan_validation(&r, "include_private");
    // Unknown parameters are still refused, by name.
    let r = list(admin, json!({"include_everything": true})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(&r)["include_everything"],
        json!(["Unknown parameter"])
    );
}

#[tokio::test]
async fn show_actions_take_the_flags_ckan_and_ckanapi_send() {
    let app = TestApp::new().await;
    app.org("shows").await;
    let d = app
        .admin(
            "package_create",
            json!({"name": "shown", "owner_org": "shows", "groups": [{"name": "finansy"}],
                   "resources": [{"url": "https://example.org/a.csv"}]}),
        )
        .await;
    let rid = d["resources"][0]["id"].as_str().unwrap().to_string();
    let dump_flags =
        json!({"include_datasets": false, "include_password_hash": true, "include_users": true});
    let with = |mut base: Value, extra: &Value| {
        for (k, v) in extra.as_object().unwrap() {
            base[k] = v.clone();
        }
        base
    };
    let cases: Vec<(&str, Value)> = vec![
        ("package_show", with(json!({"id": "shown"}), &dump_flags)),
        (
            "package_show",
            json!({"id": "shown", "use_default_schema": true, "include_tracking": "false",
                   "include_plugin_data": 0}),
        ),
        (
            "organization_show",
            with(json!({"id": "shows"}), &dump_flags),
        ),
        (
            "organization_show",
            json!({"id": "shows", "include_dataset_count": true, "include_extras": true,
                   "include_groups": true, "include_tags": true, "include_followers": true,
                   "include_member_count": true}),
        ),
        ("group_show", with(json!({"id": "finansy"}), &dump_flags)),
        (
            "group_show",
            json!({"id": "finansy", "include_extras": true, "include_followers": false}),
        ),
        ("user_show", with(json!({"id": "admin"}), &dump_flags)),
        (
            "resource_show",
            json!({"id": rid, "include_tracking": true}),
        ),
        (
            "organization_list",
            json!({"all_fields": true, "include_extras": true, "include_users": false,
                   "include_tags": true, "include_groups": true, "include_dataset_count": true,
                   "include_member_count": false, "type": "organization"}),
        ),
        (
            "group_list",
            json!({"all_fields": false, "include_extras": true, "type": "group"}),
        ),
        (
            "package_search",
            json!({"q": "shown", "wt": "json", "ext_bbox": "30,50,31,51",
                   "use_default_schema": true, "include_plugin_data": false}),
        ),
    ];
    for (action, body) in cases {
        let r = app.post(action, body.clone(), Some(&app.admin_token)).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{action} {body}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    // organization_show with ckanapi's flags gives users and no packages.
    let org = app
        .admin(
            "organization_show",
            with(json!({"id": "shows"}), &dump_flags),
        )
        .await;
    assert_eq!(org["users"][0]["name"], "admin");
    assert!(org.get("packages").is_none());
    // A password hash is never shown, whatever is asked.
    let u = app
        .admin(
            "user_show",
            json!({"id": "admin", "include_password_hash": true}),
        )
        .await;
    assert!(
        u.get("password_hash").is_none() && u.get("password").is_none(),
        "{u}"
    );

    // Flags are still booleans.
    for (action, body, field) in [
        (
            "package_show",
            json!({"id": "shown", "include_tracking": "maybe"}),
            "include_tracking",
        ),
        (
            "organization_show",
            json!({"id": "shows", "include_password_hash": [1]}),
            "include_password_hash",
        ),
        (
            "group_show",
            json!({"id": "finansy", "include_users": "everyone"}),
            "include_users",
        ),
        (
            "organization_list",
            json!({"include_extras": "some"}),
            "include_extras",
        ),
    ] {
        let r = app.post(action, body, Some(&app.admin_token)).await;
        assert_ckan_validation(&r, field);
    }
    // package_search keeps CKAN's own error for unknown parameters.
    let r = app
        .post("package_search", json!({"frobnicate": 1}), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(error_of(&r)["__type"], "Search Query Error");
}

#[tokio::test]
async fn sysadmins_ids_are_kept_and_checked() {
    let app = TestApp::new().await;
    let org_id = "3c2b1a00-0000-4000-8000-000000000001";
    let org = app
        .admin(
            "organization_create",
            json!({"id": org_id, "name": "kept", "title": "Збережена"}),
        )
        .await;
    assert_eq!(org["id"], org_id);
    let group_id = "3c2b1a00-0000-4000-8000-000000000002";
    let g = app
        .admin(
            "group_create",
            json!({"id": group_id, "name": "kept-group"}),
        )
        .await;
    assert_eq!(g["id"], group_id);
    // One table in CKAN: an organization's id is not free for a group.
    let r = app
        .post(
            "group_create",
            json!({"id": org_id, "name": "other-group"}),
            Some(&app.admin_token),
        )
        .await;
    assert_ckan_validation(&r, "id");

    let pkg_id = "7f0c1a3e-5b1e-4c0a-9e0d-1b2c3d4e5f60";
    let res_id = "a1b2c3d4-0000-4000-8000-00000000000a";
    let d = app
        .admin(
            "package_create",
            json!({"id": pkg_id, "name": "kept-ids", "owner_org": org_id,
                   "groups": [{"id": group_id}],
                   "resources": [{"id": res_id, "url": "https://example.org/a.csv",
                                  "created": "2024-01-10T09:01:00.000000"}]}),
        )
        .await;
    assert_eq!(d["id"], pkg_id);
    assert_eq!(d["owner_org"], org_id);
    assert_eq!(d["groups"][0]["id"], group_id);
    assert_eq!(d["resources"][0]["id"], res_id);
    assert_eq!(d["resources"][0]["created"], "2024-01-10T09:01:00.000000");
    let shown = app
        .get(&format!("/api/3/action/package_show?id={pkg_id}"), None)
        .await
        .result();
    assert_eq!(shown["name"], "kept-ids");

    // Taken ids and ids that are not UUIDs: Validation Errors on `id`.
    for (body, field) in [
        (
            json!({"id": pkg_id, "name": "again", "owner_org": "kept"}),
            "id",
        ),
        (
            json!({"id": "not-a-uuid", "name": "bad-id", "owner_org": "kept"}),
            "id",
        ),
        (
            json!({"name": "res-taken", "owner_org": "kept",
                   "resources": [{"id": res_id, "url": "https://example.org/b.csv"}]}),
            "resources",
        ),
        (
            json!({"name": "res-twice", "owner_org": "kept",
                   "resources": [{"id": "a1b2c3d4-0000-4000-8000-00000000000b", "url": "https://example.org/b.csv"},
                                 {"id": "a1b2c3d4-0000-4000-8000-00000000000b", "url": "https://example.org/c.csv"}]}),
            "resources",
        ),
    ] {
        let r = app
            .post("package_create", body.clone(), Some(&app.admin_token))
            .await;
        assert_ckan_validation(&r, field);
    }
    let r = app
        .post(
            "organization_create",
            json!({"id": org_id, "name": "kept-again"}),
            Some(&app.admin_token),
        )
        .await;
    assert_ckan_validation(&r, "id");
    let r = app
        .post(
            "resource_create",
            json!({"package_id": pkg_id, "id": res_id, "url": "https://example.org/d.csv"}),
            Some(&app.admin_token),
        )
        .await;
    assert_ckan_validation(&r, "id");
    let new_res = "a1b2c3d4-0000-4000-8000-00000000000c";
    let r = app
        .admin(
            "resource_create",
            json!({"package_id": pkg_id, "id": new_res, "url": "https://example.org/d.csv"}),
        )
        .await;
    assert_eq!(r["id"], new_res);

    // Anyone else's id is ignored, as CKAN's empty_if_not_sysadmin does.
    let token = editor(&app, "kept", "editor").await;
    let wanted = "7f0c1a3e-5b1e-4c0a-9e0d-1b2c3d4e5f61";
    let r = app
        .post(
            "package_create",
            json!({"id": wanted, "name": "editor-ids", "owner_org": "kept",
                   "resources": [{"id": "a1b2c3d4-0000-4000-8000-00000000000d", "url": "https://example.org/e.csv"}]}),
            Some(&token),
        )
        .await;
    let d = r.result();
    assert_ne!(d["id"], wanted);
    assert_ne!(
        d["resources"][0]["id"],
        "a1b2c3d4-0000-4000-8000-00000000000d"
    );
}

#[tokio::test]
async fn organization_and_group_dicts_are_taken_back() {
    let app = TestApp::new().await;
    app.org("round").await;
    app.admin(
        "package_create",
        json!({"name": "in-round", "owner_org": "round"}),
    )
    .await;

    // group_show's dict, renamed, creates another group (read-only keys ignored).
    let mut g = app.admin("group_show", json!({"id": "finansy"})).await;
    g["id"] = json!("5a000000-0000-4000-8000-000000000001");
    g["name"] = json!("finansy-copy");
    g["title"] = json!("Фінанси (копія)");
    let made = app.admin("group_create", g.clone()).await;
    assert_eq!(made["id"], "5a000000-0000-4000-8000-000000000001");
    assert_eq!(made["title"], "Фінанси (копія)");
    // ... and group_list's all_fields dicts too.
    let listed = app
        .admin(
            "group_list",
            json!({"all_fields": true, "groups": ["finansy-copy"]}),
        )
        .await;
    let mut again = listed[0].clone();
    again["description"] = json!("Оновлено");
    let updated = app.admin("group_update", again).await;
    assert_eq!(updated["description"], "Оновлено");
    assert_eq!(updated["id"], "5a000000-0000-4000-8000-000000000001");

    // Tags, extras or sub-groups misto cannot keep: refused in CKAN's shape.
    for key in ["tags", "extras", "groups"] {
        let mut bad = g.clone();
        bad["id"] = json!(null);
        bad["name"] = json!(format!("bad-{key}"));
        bad[key] = if key == "extras" {
            json!([{"key": "a", "value": "b"}])
        } else {
            json!([{"name": "x"}])
        };
        let r = app.post("group_create", bad, Some(&app.admin_token)).await;
        assert_ckan_validation(&r, key);
    }
    let r = app
        .post(
            "group_create",
            json!({"name": "finansy-copy"}),
            Some(&app.admin_token),
        )
        .await;
    assert_ckan_validation(&r, "name");

    // organization_show with users and packages goes back through update.
    let mut o = app
        .admin(
            "organization_show",
            json!({"id": "round", "include_users": true, "include_datasets": true}),
        )
        .await;
    assert_eq!(o["packages"][0]["name"], "in-round");
    o["description"] = json!("Опис");
    let saved = app.admin("organization_update", o.clone()).await;
    assert_eq!(saved["description"], "Опис");
    let mut bad = o;
    bad["extras"] = json!([{"key": "a", "value": "b"}]);
    let r = app
        .post("organization_update", bad, Some(&app.admin_token))
        .await;
    assert_ckan_validation(&r, "extras");
    // group_update is for sysadmins.
    let token = app.user_token("someone").await;
    let r = app
        .post(
            "group_update",
            json!({"id": "finansy-copy", "title": "Ні"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn tags_take_the_ukrainian_apostrophe_and_every_form_finds_them() {
    let app = TestApp::new().await;
    app.org("health").await;
    let d = app
        .admin(
            "package_create",
            json!({"name": "health-tags", "owner_org": "health",
                   "tags": [{"name": "здоров'я"}, {"name": "сім’я"}, {"name": "здоровʼя"}]}),
        )
        .await;
    assert_eq!(
        d["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect::<Vec<_>>(),
        vec![json!("здоровʼя"), json!("сімʼя")]
    );
    assert_eq!(d["tag_string"], "здоровʼя,сімʼя");
    let d = app
        .admin(
            "package_create",
            json!({"name": "health-string", "owner_org": "health", "tag_string": "м'ясо, бюджет"}),
        )
        .await;
    assert_eq!(d["tag_string"], "мʼясо,бюджет");

    for form in ["здоров'я", "здоров’я", "здоровʼя"] {
        for params in [
            json!({"q": form}),
            json!({"fq": format!("tags:\"{form}\"")}),
            json!({"q": format!("tags:{form}")}),
        ] {
            let r = app.admin("package_search", params.clone()).await;
            assert_eq!(r["count"], 1, "{params}: {r}");
            assert_eq!(r["results"][0]["name"], "health-tags");
        }
        let tags = app.admin("tag_list", json!({"query": form})).await;
        assert_eq!(tags, json!(["здоровʼя"]), "{form}");
    }
    let r = app
        .admin("package_search", json!({"facet.field": "[\"tags\"]"}))
        .await;
    assert_eq!(r["facets"]["tags"]["здоровʼя"], 1, "{r}");
    assert!(r["facets"]["tags"].get("здоров'я").is_none());
}

#[tokio::test]
async fn an_update_from_another_portals_dict_is_not_stale() {
    let app = TestApp::new().await;
    app.org("loaded").await;
    app.admin(
        "package_create",
        json!({"name": "loaded", "owner_org": "loaded"}),
    )
    .await;
    // ckanapi load's update path: package_show finds it, then
    // package_update sends the dump's dict, whose metadata_modified is the
    // source portal's, from before this dataset existed here.
    let r = app
        .admin(
            "package_update",
            json!({"id": "loaded", "name": "loaded", "owner_org": "loaded", "title": "Завантажений",
                   "metadata_modified": "2020-01-01T00:00:00.000000",
                   "metadata_created": "2019-01-01T00:00:00.000000"}),
        )
        .await;
    assert_eq!(r["title"], "Завантажений");
    // A stale read of this dataset itself is still refused.
    let shown = app.admin("package_show", json!({"id": "loaded"})).await;
    app.admin(
        "package_patch",
        json!({"id": "loaded", "notes": "Хтось інший"}),
    )
    .await;
    let r = app
        .post("package_update", shown, Some(&app.admin_token))
        .await;
    assert_ckan_validation(&r, "metadata_modified");
}
