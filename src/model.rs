//! The checked contract and its computed figures: what emitters consume.
//!
//! Architecture invariant: a `Contract` exists only for a file without errors, every
//! cross-reference in it names something that exists, and every figure in it was computed by
//! `check` with integer arithmetic. Emitters format; they never compute or re-check.
//! Collections keep the order the contract was written in.

use crate::ast::{
    CapScope, Comparison, Due, IncentiveKind, Level, Question, StageKind, Threshold, TierScope,
};
use crate::source::Str;
use crate::value::{Date, Duration, Frequency, Money, Percent, Period};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Contract {
    pub title: Str,
    pub commissioners: Vec<Str>,
    pub providers: Vec<Str>,
    pub term: Term,
    pub referrals: Option<ReferralWindow>,
    /// How referrals are expected to spread over the referral window (or the term), a share
    /// for each period of it; without one, evenly over every day.
    pub referral_profile: Option<ReferralProfile>,
    /// ISO 4217 code of the one currency the contract uses.
    pub currency: String,
    pub funding_limit: Money,
    pub boundaries: Vec<Str>,
    pub outcomes: Vec<Outcome>,
    pub cohorts: Vec<Cohort>,
    pub funnels: Vec<Funnel>,
    pub measures: Vec<Measure>,
    pub payments: Payments,
    pub monitoring: Option<Monitoring>,
    pub figures: Figures,
    /// Where each name is, built on first use (`stage`, `funnel`, `outcome`, `measure`,
    /// `cohort`).
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) places: std::sync::OnceLock<Places>,
}

/// Where each name of a contract is: the first of a name in the order written, as a search
/// would find it (names are unique across a checked contract). Found in tables built once: a
/// search for each name is quadratic in a contract of many funnels, outcomes or measures.
#[derive(Debug, Clone, Default)]
pub(crate) struct Places {
    /// (funnel, place in it)
    stages: foldhash::HashMap<Box<str>, (usize, usize)>,
    funnels: foldhash::HashMap<Box<str>, usize>,
    outcomes: foldhash::HashMap<Box<str>, usize>,
    measures: foldhash::HashMap<Box<str>, usize>,
    cohorts: foldhash::HashMap<Box<str>, usize>,
}

/// Each item's place by its name, the first of a name kept.
fn places_of<T>(items: &[T], id: impl Fn(&T) -> &str) -> foldhash::HashMap<Box<str>, usize> {
    let mut places = foldhash::HashMap::default();
    for (i, item) in items.iter().enumerate() {
        places.entry(id(item).into()).or_insert(i);
    }
    places
}

impl Contract {
    fn places(&self) -> &Places {
        self.places.get_or_init(|| {
            let mut stages = foldhash::HashMap::default();
            for (f, funnel) in self.funnels.iter().enumerate() {
                for (i, stage) in funnel.stages.iter().enumerate() {
                    stages.entry(stage.id.as_str().into()).or_insert((f, i));
                }
            }
            Places {
                stages,
                funnels: places_of(&self.funnels, |f| &f.id),
                outcomes: places_of(&self.outcomes, |o| &o.id),
                measures: places_of(&self.measures, |m| &m.id),
                cohorts: places_of(&self.cohorts, |c| &c.id),
            }
        })
    }

    /// The funnel and stage a stage name refers to.
    pub fn stage(&self, id: &str) -> Option<(&Funnel, &Stage)> {
        let &(f, i) = self.places().stages.get(id)?;
        let funnel = &self.funnels[f];
        Some((funnel, &funnel.stages[i]))
    }

    /// The funnel of this name.
    pub fn funnel(&self, id: &str) -> Option<&Funnel> {
        self.places().funnels.get(id).map(|&i| &self.funnels[i])
    }

    /// The outcome of this name.
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.places().outcomes.get(id).map(|&i| &self.outcomes[i])
    }

    /// The measure of this name.
    pub fn measure(&self, id: &str) -> Option<&Measure> {
        self.places().measures.get(id).map(|&i| &self.measures[i])
    }

    /// The cohort of this name.
    pub fn cohort(&self, id: &str) -> Option<&Cohort> {
        self.cohort_place(id).map(|i| &self.cohorts[i])
    }

    /// The place among `cohorts` of the cohort of this name.
    pub fn cohort_place(&self, id: &str) -> Option<usize> {
        self.places().cohorts.get(id).copied()
    }
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct Term {
    pub start: Date,
    pub end: Date,
}

/// Referrals are accepted from `from` until `until`, both inclusive.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct ReferralWindow {
    pub from: Date,
    pub until: Date,
}

/// `referrals per quarter 20%, 30%, 30%, 20%`: the shares add up to 100%, one per period.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReferralProfile {
    pub period: Period,
    pub shares: Vec<Percent>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Outcome {
    pub id: Str,
    pub statement: Str,
    pub why: Option<Str>,
    pub level: Level,
    /// The performance targets that achieve this outcome.
    pub achieved_by: Vec<Str>,
    /// The measures that track it.
    pub tracked_by: Vec<Str>,
    /// The shared file it comes from, when it is used from one.
    pub from: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Cohort {
    pub id: Str,
    pub description: Str,
    pub size: Option<u64>,
    pub eligibility: Option<Str>,
    /// The shared file it comes from, when it is used from one.
    pub from: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Funnel {
    pub id: Str,
    pub description: Str,
    pub cohort: Str,
    /// Milestones and targets in the order written.
    pub stages: Vec<Stage>,
    /// Each stage's position in `stages` by identifier, built on the first lookup, so that
    /// looking a stage up by name costs the same in a funnel of 100,000 stages as in one of
    /// five. The stages of a checked funnel are not added to or renamed once looked up.
    #[serde(skip)]
    #[schemars(skip)]
    index: std::sync::OnceLock<StageIndex>,
    /// Its stages' predecessors, times and order by index, built on first use: every pass
    /// over the funnel (the checks against the term, the ladders, the timeline, the report)
    /// reads the one clock rather than build its own from the stage names.
    #[serde(skip)]
    #[schemars(skip)]
    clock: std::sync::OnceLock<crate::schedule::clock::Clock>,
}

/// Funnels of at most this many stages are searched rather than indexed.
const SEARCHED: usize = 16;

impl Funnel {
    pub fn new(id: Str, description: Str, cohort: Str, stages: Vec<Stage>) -> Funnel {
        Funnel {
            id,
            description,
            cohort,
            stages,
            index: std::sync::OnceLock::new(),
            clock: std::sync::OnceLock::new(),
        }
    }

    /// The stages by index, with what each follows and when it can be reached
    /// (`schedule::clock`); built once, like the index of `position`, and on the same
    /// understanding that a checked funnel's stages are not changed once it is read.
    pub fn clock(&self) -> &crate::schedule::clock::Clock {
        self.clock
            .get_or_init(|| crate::schedule::clock::Clock::of(self))
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.position(id).map(|i| &self.stages[i])
    }

    /// The position of the stage `id` in `stages`; the first, should two share it.
    pub fn position(&self, id: &str) -> Option<usize> {
        if self.stages.len() <= SEARCHED {
            return self.stages.iter().position(|s| s.id == id);
        }
        self.index().get(&self.stages, id)
    }

    /// The position of the stage `id` in `stages`; the last, should two share it (as a map
    /// filled in the order of the stages keeps it).
    pub fn last_position(&self, id: &str) -> Option<usize> {
        if self.stages.len() > SEARCHED && !self.index().repeats {
            return self.index().get(&self.stages, id);
        }
        self.stages.iter().rposition(|s| s.id == id)
    }

    fn index(&self) -> &StageIndex {
        self.index.get_or_init(|| StageIndex::of(&self.stages))
    }

    /// The funnel with its clock made already, by whoever resolved its stages' links and times
    /// by position (the check, which has them): the clock `clock()` would build from the stage
    /// names, without looking each name up. Only for a funnel whose stages' names are all
    /// different, where a name's first stage is its only one.
    pub fn with_clock(self, clock: crate::schedule::clock::Clock) -> Funnel {
        let _ = self.clock.set(clock);
        self
    }

    /// The people entering the funnel: the first stage's expected count.
    pub fn entering(&self) -> u64 {
        self.stages.first().map_or(0, |s| s.expected)
    }
}

/// A funnel's stages by identifier, without a copy of the identifiers: an open-addressing
/// table of positions, found by the hash of a name and checked against the stage's own `id`.
/// A map from copied names cost a string and an entry per stage, a tenth of the memory that
/// checking a long funnel holds.
#[derive(Debug, Clone)]
struct StageIndex {
    /// Positions, or `EMPTY`; twice the stages or more, a power of two.
    slots: Box<[u32]>,
    hasher: foldhash::fast::RandomState,
    /// Whether two stages share a name.
    repeats: bool,
}

const EMPTY: u32 = u32::MAX;

impl StageIndex {
    fn of(stages: &[Stage]) -> StageIndex {
        let size = stages.len().saturating_mul(2).next_power_of_two().max(2);
        let mut index = StageIndex {
            slots: vec![EMPTY; size].into_boxed_slice(),
            hasher: Default::default(),
            repeats: false,
        };
        // Positions past `EMPTY` are left out and found by search (`get`).
        for (i, stage) in stages.iter().enumerate().take(EMPTY as usize) {
            let mut slot = index.first_slot(&stage.id);
            loop {
                match index.slots[slot] {
                    EMPTY => {
                        index.slots[slot] = i as u32;
                        break;
                    }
                    // The first of two stages that share a name is the one found.
                    taken if stages[taken as usize].id == stage.id => {
                        index.repeats = true;
                        break;
                    }
                    _ => slot = (slot + 1) & (index.slots.len() - 1),
                }
            }
        }
        index
    }

    fn first_slot(&self, id: &str) -> usize {
        use std::hash::BuildHasher;
        (self.hasher.hash_one(id) as usize) & (self.slots.len() - 1)
    }

    fn get(&self, stages: &[Stage], id: &str) -> Option<usize> {
        let mut slot = self.first_slot(id);
        loop {
            match self.slots[slot] {
                EMPTY => break,
                taken if stages[taken as usize].id == id => return Some(taken as usize),
                _ => slot = (slot + 1) & (self.slots.len() - 1),
            }
        }
        // Only a funnel of more than 4 billion stages has stages left out of the table.
        stages
            .iter()
            .skip(EMPTY as usize)
            .position(|s| s.id == id)
            .map(|i| i + EMPTY as usize)
    }
}

/// Every stage of `funnels` with where it is: the index of its funnel and its place in it.
pub fn stage_places(funnels: &[Funnel]) -> impl Iterator<Item = (usize, usize, &Stage)> {
    funnels.iter().enumerate().flat_map(|(f, funnel)| {
        funnel
            .stages
            .iter()
            .enumerate()
            .map(move |(i, stage)| (f, i, stage))
    })
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Stage {
    pub id: Str,
    pub kind: StageKind,
    pub description: Str,
    /// The number of people expected to reach this stage.
    pub expected: u64,
    /// The stages a person must have reached before this one (all of them). Empty for the
    /// funnel's entry.
    pub after: Vec<Str>,
    /// When the stage can be reached and when the plan expects it.
    #[schemars(with = "StageTimes")]
    pub time: Times,
    pub evidence: Option<Str>,
    /// Outcomes a performance target achieves (empty for milestones).
    pub achieves: Vec<Str>,
    /// The conversion factor as the contract states it, if it does.
    pub stated_conversion: Option<Percent>,
    /// `expected ÷ expected of the single stage before`, to the precision of the stated
    /// factor and at least one decimal place; absent for the entry and for stages reached from
    /// more than one stage.
    pub conversion: Option<Percent>,
    /// `expected ÷ people entering the funnel`, to one decimal place.
    pub overall_conversion: Percent,
    /// The price paid when one participant reaches this stage, if any.
    pub price: Option<Money>,
    /// Conditions a participant must meet for this stage to count (all of them).
    pub eligible: Vec<Condition>,
}

/// When a stage can be reached, each time measured from entry to the funnel or from a stage
/// before it in its sequence.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct StageTimes {
    /// It cannot be reached sooner: the sustainment period (`at least 6 months after housed`).
    pub earliest: Option<TimeFrom>,
    /// It must be reached by then (`within 21 months`, `within 9 months of housed`).
    pub latest: Option<TimeFrom>,
    /// When the plan expects it to be reached, where that is not the earliest.
    pub expected: Option<TimeFrom>,
}

impl StageTimes {
    pub fn is_empty(&self) -> bool {
        self.earliest.is_none() && self.latest.is_none() && self.expected.is_none()
    }
}

/// A stage's times, held apart from the stage only when it has one: most stages of a long
/// funnel have none, and three times inline were 120 of every stage's bytes. Read (and
/// written to JSON) as the `StageTimes` it holds, all absent when it holds none.
#[derive(Debug, Clone, Default)]
pub struct Times(Option<Box<StageTimes>>);

static NO_TIMES: StageTimes = StageTimes {
    earliest: None,
    latest: None,
    expected: None,
};

impl From<StageTimes> for Times {
    fn from(times: StageTimes) -> Times {
        Times((!times.is_empty()).then(|| Box::new(times)))
    }
}

impl std::ops::Deref for Times {
    type Target = StageTimes;

    fn deref(&self) -> &StageTimes {
        self.0.as_deref().unwrap_or(&NO_TIMES)
    }
}

impl Serialize for Times {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StageTimes::serialize(self, serializer)
    }
}

/// `6 months after housed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct TimeFrom {
    pub duration: Duration,
    /// The stage it is measured from: the funnel's entry when the contract names none.
    pub after: Str,
    /// Whether it is measured from entry to the funnel (no stage named).
    pub from_entry: bool,
}

/// `age_at_start <= 15`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Condition {
    pub subject: Str,
    pub comparison: Comparison,
    pub value: Threshold,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Measure {
    pub id: Str,
    pub description: Str,
    pub question: Question,
    pub unit: Option<Str>,
    pub collected_by: Option<Str>,
    pub method: Option<Str>,
    pub frequency: Option<Frequency>,
    pub baseline: Option<MeasurePoint>,
    pub target: Option<MeasurePoint>,
    pub tracks: Vec<Str>,
    /// The comparison group a cohort-level measure is set against.
    pub compared_with: Option<Str>,
    /// The shared file it comes from, when it is used from one.
    pub from: Option<String>,
}

/// A measure's value in a year: `32% in 2008`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MeasurePoint {
    pub value: MeasureValue,
    pub year: i32,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum MeasureValue {
    Number(crate::value::Decimal),
    Percent(Percent),
    Money(Money),
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Payments {
    /// `pay £X for stage`, in the order written.
    pub prices: Vec<Price>,
    pub fixed_fees: Vec<FixedFee>,
    /// A per-participant fee paid on entry, as a share of the per-participant maximum.
    pub attachment: Option<Attachment>,
    pub caps: Vec<Cap>,
    pub exclusive: Vec<ExclusiveGroup>,
    pub incentives: Vec<Incentive>,
    pub tiers: Vec<TierSchedule>,
    pub payers: Vec<Payer>,
    pub deadweight: Option<Deadweight>,
    /// `pay for at most 5 in 6 families`: per cohort, how many participants are paid for.
    pub participant_limits: Vec<ParticipantLimit>,
    /// `group accommodation "Accommodation" cap £250,000 { housed, sustained_6m }`: the rate
    /// card's domains, in the order written.
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Price {
    pub funnel: Str,
    pub stage: Str,
    pub amount: Money,
    pub due: Due,
    /// The `pay` clause: a payment report traces each payment to it.
    pub clause: Clause,
}

/// Where a clause is written: the file (as checked) and its 1-based line.
#[derive(Debug, Clone, Eq, Serialize, JsonSchema)]
pub struct Clause {
    /// Shared by every clause of the file.
    #[serde(serialize_with = "shared_str")]
    #[schemars(with = "String")]
    pub file: std::sync::Arc<str>,
    pub line: usize,
}

/// Two clauses of one file share its name: compared by where it is held first, its text only
/// when that differs (a shared `str` is otherwise compared byte by byte, and a report
/// compares the clause of each of a million payment lines with the line's before).
impl PartialEq for Clause {
    fn eq(&self, other: &Clause) -> bool {
        self.line == other.line
            && (std::sync::Arc::ptr_eq(&self.file, &other.file) || self.file == other.file)
    }
}

/// Hashed by what `eq` compares: the text of the file's name and the line.
impl std::hash::Hash for Clause {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.file.hash(state);
        self.line.hash(state);
    }
}

/// A shared string, written as the string itself.
fn shared_str<S: serde::Serializer>(
    s: &std::sync::Arc<str>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(s)
}

impl std::fmt::Display for Clause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FixedFee {
    pub amount: Money,
    pub period: Period,
    /// The contract year the fee is limited to, if any.
    pub year: Option<u32>,
    /// Periods, or parts of one, in the term (or in that year) the fee is paid for.
    pub periods: u64,
    pub total: Money,
    pub clause: Clause,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Attachment {
    /// Shares of the per-participant maximum, by the contract year a participant enters in.
    pub shares: Vec<YearShare>,
    pub clause: Clause,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct YearShare {
    /// `None`: every year not otherwise listed.
    pub year: Option<u32>,
    pub share: Percent,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Cap {
    pub scope: CapScope,
    pub amount: Money,
    pub clause: Clause,
}

/// Alternatives of which one participant is paid for the richest only.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExclusiveGroup {
    pub alternatives: Vec<Vec<Str>>,
}

/// A bonus or a penalty.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Incentive {
    pub kind: IncentiveKind,
    pub amount: IncentiveAmount,
    pub condition: Condition,
    /// What the condition's subject is: a stage's count of people or a measure's value.
    pub subject_kind: SubjectKind,
    /// How often it is assessed; `None`: once, at the end of the term.
    pub assessed: Option<crate::value::Frequency>,
    /// The first contract year a penalty can apply in (a grace period before it).
    pub from_year: Option<u32>,
    /// How many times it can be assessed over the term.
    pub assessments: u64,
    /// The most it can pay (bonus) or withhold (penalty) over the term.
    pub maximum: Money,
    pub clause: Clause,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Stage,
    Measure,
}

#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum IncentiveAmount {
    Money(Money),
    ShareOfOutcomePayments(Percent),
}

/// Step-wise payments on a cohort-level measure.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TierSchedule {
    pub measure: Str,
    pub scope: TierScope,
    /// How many times the schedule is evaluated: once pooled, or once per cohort.
    pub evaluations: u64,
    /// Below this, nothing is paid (the first tier's threshold).
    pub nothing_below: Threshold,
    pub tiers: Vec<Tier>,
    /// Paid at plan: the tier the measure's target value reaches, times the evaluations.
    pub at_plan: Money,
    pub maximum: Money,
    pub clause: Clause,
    /// For the schedules of an either-or trigger (one schedule, then `or tiers ...`): the
    /// index in `tiers` of the trigger's first schedule, the same on each of them. The
    /// contract pays the larger of the alternatives, never both, so the trigger adds to the
    /// plan and to the maximum only its largest schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub either_or: Option<usize>,
}

/// From `from` upwards (to the next tier), `pays` is paid per evaluation, or per unit of
/// improvement when the tier has `per_unit_up_to`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Tier {
    pub from: Threshold,
    pub pays: Money,
    /// `per unit up to AMOUNT`: `pays` is a price for each unit of improvement against the
    /// comparison group (its value less the cohort's), and one evaluation pays at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_unit_up_to: Option<Money>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Payer {
    pub name: Str,
    pub share: PayerShare,
    pub cap: Option<Money>,
    /// `of outcome payments`: the payer's share is of the outcome payments (prices,
    /// attachment fees, tier payments) only; it pays none of the fixed fees and bonuses,
    /// which the other payers share pro rata.
    pub outcome_payments_only: bool,
    /// `, excess pro rata`: what the cap cuts from the payer's percentage falls to the other
    /// payers of a percentage or the rest in proportion to their shares, not all to the payer
    /// of the rest.
    pub excess_pro_rata: bool,
    pub clause: Clause,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum PayerShare {
    Percent(Percent),
    Amount(Money),
    Rest,
}

/// Pay for `of - discounted` of every `of` outcomes.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Deadweight {
    pub discounted: u64,
    pub of: u64,
    pub clause: Clause,
}

/// `pay for at most 5 in 6 families`, `pay for at most 500 families`: only the first `paid`
/// participants of the cohort to reach a payable result are paid for, in full; the rest are
/// paid nothing.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ParticipantLimit {
    pub cohort: Str,
    /// How many are paid for: of every `in_every`, or in all.
    pub most: u64,
    /// `6` in `5 in 6`: the limit is a share of the cohort's size.
    pub in_every: Option<u64>,
    /// The participants that can be paid for: `most`, or `size × most ÷ in_every` rounded
    /// down.
    pub paid: u64,
    pub clause: Clause,
}

/// A domain of the rate card: priced stages whose payments are added up (and may be capped)
/// together. A priced stage is in at most one group.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Group {
    pub id: Str,
    /// The heading as written, if any.
    pub title: Option<Str>,
    /// The priced stages, in the order written.
    pub stages: Vec<Str>,
    /// The most the group's stages pay together over the contract.
    pub cap: Option<Money>,
    pub clause: Clause,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Monitoring {
    pub returns: Option<Frequency>,
    pub sources: Vec<Str>,
    pub exception_report: Option<Frequency>,
    pub review: Option<Frequency>,
    /// How far a stage may fall behind its planned profile before it is an exception.
    pub tolerance: Option<Percent>,
}

/// The figures a commissioner wants, computed exactly.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Figures {
    /// Every fixed fee over the whole term.
    pub fixed_fees: Money,
    /// Per-participant payments (prices and attachment fees) if every funnel runs exactly to
    /// plan, after exclusivity, before any cap or deadweight.
    pub outcome_payments_at_plan: Money,
    /// The same after the per-participant cap, the participant limits, the deadweight
    /// discount and the cap on outcome payments.
    pub outcome_payments_at_plan_capped: Money,
    /// Tier payments at plan: each schedule at its measure's target value.
    pub tier_payments_at_plan: Money,
    /// Fixed fees plus capped outcome payments and tier payments at plan, after the total cap.
    pub planned_total_cost: Money,
    /// Per cohort: the most one participant can earn.
    pub per_participant: Vec<ParticipantMaximum>,
    /// The most the bonuses can add over the term.
    pub bonuses_maximum: Money,
    /// The most the tier schedules can pay over the term.
    pub tiers_maximum: Money,
    /// The most the contract can ever pay, after every cap.
    pub maximum_exposure: Money,
    /// The caps that cut the maximum at their own step: the per-participant cap when it is
    /// below a cohort's rate card, the outcome-payments cap when it is below the outcome
    /// maximum, the total cap when it is below everything else added up.
    pub binding_caps: Vec<CapScope>,
    /// What the cap on outcome payments and the total cap each limit, before and after they
    /// apply, at plan and at the maximum, in the order the caps are listed in `payments`. The
    /// per-participant cap's cut is in `per_participant` (at the maximum) and `overlap` (at
    /// plan).
    pub cap_cuts: Vec<CapCut>,
    /// Funding limit minus maximum exposure.
    pub headroom: Money,
    /// Planned total cost per target achieved, for each performance target.
    pub unit_cost_per_target: Vec<UnitCost>,
    /// Planned total cost per participant entering the funnels.
    pub unit_cost_per_participant: Option<Money>,
    /// The maximum exposure per participant the cohorts with funnels can hold (the sum of
    /// their sizes); absent when one of them has no size.
    pub unit_cost_per_participant_at_maximum: Option<Money>,
    /// The planned total cost and the maximum exposure split between the payers.
    pub by_payer: Vec<PayerFigures>,
    /// The plan's assumption about who reaches which stages, and the other bound.
    pub overlap: OverlapBounds,
    /// The planned total cost by contract year.
    pub by_year: Vec<YearFigures>,
    /// The planned total cost and the maximum exposure by group, when the contract has
    /// groups: each group, then the stages in no group, then what is not a stage's price;
    /// the rows add up to the totals.
    pub by_group: Vec<GroupFigures>,
    /// When people are planned to reach each stage and when payments are planned to fall due.
    pub timeline: Timeline,
}

/// The planned timeline: participants enter over the referral window (evenly, or by the stated
/// profile) and reach each stage at its planned time; each payment falls due by its timing.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Timeline {
    /// For each stage of each funnel, in the order written.
    pub stages: Vec<StageTimeline>,
    /// Planned payments by month of the term (months counted from its first day).
    pub by_month: Vec<PeriodFigures>,
    /// Planned payments by quarter of the term (quarters counted from its first day).
    pub by_quarter: Vec<PeriodFigures>,
}

/// When the plan expects people to reach one stage.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StageTimeline {
    /// Shared by every stage of the funnel.
    #[serde(serialize_with = "shared_str")]
    #[schemars(with = "String")]
    pub funnel: std::sync::Arc<str>,
    pub stage: Str,
    /// The planned date for a participant who enters on the first day of referrals.
    pub first: Date,
    /// The planned date for a participant who enters on the last day of referrals.
    pub last: Date,
    /// The expected people by the quarter of the term they are planned to reach the stage in
    /// (adding up to the stage's expected count; people planned after the term are in
    /// `after_term`).
    pub by_quarter: Vec<u64>,
    /// The same people by contract year: each year's quarters added up.
    pub by_year: Vec<u64>,
    pub after_term: u64,
}

/// Planned payments in one period of the term.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PeriodFigures {
    pub start: Date,
    pub end: Date,
    pub fixed_fees: Money,
    /// Outcome, attachment and tier payments planned to fall due in the period.
    pub outcome_payments: Money,
    pub total: Money,
    /// Everything planned up to the end of the period.
    pub cumulative: Money,
}

/// One cap's effect: what it limits before it applies and after, at plan and at the maximum.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CapCut {
    pub scope: CapScope,
    pub at_plan: Limited,
    /// Absent when the cap itself sets the maximum (a cohort with no size leaves the maximum
    /// without it unbounded).
    pub at_maximum: Option<Limited>,
}

/// An amount before a cap applies and after; the cap binds when it cuts more than nothing.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
pub struct Limited {
    pub before: Money,
    pub after: Money,
    /// `before - after`.
    pub cut: Money,
}

impl Limited {
    /// Whether the cap cuts anything.
    pub fn binds(&self) -> bool {
        self.cut.minor > 0
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ParticipantMaximum {
    pub cohort: Str,
    /// Every price a participant can be paid, after exclusive alternatives.
    pub rate_card: Money,
    /// After the per-participant cap.
    pub maximum: Money,
    /// The part of the rate card the per-participant cap makes unreachable.
    pub unreachable: Money,
    /// The participants the cohort can hold: its size.
    pub participants: Option<u64>,
    /// How many participants earning the maximum would exhaust the total cap (after fixed
    /// fees), if there is one.
    pub to_exhaust_total_cap: Option<u64>,
    /// The participants that can be paid for, when a participant limit sets it.
    pub paid_at_most: Option<u64>,
    /// The participants the plan expects to earn something.
    pub earning_at_plan: u64,
    /// Of those, the participants the plan pays for: all of them, or the participant limit.
    pub paid_at_plan: u64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UnitCost {
    pub funnel: Str,
    pub target: Str,
    pub expected: u64,
    pub unit_cost: Money,
    /// The maximum exposure ÷ the participants the funnel's cohort holds (its size): what one
    /// target costs when the contract pays its most with every participant reaching it.
    /// Absent when the cohort has no size.
    pub at_maximum: Option<Money>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PayerFigures {
    pub name: Str,
    pub at_plan: Money,
    pub at_maximum: Money,
    /// `at_plan` as a share of the planned total cost, to two decimals; the payers' shares
    /// add up to exactly 100% (hundredths of a percent apportioned by largest remainder).
    /// Absent when the planned total cost is zero.
    pub share_of_plan: Option<Percent>,
    /// `at_maximum` as a share of the maximum exposure, to two decimals, likewise.
    pub share_of_maximum: Option<Percent>,
}

/// Who reaches which stages at plan: the expected counts say how many people reach each
/// stage, not which. The plan takes them nested, which gives the lowest cost the counts
/// allow when a per-participant cap binds; spread as far as the funnels allow, the cap cuts
/// less and the cost is higher.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OverlapBounds {
    /// The assumption the plan's figures (the planned total cost, the unit costs, the
    /// payers' parts at plan and the timeline) are computed on: always `nested`.
    pub headline: Overlap,
    /// The people who reach a stage with fewer people expected are among those who reach
    /// every stage with more.
    pub nested: OverlapBound,
    /// Each branch of a funnel on people its sibling branches do not reach, as far as there
    /// are people for them.
    pub least_overlap: OverlapBound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Overlap {
    Nested,
    LeastOverlap,
}

/// The plan's figures on one assumption of overlap.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OverlapBound {
    /// Outcome payments at plan before the per-participant cap.
    pub outcome_payments_before_cap: Money,
    /// What the per-participant cap cuts from them, and a participant limit with it.
    pub cut_by_participant_cap: Money,
    /// After the per-participant cap, the deadweight discount and the cap on outcome
    /// payments.
    pub outcome_payments: Money,
    /// With fixed fees and tier payments at plan, after the total cap.
    pub planned_total_cost: Money,
    /// Cohorts counted nested on this bound too: a stage follows several stages whose people
    /// spread too thin to have enough in common (least overlap only).
    pub counted_nested: Vec<Str>,
}

/// Which part of the contract's payments a row of `by_group` is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "kind", content = "group", rename_all = "snake_case")]
pub enum GroupRow {
    /// The prices of a group's stages.
    Group(Str),
    /// The prices of stages in no group, and attachment fees.
    NotInAGroup,
    /// Fixed fees, bonuses and tier payments: not a stage's price.
    NotAPrice,
}

/// One row of the sub-totals by group.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupFigures {
    pub row: GroupRow,
    /// The group's part of the planned total cost, after every cap.
    pub at_plan: Money,
    /// The group's part of the maximum exposure, after every cap; none when the maximum is
    /// set by a cap on a cohort with no size.
    pub at_maximum: Option<Money>,
    /// Whether the group's own cap cuts its payments at plan.
    pub cap_binds_at_plan: bool,
    /// Whether the group's own cap cuts its payments at the maximum.
    pub cap_binds_at_maximum: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct YearFigures {
    pub year: u32,
    pub start: Date,
    pub end: Date,
    pub fixed_fees: Money,
    /// Outcome and tier payments planned to fall due in the year.
    pub outcome_payments: Money,
    pub total: Money,
    /// With groups: the year's total by the rows of `Figures::by_group`, in its order. The
    /// rows add up to `total`, and each row over the years to its `at_plan`, to the penny.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_group: Vec<YearGroup>,
}

/// One row of `by_group` in one contract year.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct YearGroup {
    pub row: GroupRow,
    /// The row's part of the year's planned total cost.
    pub at_plan: Money,
}

/// What a file offers to the files that `use` it: its outcomes, cohorts and measures, and
/// those of the files it uses in turn.
#[derive(Debug, Clone, Default)]
pub struct Shared {
    /// The file, as it is shown in diagnostics.
    pub file: String,
    pub outcomes: Vec<Outcome>,
    pub cohorts: Vec<Cohort>,
    pub measures: Vec<Measure>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn stage(id: Str) -> Stage {
        Stage {
            id,
            kind: crate::ast::StageKind::Milestone,
            description: Str::default(),
            expected: 0,
            after: Vec::new(),
            time: Times::default(),
            evidence: None,
            achieves: Vec::new(),
            stated_conversion: None,
            conversion: None,
            overall_conversion: Percent::of_ratio(0, 1, 1),
            price: None,
            eligible: Vec::new(),
        }
    }

    proptest! {
        /// The index finds what searching the stages in order finds: the first stage of a
        /// name, and nothing for a name no stage has.
        #[test]
        fn the_index_finds_what_a_search_finds(
            names in proptest::collection::vec(0_u32..60, 0..120),
            asked in proptest::collection::vec(0_u32..70, 1..40),
        ) {
            let stages: Vec<Stage> = names.iter().map(|n| stage(format!("s{n}").into())).collect();
            let funnel = Funnel::new(Str::default(), Str::default(), Str::default(), stages);
            for n in asked {
                let id = format!("s{n}");
                let searched = funnel.stages.iter().position(|s| s.id == id);
                prop_assert_eq!(funnel.position(&id), searched);
                let searched_back = funnel.stages.iter().rposition(|s| s.id == id);
                prop_assert_eq!(funnel.last_position(&id), searched_back);
            }
        }
    }
}
