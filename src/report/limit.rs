//! A participant limit in the monitoring report: which of a cohort's participants are paid for.
//!
//! Takes the date each participant first reached a payable result (a line with something to
//! pay, after the per-participant maximum) and the cohort each is in; gives each participant of
//! a limited cohort a place. The rule: a cohort's participants take their places in order of
//! that date, ties by participant reference; the first `paid` places are paid for in full,
//! every later one nothing. A participant with nothing payable yet takes no place. Every line
//! of a limited cohort says which it is (`words`).

use crate::model::{Contract, ParticipantLimit};
use crate::value::Date;

/// A participant's place under their cohort's limit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    /// From 1, in order of first reaching a payable result.
    pub n: u64,
    /// The limit, by its place in `Payments::participant_limits`.
    pub limit: usize,
}

impl Place {
    /// Whether the participant is paid for.
    pub fn paid(self, contract: &Contract) -> bool {
        self.n <= contract.payments.participant_limits[self.limit].paid
    }
}

/// Each participant's place, by their index: `first` gives, for each participant, the date
/// they first reached a payable result (if they have), `reference` their reference and
/// `cohort` their cohort. `None` for a participant of a cohort without a limit, or with
/// nothing payable yet.
pub(crate) fn places<'a>(
    contract: &Contract,
    first: &[Option<Date>],
    reference: &dyn Fn(usize) -> &'a str,
    cohort: &dyn Fn(usize) -> Option<&'a str>,
) -> Vec<Option<Place>> {
    let mut places = vec![None; first.len()];
    for (l, limit) in contract.payments.participant_limits.iter().enumerate() {
        let mut queue: Vec<(Date, &str, usize)> = first
            .iter()
            .enumerate()
            .filter_map(|(who, day)| {
                let day = (*day)?;
                (cohort(who) == Some(limit.cohort.as_str())).then(|| (day, reference(who), who))
            })
            .collect();
        queue.sort_unstable();
        for (n, (_, _, who)) in queue.into_iter().enumerate() {
            places[who] = Some(Place {
                n: n as u64 + 1,
                limit: l,
            });
        }
    }
    places
}

/// What a line of a placed participant says about the limit, and, when the participant is
/// beyond it, the cut: `paid for: 37th to reach a payable result of at most 100 participants of
/// `families` paid for, 5 in 6 (file:line)`.
pub(crate) fn words(contract: &Contract, place: Place) -> (String, Option<String>) {
    let limit = &contract.payments.participant_limits[place.limit];
    let words = limit_words(limit);
    if place.paid(contract) {
        (
            format!(
                "paid for: {} to reach a payable result of at most {words} ({})",
                ordinal(place.n),
                limit.clause
            ),
            None,
        )
    } else {
        (
            format!(
                "not paid for: {} to reach a payable result, beyond the limit of {words} ({})",
                ordinal(place.n),
                limit.clause
            ),
            Some(format!("beyond the limit of {words} ({})", limit.clause)),
        )
    }
}

/// `100 participants of `families` paid for, 5 in 6`.
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
