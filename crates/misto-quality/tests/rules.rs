//! Every rule with a passing and a failing fixture, the fixes, and the
//! structure files. Fixtures are small byte strings made here.

use misto_quality::schema::{Schema, infer_schema, validate_against_schema};
use misto_quality::{Fix, RULES, Report, Severity, apply_fix, validate};

fn cp1251(text: &str) -> Vec<u8> {
    encoding_rs::WINDOWS_1251.encode(text).0.into_owned()
}

fn hits<'a>(r: &'a Report, rule: &str) -> Vec<&'a misto_quality::Problem> {
    r.problems.iter().filter(|p| p.rule == rule).collect()
}

fn numbers_then(bad: &str) -> String {
    let mut s = String::from("id,count\n");
    for i in 1..=12 {
        s.push_str(&format!("{i},{}\n", i * 10));
    }
    s.push_str(&format!("13,{bad}\n"));
    s
}

fn two_header_rows() -> String {
    let mut s = String::from("адреса,,кількість,сума\nвулиця,будинок,шт,грн\n");
    for i in 1..=12 {
        s.push_str(&format!("Шевченка,{i},{},{i}5,5\n", i * 2));
    }
    s
}

const REGISTER_HEADER: &str = "identifier,title,description,accrualPeriodicity,keyword,purpose,landingPage,distributionFormat,publisherName,publisherIdentifier,contactPointFn,contactPointHasEmail";

/// A file: its bytes and name.
type File = (Vec<u8>, &'static str);

/// (rule, passing file, failing file)
fn fixtures() -> Vec<(&'static str, File, File)> {
    let ok = || (b"name,count\nalpha,1\nbeta,2\ngamma,3\n".to_vec(), "ok.csv");
    let register_bad = REGISTER_HEADER
        .replace("identifier,title", "Identifier,Title")
        .replace("publisherName", "publisher_name");
    vec![
        ("utf8_encoding", ok(), (cp1251("назва;сума\nШкола;12,5\nСадок;3\n"), "cp1251.csv")),
        ("open_machine_readable_format", ok(), (b"%PDF-1.4 ...".to_vec(), "report.pdf")),
        ("no_title_rows", ok(), (b"Budget 2024;\n;\nname;sum\nx;1\ny;2\n".to_vec(), "t.csv")),
        ("single_header_row", ok(), (b"id,name,name\n1,a,b\n2,c,d\n".to_vec(), "dup.csv")),
        ("single_header_row", ok(), (b"1,2,3\n4,5,6\n7,8,9\n".to_vec(), "noheader.csv")),
        ("single_header_row", ok(), (two_header_rows().into_bytes(), "two.csv")),
        ("no_empty_rows", ok(), (b"a,b\n1,2\n,\n\n3,4\n".to_vec(), "e.csv")),
        ("no_ragged_rows", ok(), (b"a,b\n1,2,3\n3,4\n".to_vec(), "ragged.csv")),
        ("no_empty_columns", ok(), (b"a,b,c\n1,,3\n4,,6\n".to_vec(), "c.csv")),
        (
            "merged_looking_cells",
            (b"district,school,pupils\nA,S1,100\nA,S2,200\nB,S3,300\nB,S4,150\n".to_vec(), "m.csv"),
            ("district,school,pupils\nФранківський,Школа 1,100\n,Школа 2,200\n,Школа 3,300\nЛичаківський,Школа 4,150\n,Школа 5,120\n".as_bytes().to_vec(), "m.csv"),
        ),
        ("one_type_per_column", (numbers_then("130").into_bytes(), "n.csv"), (numbers_then("н/д").into_bytes(), "n.csv")),
        ("iso_dates", (b"date,v\n2024-01-31,1\n2024-02-29,2\n".to_vec(), "d.csv"), (b"date,v\n31.01.2024,1\n29.02.2024,2\n".to_vec(), "d.csv")),
        ("valid_edrpou", ("edrpou,name\n00022473,Кабмін\n04011686,x\n".as_bytes().to_vec(), "e.csv"), ("код_ЄДРПОУ,name\n00022474,x\n22473,y\n".as_bytes().to_vec(), "e.csv")),
        ("katottg_well_formed", (b"katottg,name\nUA80000000000093317,Kyiv\n".to_vec(), "k.csv"), (b"katottg,name\n80000000000093317,Kyiv\n".to_vec(), "k.csv")),
        ("coordinates_in_range", (b"name,lat,lon\nA,49.8397,24.0297\nB,50.45,30.52\n".to_vec(), "g.csv"), (b"name,lat,lon\nA,95.1,24.0297\nB,24.03,49.84\n".to_vec(), "g.csv")),
        ("no_duplicate_rows", ok(), (b"a,b\n1,2\n3,4\n1,2\n".to_vec(), "dup.csv")),
        ("no_leading_trailing_spaces", ok(), ("a,b\n Київ,1\nЛьвів ,2\n".as_bytes().to_vec(), "s.csv")),
        (
            "column_names_camel_case",
            (format!("{REGISTER_HEADER}\n1,Реєстр,Опис,Щороку,реєстр,закон,https://x,CSV,Рада,04055794,Іван,a@b.ua\n").into_bytes(), "r.csv"),
            (format!("{register_bad}\n1,Реєстр,Опис,Щороку,реєстр,закон,https://x,CSV,Рада,04055794,Іван,a@b.ua\n").into_bytes(), "r.csv"),
        ),
    ]
}

#[test]
fn every_rule_passes_and_fails_on_its_fixtures() {
    let mut covered = std::collections::HashSet::new();
    for (rule, (good, good_name), (bad, bad_name)) in fixtures() {
        let r = validate(&good, good_name, None);
        assert!(
            hits(&r, rule).is_empty(),
            "{rule} should pass on {good_name}: {:#?}",
            hits(&r, rule)
        );
        let r = validate(&bad, bad_name, None);
        let found = hits(&r, rule);
        assert!(
            !found.is_empty(),
            "{rule} should fail on {bad_name}: {:#?}",
            r.problems
        );
        for p in found {
            assert!(
                !p.message_uk.is_empty() && !p.message_en.is_empty(),
                "{p:?}"
            );
            assert!(!p.fix_uk.is_empty() && !p.fix_en.is_empty(), "{p:?}");
        }
        covered.insert(rule);
    }
    for rule in RULES {
        assert!(covered.contains(rule.id), "rule {} has no fixture", rule.id);
    }
}

#[test]
fn messages_name_the_row_and_column() {
    let r = validate(numbers_then("н/д").as_bytes(), "n.csv", None);
    let p = &hits(&r, "one_type_per_column")[0];
    assert_eq!(p.severity, Severity::Error);
    assert_eq!(p.row, Some(14));
    assert_eq!(p.column.as_deref(), Some("count"));
    assert!(
        p.message_uk.starts_with("Рядок 14, стовпець «count»"),
        "{}",
        p.message_uk
    );
    assert!(
        p.message_en.starts_with("Row 14, column “count”"),
        "{}",
        p.message_en
    );
}

#[test]
fn specific_findings() {
    let r = validate(
        "код_ЄДРПОУ,name\n00022474,x\n22473,y\n1234567890,z\n".as_bytes(),
        "e.csv",
        None,
    );
    let msgs: Vec<&str> = hits(&r, "valid_edrpou")
        .iter()
        .map(|p| p.message_en.as_str())
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert!(msgs[0].contains("check digit"));
    assert!(msgs[1].contains("00022473"), "{}", msgs[1]);
    assert!(msgs[2].contains("personal data"));

    let r = validate(b"name,lat,lon\nB,24.03,49.84\n", "g.csv", None);
    assert!(
        hits(&r, "coordinates_in_range")[0]
            .message_en
            .contains("swapped")
    );

    let r = validate(b"a,b\n1,2\n3,4\n1,2\n", "dup.csv", None);
    assert_eq!(hits(&r, "no_duplicate_rows")[0].row, Some(4));
    assert!(
        hits(&r, "no_duplicate_rows")[0]
            .message_en
            .contains("row 2")
    );
}

#[test]
fn openness_stars_by_format() {
    for (name, stars) in [
        ("a.pdf", 1),
        ("a.docx", 1),
        ("a.xml", 3),
        ("a.csv", 3),
        ("a.ttl", 4),
    ] {
        let r = validate(b"x", name, None);
        assert_eq!(r.openness_stars, stars, "{name}");
    }
    assert_eq!(validate(b"x", "a.bin", Some("JSON-LD")).openness_stars, 4);
}

fn xlsx_with_merged_title() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let f = rust_xlsxwriter::Format::new();
    let ws = wb.add_worksheet();
    ws.merge_range(0, 0, 0, 1, "Перелік шкіл", &f)
        .expect("merge");
    ws.write_string(1, 0, "назва").expect("w");
    ws.write_string(1, 1, "учнів").expect("w");
    ws.write_string(2, 0, "Школа 1").expect("w");
    ws.write_number(2, 1, 300.0).expect("w");
    wb.save_to_buffer().expect("xlsx")
}

#[test]
fn xlsx_is_two_stars_with_merged_cells_and_a_title() {
    let r = validate(&xlsx_with_merged_title(), "schools.xlsx", None);
    assert_eq!(r.openness_stars, 2);
    assert_eq!(hits(&r, "open_machine_readable_format").len(), 1);
    assert_eq!(hits(&r, "merged_looking_cells").len(), 1);
    assert_eq!(hits(&r, "no_title_rows")[0].row, Some(1));
    assert_eq!(
        hits(&r, "no_title_rows")[0].table.as_deref(),
        Some("Sheet1")
    );
    assert!(hits(&r, "utf8_encoding").is_empty());
    assert!(!r.summary.passed);
    assert_eq!(r.summary.format, "XLSX");
}

#[test]
fn a_clean_csv_passes() {
    let r = validate(
        b"identifier,title\n1,Budget\n2,Schools\n",
        "ok.csv",
        Some("CSV"),
    );
    assert!(r.summary.passed, "{:#?}", r.problems);
    assert_eq!(r.summary.rows, 2);
    assert_eq!(r.openness_stars, 3);
}

#[test]
fn unreadable_files_are_one_problem() {
    let r = validate(b"PK\x03\x04broken", "x.xlsx", None);
    assert_eq!(hits(&r, "readable").len(), 1);
    assert!(!r.summary.passed);
}

#[test]
fn fix_reencode_to_utf8() {
    let original = cp1251("назва;сума\r\nШкола;12,5\r\n");
    let out = apply_fix(&original, "x.csv", Fix::ReencodeUtf8).expect("fix");
    assert_eq!(
        String::from_utf8(out.bytes.clone()).expect("utf8"),
        "назва;сума\r\nШкола;12,5\r\n"
    );
    assert_eq!(out.changed_rows, 2);
    assert_eq!(
        out.preview[1].after.as_deref(),
        Some(&["Школа;12,5".to_string()][..])
    );
    assert!(hits(&validate(&out.bytes, "x.csv", None), "utf8_encoding").is_empty());
}

#[test]
fn fix_iso_dates() {
    let out = apply_fix(
        "дата;назва;сума\n31.01.2024;Школа; 1\n2024-02-01;\"Садок; №2\";2\n\n1.3.2024;x;3\n"
            .as_bytes(),
        "x.csv",
        Fix::IsoDates,
    )
    .expect("fix");
    assert_eq!(
        String::from_utf8(out.bytes).expect("utf8"),
        "дата;назва;сума\n2024-01-31;Школа; 1\n2024-02-01;\"Садок; №2\";2\n\n2024-03-01;x;3\n"
    );
    assert_eq!(out.changed_rows, 2);
    assert_eq!(out.preview[0].line, 2);
    assert_eq!(out.preview[0].before[0], "31.01.2024");
}

#[test]
fn fix_trim_spaces_and_drop_empty_rows() {
    let input = "a , b\n x ,1\n,\n\ny,2\n";
    let out = apply_fix(input.as_bytes(), "x.csv", Fix::TrimSpaces).expect("fix");
    assert_eq!(
        String::from_utf8(out.bytes).expect("utf8"),
        "a,b\nx,1\n,\n\ny,2\n"
    );
    assert_eq!(out.changed_rows, 2);
    let out = apply_fix(input.as_bytes(), "x.csv", Fix::DropEmptyRows).expect("fix");
    assert_eq!(
        String::from_utf8(out.bytes).expect("utf8"),
        "a , b\n x ,1\ny,2\n"
    );
    assert_eq!(out.changed_rows, 2);
    assert_eq!(
        out.preview.iter().map(|c| c.line).collect::<Vec<_>>(),
        [3, 4]
    );
    assert!(out.preview.iter().all(|c| c.after.is_none()));
    assert!(apply_fix(&xlsx_with_merged_title(), "x.xlsx", Fix::TrimSpaces).is_err());
}

#[test]
fn structure_file_generated_and_used() {
    let data = "id;назва;дата;сума;активний;примітка\n1;Школа;01.02.2024;1 234,5;так;\n2;Садок;03.02.2024;10;ні;нова\n";
    let book =
        misto_tabular::read(data.as_bytes(), misto_tabular::Format::Csv, "x.csv").expect("read");
    let t = &book.tables[0];
    let schema = infer_schema(t);
    let ts = schema.to_table_schema();
    let fields = ts["fields"].as_array().expect("fields");
    let types: Vec<&str> = fields
        .iter()
        .map(|f| f["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        types,
        ["integer", "string", "date", "number", "boolean", "string"]
    );
    assert_eq!(fields[2]["format"], "%d.%m.%Y");
    assert_eq!(fields[3]["decimalChar"], ",");
    assert_eq!(fields[0]["constraints"]["required"], true);
    assert!(fields[5].get("constraints").is_none());

    let csv = schema.to_ministry_csv();
    assert!(
        csv.starts_with("name,title,description,datatype,required\nid,id,,integer,true\n"),
        "{csv}"
    );
    let back = Schema::from_ministry_file(csv.as_bytes(), "structure.csv").expect("read back");
    assert_eq!(back.fields.len(), 6);
    assert_eq!(back.fields[2].datatype, misto_tabular::ColumnType::Date);
    let back_json = Schema::from_table_schema(&ts.to_string()).expect("json back");
    assert_eq!(
        back_json.fields[3].datatype,
        misto_tabular::ColumnType::Decimal
    );
    assert!(back_json.fields[0].required);

    // The table passes its own structure.
    assert!(validate_against_schema(t, &schema).is_empty());

    // A later version breaks it: a required value missing, a wrong type, a
    // column gone, a column added.
    let newer = "id;назва;дата;інше\n;Школа;01.02.2024;x\n3;Садок;вчора;y\n";
    let t2 = &misto_tabular::read(newer.as_bytes(), misto_tabular::Format::Csv, "x.csv")
        .expect("read")
        .tables[0];
    let problems = validate_against_schema(t2, &back);
    let rules: Vec<(&str, Option<usize>)> = problems.iter().map(|p| (p.rule, p.row)).collect();
    for want in [
        ("schema_missing_column", None),
        ("schema_undescribed_column", None),
        ("schema_required_empty", Some(2)),
        ("schema_type", Some(3)),
    ] {
        assert!(rules.contains(&want), "{want:?} in {rules:?}");
    }
}

#[test]
fn many_findings_are_capped_but_counted() {
    let mut s = String::from("edrpou,name\n");
    for i in 0..500 {
        s.push_str(&format!("1234567{},x{i}\n", edrpou_wrong_digit()));
    }
    let r = validate(s.as_bytes(), "e.csv", None);
    let found = hits(&r, "valid_edrpou");
    assert_eq!(found.len(), misto_quality::MAX_PROBLEMS_PER_RULE + 1);
    let last = found.last().expect("more");
    assert_eq!(last.count, 500 - misto_quality::MAX_PROBLEMS_PER_RULE);
    assert!(last.message_en.contains("more"), "{}", last.message_en);
    assert_eq!(r.summary.errors, 500);
    assert_eq!(r.summary.by_rule, [("valid_edrpou".to_string(), 500)]);
}

/// A last digit that makes 1234567x invalid.
fn edrpou_wrong_digit() -> u32 {
    let good = misto_core::codes::edrpou_check_digit(&[1, 2, 3, 4, 5, 6, 7]).unwrap_or(0);
    (good + 1) % 10
}

#[test]
fn reader_overflow_is_counted() {
    // More type mismatches than the reader keeps (1,000) still add up.
    let mut s = String::from("id,count\n");
    for i in 0..30_000 {
        s.push_str(&format!("{i},{}\n", if i % 20 == 0 { "x" } else { "1" }));
    }
    let r = validate(s.as_bytes(), "n.csv", None);
    assert_eq!(
        r.summary.by_rule,
        [("one_type_per_column".to_string(), 1500)]
    );
    assert_eq!(r.summary.errors, 1500);
    assert_eq!(
        hits(&r, "one_type_per_column").len(),
        misto_quality::MAX_PROBLEMS_PER_RULE + 1
    );
}

#[test]
fn a_large_csv_is_checked_on_its_first_part_in_bounded_memory() {
    let line = "Шевченківський,207043.43\n";
    let mut csv = String::from("район,сума\n");
    while csv.len() <= misto_quality::SAMPLE_BYTES + 1000 {
        csv.push_str(line);
    }
    let r = misto_quality::validate(csv.as_bytes(), "big.csv", Some("CSV"));
    assert_eq!(hits(&r, "sampled").len(), 1);
    assert!(hits(&r, "readable").is_empty());
    // A small file is checked whole.
    let r = misto_quality::validate(line.repeat(10).as_bytes(), "small.csv", Some("CSV"));
    assert!(hits(&r, "sampled").is_empty());
}
