//! The checked contract and its computed figures: what emitters consume.
//!
//! Architecture invariant: a `Contract` exists only for a file without errors, every
//! cross-reference in it names something that exists, and every figure in it was computed by
//! `check` with integer arithmetic. Emitters format; they never compute or re-check.
//! Collections keep the order the contract was written in.

use crate::ast::{CapScope, Level, Question, StageKind};
use crate::value::{Date, Duration, Frequency, Money, Percent, Period};
use schemars::JsonSchema;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Contract {
    pub title: String,
    pub commissioners: Vec<String>,
    pub providers: Vec<String>,
    pub term: Term,
    pub referrals: Option<ReferralWindow>,
    /// ISO 4217 code of the one currency the contract uses.
    pub currency: String,
    pub funding_limit: Money,
    pub boundaries: Vec<String>,
    pub outcomes: Vec<Outcome>,
    pub cohorts: Vec<Cohort>,
    pub funnels: Vec<Funnel>,
    pub measures: Vec<Measure>,
    pub payments: Payments,
    pub monitoring: Option<Monitoring>,
    pub figures: Figures,
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

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Outcome {
    pub id: String,
    pub statement: String,
    pub why: Option<String>,
    pub level: Level,
    /// The performance targets that achieve this outcome.
    pub achieved_by: Vec<String>,
    /// The measures that track it.
    pub tracked_by: Vec<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Cohort {
    pub id: String,
    pub description: String,
    pub size: Option<u64>,
    pub eligibility: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Funnel {
    pub id: String,
    pub description: String,
    pub cohort: String,
    /// Milestones and targets in the order written.
    pub stages: Vec<Stage>,
}

impl Funnel {
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The people entering the funnel: the first stage's expected count.
    pub fn entering(&self) -> u64 {
        self.stages.first().map_or(0, |s| s.expected)
    }
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Stage {
    pub id: String,
    pub kind: StageKind,
    pub description: String,
    /// The number of people expected to reach this stage.
    pub expected: u64,
    /// The stages a person must have reached before this one (all of them). Empty for the
    /// funnel's entry.
    pub after: Vec<String>,
    pub within: Option<Duration>,
    pub evidence: Option<String>,
    /// Outcomes a performance target achieves (empty for milestones).
    pub achieves: Vec<String>,
    /// The conversion factor as the contract states it, if it does.
    pub stated_conversion: Option<Percent>,
    /// `expected ÷ expected of the single stage before`, to one decimal place; absent for the
    /// entry and for stages reached from more than one stage.
    pub conversion: Option<Percent>,
    /// `expected ÷ people entering the funnel`, to one decimal place.
    pub overall_conversion: Percent,
    /// The price paid when one participant reaches this stage, if any.
    pub price: Option<Money>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Measure {
    pub id: String,
    pub description: String,
    pub question: Question,
    pub unit: Option<String>,
    pub collected_by: Option<String>,
    pub method: Option<String>,
    pub frequency: Option<Frequency>,
    pub baseline: Option<MeasurePoint>,
    pub target: Option<MeasurePoint>,
    pub tracks: Vec<String>,
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
    pub caps: Vec<Cap>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Price {
    pub funnel: String,
    pub stage: String,
    pub amount: Money,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FixedFee {
    pub amount: Money,
    pub period: Period,
    /// Periods, or parts of one, in the contract term.
    pub periods_in_term: u64,
    pub total: Money,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Cap {
    pub scope: CapScope,
    pub amount: Money,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Monitoring {
    pub returns: Option<Frequency>,
    pub sources: Vec<String>,
    pub exception_report: Option<Frequency>,
    pub review: Option<Frequency>,
}

/// The figures a commissioner wants, computed exactly.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Figures {
    /// Every fixed fee over the whole term.
    pub fixed_fees: Money,
    /// Outcome payments if every funnel runs exactly to plan, before any cap.
    pub outcome_payments_at_plan: Money,
    /// The same after the per-participant and outcome-payment caps.
    pub outcome_payments_at_plan_capped: Money,
    /// Fixed fees plus capped outcome payments at plan, after the total cap.
    pub planned_total_cost: Money,
    /// Per cohort: the most one participant can earn.
    pub per_participant: Vec<ParticipantMaximum>,
    /// The most the contract can ever pay, after every cap.
    pub maximum_exposure: Money,
    /// The caps that lower the maximum exposure below what it would be without them.
    pub binding_caps: Vec<CapScope>,
    /// Funding limit minus maximum exposure (negative only in a contract that fails to check).
    pub headroom: Money,
    /// Planned total cost per target achieved, for each performance target.
    pub unit_cost_per_target: Vec<UnitCost>,
    /// Planned total cost per participant entering the funnels.
    pub unit_cost_per_participant: Option<Money>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ParticipantMaximum {
    pub cohort: String,
    /// The most a participant can earn on the rate card, following the richest route.
    pub rate_card: Money,
    /// After the per-participant cap.
    pub maximum: Money,
    /// The participants the cohort can hold: its size.
    pub participants: Option<u64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UnitCost {
    pub funnel: String,
    pub target: String,
    pub expected: u64,
    pub unit_cost: Money,
}
