//! Nasty inputs, one test each: every one gives a clean diagnostic (the right code where there
//! is one) with its position right, and nothing panics. Big inputs are built in memory.
//!
//! Positions are checked through `Record`, what `check --format json` prints: 1-based lines
//! and columns, columns counting characters so that an editor's caret lands on the right one.

use outcome::diagnostic::{render_human, Diagnostic, Record};
use outcome::source::SourceFile;

/// The header every contract here starts from: it checks clean.
const HEADER: &str = "contract \"Nasty\" {
  commissioner \"Council\"
  provider \"Provider\"
  term 2026-04-01 to 2028-03-31
  funding limit £999,999,999,999
}

outcome better \"Better off\" { level service }
cohort people \"People\" { size 999,999,999,999 }
";

/// Compile bytes; check every label lies inside the text on character boundaries and that
/// the first few diagnostics render for people.
fn run(bytes: &[u8]) -> (SourceFile, Vec<Diagnostic>, Option<String>) {
    let (file, compiled) = outcome::compile_bytes("nasty.outcome", bytes);
    let text = &file.text;
    for d in &compiled.diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let s = label.span;
            assert!(s.start <= s.end && s.end <= text.len(), "{d:?}");
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "{d:?}"
            );
        }
    }
    for d in compiled.diagnostics.iter().take(3) {
        let shown = render_human(&file, d, false);
        assert!(shown.contains(d.code.as_str()), "{shown}");
    }
    let json = compiled
        .contract
        .as_deref()
        .map(outcome::emit::json::contract);
    (file, compiled.diagnostics, json)
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics.iter().map(|d| d.code.as_str()).collect()
}

/// The one diagnostic, which must have `code`; its record.
fn only(bytes: &[u8], code: &str) -> (Diagnostic, Record) {
    let (file, diagnostics, _) = run(bytes);
    assert_eq!(codes(&diagnostics), [code], "{diagnostics:#?}");
    let record = Record::new(&file, &diagnostics[0]);
    (diagnostics[0].clone(), record)
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.code.as_str())
        .collect()
}

/// A funnel of milestones `m0`, `m1`, … narrowing by one person each, then a target.
fn long_funnel(milestones: usize) -> String {
    let mut text = String::from(HEADER);
    text.push_str("funnel long \"A long funnel\" for people {\n");
    let top = 999_999_999_999_u64;
    for i in 0..milestones {
        text.push_str(&format!(
            "  milestone m{i} \"Step {i}\" {}\n",
            top - i as u64
        ));
    }
    text.push_str("  target done \"Done\" 1 { achieves better }\n}\n");
    text
}

// ─────────────────────────────── bytes that are not text ───────────────────────────────

#[test]
fn a_nul_byte_is_a_syntax_error_that_names_it() {
    let (d, r) = only(b"contract \"C\" {\0}\n", "E0101");
    assert!(d.message.ends_with("found a NUL byte"), "{}", d.message);
    assert_eq!((r.line, r.column), (1, 15));
}

#[test]
fn nul_bytes_inside_text_and_comments_do_not_break_anything() {
    let mut text = String::from(HEADER);
    text.push_str("# a comment with \0 in it\n");
    text = text.replace("\"Council\"", "\"Coun\0cil\"");
    let (_, diagnostics, _) = run(text.as_bytes());
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
}

/// A message quoting the contract (here the unknown escape `\` + U+202E), and the source
/// lines drawn under it (here a comment holding an escape sequence that clears the screen),
/// reach the terminal with their control and bidirectional characters as visible escapes,
/// in every format `check` prints.
#[test]
fn control_and_bidi_characters_never_reach_the_terminal_raw() {
    use outcome::diagnostic::{github, sarif};
    let text = "# \x1b[2J\ncontract \"C\" { commissioner \"a\\\u{202e}1,075\" }\n";
    let (d, r) = only(text.as_bytes(), "E0108");
    assert_eq!(
        d.message,
        "`\\\\u{202e}` is not an escape this language knows"
    );
    let (file, diagnostics, _) = run(text.as_bytes());
    let raw = |shown: &str| {
        shown
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}')
    };
    let shown = render_human(&file, &diagnostics[0], false);
    assert!(!raw(&shown), "{shown:?}");
    assert!(shown.contains("# \\u{1b}[2J"), "{shown}");
    let coloured = render_human(&file, &diagnostics[0], true);
    assert!(
        !coloured.contains("\x1b[2J") && !coloured.contains('\u{202e}'),
        "{coloured:?}"
    );
    assert!(!raw(&serde_json::to_string(&r).unwrap()));
    assert!(!raw(&github::annotations(std::slice::from_ref(&r))));
    assert!(!raw(&sarif::log(&[(&file, &diagnostics)]).unwrap()));
}

#[test]
fn invalid_utf8_is_e0102_at_the_first_bad_byte() {
    let (d, r) = only(b"# ok\ncontract \"\xff\" {}\n", "E0102");
    assert_eq!(d.primary.span.start, 15);
    assert_eq!((r.line, r.column), (2, 11));
}

#[test]
fn a_character_cut_off_at_the_end_of_the_file_is_e0102() {
    // The first byte of `£` and nothing after it.
    let (_, r) = only(b"contract \"\xc2", "E0102");
    assert_eq!((r.line, r.column), (1, 11));
}

#[test]
fn latin_1_text_is_e0102() {
    let mut bytes = HEADER.as_bytes().to_vec();
    let pound = bytes.iter().position(|b| *b == 0xc2).unwrap_or(0);
    bytes.splice(pound..pound + 2, [0xa3]); // `£` as Windows-1252 writes it
    only(&bytes, "E0102");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let with_bom = format!("\u{feff}{HEADER}");
    let (_, plain, _) = run(HEADER.as_bytes());
    let (_, marked, _) = run(with_bom.as_bytes());
    assert_eq!(codes(&plain), codes(&marked));
    assert!(errors(&marked).is_empty(), "{marked:#?}");
}

#[test]
fn a_byte_order_mark_does_not_move_lines() {
    let text = format!("\u{feff}{}", HEADER.replace("2026-04-01", "2026-02-30"));
    let (_, r) = only(text.as_bytes(), "E0104");
    assert_eq!((r.line, r.column), (4, 8));
}

/// Editors do not show a byte-order mark, so a caret on line 1 must not count it.
#[test]

fn a_byte_order_mark_is_not_a_column() {
    let (_, r) = only("\u{feff}contract 5".as_bytes(), "E0101");
    assert_eq!((r.line, r.column), (1, 10));
}

// ─────────────────────────────── line endings ───────────────────────────────

/// The same error on line 5, column 8, with every kind of line break.
#[test]
fn crlf_and_lone_cr_count_lines_and_columns_right() {
    let text = HEADER.replace("2026-04-01", "2026-02-30");
    for line_break in ["\n", "\r\n", "\r"] {
        let text = text.replace('\n', line_break);
        let (_, r) = only(text.as_bytes(), "E0104");
        assert_eq!((r.line, r.column), (4, 8), "{line_break:?}");
    }
    // Mixed: CR then CRLF is two line breaks, CRLF one.
    let mixed = "# one\r\r\n# three\r\ncontract 5";
    let (_, r) = only(mixed.as_bytes(), "E0101");
    assert_eq!((r.line, r.column), (4, 10));
}

#[test]
fn a_text_block_with_crlf_reads_as_lines() {
    let text = HEADER
        .replace(
            "\"Council\"",
            "\"\"\"\r\n    First line\r\n    Second line\r\n    \"\"\"",
        )
        .replace('\n', "\r\n")
        .replace("\r\r\n", "\r\n");
    let (_, diagnostics, _) = run(text.as_bytes());
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
}

// ─────────────────────────────── size ───────────────────────────────

#[test]
fn one_megabyte_on_one_line() {
    let long = "x".repeat(1 << 20);
    let text = format!("contract \"{long}\" {{ commissioner 5 }}");
    let (file, diagnostics, _) = run(text.as_bytes());
    assert_eq!(codes(&diagnostics), ["E0101"]);
    assert_eq!(diagnostics[0].message, "expected text in quotes, found `5`");
    let r = Record::new(&file, &diagnostics[0]);
    assert_eq!(r.line, 1);
    assert_eq!(r.column, text.find(" 5 ").unwrap_or(0) + 2);
}

/// The line drawn under a report's header, and the column of the caret under it.
fn drawn_with_caret(shown: &str) -> (&str, usize) {
    let lines: Vec<&str> = shown.lines().collect();
    let caret = lines.iter().position(|l| l.contains('┬')).unwrap();
    let under = lines[caret].chars().position(|c| c == '┬').unwrap();
    (lines[caret - 1], under)
}

/// miette formats a line's gutter with the column as a `{:width$}` argument, and Rust
/// refuses widths past `u16::MAX`: `outcome check` panicked ("Formatting argument out of
/// range", miette-7.6.0 `handlers/graphical.rs:1159`) on any label past column 65,535. The
/// line is drawn cut around the label, and the header gives the column in the file.
#[test]
fn a_label_past_column_65535_renders() {
    let text = format!("contract \"{}\" {{ commissioner 5 }}", "x".repeat(70_000));
    let (file, diagnostics, _) = run(text.as_bytes());
    let shown = render_human(&file, &diagnostics[0], false);
    let r = Record::new(&file, &diagnostics[0]);
    assert_eq!((r.line, r.column), (1, 70_028));
    assert!(shown.contains("[nasty.outcome:1:70028]"), "{shown}");
    let (drawn, caret) = drawn_with_caret(&shown);
    assert!(drawn.ends_with("xx\" { commissioner 5 }"), "{shown}");
    assert!(drawn.contains('…'), "{shown}");
    assert_eq!(drawn.chars().position(|c| c == '5'), Some(caret), "{shown}");
}

/// A lone CR ends a line for the checker but did not for miette's drawing, which drew the
/// line before it with the label: an error just after a line of 65,535+ characters ended by
/// a lone CR panicked as a label past column 65,535 did.
#[test]
fn an_error_after_a_long_line_ended_by_a_lone_cr_renders() {
    let text = format!(
        "contract \"C\" {{ commissioner \"{}\"\r provider 5 }}",
        "x".repeat(70_000)
    );
    let (file, diagnostics, _) = run(text.as_bytes());
    assert_eq!(codes(&diagnostics), ["E0101"]);
    let shown = render_human(&file, &diagnostics[0], true);
    assert!(shown.contains("nasty.outcome:2:11"), "{shown}");
    let shown = render_human(&file, &diagnostics[0], false);
    let (drawn, caret) = drawn_with_caret(&shown);
    assert_eq!(drawn, " 2 │  provider 5 }", "{shown}");
    assert_eq!(drawn.chars().position(|c| c == '5'), Some(caret), "{shown}");
    assert!(shown.len() < 1_000, "{shown}");
}

#[test]
fn a_label_just_inside_column_65535_renders() {
    let text = format!("contract \"{}\" {{ commissioner 5 }}", "x".repeat(65_000));
    let (d, _) = only(text.as_bytes(), "E0101");
    assert_eq!(d.message, "expected text in quotes, found `5`");
}

/// Each diagnostic's column was counted from the start of its line: 100,000 diagnostics on
/// one 2 MB line took 19 seconds to print as JSON. Here 55,000 on a 2 MB line, whose records
/// took 14 seconds to compute in a debug build (about 10^11 characters counted in all); now
/// each column is counted from a checkpoint at most a few kilobytes back.
#[test]
fn many_diagnostics_on_one_long_line_print_in_linear_time() {
    use outcome::diagnostic::{github, sarif, Code};
    use outcome::source::Span;
    let unit = "outcome a \"£ é\" { level service } ";
    let text = unit.repeat(2_000_000 / unit.len());
    let file = SourceFile::new("one-line.outcome", text.as_str());
    let diagnostics: Vec<Diagnostic> = text
        .match_indices("outcome a")
        .map(|(at, _)| {
            let name = at + "outcome ".len();
            Diagnostic::new(
                Code::E0201,
                "`a` is defined twice",
                Span::new(name, name + 1),
                "",
            )
        })
        .collect();
    assert!(diagnostics.len() > 50_000, "{}", diagnostics.len());
    let started = std::time::Instant::now();
    let records: Vec<Record> = diagnostics.iter().map(|d| Record::new(&file, d)).collect();
    let took = started.elapsed();
    // Linear: a fraction of a second even in a debug build. Quadratic: 14 seconds.
    assert!(took.as_secs() < 5, "{took:?}");
    let last = records.last().unwrap();
    let at = diagnostics.last().unwrap().primary.span.start;
    assert_eq!(last.column, text[..at].chars().count() + 1);
    // GitHub annotations are made from the records; SARIF counts its columns the same way.
    // One line per diagnostic, and one counting the errors past the ten GitHub shows.
    let annotations = github::annotations(&records);
    assert_eq!(annotations.lines().count(), diagnostics.len() + 1);
    let log = sarif::log(&[(&file, &diagnostics)]).unwrap();
    assert!(log.contains(&format!("\"startColumn\": {}", last.column)));
}

#[test]
fn a_hundred_thousand_open_braces() {
    let text = "{".repeat(100_000);
    let (_, r) = only(text.as_bytes(), "E0101");
    assert_eq!((r.line, r.column), (1, 1));

    let text = format!(
        "contract \"C\" {}{}",
        "{".repeat(100_000),
        "}".repeat(100_000)
    );
    let (_, r) = only(text.as_bytes(), "E0101");
    assert_eq!((r.line, r.column), (1, 15));
}

#[test]
fn a_few_thousand_milestones_in_one_funnel() {
    let text = long_funnel(2_000);
    let (_, diagnostics, json) = run(text.as_bytes());
    assert!(errors(&diagnostics).is_empty(), "{:?}", &diagnostics[..1]);
    assert!(json.is_some_and(|j| j.contains("\"m1999\"")));
}

/// 3.3 MB. Checks in about half a second in a release build once nothing in the checker is
/// quadratic in the number of stages; in a debug build, about ten seconds.
#[test]

fn a_hundred_thousand_milestones_in_one_funnel() {
    let text = long_funnel(100_000);
    let (_, diagnostics, json) = run(text.as_bytes());
    assert!(errors(&diagnostics).is_empty(), "{:?}", &diagnostics[..1]);
    let json = json.unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let stages = value["funnels"][0]["stages"].as_array().map_or(0, Vec::len);
    assert_eq!(stages, 100_001);
}

#[test]
fn a_hundred_thousand_steps_after_the_first() {
    // Every step follows the first: a fan 100,000 wide.
    let mut text = String::from(HEADER);
    text.push_str("funnel fan \"A wide funnel\" for people {\n  milestone first \"First\" 1000\n");
    for i in 0..100_000 {
        text.push_str(&format!("  target t{i} \"Target {i}\" 10 after first\n"));
    }
    text.push_str("}\n");
    let (_, diagnostics, _) = run(text.as_bytes());
    // Each target achieves nothing; nothing else is wrong.
    assert!(
        errors(&diagnostics).iter().all(|c| *c == "E0601"),
        "{:?}",
        &diagnostics[..1]
    );
}

/// Joins of two paths, one after another: the windows inherited along the sequence once
/// doubled at every join, 2^40 entries for this 5 KB file.
#[test]
fn a_ladder_of_joins_checks_in_linear_time() {
    let mut text = String::from(HEADER);
    text.push_str("funnel ladder \"Joins\" for people {\n");
    text.push_str("  milestone m \"Start\" 1000 within 1 month\n");
    let mut previous = "m".to_string();
    for i in 0..40 {
        text.push_str(&format!(
            "  milestone a{i} \"A\" 10 after {previous}\n  milestone b{i} \"B\" 10 after {previous}\n  milestone j{i} \"Join\" 10 after a{i}, b{i}\n"
        ));
        previous = format!("j{i}");
    }
    text.push_str(&format!(
        "  target t \"T\" 1 within 1 day after {previous} {{ achieves better }}\n}}\n"
    ));
    let (_, diagnostics, _) = run(text.as_bytes());
    assert_eq!(errors(&diagnostics), ["E0403"]);
}

// ─────────────────────────────── positions ───────────────────────────────

#[test]
fn an_error_at_the_end_of_the_file_without_a_final_line_break() {
    let (d, r) = only(b"contract \"C\" {", "E0101");
    assert!(
        d.message.ends_with("found the end of the file"),
        "{}",
        d.message
    );
    assert_eq!((r.line, r.column), (1, 15));
    let (file, diagnostics, _) = run(b"contract \"C\" {");
    let shown = render_human(&file, &diagnostics[0], false);
    assert!(
        shown.contains("not expected here"),
        "the label is lost:\n{shown}"
    );
}

#[test]
fn an_error_at_the_end_of_the_file_after_a_final_line_break() {
    let (d, r) = only(b"contract \"C\" {\n", "E0101");
    assert!(
        d.message.ends_with("found the end of the file"),
        "{}",
        d.message
    );
    assert_eq!((r.line, r.column), (2, 1));
    let (file, diagnostics, _) = run(b"contract \"C\" {\n");
    let shown = render_human(&file, &diagnostics[0], false);
    assert!(
        shown.contains("not expected here"),
        "the label is lost:\n{shown}"
    );
}

#[test]
fn an_empty_file_and_a_file_of_blank_lines() {
    only(b"", "E0109");
    only(b"\n\r\n\r  \t\n# only a comment", "E0109");
}

#[test]
fn columns_count_characters_after_non_ascii_text() {
    let text = "# café £ 😀\ncontract \"Café £5 😀\" { commissioner 5 }\n";
    let (d, r) = only(text.as_bytes(), "E0101");
    let before = &text[text.find("contract").unwrap_or(0)..d.primary.span.start];
    assert_eq!(r.line, 2);
    assert_eq!(r.column, before.chars().count() + 1);
    assert_eq!(r.column, 37);
}

#[test]
fn a_label_after_non_ascii_text_in_a_later_stage() {
    // A checker error (not a syntax error) after multi-byte characters on the same line.
    let mut text = String::from(HEADER);
    text.push_str(
        "funnel f \"Café — £ 😀\" for people {\n  milestone a \"Ünïcödé\" 10\n  target t \"😀😀\" 20 { achieves better }\n}\n",
    );
    let (file, diagnostics, _) = run(text.as_bytes());
    assert_eq!(errors(&diagnostics), ["E0304"]);
    let d = diagnostics.iter().find(|d| d.is_error()).cloned();
    let r = Record::new(&file, &d.unwrap_or_else(|| diagnostics[0].clone()));
    assert_eq!((r.line, r.column), (12, 17));
}

// ─────────────────────────────── values ───────────────────────────────

#[test]
fn huge_numbers_are_e0103_wherever_they_are_written() {
    let huge = "99999999999999999999999999999999999999999999999999";
    let cases = [
        ("size 999,999,999,999", format!("size {huge}")),
        (
            "funding limit £999,999,999,999",
            format!("funding limit £{huge}"),
        ),
        (
            "funding limit £999,999,999,999",
            format!("funding limit GBP {huge}"),
        ),
        (
            "funding limit £999,999,999,999",
            "funding limit £1,000,000,000,000".to_string(),
        ),
    ];
    for (from, to) in &cases {
        let text = HEADER.replace(from, to);
        only(text.as_bytes(), "E0103");
    }
    let stage_cases = [
        format!("milestone a \"A\" {huge}"),
        format!("milestone a \"A\" 10 conversion {huge}%"),
        format!("milestone a \"A\" 10 within {huge} days"),
        "milestone a \"A\" 10 within 4294967296 days".to_string(),
    ];
    for stage in &stage_cases {
        let text = format!(
            "{HEADER}funnel f \"F\" for people {{\n  {stage}\n  target t \"T\" 1 {{ achieves better }}\n}}\n"
        );
        let (_, diagnostics, _) = run(text.as_bytes());
        assert_eq!(errors(&diagnostics), ["E0103"], "{stage}");
    }
}

#[test]
fn the_largest_numbers_allowed_do_not_overflow_the_figures() {
    // Every count and price at its largest: the figures are products and sums of them,
    // beyond the bound on figures, so the contract is refused rather than computed.
    let mut text = String::from(HEADER);
    text.push_str(
        "funnel f \"F\" for people {\n  milestone a \"A\" 999,999,999,999\n  target t \"T\" 999,999,999,999 { achieves better }\n}\npayments {\n  fixed £999,999,999,999 per week\n  pay £999,999,999,999.99 for a\n  pay £999,999,999,999.99 for t\n}\n",
    );
    let (_, diagnostics, _) = run(text.as_bytes());
    assert_eq!(errors(&diagnostics), ["E0530"], "{diagnostics:#?}");
}

#[test]
fn the_thirtieth_of_february_is_e0104() {
    let text = HEADER.replace("2026-04-01", "2026-02-30");
    let (d, r) = only(text.as_bytes(), "E0104");
    assert_eq!(
        d.message,
        "`2026-02-30` is not a date: February 2026 has 28 days"
    );
    assert_eq!((r.line, r.column), (4, 8));
}

#[test]
fn impossible_dates_are_e0104() {
    for date in [
        "2026-13-01",
        "2026-00-10",
        "2026-04-31",
        "2100-02-29",
        "2026-01-00",
    ] {
        let text = HEADER.replace("2026-04-01", date);
        only(text.as_bytes(), "E0104");
    }
    // A leap day is a day.
    let text = HEADER.replace("2026-04-01", "2028-02-29");
    let (_, diagnostics, _) = run(text.as_bytes());
    assert!(!codes(&diagnostics).contains(&"E0104"));
}

#[test]
fn the_widest_term_the_grammar_can_write() {
    let text = format!(
        "{}funnel f \"F\" for people {{\n  milestone a \"A\" 100\n  target t \"T\" 10 {{ achieves better }}\n}}\npayments {{\n  fixed £1 per week\n  pay £1 for t\n}}\n",
        HEADER.replace("2026-04-01 to 2028-03-31", "0000-01-01 to 9999-12-31")
    );
    run(text.as_bytes());
}

#[test]
fn a_file_over_sixteen_megabytes_is_refused_unread() {
    let mut text = String::from("# ");
    text.push_str(&"x".repeat(outcome::syntax::MAX_FILE_BYTES));
    let (_, compiled) = outcome::compile_bytes("huge.outcome", text.as_bytes());
    let codes: Vec<&str> = compiled
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, vec!["E0111"]);
    assert_eq!(
        compiled.diagnostics[0].message,
        "this file is 17 MB, more than the 16 MB a contract file may be"
    );
}

/// Thousands of misspelt names among thousands of stages: each would look for a suggestion
/// among every stage, the product of the two (16,000 of each took 95 s). The first 200 get a
/// "did you mean", the rest the plain help, so the work grows with the file.
#[test]
fn only_the_first_two_hundred_unknown_names_look_for_a_suggestion() {
    let mut text = String::from(
        "contract \"X\" {\n  commissioner \"C\"\n  provider \"P\"\n  term 2026-04-01 to 2028-03-31\n  funding limit £100,000\n}\noutcome o \"O\" { why \"W\" }\ncohort c \"C\" { size 100 }\nfunnel f \"F\" for c {\n",
    );
    for i in 0..300 {
        text.push_str(&format!("  milestone stage_{i} \"S\" 100\n"));
    }
    text.push_str("  target t \"T\" 10 { achieves o }\n}\npayments {\n");
    for i in 0..300 {
        text.push_str(&format!("  pay £1 for stagx_{i}\n"));
    }
    text.push_str("}\n");
    let (_, diagnostics, _) = run(text.as_bytes());
    let helps: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "E0202")
        .map(|d| d.help.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(helps.len(), 300);
    assert!(helps[..200].iter().all(|h| h.starts_with("did you mean")));
    assert_eq!(helps[0], "did you mean `stage_0`?");
    assert!(helps[200..]
        .iter()
        .all(|h| h.starts_with("define a milestone or a performance target named")));
}
