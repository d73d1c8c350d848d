//! Time between stages: what each stage's `within`, `at least … after` and `expected … after`
//! clauses are measured from, and whether they can all hold.
//!
//! Takes a funnel whose sequence is known to be acyclic (each stage's predecessors and an
//! order in which every predecessor comes first) and hands on each stage's times with the
//! stage they are measured from resolved. Checks: a time is measured from entry or from a
//! stage before it in its sequence (E0411); a stage's times do not contradict each other or
//! the times of the stages before it (E0409); along the sequence, times measured from the same
//! stage never shrink (E0403). Checks that need the term's dates (E0410, E0507) are made with
//! the payments, in `check::money`.

mod shrinking;

use super::names::{once, Kind, Symbols};
use crate::ast::{self, StageTime};
use crate::diagnostic::{Code, Diagnostic};
use crate::links::Links;
use crate::model::{StageTimes, TimeFrom};
use crate::source::{Span, Str};
use crate::value::Duration;
use shrinking::shrinking;

/// Which of a stage's times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Earliest,
    Latest,
    Expected,
}

impl Which {
    fn clause(self, time: &TimeFrom) -> String {
        let from = &time.after;
        match (self, time.from_entry) {
            (Which::Latest, true) => format!("within {}", time.duration),
            (Which::Latest, false) => format!("within {} of {from}", time.duration),
            (Which::Earliest, _) => format!("at least {} after {from}", time.duration),
            (Which::Expected, _) => format!("expected {} after {from}", time.duration),
        }
    }
}

/// One resolved time with where it is written.
#[derive(Debug, Clone)]
struct Resolved {
    time: TimeFrom,
    /// The stage it is measured from, by index; the entry (0) when from entry.
    from: usize,
    span: Span,
}

/// Shortest and longest a duration can be, in days (`Duration::day_range`).
fn day_range(duration: Duration) -> (i64, i64) {
    let (fewest, most) = duration.day_range();
    (fewest as i64, most as i64)
}

/// "N days" or "1 day".
fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// Whether `ancestor` comes before `stage` in the sequence.
struct Ancestry<'a> {
    before: &'a Links,
    order: &'a [usize],
    /// The position of each stage in an order where predecessors come first.
    position: Vec<usize>,
    /// Each stage's first predecessor (a spanning tree of the sequence) and the tree's
    /// depth-first intervals: most sequences are trees, where the answer is then immediate.
    enter: Vec<usize>,
    leave: Vec<usize>,
    /// The pairs asked about beforehand (`sweep`) whose ancestor comes before the stage
    /// through a join.
    through_joins: foldhash::HashSet<(usize, usize)>,
}

impl<'a> Ancestry<'a> {
    fn new(before: &'a Links, order: &'a [usize]) -> Ancestry<'a> {
        let n = before.len();
        let mut position = vec![0; n];
        for (i, &s) in order.iter().enumerate() {
            position[s] = i;
        }
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for (s, preds) in before.iter().enumerate() {
            match preds.first() {
                Some(&p) => children[p].push(s),
                None => roots.push(s),
            }
        }
        let (mut enter, mut leave) = (vec![0; n], vec![0; n]);
        let mut clock = 0;
        for root in roots {
            let mut stack = vec![(root, 0usize)];
            enter[root] = clock;
            clock += 1;
            while let Some((node, next)) = stack.last().copied() {
                if let Some(&child) = children[node].get(next) {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    enter[child] = clock;
                    clock += 1;
                    stack.push((child, 0));
                } else {
                    leave[node] = clock;
                    clock += 1;
                    stack.pop();
                }
            }
        }
        Ancestry {
            before,
            order,
            position,
            enter,
            leave,
            through_joins: Default::default(),
        }
    }

    /// The answer without looking through joins, when there is one: not before when not
    /// earlier in the order, before when an ancestor in the tree or a predecessor.
    fn at_once(&self, ancestor: usize, stage: usize) -> Option<bool> {
        if ancestor == stage || self.position[ancestor] >= self.position[stage] {
            return Some(false);
        }
        let in_tree =
            self.enter[ancestor] < self.enter[stage] && self.leave[stage] < self.leave[ancestor];
        (in_tree || self.before[stage].contains(&ancestor)).then_some(true)
    }

    /// Answer every pair (ancestor, stage) that `is_before` will be asked about and
    /// `at_once` cannot: for each ancestor, one sweep along the order from it to the last of
    /// its stages, marking what follows it. A search back from each stage instead took time
    /// for every stage measured from the same one (a ladder of joins timed from its second
    /// stage: 20,000 stages, 10.8 s).
    fn sweep(&mut self, pairs: impl Iterator<Item = (usize, usize)>) {
        let mut by_ancestor: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for (ancestor, stage) in pairs {
            if self.at_once(ancestor, stage).is_none() {
                by_ancestor.entry(ancestor).or_default().push(stage);
            }
        }
        let mut reached_from = vec![usize::MAX; self.before.len()];
        for (ancestor, stages) in by_ancestor {
            let last = stages.iter().map(|&s| self.position[s]).max().unwrap_or(0);
            for &s in self
                .order
                .get(self.position[ancestor] + 1..=last)
                .unwrap_or(&[])
            {
                if self.before[s]
                    .iter()
                    .any(|&p| p == ancestor || reached_from[p] == ancestor)
                {
                    reached_from[s] = ancestor;
                }
            }
            self.through_joins.extend(
                stages
                    .into_iter()
                    .filter(|&s| reached_from[s] == ancestor)
                    .map(|s| (ancestor, s)),
            );
        }
    }

    /// Whether `ancestor` is strictly before `stage`: through a join, only for the pairs
    /// swept.
    fn is_before(&self, ancestor: usize, stage: usize) -> bool {
        self.at_once(ancestor, stage)
            .unwrap_or_else(|| self.through_joins.contains(&(ancestor, stage)))
    }
}

/// Resolve and check every stage's times. `before` holds each stage's predecessors, `order`
/// the stages with predecessors first and `timed` the stages with a time, in order (the others
/// are not read again). Returns the times for the model.
pub fn check(
    funnel: &ast::Funnel,
    index: usize,
    before: &Links,
    order: &[usize],
    timed: &[usize],
    symbols: &Symbols,
    out: &mut Vec<Diagnostic>,
) -> Times {
    let n = funnel.stages.len();
    fn froms(stage: &ast::Stage) -> impl Iterator<Item = &ast::Ident> {
        [&stage.within, &stage.earliest, &stage.expected_time]
            .into_iter()
            .filter_map(|times| times.first()?.from.as_ref())
    }
    // The first stage of each name and whether one stage comes before another, only for a
    // funnel with a time measured from a stage: most funnels measure every time from entry,
    // and a table of their names, read once per stage, is what outgrew the caches.
    let mut position_of: foldhash::HashMap<&str, usize> = Default::default();
    let mut pairs = Vec::new();
    if timed
        .iter()
        .any(|&i| froms(&funnel.stages[i]).next().is_some())
    {
        position_of.reserve(n);
        for (i, stage) in funnel.stages.iter().enumerate() {
            position_of.entry(stage.name.value.as_str()).or_insert(i);
        }
        for &i in timed {
            pairs.extend(
                froms(&funnel.stages[i])
                    .filter_map(|from| position_of.get(from.value.as_str()))
                    .map(|&p| (p, i)),
            );
        }
    }
    let ancestry = (!pairs.is_empty()).then(|| {
        let mut ancestry = Ancestry::new(before, order);
        ancestry.sweep(pairs.drain(..));
        ancestry
    });
    let entry_name = funnel
        .stages
        .first()
        .map_or(Str::default(), |s| s.name.value.clone());

    let resolve = |i: usize,
                   time: &StageTime,
                   which: Which,
                   out: &mut Vec<Diagnostic>|
     -> Option<Resolved> {
        let stage = &funnel.stages[i];
        let Some(from) = &time.from else {
            return Some(Resolved {
                time: TimeFrom {
                    duration: time.duration.value,
                    after: entry_name.clone(),
                    from_entry: true,
                },
                from: 0,
                span: time.span,
            });
        };
        let Some(&p) = position_of.get(from.value.as_str()) else {
            match symbols.get(&from.value) {
                Some(symbol) if symbol.funnel.is_some() && symbol.funnel != Some(index) => out
                    .push(
                        Diagnostic::new(
                            Code::E0202,
                            format!(
                                "there is no stage named `{}` in funnel `{}`",
                                from.value, funnel.name.value
                            ),
                            from.span,
                            "in another funnel",
                        )
                        .also(symbol.span, "defined in another funnel here")
                        .help("a time is measured from entry or from a stage of its own funnel"),
                    ),
                _ => {
                    symbols.resolve(from, &[Kind::Milestone], out);
                }
            }
            return None;
        };
        // A stage found by name is one of the pairs swept.
        if !ancestry.as_ref().is_some_and(|a| a.is_before(p, i)) {
            let why = if p == i {
                "itself".to_string()
            } else {
                format!("`{}`, which does not come before it", from.value)
            };
            let label = match which {
                Which::Latest => "measured from here",
                _ => "counted from here",
            };
            out.push(
                Diagnostic::new(
                    Code::E0411,
                    format!("the time of `{}` is measured from {why}", stage.name.value),
                    from.span,
                    label,
                )
                .also(funnel.stages[p].name.span, format!("`{}` is defined here", from.value))
                .help(format!(
                    "measure it from a stage that every participant reaches before `{}` (one it follows, directly or through others), or from entry",
                    stage.name.value
                )),
            );
            return None;
        }
        Some(Resolved {
            time: TimeFrom {
                duration: time.duration.value,
                after: from.value.clone(),
                from_entry: false,
            },
            from: p,
            span: time.span,
        })
    };

    // Each kind's times by stage, made only for a kind some stage has.
    let (mut earliest, mut latest, mut expected): (Vec<Option<Resolved>>, _, _) =
        (Vec::new(), Vec::new(), Vec::new());
    let room = |times: &mut Vec<Option<Resolved>>| {
        if times.is_empty() {
            times.resize(n, None);
        }
    };
    let mut resolved_all = true;
    // How many stages have a time of each kind: a funnel without times has nothing to
    // contradict, and a time can only be shorter than another of its kind.
    let (mut latest_count, mut earliest_count, mut expected_count) = (0, 0, 0);
    for &i in timed {
        let stage = &funnel.stages[i];
        let span = |t: &StageTime| t.span;
        if let Some(t) = once(&stage.within, span, "`within`", out) {
            room(&mut latest);
            latest[i] = resolve(i, t, Which::Latest, out);
            resolved_all &= latest[i].is_some();
            latest_count += 1;
        }
        if let Some(t) = once(&stage.earliest, span, "`at least`", out) {
            room(&mut earliest);
            earliest[i] = resolve(i, t, Which::Earliest, out);
            resolved_all &= earliest[i].is_some();
            earliest_count += 1;
        }
        if let Some(t) = once(&stage.expected_time, span, "`expected`", out) {
            room(&mut expected);
            expected[i] = resolve(i, t, Which::Expected, out);
            resolved_all &= expected[i].is_some();
            expected_count += 1;
        }
    }

    if resolved_all {
        if latest_count + earliest_count + expected_count > 0 {
            contradictions(funnel, before, order, &earliest, &latest, &expected, out);
        }
        if latest_count > 1 {
            shrinking(funnel, before, order, &latest, Which::Latest, out);
        }
        if earliest_count > 1 {
            shrinking(funnel, before, order, &earliest, Which::Earliest, out);
        }
    }

    let mut times = Times {
        stages: Vec::with_capacity(n),
        earliest: Vec::with_capacity(n),
        latest: Vec::with_capacity(n),
        expected: Vec::with_capacity(n),
    };
    let by_position = |r: &Option<Resolved>| r.as_ref().map(|r| (r.from, r.time.duration));
    // A kind no stage has is no times at all.
    let each = |times: Vec<Option<Resolved>>| {
        let mut times = times.into_iter();
        move || times.next().flatten()
    };
    let (mut earliest, mut latest, mut expected) = (each(earliest), each(latest), each(expected));
    for _ in 0..n {
        let (e, l, x) = (earliest(), latest(), expected());
        times.earliest.push(by_position(&e));
        times.latest.push(by_position(&l));
        times.expected.push(by_position(&x));
        times.stages.push(
            StageTimes {
                earliest: e.map(|r| r.time),
                latest: l.map(|r| r.time),
                expected: x.map(|r| r.time),
            }
            .into(),
        );
    }
    times
}

/// A funnel's times, for the model (a stage without times holds no room for them) and by
/// position: each stage's earliest, latest and expected time as the stage it is measured from
/// (the entry, 0, when from entry) and how long, which is what the funnel's clock
/// (`schedule::clock`) reads.
pub struct Times {
    pub stages: Vec<crate::model::Times>,
    pub earliest: Vec<Option<(usize, Duration)>>,
    pub latest: Vec<Option<(usize, Duration)>>,
    pub expected: Vec<Option<(usize, Duration)>>,
}

/// E0409: no stage is due before it can be reached, and its expected time lies between.
///
/// In days from entry to the funnel, each stage has a least time before it can be reached
/// (the longest of its own `at least` and those of the stages before it) and, when its
/// `within` is measured from a stage with a deadline of its own (or from entry), a most. A
/// month counts as 28 to 31 days and 12 months as 365 or 366 (`Duration::day_range`), so only
/// contradictions that hold whatever the calendar are reported. Each kind's times are by stage, or none at all when no stage has that kind.
fn contradictions(
    funnel: &ast::Funnel,
    before: &Links,
    order: &[usize],
    earliest: &[Option<Resolved>],
    latest: &[Option<Resolved>],
    expected: &[Option<Resolved>],
    out: &mut Vec<Diagnostic>,
) {
    let n = funnel.stages.len();
    // A kind of time no stage has is an empty list.
    let earliest = |i: usize| earliest.get(i).and_then(Option::as_ref);
    let latest = |i: usize| latest.get(i).and_then(Option::as_ref);
    let expected = |i: usize| expected.get(i).and_then(Option::as_ref);
    // The least days from entry, and the stage whose `at least` sets it.
    let mut least: Vec<(i64, Option<usize>)> = vec![(0, None); n];
    // The most days from entry by which the stage is reached, when bounded.
    let mut most: Vec<Option<i64>> = vec![None; n];
    for &i in order {
        let mut bound = (0, None);
        for &p in &before[i] {
            if least[p].0 > bound.0 {
                bound = least[p];
            }
        }
        if let Some(e) = earliest(i) {
            let own = least[e.from].0.saturating_add(day_range(e.time.duration).0);
            if own > bound.0 || bound.1.is_none() {
                bound = (own.max(bound.0), Some(i));
            }
        }
        least[i] = bound;
        most[i] = if i == 0 && latest(i).is_none() {
            Some(0)
        } else {
            latest(i).and_then(|l| {
                let from = if l.time.from_entry {
                    Some(0)
                } else {
                    most[l.from]
                };
                from.map(|f| f.saturating_add(day_range(l.time.duration).1))
            })
        };
    }
    for i in 0..n {
        let name = &funnel.stages[i].name.value;
        // Both measured from the same stage: a deadline shorter than the wait can never be
        // met, whenever that stage is reached (which need have no deadline of its own).
        if let (Some(l), Some(e)) = (latest(i), earliest(i)) {
            if !l.time.from_entry
                && !e.time.from_entry
                && l.from == e.from
                && l.time.duration.certainly_shorter_than(&e.time.duration)
            {
                out.push(
                    Diagnostic::new(
                        Code::E0409,
                        format!(
                            "`{name}` must be reached `{}`, but `{}` means no sooner than {} after `{}`{}",
                            Which::Latest.clause(&l.time),
                            Which::Earliest.clause(&e.time),
                            e.time.duration,
                            e.time.after,
                            // In another unit, how few days the wait can be.
                            if l.time.duration.unit == e.time.duration.unit {
                                String::new()
                            } else {
                                format!(" (never fewer than {})", days(day_range(e.time.duration).0))
                            }
                        ),
                        l.span,
                        format!("by {} after `{}` at the latest", l.time.duration, l.time.after),
                    )
                    .also(e.span, format!("at least {} after `{}`", e.time.duration, e.time.after))
                    .help(
                        "a deadline before the stage can be reached can never be met: lengthen the `within`, or shorten the `at least`",
                    ),
                );
                continue;
            }
        }
        if let (Some(l), Some(most_days)) = (latest(i), most[i]) {
            let (least_days, source) = least[i];
            if least_days > most_days {
                let source_stage = source.unwrap_or(i);
                let what = match earliest(source_stage) {
                    Some(e) if source_stage == i => {
                        format!("`{}`", Which::Earliest.clause(&e.time))
                    }
                    Some(e) => format!(
                        "`{}` on `{}`, which it follows",
                        Which::Earliest.clause(&e.time),
                        funnel.stages[source_stage].name.value
                    ),
                    None => "the stages before it".to_string(),
                };
                let mut diagnostic = Diagnostic::new(
                    Code::E0409,
                    format!(
                        "`{name}` must be reached `{}`, but {what} means no sooner than {} after entry",
                        Which::Latest.clause(&l.time),
                        days(least_days)
                    ),
                    l.span,
                    format!("by {} after entry at the latest", days(most_days)),
                );
                if let Some(e) = earliest(source_stage) {
                    diagnostic = diagnostic
                        .also(e.span, format!("at least {} after entry", days(least_days)));
                }
                out.push(diagnostic.help(
                    "a deadline before the stage can be reached can never be met: lengthen the `within`, or shorten the `at least`",
                ));
                continue;
            }
        }
        let Some(x) = expected(i) else {
            continue;
        };
        // The expected time against the earliest and latest measured from the same stage.
        let too_soon = earliest(i).filter(|e| {
            e.from == x.from && x.time.duration.certainly_shorter_than(&e.time.duration)
        });
        let too_late = latest(i).filter(|l| {
            (l.from == x.from || (l.time.from_entry && x.from == 0))
                && l.time.duration.certainly_shorter_than(&x.time.duration)
        });
        let outside = match (too_soon, too_late) {
            (Some(e), _) => Some((
                format!(
                    "sooner than it can be reached: `{}`",
                    Which::Earliest.clause(&e.time)
                ),
                "sooner than the earliest",
                e.span,
                "the earliest time",
                "lengthen it, or remove it to plan on the earliest",
            )),
            (None, Some(l)) => Some((
                format!("after it is due: `{}`", Which::Latest.clause(&l.time)),
                "later than the deadline",
                l.span,
                "the deadline",
                "shorten it, or lengthen the `within`",
            )),
            (None, None) => None,
        };
        if let Some((why, label, other, other_label, fix)) = outside {
            out.push(
                Diagnostic::new(
                    Code::E0409,
                    format!("`{name}` is `{}`, {why}", Which::Expected.clause(&x.time)),
                    x.span,
                    label,
                )
                .also(other, other_label)
                .help(format!(
                    "the expected time lies between the earliest and the latest: {fix}"
                )),
            );
        }
    }
}

/// E0410: every stage can be reached within the term by someone referred on the first day of
/// referrals (the first day of the term without a referral window).
pub fn against_term(
    funnel: &ast::Funnel,
    model: &crate::model::Funnel,
    term: crate::model::Term,
    referrals: Option<crate::model::ReferralWindow>,
    out: &mut Vec<Diagnostic>,
) {
    let first = referrals.map_or(term.start, |r| r.from);
    let mut dates = Vec::new();
    model.clock().earliest(first, &mut dates);
    if dates.iter().all(|d| *d <= term.end) {
        return;
    }
    let index: foldhash::HashMap<&str, usize> = model
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for (i, (stage, date)) in funnel.stages.iter().zip(&dates).enumerate() {
        if *date <= term.end {
            continue;
        }
        // Only where the time is first out of reach: the stages after it follow from it.
        let inherited = model.stages[i]
            .after
            .iter()
            .any(|p| index.get(p.as_str()).is_some_and(|&q| dates[q] > term.end));
        if inherited {
            continue;
        }
        let span = stage.earliest.first().map_or(stage.name.span, |t| t.span);
        out.push(
            Diagnostic::new(
                Code::E0410,
                format!(
                    "`{}` can be reached on {date} at the soonest, after the term ends on {}",
                    stage.name.value, term.end
                ),
                span,
                format!("no sooner than {date} for someone referred on {first}"),
            )
            .help("nobody can reach it within the contract: extend the term, or shorten the time it takes"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Whether `ancestor` is strictly before `stage`, by walking back from the stage.
    fn walking_back(before: &Links, ancestor: usize, stage: usize) -> bool {
        let mut seen = vec![false; before.len()];
        let mut stack = before[stage].to_vec();
        while let Some(s) = stack.pop() {
            if s == ancestor {
                return true;
            }
            if !std::mem::replace(&mut seen[s], true) {
                stack.extend(&before[s]);
            }
        }
        false
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// Every pair asked about gets the answer of walking back, in any order of the stages.
        #[test]
        fn before_is_what_walking_back_finds(
            links in prop::collection::vec(prop::collection::vec(any::<prop::sample::Index>(), 0..3), 1..30),
            rename in prop::collection::vec(any::<u16>(), 1..30),
            asked in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..40),
        ) {
            let n = links.len();
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&k| rename[k % rename.len()]);
            let mut before = vec![Vec::new(); n];
            for k in 1..n {
                for link in &links[k] {
                    before[order[k]].push(order[link.index(k)]);
                }
            }
            let before = Links::from(before);
            let pairs: Vec<(usize, usize)> =
                asked.iter().map(|(a, s)| (a.index(n), s.index(n))).collect();
            let mut ancestry = Ancestry::new(&before, &order);
            ancestry.sweep(pairs.iter().copied());
            for (a, s) in pairs {
                prop_assert_eq!(ancestry.is_before(a, s), walking_back(&before, a, s), "{} {}", a, s);
            }
        }
    }
}
