//! The `bidding` block of a specification: the ceilings on prices, the floors on expected
//! counts and the stages every bid must price.
//!
//! Takes the block and the checked contract it belongs to; hands on the `Rules`, which
//! `evaluate` holds each bid against. A rule names a stage of the contract (E0202, E0206); a
//! ceiling or a required stage names one the contract prices (E0708), since a bid can only
//! price what the specification pays for; a rule is stated once per stage (E0203). The
//! specification's own indicative figures are held to its rules too: one outside them is a
//! warning (W0720), as no bid copying it could be accepted.

use super::funnel::people;
use super::names::{once, Kind, Symbols};
use crate::ast::{self, BiddingClause, Declaration};
use crate::diagnostic::{Code, Diagnostic};
use crate::model;
use crate::source::Span;
use crate::value::Money;
use foldhash::HashMap;

/// The rules of a specification, each with the span of the clause that states it.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// The most a bid may ask for a stage.
    pub ceilings: Vec<Rule<Money>>,
    /// The fewest people a bid may expect at a stage.
    pub floors: Vec<Rule<u64>>,
    /// The stages every bid must price, with the span of each name.
    pub required: Vec<Rule<()>>,
}

/// One rule on one stage.
#[derive(Debug, Clone)]
pub struct Rule<T> {
    pub stage: String,
    pub value: T,
    /// The clause (or, for a required stage, the name) that states it.
    pub span: Span,
}

/// The rules of `file`'s `bidding` block, or `None` when it has none (it is no
/// specification). For a specification that checked clean: its diagnostics are not repeated.
pub fn rules_of(file: &ast::File, contract: &model::Contract) -> Option<Rules> {
    let mut ignored = Vec::new();
    let parts = file.by_kind();
    if parts.bidding.is_empty() {
        return None;
    }
    let symbols = Symbols::collect(file, &parts, &mut ignored);
    Some(check(
        &parts.bidding,
        &symbols,
        Some(contract),
        &mut ignored,
    ))
}

/// Check the `bidding` block (at most one, E0203) against the names of the file and, when it
/// checked clean, the contract.
pub fn check(
    blocks: &[&ast::Bidding],
    symbols: &Symbols,
    contract: Option<&model::Contract>,
    out: &mut Vec<Diagnostic>,
) -> Rules {
    let mut rules = Rules::default();
    let Some(block) = once(blocks, |b| b.keyword, "the `bidding` block", out) else {
        return rules;
    };
    let stage_kinds = [Kind::Milestone, Kind::Target];
    // The rules by stage, in hash maps: an ordered map compares names at every level of its
    // tree, each a read of memory far from the last once the rules outgrow the caches. The
    // order the maps are walked in does not show: the rules are put in the order written
    // below, and the diagnostics by where they are (`diagnostic::sort`).
    let mut ceilings: HashMap<&str, Vec<(Span, Money)>> = HashMap::default();
    let mut floors: HashMap<&str, Vec<(Span, u64)>> = HashMap::default();
    let mut required: HashMap<&str, Vec<Span>> = HashMap::default();
    for clause in &block.clauses {
        match clause {
            BiddingClause::Ceiling {
                span,
                amount,
                stage,
            } => {
                if symbols.resolve(stage, &stage_kinds, out).is_some() {
                    ceilings
                        .entry(&stage.value)
                        .or_default()
                        .push((*span, amount.value));
                }
            }
            BiddingClause::Floor { span, count, stage } => {
                let count = people(count, "a floor on the people expected", out);
                if let (Some(_), Some(count)) = (symbols.resolve(stage, &stage_kinds, out), count) {
                    floors.entry(&stage.value).or_default().push((*span, count));
                }
            }
            BiddingClause::Require { stages, .. } => {
                for stage in stages {
                    if symbols.resolve(stage, &stage_kinds, out).is_some() {
                        required.entry(&stage.value).or_default().push(stage.span);
                    }
                }
            }
        }
    }
    // Each stage's price and expected count, looked up once per rule rather than searched,
    // in hash maps: never walked, and an ordered map's lookups grow with the log of the stages.
    let prices: HashMap<&str, Money> = contract
        .iter()
        .flat_map(|c| &c.payments.prices)
        .map(|p| (p.stage.as_str(), p.amount))
        .collect();
    let counts: HashMap<&str, u64> = contract
        .iter()
        .flat_map(|c| model::stage_places(&c.funnels))
        .map(|(_, _, s)| (s.id.as_str(), s.expected))
        .collect();
    let priced = |stage: &str, span: Span, out: &mut Vec<Diagnostic>| {
        contract.is_none() || prices.contains_key(stage) || {
            out.push(unpriced(stage, span));
            false
        }
    };
    for (stage, written) in &ceilings {
        let what = format!("a ceiling on the price of `{stage}`");
        let Some(&(span, ceiling)) = once(written, |w| w.0, &what, out) else {
            continue;
        };
        if !priced(stage, span, out) {
            continue;
        }
        if let Some(&own) = prices.get(stage) {
            if own.currency == ceiling.currency && own.minor > ceiling.minor {
                out.push(
                    Diagnostic::new(
                        Code::W0720,
                        format!(
                            "the specification pays {own} for `{stage}`, above its own ceiling of {ceiling}"
                        ),
                        span,
                        format!("no bid may ask more than {ceiling}"),
                    )
                    .help(format!(
                        "lower the indicative price to at most {ceiling}, or raise the ceiling"
                    )),
                );
            }
        }
        rules.ceilings.push(Rule {
            stage: stage.to_string(),
            value: ceiling,
            span,
        });
    }
    for (stage, written) in &floors {
        let what = format!("a floor on the people expected at `{stage}`");
        let Some(&(span, floor)) = once(written, |w| w.0, &what, out) else {
            continue;
        };
        if let Some(&own) = counts.get(stage).filter(|own| **own < floor) {
            out.push(
                Diagnostic::new(
                    Code::W0720,
                    format!(
                        "the specification expects {own} at `{stage}`, below its own floor of {floor}"
                    ),
                    span,
                    format!("no bid may expect fewer than {floor}"),
                )
                .help(format!(
                    "raise the indicative count to at least {floor}, or lower the floor"
                )),
            );
        }
        rules.floors.push(Rule {
            stage: stage.to_string(),
            value: floor,
            span,
        });
    }
    for (stage, written) in &required {
        let what = format!("the requirement to price `{stage}`");
        let Some(&span) = once(written, |w| *w, &what, out) else {
            continue;
        };
        if !priced(stage, span, out) {
            continue;
        }
        rules.required.push(Rule {
            stage: stage.to_string(),
            value: (),
            span,
        });
    }
    // In the order written, so that a bid's diagnostics follow the specification.
    rules.ceilings.sort_by_key(|r| r.span);
    rules.floors.sort_by_key(|r| r.span);
    rules.required.sort_by_key(|r| r.span);
    rules
}

/// E0708: a rule at `span` on `stage`, which the contract does not price.
fn unpriced(stage: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
                Code::E0708,
                format!("`{stage}` has no price in the specification, so bids cannot price it"),
                span,
                "a rule on a price the specification does not pay",
            )
            .help(format!(
                "add `pay AMOUNT for {stage}` to the `payments` block as the indicative price, or drop the rule"
            ))
}

/// A bid stands alone in its file: any other declaration beside it is E0702, a second bid
/// E0203.
pub fn lone_bid(file: &ast::File, out: &mut Vec<Diagnostic>) {
    let bids: Vec<&ast::Bid> = file
        .declarations
        .iter()
        .filter_map(|d| match d {
            Declaration::Bid(b) => Some(b),
            _ => None,
        })
        .collect();
    let Some(bid) = once(&bids, |b| b.keyword, "a `bid`", out) else {
        return;
    };
    for declaration in &file.declarations {
        let keyword = match declaration {
            Declaration::Bid(_) => continue,
            Declaration::Use(d) => d.keyword,
            Declaration::Contract(d) => d.keyword,
            Declaration::Outcome(d) => d.keyword,
            Declaration::Cohort(d) => d.keyword,
            Declaration::Funnel(d) => d.keyword,
            Declaration::Measure(d) => d.keyword,
            Declaration::Payments(d) => d.keyword,
            Declaration::Monitoring(d) => d.keyword,
            Declaration::Bidding(d) => d.keyword,
        };
        out.push(
            Diagnostic::new(
                Code::E0702,
                "a bid file holds its bid and nothing else",
                keyword,
                "not allowed beside a bid",
            )
            .also(bid.keyword, "the bid")
            .help(
                "a bid states its prices and expected counts; everything else comes from its \
                 specification, so move this declaration there",
            ),
        );
    }
}

/// A bid checked on its own, with no folder to find its specification in: the bid's
/// structure is checked, and its specification cannot be read (E0208).
pub fn bid_alone(file: &ast::File, bids: &[&ast::Bid], out: &mut Vec<Diagnostic>) {
    let Some(bid) = bids.first() else {
        return;
    };
    lone_bid(file, out);
    out.push(
        Diagnostic::new(
            Code::E0208,
            format!(
                "the specification `{}` cannot be read here",
                bid.specification.value
            ),
            bid.specification.span,
            "no folder to look in",
        )
        .help("check the bid from its file, with `outcome check` or `outcome evaluate`, so that its specification is found next to it"),
    );
}
