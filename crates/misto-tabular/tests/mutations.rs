//! A seeded mutation fuzzer over every reader, on stable Rust: valid files of
//! each format are damaged in many small ways (bit flips, cut, repeated or
//! inserted bytes, huge numbers in the text) and read with small limits.
//! Whatever the bytes, a read must end — a table or a `ReadError` — without
//! a panic and within the limits. The same seed gives the same inputs, so a
//! failure reproduces; `MISTO_FUZZ_ITERATIONS` runs more of them.

use std::io::{Cursor, Write};

use misto_tabular::{Format, Limits, ReadOptions, read_with};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        if b.is_empty() {
            b.push(b'a');
        }
        let at = rng.below(b.len());
        match rng.below(7) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.next() as u8,
            2 => b.truncate(at),
            3 => {
                let len = rng.below(64).min(b.len() - at);
                let chunk = b[at..at + len].to_vec();
                for _ in 0..rng.below(20) {
                    b.splice(at..at, chunk.iter().copied());
                }
            }
            4 => b.insert(
                at,
                [b'"', b',', b';', b'\n', b'\t', b'{', b'[', 0xFF][rng.below(8)],
            ),
            5 => {
                let n = ["4294967295", "999999999999", "-1", "1e308", "65535"][rng.below(5)];
                b.splice(at..at, n.bytes());
            }
            _ => {
                let end = (at + rng.below(16)).min(b.len());
                b.drain(at..end);
            }
        }
    }
    b
}

fn xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "район").unwrap();
    ws.write_string(0, 1, "сума").unwrap();
    ws.write_string(1, 0, "Подільський").unwrap();
    ws.write_number(1, 1, 207043.43).unwrap();
    ws.merge_range(3, 0, 3, 1, "разом", &rust_xlsxwriter::Format::new())
        .unwrap();
    wb.save_to_buffer().unwrap()
}

fn ods() -> Vec<u8> {
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>назва</text:p></table:table-cell><table:table-cell table:number-columns-repeated="2" office:value-type="float" office:value="3"><text:p>3</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    w.start_file("META-INF/manifest.xml", stored).unwrap();
    w.write_all(manifest.as_bytes()).unwrap();
    // Stored, so that mutations reach the XML itself.
    w.start_file("content.xml", stored).unwrap();
    w.write_all(content.as_bytes()).unwrap();
    w.finish().unwrap().into_inner()
}

fn xls() -> Vec<u8> {
    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }
    let mut number = 1u16.to_le_bytes().to_vec();
    number.extend(2u16.to_le_bytes());
    number.extend(0u16.to_le_bytes());
    number.extend(2.5f64.to_le_bytes());
    let mut cfb = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let mut s = cfb.create_stream("/Workbook").unwrap();
    for r in [
        rec(0x0809, &[0, 6, 5, 0, 0, 0, 0, 0]),
        rec(0x000A, &[]),
        rec(0x0809, &[0, 6, 0x10, 0, 0, 0, 0, 0]),
        rec(0x0203, &number),
        rec(0x000A, &[]),
    ] {
        s.write_all(&r).unwrap();
    }
    drop(s);
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

#[test]
fn damaged_files_of_every_format_end_in_a_table_or_an_error() {
    let iterations: usize = std::env::var("MISTO_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let seeds: Vec<(Format, &str, Vec<u8>)> = vec![
        (Format::Csv, "a.csv", "назва;сума;дата\n\"Школа \"\"№1\"\"\";207 043,43;01.02.2024\nЛіцей;12,5;так\n".as_bytes().to_vec()),
        (Format::Tsv, "a.tsv", b"a\tb\n1\t2\n".to_vec()),
        (Format::Json, "a.json", br#"[{"a": 1, "b": "x"}, {"a": 2.5, "c": [1, 2]}]"#.to_vec()),
        (Format::GeoJson, "a.geojson", br#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"n": "x"}, "geometry": {"type": "Point", "coordinates": [30.5, 50.4]}}]}"#.to_vec()),
        (Format::Xlsx, "a.xlsx", xlsx()),
        (Format::Ods, "a.ods", ods()),
        (Format::Xls, "a.xls", xls()),
    ];
    let limits = Limits {
        max_columns: 200,
        max_rows: 10_000,
        max_cells: 50_000,
        max_inflated_bytes: 4 << 20,
        max_json_bytes: 1 << 20,
    };
    let options = ReadOptions {
        limits,
        ..ReadOptions::default()
    };
    let mut rng = Rng(0x6d69_7374_6f21);
    for (format, name, seed) in &seeds {
        // The undamaged seed reads (the hand-made XLS stream holds only cell
        // records, enough for the measuring pass, not a whole workbook).
        if *format != Format::Xls {
            read_with(seed, *format, name, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        for i in 0..iterations {
            let input = mutate(&mut rng, seed);
            let hint = if i % 2 == 0 { *format } else { Format::Auto };
            let read = std::panic::catch_unwind(|| read_with(&input, hint, name, &options));
            match read {
                Err(_) => panic!(
                    "{name}, iteration {i}: the reader panicked on {} bytes: {:?}",
                    input.len(),
                    &input[..input.len().min(200)]
                ),
                Ok(Ok(book)) => {
                    for t in &book.tables {
                        assert!(t.columns.len() <= limits.max_columns, "{name} {i}");
                        assert!(
                            t.rows.len() * t.columns.len().max(1) <= limits.max_cells,
                            "{name} {i}"
                        );
                    }
                }
                Ok(Err(_)) => {}
            }
        }
    }
}
