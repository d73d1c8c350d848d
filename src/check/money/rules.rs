//! The incentive rules, one function each: exclusive alternatives, bonuses and penalties,
//! tier schedules, payers, deadweight, and the warnings about how the rate card is shaped.

use super::super::names::{once, Kind, Symbols};
use super::Context;
use super::{either_or, improvement};
use crate::ast::{self, Comparison, IncentiveKind, PaymentClause, StageKind, Threshold, TierScope};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{self, SubjectKind};
use crate::source::{Span, Spanned};
use crate::value::{Decimal, Money};
use foldhash::HashMap;
use std::collections::BTreeMap;

/// A contract-year number: a whole number from 1 to the years in the term (E0520).
pub fn year(
    number: &Spanned<Decimal>,
    years_in_term: u64,
    out: &mut Vec<Diagnostic>,
) -> Option<u32> {
    let value = number.value;
    let whole = value.is_whole() && value.mantissa > 0;
    if whole && (value.trunc() as u64) <= years_in_term {
        return u32::try_from(value.trunc()).ok();
    }
    out.push(
        Diagnostic::new(
            Code::E0520,
            format!("there is no year {value} in this contract's term"),
            number.span,
            format!("the term has {years_in_term} contract year{}", if years_in_term == 1 { "" } else { "s" }),
        )
        .help("contract years are counted from the start of the term: year 1 is its first twelve months"),
    );
    None
}

/// `exclusive a or (b, c)`: alternatives name stages, none twice, and no stage is in two
/// groups (E0515).
pub fn exclusive(
    clauses: &[&PaymentClause],
    symbols: &Symbols,
    out: &mut Vec<Diagnostic>,
) -> Vec<model::ExclusiveGroup> {
    // Looked up, never walked: the first place each stage is named. Room for every name at
    // once: a table grown as it fills is built again at each size.
    let named = clauses
        .iter()
        .map(|clause| match clause {
            PaymentClause::Exclusive { alternatives, .. } => {
                alternatives.iter().map(|a| a.value.len()).sum()
            }
            _ => 0,
        })
        .sum();
    let mut seen: HashMap<&str, Span> =
        HashMap::with_capacity_and_hasher(named, Default::default());
    let mut groups = Vec::new();
    for clause in clauses {
        let PaymentClause::Exclusive { alternatives, .. } = clause else {
            continue;
        };
        let mut group = Vec::new();
        for alternative in alternatives {
            let mut names = Vec::new();
            for name in &alternative.value {
                if symbols
                    .resolve(name, &[Kind::Milestone, Kind::Target], out)
                    .is_none()
                {
                    continue;
                }
                // One look at the table, whether the name is new or not.
                match seen.entry(name.value.as_str()) {
                    std::collections::hash_map::Entry::Vacant(room) => {
                        room.insert(name.span);
                        names.push(name.value.clone());
                    }
                    std::collections::hash_map::Entry::Occupied(first) => out.push(
                        Diagnostic::new(
                            Code::E0515,
                            format!("`{}` is named in more than one exclusive alternative", name.value),
                            name.span,
                            "named again here",
                        )
                        .also(*first.get(), "first named here")
                        .help("each step can be in one alternative of one `exclusive` rule; alternatives that share a step overlap, so which is paid is unclear"),
                    ),
                }
            }
            group.push(names);
        }
        groups.push(model::ExclusiveGroup {
            alternatives: group,
        });
    }
    groups
}

/// `deadweight 1 in 6`: a fraction strictly between nothing and everything (E0521).
pub fn deadweight(
    clauses: &[&PaymentClause],
    source: &super::ClauseAt,
    out: &mut Vec<Diagnostic>,
) -> Option<model::Deadweight> {
    let all: Vec<_> = clauses
        .iter()
        .filter_map(|c| match c {
            PaymentClause::Deadweight {
                span,
                discounted,
                of,
            } => Some((*span, discounted, of)),
            _ => None,
        })
        .collect();
    let &(span, discounted, of) = once(&all, |d| d.0, "`deadweight`", out)?;
    let whole = |d: &Spanned<Decimal>| d.value.is_whole() && d.value.mantissa > 0;
    if !whole(discounted) || !whole(of) || discounted.value.trunc() >= of.value.trunc() {
        out.push(
            Diagnostic::new(
                Code::E0521,
                format!("`deadweight {} in {}` is not a fraction of the outcomes", discounted.value, of.value),
                span,
                "expected `deadweight K in N` with whole numbers, 0 < K < N",
            )
            .help("`deadweight 1 in 6` pays for five of every six outcomes: the first number is how many are not paid for"),
        );
        return None;
    }
    Some(model::Deadweight {
        discounted: discounted.value.trunc() as u64,
        of: of.value.trunc() as u64,
        clause: source.at(span),
    })
}

/// Payers: shares add up to 100% unless one payer pays the rest, and at most one does
/// (E0513).
pub fn payers(
    clauses: &[&PaymentClause],
    source: &super::ClauseAt,
    out: &mut Vec<Diagnostic>,
) -> (Vec<model::Payer>, bool) {
    let before = out.len();
    // Room for every payer at once: a contract can name hundreds of thousands, and a list
    // grown as it fills is copied at each size.
    let count = clauses
        .iter()
        .filter(|c| matches!(c, PaymentClause::Payer { .. }))
        .count();
    let mut payers = Vec::with_capacity(count);
    let mut pro_rata_spans: Vec<(Span, usize)> = Vec::new();
    let mut rest_at: Option<Span> = None;
    let mut percent_total = Decimal {
        mantissa: 0,
        scale: 6,
    };
    let mut first_span = None;
    let mut any_amount = false;
    let mut named = super::payers::Named::with_capacity(count);
    for clause in clauses {
        let PaymentClause::Payer {
            span,
            name,
            share,
            cap,
            outcome_payments_only,
            excess_pro_rata,
        } = clause
        else {
            continue;
        };
        super::payers::check_clause(share, *cap, *excess_pro_rata, out);
        named.check(name, out);
        first_span.get_or_insert(*span);
        let share_model = match share.value {
            ast::PayerShare::Percent(p) => {
                percent_total.mantissa += p.0.mantissa * 10_i128.pow(6 - p.0.scale.min(6));
                model::PayerShare::Percent(p)
            }
            ast::PayerShare::Amount(m) => {
                any_amount = true;
                model::PayerShare::Amount(m)
            }
            ast::PayerShare::Rest => {
                if let Some(first) = rest_at {
                    out.push(
                        Diagnostic::new(Code::E0513, "more than one payer pays the rest", share.span, "a second \"the rest\"")
                            .also(first, "the first payer of the rest")
                            .help("only one payer can pay what is left; give the others a percentage or an amount"),
                    );
                }
                rest_at.get_or_insert(share.span);
                model::PayerShare::Rest
            }
        };
        payers.push(model::Payer {
            name: name.value.clone(),
            share: share_model,
            cap: cap.map(|c| c.value),
            outcome_payments_only: outcome_payments_only.is_some(),
            excess_pro_rata: excess_pro_rata.is_some(),
            clause: source.at(*span),
        });
        pro_rata_spans.extend(excess_pro_rata.map(|s| (s, payers.len() - 1)));
    }
    named.finish(out);
    let hundred = Decimal {
        mantissa: 100,
        scale: 0,
    };
    let order = percent_total.cmp_value(&hundred);
    let total = crate::value::Percent(normalise(percent_total));
    if let Some(span) = first_span {
        if rest_at.is_none() && !any_amount && order != std::cmp::Ordering::Equal {
            out.push(
                Diagnostic::new(
                    Code::E0513,
                    format!("the payers' shares add up to {total}, not 100%"),
                    span,
                    "the payers start here",
                )
                .help("make the percentages add up to 100%, or let one payer pay `the rest`"),
            );
        } else if order == std::cmp::Ordering::Greater {
            out.push(
                Diagnostic::new(
                    Code::E0513,
                    format!("the payers' shares add up to {total}, more than 100%"),
                    span,
                    "the payers start here",
                )
                .help("lower the percentages so that together they are at most 100%"),
            );
        }
    }
    super::payers::check_takers(&payers, &pro_rata_spans, out);
    let shares_add_up = out.len() == before;
    (payers, shares_add_up)
}

/// Drop trailing zeros from a decimal: 45.000000 → 45.
fn normalise(mut d: Decimal) -> Decimal {
    while d.scale > 0 && d.mantissa % 10 == 0 {
        d.mantissa /= 10;
        d.scale -= 1;
    }
    d
}

/// What a bonus or penalty condition refers to.
enum Subject<'a> {
    Stage(&'a model::Stage),
    Measure(&'a model::Measure),
}

/// Bonuses and penalties: the subject exists, the threshold is of its kind (E0522), a bonus
/// is not paid at the target (E0511), a penalty does not apply at it (E0512), and
/// assessment and grace periods make sense (E0207). Each with the span of its clause.
pub fn incentives(
    clauses: &[&PaymentClause],
    cx: &Context,
    funnels: &[model::Funnel],
    years_in_term: u64,
    out: &mut Vec<Diagnostic>,
) -> (Vec<model::Incentive>, Vec<Span>) {
    let currency = cx.header.currency;
    let mut incentives = Vec::new();
    let mut spans = Vec::new();
    if !clauses
        .iter()
        .any(|c| matches!(c, PaymentClause::Incentive { .. }))
    {
        // No condition to look a name up for: no tables of every stage and measure.
        return (incentives, spans);
    }
    // Measures and stages by name, looked up rather than searched for each condition; the
    // first of a name, as a search would find.
    let mut measures: foldhash::HashMap<&str, &model::Measure> =
        foldhash::HashMap::with_capacity_and_hasher(cx.measures.len(), Default::default());
    for m in cx.measures {
        measures.entry(m.id.as_str()).or_insert(m);
    }
    let stage_count = funnels.iter().map(|f| f.stages.len()).sum();
    let mut stages: foldhash::HashMap<&str, &model::Stage> =
        foldhash::HashMap::with_capacity_and_hasher(stage_count, Default::default());
    for stage in funnels.iter().flat_map(|f| &f.stages) {
        stages.entry(stage.id.as_str()).or_insert(stage);
    }
    for clause in clauses {
        let PaymentClause::Incentive {
            span,
            kind,
            amount,
            condition,
            assessed,
            from_year,
        } = clause
        else {
            continue;
        };
        let Some(symbol) = cx.symbols.resolve(
            &condition.subject,
            &[Kind::Target, Kind::Milestone, Kind::Measure],
            out,
        ) else {
            continue;
        };
        let name = condition.subject.value.as_str();
        let subject = if symbol.kind == Kind::Measure {
            measures.get(name).copied().map(Subject::Measure)
        } else {
            stages.get(name).copied().map(Subject::Stage)
        };
        let Some(subject) = subject else { continue };
        let what = if kind.value == IncentiveKind::Bonus {
            "bonus"
        } else {
            "penalty"
        };

        let target_value: Option<(Threshold, String)> = match &subject {
            Subject::Stage(stage) => {
                if let Some(assessed) = assessed {
                    out.push(
                        Diagnostic::new(
                            Code::E0207,
                            format!(
                                "a {what} on the count at `{}` cannot be assessed {}: the count is for the whole term",
                                stage.id,
                                assessed.value.word()
                            ),
                            assessed.span,
                            "not for a count of people",
                        )
                        .help("the expected counts are for the whole term; remove `assessed ...`, or set the rule on a measure with yearly values"),
                    );
                }
                Some((
                    Threshold::Number(Decimal {
                        mantissa: stage.expected as i128,
                        scale: 0,
                    }),
                    format!("the {} people expected at `{}`", stage.expected, stage.id),
                ))
            }
            Subject::Measure(measure) => measure.target.as_ref().and_then(|t| match t.value {
                model::MeasureValue::Number(n) => Some((
                    Threshold::Number(n),
                    format!("the target of {n} for `{}`", measure.id),
                )),
                model::MeasureValue::Percent(p) => Some((
                    Threshold::Percent(p),
                    format!("the target of {p} for `{}`", measure.id),
                )),
                model::MeasureValue::Money(_) => None,
            }),
        };

        // The threshold must be of the subject's kind.
        let threshold = condition.value;
        let kind_ok = match (&subject, threshold.value) {
            (Subject::Stage(_), Threshold::Number(n)) => n.is_whole(),
            (Subject::Stage(_), Threshold::Percent(_)) => false,
            (Subject::Measure(_), t) => target_value.as_ref().is_none_or(|(v, _)| same_kind(*v, t)),
        };
        if !kind_ok {
            let expected = match (&subject, &target_value) {
                (Subject::Stage(s), _) => format!(
                    "a whole number of people, like the {} expected at `{}`",
                    s.expected, s.id
                ),
                (Subject::Measure(m), Some((Threshold::Percent(p), _))) => {
                    format!("a percentage, like the target of {p} for `{}`", m.id)
                }
                (Subject::Measure(m), Some((Threshold::Number(n), _))) => {
                    format!("a plain number, like the target of {n} for `{}`", m.id)
                }
                (Subject::Measure(m), None) => {
                    format!("a value like those `{}` is measured in", m.id)
                }
            };
            out.push(
                Diagnostic::new(
                    Code::E0522,
                    format!(
                        "`{}` cannot be compared with `{}`",
                        condition.subject.value, threshold.value
                    ),
                    threshold.span,
                    format!("expected {expected}"),
                )
                .help(format!("write {expected}")),
            );
        } else if let Some((target, described)) = &target_value {
            let at_target = condition
                .comparison
                .value
                .holds(target.decimal().cmp_value(&threshold.value.decimal()));
            let beyond_ok = match kind.value {
                IncentiveKind::Bonus => matches!(
                    condition.comparison.value,
                    Comparison::AtLeast | Comparison::Above
                ),
                IncentiveKind::Penalty => matches!(
                    condition.comparison.value,
                    Comparison::AtMost | Comparison::Below
                ),
            };
            if at_target || !beyond_ok {
                let (code, message, help) = match kind.value {
                    IncentiveKind::Bonus => (
                        Code::E0511,
                        format!("this bonus is paid without beating {described}"),
                        "a bonus rewards beating the target: use `>=` or `>` with a threshold above the target",
                    ),
                    IncentiveKind::Penalty => (
                        Code::E0512,
                        format!("this penalty applies even when meeting {described}"),
                        "a penalty is for missing the target: use `<` or `<=` with a threshold below the target",
                    ),
                };
                out.push(
                    Diagnostic::new(
                        code,
                        message,
                        condition.comparison.span.to(threshold.span),
                        "the threshold",
                    )
                    .help(help),
                );
            }
        }

        if let (Some(from), None) = (from_year, assessed) {
            out.push(
                Diagnostic::new(
                    Code::E0207,
                    format!("a grace period needs a {what} that is assessed during the term"),
                    from.span,
                    "assessed only once, at the end of the term",
                )
                .help("add `assessed annually` (or quarterly) before `from year N`, or remove the grace period"),
            );
        }
        let from_year = from_year.as_ref().and_then(|y| year(y, years_in_term, out));
        let assessments = match assessed {
            None => 1,
            Some(f) => {
                let period = f.value.period();
                // A grace period: assessments start with the first period of year N.
                let first = from_year.map_or(cx.header.term.start, |n| {
                    cx.header.term.start.add_months(12 * (n - 1))
                });
                period.count_in(first, cx.header.term.end)
            }
        };
        let amount_model = match amount.value {
            ast::IncentiveAmount::Money(m) => model::IncentiveAmount::Money(m),
            ast::IncentiveAmount::ShareOfOutcomes(p) => {
                if p.0.cmp_value(&Decimal {
                    mantissa: 100,
                    scale: 0,
                }) == std::cmp::Ordering::Greater
                {
                    out.push(
                        Diagnostic::new(
                            Code::E0521,
                            format!("{p} of outcome payments is more than all of them"),
                            amount.span,
                            "above 100%",
                        )
                        .help("a share of outcome payments is at most 100%"),
                    );
                }
                model::IncentiveAmount::ShareOfOutcomePayments(p)
            }
        };
        incentives.push(model::Incentive {
            kind: kind.value,
            amount: amount_model,
            condition: model::Condition {
                subject: condition.subject.value.clone(),
                comparison: condition.comparison.value,
                value: threshold.value,
            },
            subject_kind: if matches!(subject, Subject::Measure(_)) {
                SubjectKind::Measure
            } else {
                SubjectKind::Stage
            },
            assessed: assessed.map(|a| a.value),
            from_year,
            assessments,
            maximum: Money::zero(currency),
            clause: cx.clauses.at(*span),
        });
        spans.push(*span);
    }
    (incentives, spans)
}

fn same_kind(a: Threshold, b: Threshold) -> bool {
    matches!(
        (a, b),
        (Threshold::Number(_), Threshold::Number(_))
            | (Threshold::Percent(_), Threshold::Percent(_))
    )
}

/// Tier schedules: on a measure, thresholds strictly increasing (E0509) and of one kind
/// (E0522), a higher tier not paying less (W0510), and what it pays within the bound on
/// figures (E0530). Each with the span of its clause.
pub fn tiers(
    clauses: &[&PaymentClause],
    cx: &Context,
    cohorts_with_funnels: u64,
    out: &mut Vec<Diagnostic>,
) -> (Vec<model::TierSchedule>, Vec<Span>) {
    let currency = cx.header.currency;
    let mut schedules = Vec::new();
    let mut spans = Vec::new();
    // Measures by name, looked up rather than searched for each schedule.
    let mut measures: foldhash::HashMap<&str, &model::Measure> =
        foldhash::HashMap::with_capacity_and_hasher(cx.measures.len(), Default::default());
    for m in cx.measures {
        measures.entry(m.id.as_str()).or_insert(m);
    }
    // The trigger (the index of its first schedule, if it was checked) of the tier schedule
    // in the clause just before; `None` when that clause is not a tier schedule.
    let mut previous_schedule: Option<Option<usize>> = None;
    let mut written: Vec<either_or::Written> = Vec::new();
    for clause in clauses {
        let PaymentClause::Tiers {
            span,
            measure,
            scope,
            lines,
            alternative,
        } = clause
        else {
            previous_schedule = None;
            continue;
        };
        // An `or tiers` schedule joins the trigger of the schedule directly before it.
        let follows = previous_schedule.take();
        let trigger = match (alternative, follows) {
            (None, _) => None,
            (Some(_), Some(before)) => Some(before),
            (Some(or), None) => {
                out.push(either_or::alone(*or, *span));
                None
            }
        };
        // Until this schedule is checked, a schedule after it is an alternative to nothing
        // that can be counted; the error that stops this one is the one to fix.
        previous_schedule = Some(None);
        if cx.symbols.resolve(measure, &[Kind::Measure], out).is_none() {
            continue;
        }
        let Some(&measure_model) = measures.get(measure.value.as_str()) else {
            continue;
        };
        let errors_before = out.len();
        let mut nothing_below: Option<Threshold> = None;
        let mut tiers: Vec<(Spanned<Threshold>, Spanned<Money>, Option<Money>)> = Vec::new();
        let scope_value = scope.map_or(TierScope::Pooled, |s| s.value);
        let evaluated_cohorts = match scope_value {
            TierScope::Pooled => cohorts_with_funnels.max(1),
            TierScope::PerCohort => 1,
        };
        // What a tier (its amount, and its cap when it pays per unit) pays for a result of
        // `at`: the amount of a step; a per-unit tier's units there at its rate, up to its
        // cap. The tier below pays as much for a result just short of `at` (a step's amount
        // is the same; units are continuous). `None` when units cannot be counted there.
        let level = improvement::comparison_level(measure_model, evaluated_cohorts);
        let paid_at = |at: Threshold,
                       (pays, per_unit): (Money, Option<Money>),
                       (below, below_per_unit): (Money, Option<Money>)|
         -> Option<(i128, i128)> {
            let one = |rate: Money, cap: Option<Money>| match cap {
                None => Some(rate.minor),
                Some(cap) => match at {
                    Threshold::Percent(share) => improvement::pays_for_units(
                        rate.minor,
                        improvement::units_at(level?, share.0)?,
                        cap.minor,
                    ),
                    Threshold::Number(_) => None,
                },
            };
            Some((one(pays, per_unit)?, one(below, below_per_unit)?))
        };
        // The thresholds read the result as the measure's target does: a percentage, or a
        // plain number (the first tier's is checked; the others are held to the first).
        let target = measure_model.target.as_ref().and_then(|t| match t.value {
            model::MeasureValue::Number(n) => Some(Threshold::Number(n)),
            model::MeasureValue::Percent(p) => Some(Threshold::Percent(p)),
            model::MeasureValue::Money(_) => None,
        });
        if let (Some(target), Some(first)) = (target, lines.first()) {
            if !same_kind(target, first.threshold.value) {
                let expected = match target {
                    Threshold::Percent(_) => "a percentage",
                    Threshold::Number(_) => "a plain number",
                };
                out.push(
                    Diagnostic::new(
                        Code::E0522,
                        format!(
                            "the tiers on `{}` start at {}, but its target is {target}",
                            measure.value, first.threshold.value
                        ),
                        first.threshold.span,
                        format!("expected {expected}, like the target"),
                    )
                    .help(format!(
                        "write every threshold as {expected}, as `{}` is measured: the target of {target} is read the same way",
                        measure.value
                    )),
                );
            }
        }
        for (i, line) in lines.iter().enumerate() {
            if let Some(first) = lines.first() {
                if !same_kind(first.threshold.value, line.threshold.value) {
                    out.push(
                        Diagnostic::new(
                            Code::E0522,
                            "the tiers mix percentages and plain numbers",
                            line.threshold.span,
                            "a different kind of threshold",
                        )
                        .also(first.threshold.span, "the first tier's threshold")
                        .help("write every threshold of one schedule the same way, as the measure is measured"),
                    );
                    continue;
                }
            }
            match line.pays {
                None => {
                    if i != 0 {
                        out.push(
                            Diagnostic::new(Code::E0509, "`below ... pays nothing` must be the first tier", line.span, "written after a tier that pays")
                                .help("start the schedule with `below X pays nothing`, then the tiers from the lowest threshold up"),
                        );
                    }
                    nothing_below = Some(line.threshold.value);
                }
                Some(pays) => {
                    // `None` too when the per-unit line is in error: the schedule is then dropped
                    // below, but its other lines are still checked.
                    let per_unit = match line.per_unit {
                        Some(_) => improvement::check_line(
                            line,
                            pays,
                            measure_model,
                            measure.span,
                            evaluated_cohorts,
                            out,
                        ),
                        None => None,
                    };
                    if let Some((previous, previous_pays, previous_per_unit)) = tiers.last() {
                        if previous
                            .value
                            .decimal()
                            .cmp_value(&line.threshold.value.decimal())
                            != std::cmp::Ordering::Less
                        {
                            out.push(
                                Diagnostic::new(
                                    Code::E0509,
                                    format!("tier thresholds must rise: {} comes after {}", line.threshold.value, previous.value),
                                    line.threshold.span,
                                    "not above the tier before",
                                )
                                .also(previous.span, "the tier before")
                                .help("write the tiers from the lowest threshold to the highest, each strictly higher"),
                            );
                        } else if let Some((here, below)) = paid_at(
                            line.threshold.value,
                            (pays.value, per_unit),
                            (previous_pays.value, *previous_per_unit),
                        )
                        .filter(|(here, below)| here < below)
                        {
                            let currency = pays.value.currency;
                            let message = if per_unit.is_none() && previous_per_unit.is_none() {
                                format!(
                                    "the tier from {} pays {}, less than the {} of the tier below it",
                                    line.threshold.value, pays.value, previous_pays.value
                                )
                            } else {
                                format!(
                                    "the tier from {0} pays {1} for a result of {0}, less than the {2} the tier below it pays just short of {0}",
                                    line.threshold.value,
                                    Money::new(here, currency),
                                    Money::new(below, currency)
                                )
                            };
                            out.push(
                                Diagnostic::new(Code::W0510, message, pays.span, "pays less for a better result")
                                    .also(previous_pays.span, "the lower tier pays more")
                                    .help("a higher improvement should pay at least as much, or the provider gains by doing less well"),
                            );
                        }
                    }
                    tiers.push((line.threshold, pays, per_unit));
                }
            }
        }
        if let (Some(below), Some((first, _, _))) = (nothing_below, tiers.first()) {
            if below.decimal().cmp_value(&first.value.decimal()) != std::cmp::Ordering::Equal {
                out.push(
                    Diagnostic::new(
                        Code::E0509,
                        format!("nothing is paid below {below}, but the first tier starts at {}", first.value),
                        first.span,
                        "the first tier",
                    )
                    .help("`below X pays nothing` and the first `from X` tier must name the same threshold, so every result falls in one tier"),
                );
            }
        }
        if tiers.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::E0509,
                    format!("the tiers on `{}` pay nothing", measure.value),
                    *span,
                    "no `from ... pays` tier",
                )
                .help("add at least one tier: `from 10% pays £1,500,000`"),
            );
        }
        if out.len() > errors_before && out[errors_before..].iter().any(Diagnostic::is_error) {
            continue;
        }
        let evaluations = match scope_value {
            TierScope::Pooled => 1,
            TierScope::PerCohort => cohorts_with_funnels.max(1),
        };
        let target = measure_model.target.as_ref().and_then(|t| match t.value {
            model::MeasureValue::Number(n) => Some(n),
            model::MeasureValue::Percent(p) => Some(p.0),
            model::MeasureValue::Money(_) => None,
        });
        let reached = target.and_then(|value| {
            tiers.iter().rev().find(|(from, _, _)| {
                from.value.decimal().cmp_value(&value) != std::cmp::Ordering::Greater
            })
        });
        let at_target = match reached {
            None => 0,
            Some((_, pays, None)) => pays.value.minor,
            Some((_, pays, Some(up_to))) => {
                let planned = improvement::at_plan(
                    measure_model,
                    pays.value.minor,
                    up_to.minor,
                    evaluated_cohorts,
                );
                let Some(planned) = super::exact::figure(
                    planned,
                    currency,
                    || format!("the tier payments on `{}` at plan", measure.value),
                    *span,
                    out,
                ) else {
                    continue;
                };
                planned
            }
        };
        // A tier paid per unit pays at most its cap.
        let top = tiers
            .iter()
            .map(|(_, pays, up_to)| up_to.map_or(pays.value.minor, |cap| cap.minor))
            .max()
            .unwrap_or(0);
        let evaluated = |pays: i128, what: &str, out: &mut Vec<Diagnostic>| {
            super::exact::figure(
                pays.checked_mul(i128::from(evaluations)),
                currency,
                || format!("the tier payments on `{}` {what}", measure.value),
                *span,
                out,
            )
        };
        let (Some(at_plan), Some(maximum)) = (
            evaluated(at_target, "at plan", out),
            evaluated(top, "at most", out),
        ) else {
            continue;
        };
        spans.push(*span);
        let index = schedules.len();
        previous_schedule = Some(Some(trigger.flatten().unwrap_or(index)));
        let either_or = match (alternative, trigger.flatten()) {
            (Some(_), Some(first)) => {
                if let Some(first_schedule) = schedules.get_mut(first) {
                    let first_schedule: &mut model::TierSchedule = first_schedule;
                    first_schedule.either_or = Some(first);
                }
                Some(first)
            }
            _ => None,
        };
        written.push(either_or::Written {
            measure: measure.span,
            scope: scope.map_or(measure.span, |s| s.span),
            first_threshold: tiers.first().map(|(t, _, _)| (t.value, t.span)),
        });
        schedules.push(model::TierSchedule {
            measure: measure.value.clone(),
            scope: scope_value,
            evaluations,
            nothing_below: nothing_below.unwrap_or(tiers[0].0.value),
            tiers: tiers
                .iter()
                .map(|(from, pays, per_unit_up_to)| model::Tier {
                    from: from.value,
                    pays: pays.value,
                    per_unit_up_to: *per_unit_up_to,
                })
                .collect(),
            at_plan: Money::new(at_plan, currency),
            maximum: Money::new(maximum, currency),
            clause: cx.clauses.at(*span),
            either_or,
        });
    }
    // Each trigger, its schedules in the order written.
    let mut triggers: BTreeMap<usize, Vec<(&model::TierSchedule, &either_or::Written)>> =
        BTreeMap::new();
    for (schedule, at) in schedules.iter().zip(&written) {
        if let Some(first) = schedule.either_or {
            triggers.entry(first).or_default().push((schedule, at));
        }
    }
    for group in triggers.values() {
        either_or::check(group, &measures, out);
    }
    (schedules, spans)
}

/// W0508: a paid stage says what evidence proves it.
/// `priced_in` says which funnels have a priced stage: only those are walked.
pub fn evidence(
    funnels: &[model::Funnel],
    priced_in: &[bool],
    pay_spans: &super::PaySpans,
    out: &mut Vec<Diagnostic>,
) {
    let priced = funnels.iter().zip(priced_in).filter(|(_, p)| **p);
    for stage in priced.flat_map(|(f, _)| &f.stages) {
        if stage.price.is_some() && stage.evidence.is_none() {
            let span = pay_spans.get(&stage.id).copied().unwrap_or_default();
            out.push(
                Diagnostic::new(
                    Code::W0508,
                    format!("`{}` is paid for but says no evidence", stage.id),
                    span,
                    "paid here",
                )
                .help(format!(
                    "add `{{ evidence \"...\" }}` to `{}` saying what proves it was reached (a payslip, a tenancy record, a screen result)",
                    stage.id
                )),
            );
        }
    }
}

/// W0518: along the sequence, a later, harder step pays less than the nearest paid step
/// before it — the provider gains by stopping early (creaming).
///
/// The nearest paid steps before each stage are found once for the whole funnel, in the
/// order of the sequence, rather than by walking back from every price: a stage's are its
/// paid predecessors and the nearest paid steps before its unpaid ones. Of them the one that
/// pays most is compared (and named), so the work is in proportion to the funnel.
/// `priced_in` says which funnels have a priced stage: only those can have a ladder.
pub fn ladders(
    funnels: &[model::Funnel],
    priced_in: &[bool],
    pay_spans: &super::PaySpans,
    out: &mut Vec<Diagnostic>,
) {
    for (funnel, _) in funnels.iter().zip(priced_in).filter(|(_, p)| **p) {
        let clock = funnel.clock();
        // For each stage: the nearest paid stage before it that pays most, by position.
        let mut richest_before: Vec<Option<usize>> = vec![None; funnel.stages.len()];
        let pays = |i: usize| funnel.stages[i].price.map(|p| p.minor);
        for &i in clock.order() {
            let mut best: Option<usize> = None;
            for &p in clock.before(i) {
                let candidate = if pays(p).is_some() {
                    Some(p)
                } else {
                    richest_before[p]
                };
                if let Some(c) = candidate {
                    if best.is_none_or(|b| pays(c) > pays(b)) {
                        best = Some(c);
                    }
                }
            }
            richest_before[i] = best;
        }
        for (i, stage) in funnel.stages.iter().enumerate() {
            let (Some(price), Some(e)) = (stage.price, richest_before[i]) else {
                continue;
            };
            let earlier = &funnel.stages[e];
            let Some(earlier_price) = earlier.price else {
                continue;
            };
            if price.minor < earlier_price.minor {
                let span = pay_spans.get(&stage.id).copied().unwrap_or_default();
                let mut diagnostic = Diagnostic::new(
                    Code::W0518,
                    format!(
                        "`{}` pays {price}, less than the {earlier_price} for `{}` before it",
                        stage.id, earlier.id
                    ),
                    span,
                    "the later, harder step pays less",
                )
                .help("pay at least as much for a later step as for an earlier one on the same ladder, so the money follows the harder result");
                if let Some(earlier_span) = pay_spans.get(&earlier.id) {
                    diagnostic = diagnostic.also(*earlier_span, "the earlier step pays more");
                }
                out.push(diagnostic);
            }
        }
    }
}

/// W0519: more than half of the planned outcome payments go to early engagement milestones
/// (the first half of a funnel's sequence, targets excluded).
/// `priced_in` says which funnels have a priced stage: only those pay anything.
pub fn early_weighting(
    funnels: &[model::Funnel],
    priced_in: &[bool],
    pay_spans: &super::PaySpans,
    out: &mut Vec<Diagnostic>,
) {
    for (funnel, _) in funnels.iter().zip(priced_in).filter(|(_, p)| **p) {
        // Too large a payment at plan is an error (E0530) of the figures; the warning waits.
        let planned = |s: &model::Stage| {
            s.price
                .map_or(Some(0), |p| p.minor.checked_mul(i128::from(s.expected)))
        };
        let sum = |stages: &[&model::Stage]| {
            stages
                .iter()
                .try_fold(0_i128, |sum, s| sum.checked_add(planned(s)?))
        };
        let all: Vec<&model::Stage> = funnel.stages.iter().collect();
        let Some(total) = sum(&all) else {
            continue;
        };
        if total <= 0 {
            continue; // nothing paid at plan: no part of it is early
        }
        let depth = depths(funnel);
        let deepest = depth.values().copied().max().unwrap_or(0);
        let early: Vec<&model::Stage> = funnel
            .stages
            .iter()
            .filter(|s| s.kind == StageKind::Milestone && s.price.is_some())
            .filter(|s| 2 * depth.get(s.id.as_str()).copied().unwrap_or(0) <= deepest)
            .collect();
        let Some(early_total) = sum(&early) else {
            continue;
        };
        // Both sums are of payments that are not negative, and the early part of the whole.
        let (Ok(early_unsigned), Ok(total_unsigned)) =
            (u128::try_from(early_total), u128::try_from(total))
        else {
            continue;
        };
        if total_unsigned > 0 && early_unsigned > total_unsigned - early_unsigned {
            let names: Vec<String> = early.iter().map(|s| format!("`{}`", s.id)).collect();
            let Some(share) = crate::value::Percent::of_amounts(early_unsigned, total_unsigned, 0)
            else {
                continue;
            };
            let span = early
                .first()
                .and_then(|s| pay_spans.get(&s.id))
                .copied()
                .unwrap_or_default();
            out.push(
                Diagnostic::new(
                    Code::W0519,
                    format!(
                        "{share} of the planned outcome payments in funnel `{}` go to early engagement ({})",
                        funnel.id,
                        names.join(", ")
                    ),
                    span,
                    "an early milestone",
                )
                .help("weight the payments towards the results that matter (the targets), so the provider is paid for outcomes rather than for engagement"),
            );
        }
    }
}

/// How many steps each stage is from the funnel's entry (the longest way), worked out once
/// in the order of the sequence.
fn depths(funnel: &model::Funnel) -> HashMap<&str, u64> {
    let clock = funnel.clock();
    let mut depth = vec![0_u64; funnel.stages.len()];
    for &i in clock.order() {
        depth[i] = clock
            .before(i)
            .iter()
            .map(|&p| depth[p] + 1)
            .max()
            .unwrap_or(0);
    }
    // Looked up by name, never walked.
    let mut by_id = HashMap::with_capacity_and_hasher(funnel.stages.len(), Default::default());
    for (stage, d) in funnel.stages.iter().zip(depth) {
        by_id.entry(stage.id.as_str()).or_insert(d);
    }
    by_id
}
