//! `pay for at most 5 in 6 families`, `pay for at most 500 families`: a limit on how many of a
//! cohort's participants are paid for.
//!
//! Takes the `payments` clauses and the cohorts; hands on, per cohort, the number of
//! participants that can be paid for. A share (`5 in 6`) is of the cohort's size, rounded
//! down to whole participants. The limit is unlike `deadweight`, which pays every participant
//! a part of each payment: here the first participants are paid in full and the rest nothing
//! (the monitoring report takes them in order of the date their first payable result was
//! reached). So the maximum counts only the participants that can be paid, and the plan pays
//! the limited number out of those planned to earn something, each a fair sample of them.

use super::ClauseAt;
use crate::ast::PaymentClause;
use crate::check::cohort_names::CohortNames;
use crate::check::names::{once, Kind, Symbols};
use crate::diagnostic::{Code, Diagnostic};
use crate::model;
use crate::source::{Span, Spanned};
use crate::value::Decimal;

/// A limit as written: its clause, `most` and `in every`.
type Written<'a> = (Span, &'a Spanned<Decimal>, Option<&'a Spanned<Decimal>>);

/// Each limit, checked, with the span of its clause and the place of its cohort
/// (`cohort_names`), in the order written.
pub fn participant_limits(
    clauses: &[&PaymentClause],
    symbols: &Symbols,
    cohorts: &[model::Cohort],
    cohort_names: &CohortNames,
    source: &ClauseAt,
    out: &mut Vec<Diagnostic>,
) -> Vec<(model::ParticipantLimit, Span, usize)> {
    // The clauses by the place of the cohort they limit, so that a second one for a cohort
    // is E0203, and the places in the order first limited. By place, each cohort's name is
    // looked up once: an ordered map by name compared a dozen names a clause, each read
    // from memory past the caches for tens of thousands of cohorts.
    let mut by_cohort: Vec<Vec<Written>> = Vec::new();
    let mut order: Vec<(usize, &str)> = Vec::new();
    for clause in clauses {
        let PaymentClause::ParticipantLimit {
            span,
            most,
            in_every,
            cohort,
        } = clause
        else {
            continue;
        };
        if symbols.resolve(cohort, &[Kind::Cohort], out).is_none() {
            continue;
        }
        // A name that resolves to a cohort is one of `cohorts`, whose places these are.
        let Some(place) = cohort_names.of(&cohort.value) else {
            continue;
        };
        if by_cohort.is_empty() {
            by_cohort.resize_with(cohort_names.places(), Vec::new);
        }
        let written = &mut by_cohort[place];
        if written.is_empty() {
            order.push((place, cohort.value.as_str()));
        }
        written.push((*span, most, in_every.as_ref()));
    }
    let mut limits = Vec::new();
    if order.is_empty() {
        return limits;
    }
    let sizes = cohort_names.by_place(cohorts.iter().map(|c| c.size), None);
    for (place, name) in order {
        let what = format!("a limit on the participants of `{name}` paid for");
        let Some(&(span, most, in_every)) = once(&by_cohort[place], |w| w.0, &what, out) else {
            continue;
        };
        if let Some(limit) = one(name, span, most, in_every, sizes[place], out) {
            limits.push((
                model::ParticipantLimit {
                    cohort: name.into(),
                    most: limit.most,
                    in_every: limit.in_every,
                    paid: limit.paid,
                    clause: source.at(span),
                },
                span,
                place,
            ));
        }
    }
    limits
}

struct Limit {
    most: u64,
    in_every: Option<u64>,
    paid: u64,
}

/// A whole number of at least one, or `None`.
fn whole(number: &Spanned<Decimal>) -> Option<u64> {
    let value = number.value;
    if !value.is_whole() || value.mantissa <= 0 {
        return None;
    }
    u64::try_from(value.trunc()).ok()
}

fn written(most: &Spanned<Decimal>, in_every: Option<&Spanned<Decimal>>) -> String {
    match in_every {
        Some(n) => format!("{} in {}", most.value, n.value),
        None => most.value.to_string(),
    }
}

fn one(
    cohort: &str,
    span: Span,
    most: &Spanned<Decimal>,
    in_every: Option<&Spanned<Decimal>>,
    size: Option<u64>,
    out: &mut Vec<Diagnostic>,
) -> Option<Limit> {
    let text = written(most, in_every);
    let not_whole = [Some(most), in_every]
        .into_iter()
        .flatten()
        .find(|n| whole(n).is_none());
    if let Some(number) = not_whole {
        out.push(
            Diagnostic::new(
                Code::E0550,
                format!("`pay for at most {text} {cohort}` pays for no whole number of participants"),
                number.span,
                "expected a whole number of at least 1",
            )
            .help("write how many participants are paid for, such as `pay for at most 500 families`, or a share of the cohort, such as `pay for at most 5 in 6 families`"),
        );
        return None;
    }
    let most_n = whole(most)?;
    let in_every_n = match in_every {
        Some(n) => Some(whole(n)?),
        None => None,
    };
    let paid = match (in_every_n, size) {
        (Some(every), _) if most_n > every => {
            out.push(
                Diagnostic::new(
                    Code::E0551,
                    format!("`{text}` is more than every participant of `{cohort}`"),
                    span,
                    format!("{most_n} of every {every} is more than all of them"),
                )
                .help(format!(
                    "the first number is how many of every second are paid for: did you mean `pay for at most {every} in {most_n} {cohort}`?"
                )),
            );
            return None;
        }
        (Some(every), Some(size)) => {
            // Both below 2^64: the product fits in 128 bits, the quotient is at most `size`.
            let paid = (u128::from(size) * u128::from(most_n) / u128::from(every)) as u64;
            if paid == 0 {
                out.push(
                    Diagnostic::new(
                        Code::E0550,
                        format!("`{text}` of the {size} participants of `{cohort}` is fewer than one participant"),
                        span,
                        "pays for nobody",
                    )
                    .help("a share of the cohort is rounded down to whole participants: raise the share, or write how many are paid for"),
                );
                return None;
            }
            if most_n == every {
                never_binds(cohort, &text, span, size, out);
            }
            paid
        }
        (Some(_), None) => {
            out.push(
                Diagnostic::new(
                    Code::E0553,
                    format!("`{text}` of `{cohort}` is a share of a cohort with no size"),
                    span,
                    "a share of how many participants?",
                )
                .help(format!(
                    "give `{cohort}` a `size`, or write how many participants are paid for: `pay for at most 500 {cohort}`"
                )),
            );
            return None;
        }
        (None, Some(size)) if most_n > size => {
            out.push(
                Diagnostic::new(
                    Code::E0552,
                    format!("`pay for at most {most_n} {cohort}` is more than the {size} participants `{cohort}` can hold"),
                    span,
                    "above the cohort's size",
                )
                .help(format!(
                    "a limit above the cohort's size limits nothing: lower it to at most {size}, or correct the cohort's size"
                )),
            );
            return None;
        }
        (None, Some(size)) => {
            if most_n == size {
                never_binds(cohort, &text, span, size, out);
            }
            most_n
        }
        (None, None) => most_n,
    };
    Some(Limit {
        most: most_n,
        in_every: in_every_n,
        paid,
    })
}

/// W0555: the limit is the whole cohort.
fn never_binds(cohort: &str, text: &str, span: Span, size: u64, out: &mut Vec<Diagnostic>) {
    out.push(
        Diagnostic::new(
            Code::W0555,
            format!(
                "`pay for at most {text} {cohort}` pays for all {size} participants of `{cohort}`"
            ),
            span,
            "this limit never applies",
        )
        .help("lower the limit to the participants meant to be paid for, or remove it"),
    );
}

/// The participants planned to earn something in a cohort and those of them paid for: the
/// plan pays `paid ÷ earning` of the cohort's planned payments when the limit binds.
pub fn paid_at_plan(limit: Option<u64>, earning: u64) -> u64 {
    limit.map_or(earning, |paid| paid.min(earning))
}
