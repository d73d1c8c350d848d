//! A contract repository as the README sets one up: contracts, their framework, and this
//! compiler vendored as a git submodule at `tools/outcome` with its own deliberately broken test
//! files. The `outcome` steps of the README's GitHub workflow, read from the README, run on it
//! as written; and what a folder search leaves out (`.gitignore`, hidden folders, nested
//! repositories, `--exclude`).

#![cfg(unix)]

mod common;
use common::Scratch;
use std::path::Path;
use std::process::{Command, Output};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=Contracts",
            "-c",
            "user.email=contracts@example.org",
            "-c",
            "protocol.file.allow=always",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `sh -c COMMAND` in `dir`, with the `outcome` under test first on the PATH.
fn shell(dir: &Path, command: &str) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_outcome"))
        .parent()
        .expect("the binary's folder");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("NO_COLOR")
        .output()
        .expect("sh runs")
}

/// The `outcome …` commands of the README's workflow for a contract repository, in order.
fn readme_workflow_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(manifest().join("README.md")).expect("the README");
    let start = readme
        .find("```yaml\nname: contracts")
        .expect("the README's contracts workflow");
    let end = start + readme[start + 3..].find("```").expect("the block's end") + 3;
    readme[start..end]
        .lines()
        .filter_map(|line| {
            line.trim()
                .strip_prefix("- run: ")
                .or_else(|| line.trim().strip_prefix("run: "))
        })
        .filter(|command| command.starts_with("outcome "))
        .map(str::to_string)
        .collect()
}

/// The compiler's own test files, as a repository of their own: what `tools/outcome` holds
/// when it is vendored (the contracts that must fail, and the specs).
fn compiler_repository(scratch: &Scratch) -> std::path::PathBuf {
    let compiler = scratch.path("compiler");
    for folder in ["tests/diagnostics", "specs"] {
        for file in common::outcome_files_below(&manifest().join(folder)) {
            let below = file.strip_prefix(manifest()).expect("below the manifest");
            let to = compiler.join(below);
            std::fs::create_dir_all(to.parent().expect("a folder")).expect("folders");
            std::fs::copy(&file, &to).expect("copied");
        }
    }
    git(&compiler, &["init", "-q"]);
    git(&compiler, &["add", "."]);
    git(&compiler, &["commit", "-q", "-m", "compiler"]);
    compiler
}

/// A contract repository holding the borough's contracts and framework, with the compiler at
/// `tools/outcome` as a real git submodule.
fn contract_repository(test: &str) -> (Scratch, std::path::PathBuf) {
    let scratch = Scratch::new(test);
    let compiler = compiler_repository(&scratch);
    let repo = scratch.path("contracts");
    for file in common::outcome_files_below(&manifest().join("specs/borough")) {
        let below = file
            .strip_prefix(manifest().join("specs/borough"))
            .expect("below the borough");
        let to = repo.join(below);
        std::fs::create_dir_all(to.parent().expect("a folder")).expect("folders");
        std::fs::copy(&file, &to).expect("copied");
    }
    git(&repo, &["init", "-q"]);
    git(
        &repo,
        &[
            "submodule",
            "add",
            "-q",
            compiler.to_str().expect("a UTF-8 path"),
            "tools/outcome",
        ],
    );
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "contracts"]);
    assert!(
        repo.join("tools/outcome/.git").is_file(),
        "a submodule's .git is a file"
    );
    assert!(repo.join("tools/outcome/tests/diagnostics").is_dir());
    (scratch, repo)
}

#[test]
fn the_readme_workflow_passes_on_a_repository_that_vendors_the_compiler() {
    let commands = readme_workflow_commands();
    assert_eq!(
        commands.len(),
        3,
        "fmt, check for annotations, check for SARIF: {commands:?}"
    );
    let (_scratch, repo) = contract_repository("readme-workflow");
    for command in &commands {
        let output = shell(&repo, command);
        assert!(
            output.status.success(),
            "`{command}` failed on a clean repository:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.join("outcome.sarif")).expect("the SARIF log"),
    )
    .expect("SARIF is JSON");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(0)
    );

    // A mistake in a contract: the annotations name it and only it, the check step fails, and
    // the SARIF step still writes the log for the upload.
    let contract = repo.join("family-support.outcome");
    let text = std::fs::read_to_string(&contract).expect("the contract");
    std::fs::write(
        &contract,
        format!("{text}\nfunnel broken \"B\" for nobody {{ }}\n"),
    )
    .expect("written");
    let annotate = shell(&repo, &commands[1]);
    assert_eq!(annotate.status.code(), Some(1));
    let annotations = String::from_utf8_lossy(&annotate.stdout);
    assert!(annotations.starts_with("::error file="), "{annotations}");
    assert!(
        annotations
            .lines()
            .all(|line| line.contains("family-support.outcome")),
        "{annotations}"
    );
    let log = shell(&repo, &commands[2]);
    assert!(
        log.status.success(),
        "the SARIF step fails only when outcome cannot run"
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.join("outcome.sarif")).expect("the SARIF log"),
    )
    .expect("SARIF is JSON");
    assert!(sarif["runs"][0]["results"]
        .as_array()
        .is_some_and(|r| !r.is_empty()));
}

#[test]
fn a_folder_search_leaves_out_ignored_hidden_and_nested_repositories_and_exclusions() {
    let (scratch, repo) = contract_repository("search-leaves-out");
    let broken = "contract \"Broken\" {\n";
    scratch.file("contracts/build/generated.outcome", broken);
    scratch.file("contracts/.gitignore", "build/\n");
    scratch.file("contracts/.drafts/idea.outcome", broken);
    scratch.file("contracts/old/retired.outcome", broken);
    scratch.file("contracts/scratch.old.outcome", broken);
    // A nested repository that is not a submodule.
    scratch.file("contracts/elsewhere/.git/HEAD", "ref: refs/heads/main\n");
    scratch.file("contracts/elsewhere/broken.outcome", broken);

    let check = |args: &[&str]| shell(&repo, &format!("outcome check {}", args.join(" ")));
    // Without exclusions only `old/` and `scratch.old.outcome` are searched of the broken.
    let output = check(&["--format", "json", "."]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut named: Vec<String> = stdout
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            record["file"].as_str().expect("a file").to_string()
        })
        .collect();
    named.dedup();
    assert_eq!(
        named,
        ["old/retired.outcome", "scratch.old.outcome"],
        "{stdout}"
    );

    let output = check(&["--exclude", "old", "--exclude", "'*.old.outcome'", "."]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("checked 3 files: 0 errors"), "{stderr}");
    // A path as a shell completes it, `./old`, is the same folder.
    let output = check(&["--exclude", "./old", "--exclude", "'*.old.outcome'", "."]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("checked 3 files: 0 errors"), "{stderr}");
    // `fmt` searches the same way.
    let output = shell(
        &repo,
        "outcome fmt --check --exclude old --exclude '*.old.outcome' .",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // A file named on the command line is read whatever the search would leave out.
    let output = check(&["build/generated.outcome"]);
    assert_eq!(output.status.code(), Some(1));

    // A pattern that is not one: exit 2, naming it.
    let output = check(&["--exclude", "'a[b'", "."]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`--exclude a[b` is not a valid pattern"),
        "{stderr}"
    );
    let output = check(&["--exclude", "'!old'", "."]);
    assert_eq!(output.status.code(), Some(2));

    // A folder whose contracts are all left out says why none were found.
    let output = check(&["build"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the named folder is searched"
    );
    let output = shell(&repo, "outcome check --exclude '*' .");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--exclude"), "{stderr}");
}
