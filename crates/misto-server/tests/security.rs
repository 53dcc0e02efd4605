//! Hostile input through the whole router (issue 20), on SQLite and
//! PostgreSQL: uploads a browser could render as active content are served
//! as neutral attachments, and control characters in text fields are
//! refused with a field error on every write action.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::TestApp;
use serde_json::{Value, json};

/// `resource_create` with a file part of the given type and, optionally,
/// a `mimetype` the client declares.
async fn upload_typed(
    app: &TestApp,
    package_id: &str,
    file_name: &str,
    part_type: &str,
    mimetype: Option<&str>,
    content: &[u8],
) -> Value {
    let boundary = "XmistoBOUNDARY";
    let mut body = Vec::new();
    let mut field = |name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    field("package_id", package_id);
    if let Some(m) = mimetype {
        field("mimetype", m);
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"{file_name}\"\r\nContent-Type: {part_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/api/3/action/resource_create")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("Authorization", &app.admin_token)
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{file_name}: {:?}", r.json());
    r.result()
}

fn header_of(r: &common::Resp, name: header::HeaderName) -> &str {
    r.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn security_upload_active_content_is_a_neutral_attachment() {
    let app = TestApp::new().await;
    app.org("city").await;
    let d = app
        .admin(
            "package_create",
            json!({"name": "files", "title": "Файли", "owner_org": "city"}),
        )
        .await;
    let id = d["id"].as_str().unwrap();
    let script = b"<script>alert(document.cookie)</script>";
    let neutral = "application/octet-stream";
    // (file name, type of the part, declared mimetype, served type)
    let cases: &[(&str, &str, Option<&str>, &str)] = &[
        ("feed.rss", "application/rss+xml", None, neutral),
        ("feed.atom", "application/atom+xml", None, neutral),
        ("page.html", "text/html", None, neutral),
        ("page.xhtml", "application/xhtml+xml", None, neutral),
        ("drawing.svg", "image/svg+xml", None, neutral),
        ("data.xml", "application/xml", None, neutral),
        ("style.xsl", "text/xsl", None, neutral),
        ("app.js", "text/javascript", None, neutral),
        ("report.pdf", "application/pdf", None, neutral),
        (
            "mystery.bin",
            "application/x-shockwave-flash",
            None,
            neutral,
        ),
        // A declared type does not get past the list either.
        ("table.csv", "text/csv", Some("text/html"), neutral),
        (
            "notes.txt",
            "text/plain",
            Some("application/rss+xml"),
            neutral,
        ),
        // Passive data keep their type.
        ("table2.csv", "text/csv", None, "text/csv"),
        ("data.json", "application/json", None, "application/json"),
        ("photo.png", "image/png", None, "image/png"),
        ("photo.jpg", "image/jpeg", None, "image/jpeg"),
    ];
    for (file, part_type, declared, served) in cases {
        let res = upload_typed(&app, id, file, part_type, *declared, script).await;
        let url = res["url"].as_str().unwrap();
        let path = url.strip_prefix("http://127.0.0.1:8080").unwrap_or(url);
        let r = app.get(path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{file}");
        assert_eq!(header_of(&r, header::CONTENT_TYPE), *served, "{file}");
        assert!(
            header_of(&r, header::CONTENT_DISPOSITION).starts_with("attachment;"),
            "{file}"
        );
        assert_eq!(
            header_of(&r, header::X_CONTENT_TYPE_OPTIONS),
            "nosniff",
            "{file}"
        );
        assert!(
            header_of(&r, header::CONTENT_SECURITY_POLICY).contains("sandbox"),
            "{file}"
        );
        assert_eq!(r.body, script, "{file}: the bytes are unchanged");
    }
}

/// The field errors of a CKAN Validation Error answer.
fn validation_error(r: &common::Resp, what: &str) -> Value {
    assert_eq!(r.status, StatusCode::CONFLICT, "{what}: {:?}", r.json());
    let v = r.json();
    assert_eq!(v["success"], json!(false), "{what}: {v}");
    assert_eq!(
        v["error"]["__type"],
        json!("Validation Error"),
        "{what}: {v}"
    );
    v["error"].clone()
}

#[tokio::test]
async fn security_text_control_characters_are_refused_on_every_write_action() {
    let app = TestApp::new().await;
    app.org("city").await;
    let d = app
        .admin(
            "package_create",
            json!({"name": "lichylnyky", "title": "Лічильники", "owner_org": "city",
                   "notes": "Рядок\tз табуляцією\r\nі другий рядок"}),
        )
        .await;
    assert_eq!(
        d["notes"],
        json!("Рядок\tз табуляцією\r\nі другий рядок"),
        "tabs and line breaks stay"
    );
    let editor = app.user_token("editor").await;
    app.admin(
        "organization_member_create",
        json!({"id": "city", "username": "editor", "role": "editor"}),
    )
    .await;
    let questions = json!([{"id": "wish", "kind": "text", "label": "Побажання"}]);
    let admin = Some(app.admin_token.as_str());
    // (action, body, token, the field named)
    let cases: Vec<(&str, Value, Option<&str>, &str)> = vec![
        (
            "package_create",
            json!({"name": "nul", "title": "Бюджет\u{0}", "owner_org": "city"}),
            admin,
            "title",
        ),
        (
            "package_create",
            json!({"name": "vt", "title": "Бюджет", "notes": "з Word\u{b}у", "owner_org": "city"}),
            Some(editor.as_str()),
            "notes",
        ),
        (
            "package_create",
            json!({"name": "extra", "title": "Бюджет", "owner_org": "city",
                   "extras": [{"key": "source", "value": "x\u{ffff}"}]}),
            admin,
            "extras",
        ),
        (
            "package_patch",
            json!({"id": "lichylnyky", "title": "Лічильники\u{1f}"}),
            admin,
            "title",
        ),
        (
            "package_patch",
            json!({"id": "lichylnyky", "maintainer": "Олена\u{0}"}),
            admin,
            "maintainer",
        ),
        (
            "resource_create",
            json!({"package_id": "lichylnyky", "url": "https://example.org/a.csv", "name": "Файл\u{0}"}),
            admin,
            "",
        ),
        (
            "organization_create",
            json!({"name": "vodokanal", "title": "Водо\u{c}канал"}),
            admin,
            "title",
        ),
        (
            "organization_patch",
            json!({"id": "city", "description": "Опис\u{0}"}),
            admin,
            "description",
        ),
        (
            "group_create",
            json!({"name": "tema", "title": "Тема\u{0}"}),
            admin,
            "title",
        ),
        (
            "user_create",
            json!({"name": "ivan", "email": "ivan@example.org", "password": "long-enough-1",
                   "fullname": "Іван\u{0}"}),
            admin,
            "fullname",
        ),
        (
            "news_create",
            json!({"title": "Новина\u{0}"}),
            admin,
            "title",
        ),
        (
            "page_create",
            json!({"title": "Про портал", "body": "Текст\u{7}"}),
            admin,
            "body",
        ),
        (
            "feedback_create",
            json!({"package_id": "lichylnyky", "message": "Помилка\u{0} в рядку 5",
                   "author_name": "Оксана", "author_email": "oksana@example.org"}),
            None,
            "message",
        ),
        (
            "dataset_request_create",
            json!({"title": "Графік\u{b} вивезення", "author_name": "Іра", "author_email": "ira@example.org"}),
            None,
            "title",
        ),
        (
            "showcase_create",
            json!({"title": "Карта\u{0}", "type": "visualisation", "notes": "Карта лічильників.",
                   "url": "https://example.org/map", "datasets": ["lichylnyky"],
                   "author_name": "Дмитро", "author_email": "d@example.org"}),
            None,
            "title",
        ),
        (
            "survey_create",
            json!({"title": "Опитування\u{0}", "questions": questions}),
            admin,
            "title",
        ),
        (
            "dashboard_create",
            json!({"name": "misto", "title": "Місто\u{0}"}),
            admin,
            "title",
        ),
        (
            "register_entry_create",
            json!({"organization": "city", "title": "Медичні картки\u{0}", "status": "not_to_publish",
                   "reason": "Персональні дані"}),
            admin,
            "title",
        ),
        (
            "harvest_source_create",
            json!({"name": "dzherelo", "title": "Джерело\u{0}", "url": "https://data.example.org",
                   "source_type": "ckan"}),
            admin,
            "title",
        ),
        (
            "api_token_create",
            json!({"user": "editor", "name": "ci\u{0}"}),
            admin,
            "name",
        ),
        (
            "config_option_update",
            json!({"ckan.site_title": "Місто\u{0}"}),
            admin,
            "",
        ),
    ];
    for (action, body, token, field) in cases {
        let what = format!("{action} {field}");
        let r = app.post(action, body, token).await;
        let error = validation_error(&r, &what);
        let text = error.to_string();
        assert!(
            text.contains("Must not contain control characters"),
            "{what}: {text}"
        );
        if !field.is_empty() {
            assert!(
                error[field].to_string().contains("control characters"),
                "{what}: {text}"
            );
        }
    }
    // Nothing of it was stored.
    let shown = app
        .post("package_show", json!({"id": "lichylnyky"}), admin)
        .await
        .result();
    assert_eq!(shown["title"], json!("Лічильники"));
    assert_eq!(shown["num_resources"], json!(0));
    for name in ["nul", "vt", "extra"] {
        let r = app.post("package_show", json!({"id": name}), admin).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{name}");
    }
}
