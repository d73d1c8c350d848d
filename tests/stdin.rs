//! `-` for standard input wherever a file is read: `check -`, `fmt -`, `build -`,
//! `report - --returns FILE`, `report CONTRACT --returns -` and a bid of `evaluate`. A contract on standard input is
//! named `<stdin>` and stands in the current folder: its `use`s are resolved from there.

mod common;
use common::{exits, outcome, Scratch};
use predicates::prelude::*;

const SPEC: &str = "specs/drug-service.outcome";
const RETURN: &str = "specs/returns/drug-service-2009-10.csv";
const SYNTAX_ERROR: &str = "contract \"x\" { term }\n";

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn check_reads_a_contract_from_stdin_named_stdin() {
    outcome()
        .args(["check", "-"])
        .write_stdin(read(SPEC))
        .assert()
        .code(0)
        .stderr(predicate::str::contains("checked 1 file: 0 errors"));
    let output = outcome()
        .args(["check", "--format", "json", "-"])
        .write_stdin(SYNTAX_ERROR)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let record: serde_json::Value = serde_json::from_str(
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(record["file"], "<stdin>");
    assert_eq!(record["code"], "E0101");
    // With files as well: every one is checked, standard input among them.
    outcome()
        .args(["check", SPEC, "-"])
        .write_stdin(SYNTAX_ERROR)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("<stdin>:1:"))
        .stderr(predicate::str::contains("checked 2 files: 1 error"));
}

#[test]
fn a_contract_on_stdin_uses_files_relative_to_the_current_folder() {
    let scratch = Scratch::new("stdin-use");
    scratch.file(".git/HEAD", "ref: refs/heads/main\n");
    scratch.file(
        "framework/outcomes.outcome",
        read("specs/borough/framework/outcomes.outcome"),
    );
    let contract = read("specs/borough/family-support.outcome");
    scratch
        .outcome()
        .args(["check", "-"])
        .write_stdin(contract.clone())
        .assert()
        .code(0);
    // From another folder the same `use` names no file.
    scratch.file("elsewhere/.keep", "");
    let mut command = assert_cmd::Command::cargo_bin("outcome").unwrap();
    command
        .current_dir(scratch.path("elsewhere"))
        .args(["check", "-"])
        .write_stdin(contract)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0208"));
}

#[test]
fn fmt_of_stdin_writes_the_formatted_text_to_stdout() {
    let messy = read(SPEC).replace("\n  ", "\n      ");
    // What `fmt` writes back to a file of the same text.
    let scratch = Scratch::new("stdin-fmt");
    scratch.file("messy.outcome", &messy);
    scratch
        .outcome()
        .args(["fmt", "messy.outcome"])
        .assert()
        .code(0);
    let tidy = scratch.read("messy.outcome");
    assert_ne!(messy, tidy);
    outcome()
        .args(["fmt", "-"])
        .write_stdin(messy.clone())
        .assert()
        .code(0)
        .stdout(tidy.clone());
    // Unchanged text is written all the same: an editor pipes its buffer through.
    outcome()
        .args(["fmt", "-"])
        .write_stdin(tidy.clone())
        .assert()
        .code(0)
        .stdout(tidy.clone());
    outcome()
        .args(["fmt", "--check", "-"])
        .write_stdin(messy)
        .assert()
        .code(1)
        .stdout("<stdin>\n");
    outcome()
        .args(["fmt", "--check", "-"])
        .write_stdin(tidy)
        .assert()
        .code(0)
        .stdout("");
    // Text that cannot be formatted is written back as it came (an editor may replace its
    // buffer with whatever the filter prints), with the diagnostics and the exit code.
    outcome()
        .args(["fmt", "-"])
        .write_stdin(SYNTAX_ERROR)
        .assert()
        .code(1)
        .stdout(SYNTAX_ERROR)
        .stderr(predicate::str::contains("E0101"));
    let not_utf8: &[u8] = b"contract \"caf\xe9\" {\n";
    outcome()
        .args(["fmt", "-"])
        .write_stdin(not_utf8)
        .assert()
        .code(1)
        .stdout(not_utf8)
        .stderr(predicate::str::contains("E0102"));
    outcome()
        .args(["fmt", "--check", "-"])
        .write_stdin(SYNTAX_ERROR)
        .assert()
        .code(1)
        .stdout("");
}

#[test]
fn build_and_report_read_the_contract_or_the_return_from_stdin() {
    let from_file = exits(&["build", SPEC], 0).get_output().stdout.clone();
    outcome()
        .args(["build", "-"])
        .write_stdin(read(SPEC))
        .assert()
        .code(0)
        .stdout(
            String::from_utf8(from_file)
                .unwrap()
                .replace("\"specs/drug-service.outcome\"", "\"<stdin>\""),
        );

    let report = |args: &[&str], stdin: Option<String>| {
        let mut command = outcome();
        command.args(["report", "--format", "json"]).args(args);
        if let Some(stdin) = stdin {
            command.write_stdin(stdin);
        }
        String::from_utf8(command.assert().code(0).get_output().stdout.clone()).unwrap()
    };
    let expected = report(&[SPEC, "--returns", RETURN], None);
    assert!(expected.len() > 1000);
    let returned = report(&[SPEC, "--returns", "-"], Some(read(RETURN)));
    assert!(
        returned == expected,
        "the report of a return on stdin differs"
    );
    // The clauses that pay are named in the contract `<stdin>`.
    let contracted = report(&["-", "--returns", RETURN], Some(read(SPEC)));
    assert!(
        contracted == expected.replace("\"specs/drug-service.outcome\"", "\"<stdin>\""),
        "the report of a contract on stdin differs"
    );
}

#[test]
fn a_return_on_stdin_in_json_lines_is_told_by_its_first_byte() {
    let mut lines = String::new();
    for (i, row) in read(RETURN).lines().enumerate().skip(1) {
        let fields: Vec<&str> = row.split(',').collect();
        if i > 50 {
            break;
        }
        let object = serde_json::json!({
            "participant": fields[0], "stage": fields[1], "date": fields[2]
        });
        lines.push_str(&format!("{object}\n"));
    }
    outcome()
        .args(["report", SPEC, "--format", "json", "--returns", "-"])
        .write_stdin(lines)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"read\": 39,"));
}

#[test]
fn stdin_named_twice_or_a_workbook_on_stdin_is_refused() {
    exits(&["report", "-", "--returns", "-"], 2)
        .stdout("")
        .stderr(predicate::str::contains("more than once"));
    exits(&["check", "-", "-"], 2).stderr(predicate::str::contains("more than once"));
    outcome()
        .args(["report", SPEC, "--returns", "-"])
        .write_stdin(b"PK\x03\x04rest of a zip".to_vec())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("workbook"));
}

#[test]
fn dash_after_o_writes_to_stdout_and_leaves_no_file_named_dash() {
    let scratch = Scratch::new("stdout-dash");
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC);
    let spec = spec.to_str().unwrap();
    let returns = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(RETURN);
    let returns = returns.to_str().unwrap();
    let written = |args: &[&str]| {
        let output = scratch
            .outcome()
            .args(args)
            .assert()
            .code(0)
            .get_output()
            .clone();
        String::from_utf8(output.stdout).unwrap()
    };
    let plain = written(&["build", spec]);
    assert!(plain.starts_with('{'));
    assert_eq!(written(&["build", spec, "-o", "-"]), plain);
    let report = written(&["report", spec, "--returns", returns]);
    assert_eq!(
        written(&["report", spec, "--returns", returns, "-o", "-"]),
        report
    );
    assert!(written(&["sql", spec, "-o", "-"]).contains("SELECT"));
    assert!(written(&["returns", spec, "-o", "-"]).starts_with("participant"));
    assert!(!scratch.path("-").exists(), "`-o -` wrote a file named `-`");
}

#[test]
fn lines_to_dash_is_refused_rather_than_written_to_a_file_named_dash() {
    let scratch = Scratch::new("lines-dash");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec = root.join(SPEC);
    let returns = root.join(RETURN);
    scratch
        .outcome()
        .args([
            "report",
            spec.to_str().unwrap(),
            "--returns",
            returns.to_str().unwrap(),
            "--lines",
            "-",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`--lines -`"))
        .stderr(predicate::str::contains("--lines lines.csv"));
    assert!(!scratch.path("-").exists());
}

/// A bid on standard input stands in the current folder, as `<stdin>`, and is evaluated as
/// the same file would be; the specification, which each bid names by its path, is read from
/// a file.
#[test]
fn evaluate_reads_one_bid_from_stdin_and_the_specification_from_its_file() {
    let tender = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/tender");
    let run = |args: &[&str], stdin: Option<String>| {
        let mut command = outcome();
        command.current_dir(tender).arg("evaluate").args(args);
        if let Some(stdin) = stdin {
            command.write_stdin(stdin);
        }
        command.assert()
    };
    let files = run(
        &[
            "specification.outcome",
            "turning-point.outcome",
            "phoenix-futures.outcome",
        ],
        None,
    )
    .code(0)
    .get_output()
    .stdout
    .clone();
    let piped = run(
        &["specification.outcome", "turning-point.outcome", "-"],
        Some(read("specs/tender/phoenix-futures.outcome")),
    )
    .code(0)
    .get_output()
    .stdout
    .clone();
    let (files, piped) = (
        String::from_utf8(files).unwrap(),
        String::from_utf8(piped).unwrap(),
    );
    assert!(piped.contains("<stdin>"), "{piped}");
    // The same evaluation, the bid's file named as standard input (columns as wide as the
    // names they hold).
    let squeeze = |text: &str| {
        text.replace("phoenix-futures.outcome", "<stdin>")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(squeeze(&files), squeeze(&piped));
    run(
        &["-", "turning-point.outcome"],
        Some(read("specs/tender/specification.outcome")),
    )
    .code(2)
    .stdout("")
    .stderr(predicate::str::contains(
        "reads the specification from a file",
    ));
    run(&["specification.outcome", "-", "-"], Some(String::new()))
        .code(2)
        .stderr(predicate::str::contains("more than once"));
}
