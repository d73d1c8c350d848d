//! AST → checked contract. Every independent problem is reported in one run.
//!
//! The passes, one file per concern: `names` (the namespace, duplicates, references),
//! `header` (parties, term, referral window, currency), `outcomes` (outcomes, cohorts and the
//! links between them and targets), `funnel` (counts, sequence, conversion factors, time
//! windows), `measures`, and `money` (rate card, fees, caps and the figures). A model
//! `Contract` is built only when no pass found an error.

pub(crate) mod bidding;
mod cohort_names;
mod funnel;
mod header;
mod measures;
pub(crate) mod money;
mod name_table;
pub(crate) mod names;
mod outcomes;
mod times;

use crate::ast::{self, MonitoringClause, PaymentClause};
use crate::diagnostic::Diagnostic;
use crate::model;
use crate::source::{Span, Spanned};
use crate::value::Money;
use cohort_names::CohortNames;
use names::Symbols;
use std::collections::BTreeSet;

pub use money::divide_rounded;
pub(crate) use names::once;

/// What checking a file produced.
#[derive(Debug)]
pub struct Checked {
    /// The contract, when the file has a `contract` block and no errors (the diagnostics
    /// hold no error whenever this or `shared` is there).
    pub contract: Option<model::Contract>,
    /// What the file offers to files that `use` it, when it has no errors and is not a
    /// contract.
    pub shared: Option<model::Shared>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Finds the file a `use` names: given the path as written and the span of the `use`, its
/// shared declarations or the diagnostic that says why it cannot be used.
pub type Resolve<'a> =
    dyn FnMut(&str, Span) -> Result<std::sync::Arc<model::Shared>, Diagnostic> + 'a;

pub fn check(
    file: &ast::File,
    source: &crate::source::SourceFile,
    resolve: &mut Resolve,
) -> Checked {
    let name = source.name.as_str();
    let mut out = Vec::new();
    let (mut symbols, parts) = Symbols::collect(file, &mut out);
    // Whether every stage's name is its alone (no E0201 on a stage): then a funnel's stages
    // are found by position as well as by name.
    let unique_stages = symbols.stages_unique();
    let header = header::check(&parts, &mut out);

    // Used files first, so that their outcomes, cohorts and measures can be referred to.
    // An item that two used files both offer (under one identifier) is taken once.
    let mut imported = model::Shared::default();
    let mut seen = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for used in &parts.uses {
        match resolve(&used.path.value, used.path.span) {
            Ok(shared) => {
                symbols.import(&shared, used.path.span, &mut out);
                let from = |item_from: &Option<String>| {
                    Some(item_from.clone().unwrap_or_else(|| shared.file.clone()))
                };
                for o in &shared.outcomes {
                    if seen.0.insert(o.id.clone()) {
                        imported.outcomes.push(model::Outcome {
                            from: from(&o.from),
                            achieved_by: Vec::new(),
                            ..o.clone()
                        });
                    }
                }
                for c in &shared.cohorts {
                    if seen.1.insert(c.id.clone()) {
                        imported.cohorts.push(model::Cohort {
                            from: from(&c.from),
                            ..c.clone()
                        });
                    }
                }
                for m in &shared.measures {
                    if seen.2.insert(m.id.clone()) {
                        imported.measures.push(model::Measure {
                            from: from(&m.from),
                            ..m.clone()
                        });
                    }
                }
            }
            Err(diagnostic) => out.push(diagnostic),
        }
    }

    // The outcomes' list at its full size at once, not copied each time it outgrows its room.
    let mut outcomes = Vec::with_capacity(parts.outcomes.len() + imported.outcomes.len());
    let mut own_starts = Vec::with_capacity(parts.outcomes.len());
    for o in &parts.outcomes {
        own_starts.push(o.name.span.start);
        outcomes.push(outcomes::outcome(o, &mut out));
    }
    let mut cohorts = Vec::with_capacity(parts.cohorts.len() + imported.cohorts.len());
    for c in &parts.cohorts {
        cohorts.push(outcomes::cohort(c, &mut out));
    }
    let funnel_asts = &parts.funnels;
    let measure_asts = &parts.measures;
    let payment_blocks = &parts.payments;
    let bidding_blocks = &parts.bidding;
    outcomes.append(&mut imported.outcomes);
    cohorts.append(&mut imported.cohorts);

    // Cohorts by name, each name looked up once (`cohort_names`): their sizes, and where the
    // file's own are defined (a used file's cohort is defined elsewhere).
    let cohort_names = CohortNames::new(cohorts.iter().map(|c| c.id.as_str()));
    let sizes = cohort_names.by_place(cohorts.iter().map(|c| c.size), None);
    let cohort_spans =
        cohort_names.by_place(parts.cohorts.iter().map(|c| c.name.span), Span::default());
    let cohort_size = |name: &str| cohort_names.of(name).map(|place| sizes[place]);
    let mut outcomes = outcomes::Outcomes::new(outcomes, own_starts);
    let mut funnels = Vec::with_capacity(funnel_asts.len());
    for (index, funnel) in funnel_asts.iter().enumerate() {
        outcomes::link_targets(funnel, &symbols, &mut outcomes, &mut out);
        if let Some(checked) = funnel::check(
            funnel,
            index,
            &symbols,
            &cohort_size,
            unique_stages,
            &mut out,
        ) {
            if let Some(header) = &header {
                times::against_term(funnel, &checked, header.term, header.referrals, &mut out);
            }
            funnels.push(checked);
        }
    }
    let funnels_complete = funnels.len() == funnel_asts.len();

    let mut measures: Vec<model::Measure> = measure_asts
        .iter()
        .filter_map(|m| measures::check(m, &symbols, &mut outcomes, &mut out))
        .collect();
    let outcomes = outcomes.list;
    measures.append(&mut imported.measures);
    let cohorts_used: Vec<&str> = funnel_asts
        .iter()
        .map(|f| f.cohort.value.as_str())
        .collect();
    // A file without a contract shares its outcomes and cohorts with contracts that use it;
    // whether they are addressed is a question for those contracts.
    // Whether an error has been said, each diagnostic read once however often it is asked.
    let mut errors = ErrorsSeen::default();
    if !parts.contracts.is_empty() {
        errors.any(&out);
        outcomes::report_unused(&parts, &symbols, &outcomes, &cohorts_used, &mut out);
        // Warnings only (W0602, W0603): hundreds of thousands of them are not read again to
        // find an error among them.
        errors.skip_warnings(&out);
    }
    // Only a framework file is used by others: a contract's declarations are not copied.
    let shared = (!file.is_contract()).then(|| model::Shared {
        file: name.to_string(),
        outcomes: outcomes.clone(),
        cohorts: cohorts.clone(),
        measures: measures.clone(),
    });
    let monitoring = monitoring(&parts.monitoring, &mut out);

    let amounts_refused = header::currency(&parts).is_some_and(|(currency, currency_span)| {
        header::check_amounts(&paid_amounts(&parts), currency, currency_span, &mut out)
    });
    let mut contract = None;
    if let Some(header) = header {
        let cx = money::Context {
            header: &header,
            symbols: &symbols,
            cohorts: &cohorts,
            cohort_names: &cohort_names,
            cohort_spans: &cohort_spans,
            measures: &measures,
            clauses: money::ClauseAt::new(source),
            funnels_complete,
            amounts_refused,
            unique_stages,
        };
        let checked = money::check(payment_blocks, &cx, &mut funnels, &mut out);
        if let Some(checked) = checked {
            contract = Some(model::Contract {
                title: header.title,
                commissioners: header.commissioners,
                providers: header.providers,
                term: header.term,
                referrals: header.referrals,
                referral_profile: header.referral_profile.clone(),
                currency: header.currency.code.to_string(),
                funding_limit: header.funding_limit,
                boundaries: header.boundaries,
                outcomes,
                cohorts,
                funnels,
                measures,
                payments: checked.payments,
                places: Default::default(),
                monitoring,
                figures: checked.figures,
            });
        }
    } else {
        // Without a header there is no currency or term to check payments against, but the
        // names they use are still checked.
        for block in payment_blocks {
            for clause in &block.clauses {
                if let PaymentClause::Pay { stage, .. } = clause {
                    symbols.resolve(
                        stage,
                        &[names::Kind::Milestone, names::Kind::Target],
                        &mut out,
                    );
                }
            }
        }
    }

    if !bidding_blocks.is_empty() {
        let usable = contract.as_ref().filter(|_| !errors.any(&out));
        bidding::check(bidding_blocks, &symbols, usable, &mut out);
    }
    // A bid is checked with its specification (`evaluate`), which a file on its own cannot
    // reach.
    bidding::bid_alone(file, &parts.bids, &mut out);

    let has_errors = errors.any(&out);
    if has_errors {
        contract = None;
    }
    Checked {
        contract,
        shared: shared.filter(|_| !has_errors),
        diagnostics: out,
    }
}

/// Whether the diagnostics said so far hold an error, each read once: `out` only grows, so
/// what was read before is not read again.
#[derive(Default)]
struct ErrorsSeen {
    read: usize,
    any: bool,
}

impl ErrorsSeen {
    fn any(&mut self, out: &[Diagnostic]) -> bool {
        if !self.any {
            self.any = out[self.read..].iter().any(Diagnostic::is_error);
        }
        self.read = out.len();
        self.any
    }

    /// Pass over what was added since the last look, which holds warnings only.
    fn skip_warnings(&mut self, out: &[Diagnostic]) {
        debug_assert!(!out[self.read..].iter().any(Diagnostic::is_error));
        self.read = out.len();
    }
}

/// Every amount the contract pays, limits or measures, for the currency and sign checks.
fn paid_amounts(parts: &ast::ByKind) -> Vec<Spanned<Money>> {
    let mut amounts = Vec::new();
    for c in &parts.contracts {
        for clause in &c.clauses {
            if let ast::ContractClause::FundingLimit { amount, .. } = clause {
                amounts.push(*amount);
            }
        }
    }
    for p in &parts.payments {
        for clause in &p.clauses {
            match clause {
                PaymentClause::Fixed { amount, .. }
                | PaymentClause::Pay { amount, .. }
                | PaymentClause::Cap { amount, .. } => amounts.push(*amount),
                PaymentClause::Incentive { amount, .. } => {
                    if let ast::IncentiveAmount::Money(m) = amount.value {
                        amounts.push(Spanned::new(m, amount.span));
                    }
                }
                PaymentClause::Payer { share, cap, .. } => {
                    if let ast::PayerShare::Amount(m) = share.value {
                        amounts.push(Spanned::new(m, share.span));
                    }
                    amounts.extend(cap.iter().copied());
                }
                PaymentClause::Tiers { lines, .. } => {
                    amounts.extend(lines.iter().filter_map(|l| l.pays))
                }
                PaymentClause::Group { cap, .. } => amounts.extend(cap.iter().copied()),
                PaymentClause::Attachment { .. }
                | PaymentClause::Exclusive { .. }
                | PaymentClause::Deadweight { .. }
                | PaymentClause::ParticipantLimit { .. } => {}
            }
        }
    }
    for b in &parts.bidding {
        for clause in &b.clauses {
            if let ast::BiddingClause::Ceiling { amount, .. } = clause {
                amounts.push(*amount);
            }
        }
    }
    // In the order written, as they are checked.
    amounts.sort_by_key(|a| a.span.start);
    amounts
}

/// The `monitoring` block: each arrangement at most once.
fn monitoring(blocks: &[&ast::Monitoring], out: &mut Vec<Diagnostic>) -> Option<model::Monitoring> {
    let block = once(blocks, |b| b.keyword, "the `monitoring` block", out)?;
    let mut returns = Vec::new();
    let mut exceptions = Vec::new();
    let mut reviews = Vec::new();
    let mut tolerances = Vec::new();
    for clause in &block.clauses {
        match clause {
            MonitoringClause::Returns {
                keyword,
                frequency,
                sources,
            } => returns.push((*keyword, *frequency, sources)),
            MonitoringClause::ExceptionReport { keyword, frequency } => {
                exceptions.push((*keyword, *frequency))
            }
            MonitoringClause::Review { keyword, frequency } => reviews.push((*keyword, *frequency)),
            MonitoringClause::Tolerance { keyword, share } => tolerances.push((*keyword, *share)),
        }
    }
    let span_of = |k: &Span| *k;
    let returns = once(&returns, |r| span_of(&r.0), "`returns`", out);
    let exception_report = once(&exceptions, |e| e.0, "`exception_report`", out).map(|e| e.1.value);
    let review = once(&reviews, |r| r.0, "`review`", out).map(|r| r.1.value);
    let tolerance = once(&tolerances, |t| t.0, "`tolerance`", out).map(|t| t.1);
    if let Some(share) = tolerance {
        let hundred = crate::value::Decimal {
            mantissa: 100,
            scale: 0,
        };
        if share.value.0.mantissa < 0
            || share.value.0.cmp_value(&hundred) == std::cmp::Ordering::Greater
        {
            out.push(
                Diagnostic::new(
                    crate::diagnostic::Code::E0521,
                    format!("a tolerance of {} is not a share of the plan", share.value),
                    share.span,
                    "not between 0% and 100%",
                )
                .help("a tolerance says how far behind its planned profile a stage may fall, such as `tolerance 10%`"),
            );
        }
    }
    Some(model::Monitoring {
        returns: returns.map(|r| r.1.value),
        sources: returns
            .map(|r| r.2.iter().map(|s| s.value.clone()).collect())
            .unwrap_or_default(),
        exception_report,
        review,
        tolerance: tolerance.map(|t| t.value),
    })
}
