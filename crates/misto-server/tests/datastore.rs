//! The datastore through the real door: uploads are ingested by the job
//! queue, then answered by the CKAN DataStore actions and the dump URL, on
//! SQLite and PostgreSQL. One fixture per reader case.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use serde_json::{Value, json};

/// Windows-1251 bytes of a text holding ASCII and Ukrainian letters.
fn cp1251(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            c if c.is_ascii() => c as u8,
            'А'..='я' => (c as u32 - 'А' as u32 + 0xC0) as u8,
            'і' => 0xB3,
            'І' => 0xB2,
            'ї' => 0xBF,
            'Ї' => 0xAF,
            'є' => 0xBA,
            'Є' => 0xAA,
            'ґ' => 0xB4,
            'Ґ' => 0xA5,
            '№' => 0xB9,
            _ => b'?',
        })
        .collect()
}

async fn dataset(app: &TestApp, name: &str, private: bool) -> String {
    if app
        .get("/api/3/action/organization_show?id=city", None)
        .await
        .status
        != StatusCode::OK
    {
        app.org("city").await;
    }
    let d = app
        .admin(
            "package_create",
            json!({"name": name, "title": format!("Набір {name}"), "owner_org": "city", "private": private}),
        )
        .await;
    d["id"].as_str().unwrap().to_string()
}

async fn upload(app: &TestApp, pkg: &str, file: &str, bytes: &[u8]) -> String {
    let r = app.upload(pkg, file, bytes, &app.admin_token).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.result()["id"].as_str().unwrap().to_string()
}

/// The first resource of a dataset as package_show embeds it.
async fn pkg_show_resource(app: &TestApp, pkg: &str) -> Value {
    app.admin("package_show", json!({"id": pkg})).await["resources"][0].clone()
}

async fn search(app: &TestApp, body: Value) -> Value {
    app.admin("datastore_search", body).await
}

fn schools_cp1251() -> Vec<u8> {
    let mut s = String::from("Назва;Район;Учнів;Бюджет;Відкрито;Активна\r\n");
    s.push_str("Школа №1;Подільський;420;1 200,50;01.09.1985;так\r\n");
    s.push_str("Ліцей «Інтелект»;Шевченківський;380;980,25;15.03.2001;так\r\n");
    s.push_str("Гімназія №3;Подільський;510;2 040,00;30.08.1999;ні\r\n");
    s.push_str("Школа №4;Оболонський;295;;01.09.2010;так\r\n");
    s.push_str("Школи №5;Оболонський;310;870,10;01.09.2012;так;зайве\r\n");
    s.push_str(";;;;;\r\n;;;;;\r\n\r\n");
    cp1251(&s)
}

#[tokio::test]
async fn cp1251_semicolons_dates_ragged_rows_typed_and_searchable() {
    let app = TestApp::new().await;
    let pkg = dataset(&app, "schools", false).await;
    let rid = upload(&app, &pkg, "школи.csv", &schools_cp1251()).await;

    // Queued, not yet loaded.
    let shown = app.admin("resource_show", json!({"id": rid})).await;
    assert_eq!(shown["datastore_active"], json!(false));
    let info = app.admin("datastore_info", json!({"id": rid})).await;
    assert_eq!(
        info["datastore_status"]["status"],
        json!("pending"),
        "{info}"
    );
    assert_eq!(info["meta"]["datastore_active"], json!(false));
    let r = app
        .post("datastore_search", json!({"resource_id": rid}), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let read_before = app.admin("package_show", json!({"id": pkg})).await;
    assert!(app.run_jobs().await >= 1);
    // The system's flag does not make a publisher's earlier read stale.
    let mut edit = read_before.clone();
    edit["notes"] = json!("Оновлено");
    let saved = app.admin("package_update", edit).await;
    assert_eq!(saved["resources"][0]["datastore_active"], json!(true));
    let shown = app.admin("resource_show", json!({"id": rid})).await;
    assert_eq!(shown["datastore_active"], json!(true), "{shown}");
    let info = app.admin("datastore_info", json!({"id": rid})).await;
    assert_eq!(info["datastore_status"]["status"], json!("done"));
    assert_eq!(info["datastore_status"]["message"], json!("5 rows loaded"));
    assert_eq!(
        info["datastore_status"]["progress"],
        json!({"done": 5, "total": 5})
    );
    assert_eq!(shown, pkg_show_resource(&app, &pkg).await);
    let pkg_show = app.admin("package_show", json!({"id": pkg})).await;
    assert_eq!(pkg_show["resources"][0]["datastore_active"], json!(true));

    let all = app
        .get(
            &format!("/api/3/action/datastore_search?resource_id={rid}"),
            None,
        )
        .await
        .result();
    let types: Vec<(&str, &str)> = all["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap(), f["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        types,
        [
            ("_id", "int"),
            ("Назва", "text"),
            ("Район", "text"),
            ("Учнів", "int"),
            ("Бюджет", "numeric"),
            ("Відкрито", "date"),
            ("Активна", "bool"),
        ]
    );
    assert_eq!(all["total"], json!(5));
    assert_eq!(all["limit"], json!(100));
    assert_eq!(all["records"][0]["Бюджет"], json!(1200.5));
    assert_eq!(all["records"][0]["Відкрито"], json!("1985-09-01"));
    assert_eq!(all["records"][2]["Активна"], json!(false));
    assert_eq!(all["records"][3]["Бюджет"], Value::Null);
    assert!(
        all["_links"]["start"]
            .as_str()
            .unwrap()
            .starts_with("/api/3/action/datastore_search?resource_id=")
    );
    assert!(
        all["_links"]["next"]
            .as_str()
            .unwrap()
            .ends_with("offset=100")
    );

    // Filters, sort, fields, word forms in q.
    let r = search(
        &app,
        json!({"resource_id": rid, "filters": {"Район": "Подільський"}, "sort": "Учнів desc", "fields": ["Назва", "Учнів"]}),
    )
    .await;
    assert_eq!(
        r["records"],
        json!([{"Назва": "Гімназія №3", "Учнів": 510}, {"Назва": "Школа №1", "Учнів": 420}])
    );
    assert_eq!(r["total"], json!(2));
    let r = search(&app, json!({"id": rid, "q": "школою", "fields": "Назва"})).await;
    let names: Vec<&str> = r["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["Назва"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Школа №1", "Школа №4", "Школи №5"]);
    let r = search(
        &app,
        json!({"resource_id": rid, "filters": {"Учнів": [295, "310"]}, "records_format": "lists", "fields": ["_id", "Учнів"]}),
    )
    .await;
    assert_eq!(r["records"], json!([[4, 295], [5, 310]]));
    let r = search(
        &app,
        json!({"resource_id": rid, "distinct": true, "fields": ["Район"], "sort": "Район", "records_format": "csv"}),
    )
    .await;
    assert_eq!(
        r["records"],
        json!("Оболонський\nПодільський\nШевченківський\n")
    );
    assert_eq!(r["total"], json!(3));
    let r = search(
        &app,
        json!({"resource_id": rid, "limit": 2, "offset": 2, "include_total": false}),
    )
    .await;
    assert_eq!(r["records"].as_array().unwrap().len(), 2);
    assert!(r.get("total").is_none());
    assert!(r["_links"]["prev"].is_null());

    // Bad parameters are CKAN validation errors.
    for body in [
        json!({"resource_id": rid, "sort": "nope"}),
        json!({"resource_id": rid, "filters": {"Учнів": "багато"}}),
        json!({"resource_id": rid, "fields": ["x"]}),
        json!({"resource_id": rid, "records_format": "xml"}),
    ] {
        let r = app.post("datastore_search", body.clone(), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{body}");
        assert_eq!(r.json()["error"]["__type"], json!("Validation Error"));
    }

    // The report: encoding, delimiter, the ragged row and its line.
    let info = app.admin("datastore_info", json!({"id": rid})).await;
    assert_eq!(info["meta"]["count"], json!(5));
    assert_eq!(info["report"]["encoding"], json!("windows-1251"));
    assert_eq!(info["report"]["delimiter"], json!(";"));
    let ragged: Vec<&Value> = info["report"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "ragged_row")
        .collect();
    assert_eq!(ragged.len(), 1, "{}", info["report"]);
    assert_eq!(ragged[0]["row"], json!(6));
}

#[tokio::test]
async fn bom_quoted_newlines_and_mixed_types_keep_every_value() {
    let app = TestApp::new().await;
    let pkg = dataset(&app, "mixed", false).await;
    let mut rows = String::from("\u{feff}id,опис,значення\n");
    for i in 1..=20 {
        rows.push_str(&format!("{i},\"рядок {i}\nз переносом\",{}\n", i * 10));
    }
    rows.push_str("21,\"останній, з комою\",н/д\n");
    let rid = upload(&app, &pkg, "mixed.csv", rows.as_bytes()).await;
    app.run_jobs().await;
    let info = app.admin("datastore_info", json!({"id": rid})).await;
    assert_eq!(info["report"]["bom"], json!(true));
    assert_eq!(info["fields"][1]["id"], json!("id"));
    assert_eq!(info["fields"][3]["type"], json!("int"));
    let col = &info["report"]["columns"][2];
    assert_eq!(col["misfits"], json!(1));
    assert_eq!(col["misfit_values"][0]["value"], json!("н/д"));
    let r = search(&app, json!({"resource_id": rid, "filters": {"id": 2}})).await;
    assert_eq!(r["records"][0]["опис"], json!("рядок 2\nз переносом"));
    // The value that did not fit is NULL in the typed column and still
    // findable by full text.
    let r = search(&app, json!({"resource_id": rid, "q": "н/д"})).await;
    assert_eq!(r["total"], json!(1));
    assert_eq!(r["records"][0]["значення"], Value::Null);

    // The publisher overrides the type: the file is loaded again.
    app.admin(
        "datastore_create",
        json!({"resource_id": rid, "fields": [{"id": "значення", "type": "text"}]}),
    )
    .await;
    app.run_jobs().await;
    let r = search(&app, json!({"resource_id": rid, "filters": {"id": 21}})).await;
    assert_eq!(r["records"][0]["значення"], json!("н/д"));
    assert_eq!(r["fields"][3]["type"], json!("text"));
    let info = app.admin("datastore_info", json!({"id": rid})).await;
    assert_eq!(info["meta"]["overrides"], json!({"значення": "text"}));
}

fn workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    s.set_name("Укриття").unwrap();
    s.merge_range(
        0,
        0,
        0,
        3,
        "Перелік укриттів станом на 01.01.2025",
        &rust_xlsxwriter::Format::new(),
    )
    .unwrap();
    for (c, h) in ["Адреса", "Місткість", "широта", "довгота"]
        .iter()
        .enumerate()
    {
        s.write_string(1, c as u16, *h).unwrap();
    }
    let data = [
        ("вул. Шевченка, 1", 120.0, 49.84, 24.03),
        ("пл. Ринок, 5", 80.0, 49.842, 24.031),
        ("просп. Свободи, 10", 200.0, 49.845, 24.027),
    ];
    for (r, (a, m, lat, lon)) in data.iter().enumerate() {
        let r = r as u32 + 2;
        s.write_string(r, 0, *a).unwrap();
        s.write_number(r, 1, *m).unwrap();
        s.write_number(r, 2, *lat).unwrap();
        s.write_number(r, 3, *lon).unwrap();
    }
    let s2 = book.add_worksheet();
    s2.set_name("Довідка").unwrap();
    s2.write_string(0, 0, "Джерело").unwrap();
    s2.write_string(1, 0, "Управління ДСНС").unwrap();
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn workbook_first_sheet_under_a_merged_title_then_dumps() {
    let app = TestApp::new().await;
    let pkg = dataset(&app, "shelters", false).await;
    let rid = upload(&app, &pkg, "укриття.xlsx", &workbook()).await;
    app.run_jobs().await;
    let info = app.admin("datastore_info", json!({"id": rid})).await;
    assert_eq!(info["report"]["sheet"], json!("Укриття"));
    assert_eq!(info["report"]["sheets"], json!(["Укриття", "Довідка"]));
    assert_eq!(info["report"]["header_row"], json!(2));
    assert_eq!(info["meta"]["count"], json!(3));
    let ids: Vec<&str> = info["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["_id", "Адреса", "Місткість", "широта", "довгота"]);

    // CSV with a BOM, filtered and sorted.
    let r = app
        .get(
            &format!("/datastore/dump/{rid}?format=csv&bom=true&sort=Місткість%20desc&fields=Адреса,Місткість&q=Шевченка"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let text = String::from_utf8(r.body.clone()).unwrap();
    assert_eq!(text, "\u{feff}Адреса,Місткість\n\"вул. Шевченка, 1\",120\n");
    let r = app
        .get(
            &format!("/datastore/dump/{rid}?format=csv&fields=Адреса,Місткість"),
            None,
        )
        .await;
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        "Адреса,Місткість\n\"вул. Шевченка, 1\",120\n\"пл. Ринок, 5\",80\n\"просп. Свободи, 10\",200\n"
    );
    assert!(
        r.headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let r = app
        .get(
            &format!("/datastore/dump/{rid}?format=tsv&limit=1&fields=Місткість"),
            None,
        )
        .await;
    assert_eq!(
        String::from_utf8(r.body.clone()).unwrap(),
        "Місткість\n120\n"
    );
    let r = app
        .get(&format!("/datastore/dump/{rid}?format=json"), None)
        .await;
    let j = r.json();
    assert_eq!(j["fields"][0]["id"], json!("_id"));
    assert_eq!(
        j["records"][1],
        json!([2, "пл. Ринок, 5", 80, 49.842, 24.031])
    );
    let r = app
        .get(
            &format!("/datastore/dump/{rid}?format=geojson&filters=%7B%22Місткість%22%3A200%7D"),
            None,
        )
        .await;
    let g = r.json();
    assert_eq!(g["type"], json!("FeatureCollection"));
    assert_eq!(g["features"].as_array().unwrap().len(), 1);
    assert_eq!(
        g["features"][0]["geometry"]["coordinates"],
        json!([24.027, 49.845])
    );
    assert_eq!(
        g["features"][0]["properties"]["Адреса"],
        json!("просп. Свободи, 10")
    );
    let r = app
        .get(&format!("/datastore/dump/{rid}?format=xlsx"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(b"PK\x03\x04"));
    let back = misto_tabular_roundtrip(&r.body);
    assert_eq!(back, 3);
    let r = app
        .get(&format!("/datastore/dump/{rid}?format=xml"), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// Data rows of the first sheet of an XLSX, read back.
fn misto_tabular_roundtrip(bytes: &[u8]) -> usize {
    let book = misto_tabular::read(bytes, misto_tabular::Format::Xlsx, "dump.xlsx").unwrap();
    book.tables[0].rows.len()
}

#[tokio::test]
async fn a_failed_reload_keeps_the_previous_table_and_says_why() {
    let app = TestApp::new().await;
    let pkg = dataset(&app, "reload", false).await;
    let rid = upload(&app, &pkg, "a.csv", "x,y\n1,2\n3,4\n".as_bytes()).await;
    app.run_jobs().await;
    // Replace the file with one that cannot be read.
    let boundary = "B0UNDARY";
    let mut body = Vec::new();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n{rid}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"a.xlsx\"\r\n\r\n").as_bytes());
    body.extend_from_slice(b"PK\x03\x04 this is not a workbook");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::post("/api/3/action/resource_update")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("Authorization", &app.admin_token)
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    app.run_jobs().await;
    let shown = app.admin("resource_show", json!({"id": rid})).await;
    let info = app.admin("datastore_info", json!({"id": rid})).await;
    assert_eq!(info["datastore_status"]["status"], json!("error"), "{info}");
    assert!(
        info["datastore_status"]["message"]
            .as_str()
            .unwrap()
            .contains("could not be read"),
        "{shown}"
    );
    assert_eq!(shown["datastore_active"], json!(true));
    let r = search(&app, json!({"resource_id": rid})).await;
    assert_eq!(r["total"], json!(2));
    assert_eq!(r["records"][1]["x"], json!(3));
}

#[tokio::test]
async fn private_tables_do_not_leak_through_any_door() {
    let app = TestApp::new().await;
    let outsider = app.user_token("outsider").await;
    let open = dataset(&app, "open", false).await;
    let secret = dataset(&app, "secret", true).await;
    let open_rid = upload(&app, &open, "o.csv", "a,b\n1,x\n2,y\n".as_bytes()).await;
    let secret_rid = upload(&app, &secret, "s.csv", "a,b\n1,таємниця\n".as_bytes()).await;
    app.run_jobs().await;
    for token in [None, Some(outsider.as_str())] {
        for action in ["datastore_search", "datastore_info"] {
            let r = app
                .post(action, json!({"resource_id": secret_rid}), token)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{action} leaked");
        }
        let r = app
            .get(&format!("/datastore/dump/{secret_rid}"), token)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .post(
                "datastore_search_sql",
                json!({"sql": format!("SELECT * FROM \"{secret_rid}\"")}),
                token,
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(!String::from_utf8_lossy(&r.body).contains("таємниця"));
        let r = app
            .post(
                "datastore_upsert",
                json!({"resource_id": open_rid, "records": [{"a": 3, "b": "z"}], "method": "insert"}),
                token,
            )
            .await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN),
            "{}",
            String::from_utf8_lossy(&r.body)
        );
    }
    // The owner (a sysadmin here) reads both.
    let r = app
        .admin(
            "datastore_search_sql",
            json!({"sql": format!("SELECT s.b FROM \"{secret_rid}\" s JOIN \"{open_rid}\" o ON o.a = s.a")}),
        )
        .await;
    assert_eq!(r["records"], json!([{"b": "таємниця"}]));
}

#[tokio::test]
async fn search_sql_answers_selects_and_refuses_the_rest() {
    let app = TestApp::new().await;
    let pkg = dataset(&app, "sql", false).await;
    let rid = upload(&app, &pkg, "s.csv", &schools_cp1251()).await;
    app.run_jobs().await;
    let r = app
        .get(
            &format!(
                "/api/3/action/datastore_search_sql?sql={}",
                urlencode(&format!(
                    "SELECT \"Район\", COUNT(*) AS n, SUM(\"Учнів\") AS pupils FROM \"{rid}\" GROUP BY \"Район\" ORDER BY n DESC, \"Район\""
                ))
            ),
            None,
        )
        .await
        .result();
    assert_eq!(
        r["records"][0],
        json!({"Район": "Оболонський", "n": 2, "pupils": 605})
    );
    assert_eq!(r["fields"][1]["id"], json!("n"));
    assert!(r.get("records_truncated").is_none());
    let refused = [
        "SELECT * FROM users".to_string(),
        "SELECT * FROM api_tokens".to_string(),
        "SELECT * FROM datastore_tables".to_string(),
        "SELECT name FROM sqlite_master".to_string(),
        "SELECT * FROM pg_catalog.pg_authid".to_string(),
        format!("DELETE FROM \"{rid}\""),
        format!("UPDATE \"{rid}\" SET \"Учнів\" = 0"),
        format!("DROP TABLE \"{rid}\""),
        format!("SELECT 1; DROP TABLE \"{rid}\""),
        "ATTACH DATABASE '/tmp/evil.db' AS evil".to_string(),
        "PRAGMA writable_schema = 1".to_string(),
        "SELECT load_extension('/tmp/evil.so')".to_string(),
        "SELECT pg_read_file('/etc/passwd')".to_string(),
        "CREATE TABLE x (a int)".to_string(),
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c"
            .to_string(),
    ];
    for sql in &refused {
        let r = app
            .post(
                "datastore_search_sql",
                json!({"sql": sql}),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "{sql}: {}",
            String::from_utf8_lossy(&r.body)
        );
        assert_eq!(r.json()["error"]["__type"], json!("Validation Error"));
        assert!(r.json()["error"]["sql"][0].is_string());
    }
    // The table is intact.
    let r = search(&app, json!({"resource_id": rid, "limit": 0})).await;
    assert_eq!(r["total"], json!(5));
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn api_managed_tables_create_upsert_delete() {
    let app = TestApp::new().await;
    let pkg = dataset(&app, "api", false).await;
    let created = app
        .admin(
            "datastore_create",
            json!({
                "resource": {"package_id": pkg, "name": "Лічильники"},
                "fields": [{"id": "код", "type": "text"}, {"id": "показник", "type": "int"}, {"id": "дата", "type": "date"}],
                "primary_key": "код",
                "records": [{"код": "A1", "показник": 10, "дата": "01.02.2025"}, {"код": "B2", "показник": 20}]
            }),
        )
        .await;
    let rid = created["resource_id"].as_str().unwrap().to_string();
    assert_eq!(created["primary_key"], json!(["код"]));
    app.admin(
        "datastore_upsert",
        json!({"resource_id": rid, "records": [{"код": "B2", "показник": 25}, {"код": "C3", "показник": 30}]}),
    )
    .await;
    let r = app
        .post(
            "datastore_upsert",
            json!({"resource_id": rid, "method": "update", "records": [{"код": "Z9", "показник": 1}]}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .post(
            "datastore_upsert",
            json!({"resource_id": rid, "method": "insert", "records": [{"код": "A1", "показник": 1}]}),
            Some(&app.admin_token),
        )
        .await;
    assert_ne!(r.status, StatusCode::OK, "a duplicate key must be refused");
    let r = search(&app, json!({"resource_id": rid, "sort": "код"})).await;
    assert_eq!(
        r["records"],
        json!([
            {"_id": 1, "код": "A1", "показник": 10, "дата": "2025-02-01"},
            {"_id": 2, "код": "B2", "показник": 25, "дата": null},
            {"_id": 3, "код": "C3", "показник": 30, "дата": null}
        ])
    );
    let shown = app.admin("resource_show", json!({"id": rid})).await;
    assert_eq!(shown["datastore_active"], json!(true));
    app.admin(
        "datastore_records_delete",
        json!({"resource_id": rid, "filters": {"код": ["A1", "C3"]}}),
    )
    .await;
    let info = app.admin("datastore_info", json!({"id": rid})).await;
    assert_eq!(info["meta"]["count"], json!(1));
    let r = app
        .post(
            "datastore_records_delete",
            json!({"resource_id": rid}),
            Some(&app.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    app.admin("datastore_delete", json!({"resource_id": rid}))
        .await;
    let r = app
        .post("datastore_search", json!({"resource_id": rid}), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let shown = app.admin("resource_show", json!({"id": rid})).await;
    assert_eq!(shown["datastore_active"], json!(false));
}

#[tokio::test]
async fn only_the_chart_page_may_be_framed_and_the_page_script_query_answers() {
    let app = TestApp::new().await;
    let pkg = dataset(&app, "framing", false).await;
    let csv = "район,сума\nА,1\nБ,2\nА,3\n";
    let rid = upload(&app, &pkg, "framing.csv", csv.as_bytes()).await;
    app.run_jobs().await;
    // A table loaded from a file is a columnar table file: no index job.
    let index = app
        .portal
        .job_status(misto_actions::datastore::INDEX_JOB, &rid)
        .await
        .unwrap();
    assert!(index.is_none(), "{index:?}");
    let header = |r: &common::Resp, h: &str| {
        r.headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let page = app
        .get(&format!("/dataset/framing/resource/{rid}"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(header(&page, "x-frame-options"), "DENY");
    assert!(header(&page, "content-security-policy").contains("frame-ancestors 'none'"));
    let chart = app
        .get(
            &format!("/dataset/framing/resource/{rid}/chart?chart=pie&x=%D1%80%D0%B0%D0%B9%D0%BE%D0%BD&agg=sum&y=%D1%81%D1%83%D0%BC%D0%B0"),
            None,
        )
        .await;
    assert_eq!(chart.status, StatusCode::OK);
    assert_eq!(header(&chart, "x-frame-options"), "");
    assert!(header(&chart, "content-security-policy").contains("frame-ancestors *"));
    let body = String::from_utf8_lossy(&chart.body);
    assert!(body.contains("(66,7\u{a0}%)"), "{body}");
    // What static/datastore.js sends when a header is clicked and a filter typed.
    let r = app
        .post(
            "datastore_search",
            json!({"resource_id": rid, "limit": 20, "offset": 0, "include_total": true,
                   "filters": {"район": "А"}, "sort": "сума desc"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = r.result();
    assert_eq!(r["total"], 2);
    assert_eq!(r["records"][0]["сума"], 3);
}

#[tokio::test]
async fn datastore_aggregate_groups_with_filters_full_text_and_sort() {
    let app = TestApp::new().await;
    let pkg = dataset(&app, "aggregate", false).await;
    let csv = "район,тип,сума,дата\n\
               Подільський,Школа №1,10,01.02.2024\n\
               Подільський,Бібліотека,5,03.02.2024\n\
               Оболонський,Школа №2,7,02.01.2024\n\
               Оболонський,Школа №3,1,05.03.2024\n\
               Шевченківський,Бібліотека,2,\n";
    let rid = upload(&app, &pkg, "aggregate.csv", csv.as_bytes()).await;
    app.run_jobs().await;
    let r = app
        .admin(
            "datastore_aggregate",
            json!({
                "resource_id": rid,
                "group_by": ["район"],
                "aggregates": [
                    {"function": "count"},
                    {"function": "sum", "field": "сума"},
                    {"function": "avg", "field": "сума", "as": "середня"},
                    {"function": "max", "field": "дата"}
                ],
                "include_total": true
            }),
        )
        .await;
    assert_eq!(
        r["fields"],
        json!([
            {"id": "район", "type": "text"},
            {"id": "count", "type": "int"},
            {"id": "sum_сума", "type": "int"},
            {"id": "середня", "type": "numeric"},
            {"id": "max_дата", "type": "date"}
        ])
    );
    assert_eq!(
        r["records"],
        json!([
            {"район": "Оболонський", "count": 2, "sum_сума": 8, "середня": 4.0, "max_дата": "2024-03-05"},
            {"район": "Подільський", "count": 2, "sum_сума": 15, "середня": 7.5, "max_дата": "2024-02-03"},
            {"район": "Шевченківський", "count": 1, "sum_сума": 2, "середня": 2.0, "max_дата": null}
        ])
    );
    assert_eq!(r["total"], 3);
    assert_eq!(r["limit"], 1000);
    // The GET form: comma lists and "function:field" strings; full text
    // (Ukrainian word forms) and filters narrow the rows before grouping;
    // sort by an aggregate; lists.
    let r = app
        .get(
            &format!(
                "/api/3/action/datastore_aggregate?resource_id={rid}&group_by={}&aggregates={}&q={}&sort={}&records_format=lists&limit=1",
                urlencode("район"),
                urlencode("count,sum:сума"),
                urlencode("школою"),
                urlencode("sum_сума desc")
            ),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let v = r.result();
    assert_eq!(v["records"], json!([["Подільський", 1, 10]]));
    assert!(v.get("total").is_none());
    let r = app
        .admin(
            "datastore_aggregate",
            json!({"resource_id": rid, "filters": {"тип": "Бібліотека"}}),
        )
        .await;
    assert_eq!(r["records"], json!([{"count": 2}]));
    // The same numbers the chart builder draws (it calls the same action).
    let chart = app
        .get(
            &format!(
                "/dataset/aggregate/resource/{rid}?chart=bar&x={}&agg=sum&y={}",
                urlencode("район"),
                urlencode("сума")
            ),
            None,
        )
        .await;
    assert_eq!(chart.status, StatusCode::OK);
    // Refusals: unknown fields, sums of text, unknown functions, sort by a
    // name that is not in the answer.
    for (body, field) in [
        (json!({"resource_id": rid, "group_by": "нема"}), "group_by"),
        (
            json!({"resource_id": rid, "aggregates": "sum:тип"}),
            "aggregates",
        ),
        (
            json!({"resource_id": rid, "aggregates": "median:сума"}),
            "aggregates",
        ),
        (
            json!({"resource_id": rid, "group_by": "район", "sort": "тип"}),
            "sort",
        ),
        (
            json!({"resource_id": rid, "aggregates": ["count", "count"]}),
            "aggregates",
        ),
    ] {
        let r = app
            .post("datastore_aggregate", body.clone(), Some(&app.admin_token))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{body}");
        let err: Value = serde_json::from_slice(&r.body).unwrap();
        assert!(err["error"].get(field).is_some(), "{body}: {err}");
    }
    // A private dataset's table does not exist for others.
    let private = dataset(&app, "aggregate-private", true).await;
    let hidden = upload(&app, &private, "hidden.csv", csv.as_bytes()).await;
    app.run_jobs().await;
    let r = app
        .post("datastore_aggregate", json!({"resource_id": hidden}), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
