//! The rules the SQL does not compute: a contract that uses one is refused with a coded
//! diagnostic, never compiled into SQL that would compute something else.
//!
//! Tiers and bonuses or penalties on a measure are paid on measured values that are not rows
//! of a return (`report --measures`): the views have no table to read them from. A participant
//! limit pays participants in the order they first reached a payable result, across the cohort;
//! a group's cap stops its stages' payments in the order they fall due (a group without a cap
//! changes no payment, and compiles). Text the
//! databases cannot hold (the NUL character) cannot be written as a literal.

use super::text::holdable;
use super::Refusal;
use crate::diagnostic::Code;
use crate::model::{Contract, SubjectKind};

pub(super) fn unsupported(contract: &Contract) -> Result<(), Refusal> {
    let p = &contract.payments;
    if let Some(schedule) = p.tiers.first() {
        return Err(Refusal {
            code: Code::E0540,
            message: format!(
                "the tier payments on `{}` cannot be compiled to SQL",
                schedule.measure
            ),
            clause: Some(schedule.clause.clone()),
            help: "tiers are paid on measured values, which are not rows of a return; \
                   report this contract with `outcome report --measures FILE`"
                .to_string(),
        });
    }
    if let Some(limit) = p.participant_limits.first() {
        return Err(Refusal {
            code: Code::E0540,
            message: format!(
                "the limit on the participants of `{}` paid for cannot be compiled to SQL",
                limit.cohort
            ),
            clause: Some(limit.clause.clone()),
            help: "which participants are paid for depends on the order every participant \
                   first reached a payable result; report this contract with `outcome report`"
                .to_string(),
        });
    }
    if let Some(group) = p.groups.iter().find(|g| g.cap.is_some()) {
        return Err(Refusal {
            code: Code::E0540,
            message: format!("the cap on group `{}` cannot be compiled to SQL", group.id),
            clause: Some(group.clause.clone()),
            help: "a group's cap stops its stages' payments in the order they fall due, after \
                   deadweight; report this contract with `outcome report`"
                .to_string(),
        });
    }
    if let Some(incentive) = p
        .incentives
        .iter()
        .find(|i| matches!(i.subject_kind, SubjectKind::Measure))
    {
        return Err(Refusal {
            code: Code::E0541,
            message: format!(
                "the {} on the measure `{}` cannot be compiled to SQL",
                match incentive.kind {
                    crate::ast::IncentiveKind::Bonus => "bonus",
                    crate::ast::IncentiveKind::Penalty => "penalty",
                },
                incentive.condition.subject
            ),
            clause: Some(incentive.clause.clone()),
            help: "a bonus or penalty on a measure is paid on measured values, which are not \
                   rows of a return; report this contract with `outcome report --measures FILE`"
                .to_string(),
        });
    }
    if let Some(payer) = p
        .payers
        .iter()
        .find(|payer| payer.excess_pro_rata || payer.outcome_payments_only)
    {
        let rule = if payer.excess_pro_rata {
            "`excess pro rata`"
        } else {
            "`of outcome payments`"
        };
        return Err(Refusal {
            code: Code::E0540,
            message: format!(
                "the payer rule {rule} of `{}` cannot be compiled to SQL",
                payer.name
            ),
            clause: Some(payer.clause.clone()),
            help: "the SQL shares the total between payers only by amounts, percentages and                    the rest; report this contract with `outcome report`, which applies it"
                .to_string(),
        });
    }
    let texts = contract
        .funnels
        .iter()
        .flat_map(|f| {
            std::iter::once(f.id.as_str())
                .chain(std::iter::once(f.cohort.as_str()))
                .chain(f.stages.iter().map(|s| s.id.as_str()))
        })
        .chain(contract.cohorts.iter().map(|c| c.id.as_str()))
        .chain(p.payers.iter().map(|payer| payer.name.as_str()))
        .chain(p.prices.iter().map(|pr| &*pr.clause.file));
    if let Some(text) = texts.into_iter().find(|t| !holdable(t)) {
        return Err(Refusal {
            code: Code::E0542,
            message: format!(
                "`{}` holds a NUL character, which a database cannot hold in text",
                text.escape_debug()
            ),
            clause: None,
            help: "take the NUL character out of the name".to_string(),
        });
    }
    Ok(())
}
