//! Measures: what is measured, which of the three questions it answers, and its baseline and
//! target (the baseline year comes before the target year, E0404).

use super::names::{once, Kind, Symbols};
use super::outcomes::Outcomes;
use crate::ast::{self, MeasureClause};
use crate::diagnostic::{Code, Diagnostic};
use crate::model;
use crate::source::{Span, Spanned};

pub fn check(
    measure: &ast::Measure,
    symbols: &Symbols,
    outcomes: &mut Outcomes,
    out: &mut Vec<Diagnostic>,
) -> Option<model::Measure> {
    let mut questions = Vec::new();
    let mut units = Vec::new();
    let mut collectors = Vec::new();
    let mut methods = Vec::new();
    let mut frequencies = Vec::new();
    let mut baselines = Vec::new();
    let mut targets = Vec::new();
    let mut tracks = Vec::new();
    let mut comparisons = Vec::new();
    for clause in &measure.clauses {
        match clause {
            MeasureClause::Question(q) => questions.push(*q),
            MeasureClause::Unit(t) => units.push(t),
            MeasureClause::CollectedBy(t) => collectors.push(t),
            MeasureClause::Method(t) => methods.push(t),
            MeasureClause::Frequency(f) => frequencies.push(*f),
            MeasureClause::Baseline {
                keyword,
                value,
                year,
            } => baselines.push((*keyword, value, year)),
            MeasureClause::Target {
                keyword,
                value,
                year,
            } => targets.push((*keyword, value, year)),
            MeasureClause::Tracks(names) => tracks.extend(names.iter()),
            MeasureClause::ComparedWith(t) => comparisons.push(t),
        }
    }
    let question = once(&questions, |q| q.span, "`question`", out);
    let unit = once(&units, |t| t.span, "`unit`", out);
    let collected_by = once(&collectors, |t| t.span, "`collected_by`", out);
    let method = once(&methods, |t| t.span, "`method`", out);
    let frequency = once(&frequencies, |f| f.span, "`frequency`", out);
    let baseline = once(&baselines, |b| b.0, "`baseline`", out);
    let target = once(&targets, |t| t.0, "`target`", out);
    let compared_with = once(&comparisons, |t| t.span, "`compared with`", out);

    if question.is_none() {
        out.push(
            Diagnostic::new(
                Code::E0204,
                format!("measure `{}` does not say which question it answers", measure.name.value),
                measure.name.span,
                "no `question`",
            )
            .help("add `question how_much`, `question how_well` or `question better_off` (is anyone better off?)"),
        );
    }
    if let (Some(b), Some(t)) = (baseline, target) {
        check_years(b.2, t.2, out);
    }
    let mut tracked = Vec::new();
    for name in tracks {
        if let Some(symbol) = symbols.resolve(name, &[Kind::Outcome], out) {
            if let Some(o) = outcomes.get_mut(symbol, &name.value) {
                // This measure's links are pushed one after another: a name it repeats is
                // the last one pushed (a search of the list would be quadratic).
                if o.tracked_by.last() != Some(&measure.name.value) {
                    o.tracked_by.push(measure.name.value.clone());
                }
            }
            tracked.push(name.value.clone());
        }
    }

    let point = |p: Option<&(Span, &Spanned<ast::MeasureValue>, &Spanned<i32>)>| {
        p.map(|(_, value, year)| model::MeasurePoint {
            value: match value.value {
                ast::MeasureValue::Number(n) => model::MeasureValue::Number(n),
                ast::MeasureValue::Percent(p) => model::MeasureValue::Percent(p),
                ast::MeasureValue::Money(m) => model::MeasureValue::Money(m),
            },
            year: year.value,
        })
    };
    Some(model::Measure {
        id: measure.name.value.clone(),
        description: measure.description.value.clone(),
        question: question?.value,
        unit: unit.map(|t| t.value.clone()),
        collected_by: collected_by.map(|t| t.value.clone()),
        method: method.map(|t| t.value.clone()),
        frequency: frequency.map(|f| f.value),
        baseline: point(baseline),
        target: point(target),
        tracks: tracked,
        compared_with: compared_with.map(|t| t.value.clone()),
        from: None,
    })
}

fn check_years(baseline: &Spanned<i32>, target: &Spanned<i32>, out: &mut Vec<Diagnostic>) {
    if baseline.value >= target.value {
        out.push(
            Diagnostic::new(
                Code::E0404,
                format!("the target year {} is not after the baseline year {}", target.value, baseline.value),
                target.span,
                "target year",
            )
            .also(baseline.span, "baseline year")
            .help("a baseline is history, a target is the future: the target year must come after the baseline year"),
        );
    }
}
