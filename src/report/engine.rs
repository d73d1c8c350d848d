//! Rows → accepted events per participant, and the actual funnel against the plan.
//!
//! A row is judged in two steps. While streaming, what a row says on its own is checked (it
//! reads, names a stage, has a real date inside the term and the report period, the cohort
//! matches, evidence is given where the contract requires it) and the participant keeps at
//! most one candidate event per stage: of two claims for one stage the earlier stands and the
//! other is a duplicate. Once every row is read, each participant's events are taken in date
//! order and checked against the sequence (entry within the referral window, every stage
//! before it reached first) and the stage's eligibility conditions. Memory is therefore
//! bounded by participants × stages, whatever the number of rows.
//!
//! Both steps are pieces shared with `split.rs`, which reads a CSV file held whole on several
//! threads: `Rules::row` judges a row on its own, a `Table` holds participants and their
//! claims and judges them in the order of their keys, and `finish` makes the report from
//! what they leave.

use super::payments;
/// What the report does with its payment lines: holds them all (`run`), holds the first
/// few and counts the others, hands them to a writer (`run_streaming`) or writes them on
/// several threads (`run_written`).
pub use super::payments::Lines;
pub(crate) use super::short_key::ShortKey;
use super::{
    ActualFunnel, ActualStage, Exception, Input, Options, Period, ReasonCount, Rejected, Rejection,
    Report, RowCounts,
};
use crate::ast::Threshold;
use crate::model::{self, Condition, Contract};
use crate::schedule::clock::Clock;
use crate::schedule::plan::Entries;
use crate::source::Str;
use crate::value::{mul_div_rounded, Date, Decimal, Frequency, Percent};
use crate::workspace;
use foldhash::HashMap;
use std::ops::Range;
use thin_vec::ThinVec;

/// A stage of the contract, by its place among all stages.
pub(crate) struct StageInfo {
    pub funnel: usize,
    pub index: usize,
    pub id: String,
    pub requires_evidence: bool,
}

/// One accepted or candidate event: 24 bytes (a stage's place in 32 bits, as a claim holds
/// it), so that ten million of them, held once per pass over the participants, are a
/// quarter smaller than with a stage's place in 64.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    /// The stage's place among the contract's stages (`Rules::stages`).
    pub stage: u32,
    pub day: Date,
    pub row: u64,
}

const _: () = assert!(std::mem::size_of::<Event>() <= 24);

/// The participants with events kept, in the order of their keys: each one's reference as
/// first written and the events kept. Held in runs of three lists each, not an allocation or
/// two a participant, so that each pass over them (the cohorts, the funnels, the payments)
/// reads memory in order: a million-row return's 235,000 participants each held apart were
/// a read from far in memory per participant per pass. The runs of a return read in shards
/// are the shards' own, put one after the other without being copied (ten million rows'
/// events are 240 MB).
#[derive(Debug, Default)]
pub(crate) struct Accepted {
    runs: Vec<Run>,
    /// The first participant of each run, and after the last the number of participants.
    starts: Vec<usize>,
    /// For each `Accepted::BLOCK` participants, the run that holds the first of them: a
    /// participant's run is found among the few runs from there.
    blocks: Vec<u32>,
    events: usize,
}

/// Participants one after the other: their references in one text, their events in one
/// list, and where each one's end.
#[derive(Debug, Default)]
struct Run {
    names: String,
    events: Vec<Event>,
    /// Where each participant's reference ends in `names` and its events in `events`.
    ends: Vec<(usize, usize)>,
}

impl Run {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> (&str, &[Event]) {
        let (name_start, events_start) =
            i.checked_sub(1).map_or((0, 0), |before| self.ends[before]);
        let (name_end, events_end) = self.ends[i];
        (
            &self.names[name_start..name_end],
            &self.events[events_start..events_end],
        )
    }
}

impl Accepted {
    const BLOCK: usize = 1024;

    /// Room for `participants`, their `events` and their references' `bytes`.
    pub(crate) fn with_capacity(participants: usize, events: usize, bytes: usize) -> Accepted {
        let mut accepted = Accepted::default();
        accepted.add_run(Run {
            names: String::with_capacity(bytes),
            events: Vec::with_capacity(events),
            ends: Vec::with_capacity(participants),
        });
        accepted
    }

    /// Add a participant after the others.
    pub(crate) fn push(&mut self, name: &str, events: &[Event]) {
        if self.runs.is_empty() {
            self.add_run(Run::default());
        }
        let Some(run) = self.runs.last_mut() else {
            return;
        };
        run.names.push_str(name);
        run.events.extend_from_slice(events);
        run.ends.push((run.names.len(), run.events.len()));
        self.events += events.len();
        let last = self.starts.len() - 1;
        self.starts[last] += 1;
        self.index_blocks();
    }

    /// Add `other`'s participants after these, its runs kept as they are.
    pub(crate) fn append(&mut self, other: Accepted) {
        for run in other.runs {
            self.add_run(run);
        }
    }

    /// Add `run` after the runs held (an empty one only as the first, to push to).
    fn add_run(&mut self, run: Run) {
        let len = self.len();
        if run.len() == 0 && !self.runs.is_empty() {
            return;
        }
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.events += run.events.len();
        self.starts.push(len + run.len());
        self.runs.push(run);
        self.index_blocks();
    }

    /// Each block begun by the participants held given its run.
    fn index_blocks(&mut self) {
        let len = self.len();
        while self.blocks.len() * Accepted::BLOCK < len {
            let first = self.blocks.len() * Accepted::BLOCK;
            let from = self.blocks.last().map_or(0, |&run| run as usize);
            let run = from + self.starts[from + 1..].partition_point(|&next| next <= first);
            self.blocks.push(run as u32);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.last().copied().unwrap_or(0)
    }

    /// The events of every participant.
    pub(crate) fn event_count(&self) -> usize {
        self.events
    }

    /// Participant `i`'s reference and events.
    pub(crate) fn get(&self, i: usize) -> (&str, &[Event]) {
        let run = self.run_of(i);
        self.runs[run].get(i - self.starts[run])
    }

    /// The run that holds participant `i` (one of those held).
    fn run_of(&self, i: usize) -> usize {
        let mut run = self.blocks[i / Accepted::BLOCK] as usize;
        while self.starts[run + 1] <= i {
            run += 1;
        }
        run
    }

    pub(crate) fn name(&self, i: usize) -> &str {
        self.get(i).0
    }

    pub(crate) fn events(&self, i: usize) -> &[Event] {
        self.get(i).1
    }

    /// Each participant's reference and events, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &[Event])> + '_ {
        self.runs
            .iter()
            .flat_map(|run| (0..run.len()).map(move |i| run.get(i)))
    }

    /// `each` for the participants at `who` (places of those held), in order, with each
    /// one's place, reference and events; stopped by the first error it gives. A loop over
    /// the runs rather than an iterator of them: an iterator that steps from run to run cost
    /// a tenth of the passes that read every participant this way.
    pub(crate) fn try_each_in<E>(
        &self,
        who: Range<usize>,
        mut each: impl FnMut(usize, &str, &[Event]) -> Result<(), E>,
    ) -> Result<(), E> {
        if who.is_empty() {
            return Ok(());
        }
        let mut run = self.run_of(who.start);
        while run < self.runs.len() && self.starts[run] < who.end {
            let start = self.starts[run];
            let in_run = &self.runs[run];
            for i in who.start.saturating_sub(start)..(who.end - start).min(in_run.len()) {
                let (name, events) = in_run.get(i);
                each(start + i, name, events)?;
            }
            run += 1;
        }
        Ok(())
    }

    /// `try_each_in` for a pass that cannot fail.
    pub(crate) fn each_in(&self, who: Range<usize>, mut each: impl FnMut(usize, &str, &[Event])) {
        let done: Result<(), std::convert::Infallible> =
            self.try_each_in(who, |i, name, events| {
                each(i, name, events);
                Ok(())
            });
        let Ok(()) = done;
    }

    /// The participants in ranges, in order, for a pass over them shared out between the
    /// threads, each range keeping a table of `kept` counts of its own to be added up after:
    /// one range when there are too few participants to share, or when the tables would
    /// outweigh the events they count (a contract of many stages and a small return).
    pub(crate) fn shares(&self, kept: usize) -> Vec<Range<usize>> {
        /// The fewest participants worth a range of their own.
        const LEAST: usize = 16_384;
        let len = self.len();
        let shares = (len / LEAST).clamp(1, 2 * workspace::threads());
        let shares = if kept.saturating_mul(shares) > self.event_count() {
            1
        } else {
            shares
        };
        (0..shares)
            .map(|s| len * s / shares..len * (s + 1) / shares)
            .collect()
    }
}

/// What is kept per participant while reading, besides its claims (`Claims`, held by place
/// in a vector of their own: a row reads them and not this).
#[derive(Debug, Default)]
pub(crate) struct Participant {
    /// The reference as first written (trimmed); rows that write it in another case are the
    /// same participant (see `super::participant_key`).
    pub shown: Str,
    /// The attributes eligibility conditions mention, as first given.
    pub attributes: ThinVec<(String, String)>,
    /// Which of the rules' attributes are in `attributes`, a bit each by its number
    /// (`Rules::attribute`): the first 64 here, the rest in `given_more`, so that a return
    /// of thousands of attribute columns is not searched for each one a row gives, and one
    /// of a few allocates nothing for it.
    given: u64,
    given_more: ThinVec<u64>,
}

// A participant is read for every row that names them: as small as a reference and two
// pointers, most returns mentioning no attribute at all.
const _: () = assert!(std::mem::size_of::<Participant>() <= 48);

impl Participant {
    /// Records attribute number `i` as given; whether it was new.
    fn first_given(&mut self, i: u32) -> bool {
        let bit = 1_u64 << (i % 64);
        let word = match (i / 64) as usize {
            0 => &mut self.given,
            more => {
                if self.given_more.len() < more {
                    self.given_more.resize(more, 0);
                }
                &mut self.given_more[more - 1]
            }
        };
        let new = *word & bit == 0;
        *word |= bit;
        new
    }
}

/// Make the report for `contract` from the rows of a return. An error only when a payment
/// figure cannot be computed exactly (every figure is exact or refused), with the reason.
pub fn run(
    contract: &Contract,
    rows: impl Iterator<Item = Input>,
    options: &Options,
) -> Result<Report, String> {
    run_with(contract, rows, options, payments::Lines::Held)
}

/// What `run_streaming` hands each payment line to; an error stops the report.
pub type WriteLine<'a> = dyn FnMut(&super::PaymentLine) -> Result<(), String> + 'a;

/// `run`, handing each payment line to `write` in order instead of holding it in the report
/// (`outcome report --lines FILE`): the report's `payments.lines` and
/// `payments.by_participant` are then empty, and everything else is as `run` makes it. An
/// error from `write` stops the report with that error.
pub fn run_streaming(
    contract: &Contract,
    rows: impl Iterator<Item = Input>,
    options: &Options,
    write: &mut WriteLine<'_>,
) -> Result<Report, String> {
    run_with(contract, rows, options, payments::Lines::Streamed(write))
}

/// `run_streaming`, with the payment lines put into bytes on several threads and written in
/// order as `out` says (`outcome report --lines FILE`).
pub fn run_written(
    contract: &Contract,
    rows: impl Iterator<Item = Input>,
    options: &Options,
    out: super::lines::LinesOut<'_>,
) -> Result<Report, String> {
    run_with(contract, rows, options, payments::Lines::Written(out))
}

/// The report for `contract` from the rows of a return, doing with its payment lines as
/// `lines` says; otherwise as `run`.
pub fn run_with(
    contract: &Contract,
    rows: impl Iterator<Item = Input>,
    options: &Options,
    lines: Lines<'_>,
) -> Result<Report, String> {
    let rules = Rules::of(contract, options)?;
    let mut read = 0;
    let mut after_report_date = 0;
    let mut rejected = Rejections::new(options);
    let mut table = Table::default();
    for input in rows {
        read += 1;
        let row = match input {
            Input::Malformed { number, reason } => {
                rejected.add(Rejected {
                    row: number,
                    reason: Rejection::Malformed,
                    detail: reason,
                    participant: None,
                    stage: None,
                });
                continue;
            }
            Input::Row(row) => row,
        };
        let fields = Fields {
            participant: &row.participant,
            stage: &row.stage,
            date: &row.date,
            cohort: row.cohort.as_deref(),
            evidence: row.evidence.as_deref(),
        };
        match rules.row(&fields) {
            Verdict::Rejected(reason, detail, shown) => {
                rejected.add(fields.rejected(row.number, reason, detail, shown));
            }
            Verdict::Later => after_report_date += 1,
            Verdict::Claim(claim) => table.claim(
                &rules,
                super::trimmed(&row.participant),
                row.attributes.iter().map(|(n, v)| (n.as_str(), v.as_str())),
                Claim {
                    row: row.number,
                    ..claim
                },
                &mut rejected,
            ),
        }
    }
    let accepted = table.judge(&rules, &mut rejected);
    finish(
        &rules,
        Judged {
            read,
            after_report_date,
            rejected,
            accepted,
        },
        options,
        lines,
    )
}

/// What a contract's rules need to judge rows: its stages, by place and by name, and the
/// term and report date rows must fall within.
pub(crate) struct Rules<'c> {
    pub contract: &'c Contract,
    pub until: Date,
    pub stages: Vec<StageInfo>,
    /// Stages by name, held as `Keys` hold participants': a row's stage is found by comparing
    /// a few numbers, not by hashing its bytes and comparing them with a call.
    by_id: Keys,
    /// Each stage's `after` stages by number, in the order it names them (`None` for a name
    /// that is no stage): a participant's sequence is judged without looking names up.
    after: Vec<Box<[Option<usize>]>>,
    term_start: i64,
    /// The dates of the term's first days (to the report date, at most `Rules::DATES`), by
    /// their distance from its start: a claim's day made a date again by looking it up, not
    /// by the calendar's arithmetic, for every claim judged.
    dates: Vec<Date>,
    /// The attributes eligibility conditions mention, each numbered by its first mention.
    attribute_index: HashMap<&'c str, u32>,
    clocks: Vec<Clock>,
}

/// The fields of a row the rules read, trimmed or not as the row holds them.
pub(crate) struct Fields<'a> {
    pub participant: &'a str,
    pub stage: &'a str,
    pub date: &'a str,
    pub cohort: Option<&'a str>,
    pub evidence: Option<&'a str>,
}

impl Fields<'_> {
    /// The row rejected for `reason`, naming its participant when `shown`, and its stage.
    pub(crate) fn rejected(
        &self,
        row: u64,
        reason: Rejection,
        detail: String,
        shown: bool,
    ) -> Rejected {
        Rejected {
            row,
            reason,
            detail,
            participant: shown.then(|| self.participant.to_string()),
            stage: Some(self.stage.to_string()),
        }
    }
}

/// What a row says on its own: rejected (the reason, its words, and whether the rejection
/// names the participant), after the report date, or a claim (its row not yet set).
pub(crate) enum Verdict {
    Rejected(Rejection, String, bool),
    Later,
    Claim(Claim),
}

impl<'c> Rules<'c> {
    /// The number of the attribute `name`, if an eligibility condition mentions it.
    pub(crate) fn attribute(&self, name: &str) -> Option<u32> {
        self.attribute_index.get(name).copied()
    }

    pub(crate) fn of(contract: &'c Contract, options: &Options) -> Result<Rules<'c>, String> {
        let until = options.until.unwrap_or(contract.term.end);
        let stages: Vec<StageInfo> = model::stage_places(&contract.funnels)
            .map(|(f, i, s)| StageInfo {
                funnel: f,
                index: i,
                id: s.id.as_str().to_owned(),
                requires_evidence: s.evidence.is_some(),
            })
            .collect();
        let by_id: HashMap<&str, usize> = model::stage_places(&contract.funnels)
            .enumerate()
            .map(|(i, (_, _, s))| (s.id.as_str(), i))
            .collect();
        // Claims are held in 32-bit fields (`Claim`): a stage by its number, a day by its
        // distance from the start of the term, which every counted row falls within.
        let term_days = contract.term.end.day_number() - contract.term.start.day_number();
        if u32::try_from(stages.len()).is_err() || u32::try_from(term_days).is_err() {
            return Err(format!(
                "a contract of {} stages over a term of {term_days} days is beyond what a report reads",
                stages.len()
            ));
        }
        let mut attribute_index: HashMap<&str, u32> = HashMap::default();
        for condition in contract
            .funnels
            .iter()
            .flat_map(|f| &f.stages)
            .flat_map(|s| &s.eligible)
        {
            let next = attribute_index.len() as u32;
            attribute_index
                .entry(condition.subject.as_str())
                .or_insert(next);
        }
        let after = model::stage_places(&contract.funnels)
            .map(|(_, _, s)| {
                s.after
                    .iter()
                    .map(|p| by_id.get(p.as_str()).copied())
                    .collect()
            })
            .collect();
        let term_start = contract.term.start.day_number();
        let days = (until.day_number().min(contract.term.end.day_number()) - term_start + 1)
            .clamp(0, Rules::DATES);
        Ok(Rules {
            contract,
            until,
            stages,
            by_id: {
                let mut names = Keys::default();
                for (name, place) in by_id {
                    names.place(name, place);
                }
                names
            },
            after,
            term_start,
            dates: (0..days)
                .map(|d| Date::from_day_number(term_start + d))
                .collect(),
            attribute_index,
            clocks: contract.funnels.iter().map(Clock::of).collect(),
        })
    }

    /// The most days `dates` holds (about 180 years).
    const DATES: i64 = 1 << 16;

    /// The date of a claim's day (its distance from the start of the term).
    fn date(&self, day: u32) -> Date {
        match self.dates.get(day as usize) {
            Some(&date) => date,
            None => Date::from_day_number(self.term_start + i64::from(day)),
        }
    }

    /// What a row says on its own: it names a stage, has a real date inside the term and the
    /// report period, the cohort matches, evidence is given where the contract requires it,
    /// and it names a participant.
    pub(crate) fn row(&self, row: &Fields<'_>) -> Verdict {
        let contract = self.contract;
        let Some(stage) = self.by_id.get(super::trimmed(row.stage)) else {
            let known: Vec<&str> = self.stages.iter().map(|s| s.id.as_str()).collect();
            let hint = crate::diagnostic::did_you_mean(super::trimmed(row.stage), known)
                .map_or(String::new(), |h| format!("; {h}"));
            return Verdict::Rejected(
                Rejection::UnknownStage,
                format!(
                    "`{}` is not a milestone or target of this contract{hint}",
                    row.stage
                ),
                true,
            );
        };
        let date = super::trimmed(row.date);
        let Some(day) = super::input::day_of(date) else {
            return Verdict::Rejected(Rejection::BadDate, super::input::not_a_date(date), true);
        };
        if day < contract.term.start || day > contract.term.end {
            return Verdict::Rejected(
                Rejection::OutsideTerm,
                format!(
                    "{day} is outside the term {} to {}",
                    contract.term.start, contract.term.end
                ),
                true,
            );
        }
        if day > self.until {
            // Not a rejection: a later report counts it.
            return Verdict::Later;
        }
        let info = &self.stages[stage];
        let cohort = &contract.funnels[info.funnel].cohort;
        if let Some(given) = row.cohort.map(super::trimmed).filter(|c| !c.is_empty()) {
            if given != cohort {
                return Verdict::Rejected(
                    Rejection::WrongCohort,
                    format!(
                        "`{}` is a stage for cohort `{cohort}`, not `{given}`",
                        info.id
                    ),
                    true,
                );
            }
        }
        let has_evidence = row.evidence.is_some_and(|e| !super::trimmed(e).is_empty());
        if info.requires_evidence && !has_evidence {
            return Verdict::Rejected(
                Rejection::MissingEvidence,
                format!(
                    "the contract requires evidence for `{}` and the row gives none",
                    info.id
                ),
                true,
            );
        }
        if super::trimmed(row.participant).is_empty() {
            return Verdict::Rejected(
                Rejection::Malformed,
                "the participant reference is empty".to_string(),
                false,
            );
        }
        // Within the term, checked above: the distance fits (`Rules::of`).
        Verdict::Claim(Claim {
            row: 0,
            day: (day.day_number() - self.term_start) as u32,
            stage: stage as u32,
        })
    }
}

/// Where rejected rows go: the report's `Rejections`, or a part of them made apart.
pub(crate) trait Reject {
    fn add(&mut self, rejected: Rejected);
}

/// The participants of a return as its rows are read, each with its claims.
#[derive(Default)]
pub(crate) struct Table {
    /// Participants by key (`super::participant_key`), each a place in `people`: a row looks
    /// its participant up without making a key, unless its reference has capitals.
    index_of: Keys,
    people: Vec<Participant>,
    /// Each participant's claims, by place: apart from `people`, so that a row reads only
    /// its participant's place in the table and its claims.
    claims: Vec<Claims>,
    lowered: String,
}

impl Table {
    /// Take a row's claim for its participant (the reference trimmed, not empty), with the
    /// row's attributes: of two claims of a stage on one day, the row read first stands and
    /// the other is a duplicate.
    pub(crate) fn claim<'a>(
        &mut self,
        rules: &Rules<'_>,
        participant: &str,
        attributes: impl Iterator<Item = (&'a str, &'a str)>,
        claim: Claim,
        rejected: &mut impl Reject,
    ) {
        let place = self
            .index_of
            .place(key_of(participant, &mut self.lowered), self.people.len());
        self.claim_at(place, || participant, rules, attributes, claim, rejected);
    }

    /// As `claim`, for a participant whose key (`key_of`) is `key`: `shown` gives the
    /// reference, read only for a participant not seen before. A thread reading a part of a
    /// return copies each short key with its claim, so that taking the claim reads the
    /// copy, not the reference where it is in the file.
    pub(crate) fn claim_short<'a>(
        &mut self,
        rules: &Rules<'_>,
        key: ShortKey,
        shown: impl FnOnce() -> Str,
        attributes: impl Iterator<Item = (&'a str, &'a str)>,
        claim: Claim,
        rejected: &mut impl Reject,
    ) {
        let place = *self.index_of.short.entry(key).or_insert(self.people.len());
        self.claim_at(place, shown, rules, attributes, claim, rejected);
    }

    fn claim_at<'a, S: Into<Str>>(
        &mut self,
        place: usize,
        shown: impl FnOnce() -> S,
        rules: &Rules<'_>,
        mut attributes: impl Iterator<Item = (&'a str, &'a str)>,
        claim: Claim,
        rejected: &mut impl Reject,
    ) {
        let people = &mut self.people;
        if place == people.len() {
            people.push(Participant {
                shown: shown().into(),
                ..Participant::default()
            });
            self.claims.push(Claims::default());
        }
        if let Some(first) = attributes.next() {
            let person = &mut people[place];
            for (name, value) in std::iter::once(first).chain(attributes) {
                if rules.attribute(name).is_some_and(|i| person.first_given(i)) {
                    person
                        .attributes
                        .push((name.to_string(), value.to_string()));
                }
            }
        }
        // Claims of one stage on different days are all kept until the sequence is judged: the
        // earliest that holds is accepted (a claim made too early can be made again later).
        // Of claims on the same day, the row read first stands.
        let held = &mut self.claims[place];
        match held.same(claim.stage, claim.day) {
            None => held.push(claim),
            Some(existing) => {
                let (kept, dropped) = if claim.row < existing.row {
                    (claim, *existing)
                } else {
                    (*existing, claim)
                };
                *existing = kept;
                let shown = &people[place].shown;
                let info = &rules.stages[claim.stage as usize];
                rejected.add(Rejected {
                    row: dropped.row,
                    reason: Rejection::Duplicate,
                    detail: format!(
                        "`{shown}` was already claimed for `{}` on row {}",
                        info.id, kept.row
                    ),
                    participant: Some(shown.to_string()),
                    stage: Some(info.id.clone()),
                });
            }
        }
    }

    /// Judge each participant's events against the sequence, in the order of their keys (so
    /// that the order of the participants never depends on how a return writes their
    /// references): those with events kept, each with its reference as first written.
    pub(crate) fn judge<R: Reject>(self, rules: &Rules<'_>, rejected: &mut R) -> Accepted {
        let Table {
            index_of,
            mut people,
            mut claims,
            ..
        } = self;
        let mut seen = Seen::new(rules.stages.len(), rules.contract.funnels.len());
        // Room for every claim and reference, the most that can be kept: the lists are not
        // copied as they grow.
        let mut accepted = Accepted::with_capacity(
            people.len(),
            claims.iter_mut().map(|c| c.as_mut_slice().len()).sum(),
            people.iter().map(|p| p.shown.len()).sum(),
        );
        // One participant's events, and those kept, in lists made once for all of them.
        let (mut events, mut kept) = (Vec::new(), Vec::new());
        // Taking the participants out of `people` frees each one as it is judged.
        for place in index_of.in_order() {
            let person = std::mem::take(&mut people[place]);
            let mut held = std::mem::take(&mut claims[place]);
            let held = held.as_mut_slice();
            // In order of day, then of stage (numbered funnel by funnel, each funnel's in its
            // order), then of row: no two claims share all three.
            held.sort_unstable_by_key(|c| (c.day, c.stage, c.row));
            events.clear();
            events.extend(held.iter().map(|c| Event {
                stage: c.stage,
                day: rules.date(c.day),
                row: c.row,
            }));
            sequence(
                rules,
                &person.shown,
                (&events, &mut kept),
                &person.attributes,
                &mut seen,
                rejected,
            );
            if !kept.is_empty() {
                accepted.push(&person.shown, &kept);
            }
        }
        accepted
    }
}

/// What reading and judging the rows of a return makes, before the cohorts and payments.
pub(crate) struct Judged {
    pub read: u64,
    pub after_report_date: u64,
    pub rejected: Rejections,
    /// The participants with events kept, in the order of their keys.
    pub accepted: Accepted,
}

/// The report from the rows judged: the cohorts held to their size, the funnels, payments
/// and the rest.
pub(crate) fn finish(
    rules: &Rules<'_>,
    judged: Judged,
    options: &Options,
    lines: payments::Lines<'_>,
) -> Result<Report, String> {
    let Judged {
        read,
        after_report_date,
        mut rejected,
        accepted,
    } = judged;
    let (contract, stages, until) = (rules.contract, &rules.stages[..], rules.until);
    let (accepted, cohorts) =
        super::cohorts::hold_to_size(contract, stages, accepted, &mut |r| rejected.add(r));
    let accepted_rows = accepted.event_count() as u64;

    let periods = periods(contract, until);
    let reached = Reached::of(stages.len(), &accepted, &periods);
    let funnels = actual_funnels(contract, stages, &reached, until);
    let tolerance = contract.monitoring.as_ref().and_then(|m| m.tolerance);
    let exceptions = exceptions(&funnels, tolerance);
    let (payments, residual) = payments::payments(
        contract,
        (stages, &reached.by_stage),
        &accepted,
        &periods,
        until,
        &options.measured,
        lines,
    )?;

    let unit_costs = super::unit_costs::unit_costs(contract, &funnels, &payments);
    let outlook = super::outlook::outlook(
        contract,
        &super::outlook::Made {
            cohorts: &cohorts,
            funnels: &funnels,
            tolerance,
            periods: &periods,
            payments: &payments,
            residual: &residual,
        },
    )?;
    let (listed, counted, not_listed) = rejected.finish();
    let commonest = counted
        .iter()
        .fold(None::<&ReasonCount>, |best, c| match best {
            Some(b) if b.rows >= c.rows => Some(b),
            _ => Some(c),
        });
    let nothing_counted = match commonest {
        Some(most) if accepted_rows == 0 && most.rows > 0 => {
            let first = listed.iter().find(|r| r.reason == most.reason);
            Some(super::NothingCounted {
                reason: most.reason,
                rows: most.rows,
                one_reason: counted
                    .iter()
                    .all(|c| c.reason == most.reason || c.rows == 0),
                first_row: first.map(|r| r.row),
                first_detail: first.map(|r| r.detail.clone()),
            })
        }
        _ => None,
    };
    Ok(Report {
        contract: contract.title.as_str().to_owned(),
        until,
        outlook,
        nothing_counted,
        rows: RowCounts {
            read,
            accepted: accepted_rows,
            rejected: counted.iter().map(|c| c.rows).sum(),
            after_report_date,
            rejected_by_reason: counted,
            rejected_not_listed: not_listed,
        },
        rejected: listed,
        periods,
        cohorts,
        funnels,
        tolerance,
        exceptions,
        payments,
        unit_costs,
        residual,
    })
}

/// Participants' keys (or stages' names), each with its place. A short key (most are) is
/// held in the table itself, so that finding a row's participant reads the table and nothing
/// else: for a return of many participants, the time a row takes is mostly waiting for
/// memory.
#[derive(Default)]
struct Keys {
    short: HashMap<ShortKey, usize>,
    long: HashMap<String, usize>,
}

/// A candidate event as a participant's claims hold it, in 16 bytes: the stage by its
/// number, the day by its distance from the start of the term.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Claim {
    pub row: u64,
    pub day: u32,
    pub stage: u32,
}

/// A participant's claims: the first `Claims::INLINE` held in place, more on the heap, and
/// past `Claims::SEARCHED` found by stage and day in an index rather than searched.
enum Claims {
    Inline {
        len: u8,
        claims: [Claim; Claims::INLINE],
    },
    Heap(Vec<Claim>, Option<Box<HashMap<(u32, u32), u32>>>),
}

impl Default for Claims {
    fn default() -> Claims {
        Claims::Inline {
            len: 0,
            claims: [Claim::default(); Claims::INLINE],
        }
    }
}

impl Claims {
    /// Most participants of a return claim a few stages (the rough-sleeping benchmark's:
    /// 4.3 on average, 57% at most four).
    const INLINE: usize = 4;

    /// Claims of more stages than this are found through an index: a participant claiming
    /// thousands of stages would otherwise search them all for each claim.
    const SEARCHED: usize = 64;

    fn as_mut_slice(&mut self) -> &mut [Claim] {
        match self {
            Claims::Inline { len, claims } => &mut claims[..usize::from(*len)],
            Claims::Heap(claims, _) => claims,
        }
    }

    /// The claim of `stage` on `day` already held, if any (one at most: a second is
    /// reconciled with it in place).
    fn same(&mut self, stage: u32, day: u32) -> Option<&mut Claim> {
        match self {
            Claims::Heap(claims, Some(index)) => {
                let i = *index.get(&(stage, day))?;
                Some(&mut claims[i as usize])
            }
            Claims::Heap(claims, None) => {
                claims.iter_mut().find(|c| c.stage == stage && c.day == day)
            }
            Claims::Inline { len, claims } => claims[..usize::from(*len)]
                .iter_mut()
                .find(|c| c.stage == stage && c.day == day),
        }
    }

    fn push(&mut self, claim: Claim) {
        match self {
            Claims::Inline { len, claims } if usize::from(*len) < Claims::INLINE => {
                claims[usize::from(*len)] = claim;
                *len += 1;
            }
            Claims::Inline { claims, .. } => {
                let mut heap = Vec::with_capacity(2 * Claims::INLINE);
                heap.extend_from_slice(claims);
                heap.push(claim);
                *self = Claims::Heap(heap, None);
            }
            Claims::Heap(claims, index) => {
                claims.push(claim);
                let place = (claims.len() - 1) as u32;
                match index {
                    Some(index) => {
                        index.insert((claim.stage, claim.day), place);
                    }
                    None if claims.len() > Claims::SEARCHED => {
                        *index = Some(Box::new(
                            claims
                                .iter()
                                .enumerate()
                                .map(|(i, c)| ((c.stage, c.day), i as u32))
                                .collect(),
                        ));
                    }
                    None => {}
                }
            }
        }
    }
}

impl Keys {
    /// The place of `key`, if it has one.
    #[inline]
    fn get(&self, key: &str) -> Option<usize> {
        match ShortKey::of(key) {
            Some(short) => self.short.get(&short).copied(),
            None => self.long.get(key).copied(),
        }
    }

    /// The place of `key`, given `next` (the next place) if it is new.
    fn place(&mut self, key: &str, next: usize) -> usize {
        match ShortKey::of(key) {
            Some(short) => *self.short.entry(short).or_insert(next),
            None => match self.long.get(key) {
                Some(&place) => place,
                None => *self.long.entry(key.to_string()).or_insert(next),
            },
        }
    }

    /// The places of the keys, in the order of the keys (as bytes, and keys are UTF-8: as
    /// text). Short keys are put in order as the numbers they are held in, and the long ones
    /// (rare) merged in among them.
    fn in_order(&self) -> Vec<usize> {
        let mut short: Vec<(ShortKey, usize)> = self.short.iter().map(|(k, &p)| (*k, p)).collect();
        short.sort_unstable_by_key(|(k, _)| k.order());
        let mut long: Vec<(&[u8], usize)> =
            self.long.iter().map(|(k, &p)| (k.as_bytes(), p)).collect();
        long.sort_unstable();
        let mut places = Vec::with_capacity(short.len() + long.len());
        let mut long = long.into_iter().peekable();
        for (key, place) in short {
            while let Some((_, p)) = long.next_if(|(l, _)| key.cmp_bytes(l).is_gt()) {
                places.push(p);
            }
            places.push(place);
        }
        places.extend(long.map(|(_, p)| p));
        places
    }
}

/// A trimmed participant reference's key (`super::participant_key`): the reference itself when
/// it has no capitals, else made in `lowered`.
pub(crate) fn key_of<'a>(reference: &'a str, lowered: &'a mut String) -> &'a str {
    if !reference
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        return reference;
    }
    if reference.is_ascii() {
        lowered.clear();
        lowered.push_str(reference);
        lowered.make_ascii_lowercase();
    } else {
        *lowered = super::participant_key(reference);
    }
    lowered
}

/// Rejected rows: every one counted by reason, the first few listed.
pub(crate) struct Rejections {
    listed: Vec<Rejected>,
    limit: usize,
    explain: Option<String>,
    counts: Vec<ReasonCount>,
    not_listed: u64,
}

impl Rejections {
    pub(crate) fn new(options: &Options) -> Rejections {
        Rejections {
            listed: Vec::new(),
            limit: options.listed_rejections.unwrap_or(super::DEFAULT_LISTED),
            explain: options.explain.as_deref().map(super::participant_key),
            counts: Vec::new(),
            not_listed: 0,
        }
    }

    /// Rows rejected for `reason` that come after every one listed: counted, not listed.
    pub(crate) fn add_unlisted(&mut self, reason: Rejection, rows: u64) {
        match self.counts.iter_mut().find(|c| c.reason == reason) {
            Some(count) => count.rows += rows,
            None => self.counts.push(ReasonCount { reason, rows }),
        }
        self.not_listed += rows;
    }

    pub(crate) fn add(&mut self, rejected: Rejected) {
        match self.counts.iter_mut().find(|c| c.reason == rejected.reason) {
            Some(count) => count.rows += 1,
            None => self.counts.push(ReasonCount {
                reason: rejected.reason,
                rows: 1,
            }),
        }
        let explained = self.explain.is_some()
            && rejected.participant.as_deref().map(super::participant_key) == self.explain;
        if self.listed.len() < self.limit || explained {
            self.listed.push(rejected);
        } else {
            self.not_listed += 1;
        }
    }

    fn finish(mut self) -> (Vec<Rejected>, Vec<ReasonCount>, u64) {
        self.listed.sort_by_key(|r| (r.row, r.reason));
        self.counts.sort_by_key(|c| c.reason);
        (self.listed, self.counts, self.not_listed)
    }
}

impl Reject for Rejections {
    fn add(&mut self, rejected: Rejected) {
        Rejections::add(self, rejected);
    }
}

/// Of one participant's events, in order of day, funnel, stage and row, keep in `kept` those
/// that follow the sequence.
fn sequence(
    rules: &Rules<'_>,
    id: &str,
    (events, kept): (&[Event], &mut Vec<Event>),
    attributes: &[(String, String)],
    seen: &mut Seen,
    rejected: &mut impl Reject,
) {
    let (contract, stages, clocks, after) =
        (rules.contract, &rules.stages, &rules.clocks, &rules.after);
    kept.clear();
    let given = Given::of(attributes);
    for &event in events {
        let info = &stages[event.stage as usize];
        let funnel = &contract.funnels[info.funnel];
        let stage = &funnel.stages[info.index];
        let mut refuse = |reason: Rejection, detail: String| {
            rejected.add(Rejected {
                row: event.row,
                reason,
                detail,
                participant: Some(id.to_string()),
                stage: Some(info.id.clone()),
            });
        };
        if let Some(first) = seen.kept_at(event.stage as usize).map(|k| &kept[k]) {
            refuse(
                Rejection::Duplicate,
                format!(
                    "`{id}` was already claimed for `{}` on row {}",
                    info.id, first.row
                ),
            );
            continue;
        }
        if seen.funnel(info.funnel) & Seen::REFUSED != 0 {
            refuse(
                Rejection::ReferredLate,
                format!("`{id}` entered `{}` after referrals closed", funnel.id),
            );
            continue;
        }
        if info.index == 0 {
            if let Some(window) = contract.referrals {
                if event.day > window.until || event.day < window.from {
                    seen.mark(info.funnel, Seen::REFUSED);
                    refuse(
                        Rejection::ReferredLate,
                        format!(
                            "`{id}` entered on {}, outside the referral window {} to {}",
                            event.day, window.from, window.until
                        ),
                    );
                    continue;
                }
            }
        } else {
            let entry = &funnel.stages[0].id;
            if seen.funnel(info.funnel) & Seen::ENTERED == 0 {
                refuse(
                    Rejection::NotReferred,
                    format!(
                        "`{id}` has no accepted `{entry}`, the entry to `{}`",
                        funnel.id
                    ),
                );
                continue;
            }
            if let Some((reason, detail)) =
                // A funnel's stages are numbered one after another.
                out_of_time(&clocks[info.funnel], funnel, info, event.day, &|i| {
                        seen.kept_at(event.stage as usize - info.index + i)
                            .map(|k| kept[k].day)
                    })
            {
                refuse(reason, detail);
                continue;
            }
            let missing = after[event.stage as usize].iter().position(|p| {
                p.and_then(|stage| seen.kept_at(stage))
                    .is_none_or(|k| kept[k].day > event.day)
            });
            if let Some(first) = missing.map(|i| &stage.after[i]) {
                refuse(
                    Rejection::BeforePredecessor,
                    format!(
                        "`{}` on {} comes before `{first}`, which must be reached first",
                        info.id, event.day
                    ),
                );
                continue;
            }
        }
        if let Some(failed) = stage.eligible.iter().find(|c| !meets(c, &given)) {
            let detail = match given.get(&failed.subject) {
                Some(value) => format!(
                    "`{id}` has {} {value}, but `{}` requires {} {} {}",
                    failed.subject,
                    info.id,
                    failed.subject,
                    failed.comparison.symbol(),
                    failed.value
                ),
                None => format!(
                    "`{}` requires {} {} {}, and the return gives no `{}` for `{id}`",
                    info.id,
                    failed.subject,
                    failed.comparison.symbol(),
                    failed.value,
                    failed.subject
                ),
            };
            refuse(Rejection::Ineligible, detail);
            continue;
        }
        seen.keep(event.stage as usize, kept.len());
        if info.index == 0 {
            seen.mark(info.funnel, Seen::ENTERED);
        }
        kept.push(event);
    }
    seen.forget(kept);
}

/// What `sequence` has kept of one participant, by stage and by funnel, so that a claim is
/// checked against what came before it by looking, not searching: a participant who reaches
/// thousands of stages costs no more per claim than one who reaches five. The lists are as
/// long as the contract's stages and funnels, made once for a return and cleared after each
/// participant of only what was set for them, so a participant allocates nothing here.
struct Seen {
    /// Each stage's kept event, as its place in the participant's kept events, or `NONE`
    /// (a stage is kept once: another claim of it is a duplicate).
    kept_at: Vec<u32>,
    /// Each funnel's `ENTERED` and `REFUSED` bits.
    funnels: Vec<u8>,
    /// The funnels whose bits are set, to clear.
    marked: Vec<u32>,
}

impl Seen {
    const NONE: u32 = u32::MAX;
    /// The participant's entry to the funnel is kept.
    const ENTERED: u8 = 1;
    /// The participant's entry to the funnel was refused as after referrals closed, and so
    /// is every later claim in it.
    const REFUSED: u8 = 2;

    fn new(stages: usize, funnels: usize) -> Seen {
        Seen {
            kept_at: vec![Seen::NONE; stages],
            funnels: vec![0; funnels],
            marked: Vec::new(),
        }
    }

    fn kept_at(&self, stage: usize) -> Option<usize> {
        let at = self.kept_at[stage];
        (at != Seen::NONE).then_some(at as usize)
    }

    fn keep(&mut self, stage: usize, at: usize) {
        // A stage is kept once, so there are fewer kept events than stages.
        self.kept_at[stage] = u32::try_from(at).unwrap_or(Seen::NONE - 1);
    }

    fn funnel(&self, funnel: usize) -> u8 {
        self.funnels[funnel]
    }

    fn mark(&mut self, funnel: usize, bit: u8) {
        if self.funnels[funnel] == 0 {
            self.marked.push(funnel as u32);
        }
        self.funnels[funnel] |= bit;
    }

    /// Clear what was set for the participant whose events are `kept`.
    fn forget(&mut self, kept: &[Event]) {
        for event in kept {
            self.kept_at[event.stage as usize] = Seen::NONE;
        }
        for funnel in self.marked.drain(..) {
            self.funnels[funnel as usize] = 0;
        }
    }
}

/// Whether a claim of a stage on `day` is sooner than its `at least` time or later than its
/// `within` time allow, each measured from the participant's own date for the stage it is
/// measured from (`reached`).
fn out_of_time(
    clock: &Clock,
    funnel: &model::Funnel,
    info: &StageInfo,
    day: Date,
    reached: &dyn Fn(usize) -> Option<Date>,
) -> Option<(Rejection, String)> {
    let stage = &funnel.stages[info.index];
    let from = |i: usize| {
        let date = reached(i).map_or(String::new(), |d| d.to_string());
        if i == 0 {
            format!("entry to `{}` on {date}", funnel.id)
        } else {
            format!("`{}` on {date}", funnel.stages[i].id)
        }
    };
    if let (Some(first), Some(time)) =
        (clock.first_claim(info.index, reached), &stage.time.earliest)
    {
        if day < first {
            let anchor = clock.earliest_from(info.index).unwrap_or(0);
            return Some((
                Rejection::TooEarly,
                format!(
                    "`{}` on {day} is too early: it can be claimed from {first}, {} after {}",
                    info.id,
                    time.duration,
                    from(anchor)
                ),
            ));
        }
    }
    if let (Some(last), Some(time)) = (clock.last_claim(info.index, reached), &stage.time.latest) {
        if day > last {
            let anchor = clock.latest_from(info.index).unwrap_or(0);
            return Some((
                Rejection::TooLate,
                format!(
                    "`{}` on {day} is too late: it was due by {last}, within {} of {}",
                    info.id,
                    time.duration,
                    from(anchor)
                ),
            ));
        }
    }
    None
}

/// A participant's attributes by name: searched when they are few, found in a map when
/// there are many (a return of thousands of attribute columns, each a condition's subject).
struct Given<'p> {
    list: &'p [(String, String)],
    by_name: Option<HashMap<&'p str, &'p str>>,
}

impl<'p> Given<'p> {
    /// Past this many attributes, a map.
    const SEARCHED: usize = 16;

    fn of(list: &'p [(String, String)]) -> Given<'p> {
        let by_name = (list.len() > Given::SEARCHED).then(|| {
            let mut map = HashMap::default();
            for (name, value) in list {
                map.entry(name.as_str()).or_insert(value.as_str());
            }
            map
        });
        Given { list, by_name }
    }

    /// The value first given for `name`.
    fn get(&self, name: &str) -> Option<&'p str> {
        match &self.by_name {
            Some(map) => map.get(name).copied(),
            None => self
                .list
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str()),
        }
    }
}

/// Whether the attributes meet a condition; an absent or unreadable attribute does not.
fn meets(condition: &Condition, attributes: &Given) -> bool {
    let Some(value) = attributes.get(&condition.subject) else {
        return false;
    };
    let Some(value) = read_decimal(value) else {
        return false;
    };
    let threshold = match condition.value {
        Threshold::Number(n) | Threshold::Percent(Percent(n)) => n,
    };
    condition.comparison.holds(value.cmp_value(&threshold))
}

/// A plain decimal as a return writes it: `15`, `41.5`, `7.5%`.
pub(crate) fn read_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim().trim_end_matches('%');
    let (negative, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty()
        || whole.len() > 15
        || fraction.len() > 6
        || !whole
            .chars()
            .chain(fraction.chars())
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut mantissa: i128 = 0;
    for c in whole.chars().chain(fraction.chars()) {
        mantissa = mantissa * 10 + i128::from(c as u8 - b'0');
    }
    Some(Decimal {
        mantissa: if negative { -mantissa } else { mantissa },
        scale: fraction.len() as u32,
    })
}

/// The report's periods: months or quarters of the term (as returns are made), up to the
/// period that holds `until`.
pub(crate) fn periods(contract: &Contract, until: Date) -> Vec<Period> {
    let frequency = contract
        .monitoring
        .as_ref()
        .and_then(|m| m.returns)
        .unwrap_or(Frequency::Monthly);
    let start = contract.term.start;
    let mut periods = Vec::new();
    let mut n = 0u32;
    loop {
        let period = frequency.period();
        let (begins, next) = (period.start_of(start, n), period.start_of(start, n + 1));
        if begins > until || begins > contract.term.end {
            break;
        }
        let ends = Date::from_day_number(next.day_number() - 1).min(contract.term.end);
        let label = match frequency {
            Frequency::Weekly => format!("week of {begins}"),
            Frequency::Monthly => format!("{:04}-{:02}", begins.year, begins.month),
            Frequency::Quarterly => format!("quarter {} ({begins} to {ends})", n + 1),
            Frequency::Termly => {
                format!("year {} term {} ({begins} to {ends})", n / 3 + 1, n % 3 + 1)
            }
            Frequency::Annually => format!("year {}", n + 1),
        };
        periods.push(Period {
            label,
            start: begins,
            end: ends,
        });
        n += 1;
    }
    periods
}

/// Planned people at each stage of a funnel by `until`, on the planned timeline: entries
/// over the referral window (evenly or by the referral profile), each reaching a stage at its
/// planned time (the same timeline as the contract's planned payments).
pub(crate) fn planned_to_date(
    contract: &Contract,
    entries: &Entries,
    funnel: usize,
    until: Date,
) -> Vec<u64> {
    let f = &contract.funnels[funnel];
    let reached = entries.reached_by(&Clock::of(f), until);
    let total = entries.total().max(1);
    f.stages
        .iter()
        .zip(reached)
        // `r` is at most `total`, so the share is at most the expected count.
        .map(|(s, r)| mul_div_rounded(i128::from(s.expected), r, total).unwrap_or(0) as u64)
        .collect()
}

/// How many participants reached each stage (each has at most one event a stage), in all
/// and in each period: counted once, for the funnels and the payments.
struct Reached {
    by_stage: Vec<u64>,
    /// For each stage, its count in each period: a row of `periods` a stage.
    by_period: Vec<u64>,
    periods: usize,
}

impl Reached {
    /// Counted on every thread, each a share of the participants, and added up.
    fn of(stages: usize, accepted: &Accepted, periods: &[Period]) -> Reached {
        let period_of = super::payments::PeriodOf::new(periods);
        let width = periods.len() + 1;
        // Each stage's count, then its count in each period, in one table a share.
        let counted = workspace::parallel_map(accepted.shares(stages * width), |who| {
            let mut counts = vec![0u64; stages * width];
            accepted.each_in(who, |_, _, events| {
                for e in events {
                    let row = e.stage as usize * width;
                    counts[row] += 1;
                    if let Some(p) = period_of.of_date(e.day) {
                        counts[row + 1 + p] += 1;
                    }
                }
            });
            counts
        });
        let mut shares = counted.into_iter();
        let mut counts = shares.next().unwrap_or_else(|| vec![0u64; stages * width]);
        for share in shares {
            for (sum, count) in counts.iter_mut().zip(share) {
                *sum += count;
            }
        }
        let by_stage = counts.iter().step_by(width).copied().collect();
        // Each stage's count taken out of its row, the rows' counts by period closed up.
        let mut at = 0;
        counts.retain(|_| {
            at += 1;
            (at - 1) % width != 0
        });
        Reached {
            by_stage,
            by_period: counts,
            periods: periods.len(),
        }
    }

    /// How many reached stage `g` in each period.
    fn in_periods(&self, g: usize) -> &[u64] {
        &self.by_period[g * self.periods..(g + 1) * self.periods]
    }
}

fn actual_funnels(
    contract: &Contract,
    stages: &[StageInfo],
    reached: &Reached,
    until: Date,
) -> Vec<ActualFunnel> {
    let counts = &reached.by_stage;
    let entries = Entries::of_contract(contract);
    let mut global_of: HashMap<(usize, usize), usize> = HashMap::default();
    for (g, s) in stages.iter().enumerate() {
        global_of.insert((s.funnel, s.index), g);
    }
    contract
        .funnels
        .iter()
        .enumerate()
        .map(|(f, funnel)| {
            let global = |i: usize| global_of.get(&(f, i)).copied().unwrap_or(0);
            let planned = planned_to_date(contract, &entries, f, until);
            let stages_out = funnel
                .stages
                .iter()
                .enumerate()
                .map(|(i, stage)| {
                    let g = global(i);
                    let single = match stage.after.as_slice() {
                        [p] => funnel.position(p),
                        _ => None,
                    };
                    let actual_conversion = single.and_then(|p| {
                        let before = counts[global(p)];
                        (before > 0).then(|| Percent::of_ratio(counts[g], before, 1))
                    });
                    ActualStage {
                        id: stage.id.as_str().to_owned(),
                        follows: stage.after.first().map(ToString::to_string),
                        planned: stage.expected,
                        planned_to_date: planned[i],
                        actual: counts[g],
                        by_period: reached.in_periods(g).to_vec(),
                        actual_conversion,
                        planned_conversion: stage.conversion,
                    }
                })
                .collect();
            ActualFunnel {
                id: funnel.id.as_str().to_owned(),
                stages: stages_out,
            }
        })
        .collect()
}

/// Stages behind their planned profile by more than the tolerance (any shortfall when the
/// contract declares none).
fn exceptions(funnels: &[ActualFunnel], tolerance: Option<Percent>) -> Vec<Exception> {
    let mut found = Vec::new();
    for funnel in funnels {
        for stage in &funnel.stages {
            if stage.actual >= stage.planned_to_date {
                continue;
            }
            let shortfall = stage.planned_to_date - stage.actual;
            let share = Percent::of_ratio(shortfall, stage.planned_to_date, 1);
            let beyond = tolerance.is_none_or(|t| {
                // shortfall / planned > t, exactly: shortfall × 100 × 10^s > t × planned
                let scale = 10_i128.pow(t.0.scale);
                shortfall as i128 * 100 * scale > t.0.mantissa * stage.planned_to_date as i128
            });
            if beyond {
                found.push(Exception {
                    funnel: funnel.id.clone(),
                    stage: stage.id.clone(),
                    planned_to_date: stage.planned_to_date,
                    actual: stage.actual,
                    shortfall,
                    shortfall_share: share,
                });
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::{Accepted, Event, Rules};
    use crate::report::Options;
    use crate::value::Date;

    /// A claim's day is the date the calendar gives it, in the days looked up and past them.
    #[test]
    fn a_claims_day_is_its_date_looked_up_or_computed() {
        let mut contract = crate::report::compiled("specs/drug-service.outcome");
        let start = contract.term.start.day_number();
        for (end, until) in [(400, None), (100_000, None), (100_000, Some(-5))] {
            contract.term.end = Date::from_day_number(start + end);
            let options = Options {
                until: until.map(|d| Date::from_day_number(start + d)),
                ..Options::default()
            };
            let rules = Rules::of(&contract, &options).unwrap();
            for day in [
                0, 1, 58, 59, 365, 399, 400, 401, 65_535, 65_536, 70_000, 99_999,
            ] {
                assert_eq!(
                    rules.date(day),
                    Date::from_day_number(start + i64::from(day)),
                    "day {day} of a term of {end} days"
                );
            }
        }
    }

    fn event(row: u64) -> Event {
        Event {
            stage: row as u32 % 7,
            day: Date::from_day_number(row as i64),
            row,
        }
    }

    /// The shares of a pass are ranges one after the other from the first participant to the
    /// last; one range when the participants are few or the tables kept would outweigh them.
    #[test]
    fn a_pass_is_shared_in_ranges_that_cover_every_participant_in_order() {
        let mut accepted = Accepted::default();
        for p in 0..100_000_u64 {
            accepted.push(&format!("p{p}"), &[event(p)]);
        }
        let shares = accepted.shares(10);
        assert!(shares.len() > 1, "{shares:?}");
        assert_eq!(shares.first().map(|s| s.start), Some(0));
        assert_eq!(shares.last().map(|s| s.end), Some(accepted.len()));
        assert!(shares.windows(2).all(|w| w[0].end == w[1].start));
        assert_eq!(accepted.shares(60_000), vec![0..accepted.len()]);
        let mut few = Accepted::default();
        for p in 0..1_000_u64 {
            few.push(&format!("p{p}"), &[event(p)]);
        }
        assert_eq!(few.shares(1), vec![0..1_000]);
        assert_eq!(Accepted::default().shares(1), vec![0..0]);
    }

    /// Runs of every size, empty ones among them, put together: each participant is found
    /// by its place as a single list would hold it, and in the same order.
    #[test]
    fn participants_in_runs_are_found_as_in_one_list() {
        let sizes = [0, 1, 0, 3, 1024, 1023, 1025, 0, 2, 5000, 1, 0];
        let mut whole = Accepted::default();
        let mut expected: Vec<(String, Vec<Event>)> = Vec::new();
        for (r, &size) in sizes.iter().enumerate() {
            let mut run = Accepted::with_capacity(size, size, 0);
            for p in 0..size {
                let name = format!("p{r}-{p}");
                let events: Vec<Event> = (0..(p % 4) as u64).map(|e| event(e + p as u64)).collect();
                run.push(&name, &events);
                expected.push((name, events));
            }
            whole.append(run);
            // Pushed after the runs: added to the last.
            if r == 5 {
                whole.push("pushed", &[event(1)]);
                expected.push(("pushed".to_string(), vec![event(1)]));
            }
        }
        assert_eq!(whole.len(), expected.len());
        let events: usize = expected.iter().map(|(_, e)| e.len()).sum();
        assert_eq!(whole.event_count(), events);
        let rows = |e: &[Event]| {
            e.iter()
                .map(|e| (e.row, e.stage, e.day))
                .collect::<Vec<_>>()
        };
        for (i, (name, events)) in expected.iter().enumerate() {
            let (n, e) = whole.get(i);
            assert_eq!(
                (n, rows(e)),
                (name.as_str(), rows(events)),
                "participant {i}"
            );
        }
        let iterated: Vec<_> = whole
            .iter()
            .map(|(n, e)| (n.to_string(), rows(e)))
            .collect();
        let listed: Vec<_> = expected.iter().map(|(n, e)| (n.clone(), rows(e))).collect();
        assert_eq!(iterated, listed);
        // Any range of places, across the runs' ends and past the last, is those places.
        let mut ends: Vec<usize> = vec![0, whole.len()];
        let mut at = 0;
        for &size in &sizes {
            at += size;
            ends.extend([at.saturating_sub(1), at, at + 1]);
        }
        ends.retain(|&end| end <= whole.len());
        for &from in &ends {
            for &to in ends.iter().filter(|&&to| to >= from) {
                let mut ranged = Vec::new();
                let mut places = Vec::new();
                whole.each_in(from..to, |i, n, e| {
                    places.push(i);
                    ranged.push((n.to_string(), rows(e)));
                });
                assert_eq!(ranged, listed[from..to], "participants {from}..{to}");
                assert!(places.iter().copied().eq(from..to), "places {from}..{to}");
            }
        }
    }
}
