//! Payment lines to a file of their own (`outcome report --lines FILE`): CSV or JSON Lines,
//! one payment a line, in the report's order (by due date, then kind, participant and stage),
//! written as the engine puts each into words, so that no line is held after it is written.
//!
//! A report of a million participants has millions of payment lines; written here, they leave
//! the JSON, HTML or text report a summary a person or a program can open, which points to
//! this file by its path, its number of lines and its size in bytes (`LinesFile`).
//!
//! JSON Lines: each line is the payment line exactly as the JSON report writes it in
//! `payments.lines` (the same fields and names), on one line. CSV (RFC 4180: a header row,
//! fields quoted where they hold a comma, a quote or a line break, lines ended by CRLF) has
//! the columns of `CSV_HEADER`, then, for a contract with payers, a column per payer with its
//! part of the line (`payer_columns`), so that a spreadsheet sums a payer's column to its
//! total. Text from the contract or the return is inert, as everywhere:
//! control and bidirectional formatting characters are written as escapes (`\u{202e}`), and a
//! text cell that a spreadsheet would read as a formula (starting `=`, `+`, `-` or `@`) gets
//! a leading `'`, so that opening the file cannot run anything.

use super::{LineKind, PaymentLine};
use schemars::JsonSchema;
use serde::Serialize;
use std::io::{self, Write};

/// The two forms the lines can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinesFormat {
    /// RFC 4180 CSV with a header row.
    Csv,
    /// One JSON object a line.
    JsonLines,
}

impl LinesFormat {
    /// The form a file's name asks for: `.csv`, or `.jsonl` and `.ndjson`.
    pub fn of_extension(extension: &str) -> Option<LinesFormat> {
        match extension.to_ascii_lowercase().as_str() {
            "csv" => Some(LinesFormat::Csv),
            "jsonl" | "ndjson" => Some(LinesFormat::JsonLines),
            _ => None,
        }
    }
}

/// Where the payment lines were written: what the report says in place of the lines.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LinesFile {
    /// The file, as named on the command line.
    pub path: String,
    pub format: LinesFormat,
    /// Payment lines written (the CSV header row not counted).
    pub lines: u64,
    /// The file's size in bytes once written, to check a copy against.
    pub bytes: u64,
}

/// The columns of the CSV form.
pub const CSV_HEADER: [&str; 15] = [
    "kind",
    "participant",
    "stage",
    "earned",
    "due",
    "period",
    "currency",
    "rate_minor_units",
    "rate",
    "amount_minor_units",
    "amount",
    "clause",
    "cut_by",
    "limit",
    "measured",
];

/// The columns of the CSV form after `CSV_HEADER`, for a contract with payers: each payer's
/// part of the line (`paid by NAME`, in the contract's order), then, when some of a line can
/// be left to no payer, what no payer covers (`not funded by any payer`). Amounts in major
/// units, as the `amount` column.
pub fn payer_columns(contract: &crate::model::Contract) -> Vec<String> {
    let payers = &contract.payments.payers;
    let mut columns: Vec<String> = payers
        .iter()
        .map(|payer| format!("paid by {}", payer.name))
        .collect();
    if super::payer_parts::can_leave_unfunded(payers) {
        columns.push("not funded by any payer".to_string());
    }
    columns
}

/// How a payment line is put into bytes: the form, and the CSV columns of the payers' parts.
/// Shared by the threads that put runs of lines into bytes, each with a `LineScratch` of its
/// own (`payments` writes the runs in order through `LinesOut`).
#[derive(Debug, Clone, Copy)]
pub struct LineFormat {
    format: LinesFormat,
    payer_columns: usize,
}

/// What putting lines into bytes keeps from line to line on one thread.
#[derive(Debug, Default)]
pub struct LineScratch {
    /// Text of one cell at a time (a million lines, no allocation).
    cell: String,
    /// The rules that cut the line before, and their cell: most lines in a row are cut by
    /// the same rules (every line after a total cap is reached), whose cell is made once.
    /// (Both cells are kept as the field's bytes, quoted where needed.)
    cuts: (Vec<String>, Vec<u8>),
    /// The clause of the line before, and its cell: a contract has a few clauses that pay,
    /// and a run of lines is mostly of one.
    clause: Option<(crate::model::Clause, Vec<u8>)>,
}

impl LineFormat {
    /// `line` as a record of the file (a CSV record or a JSON line, its line break
    /// included), appended to `out`. An error only if the line cannot be serialised as JSON.
    pub fn append(
        &self,
        line: &PaymentLine,
        scratch: &mut LineScratch,
        out: &mut Vec<u8>,
    ) -> Result<(), serde_json::Error> {
        match self.format {
            LinesFormat::Csv => {
                write_csv_record(&mut CsvRecord::new(out), scratch, line, self.payer_columns)
            }
            LinesFormat::JsonLines => {
                serde_json::to_writer(&mut *out, line)?;
                out.push(b'\n');
            }
        }
        Ok(())
    }
}

/// Where `outcome report --lines` puts the payment lines: each run of lines in bytes as
/// `format` makes them, handed to `write` in the report's order with the number of lines it
/// holds. An error from `write` stops the report with that error.
pub struct LinesOut<'a> {
    pub format: LineFormat,
    pub write: &'a mut WriteRun<'a>,
}

/// What `LinesOut` hands each run of lines in bytes to, with its number of lines.
pub type WriteRun<'a> = dyn FnMut(&[u8], u64) -> Result<(), String> + Send + 'a;

/// Writes payment lines, counting them and the bytes written.
pub struct LinesWriter<W: Write> {
    format: LineFormat,
    out: Counted<W>,
    lines: u64,
    /// For `write`: the scratch, and the record made, kept from line to line.
    scratch: LineScratch,
    record: Vec<u8>,
}

impl<W: Write> LinesWriter<W> {
    /// A writer of `format` into `out`, with the CSV columns of the payers' parts
    /// (`payer_columns`, empty without payers); the CSV header row is written at once.
    pub fn new(
        format: LinesFormat,
        out: W,
        payer_columns: &[String],
    ) -> io::Result<LinesWriter<W>> {
        let mut writer = LinesWriter {
            format: LineFormat {
                format,
                payer_columns: payer_columns.len(),
            },
            out: Counted {
                inner: out,
                bytes: 0,
            },
            lines: 0,
            scratch: LineScratch::default(),
            record: Vec::new(),
        };
        if format == LinesFormat::Csv {
            let mut header = Vec::new();
            let mut csv = CsvRecord::new(&mut header);
            for title in CSV_HEADER {
                csv.field(title.as_bytes());
            }
            for title in payer_columns {
                let mut scratch = String::new();
                csv.field(cell(title, &mut scratch).as_bytes());
            }
            csv.end_record();
            writer.put(&header)?;
        }
        Ok(writer)
    }

    /// How this writer puts a line into bytes, for lines made on other threads
    /// (`write_formatted`).
    pub fn format(&self) -> LineFormat {
        self.format
    }

    /// Write one payment line.
    pub fn write(&mut self, line: &PaymentLine) -> io::Result<()> {
        let mut record = std::mem::take(&mut self.record);
        record.clear();
        let written = match self.format.append(line, &mut self.scratch, &mut record) {
            Ok(()) => self.write_formatted(&record, 1),
            Err(error) => Err(io::Error::other(error)),
        };
        self.record = record;
        written
    }

    /// Write `lines` payment lines already in bytes (`format().append`).
    pub fn write_formatted(&mut self, bytes: &[u8], lines: u64) -> io::Result<()> {
        self.put(bytes)?;
        self.lines += lines;
        Ok(())
    }

    /// An error of the writer is handed on as the `csv` crate (and `serde_json`) hand it on:
    /// its words, its kind `Other`; so that a report's message is the same.
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|error| io::Error::other(error.to_string()))
    }

    /// Flush what is left, and say what was written to `path`.
    pub fn finish(self, path: String) -> io::Result<(LinesFile, W)> {
        let mut counted = self.out;
        counted.flush()?;
        Ok((
            LinesFile {
                path,
                format: self.format.format,
                lines: self.lines,
                bytes: counted.bytes,
            },
            counted.inner,
        ))
    }
}

/// The name of a kind of line, as the JSON report writes it.
pub fn kind_name(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Price => "price",
        LineKind::Attachment => "attachment",
        LineKind::FixedFee => "fixed_fee",
        LineKind::Bonus => "bonus",
        LineKind::Penalty => "penalty",
        LineKind::Tier => "tier",
        LineKind::Deadweight => "deadweight",
    }
}

/// One payment line as a CSV record, each field written as it is made: numbers and dates
/// formatted in place, text cells borrowed when they need no escape (most do not), the cell
/// of the rules that cut the line made again only when they are not those of the line
/// before (`cuts`). The payers' parts fill `payer_columns` cells by position (a line's part
/// not funded by any payer is listed only when not nothing: its cell is then 0).
fn write_csv_record(
    csv: &mut CsvRecord<'_>,
    held: &mut LineScratch,
    line: &PaymentLine,
    payer_columns: usize,
) {
    let LineScratch {
        cell: scratch,
        cuts,
        clause,
    } = held;
    csv.field(kind_name(line.kind).as_bytes());
    csv.text(line.participant.as_deref().unwrap_or_default(), scratch);
    csv.text(line.stage.as_deref().unwrap_or_default(), scratch);
    push_date(csv.number(), line.earned);
    push_date(csv.number(), line.due);
    csv.text(&line.period, scratch);
    csv.field(line.amount.currency.code.as_bytes());
    push_integer(csv.number(), line.rate.minor);
    push_decimal(csv.number(), line.rate);
    push_integer(csv.number(), line.amount.minor);
    push_decimal(csv.number(), line.amount);
    let clause = match clause {
        Some((held, field)) if *held == line.clause => field,
        _ => {
            let mut text = String::new();
            push_inert(&mut text, &line.clause.file);
            {
                use std::fmt::Write as _;
                // Writing to a String cannot fail.
                let _ = write!(text, ":{}", line.clause.line);
            }
            let mut field = Vec::new();
            push_field(&mut field, guarded(&mut text).as_bytes());
            &mut clause.insert((line.clause.clone(), field)).1
        }
    };
    csv.raw(clause);
    if cuts.0 != line.cut_by {
        let text = &mut *scratch;
        text.clear();
        for (i, cut) in line.cut_by.iter().enumerate() {
            if i > 0 {
                text.push_str("; ");
            }
            let start = text.len();
            push_inert(text, cut);
            if text[start..].starts_with(FORMULA) {
                text.insert(start, '\'');
            }
        }
        cuts.0.clone_from(&line.cut_by);
        cuts.1.clear();
        push_field(&mut cuts.1, text.as_bytes());
    }
    csv.raw(&cuts.1);
    csv.text(line.limit.as_deref().unwrap_or_default(), scratch);
    match &line.measured {
        Some(basis) => csv.text(&super::tiers::describe(basis), scratch),
        None => csv.field(b""),
    }
    for i in 0..payer_columns {
        let part = line
            .payers
            .get(i)
            .map_or(crate::value::Money::new(0, line.amount.currency), |part| {
                part.amount
            });
        push_decimal(csv.number(), part);
    }
    csv.end_record();
}

/// A CSV record appended to bytes, as the `csv` crate writes one with a comma between fields
/// and CRLF after, quoting only where needed: a field is quoted, with each `"` doubled, when
/// it holds a comma, a quote, a CR or a LF. Every record has the header's number of fields,
/// the first never empty.
struct CsvRecord<'a> {
    out: &'a mut Vec<u8>,
    /// Where the record starts in `out`.
    start: usize,
}

impl CsvRecord<'_> {
    fn new(out: &mut Vec<u8>) -> CsvRecord<'_> {
        let start = out.len();
        CsvRecord { out, start }
    }

    fn field(&mut self, bytes: &[u8]) {
        if self.out.len() > self.start {
            self.out.push(b',');
        }
        push_field(self.out, bytes);
    }

    /// A text cell (`cell`) as a field: text of printable ASCII but the comma and the quote
    /// that does not start as a formula would, in one look at its bytes, as it is.
    fn text(&mut self, text: &str, scratch: &mut String) {
        let bytes = text.as_bytes();
        if bytes.iter().all(|&b| SAFE[usize::from(b)]) && !text.starts_with(FORMULA) {
            self.raw(bytes);
        } else {
            self.field(cell(text, scratch).as_bytes());
        }
    }

    /// A field already as `push_field` writes it.
    fn raw(&mut self, field: &[u8]) {
        if self.out.len() > self.start {
            self.out.push(b',');
        }
        self.out.extend_from_slice(field);
    }

    /// The record, to append a field that never needs quotes (a number, a date) to.
    fn number(&mut self) -> &mut Vec<u8> {
        if self.out.len() > self.start {
            self.out.push(b',');
        }
        self.out
    }

    /// End the record: the next field starts another.
    fn end_record(&mut self) {
        self.out.extend_from_slice(b"\r\n");
        self.start = self.out.len();
    }
}

/// The bytes a text cell can hold as they are, neither escaped (`plain`) nor quoted
/// (`needs_quotes`): printable ASCII and the tab, but the comma and the quote.
const SAFE: [bool; 256] = {
    let mut safe = [false; 256];
    let mut b = 0;
    while b < 256 {
        safe[b] = (b >= 0x20 && b <= 0x7e && b != b',' as usize && b != b'"' as usize)
            || b == b'\t' as usize;
        b += 1;
    }
    safe
};

/// A CSV field's bytes, quoted where needed, appended to `out`.
fn push_field(out: &mut Vec<u8>, bytes: &[u8]) {
    if !needs_quotes(bytes) {
        out.extend_from_slice(bytes);
        return;
    }
    out.push(b'"');
    for piece in bytes.split_inclusive(|&b| b == b'"') {
        out.extend_from_slice(piece);
        if piece.last() == Some(&b'"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

/// Whether a CSV field needs quotes: it holds a comma, a quote, a CR or a LF. Told sixteen
/// bytes at a time without a branch a byte (which the compiler does in one vector step).
fn needs_quotes(bytes: &[u8]) -> bool {
    let special = |found: u8, &b: &u8| {
        found
            | u8::from(b == b',')
            | u8::from(b == b'"')
            | u8::from(b == b'\r')
            | u8::from(b == b'\n')
    };
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        if chunk.iter().fold(0, special) != 0 {
            return true;
        }
    }
    chunks.remainder().iter().fold(0, special) != 0
}

/// What a spreadsheet reads as the start of a formula.
const FORMULA: [char; 4] = ['=', '+', '-', '@'];

/// Text for a CSV cell: inert, and never read as a formula by a spreadsheet. The text itself
/// when it is so already; else made so in `scratch`.
fn cell<'a>(text: &'a str, scratch: &'a mut String) -> &'a str {
    if plain(text) && !text.starts_with(FORMULA) {
        return text;
    }
    scratch.clear();
    push_inert(scratch, text);
    guarded(scratch)
}

/// `text` made inert (`inert::escape`), appended to `out`.
fn push_inert(out: &mut String, text: &str) {
    if plain(text) {
        out.push_str(text);
    } else {
        crate::inert::escape_into(out, text);
    }
}

/// Whether `inert::escape` would leave text as it is, told from its bytes: no ASCII control
/// but the tab, no C1 control (`C2 80` to `C2 9F`), and no character starting `D8` or `E2`
/// (where the separators and bidirectional controls are; such text is left to `escape`).
fn plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    // Most text is printable ASCII, which is plain: told in one pass without a branch a byte
    // (which the compiler does many bytes at a time), before the byte-by-byte look.
    let printable = bytes.iter().fold(true, |all, &b| {
        all & ((b' '..=b'~').contains(&b) | (b == b'\t'))
    });
    printable
        || bytes.iter().enumerate().all(|(i, &b)| match b {
            b'\t' | b' '..=b'~' => true,
            0xC2 => !bytes
                .get(i + 1)
                .is_some_and(|next| (0x80..=0x9F).contains(next)),
            0xD8 | 0xE2 => false,
            0x80..=0xFF => true,
            _ => false,
        })
}

/// `text`, with a leading `'` if a spreadsheet would read it as a formula.
fn guarded(text: &mut String) -> &str {
    if text.starts_with(FORMULA) {
        text.insert(0, '\'');
    }
    text
}

/// A date as `Date` displays it (`2026-05-14`), appended to `out`: in the years 0 to 9999,
/// its ten bytes made at once, two digits at a time.
fn push_date(out: &mut Vec<u8>, day: crate::value::Date) {
    if (0..=9999).contains(&day.year) && day.month < 100 && day.day < 100 {
        let pair = |n: usize| [PAIRS[2 * n], PAIRS[2 * n + 1]];
        let year = day.year as usize;
        let ([c0, c1], [y0, y1]) = (pair(year / 100), pair(year % 100));
        let [m0, m1] = pair(day.month as usize);
        let [d0, d1] = pair(day.day as usize);
        out.extend_from_slice(&[c0, c1, y0, y1, b'-', m0, m1, b'-', d0, d1]);
    } else {
        // Writing to a vector cannot fail.
        let _ = write!(out, "{day}");
    }
}

/// An integer as `to_string` writes it, appended to `out`.
fn push_integer(out: &mut Vec<u8>, n: i128) {
    if n < 0 {
        out.push(b'-');
    }
    push_digits(out, n.unsigned_abs(), 0);
}

/// The numbers 00 to 99, two digits each.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
                            2021222324252627282930313233343536373839\
                            4041424344454647484950515253545556575859\
                            6061626364656667686970717273747576777879\
                            8081828384858687888990919293949596979899";

/// The decimal digits of `n`, at least `width` of them (zeros in front), appended to `out`.
fn push_digits(out: &mut Vec<u8>, n: u128, width: usize) {
    let mut digits = [b'0'; 40];
    let end = digits.len();
    // Every amount fits in 64 bits, whose division is a single instruction (128-bit division
    // is a call); two digits at a time.
    let (mut high, mut low) = match u64::try_from(n) {
        Ok(low) => (0, low),
        Err(_) => (n / 10_u128.pow(19), (n % 10_u128.pow(19)) as u64),
    };
    let mut at = end;
    while low >= 100 {
        let pair = (low % 100) as usize * 2;
        low /= 100;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if low >= 10 {
        let pair = low as usize * 2;
        at -= 2;
        digits[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        digits[at] = b'0' + low as u8;
    }
    // Zeros in front (`digits` starts as zeros): the low 19 digits in full below high ones,
    // and at least `width` digits in all.
    if high > 0 {
        at = at.min(end - 19);
    }
    while high > 0 {
        at -= 1;
        digits[at] = b'0' + (high % 10) as u8;
        high /= 10;
    }
    at = at.min(end - width.max(1));
    out.extend_from_slice(&digits[at..]);
}

/// An amount in major units as `Money::decimal` writes it (`1500.00`, `-3.50`, `5000`),
/// appended to `out`.
fn push_decimal(out: &mut Vec<u8>, amount: crate::value::Money) {
    let places = amount.currency.minor_digits;
    let per = 10_u128.pow(places);
    let abs = amount.minor.unsigned_abs();
    if amount.minor < 0 {
        out.push(b'-');
    }
    let (major, minor) = match (u64::try_from(abs), u64::try_from(per)) {
        (Ok(abs), Ok(per)) => (u128::from(abs / per), u128::from(abs % per)),
        _ => (abs / per, abs % per),
    };
    push_digits(out, major, 0);
    if places > 0 {
        out.push(b'.');
        push_digits(out, minor, places as usize);
    }
}

/// A writer that counts the bytes written through it.
struct Counted<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Clause;
    use crate::value::{Currency, Date, Money};

    fn line(participant: &str) -> PaymentLine {
        let gbp = Currency::from_code("GBP").unwrap();
        PaymentLine {
            kind: LineKind::Price,
            participant: Some(participant.to_string()),
            stage: Some("housed".to_string()),
            earned: Date::new(2026, 5, 1).unwrap(),
            due: Date::new(2026, 5, 1).unwrap(),
            period: "2026-05".to_string(),
            rate: Money::new(150_000, gbp),
            amount: Money::new(120_000, gbp),
            clause: Clause {
                file: "a.outcome".into(),
                line: 3,
            },
            cut_by: vec![
                "total cap of £1 reached (a.outcome:9)".to_string(),
                "x".into(),
            ],
            limit: None,
            measured: None,
            payers: Vec::new(),
        }
    }

    #[test]
    fn csv_lines_have_the_header_crlf_and_every_field() {
        let mut writer = LinesWriter::new(LinesFormat::Csv, Vec::new(), &[]).unwrap();
        writer.write(&line("P1")).unwrap();
        let (file, bytes) = writer.finish("l.csv".into()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(
            text,
            "kind,participant,stage,earned,due,period,currency,rate_minor_units,rate,\
             amount_minor_units,amount,clause,cut_by,limit,measured\r\n\
             price,P1,housed,2026-05-01,2026-05-01,2026-05,GBP,150000,1500.00,120000,1200.00,\
             a.outcome:3,total cap of £1 reached (a.outcome:9); x,,\r\n"
        );
        assert_eq!((file.lines, file.bytes), (1, text.len() as u64));
    }

    /// The cells of the clause and of the rules that cut the line, each made once for a run
    /// of lines that share it, are each line's own, quoted where they need to be.
    #[test]
    fn each_line_s_clause_and_cuts_cells_are_its_own() {
        let mut writer = LinesWriter::new(LinesFormat::Csv, Vec::new(), &[]).unwrap();
        let lines = [
            ("a.outcome", 3, vec![]),
            ("a.outcome", 3, vec![]),
            ("a.outcome", 30, vec!["cap, \"reached\""]),
            ("b,c.outcome", 30, vec!["cap, \"reached\""]),
            ("=b\u{202e}.outcome", 30, vec!["x", "-y"]),
            ("=b\u{202e}.outcome", 30, vec!["x", "-y"]),
            ("a.outcome", 3, vec![]),
        ];
        for (file, at, cuts) in &lines {
            let mut l = line("P1");
            l.clause = Clause {
                file: (*file).into(),
                line: *at,
            };
            l.cut_by = cuts.iter().map(|c| c.to_string()).collect();
            writer.write(&l).unwrap();
        }
        let (_, bytes) = writer.finish("l.csv".into()).unwrap();
        let mut read = csv::Reader::from_reader(bytes.as_slice());
        let cells: Vec<(String, String)> = read
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[11].to_string(), r[12].to_string())
            })
            .collect();
        let expected = [
            ("a.outcome:3", ""),
            ("a.outcome:3", ""),
            ("a.outcome:30", "cap, \"reached\""),
            ("b,c.outcome:30", "cap, \"reached\""),
            ("'=b\\u{202e}.outcome:30", "x; '-y"),
            ("'=b\\u{202e}.outcome:30", "x; '-y"),
            ("a.outcome:3", ""),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(cells, expected);
    }

    /// A text cell told safe from its bytes is the bytes `cell` and then `field` make, over
    /// texts of random pieces (plain, to escape, to quote, formulas).
    #[test]
    fn text_cells_are_cell_then_field() {
        let mut seed = 17_u64;
        let mut next = move |below: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % below
        };
        let pieces = [
            "a", "P0001", " ", ",", "\"", "\r", "\n", "\t", "=", "+", "-", "@", "£", "\u{202e}",
            "\u{85}", "\u{7f}", "'", ";", "é",
        ];
        let mut scratch = String::new();
        for _ in 0..5_000 {
            let text: String = (0..next(6))
                .map(|_| pieces[next(pieces.len() as u64) as usize])
                .collect();
            let (mut ours, mut theirs) = (vec![b'k'], vec![b'k']);
            CsvRecord {
                out: &mut ours,
                start: 0,
            }
            .text(&text, &mut scratch);
            let mut plain_scratch = String::new();
            CsvRecord {
                out: &mut theirs,
                start: 0,
            }
            .field(cell(&text, &mut plain_scratch).as_bytes());
            assert_eq!(ours, theirs, "{text:?}");
        }
    }

    #[test]
    fn csv_cells_are_inert_and_never_formulas() {
        let mut writer = LinesWriter::new(LinesFormat::Csv, Vec::new(), &[]).unwrap();
        writer.write(&line("=HYPERLINK(\"x\")\u{202e}\n")).unwrap();
        let (_, bytes) = writer.finish("l.csv".into()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(
            row.starts_with("price,\"'=HYPERLINK(\"\"x\"\")\\u{202e}\\u{a}\",housed,"),
            "{row}"
        );
        assert_eq!(text.matches("\r\n").count(), 2, "{text}");
    }

    #[test]
    fn json_lines_are_the_report_s_lines_one_a_line() {
        let mut writer = LinesWriter::new(LinesFormat::JsonLines, Vec::new(), &[]).unwrap();
        writer.write(&line("P1")).unwrap();
        writer.write(&line("P2")).unwrap();
        let (file, bytes) = writer.finish("l.jsonl".into()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!((file.lines, file.bytes), (2, text.len() as u64));
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first, serde_json::to_value(line("P1")).unwrap());
        assert_eq!(text.lines().count(), 2);
    }

    /// Digits made two at a time are `format!`'s, zeros in front to the width, over numbers
    /// of every length (below and beyond 64 bits).
    #[test]
    fn digits_are_format_s_at_every_length_and_width() {
        let mut seed = 3_u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            seed
        };
        let mut out = Vec::new();
        for _ in 0..20_000 {
            let bits = (next() % 128) as u32;
            let n = (u128::from(next()) << 64 | u128::from(next())) >> bits;
            let width = (next() % 25) as usize;
            out.clear();
            out.push(b'x');
            push_digits(&mut out, n, width);
            assert_eq!(
                out,
                format!("x{n:0width$}").into_bytes(),
                "{n} at width {width}"
            );
        }
        for n in [
            0,
            9,
            10,
            99,
            100,
            u128::from(u64::MAX),
            u128::from(u64::MAX) + 1,
            u128::MAX,
        ] {
            out.clear();
            push_digits(&mut out, n, 0);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    /// Records made by `CsvOut` are the bytes the `csv` crate writes for the same fields (a
    /// comma between, CRLF after, quotes where a field holds a comma, quote, CR or LF).
    #[test]
    fn csv_records_are_the_csv_crate_s_bytes() {
        let mut seed = 5_u64;
        let mut next = move |below: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % below
        };
        let pieces = [
            "a", ",", "\"", "\r", "\n", "\r\n", " ", "£", "\u{202e}", "''", ";", "\t",
        ];
        let mut bytes = Vec::new();
        let mut ours = CsvRecord::new(&mut bytes);
        // Flexible: records of several widths, each written as any other.
        let mut theirs = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .flexible(true)
            .from_writer(Vec::new());
        for _ in 0..2_000 {
            let width = 1 + next(6);
            for f in 0..width {
                let mut field: String = (0..next(5))
                    .map(|_| pieces[next(pieces.len() as u64) as usize])
                    .collect();
                if f == 0 && field.is_empty() {
                    field.push('k');
                }
                ours.field(field.as_bytes());
                theirs.write_field(&field).unwrap();
            }
            ours.end_record();
            theirs.write_record(None::<&[u8]>).unwrap();
        }
        let theirs = theirs.into_inner().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&theirs)
        );
    }

    #[test]
    fn fields_are_formatted_as_display_and_money_write_them() {
        let made = |push: &dyn Fn(&mut Vec<u8>)| {
            let mut out = Vec::new();
            push(&mut out);
            String::from_utf8(out).unwrap()
        };
        for code in ["GBP", "JPY", "USD", "EUR"] {
            let currency = Currency::from_code(code).unwrap();
            for minor in [
                0_i128,
                1,
                -1,
                9,
                10,
                99,
                100,
                101,
                -1_050,
                123_456_789,
                -987_654_321_012,
                1_000_000_000_000_000_000,
                i128::MAX,
                i128::MIN + 1,
            ] {
                let money = Money::new(minor, currency);
                assert_eq!(
                    made(&|out| push_decimal(out, money)),
                    money.decimal(),
                    "{code} {minor}"
                );
                assert_eq!(made(&|out| push_integer(out, minor)), minor.to_string());
            }
        }
        for (y, m, d) in [
            (2026, 5, 1),
            (1, 1, 1),
            (999, 12, 31),
            (9999, 12, 31),
            (2000, 10, 10),
            (1905, 1, 29),
            (0, 2, 29),
            (10_000, 1, 1),
            (-1, 1, 1),
        ] {
            let day = Date::new(y, m, d).unwrap();
            assert_eq!(made(&|out| push_date(out, day)), day.to_string());
        }
    }

    #[test]
    fn text_told_plain_from_its_bytes_is_what_escape_leaves_alone() {
        let samples = [
            "P000001",
            "£13,500 (a.outcome:9)",
            "tab\there",
            "é ü 😀 ∑ 東京",
            "\u{85}",
            "\u{9f}x",
            "\u{a0}",
            "\u{7f}",
            "a\u{202e}b",
            "\u{2066}",
            "\u{2028}",
            "\u{061c}",
            "\u{200f}",
            "\u{2014} dash",
            "\u{0600}",
            "\r\n",
            "\u{1b}[2J",
        ];
        for text in samples {
            if plain(text) {
                assert_eq!(crate::inert::escape(text), text, "{text:?}");
            }
            let mut scratch = String::new();
            let expected = crate::inert::escape(text);
            let guarded_expected = if expected.starts_with(FORMULA) {
                format!("'{expected}")
            } else {
                expected.clone()
            };
            assert_eq!(cell(text, &mut scratch), guarded_expected, "{text:?}");
            let mut pushed = String::new();
            push_inert(&mut pushed, text);
            assert_eq!(pushed, expected, "{text:?}");
        }
        assert!(plain("£1,075 é"));
        assert!(!plain("\u{85}") && !plain("\t\u{202e}") && !plain("\n"));
    }
}
