//! Measured values → tier payments, each line carrying the values it was worked out from.
//!
//! Each schedule is read at the latest measured value for each cohort (or pooled) of a
//! contract year ended by the report date (a value for a year still running does not hide
//! the year before it), or, with none ended, at the latest given: the result
//! compared with the thresholds is the reduction against the comparison group, in percent, or
//! the measured value itself for a measure without one. A step tier pays its amount; a tier
//! paid per unit pays its price for each unit of improvement (the comparison group's value less
//! the cohort's), rounded once, up to its cap (`check::money::improvement::pays_for_units`).
//! The schedules of an either-or trigger pay the larger of the alternatives, never both: in
//! order of falling due, each line pays only what takes the most any alternative has earned so
//! far above what the trigger has already paid. Every reading is kept, whether or not it
//! reaches a tier (`TierReading`), for the reports' account of the tiers.

use super::{Measured, PaymentLine, TierBasis, TierReading};
use crate::ast::{Threshold, TierScope};
use crate::check::money::improvement::{pays_for_units, trimmed};
use crate::model::{Contract, TierSchedule};
use crate::schedule::contract_year;
use crate::value::{Date, Decimal, Money};
use std::collections::BTreeMap;

/// What the tier schedules make of the measured values.
pub(crate) struct Made {
    /// The tier payment lines, before the report date is applied.
    pub lines: Vec<PaymentLine>,
    /// Every reading, in the order read, with the place in `lines` of the line it pays when
    /// it reaches a tier (its `line` is left for the report to fill in once every rule has
    /// applied).
    pub readings: Vec<(TierReading, Option<usize>)>,
}

/// The tier payment lines and every reading by `until`; `line` makes a line of the kind,
/// subject, due date, rate and amount given.
pub(crate) fn tier_lines(
    contract: &Contract,
    until: Date,
    measured: &[Measured],
    line: &dyn Fn(&str, Date, Money, &TierSchedule) -> PaymentLine,
) -> Result<Made, String> {
    let currency = contract.funding_limit.currency;
    // (schedule index, line), in the order computed.
    let mut lines: Vec<(usize, PaymentLine)> = Vec::new();
    let mut readings: Vec<(TierReading, Option<usize>)> = Vec::new();
    for (index, schedule) in contract.payments.tiers.iter().enumerate() {
        let cohorts: Vec<Option<&str>> = match schedule.scope {
            TierScope::Pooled => vec![None],
            TierScope::PerCohort => contract
                .cohorts
                .iter()
                .filter(|c| contract.funnels.iter().any(|f| f.cohort == c.id))
                .map(|c| Some(c.id.as_str()))
                .collect(),
        };
        for cohort in cohorts {
            let given = || {
                measured
                    .iter()
                    .filter(|m| m.measure == schedule.measure && m.cohort.as_deref() == cohort)
            };
            let ended = given()
                .filter(|m| contract_year(contract.term, m.year).1 <= until)
                .max_by_key(|m| m.year);
            let Some(m) = ended.or_else(|| given().max_by_key(|m| m.year)) else {
                continue;
            };
            let Some(result) = super::payments::value_of(m)? else {
                continue;
            };
            let tier = schedule.tiers.iter().rev().find(|t| {
                let from = match t.from {
                    Threshold::Number(n) | Threshold::Percent(crate::value::Percent(n)) => n,
                };
                result.cmp_value(&from) != std::cmp::Ordering::Less
            });
            let (_, ends) = contract_year(contract.term, m.year);
            readings.push((
                TierReading {
                    clause: schedule.clause.clone(),
                    measure: m.measure.clone(),
                    cohort: cohort.map(str::to_string),
                    year: m.year,
                    treatment: m.treatment,
                    comparison: m.comparison,
                    result: trimmed(result),
                    nothing_below: schedule.nothing_below,
                    due: ends,
                    line: None,
                },
                tier.map(|_| lines.len()),
            ));
            let Some(tier) = tier else { continue };
            let (units, earned) = match tier.per_unit_up_to {
                None => (None, tier.pays.minor),
                Some(up_to) => {
                    let comparison = m.comparison.ok_or_else(|| {
                        format!(
                            "the measured value of `{}`{} in year {} has no comparison value, which the payment per unit of improvement needs",
                            m.measure,
                            cohort.map_or_else(String::new, |c| format!(" for `{c}`")),
                            m.year
                        )
                    })?;
                    let units = difference(comparison, m.treatment).ok_or_else(|| {
                        format!(
                            "the improvement of `{}` in year {} is too large to compute exactly",
                            m.measure, m.year
                        )
                    })?;
                    let earned = pays_for_units(tier.pays.minor, units, up_to.minor)
                        .ok_or_else(|| {
                            format!(
                                "the payment per unit on `{}` in year {} is too large to compute exactly",
                                m.measure, m.year
                            )
                        })?;
                    (Some(trimmed(units)), earned)
                }
            };
            let subject = cohort.map_or_else(
                || schedule.measure.to_string(),
                |c| format!("{} ({c})", schedule.measure),
            );
            let mut l = line(&subject, ends, Money::new(earned, currency), schedule);
            l.measured = Some(TierBasis {
                measure: m.measure.clone(),
                cohort: cohort.map(str::to_string),
                year: m.year,
                treatment: m.treatment,
                comparison: m.comparison,
                result: trimmed(result),
                tier_from: tier.from,
                units,
                per_unit: tier.per_unit_up_to.map(|_| tier.pays),
                either_or_paid_before: None,
            });
            lines.push((index, l));
        }
    }
    either_or(contract, &mut lines);
    Ok(Made {
        lines: lines.into_iter().map(|(_, l)| l).collect(),
        readings,
    })
}

/// `comparison − treatment` at the finer of their scales, exactly.
fn difference(comparison: Decimal, treatment: Decimal) -> Option<Decimal> {
    let scale = comparison.scale.max(treatment.scale);
    let at = |d: Decimal| {
        10_i128
            .checked_pow(scale - d.scale)
            .and_then(|f| d.mantissa.checked_mul(f))
    };
    Some(Decimal {
        mantissa: at(comparison)?.checked_sub(at(treatment)?)?,
        scale,
    })
}

/// The larger of each trigger's alternatives, never both: lines of a trigger's schedules, in
/// order of falling due (then of the schedules as written), each pay what takes the most
/// any alternative has earned so far above what the trigger has paid before.
fn either_or(contract: &Contract, lines: &mut [(usize, PaymentLine)]) {
    let tiers = &contract.payments.tiers;
    let mut order: Vec<usize> = (0..lines.len())
        .filter(|i| tiers[lines[*i].0].either_or.is_some())
        .collect();
    order.sort_by_key(|i| (lines[*i].1.due, lines[*i].0));
    // Per trigger: what each schedule has earned so far, and what the trigger has paid.
    let mut earned: BTreeMap<usize, i128> = BTreeMap::new();
    let mut paid: BTreeMap<usize, i128> = BTreeMap::new();
    for i in order {
        let (schedule, line) = &mut lines[i];
        let Some(trigger) = tiers[*schedule].either_or else {
            continue;
        };
        let own = earned.entry(*schedule).or_default();
        *own = own.saturating_add(line.rate.minor); // each at most a checked figure
        let own = *own;
        let before = paid.get(&trigger).copied().unwrap_or(0);
        let after = before.max(own);
        paid.insert(trigger, after);
        line.amount = Money::new(after - before, line.amount.currency);
        if let Some(basis) = line.measured.as_mut() {
            basis.either_or_paid_before = Some(Money::new(before, line.amount.currency));
        }
        if line.amount.minor < line.rate.minor {
            let first = &tiers[trigger];
            line.cut_by.push(format!(
                "either-or trigger ({}): the larger of the alternatives is paid, never both, and {} was already paid under it",
                first.clause,
                Money::new(before, line.amount.currency)
            ));
        }
    }
}

/// The measured values behind a tier payment, in words, for the text and HTML reports:
/// `measured 850 against 1000 for the comparison group, a reduction of 15%; tier from 10%;
/// 150 units at £2,000`.
pub fn describe(basis: &TierBasis) -> String {
    let mut text = measured_words(basis.treatment, basis.comparison, basis.year, basis.result);
    push_tier_words(&mut text, basis);
    text
}

/// The measured values and the result compared with the thresholds, in words: `measured 850
/// against 1,000 for the comparison group in year 2, a reduction of 15%`, or `measured 850 in
/// year 2` for a measure without a comparison group.
fn measured_words(
    treatment: Decimal,
    comparison: Option<Decimal>,
    year: u32,
    result: Decimal,
) -> String {
    let treatment = treatment.grouped();
    match comparison {
        Some(comparison) => format!(
            "measured {treatment} against {} for the comparison group in year {year}, a reduction of {result}%",
            comparison.grouped()
        ),
        None => format!("measured {treatment} in year {year}"),
    }
}

/// The tier reached, in words, after the measured values: `; tier from 10%`, then for a tier
/// paid per unit its units and price, and what an either-or trigger had paid before.
fn push_tier_words(text: &mut String, basis: &TierBasis) {
    text.push_str(&format!("; tier from {}", basis.tier_from));
    if let (Some(units), Some(price)) = (basis.units, basis.per_unit) {
        text.push_str(&format!(
            "; {} units of improvement at {price} each",
            units.grouped()
        ));
    }
    if let Some(before) = basis.either_or_paid_before {
        text.push_str(&format!(
            "; an alternative of an either-or trigger that had paid {before} before"
        ));
    }
}

/// A tier schedule's reading in a sentence, for the account of the tiers in the text and HTML
/// reports: the schedule and cohort, the measured values and the result (as a payment line
/// gives them, `describe`), then the tier reached and what it pays, or that none was:
/// `` `reconviction_reduction` for `first_cohort` (specs/reoffending.outcome:138): measured
/// 41.4 against 46 for the comparison group in year 2, a reduction of 10%; tier from 10%;
/// pays £250,000, due 2028-03-31 ``.
pub fn reading_words(reading: &TierReading) -> String {
    let mut text = match &reading.cohort {
        Some(cohort) => format!("`{}` for `{cohort}`", reading.measure),
        None => format!("`{}`, all cohorts pooled", reading.measure),
    };
    text.push_str(&format!(" ({}): ", reading.clause));
    text.push_str(&measured_words(
        reading.treatment,
        reading.comparison,
        reading.year,
        reading.result,
    ));
    let Some(line) = &reading.line else {
        text.push_str(&format!(
            "; below the lowest tier, from {}: nothing is paid",
            reading.nothing_below
        ));
        return text;
    };
    if let Some(basis) = &line.measured {
        push_tier_words(&mut text, basis);
    }
    if line.amount == line.rate {
        text.push_str(&format!("; pays {}, due {}", line.amount, line.due));
    } else {
        text.push_str(&format!(
            "; pays {} of {}, due {}",
            line.amount, line.rate, line.due
        ));
        if !line.cut_by.is_empty() {
            text.push_str(&format!(", cut by {}", line.cut_by.join("; ")));
        }
    }
    text
}
