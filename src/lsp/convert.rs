//! Positions and addresses as the protocol has them: lines and UTF-16 columns, `file:` URIs.
//!
//! The compiler speaks byte offsets into one text; an editor speaks zero-based lines and
//! columns counted in UTF-16 code units (the protocol's default encoding, and the only one
//! every client supports). A line ends at LF, CRLF or a lone CR, as the protocol says.

use crate::source::Span;
use lsp_types::{Position, Range, Uri};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where each line of one text starts, to turn byte offsets into positions and back.
#[derive(Debug, Clone)]
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        for (i, byte) in bytes.iter().enumerate() {
            match byte {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
        }
        Lines { starts }
    }

    /// The position of a byte offset; an offset inside a character or past the end is
    /// clamped to the character boundary before it.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset).max(1) - 1;
        let start = self.starts[line];
        let column: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position::new(saturate(line), saturate(column))
    }

    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start),
            self.position(text, span.end),
        )
    }

    /// The byte offset of a position. A column past the end of its line is the end of the
    /// line, a line past the end of the text the end of the text, and a column inside a
    /// character's two UTF-16 units the character's start (the protocol asks for clamping).
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        let Some(&start) = self.starts.get(line) else {
            return text.len();
        };
        let end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let mut units = 0;
        for (at, c) in text[start..end].char_indices() {
            if c == '\n' || c == '\r' {
                return start + at;
            }
            units += c.len_utf16();
            if units > position.character as usize {
                return start + at;
            }
        }
        end
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The path a `file:` URI names, with its percent-escapes decoded; `None` for any other
/// scheme (an unsaved buffer), a remote host, or escapes that are not UTF-8.
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (host, path) = rest.split_at(rest.find('/')?);
    if !(host.is_empty() || host.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    let decoded = percent_decode(path)?;
    // `file:///C:/x` names `C:/x` on Windows.
    let bytes = decoded.as_bytes();
    if cfg!(windows) && bytes.len() > 2 && bytes[0] == b'/' && bytes[2] == b':' {
        return Some(PathBuf::from(&decoded[1..]));
    }
    Some(PathBuf::from(decoded))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `file:` URI of a path, escaped as SARIF output escapes paths.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let slashed = path.to_string_lossy().replace('\\', "/");
    let encoded = crate::diagnostic::sarif::encode_uri_path(&slashed);
    let text = if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        format!("file:///{encoded}")
    };
    Uri::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_utf16_units() {
        let text = "a\r\n£😀x\rb";
        let lines = Lines::new(text);
        let x = text.find('x').unwrap();
        // `£` is one unit, `😀` two.
        assert_eq!(lines.position(text, x), Position::new(1, 3));
        assert_eq!(lines.offset(text, Position::new(1, 3)), x);
        let b = text.find('b').unwrap();
        assert_eq!(lines.position(text, b), Position::new(2, 0));
        // past the end of a line: the line's end; past the last line: the text's end
        assert_eq!(lines.offset(text, Position::new(0, 40)), 1);
        assert_eq!(lines.offset(text, Position::new(9, 0)), text.len());
    }

    #[test]
    fn file_uris_round_trip() {
        let path = Path::new("/tmp/a b/c%d.outcome");
        let uri = path_to_uri(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20b/c%25d.outcome");
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        let untitled = Uri::from_str("untitled:Untitled-1").unwrap();
        assert_eq!(uri_to_path(&untitled), None);
    }
}
