//! The diagnostic corpus: one small contract per code under `tests/diagnostics/`, each named
//! `CODE-short-description.outcome`, with the diagnostics it must raise written inline.
//!
//! An expectation is a comment line of its own:
//!
//! ```text
//! #! E0302 milestone `attend` expects 60 people, more than the 50 at `enrol` before it
//!   milestone attend "Attend 1st session" 60
//! ```
//!
//! It applies to the next line of the file that is not itself an expectation line, so several
//! may stack above one line. A label the diagnostic puts in another file (a bid's diagnostic
//! pointing at the line of its specification) is written under it as `#!> FILE:LINE label`,
//! the file named from the crate's root:
//!
//! ```text
//! #! E0704 the bid asks £3,800 for `abstinent`, above the specification's ceiling of £3,500
//! #!> specs/tender/specification.outcome:64 the ceiling of £3,500
//! ```
//! Expectations after the last other line apply to the line where the
//! file ends (after a final line break, the empty line that follows it), which is where errors
//! about the end of the file point. The runner compares the exact multiset of (line, code,
//! message, labels in other files) of every diagnostic, errors and warnings alike; help texts
//! are not compared.

use outcome::diagnostic::{Code, Diagnostic};
use outcome::source::{SourceFile, Span};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What marks an expectation line.
const MARK: &str = "#!";

/// One diagnostic as the corpus writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    line: usize,
    code: String,
    message: String,
    /// Each label in another file: `FILE:LINE label`.
    elsewhere: Vec<String>,
}

/// What marks a label in another file, under its expectation.
const ELSEWHERE: &str = "#!>";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("diagnostics")
}

/// Every `.outcome` file in the corpus, sorted by name.
fn corpus() -> Vec<(String, PathBuf)> {
    let dir = corpus_dir();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut files: Vec<(String, PathBuf)> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.extension().is_some_and(|ext| ext == "outcome"))
        .map(|path| {
            (
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                path,
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases found in {}", dir.display());
    files
}

/// The lines of a text, split exactly as `SourceFile::line_col` counts them: LF, CRLF and a
/// lone CR each end one line. A text of n line breaks has n + 1 lines.
fn lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&text[start..]);
    lines
}

/// The expectations written in a file, or what is wrong with how they are written.
fn expectations(text: &str) -> Result<Vec<Expected>, Vec<String>> {
    let lines = lines(text);
    let mut expected = Vec::new();
    let mut problems = Vec::new();
    let mut pending: Vec<Expected> = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let number = index + 1;
        if let Some(label) = line.trim_start().strip_prefix(ELSEWHERE) {
            match pending.last_mut() {
                Some(last) => last.elsewhere.push(label.trim().to_string()),
                None => problems.push(format!(
                    "{number}: `{ELSEWHERE}` follows no expectation (write it under one)"
                )),
            }
            continue;
        }
        let Some(rest) = line.trim_start().strip_prefix(MARK) else {
            expected.extend(pending.drain(..).map(|e| Expected { line: number, ..e }));
            continue;
        };
        let rest = rest.trim();
        let (code, message) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let message = message.trim();
        if Code::parse(code).is_none_or(|parsed| parsed.as_str() != code) {
            problems.push(format!(
                "{number}: `{code}` is not a registered code (write it as `E0302`)"
            ));
        } else if message.is_empty() {
            problems.push(format!(
                "{number}: the expectation for {code} has no message"
            ));
        } else {
            pending.push(Expected {
                line: 0,
                code: code.to_string(),
                message: message.to_string(),
                elsewhere: Vec::new(),
            });
        }
    }
    // Expectations after the last other line apply to the line where the file ends.
    let last = lines.len();
    expected.extend(pending.drain(..).map(|e| Expected { line: last, ..e }));
    if problems.is_empty() {
        expected.sort();
        Ok(expected)
    } else {
        Err(problems)
    }
}

/// Decode and compile one file the way the command line does. A bid is checked in the
/// repository, against the specification it names (`tests/diagnostics/tender/` holds them).
fn diagnose(name: &str, bytes: &[u8]) -> (SourceFile, Vec<Diagnostic>) {
    let (file, compiled) = outcome::compile_bytes(name, bytes);
    if !outcome::syntax::parse(&file).is_ok_and(|tree| tree.bid().is_some()) {
        return (file, compiled.diagnostics);
    }
    let path = corpus_dir().join(name);
    let mut workspace = outcome::workspace::Workspace::for_path(&path).unwrap();
    let loaded = workspace.load(&path).unwrap();
    let file = SourceFile::new(name, loaded.file.text.clone());
    (file, loaded.compiled.diagnostics.clone())
}

/// The labels in other files, as the corpus writes them, one per line.
fn shown_elsewhere(elsewhere: &[String]) -> String {
    elsewhere
        .iter()
        .map(|label| format!("\n      {ELSEWHERE} {label}"))
        .collect()
}

/// A span must lie within the text and start and end on character boundaries.
fn span_problem(text: &str, span: Span) -> Option<String> {
    if span.start > span.end || span.end > text.len() {
        return Some(format!(
            "{}..{} is outside the text of {} bytes",
            span.start,
            span.end,
            text.len()
        ));
    }
    if !text.is_char_boundary(span.start) || !text.is_char_boundary(span.end) {
        return Some(format!(
            "{}..{} does not lie on character boundaries",
            span.start, span.end
        ));
    }
    None
}

/// Items of `a` not matched one for one in `b`: the multiset difference `a - b`.
fn difference(a: &[Expected], b: &[Expected]) -> Vec<Expected> {
    let mut counts: BTreeMap<&Expected, usize> = BTreeMap::new();
    for item in b {
        *counts.entry(item).or_default() += 1;
    }
    let mut left = Vec::new();
    for item in a {
        match counts.get_mut(item) {
            Some(n) if *n > 0 => *n -= 1,
            _ => left.push(item.clone()),
        }
    }
    left
}

/// What is wrong with one case, or nothing.
fn check_case(name: &str, path: &Path) -> Option<String> {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let (file, diagnostics) = diagnose(name, &bytes);
    let mut report = String::new();

    let expected = match expectations(&file.text) {
        Ok(expected) => expected,
        Err(problems) => {
            for problem in problems {
                let _ = writeln!(report, "  {name}:{problem}");
            }
            return Some(report);
        }
    };

    for diagnostic in &diagnostics {
        let labels = std::iter::once(("primary", &diagnostic.primary)).chain(
            diagnostic
                .secondary
                .iter()
                .map(|label| ("secondary", label)),
        );
        for related in diagnostic.related() {
            if let Some(problem) = span_problem(&related.file.text, related.label.span) {
                let _ = writeln!(
                    report,
                    "  {name}: {} ({}) has a bad span in `{}`: {problem}",
                    diagnostic.code, diagnostic.message, related.file.name
                );
            }
        }
        for (which, label) in labels {
            if let Some(problem) = span_problem(&file.text, label.span) {
                let _ = writeln!(
                    report,
                    "  {name}: {} ({}) has a bad {which} span: {problem}",
                    diagnostic.code, diagnostic.message
                );
            }
        }
    }

    let mut actual: Vec<Expected> = diagnostics
        .iter()
        .map(|d| Expected {
            line: file.line_col(d.primary.span.start).line,
            code: d.code.as_str().to_string(),
            message: d.message.clone(),
            elsewhere: d
                .related()
                .iter()
                .map(|r| {
                    let line = r.file.line_col(r.label.span.start).line;
                    format!("{}:{line} {}", r.file.name, r.label.text)
                })
                .collect(),
        })
        .collect();
    actual.sort();

    for e in difference(&expected, &actual) {
        let _ = writeln!(
            report,
            "  {name}:{}: missing     {} {}{}",
            e.line,
            e.code,
            e.message,
            shown_elsewhere(&e.elsewhere)
        );
    }
    for a in difference(&actual, &expected) {
        let _ = writeln!(
            report,
            "  {name}:{}: unexpected  {} {}{}",
            a.line,
            a.code,
            a.message,
            shown_elsewhere(&a.elsewhere)
        );
    }

    // A case named after a code must raise it.
    let own = name.split('-').next().unwrap_or_default();
    if Code::parse(own).is_some() && !expected.iter().any(|e| e.code == own) {
        let _ = writeln!(
            report,
            "  {name}: expects no {own}, the code it is named after"
        );
    }

    (!report.is_empty()).then_some(report)
}

#[test]
fn every_case_raises_exactly_the_diagnostics_written_in_it() {
    let files = corpus();
    let mut failures = String::new();
    let mut failed = 0;
    for (name, path) in &files {
        if let Some(report) = check_case(name, path) {
            failed += 1;
            failures.push_str(&report);
        }
    }
    assert!(
        failures.is_empty(),
        "{failed} of {} diagnostic cases failed (line, code, message):\n{failures}",
        files.len()
    );
}

/// Codes about one file using another: a single-file case cannot raise them, so each has a
/// test of its own in `tests/imports.rs`.
const NEED_SEVERAL_FILES: [&str; 3] = ["E0209", "E0210", "E0211"];

/// A code whose case would be a file too big to keep in the repository: it is tested on text
/// made in memory in `tests/nasty.rs`.
const TOO_BIG_FOR_A_CASE: [&str; 1] = ["E0111"];

/// Codes `outcome sql` raises for contracts that check clean (rules it does not compile): no
/// case can raise them through `check`, so `tests/sql.rs` raises each.
const RAISED_BY_SQL: [&str; 3] = ["E0540", "E0541", "E0542"];

/// Codes only `outcome evaluate` raises (a bid on another specification than the one
/// evaluated): `tests/evaluate.rs` raises each.
const RAISED_BY_EVALUATE: [&str; 1] = ["E0709"];

#[test]
fn codes_raised_by_outcome_evaluate_are_tested_there() {
    let evaluate = std::fs::read_to_string("tests/evaluate.rs").unwrap();
    for code in RAISED_BY_EVALUATE {
        assert!(
            evaluate.contains(&format!("\"{code}\"")),
            "tests/evaluate.rs has no test raising {code}"
        );
    }
}

#[test]
fn codes_raised_by_outcome_sql_are_tested_there() {
    let sql = std::fs::read_to_string("tests/sql.rs").unwrap();
    for code in RAISED_BY_SQL {
        assert!(
            sql.contains(&format!("\"{code}\"")) || sql.contains(&format!("error[{code}]")),
            "tests/sql.rs has no test raising {code}"
        );
    }
}

#[test]
fn codes_too_big_for_a_case_are_tested_in_memory() {
    let nasty = std::fs::read_to_string("tests/nasty.rs").unwrap();
    for code in TOO_BIG_FOR_A_CASE {
        assert!(
            nasty.contains(&format!("\"{code}\"")),
            "tests/nasty.rs has no test raising {code}"
        );
    }
}

#[test]
fn codes_that_need_several_files_are_tested_with_several_files() {
    let imports = std::fs::read_to_string("tests/imports.rs").unwrap();
    for code in NEED_SEVERAL_FILES {
        assert!(
            imports.contains(&format!("Code::{code}")),
            "tests/imports.rs has no test raising {code}"
        );
    }
}

#[test]
fn every_code_has_a_case_and_every_case_a_code() {
    let files = corpus();
    let mut problems = String::new();

    let without_case: Vec<&str> = Code::ALL
        .iter()
        .map(|code| code.as_str())
        .filter(|code| {
            !NEED_SEVERAL_FILES.contains(code)
                && !TOO_BIG_FOR_A_CASE.contains(code)
                && !RAISED_BY_SQL.contains(code)
                && !RAISED_BY_EVALUATE.contains(code)
        })
        .filter(|code| {
            !files
                .iter()
                .any(|(name, _)| name.starts_with(&format!("{code}-")))
        })
        .collect();
    if !without_case.is_empty() {
        let _ = writeln!(
            problems,
            "codes without a case in tests/diagnostics/ (add `CODE-short-description.outcome`): {}",
            without_case.join(", ")
        );
    }

    for (name, _) in &files {
        let prefix = name.split('-').next().unwrap_or_default();
        let registered = Code::ALL.iter().any(|code| code.as_str() == prefix);
        if !registered || !name.starts_with(&format!("{prefix}-")) {
            let _ = writeln!(
                problems,
                "`{name}` is not named `CODE-short-description.outcome` after a registered code"
            );
        }
    }
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn expectations_are_read_as_documented() {
    let text = "# a case\n#! E0302 first\n#! E0303 second\n\n  line four\n#! E0101 at the end\n";
    let expected = expectations(text).unwrap_or_default();
    let line = |code: &str| expected.iter().find(|e| e.code == code).map(|e| e.line);
    assert_eq!(line("E0302"), Some(4));
    assert_eq!(line("E0303"), Some(4));
    // the file ends after a line break: the end of the file is on line 7
    assert_eq!(line("E0101"), Some(7));
    assert_eq!(SourceFile::new("t", text).line_col(text.len()).line, 7);
    assert_eq!(lines("a\r\nb\rc\n").len(), 4);
    assert!(expectations("#! E9999 no such code\nx").is_err());
    assert!(expectations("#! E0101\nx").is_err());
}
