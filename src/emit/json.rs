//! The contract as JSON, the monitoring report as JSON, and the JSON Schema of each.
//!
//! `build --format json` writes `contract`; `outcome schema` prints `schema`;
//! `report --format json` writes `report` and `outcome schema --report` prints
//! `report_schema`. All are
//! pretty-printed with two-space indentation and end with a newline. Field order follows the
//! model's declaration order and every collection keeps the order the contract was written
//! in, so the bytes depend only on the contract.
//!
//! Each document opens with `"version": FORMAT_VERSION`, and each schema has an `$id` naming
//! the document and that version. The schemas are closed: every object they describe refuses
//! a member it does not list (`additionalProperties: false`), so a client validating against
//! them learns of a field it does not know instead of passing it by. A change that removes or
//! renames a field, or changes its meaning, raises `FORMAT_VERSION` (and so the `$id`s); a new
//! field does not, and a client that validates strictly sees it first in the schema.

use crate::model::Contract;
use serde::Serialize;

/// The version of the shape of the documents `build --format json` and `report --format json`
/// write; each carries it as its `version` member.
pub const FORMAT_VERSION: u32 = 1;

/// The `$id` of the contract's schema: an identifier, not a page (`outcome schema` prints the
/// schema).
pub const CONTRACT_SCHEMA_ID: &str =
    concat!(env!("CARGO_PKG_REPOSITORY"), "/schema/contract/v1.json");

/// The `$id` of the monitoring report's schema (`outcome schema --report`).
pub const REPORT_SCHEMA_ID: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/schema/report/v1.json");

/// The `$id` of the schema of one record of a `--lines` JSON Lines file
/// (`outcome schema --lines`).
pub const LINES_SCHEMA_ID: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/schema/lines/v1.json");

/// A document as written: `version` first, then the document's own members.
#[derive(Serialize)]
pub(crate) struct Versioned<'a, T: ?Sized> {
    version: u32,
    #[serde(flatten)]
    document: &'a T,
}

pub(crate) fn versioned<T: ?Sized>(document: &T) -> Versioned<'_, T> {
    Versioned {
        version: FORMAT_VERSION,
        document,
    }
}

/// The checked contract as a JSON document.
pub fn contract(contract: &Contract) -> String {
    pretty(&versioned(contract))
}

/// The JSON Schema (draft 2020-12) of the document `contract` writes.
pub fn schema() -> String {
    pretty(&closed(
        schemars::schema_for!(Contract).to_value(),
        CONTRACT_SCHEMA_ID,
    ))
}

/// A monitoring report (`outcome report --format json`) as a JSON document.
pub fn report(report: &crate::report::Report) -> String {
    pretty(&versioned(report))
}

/// A generated schema made the schema of a document as written: `$id` set, the `version`
/// member described and required, and every object closed to members it does not list.
pub(crate) fn closed(mut schema: serde_json::Value, id: &str) -> serde_json::Value {
    use serde_json::{json, Value};
    close(&mut schema);
    if let Value::Object(root) = &mut schema {
        root.insert("$id".to_string(), Value::String(id.to_string()));
        if let Some(Value::Object(properties)) = root.get_mut("properties") {
            properties.insert(
                "version".to_string(),
                json!({
                    "description": "The version of the document's shape; a change that removes, renames or redefines a member raises it",
                    "const": FORMAT_VERSION
                }),
            );
        }
        if let Some(Value::Array(required)) = root.get_mut("required") {
            required.insert(0, Value::String("version".to_string()));
        }
    }
    schema
}

/// `additionalProperties: false` on every object schema that lists its properties and says
/// nothing of others. The model has no flattened or open-ended structs, so every member a
/// document may hold is listed (`every_field_of_the_json_is_described_by_the_schema` in
/// `tests/specs.rs` holds the specs to it).
fn close(schema: &mut serde_json::Value) {
    use serde_json::Value;
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".to_string(), Value::Bool(false));
            }
            map.values_mut().for_each(close);
        }
        Value::Array(items) => items.iter_mut().for_each(close),
        _ => {}
    }
}

/// The monitoring report as pretty JSON, written as it is serialised (a report of millions
/// of rows is never held whole in memory), with a trailing newline.
pub fn write_report<W: std::io::Write>(
    report: &crate::report::Report,
    mut writer: W,
) -> std::io::Result<()> {
    // Generic rather than `dyn Write`: the pretty printer writes a piece per token, and a
    // report of a million rows has hundreds of millions of them.
    serde_json::to_writer_pretty(&mut writer, &versioned(report)).map_err(std::io::Error::other)?;
    writer.write_all(b"\n")
}

/// The monitoring report whose payment lines went to a file of their own
/// (`outcome report --lines FILE --format json`): the report as `write_report` writes it,
/// with `payments.lines_file` (where the lines are, how many, how many bytes) in place of
/// `payments.lines`, and without `payments.by_participant` (one total per participant is as
/// long as the lines; the lines file has each participant's lines). A summary a person or a
/// program can open, however many participants the return has.
pub fn write_report_summary<W: std::io::Write>(
    report: &crate::report::Report,
    lines: &crate::report::lines::LinesFile,
    mut writer: W,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(
        &mut writer,
        &versioned(&summary::Summary::of(report, lines)),
    )
    .map_err(std::io::Error::other)?;
    writer.write_all(b"\n")
}

/// The report less its lines, field for field in the order of `report::Report`
/// (`json_lines_hold_every_line_of_the_full_report_and_the_report_points_to_them`, in
/// tests/report_lines.rs, holds it to that).
mod summary {
    use crate::report::lines::LinesFile;
    use crate::report::unit_costs::UnitCostsToDate;
    use crate::report::{
        ActualFunnel, Amount, CohortPlaces, Exception, GroupPaid, NothingCounted, Period,
        PeriodAmount, Rejected, Report, Residual, RowCounts, TierReading,
    };
    use crate::value::{Date, Money, Percent};
    use serde::Serialize;

    #[derive(Serialize)]
    pub struct Summary<'a> {
        contract: &'a str,
        until: Date,
        outlook: &'a crate::report::outlook::Outlook,
        rows: &'a RowCounts,
        nothing_counted: &'a Option<NothingCounted>,
        rejected: &'a [Rejected],
        periods: &'a [Period],
        cohorts: &'a [CohortPlaces],
        funnels: &'a [ActualFunnel],
        tolerance: &'a Option<Percent>,
        exceptions: &'a [Exception],
        payments: Payments<'a>,
        unit_costs: &'a UnitCostsToDate,
        residual: &'a Residual,
    }

    #[derive(Serialize)]
    struct Payments<'a> {
        lines_file: &'a LinesFile,
        total: Money,
        by_period: &'a [PeriodAmount],
        by_payer: &'a [Amount],
        by_stage: &'a [Amount],
        by_group: &'a [GroupPaid],
        tiers: &'a [TierReading],
    }

    impl<'a> Summary<'a> {
        pub fn of(report: &'a Report, lines: &'a LinesFile) -> Summary<'a> {
            let Report {
                contract,
                until,
                outlook,
                rows,
                nothing_counted,
                rejected,
                periods,
                cohorts,
                funnels,
                tolerance,
                exceptions,
                payments,
                unit_costs,
                residual,
            } = report;
            Summary {
                contract,
                until: *until,
                outlook,
                rows,
                nothing_counted,
                rejected,
                periods,
                cohorts,
                funnels,
                tolerance,
                exceptions,
                payments: Payments {
                    lines_file: lines,
                    total: payments.total,
                    by_period: &payments.by_period,
                    by_payer: &payments.by_payer,
                    by_stage: &payments.by_stage,
                    by_group: &payments.by_group,
                    tiers: &payments.tiers,
                },
                unit_costs,
                residual,
            }
        }
    }
}

/// The JSON Schema (draft 2020-12) of the document `report` writes.
pub fn report_schema() -> String {
    pretty(&closed(
        schemars::schema_for!(crate::report::Report).to_value(),
        REPORT_SCHEMA_ID,
    ))
}

/// The JSON Schema (draft 2020-12) of one record of `report --lines FILE.jsonl`: a payment
/// line exactly as the report's `payments.lines` holds it, closed like the others. A record
/// has no `version` member (it would make the line differ from the report's); the `$id`
/// names the version of the shape.
pub fn lines_schema() -> String {
    let mut schema = schemars::schema_for!(crate::report::PaymentLine).to_value();
    close(&mut schema);
    if let serde_json::Value::Object(root) = &mut schema {
        root.insert(
            "$id".to_string(),
            serde_json::Value::String(LINES_SCHEMA_ID.to_string()),
        );
    }
    pretty(&schema)
}

/// Pretty JSON with a trailing newline.
///
/// serde_json fails only on a map with non-string keys or a `Serialize` impl that returns an
/// error; the model has neither (its hand-written impls write strings through `Display` or
/// plain struct fields). Should that ever change, the document carries the error as an
/// `error` member instead of the process panicking, and `build_output_matches_the_schema`
/// in `tests/cli.rs` fails.
pub(crate) fn pretty<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = match serde_json::to_string_pretty(value) {
        Ok(text) => text,
        Err(error) => {
            let mut object = serde_json::Map::new();
            object.insert(
                "error".to_string(),
                serde_json::Value::String(error.to_string()),
            );
            serde_json::Value::Object(object).to_string()
        }
    };
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_draft_2020_12_and_names_the_contract() {
        let text = schema();
        assert!(text.ends_with("}\n"));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(value["title"], "Contract");
        assert!(value["properties"]["figures"].is_object());
    }

    #[test]
    fn the_report_schema_names_the_report() {
        let value: serde_json::Value = serde_json::from_str(&report_schema()).unwrap();
        assert_eq!(value["title"], "Report");
        assert!(value["properties"]["payments"].is_object());
    }

    #[test]
    fn schemas_are_closed_and_name_their_document_and_version() {
        for (text, id) in [
            (schema(), CONTRACT_SCHEMA_ID),
            (report_schema(), REPORT_SCHEMA_ID),
            (
                crate::evaluate::render::schema(),
                crate::evaluate::render::EVALUATION_SCHEMA_ID,
            ),
            (
                crate::diff::render::schema(),
                crate::diff::render::DIFF_SCHEMA_ID,
            ),
        ] {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value["$id"], id);
            assert!(id.ends_with(&format!("/v{FORMAT_VERSION}.json")));
            assert_eq!(value["additionalProperties"], false);
            assert_eq!(value["properties"]["version"]["const"], FORMAT_VERSION);
            assert_eq!(value["required"][0], "version");
        }
    }

    #[test]
    fn schema_is_deterministic() {
        assert_eq!(schema(), schema());
    }

    #[test]
    fn pretty_uses_two_spaces_and_ends_with_a_newline() {
        let text = pretty(&serde_json::json!({ "a": [1] }));
        assert_eq!(text, "{\n  \"a\": [\n    1\n  ]\n}\n");
    }
}
