//! Outcomes and cohorts, and the links that tie them to funnels and measures: every target
//! achieves an outcome (E0601), every outcome is addressed (W0602), every cohort is used
//! (W0603).

use super::funnel::people;
use super::names::{once, Kind, Symbols};
use crate::ast::{self, Level, StageKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::model;
use foldhash::HashMap;

pub fn outcome(outcome: &ast::Outcome, out: &mut Vec<Diagnostic>) -> model::Outcome {
    let why = once(&outcome.why, |w| w.span, "`why`", out).map(|w| w.value.clone());
    let level =
        once(&outcome.level, |l| l.span, "`level`", out).map_or(Level::Service, |l| l.value);
    model::Outcome {
        id: outcome.name.value.clone(),
        statement: outcome.statement.value.clone(),
        why,
        level,
        achieved_by: Vec::new(),
        tracked_by: Vec::new(),
        from: None,
    }
}

pub fn cohort(cohort: &ast::Cohort, out: &mut Vec<Diagnostic>) -> model::Cohort {
    let size = once(&cohort.size, |s| s.span, "`size`", out)
        .and_then(|s| people(s, "a cohort's size", out));
    let eligibility =
        once(&cohort.eligibility, |e| e.span, "`eligibility`", out).map(|e| e.value.clone());
    model::Cohort {
        id: cohort.name.value.clone(),
        description: cohort.description.value.clone(),
        size,
        eligibility,
        from: None,
    }
}

/// The contract's outcomes (its own, then those it uses), found by identifier through an index
/// built once, so that recording a link costs the same however many outcomes there are.
pub struct Outcomes {
    pub list: Vec<model::Outcome>,
    index: HashMap<String, usize>,
}

impl Outcomes {
    pub fn new(list: Vec<model::Outcome>) -> Outcomes {
        let mut index = HashMap::with_capacity_and_hasher(list.len(), Default::default());
        for (position, outcome) in list.iter().enumerate() {
            // A duplicated identifier (reported by `names`) links to its first definition.
            index.entry(outcome.id.clone()).or_insert(position);
        }
        Outcomes { list, index }
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut model::Outcome> {
        let position = *self.index.get(id)?;
        self.list.get_mut(position)
    }
}

/// Resolve every target's `achieves`, require at least one, and record the links on the
/// outcomes.
pub fn link_targets(
    funnels: &[&ast::Funnel],
    symbols: &Symbols,
    outcomes: &mut Outcomes,
    out: &mut Vec<Diagnostic>,
) {
    for funnel in funnels {
        for stage in funnel.stages.iter().filter(|s| s.kind == StageKind::Target) {
            if stage.achieves.is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::E0601,
                        format!("performance target `{}` achieves no outcome", stage.name.value),
                        stage.name.span,
                        "no `achieves` for this target",
                    )
                    .help(format!(
                        "every performance target is linked to an outcome statement: add `{{ achieves outcome_name }}` after `{}`'s line",
                        stage.name.value
                    )),
                );
            }
            for name in &stage.achieves {
                if symbols.resolve(name, &[Kind::Outcome], out).is_some() {
                    if let Some(o) = outcomes.get_mut(&name.value) {
                        // This target's links are pushed one after another: a name it
                        // repeats is the last one pushed.
                        if o.achieved_by.last() != Some(&stage.name.value) {
                            o.achieved_by.push(stage.name.value.clone());
                        }
                    }
                }
            }
        }
    }
}

/// W0602 and W0603: declarations nothing uses. `outcomes` starts with the file's own, in the
/// order they are declared (`check` lists them so), so each outcome declared is found beside
/// its declaration rather than looked up by name.
pub fn report_unused(
    file: &ast::File,
    symbols: &Symbols,
    outcomes: &[model::Outcome],
    cohorts_used: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    // Looked up once per declaration, never walked: no order to keep.
    let used: foldhash::HashSet<&str> = cohorts_used.iter().copied().collect();
    // A file of many outcomes nothing addresses has as many warnings: room for them at once,
    // rather than the list copied each time it outgrows its room.
    let unaddressed = |o: &&model::Outcome| o.achieved_by.is_empty() && o.tracked_by.is_empty();
    out.reserve(outcomes.iter().filter(unaddressed).count());
    let mut own = outcomes.iter();
    for declaration in &file.declarations {
        match declaration {
            ast::Declaration::Outcome(o) => {
                let model = own.next();
                debug_assert!(model.is_some_and(|m| m.id == o.name.value));
                if model.is_some_and(|m| unaddressed(&m)) && !symbols.is_duplicated(&o.name.value) {
                    out.push(unaddressed_outcome(&o.name));
                }
            }
            ast::Declaration::Cohort(c) if !used.contains(c.name.value.as_str()) => {
                out.push(
                    Diagnostic::new(
                        Code::W0603,
                        format!("cohort `{}` is used by no funnel", c.name.value),
                        c.name.span,
                        "no funnel is `for` this cohort",
                    )
                    .help(format!(
                        "add a `funnel ... for {}`, or remove the cohort",
                        c.name.value
                    )),
                );
            }
            _ => {}
        }
    }
}

/// W0602 for the outcome named `ident`. A file can hold hundreds of thousands, so its texts
/// are each put together in one allocation of the size they need.
fn unaddressed_outcome(ident: &ast::Ident) -> Diagnostic {
    let name = ident.value.as_str();
    Diagnostic::new(
        Code::W0602,
        ["outcome `", name, "` is addressed by no target or measure"].concat(),
        ident.span,
        "nothing achieves or tracks this outcome",
    )
    .help(
        [
            "link it from a performance target (`achieves ",
            name,
            "`) or a measure (`tracks ",
            name,
            "`), or remove it",
        ]
        .concat(),
    )
}
