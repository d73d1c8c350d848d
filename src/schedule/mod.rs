//! Dates of a contract: contract years, when a stage is reached, when a payment falls due.
//! `clock` dates one participant's way through a funnel; `plan` spreads the planned
//! participants over the referral window.
//!
//! Shared by the checker's planned figures and the monitoring report, so that the plan and
//! the actual are dated the same way.

use crate::ast::Due;
use crate::model::{self, Term};
use crate::value::{Date, Duration, TimeUnit};

pub mod clock;
pub mod plan;

/// Contract year `n`: twelve months from the start of the term, the last cut at its end.
pub fn contract_year(term: Term, n: u32) -> (Date, Date) {
    let start = term.start.add_months(12 * (n - 1));
    let end = Date::from_day_number(term.start.add_months(12 * n).day_number() - 1).min(term.end);
    (start, end)
}

/// A stage and every stage before it on the sequence: the stage first, then the stages it
/// follows, breadth first. In proportion to the stages returned, whatever the funnel's size.
pub fn ancestors<'a>(funnel: &'a model::Funnel, id: &str) -> Vec<&'a str> {
    let Some(start) = funnel.position(id) else {
        return Vec::new();
    };
    let mut found = vec![start];
    let mut seen: foldhash::HashSet<usize> = found.iter().copied().collect();
    let mut i = 0;
    while i < found.len() {
        for p in &funnel.stages[found[i]].after {
            if let Some(p) = funnel.position(p) {
                if seen.insert(p) {
                    found.push(p);
                }
            }
        }
        i += 1;
    }
    found
        .into_iter()
        .map(|i| funnel.stages[i].id.as_str())
        .collect()
}

/// The days a fixed fee falls due: the last day of each period it pays for, counted from the
/// start of its contract year (or of the term), the last cut at the end of that year (or term).
/// The planned timeline, the monitoring report and the compiled SQL all date fees by this.
pub fn fee_due_dates(term: Term, fee: &model::FixedFee) -> impl Iterator<Item = Date> + '_ {
    let (start, end) = match fee.year {
        Some(n) => contract_year(term, n),
        None => (term.start, term.end),
    };
    (0..fee.periods).map(move |i| {
        let next = fee.period.start_of(start, i as u32 + 1);
        Date::from_day_number(next.day_number() - 1).min(end)
    })
}

/// `date + duration`, months and years by the calendar.
pub fn add(date: Date, duration: Duration) -> Date {
    match duration.unit {
        TimeUnit::Day => Date::from_day_number(date.day_number() + duration.count as i64),
        TimeUnit::Week => Date::from_day_number(date.day_number() + 7 * duration.count as i64),
        TimeUnit::Month => date.add_months(duration.count),
        TimeUnit::Year => date.add_months(12 * duration.count),
    }
}

/// The date a payment for an achievement on `date` falls due.
pub fn due_date(date: Date, due: Due, term_start: Date) -> Date {
    match due {
        Due::OnAchievement => date,
        Due::InArrears(frequency) => {
            // Periods are counted from the start of the term; the payment falls due at the
            // end of the period the achievement falls in.
            let period = frequency.period();
            let n = period.index_of(term_start, date);
            Date::from_day_number(period.start_of(term_start, n + 1).day_number() - 1)
        }
    }
}
