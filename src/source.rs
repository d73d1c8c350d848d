//! Source text and positions in it.
//!
//! A `Span` is a pair of byte offsets into one file's text. Lines and columns are computed
//! only when a diagnostic is printed; columns count characters, not bytes, so a caret after
//! `£` or `é` lands on the right character.

use serde::Serialize;
use std::sync::{Arc, OnceLock};

/// A half-open byte range `start..end` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A name or a text of a contract, as the syntax tree and the model hold it: up to 24 bytes
/// (every identifier in the specs, and short descriptions) are kept in the 24 bytes a
/// `String` takes for its pointer, length and capacity, with no allocation of their own, so
/// that a copy of a name is a copy of 24 bytes and reading it reads no other memory. A file
/// of hundreds of thousands of declarations held each name and description in an allocation
/// of its own, read back from all over memory. Longer texts are held as a `String` is.
pub type Str = compact_str::CompactString;

/// A value with the span it was written at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// One contract file: its name as the user gave it and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    /// The byte offset where each line starts, so that finding a line is a binary search.
    line_starts: Arc<[usize]>,
    /// The first character boundary from every `CHECKPOINT`-th byte on, with how many
    /// characters come before it; built the first time a column is asked for far from its
    /// line's start, so that a column on a long line is counted from the nearest checkpoint
    /// rather than from the start of the line. Without it 100,000 diagnostics on one 2 MB
    /// line took 19 seconds to print.
    checkpoints: Arc<OnceLock<Checkpoints>>,
}

/// For each checkpoint, its byte offset and how many characters come before it.
type Checkpoints = Box<[(usize, usize)]>;

/// Bytes between two checkpoints.
const CHECKPOINT: usize = 1024;

/// A 1-based line and column; the column counts characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        let text: Arc<str> = text.into();
        // A byte-order mark is not a column of the first line.
        let first = if text.starts_with('\u{feff}') { 3 } else { 0 };
        // The line breaks found many bytes at a time: a step for every byte took a tenth
        // of a check of a file of short declarations. Without a CR, the common case, the
        // LFs are counted first, so that the list is made at its size in one piece: grown as
        // it filled and then copied, the list of a 10 MB file of short lines (2.7 MB, more
        // than the cache next to a core) made reading the file take 1.4 times as long.
        let bytes = text.as_bytes();
        let line_starts: Arc<[usize]> = if memchr::memchr(b'\r', bytes).is_none() {
            let lines = memchr::memchr_iter(b'\n', bytes).count();
            // The same search over the same bytes finds as many as were counted.
            let mut breaks = memchr::memchr_iter(b'\n', bytes);
            std::iter::once(first)
                .chain((0..lines).map(|_| breaks.next().map_or(0, |i| i + 1)))
                .collect()
        } else {
            let mut starts = vec![first];
            for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
                if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                    starts.push(i + 1);
                }
            }
            starts.into()
        };
        SourceFile {
            name: name.into(),
            text,
            line_starts,
            checkpoints: Arc::default(),
        }
    }

    /// The byte offset where each line starts, in order. The first line starts after a
    /// byte-order mark, at 3, if there is one; every other start follows a lone CR, a LF or a
    /// CRLF. Drawing a diagnostic uses it to find the few lines it shows without reading the
    /// text before them.
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// The line and column of a byte offset. Offsets inside a multi-byte character or past
    /// the end are clamped to the nearest character boundary at or before them. A lone CR,
    /// LF and CRLF each end one line.
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let index = self.line_index(offset);
        let start = self.line_starts[index].min(offset);
        LineCol {
            line: index + 1,
            column: self.chars_between(start, offset) + 1,
        }
    }

    /// The 1-based line of a byte offset, as `line_col` gives it, without counting the
    /// column's characters.
    pub fn line(&self, offset: usize) -> usize {
        // Lines start at character boundaries, so an offset inside a character is on the
        // line of the boundary before it.
        self.line_index(offset.min(self.text.len())) + 1
    }

    fn line_index(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|start| *start <= offset)
            .max(1)
            - 1
    }

    /// How many characters lie between two character boundaries, `from <= to`: counted
    /// directly when they are near, from the checkpoints when they are far apart, so that it
    /// costs at most a few thousand bytes' counting however long the line is.
    fn chars_between(&self, from: usize, to: usize) -> usize {
        if to - from <= 4 * CHECKPOINT {
            return self.text[from..to].chars().count();
        }
        self.chars_before(to) - self.chars_before(from)
    }

    /// How many characters come before byte `offset`, a character boundary.
    fn chars_before(&self, offset: usize) -> usize {
        let text = &*self.text;
        let checkpoints = self.checkpoints.get_or_init(|| {
            let mut checkpoints = Vec::with_capacity(text.len() / CHECKPOINT + 1);
            let (mut at, mut before) = (0, 0);
            while at < text.len() {
                checkpoints.push((at, before));
                let mut next = (checkpoints.len() * CHECKPOINT).min(text.len());
                while !text.is_char_boundary(next) {
                    next += 1;
                }
                before += text[at..next].chars().count();
                at = next;
            }
            checkpoints.push((at, before));
            checkpoints.into()
        });
        // Checkpoint `k` is the first character boundary at or after byte `k * CHECKPOINT`.
        let mut nearest = (offset / CHECKPOINT).min(checkpoints.len() - 1);
        while nearest > 0 && checkpoints[nearest].0 > offset {
            nearest -= 1;
        }
        let (at, before) = checkpoints[nearest];
        before + text[at..offset].chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let file = SourceFile::new("t", "a\r\n£é x\rb");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        let x = file.text.find('x').unwrap();
        assert_eq!(file.line_col(x), LineCol { line: 2, column: 4 });
        let b = file.text.find('b').unwrap();
        assert_eq!(file.line_col(b), LineCol { line: 3, column: 1 });
        // inside the two bytes of `£`: clamped to its start
        assert_eq!(file.line_col(4), LineCol { line: 2, column: 1 });
        assert_eq!(file.line_col(999).line, 3);
    }

    /// A line starts after a LF, a CRLF (once) or a lone CR, a CR at the very end included,
    /// and the first after a byte-order mark.
    #[test]
    fn lines_start_after_each_kind_of_line_break() {
        let file = SourceFile::new("breaks.outcome", "a\nb\r\nc\rd\r");
        assert_eq!(file.line_starts(), &[0, 2, 5, 7, 9]);
        assert_eq!(file.line_col(7), LineCol { line: 4, column: 1 });
        let file = SourceFile::new("bom.outcome", "\u{feff}a\n\n");
        assert_eq!(file.line_starts(), &[3, 5, 6]);
    }

    /// Text without a CR has its lines counted before they are listed; with one, listed as
    /// found. Both agree with a byte-by-byte walk, for text with no break, a break at the
    /// end or none there, and many short lines.
    #[test]
    fn line_starts_agree_with_a_walk_of_the_bytes() {
        let walk = |text: &str| {
            let bytes = text.as_bytes();
            let mut starts = vec![if text.starts_with('\u{feff}') { 3 } else { 0 }];
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                    starts.push(i + 1);
                }
            }
            starts
        };
        let many: String = (0..5_000)
            .map(|i| format!("outcome o{i} \"O\"\n"))
            .collect();
        let many_crlf = many.replace('\n', "\r\n");
        for text in [
            "", "a", "a\n", "a\nb", "\n\n", "\u{feff}", &many, &many_crlf,
        ] {
            assert_eq!(
                SourceFile::new("t", text).line_starts(),
                walk(text),
                "{text:?}"
            );
        }
        assert_eq!(
            SourceFile::new("t", many.as_str()).line_starts().len(),
            5_001
        );
    }

    /// Columns far along a long line come from the checkpoints; they must agree with
    /// counting the characters from the start of the line, whatever mix of widths.
    #[test]
    fn columns_far_along_a_long_line_count_characters() {
        let mut text = String::from("ab\n");
        for i in 0..20_000 {
            text.push(['x', '£', '€', '😀'][i % 4]);
        }
        text.push_str("\nz");
        let file = SourceFile::new("t", text.as_str());
        for (offset, _) in text.char_indices().step_by(97).chain([(text.len(), ' ')]) {
            let start = text[..offset].rfind('\n').map_or(0, |n| n + 1);
            let expected = text[start..offset].chars().count() + 1;
            assert_eq!(file.line_col(offset).column, expected, "at {offset}");
        }
    }

    proptest::proptest! {
        /// The line alone (for the clauses in the model) is the line `line_col` gives, at
        /// every offset: character boundaries or not, past the end, whatever ends the lines.
        #[test]
        fn the_line_alone_is_the_line_of_line_col(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["a", "£", "😀", "\n", "\r", "\r\n", " "]),
                0..40,
            ),
        ) {
            let text: String = parts.concat();
            let file = SourceFile::new("t", text.as_str());
            for offset in 0..=text.len() + 2 {
                proptest::prop_assert_eq!(file.line(offset), file.line_col(offset).line);
            }
        }
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let file = SourceFile::new("t", "\u{feff}ab\ncd");
        assert_eq!(file.line_col(3), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(4), LineCol { line: 1, column: 2 });
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(6), LineCol { line: 2, column: 1 });
    }
}
