//! pest pairs → AST. Each function quotes the grammar rule it lowers.
//!
//! Token errors are collected rather than returned at the first, so that every badly written
//! value in a file is reported in one run.

use super::{tokens, Rule};
use crate::ast::*;
use crate::diagnostic::Diagnostic;
use crate::source::Str;
use crate::source::{Span, Spanned};
use crate::value::{Currency, Date, Decimal, Frequency, Money, Percent, Period};
use pest::iterators::Pair;
use thin_vec::ThinVec;

type Node<'i> = Pair<'i, Rule>;

/// What a tier schedule's head names: its measure and its scope.
type TiersHead = (Option<Ident>, Option<Spanned<TierScope>>);

/// Lowers one file, a declaration at a time, collecting token diagnostics as it goes.
#[derive(Default)]
pub struct Lowerer {
    diagnostics: Vec<Diagnostic>,
    /// Where the text the pairs were parsed from starts in the file: pest's positions are
    /// within that text.
    offset: usize,
}

/// comparison = @{ ">=" | "<=" | ">" | "<" | "=" }
fn comparison(text: &str) -> Comparison {
    match text {
        ">=" => Comparison::AtLeast,
        ">" => Comparison::Above,
        "<=" => Comparison::AtMost,
        "<" => Comparison::Below,
        _ => Comparison::Equal,
    }
}

/// Children that carry meaning: punctuation is dropped.
fn children<'i>(pair: Node<'i>) -> impl Iterator<Item = Node<'i>> {
    pair.into_inner()
        .filter(|p| !matches!(p.as_rule(), Rule::lbrace | Rule::rbrace | Rule::comma))
}

impl Lowerer {
    /// A declaration parsed from the file's text starting at `offset`; `None` for any other
    /// pair (the end of the file).
    /// declaration = _{ use_decl | contract | outcome | cohort | funnel | measure | payments | monitoring | bidding | bid }
    pub fn declaration(&mut self, pair: Node, offset: usize) -> Option<Declaration> {
        self.offset = offset;
        Some(match pair.as_rule() {
            // use_decl = { kw_use ~ string }
            Rule::use_decl => {
                let mut parts = children(pair);
                let keyword = parts.next().map(|p| self.span(&p)).unwrap_or_default();
                let path = self.next_text(&mut parts);
                Declaration::Use(Use { keyword, path })
            }
            Rule::contract => Declaration::Contract(self.contract(pair)),
            Rule::outcome => Declaration::Outcome(self.outcome(pair)),
            Rule::cohort => Declaration::Cohort(self.cohort(pair)),
            Rule::funnel => Declaration::Funnel(self.funnel(pair)),
            Rule::measure => Declaration::Measure(self.measure(pair)),
            Rule::payments => Declaration::Payments(self.payments(pair)),
            Rule::monitoring => Declaration::Monitoring(self.monitoring(pair)),
            Rule::bidding => Declaration::Bidding(self.bidding(pair)),
            Rule::bid => Declaration::Bid(self.bid(pair)),
            _ => return None,
        })
    }

    /// The head of a block read a part at a time (`funnel_head`, `payments_head`,
    /// `bidding_head`, `bid_head`) parsed from the file's text starting at `offset`: its
    /// declaration with no parts yet, and the mark to `rewind` to if the block is to be read
    /// again whole; `None` for any other pair.
    pub fn block_head(&mut self, pair: Node, offset: usize) -> Option<(Declaration, usize)> {
        let mark = self.diagnostics.len();
        self.offset = offset;
        let rule = pair.as_rule();
        let mut parts = children(pair);
        let head = match rule {
            Rule::funnel_head => Declaration::Funnel(self.funnel_head(&mut parts)),
            Rule::payments_head => Declaration::Payments(Payments {
                keyword: self.keyword(&mut parts),
                clauses: Vec::new(),
            }),
            Rule::bidding_head => Declaration::Bidding(Bidding {
                keyword: self.keyword(&mut parts),
                clauses: Vec::new(),
            }),
            Rule::bid_head => Declaration::Bid(self.bid_head(&mut parts)),
            _ => return None,
        };
        Some((head, mark))
    }

    /// A run of parts of a block read a part at a time (`funnel_parts`, `payments_parts`,
    /// `bidding_parts` or `bid_parts`, parsed from the file's text starting at `offset`) added
    /// to the declaration its head began, as lowering the whole block adds them; `false` at the
    /// block's closing `}`.
    pub fn block_parts(
        &mut self,
        declaration: &mut Declaration,
        pair: Node,
        offset: usize,
    ) -> bool {
        self.offset = offset;
        let parts = pair.into_inner();
        if let Declaration::Funnel(funnel) = declaration {
            // The first run at its size: a funnel of a few stages (most are) is not given
            // room for twice as many; a longer one grows as a vector does.
            let stages = parts
                .clone()
                .next()
                .is_some_and(|p| p.as_rule() != Rule::rbrace);
            if funnel.stages.is_empty() && stages {
                funnel.stages.reserve_exact(parts.len());
            }
        }
        let mut more = false;
        for part in parts {
            more = part.as_rule() != Rule::rbrace;
            if !more {
                break;
            }
            match declaration {
                Declaration::Funnel(funnel) => funnel.stages.push(self.stage(part)),
                Declaration::Payments(payments) => {
                    payments.clauses.extend(self.payment_clause(part));
                }
                Declaration::Bidding(bidding) => bidding.clauses.extend(self.bidding_clause(part)),
                Declaration::Bid(bid) => self.bid_clause(bid, part),
                _ => return false,
            }
        }
        more
    }

    /// Forget the diagnostics met since `mark` (from `block_head`): what was lowered since is
    /// read again.
    pub fn rewind(&mut self, mark: usize) {
        self.diagnostics.truncate(mark);
    }

    /// The diagnostics of every badly written value met, if any.
    pub fn finish(self) -> Result<(), Vec<Diagnostic>> {
        if self.diagnostics.is_empty() {
            Ok(())
        } else {
            Err(self.diagnostics)
        }
    }

    /// Where a pair is in the file.
    fn span(&self, pair: &Node) -> Span {
        let s = pair.as_span();
        Span::new(self.offset + s.start(), self.offset + s.end())
    }

    /// A clause's span from its first token to the end of its last: pest's span of a rule
    /// that ends in an optional part also covers the spaces and comments skipped while
    /// looking for that part. The last token is taken from the end, not reached by walking
    /// every token before it (a clause may hold thousands of conditions).
    fn clause_span(&self, pair: &Node) -> Span {
        let whole = self.span(pair);
        let end = pair
            .clone()
            .into_inner()
            .next_back()
            .map_or(whole.end, |last| self.offset + last.as_span().end());
        Span::new(whole.start, end)
    }
}

impl Lowerer {
    /// Keep a token's value, or record why it could not be read and use a neutral stand-in
    /// (the file is not checked further once any such diagnostic exists).
    fn keep<T>(&mut self, result: Result<T, Diagnostic>, fallback: T) -> T {
        result.unwrap_or_else(|diagnostic| {
            self.diagnostics.push(diagnostic);
            fallback
        })
    }

    fn ident(&self, pair: Node) -> Ident {
        Spanned::new(pair.as_str().into(), self.span(&pair))
    }

    /// ident_list = { ident ~ (comma ~ ident)* }
    fn ident_list(&self, pair: Node) -> Vec<Ident> {
        children(pair).map(|p| self.ident(p)).collect()
    }

    /// string = ${ text_block | line_string }
    fn text(&mut self, pair: Node) -> Text {
        let whole = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Spanned::new(Str::default(), whole);
        };
        let value = match inner.as_rule() {
            Rule::text_block => {
                let body = inner.into_inner().next().map_or("", |p| p.as_str());
                tokens::text_block(body)
            }
            _ => {
                let body = inner.into_inner().next();
                let (text, start) = body.map_or(("", whole.start + 1), |p| {
                    (p.as_str(), self.offset + p.as_span().start())
                });
                let result = tokens::line_string(text, start);
                self.keep(result, String::new())
            }
        };
        Spanned::new(value.into(), whole)
    }

    fn number(&mut self, pair: Node) -> Spanned<Decimal> {
        self.number_at(pair.as_str(), self.span(&pair))
    }

    fn number_at(&mut self, text: &str, at: Span) -> Spanned<Decimal> {
        let result = tokens::number(text, at);
        Spanned::new(
            self.keep(
                result,
                Decimal {
                    mantissa: 1,
                    scale: 0,
                },
            ),
            at,
        )
    }

    /// money = ${ money_sign? ~ (currency_symbol ~ number | currency_code ~ " "+ ~ number) }
    /// `tier_per_unit = { kw_per ~ kw_unit ~ tier_cap? }`, `tier_cap = { kw_up ~ kw_to ~ money }`
    fn per_unit(&mut self, pair: Node) -> PerUnit {
        let span = self.clause_span(&pair);
        let up_to = pair
            .into_inner()
            .find(|p| p.as_rule() == Rule::tier_cap)
            .and_then(|c| c.into_inner().find(|p| p.as_rule() == Rule::money))
            .map(|m| self.money(m));
        PerUnit { span, up_to }
    }

    fn money(&mut self, pair: Node) -> Spanned<Money> {
        let at = self.span(&pair);
        let mut negative = false;
        let mut currency = None;
        let mut amount = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::money_sign => negative = true,
                Rule::currency_symbol | Rule::currency_code => {
                    let result = tokens::currency(
                        part.as_str(),
                        self.span(&part),
                        part.as_rule() == Rule::currency_symbol,
                    );
                    currency = self.keep(result.map(Some), None);
                }
                _ => amount = Some((part.as_str(), self.span(&part))),
            }
        }
        let value = match (currency, amount) {
            (Some(currency), Some((text, amount_span))) => {
                let result = tokens::money(currency, negative, text, amount_span);
                self.keep(result, Money::zero(currency))
            }
            _ => Money::zero(Currency::GBP),
        };
        Spanned::new(value, at)
    }

    fn date(&mut self, pair: Node) -> Spanned<Date> {
        let at = self.span(&pair);
        let result = tokens::date(pair.as_str(), at);
        Spanned::new(
            self.keep(
                result,
                Date {
                    year: 2000,
                    month: 1,
                    day: 1,
                },
            ),
            at,
        )
    }

    fn frequency(&self, pair: Node) -> Spanned<Frequency> {
        let value = match pair.as_str() {
            "weekly" => Frequency::Weekly,
            "monthly" => Frequency::Monthly,
            "quarterly" => Frequency::Quarterly,
            "termly" => Frequency::Termly,
            _ => Frequency::Annually,
        };
        Spanned::new(value, self.span(&pair))
    }

    /// contract = { kw_contract ~ string ~ lbrace ~ contract_clause* ~ rbrace }
    fn contract(&mut self, pair: Node) -> Contract {
        let mut parts = children(pair);
        let keyword = parts.next().map(|p| self.span(&p)).unwrap_or_default();
        let title = parts.next().map(|p| self.text(p)).unwrap_or_default_text();
        let clauses = parts.map(|clause| self.contract_clause(clause)).collect();
        Contract {
            keyword,
            title,
            clauses,
        }
    }

    fn contract_clause(&mut self, pair: Node) -> ContractClause {
        let rule = pair.as_rule();
        let mut parts = children(pair);
        let keyword = parts.next().map(|p| self.span(&p)).unwrap_or_default();
        match rule {
            // commissioner_clause = { kw_commissioner ~ string }
            Rule::commissioner_clause => ContractClause::Commissioner(self.next_text(&mut parts)),
            // provider_clause = { kw_provider ~ string }
            Rule::provider_clause => ContractClause::Provider(self.next_text(&mut parts)),
            // term_clause = { kw_term ~ date ~ kw_to ~ date }
            Rule::term_clause => {
                let dates: Vec<_> = parts
                    .filter(|p| p.as_rule() == Rule::date)
                    .map(|p| self.date(p))
                    .collect();
                let (start, end) = pair_of(dates);
                ContractClause::Term {
                    keyword,
                    start,
                    end,
                }
            }
            // referrals_clause = { kw_referrals ~ (kw_from ~ date)? ~ kw_until ~ date }
            Rule::referrals_clause => {
                let mut from = None;
                let mut until = None;
                let mut after_from = false;
                for part in parts {
                    match part.as_rule() {
                        Rule::kw_from => after_from = true,
                        Rule::kw_until => after_from = false,
                        Rule::date if after_from => from = Some(self.date(part)),
                        Rule::date => until = Some(self.date(part)),
                        _ => {}
                    }
                }
                let until = until.unwrap_or_else(|| {
                    Spanned::new(
                        Date {
                            year: 2000,
                            month: 1,
                            day: 1,
                        },
                        keyword,
                    )
                });
                ContractClause::Referrals {
                    keyword,
                    from,
                    until,
                }
            }
            // referral_profile_clause = { kw_referrals ~ kw_per ~ period ~ percent ~ (comma ~ percent)* }
            Rule::referral_profile_clause => {
                let mut period = Spanned::new(Period::Quarter, keyword);
                let mut shares = Vec::new();
                for part in parts {
                    match part.as_rule() {
                        Rule::period => {
                            period = Spanned::new(period_word(part.as_str()), self.span(&part))
                        }
                        Rule::percent => shares.push(self.percent(part)),
                        _ => {}
                    }
                }
                ContractClause::ReferralProfile {
                    keyword,
                    period,
                    shares,
                }
            }
            // currency_clause = { kw_currency ~ currency_code }
            Rule::currency_clause => {
                let code = parts
                    .next()
                    .map(|p| Spanned::new(p.as_str().to_string(), self.span(&p)));
                let code = code.unwrap_or_else(|| Spanned::new(String::new(), keyword));
                let checked = tokens::currency(&code.value, code.span, false).map(|_| ());
                self.keep(checked, ());
                ContractClause::Currency { keyword, code }
            }
            // funding_clause = { kw_funding ~ kw_limit ~ money }
            Rule::funding_clause => {
                let money = parts
                    .find(|p| p.as_rule() == Rule::money)
                    .map(|p| self.money(p));
                let keyword_span = keyword;
                let amount = money.unwrap_or_else(|| self.money_missing(keyword_span));
                ContractClause::FundingLimit { keyword, amount }
            }
            // boundary_clause = { kw_boundary ~ string }
            _ => ContractClause::Boundary(self.next_text(&mut parts)),
        }
    }

    fn money_missing(&self, at: Span) -> Spanned<Money> {
        Spanned::new(Money::zero(Currency::GBP), at)
    }

    fn next_text<'i>(&mut self, parts: &mut impl Iterator<Item = Node<'i>>) -> Text {
        parts
            .find(|p| p.as_rule() == Rule::string)
            .map(|p| self.text(p))
            .unwrap_or_default_text()
    }

    /// outcome = { kw_outcome ~ ident ~ string ~ (lbrace ~ outcome_clause* ~ rbrace)? }
    fn outcome(&mut self, pair: Node) -> Outcome {
        let mut parts = children(pair);
        let keyword = parts.next().map(|p| self.span(&p)).unwrap_or_default();
        let name = parts.next().map(|p| self.ident(p)).unwrap_or_default_text();
        let statement = self.next_text(&mut parts);
        let mut outcome = Outcome {
            keyword,
            name,
            statement,
            why: Vec::new(),
            level: Vec::new(),
        };
        for clause in parts {
            let rule = clause.as_rule();
            let mut inner = children(clause).skip(1);
            match rule {
                // why_clause = { kw_why ~ string }
                Rule::why_clause => outcome.why.push(self.next_text(&mut inner)),
                // level_clause = { kw_level ~ level }
                _ => {
                    if let Some(level) = inner.next() {
                        let value = if level.as_str() == "population" {
                            Level::Population
                        } else {
                            Level::Service
                        };
                        outcome.level.push(Spanned::new(value, self.span(&level)));
                    }
                }
            }
        }
        outcome
    }

    /// cohort = { kw_cohort ~ ident ~ string ~ (lbrace ~ cohort_clause* ~ rbrace)? }
    fn cohort(&mut self, pair: Node) -> Cohort {
        let mut parts = children(pair);
        let keyword = parts.next().map(|p| self.span(&p)).unwrap_or_default();
        let name = parts.next().map(|p| self.ident(p)).unwrap_or_default_text();
        let description = self.next_text(&mut parts);
        let mut cohort = Cohort {
            keyword,
            name,
            description,
            size: Vec::new(),
            eligibility: Vec::new(),
        };
        for clause in parts {
            let rule = clause.as_rule();
            let mut inner = children(clause).skip(1);
            match rule {
                // size_clause = { kw_size ~ number }
                Rule::size_clause => {
                    if let Some(n) = inner.next() {
                        let size = self.number(n);
                        cohort.size.push(size);
                    }
                }
                // eligibility_clause = { kw_eligibility ~ string }
                _ => cohort.eligibility.push(self.next_text(&mut inner)),
            }
        }
        cohort
    }

    /// The span of a block's keyword, its first part.
    fn keyword<'i>(&self, parts: &mut impl Iterator<Item = Node<'i>>) -> Span {
        parts.next().map(|p| self.span(&p)).unwrap_or_default()
    }

    /// funnel = { kw_funnel ~ ident ~ string ~ kw_for ~ ident ~ lbrace ~ (milestone | target)* ~ rbrace }
    fn funnel(&mut self, pair: Node) -> Funnel {
        let mut parts = children(pair);
        let mut funnel = self.funnel_head(&mut parts);
        funnel.stages = parts.map(|stage| self.stage(stage)).collect();
        funnel
    }

    /// A funnel with no stages, from the parts of `funnel` or `funnel_head` up to its `{`.
    /// funnel_head = { kw_funnel ~ ident ~ string ~ kw_for ~ ident ~ lbrace }
    fn funnel_head<'i>(&mut self, parts: &mut impl Iterator<Item = Node<'i>>) -> Funnel {
        let keyword = self.keyword(parts);
        let name = parts.next().map(|p| self.ident(p)).unwrap_or_default_text();
        let description = self.next_text(parts);
        let cohort = parts
            .find(|p| p.as_rule() == Rule::ident)
            .map(|p| self.ident(p))
            .unwrap_or_default_text();
        Funnel {
            keyword,
            name,
            description,
            cohort,
            stages: Vec::new(),
        }
    }

    /// milestone = { kw_milestone ~ ident ~ string ~ number ~ stage_inline* ~ stage_block? }
    /// target    = { kw_target    ~ ident ~ string ~ number ~ stage_inline* ~ stage_block? }
    fn stage(&mut self, pair: Node) -> Stage {
        let kind = if pair.as_rule() == Rule::target {
            StageKind::Target
        } else {
            StageKind::Milestone
        };
        let mut parts = children(pair);
        let keyword = parts.next().map(|p| self.span(&p)).unwrap_or_default();
        let name = parts.next().map(|p| self.ident(p)).unwrap_or_default_text();
        let description = self.next_text(&mut parts);
        let expected = match parts.next() {
            Some(n) => self.number(n),
            None => Spanned::new(
                Decimal {
                    mantissa: 0,
                    scale: 0,
                },
                keyword,
            ),
        };
        let mut stage = Stage {
            kind,
            keyword,
            name,
            description,
            expected,
            conversion: ThinVec::new(),
            within: ThinVec::new(),
            earliest: ThinVec::new(),
            expected_time: ThinVec::new(),
            after: ThinVec::new(),
            achieves: ThinVec::new(),
            evidence: ThinVec::new(),
            eligible: ThinVec::new(),
        };
        for clause in parts {
            match clause.as_rule() {
                Rule::stage_block => {
                    for inner in children(clause) {
                        self.stage_clause(&mut stage, inner);
                    }
                }
                _ => self.stage_clause(&mut stage, clause),
            }
        }
        stage
    }

    fn stage_clause(&mut self, stage: &mut Stage, clause: Node) {
        let rule = clause.as_rule();
        let clause_span = self.clause_span(&clause);
        let mut inner = children(clause).skip(1);
        match rule {
            // conversion_clause = { kw_conversion ~ percent }
            Rule::conversion_clause => {
                if let Some(p) = inner.next() {
                    let percent = self.percent(p);
                    stage.conversion.push(percent);
                }
            }
            // within_clause = { kw_within ~ duration ~ (kw_of ~ ident)? }
            Rule::within_clause => {
                if let Some(time) = self.stage_time(clause_span, inner) {
                    stage.within.push(time);
                }
            }
            // earliest_clause = { kw_at ~ kw_least ~ duration ~ kw_after ~ ident }
            Rule::earliest_clause => {
                if let Some(time) = self.stage_time(clause_span, inner) {
                    stage.earliest.push(time);
                }
            }
            // expected_clause = { kw_expected ~ duration ~ kw_after ~ ident }
            Rule::expected_clause => {
                if let Some(time) = self.stage_time(clause_span, inner) {
                    stage.expected_time.push(time);
                }
            }
            // after_clause = { kw_after ~ ident_list }
            Rule::after_clause => {
                let names = inner
                    .next()
                    .map(|list| self.ident_list(list))
                    .unwrap_or_default();
                stage.after.push((clause_span, names));
            }
            // achieves_clause = { kw_achieves ~ ident_list }
            Rule::achieves_clause => {
                let names = inner
                    .next()
                    .map(|list| self.ident_list(list))
                    .unwrap_or_default();
                stage.achieves.extend(names);
            }
            // eligible_clause = { kw_eligible ~ kw_only ~ kw_if ~ (condition_run | condition) ~ (kw_and ~ condition)* }
            Rule::eligible_clause => {
                let mut conditions = Vec::new();
                for part in inner {
                    match part.as_rule() {
                        Rule::condition => conditions.push(self.condition(part)),
                        Rule::condition_run => self.condition_run(part, &mut conditions),
                        _ => {}
                    }
                }
                stage.eligible.push((clause_span, conditions));
            }
            // evidence_clause = { kw_evidence ~ string }
            _ => stage.evidence.push(self.next_text(&mut inner)),
        }
    }

    /// The duration of a time clause and the stage it is measured from, if one is named:
    /// duration = { number ~ time_unit }, then `of`, `after` or `least` keywords and an ident.
    fn stage_time<'i>(
        &mut self,
        span: Span,
        parts: impl Iterator<Item = Node<'i>>,
    ) -> Option<StageTime> {
        let mut duration = None;
        let mut from = None;
        for part in parts {
            match part.as_rule() {
                Rule::duration => {
                    let at = self.span(&part);
                    let mut pieces = part.into_inner();
                    let (Some(count), Some(unit)) = (pieces.next(), pieces.next()) else {
                        return None;
                    };
                    let count = self.number(count);
                    let result = tokens::duration(count.value, count.span, unit.as_str());
                    let fallback = crate::value::Duration {
                        count: 1,
                        unit: crate::value::TimeUnit::Day,
                    };
                    duration = Some(Spanned::new(self.keep(result, fallback), at));
                }
                Rule::ident => from = Some(self.ident(part)),
                _ => {}
            }
        }
        Some(StageTime {
            span,
            duration: duration?,
            from,
        })
    }

    /// condition = { ident ~ comparison ~ (percent | number) }
    fn condition(&mut self, pair: Node) -> Condition {
        let at = self.span(&pair);
        let mut parts = pair.into_inner();
        let subject = parts.next().map(|p| self.ident(p)).unwrap_or_default_text();
        let comparison = match parts.next() {
            Some(op) => Spanned::new(comparison(op.as_str()), self.span(&op)),
            None => Spanned::new(Comparison::Equal, at),
        };
        let value = match parts.next() {
            Some(v) => self.threshold(v),
            None => Spanned::new(
                Threshold::Number(Decimal {
                    mantissa: 0,
                    scale: 0,
                }),
                at,
            ),
        };
        Condition {
            subject,
            comparison,
            value,
        }
    }

    /// condition_run = @{ condition_text ~ (trivia ~ "and" ~ !ident_char ~ trivia ~ condition_text)* }
    /// condition_text = _{ ident ~ trivia ~ comparison ~ trivia ~ number ~ "%"? }
    /// The grammar has read the run, so each token is found where it ends by the rule that
    /// reads it, and lowered as `condition` lowers it.
    fn condition_run(&mut self, pair: Node, conditions: &mut Vec<Condition>) {
        let text = pair.as_str();
        let start = self.offset + pair.as_span().start();
        let bytes = text.as_bytes();
        let span = |from: usize, to: usize| Span::new(start + from, start + to);
        let mut at = 0;
        while at < text.len() {
            // ident = @{ ASCII_ALPHA ~ ident_char* }
            let end = at
                + bytes[at..]
                    .iter()
                    .skip(1)
                    .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
                    .map_or(text.len() - at, |n| n + 1);
            let subject = Spanned::new(text[at..end].into(), span(at, end));
            // comparison = @{ ">=" | "<=" | ">" | "<" | "=" }
            at = super::past_trivia(text, end);
            let rest = &text[at..];
            let len = if rest.starts_with(">=") || rest.starts_with("<=") {
                2
            } else {
                1
            };
            let op = &text[at..(at + len).min(text.len())];
            let comparison = Spanned::new(comparison(op), span(at, at + op.len()));
            // number ~ "%"?
            at = super::past_trivia(text, at + op.len());
            let mut end = tokens::number_end(&bytes[at..]) + at;
            let percent = bytes.get(end) == Some(&b'%');
            end += usize::from(percent);
            let value = self.threshold_of(&text[at..end], span(at, end), percent);
            conditions.push(Condition {
                subject,
                comparison,
                value,
            });
            // trivia ~ "and" ~ trivia, or the end of the run
            at = super::past_trivia(text, end);
            if at < text.len() {
                at = super::past_trivia(text, at + "and".len());
            }
        }
    }

    /// A number or a percentage compared with.
    fn threshold(&mut self, pair: Node) -> Spanned<Threshold> {
        let percent = pair.as_rule() == Rule::percent;
        self.threshold_of(pair.as_str(), self.span(&pair), percent)
    }

    /// The number or percentage (`percent`) written `text` at `at`, compared with.
    fn threshold_of(&mut self, text: &str, at: Span, percent: bool) -> Spanned<Threshold> {
        if percent {
            Spanned::new(Threshold::Percent(self.percent_at(text, at).value), at)
        } else {
            Spanned::new(Threshold::Number(self.number_at(text, at).value), at)
        }
    }

    fn percent(&mut self, pair: Node) -> Spanned<Percent> {
        self.percent_at(pair.as_str(), self.span(&pair))
    }

    fn percent_at(&mut self, text: &str, at: Span) -> Spanned<Percent> {
        let result = tokens::percent(text, at);
        Spanned::new(
            self.keep(
                result,
                Percent(Decimal {
                    mantissa: 0,
                    scale: 0,
                }),
            ),
            at,
        )
    }

    /// in_year = { kw_in ~ kw_year ~ number }, from_year = { kw_from ~ kw_year ~ number }
    fn year_number(&mut self, pair: Node) -> Option<Spanned<Decimal>> {
        let n = pair.into_inner().find(|p| p.as_rule() == Rule::number)?;
        Some(self.number(n))
    }

    /// measure = { kw_measure ~ ident ~ string ~ lbrace ~ (!rbrace ~ measure_clause)* ~ rbrace }
    fn measure(&mut self, pair: Node) -> Measure {
        let mut parts = children(pair);
        let keyword = parts.next().map(|p| self.span(&p)).unwrap_or_default();
        let name = parts.next().map(|p| self.ident(p)).unwrap_or_default_text();
        let description = self.next_text(&mut parts);
        let clauses = parts
            .filter_map(|clause| self.measure_clause(clause))
            .collect();
        Measure {
            keyword,
            name,
            description,
            clauses,
        }
    }

    fn measure_clause(&mut self, clause: Node) -> Option<MeasureClause> {
        let rule = clause.as_rule();
        let mut inner = children(clause);
        let keyword = inner.next().map(|p| self.span(&p)).unwrap_or_default();
        Some(match rule {
            // question_clause = { kw_question ~ question }
            Rule::question_clause => {
                let q = inner.next()?;
                let value = match q.as_str() {
                    "how_much" => Question::HowMuch,
                    "how_well" => Question::HowWell,
                    _ => Question::BetterOff,
                };
                MeasureClause::Question(Spanned::new(value, self.span(&q)))
            }
            // unit_clause = { kw_unit ~ string }
            Rule::unit_clause => MeasureClause::Unit(self.next_text(&mut inner)),
            // collected_clause = { kw_collected_by ~ (string | ident) }
            Rule::collected_clause => {
                let who = inner.next()?;
                let text = if who.as_rule() == Rule::ident {
                    self.ident(who)
                } else {
                    self.text(who)
                };
                MeasureClause::CollectedBy(text)
            }
            // method_clause = { kw_method ~ string }
            Rule::method_clause => MeasureClause::Method(self.next_text(&mut inner)),
            // frequency_clause = { kw_frequency ~ frequency }
            Rule::frequency_clause => MeasureClause::Frequency(self.frequency(inner.next()?)),
            // baseline_clause = { kw_baseline ~ measure_value ~ kw_in ~ year }
            // goal_clause     = { kw_target ~ measure_value ~ kw_by ~ year }
            Rule::baseline_clause | Rule::goal_clause => {
                let value = self.measure_value(inner.next()?);
                let year = inner.find(|p| p.as_rule() == Rule::year)?;
                let year = Spanned::new(year.as_str().parse().unwrap_or(0), self.span(&year));
                if rule == Rule::baseline_clause {
                    MeasureClause::Baseline {
                        keyword,
                        value,
                        year,
                    }
                } else {
                    MeasureClause::Target {
                        keyword,
                        value,
                        year,
                    }
                }
            }
            // comparison_group_clause = { kw_compared ~ kw_with ~ string }
            Rule::comparison_group_clause => {
                MeasureClause::ComparedWith(self.next_text(&mut inner))
            }
            // tracks_clause = { kw_tracks ~ ident_list }
            _ => MeasureClause::Tracks(
                inner
                    .next()
                    .map(|list| self.ident_list(list))
                    .unwrap_or_default(),
            ),
        })
    }

    /// measure_value = _{ money | percent | number }
    fn measure_value(&mut self, pair: Node) -> Spanned<MeasureValue> {
        let at = self.span(&pair);
        let value = match pair.as_rule() {
            Rule::money => MeasureValue::Money(self.money(pair).value),
            Rule::percent => MeasureValue::Percent(self.percent(pair).value),
            _ => MeasureValue::Number(self.number(pair).value),
        };
        Spanned::new(value, at)
    }

    /// payments = { kw_payments ~ lbrace ~ payment_clause* ~ rbrace }
    fn payments(&mut self, pair: Node) -> Payments {
        let mut parts = children(pair);
        let keyword = self.keyword(&mut parts);
        let clauses = parts
            .filter_map(|clause| self.payment_clause(clause))
            .collect();
        Payments { keyword, clauses }
    }

    /// A part of a tier schedule's head (`kw_on ~ ident ~ tier_scope?`) noted in `head`, the
    /// measure's name and the scope; `false` for any other part.
    fn tiers_head_part(&mut self, part: &Node, head: &mut TiersHead) -> bool {
        match part.as_rule() {
            Rule::kw_on => {}
            Rule::ident => head.0 = Some(self.ident(part.clone())),
            Rule::tier_scope => {
                let value = if part.as_str().starts_with("per") {
                    TierScope::PerCohort
                } else {
                    TierScope::Pooled
                };
                head.1 = Some(Spanned::new(value, self.span(part)));
            }
            _ => return false,
        }
        true
    }

    /// tier_below = { kw_below ~ (percent | number) ~ kw_pays ~ kw_nothing }
    /// tier_from  = { kw_from ~ (percent | number) ~ kw_pays ~ money ~ tier_per_unit? }
    fn tier_line(&mut self, part: Node) -> Option<TierLine> {
        let line_span = self.span(&part);
        let mut pieces = children(part).skip(1);
        let threshold = self.threshold(pieces.next()?);
        let pays = pieces
            .find(|p| p.as_rule() == Rule::money)
            .map(|m| self.money(m));
        // tier_per_unit = { kw_per ~ kw_unit ~ tier_cap? }
        // tier_cap      = { kw_up ~ kw_to ~ money }
        let per_unit = pieces
            .find(|p| p.as_rule() == Rule::tier_per_unit)
            .map(|p| self.per_unit(p));
        Some(TierLine {
            span: line_span,
            threshold,
            pays,
            per_unit,
        })
    }

    /// The head of a tier schedule read a part at a time (`tiers_head` or `or_tiers_head`,
    /// parsed from the file's text starting at `offset`): the schedule with no lines yet,
    /// spanning its head; `None` where it does not lower.
    pub fn tiers_head(&mut self, pair: Node, offset: usize) -> Option<PaymentClause> {
        self.offset = offset;
        let whole = self.span(&pair);
        let (or, head) = if pair.as_rule() == Rule::or_tiers_head {
            let mut inner = pair.into_inner();
            let or = inner.next().map(|k| self.span(&k));
            (or, inner.next()?)
        } else {
            (None, pair)
        };
        // tiers_head = { kw_tiers ~ kw_on ~ ident ~ tier_scope? ~ lbrace }
        let mut noted = TiersHead::default();
        for part in children(head).skip(1) {
            self.tiers_head_part(&part, &mut noted);
        }
        Some(PaymentClause::Tiers {
            span: whole,
            measure: noted.0?,
            scope: noted.1,
            lines: Vec::new(),
            alternative: or,
        })
    }

    /// A run of a tier schedule's lines (`tiers_parts`, parsed from the file's text starting
    /// at `offset`) added to `schedule`, as lowering the whole clause adds them: `Some(false)`
    /// at the schedule's closing `}`, whose end its span is then taken to; `None` where a line
    /// does not lower.
    pub fn tiers_parts(
        &mut self,
        schedule: &mut PaymentClause,
        pair: Node,
        offset: usize,
    ) -> Option<bool> {
        self.offset = offset;
        let PaymentClause::Tiers { span, lines, .. } = schedule else {
            return None;
        };
        for part in pair.into_inner() {
            if part.as_rule() == Rule::rbrace {
                span.end = self.span(&part).end;
                return Some(false);
            }
            lines.push(self.tier_line(part)?);
        }
        Some(true)
    }

    fn payment_clause(&mut self, clause: Node) -> Option<PaymentClause> {
        let rule = clause.as_rule();
        let at = self.clause_span(&clause);
        let keyword = clause.clone().into_inner().next().map(|k| self.span(&k));
        let mut inner = children(clause).skip(1);
        Some(match rule {
            // fixed_clause = { kw_fixed ~ (fee | attachment) }
            Rule::fixed_clause => {
                let body = inner.next()?;
                if body.as_rule() == Rule::fee {
                    // fee = { money ~ kw_per ~ period ~ in_year? }
                    let mut parts = children(body);
                    let amount = self.money(parts.next()?);
                    let period = parts.find(|p| p.as_rule() == Rule::period)?;
                    let value = period_word(period.as_str());
                    let year = parts.next().and_then(|y| self.year_number(y));
                    PaymentClause::Fixed {
                        span: at,
                        amount,
                        period: Spanned::new(value, self.span(&period)),
                        year,
                    }
                } else {
                    // attachment = { percent ~ kw_of ~ kw_the ~ kw_participant_maximum ~ in_year? ~ (comma ~ year_share)* }
                    let mut shares = Vec::new();
                    for part in children(body) {
                        match part.as_rule() {
                            Rule::percent => shares.push((self.percent(part), None)),
                            Rule::in_year => {
                                let year = self.year_number(part);
                                if let Some(last) = shares.last_mut() {
                                    last.1 = year;
                                }
                            }
                            // year_share = { percent ~ in_year }
                            Rule::year_share => {
                                let mut pieces = part.into_inner();
                                let share = pieces.next().map(|p| self.percent(p));
                                let year = pieces.next().and_then(|y| self.year_number(y));
                                if let Some(share) = share {
                                    shares.push((share, year));
                                }
                            }
                            _ => {}
                        }
                    }
                    PaymentClause::Attachment { span: at, shares }
                }
            }
            // pay_clause = { kw_pay ~ money ~ kw_for ~ ident ~ due? }
            Rule::pay_clause => {
                let amount = self.money(inner.next()?);
                let stage = inner.find(|p| p.as_rule() == Rule::ident)?;
                let stage = self.ident(stage);
                // due = { kw_due ~ (on_achievement | in_arrears) }, in_arrears = { frequency ~ kw_in ~ kw_arrears }
                let due = inner.next().and_then(|d| {
                    let due_span = self.span(&d);
                    let kind = d.into_inner().nth(1)?;
                    let value = match kind.as_rule() {
                        Rule::in_arrears => {
                            Due::InArrears(self.frequency(kind.into_inner().next()?).value)
                        }
                        _ => Due::OnAchievement,
                    };
                    Some(Spanned::new(value, due_span))
                });
                PaymentClause::Pay {
                    span: at,
                    amount,
                    stage,
                    due,
                }
            }
            // cap_clause = { kw_cap ~ money ~ cap_scope }
            // cap_scope  = { (kw_per ~ kw_participant) | kw_total | (kw_on ~ kw_outcome ~ kw_payments) }
            Rule::cap_clause => {
                let amount = self.money(inner.next()?);
                let scope = inner.next()?;
                let value = match scope.as_str().split_whitespace().next() {
                    Some("per") => CapScope::PerParticipant,
                    Some("total") => CapScope::Total,
                    _ => CapScope::OutcomePayments,
                };
                PaymentClause::Cap {
                    span: at,
                    amount,
                    scope: Spanned::new(value, self.span(&scope)),
                }
            }
            // exclusive_clause = { kw_exclusive ~ alternative ~ (kw_or ~ alternative)+ }
            // alternative = { ident | (lparen ~ ident_list ~ rparen) }
            Rule::exclusive_clause => {
                let alternatives = inner
                    .filter(|p| p.as_rule() == Rule::alternative)
                    .map(|alt| {
                        let alt_span = self.span(&alt);
                        let mut names = Vec::new();
                        for part in children(alt) {
                            match part.as_rule() {
                                Rule::ident => names.push(self.ident(part)),
                                Rule::ident_list => names.extend(self.ident_list(part)),
                                _ => {}
                            }
                        }
                        Spanned::new(names, alt_span)
                    })
                    .collect();
                PaymentClause::Exclusive {
                    span: at,
                    alternatives,
                }
            }
            // bonus_clause   = { kw_bonus ~ incentive_amount ~ kw_if ~ condition ~ assessed? }
            // penalty_clause = { kw_penalty ~ incentive_amount ~ kw_if ~ condition ~ assessed? ~ from_year? }
            Rule::bonus_clause | Rule::penalty_clause => {
                let kind_value = if rule == Rule::bonus_clause {
                    IncentiveKind::Bonus
                } else {
                    IncentiveKind::Penalty
                };
                let kind = Spanned::new(kind_value, keyword.unwrap_or(at));
                let amount_pair = inner.next()?;
                let amount_span = self.span(&amount_pair);
                let amount = match amount_pair.as_rule() {
                    // share_of_outcomes = { percent ~ kw_of ~ kw_outcome ~ kw_payments }
                    Rule::share_of_outcomes => {
                        let percent = amount_pair.into_inner().next()?;
                        IncentiveAmount::ShareOfOutcomes(self.percent(percent).value)
                    }
                    _ => IncentiveAmount::Money(self.money(amount_pair).value),
                };
                let mut condition = None;
                let mut assessed = None;
                let mut from_year = None;
                for part in inner {
                    match part.as_rule() {
                        Rule::condition => condition = Some(self.condition(part)),
                        // assessed = { kw_assessed ~ frequency }
                        Rule::assessed => {
                            let frequency = part.into_inner().nth(1).map(|f| self.frequency(f));
                            assessed = frequency;
                        }
                        Rule::from_year => from_year = self.year_number(part),
                        _ => {}
                    }
                }
                PaymentClause::Incentive {
                    span: at,
                    kind,
                    amount: Spanned::new(amount, amount_span),
                    condition: condition?,
                    assessed,
                    from_year,
                }
            }
            // payer_clause = { kw_payer ~ string ~ kw_pays ~ (the_rest | percent | money) ~ payer_scope? ~ payer_cap? }
            Rule::payer_clause => {
                let name = self.next_text(&mut inner);
                let share_pair = inner.find(|p| {
                    matches!(p.as_rule(), Rule::the_rest | Rule::percent | Rule::money)
                })?;
                let share_span = self.span(&share_pair);
                let share = match share_pair.as_rule() {
                    Rule::the_rest => PayerShare::Rest,
                    Rule::percent => PayerShare::Percent(self.percent(share_pair).value),
                    _ => PayerShare::Amount(self.money(share_pair).value),
                };
                // payer_scope = { kw_of ~ kw_outcome ~ kw_payments }
                // payer_cap = { kw_up ~ kw_to ~ money ~ excess_pro_rata? }
                let (mut cap, mut outcome_payments_only, mut excess_pro_rata) = (None, None, None);
                for part in inner {
                    match part.as_rule() {
                        Rule::payer_scope => outcome_payments_only = Some(self.span(&part)),
                        Rule::payer_cap => {
                            for p in part.into_inner() {
                                match p.as_rule() {
                                    Rule::money => cap = Some(self.money(p)),
                                    Rule::excess_pro_rata => excess_pro_rata = Some(self.span(&p)),
                                    _ => {}
                                }
                            }
                        }
                        _ => {}
                    }
                }
                PaymentClause::Payer {
                    span: at,
                    name,
                    share: Spanned::new(share, share_span),
                    cap,
                    outcome_payments_only,
                    excess_pro_rata,
                }
            }
            // tiers_clause = { kw_tiers ~ kw_on ~ ident ~ tier_scope? ~ lbrace ~ (tier_below | tier_from)* ~ rbrace }
            Rule::tiers_clause => {
                let mut head = TiersHead::default();
                let mut lines = Vec::new();
                for part in inner {
                    if !self.tiers_head_part(&part, &mut head)
                        && matches!(part.as_rule(), Rule::tier_below | Rule::tier_from)
                    {
                        lines.push(self.tier_line(part)?);
                    }
                }
                PaymentClause::Tiers {
                    span: at,
                    measure: head.0?,
                    scope: head.1,
                    lines,
                    alternative: None,
                }
            }
            // or_tiers_clause = { kw_or ~ tiers_clause }
            Rule::or_tiers_clause => {
                let or_span = keyword?;
                match self.payment_clause(inner.next()?)? {
                    PaymentClause::Tiers {
                        measure,
                        scope,
                        lines,
                        ..
                    } => PaymentClause::Tiers {
                        span: at,
                        measure,
                        scope,
                        lines,
                        alternative: Some(or_span),
                    },
                    _ => return None,
                }
            }
            // participant_limit_clause = { kw_pay ~ kw_for ~ kw_at_most ~ number ~ (kw_in ~ number)? ~ ident }
            Rule::participant_limit_clause => {
                let mut most = None;
                let mut in_every = None;
                let mut cohort = None;
                for part in inner {
                    match part.as_rule() {
                        Rule::number if most.is_none() => most = Some(self.number(part)),
                        Rule::number => in_every = Some(self.number(part)),
                        Rule::ident => cohort = Some(self.ident(part)),
                        _ => {}
                    }
                }
                PaymentClause::ParticipantLimit {
                    span: at,
                    most: most?,
                    in_every,
                    cohort: cohort?,
                }
            }
            // group_clause = { kw_group ~ ident ~ string? ~ group_cap? ~ lbrace ~ ident_list? ~ rbrace }
            // group_cap = { kw_cap ~ money }
            Rule::group_clause => {
                let mut id = None;
                let mut title = None;
                let mut stages = Vec::new();
                let mut cap = None;
                let (mut open, mut close) = (at, at);
                for part in inner {
                    match part.as_rule() {
                        Rule::ident => id = Some(self.ident(part)),
                        Rule::string => title = Some(self.text(part)),
                        Rule::lbrace => open = self.span(&part),
                        Rule::ident_list => stages = self.ident_list(part),
                        Rule::rbrace => close = self.span(&part),
                        Rule::group_cap => {
                            cap = part
                                .into_inner()
                                .find(|p| p.as_rule() == Rule::money)
                                .map(|m| self.money(m));
                        }
                        _ => {}
                    }
                }
                PaymentClause::Group {
                    span: at,
                    id: id?,
                    title,
                    braces: Span::new(open.start, close.end),
                    stages,
                    cap,
                }
            }
            // deadweight_clause = { kw_deadweight ~ number ~ kw_in ~ number }
            _ => {
                let mut numbers = inner.filter(|p| p.as_rule() == Rule::number);
                let discounted = self.number(numbers.next()?);
                let of = self.number(numbers.next()?);
                PaymentClause::Deadweight {
                    span: at,
                    discounted,
                    of,
                }
            }
        })
    }

    /// monitoring = { kw_monitoring ~ lbrace ~ monitoring_clause* ~ rbrace }
    /// bidding = { kw_bidding ~ lbrace ~ bidding_clause* ~ rbrace }
    fn bidding(&mut self, pair: Node) -> Bidding {
        let mut parts = children(pair);
        let keyword = self.keyword(&mut parts);
        let clauses = parts
            .filter_map(|clause| self.bidding_clause(clause))
            .collect();
        Bidding { keyword, clauses }
    }

    fn bidding_clause(&mut self, clause: Node) -> Option<BiddingClause> {
        let rule = clause.as_rule();
        let span = self.clause_span(&clause);
        let parts: Vec<Node> = children(clause).collect();
        let stage = || parts.iter().rev().find(|p| p.as_rule() == Rule::ident);
        Some(match rule {
            // ceiling_clause = { kw_price ~ kw_at_most ~ money ~ kw_for ~ ident }
            Rule::ceiling_clause => {
                let money = parts.iter().find(|p| p.as_rule() == Rule::money)?;
                BiddingClause::Ceiling {
                    span,
                    amount: self.money(money.clone()),
                    stage: self.ident(stage()?.clone()),
                }
            }
            // floor_clause = { kw_expected ~ kw_at ~ kw_least ~ number ~ kw_for ~ ident }
            Rule::floor_clause => {
                let number = parts.iter().find(|p| p.as_rule() == Rule::number)?;
                BiddingClause::Floor {
                    span,
                    count: self.number(number.clone()),
                    stage: self.ident(stage()?.clone()),
                }
            }
            // require_clause = { kw_require ~ ident_list }
            _ => {
                let list = parts.iter().find(|p| p.as_rule() == Rule::ident_list)?;
                BiddingClause::Require {
                    span,
                    stages: self.ident_list(list.clone()),
                }
            }
        })
    }

    /// bid = { kw_bid ~ string ~ kw_on ~ string ~ lbrace ~ bid_clause* ~ rbrace }
    fn bid(&mut self, pair: Node) -> Bid {
        let mut parts = children(pair);
        let mut bid = self.bid_head(&mut parts);
        for clause in parts {
            self.bid_clause(&mut bid, clause);
        }
        bid
    }

    /// A bid with no clauses, from the parts of `bid` or `bid_head` up to its `{`.
    /// bid_head = { kw_bid ~ string ~ kw_on ~ string ~ lbrace }
    fn bid_head<'i>(&mut self, parts: &mut impl Iterator<Item = Node<'i>>) -> Bid {
        let keyword = self.keyword(parts);
        let bidder = self.next_text(parts);
        let specification = self.next_text(parts);
        Bid {
            keyword,
            bidder,
            specification,
            prices: Vec::new(),
            expected: Vec::new(),
        }
    }

    /// bid_clause = _{ pay_clause | expected_count_clause }
    fn bid_clause(&mut self, bid: &mut Bid, clause: Node) {
        if clause.as_rule() == Rule::pay_clause {
            bid.prices.extend(self.payment_clause(clause));
            return;
        }
        // expected_count_clause = { kw_expected ~ number ~ kw_for ~ ident }
        let span = self.clause_span(&clause);
        let inner: Vec<Node> = children(clause).collect();
        let number = inner.iter().find(|p| p.as_rule() == Rule::number);
        let stage = inner.iter().find(|p| p.as_rule() == Rule::ident);
        if let (Some(number), Some(stage)) = (number, stage) {
            bid.expected.push(ExpectedCount {
                span,
                count: self.number(number.clone()),
                stage: self.ident(stage.clone()),
            });
        }
    }

    fn monitoring(&mut self, pair: Node) -> Monitoring {
        let mut parts = children(pair);
        let keyword = parts.next().map(|p| self.span(&p)).unwrap_or_default();
        let mut clauses = Vec::new();
        for clause in parts {
            let rule = clause.as_rule();
            let mut inner = children(clause);
            let keyword = inner.next().map(|p| self.span(&p)).unwrap_or_default();
            // tolerance_clause = { kw_tolerance ~ percent }
            if rule == Rule::tolerance_clause {
                if let Some(share) = inner.next() {
                    let share = self.percent(share);
                    clauses.push(MonitoringClause::Tolerance { keyword, share });
                }
                continue;
            }
            let Some(frequency) = inner.next().map(|f| self.frequency(f)) else {
                continue;
            };
            clauses.push(match rule {
                // returns_clause = { kw_returns ~ frequency ~ (kw_from ~ string_list)? }
                Rule::returns_clause => {
                    let sources = inner
                        .find(|p| p.as_rule() == Rule::string_list)
                        .map(|list| children(list).map(|s| self.text(s)).collect())
                        .unwrap_or_default();
                    MonitoringClause::Returns {
                        keyword,
                        frequency,
                        sources,
                    }
                }
                // exception_clause = { kw_exception_report ~ frequency }
                Rule::exception_clause => MonitoringClause::ExceptionReport { keyword, frequency },
                // review_clause = { kw_review ~ frequency }
                _ => MonitoringClause::Review { keyword, frequency },
            });
        }
        Monitoring { keyword, clauses }
    }
}

fn pair_of(mut dates: Vec<Spanned<Date>>) -> (Spanned<Date>, Spanned<Date>) {
    let fallback = Spanned::new(
        Date {
            year: 2000,
            month: 1,
            day: 1,
        },
        Span::default(),
    );
    let end = dates.pop().unwrap_or(fallback);
    let start = dates.pop().unwrap_or(fallback);
    (start, end)
}

/// The grammar guarantees every node these lowerers read; a missing one yields an empty
/// value rather than a panic.
trait OrEmpty {
    fn unwrap_or_default_text(self) -> crate::ast::Text;
}

impl OrEmpty for Option<crate::ast::Text> {
    fn unwrap_or_default_text(self) -> crate::ast::Text {
        self.unwrap_or_else(|| Spanned::new(Str::default(), Span::default()))
    }
}

/// period = @{ ("week" | "month" | "quarter" | "term" | "year") ~ !ident_char }
fn period_word(word: &str) -> Period {
    match word {
        "week" => Period::Week,
        "month" => Period::Month,
        "quarter" => Period::Quarter,
        "term" => Period::Term,
        _ => Period::Year,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{past_trivia, OutcomeParser};
    use pest::Parser;
    use proptest::prelude::*;

    /// What may come between two tokens of a condition: nothing, spaces, tabs, line ends of
    /// each kind and comments (after `and`, something).
    const TRIVIA: [&str; 8] = ["", " ", "  ", "\t", "\n", "\r\n", "# c\n", " # and >= 1\r "];

    /// What the conditions follow in the tests.
    const CLAUSE: &str = "eligible only if ";

    /// The conditions at the start of `text` (after `CLAUSE`) read token by token with the rules `condition`
    /// and `kw_and`, as `condition ~ (kw_and ~ condition)*` reads them, lowered one at a time
    /// with `condition`: the conditions, the diagnostics, and where they end.
    fn token_by_token(text: &str) -> (String, String, usize) {
        let mut lowerer = Lowerer::default();
        let mut conditions = Vec::new();
        let mut at = 0;
        let mut end = 0;
        while let Ok(mut pairs) = OutcomeParser::parse(Rule::condition, &text[at..]) {
            let pair = pairs.next().unwrap();
            lowerer.offset = CLAUSE.len() + at;
            end = at + pair.as_span().end();
            conditions.push(lowerer.condition(pair));
            let and = past_trivia(text, end);
            let Ok(mut pairs) = OutcomeParser::parse(Rule::kw_and, &text[and..]) else {
                break;
            };
            at = past_trivia(text, and + pairs.next().unwrap().as_span().end());
        }
        let diagnostics = format!("{:?}", lowerer.diagnostics);
        (format!("{conditions:?}"), diagnostics, end)
    }

    /// The same conditions read by `eligible_clause`, where a whole run of them is one
    /// `condition_run` token lowered from its text.
    fn as_a_run(text: &str) -> (String, String, usize) {
        let clause = format!("{CLAUSE}{text}");
        let pair = OutcomeParser::parse(Rule::eligible_clause, &clause)
            .unwrap()
            .next()
            .unwrap();
        let mut lowerer = Lowerer::default();
        let mut conditions = Vec::new();
        let mut runs = 0;
        let mut end = 0;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::condition_run => {
                    runs += 1;
                    end = part.as_span().end();
                    lowerer.condition_run(part, &mut conditions);
                }
                Rule::condition => {
                    end = part.as_span().end();
                    conditions.push(lowerer.condition(part));
                }
                _ => {}
            }
        }
        // The run reads every condition: none is left to the rules after it.
        assert_eq!(runs, 1, "{text:?}");
        let diagnostics = format!("{:?}", lowerer.diagnostics);
        (format!("{conditions:?}"), diagnostics, end - CLAUSE.len())
    }

    proptest! {
        /// A run of conditions, with numbers and percentages written well or badly, anything
        /// the grammar skips between their tokens and anything after them, reads to the same
        /// conditions (spans and values), the same diagnostics and the same end as the
        /// conditions read token by token.
        #[test]
        fn a_run_of_conditions_reads_as_condition_by_condition(
            conditions in prop::collection::vec((
                "[a-zA-Z][a-zA-Z0-9_]{0,5}",
                0..TRIVIA.len(),
                prop::sample::select(vec![">=", "<=", ">", "<", "="]),
                0..TRIVIA.len(),
                "-?[0-9]{1,4}(,[0-9]{1,4}){0,2}(\\.[0-9]{0,3})?%?",
                0..TRIVIA.len(),
                1..TRIVIA.len(),
            ), 1..6),
            after in prop::sample::select(vec![
                "", " ", " }", " and", " and x", " and x >", "and 1", "andy", " evidence \"E\"",
                ",", ",5", ".", ".5", "%", " %", "# c", "\n and\n y = 1",
            ]),
        ) {
            let mut text = String::new();
            for (i, (subject, t1, op, t2, value, t3, t4)) in conditions.iter().enumerate() {
                if i > 0 {
                    text.push_str(TRIVIA[*t3]);
                    text.push_str("and");
                    text.push_str(TRIVIA[*t4]);
                }
                text.push_str(subject);
                text.push_str(TRIVIA[*t1]);
                text.push_str(op);
                text.push_str(TRIVIA[*t2]);
                text.push_str(value);
            }
            text.push_str(after);
            prop_assert_eq!(as_a_run(&text), token_by_token(&text));
        }
    }
}
