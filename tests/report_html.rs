//! The HTML monitoring report (`emit::report_html::report`), from hand-built `Report` values:
//!
//! - hostile text in every text field (contract, participants, stages, funnels, periods,
//!   payers, clauses, rules, reasons) comes out escaped;
//! - the same report gives the same bytes;
//! - one chart per funnel, with a planned and an actual bar (`class="funnel-stage"`,
//!   `data-series`) for every stage, and nothing that could reach the network;
//! - long lists are cut (200 rejected rows, 500 payment lines) and say how many more;
//! - a real browser (headless Chromium) prints it to A4, takes a screenshot
//!   (`target/report-screenshot.png`) and dumps the DOM, with name resolution disabled and a
//!   network log recorded: no console message, no request.
//!
//! The browser test needs `/usr/bin/chromium`, or `OUTCOME_SKIP_BROWSER=1` to skip it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod common;

use common::{
    assert_hostile_text_defused, assert_labels_clear, assert_screenshot,
    assert_text_within_view_box, branches, charts, chromium_available, drawn_under, pdf_pages,
    render_in_chromium, spec_files, stage_bars, target_dir, Scratch, ESCAPED, HOSTILE,
};
use outcome::emit::report_html::{report, MAX_PAYMENT_LINES, MAX_REJECTED_ROWS};
use outcome::model::Clause;
use outcome::report::{
    ActualFunnel, ActualStage, Amount, Exception, LineKind, PaymentLine, Payments, Period,
    PeriodAmount, ReasonCount, Rejected, Rejection, Report, Residual, RowCounts, StillReachable,
};
use outcome::value::{Currency, Date, Money, Percent};

fn date(text: &str) -> Date {
    let mut parts = text.split('-').map(|p| p.parse::<u32>().unwrap());
    let (y, m, d) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    Date::new(y as i32, m, d).unwrap()
}

fn pounds(pounds: i128) -> Money {
    Money::new(pounds * 100, Currency::GBP)
}

fn percent(part: u64, whole: u64) -> Option<Percent> {
    (whole > 0).then(|| Percent::of_ratio(part, whole, 1))
}

/// How a report is built: the names it uses, and how long its lists are.
struct Shape {
    /// Text put in every name (and the hostile text itself in the free-text fields).
    name: fn(&str) -> String,
    /// Extra payment lines, to test the cut.
    extra_lines: usize,
    /// Extra rejected rows, to test the cut.
    extra_rejected: usize,
    exceptions: bool,
}

fn plain(name: &str) -> String {
    name.to_string()
}

fn hostile(name: &str) -> String {
    format!("{name}{HOSTILE}")
}

const REALISTIC: Shape = Shape {
    name: plain,
    extra_lines: 0,
    extra_rejected: 0,
    exceptions: true,
};

/// (stage, planned, planned to date, actual by period, price, the stage before)
type StagePlan = (&'static str, u64, u64, [u64; 6], i128, Option<&'static str>);

/// The rough-sleeping contract six months in, and a small second funnel.
const ROUTES_HOME: &[StagePlan] = &[
    ("engaged", 120, 60, [6, 9, 10, 11, 9, 9], 0, None),
    ("housed", 72, 28, [0, 3, 5, 7, 7, 8], 1_500, Some("engaged")),
    (
        "sustained_3m",
        60,
        12,
        [0, 0, 0, 2, 3, 4],
        1_500,
        Some("housed"),
    ),
    (
        "sustained_6m",
        48,
        0,
        [0, 0, 0, 0, 0, 0],
        2_000,
        Some("sustained_3m"),
    ),
    (
        "sustained_12m",
        36,
        0,
        [0, 0, 0, 0, 0, 0],
        3_000,
        Some("sustained_6m"),
    ),
    (
        "sustained_18m",
        30,
        0,
        [0, 0, 0, 0, 0, 0],
        4_000,
        Some("sustained_12m"),
    ),
    (
        "reconnected",
        12,
        6,
        [0, 1, 1, 0, 1, 1],
        2_000,
        Some("engaged"),
    ),
    (
        "reconnection_held",
        9,
        1,
        [0, 0, 0, 0, 0, 1],
        3_000,
        Some("reconnected"),
    ),
    (
        "gp_registered",
        84,
        40,
        [2, 6, 8, 10, 9, 10],
        500,
        Some("engaged"),
    ),
    (
        "in_treatment",
        40,
        3,
        [0, 0, 0, 0, 1, 1],
        2_500,
        Some("gp_registered"),
    ),
];

const DAY_CENTRE: &[StagePlan] = &[
    ("enrolled", 40, 20, [3, 4, 4, 3, 3, 4], 0, None),
    (
        "first_session",
        20,
        10,
        [1, 2, 2, 2, 2, 2],
        250,
        Some("enrolled"),
    ),
];

const MONTHS: [&str; 6] = ["04", "05", "06", "07", "08", "09"];
const MONTH_ENDS: [u32; 6] = [30, 31, 30, 31, 31, 30];

fn build(shape: &Shape) -> Report {
    let name = shape.name;
    let periods: Vec<Period> = MONTHS
        .iter()
        .zip(MONTH_ENDS)
        .map(|(month, end)| Period {
            label: name(&format!("2026-{month}")),
            start: date(&format!("2026-{month}-01")),
            end: date(&format!("2026-{month}-{end}")),
        })
        .collect();
    let clause = |line: usize| Clause {
        file: name("specs/rough-sleeping.outcome").into(),
        line,
    };

    let mut funnels = Vec::new();
    let mut exceptions = Vec::new();
    let mut lines = Vec::new();
    let mut accepted = 0;
    for (funnel_id, plan) in [("routes_home", ROUTES_HOME), ("day_centre", DAY_CENTRE)] {
        let funnel_name = name(funnel_id);
        let mut stages = Vec::new();
        for (index, (id, planned, to_date, by_period, price, before)) in plan.iter().enumerate() {
            let actual: u64 = by_period.iter().sum();
            accepted += actual;
            let before_actual = before.map(|b| {
                plan.iter()
                    .find(|s| s.0 == b)
                    .map(|s| s.3.iter().sum::<u64>())
                    .unwrap()
            });
            let before_planned = before.map(|b| plan.iter().find(|s| s.0 == b).unwrap().1);
            stages.push(ActualStage {
                id: name(id),
                follows: before.map(name),
                planned: *planned,
                planned_to_date: *to_date,
                actual,
                by_period: by_period.to_vec(),
                actual_conversion: before_actual.and_then(|b| percent(actual, b)),
                planned_conversion: before_planned.and_then(|b| percent(*planned, b)),
            });
            // Behind by more than 10%.
            if shape.exceptions && actual * 10 < *to_date * 9 {
                let shortfall = to_date - actual;
                exceptions.push(Exception {
                    funnel: funnel_name.clone(),
                    stage: name(id),
                    planned_to_date: *to_date,
                    actual,
                    shortfall,
                    shortfall_share: Percent::of_ratio(shortfall, *to_date, 1),
                });
            }
            for (month, people) in by_period.iter().enumerate() {
                for n in 0..*people {
                    let participant = format!("RS-{:04}", 7 + month * 37 + n as usize * 5);
                    let day = 3 + (n as u32 * 7 + index as u32 * 3) % 25;
                    let earned = date(&format!("2026-{}-{day:02}", MONTHS[month]));
                    if *price > 0 {
                        let cut = id == &"in_treatment" && n == 0;
                        lines.push(PaymentLine {
                            kind: LineKind::Price,
                            participant: Some(name(&participant)),
                            stage: Some(name(id)),
                            earned,
                            due: earned,
                            period: periods[month].label.clone(),
                            rate: pounds(*price),
                            amount: if cut { pounds(1_300) } else { pounds(*price) },
                            clause: clause(160 + index),
                            cut_by: if cut {
                                vec![name(
                                    "per-participant cap £13,500 (specs/rough-sleeping.outcome:180)",
                                )]
                            } else {
                                Vec::new()
                            },
                            limit: None,
                            measured: None,
                            payers: Vec::new(),
                        });
                    } else if funnel_id == "routes_home" {
                        lines.push(PaymentLine {
                            kind: LineKind::Attachment,
                            participant: Some(name(&participant)),
                            stage: Some(name(id)),
                            earned,
                            due: earned,
                            period: periods[month].label.clone(),
                            rate: pounds(2_700),
                            amount: pounds(2_700),
                            clause: clause(153),
                            cut_by: Vec::new(),
                            limit: None,
                            measured: None,
                            payers: Vec::new(),
                        });
                    }
                }
            }
        }
        funnels.push(ActualFunnel {
            id: funnel_name,
            stages,
        });
    }
    for quarter_end in ["2026-06-30", "2026-09-30"] {
        let due = date(quarter_end);
        lines.push(PaymentLine {
            kind: LineKind::FixedFee,
            participant: None,
            stage: None,
            earned: due,
            due,
            period: name(&quarter_end[..7]),
            rate: pounds(25_000),
            amount: pounds(25_000),
            clause: clause(157),
            cut_by: Vec::new(),
            limit: None,
            measured: None,
            // Who pays it, named in the payment's cell.
            payers: vec![Amount {
                name: name("Harbourside City Council"),
                amount: pounds(25_000),
                share: None,
                clause: Some(clause(195)),
            }],
        });
    }
    for n in 0..shape.extra_lines {
        lines.push(PaymentLine {
            kind: LineKind::Price,
            participant: Some(name(&format!("XX-{n:05}"))),
            stage: Some(name("gp_registered")),
            earned: date("2026-09-30"),
            due: date("2026-09-30"),
            period: periods[5].label.clone(),
            rate: pounds(500),
            amount: pounds(500),
            clause: clause(168),
            cut_by: Vec::new(),
            limit: None,
            measured: None,
            payers: Vec::new(),
        });
    }
    lines.sort_by(|a, b| (a.due, &a.participant, &a.stage).cmp(&(b.due, &b.participant, &b.stage)));

    let total_minor: i128 = lines.iter().map(|l| l.amount.minor).sum();
    let total = Money::new(total_minor, Currency::GBP);
    let by_period = periods
        .iter()
        .map(|p| PeriodAmount {
            name: p.label.clone(),
            amount: Money::new(
                lines
                    .iter()
                    .filter(|l| l.due >= p.start && l.due <= p.end)
                    .map(|l| l.amount.minor)
                    .sum(),
                Currency::GBP,
            ),
            by_group: Vec::new(),
        })
        .collect();
    let fund = total_minor * 40 / 100;
    let by_payer = vec![
        Amount {
            name: name("National Rough Sleeping Outcomes Fund"),
            amount: Money::new(fund, Currency::GBP),
            share: None,
            clause: None,
        },
        Amount {
            name: name("Harbourside City Council"),
            amount: Money::new(total_minor - fund, Currency::GBP),
            share: None,
            clause: None,
        },
    ];
    let mut by_stage: Vec<Amount> = Vec::new();
    for line in &lines {
        let Some(stage) = &line.stage else { continue };
        match by_stage.iter_mut().find(|a| &a.name == stage) {
            Some(amount) => amount.amount.minor += line.amount.minor,
            None => by_stage.push(Amount {
                name: stage.clone(),
                amount: line.amount,
                share: None,
                clause: None,
            }),
        }
    }

    let reasons = [
        (
            Rejection::Duplicate,
            "the same participant and stage as row 14",
        ),
        (
            Rejection::UnknownStage,
            "`housing_start` is not a stage of the contract",
        ),
        (Rejection::BadDate, "`2026-02-30` is no real day"),
        (
            Rejection::MissingEvidence,
            "`housed` needs evidence and the row gives none",
        ),
        (
            Rejection::NotReferred,
            "the participant has no accepted `engaged` row",
        ),
    ];
    let mut rejected = Vec::new();
    for n in 0..(11 + shape.extra_rejected) {
        let (reason, detail) = reasons[n % reasons.len()];
        rejected.push(Rejected {
            row: 17 + n as u64 * 13,
            reason,
            detail: name(detail),
            participant: Some(name(&format!("RS-{:04}", 300 + n))),
            stage: (reason != Rejection::UnknownStage).then(|| name("housed")),
        });
    }
    let mut rejected_by_reason: Vec<ReasonCount> = Vec::new();
    let mut sorted: Vec<Rejection> = rejected.iter().map(|r| r.reason).collect();
    sorted.sort();
    for reason in sorted {
        match rejected_by_reason.iter_mut().find(|r| r.reason == reason) {
            Some(count) => count.rows += 1,
            None => rejected_by_reason.push(ReasonCount { reason, rows: 1 }),
        }
    }

    Report {
        contract: name("Routes Off the Streets"),
        until: date("2026-09-30"),
        outlook: outcome::report::outlook::Outlook {
            over_enrolled: vec![outcome::report::outlook::OverEnrolment {
                cohort: name("entrenched"),
                description: name("Entrenched rough sleepers"),
                size: 120,
                entered: 130,
                beyond: 10,
            }],
            ahead: vec![outcome::report::outlook::Ahead {
                funnel: name("routes_home"),
                stage: name("housed"),
                description: name("Moved into settled accommodation"),
                planned_to_date: 20,
                actual: 30,
                excess: 10,
                excess_share: Some(Percent::of_ratio(10, 20, 1)),
            }],
            periods_counted: 6,
            period: "month".to_string(),
            forecasts: vec![
                outcome::report::outlook::Forecast {
                    kind: outcome::report::outlook::LimitKind::Payer,
                    payer: Some(name("National Rough Sleeping Outcomes Fund")),
                    group: None,
                    group_title: None,
                    limit: pounds(450_000),
                    counted: Money::new(total_minor * 2 / 5, Currency::GBP),
                    per_period: Money::new(total_minor * 2 / 5 / 6, Currency::GBP),
                    reach: outcome::report::outlook::Reach::Forecast,
                    period: Some(name("2027-06")),
                    clause: None,
                },
                outcome::report::outlook::Forecast {
                    kind: outcome::report::outlook::LimitKind::GroupCap,
                    payer: None,
                    group: Some(name("accommodation")),
                    group_title: Some(name("Accommodation")),
                    limit: pounds(150_000),
                    counted: Money::new(total_minor / 5, Currency::GBP),
                    per_period: Money::new(total_minor / 5 / 6, Currency::GBP),
                    reach: outcome::report::outlook::Reach::Forecast,
                    period: Some(name("2027-03")),
                    clause: None,
                },
            ],
            drivers: Vec::new(),
            assumption: "payments go on at the average monthly rate so far".to_string(),
        },
        nothing_counted: None,
        rows: RowCounts {
            read: accepted + rejected.len() as u64,
            accepted,
            rejected: rejected.len() as u64,
            rejected_by_reason,
            after_report_date: 0,
            rejected_not_listed: 0,
        },
        rejected,
        periods,
        cohorts: Vec::new(),
        funnels,
        tolerance: Some(Percent::of_ratio(1, 10, 0)),
        exceptions,
        payments: Payments {
            lines,
            lines_not_held: 0,
            total,
            by_participant: Vec::new(),
            by_period,
            by_payer,
            by_stage,
            by_group: Vec::new(),
            tiers: Vec::new(),
        },
        unit_costs: outcome::report::unit_costs::UnitCostsToDate {
            per_target: vec![outcome::report::unit_costs::TargetCostToDate {
                funnel: name("routes_home"),
                target: name("sustained_18m"),
                achieved: 0,
                unit_cost: None,
            }],
            participants: accepted,
            per_participant: Some(Money::new(
                total_minor / i128::from(accepted.max(1)),
                Currency::GBP,
            )),
        },
        residual: Residual {
            under_total_cap: Some(Money::new(
                pounds(1_200_000).minor - total_minor,
                Currency::GBP,
            )),
            under_outcome_cap: None,
            can_still_reach: ["housed", "sustained_3m", "sustained_18m", "in_treatment"]
                .iter()
                .zip([24, 21, 30, 43])
                .map(|(stage, participants)| StillReachable {
                    stage: name(stage),
                    participants,
                })
                .collect(),
            referrals_open_until: Some(date("2027-06-30")),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// escaping

#[test]
fn hostile_text_is_escaped_everywhere() {
    let html = report(&build(&Shape {
        name: hostile,
        ..REALISTIC
    }));
    assert_hostile_text_defused(&html);
    // From each kind of field: the contract (title, running header, h1), participants,
    // stages, funnels, periods, payers, clause files, the rules that cut a line, and reasons.
    for (field, escaped) in [
        ("contract", format!("Routes Off the Streets{ESCAPED}")),
        ("participant", format!("RS-0007{ESCAPED}")),
        ("stage", format!("in_<wbr>treatment{ESCAPED}")),
        ("funnel", format!("day_centre{ESCAPED}")),
        ("period", format!("2026-04{ESCAPED}")),
        (
            "payer",
            format!("National Rough Sleeping Outcomes Fund{ESCAPED}"),
        ),
        (
            "clause",
            format!(
                "specs/<wbr>rough-sleeping.outcome{}:161",
                ESCAPED.replace('/', "/<wbr>")
            ),
        ),
        ("group title", format!("Accommodation{ESCAPED}")),
        (
            "cut by",
            format!("(specs/rough-sleeping.outcome:180){ESCAPED}"),
        ),
    ] {
        assert!(html.contains(&escaped), "{field} missing or not escaped");
    }
    let found = html.matches(ESCAPED).count();
    assert!(found >= 300, "escaped text found {found} times");
}

fn right_to_left(name: &str) -> String {
    format!("{name} \u{202e}1 שלום")
}

/// A right-to-left override in a name showed the figures after it backwards; every name
/// here ends in one and in Hebrew text: the override is shown as an escape, the Hebrew is
/// isolated, and nothing else is touched.
#[test]
fn bidi_overrides_in_user_text_cannot_reorder_the_report() {
    let html = report(&build(&Shape {
        name: right_to_left,
        ..REALISTIC
    }));
    assert!(!html.contains('\u{202e}'), "a raw override got through");
    let escaped = html.matches("\\u{202e}1 \u{2067}שלום\u{2069}").count();
    assert!(escaped >= 100, "escaped and isolated {escaped} times");
    assert_eq!(
        html.matches('\u{2067}').count(),
        html.matches('\u{2069}').count()
    );
    assert_eq!(
        html.matches('\u{2067}').count(),
        html.matches("שלום").count()
    );
}

// ---------------------------------------------------------------------------------------------
// determinism

#[test]
fn the_same_report_gives_the_same_bytes() {
    let first = report(&build(&REALISTIC));
    assert_eq!(first, report(&build(&REALISTIC)));
    let hostile_shape = Shape {
        name: hostile,
        ..REALISTIC
    };
    assert_eq!(
        report(&build(&hostile_shape)),
        report(&build(&hostile_shape))
    );
}

// ---------------------------------------------------------------------------------------------
// structure

#[test]
fn one_chart_per_funnel_with_a_planned_and_an_actual_bar_per_stage() {
    let built = build(&REALISTIC);
    let html = report(&built);
    let lower = html.to_lowercase();
    assert!(html.starts_with("<!DOCTYPE html>\n"));
    assert!(html.ends_with("</html>\n"));
    for banned in [
        "<script", "http:", "https:", "//", "url(", "@import", "<img", "<link", "<iframe",
        "<object", "<embed", "src=",
    ] {
        assert!(!lower.contains(banned), "the report contains `{banned}`");
    }
    // `http` only in the Content-Security-Policy that forbids every fetch.
    assert_eq!(lower.matches("http").count(), 1);
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">"
    ));
    assert_eq!(html.matches("<h1").count(), 1);

    let charts = charts(&html);
    assert_eq!(charts.len(), built.funnels.len(), "one chart per funnel");
    for (chart, funnel) in charts.iter().zip(&built.funnels) {
        assert!(chart.contains("role=\"img\""));
        assert!(chart.contains("<title id="));
        assert!(chart.contains("<desc id="));
        assert!(chart.contains(&format!("data-funnel=\"{}\"", funnel.id)));
        let stages = funnel.stages.len();
        assert_eq!(chart.matches("class=\"funnel-stage\"").count(), 2 * stages);
        assert_eq!(
            chart
                .matches("class=\"funnel-stage\" data-series=\"planned\"")
                .count(),
            stages
        );
        assert_eq!(
            chart
                .matches("class=\"funnel-stage\" data-series=\"actual\"")
                .count(),
            stages
        );
        for stage in &funnel.stages {
            for (series, people) in [("planned", stage.planned_to_date), ("actual", stage.actual)] {
                let bar = format!(
                    "data-series=\"{series}\" data-stage=\"{}\" data-count=\"{people}\"",
                    stage.id
                );
                assert!(chart.contains(&bar), "no {series} bar for {}", stage.id);
            }
        }
        // The description states the numbers.
        let desc = &chart[chart.find("<desc").unwrap()..chart.find("</desc>").unwrap()];
        assert!(
            desc.contains("Stage 2, housed: 28 planned to date, 30 actual")
                || funnel.id != "routes_home"
        );
        assert!(html.contains(&format!("id=\"funnel-{}-table\"", funnel.id)));
    }
    // Every in-page link has a target.
    for (at, _) in html.match_indices("href=\"#") {
        let rest = &html[at + 7..];
        let id = &rest[..rest.find('"').unwrap()];
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "link to missing #{id}"
        );
    }
}

#[test]
fn the_report_states_rows_exceptions_payments_and_residual() {
    let built = build(&REALISTIC);
    let html = report(&built);
    // read = accepted + rejected
    assert!(html.contains("aria-label=\"188 rows read equals 177 accepted plus 11 rejected\""));
    assert!(html.contains("Same participant and stage claimed again"));
    // Exceptions, with the shortfall and its share.
    let exceptions = section(&html, "exceptions");
    assert_eq!(
        exceptions.matches("<tr class=\"is-exception\">").count(),
        built.exceptions.len()
    );
    assert!(exceptions.contains(">sustained_<wbr>3m</th><td class=\"num\">12</td><td class=\"num\">9</td><td class=\"num strong\">3</td><td class=\"num\">25.0%</td>"));
    // Totals, complete.
    assert!(html.contains(&built.payments.total.to_string()));
    assert!(html.contains("<code>specs/<wbr>rough-sleeping.outcome:161</code>"));
    assert!(html.contains("per-participant cap £13,500"));
    assert!(html.contains("Accepted until <time datetime=\"2027-06-30\">"));
    // Looking ahead names the cohort and the stage by their descriptions, then their names.
    let outlook_at = html.find("id=\"outlook\"").unwrap();
    let outlook = &html[outlook_at..outlook_at + html[outlook_at..].find("</section>").unwrap()];
    assert!(
        outlook.contains("entered cohort “Entrenched rough sleepers” (<code>entrenched</code>)"),
        "{outlook}"
    );
    assert!(
        outlook.contains(
            "“Moved into settled accommodation” (<code>housed</code>) 30 against 20 planned"
        ),
        "{outlook}"
    );

    let none = report(&build(&Shape {
        exceptions: false,
        ..REALISTIC
    }));
    assert!(none.contains("No stage is behind its planned profile beyond the tolerance."));
    assert!(!none.contains("class=\"is-exception\""));
    assert!(!none.contains("class=\"funnel-exception\""));
}

#[test]
fn long_lists_are_cut_and_say_how_many_more() {
    let built = build(&Shape {
        extra_lines: 1_234,
        extra_rejected: 250,
        ..REALISTIC
    });
    let lines = built.payments.lines.len();
    let html = report(&built);
    let payments = section(&html, "payment-lines");
    let body = &payments[payments.find("class=\"lines\"").unwrap()..];
    let listed = body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()]
        .matches("<tr>")
        .count();
    assert_eq!(listed, MAX_PAYMENT_LINES);
    assert!(payments.contains(&format!(
        "… and {} more lines, not listed. Total of all {} lines: {}.",
        group(lines - MAX_PAYMENT_LINES),
        group(lines),
        built.payments.total
    )));
    let rejected = section(&html, "rejected");
    let listed = rejected[rejected.find("<tbody>").unwrap()..rejected.find("</tbody>").unwrap()]
        .matches("<tr>")
        .count();
    assert_eq!(listed, MAX_REJECTED_ROWS);
    assert!(rejected.contains("… and 61 more rejected rows, not listed."));

    // Held only as far as each lists them and the others counted, as `outcome report` holds
    // them for HTML and for the terminal, the lines make the same documents.
    let text = outcome::report::text::report_with_lines(&built, None);
    for listed in [MAX_PAYMENT_LINES, outcome::report::text::FIRST] {
        let mut first = built.clone();
        first.payments.lines.truncate(listed);
        first.payments.lines_not_held = (lines - listed) as u64;
        assert_eq!(first.payments.line_count(), lines as u64);
        if listed == MAX_PAYMENT_LINES {
            assert_eq!(report(&first), html);
        } else {
            assert_eq!(outcome::report::text::report_with_lines(&first, None), text);
        }
    }

    // Short lists are complete, with no such note.
    let short = report(&build(&REALISTIC));
    assert!(!short.contains("more lines, not listed"));
    assert!(!short.contains("more rejected"));
}

/// The text of `<section id="…">` up to its first nested `</section>`.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<section id=\"{id}\"")).unwrap();
    let end = start + html[start..].find("</section>").unwrap();
    &html[start..end]
}

#[test]
fn a_long_return_is_shown_a_year_of_periods_to_a_table() {
    let mut built = build(&REALISTIC);
    let first = built.periods[0].clone();
    built.periods = (0..30)
        .map(|n| Period {
            label: format!("P{:02}", n + 1),
            ..first.clone()
        })
        .collect();
    for funnel in &mut built.funnels {
        for stage in &mut funnel.stages {
            stage.by_period = (0..30).map(|n| n % 3).collect();
        }
    }
    let html = report(&built);
    let section = section(&html, "by-period");
    assert_eq!(
        section.matches("<table class=\"by-period\">").count(),
        3 * built.funnels.len()
    );
    assert!(section.contains("funnel routes_home, P13 to P24</caption>"));
    assert!(section.contains(">P30</th><th scope=\"col\" class=\"num to-date\">To date</th>"));
    assert_eq!(
        section.matches(">To date</th>").count(),
        built.funnels.len(),
        "the total is in the last table of each funnel"
    );
}

fn group(n: usize) -> String {
    outcome::value::group_thousands(n as u128)
}

#[test]
fn an_empty_report_still_reads() {
    let mut empty = build(&Shape {
        exceptions: false,
        ..REALISTIC
    });
    empty.funnels.clear();
    empty.rejected.clear();
    empty.rows = RowCounts {
        read: 0,
        accepted: 0,
        rejected: 0,
        rejected_by_reason: Vec::new(),
        after_report_date: 0,
        rejected_not_listed: 0,
    };
    empty.payments = Payments {
        lines: Vec::new(),
        lines_not_held: 0,
        total: Money::zero(Currency::GBP),
        by_participant: Vec::new(),
        by_period: Vec::new(),
        by_payer: Vec::new(),
        by_stage: Vec::new(),
        by_group: Vec::new(),
        tiers: Vec::new(),
    };
    let html = report(&empty);
    assert!(html.contains("No row was rejected."));
    assert!(html.contains("Nothing is due for the results reported."));
    assert!(!html.contains("<svg"));
    assert!(!html.contains("id=\"rejected\""));
}

// ---------------------------------------------------------------------------------------------
// from the engine

/// The contract of the spec at `path`, when it compiles.
fn spec_contract(path: &std::path::Path) -> Option<outcome::model::Contract> {
    let mut workspace = outcome::workspace::Workspace::for_path(path).unwrap();
    workspace
        .load(path)
        .unwrap()
        .compiled
        .contract
        .as_deref()
        .cloned()
}

/// The report to `until` (the term's end if `None`) on a return generated for `contract`,
/// three times as many participants as it plans for (at least 60), always the same.
fn generated_report(
    contract: &outcome::model::Contract,
    until: Option<Date>,
) -> outcome::report::Report {
    let participants = outcome::report::generate::planned_participants(contract).max(20);
    let rows = outcome::report::generate::returns(contract, participants * 3, 11)
        .map(outcome::report::Input::Row);
    let options = outcome::report::Options {
        until,
        ..Default::default()
    };
    outcome::report::engine::run(contract, rows, &options).expect("the report's figures fit")
}

/// Every spec under `specs/` that compiles, with a generated return run through the engine
/// half-way through its term and again at its end: the report has a chart per funnel and a
/// planned and an actual bar per stage, cut lists, and the same bytes twice.
#[test]
fn reports_of_generated_returns_for_every_spec_hold_together() {
    let mut reported = 0;
    for path in spec_files() {
        let Some(contract) = spec_contract(&path) else {
            continue;
        };
        let term = contract.term;
        let middle = Date::from_day_number((term.start.day_number() + term.end.day_number()) / 2);
        for until in [Some(middle), None] {
            let built = generated_report(&contract, until);
            let html = report(&built);
            let name = format!("{} to {:?}", path.display(), until);
            assert_eq!(html, report(&built), "{name}: not deterministic");
            let lower = html.to_lowercase();
            for banned in ["<script", "http:", "https:", "url(", "<img", "<link"] {
                assert!(!lower.contains(banned), "{name} contains `{banned}`");
            }
            let charts = charts(&html);
            assert_eq!(charts.len(), built.funnels.len(), "{name}");
            for (chart, funnel) in charts.iter().zip(&built.funnels) {
                for series in ["planned", "actual"] {
                    assert_eq!(
                        chart
                            .matches(&format!("class=\"funnel-stage\" data-series=\"{series}\""))
                            .count(),
                        funnel.stages.len(),
                        "{name}: {series} bars of {}",
                        funnel.id
                    );
                }
            }
            assert!(html.contains(&format!(
                "{} read equals {} accepted plus {} rejected",
                if built.rows.read == 1 {
                    "1 row".to_string()
                } else {
                    format!("{} rows", group(built.rows.read as usize))
                },
                group(built.rows.accepted as usize),
                group(built.rows.rejected as usize)
            )));
            assert!(
                html.contains(&built.payments.total.to_string()),
                "{name}: total"
            );
            let listed = html.matches("<td class=\"clause\">").count();
            assert_eq!(
                listed,
                built.payments.lines.len().min(MAX_PAYMENT_LINES),
                "{name}"
            );
            // With payers, each line listed that is not nothing says who pays it.
            let paid = built.payments.lines[..listed]
                .iter()
                .filter(|l| l.payers.iter().any(|p| p.amount.minor != 0))
                .count();
            assert_eq!(html.matches("<small>paid by ").count(), paid, "{name}");
            assert_eq!(
                paid > 0,
                !built.payments.by_payer.is_empty() && built.payments.total.minor > 0,
                "{name}"
            );
            // With groups, the groups beside their plan, and every period split by group
            // with each group's total under it.
            let groups = !built.payments.by_group.is_empty();
            assert_eq!(
                html.contains("class=\"amounts by-group\""),
                groups,
                "{name}"
            );
            if groups {
                let table = &html[html.find("class=\"amounts period-groups\"").unwrap()..];
                let table = &table[..table.find("</table>").unwrap()];
                assert_eq!(
                    table.matches("<tr><th scope=\"row\">").count(),
                    built.payments.by_period.len() + 1,
                    "{name}: a row per period and the total"
                );
                for row in &built.payments.by_group {
                    if row.amount.minor != 0 {
                        assert!(table.contains(&row.amount.to_string()), "{name}: {row:?}");
                    }
                }
            }
            reported += 1;
        }
    }
    assert!(reported >= 8, "only {reported} reports made");
}

/// Every spec with a branching funnel, reported on a generated return: the stages that leave
/// one stage start side by side, in the order written, each at or right of the stage it
/// follows and on a row below it; a route does not start at the axis as if it were the next
/// step of the one above it. And no text of its charts lies on a bar or swatch other than the
/// one it labels, or on another text (`common::assert_labels_clear`): the legend's first
/// caption once ran under the next swatch.
#[test]
fn branching_funnels_are_drawn_as_branches_in_the_report() {
    let mut branching = 0;
    for path in spec_files() {
        let mut workspace = outcome::workspace::Workspace::for_path(&path).unwrap();
        let loaded = workspace.load(&path).unwrap();
        let Some(contract) = &loaded.compiled.contract else {
            continue;
        };
        if !contract.funnels.iter().any(branches) {
            continue;
        }
        let participants = outcome::report::generate::planned_participants(contract).max(20);
        let rows = outcome::report::generate::returns(contract, participants, 11)
            .map(outcome::report::Input::Row);
        let built = outcome::report::engine::run(contract, rows, &Default::default()).unwrap();
        let html = report(&built);
        // No count or caption lies on a bar or swatch it does not label, nor on another text.
        assert!(assert_labels_clear(&path.display().to_string(), &html) > 0);
        for (funnel, chart) in contract.funnels.iter().zip(charts(&html)) {
            if !branches(funnel) {
                continue;
            }
            branching += 1;
            // A bar with no width is not drawn: look each up by its stage.
            let bars = stage_bars(chart, Some("planned"));
            let bar = |i: usize| bars.iter().find(|b| b.0 == funnel.stages[i].id);
            let under = drawn_under(funnel);
            let name = format!("{}: {}", path.display(), funnel.id);
            for p in 0..under.len() {
                let siblings: Vec<usize> = (0..under.len())
                    .filter(|&c| under[c] == Some(p) && funnel.stages[c].expected > 0)
                    .collect();
                for &c in &siblings {
                    if let (Some(child), Some(parent)) = (bar(c), bar(p)) {
                        assert!(child.2 > parent.2, "{name}: `{}` not below", child.0);
                        assert!(child.1 >= parent.1 - 0.11, "{name}: `{}` left", child.0);
                    }
                }
                let starts: Vec<f64> = siblings
                    .iter()
                    .filter_map(|&c| bar(c))
                    .map(|b| b.1)
                    .collect();
                for pair in starts.windows(2) {
                    assert!(pair[0] < pair[1], "{name}: branches start at {starts:?}");
                }
            }
        }
    }
    assert!(branching >= 1, "no spec has a branching funnel");
}

/// No chart text is clipped: every count and legend line of every funnel chart lies within
/// the chart's `viewBox` (its width estimated as in `common::assert_text_within_view_box`), in
/// the report of each return under `specs/returns/` and of a generated return three times the
/// plan for every spec. The legend's note was once one line half again as wide as the chart.
/// In the reports of the stored returns no text lies on a bar or swatch other than the one it
/// labels, or on another text (`common::assert_labels_clear`).
#[test]
fn every_report_chart_text_lies_within_its_view_box() {
    let returns = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/returns");
    let mut stored = 0;
    for entry in std::fs::read_dir(&returns).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // `rough-sleeping-2026-over-enrolled.csv` is a return of `rough-sleeping.outcome`.
        let Some(spec) = spec_files().into_iter().find(|spec| {
            let stem = spec.file_stem().unwrap().to_string_lossy();
            name.starts_with(&format!("{stem}-"))
        }) else {
            continue;
        };
        let run = common::exits(
            &[
                "report",
                spec.to_str().unwrap(),
                "--returns",
                path.to_str().unwrap(),
                "--format",
                "html",
            ],
            0,
        );
        let html = String::from_utf8(run.get_output().stdout.clone()).unwrap();
        assert!(assert_text_within_view_box(&name, &html) > 0, "{name}");
        assert_labels_clear(&name, &html);
        stored += 1;
    }
    assert!(stored >= 2, "only {stored} stored returns reported");
    for path in spec_files() {
        let Some(contract) = spec_contract(&path) else {
            continue;
        };
        let built = generated_report(&contract, None);
        assert_text_within_view_box(&path.display().to_string(), &report(&built));
    }
}

// ---------------------------------------------------------------------------------------------
// a real browser

/// How many pages each report of `printed_reports_keep_dates_and_captions_whole` prints on,
/// on A4 and on US Letter, as Chromium prints them today, each page looked at (`pdftotext
/// -layout`) and found reasonably full but the last of the appendix and, the shortest, the
/// page before the funnels, whose chart is kept whole with its heading (a quarter full on
/// Letter). A layout change that adds a page (a stranded page: the colophon, a table's last
/// rows or a heading alone on a page) or takes one away fails the test and must be looked at:
/// print the report, read the pages, and fix the print rules or, when the new layout is right,
/// record the new count here.
const REPORT_PAGES: &[(&str, usize, usize)] = &[
    // (spec, A4, US Letter)
    ("rough-sleeping", 34, 37),
    ("drug-service", 4, 4),
    ("fair-chance", 19, 22),
];

/// The over-enrolled rough-sleeping report and the drug-service sample, printed in Chromium on
/// A4 and on US Letter (`--paper`): the paper asked for, no date broken at a hyphen, no page
/// ending with a table's caption, and as many pages as `REPORT_PAGES` records.
#[test]
fn printed_reports_keep_dates_and_captions_whole() {
    if !chromium_available("printed_reports_keep_dates_and_captions_whole") {
        return;
    }
    let scratch = Scratch::new("print-reports");
    // A contract with groups, on a sample return: its periods split by group in columns.
    let sample = scratch.0.join("fair-chance.csv");
    let sample = sample.to_str().unwrap();
    common::exits(
        &[
            "returns",
            "specs/fair-chance.outcome",
            "--participants",
            "120",
            "--seed",
            "7",
            "-o",
            sample,
        ],
        0,
    );
    for (spec, returns, until) in [
        (
            "specs/rough-sleeping.outcome",
            "specs/returns/rough-sleeping-2026-over-enrolled.csv",
            "2026-12-31",
        ),
        (
            "specs/drug-service.outcome",
            "specs/returns/drug-service-2009-10.csv",
            "2010-03-31",
        ),
        ("specs/fair-chance.outcome", sample, "2016-06-30"),
    ] {
        let name = std::path::Path::new(spec)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for paper in ["A4", "letter"] {
            let name = format!("{name}-{paper}");
            let page = scratch.0.join(format!("{name}.html"));
            common::exits(
                &[
                    "report",
                    spec,
                    "--returns",
                    returns,
                    "--until",
                    until,
                    "--format",
                    "html",
                    "--paper",
                    &paper.to_lowercase(),
                    "-o",
                    page.to_str().unwrap(),
                ],
                0,
            );
            let html = std::fs::read_to_string(&page).unwrap();
            let Some(pages) = common::printed_pages(&scratch.0, &page, &name) else {
                return;
            };
            assert_eq!(
                common::pdf_paper(&scratch.0.join(format!("{name}.pdf"))).as_deref(),
                Some(paper),
                "{name}: printed on the wrong paper"
            );
            common::assert_printed_well(&name, &html, &pages);
            // The warnings ahead are on the first page.
            assert!(pages[0].contains("Looking ahead"), "{name}: {}", pages[0]);
            let recorded = REPORT_PAGES
                .iter()
                .find(|(spec, _, _)| name.starts_with(&format!("{spec}-")))
                .unwrap_or_else(|| panic!("{name}: no page count recorded in REPORT_PAGES"));
            let expected = if paper == "A4" {
                recorded.1
            } else {
                recorded.2
            };
            assert_eq!(
                pages.len(),
                expected,
                "{name}: printed on {} pages, not the {expected} recorded in REPORT_PAGES; look \
                 for a page left mostly empty",
                pages.len()
            );
        }
    }
}

#[test]
fn chromium_prints_shows_and_loads_the_report_offline() {
    if !chromium_available("chromium_prints_shows_and_loads_the_report_offline") {
        return;
    }
    let scratch = Scratch::new("report-browser");
    let built = build(&REALISTIC);
    // The page, its PDF and its screenshot are left in `target/` to be looked at.
    let page = target_dir().join("report.html");
    std::fs::write(&page, report(&built)).unwrap();
    let pdf = target_dir().join("report.pdf");
    let png = target_dir().join("report-screenshot.png");
    let rendered = render_in_chromium(
        &scratch.0,
        &page,
        &pdf,
        &png,
        &["--force-device-scale-factor=1", "--window-size=1200,2600"],
    );

    let pages = pdf_pages(&std::fs::read(&pdf).unwrap());
    assert!(
        (3..=16).contains(&pages),
        "the report printed on {pages} pages"
    );
    assert_screenshot(&png, 1200);
    rendered.assert_quiet_and_offline();

    let charts = charts(rendered.loaded_dom());
    assert_eq!(charts.len(), built.funnels.len());
    for (chart, funnel) in charts.iter().zip(&built.funnels) {
        assert_eq!(
            chart.matches("class=\"funnel-stage\"").count(),
            2 * funnel.stages.len()
        );
    }
}
