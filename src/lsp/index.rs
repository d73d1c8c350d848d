//! The names of one parsed file: where each is declared, where each is used, and the outline.
//!
//! Built from the syntax tree alone, so it exists for any file that parses, contract or
//! framework, with or without errors of meaning. Navigation across files joins the indexes of
//! a file and the files it `use`s (`super::navigate`). A bid is seen as a file that uses its
//! specification: the stages it prices and counts are references to the specification's.

use crate::ast::{self, CapScope, Declaration, MonitoringClause, PaymentClause, StageKind};
use crate::check::names;
use crate::source::Span;

/// What a name is: a kind of the checker's one namespace (`check::names::Kind`), or a payment
/// group, whose names are apart from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Outcome,
    Cohort,
    Funnel,
    Milestone,
    Target,
    Measure,
    Group,
}

impl From<names::Kind> for Kind {
    fn from(kind: names::Kind) -> Kind {
        match kind {
            names::Kind::Outcome => Kind::Outcome,
            names::Kind::Cohort => Kind::Cohort,
            names::Kind::Funnel => Kind::Funnel,
            names::Kind::Milestone => Kind::Milestone,
            names::Kind::Target => Kind::Target,
            names::Kind::Measure => Kind::Measure,
        }
    }
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Outcome => "outcome",
            Kind::Cohort => "cohort",
            Kind::Funnel => "funnel",
            Kind::Milestone => "milestone",
            Kind::Target => "target",
            Kind::Measure => "measure",
            Kind::Group => "payment group",
        }
    }
}

/// A declared name.
#[derive(Debug, Clone)]
pub struct Definition {
    pub name: String,
    pub kind: Kind,
    /// The name where it is declared.
    pub span: Span,
    /// What the declaration says in words (its description or statement).
    pub description: String,
}

/// One entry of the outline: a declaration, its whole extent, and what it holds.
#[derive(Debug, Clone)]
pub struct Item {
    pub name: String,
    pub detail: String,
    pub kind: ItemKind,
    /// From the keyword to the end of the declaration.
    pub range: Span,
    /// What to select: the name, or the keyword when there is none.
    pub selection: Span,
    pub children: Vec<Item>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Use,
    Contract,
    Name(Kind),
    Payments,
    Monitoring,
    /// A bid's price or expected count for a stage.
    Figure,
}

#[derive(Debug, Clone, Default)]
pub struct Index {
    pub definitions: Vec<Definition>,
    /// Every name written where a declared name is expected, with where.
    pub references: Vec<(String, Span)>,
    /// Each `use`, and a bid's `on`: the path as written and its span.
    pub uses: Vec<(String, Span)>,
    pub outline: Vec<Item>,
    /// Each stage that states no conversion: its name and the end of its expected count,
    /// where an inlay hint can show the computed one.
    pub unstated: Vec<(String, usize)>,
    /// Each stage, with where the line that declares it ends: a quick fix adds to its block.
    pub stages: Vec<StageSite>,
    /// Each cap, payer and group clause and its extent: a hover anywhere on one shows its
    /// figures.
    pub clauses: Vec<(Clause, Span)>,
    /// The stages the file's `payments` price, in the order written: what a bid may price.
    pub priced: Vec<String>,
    /// The rules of a `bidding` block, each with the stage it is on, as written (`price at
    /// most £3,500`, `expected at least 10`, `required`).
    pub rules: Vec<(String, String)>,
    /// For a bid, the specification as written after `on`.
    pub bid_on: Option<String>,
    /// Whether the file has a `bidding` block: a specification, which bids name.
    pub is_specification: bool,
}

/// A stage and the end of what is written before its block: its expected count and any
/// conversion, times and `after` on the same line.
#[derive(Debug, Clone)]
pub struct StageSite {
    pub name: String,
    pub header_end: usize,
    /// The end of its expected count, and of the conversion it states, if it states one.
    pub count_end: usize,
    pub conversion_end: Option<usize>,
}

/// A payment clause with figures of its own but no declared name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    Cap(CapScope),
    /// The payer's name as written.
    Payer(String),
    /// A group, whose cap is written in it.
    Group(String),
    /// A bid's opening line, with the bidder's name as written.
    Bid(String),
}

impl Index {
    pub fn definition(&self, name: &str) -> Option<&Definition> {
        self.definitions.iter().find(|d| d.name == name)
    }

    /// The rules a `bidding` block states on `stage`, as written.
    pub fn rules_on(&self, stage: &str) -> Vec<&str> {
        self.rules
            .iter()
            .filter(|(on, _)| on == stage)
            .map(|(_, rule)| rule.as_str())
            .collect()
    }

    pub fn stage_site(&self, name: &str) -> Option<&StageSite> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// The cap, payer or group clause around a byte offset, and its extent.
    pub fn clause_at(&self, offset: usize) -> Option<(&Clause, Span)> {
        self.clauses
            .iter()
            .find(|(_, span)| span.start <= offset && offset <= span.end)
            .map(|(clause, span)| (clause, *span))
    }
}

/// The index of a parsed file whose text is `text`.
pub fn build(text: &str, file: &ast::File) -> Index {
    // The names the checker collects, collected the checker's way; groups are added with the
    // payments.
    let definitions = names::declared(file)
        .into_iter()
        .map(|declared| Definition {
            name: declared.name.value.as_str().to_owned(),
            kind: declared.kind.into(),
            span: declared.name.span,
            description: declared.description.to_string(),
        })
        .collect();
    let mut index = Index {
        definitions,
        ..Index::default()
    };
    // Each declaration runs until the next one starts, less the blank lines and comments
    // between them, which belong to neither.
    let starts: Vec<usize> = file.declarations.iter().map(start_of).collect();
    for (i, declaration) in file.declarations.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let range = Span::new(starts[i], trimmed_end(text, starts[i], end));
        let item = index.declaration(text, declaration, range);
        index.outline.push(item);
    }
    index
}

fn start_of(declaration: &Declaration) -> usize {
    match declaration {
        Declaration::Use(u) => u.keyword.start,
        Declaration::Contract(c) => c.keyword.start,
        Declaration::Outcome(o) => o.keyword.start,
        Declaration::Cohort(c) => c.keyword.start,
        Declaration::Funnel(f) => f.keyword.start,
        Declaration::Measure(m) => m.keyword.start,
        Declaration::Payments(p) => p.keyword.start,
        Declaration::Monitoring(m) => m.keyword.start,
        Declaration::Bidding(b) => b.keyword.start,
        Declaration::Bid(b) => b.keyword.start,
    }
}

/// The end of `text[start..end]` without trailing blank lines and whole-line comments.
fn trimmed_end(text: &str, start: usize, end: usize) -> usize {
    let mut end = end.min(text.len()).max(start);
    loop {
        let slice = text[start..end].trim_end();
        let cut = start + slice.len();
        // A last line that is only a comment belongs to what follows it.
        match slice.rfind(['\n', '\r']) {
            Some(newline) if slice[newline + 1..].trim_start().starts_with('#') => {
                end = start + newline;
            }
            _ => return cut,
        }
    }
}

impl Index {
    fn define(&mut self, name: &ast::Ident, kind: Kind, description: &str) {
        self.definitions.push(Definition {
            name: name.value.as_str().to_owned(),
            kind,
            span: name.span,
            description: description.to_string(),
        });
    }

    fn refer(&mut self, name: &ast::Ident) {
        self.references
            .push((name.value.as_str().to_owned(), name.span));
    }

    fn declaration(&mut self, text: &str, declaration: &Declaration, range: Span) -> Item {
        let item = |name: String, detail: String, kind, selection| Item {
            name,
            detail,
            kind,
            range,
            selection,
            children: Vec::new(),
        };
        match declaration {
            Declaration::Use(u) => {
                self.uses
                    .push((u.path.value.as_str().to_owned(), u.path.span));
                item(
                    format!("use {}", u.path.value),
                    String::new(),
                    ItemKind::Use,
                    u.path.span,
                )
            }
            Declaration::Contract(c) => item(
                c.title.value.as_str().to_owned(),
                "contract".to_string(),
                ItemKind::Contract,
                c.title.span,
            ),
            Declaration::Outcome(o) => item(
                o.name.value.as_str().to_owned(),
                o.statement.value.as_str().to_owned(),
                ItemKind::Name(Kind::Outcome),
                o.name.span,
            ),
            Declaration::Cohort(c) => item(
                c.name.value.as_str().to_owned(),
                c.description.value.as_str().to_owned(),
                ItemKind::Name(Kind::Cohort),
                c.name.span,
            ),
            Declaration::Measure(m) => {
                for clause in &m.clauses {
                    if let ast::MeasureClause::Tracks(names) = clause {
                        names.iter().for_each(|n| self.refer(n));
                    }
                }
                item(
                    m.name.value.as_str().to_owned(),
                    m.description.value.as_str().to_owned(),
                    ItemKind::Name(Kind::Measure),
                    m.name.span,
                )
            }
            Declaration::Funnel(f) => {
                self.refer(&f.cohort);
                let mut funnel = item(
                    f.name.value.as_str().to_owned(),
                    f.description.value.as_str().to_owned(),
                    ItemKind::Name(Kind::Funnel),
                    f.name.span,
                );
                for (i, stage) in f.stages.iter().enumerate() {
                    let end = f
                        .stages
                        .get(i + 1)
                        .map_or(range.end, |next| next.keyword.start);
                    let end = trimmed_end(text, stage.keyword.start, end);
                    funnel
                        .children
                        .push(self.stage(stage, Span::new(stage.keyword.start, end)));
                }
                funnel
            }
            Declaration::Payments(p) => {
                let mut payments = item(
                    "payments".to_string(),
                    String::new(),
                    ItemKind::Payments,
                    p.keyword,
                );
                for clause in &p.clauses {
                    if let Some(group) = self.payment(clause) {
                        payments.children.push(group);
                    }
                }
                payments
            }
            Declaration::Monitoring(m) => {
                let detail = m
                    .clauses
                    .iter()
                    .find_map(|c| match c {
                        MonitoringClause::Returns { frequency, .. } => {
                            Some(format!("returns {}", frequency.value.word()))
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                item(
                    "monitoring".to_string(),
                    detail,
                    ItemKind::Monitoring,
                    m.keyword,
                )
            }
            Declaration::Bidding(b) => {
                self.is_specification = true;
                self.refer_bidding(b);
                item(
                    "bidding".to_string(),
                    String::new(),
                    ItemKind::Payments,
                    b.keyword,
                )
            }
            Declaration::Bid(b) => {
                // The specification is to a bid what a used file is to a contract.
                self.bid_on = Some(b.specification.value.as_str().to_owned());
                self.clauses.push((
                    Clause::Bid(b.bidder.value.as_str().to_owned()),
                    b.keyword.to(b.specification.span),
                ));
                self.uses.push((
                    b.specification.value.as_str().to_owned(),
                    b.specification.span,
                ));
                let mut bid = item(
                    "bid".to_string(),
                    b.bidder.value.as_str().to_owned(),
                    ItemKind::Payments,
                    b.keyword,
                );
                let prices = b.prices.iter().filter_map(|clause| match clause {
                    PaymentClause::Pay {
                        span,
                        amount,
                        stage,
                        ..
                    } => Some((*span, stage, format!("pay {}", amount.value))),
                    _ => None,
                });
                let counts = b
                    .expected
                    .iter()
                    .map(|e| (e.span, &e.stage, format!("expected {}", e.count.value)));
                for (span, stage, figure) in prices.chain(counts) {
                    self.refer(stage);
                    bid.children.push(Item {
                        name: format!("{figure} for {}", stage.value),
                        detail: String::new(),
                        kind: ItemKind::Figure,
                        range: span,
                        selection: stage.span,
                        children: Vec::new(),
                    });
                }
                bid.children.sort_by_key(|child| child.range);
                bid
            }
        }
    }

    /// The stages a `bidding` block names are references, so rename and references see them;
    /// each rule is kept as written for the hover on its stage.
    fn refer_bidding(&mut self, bidding: &ast::Bidding) {
        for clause in &bidding.clauses {
            match clause {
                ast::BiddingClause::Ceiling { stage, amount, .. } => {
                    self.refer(stage);
                    self.rules.push((
                        stage.value.as_str().to_owned(),
                        format!("price at most {}", amount.value),
                    ));
                }
                ast::BiddingClause::Floor { stage, count, .. } => {
                    self.refer(stage);
                    self.rules.push((
                        stage.value.as_str().to_owned(),
                        format!("expected at least {}", count.value),
                    ));
                }
                ast::BiddingClause::Require { stages, .. } => {
                    for stage in stages {
                        self.refer(stage);
                        self.rules
                            .push((stage.value.as_str().to_owned(), "required".to_string()));
                    }
                }
            }
        }
    }

    fn stage(&mut self, stage: &ast::Stage, range: Span) -> Item {
        let kind = match stage.kind {
            StageKind::Milestone => Kind::Milestone,
            StageKind::Target => Kind::Target,
        };
        if stage.conversion.is_empty() {
            self.unstated.push((
                stage.name.value.as_str().to_owned(),
                stage.expected.span.end,
            ));
        }
        let header_end = std::iter::once(stage.expected.span.end)
            .chain(stage.conversion.iter().map(|c| c.span.end))
            .chain(
                stage
                    .within
                    .iter()
                    .chain(&stage.earliest)
                    .chain(&stage.expected_time)
                    .map(|t| t.span.end),
            )
            .chain(stage.after.iter().map(|(span, _)| span.end))
            .max()
            .unwrap_or(stage.expected.span.end);
        self.stages.push(StageSite {
            name: stage.name.value.as_str().to_owned(),
            header_end,
            count_end: stage.expected.span.end,
            conversion_end: stage.conversion.last().map(|c| c.span.end),
        });
        for time in stage
            .within
            .iter()
            .chain(&stage.earliest)
            .chain(&stage.expected_time)
        {
            if let Some(from) = &time.from {
                self.refer(from);
            }
        }
        for (_, names) in &stage.after {
            names.iter().for_each(|n| self.refer(n));
        }
        stage.achieves.iter().for_each(|n| self.refer(n));
        for (_, conditions) in &stage.eligible {
            conditions.iter().for_each(|c| self.refer(&c.subject));
        }
        Item {
            name: stage.name.value.as_str().to_owned(),
            detail: stage.description.value.as_str().to_owned(),
            kind: ItemKind::Name(kind),
            range,
            selection: stage.name.span,
            children: Vec::new(),
        }
    }

    /// Record the names a payment clause uses; a group is also an entry of the outline.
    fn payment(&mut self, clause: &PaymentClause) -> Option<Item> {
        match clause {
            PaymentClause::Pay { stage, .. } => {
                self.refer(stage);
                self.priced.push(stage.value.as_str().to_owned());
            }
            PaymentClause::Exclusive { alternatives, .. } => {
                for alternative in alternatives {
                    alternative.value.iter().for_each(|n| self.refer(n));
                }
            }
            PaymentClause::Incentive { condition, .. } => self.refer(&condition.subject),
            PaymentClause::Tiers { measure, .. } => self.refer(measure),
            PaymentClause::ParticipantLimit { cohort, .. } => self.refer(cohort),
            PaymentClause::Group {
                span,
                id,
                title,
                stages,
                ..
            } => {
                let title = title.as_ref().map(|t| t.value.clone()).unwrap_or_default();
                self.define(id, Kind::Group, &title);
                self.clauses
                    .push((Clause::Group(id.value.as_str().to_owned()), *span));
                stages.iter().for_each(|n| self.refer(n));
                return Some(Item {
                    name: id.value.as_str().to_owned(),
                    detail: title.as_str().to_owned(),
                    kind: ItemKind::Name(Kind::Group),
                    range: *span,
                    selection: id.span,
                    children: Vec::new(),
                });
            }
            PaymentClause::Cap { span, scope, .. } => {
                self.clauses.push((Clause::Cap(scope.value), *span));
            }
            PaymentClause::Payer { span, name, .. } => {
                self.clauses
                    .push((Clause::Payer(name.value.as_str().to_owned()), *span));
            }
            PaymentClause::Fixed { .. }
            | PaymentClause::Attachment { .. }
            | PaymentClause::Deadweight { .. } => {}
        }
        None
    }
}

/// The identifier at or just before a byte offset, with its span: what the cursor is on.
pub fn word_at(text: &str, offset: usize) -> Option<(String, Span)> {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut start = offset;
    while start > 0 && is_word(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = offset;
    while end < bytes.len() && is_word(bytes[end]) {
        end += 1;
    }
    let word = text.get(start..end)?;
    if word.is_empty() || !word.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    Some((word.to_string(), Span::new(start, end)))
}
