//! Measuring a workbook before calamine opens it.
//!
//! calamine inflates a ZIP workbook's parts into memory, and lays out every
//! sheet of an XLS or ODS file as a dense grid as soon as the file is
//! opened, with room reserved from sizes the file declares. A small hostile
//! file (a zip bomb, two cells far apart, a huge `number-columns-repeated`,
//! a lying DIMENSIONS record) would make it allocate gigabytes. These scans
//! read the file the cheap way (a streaming inflate that discards the bytes,
//! a streaming XML pass, a walk over BIFF record headers), count what is
//! really there and refuse with [`ReadError::Limit`] before calamine runs.

use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};

use crate::{Limits, ReadError};

/// ZIP entries a workbook may have.
const MAX_ZIP_ENTRIES: usize = 10_000;

fn inflated_limit(limits: &Limits) -> ReadError {
    ReadError::Limit {
        setting: "MISTO_READ_MAX_INFLATED_BYTES",
        limit: limits.max_inflated_bytes,
        found: "the workbook inflates to more bytes than allowed".into(),
    }
}

fn bad_zip(e: impl std::fmt::Display) -> ReadError {
    ReadError::Spreadsheet(format!("the ZIP container is damaged: {e}"))
}

/// Inflates every entry (discarding the bytes) and refuses a workbook whose
/// entries together inflate past `max_inflated_bytes`, whatever sizes the
/// archive declares.
pub(super) fn zip_inflated(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad_zip)?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(ReadError::Limit {
            setting: "MISTO_READ_MAX_INFLATED_BYTES",
            limit: MAX_ZIP_ENTRIES as u64,
            found: format!("the workbook has {} parts", zip.len()),
        });
    }
    let mut left = limits.max_inflated_bytes;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(bad_zip)?;
        loop {
            let n = entry.read(&mut buf).map_err(bad_zip)?;
            if n == 0 {
                break;
            }
            left = left
                .checked_sub(n as u64)
                .ok_or_else(|| inflated_limit(limits))?;
        }
    }
    Ok(())
}

/// Whether a ZIP workbook is an OpenDocument spreadsheet (its `mimetype`
/// entry says so).
pub(super) fn is_ods(bytes: &[u8]) -> bool {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    let Ok(entry) = zip.by_name("mimetype") else {
        return false;
    };
    let mut head = Vec::new();
    entry.take(100).read_to_end(&mut head).is_ok()
        && head.starts_with(b"application/vnd.oasis.opendocument.spreadsheet")
}

fn attr_count(e: &BytesStart<'_>, name: &str) -> Result<u64, ReadError> {
    match e
        .try_get_attribute(name)
        .map_err(|err| ReadError::Spreadsheet(format!("content.xml: {err}")))?
    {
        Some(a) => a
            .value
            .trim()
            .parse::<u64>()
            .map_err(|_| ReadError::Spreadsheet(format!("content.xml: {name} is not a count"))),
        None => Ok(1),
    }
}

/// The dense grid calamine would build for each table of an ODS file:
/// rows up to the last row holding a value (repeats included), columns up
/// to the last column holding a value. Every table is built when the file
/// opens, so their areas are added up.
pub(super) fn ods_cells(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad_zip)?;
    let entry = zip
        .by_name("content.xml")
        .map_err(|e| ReadError::Spreadsheet(format!("content.xml: {e}")))?;
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(
        entry.take(limits.max_inflated_bytes),
    ));
    let xml_err = |e: quick_xml::Error| ReadError::Spreadsheet(format!("content.xml: {e}"));
    let mut buf = Vec::new();
    let mut total: u64 = 0;
    // Per table: rows so far (repeats included), last row with a value,
    // widest row with a value.
    let (mut rows, mut last_row, mut width) = (0u64, 0u64, 0u64);
    // Per row: its repeat count, columns so far, last column with a value.
    let (mut row_repeat, mut col, mut row_width) = (1u64, 0u64, 0u64);
    // Inside a cell: its repeat count and whether it holds a value.
    let mut cell: Option<(u64, bool)> = None;
    let check = |rows: u64, width: u64, total: u64| -> Result<(), ReadError> {
        let rows = usize::try_from(rows).unwrap_or(usize::MAX);
        let width = usize::try_from(width).unwrap_or(usize::MAX);
        limits.cells(rows, width)?;
        let cells = usize::try_from(total).unwrap_or(usize::MAX);
        limits.cells(cells, 1)
    };
    loop {
        let ev = xml.read_event_into(&mut buf).map_err(xml_err)?;
        let (start, empty) = match &ev {
            Event::Start(e) => (Some(e.clone()), false),
            Event::Empty(e) => (Some(e.clone()), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            match e.name().as_ref() {
                "table:table" if !empty => (rows, last_row, width) = (0, 0, 0),
                "table:table-row" => {
                    row_repeat = attr_count(&e, "table:number-rows-repeated")?;
                    (col, row_width) = (0, 0);
                    if empty {
                        rows = rows.saturating_add(row_repeat);
                    }
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let repeat = attr_count(&e, "table:number-columns-repeated")?;
                    let typed = e
                        .try_get_attribute("office:value-type")
                        .ok()
                        .flatten()
                        .is_some();
                    if empty {
                        col = col.saturating_add(repeat);
                        if typed {
                            row_width = col;
                        }
                    } else {
                        cell = Some((repeat, typed));
                    }
                }
                // Text inside a cell is a value.
                "text:p" | "text:span" | "text:s" => {
                    if let Some((_, has)) = cell.as_mut() {
                        *has = true;
                    }
                }
                _ => {}
            }
        }
        match ev {
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    if let Some((repeat, has)) = cell.take() {
                        col = col.saturating_add(repeat);
                        if has {
                            row_width = col;
                        }
                    }
                }
                "table:table-row" => {
                    rows = rows.saturating_add(row_repeat);
                    if row_width > 0 {
                        last_row = rows;
                        width = width.max(row_width);
                        total = total.saturating_add(row_repeat.saturating_mul(row_width));
                        check(last_row, width, total)?;
                    }
                }
                "table:table" => check(last_row, width, total)?,
                _ => {}
            },
            Event::Text(t) if cell.is_some() && !t.trim().is_empty() => {
                if let Some((_, has)) = cell.as_mut() {
                    *has = true;
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// BIFF records that hold one cell: (row, column) are their first two
/// 16-bit fields.
const CELL_RECORDS: [u16; 7] = [
    0x0006, // FORMULA
    0x0203, // NUMBER
    0x0204, // LABEL
    0x00D6, // RSTRING
    0x0205, // BOOLERR
    0x027E, // RK
    0x00FD, // LABELSST
];

fn u16_at(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*d.get(at)?, *d.get(at + 1)?]))
}

fn u32_at(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes([
        *d.get(at)?,
        *d.get(at + 1)?,
        *d.get(at + 2)?,
        *d.get(at + 3)?,
    ]))
}

#[derive(Default)]
struct Extent {
    cells: bool,
    min_row: u32,
    max_row: u32,
    min_col: u32,
    max_col: u32,
}

impl Extent {
    fn add(&mut self, row: u32, first_col: u32, last_col: u32) {
        if !self.cells {
            *self = Extent {
                cells: true,
                min_row: row,
                max_row: row,
                min_col: first_col,
                max_col: last_col,
            };
            return;
        }
        self.min_row = self.min_row.min(row);
        self.max_row = self.max_row.max(row);
        self.min_col = self.min_col.min(first_col);
        self.max_col = self.max_col.max(last_col);
    }

    fn area(&self) -> (usize, usize) {
        if !self.cells {
            return (0, 0);
        }
        (
            (self.max_row - self.min_row) as usize + 1,
            (self.max_col - self.min_col) as usize + 1,
        )
    }
}

/// The grid calamine would lay out for each sheet of an XLS file (every
/// sheet, when the file opens), from the cell records and from the
/// DIMENSIONS record it reserves room by.
pub(super) fn xls_cells(bytes: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let cfb_err = |e: std::io::Error| ReadError::Spreadsheet(format!("the XLS file: {e}"));
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(cfb_err)?;
    let path = ["/Workbook", "/Book"]
        .into_iter()
        .find(|p| cfb.is_stream(p))
        .ok_or_else(|| ReadError::Spreadsheet("the XLS file has no Workbook stream".into()))?;
    let mut stream = Vec::new();
    cfb.open_stream(path)
        .map_err(cfb_err)?
        .take(limits.max_inflated_bytes.saturating_add(1))
        .read_to_end(&mut stream)
        .map_err(cfb_err)?;
    if stream.len() as u64 > limits.max_inflated_bytes {
        return Err(inflated_limit(limits));
    }
    let mut at = 0usize;
    let mut depth = 0usize;
    let mut sheet = Extent::default();
    let mut total = 0usize;
    let mut close = |sheet: &mut Extent| -> Result<(), ReadError> {
        let (h, w) = sheet.area();
        limits.cells(h, w)?;
        total = total.saturating_add(h.saturating_mul(w));
        *sheet = Extent::default();
        limits.cells(total, 1)
    };
    while let (Some(typ), Some(len)) = (u16_at(&stream, at), u16_at(&stream, at + 2)) {
        let start = at + 4;
        let end = (start + len as usize).min(stream.len());
        let d = &stream[start..end];
        at = start + len as usize;
        match typ {
            0x0809 => depth += 1,
            0x000A => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    close(&mut sheet)?;
                }
            }
            0x0200 => {
                // DIMENSIONS: BIFF8 rows are 32-bit, older ones 16-bit.
                let (rows, cols) = if d.len() >= 14 {
                    let (r0, r1) = (u32_at(d, 0).unwrap_or(0), u32_at(d, 4).unwrap_or(0));
                    let (c0, c1) = (u16_at(d, 8).unwrap_or(0), u16_at(d, 10).unwrap_or(0));
                    (r1.saturating_sub(r0), c1.saturating_sub(c0))
                } else {
                    let (r0, r1) = (u16_at(d, 0).unwrap_or(0), u16_at(d, 2).unwrap_or(0));
                    let (c0, c1) = (u16_at(d, 4).unwrap_or(0), u16_at(d, 6).unwrap_or(0));
                    (u32::from(r1.saturating_sub(r0)), c1.saturating_sub(c0))
                };
                limits.cells(rows as usize, usize::from(cols))?;
            }
            0x00BD => {
                // MULRK: row, first column, ..., last column (calamine
                // skips MULBLANK, as it skips BLANK).
                if let (Some(row), Some(first), Some(last)) = (
                    u16_at(d, 0),
                    u16_at(d, 2),
                    d.len().checked_sub(2).and_then(|i| u16_at(d, i)),
                ) {
                    sheet.add(row.into(), first.into(), last.max(first).into());
                }
            }
            t if CELL_RECORDS.contains(&t) => {
                if let (Some(row), Some(col)) = (u16_at(d, 0), u16_at(d, 2)) {
                    sheet.add(row.into(), col.into(), col.into());
                }
            }
            _ => {}
        }
    }
    close(&mut sheet)
}
