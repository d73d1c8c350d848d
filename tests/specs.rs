//! Every contract in `specs/` (and in its folders) checks clean, and each contract's JSON is
//! snapshot-tested and valid against the published schema.

mod common;

use outcome::workspace::Workspace;
use std::path::{Path, PathBuf};

fn specs() -> Vec<PathBuf> {
    let files = common::outcome_files_below(Path::new("specs"));
    assert!(files.len() >= 2, "specs/ holds the example contracts");
    files
}

/// The spec's contract, or `None` for a shared framework file; panics on any diagnostic.
fn build(path: &Path) -> Option<outcome::model::Contract> {
    let mut workspace = Workspace::for_path(Path::new("specs")).unwrap();
    let loaded = workspace.load(path).unwrap();
    let shown: Vec<String> = loaded
        .compiled
        .diagnostics
        .iter()
        .map(|d| outcome::diagnostic::render_human(&loaded.file, d, false))
        .collect();
    assert!(
        shown.is_empty(),
        "{} must check clean, but:\n{}",
        path.display(),
        shown.join("\n")
    );
    loaded.compiled.contract.as_deref().cloned()
}

fn snapshot_name(path: &Path) -> String {
    let relative = path.strip_prefix("specs").unwrap().with_extension("");
    format!(
        "json-{}",
        relative.to_string_lossy().replace(['/', '\\'], "-")
    )
}

#[test]
fn every_spec_checks_clean_and_its_json_is_stable() {
    let mut contracts = 0;
    for path in specs() {
        if let Some(contract) = build(&path) {
            contracts += 1;
            insta::assert_snapshot!(
                snapshot_name(&path),
                outcome::emit::json::contract(&contract)
            );
        }
    }
    assert!(contracts >= 2);
}

#[test]
fn every_spec_json_is_valid_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&outcome::emit::json::schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for path in specs() {
        let Some(contract) = build(&path) else {
            continue;
        };
        let json: serde_json::Value =
            serde_json::from_str(&outcome::emit::json::contract(&contract)).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: {}",
            path.display(),
            errors.join("\n")
        );
    }
}

/// The schema with `additionalProperties: false` on every object it describes, so that a field
/// the JSON has and the schema does not describe is an error.
fn strict(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert(
                    "additionalProperties".into(),
                    serde_json::Value::Bool(false),
                );
            }
            map.values_mut().for_each(strict);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

/// A contract with the time clauses and a referral profile, which no spec has.
const TIMED: &str = r#"
contract "Timed" {
  commissioner "A council"
  provider "A provider"
  term 2026-04-01 to 2028-03-31
  referrals from 2026-04-01 until 2027-03-31
  referrals per quarter 10%, 30%, 40%, 20%
  funding limit £100,000
}
outcome better "People are better off" { level service }
cohort people "People" { size 40 }
funnel path "Path" for people {
  milestone start "Start" 40
  milestone housed "Housed" 30 expected 6 weeks after start within 3 months
  target kept "Kept" 20 at least 6 months after housed within 12 months { achieves better }
}
payments {
  fixed £1,000 per quarter
  pay £500 for housed
  pay £1,000 for kept
}
"#;

/// Every field of the JSON is described by the schema, the planned timeline and the referral
/// profile included: `outcome schema` is generated from the model, and this holds it to that.
#[test]
fn every_field_of_the_json_is_described_by_the_schema() {
    let mut schema: serde_json::Value =
        serde_json::from_str(&outcome::emit::json::schema()).unwrap();
    strict(&mut schema);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let file = outcome::syntax::decode("timed.outcome", TIMED.as_bytes()).unwrap();
    let timed = outcome::compile(&file)
        .contract
        .expect("the timed contract checks");
    assert!(timed.referral_profile.is_some());
    let contracts = specs()
        .into_iter()
        .filter_map(|path| build(&path).map(|c| (path.display().to_string(), c)))
        .chain([("timed".to_string(), *timed)]);
    for (name, contract) in contracts {
        let json: serde_json::Value =
            serde_json::from_str(&outcome::emit::json::contract(&contract)).unwrap();
        for key in ["referral_profile", "figures"] {
            assert!(json.get(key).is_some(), "{name}: no `{key}`");
        }
        assert!(json["figures"]["timeline"]["stages"][0]["by_year"].is_array());
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{name}: {}", errors.join("\n"));
    }
}

#[test]
fn json_output_is_deterministic() {
    for path in specs() {
        let first = build(&path).map(|c| outcome::emit::json::contract(&c));
        let second = build(&path).map(|c| outcome::emit::json::contract(&c));
        assert_eq!(first, second, "{}", path.display());
    }
}

#[test]
fn the_borough_framework_is_shared_by_two_contracts_and_read_once() {
    let mut workspace = Workspace::for_path(Path::new("specs")).unwrap();
    for contract in [
        "specs/borough/family-support.outcome",
        "specs/borough/school-inclusion.outcome",
    ] {
        let loaded = workspace.load(Path::new(contract)).unwrap();
        let built = loaded.compiled.contract.as_ref().unwrap();
        let shared = built
            .outcomes
            .iter()
            .filter(|o| o.from.as_deref() == Some("specs/borough/framework/outcomes.outcome"));
        assert_eq!(
            shared.count(),
            2,
            "{contract} sees the framework's two outcomes"
        );
    }
    assert_eq!(
        workspace.files_read(),
        3,
        "two contracts and the framework they share, each read once"
    );
}
