//! The dates of one participant's way through a funnel: when, having entered on a given day,
//! they can first reach each stage, must reach it by, and are planned to reach it.
//!
//! A stage cannot be reached before the stages it follows, nor before its own `at least`
//! time has passed since the stage it is measured from. The plan takes a stage to be reached
//! at its `expected` time, else at its earliest time if it has one, else at the end of its
//! `within` window, and never before the stages it follows (a stage with no time at all is
//! planned for when the stages before it are reached).

use super::add;
use crate::links::Links;
use crate::model::{self, TimeFrom};
use crate::value::{Date, Duration, TimeUnit};
use std::borrow::Cow;

/// A funnel's stages by index: predecessors, times, and an order with predecessors first.
#[derive(Debug, Clone, PartialEq)]
pub struct Clock {
    order: Vec<usize>,
    before: Links,
    earliest: Vec<Option<(usize, Duration)>>,
    latest: Vec<Option<(usize, Duration)>>,
    expected: Vec<Option<(usize, Duration)>>,
}

impl Clock {
    pub fn of(funnel: &model::Funnel) -> Clock {
        let before = Links::new(
            funnel
                .stages
                .iter()
                .map(|s| s.after.iter().filter_map(|p| funnel.position(p))),
        );
        let resolve = |time: &Option<TimeFrom>| {
            time.as_ref().map(|t| {
                let from = if t.from_entry {
                    0
                } else {
                    funnel.position(&t.after).unwrap_or(0)
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

    /// The clock of a funnel whose links and times are already known by position: each
    /// stage's predecessors, and its earliest, latest and expected time as the stage it is
    /// measured from (0, the entry, when from entry) and how long. `of` finds the same by
    /// the stages' names.
    pub fn from_positions(
        before: Links,
        earliest: Vec<Option<(usize, Duration)>>,
        latest: Vec<Option<(usize, Duration)>>,
        expected: Vec<Option<(usize, Duration)>>,
    ) -> Clock {
        Clock {
            order: order(&before),
            before,
            earliest,
            latest,
            expected,
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

    /// Every stage's predecessors.
    pub fn links(&self) -> &Links {
        &self.before
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

    /// When each stage is planned to be reached, for every entry day of `entries` (day
    /// numbers, in order) at once: the dates `planned` gives, one entry day at a time, as days
    /// after the entry in runs of entries. A stage with no time of its own shares the runs of
    /// the stages it follows, and a time in days or weeks moves them all by as many days, so
    /// a stage costs in proportion to its runs, not to the entry days; only a time in months
    /// or years is dated entry by entry, once for each dates it is measured from and each
    /// time, in `dated`, which every funnel planned for the same `entries` shares.
    pub fn planned_offsets(&self, entries: &[i64], dated: &mut CalendarDates) -> Vec<Offsets> {
        let n = self.len();
        let mut out = vec![Offsets::ZERO; n];
        for &i in &self.order {
            let mut at = match &self.before[i] {
                [] => Offsets::ZERO,
                [first, rest @ ..] => rest
                    .iter()
                    .fold(out[*first].clone(), |at, p| at.max(&out[*p])),
            };
            let time = self.expected[i].or(self.earliest[i]).or(self.latest[i]);
            if let Some((from, duration)) = time {
                // A time measured from the stage itself or from one after it (refused in a
                // checked contract) is measured from its dates so far, as `planned` does.
                let moved = match fixed_days(duration) {
                    Some(days) => out[from].shift(days),
                    None => dated.add_calendar(&out[from], entries, duration),
                };
                at = at.max(&moved);
            }
            out[i] = at;
        }
        out
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
fn order(before: &Links) -> Vec<usize> {
    let n = before.len();
    let next = before.reversed();
    let mut remaining: Vec<usize> = (0..n).map(|i| before[i].len()).collect();
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

/// The days a duration always lasts: days and weeks; `None` for months and years, whose days
/// depend on the calendar.
fn fixed_days(duration: Duration) -> Option<i64> {
    match duration.unit {
        TimeUnit::Day => Some(i64::from(duration.count)),
        TimeUnit::Week => Some(7 * i64::from(duration.count)),
        TimeUnit::Month | TimeUnit::Year => None,
    }
}

/// Times in months or years already dated for one list of entry days (`planned_offsets`), by
/// the dates they are measured from and the time: a contract of many funnels timed alike
/// (each target a month after entry) dates each entry day once, not once a funnel.
#[derive(Default)]
pub struct CalendarDates {
    dated: foldhash::HashMap<Duration, foldhash::HashMap<Offsets, Offsets>>,
}

impl CalendarDates {
    /// `from`, each date moved on by `duration` by the calendar, for the entry days `entries`
    /// (the same list every time it is asked).
    fn add_calendar(&mut self, from: &Offsets, entries: &[i64], duration: Duration) -> Offsets {
        let by_from = self.dated.entry(duration).or_default();
        if let Some(dated) = by_from.get(from) {
            return dated.clone();
        }
        let dated = from.add_calendar(entries, duration);
        by_from.insert(from.clone(), dated.clone());
        dated
    }
}

/// One stage's planned date for each of a list of entry days, as the days after the entry:
/// runs of entries `(first entry, days after entry)`, each lasting until the next run starts
/// (the last until the end of the list). Adjacent runs differ, so a stage planned a fixed
/// number of days after entry is one run, whatever the number of entry days.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Offsets {
    runs: Cow<'static, [(usize, i64)]>,
}

impl Offsets {
    /// Every entry planned on its day of entry.
    pub const ZERO: Offsets = Offsets {
        runs: Cow::Borrowed(&[(0, 0)]),
    };

    /// The runs: the entries `range` are each planned `days` after their day of entry, for
    /// `entries` entry days in all.
    pub fn runs(&self, entries: usize) -> impl Iterator<Item = (std::ops::Range<usize>, i64)> + '_ {
        self.runs
            .iter()
            .enumerate()
            .map(move |(r, &(start, days))| {
                let end = self.runs.get(r + 1).map_or(entries, |next| next.0);
                (start..end, days)
            })
    }

    /// Every date `days` later.
    fn shift(&self, days: i64) -> Offsets {
        if days == 0 {
            return self.clone();
        }
        Offsets {
            runs: self.runs.iter().map(|&(k, d)| (k, d + days)).collect(),
        }
    }

    /// Every date `duration` (months or years) later by the calendar: entry by entry, since
    /// the days a month adds depend on the date.
    fn add_calendar(&self, entries: &[i64], duration: Duration) -> Offsets {
        let mut runs = Vec::new();
        for (range, days) in self.runs(entries.len()) {
            for k in range {
                let date = Date::from_day_number(entries[k] + days);
                push_run(&mut runs, k, add(date, duration).day_number() - entries[k]);
            }
        }
        if runs.is_empty() {
            runs.push((0, 0));
        }
        Offsets { runs: runs.into() }
    }

    /// The later of two dates, entry by entry.
    fn max(&self, other: &Offsets) -> Offsets {
        if self == other {
            return self.clone();
        }
        let (a, b) = (&self.runs, &other.runs);
        let mut runs = Vec::with_capacity(a.len().max(b.len()));
        let (mut i, mut j) = (0, 0);
        let mut at = 0;
        loop {
            push_run(&mut runs, at, a[i].1.max(b[j].1));
            match (a.get(i + 1).map(|r| r.0), b.get(j + 1).map(|r| r.0)) {
                (None, None) => break,
                (Some(x), None) => {
                    at = x;
                    i += 1;
                }
                (None, Some(y)) => {
                    at = y;
                    j += 1;
                }
                (Some(x), Some(y)) => {
                    at = x.min(y);
                    i += usize::from(x == at);
                    j += usize::from(y == at);
                }
            }
        }
        Offsets { runs: runs.into() }
    }
}

/// Append the run starting at entry `k`, or let the last run go on when it has the same days.
fn push_run(runs: &mut Vec<(usize, i64)>, k: usize, days: i64) {
    if runs.last().is_none_or(|&(_, last)| last != days) {
        runs.push((k, days));
    }
}
