//! The columnar engine through its public API: a table file written from
//! row batches answers searches, group-bys and SQL as the row store does.

use std::sync::Arc;
use std::time::Duration;

use misto_columnar::{AggFn, AggSpec, Bind, DsFilter, DsQuery, Engine, SqlTable, TableWriter};
use misto_core::datastore::{Field, FieldType, RowBatch, Slot};
use serde_json::{Value, json};

fn field(id: &str, ty: FieldType) -> Field {
    Field {
        id: id.into(),
        ty,
        info: None,
    }
}

fn fields() -> Vec<Field> {
    vec![
        field("район", FieldType::Text),
        field("сума", FieldType::Numeric),
        field("кількість", FieldType::Int),
        field("дата", FieldType::Date),
        field("активний", FieldType::Bool),
    ]
}

/// Rows `rows` of the table: districts in turn, amounts `i * 1.5`, counts `i`, dates in
/// January 2024, every third row inactive; row 5 has a NULL amount.
fn batch(rows: std::ops::RangeInclusive<usize>) -> RowBatch {
    let districts = ["Центральний", "Північний", "Південний"];
    let mut b = RowBatch::new(5, rows.clone().count());
    for i in rows {
        let d = districts[i % 3];
        b.push_text(&format!(" {} рядок{i} ", d.to_lowercase()));
        b.push(Slot::Null);
        b.push_text(d);
        if i == 5 {
            b.push(Slot::Null);
        } else {
            b.push(Slot::Num(i as f64 * 1.5));
        }
        b.push(Slot::Int(i as i64));
        b.push_text(&format!("2024-01-{:02}", (i % 28) + 1));
        b.push(Slot::Bool(i % 3 != 0));
    }
    b
}

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Engine,
    key: String,
}

async fn fixture(n: usize) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let key = "datastore/r1/a.parquet".to_string();
    let path = dir.path().join(&key);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(&path).unwrap();
    let mut w = TableWriter::new(file, &fields()).unwrap();
    // Two pushes: ids continue across batches.
    let half = n / 2;
    w.push(&batch(1..=half)).unwrap();
    w.push(&batch(half + 1..=n)).unwrap();
    assert_eq!(w.finish().unwrap(), n as i64);
    let store =
        misto_columnar::object_store::local::LocalFileSystem::new_with_prefix(dir.path()).unwrap();
    let engine = Engine::new(Arc::new(store), "").unwrap();
    Fixture {
        _dir: dir,
        engine,
        key,
    }
}

fn query() -> DsQuery {
    DsQuery {
        limit: 100,
        ..DsQuery::default()
    }
}

#[tokio::test]
async fn search_filters_sorts_and_counts() {
    let f = fixture(10).await;
    let all = f
        .engine
        .search(&f.key, &fields(), 10, &query())
        .await
        .unwrap();
    assert_eq!(all.rows.len(), 10);
    assert_eq!(all.fields[0].id, "_id");
    assert_eq!(
        all.rows[0],
        vec![
            json!(1),
            json!("Північний"),
            json!(1.5),
            json!(1),
            json!("2024-01-02"),
            json!(true)
        ]
    );
    // _id continues across the two batches written.
    assert_eq!(all.rows[9][0], json!(10));

    let q = DsQuery {
        filters: vec![DsFilter {
            column: "район".into(),
            values: vec![Bind::Text("Центральний".into())],
        }],
        sort: vec![("сума".into(), true)],
        include_total: true,
        limit: 2,
        ..query()
    };
    let r = f.engine.search(&f.key, &fields(), 10, &q).await.unwrap();
    assert_eq!(r.total, Some(3));
    let ids: Vec<&Value> = r.rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, vec![&json!(9), &json!(6)]);

    // NULLs first when descending, last when ascending.
    let desc = DsQuery {
        sort: vec![("сума".into(), true)],
        limit: 1,
        ..query()
    };
    let r = f.engine.search(&f.key, &fields(), 10, &desc).await.unwrap();
    assert_eq!(r.rows[0][0], json!(5));
    let asc = DsQuery {
        sort: vec![("сума".into(), false)],
        offset: 9,
        ..query()
    };
    let r = f.engine.search(&f.key, &fields(), 10, &asc).await.unwrap();
    assert_eq!(r.rows[0][0], json!(5));

    // A filter on NULL, on a date given as text, and on several values.
    let q = DsQuery {
        filters: vec![DsFilter {
            column: "сума".into(),
            values: vec![Bind::Null(FieldType::Numeric), Bind::Num(3.0)],
        }],
        ..query()
    };
    let r = f.engine.search(&f.key, &fields(), 10, &q).await.unwrap();
    let ids: Vec<&Value> = r.rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, vec![&json!(2), &json!(5)]);
    let q = DsQuery {
        filters: vec![DsFilter {
            column: "дата".into(),
            values: vec![Bind::Text("2024-01-04".into())],
        }],
        fields: vec!["кількість".into()],
        ..query()
    };
    let r = f.engine.search(&f.key, &fields(), 10, &q).await.unwrap();
    assert_eq!(r.rows, vec![vec![json!(3)]]);
}

#[tokio::test]
async fn full_text_terms_distinct_and_keyset_pages() {
    let f = fixture(30).await;
    let q = DsQuery {
        terms: vec!["центральний".into(), "рядок9".into()],
        include_total: true,
        ..query()
    };
    let r = f.engine.search(&f.key, &fields(), 30, &q).await.unwrap();
    assert_eq!(r.total, Some(1));
    assert_eq!(r.rows[0][0], json!(9));

    let q = DsQuery {
        fields: vec!["район".into()],
        distinct: true,
        sort: vec![("район".into(), false)],
        include_total: true,
        ..query()
    };
    let r = f.engine.search(&f.key, &fields(), 30, &q).await.unwrap();
    assert_eq!(r.total, Some(3));
    assert_eq!(
        r.rows,
        vec![
            vec![json!("Південний")],
            vec![json!("Північний")],
            vec![json!("Центральний")]
        ]
    );

    // Distinct values without a sort (any order).
    let q = DsQuery {
        fields: vec!["район".into()],
        distinct: true,
        ..query()
    };
    let r = f.engine.search(&f.key, &fields(), 30, &q).await.unwrap();
    assert_eq!(r.rows.len(), 3);

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let q = DsQuery {
            fields: vec!["_id".into()],
            after_id: after,
            limit: 7,
            ..query()
        };
        let page = f.engine.search(&f.key, &fields(), 30, &q).await.unwrap();
        if page.rows.is_empty() {
            break;
        }
        after = page.last_id;
        seen.extend(page.rows.into_iter().map(|r| r[0].as_i64().unwrap()));
    }
    assert_eq!(seen, (1..=30).collect::<Vec<i64>>());

    let bad = DsQuery {
        sort: vec![("нема".into(), false)],
        ..query()
    };
    let e = f.engine.search(&f.key, &fields(), 30, &bad).await;
    assert!(matches!(e, Err(misto_columnar::ColumnarError::NotFound(_))));
}

#[tokio::test]
async fn group_by_sums_counts_and_sorts() {
    let f = fixture(12).await;
    let q = DsQuery {
        sort: vec![("sum_сума".into(), true)],
        include_total: true,
        ..query()
    };
    let r = f
        .engine
        .group(
            &f.key,
            &fields(),
            &q,
            &["район".into()],
            &[
                AggSpec::new(AggFn::Count, None),
                AggSpec::new(AggFn::Sum, Some("сума")),
                AggSpec::new(AggFn::Sum, Some("кількість")),
                AggSpec::new(AggFn::Max, Some("дата")),
            ],
        )
        .await
        .unwrap();
    assert_eq!(r.total, Some(3));
    let names: Vec<&str> = r.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        names,
        vec!["район", "count", "sum_сума", "sum_кількість", "max_дата"]
    );
    assert_eq!(r.fields[3].ty, FieldType::Int);
    assert_eq!(r.fields[4].ty, FieldType::Date);
    // Центральний: 3+6+9+12 = 30 → 45.0; Північний: 1+4+7+10 = 22 → 33.0;
    // Південний: 2+5+8+11 = 26, without row 5's NULL amount: 21 → 31.5.
    assert_eq!(
        r.rows[0],
        vec![
            json!("Центральний"),
            json!(4),
            json!(45.0),
            json!(30),
            json!("2024-01-13")
        ]
    );
    assert_eq!(r.rows[2][0], json!("Південний"));
    assert_eq!(r.rows[2][2], json!(31.5));
}

#[tokio::test]
async fn sql_reads_only_registered_tables_and_refuses_writes() {
    let f = fixture(6).await;
    let tables = vec![SqlTable {
        name: "r1".into(),
        key: f.key.clone(),
        fields: fields(),
    }];
    let sql = r#"SELECT "район", SUM("кількість") AS n FROM "r1" GROUP BY "район" ORDER BY n DESC"#;
    assert_eq!(f.engine.sql_tables(sql).unwrap(), vec!["r1".to_string()]);
    let a = f
        .engine
        .sql(sql, tables.clone(), Duration::from_secs(10), 100)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.fields[1], ("n".to_string(), "int".to_string()));
    assert_eq!(a.records[0], vec![json!("Центральний"), json!(9)]);
    assert!(!a.truncated);

    // The hidden columns are not part of the table.
    let e = f
        .engine
        .sql(
            r#"SELECT _full_text FROM "r1""#,
            tables.clone(),
            Duration::from_secs(10),
            100,
        )
        .await
        .unwrap();
    assert!(e.is_err(), "{e:?}");
    // Nothing else exists, and nothing may be written.
    for bad in [
        "SELECT * FROM other",
        "CREATE TABLE x AS SELECT 1",
        "INSERT INTO r1 VALUES (1)",
        "SET datafusion.execution.batch_size = 1",
    ] {
        let r = f
            .engine
            .sql(bad, tables.clone(), Duration::from_secs(10), 100)
            .await
            .unwrap();
        assert!(r.is_err(), "{bad}: {r:?}");
    }
    // The row cap cuts the answer and says so.
    let a = f
        .engine
        .sql(
            r#"SELECT _id FROM "r1""#,
            tables,
            Duration::from_secs(10),
            4,
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.records.len(), 4);
    assert!(a.truncated);
}
