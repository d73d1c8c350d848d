//! The monitoring report on small hand-made returns: every figure asserted by hand.

use outcome::report::{engine, Input, LineKind, Options, Rejection, Report, Row};

/// A ladder contract: enrol → job (13 weeks) → sustained (26 weeks); cap per participant
/// below the card; exclusive alternative; a cap on outcome payments.
const CONTRACT: &str = r#"
contract "Jobs" {
  commissioner "Council"
  provider "Provider"
  term 2026-04-01 to 2027-03-31
  referrals until 2026-09-30
  funding limit £100,000
}
outcome employed "In work" { why "Income" }
outcome learning "In learning" { why "Skills" }
cohort adults "Adults" { size 20 }
funnel jobs "Jobs" for adults {
  milestone enrol     "Enrolled"            20 { evidence "Referral form" }
  milestone job       "Job started"         10  conversion 50%  within 3 months { evidence "Contract" }
  target    sustained "Job sustained"        5  conversion 50%  within 6 months {
    achieves employed
    evidence "Payslips"
  }
  target    college   "College place"        4  conversion 40%  within 6 months after job {
    achieves learning
    evidence "Enrolment letter"
    eligible only if age_at_start <= 24
  }
}
payments {
  fixed £1,000 per quarter
  pay £200 for enrol
  pay £1,000 for job
  pay £2,000 for sustained
  pay £1,500 for college
  exclusive sustained or college
  cap £3,000 per participant
  cap £6,000 on outcome payments
}
monitoring { returns monthly review quarterly tolerance 20% }
"#;

fn contract() -> outcome::model::Contract {
    let (_, compiled) = outcome::compile_bytes("jobs.outcome", CONTRACT.as_bytes());
    // The cap cuts the end of the ladder on purpose (W0517): only errors would stop the test.
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    *compiled.contract.unwrap()
}

fn row(number: u64, participant: &str, stage: &str, date: &str, evidence: bool) -> Input {
    Input::Row(Row {
        number,
        participant: participant.into(),
        stage: stage.into(),
        date: date.into(),
        evidence: evidence.then(|| format!("EV-{number}")),
        cohort: None,
        attributes: vec![("age_at_start".into(), "22".into())],
    })
}

fn report(rows: Vec<Input>, until: &str) -> Report {
    let until = outcome::value::Date::new(
        until[0..4].parse().unwrap(),
        until[5..7].parse().unwrap(),
        until[8..10].parse().unwrap(),
    );
    engine::run(
        &contract(),
        rows.into_iter(),
        &Options {
            until,
            ..Default::default()
        },
    )
    .expect("the report's figures fit")
}

fn minor(m: outcome::value::Money) -> i128 {
    m.minor
}

#[test]
fn every_row_is_accounted_for_and_every_figure_adds_up() {
    let rows = vec![
        row(2, "P1", "enrol", "2026-04-10", true),
        row(3, "P1", "job", "2026-05-20", true),
        row(4, "P1", "sustained", "2026-09-01", true),
        row(5, "P1", "college", "2026-09-15", true), // exclusive with sustained: pays nothing more
        row(6, "P2", "enrol", "2026-04-12", true),
        row(7, "P2", "sustained", "2026-05-01", true), // before its predecessor `job`
        row(8, "P2", "job", "2026-06-01", true),
        row(9, "P2", "job", "2026-06-03", true), // duplicate
        row(10, "P3", "enrol", "2026-10-15", true), // referred after the window
        row(11, "P3", "job", "2026-11-01", true), // its funnel was refused
        row(12, "P4", "enrol", "2027-05-01", true), // after the term
        row(13, "P4", "interview", "2026-05-01", true), // unknown stage
        row(14, "P5", "enrol", "2026-02-30", true), // no such date
        row(15, "P5", "enrol", "2026-05-02", false), // evidence missing
        Input::Malformed {
            number: 16,
            reason: "3 fields where 5 were expected".into(),
        },
    ];
    let r = report(rows, "2027-03-31");
    assert_eq!(r.rows.read, 15);
    assert_eq!(r.rows.accepted + r.rows.rejected, r.rows.read);
    assert_eq!(
        r.rows.accepted, 6,
        "P1: enrol, job, sustained, college; P2: enrol, job"
    );
    let reasons: Vec<(u64, Rejection)> = r.rejected.iter().map(|x| (x.row, x.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (7, Rejection::BeforePredecessor),
            (9, Rejection::Duplicate),
            (10, Rejection::ReferredLate),
            (11, Rejection::ReferredLate),
            (12, Rejection::OutsideTerm),
            (13, Rejection::UnknownStage),
            (14, Rejection::BadDate),
            (15, Rejection::MissingEvidence),
            (16, Rejection::Malformed),
        ]
    );

    // Actual funnel: 2 enrolled, 2 jobs, 1 sustained, 1 college.
    let actual: Vec<(String, u64)> = r.funnels[0]
        .stages
        .iter()
        .map(|s| (s.id.clone(), s.actual))
        .collect();
    assert_eq!(
        actual,
        vec![
            ("enrol".into(), 2),
            ("job".into(), 2),
            ("sustained".into(), 1),
            ("college".into(), 1)
        ]
    );

    // Payments. P1: £200 + £1,000 + £2,000 = £3,200, cut to the £3,000 cap at `sustained`
    // (£1,800 of its £2,000); `college` is exclusive with `sustained` (£1,500 < £2,000): £0.
    // P2: £200 + £1,000 = £1,200. Outcome payments £4,200, under the £6,000 cap.
    // Fixed fees: 4 quarters × £1,000 = £4,000. Total £8,200.
    let lines = &r.payments.lines;
    let p1: Vec<(LineKind, Option<String>, i128)> = lines
        .iter()
        .filter(|l| l.participant.as_deref() == Some("P1"))
        .map(|l| (l.kind, l.stage.clone(), minor(l.amount)))
        .collect();
    assert_eq!(
        p1,
        vec![
            (LineKind::Price, Some("enrol".into()), 20_000),
            (LineKind::Price, Some("job".into()), 100_000),
            (LineKind::Price, Some("sustained".into()), 180_000),
            (LineKind::Price, Some("college".into()), 0),
        ]
    );
    let sustained = lines
        .iter()
        .find(|l| l.stage.as_deref() == Some("sustained"))
        .unwrap();
    assert!(
        sustained
            .cut_by
            .iter()
            .any(|c| c.contains("per-participant cap of £3,000 (jobs.outcome:")),
        "{:?}",
        sustained.cut_by
    );
    assert_eq!(
        sustained.clause.line, 29,
        "the `pay £2,000 for sustained` line"
    );
    let college = lines
        .iter()
        .find(|l| l.stage.as_deref() == Some("college"))
        .unwrap();
    assert!(college.cut_by.iter().any(|c| c.contains("exclusive")));
    assert_eq!(minor(r.payments.total), 820_000);
    let fees: i128 = lines
        .iter()
        .filter(|l| l.kind == LineKind::FixedFee)
        .map(|l| minor(l.amount))
        .sum();
    assert_eq!(fees, 400_000);
    let sum =
        |items: &[outcome::report::Amount]| items.iter().map(|a| minor(a.amount)).sum::<i128>();
    assert_eq!(sum(&r.payments.by_participant), 820_000);
    assert_eq!(
        r.payments
            .by_period
            .iter()
            .map(|p| minor(p.amount))
            .sum::<i128>(),
        820_000
    );
    assert_eq!(sum(&r.payments.by_stage), 820_000);
    assert_eq!(lines.iter().map(|l| minor(l.amount)).sum::<i128>(), 820_000);
}

#[test]
fn the_cap_on_outcome_payments_stops_payments_when_reached() {
    // Four participants each reach enrol and job: 4 × £1,200 = £4,800; two reach sustained:
    // £1,800 each after the £3,000 cap → £8,400 of outcome payments, cut to £6,000.
    let mut rows = Vec::new();
    let mut n = 1;
    for p in ["A", "B", "C", "D"] {
        for (stage, date) in [("enrol", "2026-04-05"), ("job", "2026-05-05")] {
            n += 1;
            rows.push(row(n, p, stage, date, true));
        }
    }
    rows.push(row(20, "A", "sustained", "2026-08-01", true));
    rows.push(row(21, "B", "sustained", "2026-08-02", true));
    let r = report(rows, "2026-12-31");
    let outcomes: i128 = r
        .payments
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Price)
        .map(|l| minor(l.amount))
        .sum();
    assert_eq!(outcomes, 600_000);
    let b = r
        .payments
        .lines
        .iter()
        .find(|l| l.participant.as_deref() == Some("B") && l.stage.as_deref() == Some("sustained"))
        .unwrap();
    // Before B's sustained: £4,800 + £1,800 (A) = £6,600? No: A's £1,800 arrives first, on
    // 2026-08-01, taking the total from £4,800 to £6,000 — so B's is cut to nothing.
    assert_eq!(minor(b.amount), 0);
    assert!(b
        .cut_by
        .iter()
        .any(|c| c.contains("cap on outcome payments")));
    assert_eq!(r.residual.under_outcome_cap.map(minor), Some(0));
    // Fixed fees to the end of December: 3 quarters have ended (June, September, December).
    let fees: i128 = r
        .payments
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::FixedFee)
        .map(|l| minor(l.amount))
        .sum();
    assert_eq!(fees, 300_000);
}

#[test]
fn an_ineligible_participant_is_rejected_for_the_stage_that_requires_it() {
    let rows = vec![
        Input::Row(Row {
            number: 2,
            participant: "Y".into(),
            stage: "enrol".into(),
            date: "2026-04-02".into(),
            evidence: Some("E".into()),
            cohort: None,
            attributes: vec![("age_at_start".into(), "30".into())],
        }),
        row(3, "Y", "job", "2026-05-01", true),
        row(4, "Y", "college", "2026-06-01", true),
    ];
    let r = report(rows, "2027-03-31");
    assert_eq!(r.rows.accepted, 2);
    assert_eq!(r.rejected[0].reason, Rejection::Ineligible);
    assert!(
        r.rejected[0].detail.contains("age_at_start 30"),
        "{}",
        r.rejected[0].detail
    );
}

#[test]
fn exceptions_compare_the_actual_with_the_planned_profile() {
    // By 2026-09-30 the plan has every entry (20) and most jobs; nobody has arrived.
    let r = report(vec![row(2, "Q", "enrol", "2026-04-02", true)], "2026-09-30");
    let enrol = &r.funnels[0].stages[0];
    assert_eq!(enrol.planned_to_date, 20);
    assert_eq!(enrol.actual, 1);
    let exception = r.exceptions.iter().find(|e| e.stage == "enrol").unwrap();
    assert_eq!(
        (
            exception.planned_to_date,
            exception.actual,
            exception.shortfall
        ),
        (20, 1, 19)
    );
    assert_eq!(exception.shortfall_share.to_string(), "95.0%");
    // Referrals are open until 2026-09-30 (not after the report date): none still open.
    assert_eq!(r.residual.referrals_open_until, None);
}

mod properties {
    use super::*;
    use outcome::workspace::Workspace;
    use proptest::prelude::*;

    fn spec(path: &str) -> outcome::model::Contract {
        let mut workspace = Workspace::for_path(std::path::Path::new("specs")).unwrap();
        workspace
            .load(std::path::Path::new(path))
            .unwrap()
            .compiled
            .contract
            .as_deref()
            .cloned()
            .unwrap()
    }

    fn rows_for(contract: &outcome::model::Contract) -> impl Strategy<Value = Vec<Input>> {
        let stages: Vec<String> = contract
            .funnels
            .iter()
            .flat_map(|f| f.stages.iter().map(|s| s.id.to_string()))
            .chain(["unknown".to_string()])
            .collect();
        let start = contract.term.start.day_number();
        let days = contract.term.end.day_number() - start + 60;
        let row = (
            0u32..40,
            0..stages.len(),
            -30i64..days,
            any::<bool>(),
            0u8..20,
        );
        proptest::collection::vec(row, 0..200).prop_map(move |raw| {
            raw.into_iter()
                .enumerate()
                .map(|(i, (who, stage, day, evidence, noise))| {
                    if noise == 0 {
                        return Input::Malformed {
                            number: i as u64 + 2,
                            reason: "bad line".into(),
                        };
                    }
                    let date = if noise == 1 {
                        "2026-13-45".to_string()
                    } else {
                        outcome::value::Date::from_day_number(start + day).to_string()
                    };
                    Input::Row(Row {
                        number: i as u64 + 2,
                        participant: format!("P{who}"),
                        stage: stages[stage].clone(),
                        date,
                        evidence: evidence.then(|| "EV".to_string()),
                        cohort: None,
                        attributes: vec![("age_at_start".into(), format!("{}", 16 + noise))],
                    })
                })
                .collect()
        })
    }

    fn check_invariants(contract: &outcome::model::Contract, rows: Vec<Input>) {
        let read = rows.len() as u64;
        let r = engine::run(contract, rows.into_iter(), &Options::default())
            .expect("the report's figures fit");
        assert_eq!(r.rows.read, read);
        assert_eq!(r.rows.accepted + r.rows.rejected, r.rows.read);
        assert_eq!(r.rejected.len() as u64, r.rows.rejected);
        let total = r.payments.total.minor;
        let sum =
            |items: &[outcome::report::Amount]| items.iter().map(|a| a.amount.minor).sum::<i128>();
        assert_eq!(
            r.payments
                .lines
                .iter()
                .map(|l| l.amount.minor)
                .sum::<i128>(),
            total
        );
        assert_eq!(sum(&r.payments.by_participant), total);
        assert_eq!(
            r.payments
                .by_period
                .iter()
                .map(|p| p.amount.minor)
                .sum::<i128>(),
            total
        );
        assert_eq!(sum(&r.payments.by_stage), total);
        if !r.payments.by_payer.is_empty() {
            assert_eq!(sum(&r.payments.by_payer), total);
        }
        payer_parts_reconcile(&r);
        groups_reconcile(contract, &r);
        assert!(
            total <= contract.figures.maximum_exposure.minor,
            "paid {total} above the maximum exposure"
        );
    }

    /// With groups, each period's split by group is worked out again from the lines (each
    /// line's row by its kind and its stage's group in the contract, its period by its due
    /// date): the rows add up to the period to the penny, each row over the periods to its
    /// `by_group` amount, and each group's cap is reached exactly when its stages have been
    /// paid it. Without groups, no period is split.
    fn groups_reconcile(contract: &outcome::model::Contract, r: &outcome::report::Report) {
        let groups = &contract.payments.groups;
        let by_group = &r.payments.by_group;
        if groups.is_empty() {
            assert!(by_group.is_empty());
            assert!(r.payments.by_period.iter().all(|p| p.by_group.is_empty()));
            return;
        }
        let rows = groups.len() + 2;
        assert_eq!(by_group.len(), rows);
        let mut expected = vec![vec![0_i128; rows]; r.periods.len() + 1];
        let mut group_gross = vec![0_i128; groups.len()];
        for line in &r.payments.lines {
            let group = match (line.kind, &line.stage) {
                (LineKind::Price, Some(stage)) => groups
                    .iter()
                    .position(|g| g.stages.iter().any(|s| s == stage)),
                _ => None,
            };
            let row = match (group, line.kind) {
                (Some(g), _) => g,
                (None, LineKind::Price | LineKind::Attachment) => groups.len(),
                _ => groups.len() + 1,
            };
            if let Some(g) = group {
                group_gross[g] += line.amount.minor;
            }
            let period = r
                .periods
                .iter()
                .position(|p| p.start <= line.due && line.due <= p.end)
                .unwrap_or(r.periods.len());
            expected[period][row] += line.amount.minor;
        }
        let mut down = vec![0_i128; rows];
        for (i, period) in r.payments.by_period.iter().enumerate() {
            let names: Vec<&str> = period.by_group.iter().map(|g| g.name.as_str()).collect();
            let group_names: Vec<&str> = by_group.iter().map(|g| g.name.as_str()).collect();
            assert_eq!(names, group_names, "{}", period.name);
            let split: Vec<i128> = period.by_group.iter().map(|g| g.amount.minor).collect();
            let at = if i < r.periods.len() {
                assert_eq!(period.name, r.periods[i].label);
                i
            } else {
                r.periods.len()
            };
            assert_eq!(split, expected[at], "{}", period.name);
            assert_eq!(
                split.iter().sum::<i128>(),
                period.amount.minor,
                "{}",
                period.name
            );
            for (sum, part) in down.iter_mut().zip(&split) {
                *sum += part;
            }
        }
        let paid: Vec<i128> = by_group.iter().map(|g| g.amount.minor).collect();
        assert_eq!(down, paid, "each row over the periods");
        let cut_after_group_caps = r.payments.lines.iter().any(|l| {
            l.cut_by
                .iter()
                .any(|c| c.starts_with("total cap") || c.contains("maximum exposure"))
        });
        for (g, group) in groups.iter().enumerate() {
            let row = &by_group[g];
            assert_eq!(row.name, group.id);
            assert_eq!(row.cap, group.cap);
            assert_eq!(row.at_plan, contract.figures.by_group[g].at_plan);
            // Unless the total cap or the maximum exposure cut a line after the group's cap
            // (then its lines hold less than it was paid under its cap), a capped group has
            // reached its cap when its lines hold it.
            match group.cap {
                Some(cap) if !cut_after_group_caps => {
                    assert!(group_gross[g] <= cap.minor, "{}", group.id);
                    assert_eq!(row.cap_reached, group_gross[g] == cap.minor, "{}", group.id);
                }
                Some(_) => {}
                None => assert!(!row.cap_reached),
            }
        }
    }

    /// With payers, every line names each payer's part, the parts add up to the line to the
    /// penny, and each payer's parts over all lines to its total in `by_payer`; without
    /// payers, no line names any.
    fn payer_parts_reconcile(r: &outcome::report::Report) {
        let payers = &r.payments.by_payer;
        let mut of_payer = vec![0_i128; payers.len()];
        for line in &r.payments.lines {
            if payers.is_empty() {
                assert!(line.payers.is_empty(), "{line:?}");
                continue;
            }
            let parts: i128 = line.payers.iter().map(|p| p.amount.minor).sum();
            assert_eq!(parts, line.amount.minor, "{line:?}");
            for part in &line.payers {
                let at = payers
                    .iter()
                    .position(|p| p.name == part.name)
                    .unwrap_or_else(|| panic!("{} is in no total: {payers:?}", part.name));
                assert_eq!(part.clause, payers[at].clause, "{line:?}");
                of_payer[at] += part.amount.minor;
            }
        }
        if !r.payments.lines.is_empty() {
            let totals: Vec<i128> = payers.iter().map(|p| p.amount.minor).collect();
            assert_eq!(of_payer, totals, "{payers:?}");
        }
    }

    /// Every spec, and the drug service with no total cap to hide behind.
    fn every_contract() -> Vec<outcome::model::Contract> {
        let mut contracts: Vec<outcome::model::Contract> = [
            "specs/drug-service.outcome",
            "specs/employment-ladder.outcome",
            "specs/reoffending.outcome",
            "specs/rough-sleeping.outcome",
            "specs/young-people.outcome",
            "specs/borough/family-support.outcome",
            "specs/borough/school-inclusion.outcome",
            "specs/edge-of-care.outcome",
            "specs/fair-chance.outcome",
            "specs/peterborough.outcome",
        ]
        .iter()
        .map(|path| spec(path))
        .collect();
        contracts.push(super::uncapped_drug_service(true));
        contracts
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Generated returns of up to four times the people the plan expects: whatever they
        /// claim, the report pays no more than the maximum exposure `check` certified, every
        /// payer's share is funded, and the contract's own rules keep it there (the report's
        /// last-resort ceiling at the maximum exposure never has to cut); with groups, every
        /// period's split by group adds up to the period and every group over the periods to
        /// its paid to date.
        #[test]
        fn generated_returns_never_pay_beyond_the_maximum_exposure(
            which in 0usize..11,
            scale in 0u64..=400,
            seed in any::<u64>(),
        ) {
            let contract = &every_contract()[which];
            let planned = outcome::report::generate::planned_participants(contract);
            let participants = planned * scale / 100;
            let rows = outcome::report::generate::returns(contract, participants, seed)
                .map(Input::Row);
            let r = engine::run(contract, rows, &Options::default()).expect("the report's figures fit");
            let exposure = contract.figures.maximum_exposure.minor;
            prop_assert!(
                r.payments.total.minor <= exposure,
                "{}: {participants} participants paid {} above the maximum exposure {}",
                contract.title, r.payments.total, contract.figures.maximum_exposure
            );
            prop_assert!(
                r.payments.by_payer.iter().all(|a| !a.name.contains("not funded")),
                "{}: {:?}", contract.title, r.payments.by_payer
            );
            // The payers' shares of the total add up to exactly 100%.
            if r.payments.total.minor > 0 && !r.payments.by_payer.is_empty() {
                let hundredths: i128 = r
                    .payments
                    .by_payer
                    .iter()
                    .filter_map(|a| a.share)
                    .map(|s| s.0.mantissa * 10_i128.pow(2 - s.0.scale))
                    .sum();
                prop_assert_eq!(hundredths, 10_000, "{}: {:?}", contract.title, r.payments.by_payer);
            }
            payer_parts_reconcile(&r);
            groups_reconcile(contract, &r);
            for line in &r.payments.lines {
                prop_assert!(
                    line.cut_by.iter().all(|c| !c.contains("maximum exposure")),
                    "{}: {line:?}", contract.title
                );
            }
            for places in &r.cohorts {
                prop_assert!(places.size.is_none_or(|size| places.entered <= size));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn rough_sleeping_rows_are_all_accounted_for_and_totals_reconcile(rows in rows_for(&spec("specs/rough-sleeping.outcome"))) {
            check_invariants(&spec("specs/rough-sleeping.outcome"), rows);
        }

        #[test]
        fn employment_rows_are_all_accounted_for_and_totals_reconcile(rows in rows_for(&spec("specs/employment-ladder.outcome"))) {
            check_invariants(&spec("specs/employment-ladder.outcome"), rows);
        }

        #[test]
        fn fair_chance_rows_are_all_accounted_for_and_totals_reconcile_by_group(rows in rows_for(&spec("specs/fair-chance.outcome"))) {
            check_invariants(&spec("specs/fair-chance.outcome"), rows);
        }
    }
}

#[test]
fn rejections_are_all_counted_but_only_the_first_are_listed() {
    let rows: Vec<Input> = (0..6)
        .map(|i| row(i + 2, &format!("Z{i}"), "interview", "2026-05-01", true))
        .collect();
    let options = Options {
        listed_rejections: Some(2),
        explain: Some("Z5".into()),
        ..Default::default()
    };
    let r = engine::run(&contract(), rows.into_iter(), &options).expect("the report's figures fit");
    assert_eq!((r.rows.read, r.rows.accepted, r.rows.rejected), (6, 0, 6));
    assert_eq!(r.rows.rejected_by_reason[0].rows, 6);
    let listed: Vec<u64> = r.rejected.iter().map(|x| x.row).collect();
    assert_eq!(
        listed,
        vec![2, 3, 7],
        "the first two, and the participant being explained"
    );
    assert_eq!(r.rows.rejected_not_listed, 3);
}

/// The drug service without its total cap and with its funding limit at the maximum exposure
/// that leaves (£60,000 of fees + 100 × £3,600 + a £5,000 bonus = £425,000, headroom £0);
/// with `payers`, two payers whose caps cover exactly that.
fn uncapped_drug_service(payers: bool) -> outcome::model::Contract {
    let spec = std::fs::read_to_string("specs/drug-service.outcome").unwrap();
    let mut text = spec
        .replace("  cap £120,000 total\n", "")
        .replace("funding limit £120,000", "funding limit £425,000");
    if payers {
        text = text.replace(
            "  penalty 10%",
            "  payer \"Council\" pays 50% up to £212,500\n  payer \"Health\" pays the rest up to £212,500\n  penalty 10%",
        );
    }
    assert_ne!(text, spec);
    let (_, compiled) = outcome::compile_bytes("drug.outcome", text.as_bytes());
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    let contract = compiled.contract.unwrap();
    assert_eq!(contract.figures.maximum_exposure.minor, 42_500_000);
    assert_eq!(contract.figures.headroom.minor, 0);
    *contract
}

/// Every stage of the drug service for `participant`, entering on `day` of May 2009, rows
/// numbered from `number`.
fn whole_funnel(participant: &str, day: u32, number: u64) -> Vec<Input> {
    let stages = [
        ("enrol", 0),
        ("attend", 4),
        ("drug_free", 19),
        ("skill", 24),
        ("complete", 31),
        ("abstinent", 126),
    ];
    let entry = outcome::value::Date::new(2009, 5, day).unwrap();
    stages
        .iter()
        .enumerate()
        .map(|(i, (stage, after))| {
            Input::Row(Row {
                number: number + i as u64,
                participant: participant.into(),
                stage: (*stage).into(),
                date: outcome::value::Date::from_day_number(entry.day_number() + after).to_string(),
                evidence: Some("EV".into()),
                cohort: None,
                attributes: Vec::new(),
            })
        })
        .collect()
}

#[test]
fn a_cohort_pays_for_no_more_than_its_size() {
    let contract = uncapped_drug_service(false);
    // 200 people reach every stage; the cohort holds 100. The ten numbered 191 to 200 entered
    // first (1 May), so they take places before those numbered 91 to 100 (2 May).
    let mut rows = Vec::new();
    for i in 1..=200u64 {
        let day = if i > 190 { 1 } else { 2 };
        rows.extend(whole_funnel(&format!("P{i:03}"), day, 2 + 6 * (i - 1)));
    }
    let r = engine::run(&contract, rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    assert_eq!(
        (r.rows.read, r.rows.accepted, r.rows.rejected),
        (1_200, 600, 600)
    );
    assert_eq!(
        r.rows
            .rejected_by_reason
            .iter()
            .map(|c| (c.reason, c.rows))
            .collect::<Vec<_>>(),
        vec![(Rejection::BeyondCohortSize, 600)]
    );
    let places = &r.cohorts[0];
    assert_eq!(
        (
            places.cohort.as_str(),
            places.size,
            places.entered,
            places.turned_away
        ),
        ("adults", Some(100), 100, 100)
    );
    let paid: std::collections::BTreeSet<&str> = r
        .payments
        .by_participant
        .iter()
        .map(|a| a.name.as_str())
        .filter(|n| n.starts_with('P'))
        .collect();
    assert_eq!(paid.len(), 100);
    assert!(paid.contains("P191") && paid.contains("P090"), "{paid:?}");
    assert!(!paid.contains("P091") && !paid.contains("P190"), "{paid:?}");
    let first = &r.rejected[0];
    assert_eq!(
        (first.participant.as_deref(), first.stage.as_deref()),
        (Some("P091"), Some("enrol"))
    );
    assert_eq!(
        first.detail,
        "cohort `adults` holds 100 and was full on 2009-05-02; `P091` entered on 2009-05-02 \
         (places go by date of entry, then participant reference)"
    );
    // Exactly the maximum exposure, reached by the rules themselves, not cut to it.
    assert_eq!(r.payments.total, contract.figures.maximum_exposure);
    assert!(r
        .payments
        .lines
        .iter()
        .all(|l| l.cut_by.iter().all(|c| !c.contains("maximum exposure"))));
}

#[test]
fn capped_payers_fund_every_payment_of_a_contract_that_checked_clean() {
    let contract = uncapped_drug_service(true);
    let mut rows = Vec::new();
    for i in 1..=200u64 {
        rows.extend(whole_funnel(&format!("P{i:03}"), 1, 2 + 6 * (i - 1)));
    }
    let r = engine::run(&contract, rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    assert_eq!(minor(r.payments.total), 42_500_000);
    let payers: Vec<(&str, i128)> = r
        .payments
        .by_payer
        .iter()
        .map(|a| (a.name.as_str(), a.amount.minor))
        .collect();
    assert_eq!(
        payers,
        vec![("Council", 21_250_000), ("Health", 21_250_000)]
    );
}

#[test]
fn a_comparison_of_0_assesses_no_tier() {
    let mut workspace =
        outcome::workspace::Workspace::for_path(std::path::Path::new("specs")).unwrap();
    let contract = workspace
        .load(std::path::Path::new("specs/reoffending.outcome"))
        .unwrap()
        .compiled
        .contract
        .clone()
        .unwrap();
    let value = |text: &str| outcome::report::input::measured_arg(text).unwrap();
    let tiers = |measured: Vec<outcome::report::Measured>| {
        let options = Options {
            measured,
            ..Default::default()
        };
        let r =
            engine::run(&contract, std::iter::empty(), &options).expect("the report's figures fit");
        r.payments
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Tier)
            .map(|l| l.amount.minor)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tiers(vec![value("reconviction_reduction@first_cohort:1=41.4/46")]),
        vec![25_000_000]
    );
    // An improvement on 0 is undefined: not the treatment value read as an improvement.
    assert_eq!(
        tiers(vec![value("reconviction_reduction@first_cohort:1=41.4/0")]),
        Vec::<i128>::new()
    );
}

/// The participant limit of `specs/troubled-families.outcome` (5 in 6 of 120 families: 100):
/// families are paid for in order of the date they first reached a payable result, ties by
/// reference; every line of a family beyond the 100th is paid nothing and says why.
#[test]
fn a_participant_limit_pays_the_first_families_to_reach_a_result_and_traces_the_rest() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/specs/troubled-families.outcome"
    );
    let bytes = std::fs::read(path).expect("the spec");
    let (_, compiled) = outcome::compile_bytes("troubled-families.outcome", &bytes);
    let contract = compiled.contract.expect("the spec checks clean");
    let mut rows = Vec::new();
    let mut number = 1;
    let mut add = |participant: &str, stage: &str, date: &str| {
        number += 1;
        rows.push(row(number, participant, stage, date, true));
    };
    // F102 reaches a result first; the other 101 all on one day, so their references decide.
    add("F102", "attached", "2012-04-10");
    add("F102", "school_and_crime", "2012-11-01");
    for i in 1..=101 {
        let reference = format!("F{i:03}");
        add(&reference, "attached", "2012-05-01");
        add(&reference, "school_and_crime", "2012-12-01");
    }
    // Attached but with no result yet: takes no place.
    add("F103", "attached", "2012-05-01");
    let r = engine::run(&contract, rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    let line = |participant: &str| {
        r.payments
            .lines
            .iter()
            .find(|l| l.participant.as_deref() == Some(participant))
            .unwrap_or_else(|| panic!("a line for {participant}"))
    };
    let first = line("F102");
    assert_eq!(minor(first.amount), 70_000);
    assert!(first.cut_by.is_empty());
    assert_eq!(
        first.limit.as_deref(),
        Some(
            "paid for: 1st to reach a payable result of at most 100 participants of `families` \
             paid for, 5 in 6 (troubled-families.outcome:73)"
        )
    );
    // Places 2 to 100: F001 to F099.
    assert_eq!(minor(line("F099").amount), 70_000);
    assert!(line("F099")
        .limit
        .as_deref()
        .unwrap_or("")
        .starts_with("paid for: 100th"));
    for beyond in ["F100", "F101"] {
        let l = line(beyond);
        assert_eq!(minor(l.rate), 70_000);
        assert_eq!(minor(l.amount), 0, "{beyond}");
        assert_eq!(
            l.cut_by,
            [
                "beyond the limit of 100 participants of `families` paid for, 5 in 6 \
              (troubled-families.outcome:73)"
            ]
        );
    }
    assert!(line("F101")
        .limit
        .as_deref()
        .unwrap_or("")
        .starts_with("not paid for: 102nd"));
    assert!(!r
        .payments
        .lines
        .iter()
        .any(|l| l.participant.as_deref() == Some("F103")));
    // 100 families at £700, every one in full: not 102 at £583.33 as deadweight would pay.
    assert_eq!(minor(r.payments.total), 7_000_000);
    let by_participant: i128 = r
        .payments
        .by_participant
        .iter()
        .map(|a| minor(a.amount))
        .sum();
    assert_eq!(by_participant, 7_000_000);
}

// ───────────────────── payment per unit and either-or triggers ─────────────────────

/// The Peterborough contract (`specs/peterborough.outcome`) reported on measured values only:
/// the tier lines, each as (subject, what the clause earns, what is paid).
fn peterborough_tiers(measured: &[&str]) -> (Report, Vec<(String, i128, i128)>) {
    let mut workspace =
        outcome::workspace::Workspace::for_path(std::path::Path::new("specs")).unwrap();
    let contract = workspace
        .load(std::path::Path::new("specs/peterborough.outcome"))
        .unwrap()
        .compiled
        .contract
        .clone()
        .unwrap();
    let options = Options {
        measured: measured
            .iter()
            .map(|m| outcome::report::input::measured_arg(m).unwrap())
            .collect(),
        ..Default::default()
    };
    let r = engine::run(&contract, std::iter::empty(), &options).expect("the report's figures fit");
    let lines = r
        .payments
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Tier)
        .map(|l| {
            (
                l.stage.clone().unwrap_or_default(),
                l.rate.minor,
                l.amount.minor,
            )
        })
        .collect();
    (r, lines)
}

/// The first cohort falls 15% on its own (1,020 events against 1,200): 180 events avoided at
/// £2,000 = £360,000. The second falls 7.5%, short of its 10%: nothing. Pooled at the end,
/// 2,130 against 2,400 is 11.25%, above 7.5%: 270 events at £2,000 = £540,000, of which the
/// £360,000 already paid to the first cohort is deducted, so £180,000. In all £540,000, the
/// larger of the alternatives, not £900,000.
#[test]
fn an_either_or_trigger_pays_the_larger_alternative_never_both() {
    let (r, lines) = peterborough_tiers(&[
        "reconviction_events@first_cohort:2=1020/1200",
        "reconviction_events@second_cohort:3=1110/1200",
        "reconviction_events:4=2130/2400",
    ]);
    assert_eq!(
        lines,
        vec![
            (
                "reconviction_events (first_cohort)".to_string(),
                36_000_000,
                36_000_000
            ),
            ("reconviction_events".to_string(), 54_000_000, 18_000_000),
        ]
    );
    assert_eq!(r.payments.total.minor, 54_000_000);
    let pooled = r
        .payments
        .lines
        .iter()
        .rfind(|l| l.kind == LineKind::Tier)
        .unwrap();
    assert_eq!(
        pooled.cut_by.len(),
        1,
        "the trace says why only part is paid"
    );
    assert!(pooled.cut_by[0].contains("never both") && pooled.cut_by[0].contains("£360,000"));
    let basis = pooled.measured.as_ref().unwrap();
    assert_eq!(basis.result.to_string(), "11.25");
    assert_eq!(basis.units.map(|u| u.to_string()).as_deref(), Some("270"));
    assert_eq!(
        basis.either_or_paid_before.map(|m| m.minor),
        Some(36_000_000)
    );
    // The text report prints the measured values and the reduction, not only the tier.
    let text = outcome::report::text::report(&r);
    assert!(
        text.contains("measured 1,020 against 1,200 for the comparison group in year 2, a reduction of 15%; tier from 10%; 180 units of improvement at £2,000 each"),
        "{text}"
    );
}

/// The pooled fall (4.17%) misses its 7.5%: only the first cohort's own £360,000 is paid; and
/// a cohort on its own pays at most its cap, £480,000 (300 events would be £600,000).
#[test]
fn a_per_unit_tier_pays_each_unit_up_to_its_cap() {
    let (_, lines) = peterborough_tiers(&[
        "reconviction_events@first_cohort:2=1020/1200",
        "reconviction_events:4=2300/2400",
    ]);
    assert_eq!(
        lines,
        vec![(
            "reconviction_events (first_cohort)".to_string(),
            36_000_000,
            36_000_000
        )]
    );
    let (_, lines) = peterborough_tiers(&["reconviction_events@second_cohort:2=900/1200"]);
    assert_eq!(
        lines,
        vec![(
            "reconviction_events (second_cohort)".to_string(),
            48_000_000,
            48_000_000
        )]
    );
}

/// Units of improvement are exact decimals and the payment rounds once, to the nearest penny,
/// halves away from zero: 120.000003 events × £2,000 = 24,000,000.6p → 24,000,001p;
/// 120.000002 events → 24,000,000.4p → 24,000,000p.
#[test]
fn a_payment_per_unit_rounds_fractions_of_a_penny_once() {
    let (_, lines) = peterborough_tiers(&["reconviction_events@first_cohort:2=1079.999997/1200"]);
    assert_eq!(lines[0].1, 24_000_001);
    let (_, lines) = peterborough_tiers(&["reconviction_events@first_cohort:2=1079.999998/1200"]);
    assert_eq!(lines[0].1, 24_000_000);
}

/// A step tier's line also carries the measured values and the reduction computed from them.
#[test]
fn a_step_tier_line_shows_the_measured_values_it_reached() {
    let mut workspace =
        outcome::workspace::Workspace::for_path(std::path::Path::new("specs")).unwrap();
    let contract = workspace
        .load(std::path::Path::new("specs/reoffending.outcome"))
        .unwrap()
        .compiled
        .contract
        .clone()
        .unwrap();
    let options = Options {
        measured: vec![outcome::report::input::measured_arg(
            "reconviction_reduction@first_cohort:1=41.4/46",
        )
        .unwrap()],
        ..Default::default()
    };
    let r = engine::run(&contract, std::iter::empty(), &options).expect("the report's figures fit");
    let line = r
        .payments
        .lines
        .iter()
        .find(|l| l.kind == LineKind::Tier)
        .unwrap();
    let basis = line.measured.as_ref().unwrap();
    // (46 − 41.4) ÷ 46 = 10%: the £250,000 tier from 10%.
    assert_eq!(
        (
            basis.treatment.to_string(),
            basis.comparison.map(|c| c.to_string()),
            basis.result.to_string(),
            basis.tier_from.to_string()
        ),
        (
            "41.4".to_string(),
            Some("46".to_string()),
            "10".to_string(),
            "10%".to_string()
        )
    );
    assert_eq!(basis.units, None);
}

/// The drug service with an outcomes fund that pays 40% of the outcome payments only, up to
/// £10,000, what its cap cuts falling to the two councils pro rata (the Life Chances Fund's
/// terms; see `specs/edge-of-care.outcome`). Ten participants reach every stage: outcome
/// payments 10 × (£100 + £500 + £3,000) = £36,000, fixed fees 4 × £15,000 = £60,000, no bonus
/// or penalty (10 abstinent).
#[test]
fn the_report_shares_the_total_between_payers_pro_rata_and_by_pools() {
    let spec = std::fs::read_to_string("specs/drug-service.outcome").unwrap();
    let text = spec.replace(
        "  penalty 10%",
        "  payer \"Fund\" pays 40% of outcome payments up to £10,000, excess pro rata\n  payer \"Council A\" pays 35%\n  payer \"Council B\" pays 25%\n  penalty 10%",
    );
    assert_ne!(text, spec);
    let (_, compiled) = outcome::compile_bytes("drug.outcome", text.as_bytes());
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    let contract = compiled.contract.unwrap();
    let mut rows = Vec::new();
    for i in 1..=10u64 {
        rows.extend(whole_funnel(&format!("P{i:03}"), 1, 2 + 6 * (i - 1)));
    }
    let r = engine::run(&contract, rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    assert_eq!(minor(r.payments.total), 9_600_000);
    // Fixed fees, 6,000,000p, the councils' alone: 35% = 2,100,000p and the last 1,500,000p,
    // plus the fund's 40% (2,400,000p) 35 : 25 = 1,400,000p and 1,000,000p.
    // Outcome payments, 3,600,000p: the fund's 40% = 1,440,000p stops at 1,000,000p; the
    // 440,000p cut is 256,666.67p and 183,333.33p, the penny left to the first (largest
    // remainder); with their own 1,260,000p and 900,000p.
    let payers: Vec<(&str, i128, String)> = r
        .payments
        .by_payer
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.amount.minor,
                a.share.map_or(String::new(), |s| s.to_string()),
            )
        })
        .collect();
    assert_eq!(
        payers,
        vec![
            ("Fund", 1_000_000, "10.42%".to_string()),
            ("Council A", 5_016_667, "52.26%".to_string()),
            ("Council B", 3_583_333, "37.32%".to_string()),
        ]
    );
    // Each payer's part is traced to the clause it is shared by.
    let lines: Vec<Option<usize>> = r
        .payments
        .by_payer
        .iter()
        .map(|a| a.clause.as_ref().map(|c| c.line))
        .collect();
    let first = text
        .lines()
        .position(|l| l.contains("payer \"Fund\""))
        .map(|i| i + 1);
    assert_eq!(
        lines,
        vec![first, first.map(|l| l + 1), first.map(|l| l + 2)]
    );
    // Line by line: the fund pays none of a fixed fee and 40% of each outcome payment, in
    // order of falling due, until its £10,000 is reached; its parts add up to that.
    let part = |line: &outcome::report::PaymentLine, payer: &str| {
        line.payers
            .iter()
            .find(|p| p.name == payer)
            .map(|p| p.amount.minor)
            .unwrap()
    };
    let mut fund = 0;
    for line in &r.payments.lines {
        let parts: i128 = line.payers.iter().map(|p| p.amount.minor).sum();
        assert_eq!(parts, line.amount.minor, "{line:?}");
        if line.kind == outcome::report::LineKind::FixedFee {
            assert_eq!(part(line, "Fund"), 0, "{line:?}");
        } else if fund + line.amount.minor * 40 / 100 <= 1_000_000 {
            assert_eq!(part(line, "Fund"), line.amount.minor * 40 / 100, "{line:?}");
        }
        fund += part(line, "Fund");
    }
    assert_eq!(fund, 1_000_000);
    // The first outcome payment: enrolment, £100, of which the fund 40%, the councils the
    // rest 35 : 25 of the 60%.
    let enrol = r
        .payments
        .lines
        .iter()
        .find(|l| l.kind == outcome::report::LineKind::Price)
        .unwrap();
    assert_eq!(enrol.amount.minor, 10_000);
    let parts: Vec<i128> = ["Fund", "Council A", "Council B"]
        .iter()
        .map(|p| part(enrol, p))
        .collect();
    assert_eq!(parts, vec![4_000, 3_500, 2_500]);
}

/// The drug service (no cap on the total), ten participants through the whole funnel and
/// five who only enrol and attend: £60,000 of fixed fees + 10 × £3,600 + 5 × £100 =
/// £96,500 due, no bonus or penalty (10 abstinent). Per target reached: £96,500 ÷ 10 =
/// £9,650; per participant entered: £96,500 ÷ 15 = £6,433.33.
#[test]
fn the_report_gives_the_cost_per_target_and_per_participant_achieved_to_date() {
    let contract = uncapped_drug_service(false);
    let mut rows = Vec::new();
    for i in 1..=15u64 {
        let funnel = whole_funnel(&format!("P{i:03}"), 1, 2 + 6 * (i - 1));
        let reached = if i <= 10 { funnel.len() } else { 2 };
        rows.extend(funnel.into_iter().take(reached));
    }
    let r = engine::run(&contract, rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    assert_eq!(minor(r.payments.total), 9_650_000);
    let costs = &r.unit_costs;
    let per_target: Vec<(&str, u64, Option<i128>)> = costs
        .per_target
        .iter()
        .map(|t| (t.target.as_str(), t.achieved, t.unit_cost.map(minor)))
        .collect();
    assert_eq!(per_target, vec![("abstinent", 10, Some(965_000))]);
    assert_eq!(costs.participants, 15);
    assert_eq!(costs.per_participant.map(minor), Some(643_333));
    // Before anyone has reached the target, there is no cost per target yet.
    let early = engine::run(
        &contract,
        whole_funnel("P001", 1, 2).into_iter().take(2),
        &Options::default(),
    )
    .expect("the report's figures fit");
    assert_eq!(early.unit_costs.per_target[0].achieved, 0);
    assert_eq!(early.unit_costs.per_target[0].unit_cost, None);
}

/// The accommodation cap of `specs/fair-chance.outcome` (£150,000): lines of the group's
/// stages are paid in the order they fall due until the group has paid its cap; the line that
/// reaches it is cut and says so, later ones are paid nothing; other groups are not touched,
/// and the sub-totals by group add up to the total.
#[test]
fn a_group_cap_stops_its_stages_payments_and_traces_the_cut() {
    let r = fair_chance_beyond_the_accommodation_cap();
    let lines = |stage: &str| -> Vec<&outcome::report::PaymentLine> {
        r.payments
            .lines
            .iter()
            .filter(|l| l.stage.as_deref() == Some(stage))
            .collect()
    };
    let six_months = lines("sustained_6m");
    assert_eq!(six_months.len(), 31);
    let paid: i128 = six_months.iter().map(|l| minor(l.amount)).sum();
    assert_eq!(
        paid, 4_500_000,
        "30 × £1,500: the group then holds £150,000"
    );
    let cut: Vec<_> = six_months.iter().filter(|l| minor(l.amount) == 0).collect();
    assert_eq!(cut.len(), 1);
    assert_eq!(
        cut[0].cut_by,
        ["cap on group `accommodation` of £150,000 reached (fair-chance.outcome:107)"]
    );
    // Employment is in another group: paid in full.
    assert_eq!(minor(lines("employed")[0].amount), 50_000);
    let by_group: Vec<(&str, i128)> = r
        .payments
        .by_group
        .iter()
        .map(|a| (a.name.as_str(), minor(a.amount)))
        .collect();
    assert_eq!(
        by_group,
        [
            ("accommodation", 15_000_000),
            ("education", 0),
            ("employment", 50_000),
            ("(not in a group)", 0),
            ("(not a stage's price)", 0),
        ]
    );
    assert_eq!(
        by_group.iter().map(|(_, a)| a).sum::<i128>(),
        minor(r.payments.total)
    );
}

/// `specs/fair-chance.outcome` with a return that takes the accommodation group beyond its
/// cap: 70 young people housed (£500 each: £35,000) in quarter 1 and sustained 3 months (£1,000
/// each: £70,000) in quarter 2: £105,000; then sustained 6 months at £1,500 each in quarter 3:
/// the 30th brings the group to £150,000 exactly, and the 31st (all on one day, so in order
/// of reference) would take it beyond. One of them also enters work (£500, employment) in
/// quarter 2.
fn fair_chance_beyond_the_accommodation_cap() -> Report {
    let mut rows = Vec::new();
    let mut number = 1;
    let mut add = |participant: &str, stage: &str, date: &str| {
        number += 1;
        rows.push(row(number, participant, stage, date, true));
    };
    for i in 1..=70 {
        let reference = format!("Y{i:03}");
        add(&reference, "referred", "2015-02-02");
        add(&reference, "housed", "2015-03-02");
        add(&reference, "sustained_3m", "2015-06-03");
    }
    for i in 1..=31 {
        add(&format!("Y{i:03}"), "sustained_6m", "2015-09-10");
    }
    add("Y001", "employed", "2015-05-01");
    engine::run(&fair_chance(), rows.into_iter(), &Options::default())
        .expect("the report's figures fit")
}

fn fair_chance() -> outcome::model::Contract {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/fair-chance.outcome");
    let bytes = std::fs::read(path).expect("the spec");
    let (_, compiled) = outcome::compile_bytes("fair-chance.outcome", &bytes);
    *compiled.contract.expect("the spec checks clean")
}

/// The same return period by period and group by group, worked out by hand: each quarter's
/// payments split by group add up to the quarter, each group over the quarters to its paid to
/// date; each group's paid to date beside its part of the plan and of the maximum (the
/// figures the spec's header works out), and the accommodation cap reached.
#[test]
fn each_period_is_split_by_group_and_each_group_set_beside_its_plan_and_cap() {
    let r = fair_chance_beyond_the_accommodation_cap();
    let rows = [
        "accommodation",
        "education",
        "employment",
        "(not in a group)",
        "(not a stage's price)",
    ];
    let periods: Vec<(&str, i128, Vec<i128>)> = r
        .payments
        .by_period
        .iter()
        .map(|p| {
            let names: Vec<&str> = p.by_group.iter().map(|g| g.name.as_str()).collect();
            assert_eq!(names, rows, "{}", p.name);
            let split = p.by_group.iter().map(|g| minor(g.amount)).collect();
            (p.name.as_str(), minor(p.amount), split)
        })
        .collect();
    // Housed in quarter 1; sustained 3 months and the one job in quarter 2; 30 of the 31
    // sustained 6 months in quarter 3 (the 31st cut to nothing by the cap); nothing after.
    assert_eq!(periods.len(), 12, "the quarters of the term");
    assert_eq!(
        periods[..3],
        [
            (
                "quarter 1 (2015-01-01 to 2015-03-31)",
                3_500_000,
                vec![3_500_000, 0, 0, 0, 0]
            ),
            (
                "quarter 2 (2015-04-01 to 2015-06-30)",
                7_050_000,
                vec![7_000_000, 0, 50_000, 0, 0]
            ),
            (
                "quarter 3 (2015-07-01 to 2015-09-30)",
                4_500_000,
                vec![4_500_000, 0, 0, 0, 0]
            ),
        ]
    );
    assert!(periods[3..]
        .iter()
        .all(|(_, total, split)| *total == 0 && split.iter().all(|a| *a == 0)));
    /// A row of `by_group`: name, paid to date, at plan, at most, cap, cap reached.
    type Row<'a> = (&'a str, i128, i128, Option<i128>, Option<i128>, bool);
    let groups: Vec<Row> = r
        .payments
        .by_group
        .iter()
        .map(|g| {
            (
                g.name.as_str(),
                minor(g.amount),
                minor(g.at_plan),
                g.at_maximum.map(minor),
                g.cap.map(minor),
                g.cap_reached,
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                "accommodation",
                15_000_000,
                15_000_000,
                Some(15_000_000),
                Some(15_000_000),
                true
            ),
            ("education", 0, 5_000_000, Some(20_000_000), None, false),
            (
                "employment",
                50_000,
                5_000_000,
                Some(30_000_000),
                None,
                false
            ),
            ("(not in a group)", 0, 500_000, Some(5_000_000), None, false),
            ("(not a stage's price)", 0, 0, Some(0), None, false),
        ]
    );
    let accommodation = &r.payments.by_group[0];
    assert_eq!(accommodation.title.as_deref(), Some("Accommodation"));
    assert_eq!(
        accommodation.clause.as_ref().map(|c| c.line),
        Some(107),
        "the group clause"
    );
}

/// Below its cap a group's cap is not reached: the same return reported before the claims of
/// six months, with the accommodation group at £105,000 of its £150,000.
#[test]
fn a_group_below_its_cap_has_not_reached_it() {
    let contract = fair_chance();
    let mut rows = Vec::new();
    let mut number = 1;
    for i in 1..=70 {
        let reference = format!("Y{i:03}");
        for (stage, date) in [
            ("referred", "2015-02-02"),
            ("housed", "2015-03-02"),
            ("sustained_3m", "2015-06-03"),
        ] {
            number += 1;
            rows.push(row(number, &reference, stage, date, true));
        }
    }
    let r = engine::run(&contract, rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    let accommodation = &r.payments.by_group[0];
    assert_eq!(minor(accommodation.amount), 10_500_000);
    assert_eq!(accommodation.cap.map(minor), Some(15_000_000));
    assert!(!accommodation.cap_reached);
    assert!(r.payments.lines.iter().all(|l| l.cut_by.is_empty()));
}

/// A participant's first few claims are held in place and the rest elsewhere, and a
/// reference longer than 23 bytes is looked up apart from the shorter ones: none of that may
/// change a figure. The same return, with many claims for each participant
/// (claims of a stage on several days, the same day claimed twice, rows out of order), is
/// judged the same with short references and with long ones written in capitals.
#[test]
fn many_claims_and_long_references_are_judged_as_few_and_short_ones() {
    let days = [
        "2026-04-10",
        "2026-04-03",
        "2026-05-20",
        "2026-05-02",
        "2026-06-11",
        "2026-05-20",
        "2026-07-01",
        "2026-04-10",
    ];
    let mut plan: Vec<(String, &str, &str, bool)> = Vec::new();
    for p in 0..5 {
        let who = format!("P{p}");
        for (i, day) in days.iter().enumerate().skip(p % 3) {
            let stage = match (i + p) % 4 {
                0 => "enrol",
                1 | 2 => "job",
                _ => "sustained",
            };
            plan.push((who.clone(), stage, day, (i + p) % 7 != 3));
        }
        plan.push((who, "college", "2026-09-15", true));
    }
    // Interleaved as a monthly return would be: participants' rows far apart.
    plan.sort_by_key(|(who, _, day, _)| (*day, who.clone()));
    let long = |who: &str| format!("  A-Reference-Longer-Than-Twenty-Three-Bytes-{who}  ");
    let rows = |named: &dyn Fn(&str) -> String| -> Vec<Input> {
        plan.iter()
            .enumerate()
            .map(|(i, (who, stage, day, evidence))| {
                row(i as u64 + 2, &named(who), stage, day, *evidence)
            })
            .collect()
    };
    let short = report(rows(&|who| who.to_string()), "2027-03-31");
    let long_report = report(rows(&long), "2027-03-31");
    assert!(short.rows.rejected > 0 && short.rows.accepted > 0);
    let seen = |r: &Report, named: &dyn Fn(&str) -> String| {
        let unname = |p: &Option<String>| {
            p.as_deref().map(|p| {
                (0..5)
                    .map(|n| format!("P{n}"))
                    .find(|short| named(short).trim() == p.trim())
                    .unwrap_or_else(|| panic!("`{p}` is one of the participants"))
            })
        };
        let rejected: Vec<(u64, Rejection, Option<String>)> = r
            .rejected
            .iter()
            .map(|x| (x.row, x.reason, unname(&x.participant)))
            .collect();
        let lines: Vec<(Option<String>, Option<String>, i128)> = r
            .payments
            .lines
            .iter()
            .map(|l| (unname(&l.participant), l.stage.clone(), minor(l.amount)))
            .collect();
        (
            (r.rows.read, r.rows.accepted, r.rows.rejected),
            rejected,
            lines,
        )
    };
    assert_eq!(
        seen(&short, &|who| who.to_string()),
        seen(&long_report, &long)
    );
    assert!(
        short
            .rejected
            .iter()
            .any(|x| x.reason == Rejection::Duplicate),
        "the same day claimed twice"
    );
}

/// A day's lines are in the order of their participants' references as written, also when
/// capitals order them otherwise than their keys (`B2` before `a1`, though `a1` before `b2`),
/// and when they do not.
#[test]
fn a_days_lines_follow_the_references_as_written() {
    for (first, second) in [("a1", "B2"), ("a1", "b2"), ("A1", "b2")] {
        let r = report(
            vec![
                row(2, first, "enrol", "2026-04-10", true),
                row(3, second, "enrol", "2026-04-10", true),
            ],
            "2027-03-31",
        );
        let named: Vec<&str> = r
            .payments
            .lines
            .iter()
            .filter_map(|l| l.participant.as_deref())
            .collect();
        let mut expected = vec![first, second];
        expected.sort();
        assert_eq!(named, expected, "{first} and {second}");
    }
}

/// A school's contract, paid by the term: three terms of four months to a contract year,
/// counted from the term's first day (1 September: September to December, January to April,
/// May to August). Each period of the report is a term, a price `due termly in arrears` falls
/// due on the last day of the term it was earned in, and a fee `per term` once a term.
#[test]
fn a_school_contract_reports_and_pays_by_the_term() {
    let contract = r#"
contract "School inclusion" {
  commissioner "Council"
  provider "Provider"
  term 2026-09-01 to 2028-08-31
  referrals until 2027-08-31
  funding limit £100,000
}
outcome in_school "Back in school full time"
cohort pupils "Pupils at risk of exclusion" { size 20 }
funnel inclusion "Back into school" for pupils {
  milestone referred "Referred"                 20 { evidence "Referral form" }
  target    returned "Back in school full time" 10 within 6 months {
    achieves in_school
    evidence "Attendance register"
  }
}
payments {
  fixed £3,000 per term
  pay £600 for returned due termly in arrears
}
monitoring { returns termly }
"#;
    let (_, compiled) = outcome::compile_bytes("school.outcome", contract.as_bytes());
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    let contract = compiled.contract.unwrap();
    let rows = vec![
        row(1, "S001", "referred", "2026-09-10", true),
        // Earned on the term's last day: due that day.
        row(2, "S001", "returned", "2026-12-31", true),
        row(3, "S002", "referred", "2026-11-02", true),
        // Earned on the next term's first day: due at the end of April.
        row(4, "S002", "returned", "2027-01-01", true),
        row(5, "S003", "referred", "2027-03-15", true),
        // Earned in the third term of year 1: due on its last day, 31 August.
        row(6, "S003", "returned", "2027-08-15", true),
    ];
    let r = engine::run(
        &contract,
        rows.into_iter(),
        &Options {
            until: outcome::value::Date::new(2027, 8, 31),
            ..Default::default()
        },
    )
    .expect("the report's figures fit");
    let prices: Vec<(&str, String, String, &str, i128)> = r
        .payments
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Price)
        .map(|l| {
            (
                l.participant.as_deref().unwrap_or(""),
                l.earned.to_string(),
                l.due.to_string(),
                l.period.as_str(),
                minor(l.amount),
            )
        })
        .collect();
    assert_eq!(
        prices,
        [
            (
                "S001",
                "2026-12-31".to_string(),
                "2026-12-31".to_string(),
                "year 1 term 1 (2026-09-01 to 2026-12-31)",
                60_000
            ),
            (
                "S002",
                "2027-01-01".to_string(),
                "2027-04-30".to_string(),
                "year 1 term 2 (2027-01-01 to 2027-04-30)",
                60_000
            ),
            (
                "S003",
                "2027-08-15".to_string(),
                "2027-08-31".to_string(),
                "year 1 term 3 (2027-05-01 to 2027-08-31)",
                60_000
            ),
        ]
    );
    let fees: Vec<(String, i128)> = r
        .payments
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::FixedFee)
        .map(|l| (l.due.to_string(), minor(l.amount)))
        .collect();
    // One fee for each term ended by the report date.
    assert_eq!(
        fees,
        [
            ("2026-12-31".to_string(), 300_000),
            ("2027-04-30".to_string(), 300_000),
            ("2027-08-31".to_string(), 300_000),
        ]
    );
    let periods: Vec<(&str, i128)> = r
        .payments
        .by_period
        .iter()
        .map(|p| (p.name.as_str(), minor(p.amount)))
        .collect();
    assert_eq!(
        periods,
        [
            ("year 1 term 1 (2026-09-01 to 2026-12-31)", 360_000),
            ("year 1 term 2 (2027-01-01 to 2027-04-30)", 360_000),
            ("year 1 term 3 (2027-05-01 to 2027-08-31)", 360_000),
        ]
    );
    assert_eq!(minor(r.payments.total), 1_080_000);
}
