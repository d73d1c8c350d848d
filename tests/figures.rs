//! The figures of every contract in `specs/`, worked out by hand.
//!
//! Each expected value was computed by hand from the rules in `src/check/money` (the order in
//! which limits apply, and where each division rounds) before it was compared with the
//! program, and is written in minor units (pence) with the working beside it. These are not
//! snapshots: when a figure changes, either the contract changed or the arithmetic is wrong.
//!
//! By-year figures follow the sampling rule of `by_year`: participants enter on
//! `min(days, 366)` evenly spaced days of the referral window (day `k × days ÷ samples`), reach
//! each paid stage at the end of its window and are paid by its timing; the outcome payments at
//! plan are shared between the years in proportion to `price × expected` on those dates, by
//! largest remainder, and tier payments fall in the last year.
//!
//! The property at the end checks, for generated contracts, that the figures that are shares
//! of a whole add up to it exactly.

use outcome::ast::{CapScope, IncentiveKind, TierScope};
use outcome::diagnostic::Diagnostic;
use outcome::model::{Contract, GroupRow, Stage};
use outcome::value::Money;
use proptest::prelude::*;

// ───────────────────────────── helpers ─────────────────────────────

/// Compile `bytes` as the file `path`: the diagnostics that `shown` picks out, as a person
/// reads them, and the contract, if there is one.
fn compile(
    path: &str,
    bytes: &[u8],
    shown: fn(&Diagnostic) -> bool,
) -> (Vec<String>, Option<Contract>) {
    let (file, compiled) = outcome::compile_bytes(path, bytes);
    let rendered = compiled
        .diagnostics
        .iter()
        .filter(|d| shown(d))
        .map(|d| outcome::diagnostic::render_human(&file, d, false))
        .collect();
    (rendered, compiled.contract.map(|c| *c))
}

/// Compile a file of `specs/`, which must check clean: no errors and no warnings.
fn spec(name: &str) -> Contract {
    let path = format!("{}/specs/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (shown, contract) = compile(&path, &bytes, |_| true);
    assert!(
        shown.is_empty(),
        "{name} must check clean, but:\n{}",
        shown.join("\n")
    );
    contract.unwrap_or_else(|| panic!("{name} has a contract"))
}

/// Compile contract text that must have no errors (warnings allowed).
fn text(source: &str) -> Contract {
    let (errors, contract) = compile("generated.outcome", source.as_bytes(), Diagnostic::is_error);
    assert!(
        errors.is_empty(),
        "expected no errors in\n{source}\nbut:\n{}",
        errors.join("\n")
    );
    contract.expect("a contract")
}

/// A spec under `specs/` with `from` replaced by `to` (which must be in it): the text, and
/// the contract it compiles to.
fn spec_changed(name: &str, from: &str, to: &str) -> (String, Contract) {
    let path = format!("{}/specs/{name}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).expect("the spec");
    let changed = source.replace(from, to);
    assert_ne!(changed, source, "`{from}` is not in {name}");
    let contract = text(&changed);
    (changed, contract)
}

/// Each row of the sub-totals by group at plan, in minor units.
fn group_at_plan(c: &Contract) -> Vec<i128> {
    c.figures
        .by_group
        .iter()
        .map(|g| minor(g.at_plan))
        .collect()
}

fn minor(m: Money) -> i128 {
    m.minor
}

/// Per cohort: (cohort, rate card, maximum, unreachable, participants, to exhaust the total cap).
type ParticipantRow<'a> = (&'a str, i128, i128, i128, Option<u64>, Option<u64>);

fn assert_per_participant(contract: &Contract, expected: &[ParticipantRow]) {
    let got: Vec<ParticipantRow> = contract
        .figures
        .per_participant
        .iter()
        .map(|p| {
            (
                p.cohort.as_str(),
                minor(p.rate_card),
                minor(p.maximum),
                minor(p.unreachable),
                p.participants,
                p.to_exhaust_total_cap,
            )
        })
        .collect();
    assert_eq!(got, expected, "per-participant figures");
}

/// Per target: (funnel, target, expected, unit cost); then the unit cost per participant.
fn assert_unit_costs(
    contract: &Contract,
    expected: &[(&str, &str, u64, i128)],
    per_participant: Option<i128>,
) {
    let got: Vec<(&str, &str, u64, i128)> = contract
        .figures
        .unit_cost_per_target
        .iter()
        .map(|u| {
            (
                u.funnel.as_str(),
                u.target.as_str(),
                u.expected,
                minor(u.unit_cost),
            )
        })
        .collect();
    assert_eq!(got, expected, "unit cost per target");
    assert_eq!(
        contract.figures.unit_cost_per_participant.map(minor),
        per_participant,
        "unit cost per participant"
    );
}

/// (payer, at plan, at maximum)
fn assert_payers(contract: &Contract, expected: &[(&str, i128, i128)]) {
    let got: Vec<(&str, i128, i128)> = contract
        .figures
        .by_payer
        .iter()
        .map(|p| (p.name.as_str(), minor(p.at_plan), minor(p.at_maximum)))
        .collect();
    assert_eq!(got, expected, "payer split");
}

/// (year, first day, last day, fixed fees, outcome payments, total)
fn assert_years(contract: &Contract, expected: &[(u32, &str, &str, i128, i128, i128)]) {
    let got: Vec<(u32, String, String, i128, i128, i128)> = contract
        .figures
        .by_year
        .iter()
        .map(|y| {
            (
                y.year,
                y.start.to_string(),
                y.end.to_string(),
                minor(y.fixed_fees),
                minor(y.outcome_payments),
                minor(y.total),
            )
        })
        .collect();
    let expected: Vec<(u32, String, String, i128, i128, i128)> = expected
        .iter()
        .map(|(n, s, e, fixed, out, total)| {
            (*n, s.to_string(), e.to_string(), *fixed, *out, *total)
        })
        .collect();
    assert_eq!(got, expected, "by-year figures");
    for (_, _, _, fixed, out, total) in &expected {
        assert_eq!(
            fixed + out,
            *total,
            "a year's total is its fees plus its outcome payments"
        );
    }
}

/// Conversion factors, in tenths of a percent: (stage, step factor, overall factor).
fn assert_conversions(contract: &Contract, funnel: &str, expected: &[(&str, Option<i128>, i128)]) {
    let funnel = contract
        .funnels
        .iter()
        .find(|f| f.id == funnel)
        .unwrap_or_else(|| panic!("funnel {funnel}"));
    let tenths = |p: outcome::value::Percent| {
        assert_eq!(p.0.scale, 1, "computed factors have one decimal place");
        p.0.mantissa
    };
    let got: Vec<(&str, Option<i128>, i128)> = funnel
        .stages
        .iter()
        .map(|s: &Stage| {
            (
                s.id.as_str(),
                s.conversion.map(tenths),
                tenths(s.overall_conversion),
            )
        })
        .collect();
    assert_eq!(got, expected, "conversion factors of {}", funnel.id);
}

/// Each fixed fee: (amount, periods, the year it is limited to, total).
fn assert_fixed_fees(contract: &Contract, expected: &[(i128, u64, Option<u32>, i128)]) {
    let got: Vec<(i128, u64, Option<u32>, i128)> = contract
        .payments
        .fixed_fees
        .iter()
        .map(|f| (minor(f.amount), f.periods, f.year, minor(f.total)))
        .collect();
    assert_eq!(got, expected, "fixed fees");
}

/// Each bonus or penalty: (kind, assessments, maximum).
fn assert_incentives(contract: &Contract, expected: &[(IncentiveKind, u64, i128)]) {
    let got: Vec<(IncentiveKind, u64, i128)> = contract
        .payments
        .incentives
        .iter()
        .map(|i| (i.kind, i.assessments, minor(i.maximum)))
        .collect();
    assert_eq!(got, expected, "bonuses and penalties");
}

/// What a contract costs at plan and the most it can cost, in minor units, and the caps
/// that limit it: each figure named as in `outcome::model::Figures`.
#[derive(Debug, PartialEq)]
struct Totals {
    fixed_fees: i128,
    outcome_payments_at_plan: i128,
    outcome_payments_at_plan_capped: i128,
    tier_payments_at_plan: i128,
    planned_total_cost: i128,

    bonuses_maximum: i128,
    tiers_maximum: i128,
    maximum_exposure: i128,
    binding_caps: Vec<CapScope>,
    headroom: i128,
}

fn assert_totals(contract: &Contract, expected: Totals) {
    let f = &contract.figures;
    let got = Totals {
        fixed_fees: minor(f.fixed_fees),
        outcome_payments_at_plan: minor(f.outcome_payments_at_plan),
        outcome_payments_at_plan_capped: minor(f.outcome_payments_at_plan_capped),
        tier_payments_at_plan: minor(f.tier_payments_at_plan),
        planned_total_cost: minor(f.planned_total_cost),

        bonuses_maximum: minor(f.bonuses_maximum),
        tiers_maximum: minor(f.tiers_maximum),
        maximum_exposure: minor(f.maximum_exposure),
        binding_caps: f.binding_caps.clone(),
        headroom: minor(f.headroom),
    };
    assert_eq!(got, expected, "totals");
}

// ───────────────────────────── drug service ─────────────────────────────

#[test]
fn drug_service() {
    let c = spec("drug-service.outcome");

    assert_conversions(
        &c,
        "day_programme",
        &[
            ("enrol", None, 1000),         // 100 ÷ 100
            ("attend", Some(500), 500),    // 50 ÷ 100
            ("drug_free", Some(800), 400), // 40 ÷ 50; 40 ÷ 100
            ("skill", Some(750), 300),     // 30 ÷ 40; 30 ÷ 100
            ("complete", Some(833), 250),  // 25 ÷ 30 = 83.33…; 25 ÷ 100
            ("abstinent", Some(400), 100), // 10 ÷ 25; 10 ÷ 100
        ],
    );

    // Term 2009-04-01 to 2010-03-31: four whole quarters.
    assert_fixed_fees(&c, &[(1_500_000, 4, None, 6_000_000)]); // 4 × £15,000

    assert_per_participant(
        &c,
        &[(
            "adults",
            360_000, // £100 + £500 + £3,000
            360_000, // no per-participant cap
            0,
            Some(100),
            Some(17), // (£120,000 − £60,000) ÷ £3,600 = 16.67 → 17
        )],
    );

    assert_incentives(
        &c,
        &[
            (IncentiveKind::Bonus, 1, 500_000), // £5,000 once, at the end of the term
            // 10% of the outcome maximum 100 × £3,600 = £360,000
            (IncentiveKind::Penalty, 1, 3_600_000),
        ],
    );

    assert_totals(
        &c,
        Totals {
            fixed_fees: 6_000_000, // £60,000
            // 50 × £100 + 25 × £500 + 10 × £3,000 = £5,000 + £12,500 + £30,000
            outcome_payments_at_plan: 4_750_000, // £47,500
            // No per-participant cap: nobody earns more than the £3,600 card; no deadweight,
            // no cap on outcome payments.
            outcome_payments_at_plan_capped: 4_750_000, // £47,500
            tier_payments_at_plan: 0,
            // £60,000 + £47,500 = £107,500, below the £120,000 total cap
            planned_total_cost: 10_750_000,

            bonuses_maximum: 500_000, // £5,000
            tiers_maximum: 0,
            // £60,000 + 100 × £3,600 + £5,000 = £425,000, limited by the total cap
            maximum_exposure: 12_000_000, // £120,000
            binding_caps: vec![CapScope::Total],
            headroom: 0, // £120,000 − £120,000
        },
    );

    assert_unit_costs(
        &c,
        &[("day_programme", "abstinent", 10, 1_075_000)], // £107,500 ÷ 10
        Some(107_500),                                    // £107,500 ÷ 100
    );

    assert_payers(&c, &[]);
    // One contract year: everything falls in it.
    assert_years(
        &c,
        &[(
            1,
            "2009-04-01",
            "2010-03-31",
            6_000_000,
            4_750_000,
            10_750_000,
        )],
    );
}

// ───────────────────────────── young people ─────────────────────────────

/// The drug service's target is three months after discharge: planned at the end of the
/// 3-month window for `complete`, then 3 months more.
#[test]
fn drug_service_timeline() {
    let c = spec("drug-service.outcome");
    let abstinent = c
        .figures
        .timeline
        .stages
        .iter()
        .find(|s| s.stage == "abstinent")
        .unwrap();
    // Entered 2009-04-01: complete planned 2009-07-01, drug free 3 months later 2009-10-01.
    // Entered on the last day of referrals, 2009-12-31: complete 2010-03-31, abstinent
    // 2010-06-30, after the term.
    assert_eq!(abstinent.first.to_string(), "2009-10-01");
    assert_eq!(abstinent.last.to_string(), "2010-06-30");
    // Referrals 2009-04-01 to 2009-12-31: 275 days, one entry a day. Entries of April to June
    // (91 days) reach the target in October to December 2009 (quarter 3), of July to September
    // (92) in January to March 2010 (quarter 4), of October to December (92) after the term.
    // 10 people shared 91 : 92 : 92 → 3.31, 3.35, 3.35 → 3, 3, 3 and the person left to the
    // first of the two largest remainders, quarter 4.
    assert_eq!(abstinent.by_quarter, vec![0, 0, 3, 4]);
    assert_eq!(abstinent.after_term, 3);
}

#[test]
fn young_people() {
    let c = spec("young-people.outcome");

    assert_conversions(
        &c,
        "inclusion",
        &[
            ("referred", None, 1000),
            ("engaged", Some(900), 900),   // 18 ÷ 20
            ("attending", Some(778), 700), // 14 ÷ 18 = 77.78; 14 ÷ 20
            ("settled", Some(857), 600),   // 12 ÷ 14 = 85.71; 12 ÷ 20
            ("full_time", Some(833), 500), // 10 ÷ 12 = 83.33; 10 ÷ 20
        ],
    );

    // 2026-09-01 to 2028-08-31: eight whole quarters.
    assert_fixed_fees(&c, &[(600_000, 8, None, 4_800_000)]); // 8 × £6,000

    assert_per_participant(
        &c,
        &[(
            "young_people",
            600_000, // £500 + £1,000 + £1,500 + £3,000
            600_000, // the £6,000 cap equals the card
            0,
            Some(20),
            Some(19), // (£160,000 − £48,000) ÷ £6,000 = 18.67 → 19
        )],
    );
    assert_incentives(&c, &[]);

    assert_totals(
        &c,
        Totals {
            fixed_fees: 4_800_000, // £48,000
            // 18 × £500 + 14 × £1,000 + 12 × £1,500 + 10 × £3,000
            // = £9,000 + £14,000 + £18,000 + £30,000
            outcome_payments_at_plan: 7_100_000, // £71,000
            // The 10 who reach the target earn £6,000, exactly the cap: nothing is cut.
            outcome_payments_at_plan_capped: 7_100_000,
            tier_payments_at_plan: 0,
            planned_total_cost: 11_900_000, // £48,000 + £71,000

            bonuses_maximum: 0,
            tiers_maximum: 0,
            // £48,000 + 20 × £6,000 = £168,000, limited by the total cap
            maximum_exposure: 16_000_000, // £160,000
            // A cap equal to the card does not bind.
            binding_caps: vec![CapScope::Total],
            headroom: 500_000, // £165,000 − £160,000
        },
    );

    assert_unit_costs(
        &c,
        &[("inclusion", "full_time", 10, 1_190_000)], // £119,000 ÷ 10
        Some(595_000),                                // £119,000 ÷ 20
    );
    assert_payers(&c, &[]);

    // Referrals 2026-09-01 to 2027-05-31: 273 days, one entry a day. Year 1 ends 2027-08-31.
    //   engaged   (6 weeks):  all 273 entries in year 1                  weight £9,000 each
    //   attending (6 months): entries to 2027-02-28 (181) in year 1, 92 in year 2  £14,000
    //   settled   (9 months): entries to 2026-11-30 (91) in year 1, 182 in year 2  £18,000
    //   full_time (15 months): all 273 in year 2                                   £30,000
    // Year 1: 273 × 9,000 + 181 × 14,000 + 91 × 18,000 = 6,629,000
    // Year 2: 92 × 14,000 + 182 × 18,000 + 273 × 30,000 = 12,754,000   (sum 273 × 71,000)
    // £71,000 × 6,629 ÷ 19,383 = 2,428,205.13p; × 12,754 ÷ 19,383 = 4,671,794.87p;
    // the penny left over goes to the larger remainder, year 2.
    assert_years(
        &c,
        &[
            (
                1,
                "2026-09-01",
                "2027-08-31",
                2_400_000,
                2_428_205,
                4_828_205,
            ), // 4 × £6,000
            (
                2,
                "2027-09-01",
                "2028-08-31",
                2_400_000,
                4_671_795,
                7_071_795,
            ),
        ],
    );
}

// ───────────────────────────── rough sleeping ─────────────────────────────

#[test]
fn rough_sleeping() {
    let c = spec("rough-sleeping.outcome");

    assert_conversions(
        &c,
        "routes_home",
        &[
            ("engaged", None, 1000),
            ("housed", Some(600), 600),           // 72 ÷ 120
            ("sustained_3m", Some(833), 500),     // 60 ÷ 72 = 83.33; 60 ÷ 120
            ("sustained_6m", Some(800), 400),     // 48 ÷ 60; 48 ÷ 120
            ("sustained_12m", Some(750), 300),    // 36 ÷ 48; 36 ÷ 120
            ("sustained_18m", Some(833), 250),    // 30 ÷ 36 = 83.33; 30 ÷ 120
            ("reconnected", Some(100), 100),      // 12 ÷ 120
            ("reconnection_held", Some(750), 75), // 9 ÷ 12; 9 ÷ 120
            ("gp_registered", Some(700), 700),    // 84 ÷ 120
            ("in_treatment", Some(476), 333),     // 40 ÷ 84 = 47.62; 40 ÷ 120 = 33.33
        ],
    );

    // Year 1 and year 2 are each four whole quarters.
    assert_fixed_fees(
        &c,
        &[
            (2_500_000, 4, Some(1), 10_000_000), // 4 × £25,000
            (1_500_000, 4, Some(2), 6_000_000),  // 4 × £15,000
        ],
    );

    // The card: the ladder £1,500 + £1,500 + £2,000 + £3,000 + £4,000 = £12,000 is the richer
    // exclusive alternative (reconnection £2,000 + £3,000 = £5,000), plus the health steps
    // £500 + £2,500 = £3,000: £15,000. The per-participant maximum is the £13,500 cap, and
    // the attachment fee is the highest share, 20% of £13,500 = £2,700.
    assert_per_participant(
        &c,
        &[(
            "entrenched",
            1_500_000, // £12,000 + £3,000 (the £5,000 reconnection route is the poorer)
            1_350_000, // the cap
            150_000,   // £15,000 − £13,500
            Some(120),
            Some(78), // (£1,200,000 − £160,000) ÷ £13,500 = 77.04 → 78
        )],
    );

    // 5% of the outcome maximum 120 × £13,500 = £1,620,000
    assert_incentives(&c, &[(IncentiveKind::Bonus, 1, 8_100_000)]);

    // The plan, by level (people reaching a stage with fewer people expected are among
    // those reaching every stage with more):
    //   120−84 = 36 reach engaged only              £2,700                        = £97,200
    //    84−72 = 12 + gp_registered                  £2,700 + £500                 = £38,400
    //    72−60 = 12 + housed                         £2,700 + £1,500 + £500        = £56,400
    //    60−48 = 12 + sustained_3m                   £2,700 + £3,000 + £500        = £74,400
    //    48−40 =  8 + sustained_6m                   £2,700 + £5,000 + £500        = £65,600
    //    40−36 =  4 + in_treatment                   £2,700 + £5,000 + £3,000      = £42,800
    //    36−30 =  6 + sustained_12m                  £2,700 + £8,000 + £3,000 = £13,700 → £82,200
    //    30−12 = 18 + sustained_18m                  £2,700 + £12,000 + £3,000 = £17,700 → £318,600
    //    12−9  =  3 + reconnected (ladder richer)    £17,700                       = £53,100
    //        9 + reconnection_held (ladder richer)  £17,700                       = £159,300
    //                                                                      total = £988,000
    assert_totals(
        &c,
        Totals {
            fixed_fees: 16_000_000,               // £160,000
            outcome_payments_at_plan: 98_800_000, // £988,000: the plan by level above
            // Capped at £13,500: the 6 at £13,700 lose £200 each, the 30 at £17,700 lose
            // £4,200: £988,000 − £1,200 − £126,000
            outcome_payments_at_plan_capped: 86_080_000, // £860,800
            tier_payments_at_plan: 0,
            // £160,000 + £860,800, below the £1,200,000 total cap
            planned_total_cost: 102_080_000, // £1,020,800

            bonuses_maximum: 8_100_000, // £81,000
            tiers_maximum: 0,
            // £160,000 + £1,620,000 + £81,000 = £1,861,000, limited by the total cap
            maximum_exposure: 120_000_000, // £1,200,000
            binding_caps: vec![CapScope::PerParticipant, CapScope::Total],
            headroom: 5_000_000, // £1,250,000 − £1,200,000
        },
    );

    assert_unit_costs(
        &c,
        &[
            ("routes_home", "sustained_18m", 30, 3_402_667), // £1,020,800 ÷ 30 = £34,026.666…
            ("routes_home", "reconnection_held", 9, 11_342_222), // ÷ 9 = £113,422.222…
            ("routes_home", "in_treatment", 40, 2_552_000),  // ÷ 40 = £25,520
        ],
        // £1,020,800 ÷ 120 = £8,506.666… → £8,506.67
        Some(850_667),
    );

    assert_payers(
        &c,
        &[
            // 40% of £1,020,800 = £408,320 (below its cap); 40% of £1,200,000 = £480,000,
            // capped at £450,000
            (
                "National Rough Sleeping Outcomes Fund",
                40_832_000,
                45_000_000,
            ),
            // the rest: £1,020,800 − £408,320; £1,200,000 − £450,000
            ("Harbourside City Council", 61_248_000, 75_000_000),
        ],
    );

    // Referrals 2026-04-01 to 2027-06-30: 456 days, so 366 entries on day ⌊k × 456 ÷ 366⌋.
    // An entry on day d or before is one of ⌈(d + 1) × 366 ÷ 456⌉ entries. Years end
    // 2027-03-31 and 2028-03-31. Each stage is planned at its time from the planned date of
    // the stage it is measured from: housed 6 weeks (42 days) after entry (`expected`), each
    // sustainment its period after that (`at least`), reconnected and gp_registered at the end
    // of their windows (3 and 2 months after entry), reconnection_held and in_treatment
    // 6 months after those. The last entry planned in year 1 (year 2), and the counts:
    //   entry (attachment fee £2,700): day 364, 2027-03-31 → 293 | 73
    //   housed        (entry + 42 days):           day 322, 2027-02-17 → 260 | 106
    //   sustained_3m  (+ 42 days + 3 months):      day 232, 2026-11-19 → 188 | 178
    //   sustained_6m  (+ 42 days + 6 months):      day 140, 2026-08-19 → 114 | 252
    //   sustained_12m (+ 42 days + 12 months):     none in year 1; day 322 → 260 | 106 in year 3
    //   sustained_18m (+ 42 days + 18 months):     none in year 1; day 140 → 114 | 252 in year 3
    //   reconnected   (+ 3 months):                day 274, 2026-12-31 → 221 | 145
    //   reconnection_held (+ 3 months + 6 months): day 90, 2026-06-30 → 74 | 292
    //   gp_registered (+ 2 months):                day 305, 2027-01-31 → 246 | 120
    //   in_treatment  (+ 2 months + 6 months):     day 121, 2026-07-31 → 98 | 268
    // So the 18-month payments fall where 18 months after moving in falls: 114 of 366 entries'
    // in year 2, 252 in year 3, none in year 1.
    // Weights (price × expected, £): housed 108,000; sustained_3m 90,000; sustained_6m
    // 96,000; sustained_12m 108,000; sustained_18m 120,000; reconnected 24,000;
    // reconnection_held 27,000; gp_registered 42,000; in_treatment 100,000; attachment fees
    // 120 × £2,700 = 324,000.
    //   year 1: 260×108,000 + 188×90,000 + 114×96,000 + 221×24,000 + 74×27,000 + 246×42,000
    //           + 98×100,000 + 293×324,000 = 178,310,000
    //   year 2: 106×108,000 + 178×90,000 + 252×96,000 + 260×108,000 + 114×120,000
    //           + 145×24,000 + 292×27,000 + 120×42,000 + 268×100,000 + 73×324,000
    //           = 160,276,000
    //   year 3: 106×108,000 + 252×120,000 = 41,688,000
    // £860,800 shared: 40,362,803.66p | 36,280,571.59p | 9,436,624.75p; the two pence left
    // go to the largest remainders, years 3 and 1.
    assert_years(
        &c,
        &[
            (
                1,
                "2026-04-01",
                "2027-03-31",
                10_000_000,
                40_362_804,
                50_362_804,
            ),
            (
                2,
                "2027-04-01",
                "2028-03-31",
                6_000_000,
                36_280_571,
                42_280_571,
            ),
            (3, "2028-04-01", "2029-03-31", 0, 9_436_625, 9_436_625),
        ],
    );
}

// ───────────────────────────── employment ladder ─────────────────────────────

/// The planned timeline of the rough-sleeping ladder: the 18-month result falls 42 days plus
/// 18 months after each entry (see the by-year figures above for the entries).
#[test]
fn rough_sleeping_timeline() {
    let c = spec("rough-sleeping.outcome");
    let timeline = &c.figures.timeline;
    let stage = |id: &str| {
        timeline
            .stages
            .iter()
            .find(|s| s.stage == id)
            .unwrap_or_else(|| panic!("no timeline for {id}"))
    };
    let s18 = stage("sustained_18m");
    // Entered on the first day of referrals, 2026-04-01: housed 2026-05-13, sustained 18
    // months 2027-11-13. Entered on the last, 2027-06-30: housed 2027-08-11, sustained 18
    // months 2029-02-11.
    assert_eq!(s18.first.to_string(), "2027-11-13");
    assert_eq!(s18.last.to_string(), "2029-02-11");
    // Entries by the quarter of the term (from 2026-04-01) their 18-month result falls in:
    // quarters 7 to 12 hold 40, 74, 74, 72, 73 and 33 of the 366 entries; 30 people shared:
    // 3.28, 6.07, 6.07, 5.90, 5.98, 2.70 → 3, 6, 6, 5, 5, 2 and the three people left go to
    // the largest remainders (5.98, 5.90, 2.70) → 3, 6, 6, 6, 6, 3.
    assert_eq!(s18.by_quarter, vec![0, 0, 0, 0, 0, 0, 3, 6, 6, 6, 6, 3]);
    assert_eq!(s18.after_term, 0);
    // Housed 6 weeks after entry: the first entry is housed 2026-05-13.
    assert_eq!(stage("housed").first.to_string(), "2026-05-13");

    // The months add up to the quarters, the quarters to the years, and all to the plan.
    let sum = |periods: &[outcome::model::PeriodFigures]| -> i128 {
        periods.iter().map(|p| minor(p.total)).sum()
    };
    assert_eq!(timeline.by_month.len(), 36);
    assert_eq!(timeline.by_quarter.len(), 12);
    assert_eq!(sum(&timeline.by_month), minor(c.figures.planned_total_cost));
    assert_eq!(
        sum(&timeline.by_quarter),
        minor(c.figures.planned_total_cost)
    );
    for (y, year) in c.figures.by_year.iter().enumerate() {
        let quarters: i128 = timeline.by_quarter[4 * y..4 * y + 4]
            .iter()
            .map(|q| minor(q.total))
            .sum();
        assert_eq!(quarters, minor(year.total), "year {}", year.year);
    }
    let last = timeline.by_quarter.last().map(|q| minor(q.cumulative));
    assert_eq!(last, Some(minor(c.figures.planned_total_cost)));
    // The service fees: £25,000 at the end of each quarter of year 1, £15,000 of year 2.
    assert_eq!(minor(timeline.by_quarter[0].fixed_fees), 2_500_000);
    assert_eq!(minor(timeline.by_quarter[4].fixed_fees), 1_500_000);
    assert_eq!(minor(timeline.by_quarter[8].fixed_fees), 0);

    // People by contract year are their quarters added up in fours: the 18-month result
    // 0 + 0 + 0 + 0 in year 1, 0 + 0 + 3 + 6 in year 2, 6 + 6 + 6 + 3 in year 3; housed
    // 8 + 15 + 15 + 14 and 14 + 6.
    assert_eq!(s18.by_year, vec![0, 9, 21]);
    assert_eq!(stage("housed").by_year, vec![52, 20, 0]);
}

/// Each stage's people by contract year are its quarters grouped by the year they fall in,
/// with the part year at the end of a term that is not whole years, in every spec.
#[test]
fn people_by_year_add_up_the_quarters_of_each_year() {
    for name in [
        "drug-service.outcome",
        "employment-ladder.outcome",
        "reoffending.outcome",
        "rough-sleeping.outcome",
        "young-people.outcome",
    ] {
        let c = spec(name);
        for stage in &c.figures.timeline.stages {
            assert_eq!(stage.by_year.len(), c.figures.by_year.len(), "{name}");
            let grouped: Vec<u64> = stage
                .by_quarter
                .chunks(4)
                .map(|year| year.iter().sum())
                .collect();
            assert_eq!(stage.by_year, grouped, "{name}: {}", stage.stage);
        }
    }
    // A term of 14 months: years of 12 and 2 months, quarters 1–4 in year 1 and 5 (two
    // months) in year 2. Ten people enter on the first day and reach `done` 13 months on.
    let c = text(
        r#"
contract "Part year" {
  commissioner "A council"
  provider "A provider"
  term 2026-04-01 to 2027-05-31
  referrals from 2026-04-01 until 2026-04-01
  funding limit £100,000
}
outcome better "People are better off" { level service }
cohort people "People" { size 10 }
funnel path "Path" for people {
  milestone start "Start" 10
  target done "Done" 10 at least 13 months after start { achieves better }
}
payments { pay £100 for done }
"#,
    );
    let done = &c.figures.timeline.stages[1];
    assert_eq!(done.by_quarter, vec![0, 0, 0, 0, 10]);
    assert_eq!(done.by_year, vec![0, 10]);
}

#[test]
fn employment_ladder() {
    let c = spec("employment-ladder.outcome");

    assert_conversions(
        &c,
        "pathways",
        &[
            ("referred", None, 1000),
            ("action_plan", Some(800), 800),  // 240 ÷ 300
            ("job_start", Some(521), 417),    // 125 ÷ 240 = 52.08; 125 ÷ 300 = 41.67
            ("job_13_weeks", Some(760), 317), // 95 ÷ 125; 95 ÷ 300 = 31.67
            ("job_26_weeks", Some(716), 227), // 68 ÷ 95 = 71.58; 68 ÷ 300 = 22.67
            ("learning", Some(125), 100),     // 30 ÷ 240; 30 ÷ 300
        ],
    );

    // 2026-07-01 to 2028-06-30: 24 whole months.
    assert_fixed_fees(&c, &[(400_000, 24, None, 9_600_000)]); // 24 × £4,000

    assert_per_participant(
        &c,
        &[(
            "young_people",
            620_000, // £1,000 + £1,500 + £2,500 + £1,200
            620_000, // no per-participant cap
            0,
            Some(300),
            None, // no total cap
        )],
    );

    assert_incentives(
        &c,
        &[
            (IncentiveKind::Bonus, 1, 2_000_000), // £20,000 once
            // assessed annually from year 2 of a two-year term: once; 5% of the outcome
            // maximum after every cap on it: 300 × £6,200 = £1,860,000 × 5 ÷ 6 = £1,550,000,
            // capped at £450,000; 5% of £450,000 = £22,500
            (IncentiveKind::Penalty, 1, 2_250_000),
        ],
    );

    assert_totals(
        &c,
        Totals {
            fixed_fees: 9_600_000, // £96,000
            // 125 × £1,000 + 95 × £1,500 + 68 × £2,500 + 30 × £1,200
            // = £125,000 + £142,500 + £170,000 + £36,000
            outcome_payments_at_plan: 47_350_000, // £473,500
            // No per-participant cap; deadweight 1 in 6 at the total: 47,350,000 × 5 ÷ 6
            // = 39,458,333.33p → 39,458,333p; below the £450,000 cap on outcome payments.
            outcome_payments_at_plan_capped: 39_458_333, // £394,583.33
            tier_payments_at_plan: 0,
            planned_total_cost: 49_058_333, // £96,000 + £394,583.33

            bonuses_maximum: 2_000_000, // £20,000
            tiers_maximum: 0,
            // £96,000 + £450,000 + £20,000; no total cap
            maximum_exposure: 56_600_000, // £566,000
            binding_caps: vec![CapScope::OutcomePayments],
            headroom: 1_400_000, // £580,000 − £566,000
        },
    );

    assert_unit_costs(
        &c,
        &[
            ("pathways", "job_26_weeks", 68, 721_446), // 49,058,333p ÷ 68 = 721,446.07p
            ("pathways", "learning", 30, 1_635_278),   // ÷ 30 = 1,635,277.77p
        ],
        // 49,058,333p ÷ 300 = 163,527.78p
        Some(163_528),
    );

    assert_payers(
        &c,
        &[
            // 70% of 49,058,333p = 34,340,833.1p → 34,340,833p; 70% of £566,000 = £396,200
            ("Westmarsh Combined Authority", 34_340_833, 39_620_000),
            // the last percentage payer takes the rest of 100%: 49,058,333 − 34,340,833;
            // £566,000 − £396,200
            ("Department for Work and Pensions", 14_717_500, 16_980_000),
        ],
    );

    // Referrals 2026-07-01 to 2027-08-31: 427 days, 366 entries on day ⌊k × 427 ÷ 366⌋.
    // Year 1 ends 2027-06-30; monthly arrears fall due at the end of the calendar month, in
    // the same contract year as the achievement. job_start has only a deadline and is planned
    // at its end, 4 months after entry; the sustainment periods run from it: job_13_weeks
    // 13 weeks (91 days) and job_26_weeks 26 weeks (182 days) after; learning 13 weeks after
    // action_plan, planned at the end of its 1-month window.
    //   job_start (+4 months): entries to 2027-02-28 (day 242) → ⌈243 × 366 ÷ 427⌉ = 209 | 157
    //   job_13_weeks (+4 months + 91 days): to 2026-11-30 (day 152) → 132 | 234
    //   job_26_weeks (+4 months + 182 days): to 2026-08-30 (day 60) → 53 | 313
    //   learning (+1 month + 91 days): to 2027-02-28 (day 242) → 209 | 157
    // Weights (£): job_start 125,000; job_13_weeks 142,500; job_26_weeks 170,000;
    // learning 36,000.
    //   year 1: 209 × 125,000 + 132 × 142,500 + 53 × 170,000 + 209 × 36,000 = 61,469,000
    //   year 2: 157 × 125,000 + 234 × 142,500 + 313 × 170,000 + 157 × 36,000 = 111,832,000
    // 39,458,333p shared: 13,995,673.83p | 25,462,659.17p; the penny left goes to year 1.
    assert_years(
        &c,
        &[
            (
                1,
                "2026-07-01",
                "2027-06-30",
                4_800_000,
                13_995_674,
                18_795_674,
            ), // 12 × £4,000
            (
                2,
                "2027-07-01",
                "2028-06-30",
                4_800_000,
                25_462_659,
                30_262_659,
            ),
        ],
    );
}

// ───────────────────────────── reoffending ─────────────────────────────

#[test]
fn reoffending() {
    let c = spec("reoffending.outcome");

    assert_conversions(
        &c,
        "first_release",
        &[
            ("first_met", None, 1000),
            ("first_housed", Some(750), 750),    // 300 ÷ 400
            ("first_mentored", Some(667), 500),  // 200 ÷ 300 = 66.67; 200 ÷ 400
            ("first_desisting", Some(600), 300), // 120 ÷ 200; 120 ÷ 400
        ],
    );
    assert_conversions(
        &c,
        "second_release",
        &[
            ("second_met", None, 1000),
            ("second_housed", Some(750), 750),    // 330 ÷ 440
            ("second_mentored", Some(700), 525),  // 231 ÷ 330; 231 ÷ 440 = 52.5
            ("second_desisting", Some(649), 341), // 150 ÷ 231 = 64.94; 150 ÷ 440 = 34.09
        ],
    );

    // 2026-04-01 to 2030-03-31: four whole years.
    assert_fixed_fees(&c, &[(5_000_000, 4, None, 20_000_000)]); // 4 × £50,000

    // The measure's target is 10%: the per-cohort tier from 10% pays £250,000 for each of
    // the 2 cohorts; the pooled tier from 7.5% (below 15%) pays £100,000 once.
    let tiers: Vec<(TierScope, u64, i128, i128)> = c
        .payments
        .tiers
        .iter()
        .map(|t| (t.scope, t.evaluations, minor(t.at_plan), minor(t.maximum)))
        .collect();
    assert_eq!(
        tiers,
        vec![
            (TierScope::PerCohort, 2, 50_000_000, 70_000_000), // 2 × £250,000; 2 × £350,000
            (TierScope::Pooled, 1, 10_000_000, 20_000_000),    // £100,000; £200,000
        ]
    );

    assert_per_participant(
        &c,
        &[
            // £300 + £500 + £1,000; (£1,800,000 − £200,000) ÷ £1,800 = 888.9 → 889
            ("first_cohort", 180_000, 180_000, 0, Some(500), Some(889)),
            ("second_cohort", 180_000, 180_000, 0, Some(500), Some(889)),
        ],
    );

    assert_totals(
        &c,
        Totals {
            fixed_fees: 20_000_000, // £200,000
            // first:  300 × £300 + 200 × £500 + 120 × £1,000 = £310,000
            // second: 330 × £300 + 231 × £500 + 150 × £1,000 = £364,500
            outcome_payments_at_plan: 67_450_000, // £674,500
            outcome_payments_at_plan_capped: 67_450_000, // no cap applies
            tier_payments_at_plan: 60_000_000,    // £500,000 + £100,000
            // £200,000 + £674,500 + £600,000, below the £1,800,000 total cap
            planned_total_cost: 147_450_000, // £1,474,500

            bonuses_maximum: 2_500_000, // £25,000 once
            tiers_maximum: 90_000_000,  // £700,000 + £200,000
            // £200,000 + 1,000 × £1,800 + £25,000 + £900,000 = £2,925,000, limited by the
            // total cap
            maximum_exposure: 180_000_000, // £1,800,000
            binding_caps: vec![CapScope::Total],
            headroom: 5_000_000, // £1,850,000 − £1,800,000
        },
    );

    assert_unit_costs(
        &c,
        &[
            ("first_release", "first_desisting", 120, 1_228_750), // £1,474,500 ÷ 120
            ("second_release", "second_desisting", 150, 983_000), // £1,474,500 ÷ 150
        ],
        // £1,474,500 ÷ (400 + 440) = £1,755.357… → £1,755.36
        Some(175_536),
    );

    assert_payers(
        &c,
        &[
            // the fixed amount first
            ("Ministry of Justice", 50_000_000, 50_000_000),
            // 30% of what remains: of £974,500 = £292,350; of £1,300,000 = £390,000,
            // capped at £350,000
            ("National Lottery Community Fund", 29_235_000, 35_000_000),
            // the rest: £974,500 − £292,350; £1,300,000 − £350,000
            (
                "Eastbridge Police and Crime Commissioner",
                68_215_000,
                95_000_000,
            ),
        ],
    );

    // Referrals 2026-04-01 to 2028-03-31: 731 days, 366 entries on day ⌊k × 731 ÷ 366⌋.
    // Quarterly arrears fall due at the end of a quarter counted from 2026-04-01, in the
    // same contract year as the achievement. Years end on 31 March. Housed has only its
    // 1-month deadline and is planned at its end; mentored (`at least 3 months after` release)
    // and desisting (`at least 18 months after` release, when the police check can show 12
    // months without a proven reoffence) are planned at their earliest.
    //   1 month (housed): to 2027-02-28 (day 333) → 168 in year 1; to 2028-02-29 (day 699)
    //                      → 351, so 183 in year 2; 15 in year 3
    //   3 months (mentored): to 2026-12-31 (day 274) → ⌈275 × 366 ÷ 731⌉ = 138; to
    //                      2027-12-31 (day 639) → 321, so 183 in year 2; 45 in year 3
    //   18 months (desisting): to 2026-09-30 (day 182) → 92 in year 2; to 2027-09-30
    //                      (day 547) → 275, so 183 in year 3; 91 in year 4
    // Weights (£, both cohorts): housed 189,000; mentored 215,500; desisting 270,000.
    //   year 1: 168 × 189,000 + 138 × 215,500                  = 61,491,000
    //   year 2: 183 × 189,000 + 183 × 215,500 + 92 × 270,000   = 98,863,500
    //   year 3: 15 × 189,000 + 45 × 215,500 + 183 × 270,000    = 61,942,500
    //   year 4: 91 × 270,000                                   = 24,570,000
    // £674,500 shared: 16,800,819.67 | 27,011,885.25 | 16,924,180.33 | 6,713,114.75 (p); the
    // two pence left go to years 4 and 1. The £600,000 of tiers fall in year 4.
    assert_years(
        &c,
        &[
            (
                1,
                "2026-04-01",
                "2027-03-31",
                5_000_000,
                16_800_820,
                21_800_820,
            ),
            (
                2,
                "2027-04-01",
                "2028-03-31",
                5_000_000,
                27_011_885,
                32_011_885,
            ),
            (
                3,
                "2028-04-01",
                "2029-03-31",
                5_000_000,
                16_924_180,
                21_924_180,
            ),
            (
                4,
                "2029-04-01",
                "2030-03-31",
                5_000_000,
                66_713_115,
                71_713_115,
            ),
        ],
    );
}

/// A penalty with a grace period cannot withhold anything before its first year: the most
/// it can withhold is its amount for each assessment from then on.
/// Staying Together (`specs/edge-of-care.outcome`), modelled on a Life Chances Fund project:
/// the fund pays 45.26% of the outcome payments only, up to its £1,075,000 award, and what
/// its cap cuts falls to the three councils pro rata to their 27.37%, 16.42% and 10.95%.
#[test]
fn edge_of_care_payers_share_pro_rata_beyond_the_funds_award() {
    let c = spec("edge-of-care.outcome");
    let f = &c.figures;
    assert_eq!(minor(f.fixed_fees), 1_000_000); // 4 × £2,500
    assert_eq!(minor(f.planned_total_cost), 121_000_000); // £10,000 + 150 × £2,000 + 90 × £10,000
    assert_eq!(minor(f.maximum_exposure), 241_000_000); // £10,000 + 200 × £12,000
                                                        // The fixed fees (1,000,000p) are the councils' alone. The fund's 45.26% of them
                                                        // (452,600p) is shared 2,737 : 1,642 : 1,095 (sum 5,474): 226,300p; 743,169,200 ÷ 5,474 =
                                                        // 135,763 r 2,738; 495,597,000 ÷ 5,474 = 90,536 r 2,936, so the one penny left over goes
                                                        // to the third (largest remainder). With their own 273,700p, 164,200p and what the
                                                        // percentages leave to the last (1,000,000 − 452,600 − 273,700 − 164,200 = 109,500p):
                                                        // 500,000p, 299,963p and 200,037p.
                                                        // At plan the outcome payments are 120,000,000p: the fund 45.26% = 54,312,000p (below
                                                        // its cap), the councils 32,844,000p, 19,704,000p and the rest of 100%, 13,140,000p.
                                                        // At the maximum they are 240,000,000p: the fund's 108,624,000p stops at 107,500,000p
                                                        // and the 1,124,000p cut is shared: 562,000p; 1,845,608,000 ÷ 5,474 = 337,158 r 5,108;
                                                        // 1,230,780,000 ÷ 5,474 = 224,841 r 366; the penny left over to the second. The
                                                        // councils' own: 65,688,000p, 39,408,000p and 240,000,000 − 108,624,000 − 65,688,000 −
                                                        // 39,408,000 = 26,280,000p.
    assert_payers(
        &c,
        &[
            ("Life Chances Fund", 54_312_000, 107_500_000),
            ("Northfield Borough Council", 33_344_000, 66_750_000),
            ("Eastmoor District Council", 20_003_963, 40_045_122),
            ("Westvale County Council", 13_340_037, 26_704_878),
        ],
    );
    // Shares in hundredths of a percent, 10,000 apportioned by the parts: at plan
    // 54,312,000 ÷ 121,000,000 = 44.885…%, 27.557…%, 16.532…%, 11.024…%: floors 4,488,
    // 2,755, 1,653, 1,102 (9,998), the two units left to the largest remainders (.70, .60).
    let shares = |of_plan: bool| -> Vec<String> {
        f.by_payer
            .iter()
            .map(|p| {
                let s = if of_plan {
                    p.share_of_plan
                } else {
                    p.share_of_maximum
                };
                s.map_or("none".to_string(), |s| s.to_string())
            })
            .collect()
    };
    assert_eq!(shares(true), ["44.89%", "27.56%", "16.53%", "11.02%"]);
    // At the maximum: 44.605…%, 27.697…%, 16.616…%, 11.080…%; the units to .71 and .62.
    assert_eq!(shares(false), ["44.60%", "27.70%", "16.62%", "11.08%"]);
    assert!(c.payments.payers[0].outcome_payments_only && c.payments.payers[0].excess_pro_rata);
}

/// The unit cost at the maximum: the maximum exposure ÷ the participants the target's cohort
/// holds, each reaching it (and, per participant, ÷ all the cohorts' sizes).
#[test]
fn unit_costs_at_the_maximum_divide_the_maximum_by_the_cohort() {
    let at_max = |c: &Contract| -> Vec<(String, Option<i128>)> {
        c.figures
            .unit_cost_per_target
            .iter()
            .map(|u| (u.target.to_string(), u.at_maximum.map(minor)))
            .collect()
    };
    // Drug service: £120,000 ÷ 100 = £1,200.
    let c = spec("drug-service.outcome");
    assert_eq!(at_max(&c), [("abstinent".to_string(), Some(120_000))]);
    assert_eq!(
        c.figures.unit_cost_per_participant_at_maximum.map(minor),
        Some(120_000)
    );
    // Rough sleeping: £1,200,000 ÷ 120 = £10,000 for each of its three targets (beside
    // £34,026.67, £113,422.22 and £25,520 at plan).
    let c = spec("rough-sleeping.outcome");
    assert!(at_max(&c).iter().all(|(_, cost)| *cost == Some(1_000_000)));
    // Staying Together: £2,410,000 ÷ 200 = £12,050, beside £1,210,000 ÷ 90 = £13,444.44 at plan.
    let c = spec("edge-of-care.outcome");
    assert_eq!(at_max(&c), [("stayed".to_string(), Some(1_205_000))]);
    assert_eq!(
        minor(c.figures.unit_cost_per_target[0].unit_cost),
        1_344_444
    );
    // A cohort without a size has no count at the maximum.
    let c = text(
        "contract \"T\" {\n  commissioner \"C\"\n  provider \"P\"\n  term 2026-04-01 to 2027-03-31\n  referrals until 2026-12-31\n  funding limit £10,000\n}\noutcome o \"O\"\ncohort a \"A\"\nfunnel f \"F\" for a {\n  milestone m \"M\" 10\n  target t \"T\" 5 within 3 months { achieves o evidence \"e\" }\n}\npayments {\n  pay £100 for t\n  cap £10,000 total\n}\n",
    );
    assert_eq!(at_max(&c), [("t".to_string(), None)]);
    assert_eq!(c.figures.unit_cost_per_participant_at_maximum, None);
}

/// Rough sleeping on both overlap assumptions. Nested (the plan): £988,000 before the cap,
/// £860,800 after it, £127,200 cut. Least overlap: the 120 people numbered 0–119; from
/// `engaged` (all 120), `housed` takes 0–71, `reconnected` 72–83, `gp_registered` the next 84
/// round the end: 84–119 and 0–47. The ladder nests in `housed` (`sustained_18m` 0–29, …),
/// `reconnection_held` takes 72–80, `in_treatment` the first 40 of `gp_registered`: 84–119 and
/// 0–3. Everyone entered, so earns the £2,700 attachment fee besides:
///   0–3    ladder £12,000 + £500 + £2,500 + £2,700 = £17,700 → £13,500   4 people
///   4–29   ladder £12,000 + £500 + £2,700         = £15,200 → £13,500  26
///   30–35  £8,000 + £500 + £2,700 = £11,200; 36–47 £5,000 + £500 + £2,700 = £8,200
///   48–59  £3,000 + £2,700 = £5,700; 60–71 £1,500 + £2,700 = £4,200
///   72–80  £5,000 + £2,700 = £7,700; 81–83 £2,000 + £2,700 = £4,700
///   84–119 £500 + £2,500 + £2,700 = £5,700                                36
/// Before the cap £1,039,000 (the reconnection route is paid beside the ladder now, £51,000
/// more); the cap cuts 4 × £4,200 + 26 × £1,700 = £61,000; £978,000 + £160,000 of fixed fees
/// = £1,138,000, under the £1,200,000 total cap.
#[test]
fn rough_sleeping_on_both_overlap_assumptions() {
    let c = spec("rough-sleeping.outcome");
    let o = &c.figures.overlap;
    assert_eq!(o.headline, outcome::model::Overlap::Nested);
    assert_eq!(
        bound(&o.nested),
        (98_800_000, 12_720_000, 86_080_000, 102_080_000)
    );
    assert_eq!(minor(c.figures.planned_total_cost), 102_080_000);
    assert_eq!(
        bound(&o.least_overlap),
        (103_900_000, 6_100_000, 97_800_000, 113_800_000)
    );
    assert!(o.least_overlap.counted_nested.is_empty());
    // A funnel without branches has one way to fall on people: both bounds agree.
    let c = spec("drug-service.outcome");
    assert_eq!(
        bound(&c.figures.overlap.nested),
        bound(&c.figures.overlap.least_overlap)
    );
}

/// A bound's figures in minor units: before the per-participant cap, cut by it, after it, and
/// the planned total cost.
fn bound(b: &outcome::model::OverlapBound) -> (i128, i128, i128, i128) {
    (
        minor(b.outcome_payments_before_cap),
        minor(b.cut_by_participant_cap),
        minor(b.outcome_payments),
        minor(b.planned_total_cost),
    )
}

/// A stage after two branches that, spread apart, have too few people in common (60 and 60
/// of 100 share 20, and `c` needs 30): the cohort is counted nested on both bounds, and says so.
#[test]
fn a_join_the_spread_cannot_feed_is_counted_nested_and_named() {
    let c = text(&format!("{HUNDRED_PEOPLE}{JOIN}"));
    let o = &c.figures.overlap;
    assert_eq!(o.least_overlap.counted_nested, ["people"]);
    // Nested: 30 people earn £1,200, capped at £1,050; 30 earn £200: £37,500.
    assert_eq!(minor(o.nested.planned_total_cost), 3_750_000);
    assert_eq!(minor(o.least_overlap.planned_total_cost), 3_750_000);
    // With 15 reaching `c` the 20 in common are enough: 0–14 earn £1,200 → £1,050, 15–19
    // £200, 20–59 (`a` only) and 60–99 (`b` only) £100: £24,750, as nested (15 × £1,050 +
    // 45 × £200); `c` makes its people overlap either way.
    let c = text(&format!(
        "{HUNDRED_PEOPLE}{}",
        JOIN.replace("target c \"C\" 30", "target c \"C\" 15")
    ));
    let o = &c.figures.overlap;
    assert!(o.least_overlap.counted_nested.is_empty());
    assert_eq!(minor(o.least_overlap.planned_total_cost), 2_475_000);
    assert_eq!(minor(o.nested.planned_total_cost), 2_475_000);
}

/// A contract of one outcome and a cohort of 100 people, for the funnels below.
const HUNDRED_PEOPLE: &str = r#"contract "Overlap" {
  commissioner "C"
  provider "P"
  term 2026-04-01 to 2028-03-31
  referrals until 2026-12-31
  funding limit £500,000
}
outcome o "O"
cohort people "People" { size 100 }
"#;

const JOIN: &str = r#"funnel f "F" for people {
  milestone entry "Entered" 100
  milestone a "A" 60 after entry within 3 months { evidence "e" }
  milestone b "B" 60 after entry within 3 months { evidence "e" }
  target c "C" 30 after a, b within 6 months { achieves o evidence "e" }
}
payments {
  pay £100 for a
  pay £100 for b
  pay £1,000 for c
  cap £1,050 per participant
}
"#;

/// A branch written before the milestone it follows (`b`, `after m`, on the line above `m`):
/// the spread takes the funnel in the order of its `after`s, not of its lines, so `m`'s people
/// are placed before `b` takes the next of them. Least overlap: `m` is 0–79; `b` takes 0–59
/// and `c`, its sibling written after it, the next 50, 60–79 and then 0–29; `t` takes the first
/// 30 they share, 0–29. With the cap of £120: 0–29 earn £120 (£3,600), 30–59 `b`'s £100
/// (£3,000), 60–79 `c`'s £50 (£1,000): £7,600. Nested: 30 people earn £120, 20 more `b` and
/// `c` (£150, capped at £120), 10 more `b` alone: £7,000. Written in the order of the chain,
/// the funnel gives the same figures.
#[test]
fn a_branch_written_before_the_stage_it_follows_is_spread_from_it() {
    let c = text(&format!("{HUNDRED_PEOPLE}{BRANCH_WRITTEN_FIRST}"));
    let o = &c.figures.overlap;
    assert!(o.least_overlap.counted_nested.is_empty());
    assert_eq!(
        minor(o.least_overlap.outcome_payments_before_cap),
        3_850_000
    );
    assert_eq!(minor(o.least_overlap.planned_total_cost), 760_000);
    assert_eq!(minor(o.nested.planned_total_cost), 700_000);
    let b = "  milestone b \"B\" 60 after m within 3 months { evidence \"e\" }\n";
    let m = "  milestone m \"M\" 80 after e within 3 months { evidence \"e\" }\n";
    let in_order = BRANCH_WRITTEN_FIRST.replace(&format!("{b}{m}"), &format!("{m}{b}"));
    assert_ne!(in_order, BRANCH_WRITTEN_FIRST);
    let ordered = text(&format!("{HUNDRED_PEOPLE}{in_order}"));
    for (written_first, in_order) in [
        (&o.nested, &ordered.figures.overlap.nested),
        (&o.least_overlap, &ordered.figures.overlap.least_overlap),
    ] {
        assert_eq!(bound(written_first), bound(in_order));
    }
}

const BRANCH_WRITTEN_FIRST: &str = r#"funnel f "F" for people {
  milestone e "E" 100
  milestone b "B" 60 after m within 3 months { evidence "e" }
  milestone m "M" 80 after e within 3 months { evidence "e" }
  milestone c "C" 50 after m within 3 months { evidence "e" }
  target t "T" 30 after b, c within 6 months { achieves o evidence "e" }
}
payments {
  pay £100 for b
  pay £50 for c
  pay £1,000 for t
  cap £120 per participant
}
"#;

#[test]
fn reoffending_penalty_with_grace_withholds_only_from_its_first_year() {
    let c = spec("reoffending.outcome");
    let got: Vec<(IncentiveKind, i128)> = c
        .payments
        .incentives
        .iter()
        .map(|i| (i.kind, minor(i.maximum)))
        .collect();
    assert_eq!(
        got,
        vec![
            (IncentiveKind::Bonus, 2_500_000),   // £25,000 once
            (IncentiveKind::Penalty, 2_000_000), // £20,000 once
            // assessed quarterly from year 2: the 12 quarters of years 2 to 4 × £5,000
            // (not the 16 quarters of the term: year 1 is the grace period)
            (IncentiveKind::Penalty, 6_000_000),
        ]
    );
}

/// Peterborough: an either-or trigger of two tiers paid per reconviction event avoided. Each
/// alternative alone, and the trigger counted once, at the larger of the two.
#[test]
fn peterborough() {
    let c = spec("peterborough.outcome");
    let tiers: Vec<(TierScope, i128, i128, Option<usize>)> = c
        .payments
        .tiers
        .iter()
        .map(|t| (t.scope, minor(t.at_plan), minor(t.maximum), t.either_or))
        .collect();
    assert_eq!(
        tiers,
        vec![
            // 10% of 1,200 = 120 events × £2,000 = £240,000 a cohort, × 2; at most 2 × £480,000
            (TierScope::PerCohort, 48_000_000, 96_000_000, Some(0)),
            // 10% of 2 × 1,200 = 240 events × £2,000 = £480,000; at most £1,000,000
            (TierScope::Pooled, 48_000_000, 100_000_000, Some(0)),
        ]
    );
    let f = &c.figures;
    // The larger of the alternatives, never both: £480,000 at plan, not £960,000; at most
    // £1,000,000, not £1,960,000.
    assert_eq!(minor(f.tier_payments_at_plan), 48_000_000);
    assert_eq!(minor(f.planned_total_cost), 48_000_000);
    assert_eq!(minor(f.tiers_maximum), 100_000_000);
    assert_eq!(minor(f.maximum_exposure), 100_000_000);
    assert_eq!(minor(f.headroom), 10_000_000); // £1,100,000 − £1,000,000
                                               // Conversion factors as written, to two decimals: 428 ÷ 750 = 57.07%, 300 ÷ 428 = 70.09%.
    let factors: Vec<Option<String>> = c.funnels[0]
        .stages
        .iter()
        .map(|s| s.conversion.map(|p| p.0.to_string()))
        .collect();
    assert_eq!(
        factors,
        vec![None, Some("57.07".into()), Some("70.09".into())]
    );
}

/// What an either-or trigger adds, for generated alternatives: each schedule's share of the
/// totals is never negative and the shares add up to the largest alternative, at plan and at
/// most, so the trigger's alternatives reconcile to the trigger's figure.
#[test]
fn an_either_or_trigger_counts_the_largest_alternative_once() {
    proptest!(|(per_cohort in 1u64..5_000, pooled in 1u64..5_000, cap_a in 1u64..900, cap_b in 1u64..900)| {
        let source = format!(r#"
contract "Either or" {{
  commissioner "C"
  provider "P"
  term 2026-04-01 to 2030-03-31
  funding limit £1,000,000,000
}}
outcome fewer "Fewer"
cohort a "A" {{ size 10 }}
cohort b "B" {{ size 10 }}
funnel fa "A" for a {{ target ta "T" 5 {{ achieves fewer }} }}
funnel fb "B" for b {{ target tb "T" 5 {{ achieves fewer }} }}
measure events "Events" {{
  question better_off
  tracks fewer
  compared with "Matched"
  baseline 100 in 2025
  target 20% by 2029
}}
payments {{
  tiers on events per cohort {{
    below 10% pays nothing
    from 10% pays £{per_cohort} per unit up to £{a}
  }}
  or tiers on events pooled {{
    below 5% pays nothing
    from 5% pays £{pooled} per unit up to £{b}
  }}
}}
"#, a = 1_000 * cap_a + 10 * per_cohort, b = 1_000 * cap_b + 10 * pooled);
        let c = text(&source);
        let [first, second] = &c.payments.tiers[..] else { panic!("two schedules") };
        let plan = minor(first.at_plan).max(minor(second.at_plan));
        let most = minor(first.maximum).max(minor(second.maximum));
        prop_assert_eq!(minor(c.figures.tier_payments_at_plan), plan);
        prop_assert_eq!(minor(c.figures.tiers_maximum), most);
        // Per cohort at plan: 20 units each, both cohorts; pooled: 40 units.
        prop_assert_eq!(minor(first.at_plan), 2 * (20 * 100 * i128::from(per_cohort)).min(100 * i128::from(1_000 * cap_a + 10 * per_cohort)));
        prop_assert_eq!(minor(second.at_plan), (40 * 100 * i128::from(pooled)).min(100 * i128::from(1_000 * cap_b + 10 * pooled)));
    });
}

// ───────────────────────────── rules on small contracts ─────────────────────────────

/// Two people-steps over two years: £10,000 falls due in year 1 and £10,000 in year 2. The
/// total cap of £15,000 stops payments once reached, so the years are cut from the last
/// backwards: year 1 keeps £10,000, year 2 gets the £5,000 left.
#[test]
fn a_total_cap_reached_at_plan_cuts_the_last_year_first() {
    let c = text(
        r#"
contract "Cut from the end" {
  commissioner "C"
  provider "P"
  term 2026-04-01 to 2028-03-31
  referrals until 2026-04-30
  funding limit £20,000
}
outcome done_well "Done well"
cohort people "People" { size 10 }
funnel steps "Steps" for people {
  milestone started "Started" 10 { evidence "Register" }
  target finished "Finished a year on" 10 within 12 months {
    achieves done_well
    evidence "Review"
  }
}
payments {
  pay £1,000 for started
  pay £1,000 for finished
  cap £15,000 total
}
"#,
    );
    let f = &c.figures;
    assert_eq!(minor(f.outcome_payments_at_plan), 2_000_000); // 10 × £1,000 + 10 × £1,000
    assert_eq!(minor(f.planned_total_cost), 1_500_000); // limited by the £15,000 cap
                                                        // `started` is paid on entry (April 2026, year 1); `finished` 12 months later (year 2).
    assert_years(
        &c,
        &[
            (1, "2026-04-01", "2027-03-31", 0, 1_000_000, 1_000_000),
            (2, "2027-04-01", "2028-03-31", 0, 500_000, 500_000),
        ],
    );
}

/// A total cap below the fixed fees: whatever the checker makes of it, the planned total
/// cost it reports must be what the years add up to.
/// A conversion factor written to two decimals is checked at that precision and the computed
/// factor is given to the same precision in the model, the JSON and the HTML: 428 of 750 is
/// 57.0666…%, 57.07% (57.1% at one decimal, which the contract does not say).
#[test]
fn a_conversion_factor_written_to_two_decimals_is_shown_as_written() {
    let source = r#"
contract "Two decimals" {
  commissioner "C"
  provider "P"
  term 2026-04-01 to 2027-03-31
  funding limit £100,000
}
outcome done_well "Done well"
cohort people "People" { size 1000 }
funnel steps "Steps" for people {
  milestone engaged "Engaged" 750
  milestone supported "Supported" 428 conversion 57.07%
  target finished "Finished" 300 conversion 70.1% { achieves done_well evidence "Review" }
}
payments { pay £100 for finished }
"#;
    let c = text(source);
    let stages = &c.funnels[0].stages;
    let factor = |i: usize| stages[i].conversion.map(|p| p.0.to_string());
    assert_eq!(
        factor(1).as_deref(),
        Some("57.07"),
        "428 ÷ 750 at two decimals"
    );
    // A factor written to one decimal is still given to one: 300 ÷ 428 = 70.09…% → 70.1%.
    assert_eq!(factor(2).as_deref(), Some("70.1"));
    let json: serde_json::Value =
        serde_json::from_str(&outcome::emit::json::contract(&c)).expect("JSON");
    let stage = &json["funnels"][0]["stages"][1];
    assert_eq!(stage["stated_conversion"], "57.07");
    assert_eq!(stage["conversion"], "57.07");
    let html = outcome::emit::html::document(&c, outcome::emit::html::Paper::A4);
    // Stated and computed columns of the funnel table, and the chart's connector; 57.1% is
    // only the overall factor from entry, which the contract does not state.
    assert!(
        html.matches("57.07%").count() >= 3,
        "the HTML shows 57.07% as computed"
    );
    // A stated factor is checked at two decimals: 57.06% and 57.08% are wrong.
    for wrong in ["57.06%", "57.08%"] {
        let (errors, _) = compile(
            "wrong.outcome",
            source.replace("57.07%", wrong).as_bytes(),
            Diagnostic::is_error,
        );
        assert_eq!(errors.len(), 1, "{wrong}: {errors:?}");
    }
}

#[test]
fn a_total_cap_below_the_fixed_fees_still_adds_up_by_year() {
    let c = text(
        r#"
contract "Fees above the cap" {
  commissioner "C"
  provider "P"
  term 2026-04-01 to 2027-03-31
  funding limit £50,000
}
outcome done_well "Done well"
cohort people "People" { size 10 }
funnel steps "Steps" for people {
  milestone started "Started" 10
  target finished "Finished" 5 { achieves done_well evidence "Review" }
}
payments {
  fixed £10,000 per quarter           # £40,000
  pay £1,000 for finished
  cap £30,000 total
}
"#,
    );
    let f = &c.figures;
    assert_eq!(minor(f.planned_total_cost), 3_000_000); // min(£40,000 + £5,000, £30,000)
    let by_year: i128 = f.by_year.iter().map(|y| minor(y.total)).sum();
    assert_eq!(
        by_year,
        minor(f.planned_total_cost),
        "the years add up to the plan"
    );
}

/// A school's contract paid by the term (three terms of four months to a contract year, from
/// the term's first day): a fee `per term` is six fees over two years, three in each; a price
/// `due termly in arrears` falls due at the end of the term it is earned in.
///
/// Outcome payments at plan: 10 × £600 = £6,000. Pupils enter on the 365 days of the
/// referral window (2026-09-01 to 2027-08-31) and return to school 6 months later. Those who
/// enter on days 0 to 180 (to 2027-02-28) return from 2027-03-01 to 2027-08-28, due on
/// 2027-04-30 or 2027-08-31: year 1. Those from day 181 (2027-03-01) return from 2027-09-01,
/// due from 2027-12-31: year 2. Year 1: £6,000 × 181 ÷ 365 = £2,975.342…, year 2
/// £3,024.657…; by largest remainder in pence, 297,534 and 302,466.
#[test]
fn a_school_contract_pays_fees_by_the_term() {
    let c = text(
        r#"
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
"#,
    );
    assert_fixed_fees(&c, &[(300_000, 6, None, 1_800_000)]);
    assert_years(
        &c,
        &[
            (1, "2026-09-01", "2027-08-31", 900_000, 297_534, 1_197_534),
            (2, "2027-09-01", "2028-08-31", 900_000, 302_466, 1_202_466),
        ],
    );
}

// ───────────────────────────── troubled families ─────────────────────────────

/// The participant limit of the Troubled Families framework (`pay for at most 5 in 6
/// families`): 100 of the 120 families on the list can be paid for, each in full.
#[test]
fn troubled_families() {
    let c = spec("troubled-families.outcome");

    let limits: Vec<(&str, u64, Option<u64>, u64)> = c
        .payments
        .participant_limits
        .iter()
        .map(|l| (l.cohort.as_str(), l.most, l.in_every, l.paid))
        .collect();
    assert_eq!(limits, [("families", 5, Some(6), 100)]); // 120 × 5 ÷ 6

    assert_per_participant(
        &c,
        &[(
            "families",
            80_000, // the richer of £700 + £100 and £800
            80_000, // no per-participant cap
            0,
            Some(120),
            None,
        )],
    );
    let families = &c.figures.per_participant[0];
    assert_eq!(families.paid_at_most, Some(100));
    // The nested plan: 108 families reach `school_and_crime`, so 108 earn something (the 12
    // only attached earn nothing); 100 of them are paid for.
    assert_eq!(families.earning_at_plan, 108);
    assert_eq!(families.paid_at_plan, 100);

    assert_totals(
        &c,
        Totals {
            fixed_fees: 0,
            // 12 reach every stage: the richer of £700 + £100 and £800 = £800;
            // 18 more reach `progress_to_work`: £700 + £100 = £800;
            // 78 more reach `school_and_crime`: £700; 12 are only attached: £0.
            // 12 × £800 + 18 × £800 + 78 × £700 = £9,600 + £14,400 + £54,600
            outcome_payments_at_plan: 7_860_000, // £78,600
            // 100 of the 108 earning families: £78,600 × 100 ÷ 108 = £72,777.777… → £72,777.78
            outcome_payments_at_plan_capped: 7_277_778,
            tier_payments_at_plan: 0,
            planned_total_cost: 7_277_778,

            bonuses_maximum: 0,
            tiers_maximum: 0,
            // Only 100 families can be paid: 100 × £800, not 120 × £800 = £96,000
            maximum_exposure: 8_000_000, // £80,000
            binding_caps: vec![],
            headroom: 500_000, // £85,000 − £80,000
        },
    );

    assert_unit_costs(
        &c,
        &[
            ("family_support", "school_and_crime", 108, 67_387), // £72,777.78 ÷ 108 = £673.868…
            ("family_support", "continuous_work", 12, 606_482),  // £72,777.78 ÷ 12 = £6,064.815
        ],
        Some(60_648), // £72,777.78 ÷ 120 = £606.481…
    );

    let years: i128 = c.figures.by_year.iter().map(|y| minor(y.total)).sum();
    assert_eq!(years, 7_277_778, "the years add up to the plan");

    // Spread out: `school_and_crime` on families 1–108, `progress_to_work` on 109–120 and,
    // wrapping round, 1–18, `continuous_work` on 109–120. Families 1–18 earn £700 + £100,
    // 19–108 £700, 109–120 the richer £800: £87,000 for 120 families earning, of whom the
    // limit pays for 100, a fair sample: £72,500. Below nested, and never above the maximum.
    let least = &c.figures.overlap.least_overlap;
    assert_eq!(minor(least.outcome_payments_before_cap), 8_700_000);
    assert_eq!(minor(least.outcome_payments), 7_250_000);
    assert_eq!(minor(least.planned_total_cost), 7_250_000);
}

/// The same contract with the limit swapped for `deadweight 1 in 6`: the same maximum, but
/// every payment cut by a sixth at plan, where the limit cut only the 8 families beyond 100.
#[test]
fn troubled_families_deadweight_cuts_every_payment_where_the_limit_cuts_families() {
    let path = format!(
        "{}/specs/troubled-families.outcome",
        env!("CARGO_MANIFEST_DIR")
    );
    let source = std::fs::read_to_string(&path).expect("the spec");
    let swapped = source.replace("pay for at most 5 in 6 families", "deadweight 1 in 6");
    assert_ne!(swapped, source);
    let c = text(&swapped);
    assert!(c.payments.participant_limits.is_empty());
    // £78,600 × 5 ÷ 6 = £65,500, against £72,777.78 with the limit
    assert_eq!(minor(c.figures.planned_total_cost), 6_550_000);
    // 120 × £800 × 5 ÷ 6 = £80,000, as with the limit
    assert_eq!(minor(c.figures.maximum_exposure), 8_000_000);

    // A limit of 110 families is above the 108 planned to earn: the plan is not cut, but the
    // maximum is 110 × £800 = £88,000, beyond the funding limit of £85,000.
    let loose = source.replace(
        "pay for at most 5 in 6 families",
        "pay for at most 110 families",
    );
    let loose = loose.replace("funding limit £85,000", "funding limit £90,000");
    let c = text(&loose);
    assert_eq!(minor(c.figures.planned_total_cost), 7_860_000);
    assert_eq!(minor(c.figures.maximum_exposure), 8_800_000);
    assert_eq!(c.figures.per_participant[0].paid_at_plan, 108);
}

// ───────────────────────────── fair chance ─────────────────────────────

/// The rate card of `specs/fair-chance.outcome` in the Fair Chance Fund's domains: each
/// group's sub-total at plan and at the maximum, the accommodation cap binding at both, and the
/// rows adding up to the totals.
#[test]
fn fair_chance_groups() {
    let c = spec("fair-chance.outcome");
    let groups: Vec<(&str, Option<i128>)> = c
        .payments
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.cap.map(minor)))
        .collect();
    assert_eq!(
        groups,
        [
            ("accommodation", Some(15_000_000)),
            ("education", None),
            ("employment", None)
        ]
    );
    let rows: Vec<(GroupRow, i128, Option<i128>, bool, bool)> = c
        .figures
        .by_group
        .iter()
        .map(|g| {
            (
                g.row.clone(),
                minor(g.at_plan),
                g.at_maximum.map(minor),
                g.cap_binds_at_plan,
                g.cap_binds_at_maximum,
            )
        })
        .collect();
    let group = |id: &str| GroupRow::Group(id.into());
    assert_eq!(
        rows,
        [
            // 80 × £500 + 60 × £1,000 + 50 × £1,500 = £175,000, capped at £150,000;
            // 100 × £3,000 = £300,000 at the maximum, capped at £150,000
            (
                group("accommodation"),
                15_000_000,
                Some(15_000_000),
                true,
                true
            ),
            // 40 × £500 + 20 × £1,500 = £50,000; 100 × £2,000 = £200,000
            (
                group("education"),
                5_000_000,
                Some(20_000_000),
                false,
                false
            ),
            // 25 × £500 + 15 × £2,500 = £50,000; 100 × £3,000 = £300,000
            (
                group("employment"),
                5_000_000,
                Some(30_000_000),
                false,
                false
            ),
            // volunteering: 10 × £500 = £5,000; 100 × £500 = £50,000
            (
                GroupRow::NotInAGroup,
                500_000,
                Some(5_000_000),
                false,
                false
            ),
            // no fixed fees, bonuses or tiers
            (GroupRow::NotAPrice, 0, Some(0), false, false),
        ]
    );
    assert_totals(
        &c,
        Totals {
            fixed_fees: 0,
            outcome_payments_at_plan: 28_000_000, // £175,000 + £50,000 + £50,000 + £5,000
            outcome_payments_at_plan_capped: 25_500_000, // £25,000 less, by the group's cap
            tier_payments_at_plan: 0,
            planned_total_cost: 25_500_000,
            bonuses_maximum: 0,
            tiers_maximum: 0,
            // £150,000 + £200,000 + £300,000 + £50,000, not 100 × £8,500 = £850,000
            maximum_exposure: 70_000_000,
            binding_caps: vec![],
            headroom: 5_000_000, // £750,000 − £700,000
        },
    );
    let years: i128 = c.figures.by_year.iter().map(|y| minor(y.total)).sum();
    assert_eq!(years, 25_500_000, "the years add up to the plan");
    // No per-participant cap binds, so who reaches what changes nothing: both bounds pay the
    // £280,000 of prices less the £25,000 the accommodation cap cuts.
    let o = &c.figures.overlap;
    for bound in [&o.nested, &o.least_overlap] {
        assert_eq!(minor(bound.outcome_payments_before_cap), 28_000_000);
        assert_eq!(minor(bound.outcome_payments), 25_500_000);
        assert_eq!(minor(bound.planned_total_cost), 25_500_000);
    }
}

/// Deadweight and a cap on outcome payments are shared between the groups in proportion, so
/// the rows still add up to the penny; a group's cap applies after deadweight.
#[test]
fn fair_chance_groups_share_deadweight_and_the_outcome_cap() {
    let (_, c) = spec_changed(
        "fair-chance.outcome",
        "  pay £500 for volunteering\n",
        "  pay £500 for volunteering\n  deadweight 1 in 3\n  cap £100,000 on outcome payments\n",
    );
    let at_plan = group_at_plan(&c);
    // Before caps £175,000 / £50,000 / £50,000 / £5,000 (£280,000). Deadweight: two thirds
    // of £280,000 is £186,666.67, shared by largest remainder as £116,666.67 / £33,333.34 /
    // £33,333.33 / £3,333.33 (exact shares …66.875, …33.39, …33.39, …33.339 pence; the two
    // pence left go to the largest remainders, the first written of equals first).
    // Accommodation's £150,000 cap does not bind. The £100,000 cap on outcome payments is
    // shared in proportion to those: £62,500 / £17,857.15 / £17,857.14 / £1,785.71.
    assert_eq!(at_plan, [6_250_000, 1_785_715, 1_785_714, 178_571, 0]);
    assert_eq!(
        at_plan.iter().sum::<i128>(),
        minor(c.figures.planned_total_cost)
    );
    assert_eq!(minor(c.figures.planned_total_cost), 10_000_000);
}

/// The plan by group and by contract year, the Fair Chance Fund's domains with every young
/// person referred on the first day (so that each stage falls due on one day): each group's
/// sub-total shared over the years by when its own stages fall due, the rows adding up to each
/// year's total and each row over the years to the group's part of the plan.
#[test]
fn fair_chance_groups_by_year() {
    let (one_day, c) = spec_changed(
        "fair-chance.outcome",
        "referrals from 2015-01-01 until 2015-12-31",
        "referrals from 2015-01-01 until 2015-01-01",
    );
    let years = |c: &Contract| -> Vec<(i128, Vec<i128>)> {
        c.figures
            .by_year
            .iter()
            .map(|y| {
                (
                    minor(y.total),
                    y.by_group.iter().map(|g| minor(g.at_plan)).collect(),
                )
            })
            .collect()
    };
    let rows: Vec<GroupRow> = c.figures.by_year[0]
        .by_group
        .iter()
        .map(|g| g.row.clone())
        .collect();
    let by_group: Vec<GroupRow> = c.figures.by_group.iter().map(|g| g.row.clone()).collect();
    assert_eq!(rows, by_group, "the rows of by_group, in its order");
    // Planned from 2015-01-01: housed 2015-04-01, sustained_3m 2015-07-01, sustained_6m and
    // training 2015-10-01 (year 1); employed and volunteering 2016-01-01, qualification and
    // employed_13w 2016-04-01 (year 2, their `within` counted from referral); nothing in
    // year 3. Accommodation: 80 × £500 + 60 × £1,000 + 50 × £1,500 = £175,000, all in year 1,
    // capped at £150,000. Education: 40 × £500 = £20,000 in year 1 and 20 × £1,500 = £30,000
    // in year 2. Employment 25 × £500 + 15 × £2,500 = £50,000 and volunteering (in no group)
    // 10 × £500 = £5,000, both in year 2.
    assert_eq!(
        years(&c),
        [
            (17_000_000, vec![15_000_000, 2_000_000, 0, 0, 0]),
            (8_500_000, vec![0, 3_000_000, 5_000_000, 500_000, 0]),
            (0, vec![0, 0, 0, 0, 0]),
        ]
    );

    // With a total cap of £200,000: by group, the cap is shared in proportion (£150,000 /
    // £50,000 / £50,000 / £5,000 of £255,000, largest remainder: £117,647.06 / £39,215.69 /
    // £39,215.68 / £3,921.57); by year, payments stop from the last month back (year 2 keeps
    // £30,000 of its £85,000). Year 1's £170,000 is shared by when each group's payments fall
    // due (accommodation £150,000, education £20,000), no group given more than its part:
    // accommodation's £32,352.94 beyond its £117,647.06 goes to the others in proportion to
    // what they have left (education £19,215.69, employment £39,215.68, not in a group
    // £3,921.57 of £62,352.94): £9,970.40, £20,347.76 and £2,034.78, the pennies to the
    // largest remainders. Year 2 takes what each group has left.
    let capped = one_day.replace(
        "  group accommodation",
        "  cap £200,000 total\n  group accommodation",
    );
    let c = text(&capped);
    let at_plan = group_at_plan(&c);
    assert_eq!(at_plan, [11_764_706, 3_921_569, 3_921_568, 392_157, 0]);
    assert_eq!(
        years(&c),
        [
            (
                17_000_000,
                vec![11_764_706, 2_997_040, 2_034_776, 203_478, 0]
            ),
            (3_000_000, vec![0, 924_529, 1_886_792, 188_679, 0]),
            (0, vec![0, 0, 0, 0, 0]),
        ]
    );

    // Without groups, no year names any.
    assert!(spec("drug-service.outcome")
        .figures
        .by_year
        .iter()
        .all(|y| y.by_group.is_empty()));
}

// ───────────────────────────── property ─────────────────────────────

/// A generated contract: one or two cohorts, each with a funnel of two to four stages,
/// random prices, counts, caps, fees, deadweight, a bonus, tiers and payers.
#[derive(Debug, Clone)]
struct Generated {
    years: u32,
    cohorts: Vec<GenCohort>,
    fixed: Option<(u64, &'static str)>,
    attachment: Option<u32>,
    per_participant_cap: Option<u64>,
    outcome_cap: Option<u64>,
    total_cap_extra: Option<u64>,
    deadweight: Option<(u64, u64)>,
    /// A participant limit on the first cohort: `k in n`, written as a share of its size or
    /// (`true`) as the count it comes to.
    limit: Option<(u64, u64, bool)>,
    /// Groups: the priced stages dealt in turn into `k` groups and one slot of no group, the
    /// first group capped at the amount if there is one.
    groups: Option<(usize, Option<u64>)>,
    bonus: Option<u64>,
    tiers: Option<(bool, u64, u64)>,
    payers: Payers,
}

#[derive(Debug, Clone)]
struct GenCohort {
    size: u64,
    /// Expected counts, not increasing, the first at most the size.
    counts: Vec<u64>,
    /// Price of each stage in pence, if paid.
    prices: Vec<Option<u64>>,
    /// Window of each stage in months, not decreasing.
    windows: Vec<Option<u32>>,
    /// How each price falls due: 0 on achievement, 1 monthly, 2 quarterly, 3 annually.
    dues: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Payers {
    None,
    /// A percentage (tenths) with an optional cap, then the rest.
    PercentAndRest(u32, Option<u64>),
    /// A fixed amount, a percentage with an optional cap, then the rest.
    AmountPercentRest(u64, u32, Option<u64>),
    /// Two percentages (tenths) adding up to 100%.
    TwoPercents(u32),
    /// A fund paying a percentage (tenths), of outcome payments only or not, up to a cap with
    /// `excess pro rata`, and two councils a percentage (tenths) and what is left of 100%.
    FundAndCouncils(u32, bool, u64, u32),
}

fn money_text(pence: u64) -> String {
    format!("£{}.{:02}", pence / 100, pence % 100)
}

fn tenths_text(tenths: u32) -> String {
    if tenths % 10 == 0 {
        format!("{}%", tenths / 10)
    } else {
        format!("{}.{}%", tenths / 10, tenths % 10)
    }
}

impl Generated {
    fn fixed_total(&self) -> u64 {
        self.fixed.map_or(0, |(amount, period)| {
            let per_year = match period {
                "month" => 12,
                "quarter" => 4,
                "term" => 3,
                _ => 1,
            };
            amount * per_year * self.years as u64
        })
    }

    fn source(&self) -> String {
        let end_year = 2026 + self.years;
        let longest = self
            .cohorts
            .iter()
            .flat_map(|c| c.windows.iter().flatten())
            .copied()
            .max()
            .unwrap_or(0);
        // Referrals close early enough that the longest window ends within the term: a
        // date at the end of a month, `12 × years − longest` months after the start.
        let months = 12 * self.years - longest;
        let until = {
            let index = 2026 * 12 + 3 + months - 1; // the month before the window's end
            let (y, m) = (index / 12, index % 12 + 1);
            let last = match m {
                1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
                4 | 6 | 9 | 11 => 30,
                _ if y % 4 == 0 => 29,
                _ => 28,
            };
            format!("{y:04}-{m:02}-{last:02}")
        };
        let mut s = format!(
            "contract \"Generated\" {{\n  commissioner \"C\"\n  provider \"P\"\n  term 2026-04-01 to {end_year}-03-31\n  referrals until {until}\n  funding limit £999,999,999\n}}\noutcome done_well \"Done well\"\n"
        );
        s.push_str(
            "measure improvement \"Improvement\" {\n  question better_off\n  tracks done_well\n  target 10% by 2027\n}\n",
        );
        for (i, c) in self.cohorts.iter().enumerate() {
            s.push_str(&format!(
                "cohort c{i} \"Cohort {i}\" {{ size {} }}\n",
                c.size
            ));
            s.push_str(&format!("funnel f{i} \"Funnel {i}\" for c{i} {{\n"));
            let last = c.counts.len() - 1;
            for (j, count) in c.counts.iter().enumerate() {
                let kind = if j == last { "target" } else { "milestone" };
                let within = c.windows[j].map_or(String::new(), |m| format!(" within {m} months"));
                let achieves = if j == last { " achieves done_well" } else { "" };
                s.push_str(&format!(
                    "  {kind} c{i}_s{j} \"Stage {j}\" {count}{within} {{{achieves} evidence \"e\" }}\n"
                ));
            }
            s.push_str("}\n");
        }
        s.push_str("payments {\n");
        if let Some((amount, period)) = self.fixed {
            s.push_str(&format!("  fixed {} per {period}\n", money_text(amount)));
        }
        if let Some(share) = self.attachment {
            s.push_str(&format!(
                "  fixed {share}% of the per-participant maximum in year 1\n"
            ));
        }
        for (i, c) in self.cohorts.iter().enumerate() {
            for (j, price) in c.prices.iter().enumerate() {
                if let Some(p) = price {
                    let due = match c.dues[j] {
                        0 => "due on achievement",
                        1 => "due monthly in arrears",
                        2 => "due quarterly in arrears",
                        3 => "due termly in arrears",
                        _ => "due annually in arrears",
                    };
                    s.push_str(&format!("  pay {} for c{i}_s{j} {due}\n", money_text(*p)));
                }
            }
        }
        if let Some(cap) = self.per_participant_cap {
            s.push_str(&format!("  cap {} per participant\n", money_text(cap)));
        }
        if let Some(cap) = self.outcome_cap {
            s.push_str(&format!("  cap {} on outcome payments\n", money_text(cap)));
        }
        if let Some(extra) = self.total_cap_extra {
            // At least the fixed fees: a total cap below them is a separate question (see
            // `a_total_cap_below_the_fixed_fees_still_adds_up_by_year`).
            s.push_str(&format!(
                "  cap {} total\n",
                money_text(self.fixed_total() + extra)
            ));
        }
        if let Some((k, n)) = self.deadweight {
            s.push_str(&format!("  deadweight {k} in {n}\n"));
        }
        if let Some((k, cap)) = self.groups {
            let mut members: Vec<Vec<String>> = vec![Vec::new(); k + 1];
            let priced = self.cohorts.iter().enumerate().flat_map(|(i, c)| {
                c.prices
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.is_some())
                    .map(move |(j, _)| format!("c{i}_s{j}"))
            });
            for (n, stage) in priced.enumerate() {
                members[n % (k + 1)].push(stage);
            }
            for (g, stages) in members.iter().take(k).enumerate() {
                if stages.is_empty() {
                    continue;
                }
                let cap = match cap {
                    Some(amount) if g == 0 => format!(" cap {}", money_text(amount)),
                    _ => String::new(),
                };
                s.push_str(&format!("  group g{g}{cap} {{ {} }}\n", stages.join(", ")));
            }
        }
        if let Some((k, n, as_count)) = self.limit {
            let count = self.cohorts[0].size * k / n;
            if as_count || count == 0 {
                s.push_str(&format!("  pay for at most {} c0\n", count.max(1)));
            } else {
                s.push_str(&format!("  pay for at most {k} in {n} c0\n"));
            }
        }
        if let Some(amount) = self.bonus {
            let c = &self.cohorts[0];
            let last = c.counts.len() - 1;
            s.push_str(&format!(
                "  bonus {} if c0_s{last} >= {}\n",
                money_text(amount),
                c.counts[last] + 1
            ));
        }
        if let Some((per_cohort, low, high)) = self.tiers {
            let scope = if per_cohort { "per cohort" } else { "pooled" };
            s.push_str(&format!(
                "  tiers on improvement {scope} {{\n    below 7.5% pays nothing\n    from 7.5% pays {}\n    from 12.5% pays {}\n  }}\n",
                money_text(low),
                money_text(low + high)
            ));
        }
        match &self.payers {
            Payers::None => {}
            Payers::PercentAndRest(p, cap) => {
                let cap = cap.map_or(String::new(), |c| format!(" up to {}", money_text(c)));
                s.push_str(&format!("  payer \"A\" pays {}{cap}\n", tenths_text(*p)));
                s.push_str("  payer \"B\" pays the rest\n");
            }
            Payers::AmountPercentRest(amount, p, cap) => {
                let cap = cap.map_or(String::new(), |c| format!(" up to {}", money_text(c)));
                s.push_str(&format!("  payer \"A\" pays {}\n", money_text(*amount)));
                s.push_str(&format!("  payer \"B\" pays {}{cap}\n", tenths_text(*p)));
                s.push_str("  payer \"C\" pays the rest\n");
            }
            Payers::TwoPercents(p) => {
                s.push_str(&format!("  payer \"A\" pays {}\n", tenths_text(*p)));
                s.push_str(&format!("  payer \"B\" pays {}\n", tenths_text(1000 - p)));
            }
            Payers::FundAndCouncils(p, only, cap, q) => {
                let of = if *only { " of outcome payments" } else { "" };
                s.push_str(&format!(
                    "  payer \"F\" pays {}{of} up to {}, excess pro rata\n",
                    tenths_text(*p),
                    money_text(*cap)
                ));
                s.push_str(&format!("  payer \"A\" pays {}\n", tenths_text(*q)));
                s.push_str(&format!(
                    "  payer \"B\" pays {}\n",
                    tenths_text(1000 - p - q)
                ));
            }
        }
        s.push_str("}\n");
        s
    }
}

fn cohort_strategy(years: u32) -> impl Strategy<Value = GenCohort> {
    (2usize..=4, 1u64..=60).prop_flat_map(move |(stages, size)| {
        (
            Just(size),
            proptest::collection::vec(1u64..=100, stages),
            proptest::collection::vec(proptest::option::weighted(0.7, 1u64..=500_000), stages),
            proptest::collection::vec(proptest::option::of(1u32..=6), stages),
            proptest::collection::vec(0u8..=4, stages),
        )
            .prop_map(move |(size, shares, prices, steps, dues)| {
                // Counts: each a share (1..=100%) of the one before, rounded up, so never
                // zero and never increasing; the first a share of the size.
                let mut counts = Vec::new();
                let mut before = size;
                for share in shares {
                    let count = (before * share).div_ceil(100).max(1);
                    counts.push(count);
                    before = count;
                }
                // Windows: running sums of the steps, so never shrinking, and short enough
                // to leave at least a month of referrals.
                let mut windows = Vec::new();
                let mut running = 0;
                for step in steps {
                    windows.push(step.map(|s| {
                        running = (running + s).min(12 * years - 1);
                        running
                    }));
                }
                GenCohort {
                    size,
                    counts,
                    prices,
                    windows,
                    dues,
                }
            })
    })
}

fn payers_strategy() -> impl Strategy<Value = Payers> {
    prop_oneof![
        Just(Payers::None),
        (1u32..=999, proptest::option::of(1u64..=5_000_000))
            .prop_map(|(p, cap)| Payers::PercentAndRest(p, cap)),
        (
            1u64..=3_000_000,
            1u32..=999,
            proptest::option::of(1u64..=5_000_000)
        )
            .prop_map(|(a, p, cap)| Payers::AmountPercentRest(a, p, cap)),
        (1u32..=999).prop_map(Payers::TwoPercents),
        (1u32..=998, any::<bool>(), 1u64..=5_000_000)
            .prop_flat_map(|(p, only, cap)| (Just(p), Just(only), Just(cap), 1..(1000 - p)))
            .prop_map(|(p, only, cap, q)| Payers::FundAndCouncils(p, only, cap, q)),
    ]
}

prop_compose! {
    /// A [`Generated`] contract of one to three years, each part named beside the strategy
    /// that draws it.
    fn generated_strategy()(years in 1u32..=3)(
        years in Just(years),
        cohorts in proptest::collection::vec(cohort_strategy(years), 1..=2),
        fixed in proptest::option::of((
            1u64..=500_000,
            prop_oneof![Just("month"), Just("quarter"), Just("term"), Just("year")],
        )),
        attachment in proptest::option::weighted(0.3, 0u32..=100),
        per_participant_cap in proptest::option::weighted(0.4, 1u64..=1_000_000),
        outcome_cap in proptest::option::weighted(0.3, 1u64..=5_000_000),
        total_cap_extra in proptest::option::weighted(0.4, 0u64..=10_000_000),
        deadweight in proptest::option::weighted(
            0.3,
            (1u64..=9).prop_flat_map(|k| (Just(k), (k + 1)..=10)),
        ),
        limit in proptest::option::weighted(
            0.3,
            (1u64..=10).prop_flat_map(|n| (1..=n, Just(n), any::<bool>())),
        ),
        groups in proptest::option::weighted(
            0.4,
            (1usize..=3, proptest::option::of(1u64..=5_000_000)),
        ),
        bonus in proptest::option::weighted(0.3, 1u64..=5_000_000),
        tiers in proptest::option::weighted(
            0.3,
            (any::<bool>(), 1u64..=5_000_000, 0u64..=5_000_000),
        ),
        payers in payers_strategy(),
    ) -> Generated {
        Generated {
            years,
            cohorts,
            fixed,
            attachment,
            per_participant_cap,
            outcome_cap,
            total_cap_extra,
            deadweight,
            limit,
            groups,
            bonus,
            tiers,
            payers,
        }
    }
}

proptest! {
    // 256 cases by default; set PROPTEST_CASES to run more.

    /// The payer split at plan and at maximum adds up to the figure exactly, and the payers'
    /// shares of each to 100% (with a fund whose cap sends its excess pro rata to the
    /// others, of outcome payments only or of everything), the years add
    /// up to the planned total cost, and the maximum exposure is at least the plan.
    #[test]
    fn shares_add_up_to_the_whole(generated in generated_strategy()) {
        let source = generated.source();
        let (errors, contract) =
            compile("generated.outcome", source.as_bytes(), Diagnostic::is_error);
        prop_assert!(errors.is_empty(), "{}\n{}", source, errors.join("\n"));
        let contract = contract.expect("a contract");
        let f = &contract.figures;
        let planned = minor(f.planned_total_cost);
        let maximum = minor(f.maximum_exposure);

        if !f.by_payer.is_empty() {
            let at_plan: i128 = f.by_payer.iter().map(|p| minor(p.at_plan)).sum();
            let at_max: i128 = f.by_payer.iter().map(|p| minor(p.at_maximum)).sum();
            prop_assert_eq!(at_plan, planned, "payers at plan\n{}", source);
            prop_assert_eq!(at_max, maximum, "payers at maximum\n{}", source);
            for p in &f.by_payer {
                prop_assert!(minor(p.at_plan) >= 0 && minor(p.at_maximum) >= 0, "{}", source);
            }
            // The shares are hundredths of a percent adding up to exactly 100%.
            let hundredths = |share: fn(&outcome::model::PayerFigures) -> Option<outcome::value::Percent>| {
                f.by_payer
                    .iter()
                    .map(|p| share(p).map_or(0, |s| s.0.mantissa * 10_i128.pow(2 - s.0.scale)))
                    .sum::<i128>()
            };
            if planned > 0 {
                prop_assert_eq!(hundredths(|p| p.share_of_plan), 10_000, "shares of plan\n{}", source);
            }
            if maximum > 0 {
                prop_assert_eq!(hundredths(|p| p.share_of_maximum), 10_000, "shares of maximum\n{}", source);
            }
        }

        prop_assert_eq!(f.by_year.len() as u32, generated.years, "{}", source);
        let mut years = 0;
        for y in &f.by_year {
            prop_assert_eq!(y.by_group.is_empty(), f.by_group.is_empty(), "{}", source);
            prop_assert_eq!(minor(y.fixed_fees) + minor(y.outcome_payments), minor(y.total), "{}", source);
            prop_assert!(minor(y.outcome_payments) >= 0, "{}", source);
            years += minor(y.total);
        }
        prop_assert_eq!(years, planned, "by year\n{}", source);

        prop_assert!(maximum >= planned, "maximum {} below plan {}\n{}", maximum, planned, source);

        // The sub-totals by group add up to the totals to the penny; a capped group stays
        // within its cap.
        prop_assert_eq!(f.by_group.is_empty(), contract.payments.groups.is_empty(), "{}", source);
        if !f.by_group.is_empty() {
            let at_plan: i128 = f.by_group.iter().map(|g| minor(g.at_plan)).sum();
            prop_assert_eq!(at_plan, planned, "groups at plan\n{}", source);
            let at_max: Option<i128> = f.by_group.iter().map(|g| g.at_maximum.map(minor)).sum();
            prop_assert_eq!(at_max, Some(maximum), "groups at maximum\n{}", source);
            // Each year by group: the rows add up to the year's total, and each row over the
            // years to its part of the plan, never below nothing.
            for y in &f.by_year {
                prop_assert_eq!(y.by_group.len(), f.by_group.len(), "{}", source);
                let rows: i128 = y.by_group.iter().map(|g| minor(g.at_plan)).sum();
                prop_assert_eq!(rows, minor(y.total), "year {} by group\n{}", y.year, source);
                for (part, row) in y.by_group.iter().zip(&f.by_group) {
                    prop_assert_eq!(&part.row, &row.row, "{}", source);
                    prop_assert!(minor(part.at_plan) >= 0, "{}", source);
                }
            }
            for (i, row) in f.by_group.iter().enumerate() {
                let over_years: i128 = f.by_year.iter().map(|y| minor(y.by_group[i].at_plan)).sum();
                prop_assert_eq!(over_years, minor(row.at_plan), "{:?} over the years\n{}", row.row, source);
            }
            for (row, group) in f.by_group.iter().zip(&contract.payments.groups) {
                prop_assert!(minor(row.at_plan) >= 0, "{}", source);
                if let Some(cap) = group.cap {
                    prop_assert!(minor(row.at_plan) <= minor(cap), "{}", source);
                    prop_assert!(row.at_maximum.is_some_and(|m| minor(m) <= minor(cap)), "{}", source);
                }
            }
        }

        // A participant limit pays at most its count, at plan as at the maximum.
        for p in &f.per_participant {
            prop_assert!(p.paid_at_plan <= p.earning_at_plan, "{}", source);
            if let Some(paid) = p.paid_at_most {
                prop_assert!(p.paid_at_plan <= paid, "{}", source);
            }
        }
        // Nested is the lowest cost the counts allow: the other bound is never below it, but
        // where a participant limit pays a fair sample of those earning (spread out, more earn
        // something, each less). Neither bound is ever above the maximum exposure.
        let o = &f.overlap;
        prop_assert_eq!(minor(o.nested.planned_total_cost), planned, "{}", source);
        for bound in [&o.nested, &o.least_overlap] {
            prop_assert!(
                minor(bound.planned_total_cost) <= minor(f.maximum_exposure),
                "a bound above the maximum exposure\n{}",
                source
            );
        }
        let limited = f.per_participant.iter().any(|p| p.paid_at_most.is_some());
        prop_assert!(
            limited
                || minor(o.least_overlap.planned_total_cost) >= minor(o.nested.planned_total_cost),
            "least overlap below nested\n{}",
            source
        );
    }
}

/// The maximum is what the rules can pay at most, so never below the plan, however the
/// per-participant cap and a group's cap fall. Here 100 people each earn the £1,000 of
/// `work`, in no group; 10 also reach `housed` (£1,000, in a group capped at £5,000), but the
/// £1,000 per-participant cap holds them to £1,000. The plan shares the capped £100,000 by
/// what the rows pay at plan (£100,000 : £10,000), and the group's cap holds housing to
/// £5,000: £90,909.09 + £5,000 = £95,909.09. The maximum once shared the capped £100,000 by
/// the rate card (£1,000 : £1,000, half each), so the group's cap left £55,000, below the
/// plan. Each row on its own can pay £100,000 (work, everyone) and £5,000 (housing, its cap);
/// together at most the £100,000 the per-participant cap allows.
#[test]
fn a_group_cap_never_brings_the_maximum_below_the_plan() {
    let c = text(
        r#"
contract "Grouped" {
  commissioner "C"
  provider "P"
  term 2026-04-01 to 2027-03-31
  referrals from 2026-04-01 until 2026-09-30
  currency GBP
  funding limit £200,000
}
outcome settled "Settled" { level service }
cohort people "People" { size 100 }
funnel f "F" for people {
  milestone joined "Joined" 100
  milestone work "Work" 100 conversion 100% within 6 months
  target housed "Housed" 10 conversion 10% after joined within 6 months { achieves settled }
}
payments {
  pay £1,000 for work
  pay £1,000 for housed
  cap £1,000 per participant
  group housing "Housing" cap £5,000 { housed }
}
"#,
    );
    let f = &c.figures;
    assert_eq!(minor(f.planned_total_cost), 9_590_909);
    assert_eq!(minor(f.maximum_exposure), 10_000_000);
    assert!(f.maximum_exposure >= f.planned_total_cost);
}

/// The three payment plans of `specs/variations/`, as each file's opening comment works them.
#[test]
fn moving_on_payment_plans() {
    // (plan, planned total cost, rate card, cohort size, the fund at plan and at most,
    // the council at plan and at most), in pence.
    let plans = [
        // 544 × £450 + 314 × £1,000 + 252 × £1,500 + 183 × £2,124 + 256 × £750 + 192 × £1,250
        // + 148 × £2,000 + 227 × £1,417. The fund: 30% of it, £712,545.30, held to its
        // £712,545 award; 30% of the £2,500,000 cap would be £750,000, held to it too.
        (1, 237_515_100, 1_049_100, 600, 71_254_500, 71_254_500),
        // 510 × £450 + 300 × £1,000 + 240 × £1,500 + 174 × £2,124 + 240 × £750 + 180 × £1,250
        // + 140 × £2,000 + 211 × £1,417. The fund: 30%, £672,918.90, below its award.
        (2, 224_306_300, 1_049_100, 560, 67_291_890, 71_254_500),
        // Plan 2 without the wellbeing target's 211 × £1,417 and with engagement at £300:
        // the rate card £10,491 − £1,417 − £150. The fund: 30%, £560,272.80, held to its
        // new £560,272 award.
        (3, 186_757_600, 892_400, 560, 56_027_200, 56_027_200),
    ];
    for (n, planned, card, size, fund_plan, fund_most) in plans {
        let c = spec(&format!("variations/moving-on-v{n}.outcome"));
        let f = &c.figures;
        assert_eq!(minor(f.fixed_fees), 0, "plan {n}");
        assert_eq!(minor(f.planned_total_cost), planned, "plan {n}");
        // size × rate card is far above it: the cap on outcome payments binds.
        assert_eq!(minor(f.maximum_exposure), 250_000_000, "plan {n}");
        assert_eq!(minor(f.headroom), 0, "plan {n}");
        assert_per_participant(&c, &[("care_leavers", card, card, 0, Some(size), None)]);
        assert_payers(
            &c,
            &[
                ("Life Chances Fund", fund_plan, fund_most),
                (
                    "Castlebrook County Council",
                    planned - fund_plan,
                    250_000_000 - fund_most,
                ),
            ],
        );
    }
}

/// A clause the checker refuses is not worked into figures of a contract other than the one
/// written: a negative price among groups is E0502 alone (not also "too large", from sharing
/// the plan between the groups by a negative amount), and a participant limit of no whole
/// number of families is E0550 alone (not also over the funding limit, as the contract
/// would be without the limit).
#[test]
fn a_refused_amount_or_limit_is_the_only_error_said() {
    let codes = |name: &str, from: &str, to: &str| {
        let path = format!("{}/specs/{name}", env!("CARGO_MANIFEST_DIR"));
        let source = std::fs::read_to_string(&path).expect("the spec");
        let changed = source.replace(from, to);
        assert_ne!(changed, source, "`{from}` is not in {name}");
        let (_, compiled) = outcome::compile_bytes("changed.outcome", changed.as_bytes());
        let mut codes: Vec<&str> = compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.as_str())
            .collect();
        codes.dedup();
        codes
    };
    assert_eq!(
        codes(
            "fair-chance.outcome",
            "pay £500 for housed",
            "pay -£500 for housed"
        ),
        ["E0502"]
    );
    assert_eq!(
        codes(
            "fair-chance.outcome",
            "group accommodation \"Accommodation\" cap £150,000",
            "group accommodation \"Accommodation\" cap -£5"
        ),
        ["E0502"]
    );
    assert_eq!(
        codes(
            "troubled-families.outcome",
            "pay for at most 5 in 6 families",
            "pay for at most 5 in 6.5 families"
        ),
        ["E0550"]
    );
}
