//! The package as `cargo install` and crates.io see it: what it holds, and the Rust version it
//! states. (`.ci/run` also builds the packaged crate on its own with `cargo package`.)

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

fn cargo(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo prints UTF-8")
}

/// `1.88` or `1.88.0` as comparable numbers.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text
        .split('.')
        .map(|part| part.parse().expect("a version number"))
        .collect();
    parts.resize(3, 0);
    parts
}

#[test]
fn the_package_holds_the_sources_grammar_and_licences_and_nothing_else() {
    let list = cargo(&["package", "--list", "--allow-dirty", "--offline"]);
    let files: BTreeSet<&str> = list.lines().collect();
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "grammar/outcome.pest",
        "grammar/REFERENCE.md",
        "src/main.rs",
        "src/lib.rs",
        "src/cli/mod.rs",
        // `outcome new`'s starters, which the binary includes.
        "src/new/funnel.outcome",
        "src/new/ladder.outcome",
        "src/new/tiers.outcome",
    ] {
        assert!(
            files.contains(needed),
            "the package lacks {needed}: {files:?}"
        );
    }
    for file in &files {
        let allowed = file.starts_with("src/")
            || file.starts_with("grammar/")
            || file.starts_with("LICENSE-")
            || matches!(
                *file,
                "Cargo.toml"
                    | "Cargo.toml.orig"
                    | "Cargo.lock"
                    | "README.md"
                    | ".cargo_vcs_info.json"
            );
        assert!(allowed, "the package should not hold {file}");
    }
}

#[test]
fn the_stated_rust_version_is_at_least_every_dependency_s() {
    // Only the packages built on this machine: a fresh clone has downloaded no other
    // platform's (Windows-only crates), and offline cargo cannot read what it has not.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let rustc = String::from_utf8_lossy(&rustc.stdout).into_owned();
    let host = rustc
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("rustc names its host");
    let manifest = cargo(&[
        "metadata",
        "--format-version",
        "1",
        "--offline",
        "--filter-platform",
        host,
    ]);
    let metadata: Value = serde_json::from_str(&manifest).expect("cargo metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    let root_id = metadata["resolve"]["root"]
        .as_str()
        .expect("a root package");
    let root = packages
        .iter()
        .find(|package| package["id"] == root_id)
        .expect("the root package");
    assert_eq!(root["name"], "outcome-lang");
    let stated = version(
        root["rust_version"]
            .as_str()
            .expect("rust-version is stated"),
    );

    // Every package a build of the binary needs: normal and build dependencies, not the tests'.
    let nodes: BTreeMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|node| (node["id"].as_str().expect("an id"), node))
        .collect();
    let mut needed = BTreeSet::new();
    let mut todo = vec![root_id];
    while let Some(id) = todo.pop() {
        for dep in nodes[id]["deps"].as_array().expect("deps") {
            let for_build = dep["dep_kinds"]
                .as_array()
                .expect("dep_kinds")
                .iter()
                .any(|kind| kind["kind"].is_null() || kind["kind"] == "build");
            let dep_id = dep["pkg"].as_str().expect("a package id");
            if for_build && needed.insert(dep_id) {
                todo.push(dep_id);
            }
        }
    }
    assert!(needed.len() > 20, "the walk found the dependencies");
    for package in packages {
        let id = package["id"].as_str().expect("an id");
        if let (true, Some(theirs)) = (needed.contains(id), package["rust_version"].as_str()) {
            assert!(
                version(theirs) <= stated,
                "{} {} needs Rust {theirs}, above the stated rust-version {:?}",
                package["name"],
                package["version"],
                root["rust_version"]
            );
        }
    }
}
