//! The contract compiled to SQL: views that compute, from a table of return rows in a
//! database, what `report` computes from a file (`report::engine`): the rows accepted and
//! rejected with their reasons, the cohorts' places, the actual funnel, the exceptions and
//! the payments due.
//!
//! ```text
//! model::Contract ──refuse──▶ rules the SQL computes exactly? ──emit──▶ CREATE VIEW … (text)
//!                   (refuse.rs: a coded refusal       (rows.rs, sequence.rs, funnel.rs,
//!                    for any rule it cannot)           payments.rs; text.rs quotes)
//! ```
//!
//! Every figure that depends only on the contract and the report date (the periods, the
//! planned funnel to date, the fixed fees, the contract years, the attachment fee of each
//! cohort and year) is computed here by the same code the native report uses and written into
//! the SQL as constants; only what depends on the rows is computed by the database. Rules the
//! SQL cannot compute exactly are refused, never approximated.
//!
//! The views read one table (`return_rows` unless told otherwise), with the columns
//! `row_number`, `participant`, `stage`, `date`, `evidence`, `cohort` and one column per
//! participant attribute the contract's eligibility conditions name. Views whose names begin
//! `outcome__` are steps of the computation; the others are the results (see
//! grammar/REFERENCE.md, "Compiled to SQL").

mod funnel;
mod payments;
mod refuse;
mod rows;
mod sequence;
pub mod text;

use crate::diagnostic::Code;
use crate::model::{self, Clause, Contract};
use crate::value::Date;
use std::fmt::Write as _;

/// The database the SQL is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Duckdb,
    Postgres,
}

/// How the SQL is made.
#[derive(Debug, Clone)]
pub struct Options {
    pub dialect: Dialect,
    /// Count events up to and including this date; the term's end when not given.
    pub until: Option<Date>,
    /// The table (or view) of return rows, `schema.table` and `catalog.schema.table` allowed;
    /// `text::table_name_problem` says why a name cannot be one.
    pub table: String,
}

/// The table read when none is named.
pub const DEFAULT_TABLE: &str = "return_rows";

/// Why a contract is not compiled: a rule the SQL would not compute exactly.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub code: Code,
    pub message: String,
    /// The clause that uses the rule, where the model records one.
    pub clause: Option<Clause>,
    pub help: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error[{}]: {}", self.code, self.message)?;
        if let Some(clause) = &self.clause {
            write!(f, "\n  --> {clause}")?;
        }
        write!(f, "\n  = help: {}", self.help)
    }
}

/// A stage of the contract by its place among all stages (as `report::engine` numbers them).
pub(crate) struct Stage<'a> {
    pub funnel: usize,
    pub index: usize,
    pub stage: &'a model::Stage,
}

/// What every part of the compilation reads.
pub(crate) struct Context<'a> {
    pub contract: &'a Contract,
    pub dialect: Dialect,
    pub until: Date,
    pub stages: Vec<Stage<'a>>,
    /// The attribute columns the eligibility conditions read, each once, in the order first
    /// named.
    pub attributes: Vec<&'a str>,
    /// Where each name is, found once (a search for each is quadratic in a long funnel or in
    /// many conditions): each attribute's column, each funnel's first global number, and each
    /// stage's global number by name (the first of a name).
    attribute_columns: foldhash::HashMap<&'a str, usize>,
    funnel_starts: Vec<usize>,
    stage_numbers: foldhash::HashMap<&'a str, usize>,
}

impl<'a> Context<'a> {
    /// Everything the parts read, with the maps of where each name is made once.
    fn of(contract: &'a Contract, dialect: Dialect, until: Date) -> Context<'a> {
        let stages: Vec<Stage> = model::stage_places(&contract.funnels)
            .map(|(funnel, index, stage)| Stage {
                funnel,
                index,
                stage,
            })
            .collect();
        let mut attributes: Vec<&str> = Vec::new();
        let mut attribute_columns = foldhash::HashMap::default();
        for condition in stages.iter().flat_map(|s| &s.stage.eligible) {
            let name = condition.subject.as_str();
            attribute_columns.entry(name).or_insert_with(|| {
                attributes.push(name);
                attributes.len() - 1
            });
        }
        let mut funnel_starts = vec![0; contract.funnels.len()];
        let mut stage_numbers = foldhash::HashMap::default();
        for (g, s) in stages.iter().enumerate() {
            if s.index == 0 {
                funnel_starts[s.funnel] = g;
            }
            stage_numbers.entry(s.stage.id.as_str()).or_insert(g);
        }
        Context {
            contract,
            dialect,
            until,
            stages,
            attributes,
            attribute_columns,
            funnel_starts,
            stage_numbers,
        }
    }

    /// The global number of stage `index` of funnel `funnel`.
    pub fn global(&self, funnel: usize, index: usize) -> usize {
        self.funnel_starts
            .get(funnel)
            .map(|start| start + index)
            .filter(|&g| {
                self.stages
                    .get(g)
                    .is_some_and(|s| s.funnel == funnel && s.index == index)
            })
            .unwrap_or(0)
    }

    /// The global number of the stage called `id`.
    pub fn by_id(&self, id: &str) -> Option<usize> {
        self.stage_numbers.get(id).copied()
    }

    /// The column of attribute `name` (`a0`, `a1`, …), by its place in `attributes`.
    pub fn attribute_column(&self, name: &str) -> Option<usize> {
        self.attribute_columns.get(name).copied()
    }

    /// `CASE <g> WHEN 0 THEN … END` over the stages, from each stage's value (`None`: the
    /// `ELSE`).
    pub fn by_stage(
        &self,
        g: &str,
        value: &dyn Fn(&Stage) -> Option<String>,
        other: &str,
    ) -> String {
        let mut cases = self.by_stage_in_parts(g, 1, &|s| value(s).map(|v| (0, v)), other);
        cases.pop().unwrap_or_else(|| other.to_string())
    }

    /// `parts` columns of `by_stage` at once: each stage's value goes to the `CASE` of the
    /// part it names, and each `CASE` lists only its own stages, in the order of the stages.
    /// One walk of the stages for all of them, where a `by_stage` per part walks every stage
    /// once per part (quadratic in the exclusive rules, a part per alternative).
    pub fn by_stage_in_parts(
        &self,
        g: &str,
        parts: usize,
        value: &dyn Fn(&Stage) -> Option<(usize, String)>,
        other: &str,
    ) -> Vec<String> {
        let mut arms = vec![String::new(); parts];
        for (n, s) in self.stages.iter().enumerate() {
            let Some((part, v)) = value(s) else { continue };
            let Some(arm) = arms.get_mut(part) else {
                continue;
            };
            if !arm.is_empty() {
                arm.push(' ');
            }
            // Writing to a `String` cannot fail.
            let _ = write!(arm, "WHEN {n} THEN {v}");
        }
        arms.into_iter()
            .map(|arms| {
                if arms.is_empty() {
                    other.to_string()
                } else {
                    format!("(CASE {g} {arms} ELSE {other} END)")
                }
            })
            .collect()
    }
}

/// The SQL as a list of tables, each computed from the ones before it, written in order.
/// Tables rather than views: each step is computed once, where a view would be expanded
/// again wherever a later step reads it.
///
/// Each table's `CREATE TABLE` statement is written into one text as the table is added, and
/// the largest write theirs straight into it (`write_view`), so the script is held about once
/// while it is made and copied once at the end: a copy per section and per table made the
/// process hold about five times the script (374 MiB at the peak for the 71 MB script of 1 MB
/// of conditions), and the fresh memory cost more time than the writing.
pub(crate) struct Script {
    names: Vec<String>,
    creates: String,
}

impl Script {
    pub fn view(&mut self, name: impl Into<String>, body: impl AsRef<str>) {
        self.write_view(name, |out| out.push_str(body.as_ref()));
    }

    /// A table whose body `write` appends to the script itself.
    pub fn write_view(&mut self, name: impl Into<String>, write: impl FnOnce(&mut String)) {
        let name = name.into();
        self.creates.push_str("CREATE TABLE ");
        self.creates.push_str(&name);
        self.creates.push_str(" AS\n");
        write(&mut self.creates);
        self.creates.push_str(";\n\n");
        self.names.push(name);
    }

    fn text(self, options: &Options, until: Date) -> String {
        let dialect = match options.dialect {
            Dialect::Duckdb => "DuckDB",
            Dialect::Postgres => "PostgreSQL",
        };
        let mut head = format!(
            "-- The monitoring report of a contract, compiled to SQL for {dialect} by `outcome sql`.\n\
             -- Events up to and including {until}. Reads one table of return rows and computes the\n\
             -- report into the tables outcome_rows, outcome_rejected, outcome_rejected_by_reason,\n\
             -- outcome_accepted, outcome_cohorts, outcome_funnel, outcome_funnel_by_period,\n\
             -- outcome_exceptions, outcome_payments, outcome_payment_total and outcome_payers (money in\n\
             -- minor units). Tables named outcome__* are steps. Run the script again when the rows\n\
             -- change: it replaces every table.\n\n"
        );
        // The header and the `DROP`s go in front of the statements, moved along in their
        // own buffer (which has room to spare more often than not) rather than copied to a
        // new one.
        for name in self.names.iter().rev() {
            head.push_str("DROP TABLE IF EXISTS ");
            head.push_str(name);
            head.push_str(";\n");
        }
        head.push('\n');
        let mut out = self.creates;
        out.insert_str(0, &head);
        out
    }
}

/// The SQL for `contract`, or why it is not compiled.
pub fn compile(contract: &Contract, options: &Options) -> Result<String, Refusal> {
    refuse::unsupported(contract)?;
    let until = options.until.unwrap_or(contract.term.end);
    let cx = Context::of(contract, options.dialect, until);
    let mut script = Script {
        names: Vec::new(),
        creates: String::new(),
    };
    rows::views(&cx, &text::table_name(&options.table), &mut script);
    sequence::views(&cx, &mut script);
    funnel::views(&cx, &mut script);
    payments::views(&cx, &mut script)?;
    Ok(script.text(options, until))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The starter contract of `outcome new`, checked.
    fn contract() -> Contract {
        let (_, compiled) =
            crate::compile_bytes("f.outcome", include_bytes!("../new/funnel.outcome"));
        *compiled.contract.expect("the starter contract checks")
    }

    proptest! {
        /// Each column `by_stage_in_parts` makes in one walk is the `CASE` of its part's stages
        /// alone, as a walk of the stages per part makes it.
        #[test]
        fn columns_made_in_one_walk_are_those_made_one_by_one(
            picks in proptest::collection::vec(proptest::option::of(0usize..4), 0..40),
            parts in 1usize..5,
        ) {
            let contract = contract();
            let cx = Context::of(&contract, Dialect::Duckdb, contract.term.end);
            let pick = |s: &Stage| {
                let g = cx.by_id(&s.stage.id)?;
                picks.get(g).copied().flatten().map(|p| (p, format!("{}{g}", s.stage.id)))
            };
            let together = cx.by_stage_in_parts("g", parts, &|s| pick(s), "0");
            prop_assert_eq!(together.len(), parts);
            for (part, column) in together.iter().enumerate() {
                // A `CASE` as it was written before, from a walk of every stage for each part.
                let arms: Vec<String> = cx
                    .stages
                    .iter()
                    .enumerate()
                    .filter_map(|(n, s)| {
                        pick(s)
                            .filter(|(p, _)| *p == part)
                            .map(|(_, v)| format!("WHEN {n} THEN {v}"))
                    })
                    .collect();
                let alone = if arms.is_empty() {
                    "0".to_string()
                } else {
                    format!("(CASE g {} ELSE 0 END)", arms.join(" "))
                };
                prop_assert_eq!(column, &alone);
            }
        }
    }
}
