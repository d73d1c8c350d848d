//! `outcome report` and `outcome returns` as a user meets them: exit codes, the JSON report,
//! the trace of one participant, and generated returns.
//!
//! Exit codes: 0 the report was made, 1 the contract has errors, 2 the tool could not run (an
//! unreadable return, bad arguments, a bad `--until`) or nothing was counted (see
//! `tests/report_spreadsheet.rs`).

mod common;
use common::{exits, Scratch};
use outcome::report::{input, Input};

const SPEC: &str = "specs/drug-service.outcome";
const RETURN: &str = "specs/returns/drug-service-2009-10.csv";

/// `outcome report` of the sample contract with `args` after it, asserted to exit with
/// `code`: the run, for what else the test asserts of it.
fn run_report(args: &[&str], code: i32) -> assert_cmd::assert::Assert {
    exits(&[&["report", SPEC], args].concat(), code)
}

/// `outcome returns` for the sample contract with `args` after it, asserted to exit with
/// `code`: the run, for what else the test asserts of it.
fn run_returns(args: &[&str], code: i32) -> assert_cmd::assert::Assert {
    exits(&[&["returns", SPEC], args].concat(), code)
}

fn report_json(args: &[&str]) -> serde_json::Value {
    let run = run_report(&[&["--format", "json"][..], args].concat(), 0);
    serde_json::from_slice(&run.get_output().stdout).unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// The line of the contract that says `text`, 1-based.
fn line_of(text: &str) -> usize {
    let spec = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC))
        .unwrap();
    spec.lines().position(|l| l.contains(text)).unwrap() + 1
}

// ---------------------------------------------------------------------------------------------
// exit codes

#[test]
fn a_report_is_made_with_exit_0() {
    let run = run_report(&["--returns", RETURN], 0);
    let output = run.get_output();
    let text = stdout(output);
    assert!(text.starts_with("Monitoring report: Structured Day Programme\n"));
    assert!(
        text.contains("read 39 = accepted 33 + rejected 6"),
        "{text}"
    );
    assert!(stderr(output).is_empty());
}

#[test]
fn a_contract_with_errors_exits_1_and_reports_nothing() {
    let scratch = Scratch::new("contract-errors");
    let contract = scratch.file("broken.outcome", "contract \"x\" { term }");
    let args = ["report", contract.to_str().unwrap(), "--returns", RETURN];
    let output = exits(&args, 1).get_output().clone();
    assert!(output.stdout.is_empty());
    assert!(
        stderr(&output).contains("not reported"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unreadable_return_exits_2() {
    let run = run_report(&["--returns", "specs/returns/no-such-file.csv"], 2);
    assert!(stderr(run.get_output()).contains("no-such-file.csv"));
}

#[test]
fn a_return_whose_kind_cannot_be_told_exits_2() {
    let scratch = Scratch::new("extension");
    let path = scratch.file("return.dat", "participant,stage,date\n");
    let run = run_report(&["--returns", path.to_str().unwrap()], 2);
    let err = stderr(run.get_output());
    assert!(err.contains(".jsonl"), "{err}");
}

#[test]
fn a_return_without_a_required_column_exits_2_naming_it() {
    let scratch = Scratch::new("header");
    let path = scratch.file(
        "return.csv",
        "participant,stage,when\nP1,enrol,2009-04-02\n",
    );
    let run = run_report(&["--returns", path.to_str().unwrap()], 2);
    let err = stderr(run.get_output());
    assert!(err.contains("row 1") && err.contains("`date`"), "{err}");
    assert!(run.get_output().stdout.is_empty());
}

#[test]
fn a_bad_until_date_exits_2() {
    for until in ["2009-02-30", "30/09/2009", "2008-12-31"] {
        run_report(&["--returns", RETURN, "--until", until], 2);
    }
}

#[test]
fn a_bad_measured_value_exits_2() {
    run_report(&["--returns", RETURN, "--measure", "rate=7"], 2);
    let scratch = Scratch::new("measures");
    let measures = scratch.file("measures.csv", "measure,year,treatment\nrate,1,lots\n");
    let measures = measures.to_str().unwrap();
    let run = run_report(&["--returns", RETURN, "--measures", measures], 2);
    let err = stderr(run.get_output());
    assert!(err.contains("row 2"), "{err}");
}

/// `outcome report` of the reoffending contract (a measure compared with a group, tiers per
/// cohort) on an empty return, with `args` after it.
fn report_reoffending(scratch: &Scratch, args: &[&str], code: i32) -> String {
    let empty = scratch.file("empty.csv", "participant,stage,date\n");
    let run = exits(
        &[
            &[
                "report",
                "specs/reoffending.outcome",
                "--returns",
                empty.to_str().unwrap(),
                "--format",
                "json",
            ][..],
            args,
        ]
        .concat(),
        code,
    );
    if code == 0 {
        stdout(run.get_output())
    } else {
        stderr(run.get_output())
    }
}

#[test]
fn measured_values_that_cannot_be_used_as_given_exit_2_naming_where() {
    let scratch = Scratch::new("measures-refused");
    for (measure, why) in [
        // An improvement on a comparison of 0 is undefined: it once paid the treatment value.
        (
            "reconviction_reduction@first_cohort:1=41.5/0",
            "the comparison value is 0",
        ),
        (
            "reconviction_reducton:1=9/10",
            "did you mean `reconviction_reduction`?",
        ),
        (
            "reconviction_reduction@frist_cohort:1=9/10",
            "`frist_cohort` is not a cohort",
        ),
        ("reconviction_reduction:5=9/10", "year 5 is after the term"),
        (
            "reconviction_reduction:1=9",
            "give the comparison group's value",
        ),
        ("gate_meeting_rate:1=90/80", "takes no comparison value"),
    ] {
        let err = report_reoffending(&scratch, &["--measure", measure], 2);
        assert!(
            err.contains(&format!("`--measure {measure}`: ")) && err.contains(why),
            "{measure}: {err}"
        );
    }
    // The same measure, cohort and year twice: in the file, or in the file and an argument.
    let twice = scratch.file(
        "twice.csv",
        "measure,cohort,year,treatment,comparison\n\
         reconviction_reduction,first_cohort,1,40,50\n\
         reconviction_reduction,second_cohort,1,40,50\n\
         reconviction_reduction,first_cohort,1,45,50\n",
    );
    let err = report_reoffending(&scratch, &["--measures", twice.to_str().unwrap()], 2);
    assert!(
        err.contains("row 4 of `") && err.contains("given twice; row 2 of `"),
        "{err}"
    );
    let once = scratch.file(
        "once.csv",
        "measure,cohort,year,treatment,comparison\nreconviction_reduction,,1,40,50\n",
    );
    let err = report_reoffending(
        &scratch,
        &[
            "--measures",
            once.to_str().unwrap(),
            "--measure",
            "reconviction_reduction:1=30/50",
        ],
        2,
    );
    assert!(
        err.contains("`--measure reconviction_reduction:1=30/50`: `reconviction_reduction` for all cohorts pooled in year 1 is given twice; row 2 of `"),
        "{err}"
    );
}

#[test]
fn a_measured_improvement_on_a_comparison_group_pays_its_tier() {
    let scratch = Scratch::new("measures-paid");
    // (46 − 41.4) ÷ 46 = 10% fewer: the £250,000 tier for the first cohort.
    let out = report_reoffending(
        &scratch,
        &["--measure", "reconviction_reduction@first_cohort:1=41.4/46"],
        0,
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tiers: Vec<&serde_json::Value> = report["payments"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kind"] == "tier")
        .collect();
    assert_eq!(tiers.len(), 1, "{tiers:?}");
    assert_eq!(tiers[0]["amount"]["minor_units"], 25_000_000);
}

/// A measured value for a contract year still running at the report date does not hide the
/// year before it: the reading is of the latest year ended by then, and pays on it.
/// A return of 200 men for the reoffending contract, generated by `outcome returns` (seed 7).
fn reoffending_return(scratch: &Scratch) -> std::path::PathBuf {
    let returns = scratch.path("returns.csv");
    exits(
        &[
            "returns",
            "specs/reoffending.outcome",
            "--participants",
            "200",
            "--seed",
            "7",
            "-o",
            returns.to_str().unwrap(),
        ],
        0,
    );
    returns
}

#[test]
fn a_tier_is_read_at_the_latest_year_ended_by_the_report_date() {
    let scratch = Scratch::new("tier-year");
    let spec = "specs/reoffending.outcome";
    let returns = reoffending_return(&scratch);
    let returns = returns.to_str().unwrap();
    let tiers = |until: &str| {
        let run = exits(
            &[
                "report",
                spec,
                "--returns",
                returns,
                "--measure",
                "reconviction_reduction@first_cohort:2=41.4/46",
                "--measure",
                "reconviction_reduction@first_cohort:3=30/46",
                "--until",
                until,
                "--format",
                "json",
            ],
            0,
        );
        let report: serde_json::Value = serde_json::from_str(&stdout(run.get_output())).unwrap();
        report["payments"]["tiers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["cohort"] == "first_cohort")
            .map(|t| {
                (
                    t["year"].as_u64().unwrap(),
                    t["line"]["amount"]["text"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    // Year 2 ended on 2028-03-31, year 3 runs to 2029-03-31: year 2's reading, a reduction
    // of 10% (41.4 against 46), pays the tier from 10%.
    assert_eq!(tiers("2028-06-30"), [(2, serde_json::json!("£250,000"))]);
    // Once year 3 has ended, its reading (30 against 46, 34.78%) replaces it.
    let after = tiers("2029-06-30");
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].0, 3);
}

/// The text and HTML reports state each tier schedule's reading under the payments, whatever
/// lines they list: the measured values and the comparison, the reduction, the tier reached
/// (or that none was) and what it pays. On a generated return of 200 men the tier lines are
/// not among the first 20 the text lists. By hand, a year ends on 31 March (term from
/// 2026-04-01):
/// - the first cohort in year 2, 41.4 against 46: (46 − 41.4) ÷ 46 = 10% fewer, the tier from
///   10%: £250,000, due 2028-03-31;
/// - the second cohort in year 3, 44 against 46: 2 ÷ 46 = 4.3478260…%, 4.347826% to six
///   decimals, below the lowest tier (7.5%): nothing;
/// - pooled in year 3, 40.5 against 46: 5.5 ÷ 46 = 11.9565217…%, 11.956522%, from 7.5% and
///   below 15%: £100,000, due 2029-03-31.
#[test]
fn the_text_and_html_reports_state_each_tier_reading_whatever_lines_they_list() {
    let scratch = Scratch::new("tier-readings");
    let spec = "specs/reoffending.outcome";
    let returns = reoffending_return(&scratch);
    let returns = returns.to_str().unwrap();
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(spec))
        .unwrap();
    let line = |words: &str| text.lines().position(|l| l.contains(words)).unwrap() + 1;
    let per_cohort = format!(
        "{spec}:{}",
        line("tiers on reconviction_reduction per cohort")
    );
    let pooled = format!("{spec}:{}", line("tiers on reconviction_reduction pooled"));
    let report = |args: &[&str]| {
        let run = exits(
            &[
                &[
                    "report",
                    spec,
                    "--returns",
                    returns,
                    "--measure",
                    "reconviction_reduction@first_cohort:2=41.4/46",
                    "--measure",
                    "reconviction_reduction@second_cohort:3=44/46",
                    "--measure",
                    "reconviction_reduction:3=40.5/46",
                ][..],
                args,
            ]
            .concat(),
            0,
        );
        stdout(run.get_output())
    };
    let readings = [
        format!(
            "`reconviction_reduction` for `first_cohort` ({per_cohort}): measured 41.4 against 46 \
             for the comparison group in year 2, a reduction of 10%; tier from 10%; pays \
             £250,000, due 2028-03-31"
        ),
        format!(
            "`reconviction_reduction` for `second_cohort` ({per_cohort}): measured 44 against 46 \
             for the comparison group in year 3, a reduction of 4.347826%; below the lowest \
             tier, from 7.5%: nothing is paid"
        ),
        format!(
            "`reconviction_reduction`, all cohorts pooled ({pooled}): measured 40.5 against 46 \
             for the comparison group in year 3, a reduction of 11.956522%; tier from 7.5%; pays \
             £100,000, due 2029-03-31"
        ),
    ];

    let human = report(&[]);
    let listed = human
        .split("the first 20 of ")
        .nth(1)
        .expect("20 lines listed");
    assert!(!listed.contains("tier payment"), "{listed}");
    let under = "\n  tier payments on the latest measured values\n";
    let section = human.split(under).nth(1).expect(under);
    let shown: Vec<&str> = section.lines().take(3).map(str::trim_start).collect();
    assert_eq!(shown, readings, "{human}");
    // The lines in a file of their own: the readings are still stated.
    let lines = scratch.path("lines.csv");
    let summary = report(&["--lines", lines.to_str().unwrap()]);
    assert!(summary.contains(&readings[0]), "{summary}");

    let html = report(&["--format", "html"]);
    let payments = html
        .split("<section id=\"payments\"")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap();
    for reading in &readings {
        let mut expected = reading.replace('`', "");
        for name in ["reconviction_reduction", "first_cohort", "second_cohort"] {
            expected = expected.replacen(name, &format!("<code>{name}</code>"), 1);
        }
        for date in ["2028-03-31", "2029-03-31"] {
            expected = expected.replace(date, &format!("<span class=\"nowrap\">{date}</span>"));
        }
        assert!(
            payments.contains(&format!("<li>{expected}</li>")),
            "{expected}\n{payments}"
        );
    }

    // The JSON holds the same readings, the one below every tier without a line.
    let json: serde_json::Value = serde_json::from_str(&report(&["--format", "json"])).unwrap();
    let tiers = json["payments"]["tiers"].as_array().unwrap();
    let got: Vec<(&str, &str, &str, i64)> = tiers
        .iter()
        .map(|t| {
            (
                t["cohort"].as_str().unwrap_or("(pooled)"),
                t["comparison"].as_str().unwrap(),
                t["result"].as_str().unwrap(),
                t["line"]["amount"]["minor_units"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("first_cohort", "46", "10", 25_000_000),
            ("second_cohort", "46", "4.347826", 0),
            ("(pooled)", "46", "11.956522", 10_000_000),
        ]
    );
    assert!(tiers[1]["line"].is_null());
}

// ---------------------------------------------------------------------------------------------
// the report

#[test]
fn every_row_read_is_accepted_or_rejected() {
    let report = report_json(&["--returns", RETURN]);
    let rows = &report["rows"];
    let read = rows["read"].as_u64().unwrap();
    assert_eq!(read, 39);
    assert_eq!(
        read,
        rows["accepted"].as_u64().unwrap()
            + rows["rejected"].as_u64().unwrap()
            + rows["after_report_date"].as_u64().unwrap()
    );
    assert_eq!(
        report["rejected"].as_array().unwrap().len() as u64,
        rows["rejected"].as_u64().unwrap()
    );
}

#[test]
fn the_sample_return_is_rejected_where_it_should_be() {
    let report = report_json(&["--returns", RETURN]);
    let reasons: Vec<(u64, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_u64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    for expected in [
        (16, "missing_evidence"),
        (22, "before_predecessor"),
        (24, "duplicate"),
        (29, "too_early"),
        (30, "unknown_stage"),
        (40, "outside_term"),
    ] {
        assert!(reasons.contains(&expected), "{expected:?} in {reasons:?}");
    }
}

/// The report's schema as a validator, having checked that `report` matches it.
fn valid_against(schema: &serde_json::Value, report: &serde_json::Value) -> jsonschema::Validator {
    let validator = jsonschema::validator_for(schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    validator
}

#[test]
fn the_json_report_matches_its_schema() {
    let schema = exits(&["schema", "--report"], 0).get_output().clone();
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(schema["title"], "Report");
    let report = report_json(&["--returns", RETURN, "--until", "2009-09-30"]);
    let validator = valid_against(&schema, &report);
    assert_eq!(report["until"], "2009-09-30");
    assert_eq!(report["version"], 1);
    assert!(schema["$id"]
        .as_str()
        .unwrap()
        .ends_with("/schema/report/v1.json"));
    // Closed: a member the schema does not describe is refused, at the top or deeper.
    let mut top = report.clone();
    top["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&top));
    let mut deep = report;
    deep["payments"]["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&deep));
}

/// The contract with groups.
const FAIR_CHANCE: &str = "specs/fair-chance.outcome";

/// A sample return of `participants` for the contract with groups (seed 7), in `scratch`:
/// its path.
fn fair_chance_sample(scratch: &Scratch, participants: u64) -> String {
    let sample = scratch.path("sample.csv");
    let sample = sample.to_str().unwrap().to_string();
    let participants = participants.to_string();
    exits(
        &[
            "returns",
            FAIR_CHANCE,
            "--participants",
            &participants,
            "--seed",
            "7",
            "-o",
            &sample,
        ],
        0,
    );
    sample
}

/// A contract with groups: the report's periods split by group and its groups set beside
/// their plan and cap are in the JSON as its schema describes them, and in the text report.
#[test]
fn a_report_with_groups_matches_its_schema_and_splits_each_period() {
    let scratch = Scratch::new("groups");
    let (spec, sample) = (FAIR_CHANCE, fair_chance_sample(&scratch, 300));
    let sample = sample.as_str();
    let schema = exits(&["schema", "--report"], 0).get_output().clone();
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    let run = exits(
        &["report", spec, "--returns", sample, "--format", "json"],
        0,
    );
    let report: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    let validator = valid_against(&schema, &report);
    let periods = report["payments"]["by_period"].as_array().unwrap();
    assert!(periods
        .iter()
        .all(|p| p["by_group"].as_array().unwrap().len() == 5));
    let groups = report["payments"]["by_group"].as_array().unwrap();
    assert_eq!(groups[0]["name"], "accommodation");
    assert_eq!(groups[0]["cap"]["minor_units"], 15_000_000);
    assert_eq!(
        groups[0]["cap_reached"], true,
        "300 young people pay beyond it"
    );
    assert_eq!(groups[0]["at_plan"]["minor_units"], 15_000_000);
    assert!(groups[1].get("cap").is_none(), "education has no cap");
    // Closed: a member the schema does not describe in a period's split is refused.
    let mut deep = report.clone();
    deep["payments"]["by_period"][0]["by_group"][0]["surprise"] = serde_json::json!(true);
    assert!(!validator.is_valid(&deep));

    let text = exits(&["report", spec, "--returns", sample], 0);
    let text = stdout(text.get_output());
    assert!(text.contains("accommodation"), "{text}");
    assert!(
        text.contains("£150,000 reached"),
        "the accommodation cap reached: {text}"
    );
}

/// The README's example of a report with groups is what the binary prints: the periods
/// split by group and the groups beside their plan, maximum and cap.
#[test]
fn the_readme_example_of_groups_is_what_the_report_prints() {
    let scratch = Scratch::new("groups-readme");
    let (spec, sample) = (FAIR_CHANCE, fair_chance_sample(&scratch, 120));
    let sample = sample.as_str();
    let run = exits(
        &["report", spec, "--returns", sample, "--until", "2015-12-31"],
        0,
    );
    let text = stdout(run.get_output());
    let shown = |from: &str, to: &str| -> String {
        let start = text.find(from).unwrap();
        let end = start + text[start..].find(to).unwrap();
        text[start..end].trim_end().to_string()
    };
    let readme = std::fs::read_to_string("README.md").unwrap();
    for part in [
        shown("  by period\n", "\n\n"),
        shown("  by group\n", "\n\n"),
    ] {
        assert!(readme.contains(&part), "the README shows:\n{part}");
    }
}

#[test]
fn json_lines_give_the_same_report_as_csv() {
    let scratch = Scratch::new("jsonl");
    let mut lines = String::new();
    for input in input::csv(std::fs::File::open(RETURN).unwrap()) {
        let Input::Row(row) = input else {
            panic!("the sample return has a malformed row")
        };
        let mut object = serde_json::json!({
            "participant": row.participant,
            "stage": row.stage,
            "date": row.date,
        });
        if let Some(evidence) = row.evidence {
            object["evidence"] = evidence.into();
        }
        lines.push_str(&object.to_string());
        lines.push('\n');
    }
    let path = scratch.file("return.ndjson", lines);
    let from_lines = report_json(&["--returns", path.to_str().unwrap()]);
    let from_csv = report_json(&["--returns", RETURN]);
    assert_eq!(from_lines["rows"]["read"], from_csv["rows"]["read"]);
    assert_eq!(from_lines["rows"]["accepted"], from_csv["rows"]["accepted"]);
    assert_eq!(
        from_lines["payments"]["total"],
        from_csv["payments"]["total"]
    );
}

#[test]
fn the_report_can_be_written_to_a_file() {
    let scratch = Scratch::new("output");
    let out = scratch.path("report.json");
    let written = out.to_str().unwrap();
    run_report(&["--returns", RETURN, "--format", "json", "-o", written], 0).stdout("");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(report["rows"]["read"], 39);
}

#[test]
fn the_html_report_is_a_page() {
    let page = stdout(run_report(&["--returns", RETURN, "--format", "html"], 0).get_output());
    assert!(
        page.starts_with("<!DOCTYPE html>"),
        "{}",
        &page[..100.min(page.len())]
    );
}

#[test]
fn explain_traces_a_participant_to_the_clauses_that_pay() {
    let text = stdout(run_report(&["--returns", RETURN, "--explain", "DS-001"], 0).get_output());
    assert!(text.contains("Accepted rows: 6"), "{text}");
    for (stage, clause) in [
        ("attend", "pay £100 for attend"),
        ("complete", "pay £500 for complete"),
        ("abstinent", "pay £3,000 for abstinent"),
    ] {
        let at = format!("drug-service.outcome:{}", line_of(clause));
        assert!(
            text.lines().any(|l| l.contains(stage) && l.contains(&at)),
            "{stage} paid by {at}:\n{text}"
        );
    }
}

#[test]
fn explain_shows_a_participants_rejected_rows_with_reasons() {
    let text = stdout(run_report(&["--returns", RETURN, "--explain", "DS-008"], 0).get_output());
    assert!(text.contains("Rejected rows: 1"), "{text}");
    assert!(
        text.contains("row 24") && text.contains("duplicate"),
        "{text}"
    );
}

#[test]
fn explain_with_another_format_is_refused() {
    run_report(
        &[
            "--returns",
            RETURN,
            "--explain",
            "DS-001",
            "--format",
            "json",
        ],
        2,
    );
}

// ---------------------------------------------------------------------------------------------
// generated returns

fn generated(participants: &str, seed: &str) -> Vec<u8> {
    let args = ["--participants", participants, "--seed", seed];
    run_returns(&args, 0).get_output().stdout.clone()
}

#[test]
fn a_generated_return_is_the_same_for_a_seed() {
    let first = generated("300", "5");
    assert_eq!(first, generated("300", "5"));
    assert_ne!(first, generated("300", "6"));
}

#[test]
fn a_generated_return_reads_back_without_a_malformed_row() {
    let bytes = generated("500", "3");
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    let rows = input::csv(bytes.as_slice());
    assert!(rows.header_problem().is_none());
    let mut count = 0;
    for input in rows {
        match input {
            Input::Row(row) => {
                count += 1;
                assert_eq!(row.number, count + 1);
            }
            Input::Malformed { number, reason } => panic!("row {number}: {reason}"),
        }
    }
    assert_eq!(count as usize, lines - 1);
    assert!(count >= 500);
}

#[test]
fn a_generated_return_is_reported_with_every_row_accounted_for() {
    let scratch = Scratch::new("generated");
    let path = scratch.path("sample.csv");
    let written = path.to_str().unwrap();
    run_returns(&["--participants", "400", "--seed", "9", "-o", written], 0).stdout("");
    let report = report_json(&["--returns", path.to_str().unwrap()]);
    let rows = &report["rows"];
    assert_eq!(
        rows["read"].as_u64().unwrap(),
        rows["accepted"].as_u64().unwrap() + rows["rejected"].as_u64().unwrap()
    );
    // The generator follows the contract: nothing it writes is malformed or unknown.
    for rejected in report["rejected"].as_array().unwrap() {
        let reason = rejected["reason"].as_str().unwrap();
        assert!(
            !matches!(
                reason,
                "malformed" | "unknown_stage" | "bad_date" | "outside_term"
            ),
            "{rejected}"
        );
    }
    // The cohort holds 100: the 300 who entered after it was full are turned away.
    let entered = report["funnels"][0]["stages"][0]["actual"]
        .as_u64()
        .unwrap();
    assert_eq!(entered, 100);
    assert_eq!(report["cohorts"][0]["turned_away"], 300);
}

#[test]
fn returns_defaults_to_the_planned_number_of_participants() {
    let run = run_returns(&[], 0);
    let enrolled = stdout(run.get_output())
        .lines()
        .filter(|l| l.contains(",enrol,"))
        .count();
    assert_eq!(enrolled, 100);
}

#[test]
fn the_report_command_is_in_the_help() {
    let help = stdout(exits(&["--help"], 0).get_output());
    assert!(
        help.contains("report") && help.contains("sample monitoring return"),
        "{help}"
    );
}

#[test]
fn the_readme_shows_the_report_the_sample_gives() {
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let command = format!("outcome report {SPEC} --returns {RETURN}\n");
    let after = readme
        .split("## Monitoring returns")
        .nth(1)
        .expect("the README has a section on monitoring returns");
    assert!(after.contains(&command), "the README shows `{command}`");
    let shown = after
        .split("```text\n")
        .nth(1)
        .and_then(|block| block.split("```").next())
        .expect("the section shows the report in a text block");
    let actual = stdout(run_report(&["--returns", RETURN], 0).get_output());
    assert_eq!(
        shown.trim_end(),
        actual.trim_end(),
        "the README's monitoring report has changed"
    );
}
