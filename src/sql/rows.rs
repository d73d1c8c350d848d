//! Return rows → rows judged on their own, as `report::engine` judges them while streaming:
//! the fields read (trimmed as the CSV reader trims them), the stage known, the date real and
//! inside the term and the report period, the cohort right, the evidence given; then of two
//! claims of one stage on one day by one participant the row read first stands.
//!
//! Views: `outcome__input` (fields trimmed), `outcome__checked` (each row's verdict),
//! `outcome__valid` (rows that pass, with the participant key), `outcome__people` (each
//! participant's reference as first written and attributes as first given) and
//! `outcome__claims` (one claim per participant, stage and day, with its eligibility).

use super::text::{days_in_month, ident, lit, ymd};
use super::{Context, Script};
use crate::ast::{Comparison, Threshold};
use crate::model::Condition;
use std::fmt::Write as _;

/// A date as `report::engine::parse_date` reads one: four characters of year (a sign and
/// three digits allowed, as Rust reads an `i32`), two of month and two of day (a `+` and one
/// digit allowed, as Rust reads a `u32`).
const DATE_FORM: &str = "([+-][0-9]{3}|[0-9]{4})-([+][0-9]|[0-9]{2})-([+][0-9]|[0-9]{2})";

/// A value `report::engine::read_decimal` reads, once any `%` at its end is taken off.
const DECIMAL_FORM: &str = "-?[0-9]{1,15}([.][0-9]{0,6})?";

/// A return's own columns, in the order `outcome__input` numbers them after `row_number`.
const OWN: [&str; 5] = ["participant", "stage", "date", "evidence", "cohort"];

pub(super) fn views(cx: &Context, table: &str, script: &mut Script) {
    let d = cx.dialect;
    let field = |column: &str| d.trim(&format!("coalesce(CAST({} AS TEXT), '')", ident(column)));
    // The columns a return may leave out (the evidence, the cohort, each attribute) read as
    // empty when the table has none, as when a CSV has none: a one-row table of NULLs under
    // those names encloses the read of the table, and a name the table lacks is found there
    // (SQL looks for a column in the nearest query first). The fields are named by number
    // inside, as no column the script reads is (an attribute's name begins with a letter),
    // so that DuckDB never takes a missing column for one of them. A column per attribute:
    // written straight into the script, the largest table of many conditions (50 MB of 70
    // for 1 MB of them).
    script.write_view("outcome__input", |out| {
        let fields = OWN.into_iter().chain(cx.attributes.iter().copied());
        let names = ["participant", "stage", "date_text", "evidence", "cohort"]
            .into_iter()
            .map(str::to_string)
            .chain((0..cx.attributes.len()).map(|n| format!("a{n}")));
        out.push_str("SELECT r.\"0\" AS row_no");
        for (n, name) in names.enumerate() {
            // Writing to a `String` cannot fail.
            let _ = write!(out, ", r.\"{}\" AS {name}", n + 1);
        }
        out.push_str("\nFROM (SELECT ");
        // The attributes are each named once; one named as a return's own column is that
        // column, and one named `row_number` does not stand in for a table without it.
        let attributes = cx
            .attributes
            .iter()
            .filter(|name| !OWN.contains(name) && **name != "row_number");
        for (n, name) in ["evidence", "cohort"].iter().chain(attributes).enumerate() {
            let _ = write!(
                out,
                "{}CAST(NULL AS TEXT) AS {}",
                if n == 0 { "" } else { ", " },
                ident(name)
            );
        }
        let _ = write!(
            out,
            ") AS outcome__absent\nCROSS JOIN LATERAL (\n  SELECT CAST({} AS BIGINT) AS \"0\"",
            ident("row_number")
        );
        for (n, column) in fields.enumerate() {
            let _ = write!(out, ",\n  {} AS \"{}\"", field(column), n + 1);
        }
        let _ = write!(out, "\n  FROM {table}\n) AS r");
    });

    let term = cx.contract.term;
    let stage_number = {
        let arms: Vec<String> = cx
            .stages
            .iter()
            .enumerate()
            .map(|(n, s)| format!("WHEN {} THEN {n}", lit(&s.stage.id)))
            .collect();
        if arms.is_empty() {
            "CAST(NULL AS INTEGER)".to_string()
        } else {
            format!("CASE stage {} END", arms.join(" "))
        }
    };
    let cohort_of = cx.by_stage(
        "g",
        &|s| Some(lit(&cx.contract.funnels[s.funnel].cohort)),
        "''",
    );
    let needs_evidence: Vec<String> = cx
        .stages
        .iter()
        .enumerate()
        .filter(|(_, s)| s.stage.evidence.is_some())
        .map(|(n, _)| n.to_string())
        .collect();
    let missing_evidence = if needs_evidence.is_empty() {
        "FALSE".to_string()
    } else {
        format!("(evidence = '' AND g IN ({}))", needs_evidence.join(", "))
    };
    let part = |from: usize, len: usize| {
        format!("CASE WHEN date_form THEN CAST(substr(date_text, {from}, {len}) AS INTEGER) END")
    };
    script.view(
        "outcome__checked",
        format!(
            "WITH parsed AS (
  SELECT *, {date_form} AS date_form, {stage_number} AS g FROM outcome__input{fence}
), parts AS (
  SELECT *, {y} AS y, {m} AS m, {dd} AS dd FROM parsed{fence}
), dated AS (
  SELECT *, coalesce(date_form AND m BETWEEN 1 AND 12 AND dd BETWEEN 1 AND {dim}, FALSE) AS date_ok
  FROM parts{fence}
), numbered AS (
  SELECT *, CASE WHEN date_ok THEN y * 10000 + m * 100 + dd END AS ymd FROM dated{fence}
)
SELECT row_no, participant, stage, g, a_columns.*,
  CASE WHEN ymd BETWEEN {start} AND {end} THEN make_date(y, m, dd) END AS day,
  CASE
    WHEN participant = '' OR stage = '' OR date_text = '' THEN 'malformed'
    WHEN g IS NULL THEN 'unknown_stage'
    WHEN NOT date_ok THEN 'bad_date'
    WHEN ymd < {start} OR ymd > {end} THEN 'outside_term'
    WHEN ymd > {until} THEN 'after_report_date'
    WHEN cohort <> '' AND cohort <> {cohort_of} THEN 'wrong_cohort'
    WHEN {missing_evidence} THEN 'missing_evidence'
  END AS verdict
FROM numbered",
            date_form = d.matches("date_text", DATE_FORM),
            y = part(1, 4),
            m = part(6, 2),
            dd = part(9, 2),
            dim = days_in_month("y", "m"),
            start = ymd(term.start),
            end = ymd(term.end),
            until = ymd(cx.until),
            fence = d.fence(),
        )
        .replace("a_columns.*", &attribute_list(cx, "")),
    );

    script.view(
        "outcome__valid",
        format!(
            "SELECT row_no, lower(participant) AS pkey, participant, g, day{attrs},
  row_number() OVER (PARTITION BY lower(participant), g, day ORDER BY row_no) AS nth
FROM outcome__checked WHERE verdict IS NULL",
            attrs = prefixed(&attribute_list(cx, ""))
        ),
    );

    // A column per attribute (written straight into the script, as the input's are).
    script.write_view("outcome__people", |out| {
        out.push_str(
            "SELECT DISTINCT pkey,
  first_value(participant) OVER (PARTITION BY pkey ORDER BY row_no) AS shown",
        );
        for n in 0..cx.attributes.len() {
            let _ = write!(
                out,
                "{}first_value(a{n}) OVER (PARTITION BY pkey ORDER BY CASE WHEN a{n} <> '' THEN 0 ELSE 1 END, row_no) AS a{n}",
                if n == 0 { ", " } else { ",\n  " }
            );
        }
        out.push_str("\nFROM outcome__valid");
    });

    let eligible = cx.by_stage(
        "v.g",
        &|s| {
            if s.stage.eligible.is_empty() {
                return None;
            }
            let all: Vec<String> = s.stage.eligible.iter().map(|c| condition(cx, c)).collect();
            Some(format!("({})", all.join(" AND ")))
        },
        "TRUE",
    );
    script.write_view("outcome__claims", |out| {
        out.push_str("SELECT v.pkey, v.g, v.day, v.row_no, ");
        out.push_str(&eligible);
        out.push_str(
            " AS eligible
FROM outcome__valid v JOIN outcome__people p ON p.pkey = v.pkey
WHERE v.nth = 1",
        );
    });
}

/// `a0, a1, …` with a table prefix.
fn attribute_list(cx: &Context, prefix: &str) -> String {
    let names: Vec<String> = (0..cx.attributes.len())
        .map(|n| format!("{prefix}a{n}"))
        .collect();
    if names.is_empty() {
        "CAST(NULL AS TEXT) AS no_attributes".to_string()
    } else {
        names.join(", ")
    }
}

fn prefixed(list: &str) -> String {
    if list.is_empty() || list.contains("no_attributes") {
        String::new()
    } else {
        format!(", {list}")
    }
}

/// Whether the participant's attribute meets a condition: an absent or unreadable value does
/// not (`report::engine::meets`).
fn condition(cx: &Context, c: &Condition) -> String {
    let n = cx.attribute_column(&c.subject).unwrap_or(0);
    let value = format!("rtrim(p.a{n}, '%')");
    let threshold = match c.value {
        Threshold::Number(t) | Threshold::Percent(crate::value::Percent(t)) => t,
    };
    let op = match c.comparison {
        Comparison::AtLeast => ">=",
        Comparison::Above => ">",
        Comparison::AtMost => "<=",
        Comparison::Below => "<",
        Comparison::Equal => "=",
    };
    format!(
        "(CASE WHEN {form} THEN CAST({value} AS DECIMAL(38, 6)) {op} CAST('{threshold}' AS DECIMAL(38, 6)) ELSE FALSE END)",
        form = cx.dialect.matches(&value, DECIMAL_FORM),
    )
}
