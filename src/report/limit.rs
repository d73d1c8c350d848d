//! A participant limit in the monitoring report: which of a cohort's participants are paid for.
//!
//! Takes each participant's outcome lines (prices and attachment fees, after the
//! per-participant maximum) and the cohort each participant is in; hands them back with the
//! participants beyond the limit paid nothing. The rule: a cohort's participants take their
//! places in order of the date they first reached a payable result (a line with something to
//! pay), ties by participant reference; the first `paid` places are paid for in full, every
//! later one nothing. A participant with nothing payable yet takes no place. Every line of a
//! limited cohort says which it is.

use super::PaymentLine;
use crate::model::{Contract, ParticipantLimit};
use crate::value::{Date, Money};
use std::collections::BTreeMap;

/// Apply every participant limit of `contract` to `lines`; `cohort_of` gives each
/// participant's cohort.
pub(crate) fn apply(
    contract: &Contract,
    cohort_of: &BTreeMap<String, String>,
    lines: &mut [PaymentLine],
) {
    let limits = &contract.payments.participant_limits;
    if limits.is_empty() {
        return;
    }
    // The date each participant first reached a payable result.
    let mut first: BTreeMap<&str, Date> = BTreeMap::new();
    for line in lines.iter() {
        let Some(participant) = &line.participant else {
            continue;
        };
        if line.amount.minor > 0 {
            let day = first.entry(participant.as_str()).or_insert(line.earned);
            *day = (*day).min(line.earned);
        }
    }
    // Each limited participant's place among their cohort's, from 1.
    let mut place: BTreeMap<String, (u64, &ParticipantLimit)> = BTreeMap::new();
    for limit in limits {
        let mut queue: Vec<(Date, &str)> = first
            .iter()
            .filter(|(p, _)| cohort_of.get(**p).is_some_and(|c| *c == limit.cohort))
            .map(|(p, day)| (*day, *p))
            .collect();
        queue.sort_unstable();
        for (n, (_, participant)) in queue.into_iter().enumerate() {
            place.insert(participant.to_string(), (n as u64 + 1, limit));
        }
    }
    for line in lines.iter_mut() {
        let Some(&(n, limit)) = line.participant.as_ref().and_then(|p| place.get(p)) else {
            continue;
        };
        let words = limit_words(limit);
        if n <= limit.paid {
            line.limit = Some(format!(
                "paid for: {} to reach a payable result of at most {words} ({})",
                ordinal(n),
                limit.clause
            ));
        } else {
            line.limit = Some(format!(
                "not paid for: {} to reach a payable result, beyond the limit of {words} ({})",
                ordinal(n),
                limit.clause
            ));
            if line.amount.minor != 0 {
                line.amount = Money::new(0, line.amount.currency);
                line.cut_by
                    .push(format!("beyond the limit of {words} ({})", limit.clause));
            }
        }
    }
}

/// `100 participants of `families` (5 in 6 of them)`.
fn limit_words(limit: &ParticipantLimit) -> String {
    let share = match limit.in_every {
        Some(every) => format!(", {} in {every}", limit.most),
        None => String::new(),
    };
    format!(
        "{} participants of `{}` paid for{share}",
        limit.paid, limit.cohort
    )
}

/// `1st`, `2nd`, `3rd`, `11th`, `101st`.
fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
