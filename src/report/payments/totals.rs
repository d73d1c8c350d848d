//! Step 6 of the payments: each line held within the total cap and the maximum exposure, in
//! order of falling due, and what the lines add up to under every heading the report gives.
//!
//! A line's room under the caps depends on what every line before it paid, so the lines
//! were walked on one thread: at ten million rows, 400 MB of lines read and written while
//! the other core waited. When no line pays less than nothing, what a run of lines leaves
//! paid is known without walking it: the total before it plus what its lines ask, at most
//! the limit (the lower of the cap and the exposure). So the lines are cut into one run
//! for each core, what each run asks is added up on every core, where each run starts from
//! is worked out from those sums, and each run is then walked on its own core exactly as
//! the one walk would have walked it. A list with a line that pays less than nothing (a
//! penalty), a limit under nothing, or each participant's sum to hold, is walked on one
//! thread as before.

use super::{cut, to_line, too_large, Decided, LineKind, PeriodOf, NONE};
use crate::value::Currency;
use crate::workspace;
use foldhash::HashMap;

/// Fewer lines than this are walked on one thread: a thread costs more than it saves.
pub(super) const ALONE: usize = 1 << 16;

/// The headings the lines are added up under.
pub(super) struct Headings<'a> {
    /// Rows of the groups' split (each group's priced stages, then the stages in no group
    /// with the attachment fees, then what is not a stage's price), or none.
    pub rows: usize,
    /// The row of the stages in no group.
    pub ungrouped: usize,
    /// Each priced stage's group, by subject.
    pub group_of: &'a HashMap<u32, usize>,
    pub period_of: &'a PeriodOf,
    pub periods: usize,
    pub subjects: usize,
    pub clauses: usize,
    /// The participants, when each one's sum is held.
    pub participants: Option<usize>,
    /// The tier lines made whole by their rule.
    pub made: usize,
}

/// What the lines add up to: each line counted once, as the caps leave it.
pub(super) struct Totals {
    pub total: i128,
    pub of_group: Vec<i128>,
    /// Each period's (then after the last period's) split by the groups' rows.
    pub of_period_group: Vec<Vec<i128>>,
    pub of_contract: Option<i128>,
    pub of_participant: Vec<Option<i128>>,
    pub of_price_stage: Vec<Option<i128>>,
    /// By kind, in the order of kinds.
    pub of_kind: [Option<(LineKind, i128)>; LineKind::Deadweight as usize + 1],
    pub of_period: Vec<i128>,
    pub outside: i128,
    /// How many lines each clause has (fixed fees only).
    pub clause_lines: Vec<u64>,
    /// Each tier line as every rule leaves it, by its place among those made.
    pub made_decided: Vec<Option<Decided>>,
}

/// Hold `lines` (in order of falling due) within `cap` (if any) and `exposure`, marking each
/// line cut, and add them up under `headings`.
pub(super) fn within_total(
    lines: &mut [Decided],
    (cap, exposure): (Option<i128>, i128),
    headings: &Headings<'_>,
    currency: Currency,
) -> Result<Totals, String> {
    let runs = workspace::threads().min(lines.len().div_ceil(ALONE));
    in_runs(lines, runs, (cap, exposure), headings, currency)
}

/// `within_total`, the lines cut into `runs` runs.
fn in_runs(
    lines: &mut [Decided],
    runs: usize,
    (cap, exposure): (Option<i128>, i128),
    headings: &Headings<'_>,
    currency: Currency,
) -> Result<Totals, String> {
    let limit = cap.map_or(exposure, |cap| cap.min(exposure));
    if runs < 2 || limit < 0 || headings.participants.is_some() {
        return walk(lines, 0, (cap, exposure), headings, currency);
    }
    let size = lines.len().div_ceil(runs);
    // What each run asks, if no line of it asks less than nothing (and the sum is held: the
    // one walk reports a total too large to hold).
    let asks = workspace::parallel_map(lines.chunks(size).collect(), |run| {
        run.iter().try_fold(0_i128, |sum, l| {
            (l.amount >= 0)
                .then(|| sum.checked_add(i128::from(l.amount)))
                .flatten()
        })
    });
    let mut starts = Vec::with_capacity(asks.len());
    let mut paid = 0_i128;
    for asked in asks {
        let Some(more) = asked.and_then(|asked| paid.checked_add(asked)) else {
            return walk(lines, 0, (cap, exposure), headings, currency);
        };
        starts.push(paid);
        // At most the limit, which `paid` never passes.
        paid = more.min(limit);
    }
    let walked = workspace::parallel_map(
        lines.chunks_mut(size).zip(starts).collect(),
        |(run, start)| walk(run, start, (cap, exposure), headings, currency),
    );
    let mut runs = walked.into_iter();
    let mut totals = runs
        .next()
        .unwrap_or_else(|| Ok(Totals::new(headings, 0)))?;
    for run in runs {
        totals.add(run?, currency)?;
    }
    Ok(totals)
}

/// Walk `lines` in order from a total of `start` paid before them.
fn walk(
    lines: &mut [Decided],
    start: i128,
    (cap, exposure): (Option<i128>, i128),
    headings: &Headings<'_>,
    currency: Currency,
) -> Result<Totals, String> {
    let subtotal = || too_large("a subtotal of the payments", currency);
    let mut t = Totals::new(headings, start);
    for l in lines {
        let mut amount = i128::from(l.amount);
        if let Some(cap) = cap {
            let room = (cap - t.total).max(0);
            if amount > room {
                amount = room;
                l.cuts |= cut::TOTAL_CAP;
            }
        }
        let room = (exposure - t.total).max(0);
        if amount > room {
            amount = room;
            l.cuts |= cut::EXPOSURE;
        }
        // Cut to no more than it was: still held in its eight bytes.
        l.amount = to_line(amount, "a payment", currency)?;
        t.total = t
            .total
            .checked_add(amount)
            .ok_or_else(|| too_large("the total payments", currency))?;
        let l = &*l;
        let period = headings.period_of.find(l.due);
        if headings.rows != 0 {
            let row = match l.kind {
                LineKind::Price => headings
                    .group_of
                    .get(&l.subject)
                    .copied()
                    .unwrap_or(headings.ungrouped),
                LineKind::Attachment => headings.ungrouped,
                _ => headings.ungrouped + 1,
            };
            t.of_group[row] = t.of_group[row].checked_add(amount).ok_or_else(subtotal)?;
            let sum = &mut t.of_period_group[period.unwrap_or(headings.periods)][row];
            *sum = sum.checked_add(amount).ok_or_else(subtotal)?;
        }
        if l.participant() == NONE {
            let sum = t.of_contract.get_or_insert(0);
            *sum = sum.checked_add(amount).ok_or_else(subtotal)?;
        } else if headings.participants.is_some() {
            let sum = t.of_participant[l.participant() as usize].get_or_insert(0);
            *sum = sum.checked_add(amount).ok_or_else(subtotal)?;
        }
        let sum = match (l.kind, l.subject) {
            (LineKind::Price, s) if s != NONE => t.of_price_stage[s as usize].get_or_insert(0),
            (kind, _) => &mut t.of_kind[kind as usize].get_or_insert((kind, 0)).1,
        };
        *sum = sum.checked_add(amount).ok_or_else(subtotal)?;
        let sum = match period {
            Some(i) => &mut t.of_period[i],
            None => &mut t.outside,
        };
        *sum = sum.checked_add(amount).ok_or_else(subtotal)?;
        if l.kind == LineKind::FixedFee {
            t.clause_lines[l.clause as usize] += 1;
        }
        if let Some(at) = t.made_decided.get_mut(l.made() as usize) {
            *at = Some(*l);
        }
    }
    Ok(t)
}

impl Totals {
    /// Nothing added yet, `total` paid before.
    fn new(h: &Headings<'_>, total: i128) -> Totals {
        Totals {
            total,
            of_group: vec![0; h.rows],
            of_period_group: vec![vec![0; h.rows]; h.periods + 1],
            of_contract: None,
            of_participant: vec![None; h.participants.unwrap_or(0)],
            of_price_stage: vec![None; h.subjects],
            of_kind: Default::default(),
            of_period: vec![0; h.periods],
            outside: 0,
            clause_lines: vec![0; h.clauses],
            made_decided: vec![None; h.made],
        }
    }

    /// Add the totals of the run of lines after these (`next`, which started from the total
    /// these end at, and ends at the total of both).
    fn add(&mut self, next: Totals, currency: Currency) -> Result<(), String> {
        let subtotal = || too_large("a subtotal of the payments", currency);
        let sum = |a: &mut i128, b: i128| -> Result<(), String> {
            *a = a.checked_add(b).ok_or_else(subtotal)?;
            Ok(())
        };
        let optional = |a: &mut Option<i128>, b: Option<i128>| -> Result<(), String> {
            if let Some(b) = b {
                sum(a.get_or_insert(0), b)?;
            }
            Ok(())
        };
        self.total = next.total;
        for (a, b) in self.of_group.iter_mut().zip(next.of_group) {
            sum(a, b)?;
        }
        for (a, b) in self.of_period_group.iter_mut().zip(next.of_period_group) {
            for (a, b) in a.iter_mut().zip(b) {
                sum(a, b)?;
            }
        }
        optional(&mut self.of_contract, next.of_contract)?;
        for (a, b) in self.of_participant.iter_mut().zip(next.of_participant) {
            optional(a, b)?;
        }
        for (a, b) in self.of_price_stage.iter_mut().zip(next.of_price_stage) {
            optional(a, b)?;
        }
        for (a, b) in self.of_kind.iter_mut().zip(next.of_kind) {
            if let Some((kind, b)) = b {
                sum(&mut a.get_or_insert((kind, 0)).1, b)?;
            }
        }
        for (a, b) in self.of_period.iter_mut().zip(next.of_period) {
            sum(a, b)?;
        }
        sum(&mut self.outside, next.outside)?;
        for (a, b) in self.clause_lines.iter_mut().zip(next.clause_lines) {
            *a += b;
        }
        for (a, b) in self.made_decided.iter_mut().zip(next.made_decided) {
            if b.is_some() {
                *a = b;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Day;
    use super::*;
    use crate::report::Period;
    use crate::value::Date;

    /// Lines in runs give what one walk gives, line by line and heading by heading: caps
    /// reached in the first run, in a later one, at a run's first line, or never; penalties
    /// (one walk then); an exposure under nothing; tier lines, fees, groups and periods.
    #[test]
    fn lines_walked_in_runs_are_as_one_walk_leaves_them() {
        let day = |n: i64| {
            Day::of(Date::from_day_number(
                Date::new(2026, 4, 1).unwrap().day_number() + n,
            ))
        };
        let periods: Vec<Period> = (0..4)
            .map(|q| Period {
                label: format!("Q{q}"),
                start: Date::new(2026, 4, 1).unwrap().add_months(3 * q),
                end: Date::from_day_number(
                    Date::new(2026, 4, 1)
                        .unwrap()
                        .add_months(3 * q + 3)
                        .day_number()
                        - 1,
                ),
            })
            .collect();
        let period_of = PeriodOf::new(&periods);
        let group_of: HashMap<u32, usize> = [(1, 0), (2, 0), (3, 1)].into_iter().collect();
        let kinds = [
            LineKind::Price,
            LineKind::Attachment,
            LineKind::FixedFee,
            LineKind::Bonus,
            LineKind::Tier,
        ];
        // A small generator of its own, so the lines are the same on every run.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        for (count, penalties) in [(1_000, false), (5_003, false), (5_003, true), (7, false)] {
            let lines: Vec<Decided> = (0..count)
                .map(|i| {
                    let kind = kinds[next(kinds.len() as u64) as usize];
                    let amount = next(5_000) as i64 + 1;
                    Decided {
                        kind,
                        who: if kind == LineKind::Tier {
                            next(3) as u32
                        } else {
                            i as u32
                        },
                        subject: next(5) as u32,
                        earned: day(i as i64 / 10),
                        due: day(i as i64 / 10),
                        rate: amount,
                        amount: if penalties && i % 997 == 3 {
                            -amount
                        } else {
                            amount
                        },
                        clause: next(3) as u32,
                        cuts: 0,
                    }
                })
                .collect();
            let asked: i128 = lines.iter().map(|l| i128::from(l.amount)).sum();
            let headings = Headings {
                rows: 4,
                ungrouped: 2,
                group_of: &group_of,
                period_of: &period_of,
                periods: periods.len(),
                subjects: 5,
                clauses: 3,
                participants: None,
                made: 3,
            };
            for (cap, exposure) in [
                (None, asked * 2),
                (Some(asked / 3), asked * 2),
                (Some(asked * 2), asked / 2),
                (Some(0), asked),
                (None, 0),
                (None, -5),
                (Some(asked), asked),
                (Some(i128::from(lines[0].amount)), asked),
            ] {
                let mut alone = lines.clone();
                let one =
                    walk(&mut alone, 0, (cap, exposure), &headings, Currency::GBP).expect("walked");
                for runs in [2, 3, 4, 16] {
                    let mut parted = lines.clone();
                    let many =
                        in_runs(&mut parted, runs, (cap, exposure), &headings, Currency::GBP)
                            .expect("walked in runs");
                    let what =
                        format!("{count} lines, {runs} runs, cap {cap:?}, exposure {exposure}");
                    for (a, b) in alone.iter().zip(&parted) {
                        assert_eq!((a.amount, a.cuts), (b.amount, b.cuts), "{what}");
                    }
                    assert_eq!(one.total, many.total, "{what}");
                    assert_eq!(one.of_group, many.of_group, "{what}");
                    assert_eq!(one.of_period_group, many.of_period_group, "{what}");
                    assert_eq!(one.of_contract, many.of_contract, "{what}");
                    assert_eq!(one.of_price_stage, many.of_price_stage, "{what}");
                    assert_eq!(one.of_kind, many.of_kind, "{what}");
                    assert_eq!(one.of_period, many.of_period, "{what}");
                    assert_eq!(one.outside, many.outside, "{what}");
                    assert_eq!(one.clause_lines, many.clause_lines, "{what}");
                    let made = |t: &Totals| -> Vec<Option<(i64, u8)>> {
                        t.made_decided
                            .iter()
                            .map(|d| d.map(|d| (d.amount, d.cuts)))
                            .collect()
                    };
                    assert_eq!(made(&one), made(&many), "{what}");
                }
            }
        }
    }
}
