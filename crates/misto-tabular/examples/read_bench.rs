//! Reading speed: generates a CSV of the datastore bench's shape in memory
//! (Ukrainian text, dd.mm.yyyy dates, comma decimals, coordinates; about 143
//! bytes a row) and times `misto_tabular::read` on it, type inference
//! included.
//!
//! cargo run --release -p misto-tabular --example read_bench -- [rows] [utf8|cp1251]

use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let cp1251 = args.next().as_deref() == Some("cp1251");
    let t0 = Instant::now();
    let text = misto_tabular::synthetic::datastore_bench_csv(rows);
    let bytes: Vec<u8> = if cp1251 {
        encoding_rs::WINDOWS_1251.encode(&text).0.into_owned()
    } else {
        text.into_bytes()
    };
    let gen_s = t0.elapsed().as_secs_f64();
    let mb = bytes.len() as f64 / 1e6;
    println!("generated {rows} rows, {mb:.1} MB in {gen_s:.2} s");

    let t1 = Instant::now();
    let mut raw_rows = 0usize;
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b';')
        .has_headers(false)
        .from_reader(&bytes[..]);
    let mut rec = csv::ByteRecord::new();
    while rdr.read_byte_record(&mut rec).unwrap_or(false) {
        raw_rows += 1;
    }
    let raw_s = t1.elapsed().as_secs_f64();
    println!(
        "csv crate raw parse: {raw_rows} records in {raw_s:.2} s = {:.0} rows/s",
        raw_rows as f64 / raw_s
    );

    let t2 = Instant::now();
    let book = match misto_tabular::read(&bytes, misto_tabular::Format::Auto, "bench.csv") {
        Ok(b) => b,
        Err(e) => {
            eprintln!("read failed: {e}");
            std::process::exit(1);
        }
    };
    let s = t2.elapsed().as_secs_f64();
    let t = &book.tables[0];
    println!(
        "misto_tabular::read ({}, delimiter {:?}): {} rows in {s:.2} s = {:.0} rows/s, {:.0} MB/s",
        t.encoding,
        t.delimiter.map(char::from),
        t.rows.len(),
        t.rows.len() as f64 / s,
        mb / s
    );
    for c in &t.columns {
        println!("  {:<16} {:?}", c.name, c.inferred);
    }
    println!("  diagnostics: {}", t.diagnostics.len());
}
