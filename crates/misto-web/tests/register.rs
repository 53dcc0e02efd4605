//! The register and compliance pages driven in-process through
//! `misto_web::router`: the council's and a publisher's register with
//! filters and counts, the audit entry forms (validation next to the
//! fields, CSRF, only the publisher's admins), publishing the register as a
//! dataset, the compliance page, and replacing the Resolution 835 list by
//! uploading a CSV, which the dataset form then offers.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Resp, hidden};
use misto_actions::accounts::system_viewer;
use misto_actions::datasets::DatasetInput;
use misto_actions::publishers::PublisherInput;
use misto_actions::{Portal, PortalConfig};

const PASSWORD: &str = "correct-horse-1";

struct App {
    portal: Portal,
    router: axum::Router,
}

impl App {
    async fn new() -> Self {
        let portal = common::fresh_portal(PortalConfig::default()).await;
        let sys = system_viewer();
        for (name, title) in [
            ("finance", "Департамент фінансів"),
            ("transport", "Управління транспорту"),
        ] {
            portal
                .create_publisher(
                    &sys,
                    PublisherInput {
                        name: name.into(),
                        title: Some(title.into()),
                        ..PublisherInput::default()
                    },
                )
                .await
                .unwrap();
        }
        for (user, sysadmin) in [("coord", true), ("boss", false), ("editor", false)] {
            common::add_user(&portal, user, PASSWORD, sysadmin).await;
        }
        portal
            .set_member(&sys, "finance", "boss", "admin")
            .await
            .unwrap();
        portal
            .set_member(&sys, "finance", "editor", "editor")
            .await
            .unwrap();
        let old = misto_core::time::ckan_format(
            &(misto_core::time::now() - misto_core::time::Duration::days(90)),
        );
        for (name, title, org, item, freq, updated) in [
            (
                "budget",
                "Бюджет міста",
                "finance",
                "OMS-02",
                "once a year",
                None,
            ),
            (
                "timetable",
                "Розклад руху транспорту",
                "transport",
                "OMS-39",
                "once a month",
                Some(old),
            ),
        ] {
            portal
                .create_dataset(
                    &sys,
                    DatasetInput {
                        name: name.into(),
                        title: Some(title.into()),
                        owner_org: Some(org.into()),
                        resolution_835_item: Some(item.into()),
                        update_frequency: Some(freq.into()),
                        data_updated: updated,
                        ..DatasetInput::default()
                    },
                )
                .await
                .unwrap();
        }
        let router = misto_web::router(portal.clone());
        Self { portal, router }
    }

    async fn get(&self, uri: &str, cookie: &str) -> Resp {
        common::get(&self.router, uri, cookie).await
    }

    async fn post(&self, uri: &str, cookie: &str, pairs: &[(&str, &str)]) -> Resp {
        common::post(&self.router, uri, cookie, pairs).await
    }

    async fn login(&self, user: &str) -> String {
        common::login(&self.router, user, PASSWORD).await
    }

    /// A multipart POST of the compliance import form.
    async fn import(&self, cookie: &str, csrf: &str, op: &str, csv: &str) -> Resp {
        let b = "XmistoBOUNDARY";
        let mut body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"op\"\r\n\r\n{op}\r\n"
        );
        if !csv.is_empty() {
            body.push_str(&format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"835.csv\"\r\n\
                 Content-Type: text/csv\r\n\r\n{csv}\r\n"
            ));
        }
        body.push_str(&format!("--{b}--\r\n"));
        let req = Request::post("/compliance/import")
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={b}"),
            )
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap();
        common::send(&self.router, req).await
    }
}

/// The rows of the register table: the text of each `<th scope="row">`.
fn row_titles(body: &str) -> Vec<String> {
    body.split("<th scope=\"row\">")
        .skip(1)
        .map(|s| {
            let cell = s.split("</th>").next().unwrap_or("");
            // Strip a link around the title.
            let mut out = String::new();
            let mut in_tag = false;
            for c in cell.chars() {
                match c {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    c if !in_tag => out.push(c),
                    _ => {}
                }
            }
            out
        })
        .collect()
}

#[tokio::test]
async fn register_pages_filter_count_and_edit_audit_entries() {
    let app = App::new().await;

    // Anyone reads the council's register: published datasets with links,
    // counts by status and the downloads.
    let page = app.get("/register", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Реєстр наборів даних</h1>"));
    assert_eq!(
        row_titles(&page.body),
        vec!["Бюджет міста", "Розклад руху транспорту"]
    );
    assert!(
        page.body
            .contains("<a href=\"/dataset/budget\">Бюджет міста</a>")
    );
    assert!(page.body.contains("href=\"/register.csv\""));
    assert!(page.body.contains("href=\"/register.xlsx\""));
    assert!(
        page.body
            .contains("Оприлюднено <span class=\"count\">(2)</span>")
    );
    assert!(
        page.body
            .contains("Заплановано <span class=\"count\">(0)</span>")
    );
    assert!(
        !page.body.contains("/register/new"),
        "no add link for visitors"
    );

    // An editor may not keep the register; the publisher's admin may.
    let editor = app.login("editor").await;
    assert_eq!(
        app.get("/register/new", &editor).await.status,
        StatusCode::FORBIDDEN
    );
    let boss = app.login("boss").await;
    let page = app.get("/organization/finance/register", &boss).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        row_titles(&page.body),
        vec!["Бюджет міста"],
        "one publisher's"
    );
    assert!(
        page.body
            .contains("href=\"/register.csv?organization=finance\"")
    );
    assert!(
        page.body
            .contains("href=\"/register/new?publisher=finance\"")
    );
    let form = app.get("/register/new?publisher=finance", &boss).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("<option value=\"finance\" selected>"));
    assert!(
        !form.body.contains("<option value=\"transport\""),
        "only publishers the person administers"
    );
    assert!(
        form.body.contains("<option value=\"OMS-39\">"),
        "the 835 list is offered"
    );
    let csrf = hidden(&form.body, "csrf");

    // Without the token nothing is saved.
    let r = app
        .post(
            "/register/new",
            &boss,
            &[("csrf", "forged"), ("publisher", "finance"), ("title", "X")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Problems come back next to their fields, in Ukrainian.
    let r = app
        .post(
            "/register/new",
            &boss,
            &[
                ("csrf", &csrf),
                ("publisher", "finance"),
                ("title", ""),
                ("status", "planned"),
                ("responsible_email", "not-an-email"),
                ("location", "1С: Бухгалтерія"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-title\""), "{}", r.body);
    assert!(r.body.contains("id=\"e-target_date\""));
    assert!(
        r.body
            .contains("Для запланованого запису вкажіть дату оприлюднення.")
    );
    assert!(r.body.contains("id=\"e-responsible_email\""));
    assert!(
        r.body.contains("href=\"#f-target_date\""),
        "the summary links the field"
    );
    assert!(
        r.body.contains("value=\"1С: Бухгалтерія\""),
        "what was typed is kept"
    );

    let r = app
        .post(
            "/register/new",
            &boss,
            &[
                ("csrf", &csrf),
                ("publisher", "finance"),
                ("title", "Реєстр договорів оренди"),
                ("location", "1С: Бухгалтерія"),
                ("format", "XLSX"),
                ("responsible", "Іваненко І. І."),
                ("responsible_email", "ivanenko@example.org"),
                ("update_frequency", "once a month"),
                ("status", "planned"),
                ("target_date", "2027-06-30"),
                ("resolution_835_item", "OMS-32"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/organization/finance/register?saved=1");
    let page = app.get(r.location(), &boss).await;
    assert!(page.body.contains("Реєстр оновлено."));
    assert!(page.body.contains("Реєстр договорів оренди"));
    assert!(page.body.contains("1С: Бухгалтерія"));
    assert!(page.body.contains("до 2027-06-30"));
    assert!(page.body.contains("Щомісяця"));
    assert!(page.body.contains("mailto:ivanenko@example.org"));

    // Filters by status, with counts.
    let planned = app.get("/register?status=planned", "").await;
    assert_eq!(row_titles(&planned.body), vec!["Реєстр договорів оренди"]);
    assert!(
        planned
            .body
            .contains("Заплановано <span class=\"count\">(1)</span>")
    );
    assert!(
        planned
            .body
            .contains("Усі <span class=\"count\">(3)</span>")
    );
    assert_eq!(
        app.get("/register?status=whatever", "").await.status,
        StatusCode::BAD_REQUEST
    );
    let by_choice = app.get("/register?publisher=transport", "").await;
    assert_eq!(row_titles(&by_choice.body), vec!["Розклад руху транспорту"]);

    // Edit: not to be published needs a reason.
    let edit_url = page
        .body
        .split("href=\"/register/entry/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(|s| format!("/register/entry/{s}"))
        .unwrap();
    assert!(edit_url.ends_with("/edit"));
    let form = app.get(&edit_url, &boss).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"Реєстр договорів оренди\""));
    assert!(form.body.contains("<option value=\"OMS-32\" selected>"));
    assert_eq!(
        app.get(&edit_url, &editor).await.status,
        StatusCode::FORBIDDEN
    );
    let fields = |status: &'static str, reason: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("publisher", "finance".to_string()),
            ("title", "Реєстр договорів оренди".to_string()),
            ("status", status.to_string()),
            ("reason", reason.to_string()),
        ]
    };
    let pairs = fields("not_to_publish", "");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post(&edit_url, &boss, &pairs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Вкажіть, чому дані не підлягають оприлюдненню.")
    );
    let pairs = fields("not_to_publish", "Містить персональні дані");
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.post(&edit_url, &boss, &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get("/register?status=not_to_publish", "").await;
    assert_eq!(row_titles(&page.body), vec!["Реєстр договорів оренди"]);
    assert!(page.body.contains("Містить персональні дані"));

    // In English.
    let en = app.get("/register?lang=en", "").await;
    assert!(en.body.contains("<h1>Register of datasets</h1>"));
    assert!(en.body.contains("Not to be published"));

    // Delete.
    let delete_url = edit_url.replace("/edit", "/delete");
    let r = app.post(&delete_url, &editor, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only admins delete");
    let editor_csrf = hidden(&app.get("/register", &editor).await.body, "csrf");
    let r = app
        .post(&delete_url, &editor, &[("csrf", &editor_csrf)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only admins delete");
    let r = app.post(&delete_url, &boss, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/register", "").await;
    assert!(!page.body.contains("Реєстр договорів оренди"));
}

#[tokio::test]
async fn sysadmins_publish_the_register_as_a_dataset() {
    let app = App::new().await;
    let boss = app.login("boss").await;
    let page = app.get("/register", &boss).await;
    assert!(
        !page.body.contains("action=\"/register/publish\""),
        "only sysadmins publish"
    );
    let csrf = hidden(&page.body, "csrf");
    let r = app
        .post(
            "/register/publish",
            &boss,
            &[("csrf", &csrf), ("publisher", "finance")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let coord = app.login("coord").await;
    let page = app.get("/register", &coord).await;
    assert!(page.body.contains("action=\"/register/publish\""));
    assert!(page.body.contains("Оприлюднити реєстр"));
    let csrf = hidden(&page.body, "csrf");
    let r = app
        .post(
            "/register/publish",
            &coord,
            &[("csrf", &csrf), ("publisher", "finance")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/dataset/reiestr-naboriv-danykh");
    let d = app
        .portal
        .show_dataset(&system_viewer(), "reiestr-naboriv-danykh")
        .unwrap();
    let urls: Vec<&str> = d.resources.iter().map(|r| r.url.as_str()).collect();
    let site = app.portal.config().site_url.clone();
    assert_eq!(
        urls,
        vec![
            format!("{site}/register.csv"),
            format!("{site}/register.json"),
            format!("{site}/register.xlsx")
        ]
    );
    let page = app.get("/register", "").await;
    assert!(page.body.contains("Реєстр оприлюднено як набір даних"));
    assert!(
        page.body
            .contains("<a href=\"/dataset/reiestr-naboriv-danykh\">Реєстр наборів даних</a>")
    );
    let page = app.get("/register", &coord).await;
    assert!(page.body.contains("Оновити набір даних реєстру"));
    let r = app
        .post(
            "/register/publish",
            &coord,
            &[("csrf", &csrf), ("publisher", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.portal.catalog().read(|ix| ix.len()),
        3,
        "updated, not duplicated"
    );
}

#[tokio::test]
async fn compliance_page_and_importing_a_new_list() {
    let app = App::new().await;
    let page = app.get("/compliance", "").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Виконання постанови № 835</h1>"));
    assert!(page.body.contains("<dd>73</dd>"));
    assert!(page.body.contains("<dd>1 (1%)</dd>"), "one item fulfilled");
    assert!(
        page.body
            .contains("<a href=\"/dataset/budget\">Бюджет міста</a>")
    );
    assert!(
        page.body.contains(
            "<a href=\"/dataset/timetable\">Розклад руху транспорту</a> <span class=\"badge badge-overdue\">"
        ),
        "an overdue dataset is marked"
    );
    assert!(page.body.contains("href=\"/compliance.csv\""));
    assert!(page.body.contains("href=\"/compliance.xlsx\""));
    assert!(
        page.body
            .contains("href=\"/organization/finance/compliance\"")
    );
    assert!(
        !page.body.contains("/compliance/import"),
        "no import form for visitors"
    );

    let missing = app.get("/compliance?status=missing", "").await;
    assert!(
        missing
            .body
            .contains("Не оприлюднено <span class=\"count\">(71)</span>")
    );
    assert!(!missing.body.contains("/dataset/budget"));
    let overdue = app.get("/compliance?status=overdue", "").await;
    assert!(overdue.body.contains("OMS-39"));
    assert!(!overdue.body.contains("<td>OMS-02</td>"));

    let finance = app.get("/organization/finance/compliance", "").await;
    assert!(
        finance
            .body
            .contains("Виконання постанови № 835: Департамент фінансів")
    );
    assert!(
        finance
            .body
            .contains("href=\"/compliance.csv?organization=finance\"")
    );
    assert!(!finance.body.contains("/dataset/timetable"));
    let en = app.get("/compliance?lang=en", "").await;
    assert!(en.body.contains("<h1>Resolution 835 compliance</h1>"));
    assert!(
        en.body.contains("Roll-call voting results"),
        "item names in English"
    );

    // A sysadmin replaces the list; a broken file changes nothing and
    // every problem names its line and column.
    let coord = app.login("coord").await;
    let page = app.get("/compliance", &coord).await;
    assert!(page.body.contains("action=\"/compliance/import\""));
    let csrf = hidden(&page.body, "csrf");
    let boss = app.login("boss").await;
    let boss_csrf = hidden(&app.get("/compliance", &boss).await.body, "csrf");
    let r = app
        .import(&boss, &boss_csrf, "", "number,name_uk\nA,Б\n")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .import(&coord, "forged", "", "number,name_uk\nA,Б\n")
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = app
        .import(
            &coord,
            &csrf,
            "",
            "number,name_uk,name_en\nN-1,Перший,First\nN-1,Другий,\n,Третій,\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Рядок 3, колонка number: &quot;N-1&quot;: номер пункту повторюється"),
        "{}",
        r.body
    );
    assert!(
        r.body
            .contains("Рядок 4, колонка number: значення відсутнє")
    );
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert_eq!(app.portal.resolution835_list().items.len(), 73);

    let r = app
        .import(
            &coord,
            &csrf,
            "",
            "number,name_uk,name_en,category,update_frequency\n\
             N-1,Бюджет громади,Community budget,finance,once a year\n\
             N-2,Розклад руху,Timetables,transport,Щомісяця\n",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/compliance?imported=1");
    let page = app.get("/compliance?imported=1", &coord).await;
    assert!(page.body.contains("Перелік оновлено."));
    assert!(page.body.contains("<dd>2</dd>"));
    assert!(page.body.contains("Перелік: завантажений адміністратором"));
    assert!(page.body.contains("<td>N-2</td>"));
    assert!(!page.body.contains("<td>OMS-02</td>"));
    assert!(page.body.contains("Повернути вбудований перелік"));

    // The dataset form offers the list in force.
    let form = app.get("/dataset/new", &coord).await;
    assert!(
        form.body
            .contains("<option value=\"N-2\">N-2: Розклад руху</option>"),
        "{}",
        form.body
    );
    assert!(!form.body.contains("<option value=\"OMS-02\""));
    let form = app.get("/dataset/budget/edit", &coord).await;
    assert!(
        form.body
            .contains("<option value=\"OMS-02\" selected>OMS-02</option>"),
        "an item no longer listed stays visible"
    );

    // Back to the built-in list.
    let r = app.import(&coord, &csrf, "reset", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.portal.resolution835_list().items.len(), 73);
    let page = app.get("/compliance", &coord).await;
    assert!(page.body.contains("<dd>73</dd>"));
}
