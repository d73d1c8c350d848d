//! The planned timeline of a contract: when people are planned to reach each stage (by quarter
//! and by contract year), and the planned payments by month, quarter and contract year.
//!
//! Participants enter over the referral window (`schedule::plan::Entries`) and reach each
//! stage at its planned time (`schedule::clock::Clock::planned`). A price falls due by its
//! timing after the planned date; an attachment fee on entry; a fixed fee at the end of each
//! period it pays for; tier payments at the end of the term. The outcome payments at plan
//! (after caps and deadweight) are shared out over the contract years, then over the months of
//! each year, in proportion to when the planned prices and fees fall due, so the months add up
//! exactly to the years and the years to the plan. If the total
//! cap binds, payments are cut from the last month backwards, outcome payments first. A
//! payment planned after the term falls in its last month; people planned to reach a stage
//! after the term are counted apart.

use super::plan::apportion;
use crate::check::header::Header;
use crate::model::{self, FixedFee, PeriodFigures, Price, StageTimeline, Timeline, YearFigures};
use crate::schedule::clock::Clock;
use crate::schedule::plan::Entries;
use crate::schedule::{due_date, fee_due_dates};
use crate::value::{Date, Money, Period};
use foldhash::HashMap;

/// What the timeline is computed from.
pub struct Inputs<'a> {
    pub header: &'a Header,
    pub funnels: &'a [model::Funnel],
    pub fees: &'a [FixedFee],
    pub prices: &'a [Price],
    /// For each cohort, the attachment fee one participant is paid on entry at plan.
    pub attachment_fee: &'a HashMap<String, i128>,
    pub plan_outcomes: i128,
    pub tiers_at_plan: i128,
    pub planned_total: i128,
}

/// The planned timeline and the planned total cost by contract year.
/// `None` when a figure would overflow (the caller reports E0530).
pub fn timeline(inputs: &Inputs) -> Option<(Timeline, Vec<YearFigures>)> {
    let header = inputs.header;
    let term = header.term;
    let currency = header.currency;
    let money = |minor: i128| Money::new(minor, currency);
    let months = Period::Month.count_in(term.start, term.end) as usize;
    let quarters = Period::Quarter.count_in(term.start, term.end) as usize;
    let month_starts = Starts::of(Period::Month, term.start, months);
    let quarter_starts = Starts::of(Period::Quarter, term.start, quarters);
    let month_of = |date: Date| month_starts.search(date.min(term.end));
    let years = Period::Year.count_in(term.start, term.end) as usize;
    let year_of = |start: Date| (Period::Year.index_of(term.start, start) as usize).min(years - 1);
    let year_of_quarter: Vec<usize> = (0..quarters)
        .map(|q| year_of(Period::Quarter.start_of(term.start, q as u32)))
        .collect();

    // Fixed fees, at the end of each period they pay for.
    let mut fixed = vec![0_i128; months];
    for fee in inputs.fees {
        for due in fee_due_dates(term, fee) {
            fixed[month_of(due)] += fee.amount.minor;
        }
    }

    let entries = Entries::of(term, header.referrals, header.referral_profile.as_ref());
    let price_of: HashMap<&str, &Price> = inputs
        .prices
        .iter()
        .map(|p| (p.stage.as_str(), p))
        .collect();

    // Weights of the outcome payments by month: amount planned × the weight of the entries
    // whose payment falls due in the month.
    let mut weights = vec![0_i128; months];
    let mut stages = Vec::new();
    for funnel in inputs.funnels {
        let clock = Clock::of(funnel);
        let paid: Vec<Option<(&Price, i128)>> = funnel
            .stages
            .iter()
            .map(|s| {
                price_of
                    .get(s.id.as_str())
                    .map(|p| (*p, p.amount.minor.saturating_mul(s.expected as i128)))
            })
            .collect();
        let attachment = inputs
            .attachment_fee
            .get(&funnel.cohort)
            .copied()
            .unwrap_or(0)
            .saturating_mul(funnel.entering() as i128);
        // For each stage, the weight of entries by the quarter they reach it in (planned
        // dates never go back as the entry day moves on, so each list grows at its end).
        let mut by_quarter: Vec<Vec<(usize, i128)>> = vec![Vec::new(); funnel.stages.len()];
        let mut after_term = vec![0_i128; funnel.stages.len()];
        // The first and last days of referrals themselves, whichever days are sampled.
        let (mut first, mut last) = (Vec::new(), Vec::new());
        let (opens, closes) = header
            .referrals
            .map_or((term.start, term.end), |r| (r.from, r.until));
        clock.planned(opens, &mut first);
        clock.planned(closes, &mut last);
        // Each stage's quarter and month of payment so far: its dates move on with the entry
        // day, so each is found from the last rather than searched for.
        let mut quarter_at = vec![0_usize; funnel.stages.len()];
        let mut month_at = vec![0_usize; funnel.stages.len()];
        entries.each_planned(&clock, |k, dates| {
            let weight = entries.weights[k];
            for (s, &date) in dates.iter().enumerate() {
                if date > term.end {
                    after_term[s] += weight;
                } else {
                    let q = quarter_starts.find(date, &mut quarter_at[s]);
                    match by_quarter[s].last_mut() {
                        Some((at, w)) if *at == q => *w += weight,
                        _ => by_quarter[s].push((q, weight)),
                    }
                }
                if let Some((price, planned)) = paid[s] {
                    let due = due_date(date, price.due, term.start);
                    let m = &mut weights[month_starts.find(due.min(term.end), &mut month_at[s])];
                    *m = m.saturating_add(planned.saturating_mul(weight));
                }
            }
            if attachment > 0 {
                let m = &mut weights[month_of(entries.days[k])];
                *m = m.saturating_add(attachment.saturating_mul(weight));
            }
        });
        for (s, stage) in funnel.stages.iter().enumerate() {
            let mut quarter_weights = vec![0_i128; quarters];
            for &(q, w) in &by_quarter[s] {
                quarter_weights[q] += w;
            }
            quarter_weights.push(after_term[s]);
            let mut people = apportion(stage.expected as i128, &quarter_weights)?;
            let after = people.pop().unwrap_or(0);
            // The quarters added up by contract year, so that every view counts a year alike.
            let mut by_year = vec![0_u64; years];
            for (q, p) in people.iter().enumerate() {
                let year = &mut by_year[year_of_quarter[q]];
                *year = year.checked_add(*p as u64)?;
            }
            stages.push(StageTimeline {
                funnel: funnel.id.clone(),
                stage: stage.id.clone(),
                first: first.get(s).copied().unwrap_or(term.start),
                last: last.get(s).copied().unwrap_or(term.start),
                by_quarter: people.iter().map(|p| *p as u64).collect(),
                by_year,
                after_term: after as u64,
            });
        }
    }

    // Shared out over the contract years first, then over the months of each year, so that
    // each year's figure is the plan's share by year, rounded once.
    let year_of_month: Vec<usize> = (0..months)
        .map(|m| year_of(Period::Month.start_of(term.start, m as u32)))
        .collect();
    let mut year_weights = vec![0_i128; years];
    for (m, w) in weights.iter().enumerate() {
        year_weights[year_of_month[m]] = year_weights[year_of_month[m]].saturating_add(*w);
    }
    let by_year_outcomes = apportion(inputs.plan_outcomes, &year_weights)?;
    let mut outcomes = vec![0_i128; months];
    for (y, amount) in by_year_outcomes.iter().enumerate() {
        let in_year: Vec<usize> = (0..months).filter(|m| year_of_month[*m] == y).collect();
        let month_weights: Vec<i128> = in_year.iter().map(|m| weights[*m]).collect();
        for (m, part) in in_year.iter().zip(apportion(*amount, &month_weights)?) {
            outcomes[*m] = part;
        }
    }
    if let Some(last) = outcomes.last_mut() {
        *last = last.checked_add(inputs.tiers_at_plan)?;
    }
    // The total cap stops payments once it is reached: cut from the last month back, outcome
    // payments first, then fixed fees (when the fees alone exceed the cap).
    let mut excess =
        fixed.iter().sum::<i128>() + outcomes.iter().sum::<i128>() - inputs.planned_total;
    for column in [&mut outcomes, &mut fixed] {
        for i in (0..months).rev() {
            let cut = excess.min(column[i]).max(0);
            column[i] -= cut;
            excess -= cut;
        }
    }

    let month_span = |i: usize| {
        let start = Period::Month.start_of(term.start, i as u32);
        let end = Date::from_day_number(
            Period::Month
                .start_of(term.start, i as u32 + 1)
                .day_number()
                - 1,
        )
        .min(term.end);
        (start, end)
    };
    let mut cumulative = 0;
    let by_month: Vec<PeriodFigures> = (0..months)
        .map(|i| {
            let (start, end) = month_span(i);
            cumulative += fixed[i] + outcomes[i];
            PeriodFigures {
                start,
                end,
                fixed_fees: money(fixed[i]),
                outcome_payments: money(outcomes[i]),
                total: money(fixed[i] + outcomes[i]),
                cumulative: money(cumulative),
            }
        })
        .collect();
    let by_quarter = group(&by_month, Period::Quarter, term.start, currency);
    let by_year = group(&by_month, Period::Year, term.start, currency)
        .into_iter()
        .zip(1..=years as u32)
        .map(|(p, n)| YearFigures {
            year: n,
            start: p.start,
            end: p.end,
            fixed_fees: p.fixed_fees,
            outcome_payments: p.outcome_payments,
            total: p.total,
        })
        .collect();
    Some((
        Timeline {
            stages,
            by_month,
            by_quarter,
        },
        by_year,
    ))
}

/// Months added up into longer periods counted from the start of the term.
fn group(
    months: &[PeriodFigures],
    period: Period,
    start: Date,
    currency: crate::value::Currency,
) -> Vec<PeriodFigures> {
    let mut out: Vec<PeriodFigures> = Vec::new();
    for month in months {
        let n = period.index_of(start, month.start) as usize;
        if out.len() <= n {
            out.push(PeriodFigures {
                start: month.start,
                end: month.end,
                fixed_fees: Money::new(0, currency),
                outcome_payments: Money::new(0, currency),
                total: Money::new(0, currency),
                cumulative: month.cumulative,
            });
        }
        if let Some(p) = out.last_mut() {
            p.end = month.end;
            p.fixed_fees.minor += month.fixed_fees.minor;
            p.outcome_payments.minor += month.outcome_payments.minor;
            p.total.minor += month.total.minor;
            p.cumulative = month.cumulative;
        }
    }
    out
}

/// The first days of the periods of a term, to find the period a date falls in.
struct Starts {
    /// Day numbers of the first day of each period, then of the period after the last.
    days: Vec<i64>,
}

impl Starts {
    fn of(period: Period, start: Date, count: usize) -> Starts {
        Starts {
            days: (0..=count)
                .map(|i| period.start_of(start, i as u32).day_number())
                .collect(),
        }
    }

    /// The period `date` falls in: the first for a date before the term, the last for one
    /// after.
    fn search(&self, date: Date) -> usize {
        let day = date.day_number();
        let last = self.days.len().saturating_sub(2);
        self.days
            .partition_point(|&d| d <= day)
            .saturating_sub(1)
            .min(last)
    }

    /// The period `date` falls in, as `search` finds it, found by moving from `*near`, the period found last time, which is left at the
    /// answer: a few steps when the dates asked for move on little by little.
    fn find(&self, date: Date, near: &mut usize) -> usize {
        let day = date.day_number();
        let last = self.days.len().saturating_sub(2);
        let mut i = (*near).min(last);
        while i > 0 && self.days[i] > day {
            i -= 1;
        }
        while i < last && self.days[i + 1] <= day {
            i += 1;
        }
        *near = i;
        i
    }
}
