//! Printing diagnostics: miette's graphical report for people, `Record` for machines.

use super::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;
use std::fmt;

/// One diagnostic as a flat record: `check --format json` prints one per line.
/// Lines and columns are 1-based; columns count characters; the end is exclusive.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Record {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub help: Option<String>,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Record {
    pub fn new(file: &SourceFile, diagnostic: &Diagnostic) -> Record {
        let span = diagnostic.primary.span;
        let start = file.line_col(span.start);
        let end = file.line_col(span.end);
        Record {
            code: diagnostic.code.as_str().to_string(),
            severity: diagnostic.severity(),
            message: diagnostic.message.clone(),
            help: diagnostic.help.clone(),
            file: file.name.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

/// Render one diagnostic as miette's graphical report, with or without colour.
/// Beyond this column a source line is not drawn (miette cannot draw it, and nobody can read
/// it): the report gives the position in words instead.
const WIDEST_DRAWN_COLUMN: usize = 10_000;

pub fn render_human(file: &SourceFile, diagnostic: &Diagnostic, color: bool) -> String {
    let spans = std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary);
    let too_wide = spans.into_iter().any(|label| {
        file.line_col(label.span.start).column > WIDEST_DRAWN_COLUMN
            || file.line_col(label.span.end).column > WIDEST_DRAWN_COLUMN
    });
    if too_wide {
        return render_without_source(file, diagnostic, color);
    }
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_wrap_lines(false);
    let report = Report {
        diagnostic,
        source: NamedSource::new(file.name.clone(), file.text.to_string()),
        text_len: file.text.len(),
        text: &file.text,
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering into a String cannot fail in practice; fall back to the plain line.
        out = format!("{}: {}\n", diagnostic.code, diagnostic.message);
    }
    out
}

/// The report without the source drawn: for a label on a line too long to show.
fn render_without_source(file: &SourceFile, diagnostic: &Diagnostic, color: bool) -> String {
    let at = file.line_col(diagnostic.primary.span.start);
    let mut bare = diagnostic.clone();
    bare.message = format!(
        "{} (at {}:{}:{}, a line too long to show: {})",
        diagnostic.message, file.name, at.line, at.column, diagnostic.primary.text
    );
    let empty = SourceFile::new(file.name.clone(), "");
    render_human(&empty, &bare, color)
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
    text: &'a str,
    text_len: usize,
}

impl Report<'_> {
    /// miette drops a label that starts exactly at the end of the text, so an error at end of
    /// input is moved onto the last character; an empty span elsewhere is widened to one
    /// character so the caret is visible.
    fn visible(&self, span: Span) -> (usize, usize) {
        let mut start = span.start.min(self.text_len);
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        if start >= self.text_len {
            let Some((last, ch)) = self.text.char_indices().next_back() else {
                return (0, 0);
            };
            return (last, ch.len_utf8());
        }
        let mut end = span.end.clamp(start, self.text_len);
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        if end == start {
            let width = self.text[start..].chars().next().map_or(0, char::len_utf8);
            return (start, width);
        }
        (start, end - start)
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.text.is_empty() {
            return None;
        }
        let primary = &self.diagnostic.primary;
        let first = std::iter::once(LabeledSpan::new_primary_with_span(
            Some(primary.text.clone()),
            self.visible(primary.span),
        ));
        let rest = self.diagnostic.secondary.iter().map(|label| {
            LabeledSpan::new_with_span(Some(label.text.clone()), self.visible(label.span))
        });
        Some(Box::new(first.chain(rest)))
    }
}
