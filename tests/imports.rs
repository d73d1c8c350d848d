//! `use`: shared declarations across files, and every way a `use` can go wrong.

use outcome::diagnostic::Code;
use outcome::workspace::Workspace;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A scratch repository (a folder with `.git`) holding the given files.
struct Repo(PathBuf);

impl Repo {
    fn new(name: &str, files: &[(&str, &str)]) -> Repo {
        let dir =
            std::env::temp_dir().join(format!("outcome-imports-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Repo(dir)
    }

    fn check(&self, file: &str) -> Vec<(Code, String)> {
        let mut workspace = Workspace::for_path(&self.0).unwrap();
        let loaded = workspace.load(&self.0.join(file)).unwrap();
        self.messages(&loaded)
    }

    /// A loaded file's diagnostics, with the files they name relative to the repository.
    fn messages(&self, loaded: &outcome::workspace::Loaded) -> Vec<(Code, String)> {
        let prefix = format!("{}/", self.0.display());
        loaded
            .compiled
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.replace(&prefix, "")))
            .collect()
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const FRAMEWORK: &str = r#"
outcome housed "Settled housing" { why "Stability" level population }
"#;

/// Uses the framework in turn: a contract that uses this file sees both.
const MEASURES: &str = r#"
use "outcomes.outcome"
measure tenancy_rate "Tenancies sustained" { question better_off tracks housed baseline 60% in 2025 target 70% by 2027 }
"#;

fn contract(uses: &str, achieves: &str) -> String {
    format!(
        r#"{uses}
contract "Housing" {{
  commissioner "Council"
  provider "Provider"
  term 2026-04-01 to 2027-03-31
  referrals until 2026-09-30
  funding limit £100,000
}}
cohort people "People" {{ size 10 }}
funnel route "Route" for people {{
  milestone start "Start" 10
  target kept "Kept" 5 at least 6 months after start {{ achieves {achieves} evidence "Tenancy record" }}
}}
payments {{ pay £1,000 for kept }}
"#
    )
}

#[test]
fn a_contract_refers_to_outcomes_and_measures_of_chained_files() {
    let repo = Repo::new(
        "chained",
        &[
            ("framework/outcomes.outcome", FRAMEWORK),
            ("framework/measures.outcome", MEASURES),
            (
                "contracts/a.outcome",
                &contract(r#"use "../framework/measures.outcome""#, "housed"),
            ),
        ],
    );
    assert_eq!(repo.check("contracts/a.outcome"), vec![]);
    let mut workspace = Workspace::for_path(&repo.0).unwrap();
    let loaded = workspace.load(&repo.0.join("contracts/a.outcome")).unwrap();
    let built = loaded.compiled.contract.as_ref().unwrap();
    assert_eq!(built.outcomes[0].id, "housed");
    assert_eq!(built.outcomes[0].achieved_by, vec!["kept".to_string()]);
    assert_eq!(
        built.outcomes[0].from.as_deref(),
        Some("framework/outcomes.outcome")
    );
    assert_eq!(
        built.measures[0].from.as_deref(),
        Some("framework/measures.outcome")
    );
}

#[test]
fn each_file_is_read_once_however_many_use_it() {
    let repo = Repo::new(
        "once",
        &[
            ("framework/outcomes.outcome", FRAMEWORK),
            ("framework/measures.outcome", MEASURES),
            (
                "a.outcome",
                &contract(r#"use "framework/outcomes.outcome""#, "housed"),
            ),
            (
                "b.outcome",
                &contract(r#"use "framework/outcomes.outcome""#, "housed"),
            ),
            (
                "c.outcome",
                &contract(
                    r#"use "framework/measures.outcome" use "framework/outcomes.outcome""#,
                    "housed",
                ),
            ),
        ],
    );
    let mut workspace = Workspace::for_path(&repo.0).unwrap();
    for file in ["a.outcome", "b.outcome", "c.outcome"] {
        let loaded = workspace.load(&repo.0.join(file)).unwrap();
        assert!(
            loaded.compiled.diagnostics.is_empty(),
            "{file}: {:?}",
            loaded.compiled.diagnostics
        );
    }
    assert_eq!(workspace.files_read(), 5);
}

#[test]
fn a_missing_file_is_reported_on_the_use_line() {
    let repo = Repo::new(
        "missing",
        &[(
            "a.outcome",
            &contract(r#"use "framework/nothing.outcome""#, "housed"),
        )],
    );
    let found = repo.check("a.outcome");
    assert!(
        found.contains(&(
            Code::E0208,
            "there is no file `framework/nothing.outcome` to use".into()
        )),
        "{found:?}"
    );
}

#[test]
fn a_path_out_of_the_repository_is_refused_without_reading() {
    let repo = Repo::new(
        "escape",
        &[(
            "a.outcome",
            &contract(r#"use "../../../../etc/passwd""#, "housed"),
        )],
    );
    let found = repo.check("a.outcome");
    assert!(
        found.contains(&(
            Code::E0210,
            "`../../../../etc/passwd` is outside the contract repository".into()
        )),
        "{found:?}"
    );
    let absolute = Repo::new(
        "absolute",
        &[("a.outcome", &contract(r#"use "/etc/passwd""#, "housed"))],
    );
    assert!(absolute
        .check("a.outcome")
        .iter()
        .any(|(code, _)| *code == Code::E0210));
}

#[test]
fn files_that_use_each_other_are_a_circle() {
    let repo = Repo::new(
        "circle",
        &[
            ("x.outcome", "use \"y.outcome\"\noutcome a \"A\"\n"),
            ("y.outcome", "use \"x.outcome\"\noutcome b \"B\"\n"),
        ],
    );
    let found = repo.check("x.outcome");
    assert_eq!(
        found,
        vec![(
            Code::E0209,
            "these files use each other in a circle: `x.outcome` → `y.outcome` → `x.outcome`"
                .into()
        )],
        "x, checked alone, is in the circle itself"
    );
    let mut workspace = Workspace::for_path(&repo.0).unwrap();
    workspace.load(&repo.0.join("x.outcome")).unwrap();
    let y = workspace.load(&repo.0.join("y.outcome")).unwrap();
    let circle: Vec<_> = y
        .compiled
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::E0209)
        .collect();
    assert_eq!(circle.len(), 1);
    assert!(
        circle[0].message.contains("x.outcome") && circle[0].message.contains("y.outcome"),
        "{}",
        circle[0].message
    );
}

#[test]
fn a_name_in_two_used_files_names_both() {
    let repo = Repo::new(
        "twice",
        &[
            ("one.outcome", "outcome housed \"Housed\"\n"),
            ("two.outcome", "outcome housed \"Housed again\"\n"),
            (
                "a.outcome",
                &contract("use \"one.outcome\"\nuse \"two.outcome\"", "housed"),
            ),
        ],
    );
    let found = repo.check("a.outcome");
    assert!(
        found.contains(&(
            Code::E0201,
            "`housed` is defined in both `one.outcome` and `two.outcome`".into()
        )),
        "{found:?}"
    );
}

#[test]
fn a_name_defined_here_and_in_a_used_file_is_defined_twice() {
    let repo = Repo::new(
        "local",
        &[
            ("one.outcome", "outcome housed \"Housed\"\n"),
            (
                "a.outcome",
                &format!(
                    "{}\noutcome housed \"Local\"\n",
                    contract("use \"one.outcome\"", "housed")
                ),
            ),
        ],
    );
    let found = repo.check("a.outcome");
    assert!(
        found
            .iter()
            .any(|(code, m)| *code == Code::E0201 && m.contains("one.outcome")),
        "{found:?}"
    );
}

#[test]
fn a_contract_cannot_be_used_as_a_framework() {
    let repo = Repo::new(
        "contract",
        &[
            ("framework/outcomes.outcome", FRAMEWORK),
            ("framework/measures.outcome", MEASURES),
            (
                "a.outcome",
                &contract(r#"use "framework/outcomes.outcome""#, "housed"),
            ),
            ("b.outcome", &contract(r#"use "a.outcome""#, "housed")),
        ],
    );
    let found = repo.check("b.outcome");
    assert!(
        found
            .iter()
            .any(|(code, m)| *code == Code::E0211 && m.contains("is a contract")),
        "{found:?}"
    );
}

#[test]
fn a_use_outside_a_workspace_says_why() {
    let (_, compiled) = outcome::compile_bytes(
        "a.outcome",
        contract(r#"use "x.outcome""#, "housed").as_bytes(),
    );
    assert!(compiled.diagnostics.iter().any(|d| d.code == Code::E0208));
}

#[test]
fn the_command_line_checks_a_repository_with_paths_relative_to_where_it_runs() {
    let repo = Repo::new(
        "cli",
        &[
            ("framework/outcomes.outcome", FRAMEWORK),
            ("framework/measures.outcome", MEASURES),
            (
                "a.outcome",
                &contract(r#"use "framework/missing.outcome""#, "housed"),
            ),
        ],
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_outcome"))
        .args(["check", "--format", "json", "."])
        .current_dir(&repo.0)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let first: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["file"], "a.outcome");
    assert_eq!(first["code"], "E0208");
    assert_eq!(first["line"], 1);
}

/// A chain of `count` files, `f0.outcome` using `f1.outcome` and so on; the last uses none.
fn chain(count: usize) -> Vec<(String, String)> {
    (0..count)
        .map(|i| {
            let uses = if i + 1 < count {
                format!("use \"f{}.outcome\"\n", i + 1)
            } else {
                String::new()
            };
            (
                format!("f{i}.outcome"),
                format!("{uses}outcome o{i} \"O{i}\"\n"),
            )
        })
        .collect()
}

/// The limit is on the chain a file's `use` leads into, whoever asks: in a chain of 70 files
/// `f5` uses 64 files in a row and checks clean, `f4` would use 65 and is refused, and every
/// file above `f4` uses a file with errors.
#[test]
fn a_chain_of_files_longer_than_sixty_four_is_refused() {
    let files = chain(70);
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let repo = Repo::new("deep", &borrowed);
    for order in [&["f0", "f4", "f5"][..], &["f5", "f4", "f0"]] {
        let mut workspace = Workspace::for_path(&repo.0).unwrap();
        for name in order {
            let loaded = workspace
                .load(&repo.0.join(format!("{name}.outcome")))
                .unwrap();
            let found = repo.messages(&loaded);
            let expected = match *name {
                "f5" => vec![],
                "f4" => vec![(
                    Code::E0211,
                    "`f5.outcome` is used through a chain of more than 64 files".to_string(),
                )],
                _ => vec![(
                    Code::E0211,
                    "`f1.outcome` has errors, so it cannot be used until they are fixed"
                        .to_string(),
                )],
            };
            assert_eq!(found, expected, "{name}, loaded in the order {order:?}");
        }
    }
}

/// Each file's diagnostics from `outcome check --format json` run in the repository with
/// `args`, by file.
fn diagnostics_by_file(repo: &Repo, args: &[String]) -> BTreeMap<String, Vec<String>> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_outcome"))
        .args(["check", "--format", "json"])
        .args(args)
        .current_dir(&repo.0)
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(2), "{args:?}: {output:?}");
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        by_file
            .entry(record["file"].as_str().unwrap().to_string())
            .or_default()
            .push(format!(
                "{}:{} {} {}",
                record["line"], record["column"], record["code"], record["message"]
            ));
    }
    by_file
}

/// Assert that every way of naming the files gives each file the same diagnostics: the
/// folder, the files in order, in reverse order, and each file alone. The diagnostics of the
/// folder, for the test to say more of.
fn same_however_checked(repo: &Repo, names: &[String]) -> BTreeMap<String, Vec<String>> {
    let folder = diagnostics_by_file(repo, &[".".to_string()]);
    let in_order = diagnostics_by_file(repo, names);
    let reversed: Vec<String> = names.iter().rev().cloned().collect();
    let in_reverse = diagnostics_by_file(repo, &reversed);
    assert_eq!(in_order, folder, "the files named in order");
    assert_eq!(in_reverse, folder, "the files named in reverse order");
    for name in names {
        let alone = diagnostics_by_file(repo, std::slice::from_ref(name));
        let expected: BTreeMap<String, Vec<String>> = folder
            .get(name)
            .map(|d| (name.clone(), d.clone()))
            .into_iter()
            .collect();
        assert_eq!(alone, expected, "{name} alone");
    }
    folder
}

#[test]
fn a_circle_is_named_by_each_of_its_files_however_they_are_checked() {
    let repo = Repo::new(
        "circle-every-way",
        &[
            ("c1.outcome", "use \"c2.outcome\"\noutcome c1 \"C1\"\n"),
            ("c2.outcome", "use \"c3.outcome\"\noutcome c2 \"C2\"\n"),
            ("c3.outcome", "use \"c1.outcome\"\noutcome c3 \"C3\"\n"),
            ("user.outcome", "use \"c2.outcome\"\noutcome u \"U\"\n"),
        ],
    );
    let names: Vec<String> = ["c1", "c2", "c3", "user"]
        .iter()
        .map(|n| format!("{n}.outcome"))
        .collect();
    let found = same_however_checked(&repo, &names);
    let circle = |a: &str, b: &str, c: &str| {
        vec![format!(
            "1:5 \"E0209\" \"these files use each other in a circle: `{a}.outcome` → `{b}.outcome` → `{c}.outcome` → `{a}.outcome`\""
        )]
    };
    assert_eq!(found["c1.outcome"], circle("c1", "c2", "c3"));
    assert_eq!(found["c2.outcome"], circle("c2", "c3", "c1"));
    assert_eq!(found["c3.outcome"], circle("c3", "c1", "c2"));
    assert_eq!(
        found["user.outcome"],
        vec![
            "1:5 \"E0211\" \"`c2.outcome` has errors, so it cannot be used until they are fixed\""
        ]
    );
}

#[test]
fn a_long_chain_gives_the_same_diagnostics_however_it_is_checked() {
    let files = chain(70);
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let repo = Repo::new("chain-every-way", &borrowed);
    let names: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
    let found = same_however_checked(&repo, &names);
    // At the limit: f5 leads into 64 files in a row, f4 into 65.
    assert!(!found.contains_key("f5.outcome"), "{found:?}");
    assert_eq!(
        found["f4.outcome"],
        vec!["1:5 \"E0211\" \"`f5.outcome` is used through a chain of more than 64 files\""]
    );
    let with_errors: Vec<&String> = found.keys().collect();
    assert_eq!(
        with_errors,
        ["f0", "f1", "f2", "f3", "f4"]
            .map(|n| format!("{n}.outcome"))
            .iter()
            .collect::<Vec<_>>()
    );
}

/// A repository with every kind of `use`: shared chains, a circle of three, a file used by
/// many, a contract used as a framework, a missing file, a file with errors, one that does
/// not parse. Loading all of it at once (on every core) gives each file exactly the
/// diagnostics that loading the files one after another, in the same order, gives.
#[test]
fn loading_a_repository_at_once_matches_loading_file_by_file() {
    let mut files: Vec<(String, String)> = vec![
        ("outcomes.outcome".into(), FRAMEWORK.into()),
        ("measures.outcome".into(), MEASURES.into()),
        (
            "c1.outcome".into(),
            "use \"c2.outcome\"\noutcome c1 \"C1\"\n".into(),
        ),
        (
            "c2.outcome".into(),
            "use \"c3.outcome\"\noutcome c2 \"C2\"\n".into(),
        ),
        (
            "c3.outcome".into(),
            "use \"c1.outcome\"\noutcome c3 \"C3\"\n".into(),
        ),
        (
            "broken.outcome".into(),
            "outcome broken \"Broken\" {\n".into(),
        ),
        (
            "errors.outcome".into(),
            "outcome e \"E\" { level nowhere }\n".into(),
        ),
    ];
    for n in 0..12 {
        let uses = match n % 6 {
            0 => "use \"measures.outcome\"",
            1 => "use \"outcomes.outcome\"\nuse \"c2.outcome\"",
            2 => "use \"missing.outcome\"",
            3 => "use \"broken.outcome\"",
            4 => "use \"errors.outcome\"",
            _ => "use \"contract0.outcome\"",
        };
        files.push((format!("contract{n}.outcome"), contract(uses, "housed")));
    }
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let repo = Repo::new("at-once", &borrowed);
    // The order `check` uses: sorted paths. Circles are entered at different files.
    let mut paths: Vec<PathBuf> = files.iter().map(|(p, _)| repo.0.join(p)).collect();
    paths.sort();
    let shown = |loaded: &outcome::workspace::Loaded| {
        loaded
            .compiled
            .diagnostics
            .iter()
            .map(|d| format!("{} {:?} {}", d.code, d.primary.span, d.message))
            .collect::<Vec<_>>()
    };

    let mut one_by_one = Workspace::for_path(&repo.0).unwrap();
    let expected: Vec<_> = paths
        .iter()
        .map(|p| shown(&one_by_one.load(p).unwrap()))
        .collect();
    let mut at_once = Workspace::for_path(&repo.0).unwrap();
    let found: Vec<_> = at_once
        .load_all(&paths)
        .into_iter()
        .map(|loaded| shown(&loaded.unwrap()))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(at_once.files_read(), one_by_one.files_read());
    assert!(
        expected.iter().flatten().any(|d| d.starts_with("E0209")),
        "the repository has a circle: {expected:?}"
    );
}
