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

fn header_of<'a>(r: &'a common::Resp, name: header::HeaderName) -> &'a str {
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
