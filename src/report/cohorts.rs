//! Accepted events → the same, held to each cohort's size.
//!
//! `check` certifies a maximum exposure of cohort size × per-participant maximum for each
//! cohort (see `check::money`); the report may only pay what that figure assumes. So a cohort
//! holds at most `size` participants: the first to enter one of its funnels, by the date of
//! their (accepted) entry, then by participant reference on the same day. A participant who
//! enters once the cohort is full is turned away from it, and every accepted row of theirs
//! for a stage of that cohort's funnels is rejected as beyond the cohort size. A participant
//! who enters funnels of two cohorts takes a place in each. A cohort without a size holds
//! everyone (`check` then bounds its payments by a cap instead).
//!
//! The rule is applied after the sequence rules, so only entries that are themselves accepted
//! take a place; it depends on nothing but the entries, so a place taken in one report is
//! kept in every later report of the same returns.

use super::engine::{Accepted, Event, StageInfo};
use super::{CohortPlaces, Rejected, Rejection};
use crate::model::Contract;
use crate::value::Date;
use crate::workspace;
use foldhash::HashMap;

/// Keep the events of the participants each cohort holds; hand every other event to
/// `reject`. `accepted` is ordered by participant key (`super::participant_key`) and stays so.
pub(crate) fn hold_to_size(
    contract: &Contract,
    stages: &[StageInfo],
    accepted: Accepted,
    reject: &mut dyn FnMut(Rejected),
) -> (Accepted, Vec<CohortPlaces>) {
    // The first cohort of each name, found by name rather than searched for each funnel.
    let mut cohort_index: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for (c, cohort) in contract.cohorts.iter().enumerate() {
        cohort_index.entry(cohort.id.as_str()).or_insert(c);
    }
    let cohort_of_funnel: Vec<Option<usize>> = contract
        .funnels
        .iter()
        .map(|f| cohort_index.get(f.cohort.as_str()).copied())
        .collect();
    let cohort_of = |event: &Event| cohort_of_funnel[stages[event.stage as usize].funnel];
    let mut has_funnel = vec![false; contract.cohorts.len()];
    for c in cohort_of_funnel.iter().flatten() {
        has_funnel[*c] = true;
    }

    // Only a cohort smaller than the participants can turn anyone away: its entrants are
    // listed with the days they entered, to find who is held; the others' are counted (a
    // list of every entrant was 37 MB and a tenth of a second for ten million rows).
    let cohorts = contract.cohorts.len();
    let listed: Vec<bool> = contract
        .cohorts
        .iter()
        .map(|c| c.size.is_some_and(|size| size < accepted.len() as u64))
        .collect();
    // Each participant's first accepted entry into each cohort, found on every thread for a
    // share of the participants and put together in their order.
    let shares = workspace::parallel_map(accepted.shares(cohorts), |who| {
        let mut entries: Vec<Vec<(Date, usize)>> = vec![Vec::new(); cohorts];
        let mut counts = vec![0_usize; cohorts];
        // One list for every participant's entries, not one made for each.
        let mut first: Vec<(usize, Date)> = Vec::new();
        accepted.each_in(who, |p, _, events| {
            first.clear();
            for event in events
                .iter()
                .filter(|e| stages[e.stage as usize].index == 0)
            {
                let Some(c) = cohort_of(event) else { continue };
                match first.iter_mut().find(|(k, _)| *k == c) {
                    Some((_, day)) => *day = (*day).min(event.day),
                    None => first.push((c, event.day)),
                }
            }
            for &(c, day) in &first {
                counts[c] += 1;
                if listed[c] {
                    entries[c].push((day, p));
                }
            }
        });
        (entries, counts)
    });
    let mut entries: Vec<Vec<(Date, usize)>> = vec![Vec::new(); cohorts];
    let mut counts = vec![0_usize; cohorts];
    for (more_entries, more_counts) in shares {
        for (all, more) in entries.iter_mut().zip(more_entries) {
            if all.is_empty() {
                *all = more;
            } else {
                all.extend(more);
            }
        }
        for (all, more) in counts.iter_mut().zip(more_counts) {
            *all += more;
        }
    }

    let mut places = Vec::new();
    // (participant, cohort) turned away → the day they entered.
    let mut turned_away: HashMap<(usize, usize), Date> = HashMap::default();
    // The day each full cohort took its last participant.
    let mut filled_on: Vec<Option<Date>> = vec![None; cohorts];
    for (c, cohort) in contract.cohorts.iter().enumerate() {
        if !has_funnel[c] {
            continue;
        }
        let entered = counts[c];
        let held = cohort
            .size
            .map_or(entered, |size| entered.min(size as usize));
        if held < entered {
            // Only a listed cohort: the first `held` by day of entry and then by index,
            // which orders ties by reference (`accepted` is ordered by participant key, the
            // reference ignoring case), put before the others: no two are equal, so which
            // are held does not depend on how, and only a cohort that turns someone away
            // needs it done.
            let entrants = &mut entries[c];
            entrants.select_nth_unstable(held);
            filled_on[c] = entrants[..held].iter().max().map(|&(day, _)| day);
            for &(day, p) in &entrants[held..] {
                turned_away.insert((p, c), day);
            }
        }
        places.push(CohortPlaces {
            cohort: cohort.id.as_str().to_owned(),
            size: cohort.size,
            entered: held as u64,
            turned_away: (entered - held) as u64,
        });
    }
    if turned_away.is_empty() {
        return (accepted, places);
    }

    let mut kept_all = Accepted::with_capacity(accepted.len(), accepted.event_count(), 0);
    let mut kept = Vec::new();
    for (p, (id, events)) in accepted.iter().enumerate() {
        kept.clear();
        for &event in events {
            let away = cohort_of(&event)
                .and_then(|c| turned_away.get(&(p, c)).map(|entered| (c, *entered)));
            let Some((c, entered)) = away else {
                kept.push(event);
                continue;
            };
            let cohort = &contract.cohorts[c];
            let size = cohort.size.unwrap_or_default();
            let full =
                filled_on[c].map_or("was full".to_string(), |day| format!("was full on {day}"));
            reject(Rejected {
                row: event.row,
                reason: Rejection::BeyondCohortSize,
                detail: format!(
                    "cohort `{}` holds {size} and {full}; `{id}` \
                     entered on {entered} (places go by date of entry, then participant reference)",
                    cohort.id
                ),
                participant: Some(id.to_string()),
                stage: Some(stages[event.stage as usize].id.clone()),
            });
        }
        if !kept.is_empty() {
            kept_all.push(id, &kept);
        }
    }
    (kept_all, places)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::engine::Rules;
    use crate::report::Options;

    /// Participants enough for the pass to be shared out, forty times the cohort: those held
    /// are the first by day of entry and then by place, as one sorted list of every entrant
    /// gives them, and every row of the others is turned away.
    #[test]
    fn a_cohort_shared_out_between_threads_holds_the_first_to_enter() {
        let contract = crate::report::compiled("specs/drug-service.outcome");
        let rules = Rules::of(&contract, &Options::default()).unwrap();
        let stage = |index: usize| {
            rules
                .stages
                .iter()
                .position(|s| s.funnel == 0 && s.index == index)
                .unwrap() as u32
        };
        let (entry, next) = (stage(0), stage(1));
        let size = contract.cohorts[0].size.unwrap() as usize;
        let participants = 40 * size.max(1_000);
        let start = contract.term.start.day_number();
        let mut accepted = Accepted::default();
        let mut entered = Vec::new();
        for p in 0..participants {
            let day = Date::from_day_number(start + (p as i64 * 7_919) % 200);
            let mut events = vec![Event {
                stage: entry,
                day,
                row: 2 * p as u64,
            }];
            if p % 3 == 0 {
                events.push(Event {
                    stage: next,
                    day,
                    row: 2 * p as u64 + 1,
                });
            }
            accepted.push(&format!("p{p:06}"), &events);
            entered.push((day, p));
        }
        assert!(accepted.shares(contract.cohorts.len()).len() > 1);
        entered.sort();
        let held: std::collections::BTreeSet<usize> =
            entered[..size].iter().map(|&(_, p)| p).collect();

        let mut rejected = Vec::new();
        let (kept, places) = hold_to_size(&contract, &rules.stages, accepted, &mut |r| {
            rejected.push(r.row)
        });
        assert_eq!(
            (places[0].entered, places[0].turned_away),
            (size as u64, (participants - size) as u64)
        );
        let kept_names: Vec<String> = kept.iter().map(|(n, _)| n.to_string()).collect();
        let held_names: Vec<String> = held.iter().map(|p| format!("p{p:06}")).collect();
        assert_eq!(kept_names, held_names);
        rejected.sort_unstable();
        let turned_away: Vec<u64> = (0..participants)
            .filter(|p| !held.contains(p))
            .flat_map(|p| {
                let p = p as u64;
                if p % 3 == 0 {
                    vec![2 * p, 2 * p + 1]
                } else {
                    vec![2 * p]
                }
            })
            .collect();
        assert_eq!(rejected, turned_away);
    }
}
