//! The dates of one participant's way through a funnel: when, having entered on a given day,
//! they can first reach each stage, must reach it by, and are planned to reach it.
//!
//! A stage cannot be reached before the stages it follows, nor before its own `at least`
//! time has passed since the stage it is measured from. The plan takes a stage to be reached
//! at its `expected` time, else at its earliest time if it has one, else at the end of its
//! `within` window, and never before the stages it follows (a stage with no time at all is
//! planned for when the stages before it are reached).

use super::add;
use crate::model::{self, TimeFrom};
use crate::value::{Date, Duration};

/// A funnel's stages by index: predecessors, times, and an order with predecessors first.
#[derive(Debug, Clone)]
pub struct Clock {
    order: Vec<usize>,
    before: Vec<Vec<usize>>,
    earliest: Vec<Option<(usize, Duration)>>,
    latest: Vec<Option<(usize, Duration)>>,
    expected: Vec<Option<(usize, Duration)>>,
}

impl Clock {
    pub fn of(funnel: &model::Funnel) -> Clock {
        let index: foldhash::HashMap<&str, usize> = funnel
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.as_str(), i))
            .collect();
        let before: Vec<Vec<usize>> = funnel
            .stages
            .iter()
            .map(|s| {
                s.after
                    .iter()
                    .filter_map(|p| index.get(p.as_str()).copied())
                    .collect()
            })
            .collect();
        let resolve = |time: &Option<TimeFrom>| {
            time.as_ref().map(|t| {
                let from = if t.from_entry {
                    0
                } else {
                    index.get(t.after.as_str()).copied().unwrap_or(0)
                };
                (from, t.duration)
            })
        };
        Clock {
            order: order(&before),
            earliest: funnel
                .stages
                .iter()
                .map(|s| resolve(&s.time.earliest))
                .collect(),
            latest: funnel
                .stages
                .iter()
                .map(|s| resolve(&s.time.latest))
                .collect(),
            expected: funnel
                .stages
                .iter()
                .map(|s| resolve(&s.time.expected))
                .collect(),
            before,
        }
    }

    pub fn len(&self) -> usize {
        self.before.len()
    }

    /// The stages by index, every stage after the stages it follows.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The stages stage `i` follows, by index.
    pub fn before(&self, i: usize) -> &[usize] {
        &self.before[i]
    }

    pub fn is_empty(&self) -> bool {
        self.before.is_empty()
    }

    /// When each stage is planned to be reached by someone entering on `entry`.
    pub fn planned(&self, entry: Date, dates: &mut Vec<Date>) {
        dates.clear();
        dates.resize(self.len(), entry);
        for &i in &self.order {
            let mut at = self.after_predecessors(i, dates, entry);
            let time = self.expected[i].or(self.earliest[i]).or(self.latest[i]);
            if let Some((from, duration)) = time {
                at = at.max(add(dates[from], duration));
            }
            dates[i] = at;
        }
    }

    /// The first day each stage can be reached by someone entering on `entry`.
    pub fn earliest(&self, entry: Date, dates: &mut Vec<Date>) {
        dates.clear();
        dates.resize(self.len(), entry);
        for &i in &self.order {
            let mut at = self.after_predecessors(i, dates, entry);
            if let Some((from, duration)) = self.earliest[i] {
                at = at.max(add(dates[from], duration));
            }
            dates[i] = at;
        }
    }

    /// The last day each stage can be reached by someone entering on `entry`, where there is
    /// one: a `within` measured from entry, or from a stage that has a last day of its own.
    pub fn latest(&self, entry: Date, dates: &mut Vec<Option<Date>>) {
        dates.clear();
        dates.resize(self.len(), None);
        for &i in &self.order {
            // The entry (stage 0) is reached on the day of entry.
            dates[i] = match self.latest[i] {
                _ if i == 0 => Some(entry),
                Some((from, duration)) => dates[from].map(|d| add(d, duration)),
                None => None,
            };
        }
    }

    /// The first day stage `i` can be claimed by a participant whose own dates for the stages
    /// before it are `reached` (`None` where not reached): its `at least` time after the
    /// stage it is measured from. `None` when the stage has no `at least` time.
    pub fn first_claim(&self, i: usize, reached: &dyn Fn(usize) -> Option<Date>) -> Option<Date> {
        let (from, duration) = self.earliest[i]?;
        reached(from).map(|d| add(d, duration))
    }

    /// The last day stage `i` can be claimed by such a participant: its `within` time after
    /// the stage it is measured from (entry when none is named).
    pub fn last_claim(&self, i: usize, reached: &dyn Fn(usize) -> Option<Date>) -> Option<Date> {
        let (from, duration) = self.latest[i]?;
        reached(from).map(|d| add(d, duration))
    }

    /// For a participant who entered on `entry`, has reached the stages `reached` gives a
    /// date for, and has reached no other by `today`: whether each stage can still be reached
    /// by `end`, no sooner than its times allow and no later than its deadline.
    pub fn still_possible(
        &self,
        reached: &dyn Fn(usize) -> Option<Date>,
        today: Date,
        end: Date,
    ) -> Vec<bool> {
        let n = self.len();
        let mut first: Vec<Option<Date>> = vec![None; n];
        let mut possible = vec![false; n];
        for &i in &self.order {
            if let Some(day) = reached(i) {
                first[i] = Some(day);
                continue;
            }
            // Not reached yet: tomorrow at the soonest, after every stage before it.
            let mut at = Some(today.next_day());
            for &p in &self.before[i] {
                at = at.zip(first[p]).map(|(a, b)| a.max(b));
            }
            if let Some((from, duration)) = self.earliest[i] {
                at = at.zip(first[from]).map(|(a, b)| a.max(add(b, duration)));
            }
            let deadline =
                self.latest[i].and_then(|(from, duration)| reached(from).map(|d| add(d, duration)));
            let in_time = |d: Date| d <= end && deadline.is_none_or(|last| d <= last);
            first[i] = at.filter(|d| in_time(*d));
            possible[i] = first[i].is_some();
        }
        possible
    }

    /// The stage the earliest time of stage `i` is measured from.
    pub fn earliest_from(&self, i: usize) -> Option<usize> {
        self.earliest[i].map(|(from, _)| from)
    }

    /// The stage the latest time of stage `i` is measured from.
    pub fn latest_from(&self, i: usize) -> Option<usize> {
        self.latest[i].map(|(from, _)| from)
    }

    fn after_predecessors(&self, i: usize, dates: &[Date], entry: Date) -> Date {
        self.before[i]
            .iter()
            .map(|&p| dates[p])
            .max()
            .unwrap_or(entry)
    }
}

/// The stages in an order where every predecessor comes first (the sequence is acyclic in a
/// checked contract); ties keep the order written.
fn order(before: &[Vec<usize>]) -> Vec<usize> {
    let n = before.len();
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut remaining: Vec<usize> = vec![0; n];
    for (i, preds) in before.iter().enumerate() {
        remaining[i] = preds.len();
        for &p in preds {
            next[p].push(i);
        }
    }
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = (0..n)
        .filter(|i| remaining[*i] == 0)
        .map(std::cmp::Reverse)
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(std::cmp::Reverse(i)) = ready.pop() {
        order.push(i);
        for &s in &next[i] {
            remaining[s] -= 1;
            if remaining[s] == 0 {
                ready.push(std::cmp::Reverse(s));
            }
        }
    }
    order
}
