//! Every figure is exact or refused (E0530).
//!
//! Figures are integer minor units in `i128`. Each is computed with checked arithmetic (a sum
//! or product that overflows is `None`) and then held to the bound every figure keeps to,
//! `value::FIGURE_LIMIT_MAJOR` (10^15 major units). A figure that overflowed or is beyond the
//! bound is reported once, naming the figure, on the clause that drives it, and the figures
//! stop there: no wrapped, saturated or partial number reaches the model.
//!
//! With every figure within the bound (below 10^17 minor units), the difference of two
//! figures, a figure times any count or percentage a contract can write, and a sum of
//! figures over the clauses of a file all fit in `i128` with room to spare; the checks make
//! that true by construction rather than by argument.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::value::{Currency, Money};

/// `value` as a figure: `Some` when it was computed without overflow and is within the
/// bound; otherwise E0530 naming `what` (such as "the maximum exposure") on `span`, and
/// `None`.
pub fn figure(
    value: Option<i128>,
    currency: Currency,
    what: impl FnOnce() -> String,
    span: Span,
    out: &mut Vec<Diagnostic>,
) -> Option<i128> {
    match value {
        Some(minor) if Money::new(minor, currency).within_limit() => Some(minor),
        _ => {
            out.push(too_large(&what(), currency, span));
            None
        }
    }
}

/// The sum of amounts as a figure, each amount with the clause that drives it; when the sum
/// is too large, E0530 is placed on the clause of the largest amount (the one to look at
/// first).
pub fn total(
    amounts: impl IntoIterator<Item = (i128, Span)>,
    currency: Currency,
    what: impl FnOnce() -> String,
    out: &mut Vec<Diagnostic>,
) -> Option<Sum> {
    let mut sum = Some(0_i128);
    let mut largest: Option<(i128, Span)> = None;
    for (amount, span) in amounts {
        sum = sum.and_then(|s| s.checked_add(amount));
        if largest.is_none_or(|(most, _)| amount.unsigned_abs() > most.unsigned_abs()) {
            largest = Some((amount, span));
        }
    }
    let driver = largest.map_or_else(Span::default, |(_, span)| span);
    let minor = figure(sum, currency, what, driver, out)?;
    Some(Sum { minor, driver })
}

/// A sum and the clause that contributes most to it.
#[derive(Debug, Clone, Copy)]
pub struct Sum {
    pub minor: i128,
    pub driver: Span,
}

/// E0530: a figure too large to compute exactly.
pub fn too_large(what: &str, currency: Currency, span: Span) -> Diagnostic {
    let limit = Money::limit(currency);
    Diagnostic::new(
        Code::E0530,
        format!("{what} is too large to compute exactly: more than {limit}"),
        span,
        "this makes the figure too large",
    )
    .help(format!(
        "every figure the contract implies (a participant's earnings, a cohort's maximum, the planned total, the maximum exposure) must be at most {limit}; check the counts and amounts here for a slip of the keyboard"
    ))
}
