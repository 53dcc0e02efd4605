//! Engagement through the API: notifications queued as e-mail jobs for
//! feedback, the moderation queue, the spam guard with bad input, and news
//! posts (with pictures, drafts, the Atom feed).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::TestApp;
use misto_actions::accounts::system_viewer;
use serde_json::{Value, json};

async fn setup() -> TestApp {
    let app = TestApp::new().await;
    app.org("water").await;
    app.admin(
        "package_create",
        json!({"name": "meters", "title": "Лічильники", "owner_org": "water",
               "maintainer": "Петро", "maintainer_email": "petro@water.example.org"}),
    )
    .await;
    app
}

async fn email_job(app: &TestApp, key: &str) -> Option<Value> {
    app.portal
        .job_status("email", key)
        .await
        .expect("job status")
        .map(|j| j.payload)
}

#[tokio::test]
async fn feedback_notifies_the_responsible_person_and_the_author() {
    let app = setup().await;
    let f = app
        .post(
            "feedback_create",
            json!({"package_id": "meters", "kind": "data_error", "message": "Рядок 5: неправильна адреса",
                   "author_name": "Оксана", "author_email": "oksana@example.org"}),
            None,
        )
        .await
        .result();
    let id = f["id"].as_str().expect("id").to_string();
    let notice = email_job(&app, &format!("feedback-new:{id}"))
        .await
        .expect("the responsible person is notified");
    assert_eq!(notice["to"], "petro@water.example.org");
    assert!(notice["subject"].as_str().unwrap().contains("Лічильники"));
    assert!(notice["text"].as_str().unwrap().contains("Рядок 5"));
    assert!(
        email_job(&app, &format!("feedback-answer:{id}"))
            .await
            .is_none()
    );

    // The coordinators' queue has it; others may not look.
    let q = app
        .get(
            "/api/3/action/moderation_queue_show",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(q["feedback"][0]["id"], json!(id));
    let outsider = app.user_token("outsider").await;
    let r = app
        .get("/api/3/action/moderation_queue_show", Some(&outsider))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // The answer goes to the author, with the link to follow the feedback.
    app.admin(
        "feedback_update",
        json!({"id": id, "answer": "Виправили, дякуємо", "status": "fixed"}),
    )
    .await;
    let answer = email_job(&app, &format!("feedback-answer:{id}"))
        .await
        .expect("the author gets the answer");
    assert_eq!(answer["to"], "oksana@example.org");
    let text = answer["text"].as_str().unwrap();
    assert!(text.contains("Виправили, дякуємо"), "{text}");
    let key = app.portal.feedback_author_key(&id);
    assert!(
        text.contains(&format!("/feedback/{id}?key={key}")),
        "{text}"
    );
    // Answered: it left the queue.
    let q = app
        .get(
            "/api/3/action/moderation_queue_show",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(q["feedback"], json!([]));
    // The author's link works with the key only.
    let seen = app
        .portal
        .show_feedback_for_author(&id, &key)
        .await
        .expect("author view");
    assert_eq!(seen.answer.as_deref(), Some("Виправили, дякуємо"));
    assert!(
        app.portal
            .show_feedback_for_author(&id, "00000000000000000000000000000000")
            .await
            .is_err()
    );
    // The queued jobs run (no mail handler on this branch: they stay queued
    // or fail, but never break the feedback).
    let jobs = app
        .portal
        .list_jobs(&system_viewer(), Some("email"), None, 10)
        .await
        .expect("jobs");
    assert_eq!(jobs.len(), 2);
}

#[tokio::test]
async fn spam_guard_with_bad_input() {
    let app = setup().await;
    // A bot fills the honeypot: saved as spam, nobody is bothered.
    let bot = app
        .post(
            "feedback_create",
            json!({"package_id": "meters", "message": "Buy cheap watches now", "website": "http://spam.example",
                   "author_name": "Bot", "author_email": "bot@example.org"}),
            None,
        )
        .await
        .result();
    let id = bot["id"].as_str().unwrap();
    assert!(
        email_job(&app, &format!("feedback-new:{id}"))
            .await
            .is_none()
    );
    let q = app
        .get(
            "/api/3/action/moderation_queue_show",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(
        q["feedback"],
        json!([]),
        "spam does not wait for moderation"
    );

    // Bad input is refused field by field.
    let r = app
        .post(
            "feedback_create",
            json!({"package_id": "meters", "message": "ой", "kind": "rant",
                   "author_name": "", "author_email": "not-an-address"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let e = &r.json()["error"];
    for field in ["message", "kind", "author_name", "author_email"] {
        assert!(e.get(field).is_some(), "{field}: {e}");
    }
    // Unknown dataset: not found; unknown parameter: refused.
    let r = app
        .post(
            "feedback_create",
            json!({"package_id": "nope", "message": "Щось не так", "author_name": "A", "author_email": "a@example.org"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Five per hour per address; the sixth is refused with 429.
    for i in 0..5 {
        let r = app
            .post(
                "dataset_request_create",
                json!({"title": format!("Набір {i}"), "author_name": "Іра", "author_email": "ira@example.org"}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{i}");
    }
    let r = app
        .post(
            "dataset_request_create",
            json!({"title": "Ще один", "author_name": "Іра", "author_email": "IRA@example.org "}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // The pending requests wait in the coordinators' queue.
    let q = app
        .get(
            "/api/3/action/moderation_queue_show",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(q["dataset_requests"].as_array().unwrap().len(), 5);
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "XengBOUNDARY";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, content)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

#[tokio::test]
async fn news_drafts_publication_pictures_and_feed() {
    let app = setup().await;
    let outsider = app.user_token("outsider").await;
    let r = app
        .post("news_create", json!({"title": "Не можна"}), Some(&outsider))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let n = app
        .admin(
            "news_create",
            json!({"title": "Нові дані про воду", "body": "Опубліковано **лічильники**.",
                   "datasets": ["meters"]}),
        )
        .await;
    assert_eq!(n["name"], "novi-dani-pro-vodu");
    assert_eq!(n["published"], false);
    assert_eq!(n["datasets"][0]["name"], "meters");
    // A draft does not exist for the public.
    let r = app
        .get("/api/3/action/news_show?id=novi-dani-pro-vodu", None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = app.get("/api/3/action/news_list", None).await.result();
    assert_eq!(list["count"], 0);
    let all = app
        .get(
            "/api/3/action/news_list?include_drafts=true",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(all["count"], 1);

    // Published with a picture, through multipart.
    let (ctype, body) = multipart(
        &[("id", n["id"].as_str().unwrap()), ("published", "true")],
        Some(("voda.png", PNG)),
    );
    let req = Request::post("/api/3/action/news_update")
        .header("content-type", ctype)
        .header("Authorization", &app.admin_token)
        .body(Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let n = r.result();
    let image_url = n["image_url"].as_str().expect("image url").to_string();
    let list = app.get("/api/3/action/news_list", None).await.result();
    assert_eq!(list["count"], 1);
    assert_eq!(list["results"][0]["title"], "Нові дані про воду");
    let path = image_url.trim_start_matches("http://127.0.0.1:8080");
    let img = app.get(path, None).await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.headers["content-type"], "image/png");
    assert_eq!(img.headers["x-content-type-options"], "nosniff");
    assert_eq!(img.body, PNG);

    // Anything but a raster picture is refused, and the old one stays.
    let (ctype, body) = multipart(
        &[("id", "novi-dani-pro-vodu")],
        Some(("evil.svg", b"<svg onload=alert(1)/>")),
    );
    let req = Request::post("/api/3/action/news_update")
        .header("content-type", ctype)
        .header("Authorization", &app.admin_token)
        .body(Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["error"]["image"].is_array());
    assert_eq!(app.get(path, None).await.status, StatusCode::OK);

    // The feed carries the post.
    let feed = app.get("/feeds/news.atom", None).await;
    assert_eq!(feed.status, StatusCode::OK);
    let xml = String::from_utf8_lossy(&feed.body);
    assert!(xml.contains("<title>Нові дані про воду</title>"), "{xml}");
    assert!(xml.contains("/news/novi-dani-pro-vodu"));

    // A post dated in the future waits.
    app.admin(
        "news_create",
        json!({"title": "Завтра", "name": "zavtra", "published": true, "publish_date": "2999-01-01"}),
    )
    .await;
    let list = app.get("/api/3/action/news_list", None).await.result();
    assert_eq!(list["count"], 1);
    // Names are unique; bad dates and unknown datasets are refused.
    let r = app
        .post(
            "news_create",
            json!({"title": "Ще", "name": "zavtra", "publish_date": "вчора", "datasets": "nope"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let e = &r.json()["error"];
    assert!(
        e["publish_date"].is_array() && e["datasets"].is_array(),
        "{e}"
    );

    let r = app
        .post(
            "news_create",
            json!({"title": "Інше", "name": "zavtra"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["name"][0], "That URL is already in use.");

    // Deleted: gone, with its picture.
    app.admin("news_delete", json!({"id": "novi-dani-pro-vodu"}))
        .await;
    let r = app
        .get("/api/3/action/news_show?id=novi-dani-pro-vodu", None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(path, None).await.status, StatusCode::NOT_FOUND);
    let r = app
        .post(
            "news_create",
            json!({"title": "Зайве", "bogus": 1}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn static_pages_menus_and_attachments() {
    let app = setup().await;
    let outsider = app.user_token("outsider").await;
    let r = app
        .post(
            "page_create",
            json!({"title": "Про портал"}),
            Some(&outsider),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let p = app
        .admin(
            "page_create",
            json!({"title": "Методичні матеріали", "name": "metodychni", "body": "# Як публікувати",
                   "menu": "header", "position": 2}),
        )
        .await;
    assert_eq!(p["published"], false);
    app.admin(
        "page_create",
        json!({"title": "Про портал", "name": "pro", "menu": "header", "position": 1, "published": true}),
    )
    .await;
    // Unpublished: absent for the public, in menus too.
    let r = app.get("/api/3/action/page_show?id=metodychni", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let home = String::from_utf8(app.get("/", None).await.body).unwrap();
    assert!(home.contains("href=\"/pages/pro\""));
    assert!(!home.contains("href=\"/pages/metodychni\""));
    app.admin(
        "page_update",
        json!({"id": "metodychni", "published": true}),
    )
    .await;
    let home = String::from_utf8(app.get("/", None).await.body).unwrap();
    let (a, b) = (
        home.find("href=\"/pages/pro\"").unwrap(),
        home.find("href=\"/pages/metodychni\"").unwrap(),
    );
    assert!(a < b, "menu order follows position");
    let list = app.get("/api/3/action/page_list", None).await.result();
    assert_eq!(list.as_array().unwrap().len(), 2);
    let r = app
        .post(
            "page_update",
            json!({"id": "pro", "menu": "sidebar", "name": "Bad Name"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let e = &r.json()["error"];
    assert!(e["menu"].is_array() && e["name"].is_array(), "{e}");

    // An attachment, downloaded as a file, never rendered.
    let boundary = "XpageB";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"page_id\"\r\n\r\nmetodychni\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"poriadok.html\"\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>\r\n--{boundary}--\r\n"
    );
    let req = Request::post("/api/3/action/page_attachment_create")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("Authorization", &app.admin_token)
        .body(Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let att = r.result();
    let url = att["url"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://127.0.0.1:8080")
        .to_string();
    let f = app.get(&url, None).await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.body, b"<script>alert(1)</script>");
    assert_eq!(f.headers["content-type"], "application/octet-stream");
    assert!(
        f.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let shown = app
        .get("/api/3/action/page_show?id=metodychni", None)
        .await
        .result();
    assert_eq!(shown["attachments"][0]["file_name"], "poriadok.html");
    let page = String::from_utf8(app.get("/pages/metodychni", None).await.body).unwrap();
    assert!(page.contains("Як публікувати"), "{page}");
    assert!(page.contains("poriadok.html"));

    // Deleting the page removes its files.
    app.admin("page_delete", json!({"id": "metodychni"})).await;
    assert_eq!(app.get(&url, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/pages/metodychni", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn showcase_submitted_reviewed_and_shown_on_dataset_pages() {
    let app = setup().await;
    let item = json!({"title": "Карта лічильників", "type": "visualisation",
        "notes": "Інтерактивна карта всіх лічильників води міста.",
        "url": "https://example.org/map", "datasets": ["meters"],
        "author_name": "Дмитро", "author_email": "d@example.org"});
    let s = app
        .post("showcase_create", item.clone(), None)
        .await
        .result();
    assert!(s.get("author_email").is_none());
    let name = s["name"].as_str().unwrap().to_string();
    // Waits for review: not public, not on the dataset page.
    let r = app
        .get(&format!("/api/3/action/showcase_show?id={name}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/api/3/action/showcase_list", None).await.result(),
        json!([])
    );
    let q = app
        .get(
            "/api/3/action/moderation_queue_show",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(q["showcase"][0]["name"], json!(name));
    assert_eq!(q["showcase"][0]["author_email"], "d@example.org");
    let outsider = app.user_token("outsider").await;
    let r = app
        .post(
            "showcase_review",
            json!({"id": name, "moderation": "approved"}),
            Some(&outsider),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .get(
            "/api/3/action/showcase_list?moderation=pending",
            Some(&outsider),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    app.admin(
        "showcase_review",
        json!({"id": name, "moderation": "approved"}),
    )
    .await;
    let list = app
        .get("/api/3/action/showcase_list?package_id=meters", None)
        .await
        .result();
    assert_eq!(list[0]["title"], "Карта лічильників");
    assert_eq!(list[0]["datasets"][0]["name"], "meters");
    let page = String::from_utf8(app.get("/dataset/meters", None).await.body).unwrap();
    assert!(
        page.contains(&format!("href=\"/showcase/{name}\"")),
        "used in"
    );
    let gallery = String::from_utf8(app.get("/showcase", None).await.body).unwrap();
    assert!(gallery.contains("Карта лічильників"));

    // Bad input.
    let r = app
        .post(
            "showcase_create",
            json!({"title": "X", "type": "poem", "notes": "коротко", "url": "javascript:alert(1)",
                   "datasets": "nope", "author_name": "Д", "author_email": "d@example.org"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let e = &r.json()["error"];
    for f in ["title", "type", "notes", "url", "datasets"] {
        let key = match f {
            "type" => "kind",
            "notes" => "description",
            k => k,
        };
        assert!(e.get(key).is_some(), "{key}: {e}");
    }
    // A bot: stored as spam, never shown.
    let mut bot = item.clone();
    bot["website"] = json!("x");
    let b = app.post("showcase_create", bot, None).await.result();
    let r = app
        .get(
            &format!(
                "/api/3/action/showcase_show?id={}",
                b["name"].as_str().unwrap()
            ),
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(r["moderation"], "spam");
}

#[tokio::test]
async fn surveys_answered_once_with_results_and_export() {
    let app = setup().await;
    let questions = json!([
        {"id": "often", "kind": "single", "label": "Як часто?", "options": ["щодня", "рідше"], "required": true},
        {"id": "topics", "kind": "multiple", "label": "Що цікавить?", "options": ["бюджет", "транспорт", "вода"]},
        {"id": "score", "kind": "scale", "label": "Оцініть портал"},
        {"id": "wish", "kind": "text", "label": "Побажання"}
    ]);
    let outsider = app.user_token("outsider").await;
    let r = app
        .post(
            "survey_create",
            json!({"title": "Пріоритети", "questions": questions}),
            Some(&outsider),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "survey_create",
            json!({"title": "Пріоритети", "questions": [{"kind": "single", "label": "?", "options": ["одне"]}],
                   "opens": "2026-05-01", "closes": "2026-04-01"}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let e = &r.json()["error"];
    assert!(e["questions"].is_array() && e["closes"].is_array(), "{e}");
    let s = app
        .admin(
            "survey_create",
            json!({"title": "Пріоритети даних", "name": "priorytety", "questions": questions}),
        )
        .await;
    assert_eq!(s["is_open"], true);

    let answer = |respondent: &str, answers: Value| json!({"id": "priorytety", "respondent": respondent, "answers": answers});
    let r = app
        .post(
            "survey_answer",
            answer("browser-aaaa", json!({"topics": ["бюджет"]})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a required question");
    assert!(r.json()["error"]["often"].is_array());
    let r = app
        .post(
            "survey_answer",
            answer("browser-aaaa", json!({"often": "щогодини", "score": "9"})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "values outside the choices");
    let e = &r.json()["error"];
    assert!(e["often"].is_array() && e["score"].is_array(), "{e}");
    let ok = app
        .post(
            "survey_answer",
            answer(
                "browser-aaaa",
                json!({"often": "щодня", "topics": ["бюджет", "вода"], "score": "4", "wish": "=HYPERLINK(\"x\")"}),
            ),
            None,
        )
        .await
        .result();
    assert_eq!(ok["counted"], true);
    let again = app
        .post(
            "survey_answer",
            answer("browser-aaaa", json!({"often": "рідше"})),
            None,
        )
        .await
        .result();
    assert_eq!(again["counted"], false, "once per browser");
    app.post(
        "survey_answer",
        answer(
            "browser-bbbb",
            json!({"often": "рідше", "topics": ["бюджет"]}),
        ),
        None,
    )
    .await
    .result();

    // Results: coordinators only until made public.
    let r = app
        .get("/api/3/action/survey_results?id=priorytety", None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let res = app
        .get(
            "/api/3/action/survey_results?id=priorytety",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(res["responses"], 2);
    assert_eq!(
        res["questions"][0]["counts"],
        json!([{"value": "щодня", "count": 1}, {"value": "рідше", "count": 1}])
    );
    assert_eq!(
        res["questions"][1]["counts"][0],
        json!({"value": "бюджет", "count": 2})
    );
    assert_eq!(res["questions"][2]["counts"].as_array().unwrap().len(), 5);
    assert_eq!(res["questions"][3]["texts"], json!(["=HYPERLINK(\"x\")"]));

    // A survey that has not opened yet does not exist for the public; a
    // closed one takes no answers.
    app.admin(
        "survey_create",
        json!({"title": "Майбутнє", "name": "future", "opens": "2999-01-01", "questions": questions}),
    )
    .await;
    let r = app.get("/api/3/action/survey_show?id=future", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.admin(
        "survey_create",
        json!({"title": "Минуле", "name": "past", "opens": "2020-01-01", "closes": "2020-02-01",
               "public_results": true, "questions": questions}),
    )
    .await;
    let r = app
        .post(
            "survey_answer",
            answer("browser-cccc", json!({"often": "рідше"}))
                .as_object()
                .map(|m| {
                    let mut m = m.clone();
                    m.insert("id".into(), json!("past"));
                    Value::Object(m)
                })
                .unwrap(),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        app.get("/api/3/action/survey_results?id=past", None)
            .await
            .result()["responses"],
        0
    );
    let list = app.get("/api/3/action/survey_list", None).await.result();
    assert_eq!(list.as_array().unwrap().len(), 2);
}

// ---------------------------------------------------------------------------
// Usage analytics and subscriptions.

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

async fn get_as(app: &TestApp, path: &str, user_agent: &str) -> common::Resp {
    app.send(
        Request::get(path)
            .header("user-agent", user_agent)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

fn find<'a>(list: &'a Value, key: &str, value: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|x| x[key] == json!(value))
}

#[tokio::test]
async fn usage_is_counted_without_personal_data_and_reported_by_scope() {
    let app = setup().await;
    let res = app
        .upload(
            "meters",
            "readings.csv",
            b"id,value\n1,2\n",
            &app.admin_token,
        )
        .await
        .result();
    let download = res["url"]
        .as_str()
        .expect("url")
        .split_once("/dataset/")
        .map(|(_, p)| format!("/dataset/{p}"))
        .expect("download path");
    app.org("roads").await;
    app.admin(
        "package_create",
        json!({"name": "potholes", "title": "Ями", "owner_org": "roads"}),
    )
    .await;

    // People: two views of the dataset page, one of the resource page, a
    // download, an API call, two searches (one finds nothing).
    for _ in 0..2 {
        assert_eq!(
            get_as(&app, "/dataset/meters", BROWSER).await.status,
            StatusCode::OK
        );
    }
    let rid = res["id"].as_str().expect("id");
    assert_eq!(
        get_as(&app, &format!("/dataset/meters/resource/{rid}"), BROWSER)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get_as(&app, &download, BROWSER).await.status,
        StatusCode::OK
    );
    get_as(&app, "/api/3/action/package_show?id=meters", "ckanapi/4.7").await;
    get_as(&app, "/api/3/action/no_such_action", "ckanapi/4.7").await;
    get_as(
        &app,
        "/dataset?q=%D0%9B%D1%96%D1%87%D0%B8%D0%BB%D1%8C%D0%BD%D0%B8%D0%BA%D0%B8",
        BROWSER,
    )
    .await;
    get_as(
        &app,
        "/dataset?q=%D0%91%D1%8E%D0%B4%D0%B6%D0%B5%D1%82%20%D1%88%D0%BA%D1%96%D0%BB",
        BROWSER,
    )
    .await;
    // A search with a phone number is not kept at all.
    get_as(&app, "/dataset?q=%2B380671234567", BROWSER).await;
    // Bots: counted apart.
    get_as(&app, "/dataset/meters", "Googlebot/2.1").await;
    get_as(&app, &download, "curl/8.5.0").await;
    // A download that is refused is not counted.
    get_as(
        &app,
        "/dataset/meters/resource/nope/download/x.csv",
        BROWSER,
    )
    .await;

    let r = app
        .get(
            "/api/3/action/usage_stats_show?days=7",
            Some(&app.admin_token),
        )
        .await
        .result();
    assert_eq!(r["scope"], "all");
    assert_eq!(r["totals"]["dataset_views"], 2, "{r}");
    assert_eq!(r["totals"]["resource_views"], 1);
    assert_eq!(r["totals"]["downloads"], 1);
    assert_eq!(r["bots"]["dataset_views"], 1);
    assert_eq!(r["bots"]["downloads"], 1);
    assert_eq!(r["totals"]["searches"], 2);
    assert_eq!(r["totals"]["zero_result_searches"], 1);
    assert_eq!(r["daily"].as_array().map(Vec::len), Some(7));
    let today = &r["daily"][6];
    assert_eq!(today["dataset_views"], 2);
    // The test harness's own API calls send no user agent: bots too.
    let bots: i64 = r["bots"]
        .as_object()
        .expect("bots")
        .values()
        .filter_map(Value::as_i64)
        .sum();
    assert!(r["bots"]["api_calls"].as_i64().unwrap() >= 3, "{r}");
    assert_eq!(today["bots"], json!(bots));
    assert_eq!(r["most_viewed"][0]["package_name"], "meters");
    assert_eq!(r["most_viewed"][0]["views"], 2);
    assert_eq!(r["most_downloaded"][0]["title"], "Лічильники");
    assert_eq!(r["resources"][0]["id"], json!(rid));
    assert_eq!(
        find(&r["api_calls"], "action", "package_show").map(|x| x["count"].clone()),
        Some(json!(1))
    );
    assert!(find(&r["api_calls"], "action", "no_such_action").is_none());
    assert_eq!(
        find(&r["search_terms"], "term", "бюджет шкіл").map(|x| x["count"].clone()),
        Some(json!(1))
    );
    assert!(find(&r["search_terms"], "term", "лічильники").is_some());
    let zero: Vec<&Value> = r["zero_result_searches"]
        .as_array()
        .expect("list")
        .iter()
        .collect();
    assert_eq!(zero.len(), 1);
    assert_eq!(zero[0]["term"], "бюджет шкіл");
    assert!(!r.to_string().contains("380671234567"));

    // A publisher's editor sees their own datasets only, and no searches.
    let ed = app.user_token("ed").await;
    app.admin(
        "organization_member_create",
        json!({"id": "water", "username": "ed", "role": "editor"}),
    )
    .await;
    let mine = app
        .get("/api/3/action/usage_stats_show", Some(&ed))
        .await
        .result();
    assert_eq!(mine["scope"], "own_datasets");
    assert_eq!(mine["totals"]["dataset_views"], 2);
    assert_eq!(mine["totals"]["searches"], 0);
    assert_eq!(mine["search_terms"], json!([]));
    assert_eq!(mine["api_calls"], json!([]));
    let roads = app.user_token("roadie").await;
    app.admin(
        "organization_member_create",
        json!({"id": "roads", "username": "roadie", "role": "editor"}),
    )
    .await;
    let theirs = app
        .get("/api/3/action/usage_stats_show", Some(&roads))
        .await
        .result();
    assert_eq!(theirs["totals"]["dataset_views"], 0);
    assert_eq!(theirs["most_viewed"], json!([]));
    // Everyone else: no report, but the totals of a dataset they may read.
    let outsider = app.user_token("outsider").await;
    assert_eq!(
        app.get("/api/3/action/usage_stats_show", Some(&outsider))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/3/action/usage_stats_show", None).await.status,
        StatusCode::FORBIDDEN
    );
    let public = app
        .get("/api/3/action/usage_stats_show?id=meters", None)
        .await
        .result();
    assert_eq!(public["views"], 2);
    assert_eq!(public["downloads"], 1);
    assert_eq!(public["resources"][0]["id"], json!(rid));
    assert_eq!(public["resources"][0]["downloads"], 1);
    app.admin("package_patch", json!({"id": "potholes", "private": true}))
        .await;
    assert_eq!(
        app.get("/api/3/action/usage_stats_show?id=potholes", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Bad periods.
    for q in [
        "start=2024-05-10&end=2024-05-01",
        "start=2020-01-01&end=2024-01-01",
        "start=yesterday",
    ] {
        let r = app
            .get(
                &format!("/api/3/action/usage_stats_show?{q}"),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{q}");
    }

    // The dataset page shows the counts.
    let page = get_as(&app, "/dataset/meters", BROWSER).await;
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("id=\"dataset-usage\""), "{html}");
    assert!(html.contains("<strong>2</strong>"));
}

#[tokio::test]
async fn usage_counts_add_up_across_flushes() {
    let app = setup().await;
    for _ in 0..3 {
        get_as(&app, "/dataset/meters", BROWSER).await;
    }
    assert!(app.portal.flush_usage().await.expect("flush") >= 1);
    assert_eq!(app.portal.flush_usage().await.expect("flush"), 0);
    for _ in 0..2 {
        get_as(&app, "/dataset/meters", BROWSER).await;
    }
    app.portal.flush_usage().await.expect("flush");
    let public = app
        .get("/api/3/action/usage_stats_show?id=meters", None)
        .await
        .result();
    assert_eq!(public["views"], 5);
    // The CSV export has one row per day, kind, item and bot flag.
    let admin = app
        .portal
        .viewer_for_token(&app.admin_token)
        .await
        .expect("viewer");
    let report = app
        .portal
        .usage_report(&admin, &misto_actions::analytics::UsageQuery::default())
        .await
        .expect("report");
    let csv = misto_actions::analytics::usage_csv(&report);
    assert!(csv.starts_with("\u{feff}day,kind,item,label,dataset_id,bot,hits\r\n"));
    let views: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",dataset_view,"))
        .collect();
    assert_eq!(views.len(), 1, "{csv}");
    assert!(views[0].contains(",Лічильники,"), "{csv}");
    assert!(views[0].ends_with(",false,5"), "{csv}");
}

fn link_in(text: &str, marker: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains(marker))
        .expect("link")
        .to_string()
}

fn id_and_key(url: &str) -> (String, String) {
    let path = url.split("/subscriptions/").nth(1).expect("path");
    let id = path.split('/').next().expect("id").to_string();
    let key = url.split("key=").nth(1).expect("key").to_string();
    (id, key)
}

#[tokio::test]
async fn subscriptions_confirm_digest_and_unsubscribe() {
    let app = setup().await;
    app.admin(
        "package_create",
        json!({"name": "budget", "title": "Бюджет міста", "owner_org": "water", "tags": [{"name": "Бюджет"}]}),
    )
    .await;
    app.admin(
        "package_create",
        json!({"name": "secret", "title": "Таємне", "owner_org": "water", "private": true}),
    )
    .await;

    // Subscribe to a dataset: unconfirmed, with a confirmation e-mail.
    let s = app
        .post(
            "subscription_create",
            json!({"email": "Olena@Example.org", "kind": "dataset", "target": "meters"}),
            None,
        )
        .await
        .result();
    assert_eq!(s["confirmed"], false);
    assert_eq!(s["title"], "Лічильники");
    assert!(s.get("email").is_none(), "the address is not echoed");
    let id = s["id"].as_str().expect("id").to_string();
    let mail = email_job(&app, &format!("subscription-confirm:{id}"))
        .await
        .expect("confirmation e-mail");
    assert_eq!(mail["to"], "olena@example.org");
    assert!(mail["subject"].as_str().unwrap().contains("Лічильники"));
    let confirm = link_in(mail["text"].as_str().unwrap(), "/confirm?key=");
    let unsubscribe = link_in(mail["text"].as_str().unwrap(), "/unsubscribe?key=");
    let (cid, ckey) = id_and_key(&confirm);
    assert_eq!(cid, id);
    // The same again: the same subscription.
    let again = app
        .post(
            "subscription_create",
            json!({"email": "olena@example.org", "kind": "dataset", "target": "meters"}),
            None,
        )
        .await
        .result();
    assert_eq!(again["id"], json!(id));
    // Wrong keys do nothing; the unsubscribe key does not confirm.
    let (_, ukey) = id_and_key(&unsubscribe);
    for key in ["00", ukey.as_str()] {
        let r = app
            .post("subscription_confirm", json!({"id": id, "key": key}), None)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{key}");
    }
    let ok = app
        .post("subscription_confirm", json!({"id": id, "key": ckey}), None)
        .await
        .result();
    assert_eq!(ok["confirmed"], true);

    // A keyword subscription for another address, confirmed; a publisher
    // one left unconfirmed.
    let k = app
        .post(
            "subscription_create",
            json!({"email": "petro@example.org", "kind": "keyword", "target": "бюджет"}),
            None,
        )
        .await
        .result();
    let kid = k["id"].as_str().unwrap().to_string();
    let kmail = email_job(&app, &format!("subscription-confirm:{kid}"))
        .await
        .unwrap();
    let (_, kkey) = id_and_key(&link_in(kmail["text"].as_str().unwrap(), "/confirm?key="));
    app.post(
        "subscription_confirm",
        json!({"id": kid, "key": kkey}),
        None,
    )
    .await
    .result();
    app.post(
        "subscription_create",
        json!({"email": "ivan@example.org", "kind": "publisher", "target": "water"}),
        None,
    )
    .await
    .result();

    // Bad input, hidden datasets, the honeypot.
    let r = app
        .post(
            "subscription_create",
            json!({"email": "not-an-address", "kind": "cats", "target": "meters"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let err = r.json();
    assert!(
        err["error"]["email"].is_array() && err["error"]["kind"].is_array(),
        "{err}"
    );
    let r = app
        .post(
            "subscription_create",
            json!({"email": "o@example.org", "kind": "dataset", "target": "secret"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let bot = app
        .post(
            "subscription_create",
            json!({"email": "bot@example.org", "kind": "dataset", "target": "meters", "website": "http://spam"}),
            None,
        )
        .await
        .result();
    let bot_id = bot["id"].as_str().unwrap();
    assert!(
        email_job(&app, &format!("subscription-confirm:{bot_id}"))
            .await
            .is_none()
    );

    // Nothing changed since confirming: no digest.
    assert_eq!(app.portal.send_digests().await.expect("digest"), 0);
    // Changes: the digest job queues one e-mail per confirmed address.
    app.admin(
        "package_patch",
        json!({"id": "meters", "notes": "Оновлено"}),
    )
    .await;
    app.admin(
        "package_patch",
        json!({"id": "budget", "notes": "Оновлено"}),
    )
    .await;
    app.admin(
        "package_patch",
        json!({"id": "secret", "notes": "Оновлено"}),
    )
    .await;
    app.portal
        .enqueue_job(
            misto_actions::subscriptions::DIGEST_JOB,
            misto_actions::subscriptions::DIGEST_SUBJECT,
            json!({}),
            None,
        )
        .await
        .expect("queue");
    app.run_jobs().await;
    let day = misto_core::time::now().format("%Y-%m-%d").to_string();
    let olena = email_job(&app, &format!("digest:{day}:olena@example.org"))
        .await
        .expect("olena's digest");
    let text = olena["text"].as_str().unwrap();
    assert_eq!(olena["to"], "olena@example.org");
    assert!(
        text.contains("Лічильники") && text.contains("/dataset/meters"),
        "{text}"
    );
    assert!(
        !text.contains("Бюджет міста") && !text.contains("Таємне"),
        "{text}"
    );
    assert!(text.contains(&unsubscribe), "{text}");
    let petro = email_job(&app, &format!("digest:{day}:petro@example.org"))
        .await
        .expect("petro's digest");
    let text = petro["text"].as_str().unwrap();
    assert!(
        text.contains("Бюджет міста") && !text.contains("Лічильники"),
        "{text}"
    );
    assert!(
        email_job(&app, &format!("digest:{day}:ivan@example.org"))
            .await
            .is_none(),
        "unconfirmed subscriptions get nothing"
    );
    // The next digest is scheduled; nothing new until the data change again.
    let next = app
        .portal
        .job_status("digest", "daily")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.state, misto_core::JobState::Pending);
    assert_eq!(app.portal.send_digests().await.expect("digest"), 0);

    // One click unsubscribes, without logging in; the link works once.
    let path = unsubscribe.split_once("://").map(|(_, r)| r).unwrap();
    let path = &path[path.find('/').unwrap()..];
    let page = app.get(path, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page.body).contains("Лічильники"));
    let r = app
        .post("subscription_confirm", json!({"id": id, "key": ckey}), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "gone");
    let r = app
        .get(&format!("/subscriptions/{id}/unsubscribe?key=bad"), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.post("subscription_delete", json!({"id": kid, "key": id_and_key(&link_in(petro["text"].as_str().unwrap(), "/unsubscribe?key=")).1}), None)
        .await
        .result();
    app.admin("package_patch", json!({"id": "budget", "notes": "Ще раз"}))
        .await;
    assert_eq!(app.portal.send_digests().await.expect("digest"), 0);
}

#[tokio::test]
async fn dataset_feeds_list_the_changes_of_public_datasets() {
    let app = setup().await;
    app.admin(
        "package_patch",
        json!({"id": "meters", "notes": "Нові дані"}),
    )
    .await;
    let r = app.get("/feeds/dataset/meters.atom", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml")
    );
    let xml = String::from_utf8_lossy(&r.body);
    assert_eq!(xml.matches("<entry>").count(), 2, "{xml}");
    assert!(xml.contains("Набір даних змінено") && xml.contains("Набір даних опубліковано"));
    assert!(xml.contains("notes"), "{xml}");
    app.admin("package_patch", json!({"id": "meters", "private": true}))
        .await;
    assert_eq!(
        app.get("/feeds/dataset/meters.atom", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/feeds/dataset/meters", None).await.status,
        StatusCode::NOT_FOUND
    );
}
