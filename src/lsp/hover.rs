//! Hover: what a name is, in words and figures, read from the checked contract.
//!
//! The figures come from the model (`model::Contract`), the one place they are computed; a
//! hover only puts them into words. While the file has errors the last contract that checked
//! is used, so the figures stay in view as the file is edited.

use super::index::{Clause, Definition, Kind};
use crate::ast::CapScope;
use crate::emit::html::words;
use crate::model::{Contract, GroupRow, Limited, Stage, TimeFrom};
use crate::source::Str;

/// The hover text (Markdown) for a declared name, with the figures `contract` holds for it
/// and the `rules` a specification's `bidding` block sets on it. In a bid (`bid`), the
/// contract is the specification with the bid's prices and counts in place, and says so.
pub fn text(
    definition: &Definition,
    contract: Option<&Contract>,
    rules: &[String],
    bid: bool,
) -> String {
    let mut out = format!("**{} `{}`**", definition.kind.word(), definition.name);
    if !definition.description.is_empty() {
        out.push_str(&format!("\n\n{}", definition.description));
    }

    let figures = contract.and_then(|contract| match definition.kind {
        Kind::Milestone | Kind::Target => stage(contract, &definition.name),
        Kind::Group => group(contract, &definition.name),
        Kind::Outcome => outcome(contract, &definition.name),
        Kind::Cohort => contract
            .cohorts
            .iter()
            .find(|c| c.id == definition.name)
            .and_then(|c| c.size)
            .map(|size| format!("- size: {size} people")),
        Kind::Measure => contract
            .measures
            .iter()
            .find(|m| m.id == definition.name)
            .filter(|m| !m.tracks.is_empty())
            .map(|m| format!("- tracks: {}", names(&m.tracks))),
        Kind::Funnel => contract
            .funnels
            .iter()
            .find(|f| f.id == definition.name)
            .map(|f| format!("- for `{}`, {} stages", f.cohort, f.stages.len())),
    });
    if let Some(figures) = figures {
        out.push_str(if bid {
            "\n\nAs this bid makes it:\n"
        } else {
            "\n\n"
        });
        out.push_str(&figures);
    }
    if !rules.is_empty() {
        out.push_str("\n\nThe specification's rules for bids:\n");
        let rules: Vec<String> = rules.iter().map(|rule| format!("- {rule}")).collect();
        out.push_str(&rules.join("\n"));
    }
    out
}

/// A stage's figures: people expected, conversion stated and computed, price, time window.
fn stage(contract: &Contract, name: &str) -> Option<String> {
    let (funnel, stage) = contract
        .funnels
        .iter()
        .find_map(|f| f.stages.iter().find(|s| s.id == name).map(|s| (f, s)))?;
    let mut lines = vec![format!(
        "- expected: {} people (funnel `{}`)",
        stage.expected, funnel.id
    )];
    lines.push(conversion(stage));
    lines.push(format!(
        "- of everyone entering: {}",
        stage.overall_conversion
    ));
    lines.push(match stage.price {
        Some(price) => format!("- price: {price} per participant"),
        None => "- price: none".to_string(),
    });
    if let Some(earned) = crate::check::money::plan::earned_by(contract, funnel, name) {
        lines.push(format!(
            "- earned on the rate card by then: {earned} per participant"
        ));
    }
    let times = &stage.time;
    if let Some(earliest) = &times.earliest {
        lines.push(format!("- earliest: {}", time(earliest)));
    }
    if let Some(expected) = &times.expected {
        lines.push(format!("- expected by: {}", time(expected)));
    }
    if let Some(latest) = &times.latest {
        lines.push(format!("- latest: {}", time(latest)));
    }
    if !stage.achieves.is_empty() {
        lines.push(format!("- achieves: {}", names(&stage.achieves)));
    }
    Some(lines.join("\n"))
}

fn conversion(stage: &Stage) -> String {
    match (stage.stated_conversion, stage.conversion) {
        (Some(stated), Some(computed)) => {
            format!("- conversion: stated {stated}, computed {computed}")
        }
        (None, Some(computed)) => format!("- conversion: {computed} (computed; not stated)"),
        (Some(stated), None) => format!("- conversion: stated {stated}"),
        (None, None) if stage.after.is_empty() => "- conversion: the funnel's entry".to_string(),
        (None, None) => "- conversion: reached from more than one stage".to_string(),
    }
}

fn time(time: &TimeFrom) -> String {
    if time.from_entry {
        format!("{} after entry", time.duration)
    } else {
        format!("{} after `{}`", time.duration, time.after)
    }
}

/// An outcome's targets and measures.
fn outcome(contract: &Contract, name: &str) -> Option<String> {
    let outcome = contract.outcomes.iter().find(|o| o.id == name)?;
    let achieved = if outcome.achieved_by.is_empty() {
        "no target achieves it".to_string()
    } else {
        names(&outcome.achieved_by)
    };
    let tracked = if outcome.tracked_by.is_empty() {
        "no measure tracks it".to_string()
    } else {
        names(&outcome.tracked_by)
    };
    Some(format!(
        "- achieved by: {achieved}\n- tracked by: {tracked}"
    ))
}

fn names(names: &[Str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The hover text for a cap, payer or group clause: what it is, and from the checked contract
/// whether it binds and what each payer's part comes to.
pub fn clause(clause: &Clause, contract: Option<&Contract>) -> String {
    let (title, figures) = match clause {
        Clause::Cap(scope) => (
            format!(
                "**cap**: {}\n\nIt limits {}.",
                words::cap_in_text(*scope),
                words::cap_limits(*scope)
            ),
            contract.and_then(|c| cap(c, *scope)),
        ),
        Clause::Group(name) => (
            format!("**payment group `{name}`**"),
            contract.and_then(|c| group(c, name)),
        ),
        Clause::Payer(name) => (
            format!("**payer** {name}"),
            contract.and_then(|c| payer(c, name)),
        ),
        Clause::Bid(bidder) => (format!("**bid** by {bidder}"), contract.map(bid)),
    };
    match figures {
        Some(figures) => format!("{title}\n\n{figures}"),
        None => title,
    }
}

/// A bid's figures, as `outcome evaluate` lays them side by side: the specification with the
/// bid's prices and counts in place.
fn bid(contract: &Contract) -> String {
    let figures = &contract.figures;
    let mut lines = vec![
        format!("- planned total cost: {}", figures.planned_total_cost),
        format!(
            "- maximum exposure: {} (funding limit {}, headroom {})",
            figures.maximum_exposure, contract.funding_limit, figures.headroom
        ),
    ];
    for unit in &figures.unit_cost_per_target {
        lines.push(format!(
            "- unit cost per `{}`: {} ({} expected)",
            unit.target, unit.unit_cost, unit.expected
        ));
    }
    if let Some(cost) = figures.unit_cost_per_participant {
        lines.push(format!("- cost per participant: {cost}"));
    }
    lines.join("\n")
}

/// Whether a cap binds at plan and at the maximum, and by how much.
fn cap(contract: &Contract, scope: CapScope) -> Option<String> {
    let figures = &contract.figures;
    let cap = contract.payments.caps.iter().find(|c| c.scope == scope)?;
    let mut lines = vec![format!("- amount: {}", cap.amount)];
    match scope {
        CapScope::PerParticipant => {
            let nested = &figures.overlap.nested;
            // The model's cut at plan holds what a participant limit cuts too.
            let with_limit = if contract.payments.participant_limits.is_empty() {
                ""
            } else {
                ", with the participant limits"
            };
            lines.push(if nested.cut_by_participant_cap.minor > 0 {
                format!(
                    "- at plan: **binds**, cutting {} from the outcome payments of {}{with_limit}",
                    nested.cut_by_participant_cap, nested.outcome_payments_before_cap
                )
            } else {
                format!(
                    "- at plan: does not bind (outcome payments {})",
                    nested.outcome_payments_before_cap
                )
            });
            for cohort in &figures.per_participant {
                lines.push(if cohort.unreachable.minor > 0 {
                    format!(
                        "- at the maximum, `{}`: **binds**, a rate card of {} is paid at most {}; {} is never paid",
                        cohort.cohort, cohort.rate_card, cohort.maximum, cohort.unreachable
                    )
                } else {
                    format!(
                        "- at the maximum, `{}`: does not bind (the rate card is {})",
                        cohort.cohort, cohort.rate_card
                    )
                });
            }
        }
        CapScope::OutcomePayments | CapScope::Total => {
            let cut = figures.cap_cuts.iter().find(|c| c.scope == scope)?;
            lines.push(format!("- at plan: {}", limited(&cut.at_plan)));
            lines.push(match &cut.at_maximum {
                Some(at_maximum) => format!("- at the maximum: {}", limited(at_maximum)),
                None => {
                    "- at the maximum: **binds**: without it the maximum has no bound".to_string()
                }
            });
        }
    }
    Some(lines.join("\n"))
}

fn limited(limited: &Limited) -> String {
    if limited.binds() {
        format!(
            "**binds**, cutting {} from {} to {}",
            limited.cut, limited.before, limited.after
        )
    } else {
        format!("does not bind ({} is within it)", limited.before)
    }
}

/// A payer's share as written, and its part at plan and at the maximum.
fn payer(contract: &Contract, name: &str) -> Option<String> {
    let payer = contract.payments.payers.iter().find(|p| p.name == name)?;
    let mut lines = vec![format!(
        "- pays: {} ({})",
        words::payer_share(&payer.share),
        words::payer_covers(payer).to_lowercase()
    )];
    if let Some(cap) = payer.cap {
        lines.push(format!("- up to: {cap}"));
    }
    if let Some(figures) = contract.figures.by_payer.iter().find(|p| p.name == name) {
        let share =
            |s: Option<crate::value::Percent>| s.map_or(String::new(), |s| format!(" ({s})"));
        lines.push(format!(
            "- at plan: {}{} of {}",
            figures.at_plan,
            share(figures.share_of_plan),
            contract.figures.planned_total_cost
        ));
        lines.push(format!(
            "- at the maximum: {}{} of {}",
            figures.at_maximum,
            share(figures.share_of_maximum),
            contract.figures.maximum_exposure
        ));
    }
    Some(lines.join("\n"))
}

/// A group's part of the plan and of the maximum, and whether its own cap cuts them.
fn group(contract: &Contract, name: &str) -> Option<String> {
    let group = contract.payments.groups.iter().find(|g| g.id == name)?;
    let row = contract
        .figures
        .by_group
        .iter()
        .find(|r| r.row == GroupRow::Group(name.into()))?;
    let binds = |yes: bool| if yes { ", its cap **binds**" } else { "" };
    let mut lines = vec![format!("- stages: {}", names(&group.stages))];
    if let Some(cap) = group.cap {
        lines.push(format!("- cap: {cap}"));
    }
    lines.push(format!(
        "- at plan: {}{}",
        row.at_plan,
        binds(row.cap_binds_at_plan)
    ));
    if let Some(at_maximum) = row.at_maximum {
        lines.push(format!(
            "- at the maximum: {at_maximum}{}",
            binds(row.cap_binds_at_maximum)
        ));
    }
    Some(lines.join("\n"))
}
