//! The datastore bench (run by `scripts/bench-datastore.sh`).
//!
//! `datastore_bench ingest DIR ROWS`: writes the bench CSV
//! (`misto_tabular::synthetic::datastore_bench_csv`) to DIR/bench.csv, times
//! the raw parse of the csv crate on it, then uploads it into a fresh portal
//! (SQLite in DIR) and times the ingest job until the table answers.
//!
//! `datastore_bench query DIR`: on that portal, times `datastore_search`
//! with a filter, a sort and limit 100 (p50/p99 of 200 runs), a group-by
//! aggregate over the whole table, and a full CSV dump through the same
//! pages the dump URL streams; prints the process's peak RSS.

use std::time::Instant;

use misto_actions::accounts::{NewUser, system_viewer};
use misto_actions::datasets::{DatasetInput, ResourceInput};
use misto_actions::datastore::{Aggregate, SearchParams};
use misto_actions::{BlobStore, Portal, PortalConfig, Store};
use serde_json::{Value, json};

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn open(dir: &std::path::Path) -> Portal {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = Store::connect(&url).await.expect("db");
    store.migrate().await.expect("migrate");
    let blobs = BlobStore::local(dir.join("blobs")).await.expect("blobs");
    let config = PortalConfig {
        max_upload_bytes: 1 << 31,
        ..PortalConfig::default()
    };
    Portal::open(store, blobs, config).await.expect("portal")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("ingest");
    let dir = std::path::PathBuf::from(args.get(2).cloned().unwrap_or_else(|| "bench-ds".into()));
    std::fs::create_dir_all(&dir).expect("dir");
    match mode {
        "ingest" => {
            let rows: usize = args
                .get(3)
                .and_then(|a| a.parse().ok())
                .unwrap_or(1_000_000);
            ingest(&dir, rows).await
        }
        _ => query(&dir).await,
    }
}

async fn ingest(dir: &std::path::Path, rows: usize) {
    let csv_path = dir.join("bench.csv");
    let text = misto_tabular::synthetic::datastore_bench_csv(rows);
    std::fs::write(&csv_path, &text).expect("write csv");
    let bytes = text.into_bytes();
    let mb = bytes.len() as f64 / 1e6;
    println!("file: {rows} rows, {mb:.1} MB ({})", csv_path.display());

    let t = Instant::now();
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[..]);
    let mut rec = csv::ByteRecord::new();
    let mut n = 0usize;
    while rdr.read_byte_record(&mut rec).unwrap_or(false) {
        n += 1;
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "csv crate raw parse (ByteRecord): {n} rows in {s:.2} s = {:.0} rows/s, {:.0} MB/s",
        n as f64 / s,
        mb / s
    );

    let portal = open(dir).await;
    let sys = system_viewer();
    portal.seed_themes().await.expect("themes");
    let _ = portal
        .create_user(
            &sys,
            NewUser {
                name: "bench".into(),
                email: "bench@example.org".into(),
                sysadmin: true,
                ..NewUser::default()
            },
        )
        .await;
    let publisher = portal
        .create_publisher(
            &sys,
            misto_actions::publishers::PublisherInput {
                name: "bench".into(),
                title: Some("Бенчмарк".into()),
                edrpou: Some("37508596".into()),
                ..Default::default()
            },
        )
        .await
        .expect("publisher");
    let d = portal
        .create_dataset(
            &sys,
            DatasetInput {
                name: format!("bench-{}", uuid::Uuid::new_v4().simple()),
                title: Some("Бенчмарк".into()),
                owner_org: Some(publisher.id.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("dataset");
    let body = futures_util::stream::iter(
        bytes
            .chunks(1 << 20)
            .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    drop(rdr);
    let staged = portal
        .stage_upload(&sys, "bench.csv", Some("text/csv"), body)
        .await
        .expect("stage");
    drop(bytes);
    let (_, rid) = portal
        .create_resource(&sys, &d.id, ResourceInput::default(), Some(staged))
        .await
        .expect("resource");
    std::fs::write(dir.join("resource_id"), &rid).expect("write id");
    let t = Instant::now();
    let started = misto_core::time::now();
    // The datastore's jobs only: the validation job the upload also queues
    // (misto-quality's, separate work) is ended unrun.
    let mut registry = misto_actions::jobs::JobRegistry::new();
    registry.register(
        misto_actions::datastore::INGEST_JOB,
        misto_actions::datastore::ingest_job,
    );
    registry.register(
        misto_actions::datastore::INDEX_JOB,
        misto_actions::datastore::index_job,
    );
    let jobs = portal.run_jobs_until_idle(&registry).await.expect("jobs");
    let all = t.elapsed().as_secs_f64();
    // The ingest job ends when the table answers; its index job follows.
    let ended = |kind: &'static str| {
        let portal = portal.clone();
        let rid = rid.clone();
        async move {
            portal
                .job_status(kind, &rid)
                .await
                .expect("job")
                .map_or(f64::NAN, |j| {
                    (j.modified - started).num_microseconds().unwrap_or(0) as f64 / 1e6
                })
        }
    };
    let s = ended(misto_actions::datastore::INGEST_JOB).await;
    let si = ended(misto_actions::datastore::INDEX_JOB).await;
    let info = portal.datastore_state(&sys, &rid).await.expect("state");
    let count = info.table.as_ref().map_or(0, |t| t.row_count);
    println!(
        "ingest: {count} rows queryable in {s:.2} s = {:.0} rows/s, {:.1} MB/s; status {}",
        count as f64 / s,
        mb / s,
        info.status()
    );
    println!(
        "column indexes built by {si:.2} s (load + indexes = {:.0} rows/s); {jobs} jobs in {all:.2} s",
        count as f64 / si
    );
    println!("peak RSS of the ingest process: {:.0} MB", peak_rss_mb());
}

async fn query(dir: &std::path::Path) {
    let rid = std::fs::read_to_string(dir.join("resource_id")).expect("run ingest first");
    let portal = open(dir).await;
    let sys = system_viewer();
    let params = SearchParams {
        filters: vec![("назва".into(), vec![json!("Бібліотека №17")])],
        sort: vec![("сума_грн".into(), true)],
        limit: 100,
        include_total: true,
        ..SearchParams::default()
    };
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..200 {
        let t = Instant::now();
        let (_, rows) = portal
            .datastore_search(&sys, &rid, &params)
            .await
            .expect("search");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        total = rows.total.unwrap_or_default();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "datastore_search (filter назва, sort сума_грн desc, limit 100, total {total}): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    let plain = SearchParams {
        limit: 100,
        include_total: true,
        ..SearchParams::default()
    };
    let t = Instant::now();
    portal
        .datastore_search(&sys, &rid, &plain)
        .await
        .expect("search");
    println!(
        "datastore_search first page, no filter: {:.1} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let q = SearchParams {
        q: Some("бібліотеки".into()),
        limit: 100,
        include_total: true,
        ..SearchParams::default()
    };
    let t = Instant::now();
    let (_, r) = portal.datastore_search(&sys, &rid, &q).await.expect("q");
    println!(
        "datastore_search q=бібліотеки (total {}): {:.1} ms",
        r.total.unwrap_or_default(),
        t.elapsed().as_secs_f64() * 1000.0
    );

    for _ in 0..3 {
        let t = Instant::now();
        let groups = portal
            .datastore_aggregate(
                &sys,
                &rid,
                &SearchParams::default(),
                "назва",
                Aggregate::Count,
                None,
            )
            .await
            .expect("aggregate");
        println!(
            "group-by count over the whole table ({} groups): {:.0} ms",
            groups.len(),
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let t = Instant::now();
    let sql = format!("SELECT \"назва\", COUNT(*) FROM \"{rid}\" GROUP BY \"назва\"");
    let o = portal.datastore_search_sql(&sys, &sql).await.expect("sql");
    println!(
        "datastore_search_sql group-by ({} rows): {:.0} ms",
        o.records.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );

    // The full CSV dump, through the pages the dump URL streams.
    let t = Instant::now();
    let mut after = Some(0);
    let mut bytes = 0usize;
    let mut rows = 0usize;
    let all = SearchParams {
        limit: i64::MAX,
        ..SearchParams::default()
    };
    while let Some(a) = after {
        let (_, page) = portal
            .datastore_page(&sys, &rid, &all, Some(a), 10_000)
            .await
            .expect("page");
        if page.rows.is_empty() {
            break;
        }
        let values: Vec<Vec<Value>> = page.rows;
        rows += values.len();
        bytes += misto_ckan_api_like_csv(&values).len();
        after = page.last_id;
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "full CSV dump: {rows} rows, {:.1} MB in {s:.2} s = {:.0} MB/s",
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / s
    );
    println!("peak RSS of the query process: {:.0} MB", peak_rss_mb());
}

/// CSV text of rows (the dump's encoding, without the HTTP layer).
fn misto_ckan_api_like_csv(rows: &[Vec<Value>]) -> String {
    let mut out = String::with_capacity(rows.len() * 150);
    for r in rows {
        for (i, v) in r.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match v {
                Value::Null => {}
                Value::String(s) if s.contains([',', '"', '\n']) => {
                    out.push('"');
                    out.push_str(&s.replace('"', "\"\""));
                    out.push('"');
                }
                Value::String(s) => out.push_str(s),
                other => out.push_str(&other.to_string()),
            }
        }
        out.push('\n');
    }
    out
}
