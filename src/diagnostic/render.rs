//! Printing diagnostics: miette's graphical report for people, `Record` for machines.

use super::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
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
        source: FileSource { file },
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
    source: FileSource<'a>,
    text: &'a str,
    text_len: usize,
}

/// The file as miette reads it to draw a report: borrowed, not copied, and read only near
/// the span asked for.
///
/// miette's own reading of a `str` counts lines by scanning from the first byte, so with a
/// `NamedSource` every report cost time in proportion to the whole file, and a big file with
/// hundreds of warnings took most of a second to print. Here the line index picks out a
/// window of whole lines around the span, and miette's reading runs on that window alone.
/// Running miette's own code, rather than a copy of its arithmetic, keeps the drawing exactly
/// as it was: its quirks (a lone CR ends a line here but not when the lines are drawn, the
/// line count runs from the top of the file, no context before means the text starts at the
/// span rather than at its line) stay miette's.
#[derive(Debug)]
struct FileSource<'a> {
    file: &'a SourceFile,
}

impl FileSource<'_> {
    /// Where 0-based line `index` starts, counting as miette does: a byte-order mark is part
    /// of the first line, not before it. `index` must be a line of the file.
    fn line_start(&self, index: usize) -> usize {
        if index == 0 {
            0
        } else {
            self.file.line_starts()[index]
        }
    }

    /// The 0-based line holding byte `offset`: how many line ends come wholly before it. A
    /// line end is a lone CR, a LF or a CRLF for both miette and `SourceFile`; past the end of
    /// the text it is the last line.
    fn line_of(&self, offset: usize) -> usize {
        self.file.line_starts()[1..].partition_point(|start| *start <= offset)
    }
}

impl SourceCode for FileSource<'_> {
    /// The window starts one line further back than the context before the span, and ends
    /// one line further on than the context after the span's last line. miette's scan carries
    /// nothing across a line start but counts, so started at a line start with enough whole
    /// lines before the span it finds the same text, column and context as a scan from the
    /// top, with the line number and line count short by the lines skipped, which are added
    /// back. The extra line before is for an empty span at the start of a line, which miette
    /// reads from the byte before it; the extra line after is for a span that ends on a line
    /// end, which miette does not count as a line of context. Past those the scan has stopped,
    /// or the window runs to the end of the text as the scan does. The property test below
    /// checks the answer against miette reading the whole text.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.file.text.as_bytes();
        let end = span.offset().saturating_add(span.len());
        let first = self
            .line_of(span.offset())
            .saturating_sub(context_lines_before.saturating_add(1));
        let last = self
            .line_of(end)
            .saturating_add(context_lines_after)
            .saturating_add(2);
        let from = self.line_start(first);
        let to = if last < self.file.line_starts().len() {
            self.line_start(last)
        } else {
            text.len()
        };
        let window = &text[from..to];
        let within = SourceSpan::new((span.offset() - from).into(), span.len());
        let contents = <[u8] as SourceCode>::read_span(
            window,
            &within,
            context_lines_before,
            context_lines_after,
        )?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.file.name.clone(),
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + from).into(),
                contents.span().len(),
            ),
            contents.line() + first,
            contents.column(),
            contents.line_count() + first,
        )))
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text made of the characters that move lines and columns: line ends of each kind, a
    /// multi-byte character and an optional byte-order mark.
    fn text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec!["a", "bc", "£", "é", " ", "\n", "\r", "\r\n"]);
        (any::<bool>(), prop::collection::vec(piece, 0..40)).prop_map(|(bom, pieces)| {
            let body: String = pieces.concat();
            if bom {
                format!("\u{feff}{body}")
            } else {
                body
            }
        })
    }

    /// What reading a span gives, without the name: the text, offset, length, line, column
    /// and line count; an error as its message; `None` if it panics, as miette does for a span
    /// that starts past the end of the text when no context before it is asked for.
    #[allow(clippy::type_complexity)]
    fn read(
        source: &dyn SourceCode,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Option<Result<(Vec<u8>, usize, usize, usize, usize, usize), String>> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            source
                .read_span(span, before, after)
                .map(|contents| {
                    (
                        contents.data().to_vec(),
                        contents.span().offset(),
                        contents.span().len(),
                        contents.line(),
                        contents.column(),
                        contents.line_count(),
                    )
                })
                .map_err(|error| error.to_string())
        }))
        .ok()
    }

    proptest! {
        /// Reading a window answers exactly what miette's scan of the whole text answers.
        #[test]
        fn reads_a_span_as_miette_reads_the_whole_text(
            text in text(),
            start in 0usize..50,
            len in 0usize..50,
            before in 0usize..4,
            after in 0usize..4,
        ) {
            let file = SourceFile::new("t.outcome", text.as_str());
            let source = FileSource { file: &file };
            let span = SourceSpan::new(start.into(), len);
            let ours = read(&source, &span, before, after);
            let theirs = read(&text.as_str(), &span, before, after);
            prop_assert_eq!(ours, theirs);
            if let Some(Ok(_)) = read(&source, &span, before, after) {
                let named = source.read_span(&span, before, after).unwrap();
                prop_assert_eq!(named.name(), Some("t.outcome"));
            }
        }
    }
}
