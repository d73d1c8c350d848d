//! Which files `outcome` reads and writes: every contract file read is inside its repository
//! (symbolic links found by a search never lead out), only regular files are read and never
//! more of one than the size limit, and no command writes its output over one of its inputs.
//!
//! Each test runs the binary in a scratch repository (a folder holding `.git`), with a time
//! limit where the bug it guards would make the run hang or read without end.

#![cfg(unix)]

mod common;
use common::{RunAssert, Scratch};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Long enough for a debug build on a busy machine; a run that reads without end takes longer.
const QUICKLY: Duration = Duration::from_secs(20);

const CLEAN: &str = "specs/drug-service.outcome";
const RETURN: &str = "specs/returns/drug-service-2009-10.csv";

/// A scratch repository: a folder with `.git`, holding a clean contract `c.outcome`, and a
/// folder `outside` beside it (within the scratch folder) that is not part of it.
fn repository(test: &str) -> Scratch {
    let scratch = Scratch::new(test);
    std::fs::create_dir_all(scratch.path("repo/.git")).unwrap();
    std::fs::create_dir_all(scratch.path("outside")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(CLEAN),
        scratch.path("repo/c.outcome"),
    )
    .unwrap();
    scratch
}

/// `outcome` run inside the repository, with a time limit.
fn in_repo(scratch: &Scratch) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("outcome").unwrap();
    command.current_dir(scratch.path("repo")).timeout(QUICKLY);
    command
}

fn output_text(assert: &assert_cmd::assert::Assert) -> String {
    let output = assert.get_output();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

// ---------------------------------------------------------------------------------------------
// a search never leaves the repository through a link

#[test]
fn a_link_to_the_process_environment_found_by_a_search_is_not_printed() {
    let scratch = repository("environ");
    symlink("/proc/self/environ", scratch.path("repo/env.outcome")).unwrap();
    for args in [&["fmt", "--check", "."][..], &["check", "."]] {
        let run = in_repo(&scratch)
            .env("FOO_SECRET", "hunter2")
            .args(args)
            .assert()
            .code(2)
            .stderr_has(&["not reading `env.outcome`", "outside the repository"]);
        let text = output_text(&run);
        assert!(
            !text.contains("hunter2"),
            "{args:?} printed the environment:\n{text}"
        );
        assert!(
            !text.contains("PATH="),
            "{args:?} printed the environment:\n{text}"
        );
    }
}

#[test]
fn a_link_to_etc_passwd_found_by_a_search_is_not_printed() {
    let scratch = repository("passwd");
    std::fs::create_dir_all(scratch.path("repo/sub")).unwrap();
    symlink("/etc/passwd", scratch.path("repo/sub/pw.outcome")).unwrap();
    let run = in_repo(&scratch)
        .args(["check", "."])
        .assert()
        .code(2)
        .stderr_has(&[
            "not reading `sub/pw.outcome`: it is a symbolic link to `/etc/passwd`, outside the repository",
            "checked 1 file: 0 errors",
        ]);
    assert!(!output_text(&run).contains("root:"));
}

#[test]
fn fmt_never_writes_through_a_link_out_of_the_repository() {
    let scratch = repository("victim");
    let untidy = "outcome   housed    \"Housed\"\n";
    scratch.file("outside/victim.outcome", untidy);
    symlink(
        "../outside/victim.outcome",
        scratch.path("repo/link.outcome"),
    )
    .unwrap();
    in_repo(&scratch)
        .args(["fmt", "."])
        .assert()
        .code(2)
        .stderr_has(&["not reading `link.outcome`", "outside the repository"]);
    assert_eq!(scratch.read("outside/victim.outcome"), untidy);
}

#[test]
fn a_link_inside_the_repository_is_followed_and_its_file_read_once() {
    let scratch = repository("inside");
    scratch.file("repo/framework/bad.outcome", "outcome x \"X\" {\n");
    symlink("framework/bad.outcome", scratch.path("repo/link.outcome")).unwrap();
    let run = in_repo(&scratch)
        .args(["check", "--format", "json", "."])
        .assert()
        .code(1);
    let records: Vec<serde_json::Value> = String::from_utf8_lossy(&run.get_output().stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let files: Vec<&str> = records
        .iter()
        .map(|r| r["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["framework/bad.outcome"]);
}

#[test]
fn a_link_named_on_the_command_line_may_not_leave_its_repository() {
    let scratch = repository("named-link");
    scratch.file("outside/victim.outcome", "outcome housed \"Housed\"\n");
    symlink(
        "../outside/victim.outcome",
        scratch.path("repo/link.outcome"),
    )
    .unwrap();
    symlink("/etc/passwd", scratch.path("repo/pw.outcome")).unwrap();
    for named in ["link.outcome", "pw.outcome"] {
        let run = in_repo(&scratch)
            .args(["check", named])
            .assert()
            .code(2)
            .stderr_has(&[&format!("not reading `{named}`"), "outside the repository"]);
        assert!(!output_text(&run).contains("root:"));
        in_repo(&scratch).args(["fmt", named]).assert().code(2);
        in_repo(&scratch).args(["build", named]).assert().code(2);
    }
    // A file outside named by its own path is the user's choice, and is read.
    in_repo(&scratch)
        .args(["check", "../outside/victim.outcome"])
        .assert()
        .code(0);
}

#[test]
fn a_fifo_found_by_a_search_is_not_opened() {
    let scratch = repository("fifo-found");
    let made = Command::new("mkfifo")
        .arg(scratch.path("repo/pipe.outcome"))
        .status()
        .unwrap();
    assert!(made.success());
    in_repo(&scratch)
        .args(["check", "."])
        .assert()
        .code(2)
        .stderr_has(&["not reading `pipe.outcome`: it is a FIFO"]);
    in_repo(&scratch)
        .args(["fmt", "--check", "."])
        .assert()
        .code(2)
        .stderr_has(&["not reading `pipe.outcome`: it is a FIFO"]);
}

// ---------------------------------------------------------------------------------------------
// memory is bounded before the size limit

#[test]
fn dev_zero_named_on_the_command_line_is_refused_quickly() {
    let scratch = repository("zero");
    for command in ["check", "fmt", "build"] {
        in_repo(&scratch)
            .args([command, "/dev/zero"])
            .assert()
            .code(2)
            .stderr_has(&["`/dev/zero`", "character device"]);
    }
}

#[test]
fn a_fifo_named_on_the_command_line_is_refused_without_waiting_for_a_writer() {
    let scratch = repository("fifo-named");
    let made = Command::new("mkfifo")
        .arg(scratch.path("repo/pipe.outcome"))
        .status()
        .unwrap();
    assert!(made.success());
    for command in ["check", "fmt", "build"] {
        in_repo(&scratch)
            .args([command, "pipe.outcome"])
            .assert()
            .code(2)
            .stderr_has(&["pipe.outcome", "FIFO"]);
    }
    Command::new("mkfifo")
        .arg(scratch.path("repo/pipe.csv"))
        .status()
        .unwrap();
    in_repo(&scratch)
        .args(["report", "c.outcome", "--returns", "pipe.csv"])
        .assert()
        .code(2)
        .stderr_has(&["pipe.csv", "FIFO"]);
}

/// A sparse file of 64 GB: reading it whole would take minutes and more memory than the
/// machine has; its size alone says it is too large.
#[test]
fn a_file_larger_than_the_limit_is_refused_by_its_size_unread() {
    let scratch = repository("sparse");
    let file = std::fs::File::create(scratch.path("repo/huge.outcome")).unwrap();
    file.set_len(64 << 30).unwrap();
    for args in [
        &["check", "huge.outcome"][..],
        &["check", "."],
        &["fmt", "."],
    ] {
        in_repo(&scratch)
            .args(args)
            .assert()
            .code(1)
            .stderr_has(&["E0111", "this file is 65536 MB, more than the 16 MB"]);
    }
}

#[test]
fn the_system_state_named_on_the_command_line_is_not_read() {
    let scratch = repository("proc");
    let run = in_repo(&scratch)
        .env("FOO_SECRET", "hunter2")
        .args(["check", "/proc/self/environ"])
        .assert()
        .code(2)
        .stderr_has(&["not reading `/proc/self/environ`"]);
    assert!(!output_text(&run).contains("hunter2"));
}

// ---------------------------------------------------------------------------------------------
// `-o` never names an input

/// Run `args` in the repository; assert it is refused (exit 2) with a message naming the
/// input, and that `file` is unchanged.
fn refused_over(scratch: &Scratch, args: &[&str], file: &str) {
    let before = std::fs::read(scratch.path(file)).unwrap();
    in_repo(scratch)
        .args(args)
        .assert()
        .code(2)
        .stdout("")
        .stderr_has(&["which this command reads", "give `-o` another file"]);
    assert_eq!(
        std::fs::read(scratch.path(file)).unwrap(),
        before,
        "{args:?} changed {file}"
    );
}

#[test]
fn build_refuses_to_write_over_its_contract_however_it_is_named() {
    let scratch = repository("build-over");
    symlink("c.outcome", scratch.path("repo/alias.json")).unwrap();
    std::fs::hard_link(
        scratch.path("repo/c.outcome"),
        scratch.path("repo/hard.json"),
    )
    .unwrap();
    for out in ["c.outcome", "./c.outcome", "alias.json", "hard.json"] {
        refused_over(
            &scratch,
            &["build", "c.outcome", "-o", out],
            "repo/c.outcome",
        );
    }
    in_repo(&scratch)
        .args(["build", "c.outcome", "-o", "c.json"])
        .assert()
        .code(0);
}

#[test]
fn build_refuses_to_write_over_a_file_its_contract_uses() {
    let scratch = repository("build-used");
    scratch.file(
        "repo/framework.outcome",
        "outcome housed \"Housed\" { why \"Stability\" level population }\n",
    );
    let contract = scratch.read("repo/c.outcome");
    scratch.file(
        "repo/c.outcome",
        format!("use \"framework.outcome\"\n{contract}"),
    );
    refused_over(
        &scratch,
        &["build", "c.outcome", "-o", "framework.outcome"],
        "repo/framework.outcome",
    );
}

#[test]
fn report_refuses_to_write_over_its_return_or_measures() {
    let scratch = repository("report-over");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(RETURN),
        scratch.path("repo/r.csv"),
    )
    .unwrap();
    scratch.file("repo/m.csv", "measure,cohort,year,treatment,comparison\n");
    refused_over(
        &scratch,
        &["report", "c.outcome", "--returns", "r.csv", "-o", "r.csv"],
        "repo/r.csv",
    );
    refused_over(
        &scratch,
        &[
            "report",
            "c.outcome",
            "--returns",
            "r.csv",
            "--format",
            "json",
            "-o",
            "./r.csv",
        ],
        "repo/r.csv",
    );
    refused_over(
        &scratch,
        &[
            "report",
            "c.outcome",
            "--returns",
            "r.csv",
            "--measures",
            "m.csv",
            "-o",
            "m.csv",
        ],
        "repo/m.csv",
    );
    refused_over(
        &scratch,
        &[
            "report",
            "c.outcome",
            "--returns",
            "r.csv",
            "-o",
            "c.outcome",
        ],
        "repo/c.outcome",
    );
}

#[test]
fn returns_refuses_to_write_over_its_contract() {
    let scratch = repository("returns-over");
    refused_over(
        &scratch,
        &[
            "returns",
            "c.outcome",
            "--participants",
            "5",
            "-o",
            "c.outcome",
        ],
        "repo/c.outcome",
    );
    in_repo(&scratch)
        .args(["returns", "c.outcome", "--participants", "5", "-o", "r.csv"])
        .assert()
        .code(0);
}
