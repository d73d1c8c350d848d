//! Diagnostics as GitHub Actions workflow commands (`check --format github`).
//!
//! One line per diagnostic, which a workflow run turns into an annotation on the line of the
//! pull request's diff:
//!
//! ```text
//! ::error file=specs/x.outcome,line=3,col=5,endLine=3,endColumn=9,title=E0302::funnel widens…
//! ```
//!
//! GitHub reads `::` and the line break as the ends of the command, so the message and the
//! properties are escaped the way GitHub's own toolkit (`@actions/core`) escapes them.

use super::{Record, Severity};

/// GitHub shows at most this many annotations of each kind (errors, warnings) per step, and
/// drops the rest without a word.
pub const SHOWN_PER_STEP: usize = 10;

/// One workflow command per diagnostic, each ending in a line break, for a whole run.
///
/// When a run has more errors (or warnings) than GitHub shows, the first nine are annotations,
/// the rest are plain lines of the step's log, and the tenth annotation says how many more
/// there are and where to find them: no diagnostic is lost, and the reader is told.
pub fn annotations(records: &[Record]) -> String {
    let total = |severity| records.iter().filter(|r| r.severity == severity).count();
    let (errors, warnings) = (total(Severity::Error), total(Severity::Warning));
    let annotated = |count: usize| {
        if count > SHOWN_PER_STEP {
            SHOWN_PER_STEP - 1
        } else {
            count
        }
    };
    let (mut errors_left, mut warnings_left) = (annotated(errors), annotated(warnings));
    let mut out = String::new();
    for record in records {
        let left = match record.severity {
            Severity::Error => &mut errors_left,
            Severity::Warning => &mut warnings_left,
        };
        if *left > 0 {
            *left -= 1;
            out.push_str(&annotation(record));
        } else {
            out.push_str(&log_line(record));
        }
        out.push('\n');
    }
    for (count, command, noun) in [
        (errors, "error", "errors"),
        (warnings, "warning", "warnings"),
    ] {
        if count > SHOWN_PER_STEP {
            let more = count - (SHOWN_PER_STEP - 1);
            out.push_str(&format!(
                "::{command} title=outcome::{more} more {noun} are not annotated (GitHub shows {SHOWN_PER_STEP} {noun} per step): they are listed in this step's log, and `outcome check` prints them all\n"
            ));
        }
    }
    out
}

/// A diagnostic as a plain line of the log, not a command: indented, so that nothing in it
/// (a file named `::error`) can start one.
fn log_line(record: &Record) -> String {
    let severity = match record.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let message = super::message_with_help(&record.message, record.help.as_deref());
    format!(
        "  {}:{}:{}: {severity} {}: {}",
        record.file,
        record.line,
        record.column,
        record.code,
        escape_data(&message)
    )
}

/// `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message. help: …`
pub fn annotation(record: &Record) -> String {
    let command = match record.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let properties = [
        ("file", record.file.clone()),
        ("line", record.line.to_string()),
        ("col", record.column.to_string()),
        ("endLine", record.end_line.to_string()),
        ("endColumn", record.end_column.to_string()),
        ("title", record.code.clone()),
    ]
    .iter()
    .map(|(key, value)| format!("{key}={}", escape_property(value)))
    .collect::<Vec<_>>()
    .join(",");
    let message = super::message_with_help(&record.message, record.help.as_deref());
    format!("::{command} {properties}::{}", escape_data(&message))
}

/// Escape the message of a workflow command: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(ch),
        }
    }
    out
}

/// Escape a property value of a workflow command: as the message, and also `:` and `,`,
/// which would otherwise end the value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Code, Diagnostic};
    use crate::source::{SourceFile, Span};

    fn records(file: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<Record> {
        diagnostics.iter().map(|d| Record::new(file, d)).collect()
    }

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(escape_data("50% a:b, c"), "50%25 a:b, c");
        assert_eq!(escape_data("one\r\ntwo\nthree"), "one%0D%0Atwo%0Athree");
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
        assert_eq!(escape_property("specs/x.outcome"), "specs/x.outcome");
    }

    #[test]
    fn a_diagnostic_becomes_one_command() {
        let file = SourceFile::new("dir,1/x:y.outcome", "contract \"x\" {\n  term\n}\n");
        let diagnostic = Diagnostic::new(Code::E0101, "expected 50%", Span::new(17, 21), "")
            .help("write `a, b`");
        let text = annotations(&records(&file, std::slice::from_ref(&diagnostic)));
        assert_eq!(
            text,
            "::error file=dir%2C1/x%3Ay.outcome,line=2,col=3,endLine=2,endColumn=7,title=E0101\
             ::expected 50%25. help: write `a, b`\n"
        );
        // A diagnostic's message has its line breaks escaped already (`inert`); a record's
        // text is escaped again for the command whatever it holds.
        let mut record = Record::new(&file, &diagnostic);
        record.message = "expected\nthen".into();
        assert!(annotation(&record).ends_with("::expected%0Athen. help: write `a, b`"));
    }

    #[test]
    fn warnings_use_the_warning_command() {
        let file = SourceFile::new("w.outcome", "cohort a \"A\"\n");
        let diagnostic = Diagnostic::new(Code::W0603, "unused", Span::new(7, 8), "");
        assert!(
            annotations(&records(&file, &[diagnostic])).starts_with("::warning file=w.outcome,")
        );
    }

    #[test]
    fn beyond_ten_of_a_kind_nine_are_annotated_and_the_tenth_counts_the_rest() {
        let file = SourceFile::new("many.outcome", "cohort a \"A\"\n");
        let mut diagnostics: Vec<Diagnostic> = (0..25)
            .map(|i| Diagnostic::new(Code::E0202, format!("unknown {i}"), Span::new(0, 6), ""))
            .collect();
        diagnostics.extend(
            (0..4)
                .map(|i| Diagnostic::new(Code::W0603, format!("unused {i}"), Span::new(7, 8), "")),
        );
        let text = annotations(&records(&file, &diagnostics));
        let lines: Vec<&str> = text.lines().collect();
        let starting = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).count();
        // GitHub would show 10 errors: nine diagnostics and the count of the sixteen others.
        assert_eq!(starting("::error "), 10, "{text}");
        assert_eq!(
            starting("  many.outcome:1:1: error E0202: unknown "),
            16,
            "{text}"
        );
        assert!(text.contains(
            "::error title=outcome::16 more errors are not annotated (GitHub shows 10 errors per step)"
        ));
        // Four warnings fit: all are annotations, and no count is added for them.
        assert_eq!(starting("::warning file="), 4, "{text}");
        assert!(!text.contains("more warnings"));
        assert_eq!(lines.len(), 25 + 4 + 1);
    }

    #[test]
    fn exactly_ten_of_a_kind_are_all_annotated() {
        let file = SourceFile::new("ten.outcome", "cohort a \"A\"\n");
        let diagnostics: Vec<Diagnostic> = (0..10)
            .map(|i| Diagnostic::new(Code::E0202, format!("unknown {i}"), Span::new(0, 6), ""))
            .collect();
        let text = annotations(&records(&file, &diagnostics));
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("::error file="))
                .count(),
            10
        );
        assert!(!text.contains("more errors"));
    }
}
