//! Emitters: a checked `model::Contract` → an output document.
//!
//! One file per output format. Architecture invariant: emitters read only the model, never the
//! AST or the source text, and compute nothing; every figure they print was computed by
//! `check`. Output is deterministic: the same contract always gives the same bytes.

pub mod html;
pub mod json;
pub mod report_html;

/// Text written for the terminal, where a name is set off in backticks (`` cohort
/// `entrenched` holds 120 ``), in pieces: each is `(text, is_code)`, a name's without its
/// backticks. A backtick left without its pair stays in the text.
pub fn prose_pieces(text: &str) -> Vec<(&str, bool)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let Some(length) = rest[open + 1..].find('`') else {
            break;
        };
        pieces.push((&rest[..open], false));
        pieces.push((&rest[open + 1..open + 1 + length], true));
        rest = &rest[open + 1 + length + 1..];
    }
    pieces.push((rest, false));
    pieces
}
