//! CSV and TSV: delimiter detection and records with their line numbers.

use crate::decode::decode;
use crate::table::{self, Raw};
use crate::{Diagnostic, DiagnosticKind, ReadError, ReadOptions, Table};

/// Candidate delimiters, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Records looked at to choose the delimiter.
const SAMPLE_RECORDS: usize = 100;
/// Bytes looked at to choose the delimiter.
const SAMPLE_BYTES: usize = 64 * 1024;

/// Chooses among `,` `;` tab `|` the delimiter that gives the most records
/// (among the first 100) with the same number of fields, that number being
/// at least two; of two as consistent, the one giving more fields (a
/// `;` file whose header says `Сума, грн` and whose amounts are `207 043,43`
/// has one comma per line too). Falls back to `,` (a one-column file).
pub fn detect_delimiter(text: &str) -> u8 {
    let mut end = text.len().min(SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let truncated = end < text.len();
    let mut sample = &text[..end];
    if let Some(nl) = sample.rfind('\n').filter(|_| truncated) {
        sample = &sample[..nl + 1];
    }
    let mut best = (b',', (0usize, 0usize));
    for d in DELIMITERS {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(d)
            .from_reader(sample.as_bytes());
        let mut counts: Vec<usize> = Vec::new();
        let mut rec = csv::ByteRecord::new();
        while counts.len() < SAMPLE_RECORDS {
            match rdr.read_byte_record(&mut rec) {
                Ok(true) => counts.push(rec.len()),
                _ => break,
            }
        }
        let mut hist: Vec<(usize, usize)> = Vec::new();
        for c in counts.iter().filter(|c| **c > 1) {
            match hist.iter_mut().find(|(k, _)| k == c) {
                Some((_, n)) => *n += 1,
                None => hist.push((*c, 1)),
            }
        }
        // The most records with one field count, then that count.
        let score = hist
            .iter()
            .map(|(fields, n)| (*n, *fields))
            .max()
            .unwrap_or((0, 0));
        if score > best.1 {
            best = (d, score);
        }
    }
    best.0
}

/// Parses delimited text into records with the 1-based line where each
/// starts, and the blank lines that were skipped between records.
#[allow(clippy::type_complexity)]
pub fn parse_records(
    text: &str,
    delimiter: u8,
) -> Result<(Vec<(usize, Vec<String>)>, Vec<usize>), ReadError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = Vec::with_capacity(text.len() / 64 + 1);
    let mut blank = Vec::new();
    let mut rec = csv::StringRecord::new();
    let bytes = text.as_bytes();
    // Lines are counted from byte offsets: the csv crate's own line counter
    // does not count blank lines.
    let mut counted_to = 0usize;
    let mut line = 1usize;
    let mut expected_next = 1usize;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(ReadError::Csv(e.to_string())),
        }
        let mut offset = rec
            .position()
            .map_or(counted_to, |p| (p.byte() as usize).min(bytes.len()));
        // The reported start may precede the blank lines the reader skipped
        // (and the previous terminator): move to the first byte of the record.
        while offset < bytes.len() && matches!(bytes[offset], b'\n' | b'\r') {
            offset += 1;
        }
        if offset > counted_to {
            line += bytes[counted_to..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            counted_to = offset;
        }
        if line > expected_next && expected_next > 1 {
            blank.extend(expected_next..line);
        }
        let inner_newlines = rec.as_slice().bytes().filter(|b| *b == b'\n').count();
        expected_next = line + inner_newlines + 1;
        records.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok((records, blank))
}

pub(crate) fn read_delimited(
    bytes: &[u8],
    tsv_hint: bool,
    name: String,
    options: &ReadOptions,
) -> Result<Table, ReadError> {
    let decoded = decode(bytes);
    let mut diagnostics = Vec::new();
    if decoded.guessed {
        diagnostics.push(Diagnostic {
            row: None,
            column: None,
            kind: DiagnosticKind::EncodingGuessed {
                encoding: decoded.encoding.to_string(),
            },
            message: format!("the file is not UTF-8; read as {}", decoded.encoding),
        });
    }
    if decoded.replacements > 0 {
        diagnostics.push(Diagnostic {
            row: None,
            column: None,
            kind: DiagnosticKind::DecodingErrors {
                count: decoded.replacements,
            },
            message: format!(
                "{} byte sequences are not valid {}",
                decoded.replacements, decoded.encoding
            ),
        });
    }
    let delimiter = if tsv_hint {
        b'\t'
    } else {
        detect_delimiter(&decoded.text)
    };
    let (records, blank_lines) = parse_records(&decoded.text, delimiter)?;
    table::build(
        Raw {
            name,
            records,
            blank_lines,
            encoding: decoded.encoding,
            bom: decoded.bom,
            delimiter: Some(delimiter),
            check_ragged: true,
            diagnostics,
        },
        options,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters() {
        let cases: &[(&str, u8)] = &[
            ("a,b,c\n1,2,3\n", b','),
            ("a;b\nШкола;12,5\nСадок;1,25\n", b';'),
            ("a\tb\n1\t2\n", b'\t'),
            ("a|b|c\n1|2|3\n", b'|'),
            ("\"x;y\",b\n\"1;2\",3\n", b','),
            ("only\n1\n2\n", b','),
            ("Звіт;;\nа;б;в\n1;2;3\n4;5;6\n", b';'),
            // One comma per line, as many as the semicolons' fields agree.
            (
                "№;Дата;Сума, грн;Оплачено\n1;01.02.2024;207 043,43;так\n2;03.02.2024;1,50;ні\n",
                b';',
            ),
        ];
        for (text, want) in cases {
            assert_eq!(detect_delimiter(text) as char, *want as char, "{text:?}");
        }
    }

    #[test]
    fn records_with_lines_and_blank_lines() {
        let text = "a,b\n\"x\ny\",1\n\nz,2\n\n\nw,3\n";
        let (records, blank) = parse_records(text, b',').expect("parse");
        let lines: Vec<usize> = records.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![1, 2, 5, 8]);
        assert_eq!(records[1].1, vec!["x\ny".to_string(), "1".to_string()]);
        assert_eq!(blank, vec![4, 6, 7]);
    }
}
