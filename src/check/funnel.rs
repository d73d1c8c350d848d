//! Funnels: expected numbers, the if-then sequence of stages, conversion factors and time
//! windows.
//!
//! Stages follow one another in the order written: a milestone follows the milestone before
//! it, a target follows the last milestone written before it. `after a, b` replaces that
//! with explicit predecessors, all of which a participant must have reached. The sequence is
//! a graph over the stages; once it is known to be acyclic every edge is checked: counts never
//! grow along it and stated conversion factors match; `check::times` checks the times.

use super::names::{once, Kind, Symbols};
use crate::ast::{self, StageKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::links::Links;
use crate::model;
use crate::source::Span;
use crate::value::{Decimal, Percent};

/// A funnel's sequence: for each stage, its predecessors and the span that makes each link.
struct Sequence {
    before: Links<(usize, Span)>,
    next: Links,
    /// Whether every `after` named a milestone of this funnel. When one did not, questions
    /// of reachability would only repeat that error.
    resolved: bool,
}

impl Sequence {
    fn new(before: Links<(usize, Span)>, resolved: bool) -> Sequence {
        // Each stage's links name a stage once, so the reversal holds no repeats.
        let next = before.map(|(p, _)| *p).reversed();
        Sequence {
            before,
            next,
            resolved,
        }
    }

    fn after(&self, stage: usize) -> impl Iterator<Item = usize> + '_ {
        self.before[stage].iter().map(|(p, _)| *p)
    }

    fn successors(&self, stage: usize) -> impl Iterator<Item = usize> + '_ {
        self.next[stage].iter().copied()
    }
}

/// A count of people: a whole number of at least one (E0301).
pub fn people(
    count: &crate::source::Spanned<Decimal>,
    what: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<u64> {
    let value = count.value;
    let problem = if !value.is_whole() {
        Some(format!("`{value}` is not a whole number of people"))
    } else if value.mantissa <= 0 {
        Some(format!("{what} must be at least 1, not `{value}`"))
    } else {
        None
    };
    match problem {
        Some(message) => {
            out.push(
                Diagnostic::new(
                    Code::E0301,
                    message,
                    count.span,
                    "expected a whole number of people",
                )
                .help("write how many people, as a whole number of at least 1, such as `40`"),
            );
            None
        }
        None => u64::try_from(value.trunc()).ok(),
    }
}

/// Check one funnel; the model funnel when it has no errors.
pub fn check(
    funnel: &ast::Funnel,
    index: usize,
    symbols: &Symbols,
    cohort_sizes: &dyn Fn(&str) -> Option<Option<u64>>,
    unique_stages: bool,
    out: &mut Vec<Diagnostic>,
) -> Option<model::Funnel> {
    // What this funnel adds to the diagnostics is looked at, not all of them: a file of
    // many funnels after many diagnostics would otherwise read the list once a funnel.
    let first_new = out.len();
    let cohort = symbols.resolve(&funnel.cohort, &[Kind::Cohort], out);

    // Looked for from the end, where a funnel's targets usually are.
    let has_target = funnel
        .stages
        .iter()
        .rev()
        .any(|s| s.kind == StageKind::Target);
    if !has_target {
        out.push(
            Diagnostic::new(
                Code::E0306,
                format!("funnel `{}` has no performance target", funnel.name.value),
                funnel.name.span,
                "no `target` in this funnel",
            )
            .help(
                "add the result the provider is held to as a `target` line after the milestones, \
                 such as `target sustained \"Sustained for 6 months\" 10 { achieves outcome_name }`",
            ),
        );
    }

    // One pass over the stages for all that the checks below read of each (its count, its
    // kind, whether it states a conversion or a time) and the sequence the order written
    // implies, so that they walk these small arrays and not the stages: a long funnel's
    // stages are far more than the caches hold, and each walk over them read them all again.
    let walked = walk(funnel, out);
    let counts = walked.counts;
    let sequence = match walked.implied {
        Some(before) => Sequence::new(before, true),
        None => sequence(funnel, index, symbols, out),
    };
    let in_cycle = report_cycles(funnel, &sequence, out);
    let acyclic = !in_cycle.iter().any(|c| *c);
    if acyclic && sequence.resolved {
        report_unreachable(funnel, &sequence, out);
        report_dead_ends(funnel, has_target, &walked.steps, &sequence, out);
    }
    let times = acyclic.then(|| {
        let before = sequence.before.map(|(p, _)| *p);
        let order = topological(&sequence, funnel.stages.len());
        let times =
            super::times::check(funnel, index, &before, &order, &walked.timed, symbols, out);
        (before, times)
    });
    if counts.iter().all(Option::is_some) {
        let counts: Vec<u64> = counts.iter().map(|c| c.unwrap_or(0)).collect();
        check_counts(funnel, &walked.steps, &sequence, &counts, out);
        if let (Some(first), Some(cohort)) = (funnel.stages.first(), cohort) {
            if let Some(Some(size)) = cohort_sizes(&funnel.cohort.value) {
                if counts[0] > size {
                    out.push(
                        Diagnostic::new(
                            Code::E0303,
                            format!(
                                "`{}` expects {} people, more than the {size} in cohort `{}`",
                                first.name.value, counts[0], funnel.cohort.value
                            ),
                            first.expected.span,
                            "more than the cohort holds",
                        )
                        .also(cohort.span, format!("cohort `{}` is defined here", funnel.cohort.value))
                        .help("the first milestone counts people entering from the cohort: lower it, or raise the cohort's `size`"),
                    );
                }
            }
        }
    }

    if out[first_new..].iter().any(Diagnostic::is_error) {
        return None;
    }
    let counts: Vec<u64> = counts.iter().map(|c| c.unwrap_or(0)).collect();
    let Some((before, times)) = times else {
        return Some(build(funnel, &sequence, &counts, Vec::new()));
    };
    let model = build(funnel, &sequence, &counts, times.stages);
    if !unique_stages {
        return Some(model);
    }
    // The links and times by position are those the clock would find by name: each name is
    // one stage's.
    let clock = crate::schedule::clock::Clock::from_positions(
        before,
        times.earliest,
        times.latest,
        times.expected,
    );
    Some(model.with_clock(clock))
}

/// What the checks of a funnel read of each stage, gathered in one pass over them (`walk`).
struct Walked {
    /// Each stage's expected people, when a whole number of at least one.
    counts: Vec<Option<u64>>,
    steps: Vec<Step>,
    /// The stages with a `within`, `at least` or `expected` time, in order.
    timed: Vec<usize>,
    /// The predecessors the order written implies, when no stage names its own (`after`):
    /// then they are the whole sequence.
    implied: Option<Links<(usize, Span)>>,
}

/// A stage as the checks of counts and paths see it: two bytes, where the stage is hundreds.
#[derive(Clone, Copy)]
struct Step {
    milestone: bool,
    /// Whether it states a conversion factor.
    converts: bool,
}

/// One pass over the stages: each count read (E0301), each clause written twice (E0203), an
/// outcome achieved by a milestone (E0207), and what `Walked` keeps of each. The sequence the
/// order written implies is built as it goes, since a stage's implied predecessor is one
/// before it; the first `after` (which may name a stage further on) leaves it to `sequence`.
fn walk(funnel: &ast::Funnel, out: &mut Vec<Diagnostic>) -> Walked {
    let n = funnel.stages.len();
    let mut counts = Vec::with_capacity(n);
    let mut steps = Vec::with_capacity(n);
    let mut timed = Vec::new();
    let mut implied = Some(Links::with_capacity(n, n));
    let mut last_milestone: Option<usize> = None;
    for (i, stage) in funnel.stages.iter().enumerate() {
        counts.push(people(
            &stage.expected,
            "the expected number of people",
            out,
        ));
        once(&stage.conversion, |c| c.span, "`conversion`", out);
        once(&stage.after, |a| a.0, "`after`", out);
        once(&stage.evidence, |e| e.span, "`evidence`", out);
        let milestone = stage.kind == StageKind::Milestone;
        if milestone {
            if let Some(first) = stage.achieves.first() {
                out.push(
                    Diagnostic::new(
                        Code::E0207,
                        format!("milestone `{}` cannot achieve an outcome", stage.name.value),
                        first.span,
                        "`achieves` on a milestone",
                    )
                    .help("outcomes are achieved by performance targets: make this step a `target`, or move `achieves` to the target it leads to"),
                );
            }
        }
        steps.push(Step {
            milestone,
            converts: !stage.conversion.is_empty(),
        });
        if !(stage.within.is_empty() && stage.earliest.is_empty() && stage.expected_time.is_empty())
        {
            timed.push(i);
        }
        if !stage.after.is_empty() {
            implied = None;
        }
        if let Some(before) = &mut implied {
            // As `sequence` links a stage with no `after`: to the last milestone before it, a
            // milestone written after a target still following the last milestone.
            if let Some(p) = last_milestone {
                before.push((p, stage.keyword));
            }
            before.close();
        }
        if milestone {
            last_milestone = Some(i);
        }
    }
    Walked {
        counts,
        steps,
        timed,
        implied,
    }
}

/// Resolve each stage's predecessors, explicit or implied by the order written.
fn sequence(
    funnel: &ast::Funnel,
    index: usize,
    symbols: &Symbols,
    out: &mut Vec<Diagnostic>,
) -> Sequence {
    let stages = &funnel.stages;
    // The first stage of each name, found once: a search per `after` name is quadratic.
    // Looked up, never walked, so a hash map (an ordered map's lookups grow with the log of
    // the funnel); and only for a funnel that names a stage in an `after`.
    let mut first_of: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    if stages.iter().any(|s| !s.after.is_empty()) {
        first_of.reserve(stages.len());
        for (i, stage) in stages.iter().enumerate() {
            first_of.entry(stage.name.value.as_str()).or_insert(i);
        }
    }
    let position = |name: &str| first_of.get(name).copied();
    let mut before = Links::with_capacity(stages.len(), stages.len());
    let mut last_milestone: Option<usize> = None;
    let errors_before = out.len();
    for (i, stage) in stages.iter().enumerate() {
        if let Some((_, names)) = stage.after.first() {
            for name in names {
                match position(&name.value) {
                    Some(p) if stages[p].kind == StageKind::Target => out.push(
                        Diagnostic::new(
                            Code::E0407,
                            format!("`{}` cannot follow `{}`, a performance target", stage.name.value, name.value),
                            name.span,
                            "a target ends a path",
                        )
                        .also(stages[p].name.span, "the target is defined here")
                        .help("nothing follows a performance target; name the milestone before it, or make it a milestone"),
                    ),
                    Some(p) => {
                        if !before.open().iter().any(|(q, _)| *q == p) {
                            before.push((p, name.span));
                        }
                    }
                    None => match symbols.get(&name.value) {
                        Some(symbol) if symbol.funnel.is_some() && symbol.funnel != Some(index) => out.push(
                            Diagnostic::new(
                                Code::E0202,
                                format!("there is no milestone named `{}` in funnel `{}`", name.value, funnel.name.value),
                                name.span,
                                "in another funnel",
                            )
                            .also(symbol.span, "defined in another funnel here")
                            .help("a step can only follow steps of its own funnel"),
                        ),
                        _ => {
                            symbols.resolve(name, &[Kind::Milestone], out);
                        }
                    },
                }
            }
        } else if i > 0 {
            let implied = match stage.kind {
                StageKind::Milestone => last_milestone.or(Some(i - 1)),
                StageKind::Target => last_milestone.or(Some(i - 1)),
            };
            // A milestone written after a target still follows the last milestone: targets
            // end their paths.
            if let Some(p) = implied.filter(|p| stages[*p].kind == StageKind::Milestone) {
                before.push((p, stage.keyword));
            }
        }
        if stage.kind == StageKind::Milestone {
            last_milestone = Some(i);
        }
        before.close();
    }
    Sequence::new(before, out.len() == errors_before)
}

/// E0405 for each cycle of `after` clauses; returns which stages lie on one.
fn report_cycles(
    funnel: &ast::Funnel,
    sequence: &Sequence,
    out: &mut Vec<Diagnostic>,
) -> Vec<bool> {
    let n = funnel.stages.len();
    let mut in_cycle = vec![false; n];
    // 0 = unvisited, 1 = on the current path, 2 = done
    let mut state = vec![0u8; n];
    // Iterative depth-first search over predecessors, so deep funnels cannot overflow; the
    // path's room is kept from one root to the next.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        path.clear();
        path.push((root, 0));
        state[root] = 1;
        while let Some((node, next)) = path.last().copied() {
            let preds = &sequence.before[node];
            if next < preds.len() {
                if let Some(top) = path.last_mut() {
                    top.1 += 1;
                }
                let (p, link_span) = preds[next];
                match state[p] {
                    0 => {
                        state[p] = 1;
                        path.push((p, 0));
                    }
                    1 => {
                        let start = path.iter().position(|(s, _)| *s == p).unwrap_or(0);
                        let members: Vec<usize> = path[start..].iter().map(|(s, _)| *s).collect();
                        for m in &members {
                            in_cycle[*m] = true;
                        }
                        let mut names: Vec<String> = members
                            .iter()
                            .rev()
                            .map(|m| format!("`{}`", funnel.stages[*m].name.value))
                            .collect();
                        // The path runs from a stage back through its predecessors; in
                        // the order the steps are taken the circle starts and ends at `p`.
                        names.insert(0, format!("`{}`", funnel.stages[p].name.value));
                        out.push(
                            Diagnostic::new(
                                Code::E0405,
                                format!("the steps {} follow each other in a circle", names.join(" → ")),
                                link_span,
                                "this link closes the circle",
                            )
                            .help("an if-then sequence needs a start: remove or change one `after` so that every step can be traced back to the first"),
                        );
                    }
                    _ => {}
                }
            } else {
                state[node] = 2;
                path.pop();
            }
        }
    }
    in_cycle
}

/// E0406: every stage can be traced back to the funnel's entry, its first stage.
fn report_unreachable(funnel: &ast::Funnel, sequence: &Sequence, out: &mut Vec<Diagnostic>) {
    let n = funnel.stages.len();
    let Some(entry) = funnel.stages.first() else {
        return;
    };
    if let Some((after_span, _)) = entry.after.first() {
        out.push(
            Diagnostic::new(
                Code::E0406,
                format!(
                    "the funnel `{}` has no entry: its first step, `{}`, follows another",
                    funnel.name.value, entry.name.value
                ),
                *after_span,
                "the first step written cannot follow another",
            )
            .help("the first step written is where people enter the funnel: move the step people enter by to the top, and remove this `after`"),
        );
        return;
    }
    let mut reached = vec![false; n];
    reached[0] = true;
    let mut stack = vec![0];
    while let Some(s) = stack.pop() {
        for next in sequence.successors(s) {
            if !reached[next] {
                reached[next] = true;
                stack.push(next);
            }
        }
    }
    for (i, stage) in funnel.stages.iter().enumerate() {
        if !reached[i] {
            out.push(
                Diagnostic::new(
                    Code::E0406,
                    format!(
                        "`{}` cannot be reached from `{}`, where the funnel starts",
                        stage.name.value, entry.name.value
                    ),
                    stage.name.span,
                    "no path leads here from the first step",
                )
                .also(entry.name.span, "the funnel starts here")
                .help("make every step follow the first, directly or through others"),
            );
        }
    }
}

/// W0408: a milestone from which no performance target can be reached.
fn report_dead_ends(
    funnel: &ast::Funnel,
    has_target: bool,
    steps: &[Step],
    sequence: &Sequence,
    out: &mut Vec<Diagnostic>,
) {
    if !has_target {
        return; // E0306 already says the funnel has no target
    }
    for (i, step) in steps.iter().enumerate() {
        if step.milestone && sequence.successors(i).next().is_none() {
            let stage = &funnel.stages[i];
            out.push(
                Diagnostic::new(
                    Code::W0408,
                    format!("milestone `{}` leads to no performance target", stage.name.value),
                    stage.name.span,
                    "nothing follows this milestone",
                )
                .help("add a target after it (`target ... after this_milestone`), or name it in the `after` of a later step"),
            );
        }
    }
}

/// Counts never grow along the sequence (E0302, E0304); stated conversion factors match
/// the counts (E0305) and have one step to be compared with (E0307).
fn check_counts(
    funnel: &ast::Funnel,
    steps: &[Step],
    sequence: &Sequence,
    counts: &[u64],
    out: &mut Vec<Diagnostic>,
) {
    for (i, step) in steps.iter().enumerate() {
        for p in sequence.after(i) {
            if counts[i] > counts[p] {
                let stage = &funnel.stages[i];
                let previous = &funnel.stages[p];
                let (code, what) = match stage.kind {
                    StageKind::Milestone => (Code::E0302, "milestone"),
                    StageKind::Target => (Code::E0304, "target"),
                };
                out.push(
                    Diagnostic::new(
                        code,
                        format!(
                            "{what} `{}` expects {} people, more than the {} at `{}` before it",
                            stage.name.value, counts[i], counts[p], previous.name.value
                        ),
                        stage.expected.span,
                        "more people than the step before",
                    )
                    .also(previous.expected.span, format!("`{}` expects {}", previous.name.value, counts[p]))
                    .help("everyone who reaches a step has reached the steps before it, so a funnel never widens; correct one of the two numbers"),
                );
            }
        }
        if !step.converts {
            continue;
        }
        let stage = &funnel.stages[i];
        let Some(stated) = stage.conversion.first() else {
            continue;
        };
        let predecessors: Vec<usize> = sequence.after(i).collect();
        if predecessors.iter().any(|p| counts[i] > counts[*p]) {
            continue; // the widening is the error to fix first
        }
        let [p] = predecessors[..] else {
            let reason = if predecessors.is_empty() {
                "it is the first step, with nothing before it"
            } else {
                "it follows more than one step"
            };
            out.push(
                Diagnostic::new(
                    Code::E0307,
                    format!("`{}` states a conversion factor, but {reason}", stage.name.value),
                    stated.span,
                    "nothing single to convert from",
                )
                .help("a conversion factor is the share of people at the one step before who reach this one; remove it here"),
            );
            continue;
        };
        let computed = Percent::of_ratio(counts[i], counts[p], stated.value.0.scale);
        if computed.0.mantissa != stated.value.0.mantissa {
            out.push(
                Diagnostic::new(
                    Code::E0305,
                    format!(
                        "`{}` states a conversion of {}, but {} → {} is {computed}",
                        stage.name.value, stated.value, counts[p], counts[i]
                    ),
                    stated.span,
                    format!("the counts give {computed}"),
                )
                .also(stage.expected.span, format!("{} people here", counts[i]))
                .also(
                    funnel.stages[p].expected.span,
                    format!("{} people at `{}`", counts[p], funnel.stages[p].name.value),
                )
                .help(format!(
                    "write `conversion {computed}`, or correct the expected numbers"
                )),
            );
        }
    }
}

/// Stages ordered so that every predecessor comes first. Callers ensure the graph is acyclic.
fn topological(sequence: &Sequence, n: usize) -> Vec<usize> {
    let mut remaining: Vec<usize> = (0..n).map(|i| sequence.before[i].len()).collect();
    let mut ready: Vec<usize> = (0..n).filter(|i| remaining[*i] == 0).rev().collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        order.push(i);
        for s in sequence.successors(i) {
            remaining[s] -= 1;
            if remaining[s] == 0 {
                ready.push(s);
            }
        }
    }
    order
}

/// The model funnel, with computed conversion factors. Prices are filled in by the payments
/// check.
fn build(
    funnel: &ast::Funnel,
    sequence: &Sequence,
    counts: &[u64],
    times: Vec<model::Times>,
) -> model::Funnel {
    let mut times = times.into_iter();
    let entering = counts.first().copied().unwrap_or(0).max(1);
    let stages = funnel
        .stages
        .iter()
        .enumerate()
        .map(|(i, stage)| {
            let predecessors = &sequence.before[i];
            // At the precision the contract writes (57.07% is shown as 57.07%, not 57.1%),
            // and at least to one decimal place.
            let precision = stage
                .conversion
                .first()
                .map_or(1, |c| c.value.0.scale.max(1));
            let conversion = match predecessors {
                [(p, _)] => Some(Percent::of_ratio(counts[i], counts[*p], precision)),
                _ => None,
            };
            model::Stage {
                id: stage.name.value.clone(),
                kind: stage.kind,
                description: stage.description.value.clone(),
                expected: counts[i],
                after: predecessors
                    .iter()
                    .map(|(p, _)| funnel.stages[*p].name.value.clone())
                    .collect(),
                time: times.next().unwrap_or_default(),
                evidence: stage.evidence.first().map(|e| e.value.clone()),
                achieves: stage.achieves.iter().map(|a| a.value.clone()).collect(),
                stated_conversion: stage.conversion.first().map(|c| c.value),
                conversion,
                overall_conversion: Percent::of_ratio(counts[i], entering, 1),
                price: None,
                eligible: stage
                    .eligible
                    .iter()
                    .flat_map(|(_, conditions)| conditions)
                    .map(|c| model::Condition {
                        subject: c.subject.value.clone(),
                        comparison: c.comparison.value,
                        value: c.value.value,
                    })
                    .collect(),
            }
        })
        .collect();
    model::Funnel::new(
        funnel.name.value.clone(),
        funnel.description.value.clone(),
        funnel.cohort.value.clone(),
        stages,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A funnel of `stages` (whether a milestone, and which clauses: `conversion`, a time from
    /// entry, a time from the stage before, `after` the first stage), parsed.
    fn funnel_of(stages: &[(bool, u8)]) -> ast::File {
        let mut text = String::from("cohort c \"C\" { size 100 }\nfunnel f \"F\" for c {\n");
        for (i, &(milestone, clauses)) in stages.iter().enumerate() {
            let kind = if milestone { "milestone" } else { "target" };
            text.push_str(&format!("  {kind} s{i} \"S\" 10"));
            if clauses & 1 != 0 {
                text.push_str(" conversion 100%");
            }
            if clauses & 2 != 0 {
                text.push_str(" within 3 months");
            }
            if clauses & 4 != 0 && i > 0 {
                text.push_str(&format!(" at least 1 month after s{}", i - 1));
            }
            if clauses & 8 != 0 && i > 0 {
                text.push_str(" after s0");
            }
            text.push('\n');
        }
        text.push_str("}\n");
        let file = crate::source::SourceFile::new("f.outcome", text.as_str());
        crate::syntax::parse(&file).expect("the funnel parses")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// The one walk over the stages finds the sequence the order written implies exactly
        /// as `sequence` does, when no stage names its own predecessors (and leaves it to
        /// `sequence` when one does), and the stages with a time are those that have one.
        #[test]
        fn one_walk_finds_what_the_passes_over_the_stages_find(
            stages in prop::collection::vec((any::<bool>(), 0_u8..16), 1..40),
        ) {
            let file = funnel_of(&stages);
            let Some(ast::Declaration::Funnel(funnel)) = file.declarations.get(1) else {
                panic!("a funnel");
            };
            let mut out = Vec::new();
            let symbols = Symbols::collect(&file, &mut out).0;
            let walked = walk(funnel, &mut out);
            let sequence = sequence(funnel, 0, &symbols, &mut out);
            let named = funnel.stages.iter().any(|s| !s.after.is_empty());
            match &walked.implied {
                Some(implied) => {
                    prop_assert!(!named);
                    prop_assert_eq!(implied, &sequence.before);
                }
                None => prop_assert!(named),
            }
            let timed: Vec<usize> = (0..funnel.stages.len())
                .filter(|&i| {
                    let s = &funnel.stages[i];
                    !(s.within.is_empty() && s.earliest.is_empty() && s.expected_time.is_empty())
                })
                .collect();
            prop_assert_eq!(&walked.timed, &timed);
            for (step, stage) in walked.steps.iter().zip(&funnel.stages) {
                prop_assert_eq!(step.milestone, stage.kind == StageKind::Milestone);
                prop_assert_eq!(step.converts, !stage.conversion.is_empty());
            }
        }
    }
}
