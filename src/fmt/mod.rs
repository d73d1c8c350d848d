//! The formatter: a contract's text → the same contract in the one canonical layout
//! (`outcome fmt`).
//!
//! It takes a `SourceFile` and hands back new text, or the diagnostics that stop it: a file
//! that does not parse is never formatted. It works on a flat list of tokens (`lex`) that keeps
//! comments and line breaks, so it keeps the user's lines and every comment where it was, and
//! never reorders anything; `layout` then applies the canonical indentation, spacing, blank
//! lines and alignment. It asks the parser only where declarations and funnel stages start, so
//! a new clause or keyword in the grammar needs no change here.
//!
//! Invariants, checked on every run before any text is handed back (`verify`): the result
//! parses, it holds the same tokens in the same order (a `"""` block differs at most in its
//! line endings, which the parser reads as the same text), and the same comments in the same
//! order. Formatting formatted text changes nothing (tested over every contract in the
//! repository).

mod diff;
mod layout;
mod lex;

pub use diff::unified_diff;

use crate::ast;
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::syntax;
use std::collections::BTreeSet;
use std::fmt;

/// Why a file was not formatted.
#[derive(Debug)]
pub enum Refused {
    /// The file does not parse; its diagnostics say why.
    Syntax(Vec<Diagnostic>),
    /// The new layout would not hold the same contract: a bug in the formatter, caught before
    /// anything was written.
    Unsafe(String),
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::Syntax(diagnostics) => {
                write!(f, "the file does not parse ({} errors)", diagnostics.len())
            }
            Refused::Unsafe(why) => write!(
                f,
                "formatting would change the contract ({why}); the file is left as it is; \
                 this is a bug in outcome"
            ),
        }
    }
}

/// The file in canonical layout. Text already in that layout comes back unchanged.
pub fn format(file: &SourceFile) -> Result<String, Refused> {
    let parsed = syntax::parse(file).map_err(Refused::Syntax)?;
    let text: &str = &file.text;
    let tokens = lex::tokens(text);
    let formatted = layout::layout(&tokens, &Anchors::of(&parsed), text.starts_with('\u{FEFF}'));
    verify(file, &formatted)?;
    Ok(formatted)
}

/// Where the parser says lines must start: at every top-level declaration (which also gets a
/// blank line before it) and every funnel stage (which is aligned with its neighbours).
#[derive(Debug, Default)]
pub struct Anchors {
    /// Byte offsets of the keywords that start declarations.
    pub declarations: BTreeSet<usize>,
    /// Byte offsets of the `milestone` and `target` keywords of funnel stages.
    pub stages: BTreeSet<usize>,
}

impl Anchors {
    pub fn of(file: &ast::File) -> Anchors {
        let mut anchors = Anchors::default();
        for declaration in &file.declarations {
            let keyword = match declaration {
                ast::Declaration::Use(used) => used.keyword,
                ast::Declaration::Contract(contract) => contract.keyword,
                ast::Declaration::Outcome(outcome) => outcome.keyword,
                ast::Declaration::Cohort(cohort) => cohort.keyword,
                ast::Declaration::Funnel(funnel) => {
                    anchors
                        .stages
                        .extend(funnel.stages.iter().map(|stage| stage.keyword.start));
                    funnel.keyword
                }
                ast::Declaration::Measure(measure) => measure.keyword,
                ast::Declaration::Payments(payments) => payments.keyword,
                ast::Declaration::Monitoring(monitoring) => monitoring.keyword,
                ast::Declaration::Bidding(bidding) => bidding.keyword,
                ast::Declaration::Bid(bid) => bid.keyword,
            };
            anchors.declarations.insert(keyword.start);
        }
        anchors
    }

    fn starts_line(&self, offset: usize) -> bool {
        self.declarations.contains(&offset) || self.stages.contains(&offset)
    }
}

/// Check that the formatted text holds the same contract: it parses, and has the same tokens
/// and comments in the same order.
fn verify(original: &SourceFile, formatted: &str) -> Result<(), Refused> {
    let reparsed = SourceFile::new(original.name.clone(), formatted);
    if let Err(diagnostics) = syntax::parse(&reparsed) {
        let first = diagnostics
            .first()
            .map_or_else(String::new, |d| format!(": {}", d.message));
        return Err(Refused::Unsafe(format!("the result does not parse{first}")));
    }
    let before = lex::tokens(&original.text);
    let after = lex::tokens(formatted);
    let significant = |tokens: &[lex::Token<'_>]| -> Vec<(lex::Kind, String)> {
        tokens
            .iter()
            .filter(|token| token.kind != lex::Kind::Newline)
            .map(|token| (token.kind, comparable(token)))
            .collect()
    };
    let (before, after) = (significant(&before), significant(&after));
    if before.len() != after.len() {
        return Err(Refused::Unsafe(format!(
            "{} tokens and comments before, {} after",
            before.len(),
            after.len()
        )));
    }
    match before.iter().zip(&after).find(|(b, a)| b != a) {
        Some((b, a)) => Err(Refused::Unsafe(format!("`{}` became `{}`", b.1, a.1))),
        None => Ok(()),
    }
}

/// A token as compared before and after formatting: exact, except the line endings of a
/// `"""` block and the trailing spaces of a comment.
fn comparable(token: &lex::Token<'_>) -> String {
    match token.kind {
        lex::Kind::Block => token.text.replace("\r\n", "\n").replace('\r', "\n"),
        lex::Kind::Comment => token.text.trim_end().to_string(),
        _ => token.text.to_string(),
    }
}

/// The text of every comment in a file, in order, without trailing spaces: what formatting
/// must keep.
pub fn comments(text: &str) -> Vec<String> {
    lex::tokens(text)
        .iter()
        .filter(|token| token.kind == lex::Kind::Comment)
        .map(|token| token.text.trim_end().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The layout itself is tested through this module's public API in `tests/fmt.rs`.

    #[test]
    fn a_file_that_does_not_parse_is_refused() {
        let refused = format(&SourceFile::new("t", "contract \"x\" { term }"));
        assert!(matches!(refused, Err(Refused::Syntax(d)) if !d.is_empty()));
    }

    #[test]
    fn formatted_text_is_checked_token_for_token() {
        let file = SourceFile::new("t", "outcome a \"A\"  # note\n");
        assert!(verify(&file, "outcome a \"A\"  # note\n").is_ok());
        assert!(matches!(
            verify(&file, "outcome a \"B\"  # note\n"),
            Err(Refused::Unsafe(why)) if why.contains("`\"A\"` became `\"B\"`")
        ));
        assert!(verify(&file, "outcome a \"A\"\n").is_err());
        assert!(verify(&file, "outcome a \"A\" {\n").is_err());
    }

    #[test]
    fn comments_are_listed_in_order() {
        assert_eq!(
            comments("a # one  \n\"#not\" # two"),
            ["# one".to_string(), "# two".to_string()]
        );
    }
}
