//! The language server's keystroke latency: the time from a one-character change
//! (`didChange`) to its diagnostics being published, on a 5,000-line contract, through the
//! release build's `outcome lsp` over standard input and output, as an editor drives it.
//!
//!     cargo bench --bench lsp
//!
//! Rounds of 21 changes each, a fresh server each round; prints each round's median and
//! slowest change, and the median of all. The aim is one frame, 16 ms, at the median.
//! `OUTCOME_LSP_ROUNDS` sets the number of rounds (5).

#[path = "../tests/common/lsp.rs"]
mod lsp;
#[path = "../tests/shapes/mod.rs"]
mod shapes;

use std::path::Path;
use std::time::Duration;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let rounds: usize = std::env::var("OUTCOME_LSP_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let binary = Path::new(env!("CARGO_BIN_EXE_outcome"));
    let dir = std::env::temp_dir().join(format!("outcome-bench-lsp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).expect("a scratch repository");
    println!("keystroke to diagnostics through `{}`", binary.display());
    let mut all = Vec::new();
    let mut lines = 0;
    for round in 1..=rounds {
        let (n, times) = lsp::keystrokes(binary, &dir, 5_000, 21);
        lines = n;
        println!(
            "  round {round}: median {:.1} ms, fastest {:.1} ms, slowest {:.1} ms",
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
        all.extend(times);
    }
    let _ = std::fs::remove_dir_all(&dir);
    all.sort();
    println!(
        "{lines}-line contract, {} changes: median {:.1} ms (aim 16 ms), 90th percentile {:.1} ms, slowest {:.1} ms",
        all.len(),
        ms(all[all.len() / 2]),
        ms(all[all.len() * 9 / 10]),
        ms(all[all.len() - 1])
    );
}
