//! CSV and TSV read in two streaming passes, for files too large to hold:
//! [`survey_delimited`] reads the file once and finds what [`crate::read`]
//! finds (encoding, delimiter, header and title rows, width, and each
//! column's type from every value), keeping only the first records and one
//! tally per column; [`DelimitedSurvey::for_each_row`] then reads it again
//! and hands each data row to the caller. Memory does not grow with the
//! file.
//!
//! The tables are the same as [`crate::read`]'s (a test compares them on
//! every fixture), with one difference: values that do not fit their
//! column's type are counted per column ([`crate::Column::mismatches`]) but
//! not listed as [`crate::DiagnosticKind::TypeMismatch`] diagnostics; the
//! caller sees them when it types the values ([`crate::parse_value`] gives
//! [`crate::Value::Invalid`]).
//!
//! The caller opens the file (this crate does no IO): `open` is called once
//! per pass and must give the same bytes each time.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Read};
use std::ops::ControlFlow;

use encoding_rs::{Decoder, Encoding, UTF_8};

use crate::decode::{GUESS_SAMPLE, guess_legacy_sample};
use crate::delimited::detect_delimiter;
use crate::infer::{Tally, trim_value};
use crate::table::{Sink, column_of, find_header, name_columns, non_empty_count, trimmed_len};
use crate::{Diagnostic, DiagnosticKind, ReadError, ReadOptions, Table};

/// Bytes of decoded text the delimiter is chosen from (as [`detect_delimiter`]
/// looks at 64 KiB, plus a little to know whether there is more).
const DELIMITER_SAMPLE: usize = 64 * 1024 + 8;

/// How the bytes of the file become UTF-8.
#[derive(Debug, Clone, Copy)]
struct TextEncoding {
    encoding: &'static Encoding,
    /// Bytes of byte order mark to skip.
    bom_len: usize,
    /// UTF-8 without a byte order mark: read as is (and checked).
    passthrough: bool,
    guessed: bool,
}

/// A pass-one reading of a delimited file: the table's shape and columns
/// (no rows), and how to read its rows.
#[derive(Debug, Clone)]
pub struct DelimitedSurvey {
    /// Name, columns with their inferred types, encoding, byte order mark,
    /// delimiter and header row as [`crate::read`] gives them; `rows` and
    /// `row_lines` are empty; `diagnostics` are those found so far (whole
    /// file, title rows, header).
    pub table: Table,
    /// Data rows (empty rows excluded): how many times
    /// [`DelimitedSurvey::for_each_row`] calls back.
    pub rows: usize,
    text: TextEncoding,
    /// Index of the header among the records (0-based); `None` when the
    /// file has no header (no non-empty record).
    header_index: Option<usize>,
    header_raw_len: usize,
    first_diagnostics: Vec<Diagnostic>,
    max_diagnostics: usize,
}

/// Reads a delimited file once (pass one). `open` gives the file's bytes
/// from the start; it is called once or twice (a second time when the file
/// turns out not to be UTF-8).
pub fn survey_delimited<R: Read>(
    open: &mut dyn FnMut() -> io::Result<R>,
    tsv_hint: bool,
    name: String,
    options: &ReadOptions,
) -> Result<DelimitedSurvey, ReadError> {
    let io_err = |e: io::Error| ReadError::Io(e.to_string());
    // The start of the file: byte order mark, or a guess for later.
    let mut head = Vec::with_capacity(GUESS_SAMPLE);
    open()
        .map_err(io_err)?
        .take(GUESS_SAMPLE as u64)
        .read_to_end(&mut head)
        .map_err(io_err)?;
    if head.is_empty() {
        return Err(ReadError::Empty);
    }
    let text = match Encoding::for_bom(&head) {
        Some((encoding, bom_len)) => TextEncoding {
            encoding,
            bom_len,
            passthrough: false,
            guessed: false,
        },
        None => TextEncoding {
            encoding: UTF_8,
            bom_len: 0,
            passthrough: true,
            guessed: false,
        },
    };
    match survey_with(open, text, tsv_hint, &name, options) {
        Err(ReadError::NotUtf8) => {
            let whole = head.len() < GUESS_SAMPLE;
            let legacy = TextEncoding {
                encoding: guess_legacy_sample(&head, whole),
                bom_len: 0,
                passthrough: false,
                guessed: true,
            };
            survey_with(open, legacy, tsv_hint, &name, options)
        }
        other => other,
    }
}

fn survey_with<R: Read>(
    open: &mut dyn FnMut() -> io::Result<R>,
    text: TextEncoding,
    tsv_hint: bool,
    name: &str,
    options: &ReadOptions,
) -> Result<DelimitedSurvey, ReadError> {
    let io_err = |e: io::Error| ReadError::Io(e.to_string());
    let delimiter = if tsv_hint {
        b'\t'
    } else {
        let mut sample = Vec::with_capacity(DELIMITER_SAMPLE);
        text_reader(open().map_err(io_err)?, text)
            .0
            .take(DELIMITER_SAMPLE as u64)
            .read_to_end(&mut sample)
            .map_err(io_err)?;
        let valid = match std::str::from_utf8(&sample) {
            Ok(s) => s,
            // A character cut at the end of the sample is fine.
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&sample[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return Err(ReadError::NotUtf8),
        };
        detect_delimiter(valid)
    };
    let mut records = Records::new(text_reader(open().map_err(io_err)?, text), delimiter);
    let mut sink_pre: Vec<Diagnostic> = Vec::new();

    // The first records, to find the header (more when they are all empty).
    let mut first: Vec<(usize, Vec<String>)> = Vec::new();
    let search = options.header_search_rows.max(1);
    while first.len() < search || !first.iter().any(|(_, r)| non_empty_count(r) > 0) {
        match records.next()? {
            Some((line, rec)) => first.push((line, rec.iter().map(str::to_string).collect())),
            None => break,
        }
    }
    let header_at = find_header(&first, options.header_search_rows);
    let mut seen = Seen {
        max_columns: options.limits.max_columns,
        ..Seen::default()
    };
    let (header_line, header) = match header_at {
        Some(h) => {
            for (line, cells) in &first[..h] {
                if non_empty_count(cells) > 0 {
                    let kept: Vec<String> = cells
                        .iter()
                        .filter(|c| !trim_value(c).is_empty())
                        .cloned()
                        .collect();
                    sink_pre.push(Diagnostic {
                        row: Some(*line),
                        column: None,
                        message: format!(
                            "line {line} above the header is not data: {}",
                            kept.join(" | ")
                        ),
                        kind: DiagnosticKind::TitleRow { cells: kept },
                    });
                }
            }
            for (_, cells) in &first[h + 1..] {
                seen.add(cells.iter().map(String::as_str));
            }
            seen = tally_rest(&mut records, seen)?;
            let (line, header) = first.swap_remove(h);
            (line, header)
        }
        None => (0, Vec::new()),
    };
    let mut pre = Vec::new();
    if text.guessed {
        pre.push(Diagnostic {
            row: None,
            column: None,
            kind: DiagnosticKind::EncodingGuessed {
                encoding: text.encoding.name().to_string(),
            },
            message: format!("the file is not UTF-8; read as {}", text.encoding.name()),
        });
    }
    let replacements = records.replacements();
    if replacements > 0 {
        pre.push(Diagnostic {
            row: None,
            column: None,
            kind: DiagnosticKind::DecodingErrors {
                count: replacements,
            },
            message: format!(
                "{replacements} byte sequences are not valid {}",
                text.encoding.name()
            ),
        });
    }
    pre.extend(sink_pre);
    let Seen {
        mut tallies,
        lens,
        rows,
        ..
    } = seen;
    let mut width = trimmed_len(&header);
    if let Some((modal, _)) = lens
        .iter()
        .filter(|(len, _)| **len > 0)
        .max_by_key(|(len, n)| (**n, **len))
    {
        width = width.max(*modal);
    }
    if header_at.is_some() {
        options.limits.columns(width)?;
        options.limits.rows(rows)?;
    }
    let mut columns = Vec::new();
    if header_at.is_some() {
        let mut sink = Sink::new(usize::MAX);
        let names = name_columns(&header, width, header_line, &mut sink);
        pre.extend(sink.list);
        tallies.resize(width, Tally::default());
        columns = names
            .into_iter()
            .zip(&tallies)
            .map(|((n, h), t)| column_of(n, h, t, options))
            .collect();
    }
    let mut sink = Sink::new(options.max_diagnostics_per_kind);
    for d in &pre {
        sink.push(d.clone());
    }
    Ok(DelimitedSurvey {
        table: Table {
            name: name.to_string(),
            columns,
            rows: Vec::new(),
            row_lines: Vec::new(),
            encoding: text.encoding.name(),
            bom: text.bom_len > 0,
            delimiter: Some(delimiter),
            header_row: header_line,
            diagnostics: sink.finish(),
        },
        rows: if header_at.is_some() { rows } else { 0 },
        text,
        header_index: header_at,
        header_raw_len: header.len(),
        first_diagnostics: pre,
        max_diagnostics: options.max_diagnostics_per_kind,
    })
}

/// Records tallied by the helper thread of pass one at a time.
const TALLY_BATCH: usize = 4096;

/// Pass one over the rest of the file: this thread parses the records,
/// a helper thread tallies them (the two halves of the work on two
/// cores). Batches of records go back and forth, so that their buffers
/// are reused.
fn tally_rest(records: &mut Records<'_>, seen: Seen) -> Result<Seen, ReadError> {
    use std::sync::mpsc;
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<csv::StringRecord>>(2);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<csv::StringRecord>>();
        let helper = scope.spawn(move || {
            let mut seen = seen;
            for batch in full_rx {
                for rec in &batch {
                    seen.add(rec.iter());
                }
                // The parser may have stopped; then the batch is dropped.
                let _ = empty_tx.send(batch);
            }
            seen
        });
        let mut read = Ok(());
        'parse: loop {
            let mut batch = empty_rx.try_recv().unwrap_or_default();
            let mut n = 0;
            while n < TALLY_BATCH {
                if n == batch.len() {
                    batch.push(csv::StringRecord::new());
                }
                match records.read_into(&mut batch[n]) {
                    Ok(Some(_)) => n += 1,
                    Ok(None) => {
                        batch.truncate(n);
                        if n > 0 {
                            let _ = full_tx.send(batch);
                        }
                        break 'parse;
                    }
                    Err(e) => {
                        read = Err(e);
                        break 'parse;
                    }
                }
            }
            if full_tx.send(batch).is_err() {
                break;
            }
        }
        drop(full_tx);
        let seen = helper
            .join()
            .map_err(|_| ReadError::Io("the tally thread failed".into()))?;
        read.map(|()| seen)
    })
}

/// What pass one keeps of the data records: a tally per column, how many
/// records have each trimmed length, and the non-empty rows.
#[derive(Default)]
struct Seen {
    tallies: Vec<Tally>,
    lens: HashMap<usize, usize>,
    rows: usize,
    /// Columns past this are not tallied (a table that wide is refused by
    /// the column limit once pass one is over).
    max_columns: usize,
}

impl Seen {
    fn add<'a>(&mut self, cells: impl Iterator<Item = &'a str>) {
        // trimmed_len and non_empty_count in one walk.
        let mut len = 0usize;
        let mut filled = 0usize;
        for (i, c) in cells.enumerate() {
            let v = trim_value(c);
            if !v.is_empty() {
                len = i + 1;
                filled += 1;
                if i >= self.max_columns {
                    continue;
                }
                if i >= self.tallies.len() {
                    self.tallies.resize(i + 1, Tally::default());
                }
                self.tallies[i].add_trimmed(v);
            }
        }
        *self.lens.entry(len).or_insert(0) += 1;
        if filled > 0 {
            self.rows += 1;
        }
    }
}

impl DelimitedSurvey {
    /// Pass two: calls `f(line, cells)` for each data row, in order, with
    /// exactly one cell per column (as written; short rows padded with
    /// empty cells, extra cells cut). `src` is the same file from its
    /// start. Returns every diagnostic of the table (pass one's, plus empty
    /// and ragged rows), capped per kind as [`crate::read`] does. `f` may
    /// stop the reading with `ControlFlow::Break`.
    pub fn for_each_row<R: Read>(
        &self,
        src: R,
        mut f: impl FnMut(usize, &[&str]) -> ControlFlow<()>,
    ) -> Result<Vec<Diagnostic>, ReadError> {
        let mut sink = Sink::new(self.max_diagnostics);
        for d in &self.first_diagnostics {
            sink.push(d.clone());
        }
        let Some(h) = self.header_index else {
            return Ok(sink.finish());
        };
        let width = self.table.columns.len();
        let header_line = self.table.header_row;
        let mut records = Records::new(
            text_reader(src, self.text),
            self.table.delimiter.unwrap_or(b','),
        );
        let mut index = 0usize;
        loop {
            let blank_from = records.blank.len();
            let Some(line) = records.next_record()? else {
                break;
            };
            let at = index;
            index += 1;
            if at <= h {
                continue;
            }
            for l in &records.blank[blank_from..] {
                if *l > header_line {
                    sink.push(Diagnostic {
                        row: Some(*l),
                        column: None,
                        kind: DiagnosticKind::EmptyRow,
                        message: format!("line {l} is empty"),
                    });
                }
            }
            let rec = &records.rec;
            if rec.iter().all(|c| trim_value(c).is_empty()) {
                sink.push(Diagnostic {
                    row: Some(line),
                    column: None,
                    kind: DiagnosticKind::EmptyRow,
                    message: format!("line {line} is empty"),
                });
                continue;
            }
            if rec.len() != self.header_raw_len {
                let lost: Vec<&str> = rec
                    .iter()
                    .skip(width)
                    .filter(|c| !trim_value(c).is_empty())
                    .collect();
                let mut message = format!(
                    "line {line} has {} fields where the header has {}",
                    rec.len(),
                    self.header_raw_len
                );
                if !lost.is_empty() {
                    message.push_str(&format!("; extra values: {}", lost.join(" | ")));
                }
                sink.push(Diagnostic {
                    row: Some(line),
                    column: None,
                    kind: DiagnosticKind::RaggedRow {
                        expected: self.header_raw_len,
                        found: rec.len(),
                    },
                    message,
                });
            }
            let mut cells: Vec<&str> = Vec::with_capacity(width);
            cells.extend(rec.iter().take(width));
            cells.resize(width, "");
            if f(line, &cells).is_break() {
                break;
            }
        }
        Ok(sink.finish())
    }
}

/// The file as UTF-8 bytes, and the count of replaced byte sequences
/// (updated as the reader is read).
fn text_reader<'a, R: Read + 'a>(src: R, text: TextEncoding) -> (Box<dyn Read + 'a>, Counter) {
    let counter = Counter::default();
    if text.passthrough {
        (Box::new(src), counter)
    } else {
        let t = Transcode::new(src, text.encoding, text.bom_len, counter.clone());
        (Box::new(t), counter)
    }
}

/// A count shared between a reader and its owner.
type Counter = std::rc::Rc<std::cell::Cell<usize>>;

/// A reader that decodes another reader's bytes into UTF-8 (U+FFFD for
/// bytes that are not valid in the encoding, counted).
struct Transcode<R> {
    inner: R,
    decoder: Decoder,
    skip: usize,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    done: bool,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    replacements: Counter,
}

impl<R: Read> Transcode<R> {
    fn new(inner: R, encoding: &'static Encoding, skip: usize, replacements: Counter) -> Self {
        Transcode {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            skip,
            input: vec![0; 64 * 1024],
            in_start: 0,
            in_end: 0,
            eof: false,
            done: false,
            output: vec![0; 3 * 64 * 1024 + 16],
            out_start: 0,
            out_end: 0,
            replacements,
        }
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_start = 0;
                self.in_end = n;
                self.eof = n == 0;
                if self.skip > 0 {
                    let k = self.skip.min(n);
                    self.in_start = k;
                    self.skip -= k;
                    continue;
                }
            }
            let (result, read, written, had_errors) = self.decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.eof,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if had_errors {
                let n = self.output[..written]
                    .windows(3)
                    .filter(|w| *w == "\u{fffd}".as_bytes())
                    .count();
                self.replacements.set(self.replacements.get() + n);
            }
            if self.eof && result == encoding_rs::CoderResult::InputEmpty {
                self.done = true;
            }
        }
    }
}

/// A reader that notes where lines start: for each byte that follows a
/// line break (or starts the file), its offset and the number of `\n`
/// before it. The records' own line numbers come from these (the csv
/// crate does not count blank lines).
struct LineTap<R> {
    inner: R,
    offset: u64,
    newlines: u64,
    after_break: bool,
    starts: VecDeque<(u64, u64)>,
}

impl<R: Read> Read for LineTap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        // Only the line breaks are looked at (found a word at a time).
        let mut at = 0usize;
        if self.after_break {
            at = self.line_start(bytes, 0);
        }
        while let Some(i) = memchr::memchr2(b'\n', b'\r', &bytes[at..]) {
            let i = at + i;
            if bytes[i] == b'\n' {
                self.newlines += 1;
            }
            self.after_break = true;
            at = self.line_start(bytes, i + 1);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineTap<R> {
    /// After a line break at `from - 1` (or at the end of the previous
    /// read): counts the further breaks that follow at once and notes the
    /// first other byte as a line start. Returns where to look on.
    fn line_start(&mut self, bytes: &[u8], from: usize) -> usize {
        let mut i = from;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => self.newlines += 1,
                b'\r' => {}
                _ => {
                    self.starts
                        .push_back((self.offset + i as u64, self.newlines));
                    self.after_break = false;
                    return i + 1;
                }
            }
            i += 1;
        }
        i
    }
}

/// Records with the 1-based line where each starts, and the blank lines
/// skipped between them (the logic of [`crate::parse_records`]).
struct Records<'a> {
    rdr: csv::Reader<LineTap<Box<dyn Read + 'a>>>,
    rec: csv::StringRecord,
    expected_next: usize,
    blank: Vec<usize>,
    replacements: Counter,
}

impl<'a> Records<'a> {
    fn new((src, replacements): (Box<dyn Read + 'a>, Counter), delimiter: u8) -> Self {
        let tap = LineTap {
            inner: src,
            offset: 0,
            newlines: 0,
            after_break: true,
            starts: VecDeque::new(),
        };
        Records {
            rdr: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .buffer_capacity(64 * 1024)
                .from_reader(tap),
            rec: csv::StringRecord::new(),
            expected_next: 1,
            blank: Vec::new(),
            replacements,
        }
    }

    fn replacements(&self) -> usize {
        self.replacements.get()
    }

    /// Reads the next record into `self.rec`; its line.
    fn next_record(&mut self) -> Result<Option<usize>, ReadError> {
        let mut rec = std::mem::take(&mut self.rec);
        let line = self.read_into(&mut rec);
        self.rec = rec;
        line
    }

    /// Reads the next record into `rec`; its line.
    fn read_into(&mut self, rec: &mut csv::StringRecord) -> Result<Option<usize>, ReadError> {
        match self.rdr.read_record(rec) {
            Ok(true) => {}
            Ok(false) => return Ok(None),
            Err(e) => {
                return Err(match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => ReadError::NotUtf8,
                    csv::ErrorKind::Io(io) => ReadError::Io(io.to_string()),
                    _ => ReadError::Csv(e.to_string()),
                });
            }
        }
        let pos = rec.position().map_or(0, |p| p.byte());
        let tap = self.rdr.get_mut();
        while tap.starts.front().is_some_and(|(o, _)| *o < pos) {
            tap.starts.pop_front();
        }
        let line = match tap.starts.front() {
            Some((o, nl)) if *o >= pos => *nl as usize + 1,
            _ => tap.newlines as usize + 1,
        };
        if line > self.expected_next && self.expected_next > 1 {
            self.blank.extend(self.expected_next..line);
        }
        let inner_newlines = memchr::memchr_iter(b'\n', rec.as_slice().as_bytes()).count();
        self.expected_next = line + inner_newlines + 1;
        Ok(Some(line))
    }

    /// The next record and its line.
    fn next(&mut self) -> Result<Option<(usize, &csv::StringRecord)>, ReadError> {
        Ok(self.next_record()?.map(|line| (line, &self.rec)))
    }
}
