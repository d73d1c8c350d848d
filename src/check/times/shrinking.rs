//! E0403: along the sequence, a time measured from the same stage as one before it is not
//! shorter: a later step's deadline is not before an earlier step's, and a later step cannot
//! be reached sooner than an earlier one.
//!
//! Takes a funnel's resolved times of one kind (`within`, or `at least`) with its sequence,
//! and hands on one diagnostic per stage whose time is certainly shorter than the time of one
//! of its nearest timed stages before it (those reached going back along the sequence before
//! any other timed stage) measured from the same stage. The diagnostic names the first such
//! stage, in the order the sequence lists them: going back through each stage's predecessors
//! in the order they are written, nearer first.
//!
//! A stage's nearest timed stages can be every second stage back to the entry (a ladder of
//! joins timed every second stage), so they are not listed in full. The first match in a list
//! made of several lists one after the other is the first match of the first list that has
//! one, duplicates or not; so each untimed stage keeps only what can still be that first
//! match for some stage after it: not a stage whose time no later stage measured from the
//! same stage is certainly shorter than, not one after another of the same kind and unit that
//! is at least as long, and nothing from the same stage after one that every later time from
//! that stage is shorter than. A stage with one predecessor whose list is kept shares it.
//!
//! That makes a contract whose times could not be wrong (every later time from a stage at
//! least as long as the earlier ones) cost time in proportion to its stages, and so most
//! contracts with a few of these errors. It cannot make every contract linear: whether one
//! timed stage is among another's nearest is whether the first reaches the second without
//! passing a timed stage, and deciding that for many pairs of stages of a sequence is not
//! known to be possible in linear time.

use super::{Resolved, Which};
use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::links::Links;
use crate::value::{Duration, TimeUnit};
use std::rc::Rc;

/// Report each stage whose time is certainly shorter than a nearest one before it.
pub(super) fn shrinking(
    funnel: &ast::Funnel,
    before: &Links,
    order: &[usize],
    times: &[Option<Resolved>],
    which: Which,
    out: &mut Vec<Diagnostic>,
) {
    for (i, a) in first_shorter(before, order, times) {
        let (Some(mine), Some(theirs)) = (&times[i], &times[a]) else {
            continue;
        };
        let stage = &funnel.stages[i].name.value;
        let ancestor = &funnel.stages[a].name.value;
        let (clause, reached, takes, rule, keyword, earlier) = match which {
            Which::Latest => (
                Which::Latest,
                "is due",
                "may take",
                "a later step's deadline is not before an earlier step's",
                "within",
                "the earlier window",
            ),
            _ => (
                Which::Earliest,
                "can be reached",
                "takes",
                "a later step takes at least as long as the step before it",
                "at least",
                "the earlier time",
            ),
        };
        let message = format!(
            "`{stage}` {reached} `{}`, but it follows `{ancestor}`, which {takes} `{}`",
            clause.clause(&mine.time),
            clause.clause(&theirs.time)
        );
        let help = format!(
            "{rule}: write `{keyword} {}` or more, or shorten {earlier}",
            theirs.time.duration
        );
        out.push(
            Diagnostic::new(
                Code::E0403,
                message,
                mine.span,
                "shorter than a time before it",
            )
            .also(
                theirs.span,
                format!("`{ancestor}` takes {}", theirs.time.duration),
            )
            .help(help),
        );
    }
}

/// For each timed stage, in `order`, that has one: the first of its nearest timed stages
/// before it, measured from the same stage, that its own time is certainly shorter than.
fn first_shorter(
    before: &Links,
    order: &[usize],
    times: &[Option<Resolved>],
) -> Vec<(usize, usize)> {
    let n = times.len();
    let mut position = vec![0; n];
    for (k, &s) in order.iter().enumerate() {
        position[s] = k;
    }
    let later = Later::new(order, times);
    // A timed stage is handed on only if a later stage could find its own time shorter.
    let wanted: Vec<bool> = (0..n)
        .map(|a| {
            times[a]
                .as_ref()
                .is_some_and(|t| later.could_be_longer(t, position[a]))
        })
        .collect();
    let mut nearest: Vec<Rc<[usize]>> = vec![Rc::from([]); n];
    let mut kept = Kept::new(n);
    let mut found = Vec::new();
    for &i in order {
        let handed = |p| handed_on(p, times, &wanted, &nearest);
        if let Some(mine) = &times[i] {
            let shorter = before[i].iter().find_map(|p| {
                handed(p).iter().copied().find(|&a| {
                    times[a]
                        .as_ref()
                        .is_some_and(|theirs| is_shorter(mine, theirs))
                })
            });
            found.extend(shorter.map(|a| (i, a)));
            continue;
        }
        let mut lists = before[i].iter().filter(|p| !handed(p).is_empty());
        let (first, second) = (lists.next(), lists.next());
        nearest[i] = match (first, second) {
            (None, _) => Rc::clone(&nearest[i]),
            (Some(&p), None) if times[p].is_none() => Rc::clone(&nearest[p]),
            _ => {
                let all = before[i].iter().flat_map(handed).copied();
                kept.of(all, position[i], times, &later)
            }
        };
    }
    found
}

/// What predecessor `p` hands on to the stages after it: itself when timed (if a later stage
/// could find its own time shorter), its list when not.
fn handed_on<'a>(
    p: &'a usize,
    times: &[Option<Resolved>],
    wanted: &[bool],
    nearest: &'a [Rc<[usize]>],
) -> &'a [usize] {
    match times[*p] {
        Some(_) if wanted[*p] => std::slice::from_ref(p),
        Some(_) => &[],
        None => &nearest[*p],
    }
}

/// Whether `mine` is measured from the same stage as `theirs` and certainly shorter.
fn is_shorter(mine: &Resolved, theirs: &Resolved) -> bool {
    theirs.from == mine.from
        && mine
            .time
            .duration
            .certainly_shorter_than(&theirs.time.duration)
}

/// A place for each unit of time.
fn unit_slot(unit: TimeUnit) -> usize {
    match unit {
        TimeUnit::Day => 0,
        TimeUnit::Week => 1,
        TimeUnit::Month => 2,
        TimeUnit::Year => 3,
    }
}

const UNITS: [TimeUnit; 4] = [
    TimeUnit::Day,
    TimeUnit::Week,
    TimeUnit::Month,
    TimeUnit::Year,
];

/// The shortest and longest count of each unit among some times, when any is in that unit.
type Extremes = [Option<(u32, u32)>; 4];

/// The times still to come after each place in the order, by the stage they are measured
/// from: what a stage's time can still be compared with.
struct Later {
    by_from: foldhash::HashMap<usize, Group>,
}

/// The timed stages measured from one stage.
struct Group {
    /// Their places in the order, ascending.
    positions: Vec<usize>,
    /// The extremes of their times from each of them to the last, and none after the last.
    from_here: Vec<Extremes>,
}

impl Later {
    fn new(order: &[usize], times: &[Option<Resolved>]) -> Later {
        let mut by_from: foldhash::HashMap<usize, (Vec<usize>, Vec<Duration>)> = Default::default();
        for (k, &s) in order.iter().enumerate() {
            if let Some(t) = &times[s] {
                let (positions, durations) = by_from.entry(t.from).or_default();
                positions.push(k);
                durations.push(t.time.duration);
            }
        }
        let by_from = by_from
            .into_iter()
            .map(|(from, (positions, durations))| {
                let mut from_here = vec![[None; 4]; durations.len() + 1];
                for (k, d) in durations.iter().enumerate().rev() {
                    let mut extremes: Extremes = from_here[k + 1];
                    let slot = &mut extremes[unit_slot(d.unit)];
                    *slot = Some(slot.map_or((d.count, d.count), |(least, most)| {
                        (least.min(d.count), most.max(d.count))
                    }));
                    from_here[k] = extremes;
                }
                (
                    from,
                    Group {
                        positions,
                        from_here,
                    },
                )
            })
            .collect();
        Later { by_from }
    }

    /// The extremes of the times measured from `from` after place `at` in the order.
    fn after(&self, from: usize, at: usize) -> &Extremes {
        const NONE: Extremes = [None; 4];
        self.by_from.get(&from).map_or(&NONE, |group| {
            &group.from_here[group.positions.partition_point(|&k| k <= at)]
        })
    }

    /// Whether some time after place `at`, from the same stage as `t`, is certainly shorter.
    fn could_be_longer(&self, t: &Resolved, at: usize) -> bool {
        // Certainly shorter is monotone in the count of each unit: the shortest decides.
        UNITS.iter().zip(self.after(t.from, at)).any(|(&unit, e)| {
            e.is_some_and(|(least, _)| {
                Duration { count: least, unit }.certainly_shorter_than(&t.time.duration)
            })
        })
    }

    /// Whether every time after place `at`, from the same stage as `t`, is certainly shorter.
    fn always_longer(&self, t: &Resolved, at: usize) -> bool {
        UNITS.iter().zip(self.after(t.from, at)).all(|(&unit, e)| {
            e.is_none_or(|(_, most)| {
                Duration { count: most, unit }.certainly_shorter_than(&t.time.duration)
            })
        })
    }
}

/// Builds an untimed stage's list from its predecessors', keeping what can still be found.
struct Kept {
    /// The stage whose list last took each stage: duplicates are dropped.
    taken_by: Vec<usize>,
    /// Of the stages kept so far, by the stage they are measured from: the longest count
    /// of each unit, and whether one is longer than every time still to come.
    from: foldhash::HashMap<usize, ([Option<u32>; 4], bool)>,
}

impl Kept {
    fn new(n: usize) -> Kept {
        Kept {
            taken_by: vec![usize::MAX; n],
            from: Default::default(),
        }
    }

    /// The list of the stage at place `at` in the order, from its predecessors' lists in turn.
    fn of(
        &mut self,
        all: impl Iterator<Item = usize>,
        at: usize,
        times: &[Option<Resolved>],
        later: &Later,
    ) -> Rc<[usize]> {
        self.from.clear();
        let mut list = Vec::new();
        for a in all {
            let Some(t) = &times[a] else {
                continue;
            };
            if std::mem::replace(&mut self.taken_by[a], at) == at {
                continue;
            }
            let (longest, covered) = self.from.entry(t.from).or_default();
            let slot = unit_slot(t.time.duration.unit);
            let count = t.time.duration.count;
            // Whatever is shorter than this is shorter than the one before it.
            if *covered || longest[slot].is_some_and(|l| l >= count) {
                continue;
            }
            if !later.could_be_longer(t, at) {
                continue;
            }
            longest[slot] = Some(count);
            *covered = later.always_longer(t, at);
            list.push(a);
        }
        Rc::from(list)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimeFrom;
    use crate::source::Span;
    use proptest::prelude::*;

    /// The check as first written, listing every nearest timed stage: the reference.
    fn listing_every_one(
        before: &Links,
        order: &[usize],
        times: &[Option<Resolved>],
    ) -> Vec<(usize, usize)> {
        let mut nearest: Vec<Vec<usize>> = vec![Vec::new(); times.len()];
        let mut found = Vec::new();
        for &i in order {
            let mut inherited: Vec<usize> = Vec::new();
            for &p in &before[i] {
                match times[p] {
                    Some(_) => inherited.push(p),
                    None => inherited.extend(nearest[p].iter().copied()),
                }
            }
            let mut seen = std::collections::BTreeSet::new();
            inherited.retain(|a| seen.insert(*a));
            if let Some(mine) = &times[i] {
                let shorter = inherited
                    .iter()
                    .copied()
                    .find(|&a| times[a].as_ref().is_some_and(|t| is_shorter(mine, t)));
                found.extend(shorter.map(|a| (i, a)));
            }
            nearest[i] = inherited;
        }
        found
    }

    fn time(from: usize, count: u32, unit: usize) -> Resolved {
        Resolved {
            time: TimeFrom {
                duration: Duration {
                    count,
                    unit: UNITS[unit],
                },
                after: Default::default(),
                from_entry: from == 0,
            },
            from,
            span: Span::new(0, 0),
        }
    }

    /// A sequence of `n` stages: each after some of those before it (their places in the
    /// order drawn from `links`), stored under the names `rename` gives them, with `timed`
    /// times.
    type Sequence = (Links, Vec<usize>, Vec<Option<Resolved>>);

    fn sequence(
        links: &[Vec<prop::sample::Index>],
        timed: &[Option<(usize, u32, usize)>],
        rename: &[u16],
    ) -> Sequence {
        let n = links.len();
        // The stage at place k of the order is `order[k]`.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&k| rename[k % rename.len()]);
        let mut before = vec![Vec::new(); n];
        let mut times = vec![None; n];
        for k in 0..n {
            let s = order[k];
            if k > 0 {
                for link in &links[k] {
                    // Mostly the nearest places, as a ladder of joins.
                    let back = 1 + link.index(k.min(4));
                    before[s].push(order[k - back]);
                }
            }
            times[s] = timed[k % timed.len()]
                .map(|(from, count, unit)| time(order[from.min(k)], count, unit));
        }
        (Links::from(before), order, times)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        /// The same stages named, with the same stages before them, as listing every one.
        #[test]
        fn finds_what_listing_every_nearest_stage_finds(
            links in prop::collection::vec(prop::collection::vec(any::<prop::sample::Index>(), 1..4), 1..40),
            timed in prop::collection::vec(
                prop::option::weighted(0.6, (0..3usize, 0..12u32, 0..4usize)), 1..40),
            rename in prop::collection::vec(any::<u16>(), 1..40),
        ) {
            let (before, order, times) = sequence(&links, &timed, &rename);
            prop_assert_eq!(
                first_shorter(&before, &order, &times),
                listing_every_one(&before, &order, &times)
            );
        }
    }

    /// The ladder of joins timed every second stage, each shorter than the stage two before:
    /// every timed stage is wrong, and names the nearer timed stage.
    #[test]
    fn a_ladder_of_joins_names_the_nearer_stage() {
        let n = 2_001;
        let order: Vec<usize> = (0..n).collect();
        let before: Links = (0..n)
            .map(|i| match i {
                0 => vec![],
                1 => vec![0],
                _ => vec![i - 2, i - 1],
            })
            .collect::<Vec<_>>()
            .into();
        let mut times: Vec<Option<Resolved>> = (0..n)
            .map(|i| (i % 2 == 1).then(|| time(0, (n - i) as u32, 0)))
            .collect();
        // The last stage is longer than all of them: none is shorter before it.
        times[n - 1] = Some(time(0, n as u32, 0));
        let found = first_shorter(&before, &order, &times);
        assert_eq!(found, listing_every_one(&before, &order, &times));
        assert_eq!(found.len(), n / 2 - 1);
        assert!(found.iter().all(|&(i, a)| a == i - 2));
    }
}
