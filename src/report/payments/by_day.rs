//! The outcome lines made straight into the order of the days they fall due.
//!
//! Step 1 makes each participant's lines in the order of their events; step 3 reads every
//! line in order of the day it falls due, and within a day in order of participant, subject
//! and kind. Made into one list and then sorted, a million lines were moved to their days
//! in one permutation, each a read from far away in memory, and each day sorted again. Here
//! the participants are shared out in runs, one after the other; each run's lines are made
//! twice, once to count how many fall due on each day and once to write each into its place
//! (held a few for each day, and written a block at a time: `staged`):
//! the places of a day are the runs' in their order, so a day holds its lines in the order of
//! the participants, as they were made, and only the lines of a participant whose stages
//! reached on one day are not in the order of their names (or of participants whose places
//! are not in the order of their references) need moving. Both passes run on every thread.

use super::{Day, Decided};
use crate::report::staged::Staged;
use crate::workspace;
use std::mem::MaybeUninit;
use std::ops::Range;

/// Makes the lines of a run of participants (by their places), in order, each handed to
/// `out`; the same lines each time it is asked.
pub(super) trait MakeLines: Sync {
    fn make(&self, who: Range<usize>, out: &mut impl FnMut(Decided)) -> Result<(), String>;

    /// The day each line `make` makes for `who` falls due, in any order: all the lines are
    /// counted by is their days. A maker can give them for less than the lines; should it
    /// give other days, the lines are sorted as one run instead, so the report is the same.
    fn due_days(&self, who: Range<usize>, out: &mut impl FnMut(Day)) -> Result<(), String> {
        self.make(who, &mut |l| out(l.due))
    }
}

/// How many participants a run holds at least: fewer are made in one run on this thread.
const RUN_PARTICIPANTS: usize = 4096;

/// How many runs of days the days' lines are put in order in, shared between the threads
/// (more runs than threads, so that one thread does not finish alone).
const DAY_RUNS: usize = 16;

/// The lines `make` makes for `participants` participants: first those due from `first` to
/// `last` (the first day any line can fall due, and the report's last day), in order of the
/// day they fall due and then of `rest`, and of equal keys in the order made; then those due
/// after `last`, in the order made. With the number of lines due by `last`, and room for
/// `room` lines more.
///
/// `into` is an empty list to write them into, made before any thread is started: made
/// after, the allocator has given the new threads pieces of the memory just freed (a return
/// read whole), and a million lines need as much again fresh from the system (50 MB more at
/// the peak for a million rows on two threads).
pub(super) fn lines_by_day(
    participants: usize,
    (first, last): (Day, Day),
    make: &impl MakeLines,
    (into, room): (Vec<Decided>, usize),
    rest: &(impl Fn(&Decided) -> u128 + Sync),
) -> Result<(Vec<Decided>, usize), String> {
    let runs = (participants / RUN_PARTICIPANTS).clamp(1, 4 * workspace::threads());
    lines_in_runs(
        (participants, runs),
        (first, last),
        make,
        (into, room),
        rest,
    )
}

/// `lines_by_day`, the participants shared out in `runs` runs.
fn lines_in_runs(
    (participants, runs): (usize, usize),
    (first, last): (Day, Day),
    make: &impl MakeLines,
    (into, room): (Vec<Decided>, usize),
    rest: &(impl Fn(&Decided) -> u128 + Sync),
) -> Result<(Vec<Decided>, usize), String> {
    // Days are counted from `first` to `last` with the gaps `Day::key` leaves at the ends of
    // months; a line due later goes to one more place after them. Each run counts every day:
    // a term so long that its days times the runs outnumber the participants by far (as a
    // hostile contract can write) is sorted as one run instead, in memory that grows with the
    // lines.
    let days = if last < first {
        0
    } else {
        (last.key() - first.key()) as usize + 1
    };
    if days.saturating_mul(runs) > participants + (1 << 16) {
        return sorted(participants, last, make, (into, room), rest);
    }
    let place = |due: Day| -> Option<usize> {
        if due > last {
            Some(days)
        } else {
            due.key().checked_sub(first.key()).map(|d| d as usize)
        }
    };
    let ranges: Vec<Range<usize>> = (0..runs)
        .map(|r| participants * r / runs..participants * (r + 1) / runs)
        .collect();
    // How many lines of each run fall due on each day (and after `last`); none due before
    // `first` but in a hostile case, sorted as one run.
    let counted = workspace::parallel_map(ranges.clone(), |who| {
        let mut count = vec![0_usize; days + 1];
        let mut early = false;
        make.due_days(who, &mut |due| match place(due) {
            Some(d) => count[d] += 1,
            None => early = true,
        })?;
        Ok::<_, String>((!early).then_some(count))
    });
    let mut counts = Vec::with_capacity(runs);
    for run in counted {
        match run? {
            Some(count) => counts.push(count),
            None => return sorted(participants, last, make, (into, room), rest),
        }
    }
    // Each day's places, the runs' in their order; each run writes to its own.
    let total: usize = counts.iter().flatten().sum();
    // Filled below: every place is written by the run that counted it.
    let mut lines = into;
    lines.clear();
    lines.reserve(total + room);
    touch(&mut lines.spare_capacity_mut()[..total]);
    lines.resize(total, Decided::EMPTY);
    let mut places_of_run: Vec<Vec<&mut [Decided]>> =
        (0..runs).map(|_| Vec::with_capacity(days + 1)).collect();
    let mut starts = Vec::with_capacity(days + 2);
    let mut left: &mut [Decided] = &mut lines;
    let mut at = 0;
    for d in 0..=days {
        starts.push(at);
        for (run, count) in counts.iter().enumerate() {
            let (here, after) = std::mem::take(&mut left).split_at_mut(count[d]);
            places_of_run[run].push(here);
            left = after;
            at += count[d];
        }
    }
    starts.push(at);
    let written = workspace::parallel_map(
        ranges.into_iter().zip(places_of_run).collect(),
        |(who, mut places)| {
            let mut whole = true;
            let mut staged = Staged::new(places.len(), Decided::EMPTY);
            make.make(who, &mut |l| {
                let Some(d) = place(l.due) else {
                    whole = false;
                    return;
                };
                whole &= staged.put(d, l, &mut places);
            })?;
            whole &= staged.flush(&mut places);
            Ok::<_, String>(whole && places.iter().all(|p| p.is_empty()))
        },
    );
    for run in written {
        let whole = run?;
        // Made on other days than counted (`due_days`): never so, but then sorted as one
        // run rather than trusted.
        debug_assert!(whole, "lines made on other days than counted");
        if !whole {
            return sorted(participants, last, make, (lines, room), rest);
        }
    }
    let due_by = starts[days];
    in_order_within_days(&mut lines[..due_by], &starts[..=days], rest);
    Ok((lines, due_by))
}

/// Write to each page of `room` on every thread, a share each, before it is filled on one.
/// Memory the process has not used before is given to it by the system a page at a time,
/// as each is first written, and that is most of the cost of filling it: ten million rows'
/// lines are 117,000 pages, filled in 0.15 s on one thread while the other waited; touched
/// on both first, 0.08 s, then filled in 0.02 s.
fn touch(room: &mut [MaybeUninit<Decided>]) {
    const PAGE: usize = 4096;
    let share = room.len().div_ceil(workspace::threads()).max(1);
    workspace::parallel_map(room.chunks_mut(share).collect(), |share| {
        for slot in share
            .iter_mut()
            .step_by((PAGE / size_of::<Decided>()).max(1))
        {
            slot.write(Decided::EMPTY);
        }
    });
}

/// Put each day's lines (`starts[d]..starts[d + 1]`) in order of `rest`, keeping the order
/// made among equal keys (`nearly_in_order`). The days are shared out in runs of about as
/// many lines each.
fn in_order_within_days(
    lines: &mut [Decided],
    starts: &[usize],
    rest: &(impl Fn(&Decided) -> u128 + Sync),
) {
    let days = starts.len() - 1;
    let mut runs: Vec<(&mut [Decided], &[usize])> = Vec::new();
    let mut rest_of = lines;
    let (mut first, mut taken) = (0, 0);
    let aim = rest_of.len().div_ceil(DAY_RUNS).max(1);
    for d in 0..days {
        if starts[d + 1] - starts[first] >= aim || d + 1 == days {
            let (run, after) = std::mem::take(&mut rest_of).split_at_mut(starts[d + 1] - taken);
            runs.push((run, &starts[first..=d + 1]));
            rest_of = after;
            taken = starts[d + 1];
            first = d + 1;
        }
    }
    workspace::parallel_map(runs, |(run, starts)| {
        let base = starts[0];
        for day in starts.windows(2) {
            nearly_in_order(&mut run[day[0] - base..day[1] - base], rest);
        }
    });
}

/// Put `lines` in order of `key` as a stable sort would, each line out of order moved back
/// past the greater ones before it. A day's lines come made in the order of their
/// participants, and when the participants' places are in the order of their references
/// (as they are unless references differ in capitals) only a participant whose stages
/// reached on one day are not in the order of their names is out of order: a line or two
/// moved a place or two, where a sort of the whole day, for each such participant in it,
/// took a third of the time of making the lines (ten million rows). Past a few moves a line,
/// the rest are sorted as a whole (stable, so the lines moved already keep their order among
/// equal keys).
fn nearly_in_order(lines: &mut [Decided], key: &impl Fn(&Decided) -> u128) {
    let mut budget = 4 * lines.len();
    for i in 1..lines.len() {
        let here = key(&lines[i]);
        let mut to = i;
        while to > 0 && key(&lines[to - 1]) > here {
            to -= 1;
        }
        if to == i {
            continue;
        }
        match budget.checked_sub(i - to) {
            Some(left) => budget = left,
            None => {
                lines.sort_by_key(key);
                return;
            }
        }
        lines[to..=i].rotate_right(1);
    }
}

/// `lines_by_day` in one run, the lines made in order and then sorted.
fn sorted(
    participants: usize,
    last: Day,
    make: &impl MakeLines,
    (into, room): (Vec<Decided>, usize),
    rest: &(impl Fn(&Decided) -> u128 + Sync),
) -> Result<(Vec<Decided>, usize), String> {
    let mut lines = into;
    lines.clear();
    make.make(0..participants, &mut |l| lines.push(l))?;
    // Stable: equal keys keep the order made, and the lines due after `last` theirs.
    lines.sort_by_key(|l| {
        if l.due > last {
            (1, Day(0), 0)
        } else {
            (0, l.due, rest(l))
        }
    });
    let due_by = lines.partition_point(|l| l.due <= last);
    lines.reserve(room);
    Ok((lines, due_by))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::LineKind;
    use crate::value::Date;

    /// Participants whose lines are given: each line's `rate` its place among all, to see
    /// where it goes; a participant whose place is among `failing` cannot be made.
    struct Given {
        lines: Vec<Vec<Decided>>,
        failing: &'static [usize],
    }

    impl MakeLines for Given {
        fn make(&self, who: Range<usize>, out: &mut impl FnMut(Decided)) -> Result<(), String> {
            for i in who {
                if self.failing.contains(&i) {
                    return Err(format!("participant {i}"));
                }
                self.lines[i].iter().copied().for_each(&mut *out);
            }
            Ok(())
        }
    }

    fn day(y: i32, m: u32, d: u32) -> Day {
        Day::of(Date::new(y, m, d).unwrap())
    }

    /// `participants` participants of up to 5 lines each, due on random days of 2026 and
    /// 2027 (and `early`: one a year before), on random subjects and kinds.
    fn given(participants: usize, seed: u64, early: bool) -> Given {
        let mut state = seed;
        let mut next = |below: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % below
        };
        let mut place = 0;
        let mut lines: Vec<Vec<Decided>> = (0..participants)
            .map(|who| {
                (0..next(6))
                    .map(|_| {
                        place += 1;
                        Decided {
                            kind: [LineKind::Attachment, LineKind::Price][next(2) as usize],
                            who: who as u32,
                            subject: next(4) as u32,
                            due: day(
                                2026 + next(2) as i32,
                                1 + next(12) as u32,
                                1 + next(28) as u32,
                            ),
                            rate: place,
                            ..Decided::EMPTY
                        }
                    })
                    .collect()
            })
            .collect();
        if early {
            if let Some(line) = lines.iter_mut().flatten().last() {
                line.due = day(2025, 6, 1);
            }
        }
        Given {
            lines,
            failing: &[],
        }
    }

    fn places(lines: &[Decided]) -> Vec<i64> {
        lines.iter().map(|l| l.rate).collect()
    }

    /// However the participants are shared out, the lines come out as a stable sort puts
    /// them: those due by the last day by day and then by the key (the participants' ranks
    /// reversed, so that most days are out of order), the later ones after them as made;
    /// and so for a line due before the first day, sorted as one run, and for a term of more
    /// days than are held a block at a time.
    #[test]
    fn lines_dealt_to_their_days_are_in_the_order_a_stable_sort_gives() {
        let (first, last) = (day(2026, 1, 1), day(2027, 6, 30));
        for participants in [0, 1, 2, 7, 300, 5000] {
            for (seed, early) in [(1, false), (2, true)] {
                let make = given(participants, seed, early);
                let reversed = |l: &Decided| {
                    (u128::from(u32::MAX - l.participant()) << 35)
                        | (u128::from(l.subject) << 3)
                        | l.kind as u128
                };
                let in_order = |l: &Decided| (u128::from(l.participant()) << 35) | l.kind as u128;
                for rest in [&reversed as &(dyn Fn(&Decided) -> u128 + Sync), &in_order] {
                    let mut expected: Vec<Decided> = make.lines.iter().flatten().copied().collect();
                    expected.sort_by_key(|l| {
                        if l.due > last {
                            (1, Day(0), 0)
                        } else {
                            (0, l.due, rest(l))
                        }
                    });
                    let due = expected.iter().filter(|l| l.due <= last).count();
                    for runs in [1, 2, 3, 8] {
                        // Days few enough that lines are held for each before they are
                        // written, and so many (37 years) that each line is written as made
                        // (or, in eight runs, the lines sorted as one).
                        for from in [first, day(1990, 1, 1)] {
                            let (lines, due_by) = lines_in_runs(
                                (participants, runs),
                                (from, last),
                                &make,
                                (Vec::new(), 3),
                                &rest,
                            )
                            .unwrap();
                            assert_eq!(due_by, due, "{participants} participants, {runs} runs");
                            assert_eq!(
                                places(&lines),
                                places(&expected),
                                "{participants} participants, {runs} runs, early {early}"
                            );
                            assert!(lines.capacity() >= lines.len() + 3);
                        }
                    }
                }
            }
        }
    }

    /// Days far too many to count (a term of thousands of years, the report's last day at
    /// its end) are sorted as one run, in the same order.
    #[test]
    fn a_term_of_thousands_of_years_is_sorted_as_one_run() {
        let make = given(50, 3, false);
        let last = day(9000, 1, 1);
        let rest = |l: &Decided| u128::from(l.participant());
        let mut expected: Vec<Decided> = make.lines.iter().flatten().copied().collect();
        expected.sort_by_key(|l| (l.due, rest(l)));
        let (lines, due_by) =
            lines_by_day(50, (day(1, 1, 1), last), &make, (Vec::new(), 0), &rest).unwrap();
        assert_eq!(due_by, expected.len());
        assert_eq!(places(&lines), places(&expected));
    }

    /// Lines put nearly in order come out as a stable sort puts them: in order, a line or
    /// two out of place, many out of place (past the moves it allows), reversed; with keys
    /// of many ties.
    #[test]
    fn lines_put_nearly_in_order_are_as_a_stable_sort_puts_them() {
        let line = |key: u32, place: i64| Decided {
            who: key,
            rate: place,
            ..Decided::EMPTY
        };
        let key = |l: &Decided| u128::from(l.participant());
        let shapes: Vec<Vec<u32>> = vec![
            vec![],
            vec![1],
            (0..100).collect(),
            (0..100).map(|i| if i == 50 { 3 } else { i }).collect(),
            (0..100).map(|i| i / 10).chain([0, 5, 9, 0]).collect(),
            (0..100).rev().collect(),
            (0..300).map(|i| (i * 7919) % 13).collect(),
        ];
        for keys in shapes {
            let lines: Vec<Decided> = keys
                .iter()
                .enumerate()
                .map(|(i, &k)| line(k, i as i64))
                .collect();
            let mut expected = lines.clone();
            expected.sort_by_key(key);
            let mut ordered = lines;
            nearly_in_order(&mut ordered, &key);
            assert_eq!(places(&ordered), places(&expected), "{keys:?}");
        }
    }

    /// A participant that cannot be made stops the lines with its reason, whichever run it
    /// is in; of two, the first's.
    #[test]
    fn the_first_participant_that_cannot_be_made_gives_the_error() {
        let mut make = given(100, 4, false);
        let bounds = (day(2026, 1, 1), day(2027, 12, 31));
        let rest = |l: &Decided| u128::from(l.participant());
        for failing in [&[73][..], &[0], &[99], &[40, 90], &[12, 13]] {
            make.failing = failing;
            for runs in [1, 3, 10] {
                let failed = lines_in_runs((100, runs), bounds, &make, (Vec::new(), 0), &rest);
                let first = format!("participant {}", failing[0]);
                assert_eq!(failed.unwrap_err(), first, "{runs} runs");
            }
        }
    }
}
