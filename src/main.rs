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
    if !cli.serves() {
        keep_freed_memory();
    }
    outcome::cli::run(cli).into()
}

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_e` of the mimalloc 3 header
/// that `libmimalloc-sys` builds (the crate names only some options).
const MIMALLOC_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tell mimalloc never to hand freed memory back to the system, for a command that ends
/// when its work is done. By default it does so a second after the memory is freed, and a
/// check that runs longer than that (a 10 MB contract) gave back hundreds of megabytes it
/// went on to take again, each page cleared afresh by the kernel: about as much time as the
/// check itself. The memory is reused as before and returned when the process ends; the
/// language server, which lives as long as the editor, keeps mimalloc's default.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    // SAFETY: sets one integer of mimalloc's options, before any thread is started.
    unsafe { libmimalloc_sys::mi_option_set(MIMALLOC_PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(unsafe_code)]
    fn purge_delay() -> std::os::raw::c_long {
        // SAFETY: reads one integer of mimalloc's options.
        unsafe { libmimalloc_sys::mi_option_get(MIMALLOC_PURGE_DELAY) }
    }

    #[test]
    fn the_purge_delay_is_the_option_it_names() {
        // Its default is 1,000 milliseconds, as no option before it in the list defaults to.
        assert_eq!(purge_delay(), 1000);
        keep_freed_memory();
        assert_eq!(purge_delay(), -1);
    }
}
