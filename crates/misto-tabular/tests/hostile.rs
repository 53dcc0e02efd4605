//! Hostile files: each is refused with a limit error that names the
//! setting, before the allocation it would cause.

use std::io::{Cursor, Write};

use misto_tabular::{Format, Limits, ReadError, ReadOptions, read_with, survey_delimited};

fn limit_of(r: Result<impl std::fmt::Debug, ReadError>) -> (&'static str, String) {
    match r {
        Err(e @ ReadError::Limit { setting, .. }) => (setting, e.to_string()),
        other => panic!("expected a limit error, got {other:?}"),
    }
}

fn opts(limits: Limits) -> ReadOptions {
    ReadOptions {
        limits,
        ..ReadOptions::default()
    }
}

#[test]
fn a_csv_with_100000_columns_is_refused_by_both_readers() {
    let mut csv = (0..100_000)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push_str("\n1,2,3\n");
    let (setting, msg) = limit_of(read_with(
        csv.as_bytes(),
        Format::Csv,
        "wide.csv",
        &opts(Limits::DEFAULT),
    ));
    assert_eq!(setting, "MISTO_READ_MAX_COLUMNS");
    assert!(
        msg.contains("100000 columns") && msg.contains("1000"),
        "{msg}"
    );
    let bytes = csv.into_bytes();
    let mut open = || Ok::<_, std::io::Error>(Cursor::new(bytes.clone()));
    let survey = survey_delimited(&mut open, false, "wide.csv".into(), &opts(Limits::DEFAULT));
    assert_eq!(limit_of(survey.map(|s| s.rows)).0, "MISTO_READ_MAX_COLUMNS");
}

#[test]
fn short_rows_under_a_wide_header_are_bounded_by_cells() {
    // 1,000 columns and 5,000 one-value rows: 5 M padded cells in memory.
    let mut csv = (0..1000)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    for i in 0..5000 {
        csv.push_str(&format!("{i}\n"));
    }
    let (setting, msg) = limit_of(read_with(
        csv.as_bytes(),
        Format::Csv,
        "x.csv",
        &opts(Limits::DEFAULT),
    ));
    assert_eq!(setting, "MISTO_READ_MAX_CELLS", "{msg}");
    // Raised, it reads.
    let big = Limits {
        max_cells: 6_000_000,
        ..Limits::DEFAULT
    };
    let book = read_with(csv.as_bytes(), Format::Csv, "x.csv", &opts(big)).unwrap();
    assert_eq!(book.tables[0].rows.len(), 5000);
}

#[test]
fn a_sparse_xlsx_with_two_far_cells_is_refused_before_a_grid_is_built() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "a").unwrap();
    ws.write_string(1_048_575, 16_383, "b").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert!(bytes.len() < 10_000, "{}", bytes.len());
    let (setting, msg) = limit_of(read_with(
        &bytes,
        Format::Xlsx,
        "sparse.xlsx",
        &opts(Limits::DEFAULT),
    ));
    assert_eq!(setting, "MISTO_READ_MAX_COLUMNS", "{msg}");
    // Far apart in one column: rows × 1 within the rows limit, refused by cells.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "a").unwrap();
    ws.write_string(0, 900, "b").unwrap();
    ws.write_string(1_048_575, 0, "c").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let (setting, _) = limit_of(read_with(
        &bytes,
        Format::Xlsx,
        "tall.xlsx",
        &opts(Limits::DEFAULT),
    ));
    assert_eq!(setting, "MISTO_READ_MAX_CELLS");
}

#[test]
fn an_ordinary_xlsx_still_reads() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(2, 1, "район").unwrap();
    ws.write_string(2, 2, "сума").unwrap();
    ws.write_string(3, 1, "Шевченківський").unwrap();
    ws.write_number(3, 2, 12.5).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let book = read_with(&bytes, Format::Xlsx, "ok.xlsx", &opts(Limits::DEFAULT)).unwrap();
    let t = &book.tables[0];
    assert_eq!(t.columns[0].name, "район");
    assert_eq!(
        t.rows,
        vec![vec!["Шевченківський".to_string(), "12.5".to_string()]]
    );
    assert_eq!(t.row_lines, vec![4]);
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        let method = if *name == "mimetype" {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        w.start_file(
            *name,
            zip::write::SimpleFileOptions::default().compression_method(method),
        )
        .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_zip_bomb_disguised_as_xlsx_is_refused_by_inflated_bytes() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "a").unwrap();
    let good = wb.save_to_buffer().unwrap();
    // The real workbook's parts plus 8 MB of zeros (about 8 KB deflated).
    let mut archive = zip::ZipArchive::new(Cursor::new(good)).unwrap();
    let mut parts: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut f, &mut data).unwrap();
        parts.push((f.name().unwrap().to_string(), data));
    }
    let zeros = vec![0u8; 8 << 20];
    parts.push(("xl/media/padding.bin".into(), zeros));
    let entries: Vec<(&str, &[u8])> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let bomb = zip_of(&entries);
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    let small = Limits {
        max_inflated_bytes: 4 << 20,
        ..Limits::DEFAULT
    };
    let (setting, msg) = limit_of(read_with(&bomb, Format::Xlsx, "bomb.xlsx", &opts(small)));
    assert_eq!(setting, "MISTO_READ_MAX_INFLATED_BYTES", "{msg}");
    // Within the default limit the same file reads.
    assert!(read_with(&bomb, Format::Xlsx, "bomb.xlsx", &opts(Limits::DEFAULT)).is_ok());
}

const ODS_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">"#;
const ODS_TAIL: &str =
    "</table:table></office:spreadsheet></office:body></office:document-content>";

fn ods(rows: &str) -> Vec<u8> {
    let content = format!("{ODS_HEAD}{rows}{ODS_TAIL}");
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    zip_of(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("META-INF/manifest.xml", manifest.as_bytes()),
        ("content.xml", content.as_bytes()),
    ])
}

#[test]
fn an_ods_with_huge_repeats_is_refused_and_a_plain_one_reads() {
    let cell =
        r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;
    let plain = ods(&format!(
        "<table:table-row>{}</table:table-row><table:table-row>{}</table:table-row>",
        r#"<table:table-cell office:value-type="string"><text:p>name</text:p></table:table-cell>"#,
        cell
    ));
    let book = read_with(&plain, Format::Ods, "ok.ods", &opts(Limits::DEFAULT)).unwrap();
    assert_eq!(book.tables[0].rows, vec![vec!["x".to_string()]]);

    let wide = ods(&format!(
        r#"<table:table-row>{cell}<table:table-cell table:number-columns-repeated="16000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#
    ));
    assert_eq!(
        limit_of(read_with(
            &wide,
            Format::Ods,
            "w.ods",
            &opts(Limits::DEFAULT)
        ))
        .0,
        "MISTO_READ_MAX_COLUMNS"
    );
    let tall = ods(
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="500" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
    );
    assert_eq!(
        limit_of(read_with(
            &tall,
            Format::Ods,
            "t.ods",
            &opts(Limits::DEFAULT)
        ))
        .0,
        "MISTO_READ_MAX_CELLS"
    );
}

fn biff(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend((data.len() as u16).to_le_bytes());
    out.extend(data);
    out
}

fn xls_stream(records: &[Vec<u8>]) -> Vec<u8> {
    let mut cfb = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    let mut s = cfb.create_stream("/Workbook").unwrap();
    for r in records {
        s.write_all(r).unwrap();
    }
    drop(s);
    cfb.flush().unwrap();
    cfb.into_inner().into_inner()
}

fn number(row: u16, col: u16) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend(col.to_le_bytes());
    d.extend(0u16.to_le_bytes());
    d.extend(1.5f64.to_le_bytes());
    biff(0x0203, &d)
}

#[test]
fn an_xls_whose_cells_or_dimensions_span_the_sheet_is_refused() {
    let bof = biff(0x0809, &[0, 6, 0x10, 0, 0, 0, 0, 0]);
    let eof = biff(0x000A, &[]);
    let globals_bof = biff(0x0809, &[0, 6, 5, 0, 0, 0, 0, 0]);
    let corners = xls_stream(&[
        globals_bof.clone(),
        eof.clone(),
        bof.clone(),
        number(0, 0),
        number(65_535, 255),
        eof.clone(),
    ]);
    let (setting, msg) = limit_of(read_with(
        &corners,
        Format::Xls,
        "c.xls",
        &opts(Limits::DEFAULT),
    ));
    assert_eq!(setting, "MISTO_READ_MAX_CELLS", "{msg}");
    // A DIMENSIONS record that declares the whole sheet (calamine reserves it).
    let mut dims = 0u32.to_le_bytes().to_vec();
    dims.extend(65_536u32.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    dims.extend(256u16.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    let lying = xls_stream(&[
        globals_bof,
        eof.clone(),
        bof,
        biff(0x0200, &dims),
        number(0, 0),
        eof,
    ]);
    assert_eq!(
        limit_of(read_with(
            &lying,
            Format::Xls,
            "d.xls",
            &opts(Limits::DEFAULT)
        ))
        .0,
        "MISTO_READ_MAX_CELLS"
    );
}

#[test]
fn json_with_a_new_key_per_item_is_bounded_by_columns() {
    let items: Vec<String> = (0..5000).map(|i| format!("{{\"k{i}\": {i}}}")).collect();
    let json = format!("[{}]", items.join(","));
    assert_eq!(
        limit_of(read_with(
            json.as_bytes(),
            Format::Json,
            "k.json",
            &opts(Limits::DEFAULT)
        ))
        .0,
        "MISTO_READ_MAX_COLUMNS"
    );
    let small = Limits {
        max_json_bytes: 1000,
        ..Limits::DEFAULT
    };
    assert_eq!(
        limit_of(read_with(
            json.as_bytes(),
            Format::Json,
            "k.json",
            &opts(small)
        ))
        .0,
        "MISTO_READ_MAX_JSON_BYTES"
    );
}
