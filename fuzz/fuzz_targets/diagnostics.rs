//! Diagnostics of arbitrary input drawn in every format: for people (miette, through the view
//! of the lines shown), as JSON lines, as GitHub annotations and as SARIF.
//!
//! The bytes before the first 0xFF (never in UTF-8) are the contract; its own diagnostics are
//! drawn, and so are diagnostics made up from the bytes after the 0xFF, four to a label
//! (three for where it starts, anywhere in the text; one for its length, 255 meaning to the
//! end of the text; a label whose first byte has its top bit set is another label of the
//! diagnostic before), so that labels reach places the checker's own never do: across line
//! ends, inside long lines, on CR, LF and CRLF, past column 65,535, many on one line.
//!
//! Nothing may panic; what reaches the terminal holds no control character but the line
//! feed (and the tab that the source had) and no bidirectional formatting character; each
//! report gives its primary label's line and column as `Record` does; every GitHub
//! annotation is one line; JSON lines and SARIF parse.
//!
//! Run from the crate root: `fuzz/run` runs every target; this one alone is
//! `cargo +nightly fuzz run diagnostics fuzz/corpus/diagnostics -- -dict=fuzz/pipeline.dict -max_len=200000`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use outcome::diagnostic::{github, render_human, sarif, Code, Diagnostic, Record};
use outcome::source::Span;

/// As many as `check` draws for people in one file.
const DRAWN: usize = 200;

fuzz_target!(|bytes: &[u8]| {
    let (source, labels) = match bytes.iter().position(|b| *b == 0xFF) {
        Some(at) => (&bytes[..at], &bytes[at + 1..]),
        None => (bytes, &[][..]),
    };
    let (file, compiled) = outcome::compile_bytes("fuzz.outcome", source);
    let mut diagnostics = compiled.diagnostics;
    diagnostics.extend(made_up(&file.text, labels));
    outcome::diagnostic::sort(&mut diagnostics);

    for diagnostic in diagnostics.iter().take(DRAWN) {
        let shown = render_human(&file, diagnostic, false);
        assert!(shown.contains(diagnostic.code.as_str()), "{shown}");
        assert_inert(&shown, '\t');
        let record = Record::new(&file, diagnostic);
        let at = format!("fuzz.outcome:{}:{}", record.line, record.column);
        let drawn = !file.text.trim_start_matches('\u{feff}').is_empty();
        if drawn && diagnostic.primary.span.start < file.text.len() {
            assert!(shown.contains(&at), "not at {at}:\n{shown}");
        }
        let coloured = render_human(&file, diagnostic, true);
        assert!(!coloured.contains('\u{202e}') && !coloured.contains('\r'));
    }
    let mut lines = String::new();
    for diagnostic in &diagnostics {
        let record = Record::new(&file, diagnostic);
        assert!(record.line >= 1 && record.column >= 1);
        assert!((record.line, record.column) <= (record.end_line, record.end_column));
        lines.push_str(&serde_json::to_string(&record).expect("a record serialises"));
        lines.push('\n');
    }
    // Parsing every line back would take most of the time on an input with thousands.
    for line in lines.lines().take(DRAWN) {
        assert!(serde_json::from_str::<serde_json::Value>(line).is_ok());
    }
    assert_inert(&lines, '\n');
    let records: Vec<Record> = diagnostics.iter().map(|d| Record::new(&file, d)).collect();
    let annotations = github::annotations(&records);
    // One line per diagnostic, and a count of the rest for a kind GitHub would cut short.
    let counted = annotations.lines().filter(|l| l.starts_with("::") && l.contains(" title=outcome::")).count();
    assert_eq!(annotations.lines().count(), diagnostics.len() + counted);
    assert_inert(&annotations, '\n');
    let log = sarif::log(&[(&file, &diagnostics)]).expect("a SARIF log serialises");
    assert!(serde_json::from_str::<serde_json::Value>(&log).is_ok());
});

/// Diagnostics with labels where the bytes say; see the top of this file.
fn made_up(text: &str, bytes: &[u8]) -> Vec<Diagnostic> {
    let mut made: Vec<Diagnostic> = Vec::new();
    for chunk in bytes.chunks_exact(4) {
        let also = chunk[0] & 0x80 != 0;
        let at = u32::from_le_bytes([chunk[0] & 0x7F, chunk[1], chunk[2], 0]) as usize;
        let start = boundary(text, at % (text.len() + 1));
        let end = match chunk[3] {
            255 => text.len(),
            len => boundary(text, (start + usize::from(len)).min(text.len())),
        };
        let span = Span::new(start, end);
        match made.last_mut() {
            Some(last) if also => last.secondary.push(outcome::diagnostic::Label {
                span,
                text: "and here".into(),
            }),
            _ => made.push(Diagnostic::new(Code::E0101, "made up", span, "here").help("none")),
        }
    }
    made
}

/// The character boundary at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// No control character but `allowed` and the line feed, and no bidirectional formatting
/// character.
fn assert_inert(shown: &str, allowed: char) {
    let raw = shown.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != allowed)
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
    });
    assert!(raw.is_none(), "{raw:?} reaches the terminal:\n{shown}");
}
