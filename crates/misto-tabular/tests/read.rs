//! Reader fixtures: each file is made in the test (bytes), read, and checked.

use misto_tabular::{ColumnType, DateStyle, DiagnosticKind, Format, Value, parse_value, read};

fn names(t: &misto_tabular::Table) -> Vec<&str> {
    t.columns.iter().map(|c| c.name.as_str()).collect()
}

fn types(t: &misto_tabular::Table) -> Vec<ColumnType> {
    t.columns.iter().map(|c| c.inferred).collect()
}

#[test]
fn windows_1251_semicolons_and_dotted_dates() {
    let text = "Назва закладу;Дата відкриття;Площа, кв. м;Працює\r\n\
                Школа №1;01.09.1985;1 234,5;так\r\n\
                Дитячий садок «Сонечко»;15.03.2001;850,25;ні\r\n\
                Бібліотека ім. Лесі Українки;03.02.1999;410;так\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(text);
    assert!(!unmappable);
    let wb = read(&bytes, Format::Auto, "заклади.csv").expect("read");
    assert_eq!(wb.format, Format::Csv);
    let t = &wb.tables[0];
    assert_eq!(t.encoding, "windows-1251");
    assert_eq!(t.delimiter, Some(b';'));
    assert_eq!(t.header_row, 1);
    assert_eq!(
        names(t),
        ["Назва закладу", "Дата відкриття", "Площа, кв. м", "Працює"]
    );
    assert_eq!(
        types(t),
        [
            ColumnType::Text,
            ColumnType::Date,
            ColumnType::Decimal,
            ColumnType::Boolean
        ]
    );
    assert_eq!(t.columns[1].date_styles, [DateStyle::DotDmy]);
    assert!(t.columns[2].decimal_comma);
    assert!(t.columns[2].thousands_spaces);
    assert_eq!(t.rows[1][0], "Дитячий садок «Сонечко»");
    assert_eq!(t.row_lines, [2, 3, 4]);
    assert!(t.diagnostics_of("encoding_guessed").count() == 1);
    assert_eq!(
        parse_value(&t.rows[0][2], ColumnType::Decimal),
        Value::Decimal(1234.5)
    );
}

#[test]
fn utf8_bom_and_utf16() {
    let text = "id,name\n1,Київ\n2,Львів\n";
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let wb = read(&bom, Format::Csv, "x.csv").expect("read");
    let t = &wb.tables[0];
    assert!(t.bom);
    assert_eq!(names(t), ["id", "name"]);
    assert_eq!(types(t), [ColumnType::Integer, ColumnType::Text]);

    let mut le = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        le.extend_from_slice(&u.to_le_bytes());
    }
    let t = &read(&le, Format::Csv, "x.csv").expect("read").tables[0];
    assert_eq!(t.encoding, "UTF-16LE");
    assert_eq!(t.rows[1][1], "Львів");
}

#[test]
fn quoted_newlines_ragged_and_empty_rows() {
    let text = "name,address,count\n\
                \"Школа\",\"вул. Шевченка, 1\nкорпус 2\",10\n\
                \"Садок \"\"Сонечко\"\"\",вул. Франка,5\n\
                ,,\n\
                Бібліотека,вул. Лесі,3,зайве\n\
                Музей,вул. Січових\n\
                \n\
                Театр,пл. Ринок,7\n";
    let t = &read(text.as_bytes(), Format::Auto, "x.csv")
        .expect("read")
        .tables[0];
    assert_eq!(t.rows.len(), 5);
    assert_eq!(t.rows[0][1], "вул. Шевченка, 1\nкорпус 2");
    assert_eq!(t.rows[1][0], "Садок \"Сонечко\"");
    assert_eq!(t.row_lines, [2, 4, 6, 7, 9]);
    let ragged: Vec<usize> = t
        .diagnostics_of("ragged_row")
        .filter_map(|d| d.row)
        .collect();
    assert_eq!(ragged, [6, 7]);
    let empty: Vec<usize> = t
        .diagnostics_of("empty_row")
        .filter_map(|d| d.row)
        .collect();
    assert_eq!(empty, [5, 8]);
    // Short rows are padded, so every row has every column.
    assert!(t.rows.iter().all(|r| r.len() == 3));
}

#[test]
fn title_rows_above_the_header() {
    let text = "Перелік об'єктів комунальної власності;;\n\
                станом на 01.01.2024;;\n\
                ;;\n\
                назва;код;вартість\n\
                Будинок культури;1;120000\n";
    let t = &read(text.as_bytes(), Format::Auto, "x.csv")
        .expect("read")
        .tables[0];
    assert_eq!(t.header_row, 4);
    assert_eq!(names(t), ["назва", "код", "вартість"]);
    let titles: Vec<usize> = t
        .diagnostics_of("title_row")
        .filter_map(|d| d.row)
        .collect();
    assert_eq!(titles, [1, 2]);
}

#[test]
fn values_that_do_not_fit_are_reported_not_dropped() {
    let mut text = String::from("amount,date\n");
    for i in 0..30 {
        text.push_str(&format!("{i},2024-01-{:02}\n", i % 28 + 1));
    }
    text.push_str("н/д,01.02.2024\n");
    let t = &read(text.as_bytes(), Format::Auto, "x.csv")
        .expect("read")
        .tables[0];
    assert_eq!(types(t), [ColumnType::Integer, ColumnType::Date]);
    assert_eq!(t.columns[0].mismatches, 1);
    let d: Vec<_> = t.diagnostics_of("type_mismatch").collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].row, Some(32));
    assert_eq!(d[0].column, Some(0));
    assert_eq!(t.rows[30][0], "н/д");
    assert_eq!(
        t.columns[1].date_styles,
        [DateStyle::Iso, DateStyle::DotDmy]
    );
}

#[test]
fn a_value_late_in_the_file_changes_the_type() {
    // Whole-column inference: a decimal in the last row makes the column decimal.
    let mut text = String::from("v\n");
    for i in 0..10_000 {
        text.push_str(&format!("{i}\n"));
    }
    text.push_str("0.5\n");
    let t = &read(text.as_bytes(), Format::Csv, "x.csv")
        .expect("read")
        .tables[0];
    assert_eq!(t.columns[0].inferred, ColumnType::Decimal);
}

#[test]
fn tsv_and_pipes() {
    let t = &read(b"a\tb\n1\t2\n", Format::Tsv, "x.tsv")
        .expect("read")
        .tables[0];
    assert_eq!(t.delimiter, Some(b'\t'));
    let t = &read(b"a|b\n1|2\n", Format::Auto, "x.txt")
        .expect("read")
        .tables[0];
    assert_eq!(t.delimiter, Some(b'|'));
    assert_eq!(t.rows, [vec!["1".to_string(), "2".to_string()]]);
}

#[test]
fn xlsx_with_two_sheets_and_a_merged_title() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let fmt = rust_xlsxwriter::Format::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name("Бюджет").expect("name");
        ws.merge_range(0, 0, 0, 2, "Видатки бюджету громади, 2024", &fmt)
            .expect("merge");
        ws.write_string(2, 0, "стаття").expect("w");
        ws.write_string(2, 1, "сума").expect("w");
        ws.write_string(2, 2, "дата").expect("w");
        ws.write_string(3, 0, "Освіта").expect("w");
        ws.write_number(3, 1, 1250.5).expect("w");
        ws.write_string(3, 2, "2024-01-31").expect("w");
        ws.write_string(4, 0, "Культура").expect("w");
        ws.write_number(4, 1, 300.0).expect("w");
        ws.write_string(4, 2, "2024-02-29").expect("w");
    }
    wb.add_worksheet().set_name("Порожній").expect("name");
    {
        let ws = wb.add_worksheet();
        ws.set_name("Довідник").expect("name");
        ws.write_string(0, 0, "код").expect("w");
        ws.write_number(1, 0, 1.0).expect("w");
    }
    let bytes = wb.save_to_buffer().expect("xlsx");
    let book = read(&bytes, Format::Auto, "budget.xlsx").expect("read");
    assert_eq!(book.format, Format::Xlsx);
    assert_eq!(book.sheet_names, ["Бюджет", "Порожній", "Довідник"]);
    assert_eq!(book.tables.len(), 2);
    let t = &book.tables[0];
    assert_eq!(t.name, "Бюджет");
    assert_eq!(t.header_row, 3);
    assert_eq!(names(t), ["стаття", "сума", "дата"]);
    assert_eq!(
        types(t),
        [ColumnType::Text, ColumnType::Decimal, ColumnType::Date]
    );
    assert_eq!(t.rows[1], ["Культура", "300", "2024-02-29"]);
    assert_eq!(t.row_lines, [4, 5]);
    assert!(t.diagnostics_of("title_row").any(|d| d.row == Some(1)));
    assert!(t.diagnostics.iter().any(|d| matches!(
        d.kind,
        DiagnosticKind::MergedCells {
            rows: (1, 1),
            columns: (1, 3)
        }
    )));
    assert_eq!(book.tables[1].columns[0].inferred, ColumnType::Integer);
}

#[test]
fn json_array_keeps_first_seen_key_order() {
    let json = r#"[{"name":"Школа","id":1,"open":true},{"id":2,"extra":null,"name":"Садок","tags":["a"]}]"#;
    let book = read(json.as_bytes(), Format::Auto, "items.json").expect("read");
    assert_eq!(book.format, Format::Json);
    let t = &book.tables[0];
    assert_eq!(names(t), ["name", "id", "open", "extra", "tags"]);
    assert_eq!(t.rows[1], ["Садок", "2", "", "", "[\"a\"]"]);
    assert_eq!(t.columns[1].inferred, ColumnType::Integer);
    assert!(read(b"[1,2]", Format::Json, "x.json").is_err());
    assert!(read(b"{\"data\":[{\"a\":1}]}", Format::Json, "x.json").is_ok());
}

#[test]
fn geojson_points_become_lon_lat() {
    let json = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"name":"Укриття 1","capacity":50},"geometry":{"type":"Point","coordinates":[24.0297,49.8397]}},
      {"type":"Feature","properties":{"name":"Укриття 2","capacity":80},"geometry":{"type":"Point","coordinates":[24.031,49.84]}}
    ]}"#;
    let book = read(json.as_bytes(), Format::Auto, "shelters.geojson").expect("read");
    assert_eq!(book.format, Format::GeoJson);
    let t = &book.tables[0];
    assert_eq!(names(t), ["name", "capacity", "lon", "lat"]);
    assert_eq!(t.rows[0][2], "24.0297");
    assert_eq!(t.columns[3].inferred, ColumnType::Decimal);
}

#[test]
fn empty_and_broken_inputs_are_errors_not_panics() {
    assert!(read(b"", Format::Auto, "x.csv").is_err());
    assert!(read(b"PK\x03\x04garbage", Format::Auto, "x.xlsx").is_err());
    assert!(read(b"{not json", Format::Json, "x.json").is_err());
    // Odd but readable CSVs never fail.
    for bytes in [&b"\n\n\n"[..], b"\"unterminated", b",,,", b"\xff\xfe\xff"] {
        let _ = read(bytes, Format::Csv, "x.csv");
    }
}

/// Reads `bytes` with the two-pass streaming reader: the survey and every
/// row with its line.
fn stream(
    bytes: &[u8],
    tsv: bool,
) -> (
    misto_tabular::DelimitedSurvey,
    Vec<Vec<String>>,
    Vec<usize>,
    Vec<misto_tabular::Diagnostic>,
) {
    let mut open = || Ok::<_, std::io::Error>(std::io::Cursor::new(bytes.to_vec()));
    let survey = misto_tabular::survey_delimited(
        &mut open,
        tsv,
        "x.csv".into(),
        &misto_tabular::ReadOptions::default(),
    )
    .expect("survey");
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let diagnostics = survey
        .for_each_row(std::io::Cursor::new(bytes.to_vec()), |line, cells| {
            lines.push(line);
            rows.push(cells.iter().map(|c| c.to_string()).collect());
            std::ops::ControlFlow::Continue(())
        })
        .expect("rows");
    (survey, rows, lines, diagnostics)
}

#[test]
fn the_streaming_reader_reads_the_same_tables() {
    let utf16 = |text: &str, le: bool| {
        let mut out = if le {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for u in text.encode_utf16() {
            out.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    };
    let cp = |text: &str| encoding_rs::WINDOWS_1251.encode(text).0.into_owned();
    let big: String = (0..6000)
        .map(|i| format!("Школа №{i};{i},5;0{}.02.2024;так\r\n", i % 9 + 1))
        .collect();
    let big = format!("назва;сума;дата;активний\r\n{big}");
    // Valid UTF-8 for 300 KB, then one windows-1251 byte: the whole file is
    // windows-1251 (the guess comes from the start).
    let mut late_cp = format!("назва,код\n{}", "Ліцей,1\n".repeat(30_000)).into_bytes();
    late_cp.extend_from_slice(b"\xb3,2\n");
    let mut bom_bad = b"\xEF\xBB\xBFa,b\n1,\xff\xfe\n2,x\n".to_vec();
    bom_bad.extend_from_slice("3,ї\n".as_bytes());
    let cases: Vec<(Vec<u8>, bool)> = vec![
        (cp("Назва закладу;Дата відкриття;Площа, кв. м;Працює\r\nШкола №1;01.09.1985;1 234,5;так\r\nДитячий садок «Сонечко»;15.03.2001;850,25;ні\r\n"), false),
        (b"\xEF\xBB\xBFid,name\n1,\xD0\x9A\xD0\xB8\xD1\x97\xD0\xB2\n".to_vec(), false),
        (utf16("id,name\n1,Київ\n2,Львів\n", true), false),
        (utf16(&big, false), false),
        (utf16(&big, true), false),
        (cp(&big), false),
        ("name,address,count\n\"Школа\",\"вул. Шевченка, 1\nкорпус 2\",10\n\"Садок \"\"Сонечко\"\"\",вул. Франка,5\n,,\nБібліотека,вул. Лесі,3,зайве\nМузей,вул. Січових\n\nТеатр,пл. Ринок,7\n".as_bytes().to_vec(), false),
        ("Перелік;;\nстаном на 01.01.2024;;\n;;\nназва;код;вартість\nБудинок культури;1;120000\n".as_bytes().to_vec(), false),
        ("\n\n\r\n;;\nа;б\n\n1;2\r\n\r\n3;4;5;6\n;\n".as_bytes().to_vec(), false),
        (";;\n;;\n".as_bytes().to_vec(), false),
        (b"a\tb\n1\t2\n".to_vec(), true),
        (b"a|b\n1|2\n3|\n".to_vec(), false),
        (b"x,y\r1,2\r3,4\r".to_vec(), false),
        (misto_tabular::synthetic::datastore_bench_csv(3000).into_bytes(), false),
        (late_cp, false),
        (bom_bad, false),
        (format!("v\n{}0.5\n", (0..10_000).map(|i| format!("{i}\n")).collect::<String>()).into_bytes(), false),
    ];
    for (i, (bytes, tsv)) in cases.iter().enumerate() {
        let hint = if *tsv { Format::Tsv } else { Format::Csv };
        let whole = read(bytes, hint, "x.csv").expect("read");
        let want = &whole.tables[0];
        let (survey, rows, lines, diagnostics) = stream(bytes, *tsv);
        let got = &survey.table;
        assert_eq!(got.columns, want.columns, "case {i}: columns");
        assert_eq!(
            (got.encoding, got.bom, got.delimiter, got.header_row),
            (want.encoding, want.bom, want.delimiter, want.header_row),
            "case {i}: shape"
        );
        assert_eq!(survey.rows, want.rows.len(), "case {i}: row count");
        assert_eq!(rows, want.rows, "case {i}: rows");
        assert_eq!(lines, want.row_lines, "case {i}: lines");
        let expected: Vec<_> = want
            .diagnostics
            .iter()
            .filter(|d| d.kind.id() != "type_mismatch")
            .cloned()
            .collect();
        assert_eq!(diagnostics, expected, "case {i}: diagnostics");
    }
}
