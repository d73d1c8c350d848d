//! What the report warns of ahead: a cohort entered beyond its size, stages ahead of plan by
//! more than the tolerance, and when each cap and limit will be reached at the current rate.
//!
//! The forecast's assumption, stated in every report that has one: payments go on at the
//! average rate of the periods counted so far (the amount counted against a limit ÷ the
//! periods from the term's start to the report date, the last counted whole), from the period
//! after the report date. A limit is reached in the first period whose end brings the amount
//! counted to at least the limit: `k = ⌈(limit − counted) × periods ÷ counted⌉` periods after
//! the last one counted. All of it is integer arithmetic on minor units.

use super::{ActualFunnel, Amount, CohortPlaces, Payments, Period, Residual};
use crate::ast::CapScope;
use crate::model::{Clause, Contract, PayerShare};
use crate::value::{Money, Percent};
use schemars::JsonSchema;
use serde::Serialize;

/// The warnings a commissioner reads first.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Outlook {
    /// Cohorts more people entered than their size holds.
    pub over_enrolled: Vec<OverEnrolment>,
    /// Stages ahead of their planned profile by more than the tolerance (any amount when the
    /// contract declares none).
    pub ahead: Vec<Ahead>,
    /// The periods the rate is worked out over: from the term's start to the report date.
    pub periods_counted: u64,
    /// What one period is: `month`, `quarter`, as the contract's returns are made.
    pub period: String,
    /// Each cap and limit, and when it is (or will be) reached at the current rate.
    pub forecasts: Vec<Forecast>,
    /// The stages that most of the payments to date are for, largest first (at most three),
    /// each with its share of the total due.
    pub drivers: Vec<Driver>,
    /// The forecast's assumption, in words.
    pub assumption: String,
}

/// Where the payments to date have gone: a stage, or a line of fees.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Driver {
    /// The stage's name, or a line of fees such as `(attachment fees)`.
    pub name: String,
    /// The stage's description, as the contract writes it; none for a line of fees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub amount: Money,
    /// Its share of the total due, to one decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<Percent>,
}

/// A cohort that more people entered than its size.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct OverEnrolment {
    pub cohort: String,
    /// The cohort's description, as the contract writes it.
    pub description: String,
    pub size: u64,
    /// People who entered: those holding a place and those turned away.
    pub entered: u64,
    /// How many more than the size: these are not paid for.
    pub beyond: u64,
}

/// A stage ahead of its planned profile.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Ahead {
    pub funnel: String,
    pub stage: String,
    /// The stage's description, as the contract writes it.
    pub description: String,
    pub planned_to_date: u64,
    pub actual: u64,
    pub excess: u64,
    /// Excess ÷ planned to date, one decimal place; none when nothing was planned yet.
    pub excess_share: Option<Percent>,
}

/// Which cap or limit a forecast is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    TotalCap,
    OutcomeCap,
    FundingLimit,
    Payer,
    /// A group's own cap on what its priced stages pay together.
    GroupCap,
}

/// When a limit is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// Already reached by the report date.
    Reached,
    /// Reached in `Forecast::period` at the current rate.
    Forecast,
    /// Not reached before the term ends at the current rate.
    NotInTerm,
    /// Nothing counted against it yet, so no rate to go on.
    NoRate,
    /// Cannot be reached: a total cap at or below it stops payments first.
    BelowCap,
}

/// One cap or limit, looked at ahead.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Forecast {
    pub kind: LimitKind,
    /// For a payer's limit: the payer.
    pub payer: Option<String>,
    /// For a group's cap: the group's identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// For a group's cap: the group's heading as written, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_title: Option<String>,
    pub limit: Money,
    /// What is counted against it to the report date: for a group's cap, the group's paid to
    /// date (`Payments::by_group`), after any deadweight.
    pub counted: Money,
    /// `counted` ÷ `Outlook::periods_counted`, rounded half up to the minor unit.
    pub per_period: Money,
    pub reach: Reach,
    /// The label of the period it is reached in (already or forecast).
    pub period: Option<String>,
    /// The clause that sets the limit, when written in the payments.
    pub clause: Option<Clause>,
}

/// A limit to forecast.
struct Wanted {
    kind: LimitKind,
    payer: Option<String>,
    /// For a group's cap: the group's identifier and heading.
    group: Option<(String, Option<String>)>,
    limit: Money,
    /// What is counted against it to the report date.
    counted: i128,
    /// Reached whatever `counted` says: a group whose stages were paid their cap before a cut
    /// of the total cap.
    reached: bool,
    clause: Option<Clause>,
}

impl Wanted {
    fn new(
        kind: LimitKind,
        payer: Option<String>,
        limit: Money,
        counted: i128,
        clause: Option<Clause>,
    ) -> Self {
        Wanted {
            kind,
            payer,
            group: None,
            limit,
            counted,
            reached: false,
            clause,
        }
    }
}

/// Everything the outlook needs from the report made so far.
pub(crate) struct Made<'a> {
    pub cohorts: &'a [CohortPlaces],
    pub funnels: &'a [ActualFunnel],
    pub tolerance: Option<Percent>,
    pub periods: &'a [Period],
    pub payments: &'a Payments,
    pub residual: &'a Residual,
}

/// The outlook of a report; an error only when a figure is too large to compute exactly.
pub(crate) fn outlook(contract: &Contract, made: &Made<'_>) -> Result<Outlook, String> {
    let over_enrolled = made
        .cohorts
        .iter()
        .filter_map(|c| {
            let size = c.size?;
            let entered = c.entered + c.turned_away;
            (entered > size).then(|| OverEnrolment {
                cohort: c.cohort.clone(),
                description: contract
                    .cohort(&c.cohort)
                    .map_or_else(String::new, |cohort| cohort.description.as_str().to_owned()),
                size,
                entered,
                beyond: entered - size,
            })
        })
        .collect();
    let ahead = ahead(contract, made.funnels, made.tolerance);

    let currency = made.payments.total.currency;
    let money = |minor: i128| Money::new(minor, currency);
    let n = made.periods.len() as i128;
    // Every period of the term, to name the period a limit is reached in.
    let term = super::engine::periods(contract, contract.term.end);
    let total = made.payments.total.minor;
    let total_cap = contract
        .payments
        .caps
        .iter()
        .find(|c| c.scope == CapScope::Total);
    let outcome_cap = contract
        .payments
        .caps
        .iter()
        .find(|c| c.scope == CapScope::OutcomePayments);

    let mut wanted: Vec<Wanted> = Vec::new();
    if let Some(cap) = total_cap {
        wanted.push(Wanted::new(
            LimitKind::TotalCap,
            None,
            cap.amount,
            total,
            Some(cap.clause.clone()),
        ));
    }
    if let Some(cap) = outcome_cap {
        // What the cap has left says what is counted against it.
        let left = made.residual.under_outcome_cap.map_or(0, |m| m.minor);
        wanted.push(Wanted::new(
            LimitKind::OutcomeCap,
            None,
            cap.amount,
            (cap.amount.minor - left).max(0),
            Some(cap.clause.clone()),
        ));
    }
    wanted.push(Wanted::new(
        LimitKind::FundingLimit,
        None,
        contract.funding_limit,
        total,
        None,
    ));
    // What each payer has paid (the first figure of a name), found by name for each payer
    // rather than searched: a contract may have thousands of payers.
    let mut paid_by: foldhash::HashMap<&str, i128> = foldhash::HashMap::default();
    for a in &made.payments.by_payer {
        paid_by.entry(a.name.as_str()).or_insert(a.amount.minor);
    }
    for payer in &contract.payments.payers {
        let limit = match (payer.cap, &payer.share) {
            (Some(cap), _) => cap,
            (None, PayerShare::Amount(amount)) => *amount,
            _ => continue,
        };
        let counted = paid_by.get(payer.name.as_str()).copied().unwrap_or(0);
        wanted.push(Wanted::new(
            LimitKind::Payer,
            Some(payer.name.as_str().to_owned()),
            limit,
            counted,
            Some(payer.clause.clone()),
        ));
    }
    // Each group's cap, against the group's paid to date as the payments by group show it
    // (after deadweight), found by the group's identifier.
    let group_paid: foldhash::HashMap<&str, &super::GroupPaid> = made
        .payments
        .by_group
        .iter()
        .map(|g| (g.name.as_str(), g))
        .collect();
    for group in &contract.payments.groups {
        let Some(cap) = group.cap else { continue };
        let paid = group_paid.get(group.id.as_str());
        wanted.push(Wanted {
            kind: LimitKind::GroupCap,
            payer: None,
            group: Some((
                group.id.to_string(),
                group.title.as_deref().map(str::to_owned),
            )),
            limit: cap,
            counted: paid.map_or(0, |g| g.amount.minor),
            reached: paid.is_some_and(|g| g.cap_reached),
            clause: Some(group.clause.clone()),
        });
    }

    let too_large = || "a forecast figure is too large to compute exactly".to_string();
    let mut forecasts = Vec::with_capacity(wanted.len());
    for Wanted {
        kind,
        payer,
        group,
        limit,
        counted,
        reached,
        clause,
    } in wanted
    {
        let per_period = if n > 0 {
            money((2 * counted + n) / (2 * n))
        } else {
            money(0)
        };
        let (reach, period) = if kind == LimitKind::FundingLimit
            && total_cap.is_some_and(|c| c.amount.minor <= limit.minor)
        {
            (Reach::BelowCap, None)
        } else if reached || counted >= limit.minor {
            let id = group.as_ref().map(|(id, _)| id.as_str());
            (Reach::Reached, reached_in(kind, id, limit, made))
        } else if counted <= 0 || n == 0 {
            (Reach::NoRate, None)
        } else {
            let need = (limit.minor - counted)
                .checked_mul(n)
                .ok_or_else(too_large)?;
            let k = (need + counted - 1) / counted;
            let index = usize::try_from(k)
                .ok()
                .and_then(|k| k.checked_add(made.periods.len() - 1));
            match index.and_then(|i| term.get(i)) {
                Some(p) => (Reach::Forecast, Some(p.label.clone())),
                None => (Reach::NotInTerm, None),
            }
        };
        let (group, group_title) = group.map_or((None, None), |(id, title)| (Some(id), title));
        forecasts.push(Forecast {
            kind,
            payer,
            group,
            group_title,
            limit,
            counted: money(counted),
            per_period,
            reach,
            period,
            clause,
        });
    }

    let mut largest: Vec<&Amount> = made
        .payments
        .by_stage
        .iter()
        .filter(|a| a.amount.minor > 0)
        .collect();
    largest.sort_by(|a, b| {
        b.amount
            .minor
            .cmp(&a.amount.minor)
            .then(a.name.cmp(&b.name))
    });
    let drivers = largest
        .into_iter()
        .take(3)
        .map(|a| Driver {
            name: a.name.clone(),
            description: contract
                .stage(&a.name)
                .map(|(_, s)| s.description.to_string()),
            amount: a.amount,
            share: Percent::of_amounts(a.amount.minor as u128, total as u128, 1),
        })
        .collect();

    let frequency = contract
        .monitoring
        .as_ref()
        .and_then(|m| m.returns)
        .unwrap_or(crate::value::Frequency::Monthly);
    let assumption = format!(
        "payments go on at the average {} rate so far (what is counted against each limit ÷ {} \
         {}{} from {} to {}), from the {} after the report date",
        frequency.word(),
        n,
        frequency.period().word(),
        if n == 1 { "" } else { "s" },
        contract.term.start,
        made.periods.last().map_or(contract.term.start, |p| p.end),
        frequency.period().word(),
    );
    Ok(Outlook {
        over_enrolled,
        ahead,
        periods_counted: n as u64,
        period: frequency.period().word().to_string(),
        forecasts,
        drivers,
        assumption,
    })
}

/// The period a limit already reached was reached in: for the total and the funding limit,
/// the first period whose payments bring the total to the limit; for a group's cap, the first
/// whose payments to the group (its row of the period's `by_group`) bring them to the cap.
fn reached_in(
    kind: LimitKind,
    group: Option<&str>,
    limit: Money,
    made: &Made<'_>,
) -> Option<String> {
    if !matches!(
        kind,
        LimitKind::TotalCap | LimitKind::FundingLimit | LimitKind::GroupCap
    ) {
        return None;
    }
    let mut sum = 0i128;
    for amount in &made.payments.by_period {
        let paid = match (kind, group) {
            (LimitKind::GroupCap, Some(id)) => amount
                .by_group
                .iter()
                .find(|g| g.name == id)
                .map_or(0, |g| g.amount.minor),
            (LimitKind::GroupCap, None) => return None,
            _ => amount.amount.minor,
        };
        sum = sum.saturating_add(paid);
        if sum >= limit.minor {
            return Some(amount.name.clone());
        }
    }
    None
}

/// Stages ahead of their planned profile by more than the tolerance (any excess when the
/// contract declares none, and any at all where nothing was planned yet).
fn ahead(
    contract: &Contract,
    funnels: &[ActualFunnel],
    tolerance: Option<crate::value::Percent>,
) -> Vec<Ahead> {
    let mut found = Vec::new();
    for funnel in funnels {
        for stage in &funnel.stages {
            if stage.actual <= stage.planned_to_date {
                continue;
            }
            let excess = stage.actual - stage.planned_to_date;
            let planned = stage.planned_to_date;
            let beyond = planned == 0
                || tolerance.is_none_or(|t| {
                    // excess / planned > t, exactly: excess × 100 × 10^s > t × planned
                    let scale = 10_i128.pow(t.0.scale);
                    excess as i128 * 100 * scale > t.0.mantissa * planned as i128
                });
            if beyond {
                found.push(Ahead {
                    funnel: funnel.id.clone(),
                    stage: stage.id.clone(),
                    description: contract
                        .stage(&stage.id)
                        .map_or_else(String::new, |(_, s)| s.description.as_str().to_owned()),
                    planned_to_date: planned,
                    actual: stage.actual,
                    excess,
                    excess_share: (planned > 0).then(|| Percent::of_ratio(excess, planned, 1)),
                });
            }
        }
    }
    found
}
