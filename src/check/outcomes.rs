//! Outcomes and cohorts, and the links that tie them to funnels and measures: every target
//! achieves an outcome (E0601), every outcome is addressed (W0602), every cohort is used
//! (W0603).

use super::funnel::people;
use super::names::{once, Kind, Symbol, Symbols};
use crate::ast::{self, Level, StageKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::model;
use crate::source::Str;
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

/// The contract's outcomes (its own, then those it uses), found from the symbol a name
/// resolves to, so that recording a link costs the same however many outcomes there are. A
/// file's own outcome is found by where its name is declared, among the declarations' starts
/// in the order of the file (a search of a list of numbers, where a table of every name,
/// copied, took a quarter of checking a file of 370,000 outcomes); a used file's, whose
/// symbol is the `use`, by name among the few used.
pub struct Outcomes {
    pub list: Vec<model::Outcome>,
    /// Where the name of each of the file's own outcomes starts, in the order of `list`.
    own_starts: Vec<usize>,
    /// The used files' outcomes by identifier: their place in `list`.
    imported: HashMap<Str, usize>,
}

impl Outcomes {
    /// `list` holds the file's own outcomes, declared at `own_starts` (increasing), then the
    /// used files' outcomes.
    pub fn new(list: Vec<model::Outcome>, own_starts: Vec<usize>) -> Outcomes {
        debug_assert!(own_starts.is_sorted() && own_starts.len() <= list.len());
        let own = own_starts.len();
        let mut imported = HashMap::default();
        for (position, outcome) in list.iter().enumerate().skip(own) {
            imported.entry(outcome.id.clone()).or_insert(position);
        }
        Outcomes {
            list,
            own_starts,
            imported,
        }
    }

    /// The outcome `symbol` names: a duplicated identifier (reported by `names`) resolves
    /// to its first definition, and so links to it.
    pub fn get_mut(&mut self, symbol: Symbol, id: &str) -> Option<&mut model::Outcome> {
        let position = match self.own_starts.binary_search(&symbol.span.start) {
            Ok(own) => own,
            Err(_) => *self.imported.get(id)?,
        };
        self.list.get_mut(position)
    }
}

/// Resolve every target's `achieves` in `funnel`, require at least one, and record the
/// links on the outcomes. Called for each funnel as it is checked, while its stages are in
/// the processor's caches, rather than in a walk over every funnel again.
pub fn link_targets(
    funnel: &ast::Funnel,
    symbols: &Symbols,
    outcomes: &mut Outcomes,
    out: &mut Vec<Diagnostic>,
) {
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
            if let Some(symbol) = symbols.resolve(name, &[Kind::Outcome], out) {
                if let Some(o) = outcomes.get_mut(symbol, &name.value) {
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

/// W0602 and W0603: declarations nothing uses. `outcomes` starts with the file's own, in the
/// order they are declared (`check` lists them so), so each outcome declared is found beside
/// its declaration rather than looked up by name.
pub fn report_unused(
    parts: &ast::ByKind,
    symbols: &Symbols,
    outcomes: &[model::Outcome],
    cohorts_used: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    // The file's own outcomes nothing addresses, found in one walk over them; room for a
    // warning for each outcome at once (a file of many nothing addresses has as many
    // warnings), rather than the list copied each time it outgrows its room or the outcomes
    // walked again to count them first. Room not written to is never touched.
    out.reserve(parts.outcomes.len());
    for (o, m) in parts.outcomes.iter().zip(outcomes) {
        debug_assert_eq!(m.id, o.name.value);
        if m.achieved_by.is_empty()
            && m.tracked_by.is_empty()
            && !symbols.is_duplicated(&o.name.value)
        {
            out.push(unaddressed_outcome(&o.name));
        }
    }
    // Looked up once per declaration, never walked: no order to keep.
    let used: foldhash::HashSet<&str> = cohorts_used.iter().copied().collect();
    for c in parts
        .cohorts
        .iter()
        .filter(|c| !used.contains(c.name.value.as_str()))
    {
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

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    fn names(list: &[crate::source::Str]) -> Vec<&str> {
        list.iter().map(|s| s.as_str()).collect()
    }

    /// The links of each target and measure land on the outcome they name, found by where it
    /// is declared, and a name declared twice links to its first declaration.
    #[test]
    fn links_land_on_the_outcome_named() {
        let text = r#"contract "C" {
  commissioner "Council"
  provider "Provider"
  term 2026-04-01 to 2028-03-31
  funding limit £100,000
}
outcome first "First"
outcome second "Second"
outcome third "Third"
cohort people "People" { size 10 }
funnel f "F" for people {
  milestone start "Start" 10
  target a "A" 5 { achieves third }
  target b "B" 2 { achieves first, third }
}
measure m "M" { question how_much  tracks second }
"#;
        let compiled = crate::compile(&SourceFile::new("c.outcome", text));
        let contract = compiled.contract.expect("the contract checks");
        let links: Vec<(&str, Vec<&str>, Vec<&str>)> = contract
            .outcomes
            .iter()
            .map(|o| (o.id.as_str(), names(&o.achieved_by), names(&o.tracked_by)))
            .collect();
        assert_eq!(
            links,
            [
                ("first", vec!["b"], vec![]),
                ("second", vec![], vec!["m"]),
                ("third", vec!["a", "b"], vec![]),
            ]
        );

        let twice = text.replace(
            "outcome third \"Third\"",
            "outcome third \"Third\"\noutcome first \"Again\"",
        );
        let mut lowerer_out = Vec::new();
        let file =
            crate::syntax::parse(&SourceFile::new("c.outcome", twice.as_str())).expect("it parses");
        let symbols = super::Symbols::collect(&file, &mut lowerer_out).0;
        let first = symbols.get("first").expect("declared");
        assert_eq!(first.span.start, twice.find("first").unwrap());
        let starts: Vec<usize> = ["first \"First", "second", "third \"Third", "first \"Again"]
            .iter()
            .map(|s| twice.find(s).unwrap())
            .collect();
        let list = ["first", "second", "third", "first"]
            .iter()
            .map(|id| crate::model::Outcome {
                id: (*id).into(),
                statement: Default::default(),
                why: None,
                level: crate::ast::Level::Service,
                achieved_by: Vec::new(),
                tracked_by: Vec::new(),
                from: None,
            })
            .collect();
        let mut outcomes = super::Outcomes::new(list, starts);
        outcomes
            .get_mut(first, "first")
            .expect("found")
            .achieved_by
            .push("t".into());
        assert_eq!(outcomes.list[0].achieved_by, ["t"]);
        assert!(outcomes.list[3].achieved_by.is_empty());
    }
}
