//! The `outcome` binary: parse the command line, run it, exit with its code.
//!
//! clap handles its own usage errors (exit 2) and `--help`/`--version` (exit 0); everything
//! else, terminals and exit codes included, lives in `outcome::cli`.

use clap::Parser;
use std::process::ExitCode;

/// mimalloc rather than the system allocator: checking allocates many small strings and
/// vectors and frees them together, which glibc's allocator spends a fifth of the time on
/// (consolidating free lists) for large contracts.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = outcome::cli::Cli::parse();
    outcome::cli::run(cli).into()
}
