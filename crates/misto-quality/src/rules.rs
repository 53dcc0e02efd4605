//! The rules. Each is a function from the [`Input`] to problems, listed in
//! [`RULES`] with its stable id; docs/quality.md describes each one.

use misto_core::codes::{edrpou_is_valid, katottg_is_well_formed};
use misto_tabular::{
    ColumnType, DateStyle, DiagnosticKind, Format, Table, Value, parse_value, trim_value,
};

use crate::templates::{self, Match, is_camel_case, normalize};
use crate::{Fix, Input, MAX_PROBLEMS_PER_RULE, Problem, Rule, Severity};

/// Every rule, in the order problems are listed.
pub static RULES: &[Rule] = &[
    Rule {
        id: "open_machine_readable_format",
        summary: "tabular data as CSV; PDF/DOC/images are not data",
        check: open_machine_readable_format,
    },
    Rule {
        id: "utf8_encoding",
        summary: "text files in UTF-8",
        check: utf8_encoding,
    },
    Rule {
        id: "no_title_rows",
        summary: "no title or note rows above the header",
        check: no_title_rows,
    },
    Rule {
        id: "single_header_row",
        summary: "exactly one header row, every column named once",
        check: single_header_row,
    },
    Rule {
        id: "no_empty_rows",
        summary: "no empty rows",
        check: no_empty_rows,
    },
    Rule {
        id: "no_ragged_rows",
        summary: "every row has as many fields as the header",
        check: no_ragged_rows,
    },
    Rule {
        id: "no_empty_columns",
        summary: "no empty columns",
        check: no_empty_columns,
    },
    Rule {
        id: "merged_looking_cells",
        summary: "no merged cells or values left out under a group heading",
        check: merged_looking_cells,
    },
    Rule {
        id: "one_type_per_column",
        summary: "every value of a column has the column's type",
        check: one_type_per_column,
    },
    Rule {
        id: "iso_dates",
        summary: "dates in ISO 8601 (yyyy-mm-dd)",
        check: iso_dates,
    },
    Rule {
        id: "valid_edrpou",
        summary: "EDRPOU codes have 8 digits and a valid check digit",
        check: valid_edrpou,
    },
    Rule {
        id: "katottg_well_formed",
        summary: "KATOTTG codes are UA and 17 digits",
        check: katottg_well_formed,
    },
    Rule {
        id: "coordinates_in_range",
        summary: "latitude and longitude in range (and in Ukraine)",
        check: coordinates_in_range,
    },
    Rule {
        id: "no_duplicate_rows",
        summary: "no row repeated",
        check: no_duplicate_rows,
    },
    Rule {
        id: "no_leading_trailing_spaces",
        summary: "no spaces around values",
        check: no_leading_trailing_spaces,
    },
    Rule {
        id: "column_names_camel_case",
        summary: "column names in latin camelCase as in the Ministry's templates",
        check: column_names_camel_case,
    },
];

// ---- helpers ---------------------------------------------------------------

fn problem(rule: &'static str, severity: Severity) -> Problem {
    Problem {
        rule,
        severity,
        table: None,
        row: None,
        column: None,
        message_uk: String::new(),
        message_en: String::new(),
        fix_uk: String::new(),
        fix_en: String::new(),
        auto_fix: None,
        count: 1,
    }
}

/// Keeps the first [`MAX_PROBLEMS_PER_RULE`] problems a rule finds in one
/// table and only counts the rest, so a file with a million bad values costs
/// little more than reading it; `close` adds one "and N more" problem.
struct Budget {
    start: usize,
    skipped: usize,
}

impl Budget {
    fn new(out: &[Problem]) -> Self {
        Budget {
            start: out.len(),
            skipped: 0,
        }
    }

    /// Whether one more problem may be built; counts it otherwise.
    fn room(&mut self, out: &[Problem]) -> bool {
        if out.len() - self.start < MAX_PROBLEMS_PER_RULE {
            true
        } else {
            self.skipped += 1;
            false
        }
    }

    fn close(self, out: &mut Vec<Problem>) {
        if self.skipped == 0 {
            return;
        }
        let Some(last) = out.last() else { return };
        let n = self.skipped;
        let mut more = last.clone();
        more.row = None;
        more.column = None;
        more.message_uk = format!(
            "{}І ще {n} таких самих проблем (показано перші {MAX_PROBLEMS_PER_RULE}).",
            more.table
                .as_ref()
                .map_or(String::new(), |t| format!("Аркуш «{t}»: "))
        );
        more.message_en = format!(
            "{}And {n} more problems of the same kind (the first {MAX_PROBLEMS_PER_RULE} are shown).",
            more.table
                .as_ref()
                .map_or(String::new(), |t| format!("Sheet “{t}”: "))
        );
        more.count = n;
        out.push(more);
    }
}

impl Problem {
    fn at(
        mut self,
        input: &Input<'_>,
        t: &Table,
        row: Option<usize>,
        column: Option<&str>,
    ) -> Self {
        let sheets = input
            .workbook
            .is_some_and(|w| w.format.is_spreadsheet() || w.tables.len() > 1);
        if sheets {
            self.table = Some(t.name.clone());
        }
        self.row = row;
        self.column = column.map(str::to_string);
        self
    }

    fn says(mut self, uk: String, en: String) -> Self {
        let (luk, len) = place(self.table.as_deref(), self.row, self.column.as_deref());
        if luk.is_empty() {
            self.message_uk = capitalize(&uk);
            self.message_en = capitalize(&en);
        } else {
            self.message_uk = format!("{luk}{uk}");
            self.message_en = format!("{len}{en}");
        }
        self
    }

    fn fix(mut self, uk: &str, en: &str) -> Self {
        self.fix_uk = uk.to_string();
        self.fix_en = en.to_string();
        self
    }

    fn auto(mut self, f: Fix) -> Self {
        self.auto_fix = Some(f);
        self
    }
}

/// The reader keeps a bounded number of diagnostics of each kind; the rest
/// come as one `Suppressed` count, turned here into one "and N more" problem
/// shaped like the rule's last one.
fn reader_overflow(t: &Table, of: &str, out: &mut Vec<Problem>) {
    let Some(count) = t.diagnostics_of("suppressed").find_map(|d| match &d.kind {
        DiagnosticKind::Suppressed { of: o, count } if o == of => Some(*count),
        _ => None,
    }) else {
        return;
    };
    Budget {
        start: out.len(),
        skipped: count,
    }
    .close(out);
}

fn capitalize(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// "Аркуш «X», рядок 12, стовпець «сума»: " and its English twin.
fn place(table: Option<&str>, row: Option<usize>, column: Option<&str>) -> (String, String) {
    let mut uk = Vec::new();
    let mut en = Vec::new();
    if let Some(t) = table {
        uk.push(format!("аркуш «{t}»"));
        en.push(format!("sheet “{t}”"));
    }
    if let Some(r) = row {
        uk.push(format!("рядок {r}"));
        en.push(format!("row {r}"));
    }
    if let Some(c) = column {
        uk.push(format!("стовпець «{c}»"));
        en.push(format!("column “{c}”"));
    }
    if uk.is_empty() {
        return (String::new(), String::new());
    }
    let cap = |v: Vec<String>| format!("{}: ", capitalize(&v.join(", ")));
    (cap(uk), cap(en))
}

fn tables<'a>(input: &'a Input<'_>) -> impl Iterator<Item = &'a Table> + 'a {
    input.workbook.into_iter().flat_map(|w| w.tables.iter())
}

fn is_text_format(input: &Input<'_>) -> bool {
    matches!(
        input.format_label.as_str(),
        "CSV"
            | "TSV"
            | "JSON"
            | "GEOJSON"
            | "XML"
            | "TXT"
            | "MARKDOWN"
            | "MD"
            | "HTML"
            | "JSON-LD"
            | "TTL"
            | "TURTLE"
            | "KML"
            | "GPX"
            | ""
    ) && input.workbook.is_none_or(|w| !w.format.is_spreadsheet())
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

// ---- format ------------------------------------------------------------------

/// The 5-star openness level of a format label: 1 for documents and images
/// (on the web under an open licence, but not data), 2 for proprietary
/// spreadsheets, 3 for open machine-readable formats, 4 for RDF. The fifth
/// star (links to other people's data) needs a look at the content and is
/// never given automatically.
pub(crate) fn openness_stars(label: &str) -> u8 {
    match label {
        "RDF" | "TTL" | "TURTLE" | "JSON-LD" | "JSONLD" | "N-TRIPLES" | "NT" | "RDF/XML"
        | "SPARQL" => 4,
        "CSV" | "TSV" | "JSON" | "GEOJSON" | "XML" | "ODS" | "KML" | "GPX" | "SHP" | "GML"
        | "API" | "PARQUET" => 3,
        "XLS" | "XLSX" | "XLSM" | "XLSB" | "DBF" | "MDB" => 2,
        "" => 0,
        _ => 1,
    }
}

fn open_machine_readable_format(input: &Input<'_>) -> Vec<Problem> {
    let label = input.format_label.as_str();
    let stars = openness_stars(label);
    let mut out = Vec::new();
    match stars {
        2 => out.push(
            problem("open_machine_readable_format", Severity::Warning)
                .says(
                    format!("Таблиця опублікована у форматі {label} (2 зірки відкритості). Міністерство рекомендує CSV."),
                    format!("The table is published as {label} (2 openness stars). The Ministry recommends CSV."),
                )
                .fix(
                    "Збережіть кожен аркуш як окремий CSV у кодуванні UTF-8 і опублікуйте його (XLSX можна залишити як додатковий ресурс).",
                    "Save each sheet as its own UTF-8 CSV and publish it (the XLSX may stay as an extra resource).",
                ),
        ),
        1 => out.push(
            problem("open_machine_readable_format", Severity::Warning)
                .says(
                    format!("Формат {label} не є машиночитаним: програма не може взяти з нього окремі значення (1 зірка відкритості)."),
                    format!("{label} is not machine-readable: software cannot take single values out of it (1 openness star)."),
                )
                .fix(
                    "Якщо це дані, опублікуйте їх таблицею CSV (або JSON); документ чи скан залиште додатковим ресурсом.",
                    "If these are data, publish them as a CSV table (or JSON); keep the document or scan as an extra resource.",
                ),
        ),
        0 => out.push(
            problem("open_machine_readable_format", Severity::Info)
                .says(
                    "Формат ресурсу не вказано і його не видно з назви файлу.".into(),
                    "The resource's format is not given and cannot be told from the file name.".into(),
                )
                .fix("Вкажіть формат ресурсу (наприклад, CSV).", "Give the resource's format (for example, CSV)."),
        ),
        _ => {}
    }
    out
}

// ---- encoding ----------------------------------------------------------------

fn utf8_encoding(input: &Input<'_>) -> Vec<Problem> {
    if !is_text_format(input) {
        return Vec::new();
    }
    // A CSV was decoded by the reader already; other text is decoded here.
    let from_table = input
        .workbook
        .filter(|w| matches!(w.format, Format::Csv | Format::Tsv))
        .and_then(|w| w.tables.first());
    let (encoding, bom, replacements) = match from_table {
        Some(t) => (
            t.encoding,
            t.bom,
            t.diagnostics
                .iter()
                .find_map(|d| match d.kind {
                    DiagnosticKind::DecodingErrors { count } => Some(count),
                    _ => None,
                })
                .unwrap_or(0),
        ),
        None => {
            let d = misto_tabular::decode(input.bytes);
            (d.encoding, d.bom, d.replacements)
        }
    };
    let mut out = Vec::new();
    if encoding != "UTF-8" {
        out.push(
            problem("utf8_encoding", Severity::Error)
                .says(
                    format!("Файл у кодуванні {}, а не UTF-8; у багатьох програмах українські літери стануть нечитабельними.", encoding),
                    format!("The file is encoded as {}, not UTF-8; many programs will show the Ukrainian letters as garbage.", encoding),
                )
                .fix(
                    "Перекодуйте файл у UTF-8 (автоматичне виправлення) або збережіть його як «CSV UTF-8».",
                    "Re-encode the file to UTF-8 (automatic fix) or save it as “CSV UTF-8”.",
                )
                .auto(Fix::ReencodeUtf8),
        );
    }
    if replacements > 0 {
        out.push(
            problem("utf8_encoding", Severity::Error)
                .says(
                    format!("{} послідовностей байтів не відповідають кодуванню {}: частина тексту пошкоджена.", replacements, encoding),
                    format!("{} byte sequences are not valid {}: part of the text is damaged.", replacements, encoding),
                )
                .fix(
                    "Збережіть файл заново з програми, де його створено, у кодуванні UTF-8.",
                    "Save the file again, from the program it was made in, as UTF-8.",
                ),
        );
    }
    if bom && encoding == "UTF-8" {
        out.push(
            problem("utf8_encoding", Severity::Info)
                .says(
                    "Файл починається з позначки порядку байтів (BOM). Це допустимо, але деякі програми читають її як частину назви першого стовпця.".into(),
                    "The file starts with a byte order mark (BOM). That is allowed, but some programs read it as part of the first column's name.".into(),
                )
                .fix("Можна зберегти файл як UTF-8 без BOM (автоматичне виправлення).", "You may save the file as UTF-8 without a BOM (automatic fix).")
                .auto(Fix::ReencodeUtf8),
        );
    }
    out
}

// ---- structure -----------------------------------------------------------------

fn no_title_rows(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for d in t.diagnostics_of("title_row") {
            let DiagnosticKind::TitleRow { cells } = &d.kind else {
                continue;
            };
            let text = shorten(&cells.join(" "));
            out.push(
                problem("no_title_rows", Severity::Error)
                    .at(input, t, d.row, None)
                    .says(
                        format!("над рядком заголовків стоїть «{text}». Назви, примітки й дати над таблицею не є даними."),
                        format!("“{text}” stands above the header row. Titles, notes and dates above a table are not data."),
                    )
                    .fix(
                        "Видаліть рядки над заголовками; назву й примітки перенесіть в опис набору чи ресурсу.",
                        "Delete the rows above the header; move the title and notes to the dataset or resource description.",
                    ),
            );
        }
    }
    out
}

fn single_header_row(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for d in &t.diagnostics {
            let col = d
                .column
                .and_then(|c| t.columns.get(c))
                .map(|c| c.name.as_str());
            match &d.kind {
                DiagnosticKind::EmptyHeader => out.push(
                    problem("single_header_row", Severity::Error)
                        .at(input, t, d.row, col)
                        .says(
                            format!("стовпець {} не має назви.", d.column.map_or(0, |c| c + 1)),
                            format!("column {} has no name.", d.column.map_or(0, |c| c + 1)),
                        )
                        .fix(
                            "Дайте кожному стовпцю назву в рядку заголовків.",
                            "Give every column a name in the header row.",
                        ),
                ),
                DiagnosticKind::DuplicateHeader { name } => out.push(
                    problem("single_header_row", Severity::Error)
                        .at(input, t, d.row, col)
                        .says(
                            format!("назва «{name}» повторюється."),
                            format!("the name “{name}” is used twice."),
                        )
                        .fix(
                            "Назви стовпців мають бути різними.",
                            "Column names must differ.",
                        ),
                ),
                _ => {}
            }
        }
        if t.columns.is_empty() {
            continue;
        }
        // A header that is data: most names are numbers or dates.
        let data_like = t
            .columns
            .iter()
            .filter(|c| {
                let h = trim_value(&c.header);
                !h.is_empty()
                    && [ColumnType::Decimal, ColumnType::Date, ColumnType::DateTime]
                        .iter()
                        .any(|ty| {
                            matches!(
                                parse_value(h, *ty),
                                Value::Decimal(_) | Value::Date(_) | Value::DateTime(_)
                            )
                        })
            })
            .count();
        if t.columns.len() >= 2 && data_like * 2 > t.columns.len() && t.header_row > 0 {
            out.push(
                problem("single_header_row", Severity::Error)
                    .at(input, t, Some(t.header_row), None)
                    .says(
                        "перший рядок схожий на дані, а не на назви стовпців: у таблиці немає рядка заголовків.".into(),
                        "the first row looks like data, not column names: the table has no header row.".into(),
                    )
                    .fix("Додайте першим рядком назви стовпців.", "Add the column names as the first row."),
            );
        }
        // A second header row: the first data row breaks the type of several
        // typed columns, with text.
        if let Some(first) = t.row_lines.first() {
            let typed = t
                .columns
                .iter()
                .filter(|c| c.inferred != ColumnType::Text)
                .count();
            let broken = t
                .diagnostics_of("type_mismatch")
                .filter(|d| d.row == Some(*first))
                .count();
            if typed >= 1 && broken >= 1 && broken * 2 >= typed && (broken >= 2 || typed == 1) {
                out.push(
                    problem("single_header_row", Severity::Error)
                        .at(input, t, Some(*first), None)
                        .says(
                            "цей рядок схожий на другий рядок заголовків (підзаголовки під об'єднаними назвами).".into(),
                            "this row looks like a second header row (sub-headings under merged headings).".into(),
                        )
                        .fix(
                            "Залиште один рядок заголовків: об'єднайте назви, наприклад «адреса_вулиця», «адреса_будинок».",
                            "Keep one header row: combine the names, for example “addressStreet”, “addressBuilding”.",
                        ),
                );
            }
        }
    }
    out
}

fn no_empty_rows(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for d in t.diagnostics_of("empty_row") {
            out.push(
                problem("no_empty_rows", Severity::Warning)
                    .at(input, t, d.row, None)
                    .says("рядок порожній.".into(), "the row is empty.".into())
                    .fix(
                        "Видаліть порожні рядки (автоматичне виправлення).",
                        "Delete empty rows (automatic fix).",
                    )
                    .auto(Fix::DropEmptyRows),
            );
        }
        reader_overflow(t, "empty_row", &mut out);
    }
    out
}

fn no_ragged_rows(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for d in t.diagnostics_of("ragged_row") {
            let DiagnosticKind::RaggedRow { expected, found } = d.kind else {
                continue;
            };
            out.push(
                problem("no_ragged_rows", Severity::Error)
                    .at(input, t, d.row, None)
                    .says(
                        format!("у рядку {found} полів, а в заголовку {expected}."),
                        format!("the row has {found} fields where the header has {expected}."),
                    )
                    .fix(
                        "Перевірте роздільники й лапки в цьому рядку: кожен рядок має мати стільки полів, скільки заголовок.",
                        "Check the delimiters and quotes of this row: every row must have as many fields as the header.",
                    ),
            );
        }
        reader_overflow(t, "ragged_row", &mut out);
    }
    out
}

fn no_empty_columns(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        if t.rows.is_empty() {
            continue;
        }
        for c in t.columns.iter().filter(|c| c.non_empty == 0) {
            out.push(
                problem("no_empty_columns", Severity::Warning)
                    .at(input, t, None, Some(&c.name))
                    .says(
                        "у стовпці немає жодного значення.".into(),
                        "the column has no values at all.".into(),
                    )
                    .fix(
                        "Видаліть порожній стовпець або заповніть його.",
                        "Delete the empty column or fill it in.",
                    ),
            );
        }
    }
    out
}

fn merged_looking_cells(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for d in &t.diagnostics {
            if let DiagnosticKind::MergedCells { rows, columns } = d.kind {
                out.push(
                    problem("merged_looking_cells", Severity::Error)
                        .at(input, t, d.row, None)
                        .says(
                            format!(
                                "комірки рядків {}–{}, стовпців {}–{} об'єднано.",
                                rows.0, rows.1, columns.0, columns.1
                            ),
                            format!(
                                "cells of rows {}–{}, columns {}–{} are merged.",
                                rows.0, rows.1, columns.0, columns.1
                            ),
                        )
                        .fix(
                            "Роз'єднайте комірки і впишіть значення в кожну з них.",
                            "Unmerge the cells and write the value into each of them.",
                        ),
                );
            }
        }
        if t.rows.len() < 3 {
            continue;
        }
        // Runs of empty cells under a value in the first two columns, while
        // the rest of those rows is filled: a merged cell flattened, or a
        // group heading written once.
        for ci in 0..t.columns.len().min(2) {
            let col = &t.columns[ci];
            if col.non_empty == 0 || t.columns.len() < 2 {
                continue;
            }
            let mut seen_value = false;
            let mut run_start: Option<usize> = None;
            let mut runs: Vec<(usize, usize)> = Vec::new();
            let mut holes = 0usize;
            for (ri, row) in t.rows.iter().enumerate() {
                let empty = trim_value(&row[ci]).is_empty();
                let others = || {
                    row.iter()
                        .enumerate()
                        .any(|(i, v)| i != ci && !trim_value(v).is_empty())
                };
                if empty && seen_value && others() {
                    holes += 1;
                    run_start.get_or_insert(ri);
                } else {
                    if let Some(s) = run_start.take() {
                        runs.push((s, ri - 1));
                    }
                    if !empty {
                        seen_value = true;
                    }
                }
            }
            if let Some(s) = run_start {
                runs.push((s, t.rows.len() - 1));
            }
            // Only a pattern: several holes, and most non-empty values head a run.
            if holes < 2 || runs.is_empty() || runs.len() * 2 < col.non_empty {
                continue;
            }
            let mut budget = Budget::new(&out);
            for (s, e) in runs {
                if !budget.room(&out) {
                    continue;
                }
                let (ls, le) = (t.row_lines[s], t.row_lines[e]);
                out.push(
                    problem("merged_looking_cells", Severity::Warning)
                        .at(input, t, Some(ls), Some(&col.name))
                        .says(
                            format!("у рядках {ls}–{le} комірки порожні під значенням вище — схоже на об'єднані комірки."),
                            format!("rows {ls}–{le} are empty under a value above — this looks like merged cells."),
                        )
                        .fix(
                            "Повторіть значення в кожному рядку: кожен рядок має бути повним записом.",
                            "Repeat the value on every row: each row must be a complete record.",
                        ),
                );
            }
            budget.close(&mut out);
        }
    }
    out
}

// ---- values ------------------------------------------------------------------

fn one_type_per_column(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for d in t.diagnostics_of("type_mismatch") {
            let DiagnosticKind::TypeMismatch { expected, value } = &d.kind else {
                continue;
            };
            let col = d
                .column
                .and_then(|c| t.columns.get(c))
                .map(|c| c.name.as_str());
            out.push(
                problem("one_type_per_column", Severity::Error)
                    .at(input, t, d.row, col)
                    .says(
                        format!("значення «{}» не є типом стовпця ({}).", shorten(value), expected.name_uk()),
                        format!("the value “{}” is not of the column's type ({}).", shorten(value), expected.as_str()),
                    )
                    .fix(
                        "Виправте значення або залиште комірку порожньою; пояснення («н/д», «немає») пишіть в описі, а не в даних.",
                        "Correct the value or leave the cell empty; explanations (“n/a”, “none”) belong in the description, not in the data.",
                    ),
            );
        }
        reader_overflow(t, "type_mismatch", &mut out);
    }
    out
}

fn iso_dates(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for (ci, c) in t.columns.iter().enumerate() {
            if !matches!(c.inferred, ColumnType::Date | ColumnType::DateTime) {
                continue;
            }
            if c.date_styles.iter().all(|s| *s == DateStyle::Iso) {
                continue;
            }
            let mut count = 0usize;
            let mut first: Option<(usize, &str)> = None;
            for (row, line) in t.rows.iter().zip(&t.row_lines) {
                let v = trim_value(&row[ci]);
                if v.is_empty() || is_iso_like(v) || !misto_tabular::fits(v, c.inferred) {
                    continue;
                }
                count += 1;
                first.get_or_insert((*line, v));
            }
            if let Some((line, v)) = first {
                let iso = parse_value(v, c.inferred).to_canonical_string();
                out.push(
                    problem("iso_dates", Severity::Warning)
                        .at(input, t, Some(line), Some(&c.name))
                        .says(
                            format!("дати записано не за ISO 8601 ({count} значень, перше — «{v}»; має бути «{iso}»)."),
                            format!("dates are not written as ISO 8601 ({count} values, the first is “{v}”; it should be “{iso}”)."),
                        )
                        .fix(
                            "Запишіть дати як рррр-мм-дд (автоматичне виправлення).",
                            "Write dates as yyyy-mm-dd (automatic fix).",
                        )
                        .auto(Fix::IsoDates),
                );
            }
        }
    }
    out
}

/// Starts like an ISO 8601 date: four digits and a dash.
pub(crate) fn is_iso_like(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 10 && b[4] == b'-' && b[..4].iter().all(u8::is_ascii_digit)
}

fn column_is(name: &str, keys: &[&str], exact: &[&str]) -> bool {
    let n = normalize(name);
    exact.iter().any(|e| n == *e) || keys.iter().any(|k| n.contains(k))
}

fn valid_edrpou(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for (ci, c) in t.columns.iter().enumerate() {
            if !column_is(
                &c.name,
                &["edrpou", "єдрпоу", "едрпоу"],
                &["publisheridentifier"],
            ) {
                continue;
            }
            let mut budget = Budget::new(&out);
            for (row, line) in t.rows.iter().zip(&t.row_lines) {
                let raw = trim_value(&row[ci]);
                if raw.is_empty() {
                    continue;
                }
                let v: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
                let digits = v.bytes().all(|b| b.is_ascii_digit());
                if digits && v.len() == 8 && edrpou_is_valid(&v) {
                    continue;
                }
                if !budget.room(&out) {
                    continue;
                }
                let (uk, en, fuk, fen) = if digits && v.len() == 8 {
                    (
                        format!("код ЄДРПОУ «{v}» має неправильну контрольну цифру."),
                        format!("the EDRPOU code “{v}” has a wrong check digit."),
                        "Перевірте код у Єдиному державному реєстрі: найчастіше це помилка в одній цифрі.",
                        "Check the code in the Unified State Register: most often one digit is wrong.",
                    )
                } else if digits && v.len() < 8 {
                    let padded = format!("{v:0>8}");
                    let hint = if edrpou_is_valid(&padded) {
                        format!(" Ймовірно, це «{padded}»: нулі на початку загубилися.")
                    } else {
                        String::new()
                    };
                    let hint_en = if edrpou_is_valid(&padded) {
                        format!(" Probably “{padded}”: the leading zeros were lost.")
                    } else {
                        String::new()
                    };
                    (
                        format!("код ЄДРПОУ «{v}» коротший за 8 цифр.{hint}"),
                        format!("the EDRPOU code “{v}” is shorter than 8 digits.{hint_en}"),
                        "Зберігайте коди як текст із нулями на початку (8 цифр).",
                        "Keep codes as text with their leading zeros (8 digits).",
                    )
                } else if digits && v.len() == 10 {
                    (
                        "10 цифр — це схоже на реєстраційний номер облікової картки платника податків фізичної особи (РНОКПП), а не на код ЄДРПОУ. Це персональні дані.".to_string(),
                        "10 digits look like an individual's taxpayer number (RNOKPP), not an EDRPOU code. That is personal data.".to_string(),
                        "Переконайтеся, що публікувати цей номер дозволено; для юридичних осіб вкажіть 8-значний код ЄДРПОУ.",
                        "Make sure this number may be published; for legal entities give the 8-digit EDRPOU code.",
                    )
                } else {
                    (
                        format!("«{}» не є кодом ЄДРПОУ (має бути 8 цифр).", shorten(raw)),
                        format!(
                            "“{}” is not an EDRPOU code (it must be 8 digits).",
                            shorten(raw)
                        ),
                        "Залиште в стовпці лише код: 8 цифр без літер і пояснень.",
                        "Keep only the code in the column: 8 digits, no letters or notes.",
                    )
                };
                out.push(
                    problem("valid_edrpou", Severity::Error)
                        .at(input, t, Some(*line), Some(&c.name))
                        .says(uk, en)
                        .fix(fuk, fen),
                );
            }
            budget.close(&mut out);
        }
    }
    out
}

fn katottg_well_formed(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        for (ci, c) in t.columns.iter().enumerate() {
            if column_is(&c.name, &["koatuu", "коатуу"], &[]) {
                out.push(
                    problem("katottg_well_formed", Severity::Info)
                        .at(input, t, None, Some(&c.name))
                        .says(
                            "стовпець із кодами КОАТУУ: цей класифікатор замінено КАТОТТГ.".into(),
                            "a column of KOATUU codes: that classifier was replaced by KATOTTG."
                                .into(),
                        )
                        .fix(
                            "Додайте стовпець із кодами КАТОТТГ (UA і 17 цифр).",
                            "Add a column of KATOTTG codes (UA and 17 digits).",
                        ),
                );
                continue;
            }
            if !column_is(&c.name, &["katottg", "катоттг", "kattotg", "katotth"], &[]) {
                continue;
            }
            let mut budget = Budget::new(&out);
            for (row, line) in t.rows.iter().zip(&t.row_lines) {
                let v = trim_value(&row[ci]);
                if v.is_empty() || katottg_is_well_formed(v) || !budget.room(&out) {
                    continue;
                }
                let digits17 = v.len() == 17 && v.bytes().all(|b| b.is_ascii_digit());
                out.push(
                    problem("katottg_well_formed", Severity::Error)
                        .at(input, t, Some(*line), Some(&c.name))
                        .says(
                            format!("«{}» не є кодом КАТОТТГ (має бути UA і 17 цифр, наприклад UA46060250010015970).", shorten(v)),
                            format!("“{}” is not a KATOTTG code (it must be UA and 17 digits, e.g. UA46060250010015970).", shorten(v)),
                        )
                        .fix(
                            if digits17 { "Додайте «UA» на початку коду." } else { "Візьміть код з Кодифікатора адміністративно-територіальних одиниць." },
                            if digits17 { "Add “UA” at the start of the code." } else { "Take the code from the Codifier of administrative-territorial units." },
                        ),
                );
            }
            budget.close(&mut out);
        }
    }
    out
}

fn coordinates_in_range(input: &Input<'_>) -> Vec<Problem> {
    let lat_names = ["lat", "latitude", "широта", "geolat", "y_lat"];
    let lon_names = [
        "lon",
        "lng",
        "long",
        "longitude",
        "довгота",
        "geolon",
        "geolng",
        "x_lon",
    ];
    let mut out = Vec::new();
    for t in tables(input) {
        let find = |names: &[&str]| {
            t.columns
                .iter()
                .position(|c| names.contains(&normalize(&c.name).as_str()))
        };
        let lat = find(&lat_names);
        let lon = find(&lon_names);
        if lat.is_none() && lon.is_none() {
            continue;
        }
        let mut budget = Budget::new(&out);
        for (row, line) in t.rows.iter().zip(&t.row_lines) {
            let get = |i: Option<usize>| {
                i.and_then(|i| match parse_value(&row[i], ColumnType::Decimal) {
                    Value::Decimal(v) => Some(v),
                    _ => None,
                })
            };
            let (la, lo) = (get(lat), get(lon));
            let mut bad = Vec::new();
            match (la, lat) {
                (Some(v), Some(i)) if !(-90.0..=90.0).contains(&v) => {
                    bad.push((i, v, "від −90 до 90", "−90 to 90"))
                }
                _ => {}
            }
            match (lo, lon) {
                (Some(v), Some(i)) if !(-180.0..=180.0).contains(&v) => {
                    bad.push((i, v, "від −180 до 180", "−180 to 180"))
                }
                _ => {}
            }
            for (i, v, uk, en) in &bad {
                if !budget.room(&out) {
                    continue;
                }
                out.push(
                    problem("coordinates_in_range", Severity::Error)
                        .at(input, t, Some(*line), Some(&t.columns[*i].name))
                        .says(
                            format!("координата {v} поза межами ({uk})."),
                            format!("the coordinate {v} is out of range ({en})."),
                        )
                        .fix(
                            "Запишіть координати в десяткових градусах WGS84 (наприклад, 49.8397 і 24.0297).",
                            "Write coordinates in WGS84 decimal degrees (for example 49.8397 and 24.0297).",
                        ),
                );
            }
            if !bad.is_empty() {
                continue;
            }
            if let (Some(a), Some(o), Some(li)) = (la, lo, lat) {
                let in_ua =
                    |a: f64, o: f64| (44.0..=52.5).contains(&a) && (22.0..=40.5).contains(&o);
                if !in_ua(a, o) && budget.room(&out) {
                    let swapped = in_ua(o, a);
                    out.push(
                        problem("coordinates_in_range", Severity::Warning)
                            .at(input, t, Some(*line), Some(&t.columns[li].name))
                            .says(
                                if swapped {
                                    format!("точка ({a}, {o}) поза Україною; схоже, широту й довготу переставлено.")
                                } else {
                                    format!("точка ({a}, {o}) поза Україною.")
                                },
                                if swapped {
                                    format!("the point ({a}, {o}) is outside Ukraine; latitude and longitude look swapped.")
                                } else {
                                    format!("the point ({a}, {o}) is outside Ukraine.")
                                },
                            )
                            .fix(
                                "Перевірте координати: широта (latitude) для України 44–52,5, довгота (longitude) 22–40,5.",
                                "Check the coordinates: latitude in Ukraine is 44–52.5, longitude 22–40.5.",
                            ),
                    );
                }
            }
        }
        budget.close(&mut out);
    }
    out
}

fn no_duplicate_rows(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        // Sort row hashes, then compare the rows whose hashes are equal: far
        // cheaper than a map keyed by rows for a million of them.
        let mut hashes: Vec<(u64, usize)> = t
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (row_hash(r), i))
            .collect();
        hashes.sort_unstable();
        // (duplicate index, original index)
        let mut dups: Vec<(usize, usize)> = Vec::new();
        let mut k = 0;
        while k < hashes.len() {
            let mut e = k + 1;
            while e < hashes.len() && hashes[e].0 == hashes[k].0 {
                e += 1;
            }
            for a in k + 1..e {
                let row = &t.rows[hashes[a].1];
                if let Some(orig) = hashes[k..a].iter().find(|(_, b)| t.rows[*b] == *row) {
                    dups.push((hashes[a].1, orig.1));
                }
            }
            k = e;
        }
        dups.sort_unstable();
        let mut budget = Budget::new(&out);
        for (d, o) in dups {
            if !budget.room(&out) {
                continue;
            }
            let (line, orig) = (t.row_lines[d], t.row_lines[o]);
            out.push(
                problem("no_duplicate_rows", Severity::Warning)
                    .at(input, t, Some(line), None)
                    .says(
                        format!("рядок повторює рядок {orig}."),
                        format!("the row repeats row {orig}."),
                    )
                    .fix(
                        "Видаліть повтор або додайте стовпець, що розрізняє записи (наприклад, ідентифікатор чи дату).",
                        "Delete the repeat, or add a column that tells the records apart (an identifier or a date).",
                    ),
            );
        }
        budget.close(&mut out);
    }
    out
}

/// A fast (not DoS-resistant, not needed here) hash of a row's cells.
fn row_hash(row: &[String]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = 0;
    let mut mix = |w: u64| h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    for cell in row {
        let b = cell.as_bytes();
        let mut chunks = b.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            mix(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        mix(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        mix(0xff ^ b.len() as u64);
    }
    h
}

fn no_leading_trailing_spaces(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    let spaced =
        |s: &str| !s.is_empty() && trim_value(s).len() != s.len() && !trim_value(s).is_empty();
    for t in tables(input) {
        for c in &t.columns {
            if spaced(&c.header) {
                out.push(
                    problem("no_leading_trailing_spaces", Severity::Warning)
                        .at(
                            input,
                            t,
                            (t.header_row > 0).then_some(t.header_row),
                            Some(&c.name),
                        )
                        .says(
                            "назва стовпця має пробіли на початку чи в кінці.".into(),
                            "the column name has spaces at the start or end.".into(),
                        )
                        .fix(
                            "Приберіть зайві пробіли (автоматичне виправлення).",
                            "Remove the extra spaces (automatic fix).",
                        )
                        .auto(Fix::TrimSpaces),
                );
            }
        }
        let mut budget = Budget::new(&out);
        for (row, line) in t.rows.iter().zip(&t.row_lines) {
            for (ci, v) in row.iter().enumerate() {
                if spaced(v) && budget.room(&out) {
                    out.push(
                        problem("no_leading_trailing_spaces", Severity::Warning)
                            .at(input, t, Some(*line), Some(&t.columns[ci].name))
                            .says(
                                format!(
                                    "значення «{}» має пробіли на початку чи в кінці.",
                                    shorten(v)
                                ),
                                format!(
                                    "the value “{}” has spaces at the start or end.",
                                    shorten(v)
                                ),
                            )
                            .fix(
                                "Приберіть зайві пробіли (автоматичне виправлення).",
                                "Remove the extra spaces (automatic fix).",
                            )
                            .auto(Fix::TrimSpaces),
                    );
                }
            }
        }
        budget.close(&mut out);
    }
    out
}

fn column_names_camel_case(input: &Input<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    for t in tables(input) {
        let header: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        match templates::best_template(&header) {
            Some((tpl, matches)) => {
                for (c, m) in t.columns.iter().zip(matches) {
                    match m {
                        Match::Exact => {}
                        Match::Rename(to) => out.push(
                            problem("column_names_camel_case", Severity::Warning)
                                .at(input, t, None, Some(&c.name))
                                .says(
                                    format!("за рекомендованою структурою ({}) стовпець має називатися «{to}».", tpl.id),
                                    format!("the recommended structure ({}) names this column “{to}”.", tpl.id),
                                )
                                .fix(
                                    &format!("Перейменуйте стовпець на «{to}»."),
                                    &format!("Rename the column to “{to}”."),
                                ),
                        ),
                        Match::Other if !is_camel_case(&c.name) => out.push(
                            problem("column_names_camel_case", Severity::Info)
                                .at(input, t, None, Some(&c.name))
                                .says(
                                    "назва не за правилами рекомендованих структур (латиниця, camelCase).".into(),
                                    "the name does not follow the recommended structures (latin, camelCase).".into(),
                                )
                                .fix(
                                    "Назвіть стовпець латиницею в стилі camelCase, наприклад «dateAccepted».",
                                    "Name the column in latin camelCase, for example “dateAccepted”.",
                                ),
                        ),
                        Match::Other => {}
                    }
                }
            }
            None => {
                let odd: Vec<&str> = header
                    .iter()
                    .copied()
                    .filter(|h| !is_camel_case(h))
                    .collect();
                if !odd.is_empty() {
                    let list = shorten(&odd.join(", "));
                    out.push(
                        problem("column_names_camel_case", Severity::Info)
                            .at(input, t, None, None)
                            .says(
                                format!("назви стовпців не латиницею в стилі camelCase: {list}. Для цього виду даних рекомендованої структури в нас немає, тож це лише порада."),
                                format!("column names not in latin camelCase: {list}. We know no recommended structure for this kind of data, so this is only advice."),
                            )
                            .fix(
                                "Якщо Міністерство рекомендує структуру для цього набору, використайте її назви стовпців.",
                                "If the Ministry recommends a structure for this dataset, use its column names.",
                            ),
                    );
                }
            }
        }
    }
    out
}
