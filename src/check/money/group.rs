//! `group accommodation "Accommodation" cap £250,000 { housed, sustained_6m }`: the rate
//! card's domains, their sub-totals and their caps.
//!
//! Takes the `payments` clauses and the priced stages; hands on the checked groups, and the
//! arithmetic that splits the contract's figures into rows (each group, the stages in no
//! group, what is not a stage's price) that add up to the totals to the penny.
//!
//! How a figure is split: before any cap, each row holds the prices of its stages that the
//! plan (or the maximum) pays, the richest alternative of an exclusive rule only (the first
//! written among equals). A cut that applies to the whole (the per-participant maximum, a
//! participant limit, deadweight, the cap on outcome payments, the total cap) is shared
//! between the rows in proportion to what they hold before it (`plan::apportion`, largest
//! remainder, so the parts add up exactly). A group's own cap applies after deadweight and
//! before the cap on outcome payments, and cuts only its row. Attachment fees are an advance
//! on prices in general, not on any one stage's, so they are in the row of stages in no group.

use super::plan::{apportion, Line, RateCard};
use super::ClauseAt;
use crate::ast::PaymentClause;
use crate::check::names::Symbols;
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::model;
use crate::source::{Span, Str};
use crate::value::Money;
use foldhash::HashMap;
use std::collections::BTreeMap;

/// A checked group and where its cap is written.
pub struct Checked {
    pub group: model::Group,
    pub cap_span: Option<Span>,
}

/// Each group, checked, in the order written. A group with an error is left out, so the
/// figures are not computed (the errors stop them).
pub fn groups(
    clauses: &[&PaymentClause],
    symbols: &Symbols,
    priced: &super::PaySpans,
    source: &ClauseAt,
    out: &mut Vec<Diagnostic>,
) -> Vec<Checked> {
    let mut checked = Vec::new();
    let mut named: BTreeMap<&str, Span> = BTreeMap::new();
    // Each priced stage's group: the group's name and where the stage is listed.
    let mut listed: BTreeMap<&str, (&str, Span)> = BTreeMap::new();
    for clause in clauses {
        let PaymentClause::Group {
            span,
            id,
            title,
            braces,
            stages,
            cap,
        } = clause
        else {
            continue;
        };
        let mut clean = true;
        if let Some(first) = named.get(id.value.as_str()) {
            out.push(
                Diagnostic::new(
                    Code::E0201,
                    format!("`{}` is defined twice", id.value),
                    id.span,
                    format!("a group named `{}` again", id.value),
                )
                .also(*first, "first defined here as a group")
                .help("every group needs its own name: rename one, or list all its stages in one group"),
            );
            clean = false;
        } else {
            named.insert(&id.value, id.span);
        }
        if stages.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::E0612,
                    format!("group `{}` lists no stages", id.value),
                    *braces,
                    "nothing listed here",
                )
                .help("list the priced stages of this domain between the braces, such as `{ housed, sustained_6m }`, or remove the group"),
            );
            clean = false;
        }
        for stage in stages {
            if !priced.contains_key(&stage.value) {
                not_priced(&id.value, stage, symbols, priced, out);
                clean = false;
                continue;
            }
            match listed.get(stage.value.as_str()) {
                Some(&(other, first)) => {
                    let again = if other == id.value {
                        format!("`{}` is listed twice in group `{other}`", stage.value)
                    } else {
                        format!(
                            "`{}` is in two groups, `{other}` and `{}`",
                            stage.value, id.value
                        )
                    };
                    out.push(
                        Diagnostic::new(Code::E0610, again, stage.span, "listed again here")
                            .also(first, format!("first listed in `{other}` here"))
                            .help("a priced stage is in at most one group, so that the sub-totals add up to the total: keep it in one"),
                    );
                    clean = false;
                }
                None => {
                    listed.insert(&stage.value, (&id.value, stage.span));
                }
            }
        }
        if let Some(cap) = cap {
            if cap.value.minor == 0 {
                out.push(
                    Diagnostic::new(
                        Code::E0554,
                        format!("the cap of group `{}` is {}", id.value, cap.value),
                        cap.span,
                        "the group could pay nothing",
                    )
                    .help("a cap of nothing makes the group's prices unpayable: remove its prices, or write the most the group pays"),
                );
                clean = false;
            }
        }
        if clean {
            checked.push(Checked {
                group: model::Group {
                    id: id.value.clone(),
                    title: title.as_ref().map(|t| t.value.clone()),
                    stages: stages.iter().map(|s| s.value.clone()).collect(),
                    cap: cap.map(|c| c.value),
                    clause: source.at(*span),
                },
                cap_span: cap.map(|c| c.span),
            });
        }
    }
    checked
}

/// E0611: a name in a group that is not a priced stage.
fn not_priced(
    group: &str,
    stage: &crate::ast::Ident,
    symbols: &Symbols,
    priced: &super::PaySpans,
    out: &mut Vec<Diagnostic>,
) {
    let name = &stage.value;
    let (message, help) = match symbols.get(name).map(|s| s.kind) {
        Some(crate::check::names::Kind::Milestone | crate::check::names::Kind::Target) => (
            format!("`{name}` in group `{group}` has no price"),
            format!("a group lists the stages the contract pays for: add `pay £X for {name}`, or remove it from the group"),
        ),
        Some(kind) => (
            format!("`{name}` in group `{group}` is {} {}, not a priced stage", article(kind.word()), kind.word()),
            "a group lists priced stages (the results of the rate card), not outcomes, cohorts or measures: list the stages paid for instead".to_string(),
        ),
        None => (
            format!("`{name}` in group `{group}` is not a priced stage"),
            did_you_mean(name, priced.keys()).unwrap_or_else(|| {
                "a group lists the stages priced with `pay £X for stage`".to_string()
            }),
        ),
    };
    out.push(Diagnostic::new(Code::E0611, message, stage.span, "not a priced stage").help(help));
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The row of each priced stage: its group's index, or `ungrouped` for a stage in no group.
pub struct Rows {
    of: HashMap<Str, usize>,
    /// The groups, then the stages in no group.
    pub count: usize,
    pub ungrouped: usize,
}

impl Rows {
    pub fn new(groups: &[Checked]) -> Rows {
        let mut of = HashMap::default();
        for (i, g) in groups.iter().enumerate() {
            for stage in &g.group.stages {
                of.insert(stage.clone(), i);
            }
        }
        Rows {
            of,
            count: groups.len() + 1,
            ungrouped: groups.len(),
        }
    }

    pub fn row(&self, stage: &str) -> usize {
        if self.of.is_empty() {
            // Without groups: not even the name's hash is needed.
            return self.ungrouped;
        }
        self.of.get(stage).copied().unwrap_or(self.ungrouped)
    }
}

/// One cohort's prices split into rows: what the nested plan pays each row (people × prices,
/// the richest exclusive alternative only). Walks the stages once, in the levels of `plan::Levels`: a row's sum is
/// settled only when its running price changes, so the work is in proportion to the stages
/// (and to the stages of exclusive alternatives that overtake one another). `None` on overflow.
/// `sorted` holds the cohort's stages by expected count, most first.
pub fn cohort_rows(sorted: &[Line], card: &RateCard, rows: &Rows) -> Option<Vec<i128>> {
    let mut running = vec![0_i128; rows.count];
    let mut since = vec![0_u64; rows.count];
    let mut total = vec![0_i128; rows.count];
    // A row's price changes for the people up to `at`: what it paid for the people above
    // `at` (down from `since`) is settled.
    let bump = |row: usize,
                delta: i128,
                at: u64,
                running: &mut Vec<i128>,
                since: &mut Vec<u64>,
                total: &mut Vec<i128>|
     -> Option<()> {
        let people = i128::from(since[row].saturating_sub(at));
        total[row] = total[row].checked_add(running[row].checked_mul(people)?)?;
        since[row] = at;
        running[row] = running[row].checked_add(delta)?;
        Some(())
    };
    // Per exclusive rule: each alternative's sum and its sum per row, and the richest.
    struct Rule {
        sums: Vec<i128>,
        by_row: Vec<BTreeMap<usize, i128>>,
        best: Option<usize>,
    }
    let mut rules: HashMap<usize, Rule> = HashMap::default();
    for line in sorted {
        let (at, price, row) = (line.expected, line.price, line.row);
        match line.group {
            None => bump(row, price, at, &mut running, &mut since, &mut total)?,
            Some((g, a)) => {
                let alternatives = card.exclusive[g].alternatives.len();
                let rule = rules.entry(g).or_insert_with(|| Rule {
                    sums: vec![0; alternatives],
                    by_row: vec![BTreeMap::new(); alternatives],
                    best: None,
                });
                rule.sums[a] = rule.sums[a].checked_add(price)?;
                let in_row = rule.by_row[a].entry(row).or_insert(0);
                *in_row = in_row.checked_add(price)?;
                let best_sum = rule.best.map_or(0, |b| rule.sums[b]);
                if rule.best == Some(a) {
                    bump(row, price, at, &mut running, &mut since, &mut total)?;
                } else if rule.sums[a] > best_sum {
                    if let Some(old) = rule.best {
                        for (&r, &v) in &rule.by_row[old] {
                            bump(r, -v, at, &mut running, &mut since, &mut total)?;
                        }
                    }
                    for (&r, &v) in &rule.by_row[a] {
                        bump(r, v, at, &mut running, &mut since, &mut total)?;
                    }
                    rule.best = Some(a);
                }
            }
        }
    }
    for row in 0..rows.count {
        bump(row, 0, 0, &mut running, &mut since, &mut total)?;
    }
    Some(total)
}

/// The most one cohort's stages can pay each row, whatever the other rows pay: for each row,
/// every price of its stages (exclusive alternatives all counted, since one participant may
/// reach one alternative and another the other), with the attachment fee in the row of the
/// stages in no group, at most the per-participant maximum, times the cohort's size. A sound
/// bound for each row on its own; the rows together are bounded by the cohort's maximum.
pub fn cohort_row_most(
    stages: &[Line],
    rows: &Rows,
    attachment_fee: i128,
    maximum: i128,
    size: u64,
) -> Option<Vec<i128>> {
    let mut card_of = vec![0_i128; rows.count];
    card_of[rows.ungrouped] = attachment_fee;
    for line in stages {
        card_of[line.row] = card_of[line.row].checked_add(line.price)?;
    }
    card_of
        .into_iter()
        .map(|each| i128::from(size).checked_mul(each.min(maximum)))
        .collect()
}

/// The maximum outcome payments split into rows, through the caps: `max` is the most the
/// cohorts pay together (after the per-participant maximum and deadweight), `row_most` the
/// most each row can pay on its own (`cohort_row_most`, summed). Each group pays at most its
/// cap and its own most; together at most `max`; then the cap on outcome payments. Never
/// below anything the rules can pay, so never below the plan.
pub fn maximum_split(
    max: i128,
    row_most: &[i128],
    groups: &[Checked],
    outcome_cap: Option<i128>,
) -> Option<Split> {
    let mut bound = row_most.to_vec();
    let before_caps: Vec<i128> = bound.iter().map(|most| (*most).min(max)).collect();
    let binds = apply_caps(&mut bound, groups);
    let sum: i128 = bound.iter().try_fold(0_i128, |s, b| s.checked_add(*b))?;
    let after_groups = sum.min(max);
    // Rows adding to the total, each within its bound (a share of less than the sum never
    // passes a row's bound, even rounded up).
    let mut parts = if sum <= max {
        bound
    } else {
        share(max, &bound)?
    };
    if let Some(cap) = outcome_cap.filter(|cap| *cap < after_groups) {
        parts = share(cap, &parts)?;
    }
    Some(Split {
        before_caps,
        parts,
        binds,
        after_groups,
    })
}

/// A figure of outcome payments split into rows, through the caps.
pub struct Split {
    /// After deadweight, before the groups' caps.
    pub before_caps: Vec<i128>,
    /// After every cap on outcome payments.
    pub parts: Vec<i128>,
    /// Which groups' caps cut their rows.
    pub binds: Vec<bool>,
    /// The sum after the groups' caps, before the cap on outcome payments.
    pub after_groups: i128,
}

/// Add `part` to `sum`, row by row.
pub fn add_rows(sum: &mut [i128], part: &[i128]) -> Option<()> {
    for (s, p) in sum.iter_mut().zip(part) {
        *s = s.checked_add(*p)?;
    }
    Some(())
}

/// `amount` shared between `rows` in proportion to what they hold.
pub fn share(amount: i128, rows: &[i128]) -> Option<Vec<i128>> {
    apportion(amount, rows)
}

/// Each group's cap applied to its row; returns which caps cut.
pub fn apply_caps(rows: &mut [i128], groups: &[Checked]) -> Vec<bool> {
    groups
        .iter()
        .zip(rows.iter_mut())
        .map(|(g, row)| match g.group.cap {
            Some(cap) if cap.minor < *row => {
                *row = cap.minor;
                true
            }
            _ => false,
        })
        .collect()
}

/// W0556: a group cap at or above what the group's stages can pay at the maximum.
pub fn never_binds(group: &Checked, most: i128, out: &mut Vec<Diagnostic>) {
    let (Some(cap), Some(span)) = (group.group.cap, group.cap_span) else {
        return;
    };
    if cap.minor < most {
        return;
    }
    out.push(
        Diagnostic::new(
            Code::W0556,
            format!(
                "the cap of {cap} on group `{}` is more than its stages can pay ({})",
                group.group.id,
                Money::new(most, cap.currency)
            ),
            span,
            "this cap never applies",
        )
        .help("lower the cap to what you mean to limit, or remove it"),
    );
}

/// The rows as the model's `by_group`: each group, the stages in no group, then what is not
/// a stage's price.
pub fn figures(
    groups: &[Checked],
    at_plan: &[i128],
    at_maximum: Option<&[i128]>,
    binds_at_plan: &[bool],
    binds_at_maximum: &[bool],
    currency: crate::value::Currency,
) -> Vec<model::GroupFigures> {
    let row_of = |i: usize| match groups.get(i) {
        Some(g) => model::GroupRow::Group(g.group.id.clone()),
        None if i == groups.len() => model::GroupRow::NotInAGroup,
        None => model::GroupRow::NotAPrice,
    };
    at_plan
        .iter()
        .enumerate()
        .map(|(i, plan)| model::GroupFigures {
            row: row_of(i),
            at_plan: Money::new(*plan, currency),
            at_maximum: at_maximum
                .and_then(|m| m.get(i))
                .map(|m| Money::new(*m, currency)),
            cap_binds_at_plan: binds_at_plan.get(i).copied().unwrap_or(false),
            cap_binds_at_maximum: binds_at_maximum.get(i).copied().unwrap_or(false),
        })
        .collect()
}
