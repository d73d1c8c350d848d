//! Reading a return from a spreadsheet workbook (`.xlsx`, `.ods`) with `calamine`.
//!
//! An `.xlsx` sheet is read cell by cell and only cells that hold something are kept, so a
//! cell far from the rest (`XFD1048576`) costs one cell, not a grid of billions. An `.ods`
//! sheet is read whole by `calamine`, which refuses more than 100 million cells. Excel 97-2003
//! `.xls` is not read: its reader lays out every sheet as one grid, up to 65,536 × 65,536
//! cells, whatever the file holds.
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
//! What a file is is told by its first bytes before it is opened (`signature`): a file named
//! as a workbook that is not one (CSV named `.xlsx`) is refused saying what it seems to be
//! (`not_this_workbook`), and a workbook named as text (`.csv`) is refused by the command
//! before it is read as text (`workbook_named_as_text`).
//!
//! Unlike CSV, a sheet is held in memory before its rows are read: a workbook larger than
//! `MAX_WORKBOOK_BYTES` is refused before it is opened, and a sheet of more than `MAX_CELLS`
//! cells that hold something as it is read.

use super::input::{Columns, Record};
use super::Input;
use calamine::{Data, Range, Reader};
use std::io::{Read, Seek};

/// The largest workbook file read (64 MiB): a workbook is unpacked whole, and a monitoring
/// return that large is better saved as CSV, which is streamed.
pub const MAX_WORKBOOK_BYTES: u64 = 64 << 20;

/// How many rows that are not empty (a title, a note) may stand above a workbook's header.
pub const TITLE_ROWS: usize = 10;

/// A row's cells as a record of fields, each in its column (empty between), `width` wide
/// or as wide as its last cell.
fn record(cells: &[(u32, String)], width: Option<usize>) -> Record {
    let wide = cells.last().map_or(0, |(col, _)| *col as usize + 1);
    let mut fields = vec![""; width.unwrap_or(wide).max(wide)];
    for (col, value) in cells {
        fields[*col as usize] = value;
    }
    Record::from_fields(fields.into_iter())
}

/// The kinds of workbook read, by their file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workbook {
    Xlsx,
    Ods,
}

/// How many bytes at the start of a file are looked at to tell what it holds.
pub const START_BYTES: usize = 512;

/// What the first bytes of a file show it to be, when they show a workbook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// A zip archive: an `.xlsx` (or any zip that is not an `.ods`).
    Xlsx,
    /// A zip archive that starts with the `mimetype` of an OpenDocument spreadsheet.
    Ods,
    /// An OLE compound file: an Excel 97-2003 `.xls`, or an `.xlsx` saved with a password,
    /// which Excel keeps in the same container.
    Ole,
}

/// The workbook the first bytes of a file (`START_BYTES` or as many as it has) are the
/// start of, if they are one's.
pub fn signature(start: &[u8]) -> Option<Signature> {
    if start.starts_with(b"\xD0\xCF\x11\xE0") {
        return Some(Signature::Ole);
    }
    if !start.starts_with(b"PK\x03\x04") {
        return None;
    }
    // An `.ods` keeps its `mimetype` first, stored as it is, so that it can be told so.
    let ods = start.get(30..38) == Some(b"mimetype".as_slice())
        && start.windows(24).any(|w| w == b"opendocument.spreadsheet");
    Some(if ods { Signature::Ods } else { Signature::Xlsx })
}

impl Signature {
    /// The workbook in words, for a message.
    pub fn words(self) -> &'static str {
        match self {
            Signature::Xlsx => "an Excel workbook (`.xlsx`, a zip archive)",
            Signature::Ods => "an OpenDocument spreadsheet (`.ods`)",
            Signature::Ole => {
                "an Excel 97-2003 workbook (`.xls`), or a workbook saved with a password"
            }
        }
    }
}

/// Why a file named as a text return (`.csv`) whose first bytes are `start` cannot be read
/// as one, when it is a workbook: which, and what to do.
pub fn workbook_named_as_text(start: &[u8]) -> Option<String> {
    let signature = signature(start)?;
    let todo = match signature {
        Signature::Xlsx => {
            "name it `.xlsx` to read it as a workbook, or save its sheet as CSV UTF-8"
        }
        Signature::Ods => "name it `.ods` to read it as a workbook, or save its sheet as CSV UTF-8",
        Signature::Ole => {
            "open it in the spreadsheet and save it as an Excel workbook (`.xlsx`) without a \
             password, or save its sheet as CSV UTF-8"
        }
    };
    Some(format!(
        "the file is {}, not text, whatever its name says: {todo}",
        signature.words()
    ))
}

/// Why a file named as a workbook of `kind`, whose first bytes are `start`, cannot be read as
/// one, when its first bytes already tell: it is empty, text (CSV or JSON Lines named
/// `.xlsx`), another kind of workbook, or not a zip archive at all.
pub fn not_this_workbook(start: &[u8], kind: Workbook) -> Option<String> {
    let named = match kind {
        Workbook::Xlsx => "an Excel workbook (`.xlsx`)",
        Workbook::Ods => "an OpenDocument spreadsheet (`.ods`)",
    };
    let found = signature(start);
    match (found, kind) {
        (Some(Signature::Xlsx), Workbook::Xlsx) | (Some(Signature::Ods), Workbook::Ods) => None,
        (Some(Signature::Ods), Workbook::Xlsx) => Some(format!(
            "the file is {}, not {named}, whatever its name says: name it `.ods`",
            Signature::Ods.words()
        )),
        // An `.ods` whose `mimetype` is not first is still read as one, and fails if not.
        (Some(Signature::Xlsx), Workbook::Ods) => None,
        (Some(Signature::Ole), _) => Some(format!(
            "the file is {}, not {named}: open it in the spreadsheet and save it as an Excel \
             workbook (`.xlsx`) without a password, or save its sheet as CSV UTF-8",
            Signature::Ole.words()
        )),
        (None, _) if start.is_empty() => Some(format!(
            "the file is empty, so it is not {named} (a workbook is a zip archive)"
        )),
        (None, _) => Some(match text_kind(start) {
            Some(kind) => format!(
                "the file is text, not {named}, whatever its name says: it seems to be \
                 {kind}; name it `.{}` to read it so",
                if kind == "JSON Lines" { "jsonl" } else { "csv" }
            ),
            None => format!(
                "the file is not {named}: a workbook is a zip archive, and this file does not \
                 start as one"
            ),
        }),
    }
}

/// What text the first bytes of a file seem to be, if they are text: `CSV` or `JSON Lines`
/// (text in UTF-8, Windows-1252 or UTF-16 with a byte order mark, without control
/// characters but tabs and line breaks).
fn text_kind(start: &[u8]) -> Option<&'static str> {
    let text: std::borrow::Cow<'_, str> = match encoding_rs::Encoding::for_bom(start) {
        Some((encoding, length)) => encoding.decode_without_bom_handling(&start[length..]).0,
        None => {
            if start
                .iter()
                .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0x7F)
            {
                return None;
            }
            String::from_utf8_lossy(start)
        }
    };
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return None;
    }
    if text.trim_start().starts_with('{') {
        Some("JSON Lines")
    } else {
        Some("CSV")
    }
}

/// The most cells that are not empty a sheet may hold (20 million): a return of a million
/// rows of ten columns holds half that. Past it the sheet is refused rather than fill memory.
pub const MAX_CELLS: usize = 20_000_000;

/// One row of a sheet: its number as the spreadsheet shows it, and its cells that are not
/// empty, by column from 0, as text.
type SheetRow = (u64, Vec<(u32, String)>);

/// The rows of one sheet of a workbook, or why it cannot be read: the file is not a
/// workbook of its kind, the sheet named is not in it, or its header lacks a required column.
pub fn sheet<RS: Read + Seek>(
    mut reader: RS,
    kind: Workbook,
    name: Option<&str>,
) -> Result<SheetRows, String> {
    // A file that is not a workbook of its kind (CSV named `.xlsx`) is told so by its first
    // bytes, rather than by the zip reader's complaint.
    let mut start = Vec::with_capacity(START_BYTES);
    (&mut reader)
        .take(START_BYTES as u64)
        .read_to_end(&mut start)
        .and_then(|_| reader.rewind())
        .map_err(|error| format!("the file cannot be read: {error}"))?;
    if let Some(why) = not_this_workbook(&start, kind) {
        return Err(why);
    }
    let (rows, chosen) = match kind {
        Workbook::Xlsx => xlsx_cells(reader, name)?,
        Workbook::Ods => {
            let (range, chosen) =
                range::<RS, calamine::Ods<RS>>(reader, name, "an OpenDocument spreadsheet")?;
            (range_cells(&range)?, chosen)
        }
    };
    rows_of(rows, &chosen)
}

/// The header and the rows of a sheet, from its rows that are not empty.
fn rows_of(mut rows: Vec<SheetRow>, chosen: &str) -> Result<SheetRows, String> {
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
        .position(|(_, cells)| Columns::from_header(&record(cells, None), None).is_ok())
        .unwrap_or(0);
    let (header_row, header) = rows.remove(header_at);
    let columns = Columns::from_header(&record(&header, None), None)
        .map_err(|why| format!("sheet `{chosen}`, row {header_row}: {why}"))?;
    // The rows above the header are titles, not rows of the return.
    rows.drain(..header_at);
    let width = header.last().map_or(0, |(col, _)| *col as usize + 1);
    Ok(SheetRows {
        columns,
        width,
        rows: rows.into_iter(),
    })
}

/// The cells of an `.xlsx` sheet, read one by one: only cells that hold something are kept,
/// however far apart they are.
fn xlsx_cells<RS: Read + Seek>(
    reader: RS,
    name: Option<&str>,
) -> Result<(Vec<SheetRow>, String), String> {
    let mut book: calamine::Xlsx<RS> = calamine::Xlsx::new(reader).map_err(|error| {
        // It starts as a zip archive (`not_this_workbook`), so one that is not is damaged.
        let damaged = if matches!(error, calamine::XlsxError::Zip(_)) {
            " (it starts as a workbook but is damaged or cut short: save it again, or copy \
             it again whole)"
        } else {
            ""
        };
        format!("the file cannot be read as an Excel workbook{damaged}: {error}")
    })?;
    let chosen = choose(&book.sheet_names(), name)?;
    let unreadable =
        |error: calamine::XlsxError| format!("sheet `{chosen}` cannot be read: {error}");
    let mut cells = book.worksheet_cells_reader(&chosen).map_err(unreadable)?;
    let mut rows: std::collections::BTreeMap<u32, Vec<(u32, String)>> = Default::default();
    let mut count = 0usize;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        let value = text(&Data::from(cell.get_value().clone()));
        if value.trim().is_empty() {
            continue;
        }
        count += 1;
        if count > MAX_CELLS {
            return Err(too_many(&chosen));
        }
        rows.entry(row).or_default().push((col, value));
    }
    let rows = rows
        .into_iter()
        .map(|(row, mut cells)| {
            cells.sort_by_key(|(col, _)| *col);
            (u64::from(row) + 1, cells)
        })
        .collect();
    Ok((rows, chosen))
}

fn too_many(chosen: &str) -> String {
    format!(
        "sheet `{chosen}` holds more than {MAX_CELLS} cells, the most read from a workbook: \
         save it as CSV UTF-8, which is read row by row"
    )
}

/// The cells of a sheet read whole, that hold something.
fn range_cells(range: &Range<Data>) -> Result<Vec<SheetRow>, String> {
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut count = 0usize;
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        let mut kept = Vec::new();
        for (j, cell) in cells.iter().enumerate() {
            let value = text(cell);
            if !value.trim().is_empty() {
                kept.push((first_col + j as u32, value));
            }
        }
        count += kept.len();
        if count > MAX_CELLS {
            return Err(too_many("the sheet"));
        }
        if !kept.is_empty() {
            rows.push((u64::from(first_row) + i as u64 + 1, kept));
        }
    }
    Ok(rows)
}

/// The sheet named (exactly, or else ignoring case), or the first.
fn choose(names: &[String], name: Option<&str>) -> Result<String, String> {
    match name {
        Some(name) => names
            .iter()
            .find(|n| n.as_str() == name)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(name.trim()))
            })
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the workbook has no sheet `{name}`; its sheets are {}",
                    shown(names)
                )
            }),
        None => names
            .first()
            .cloned()
            .ok_or_else(|| "the workbook has no sheets".to_string()),
    }
}

/// The cells of the sheet `name` (or the first sheet), read whole, and the sheet's name.
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
    let chosen = choose(&book.sheet_names(), name)?;
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
    /// The header's width: to its last column that is not empty.
    width: usize,
    rows: std::vec::IntoIter<SheetRow>,
}

impl Iterator for SheetRows {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        let (number, cells) = self.rows.next()?;
        if let Some((col, _)) = cells.last().filter(|(col, _)| *col as usize >= self.width) {
            return Some(Input::Malformed {
                number,
                reason: format!(
                    "the row has a value in column {}, right of the header's last column ({})",
                    column_letters(*col),
                    column_letters(self.width.saturating_sub(1) as u32)
                ),
            });
        }
        Some(
            self.columns
                .row(number, &record(&cells, Some(self.width)), 0),
        )
    }
}

/// A column's letters as a spreadsheet shows them: 0 is `A`, 26 is `AA`.
fn column_letters(col: u32) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_starting_with(name: &[u8], content: &[u8]) -> Vec<u8> {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.resize(26, 0);
        bytes.extend_from_slice(&(name.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&[0, 0]);
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(content);
        bytes
    }

    #[test]
    fn a_workbook_is_told_by_its_first_bytes() {
        let ods = zip_starting_with(
            b"mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        );
        let xlsx = zip_starting_with(b"[Content_Types].xml", b"<?xml");
        assert_eq!(signature(&ods), Some(Signature::Ods));
        assert_eq!(signature(&xlsx), Some(Signature::Xlsx));
        assert_eq!(
            signature(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"),
            Some(Signature::Ole)
        );
        assert_eq!(signature(b"participant,stage,date\n"), None);
        assert_eq!(signature(b""), None);
        assert!(workbook_named_as_text(&xlsx)
            .unwrap()
            .contains("name it `.xlsx`"));
        assert!(workbook_named_as_text(&ods)
            .unwrap()
            .contains("name it `.ods`"));
        assert!(workbook_named_as_text(b"participant,stage,date").is_none());

        assert_eq!(not_this_workbook(&xlsx, Workbook::Xlsx), None);
        assert_eq!(not_this_workbook(&ods, Workbook::Ods), None);
        assert!(not_this_workbook(&ods, Workbook::Xlsx)
            .unwrap()
            .contains("name it `.ods`"));
        let why = not_this_workbook(b"participant,stage,date\r\n", Workbook::Xlsx).unwrap();
        assert!(why.contains("seems to be CSV; name it `.csv`"), "{why}");
        let why = not_this_workbook(b"\xFF\xFEp\0a\0r\0", Workbook::Ods).unwrap();
        assert!(why.contains("seems to be CSV"), "{why}");
        let why = not_this_workbook(b"\x7FELF\x02\x01", Workbook::Xlsx).unwrap();
        assert!(why.contains("does not start as one"), "{why}");
    }
}
