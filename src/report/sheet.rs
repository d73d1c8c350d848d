//! Reading a return from a spreadsheet workbook (`.xlsx`, `.xls`, `.ods`) with `calamine`.
//!
//! One sheet is read: the one named, or the first. Its header is named as a CSV return's
//! header is, and is its first row that is not empty, or the first that names the required
//! columns within `TITLE_ROWS` rows below it (a title above the header is left out); each later row that is not empty is a row of
//! the return, numbered as the spreadsheet numbers it. Cells are read as their values, not
//! as they are shown: a date cell is an ISO date (`2009-05-14`; its time of day, if any, is
//! left out), a whole number is written without a decimal point (`1234`, never `1234.0`),
//! any other number as the shortest decimal that is the same number (`0.1`), a truth value as
//! `TRUE` or `FALSE`, and an error cell as its code (`#N/A`).
//!
//! Unlike CSV, a workbook is compressed and read whole into memory: a workbook larger than
//! `MAX_WORKBOOK_BYTES` is refused before it is opened.

use super::input::{Columns, Record};
use super::Input;
use calamine::{Data, Range, Reader};
use std::io::{Read, Seek};

/// The largest workbook file read (64 MiB): a workbook is unpacked whole, and a monitoring
/// return that large is better saved as CSV, which is streamed.
pub const MAX_WORKBOOK_BYTES: u64 = 64 << 20;

/// How many rows that are not empty (a title, a note) may stand above a workbook's header.
pub const TITLE_ROWS: usize = 10;

fn record(cells: &[String]) -> Record {
    Record::from_fields(cells.iter().map(String::as_str))
}

/// The kinds of workbook read, by their file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workbook {
    Xlsx,
    Xls,
    Ods,
}

/// The rows of one sheet of a workbook, or why it cannot be read: the file is not a
/// workbook of its kind, the sheet named is not in it, or its header lacks a required column.
pub fn sheet<RS: Read + Seek>(
    reader: RS,
    kind: Workbook,
    name: Option<&str>,
) -> Result<SheetRows, String> {
    let (range, chosen) = match kind {
        Workbook::Xlsx => range::<RS, calamine::Xlsx<RS>>(reader, name, "an Excel workbook")?,
        Workbook::Xls => range::<RS, calamine::Xls<RS>>(reader, name, "an Excel 97-2003 workbook")?,
        Workbook::Ods => {
            range::<RS, calamine::Ods<RS>>(reader, name, "an OpenDocument spreadsheet")?
        }
    };
    let first = range.start().map_or(0, |(row, _)| u64::from(row));
    let mut rows: Vec<(u64, Vec<String>)> = range
        .rows()
        .enumerate()
        .map(|(i, cells)| (first + i as u64 + 1, cells.iter().map(text).collect()))
        .filter(|(_, cells): &(u64, Vec<String>)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if rows.is_empty() {
        return Err(format!(
            "sheet `{chosen}` is empty: a return starts with a header row naming its columns \
             (participant, stage, date, and optionally evidence, cohort and participant \
             attributes)"
        ));
    }
    // A title or a note above the header is common in a workbook: the header is the first
    // of the first rows that reads as one, or else the first row, refused with its reason.
    let header_at = rows
        .iter()
        .take(TITLE_ROWS + 1)
        .position(|(_, cells)| Columns::from_header(&record(cells), None).is_ok())
        .unwrap_or(0);
    let (header_row, header) = rows.remove(header_at);
    let columns = Columns::from_header(&record(&header), None)
        .map_err(|why| format!("sheet `{chosen}`, row {header_row}: {why}"))?;
    // The rows above the header are titles, not rows of the return.
    rows.drain(..header_at);
    Ok(SheetRows {
        columns,
        rows: rows.into_iter(),
    })
}

/// The cells of the sheet `name` (or the first sheet), and the sheet's name.
fn range<RS: Read + Seek, W: Reader<RS>>(
    reader: RS,
    name: Option<&str>,
    what: &str,
) -> Result<(Range<Data>, String), String>
where
    W::Error: std::fmt::Display,
{
    let mut book =
        W::new(reader).map_err(|error| format!("the file cannot be read as {what}: {error}"))?;
    let names = book.sheet_names();
    let chosen = match name {
        Some(name) => names
            .iter()
            .find(|n| n.as_str() == name)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(name.trim()))
            })
            .ok_or_else(|| {
                format!(
                    "the workbook has no sheet `{name}`; its sheets are {}",
                    shown(&names)
                )
            })?,
        None => names
            .first()
            .ok_or_else(|| "the workbook has no sheets".to_string())?,
    }
    .clone();
    let range = book
        .worksheet_range(&chosen)
        .map_err(|error| format!("sheet `{chosen}` cannot be read: {error}"))?;
    Ok((range, chosen))
}

fn shown(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A cell's value as text (see the module's documentation).
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(x) => number(*x),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => "FALSE".to_string(),
        Data::DateTime(when) if when.is_datetime() => {
            let (year, month, day, ..) = when.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        Data::DateTime(duration) => number(duration.as_f64()),
        // OpenDocument dates: `2009-05-14`, or with a time `2009-05-14T10:30:00`.
        Data::DateTimeIso(iso) => iso.split('T').next().unwrap_or(iso).to_string(),
        Data::DurationIso(iso) => iso.clone(),
        Data::Error(error) => error.to_string(),
    }
}

/// A number as written: whole numbers without a decimal point, others as the shortest
/// decimal that reads back as the same number.
fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The rows of a sheet; see `sheet`.
pub struct SheetRows {
    columns: Columns,
    rows: std::vec::IntoIter<(u64, Vec<String>)>,
}

impl Iterator for SheetRows {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        let (number, cells) = self.rows.next()?;
        Some(self.columns.row(number, &record(&cells), b','))
    }
}
