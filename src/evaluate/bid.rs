//! One bid, checked: the specification with the bid's figures in place, through the ordinary
//! checker, then held against the specification's bidding rules.
//!
//! Takes the bid's file and syntax tree and the specification (its file, syntax tree, checked
//! contract and a way to find the files it uses); hands on a `Compiled` whose contract is the
//! specification as the bid would make it, and whose diagnostics are all placed in the bid.
//!
//! The bid's prices replace the specification's rate card: each `pay` of the bid takes the
//! place of the specification's `pay` for the same stage (its `due` kept unless the bid states
//! one), and a stage the bid does not price is not paid for. Each `expected` replaces a
//! stage's expected count; the stated conversion factors of a funnel whose counts the bid
//! changes are dropped, so the factors are those the bid's counts give. The bidder becomes the
//! provider. Nothing else of the specification changes.
//!
//! The merged contract is the specification's text with some values changed, so every span
//! the checker gives is a span of the specification. A diagnostic about a value the bid wrote
//! is moved onto the bid's text; any other (a funnel that widens further on, a maximum above
//! the funding limit) is placed on the bidder's name. Every label left in the specification
//! stays there, as a label in that file (`Diagnostic::related`), and its line is named in the
//! help too, for the outputs that show one place per diagnostic. Likewise each rule a bid
//! breaks points at the clause of the specification that states it.

use crate::ast::{self, ContractClause, Declaration, PaymentClause};
use crate::check::bidding::{lone_bid, rules_of, Rules};
use crate::check::Resolve;
use crate::diagnostic::{self, did_you_mean, Code, Diagnostic, Label, Related};
use crate::model;
use crate::source::{SourceFile, Span, Spanned};
use crate::value::Money;
use crate::{compile_ast, Compiled};
use std::collections::{BTreeMap, BTreeSet};

/// The specification a bid names, read and checked.
pub struct Specification<'a> {
    pub file: &'a SourceFile,
    pub tree: &'a ast::File,
    pub compiled: &'a Compiled,
    /// Finds the files the specification `use`s.
    pub resolve: &'a mut Resolve<'a>,
}

/// Check the bid in `tree` against its specification, or against the
/// diagnostic that says why the specification cannot be had.
pub fn compile(tree: &ast::File, specification: Result<Specification<'_>, Diagnostic>) -> Compiled {
    let mut out = Vec::new();
    lone_bid(tree, &mut out);
    let Some(bid) = tree.bid() else {
        return Compiled::failed(out);
    };
    let spec = match specification {
        Ok(spec) => spec,
        Err(diagnostic) => {
            out.push(diagnostic);
            return Compiled::failed(out);
        }
    };
    let named = &bid.specification;
    let Some((contract, rules)) = usable(&spec, named, &mut out) else {
        return Compiled::failed(out);
    };
    let at = Place {
        spec: spec.file,
        bidder: bid.bidder.span,
    };
    let prices = names(bid, contract, &at, spec.tree, &mut out);
    required(&rules, &prices, &at, &mut out);
    // A price or count refused above is left out of the merge, so the rest is still checked.

    let mut moved = BTreeMap::new();
    let merged = merge(spec.tree, bid, &prices, &mut moved);
    let checked = compile_ast(spec.file, &merged, spec.resolve);
    let own = &spec.compiled.diagnostics;
    for diagnostic in &checked.diagnostics {
        if !own.contains(diagnostic) {
            out.push(at.relocate(diagnostic, &moved));
        }
    }
    // The rules are held whether or not the bid also breaks the checker's: the panel and the
    // bidder see every reason a bid is refused. Without a contract the bid makes, its counts
    // are the specification's with the bid's own in place.
    let counts = match &checked.contract {
        Some(evaluated) => counts_of(evaluated),
        None => {
            let mut counts = counts_of(contract);
            for e in &bid.expected {
                let whole = (e.count.value.scale == 0)
                    .then(|| u64::try_from(e.count.value.mantissa).ok())
                    .flatten();
                if let (Some(count), Some(n)) = (counts.get_mut(e.stage.value.as_str()), whole) {
                    *count = n;
                }
            }
            counts
        }
    };
    hold(&rules, bid, &prices, &counts, &at, &mut out);
    diagnostic::sort(&mut out);
    let has_errors = out.iter().any(Diagnostic::is_error);
    Compiled {
        contract: checked.contract.filter(|_| !has_errors),
        shared: None,
        diagnostics: out,
    }
}

/// The specification's contract, when it checked clean (E0703 otherwise) and is a contract
/// with a `bidding` block (E0701 otherwise), with its rules.
fn usable<'a>(
    spec: &Specification<'a>,
    named: &ast::Text,
    out: &mut Vec<Diagnostic>,
) -> Option<(&'a model::Contract, Rules)> {
    let mut errors = spec.compiled.diagnostics.iter().filter(|d| d.is_error());
    if let Some(first) = errors.next() {
        let errors = 1 + errors.count();
        let problem = if errors == 1 {
            "1 error".to_string()
        } else {
            format!("{errors} errors")
        };
        out.push(
            Diagnostic::new(
                Code::E0703,
                format!(
                    "the specification `{}` has {problem}, so no bid can be held against it",
                    named.value
                ),
                named.span,
                "this specification does not check",
            )
            .elsewhere(
                spec.file,
                first.primary.span,
                format!("its first error, {}: {}", first.code, first.message),
            )
            .help(format!(
                "run `outcome check {}` and fix the specification first",
                spec.file.name
            )),
        );
        return None;
    }
    let contract = spec.compiled.contract.as_ref();
    let rules = contract.and_then(|contract| rules_of(spec.tree, contract));
    let (Some(contract), Some(rules)) = (contract, rules) else {
        let why = if contract.is_none() {
            "it holds no contract"
        } else {
            "it has no `bidding` block"
        };
        out.push(
            Diagnostic::new(
                Code::E0701,
                format!("`{}` is not a specification: {why}", named.value),
                named.span,
                "not a specification",
            )
            .help("name the specification this bid answers: a contract with a `bidding` block"),
        );
        return None;
    };
    Some((contract, rules))
}

/// Where the bid's diagnostics go: the specification's file, for saying where it states a
/// rule, and the bidder's name, for what belongs to the bid as a whole.
struct Place<'a> {
    spec: &'a SourceFile,
    bidder: Span,
}

impl Place<'_> {
    /// `` `specification.outcome:12` ``: where the specification says something.
    fn line(&self, span: Span) -> String {
        format!(
            "`{}:{}`",
            self.spec.name,
            self.spec.line_col(span.start).line
        )
    }

    /// A label on the specification's text at `span`.
    fn rule(&self, span: Span, text: impl Into<std::borrow::Cow<'static, str>>) -> Related {
        Related {
            file: self.spec.clone(),
            label: Label {
                span,
                text: text.into(),
            },
        }
    }

    /// A diagnostic of the merged contract, moved into the bid: labels on what the bid wrote
    /// go to the bid's text; the rest stay on the specification's, and are told in the help
    /// with their place.
    fn relocate(&self, diagnostic: &Diagnostic, moved: &BTreeMap<Span, Span>) -> Diagnostic {
        let mut told = Vec::new();
        let mut related = Vec::new();
        let mut tell = |label: &Label| {
            told.push(format!("{} ({})", label.text, self.line(label.span)));
            related.push(self.rule(label.span, label.text.clone()));
        };
        let primary = match moved.get(&diagnostic.primary.span) {
            Some(span) => Label {
                span: *span,
                text: diagnostic.primary.text.clone(),
            },
            None => {
                tell(&diagnostic.primary);
                Label {
                    span: self.bidder,
                    text: "with this bid's figures".into(),
                }
            }
        };
        let mut secondary = Vec::new();
        for label in &diagnostic.secondary {
            match moved.get(&label.span) {
                Some(span) => secondary.push(Label {
                    span: *span,
                    text: label.text.clone(),
                }),
                None => tell(label),
            }
        }
        let mut help = diagnostic.help.as_deref().unwrap_or_default().to_string();
        if !told.is_empty() {
            if !help.is_empty() {
                help.push_str("; ");
            }
            help.push_str("in the specification: ");
            help.push_str(&told.join(", "));
        }
        related.extend(diagnostic.related().iter().cloned());
        let mut relocated = Diagnostic::new(
            diagnostic.code,
            &*diagnostic.message,
            primary.span,
            primary.text,
        )
        .related_to(related);
        relocated.secondary = secondary;
        if !help.is_empty() {
            relocated = relocated.help(help);
        }
        relocated
    }
}

/// The bid's prices by stage, each checked against the specification's stages (E0202), its
/// priced stages (E0707, pointing at the stage in the specification `tree`) and the bid's
/// other prices (E0505); the bid's expected counts name stages of the specification (E0202)
/// once each (E0203).
fn names<'b>(
    bid: &'b ast::Bid,
    contract: &model::Contract,
    at: &Place,
    tree: &ast::File,
    out: &mut Vec<Diagnostic>,
) -> BTreeMap<String, &'b PaymentClause> {
    let stages: BTreeSet<&str> = contract
        .funnels
        .iter()
        .flat_map(|f| &f.stages)
        .map(|s| s.id.as_str())
        .collect();
    let priced: BTreeMap<&str, &model::Price> = contract
        .payments
        .prices
        .iter()
        .map(|p| (p.stage.as_str(), p))
        .collect();
    let known = |stage: &ast::Ident, out: &mut Vec<Diagnostic>| {
        if stages.contains(stage.value.as_str()) {
            return true;
        }
        let help = did_you_mean(&stage.value, stages.iter().copied()).unwrap_or_else(|| {
            "name a milestone or performance target of the specification".to_string()
        });
        out.push(
            Diagnostic::new(
                Code::E0202,
                format!(
                    "the specification has no milestone or performance target named `{}`",
                    stage.value
                ),
                stage.span,
                "not a stage of the specification",
            )
            .help(help),
        );
        false
    };
    // Where the specification declares each stage, looked up once per stage rather than
    // searched for each price.
    let declared: BTreeMap<&str, Span> = tree
        .declarations
        .iter()
        .filter_map(|d| match d {
            Declaration::Funnel(f) => Some(f),
            _ => None,
        })
        .flat_map(|f| &f.stages)
        .map(|s| (s.name.value.as_str(), s.name.span))
        .collect();
    let mut prices: BTreeMap<String, &PaymentClause> = BTreeMap::new();
    for clause in &bid.prices {
        let PaymentClause::Pay { span, stage, .. } = clause else {
            continue;
        };
        if !known(stage, out) {
            continue;
        }
        if !priced.contains_key(stage.value.as_str()) {
            let declared = declared
                .get(stage.value.as_str())
                .map(|span| at.rule(*span, "declared here, with no price"));
            out.push(
                Diagnostic::new(
                    Code::E0707,
                    format!(
                        "the specification does not pay for `{}`, so a bid cannot price it",
                        stage.value
                    ),
                    *span,
                    "not a priced stage",
                )
                .related_to(declared.into_iter().collect())
                .help(format!(
                    "price only the stages the specification pays for: {}",
                    priced
                        .keys()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            continue;
        }
        if let Some(PaymentClause::Pay { span: first, .. }) = prices.get(stage.value.as_str()) {
            out.push(crate::check::money::priced_twice(
                &stage.value,
                *span,
                *first,
            ));
            continue;
        }
        prices.insert(stage.value.as_str().to_owned(), clause);
    }
    let mut counted: BTreeMap<&str, Vec<Span>> = BTreeMap::new();
    for expected in &bid.expected {
        if known(&expected.stage, out) {
            counted
                .entry(&expected.stage.value)
                .or_default()
                .push(expected.span);
        }
    }
    for (stage, spans) in &counted {
        let what = format!("the expected count of `{stage}`");
        crate::check::once(spans, |s| *s, &what, out);
    }
    prices
}

/// Every stage the specification requires is priced (E0706).
fn required(
    rules: &Rules,
    prices: &BTreeMap<String, &PaymentClause>,
    at: &Place,
    out: &mut Vec<Diagnostic>,
) {
    for rule in &rules.required {
        if prices.contains_key(&rule.stage) {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::E0706,
                format!(
                    "the bid does not price `{}`, which the specification requires",
                    rule.stage
                ),
                at.bidder,
                "no price for a required stage",
            )
            .elsewhere(at.spec, rule.span, "required here")
            .help(format!(
                "add `pay AMOUNT for {}`; the specification requires it at {}",
                rule.stage,
                at.line(rule.span)
            )),
        );
    }
}

/// The specification with the bid's figures in place; `moved` maps each span of the
/// specification whose value came from the bid to the span in the bid that wrote it.
fn merge(
    spec: &ast::File,
    bid: &ast::Bid,
    prices: &BTreeMap<String, &PaymentClause>,
    moved: &mut BTreeMap<Span, Span>,
) -> ast::File {
    let counts: BTreeMap<&str, &ast::ExpectedCount> = bid
        .expected
        .iter()
        .map(|e| (e.stage.value.as_str(), e))
        .collect();
    let mut merged = ast::File::default();
    for declaration in &spec.declarations {
        let declaration = match declaration {
            // The rules are the evaluator's, held after the checker.
            Declaration::Bidding(_) => continue,
            Declaration::Contract(contract) => {
                Declaration::Contract(with_provider(contract, &bid.bidder, moved))
            }
            Declaration::Payments(payments) => {
                let mut payments = payments.clone();
                payments.clauses = payments
                    .clauses
                    .iter()
                    .filter_map(|clause| match clause {
                        PaymentClause::Pay { stage, .. } => {
                            let offered = prices.get(stage.value.as_str())?;
                            Some(priced(clause, offered, moved))
                        }
                        other => Some(other.clone()),
                    })
                    .collect();
                Declaration::Payments(payments)
            }
            Declaration::Funnel(funnel) => {
                let mut funnel = funnel.clone();
                let changes = funnel
                    .stages
                    .iter()
                    .any(|s| counts.contains_key(s.name.value.as_str()));
                for stage in &mut funnel.stages {
                    if let Some(count) = counts.get(stage.name.value.as_str()) {
                        moved.insert(stage.expected.span, count.count.span);
                        stage.expected.value = count.count.value;
                    }
                    if changes {
                        stage.conversion.clear();
                    }
                }
                Declaration::Funnel(funnel)
            }
            other => other.clone(),
        };
        merged.declarations.push(declaration);
    }
    merged
}

/// The contract header with the bidder as its provider, in place of the specification's.
fn with_provider(
    contract: &ast::Contract,
    bidder: &ast::Text,
    moved: &mut BTreeMap<Span, Span>,
) -> ast::Contract {
    let mut contract = contract.clone();
    let at = contract
        .clauses
        .iter()
        .find_map(|c| match c {
            ContractClause::Provider(text) => Some(text.span),
            _ => None,
        })
        .unwrap_or(contract.title.span);
    contract
        .clauses
        .retain(|c| !matches!(c, ContractClause::Provider(_)));
    contract.clauses.push(ContractClause::Provider(Spanned::new(
        bidder.value.clone(),
        at,
    )));
    moved.entry(at).or_insert(bidder.span);
    contract
}

/// The specification's `pay` clause with the bid's amount (and `due`, when the bid states
/// one), keeping the specification's spans.
fn priced(
    spec: &PaymentClause,
    offered: &PaymentClause,
    moved: &mut BTreeMap<Span, Span>,
) -> PaymentClause {
    let (
        PaymentClause::Pay {
            span,
            amount,
            stage,
            due,
        },
        PaymentClause::Pay {
            span: bid_span,
            amount: bid_amount,
            stage: bid_stage,
            due: bid_due,
        },
    ) = (spec, offered)
    else {
        return spec.clone();
    };
    moved.insert(*span, *bid_span);
    moved.insert(amount.span, bid_amount.span);
    moved.insert(stage.span, bid_stage.span);
    let due = match (due, bid_due) {
        (_, None) => *due,
        (Some(due), Some(offered)) => {
            moved.insert(due.span, offered.span);
            Some(Spanned::new(offered.value, due.span))
        }
        (None, Some(offered)) => Some(Spanned::new(offered.value, *span)),
    };
    PaymentClause::Pay {
        span: *span,
        amount: Spanned::new(bid_amount.value, amount.span),
        stage: stage.clone(),
        due,
    }
}

/// The evaluated contract against the ceilings (E0704) and floors (E0705).
/// Each stage's expected count in `contract`, by its name.
fn counts_of(contract: &model::Contract) -> BTreeMap<&str, u64> {
    model::stage_places(&contract.funnels)
        .map(|(_, _, s)| (s.id.as_str(), s.expected))
        .collect()
}

fn hold(
    rules: &Rules,
    bid: &ast::Bid,
    prices: &BTreeMap<String, &PaymentClause>,
    counts: &BTreeMap<&str, u64>,
    at: &Place,
    out: &mut Vec<Diagnostic>,
) {
    for rule in &rules.ceilings {
        let Some(PaymentClause::Pay { amount, .. }) = prices.get(&rule.stage) else {
            continue;
        };
        let ceiling = rule.value;
        if amount.value.currency != ceiling.currency || amount.value.minor <= ceiling.minor {
            continue;
        }
        out.push(
            Diagnostic::new(
                Code::E0704,
                format!(
                    "the bid asks {} for `{}`, above the specification's ceiling of {ceiling}",
                    amount.value, rule.stage
                ),
                amount.span,
                format!(
                    "{} over the ceiling",
                    Money::new(amount.value.minor - ceiling.minor, ceiling.currency)
                ),
            )
            .elsewhere(at.spec, rule.span, format!("the ceiling of {ceiling}"))
            .help(format!(
                "ask at most {ceiling} for `{}`; the specification sets the ceiling at {}",
                rule.stage,
                at.line(rule.span)
            )),
        );
    }
    let stated: BTreeMap<&str, Span> = bid
        .expected
        .iter()
        .map(|e| (e.stage.value.as_str(), e.count.span))
        .collect();
    for rule in &rules.floors {
        let Some(&expected) = counts.get(rule.stage.as_str()) else {
            continue;
        };
        if expected >= rule.value {
            continue;
        }
        let (span, label) = match stated.get(rule.stage.as_str()) {
            Some(&span) => (
                span,
                format!("{} short of the floor", rule.value - expected),
            ),
            None => (at.bidder, "keeps the specification's count".to_string()),
        };
        out.push(
            Diagnostic::new(
                Code::E0705,
                format!(
                    "the bid expects {expected} at `{}`, below the specification's floor of {}",
                    rule.stage, rule.value
                ),
                span,
                label,
            )
            .elsewhere(at.spec, rule.span, format!("the floor of {}", rule.value))
            .help(format!(
                "expect at least {} at `{}` (`expected {} for {}`); the specification sets the floor at {}",
                rule.value,
                rule.stage,
                rule.value,
                rule.stage,
                at.line(rule.span)
            )),
        );
    }
}
