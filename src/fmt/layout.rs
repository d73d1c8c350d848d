//! The canonical layout, computed from the formatter's tokens (`lex`) and a few positions the
//! parser knows (`Anchors`).
//!
//! The user's line structure is kept, with these changes only:
//! - `{` ends the line that opens the block (a `{` or `,` that starts a line moves to the end
//!   of the code line before it), `}` stands on its own line (a comment may follow it), and
//!   every declaration and funnel stage starts a line;
//! - indentation is two spaces per open brace, one level more for a line that continues a
//!   list (the line before ends with `,`); tokens on a line are one space apart, except before
//!   `,` and `)` and after `(`;
//! - blank lines: at most one in a row, none at the start or end of the file or of a block, and
//!   one before every top-level declaration (above the comments directly over it), except
//!   between one-line declarations of the same kind, so that a list of `use` lines stays a list;
//! - within a funnel, consecutive stage lines are aligned in columns (keyword, name,
//!   description, count right-aligned, then the rest);
//! - trailing comments of neighbouring lines in a block start in one column, two spaces after
//!   the longest of those lines (a `}` is not aligned: its comment follows it); a comment on
//!   its own line that hangs under such a comment (indented deeper than its block, directly
//!   below a line of the same block) follows it there;
//! - LF line endings, no trailing whitespace, one final line break.
//!
//! `"""` text is reproduced exactly, except that its line endings become LF, which the parser
//! treats as the same text.

use super::lex::{Kind, Token};
use super::Anchors;
use std::collections::BTreeMap;

/// Spaces per level of indentation.
const INDENT: usize = 2;

/// Spaces between code and a trailing comment, at the least.
const COMMENT_GAP: usize = 2;

/// Lay out a file's tokens. `bom` says whether the file started with a byte-order mark, which
/// is kept.
pub fn layout(tokens: &[Token<'_>], anchors: &Anchors, bom: bool) -> String {
    let rows = physical_rows(tokens);
    let rows = split_rows(rows, anchors);
    let rows = glue_rows(rows);
    let placed = place(rows);
    let placed = normalize_blank_lines(placed, anchors);
    let mut text = String::new();
    if bom {
        text.push('\u{FEFF}');
    }
    text.push_str(&render(&placed, anchors));
    text
}

/// One line of output in the making.
#[derive(Debug, Clone)]
enum Row<'a> {
    Blank,
    Code {
        tokens: Vec<Token<'a>>,
        comment: Option<Token<'a>>,
    },
    /// A comment on a line of its own.
    Comment(Token<'a>),
}

/// Source lines as rows; a `"""` block that spans lines stays inside the row it starts on.
fn physical_rows<'a>(tokens: &[Token<'a>]) -> Vec<Row<'a>> {
    let mut rows = Vec::new();
    let mut code = Vec::new();
    let mut comment = None;
    let mut finish = |code: &mut Vec<Token<'a>>, comment: &mut Option<Token<'a>>| {
        let row = match (code.is_empty(), comment.take()) {
            (true, None) => Row::Blank,
            (true, Some(comment)) => Row::Comment(comment),
            (false, comment) => Row::Code {
                tokens: std::mem::take(code),
                comment,
            },
        };
        rows.push(row);
    };
    for token in tokens {
        match token.kind {
            Kind::Newline => finish(&mut code, &mut comment),
            Kind::Comment => comment = Some(*token),
            _ => code.push(*token),
        }
    }
    if !code.is_empty() || comment.is_some() {
        finish(&mut code, &mut comment);
    }
    rows
}

/// Break lines after `{`, around `}`, and before every declaration and stage that does not
/// start its line. A trailing comment stays with the last piece.
fn split_rows<'a>(rows: Vec<Row<'a>>, anchors: &Anchors) -> Vec<Row<'a>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Row::Code { tokens, comment } = row else {
            out.push(row);
            continue;
        };
        let mut pieces: Vec<Vec<Token<'a>>> = vec![Vec::new()];
        for token in tokens {
            let breaks = pieces
                .last()
                .and_then(|piece| piece.last())
                .is_some_and(|last| {
                    token.kind == Kind::Close
                        || last.kind == Kind::Open
                        || last.kind == Kind::Close && token.kind != Kind::Comma
                        || token.kind == Kind::Word && anchors.starts_line(token.start)
                });
            if breaks {
                pieces.push(Vec::new());
            }
            if let Some(piece) = pieces.last_mut() {
                piece.push(token);
            }
        }
        let last = pieces.len() - 1;
        for (i, tokens) in pieces.into_iter().enumerate() {
            let comment = if i == last { comment } else { None };
            out.push(Row::Code { tokens, comment });
        }
    }
    out
}

/// Move a `{` or `,` that starts a line to the end of the code line before it, so that `{`
/// always ends the line that opens its block and a list never starts a line with a comma.
fn glue_rows(rows: Vec<Row<'_>>) -> Vec<Row<'_>> {
    let mut out: Vec<Row<'_>> = Vec::with_capacity(rows.len());
    for row in rows {
        let Row::Code {
            mut tokens,
            mut comment,
        } = row
        else {
            out.push(row);
            continue;
        };
        let leading = tokens
            .iter()
            .take_while(|token| matches!(token.kind, Kind::Open | Kind::Comma))
            .count();
        let previous_code = match leading {
            0 => None,
            _ => out.iter().rposition(|row| matches!(row, Row::Code { .. })),
        };
        if let Some(index) = previous_code {
            let adjacent = index + 1 == out.len();
            if let Some(Row::Code {
                tokens: before,
                comment: before_comment,
            }) = out.get_mut(index)
            {
                before.extend(tokens.drain(..leading));
                // `{  # note` on a line of its own keeps its note on the brace's new line.
                if tokens.is_empty() && adjacent && before_comment.is_none() {
                    *before_comment = comment.take();
                }
            }
        }
        match (tokens.is_empty(), comment) {
            (false, comment) => out.push(Row::Code { tokens, comment }),
            (true, Some(comment)) => out.push(Row::Comment(comment)),
            (true, None) => {}
        }
    }
    out
}

/// A row with where it sits: its depth, the block it belongs to, and how a comment on its own
/// line is placed.
#[derive(Debug, Clone)]
struct Placed<'a> {
    row: Row<'a>,
    depth: usize,
    /// The block the row is in: 0 for the top level, then one number per `{`. An opening
    /// line and a closing `}` belong to the block around them.
    block: usize,
    /// The line continues a list: the code line before, in the same block, ends with `,`.
    continues: bool,
    /// A comment on its own line that hangs under the trailing comment of the line above.
    hanging: bool,
}

impl Placed<'_> {
    fn indent(&self) -> usize {
        (self.depth + usize::from(self.continues)) * INDENT
    }

    fn is_blank(&self) -> bool {
        matches!(self.row, Row::Blank)
    }

    fn first_token(&self) -> Option<&Token<'_>> {
        match &self.row {
            Row::Code { tokens, .. } => tokens.first(),
            _ => None,
        }
    }

    fn last_kind(&self) -> Option<Kind> {
        match &self.row {
            Row::Code { tokens, .. } => tokens.last().map(|token| token.kind),
            _ => None,
        }
    }
}

fn place(rows: Vec<Row<'_>>) -> Vec<Placed<'_>> {
    let mut placed: Vec<Placed<'_>> = Vec::with_capacity(rows.len());
    let mut blocks = vec![0];
    let mut next_block = 1;
    // The block of the last code line, and whether it ended with a comma.
    let mut last_code: Option<(usize, bool)> = None;
    for row in rows {
        let depth = blocks.len() - 1;
        let block = blocks.last().copied().unwrap_or_default();
        let entry = match &row {
            Row::Blank => Placed {
                row,
                depth,
                block,
                continues: false,
                hanging: false,
            },
            Row::Comment(comment) => {
                let hanging = placed.last().is_some_and(|above| {
                    above.block == block
                        && comment.column > depth * INDENT
                        && (matches!(above.row, Row::Code { .. }) || above.hanging)
                });
                Placed {
                    row,
                    depth,
                    block,
                    continues: false,
                    hanging,
                }
            }
            Row::Code { tokens, .. } => {
                let closes_first = tokens.first().is_some_and(|t| t.kind == Kind::Close);
                if closes_first && blocks.len() > 1 {
                    blocks.pop();
                }
                let depth = blocks.len() - 1;
                let block = blocks.last().copied().unwrap_or_default();
                let continues = last_code == Some((block, true));
                for token in tokens.iter().skip(usize::from(closes_first)) {
                    match token.kind {
                        Kind::Open => {
                            blocks.push(next_block);
                            next_block += 1;
                        }
                        Kind::Close if blocks.len() > 1 => {
                            blocks.pop();
                        }
                        _ => {}
                    }
                }
                let ends_with_comma = tokens.last().is_some_and(|t| t.kind == Kind::Comma);
                last_code = Some((block, ends_with_comma));
                Placed {
                    row,
                    depth,
                    block,
                    continues,
                    hanging: false,
                }
            }
        };
        placed.push(entry);
    }
    placed
}

/// At most one blank line in a row; none at the start or end of the file, after `{` or
/// before `}`; one before each top-level declaration, above the comments directly over it.
fn normalize_blank_lines<'a>(rows: Vec<Placed<'a>>, anchors: &Anchors) -> Vec<Placed<'a>> {
    let mut out: Vec<Placed<'a>> = Vec::with_capacity(rows.len());
    for row in rows {
        if row.is_blank() {
            let after_open_or_blank = match out.last() {
                None => true,
                Some(above) => above.is_blank() || above.last_kind() == Some(Kind::Open),
            };
            if !after_open_or_blank {
                out.push(row);
            }
            continue;
        }
        if row.first_token().is_some_and(|t| t.kind == Kind::Close) {
            while out.last().is_some_and(Placed::is_blank) {
                out.pop();
            }
        }
        out.push(row);
    }
    while out.last().is_some_and(Placed::is_blank) {
        out.pop();
    }

    let mut spaced: Vec<Placed<'a>> = Vec::with_capacity(out.len());
    for row in out {
        if is_declaration(&row, anchors) {
            // The comments directly above a declaration are about it: the blank line goes
            // above them. A hanging comment belongs to the line above it and stays there.
            let mut at = spaced.len();
            while at > 0 && matches!(spaced[at - 1].row, Row::Comment(_)) && !spaced[at - 1].hanging
            {
                at -= 1;
            }
            let listed = at > 0 && one_line_pair(&spaced[at - 1], &row, anchors);
            if at > 0 && !spaced[at - 1].is_blank() && !listed {
                let blank = Placed {
                    row: Row::Blank,
                    depth: 0,
                    block: 0,
                    continues: false,
                    hanging: false,
                };
                spaced.insert(at, blank);
            }
        }
        spaced.push(row);
    }
    spaced
}

fn is_declaration(row: &Placed<'_>, anchors: &Anchors) -> bool {
    row.depth == 0
        && row
            .first_token()
            .is_some_and(|t| anchors.declarations.contains(&t.start))
}

/// Two declarations of the same kind, each on one line without a block (`use "a.outcome"`
/// over `use "b.outcome"`): a list, kept without blank lines.
fn one_line_pair(above: &Placed<'_>, row: &Placed<'_>, anchors: &Anchors) -> bool {
    let one_line = |row: &Placed<'_>| match &row.row {
        Row::Code { tokens, .. } => {
            is_declaration(row, anchors) && tokens.iter().all(|t| t.kind != Kind::Open)
        }
        _ => false,
    };
    let keyword = |row: &Placed<'_>| row.first_token().map(|t| t.text.to_string());
    one_line(above) && one_line(row) && keyword(above) == keyword(row)
}

/// Rows that align together: the rows of one block between two blank lines of that block.
/// Rows of nested blocks do not interrupt a group.
fn groups(rows: &[Placed<'_>]) -> Vec<Vec<usize>> {
    let mut open: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut done = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.is_blank() {
            if let Some(group) = open.remove(&row.block) {
                done.push(group);
            }
        } else {
            open.entry(row.block).or_default().push(i);
        }
    }
    done.extend(open.into_values());
    done
}

fn render(rows: &[Placed<'_>], anchors: &Anchors) -> String {
    let groups = groups(rows);

    // Code text of every row, without indentation; stage lines aligned by group.
    let mut code: Vec<String> = rows
        .iter()
        .map(|row| match &row.row {
            Row::Code { tokens, .. } => join(tokens),
            _ => String::new(),
        })
        .collect();
    for group in &groups {
        let stages: Vec<(usize, &[Token<'_>])> = group
            .iter()
            .filter_map(|&i| match &rows[i].row {
                Row::Code { tokens, .. } if is_stage_line(tokens, anchors) => {
                    Some((i, tokens.as_slice()))
                }
                _ => None,
            })
            .collect();
        for (i, line) in align_stages(&stages) {
            code[i] = line;
        }
    }

    // The column trailing comments start at, by row: two spaces after the widest line of
    // the group that carries a comment (or has one hanging under it). A `}` is not aligned
    // with the lines inside its block: its comment simply follows it.
    let mut comment_column = vec![0; rows.len()];
    for group in &groups {
        let commented = |position: usize| -> bool {
            let i = group[position];
            let Row::Code { tokens, comment } = &rows[i].row else {
                return false;
            };
            let next_hangs = group
                .get(position + 1)
                .is_some_and(|&next| next == i + 1 && rows[next].hanging);
            let closes = tokens.first().is_some_and(|t| t.kind == Kind::Close);
            !closes && (comment.is_some() || next_hangs)
        };
        let widest = (0..group.len())
            .filter(|&position| commented(position))
            .map(|position| {
                let i = group[position];
                last_line_width(rows[i].indent(), &code[i])
            })
            .max();
        if let Some(widest) = widest {
            for &i in group {
                comment_column[i] = widest + COMMENT_GAP;
            }
        }
    }

    let mut out = String::new();
    // The comment column of the row above, for a comment hanging under it.
    let mut above = 0;
    for (i, row) in rows.iter().enumerate() {
        let indent = row.indent();
        match &row.row {
            Row::Blank => above = 0,
            Row::Code { tokens, comment } => {
                out.push_str(&" ".repeat(indent));
                out.push_str(&code[i]);
                let width = last_line_width(indent, &code[i]);
                let closes = tokens.first().is_some_and(|t| t.kind == Kind::Close);
                let column = if closes {
                    width + COMMENT_GAP
                } else {
                    comment_column[i].max(width + COMMENT_GAP)
                };
                if let Some(comment) = comment {
                    out.push_str(&" ".repeat(column - width));
                    out.push_str(comment.text.trim_end());
                }
                above = column;
            }
            Row::Comment(comment) => {
                let column = if row.hanging {
                    above.max(indent + 1)
                } else {
                    indent
                };
                out.push_str(&" ".repeat(column));
                out.push_str(comment.text.trim_end());
                above = column;
            }
        }
        out.push('\n');
    }
    out
}

/// The width, in characters, of the last line of indented code (code may hold `"""` text
/// over several lines).
fn last_line_width(indent: usize, code: &str) -> usize {
    match code.rfind('\n') {
        Some(at) => code[at + 1..].chars().count(),
        None => indent + code.chars().count(),
    }
}

/// Tokens on one line, one space apart except before `,` and `)` and after `(`.
fn join(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    for (i, token) in tokens.iter().enumerate() {
        if i > 0 {
            out.push_str(separator(&tokens[i - 1], token));
        }
        push_token(&mut out, token);
    }
    out
}

fn separator(before: &Token<'_>, token: &Token<'_>) -> &'static str {
    let tight =
        matches!(token.kind, Kind::Comma | Kind::CloseParen) || before.kind == Kind::OpenParen;
    if tight {
        ""
    } else {
        " "
    }
}

/// A token's text; a `"""` block with its line endings made LF and nothing else changed.
fn push_token(out: &mut String, token: &Token<'_>) {
    if token.kind == Kind::Block && token.text.contains('\r') {
        out.push_str(&token.text.replace("\r\n", "\n").replace('\r', "\n"));
    } else {
        out.push_str(token.text);
    }
}

/// `milestone name "description" COUNT …` all on one line.
fn is_stage_line(tokens: &[Token<'_>], anchors: &Anchors) -> bool {
    let shape = [Kind::Word, Kind::Word, Kind::Text, Kind::Word];
    tokens.len() >= shape.len()
        && anchors.stages.contains(&tokens[0].start)
        && tokens
            .iter()
            .zip(shape)
            .all(|(token, kind)| token.kind == kind)
}

/// Stage lines in columns: keyword, name and description left-aligned, the count
/// right-aligned, then the rest of the line as usual.
fn align_stages(stages: &[(usize, &[Token<'_>])]) -> Vec<(usize, String)> {
    let mut widths = [0; 4];
    for (_, tokens) in stages {
        for (width, token) in widths.iter_mut().zip(tokens.iter()) {
            *width = (*width).max(token.text.chars().count());
        }
    }
    let [keyword, name, description, count] = widths;
    stages
        .iter()
        .map(|(i, tokens)| {
            let mut line = String::new();
            pad_after(&mut line, tokens[0].text, keyword);
            line.push(' ');
            pad_after(&mut line, tokens[1].text, name);
            line.push(' ');
            pad_after(&mut line, tokens[2].text, description);
            line.push(' ');
            pad_before(&mut line, tokens[3].text, count);
            for k in 4..tokens.len() {
                line.push_str(separator(&tokens[k - 1], &tokens[k]));
                push_token(&mut line, &tokens[k]);
            }
            (*i, line)
        })
        .collect()
}

/// `text` then spaces up to `width` characters. Padding is written out rather than given to
/// `format!` as a width, which Rust refuses past 65,535 (a panic on a long description).
fn pad_after(out: &mut String, text: &str, width: usize) {
    out.push_str(text);
    pad(out, width.saturating_sub(text.chars().count()));
}

/// Spaces up to `width` characters, then `text`: a right-aligned column.
fn pad_before(out: &mut String, text: &str, width: usize) {
    pad(out, width.saturating_sub(text.chars().count()));
    out.push_str(text);
}

fn pad(out: &mut String, spaces: usize) {
    out.extend(std::iter::repeat_n(' ', spaces));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fmt::lex::tokens;

    fn lay_out(text: &str) -> String {
        layout(&tokens(text), &Anchors::default(), false)
    }

    #[test]
    fn clauses_the_formatter_has_never_seen_are_spaced_generically() {
        // No keyword list: operators stay as written, parentheses hug what they enclose.
        assert_eq!(
            lay_out(
                "payments {\n bonus £5,000 if abstinent>=12   from year 2\n  exclusive a or ( b , c )\n\
                 deadweight 1 in 6 tiers { from 7.5% pays £1,000,000 } }"
            ),
            "payments {\n  bonus £5,000 if abstinent>=12 from year 2\n  exclusive a or (b, c)\n  \
             deadweight 1 in 6 tiers {\n    from 7.5% pays £1,000,000\n  }\n}\n"
        );
    }

    #[test]
    fn without_anchors_lines_are_kept_and_nothing_is_aligned() {
        assert_eq!(
            lay_out("funnel f \"F\" for p {\nmilestone a \"A\" 10\nmilestone bb \"BB\" 5\n}"),
            "funnel f \"F\" for p {\n  milestone a \"A\" 10\n  milestone bb \"BB\" 5\n}\n"
        );
    }

    #[test]
    fn a_comment_hangs_only_under_a_line_of_its_own_block() {
        assert_eq!(
            lay_out("a {  # one\n      # not hanging: first in its block\n  b # two\n        # hangs\n\n        # after a blank line\n}"),
            "a {  # one\n  # not hanging: first in its block\n  b  # two\n     # hangs\n\n  # after a blank line\n}\n"
        );
    }
}
