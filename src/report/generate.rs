//! Sample monitoring returns, generated from a contract: for demonstrations, tests and
//! benchmarks. Never a real person's data.
//!
//! Participants are referred evenly across the referral window (the term, without one), each
//! to a cohort chosen by the number of people its funnels expect to enter. Each then moves
//! through every funnel of its cohort stage by stage: a stage is reached with the planned
//! conversion factor (its expected count ÷ that of the stage before; for a stage after
//! several, all of them must be reached first, and the smallest of their counts is the base),
//! after a random delay: no sooner than the day after the stages before it and than its
//! `at least` time after the stage it is measured from, and by its `within` deadline (within a
//! few weeks of becoming possible when it has none), and never after the term ends. Stages whose contract asks
//! for evidence get an evidence reference (`EV-…`). A participant gets a value for each fact
//! the eligibility conditions of their cohort's stages mention (`age_at_start`), mostly inside
//! the range those conditions allow; a participant who does not meet a stage's conditions
//! rarely reaches it (an ineligible claim the report will reject).
//!
//! The same contract, number of participants and seed always give the same rows.
//!
//! Rows come out ordered by date, then participant, then stage. Memory is bounded without
//! holding the return: a participant's rows are a pure function of the seed and the
//! participant's number, so the generator works through the term in windows of days sized to
//! hold about `WINDOW_EVENTS` events, regenerating every participant whose rows may fall in
//! the window (those who entered up to the longest possible delay before it) and keeping only
//! the rows inside it, 16 bytes each until they are handed out.

use super::Row;
use crate::ast::Comparison;
use crate::model::{Contract, Stage};
use crate::schedule;
use crate::value::{Date, Decimal, Duration, TimeUnit};
use std::io::{self, Write};

/// About how many events one window holds (16 bytes each).
const WINDOW_EVENTS: u64 = 1 << 20;
/// A step without a window of its own takes 1 to this many days.
const FEW_WEEKS: i64 = 28;
/// Of 1,000 participants, how many get a value outside the range the conditions allow.
const OUTSIDE_PER_MILLE: u64 = 30;
/// How much less likely a participant is to reach a stage they are not eligible for.
const INELIGIBLE_DIVISOR: u64 = 20;

/// Generate a return of `participants` people for `contract`, deterministic for `seed`.
pub fn returns(contract: &Contract, participants: u64, seed: u64) -> Returns {
    let mut plan = Plan::new(contract);
    plan.digits = participants.to_string().len().max(6);
    let first_day = plan.from_day;
    let span = (plan.term_end - first_day + 1).max(1);
    let rows = participants as f64 * plan.rows_per_participant;
    let per_day = (rows / span as f64).max(1.0);
    let window = ((WINDOW_EVENTS as f64 / per_day) as i64).clamp(1, span);
    Returns {
        plan,
        participants,
        seed,
        window,
        next_day: first_day,
        buffer: Vec::new(),
        position: 0,
        number: 1,
        scratch: Scratch::default(),
    }
}

/// The attribute columns a generated return has: every fact an eligibility condition of the
/// contract mentions, in the order first mentioned.
pub fn attributes(contract: &Contract) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for funnel in &contract.funnels {
        for stage in &funnel.stages {
            for condition in &stage.eligible {
                if !names.iter().any(|n| *n == condition.subject) {
                    names.push(condition.subject.as_str().to_owned());
                }
            }
        }
    }
    names
}

/// The people the contract's funnels expect to enter: for each cohort, the most any of its
/// funnels expects.
pub fn planned_participants(contract: &Contract) -> u64 {
    let mut cohorts: Vec<(&str, u64)> = Vec::new();
    for funnel in &contract.funnels {
        match cohorts.iter_mut().find(|(id, _)| *id == funnel.cohort) {
            Some((_, most)) => *most = (*most).max(funnel.entering()),
            None => cohorts.push((&funnel.cohort, funnel.entering())),
        }
    }
    cohorts.iter().map(|(_, n)| n).sum()
}

/// Write rows as a CSV return: the header `participant,stage,date,evidence,cohort` and then
/// the `attributes` columns, one line per row. Returns the number of rows written.
pub fn write_csv(
    rows: impl IntoIterator<Item = Row>,
    attributes: &[String],
    writer: impl Write,
) -> io::Result<u64> {
    let mut out = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(writer);
    let mut header = vec!["participant", "stage", "date", "evidence", "cohort"];
    header.extend(attributes.iter().map(String::as_str));
    out.write_record(&header).map_err(io::Error::from)?;
    let mut written = 0;
    for row in rows {
        let mut record: Vec<&str> = Vec::with_capacity(header.len());
        record.extend([
            row.participant.as_str(),
            row.stage.as_str(),
            row.date.as_str(),
            row.evidence.as_deref().unwrap_or(""),
            row.cohort.as_deref().unwrap_or(""),
        ]);
        for name in attributes {
            let value = row.attributes.iter().find(|(n, _)| n == name);
            record.push(value.map_or("", |(_, v)| v.as_str()));
        }
        out.write_record(&record).map_err(io::Error::from)?;
        written += 1;
    }
    out.flush()?;
    Ok(written)
}

/// The rows of a generated return, in order; see `returns`.
pub struct Returns {
    plan: Plan,
    participants: u64,
    seed: u64,
    /// Days per window.
    window: i64,
    /// The first day of the next window to fill.
    next_day: i64,
    buffer: Vec<Event>,
    position: usize,
    /// The row number of the last row handed out (the header is row 1).
    number: u64,
    scratch: Scratch,
}

impl Iterator for Returns {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        while self.position == self.buffer.len() {
            if self.next_day > self.plan.term_end
                || self.participants == 0
                || self.plan.cohorts.is_empty()
            {
                return None;
            }
            self.fill();
        }
        let event = self.buffer[self.position];
        self.position += 1;
        self.number += 1;
        Some(self.row(event))
    }
}

/// One stage reached, before it is written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    day: i32,
    participant: u64,
    funnel: u16,
    stage: u16,
}

/// Buffers reused from one participant to the next.
#[derive(Debug, Default)]
struct Scratch {
    values: Vec<Option<i128>>,
    delays: Vec<Option<i64>>,
    deadlines: Vec<Option<i64>>,
}

impl Returns {
    /// Generate the events of the next window of days, in order.
    fn fill(&mut self) {
        let (start, end) = (
            self.next_day,
            (self.next_day + self.window - 1).min(self.plan.term_end),
        );
        self.next_day = end + 1;
        self.buffer.clear();
        self.position = 0;
        let first = self.first_entering_on_or_after(start - self.plan.max_delay);
        let last = self.first_entering_on_or_after(end + 1);
        let mut events = std::mem::take(&mut self.buffer);
        for participant in first..last {
            self.simulate(participant, &mut |event| {
                if (start..=end).contains(&i64::from(event.day)) {
                    events.push(event);
                }
            });
        }
        events.sort_unstable();
        self.buffer = events;
    }

    /// The day participant `i` enters: evenly across the referral window.
    fn entry_day(&self, i: u64) -> i64 {
        let offset = u128::from(i) * self.plan.days as u128 / u128::from(self.participants);
        self.plan.from_day + offset as i64
    }

    /// The first participant who enters on `day` or later (`participants` if none does).
    fn first_entering_on_or_after(&self, day: i64) -> u64 {
        let k = day - self.plan.from_day;
        if k <= 0 {
            return 0;
        }
        // entry(i) >= from + k  ⇔  i × days ≥ k × participants
        let needed = (k as u128 * u128::from(self.participants)).div_ceil(self.plan.days as u128);
        needed.min(u128::from(self.participants)) as u64
    }

    fn cohort_of(&self, i: u64) -> usize {
        let mut rng = Rng::new(self.seed, i, SALT_COHORT);
        let mut pick = rng.below(self.plan.total_weight);
        for (index, cohort) in self.plan.cohorts.iter().enumerate() {
            if pick < cohort.weight {
                return index;
            }
            pick -= cohort.weight;
        }
        0
    }

    /// The participant's value of each fact its cohort's conditions mention, at the fact's
    /// scale.
    fn values(&self, i: u64, cohort: usize, values: &mut Vec<Option<i128>>) {
        values.clear();
        values.resize(self.plan.subjects.len(), None);
        let mut rng = Rng::new(self.seed, i, SALT_VALUES);
        for (subject, choices) in &self.plan.cohorts[cohort].subjects {
            values[*subject] = draw(&mut rng, choices, self.plan.subjects[*subject].scale);
        }
    }

    /// Every stage participant `i` reaches, in no particular order.
    fn simulate(&mut self, i: u64, emit: &mut dyn FnMut(Event)) {
        let cohort = self.cohort_of(i);
        let entry = self.entry_day(i);
        let entry_date = Date::from_day_number(entry);
        let mut scratch = std::mem::take(&mut self.scratch);
        self.values(i, cohort, &mut scratch.values);
        for &f in &self.plan.cohorts[cohort].funnels {
            let funnel = &self.plan.funnels[f];
            let mut rng = Rng::new(self.seed, i, SALT_FUNNEL + f as u64);
            // The last day (from entry) each stage can be reached on and still leave a day
            // for every stage after it to meet its own window.
            scratch.deadlines.clear();
            scratch.deadlines.resize(funnel.stages.len(), None);
            for s in (0..funnel.stages.len()).rev() {
                let stage = &funnel.stages[s];
                // Deadlines from entry are known now; those from a later stage once it is
                // reached (in `reach`).
                let own = stage
                    .latest
                    .filter(|(from, _)| *from == 0)
                    .map(|(_, w)| schedule::add(entry_date, w).day_number() - entry);
                let mut deadline = own;
                for &next in &stage.next {
                    if let Some(d) = scratch.deadlines[next] {
                        deadline = Some(deadline.map_or(d - 1, |own| own.min(d - 1)));
                    }
                }
                scratch.deadlines[s] = deadline;
            }
            scratch.delays.clear();
            scratch.delays.resize(funnel.stages.len(), None);
            for (s, stage) in funnel.stages.iter().enumerate() {
                let delay = if s == 0 {
                    Some(0)
                } else {
                    reach(
                        &mut rng,
                        stage,
                        entry,
                        &scratch.delays,
                        scratch.deadlines[s],
                        &scratch.values,
                    )
                };
                let Some(delay) = delay else { continue };
                if entry + delay > self.plan.term_end {
                    continue;
                }
                scratch.delays[s] = Some(delay);
                emit(Event {
                    day: (entry + delay) as i32,
                    participant: i,
                    funnel: f as u16,
                    stage: s as u16,
                });
            }
        }
        self.scratch = scratch;
    }

    fn row(&mut self, event: Event) -> Row {
        let cohort = self.cohort_of(event.participant);
        let mut values = std::mem::take(&mut self.scratch.values);
        self.values(event.participant, cohort, &mut values);
        let participant = format!(
            "P{:0width$}",
            event.participant + 1,
            width = self.plan.digits
        );
        let stage = &self.plan.funnels[usize::from(event.funnel)].stages[usize::from(event.stage)];
        let attributes = self.plan.cohorts[cohort]
            .subjects
            .iter()
            .filter_map(|(subject, _)| {
                let plan = &self.plan.subjects[*subject];
                values[*subject].map(|value| {
                    let decimal = Decimal {
                        mantissa: value,
                        scale: plan.scale,
                    };
                    (plan.name.clone(), decimal.to_string())
                })
            })
            .collect();
        self.scratch.values = values;
        Row {
            number: self.number,
            evidence: stage
                .evidence
                .then(|| format!("EV-{participant}-{}", stage.id)),
            participant,
            stage: stage.id.clone(),
            date: Date::from_day_number(i64::from(event.day)).to_string(),
            cohort: Some(self.plan.cohorts[cohort].id.clone()),
            attributes,
        }
    }
}

/// Whether, and how many days after entry, a participant reaches a stage: no sooner than the
/// day after the stages before it and its own `at least` time, no later than its deadlines.
fn reach(
    rng: &mut Rng,
    stage: &StagePlan,
    entry: i64,
    delays: &[Option<i64>],
    deadline: Option<i64>,
    values: &[Option<i128>],
) -> Option<i64> {
    let mut latest = 0;
    for &before in &stage.before {
        latest = latest.max(delays[before]?);
    }
    let eligible = stage.conditions.iter().all(|(subject, lo, hi)| {
        values[*subject].is_some_and(|v| lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi))
    });
    let chance = if eligible {
        stage.chance
    } else {
        stage.planned_chance / INELIGIBLE_DIVISOR
    };
    if rng.next() >> 32 >= chance {
        return None;
    }
    // Days after entry of `duration` after the day stage `from` was reached.
    let after = |from: usize, duration: Duration| -> Option<i64> {
        let reached = Date::from_day_number(entry + delays[from]?);
        Some(schedule::add(reached, duration).day_number() - entry)
    };
    let mut low = latest + 1;
    if let Some((from, duration)) = stage.earliest {
        low = low.max(after(from, duration)?);
    }
    let mut deadline = deadline;
    if let Some((from, duration)) = stage.latest.filter(|(from, _)| *from != 0) {
        let own = after(from, duration)?;
        deadline = Some(deadline.map_or(own, |d| d.min(own)));
    }
    let high = match (stage.latest.is_some(), deadline) {
        (true, Some(deadline)) => deadline,
        (_, Some(deadline)) => deadline.min(low + FEW_WEEKS - 1),
        (_, None) => low + FEW_WEEKS - 1,
    };
    if low > high {
        return None;
    }
    Some(low + rng.below((high - low + 1) as u64) as i64)
}

/// A value for one fact: mostly inside one of the ranges the stages allow (chosen by the
/// stages' expected counts), now and then just outside it.
fn draw(rng: &mut Rng, choices: &[Choice], scale: u32) -> Option<i128> {
    let total: u64 = choices.iter().map(|c| c.weight).sum();
    if total == 0 {
        return None;
    }
    let mut pick = rng.below(total);
    let choice = choices.iter().find(|c| {
        let found = pick < c.weight;
        pick = pick.saturating_sub(c.weight);
        found
    })?;
    let unit = 10_i128.pow(scale);
    if rng.below(1000) >= OUTSIDE_PER_MILLE {
        let width = (choice.hi - choice.lo + 1).max(1) as u128;
        return Some(choice.lo + (u128::from(rng.next()) % width) as i128);
    }
    let step = 1 + (u128::from(rng.next()) % (2 * unit as u128)) as i128;
    if choice.lo - step < 0 && choice.lo >= 0 || rng.next() & 1 == 0 {
        Some(choice.hi + step)
    } else {
        Some(choice.lo - step)
    }
}

const SALT_COHORT: u64 = 1;
const SALT_VALUES: u64 = 2;
const SALT_FUNNEL: u64 = 16;

/// splitmix64: small, fast and good enough for sample data; one stream per participant and
/// purpose, so that any participant's rows can be made again without the others.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, participant: u64, salt: u64) -> Rng {
        let mut rng = Rng(seed ^ mix(participant.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ mix(salt)));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------------------
// The plan: the contract read once for generating.

#[derive(Debug)]
struct Plan {
    term_end: i64,
    /// The first day of the referral window, and how many days it has.
    from_day: i64,
    days: i64,
    cohorts: Vec<CohortPlan>,
    total_weight: u64,
    funnels: Vec<FunnelPlan>,
    subjects: Vec<SubjectPlan>,
    /// The most days after entry any stage can be reached.
    max_delay: i64,
    /// Digits in a participant reference.
    digits: usize,
    /// Rows a participant is expected to give, on average.
    rows_per_participant: f64,
}

#[derive(Debug)]
struct CohortPlan {
    id: String,
    weight: u64,
    funnels: Vec<usize>,
    /// The facts its stages' conditions mention, each with the ranges they allow.
    subjects: Vec<(usize, Vec<Choice>)>,
}

#[derive(Debug)]
struct FunnelPlan {
    /// In an order where every stage comes after the stages before it; the entry first.
    stages: Vec<StagePlan>,
}

#[derive(Debug)]
struct StagePlan {
    id: String,
    /// Indices (in `FunnelPlan::stages`) of the stages that must be reached first.
    before: Vec<usize>,
    /// Indices of the stages that follow this one.
    next: Vec<usize>,
    /// `at least D after` the stage at this index (in `FunnelPlan::stages`).
    earliest: Option<(usize, Duration)>,
    /// `within D` of the stage at this index (the entry, 0, when measured from entry).
    latest: Option<(usize, Duration)>,
    evidence: bool,
    /// The chance of reaching the stage once every stage before it is reached, for an
    /// eligible participant, in 2^-32ths.
    chance: u64,
    /// The chance by the planned counts alone, before the share of eligible participants
    /// raises it.
    planned_chance: u64,
    /// `(subject, lowest, highest)` allowed, at the subject's scale.
    conditions: Vec<(usize, Option<i128>, Option<i128>)>,
}

#[derive(Debug)]
struct SubjectPlan {
    name: String,
    /// Decimal places of the values: the most any condition on it writes.
    scale: u32,
}

/// A range of values some stage allows, weighted by the people it expects.
#[derive(Debug, Clone, Copy)]
struct Choice {
    weight: u64,
    lo: i128,
    hi: i128,
}

impl Plan {
    fn new(contract: &Contract) -> Plan {
        let (from, until) = match contract.referrals {
            Some(window) => (window.from, window.until),
            None => (contract.term.start, contract.term.end),
        };
        let from_day = from.day_number();
        let days = (until.day_number() - from_day + 1).max(1);

        let subjects: Vec<SubjectPlan> = attributes(contract)
            .into_iter()
            .map(|name| {
                let scale = contract
                    .funnels
                    .iter()
                    .flat_map(|f| &f.stages)
                    .flat_map(|s| &s.eligible)
                    .filter(|c| c.subject == name)
                    .map(|c| c.value.decimal().scale)
                    .max()
                    .unwrap_or(0);
                SubjectPlan { name, scale }
            })
            .collect();

        let mut funnels = Vec::new();
        let mut cohorts: Vec<CohortPlan> = Vec::new();
        let mut max_delay = 0;
        let mut rows_per_participant = 0.0;
        for (index, funnel) in contract.funnels.iter().enumerate() {
            let (plan, longest) = FunnelPlan::new(funnel, &subjects);
            max_delay = i64::max(max_delay, longest);
            funnels.push(plan);
            let entering = funnel.entering().max(1);
            let cohort = match cohorts.iter().position(|c| c.id == funnel.cohort) {
                Some(c) => c,
                None => {
                    cohorts.push(CohortPlan {
                        id: funnel.cohort.as_str().to_owned(),
                        weight: 0,
                        funnels: Vec::new(),
                        subjects: Vec::new(),
                    });
                    cohorts.len() - 1
                }
            };
            let cohort = &mut cohorts[cohort];
            cohort.weight = cohort.weight.max(entering);
            cohort.funnels.push(index);
            for stage in &funnel.stages {
                for (subject, lo, hi) in conditions(stage, &subjects) {
                    if let Some(choice) = choice(stage.expected, lo, hi, subjects[subject].scale) {
                        match cohort.subjects.iter_mut().find(|(s, _)| *s == subject) {
                            Some((_, choices)) => choices.push(choice),
                            None => cohort.subjects.push((subject, vec![choice])),
                        }
                    }
                }
            }
        }
        let total_weight = cohorts.iter().map(|c| c.weight).sum::<u64>().max(1);
        for cohort in &cohorts {
            let share = cohort.weight as f64 / total_weight as f64;
            for &f in &cohort.funnels {
                let funnel = &contract.funnels[f];
                let entering = funnel.entering().max(1) as f64;
                let expected: u64 = funnel.stages.iter().map(|s| s.expected).sum();
                rows_per_participant += share * expected as f64 / entering;
            }
        }
        let mut plan = Plan {
            term_end: contract.term.end.day_number(),
            from_day,
            days,
            cohorts,
            total_weight,
            funnels,
            subjects,
            max_delay,
            digits: 6,
            rows_per_participant: rows_per_participant.max(1.0),
        };
        plan.adjust_for_eligibility();
        plan
    }

    /// The expected count of a stage with conditions is of eligible participants: raise its
    /// chance by the share of participants who meet them, estimated on a fixed sample.
    fn adjust_for_eligibility(&mut self) {
        const SAMPLE: u64 = 1024;
        let mut values = Vec::new();
        for cohort in &self.cohorts {
            let mut meeting: Vec<Vec<u64>> = cohort
                .funnels
                .iter()
                .map(|&f| vec![0; self.funnels[f].stages.len()])
                .collect();
            for n in 0..SAMPLE {
                let mut rng = Rng::new(0, n, SALT_VALUES);
                values.clear();
                values.resize(self.subjects.len(), None);
                for (subject, choices) in &cohort.subjects {
                    values[*subject] = draw(&mut rng, choices, self.subjects[*subject].scale);
                }
                for (k, &f) in cohort.funnels.iter().enumerate() {
                    for (s, stage) in self.funnels[f].stages.iter().enumerate() {
                        let meets = stage.conditions.iter().all(|(subject, lo, hi)| {
                            values[*subject].is_some_and(|v| {
                                lo.is_none_or(|lo| v >= lo) && hi.is_none_or(|hi| v <= hi)
                            })
                        });
                        meeting[k][s] += u64::from(meets);
                    }
                }
            }
            for (k, &f) in cohort.funnels.iter().enumerate() {
                for (s, stage) in self.funnels[f].stages.iter_mut().enumerate() {
                    if stage.conditions.is_empty() || meeting[k][s] == 0 {
                        continue;
                    }
                    let raised =
                        u128::from(stage.chance) * u128::from(SAMPLE) / u128::from(meeting[k][s]);
                    stage.chance = raised.min(1 << 32) as u64;
                }
            }
        }
    }
}

impl Returns {
    /// The attribute columns of this return; see `attributes`.
    pub fn attributes(&self) -> Vec<String> {
        self.plan.subjects.iter().map(|s| s.name.clone()).collect()
    }
}

impl FunnelPlan {
    /// The funnel's stages in sequence order, and the most days after entry any can be
    /// reached on.
    fn new(funnel: &crate::model::Funnel, subjects: &[SubjectPlan]) -> (FunnelPlan, i64) {
        // Order the stages so that each follows those before it; the entry is written first.
        let mut order: Vec<usize> = Vec::with_capacity(funnel.stages.len());
        while order.len() < funnel.stages.len() {
            let before = order.len();
            for (i, stage) in funnel.stages.iter().enumerate() {
                if order.contains(&i) {
                    continue;
                }
                let ready = stage.after.iter().all(|p| {
                    order.iter().any(|&o| funnel.stages[o].id == *p) || funnel.stage(p).is_none()
                });
                if ready {
                    order.push(i);
                }
            }
            if order.len() == before {
                // A cycle: the checker refuses one, so this is never reached; keep the rest
                // in the order written rather than loop.
                let rest: Vec<usize> = (0..funnel.stages.len())
                    .filter(|i| !order.contains(i))
                    .collect();
                order.extend(rest);
            }
        }
        let position = |id: &str| order.iter().position(|&o| funnel.stages[o].id == id);
        let mut stages: Vec<StagePlan> = order
            .iter()
            .map(|&o| {
                let stage = &funnel.stages[o];
                let before: Vec<usize> = stage.after.iter().filter_map(|p| position(p)).collect();
                let base = stage
                    .after
                    .iter()
                    .filter_map(|p| funnel.stage(p))
                    .map(|p| p.expected)
                    .min()
                    .unwrap_or(stage.expected)
                    .max(1);
                let chance = (u128::from(stage.expected) << 32) / u128::from(base);
                StagePlan {
                    id: stage.id.as_str().to_owned(),
                    before,
                    next: Vec::new(),
                    earliest: stage
                        .time
                        .earliest
                        .as_ref()
                        .map(|t| (position(&t.after).unwrap_or(0), t.duration)),
                    latest: stage.time.latest.as_ref().map(|t| {
                        let from = if t.from_entry {
                            Some(0)
                        } else {
                            position(&t.after)
                        };
                        (from.unwrap_or(0), t.duration)
                    }),
                    evidence: stage.evidence.is_some(),
                    chance: chance.min(1 << 32) as u64,
                    planned_chance: chance.min(1 << 32) as u64,
                    conditions: conditions(stage, subjects),
                }
            })
            .collect();
        for s in 0..stages.len() {
            for b in stages[s].before.clone() {
                stages[b].next.push(s);
            }
        }
        // The longest delay: a window's longest reading, or a few weeks after the stage before.
        let mut longest = vec![0_i64; stages.len()];
        for s in 1..stages.len() {
            let latest = stages[s]
                .before
                .iter()
                .map(|&b| longest[b])
                .max()
                .unwrap_or(0);
            let mut most = latest + FEW_WEEKS;
            if let Some((from, duration)) = stages[s].earliest {
                most = most.max(longest[from] + longest_days(duration) + FEW_WEEKS);
            }
            if let Some((from, duration)) = stages[s].latest {
                most = most.max(longest[from] + longest_days(duration));
            }
            longest[s] = most;
        }
        let max = longest.iter().copied().max().unwrap_or(0);
        (FunnelPlan { stages }, max)
    }
}

/// The most days a duration can be.
fn longest_days(duration: Duration) -> i64 {
    let per = match duration.unit {
        TimeUnit::Day => 1,
        TimeUnit::Week => 7,
        TimeUnit::Month => 31,
        TimeUnit::Year => 366,
    };
    i64::from(duration.count) * per
}

/// A stage's conditions as ranges: `(subject, lowest, highest)` at the subject's scale.
fn conditions(stage: &Stage, subjects: &[SubjectPlan]) -> Vec<(usize, Option<i128>, Option<i128>)> {
    let mut ranges: Vec<(usize, Option<i128>, Option<i128>)> = Vec::new();
    for condition in &stage.eligible {
        let Some(subject) = subjects.iter().position(|s| s.name == condition.subject) else {
            continue;
        };
        let scale = subjects[subject].scale;
        let value = condition.value.decimal();
        let v = value.mantissa * 10_i128.pow(scale.saturating_sub(value.scale));
        let (lo, hi) = match condition.comparison {
            Comparison::AtLeast => (Some(v), None),
            Comparison::Above => (Some(v + 1), None),
            Comparison::AtMost => (None, Some(v)),
            Comparison::Below => (None, Some(v - 1)),
            Comparison::Equal => (Some(v), Some(v)),
        };
        match ranges.iter_mut().find(|(s, _, _)| *s == subject) {
            Some((_, low, high)) => {
                *low = match (*low, lo) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                *high = match (*high, hi) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            None => ranges.push((subject, lo, hi)),
        }
    }
    ranges
}

/// The range of values to draw from for a range a stage allows: an open side is closed a few
/// units away (`age_at_start <= 17` draws from 13 to 17), and never below zero when the
/// bound is not.
fn choice(weight: u64, lo: Option<i128>, hi: Option<i128>, scale: u32) -> Option<Choice> {
    let span = 4 * 10_i128.pow(scale);
    let (lo, hi) = match (lo, hi) {
        (Some(lo), Some(hi)) => (lo, hi),
        (Some(lo), None) => (lo, lo + span),
        (None, Some(hi)) => {
            let lo = hi - span;
            (if hi >= 0 { lo.max(0) } else { lo }, hi)
        }
        (None, None) => return None,
    };
    (lo <= hi).then_some(Choice {
        weight: weight.max(1),
        lo,
        hi,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{compiled as contract, input, Input};

    #[test]
    fn the_same_seed_gives_the_same_rows_and_another_seed_others() {
        let c = contract("specs/drug-service.outcome");
        let a: Vec<Row> = returns(&c, 200, 7).collect();
        let b: Vec<Row> = returns(&c, 200, 7).collect();
        let other: Vec<Row> = returns(&c, 200, 8).collect();
        assert_eq!(a, b);
        assert_ne!(a, other);
    }

    #[test]
    fn rows_are_ordered_by_date_then_participant_and_numbered() {
        let c = contract("specs/rough-sleeping.outcome");
        let rows: Vec<Row> = returns(&c, 500, 1).collect();
        assert!(!rows.is_empty());
        for pair in rows.windows(2) {
            assert!(
                (&pair[0].date, &pair[0].participant) <= (&pair[1].date, &pair[1].participant),
                "{pair:?}"
            );
            assert_eq!(pair[0].number + 1, pair[1].number);
        }
        assert_eq!(rows[0].number, 2);
    }

    #[test]
    fn the_funnel_follows_the_plan_roughly() {
        let c = contract("specs/drug-service.outcome");
        let rows: Vec<Row> = returns(&c, 10_000, 3).collect();
        let count = |stage: &str| rows.iter().filter(|r| r.stage == stage).count() as f64;
        assert_eq!(count("enrol"), 10_000.0);
        let attend = count("attend") / 10_000.0;
        assert!((0.47..0.53).contains(&attend), "{attend}");
        // The target is 10 of 100 at plan; late entries run out of term.
        let abstinent = count("abstinent") / 10_000.0;
        assert!((0.07..0.11).contains(&abstinent), "{abstinent}");
    }

    #[test]
    fn dates_are_in_the_term_stages_in_sequence_and_windows_kept() {
        let c = contract("specs/drug-service.outcome");
        let rows: Vec<Row> = returns(&c, 2_000, 11).collect();
        let mut by_participant: std::collections::BTreeMap<&str, Vec<&Row>> = Default::default();
        for row in &rows {
            assert!(row.date.as_str() >= "2009-04-01" && row.date.as_str() <= "2010-03-31");
            by_participant
                .entry(&row.participant)
                .or_default()
                .push(row);
        }
        let funnel = &c.funnels[0];
        for (participant, rows) in by_participant {
            let date = |stage: &str| {
                rows.iter()
                    .find(|r| r.stage == stage)
                    .map(|r| input::date(&r.date).unwrap().day_number())
            };
            date("enrol").unwrap_or_else(|| panic!("{participant} never enrolled"));
            for stage in &funnel.stages[1..] {
                let Some(day) = date(&stage.id) else { continue };
                for before in &stage.after {
                    let earlier = date(before).unwrap_or_else(|| {
                        panic!("{participant} reached {} without {before}", stage.id)
                    });
                    assert!(earlier < day);
                }
                if let Some(time) = &stage.time.latest {
                    let from = date(&time.after).unwrap();
                    let latest = schedule::add(Date::from_day_number(from), time.duration);
                    assert!(day <= latest.day_number(), "{participant} {}", stage.id);
                }
                if let Some(time) = &stage.time.earliest {
                    let from = date(&time.after).unwrap();
                    let earliest = schedule::add(Date::from_day_number(from), time.duration);
                    assert!(day >= earliest.day_number(), "{participant} {}", stage.id);
                }
            }
        }
    }

    #[test]
    fn evidence_and_attributes_are_given_where_the_contract_asks() {
        let c = contract("specs/employment-ladder.outcome");
        let rows: Vec<Row> = returns(&c, 3_000, 5).collect();
        for row in &rows {
            let stage = c.funnels[0].stage(&row.stage).unwrap();
            assert_eq!(row.evidence.is_some(), stage.evidence.is_some(), "{row:?}");
            assert_eq!(row.cohort.as_deref(), Some("young_people"));
            assert_eq!(row.attributes.len(), 1);
            assert_eq!(row.attributes[0].0, "age_at_start");
        }
        let ages: Vec<i64> = rows
            .iter()
            .filter(|r| r.stage == "referred")
            .map(|r| r.attributes[0].1.parse().unwrap())
            .collect();
        let plausible = ages.iter().filter(|&&a| (13..=24).contains(&a)).count();
        assert!(
            plausible * 100 >= ages.len() * 95,
            "{plausible} of {}",
            ages.len()
        );
        let meets = |stage: &str, ok: &dyn Fn(i64) -> bool| {
            let reached: Vec<i64> = rows
                .iter()
                .filter(|r| r.stage == stage)
                .map(|r| r.attributes[0].1.parse().unwrap())
                .collect();
            let eligible = reached.iter().filter(|&&a| ok(a)).count();
            assert!(
                eligible * 100 >= reached.len() * 90,
                "{stage}: {eligible} of {}",
                reached.len()
            );
            reached.len()
        };
        assert!(meets("job_start", &|a| (18..=24).contains(&a)) > 0);
        assert!(meets("learning", &|a| a <= 17) > 0);
    }

    #[test]
    fn the_csv_reads_back_as_the_same_rows() {
        let c = contract("specs/employment-ladder.outcome");
        let rows: Vec<Row> = returns(&c, 300, 9).collect();
        let mut bytes = Vec::new();
        let written = write_csv(rows.clone(), &attributes(&c), &mut bytes).unwrap();
        assert_eq!(written, rows.len() as u64);
        let read: Vec<Row> = input::csv(bytes.as_slice())
            .map(|input| match input {
                Input::Row(row) => row,
                Input::Malformed { number, reason } => panic!("row {number}: {reason}"),
            })
            .collect();
        assert_eq!(read, rows);
    }

    #[test]
    fn small_windows_give_the_same_rows_as_one_window() {
        let c = contract("specs/young-people.outcome");
        let whole: Vec<Row> = returns(&c, 400, 2).collect();
        let mut windowed = returns(&c, 400, 2);
        windowed.window = 3;
        let windowed: Vec<Row> = windowed.collect();
        assert_eq!(whole, windowed);
    }

    #[test]
    fn no_participants_give_no_rows() {
        let c = contract("specs/drug-service.outcome");
        assert_eq!(returns(&c, 0, 1).count(), 0);
    }
}
