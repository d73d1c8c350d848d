//! Accepted events → the payments due, with every rule of the contract applied, each line
//! traced to the clause that pays it.
//!
//! The rules apply in the contract's order (see `check::money`): for each participant, in
//! date order, each paid stage adds what it raises their entitlement — the attachment fee
//! plus the prices of the stages reached, the richest exclusive alternative only, never more
//! than the per-participant maximum. A participant limit then pays only the first
//! participants of a cohort to reach a payable result (`limit.rs`). Then, over all lines in
//! order of the date they fall due: the deadweight discount applies to the running total of outcome payments (so it
//! rounds once, at that total, and each line carries its share); the cap on outcome payments
//! stops them when reached; fixed fees, bonuses, penalties and tier payments are added; the
//! total cap stops everything when reached. Lines falling due after the report date are left
//! for a later report. Payers share the total as the contract says, exactly to the penny.
//!
//! Nothing here wraps. Each line is at most a figure of the checked contract (every figure is
//! within `value::FIGURE_LIMIT_MAJOR`), shares of amounts are formed exactly in 256 bits, and
//! every sum is checked: a total that could not be held exactly is refused with a message,
//! never shown wrapped or saturated.

use super::engine::{period_of, Event, StageInfo};
use super::{Amount, LineKind, Measured, PaymentLine, Payments, Period, Residual, StillReachable};
use crate::ast::{CapScope, IncentiveKind, Threshold, TierScope};
use crate::check::money::plan::{self, RateCard};
use crate::model::{self, Contract, SubjectKind};
use crate::schedule::clock::Clock;
use crate::schedule::{contract_year, due_date, fee_due_dates};
use crate::value::{mul_div_rounded, Date, Decimal, Money};
use foldhash::HashMap;
use std::collections::BTreeMap;

pub(crate) fn payments(
    contract: &Contract,
    stages: &[StageInfo],
    accepted: &[(String, Vec<Event>)],
    periods: &[Period],
    until: Date,
    measured: &[Measured],
) -> Result<(Payments, Residual), String> {
    let currency = contract.funding_limit.currency;
    let money = |minor: i128| Money::new(minor, currency);
    let too_large = |what: &str| {
        format!(
            "{what} is too large to compute exactly: more than {}",
            Money::limit(currency)
        )
    };
    let add = |sum: i128, amount: i128, what: &str| {
        sum.checked_add(amount).ok_or_else(|| too_large(what))
    };
    let p = &contract.payments;
    let cap_of = |scope: CapScope| p.caps.iter().find(|c| c.scope == scope);
    let price_of: HashMap<String, i128> = p
        .prices
        .iter()
        .map(|pr| (pr.stage.clone(), pr.amount.minor))
        .collect();
    let card = RateCard::new(&price_of, &p.exclusive);
    let price_clause: HashMap<&str, &model::Price> =
        p.prices.iter().map(|pr| (pr.stage.as_str(), pr)).collect();
    let label = |day: Date| {
        period_of(periods, day).map_or_else(|| day.to_string(), |i| periods[i].label.clone())
    };

    // 1. Per participant: what each event adds to their entitlement.
    let mut outcome_lines: Vec<PaymentLine> = Vec::new();
    let mut cohort_of: BTreeMap<String, String> = BTreeMap::new();
    for (id, events) in accepted {
        let Some(first) = events.first() else {
            continue;
        };
        let cohort = &contract.funnels[stages[first.stage].funnel].cohort;
        if !p.participant_limits.is_empty() {
            cohort_of.insert(id.clone(), cohort.clone());
        }
        let maximum = contract
            .figures
            .per_participant
            .iter()
            .find(|m| m.cohort == *cohort)
            .map_or(i128::MAX, |m| m.maximum.minor);
        let mut reached: Vec<&str> = Vec::new();
        let mut entitled = 0_i128;
        for event in events {
            let info = &stages[event.stage];
            let earns = || too_large(&format!("what `{id}` earns on the rate card"));
            let before_card = card.earn(reached.iter().copied()).ok_or_else(earns)?;
            reached.push(&info.id);
            if info.index == 0 {
                if let Some(attachment) = &p.attachment {
                    let year = year_of(contract, event.day);
                    let share = attachment
                        .shares
                        .iter()
                        .find(|s| s.year == Some(year))
                        .or_else(|| attachment.shares.iter().find(|s| s.year.is_none()));
                    if let Some(share) = share {
                        let rate = plan::percent_of(maximum, share.share)
                            .ok_or_else(|| too_large("an attachment fee"))?;
                        let amount = rate.min(maximum - entitled).max(0);
                        entitled += amount; // at most `maximum`
                        outcome_lines.push(line(
                            LineKind::Attachment,
                            Some(id),
                            None,
                            event.day,
                            event.day,
                            &label,
                            money(rate),
                            money(amount),
                            attachment.clause.clone(),
                            Vec::new(),
                        ));
                    }
                }
            }
            let Some(price) = price_clause.get(info.id.as_str()) else {
                continue;
            };
            let after_card = card.earn(reached.iter().copied()).ok_or_else(earns)?;
            let raised = after_card - before_card;
            let amount = raised.min(maximum - entitled).max(0);
            entitled += amount; // at most `maximum`
            let mut cut_by = Vec::new();
            if raised < price.amount.minor {
                cut_by.push("paid once for the richest of exclusive alternatives".to_string());
            }
            if amount < raised {
                match cap_of(CapScope::PerParticipant) {
                    Some(cap) => cut_by.push(format!(
                        "per-participant cap of {} ({})",
                        cap.amount, cap.clause
                    )),
                    None => cut_by.push(format!("per-participant maximum of {}", money(maximum))),
                }
            }
            let due = due_date(event.day, price.due, contract.term.start);
            outcome_lines.push(line(
                LineKind::Price,
                Some(id),
                Some(&info.id),
                event.day,
                due,
                &label,
                price.amount,
                money(amount),
                price.clause.clone(),
                cut_by,
            ));
        }
    }

    // A participant limit: only the first participants of a cohort to reach a payable result.
    super::limit::apply(contract, &cohort_of, &mut outcome_lines);

    // 2. Fixed fees, falling due on the last day of each period they pay for.
    let mut other_lines: Vec<PaymentLine> = Vec::new();
    for fee in &p.fixed_fees {
        for ends in fee_due_dates(contract.term, fee) {
            other_lines.push(line(
                LineKind::FixedFee,
                None,
                None,
                ends,
                ends,
                &label,
                fee.amount,
                fee.amount,
                fee.clause.clone(),
                Vec::new(),
            ));
        }
    }

    // 3. In order of falling due: deadweight and the cap on outcome payments.
    outcome_lines.retain(|l| l.due <= until);
    outcome_lines.sort_by(|a, b| {
        (a.due, &a.participant, &a.stage, a.kind).cmp(&(b.due, &b.participant, &b.stage, b.kind))
    });
    let outcome_cap = cap_of(CapScope::OutcomePayments);
    // Each priced stage's group, and what each capped group has paid so far.
    let group_of: BTreeMap<&str, usize> = p
        .groups
        .iter()
        .enumerate()
        .flat_map(|(i, g)| g.stages.iter().map(move |s| (s.as_str(), i)))
        .collect();
    let mut group_paid = vec![0_i128; p.groups.len()];
    let (mut gross, mut net) = (0_i128, 0_i128);
    for l in &mut outcome_lines {
        gross = add(gross, l.amount.minor, "the outcome payments")?;
        let after = match &p.deadweight {
            Some(d) => mul_div_rounded(gross, i128::from(d.of - d.discounted), i128::from(d.of))
                .ok_or_else(|| too_large("the outcome payments less deadweight"))?,
            None => gross,
        };
        let mut share = after - net;
        if share < l.amount.minor {
            if let Some(d) = &p.deadweight {
                l.cut_by.push(format!(
                    "deadweight {} in {} ({})",
                    d.discounted, d.of, d.clause
                ));
            }
        }
        // A group's cap, after deadweight and before the cap on outcome payments.
        let group = match (l.kind, &l.stage) {
            (LineKind::Price, Some(stage)) => group_of.get(stage.as_str()).copied(),
            _ => None,
        };
        if let Some(g) = group {
            if let Some(cap) = p.groups[g].cap {
                let room = (cap.minor - group_paid[g]).max(0);
                if share > room {
                    share = room;
                    l.cut_by.push(format!(
                        "cap on group `{}` of {} reached ({})",
                        p.groups[g].id, cap, p.groups[g].clause
                    ));
                }
            }
        }
        if let Some(cap) = outcome_cap {
            let room = (cap.amount.minor - net).max(0);
            if share > room {
                share = room;
                l.cut_by.push(format!(
                    "cap on outcome payments of {} reached ({})",
                    cap.amount, cap.clause
                ));
            }
        }
        net += share; // at most `after`, which is at most `gross`
        if let Some(g) = group {
            group_paid[g] += share; // at most what `net` holds
        }
        l.amount = money(share);
    }
    let outcome_paid = net;

    // 4. Bonuses and penalties, and tiers, from the counts and the measured values.
    // People at each stage, counted once (each participant has at most one event a stage).
    let mut reached_by: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, events) in accepted {
        for event in events {
            *reached_by
                .entry(stages[event.stage].id.as_str())
                .or_default() += 1;
        }
    }
    let counts = |stage: &str| reached_by.get(stage).copied().unwrap_or(0);
    for incentive in &p.incentives {
        for (assessed, ends) in assessments(contract, incentive, until) {
            let value = match incentive.subject_kind {
                SubjectKind::Stage => Some(Decimal {
                    mantissa: counts(&incentive.condition.subject) as i128,
                    scale: 0,
                }),
                SubjectKind::Measure => measured_value(
                    measured,
                    &incentive.condition.subject,
                    None,
                    year_of(contract, ends),
                )?,
            };
            let Some(value) = value else { continue };
            let threshold = match incentive.condition.value {
                Threshold::Number(n) | Threshold::Percent(crate::value::Percent(n)) => n,
            };
            if !incentive
                .condition
                .comparison
                .holds(value.cmp_value(&threshold))
            {
                continue;
            }
            let outcomes_in = plan::checked_sum(
                outcome_lines
                    .iter()
                    .filter(|l| l.due >= assessed && l.due <= ends)
                    .map(|l| l.amount.minor),
            );
            let rate = match incentive.amount {
                model::IncentiveAmount::Money(m) => m.minor,
                model::IncentiveAmount::ShareOfOutcomePayments(share) => outcomes_in
                    .and_then(|outcomes| plan::percent_of(outcomes, share))
                    .ok_or_else(|| too_large("a share of the outcome payments"))?,
            };
            let (kind, signed) = match incentive.kind {
                IncentiveKind::Bonus => (LineKind::Bonus, rate),
                IncentiveKind::Penalty => (LineKind::Penalty, -rate),
            };
            other_lines.push(line(
                kind,
                None,
                Some(&incentive.condition.subject),
                ends,
                ends,
                &label,
                money(signed),
                money(signed),
                incentive.clause.clone(),
                Vec::new(),
            ));
        }
    }
    for schedule in &p.tiers {
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
            let Some((year, value)) = latest_measured(measured, &schedule.measure, cohort)? else {
                continue;
            };
            let tier = schedule.tiers.iter().rev().find(|t| {
                let from = match t.from {
                    Threshold::Number(n) | Threshold::Percent(crate::value::Percent(n)) => n,
                };
                value.cmp_value(&from) != std::cmp::Ordering::Less
            });
            let Some(tier) = tier else { continue };
            let (_, ends) = contract_year(contract.term, year);
            let subject = cohort.map_or_else(
                || schedule.measure.clone(),
                |c| format!("{} ({c})", schedule.measure),
            );
            other_lines.push(line(
                LineKind::Tier,
                None,
                Some(&subject),
                ends,
                ends,
                &label,
                tier.pays,
                tier.pays,
                schedule.clause.clone(),
                Vec::new(),
            ));
        }
    }

    // 5. Everything in order of falling due, within the total cap.
    let mut lines: Vec<PaymentLine> = outcome_lines;
    lines.extend(other_lines.into_iter().filter(|l| l.due <= until));
    lines.sort_by(|a, b| {
        (a.due, a.kind, &a.participant, &a.stage).cmp(&(b.due, b.kind, &b.participant, &b.stage))
    });
    let total_cap = cap_of(CapScope::Total);
    // What `check` certified the contract can ever pay, and the funding limit was checked
    // against: the report never pays beyond it. Held to the cohort sizes, the rules above stay
    // within it but for the rounding of shares assessed period by period.
    let exposure = contract.figures.maximum_exposure;
    let mut total = 0_i128;
    for l in &mut lines {
        if let Some(cap) = total_cap {
            let room = (cap.amount.minor - total).max(0);
            if l.amount.minor > room {
                l.amount = money(room);
                l.cut_by.push(format!(
                    "total cap of {} reached ({})",
                    cap.amount, cap.clause
                ));
            }
        }
        let room = (exposure.minor - total).max(0);
        if l.amount.minor > room {
            l.amount = money(room);
            l.cut_by.push(format!(
                "the contract's maximum exposure of {exposure} reached"
            ));
        }
        total = add(total, l.amount.minor, "the total payments")?;
    }

    // Totals that add up to the penny.
    let sum_by = |key: &dyn Fn(&PaymentLine) -> String| -> Result<Vec<Amount>, String> {
        let mut sums: BTreeMap<String, i128> = BTreeMap::new();
        for l in &lines {
            let sum = sums.entry(key(l)).or_default();
            *sum = add(*sum, l.amount.minor, "a subtotal of the payments")?;
        }
        Ok(sums
            .into_iter()
            .map(|(name, minor)| Amount {
                name,
                amount: money(minor),
            })
            .collect())
    };
    let by_participant = sum_by(&|l| {
        l.participant
            .clone()
            .unwrap_or_else(|| "(contract)".to_string())
    })?;
    let by_stage = sum_by(&|l| match (&l.stage, l.kind) {
        (Some(s), LineKind::Price) => s.clone(),
        (_, kind) => format!("({})", kind_word(kind)),
    })?;
    // By group: the priced stages of each group, then the stages in no group (with
    // attachment fees), then what is not a stage's price; only when the contract has groups.
    let by_group = if p.groups.is_empty() {
        Vec::new()
    } else {
        let mut sums = vec![0_i128; p.groups.len() + 2];
        for l in &lines {
            let row = match (l.kind, &l.stage) {
                (LineKind::Price, Some(stage)) => group_of
                    .get(stage.as_str())
                    .copied()
                    .unwrap_or(p.groups.len()),
                (LineKind::Price | LineKind::Attachment, _) => p.groups.len(),
                _ => p.groups.len() + 1,
            };
            sums[row] = add(sums[row], l.amount.minor, "a subtotal of the payments")?;
        }
        let names = p.groups.iter().map(|g| g.id.clone()).chain([
            "(not in a group)".to_string(),
            "(not a stage's price)".to_string(),
        ]);
        names
            .zip(sums)
            .map(|(name, minor)| Amount {
                name,
                amount: money(minor),
            })
            .collect()
    };
    let sum_where = |keep: &dyn Fn(&PaymentLine) -> bool| {
        plan::checked_sum(lines.iter().filter(|l| keep(l)).map(|l| l.amount.minor))
            .ok_or_else(|| too_large("a subtotal of the payments"))
    };
    let mut by_period: Vec<Amount> = Vec::with_capacity(periods.len() + 1);
    for period in periods {
        by_period.push(Amount {
            name: period.label.clone(),
            amount: money(sum_where(&|l| {
                l.due >= period.start && l.due <= period.end
            })?),
        });
    }
    let outside = sum_where(&|l| period_of(periods, l.due).is_none())?;
    if outside != 0 {
        by_period.push(Amount {
            name: "after the last period".to_string(),
            amount: money(outside),
        });
    }
    let by_payer = if p.payers.is_empty() {
        Vec::new()
    } else {
        let (parts, unfunded) = plan::split_between_payers(total, &p.payers)
            .ok_or_else(|| too_large("the payers' shares"))?;
        let mut out: Vec<Amount> = p
            .payers
            .iter()
            .zip(parts)
            .map(|(payer, part)| Amount {
                name: payer.name.clone(),
                amount: money(part),
            })
            .collect();
        if unfunded != 0 {
            out.push(Amount {
                name: "(not funded by any payer)".to_string(),
                amount: money(unfunded),
            });
        }
        out
    };

    let fees_to_come: i128 = {
        let mut sum = 0;
        for fee in &p.fixed_fees {
            let paid = lines
                .iter()
                .filter(|l| l.kind == LineKind::FixedFee && l.clause == fee.clause)
                .count() as u64;
            // At most the fee's total over the term, a checked figure of the contract.
            let to_come = i128::from(fee.periods.saturating_sub(paid));
            let amount = fee
                .amount
                .minor
                .checked_mul(to_come)
                .ok_or_else(|| too_large("the fixed fees still to come"))?;
            sum = add(sum, amount, "the fixed fees still to come")?;
        }
        sum
    };
    let under_total_cap = match total_cap {
        Some(cap) => Some(money(
            cap.amount
                .minor
                .checked_sub(total)
                .and_then(|room| room.checked_sub(fees_to_come))
                .ok_or_else(|| too_large("the room under the total cap"))?
                .max(0),
        )),
        None => None,
    };
    let residual = Residual {
        under_total_cap,
        under_outcome_cap: outcome_cap.map(|cap| money((cap.amount.minor - outcome_paid).max(0))),
        can_still_reach: still_reachable(contract, stages, accepted, until),
        referrals_open_until: contract.referrals.map(|r| r.until).filter(|u| *u > until),
    };
    Ok((
        Payments {
            lines,
            total: money(total),
            by_participant,
            by_period,
            by_payer,
            by_stage,
            by_group,
        },
        residual,
    ))
}

#[allow(clippy::too_many_arguments)]
fn line(
    kind: LineKind,
    participant: Option<&str>,
    stage: Option<&str>,
    earned: Date,
    due: Date,
    label: &dyn Fn(Date) -> String,
    rate: Money,
    amount: Money,
    clause: model::Clause,
    cut_by: Vec<String>,
) -> PaymentLine {
    PaymentLine {
        kind,
        participant: participant.map(str::to_string),
        stage: stage.map(str::to_string),
        earned,
        due,
        period: label(due),
        rate,
        amount,
        clause,
        cut_by,
        limit: None,
    }
}

fn kind_word(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Price => "prices",
        LineKind::Attachment => "attachment fees",
        LineKind::FixedFee => "fixed fees",
        LineKind::Bonus => "bonuses",
        LineKind::Penalty => "penalties",
        LineKind::Tier => "tier payments",
        LineKind::Deadweight => "deadweight",
    }
}

/// The contract year a date falls in (1 = the first twelve months).
fn year_of(contract: &Contract, day: Date) -> u32 {
    let mut year = 1;
    while contract.term.start.add_months(12 * year) <= day {
        year += 1;
    }
    year
}

/// The periods a bonus or penalty is assessed over that have ended by `until`: once at the
/// end of the term, or each period of its frequency (from its first year, after any grace).
pub(crate) fn assessments(
    contract: &Contract,
    incentive: &model::Incentive,
    until: Date,
) -> Vec<(Date, Date)> {
    let term = contract.term;
    let Some(frequency) = incentive.assessed else {
        return if until >= term.end {
            vec![(term.start, term.end)]
        } else {
            Vec::new()
        };
    };
    let period = frequency.period();
    let first = incentive
        .from_year
        .map_or(term.start, |n| term.start.add_months(12 * (n - 1)));
    let mut out = Vec::new();
    let mut n = 0u32;
    loop {
        let (begins, next) = (period.start_of(first, n), period.start_of(first, n + 1));
        let ends = Date::from_day_number(next.day_number() - 1).min(term.end);
        if begins > term.end || ends > until {
            break;
        }
        out.push((begins, ends));
        n += 1;
    }
    out
}

/// A measure's value for a cohort (or pooled) in a contract year: the treatment value, or,
/// for a measure set against a comparison group, the improvement on it in percent:
/// (comparison − treatment) ÷ comparison × 100, to six decimal places.
fn measured_value(
    measured: &[Measured],
    measure: &str,
    cohort: Option<&str>,
    year: u32,
) -> Result<Option<Decimal>, String> {
    match measured
        .iter()
        .find(|m| m.measure == measure && m.cohort.as_deref() == cohort && m.year == year)
    {
        Some(m) => value_of(m),
        None => Ok(None),
    }
}

fn latest_measured(
    measured: &[Measured],
    measure: &str,
    cohort: Option<&str>,
) -> Result<Option<(u32, Decimal)>, String> {
    let latest = measured
        .iter()
        .filter(|m| m.measure == measure && m.cohort.as_deref() == cohort)
        .max_by_key(|m| m.year);
    match latest {
        Some(m) => Ok(value_of(m)?.map(|v| (m.year, v))),
        None => Ok(None),
    }
}

/// The value compared with thresholds: `None` for a comparison of 0, against which an
/// improvement is undefined. Measured values are read with at most twelve whole digits and
/// six decimals, so this fits; it is checked all the same, and a value that cannot be
/// computed exactly is refused.
fn value_of(m: &Measured) -> Result<Option<Decimal>, String> {
    match m.comparison {
        Some(comparison) if comparison.mantissa == 0 => Ok(None),
        Some(comparison) => {
            let scale = 6u32;
            let s = comparison.scale.max(m.treatment.scale);
            let at = |d: Decimal| {
                10_i128
                    .checked_pow(s - d.scale)
                    .and_then(|f| d.mantissa.checked_mul(f))
            };
            let mantissa = at(comparison)
                .zip(at(m.treatment))
                .and_then(|(c, t)| {
                    let per_hundred = 10_i128.checked_pow(scale)?.checked_mul(100)?;
                    mul_div_rounded(c.checked_sub(t)?, per_hundred, c)
                })
                .ok_or_else(|| {
                    format!(
                        "the improvement of `{}` on its comparison group in year {} is too large to compute exactly",
                        m.measure, m.year
                    )
                })?;
            Ok(Some(Decimal { mantissa, scale }))
        }
        None => Ok(Some(m.treatment)),
    }
}

/// For each paid stage: participants in the funnel who have not reached it and can still
/// reach it before the term ends, no sooner than its times allow and before its deadline
/// (when the report date is before the end of the term).
fn still_reachable(
    contract: &Contract,
    stages: &[StageInfo],
    accepted: &[(String, Vec<Event>)],
    until: Date,
) -> Vec<StillReachable> {
    let clocks: Vec<Clock> = contract.funnels.iter().map(Clock::of).collect();
    // Where each funnel's stages start among all stages (they are listed funnel by funnel).
    let mut first_of: Vec<usize> = vec![0; contract.funnels.len()];
    for (g, s) in stages.iter().enumerate().rev() {
        first_of[s.funnel] = g;
    }
    // For every stage, how many participants already in its funnel can still reach it:
    // each participant is judged once per funnel they entered, from their own dates.
    let mut can_reach = vec![0u64; stages.len()];
    if until < contract.term.end {
        let mut dates: Vec<Option<Date>> = vec![None; stages.len()];
        for (_, events) in accepted {
            for e in events {
                dates[e.stage] = Some(e.day);
            }
            let mut entered: Vec<usize> = events
                .iter()
                .filter(|e| stages[e.stage].index == 0)
                .map(|e| stages[e.stage].funnel)
                .collect();
            entered.sort_unstable();
            entered.dedup();
            for f in entered {
                let reached = |i: usize| dates[first_of[f] + i];
                let possible = clocks[f].still_possible(&reached, until, contract.term.end);
                for (i, can) in possible.iter().enumerate() {
                    if *can {
                        can_reach[first_of[f] + i] += 1;
                    }
                }
            }
            for e in events {
                dates[e.stage] = None;
            }
        }
    }
    let by_id: HashMap<&str, usize> = stages
        .iter()
        .enumerate()
        .map(|(g, s)| (s.id.as_str(), g))
        .collect();
    contract
        .payments
        .prices
        .iter()
        .filter_map(|price| {
            let g = by_id.get(price.stage.as_str())?;
            Some(StillReachable {
                stage: price.stage.clone(),
                participants: can_reach[*g],
            })
        })
        .collect()
}
