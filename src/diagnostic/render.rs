//! Printing diagnostics: miette's graphical report for people, `Record` for machines.

use super::{Diagnostic, Label, Severity};
use crate::source::{SourceFile, Span};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use serde::Serialize;
use std::fmt;

/// One diagnostic as a flat record: `check --format json` prints one per line.
/// Lines and columns are 1-based; columns count characters; the end is exclusive.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
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
    /// The diagnostic's second labels, each with its file: the other side of a conflict in
    /// the same file, or a place in another (the line of the specification that sets the
    /// rule a bid breaks). Left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedRecord>,
}

/// A second label of a diagnostic: its file, place and what it says.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct RelatedRecord {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub message: String,
}

impl RelatedRecord {
    fn new(file: &SourceFile, label: &Label) -> RelatedRecord {
        let start = file.line_col(label.span.start);
        let end = file.line_col(label.span.end);
        RelatedRecord {
            file: file.name.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            message: label.text.to_string(),
        }
    }
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
            help: diagnostic.help.as_deref().map(str::to_string),
            file: file.name.clone(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            related: diagnostic
                .secondary
                .iter()
                .map(|label| RelatedRecord::new(file, label))
                .chain(
                    diagnostic
                        .related()
                        .iter()
                        .map(|r| RelatedRecord::new(&r.file, &r.label)),
                )
                .collect(),
        }
    }
}

/// Render one diagnostic as miette's graphical report, with or without colour.
///
/// miette draws the source it is given, so it is given a view of the file (`View`): the lines
/// near the labels, each long line cut to the parts around its labels, every line end made a
/// line feed and every control or bidirectional formatting character written as an escape.
pub fn render_human(file: &SourceFile, diagnostic: &Diagnostic, color: bool) -> String {
    let labels: Vec<Label> = std::iter::once(&diagnostic.primary)
        .chain(&diagnostic.secondary)
        .cloned()
        .collect();
    let view = View::new(file, &labels);
    // An empty file has no line for miette to draw, and then it would not name the file.
    if view.widest > WIDEST_DRAWN_LINE || file.text.is_empty() {
        return render_without_source(file, diagnostic, color);
    }
    draw(diagnostic, view, color)
}

/// The report as miette draws it, with the lines of `view`.
fn draw(diagnostic: &Diagnostic, view: View, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_wrap_lines(false)
        .with_show_related_as_nested(true);
    let related = diagnostic
        .related()
        .iter()
        .map(|r| Elsewhere {
            label: &r.label,
            view: View::new(&r.file, std::slice::from_ref(&r.label)),
        })
        .collect();
    let report = Report {
        diagnostic,
        view,
        related,
    };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        // Rendering into a String cannot fail in practice; fall back to the plain line.
        out = format!("{}: {}\n", diagnostic.code, diagnostic.message);
    }
    out
}

/// A line longer than this many bytes is drawn cut: `…`, the characters around each label,
/// `…`. Shorter lines are drawn whole.
const LONGEST_WHOLE_LINE: usize = 200;

/// How many characters are drawn on each side of a label's start and end on a cut line.
const AROUND_A_LABEL: usize = 60;

/// miette cannot draw a label past column 65,535 (Rust refuses a wider `format!` width, and
/// miette panics), so a view line longer than this many bytes (a tab is at most four columns)
/// is not drawn: the report gives the position in words instead. Only a diagnostic with a
/// hundred labels on one line comes near it.
const WIDEST_DRAWN_LINE: usize = 10_000;

/// The report without the source drawn, the position given in words: for labels too many to
/// draw on one line, and for an empty file.
fn render_without_source(file: &SourceFile, diagnostic: &Diagnostic, color: bool) -> String {
    let at = file.line_col(diagnostic.primary.span.start);
    let mut bare = diagnostic.clone();
    bare.message = format!(
        "{} (at {}:{}:{}: {})",
        diagnostic.message, file.name, at.line, at.column, diagnostic.primary.text
    );
    bare.secondary.clear();
    let empty = SourceFile::new(file.name.clone(), "");
    let labels = [bare.primary.clone()];
    draw(&bare, View::new(&empty, &labels), color)
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    view: View<'a>,
    /// The labels in other files, each drawn after the report as a note with its own
    /// snippet of its own file.
    related: Vec<Elsewhere<'a>>,
}

/// A label in another file, as miette draws a related diagnostic: an advice whose message is
/// the label's text, with the lines around it.
struct Elsewhere<'a> {
    label: &'a Label,
    view: View<'a>,
}

/// What miette draws for one diagnostic: the lines around its labels, as `Block`s of
/// consecutive lines, and the labels moved onto that text.
///
/// miette reads the whole of the text it is given to find a line, and draws every line of a
/// snippet whole; a report drawn from the file itself cost time in proportion to the file and
/// to the longest line, and miette panics on a label past column 65,535. The view holds only
/// the lines drawn, each line longer than `LONGEST_WHOLE_LINE` bytes cut to the characters
/// around its labels with `…` for what is left out, so a report costs the same on a 16 MB
/// line as on a short one. Line numbers and the column in the header stay those of the file:
/// each block knows its first line, and each label its column.
///
/// In the view every line ends in a line feed (miette counts a lone CR as a line end when it
/// finds a line but not when it draws one, and drew the rest of the file's line after it),
/// a byte-order mark is left out, and control and bidirectional formatting characters are
/// written as escapes (`inert::escape`), so the text drawn cannot move the cursor, colour the
/// terminal or reorder the line around it.
struct View<'a> {
    name: &'a str,
    text: String,
    blocks: Vec<Block>,
    /// Each label's span in `text`, the primary first.
    labels: Vec<(usize, usize)>,
    /// Where each label starts in `text`, with its 0-based column in the file, for the
    /// report's header; the primary first, so that it answers for a place two labels share.
    columns: Vec<(usize, usize)>,
    /// The longest line of `text`, in bytes.
    widest: usize,
}

/// Lines `line..` of the file, at `start..end` in the view's text.
struct Block {
    line: usize,
    start: usize,
    end: usize,
}

/// One end of a label, in the file (`offset`) and once placed, in the view.
struct End {
    label: usize,
    is_end: bool,
    offset: usize,
    line: usize,
}

impl<'a> View<'a> {
    /// The view of `file` for `labels`, the primary first.
    fn new(file: &'a SourceFile, labels: &[Label]) -> View<'a> {
        let mut view = View {
            name: &file.name,
            text: String::new(),
            blocks: Vec::new(),
            labels: Vec::new(),
            columns: Vec::new(),
            widest: 0,
        };
        if file.text.is_empty() {
            return view;
        }
        let spans: Vec<(usize, usize)> = labels
            .iter()
            .map(|label| visible(&file.text, label.span))
            .collect();
        let mut ends: Vec<End> = spans
            .iter()
            .enumerate()
            .flat_map(|(label, &(start, end))| {
                [(false, start), (true, end)].map(|(is_end, offset)| End {
                    label,
                    is_end,
                    offset,
                    line: line_of(file, offset),
                })
            })
            .collect();
        ends.sort_by_key(|end| end.offset);
        view.labels = vec![(0, 0); spans.len()];
        let mut placed = vec![0; ends.len()];
        let mut next_end = 0;
        for (first, last) in line_ranges(file, &ends, spans.len()) {
            let start = view.text.len();
            for line in first..=last {
                let on_line = ends[next_end..]
                    .iter()
                    .take_while(|end| end.line == line)
                    .count();
                let range = next_end..next_end + on_line;
                view.push_line(file, line, &ends[range.clone()], &mut placed[range]);
                next_end += on_line;
            }
            view.blocks.push(Block {
                line: first,
                start,
                end: view.text.len(),
            });
        }
        view.columns = vec![(0, 0); spans.len()];
        for (end, at) in ends.iter().zip(placed) {
            let (start, finish) = &mut view.labels[end.label];
            if end.is_end {
                *finish = at;
            } else {
                *start = at;
                view.columns[end.label] = (at, file.line_col(end.offset).column - 1);
            }
        }
        // Only a label at the end of the file is empty: it covers the space drawn for it.
        for (start, finish) in &mut view.labels {
            if start == finish {
                *finish += 1;
            }
        }
        view
    }

    /// Draw line `line` of the file (0-based), cut around `ends` if it is long, and note in
    /// `placed` where each of `ends` lands in the view.
    fn push_line(&mut self, file: &SourceFile, line: usize, ends: &[End], placed: &mut [usize]) {
        let text = &*file.text;
        let starts = file.line_starts();
        let from = starts[line];
        let (to, ended) = match starts.get(line + 1) {
            Some(&next) if text[..next].ends_with("\r\n") => (next - 2, true),
            Some(&next) => (next - 1, true),
            None => (text.len(), false),
        };
        let points: Vec<usize> = ends.iter().map(|end| end.offset.clamp(from, to)).collect();
        let pieces = if to - from <= LONGEST_WHOLE_LINE {
            vec![(from, to)]
        } else {
            pieces_around(text, from, to, &points)
        };
        let line_start = self.text.len();
        let mut next_point = 0;
        let mut previous = from;
        for (start, end) in pieces {
            if start > previous {
                self.text.push('…');
            }
            let mut at = start;
            while next_point < points.len() && points[next_point] <= end {
                let point = points[next_point].max(start);
                crate::inert::escape_into(&mut self.text, &text[at..point]);
                placed[next_point] = self.text.len();
                at = point;
                next_point += 1;
            }
            crate::inert::escape_into(&mut self.text, &text[at..end]);
            previous = end;
        }
        if previous < to {
            self.text.push('…');
        }
        self.widest = self.widest.max(self.text.len() - line_start);
        if ended {
            self.text.push('\n');
        } else if ends.iter().any(|end| !end.is_end && end.offset >= to) {
            // A label at the end of the file (`visible`): miette draws no label past the end
            // of its text, nor an empty last line, so a space is drawn there for it.
            self.text.push(' ');
        }
    }
}

/// The 0-based line holding byte `offset`, as `SourceFile::line_col` counts lines: a
/// byte-order mark is part of the first line.
fn line_of(file: &SourceFile, offset: usize) -> usize {
    file.line_starts()
        .partition_point(|start| *start <= offset)
        .max(1)
        - 1
}

/// The runs of lines to draw: two lines either side of every label (miette draws one line of
/// context, and reads one more to find it), runs that touch or overlap joined into one, in
/// order. `ends` is sorted by offset.
fn line_ranges(file: &SourceFile, ends: &[End], labels: usize) -> Vec<(usize, usize)> {
    let last_line = file.line_starts().len() - 1;
    let mut by_label = vec![(usize::MAX, 0); labels];
    for end in ends {
        let range = &mut by_label[end.label];
        range.0 = range.0.min(end.line.saturating_sub(2));
        range.1 = range.1.max((end.line + 2).min(last_line));
    }
    by_label.sort_unstable();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (first, last) in by_label {
        match ranges.last_mut() {
            Some(previous) if first <= previous.1 + 1 => previous.1 = previous.1.max(last),
            _ => ranges.push((first, last)),
        }
    }
    ranges
}

/// The parts of a long line `from..to` to draw: `AROUND_A_LABEL` characters either side of
/// each point (sorted), joined where they meet; the start of the line if there is no point.
fn pieces_around(text: &str, from: usize, to: usize, points: &[usize]) -> Vec<(usize, usize)> {
    if points.is_empty() {
        return vec![(from, forward(text, from, to, 2 * AROUND_A_LABEL))];
    }
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    for &point in points {
        let piece = (
            back(text, from, point, AROUND_A_LABEL),
            forward(text, point, to, AROUND_A_LABEL),
        );
        match pieces.last_mut() {
            Some(previous) if piece.0 <= previous.1 => previous.1 = previous.1.max(piece.1),
            _ => pieces.push(piece),
        }
    }
    pieces
}

/// The byte `count` characters before `at`, or `from` if that comes first.
fn back(text: &str, from: usize, at: usize, count: usize) -> usize {
    text[from..at]
        .char_indices()
        .rev()
        .nth(count.saturating_sub(1))
        .map_or(from, |(i, _)| from + i)
}

/// The byte `count` characters after `at`, or `to` if that comes first.
fn forward(text: &str, at: usize, to: usize, count: usize) -> usize {
    text[at..to]
        .char_indices()
        .nth(count)
        .map_or(to, |(i, _)| at + i)
}

/// A label's span as drawn: an empty span is widened to one character so the caret is
/// visible, but at the end of the text, where there is none, it stays empty: the view draws a
/// space there for it (`View::push_line`), after the last character or on the empty line
/// after the last line break, where the JSON's position is.
fn visible(text: &str, span: Span) -> (usize, usize) {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    if start >= text.len() {
        return (text.len(), text.len());
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end == start {
        let width = text[start..].chars().next().map_or(0, char::len_utf8);
        return (start, start + width);
    }
    (start, end)
}

impl SourceCode for View<'_> {
    /// miette's own reading, run on the one block that holds the span, with the block's first
    /// line added to the line numbers; a span across two blocks cannot be read, so miette
    /// draws its labels as two snippets. Read with no lines of context, as for the header of
    /// a report, a label's start answers with its column in the file.
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let start = span.offset();
        let end = start.saturating_add(span.len());
        let index = self.blocks.partition_point(|block| block.end <= start);
        let block = self
            .blocks
            .get(index)
            .filter(|block| end <= block.end)
            .ok_or(MietteError::OutOfBounds)?;
        let window = &self.text.as_bytes()[block.start..block.end];
        let within = SourceSpan::new((start - block.start).into(), span.len());
        let contents = <[u8] as SourceCode>::read_span(
            window,
            &within,
            context_lines_before,
            context_lines_after,
        )?;
        let column = match self.columns.iter().find(|(at, _)| *at == start) {
            Some((_, column)) if context_lines_before == 0 => *column,
            _ => contents.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + block.start).into(),
                contents.span().len(),
            ),
            contents.line() + block.line,
            column,
            contents.line_count() + block.line,
        )))
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
            .map(|h| Box::new(&**h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.view)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.view.text.is_empty() {
            return None;
        }
        let texts = std::iter::once(&self.diagnostic.primary)
            .chain(&self.diagnostic.secondary)
            .map(|label| label.text.to_string());
        let spans = texts
            .zip(&self.view.labels)
            .enumerate()
            .map(|(i, (text, &(start, end)))| {
                let span = (start, end - start);
                if i == 0 {
                    LabeledSpan::new_primary_with_span(Some(text), span)
                } else {
                    LabeledSpan::new_with_span(Some(text), span)
                }
            });
        Some(Box::new(spans))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}

impl fmt::Debug for Elsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.label, f)
    }
}

impl fmt::Display for Elsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in `{}`: {}", self.view.name, self.label.text)
    }
}

impl std::error::Error for Elsewhere<'_> {}

impl miette::Diagnostic for Elsewhere<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    /// The lines around the label, unless they are too wide to draw (see
    /// `WIDEST_DRAWN_LINE`): then the message alone, which names the file.
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        (!self.view.text.is_empty() && self.view.widest <= WIDEST_DRAWN_LINE)
            .then_some(&self.view as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source_code()?;
        let (start, end) = *self.view.labels.first()?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(
                Some(self.label.text.to_string()),
                (start, end - start),
            ),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;
    use proptest::prelude::*;

    /// A diagnostic drawn by miette from the whole text, as it was before the view: for
    /// comparison where the view should change nothing.
    #[derive(Debug)]
    struct Whole {
        source: miette::NamedSource<String>,
        labels: Vec<(usize, usize)>,
    }

    impl fmt::Display for Whole {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("m")
        }
    }

    impl std::error::Error for Whole {}

    impl miette::Diagnostic for Whole {
        fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
            Some(Box::new("E0101"))
        }
        fn source_code(&self) -> Option<&dyn SourceCode> {
            Some(&self.source)
        }
        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            let labels = self.labels.iter().enumerate().map(|(i, &(start, end))| {
                let text = Some(format!("label {i}"));
                if i == 0 {
                    LabeledSpan::new_primary_with_span(text, (start, end - start))
                } else {
                    LabeledSpan::new_with_span(text, (start, end - start))
                }
            });
            Some(Box::new(labels))
        }
    }

    fn diagnostic(spans: &[(usize, usize)]) -> Diagnostic {
        let mut d = Diagnostic::new(
            Code::E0101,
            "m",
            Span::new(spans[0].0, spans[0].1),
            "label 0",
        );
        for (i, &(start, end)) in spans.iter().enumerate().skip(1) {
            d = d.also(Span::new(start, end), format!("label {i}"));
        }
        d
    }

    fn whole(text: &str, spans: &[(usize, usize)]) -> String {
        let report = Whole {
            source: miette::NamedSource::new("t.outcome", text.to_string()),
            labels: spans
                .iter()
                .map(|&(start, end)| visible(text, Span::new(start, end)))
                .collect(),
        };
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_wrap_lines(false);
        let mut out = String::new();
        handler.render_report(&mut out, &report).unwrap();
        out
    }

    /// Short lines of ASCII text ended by line feeds, where the view leaves every line whole.
    fn short_lines() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec!["a", "bc", "d e", " ", "\n", "\t"]);
        prop::collection::vec(piece, 1..60).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        /// On short lines of plain text, drawing from the view is drawing from the whole
        /// text: one label anywhere, and a second on the same line or up to three lines on.
        #[test]
        fn the_view_draws_short_lines_as_miette_draws_the_whole_text(
            text in short_lines(),
            start in 0usize..80,
            len in 0usize..6,
            second in prop::option::of((0usize..20, 0usize..3)),
        ) {
            // A label at the end of the text, which miette does not draw, is drawn on a
            // space of the view's own (`a_label_at_the_end_of_the_file_is_where_the_json_says`).
            prop_assume!(start < text.len());
            let file = SourceFile::new("t.outcome", text.as_str());
            let mut spans = vec![(start, start + len)];
            if let Some((shift, len)) = second {
                let from = start + shift;
                let lines_between = text[start..from.min(text.len())].matches('\n').count();
                if from < text.len() && lines_between <= 3 {
                    spans.push((from, from + len));
                }
            }
            prop_assert_eq!(render_human(&file, &diagnostic(&spans), false), whole(&text, &spans));
        }
    }

    /// The column of `marker` on the drawn line numbered `line`, and the column of the
    /// caret or underline start on the line after it.
    fn columns_drawn(shown: &str, line: usize) -> (usize, usize) {
        let lines: Vec<&str> = shown.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{line} │")))
            .unwrap();
        let drawn = lines[at];
        let under = lines[at + 1];
        let mark = drawn.chars().position(|c| c == '#').unwrap();
        let caret = under.chars().position(|c| c == '┬' || c == '─').unwrap();
        (mark, caret)
    }

    #[test]
    fn a_label_far_along_a_long_line_is_drawn_in_a_window_of_it() {
        let text = format!(
            "first\n{}#{}\nlast\n",
            "x".repeat(100_000),
            "é".repeat(100_000)
        );
        let at = text.find('#').unwrap();
        let file = SourceFile::new("t.outcome", text.as_str());
        let shown = render_human(&file, &diagnostic(&[(at, at + 1)]), false);
        assert!(shown.contains("[t.outcome:2:100001]"), "{shown}");
        let (mark, caret) = columns_drawn(&shown, 2);
        assert_eq!(mark, caret, "{shown}");
        let drawn = shown.lines().find(|l| l.contains('#')).unwrap();
        assert_eq!(
            drawn.trim_start_matches([' ', '2', '│']),
            format!(
                "…{}#{}…",
                "x".repeat(AROUND_A_LABEL),
                "é".repeat(AROUND_A_LABEL)
            )
        );
        assert!(shown.len() < 2_000, "{shown}");
    }

    #[test]
    fn a_label_across_a_long_line_is_drawn_from_its_start_to_its_end() {
        let text = format!(
            "{}#{}#{}",
            "a".repeat(500),
            "b".repeat(5_000),
            "c".repeat(500)
        );
        let start = text.find('#').unwrap();
        let end = text.rfind('#').unwrap() + 1;
        let file = SourceFile::new("t.outcome", text.as_str());
        let shown = render_human(&file, &diagnostic(&[(start, end)]), false);
        assert!(shown.contains("[t.outcome:1:501]"), "{shown}");
        let (mark, caret) = columns_drawn(&shown, 1);
        assert_eq!(mark, caret, "{shown}");
        let underline = shown.lines().find(|l| l.contains('┬')).unwrap();
        let drawn = shown.lines().find(|l| l.contains('#')).unwrap();
        // The underline ends under the second `#`.
        let last_mark = drawn.chars().count() - drawn.chars().rev().position(|c| c == '#').unwrap();
        assert_eq!(underline.chars().count(), last_mark, "{shown}");
    }

    #[test]
    fn a_lone_carriage_return_ends_the_line_drawn() {
        let text = format!("{}\rx 5\n", "y".repeat(70_000));
        let at = text.find('5').unwrap();
        let file = SourceFile::new("t.outcome", text.as_str());
        let shown = render_human(&file, &diagnostic(&[(at, at + 1)]), false);
        assert!(shown.contains("[t.outcome:2:3]"), "{shown}");
        assert!(shown.contains(" 2 │ x 5\n"), "{shown}");
        assert!(!shown.contains('\r'), "{shown:?}");
    }

    #[test]
    fn a_label_at_the_end_of_the_file_is_where_the_json_says() {
        for (text, at) in [
            ("contract \"x\" {", "[t.outcome:1:15]"),
            ("contract \"x\" {\n", "[t.outcome:2:1]"),
            ("contract \"x\" {\r\n", "[t.outcome:2:1]"),
            ("\n\n", "[t.outcome:3:1]"),
        ] {
            let file = SourceFile::new("t.outcome", text);
            let end = text.len();
            let position = file.line_col(end);
            assert!(
                at.ends_with(&format!(":{}:{}]", position.line, position.column)),
                "{text:?}"
            );
            for span in [(end, end), (end + 3, end + 5)] {
                let shown = render_human(&file, &diagnostic(&[span]), false);
                assert!(shown.contains(at), "{text:?}: {shown}");
                // The caret sits under the space drawn after the text.
                let line = at.trim_end_matches(']').rsplit(':').nth(1).unwrap();
                let drawn = shown
                    .lines()
                    .find(|l| l.trim_start().starts_with(&format!("{line} │")))
                    .unwrap();
                let caret = shown.lines().skip_while(|l| *l != drawn).nth(1).unwrap();
                assert_eq!(
                    caret.chars().position(|c| c == '┬'),
                    Some(drawn.chars().count() - 1),
                    "{text:?}: {shown}"
                );
            }
        }
    }

    #[test]
    fn a_diagnostic_on_an_empty_file_names_the_file() {
        let file = SourceFile::new("empty.outcome", "");
        let shown = render_human(&file, &diagnostic(&[(0, 0)]), false);
        assert!(shown.contains("empty.outcome:1:1"), "{shown}");
    }

    #[test]
    fn labels_far_apart_are_drawn_as_two_snippets() {
        let text = (0..2_000)
            .map(|i| format!("line {i}\n"))
            .collect::<String>();
        let first = text.find("line 10\n").unwrap();
        let second = text.find("line 1900\n").unwrap();
        let file = SourceFile::new("t.outcome", text.as_str());
        let shown = render_human(
            &file,
            &diagnostic(&[(first, first + 4), (second, second + 4)]),
            false,
        );
        assert_eq!(shown.matches("╭─[").count(), 2, "{shown}");
        assert!(shown.lines().count() < 20, "{shown}");
        assert!(
            shown.contains("[t.outcome:11:1]") && shown.contains("[t.outcome:1901:1]"),
            "{shown}"
        );
    }

    #[test]
    fn control_and_bidi_characters_in_the_source_are_drawn_as_escapes() {
        let text = "a \"\u{202e}\x1b[2J\" 5\n";
        let at = text.find('5').unwrap();
        let file = SourceFile::new("t.outcome", text);
        let shown = render_human(&file, &diagnostic(&[(at, at + 1)]), false);
        assert!(shown.contains(r#"1 │ a "\u{202e}\u{1b}[2J" 5"#), "{shown}");
        assert!(
            !shown.contains('\u{202e}') && !shown.contains('\x1b'),
            "{shown:?}"
        );
        let (mark, caret) = {
            let line = shown.lines().find(|l| l.contains("[2J")).unwrap();
            let under = shown.lines().find(|l| l.contains('┬')).unwrap();
            (
                line.chars().position(|c| c == '5').unwrap(),
                under.chars().position(|c| c == '┬').unwrap(),
            )
        };
        assert_eq!(mark, caret, "{shown}");
    }

    #[test]
    fn a_label_in_another_file_is_drawn_from_that_file_after_the_report() {
        let bid = SourceFile::new(
            "bid.outcome",
            "bid \"B\" on \"s.outcome\" {\n  pay £9 for a\n}\n",
        );
        let spec = SourceFile::new("s.outcome", "one\nbidding {\n  price at most £5 for a\n}\n");
        let at = bid.text.find("£9").unwrap();
        let rule = spec.text.find("price").unwrap();
        let d = Diagnostic::new(Code::E0704, "above", Span::new(at, at + 3), "£4 over").elsewhere(
            &spec,
            Span::new(rule, rule + 22),
            "the ceiling of £5",
        );
        let shown = render_human(&bid, &d, false);
        let own = shown.find("[bid.outcome:2:7]").unwrap();
        let other = shown.find("[s.outcome:3:3]").unwrap();
        assert!(own < other, "{shown}");
        assert!(
            shown.contains("in `s.outcome`: the ceiling of £5"),
            "{shown}"
        );
        assert!(shown.contains(" 3 │   price at most £5 for a"), "{shown}");
        // A long line of the other file is drawn as its own are: a window around the label.
        let wide = SourceFile::new("s.outcome", format!("{}\n", "x ".repeat(10_000)));
        let d = Diagnostic::new(Code::E0704, "above", Span::new(at, at + 3), "£4 over").elsewhere(
            &wide,
            Span::new(19_000, 19_001),
            "here",
        );
        let shown = render_human(&bid, &d, false);
        assert!(shown.contains("in `s.outcome`: here"), "{shown}");
        assert!(
            shown.contains("[s.outcome:1:19001]") && shown.contains('…'),
            "{shown}"
        );
        assert!(shown.len() < 2_000, "{shown}");
    }

    #[test]
    fn a_hundred_labels_on_one_line_are_given_in_words() {
        let text = "x ".repeat(50_000);
        let spans: Vec<(usize, usize)> = (0..200).map(|i| (i * 500, i * 500 + 1)).collect();
        let file = SourceFile::new("t.outcome", text.as_str());
        let shown = render_human(&file, &diagnostic(&spans), false);
        assert!(shown.contains("(at t.outcome:1:1: label 0)"), "{shown}");
        assert!(shown.len() < 1_000, "{shown}");
    }
}
