//! Diagnostics for machines: `check --format github` (GitHub Actions annotations),
//! `check --format sarif` (a SARIF 2.1.0 log), `--deny-warnings`, and how files are named.
//!
//! `tests/schemas/sarif-2.1.0.json` is the OASIS SARIF 2.1.0 JSON schema
//! (`$id` …/oasis-tcs/sarif-spec/…/Schemata/sarif-schema-2.1.0.json), copied unchanged from the
//! `serde-sarif` 0.8.0 crate on crates.io (`src/schema.json`, MIT licence), so that the log is
//! validated without a network.

mod common;
use common::{outcome, Scratch};
use outcome::diagnostic::github::{escape_data, escape_property};
use outcome::diagnostic::Code;
use predicates::prelude::*;
use std::path::Path;

const SPEC: &str = "specs/drug-service.outcome";

/// One error (E0305, a message with `%` in it) and one warning (W0506).
const ERROR_AND_WARNING: &str = r#"contract "Both" {
  commissioner "C"
  provider "P"
  term 2026-01-01 to 2027-01-31
  funding limit £100,000
}

outcome done "Done"

cohort people "People" { size 10 }

funnel f "F" for people {
  milestone start "Start" 10
  target finish "Finish" 5 conversion 60% {
    achieves done
  }
}

payments {
  fixed £100 per quarter
}
"#;

/// The same contract with the conversion put right: the warning (W0506) alone.
fn warning_only() -> String {
    ERROR_AND_WARNING.replace("conversion 60%", "conversion 50%")
}

const SYNTAX_ERROR: &str = "contract \"x\" { term }\n";

/// A file name with the characters a workflow command's properties must escape.
const ODD_NAME: &str = "odd, name: 1.outcome";

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The diagnostics of `check --format json` run in `scratch` on `file`.
fn json_records(scratch: &Scratch, file: &str) -> Vec<serde_json::Value> {
    let output = scratch
        .outcome()
        .args(["check", "--format", "json", file])
        .output()
        .unwrap();
    stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// `message. help: help`, as GitHub annotations and SARIF results carry it.
fn message_with_help(record: &serde_json::Value) -> String {
    let message = record["message"].as_str().unwrap();
    match record["help"].as_str() {
        Some(help) => format!("{message}. help: {help}"),
        None => message.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// github

#[test]
fn github_prints_one_escaped_command_per_diagnostic() {
    let scratch = Scratch::new("github");
    scratch.file(ODD_NAME, ERROR_AND_WARNING);
    let output = scratch
        .outcome()
        .args(["check", "--format", "github", ODD_NAME])
        .assert()
        .code(1)
        .stderr("")
        .get_output()
        .clone();
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    let records = json_records(&scratch, ODD_NAME);
    assert_eq!(records.len(), 2, "{records:?}");
    assert_eq!(lines.len(), 2, "{text}");
    // The error's message holds `%` (a percentage); the file name holds `,` and `:`.
    let (error, warning) = (&records[0], &records[1]);
    assert!(error["message"].as_str().unwrap().contains('%'));
    assert_eq!(
        lines[0],
        format!(
            "::error file=odd%2C name%3A 1.outcome,line=14,col=39,endLine=14,endColumn=42,\
             title=E0305::{}",
            escape_data(&message_with_help(error))
        )
    );
    assert!(
        lines[0].contains("60%25") && !lines[0].contains("60% "),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        format!(
            "::warning file=odd%2C name%3A 1.outcome,line=20,col=18,endLine=20,endColumn=25,\
             title=W0506::{}",
            escape_data(&message_with_help(warning))
        )
    );
}

#[test]
fn github_of_a_clean_contract_prints_nothing() {
    outcome()
        .args(["check", "--format", "github", SPEC])
        .assert()
        .success()
        .stdout("")
        .stderr("");
}

#[test]
fn github_commands_stay_on_one_line() {
    // Whatever the message holds, a command never spans lines: GitHub would cut it there.
    let scratch = Scratch::new("github-syntax");
    scratch.file("bad.outcome", SYNTAX_ERROR);
    let output = scratch
        .outcome()
        .args(["check", "--format", "github", "bad.outcome"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with("::error file=bad.outcome,line=1,col="),
        "{text}"
    );
    assert!(text.contains(",title=E0101::"), "{text}");
}

#[test]
fn escaping_follows_the_actions_toolkit() {
    assert_eq!(escape_data("100% done"), "100%25 done");
    assert_eq!(escape_data("a\nb\r\nc"), "a%0Ab%0D%0Ac");
    assert_eq!(escape_data("a, b: c"), "a, b: c");
    assert_eq!(escape_property("a, b: c"), "a%2C b%3A c");
    assert_eq!(escape_property("50%\n"), "50%25%0A");
    // `%` first, so an escape already in the text is not read back as one
    assert_eq!(escape_property("%2C"), "%252C");
}

// ---------------------------------------------------------------------------------------------
// paths

#[test]
fn files_are_named_relative_to_the_working_directory() {
    let scratch = Scratch::new("paths");
    let absolute = scratch.file("sub/w.outcome", warning_only());
    for given in [
        absolute.display().to_string(),
        "./sub/w.outcome".to_string(),
    ] {
        let output = scratch
            .outcome()
            .args(["check", "--format", "json", &given])
            .assert()
            .success()
            .get_output()
            .clone();
        let record: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
        assert_eq!(record["file"], "sub/w.outcome", "given {given}");
    }
    scratch
        .outcome()
        .args(["check", "./sub"])
        .assert()
        .success()
        .stderr(predicate::str::contains("[sub/w.outcome:20:"));
}

#[test]
fn files_outside_the_working_directory_keep_the_path_given() {
    let scratch = Scratch::new("outside");
    let file = scratch.file("w.outcome", warning_only());
    let output = outcome()
        .args(["check", "--format", "github"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .clone();
    let expected = format!("file={},", escape_property(&file.display().to_string()));
    assert!(stdout(&output).contains(&expected), "{}", stdout(&output));
}

// ---------------------------------------------------------------------------------------------
// sarif

fn sarif_schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid_sarif(log: &serde_json::Value) {
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|error| format!("{error} at {}", error.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
}

fn sarif_of(scratch: &Scratch, args: &[&str], code: i32) -> (String, serde_json::Value) {
    let output = scratch
        .outcome()
        .args(["check", "--format", "sarif"])
        .args(args)
        .assert()
        .code(code)
        .stderr("")
        .get_output()
        .clone();
    let text = stdout(&output);
    let log = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    (text, log)
}

#[test]
fn sarif_log_is_valid_and_points_at_each_diagnostic() {
    let scratch = Scratch::new("sarif");
    scratch.file(ODD_NAME, ERROR_AND_WARNING);
    scratch.file("sub/bad.outcome", SYNTAX_ERROR);
    let (_, log) = sarif_of(&scratch, &[ODD_NAME, "./sub"], 1);
    assert_valid_sarif(&log);
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "outcome");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();

    let results = runs[0]["results"].as_array().unwrap();
    let summary: Vec<(String, String, String, u64, u64)> = results
        .iter()
        .map(|result| {
            let location = &result["locations"][0]["physicalLocation"];
            assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
            let region = &location["region"];
            assert!(region["endLine"].as_u64() >= region["startLine"].as_u64());
            (
                result["ruleId"].as_str().unwrap().to_string(),
                result["level"].as_str().unwrap().to_string(),
                location["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                region["startLine"].as_u64().unwrap(),
                region["startColumn"].as_u64().unwrap(),
            )
        })
        .collect();
    let row = |code: &str, level: &str, uri: &str, line: u64, column: u64| {
        (
            code.to_string(),
            level.to_string(),
            uri.to_string(),
            line,
            column,
        )
    };
    assert_eq!(
        summary,
        [
            row("E0305", "error", "odd,%20name%3A%201.outcome", 14, 39),
            row("W0506", "warning", "odd,%20name%3A%201.outcome", 20, 18),
            row("E0101", "error", "sub/bad.outcome", 1, 21),
        ]
    );
    let records = json_records(&scratch, ODD_NAME);
    assert_eq!(
        results[0]["message"]["text"],
        message_with_help(&records[0])
    );
}

#[test]
fn sarif_has_one_rule_per_code_in_registry_order() {
    let scratch = Scratch::new("sarif-rules");
    scratch.file("warn.outcome", warning_only());
    let (_, log) = sarif_of(&scratch, &["warn.outcome"], 0);
    assert_valid_sarif(&log);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(ids, codes);
    let mut names: Vec<&str> = rules.iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Code::ALL.len(), "rule names are unique");
    for (rule, code) in rules.iter().zip(Code::ALL) {
        assert_eq!(rule["shortDescription"]["text"], code.title());
        let explanation = outcome::diagnostic::explanation(*code).trim();
        assert_eq!(rule["help"]["text"], explanation);
        assert_eq!(rule["help"]["markdown"], explanation);
        let level = if code.as_str().starts_with('E') {
            "error"
        } else {
            "warning"
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level);
    }
}

#[test]
fn sarif_of_clean_contracts_has_no_results_and_is_deterministic() {
    let first = outcome()
        .args(["check", "--format", "sarif", "specs"])
        .assert()
        .success()
        .stderr("")
        .get_output()
        .clone();
    let second = outcome()
        .args(["check", "--format", "sarif", "specs"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(first.stdout, second.stdout);
    let log: serde_json::Value = serde_json::from_str(&stdout(&first)).unwrap();
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

/// What GitHub code scanning and other strict clients look for besides the schema: where the
/// tool lives, a help page per rule, the run's category, and fingerprints per result.
#[test]
fn sarif_names_the_tool_home_help_pages_category_and_fingerprints() {
    let scratch = Scratch::new("sarif-strict");
    scratch.file("warn.outcome", warning_only());
    let (_, log) = sarif_of(&scratch, &["warn.outcome"], 0);
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["informationUri"],
        env!("CARGO_PKG_REPOSITORY")
    );
    assert_eq!(run["automationDetails"]["id"], "outcome/check/");
    let reference =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/REFERENCE.md"))
            .unwrap();
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for (rule, code) in rules.iter().zip(Code::ALL) {
        let anchor = code.as_str().to_ascii_lowercase();
        assert_eq!(
            rule["helpUri"],
            format!(
                "{}/blob/main/grammar/REFERENCE.md#{anchor}",
                env!("CARGO_PKG_REPOSITORY")
            )
        );
        // The anchor the help page points at is there, on the code's row of the table.
        assert!(
            reference.contains(&format!("| <a id=\"{anchor}\"></a>{} |", code.as_str())),
            "grammar/REFERENCE.md has no anchor `{anchor}` on the row of {code}"
        );
    }
    let fingerprint = &run["results"][0]["partialFingerprints"]["outcome/v1"];
    assert!(
        fingerprint.as_str().is_some_and(|f| f.ends_with(":1")),
        "{fingerprint}"
    );
}

/// A fingerprint survives lines added above the finding and a change of indentation, and
/// differs for another finding; two findings alike on identical lines stay apart.
#[test]
fn sarif_fingerprints_are_stable_across_line_shifts() {
    let fingerprints = |text: &str| -> Vec<String> {
        let scratch = Scratch::new("sarif-fingerprints");
        scratch.file("warn.outcome", text);
        let (_, log) = sarif_of(&scratch, &["warn.outcome"], 1);
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["outcome/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let before = fingerprints(ERROR_AND_WARNING);
    assert_eq!(before.len(), 2);
    assert_ne!(before[0], before[1]);
    let shifted = format!(
        "# a comment\n\n{}",
        ERROR_AND_WARNING.replace("  fixed £100", "      fixed   £100")
    );
    assert_eq!(fingerprints(&shifted), before);
    let changed = ERROR_AND_WARNING.replace("conversion 60%", "conversion 70%");
    let after = fingerprints(&changed);
    assert_ne!(after[0], before[0], "the line of the error changed");
    assert_eq!(after[1], before[1]);
}

#[test]
fn the_schema_rejects_a_broken_log() {
    // The validator is not vacuous: a result with a zero line and no message is refused.
    let scratch = Scratch::new("sarif-broken");
    scratch.file("warn.outcome", warning_only());
    let (_, mut log) = sarif_of(&scratch, &["warn.outcome"], 0);
    assert_valid_sarif(&log);
    log["runs"][0]["results"] = serde_json::json!([{
        "ruleId": "E0101",
        "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]
    }]);
    assert!(!sarif_schema().is_valid(&log));
}

// ---------------------------------------------------------------------------------------------
// --deny-warnings and the summary line

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let scratch = Scratch::new("deny");
    scratch.file("warn.outcome", warning_only());
    scratch.file("both.outcome", ERROR_AND_WARNING);
    scratch
        .outcome()
        .args(["check", "warn.outcome"])
        .assert()
        .code(0);
    scratch
        .outcome()
        .args(["check", "--deny-warnings", "warn.outcome"])
        .assert()
        .code(1);
    for format in ["human", "json", "github", "sarif"] {
        scratch
            .outcome()
            .args([
                "check",
                "--deny-warnings",
                "--format",
                format,
                "warn.outcome",
            ])
            .assert()
            .code(1);
    }
    scratch
        .outcome()
        .args(["check", "both.outcome"])
        .assert()
        .code(1);
    scratch
        .outcome()
        .args(["check", "--deny-warnings", "both.outcome"])
        .assert()
        .code(1);
    outcome()
        .args(["check", "--deny-warnings", "specs"])
        .assert()
        .code(0);
}

#[test]
fn the_human_summary_counts_and_times_the_run() {
    let scratch = Scratch::new("summary");
    scratch.file("warn.outcome", warning_only());
    scratch
        .outcome()
        .args(["check", "warn.outcome"])
        .assert()
        .success()
        .stdout("")
        .stderr(
            predicate::str::is_match(r"\nchecked 1 file: 0 errors, 1 warning in \d+ ms\n$")
                .unwrap(),
        );
    outcome()
        .args(["check", "specs"])
        .assert()
        .success()
        .stderr(
            predicate::str::is_match(r"^checked \d+ files: 0 errors, 0 warnings in \d+ ms\n$")
                .unwrap(),
        );
}

#[test]
fn machine_formats_carry_no_timing() {
    let scratch = Scratch::new("no-timing");
    scratch.file("warn.outcome", warning_only());
    for format in ["json", "github", "sarif"] {
        scratch
            .outcome()
            .args(["check", "--format", format, "warn.outcome"])
            .assert()
            .success()
            .stderr("")
            .stdout(predicate::str::contains(" ms").not());
    }
}

// ---------------------------------------------------------------------------------------------
// a label in another file: a bid's diagnostic points at its specification

/// A scratch repository (`.git` at its root) with the tender specification and a bid asking £3,800 for
/// `abstinent`, above the specification's ceiling of £3,500 (its line 64).
fn bid_above_its_ceiling(test: &str) -> Scratch {
    let scratch = Scratch::new(test);
    // The repository's root, so that the bid may name a file in the folder above its own.
    std::fs::create_dir_all(scratch.path(".git")).unwrap();
    let spec = std::fs::read_to_string("specs/tender/specification.outcome").unwrap();
    scratch.file("tender/specification.outcome", spec);
    scratch.file(
        "tender/bids/lifeline.outcome",
        "bid \"Lifeline\" on \"../specification.outcome\" {\n  pay £150 for attend\n  pay £3,800 for abstinent\n}\n",
    );
    scratch
}

const BID: &str = "tender/bids/lifeline.outcome";

#[test]
fn json_records_name_the_file_of_each_related_label() {
    let scratch = bid_above_its_ceiling("json-related");
    let records = json_records(&scratch, BID);
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record["code"], "E0704");
    assert_eq!(
        (record["line"].as_u64(), record["column"].as_u64()),
        (Some(3), Some(7))
    );
    assert_eq!(
        record["related"],
        serde_json::json!([{
            "file": "tender/specification.outcome",
            "line": 64, "column": 3, "end_line": 64, "end_column": 37,
            "message": "the ceiling of £3,500",
        }])
    );
    // A diagnostic with no second label has no `related` member.
    let scratch = Scratch::new("no-related");
    scratch.file("x.outcome", SYNTAX_ERROR);
    assert!(json_records(&scratch, "x.outcome")[0]
        .get("related")
        .is_none());
}

#[test]
fn sarif_relates_a_bid_result_to_its_specification_and_stays_valid() {
    let scratch = bid_above_its_ceiling("sarif-related");
    let (_, log) = sarif_of(&scratch, &[BID], 1);
    assert_valid_sarif(&log);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "E0704");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        BID
    );
    let related = &result["relatedLocations"][0];
    assert_eq!(related["id"], 0);
    assert_eq!(related["message"]["text"], "the ceiling of £3,500");
    let location = &related["physicalLocation"];
    assert_eq!(
        location["artifactLocation"],
        serde_json::json!({"uri": "tender/specification.outcome", "uriBaseId": "%SRCROOT%"})
    );
    assert_eq!(
        location["region"],
        serde_json::json!({"startLine": 64, "startColumn": 3, "endLine": 64, "endColumn": 37})
    );
}

/// An annotation is one place: GitHub draws it on the bid's line, and the message (with its
/// help) names the specification's line.
#[test]
fn github_annotates_the_bid_and_names_the_specification_line() {
    let scratch = bid_above_its_ceiling("github-related");
    let output = scratch
        .outcome()
        .args(["check", "--format", "github", BID])
        .output()
        .unwrap();
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.starts_with(&format!("::error file={BID},line=3,col=7,")),
        "{text}"
    );
    assert!(
        text.contains("the specification sets the ceiling at `tender/specification.outcome:64`"),
        "{text}"
    );
}

#[test]
fn people_see_the_specification_line_drawn_under_the_bid() {
    let scratch = bid_above_its_ceiling("human-related");
    let output = scratch
        .outcome()
        .args(["check", "--color", "never", BID])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stderr).unwrap();
    let bid = text
        .find(&format!("[{BID}:3:7]"))
        .unwrap_or_else(|| panic!("{text}"));
    let spec = text
        .find("[tender/specification.outcome:64:3]")
        .unwrap_or_else(|| panic!("{text}"));
    assert!(bid < spec, "{text}");
    assert!(
        text.contains("in `tender/specification.outcome`: the ceiling of £3,500"),
        "{text}"
    );
    assert!(
        text.contains(" 64 │   price at most £3,500 for abstinent"),
        "{text}"
    );
}
