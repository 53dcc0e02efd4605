//! Validation speed on a CSV of the datastore bench's shape (the same
//! generator as misto-tabular's read_bench): times `misto_tabular::read`
//! alone and `misto_quality::validate` (read + every rule), whose ratio the
//! quality issue bounds at 2x.
//!
//! cargo run --release -p misto-quality --example validate_bench -- [rows]

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let bytes = misto_tabular::synthetic::datastore_bench_csv(rows).into_bytes();
    let mb = bytes.len() as f64 / 1e6;
    println!("generated {rows} rows, {mb:.1} MB");

    let t0 = Instant::now();
    let read = misto_tabular::read(&bytes, misto_tabular::Format::Auto, "bench.csv");
    let read_s = t0.elapsed().as_secs_f64();
    let book = match read {
        Ok(b) => b,
        Err(e) => {
            eprintln!("read failed: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "read (ingest parse + inference): {} rows in {read_s:.2} s = {:.0} rows/s",
        book.tables[0].rows.len(),
        rows as f64 / read_s
    );
    let input = misto_quality::Input {
        bytes: &bytes,
        file_name: "bench.csv",
        format_label: "CSV".into(),
        workbook: Some(&book),
    };
    for rule in misto_quality::RULES {
        let t = Instant::now();
        let n = (rule.check)(&input).len();
        println!(
            "  rule {:<30} {:>6.3} s ({n} problems)",
            rule.id,
            t.elapsed().as_secs_f64()
        );
    }
    drop(book);

    let t1 = Instant::now();
    let report = misto_quality::validate(&bytes, "bench.csv", Some("CSV"));
    let s = t1.elapsed().as_secs_f64();
    println!(
        "validate (read + every rule): {s:.2} s = {:.0} rows/s, {:.2}x the read time",
        rows as f64 / s,
        s / read_s
    );
    println!(
        "  {} errors, {} warnings, {} infos, {} stars",
        report.summary.errors, report.summary.warnings, report.summary.infos, report.openness_stars
    );
    for (rule, n) in &report.summary.by_rule {
        println!("  {rule}: {n}");
    }
}
