//! The monitoring report and time between stages, on the rough-sleeping contract: a claim
//! sooner than its sustainment period allows is refused with the first day it can be made, one
//! past its deadline is refused with the deadline, and rows after the report date wait for a
//! later report. Every date is worked out by hand in the comments.

use outcome::report::{engine, Input, Options, Rejection, Report, Row};
use outcome::value::Date;

fn contract() -> outcome::model::Contract {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/rough-sleeping.outcome");
    let bytes = std::fs::read(path).unwrap();
    let (_, compiled) = outcome::compile_bytes("specs/rough-sleeping.outcome", &bytes);
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    *compiled.contract.unwrap()
}

fn row(number: u64, participant: &str, stage: &str, date: &str) -> Input {
    Input::Row(Row {
        number,
        participant: participant.into(),
        stage: stage.into(),
        date: date.into(),
        evidence: Some(format!("EV-{number}")),
        cohort: None,
        attributes: Vec::new(),
    })
}

fn date(text: &str) -> Date {
    Date::new(
        text[0..4].parse().unwrap(),
        text[5..7].parse().unwrap(),
        text[8..10].parse().unwrap(),
    )
    .unwrap()
}

fn report(rows: Vec<Input>, until: Option<&str>) -> Report {
    engine::run(
        &contract(),
        rows.into_iter(),
        &Options {
            until: until.map(date),
            ..Default::default()
        },
    )
    .expect("the report's figures fit")
}

fn rejection(report: &Report, row: u64) -> (Rejection, String) {
    let r = report
        .rejected
        .iter()
        .find(|r| r.row == row)
        .unwrap_or_else(|| panic!("row {row} is not rejected: {:?}", report.rejected));
    (r.reason, r.detail.clone())
}

fn paid_for(report: &Report, participant: &str, stage: &str) -> bool {
    report
        .payments
        .lines
        .iter()
        .any(|l| l.participant.as_deref() == Some(participant) && l.stage.as_deref() == Some(stage))
}

/// Housed on 2026-05-01 (`at least 3/6/18 months after housed`): the 3-month result can be
/// claimed from 2026-08-01, the 6-month from 2026-11-01, the 18-month from 2027-11-01. Claimed
/// five weeks after moving in, on 2026-06-05, each is refused with its own first day.
#[test]
fn a_sustainment_claimed_five_weeks_after_moving_in_is_refused_with_the_day_it_can_be_claimed() {
    let r = report(
        vec![
            row(2, "RS-1", "engaged", "2026-04-10"),
            row(3, "RS-1", "housed", "2026-05-01"),
            row(4, "RS-1", "sustained_3m", "2026-06-05"),
            row(5, "RS-1", "sustained_6m", "2026-06-05"),
            row(6, "RS-1", "sustained_18m", "2026-06-05"),
        ],
        None,
    );
    assert_eq!(
        rejection(&r, 4),
        (
            Rejection::TooEarly,
            "`sustained_3m` on 2026-06-05 is too early: it can be claimed from 2026-08-01, 3 months after `housed` on 2026-05-01".into()
        )
    );
    assert_eq!(
        rejection(&r, 5),
        (
            Rejection::TooEarly,
            "`sustained_6m` on 2026-06-05 is too early: it can be claimed from 2026-11-01, 6 months after `housed` on 2026-05-01".into()
        )
    );
    assert_eq!(
        rejection(&r, 6),
        (
            Rejection::TooEarly,
            "`sustained_18m` on 2026-06-05 is too early: it can be claimed from 2027-11-01, 18 months after `housed` on 2026-05-01".into()
        )
    );
    assert_eq!((r.rows.read, r.rows.accepted, r.rows.rejected), (5, 2, 3));
    assert!(paid_for(&r, "RS-1", "housed"));
    assert!(!paid_for(&r, "RS-1", "sustained_3m"));
    assert!(!paid_for(&r, "RS-1", "sustained_6m"));
}

/// A claim refused as too early can be made again once it is due; the first, too-early row
/// stays refused and the second is accepted and paid (it is not a duplicate of a refused row).
#[test]
fn a_claim_made_again_when_due_is_accepted() {
    let r = report(
        vec![
            row(2, "RS-1", "engaged", "2026-04-10"),
            row(3, "RS-1", "housed", "2026-05-01"),
            row(4, "RS-1", "sustained_3m", "2026-06-05"),
            row(5, "RS-1", "sustained_3m", "2026-08-03"),
            row(6, "RS-1", "sustained_3m", "2026-08-03"),
        ],
        None,
    );
    assert_eq!(rejection(&r, 4).0, Rejection::TooEarly);
    // Row 6 repeats row 5, which was accepted.
    assert_eq!(
        rejection(&r, 6),
        (
            Rejection::Duplicate,
            "`RS-1` was already claimed for `sustained_3m` on row 5".into()
        )
    );
    assert_eq!((r.rows.read, r.rows.accepted, r.rows.rejected), (5, 3, 2));
    assert!(paid_for(&r, "RS-1", "sustained_3m"));
}

/// `housed` is due `within 3 months` of entry: engaged on 2026-04-10, housed by 2026-07-10.
/// `reconnection_held` is `at least 6 months after reconnected` and `within 9 months` of entry.
#[test]
fn a_claim_after_its_deadline_is_refused_with_the_deadline() {
    let r = report(
        vec![
            row(2, "RS-1", "engaged", "2026-04-10"),
            row(3, "RS-1", "housed", "2026-07-11"),
            row(4, "RS-2", "engaged", "2026-04-10"),
            row(5, "RS-2", "housed", "2026-07-10"),
        ],
        None,
    );
    assert_eq!(
        rejection(&r, 3),
        (
            Rejection::TooLate,
            "`housed` on 2026-07-11 is too late: it was due by 2026-07-10, within 3 months of entry to `routes_home` on 2026-04-10".into()
        )
    );
    assert!(paid_for(&r, "RS-2", "housed"));
    assert!(!paid_for(&r, "RS-1", "housed"));
}

/// Rows dated after the report date are neither accepted nor rejected: they are counted apart
/// and `read = accepted + rejected + after the report date`.
#[test]
fn rows_after_the_report_date_wait_for_a_later_report() {
    let rows = || {
        vec![
            row(2, "RS-1", "engaged", "2026-04-10"),
            row(3, "RS-1", "housed", "2026-05-01"),
            row(4, "RS-1", "sustained_3m", "2026-08-03"),
            row(5, "RS-2", "engaged", "2026-04-12"),
            row(6, "RS-2", "engaged", "2026-04-12"),
        ]
    };
    let r = report(rows(), Some("2026-06-30"));
    assert_eq!(
        (
            r.rows.read,
            r.rows.accepted,
            r.rows.rejected,
            r.rows.after_report_date
        ),
        (5, 3, 1, 1)
    );
    assert!(r
        .rows
        .rejected_by_reason
        .iter()
        .all(|c| c.reason == Rejection::Duplicate));
    // A report made later counts it.
    let r = report(rows(), None);
    assert_eq!((r.rows.accepted, r.rows.after_report_date), (4, 0));
}

/// Planned to date follows the planned timeline: one year into the contract nobody is planned
/// to have been housed for 18 months (housed 6 weeks after entry, then 18 months: the first
/// entry, 2026-04-01, reaches it on 2027-11-13), while some are planned to have been housed.
#[test]
fn planned_to_date_follows_the_timeline() {
    let r = report(Vec::new(), Some("2027-03-31"));
    let funnel = &r.funnels[0];
    let planned = |id: &str| {
        funnel
            .stages
            .iter()
            .find(|s| s.id == id)
            .unwrap()
            .planned_to_date
    };
    assert_eq!(planned("sustained_18m"), 0);
    assert_eq!(planned("sustained_12m"), 0);
    // housed by 2027-03-31: entries to 2027-02-17 (day 322 of 456), 260 of 366 sampled
    // entries; 72 × 260 ÷ 366 = 51.1 → 51.
    assert_eq!(planned("housed"), 51);
    let r = report(Vec::new(), None);
    let funnel = &r.funnels[0];
    assert!(funnel.stages.iter().all(|s| s.planned_to_date == s.planned));
}

/// `outcome returns` makes plausible dates: every generated claim respects its stage's times,
/// so none is refused as too early or too late, for every spec.
#[test]
fn generated_returns_respect_every_stage_time() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/specs");
    for name in [
        "drug-service.outcome",
        "employment-ladder.outcome",
        "rough-sleeping.outcome",
        "young-people.outcome",
        "reoffending.outcome",
    ] {
        let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
        let (_, compiled) = outcome::compile_bytes(name, &bytes);
        let contract = compiled.contract.unwrap();
        let planned = outcome::report::generate::planned_participants(&contract);
        let rows = outcome::report::generate::returns(&contract, planned, 11).map(Input::Row);
        let r = engine::run(&contract, rows, &Options::default()).expect("the figures fit");
        let out_of_time: Vec<_> = r
            .rejected
            .iter()
            .filter(|r| matches!(r.reason, Rejection::TooEarly | Rejection::TooLate))
            .collect();
        assert!(out_of_time.is_empty(), "{name}: {out_of_time:?}");
        assert!(r.rows.accepted > 0, "{name}");
    }
}

/// Who can still reach a paid stage before the term ends is judged from each participant's
/// own dates: by 2026-07-31, RS-1 (engaged 2026-04-10, housed 2026-05-01) can still be
/// sustained 3 months (from 2026-08-01); RS-2 (engaged 2026-04-12, never housed) has passed the
/// deadline for `housed` (2026-07-12), and so every rung of the ladder; both have passed their
/// deadlines for `gp_registered` (2 months) and `reconnected` (3 months).
#[test]
fn who_can_still_reach_a_stage_follows_their_own_dates() {
    let r = report(
        vec![
            row(2, "RS-1", "engaged", "2026-04-10"),
            row(3, "RS-1", "housed", "2026-05-01"),
            row(4, "RS-2", "engaged", "2026-04-12"),
        ],
        Some("2026-07-31"),
    );
    let can = |stage: &str| {
        r.residual
            .can_still_reach
            .iter()
            .find(|s| s.stage == stage)
            .unwrap()
            .participants
    };
    assert_eq!(can("housed"), 0);
    assert_eq!(can("sustained_3m"), 1);
    assert_eq!(can("sustained_18m"), 1);
    assert_eq!(can("gp_registered"), 0);
    assert_eq!(can("reconnected"), 0);
}
