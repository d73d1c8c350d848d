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

use super::{Diagnostic, Record, Severity};
use crate::source::SourceFile;

/// One workflow command per diagnostic, each ending in a line break.
pub fn annotations(file: &SourceFile, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&annotation(&Record::new(file, diagnostic)));
        out.push('\n');
    }
    out
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
    use crate::diagnostic::Code;
    use crate::source::Span;

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
        let text = annotations(&file, std::slice::from_ref(&diagnostic));
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
        assert!(annotations(&file, &[diagnostic]).starts_with("::warning file=w.outcome,"));
    }
}
