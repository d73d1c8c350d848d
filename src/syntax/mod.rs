//! Text → AST. The only module that uses pest.
//!
//! `decode` turns bytes into a `SourceFile` (or says why they are not text); `parse` runs the
//! grammar and lowers pest's pairs into the AST, reading every token into its exact value on
//! the way. Parsing stops at the first syntax error. Errors in how a value is written (an
//! impossible date, an unknown currency, a misplaced thousands separator) are all collected
//! and reported together; the checker runs only once every value reads correctly.

mod errors;
mod lower;
mod names;
mod tokens;

use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{SourceFile, Span};
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/outcome.pest"]
struct OutcomeParser;

pub use names::rule_name;

/// The most grammar calls one parse may make, so that no input can make the parser run away.
/// Generous: a 10 MB contract uses a small fraction of it.
const CALL_LIMIT: usize = 2_000_000_000;

/// Read bytes as UTF-8 text. Invalid bytes are a diagnostic pointing at the first of them,
/// against a lossy copy of the text so that it can still be shown.
/// The largest contract file read: far more than any real contract (a large one is 100 KB),
/// small enough that checking it stays quick and its memory modest.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

pub fn decode(name: &str, bytes: &[u8]) -> Result<SourceFile, Box<(SourceFile, Diagnostic)>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(name, u64::try_from(bytes.len()).ok()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(error) => {
            let valid = error.valid_up_to();
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            // The lossy copy matches the original byte for byte up to the first bad byte.
            let start = valid.min(lossy.len());
            let end = lossy[start..]
                .chars()
                .next()
                .map_or(start, |c| start + c.len_utf8());
            let diagnostic = Diagnostic::new(
                Code::E0102,
                "this file is not UTF-8 text",
                Span::new(start, end),
                "this byte is not part of any UTF-8 character",
            )
            .help(
                "save the file as UTF-8 (in Word or Excel: \"Save As\", then choose \
                 \"UTF-8\" or \"Plain Text (UTF-8)\"); text pasted from other systems often \
                 arrives as Windows-1252",
            );
            Err(Box::new((SourceFile::new(name, lossy), diagnostic)))
        }
    }
}

/// The diagnostic for a file of more than `MAX_FILE_BYTES`, with its size when it is known (a
/// file read only up to the limit is known only to be larger).
pub fn too_large(name: &str, size: Option<u64>) -> Box<(SourceFile, Diagnostic)> {
    const MB: u64 = 1024 * 1024;
    let limit = MAX_FILE_BYTES / (1024 * 1024);
    let message = match size {
        Some(size) => format!(
            "this file is {} MB, more than the {limit} MB a contract file may be",
            size.div_ceil(MB)
        ),
        None => format!("this file is more than the {limit} MB a contract file may be"),
    };
    let diagnostic = Diagnostic::new(Code::E0111, message, Span::new(0, 0), "not read").help(
        "split the contract: shared outcomes, cohorts and measures can live in files it `use`s",
    );
    Box::new((SourceFile::new(name, ""), diagnostic))
}

/// Parse and lower a file one declaration at a time (`first_declaration`, then
/// `next_declaration` from where each ends), so that pest's pairs for one declaration are
/// dropped before the next is read. `None` if some text is not a declaration: the caller
/// parses the whole file to report it.
fn by_declaration(text: &str) -> Option<Result<ast::File, Vec<Diagnostic>>> {
    let mut lowerer = lower::Lowerer::default();
    let mut parsed = ast::File::default();
    let mut at = 0;
    loop {
        let rule = if at == 0 {
            Rule::first_declaration
        } else {
            Rule::next_declaration
        };
        let pair = OutcomeParser::parse(rule, &text[at..]).ok()?.next()?;
        let end = at + pair.as_span().end();
        let declaration = pair
            .into_inner()
            .find_map(|inner| lowerer.declaration(inner, at));
        match declaration {
            Some(declaration) => parsed.declarations.push(declaration),
            None => break,
        }
        at = end;
    }
    Some(lowerer.finish().map(|()| parsed))
}

/// The file read whole with the `file` rule: pest's error where it does not parse, else the
/// tree, or the diagnostics of its badly written values.
fn by_file(
    text: &str,
) -> Result<Result<ast::File, Vec<Diagnostic>>, Box<pest::error::Error<Rule>>> {
    let pairs = OutcomeParser::parse(Rule::file, text).map_err(Box::new)?;
    let mut lowerer = lower::Lowerer::default();
    let declarations = pairs
        .flat_map(|file| file.into_inner())
        .filter_map(|pair| lowerer.declaration(pair, 0))
        .collect();
    Ok(lowerer.finish().map(|()| ast::File { declarations }))
}

/// Parse one file into its AST, or the diagnostics that stopped it.
pub fn parse(file: &SourceFile) -> Result<ast::File, Vec<Diagnostic>> {
    let text: &str = &file.text;
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let parsed = match by_declaration(text) {
        Some(parsed) => parsed?,
        // The whole-file rule reads the file again to say what is wrong where.
        None => match by_file(text) {
            Err(error) => return Err(vec![errors::from_pest(text, *error)]),
            Ok(parsed) => parsed?,
        },
    };
    if parsed.declarations.is_empty() {
        return Err(vec![Diagnostic::new(
            Code::E0109,
            "this file holds nothing to check: no contract, outcome, cohort, funnel or measure",
            Span::new(text.len(), text.len()),
            "the file ends here with nothing to check",
        )
        .help("start with a `contract \"Title\" { ... }` block; `outcome explain E0109` shows a complete example")]);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The whole file lowered from the `file` rule, as parsing did before it went a
    /// declaration at a time.
    fn whole_file(text: &str) -> Result<String, String> {
        match by_file(text) {
            Err(error) => Err(format!("{error:?}")),
            Ok(parsed) => parsed
                .map(|f| format!("{f:?}"))
                .map_err(|d| format!("{d:?}")),
        }
    }

    fn a_declaration_at_a_time(text: &str) -> Option<Result<String, String>> {
        by_declaration(text).map(|r| r.map(|f| format!("{f:?}")).map_err(|d| format!("{d:?}")))
    }

    fn specs() -> Vec<String> {
        let mut texts = Vec::new();
        for dir in ["specs", "specs/borough", "specs/borough/framework"] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "outcome") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        texts
    }

    /// Reading a declaration at a time accepts exactly the files the `file` rule accepts,
    /// and lowers them to the same tree with the same spans, for every spec and for specs
    /// with a few characters changed (braces, quotes, comments, a byte-order mark, line ends
    /// of each kind).
    #[test]
    fn a_declaration_at_a_time_reads_as_the_whole_file() {
        let specs = specs();
        for text in &specs {
            let expected = whole_file(text);
            assert!(expected.is_ok());
            assert_eq!(a_declaration_at_a_time(text), Some(expected));
            let with_bom = format!("\u{feff}{text}");
            assert_eq!(
                a_declaration_at_a_time(&with_bom),
                Some(whole_file(&with_bom))
            );
        }
        // Where the two could most easily part: what may come only at the very start.
        for text in [
            "outcome a \"A\"\n\u{feff}outcome b \"B\"\n",
            " \u{feff}outcome a \"A\"",
            "\u{feff}\u{feff}outcome a \"A\"",
            "outcome a \"A\" # end\n\u{feff}",
            "\u{feff}",
            "",
            "  \n# only a comment",
        ] {
            let whole = whole_file(text);
            match a_declaration_at_a_time(text) {
                None => assert!(whole.is_err(), "{text:?}"),
                Some(found) => assert_eq!(found, whole, "{text:?}"),
            }
        }
        let pieces = [
            "{", "}", "\"", "#", "\n", "\r", "\r\n", " ", "\u{feff}", "x", "\"\"\"", "\\",
        ];
        proptest!(ProptestConfig::with_cases(2000), |(
            spec in 0..specs.len(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0..pieces.len(), any::<bool>()), 1..4)
        )| {
            let mut text = specs[spec].clone();
            for (at, piece, delete) in edits {
                let mut i = at.index(text.len() + 1);
                while !text.is_char_boundary(i) {
                    i -= 1;
                }
                if delete && i < text.len() {
                    text.remove(i);
                } else {
                    text.insert_str(i, pieces[piece]);
                }
            }
            let whole = whole_file(&text);
            match a_declaration_at_a_time(&text) {
                // Refused: the caller reports the whole-file rule's error.
                None => prop_assert!(whole.is_err() && !whole.as_ref().unwrap_err().contains("Diagnostic")),
                Some(found) => prop_assert_eq!(found, whole),
            }
        });
    }
}
