//! The HTML contract schedule (`outcome build --format html`).
//!
//! - every spec's document is snapshot-tested (`specs/` and its folders), and so is a
//!   contract that uses every payment rule;
//! - hostile text in every text field comes out escaped;
//! - the same contract gives the same bytes;
//! - the structure tests count charts and bars, and look for anything that could reach the
//!   network;
//! - a real browser (headless Chromium) prints the document to PDF, takes a screenshot and
//!   dumps the DOM after load, with name resolution disabled and a network log recorded.
//!
//! The browser test needs `/usr/bin/chromium` (Debian package `chromium`). Without it the test
//! fails, unless `OUTCOME_SKIP_BROWSER=1` is set, when it says it is skipping.
//!
//! The README's screenshots are rendered, and kept up to date, by `tests/gallery.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod common;

use assert_cmd::Command;
use common::{
    assert_hostile_text_defused, assert_labels_clear, assert_screenshot,
    assert_text_within_view_box, branches, charts, chromium, chromium_available, drawn_under,
    funnel_charts, page_requests, pdf_pages, render_in_chromium, spec_files, stage_bars,
    target_dir, Scratch, ESCAPED, HOSTILE,
};
use outcome::emit::html::Paper;
use outcome::model::Contract;
use outcome::workspace::Workspace;
use std::path::{Path, PathBuf};

const DRUG_SERVICE: &str = "specs/drug-service.outcome";

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The schedule on A4, the paper every test but the printing one uses.
fn document(contract: &Contract) -> String {
    outcome::emit::html::document(contract, Paper::A4)
}

/// Compile contract text that must check without errors.
fn contract(name: &str, text: &str) -> Contract {
    let file = outcome::syntax::decode(name, text.as_bytes()).unwrap();
    let compiled = outcome::compile(&file);
    assert!(
        !compiled.has_errors(),
        "{name} has errors: {:#?}",
        compiled.diagnostics
    );
    *compiled.contract.unwrap()
}

fn spec(path: &str) -> Contract {
    let text = std::fs::read_to_string(manifest_dir().join(path)).unwrap();
    contract(path, &text)
}

/// Every contract under `specs/` (the files there and in its folders, which may `use` shared
/// frameworks) that compiles without errors, named by its path below `specs/` without the
/// extension (`drug-service`, `borough-family-support`), sorted by path. Files that hold no
/// contract (shared frameworks) are left out.
fn clean_specs() -> Vec<(String, Contract)> {
    let root = manifest_dir().join("specs");
    let mut specs = Vec::new();
    for path in spec_files() {
        let mut workspace = Workspace::for_path(&path).unwrap();
        let loaded = workspace.load(&path).unwrap();
        if let Some(contract) = &loaded.compiled.contract {
            let name = path
                .strip_prefix(&root)
                .unwrap()
                .with_extension("")
                .to_string_lossy()
                .replace(['/', '\\'], "-");
            specs.push((name, (**contract).clone()));
        }
    }
    assert!(specs.iter().any(|(name, _)| name == "drug-service"));
    specs
}

/// A contract that uses every kind of payment rule, two cohorts and a funnel with branches,
/// so that every subsection of the schedule is written.
const EVERY_RULE: &str = r#"
contract "Rough Sleeping Outcomes Partnership" {
  commissioner "Riverside City Council"
  commissioner "National Outcomes Fund"
  provider "Open Door Housing"
  provider "Second Step Employment"
  term 2026-04-01 to 2029-03-31
  referrals from 2026-04-01 until 2028-01-31
  referrals per quarter 5%, 10%, 15%, 15%, 15%, 15%, 15%, 10%
  funding limit £2,000,000
  boundary "People sleeping rough in the city for at least two weeks"
}

outcome housed "People sleeping rough are housed for good" {
  why "A stable home is the foundation for health, work and safety"
  level population
}

outcome working "People formerly sleeping rough are in work" {
  level service
}

cohort entrenched "Entrenched rough sleepers" {
  size 120
  eligibility "Seen sleeping rough on at least five outreach shifts in three months"
}

cohort young "Young people aged 18 to 25 sleeping rough" {
  size 60
}

funnel housing "Into a home and keeping it" for entrenched {
  milestone engaged  "Engaged with a key worker"       120
  milestone tenancy  "Tenancy started"                  90  conversion 75%  within 6 months {
    evidence "Signed tenancy agreement"
  }
  milestone three    "Tenancy sustained 3 months"       70  within 9 months {
    evidence "Landlord confirmation"
  }
  target twelve "Tenancy sustained 12 months" 50 within 12 months {
    achieves housed
    evidence "Landlord confirmation and rent account"
    eligible only if age_at_start >= 26
  }
}

funnel jobs "Into work" for young {
  milestone enrolled "Enrolled in employment support" 60
  milestone job      "Job started"                    30  conversion 50% {
    evidence "Employment contract"
  }
  milestone training "Accredited training completed"  24  after enrolled {
    evidence "Certificate"
  }
  target sustained "Job sustained 26 weeks"            18  after job, training within 12 months {
    achieves working
    evidence "Employer letter or payslips"
  }
}

measure reduction "Reduction in people seen sleeping rough" {
  question better_off
  tracks housed
  unit "percent of the 2025 count"
  baseline 0% in 2025
  target 25% by 2029
  compared with "Neighbouring authorities of similar size"
}

measure sustainment "Tenancies sustained for 12 months" {
  question how_well
  tracks housed
  unit "percent of tenancies started"
  collected_by provider
  frequency quarterly
  baseline 45% in 2025
  target 70% by 2029
}

measure contacts "Outreach contacts made" {
  question how_much
  unit "contacts"
  collected_by "Outreach team"
  method "Street outreach log"
  frequency monthly
}

payments {
  fixed £20,000 per quarter in year 1
  fixed 10% of the per-participant maximum in year 1, 5% in year 2
  pay £1,500 for tenancy due monthly in arrears
  pay £2,000 for three
  pay £4,000 for twelve
  pay £1,000 for job
  pay £800 for training
  pay £3,500 for sustained
  exclusive job or training
  cap £7,500 per participant
  cap £900,000 on outcome payments
  cap £1,400,000 total
  bonus £50,000 if twelve >= 60
  penalty 5% of outcome payments if sustainment < 50% assessed annually from year 2
  tiers on reduction pooled {
    below 10% pays nothing
    from 10% pays £20,000
    from 20% pays £40,000
  }
  payer "National Outcomes Fund" pays 40% up to £600,000
  payer "Riverside City Council" pays the rest
  deadweight 1 in 6
}

monitoring {
  returns monthly from "CHAIN", "Open Door case records"
  exception_report monthly
  review quarterly
  tolerance 10%
}
"#;

// ---------------------------------------------------------------------------------------------
// snapshots

#[test]
fn every_spec_matches_its_snapshot() {
    for (stem, contract) in clean_specs() {
        insta::assert_snapshot!(stem.as_str(), document(&contract));
    }
}

#[test]
fn every_payment_rule_matches_its_snapshot() {
    insta::assert_snapshot!("every-rule", document(&contract("every-rule", EVERY_RULE)));
}

// ---------------------------------------------------------------------------------------------
// escaping

/// `EVERY_RULE`-like contract with the hostile text in every text field.
fn hostile_contract() -> String {
    let t = format!("\"\"\"{HOSTILE}\"\"\"");
    format!(
        r#"
contract {t} {{
  commissioner {t}
  provider {t}
  term 2026-04-01 to 2027-03-31
  funding limit £100,000
  boundary {t}
}}

outcome better {t} {{
  why {t}
  level service
}}

cohort people {t} {{
  size 10
  eligibility {t}
}}

funnel path {t} for people {{
  milestone start {t} 10 {{
    evidence {t}
  }}
  target done {t} 5 conversion 50% {{
    achieves better
    evidence {t}
  }}
}}

measure rate {t} {{
  question better_off
  tracks better
  unit {t}
  collected_by {t}
  method {t}
  frequency monthly
  baseline 10% in 2025
  target 20% by 2027
  compared with {t}
}}

payments {{
  pay £1,000 for done
  cap £50,000 total
  payer {t} pays the rest
}}

monitoring {{
  returns monthly from {t}, {t}
}}
"#
    )
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let html = document(&contract("hostile", &hostile_contract()));
    assert_hostile_text_defused(&html);

    // The text itself is there, escaped, from every field: title (twice in the head and the
    // running header, once in the h1), commissioner, provider, boundary, outcome statement
    // and why, cohort description and eligibility, funnel and stage descriptions, evidence,
    // measure fields, payer and monitoring sources.
    let found = html.matches(ESCAPED).count();
    assert!(found >= 20, "escaped text found {found} times");
}

/// Every right-to-left isolate the writer opens is closed, and no other bidirectional
/// formatting character is in the document: user text cannot reorder anything outside itself.
fn assert_bidi_isolated(html: &str) {
    for control in [
        '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2068}',
    ] {
        assert!(!html.contains(control), "a raw {control:?} got through");
    }
    let mut open = false;
    for ch in html.chars() {
        match ch {
            '\u{2067}' => {
                assert!(!open, "an isolate opened inside another");
                open = true;
            }
            '\u{2069}' => {
                assert!(open, "an isolate closed that was not opened");
                open = false;
            }
            '<' | '>' => assert!(!open, "an isolate spans markup"),
            _ => {}
        }
    }
    assert!(!open, "an isolate left open");
}

/// A right-to-left override in a stage description showed the figures after it backwards
/// (`£1,075` as `570,1£`); Hebrew text moved a figure after it to its left.
#[test]
fn bidi_overrides_in_user_text_cannot_reorder_the_schedule() {
    let text = EVERY_RULE
        .replace(
            "\"People sleeping rough in the city for at least two weeks\"",
            "\"Rough sleepers \u{202e} in the city\"",
        )
        .replace(
            "\"A stable home is the foundation for health, work and safety\"",
            "\"בית 2026 יציב\"",
        );
    let html = document(&contract("bidi", &text));
    assert_bidi_isolated(&html);
    assert!(html.contains("Rough sleepers \\u{202e} in the city"));
    assert!(html.contains("\u{2067}בית 2026 יציב\u{2069}"));
    assert_hostile_text_defused(&html);
}

// ---------------------------------------------------------------------------------------------
// determinism

#[test]
fn the_same_contract_gives_the_same_bytes() {
    for (stem, contract) in clean_specs() {
        assert_eq!(document(&contract), document(&contract), "{stem}");
    }
    let first = document(&contract("every-rule", EVERY_RULE));
    let second = document(&contract("every-rule", EVERY_RULE));
    assert_eq!(first, second);

    let build = || {
        Command::cargo_bin("outcome")
            .unwrap()
            .current_dir(manifest_dir())
            .args(["build", DRUG_SERVICE, "--format", "html"])
            .output()
            .unwrap()
    };
    let (a, b) = (build(), build());
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stdout, document(&spec(DRUG_SERVICE)).into_bytes());
}

// ---------------------------------------------------------------------------------------------
// structure

fn assert_structure(name: &str, html: &str, contract: &Contract) {
    let lower = html.to_lowercase();
    assert!(html.starts_with("<!DOCTYPE html>\n"), "{name}");
    assert!(html.ends_with("</html>\n"), "{name}");
    for banned in [
        "<script", "http://", "https://", "url(", "@import", "<img", "<link",
    ] {
        assert!(!lower.contains(banned), "{name} contains `{banned}`");
    }
    assert_eq!(html.matches("<h1").count(), 1, "{name}: one h1");

    let charts = funnel_charts(html);
    assert_eq!(
        charts.len(),
        contract.funnels.len(),
        "{name}: one chart per funnel"
    );
    // And the planned cash flow, when the plan pays anything over more than one quarter.
    let quarters = &contract.figures.timeline.by_quarter;
    let cash_flow = quarters.len() > 1 && contract.figures.planned_total_cost.minor != 0;
    let all = self::charts(html);
    assert_eq!(
        all.len(),
        contract.funnels.len() + usize::from(cash_flow),
        "{name}: the funnel charts and the cash flow"
    );
    if cash_flow {
        let chart = all
            .iter()
            .find(|c| c.contains("data-chart=\"cash-flow\""))
            .expect("a cash-flow chart");
        assert!(chart.contains("role=\"img\""), "{name}");
        assert!(chart.contains("<title id=\"cash-flow-title\""), "{name}");
        assert!(chart.contains("<desc id=\"cash-flow-desc\""), "{name}");
        assert!(
            chart.contains("aria-describedby=\"cash-flow-desc cash-flow-table\""),
            "{name}"
        );
        assert!(html.contains("id=\"cash-flow-table\""), "{name}");
        assert_eq!(
            chart.matches("class=\"cash-flow-quarter\"").count(),
            quarters.len(),
            "{name}: one bar per quarter"
        );
    }
    // One timeline table per funnel.
    for funnel in &contract.funnels {
        let table = format!("id=\"timeline-{}\"", funnel.id);
        assert!(html.contains(&table), "{name}: no table {table}");
    }
    for (chart, funnel) in charts.iter().zip(&contract.funnels) {
        assert!(chart.contains("role=\"img\""), "{name}");
        assert!(chart.contains("<title id="), "{name}");
        assert!(chart.contains("<desc id="), "{name}");
        assert!(
            chart.contains(&format!("data-funnel=\"{}\"", funnel.id)),
            "{name}: charts in funnel order"
        );
        assert_eq!(
            chart.matches("class=\"funnel-stage").count(),
            funnel.stages.len(),
            "{name}: one bar per stage of `{}`",
            funnel.id
        );
        for stage in &funnel.stages {
            assert!(
                chart.contains(&format!("data-stage=\"{}\"", stage.id)),
                "{name}: no bar for `{}`",
                stage.id
            );
        }
        // The chart's text alternative is the milestone table, which exists.
        let table = format!("id=\"funnel-{}-table\"", funnel.id);
        assert!(html.contains(&table), "{name}: no table {table}");
    }

    // Every in-page link has a target.
    for (at, _) in html.match_indices("href=\"#") {
        let rest = &html[at + 7..];
        let id = &rest[..rest.find('"').unwrap()];
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "{name}: link to missing #{id}"
        );
    }
}

/// In every funnel that branches, each stage's bar is drawn below the bar of the stage it
/// follows and within its width, and the stages that leave one stage stand side by side in
/// the order written, never overlapping: a route is never drawn as if it widened the one above.
fn assert_branches_drawn_as_branches(name: &str, html: &str, contract: &Contract) -> usize {
    let mut checked = 0;
    for (funnel, chart) in contract.funnels.iter().zip(funnel_charts(html)) {
        if !branches(funnel) {
            continue;
        }
        checked += 1;
        let bars = stage_bars(chart, None);
        assert_eq!(bars.len(), funnel.stages.len(), "{name}: {}", funnel.id);
        let under = drawn_under(funnel);
        for (i, parent) in under.iter().enumerate() {
            let Some(p) = *parent else { continue };
            let (child, parent) = (&bars[i], &bars[p]);
            let what = format!("{name}: `{}` under `{}`", child.0, parent.0);
            assert!(child.2 >= parent.2 + parent.4, "{what}: not below");
            if funnel.stages[i].expected > 0 && child.3 > 2.0 {
                assert!(child.1 >= parent.1 - 0.11, "{what}: starts left of it");
                assert!(
                    child.1 + child.3 <= parent.1 + parent.3 + 0.21,
                    "{what}: ends right of it"
                );
            }
        }
        for p in 0..funnel.stages.len() {
            let siblings: Vec<usize> = (0..under.len())
                .filter(|&c| under[c] == Some(p) && funnel.stages[c].expected > 0)
                .collect();
            for pair in siblings.windows(2) {
                let (left, right) = (&bars[pair[0]], &bars[pair[1]]);
                assert!(
                    left.1 + left.3 <= right.1 + 0.11,
                    "{name}: `{}` and `{}` overlap",
                    left.0,
                    right.0
                );
            }
        }
    }
    checked
}

/// Every spec's funnels (and `EVERY_RULE`'s) drawn as trees where they branch, and no text
/// of any of its funnel charts on a band or bar other than the one it labels, or on another
/// text (`common::assert_labels_clear`): the rough-sleeping health route's band once ran over
/// the reconnection route's conversions and counts.
#[test]
fn branching_funnels_are_drawn_as_branches() {
    let mut branching = Vec::new();
    for (stem, contract) in clean_specs() {
        let html = document(&contract);
        if assert_branches_drawn_as_branches(&stem, &html, &contract) > 0 {
            branching.push(stem.clone());
        }
        // No text lies on a band or bar other than the one it labels, nor on another text.
        assert!(assert_labels_clear(&stem, &html) > 0, "{stem}");
    }
    let every_rule = contract("every-rule", EVERY_RULE);
    let html = document(&every_rule);
    assert_branches_drawn_as_branches("every-rule", &html, &every_rule);
    assert_labels_clear("every-rule", &html);
    assert!(
        branching.iter().any(|s| s == "rough-sleeping"),
        "the rough-sleeping funnel branches: {branching:?}"
    );
}

/// No chart text is clipped: every label, count and legend line of every chart of every spec's
/// schedule lies within the chart's `viewBox` (its width estimated as in
/// `common::assert_text_within_view_box`). Narrow bars at the right edge once had their counts
/// cut off ("25 p"), and a legend's note ran far past the right edge.
#[test]
fn every_chart_text_lies_within_its_view_box() {
    let mut all = clean_specs();
    all.push(("every-rule".to_string(), contract("every-rule", EVERY_RULE)));
    for (stem, contract) in all {
        let html = document(&contract);
        assert!(assert_text_within_view_box(&stem, &html) > 0, "{stem}");
    }
}

#[test]
fn documents_have_one_chart_per_funnel_and_one_bar_per_stage() {
    for (stem, contract) in clean_specs() {
        assert_structure(&stem, &document(&contract), &contract);
    }
    let every_rule = contract("every-rule", EVERY_RULE);
    assert_structure("every-rule", &document(&every_rule), &every_rule);
}

#[test]
fn sections_the_contract_has_nothing_for_are_left_out() {
    let minimal = contract(
        "minimal",
        r#"
contract "Minimal" {
  commissioner "A council"
  provider "A provider"
  term 2026-04-01 to 2027-03-31
  funding limit £10,000
}
outcome better "People are better off" { level service }
"#,
    );
    let html = document(&minimal);
    assert!(html.contains("id=\"outcomes\""));
    for absent in [
        "id=\"cohorts\"",
        "id=\"funnels\"",
        "id=\"targets\"",
        "id=\"measures\"",
        "id=\"monitoring\"",
        "id=\"payments-rate-card\"",
        "id=\"payments-caps\"",
        "id=\"timeline\"",
        "id=\"payments-by-quarter\"",
        "<svg",
        "href=\"#funnels\"",
    ] {
        assert!(
            !html.contains(absent),
            "{absent} is written for a contract without it"
        );
    }
    assert_structure("minimal", &html, &minimal);
}

/// The schedule speaks in the contract's own words and never contradicts itself: the worked
/// example names the cohort by its description, an outcome with no measure or target says so
/// in words (not "Tracked by —" under "tracked by performance measures"), a measure without a
/// frequency says "Not stated", and the monitoring tolerance is stated.
#[test]
fn the_schedule_speaks_in_the_contracts_words() {
    let rough = document(&spec("specs/rough-sleeping.outcome"));
    assert!(rough.contains(
        "If all 120 people of the cohort “People with a long history of rough sleeping in \
         Harbourside” reached every paid milestone"
    ));
    assert!(!rough.contains("If all 120 entrenched"));
    assert!(rough.contains(
        "<dt>Tolerance</dt><dd>None set: a stage behind its planned profile by any amount is an \
         exception in the monitoring report, and one ahead of it by any amount is warned of</dd>"
    ));
    let every_rule = document(&contract("every-rule", EVERY_RULE));
    assert!(every_rule.contains(
        "<dt>Tolerance</dt><dd>A stage more than 10% behind its planned profile is an exception \
         in the monitoring report, and one more than 10% ahead of it is warned of</dd>"
    ));
    let mut all = clean_specs();
    all.push(("every-rule".to_string(), contract("every-rule", EVERY_RULE)));
    let mut not_stated = 0;
    let mut untracked = 0;
    for (stem, contract) in all {
        let html = document(&contract);
        for dash in ["<dt>Tracked by</dt><dd>—", "<dt>Achieved by</dt><dd>—"] {
            assert!(!html.contains(dash), "{stem}: {dash}");
        }
        // An outcome says it is tracked (by performance measures, or indicators) only when a
        // measure of the contract tracks it.
        for article in html.split("<article class=\"outcome\"").skip(1) {
            let article = &article[..article.find("</article>").unwrap()];
            let tracked = !article.contains("<dt>Tracked by</dt><dd>No measure of this contract");
            assert_eq!(article.contains("tracked by"), tracked, "{stem}: {article}");
            untracked += usize::from(!tracked);
        }
        for measure in contract.measures.iter().filter(|m| m.frequency.is_none()) {
            let row = &html[html
                .find(&format!("<tr id=\"measure-{}\">", measure.id))
                .unwrap()..];
            let row = &row[..row.find("</tr>").unwrap()];
            assert!(row.contains("<td>Not stated</td>"), "{stem}: {row}");
            not_stated += 1;
        }
    }
    assert!(not_stated > 0, "no measure without a frequency was checked");
    assert!(untracked > 0, "no outcome without a measure was checked");
    // A measure is named by its description, and a description inside a sentence starts
    // with a small letter unless it is a name ("GP practices").
    let peterborough = document(&spec("specs/peterborough.outcome"));
    assert!(peterborough.contains(
        "an alternative to the one on “Reconviction events in the 12 months after release”"
    ));
    assert!(!peterborough.contains("“reconviction_events”"));
    assert!(rough.contains(
        "For <a href=\"#cohort-entrenched\">people with a long history of rough sleeping"
    ));
    assert!(!rough.contains("For <a href=\"#cohort-entrenched\">People"));
}

#[test]
fn the_worked_example_uses_the_model_figures() {
    let html = document(&spec(DRUG_SERVICE));
    assert!(
        html.contains(
            "If all 100 people of the cohort “Adults referred for structured day treatment” \
             reached every paid milestone, each would earn £3,600"
        ),
        "worked example missing"
    );
    for figure in [
        "£60,000",
        "£47,500",
        "£107,500",
        "£120,000",
        "£10,750",
        "£1,075",
    ] {
        assert!(html.contains(figure), "{figure} missing");
    }
}

/// The text of each cell of each body row of the table with this id, tags stripped.
fn table_rows(html: &str, id: &str) -> Vec<Vec<String>> {
    let start = html
        .find(&format!("<table id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    let body = &table[table.find("<tbody>").unwrap()..table.find("</tbody>").unwrap()];
    body.split("<tr")
        .skip(1)
        .map(|row| {
            row.split("</t")
                .filter_map(|cell| cell.rfind("<t").map(|at| &cell[at..]))
                .map(|cell| {
                    let mut text = String::new();
                    let mut in_tag = false;
                    for ch in cell.chars() {
                        match ch {
                            '<' => in_tag = true,
                            '>' => in_tag = false,
                            _ if !in_tag => text.push(ch),
                            _ => {}
                        }
                    }
                    text.replace("&amp;", "&")
                })
                .collect()
        })
        .collect()
}

/// The chart's element of this class, from its opening tag to the end of its group.
fn chart_group<'a>(html: &'a str, class: &str) -> &'a str {
    let start = html
        .find(&format!("<g class=\"{class}\""))
        .unwrap_or_else(|| panic!("no {class}"));
    &html[start..start + html[start..].find("</g>").unwrap()]
}

/// The cash-flow chart and its table show the model's planned payments by quarter, not
/// figures of their own: every quarter's fixed fees, outcome payments, total and cumulative;
/// the last cumulative is the planned total cost; the reference lines carry the funding limit
/// and the total cap.
#[test]
fn the_cash_flow_shows_the_model_quarters_and_limits() {
    let contract = spec("specs/rough-sleeping.outcome");
    let html = document(&contract);
    let quarters = &contract.figures.timeline.by_quarter;
    assert_eq!(quarters.len(), 12);
    let rows = table_rows(&html, "cash-flow-table");
    assert_eq!(rows.len(), quarters.len());
    for (index, (row, quarter)) in rows.iter().zip(quarters).enumerate() {
        let expected = [
            format!("Q{}", index + 1),
            quarter.start.to_string(),
            quarter.end.to_string(),
            quarter.fixed_fees.to_string(),
            quarter.outcome_payments.to_string(),
            quarter.total.to_string(),
            quarter.cumulative.to_string(),
        ];
        assert_eq!(row, &expected, "quarter {}", index + 1);
    }
    // Hand-checked against the spec: £25,000 service fee a quarter in year 1, £15,000 in
    // year 2; everything planned adds up to the planned total cost, £1,020,800.
    assert_eq!(rows[0][3], "£25,000");
    assert_eq!(rows[4][3], "£15,000");
    assert_eq!(rows[8][3], "£0");
    assert_eq!(rows[11][6], "£1,020,800");
    assert_eq!(
        quarters.last().unwrap().cumulative,
        contract.figures.planned_total_cost
    );
    let total = chart_group(&html, "cash-flow-cumulative");
    assert!(total.contains(">£1,020,800</text>"), "{total}");
    let limit = chart_group(&html, "cash-flow-limit");
    assert!(limit.contains("data-amount=\"1250000.00\""), "{limit}");
    assert!(
        limit.contains(">Funding limit £1,250,000</text>"),
        "{limit}"
    );
    let cap = chart_group(&html, "cash-flow-cap");
    assert!(cap.contains("data-amount=\"1200000.00\""), "{cap}");
    assert!(cap.contains(">Total cap £1,200,000</text>"), "{cap}");
    // The bars stand in the quarter's order, the largest quarter (Q5) tallest.
    let height = |quarter: usize| -> f64 {
        let group = chart_group(
            &html,
            &format!("cash-flow-quarter\" data-quarter=\"{quarter}"),
        );
        group
            .split("height=\"")
            .skip(1)
            .map(|h| h[..h.find('"').unwrap()].parse::<f64>().unwrap())
            .sum()
    };
    let tallest = (1..=12).max_by(|a, b| height(*a).total_cmp(&height(*b)));
    assert_eq!(tallest, Some(5));
}

/// Without a total cap there is no cap line; the funding limit line is always drawn.
#[test]
fn the_cash_flow_draws_a_cap_line_only_for_a_total_cap() {
    let html = document(&spec("specs/employment-ladder.outcome"));
    assert!(html.contains("class=\"cash-flow-limit\""));
    assert!(!html.contains("class=\"cash-flow-cap\""));
    assert!(!html.contains(">Total cap</text>"), "no cap in the legend");
}

/// The timeline table states each stage's times in words, its first and last planned dates
/// and its people by contract year, all from the model.
#[test]
fn the_timeline_table_shows_the_model_dates_and_people_by_year() {
    let contract = spec("specs/rough-sleeping.outcome");
    let html = document(&contract);
    let funnel = &contract.funnels[0];
    let rows = table_rows(&html, &format!("timeline-{}", funnel.id));
    assert_eq!(rows.len(), funnel.stages.len());
    for ((row, stage), planned) in rows
        .iter()
        .zip(&funnel.stages)
        .zip(&contract.figures.timeline.stages)
    {
        assert_eq!(planned.stage, stage.id);
        let mut expected = vec![row[0].clone(), row[1].clone()];
        expected.push(planned.first.to_string());
        expected.push(planned.last.to_string());
        expected.extend(planned.by_year.iter().map(|p| p.to_string()));
        expected.push(stage.expected.to_string());
        assert_eq!(row, &expected, "{}", stage.id);
    }
    let s18 = rows
        .iter()
        .find(|row| row[0] == "6. Accommodation sustained 18 months")
        .unwrap();
    assert_eq!(
        s18,
        &[
            "6. Accommodation sustained 18 months",
            "at least 18 months after “Moved into settled accommodation”; within 21 months \
             of referral",
            "2027-11-13",
            "2029-02-11",
            "0",
            "9",
            "21",
            "30"
        ]
    );
    assert_eq!(rows[0][1], "On referral");
    assert!(html.contains("Referrals are planned evenly over the referral window."));
    assert!(html.contains("<dt>Referrals planned</dt><dd>Evenly over the window</dd>"));
}

/// A stated referral profile is shown on the cover and in the timeline; people reached after
/// the term get a column of their own.
#[test]
fn the_referral_profile_and_people_after_the_term_are_shown() {
    let html = document(&contract("every-rule", EVERY_RULE));
    assert!(html.contains(
        "Referrals are planned per quarter of the referral window, counted from 2026-04-01: \
         5%, 10%, 15%, 15%, 15%, 15%, 15% and 10%, each quarter’s share spread evenly over \
         its days."
    ));
    assert!(html.contains(
        "<dt>Referrals planned</dt><dd>Per quarter: 5%, 10%, 15%, 15%, 15%, 15%, 15% and \
         10%</dd>"
    ));
    let drug = spec(DRUG_SERVICE);
    let html = document(&drug);
    assert!(html.contains("<th scope=\"col\" class=\"num\">After the term</th>"));
    let rows = table_rows(&html, "timeline-day_programme");
    let abstinent = rows.last().unwrap();
    assert_eq!(abstinent[0], "6. Drug free and using skills at 3 months");
    assert_eq!(abstinent[4..], ["7", "3", "10"]);
    assert_eq!(
        rows[3][1], "No time set",
        "a stage without a time of its own"
    );
}

#[test]
fn a_contract_with_errors_is_not_built_as_html() {
    let dir = std::env::temp_dir().join(format!("outcome-html-{}-errors", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("widens.outcome");
    let out = dir.join("widens.html");
    let _ = std::fs::remove_file(&out);
    // The funnel widens: 10 people enrol and 20 attend.
    let text = r#"
contract "Widening" {
  commissioner "A council"
  provider "A provider"
  term 2026-04-01 to 2027-03-31
  funding limit £10,000
}
outcome better "People are better off" { level service }
cohort people "People" { size 10 }
funnel path "Path" for people {
  milestone enrol "Enrol" 10
  target attend "Attend" 20 { achieves better }
}
"#;
    std::fs::write(&source, text).unwrap();

    let output = Command::cargo_bin("outcome")
        .unwrap()
        .args(["build", "--format", "html", "-o"])
        .arg(&out)
        .arg(&source)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not built"));
    assert!(
        !out.exists(),
        "a document was written for a contract with errors"
    );

    let to_stdout = Command::cargo_bin("outcome")
        .unwrap()
        .args(["build", "--format", "html"])
        .arg(&source)
        .output()
        .unwrap();
    assert_eq!(to_stdout.status.code(), Some(1));
    assert!(to_stdout.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// a real browser

/// Where the browser test leaves its screenshots: `target/html-screenshot/`.
fn screenshot_dir() -> PathBuf {
    let dir = target_dir().join("html-screenshot");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn chromium_prints_shows_and_loads_the_schedule_offline() {
    if !chromium_available("chromium_prints_shows_and_loads_the_schedule_offline") {
        return;
    }
    let scratch = Scratch::new("browser");
    let contract = spec(DRUG_SERVICE);
    let page = scratch.0.join("drug-service.html");
    std::fs::write(&page, document(&contract)).unwrap();
    let pdf = scratch.0.join("drug-service.pdf");
    let png = screenshot_dir().join("drug-service.png");
    let rendered = render_in_chromium(&scratch.0, &page, &pdf, &png, &["--window-size=1200,2400"]);

    // Printed to A4: the cover and contents, the outcomes and cohorts, the funnel, its table
    // and the targets, the planned timeline, measures, payments with the cash flow, and
    // monitoring.
    let pages = pdf_pages(&std::fs::read(&pdf).unwrap());
    assert!(
        (4..=9).contains(&pages),
        "the drug-service schedule printed on {pages} pages"
    );
    assert_screenshot(&png, 1200);
    rendered.assert_quiet_and_offline();

    // The DOM after load still has every chart and bar, and the cash flow with a bar for each
    // quarter.
    let dom = rendered.loaded_dom();
    assert_eq!(charts(dom).len(), contract.funnels.len() + 1);
    assert_eq!(
        dom.matches("class=\"cash-flow-quarter\"").count(),
        contract.figures.timeline.by_quarter.len()
    );
    let charts = funnel_charts(dom);
    assert_eq!(charts.len(), contract.funnels.len());
    for (chart, funnel) in charts.iter().zip(&contract.funnels) {
        assert_eq!(
            chart.matches("class=\"funnel-stage").count(),
            funnel.stages.len()
        );
    }
}

/// A count written in white on a hatched target bar sits on a solid plate of the bar's colour,
/// so that the hatching never runs through its letters.
#[test]
fn white_counts_on_hatched_targets_sit_on_a_solid_plate() {
    let mut checked = 0;
    for (stem, contract) in clean_specs() {
        let html = document(&contract);
        for (start, _) in html.match_indices("<g class=\"funnel-stage funnel-target\"") {
            let group = &html[start..start + html[start..].find("</g>").unwrap()];
            if group.contains("fill=\"#ffffff\" stroke=\"#9a4a08\"") {
                assert!(
                    group.contains("class=\"funnel-count-plate\""),
                    "{stem}: {group}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
}

/// How many pages each spec's schedule prints on, on A4 and on US Letter, as Chromium prints
/// them today, each page looked at (`pdftotext -layout`) and found reasonably full. A layout
/// change that adds a page (a stranded page: a table's last rows, a heading or a short section
/// left alone on a page) or takes one away fails `printed_schedules_keep_dates_captions_and_
/// contents_whole` and must be looked at: print the schedule, read the pages, and fix the print
/// rules (`html::style`) or, when the new layout is right, record the new count here. A spec
/// added to `specs/` needs its line.
const SCHEDULE_PAGES: &[(&str, usize, usize)] = &[
    // (spec, A4, US Letter)
    ("borough-family-support", 9, 10),
    ("borough-school-inclusion", 8, 8),
    ("drug-service", 9, 10),
    ("edge-of-care", 8, 10),
    ("employment-ladder", 14, 14),
    ("fair-chance", 12, 12),
    ("peterborough", 12, 12),
    ("reoffending", 14, 18),
    ("rough-sleeping", 15, 16),
    ("tender-phoenix-futures", 8, 9),
    ("tender-specification", 8, 9),
    ("tender-turning-point", 8, 9),
    ("troubled-families", 10, 10),
    ("variations-moving-on-v1", 12, 15),
    ("variations-moving-on-v2", 12, 15),
    ("variations-moving-on-v3", 12, 13),
    ("young-people", 11, 12),
];

/// The least share of a page the text of any page but the last reaches down (see
/// `common::printed_fill`): below it a page is mostly empty. The page before a funnel, whose
/// chart takes most of a page and is kept whole with its heading, is often half full; a
/// section's last rows or a short section alone on a page, once a forced break before the
/// payment schedule, left pages a fifth full.
const LEAST_FILL: f64 = 1.0 / 3.0;

/// Every spec's schedule printed in Chromium on A4 and on US Letter: the paper asked for, no
/// date broken at a hyphen, no page ending with a table's caption, the contents list on one
/// page and leaving no page mostly empty, every page but the last at least a third full, and
/// as many pages as `SCHEDULE_PAGES` records.
#[test]
fn printed_schedules_keep_dates_captions_and_contents_whole() {
    if !chromium_available("printed_schedules_keep_dates_captions_and_contents_whole") {
        return;
    }
    let scratch = Scratch::new("print-all");
    for (stem, contract) in clean_specs() {
        let recorded = SCHEDULE_PAGES
            .iter()
            .find(|(spec, _, _)| *spec == stem)
            .unwrap_or_else(|| panic!("{stem}: no page count recorded in SCHEDULE_PAGES"));
        for (paper, size, expected) in [
            (Paper::A4, "A4", recorded.1),
            (Paper::Letter, "letter", recorded.2),
        ] {
            let html = outcome::emit::html::document(&contract, paper);
            let name = format!("{stem}-{size}");
            let page = scratch.0.join(format!("{name}.html"));
            std::fs::write(&page, &html).unwrap();
            let Some(pages) = common::printed_pages(&scratch.0, &page, &name) else {
                return;
            };
            assert_eq!(
                common::pdf_paper(&scratch.0.join(format!("{name}.pdf"))).as_deref(),
                Some(size),
                "{name}: printed on the wrong paper"
            );
            common::assert_printed_well(&name, &html, &pages);
            assert_eq!(
                pages.len(),
                expected,
                "{name}: printed on {} pages, not the {expected} recorded in SCHEDULE_PAGES; \
                 look for a page left mostly empty",
                pages.len()
            );
            let fill = common::printed_fill(&scratch.0.join(format!("{name}.pdf")));
            assert_eq!(fill.len(), pages.len(), "{name}");
            // The contents list is on one page: its first and last entries print together.
            let with_contents: Vec<usize> = (0..pages.len())
                .filter(|&n| pages[n].contains("Contents"))
                .collect();
            if let Some(&first) = with_contents.first() {
                let last_entry = "Monitoring";
                if html.contains("id=\"monitoring\"") {
                    assert!(
                        pages[first].contains(last_entry),
                        "{name}: the contents list runs on past page {}",
                        first + 1
                    );
                }
                // Nor does it strand a page: kept whole, it leaves neither the page before it,
                // nor its own, nor the page after it mostly empty.
                let beside = first.saturating_sub(1)..(first + 2).min(pages.len() - 1);
                for (n, full) in fill.iter().enumerate().take(beside.end).skip(beside.start) {
                    assert!(
                        *full >= LEAST_FILL,
                        "{name}: page {} beside the contents list is {:.0}% full",
                        n + 1,
                        full * 100.0
                    );
                }
            }
            for (n, full) in fill.iter().enumerate().take(pages.len() - 1) {
                assert!(
                    *full >= LEAST_FILL,
                    "{name}: page {} is {:.0}% full, a stranded page",
                    n + 1,
                    full * 100.0
                );
            }
        }
    }
}

#[test]
fn the_network_check_sees_a_page_that_reaches_out() {
    if !chromium_available("the_network_check_sees_a_page_that_reaches_out") {
        return;
    }
    let scratch = Scratch::new("reaching-out");
    let page = scratch.0.join("reaching-out.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><head><title>x</title></head><body>\
         <img src=\"http://example.invalid/a.png\" alt=\"\"></body></html>",
    )
    .unwrap();
    let net_log = scratch.0.join("net-log.json");
    chromium(
        &scratch.0,
        "dom",
        &page,
        &[
            "--dump-dom".to_string(),
            format!("--log-net-log={}", net_log.display()),
        ],
    );
    let requests = page_requests(&net_log);
    assert!(
        requests.iter().any(|url| url.contains("example.invalid")),
        "the network log did not show the page's request: {requests:#?}"
    );
}

/// In a real browser, with the fonts it has, every line of every stage's label in every
/// spec's funnels ends before the bars begin: long descriptions and times wrap instead of
/// running under the bars. The text is measured by the browser (`getBBox`), in a copy of the
/// page with a script added to measure it.
#[test]
fn stage_labels_end_before_the_bars_begin() {
    if !chromium_available("stage_labels_end_before_the_bars_begin") {
        return;
    }
    const MEASURE: &str = r#"<script>
const overlaps = [];
const funnels = document.querySelectorAll('svg.funnel');
for (const svg of funnels) {
  let bars = Infinity;
  for (const r of svg.querySelectorAll('g.funnel-stage rect')) bars = Math.min(bars, r.x.baseVal.value);
  for (const t of svg.querySelectorAll('text[x="36.0"]')) {
    if (t.closest('.funnel-legend')) continue;
    const b = t.getBBox();
    if (b.x + b.width > bars - 2) overlaps.push(`${svg.dataset.funnel}: "${t.textContent}" ends at ${(b.x + b.width).toFixed(1)}, bars begin at ${bars.toFixed(1)}`);
  }
}
const pre = document.createElement('pre');
pre.id = 'geometry';
pre.textContent = `funnels ${funnels.length}\n` + overlaps.join('\n');
document.body.appendChild(pre);
</script>
"#;
    let scratch = Scratch::new("label-geometry");
    let mut funnels = 0;
    for (stem, contract) in clean_specs() {
        let html = document(&contract);
        // The document forbids scripts; the measuring copy allows its own.
        let start = html
            .find("<meta http-equiv=\"Content-Security-Policy\"")
            .unwrap();
        let end = start + html[start..].find('>').unwrap() + 1;
        let measured = format!("{}{}", &html[..start], &html[end..]).replacen(
            "</body>",
            &format!("{MEASURE}</body>"),
            1,
        );
        let page = scratch.0.join(format!("{stem}.html"));
        std::fs::write(&page, measured).unwrap();
        let run = chromium(
            &scratch.0,
            &format!("measure-{stem}"),
            &page,
            &["--dump-dom".to_string()],
        );
        let at = run
            .stdout
            .find("<pre id=\"geometry\">")
            .unwrap_or_else(|| panic!("{stem}: nothing measured:\n{}", run.stderr));
        let result = &run.stdout[at + "<pre id=\"geometry\">".len()..];
        let result = &result[..result.find("</pre>").unwrap()];
        let mut lines = result.lines();
        let count: usize = lines.next().unwrap()["funnels ".len()..].parse().unwrap();
        assert_eq!(count, contract.funnels.len(), "{stem}");
        funnels += count;
        let overlaps: Vec<&str> = lines.collect();
        assert!(
            overlaps.is_empty(),
            "{stem}: labels run under the bars:\n{}",
            overlaps.join("\n")
        );
    }
    assert!(funnels > 10);
}
