//! The `outcome` binary as a user meets it: exit codes, output formats, help.
//!
//! Exit codes: 0 no errors (warnings allowed), 1 a contract has errors, 2 the tool could not
//! run. Every test runs the real binary; files it needs are written under the system's
//! temporary directory with names unique to the test and the process.

mod common;
use common::{exits, outcome, RunAssert, Scratch};
use outcome::diagnostic::Code;
use predicates::prelude::*;
use std::path::Path;

const SPEC: &str = "specs/drug-service.outcome";
const SYNTAX_ERROR: &str = "contract \"x\" { term }";

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn json_lines(output: &std::process::Output) -> Vec<serde_json::Value> {
    stdout_of(output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn no_ansi_escapes() -> impl Predicate<str> {
    predicate::str::contains("\u{1b}[").not()
}

// ---------------------------------------------------------------------------------------------
// help and arguments

#[test]
fn help_describes_every_command_with_examples() {
    exits(&["--help"], 0).stdout_has(&[
        "check",
        "build",
        "explain",
        "schema",
        "Examples:",
        "outcome explain E0302",
    ]);
}

#[test]
fn version_is_printed() {
    exits(&["--version"], 0).stdout(predicate::str::starts_with("outcome "));
}

#[test]
fn no_command_is_a_usage_error() {
    exits(&[], 2).stdout("");
}

#[test]
fn unknown_command_is_a_usage_error() {
    exits(&["frobnicate"], 2);
}

#[test]
fn check_without_paths_is_a_usage_error() {
    exits(&["check"], 2);
}

#[test]
fn unknown_format_is_a_usage_error() {
    exits(&["check", "--format", "xml", SPEC], 2).stderr(predicate::str::contains("xml"));
    exits(&["build", SPEC, "--format", "xml"], 2);
}

/// `--paper` sets the paper of a printable HTML document only: given to a command writing
/// another format it would be ignored, so it is refused (exit 2) with what to do instead,
/// and nothing is written; with `--format html` it is the paper the document asks for.
#[test]
fn paper_without_an_html_document_is_refused() {
    let returned = "specs/returns/drug-service-2009-10.csv";
    let tender = "specs/tender/specification.outcome";
    let bid = "specs/tender/phoenix-futures.outcome";
    let (v1, v2) = (
        "specs/variations/moving-on-v1.outcome",
        "specs/variations/moving-on-v2.outcome",
    );
    for (args, what) in [
        (vec!["build", SPEC, "--paper", "letter"], "document"),
        (
            vec!["build", SPEC, "--format", "json", "--paper", "a4"],
            "document",
        ),
        (
            vec!["report", SPEC, "--returns", returned, "--paper", "letter"],
            "report",
        ),
        (
            vec![
                "report",
                SPEC,
                "--returns",
                returned,
                "--format",
                "json",
                "--paper",
                "letter",
            ],
            "report",
        ),
        (
            vec!["diff", v1, v2, "--paper", "letter"],
            "variation schedule",
        ),
        (
            vec![
                "evaluate", tender, bid, "--format", "json", "--paper", "letter",
            ],
            "evaluation",
        ),
    ] {
        exits(&args, 2)
            .stdout(predicate::str::is_empty())
            .stderr_has(&[
                "`--paper",
                &format!("printable HTML {what}"),
                "add `--format html`, or leave out `--paper`",
            ]);
    }
    exits(&["build", SPEC, "--format", "html", "--paper", "letter"], 0)
        .stdout_has(&["@page { size: letter;"]);
    exits(&["build", SPEC, "--format", "html"], 0).stdout_has(&["@page { size: A4;"]);
}

// ---------------------------------------------------------------------------------------------
// check

#[test]
fn check_clean_file_exits_0() {
    outcome()
        .args(["check", SPEC])
        .env("NO_COLOR", "1")
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("checked 1 file: 0 errors"));
}

#[test]
fn check_directory_of_clean_specs_exits_0() {
    exits(&["check", "specs/"], 0).stderr(predicate::str::contains("0 errors"));
}

#[test]
fn check_syntax_error_exits_1_with_a_report() {
    let scratch = Scratch::new("syntax");
    let file = scratch.file("bad.outcome", SYNTAX_ERROR);
    exits(&["check", file.to_str().unwrap()], 1)
        .stdout("")
        .stderr_has(&[
            "E0101",
            "bad.outcome:1:",
            "checked 1 file: 1 error, 0 warnings",
        ])
        .stderr(no_ansi_escapes());
}

#[test]
fn check_errors_in_one_file_fail_the_run() {
    let scratch = Scratch::new("mixed");
    let bad = scratch.file("bad.outcome", SYNTAX_ERROR);
    exits(&["check", SPEC, bad.to_str().unwrap()], 1)
        .stderr(predicate::str::contains("checked 2 files: 1 error"));
}

#[test]
fn check_json_prints_one_record_per_line_and_nothing_else() {
    let scratch = Scratch::new("json");
    let file = scratch.file("bad.outcome", SYNTAX_ERROR);
    let output = exits(&["check", "--format", "json", file.to_str().unwrap()], 1)
        .get_output()
        .clone();
    let records = json_lines(&output);
    assert_eq!(records.len(), 1, "{}", stdout_of(&output));
    let record = &records[0];
    assert_eq!(record["code"], "E0101");
    assert_eq!(record["severity"], "error");
    assert!(record["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(record["help"].is_null() || record["help"].is_string());
    assert_eq!(record["file"], file.display().to_string());
    assert_eq!(record["line"], 1);
    assert_eq!(record["column"], 21);
    assert!(record["end_line"].is_u64());
    assert!(record["end_column"].is_u64());
    let fields: Vec<&str> = record
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = [
        "code",
        "severity",
        "message",
        "help",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
    ];
    let mut fields = fields;
    fields.sort_unstable();
    expected.sort_unstable();
    assert_eq!(fields, expected);
}

#[test]
fn check_json_of_a_clean_file_prints_nothing() {
    exits(&["check", "--format", "json", SPEC], 0)
        .stdout("")
        .stderr("");
}

#[test]
fn check_directory_finds_contracts_recursively_in_path_order() {
    let scratch = Scratch::new("tree");
    scratch.file("b/deeper/two.outcome", SYNTAX_ERROR);
    scratch.file("a/one.outcome", SYNTAX_ERROR);
    scratch.file("a/notes.txt", SYNTAX_ERROR);
    let dir = scratch.0.to_str().unwrap();
    let output = exits(&["check", "--format", "json", dir], 1)
        .get_output()
        .clone();
    let files: Vec<String> = json_lines(&output)
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = [
        scratch.path("a/one.outcome"),
        scratch.path("b/deeper/two.outcome"),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect();
    assert_eq!(files, expected);
}

/// Human diagnostics are drawn on every core, each file's apart: printed all the same, file
/// after file in the order of the paths and whole, as on one thread.
#[test]
fn check_directory_prints_human_diagnostics_in_path_order_on_any_number_of_threads() {
    let scratch = Scratch::new("drawn");
    for i in 0..12 {
        scratch.file(
            &format!("d{}/c{i:02}.outcome", i % 3),
            format!("contract \"C{i}\" {{ term }}\n"),
        );
    }
    let dir = scratch.0.to_str().unwrap();
    let run = |threads: Option<&str>| {
        let mut command = outcome();
        command.args(["check", dir]);
        if let Some(n) = threads {
            command.env("OUTCOME_THREADS", n);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8(output.stderr).unwrap();
        // The timing at the end differs from run to run.
        stderr
            .lines()
            .filter(|l| !l.starts_with("checked "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let one = run(Some("1"));
    assert_eq!(run(None), one);
    assert_eq!(run(Some("4")), one);
    let named: Vec<usize> = (0..12)
        .map(|i| {
            let name = format!("c{i:02}.outcome");
            one.find(&name)
                .unwrap_or_else(|| panic!("{name} is not named"))
        })
        .collect();
    let mut in_path_order = named.clone();
    in_path_order.sort_by_key(|at| *at);
    // d0 holds c00, c03, …; d1 c01, c04, …: path order is by folder, then name.
    let by_path: Vec<usize> = [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]
        .iter()
        .map(|&i| named[i])
        .collect();
    assert_eq!(by_path, in_path_order);
}

#[test]
fn check_non_utf8_file_reports_e0102() {
    let scratch = Scratch::new("latin1");
    let file = scratch.file("latin1.outcome", b"contract \"Caf\xe9\" {}\n");
    let file = file.to_str().unwrap();
    let output = exits(&["check", "--format", "json", file], 1)
        .get_output()
        .clone();
    let records = json_lines(&output);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["code"], "E0102");
    assert_eq!(records[0]["column"], 14);
    exits(&["check", file], 1).stderr(predicate::str::contains("E0102"));
}

#[test]
fn check_missing_file_exits_2_with_one_clear_line() {
    exits(&["check", "no-such-file.outcome"], 2)
        .stdout("")
        .stderr("error: cannot read `no-such-file.outcome`: No such file or directory\n");
}

#[test]
fn check_missing_file_wins_over_contract_errors() {
    let scratch = Scratch::new("missing-and-bad");
    let bad = scratch.file("bad.outcome", SYNTAX_ERROR);
    exits(&["check", bad.to_str().unwrap(), "no-such-file.outcome"], 2)
        .stderr_has(&["E0101", "cannot read `no-such-file.outcome`"]);
}

#[test]
fn check_directory_without_contracts_exits_2() {
    let scratch = Scratch::new("empty");
    scratch.file("readme.txt", "nothing here");
    exits(&["check", scratch.0.to_str().unwrap()], 2)
        .stderr(predicate::str::contains("no `.outcome` files in"));
}

// ---------------------------------------------------------------------------------------------
// build

#[test]
fn build_with_errors_exits_1_and_writes_nothing() {
    let scratch = Scratch::new("build-bad");
    let file = scratch.file("bad.outcome", SYNTAX_ERROR);
    let file = file.to_str().unwrap();
    let out = scratch.path("bad.json");
    exits(&["build", file, "-o", out.to_str().unwrap()], 1)
        .stdout("")
        .stderr(predicate::str::contains("E0101"));
    assert!(!out.exists());
    exits(&["build", file], 1).stdout("");
}

#[test]
fn build_missing_file_exits_2() {
    exits(&["build", "no-such-file.outcome"], 2)
        .stdout("")
        .stderr("error: cannot read `no-such-file.outcome`: No such file or directory\n");
}

// These need the checker to produce a contract for the spec.

#[test]
fn build_writes_the_contract_as_pretty_json_to_stdout() {
    let output = exits(&["build", SPEC, "--format", "json"], 0)
        .get_output()
        .clone();
    let text = stdout_of(&output);
    assert!(text.starts_with("{\n  \""), "two-space indentation");
    assert!(text.ends_with("}\n"), "one trailing newline");
    let contract: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(contract["title"], "Structured Day Programme");
}

#[test]
fn build_format_defaults_to_json() {
    let explicit = outcome()
        .args(["build", SPEC, "--format", "json"])
        .output()
        .unwrap();
    let default = outcome().args(["build", SPEC]).output().unwrap();
    assert!(explicit.status.success());
    assert_eq!(explicit.stdout, default.stdout);
}

#[test]
fn build_writes_to_the_output_file() {
    let scratch = Scratch::new("build-out");
    let out = scratch.path("drug-service.json");
    let written = out.to_str().unwrap();
    exits(&["build", SPEC, "--format", "json", "-o", written], 0).stdout("");
    let text = std::fs::read_to_string(&out).unwrap();
    let from_stdout = outcome().args(["build", SPEC]).output().unwrap();
    assert_eq!(text.as_bytes(), from_stdout.stdout, "file and stdout agree");
}

#[test]
fn build_output_is_deterministic() {
    let first = outcome().args(["build", SPEC]).output().unwrap();
    let second = outcome().args(["build", SPEC]).output().unwrap();
    assert!(first.status.success());
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn build_output_matches_the_schema() {
    let schema = outcome().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    let built = exits(&["build", SPEC], 0).get_output().clone();
    let contract: serde_json::Value = serde_json::from_slice(&built.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&contract)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(contract["version"], 1);
    assert!(built.stdout.starts_with(b"{\n  \"version\": 1,\n"));
}

/// The schema is closed: a member it does not describe, at the top or deeper, or a document
/// of another version, is refused, so a strict client learns of it.
#[test]
fn the_contract_schema_refuses_unknown_members() {
    let schema = outcome().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert!(schema["$id"]
        .as_str()
        .unwrap()
        .ends_with("/schema/contract/v1.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let built = exits(&["build", SPEC], 0).get_output().clone();
    let contract: serde_json::Value = serde_json::from_slice(&built.stdout).unwrap();
    assert!(validator.is_valid(&contract));
    let mut top = contract.clone();
    top["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&top));
    let mut deep = contract.clone();
    deep["figures"]["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&deep));
    let mut other = contract;
    other["version"] = serde_json::json!(2);
    assert!(!validator.is_valid(&other));
}

#[test]
fn build_to_an_unwritable_path_exits_2() {
    let scratch = Scratch::new("build-unwritable");
    let out = scratch.path("no/such/dir/out.json");
    exits(&["build", SPEC, "-o", out.to_str().unwrap()], 2)
        .stderr(predicate::str::starts_with("error: cannot write `"))
        .stderr(predicate::str::contains("No such file or directory"));
}

// ---------------------------------------------------------------------------------------------
// explain and schema

#[test]
fn explain_prints_the_code_and_title() {
    exits(&["explain", "E0101"], 0).stdout(predicate::str::starts_with("E0101: syntax error\n"));
    exits(&["explain", "e0302"], 0).stdout(predicate::str::starts_with("E0302: funnel widens\n"));
}

#[test]
fn explain_unknown_code_exits_2() {
    exits(&["explain", "E9999"], 2)
        .stdout("")
        .stderr_has(&["unknown code `E9999`", "outcome explain --list"]);
}

#[test]
fn explain_needs_a_code_or_list() {
    exits(&["explain"], 2);
    exits(&["explain", "--list", "E0101"], 2);
}

#[test]
fn explain_list_shows_every_code_with_severity_and_title() {
    let output = exits(&["explain", "--list"], 0).get_output().clone();
    let text = stdout_of(&output);
    assert_eq!(text.lines().count(), Code::ALL.len());
    for (line, code) in text.lines().zip(Code::ALL) {
        assert!(line.starts_with(code.as_str()), "{line}");
        assert!(line.ends_with(code.title()), "{line}");
        let severity = if code.as_str().starts_with('E') {
            "error"
        } else {
            "warning"
        };
        assert!(line.contains(severity), "{line}");
    }
}

#[test]
fn schema_is_json_schema_2020_12_of_the_contract() {
    let output = exits(&["schema"], 0).get_output().clone();
    let text = stdout_of(&output);
    assert!(text.ends_with("}\n"));
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["title"], "Contract");
    assert!(jsonschema::validator_for(&schema).is_ok());
}

#[test]
fn paths_in_messages_are_shown_as_given() {
    let relative = Path::new("specs").join("missing.outcome");
    let as_given = format!("`{}`", relative.display());
    exits(&["check", relative.to_str().unwrap()], 2).stderr(predicate::str::contains(as_given));
}

#[test]
fn check_draws_at_most_two_hundred_diagnostics_per_file() {
    let scratch = Scratch::new("many-diagnostics");
    let mut text = String::new();
    for i in 0..250 {
        text.push_str(&format!("outcome o{i} \"O\" {{ why \"a\" why \"b\" }}\n"));
    }
    let path = scratch.file("many.outcome", text);
    let output = outcome().args(["check"]).arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.matches("E0203").count(), 200);
    assert!(stderr.contains("50 more diagnostics not shown"), "{stderr}");
    let json = outcome()
        .args(["check", "--format", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(json.stdout).unwrap().lines().count(), 250);
}

// ---------------------------------------------------------------------------------------------
// completions, man page, --quiet and --color

/// Every subcommand a user can type, from the command-line definition itself.
fn subcommands() -> Vec<String> {
    use clap::CommandFactory;
    outcome::cli::Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect()
}

#[test]
fn completions_generate_for_every_shell_and_know_every_subcommand() {
    let names = subcommands();
    assert!(names.len() >= 10, "{names:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = exits(&["completions", shell], 0)
            .stderr("")
            .get_output()
            .clone();
        let script = stdout_of(&output);
        assert!(script.len() > 500, "{shell}: {script}");
        for name in &names {
            assert!(
                script.contains(name.as_str()),
                "{shell} completion lacks `{name}`"
            );
        }
        assert!(
            script.contains("deny-warnings"),
            "{shell}: no options of `check`"
        );
    }
    exits(&["completions", "tcsh"], 2).stderr(predicate::str::contains("possible values"));
}

#[test]
fn the_man_page_is_roff_and_describes_every_subcommand() {
    let output = exits(&["man"], 0).stderr("").get_output().clone();
    let page = stdout_of(&output);
    assert!(page.starts_with(".ie"), "{}", &page[..80.min(page.len())]);
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS"] {
        assert!(page.contains(section), "no `{section}`");
    }
    for name in subcommands() {
        assert!(
            page.contains(&format!(".SS \"outcome {}\"", name.replace('-', "\\-"))),
            "the man page lacks `{name}`"
        );
    }
    // Options of a subcommand are there, and no line starts a roff request by accident.
    assert!(page.contains("\\-\\-deny\\-warnings"));
    assert!(page.contains("\\-\\-quiet"));
}

#[test]
fn quiet_leaves_out_the_summary_but_not_diagnostics_or_the_exit_code() {
    let scratch = Scratch::new("quiet");
    scratch.file("bad.outcome", SYNTAX_ERROR);
    let loud = scratch
        .outcome()
        .args(["check", "bad.outcome"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&loud.stderr).contains("checked 1 file"));
    let quiet = scratch
        .outcome()
        .args(["check", "--quiet", "bad.outcome"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&quiet.stderr);
    assert!(err.contains("E0101"), "{err}");
    assert!(!err.contains("checked 1 file"), "{err}");
    // A clean file: nothing at all, exit 0; an error of the tool itself is still said.
    outcome()
        .args(["-q", "check", SPEC])
        .assert()
        .code(0)
        .stderr("");
    outcome()
        .args(["check", "-q", "no-such-file.outcome"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("error: cannot read"));
    scratch.file(
        "messy.outcome",
        std::fs::read_to_string(SPEC).unwrap().replace("  ", "    "),
    );
    scratch
        .outcome()
        .args(["fmt", "--check", "--quiet", "messy.outcome"])
        .assert()
        .code(1)
        .stdout("messy.outcome\n")
        .stderr("");
}

#[test]
fn color_is_chosen_by_the_flag_then_no_color_then_clicolor_force() {
    let scratch = Scratch::new("color");
    scratch.file("bad.outcome", SYNTAX_ERROR);
    let stderr_of = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = scratch.outcome();
        command.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.args(args).assert().code(1).get_output().clone();
        String::from_utf8(output.stderr).unwrap()
    };
    let ansi = |text: &str| text.contains("\u{1b}[");
    // Not a terminal: no colour unless asked.
    assert!(!ansi(&stderr_of(&["check", "bad.outcome"], &[])));
    assert!(ansi(&stderr_of(
        &["check", "--color", "always", "bad.outcome"],
        &[]
    )));
    assert!(ansi(&stderr_of(
        &["check", "bad.outcome"],
        &[("CLICOLOR_FORCE", "1")]
    )));
    assert!(!ansi(&stderr_of(
        &["check", "bad.outcome"],
        &[("CLICOLOR_FORCE", "0")]
    )));
    assert!(!ansi(&stderr_of(
        &["check", "bad.outcome"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    )));
    // The flag wins over the environment either way.
    assert!(ansi(&stderr_of(
        &["--color", "always", "check", "bad.outcome"],
        &[("NO_COLOR", "1")]
    )));
    assert!(!ansi(&stderr_of(
        &["check", "--color=never", "bad.outcome"],
        &[("CLICOLOR_FORCE", "1")]
    )));
}
