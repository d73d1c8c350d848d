//! The monitoring report on arbitrary bytes, against a few of the spec contracts: the bytes
//! as a CSV return, as a JSON Lines return, or as a `--measures` CSV (with a small generated
//! return). The first byte chooses the contract and the reading; the rest is the file.
//! Nothing may panic; every row read is accepted or rejected, the rejections add up, and the
//! report comes out as JSON that parses, as HTML and as text.
//!
//! Run from the crate root: `fuzz/run` runs every target; this one alone is
//! `cargo +nightly fuzz run report fuzz/corpus/report -- -dict=fuzz/report.dict -max_len=200000`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use outcome::model::Contract;
use outcome::report::{engine, generate, input, Options, Report};
use outcome::source::SourceFile;
use std::sync::OnceLock;

const SPECS: [(&str, &str); 3] = [
    ("rough-sleeping.outcome", include_str!("../../specs/rough-sleeping.outcome")),
    ("drug-service.outcome", include_str!("../../specs/drug-service.outcome")),
    ("employment-ladder.outcome", include_str!("../../specs/employment-ladder.outcome")),
];

/// Each contract, and a return of a few participants generated for it.
fn contracts() -> &'static [(Contract, Vec<u8>)] {
    static CONTRACTS: OnceLock<Vec<(Contract, Vec<u8>)>> = OnceLock::new();
    CONTRACTS.get_or_init(|| {
        SPECS
            .iter()
            .map(|(name, text)| {
                let compiled = outcome::compile(&SourceFile::new(*name, *text));
                let contract = *compiled.contract.expect("every spec checks clean");
                let rows = generate::returns(&contract, 20, 7);
                let attributes = rows.attributes();
                let mut csv = Vec::new();
                generate::write_csv(rows, &attributes, &mut csv).expect("writing to memory");
                (contract, csv)
            })
            .collect()
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Some((&choice, data)) = bytes.split_first() else {
        return;
    };
    let contracts = contracts();
    let (contract, generated) = &contracts[usize::from(choice / 3) % contracts.len()];
    let report = match choice % 3 {
        0 => {
            let mut rows = input::csv(data);
            engine::run(contract, rows.by_ref(), &Options::default())
        }
        1 => {
            let mut rows = input::json_lines(data);
            engine::run(contract, rows.by_ref(), &Options::default())
        }
        _ => match input::measured_csv(data) {
            Ok(rows) => {
                // As the command line does: measured values are checked against the contract
                // before the report is made, and refused with a reason.
                let given: Vec<(String, _)> = rows
                    .into_iter()
                    .map(|(row, value)| (format!("row {row}"), value))
                    .collect();
                if let Err(why) = input::check_measured(contract, &given) {
                    assert!(!why.is_empty(), "measured values refused without a reason");
                    return;
                }
                let options = Options {
                    measured: given.into_iter().map(|(_, value)| value).collect(),
                    ..Options::default()
                };
                engine::run(contract, input::csv(generated.as_slice()), &options)
            }
            Err(why) => {
                assert!(!why.is_empty(), "a measures file refused without a reason");
                return;
            }
        },
    };
    // A report whose totals cannot be held exactly is refused with a reason, never wrapped.
    match report {
        Ok(report) => assert_consistent(&report),
        Err(why) => assert!(!why.is_empty(), "a report refused without a reason"),
    }
});

fn assert_consistent(report: &Report) {
    let rows = &report.rows;
    assert_eq!(
        rows.read,
        rows.accepted + rows.rejected + rows.after_report_date,
        "rows lost"
    );
    let by_reason: u64 = rows.rejected_by_reason.iter().map(|r| r.rows).sum();
    assert_eq!(by_reason, rows.rejected, "rejections by reason do not add up");
    assert_eq!(
        report.rejected.len() as u64 + rows.rejected_not_listed,
        rows.rejected,
        "rejections listed and not listed do not add up"
    );
    let json = outcome::emit::json::report(report);
    let parsed: Result<serde_json::Value, _> = serde_json::from_str(&json);
    assert!(parsed.is_ok_and(|v| v.is_object()), "the JSON report does not parse");
    let html = outcome::emit::report_html::report(report);
    assert!(html.ends_with("</html>\n"), "the HTML report is cut short");
    let _ = outcome::report::text::report(report);
}
