//! Accepted events → the payments due, with every rule of the contract applied, each line
//! traced to the clause that pays it.
//!
//! The rules apply in the contract's order (see `check::money`): for each participant, in
//! date order, each paid stage adds what it raises their entitlement — the attachment fee
//! plus the prices of the stages reached, the richest exclusive alternative only, never more
//! than the per-participant maximum. A participant limit then pays only the first
//! participants of a cohort to reach a payable result (`limit.rs`). Then, over all lines in
//! order of the date they fall due: the deadweight discount applies to the running total of outcome payments (so it
//! rounds once, at that total, and each line carries its share); the cap on outcome payments
//! stops them when reached; fixed fees, bonuses, penalties and tier payments are added; the
//! total cap stops everything when reached. Lines falling due after the report date are left
//! for a later report. Payers share the total as the contract says, exactly to the penny.
//!
//! Nothing here wraps. Each line is at most a figure of the checked contract (every figure is
//! within `value::FIGURE_LIMIT_MAJOR`, so a line's amounts are held in eight bytes each, one
//! past them refused: `to_line`), shares of amounts are formed exactly in 256 bits, and
//! every sum is checked: a total that could not be held exactly is refused with a message,
//! never shown wrapped or saturated.

mod by_day;
mod card;
mod totals;

use super::engine::{Accepted, StageInfo};
use super::payer_parts::PayerParts;
use super::{
    Amount, GroupPaid, LineKind, Measured, PaymentLine, Payments, Period, PeriodAmount, Residual,
    StillReachable, TierReading,
};
use crate::ast::{CapScope, IncentiveKind, Threshold};
use crate::check::money::payers;
use crate::check::money::plan;
use crate::model::{self, Contract, SubjectKind};
use crate::schedule::clock::Clock;
use crate::schedule::fee_due_dates;
use crate::value::{mul_div_rounded, Date, Decimal, Money};
use crate::workspace;
use foldhash::HashMap;
use std::collections::BTreeMap;
use std::ops::Range;

/// Where the payment lines go once decided.
pub enum Lines<'a> {
    /// Into `Payments::lines`, with the totals by participant.
    Held,
    /// The first `n` into `Payments::lines`, the others counted only
    /// (`Payments::line_count`), and no totals by participant: all that a report listing the
    /// first lines needs (the human and HTML reports), without a million lines put into
    /// words and held.
    First(usize),
    /// Handed one at a time, in order, to a writer (`outcome report --lines FILE`), and not
    /// kept: `Payments::lines` and `Payments::by_participant` stay empty, so that memory
    /// holds each line's figures only while the lines are put in order, never its words.
    Streamed(&'a mut dyn FnMut(&PaymentLine) -> Result<(), String>),
    /// As `Streamed`, but put into bytes on several threads, a run of lines at a time, and
    /// written in order (`write_runs`).
    Written(super::lines::LinesOut<'a>),
}

/// What cut a line, as flags in the order the rules apply (and their words are listed).
mod cut {
    pub const EXCLUSIVE: u8 = 1;
    pub const PER_PARTICIPANT: u8 = 1 << 1;
    pub const DEADWEIGHT: u8 = 1 << 2;
    pub const OUTCOME_CAP: u8 = 1 << 3;
    pub const TOTAL_CAP: u8 = 1 << 4;
    pub const EXPOSURE: u8 = 1 << 5;
    /// Beyond a participant limit; listed after the per-participant maximum.
    pub const LIMIT: u8 = 1 << 6;
    /// A group's cap; listed after deadweight, before the cap on outcome payments.
    pub const GROUP_CAP: u8 = 1 << 7;
}

/// The clauses the lines cite, each line holding its clause's place in `list` rather than
/// the clause. A contract may price thousands of stages, each its own clause: a clause is
/// found by its place in a hash map, not searched for among those cited so far.
#[derive(Default)]
struct ClauseIds<'c> {
    list: Vec<&'c model::Clause>,
    ids: foldhash::HashMap<&'c model::Clause, u32>,
}

impl<'c> ClauseIds<'c> {
    /// The place of `clause`, adding it when new.
    fn id(&mut self, clause: &'c model::Clause) -> u32 {
        *self.ids.entry(clause).or_insert_with(|| {
            self.list.push(clause);
            (self.list.len() - 1) as u32
        })
    }
}

/// No participant, or no stage.
const NONE: u32 = u32::MAX;

/// A payment line as decided: figures and indexes, no text. The words (the participant's
/// reference, the period's label, the clause, what cut it) are made only when the line is
/// handed on (`Decide::line`), so a million lines cost their figures, not their text.
#[derive(Debug, Clone, Copy)]
struct Decided {
    kind: LineKind,
    /// The participant's place in `accepted` (`Decided::participant`), or `NONE`; for a tier
    /// line, its place among the lines made whole by their rule (`Decided::made`). A tier
    /// line pays for no participant: one number holds either, so that a line is 40 bytes.
    who: u32,
    /// The stage or subject, interned in `Subjects`, or `NONE`.
    subject: u32,
    earned: Day,
    due: Day,
    /// The rate and the amount in minor units, in eight bytes each (`to_line`), so that a
    /// line is 48 bytes: ten million of them are made, ordered and walked several times.
    rate: i64,
    amount: i64,
    /// The clause, by its place in `Decide::clauses`.
    clause: u32,
    /// What cut it (`cut::…`).
    cuts: u8,
}

const _: () = assert!(std::mem::size_of::<Decided>() == 40);

impl Decided {
    /// The participant the line pays for, by place in `accepted`, or `NONE` (a line of the
    /// contract's own).
    fn participant(&self) -> u32 {
        if self.kind == LineKind::Tier {
            NONE
        } else {
            self.who
        }
    }

    /// A line made whole by its rule (a tier payment, with the measured values behind it), by
    /// its place in the lines made so, or `NONE`.
    fn made(&self) -> u32 {
        if self.kind == LineKind::Tier {
            self.who
        } else {
            NONE
        }
    }

    /// A line of nothing, for a place about to be written.
    const EMPTY: Decided = Decided {
        kind: LineKind::Price,
        who: NONE,
        subject: NONE,
        earned: Day(0),
        due: Day(0),
        rate: 0,
        amount: 0,
        clause: 0,
        cuts: 0,
    };
}

/// Names of stages and other subjects, each held once, with their order as text so that
/// lines sort by index exactly as they would by name.
#[derive(Default)]
struct Subjects {
    names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Subjects {
    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        i
    }

    /// For each subject, its rank among all by name, counted from 1 (0 is no subject).
    fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.names[*a as usize].cmp(&self.names[*b as usize]));
        let mut rank = vec![0u32; self.names.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i as usize] = r as u32 + 1;
        }
        rank
    }
}

/// A date in four bytes: its year, month and day packed in the order of days (the year from
/// bit 9, the month from bit 5), so that a line is 48 bytes (`Decided`), and its dates
/// compare as integers. A line's dates are a return's (years of four digits) or the term's; a
/// year beyond the ±4 million that 23 bits hold can only be that of a price falling due long
/// after the report's last day, and is held as the last (or first) day there is room for,
/// which the report leaves out as it would the date itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Day(i32);

impl Day {
    const YEARS: i32 = 1 << 22;

    fn of(date: Date) -> Day {
        if date.year >= Day::YEARS {
            Day(i32::MAX)
        } else if date.year < -Day::YEARS {
            Day(i32::MIN)
        } else {
            Day(date.year << 9 | (date.month as i32) << 5 | date.day as i32)
        }
    }

    fn date(self) -> Date {
        Date {
            year: self.0 >> 9,
            month: (self.0 >> 5 & 15) as u32,
            day: (self.0 & 31) as u32,
        }
    }

    /// The day as a number in the order of days: 32 bits.
    fn key(self) -> u64 {
        (i64::from(self.0) - i64::from(i32::MIN)) as u64
    }
}

/// Put each run of lines due on one day in order of their kind, keeping the order they
/// have within a kind. The runs are short (a day's lines), so each is sorted where it is;
/// `lines`, in order of the day they fall due, are cut where a day ends into a part for
/// each core (`totals::ALONE` lines or more each), and the parts are put in order at once.
fn kinds_in_order_within_days(lines: &mut [Decided]) {
    let parts = workspace::threads().min(lines.len() / totals::ALONE);
    kinds_in_order_in_parts(lines, parts);
}

/// `kinds_in_order_within_days`, the lines cut into `wanted` parts (at most; one when 0).
fn kinds_in_order_in_parts(lines: &mut [Decided], wanted: usize) {
    let wanted = wanted.max(1);
    let mut rest = lines;
    let mut runs = Vec::with_capacity(wanted);
    for left in (1..wanted).rev() {
        // The end of the day of the line a `left + 1`th of the way in: no day is split.
        let Some(day) = rest.get(rest.len() / (left + 1)).map(|l| l.due) else {
            break;
        };
        let end = rest.partition_point(|l| l.due <= day);
        let (part, after) = rest.split_at_mut(end);
        runs.push(part);
        rest = after;
    }
    runs.push(rest);
    workspace::parallel_map(runs, |part| {
        for day in part.chunk_by_mut(|a, b| a.due == b.due) {
            if !day.is_sorted_by_key(|l| l.kind) {
                day.sort_by_key(|l| l.kind);
            }
        }
    });
}

/// Merge `others` into `lines`, both in order of `key`, where a stable sort of `lines`
/// followed by `others` would put them: of equal keys, the line of `lines` first. In place,
/// from the end: each other's place found by bisection, and the lines between two places
/// moved up together, a copy of memory rather than a line at a time with its key compared
/// (ten million lines: 0.04 s on one thread).
fn merge_after(lines: &mut Vec<Decided>, others: &[Decided], key: impl Fn(&Decided) -> u128) {
    let Some(&last_other) = others.last() else {
        return;
    };
    let kept = lines.len();
    // After every line of a key no greater; the others in order, so never before the last.
    let mut places = Vec::with_capacity(others.len());
    let mut from = 0;
    for other in others {
        let other_key = key(other);
        from += lines[from..].partition_point(|l| key(l) <= other_key);
        places.push(from);
    }
    lines.resize(kept + others.len(), last_other);
    let mut end = kept;
    for (i, (&place, other)) in places.iter().zip(others).enumerate().rev() {
        // The lines from this place on move up past this other and the ones before it.
        lines.copy_within(place..end, place + i + 1);
        lines[place + i] = *other;
        end = place;
    }
}

/// The rank of an optional index: no value first, then by `ranks`.
fn rank_of(ranks: &[u32], i: u32) -> u32 {
    if i == NONE {
        0
    } else {
        ranks[i as usize]
    }
}

pub(crate) fn payments(
    contract: &Contract,
    (stages, reached_by): (&[StageInfo], &[u64]),
    accepted: &Accepted,
    periods: &[Period],
    until: Date,
    measured: &[Measured],
    mut out: Lines<'_>,
) -> Result<(Payments, Residual), String> {
    let currency = contract.funding_limit.currency;
    let money = |minor: i128| Money::new(minor, currency);
    let too_large = |what: &str| too_large(what, currency);
    let add = |sum: i128, amount: i128, what: &str| {
        sum.checked_add(amount).ok_or_else(|| too_large(what))
    };
    let p = &contract.payments;
    let cap_of = |scope: CapScope| p.caps.iter().find(|c| c.scope == scope);
    let mut subjects = Subjects::default();
    let stage_subject: Vec<u32> = stages.iter().map(|s| subjects.intern(&s.id)).collect();
    let by_id: HashMap<&str, usize> = stages
        .iter()
        .enumerate()
        .map(|(g, s)| (s.id.as_str(), g))
        .collect();
    // Each cohort's per-participant maximum (the first given for it), found by name.
    let mut maximum_of_cohort: foldhash::HashMap<&str, i128> = foldhash::HashMap::default();
    for m in &contract.figures.per_participant {
        maximum_of_cohort
            .entry(m.cohort.as_str())
            .or_insert(m.maximum.minor);
    }
    let maximum_of_funnel: Vec<i128> = contract
        .funnels
        .iter()
        .map(|f| {
            maximum_of_cohort
                .get(f.cohort.as_str())
                .copied()
                .unwrap_or(i128::MAX)
        })
        .collect();
    let maximum_of = |participant: u32| {
        accepted
            .events(participant as usize)
            .first()
            .map_or(i128::MAX, |e| {
                maximum_of_funnel[stages[e.stage as usize].funnel]
            })
    };
    let mut clauses = ClauseIds::default();
    let card = card::Card::of(
        contract,
        stages,
        accepted,
        &by_id,
        (&maximum_of_funnel, &stage_subject),
        &mut clauses,
    );
    // Participants in order of their references as shown, so that lines sort by index
    // exactly as by reference.
    let participant_rank: Vec<u32> = {
        let mut order: Vec<u32> = (0..accepted.len() as u32).collect();
        // Held in the order of their keys, the participants are nearly always in the order of
        // their references too (unless references differ in capitals): that is looked at on
        // every thread, each a run of them, before any sort on one.
        let people = accepted.len();
        let threads = workspace::threads();
        let runs: Vec<Range<usize>> = (0..threads)
            .map(|t| people * t / threads..(people * (t + 1) / threads + 1).min(people))
            .collect();
        let in_order = workspace::parallel_map(runs, |run| {
            run.clone()
                .zip(run.skip(1))
                .all(|(a, b)| accepted.name(a) <= accepted.name(b))
        });
        if !in_order.into_iter().all(|run| run) {
            order.sort_unstable_by(|a, b| {
                accepted.name(*a as usize).cmp(accepted.name(*b as usize))
            });
        }
        let mut rank = vec![0u32; accepted.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i as usize] = r as u32 + 1;
        }
        rank
    };

    // 1. Per participant: what each event adds to their entitlement, made straight into the
    // order step 3 reads them in: by the day each falls due, then by participant, subject
    // and kind (`by_day`), those due after the report date last. With room for the
    // contract's own lines (fees, bonuses, tiers) that join them in step 5: a million lines
    // are not copied to grow.
    let last_day = Day::of(until);
    let fee_lines = p
        .fixed_fees
        .iter()
        .map(|f| f.periods as usize)
        .sum::<usize>();
    let room = (p.incentives.len() + p.tiers.len() + 1) * (periods.len() + 4) + fee_lines;
    // A price for each event and an attachment fee for each participant, for most contracts.
    let into = Vec::with_capacity(accepted.event_count() + accepted.len() + room);
    let (mut outcome_lines, due_by) = {
        let ranks = subjects.ranks();
        by_day::lines_by_day(
            accepted.len(),
            (Day::of(contract.term.start), last_day),
            &card,
            (into, room),
            &|l: &Decided| {
                (u128::from(rank_of(&participant_rank, l.participant())) << 35)
                    | (u128::from(rank_of(&ranks, l.subject)) << 3)
                    | l.kind as u128
            },
        )?
    };

    // A participant limit: only the first participants of a cohort to reach a payable result
    // are paid for.
    let places = if p.participant_limits.is_empty() {
        Vec::new()
    } else {
        let mut first: Vec<Option<Date>> = vec![None; accepted.len()];
        for l in outcome_lines.iter().filter(|l| l.amount > 0) {
            let day = first[l.participant() as usize].get_or_insert(l.earned.date());
            *day = (*day).min(l.earned.date());
        }
        let cohort = |who: usize| {
            accepted.events(who).first().map(|e| {
                contract.funnels[stages[e.stage as usize].funnel]
                    .cohort
                    .as_str()
            })
        };
        let places = super::limit::places(contract, &first, &|who| accepted.name(who), &cohort);
        for l in &mut outcome_lines {
            let beyond =
                places[l.participant() as usize].is_some_and(|place| !place.paid(contract));
            if beyond && l.amount != 0 {
                l.amount = 0;
                l.cuts |= cut::LIMIT;
            }
        }
        places
    };

    // 2. Fixed fees, falling due on the last day of each period they pay for.
    let mut other_lines: Vec<Decided> = Vec::new();
    for fee in &p.fixed_fees {
        let clause = clauses.id(&fee.clause);
        for ends in fee_due_dates(contract.term, fee) {
            other_lines.push(Decided {
                kind: LineKind::FixedFee,
                who: NONE,
                subject: NONE,
                earned: Day::of(ends),
                due: Day::of(ends),
                rate: to_line(fee.amount.minor, "a fixed fee", currency)?,
                amount: to_line(fee.amount.minor, "a fixed fee", currency)?,
                clause,
                cuts: 0,
            });
        }
    }

    // 3. In order of falling due: deadweight and the cap on outcome payments. The lines
    // due after the report date are left for a later report.
    outcome_lines.truncate(due_by);
    let outcome_cap = cap_of(CapScope::OutcomePayments);
    // Each priced stage's group, and what each capped group has paid so far.
    let group_of: HashMap<u32, usize> = p
        .groups
        .iter()
        .enumerate()
        .flat_map(|(i, g)| {
            let stage_subject = &stage_subject;
            g.stages
                .iter()
                .filter_map(|s| by_id.get(s.as_str()))
                .map(move |&stage| (stage_subject[stage], i))
        })
        .collect();
    let mut group_paid = vec![0_i128; p.groups.len()];
    let (mut gross, mut net) = (0_i128, 0_i128);
    // What the outcome lines due on each day pay, in order of days, for the bonuses' shares
    // of a period's outcome payments (step 4), rather than another pass over every line.
    let mut by_day: Vec<(Day, i128)> = Vec::new();
    for l in &mut outcome_lines {
        gross = add(gross, l.amount.into(), "the outcome payments")?;
        let after = match &p.deadweight {
            Some(d) => mul_div_rounded(gross, i128::from(d.of - d.discounted), i128::from(d.of))
                .ok_or_else(|| too_large("the outcome payments less deadweight"))?,
            None => gross,
        };
        let mut share = after - net;
        if share < i128::from(l.amount) && p.deadweight.is_some() {
            l.cuts |= cut::DEADWEIGHT;
        }
        // A group's cap, after deadweight and before the cap on outcome payments.
        let group = match l.kind {
            LineKind::Price => group_of.get(&l.subject).copied(),
            _ => None,
        };
        if let Some(g) = group {
            if let Some(cap) = p.groups[g].cap {
                let room = (cap.minor - group_paid[g]).max(0);
                if share > room {
                    share = room;
                    l.cuts |= cut::GROUP_CAP;
                }
            }
        }
        if let Some(cap) = outcome_cap {
            let room = (cap.amount.minor - net).max(0);
            if share > room {
                share = room;
                l.cuts |= cut::OUTCOME_CAP;
            }
        }
        net += share; // at most `after`, which is at most `gross`
        if let Some(g) = group {
            group_paid[g] += share; // at most what `net` holds
        }
        l.amount = to_line(share, "an outcome payment", currency)?;
        match by_day.last_mut() {
            Some((day, paid)) if *day == l.due => {
                *paid = add(*paid, share, "the outcome payments")?;
            }
            _ => by_day.push((l.due, share)),
        }
    }
    let outcome_paid = net;
    // What the days before each pay, so that a run of days is a difference.
    let mut paid_before = Vec::with_capacity(by_day.len() + 1);
    paid_before.push(0_i128);
    for (_, paid) in &by_day {
        let so_far = paid_before.last().copied().unwrap_or(0);
        paid_before.push(add(so_far, *paid, "the outcome payments")?);
    }

    // 4. Bonuses and penalties, and tiers, from the counts and the measured values.
    // People at each stage (`reached_by`, by the stage's place).
    let counts = |stage: &str| by_id.get(stage).map_or(0, |g| reached_by[*g]);
    for incentive in &p.incentives {
        for (assessed, ends) in assessments(contract, incentive, until) {
            let value = match incentive.subject_kind {
                SubjectKind::Stage => Some(Decimal {
                    mantissa: counts(&incentive.condition.subject) as i128,
                    scale: 0,
                }),
                SubjectKind::Measure => measured_value(
                    measured,
                    &incentive.condition.subject,
                    None,
                    year_of(contract, ends),
                )?,
            };
            let Some(value) = value else { continue };
            let threshold = match incentive.condition.value {
                Threshold::Number(n) | Threshold::Percent(crate::value::Percent(n)) => n,
            };
            if !incentive
                .condition
                .comparison
                .holds(value.cmp_value(&threshold))
            {
                continue;
            }
            // The days are in order: those in the period are a run.
            let (assessed, ends_day) = (Day::of(assessed), Day::of(ends));
            let from = by_day.partition_point(|(day, _)| *day < assessed);
            let to = by_day
                .partition_point(|(day, _)| *day <= ends_day)
                .max(from);
            let outcomes_in = paid_before[to].checked_sub(paid_before[from]);
            let rate = match incentive.amount {
                model::IncentiveAmount::Money(m) => m.minor,
                model::IncentiveAmount::ShareOfOutcomePayments(share) => outcomes_in
                    .and_then(|outcomes| plan::percent_of(outcomes, share))
                    .ok_or_else(|| too_large("a share of the outcome payments"))?,
            };
            let (kind, signed) = match incentive.kind {
                IncentiveKind::Bonus => (LineKind::Bonus, rate),
                IncentiveKind::Penalty => (LineKind::Penalty, -rate),
            };
            other_lines.push(Decided {
                kind,
                who: NONE,
                subject: subjects.intern(&incentive.condition.subject),
                earned: Day::of(ends),
                due: Day::of(ends),
                rate: to_line(signed, "a bonus or penalty", currency)?,
                amount: to_line(signed, "a bonus or penalty", currency)?,
                clause: clauses.id(&incentive.clause),
                cuts: 0,
            });
        }
    }
    // Tier lines are made whole with the measured values behind them (`tiers.rs`).
    let super::tiers::Made {
        lines: made,
        readings,
    } = super::tiers::tier_lines(
        contract,
        until,
        measured,
        &|subject, ends, earned, schedule| PaymentLine {
            kind: LineKind::Tier,
            participant: None,
            stage: Some(subject.to_string()),
            earned: ends,
            due: ends,
            period: String::new(),
            rate: earned,
            amount: earned,
            clause: schedule.clause.clone(),
            cut_by: Vec::new(),
            limit: None,
            measured: None,
            payers: Vec::new(),
        },
    )?;
    // Each line's schedule by its clause (the first schedule of a clause, as a search found),
    // looked up rather than searched for each line.
    let mut schedule_of: foldhash::HashMap<&model::Clause, &model::TierSchedule> =
        foldhash::HashMap::default();
    for schedule in &p.tiers {
        schedule_of.entry(&schedule.clause).or_insert(schedule);
    }
    for (i, line) in made.iter().enumerate() {
        let Some(&schedule) = schedule_of.get(&line.clause) else {
            continue;
        };
        other_lines.push(Decided {
            kind: LineKind::Tier,
            who: i as u32,
            subject: subjects.intern(line.stage.as_deref().unwrap_or_default()),
            earned: Day::of(line.earned),
            due: Day::of(line.due),
            rate: to_line(line.rate.minor, "a tier payment", currency)?,
            amount: to_line(line.amount.minor, "a tier payment", currency)?,
            clause: clauses.id(&schedule.clause),
            cuts: 0,
        });
    }

    // 5. Everything in order of falling due, within the total cap: by day, kind, participant
    // and subject, as a stable sort of the outcome lines followed by the others would put
    // them. The outcome lines are already in order of day, participant, subject and kind
    // (step 3; the subjects interned since keep their order among the others), so each day's
    // lines are put in order of kind, and the other lines, a few, sorted and merged in: no
    // million lines sorted again.
    let mut lines: Vec<Decided> = outcome_lines;
    {
        let ranks = subjects.ranks();
        let key = |l: &Decided| {
            (u128::from(l.due.key()) << 67)
                | ((l.kind as u128) << 64)
                | (u128::from(rank_of(&participant_rank, l.participant())) << 32)
                | u128::from(rank_of(&ranks, l.subject))
        };
        kinds_in_order_within_days(&mut lines);
        debug_assert!(lines.is_sorted_by_key(key));
        let mut others: Vec<Decided> = other_lines
            .into_iter()
            .filter(|l| l.due <= last_day)
            .collect();
        others.sort_by_key(key);
        merge_after(&mut lines, &others, key);
    }
    let total_cap = cap_of(CapScope::Total);
    // What `check` certified the contract can ever pay, and the funding limit was checked
    // against: the report never pays beyond it. Held to the cohort sizes, the rules above stay
    // within it but for the rounding of shares assessed period by period.
    let exposure = contract.figures.maximum_exposure;

    // 6. Totals that add up to the penny, each line counted once, as the total cap and the
    // maximum exposure leave it (in the same pass, in order of falling due; `totals`).
    let subtotal = || too_large("a subtotal of the payments");
    let held = matches!(out, Lines::Held);
    // By group (only when the contract has groups): each group's priced stages, then the
    // stages in no group with the attachment fees, then what is not a stage's price.
    let ungrouped = p.groups.len();
    let rows = if p.groups.is_empty() {
        0
    } else {
        ungrouped + 2
    };
    let period_of = PeriodOf::new(periods);
    let totals::Totals {
        total,
        of_group,
        of_period_group,
        of_contract,
        of_participant,
        of_price_stage,
        of_kind,
        of_period,
        outside,
        clause_lines,
        made_decided,
    } = totals::within_total(
        &mut lines,
        (total_cap.map(|c| c.amount.minor), exposure.minor),
        &totals::Headings {
            rows,
            ungrouped,
            group_of: &group_of,
            period_of: &period_of,
            periods: periods.len(),
            subjects: subjects.names.len(),
            clauses: clauses.list.len(),
            participants: held.then_some(accepted.len()),
            made: made.len(),
        },
        currency,
    )?;
    let by_participant = if held {
        let mut sums: BTreeMap<&str, i128> = BTreeMap::new();
        for (who, sum) in of_participant.iter().enumerate() {
            if let Some(sum) = sum {
                sums.insert(accepted.name(who), *sum);
            }
        }
        if let Some(sum) = of_contract {
            let at = sums.entry("(contract)").or_insert(0);
            *at = at.checked_add(sum).ok_or_else(subtotal)?;
        }
        sums.into_iter()
            .map(|(name, minor)| Amount {
                name: name.to_string(),
                amount: money(minor),
                share: None,
                clause: None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let by_stage = {
        let mut sums: BTreeMap<String, i128> = BTreeMap::new();
        for (s, sum) in of_price_stage.iter().enumerate() {
            if let Some(sum) = sum {
                sums.insert(subjects.names[s].clone(), *sum);
            }
        }
        for (kind, sum) in of_kind.iter().flatten() {
            let at = sums.entry(format!("({})", kind_word(*kind))).or_insert(0);
            *at = at.checked_add(*sum).ok_or_else(subtotal)?;
        }
        sums.into_iter()
            .map(|(name, minor)| Amount {
                share: None,
                clause: None,
                name,
                amount: money(minor),
            })
            .collect()
    };
    let row_names: Vec<String> = p
        .groups
        .iter()
        .map(|g| g.id.to_string())
        .chain([NOT_IN_A_GROUP.to_string(), NOT_A_PRICE.to_string()])
        .take(rows)
        .collect();
    let split = |by_row: &[i128]| -> Vec<Amount> {
        row_names
            .iter()
            .zip(by_row)
            .map(|(name, minor)| Amount {
                name: name.clone(),
                amount: money(*minor),
                share: None,
                clause: None,
            })
            .collect()
    };
    let mut by_period: Vec<PeriodAmount> = periods
        .iter()
        .zip(&of_period)
        .zip(&of_period_group)
        .map(|((period, sum), by_row)| PeriodAmount {
            name: period.label.clone(),
            amount: money(*sum),
            by_group: split(by_row),
        })
        .collect();
    if outside != 0 {
        by_period.push(PeriodAmount {
            name: "after the last period".to_string(),
            amount: money(outside),
            by_group: split(&of_period_group[periods.len()]),
        });
    }
    // Each row beside the contract's figures for it (the same rows, in the same order).
    let figures = &contract.figures.by_group;
    let by_group: Vec<GroupPaid> = row_names
        .into_iter()
        .zip(&of_group)
        .enumerate()
        .map(|(i, (name, minor))| {
            let group = p.groups.get(i);
            let cap = group.and_then(|g| g.cap);
            GroupPaid {
                name,
                title: group.and_then(|g| g.title.as_deref().map(str::to_owned)),
                amount: money(*minor),
                at_plan: figures.get(i).map_or(money(0), |f| f.at_plan),
                at_maximum: figures.get(i).and_then(|f| f.at_maximum),
                cap,
                cap_reached: cap.is_some_and(|cap| group_paid[i] >= cap.minor),
                clause: group.map(|g| g.clause.clone()),
            }
        })
        .collect();
    let fees_to_come: i128 = {
        let mut sum = 0;
        for fee in &p.fixed_fees {
            let paid: u64 = clauses
                .ids
                .get(&fee.clause)
                .map_or(0, |&id| clause_lines[id as usize]);
            // At most the fee's total over the term, a checked figure of the contract.
            let to_come = i128::from(fee.periods.saturating_sub(paid));
            let amount = fee
                .amount
                .minor
                .checked_mul(to_come)
                .ok_or_else(|| too_large("the fixed fees still to come"))?;
            sum = add(sum, amount, "the fixed fees still to come")?;
        }
        sum
    };
    let under_total_cap = match total_cap {
        Some(cap) => Some(money(
            cap.amount
                .minor
                .checked_sub(total)
                .and_then(|room| room.checked_sub(fees_to_come))
                .ok_or_else(|| too_large("the room under the total cap"))?
                .max(0),
        )),
        None => None,
    };
    let residual = Residual {
        under_total_cap,
        under_outcome_cap: outcome_cap.map(|cap| money((cap.amount.minor - outcome_paid).max(0))),
        can_still_reach: still_reachable(contract, stages, accepted, until),
        referrals_open_until: contract.referrals.map(|r| r.until).filter(|u| *u > until),
    };

    // The lines in words, in order: held, or handed on one at a time.
    let words = Words {
        contract,
        // A report that lists only its first lines names them from `accepted`: a table of
        // every participant for twenty lines took 30 ms on one thread (ten million rows).
        names: (!matches!(out, Lines::First(_))).then(|| Names::of(accepted)),
        accepted,
        periods,
        period_of,
        subjects: &subjects.names,
        clauses: &clauses.list,
        maximum_of: &maximum_of,
        group_of: &group_of,
        places: &places,
        made: &made,
        cuts: CutWords::of(contract),
    };
    // Every reading by the report date: those that reach a tier with their line in words,
    // as `lines` has it but for the payers' parts, whatever lines are held.
    let tiers: Vec<TierReading> = readings
        .into_iter()
        .filter_map(|(mut reading, line)| {
            match line {
                // A line that falls due after the report date was never decided.
                Some(i) => {
                    let decided = made_decided.get(i).copied().flatten()?;
                    reading.line = Some(words.line(&decided));
                }
                None if reading.due > until => return None,
                None => {}
            }
            Some(reading)
        })
        .collect();
    // Who pays each line: the running split of the lines in order (`payer_parts.rs`).
    let mut payer_parts = PayerParts::new(&p.payers, currency);
    let pay = |payer_parts: &mut Option<PayerParts>, l: &Decided, parts: &mut Vec<Amount>| {
        match payer_parts {
            Some(trace) => trace.next(l.kind, l.amount.into(), parts),
            None => Ok(()),
        }
    };
    let held_lines = match &mut out {
        Lines::First(n) => {
            let (listed, rest) = lines.split_at(lines.len().min(*n));
            let mut held = Vec::with_capacity(listed.len());
            for l in listed {
                let mut line = words.line(l);
                pay(&mut payer_parts, l, &mut line.payers)?;
                held.push(line);
            }
            // The lines past those listed join the payers' running totals at once: what
            // they add up to is the total and the fixed fees and bonuses less the listed
            // lines' (a pass over ten million lines on one thread, saved).
            if let (Some(trace), false) = (&mut payer_parts, rest.is_empty()) {
                let fixed_and_bonuses = |lines: &[Decided]| {
                    plan::checked_sum(
                        lines
                            .iter()
                            .filter(|l| PayerParts::fixed_or_bonus(l.kind))
                            .map(|l| i128::from(l.amount)),
                    )
                };
                let sums = (|| {
                    let listed_total =
                        plan::checked_sum(listed.iter().map(|l| i128::from(l.amount)))?;
                    let of_kinds = of_kind
                        .iter()
                        .flatten()
                        .filter(|(kind, _)| PayerParts::fixed_or_bonus(*kind))
                        .try_fold(0_i128, |sum, (_, amount)| sum.checked_add(*amount))?;
                    Some((
                        total.checked_sub(listed_total)?,
                        of_kinds.checked_sub(fixed_and_bonuses(listed)?)?,
                    ))
                })();
                let (rest_total, rest_fixed_and_bonuses) = sums.ok_or_else(subtotal)?;
                trace.pass_sums(rest_total, rest_fixed_and_bonuses)?;
            }
            held
        }
        Lines::Held => {
            let mut held = Vec::with_capacity(lines.len());
            for l in &lines {
                let mut line = words.line(l);
                pay(&mut payer_parts, l, &mut line.payers)?;
                held.push(line);
            }
            held
        }
        Lines::Written(out) => {
            write_runs(&lines, &words, payer_parts.as_mut(), out)?;
            Vec::new()
        }
        Lines::Streamed(write) => {
            let mut line: Option<PaymentLine> = None;
            for l in &lines {
                let line = match &mut line {
                    Some(line) => {
                        words.fill(l, line);
                        line
                    }
                    None => line.insert(words.line(l)),
                };
                pay(&mut payer_parts, l, &mut line.payers)?;
                write(line)?;
            }
            Vec::new()
        }
    };
    // Each payer's total is the sum of its parts of the lines.
    let by_payer = match &mut payer_parts {
        None => Vec::new(),
        Some(trace) => {
            let (parts, unfunded) = trace.paid()?;
            let shares = payers::shares(parts, unfunded);
            let mut out: Vec<Amount> = p
                .payers
                .iter()
                .zip(parts.iter().zip(shares))
                .map(|(payer, (part, share))| Amount {
                    name: payer.name.as_str().to_owned(),
                    amount: money(*part),
                    share,
                    clause: Some(payer.clause.clone()),
                })
                .collect();
            if unfunded != 0 {
                out.push(Amount {
                    name: super::payer_parts::UNFUNDED.to_string(),
                    amount: money(unfunded),
                    share: None,
                    clause: None,
                });
            }
            out
        }
    };
    Ok((
        Payments {
            lines_not_held: (lines.len() - held_lines.len()) as u64,
            lines: held_lines,
            total: money(total),
            by_participant,
            by_period,
            by_payer,
            by_stage,
            by_group,
            tiers,
        },
        residual,
    ))
}

/// Most lines to a run, when they are put into bytes on several threads (`write_runs`): a
/// run's bytes (some 1.5 MB of CSV) are held while the runs before it are written. Fewer
/// lines are shared out in runs of at least `RUN_LEAST`, eight a thread where they make so
/// many.
const RUN: usize = 8192;
const RUN_LEAST: usize = 64;

/// The lines in words and then in bytes, written in order: runs of `RUN` lines put into
/// bytes on `workspace::threads()` threads, each run written in its turn by the thread that
/// made it, while the others make the next ones. Who pays each line is the running split of
/// the lines before it (`payer_parts`): it is run through once here first, to know where it
/// stands at the start of each run, and each run goes on from there, so that every line's
/// parts are those of the split in order. The bytes are those that writing the lines one at
/// a time makes, and an error stops the lines where it would have: the lines before it are
/// written, in order, and none after.
fn write_runs(
    lines: &[Decided],
    words: &Words<'_>,
    mut payer_parts: Option<&mut super::payer_parts::PayerParts<'_>>,
    out: &mut super::lines::LinesOut<'_>,
) -> Result<(), String> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex, PoisonError};
    let threads = crate::workspace::threads();
    let run_lines = (lines.len() / threads.saturating_mul(8)).clamp(RUN_LEAST, RUN);
    // Where the split stands at the start of each run, and the line (if any) whose parts
    // cannot be computed: the lines stop there.
    let mut starts = Vec::new();
    let mut stop = (lines.len(), None);
    if let Some(parts) = &mut payer_parts {
        let mut scratch = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if i % run_lines == 0 {
                starts.push(parts.at()?);
            }
            if let Err(error) = parts.next(l.kind, l.amount.into(), &mut scratch) {
                stop = (i, Some(error));
                break;
            }
        }
    }
    let (stop, unpaid) = stop;
    let runs = stop.div_ceil(run_lines);
    let format = out.format;
    struct Turn<'w> {
        /// The run to be written next.
        next: usize,
        failed: Option<String>,
        /// A thread stopped by a panic: no turn will come, and the others stop too (the panic
        /// is handed on when the threads are joined).
        abandoned: bool,
        write: &'w mut super::lines::WriteRun<'w>,
    }
    struct Abandon<'a, 'w> {
        turn: &'a Mutex<Turn<'w>>,
        turned: &'a Condvar,
    }
    impl Drop for Abandon<'_, '_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                let mut turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
                turn.abandoned = true;
                drop(turn);
                self.turned.notify_all();
            }
        }
    }
    let turn = Mutex::new(Turn {
        next: 0,
        failed: None,
        abandoned: false,
        write: &mut *out.write,
    });
    let turned = Condvar::new();
    let taken = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let payers = payer_parts.as_deref().map(|p| p.payers());
    let work = || {
        let _abandon = Abandon {
            turn: &turn,
            turned: &turned,
        };
        let mut bytes: Vec<u8> = Vec::new();
        let mut scratch = super::lines::LineScratch::default();
        let mut line: Option<PaymentLine> = None;
        let mut slots: Vec<Option<[u8; 16]>> = Vec::with_capacity(GATHERED);
        let mut parts = payers.and_then(|(payers, currency)| PayerParts::new(payers, currency));
        loop {
            let run = taken.fetch_add(1, Ordering::Relaxed);
            if run >= runs {
                break;
            }
            bytes.clear();
            let range = run * run_lines..((run + 1) * run_lines).min(stop);
            let mut made = Ok(());
            let mut done = 0;
            if !failed.load(Ordering::Relaxed) {
                if let Some(parts) = &mut parts {
                    parts.resume(&starts[run]);
                }
                'lines: for chunk in lines[range.clone()].chunks(GATHERED) {
                    // The participants' references looked up together, ahead of their
                    // lines: lines in order of days name participants all over a table
                    // larger than the caches, and lookups that do not wait on each other
                    // wait for memory together, not one after another.
                    slots.clear();
                    slots.extend(chunk.iter().map(|l| words.slot(l)));
                    for (l, slot) in chunk.iter().zip(&slots) {
                        let name = words.named(l, slot.as_ref());
                        let line = match &mut line {
                            Some(line) => {
                                words.fill_named(l, name, line);
                                line
                            }
                            None => line.insert(words.line(l)),
                        };
                        if let Some(parts) = &mut parts {
                            made = parts.next(l.kind, l.amount.into(), &mut line.payers);
                        }
                        if made.is_ok() {
                            made = format
                                .append(line, &mut scratch, &mut bytes)
                                .map_err(|e| e.to_string());
                        }
                        if made.is_err() {
                            break 'lines;
                        }
                        done += 1;
                    }
                }
            }
            // Every run taken is handed on in its turn, so that none waits for ever.
            let mut turn = turn.lock().unwrap_or_else(PoisonError::into_inner);
            while turn.next != run && !turn.abandoned {
                turn = turned.wait(turn).unwrap_or_else(PoisonError::into_inner);
            }
            if turn.abandoned {
                break;
            }
            if turn.failed.is_none() {
                // The lines made before an error are written, as one at a time they would be.
                let written = (turn.write)(&bytes, done).and(made);
                if let Err(error) = written {
                    turn.failed = Some(error);
                    failed.store(true, Ordering::Relaxed);
                }
            }
            turn.next += 1;
            drop(turn);
            turned.notify_all();
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.min(runs) {
            scope.spawn(work);
        }
        work();
    });
    let turn = turn.into_inner().unwrap_or_else(PoisonError::into_inner);
    match (turn.failed, unpaid) {
        (Some(error), _) | (None, Some(error)) => Err(error),
        (None, None) => Ok(()),
    }
}

/// How many lines' participants `write_runs` looks up at once.
const GATHERED: usize = 32;

/// The row of `Payments::by_group` for the prices of stages in no group and attachment fees.
pub const NOT_IN_A_GROUP: &str = "(not in a group)";
/// The row of `Payments::by_group` for fixed fees, bonuses, penalties and tier payments.
pub const NOT_A_PRICE: &str = "(not a stage's price)";

/// What turns a decided line into words.
struct Words<'a> {
    contract: &'a Contract,
    /// The references of the participants in `accepted`, by place, for a report that puts
    /// every line in words (else read from `accepted`).
    names: Option<Names>,
    accepted: &'a Accepted,
    periods: &'a [Period],
    period_of: PeriodOf,
    subjects: &'a [String],
    clauses: &'a [&'a model::Clause],
    maximum_of: &'a (dyn Fn(u32) -> i128 + Sync),
    /// The group of each priced stage, by its subject.
    group_of: &'a HashMap<u32, usize>,
    /// Each participant's place under a participant limit (empty without one).
    places: &'a [Option<super::limit::Place>],
    /// The lines made whole by their rule (`Decided::made`).
    made: &'a [PaymentLine],
    /// The words of each rule that cuts a line the same way whoever it pays for.
    cuts: CutWords,
}

/// Participants' references by number, for the lines. Lines in order of falling due take
/// their participants in no order, so each line's look here is a read from memory far from
/// the one before: a reference of up to `Names::INLINE` bytes (most) is held in its
/// participant's slot of 16 bytes, found in one read, and a longer one is in `long`, the slot
/// saying where. `Accepted` holds the references in one text with a list of where each
/// ends: two reads far apart for each line, where a slot is one.
struct Names {
    slots: Vec<[u8; 16]>,
    long: String,
}

impl Names {
    /// The most bytes of a reference held in its slot, whose last byte is its length.
    const INLINE: usize = 15;
    /// The last byte of the slot of a reference held in `long`: the slot's first 8 bytes are
    /// where it starts there, the next 7 its length.
    const LONG: u8 = u8::MAX;

    fn of(accepted: &Accepted) -> Names {
        let mut names = Names {
            slots: Vec::with_capacity(accepted.len()),
            long: String::new(),
        };
        for (id, _) in accepted.iter() {
            let mut slot = [0_u8; 16];
            if id.len() <= Names::INLINE {
                slot[..id.len()].copy_from_slice(id.as_bytes());
                slot[15] = id.len() as u8;
            } else {
                slot[..8].copy_from_slice(&(names.long.len() as u64).to_le_bytes());
                slot[8..15].copy_from_slice(&(id.len() as u64).to_le_bytes()[..7]);
                slot[15] = Names::LONG;
                names.long.push_str(id);
            }
            names.slots.push(slot);
        }
        names
    }

    fn get(&self, i: usize) -> &str {
        self.text(&self.slots[i])
    }

    /// The reference a slot of `slots` holds (or places in `long`).
    fn text<'a>(&'a self, slot: &'a [u8; 16]) -> &'a str {
        if slot[15] != Names::LONG {
            return std::str::from_utf8(&slot[..usize::from(slot[15])]).unwrap_or_default();
        }
        let mut start = [0; 8];
        start.copy_from_slice(&slot[..8]);
        let mut length = [0; 8];
        length[..7].copy_from_slice(&slot[8..15]);
        let start = u64::from_le_bytes(start) as usize;
        let length = u64::from_le_bytes(length) as usize;
        self.long.get(start..start + length).unwrap_or_default()
    }
}

/// The words of the rules that cut lines, made once for all lines.
struct CutWords {
    per_participant_cap: Option<String>,
    deadweight: Option<String>,
    /// By group, for a group with a cap.
    group_cap: Vec<Option<String>>,
    outcome_cap: Option<String>,
    total_cap: Option<String>,
    exposure: String,
}

impl CutWords {
    fn of(contract: &Contract) -> CutWords {
        let p = &contract.payments;
        let cap_of = |scope: CapScope| p.caps.iter().find(|c| c.scope == scope);
        CutWords {
            per_participant_cap: cap_of(CapScope::PerParticipant)
                .map(|cap| format!("per-participant cap of {} ({})", cap.amount, cap.clause)),
            deadweight: p
                .deadweight
                .as_ref()
                .map(|d| format!("deadweight {} in {} ({})", d.discounted, d.of, d.clause)),
            group_cap: p
                .groups
                .iter()
                .map(|group| {
                    group.cap.map(|cap| {
                        format!(
                            "cap on group `{}` of {cap} reached ({})",
                            group.id, group.clause
                        )
                    })
                })
                .collect(),
            outcome_cap: cap_of(CapScope::OutcomePayments).map(|cap| {
                format!(
                    "cap on outcome payments of {} reached ({})",
                    cap.amount, cap.clause
                )
            }),
            total_cap: cap_of(CapScope::Total)
                .map(|cap| format!("total cap of {} reached ({})", cap.amount, cap.clause)),
            exposure: format!(
                "the contract's maximum exposure of {} reached",
                contract.figures.maximum_exposure
            ),
        }
    }
}

impl Words<'_> {
    /// A decided line in words, as a line of its own.
    fn line(&self, l: &Decided) -> PaymentLine {
        let currency = self.contract.funding_limit.currency;
        let mut line = PaymentLine {
            kind: l.kind,
            participant: None,
            stage: None,
            earned: l.earned.date(),
            due: l.due.date(),
            period: String::new(),
            rate: Money::new(0, currency),
            amount: Money::new(0, currency),
            clause: model::Clause {
                file: "".into(),
                line: 0,
            },
            cut_by: Vec::new(),
            limit: None,
            measured: None,
            payers: Vec::new(),
        };
        self.fill(l, &mut line);
        line
    }

    /// A decided line in words, written over `line` (whose text is reused, so that a million
    /// lines handed on one at a time cost no allocation each).
    fn fill(&self, l: &Decided, line: &mut PaymentLine) {
        self.fill_named(l, self.participant(l), line);
    }

    /// The reference of the participant a line pays for, if any.
    fn participant(&self, l: &Decided) -> Option<&str> {
        let who = l.participant() as usize;
        (l.participant() != NONE).then(|| match &self.names {
            Some(names) => names.get(who),
            None => self.accepted.name(who),
        })
    }

    /// As `participant`, from the line's slot (`Words::slot`) when it was copied.
    fn named<'s>(&'s self, l: &Decided, slot: Option<&'s [u8; 16]>) -> Option<&'s str> {
        match (slot, &self.names) {
            (Some(slot), Some(names)) => Some(names.text(slot)),
            _ => self.participant(l),
        }
    }

    /// The slot of `Names` that holds the reference of the participant a line pays for, if
    /// any, copied: a few instructions that need nothing but memory, so that many such
    /// copies wait for it at once.
    fn slot(&self, l: &Decided) -> Option<[u8; 16]> {
        if l.participant() == NONE {
            return None;
        }
        self.names
            .as_ref()?
            .slots
            .get(l.participant() as usize)
            .copied()
    }

    /// As `fill`, for a line whose participant's reference (`Words::participant`) is
    /// `participant`.
    fn fill_named(&self, l: &Decided, participant: Option<&str>, line: &mut PaymentLine) {
        let currency = self.contract.funding_limit.currency;
        let money = |minor: i128| Money::new(minor, currency);
        let mut cut_by = std::mem::take(&mut line.cut_by);
        let mut cuts = 0;
        let mut cut = |text: &str| {
            match cut_by.get_mut(cuts) {
                Some(words) => {
                    words.clear();
                    words.push_str(text);
                }
                None => cut_by.push(text.to_string()),
            }
            cuts += 1;
        };
        if l.cuts & cut::EXCLUSIVE != 0 {
            cut("paid once for the richest of exclusive alternatives");
        }
        if l.cuts & cut::PER_PARTICIPANT != 0 {
            match &self.cuts.per_participant_cap {
                Some(words) => cut(words),
                None => cut(&format!(
                    "per-participant maximum of {}",
                    money((self.maximum_of)(l.participant()))
                )),
            }
        }
        let place = self.places.get(l.participant() as usize).copied().flatten();
        let limit = place.map(|place| super::limit::words(self.contract, place));
        if l.cuts & cut::LIMIT != 0 {
            if let Some((_, Some(words))) = &limit {
                cut(words);
            }
        }
        if l.cuts & cut::DEADWEIGHT != 0 {
            if let Some(words) = &self.cuts.deadweight {
                cut(words);
            }
        }
        if l.cuts & cut::GROUP_CAP != 0 {
            let group = self.group_of.get(&l.subject);
            if let Some(words) = group.and_then(|g| self.cuts.group_cap[*g].as_ref()) {
                cut(words);
            }
        }
        if l.cuts & cut::OUTCOME_CAP != 0 {
            if let Some(words) = &self.cuts.outcome_cap {
                cut(words);
            }
        }
        if l.cuts & cut::TOTAL_CAP != 0 {
            if let Some(words) = &self.cuts.total_cap {
                cut(words);
            }
        }
        if l.cuts & cut::EXPOSURE != 0 {
            cut(&self.cuts.exposure);
        }
        cut_by.truncate(cuts);
        let due = l.due.date();
        let period = self.period_of.find(l.due);
        if let Some(made) = self.made.get(l.made() as usize) {
            line.clone_from(made);
            line.period = period.map_or_else(|| due.to_string(), |i| self.periods[i].label.clone());
            line.amount = money(l.amount.into());
            line.cut_by.extend(cut_by);
            return;
        }
        line.period.clear();
        match period {
            Some(i) => line.period.push_str(&self.periods[i].label),
            None => {
                use std::fmt::Write as _;
                // Writing to a String cannot fail.
                let _ = write!(line.period, "{due}");
            }
        }
        line.kind = l.kind;
        set_text(&mut line.participant, participant);
        set_text(&mut line.stage, self.subject(l.subject));
        line.earned = l.earned.date();
        line.due = due;
        line.rate = money(l.rate.into());
        line.amount = money(l.amount.into());
        let clause = self.clauses[l.clause as usize];
        if !std::sync::Arc::ptr_eq(&line.clause.file, &clause.file) {
            line.clause.file = clause.file.clone();
        }
        line.clause.line = clause.line;
        line.cut_by = cut_by;
        line.limit = limit.map(|(words, _)| words);
        line.measured = None;
    }

    fn subject(&self, i: u32) -> Option<&str> {
        (i != NONE).then(|| self.subjects[i as usize].as_str())
    }
}

/// Set optional text, reusing the text already held.
fn set_text(held: &mut Option<String>, text: Option<&str>) {
    match (held.as_mut(), text) {
        (Some(held), Some(text)) => {
            held.clear();
            held.push_str(text);
        }
        (_, text) => *held = text.map(str::to_string),
    }
}

/// The periods by their first and last days, for finding the period a day falls in by
/// halving (the periods are in order and do not overlap), comparing days as numbers rather
/// than as dates.
pub(crate) struct PeriodOf {
    days: Vec<(Day, Day)>,
    /// The first period's first day, and for each day's number from it (`Day`, with the
    /// numbers it leaves unused at the ends of months) the period it falls in, or `NONE`:
    /// looked up, not searched for, for every event and every line. Empty for periods that
    /// span more than `PeriodOf::TABLE` such numbers, which are searched.
    first: Day,
    table: Vec<u32>,
}

impl PeriodOf {
    /// The most day numbers looked up: a term of two thousand years.
    const TABLE: usize = 1 << 20;

    pub(crate) fn new(periods: &[Period]) -> PeriodOf {
        let days: Vec<(Day, Day)> = periods
            .iter()
            .map(|p| (Day::of(p.start), Day::of(p.end)))
            .collect();
        let first = days.first().map_or(Day(0), |&(start, _)| start);
        let span = days
            .last()
            .map_or(0, |&(_, end)| end.key().saturating_sub(first.key()) + 1);
        let mut table = Vec::new();
        if span as usize <= PeriodOf::TABLE {
            table = vec![NONE; span as usize];
            for (p, &(start, end)) in days.iter().enumerate() {
                let from = start.key().saturating_sub(first.key()) as usize;
                let to = (end.key().saturating_sub(first.key()) as usize + 1).min(table.len());
                table[from.min(to)..to].fill(p as u32);
            }
        }
        PeriodOf { days, first, table }
    }

    /// The period `day` falls in, if any.
    fn find(&self, day: Day) -> Option<usize> {
        if !self.table.is_empty() {
            let at = day.key().checked_sub(self.first.key())?;
            return match self.table.get(at as usize) {
                Some(&p) if p != NONE => Some(p as usize),
                _ => None,
            };
        }
        let i = self.days.partition_point(|&(_, end)| end < day);
        self.days
            .get(i)
            .filter(|&&(start, _)| day >= start)
            .map(|_| i)
    }

    /// The period `date` falls in, if any.
    pub(crate) fn of_date(&self, date: Date) -> Option<usize> {
        self.find(Day::of(date))
    }
}

fn kind_word(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Price => "prices",
        LineKind::Attachment => "attachment fees",
        LineKind::FixedFee => "fixed fees",
        LineKind::Bonus => "bonuses",
        LineKind::Penalty => "penalties",
        LineKind::Tier => "tier payments",
        LineKind::Deadweight => "deadweight",
    }
}

/// A line's rate or amount (`minor`) in the eight bytes a line holds it in. Every figure of a
/// contract that checks is within `Money::limit` (10^15 major units, at most 10^18 minor),
/// which eight bytes hold; one beyond them is refused as too large, as is every figure past
/// the limit.
fn to_line(minor: i128, what: &str, currency: crate::value::Currency) -> Result<i64, String> {
    i64::try_from(minor).map_err(|_| too_large(what, currency))
}

/// Why a figure is refused: `what` cannot be held exactly in `currency`.
fn too_large(what: &str, currency: crate::value::Currency) -> String {
    format!(
        "{what} is too large to compute exactly: more than {}",
        Money::limit(currency)
    )
}

/// The contract year a date falls in (1 = the first twelve months).
fn year_of(contract: &Contract, day: Date) -> u32 {
    let mut year = 1;
    while contract.term.start.add_months(12 * year) <= day {
        year += 1;
    }
    year
}

/// The periods a bonus or penalty is assessed over that have ended by `until`: once at the
/// end of the term, or each period of its frequency (from its first year, after any grace).
pub(crate) fn assessments(
    contract: &Contract,
    incentive: &model::Incentive,
    until: Date,
) -> Vec<(Date, Date)> {
    let term = contract.term;
    let Some(frequency) = incentive.assessed else {
        return if until >= term.end {
            vec![(term.start, term.end)]
        } else {
            Vec::new()
        };
    };
    let period = frequency.period();
    let first = incentive
        .from_year
        .map_or(term.start, |n| term.start.add_months(12 * (n - 1)));
    let mut out = Vec::new();
    let mut n = 0u32;
    loop {
        let (begins, next) = (period.start_of(first, n), period.start_of(first, n + 1));
        let ends = Date::from_day_number(next.day_number() - 1).min(term.end);
        if begins > term.end || ends > until {
            break;
        }
        out.push((begins, ends));
        n += 1;
    }
    out
}

/// A measure's value for a cohort (or pooled) in a contract year: the treatment value, or,
/// for a measure set against a comparison group, the improvement on it in percent:
/// (comparison − treatment) ÷ comparison × 100, to six decimal places.
fn measured_value(
    measured: &[Measured],
    measure: &str,
    cohort: Option<&str>,
    year: u32,
) -> Result<Option<Decimal>, String> {
    match measured
        .iter()
        .find(|m| m.measure == measure && m.cohort.as_deref() == cohort && m.year == year)
    {
        Some(m) => value_of(m),
        None => Ok(None),
    }
}

/// The value compared with thresholds: `None` for a comparison of 0, against which an
/// improvement is undefined. Measured values are read with at most twelve whole digits and
/// six decimals, so this fits; it is checked all the same, and a value that cannot be
/// computed exactly is refused.
pub(crate) fn value_of(m: &Measured) -> Result<Option<Decimal>, String> {
    match m.comparison {
        Some(comparison) if comparison.mantissa == 0 => Ok(None),
        Some(comparison) => {
            let scale = 6u32;
            let s = comparison.scale.max(m.treatment.scale);
            let at = |d: Decimal| {
                10_i128
                    .checked_pow(s - d.scale)
                    .and_then(|f| d.mantissa.checked_mul(f))
            };
            let mantissa = at(comparison)
                .zip(at(m.treatment))
                .and_then(|(c, t)| {
                    let per_hundred = 10_i128.checked_pow(scale)?.checked_mul(100)?;
                    mul_div_rounded(c.checked_sub(t)?, per_hundred, c)
                })
                .ok_or_else(|| {
                    format!(
                        "the improvement of `{}` on its comparison group in year {} is too large to compute exactly",
                        m.measure, m.year
                    )
                })?;
            Ok(Some(Decimal { mantissa, scale }))
        }
        None => Ok(Some(m.treatment)),
    }
}

/// For each paid stage: participants in the funnel who have not reached it and can still
/// reach it before the term ends, no sooner than its times allow and before its deadline
/// (when the report date is before the end of the term).
fn still_reachable(
    contract: &Contract,
    stages: &[StageInfo],
    accepted: &Accepted,
    until: Date,
) -> Vec<StillReachable> {
    let clocks: Vec<Clock> = contract.funnels.iter().map(Clock::of).collect();
    // Where each funnel's stages start among all stages (they are listed funnel by funnel).
    let mut first_of: Vec<usize> = vec![0; contract.funnels.len()];
    for (g, s) in stages.iter().enumerate().rev() {
        first_of[s.funnel] = g;
    }
    // For every stage, how many participants already in its funnel can still reach it:
    // each participant is judged once per funnel they entered, from their own dates.
    let mut can_reach = vec![0u64; stages.len()];
    if until < contract.term.end {
        let mut dates: Vec<Option<Date>> = vec![None; stages.len()];
        for (_, events) in accepted.iter() {
            for e in events {
                dates[e.stage as usize] = Some(e.day);
            }
            let mut entered: Vec<usize> = events
                .iter()
                .filter(|e| stages[e.stage as usize].index == 0)
                .map(|e| stages[e.stage as usize].funnel)
                .collect();
            entered.sort_unstable();
            entered.dedup();
            for f in entered {
                let reached = |i: usize| dates[first_of[f] + i];
                let possible = clocks[f].still_possible(&reached, until, contract.term.end);
                for (i, can) in possible.iter().enumerate() {
                    if *can {
                        can_reach[first_of[f] + i] += 1;
                    }
                }
            }
            for e in events {
                dates[e.stage as usize] = None;
            }
        }
    }
    let by_id: HashMap<&str, usize> = stages
        .iter()
        .enumerate()
        .map(|(g, s)| (s.id.as_str(), g))
        .collect();
    contract
        .payments
        .prices
        .iter()
        .filter_map(|price| {
            let g = by_id.get(price.stage.as_str())?;
            Some(StillReachable {
                stage: price.stage.as_str().to_owned(),
                participants: can_reach[*g],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every reference comes back as it went in: short ones held in their slots, long ones
    /// (past 15 bytes, or with characters of several bytes) in the text beside them.
    #[test]
    fn names_give_back_each_reference() {
        let references = [
            "",
            "P1",
            "exactly-15-byte",
            "sixteen-bytes-16",
            "Ünïcode-ünÏcode",
            "a-reference-far-longer-than-a-slot-holds",
            "é",
        ];
        let mut accepted = Accepted::default();
        for reference in references {
            accepted.push(reference, &[]);
        }
        let names = Names::of(&accepted);
        for (i, reference) in references.iter().enumerate() {
            assert_eq!(names.get(i), *reference);
        }
    }

    /// `n` lines of the given kinds on random days, participants and subjects, each line's
    /// `rate` its place, to see where it goes.
    fn random_lines(n: u64, kinds: &[LineKind], next: &mut impl FnMut(u64) -> u64) -> Vec<Decided> {
        (0..n)
            .map(|i| Decided {
                kind: kinds[next(kinds.len() as u64) as usize],
                who: if next(5) == 0 { NONE } else { next(20) as u32 },
                subject: next(4) as u32,
                earned: Day::of(Date::new(2026, 1, 1).unwrap()),
                due: Day::of(
                    Date::new(
                        2026 + next(2) as i32,
                        1 + next(12) as u32,
                        1 + next(28) as u32,
                    )
                    .unwrap(),
                ),
                rate: i as i64,
                amount: 0,
                clause: 0,
                cuts: 0,
            })
            .collect()
    }

    fn seeded(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |below: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % below
        }
    }

    fn places(lines: &[Decided]) -> Vec<i64> {
        lines.iter().map(|l| l.rate).collect()
    }

    /// A day's period found by comparing days as numbers is the period whose dates hold it:
    /// before the first, on each first and last day, in a gap between two, after the last.
    #[test]
    fn a_day_is_found_in_the_period_whose_dates_hold_it() {
        let date = |y, m, d| Date::new(y, m, d).unwrap();
        let unlabelled = |dates: &[(Date, Date)]| -> Vec<Period> {
            dates
                .iter()
                .map(|&(start, end)| Period {
                    label: String::new(),
                    start,
                    end,
                })
                .collect()
        };
        let periods = unlabelled(&[
            (date(2027, 1, 1), date(2027, 1, 31)),
            (date(2027, 2, 1), date(2027, 2, 28)),
            (date(2027, 4, 1), date(2027, 6, 30)),
        ]);
        let of = PeriodOf::new(&periods);
        let mut day = date(2026, 12, 1);
        while day <= date(2027, 8, 1) {
            let expected = periods.iter().position(|p| day >= p.start && day <= p.end);
            assert_eq!(of.find(Day::of(day)), expected, "{day}");
            day = day.next_day();
        }
        assert_eq!(PeriodOf::new(&[]).find(Day::of(day)), None);
        // Periods of thousands of years are searched rather than looked up: the same.
        let long = unlabelled(&[
            (date(1000, 1, 1), date(1000, 12, 31)),
            (date(1001, 3, 1), date(3100, 12, 31)),
        ]);
        let of = PeriodOf::new(&long);
        assert!(of.table.is_empty());
        for (day, expected) in [
            (date(999, 12, 31), None),
            (date(1000, 1, 1), Some(0)),
            (date(1000, 12, 31), Some(0)),
            (date(1001, 2, 28), None),
            (date(1001, 3, 1), Some(1)),
            (date(2027, 6, 15), Some(1)),
            (date(3100, 12, 31), Some(1)),
            (date(3101, 1, 1), None),
        ] {
            assert_eq!(of.find(Day::of(day)), expected, "{day}");
        }
    }

    /// The lines of step 5 (outcome lines in the order of step 3, then the others) come out
    /// of putting each day's kinds in order and merging the others in as a stable sort of
    /// them all by the order of step 5 puts them, whether the outcome lines are put in order
    /// in one part or cut into several where a day ends.
    #[test]
    fn the_outcome_lines_in_order_of_kind_and_the_others_merged_are_a_stable_sort() {
        let mut next = seeded(13);
        let ranks: Vec<u32> = (0..20).rev().collect();
        let outcome_kinds = [LineKind::Price, LineKind::Attachment];
        let other_kinds = [
            LineKind::FixedFee,
            LineKind::Bonus,
            LineKind::Price,
            LineKind::Tier,
        ];
        for (n, k) in [
            (0, 0),
            (0, 3),
            (5, 0),
            (1, 1),
            (40, 7),
            (1000, 60),
            (3000, 2),
            (30_000, 100),
        ] {
            let mut outcome = random_lines(n, &outcome_kinds, &mut next);
            outcome.sort_by_key(|l| (l.due, rank_of(&ranks, l.participant()), l.subject, l.kind));
            let mut others = random_lines(k, &other_kinds, &mut next);
            for (i, l) in others.iter_mut().enumerate() {
                l.rate = (n + i as u64) as i64;
                // Every second one with the key of an outcome line: ties to break.
                if i % 2 == 0 && n > 0 {
                    let twin = outcome[next(n) as usize];
                    (l.due, l.kind, l.who, l.subject) =
                        (twin.due, twin.kind, twin.who, twin.subject);
                }
            }
            let key = |l: &Decided| {
                (u128::from(l.due.key()) << 67)
                    | ((l.kind as u128) << 64)
                    | (u128::from(rank_of(&ranks, l.participant())) << 32)
                    | u128::from(l.subject)
            };
            let mut expected: Vec<Decided> = outcome.iter().chain(&others).copied().collect();
            expected.sort_by_key(key);
            // In one part, and cut where days end into two, three and seven parts (a part
            // for each core, whatever cores the machine running the test has).
            for parts in [1, 2, 3, 7] {
                let mut lines = outcome.clone();
                kinds_in_order_in_parts(&mut lines, parts);
                others.sort_by_key(key);
                merge_after(&mut lines, &others, key);
                assert_eq!(
                    places(&lines),
                    places(&expected),
                    "{n} and {k} lines in {parts} parts"
                );
            }
        }
    }

    #[test]
    fn days_are_keyed_in_their_order() {
        let days = [
            (1, 1, 1),
            (2025, 12, 31),
            (2026, 1, 1),
            (2026, 2, 28),
            (9999, 12, 31),
        ];
        let keys: Vec<u64> = days
            .iter()
            .map(|&(y, m, d)| Day::of(Date::new(y, m, d).unwrap()).key())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        for &(y, m, d) in &days {
            let date = Date::new(y, m, d).unwrap();
            assert_eq!(Day::of(date).date(), date);
        }
        // Years beyond what a `Day` holds keep their order against every day it does hold.
        let far = |year| {
            Day::of(Date {
                year,
                month: 1,
                day: 1,
            })
        };
        let latest = far(Day::YEARS - 1);
        assert_eq!(latest.date().year, Day::YEARS - 1);
        assert!(far(Day::YEARS) > latest && far(i32::MAX) > latest);
        let earliest = far(-Day::YEARS);
        assert_eq!(earliest.date().year, -Day::YEARS);
        assert!(far(-Day::YEARS - 1) < earliest && far(i32::MIN) < earliest);
    }
}
