//! Judged rows → the results: rows accepted and rejected with their reasons, the counts of
//! rows, the actual funnel against the plan (overall and by period) and the exceptions.
//!
//! The planned funnel to date and the report's periods depend only on the contract and the
//! report date: they are computed by `report::engine` itself and written in as constants.

use super::text::{date, lit};
use super::{Context, Script};
use crate::report::engine::{periods, planned_to_date};
use crate::schedule::plan::Entries;

pub(super) fn views(cx: &Context, script: &mut Script) {
    let stage_id = cx.by_stage("g", &|s| Some(lit(&s.stage.id)), "CAST(NULL AS TEXT)");
    let funnel_id = cx.by_stage(
        "g",
        &|s| Some(lit(&cx.contract.funnels[s.funnel].id)),
        "CAST(NULL AS TEXT)",
    );
    let place = cx.by_stage("g", &|s| Some(s.index.to_string()), "0");
    let funnel_no = cx.by_stage("g", &|s| Some(s.funnel.to_string()), "0");
    script.view(
        "outcome_accepted",
        format!(
            "SELECT p.shown AS participant, {funnel_id} AS funnel, {stage_id} AS stage, j.day AS date,
  j.row_no AS row_number, j.pkey AS participant_key, j.g AS stage_number,
  row_number() OVER (PARTITION BY j.pkey ORDER BY j.day, {funnel_no}, {place}, j.row_no) AS seq
FROM outcome__judged j JOIN outcome__people p ON p.pkey = j.pkey
WHERE j.reason IS NULL"
        ),
    );
    script.view(
        "outcome_rejected",
        format!(
            "SELECT row_no AS row_number, verdict AS reason,
  CASE WHEN verdict = 'malformed' THEN NULL ELSE participant END AS participant,
  CASE WHEN verdict = 'malformed' THEN NULL ELSE stage END AS stage
FROM outcome__checked WHERE verdict IS NOT NULL AND verdict <> 'after_report_date'
UNION ALL
SELECT v.row_no, 'duplicate', p.shown, {stage_of_v}
FROM outcome__valid v JOIN outcome__people p ON p.pkey = v.pkey WHERE v.nth > 1
UNION ALL
SELECT j.row_no, j.reason, p.shown, {stage_id}
FROM outcome__judged j JOIN outcome__people p ON p.pkey = j.pkey WHERE j.reason IS NOT NULL",
            stage_of_v = stage_id.replace("CASE g", "CASE v.g"),
        ),
    );
    script.view(
        "outcome_rejected_by_reason",
        "SELECT reason, CAST(count(*) AS BIGINT) AS rows FROM outcome_rejected GROUP BY reason",
    );
    script.view(
        "outcome_rows",
        "SELECT
  (SELECT CAST(count(*) AS BIGINT) FROM outcome__input) AS read,
  (SELECT CAST(count(*) AS BIGINT) FROM outcome_accepted) AS accepted,
  (SELECT CAST(count(*) AS BIGINT) FROM outcome_rejected) AS rejected,
  (SELECT CAST(count(*) AS BIGINT) FROM outcome__checked WHERE verdict = 'after_report_date') AS after_report_date",
    );

    // The plan, to date, from the native report's own arithmetic.
    let entries = Entries::of_contract(cx.contract);
    let planned: Vec<Vec<u64>> = (0..cx.contract.funnels.len())
        .map(|f| planned_to_date(cx.contract, &entries, f, cx.until))
        .collect();
    let stage_rows: Vec<String> = cx
        .stages
        .iter()
        .enumerate()
        .map(|(g, s)| {
            let funnel = &cx.contract.funnels[s.funnel];
            let single = match s.stage.after.as_slice() {
                [p] => cx.by_id(p),
                _ => None,
            };
            format!(
                "SELECT {g} AS g, {} AS funnel, {} AS stage, CAST({} AS BIGINT) AS planned, \
                 CAST({} AS BIGINT) AS planned_to_date, CAST({} AS INTEGER) AS single_before",
                lit(&funnel.id),
                lit(&s.stage.id),
                s.stage.expected,
                planned[s.funnel].get(s.index).copied().unwrap_or(0),
                single.map_or("NULL".to_string(), |p| p.to_string()),
            )
        })
        .collect();
    let stages = if stage_rows.is_empty() {
        "SELECT 0 AS g, CAST(NULL AS TEXT) AS funnel, CAST(NULL AS TEXT) AS stage, \
         CAST(0 AS BIGINT) AS planned, CAST(0 AS BIGINT) AS planned_to_date, \
         CAST(NULL AS INTEGER) AS single_before WHERE FALSE"
            .to_string()
    } else {
        stage_rows.join("\n  UNION ALL\n  ")
    };
    // `Percent::of_ratio(part, whole, 1)` in tenths of a percent: half up.
    let tenths = |part: &str, whole: &str| {
        cx.dialect.div(
            &format!("2 * {part} * 1000 + {whole}"),
            &format!("2 * {whole}"),
        )
    };
    script.view(
        "outcome_funnel",
        format!(
            "WITH s AS (
  {stages}
), counts AS (
  SELECT stage_number AS g, CAST(count(*) AS BIGINT) AS actual FROM outcome_accepted GROUP BY stage_number
), joined AS (
  SELECT s.*, coalesce(c.actual, 0) AS actual, b.actual AS actual_before
  FROM s LEFT JOIN counts c ON c.g = s.g LEFT JOIN counts b ON b.g = s.single_before
)
SELECT funnel, stage, planned, planned_to_date, actual,
  CASE WHEN actual_before > 0 THEN CAST({conversion} AS BIGINT) END AS actual_conversion_tenths,
  g AS stage_number
FROM joined",
            conversion = tenths("actual", "actual_before"),
        ),
    );

    let report_periods = periods(cx.contract, cx.until);
    let period_rows: Vec<String> = report_periods
        .iter()
        .enumerate()
        .map(|(n, p)| {
            format!(
                "SELECT {n} AS period_number, {} AS period, {} AS starts, {} AS ends",
                lit(&p.label),
                date(p.start),
                date(p.end)
            )
        })
        .collect();
    let period_table = if period_rows.is_empty() {
        "SELECT 0 AS period_number, CAST(NULL AS TEXT) AS period, CAST(NULL AS DATE) AS starts, \
         CAST(NULL AS DATE) AS ends WHERE FALSE"
            .to_string()
    } else {
        period_rows.join("\n  UNION ALL\n  ")
    };
    script.view("outcome__periods", period_table);
    script.view(
        "outcome_funnel_by_period",
        "SELECT f.stage_number, f.funnel, f.stage, p.period_number, p.period,
  CAST(count(a.stage_number) AS BIGINT) AS actual
FROM outcome_funnel f CROSS JOIN outcome__periods p
LEFT JOIN outcome_accepted a ON a.stage_number = f.stage_number AND a.date BETWEEN p.starts AND p.ends
GROUP BY f.stage_number, f.funnel, f.stage, p.period_number, p.period",
    );

    let tolerance = cx
        .contract
        .monitoring
        .as_ref()
        .and_then(|m| m.tolerance)
        .map_or("TRUE".to_string(), |t| {
            format!(
                "(planned_to_date - actual) * 100 * {} > {} * planned_to_date",
                10_i128.pow(t.0.scale),
                { t.0.mantissa }
            )
        });
    script.view(
        "outcome_exceptions",
        format!(
            "SELECT stage_number, funnel, stage, planned_to_date, actual, planned_to_date - actual AS shortfall,
  CAST({share} AS BIGINT) AS shortfall_share_tenths
FROM outcome_funnel
WHERE actual < planned_to_date AND {tolerance}",
            share = tenths("(planned_to_date - actual)", "planned_to_date"),
        ),
    );
}
