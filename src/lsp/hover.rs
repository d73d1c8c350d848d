//! Hover: what a name is, in words and figures, read from the checked contract.
//!
//! The figures come from the model (`model::Contract`), the one place they are computed; a
//! hover only puts them into words. While the file has errors the last contract that checked
//! is used, so the figures stay in view as the file is edited.

use super::index::{Definition, Kind};
use crate::model::{Contract, Stage, TimeFrom};

/// The hover text (Markdown) for a declared name, with the figures `contract` holds for it.
pub fn text(definition: &Definition, contract: Option<&Contract>) -> String {
    let mut out = format!("**{} `{}`**", definition.kind.word(), definition.name);
    if !definition.description.is_empty() {
        out.push_str(&format!("\n\n{}", definition.description));
    }
    let figures = contract.and_then(|contract| match definition.kind {
        Kind::Milestone | Kind::Target => stage(contract, &definition.name),
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
        Kind::Group => None,
    });
    if let Some(figures) = figures {
        out.push_str("\n\n");
        out.push_str(&figures);
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

fn names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
