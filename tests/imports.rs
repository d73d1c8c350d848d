//! `use`: shared declarations across files, and every way a `use` can go wrong.

use outcome::diagnostic::Code;
use outcome::workspace::Workspace;
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
        loaded
            .compiled
            .diagnostics
            .iter()
            .map(|d| (d.code, d.message.clone()))
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
    assert!(
        found
            .iter()
            .any(|(code, message)| *code == Code::E0211 && message.contains("y.outcome")),
        "x cannot use y, which is in the circle: {found:?}"
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

#[test]
fn a_chain_of_files_longer_than_sixty_four_is_refused() {
    let mut files: Vec<(String, String)> = (0..70)
        .map(|i| {
            (
                format!("f{i}.outcome"),
                format!("use \"f{}.outcome\"\noutcome o{i} \"O{i}\"\n", i + 1),
            )
        })
        .collect();
    files.push(("f70.outcome".into(), "outcome o70 \"O70\"\n".into()));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let repo = Repo::new("deep", &borrowed);
    let mut workspace = Workspace::for_path(&repo.0).unwrap();
    workspace.load(&repo.0.join("f0.outcome")).unwrap();
    let deepest = workspace.load(&repo.0.join("f63.outcome")).unwrap();
    assert!(
        deepest
            .compiled
            .diagnostics
            .iter()
            .any(|d| d.code == Code::E0211 && d.message.contains("chain of more than 64 files")),
        "{:?}",
        deepest.compiled.diagnostics
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
