//! Emitters: a checked `model::Contract` → an output document.
//!
//! One file per output format. Architecture invariant: emitters read only the model, never the
//! AST or the source text, and compute nothing; every figure they print was computed by
//! `check`. Output is deterministic: the same contract always gives the same bytes.

pub mod html;
pub mod json;
pub mod report_html;
