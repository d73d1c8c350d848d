//! Reading returns: CSV and JSON Lines, streamed one row at a time, and measured values.
//! (Workbooks are read in `sheet.rs`, into the same rows.)
//!
//! A CSV return may be separated by commas, semicolons or tabs (`CsvOptions::separator`, or
//! the one its header line uses), and in UTF-8, UTF-16 with a byte order mark, or
//! Windows-1252 when said (`CsvOptions::encoding`); its text reaches the CSV reader as UTF-8.
//! Dates written with slashes or dots are turned into ISO dates by `dates`, in the order a
//! person said (`DateFormat`), never guessed; a time of day after a date is left out by
//! `day_of`, and `not_a_date` says why a date is not one.
//!
//! A return is read without loading the file: each reader is an iterator that reads one row,
//! hands it on as an `Input`, and forgets it. (On several cores, `outcome report` reads a
//! CSV file of up to `split::PARTS_MOST` in parts at once instead: `split.rs`.) A row that
//! cannot be read (the wrong number of
//! fields, invalid UTF-8, not JSON, a required field empty) is an `Input::Malformed` with its
//! row number and the reason; reading goes on with the next row.
//!
//! Columns of a CSV return (header names are matched ignoring case and surrounding spaces):
//!
//! | column | | |
//! |---|---|---|
//! | `participant` | required | the pseudonymous participant reference |
//! | `stage` (or `milestone`) | required | the milestone or target reached |
//! | `date` | required | the date it was reached, `2009-05-14` |
//! | `evidence` | optional | the evidence reference; empty means none |
//! | `cohort` | optional | the cohort the participant is in; empty means not said |
//! | anything else | optional | a participant attribute (`age_at_start`), named in lower case |
//!
//! A column with an empty header is ignored; an empty attribute value is no value. A blank
//! line, and a row of empty fields (`,,,`, a spreadsheet's blank row: `blank_row`), is no
//! row. JSON Lines use the same names as an object's members, one object per line; blank
//! lines are skipped.
//!
//! Two things are not rows and so are not `Input`s: a CSV header that lacks a required column
//! (`CsvRows::header_problem`; left unchecked, it comes out as one `Malformed` for row 1 and
//! nothing else), and a failure of the underlying reader (`io_error`: the rows stop there).

use super::{Input, Measured, Row};
use crate::model::Contract;
use crate::value::{Date, Decimal};
use foldhash::HashMap;
use std::io::{self, BufRead, Read};

/// The columns a CSV return must have, as a person reads them.
const REQUIRED: [&str; 3] = ["participant", "stage", "date"];

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// What to do about text that is not UTF-8, said after where it is.
pub(super) const NOT_UTF8: &str = ": a file saved by Excel as plain \"CSV\" on Windows is in the \
     Windows-1252 encoding; pass `--encoding windows-1252` to read it so, or save it as \
     \"CSV UTF-8\"";

// ---------------------------------------------------------------------------------------------
// CSV

/// The longest line a return may have (16 MiB): a return's rows are short, and even a header
/// of hundreds of thousands of attribute columns is shorter. A longer line (a binary file, or
/// `/dev/zero`, one endless line) stops reading with an error rather than filling memory.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// The most lines one row of a CSV return may run over, in a quoted value that holds line
/// breaks. A quote that is not closed on its line is read on only as far as this, and only
/// kept if it then closes a row of the header's width: otherwise it is a stray quote, its
/// line alone is a malformed row, and reading goes on with the next line.
pub const MAX_ROW_LINES: usize = 32;

/// How a CSV return is read, where the file does not say: the separator between fields and
/// the encoding of its text.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvOptions {
    /// The separator: `None` to take the one the header line uses most (comma, semicolon or
    /// tab; a comma when it uses none).
    pub separator: Option<u8>,
    /// The encoding of a file without a byte order mark: `None` for UTF-8. A byte order mark
    /// (UTF-8, UTF-16 little- or big-endian) always wins.
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// The separators a CSV return may use, in the order a tie is settled.
pub const SEPARATORS: [u8; 3] = [b',', b';', b'\t'];

/// A separator in words, as messages name it.
pub fn separator_name(separator: u8) -> &'static str {
    match separator {
        b',' => "comma",
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "separator",
    }
}

/// The separator a header line uses: the one of `SEPARATORS` it holds most often outside
/// double quotes, the first of them on a tie, and a comma when it holds none.
fn detect_separator(line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = SEPARATORS.iter().position(|&s| s == b) {
                counts[i] += 1;
            }
        }
    }
    let mut best = 0;
    for i in 1..SEPARATORS.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    SEPARATORS[best]
}

/// Whether a line of a CSV return is a blank row above its header: separators (any of
/// `SEPARATORS`) and spaces alone, as a spreadsheet saves a blank row (`,,,`).
pub(super) fn is_blank_line(line: &[u8]) -> bool {
    line.iter()
        .all(|b| SEPARATORS.contains(b) || b.is_ascii_whitespace())
}

/// Whether every field of a row is empty but for spaces (as `str::trim` sees them): a blank
/// row of a spreadsheet saved as CSV (`,,,` or `;;;`). Such a row is skipped as a blank line
/// is, and as a workbook's blank row is, rather than read as a row.
pub(super) fn blank_row<T: AsRef<[u8]>>(mut fields: impl Iterator<Item = T>) -> bool {
    fields.all(|field| {
        let field = field.as_ref();
        // A visible ASCII character is never a space: most fields are settled by their first
        // byte, without reading them as text.
        !field.iter().any(u8::is_ascii_graphic)
            && (field.trim_ascii().is_empty()
                || std::str::from_utf8(field).is_ok_and(|t| t.trim().is_empty()))
    })
}

/// Stream the rows of a CSV return, UTF-8 and separated by commas, semicolons or tabs (as
/// the header uses). See `csv_with`.
pub fn csv<R: Read>(reader: R) -> CsvRows<R> {
    csv_with(reader, CsvOptions::default())
}

/// Stream the rows of a CSV return. The header is read now; every other row as the iterator
/// is advanced. See `CsvRows::header_problem` for a header without the required columns.
pub fn csv_with<R: Read>(reader: R, options: CsvOptions) -> CsvRows<R> {
    let mut rows = CsvRows {
        lines: Lines::new(
            io::BufReader::new(Decoded::new(reader, options.encoding)),
            true,
        ),
        parser: ::csv_core::Reader::new(),
        separator: b',',
        line: Vec::new(),
        record: Record::default(),
        header: Err(String::new()),
        reported: false,
        row: 0,
        not_utf8: 0,
        io_error: None,
    };
    let mut first = Vec::new();
    // Blank rows above the header, as a spreadsheet saves them (`,,,`), are skipped as blank
    // lines are: the separator is not known yet, but a line of separators and spaces alone
    // names no columns.
    let mut read = rows.read_first_line(&mut first);
    while matches!(read, Ok(true)) && is_blank_line(&first) {
        read = rows.read_first_line(&mut first);
    }
    let read = match read {
        Ok(true) => {
            rows.separator = options
                .separator
                .unwrap_or_else(|| detect_separator(&first));
            rows.parser = ::csv_core::ReaderBuilder::new()
                .delimiter(rows.separator)
                .build();
            rows.read_rest(&first, None).map(Some)
        }
        Ok(false) => Ok(None),
        Err(error) => Err(error),
    };
    rows.line = first;
    rows.header = match read {
        Ok(Some(Ok(()))) => Columns::from_header(&rows.record, Some(rows.separator)),
        Ok(Some(Err(stray))) => Err(format!("the header cannot be read: {stray}")),
        Ok(None) => Err(
            "the file is empty: a return starts with a header row naming its \
             columns (participant, stage, date, and optionally evidence, cohort \
             and participant attributes)"
                .to_string(),
        ),
        Err(error) => {
            let reason = format!("cannot read the header: {error}");
            rows.io_error = Some(error);
            Err(reason)
        }
    };
    rows
}

/// The rows of a CSV return; see `csv`.
pub struct CsvRows<R: Read> {
    lines: Lines<io::BufReader<Decoded<R>>>,
    parser: ::csv_core::Reader,
    /// The separator between fields, as given or found in the header.
    separator: u8,
    /// The first line of the record being read, kept to be read into again.
    line: Vec<u8>,
    record: Record,
    header: Result<Columns, String>,
    /// Whether a header problem has been handed out as a `Malformed` row.
    reported: bool,
    /// The spreadsheet row number of the last record read.
    row: u64,
    /// How many rows were malformed for text that is not UTF-8.
    not_utf8: u64,
    io_error: Option<io::Error>,
}

impl<R: Read> CsvRows<R> {
    /// Why the header cannot be read as a return's header (a required column missing, a
    /// column named twice, an empty file), if it cannot. Such a file has no rows: the
    /// iterator yields one `Malformed` for row 1 with this reason, and then nothing.
    pub fn header_problem(&self) -> Option<&str> {
        self.header.as_ref().err().map(String::as_str)
    }

    /// The error that stopped reading early, if one did: the iterator ends at it, so the
    /// rows after it were never read.
    pub fn io_error(&self) -> Option<&io::Error> {
        self.io_error.as_ref()
    }

    /// How many rows so far were malformed because their text is not UTF-8 (so the file is
    /// most likely in another encoding).
    pub fn rows_not_utf8(&self) -> u64 {
        self.not_utf8
    }

    /// The separator between fields: given, or the one the header line uses.
    pub fn separator(&self) -> u8 {
        self.separator
    }

    /// Where each column is, when the header names the columns a return needs.
    pub(super) fn columns(&self) -> Option<&Columns> {
        self.header.as_ref().ok()
    }

    /// The attribute columns, by name in lower case, in the order of the header.
    pub fn attributes(&self) -> Vec<&str> {
        match &self.header {
            Ok(columns) => columns.attributes.iter().map(|(_, n)| n.as_str()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Read the next record into `self.record`, counting its spreadsheet row: one row for
    /// each line, except that a record over several lines (a quoted value holding line
    /// breaks) is one row. `None` at the end of the file; `Some(Err(why))` for a line whose
    /// quote is never closed, given as a row of its own (`width` is the number of fields a
    /// row must have, when known).
    fn read_record(&mut self, width: Option<usize>) -> io::Result<Option<Result<(), String>>> {
        // The line is read into a buffer kept from row to row: most rows are one line.
        let mut first = std::mem::take(&mut self.line);
        let read = self.read_first_line(&mut first);
        let result = match read {
            Ok(true) => self.read_rest(&first, width).map(Some),
            Ok(false) => Ok(None),
            Err(error) => Err(error),
        };
        self.line = first;
        result
    }

    /// Read into `line` the next line that is not blank, counting the rows it passes.
    fn read_first_line(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        loop {
            if !self.lines.next_into(line)? {
                return Ok(false);
            }
            self.row += 1;
            // A spreadsheet shows a blank line as a row; the CSV reader skips it.
            if !line.is_empty() {
                return Ok(true);
            }
        }
    }

    /// Parse the record that starts with the line `first`, reading on if a quote is open.
    fn read_rest(&mut self, first: &[u8], width: Option<usize>) -> io::Result<Result<(), String>> {
        self.parser.reset();
        self.record.clear();
        if self.record.feed(&mut self.parser, first) {
            return Ok(Ok(()));
        }
        // A quote is open at the end of the line: read on to close it, within bounds.
        let mut taken: Vec<Vec<u8>> = Vec::new();
        let mut bytes = first.len();
        while taken.len() + 1 < MAX_ROW_LINES && bytes <= MAX_LINE_BYTES {
            let mut line = Vec::new();
            if !self.lines.next_into(&mut line)? {
                break;
            }
            bytes += line.len() + 1;
            let closed = self.record.feed(&mut self.parser, &line);
            taken.push(line);
            if closed {
                let fits = width.is_none_or(|w| self.record.len() == w);
                if fits && quotes_close_cleanly(first, &taken, self.separator) {
                    return Ok(Ok(()));
                }
                break;
            }
        }
        // A stray quote: its line alone is the row; the lines read past it are read again.
        self.lines.give_back(taken);
        Ok(Err(stray_quote(first, width, self.separator)))
    }
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        let width = match &self.header {
            Ok(columns) => columns.width,
            Err(reason) => {
                if self.reported {
                    return None;
                }
                self.reported = true;
                return Some(Input::Malformed {
                    number: 1,
                    reason: reason.clone(),
                });
            }
        };
        if self.io_error.is_some() {
            return None;
        }
        loop {
            match self.read_record(Some(width)) {
                // A row of separators alone is a blank row, skipped as a blank line is.
                Ok(Some(Ok(()))) if blank_row(self.record.iter()) => {}
                Ok(Some(Ok(()))) => break,
                Ok(Some(Err(reason))) => {
                    return Some(Input::Malformed {
                        number: self.row,
                        reason,
                    })
                }
                Ok(None) => return None,
                Err(error) => {
                    self.io_error = Some(error);
                    return None;
                }
            }
        }
        match &self.header {
            Ok(columns) => {
                let input = columns.row(self.row, &self.record, self.separator);
                if let Input::Malformed { reason, .. } = &input {
                    self.not_utf8 += u64::from(reason.ends_with(NOT_UTF8));
                }
                Some(input)
            }
            Err(_) => None,
        }
    }
}

/// Whether the lines of a record, joined by line breaks, quote strictly: every quoted value
/// opens at the start of its field and its closing quote ends the field. The CSV reader
/// forgives text after a closing quote (`"ab"c` reads as `abc`); a record over several lines
/// that needs that forgiveness is a stray quote that happened to meet another.
fn quotes_close_cleanly(first: &[u8], rest: &[Vec<u8>], separator: u8) -> bool {
    let mut record = first.to_vec();
    for line in rest {
        record.push(b'\n');
        record.extend_from_slice(line);
    }
    let (mut quoted, mut at_start, mut closed) = (false, true, false);
    let mut i = 0;
    while i < record.len() {
        let b = record[i];
        if quoted {
            if b == b'"' {
                if record.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                    closed = true;
                }
            }
        } else if closed {
            if b != separator {
                return false;
            }
            closed = false;
            at_start = true;
        } else if b == separator {
            at_start = true;
        } else {
            quoted = b == b'"' && at_start;
            at_start = false;
        }
        i += 1;
    }
    !quoted
}

/// Why a line whose quote is never closed is not a row: where the quote is.
fn stray_quote(line: &[u8], width: Option<usize>, separator: u8) -> String {
    // The quote left open: the last that opens a quoted value (at the start of a field) and
    // is not closed on the line, found the way the CSV reader reads the line.
    let (mut field, mut opened, mut quoted, mut at_start) = (1, 0, false, true);
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if quoted {
            if b == b'"' {
                if line.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == separator {
            field += 1;
            at_start = true;
            i += 1;
            continue;
        } else if b == b'"' && at_start {
            quoted = true;
            opened = i;
        }
        at_start = false;
        i += 1;
    }
    let column = String::from_utf8_lossy(&line[..opened]).chars().count() + 1;
    let closes = match width {
        Some(w) => format!("into a row of {w} fields"),
        None => "on this line".to_string(),
    };
    format!(
        "a stray `\"` at column {column} (field {field}) opens a quoted value that never \
         closes {closes}, so the line is read alone (a `\"` inside a value needs the whole \
         value in double quotes, with the `\"` doubled)"
    )
}

/// One record as the CSV reader parsed it: its fields' bytes, one after the other, and where
/// each field ends.
#[derive(Debug)]
pub(super) struct Record {
    bytes: Vec<u8>,
    used: usize,
    ends: Vec<usize>,
    fields: usize,
}

impl Default for Record {
    fn default() -> Record {
        Record {
            bytes: vec![0; 1024],
            used: 0,
            ends: vec![0; 64],
            fields: 0,
        }
    }
}

impl Record {
    /// A record of the given fields (a spreadsheet row's cells as text).
    pub(super) fn from_fields<'a>(fields: impl Iterator<Item = &'a str>) -> Record {
        let mut record = Record {
            bytes: Vec::new(),
            used: 0,
            ends: Vec::new(),
            fields: 0,
        };
        for field in fields {
            record.bytes.extend_from_slice(field.as_bytes());
            record.ends.push(record.bytes.len());
            record.fields += 1;
        }
        record.used = record.bytes.len();
        record
    }

    pub(super) fn clear(&mut self) {
        self.used = 0;
        self.fields = 0;
    }

    fn len(&self) -> usize {
        self.fields
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends[..self.fields].iter().map(move |&end| {
            let field = &self.bytes[start..end];
            start = end;
            field
        })
    }

    /// Feed one line of the file (without its line break) to the parser, and the line break
    /// after it; whether that ends the record (or a quoted value is still open).
    pub(super) fn feed(&mut self, parser: &mut ::csv_core::Reader, line: &[u8]) -> bool {
        self.feed_bytes(parser, line) || self.feed_bytes(parser, b"\n")
    }

    fn feed_bytes(&mut self, parser: &mut ::csv_core::Reader, mut input: &[u8]) -> bool {
        use ::csv_core::ReadRecordResult;
        loop {
            let (result, read, written, ended) = parser.read_record(
                input,
                &mut self.bytes[self.used..],
                &mut self.ends[self.fields..],
            );
            input = &input[read..];
            self.used += written;
            self.fields += ended;
            match result {
                ReadRecordResult::InputEmpty => return false,
                ReadRecordResult::OutputFull => {
                    let grown = self.bytes.len() * 2;
                    self.bytes.resize(grown, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                ReadRecordResult::Record | ReadRecordResult::End => return true,
            }
        }
    }
}

/// The lines of a file, each at most `MAX_LINE_BYTES`, without their line breaks; lines
/// given back are read again first.
struct Lines<R> {
    reader: R,
    /// Whether a carriage return alone ends a line (as in CSV), besides `\n` and `\r\n`.
    lone_cr: bool,
    /// The line number of the last line read from `reader`.
    number: u64,
    given_back: std::collections::VecDeque<Vec<u8>>,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R, lone_cr: bool) -> Lines<R> {
        Lines {
            reader,
            lone_cr,
            number: 0,
            given_back: std::collections::VecDeque::new(),
        }
    }

    fn give_back(&mut self, lines: Vec<Vec<u8>>) {
        for line in lines.into_iter().rev() {
            self.given_back.push_front(line);
        }
    }

    /// Read the next line into `line`; false at the end of the file.
    fn next_into(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        if let Some(given_back) = self.given_back.pop_front() {
            *line = given_back;
            return Ok(true);
        }
        line.clear();
        self.number += 1;
        read_line(&mut self.reader, line, self.lone_cr).map_err(|error| match error.kind() {
            io::ErrorKind::FileTooLarge => io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {} MB, the most one line of a return may be: \
                         is this a monitoring return?",
                    self.number,
                    MAX_LINE_BYTES >> 20
                ),
            ),
            _ => error,
        })
    }
}

/// Read one line into `line`, without its line break (`\n`, `\r\n`, or with `lone_cr` a
/// `\r` alone); false at the end of the input. A line longer than `MAX_LINE_BYTES` is an
/// error of kind `FileTooLarge`, met having read no more than that.
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>, lone_cr: bool) -> io::Result<bool> {
    let mut any = false;
    let mut after_cr = false;
    loop {
        let (used, done) = {
            let available = match reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            };
            if available.is_empty() {
                return Ok(any);
            }
            if after_cr {
                // `\r\n` is one line break; a `\r` alone ended the line already.
                let used = usize::from(available[0] == b'\n');
                (used, true)
            } else {
                any = true;
                let end = available
                    .iter()
                    .position(|&b| b == b'\n' || lone_cr && b == b'\r');
                let content = end.unwrap_or(available.len());
                if line.len() + content > MAX_LINE_BYTES {
                    return Err(io::Error::from(io::ErrorKind::FileTooLarge));
                }
                line.extend_from_slice(&available[..content]);
                match end {
                    Some(i) if available[i] == b'\r' => {
                        after_cr = true;
                        (i + 1, false)
                    }
                    Some(i) => (i + 1, true),
                    None => (content, false),
                }
            }
        };
        reader.consume(used);
        if done {
            if !lone_cr && line.last() == Some(&b'\r') {
                line.pop();
            }
            return Ok(true);
        }
    }
}

/// Where each documented column is in the header.
#[derive(Debug, Clone)]
pub(super) struct Columns {
    pub(super) participant: usize,
    pub(super) stage: usize,
    pub(super) date: usize,
    pub(super) evidence: Option<usize>,
    pub(super) cohort: Option<usize>,
    /// Every other named column: its index and its name in lower case.
    pub(super) attributes: Vec<(usize, String)>,
    /// The number of fields every row must have.
    pub(super) width: usize,
}

impl Columns {
    /// The columns a header names; `separator` is the CSV separator it was read with, if
    /// it was read from CSV.
    pub(super) fn from_header(record: &Record, separator: Option<u8>) -> Result<Columns, String> {
        let mut names = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(name) => names.push(name.trim().to_lowercase()),
                Err(_) => {
                    return Err(format!(
                        "the header is not valid UTF-8 (column {}){NOT_UTF8}",
                        i + 1
                    ))
                }
            }
        }
        let mut found: [Option<usize>; 5] = [None; 5];
        let mut attributes = Vec::new();
        // Looked up once per column: a set, so a header of many columns reads in linear time.
        let mut seen: foldhash::HashSet<&str> = foldhash::HashSet::default();
        for (i, name) in names.iter().enumerate() {
            let slot = match name.as_str() {
                "" => continue,
                "participant" => Some(0),
                "stage" | "milestone" => Some(1),
                "date" => Some(2),
                "evidence" => Some(3),
                "cohort" => Some(4),
                _ => None,
            };
            if let Some(slot) = slot {
                if let Some(before) = found[slot] {
                    return Err(format!(
                        "the header has two `{}` columns: `{}` (column {}) and `{}` (column {})",
                        column_name(slot),
                        names[before],
                        before + 1,
                        name,
                        i + 1
                    ));
                }
                found[slot] = Some(i);
            } else {
                if !seen.insert(name.as_str()) {
                    return Err(format!("the header has two `{name}` columns"));
                }
                attributes.push((i, name.clone()));
            }
        }
        let missing: Vec<String> = (0..3)
            .filter(|&slot| found[slot].is_none())
            .map(|slot| format!("`{}`", column_name(slot)))
            .collect();
        let [Some(participant), Some(stage), Some(date), evidence, cohort] = found else {
            let shown: Vec<&str> = names.iter().map(String::as_str).collect();
            let read_as = match separator {
                Some(separator) => format!(
                    "this one, read as {}-separated, reads {} (`--separator` chooses \
                     comma, semicolon or tab)",
                    separator_name(separator),
                    first_of_header(&shown.join(&char::from(separator).to_string()))
                ),
                None => format!("this one reads {}", first_of_header(&shown.join("`, `"))),
            };
            return Err(format!(
                "the header has no {} column{}: a return's first row names its columns, \
                 at least {}; {read_as}",
                join_and(&missing),
                if missing.len() == 1 { "" } else { "s" },
                REQUIRED.join(", "),
            ));
        };
        Ok(Columns {
            participant,
            stage,
            date,
            evidence,
            cohort,
            attributes,
            width: record.len(),
        })
    }

    /// One record as a row, or why it is not one; `separator` is the CSV separator, or 0
    /// for a workbook's row.
    pub(super) fn row(&self, number: u64, record: &Record, separator: u8) -> Input {
        // A row's fields are looked at in place: a row of a few columns needs no allocation.
        let mut few = [""; 8];
        let mut many = Vec::new();
        let fields: &mut [&str] = match few.get_mut(..record.len()) {
            Some(few) => few,
            None => {
                many.resize(record.len(), "");
                &mut many
            }
        };
        if let Err(reason) = self.read(|| record.iter(), record.len(), separator, fields) {
            return Input::Malformed { number, reason };
        }
        let optional = |i: Option<usize>| {
            i.map(|i| fields[i])
                .filter(|text| !text.is_empty())
                .map(str::to_string)
        };
        Input::Row(Row {
            number,
            participant: fields[self.participant].to_string(),
            stage: fields[self.stage].to_string(),
            date: fields[self.date].to_string(),
            evidence: optional(self.evidence),
            cohort: optional(self.cohort),
            attributes: self
                .attributes
                .iter()
                .filter(|(i, _)| !fields[*i].is_empty())
                .map(|(i, name)| (name.clone(), fields[*i].to_string()))
                .collect(),
        })
    }

    /// The `count` fields `raw` gives (a record's, as read), each as text trimmed into
    /// `fields` (as long as `raw`), or why they are not a row.
    pub(super) fn read<'a, I: Iterator<Item = &'a [u8]>>(
        &self,
        raw: impl Fn() -> I,
        count: usize,
        separator: u8,
        fields: &mut [&'a str],
    ) -> Result<(), String> {
        self.read_fields(raw, count, separator, fields, |i, field| {
            std::str::from_utf8(field)
                .map_err(|_| format!("field {} is not valid UTF-8{NOT_UTF8}", i + 1))
        })
    }

    /// As `read`, for fields of a row already read as UTF-8 (a line of a return read whole,
    /// checked once rather than field by field).
    pub(super) fn read_text<'a, I: Iterator<Item = &'a str>>(
        &self,
        raw: impl Fn() -> I,
        count: usize,
        separator: u8,
        fields: &mut [&'a str],
    ) -> Result<(), String> {
        self.read_fields(raw, count, separator, fields, |_, field| Ok(field))
    }

    /// `read` and `read_text`, with `text` making each field text.
    fn read_fields<'a, T: AsRef<[u8]>, I: Iterator<Item = T>>(
        &self,
        raw: impl Fn() -> I,
        count: usize,
        separator: u8,
        fields: &mut [&'a str],
        text: impl Fn(usize, T) -> Result<&'a str, String>,
    ) -> Result<(), String> {
        if count != self.width {
            return Err(format!(
                "the row has {} field{}, the header has {}{}",
                count,
                if count == 1 { "" } else { "s" },
                self.width,
                if count > self.width {
                    match separator {
                        b',' => " (a comma in a value needs the value in double quotes)",
                        b';' => " (a semicolon in a value needs the value in double quotes)",
                        b'\t' => " (a tab in a value needs the value in double quotes)",
                        _ => "",
                    }
                } else {
                    ""
                }
            ));
        }
        for (i, field) in raw().enumerate() {
            fields[i] = super::trimmed(text(i, field)?);
        }
        let empty: Vec<String> = [
            (self.participant, "participant"),
            (self.stage, "stage"),
            (self.date, "date"),
        ]
        .iter()
        .filter(|(i, _)| fields[*i].is_empty())
        .map(|(_, name)| format!("`{name}`"))
        .collect();
        if !empty.is_empty() {
            return Err(format!(
                "the {} field{} empty",
                join_and(&empty),
                if empty.len() == 1 { " is" } else { "s are" }
            ));
        }
        Ok(())
    }
}

fn column_name(slot: usize) -> &'static str {
    ["participant", "stage", "date", "evidence", "cohort"][slot]
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A reader that stops with an error after `left` bytes: a file of measured values is a few
/// lines, and one without end (`/dev/zero`) must not fill memory.
struct Limited<R> {
    inner: R,
    left: usize,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the file is longer than {} MB: is it a file of measured values?",
                        MAX_LINE_BYTES >> 20
                    ),
                )),
            };
        }
        let wanted = buf.len().min(self.left);
        let n = self.inner.read(&mut buf[..wanted])?;
        self.left -= n;
        Ok(n)
    }
}

/// A reader that hands on a return's text as UTF-8: a UTF-8 byte order mark at the very start
/// is dropped; a UTF-16 one (little- or big-endian, as Excel's "Unicode text" is saved)
/// turns on decoding from UTF-16; without a mark, text in `fallback` (Windows-1252) is
/// decoded, and otherwise the bytes pass as they are (UTF-8 is checked field by field).
struct Decoded<R> {
    inner: R,
    fallback: Option<&'static encoding_rs::Encoding>,
    checked: bool,
    /// Bytes read while looking for the mark, not yet handed on (or decoded).
    pending: Vec<u8>,
    decoder: Option<encoding_rs::Decoder>,
    /// Decoded text not yet handed on, from `start`.
    out: Vec<u8>,
    start: usize,
    done: bool,
}

impl<R: Read> Decoded<R> {
    fn new(inner: R, fallback: Option<&'static encoding_rs::Encoding>) -> Decoded<R> {
        Decoded {
            inner,
            fallback,
            checked: false,
            pending: Vec::new(),
            decoder: None,
            out: Vec::new(),
            start: 0,
            done: false,
        }
    }

    /// Read the first bytes and choose how to decode by the byte order mark, if any.
    fn sniff(&mut self) -> io::Result<()> {
        let mut start = [0u8; 3];
        let got = read_start(&mut self.inner, &mut start)?;
        self.checked = true;
        let start = &start[..got];
        let (encoding, skip) = match encoding_rs::Encoding::for_bom(start) {
            Some((encoding, length)) => (Some(encoding), length),
            None => (self.fallback, 0),
        };
        self.pending = start[skip..].to_vec();
        self.decoder = encoding
            .filter(|e| *e != encoding_rs::UTF_8)
            .map(|e| e.new_decoder_without_bom_handling());
        Ok(())
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            self.sniff()?;
        }
        let Some(decoder) = &mut self.decoder else {
            if !self.pending.is_empty() {
                let n = self.pending.len().min(buf.len());
                buf[..n].copy_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                return Ok(n);
            }
            return self.inner.read(buf);
        };
        loop {
            if self.start < self.out.len() {
                let n = (self.out.len() - self.start).min(buf.len());
                buf[..n].copy_from_slice(&self.out[self.start..self.start + n]);
                self.start += n;
                return Ok(n);
            }
            if self.done {
                return Ok(0);
            }
            let mut raw = std::mem::take(&mut self.pending);
            if raw.is_empty() {
                raw.resize(1 << 15, 0);
                let n = loop {
                    match self.inner.read(&mut raw) {
                        Ok(n) => break n,
                        Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                        Err(error) => return Err(error),
                    }
                };
                raw.truncate(n);
            }
            let last = raw.is_empty();
            self.done = last;
            // Room for all of it: every decoder here writes at most 3 bytes per byte read.
            let room = decoder
                .max_utf8_buffer_length(raw.len())
                .unwrap_or(raw.len() * 3 + 16);
            self.out.clear();
            self.out.resize(room, 0);
            self.start = 0;
            // Malformed text (half a UTF-16 pair) becomes U+FFFD: the row is kept, and shows it.
            let (_, _, written, _) = decoder.decode_to_utf8(&raw, &mut self.out, last);
            self.out.truncate(written);
        }
    }
}

/// A reader that drops a UTF-8 byte order mark at the very start, so that the first header
/// name (even a quoted one) reads as written.
struct SkipBom<R> {
    inner: R,
    /// Bytes read while looking for the mark that turned out not to be one.
    pending: Vec<u8>,
    checked: bool,
}

impl<R: Read> SkipBom<R> {
    fn new(inner: R) -> SkipBom<R> {
        SkipBom {
            inner,
            pending: Vec::new(),
            checked: false,
        }
    }
}

/// Fill `start` from `reader` as far as the input goes (a byte order mark may arrive in
/// pieces); how many bytes were read.
fn read_start(reader: &mut impl Read, start: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < start.len() {
        match reader.read(&mut start[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(got)
}

impl<R: Read> Read for SkipBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            let mut start = [0u8; 3];
            let got = read_start(&mut self.inner, &mut start)?;
            self.checked = true;
            if start[..got] != *BOM {
                self.pending = start[..got].to_vec();
            }
        }
        if !self.pending.is_empty() {
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

// ---------------------------------------------------------------------------------------------
// Dates

/// How the dates of a return are written, when a person says (`--date-format`). ISO dates
/// (`2009-05-14`) are read whatever is said; a date with slashes or dots only as said, since
/// `04/05/2009` is the 4th of May in the United Kingdom and the 5th of April in the United
/// States.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFormat {
    /// `2009-05-14` only.
    YearMonthDay,
    /// `14/05/2009`, as Excel writes dates in the United Kingdom.
    DayMonthYear,
    /// `05/14/2009`, as Excel writes dates in the United States.
    MonthDayYear,
    /// `14.05.2009`, as Excel writes dates in Germany.
    DayMonthYearDots,
}

/// A date and the time of day written after it, if any: the text up to the first space or
/// `T`, and what follows that (`2009-04-06 0:00:00`, as a spreadsheet saves a date-time cell
/// in CSV, is `2009-04-06` and `0:00:00`). The time is not yet known to be one.
pub fn date_and_time(text: &str) -> (&str, Option<&str>) {
    match text.find([' ', 'T']) {
        Some(i) => (&text[..i], Some(text[i + 1..].trim_start())),
        None => (text, None),
    }
}

/// Whether `text` is a time of day: `H:MM` or `HH:MM`, then perhaps `:SS` and then perhaps a
/// fraction of a second (`.250`), the hour 0 to 23 and the minutes and seconds 0 to 59; then
/// perhaps a time zone (`Z`, `+01:00`, `-0500`, `+01`), as databases and ISO 8601 write one.
/// Or the same on a 12-hour clock, the hour 1 to 12, then `AM` or `PM` in either case, with
/// or without a space before it (`2:30 PM`, `02:30:00pm`), as Excel in the United States
/// saves a date-time cell. The time is only checked: the day is the date written before it,
/// which a time zone does not move.
pub fn is_time_of_day(text: &str) -> bool {
    let bytes = text.as_bytes();
    let meridiem = bytes.len() >= 2
        && matches!(bytes[bytes.len() - 2].to_ascii_lowercase(), b'a' | b'p')
        && bytes[bytes.len() - 1].eq_ignore_ascii_case(&b'm');
    if meridiem {
        let clock = text[..text.len() - 2].trim_end_matches(' ');
        return clock_reads(clock, 12)
            && clock
                .split(':')
                .next()
                .is_some_and(|h| h.parse::<u32>().is_ok_and(|h| h >= 1));
    }
    clock_reads(without_zone(text), 23)
}

/// `text` without a time zone after its clock (`Z`, or a sign then hours 0 to 14 and perhaps
/// minutes, with or without a colon), or all of it where there is none that reads.
fn without_zone(text: &str) -> &str {
    if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        return clock;
    }
    let Some(sign) = text.rfind(['+', '-']) else {
        return text;
    };
    let (clock, zone) = (&text[..sign], &text[sign + 1..]);
    let digits = |t: &str| t.len() == 2 && t.bytes().all(|b| b.is_ascii_digit());
    let (hours, minutes) = match zone.split_once(':') {
        Some((hours, minutes)) => (hours, Some(minutes)),
        None if zone.len() == 4 => (&zone[..2], Some(&zone[2..])),
        None => (zone, None),
    };
    let reads = digits(hours)
        && hours.parse::<u32>().is_ok_and(|h| h <= 14)
        && minutes.is_none_or(|m| digits(m) && m.parse::<u32>().is_ok_and(|m| m <= 59));
    if reads {
        clock
    } else {
        text
    }
}

/// Whether `text` is a clock, `H:MM` or `HH:MM`, then perhaps `:SS` and a fraction of a second,
/// the hour at most `most_hours` and the minutes and seconds 0 to 59.
fn clock_reads(text: &str, most_hours: u32) -> bool {
    let number = |t: &str, least: usize, most: u32| {
        (least..=2).contains(&t.len())
            && t.bytes().all(|b| b.is_ascii_digit())
            && t.parse::<u32>().is_ok_and(|n| n <= most)
    };
    let (clock, fraction) = match text.split_once('.') {
        Some((clock, fraction)) => (clock, Some(fraction)),
        None => (text, None),
    };
    let mut parts = clock.split(':');
    let (Some(hours), Some(minutes)) = (parts.next(), parts.next()) else {
        return false;
    };
    let seconds = parts.next();
    parts.next().is_none()
        && number(hours, 1, most_hours)
        && minutes.len() == 2
        && number(minutes, 2, 59)
        && seconds.is_none_or(|s| number(s, 2, 59))
        && fraction.is_none_or(|f| {
            seconds.is_some() && !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit())
        })
}

/// The day, month and year of a date written with `mark` between them (`14/05/2009`,
/// `4/5/2009`, `14.05.2009`), if it is one: each number read as written, not yet known to be
/// a day or a month.
fn day_month_year(text: &str, mark: char) -> Option<(u32, u32, &str)> {
    let mut parts = text.split(mark);
    let (a, b, year) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |t: &str, most: usize| {
        !t.is_empty() && t.len() <= most && t.bytes().all(|b| b.is_ascii_digit())
    };
    if parts.next().is_some() || !digits(a, 2) || !digits(b, 2) || !digits(year, 4) {
        return None;
    }
    if year.len() != 4 {
        return None;
    }
    Some((a.parse().ok()?, b.parse().ok()?, year))
}

/// Whether a date is written with slashes, day and month in some order (`14/05/2009`), with
/// or without a time of day after it.
pub fn is_slashed_date(text: &str) -> bool {
    day_month_year(date_and_time(text.trim()).0, '/').is_some()
}

/// Whether a date is written with dots, day first (`14.05.2009`), with or without a time of
/// day after it.
pub fn is_dotted_date(text: &str) -> bool {
    day_month_year(date_and_time(text.trim()).0, '.').is_some()
}

/// A date written with slashes or dots in `format`, as an ISO date (`14/05/2009` →
/// `2009-05-14`), any time of day after it kept as written (`14/05/2009 10:15` →
/// `2009-05-14 10:15`, for the engine to check); `None` for any other text, or one whose
/// month is not 1 to 12 or day not 1 to 31 (whether the day is in the month is the engine's
/// to check).
pub fn iso_date(text: &str, format: DateFormat) -> Option<String> {
    let text = text.trim();
    let (date, _) = date_and_time(text);
    let mark = match format {
        DateFormat::YearMonthDay => return None,
        DateFormat::DayMonthYear | DateFormat::MonthDayYear => '/',
        DateFormat::DayMonthYearDots => '.',
    };
    let (a, b, year) = day_month_year(date, mark)?;
    let (day, month) = match format {
        DateFormat::MonthDayYear => (b, a),
        _ => (a, b),
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(format!("{year}-{month:02}-{day:02}{}", &text[date.len()..]))
}

/// The day a date written `YYYY-MM-DD` is, perhaps with a time of day after it (a space or
/// `T`, then `H:MM` or `HH:MM[:SS[.fff]]`, which is left out); `None` for anything else.
pub fn day_of(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() > 10 {
        if !matches!(bytes[10], b' ' | b'T') || !is_time_of_day(text[11..].trim_start()) {
            return None;
        }
        return day_of(&text[..10]);
    }
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    // Most dates are eight digits: read in place. Other forms (a sign, as Rust reads a
    // number) are read below.
    let digit = |at: usize| {
        let d = bytes[at].wrapping_sub(b'0');
        (d < 10).then_some(u32::from(d))
    };
    if let (Some(y0), Some(y1), Some(y2), Some(y3), Some(m0), Some(m1), Some(d0), Some(d1)) = (
        digit(0),
        digit(1),
        digit(2),
        digit(3),
        digit(5),
        digit(6),
        digit(8),
        digit(9),
    ) {
        let year = ((y0 * 10 + y1) * 10 + y2) * 10 + y3;
        return Date::new(year as i32, m0 * 10 + m1, d0 * 10 + d1);
    }
    numbers_of_date(text)
}

/// `YYYY-MM-DD` (ten bytes, dashes in place) read as three numbers as Rust reads them: a sign
/// before the year's three digits, or a `+` before a month's or a day's one, is allowed, as
/// the compiled SQL allows it (`sql::rows`).
fn numbers_of_date(text: &str) -> Option<Date> {
    let year = text.get(0..4)?.parse().ok()?;
    let month = text.get(5..7)?.parse().ok()?;
    let day = text.get(8..10)?.parse().ok()?;
    Date::new(year, month, day)
}

/// The day an Excel date serial number is (in the 1900 date system, as Excel on Windows
/// counts), if `text` looks like one: five digits (1927 to 2173), perhaps with a fraction of
/// a day (a time). A date column left in the General or Number format is saved in CSV so.
fn excel_serial(text: &str) -> Option<Date> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
    if whole.len() != 5
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.is_empty()
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    // Day 1 is 1900-01-01, counting a 29 February 1900 that never was: from day 61 on, the
    // day is this many days after 1899-12-30.
    let serial: i64 = whole.parse().ok()?;
    Some(Date::from_day_number(
        Date::new(1899, 12, 30)?.day_number() + serial,
    ))
}

/// Why the text of a date column (trimmed) is not a date (`day_of` refused it), with what to
/// do about it when that can be told: a time of day that is not one, an Excel date serial
/// number, a date with slashes or dots read only with `--date-format`.
pub fn not_a_date(text: &str) -> String {
    const SHAPE: &str = "dates are written year-month-day, such as 2026-05-14";
    let (date, time) = date_and_time(text);
    if let Some(time) = time.filter(|time| !is_time_of_day(time)) {
        if day_of(date).is_some() || is_slashed_date(date) || is_dotted_date(date) {
            return format!(
                "`{text}` is not a date: `{time}` after the date is not a time of day (the \
                 hour 0 to 23, minutes and seconds 0 to 59, such as 14:30, 14:30:00 or \
                 14:30:00+01:00, or 1 to 12 then AM or PM, such as 2:30 PM)"
            );
        }
    }
    if let Some(day) = excel_serial(text) {
        return format!(
            "`{text}` is not a date: it looks like an Excel date serial number (Excel's day \
             number for {day}), as a date column in the General or Number format is saved; \
             format the column as a date in the spreadsheet (Format Cells, Date) and save \
             it again"
        );
    }
    let hint = if is_slashed_date(text) {
        " (a date written day/month/year or month/day/year is read with \
         `--date-format dd/mm/yyyy` or `--date-format mm/dd/yyyy`, and must then be a real \
         day in that order)"
    } else if is_dotted_date(text) {
        " (a date written day.month.year is read with `--date-format dd.mm.yyyy`, and must \
         then be a real day)"
    } else {
        ""
    };
    format!("`{text}` is not a date: {SHAPE}{hint}")
}

/// The rows of a return with their dates read as `format` says: a date with slashes or dots
/// that fits it becomes an ISO date; every other date is left as written, for the engine to
/// accept or reject.
pub struct Dates<I> {
    rows: I,
    format: Option<DateFormat>,
    /// Inputs read ahead by `first_date`, handed on first.
    ahead: std::collections::VecDeque<Input>,
}

/// Read the dates of `rows` as `format` says (see `Dates`).
pub fn dates<I: Iterator<Item = Input>>(rows: I, format: Option<DateFormat>) -> Dates<I> {
    Dates {
        rows,
        format,
        ahead: std::collections::VecDeque::new(),
    }
}

/// How far `Dates::first_date` looks for a row: past this many unreadable lines it gives up.
const LOOK_AHEAD: usize = 1000;

impl<I: Iterator<Item = Input>> Dates<I> {
    /// The first row's number and date as written, reading ahead as far as the first row
    /// (the inputs read stay to be handed on).
    pub fn first_date(&mut self) -> Option<(u64, String)> {
        while self.ahead.len() < LOOK_AHEAD {
            if let Some(Input::Row(row)) = self.ahead.back() {
                return Some((row.number, row.date.clone()));
            }
            self.ahead.push_back(self.rows.next()?);
        }
        None
    }

    fn read(&self, mut input: Input) -> Input {
        if let (Input::Row(row), Some(format)) = (&mut input, self.format) {
            if let Some(iso) = iso_date(&row.date, format) {
                row.date = iso;
            }
        }
        input
    }
}

impl<I: Iterator<Item = Input>> Iterator for Dates<I> {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        let input = match self.ahead.pop_front() {
            Some(input) => input,
            None => self.rows.next()?,
        };
        Some(self.read(input))
    }
}

// ---------------------------------------------------------------------------------------------
// JSON Lines

/// Stream the rows of a JSON Lines return: one object per line, with the members a CSV
/// return has as columns. Blank lines are skipped; a line that is not such an object is
/// `Malformed` with its line number. Values are taken as written: a number is its text
/// (`17`, `1e3`, `18446744073709551616`), never a rounded binary value, so two references
/// written differently stay two references. A line longer than `MAX_LINE_BYTES` stops the
/// reading (`io_error`).
pub fn json_lines<R: BufRead>(reader: R) -> JsonLines<R> {
    JsonLines {
        lines: Lines::new(reader, false),
        line: 0,
        buffer: Vec::new(),
        io_error: None,
    }
}

/// The rows of a JSON Lines return; see `json_lines`.
pub struct JsonLines<R> {
    lines: Lines<R>,
    line: u64,
    buffer: Vec<u8>,
    io_error: Option<io::Error>,
}

impl<R> JsonLines<R> {
    /// The error that stopped reading early, if one did.
    pub fn io_error(&self) -> Option<&io::Error> {
        self.io_error.as_ref()
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Input;

    fn next(&mut self) -> Option<Input> {
        if self.io_error.is_some() {
            return None;
        }
        loop {
            match self.lines.next_into(&mut self.buffer) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(error) => {
                    self.io_error = Some(error);
                    return None;
                }
            }
            self.line += 1;
            let mut bytes = self.buffer.as_slice();
            if self.line == 1 {
                bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
            }
            if bytes.trim_ascii().is_empty() {
                continue;
            }
            return Some(json_row(self.line, bytes));
        }
    }
}

/// The kinds of JSON value, told by their first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonKind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl JsonKind {
    /// The kind of a JSON value as written (already known to be JSON).
    fn of(raw: &serde_json::value::RawValue) -> JsonKind {
        match raw.get().trim_start().as_bytes().first() {
            Some(b'n') => JsonKind::Null,
            Some(b't' | b'f') => JsonKind::Boolean,
            Some(b'"') => JsonKind::String,
            Some(b'[') => JsonKind::Array,
            Some(b'{') => JsonKind::Object,
            _ => JsonKind::Number,
        }
    }

    fn words(self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Boolean => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        }
    }
}

fn json_row(number: u64, bytes: &[u8]) -> Input {
    use serde_json::value::RawValue;
    let malformed = |reason: String| Input::Malformed { number, reason };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return malformed("the line is not valid UTF-8; save the file as UTF-8".to_string());
    };
    let value: &RawValue = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(error) => return malformed(format!("the line is not JSON: {error}")),
    };
    let kind = JsonKind::of(value);
    if kind != JsonKind::Object {
        return malformed(format!("the line is {}, not a JSON object", kind.words()));
    }
    // Members in the order of their names, as a JSON object is read everywhere else.
    let object: std::collections::BTreeMap<String, &RawValue> =
        match serde_json::from_str(value.get()) {
            Ok(object) => object,
            Err(error) => return malformed(format!("the line is not JSON: {error}")),
        };
    let mut row = Row {
        number,
        ..Row::default()
    };
    let mut stage_key: Option<String> = None;
    for (key, value) in &object {
        let name = key.trim().to_lowercase();
        let kind = JsonKind::of(value);
        let text = match kind {
            JsonKind::String => serde_json::from_str::<String>(value.get())
                .ok()
                .map(|s| s.trim().to_string()),
            // As written: the exact text, never a rounded binary number.
            JsonKind::Number | JsonKind::Boolean => Some(value.get().trim().to_string()),
            JsonKind::Null => None,
            JsonKind::Array | JsonKind::Object => {
                return malformed(format!(
                    "`{key}` is {}; a value must be a string or a number",
                    kind.words()
                ))
            }
        };
        let text = text.filter(|t| !t.is_empty());
        match name.as_str() {
            "participant" => row.participant = text.unwrap_or_default(),
            "stage" | "milestone" => {
                if let Some(before) = &stage_key {
                    return malformed(format!("the line gives both `{before}` and `{key}`"));
                }
                stage_key = Some(key.clone());
                row.stage = text.unwrap_or_default();
            }
            "date" => {
                if !matches!(kind, JsonKind::String | JsonKind::Null) {
                    return malformed(format!(
                        "`date` is {}; write it as a string, \"2009-05-14\"",
                        kind.words()
                    ));
                }
                row.date = text.unwrap_or_default();
            }
            "evidence" => row.evidence = text,
            "cohort" => row.cohort = text,
            "" => {}
            _ => {
                if let Some(text) = text {
                    row.attributes.push((name, text));
                }
            }
        }
    }
    let empty: Vec<String> = [
        (row.participant.is_empty(), "participant"),
        (row.stage.is_empty(), "stage"),
        (row.date.is_empty(), "date"),
    ]
    .iter()
    .filter(|(empty, _)| *empty)
    .map(|(_, name)| format!("`{name}`"))
    .collect();
    if !empty.is_empty() {
        return malformed(format!("no {} given", join_and(&empty)));
    }
    Input::Row(row)
}

// ---------------------------------------------------------------------------------------------
// Measured values

/// Read measured values from a small CSV file with the columns `measure`, `cohort` (empty:
/// all cohorts pooled), `year` (the contract year, from 1), `treatment` and `comparison`
/// (empty, or no such column, when the measure has no comparison group). Values are plain
/// decimals (`41.5`); a `%` after one is allowed and ignored. Each value comes with its row
/// number. The first problem found is the error, with its row number. Whether the values fit
/// the contract is `check_measured`'s to say.
pub fn measured_csv(reader: impl Read) -> Result<Vec<(u64, Measured)>, String> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(SkipBom::new(Limited {
            inner: reader,
            left: MAX_LINE_BYTES,
        }));
    let mut records = reader.byte_records();
    let header = match records.next() {
        None => return Err("the file is empty: it needs a header row naming the columns measure, cohort, year, treatment and comparison".to_string()),
        Some(Err(error)) => return Err(format!("cannot read the file: {error}")),
        Some(Ok(header)) => header,
    };
    let names: Vec<String> = header
        .iter()
        .map(|field| String::from_utf8_lossy(field).trim().to_lowercase())
        .collect();
    let find = |name: &str| names.iter().position(|n| n == name);
    let (Some(measure), Some(year), Some(treatment)) =
        (find("measure"), find("year"), find("treatment"))
    else {
        let missing: Vec<String> = ["measure", "year", "treatment"]
            .iter()
            .filter(|name| find(name).is_none())
            .map(|name| format!("`{name}`"))
            .collect();
        return Err(format!(
            "row 1: the header has no {} column{}; the columns are measure, cohort, year, \
             treatment and comparison",
            join_and(&missing),
            if missing.len() == 1 { "" } else { "s" }
        ));
    };
    let (cohort, comparison) = (find("cohort"), find("comparison"));
    let mut values = Vec::new();
    let mut row = 1;
    for record in records {
        row += 1;
        let record = record.map_err(|error| format!("row {row}: cannot read it: {error}"))?;
        let fields: Vec<&str> = record
            .iter()
            .map(|field| std::str::from_utf8(field).map(str::trim))
            .collect::<Result<_, _>>()
            .map_err(|_| format!("row {row}: not valid UTF-8"))?;
        if fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        if fields.len() != names.len() {
            return Err(format!(
                "row {row}: {} fields, the header has {}",
                fields.len(),
                names.len()
            ));
        }
        let field = |i: Option<usize>| i.map(|i| fields[i]).filter(|f| !f.is_empty());
        let name = field(Some(measure)).ok_or_else(|| format!("row {row}: no measure"))?;
        let year_text = field(Some(year)).ok_or_else(|| format!("row {row}: no year"))?;
        let year = contract_year(year_text).map_err(|why| format!("row {row}: {why}"))?;
        let treatment_text =
            field(Some(treatment)).ok_or_else(|| format!("row {row}: no treatment value"))?;
        values.push((
            row,
            Measured {
                measure: name.to_string(),
                cohort: field(cohort).map(str::to_string),
                year,
                treatment: decimal(treatment_text).map_err(|why| format!("row {row}: {why}"))?,
                comparison: field(comparison)
                    .map(decimal)
                    .transpose()
                    .map_err(|why| format!("row {row}: {why}"))?,
            },
        ));
    }
    Ok(values)
}

/// Check measured values against the contract, each with where it was given (`row 3 of
/// \`measures.csv\``, `\`--measure rate:1=40\``), so that no value is silently ignored or
/// misread: the measure and the cohort are the contract's, the year is within the term, a
/// measure `compared with` a group has a comparison value (a non-zero one: an improvement on
/// a comparison of 0 is undefined) and any other measure has none, and no measure, cohort and
/// year is given twice. The first problem found is the error, starting with where it is.
pub fn check_measured(contract: &Contract, values: &[(String, Measured)]) -> Result<(), String> {
    let years = contract_years(contract);
    let mut seen: HashMap<(&str, Option<&str>, u32), &str> = HashMap::default();
    for (place, value) in values {
        let fail = |why: String| Err(format!("{place}: {why}"));
        let hint = |wanted: &str, known: Vec<&str>| {
            crate::diagnostic::did_you_mean(wanted, known)
                .map_or(String::new(), |h| format!("; {h}"))
        };
        let Some(measure) = contract.measure(&value.measure) else {
            let known: Vec<&str> = contract.measures.iter().map(|m| m.id.as_str()).collect();
            return fail(format!(
                "`{}` is not a measure of this contract{}",
                value.measure,
                hint(&value.measure, known)
            ));
        };
        if let Some(cohort) = &value.cohort {
            if !contract.cohorts.iter().any(|c| c.id == *cohort) {
                let known: Vec<&str> = contract.cohorts.iter().map(|c| c.id.as_str()).collect();
                return fail(format!(
                    "`{cohort}` is not a cohort of this contract{}; leave the cohort out for \
                     all cohorts pooled",
                    hint(cohort, known)
                ));
            }
        }
        if value.year > years {
            return fail(format!(
                "year {} is after the term, which has {years} contract year{}",
                value.year,
                if years == 1 { "" } else { "s" }
            ));
        }
        match (&measure.compared_with, value.comparison) {
            (Some(group), None) => {
                return fail(format!(
                    "`{}` is compared with {group}: give the comparison group's value after the \
                     treatment value, such as 41.5/46",
                    measure.id
                ))
            }
            (Some(_), Some(comparison)) if comparison.mantissa == 0 => {
                return fail(format!(
                    "the comparison value is 0: the improvement on a comparison of 0 is \
                     undefined, so `{}` cannot be assessed against it",
                    measure.id
                ))
            }
            (None, Some(comparison)) => {
                return fail(format!(
                    "`{}` is not compared with a group, so it takes no comparison value (`{comparison}` given)",
                    measure.id
                ))
            }
            _ => {}
        }
        let key = (value.measure.as_str(), value.cohort.as_deref(), value.year);
        if let Some(first) = seen.insert(key, place.as_str()) {
            let whom = value
                .cohort
                .as_ref()
                .map_or("all cohorts pooled".to_string(), |c| {
                    format!("cohort `{c}`")
                });
            return fail(format!(
                "`{}` for {whom} in year {} is given twice; {first} gave it first",
                value.measure, value.year
            ));
        }
    }
    Ok(())
}

/// How many contract years the term has: twelve-month periods from its start, the last
/// perhaps shorter.
fn contract_years(contract: &Contract) -> u32 {
    let mut years = 1;
    while contract.term.start.add_months(12 * years) <= contract.term.end {
        years += 1;
    }
    years
}

/// A measured value from the command line: `NAME[@COHORT]:YEAR=VALUE[/COMPARISON]`, for
/// example `reconviction_rate@adults:1=41.5%/46%`.
pub fn measured_arg(text: &str) -> Result<Measured, String> {
    let shape =
        "write NAME[@COHORT]:YEAR=VALUE[/COMPARISON], such as `reconviction_rate:1=41.5/46`";
    let (target, values) = text
        .split_once('=')
        .ok_or_else(|| format!("no `=` in `{text}`: {shape}"))?;
    let (name, year) = target
        .rsplit_once(':')
        .ok_or_else(|| format!("no `:YEAR` in `{text}`: {shape}"))?;
    let (measure, cohort) = match name.split_once('@') {
        Some((measure, cohort)) => (measure.trim(), Some(cohort.trim())),
        None => (name.trim(), None),
    };
    if measure.is_empty() || cohort.is_some_and(str::is_empty) {
        return Err(format!("no measure name in `{text}`: {shape}"));
    }
    let (treatment, comparison) = match values.split_once('/') {
        Some((treatment, comparison)) => (treatment, Some(comparison)),
        None => (values, None),
    };
    Ok(Measured {
        measure: measure.to_string(),
        cohort: cohort.map(str::to_string),
        year: contract_year(year.trim())?,
        treatment: decimal(treatment)?,
        comparison: comparison.map(decimal).transpose()?,
    })
}

/// A contract year: a whole number from 1.
fn contract_year(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(year) if year >= 1 => Ok(year),
        _ => Err(format!(
            "`{text}` is not a contract year: write 1 for the first twelve months of the term, 2 for the next"
        )),
    }
}

/// The most whole digits and decimal places a measured value may have: those of a number in
/// a contract, so that every comparison with a threshold, and the improvement on a comparison
/// group, is computed exactly.
const MEASURED_WHOLE_DIGITS: usize = 12;

/// A plain decimal as written: `41.5`, `-3`, `7.25%` (the `%` is ignored). At most twelve
/// whole digits and six decimal places; a value beyond them is refused, never rounded.
pub fn decimal(text: &str) -> Result<Decimal, String> {
    let trimmed = text.trim();
    let number = trimmed.strip_suffix('%').unwrap_or(trimmed).trim_end();
    let not = || format!("`{trimmed}` is not a number: write a plain decimal such as 41.5");
    let (negative, digits) = match number.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, number.strip_prefix('+').unwrap_or(number)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || digits.ends_with('.')
    {
        return Err(not());
    }
    if whole.trim_start_matches('0').len() > MEASURED_WHOLE_DIGITS {
        return Err(format!(
            "`{trimmed}` is too large to compare exactly: a measured value may have at most twelve digits before the decimal point, as a number in a contract may"
        ));
    }
    if fraction.len() > Decimal::MAX_SCALE as usize {
        return Err(format!(
            "`{trimmed}` is too precise to compare exactly: a measured value may have at most {} decimal places, as a number in a contract may",
            Decimal::MAX_SCALE
        ));
    }
    let mut mantissa: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(b - b'0')))
            .ok_or_else(not)?;
    }
    Ok(Decimal {
        mantissa: if negative { -mantissa } else { mantissa },
        scale: fraction.len() as u32,
    })
}

/// A date written `YYYY-MM-DD` that is a real day.
pub fn date(text: &str) -> Result<Date, String> {
    let text = text.trim();
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(format!(
            "`{text}` is not a date: write year-month-day, such as 2009-05-14"
        ));
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    Date::new(number(0..4) as i32, number(5..7), number(8..10))
        .ok_or_else(|| format!("`{text}` is not a date: there is no such day"))
}

/// A header as a message quotes it: escaped, in backquotes, and only its first 120
/// characters when longer, so that a header of megabytes (a binary file, data with no line
/// ends) is not printed whole into a terminal or a CI log.
fn first_of_header(header: &str) -> String {
    const SHOWN: usize = 120;
    match header.char_indices().nth(SHOWN) {
        None => format!("`{}`", header.escape_debug()),
        Some((end, _)) => format!(
            "`{}…` (and {} characters more)",
            header[..end].escape_debug(),
            header[end..].chars().count()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<Input> {
        csv(text.as_bytes()).collect()
    }

    fn row(input: &Input) -> &Row {
        match input {
            Input::Row(row) => row,
            Input::Malformed { number, reason } => panic!("row {number} malformed: {reason}"),
        }
    }

    fn malformed(input: &Input) -> (u64, &str) {
        match input {
            Input::Malformed { number, reason } => (*number, reason),
            Input::Row(row) => panic!("row {} was read: {row:?}", row.number),
        }
    }

    #[test]
    fn rows_are_read_with_their_spreadsheet_numbers() {
        let rows = read(
            "participant,stage,date,evidence,cohort,age_at_start\n\
             P1,enrol,2009-04-02,,adults,34\n\
             P1,attend,2009-04-09,EV-1,,\n",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(
            row(&rows[0]),
            &Row {
                number: 2,
                participant: "P1".into(),
                stage: "enrol".into(),
                date: "2009-04-02".into(),
                evidence: None,
                cohort: Some("adults".into()),
                attributes: vec![("age_at_start".into(), "34".into())],
            }
        );
        let second = row(&rows[1]);
        assert_eq!(second.number, 3);
        assert_eq!(second.evidence.as_deref(), Some("EV-1"));
        assert_eq!(second.cohort, None);
        assert!(second.attributes.is_empty());
    }

    #[test]
    fn header_names_ignore_case_and_spaces_and_milestone_means_stage() {
        let rows = read(" Participant ,MILESTONE,Date, Age_At_Start\nP1,enrol,2009-04-02,17\n");
        let r = row(&rows[0]);
        assert_eq!(r.stage, "enrol");
        assert_eq!(r.attributes, vec![("age_at_start".into(), "17".into())]);
    }

    #[test]
    fn columns_may_come_in_any_order() {
        let rows = read("date,stage,participant\n2009-04-02,enrol,P1\n");
        let r = row(&rows[0]);
        assert_eq!((r.participant.as_str(), r.stage.as_str()), ("P1", "enrol"));
    }

    #[test]
    fn a_missing_column_is_one_problem_for_the_whole_file() {
        let rows =
            csv("participant,stage,when\nP1,enrol,2009-04-02\nP2,enrol,2009-04-03\n".as_bytes());
        let problem = rows.header_problem().unwrap().to_string();
        assert!(problem.contains("no `date` column"), "{problem}");
        assert!(problem.contains("participant,stage,when"), "{problem}");
        let rows: Vec<Input> = rows.collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(malformed(&rows[0]), (1, problem.as_str()));

        let rows = csv("P1,enrol,2009-04-02\n".as_bytes());
        let problem = rows.header_problem().unwrap();
        assert!(
            problem.contains("no `participant`, `stage` and `date` columns"),
            "{problem}"
        );
    }

    #[test]
    fn an_empty_file_and_a_column_named_twice_are_header_problems() {
        assert!(csv("".as_bytes())
            .header_problem()
            .unwrap()
            .contains("empty"));
        let problem = csv("participant,stage,milestone,date\n".as_bytes())
            .header_problem()
            .map(str::to_string)
            .unwrap();
        assert!(problem.contains("two `stage` columns"), "{problem}");
        assert!(csv("participant,stage,date,x,X\n".as_bytes())
            .header_problem()
            .unwrap()
            .contains("two `x` columns"));
    }

    #[test]
    fn a_row_with_the_wrong_number_of_fields_is_malformed_and_reading_goes_on() {
        let rows = read(
            "participant,stage,date\n\
             P1,enrol,2009-04-02,extra\n\
             P2,enrol\n\
             P3,enrol,2009-04-03\n",
        );
        assert_eq!(rows.len(), 3);
        let (number, reason) = malformed(&rows[0]);
        assert_eq!(number, 2);
        assert!(reason.contains("4 fields, the header has 3"), "{reason}");
        assert!(reason.contains("double quotes"), "{reason}");
        assert_eq!(malformed(&rows[1]).0, 3);
        assert_eq!(row(&rows[2]).number, 4);
    }

    #[test]
    fn an_empty_required_field_is_malformed() {
        let rows = read("participant,stage,date\nP1,,\n");
        let (number, reason) = malformed(&rows[0]);
        assert_eq!(number, 2);
        assert_eq!(reason, "the `stage` and `date` fields are empty");
    }

    #[test]
    fn quoted_fields_may_hold_commas_quotes_and_newlines() {
        let rows = read(
            "participant,stage,date,evidence\n\
             P1,enrol,2009-04-02,\"letter, signed\"\n\
             P1,attend,2009-04-09,\"register\nline two\"\n\
             P1,\"drug_free\",2009-04-30,\"said \"\"yes\"\"\"\n",
        );
        assert_eq!(row(&rows[0]).evidence.as_deref(), Some("letter, signed"));
        assert_eq!(
            row(&rows[1]).evidence.as_deref(),
            Some("register\nline two")
        );
        // The record over two lines is one spreadsheet row: the next is row 4.
        assert_eq!(row(&rows[1]).number, 3);
        assert_eq!(row(&rows[2]).number, 4);
        assert_eq!(row(&rows[2]).evidence.as_deref(), Some("said \"yes\""));
    }

    #[test]
    fn bad_quoting_does_not_stop_the_reader() {
        let rows = read("participant,stage,date\nP1,en\"rol,2009-04-02\nP2,enrol,2009-04-03\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(row(&rows[1]).participant, "P2");
    }

    #[test]
    fn crlf_line_endings_and_a_byte_order_mark_are_accepted() {
        let rows = read(
            "\u{feff}participant,stage,date\r\nP1,enrol,2009-04-02\r\nP2,enrol,2009-04-03\r\n",
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(row(&rows[0]).date, "2009-04-02");
        assert_eq!(row(&rows[1]).number, 3);
        let rows = read("\u{feff}\"participant\",stage,date\nP1,enrol,2009-04-02\n");
        assert_eq!(row(&rows[0]).participant, "P1");
    }

    #[test]
    fn blank_lines_keep_their_row_numbers() {
        let rows = read("participant,stage,date\n\nP1,enrol,2009-04-02\n\n\nP2,enrol,2009-04-03");
        assert_eq!(row(&rows[0]).number, 3);
        assert_eq!(row(&rows[1]).number, 6);
        for text in [
            "participant,stage,date\r\n\r\nP1,enrol,2009-04-02\r\n\r\n\r\nP2,enrol,2009-04-03\r\n",
            "participant,stage,date\n\nP1,enrol,2009-04-02\n\n\nP2,enrol,\"2009-04-03\"",
            "participant,stage,date\n\nP1,enrol,\"2009-\n04-02\"\n\nP2,enrol,2009-04-03\n",
        ] {
            let rows = read(text);
            assert_eq!(row(&rows[0]).number, 3, "{text:?}");
            // A record over two lines of the file is one row of the spreadsheet.
            let second = if text.contains("-\n") { 5 } else { 6 };
            assert_eq!(row(&rows[1]).number, second, "{text:?}");
        }
    }

    /// A field is blank when it is spaces alone as `str::trim` sees them, whatever its first
    /// byte says: the check that stops at a visible ASCII character agrees with trimming.
    #[test]
    fn a_blank_field_is_one_that_trims_to_nothing() {
        let pieces: [&[u8]; 12] = [
            b"",
            b" ",
            b"\t",
            b"\r",
            b"x",
            b"~",
            b"\x00",
            b"\x7f",
            "\u{a0}".as_bytes(),
            "\u{3000}".as_bytes(),
            "\u{e9}".as_bytes(),
            b"\xff",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let field = [a, b, c].concat();
                    let trimmed = field.trim_ascii().is_empty()
                        || std::str::from_utf8(&field).is_ok_and(|t| t.trim().is_empty());
                    assert_eq!(blank_row([&field].into_iter()), trimmed, "{field:?}");
                }
            }
        }
    }

    #[test]
    fn rows_of_separators_alone_are_blank_rows_and_skipped() {
        for text in [
            "participant,stage,date\n,,\nP1,enrol,2009-04-02\n , ,\u{a0}\n\n\"\",\"\",\nP2,enrol,2009-04-03\n,,\n",
            ",,\nparticipant,stage,date\nP1,enrol,2009-04-02\n,,\n,,\n\nP2,enrol,2009-04-03\n",
            "participant;stage;date\r\n;;\r\nP1;enrol;2009-04-02\r\n;;\r\n\r\n;;\r\nP2;enrol;2009-04-03\r\n;;",
            "participant\tstage\tdate\n\t\t\nP1\tenrol\t2009-04-02\n\t \t\n\n\t\t\nP2\tenrol\t2009-04-03\n",
        ] {
            let rows = csv(text.as_bytes());
            assert_eq!(rows.header_problem(), None, "{text:?}");
            let rows: Vec<Input> = rows.collect();
            assert_eq!(rows.len(), 2, "{text:?}: {rows:?}");
            // Row numbers are still the spreadsheet's: the blank rows are counted.
            assert_eq!(row(&rows[0]).number, 3, "{text:?}");
            assert_eq!(row(&rows[1]).number, 7, "{text:?}");
        }
        // A row with fewer separators than the header's is still blank.
        let rows = read("participant,stage,date\n,\nP1,enrol,2009-04-02\n");
        assert_eq!(rows.len(), 1);
        // A row with one value is a row, malformed.
        let rows = read("participant,stage,date\n,x,\n");
        assert_eq!(malformed(&rows[0]).0, 2);
    }

    #[test]
    fn invalid_utf8_in_a_row_is_malformed_for_that_row_only() {
        let mut bytes =
            b"participant,stage,date\nP1,enrol,2009-04-02\nP\xff2,enrol,2009-04-03\n".to_vec();
        bytes.extend_from_slice(b"P3,enrol,2009-04-04\n");
        let rows: Vec<Input> = csv(bytes.as_slice()).collect();
        assert_eq!(rows.len(), 3);
        let (number, reason) = malformed(&rows[1]);
        assert_eq!(number, 3);
        assert!(reason.contains("UTF-8"), "{reason}");
        assert_eq!(row(&rows[2]).participant, "P3");
    }

    #[test]
    fn an_unreadable_source_stops_the_rows_and_says_why() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let text = b"participant,stage,date\nP1,enrol,2009-04-02\n";
                if self.0 < text.len() {
                    let n = (text.len() - self.0).min(buf.len());
                    buf[..n].copy_from_slice(&text[self.0..self.0 + n]);
                    self.0 += n;
                    Ok(n)
                } else {
                    Err(io::Error::other("disk on fire"))
                }
            }
        }
        let mut rows = csv(Failing(0));
        let read: Vec<Input> = rows.by_ref().collect();
        assert!(read.len() <= 1);
        assert!(rows
            .io_error()
            .unwrap()
            .to_string()
            .contains("disk on fire"));
    }

    #[test]
    fn columns_with_an_empty_header_are_ignored_and_attributes_are_listed() {
        let rows =
            csv("participant,stage,date,,Age_At_Start\nP1,enrol,2009-04-02,,40\n".as_bytes());
        assert_eq!(rows.attributes(), vec!["age_at_start"]);
        let rows: Vec<Input> = rows.collect();
        assert_eq!(row(&rows[0]).attributes.len(), 1);
    }

    fn lines(text: &str) -> Vec<Input> {
        json_lines(text.as_bytes()).collect()
    }

    #[test]
    fn json_lines_read_like_csv_rows() {
        let rows = lines(
            "\u{feff}{\"participant\":\"P1\",\"stage\":\"enrol\",\"date\":\"2009-04-02\",\"cohort\":\"adults\",\"age_at_start\":34}\r\n\
             \n\
             {\"participant\":17,\"Milestone\":\"attend\",\"date\":\"2009-04-09\",\"evidence\":\"EV-1\",\"note\":null}\n",
        );
        assert_eq!(rows.len(), 2);
        let first = row(&rows[0]);
        assert_eq!(first.number, 1);
        assert_eq!(first.cohort.as_deref(), Some("adults"));
        assert_eq!(first.attributes, vec![("age_at_start".into(), "34".into())]);
        let second = row(&rows[1]);
        assert_eq!(second.number, 3);
        assert_eq!(second.participant, "17");
        assert_eq!(second.stage, "attend");
        assert_eq!(second.evidence.as_deref(), Some("EV-1"));
        assert!(second.attributes.is_empty());
    }

    #[test]
    fn bad_json_lines_are_malformed_with_their_line_numbers() {
        let rows = lines(
            "{\"participant\":\"P1\",\"stage\":\"enrol\",\"date\":\"2009-04-02\"}\n\
             not json\n\
             [1,2]\n\
             {\"participant\":\"P2\",\"stage\":\"enrol\"}\n\
             {\"participant\":\"P2\",\"stage\":\"enrol\",\"date\":20090402}\n\
             {\"participant\":\"P2\",\"stage\":\"enrol\",\"date\":\"2009-04-02\",\"x\":[1]}\n\
             {\"participant\":\"P2\",\"stage\":\"a\",\"milestone\":\"b\",\"date\":\"2009-04-02\"}\n\
             {\"participant\":\"P3\",\"stage\":\"enrol\",\"date\":\"2009-04-03\"}\n",
        );
        assert_eq!(rows.len(), 8);
        assert_eq!(row(&rows[0]).number, 1);
        let reasons: Vec<(u64, &str)> = rows[1..7].iter().map(malformed).collect();
        assert_eq!(reasons[0].0, 2);
        assert!(
            reasons[0].1.starts_with("the line is not JSON"),
            "{}",
            reasons[0].1
        );
        assert_eq!(reasons[1], (3, "the line is an array, not a JSON object"));
        assert_eq!(reasons[2], (4, "no `date` given"));
        assert!(
            reasons[3].1.contains("`date` is a number"),
            "{}",
            reasons[3].1
        );
        assert!(reasons[4].1.contains("`x` is an array"), "{}", reasons[4].1);
        assert!(reasons[5].1.contains("both"), "{}", reasons[5].1);
        assert_eq!(row(&rows[7]).number, 8);
    }

    #[test]
    fn invalid_utf8_in_a_json_line_is_malformed() {
        let bytes =
            b"{\"participant\":\"P\xff\"}\n{\"participant\":\"P1\",\"stage\":\"s\",\"date\":\"d\"}";
        let rows: Vec<Input> = json_lines(&bytes[..]).collect();
        assert_eq!(malformed(&rows[0]).0, 1);
        assert_eq!(row(&rows[1]).number, 2);
    }

    #[test]
    fn measured_values_read_from_csv() {
        let values = measured_csv(
            "Measure,Cohort,Year,Treatment,Comparison\n\
             reconviction_rate,,1,41.5%,46\n\
             reconviction_rate,adults,2,40,\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(values.len(), 2);
        assert_eq!((values[0].0, values[1].0), (2, 3));
        let values: Vec<Measured> = values.into_iter().map(|(_, v)| v).collect();
        assert_eq!(values[0].cohort, None);
        assert_eq!(
            values[0].treatment,
            Decimal {
                mantissa: 415,
                scale: 1
            }
        );
        assert_eq!(
            values[0].comparison,
            Some(Decimal {
                mantissa: 46,
                scale: 0
            })
        );
        assert_eq!(values[1].cohort.as_deref(), Some("adults"));
        assert_eq!(values[1].year, 2);
        assert_eq!(values[1].comparison, None);
    }

    #[test]
    fn measured_csv_problems_name_the_row() {
        let error = measured_csv("measure,year\n".as_bytes()).unwrap_err();
        assert!(error.contains("no `treatment` column"), "{error}");
        let error = measured_csv("measure,year,treatment\nm,0,1\n".as_bytes()).unwrap_err();
        assert!(
            error.starts_with("row 2: `0` is not a contract year"),
            "{error}"
        );
        let error =
            measured_csv("measure,year,treatment\nm,1,1\nm,1,lots\n".as_bytes()).unwrap_err();
        assert!(
            error.starts_with("row 3: `lots` is not a number"),
            "{error}"
        );
    }

    #[test]
    fn measured_values_read_from_the_command_line() {
        let value = measured_arg("reconviction_rate@adults:1=41.5%/46").unwrap();
        assert_eq!(value.measure, "reconviction_rate");
        assert_eq!(value.cohort.as_deref(), Some("adults"));
        assert_eq!(value.year, 1);
        assert_eq!(value.treatment.to_string(), "41.5");
        assert_eq!(
            value.comparison.map(|d| d.to_string()).as_deref(),
            Some("46")
        );
        let pooled = measured_arg("rate:2=7").unwrap();
        assert_eq!(
            (pooled.cohort, pooled.year, pooled.comparison),
            (None, 2, None)
        );
        assert!(measured_arg("rate=7").unwrap_err().contains(":YEAR"));
        assert!(measured_arg("rate:1").unwrap_err().contains("="));
        assert!(measured_arg("@x:1=2").is_err());
        assert!(measured_arg("rate:1=seven").is_err());
    }

    #[test]
    fn a_date_with_a_time_of_day_is_its_day() {
        for text in [
            "2009-04-06",
            "2009-04-06 0:00:00",
            "2009-04-06 00:00",
            "2009-04-06T10:00:00",
            "2009-04-06T10:00",
            "2009-04-06 23:59:59.999",
            "2009-04-06  9:05",
            // A time zone does not move the day written.
            "2009-04-06 10:00:00Z",
            "2009-04-06T23:30:00-05:00",
            "2009-04-06T00:30:00.250+01:00",
            "2009-04-06 10:00+0100",
            "2009-04-06 10:00+14",
            // A 12-hour clock, as Excel in the United States saves a date-time cell.
            "2009-04-06 2:30:00 PM",
            "2009-04-06 12:00 am",
            "2009-04-06 11:59:59pm",
        ] {
            assert_eq!(
                day_of(text).map(|d| d.to_string()).as_deref(),
                Some("2009-04-06"),
                "{text}"
            );
        }
        for text in [
            "2009-04-06 25:00",
            "2009-04-06 24:00",
            "2009-04-06 10:60",
            "2009-04-06 10:00:60",
            "2009-04-06 10:5",
            "2009-04-06 100:00",
            "2009-04-06 10:00.5",
            "2009-04-06 10:00:00.",
            "2009-04-06 10:00:00+15:00",
            "2009-04-06 10:00:00+01:60",
            "2009-04-06 10:00:00+1",
            "2009-04-06 10:00:00 Z",
            "2009-04-06 0:30 AM",
            "2009-04-06 13:00 PM",
            "2009-04-06 PM",
            "2009-04-06 2:30 PM+01:00",
            "2009-04-06 10",
            "2009-04-06 ",
            "2009-04-06x10:00",
            "2009-02-30 10:00",
        ] {
            assert_eq!(day_of(text), None, "{text}");
        }
    }

    /// A date of eight digits is read in place; every other form of ten bytes as before, by
    /// the numbers Rust reads: the two agree on dates with any one or two of their digits
    /// replaced by a sign, a space, a letter, another digit or a byte beyond ASCII's digits.
    #[test]
    fn a_date_of_digits_is_read_as_its_numbers_are() {
        let positions = [0, 1, 2, 3, 5, 6, 8, 9];
        let replacements = [b'+', b'-', b' ', b'a', b'0', b'1', b'5', b'9', b'/', b':'];
        for base in [
            "2026-04-01",
            "0000-00-00",
            "9999-12-31",
            "2024-02-29",
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-32",
            "1900-02-29",
            "2000-02-29",
        ] {
            let mut tried = 0;
            for (i, &first) in positions.iter().enumerate() {
                for &second in &positions[i..] {
                    for a in replacements {
                        for b in replacements {
                            let mut bytes = base.as_bytes().to_vec();
                            bytes[first] = a;
                            bytes[second] = b;
                            let text = String::from_utf8(bytes).expect("ASCII");
                            assert_eq!(day_of(&text), numbers_of_date(&text), "{text}");
                            tried += 1;
                        }
                    }
                }
            }
            assert_eq!(tried, 36 * 100);
        }
        assert_eq!(day_of("2026-+4-01"), Date::new(2026, 4, 1));
        assert_eq!(day_of("+026-04-01"), Date::new(26, 4, 1));
        assert_eq!(
            day_of("2026-04-01").map(|d| d.to_string()).as_deref(),
            Some("2026-04-01")
        );
    }

    #[test]
    fn dates_with_slashes_or_dots_keep_their_time_for_the_engine() {
        let dmy = DateFormat::DayMonthYear;
        assert_eq!(
            iso_date("06/04/2009 10:15", dmy).as_deref(),
            Some("2009-04-06 10:15")
        );
        assert_eq!(
            iso_date("4/6/2009 0:00:00", DateFormat::MonthDayYear).as_deref(),
            Some("2009-04-06 0:00:00")
        );
        let mdy = iso_date("4/6/2009 2:30:00 PM", DateFormat::MonthDayYear).unwrap();
        assert_eq!(mdy, "2009-04-06 2:30:00 PM");
        assert_eq!(
            day_of(&mdy).map(|d| d.to_string()).as_deref(),
            Some("2009-04-06")
        );
        let dots = DateFormat::DayMonthYearDots;
        assert_eq!(iso_date("06.04.2009", dots).as_deref(), Some("2009-04-06"));
        assert_eq!(
            iso_date("6.4.2009 10:15", dots).as_deref(),
            Some("2009-04-06 10:15")
        );
        assert_eq!(iso_date("06/04/2009", dots), None);
        assert_eq!(iso_date("06.04.2009", dmy), None);
        assert!(is_slashed_date("06/04/2009 10:15"));
        assert!(is_dotted_date("06.04.2009"));
        assert!(!is_dotted_date("2009.04.06"));
    }

    #[test]
    fn a_date_that_is_not_one_says_why_and_what_to_do() {
        let reason = not_a_date("2009-04-06 25:00");
        assert!(
            reason.contains("`25:00` after the date is not a time of day"),
            "{reason}"
        );
        let reason = not_a_date("06/04/2009 25:00");
        assert!(reason.contains("not a time of day"), "{reason}");
        let reason = not_a_date("2009-04-06 13:00 PM");
        assert!(
            reason.contains("`13:00 PM` after the date is not a time of day")
                && reason.contains("2:30 PM"),
            "{reason}"
        );
        for serial in ["39911", "39911.4375"] {
            let reason = not_a_date(serial);
            assert!(
                reason.contains("Excel date serial number")
                    && reason.contains("2009-04-08")
                    && reason.contains("format the column as a date"),
                "{reason}"
            );
        }
        // A short number is not taken for a serial.
        assert!(!not_a_date("17").contains("Excel"));
        assert!(not_a_date("06.04.2009").contains("--date-format dd.mm.yyyy"));
        assert!(not_a_date("06/04/2009 10:15").contains("--date-format dd/mm/yyyy"));
        assert_eq!(
            not_a_date("soon"),
            "`soon` is not a date: dates are written year-month-day, such as 2026-05-14"
        );
    }

    #[test]
    fn decimals_and_dates_read_exactly() {
        assert_eq!(
            decimal("-0.25").unwrap(),
            Decimal {
                mantissa: -25,
                scale: 2
            }
        );
        assert_eq!(
            decimal(" 12 % ").unwrap(),
            Decimal {
                mantissa: 12,
                scale: 0
            }
        );
        for bad in ["", ".", "1.", "1e3", "1,000", "--1", "%"] {
            assert!(decimal(bad).is_err(), "{bad}");
        }
        assert_eq!(date("2009-05-14").unwrap().to_string(), "2009-05-14");
        assert!(date("2009-02-29").unwrap_err().contains("no such day"));
        assert!(date("14/05/2009").is_err());
        assert!(date("2009-5-14").is_err());
    }
}
