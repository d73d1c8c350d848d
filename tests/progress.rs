//! The progress bar of `outcome report`: drawn on stderr for a return that takes more than a
//! second to read, and only when stderr is a terminal and `--quiet` is not given. A terminal
//! is made with `script` (util-linux), which runs a command on a pseudo-terminal; where it is
//! missing, only the half without a terminal is checked.

mod common;
use common::{exits, Scratch};
use std::process::Command;
use std::time::{Duration, Instant};

const SPEC: &str = "specs/drug-service.outcome";

/// A return large enough that reading it takes more than a second in a test build.
fn large_return(scratch: &Scratch) -> String {
    let path = scratch.path("large.csv");
    let path = path.to_str().unwrap().to_string();
    exits(
        &["returns", SPEC, "--participants", "100000", "-o", &path],
        0,
    );
    path
}

/// `outcome` with `args` run on a pseudo-terminal: what the terminal showed, and how long it
/// took; `None` without `script`.
fn on_a_terminal(args: &[&str]) -> Option<(String, Duration)> {
    let binary = env!("CARGO_BIN_EXE_outcome");
    let line = std::iter::once(binary)
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let started = Instant::now();
    let output = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    assert!(output.status.success(), "{output:?}");
    Some((
        String::from_utf8_lossy(&output.stdout).into_owned(),
        started.elapsed(),
    ))
}

#[test]
fn the_progress_bar_is_drawn_only_on_a_terminal() {
    let scratch = Scratch::new("progress");
    let returns = large_return(&scratch);
    let out = scratch.path("report.txt");
    let out = out.to_str().unwrap();
    let args = ["report", SPEC, "--returns", &returns, "-o", out];

    // stderr a pipe: nothing at all is written to it, however long the report takes.
    let started = Instant::now();
    exits(&args, 0).stderr("").stdout("");
    let took = started.elapsed();

    let Some((shown, took_there)) = on_a_terminal(&args) else {
        eprintln!("SKIPPED the terminal half: `script` is not installed");
        return;
    };
    if took.min(took_there) < Duration::from_millis(1500) {
        eprintln!("SKIPPED the terminal half: the report took {took:?}, too quick for a bar");
        return;
    }
    // The bar waits a second of reading; the time measured is the whole report, so a busy
    // machine can take longer in all while reading in under a second, and draw nothing.
    if shown.is_empty() {
        eprintln!(
            "SKIPPED the terminal half: the return was read in under the second the bar waits"
        );
        return;
    }
    assert!(shown.contains("reading the return"), "{shown:?}");
    // Cleared once the return is read: the last thing on the terminal erases the line.
    assert!(shown.trim_end().ends_with("\u{1b}[2K"), "{shown:?}");

    let mut quiet = args.to_vec();
    quiet.push("--quiet");
    let (shown, _) = on_a_terminal(&quiet).unwrap();
    assert!(!shown.contains("reading the return"), "{shown:?}");
}
