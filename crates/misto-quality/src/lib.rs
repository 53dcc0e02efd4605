//! Validation of a published resource against the Ministry's open data
//! recommendations (ukraine.md §3), safe automatic fixes, and structure files
//! (файл структури).
//!
//! - [`validate`] reads a file with `misto-tabular` and runs every rule of
//!   [`RULES`]; each rule has a stable id, is documented in `docs/quality.md`
//!   and gives [`Problem`]s with a severity, the row and column, and a message
//!   and a fix in Ukrainian and English. The [`Report`] also carries the
//!   5-star openness level of the format.
//! - [`fixes::apply_fix`] applies one of the safe fixes (re-encode to UTF-8,
//!   ISO 8601 dates, trim spaces, drop empty rows) to a CSV/TSV and returns
//!   the new bytes and a preview of the changed rows.
//! - [`schema`] generates a structure file from a table (Frictionless Table
//!   Schema JSON and the Ministry's CSV form `name,title,description,datatype,
//!   required`), reads either form back, and validates a table against it.
//!
//! This crate must not do IO: no files, no network (the link check of
//! external resources is a scheduled job elsewhere), no database, no clock.
//! Bytes in, reports out; storing results and offering fixes is the caller's
//! business.

pub mod fixes;
mod rules;
pub mod schema;
pub mod templates;

use misto_tabular::{Format, ReadError, Workbook};
use serde::Serialize;

pub use fixes::{Fix, FixError, FixOutput, RowChange, apply_fix};
pub use rules::RULES;

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The data break a recommendation in a way that misleads or hinders
    /// reuse (wrong codes, title rows, values of the wrong type).
    Error,
    /// The data should be improved (XLSX instead of CSV, dates not ISO).
    Warning,
    /// Advice.
    Info,
}

/// One finding of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The rule's stable id (see [`RULES`]).
    pub rule: &'static str,
    pub severity: Severity,
    /// The sheet, for workbooks with several.
    pub table: Option<String>,
    /// 1-based line of a CSV / row of a sheet / item of a JSON array.
    pub row: Option<usize>,
    /// The column's name.
    pub column: Option<String>,
    pub message_uk: String,
    pub message_en: String,
    pub fix_uk: String,
    pub fix_en: String,
    /// A safe automatic fix that solves this problem, if there is one.
    pub auto_fix: Option<Fix>,
    /// How many findings this problem stands for: 1, or N for the closing
    /// "and N more" problem of a rule that found more than
    /// [`MAX_PROBLEMS_PER_RULE`] in one table.
    pub count: usize,
}

/// A rule: a stable id and the function that checks it.
pub struct Rule {
    pub id: &'static str,
    /// One line, English, for listings.
    pub summary: &'static str,
    pub check: fn(&Input<'_>) -> Vec<Problem>,
}

/// What the rules look at.
pub struct Input<'a> {
    pub bytes: &'a [u8],
    pub file_name: &'a str,
    /// The format label (`CSV`, `XLSX`, `PDF`, ...): the declared one, else
    /// from the file name.
    pub format_label: String,
    /// The file read as tables, when it is tabular and readable.
    pub workbook: Option<&'a Workbook>,
}

/// Counts in a report (findings, so an "and N more" problem counts N).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// No errors.
    pub passed: bool,
    pub format: String,
    pub encoding: Option<String>,
    pub tables: usize,
    pub rows: usize,
    pub columns: usize,
    /// Findings per rule, including those left out of `problems`.
    pub by_rule: Vec<(String, usize)>,
}

/// The result of validating one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub problems: Vec<Problem>,
    /// Tim Berners-Lee's 5-star level of the format (0 when unknown).
    pub openness_stars: u8,
    pub summary: Summary,
}

/// Problems of one rule kept in a report (per table); the rest are counted
/// in one more problem saying how many were left out.
pub const MAX_PROBLEMS_PER_RULE: usize = 200;

/// Validates a resource: `file_name` gives the extension, `declared_format`
/// the format label the publisher chose (it wins over the extension).
pub fn validate(bytes: &[u8], file_name: &str, declared_format: Option<&str>) -> Report {
    validate_read(bytes, file_name, declared_format).0
}

/// [`validate`], also handing back the tables it read, so that a caller can
/// check them against a structure file without reading the file twice.
pub fn validate_read(
    bytes: &[u8],
    file_name: &str,
    declared_format: Option<&str>,
) -> (Report, Option<Workbook>) {
    let format_label = format_label(file_name, declared_format);
    let tabular = Format::from_label(&format_label);
    let mut problems = Vec::new();
    let bytes = match sample_cut(bytes, tabular) {
        Some(cut) => {
            problems.push(sampled(cut, bytes.len()));
            &bytes[..cut]
        }
        None => bytes,
    };
    let workbook = if tabular != Format::Auto || format_label.is_empty() {
        match misto_tabular::read(bytes, tabular, file_name) {
            Ok(wb) => Some(wb),
            Err(e) => {
                problems.push(unreadable(&e));
                None
            }
        }
    } else {
        None
    };
    let input = Input {
        bytes,
        file_name,
        format_label: format_label.clone(),
        workbook: workbook.as_ref(),
    };
    let mut by_rule: Vec<(String, usize)> =
        problems.iter().map(|p| (p.rule.to_string(), 1)).collect();
    for rule in RULES {
        let found = (rule.check)(&input);
        if !found.is_empty() {
            by_rule.push((rule.id.to_string(), found.iter().map(|p| p.count).sum()));
        }
        problems.extend(cap(found, rule.id));
    }
    let mut report = finish(problems, &input, by_rule);
    report.openness_stars = rules::openness_stars(&format_label);
    (report, workbook)
}

/// The checks that need no content, for a link to a file elsewhere: the
/// format rule and the openness level of the declared format (or of the
/// URL's extension).
pub fn validate_link(url: &str, declared_format: Option<&str>) -> Report {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let format_label = format_label(file_name, declared_format);
    let input = Input {
        bytes: &[],
        file_name,
        format_label: format_label.clone(),
        workbook: None,
    };
    let mut by_rule = Vec::new();
    let mut problems = Vec::new();
    for rule in RULES
        .iter()
        .filter(|r| r.id == "open_machine_readable_format")
    {
        let found = (rule.check)(&input);
        if !found.is_empty() {
            by_rule.push((rule.id.to_string(), found.iter().map(|p| p.count).sum()));
        }
        problems.extend(found);
    }
    let mut report = finish(problems, &input, by_rule);
    report.openness_stars = rules::openness_stars(&format_label);
    report
}

/// Tim Berners-Lee's 5-star level of a format label (0 when unknown).
pub fn openness_stars(format_label: &str) -> u8 {
    rules::openness_stars(&format_label.trim().trim_start_matches('.').to_uppercase())
}

impl Report {
    /// Adds problems found by another check (e.g. against a structure file)
    /// and updates the counts, keeping at most [`MAX_PROBLEMS_PER_RULE`] of
    /// each rule.
    pub fn add_problems(&mut self, found: Vec<Problem>) {
        let mut per_rule: Vec<(&'static str, Vec<Problem>)> = Vec::new();
        for p in found {
            match per_rule.iter_mut().find(|(r, _)| *r == p.rule) {
                Some((_, v)) => v.push(p),
                None => per_rule.push((p.rule, vec![p])),
            }
        }
        for (rule, problems) in per_rule {
            let n: usize = problems.iter().map(|p| p.count).sum();
            for p in &problems {
                match p.severity {
                    Severity::Error => self.summary.errors += p.count,
                    Severity::Warning => self.summary.warnings += p.count,
                    Severity::Info => self.summary.infos += p.count,
                }
            }
            self.summary.by_rule.push((rule.to_string(), n));
            self.problems.extend(cap(problems, rule));
        }
        self.summary.passed = self.summary.errors == 0;
    }
}

/// The format label for a file: the declared one (upper-cased), else from the
/// file name's extension.
pub fn format_label(file_name: &str, declared: Option<&str>) -> String {
    match declared.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => d.trim_start_matches('.').to_uppercase(),
        None => misto_core::formats::guess(file_name)
            .map(|(f, _)| f.to_uppercase())
            .or_else(|| file_name.rsplit_once('.').map(|(_, e)| e.to_uppercase()))
            .unwrap_or_default(),
    }
}

/// A CSV or TSV file larger than this is checked on its first part (whole
/// lines up to this many bytes), so that validating any file costs bounded
/// memory; the datastore still loads the whole file.
pub const SAMPLE_BYTES: usize = 16 << 20;

/// Where to cut a large delimited file: after the last line break within
/// [`SAMPLE_BYTES`]; `None` to check it whole.
fn sample_cut(bytes: &[u8], format: Format) -> Option<usize> {
    if !matches!(format, Format::Csv | Format::Tsv) || bytes.len() <= SAMPLE_BYTES {
        return None;
    }
    bytes[..SAMPLE_BYTES]
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|i| i + 1)
}

fn sampled(checked: usize, total: usize) -> Problem {
    let (mb, total_mb) = (checked as f64 / 1e6, total as f64 / 1e6);
    Problem {
        rule: "sampled",
        severity: Severity::Info,
        table: None,
        row: None,
        column: None,
        message_uk: format!("Файл великий ({total_mb:.0} МБ): перевірено його перші {mb:.0} МБ."),
        message_en: format!(
            "The file is large ({total_mb:.0} MB): its first {mb:.0} MB were checked."
        ),
        fix_uk: "Нічого робити не треба; усі рядки завантажено до сховища даних.".into(),
        fix_en: "Nothing to do; every row is loaded into the datastore.".into(),
        auto_fix: None,
        count: 1,
    }
}

fn unreadable(e: &ReadError) -> Problem {
    Problem {
        rule: "readable",
        severity: Severity::Error,
        table: None,
        row: None,
        column: None,
        message_uk: format!("Файл не вдається прочитати як таблицю: {e}."),
        message_en: format!("The file cannot be read as a table: {e}."),
        fix_uk: "Перевірте, що файл не пошкоджений і його формат відповідає вказаному (CSV, XLSX, JSON).".into(),
        fix_en: "Check that the file is not damaged and that its format matches the declared one (CSV, XLSX, JSON).".into(),
        auto_fix: None,
        count: 1,
    }
}

/// Keeps at most [`MAX_PROBLEMS_PER_RULE`] problems per table, then one
/// problem counting the rest.
fn cap(problems: Vec<Problem>, rule: &'static str) -> Vec<Problem> {
    if problems.len() <= MAX_PROBLEMS_PER_RULE {
        return problems;
    }
    let mut kept: Vec<Problem> = Vec::with_capacity(MAX_PROBLEMS_PER_RULE + 1);
    let mut per_table: std::collections::HashMap<Option<String>, usize> = Default::default();
    let mut left: std::collections::BTreeMap<Option<String>, (usize, Problem)> = Default::default();
    for p in problems {
        let n = per_table.entry(p.table.clone()).or_insert(0);
        *n += 1;
        if *n <= MAX_PROBLEMS_PER_RULE {
            kept.push(p);
        } else {
            let c = p.count;
            left.entry(p.table.clone()).or_insert((0, p)).0 += c;
        }
    }
    for (table, (n, sample)) in left {
        kept.push(Problem {
            rule,
            severity: sample.severity,
            table,
            row: None,
            column: None,
            message_uk: format!("І ще {n} таких самих проблем (показано перші {MAX_PROBLEMS_PER_RULE})."),
            message_en: format!("And {n} more problems of the same kind (the first {MAX_PROBLEMS_PER_RULE} are shown)."),
            fix_uk: sample.fix_uk,
            fix_en: sample.fix_en,
            auto_fix: sample.auto_fix,
            count: n,
        });
    }
    kept
}

fn finish(problems: Vec<Problem>, input: &Input<'_>, by_rule: Vec<(String, usize)>) -> Report {
    let mut summary = Summary {
        format: input.format_label.clone(),
        ..Summary::default()
    };
    for p in &problems {
        match p.severity {
            Severity::Error => summary.errors += p.count,
            Severity::Warning => summary.warnings += p.count,
            Severity::Info => summary.infos += p.count,
        }
    }
    summary.by_rule = by_rule;
    summary.passed = summary.errors == 0;
    if let Some(wb) = input.workbook {
        summary.tables = wb.tables.len();
        summary.rows = wb.tables.iter().map(|t| t.rows.len()).sum();
        summary.columns = wb.tables.iter().map(|t| t.columns.len()).max().unwrap_or(0);
        summary.encoding = wb.tables.first().map(|t| t.encoding.to_string());
    }
    Report {
        problems,
        openness_stars: 0,
        summary,
    }
}
