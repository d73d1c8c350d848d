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
//! the columns of `CSV_HEADER`. Text from the contract or the return is inert, as everywhere:
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

/// Writes payment lines one at a time, counting them and the bytes written.
pub struct LinesWriter<W: Write> {
    format: LinesFormat,
    csv: Option<csv::Writer<Counted<W>>>,
    json: Option<Counted<W>>,
    lines: u64,
}

impl<W: Write> LinesWriter<W> {
    /// A writer of `format` into `out`; the CSV header row is written at once.
    pub fn new(format: LinesFormat, out: W) -> io::Result<LinesWriter<W>> {
        let counted = Counted {
            inner: out,
            bytes: 0,
        };
        let mut writer = LinesWriter {
            format,
            csv: None,
            json: None,
            lines: 0,
        };
        match format {
            LinesFormat::Csv => {
                let mut csv = csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .from_writer(counted);
                csv.write_record(CSV_HEADER).map_err(io::Error::from)?;
                writer.csv = Some(csv);
            }
            LinesFormat::JsonLines => writer.json = Some(counted),
        }
        Ok(writer)
    }

    /// Write one payment line.
    pub fn write(&mut self, line: &PaymentLine) -> io::Result<()> {
        if let Some(csv) = &mut self.csv {
            let cut_by: Vec<String> = line.cut_by.iter().map(|c| cell(c)).collect();
            csv.write_record([
                kind_name(line.kind),
                &line.participant.as_deref().map_or(String::new(), cell),
                &line.stage.as_deref().map_or(String::new(), cell),
                &line.earned.to_string(),
                &line.due.to_string(),
                &cell(&line.period),
                line.amount.currency.code,
                &line.rate.minor.to_string(),
                &line.rate.decimal(),
                &line.amount.minor.to_string(),
                &line.amount.decimal(),
                &cell(&line.clause.to_string()),
                &cut_by.join("; "),
                &line.limit.as_deref().map_or(String::new(), cell),
                &line
                    .measured
                    .as_ref()
                    .map_or(String::new(), |basis| cell(&super::tiers::describe(basis))),
            ])
            .map_err(io::Error::from)?;
        }
        if let Some(json) = &mut self.json {
            serde_json::to_writer(&mut *json, line).map_err(io::Error::other)?;
            json.write_all(b"\n")?;
        }
        self.lines += 1;
        Ok(())
    }

    /// Flush what is left, and say what was written to `path`.
    pub fn finish(self, path: String) -> io::Result<(LinesFile, W)> {
        let counted = match (self.csv, self.json) {
            (Some(csv), _) => csv
                .into_inner()
                .map_err(|e| io::Error::other(e.error().to_string()))?,
            (None, Some(json)) => json,
            (None, None) => return Err(io::Error::other("no lines writer")),
        };
        let mut counted = counted;
        counted.flush()?;
        Ok((
            LinesFile {
                path,
                format: self.format,
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

/// Text for a CSV cell: inert, and never read as a formula by a spreadsheet.
fn cell(text: &str) -> String {
    let inert = crate::inert::escape(text);
    if inert.starts_with(['=', '+', '-', '@']) {
        format!("'{inert}")
    } else {
        inert
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
                file: "a.outcome".to_string(),
                line: 3,
            },
            cut_by: vec![
                "total cap of £1 reached (a.outcome:9)".to_string(),
                "x".into(),
            ],
            limit: None,
            measured: None,
        }
    }

    #[test]
    fn csv_lines_have_the_header_crlf_and_every_field() {
        let mut writer = LinesWriter::new(LinesFormat::Csv, Vec::new()).unwrap();
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

    #[test]
    fn csv_cells_are_inert_and_never_formulas() {
        let mut writer = LinesWriter::new(LinesFormat::Csv, Vec::new()).unwrap();
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
        let mut writer = LinesWriter::new(LinesFormat::JsonLines, Vec::new()).unwrap();
        writer.write(&line("P1")).unwrap();
        writer.write(&line("P2")).unwrap();
        let (file, bytes) = writer.finish("l.jsonl".into()).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!((file.lines, file.bytes), (2, text.len() as u64));
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first, serde_json::to_value(line("P1")).unwrap());
        assert_eq!(text.lines().count(), 2);
    }
}
