//! Either-or triggers: a tier schedule, then `or tiers ...` alternatives to it.
//!
//! The Peterborough rule: a cohort is paid on its own reduction, or all cohorts on the pooled
//! reduction at the end, never both. The contract pays the larger of the alternatives: each
//! adds to the plan and to the maximum only what it pays beyond the alternatives before it,
//! and in the monitoring report a later payment under one alternative pays only what takes it
//! beyond what the trigger has already paid. Takes the checked schedules, with where each is
//! written; hands on the checks (E0573, E0574, W0575) and what each schedule adds to the totals.

use crate::ast::{Threshold, TierScope};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{Measure, TierSchedule};
use crate::source::Span;

/// Where a schedule of a trigger is written, for the checks.
pub struct Written {
    pub measure: Span,
    pub scope: Span,
    /// The first threshold that pays.
    pub first_threshold: Option<(Threshold, Span)>,
}

/// E0574: an `or tiers` written where no tier schedule comes directly before it.
pub fn alone(or: Span, clause: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0574,
        "`or tiers` is an alternative to nothing",
        or,
        "no tier schedule directly before it",
    )
    .also(clause, "this schedule")
    .help("write `or tiers ...` directly after the `tiers ...` schedule it is the alternative to, or remove the `or`")
}

/// The checks of one trigger, its schedules in the order written: the alternatives pay for
/// one result, so they are on the same measure or on measures set against the same
/// comparison group, and no two have the same scope (E0573); the pooled alternative's first
/// threshold is below the per-cohort one's (W0575).
pub fn check(
    group: &[(&TierSchedule, &Written)],
    measures: &foldhash::HashMap<&str, &Measure>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(((first, first_at), rest)) = group.split_first() else {
        return;
    };
    for (schedule, at) in rest {
        if schedule.measure != first.measure {
            let group_of = |id: &str| measures.get(id).and_then(|m| m.compared_with.clone());
            let (a, b) = (group_of(&first.measure), group_of(&schedule.measure));
            if a.is_none() || a != b {
                out.push(
                    Diagnostic::new(
                        Code::E0573,
                        format!(
                            "the alternatives are on `{}` and `{}`, which are not set against the same comparison group",
                            first.measure, schedule.measure
                        ),
                        at.measure,
                        "a different measure",
                    )
                    .also(first_at.measure, "the first alternative's measure")
                    .help("the larger of two alternatives is paid only when both pay for the same result; put them on one measure, or make them separate schedules without `or`"),
                );
            }
        }
    }
    for (i, (schedule, at)) in group.iter().enumerate() {
        if let Some((_, earlier_at)) = group[..i].iter().find(|(s, _)| s.scope == schedule.scope) {
            out.push(
                Diagnostic::new(
                    Code::E0573,
                    format!(
                        "two alternatives of one either-or trigger are both {}",
                        scope_words(schedule.scope)
                    ),
                    at.scope,
                    "the same scope again",
                )
                .also(earlier_at.scope, "the alternative before")
                .help("an either-or trigger sets a cohort's own result against the pooled result: make one alternative `per cohort` and the other `pooled`"),
            );
        }
    }
    let threshold_of = |scope: TierScope| {
        group
            .iter()
            .find(|(s, _)| s.scope == scope)
            .and_then(|(_, at)| at.first_threshold)
    };
    if let (Some((cohort, _)), Some((pooled, pooled_span))) = (
        threshold_of(TierScope::PerCohort),
        threshold_of(TierScope::Pooled),
    ) {
        if pooled.decimal().cmp_value(&cohort.decimal()) != std::cmp::Ordering::Less {
            out.push(
                Diagnostic::new(
                    Code::W0575,
                    format!(
                        "the pooled alternative starts at {pooled}, not below the {cohort} a cohort needs on its own"
                    ),
                    pooled_span,
                    "not a lower bar",
                )
                .help("the pooled result is an average of the cohorts', so it reaches this only when some cohort has already been paid; set the pooled threshold below the per-cohort one (Peterborough: 10% per cohort, 7.5% pooled)"),
            );
        }
    }
}

fn scope_words(scope: TierScope) -> &'static str {
    match scope {
        TierScope::PerCohort => "`per cohort`",
        TierScope::Pooled => "`pooled`",
    }
}

/// What each schedule adds to the totals, at plan and at most: all of itself, or for the
/// schedules of a trigger only what takes the trigger's largest so far higher, so a trigger
/// adds the larger of its alternatives. Indices follow `schedules`.
pub fn counted(schedules: &[TierSchedule]) -> Vec<(i128, i128)> {
    let mut largest: Vec<Option<(i128, i128)>> = vec![None; schedules.len()];
    schedules
        .iter()
        .map(|s| {
            let (plan, most) = (s.at_plan.minor, s.maximum.minor);
            let Some(group) = s.either_or.filter(|g| *g < schedules.len()) else {
                return (plan, most);
            };
            let (plan_so_far, most_so_far) = largest[group].unwrap_or((0, 0));
            largest[group] = Some((plan_so_far.max(plan), most_so_far.max(most)));
            ((plan - plan_so_far).max(0), (most - most_so_far).max(0))
        })
        .collect()
}
