//! Quarterly monitoring through the API: `monitoring_show` and
//! `assessment_card_show` for coordinators only, their figures checked
//! against a small catalog, `publisher_rating_list?quarter=` and
//! `publisher_rating_history`, and the quarter snapshot job that keeps an
//! ended quarter once and queues itself for the next quarter's end.

mod common;

use axum::http::StatusCode;
use common::TestApp;
use misto_actions::monitoring::{QUARTER_SNAPSHOT_JOB, QUARTER_SNAPSHOT_SUBJECT, Quarter};
use misto_core::JobState;
use serde_json::{Value, json};

fn days_ago(d: i64) -> String {
    (misto_core::time::now() - chrono::Duration::days(d))
        .format("%Y-%m-%d")
        .to_string()
}

const NOTES: &str = "Перелік закладів міста з кодами ЄДРПОУ, датами відкриття та обсягами фінансування за рік; оновлюється щокварталу.";

/// Two publishers: `city` with a well-kept dataset fulfilling a Resolution
/// 835 item and an overdue one; `lazy` with a poor dataset, a late
/// planned register entry and feedback, one piece answered.
async fn catalog(app: &TestApp) {
    app.org("city").await;
    app.org("lazy").await;
    let good = app
        .admin(
            "package_create",
            json!({
                "name": "good", "title": "Заклади", "owner_org": "city", "notes": NOTES,
                "tags": ["заклади", "освіта", "фінансування"],
                "maintainer": "Олена Коваль", "maintainer_email": "olena@example.org",
                "update_frequency": "once a quarter", "data_updated": days_ago(5),
                "purpose_of_collecting_information": "Облік закладів",
                "license_id": "cc-by-4.0", "groups": [{"name": "derzhava"}],
                "resolution_835_item": "ALL-01",
            }),
        )
        .await;
    let r = app
        .upload(
            good["id"].as_str().unwrap(),
            "good.csv",
            "name,amount\nА,1\nБ,2\n".as_bytes(),
            &app.admin_token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let late = app
        .admin(
            "package_create",
            json!({
                "name": "late", "title": "Прострочений", "owner_org": "city",
                "update_frequency": "once a month", "data_updated": days_ago(60),
                "license_id": "cc-by-4.0",
            }),
        )
        .await;
    // Not UTF-8: fails validation.
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode("назва,сума\nШкола,10\nЛікарня,20\n");
    let r = app
        .upload(
            late["id"].as_str().unwrap(),
            "late.csv",
            &cp1251,
            &app.admin_token,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    app.admin(
        "package_create",
        json!({"name": "poor", "title": "Бідний", "owner_org": "lazy", "license_id": "other-closed"}),
    )
    .await;
    app.admin(
        "register_entry_create",
        json!({"organization": "lazy", "title": "Черга в дитсадки", "location": "ІС «Черга»",
               "format": "XLSX", "status": "planned", "target_date": days_ago(3),
               "update_frequency": "once a month"}),
    )
    .await;
    let mut ids = Vec::new();
    for who in ["oksana", "taras"] {
        let f = app
            .post(
                "feedback_create",
                json!({"package_id": "poor", "kind": "data_error", "message": "Неправильна адреса в рядку 5",
                       "author_name": who, "author_email": format!("{who}@example.org")}),
                None,
            )
            .await
            .result();
        ids.push(f["id"].as_str().unwrap().to_string());
    }
    app.admin(
        "feedback_update",
        json!({"id": ids[0], "answer": "Виправили"}),
    )
    .await;
    app.run_jobs().await;
}

fn publisher<'a>(m: &'a Value, name: &str) -> &'a Value {
    m["publishers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {m}"))
}

#[tokio::test]
async fn monitoring_figures_for_coordinators() {
    let app = TestApp::new().await;
    catalog(&app).await;
    let editor = app.user_token("editor").await;

    // Coordinators only, whichever door.
    for token in [None, Some(editor.as_str())] {
        let r = app.post("monitoring_show", json!({}), token).await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{}",
            String::from_utf8_lossy(&r.body)
        );
        let r = app.post("assessment_card_show", json!({}), token).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }

    let m = app.admin("monitoring_show", json!({})).await;
    let current = Quarter::of(misto_core::time::now()).to_string();
    assert_eq!(m["quarter"], current);
    assert_eq!(m["live"], true);
    let c = &m["council"];
    assert_eq!(c["datasets"], 3, "{c}");
    assert_eq!(c["datasets_new"], 3);
    assert_eq!(c["with_frequency"], 2);
    assert_eq!(c["on_time"], 1);
    assert_eq!(c["on_time_share"], 0.5);
    assert_eq!(c["mandatory_total"], misto_core::resolution835::ITEMS.len());
    assert_eq!(c["mandatory_fulfilled"], 1);
    assert_eq!(
        c["mandatory_missing"],
        misto_core::resolution835::ITEMS.len() - 1
    );
    assert_eq!(c["resources"], 2);
    assert_eq!(c["resources_validated"], 2);
    assert_eq!(
        c["resources_passed"], 1,
        "the UTF-8 CSV passes, the windows-1251 one does not"
    );
    assert_eq!(c["validation_pass_rate"], 0.5);
    assert_eq!(c["feedback_received"], 2);
    assert_eq!(c["feedback_answered"], 1);
    assert_eq!(c["feedback_answered_share"], 0.5);
    assert_eq!(c["register_entries"], 4);
    assert_eq!(c["register_published"], 3);
    assert_eq!(c["register_planned"], 1);
    assert_eq!(c["register_planned_late"], 1);

    let city = publisher(&m, "city");
    assert_eq!(city["rank"], 1);
    assert_eq!(city["figures"]["datasets"], 2);
    assert_eq!(city["figures"]["mandatory_fulfilled"], 1);
    assert_eq!(city["figures"]["mandatory_total"], 1);
    assert_eq!(city["figures"]["feedback_received"], 0);
    assert_eq!(city["figures"]["feedback_answered_share"], Value::Null);
    let lazy = publisher(&m, "lazy");
    assert_eq!(lazy["rank"], 2);
    assert_eq!(lazy["figures"]["feedback_received"], 2);
    assert_eq!(lazy["figures"]["register_planned_late"], 1);
    assert_eq!(lazy["figures"]["on_time_share"], Value::Null);

    // One publisher; the same figures as the rating.
    let one = app
        .admin("monitoring_show", json!({"organization": "lazy"}))
        .await;
    assert_eq!(one["publishers"].as_array().unwrap().len(), 1);
    assert_eq!(one["publishers"][0]["figures"], lazy["figures"]);
    let rating = app.admin("publisher_rating_list", json!({})).await;
    assert_eq!(rating["quarter"], current);
    assert_eq!(rating["live"], true);
    assert_eq!(rating["council"]["datasets"], c["datasets"]);
    assert_eq!(rating["council"]["average_score"], c["average_score"]);
    assert_eq!(rating["council"]["meeting_share"], c["meeting_share"]);
    assert_eq!(rating["publishers"][0]["name"], "city");

    // The card: each indicator with value, target and whether it is met.
    let card = app.admin("assessment_card_show", json!({})).await;
    let ind = |v: &Value, id: &str| {
        v["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap()
    };
    let council = &card["council"];
    assert_eq!(council["indicators"].as_array().unwrap().len(), 9);
    let fb = ind(council, "feedback_answered_share");
    assert_eq!(fb["value"], 0.5);
    assert_eq!(fb["target"], 1.0);
    assert_eq!(fb["met"], false);
    assert_eq!(fb["numerator"], 1);
    assert_eq!(fb["denominator"], 2);
    let on_time = ind(council, "on_time_share");
    assert_eq!(on_time["target"], 0.85);
    assert_eq!(ind(council, "datasets_published")["value"], 3.0);
    assert_eq!(ind(council, "datasets_published")["met"], Value::Null);
    let city_card = card["publishers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "city")
        .unwrap();
    assert_eq!(ind(city_card, "mandatory_fulfilled")["met"], true);

    // Quarters: spelled either way; none in the future; an ended quarter
    // without a snapshot is not found.
    let q = Quarter::of(misto_core::time::now());
    let same = app
        .admin(
            "monitoring_show",
            json!({"quarter": format!("{}Q{}", q.year, q.number)}),
        )
        .await;
    assert_eq!(same["quarter"], current);
    for (quarter, status) in [
        ("2026Q5".to_string(), StatusCode::CONFLICT),
        (q.next().to_string(), StatusCode::CONFLICT),
        (q.previous().to_string(), StatusCode::NOT_FOUND),
    ] {
        let r = app
            .post(
                "monitoring_show",
                json!({"quarter": quarter}),
                Some(&app.admin_token),
            )
            .await;
        assert_eq!(
            r.status,
            status,
            "{quarter}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let r = app
            .get(
                &format!("/api/3/action/publisher_rating_list?quarter={quarter}"),
                None,
            )
            .await;
        assert_eq!(r.status, status, "{quarter}");
    }
}

#[tokio::test]
async fn the_quarter_snapshot_job_keeps_an_ended_quarter_once() {
    let app = TestApp::new().await;
    catalog(&app).await;
    let now = misto_core::time::now();
    let current = Quarter::of(now);
    let ended = current.previous();

    // Scheduling at start waits for the end of the current quarter.
    app.portal.schedule_quarter_snapshot().await.unwrap();
    let job = app
        .portal
        .job_status(QUARTER_SNAPSHOT_JOB, QUARTER_SNAPSHOT_SUBJECT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, JobState::Pending);
    assert_eq!(job.run_after, current.end());
    assert_eq!(
        app.run_jobs().await,
        0,
        "nothing is due before the quarter ends"
    );

    // The job as it runs when the quarter is over.
    app.portal
        .enqueue_job(
            QUARTER_SNAPSHOT_JOB,
            QUARTER_SNAPSHOT_SUBJECT,
            json!({}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(app.run_jobs().await, 1);
    let job = app
        .portal
        .job_status(QUARTER_SNAPSHOT_JOB, QUARTER_SNAPSHOT_SUBJECT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(job.state, JobState::Pending, "queued again: {job:?}");
    assert_eq!(job.run_after, current.end());

    let kept = app
        .get(
            &format!(
                "/api/3/action/publisher_rating_list?quarter={}Q{}",
                ended.year, ended.number
            ),
            None,
        )
        .await
        .result();
    assert_eq!(kept["quarter"], ended.to_string());
    assert_eq!(kept["live"], false);
    assert_eq!(kept["council"]["datasets"], 3);
    assert_eq!(kept["publishers"][0]["name"], "city");
    let m = app
        .admin("monitoring_show", json!({"quarter": ended.to_string()}))
        .await;
    assert_eq!(m["live"], false);
    assert_eq!(m["council"]["datasets"], 3);
    // The feedback came this quarter, not in the one kept.
    assert_eq!(m["council"]["feedback_received"], 0);
    assert_eq!(publisher(&m, "lazy")["rank"], 2);

    // A snapshot is never rewritten.
    app.admin(
        "package_create",
        json!({"name": "more", "title": "Ще один", "owner_org": "lazy"}),
    )
    .await;
    assert!(!app.portal.take_quarter_snapshot(ended).await.unwrap());
    let again = app
        .admin("monitoring_show", json!({"quarter": ended.to_string()}))
        .await;
    assert_eq!(again["council"]["datasets"], 3);
    assert!(app.portal.take_quarter_snapshot(current).await.is_err());

    // The history: the kept quarter, then the live one.
    let h = app
        .get("/api/3/action/publisher_rating_history", None)
        .await
        .result();
    let h = h.as_array().unwrap();
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[0]["quarter"], ended.to_string());
    assert_eq!(h[0]["live"], false);
    assert_eq!(h[0]["council"]["datasets"], 3);
    assert_eq!(h[1]["quarter"], current.to_string());
    assert_eq!(h[1]["live"], true);
    assert_eq!(h[1]["council"]["datasets"], 4);
    let lazy = app
        .get(
            "/api/3/action/publisher_rating_history?organization=lazy",
            None,
        )
        .await
        .result();
    for q in lazy.as_array().unwrap() {
        let pubs = q["publishers"].as_array().unwrap();
        assert_eq!(pubs.len(), 1);
        assert_eq!(pubs[0]["name"], "lazy");
    }
}
