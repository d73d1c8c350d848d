//! The contract header: parties, term, referral window, currency and funding limit.

use super::names::once;
use crate::ast::{self, ContractClause};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{ReferralProfile, ReferralWindow, Term};
use crate::source::{Span, Spanned, Str};
use crate::value::{Currency, Money};

/// The header once checked.
#[derive(Debug, Clone)]
pub struct Header {
    pub title: Str,
    pub commissioners: Vec<Str>,
    pub providers: Vec<Str>,
    pub term: Term,
    pub referrals: Option<ReferralWindow>,
    pub referral_profile: Option<ReferralProfile>,
    /// Whether a `referrals` clause was written but is wrong (E0402): dates that follow from
    /// the referral window are then not checked, rather than checked against the term.
    pub referrals_invalid: bool,
    pub currency: Currency,
    pub funding_limit: Money,
    pub funding_limit_span: Span,
    pub boundaries: Vec<Str>,
}

/// Check the one `contract` block. `None` when there is none, or when a required part is
/// missing (each reported).
pub fn check(parts: &ast::ByKind, out: &mut Vec<Diagnostic>) -> Option<Header> {
    let Some(contract) = once(&parts.contracts, |c| c.keyword, "the `contract` block", out) else {
        require_header(parts, out);
        return None;
    };
    let heading = contract.keyword.to(contract.title.span);

    let mut commissioners = Vec::new();
    let mut providers = Vec::new();
    let mut boundaries = Vec::new();
    let mut terms = Vec::new();
    let mut referrals = Vec::new();
    let mut profiles = Vec::new();
    let mut currencies = Vec::new();
    let mut limits = Vec::new();
    for clause in &contract.clauses {
        match clause {
            ContractClause::Commissioner(t) => commissioners.push(t.value.clone()),
            ContractClause::Provider(t) => providers.push(t.value.clone()),
            ContractClause::Boundary(t) => boundaries.push(t.value.clone()),
            ContractClause::Term {
                keyword,
                start,
                end,
            } => terms.push((*keyword, start, end)),
            ContractClause::Referrals {
                keyword,
                from,
                until,
            } => referrals.push((*keyword, from, until)),
            ContractClause::ReferralProfile {
                keyword,
                period,
                shares,
            } => profiles.push((*keyword, period, shares)),
            ContractClause::Currency { keyword, code } => currencies.push((*keyword, code)),
            ContractClause::FundingLimit { keyword, amount } => limits.push((*keyword, amount)),
        }
    }

    let mut missing = |what: &str, example: &str| {
        out.push(
            Diagnostic::new(
                Code::E0204,
                format!("the contract has no {what}"),
                heading,
                format!("{what} missing"),
            )
            .help(format!("add `{example}` inside the `contract` block")),
        );
    };
    if commissioners.is_empty() {
        missing("`commissioner`", "commissioner \"Name of the council\"");
    }
    if providers.is_empty() {
        missing("`provider`", "provider \"Name of the provider\"");
    }
    if terms.is_empty() {
        missing("`term`", "term 2026-04-01 to 2027-03-31");
    }
    if limits.is_empty() {
        missing("`funding limit`", "funding limit £120,000");
    }

    let term = once(&terms, |t| t.0, "`term`", out)
        .and_then(|(_, start, end)| check_term(start, end, out));
    let referral_window =
        once(&referrals, |r| r.0, "`referrals`", out).and_then(|(_, from, until)| {
            term.and_then(|term| check_referrals(term, from.as_ref(), until, out))
        });
    let limit = once(&limits, |l| l.0, "`funding limit`", out).map(|(_, amount)| *amount);
    let profile = once(&profiles, |p| p.0, "`referrals per`", out);
    let referral_profile = match (profile, term) {
        (Some((keyword, period, shares)), Some(term)) => {
            let window = referral_window.unwrap_or(ReferralWindow {
                from: term.start,
                until: term.end,
            });
            check_profile(*keyword, period, shares, window, out)
        }
        _ => None,
    };

    once(&currencies, |c| c.0, "`currency`", out);
    let (currency, _) = currency(parts)?;
    let limit = limit?;
    Some(Header {
        title: contract.title.value.clone(),
        commissioners,
        providers,
        term: term?,
        referrals_invalid: !referrals.is_empty() && referral_window.is_none(),
        referrals: referral_window,
        referral_profile,
        currency,
        funding_limit: limit.value,
        funding_limit_span: limit.span,
        boundaries,
    })
}

/// A file without a `contract` block may hold shared outcomes, cohorts and measures, but
/// funnels, payments and monitoring belong to a contract.
fn require_header(parts: &ast::ByKind, out: &mut Vec<Diagnostic>) {
    // The first of them in the file.
    let needs_header = [
        parts.funnels.first().map(|f| (f.keyword, "funnels")),
        parts.payments.first().map(|p| (p.keyword, "payments")),
        parts.monitoring.first().map(|m| (m.keyword, "monitoring")),
        parts.bidding.first().map(|b| (b.keyword, "bidding rules")),
    ]
    .into_iter()
    .flatten()
    .min_by_key(|(span, _)| span.start);
    if let Some((span, what)) = needs_header {
        out.push(
            Diagnostic::new(
                Code::E0205,
                format!("this file has {what} but no `contract` block"),
                span,
                "belongs to a contract",
            )
            .help(
                "add a `contract \"Title\" { commissioner \"...\" provider \"...\" term ... funding limit ... }` \
                 block at the top of the file",
            ),
        );
    }
}

/// term start < end (E0401).
fn check_term(
    start: &Spanned<crate::value::Date>,
    end: &Spanned<crate::value::Date>,
    out: &mut Vec<Diagnostic>,
) -> Option<Term> {
    if end.value <= start.value {
        let relation = if end.value == start.value {
            "on the day"
        } else {
            "before"
        };
        out.push(
            Diagnostic::new(
                Code::E0401,
                format!("the term ends on {}, {relation} it starts", end.value),
                end.span,
                "the end of the term",
            )
            .also(start.span, "the start of the term")
            .help("write the start date first: `term START to END`, with END after START"),
        );
        return None;
    }
    Some(Term {
        start: start.value,
        end: end.value,
    })
}

/// The referral window lies inside the term and does not run backwards (E0402).
fn check_referrals(
    term: Term,
    from: Option<&Spanned<crate::value::Date>>,
    until: &Spanned<crate::value::Date>,
    out: &mut Vec<Diagnostic>,
) -> Option<ReferralWindow> {
    let before = out.len();
    let outside = |date: &Spanned<crate::value::Date>, what: &str| {
        let side = if date.value < term.start {
            "before the term starts"
        } else {
            "after the term ends"
        };
        Diagnostic::new(
            Code::E0402,
            format!("referrals {what} {}, {side}", date.value),
            date.span,
            format!("outside the term {} to {}", term.start, term.end),
        )
        .help("the referral window must lie inside the contract term; move the date or extend the term")
    };
    if until.value < term.start || until.value > term.end {
        out.push(outside(until, "close on"));
    }
    if let Some(from) = from {
        if from.value < term.start || from.value > term.end {
            out.push(outside(from, "open on"));
        } else if from.value > until.value {
            out.push(
                Diagnostic::new(
                    Code::E0402,
                    format!(
                        "referrals open on {}, after they close on {}",
                        from.value, until.value
                    ),
                    from.span,
                    "opens here",
                )
                .also(until.span, "closes here")
                .help("write `referrals from OPEN until CLOSE` with OPEN on or before CLOSE"),
            );
        }
    }
    (out.len() == before).then(|| ReferralWindow {
        from: from.map_or(term.start, |f| f.value),
        until: until.value,
    })
}

/// A referral profile has one share for each period of the referral window, none negative,
/// adding up to 100% (E0524).
fn check_profile(
    keyword: Span,
    period: &Spanned<crate::value::Period>,
    shares: &[Spanned<crate::value::Percent>],
    window: ReferralWindow,
    out: &mut Vec<Diagnostic>,
) -> Option<ReferralProfile> {
    let before = out.len();
    let periods = period.value.count_in(window.from, window.until);
    let word = period.value.word();
    let span = shares
        .first()
        .zip(shares.last())
        .map_or(keyword, |(first, last)| first.span.to(last.span));
    if shares.len() as u64 != periods {
        let plural = if periods == 1 { "" } else { "s" };
        out.push(
            Diagnostic::new(
                Code::E0524,
                format!(
                    "the referral profile gives {} shares, but referrals from {} until {} run over {periods} {word}{plural}",
                    shares.len(),
                    window.from,
                    window.until
                ),
                span,
                format!("{} shares", shares.len()),
            )
            .help(format!(
                "give one share for each {word} of the referral window, counted from {}, such as `referrals per {word} {}`",
                window.from,
                example_shares(periods)
            )),
        );
    }
    for share in shares {
        if share.value.0.mantissa < 0 {
            out.push(
                Diagnostic::new(
                    Code::E0524,
                    format!("a referral share of {} is below zero", share.value),
                    share.span,
                    "negative share",
                )
                .help("a period with no referrals has a share of `0%`"),
            );
        }
    }
    let micro = |p: &crate::value::Percent| {
        let scale = p.0.scale.min(6);
        p.0.mantissa.saturating_mul(10_i128.pow(6 - scale))
    };
    let total: i128 = shares
        .iter()
        .map(|s| micro(&s.value))
        .fold(0, i128::saturating_add);
    if total != 100_000_000 && shares.len() as u64 == periods {
        let sum = crate::value::Percent(crate::value::Decimal {
            mantissa: total,
            scale: 6,
        });
        out.push(
            Diagnostic::new(
                Code::E0524,
                format!("the referral shares add up to {}, not 100%", trimmed(sum)),
                span,
                "these shares",
            )
            .help("the shares say what part of all referrals each period brings: make them add up to 100%"),
        );
    }
    (out.len() == before).then(|| ReferralProfile {
        period: period.value,
        shares: shares.iter().map(|s| s.value).collect(),
    })
}

/// `33.330000%` → `33.33%`.
fn trimmed(percent: crate::value::Percent) -> crate::value::Percent {
    let mut d = percent.0;
    while d.scale > 0 && d.mantissa % 10 == 0 {
        d.mantissa /= 10;
        d.scale -= 1;
    }
    crate::value::Percent(d)
}

/// Even shares for `n` periods, as an example to write: `25%, 25%, 25%, 25%`.
fn example_shares(n: u64) -> String {
    match n {
        0 => "100%".to_string(),
        1..=12 => {
            let each = 100 / n;
            let mut parts = vec![format!("{each}%"); n as usize];
            if let Some(last) = parts.last_mut() {
                *last = format!("{}%", 100 - each * (n - 1));
            }
            parts.join(", ")
        }
        _ => format!("… ({n} shares)"),
    }
}

/// Every amount of money the contract pays or limits must be in its one currency (E0501)
/// and not negative (E0502); whether any is not.
pub fn check_amounts(
    amounts: &[Spanned<Money>],
    currency: Currency,
    currency_span: Span,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let first_new = out.len();
    for amount in amounts {
        if amount.value.currency != currency {
            out.push(
                Diagnostic::new(
                    Code::E0501,
                    format!(
                        "`{}` is in {}, but this contract is in {}",
                        amount.value, amount.value.currency.code, currency.code
                    ),
                    amount.span,
                    format!("in {}", amount.value.currency.code),
                )
                .also(
                    currency_span,
                    format!("the contract's currency, {}, is set here", currency.code),
                )
                .help(format!(
                    "write every amount in {}; convert it at the rate the commissioner has agreed",
                    currency.code
                )),
            );
        }
        if amount.value.minor < 0 {
            out.push(
                Diagnostic::new(
                    Code::E0502,
                    format!("`{}` is a negative amount", amount.value),
                    amount.span,
                    "below zero",
                )
                .help("prices, fees, caps and the funding limit are amounts of zero or more; remove the `-`"),
            );
        }
    }
    out.len() > first_new
}

/// The contract's one currency and where it is set: the first `currency` clause if there is
/// one, else the first funding limit. Known even when other parts of the header are wrong,
/// so that amounts are always checked.
pub fn currency(parts: &ast::ByKind) -> Option<(Currency, Span)> {
    let contract = parts.contracts.first()?;
    let declared = contract.clauses.iter().find_map(|c| match c {
        ContractClause::Currency { code, .. } => {
            Some((Currency::from_code(&code.value)?, code.span))
        }
        _ => None,
    });
    declared.or_else(|| {
        contract.clauses.iter().find_map(|c| match c {
            ContractClause::FundingLimit { amount, .. } => {
                Some((amount.value.currency, amount.span))
            }
            _ => None,
        })
    })
}
