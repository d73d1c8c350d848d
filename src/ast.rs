//! What the commissioner wrote, with a span on every node.
//!
//! Architecture invariant: the AST holds nothing computed. Values are already read into
//! their exact types (a date is a valid `Date`, an amount is `Money`) because reading a token
//! is the parser's job, but no cross-reference is resolved and no figure is derived here.

use crate::source::{Span, Spanned};
use crate::value::{Date, Decimal, Duration, Frequency, Money, Percent, Period};

pub type Ident = Spanned<String>;
pub type Text = Spanned<String>;

/// One parsed file: its declarations in the order written.
#[derive(Debug, Clone, Default)]
pub struct File {
    pub declarations: Vec<Declaration>,
}

#[derive(Debug, Clone)]
pub enum Declaration {
    Contract(Contract),
    Outcome(Outcome),
    Cohort(Cohort),
    Funnel(Funnel),
    Measure(Measure),
    Payments(Payments),
    Monitoring(Monitoring),
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
#[derive(Debug, Clone)]
pub struct Stage {
    pub kind: StageKind,
    pub keyword: Span,
    pub name: Ident,
    pub description: Text,
    pub expected: Spanned<Decimal>,
    pub conversion: Vec<Spanned<Percent>>,
    pub within: Vec<Spanned<Duration>>,
    /// Each `after` clause with the names it lists.
    pub after: Vec<(Span, Vec<Ident>)>,
    pub achieves: Vec<Ident>,
    pub evidence: Vec<Text>,
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
    /// `fixed £15,000 per quarter`
    Fixed {
        span: Span,
        amount: Spanned<Money>,
        period: Spanned<Period>,
    },
    /// `pay £100 for attend`
    Pay {
        span: Span,
        amount: Spanned<Money>,
        stage: Ident,
    },
    /// `cap £4,000 per participant`, `cap £120,000 total`, `cap £90,000 on outcome payments`
    Cap {
        span: Span,
        amount: Spanned<Money>,
        scope: Spanned<CapScope>,
    },
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
}
