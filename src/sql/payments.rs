//! Accepted events → the payments due, in the order and with the rules of
//! `report::payments`.
//!
//! Each rule the native report applies as a running total over lines in order is written as
//! a closed form over window sums, which is exact because every amount it caps is not
//! negative:
//!
//! - per participant, what each line raises the entitlement by is cut at the per-participant
//!   maximum `M`: entitled after k lines = min(Xₖ, M) with Xₖ the sum of what the first k
//!   lines would pay uncut, so a line pays min(Xₖ, M) − min(Xₖ₋₁, M);
//! - over outcome lines in order of falling due, deadweight applies to the running gross
//!   total (rounded once, halves away from zero) and the cap on outcome payments to what
//!   remains: net after k lines = min(after deadweight(grossₖ), cap);
//! - over every line in order of falling due, the total cap `C` (and the contract's maximum
//!   exposure) stops payments: with Sₖ the running sum of lines (a penalty is negative), the
//!   total paid after k lines is Sₖ − max(0, max over j ≤ k of (Sⱼ − C)), which is the
//!   recurrence tₖ = min(tₖ₋₁ + aₖ, C) solved.
//!
//! What depends only on the contract and the report date is computed by the native code and
//! written in: the fixed fee lines, the attachment fee of each cohort and contract year, the
//! periods payments fall due at the end of, the assessments of bonuses and penalties.

use super::text::{date, lit};
use super::{Context, Refusal, Script};
use crate::ast::{CapScope, Due, IncentiveKind, Threshold};
use crate::check::money::plan;
use crate::diagnostic::Code;
use crate::model::{self, IncentiveAmount, SubjectKind};
use crate::report::payments::assessments;
use crate::schedule::{contract_year, fee_due_dates};
use crate::value::{Date, Percent};
use std::fmt::Write as _;

pub(super) fn views(cx: &Context, script: &mut Script) -> Result<(), Refusal> {
    let contract = cx.contract;
    let p = &contract.payments;
    let d = cx.dialect;
    let money = |minor: i128| format!("CAST({minor} AS {})", d.money());
    let cap_of = |scope: CapScope| p.caps.iter().find(|c| c.scope == scope);

    // Stage constants: price, exclusive alternatives.
    // Each stage's price and exclusive alternative by name, found once (the first, as a
    // search would): a search for each stage is quadratic in a long funnel.
    let mut prices: foldhash::HashMap<&str, &crate::model::Price> = Default::default();
    for pr in &p.prices {
        prices.entry(pr.stage.as_str()).or_insert(pr);
    }
    let mut groups: foldhash::HashMap<&str, (usize, usize)> = Default::default();
    for (g, group) in p.exclusive.iter().enumerate() {
        for (a, alternative) in group.alternatives.iter().enumerate() {
            for s in alternative {
                groups.entry(s.as_str()).or_insert((g, a));
            }
        }
    }
    let price_of = |id: &str| prices.get(id).copied();
    let in_group = |id: &str| groups.get(id).copied();
    let ungrouped = cx.by_stage(
        "stage_number",
        &|s| match (price_of(&s.stage.id), in_group(&s.stage.id)) {
            (Some(pr), None) => Some(money(pr.amount.minor)),
            _ => None,
        },
        &money(0),
    );
    // Each alternative's column: the price of each stage in it. All built in one walk of
    // the stages (`by_stage_in_parts`), the alternatives numbered in order across groups.
    let mut first_alternative = Vec::with_capacity(p.exclusive.len());
    let mut alternatives_in_all = 0;
    for group in &p.exclusive {
        first_alternative.push(alternatives_in_all);
        alternatives_in_all += group.alternatives.len();
    }
    let mut columns = cx
        .by_stage_in_parts(
            "stage_number",
            alternatives_in_all,
            &|s| match (price_of(&s.stage.id), in_group(&s.stage.id)) {
                (Some(pr), Some((g, a))) => {
                    Some((first_alternative[g] + a, money(pr.amount.minor)))
                }
                _ => None,
            },
            &money(0),
        )
        .into_iter();
    let mut alternative_columns = Vec::new();
    let mut alternative_sums = Vec::new();
    let mut richest = Vec::new();
    for (g, group) in p.exclusive.iter().enumerate() {
        let mut sums = Vec::new();
        for a in 0..group.alternatives.len() {
            let column = columns.next().unwrap_or_else(|| money(0));
            alternative_columns.push(format!("{column} AS x{g}_{a}"));
            alternative_sums.push(format!(
                "sum(x{g}_{a}) OVER upto_line AS s{g}_{a}, sum(x{g}_{a}) OVER upto_line - x{g}_{a} AS b{g}_{a}"
            ));
            sums.push(format!("{g}_{a}"));
        }
        richest.push(sums);
    }
    // A participant's card after a line (`u`, `s…`: running sums up to it) and before it
    // (`u_before`, `b…`: the same less the line's own), from one sort of their lines.
    let card_of = |u: &str, s: &str| {
        let group = |sums: &Vec<String>| {
            let columns: Vec<String> = sums.iter().map(|g_a| format!("{s}{g_a}")).collect();
            if columns.len() == 1 {
                columns.join("")
            } else {
                format!("greatest({})", columns.join(", "))
            }
        };
        std::iter::once(u.to_string())
            .chain(richest.iter().map(group))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let card = card_of("u", "s");
    let card_before = card_of("u_before", "b");
    let priced = cx.by_stage(
        "stage_number",
        &|s| price_of(&s.stage.id).map(|_| "TRUE".to_string()),
        "FALSE",
    );
    let rate = cx.by_stage(
        "stage_number",
        &|s| price_of(&s.stage.id).map(|pr| money(pr.amount.minor)),
        &format!("CAST(NULL AS {})", d.money()),
    );
    let clause = cx.by_stage(
        "stage_number",
        &|s| price_of(&s.stage.id).map(|pr| lit(&pr.clause.to_string())),
        "CAST(NULL AS TEXT)",
    );

    // The cohort of a participant's first event sets their maximum and attachment fee.
    // Each cohort's place and per-participant maximum found through maps (the first of a
    // name, as a search would), not a search per stage or cohort: quadratic in many cohorts.
    let cohort_of_stage = cx.by_stage(
        "first_stage",
        &|s| {
            contract
                .cohort_place(&contract.funnels[s.funnel].cohort)
                .map(|c| c.to_string())
        },
        "-1",
    );
    let mut maximums: foldhash::HashMap<&str, i128> = Default::default();
    for m in &contract.figures.per_participant {
        maximums.entry(m.cohort.as_str()).or_insert(m.maximum.minor);
    }
    let maximum_of = |cohort: &str| maximums.get(cohort).copied();
    let maximum_arms: Vec<String> = contract
        .cohorts
        .iter()
        .enumerate()
        .filter_map(|(c, cohort)| {
            maximum_of(&cohort.id).map(|m| format!("WHEN {c} THEN {}", money(m)))
        })
        .collect();
    let maximum = if maximum_arms.is_empty() {
        format!("CAST(NULL AS {})", d.money())
    } else {
        format!("CASE cohort {} END", maximum_arms.join(" "))
    };
    let years = contract_years(cx);
    let year_of = |day: &str| {
        let arms: Vec<String> = years
            .iter()
            .map(|(n, _, end)| format!("WHEN {day} <= {} THEN {n}", date(*end)))
            .collect();
        format!("CASE {} ELSE {} END", arms.join(" "), years.len() + 1)
    };
    let null_money = format!("CAST(NULL AS {})", d.money());
    // The attachment fee of each cohort (by number) in each contract year it has one.
    let mut fees_of_cohort: Vec<(usize, Vec<(u32, i128)>)> = Vec::new();
    let attachment = match &p.attachment {
        None => null_money.clone(),
        Some(attachment) => {
            let mut arms = Vec::new();
            for (c, cohort) in contract.cohorts.iter().enumerate() {
                let mut fees = Vec::new();
                for (year, _, _) in &years {
                    let share = attachment
                        .shares
                        .iter()
                        .find(|s| s.year == Some(*year))
                        .or_else(|| attachment.shares.iter().find(|s| s.year.is_none()));
                    let Some(share) = share else { continue };
                    let fee = maximum_of(&cohort.id)
                        .and_then(|m| plan::percent_of(m, share.share))
                        .ok_or_else(|| Refusal {
                            code: Code::E0542,
                            message: format!(
                                "the attachment fee of cohort `{}` cannot be computed: the cohort has no per-participant maximum",
                                cohort.id
                            ),
                            clause: Some(attachment.clause.clone()),
                            help: "give the cohort a size or the contract a per-participant cap, so that `check` computes what one participant can earn".to_string(),
                        })?;
                    arms.push(format!(
                        "WHEN cohort = {c} AND contract_year_no = {year} THEN {}",
                        money(fee)
                    ));
                    fees.push((*year, fee));
                }
                if !fees.is_empty() {
                    fees_of_cohort.push((c, fees));
                }
            }
            if arms.is_empty() {
                null_money.clone()
            } else {
                format!("CASE {} END", arms.join(" "))
            }
        }
    };
    let attachment_clause = p
        .attachment
        .as_ref()
        .map_or("CAST(NULL AS TEXT)".to_string(), |a| {
            lit(&a.clause.to_string())
        });
    let capped =
        |x: &str| format!("CASE WHEN maximum IS NULL THEN {x} ELSE least({x}, maximum) END");
    let due = cx.by_stage(
        "stage_number",
        &|s| {
            price_of(&s.stage.id).and_then(|pr| match pr.due {
                Due::OnAchievement => None,
                Due::InArrears(frequency) => Some(arrears(cx, frequency.period())),
            })
        },
        "date",
    );
    let alternatives = if alternative_columns.is_empty() {
        String::new()
    } else {
        format!(", {}", alternative_columns.join(", "))
    };
    let sums = if alternative_sums.is_empty() {
        String::new()
    } else {
        format!(", {}", alternative_sums.join(", "))
    };
    let attach_amount = format!("{} - {}", capped("(earlier + fee)"), capped("earlier"));
    let price_amount = format!(
        "{} - {}",
        capped("(earlier + fee + raised)"),
        capped("(earlier + fee)")
    );
    // What the lines before each one earned: the attachment fees before it, plus the card
    // before it (what each line raises the card by adds up to the card). A participant's
    // cohort is that of their first line, so the fees before a line are the running sum of
    // the fees their cohort would be paid: one running sum for each cohort with a fee, all
    // over the one sort of the participant's lines, each less the line's own. No running
    // sum here looks only at the lines before (its frame would cost DuckDB a tree of sums).
    let entries = entry_numbers(cx);
    let zero = money(0);
    let cohort_fees: String = fees_of_cohort
        .iter()
        .map(|(c, fees)| {
            let arms: Vec<String> = fees
                .iter()
                .map(|(year, fee)| format!("WHEN {year} THEN {}", money(*fee)))
                .collect();
            format!(
                ", CASE WHEN stage_number IN ({entries}) THEN (CASE contract_year_no {} ELSE {zero} END) ELSE {zero} END AS f{c}",
                arms.join(" ")
            )
        })
        .collect();
    let cohort_fee_sums: String = fees_of_cohort
        .iter()
        .map(|(c, _)| format!(", sum(f{c}) OVER upto_line - f{c} AS fb{c}"))
        .collect();
    let fees_before = if fees_of_cohort.is_empty() {
        String::new()
    } else {
        let arms: Vec<String> = fees_of_cohort
            .iter()
            .map(|(c, _)| format!("WHEN {c} THEN fb{c}"))
            .collect();
        format!("(CASE cohort {} ELSE {zero} END) + ", arms.join(" "))
    };
    script.view(
        "outcome__items",
        format!(
            "WITH dated AS (
  SELECT a.*, {year} AS contract_year_no FROM outcome_accepted a
), e AS (
  SELECT *, {ungrouped} AS x{alternatives}, {priced} AS priced{cohort_fees}
  FROM dated
), sums AS (
  SELECT *, first_value(stage_number) OVER upto_line AS first_stage,
    sum(x) OVER upto_line AS u, sum(x) OVER upto_line - x AS u_before{sums}{cohort_fee_sums}
  FROM e
  WINDOW upto_line AS (PARTITION BY participant_key ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), cohorts AS (
  SELECT *, {cohort_of_stage} AS cohort, {card} AS card, {card_before} AS card_before FROM sums
), cards AS (
  SELECT *, {maximum} AS maximum, {attachment} AS attachment_fee FROM cohorts
), steps AS (
  SELECT *, card - card_before AS raised,
    CASE WHEN stage_number IN ({entries}) THEN coalesce(attachment_fee, {zero}) ELSE {zero} END AS fee,
    {fees_before}card_before AS earlier
  FROM cards
)
SELECT participant, participant_key, stage, date, seq, priced, stage_number,
  stage_number IN ({entries}) AND attachment_fee IS NOT NULL AS attached,
  fee, {attach_amount} AS fee_amount,
  raised, {price_amount} AS price_amount,
  {rate} AS rate, {clause} AS clause, {due} AS due
FROM steps",
            year = year_of("date"),
            attach_amount = attach_amount,
            price_amount = price_amount,
        ),
    );

    // Outcome lines in order of falling due, then deadweight and the cap on outcome payments.
    let by = |column: &str| d.bytewise(column);
    let net_of = |gross: &str| {
        let after = match &p.deadweight {
            Some(dw) => d.div(
                &format!("2 * {gross} * {} + {}", dw.of - dw.discounted, dw.of),
                &format!("{}", 2 * dw.of),
            ),
            None => gross.to_string(),
        };
        match cap_of(CapScope::OutcomePayments) {
            Some(cap) => format!("least({after}, {})", money(cap.amount.minor)),
            None => after,
        }
    };
    // A line pays the net after it less the net before it: the gross before a line is the
    // gross after it less its amount, so one sort gives both (no second sort for `lag`).
    let (net, net_before) = (net_of("gross"), net_of("(gross - amount)"));
    script.view(
        "outcome__outcome_lines",
        format!(
            "WITH lines AS (
  SELECT 'attachment' AS kind, 1 AS kind_rank, participant, CAST(NULL AS TEXT) AS stage, date AS earned,
    date AS due, fee AS rate, fee_amount AS amount, {attachment_clause} AS clause, seq, 0 AS item
  FROM outcome__items WHERE attached
  UNION ALL
  SELECT 'price', 0, participant, stage, date, due, rate, price_amount, clause, seq, 1
  FROM outcome__items WHERE priced
), ordered AS (
  SELECT *, row_number() OVER in_order AS ord, sum(amount) OVER in_order AS gross
  FROM lines WHERE due <= {until}
  WINDOW in_order AS (ORDER BY due, {participant}, stage IS NOT NULL, {stage}, kind_rank, seq, item
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT kind, kind_rank, participant, stage, earned, due, rate,
  {net} - CASE WHEN ord = 1 THEN {zero} ELSE {net_before} END AS amount, clause, ord
FROM ordered",
            participant = by("participant"),
            stage = by("stage"),
            until = date(cx.until),
            zero = money(0),
        ),
    );

    // Everything in order of falling due, within the total cap and the maximum exposure.
    let exposure = contract.figures.maximum_exposure.minor;
    let limit = cap_of(CapScope::Total).map_or(exposure, |c| c.amount.minor.min(exposure));
    let period_label = {
        let arms: Vec<String> = crate::report::engine::periods(contract, cx.until)
            .iter()
            .map(|pe| {
                format!(
                    "WHEN due BETWEEN {} AND {} THEN {}",
                    date(pe.start),
                    date(pe.end),
                    lit(&pe.label)
                )
            })
            .collect();
        format!("CASE {} ELSE {} END", arms.join(" "), d.date_text("due"))
    };
    script.write_view("outcome_payments", |out| {
        out.push_str(
            "WITH lines AS (
  SELECT kind, kind_rank, participant, stage, earned, due, rate, amount, clause, 0 AS grp, ord
  FROM outcome__outcome_lines
  UNION ALL
  SELECT kind, kind_rank, participant, stage, earned, due, rate, amount, clause, 1 AS grp, ord FROM (
  ",
        );
        other_lines(cx, out);
        // Writing to a `String` cannot fail.
        let _ = write!(
            out,
            "
  ) other
), ordered AS (
  SELECT *, row_number() OVER in_order AS line, sum(amount) OVER in_order AS s
  FROM lines
  WINDOW in_order AS (ORDER BY due, kind_rank, {participant} NULLS FIRST, {stage} NULLS FIRST, grp, ord
    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), over_limit AS (
  SELECT *, max(s - {limit}) OVER by_line AS beyond, max(s - {limit}) OVER before_line AS beyond_before
  FROM ordered
  WINDOW by_line AS (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
    before_line AS (ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), paid AS (
  SELECT *, s - greatest({zero}, beyond) AS t,
    CASE WHEN line = 1 THEN {zero} ELSE s - amount - greatest({zero}, beyond_before) END AS t_before
  FROM over_limit
)
SELECT line AS line_number, kind, participant, stage, earned, due, {period_label} AS period,
  CAST(rate AS BIGINT) AS rate,
  CAST(t - t_before AS BIGINT) AS amount,
  clause
FROM paid",
            participant = by("participant"),
            stage = by("stage"),
            limit = money(limit),
            zero = money(0),
        );
    });
    script.view(
        "outcome_payment_total",
        "SELECT CAST(coalesce(sum(amount), 0) AS BIGINT) AS total FROM outcome_payments",
    );
    payers(cx, script);
    Ok(())
}

/// The fixed fees, bonuses and penalties, a line each (or none), `UNION ALL`ed: written
/// straight into the script, where a list of them, joined, then written into the table held
/// them three times over (98 MB for 1 MB of fixed fees).
fn other_lines(cx: &Context, out: &mut String) {
    let contract = cx.contract;
    let p = &contract.payments;
    let money = |minor: i128| format!("CAST({minor} AS {})", cx.dialect.money());
    let mut other = OtherLines { out, count: 0 };
    for fee in &p.fixed_fees {
        for ends in fee_due_dates(contract.term, fee) {
            if ends > cx.until {
                continue;
            }
            let n = other.count;
            other.push(format_args!(
                "SELECT 'fixed_fee' AS kind, 2 AS kind_rank, CAST(NULL AS TEXT) AS participant, \
                 CAST(NULL AS TEXT) AS stage, {day} AS earned, {day} AS due, {amount} AS rate, \
                 {amount} AS amount, {clause} AS clause, {n} AS ord",
                day = date(ends),
                amount = money(fee.amount.minor),
                clause = lit(&fee.clause.to_string()),
            ));
        }
    }
    for incentive in &p.incentives {
        if !matches!(incentive.subject_kind, SubjectKind::Stage) {
            continue; // refused before compiling
        }
        let Some(g) = cx.by_id(&incentive.condition.subject) else {
            continue;
        };
        let threshold = match incentive.condition.value {
            Threshold::Number(t) | Threshold::Percent(Percent(t)) => t,
        };
        let op = comparison(incentive.condition.comparison);
        for (assessed, ends) in assessments(contract, incentive, cx.until) {
            let rate = match incentive.amount {
                IncentiveAmount::Money(m) => money(m.minor),
                IncentiveAmount::ShareOfOutcomePayments(share) => share_of(
                    cx,
                    &format!(
                        "(SELECT coalesce(sum(amount), {}) FROM outcome__outcome_lines WHERE due BETWEEN {} AND {})",
                        money(0),
                        date(assessed),
                        date(ends)
                    ),
                    share,
                ),
            };
            let (kind, rank, signed) = match incentive.kind {
                IncentiveKind::Bonus => ("bonus", 3, rate),
                IncentiveKind::Penalty => ("penalty", 4, format!("(-{rate})")),
            };
            let n = other.count;
            other.push(format_args!(
                "SELECT '{kind}', {rank}, CAST(NULL AS TEXT), {stage}, {day}, {day}, {signed}, {signed}, {clause}, {n} \
                 FROM (SELECT count(*) AS reached FROM outcome_accepted WHERE stage_number = {g}) c \
                 WHERE CAST(c.reached AS DECIMAL(38, 6)) {op} CAST('{threshold}' AS DECIMAL(38, 6))",
                stage = lit(&incentive.condition.subject),
                day = date(ends),
                clause = lit(&incentive.clause.to_string()),
            ));
        }
    }
    if other.count == 0 {
        let _ = write!(
            other.out,
            "SELECT CAST(NULL AS TEXT) AS kind, 0 AS kind_rank, CAST(NULL AS TEXT) AS participant, \
             CAST(NULL AS TEXT) AS stage, CAST(NULL AS DATE) AS earned, CAST(NULL AS DATE) AS due, \
             {z} AS rate, {z} AS amount, CAST(NULL AS TEXT) AS clause, 0 AS ord WHERE FALSE",
            z = money(0)
        );
    }
}

/// Lines of a `UNION ALL`, written one after another, and how many.
struct OtherLines<'a> {
    out: &'a mut String,
    count: usize,
}

impl OtherLines<'_> {
    fn push(&mut self, line: std::fmt::Arguments<'_>) {
        if self.count > 0 {
            self.out.push_str("\n  UNION ALL\n  ");
        }
        // Writing to a `String` cannot fail.
        let _ = self.out.write_fmt(line);
        self.count += 1;
    }
}

/// The global numbers of the funnels' entries, as a list for `IN (…)`.
fn entry_numbers(cx: &Context) -> String {
    let entries: Vec<String> = (0..cx.contract.funnels.len())
        .map(|f| cx.global(f, 0).to_string())
        .collect();
    if entries.is_empty() {
        "-1".to_string()
    } else {
        entries.join(", ")
    }
}

/// Contract years from the first to one past the term: (number, first day, last day).
fn contract_years(cx: &Context) -> Vec<(u32, Date, Date)> {
    let mut years = Vec::new();
    let mut n = 1;
    loop {
        let (start, _) = contract_year(cx.contract.term, n);
        if start > cx.contract.term.end {
            break;
        }
        let next = cx.contract.term.start.add_months(12 * n);
        years.push((n, start, Date::from_day_number(next.day_number() - 1)));
        n += 1;
    }
    years
}

/// The last day of the period (counted from the start of the term) that `date` falls in:
/// when a payment in arrears falls due (`schedule::due_date`).
fn arrears(cx: &Context, period: crate::value::Period) -> String {
    let start = cx.contract.term.start;
    let mut arms = Vec::new();
    let mut n = 0u32;
    loop {
        let begins = period.start_of(start, n);
        if begins > cx.contract.term.end {
            break;
        }
        let ends = Date::from_day_number(period.start_of(start, n + 1).day_number() - 1);
        arms.push(format!("WHEN date <= {day} THEN {day}", day = date(ends)));
        n += 1;
    }
    format!("(CASE {} END)", arms.join(" "))
}

fn comparison(c: crate::ast::Comparison) -> &'static str {
    use crate::ast::Comparison;
    match c {
        Comparison::AtLeast => ">=",
        Comparison::Above => ">",
        Comparison::AtMost => "<=",
        Comparison::Below => "<",
        Comparison::Equal => "=",
    }
}

/// `amount × share`, rounded once, halves away from zero (`plan::percent_of`).
fn share_of(cx: &Context, amount: &str, share: Percent) -> String {
    let per_hundred = 100 * 10_i128.pow(share.0.scale);
    let d = cx.dialect;
    format!(
        "(sign({amount}) * {})",
        d.div(
            &format!("2 * abs({amount}) * {} + {per_hundred}", {
                share.0.mantissa
            }),
            &format!("{}", 2 * per_hundred)
        )
    )
}

/// The total shared between the payers (`plan::PayerSplit`): fixed amounts first,
/// then percentages of what remains (the last takes the rounding when they add up to 100%
/// and no payer pays the rest), then the rest; each payer stops at its cap.
fn payers(cx: &Context, script: &mut Script) {
    let payers = &cx.contract.payments.payers;
    let d = cx.dialect;
    let money = |minor: i128| format!("CAST({minor} AS {})", d.money());
    if payers.is_empty() {
        script.view(
            "outcome_payers",
            "SELECT 0 AS payer_number, CAST(NULL AS TEXT) AS payer, CAST(0 AS BIGINT) AS amount WHERE FALSE",
        );
        return;
    }
    let capped = |i: usize, wanted: &str| match payers[i].cap {
        Some(cap) => format!(
            "greatest(least({wanted}, {}), {})",
            money(cap.minor),
            money(0)
        ),
        None => format!("greatest({wanted}, {})", money(0)),
    };
    let mut steps = vec![format!(
        "s0 AS (SELECT CAST(total AS {}) AS r0, {} AS shared0 FROM outcome_payment_total)",
        d.money(),
        money(0)
    )];
    let mut k = 0usize;
    let push = |steps: &mut Vec<String>,
                k: &mut usize,
                i: usize,
                part: String,
                wanted: Option<String>| {
        let next = *k + 1;
        let shared = match wanted {
            Some(w) => format!("shared{k} + ({w})"),
            None => format!("shared{k}"),
        };
        steps.push(format!(
            "s{next} AS (SELECT s{k}.*, {part} AS part{i}, r{k} - ({part}) AS r{next}, {shared} AS shared{next} FROM s{k})"
        ));
        *k = next;
    };
    for (i, payer) in payers.iter().enumerate() {
        if let model::PayerShare::Amount(fixed) = payer.share {
            let part = capped(i, &format!("least({}, r{k})", money(fixed.minor)));
            push(&mut steps, &mut k, i, part, None);
        }
    }
    let base = format!("r{k}");
    let has_rest = payers
        .iter()
        .any(|p| matches!(p.share, model::PayerShare::Rest));
    let percent_payers: Vec<usize> = (0..payers.len())
        .filter(|i| matches!(payers[*i].share, model::PayerShare::Percent(_)))
        .collect();
    let total_percent: i128 = percent_payers
        .iter()
        .filter_map(|&i| match payers[i].share {
            model::PayerShare::Percent(p) => {
                Some(p.0.mantissa * 10_i128.pow(6_u32.saturating_sub(p.0.scale)))
            }
            _ => None,
        })
        .sum();
    for (n, &i) in percent_payers.iter().enumerate() {
        let model::PayerShare::Percent(percent) = payers[i].share else {
            continue;
        };
        let mut wanted = share_of(cx, &base, percent);
        if n + 1 == percent_payers.len() && !has_rest && total_percent == 100 * 1_000_000 {
            wanted = format!("({base} - shared{k})");
        }
        let part = capped(i, &format!("least({wanted}, r{k})"));
        push(&mut steps, &mut k, i, part, Some(wanted));
    }
    for (i, payer) in payers.iter().enumerate() {
        if matches!(payer.share, model::PayerShare::Rest) {
            let part = capped(i, &format!("r{k}"));
            push(&mut steps, &mut k, i, part, None);
        }
    }
    let mut rows: Vec<String> = payers
        .iter()
        .enumerate()
        .map(|(i, payer)| {
            format!(
                "SELECT {i} AS n, {} AS payer, CAST(part{i} AS BIGINT) AS amount FROM s{k}",
                lit(&payer.name)
            )
        })
        .collect();
    rows.push(format!(
        "SELECT {} AS n, '(not funded by any payer)', CAST(r{k} AS BIGINT) FROM s{k} WHERE r{k} <> 0",
        payers.len()
    ));
    script.view(
        "outcome_payers",
        format!(
            "WITH {}\nSELECT n AS payer_number, payer, amount FROM (\n  {}\n) shares",
            steps.join(",\n"),
            rows.join("\n  UNION ALL\n  ")
        ),
    );
}
