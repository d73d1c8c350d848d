//! `outcome report --lines FILE`: the payment lines in a file of their own, CSV or JSON Lines,
//! and the report a summary that says where they are.

mod common;
use common::{exits, Scratch};
use outcome::report::{engine, generate, Input, Options, PaymentLine};

const SPEC: &str = "specs/drug-service.outcome";
const RETURN: &str = "specs/returns/drug-service-2009-10.csv";

fn run_report(args: &[&str], code: i32) -> std::process::Output {
    exits(
        &[&["report", SPEC, "--returns", RETURN], args].concat(),
        code,
    )
    .get_output()
    .clone()
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

fn keys(value: &serde_json::Value) -> Vec<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn json_lines_hold_every_line_of_the_full_report_and_the_report_points_to_them() {
    let scratch = Scratch::new("jsonl");
    let lines_path = scratch.0.join("lines.jsonl");
    let full = json(&run_report(&["--format", "json"], 0).stdout);
    let summary = json(
        &run_report(
            &["--format", "json", "--lines", lines_path.to_str().unwrap()],
            0,
        )
        .stdout,
    );
    let written = std::fs::read_to_string(&lines_path).unwrap();
    let lines: Vec<serde_json::Value> = written
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&serde_json::Value::from(lines), &full["payments"]["lines"]);
    let pointer = &summary["payments"]["lines_file"];
    assert_eq!(pointer["path"], lines_path.to_str().unwrap());
    assert_eq!(pointer["format"], "json_lines");
    assert_eq!(pointer["lines"], 18);
    assert_eq!(pointer["bytes"], written.len() as u64);
    // The summary is the full report, but for the lines and the totals by participant.
    assert_eq!(keys(&summary), keys(&full));
    let mut expected = keys(&full["payments"]);
    expected.retain(|k| k != "lines" && k != "by_participant");
    expected.push("lines_file".to_string());
    let mut found = keys(&summary["payments"]);
    expected.sort();
    found.sort();
    assert_eq!(found, expected);
    for key in keys(&full) {
        if key != "payments" {
            assert_eq!(summary[&key], full[&key], "{key}");
        }
    }
    for key in [
        "total",
        "by_period",
        "by_payer",
        "by_stage",
        "by_group",
        "tiers",
    ] {
        assert_eq!(summary["payments"][key], full["payments"][key], "{key}");
    }
}

#[test]
fn csv_lines_are_rfc_4180_and_match_the_full_report_line_for_line() {
    let scratch = Scratch::new("csv");
    let lines_path = scratch.0.join("lines.csv");
    let full = json(&run_report(&["--format", "json"], 0).stdout);
    let text = String::from_utf8(run_report(&["--lines", lines_path.to_str().unwrap()], 0).stdout)
        .unwrap();
    let written = std::fs::read_to_string(&lines_path).unwrap();
    assert!(
        text.contains(&format!(
            "18 lines written to {} ({} bytes)",
            lines_path.display(),
            outcome::value::group_thousands(written.len() as u128)
        )),
        "{text}"
    );
    assert!(!text.contains("all 18 lines:"), "{text}");
    assert_eq!(
        written.matches("\r\n").count(),
        19,
        "a header and 18 lines, CRLF"
    );
    let mut reader = csv::Reader::from_reader(written.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[..6],
        ["kind", "participant", "stage", "earned", "due", "period"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let lines = full["payments"]["lines"].as_array().unwrap();
    assert_eq!(rows.len(), lines.len());
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, line) in rows.iter().zip(lines) {
        assert_eq!(row[column("kind")], line["kind"]);
        assert_eq!(
            &row[column("participant")],
            line["participant"].as_str().unwrap_or("")
        );
        assert_eq!(&row[column("stage")], line["stage"].as_str().unwrap_or(""));
        assert_eq!(row[column("due")], line["due"]);
        assert_eq!(row[column("period")], line["period"]);
        assert_eq!(
            row[column("amount_minor_units")],
            line["amount"]["minor_units"].to_string()
        );
        assert_eq!(row[column("rate")], line["rate"]["amount"]);
        let clause = format!(
            "{}:{}",
            line["clause"]["file"].as_str().unwrap(),
            line["clause"]["line"]
        );
        assert_eq!(&row[column("clause")], clause);
    }
}

/// Lines written where nothing can be made durable (a pipe, a terminal, `/dev/null`) are
/// written, not refused: there is nothing to wait for the disk to hold.
#[cfg(unix)]
#[test]
fn lines_can_go_where_nothing_is_kept_on_a_disk() {
    let output = run_report(&["--lines", "/dev/null", "--lines-format", "csv"], 0);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("18 lines written to /dev/null"), "{text}");
    let output = run_report(
        &[
            "--lines",
            "/dev/stdout",
            "--lines-format",
            "csv",
            "-o",
            "/dev/null",
        ],
        0,
    );
    let lines = String::from_utf8(output.stdout).unwrap();
    assert!(lines.starts_with("kind,participant,stage,"), "{lines}");
    assert_eq!(lines.lines().count(), 19, "{lines}");
}

#[test]
fn html_says_where_the_lines_are_and_lists_none() {
    let scratch = Scratch::new("html");
    let lines_path = scratch.0.join("lines.jsonl");
    let full = String::from_utf8(run_report(&["--format", "html"], 0).stdout).unwrap();
    let html = String::from_utf8(
        run_report(
            &["--format", "html", "--lines", lines_path.to_str().unwrap()],
            0,
        )
        .stdout,
    )
    .unwrap();
    assert!(full.contains("id=\"payment-lines\""));
    assert!(!html.contains("id=\"payment-lines\""), "{html}");
    assert!(html.contains("Every payment line (18)"), "{html}");
    assert!(html.contains("lines.jsonl"), "{html}");
}

#[test]
fn lines_never_overwrite_an_input_or_the_report() {
    let scratch = Scratch::new("inputs");
    let before = std::fs::read(RETURN).unwrap();
    let refused = |args: &[&str], says: &str| {
        let output = run_report(args, 2);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    };
    refused(&["--lines", RETURN], "which this command reads");
    refused(
        &["--lines", SPEC, "--lines-format", "csv"],
        "which this command reads",
    );
    let out = scratch.0.join("r.csv");
    refused(
        &[
            "--lines",
            out.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        "`-o` and `--lines` both name",
    );
    // The same file by another name, before either exists.
    let other = scratch.0.join(".").join("r.csv");
    refused(
        &[
            "--lines",
            out.to_str().unwrap(),
            "-o",
            other.to_str().unwrap(),
        ],
        "`-o` and `--lines` both name",
    );
    assert_eq!(std::fs::read(RETURN).unwrap(), before);
    assert!(!out.exists());
}

#[test]
fn the_form_of_the_lines_is_told_by_the_name_or_the_flag() {
    let scratch = Scratch::new("form");
    let plain = scratch.0.join("lines.txt");
    let output = run_report(&["--lines", plain.to_str().unwrap()], 2);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--lines-format csv"), "{stderr}");
    assert!(!plain.exists());
    run_report(
        &[
            "--lines",
            plain.to_str().unwrap(),
            "--lines-format",
            "jsonl",
        ],
        0,
    );
    let first = std::fs::read_to_string(&plain).unwrap();
    let first: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(first["kind"], "price");
    let output = run_report(
        &["--lines", plain.to_str().unwrap(), "--explain", "DS-001"],
        2,
    );
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("--explain"));
    let nowhere = scratch.0.join("no-such-folder").join("lines.csv");
    let output = run_report(&["--lines", nowhere.to_str().unwrap()], 2);
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("no-such-folder"));
}

/// For generated returns of every spec, the lines handed on one at a time are the lines the
/// report holds, in the same order, and everything else in the report is the same.
/// With payers, the CSV has a column per payer after the fixed ones: each row's parts add up
/// to its amount, each payer's column to its total by payer, and the text report says who
/// pays each line (rough sleeping: a fund paying 40% up to £450,000, the council the rest).
#[test]
fn csv_lines_have_a_column_per_payer_adding_up_to_its_total() {
    const PAYERS: &str = "specs/rough-sleeping.outcome";
    const OVER: &str = "specs/returns/rough-sleeping-2026-over-enrolled.csv";
    let scratch = Scratch::new("payers");
    let lines_path = scratch.0.join("lines.csv");
    let report = |args: &[&str]| {
        exits(&[&["report", PAYERS, "--returns", OVER], args].concat(), 0)
            .get_output()
            .stdout
            .clone()
    };
    let full = json(&report(&["--format", "json"]));
    report(&["--lines", lines_path.to_str().unwrap()]);
    let written = std::fs::read_to_string(&lines_path).unwrap();
    let mut reader = csv::Reader::from_reader(written.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[15..],
        [
            "paid by National Rough Sleeping Outcomes Fund",
            "paid by Harbourside City Council"
        ],
        "a payer of the rest without a cap leaves nothing unfunded: no column for it"
    );
    let cents = |text: &str| -> i128 { text.replace('.', "").parse().unwrap() };
    let mut of_payer = [0_i128; 2];
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.len() > 10, "{}", rows.len());
    for row in &rows {
        let parts = [cents(&row[15]), cents(&row[16])];
        assert_eq!(parts[0] + parts[1], cents(&row[10]), "{row:?}");
        of_payer[0] += parts[0];
        of_payer[1] += parts[1];
    }
    let by_payer: Vec<i128> = full["payments"]["by_payer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["amount"]["minor_units"].as_i64().unwrap().into())
        .collect();
    assert_eq!(of_payer.to_vec(), by_payer);
    // The JSON lines name the same parts, with the clause that shares each.
    let first = &full["payments"]["lines"][0];
    assert_eq!(
        first["payers"][0]["name"],
        "National Rough Sleeping Outcomes Fund"
    );
    assert_eq!(first["payers"][0]["amount"]["amount"], rows[0][15]);
    assert_eq!(first["payers"][1]["clause"]["line"], 195);
    // The text report says who pays each line: of the first, an attachment fee of £2,700,
    // the fund 40% (£1,080) and the council the rest. The drug service (no payers) does not.
    let text = String::from_utf8(report(&[])).unwrap();
    assert!(
        text.contains(
            "P000001 attachment fee  £2,700  specs/rough-sleeping.outcome:161\n      \
             paid by National Rough Sleeping Outcomes Fund £1,080, Harbourside City Council £1,620\n"
        ),
        "{text}"
    );
    assert_eq!((&rows[0][15], &rows[0][16]), ("1080.00", "1620.00"));
    // So does `--explain` for one participant's lines.
    let explained = String::from_utf8(report(&["--explain", "P000001"])).unwrap();
    assert!(
        explained.contains(
            "paid by National Rough Sleeping Outcomes Fund £1,080, Harbourside City Council £1,620"
        ),
        "{explained}"
    );
    let plain = String::from_utf8(run_report(&[], 0).stdout).unwrap();
    assert!(!plain.contains("paid by"), "{plain}");
}

#[test]
fn streamed_and_first_lines_are_the_held_lines_for_every_spec() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut specs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "outcome"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 5);
    let mut with_lines = 0;
    let specs_read = specs.len();
    for path in specs {
        let text = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        let (_, compiled) = outcome::compile_bytes(&name, &text);
        let contract = compiled.contract.unwrap();
        let participants = generate::planned_participants(&contract) * 2;
        let rows = || generate::returns(&contract, participants, 11).map(Input::Row);
        let options = Options::default();
        let held = engine::run(&contract, rows(), &options).unwrap();
        let mut streamed_lines: Vec<PaymentLine> = Vec::new();
        let streamed = engine::run_streaming(&contract, rows(), &options, &mut |line| {
            streamed_lines.push(line.clone());
            Ok(())
        })
        .unwrap();
        // A contract paid on measured values only (Peterborough) has no lines from rows.
        with_lines += usize::from(!held.payments.lines.is_empty());
        assert_eq!(
            serde_json::to_value(&streamed_lines).unwrap(),
            serde_json::to_value(&held.payments.lines).unwrap(),
            "{name}"
        );
        assert!(streamed.payments.lines.is_empty());
        assert!(streamed.payments.by_participant.is_empty());
        let mut held_rest = serde_json::to_value(&held).unwrap();
        let mut streamed_rest = serde_json::to_value(&streamed).unwrap();
        for value in [&mut held_rest, &mut streamed_rest] {
            let payments = value["payments"].as_object_mut().unwrap();
            payments.remove("lines");
            payments.remove("by_participant");
        }
        assert_eq!(held_rest, streamed_rest, "{name}");
        assert_eq!(streamed.payments.line_count(), held.payments.line_count());
        // The first few held, the others counted: the held report's first lines, and every
        // other figure (the payers' parts run through every line) as it has them.
        for first in [0, 1, 7, usize::MAX] {
            let report =
                engine::run_with(&contract, rows(), &options, engine::Lines::First(first)).unwrap();
            let all = held.payments.lines.len();
            assert_eq!(
                serde_json::to_value(&report.payments.lines).unwrap(),
                serde_json::to_value(&held.payments.lines[..first.min(all)]).unwrap(),
                "{name}, first {first}"
            );
            assert_eq!(report.payments.line_count(), all as u64, "{name}");
            assert!(report.payments.by_participant.is_empty());
            let mut first_rest = serde_json::to_value(&report).unwrap();
            let payments = first_rest["payments"].as_object_mut().unwrap();
            payments.remove("lines");
            payments.remove("by_participant");
            assert_eq!(held_rest, first_rest, "{name}, first {first}");
        }
    }
    assert!(with_lines + 1 >= specs_read, "{with_lines} of {specs_read}");
}

/// A writer that fails stops the report with its error.
#[test]
fn a_failed_write_of_a_line_stops_the_report() {
    let text = std::fs::read(SPEC).unwrap();
    let (_, compiled) = outcome::compile_bytes(SPEC, &text);
    let contract = compiled.contract.unwrap();
    let rows = generate::returns(&contract, 50, 3).map(Input::Row);
    let failed = engine::run_streaming(&contract, rows, &Options::default(), &mut |_| {
        Err("disk full".to_string())
    });
    assert_eq!(failed.err().as_deref(), Some("disk full"));
}

/// `outcome schema --lines` describes each record of a JSON Lines file of payment lines, for
/// the lines of every spec, and is closed: a member it does not describe is refused.
#[test]
fn every_json_line_matches_the_lines_schema() {
    let schema = exits(&["schema", "--lines"], 0).get_output().stdout.clone();
    let schema: serde_json::Value = serde_json::from_slice(&schema).unwrap();
    assert_eq!(schema["title"], "PaymentLine");
    assert!(schema["$id"]
        .as_str()
        .unwrap()
        .ends_with("/schema/lines/v1.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();

    let scratch = Scratch::new("schema");
    let lines_path = scratch.0.join("lines.jsonl");
    run_report(&["--lines", lines_path.to_str().unwrap()], 0);
    let mut records: Vec<serde_json::Value> = std::fs::read_to_string(&lines_path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 18);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "outcome") {
            continue;
        }
        let (_, compiled) =
            outcome::compile_bytes(&path.display().to_string(), &std::fs::read(&path).unwrap());
        let contract = compiled.contract.unwrap();
        let participants = generate::planned_participants(&contract) * 2;
        let rows = generate::returns(&contract, participants, 5).map(Input::Row);
        engine::run_streaming(&contract, rows, &Options::default(), &mut |line| {
            records.push(serde_json::to_value(line).unwrap());
            Ok(())
        })
        .unwrap();
    }
    assert!(records.len() > 1000, "{}", records.len());
    assert!(records
        .iter()
        .any(|r| !r["cut_by"].as_array().unwrap().is_empty()));
    assert!(records.iter().any(|r| r["payers"].is_array()));
    for record in &records {
        let errors: Vec<String> = validator
            .iter_errors(record)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{record}");
    }
    let mut opened = records[0].clone();
    opened["version"] = serde_json::json!(1);
    assert!(
        !validator.is_valid(&opened),
        "a member not described is refused"
    );
}
