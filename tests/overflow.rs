//! Money and people never wrap: every figure is exact or refused (E0530).
//!
//! Counts and prices can each be written with twelve whole digits; their products and sums
//! can go beyond what 128-bit integers hold, and before the figures were checked a release
//! build wrapped silently (a £1,000 funding limit passed, a negative maximum exposure) while a
//! debug build panicked. The regression tests below are the contracts that showed it; the
//! property at the end generates contracts with counts and prices up to the limit and
//! compares every figure with an independent computation (in `u128`, in this file), which
//! also decides whether the checker must refuse. Tests run in debug, where an overflow that
//! slipped through would panic.

mod common;

use common::{exits, RunAssert, Scratch};
use outcome::diagnostic::Code;
use outcome::model::Contract;
use outcome::value::{Currency, Money};
use proptest::prelude::*;

/// The most a figure may be, in pence: 10^15 pounds.
const BOUND: u128 = 100_000_000_000_000_000;

/// A contract with one cohort of `size` people, a funnel of three paid stages and a payments
/// block with the extra clauses given.
fn contract(limit: &str, size: &str, counts: [&str; 3], prices: [&str; 3], extra: &str) -> String {
    format!(
        r#"contract "Scale" {{
  commissioner "Council"
  provider "Provider"
  term 2026-04-01 to 2027-03-31
  funding limit {limit}
}}

outcome done "Done"

cohort people "People referred" {{
  size {size}
}}

funnel steps "Steps" for people {{
  milestone first "First step" {c0} {{ evidence "Register" }}
  milestone second "Second step" {c1} {{ evidence "Record" }}
  target done_it "Done" {c2} {{
    achieves done
    evidence "Certificate"
  }}
}}

payments {{
  pay {p0} for first
  pay {p1} for second
  pay {p2} for done_it
{extra}
}}
"#,
        c0 = counts[0],
        c1 = counts[1],
        c2 = counts[2],
        p0 = prices[0],
        p1 = prices[1],
        p2 = prices[2],
    )
}

const MOST: &str = "999,999,999,999";
const MOST_MONEY: &str = "£999,999,999,999";

/// The reviewer's contract: the largest cohort, counts and prices, paid with deadweight, so
/// that the maximum times the deadweight fraction is beyond `i128`.
fn largest(limit: &str, extra: &str) -> String {
    contract(
        limit,
        MOST,
        [MOST, MOST, MOST],
        [MOST_MONEY, MOST_MONEY, MOST_MONEY],
        extra,
    )
}

fn check_file(text: &str) -> (Scratch, String) {
    let scratch = Scratch::new("overflow");
    let path = scratch.file("scale.outcome", text);
    let path = path.to_str().expect("a UTF-8 path").to_string();
    (scratch, path)
}

fn compiled(text: &str) -> (Vec<outcome::diagnostic::Diagnostic>, Option<Contract>) {
    let (_, compiled) = outcome::compile_bytes("scale.outcome", text.as_bytes());
    (compiled.diagnostics, compiled.contract.map(|c| *c))
}

// ───────────────────────────── regression tests ─────────────────────────────

#[test]
fn a_wrapped_exposure_never_passes_the_funding_limit() {
    let text = largest("£1,000", "  deadweight 1 in 999,999,999,999");
    let (_scratch, path) = check_file(&text);
    exits(&["check", &path], 1).stderr_has(&[
        "E0530",
        "the payment at plan for `first` (999,999,999,999 people × £999,999,999,999) is too large to compute exactly: more than £1,000,000,000,000,000",
    ]);
    // The contract as the reviewer tuned it, every figure of it within the limit but for
    // the products: refused too, and not with a figure that looks right.
    let tuned = contract(
        "£1,000",
        MOST,
        ["1,000,000", "1,000,000", "1,000,000"],
        ["£999,999,999,999", "£1", "£1"],
        "  deadweight 1 in 999,999,999,999",
    );
    let (diagnostics, model) = compiled(&tuned);
    assert!(model.is_none());
    assert!(diagnostics.iter().any(|d| d.code == Code::E0530));
}

#[test]
fn the_maximum_exposure_is_never_negative() {
    let text = largest("£999,999,999,999", "  deadweight 1 in 999,999,999,999");
    let (_scratch, path) = check_file(&text);
    let run = exits(&["build", &path, "--format", "json"], 1).stderr_has(&["E0530"]);
    assert!(
        run.get_output().stdout.is_empty(),
        "no JSON for a refused contract"
    );
    // At the largest scale the checker accepts, the exposure is exact and positive.
    let near = contract(
        "£999,999,999,999",
        "100",
        ["100", "100", "100"],
        ["£999,999,999,999", "£999,999,999,999", "£999,999,999,999"],
        "  cap £999,999,999,999 total",
    );
    let (_, model) = compiled(&near);
    let model = model.expect("within the bound");
    assert_eq!(model.figures.maximum_exposure.minor, 99_999_999_999_900);
}

#[test]
fn by_year_adds_up_to_the_planned_total_of_a_capped_contract_at_scale() {
    // The reviewer's capped contract: its plan before the cap is beyond the bound, so it is
    // refused rather than split into years that do not add up.
    let (diagnostics, model) = compiled(&largest("£1,000", "  cap £1,000 total"));
    assert!(model.is_none());
    assert!(diagnostics.iter().any(|d| d.code == Code::E0530));
    // Just within the bound, with the plan weighted by payments near the bound for each
    // day of the year (each weight times the plan is beyond i128): the years add up exactly.
    let near = contract(
        "£999,999,999,999",
        "300,000",
        ["300,000", "300,000", "300,000"],
        ["£999,999,999.99", "£999,999,999.99", "£999,999,999.97"],
        "  fixed £123,456,789.01 per week\n  cap £987,654,321,987.65 total",
    );
    let (diagnostics, model) = compiled(&near);
    let model = model.unwrap_or_else(|| panic!("{diagnostics:?}"));
    let figures = &model.figures;
    let sum: i128 = figures.by_year.iter().map(|y| y.total.minor).sum();
    assert_eq!(sum, figures.planned_total_cost.minor);
    assert_eq!(figures.planned_total_cost.minor, 98_765_432_198_765);
}

#[test]
fn a_measured_value_of_ten_to_the_37_is_refused() {
    let spec = "specs/drug-service.outcome";
    let returns = "specs/returns/drug-service-2009-10.csv";
    let huge = format!("abstinence_rate:1=1{}", "0".repeat(37));
    exits(
        &["report", spec, "--returns", returns, "--measure", &huge],
        2,
    )
    .stderr_has(&["too large to compare exactly", "twelve digits"]);
    let precise = "abstinence_rate:1=41.1234567";
    exits(
        &["report", spec, "--returns", returns, "--measure", precise],
        2,
    )
    .stderr_has(&["too precise to compare exactly"]);
    let scratch = Scratch::new("overflow-measures");
    let measures = scratch.file(
        "measures.csv",
        format!(
            "measure,year,treatment\nabstinence_rate,1,1{}\n",
            "0".repeat(37)
        ),
    );
    let measures = measures.to_str().expect("a UTF-8 path");
    exits(
        &["report", spec, "--returns", returns, "--measures", measures],
        2,
    )
    .stderr_has(&["row 2", "too large to compare exactly"]);
    // Twelve digits is still a value.
    exits(
        &[
            "report",
            spec,
            "--returns",
            returns,
            "--measure",
            "abstinence_rate:1=999999999999.999999",
        ],
        0,
    );
}

// ───────────────────────────── the property ─────────────────────────────

/// A generated contract: the cohort's size, the counts at the three stages (not widening),
/// the prices in pence, and the optional clauses.
#[derive(Debug, Clone)]
struct Gen {
    size: u64,
    counts: [u64; 3],
    prices: [u64; 3],
    fixed_per_quarter: Option<u64>,
    cap_per_participant: Option<u64>,
    cap_total: Option<u64>,
    deadweight: Option<(u64, u64)>,
}

/// Numbers of every size up to the twelve-digit limit, the largest often.
fn magnitude(most: u64) -> impl Strategy<Value = u64> + Clone {
    prop_oneof![
        1..=1_000_u64,
        1..=most,
        (most / 10)..=most,
        (most - 1_000)..=most,
    ]
}

fn gen() -> impl Strategy<Value = Gen> {
    let count = magnitude(999_999_999_999);
    let pence = magnitude(99_999_999_999_999);
    (
        count.clone(),
        [count.clone(), count.clone(), count],
        [pence.clone(), pence.clone(), pence.clone()],
        proptest::option::of(pence.clone()),
        proptest::option::of(pence.clone()),
        proptest::option::of(pence),
        proptest::option::of((1..=999_999_999_998_u64, 2..=999_999_999_999_u64)),
    )
        .prop_map(|(size, mut counts, prices, fixed, per, total, dw)| {
            counts.sort_unstable_by(|a, b| b.cmp(a));
            counts[0] = counts[0].min(size);
            counts[1] = counts[1].min(counts[0]);
            counts[2] = counts[2].min(counts[1]);
            Gen {
                size,
                counts,
                prices,
                fixed_per_quarter: fixed,
                cap_per_participant: per,
                cap_total: total,
                deadweight: dw.map(|(k, n)| (k.min(n - 1), n)),
            }
        })
}

fn grouped(n: u64) -> String {
    outcome::value::group_thousands(u128::from(n))
}

fn money(pence: u64) -> String {
    Money::new(i128::from(pence), Currency::GBP).to_string()
}

/// The funding limit of every generated contract: the largest that can be written.
const LIMIT: u128 = 99_999_999_999_900;

fn text_of(g: &Gen) -> String {
    let mut extra = String::new();
    if let Some(f) = g.fixed_per_quarter {
        extra.push_str(&format!("  fixed {} per quarter\n", money(f)));
    }
    if let Some(c) = g.cap_per_participant {
        extra.push_str(&format!("  cap {} per participant\n", money(c)));
    }
    if let Some(c) = g.cap_total {
        extra.push_str(&format!("  cap {} total\n", money(c)));
    }
    if let Some((k, n)) = g.deadweight {
        extra.push_str(&format!("  deadweight {} in {}\n", grouped(k), grouped(n)));
    }
    let counts = g.counts.map(grouped);
    let prices = g.prices.map(money);
    contract(
        MOST_MONEY,
        &grouped(g.size),
        [&counts[0], &counts[1], &counts[2]],
        [&prices[0], &prices[1], &prices[2]],
        &extra,
    )
}

/// The figures worked out independently, in `u128`: `None` when one of them is beyond the
/// bound, and the contract must be refused.
#[derive(Debug, PartialEq)]
struct Expected {
    exposure: u128,
    planned_total: u128,
}

fn expected(g: &Gen) -> Option<Expected> {
    let within = |x: u128| (x <= BOUND).then_some(x);
    let prices = g.prices.map(u128::from);
    let counts = g.counts.map(u128::from);
    // Each payment at plan, and what one participant can earn.
    for i in 0..3 {
        within(prices[i] * counts[i])?;
    }
    let rate_card = within(prices.iter().sum())?;
    let maximum = g
        .cap_per_participant
        .map_or(rate_card, |cap| rate_card.min(u128::from(cap)));
    // People by level: those reaching exactly the stages expecting at least this many.
    let mut plan_before = 0;
    let mut plan_capped = 0;
    for level in 0..3 {
        let below = if level == 2 { 0 } else { counts[level + 1] };
        let people = counts[level] - below;
        let earned: u128 = prices[..=level].iter().sum();
        plan_before += people * earned;
        plan_capped += people * earned.min(maximum);
    }
    within(plan_before)?;
    let cohort_maximum = within(u128::from(g.size) * maximum)?;
    let discount = |x: u128| match g.deadweight {
        // Rounded half up: x is within the bound, so the product fits.
        Some((k, n)) => {
            let (k, n) = (u128::from(k), u128::from(n));
            (2 * x * (n - k) + n) / (2 * n)
        }
        None => x,
    };
    let fixed = g.fixed_per_quarter.map_or(0, |f| 4 * u128::from(f));
    let exposure = within(fixed + discount(cohort_maximum))?;
    let planned = within(fixed + discount(plan_capped))?;
    let cap = |x: u128| g.cap_total.map_or(x, |c| x.min(u128::from(c)));
    Some(Expected {
        exposure: cap(exposure),
        planned_total: cap(planned),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Contracts with counts and prices up to the twelve-digit limit either check with every
    /// figure exactly right, or are refused with E0530 exactly when an independent
    /// computation finds a figure beyond the bound. Never a panic, never a wrapped or
    /// negative figure, and the years always add up to the planned total.
    #[test]
    fn figures_are_exact_or_refused(g in gen()) {
        let text = text_of(&g);
        let (diagnostics, model) = compiled(&text);
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
        let refused = errors.iter().any(|d| d.code == Code::E0530);
        match expected(&g) {
            None => prop_assert!(refused, "must be refused:\n{text}\n{errors:?}"),
            Some(want) => {
                prop_assert!(!refused, "refused but every figure fits:\n{text}\n{errors:?}");
                if want.exposure > LIMIT {
                    // Over the funding limit: the error names the exact maximum.
                    let shown = Money::new(want.exposure as i128, Currency::GBP).to_string();
                    prop_assert!(
                        errors.iter().any(|d| d.code == Code::E0503 && d.message.contains(&shown)),
                        "expected E0503 with {shown}:\n{text}\n{errors:?}"
                    );
                } else {
                    prop_assert!(errors.is_empty(), "{text}\n{errors:?}");
                    let model = model.expect("a contract without errors");
                    let f = &model.figures;
                    prop_assert_eq!(f.maximum_exposure.minor, want.exposure as i128);
                    prop_assert_eq!(f.planned_total_cost.minor, want.planned_total as i128);
                    let years: i128 = f.by_year.iter().map(|y| y.total.minor).sum();
                    prop_assert_eq!(years, f.planned_total_cost.minor);
                    for y in &f.by_year {
                        prop_assert!(y.fixed_fees.minor >= 0 && y.outcome_payments.minor >= 0);
                        prop_assert_eq!(y.total.minor, y.fixed_fees.minor + y.outcome_payments.minor);
                    }
                    prop_assert!(f.headroom.minor >= 0);
                }
            }
        }
    }
}
