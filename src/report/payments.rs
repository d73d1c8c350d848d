//! Accepted events → the payments due, with every rule of the contract applied, each line
//! traced to the clause that pays it.
//!
//! The rules apply in the contract's order (see `check::money`): for each participant, in
//! date order, each paid stage adds what it raises their entitlement — the attachment fee
//! plus the prices of the stages reached, the richest exclusive alternative only, never more
//! than the per-participant maximum. Then, over all lines in order of the date they fall
//! due: the deadweight discount applies to the running total of outcome payments (so it
//! rounds once, at that total, and each line carries its share); the cap on outcome payments
//! stops them when reached; fixed fees, bonuses, penalties and tier payments are added; the
//! total cap stops everything when reached. Lines falling due after the report date are left
//! for a later report. Payers share the total as the contract says, exactly to the penny.

use super::engine::{period_of, Event, StageInfo};
use super::{Amount, LineKind, Measured, PaymentLine, Payments, Period, Residual, StillReachable};
use crate::ast::{CapScope, IncentiveKind, Threshold, TierScope};
use crate::check::money::plan::{self, RateCard};
use crate::model::{self, Contract, SubjectKind};
use crate::schedule::{add, contract_year, due_date, effective_window};
use crate::value::{Date, Decimal, Money, Period as FeePeriod};
use foldhash::HashMap;
use std::collections::BTreeMap;

pub(crate) fn payments(
    contract: &Contract,
    stages: &[StageInfo],
    accepted: &[(String, Vec<Event>)],
    periods: &[Period],
    until: Date,
    measured: &[Measured],
) -> (Payments, Residual) {
    let currency = contract.funding_limit.currency;
    let money = |minor: i128| Money::new(minor, currency);
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
    for (id, events) in accepted {
        let Some(first) = events.first() else {
            continue;
        };
        let cohort = &contract.funnels[stages[first.stage].funnel].cohort;
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
            let before_card = card.earn(reached.iter().copied());
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
                        let rate = plan::percent_of(maximum, share.share);
                        let amount = rate.min(maximum - entitled).max(0);
                        entitled += amount;
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
            let after_card = card.earn(reached.iter().copied());
            let raised = after_card - before_card;
            let amount = raised.min(maximum - entitled).max(0);
            entitled += amount;
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

    // 2. Fixed fees, falling due on the last day of each period they pay for.
    let mut other_lines: Vec<PaymentLine> = Vec::new();
    for fee in &p.fixed_fees {
        let (start, end) = match fee.year {
            Some(n) => contract_year(contract.term, n),
            None => (contract.term.start, contract.term.end),
        };
        for i in 0..fee.periods {
            let next = match fee.period {
                FeePeriod::Week => Date::from_day_number(start.day_number() + 7 * (i as i64 + 1)),
                FeePeriod::Month => start.add_months(i as u32 + 1),
                FeePeriod::Quarter => start.add_months(3 * (i as u32 + 1)),
                FeePeriod::Year => start.add_months(12 * (i as u32 + 1)),
            };
            let ends = Date::from_day_number(next.day_number() - 1).min(end);
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
    let (mut gross, mut net) = (0_i128, 0_i128);
    for l in &mut outcome_lines {
        gross += l.amount.minor;
        let after = match &p.deadweight {
            Some(d) => plan::divide_rounded(gross * (d.of - d.discounted) as i128, d.of as i128),
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
        net += share;
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
                ),
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
            let outcomes_in = outcome_lines
                .iter()
                .filter(|l| l.due >= assessed && l.due <= ends)
                .map(|l| l.amount.minor)
                .sum::<i128>();
            let rate = match incentive.amount {
                model::IncentiveAmount::Money(m) => m.minor,
                model::IncentiveAmount::ShareOfOutcomePayments(share) => {
                    plan::percent_of(outcomes_in, share)
                }
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
            let Some((year, value)) = latest_measured(measured, &schedule.measure, cohort) else {
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
        total += l.amount.minor;
    }

    // Totals that add up to the penny.
    let sum_by = |key: &dyn Fn(&PaymentLine) -> String| {
        let mut sums: BTreeMap<String, i128> = BTreeMap::new();
        for l in &lines {
            *sums.entry(key(l)).or_default() += l.amount.minor;
        }
        sums.into_iter()
            .map(|(name, minor)| Amount {
                name,
                amount: money(minor),
            })
            .collect::<Vec<_>>()
    };
    let by_participant = sum_by(&|l| {
        l.participant
            .clone()
            .unwrap_or_else(|| "(contract)".to_string())
    });
    let by_stage = sum_by(&|l| match (&l.stage, l.kind) {
        (Some(s), LineKind::Price) => s.clone(),
        (_, kind) => format!("({})", kind_word(kind)),
    });
    let mut by_period: Vec<Amount> = periods
        .iter()
        .map(|period| Amount {
            name: period.label.clone(),
            amount: money(
                lines
                    .iter()
                    .filter(|l| l.due >= period.start && l.due <= period.end)
                    .map(|l| l.amount.minor)
                    .sum(),
            ),
        })
        .collect();
    let outside: i128 = lines
        .iter()
        .filter(|l| period_of(periods, l.due).is_none())
        .map(|l| l.amount.minor)
        .sum();
    if outside != 0 {
        by_period.push(Amount {
            name: "after the last period".to_string(),
            amount: money(outside),
        });
    }
    let by_payer = if p.payers.is_empty() {
        Vec::new()
    } else {
        let (parts, unfunded) = plan::split_between_payers(total, &p.payers);
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
            let per_instance = fee.amount.minor;
            let paid = lines
                .iter()
                .filter(|l| l.kind == LineKind::FixedFee && l.clause == fee.clause)
                .count() as i128;
            sum += per_instance * (fee.periods as i128 - paid).max(0);
        }
        sum
    };
    let residual = Residual {
        under_total_cap: total_cap
            .map(|cap| money((cap.amount.minor - total - fees_to_come).max(0))),
        under_outcome_cap: outcome_cap.map(|cap| money((cap.amount.minor - outcome_paid).max(0))),
        can_still_reach: still_reachable(contract, stages, accepted, until),
        referrals_open_until: contract.referrals.map(|r| r.until).filter(|u| *u > until),
    };
    (
        Payments {
            lines,
            total: money(total),
            by_participant,
            by_period,
            by_payer,
            by_stage,
        },
        residual,
    )
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
fn assessments(
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
    let months = match frequency {
        crate::value::Frequency::Weekly => 0,
        crate::value::Frequency::Monthly => 1,
        crate::value::Frequency::Quarterly => 3,
        crate::value::Frequency::Annually => 12,
    };
    let first = incentive
        .from_year
        .map_or(term.start, |n| term.start.add_months(12 * (n - 1)));
    let mut out = Vec::new();
    let mut n = 0u32;
    loop {
        let (begins, next) = if months == 0 {
            (
                Date::from_day_number(first.day_number() + 7 * n as i64),
                Date::from_day_number(first.day_number() + 7 * (n as i64 + 1)),
            )
        } else {
            (
                first.add_months(months * n),
                first.add_months(months * (n + 1)),
            )
        };
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
) -> Option<Decimal> {
    let m = measured
        .iter()
        .find(|m| m.measure == measure && m.cohort.as_deref() == cohort && m.year == year)?;
    value_of(m)
}

fn latest_measured(
    measured: &[Measured],
    measure: &str,
    cohort: Option<&str>,
) -> Option<(u32, Decimal)> {
    measured
        .iter()
        .filter(|m| m.measure == measure && m.cohort.as_deref() == cohort)
        .max_by_key(|m| m.year)
        .and_then(|m| Some((m.year, value_of(m)?)))
}

/// None for a comparison of 0, against which an improvement is undefined.
fn value_of(m: &Measured) -> Option<Decimal> {
    match m.comparison {
        Some(comparison) if comparison.mantissa == 0 => None,
        Some(comparison) => {
            let scale = 6u32;
            let s = comparison.scale.max(m.treatment.scale);
            let c = comparison.mantissa * 10_i128.pow(s - comparison.scale);
            let t = m.treatment.mantissa * 10_i128.pow(s - m.treatment.scale);
            let mantissa = plan::divide_rounded((c - t) * 100 * 10_i128.pow(scale), c);
            Some(Decimal { mantissa, scale })
        }
        None => Some(m.treatment),
    }
}

/// For each paid stage: participants in the funnel who have not reached it and whose window
/// for it has not closed, when the term has not ended.
fn still_reachable(
    contract: &Contract,
    stages: &[StageInfo],
    accepted: &[(String, Vec<Event>)],
    until: Date,
) -> Vec<StillReachable> {
    let mut out = Vec::new();
    for price in &contract.payments.prices {
        let Some(global) = stages.iter().position(|s| s.id == price.stage) else {
            continue;
        };
        let info = &stages[global];
        let funnel = &contract.funnels[info.funnel];
        let stage = &funnel.stages[info.index];
        let window = effective_window(funnel, stage);
        let participants = if until >= contract.term.end {
            0
        } else {
            accepted
                .iter()
                .filter(|(_, events)| {
                    let entry = events.iter().find(|e| {
                        stages[e.stage].funnel == info.funnel && stages[e.stage].index == 0
                    });
                    let reached = events.iter().any(|e| e.stage == global);
                    match entry {
                        Some(entry) if !reached => {
                            window.is_none_or(|w| add(entry.day, w) >= until)
                        }
                        _ => false,
                    }
                })
                .count() as u64
        };
        out.push(StillReachable {
            stage: price.stage.clone(),
            participants,
        });
    }
    out
}
