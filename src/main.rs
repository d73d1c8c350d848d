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
    no_huge_pages();
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

/// No transparent huge pages (2 MB pages) for this process. mimalloc asks the kernel for
/// them for its memory, and where the kernel makes them on demand for memory that asks
/// (`defrag` set to `madvise`, a common default) the first touch of each such page can wait
/// while the kernel compacts memory to find 2 MB free in one piece: on the machine the
/// benchmarks run on, a check of a 10 MB long funnel took 0.05 to 0.49 s of system time
/// with them and 0.11 to 0.17 s without (median wall-clock 0.84 times; the million-row
/// report 0.98 times, its spread a third). The processor time huge pages save, fewer misses
/// of the address cache, was 2 to 6%. mimalloc's own option for this is read once, when it
/// starts, which is before `main`; the kernel's switch for the process holds from here on
/// (and for what the process starts, such as `git` for `outcome diff`, which is harmless).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn no_huge_pages() {
    // SAFETY: `prctl` with `PR_SET_THP_DISABLE` reads its integer arguments only and sets a
    // flag of this process; its result is ignored, as the program runs the same either way.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(unsafe_code)]
    fn purge_delay() -> std::os::raw::c_long {
        // SAFETY: reads one integer of mimalloc's options.
        unsafe { libmimalloc_sys::mi_option_get(MIMALLOC_PURGE_DELAY) }
    }

    #[cfg(target_os = "linux")]
    #[test]
    #[allow(unsafe_code)]
    fn huge_pages_are_turned_off() {
        // SAFETY: `prctl` with `PR_GET_THP_DISABLE` reads a flag of this process.
        let disabled = || unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) };
        no_huge_pages();
        assert_eq!(disabled(), 1);
    }

    #[test]
    fn the_purge_delay_is_the_option_it_names() {
        // Its default is 1,000 milliseconds, as no option before it in the list defaults to.
        assert_eq!(purge_delay(), 1000);
        keep_freed_memory();
        assert_eq!(purge_delay(), -1);
    }
}
