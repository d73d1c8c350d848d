//! `outcome diff OLD NEW`: the difference in meaning between two versions of a contract.
//!
//! Exit codes: 0 no difference in meaning, 1 differences, 2 could not run (a side that cannot
//! be read or does not check clean, with its diagnostics). Figures below are checked by hand.

mod common;
use common::{assert_hostile_text_defused, exits, outcome, RunAssert, Scratch, HOSTILE};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// One funnel of 20 → 10 → 5 people, no caps. By hand:
/// fixed fees 4 quarters × £1,000 = £4,000;
/// planned total cost £4,000 + 20 × £100 + 10 × £500 + 5 × £3,000 = £26,000;
/// rate card £100 + £500 + £3,000 = £3,600 a person; maximum exposure £4,000 + 20 × £3,600 =
/// £76,000; headroom £100,000 − £76,000 = £24,000; unit cost per target £26,000 ÷ 5 = £5,200.
const LADDER: &str = r#"contract "Ladder" {
  commissioner "Council"
  provider "Provider"
  term 2026-04-01 to 2027-03-31
  referrals until 2026-06-30
  funding limit £100,000
}
outcome employed "In work" { why "Income" }
cohort adults "Adults looking for work" { size 20 }
funnel jobs "Jobs" for adults {
  milestone enrol     "Enrolled"       20 { evidence "Referral form" }
  milestone job       "Job started"    10 conversion 50% within 3 months { evidence "Contract" }
  target    sustained "Job sustained"   5 conversion 50% within 6 months {
    achieves employed
    evidence "Payslips"
  }
}
payments {
  fixed £1,000 per quarter
  pay £100 for enrol
  pay £500 for job
  pay £3,000 for sustained
}
"#;

/// Both versions written to a scratch folder: the JSON diff, and the run's exit code.
fn diff_json(test: &str, old: &str, new: &str) -> (Vec<Value>, i32) {
    let scratch = Scratch::new(test);
    scratch.file("old.outcome", old);
    scratch.file("new.outcome", new);
    let output = scratch
        .outcome()
        .args(["diff", "old.outcome", "new.outcome", "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    (
        doc["changes"].as_array().unwrap().clone(),
        output.status.code().unwrap(),
    )
}

/// The change to `subject` (and `field`, if given): its old, new and difference.
fn change<'a>(changes: &'a [Value], subject: &str, field: Option<&str>) -> &'a Value {
    changes
        .iter()
        .find(|c| c["subject"] == subject && c["field"].as_str() == field)
        .unwrap_or_else(|| panic!("no change to {subject} {field:?} in {changes:#?}"))
}

fn shown(change: &Value) -> (&str, &str, &str) {
    (
        change["old"].as_str().unwrap_or(""),
        change["new"].as_str().unwrap_or(""),
        change["difference"].as_str().unwrap_or(""),
    )
}

#[test]
fn raising_one_price_shows_the_exact_change_in_exposure_and_planned_cost() {
    let raised = LADDER.replace("pay £500 for job", "pay £700 for job");
    let (changes, code) = diff_json("price", LADDER, &raised);
    assert_eq!(code, 1);
    let price = change(&changes, "stage `job` of funnel `jobs`", Some("price"));
    assert_eq!(shown(price), ("£500", "£700", "+£200"));
    assert_eq!(price["section"], "funnels");
    // 20 people × £200 more each at most; 10 people × £200 more at plan.
    let exposure = change(&changes, "maximum exposure", None);
    assert_eq!(shown(exposure), ("£76,000", "£80,000", "+£4,000"));
    let planned = change(&changes, "planned total cost", None);
    assert_eq!(shown(planned), ("£26,000", "£28,000", "+£2,000"));
    assert_eq!(
        shown(change(&changes, "headroom", None)),
        ("£24,000", "£20,000", "-£4,000")
    );
    assert_eq!(
        shown(change(
            &changes,
            "per-participant maximum, cohort `adults`",
            Some("rate card")
        )),
        ("£3,600", "£3,800", "+£200")
    );
    assert_eq!(
        shown(change(
            &changes,
            "unit cost per target for stage `sustained` of funnel `jobs`",
            Some("unit cost")
        )),
        ("£5,200", "£5,600", "+£400")
    );
    assert_eq!(
        shown(change(&changes, "by contract year, year 1", Some("total"))),
        ("£26,000", "£28,000", "+£2,000")
    );
    // The headline figures come first among the figures.
    let figures: Vec<&str> = changes
        .iter()
        .filter(|c| c["section"] == "figures")
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        figures[..3],
        ["maximum exposure", "headroom", "planned total cost"]
    );
}

/// With groups, a year's figures are compared group by group, each named with its year: a
/// dearer qualification (Fair Chance, planned in years 2 and 3) moves only education's years.
#[test]
fn a_year_by_group_is_compared_group_by_group() {
    let old = std::fs::read_to_string("specs/fair-chance.outcome").unwrap();
    let new = old.replace(
        "pay £1,500 for qualification",
        "pay £2,000 for qualification",
    );
    assert_ne!(old, new);
    let (changes, code) = diff_json("year-groups", &old, &new);
    assert_eq!(code, 1);
    // 20 × £500 more at plan: £10,000, shared as education's £30,000 of qualifications was.
    let year_2 = change(
        &changes,
        "by contract year, year 2, group `education`",
        Some("at plan"),
    );
    let year_3 = change(
        &changes,
        "by contract year, year 3, group `education`",
        Some("at plan"),
    );
    let plus = |c: &Value| -> i128 {
        c["difference"]
            .as_str()
            .unwrap()
            .trim_start_matches("+£")
            .replace([',', '.'], "")
            .parse()
            .unwrap()
    };
    assert_eq!(plus(year_2) + plus(year_3), 1_000_000);
    assert!(
        !changes.iter().any(|c| c["subject"]
            .as_str()
            .unwrap()
            .contains("group `employment`")),
        "{changes:#?}"
    );
}

#[test]
fn a_renamed_stage_is_one_change_and_its_references_follow_it() {
    let renamed = LADDER
        .replace("milestone job ", "milestone hired ")
        .replace("pay £500 for job", "pay £500 for hired");
    let (changes, code) = diff_json("rename-stage", LADDER, &renamed);
    assert_eq!(code, 1);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["kind"], "renamed");
    assert_eq!(changes[0]["subject"], "stage `job` of funnel `jobs`");
    assert_eq!(shown(&changes[0]), ("job", "hired", ""));
}

#[test]
fn a_renamed_outcome_with_the_same_statement_is_one_change() {
    let renamed = LADDER
        .replace("outcome employed ", "outcome in_work ")
        .replace("achieves employed", "achieves in_work");
    let (changes, code) = diff_json("rename-outcome", LADDER, &renamed);
    assert_eq!(code, 1);
    assert_eq!(changes.len(), 1, "{changes:#?}");
    assert_eq!(changes[0]["kind"], "renamed");
    assert_eq!(changes[0]["subject"], "outcome `employed`");
}

#[test]
fn a_stage_with_a_new_name_and_new_content_is_removed_and_added() {
    let replaced = LADDER
        .replace(
            "milestone job       \"Job started\"",
            "milestone offer     \"Job offered\"",
        )
        .replace("pay £500 for job", "pay £500 for offer");
    let (changes, _) = diff_json("replace-stage", LADDER, &replaced);
    let kinds: Vec<(&str, &str)> = changes
        .iter()
        .filter(|c| c["section"] == "funnels")
        .map(|c| (c["kind"].as_str().unwrap(), c["subject"].as_str().unwrap()))
        .collect();
    assert!(
        kinds.contains(&("added", "stage `offer` of funnel `jobs`")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("removed", "stage `job` of funnel `jobs`")),
        "{kinds:?}"
    );
}

#[test]
fn header_changes_are_shown_with_their_difference() {
    let varied = LADDER
        .replace("funding limit £100,000", "funding limit £90,000")
        .replace("to 2027-03-31", "to 2027-09-30")
        .replace("referrals until 2026-06-30", "referrals until 2026-09-30");
    let (changes, _) = diff_json("header", LADDER, &varied);
    assert_eq!(
        shown(change(&changes, "contract", Some("funding limit"))),
        ("£100,000", "£90,000", "-£10,000")
    );
    assert_eq!(
        shown(change(&changes, "contract", Some("term end"))),
        ("2027-03-31", "2027-09-30", "")
    );
    assert_eq!(
        shown(change(&changes, "contract", Some("referrals until"))),
        ("2026-06-30", "2026-09-30", "")
    );
    // Two more quarters of the fixed fee: £6,000 in all, and the headroom shrinks by £12,000.
    assert_eq!(
        shown(change(&changes, "fixed fees", None)),
        ("£4,000", "£6,000", "+£2,000")
    );
    assert_eq!(
        shown(change(&changes, "headroom", None)),
        ("£24,000", "£12,000", "-£12,000")
    );
}

#[test]
fn stage_fields_caps_payers_and_bonuses_are_compared() {
    let varied = LADDER
        .replace(
            "milestone job       \"Job started\"    10 conversion 50% within 3 months",
            "milestone job       \"Job started\"    12 conversion 60% within 4 months",
        )
        .replace("sustained \"Job sustained\"   5", "sustained \"Job sustained\"   6")
        .replace("evidence \"Payslips\"", "evidence \"Payslips and a letter\"")
        .replace(
            "  pay £3,000 for sustained\n",
            "  pay £3,000 for sustained\n  cap £3,000 per participant\n  bonus £1,000 if sustained >= 7\n  payer \"Fund\" pays 40%\n  payer \"Council\" pays the rest\n",
        );
    let (changes, _) = diff_json("stage-fields", LADDER, &varied);
    let job = "stage `job` of funnel `jobs`";
    assert_eq!(
        shown(change(&changes, job, Some("expected"))),
        ("10", "12", "+2")
    );
    assert_eq!(
        shown(change(&changes, job, Some("stated conversion"))),
        ("50%", "60%", "+10 points")
    );
    assert_eq!(
        shown(change(&changes, job, Some("time latest"))),
        ("3 months from entry", "4 months from entry", "")
    );
    assert_eq!(
        shown(change(
            &changes,
            "stage `sustained` of funnel `jobs`",
            Some("evidence")
        )),
        ("Payslips", "Payslips and a letter", "")
    );
    let added: Vec<&str> = changes
        .iter()
        .filter(|c| c["kind"] == "added" && c["section"] == "payments")
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        added,
        [
            "per-participant cap",
            "bonus on `sustained`",
            "payer `Fund`",
            "payer `Council`"
        ]
    );
    assert_eq!(
        change(&changes, "binding caps", None)["new"],
        "per participant"
    );
    // A payer's share moves in points, as other percentages do.
    let (changes, _) = diff_json(
        "payer-share",
        &varied,
        &varied.replace("payer \"Fund\" pays 40%", "payer \"Fund\" pays 45%"),
    );
    assert_eq!(
        shown(change(&changes, "payer `Fund`", Some("share"))),
        ("40%", "45%", "+5 points")
    );
}

/// Exclusive alternatives are shown one by one, and the order they are written in is no
/// difference.
#[test]
fn exclusive_alternatives_are_compared_as_routes() {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/rough-sleeping.outcome"
    ))
    .unwrap();
    let routes = "exclusive (housed, sustained_3m, sustained_6m, sustained_12m, sustained_18m)\n  or (reconnected, reconnection_held)";
    assert!(spec.contains(routes));
    let swapped = spec.replace(
        routes,
        "exclusive (reconnected, reconnection_held) or (housed, sustained_3m, sustained_6m, sustained_12m, sustained_18m)",
    );
    let (changes, code) = diff_json("exclusive-swapped", &spec, &swapped);
    assert_eq!((changes.len(), code), (0, 0), "{changes:#?}");
    let moved = spec.replace(
        routes,
        "exclusive (housed, sustained_3m, sustained_6m, sustained_12m) or (sustained_18m, reconnected, reconnection_held)",
    );
    let (changes, code) = diff_json("exclusive-moved", &spec, &moved);
    assert_eq!(code, 1);
    assert_eq!(
        shown(change(&changes, "exclusive", None)).1,
        "alternatives (housed, sustained_3m, sustained_6m, sustained_12m) or (sustained_18m, reconnected, reconnection_held)"
    );
}

#[test]
fn a_contract_and_its_formatted_copy_with_other_comments_have_no_difference() {
    let scratch = Scratch::new("layout");
    let messy = format!(
        "# a comment that goes\n{}",
        LADDER
            .replace("  pay £100 for enrol", "pay   £100   for enrol   # the fee")
            .replace("{ size 20 }", "{\n      size 20\n}")
    );
    scratch.file("old.outcome", &messy);
    scratch.file("new.outcome", &messy);
    scratch
        .outcome()
        .args(["fmt", "new.outcome"])
        .assert()
        .code(0);
    let formatted = scratch.read("new.outcome");
    assert_ne!(
        formatted, messy,
        "fmt must change the layout for the test to mean anything"
    );
    scratch.file(
        "new.outcome",
        formatted.replace("# the fee", "# a new comment\n  # and another"),
    );
    scratch
        .outcome()
        .args(["diff", "old.outcome", "new.outcome"])
        .assert()
        .code(0)
        .stdout("no difference in meaning between `old.outcome` and `new.outcome`\n");
}

#[test]
fn every_spec_has_no_difference_with_itself() {
    for spec in common::spec_files() {
        // A shared file holds no contract to compare.
        if !std::fs::read_to_string(&spec)
            .unwrap()
            .contains("\ncontract \"")
        {
            continue;
        }
        let spec = spec.to_str().unwrap();
        exits(&["diff", spec, spec], 0);
    }
}

#[test]
fn the_json_matches_the_published_schema_and_is_deterministic() {
    let scratch = Scratch::new("schema");
    scratch.file("old.outcome", LADDER);
    scratch.file(
        "new.outcome",
        LADDER
            .replace("pay £500 for job", "pay £700 for job")
            .replace("milestone enrol ", "milestone joined ")
            .replace("for enrol", "for joined")
            .replace("  fixed £1,000 per quarter\n", ""),
    );
    let schema = outcome().args(["schema", "--diff"]).output().unwrap();
    let schema: Value = serde_json::from_slice(&schema.stdout).unwrap();
    let run = || {
        scratch
            .outcome()
            .args(["diff", "old.outcome", "new.outcome", "--format", "json"])
            .output()
            .unwrap()
    };
    let (first, second) = (run(), run());
    assert_eq!(first.stdout, second.stdout);
    let doc: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(schema["additionalProperties"], false);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(doc["changes"].as_array().unwrap().len() > 3);
}

#[test]
fn markdown_and_html_show_the_changes_with_contract_text_made_inert() {
    let scratch = Scratch::new("formats");
    scratch.file("old.outcome", LADDER);
    scratch.file(
        "new.outcome",
        LADDER
            .replace("pay £500 for job", "pay £700 for job")
            .replace(
                "\"Payslips\"",
                &format!("\"| {} [x](y)\"", HOSTILE.replace('"', "")),
            ),
    );
    let markdown = scratch
        .outcome()
        .args(["diff", "old.outcome", "new.outcome", "--format", "markdown"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let markdown = String::from_utf8(markdown).unwrap();
    assert!(markdown.starts_with("## Contract variation: old.outcome → new.outcome\n"));
    assert!(markdown.contains("| What | Old | New | Difference |\n|---|---|---|---|\n"));
    assert!(markdown.contains("| maximum exposure | £76,000 | £80,000 | +£4,000 |"));
    // Every row has its four cells: the `|` in the evidence is escaped, as is the link.
    for row in markdown.lines().filter(|l| l.starts_with("| ")) {
        assert_eq!(row.replace("\\|", "").matches('|').count(), 5, "{row}");
    }
    assert!(markdown.contains("\\[x\\]\\(y\\)"));
    // Names are code spans, as in the HTML's `<code>`; contract text is escaped around them.
    assert!(
        markdown.contains("| stage `job` of funnel `jobs`, price | £500 | £700 |"),
        "{markdown}"
    );
    assert!(!markdown.contains("\\`"), "{markdown}");
    // Every `<` is escaped, so no HTML reaches the comment.
    assert!(!markdown.replace("\\<", "").contains('<'));

    let html = scratch
        .outcome()
        .args(["diff", "old.outcome", "new.outcome", "--format", "html"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let html = String::from_utf8(html).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h1>Variation schedule: old.outcome → new.outcome</h1>"));
    assert!(html.contains("<td class=\"figure\">+£4,000</td>"));
    assert!(html.contains("<td>stage <code>job</code>"), "{html}");
    assert_hostile_text_defused(&html);

    scratch
        .outcome()
        .args(["diff", "old.outcome", "new.outcome"])
        .assert()
        .code(1)
        .stdout_has(&[
            "`old.outcome` → `new.outcome`: ",
            "\nFigures\n  maximum exposure: £76,000 → £80,000 (+£4,000)\n",
        ]);
}

#[test]
fn a_side_with_errors_gets_its_diagnostics_and_exit_2() {
    let scratch = Scratch::new("errors");
    scratch.file("old.outcome", LADDER);
    scratch.file(
        "new.outcome",
        LADDER.replace("pay £500 for job", "pay £500 for jobb"),
    );
    scratch
        .outcome()
        .args(["diff", "old.outcome", "new.outcome"])
        .assert()
        .code(2)
        .stdout("")
        .stderr_has(&["jobb", "not compared: `new.outcome` has 1 error"]);
    scratch
        .outcome()
        .args(["diff", "old.outcome", "missing.outcome"])
        .assert()
        .code(2)
        .stderr_has(&["missing.outcome"]);
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn a_side_can_be_a_file_at_a_git_revision() {
    let scratch = Scratch::new("git");
    let repo = scratch.path("repo");
    std::fs::create_dir_all(repo.join("contracts")).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("contracts/c.outcome"), LADDER).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "v1"]);
    std::fs::write(
        repo.join("contracts/c.outcome"),
        LADDER.replace("pay £500 for job", "pay £700 for job"),
    )
    .unwrap();
    scratch.file("outside.outcome", LADDER);
    let diff = |dir: &Path, args: &[&str]| {
        let mut command = assert_cmd::Command::cargo_bin("outcome").unwrap();
        command.current_dir(dir).arg("diff").args(args);
        command.assert()
    };
    diff(&repo, &["HEAD:contracts/c.outcome", "contracts/c.outcome"])
        .code(1)
        .stdout_has(&["maximum exposure: £76,000 → £80,000 (+£4,000)"]);
    // PATH is taken from the current folder, as a file argument is.
    diff(
        &repo.join("contracts"),
        &["HEAD:c.outcome", "HEAD:./c.outcome"],
    )
    .code(0);
    diff(&repo.join("contracts"), &["HEAD:c.outcome", "c.outcome"]).code(1);
    // Never outside the repository holding the current folder.
    diff(&repo, &["HEAD:../outside.outcome", "contracts/c.outcome"])
        .code(2)
        .stderr_has(&["leads outside the repository"]);
    diff(&repo, &["--", "--output=/tmp/x:c", "contracts/c.outcome"])
        .code(2)
        .stderr_has(&["cannot start with `-`"]);
    diff(&repo, &["HEAD:contracts", "contracts/c.outcome"])
        .code(2)
        .stderr_has(&["is not a file at `HEAD`"]);
    diff(
        &repo,
        &["nosuchrev:contracts/c.outcome", "contracts/c.outcome"],
    )
    .code(2)
    .stderr_has(&["`git cat-file -t nosuchrev:contracts/c.outcome` failed"]);
    // A file the contract uses is read from the same revision.
    std::fs::write(
        repo.join("contracts/framework.outcome"),
        "outcome employed \"In work\" { why \"Income\" }\n",
    )
    .unwrap();
    let using = LADDER.replace(
        "outcome employed \"In work\" { why \"Income\" }\n",
        "use \"framework.outcome\"\n",
    );
    std::fs::write(repo.join("contracts/c.outcome"), &using).unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-qm", "v2"]);
    diff(&repo, &["HEAD:contracts/c.outcome", "contracts/c.outcome"]).code(0);
    std::fs::write(
        repo.join("contracts/framework.outcome"),
        "outcome employed \"In paid work\" { why \"Income\" }\n",
    )
    .unwrap();
    diff(&repo, &["HEAD:contracts/c.outcome", "contracts/c.outcome"])
        .code(1)
        .stdout_has(&["outcome `employed`, statement: In work → In paid work"]);
    // Moving a declaration into a shared file is shown as where it now comes from.
    diff(
        &repo,
        &["HEAD~1:contracts/c.outcome", "HEAD:contracts/c.outcome"],
    )
    .code(1)
    .stdout_has(&["outcome `employed`, from: none → contracts/framework.outcome"]);
    // Outside any repository there is nothing to read a revision from.
    diff(&scratch.0, &["HEAD:outside.outcome", "outside.outcome"])
        .code(2)
        .stderr_has(&["is in no git repository"]);
}

#[test]
fn group_caps_and_tiers_are_compared_with_what_they_move() {
    let spec = |name: &str| std::fs::read_to_string(format!("specs/{name}.outcome")).unwrap();
    // fair-chance: the accommodation group's cap binds at plan and at the maximum, so
    // lowering it by £10,000 lowers both by £10,000 (the spec's header works them out).
    let (changes, code) = diff_json(
        "group-cap",
        &spec("fair-chance"),
        &spec("fair-chance").replace("cap £150,000 {", "cap £140,000 {"),
    );
    assert_eq!(code, 1);
    assert_eq!(
        shown(change(&changes, "group `accommodation`", Some("cap"))),
        ("£150,000", "£140,000", "-£10,000")
    );
    assert_eq!(
        shown(change(&changes, "maximum exposure", None)),
        ("£700,000", "£690,000", "-£10,000")
    );
    assert_eq!(
        shown(change(&changes, "planned total cost", None)),
        ("£255,000", "£245,000", "-£10,000")
    );
    // reoffending: the top tier of the per-cohort schedule, paid once per cohort (two).
    let (changes, _) = diff_json(
        "tiers",
        &spec("reoffending"),
        &spec("reoffending").replace("from 12.5% pays £350,000", "from 12.5% pays £400,000"),
    );
    let tiers = "tiers on `reconviction_reduction` per cohort";
    assert_eq!(
        shown(change(&changes, tiers, Some("tiers"))),
        (
            "from 7.5% pays £150,000, from 10% pays £250,000, from 12.5% pays £350,000",
            "from 7.5% pays £150,000, from 10% pays £250,000, from 12.5% pays £400,000",
            ""
        )
    );
    assert_eq!(
        shown(change(&changes, tiers, Some("maximum"))),
        ("£700,000", "£800,000", "+£100,000")
    );
    assert_eq!(
        shown(change(&changes, "tiers maximum", None)),
        ("£900,000", "£1,000,000", "+£100,000")
    );
}

/// `outcome diff --format json` of two files under `specs/`: the changes and the exit code.
fn spec_diff(old: &str, new: &str) -> (Vec<Value>, i32) {
    let output = outcome()
        .args(["diff", old, new, "--format", "json"])
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    (
        doc["changes"].as_array().unwrap().clone(),
        output.status.code().unwrap(),
    )
}

/// The three payment plans of `specs/variations/`, planned at £2,375,151, £2,243,063 and
/// £1,867,576 (a published Life Chances Fund project's three plans), checked by hand.
#[test]
fn the_three_payment_plans_differ_by_what_each_variation_changed() {
    let plan = |n: u8| format!("specs/variations/moving-on-v{n}.outcome");

    // Plan 1 → 2: volumes re-profiled, prices unchanged. Fewer at each paid stage:
    // 34 × £450 + 14 × £1,000 + 12 × £1,500 + 9 × £2,124 + 16 × £750 + 12 × £1,250
    // + 8 × £2,000 + 16 × £1,417 = £132,088.
    let (changes, code) = spec_diff(&plan(1), &plan(2));
    assert_eq!(code, 1);
    assert_eq!(
        shown(change(&changes, "planned total cost", None)),
        ("£2,375,151", "£2,243,063", "-£132,088")
    );
    assert_eq!(
        shown(change(&changes, "cohort `care_leavers`", Some("size"))),
        ("600", "560", "-40")
    );
    for (stage, old, new, fewer) in [
        ("engaged", "544", "510", "-34"),
        ("housed", "314", "300", "-14"),
        ("housed_6m", "252", "240", "-12"),
        ("housed_12m", "183", "174", "-9"),
        ("eet_start", "256", "240", "-16"),
        ("eet_13w", "192", "180", "-12"),
        ("eet_26w", "148", "140", "-8"),
        ("wellbeing_up", "227", "211", "-16"),
    ] {
        let subject = format!("stage `{stage}` of funnel `moving_on`");
        assert_eq!(
            shown(change(&changes, &subject, Some("expected"))),
            (old, new, fewer)
        );
    }
    assert_eq!(
        shown(change(&changes, "contract", Some("referrals until"))),
        ("2021-09-30", "2022-03-31", "")
    );
    // The fund pays 30% of each plan: £712,545.30 held to its £712,545 award, then
    // £672,918.90; the council the rest.
    assert_eq!(
        shown(change(
            &changes,
            "by payer `Life Chances Fund`",
            Some("at plan")
        )),
        ("£712,545", "£672,918.90", "-£39,626.10")
    );
    assert_eq!(
        shown(change(
            &changes,
            "by payer `Castlebrook County Council`",
            Some("at plan")
        )),
        ("£1,662,606", "£1,570,144.10", "-£92,461.90")
    );
    // No price, no cap and no payer rule changed; the maximum stays at the £2,500,000 cap.
    assert!(changes.iter().all(|c| c["field"] != "price"));
    assert!(changes.iter().all(|c| c["section"] != "payments"));
    assert!(!changes.iter().any(|c| c["subject"] == "maximum exposure"));

    // Plan 2 → 3: the wellbeing target removed (211 × £1,417 = £298,987) and engagement
    // cut by £150 for 510 young people (£76,500): £375,487.
    let (changes, code) = spec_diff(&plan(2), &plan(3));
    assert_eq!(code, 1);
    assert_eq!(
        shown(change(&changes, "planned total cost", None)),
        ("£2,243,063", "£1,867,576", "-£375,487")
    );
    assert_eq!(
        shown(change(
            &changes,
            "stage `engaged` of funnel `moving_on`",
            Some("price")
        )),
        ("£450", "£300", "-£150")
    );
    let removed = change(&changes, "stage `wellbeing_up` of funnel `moving_on`", None);
    assert_eq!(removed["kind"], "removed");
    // The rate card loses £150 + £1,417 = £1,567.
    assert_eq!(
        shown(change(
            &changes,
            "per-participant maximum, cohort `care_leavers`",
            Some("rate card")
        )),
        ("£10,491", "£8,924", "-£1,567")
    );
    assert_eq!(
        shown(change(&changes, "payer `Life Chances Fund`", Some("cap"))),
        ("£712,545", "£560,272", "-£152,273")
    );
    // 30% of £1,867,576 is £560,272.80, held to the new award: £672,918.90 − £560,272.
    assert_eq!(
        shown(change(
            &changes,
            "by payer `Life Chances Fund`",
            Some("at plan")
        )),
        ("£672,918.90", "£560,272", "-£112,646.90")
    );
    // Unit cost per target: £2,243,063 ÷ 174 = £12,891.17, £1,867,576 ÷ 174 = £10,733.20.
    assert_eq!(
        shown(change(
            &changes,
            "unit cost per target for stage `housed_12m` of funnel `moving_on`",
            Some("unit cost")
        )),
        ("£12,891.17", "£10,733.20", "-£2,157.97")
    );
    // The wellbeing outcome stays, tracked by its measure, but no target achieves it now.
    assert_eq!(
        shown(change(&changes, "outcome `wellbeing`", Some("achieved by"))),
        ("wellbeing_up", "none", "")
    );
    // Nothing else about the stages changed: the volumes are plan 2's.
    assert!(
        !changes
            .iter()
            .any(|c| c["field"] == "expected"
                && c["subject"].as_str().unwrap().starts_with("stage `"))
    );

    // Over both variations, −£132,088 − £375,487 = −£507,575.
    let (changes, _) = spec_diff(&plan(1), &plan(3));
    assert_eq!(
        shown(change(&changes, "planned total cost", None)),
        ("£2,375,151", "£1,867,576", "-£507,575")
    );
}
