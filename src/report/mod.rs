//! Monitoring returns → a report: the actual funnel against plan, exceptions, and the
//! payments due, each traced to the clause that pays it.
//!
//! The pipeline continues from the checked contract:
//!
//! ```text
//! model::Contract + rows of a return ──accept──▶ events per participant ──pay──▶ Report
//!                   (input.rs)          (engine.rs: every row accepted     (payments/)
//!                                        or rejected with its reason)
//! ```
//!
//! Invariants: every row read is either accepted or rejected, and the report says which
//! (`rows.read == rows.accepted + rows.rejected`); memory grows with the number of
//! participants, not rows (a participant keeps at most one accepted event per stage); money is
//! integer minor units, and every total is the exact sum of its lines.

mod cohorts;
pub mod engine;
pub mod generate;
pub mod input;
mod limit;
pub mod lines;
pub mod outlook;
pub mod payer_parts;
pub mod payments;
pub mod sheet;
mod short_key;
pub mod split;
mod staged;
pub mod text;
pub mod tiers;
pub mod unit_costs;

use crate::model::Clause;
use crate::value::{Date, Money, Percent};
use schemars::JsonSchema;
use serde::Serialize;

/// The contract a file of this repository compiles to (a path such as
/// `specs/drug-service.outcome`), for the tests of the report's parts.
#[cfg(test)]
pub(crate) fn compiled(path: &str) -> crate::model::Contract {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let mut workspace = crate::workspace::Workspace::for_path(&path).unwrap();
    let loaded = workspace.load(&path).unwrap();
    *loaded.compiled.contract.clone().unwrap()
}

/// One event of a monitoring return, as read: a participant reached a stage on a date.
/// Values are kept as written; the engine decides whether each reads correctly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// The row's number in the file: for CSV the line number as a spreadsheet shows it (the
    /// header is row 1), for a workbook the sheet's row number, for JSON Lines the line
    /// number.
    pub number: u64,
    /// The pseudonymous participant reference.
    pub participant: String,
    /// The milestone or target identifier.
    pub stage: String,
    /// The date achieved, as written (`2026-05-14`).
    pub date: String,
    /// The evidence reference, if given (empty counts as none).
    pub evidence: Option<String>,
    /// The cohort, if given.
    pub cohort: Option<String>,
    /// Any other columns, by name: participant attributes that eligibility rules use
    /// (`age_at_start`).
    pub attributes: Vec<(String, String)>,
}

/// What the reader hands the engine for each row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Row(Row),
    /// A line that could not be read as a row (wrong number of fields, bad quoting, not
    /// JSON, a required field missing).
    Malformed {
        number: u64,
        reason: String,
    },
}

/// A measured value of a cohort-level measure, for tiers and for bonuses and penalties on
/// measures: the treatment group's value and, for measures `compared with` a group, the
/// comparison group's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    pub measure: String,
    /// `None`: the value for all cohorts pooled.
    pub cohort: Option<String>,
    /// The contract year the value is for (1 = the first twelve months of the term).
    pub year: u32,
    pub treatment: crate::value::Decimal,
    pub comparison: Option<crate::value::Decimal>,
}

/// Why a row was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// The line could not be read as a row.
    Malformed,
    /// The stage is not a milestone or target of the contract.
    UnknownStage,
    /// The date cannot be read, or is no real day.
    BadDate,
    /// The date is before the term starts or after it ends.
    OutsideTerm,
    /// The participant entered after the referral window closed.
    ReferredLate,
    /// The participant has no accepted entry to the funnel (the first stage).
    NotReferred,
    /// A stage reached before a stage that must come before it.
    BeforePredecessor,
    /// A stage claimed sooner than its `at least` time after the stage it is measured from.
    TooEarly,
    /// A stage claimed later than its `within` time allows.
    TooLate,
    /// The same participant and stage claimed again.
    Duplicate,
    /// The contract requires evidence for the stage and the row gives none.
    MissingEvidence,
    /// The participant does not meet the stage's eligibility conditions.
    Ineligible,
    /// The row names a cohort the participant's funnel is not for.
    WrongCohort,
    /// The participant entered the stage's cohort after it was full: the cohort already held
    /// `size` participants who entered earlier (see `Report::cohorts`).
    BeyondCohortSize,
}

/// One rejected row.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Rejected {
    pub row: u64,
    pub reason: Rejection,
    /// The reason in words, with the values involved.
    pub detail: String,
    pub participant: Option<String>,
    pub stage: Option<String>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Report {
    pub contract: String,
    /// The report covers events up to and including this date.
    pub until: Date,
    /// What to look out for ahead, read first: cohorts entered beyond their size, stages
    /// ahead of plan, and when each cap and limit is reached at the current rate.
    pub outlook: outlook::Outlook,
    pub rows: RowCounts,
    /// Set when no row was counted because every row read before the report date was
    /// rejected (dates in a form not read, a separator or an encoding not recognised):
    /// the report is then a failed one, and `outcome report` exits with 2.
    pub nothing_counted: Option<NothingCounted>,
    /// Rejected rows one by one, in row order: all of them, or the first
    /// `Options::listed_rejections` (see `rows.rejected_not_listed`).
    pub rejected: Vec<Rejected>,
    /// The periods the report counts by: months or quarters of the term, as the contract's
    /// monitoring returns are made, up to `until`.
    pub periods: Vec<Period>,
    /// How each cohort with a funnel was filled: the report pays for at most `size`
    /// participants of a cohort, the first to enter (by date of entry, then participant
    /// reference); the rows of those after are rejected as beyond the cohort size.
    pub cohorts: Vec<CohortPlaces>,
    pub funnels: Vec<ActualFunnel>,
    pub tolerance: Option<Percent>,
    pub exceptions: Vec<Exception>,
    pub payments: Payments,
    /// What the results achieved to date have cost: per target reached and per participant.
    pub unit_costs: unit_costs::UnitCostsToDate,
    pub residual: Residual,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RowCounts {
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// Rows dated after the report date (`until`): neither accepted nor rejected, but left
    /// for a later report. `read = accepted + rejected + after_report_date`.
    pub after_report_date: u64,
    /// Rejected rows by reason, in the order of `Rejection`.
    pub rejected_by_reason: Vec<ReasonCount>,
    /// Rejected rows counted but not listed one by one.
    pub rejected_not_listed: u64,
}

/// Every row rejected: see `Report::nothing_counted`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct NothingCounted {
    /// The reason most rows were rejected for (the first in the order of `Rejection` on a
    /// tie), and how many rows it was.
    pub reason: Rejection,
    pub rows: u64,
    /// Whether every rejected row was rejected for that one reason.
    pub one_reason: bool,
    /// The first row rejected for that reason, and its reason in words, as an example.
    pub first_row: Option<u64>,
    pub first_detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ReasonCount {
    pub reason: Rejection,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Period {
    pub label: String,
    pub start: Date,
    pub end: Date,
}

/// The places of one cohort.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct CohortPlaces {
    pub cohort: String,
    /// The most participants the cohort holds; none when the contract gives no size.
    pub size: Option<u64>,
    /// Participants who entered and hold a place.
    pub entered: u64,
    /// Participants who entered after the cohort was full: their rows for the cohort's
    /// stages are rejected.
    pub turned_away: u64,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ActualFunnel {
    pub id: String,
    pub stages: Vec<ActualStage>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ActualStage {
    pub id: String,
    /// The stage it follows (the first of its `after`), for drawing branches; none for the
    /// funnel's entry.
    pub follows: Option<String>,
    /// People expected over the whole contract.
    pub planned: u64,
    /// People expected by `until` on the planned profile.
    pub planned_to_date: u64,
    /// People who have reached the stage by `until` (accepted rows).
    pub actual: u64,
    /// People reaching the stage in each period (same order as `Report::periods`).
    pub by_period: Vec<u64>,
    /// Actual people here ÷ actual people at the single stage before, one decimal place.
    pub actual_conversion: Option<Percent>,
    /// The planned conversion factor, one decimal place.
    pub planned_conversion: Option<Percent>,
}

/// A stage behind its planned profile by more than the tolerance.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Exception {
    pub funnel: String,
    pub stage: String,
    pub planned_to_date: u64,
    pub actual: u64,
    pub shortfall: u64,
    /// Shortfall ÷ planned to date, one decimal place.
    pub shortfall_share: Percent,
}

/// What a payment line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Price,
    Attachment,
    FixedFee,
    Bonus,
    Penalty,
    Tier,
    Deadweight,
}

/// One payment due.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PaymentLine {
    pub kind: LineKind,
    /// The participant paid for, for prices and attachment fees.
    pub participant: Option<String>,
    /// The stage reached, for prices.
    pub stage: Option<String>,
    /// The date the payment was earned (the stage reached, the period ended).
    pub earned: Date,
    /// The date it falls due.
    pub due: Date,
    /// The label of the period it falls due in.
    pub period: String,
    /// What the clause says, before any cap.
    pub rate: Money,
    /// What is due, after every rule.
    pub amount: Money,
    /// The clause that pays it.
    pub clause: Clause,
    /// The rules that cut it, in words, each with its clause.
    pub cut_by: Vec<String>,
    /// Under a participant limit: whether the participant is paid for, and their place in the
    /// order of reaching a payable result.
    pub limit: Option<String>,
    /// For a tier payment: the measured values it was worked out from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<TierBasis>,
    /// When the contract has payers: who pays the line, each payer in the contract's order
    /// with its part and the `payer` clause that shares it, then what no payer covers of the
    /// line if not nothing. The parts add up to `amount` exactly, and each payer's parts over
    /// all lines to its amount in `Payments::by_payer`: each line's parts are the payers'
    /// split of the running total of the lines up to it, less their split of the running
    /// total before it (so a payer of an amount pays the first lines, and a capped payer its
    /// share of each line until its cap is reached).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payers: Vec<Amount>,
}

/// How a tier payment was worked out: the measured values, the result compared with the
/// thresholds and the tier it reached.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TierBasis {
    pub measure: String,
    /// `None`: pooled across cohorts.
    pub cohort: Option<String>,
    /// The contract year measured (the latest given).
    pub year: u32,
    /// The cohort's measured value.
    pub treatment: crate::value::Decimal,
    /// The comparison group's, for a measure set against one.
    pub comparison: Option<crate::value::Decimal>,
    /// What the thresholds are compared with: the reduction against the comparison group in
    /// percent, (comparison − treatment) ÷ comparison rounded to six decimals; or the measured
    /// value itself without a comparison group.
    pub result: crate::value::Decimal,
    /// The threshold of the tier reached.
    pub tier_from: crate::ast::Threshold,
    /// For a tier paid per unit: the units of improvement, comparison − treatment.
    pub units: Option<crate::value::Decimal>,
    /// For a tier paid per unit: the price of one unit.
    pub per_unit: Option<Money>,
    /// For a schedule of an either-or trigger: what the trigger had paid before this line.
    pub either_or_paid_before: Option<Money>,
}

/// A tier schedule read at a measured value by the report date: for one cohort, or all
/// cohorts pooled, the latest measured value given, the result compared with the thresholds,
/// and the tier reached with what it pays, or that none was.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TierReading {
    /// The tier schedule's clause.
    pub clause: Clause,
    pub measure: String,
    /// `None`: pooled across cohorts.
    pub cohort: Option<String>,
    /// The contract year measured (the latest given).
    pub year: u32,
    /// The cohort's measured value.
    pub treatment: crate::value::Decimal,
    /// The comparison group's, for a measure set against one.
    pub comparison: Option<crate::value::Decimal>,
    /// What the thresholds are compared with, as `TierBasis::result`.
    pub result: crate::value::Decimal,
    /// The schedule's lowest threshold: a result below it reaches no tier and is paid nothing.
    pub nothing_below: crate::ast::Threshold,
    /// When the reading counts: the last day of the contract year measured.
    pub due: Date,
    /// For a result that reaches a tier: its payment line as the report decided it, after
    /// every rule (the tier, and for a tier paid per unit the units and their price, in its
    /// `measured`), but without the payers' parts, which the line in `lines` has. None when
    /// the result is below `nothing_below`.
    pub line: Option<PaymentLine>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Payments {
    /// Every line, ordered by due date, then participant, then stage; or, for a report that
    /// lists only the first lines (`engine::Lines::First`) or writes them to a file, those
    /// it holds.
    pub lines: Vec<PaymentLine>,
    /// The lines counted but not held in `lines`: `line_count` is how many there are.
    #[serde(skip)]
    pub lines_not_held: u64,
    pub total: Money,
    pub by_participant: Vec<Amount>,
    /// Each period's total, then what falls due after the last period if anything; with
    /// groups, each split by the rows of `by_group`.
    pub by_period: Vec<PeriodAmount>,
    /// Each payer's part of the total, the sum of its parts of the lines (`PaymentLine::payers`).
    pub by_payer: Vec<Amount>,
    pub by_stage: Vec<Amount>,
    /// With groups: each group's priced stages, then `(not in a group)` (other stages and
    /// attachment fees), then `(not a stage's price)`; adding up to the total. Each row's
    /// paid to date is set beside its part of the plan, of the maximum, and its cap.
    pub by_group: Vec<GroupPaid>,
    /// Every tier schedule read at a measured value whose contract year ends by the report
    /// date, each cohort's (or the pooled) reading, in the order the schedules are written
    /// and then of the cohorts: held whatever `lines` holds, so that the text and HTML
    /// reports state each reading however few lines they list.
    pub tiers: Vec<TierReading>,
}

impl Payments {
    /// How many payment lines there are, held in `lines` or not.
    pub fn line_count(&self) -> u64 {
        self.lines.len() as u64 + self.lines_not_held
    }
}

/// The payments due in one period.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PeriodAmount {
    pub name: String,
    pub amount: Money,
    /// With groups: the period's payments by the rows of `Payments::by_group`, in its order
    /// and with its names. The rows add up to `amount`, and each row over the periods to its
    /// amount in `Payments::by_group`, to the penny: each line is counted in its period and
    /// its row.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_group: Vec<Amount>,
}

/// One row of the payments by group: paid to date, beside the contract's figures for it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupPaid {
    /// The group's identifier, `(not in a group)` or `(not a stage's price)`.
    pub name: String,
    /// The group's heading as written, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Paid to date: the sum of the row's lines.
    pub amount: Money,
    /// The row's part of the planned total cost over the whole contract, after every cap
    /// (`figures.by_group[].at_plan`). The plan splits it by contract year, not by month, so
    /// the report sets paid to date beside the whole contract's plan.
    pub at_plan: Money,
    /// The row's part of the maximum exposure (`figures.by_group[].at_maximum`); none when
    /// the maximum is set by a cap on a cohort with no size.
    pub at_maximum: Option<Money>,
    /// The group's own cap, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Money>,
    /// Whether the group's stages have been paid their cap (before any cut of the total cap
    /// or the maximum exposure), so that nothing more is paid for them: false without a cap.
    pub cap_reached: bool,
    /// The `group` clause, for a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clause: Option<Clause>,
}

/// A total for one participant, period, payer or stage, or a payer's part of one line.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Amount {
    pub name: String,
    pub amount: Money,
    /// For a payer: its part as a share of the total, to two decimals; the payers' shares
    /// add up to exactly 100%.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<Percent>,
    /// For a payer: the `payer` clause its part is shared by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<Clause>,
}

/// What remains.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Residual {
    /// Still payable under the total cap (after fixed fees still to come), if there is one.
    pub under_total_cap: Option<Money>,
    /// Still payable under the cap on outcome payments, if there is one.
    pub under_outcome_cap: Option<Money>,
    /// For each paid stage: how many participants already in the funnel can still reach it
    /// before the term ends, and whether new referrals can still be taken.
    pub can_still_reach: Vec<StillReachable>,
    /// The last day referrals are accepted, if it is after `until`.
    pub referrals_open_until: Option<Date>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StillReachable {
    pub stage: String,
    pub participants: u64,
}

/// How the report is made.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Count events up to and including this date; the term's end when not given.
    pub until: Option<Date>,
    /// Measured values for tiers and for bonuses and penalties on measures.
    pub measured: Vec<Measured>,
    /// How many rejected rows to list one by one (`DEFAULT_LISTED` when not given); every
    /// rejection is still counted. Keeps memory bounded by participants, however many rows
    /// a return gets wrong.
    pub listed_rejections: Option<usize>,
    /// A participant whose rejected rows are always listed (for `--explain`).
    pub explain: Option<String>,
}

/// What makes two participant references the same participant: the reference without the
/// spaces around it, ignoring case (`DS-001`, ` ds-001 ` and `Ds-001` are one person, so a
/// return cannot be paid twice for one person by changing the case of their reference).
/// Everything else counts: `DS-001` and `DS 001` are two people. The report shows each
/// reference as first written.
pub fn participant_key(reference: &str) -> String {
    reference.trim().to_lowercase()
}

/// `text.trim()`, told at once when both ends are printable ASCII other than the space
/// (which no trim removes): a return's fields nearly always are, and `trim` looks at each
/// end as a character of Unicode.
pub(crate) fn trimmed(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

/// Rejected rows listed one by one unless `Options::listed_rejections` says otherwise.
pub const DEFAULT_LISTED: usize = 10_000;

#[cfg(test)]
mod tests {
    /// `trimmed` is `trim` on any text: printable ASCII, spaces and controls at either end,
    /// Unicode spaces, other characters of several bytes, and nothing.
    #[test]
    fn trimmed_is_trim() {
        let pieces = [
            "", "a", "~", "!", " ", "\t", "\r\n", "\u{0}", "\u{1c}", "\u{7f}", "\u{85}", "\u{a0}",
            "\u{2003}", "\u{3000}", "é", "€",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let text = format!("{a}{b}{c}");
                    assert_eq!(super::trimmed(&text), text.trim(), "{text:?}");
                }
            }
        }
    }
}
