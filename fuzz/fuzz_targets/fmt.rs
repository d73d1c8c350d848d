//! The formatter on arbitrary bytes. Nothing may panic; and when the text parses, what
//! `outcome fmt` writes must parse, format to itself, keep every comment, be in the canonical
//! layout, and mean the same: the same checked contract (but the line each payment clause is
//! on, which moves with the layout) and the same diagnostics (but their positions).
//!
//! Run from the crate root: `fuzz/run` runs every target; this one alone is
//! `cargo +nightly fuzz run fmt fuzz/corpus/fmt -- -dict=fuzz/pipeline.dict -max_len=200000`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use outcome::fmt::{comments, format, Refused};
use outcome::source::SourceFile;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let file = SourceFile::new("fuzz.outcome", text);
    let formatted = match format(&file) {
        Ok(formatted) => formatted,
        // A file that does not parse is left alone; that is the formatter's answer to it.
        Err(Refused::Syntax(_)) => return,
        // The formatter caught itself changing the contract: a bug.
        Err(refused @ Refused::Unsafe(_)) => panic!("{refused}\n{text}"),
    };
    let again = format(&SourceFile::new("fuzz.outcome", formatted.as_str()));
    match &again {
        Ok(twice) => assert_eq!(twice, &formatted, "formatting is not idempotent"),
        Err(refused) => panic!("the formatted text is refused: {refused}\n{formatted}"),
    }
    assert_eq!(comments(text), comments(&formatted), "comments changed");
    assert!(
        !formatted.contains('\r')
            && formatted.ends_with('\n')
            && !formatted.contains("\n\n\n")
            && formatted.lines().all(|line| line == line.trim_end()),
        "not in canonical layout:\n{formatted}"
    );
    assert_eq!(meaning(text), meaning(&formatted), "formatting changed the meaning");
});

/// What a text means: its checked contract as JSON, without the line of each payment clause,
/// and each diagnostic's code and message.
fn meaning(text: &str) -> (String, Vec<(String, String)>) {
    let compiled = outcome::compile(&SourceFile::new("fuzz.outcome", text));
    let mut contract = serde_json::to_value(&compiled.contract).unwrap_or_default();
    forget_clause_lines(&mut contract);
    let diagnostics = compiled
        .diagnostics
        .iter()
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect();
    (contract.to_string(), diagnostics)
}

fn forget_clause_lines(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(clause)) = map.get_mut("clause") {
                clause.remove("line");
            }
            map.values_mut().for_each(forget_clause_lines);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(forget_clause_lines),
        _ => {}
    }
}
