//! The report looks forward: a cohort entered beyond its size, stages ahead of plan, and the
//! month each cap and limit (a group's cap among them) is reached at the current rate, first in
//! the text, the JSON and the HTML.
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
    assert!(first.get("description").is_none());
    let second = &outlook["drivers"][1];
    assert_eq!(second["name"], "housed");
    assert_eq!(second["description"], "Moved into settled accommodation");
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
        "people entered cohort “People with a long history of rough sleeping in Harbourside” \
         (`entrenched`)",
        "“Moved into settled accommodation” (`housed`) 77 against",
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

/// A group's cap is forecast like the other limits, against the group's paid to date.
///
/// The return (`specs/returns/fair-chance-2015-over-enrolled.csv`) was generated for 600
/// people (`outcome returns specs/fair-chance.outcome --participants 600 --seed 5`, rows to
/// 2015-12-31 kept). Worked by hand from the accommodation group's payments by quarter:
///
/// ```text
/// quarters 1..3  £27,000 + £38,000 + £54,500                   = £119,500 in 3 quarters
/// group cap      £150,000 − £119,500 = £30,500; × 3 ÷ £119,500 = 0.77 → 1 quarter after
///                quarter 3                                     → reached in quarter 4
/// quarter 4      £119,500 + £30,500                            = £150,000: reached in quarter 4
/// ```
fn fair_chance(until: &str, format: &str) -> String {
    let run = exits(
        &[
            "report",
            "specs/fair-chance.outcome",
            "--returns",
            "specs/returns/fair-chance-2015-over-enrolled.csv",
            "--until",
            until,
            "--format",
            format,
        ],
        0,
    );
    String::from_utf8(run.get_output().stdout.clone()).unwrap()
}

const QUARTER_4: &str = "quarter 4 (2015-10-01 to 2015-12-31)";

fn group_cap(until: &str) -> serde_json::Value {
    let json: serde_json::Value = serde_json::from_str(&fair_chance(until, "json")).unwrap();
    let forecasts = json["outlook"]["forecasts"].as_array().unwrap();
    let caps: Vec<_> = forecasts
        .iter()
        .filter(|f| f["kind"] == "group_cap")
        .collect();
    assert_eq!(caps.len(), 1, "{forecasts:?}");
    let cap = caps[0].clone();
    // What is counted is the group's paid to date, as the payments by group show it.
    let row = json["payments"]["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "accommodation")
        .unwrap();
    assert_eq!(cap["counted"], row["amount"]);
    cap
}

#[test]
fn a_group_cap_is_forecast_from_the_group_paid_to_date() {
    let cap = group_cap("2015-09-30");
    assert_eq!(cap["group"], "accommodation");
    assert_eq!(cap["group_title"], "Accommodation");
    assert_eq!(cap["limit"]["minor_units"], 15_000_000);
    assert_eq!(cap["counted"]["minor_units"], 11_950_000);
    // £119,500 ÷ 3 = £39,833.33
    assert_eq!(cap["per_period"]["minor_units"], 3_983_333);
    assert_eq!(cap["reach"], "forecast");
    assert_eq!(cap["period"], QUARTER_4);
    assert_eq!(cap["clause"]["file"], "specs/fair-chance.outcome");

    let text = fair_chance("2015-09-30", "human");
    let ahead = &text[text.find("Looking ahead").unwrap()..text.find("\nRows").unwrap()];
    assert!(
        ahead.contains(&format!(
            "WARNING: the cap of £150,000 on the group “Accommodation” will be reached in \
             {QUARTER_4} at the current rate (£119,500 counted so far, £39,833.33 a quarter)"
        )),
        "{ahead}"
    );
    // A forecast brings the stages driving it and the assumption.
    assert!(ahead.contains("driven most by:"), "{ahead}");
    assert!(ahead.contains("assumption:"), "{ahead}");
}

#[test]
fn a_group_cap_reached_says_in_which_period() {
    let cap = group_cap("2015-12-31");
    assert_eq!(cap["counted"]["minor_units"], 15_000_000);
    assert_eq!(cap["reach"], "reached");
    assert_eq!(cap["period"], QUARTER_4);

    let text = fair_chance("2015-12-31", "human");
    let ahead = &text[text.find("Looking ahead").unwrap()..text.find("\nRows").unwrap()];
    assert!(
        ahead.contains(&format!(
            "WARNING: the cap of £150,000 on the group “Accommodation” was reached in {QUARTER_4}"
        )),
        "{ahead}"
    );
    // The payments table says the same.
    assert!(text.contains("£150,000 reached"), "{text}");

    let html = fair_chance("2015-12-31", "html");
    let outlook = &html[html.find("id=\"outlook\"").unwrap()..];
    let outlook = &outlook[..outlook.find("</section>").unwrap()];
    assert!(
        outlook.contains("on the group “Accommodation” was reached in"),
        "{outlook}"
    );
}
