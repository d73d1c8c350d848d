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
    let limits = &contract.payments.participant_limits;
    if limits.is_empty() {
        return places;
    }
    // Each limit by its cohort, so that the participants are walked once whatever the number
    // of limits.
    let limit_of: foldhash::HashMap<&str, usize> = limits
        .iter()
        .enumerate()
        .map(|(l, limit)| (limit.cohort.as_str(), l))
        .collect();
    let mut queue: Vec<(usize, Date, &str, usize)> = first
        .iter()
        .enumerate()
        .filter_map(|(who, day)| {
            let day = (*day)?;
            let l = *limit_of.get(cohort(who)?)?;
            Some((l, day, reference(who), who))
        })
        .collect();
    // By limit, then in each limit's queue in order of the date, ties by reference.
    queue.sort_unstable();
    let mut n = 0_u64;
    let mut previous = None;
    for (l, _, _, who) in queue {
        n = if previous == Some(l) { n + 1 } else { 1 };
        previous = Some(l);
        places[who] = Some(Place { n, limit: l });
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each limit numbers its own cohort's participants from 1, by date then reference,
    /// however the participants of the cohorts are interleaved; a participant with nothing
    /// payable, or in a cohort without a limit, takes no place.
    #[test]
    fn each_limit_numbers_its_own_cohort() {
        let text = "contract \"Limits\" {
  commissioner \"Council\"
  provider \"Provider\"
  term 2026-04-01 to 2028-03-31
  referrals until 2027-03-31
  funding limit £1,000,000
}
outcome better \"Better off\" { level service }
cohort a \"A\" { size 10 }
cohort b \"B\" { size 10 }
cohort c \"C\" { size 10 }
funnel fa \"F\" for a { milestone ma \"M\" 10  target ta \"T\" 5 within 1 month { achieves better evidence \"E\" } }
funnel fb \"F\" for b { milestone mb \"M\" 10  target tb \"T\" 5 within 1 month { achieves better evidence \"E\" } }
funnel fc \"F\" for c { milestone mc \"M\" 10  target tc \"T\" 5 within 1 month { achieves better evidence \"E\" } }
payments {
  pay £1 for ta
  pay £1 for tb
  pay £1 for tc
  pay for at most 1 b
  pay for at most 2 a
}
";
        let (_, compiled) = crate::compile_bytes("limits.outcome", text.as_bytes());
        let contract = compiled.contract.expect("the contract checks clean");
        let day = |d: u32| Date::new(2026, 5, d).expect("a date");
        // (reference, cohort, first payable result)
        let people = [
            ("p1", "b", Some(day(9))),
            ("p2", "a", Some(day(3))),
            ("p3", "c", Some(day(1))),
            ("p4", "a", Some(day(3))),
            ("p5", "b", Some(day(2))),
            ("p6", "a", None),
            ("p0", "a", Some(day(3))),
        ];
        let first: Vec<Option<Date>> = people.iter().map(|p| p.2).collect();
        let placed = places(&contract, &first, &|who| people[who].0, &|who| {
            Some(people[who].1)
        });
        let limit_b = 0;
        let limit_a = 1;
        let got: Vec<Option<(u64, usize)>> =
            placed.iter().map(|p| p.map(|p| (p.n, p.limit))).collect();
        assert_eq!(
            got,
            [
                Some((2, limit_b)),
                Some((2, limit_a)),
                None,
                Some((3, limit_a)),
                Some((1, limit_b)),
                None,
                Some((1, limit_a)),
            ]
        );
        assert!(!placed[0].expect("placed").paid(&contract));
        assert!(placed[1].expect("placed").paid(&contract));
        assert!(!placed[3].expect("placed").paid(&contract));
    }
}
