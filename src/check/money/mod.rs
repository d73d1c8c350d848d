//! Money: the rate card, fees, caps and incentive rules, and the figures they imply.
//!
//! All arithmetic is on integer minor units (`i128`) and checked: every input is below 10^12
//! major units, but their products and sums need not be, and every figure is exact or
//! refused (E0530, `exact.rs`). `plan.rs` holds the arithmetic and states where each division
//! rounds; `rules.rs` checks each incentive rule.
//!
//! The order in which limits apply, for the maximum and for the plan alike: each
//! participant's earnings (attachment fee plus prices, the richest exclusive alternative
//! only) are limited by the per-participant cap; a participant limit pays only so many of a
//! cohort's participants (`limit.rs`); the deadweight discount applies to the sum;
//! the cap on outcome payments limits that; fixed fees, bonuses and tier payments are added;
//! the total cap limits the whole. Penalties only lower payments and so never raise the
//! maximum.

pub(crate) mod either_or;
mod exact;
mod group;
pub(crate) mod improvement;
mod limit;
mod overlap;
pub(crate) mod payers;
pub(crate) mod plan;
mod rules;
mod timeline;

use super::cohort_names::CohortNames;
use super::header::Header;
use super::names::{once, Kind, Symbols};
use crate::ast::{self, CapScope, Due, PaymentClause};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{self, Cap, Figures, FixedFee, ParticipantMaximum, Price, UnitCost};
use crate::schedule::{ancestors, due_date};
use crate::source::{SourceFile, Span, Str};
use crate::value::{group_thousands, mul_div_rounded, Date, Money, Period};
use foldhash::{HashMap, HashSet};
use std::collections::BTreeMap;

pub use plan::divide_rounded;

/// Where the clauses of one file are written, for the model: the file's name is shared by
/// every clause rather than copied into each.
pub struct ClauseAt<'a> {
    source: &'a SourceFile,
    file: std::sync::Arc<str>,
}

impl<'a> ClauseAt<'a> {
    pub fn new(source: &'a SourceFile) -> ClauseAt<'a> {
        ClauseAt {
            source,
            file: source.name.as_str().into(),
        }
    }

    /// The clause at `span`.
    pub fn at(&self, span: Span) -> model::Clause {
        model::Clause {
            file: self.file.clone(),
            line: self.source.line(span.start),
        }
    }
}

/// What the payments are checked against.
pub struct Context<'a> {
    pub header: &'a Header,
    pub symbols: &'a Symbols<'a>,
    pub cohorts: &'a [model::Cohort],
    /// Each cohort's place, found by its name once.
    pub cohort_names: &'a CohortNames<'a>,
    /// Where each cohort's name is defined, by place: nowhere in this file (the default
    /// span) for a cohort of a used file.
    pub cohort_spans: &'a [Span],
    pub measures: &'a [model::Measure],
    /// The file, for where each clause is in the model.
    pub clauses: ClauseAt<'a>,
    /// Whether every funnel checked clean: the figures need them all.
    pub funnels_complete: bool,
    /// Whether an amount is in another currency or below zero (E0501, E0502, reported with
    /// the header's amounts before the payments are checked).
    pub amounts_refused: bool,
    /// Whether every stage's name is its alone (no E0201 on a milestone or target): then a
    /// stage's price is the one written on it, and only a funnel's first stage has its name.
    pub unique_stages: bool,
}

/// The checked `payments` block: the model and the figures.
pub struct Checked {
    pub payments: model::Payments,
    pub figures: Figures,
}

/// The clauses of a `payments` block by kind, each kind in the order written: each check
/// reads the clauses of its kind rather than every clause, of which a block can hold
/// hundreds of thousands (each of a dozen checks read a block of 416,600 payers whole).
/// Tier schedules are read with every clause, since one reads the clause before it.
#[derive(Default)]
struct Kinds<'a> {
    fixed: Vec<&'a PaymentClause>,
    attachment: Vec<&'a PaymentClause>,
    pay: Vec<&'a PaymentClause>,
    cap: Vec<&'a PaymentClause>,
    exclusive: Vec<&'a PaymentClause>,
    incentive: Vec<&'a PaymentClause>,
    payer: Vec<&'a PaymentClause>,
    deadweight: Vec<&'a PaymentClause>,
    participant_limit: Vec<&'a PaymentClause>,
    group: Vec<&'a PaymentClause>,
}

impl<'a> Kinds<'a> {
    fn of(clauses: &[&'a PaymentClause]) -> Kinds<'a> {
        let mut kinds = Kinds::default();
        for &clause in clauses {
            let list = match clause {
                PaymentClause::Fixed { .. } => &mut kinds.fixed,
                PaymentClause::Attachment { .. } => &mut kinds.attachment,
                PaymentClause::Pay { .. } => &mut kinds.pay,
                PaymentClause::Cap { .. } => &mut kinds.cap,
                PaymentClause::Exclusive { .. } => &mut kinds.exclusive,
                PaymentClause::Incentive { .. } => &mut kinds.incentive,
                PaymentClause::Payer { .. } => &mut kinds.payer,
                PaymentClause::Deadweight { .. } => &mut kinds.deadweight,
                PaymentClause::ParticipantLimit { .. } => &mut kinds.participant_limit,
                PaymentClause::Group { .. } => &mut kinds.group,
                PaymentClause::Tiers { .. } => continue,
            };
            list.push(clause);
        }
        kinds
    }
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
    let kinds = Kinds::of(&clauses);
    let header = cx.header;
    let currency = header.currency;
    let money = |minor: i128| Money::new(minor, currency);
    // What the payments add to the diagnostics is looked at, not all of them (hundreds of
    // thousands of warnings before them are tens of megabytes read again).
    let first_new = out.len();
    let years_in_term = Period::Year.count_in(header.term.start, header.term.end);

    let source = &cx.clauses;
    // Which funnels have a priced stage: the checks of prices walk only those.
    let Priced {
        prices,
        places,
        spans: pay_spans,
        in_funnel: priced_in,
    } = prices(&kinds.pay, cx.symbols, source, funnels, out);
    let (fixed_fees, fee_spans) = fixed_fees(&kinds.fixed, header, source, years_in_term, out);
    let attachment = attachment(&kinds.attachment, source, years_in_term, out);
    let caps = caps(&kinds.cap, source, out);
    let exclusive = rules::exclusive(&kinds.exclusive, cx.symbols, out);
    let deadweight = rules::deadweight(&kinds.deadweight, source, out);
    let participant_limits = limit::participant_limits(
        &kinds.participant_limit,
        cx.symbols,
        cx.cohorts,
        cx.cohort_names,
        source,
        out,
    );
    let groups = group::groups(&kinds.group, cx.symbols, &pay_spans, source, out);
    let (payers, shares_add_up) = rules::payers(&kinds.payer, source, out);
    let (mut incentives, incentive_spans) =
        rules::incentives(&kinds.incentive, cx, funnels, years_in_term, out);
    // Each funnel's cohort by place, and the funnels of each place, found once.
    let cohort_of: Vec<Option<usize>> = funnels
        .iter()
        .map(|f| cx.cohort_names.of(&f.cohort))
        .collect();
    let mut has_funnel = vec![false; cx.cohort_names.places()];
    for &place in cohort_of.iter().flatten() {
        has_funnel[place] = true;
    }
    let with_funnel = |index: usize| has_funnel[cx.cohort_names.place(index)];
    let cohorts_with_funnels = (0..cx.cohorts.len()).filter(|&i| with_funnel(i)).count() as u64;
    let (tiers, tier_spans) = rules::tiers(&clauses, cx, cohorts_with_funnels, out);
    rules::evidence(funnels, &priced_in, &pay_spans, out);
    rules::ladders(funnels, &priced_in, &pay_spans, out);
    rules::early_weighting(funnels, &priced_in, &pay_spans, out);
    if !header.referrals_invalid {
        timing(header, funnels, &prices, &places, out);
    }

    if !cx.funnels_complete {
        // The figures need every funnel; their errors are already reported.
        return None;
    }
    if out[first_new..].iter().any(|d| d.code == Code::E0530) {
        // A fee, bonus or tier already too large: the figures stop there.
        return None;
    }
    // An amount in another currency or below zero (E0501, E0502, reported with the header's
    // amounts), or a participant limit that pays for no whole number of the people it
    // limits (E0550 to E0553, dropped), would make figures of a contract other than the one
    // written: the maximum exposure without the limit, apportioning by negative amounts. The
    // error said is the one to fix; the figures stop there.
    if cx.amounts_refused
        || out[first_new..].iter().any(|d| {
            matches!(
                d.code,
                Code::E0550 | Code::E0551 | Code::E0552 | Code::E0553
            )
        })
    {
        return None;
    }

    let card = plan::RateCard::new(
        prices.iter().map(|p| (p.stage.as_str(), p.amount.minor)),
        &exclusive,
    );
    let fixed = exact::total(
        fixed_fees
            .iter()
            .zip(&fee_spans)
            .map(|(f, span)| (f.total.minor, *span)),
        currency,
        || "the fixed fees over the term".to_string(),
        out,
    )?;
    let fixed_total = fixed.minor;
    let top_attachment = attachment.as_ref().and_then(|a| {
        a.shares
            .iter()
            .map(|s| s.share)
            .max_by(|a, b| a.0.cmp_value(&b.0))
    });
    let attachment_span = || {
        kinds
            .attachment
            .iter()
            .find_map(|c| match c {
                PaymentClause::Attachment { span, .. } => Some(*span),
                _ => None,
            })
            .unwrap_or_default()
    };

    // Each cohort's part of the maximum and of the plan, with the clause that drives it.
    let mut cohort_maximums: Vec<(i128, Span)> = Vec::new();
    let mut cohort_plans: Vec<(i128, Span)> = Vec::new();
    let mut cohort_plans_capped: Vec<(i128, Span)> = Vec::new();
    let mut least_plans: Vec<(i128, Span)> = Vec::new();
    let mut least_plans_capped: Vec<(i128, Span)> = Vec::new();
    let mut counted_nested: Vec<Str> = Vec::new();
    let mut unbounded: Vec<(&model::Cohort, Span)> = Vec::new();
    let mut participant_cap_binds = false;
    // By place: the last cohort of a name with a funnel sets it.
    let mut attachment_fees = vec![0_i128; cx.cohort_names.places()];
    // Each figure split into rows: each group, then the stages in no group (`group.rs`).
    let rows = group::Rows::new(&groups);
    let mut plan_rows = vec![0_i128; rows.count];
    let mut least_rows = vec![0_i128; rows.count];
    let mut maximum_row_most = vec![0_i128; rows.count];
    // The funnels in order of their cohorts' places, each place's a run from `run_starts`,
    // in the order written within a cohort: counted by place, then each put at the next
    // free slot of its place's run (one pass, in whatever order the funnels come).
    let mut run_starts = vec![0_usize; cx.cohort_names.places() + 1];
    for &place in cohort_of.iter().flatten() {
        run_starts[place + 1] += 1;
    }
    for place in 0..cx.cohort_names.places() {
        run_starts[place + 1] += run_starts[place];
    }
    let mut next_slot = run_starts.clone();
    let mut in_order = vec![0_usize; run_starts[cx.cohort_names.places()]];
    for (f, place) in cohort_of.iter().enumerate() {
        if let Some(place) = *place {
            in_order[next_slot[place]] = f;
            next_slot[place] += 1;
        }
    }
    let funnels_in_order: Vec<&model::Funnel> = in_order.iter().map(|&f| &funnels[f]).collect();
    let funnels_of = |place: usize| &funnels_in_order[run_starts[place]..run_starts[place + 1]];
    // Each cohort's participant limit (one at most, E0203), by place.
    let mut limit_of: Vec<Option<(&model::ParticipantLimit, Span)>> =
        vec![None; cx.cohort_names.places()];
    for (limit, span, place) in &participant_limits {
        limit_of[*place] = Some((limit, *span));
    }
    // Per cohort with a funnel: the rate card, the per-participant maximum, and the plan.
    let mut per_participant = Vec::with_capacity(cohorts_with_funnels as usize);
    for (index, cohort) in cx.cohorts.iter().enumerate() {
        let place = cx.cohort_names.place(index);
        let cohort_funnels = funnels_of(place);
        let stages = cohort_lines(cohort_funnels, &card, &rows, cx.unique_stages);
        if stages.is_empty() {
            continue;
        }
        // The stages by expected count, most first, in a stable order: the levels of the plan
        // (`plan::Levels`, `group::cohort_rows`), sorted once for both.
        let mut by_level = stages.clone();
        by_level.sort_by_key(|line| std::cmp::Reverse(line.expected));
        let cohort_span = cx.cohort_spans[place];
        let limited = limit_of[place];
        let paid_at_most = limited.map(|l| l.0.paid);
        // Each paid stage's payments at plan, then the cohort's figures, whose largest price
        // is where a figure too large is best looked at.
        // A priced stage's `pay` clause is looked up by name only to report on it: for the
        // priciest stage, and for a payment too large.
        let pay_span = |stage: &model::Stage| pay_spans.get(&stage.id).copied();
        let mut priciest: Option<(i128, &model::Stage)> = None;
        for line in &stages {
            let stage = line.stage;
            // Only the stages `prices` placed a price on, every one of them in `pay_spans`.
            let Some(price) = stage.price else {
                continue;
            };
            let at_plan = price.minor.checked_mul(i128::from(stage.expected));
            if at_plan.is_none_or(|minor| !money(minor).within_limit()) {
                exact::figure(
                    at_plan,
                    currency,
                    || {
                        format!(
                            "the payment at plan for `{}` ({} people × {price})",
                            stage.id,
                            group_thousands(u128::from(stage.expected))
                        )
                    },
                    pay_span(stage).unwrap_or(cohort_span),
                    out,
                )?;
            }
            if priciest.is_none_or(|(most, _)| price.minor > most) {
                priciest = Some((price.minor, stage));
            }
        }
        let prices_span = priciest
            .and_then(|(_, stage)| pay_span(stage))
            .unwrap_or(cohort_span);
        let earns = || {
            format!(
                "what one participant in `{}` can earn on the rate card",
                cohort.id
            )
        };
        let rate_card = exact::figure(
            card.earn_priced(stages.iter().map(|line| (line.price, line.group))),
            currency,
            earns,
            prices_span,
            out,
        )?;
        let maximum = caps
            .per_participant
            .map_or(rate_card, |cap| rate_card.min(cap));
        if maximum < rate_card {
            participant_cap_binds = true;
        }
        let attachment_fee = match top_attachment {
            Some(share) => exact::figure(
                plan::percent_of(maximum, share),
                currency,
                || format!("the attachment fee in `{}`", cohort.id),
                attachment_span(),
                out,
            )?,
            None => 0,
        };
        attachment_fees[place] = attachment_fee;
        let Some(levels) = plan::Levels::of(&by_level, &card) else {
            out.push(exact::too_large(&earns(), currency, prices_span));
            return None;
        };
        let fee_for = |entered: bool| if entered { attachment_fee } else { 0 };
        let at_plan = || format!("the outcome payments at plan in `{}`", cohort.id);
        let plan_before = exact::figure(
            levels.total(&|earned, entered| earned.checked_add(fee_for(entered))),
            currency,
            at_plan,
            prices_span,
            out,
        )?;
        let capped = |earned: i128, entered: bool| {
            earned.checked_add(fee_for(entered)).map(|e| e.min(maximum))
        };
        let plan_capped =
            exact::figure(levels.total(&capped), currency, at_plan, prices_span, out)?;
        // A participant limit pays `paid` of the participants planned to earn something, a
        // fair sample of them: that share of what they earn, rounded once.
        let earning_at_plan = levels.earning(&capped).unwrap_or(u64::MAX);
        let paid_at_plan = limit::paid_at_plan(paid_at_most, earning_at_plan);
        let plan_capped = if paid_at_plan < earning_at_plan {
            exact::figure(
                mul_div_rounded(
                    plan_capped,
                    i128::from(paid_at_plan),
                    i128::from(earning_at_plan),
                ),
                currency,
                at_plan,
                limited.map_or(prices_span, |l| l.1),
                out,
            )?
        } else {
            plan_capped
        };
        cohort_plans.push((plan_before, prices_span));
        cohort_plans_capped.push((plan_capped, prices_span));
        // The other bound: the same counts spread over people as far as the funnels allow.
        let least_capped_here = match overlap::spread(cohort_funnels, cohort.size) {
            Some(spread) => {
                let sweep = overlap::Sweep::new(&spread, &stages, &card);
                let before = sweep
                    .as_ref()
                    .and_then(|s| s.total(&|earned, entered| earned.checked_add(fee_for(entered))))
                    .map(|(total, _)| total);
                let capped = sweep.as_ref().and_then(|s| {
                    s.total(&|earned, entered| {
                        earned.checked_add(fee_for(entered)).map(|e| e.min(maximum))
                    })
                });
                // A participant limit, as on the headline: a fair sample of those earning.
                let capped = capped.and_then(|(capped, earning)| {
                    let paid = limit::paid_at_plan(paid_at_most, earning);
                    if paid < earning {
                        mul_div_rounded(capped, i128::from(paid), i128::from(earning))
                    } else {
                        Some(capped)
                    }
                });
                let before = exact::figure(before, currency, at_plan, prices_span, out)?;
                let capped = exact::figure(capped, currency, at_plan, prices_span, out)?;
                least_plans.push((before, prices_span));
                least_plans_capped.push((capped, prices_span));
                capped
            }
            None => {
                counted_nested.push(cohort.id.clone());
                least_plans.push((plan_before, prices_span));
                least_plans_capped.push((plan_capped, prices_span));
                plan_capped
            }
        };
        // The cohort's plan by row: its prices by group, attachment fees with the stages in
        // no group, then the caps above shared in proportion.
        let Some(mut by_row) = group::cohort_rows(&by_level, &card, &rows) else {
            out.push(exact::too_large(&at_plan(), currency, prices_span));
            return None;
        };
        let fees_at_plan = plan_before - by_row.iter().sum::<i128>();
        by_row[rows.ungrouped] += fees_at_plan;
        let Some(capped_by_row) = group::share(plan_capped, &by_row) else {
            out.push(exact::too_large(&at_plan(), currency, prices_span));
            return None;
        };
        if group::add_rows(&mut plan_rows, &capped_by_row).is_none() {
            out.push(exact::too_large(&at_plan(), currency, prices_span));
            return None;
        }
        // Before the per-participant cap each stage pays its price for each person reaching
        // it, whoever they are: the rows are the same on both overlap bounds, and the other
        // bound's capped plan is shared between them in the same proportions.
        let least_by_row = group::share(least_capped_here, &by_row);
        if least_by_row
            .and_then(|least| group::add_rows(&mut least_rows, &least))
            .is_none()
        {
            out.push(exact::too_large(&at_plan(), currency, prices_span));
            return None;
        }
        let to_exhaust = match caps.total.filter(|_| maximum > 0) {
            Some(cap) => {
                // Both within the bound: the room and the rounding up fit.
                let room = (cap - fixed_total).max(0);
                Some(((room + maximum - 1) / maximum) as u64)
            }
            None => None,
        };
        per_participant.push(ParticipantMaximum {
            cohort: cohort.id.clone(),
            rate_card: money(rate_card),
            maximum: money(maximum),
            unreachable: money(rate_card - maximum),
            participants: cohort.size,
            to_exhaust_total_cap: to_exhaust,
            paid_at_most,
            earning_at_plan,
            paid_at_plan,
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
        // Only the participants a limit pays for can earn.
        let can_be_paid = match (cohort.size, paid_at_most) {
            (Some(size), Some(paid)) => Some(size.min(paid)),
            (size, paid) => size.or(paid),
        };
        match can_be_paid {
            Some(size) => {
                let most = exact::figure(
                    i128::from(size).checked_mul(maximum),
                    currency,
                    || {
                        format!(
                            "the maximum outcome payments in `{}` ({} participants × {})",
                            cohort.id,
                            group_thousands(u128::from(size)),
                            money(maximum)
                        )
                    },
                    limited.map_or(cohort_span, |l| l.1),
                    out,
                )?;
                cohort_maximums.push((most, cohort_span));
                // What each row can pay on its own; attachment fees are paid on entry, apart
                // from any group (as in the monitoring report).
                let by_row = group::cohort_row_most(&stages, &rows, attachment_fee, maximum, size)
                    .and_then(|most| group::add_rows(&mut maximum_row_most, &most));
                if by_row.is_none() {
                    let what = format!("the maximum outcome payments in `{}`", cohort.id);
                    out.push(exact::too_large(&what, currency, cohort_span));
                    return None;
                }
            }
            None if maximum > 0 => unbounded.push((cohort, cohort_span)),
            None => {}
        }
    }
    let outcome_maximum = if unbounded.is_empty() {
        Some(exact::total(
            cohort_maximums.iter().copied(),
            currency,
            || "the maximum outcome payments".to_string(),
            out,
        )?)
    } else {
        None
    };
    let plan_before = exact::total(
        cohort_plans,
        currency,
        || "the outcome payments at plan".to_string(),
        out,
    )?
    .minor;
    let plan_capped = exact::total(
        cohort_plans_capped,
        currency,
        || "the outcome payments at plan".to_string(),
        out,
    )?;

    // The deadweight discount: a fraction below one of a figure, so never larger than it.
    let deadweight_span = kinds
        .deadweight
        .iter()
        .find_map(|c| match c {
            PaymentClause::Deadweight { span, .. } => Some(*span),
            _ => None,
        })
        .unwrap_or_default();
    let discount = |amount: i128, out: &mut Vec<Diagnostic>| match &deadweight {
        Some(d) => exact::figure(
            mul_div_rounded(amount, i128::from(d.of - d.discounted), i128::from(d.of)),
            currency,
            || "the outcome payments less deadweight".to_string(),
            deadweight_span,
            out,
        ),
        None => Some(amount),
    };
    let mut binding_caps = Vec::new();
    if participant_cap_binds {
        binding_caps.push(CapScope::PerParticipant);
    }
    // Deadweight shared between the rows, each group's cap on its row, then the cap on
    // outcome payments shared between them (`group.rs`).
    let by_rows = |total: i128, rows_before: &[i128], what: &str, out: &mut Vec<Diagnostic>| {
        let Some(mut parts) = group::share(total, rows_before) else {
            out.push(exact::too_large(what, currency, plan_capped.driver));
            return None;
        };
        let before_caps = parts.clone();
        let binds = group::apply_caps(&mut parts, &groups);
        let after_groups: i128 = parts.iter().sum();
        if let Some(cap) = caps.outcome.filter(|cap| *cap < after_groups) {
            let Some(capped) = group::share(cap, &parts) else {
                out.push(exact::too_large(what, currency, plan_capped.driver));
                return None;
            };
            parts = capped;
        }
        Some(group::Split {
            before_caps,
            parts,
            binds,
            after_groups,
        })
    };
    let plan_split = by_rows(
        discount(plan_capped.minor, out)?,
        &plan_rows,
        "the outcome payments at plan",
        out,
    )?;
    let plan_outcomes: i128 = plan_split.parts.iter().sum();
    let discounted_maximum = match outcome_maximum {
        Some(max) => Some(discount(max.minor, out)?),
        None => None,
    };
    let mut maximum_split = None;
    let outcome_exposure = match (discounted_maximum, caps.outcome) {
        (Some(max), cap) => {
            let Some(split) = group::maximum_split(max, &maximum_row_most, &groups, cap) else {
                out.push(exact::too_large(
                    "the maximum outcome payments",
                    currency,
                    plan_capped.driver,
                ));
                return None;
            };
            for (g, most) in groups.iter().zip(&split.before_caps) {
                group::never_binds(g, *most, out);
            }
            if cap.is_some_and(|cap| cap < split.after_groups) {
                binding_caps.push(CapScope::OutcomePayments);
            }
            let exposure = split.parts.iter().sum();
            maximum_split = Some(split);
            Some(exposure)
        }
        (None, Some(cap)) => {
            binding_caps.push(CapScope::OutcomePayments);
            Some(cap)
        }
        (max, None) => max,
    };
    // Where the outcome payments' figures are best looked at: the cap that limits them, or
    // the cohort that adds most.
    let outcome_span = match (caps.outcome_span, &outcome_maximum) {
        (Some(span), _) if binding_caps.contains(&CapScope::OutcomePayments) => span,
        (_, Some(max)) => max.driver,
        _ => Span::default(),
    };

    // Bonuses add to the maximum; a share of outcome payments is a share of their maximum.
    for (incentive, span) in incentives.iter_mut().zip(&incentive_spans) {
        let most = match incentive.amount {
            model::IncentiveAmount::Money(m) => {
                m.minor.checked_mul(i128::from(incentive.assessments))
            }
            model::IncentiveAmount::ShareOfOutcomePayments(p) => {
                plan::percent_of(outcome_exposure.unwrap_or(0), p)
            }
        };
        let word = match incentive.kind {
            ast::IncentiveKind::Bonus => "bonus",
            ast::IncentiveKind::Penalty => "penalty",
        };
        let what = || {
            format!(
                "the most the {word} on `{}` can come to",
                incentive.condition.subject
            )
        };
        incentive.maximum = money(exact::figure(most, currency, what, *span, out)?);
    }
    let bonuses = exact::total(
        incentives
            .iter()
            .zip(&incentive_spans)
            .filter(|(i, _)| i.kind == ast::IncentiveKind::Bonus)
            .map(|(i, span)| (i.maximum.minor, *span)),
        currency,
        || "the bonuses".to_string(),
        out,
    )?;
    // An either-or trigger adds the larger of its alternatives, not their sum.
    let tiers_counted = either_or::counted(&tiers);
    let tiers_maximum = exact::total(
        tiers_counted
            .iter()
            .zip(&tier_spans)
            .map(|((_, most), span)| (*most, *span)),
        currency,
        || "the tier payments at most".to_string(),
        out,
    )?;
    let tiers_at_plan = exact::total(
        tiers_counted
            .iter()
            .zip(&tier_spans)
            .map(|((plan, _), span)| (*plan, *span)),
        currency,
        || "the tier payments at plan".to_string(),
        out,
    )?;
    let (bonuses, tiers_maximum, tiers_at_plan) =
        (bonuses.minor, tiers_maximum.minor, tiers_at_plan.minor);
    let bonus_span = largest_span(&incentives, &incentive_spans, |i| i.maximum.minor);
    let tier_span = largest_span(&tiers, &tier_spans, |t| t.maximum.minor);

    let uncapped_exposure = |outcomes: i128, out: &mut Vec<Diagnostic>| {
        exact::total(
            [
                (outcomes, outcome_span),
                (fixed_total, fixed.driver),
                (bonuses, bonus_span),
                (tiers_maximum, tier_span),
            ],
            currency,
            || "the maximum exposure".to_string(),
            out,
        )
        .map(|sum| sum.minor)
    };
    let mut exposure_before_total_cap = None;
    let exposure = match (outcome_exposure, caps.total) {
        (Some(outcomes), Some(cap)) => {
            let uncapped = uncapped_exposure(outcomes, out)?;
            if cap < uncapped {
                binding_caps.push(CapScope::Total);
            }
            exposure_before_total_cap = Some(uncapped);
            Some(uncapped.min(cap))
        }
        (None, Some(cap)) => {
            binding_caps.push(CapScope::Total);
            Some(cap)
        }
        (Some(outcomes), None) => Some(uncapped_exposure(outcomes, out)?),
        (None, None) => None,
    };
    let planned_uncapped = exact::total(
        [
            (plan_outcomes, plan_capped.driver),
            (fixed_total, fixed.driver),
            (tiers_at_plan, tier_span),
        ],
        currency,
        || "the planned total cost".to_string(),
        out,
    )?
    .minor;
    let planned_total = caps
        .total
        .map_or(planned_uncapped, |cap| planned_uncapped.min(cap));
    // What the two caps on sums each cut, from the figures above as each cap meets them.
    // Each `after` is the smaller of `before` and the cap, so the cut cannot overflow.
    let limited = |before: i128, after: i128| model::Limited {
        before: money(before),
        after: money(after),
        cut: money(before - after),
    };
    let cap_cuts: Vec<model::CapCut> = caps
        .list
        .iter()
        .filter_map(|cap| match cap.scope {
            CapScope::PerParticipant => None,
            CapScope::OutcomePayments => Some(model::CapCut {
                scope: cap.scope,
                at_plan: limited(plan_split.after_groups, plan_outcomes),
                at_maximum: maximum_split
                    .as_ref()
                    .zip(outcome_exposure)
                    .map(|(split, after)| limited(split.after_groups, after)),
            }),
            CapScope::Total => Some(model::CapCut {
                scope: cap.scope,
                at_plan: limited(planned_uncapped, planned_total),
                at_maximum: exposure_before_total_cap
                    .zip(exposure)
                    .map(|(before, after)| limited(before, after)),
            }),
        })
        .collect();

    // The plan on the other overlap bound, through the same steps.
    let least_before = exact::total(
        least_plans,
        currency,
        || "the outcome payments at plan on least overlap".to_string(),
        out,
    )?
    .minor;
    let least_capped = exact::total(
        least_plans_capped,
        currency,
        || "the outcome payments at plan on least overlap".to_string(),
        out,
    )?
    .minor;
    // Deadweight, the groups' caps and the cap on outcome payments, as on the headline.
    let least_outcomes: i128 = by_rows(
        discount(least_capped, out)?,
        &least_rows,
        "the outcome payments at plan on least overlap",
        out,
    )?
    .parts
    .iter()
    .sum();
    let least_total = exact::total(
        [
            (least_outcomes, plan_capped.driver),
            (fixed_total, fixed.driver),
            (tiers_at_plan, tier_span),
        ],
        currency,
        || "the planned total cost on least overlap".to_string(),
        out,
    )?
    .minor;
    let least_total = caps.total.map_or(least_total, |cap| least_total.min(cap));
    let overlap = model::OverlapBounds {
        headline: model::Overlap::Nested,
        nested: model::OverlapBound {
            outcome_payments_before_cap: money(plan_before),
            cut_by_participant_cap: money(plan_before - plan_capped.minor),
            outcome_payments: money(plan_outcomes),
            planned_total_cost: money(planned_total),
            counted_nested: Vec::new(),
        },
        least_overlap: model::OverlapBound {
            outcome_payments_before_cap: money(least_before),
            cut_by_participant_cap: money(least_before - least_capped),
            outcome_payments: money(least_outcomes),
            planned_total_cost: money(least_total),
            counted_nested,
        },
    };

    let Some(exposure) = exposure else {
        for (cohort, span) in unbounded {
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
        match (discounted_maximum, caps.outcome) {
            (Some(max), Some(cap)) if cap < max => {
                parts.push(format!("outcome payments capped at {}", money(cap)))
            }
            (None, Some(cap)) => parts.push(format!("outcome payments capped at {}", money(cap))),
            _ => {
                for p in &per_participant {
                    let paid = p.paid_at_most.or(p.participants);
                    if let (Some(size), true) = (paid, p.maximum.minor > 0) {
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

    // The plan and the maximum by group, with what is not a stage's price as the last row,
    // the total cap shared between them: the rows add up to the totals.
    let by_group = if groups.is_empty() {
        Vec::new()
    } else {
        let within_total = |mut parts: Vec<i128>, other: i128, total: i128| {
            parts.push(other);
            if parts.iter().sum::<i128>() > total {
                group::share(total, &parts)
            } else {
                Some(parts)
            }
        };
        let at_plan = within_total(
            plan_split.parts.clone(),
            fixed_total + tiers_at_plan,
            planned_total,
        );
        let at_maximum = match &maximum_split {
            Some(split) => {
                let other = fixed_total + bonuses + tiers_maximum;
                match within_total(split.parts.clone(), other, exposure) {
                    Some(parts) => Some(parts),
                    None => {
                        out.push(exact::too_large(
                            "the maximum by group",
                            currency,
                            outcome_span,
                        ));
                        return None;
                    }
                }
            }
            None => None,
        };
        let Some(at_plan) = at_plan else {
            out.push(exact::too_large(
                "the plan by group",
                currency,
                plan_capped.driver,
            ));
            return None;
        };
        group::figures(
            &groups,
            &at_plan,
            at_maximum.as_deref(),
            &plan_split.binds,
            maximum_split.as_ref().map_or(&[][..], |s| &s.binds),
            currency,
        )
    };

    // Payers share the plan and the maximum; nothing may be left unfunded.
    let mut by_payer = Vec::new();
    if !payers.is_empty() {
        let span = kinds
            .payer
            .iter()
            .find_map(|c| match c {
                PaymentClause::Payer { span, .. } => Some(*span),
                _ => None,
            })
            .unwrap_or_default();
        let split = |amount: i128, fixed: i128, what: &str, out: &mut Vec<Diagnostic>| {
            let split = payers::split_by_pools(amount, fixed, &payers, currency);
            if split.is_none() {
                out.push(exact::too_large(what, currency, span));
            }
            split
        };
        // At plan no bonus is paid; at the maximum every bonus is.
        let (at_plan, plan_unfunded) = split(
            planned_total,
            fixed_total,
            "the payers' shares of the plan",
            out,
        )?;
        let (at_max, unfunded) = split(
            exposure,
            fixed_total.saturating_add(bonuses),
            "the payers' shares of the maximum",
            out,
        )?;
        let no_fixed_payer = payers::check_fixed_payer(
            &payers,
            &kinds.payer,
            payers::fixed_and_bonuses_part(exposure, fixed_total.saturating_add(bonuses)),
            currency,
            out,
        );
        payers::check_caps_reached(&payers, &kinds.payer, &at_max, out);
        if unfunded > 0 && shares_add_up && !no_fixed_payer {
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
        let plan_shares = payers::shares(&at_plan, plan_unfunded);
        let max_shares = payers::shares(&at_max, unfunded);
        for (i, payer) in payers.iter().enumerate() {
            by_payer.push(model::PayerFigures {
                name: payer.name.clone(),
                at_plan: money(at_plan[i]),
                at_maximum: money(at_max[i]),
                share_of_plan: plan_shares[i],
                share_of_maximum: max_shares[i],
            });
        }
    }

    if out[first_new..].iter().any(Diagnostic::is_error) {
        return None;
    }

    let group_at_plan: Vec<i128> = by_group.iter().map(|g| g.at_plan.minor).collect();
    let Some((timeline, mut by_year, by_year_and_group)) = timeline::timeline(&timeline::Inputs {
        header,
        funnels,
        fees: &fixed_fees,
        prices: &prices,
        attachment_fees: &cohort_of
            .iter()
            .map(|place| place.map_or(0, |p| attachment_fees[p]))
            .collect::<Vec<_>>(),
        tiers_at_plan,
        planned_total,
        rows: &rows,
        plan_rows: &plan_split.parts,
        group_at_plan: (!by_group.is_empty()).then_some(&group_at_plan[..]),
    }) else {
        let what = "the planned cost by contract year";
        out.push(exact::too_large(what, currency, plan_capped.driver));
        return None;
    };
    for (year, parts) in by_year.iter_mut().zip(by_year_and_group) {
        year.by_group = by_group
            .iter()
            .zip(parts)
            .map(|(g, part)| model::YearGroup {
                row: g.row.clone(),
                at_plan: Money::new(part, currency),
            })
            .collect();
    }
    // A figure divided by a count of at least one: never larger than the figure.
    // The targets found in one pass over the stages, then their unit costs made at their
    // number: counting them first was a pass of its own over every stage.
    let target_stages: Vec<(usize, &model::Stage)> = funnels
        .iter()
        .enumerate()
        .flat_map(|(f, funnel)| funnel.stages.iter().map(move |s| (f, s)))
        .filter(|(_, s)| s.kind == ast::StageKind::Target)
        .collect();
    let mut targets: Vec<UnitCost> = Vec::with_capacity(target_stages.len());
    // The size of each cohort by place, for the unit costs at the maximum.
    let size_of = cx
        .cohort_names
        .by_place(cx.cohorts.iter().map(|c| c.size), None);
    for (f, s) in target_stages {
        let unit_cost = exact::figure(
            divide_rounded(planned_total, i128::from(s.expected.max(1))),
            currency,
            || format!("the unit cost of `{}`", s.id),
            plan_capped.driver,
            out,
        )?;
        let at_maximum = match cohort_of[f].and_then(|place| size_of[place]) {
            Some(size) if size > 0 => Some(money(exact::figure(
                divide_rounded(exposure, i128::from(size)),
                currency,
                || format!("the unit cost of `{}` at the maximum", s.id),
                plan_capped.driver,
                out,
            )?)),
            _ => None,
        };
        targets.push(UnitCost {
            funnel: funnels[f].id.clone(),
            target: s.id.clone(),
            expected: s.expected,
            unit_cost: money(unit_cost),
            at_maximum,
        });
    }
    // Every participant the cohorts with funnels hold, if each has a size: sizes below 2^64,
    // one per cohort, so the sum fits `i128`.
    let held: Option<i128> = cx
        .cohorts
        .iter()
        .enumerate()
        .filter(|&(i, _)| with_funnel(i))
        .map(|(_, c)| c.size.map(i128::from))
        .sum();
    let unit_cost_per_participant_at_maximum = match held {
        Some(n) if n > 0 => Some(money(exact::figure(
            divide_rounded(exposure, n),
            currency,
            || "the cost per participant at the maximum".to_string(),
            plan_capped.driver,
            out,
        )?)),
        _ => None,
    };
    // Counts below 2^64 each, one per funnel: their sum cannot outgrow `i128`.
    let entering: i128 = funnels.iter().map(|f| i128::from(f.entering())).sum();
    let unit_cost_per_participant = match entering {
        0 => None,
        n => Some(money(exact::figure(
            divide_rounded(planned_total, n),
            currency,
            || "the cost per participant".to_string(),
            plan_capped.driver,
            out,
        )?)),
    };

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
            participant_limits: participant_limits.into_iter().map(|l| l.0).collect(),
            groups: groups.into_iter().map(|g| g.group).collect(),
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
            cap_cuts,
            headroom: money(header.funding_limit.minor - exposure),
            unit_cost_per_target: targets,
            unit_cost_per_participant,
            unit_cost_per_participant_at_maximum,
            by_payer,
            overlap,
            by_year,
            by_group,
            timeline,
        },
    })
}

/// The clause of the largest of `items`, where a sum of them too large is best looked at.
fn largest_span<T>(items: &[T], spans: &[Span], value: impl Fn(&T) -> i128) -> Span {
    items
        .iter()
        .zip(spans)
        .max_by_key(|(item, _)| value(item).unsigned_abs())
        .map_or_else(Span::default, |(_, span)| *span)
}

fn cap_words(scope: CapScope) -> &'static str {
    match scope {
        CapScope::PerParticipant => "the per-participant cap",
        CapScope::Total => "the total cap",
        CapScope::OutcomePayments => "the cap on outcome payments",
    }
}

/// E0505: `stage` priced again at `again`, first at `first`.
pub fn priced_twice(stage: &str, again: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0505,
        format!("`{stage}` is priced twice"),
        again,
        "priced again here",
    )
    .also(first, "first priced here")
    .help("a step is paid once per participant at one price: keep one `pay` line for it")
}

/// The lines of one cohort's stages (`plan::Line`): its funnels' stages in order, as
/// `overlap::spread` gives them. The rate card is written by name; with every stage's name
/// its alone (`Symbols::stages_unique`), a stage's price is the one `prices` wrote on it and
/// the funnels' entries are their first stages, so only the exclusive rules and the rows are
/// looked up (and those only when there are any); otherwise each is looked up by name.
fn cohort_lines<'s>(
    funnels: &[&'s model::Funnel],
    card: &plan::RateCard,
    rows: &group::Rows,
    unique_stages: bool,
) -> Vec<plan::Line<'s>> {
    let mut lines = Vec::with_capacity(funnels.iter().map(|f| f.stages.len()).sum());
    let entries: HashSet<&str> = if unique_stages {
        HashSet::default()
    } else {
        funnels
            .iter()
            .filter_map(|f| f.stages.first())
            .map(|s| s.id.as_str())
            .collect()
    };
    for funnel in funnels {
        for (i, stage) in funnel.stages.iter().enumerate() {
            let (price, entry) = if unique_stages {
                (stage.price.map_or(0, |p| p.minor), i == 0)
            } else {
                (card.price(&stage.id), entries.contains(stage.id.as_str()))
            };
            lines.push(plan::Line {
                stage,
                expected: stage.expected,
                price,
                group: card.group_of(&stage.id),
                row: rows.row(&stage.id),
                entry,
            });
        }
    }
    lines
}

/// Where each stage is priced (its `pay` clause), by the stage's name as written there.
///
/// Looked up once or more per stage, so a hash map borrowing the names of the clauses: an
/// ordered map's lookups grow with the log of the prices, and a key cloned per price is an
/// allocation each. The one question that needs the order of the names (the price whose
/// stage's name comes first, `first_by_name`) is answered as the prices are recorded.
#[derive(Default)]
pub struct PaySpans<'a> {
    by_stage: HashMap<&'a str, Span>,
    first_by_name: Option<(&'a str, Span)>,
}

impl<'a> PaySpans<'a> {
    /// Records that `stage` is priced at `span`, unless it already is: then where it is.
    fn insert_first(&mut self, stage: &'a str, span: Span) -> Option<Span> {
        match self.by_stage.entry(stage) {
            std::collections::hash_map::Entry::Occupied(first) => return Some(*first.get()),
            std::collections::hash_map::Entry::Vacant(room) => room.insert(span),
        };
        if self.first_by_name.is_none_or(|(first, _)| stage < first) {
            self.first_by_name = Some((stage, span));
        }
        None
    }

    pub fn get(&self, stage: &str) -> Option<&Span> {
        self.by_stage.get(stage)
    }

    pub fn contains_key(&self, stage: &str) -> bool {
        self.by_stage.contains_key(stage)
    }

    /// The names of the stages priced, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.by_stage.keys().copied()
    }

    /// Where the stage whose name comes first (in the order of the bytes) is priced.
    fn first_by_name(&self) -> Option<Span> {
        self.first_by_name.map(|(_, span)| span)
    }
}

/// The rate card: one price per stage (E0505 for a second), written on the model stages.
fn prices<'a>(
    clauses: &[&'a PaymentClause],
    symbols: &Symbols,
    source: &ClauseAt,
    funnels: &mut [model::Funnel],
    out: &mut Vec<Diagnostic>,
) -> Priced<'a> {
    let place = Places::of(funnels);
    let mut prices = Vec::new();
    // The stages priced, written on the funnels once every price is found.
    let mut places = Vec::new();
    // Room for a price a clause (most clauses are prices): a table grown as it fills is
    // built again at each size.
    let mut priced_at = PaySpans {
        by_stage: HashMap::with_capacity_and_hasher(clauses.len(), Default::default()),
        first_by_name: None,
    };
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
        if let Some(first) = priced_at.insert_first(&stage.value, *span) {
            out.push(priced_twice(&stage.value, *span, first));
            continue;
        }
        let Some((f, i)) = place.get(funnels, &stage.value) else {
            continue;
        };
        places.push((f, i, *span));
        prices.push(Price {
            funnel: funnels[f].id.clone(),
            stage: stage.value.clone(),
            amount: amount.value,
            due: due.map_or(Due::OnAchievement, |d| d.value),
            clause: source.at(*span),
        });
    }
    drop(place);
    let mut in_funnel = vec![false; funnels.len()];
    for (&(f, i, _), price) in places.iter().zip(&prices) {
        funnels[f].stages[i].price = Some(price.amount);
        in_funnel[f] = true;
    }
    Priced {
        prices,
        places,
        spans: priced_at,
        in_funnel,
    }
}

/// The prices as written, each placed on its stage.
struct Priced<'a> {
    prices: Vec<Price>,
    /// Each price's stage (its funnel and place in it) and its `pay` clause, in the order of
    /// `prices`.
    places: Vec<(usize, usize, Span)>,
    /// Where each stage is priced.
    spans: PaySpans<'a>,
    /// Which funnels have a priced stage: the checks of prices walk only those.
    in_funnel: Vec<bool>,
}

/// Where the stage of each name is among the funnels: the index of its funnel and its place
/// in it, the last stage of a name (as a map filled in the order of the stages keeps it).
/// One funnel is looked up in its own index (`model::Funnel::last_position`), with no copy
/// of its names; several, in a map borrowing the names, sized once.
enum Places<'f> {
    One,
    Many(HashMap<&'f str, (usize, usize)>),
}

impl<'f> Places<'f> {
    fn of(funnels: &'f [model::Funnel]) -> Places<'f> {
        if funnels.len() <= 1 {
            return Places::One;
        }
        let stages = funnels.iter().map(|f| f.stages.len()).sum();
        let mut map = HashMap::with_capacity_and_hasher(stages, Default::default());
        for (f, i, stage) in model::stage_places(funnels) {
            map.insert(stage.id.as_str(), (f, i));
        }
        Places::Many(map)
    }

    /// The place of the stage `name` among `funnels`, the funnels this was made `of`.
    fn get(&self, funnels: &[model::Funnel], name: &str) -> Option<(usize, usize)> {
        match self {
            Places::One => funnels.first()?.last_position(name).map(|i| (0, i)),
            Places::Many(map) => map.get(name).copied(),
        }
    }
}

/// Fixed fees over the term, or over one contract year of it.
fn fixed_fees(
    clauses: &[&PaymentClause],
    header: &Header,
    source: &ClauseAt,
    years_in_term: u64,
    out: &mut Vec<Diagnostic>,
) -> (Vec<FixedFee>, Vec<Span>) {
    let mut fees = Vec::new();
    let mut spans = Vec::new();
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
            Some(n) => crate::schedule::contract_year(header.term, n),
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
        let Some(total) = exact::figure(
            amount.value.minor.checked_mul(i128::from(periods)),
            amount.value.currency,
            || {
                format!(
                    "the fixed fee of {} a {} over {start} to {end}",
                    amount.value,
                    period.value.word()
                )
            },
            *span,
            out,
        ) else {
            continue;
        };
        fees.push(FixedFee {
            amount: amount.value,
            period: period.value,
            year,
            periods,
            total: Money::new(total, amount.value.currency),
            clause: source.at(*span),
        });
        spans.push(*span);
    }
    (fees, spans)
}

/// `fixed 80% of the per-participant maximum in year 1, ...`: shares of at most 100%.
fn attachment(
    clauses: &[&PaymentClause],
    source: &ClauseAt,
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
        clause: source.at(span),
    })
}

/// The caps, at most one of each kind.
struct Caps {
    per_participant: Option<i128>,
    per_participant_span: Option<Span>,
    outcome: Option<i128>,
    outcome_span: Option<Span>,
    total: Option<i128>,
    list: Vec<Cap>,
}

fn caps(clauses: &[&PaymentClause], source: &ClauseAt, out: &mut Vec<Diagnostic>) -> Caps {
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
                clause: source.at(span),
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
        outcome_span: outcome.map(|c| c.0),
        total: total.map(|c| c.1.minor),
        list,
    }
}

/// W0517: a participant who climbs a whole ladder to a target earns more on the rate card
/// than the per-participant cap allows, so the last, hardest steps are not fully paid.
fn ladder_cut(
    stages: &[plan::Line],
    cohort_funnels: &[&model::Funnel],
    card: &plan::RateCard,
    cap: Option<i128>,
    pay_spans: &PaySpans,
    out: &mut Vec<Diagnostic>,
) {
    let Some(cap) = cap else { return };
    // Only the cohort's own funnels: this runs once per cohort.
    let index: HashMap<&str, usize> = cohort_funnels
        .iter()
        .enumerate()
        .flat_map(|(f, funnel)| funnel.stages.iter().map(move |s| (s.id.as_str(), f)))
        .collect();
    // What each stage's ladder earns, per funnel, where the ladders are paths: computed once
    // for the whole funnel rather than walked from every target.
    let mut paths: Vec<Option<Option<Vec<Option<i128>>>>> = vec![None; cohort_funnels.len()];
    for target in stages
        .iter()
        .map(|line| line.stage)
        .filter(|s| s.kind == ast::StageKind::Target)
    {
        let Some(&f) = index.get(target.id.as_str()) else {
            continue;
        };
        let funnel = cohort_funnels[f];
        let path = paths[f].get_or_insert_with(|| path_earnings(funnel, card));
        let earned = match (path, funnel.position(&target.id)) {
            (Some(path), Some(i)) => path[i],
            // A ladder is part of the cohort's rate card, which is a checked figure.
            _ => card.earn(ancestors(funnel, &target.id)),
        };
        let Some(earned) = earned else {
            continue;
        };
        if earned > cap {
            let span = pay_spans
                .get(&target.id)
                .copied()
                .or_else(|| pay_spans.first_by_name())
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

/// When every stage of `funnel` follows at most one other and none is an exclusive
/// alternative, each stage's ladder is the path back to the entry, and what it earns on the
/// rate card is what the ladder of the stage before earns plus the stage's price: for each
/// stage, by position, that sum (`None` where it overflows). `None` for other funnels, whose
/// ladders are walked one by one.
fn path_earnings(funnel: &model::Funnel, card: &plan::RateCard) -> Option<Vec<Option<i128>>> {
    let clock = funnel.clock();
    let simple = (0..funnel.stages.len()).all(|i| clock.before(i).len() <= 1)
        && funnel.stages.iter().all(|s| !card.is_exclusive(&s.id));
    if !simple || clock.order().len() != funnel.stages.len() {
        return None;
    }
    let mut earned: Vec<Option<i128>> = vec![None; funnel.stages.len()];
    for &i in clock.order() {
        let price = card.price(&funnel.stages[i].id);
        let before = match clock.before(i) {
            [p] => earned[*p],
            _ => Some(0),
        };
        earned[i] = before.and_then(|b| b.checked_add(price));
    }
    Some(earned)
}

/// E0507: a payment that falls due, or may fall due, after the term ends; W0523: a paid stage
/// that says nothing about when it can be reached.
///
/// The checker takes the last participant, referred on the last day of the referral window
/// (or of the term): if even the soonest they can reach a stage is paid after the term, the
/// price can never be paid to them; if their deadline for it is, it may be.
fn timing(
    header: &Header,
    funnels: &[model::Funnel],
    prices: &[Price],
    places: &[(usize, usize, Span)],
    out: &mut Vec<Diagnostic>,
) {
    let referred = header.referrals.map_or(header.term.end, |r| r.until);
    let end = header.term.end;
    if prices.is_empty() {
        return;
    }
    // The last participant's dates, computed once per funnel that has a price.
    let mut dates: BTreeMap<usize, (Vec<Date>, Vec<Option<Date>>)> = BTreeMap::new();
    for (price, &(f, i, span)) in prices.iter().zip(places) {
        let stage = &funnels[f].stages[i];
        if i > 0 && stage.time.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::W0523,
                    format!("`{}` is paid for, but nothing says when it can be reached", price.stage),
                    span,
                    "can be claimed at any moment",
                )
                .help(format!(
                    "give `{}` a time: `within 3 months` (from entry), `at least 13 weeks after {}` (a sustainment period), or `expected 2 months after {}`",
                    price.stage, funnels[f].stages[0].id, funnels[f].stages[0].id
                )),
            );
        }
        let (earliest, latest) = dates.entry(f).or_insert_with(|| {
            let clock = funnels[f].clock();
            let (mut earliest, mut latest) = (Vec::new(), Vec::new());
            clock.earliest(referred, &mut earliest);
            clock.latest(referred, &mut latest);
            (earliest, latest)
        });
        let soonest = earliest[i];
        let due = due_date(soonest, price.due, header.term.start);
        if due > end {
            out.push(
                Diagnostic::new(
                    Code::E0507,
                    format!(
                        "the payment for `{}` falls due on {due} at the soonest for a participant referred on {referred}, after the term ends on {end}",
                        price.stage
                    ),
                    span,
                    "due after the term",
                )
                .help(format!(
                    "a participant referred on {referred} cannot reach `{}` before {soonest}; close referrals earlier (`referrals until ...`), shorten the times before it, or extend the term",
                    price.stage
                )),
            );
            continue;
        }
        let Some(last) = latest[i] else {
            continue;
        };
        let due = due_date(last, price.due, header.term.start);
        if due > end {
            out.push(
                Diagnostic::new(
                    Code::E0507,
                    format!(
                        "the payment for `{}` may fall due on {due}, after the term ends on {end}",
                        price.stage
                    ),
                    span,
                    "may be due after the term",
                )
                .help(format!(
                    "a participant referred on {referred} has until {last} to reach `{}`; close referrals earlier (`referrals until ...`), shorten its window, or extend the term",
                    price.stage
                )),
            );
        }
    }
}
