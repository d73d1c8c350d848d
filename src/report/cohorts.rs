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

    // Each participant's first accepted entry into each cohort.
    let mut entries: Vec<Vec<(Date, usize)>> = vec![Vec::new(); contract.cohorts.len()];
    // One list for every participant's entries, not one made for each.
    let mut first: Vec<(usize, Date)> = Vec::new();
    for (p, (_, events)) in accepted.iter().enumerate() {
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
            entries[c].push((day, p));
        }
    }

    let mut places = Vec::new();
    // (participant, cohort) turned away → the day they entered.
    let mut turned_away: HashMap<(usize, usize), Date> = HashMap::default();
    // The day each full cohort took its last participant.
    let mut filled_on: Vec<Option<Date>> = vec![None; contract.cohorts.len()];
    for (c, cohort) in contract.cohorts.iter().enumerate() {
        if !has_funnel[c] {
            continue;
        }
        let entrants = &mut entries[c];
        let held = cohort
            .size
            .map_or(entrants.len(), |size| entrants.len().min(size as usize));
        if held < entrants.len() {
            // The first `held` by day of entry and then by index, which orders ties by
            // reference (`accepted` is ordered by participant key, the reference ignoring
            // case), put before the others: no two are equal, so which are held does not
            // depend on how, and only a cohort that turns someone away needs it done.
            entrants.select_nth_unstable(held);
            filled_on[c] = entrants[..held].iter().max().map(|&(day, _)| day);
        }
        for &(day, p) in &entrants[held..] {
            turned_away.insert((p, c), day);
        }
        places.push(CohortPlaces {
            cohort: cohort.id.clone(),
            size: cohort.size,
            entered: held as u64,
            turned_away: (entrants.len() - held) as u64,
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
