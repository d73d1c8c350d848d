//! The `outcome` binary: parse the command line, run it, exit with its code.
//!
//! clap handles its own usage errors (exit 2) and `--help`/`--version` (exit 0); everything
//! else, terminals and exit codes included, lives in `outcome::cli`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = outcome::cli::Cli::parse();
    outcome::cli::run(cli).into()
}
