//! Money: the rate card, fees, caps and incentive rules, and the figures they imply.
//!
//! All arithmetic is on integer minor units (`i128`; every input is below 10^12 major units,
//! so no product or sum here can overflow). `plan.rs` holds the arithmetic and states where
//! each division rounds; `rules.rs` checks each incentive rule.
//!
//! The order in which limits apply, for the maximum and for the plan alike: each
//! participant's earnings (attachment fee plus prices, the richest exclusive alternative
//! only) are limited by the per-participant cap; the deadweight discount applies to the sum;
//! the cap on outcome payments limits that; fixed fees, bonuses and tier payments are added;
//! the total cap limits the whole. Penalties only lower payments and so never raise the
//! maximum.

pub(crate) mod plan;
mod rules;

use super::header::Header;
use super::names::{once, Kind, Symbols};
use crate::ast::{self, CapScope, Due, PaymentClause};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{self, Cap, Figures, FixedFee, ParticipantMaximum, Price, UnitCost};
use crate::schedule::{add, ancestors, contract_year, due_date, effective_window};
use crate::source::{SourceFile, Span};
use crate::value::{group_thousands, Date, Duration, Money, Period};
use foldhash::HashMap;
use std::collections::{BTreeMap, BTreeSet};

pub use plan::divide_rounded;

/// Every stage by its name, with its funnel: one lookup instead of a search per price.
fn stage_index(funnels: &[model::Funnel]) -> HashMap<&str, (&model::Funnel, &model::Stage)> {
    funnels
        .iter()
        .flat_map(|f| f.stages.iter().map(move |s| (s.id.as_str(), (f, s))))
        .collect()
}

/// Where a clause is written, for the model.
pub fn clause_at(source: &SourceFile, span: Span) -> model::Clause {
    model::Clause {
        file: source.name.clone(),
        line: source.line_col(span.start).line,
    }
}

/// What the payments are checked against.
pub struct Context<'a> {
    pub header: &'a Header,
    pub symbols: &'a Symbols,
    pub cohorts: &'a [model::Cohort],
    /// Where each cohort's name is defined.
    pub cohort_spans: &'a BTreeMap<String, Span>,
    pub measures: &'a [model::Measure],
    /// The file, for the line of each clause in the model.
    pub source: &'a crate::source::SourceFile,
    /// Whether every funnel checked clean: the figures need them all.
    pub funnels_complete: bool,
}

/// The checked `payments` block: the model and the figures.
pub struct Checked {
    pub payments: model::Payments,
    pub figures: Figures,
}

/// Check the `payments` block against the funnels; fill in each stage's price.
pub fn check(
    blocks: &[&ast::Payments],
    cx: &Context,
    funnels: &mut [model::Funnel],
    out: &mut Vec<Diagnostic>,
) -> Option<Checked> {
    once(blocks, |b| b.keyword, "the `payments` block", out);
    let clauses: Vec<&PaymentClause> = blocks
        .first()
        .map(|b| b.clauses.iter().collect())
        .unwrap_or_default();
    let header = cx.header;
    let currency = header.currency;
    let money = |minor: i128| Money::new(minor, currency);
    let errors_before = out.iter().filter(|d| d.is_error()).count();
    let years_in_term = Period::Year.count_in(header.term.start, header.term.end);

    let source = cx.source;
    let (prices, pay_spans) = prices(&clauses, cx.symbols, source, funnels, out);
    let fixed_fees = fixed_fees(&clauses, header, source, years_in_term, out);
    let attachment = attachment(&clauses, source, years_in_term, out);
    let caps = caps(&clauses, source, out);
    let exclusive = rules::exclusive(&clauses, cx.symbols, out);
    let deadweight = rules::deadweight(&clauses, source, out);
    let (payers, shares_add_up) = rules::payers(&clauses, out);
    let mut incentives = rules::incentives(&clauses, cx, funnels, years_in_term, out);
    let funnel_cohorts: BTreeSet<&str> = funnels.iter().map(|f| f.cohort.as_str()).collect();
    let cohorts_with_funnels = cx
        .cohorts
        .iter()
        .filter(|c| funnel_cohorts.contains(c.id.as_str()))
        .count() as u64;
    let tiers = rules::tiers(&clauses, cx, cohorts_with_funnels, out);
    rules::evidence(funnels, &pay_spans, out);
    rules::ladders(funnels, &pay_spans, out);
    rules::early_weighting(funnels, &pay_spans, out);
    timing(header, funnels, &prices, &pay_spans, out);

    if !cx.funnels_complete {
        // The figures need every funnel; their errors are already reported.
        return None;
    }

    let price_of: HashMap<String, i128> = prices
        .iter()
        .map(|p| (p.stage.clone(), p.amount.minor))
        .collect();
    let card = plan::RateCard::new(&price_of, &exclusive);
    let fixed_total: i128 = fixed_fees.iter().map(|f| f.total.minor).sum();
    let top_attachment = attachment.as_ref().and_then(|a| {
        a.shares
            .iter()
            .map(|s| s.share)
            .max_by(|a, b| a.0.cmp_value(&b.0))
    });

    // Per cohort: the rate card, the per-participant maximum, and the plan.
    let mut per_participant = Vec::new();
    let mut outcome_maximum: Option<i128> = Some(0);
    let mut unbounded: Vec<&model::Cohort> = Vec::new();
    let mut plan_before = 0_i128;
    let mut plan_capped = 0_i128;
    let mut participant_cap_binds = false;
    let mut funnels_of: BTreeMap<&str, Vec<&model::Funnel>> = BTreeMap::new();
    for funnel in funnels.iter() {
        funnels_of
            .entry(funnel.cohort.as_str())
            .or_default()
            .push(funnel);
    }
    for cohort in cx.cohorts {
        let cohort_funnels = funnels_of
            .get(cohort.id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let stages: Vec<&model::Stage> = cohort_funnels
            .iter()
            .flat_map(|f| f.stages.iter())
            .collect();
        if stages.is_empty() {
            continue;
        }
        let rate_card = card.earn(stages.iter().map(|st| st.id.as_str()));
        let maximum = caps
            .per_participant
            .map_or(rate_card, |cap| rate_card.min(cap));
        if maximum < rate_card {
            participant_cap_binds = true;
        }
        let attachment_fee = top_attachment.map_or(0, |share| plan::percent_of(maximum, share));
        let entries: Vec<&str> = cohort_funnels
            .iter()
            .filter_map(|f| f.stages.first())
            .map(|s| s.id.as_str())
            .collect();
        let levels = plan::Levels::of(&stages, &card, &entries);
        let fee_for = |entered: bool| if entered { attachment_fee } else { 0 };
        plan_before += levels.total(&|earned, entered| earned + fee_for(entered));
        plan_capped += levels.total(&|earned, entered| (earned + fee_for(entered)).min(maximum));
        let to_exhaust = caps.total.filter(|_| maximum > 0).map(|cap| {
            let room = (cap - fixed_total).max(0);
            ((room + maximum - 1) / maximum) as u64
        });
        per_participant.push(ParticipantMaximum {
            cohort: cohort.id.clone(),
            rate_card: money(rate_card),
            maximum: money(maximum),
            unreachable: money(rate_card - maximum),
            participants: cohort.size,
            to_exhaust_total_cap: to_exhaust,
        });
        ladder_cut(
            &stages,
            cohort_funnels,
            &card,
            caps.per_participant,
            &pay_spans,
            out,
        );
        if let Some(cap) = caps.per_participant {
            if cap > rate_card {
                if let Some(span) = caps.per_participant_span {
                    out.push(
                        Diagnostic::new(
                            Code::W0516,
                            format!(
                                "the cap of {} per participant is more than anyone in `{}` can earn ({})",
                                money(cap),
                                cohort.id,
                                money(rate_card)
                            ),
                            span,
                            "this cap never applies",
                        )
                        .help("lower the cap to what you mean to limit, or remove it"),
                    );
                }
            }
        }
        match (cohort.size, outcome_maximum) {
            (Some(size), Some(sum)) => outcome_maximum = Some(sum + size as i128 * maximum),
            (None, _) if maximum > 0 => {
                outcome_maximum = None;
                unbounded.push(cohort);
            }
            _ => {}
        }
    }

    let discount = |amount: i128| match &deadweight {
        Some(d) => plan::divide_rounded(amount * (d.of - d.discounted) as i128, d.of as i128),
        None => amount,
    };
    let mut binding_caps = Vec::new();
    if participant_cap_binds {
        binding_caps.push(CapScope::PerParticipant);
    }
    let plan_outcomes = {
        let discounted = discount(plan_capped);
        caps.outcome.map_or(discounted, |cap| discounted.min(cap))
    };
    let outcome_exposure = match (outcome_maximum.map(discount), caps.outcome) {
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

    // Bonuses add to the maximum; a share of outcome payments is a share of their maximum.
    for incentive in &mut incentives {
        let most = match incentive.amount {
            model::IncentiveAmount::Money(m) => m.minor * incentive.assessments as i128,
            model::IncentiveAmount::ShareOfOutcomePayments(p) => {
                plan::percent_of(outcome_exposure.unwrap_or(0), p)
            }
        };
        incentive.maximum = money(most);
    }
    let bonuses: i128 = incentives
        .iter()
        .filter(|i| i.kind == ast::IncentiveKind::Bonus)
        .map(|i| i.maximum.minor)
        .sum();
    let tiers_maximum: i128 = tiers.iter().map(|t| t.maximum.minor).sum();
    let tiers_at_plan: i128 = tiers.iter().map(|t| t.at_plan.minor).sum();

    let exposure = match (outcome_exposure, caps.total) {
        (Some(outcomes), Some(cap)) => {
            let uncapped = fixed_total + outcomes + bonuses + tiers_maximum;
            if cap < uncapped {
                binding_caps.push(CapScope::Total);
            }
            Some(uncapped.min(cap))
        }
        (None, Some(cap)) => {
            binding_caps.push(CapScope::Total);
            Some(cap)
        }
        (Some(outcomes), None) => Some(fixed_total + outcomes + bonuses + tiers_maximum),
        (None, None) => None,
    };
    let planned_uncapped = fixed_total + plan_outcomes + tiers_at_plan;
    let planned_total = caps
        .total
        .map_or(planned_uncapped, |cap| planned_uncapped.min(cap));

    let Some(exposure) = exposure else {
        for cohort in unbounded {
            let span = cx.cohort_spans.get(&cohort.id).copied().unwrap_or_default();
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
        match (outcome_maximum, caps.outcome) {
            (Some(max), Some(cap)) if cap < discount(max) => {
                parts.push(format!("outcome payments capped at {}", money(cap)))
            }
            (None, Some(cap)) => parts.push(format!("outcome payments capped at {}", money(cap))),
            _ => {
                for p in &per_participant {
                    if let (Some(size), true) = (p.participants, p.maximum.minor > 0) {
                        parts.push(format!(
                            "{} participants × {}",
                            group_thousands(size as u128),
                            p.maximum
                        ));
                    }
                }
                if deadweight.is_some() {
                    parts.push("less deadweight".to_string());
                }
            }
        }
        if bonuses > 0 {
            parts.push(format!("bonuses {}", money(bonuses)));
        }
        if tiers_maximum > 0 {
            parts.push(format!("tier payments {}", money(tiers_maximum)));
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

    // Payers share the plan and the maximum; nothing may be left unfunded.
    let mut by_payer = Vec::new();
    if !payers.is_empty() {
        let (at_plan, _) = plan::split_between_payers(planned_total, &payers);
        let (at_max, unfunded) = plan::split_between_payers(exposure, &payers);
        if unfunded > 0 && shares_add_up {
            let span = clauses
                .iter()
                .find_map(|c| match c {
                    PaymentClause::Payer { span, .. } => Some(*span),
                    _ => None,
                })
                .unwrap_or_default();
            out.push(
                Diagnostic::new(
                    Code::E0514,
                    format!(
                        "the payers cover {} of the maximum of {}, leaving {} unfunded",
                        money(exposure - unfunded),
                        money(exposure),
                        money(unfunded)
                    ),
                    span,
                    "the payers start here",
                )
                .help("raise a payer's cap, let one payer pay `the rest` without a cap, or lower the contract's caps"),
            );
        }
        for (i, payer) in payers.iter().enumerate() {
            by_payer.push(model::PayerFigures {
                name: payer.name.clone(),
                at_plan: money(at_plan[i]),
                at_maximum: money(at_max[i]),
            });
        }
    }

    if out.iter().filter(|d| d.is_error()).count() > errors_before {
        return None;
    }

    let by_year = by_year(
        header,
        funnels,
        &fixed_fees,
        &prices,
        plan_outcomes,
        tiers_at_plan,
        planned_total,
    );
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
            attachment,
            caps: caps.list,
            exclusive,
            incentives,
            tiers,
            payers,
            deadweight,
        },
        figures: Figures {
            fixed_fees: money(fixed_total),
            outcome_payments_at_plan: money(plan_before),
            outcome_payments_at_plan_capped: money(plan_outcomes),
            tier_payments_at_plan: money(tiers_at_plan),
            planned_total_cost: money(planned_total),
            per_participant,
            bonuses_maximum: money(bonuses),
            tiers_maximum: money(tiers_maximum),
            maximum_exposure: money(exposure),
            binding_caps,
            headroom: money(header.funding_limit.minor - exposure),
            unit_cost_per_target: targets,
            unit_cost_per_participant: (entering > 0)
                .then(|| money(divide_rounded(planned_total, entering as i128))),
            by_payer,
            by_year,
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

/// The rate card: one price per stage (E0505 for a second), written on the model stages.
fn prices(
    clauses: &[&PaymentClause],
    symbols: &Symbols,
    source: &SourceFile,
    funnels: &mut [model::Funnel],
    out: &mut Vec<Diagnostic>,
) -> (Vec<Price>, BTreeMap<String, Span>) {
    // Where each stage is, found once rather than by a search per price.
    let place: HashMap<String, (usize, usize)> = model::stage_places(funnels)
        .map(|(f, i, s)| (s.id.clone(), (f, i)))
        .collect();
    let mut prices = Vec::new();
    let mut priced_at: BTreeMap<String, Span> = BTreeMap::new();
    for clause in clauses {
        let PaymentClause::Pay {
            span,
            amount,
            stage,
            due,
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
        let Some(&(f, i)) = place.get(stage.value.as_str()) else {
            continue;
        };
        let funnel = &mut funnels[f];
        funnel.stages[i].price = Some(amount.value);
        prices.push(Price {
            funnel: funnel.id.clone(),
            stage: stage.value.clone(),
            amount: amount.value,
            due: due.map_or(Due::OnAchievement, |d| d.value),
            clause: clause_at(source, *span),
        });
    }
    (prices, priced_at)
}

/// Fixed fees over the term, or over one contract year of it.
fn fixed_fees(
    clauses: &[&PaymentClause],
    header: &Header,
    source: &SourceFile,
    years_in_term: u64,
    out: &mut Vec<Diagnostic>,
) -> Vec<FixedFee> {
    let mut fees = Vec::new();
    for clause in clauses {
        let PaymentClause::Fixed {
            span,
            amount,
            period,
            year,
        } = clause
        else {
            continue;
        };
        let year = match year {
            Some(y) => match rules::year(y, years_in_term, out) {
                Some(n) => Some(n),
                None => continue,
            },
            None => None,
        };
        let (start, end) = match year {
            Some(n) => contract_year(header.term, n),
            None => (header.term.start, header.term.end),
        };
        let periods = period.value.count_in(start, end);
        if !period.value.divides(start, end) {
            out.push(
                Diagnostic::new(
                    Code::W0506,
                    format!("{start} to {end} is not a whole number of {}s", period.value.word()),
                    period.span,
                    format!("{periods} {}s, the last one only in part", period.value.word()),
                )
                .help(format!(
                    "the last fee is for a part {} and is counted in full in the maximum; say how a part period is paid in a `boundary`, or align the term",
                    period.value.word()
                )),
            );
        }
        fees.push(FixedFee {
            amount: amount.value,
            period: period.value,
            year,
            periods,
            total: Money::new(amount.value.minor * periods as i128, amount.value.currency),
            clause: clause_at(source, *span),
        });
    }
    fees
}

/// `fixed 80% of the per-participant maximum in year 1, ...`: shares of at most 100%.
fn attachment(
    clauses: &[&PaymentClause],
    source: &SourceFile,
    years_in_term: u64,
    out: &mut Vec<Diagnostic>,
) -> Option<model::Attachment> {
    let all: Vec<_> = clauses
        .iter()
        .filter_map(|c| match c {
            PaymentClause::Attachment { span, shares } => Some((*span, shares)),
            _ => None,
        })
        .collect();
    let &(span, shares) = once(&all, |a| a.0, "a share of the per-participant maximum", out)?;
    let hundred = crate::value::Decimal {
        mantissa: 100,
        scale: 0,
    };
    let mut model_shares = Vec::new();
    for (share, year) in shares {
        if share.value.0.cmp_value(&hundred) == std::cmp::Ordering::Greater
            || share.value.0.mantissa < 0
        {
            out.push(
                Diagnostic::new(
                    Code::E0521,
                    format!(
                        "an attachment fee of {} is more than the whole per-participant maximum",
                        share.value
                    ),
                    share.span,
                    "not between 0% and 100%",
                )
                .help(
                    "an attachment fee is a share of the per-participant maximum, from 0% to 100%",
                ),
            );
        }
        let year = year
            .as_ref()
            .and_then(|y| rules::year(y, years_in_term, out));
        model_shares.push(model::YearShare {
            year,
            share: share.value,
        });
    }
    Some(model::Attachment {
        shares: model_shares,
        clause: clause_at(source, span),
    })
}

/// The caps, at most one of each kind.
struct Caps {
    per_participant: Option<i128>,
    per_participant_span: Option<Span>,
    outcome: Option<i128>,
    total: Option<i128>,
    list: Vec<Cap>,
}

fn caps(clauses: &[&PaymentClause], source: &SourceFile, out: &mut Vec<Diagnostic>) -> Caps {
    let mut list = Vec::new();
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
        let found = once(&matching, |m| m.0, what, out).copied();
        if let Some((span, amount)) = found {
            list.push(Cap {
                scope,
                amount,
                clause: clause_at(source, span),
            });
        }
        found
    };
    let per_participant = cap_of(CapScope::PerParticipant, "a cap per participant", out);
    let outcome = cap_of(CapScope::OutcomePayments, "a cap on outcome payments", out);
    let total = cap_of(CapScope::Total, "a total cap", out);
    Caps {
        per_participant: per_participant.map(|c| c.1.minor),
        per_participant_span: per_participant.map(|c| c.0),
        outcome: outcome.map(|c| c.1.minor),
        total: total.map(|c| c.1.minor),
        list,
    }
}

/// W0517: a participant who climbs a whole ladder to a target earns more on the rate card
/// than the per-participant cap allows, so the last, hardest steps are not fully paid.
fn ladder_cut(
    stages: &[&model::Stage],
    cohort_funnels: &[&model::Funnel],
    card: &plan::RateCard,
    cap: Option<i128>,
    pay_spans: &BTreeMap<String, Span>,
    out: &mut Vec<Diagnostic>,
) {
    // Only the cohort's own funnels: this runs once per cohort.
    let index: HashMap<&str, (&model::Funnel, &model::Stage)> = cohort_funnels
        .iter()
        .flat_map(|f| f.stages.iter().map(move |s| (s.id.as_str(), (*f, s))))
        .collect();
    let Some(cap) = cap else { return };
    for target in stages.iter().filter(|s| s.kind == ast::StageKind::Target) {
        let Some(&(funnel, _)) = index.get(target.id.as_str()) else {
            continue;
        };
        let ladder = ancestors(funnel, &target.id);
        let earned = card.earn(ladder.iter().map(String::as_str));
        if earned > cap {
            let span = pay_spans
                .get(&target.id)
                .copied()
                .or_else(|| pay_spans.values().next().copied())
                .unwrap_or_default();
            let currency = target
                .price
                .map_or(crate::value::Currency::GBP, |p| p.currency);
            out.push(
                Diagnostic::new(
                    Code::W0517,
                    format!(
                        "a participant who reaches `{}` earns {} on the rate card, but the cap per participant is {}: {} is never paid",
                        target.id,
                        Money::new(earned, currency),
                        Money::new(cap, currency),
                        Money::new(earned - cap, currency)
                    ),
                    span,
                    "the end of the ladder is cut by the cap",
                )
                .help("raise the cap to the ladder's total, or lower earlier prices, so the hardest result is paid in full"),
            );
        }
    }
}

/// The latest a participant can reach a stage: referred on the last day of the referral
/// window (or of the term) and taking the whole of the stage's window.
fn latest_achievement(header: &Header, stage: &model::Stage) -> Option<Date> {
    let referred = header.referrals.map_or(header.term.end, |r| r.until);
    stage.within.map(|w| add(referred, w))
}

/// E0507: a payment that can fall due after the term ends.
fn timing(
    header: &Header,
    funnels: &[model::Funnel],
    prices: &[Price],
    pay_spans: &BTreeMap<String, Span>,
    out: &mut Vec<Diagnostic>,
) {
    let index = stage_index(funnels);
    for price in prices {
        let Some(&(_, stage)) = index.get(price.stage.as_str()) else {
            continue;
        };
        let Some(latest) = latest_achievement(header, stage) else {
            continue;
        };
        let due = due_date(latest, price.due, header.term.start);
        if due > header.term.end {
            let referred = header.referrals.map_or(header.term.end, |r| r.until);
            let span = pay_spans.get(&price.stage).copied().unwrap_or_default();
            out.push(
                Diagnostic::new(
                    Code::E0507,
                    format!(
                        "the payment for `{}` may fall due on {due}, after the term ends on {}",
                        price.stage, header.term.end
                    ),
                    span,
                    "may be due after the term",
                )
                .help(format!(
                    "a participant referred on {referred} has until {latest} to reach `{}`; close referrals earlier (`referrals until ...`), shorten its window, or extend the term",
                    price.stage
                )),
            );
        }
    }
}

/// The planned total cost by contract year.
///
/// Fixed fees fall in the year each period starts in. Participants are taken to enter
/// evenly over the referral window and to reach each stage at the end of its window (a stage
/// without one at the end of the nearest window before it, or on entry); each price falls
/// due by its timing. The outcome and tier payments at plan are shared out over the years in
/// proportion to those dates (tiers in the last year), and if the total cap binds the years
/// are cut from the last backwards.
fn by_year(
    header: &Header,
    funnels: &[model::Funnel],
    fees: &[FixedFee],
    prices: &[Price],
    plan_outcomes: i128,
    tiers_at_plan: i128,
    planned_total: i128,
) -> Vec<model::YearFigures> {
    let index = stage_index(funnels);
    let currency = header.currency;
    let years = Period::Year.count_in(header.term.start, header.term.end) as u32;
    let spans: Vec<(Date, Date)> = (1..=years).map(|n| contract_year(header.term, n)).collect();
    let year_of = |date: Date| {
        spans
            .iter()
            .position(|(s, e)| date >= *s && date <= *e)
            .unwrap_or(spans.len().saturating_sub(1))
    };

    let mut fixed = vec![0_i128; spans.len()];
    for fee in fees {
        let (start, end) = match fee.year {
            Some(n) => contract_year(header.term, n),
            None => (header.term.start, header.term.end),
        };
        for i in 0..fee.periods {
            let begins = match fee.period {
                Period::Week => Date::from_day_number(start.day_number() + 7 * i as i64),
                Period::Month => start.add_months(i as u32),
                Period::Quarter => start.add_months(3 * i as u32),
                Period::Year => start.add_months(12 * i as u32),
            };
            if begins <= end {
                fixed[year_of(begins)] += fee.amount.minor;
            }
        }
    }

    // Weights: for each paid stage, the planned payments by the year they fall due in.
    let window_start = header.referrals.map_or(header.term.start, |r| r.from);
    let window_end = header.referrals.map_or(header.term.end, |r| r.until);
    let days = (window_end.day_number() - window_start.day_number() + 1).max(1);
    let samples = days.min(366);
    // Where the sampled entries' payments fall depends only on the stage's window and the
    // price's timing, which most prices share: count the samples per year once for each.
    let mut samples_by_year: HashMap<(Option<Duration>, Due), Vec<i128>> = HashMap::default();
    let mut weights = vec![0_i128; spans.len()];
    for price in prices {
        let Some(&(funnel, stage)) = index.get(price.stage.as_str()) else {
            continue;
        };
        let window = effective_window(funnel, stage);
        let counts = samples_by_year
            .entry((window, price.due))
            .or_insert_with(|| {
                let mut counts = vec![0_i128; spans.len()];
                for k in 0..samples {
                    let entry =
                        Date::from_day_number(window_start.day_number() + k * days / samples);
                    let reached = window.map_or(entry, |w| add(entry, w));
                    let due = due_date(reached, price.due, header.term.start);
                    counts[year_of(due.min(header.term.end))] += 1;
                }
                counts
            });
        let amount = price.amount.minor * stage.expected as i128;
        for (weight, count) in weights.iter_mut().zip(counts.iter()) {
            *weight += amount * count;
        }
    }
    let mut outcomes = plan::apportion(plan_outcomes, &weights);
    if let Some(last) = outcomes.last_mut() {
        *last += tiers_at_plan;
    }
    // The total cap stops payments once it is reached: cut from the last year back, outcome
    // payments first, then fixed fees (when the fees alone exceed the cap).
    let mut excess = fixed.iter().sum::<i128>() + outcomes.iter().sum::<i128>() - planned_total;
    for column in [&mut outcomes, &mut fixed] {
        for i in (0..spans.len()).rev() {
            let cut = excess.min(column[i]).max(0);
            column[i] -= cut;
            excess -= cut;
        }
    }
    spans
        .iter()
        .enumerate()
        .map(|(i, (start, end))| model::YearFigures {
            year: i as u32 + 1,
            start: *start,
            end: *end,
            fixed_fees: Money::new(fixed[i], currency),
            outcome_payments: Money::new(outcomes[i], currency),
            total: Money::new(fixed[i] + outcomes[i], currency),
        })
        .collect()
}
