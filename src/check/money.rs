//! Money: the rate card, fixed fees and caps, and the figures they imply.
//!
//! All arithmetic is on integer minor units (`i128`; every input is below 10^12 major units,
//! so no product or sum here can overflow). The only divisions are the unit costs, rounded
//! once, to the nearest minor unit with halves rounded up.
//!
//! The figures follow one model of the plan: within a cohort, the people who reach a stage
//! with fewer people expected are among those who reach every stage with more people expected
//! (in a single-path funnel this is exactly the funnel). The per-participant cap is applied to
//! each person's total on that model.

use super::header::Header;
use super::names::{once, Kind, Symbols};
use crate::ast::{self, CapScope, PaymentClause};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{self, Cap, Figures, FixedFee, ParticipantMaximum, Price, UnitCost};
use crate::source::Span;
use crate::value::{group_thousands, Money};
use std::collections::BTreeMap;

/// The checked `payments` block: the model and the figures.
pub struct Checked {
    pub payments: model::Payments,
    pub figures: Figures,
}

/// What the payments are checked against.
pub struct Context<'a> {
    pub header: &'a Header,
    pub symbols: &'a Symbols,
    pub cohorts: &'a [model::Cohort],
    /// Where each cohort's name is defined.
    pub cohort_spans: &'a BTreeMap<String, Span>,
    /// Whether every funnel checked clean: the figures need them all.
    pub funnels_complete: bool,
}

/// Check the `payments` blocks against the funnels; fill in each stage's price.
pub fn check(
    blocks: &[&ast::Payments],
    cx: &Context,
    funnels: &mut [model::Funnel],
    out: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    let Context {
        header,
        symbols,
        cohorts,
        cohort_spans,
        funnels_complete,
    } = *cx;
    once(blocks, |b| b.keyword, "the `payments` block", out);
    let clauses: Vec<&PaymentClause> = blocks
        .first()
        .map(|b| b.clauses.iter().collect())
        .unwrap_or_default();
    let currency = header.currency;
    let money = |minor: i128| Money::new(minor, currency);
    let errors_before = out.iter().filter(|d| d.is_error()).count();

    // The rate card: one price per stage.
    let mut prices: Vec<Price> = Vec::new();
    let mut priced_at: BTreeMap<String, Span> = BTreeMap::new();
    for clause in &clauses {
        let PaymentClause::Pay {
            span,
            amount,
            stage,
        } = clause
        else {
            continue;
        };
        if symbols
            .resolve(stage, &[Kind::Milestone, Kind::Target], out)
            .is_none()
        {
            continue;
        }
        if let Some(first) = priced_at.get(&stage.value) {
            out.push(
                Diagnostic::new(
                    Code::E0505,
                    format!("`{}` is priced twice", stage.value),
                    *span,
                    "priced again here",
                )
                .also(*first, "first priced here")
                .help(
                    "a step is paid once per participant at one price: keep one `pay` line for it",
                ),
            );
            continue;
        }
        priced_at.insert(stage.value.clone(), *span);
        let Some(funnel) = funnels.iter_mut().find(|f| f.stage(&stage.value).is_some()) else {
            continue;
        };
        if let Some(model_stage) = funnel.stages.iter_mut().find(|s| s.id == stage.value) {
            model_stage.price = Some(amount.value);
        }
        prices.push(Price {
            funnel: funnel.id.clone(),
            stage: stage.value.clone(),
            amount: amount.value,
        });
    }

    // Fixed fees over the term.
    let mut fixed_fees = Vec::new();
    for clause in &clauses {
        let PaymentClause::Fixed { amount, period, .. } = clause else {
            continue;
        };
        let periods = period.value.count_in(header.term.start, header.term.end);
        if !period.value.divides(header.term.start, header.term.end) {
            out.push(
                Diagnostic::new(
                    Code::W0506,
                    format!(
                        "the term {} to {} is not a whole number of {}s",
                        header.term.start,
                        header.term.end,
                        period.value.word()
                    ),
                    period.span,
                    format!("{periods} {}s, the last one only in part", period.value.word()),
                )
                .help(format!(
                    "the last fee is for a part {} and is counted in full in the maximum; say how a part period is paid in a `boundary`, or align the term",
                    period.value.word()
                )),
            );
        }
        fixed_fees.push(FixedFee {
            amount: amount.value,
            period: period.value,
            periods_in_term: periods,
            total: money(amount.value.minor * periods as i128),
        });
    }

    // Caps: at most one of each kind.
    let mut caps = Vec::new();
    let mut cap_of = |scope: CapScope, what: &str, out: &mut Vec<Diagnostic>| {
        let matching: Vec<_> = clauses
            .iter()
            .filter_map(|c| match c {
                PaymentClause::Cap {
                    span,
                    amount,
                    scope: s,
                } if s.value == scope => Some((*span, amount.value)),
                _ => None,
            })
            .collect();
        let found = once(&matching, |m| m.0, what, out).map(|m| m.1);
        if let Some(amount) = found {
            caps.push(Cap { scope, amount });
        }
        found.map(|m| m.minor)
    };
    let participant_cap = cap_of(CapScope::PerParticipant, "a cap per participant", out);
    let outcome_cap = cap_of(CapScope::OutcomePayments, "a cap on outcome payments", out);
    let total_cap = cap_of(CapScope::Total, "a total cap", out);

    let fixed_total: i128 = fixed_fees.iter().map(|f| f.total.minor).sum();
    if !funnels_complete {
        // The figures need every funnel; their errors are already reported.
        return None;
    }

    // Per cohort: the rate card, the per-participant maximum, and the plan.
    let mut per_participant = Vec::new();
    let mut outcome_maximum: Option<i128> = Some(0);
    let mut unbounded: Vec<&model::Cohort> = Vec::new();
    let mut plan_before = 0_i128;
    let mut plan_capped = 0_i128;
    let mut participant_cap_binds = false;
    for cohort in cohorts {
        let paid: Vec<(u64, i128)> = funnels
            .iter()
            .filter(|f| f.cohort == cohort.id)
            .flat_map(|f| f.stages.iter())
            .filter_map(|s| s.price.map(|p| (s.expected, p.minor)))
            .collect();
        if !funnels.iter().any(|f| f.cohort == cohort.id) {
            continue;
        }
        let rate_card: i128 = paid.iter().map(|(_, p)| p).sum();
        let maximum = participant_cap.map_or(rate_card, |cap| rate_card.min(cap));
        if maximum < rate_card {
            participant_cap_binds = true;
        }
        per_participant.push(ParticipantMaximum {
            cohort: cohort.id.clone(),
            rate_card: money(rate_card),
            maximum: money(maximum),
            participants: cohort.size,
        });
        match (cohort.size, outcome_maximum) {
            (Some(size), Some(sum)) => outcome_maximum = Some(sum + size as i128 * maximum),
            (None, _) if rate_card > 0 => {
                outcome_maximum = None;
                unbounded.push(cohort);
            }
            _ => {}
        }
        plan_before += paid.iter().map(|(n, p)| *n as i128 * p).sum::<i128>();
        plan_capped += capped_plan(&paid, participant_cap);
    }

    let plan_after_outcome_cap = outcome_cap.map_or(plan_capped, |cap| plan_capped.min(cap));
    let planned_total = total_cap.map_or(fixed_total + plan_after_outcome_cap, |cap| {
        (fixed_total + plan_after_outcome_cap).min(cap)
    });

    let mut binding_caps = Vec::new();
    if participant_cap_binds {
        binding_caps.push(CapScope::PerParticipant);
    }
    let outcome_exposure = match (outcome_maximum, outcome_cap) {
        (Some(max), Some(cap)) => {
            if cap < max {
                binding_caps.push(CapScope::OutcomePayments);
            }
            Some(max.min(cap))
        }
        (None, Some(cap)) => {
            binding_caps.push(CapScope::OutcomePayments);
            Some(cap)
        }
        (max, None) => max,
    };
    let exposure = match (outcome_exposure, total_cap) {
        (Some(outcomes), Some(cap)) => {
            if cap < fixed_total + outcomes {
                binding_caps.push(CapScope::Total);
            }
            Some((fixed_total + outcomes).min(cap))
        }
        (None, Some(cap)) => {
            binding_caps.push(CapScope::Total);
            Some(cap)
        }
        (Some(outcomes), None) => Some(fixed_total + outcomes),
        (None, None) => None,
    };

    let Some(exposure) = exposure else {
        for cohort in unbounded {
            let span = cohort_spans.get(&cohort.id).copied().unwrap_or_default();
            out.push(
                Diagnostic::new(
                    Code::E0504,
                    format!("cohort `{}` has no size, so the payments for it have no maximum", cohort.id),
                    span,
                    "no `size` for this cohort",
                )
                .help("add `size N` to the cohort, or bound the payments with `cap £X total` or `cap £X on outcome payments`"),
            );
        }
        return None;
    };

    if exposure > header.funding_limit.minor {
        let mut parts = Vec::new();
        if fixed_total > 0 {
            parts.push(format!("fixed fees {}", money(fixed_total)));
        }
        match (outcome_maximum, outcome_cap) {
            (Some(max), Some(cap)) if cap < max => {
                parts.push(format!("outcome payments capped at {}", money(cap)))
            }
            (None, Some(cap)) => parts.push(format!("outcome payments capped at {}", money(cap))),
            _ => {
                for p in &per_participant {
                    if let Some(size) = p.participants {
                        if p.maximum.minor > 0 {
                            parts.push(format!(
                                "{} participants × {}",
                                group_thousands(size as u128),
                                p.maximum
                            ));
                        }
                    }
                }
            }
        }
        let caps_text = if binding_caps.is_empty() {
            "no cap lowers it".to_string()
        } else {
            let names: Vec<&str> = binding_caps.iter().map(|c| cap_words(*c)).collect();
            format!("after {}", names.join(" and "))
        };
        out.push(
            Diagnostic::new(
                Code::E0503,
                format!(
                    "the contract could pay up to {}, more than its funding limit of {}",
                    money(exposure),
                    header.funding_limit
                ),
                header.funding_limit_span,
                format!("{} over the limit", money(exposure - header.funding_limit.minor)),
            )
            .help(format!(
                "the maximum is {} ({caps_text}); add `cap {} total`, lower the prices, or add a per-participant cap",
                parts.join(" + "),
                header.funding_limit
            )),
        );
    }

    if out.iter().filter(|d| d.is_error()).count() > errors_before {
        return None;
    }

    let targets: Vec<UnitCost> = funnels
        .iter()
        .flat_map(|f| f.stages.iter().map(move |s| (f, s)))
        .filter(|(_, s)| s.kind == ast::StageKind::Target)
        .map(|(f, s)| UnitCost {
            funnel: f.id.clone(),
            target: s.id.clone(),
            expected: s.expected,
            unit_cost: money(divide_rounded(planned_total, s.expected as i128)),
        })
        .collect();
    let entering: u64 = funnels.iter().map(model::Funnel::entering).sum();

    Some(Checked {
        payments: model::Payments {
            prices,
            fixed_fees,
            caps,
        },
        figures: Figures {
            fixed_fees: money(fixed_total),
            outcome_payments_at_plan: money(plan_before),
            outcome_payments_at_plan_capped: money(plan_after_outcome_cap),
            planned_total_cost: money(planned_total),
            per_participant,
            maximum_exposure: money(exposure),
            binding_caps,
            headroom: money(header.funding_limit.minor - exposure),
            unit_cost_per_target: targets,
            unit_cost_per_participant: (entering > 0)
                .then(|| money(divide_rounded(planned_total, entering as i128))),
        },
    })
}

fn cap_words(scope: CapScope) -> &'static str {
    match scope {
        CapScope::PerParticipant => "the per-participant cap",
        CapScope::Total => "the total cap",
        CapScope::OutcomePayments => "the cap on outcome payments",
    }
}

/// Outcome payments at plan for one cohort after the per-participant cap.
///
/// With the stages' expected counts c₁ > c₂ > … > cₘ, the people numbered (cⱼ₊₁, cⱼ] reach
/// exactly the stages expecting cⱼ people or more, and each earns the sum of those prices.
fn capped_plan(paid: &[(u64, i128)], cap: Option<i128>) -> i128 {
    let mut levels: Vec<u64> = paid.iter().map(|(n, _)| *n).collect();
    levels.sort_unstable_by(|a, b| b.cmp(a));
    levels.dedup();
    let mut total = 0;
    for (j, &level) in levels.iter().enumerate() {
        let below = levels.get(j + 1).copied().unwrap_or(0);
        let earned: i128 = paid
            .iter()
            .filter(|(n, _)| *n >= level)
            .map(|(_, p)| p)
            .sum();
        let earned = cap.map_or(earned, |cap| earned.min(cap));
        total += (level - below) as i128 * earned;
    }
    total
}

/// `numerator ÷ denominator` to the nearest whole minor unit, halves away from zero.
pub fn divide_rounded(numerator: i128, denominator: i128) -> i128 {
    if denominator == 0 {
        return 0;
    }
    let quotient = numerator / denominator;
    let remainder = numerator % denominator;
    if 2 * remainder.abs() >= denominator.abs() {
        quotient + numerator.signum() * denominator.signum()
    } else {
        quotient
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_is_capped_per_person() {
        // 100 enrol (£100), 50 attend (£500), 10 complete (£3,000); cap £3,200.
        let paid = [(100, 100), (50, 500), (10, 3_000)];
        assert_eq!(capped_plan(&paid, None), 100 * 100 + 50 * 500 + 10 * 3_000);
        // 50 people earn £100, 40 earn £600, 10 earn £3,600 capped to £3,200.
        assert_eq!(
            capped_plan(&paid, Some(3_200)),
            50 * 100 + 40 * 600 + 10 * 3_200
        );
    }

    #[test]
    fn division_rounds_half_away_from_zero() {
        assert_eq!(divide_rounded(10, 4), 3);
        assert_eq!(divide_rounded(9, 4), 2);
        assert_eq!(divide_rounded(-10, 4), -3);
        assert_eq!(divide_rounded(10_750_000, 10), 1_075_000);
    }
}
