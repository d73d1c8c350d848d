//! Every contract in `specs/` checks clean, and its JSON contract is snapshot-tested and valid
//! against the published schema.

use std::path::PathBuf;

fn specs() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("specs")
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "outcome"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "specs/ holds the example contracts");
    files
}

fn build(path: &PathBuf) -> outcome::model::Contract {
    let bytes = std::fs::read(path).unwrap();
    let name = path.display().to_string();
    let (file, compiled) = outcome::compile_bytes(&name, &bytes);
    let shown: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| outcome::diagnostic::render_human(&file, d, false))
        .collect();
    assert!(
        shown.is_empty(),
        "{name} must check clean, but:\n{}",
        shown.join("\n")
    );
    compiled
        .contract
        .unwrap_or_else(|| panic!("{name} has a contract block"))
}

#[test]
fn every_spec_checks_clean_and_its_json_is_stable() {
    for path in specs() {
        let contract = build(&path);
        let json = outcome::emit::json::contract(&contract);
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        insta::assert_snapshot!(format!("json-{name}"), json);
    }
}

#[test]
fn every_spec_json_is_valid_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&outcome::emit::json::schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for path in specs() {
        let json: serde_json::Value =
            serde_json::from_str(&outcome::emit::json::contract(&build(&path))).unwrap();
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

#[test]
fn json_output_is_deterministic() {
    for path in specs() {
        let first = outcome::emit::json::contract(&build(&path));
        let second = outcome::emit::json::contract(&build(&path));
        assert_eq!(first, second, "{}", path.display());
    }
}
