//! The report looks forward: a cohort entered beyond its size, stages ahead of plan, and the
//! month each cap and limit is reached at the current rate, first in the text, the JSON and the
//! HTML.
//!
//! The return (`specs/returns/rough-sleeping-2026-over-enrolled.csv`) was generated for 400
//! people (`outcome returns specs/rough-sleeping.outcome --participants 400 --seed 7`, rows to
//! 2026-12-31 kept) into a contract for 120. Worked by hand from its payments by month:
//!
//! ```text
//! 2026-04..12   £79,900 + £95,900 + £128,700 + £110,100 + £82,900 + £54,500
//!               + £32,000 + £35,500 + £74,500                           = £694,000 in 9 months
//! total cap     £1,200,000 − £694,000 = £506,000; × 9 ÷ £694,000 = 6.56 → 7 months after
//!               2026-12                                                 → reached in 2027-07
//! fund's limit  40% of £694,000 = £277,600; £450,000 − £277,600 = £172,400;
//!               × 9 ÷ £277,600 = 5.59 → 6 months after 2026-12          → reached in 2027-06
//! funding limit £1,250,000 is above the £1,200,000 total cap            → cannot be reached
//! ```

mod common;
use common::exits;

const SPEC: &str = "specs/rough-sleeping.outcome";
const RETURN: &str = "specs/returns/rough-sleeping-2026-over-enrolled.csv";

fn report(format: &str) -> String {
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            RETURN,
            "--until",
            "2026-12-31",
            "--format",
            format,
        ],
        0,
    );
    String::from_utf8(run.get_output().stdout.clone()).unwrap()
}

#[test]
fn the_json_forecasts_each_limit_by_hand() {
    let json: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
    let outlook = &json["outlook"];
    assert_eq!(json["payments"]["total"]["minor_units"], 69_400_000);
    assert_eq!(outlook["periods_counted"], 9);
    assert_eq!(outlook["period"], "month");

    let over = &outlook["over_enrolled"][0];
    assert_eq!(over["cohort"], "entrenched");
    assert_eq!(over["size"], 120);
    assert_eq!(over["beyond"], over["entered"].as_u64().unwrap() - 120);
    assert!(over["entered"].as_u64().unwrap() > 120);

    let forecasts = outlook["forecasts"].as_array().unwrap();
    let of = |kind: &str| forecasts.iter().find(|f| f["kind"] == kind).unwrap();
    let cap = of("total_cap");
    assert_eq!(cap["reach"], "forecast");
    assert_eq!(cap["period"], "2027-07");
    assert_eq!(cap["counted"]["minor_units"], 69_400_000);
    // £694,000 ÷ 9 = £77,111.11
    assert_eq!(cap["per_period"]["minor_units"], 7_711_111);
    let fund = of("payer");
    assert_eq!(fund["payer"], "National Rough Sleeping Outcomes Fund");
    assert_eq!(fund["counted"]["minor_units"], 27_760_000);
    assert_eq!(fund["period"], "2027-06");
    assert_eq!(of("funding_limit")["reach"], "below_cap");

    // The largest payments drive it: the attachment fees, 324,000 of 694,000.
    let first = &outlook["drivers"][0];
    assert_eq!(first["name"], "(attachment fees)");
    assert_eq!(first["share"], "46.7");
}

#[test]
fn stages_ahead_of_plan_are_listed_with_how_far() {
    let json: serde_json::Value = serde_json::from_str(&report("json")).unwrap();
    let ahead = json["outlook"]["ahead"].as_array().unwrap();
    let housed = ahead.iter().find(|a| a["stage"] == "housed").unwrap();
    // 77 housed against 37 planned by the end of 2026: 40 ahead, 108.1%.
    assert_eq!(housed["actual"], 77);
    assert_eq!(housed["planned_to_date"], 37);
    assert_eq!(housed["excess"], 40);
    assert_eq!(housed["excess_share"], "108.1");
    for a in ahead {
        assert!(a["actual"].as_u64() > a["planned_to_date"].as_u64(), "{a}");
    }
}

#[test]
fn the_text_report_warns_before_anything_else() {
    let text = report("human");
    let ahead = text.find("Looking ahead").unwrap();
    assert!(ahead < text.find("\nRows").unwrap(), "{text}");
    for warning in [
        "people entered cohort `entrenched`",
        "more than its size of 120",
        "stages ahead of plan",
        "the total cap of £1,200,000 will be reached in 2027-07 at the current rate \
         (£694,000 counted so far, £77,111.11 a month)",
        "the limit of £450,000 on what National Rough Sleeping Outcomes Fund pays will be \
         reached in 2027-06",
        "the funding limit of £1,250,000 cannot be reached: the total cap is below it",
        "driven most by: (attachment fees) £324,000 (46.7%)",
        "assumption: payments go on at the average monthly rate so far",
    ] {
        assert!(
            text[ahead..].contains(warning),
            "missing {warning:?} in {text}"
        );
    }
}

#[test]
fn the_html_report_warns_on_its_first_page() {
    let html = report("html");
    let outlook = html.find("id=\"outlook\"").unwrap();
    assert!(outlook < html.find("id=\"glance-heading\"").unwrap());
    // A month is kept on one line.
    assert!(html[outlook..].contains("will be reached in <span class=\"nowrap\">2027-07</span>"));
    assert!(html[outlook..].contains("class=\"warning\""));
    // Names are set as code, not left in the terminal's backticks.
    assert!(html[outlook..].contains("cohort <code>entrenched</code>"));
    let body = &html[html.find("<body>").unwrap()..];
    assert!(!body.contains('`'), "a backtick is left in the report");
}

#[test]
fn a_report_on_plan_warns_of_nothing_ahead_it_should_not() {
    // The sample drug-service return: no cohort over its size, the cap not reached in term.
    let run = exits(
        &[
            "report",
            "specs/drug-service.outcome",
            "--returns",
            "specs/returns/drug-service-2009-10.csv",
        ],
        0,
    );
    let text = String::from_utf8(run.get_output().stdout.clone()).unwrap();
    let ahead = &text[text.find("Looking ahead").unwrap()..text.find("\nRows").unwrap()];
    assert!(!ahead.contains("entered cohort"), "{ahead}");
    assert!(
        ahead.contains("is not reached before the term ends at the current rate"),
        "{ahead}"
    );
}
