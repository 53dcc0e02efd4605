//! The datastore tables on both backends: load, atomic swap, search,
//! writes by key, and the read-only SQL endpoint with its refusals.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use misto_core::datastore::{Cell, DatastoreTable, Field, FieldType, Row, TableSource};
use misto_core::time::now;
use misto_store::datastore::{Bind, DsFilter, DsQuery, WriteMethod};
use serde_json::json;

fn fields() -> Vec<Field> {
    let f = |id: &str, ty| Field {
        id: id.into(),
        ty,
        info: None,
    };
    vec![
        f("назва", FieldType::Text),
        f("кількість", FieldType::Int),
        f("сума", FieldType::Numeric),
        f("дата", FieldType::Date),
        f("активний", FieldType::Bool),
    ]
}

fn row(i: i64, name: &'static str) -> Row<'static> {
    Row {
        cells: vec![
            Cell::Text(Cow::Borrowed(name)),
            Cell::Int(i),
            Cell::Num(i as f64 / 2.0),
            Cell::Text(Cow::Owned(format!("2024-01-{:02}", i % 28 + 1))),
            Cell::Bool(i % 2 == 0),
        ],
        full_text: format!(" {} ", misto_search_terms(name)),
        misfits: (i == 3).then(|| "{\"кількість\":\"н/д\"}".to_string()),
    }
}

fn misto_search_terms(s: &str) -> String {
    s.to_lowercase()
}

fn meta(rid: &str, table: &str) -> DatastoreTable {
    DatastoreTable {
        resource_id: rid.into(),
        table_name: table.into(),
        fields: fields(),
        overrides: BTreeMap::new(),
        primary_key: vec![],
        row_count: 0,
        source: TableSource::File,
        status: "done".into(),
        message: String::new(),
        report: json!({}),
        created: now(),
        modified: now(),
    }
}

#[tokio::test]
async fn load_swap_search_and_delete() {
    let store = misto_store::testing::fresh_store().await;
    let rid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    assert!(store.ds_table(rid).await.unwrap().is_none());
    store
        .ds_set_status(rid, "running", "", now())
        .await
        .unwrap();
    let t1 = store.ds_create_table(&fields(), &[]).await.unwrap();
    let rows: Vec<Row> = (1..=10)
        .map(|i| {
            row(
                i,
                if i % 3 == 0 {
                    "школа"
                } else {
                    "садок"
                },
            )
        })
        .collect();
    store.ds_load_rows(&t1, &fields(), &rows).await.unwrap();
    let m = store.ds_publish(&meta(rid, &t1)).await.unwrap();
    assert_eq!(m.row_count, 10);
    assert!(m.is_active());
    // One index per column, built after the load (and never on a table
    // that is not live).
    assert_eq!(store.ds_index_columns(&t1, &fields()).await.unwrap(), 5);
    let indexes = store.ds_table_indexes(&t1).await.unwrap();
    assert_eq!(indexes.len(), 5, "{indexes:?}");
    assert_eq!(store.ds_index_columns(&t1, &fields()).await.unwrap(), 5);
    assert_eq!(store.ds_table_indexes(&t1).await.unwrap().len(), 5);
    let unpublished = store.ds_create_table(&fields(), &[]).await.unwrap();
    assert_eq!(
        store
            .ds_index_columns(&unpublished, &fields())
            .await
            .unwrap(),
        0
    );
    store.ds_drop_table(&unpublished).await.unwrap();

    let all = store
        .ds_search(
            &m,
            &DsQuery {
                limit: 100,
                include_total: true,
                ..DsQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all.total, Some(10));
    assert_eq!(all.rows.len(), 10);
    assert_eq!(all.fields[0].id, "_id");
    assert_eq!(
        all.rows[0],
        vec![
            json!(1),
            json!("садок"),
            json!(1),
            json!(0.5),
            json!("2024-01-02"),
            json!(false)
        ]
    );

    let q = DsQuery {
        filters: vec![DsFilter {
            column: "активний".into(),
            values: vec![Bind::Bool(true)],
        }],
        terms: vec!["школа".into()],
        fields: vec!["кількість".into()],
        sort: vec![("кількість".into(), true)],
        limit: 100,
        include_total: true,
        ..DsQuery::default()
    };
    let hits = store.ds_search(&m, &q).await.unwrap();
    assert_eq!(hits.rows, vec![vec![json!(6)]]);
    assert_eq!(hits.total, Some(1));

    let distinct = store
        .ds_search(
            &m,
            &DsQuery {
                fields: vec!["назва".into()],
                sort: vec![("назва".into(), false)],
                distinct: true,
                limit: 10,
                include_total: true,
                ..DsQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        distinct.rows,
        vec![vec![json!("садок")], vec![json!("школа")]]
    );
    assert_eq!(distinct.total, Some(2));

    // Unknown columns are refused, not spliced.
    let bad = DsQuery {
        sort: vec![("x\"; DROP TABLE y; --".into(), false)],
        limit: 1,
        ..DsQuery::default()
    };
    assert!(store.ds_search(&m, &bad).await.is_err());

    // A second load replaces the first atomically; the old table is gone.
    let t2 = store.ds_create_table(&fields(), &[]).await.unwrap();
    store
        .ds_load_rows(&t2, &fields(), &[row(42, "бібліотека")])
        .await
        .unwrap();
    // Until published, readers still see the old rows.
    let before = store.ds_table(rid).await.unwrap().unwrap();
    assert_eq!(before.table_name, t1);
    let m2 = store.ds_publish(&meta(rid, &t2)).await.unwrap();
    assert_eq!(m2.row_count, 1);
    let readable: HashSet<String> = [rid.to_string()].into();
    let old = store
        .ds_sql(
            &format!("SELECT * FROM \"{t1}\""),
            &readable,
            Duration::from_secs(5),
            10,
        )
        .await
        .unwrap();
    assert!(old.is_err(), "the old table must be dropped");

    // A failed load is dropped and leaves the live table.
    let t3 = store.ds_create_table(&fields(), &[]).await.unwrap();
    store.ds_drop_table(&t3).await.unwrap();
    assert_eq!(store.ds_table(rid).await.unwrap().unwrap().table_name, t2);

    assert!(store.ds_delete(rid).await.unwrap());
    assert!(store.ds_table(rid).await.unwrap().is_none());
    assert!(!store.ds_delete(rid).await.unwrap());
}

#[tokio::test]
async fn writes_by_key() {
    let store = misto_store::testing::fresh_store().await;
    let rid = "2b4e28ba-2fa1-11d2-883f-0016d3cca427";
    let key = vec!["кількість".to_string()];
    let t = store.ds_create_table(&fields(), &key).await.unwrap();
    let mut m = meta(rid, &t);
    m.source = TableSource::Api;
    m.primary_key = key.clone();
    let m = store.ds_publish(&m).await.unwrap();
    let rec = |n: i64, name: &str| {
        (
            vec![
                Bind::Text(name.into()),
                Bind::Int(n),
                Bind::Null(FieldType::Numeric),
                Bind::Null(FieldType::Date),
                Bind::Null(FieldType::Bool),
            ],
            format!(" {name} "),
        )
    };
    let n = store
        .ds_write_records(&m, WriteMethod::Insert, &key, &[rec(1, "a"), rec(2, "b")])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, 2);
    // Upsert: one update, one insert.
    store
        .ds_write_records(&m, WriteMethod::Upsert, &key, &[rec(2, "bb"), rec(3, "c")])
        .await
        .unwrap()
        .unwrap();
    // Update of a missing key fails and changes nothing.
    let missing = store
        .ds_write_records(&m, WriteMethod::Update, &key, &[rec(1, "aa"), rec(9, "z")])
        .await
        .unwrap();
    assert_eq!(missing, Err("record 2: key not found".to_string()));
    let m = store.ds_table(rid).await.unwrap().unwrap();
    assert_eq!(m.row_count, 3);
    let found = store
        .ds_find_row(&m, &[("кількість".into(), Bind::Int(1))])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.1[0], json!("a"));
    let deleted = store
        .ds_delete_rows(
            &m,
            &[DsFilter {
                column: "назва".into(),
                values: vec![Bind::Text("bb".into()), Bind::Text("c".into())],
            }],
        )
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(store.ds_table(rid).await.unwrap().unwrap().row_count, 1);
}

/// Rows whose full text holds some of four terms, by the bits of `i`.
fn term_row(i: i64) -> Row<'static> {
    let words = ["школ", "бібліотек", "садок", "2024"];
    let mut ft = String::from(" ");
    for (b, w) in words.iter().enumerate() {
        if i & (1 << b) != 0 {
            ft.push_str(w);
            ft.push(' ');
        }
    }
    let mut r = row(i, "x");
    r.full_text = ft;
    r
}

#[tokio::test]
async fn the_full_text_index_finds_the_same_rows_and_follows_writes() {
    let store = misto_store::testing::fresh_store().await;
    let rid = "5b4e28ba-2fa1-11d2-883f-0016d3cca427";
    let t = store.ds_create_table(&fields(), &[]).await.unwrap();
    let rows: Vec<Row> = (1..=64).map(term_row).collect();
    store.ds_load_rows(&t, &fields(), &rows).await.unwrap();
    let m = store.ds_publish(&meta(rid, &t)).await.unwrap();
    let queries: Vec<DsQuery> = vec![
        vec!["школ"],
        vec!["бібліотек", "2024"],
        vec!["садок", "школ", "бібліотек"],
        vec!["шко"],
        vec!["немає"],
    ]
    .into_iter()
    .flat_map(|terms| {
        let terms: Vec<String> = terms.into_iter().map(String::from).collect();
        [
            DsQuery {
                terms: terms.clone(),
                limit: 10,
                offset: 2,
                include_total: true,
                ..DsQuery::default()
            },
            DsQuery {
                terms,
                filters: vec![DsFilter {
                    column: "активний".into(),
                    values: vec![Bind::Bool(true)],
                }],
                sort: vec![("сума".into(), true)],
                limit: 100,
                include_total: true,
                ..DsQuery::default()
            },
        ]
    })
    .collect();
    let mut scanned = Vec::new();
    for q in &queries {
        let r = store.ds_search(&m, q).await.unwrap();
        scanned.push((r.rows, r.total));
    }
    // Sanity: the scan finds what the bits say.
    assert_eq!(scanned[0].1, Some(32));
    assert_eq!(scanned[2].1, Some(16));
    assert_eq!(scanned[6].1, Some(0), "a prefix is not a term");
    assert!(store.ds_index_full_text(&t, false).await.unwrap());
    assert!(
        store.ds_index_full_text(&t, false).await.unwrap(),
        "idempotent"
    );
    for (q, want) in queries.iter().zip(&scanned) {
        let r = store.ds_search(&m, q).await.unwrap();
        assert_eq!(&(r.rows, r.total), want, "{:?}", q.terms);
    }
    // A table that is not live is not indexed.
    let other = store.ds_create_table(&fields(), &[]).await.unwrap();
    assert!(!store.ds_index_full_text(&other, false).await.unwrap());
    store.ds_drop_table(&other).await.unwrap();

    // Writes after the index: inserted, updated and deleted rows are found
    // (or not) at once.
    let rec = |name: &str| {
        (
            vec![
                Bind::Text(name.into()),
                Bind::Int(1000),
                Bind::Null(FieldType::Numeric),
                Bind::Null(FieldType::Date),
                Bind::Null(FieldType::Bool),
            ],
            format!(" {name} "),
        )
    };
    store
        .ds_write_records(&m, WriteMethod::Insert, &[], &[rec("укритт")])
        .await
        .unwrap()
        .unwrap();
    let q = |term: &str| DsQuery {
        terms: vec![term.to_string()],
        fields: vec!["кількість".into()],
        limit: 100,
        include_total: true,
        ..DsQuery::default()
    };
    let hit = store.ds_search(&m, &q("укритт")).await.unwrap();
    assert_eq!(hit.rows, vec![vec![json!(1000)]]);
    assert_eq!(hit.total, Some(1));
    store
        .ds_write_records(
            &m,
            WriteMethod::Update,
            &["кількість".to_string()],
            &[rec("амбулаторі")],
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store.ds_search(&m, &q("укритт")).await.unwrap().total,
        Some(0)
    );
    assert_eq!(
        store.ds_search(&m, &q("амбулаторі")).await.unwrap().total,
        Some(1)
    );
    let gone = store
        .ds_delete_rows(
            &m,
            &[DsFilter {
                column: "кількість".into(),
                values: vec![Bind::Int(1000), Bind::Int(1), Bind::Int(3)],
            }],
        )
        .await
        .unwrap();
    assert_eq!(gone, 3);
    assert_eq!(
        store.ds_search(&m, &q("амбулаторі")).await.unwrap().total,
        Some(0)
    );
    assert_eq!(
        store.ds_search(&m, &q("школ")).await.unwrap().total,
        Some(30)
    );

    // Replacing and deleting the table takes its index along.
    let t2 = store.ds_create_table(&fields(), &[]).await.unwrap();
    store
        .ds_load_rows(&t2, &fields(), &[term_row(1)])
        .await
        .unwrap();
    let m2 = store.ds_publish(&meta(rid, &t2)).await.unwrap();
    assert!(store.ds_index_full_text(&t2, false).await.unwrap());
    assert_eq!(
        store.ds_search(&m2, &q("школ")).await.unwrap().total,
        Some(1)
    );
    assert_eq!(
        store.ds_table_indexes(&t2).await.unwrap(),
        vec![format!("{t2}_fts")]
    );
    assert!(store.ds_table_indexes(&t).await.unwrap().is_empty());
    assert!(store.ds_delete(rid).await.unwrap());
    assert!(store.ds_table_indexes(&t2).await.unwrap().is_empty());
}

#[tokio::test]
async fn group_by_with_every_aggregate_filters_terms_sort_and_paging() {
    use misto_store::datastore::{AggFn, AggSpec};
    let store = misto_store::testing::fresh_store().await;
    let rid = "6b4e28ba-2fa1-11d2-883f-0016d3cca427";
    let t = store.ds_create_table(&fields(), &[]).await.unwrap();
    let rows: Vec<Row> = (1..=12)
        .map(|i| {
            row(
                i,
                if i % 3 == 0 {
                    "школа"
                } else {
                    "садок"
                },
            )
        })
        .collect();
    store.ds_load_rows(&t, &fields(), &rows).await.unwrap();
    let m = store.ds_publish(&meta(rid, &t)).await.unwrap();
    let aggs = vec![
        AggSpec::new(AggFn::Count, None),
        AggSpec::new(AggFn::Sum, Some("кількість")),
        AggSpec::new(AggFn::Avg, Some("сума")),
        AggSpec::new(AggFn::Min, Some("дата")),
        AggSpec::new(AggFn::Max, Some("кількість")),
        AggSpec::new(AggFn::Count, Some("сума")),
    ];
    let all = DsQuery {
        limit: 100,
        include_total: true,
        ..DsQuery::default()
    };
    let g = store
        .ds_group(&m, &all, &["назва".to_string()], &aggs)
        .await
        .unwrap();
    let ids: Vec<&str> = g.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "назва",
            "count",
            "sum_кількість",
            "avg_сума",
            "min_дата",
            "max_кількість",
            "count_сума"
        ]
    );
    let types: Vec<&str> = g.fields.iter().map(|f| f.ty.as_str()).collect();
    assert_eq!(
        types,
        ["text", "int", "int", "numeric", "date", "int", "int"]
    );
    // садок: 1 2 4 5 7 8 10 11 (sum 48, avg of halves 3.0); школа: 3 6 9 12.
    assert_eq!(
        g.rows,
        vec![
            vec![
                json!("садок"),
                json!(8),
                json!(48),
                json!(3.0),
                json!("2024-01-02"),
                json!(11),
                json!(8)
            ],
            vec![
                json!("школа"),
                json!(4),
                json!(30),
                json!(3.75),
                json!("2024-01-04"),
                json!(12),
                json!(4)
            ],
        ]
    );
    assert_eq!(g.total, Some(2));
    // Two group columns, a filter, sort by an aggregate, paging.
    let q = DsQuery {
        filters: vec![DsFilter {
            column: "назва".into(),
            values: vec![Bind::Text("садок".into())],
        }],
        sort: vec![("count".into(), true)],
        limit: 1,
        offset: 1,
        include_total: true,
        ..DsQuery::default()
    };
    let g = store
        .ds_group(
            &m,
            &q,
            &["назва".to_string(), "активний".to_string()],
            &[AggSpec::new(AggFn::Count, None)],
        )
        .await
        .unwrap();
    // садок: even (true) 2 4 8 10 = 4 rows, odd (false) 1 5 7 11 = 4 rows:
    // tie on count, then by активний (false first): the second is true.
    assert_eq!(g.rows, vec![vec![json!("садок"), json!(true), json!(4)]]);
    assert_eq!(g.total, Some(2));
    // Full-text terms narrow the rows first; no group columns: one row.
    let q = DsQuery {
        terms: vec!["школа".into()],
        limit: 10,
        ..DsQuery::default()
    };
    let g = store
        .ds_group(&m, &q, &[], &[AggSpec::new(AggFn::Sum, Some("сума"))])
        .await
        .unwrap();
    assert_eq!(g.rows, vec![vec![json!(15.0)]]);
    // Sums of text and unknown sort fields are refused.
    assert!(
        store
            .ds_group(&m, &all, &[], &[AggSpec::new(AggFn::Sum, Some("назва"))])
            .await
            .is_err()
    );
    let bad_sort = DsQuery {
        sort: vec![("x".into(), false)],
        limit: 1,
        ..DsQuery::default()
    };
    assert!(
        store
            .ds_group(&m, &bad_sort, &["назва".to_string()], &[])
            .await
            .is_err()
    );
}

#[tokio::test]
async fn sql_reads_only_allowed_tables_within_the_time_limit() {
    let store = misto_store::testing::fresh_store().await;
    let open = "3b4e28ba-2fa1-11d2-883f-0016d3cca427";
    let hidden = "4b4e28ba-2fa1-11d2-883f-0016d3cca427";
    for rid in [open, hidden] {
        let t = store.ds_create_table(&fields(), &[]).await.unwrap();
        let rows: Vec<Row> = (1..=5).map(|i| row(i, "школа")).collect();
        store.ds_load_rows(&t, &fields(), &rows).await.unwrap();
        store.ds_publish(&meta(rid, &t)).await.unwrap();
    }
    let readable: HashSet<String> = [open.to_string()].into();
    let limit = Duration::from_millis(500);
    let ok = store
        .ds_sql(
            &format!("SELECT \"назва\", COUNT(*) AS n, SUM(\"кількість\") AS s FROM \"{open}\" GROUP BY \"назва\""),
            &readable,
            limit,
            100,
        )
        .await
        .unwrap()
        .expect("allowed query");
    assert_eq!(ok.fields[1].0, "n");
    assert_eq!(ok.records, vec![vec![json!("школа"), json!(5), json!(15)]]);
    assert!(!ok.truncated);

    let capped = store
        .ds_sql(&format!("SELECT _id FROM \"{open}\""), &readable, limit, 2)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(capped.records.len(), 2);
    assert!(capped.truncated);

    let refused = [
        format!("SELECT * FROM \"{hidden}\""),
        format!("SELECT * FROM \"{open}\" JOIN \"{hidden}\" ON 1=1"),
        format!("SELECT * FROM \"{open}\" WHERE _id IN (SELECT _id FROM \"{hidden}\")"),
        "SELECT * FROM users".to_string(),
        "SELECT * FROM api_tokens".to_string(),
        "SELECT * FROM datastore_tables".to_string(),
        "SELECT name FROM sqlite_master".to_string(),
        "SELECT * FROM pg_catalog.pg_user".to_string(),
        "SELECT * FROM information_schema.tables".to_string(),
        format!("DELETE FROM \"{open}\""),
        format!("SELECT 1; DELETE FROM \"{open}\""),
        "ATTACH DATABASE '/tmp/x.db' AS x".to_string(),
        "PRAGMA table_info(users)".to_string(),
        "SELECT load_extension('/tmp/x')".to_string(),
        "SELECT pg_sleep(10)".to_string(),
        "SELECT current_setting('data_directory')".to_string(),
    ];
    for q in &refused {
        let r = store.ds_sql(q, &readable, limit, 100).await.unwrap();
        assert!(r.is_err(), "{q} was answered: {r:?}");
    }

    // Runaway queries are stopped at the time limit.
    for q in [
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT COUNT(*) FROM c"
            .to_string(),
        format!(
            "SELECT COUNT(*) FROM \"{open}\" a, \"{open}\" b, \"{open}\" c, \"{open}\" d, \"{open}\" e, \"{open}\" f, \"{open}\" g, \"{open}\" h, \"{open}\" i, \"{open}\" j, \"{open}\" k, \"{open}\" l"
        ),
    ] {
        let started = Instant::now();
        let r = store.ds_sql(&q, &readable, limit, 100).await.unwrap();
        let took = started.elapsed();
        let err = r.expect_err("runaway query must be stopped");
        assert!(err.0.contains("limit"), "{q}: {}", err.0);
        assert!(took < Duration::from_secs(3), "took {took:?}");
    }

    // The connection pool still answers ordinary queries afterwards.
    let again = store
        .ds_sql(
            &format!("SELECT COUNT(*) FROM \"{open}\""),
            &readable,
            limit,
            10,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.records, vec![vec![json!(5)]]);
    store.ping().await.unwrap();
}
