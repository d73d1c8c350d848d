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
use super::names::{given_twice, once, Kind, Symbols};
use crate::ast::{self, BiddingClause, Declaration};
use crate::diagnostic::{Code, Diagnostic};
use crate::model;
use crate::source::Span;
use crate::value::Money;
use foldhash::HashMap;
use std::collections::hash_map::Entry;

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
    let (symbols, _) = Symbols::collect(file, &mut ignored);
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
    let (mut ceiling_count, mut floor_count, mut required_count) = (0, 0, 0);
    for clause in &block.clauses {
        match clause {
            BiddingClause::Ceiling { .. } => ceiling_count += 1,
            BiddingClause::Floor { .. } => floor_count += 1,
            BiddingClause::Require { stages, .. } => required_count += stages.len(),
        }
    }
    let mut ceilings = Firsts::with_capacity(ceiling_count);
    let mut floors = Firsts::with_capacity(floor_count);
    let mut required = Firsts::with_capacity(required_count);
    for clause in &block.clauses {
        match clause {
            BiddingClause::Ceiling {
                span,
                amount,
                stage,
            } => {
                if symbols.resolve(stage, &stage_kinds, out).is_some() {
                    let what = || format!("a ceiling on the price of `{}`", stage.value);
                    ceilings.add(&stage.value, *span, amount.value, what, out);
                }
            }
            BiddingClause::Floor { span, count, stage } => {
                let count = people(count, "a floor on the people expected", out);
                if let (Some(_), Some(count)) = (symbols.resolve(stage, &stage_kinds, out), count) {
                    let what = || format!("a floor on the people expected at `{}`", stage.value);
                    floors.add(&stage.value, *span, count, what, out);
                }
            }
            BiddingClause::Require { stages, .. } => {
                for stage in stages {
                    if symbols.resolve(stage, &stage_kinds, out).is_some() {
                        let what = || format!("the requirement to price `{}`", stage.value);
                        required.add(&stage.value, stage.span, (), what, out);
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
    // A ceiling or a required stage needs a price to hold a bid's against (E0708).
    let unpriced_in = |stage: &str, span: Span, own: Option<&Money>, out: &mut Vec<Diagnostic>| {
        let missing = contract.is_some() && own.is_none();
        if missing {
            out.push(unpriced(stage, span));
        }
        missing
    };
    for (stage, span, ceiling) in ceilings.rules {
        let own = prices.get(stage);
        if unpriced_in(stage, span, own, out) {
            continue;
        }
        if let Some(&own) = own {
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
    for (stage, span, floor) in floors.rules {
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
    for (stage, span, ()) in required.rules {
        if unpriced_in(stage, span, prices.get(stage), out) {
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

/// The first rule of one kind on each stage, in the order written; each further one on the
/// same stage is E0203. Found in a hash map of the stages: an ordered map compares names at
/// every level of its tree, each a read of memory far from the last once the rules outgrow
/// the caches.
struct Firsts<'c, T> {
    seen: HashMap<&'c str, Span>,
    rules: Vec<(&'c str, Span, T)>,
}

impl<'c, T> Firsts<'c, T> {
    fn with_capacity(rules: usize) -> Self {
        Firsts {
            seen: HashMap::with_capacity_and_hasher(rules, Default::default()),
            rules: Vec::with_capacity(rules),
        }
    }

    fn add(
        &mut self,
        stage: &'c str,
        span: Span,
        value: T,
        what: impl FnOnce() -> String,
        out: &mut Vec<Diagnostic>,
    ) {
        match self.seen.entry(stage) {
            Entry::Occupied(first) => out.push(given_twice(&what(), span, *first.get())),
            Entry::Vacant(room) => {
                room.insert(span);
                self.rules.push((stage, span, value));
            }
        }
    }
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
