//! The whole pipeline on arbitrary bytes: decode, parse, check, and every emitter when a
//! contract results. Nothing may panic, and every diagnostic's labels must lie inside the
//! text on character boundaries, where a renderer can show them.
//!
//! Run from the crate root: `fuzz/run` runs every target; this one alone is
//! `cargo +nightly fuzz run pipeline fuzz/corpus/pipeline -- -dict=fuzz/pipeline.dict -max_len=200000`
//! (or on a stable toolchain with `RUSTC_BOOTSTRAP=1`). Seeds are in `fuzz/corpus/pipeline/`;
//! a crashing input found here belongs in `tests/robustness.rs` or `tests/nasty.rs` as a
//! regression test, and in the corpus as a seed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use outcome::diagnostic::{render_human, Record};

fuzz_target!(|bytes: &[u8]| {
    let (file, compiled) = outcome::compile_bytes("fuzz.outcome", bytes);
    let text = &file.text;
    for diagnostic in &compiled.diagnostics {
        let labels = std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary);
        for label in labels {
            let span = label.span;
            assert!(
                span.start <= span.end && span.end <= text.len(),
                "{}: span {}..{} outside the {} bytes of text",
                diagnostic.code,
                span.start,
                span.end,
                text.len()
            );
            assert!(
                text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
                "{}: span {}..{} splits a character",
                diagnostic.code,
                span.start,
                span.end
            );
        }
        let _ = Record::new(&file, diagnostic);
    }
    // Rendering for people goes through miette; a few diagnostics are enough to exercise it.
    for diagnostic in compiled.diagnostics.iter().take(3) {
        let _ = render_human(&file, diagnostic, false);
    }
    if let Some(contract) = &compiled.contract {
        let json = outcome::emit::json::contract(contract);
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&json);
        assert!(
            parsed.is_ok_and(|v| v.is_object()),
            "the JSON document does not parse"
        );
        let _ = outcome::emit::html::document(contract, outcome::emit::html::Paper::A4);
    }
});
