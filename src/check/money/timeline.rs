//! The planned timeline of a contract: when people are planned to reach each stage (by quarter
//! and by contract year), and the planned payments by month, quarter and contract year.
//!
//! Participants enter over the referral window (`schedule::plan::Entries`) and reach each
//! stage at its planned time (`schedule::clock::Clock::planned`). A price falls due by its
//! timing after the planned date; an attachment fee on entry; a fixed fee at the end of each
//! period it pays for; tier payments at the end of the term. The outcome payments at plan
//! (after caps and deadweight) are shared out over the contract years, row by row of the
//! sub-totals by group (one row without groups), then over the months of each year, in
//! proportion to when the planned prices and fees fall due, so the months add up exactly to
//! the years and the years to the plan. With groups, each year is also split by group
//! (`split_years_by_row`). If the total
//! cap binds, payments are cut from the last month backwards, outcome payments first. A
//! payment planned after the term falls in its last month; people planned to reach a stage
//! after the term are counted apart.

use super::plan::{apportion, apportion_into};
use crate::ast::Due;
use crate::check::header::Header;
use crate::model::{self, FixedFee, PeriodFigures, Price, StageTimeline, Timeline, YearFigures};
use crate::schedule::clock::CalendarDates;
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
    /// For each funnel, the attachment fee one participant of its cohort is paid on entry
    /// at plan.
    pub attachment_fees: &'a [i128],
    pub tiers_at_plan: i128,
    pub planned_total: i128,
    /// Each priced stage's row: a group's, or the stages in no group with the attachment
    /// fees (the one row without groups).
    pub rows: &'a super::group::Rows,
    /// The outcome payments at plan (after every cap but the total cap) by row.
    pub plan_rows: &'a [i128],
    /// With groups: each row of `by_group`'s part of the planned total cost (`at_plan`: the
    /// rows above, then what is not a stage's price), to split each year by.
    pub group_at_plan: Option<&'a [i128]>,
}

/// The planned timeline, the planned total cost by contract year, and with groups each
/// year's total by group (`[year][row]`, the rows of `by_group`).
/// `None` when a figure would overflow (the caller reports E0530).
pub fn timeline(inputs: &Inputs) -> Option<(Timeline, Vec<YearFigures>, Vec<Vec<i128>>)> {
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
    // The weights of each row's outcome payments by month, as `weights` below holds them for
    // all rows together.
    let mut row_weights: Vec<Vec<i128>> = vec![vec![0_i128; months]; inputs.rows.count];

    let entries = Entries::of(term, header.referrals, header.referral_profile.as_ref());
    let entry_days: Vec<i64> = entries.days.iter().map(Date::day_number).collect();
    // The weight of the entries before each: a run's weight is the difference of two.
    let mut weight_before = Vec::with_capacity(entries.weights.len() + 1);
    weight_before.push(0_i128);
    for w in &entries.weights {
        weight_before.push(
            weight_before
                .last()
                .copied()
                .unwrap_or(0)
                .saturating_add(*w),
        );
    }
    let term_end = term.end.day_number();
    let price_of: HashMap<&str, &Price> = inputs
        .prices
        .iter()
        .map(|p| (p.stage.as_str(), p))
        .collect();

    // Weights of the outcome payments by month: amount planned × the weight of the entries
    // whose payment falls due in the month.
    let mut weights = vec![0_i128; months];
    let stage_count: usize = inputs.funnels.iter().map(|f| f.stages.len()).sum();
    let mut stages = Vec::with_capacity(stage_count);
    // Reused from stage to stage.
    let mut quarter_weights: Vec<i128> = Vec::new();
    // Room for apportioning each stage's people, kept from stage to stage.
    let (mut shares, mut remainders) = (Vec::new(), Vec::new());
    let mut people = vec![0_i128; quarters];
    // Times in months dated once for every funnel timed alike.
    let mut calendar_dates = CalendarDates::default();
    for (f, funnel) in inputs.funnels.iter().enumerate() {
        let clock = funnel.clock();
        let funnel_id: std::sync::Arc<str> = funnel.id.as_str().into();
        let paid: Vec<Option<(&Price, i128)>> = funnel
            .stages
            .iter()
            .map(|s| {
                price_of
                    .get(s.id.as_str())
                    .map(|p| (*p, p.amount.minor.saturating_mul(s.expected as i128)))
            })
            .collect();
        let attachment = inputs.attachment_fees[f].saturating_mul(funnel.entering() as i128);
        // The first and last days of referrals themselves, whichever days are sampled.
        let (mut first, mut last) = (Vec::new(), Vec::new());
        let (opens, closes) = header
            .referrals
            .map_or((term.start, term.end), |r| (r.from, r.until));
        clock.planned(opens, &mut first);
        clock.planned(closes, &mut last);
        // Each stage's planned dates for all the entry days at once, in runs of entries
        // planned the same days after entry; within a run the entries reaching a stage in one
        // quarter, or paid for it in one month, are found by bisection, and their weights
        // added up from the running totals. The weight of each quarter and month is the
        // weights of its entries added up, as when the entries are taken one by one: the
        // prices and weights are never negative here (a negative price is refused before),
        // so adding a run's weights before multiplying by the price changes no figure.
        let offsets = clock.planned_offsets(&entry_days, &mut calendar_dates);
        // The stage's weight of entries by the quarter they reach it in (planned dates never
        // go back as the entry day moves on, so the list grows at its end), and after the term.
        let mut by_quarter: Vec<(usize, i128)> = Vec::new();
        for (s, (stage, stage_offsets)) in funnel.stages.iter().zip(&offsets).enumerate() {
            by_quarter.clear();
            let mut after_term = 0_i128;
            for (run, days) in stage_offsets.runs(entry_days.len()) {
                let day = |k: usize| entry_days[k] + days;
                let quarter = |day: i64| {
                    if day > term_end {
                        quarters
                    } else {
                        quarter_starts.search_day(day)
                    }
                };
                each_bucket(run.clone(), day, quarter, |q, entries| {
                    let weight = weight_before[entries.end] - weight_before[entries.start];
                    if q == quarters {
                        after_term += weight;
                    } else {
                        match by_quarter.last_mut() {
                            Some((at, w)) if *at == q => *w += weight,
                            _ => by_quarter.push((q, weight)),
                        }
                    }
                });
                if let Some((price, planned)) = paid[s] {
                    let row = inputs.rows.row(&stage.id);
                    let month = |day: i64| {
                        let due = match price.due {
                            Due::OnAchievement => day,
                            due => {
                                due_date(Date::from_day_number(day), due, term.start).day_number()
                            }
                        };
                        month_starts.search_day(due.min(term_end))
                    };
                    each_bucket(run, day, month, |m, entries| {
                        let weight = weight_before[entries.end] - weight_before[entries.start];
                        let add = planned.saturating_mul(weight);
                        weights[m] = weights[m].saturating_add(add);
                        row_weights[row][m] = row_weights[row][m].saturating_add(add);
                    });
                }
            }
            // Shared out over the quarters reached and after the term (last, so that it takes
            // everyone when no entry is weighed): a quarter of no weight gets no one, so
            // leaving those out changes no share, and costs nothing for a long term.
            quarter_weights.clear();
            quarter_weights.extend(by_quarter.iter().map(|&(_, w)| w));
            quarter_weights.push(after_term);
            apportion_into(
                stage.expected as i128,
                &quarter_weights,
                &mut shares,
                &mut remainders,
            )?;
            let after = shares.pop().unwrap_or(0);
            people.fill(0);
            for (&(q, _), &share) in by_quarter.iter().zip(&shares) {
                people[q] += share;
            }
            // The quarters added up by contract year, so that every view counts a year alike.
            let mut by_year = vec![0_u64; years];
            for (q, p) in people.iter().enumerate() {
                let year = &mut by_year[year_of_quarter[q]];
                *year = year.checked_add(*p as u64)?;
            }
            stages.push(StageTimeline {
                funnel: funnel_id.clone(),
                stage: stage.id.clone(),
                first: first.get(s).copied().unwrap_or(term.start),
                last: last.get(s).copied().unwrap_or(term.start),
                by_quarter: people.iter().map(|p| *p as u64).collect(),
                by_year,
                after_term: after as u64,
            });
        }
        if attachment > 0 {
            let row = inputs.rows.ungrouped;
            for (k, &entry) in entries.days.iter().enumerate() {
                let add = attachment.saturating_mul(entries.weights[k]);
                let m = month_of(entry);
                weights[m] = weights[m].saturating_add(add);
                row_weights[row][m] = row_weights[row][m].saturating_add(add);
            }
        }
    }

    // Shared out over the contract years first, then over the months of each year, so that
    // each year's figure is the plan's share by year, rounded once. Each row's outcome
    // payments (a group's after its own cap) by when its own payments fall due, the years
    // adding the rows: without groups, one row.
    let year_of_month: Vec<usize> = (0..months)
        .map(|m| year_of(Period::Month.start_of(term.start, m as u32)))
        .collect();
    let by_years = |by_month: &[i128]| {
        let mut by_year = vec![0_i128; years];
        for (m, w) in by_month.iter().enumerate() {
            by_year[year_of_month[m]] = by_year[year_of_month[m]].saturating_add(*w);
        }
        by_year
    };
    let mut seeds: Vec<Vec<i128>> = row_weights
        .iter()
        .zip(inputs.plan_rows)
        .map(|(by_month, amount)| apportion(*amount, &by_years(by_month)))
        .collect::<Option<_>>()?;
    let mut by_year_outcomes = vec![0_i128; years];
    for seed in &seeds {
        for (year, part) in by_year_outcomes.iter_mut().zip(seed) {
            *year = year.checked_add(*part)?;
        }
    }
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
    // What is not a stage's price falls due as the fixed fees and tier payments do.
    let mut other = by_years(&fixed);
    if let Some(last) = other.last_mut() {
        *last = last.checked_add(inputs.tiers_at_plan)?;
    }
    seeds.push(other);
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
    let by_year: Vec<YearFigures> = group(&by_month, Period::Year, term.start, currency)
        .into_iter()
        .zip(1..=years as u32)
        .map(|(p, n)| YearFigures {
            year: n,
            start: p.start,
            end: p.end,
            fixed_fees: p.fixed_fees,
            outcome_payments: p.outcome_payments,
            total: p.total,
            by_group: Vec::new(),
        })
        .collect();
    let by_year_and_group = match inputs.group_at_plan {
        Some(at_plan) => {
            let year_totals: Vec<i128> = by_year.iter().map(|y| y.total.minor).collect();
            split_years_by_row(at_plan, &year_totals, &seeds)?
        }
        None => Vec::new(),
    };
    Some((
        Timeline {
            stages,
            by_month,
            by_quarter,
        },
        by_year,
        by_year_and_group,
    ))
}

/// Each year's total split between the rows of `by_group`: `[year][row]`, adding up to the
/// year's total across and to each row's total down, to the penny. `seeds[row][year]` is
/// each row's total shared out over the years by when its own payments fall due; a cut of
/// the total cap, which stops payments from the last month back, does not fall on the rows
/// as `by_group` shares it (in proportion), so the seeds are fitted to the years' totals:
/// year by year, each year's total shared between the rows in proportion to their seeds for
/// it, no row given more than it has left (what a row cannot take shared between the others
/// in proportion to what they have left), the last year taking what each row has left.
/// `None` when the rows and the years do not add up to the same total, or a figure is
/// negative.
pub fn split_years_by_row(
    rows: &[i128],
    years: &[i128],
    seeds: &[Vec<i128>],
) -> Option<Vec<Vec<i128>>> {
    let sum = |v: &[i128]| v.iter().try_fold(0_i128, |s, x| s.checked_add(*x));
    if sum(rows)? != sum(years)? || rows.iter().chain(years).any(|x| *x < 0) {
        return None;
    }
    let mut left = rows.to_vec();
    let mut out = Vec::with_capacity(years.len());
    for (y, total) in years.iter().enumerate() {
        if y + 1 == years.len() {
            out.push(std::mem::take(&mut left));
            break;
        }
        let weights: Vec<i128> = seeds.iter().map(|s| s[y]).collect();
        let mut parts = apportion(*total, &weights)?;
        let mut over = 0_i128;
        for (part, room) in parts.iter_mut().zip(&left) {
            if *part > *room {
                over = over.checked_add(part.checked_sub(*room)?)?;
                *part = *room;
            }
        }
        if over > 0 {
            // The years still to come add up to what the rows have left, so the rows have
            // room for this year's total; shared by room, no row is given more than its room.
            let room: Vec<i128> = left
                .iter()
                .zip(&parts)
                .map(|(l, p)| l.checked_sub(*p))
                .collect::<Option<_>>()?;
            for (part, more) in parts.iter_mut().zip(apportion(over, &room)?) {
                *part = part.checked_add(more)?;
            }
        }
        for (room, part) in left.iter_mut().zip(&parts) {
            *room = room.checked_sub(*part)?;
        }
        out.push(parts);
    }
    Some(out)
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
        self.search_day(date.day_number())
    }

    /// The period the day numbered `day` falls in, as `search` finds it.
    fn search_day(&self, day: i64) -> usize {
        let last = self.days.len().saturating_sub(2);
        self.days
            .partition_point(|&d| d <= day)
            .saturating_sub(1)
            .min(last)
    }
}

/// Split the entries `range`, whose planned days `day(k)` never go back as `k` grows, into
/// runs of entries with the same `key` of their day (a key that never goes back as the day
/// moves on), and visit each run with its key: the end of each run found by bisection, so
/// the cost follows the runs, not the entries.
fn each_bucket(
    range: std::ops::Range<usize>,
    day: impl Fn(usize) -> i64,
    key: impl Fn(i64) -> usize,
    mut visit: impl FnMut(usize, std::ops::Range<usize>),
) {
    let mut k = range.start;
    while k < range.end {
        let bucket = key(day(k));
        // The first entry after `k` with another key.
        let (mut lo, mut hi) = (k + 1, range.end);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if key(day(mid)) == bucket {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        visit(bucket, k..lo);
        k = lo;
    }
}

#[cfg(test)]
mod tests {
    use super::split_years_by_row;

    #[test]
    fn a_row_never_gets_more_than_it_has_left() {
        // Row 0 would take all of year 1 by its seeds but holds only 60: the 40 it cannot take
        // goes to row 1, which has room; year 2 takes what is left.
        let split = split_years_by_row(&[60, 90], &[100, 50], &[vec![100, 0], vec![0, 90]]);
        assert_eq!(split, Some(vec![vec![60, 40], vec![0, 50]]));
        // Seeds that already add up to both are kept as they are.
        let split = split_years_by_row(&[70, 80], &[100, 50], &[vec![60, 10], vec![40, 40]]);
        assert_eq!(split, Some(vec![vec![60, 40], vec![10, 40]]));
    }

    #[test]
    fn rows_and_years_that_do_not_add_up_alike_are_refused() {
        assert_eq!(
            split_years_by_row(&[60, 90], &[100, 49], &[vec![1, 1], vec![1, 1]]),
            None
        );
        assert_eq!(
            split_years_by_row(&[-1, 1], &[0], &[vec![1], vec![1]]),
            None
        );
    }
}
