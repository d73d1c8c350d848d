//! The formatter (`outcome fmt`): it keeps the meaning and every comment, it is idempotent, and
//! its layout is the one documented in `src/fmt/layout.rs`.
//!
//! The corpus tests run over every `.outcome` file in the repository that parses (`specs/` and
//! `tests/`, recursively); a property test re-spaces the specs at random and formats them back.

mod common;
use common::Scratch;
use outcome::diagnostic::{Code, Diagnostic};
use outcome::fmt::{comments, format, unified_diff, Refused};
use outcome::source::SourceFile;
use outcome::workspace::Workspace;
use predicates::prelude::*;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fmt(text: &str) -> String {
    match format(&SourceFile::new("test.outcome", text)) {
        Ok(formatted) => formatted,
        Err(Refused::Syntax(diagnostics)) => panic!("does not parse: {diagnostics:#?}\n{text}"),
        Err(refused) => panic!("{refused}\n{text}"),
    }
}

/// Format, compare with what is expected, and check that formatting again changes nothing.
fn assert_formats(input: &str, expected: &str) {
    let once = fmt(input);
    assert_eq!(
        once, expected,
        "\n--- got ---\n{once}--- expected ---\n{expected}"
    );
    assert_eq!(fmt(&once), once, "formatting is not idempotent");
}

/// What a file means, for comparison: the checked contract as JSON, and every diagnostic's
/// code and message (positions move when lines do).
fn meaning(text: &str) -> (String, Vec<(String, String)>) {
    meaning_in(text, None)
}

/// The meaning of a file that sits in `folder`: the files it `use`s are read from there.
fn meaning_in(text: &str, folder: Option<&Path>) -> (String, Vec<(String, String)>) {
    let file = SourceFile::new("test.outcome", text);
    let is_bid = outcome::syntax::parse(&file).is_ok_and(|tree| tree.bid().is_some());
    let compiled = match folder {
        None => outcome::compile(&file),
        // A bid is checked with its specification: as if the text were saved in `folder`.
        Some(folder) if is_bid => {
            let folder = std::fs::canonicalize(folder).unwrap();
            let mut workspace = Workspace::for_path(&folder).unwrap();
            let path = folder.join("formatted-bid.outcome");
            workspace.overlay(path.clone(), text.into());
            let loaded = workspace.load(&path).unwrap();
            outcome::Compiled {
                contract: loaded.compiled.contract.clone(),
                shared: None,
                diagnostics: loaded.compiled.diagnostics.clone(),
            }
        }
        Some(folder) => {
            let mut workspace = Workspace::for_path(folder).unwrap();
            outcome::compile_with(&file, &mut |written: &str, span| {
                let loaded = workspace
                    .load(&folder.join(written))
                    .map_err(|error| Diagnostic::new(Code::E0208, error.to_string(), span, ""))?;
                match &loaded.compiled.shared {
                    Some(shared) => Ok(Arc::clone(shared)),
                    None => Err(Diagnostic::new(Code::E0208, "no shared", span, "")),
                }
            })
        }
    };
    // The line each payment clause is on moves with the layout; everything else must not.
    let mut contract = serde_json::to_value(&compiled.contract).unwrap();
    forget_clause_lines(&mut contract);
    let contract = contract.to_string();
    let diagnostics = compiled
        .diagnostics
        .iter()
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect();
    (contract, diagnostics)
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

/// Check the three promises on one text that parses; `folder` holds the files it uses.
fn assert_keeps_everything(name: &str, text: &str, folder: Option<&Path>) {
    let formatted = fmt(text);
    let before = meaning_in(text, folder);
    if folder.is_some() && name.starts_with("specs") && !name.contains("framework") {
        assert!(before.0 != "null", "{name} should compile: {:?}", before.1);
    }
    assert_eq!(
        before,
        meaning_in(&formatted, folder),
        "{name}: formatting changed the meaning:\n{formatted}"
    );
    assert_eq!(fmt(&formatted), formatted, "{name}: not idempotent");
    assert_eq!(
        comments(text),
        comments(&formatted),
        "{name}: comments changed"
    );
    assert!(
        !formatted.contains('\r')
            && formatted.ends_with('\n')
            && !formatted.ends_with("\n\n")
            && !formatted.contains("\n\n\n")
            && formatted.lines().all(|line| line == line.trim_end()),
        "{name}: not in canonical layout:\n{formatted}"
    );
}

/// Every `.outcome` file in the repository that parses, with its text and its folder.
fn corpus() -> Vec<(String, String, PathBuf)> {
    let mut paths = common::outcome_files_below(&root().join("specs"));
    paths.extend(common::outcome_files_below(&root().join("tests")));
    paths.sort();
    paths
        .iter()
        .filter_map(|path| {
            let text = String::from_utf8(std::fs::read(path).ok()?).ok()?;
            let name = path
                .strip_prefix(root())
                .unwrap_or(path)
                .display()
                .to_string();
            let parses = outcome::syntax::parse(&SourceFile::new(name.clone(), text.as_str()));
            let folder = path.parent()?.to_path_buf();
            parses.is_ok().then_some((name, text, folder))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// the corpus

#[test]
fn every_contract_keeps_its_meaning_comments_and_layout() {
    let corpus = corpus();
    assert!(
        corpus
            .iter()
            .filter(|(name, ..)| name.starts_with("specs"))
            .count()
            >= 2,
        "the specs are part of the corpus"
    );
    for (name, text, folder) in &corpus {
        assert_keeps_everything(name, text, Some(folder));
    }
}

#[test]
fn every_contract_survives_crlf_line_endings() {
    for (name, text, _) in corpus() {
        let crlf = text.replace('\n', "\r\n");
        let formatted = fmt(&crlf);
        assert_eq!(formatted, fmt(&text), "{name}");
        assert_eq!(meaning(&crlf), meaning(&formatted), "{name}");
    }
}

fn spec_paths() -> Vec<PathBuf> {
    common::spec_files()
}

#[test]
fn the_specs_are_in_canonical_layout() {
    for spec in spec_paths() {
        let text = std::fs::read_to_string(&spec).unwrap();
        let formatted = fmt(&text);
        let name = spec
            .strip_prefix(root())
            .unwrap_or(&spec)
            .display()
            .to_string();
        assert!(
            formatted == text,
            "{name} is not in canonical layout; run `outcome fmt specs/`:\n{}",
            unified_diff(&text, &formatted, &name, "formatted")
        );
    }
}

/// Replace the whitespace between tokens with other whitespace: `choices` picks, for each run
/// in turn, spaces, a tab, a line break (LF, CRLF or CR) or several. Text, `"""` blocks and
/// comments are left alone, and a run that held a line break keeps one.
fn respace(text: &str, choices: &[u8]) -> String {
    const SAME_LINE: [&str; 4] = [" ", "  ", "\t", "   \t "];
    const NEW_LINE: [&str; 5] = ["\n", "\r\n", "\n\n\n", "\r", " \n\t  "];
    let mut out = String::new();
    let mut rest = text;
    let mut picks = choices.iter().cycle();
    while let Some(ch) = rest.chars().next() {
        let (token, after) = if let Some(inside) = rest.strip_prefix("\"\"\"") {
            let end = inside.find("\"\"\"").map_or(rest.len(), |i| i + 6);
            rest.split_at(end)
        } else if ch == '"' {
            let mut end = 1;
            let mut escaped = false;
            for (i, c) in rest[1..].char_indices() {
                end = 1 + i + c.len_utf8();
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    break;
                }
            }
            rest.split_at(end)
        } else if ch == '#' {
            let end = rest.find(['\n', '\r']).unwrap_or(rest.len());
            rest.split_at(end)
        } else if ch.is_whitespace() {
            let end = rest
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(rest.len());
            let (run, after) = rest.split_at(end);
            let pick = usize::from(*picks.next().unwrap_or(&0));
            let new = if run.contains(['\n', '\r']) || pick % 3 == 0 {
                NEW_LINE[pick % NEW_LINE.len()]
            } else {
                SAME_LINE[pick % SAME_LINE.len()]
            };
            out.push_str(new);
            rest = after;
            continue;
        } else {
            rest.split_at(ch.len_utf8())
        };
        out.push_str(token);
        rest = after;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn respaced_specs_format_to_the_same_meaning(
        spec in prop::sample::select(spec_paths()),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let text = std::fs::read_to_string(&spec).unwrap();
        let respaced = respace(&text, &choices);
        // A line break inside `GBP 1200` or similar would not parse: such a draw is skipped.
        prop_assume!(outcome::syntax::parse(&SourceFile::new("r", respaced.as_str())).is_ok());
        assert_keeps_everything(&spec.display().to_string(), &respaced, spec.parent());
        prop_assert_eq!(meaning_in(&text, spec.parent()), meaning_in(&fmt(&respaced), spec.parent()));
    }
}

// ---------------------------------------------------------------------------------------------
// the layout

#[test]
fn a_messy_funnel_is_aligned_in_columns() {
    assert_formats(
        "funnel f \"F\" for people {\n\
         milestone enrol \"Enrol\" 100   # everyone\n\
         \x20  milestone attend   \"Attend 1st session\" 50 conversion 50% {\n\
         \x20evidence \"Register\" }\n\
         \x20target done \"Done\" 5 conversion 10%   within 3 months { # the target\n\
         \x20 achieves x } }\n",
        "funnel f \"F\" for people {\n\
         \x20 milestone enrol  \"Enrol\"              100                                   # everyone\n\
         \x20 milestone attend \"Attend 1st session\"  50 conversion 50% {\n\
         \x20   evidence \"Register\"\n\
         \x20 }\n\
         \x20 target    done   \"Done\"                 5 conversion 10% within 3 months {  # the target\n\
         \x20   achieves x\n\
         \x20 }\n\
         }\n",
    );
}

/// Rust's `format!` refuses a width past 65,535: aligning a stage line on a longer name or
/// description panicked.
#[test]
fn stage_columns_wider_than_65535_characters_are_aligned() {
    let long = "d".repeat(70_000);
    let input = format!(
        "funnel f \"F\" for p {{\n  milestone a \"{long}\" 100\n  milestone bb \"B\" 5\n}}\n"
    );
    let padding = " ".repeat(long.len() + 2 - 3);
    assert_formats(
        &input,
        &format!("funnel f \"F\" for p {{\n  milestone a  \"{long}\" 100\n  milestone bb \"B\"{padding}   5\n}}\n"),
    );
    let name = "n".repeat(70_000);
    let input = format!(
        "funnel f \"F\" for p {{\n  milestone {name} \"A\" 100\n  milestone b \"B\" 5\n}}\n"
    );
    let padding = " ".repeat(name.len() - 1);
    assert_formats(
        &input,
        &format!("funnel f \"F\" for p {{\n  milestone {name} \"A\" 100\n  milestone b{padding} \"B\"   5\n}}\n"),
    );
}

#[test]
fn a_blank_line_starts_a_new_alignment_group() {
    assert_formats(
        "funnel f \"F\" for p {\n  milestone a \"A\" 100\n  milestone bb \"BB\" 50\n\n  target c \"Long description\" 5\n}\n",
        "funnel f \"F\" for p {\n  milestone a  \"A\"  100\n  milestone bb \"BB\"  50\n\n  target c \"Long description\" 5\n}\n",
    );
}

#[test]
fn comments_at_line_ends_and_on_their_own_lines_stay() {
    assert_formats(
        "# head\n\
         contract \"C\" {   # opens\n\
         # inside\n\
         \x20 term 2026-01-01 to 2027-01-01 # the term\n\
         \x20 funding limit £1   # money\n\
         \x20                    # more about money\n\
         }  # closes\n\
         # about x\n\
         outcome x \"X\"\n",
        "# head\n\
         contract \"C\" {  # opens\n\
         \x20 # inside\n\
         \x20 term 2026-01-01 to 2027-01-01  # the term\n\
         \x20 funding limit £1               # money\n\
         \x20                                # more about money\n\
         }  # closes\n\
         \n\
         # about x\n\
         outcome x \"X\"\n",
    );
}

#[test]
fn crlf_becomes_lf_and_blank_lines_are_tidied() {
    assert_formats(
        "\r\n\r\noutcome a \"A\" {\r\n\r\n\r\n  level service\r\n\r\n}\r\noutcome b \"B\"\r\n\r\n\r\n\r\noutcome c \"C\"",
        "outcome a \"A\" {\n  level service\n}\n\noutcome b \"B\"\n\noutcome c \"C\"\n",
    );
}

#[test]
fn text_blocks_are_reproduced_exactly() {
    let block = "\"\"\"\n      Aged 11 to 16,   at referral.  # not a comment\n\n   Referred by the school.\n    \"\"\"";
    let input = format!("cohort y \"Y\" {{\n      eligibility {block}    size 20\n}}\n");
    let expected = format!("cohort y \"Y\" {{\n  eligibility {block} size 20\n}}\n");
    assert_formats(&input, &expected);
    assert_eq!(meaning(&input), meaning(&expected));
}

#[test]
fn text_block_line_endings_follow_the_file() {
    let input =
        "cohort y \"Y\" {\r\n  eligibility \"\"\"\r\n    one\r\n    two\r\n    \"\"\"\r\n}\r\n";
    let formatted = fmt(input);
    assert_eq!(formatted, input.replace("\r\n", "\n"));
    assert_eq!(meaning(input), meaning(&formatted));
}

#[test]
fn one_line_blocks_and_lists_are_spread_out() {
    assert_formats(
        "monitoring { returns monthly from \"A\" , \"B\",\n\"C\" review quarterly }\n",
        "monitoring {\n  returns monthly from \"A\", \"B\",\n    \"C\" review quarterly\n}\n",
    );
}

#[test]
fn declarations_are_one_blank_line_apart() {
    assert_formats(
        "outcome a \"A\" outcome b \"B\" { level service } cohort c \"C\"\n# about d\noutcome d \"D\"\n",
        "outcome a \"A\"\n\noutcome b \"B\" {\n  level service\n}\n\ncohort c \"C\"\n\n# about d\noutcome d \"D\"\n",
    );
    // A comment written directly under a declaration, apart from the next, stays under it.
    assert_formats(
        "cohort c \"C\"\n# about c\n\n\n\noutcome d \"D\"\n",
        "cohort c \"C\"\n# about c\n\noutcome d \"D\"\n",
    );
}

#[test]
fn one_line_declarations_of_a_kind_stay_a_list() {
    assert_formats(
        "use \"a.outcome\"\n# b too\nuse \"b.outcome\"\noutcome x \"X\"\noutcome y \"Y\" {\n  level service\n}\n",
        "use \"a.outcome\"\n# b too\nuse \"b.outcome\"\n\noutcome x \"X\"\n\noutcome y \"Y\" {\n  level service\n}\n",
    );
}

#[test]
fn an_opening_brace_moves_to_the_line_it_opens() {
    assert_formats(
        "outcome a \"A\"\n{  # why\n  level service\n}\n",
        "outcome a \"A\" {  # why\n  level service\n}\n",
    );
}

#[test]
fn a_byte_order_mark_is_kept() {
    assert_formats("\u{FEFF}outcome a \"A\"   \n", "\u{FEFF}outcome a \"A\"\n");
}

#[test]
fn a_file_that_does_not_parse_is_refused() {
    let refused = format(&SourceFile::new("bad.outcome", "contract \"x\" { term }"));
    assert!(matches!(refused, Err(Refused::Syntax(d)) if d[0].code.as_str() == "E0101"));
}

// ---------------------------------------------------------------------------------------------
// the command line

const MESSY: &str = "outcome a \"A\"   {\n level service }\n";
const TIDY: &str = "outcome a \"A\" {\n  level service\n}\n";

#[test]
fn fmt_rewrites_files_in_place() {
    let scratch = Scratch::new("write");
    scratch.file("a.outcome", MESSY);
    scratch.file("sub/b.outcome", TIDY);
    scratch
        .outcome()
        .args(["fmt", "."])
        .assert()
        .success()
        .stdout("")
        .stderr("formatted 2 files: 1 changed, 1 unchanged\n");
    assert_eq!(scratch.read("a.outcome"), TIDY);
    assert_eq!(scratch.read("sub/b.outcome"), TIDY);
}

#[test]
fn fmt_check_lists_what_would_change_and_writes_nothing() {
    let scratch = Scratch::new("check");
    scratch.file("a.outcome", MESSY);
    scratch.file("b.outcome", TIDY);
    scratch
        .outcome()
        .args(["fmt", "--check", "a.outcome", "b.outcome"])
        .assert()
        .code(1)
        .stdout("a.outcome\n")
        .stderr("checked 2 files: 1 would change, 1 unchanged\n");
    assert_eq!(scratch.read("a.outcome"), MESSY);
    scratch
        .outcome()
        .args(["fmt", "--check", "b.outcome"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn fmt_check_diff_prints_a_unified_diff() {
    let scratch = Scratch::new("diff");
    scratch.file("a.outcome", MESSY);
    scratch
        .outcome()
        .args(["fmt", "--check", "--diff", "a.outcome"])
        .assert()
        .code(1)
        .stdout(
            "--- a.outcome\n\
             +++ a.outcome (formatted)\n\
             @@ -1,2 +1,3 @@\n\
             -outcome a \"A\"   {\n\
             - level service }\n\
             +outcome a \"A\" {\n\
             +  level service\n\
             +}\n",
        );
    assert_eq!(scratch.read("a.outcome"), MESSY);
}

#[test]
fn fmt_diff_needs_check() {
    let scratch = Scratch::new("diff-alone");
    scratch.file("a.outcome", MESSY);
    scratch
        .outcome()
        .args(["fmt", "--diff", "a.outcome"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--check"));
    assert_eq!(scratch.read("a.outcome"), MESSY);
}

#[test]
fn fmt_reports_a_syntax_error_and_leaves_the_file_alone() {
    let scratch = Scratch::new("syntax");
    let bad = "contract \"x\" {   term }\n";
    scratch.file("bad.outcome", bad);
    scratch.file("good.outcome", MESSY);
    scratch
        .outcome()
        .args(["fmt", "bad.outcome", "good.outcome"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("E0101"))
        .stderr(predicate::str::contains("bad.outcome:1:"))
        .stderr(predicate::str::contains(
            "formatted 2 files: 1 changed, 0 unchanged, 1 not formatted because of syntax errors",
        ));
    assert_eq!(scratch.read("bad.outcome"), bad);
    assert_eq!(scratch.read("good.outcome"), TIDY);
}

#[test]
fn fmt_of_a_missing_file_cannot_run() {
    let scratch = Scratch::new("missing");
    scratch
        .outcome()
        .args(["fmt", "nope.outcome"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read `nope.outcome`"));
}
