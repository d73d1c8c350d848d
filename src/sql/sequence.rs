//! Claims → each participant's accepted events, judged against the sequence, then held to
//! each cohort's size (`report::engine::sequence`, `report::cohorts`).
//!
//! The native report walks each participant's claims in date order. Here each stage is judged
//! on its own, stages in an order where everything a stage depends on comes first (its
//! funnel's entry, its predecessors, the stages its times are measured from: all before it on
//! the sequence, which `check` ensures). That gives the same answer because a stage's claims
//! are judged only against the events of those stages that the walk had already accepted when
//! it came to the claim: a dependency's accepted event counts for a claim when it comes first
//! in the walk's order (date, then funnel, then place in the funnel, then row), and a stage
//! accepts its first claim that passes, after which every later claim of it is a duplicate.
//! A participant has at most one claim per stage and day, so a stage's claims are ordered by
//! date alone.
//!
//! Views: `outcome__stage_N` (every claim of stage N with its reason, none when accepted),
//! `outcome__kept_N` (the accepted event), `outcome__refused_F` (the day a participant's entry
//! to funnel F fell outside the referral window, after which the funnel takes nothing from
//! them), `outcome__judged` (every claim) and `outcome__places` (each participant's place in
//! a cohort).

use super::{text::lit, Context, Script};
use crate::schedule::clock::Clock;
use crate::value::{Duration, TimeUnit};

pub(super) fn views(cx: &Context, script: &mut Script) {
    for (f, funnel) in cx.contract.funnels.iter().enumerate() {
        let entry = cx.global(f, 0);
        script.view(format!("outcome__stage_{entry}"), entry_stage(cx, entry));
        script.view(
            format!("outcome__kept_{entry}"),
            format!("SELECT pkey, day FROM outcome__stage_{entry} WHERE reason IS NULL"),
        );
        script.view(
            format!("outcome__refused_{f}"),
            format!(
                "SELECT pkey, min(day) AS day FROM outcome__stage_{entry} \
                 WHERE reason = 'referred_late' GROUP BY pkey"
            ),
        );
        for i in order(funnel).into_iter().filter(|i| *i != 0) {
            let g = cx.global(f, i);
            script.view(format!("outcome__stage_{g}"), later_stage(cx, f, i));
            script.view(
                format!("outcome__kept_{g}"),
                format!("SELECT pkey, day FROM outcome__stage_{g} WHERE reason IS NULL"),
            );
        }
    }

    let all: Vec<String> = (0..cx.stages.len())
        .map(|g| format!("SELECT pkey, g, day, row_no, reason FROM outcome__stage_{g}"))
        .collect();
    let sequenced = if all.is_empty() {
        "SELECT CAST(NULL AS TEXT) AS pkey, CAST(NULL AS INTEGER) AS g, CAST(NULL AS DATE) AS day, \
         CAST(NULL AS BIGINT) AS row_no, CAST(NULL AS TEXT) AS reason WHERE FALSE"
            .to_string()
    } else {
        all.join("\nUNION ALL\n")
    };
    script.view("outcome__sequenced", sequenced);
    cohorts(cx, script);
}

/// A funnel's entry: a claim outside the referral window refuses the funnel for good; of the
/// claims before the first that is outside the window or eligible, each is ineligible.
fn entry_stage(cx: &Context, g: usize) -> String {
    let outside = match cx.contract.referrals {
        Some(w) => format!(
            "(day < {} OR day > {})",
            super::text::date(w.from),
            super::text::date(w.until)
        ),
        None => "FALSE".to_string(),
    };
    let decided_outside = outside.replace("day", "decided");
    format!(
        "WITH c AS (
  SELECT pkey, day, row_no, eligible, {outside} AS outside FROM outcome__claims WHERE g = {g}
), p AS (
  SELECT *, min(CASE WHEN outside OR eligible THEN day END) OVER (PARTITION BY pkey) AS decided FROM c
)
SELECT pkey, {g} AS g, day, row_no,
  CASE
    WHEN decided IS NULL OR day < decided THEN 'ineligible'
    WHEN day = decided THEN CASE WHEN outside THEN 'referred_late' END
    WHEN {decided_outside} THEN 'referred_late'
    ELSE 'duplicate'
  END AS reason
FROM p"
    )
}

/// A stage after the entry, judged as the walk judges it: after referrals closed, not
/// referred, too early, too late, before a predecessor, ineligible, in that order.
fn later_stage(cx: &Context, f: usize, i: usize) -> String {
    let funnel = &cx.contract.funnels[f];
    let stage = &funnel.stages[i];
    let g = cx.global(f, i);
    let index_of = |id: &str| funnel.position(id);
    // Dependencies other than the entry, each joined once.
    let mut joined: Vec<usize> = Vec::new();
    let mut join = |j: usize| {
        if j != 0 && !joined.contains(&j) {
            joined.push(j);
        }
    };
    let anchor = |t: &crate::model::TimeFrom| {
        if t.from_entry {
            0
        } else {
            index_of(&t.after).unwrap_or(0)
        }
    };
    let predecessors: Vec<usize> = stage.after.iter().filter_map(|p| index_of(p)).collect();
    for &p in &predecessors {
        join(p);
    }
    let earliest = stage
        .time
        .earliest
        .as_ref()
        .map(|t| (anchor(t), t.duration));
    let latest = stage.time.latest.as_ref().map(|t| (anchor(t), t.duration));
    for (a, _) in earliest.iter().chain(latest.iter()) {
        join(*a);
    }
    let alias = |j: usize| format!("k{j}");
    // Whether stage j's accepted event comes before the claim in the walk's order.
    let before = |j: usize| {
        let op = if j < i { "<=" } else { "<" };
        format!("coalesce({}.day {op} c.day, FALSE)", alias(j))
    };
    let reached = |j: usize| format!("CASE WHEN {} THEN {}.day END", before(j), alias(j));
    let d = cx.dialect;
    let add = |day: String, duration: Duration| match duration.unit {
        TimeUnit::Day => format!("({day} + {})", duration.count),
        TimeUnit::Week => format!("({day} + {})", 7 * u64::from(duration.count)),
        TimeUnit::Month => d.add_months(&format!("({day})"), duration.count),
        TimeUnit::Year => d.add_months(&format!("({day})"), 12 * duration.count),
    };
    let mut checks = vec![
        "WHEN r.day IS NOT NULL AND r.day <= c.day THEN 'referred_late'".to_string(),
        format!("WHEN NOT {} THEN 'not_referred'", before(0)),
    ];
    if let Some((a, duration)) = earliest {
        checks.push(format!(
            "WHEN coalesce(c.day < {}, FALSE) THEN 'too_early'",
            add(reached(a), duration)
        ));
    }
    if let Some((a, duration)) = latest {
        checks.push(format!(
            "WHEN coalesce(c.day > {}, FALSE) THEN 'too_late'",
            add(reached(a), duration)
        ));
    }
    if !predecessors.is_empty() {
        let all: Vec<String> = predecessors.iter().map(|&p| before(p)).collect();
        checks.push(format!(
            "WHEN NOT ({}) THEN 'before_predecessor'",
            all.join(" AND ")
        ));
    }
    checks.push("WHEN NOT c.eligible THEN 'ineligible'".to_string());
    let mut joins = vec![
        format!("LEFT JOIN outcome__refused_{f} r ON r.pkey = c.pkey"),
        format!(
            "LEFT JOIN outcome__kept_{} k0 ON k0.pkey = c.pkey",
            cx.global(f, 0)
        ),
    ];
    for j in joined {
        joins.push(format!(
            "LEFT JOIN outcome__kept_{} {} ON {}.pkey = c.pkey",
            cx.global(f, j),
            alias(j),
            alias(j)
        ));
    }
    format!(
        "WITH judged AS (
  SELECT c.pkey, c.day, c.row_no,
    CASE
      {checks}
    END AS failed
  FROM outcome__claims c
  {joins}
  WHERE c.g = {g}
), p AS (
  SELECT *, min(CASE WHEN failed IS NULL THEN day END) OVER (PARTITION BY pkey) AS kept FROM judged
)
SELECT pkey, {g} AS g, day, row_no,
  CASE WHEN kept IS NULL OR day < kept THEN failed WHEN day = kept THEN NULL ELSE 'duplicate' END AS reason
FROM p",
        checks = checks.join("\n      "),
        joins = joins.join("\n  "),
    )
}

/// The stages of a funnel with every stage a stage depends on first: `Clock`'s order, which
/// puts predecessors first; `check` ensures a stage's times are measured from a stage before
/// it (E0411), so the stages its times are measured from come first too.
fn order(funnel: &crate::model::Funnel) -> Vec<usize> {
    let clock = Clock::of(funnel);
    clock.order().to_vec()
}

/// Cohort sizes: the first `size` participants to enter a cohort (by date of entry, then
/// participant key) hold its places; every accepted event of the others in that cohort's
/// funnels is rejected as beyond the cohort size.
fn cohorts(cx: &Context, script: &mut Script) {
    let contract = cx.contract;
    let cohort_of_funnel: Vec<Option<usize>> = contract
        .funnels
        .iter()
        .map(|f| contract.cohort_place(&f.cohort))
        .collect();
    let entries: Vec<String> = contract
        .funnels
        .iter()
        .enumerate()
        .filter_map(|(f, _)| {
            cohort_of_funnel[f].map(|c| {
                format!(
                    "SELECT pkey, {c} AS cohort, day FROM outcome__kept_{}",
                    cx.global(f, 0)
                )
            })
        })
        .collect();
    let size_of: Vec<String> = contract
        .cohorts
        .iter()
        .enumerate()
        .filter_map(|(c, cohort)| cohort.size.map(|s| format!("WHEN {c} THEN {s}")))
        .collect();
    let size = if size_of.is_empty() {
        "CAST(NULL AS BIGINT)".to_string()
    } else {
        format!("CASE cohort {} END", size_of.join(" "))
    };
    let entered = if entries.is_empty() {
        "SELECT CAST(NULL AS TEXT) AS pkey, 0 AS cohort, CAST(NULL AS DATE) AS day WHERE FALSE"
            .to_string()
    } else {
        entries.join("\n  UNION ALL\n  ")
    };
    script.view(
        "outcome__places",
        format!(
            "WITH e AS (
  {entered}
), first AS (
  SELECT pkey, cohort, min(day) AS day FROM e GROUP BY pkey, cohort
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY cohort ORDER BY day, {key}) AS place FROM first
)
SELECT pkey, cohort, day, place, {size} AS size,
  {size} IS NULL OR place <= {size} AS held
FROM ranked",
            key = cx.dialect.bytewise("pkey"),
        ),
    );
    let cohort_of_stage = cx.by_stage(
        "s.g",
        &|s| cohort_of_funnel[s.funnel].map(|c| c.to_string()),
        "-1",
    );
    script.view(
        "outcome__judged",
        format!(
            "SELECT s.pkey, s.g, s.day, s.row_no,
  CASE WHEN s.reason IS NULL AND pl.held = FALSE THEN 'beyond_cohort_size' ELSE s.reason END AS reason
FROM outcome__sequenced s
LEFT JOIN outcome__places pl ON pl.pkey = s.pkey AND pl.cohort = {cohort_of_stage}"
        ),
    );
    // The cohorts some funnel is on, marked once: a search of the funnels for each cohort is
    // quadratic in many cohorts.
    let mut has_funnel = vec![false; contract.cohorts.len()];
    for c in cohort_of_funnel.iter().flatten() {
        has_funnel[*c] = true;
    }
    let cohort_rows: Vec<String> = contract
        .cohorts
        .iter()
        .enumerate()
        .filter(|(n, _)| has_funnel[*n])
        .map(|(n, c)| {
            format!(
                "SELECT {n} AS cohort, {} AS name, CAST({} AS BIGINT) AS size",
                lit(&c.id),
                c.size.map_or("NULL".to_string(), |s| s.to_string())
            )
        })
        .collect();
    if cohort_rows.is_empty() {
        script.view(
            "outcome_cohorts",
            "SELECT 0 AS cohort_number, CAST(NULL AS TEXT) AS cohort, CAST(NULL AS BIGINT) AS size, \
             CAST(0 AS BIGINT) AS entered, CAST(0 AS BIGINT) AS turned_away WHERE FALSE",
        );
    } else {
        script.view(
            "outcome_cohorts",
            format!(
                "WITH c AS (
  {}
)
SELECT c.cohort AS cohort_number, c.name AS cohort, c.size,
  CAST(count(pl.pkey) FILTER (WHERE pl.held) AS BIGINT) AS entered,
  CAST(count(pl.pkey) FILTER (WHERE NOT pl.held) AS BIGINT) AS turned_away
FROM c LEFT JOIN outcome__places pl ON pl.cohort = c.cohort
GROUP BY c.cohort, c.name, c.size",
                cohort_rows.join("\n  UNION ALL\n  ")
            ),
        );
    }
}
