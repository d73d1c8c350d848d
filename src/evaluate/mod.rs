//! Bids evaluated against a specification: `outcome evaluate SPEC BID...`.
//!
//! A specification is an ordinary contract with a `bidding` block (`check::bidding`); a bid is
//! a file naming it, with the bidder's prices and expected counts. `bid` checks a bid: the
//! specification with the bid's figures in place, through the ordinary checker, held against
//! the rules; `workspace` calls it for every bid file, so `check`, `build` and `evaluate` see
//! the same bid. This module takes the checked bids and lays their figures side by side,
//! ranked; it computes no figure of its own, and every one it shows is the checker's, read from
//! each bid's `model::Contract`. `render` writes the evaluation for people (a table), for
//! machines (JSON) and for a panel (printable HTML).

pub mod bid;
pub mod render;

use crate::diagnostic::Record;
use crate::model::{self, Contract, UnitCost, YearFigures};
use crate::value::{Money, Percent};
use schemars::JsonSchema;
use serde::Serialize;

/// How the bids are ranked, in words: the ranking is the order of `bids`.
pub const RANKED_BY: &str = "unit cost per performance target at plan, lowest first (targets in the order the specification writes them); then planned total cost, lowest first; then bidder and file by name";

/// The bids on one specification, side by side.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Evaluation {
    /// The specification as named on the command line.
    pub specification: String,
    /// The specification's title.
    pub title: String,
    /// The funding limit every bid's maximum exposure is held to.
    pub funding_limit: Money,
    /// What the bids are ranked by.
    pub ranked_by: String,
    /// The bids that keep every rule, best first.
    pub bids: Vec<BidFigures>,
    /// The bids refused, in the order named, with why.
    pub refused: Vec<RefusedBid>,
}

/// One valid bid's figures, each the checker's figure for the specification with the bid's
/// prices and expected counts in place.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct BidFigures {
    /// 1 for the best.
    pub rank: usize,
    pub bidder: String,
    /// The bid's file as named on the command line.
    pub file: String,
    pub planned_total_cost: Money,
    pub maximum_exposure: Money,
    /// Funding limit minus maximum exposure.
    pub headroom: Money,
    /// Planned total cost per target achieved, for each performance target.
    pub unit_cost_per_target: Vec<UnitCost>,
    /// Planned total cost per participant entering the funnels.
    pub cost_per_participant: Option<Money>,
    /// Per cohort: every price one participant can be paid, and the most after the cap.
    pub rate_card_per_participant: Vec<RateCard>,
    /// For each performance target: the people entering its funnel, expected at the target,
    /// and the conversion from entry.
    pub conversion_to_target: Vec<Conversion>,
    /// The bid's price for each stage it prices, in the specification's order.
    pub prices: Vec<StagePrice>,
    /// The planned total cost by contract year.
    pub by_year: Vec<YearFigures>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RateCard {
    pub cohort: String,
    pub rate_card: Money,
    /// After the per-participant cap.
    pub maximum: Money,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Conversion {
    pub funnel: String,
    pub target: String,
    pub entering: u64,
    pub expected: u64,
    pub conversion: Percent,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct StagePrice {
    pub stage: String,
    pub amount: Money,
}

/// A bid refused: its diagnostics, as `check --format json` writes them.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RefusedBid {
    pub file: String,
    pub diagnostics: Vec<Record>,
}

/// A bid as `outcome evaluate` found it: valid, with the specification as the bid makes it, or
/// refused.
#[derive(Debug, Clone)]
pub enum Entry {
    Valid {
        file: String,
        contract: Box<Contract>,
    },
    Refused(RefusedBid),
}

/// The evaluation of `entries` on the specification `spec` (named `name`): the valid bids
/// ranked by `RANKED_BY`, the refused listed.
pub fn evaluate(name: &str, spec: &Contract, entries: Vec<Entry>) -> Evaluation {
    let mut bids = Vec::new();
    let mut refused = Vec::new();
    for entry in entries {
        match entry {
            Entry::Valid { file, contract } => bids.push(figures(file, &contract)),
            Entry::Refused(r) => refused.push(r),
        }
    }
    bids.sort_by(|a, b| rank_key(a).cmp(&rank_key(b)));
    for (i, bid) in bids.iter_mut().enumerate() {
        bid.rank = i + 1;
    }
    Evaluation {
        specification: name.to_string(),
        title: spec.title.as_str().to_owned(),
        funding_limit: spec.funding_limit,
        ranked_by: RANKED_BY.to_string(),
        bids,
        refused,
    }
}

/// What a bid is ranked by; a smaller key is a better bid.
fn rank_key(bid: &BidFigures) -> (Vec<i128>, i128, &str, &str) {
    (
        bid.unit_cost_per_target
            .iter()
            .map(|u| u.unit_cost.minor)
            .collect(),
        bid.planned_total_cost.minor,
        &bid.bidder,
        &bid.file,
    )
}

/// A bid's figures, read from its checked contract.
fn figures(file: String, contract: &Contract) -> BidFigures {
    let figures = &contract.figures;
    let conversion_to_target = contract
        .funnels
        .iter()
        .flat_map(|f| {
            f.stages
                .iter()
                .filter(|s| s.kind == crate::ast::StageKind::Target)
                .map(move |s| Conversion {
                    funnel: f.id.as_str().to_owned(),
                    target: s.id.as_str().to_owned(),
                    entering: f.entering(),
                    expected: s.expected,
                    conversion: s.overall_conversion,
                })
        })
        .collect();
    BidFigures {
        rank: 0,
        bidder: contract.providers.join(", "),
        file,
        planned_total_cost: figures.planned_total_cost,
        maximum_exposure: figures.maximum_exposure,
        headroom: figures.headroom,
        unit_cost_per_target: figures.unit_cost_per_target.clone(),
        cost_per_participant: figures.unit_cost_per_participant,
        rate_card_per_participant: figures
            .per_participant
            .iter()
            .map(|p| RateCard {
                cohort: p.cohort.as_str().to_owned(),
                rate_card: p.rate_card,
                maximum: p.maximum,
            })
            .collect(),
        conversion_to_target,
        prices: model::stage_places(&contract.funnels)
            .filter_map(|(_, _, s)| {
                s.price.map(|amount| StagePrice {
                    stage: s.id.as_str().to_owned(),
                    amount,
                })
            })
            .collect(),
        by_year: figures.by_year.clone(),
    }
}

/// E0709: the bid `bid` (in the file named `file`) answers another specification than the
/// one being evaluated (named `spec`).
pub fn another_specification(
    bid: &crate::ast::Bid,
    file: &str,
    spec: &str,
) -> crate::diagnostic::Diagnostic {
    crate::diagnostic::Diagnostic::new(
        crate::diagnostic::Code::E0709,
        format!(
            "`{file}` is a bid on `{}`, not on `{spec}`",
            bid.specification.value
        ),
        bid.specification.span,
        "another specification",
    )
    .help(format!(
        "evaluate it with the specification it names, or correct the path to `{spec}`"
    ))
}
