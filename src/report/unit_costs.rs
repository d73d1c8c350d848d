//! What the results achieved to date have cost: the payments due to date divided by the
//! participants who reached each performance target, and by the participants who entered.
//!
//! The same division as the plan's unit costs (`divide_rounded`, halves away from zero), on
//! the report's own figures: the total of its payment lines and its actual funnel.

use super::{ActualFunnel, Payments};
use crate::ast::StageKind;
use crate::check::money::divide_rounded;
use crate::model::Contract;
use crate::value::Money;
use schemars::JsonSchema;
use serde::Serialize;

/// The unit costs achieved to date.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UnitCostsToDate {
    /// For each performance target, in the order written.
    pub per_target: Vec<TargetCostToDate>,
    /// The participants who entered a funnel to date: the actual count at each funnel's
    /// first stage, added up.
    pub participants: u64,
    /// The payments due to date ÷ `participants`; absent when nobody has entered.
    pub per_participant: Option<Money>,
}

/// One target's cost to date.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TargetCostToDate {
    pub funnel: String,
    pub target: String,
    /// Participants who have reached the target to date.
    pub achieved: u64,
    /// The payments due to date ÷ `achieved`; absent while nobody has reached it.
    pub unit_cost: Option<Money>,
}

/// The unit costs of `payments` over the actual `funnels` (in the contract's order).
pub fn unit_costs(
    contract: &Contract,
    funnels: &[ActualFunnel],
    payments: &Payments,
) -> UnitCostsToDate {
    let total = payments.total;
    let per = |count: u64| match count {
        0 => None,
        n => divide_rounded(total.minor, i128::from(n)).map(|m| Money::new(m, total.currency)),
    };
    let mut per_target = Vec::new();
    let mut participants = 0_u64;
    for (planned, actual) in contract.funnels.iter().zip(funnels) {
        participants = participants.saturating_add(actual.stages.first().map_or(0, |s| s.actual));
        for (stage, counted) in planned.stages.iter().zip(&actual.stages) {
            if stage.kind == StageKind::Target {
                per_target.push(TargetCostToDate {
                    funnel: planned.id.as_str().to_owned(),
                    target: stage.id.as_str().to_owned(),
                    achieved: counted.actual,
                    unit_cost: per(counted.actual),
                });
            }
        }
    }
    UnitCostsToDate {
        per_target,
        participants,
        per_participant: per(participants),
    }
}
