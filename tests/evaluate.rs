//! `outcome evaluate SPEC BID...`: bids held against a specification and compared.
//!
//! Exit codes: 0 every bid valid, 1 any bid refused (listed with its diagnostics, left out of
//! the table), 2 could not run. Every figure below is worked out by hand from
//! `specs/tender/specification.outcome` and its bids.

mod common;
use common::{assert_hostile_text_defused, outcome, Scratch, HOSTILE};
use serde_json::Value;

const SPEC: &str = "specs/tender/specification.outcome";
const PHOENIX: &str = "specs/tender/phoenix-futures.outcome";
const TURNING_POINT: &str = "specs/tender/turning-point.outcome";
const LIFELINE: &str = "tests/evaluate/lifeline-above-ceiling.outcome";

/// The evaluation as JSON, and the exit code.
fn evaluate_json(args: &[&str]) -> (Value, i32) {
    let output = outcome()
        .arg("evaluate")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (doc, output.status.code().unwrap())
}

fn text(value: &Value) -> &str {
    value["text"].as_str().unwrap()
}

/// The specification: a two-year term with fixed fees of £5,000 a quarter (8 quarters,
/// £40,000), 100 adults enrolling, and a total cap of £150,000, the funding limit.
///
/// Phoenix Futures: 60 attend at £120, 30 complete at £450, 12 abstinent at £3,200.
///   planned total cost = £40,000 + 60 × £120 + 30 × £450 + 12 × £3,200
///                      = £40,000 + £7,200 + £13,500 + £38,400 = £99,100
///   unit cost per `abstinent` = £99,100 ÷ 12 = £8,258.333… → £8,258.33
///   cost per participant = £99,100 ÷ 100 enrolling = £991
///   rate card per participant = £120 + £450 + £3,200 = £3,770
///   conversion from entry to `abstinent` = 12 ÷ 100 = 12%
/// Turning Point: the specification's 50 attend and 25 complete, 11 abstinent; £100, £400,
/// £3,400.
///   planned total cost = £40,000 + 50 × £100 + 25 × £400 + 11 × £3,400
///                      = £40,000 + £5,000 + £10,000 + £37,400 = £92,400
///   unit cost per `abstinent` = £92,400 ÷ 11 = £8,400
///   cost per participant = £92,400 ÷ 100 = £924
///   rate card per participant = £100 + £400 + £3,400 = £3,900
/// Both can pay at most the total cap: every one of 100 participants earning the rate card
/// (£377,000 or £390,000) plus £40,000 of fees is far above £150,000.
///
/// Ranked by unit cost per target: Phoenix Futures (£8,258.33) before Turning Point
/// (£8,400), although Phoenix's planned total cost is the higher.
#[test]
fn two_bids_are_ranked_by_hand_computed_unit_costs() {
    let (doc, code) = evaluate_json(&[SPEC, TURNING_POINT, PHOENIX]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["version"], 1);
    let bids = doc["bids"].as_array().unwrap();
    assert_eq!(bids.len(), 2);
    let (first, second) = (&bids[0], &bids[1]);

    assert_eq!(first["rank"], 1);
    assert_eq!(first["bidder"], "Phoenix Futures");
    assert_eq!(text(&first["planned_total_cost"]), "£99,100");
    assert_eq!(first["planned_total_cost"]["minor_units"], 9_910_000);
    assert_eq!(
        text(&first["unit_cost_per_target"][0]["unit_cost"]),
        "£8,258.33"
    );
    assert_eq!(first["unit_cost_per_target"][0]["expected"], 12);
    assert_eq!(text(&first["cost_per_participant"]), "£991");
    assert_eq!(
        text(&first["rate_card_per_participant"][0]["rate_card"]),
        "£3,770"
    );
    assert_eq!(first["conversion_to_target"][0]["entering"], 100);
    assert_eq!(first["conversion_to_target"][0]["expected"], 12);
    assert_eq!(first["conversion_to_target"][0]["conversion"], "12.0");
    assert_eq!(text(&first["maximum_exposure"]), "£150,000");
    assert_eq!(text(&first["headroom"]), "£0");

    assert_eq!(second["rank"], 2);
    assert_eq!(second["bidder"], "Turning Point");
    assert_eq!(text(&second["planned_total_cost"]), "£92,400");
    assert_eq!(
        text(&second["unit_cost_per_target"][0]["unit_cost"]),
        "£8,400"
    );
    assert_eq!(text(&second["cost_per_participant"]), "£924");
    assert_eq!(
        text(&second["rate_card_per_participant"][0]["rate_card"]),
        "£3,900"
    );

    // The payments by year add up to the planned total cost.
    for bid in bids {
        let years: i64 = bid["by_year"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y["total"]["minor_units"].as_i64().unwrap())
            .sum();
        assert_eq!(
            years,
            bid["planned_total_cost"]["minor_units"].as_i64().unwrap()
        );
        assert_eq!(bid["by_year"].as_array().unwrap().len(), 2);
    }
    assert!(doc["refused"].as_array().unwrap().is_empty());
    assert!(doc["ranked_by"]
        .as_str()
        .unwrap()
        .starts_with("unit cost per performance target"));
}

/// A differential check: the figures `evaluate` shows are those `build` computes for the bid.
#[test]
fn a_bid_builds_as_the_specification_with_its_figures() {
    let output = outcome()
        .args(["build", PHOENIX, "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let contract: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(contract["providers"][0], "Phoenix Futures");
    assert_eq!(contract["title"], "Structured Day Programme 2027");
    let (doc, _) = evaluate_json(&[SPEC, PHOENIX]);
    assert_eq!(
        contract["figures"]["planned_total_cost"],
        doc["bids"][0]["planned_total_cost"]
    );
    assert_eq!(contract["figures"]["by_year"], doc["bids"][0]["by_year"]);
    // The bid's counts replace the specification's, and the stated conversions go with them.
    let stages = contract["funnels"][0]["stages"].as_array().unwrap();
    let attend = stages.iter().find(|s| s["id"] == "attend").unwrap();
    assert_eq!(attend["expected"], 60);
    assert!(attend["stated_conversion"].is_null());
}

#[test]
fn a_bid_above_a_ceiling_is_refused_with_its_code() {
    let (doc, code) = evaluate_json(&[SPEC, PHOENIX, LIFELINE, TURNING_POINT]);
    assert_eq!(code, 1);
    assert_eq!(doc["bids"].as_array().unwrap().len(), 2);
    let refused = doc["refused"].as_array().unwrap();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["file"], LIFELINE);
    let diagnostic = &refused[0]["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0704");
    assert_eq!(
        diagnostic["message"],
        "the bid asks £3,800 for `abstinent`, above the specification's ceiling of £3,500"
    );
    assert_eq!(diagnostic["line"], 6);
    // It points at the clause of the specification that sets the ceiling, in that file.
    assert_eq!(
        diagnostic["related"],
        serde_json::json!([{
            "file": SPEC, "line": 64, "column": 3, "end_line": 64, "end_column": 37,
            "message": "the ceiling of £3,500",
        }])
    );
    // Refused bids in the closed schema carry the same member.
    let errors = validate_evaluation(&doc);
    assert!(errors.is_empty(), "{errors:#?}");

    // People see the diagnostic on stderr, with where the specification states the ceiling.
    let output = outcome()
        .args(["evaluate", SPEC, LIFELINE])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E0704"), "{stderr}");
    assert!(
        stderr.contains("specs/tender/specification.outcome:64"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("refused: 1 bid"), "{stdout}");
    assert!(
        stdout.contains(&format!("{LIFELINE}:6:7: E0704")),
        "{stdout}"
    );
    // Under it, the line of the specification that sets the ceiling.
    assert!(
        stdout.contains(&format!(
            "E0704 the bid asks £3,800 for `abstinent`, above the specification's ceiling of £3,500\n    {SPEC}:64:3: the ceiling of £3,500\n"
        )),
        "{stdout}"
    );
    let html = outcome()
        .args(["evaluate", SPEC, LIFELINE, "--format", "html"])
        .output()
        .unwrap();
    let html = String::from_utf8_lossy(&html.stdout);
    assert!(
        html.contains(&format!(
            "<p class=\"note\">{SPEC} line 64: the ceiling of £3,500</p>"
        )),
        "{html}"
    );

    // `check` refuses the bid the same way.
    let check = outcome().args(["check", LIFELINE]).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains("E0704"));
}

/// The tender specification, copied into a scratch folder with `changes` made to it.
fn scratch_spec(test: &str, changes: &[(&str, &str)]) -> Scratch {
    let scratch = Scratch::new(test);
    let mut spec = std::fs::read_to_string(SPEC).unwrap();
    for (from, to) in changes {
        assert!(spec.contains(from), "{from}");
        spec = spec.replace(from, to);
    }
    scratch.file("specification.outcome", spec);
    scratch
}

/// The codes of the diagnostics of the one refused bid, and the exit code.
fn refused_codes(scratch: &Scratch, bid: &str) -> (Vec<String>, i32, Value) {
    scratch.file("bid.outcome", bid);
    let output = scratch
        .outcome()
        .args(["evaluate", "specification.outcome", "bid.outcome"])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let codes = doc["refused"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["diagnostics"].as_array().unwrap().clone())
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    (codes, output.status.code().unwrap(), doc)
}

#[test]
fn a_bid_missing_a_required_stage_is_refused() {
    let scratch = scratch_spec("required", &[]);
    let (codes, code, doc) = refused_codes(
        &scratch,
        "bid \"Phoenix Futures\" on \"specification.outcome\" {\n  pay £3,200 for abstinent\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(codes, ["E0706"]);
    assert_eq!(
        doc["refused"][0]["diagnostics"][0]["message"],
        "the bid does not price `attend`, which the specification requires"
    );
}

/// Without the total cap and with £500 for `abstinent`, the specification can pay at most
/// £40,000 + 100 × (£100 + £500 + £500) = £150,000, its funding limit. A bid asking £600 for
/// `abstinent` (within its ceiling of £3,500) raises that to £40,000 + 100 × £1,200 =
/// £160,000: the checker's own rule, E0503, refuses it, placed on the bid.
#[test]
fn a_bid_whose_exposure_is_above_the_funding_limit_is_refused() {
    let scratch = scratch_spec(
        "exposure",
        &[
            ("  cap £150,000 total\n", ""),
            ("pay £3,000 for abstinent", "pay £500 for abstinent"),
        ],
    );
    let spec = scratch
        .outcome()
        .args(["check", "--deny-warnings", "specification.outcome"])
        .output()
        .unwrap();
    assert!(
        spec.status.success(),
        "{}",
        String::from_utf8_lossy(&spec.stderr)
    );
    let (codes, code, doc) = refused_codes(
        &scratch,
        "bid \"Phoenix Futures\" on \"specification.outcome\" {\n  pay £100 for attend\n  pay £500 for complete\n  pay £600 for abstinent\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(codes, ["E0503"]);
    let diagnostic = &doc["refused"][0]["diagnostics"][0];
    assert_eq!(
        diagnostic["message"],
        "the contract could pay up to £160,000, more than its funding limit of £150,000"
    );
    // Placed on the bidder's name, with where the specification sets the limit: in the
    // help, and as a label in the specification's file.
    assert_eq!(diagnostic["line"], 1);
    assert!(diagnostic["help"]
        .as_str()
        .unwrap()
        .contains("specification.outcome:10"));
    let related = &diagnostic["related"][0];
    assert_eq!(related["file"], "specification.outcome");
    assert_eq!(related["line"], 10);
    assert_eq!(related["message"], "£10,000 over the limit");
}

/// A count the bid writes that breaks the checker's funnel rules is reported on the bid's line.
#[test]
fn a_bid_that_widens_the_funnel_is_refused_on_its_own_line() {
    let scratch = scratch_spec("widens", &[]);
    let (codes, code, doc) = refused_codes(
        &scratch,
        "bid \"Phoenix Futures\" on \"specification.outcome\" {\n  pay £100 for attend\n  pay £3,000 for abstinent\n  expected 60 for complete\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(codes, ["E0302"]);
    assert_eq!(doc["refused"][0]["diagnostics"][0]["line"], 4);
    // Breaking the checker's rules does not hide the specification's: every reason the bid
    // is refused is said (the price above its ceiling, and the count below its floor as the
    // bid writes it).
    let (codes, code, _) = refused_codes(
        &scratch,
        "bid \"Phoenix Futures\" on \"specification.outcome\" {\n  pay £200 for attend\n  pay £3,000 for abstinent\n  expected 60 for complete\n  expected 8 for abstinent\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(codes, ["E0704", "E0302", "E0705"]);
}

#[test]
fn a_bid_naming_a_missing_specification_is_refused() {
    let scratch = scratch_spec("missing", &[]);
    let (codes, code, _) = refused_codes(
        &scratch,
        "bid \"Phoenix Futures\" on \"no-such-specification.outcome\" {\n  pay £100 for attend\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(codes, ["E0208"]);
    let check = scratch
        .outcome()
        .args(["check", "bid.outcome"])
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains("E0208"));
}

#[test]
fn a_bid_whose_path_leaves_the_repository_is_refused() {
    let scratch = scratch_spec("outside", &[]);
    scratch.file("repository/.git/HEAD", "ref: refs/heads/main\n");
    scratch.file(
        "repository/bid.outcome",
        "bid \"Phoenix Futures\" on \"../specification.outcome\" {\n  pay £100 for attend\n}\n",
    );
    let output = scratch
        .outcome()
        .args(["check", "repository/bid.outcome"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E0210"), "{stderr}");
}

#[test]
fn a_bid_on_another_specification_is_refused() {
    let scratch = scratch_spec("another", &[]);
    scratch.file(
        "other.outcome",
        std::fs::read_to_string(SPEC)
            .unwrap()
            .replace("Structured Day Programme 2027", "Another tender"),
    );
    let (codes, code, doc) = refused_codes(
        &scratch,
        "bid \"Phoenix Futures\" on \"other.outcome\" {\n  pay £100 for attend\n  pay £3,000 for abstinent\n}\n",
    );
    assert_eq!(code, 1);
    assert_eq!(codes, ["E0709"]);
    assert_eq!(
        doc["refused"][0]["diagnostics"][0]["message"],
        "`bid.outcome` is a bid on `other.outcome`, not on `specification.outcome`"
    );
}

#[test]
fn what_cannot_be_evaluated_exits_2() {
    // Not a specification: a contract with no `bidding` block.
    let output = outcome()
        .args(["evaluate", "specs/drug-service.outcome", PHOENIX])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no `bidding` block"));
    // Not a bid.
    let output = outcome()
        .args(["evaluate", SPEC, "specs/drug-service.outcome"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a bid"));
    // A specification with errors: its diagnostics, and nothing evaluated.
    let output = outcome()
        .args([
            "evaluate",
            "tests/diagnostics/tender/broken-specification.outcome",
            PHOENIX,
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0302"));
    assert!(output.stdout.is_empty());
    // No bid named.
    let output = outcome().args(["evaluate", SPEC]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    // The same bid named twice, however its path is written: it would rank against itself.
    let twice = format!("./{PHOENIX}");
    let output = outcome()
        .args(["evaluate", SPEC, PHOENIX, &twice])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is named twice"));
    assert!(output.stdout.is_empty());
}

/// What is wrong with `doc` by the published schema of the evaluation.
fn validate_evaluation(doc: &Value) -> Vec<String> {
    let schema = outcome().args(["schema", "--evaluate"]).output().unwrap();
    let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator.iter_errors(doc).map(|e| e.to_string()).collect()
}

#[test]
fn the_json_matches_the_published_schema_and_is_deterministic() {
    let schema = outcome().args(["schema", "--evaluate"]).output().unwrap();
    let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["$id"]
        .as_str()
        .unwrap()
        .ends_with("/schema/evaluation/v1.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let run = || {
        outcome()
            .args(["evaluate", SPEC, PHOENIX, LIFELINE, TURNING_POINT])
            .args(["--format", "json"])
            .output()
            .unwrap()
    };
    let (first, second) = (run(), run());
    assert_eq!(first.stdout, second.stdout);
    let doc: Value = serde_json::from_slice(&first.stdout).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Closed: a member the schema does not list is refused.
    let mut extra = doc.clone();
    extra["bids"][0]["surprise"] = Value::Bool(true);
    assert!(!validator.is_valid(&extra));
}

#[test]
fn the_human_table_puts_the_bids_side_by_side_in_aligned_columns() {
    // The specification named among the bids (`tender/*.outcome`) is not taken for one.
    let output = outcome()
        .args(["evaluate", SPEC, TURNING_POINT, SPEC, PHOENIX])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("2 bids valid, 0 refused"), "{stdout}");
    let line = |start: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no `{start}` line in\n{stdout}"))
            .to_string()
    };
    let bidder = line("bidder ");
    let unit = line("unit cost per `abstinent`");
    let column = |row: &str, cell: &str| row[..row.find(cell).unwrap()].chars().count();
    assert_eq!(
        column(&bidder, "Phoenix Futures"),
        column(&unit, "£8,258.33")
    );
    assert_eq!(column(&bidder, "Turning Point"), column(&unit, "£8,400"));
    assert!(column(&bidder, "Phoenix Futures") < column(&bidder, "Turning Point"));
    for row in [
        "planned total cost",
        "maximum exposure",
        "cost per participant",
        "rate card per participant, `adults`",
        "conversion from entry to `abstinent`",
        "price for `attend`",
        "year 1 (2027-04-01 to 2028-03-31)",
        "year 2 (2028-04-01 to 2029-03-31)",
    ] {
        line(row);
    }
    assert!(line("conversion from entry to `abstinent`").contains("12.0% (12 of 100)"));
}

#[test]
fn the_html_comparison_prints_on_a4_with_bidder_text_escaped() {
    let scratch = scratch_spec("html", &[]);
    scratch.file(
        "bid.outcome",
        format!(
            "bid \"{}\" on \"specification.outcome\" {{\n  pay £120 for attend\n  pay £3,200 for abstinent\n}}\n",
            HOSTILE.replace('"', "\\\"")
        ),
    );
    scratch.file(
        "lifeline.outcome",
        "bid \"Lifeline\" on \"specification.outcome\" {\n  pay £150 for attend\n  pay £3,800 for abstinent\n}\n",
    );
    let output = scratch
        .outcome()
        .args([
            "evaluate",
            "specification.outcome",
            "bid.outcome",
            "lifeline.outcome",
        ])
        .args(["--format", "html"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let html = String::from_utf8(output.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_hostile_text_defused(&html);
    assert!(html.contains("Bids side by side"));
    assert!(html.contains("Bids refused"));
    assert!(html.contains("E0704"));
    let page = scratch.file("evaluation.html", &html);
    if !common::chromium_available("the_html_comparison_prints_on_a4_with_bidder_text_escaped") {
        return;
    }
    let Some(pages) = common::printed_pages(&scratch.0, &page, "evaluation") else {
        return;
    };
    assert_eq!(pages.len(), 1, "{pages:#?}");
    common::assert_printed_well("evaluation", &html, &pages);
    let printed = &pages[0];
    for text in [
        "Evaluation of bids: Structured Day Programme 2027",
        "unit cost per abstinent",
        "year 1 (2027-04-01 to 2028-03-31)",
        "lifeline.outcome",
        "E0704",
    ] {
        assert!(printed.contains(text), "`{text}` not printed:\n{printed}");
    }
}

/// The README's example is this run's output, byte for byte.
#[test]
fn the_readme_shows_what_evaluate_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme.find("$ outcome evaluate ").unwrap();
    let block = &readme[start..];
    let block = &block[..block.find("```").unwrap()];
    let (command, shown) = block.split_once('\n').unwrap();
    let args: Vec<&str> = command.split_whitespace().skip(2).collect();
    let output = outcome().args(&args).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), shown);
}

/// The README's drawing of a refused bid is `check`'s, byte for byte: the bid's price, then
/// the specification's line that sets the ceiling.
#[test]
fn the_readme_shows_the_specification_line_under_a_refused_bid() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("$ outcome check --quiet tests/evaluate/")
        .unwrap();
    let block = &readme[start..];
    let block = &block[..block.find("```").unwrap()];
    let (command, shown) = block.split_once('\n').unwrap();
    let args: Vec<&str> = command.split_whitespace().skip(2).collect();
    let output = outcome()
        .args(&args)
        .args(["--color", "never"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(String::from_utf8(output.stderr).unwrap(), shown);
    assert!(
        shown.contains("[specs/tender/specification.outcome:64:3]"),
        "{shown}"
    );
}
