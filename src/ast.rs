//! What the commissioner wrote, with a span on every node.
//!
//! Architecture invariant: the AST holds nothing computed. Values are already read into
//! their exact types (a date is a valid `Date`, an amount is `Money`) because reading a token
//! is the parser's job, but no cross-reference is resolved and no figure is derived here.

use crate::source::{Span, Spanned};
use crate::value::{Date, Decimal, Duration, Frequency, Money, Percent, Period};
use thin_vec::ThinVec;

pub type Ident = Spanned<crate::source::Str>;
pub type Text = Spanned<crate::source::Str>;

/// One parsed file: its declarations in the order written.
#[derive(Debug, Clone, Default)]
pub struct File {
    pub declarations: Vec<Declaration>,
}

impl File {
    /// Whether the file holds a contract, funnels, payments or monitoring: such a file is a
    /// contract, not a shared framework, and no other file can `use` it.
    pub fn is_contract(&self) -> bool {
        self.declarations.iter().any(|d| {
            matches!(
                d,
                Declaration::Contract(_)
                    | Declaration::Funnel(_)
                    | Declaration::Payments(_)
                    | Declaration::Monitoring(_)
                    | Declaration::Bidding(_)
                    | Declaration::Bid(_)
            )
        })
    }

    /// The bid, when the file is one: a bid is held against its specification, not checked
    /// alone.
    pub fn bid(&self) -> Option<&Bid> {
        self.declarations.iter().find_map(|d| match d {
            Declaration::Bid(bid) => Some(bid),
            _ => None,
        })
    }
}

/// A file's declarations by kind, each list in the order written. Found in one walk over the
/// file, so that a check wanting one kind reads that kind only: a file of hundreds of
/// thousands of outcomes is tens of megabytes of declarations, and each walk over them all
/// read those megabytes from memory again.
#[derive(Debug, Default)]
pub struct ByKind<'a> {
    pub uses: Vec<&'a Use>,
    pub contracts: Vec<&'a Contract>,
    pub outcomes: Vec<&'a Outcome>,
    pub cohorts: Vec<&'a Cohort>,
    pub funnels: Vec<&'a Funnel>,
    pub measures: Vec<&'a Measure>,
    pub payments: Vec<&'a Payments>,
    pub monitoring: Vec<&'a Monitoring>,
    pub bidding: Vec<&'a Bidding>,
    pub bids: Vec<&'a Bid>,
}

impl File {
    /// The declarations by kind.
    pub fn by_kind(&self) -> ByKind<'_> {
        let mut parts = ByKind::default();
        for declaration in &self.declarations {
            parts.push(declaration);
        }
        parts
    }
}

impl<'a> ByKind<'a> {
    /// Put `declaration` at the end of its kind's list.
    pub fn push(&mut self, declaration: &'a Declaration) {
        match declaration {
            Declaration::Use(d) => self.uses.push(d),
            Declaration::Contract(d) => self.contracts.push(d),
            Declaration::Outcome(d) => self.outcomes.push(d),
            Declaration::Cohort(d) => self.cohorts.push(d),
            Declaration::Funnel(d) => self.funnels.push(d),
            Declaration::Measure(d) => self.measures.push(d),
            Declaration::Payments(d) => self.payments.push(d),
            Declaration::Monitoring(d) => self.monitoring.push(d),
            Declaration::Bidding(d) => self.bidding.push(d),
            Declaration::Bid(d) => self.bids.push(d),
        }
    }

    /// How many names the file declares in its one namespace: outcomes, cohorts, measures,
    /// funnels and their stages.
    pub fn name_count(&self) -> usize {
        self.outcomes.len()
            + self.cohorts.len()
            + self.measures.len()
            + self
                .funnels
                .iter()
                .map(|f| 1 + f.stages.len())
                .sum::<usize>()
    }
}

#[derive(Debug, Clone)]
pub enum Declaration {
    Use(Use),
    Contract(Contract),
    Outcome(Outcome),
    Cohort(Cohort),
    Funnel(Funnel),
    Measure(Measure),
    Payments(Payments),
    Monitoring(Monitoring),
    Bidding(Bidding),
    Bid(Bid),
}

/// `use "framework/outcomes.outcome"`
#[derive(Debug, Clone)]
pub struct Use {
    pub keyword: Span,
    /// The path as written, relative to this file.
    pub path: Text,
}

/// `contract "Title" { ... }`
#[derive(Debug, Clone)]
pub struct Contract {
    pub keyword: Span,
    pub title: Text,
    pub clauses: Vec<ContractClause>,
}

#[derive(Debug, Clone)]
pub enum ContractClause {
    Commissioner(Text),
    Provider(Text),
    Term {
        keyword: Span,
        start: Spanned<Date>,
        end: Spanned<Date>,
    },
    Referrals {
        keyword: Span,
        from: Option<Spanned<Date>>,
        until: Spanned<Date>,
    },
    /// `referrals per quarter 20%, 30%, 30%, 20%`
    ReferralProfile {
        keyword: Span,
        period: Spanned<Period>,
        shares: Vec<Spanned<Percent>>,
    },
    Currency {
        keyword: Span,
        code: Spanned<String>,
    },
    FundingLimit {
        keyword: Span,
        amount: Spanned<Money>,
    },
    Boundary(Text),
}

/// `outcome name "statement" { why "..." level service }`
#[derive(Debug, Clone)]
pub struct Outcome {
    pub keyword: Span,
    pub name: Ident,
    pub statement: Text,
    pub why: Vec<Text>,
    pub level: Vec<Spanned<Level>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Population,
    Service,
}

/// `cohort name "who" { size 20 eligibility "..." }`
#[derive(Debug, Clone)]
pub struct Cohort {
    pub keyword: Span,
    pub name: Ident,
    pub description: Text,
    pub size: Vec<Spanned<Decimal>>,
    pub eligibility: Vec<Text>,
}

/// `funnel name "description" for cohort { milestone ... target ... }`
#[derive(Debug, Clone)]
pub struct Funnel {
    pub keyword: Span,
    pub name: Ident,
    pub description: Text,
    pub cohort: Ident,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    Milestone,
    Target,
}

/// A milestone or a performance target: both are steps of the funnel.
///
/// Its clauses are `ThinVec`s: most are empty on most stages, and an empty `ThinVec` is one
/// word where a `Vec` is three, so a stage is 224 bytes instead of 352 (a long funnel holds
/// hundreds of thousands of them).
#[derive(Debug, Clone)]
pub struct Stage {
    pub kind: StageKind,
    pub keyword: Span,
    pub name: Ident,
    pub description: Text,
    pub expected: Spanned<Decimal>,
    pub conversion: ThinVec<Spanned<Percent>>,
    /// `within D [of stage]`: the latest time.
    pub within: ThinVec<StageTime>,
    /// `at least D after stage`: the earliest time.
    pub earliest: ThinVec<StageTime>,
    /// `expected D after stage`: the time the plan assumes.
    pub expected_time: ThinVec<StageTime>,
    /// Each `after` clause with the names it lists.
    pub after: ThinVec<(Span, Vec<Ident>)>,
    pub achieves: ThinVec<Ident>,
    pub evidence: ThinVec<Text>,
    /// Each `eligible only if` clause with its conditions (all must hold).
    pub eligible: ThinVec<(Span, Vec<Condition>)>,
}

/// A time on a stage, measured from another stage: `6 months after housed`, `9 months of
/// housed`, or, with no stage written, from entry to the funnel (`within 3 months`).
#[derive(Debug, Clone)]
pub struct StageTime {
    /// The whole clause.
    pub span: Span,
    pub duration: Spanned<Duration>,
    pub from: Option<Ident>,
}

/// `age_at_start <= 15`, `abstinent >= 12`, `reconviction_reduction >= 10%`.
#[derive(Debug, Clone)]
pub struct Condition {
    pub subject: Ident,
    pub comparison: Spanned<Comparison>,
    pub value: Spanned<Threshold>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub enum Comparison {
    #[serde(rename = ">=")]
    AtLeast,
    #[serde(rename = ">")]
    Above,
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    Below,
    #[serde(rename = "=")]
    Equal,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::Above => ">",
            Comparison::AtMost => "<=",
            Comparison::Below => "<",
            Comparison::Equal => "=",
        }
    }

    /// Whether `value` satisfies `value <op> threshold`.
    pub fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Comparison::AtLeast => ordering != Less,
            Comparison::Above => ordering == Greater,
            Comparison::AtMost => ordering != Greater,
            Comparison::Below => ordering == Less,
            Comparison::Equal => ordering == Equal,
        }
    }
}

/// A value a condition compares with: a plain number or a percentage. In JSON a string as
/// written: `"12"`, `"7.5%"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    Number(Decimal),
    Percent(Percent),
}

impl Threshold {
    pub fn decimal(self) -> Decimal {
        match self {
            Threshold::Number(d) | Threshold::Percent(Percent(d)) => d,
        }
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Threshold::Number(d) => write!(f, "{d}"),
            Threshold::Percent(p) => write!(f, "{p}"),
        }
    }
}

/// `measure name "description" { question better_off ... }`
#[derive(Debug, Clone)]
pub struct Measure {
    pub keyword: Span,
    pub name: Ident,
    pub description: Text,
    pub clauses: Vec<MeasureClause>,
}

#[derive(Debug, Clone)]
pub enum MeasureClause {
    Question(Spanned<Question>),
    Unit(Text),
    CollectedBy(Text),
    Method(Text),
    Frequency(Spanned<Frequency>),
    Baseline {
        keyword: Span,
        value: Spanned<MeasureValue>,
        year: Spanned<i32>,
    },
    Target {
        keyword: Span,
        value: Spanned<MeasureValue>,
        year: Spanned<i32>,
    },
    Tracks(Vec<Ident>),
    /// `compared with "a matched comparison group"`
    ComparedWith(Text),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    HowMuch,
    HowWell,
    BetterOff,
}

/// A baseline or target value of a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureValue {
    Number(Decimal),
    Percent(Percent),
    Money(Money),
}

/// `payments { ... }`
#[derive(Debug, Clone)]
pub struct Payments {
    pub keyword: Span,
    pub clauses: Vec<PaymentClause>,
}

#[derive(Debug, Clone)]
pub enum PaymentClause {
    /// `fixed £15,000 per quarter [in year 1]`
    Fixed {
        span: Span,
        amount: Spanned<Money>,
        period: Spanned<Period>,
        year: Option<Spanned<Decimal>>,
    },
    /// `fixed 80% of the per-participant maximum in year 1, 60% in year 2`
    Attachment {
        span: Span,
        shares: Vec<(Spanned<Percent>, Option<Spanned<Decimal>>)>,
    },
    /// `pay £100 for attend [due quarterly in arrears]`
    Pay {
        span: Span,
        amount: Spanned<Money>,
        stage: Ident,
        due: Option<Spanned<Due>>,
    },
    /// `cap £4,000 per participant`, `cap £120,000 total`, `cap £90,000 on outcome payments`
    Cap {
        span: Span,
        amount: Spanned<Money>,
        scope: Spanned<CapScope>,
    },
    /// `exclusive a or (b, c)`: one participant is paid for the richer alternative only.
    Exclusive {
        span: Span,
        alternatives: Vec<Spanned<Vec<Ident>>>,
    },
    /// `bonus £5,000 if abstinent >= 12`, `penalty 10% of outcome payments if ... from year 2`
    Incentive {
        span: Span,
        kind: Spanned<IncentiveKind>,
        amount: Spanned<IncentiveAmount>,
        condition: Condition,
        assessed: Option<Spanned<Frequency>>,
        from_year: Option<Spanned<Decimal>>,
    },
    /// `payer "National fund" pays 45% of outcome payments up to £1,075,000, excess pro rata`
    Payer {
        span: Span,
        name: Text,
        share: Spanned<PayerShare>,
        cap: Option<Spanned<Money>>,
        /// `of outcome payments`: none of the fixed fees and bonuses.
        outcome_payments_only: Option<Span>,
        /// `, excess pro rata` after the cap: what the cap cuts falls to the others pro rata.
        excess_pro_rata: Option<Span>,
    },
    /// `tiers on reconviction_reduction per cohort { from 7.5% pays £1,000,000 ... }`
    Tiers {
        span: Span,
        measure: Ident,
        scope: Option<Spanned<TierScope>>,
        lines: Vec<TierLine>,
        /// The `or` of `or tiers ...`: an alternative to the schedule written just before.
        alternative: Option<Span>,
    },
    /// `deadweight 1 in 6`: pay for five of every six.
    Deadweight {
        span: Span,
        discounted: Spanned<Decimal>,
        of: Spanned<Decimal>,
    },
    /// `pay for at most 5 in 6 families`, `pay for at most 500 families`
    ParticipantLimit {
        span: Span,
        most: Spanned<Decimal>,
        in_every: Option<Spanned<Decimal>>,
        cohort: Ident,
    },
    /// `group accommodation "Accommodation" cap £250,000 { housed, sustained_6m }`
    Group {
        span: Span,
        id: Ident,
        title: Option<Text>,
        /// Where `{ … }` is written, for an empty group.
        braces: Span,
        stages: Vec<Ident>,
        cap: Option<Spanned<Money>>,
    },
}

/// When a price falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, schemars::JsonSchema)]
#[serde(tag = "when", content = "period", rename_all = "snake_case")]
pub enum Due {
    OnAchievement,
    InArrears(Frequency),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncentiveKind {
    Bonus,
    Penalty,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncentiveAmount {
    Money(Money),
    /// A share of the outcome payments.
    ShareOfOutcomes(Percent),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayerShare {
    Percent(Percent),
    Amount(Money),
    Rest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TierScope {
    PerCohort,
    Pooled,
}

/// `below 7.5% pays nothing` or `from 10% pays £1,500,000`.
#[derive(Debug, Clone)]
pub struct TierLine {
    pub span: Span,
    pub threshold: Spanned<Threshold>,
    /// `None` for a `below ... pays nothing` line.
    pub pays: Option<Spanned<Money>>,
    /// `per unit [up to AMOUNT]`: `pays` is a price per unit of improvement.
    pub per_unit: Option<PerUnit>,
}

/// `per unit up to £1,500,000`
#[derive(Debug, Clone)]
pub struct PerUnit {
    pub span: Span,
    pub up_to: Option<Spanned<Money>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CapScope {
    PerParticipant,
    Total,
    OutcomePayments,
}

/// `monitoring { returns monthly from "ICIS" ... }`
#[derive(Debug, Clone)]
pub struct Monitoring {
    pub keyword: Span,
    pub clauses: Vec<MonitoringClause>,
}

#[derive(Debug, Clone)]
pub enum MonitoringClause {
    Returns {
        keyword: Span,
        frequency: Spanned<Frequency>,
        sources: Vec<Text>,
    },
    ExceptionReport {
        keyword: Span,
        frequency: Spanned<Frequency>,
    },
    Review {
        keyword: Span,
        frequency: Spanned<Frequency>,
    },
    /// `tolerance 10%`
    Tolerance {
        keyword: Span,
        share: Spanned<Percent>,
    },
}

/// `bidding { ... }`: the rules a bid on this contract, a specification, must keep.
#[derive(Debug, Clone)]
pub struct Bidding {
    pub keyword: Span,
    pub clauses: Vec<BiddingClause>,
}

#[derive(Debug, Clone)]
pub enum BiddingClause {
    /// `price at most £3,500 for abstinent`
    Ceiling {
        span: Span,
        amount: Spanned<Money>,
        stage: Ident,
    },
    /// `expected at least 10 for abstinent`
    Floor {
        span: Span,
        count: Spanned<Decimal>,
        stage: Ident,
    },
    /// `require attend, abstinent`
    Require { span: Span, stages: Vec<Ident> },
}

/// `bid "Bidder" on "specification.outcome" { pay ... expected ... }`
#[derive(Debug, Clone)]
pub struct Bid {
    pub keyword: Span,
    pub bidder: Text,
    /// The specification's path as written, relative to this file.
    pub specification: Text,
    /// The `pay` clauses: the bid's whole rate card (the grammar allows nothing else here).
    pub prices: Vec<PaymentClause>,
    /// `expected 12 for abstinent`
    pub expected: Vec<ExpectedCount>,
}

/// `expected 12 for abstinent`, in a bid.
#[derive(Debug, Clone)]
pub struct ExpectedCount {
    pub span: Span,
    pub count: Spanned<Decimal>,
    pub stage: Ident,
}

impl serde::Serialize for Threshold {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl schemars::JsonSchema for Threshold {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Threshold".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number or a percentage as written: \"12\", \"7.5%\".",
            "type": "string",
            "pattern": "^-?[0-9]+(\\.[0-9]+)?%?$"
        })
    }
}
