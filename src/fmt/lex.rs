//! The formatter's view of the text: a flat list of tokens that keeps line breaks and comments.
//!
//! This is deliberately not the grammar. It knows only what layout needs: where text, comments
//! and braces are, and which whitespace separates tokens. Everything else is a `Word`, a run of
//! characters up to the next space or punctuation, reproduced exactly as written. So a new
//! clause, keyword or operator (`>=`, `deadweight 1 in 6`) needs no change here.
//!
//! Invariant the formatter relies on: whitespace is never inside a token, and splitting where
//! this lexer splits never cuts one of the grammar's atomic tokens. A `,` is kept inside a word
//! between two digits (`£120,000`), and `"""` text is one token however many lines it spans.

/// What a token is, as far as layout is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Anything else: keywords, names, numbers, money, percentages, dates, operators.
    Word,
    /// `"…"` on one line, escapes included.
    Text,
    /// `"""…"""`, possibly over several lines; its content is meaning and never changes.
    Block,
    /// `{`
    Open,
    /// `}`
    Close,
    /// `,` between items of a list
    Comma,
    /// `(`
    OpenParen,
    /// `)`
    CloseParen,
    /// `#` to the end of the line, without the line break.
    Comment,
    /// A line break outside a token: LF, CRLF or a lone CR.
    Newline,
}

/// One token: its kind, its text exactly as written, and where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// Byte offset in the source.
    pub start: usize,
    /// The column it starts at, counted in characters from the start of its line (0-based).
    pub column: usize,
}

/// Split source text into tokens. Never fails: text that does not close runs to the end of its
/// line (a `"`) or of the file (a `"""`), which is what a file that parses never contains.
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        line_start: 0,
        counted: (0, 0),
        out: Vec::new(),
    };
    lexer.run();
    lexer.out
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    line_start: usize,
    /// An offset on the current line and its column, so that columns are counted once per
    /// character even on a very long line.
    counted: (usize, usize),
    out: Vec<Token<'a>>,
}

impl<'a> Lexer<'a> {
    fn run(&mut self) {
        while let Some(ch) = self.peek() {
            let start = self.pos;
            match ch {
                ' ' | '\t' | '\u{FEFF}' => self.pos += ch.len_utf8(),
                '\n' | '\r' => {
                    self.pos += 1;
                    if ch == '\r' && self.peek() == Some('\n') {
                        self.pos += 1;
                    }
                    self.push(Kind::Newline, start);
                    self.line_start = self.pos;
                }
                '#' => {
                    self.pos = self.end_of_line();
                    self.push(Kind::Comment, start);
                }
                '"' if self.text[start..].starts_with("\"\"\"") => {
                    let after = start + 3;
                    self.pos = match self.text[after..].find("\"\"\"") {
                        Some(close) => after + close + 3,
                        None => self.text.len(),
                    };
                    self.push(Kind::Block, start);
                    // A block spans lines: columns after it count from its last line.
                    if let Some(last_break) = self.text[start..self.pos].rfind(['\n', '\r']) {
                        self.line_start = start + last_break + 1;
                    }
                }
                '"' => {
                    self.pos = self.end_of_line_string(start + 1);
                    self.push(Kind::Text, start);
                }
                '{' | '}' | '(' | ')' | ',' => {
                    self.pos += 1;
                    let kind = match ch {
                        '{' => Kind::Open,
                        '}' => Kind::Close,
                        '(' => Kind::OpenParen,
                        ')' => Kind::CloseParen,
                        _ => Kind::Comma,
                    };
                    self.push(kind, start);
                }
                _ => {
                    self.pos = self.end_of_word(start);
                    self.push(Kind::Word, start);
                }
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn push(&mut self, kind: Kind, start: usize) {
        let (mut from, mut column) = self.counted;
        if from < self.line_start {
            (from, column) = (self.line_start, 0);
        }
        column += self.text[from..start].chars().count();
        self.counted = (start, column);
        self.out.push(Token {
            kind,
            text: &self.text[start..self.pos],
            start,
            column,
        });
    }

    fn end_of_line(&self) -> usize {
        self.text[self.pos..]
            .find(['\n', '\r'])
            .map_or(self.text.len(), |end| self.pos + end)
    }

    /// The end of `"…"` begun just before `from`: after the closing quote, or at the end of
    /// the line when it is not closed. A backslash escapes the character after it.
    fn end_of_line_string(&self, from: usize) -> usize {
        let mut chars = self.text[from..].char_indices();
        while let Some((i, ch)) = chars.next() {
            match ch {
                '"' => return from + i + 1,
                '\n' | '\r' => return from + i,
                '\\' => {
                    if let Some((_, '\n' | '\r')) = chars.clone().next() {
                        continue;
                    }
                    chars.next();
                }
                _ => {}
            }
        }
        self.text.len()
    }

    /// The end of a word: the next whitespace, comment, quote or punctuation. A comma between
    /// two digits belongs to the number (`1,200`).
    fn end_of_word(&self, start: usize) -> usize {
        let bytes = self.text.as_bytes();
        for (i, ch) in self.text[start..].char_indices() {
            let at = start + i;
            let ends = match ch {
                ' ' | '\t' | '\n' | '\r' | '#' | '"' | '{' | '}' | '(' | ')' | '\u{FEFF}' => true,
                ',' => {
                    let digit_before = at > 0 && bytes[at - 1].is_ascii_digit();
                    let digit_after = bytes.get(at + 1).is_some_and(u8::is_ascii_digit);
                    !(digit_before && digit_after)
                }
                _ => false,
            };
            if ends {
                return at;
            }
        }
        self.text.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_and_texts(text: &str) -> Vec<(Kind, &str)> {
        tokens(text).iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn words_text_and_punctuation() {
        use Kind::*;
        assert_eq!(
            kinds_and_texts("pay £1,200 for a, b # note\r\n\"x, \\\"y\\\"\"{}"),
            [
                (Word, "pay"),
                (Word, "£1,200"),
                (Word, "for"),
                (Word, "a"),
                (Comma, ","),
                (Word, "b"),
                (Comment, "# note"),
                (Newline, "\r\n"),
                (Text, "\"x, \\\"y\\\"\""),
                (Open, "{"),
                (Close, "}"),
            ]
        );
    }

    #[test]
    fn a_block_is_one_token_over_several_lines() {
        let text = "eligibility \"\"\"\n  one # not a comment\n  \"two\"\n  \"\"\" x";
        let tokens = tokens(text);
        assert_eq!(tokens.len(), 3);
        assert_eq!(tokens[1].kind, Kind::Block);
        assert!(tokens[1].text.ends_with("\"\"\""));
        assert_eq!(tokens[2].text, "x");
        assert_eq!(tokens[2].column, 6);
    }

    #[test]
    fn operators_and_parentheses() {
        use Kind::*;
        assert_eq!(
            kinds_and_texts("bonus if a >= 12 exclusive a or (b,c)"),
            [
                (Word, "bonus"),
                (Word, "if"),
                (Word, "a"),
                (Word, ">="),
                (Word, "12"),
                (Word, "exclusive"),
                (Word, "a"),
                (Word, "or"),
                (OpenParen, "("),
                (Word, "b"),
                (Comma, ","),
                (Word, "c"),
                (CloseParen, ")"),
            ]
        );
    }

    #[test]
    fn columns_count_characters() {
        let tokens = tokens("£1 x\n  # c");
        assert_eq!(tokens[1].column, 3);
        assert_eq!(tokens[3].column, 2);
    }
}
