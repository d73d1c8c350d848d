//! Throughput of the compiler on generated contracts of about 1 KB, 100 KB, 1 MB and 10 MB.
//!
//! Run with `cargo bench --bench throughput` (release profile). For each size it measures:
//!
//! - `check`: bytes → diagnostics and model (`compile_bytes`), in MB/s of contract text;
//! - `build`: `check` plus the JSON document (`emit::json::contract`);
//! - `serde`: serde_json parsing that JSON document into a `serde_json::Value`, the baseline
//!   of a near-optimal parser over the same information, and the ratio check ÷ serde;
//! - peak memory: the peak resident set (VmHWM) of a child process that generates the
//!   contract, resets its high-water mark (`/proc/self/clear_refs`), runs `build` once and
//!   reads VmHWM again. A child per size keeps the sizes from inheriting each other's peak, and
//!   measuring the real RSS (allocator overhead and fragmentation included) costs the timed
//!   runs nothing, which a counting global allocator would not;
//! - linearity: time per MB at 10 MB against 1 MB (10× the input should take at most 11× the
//!   time).
//!
//! Then the scaling series (`tests/shapes`): each shape at N, 10N and 100N, the growth of the
//! check per 10×, its ratio to serde_json, and (`serde→`) how much serde_json's own parse of
//! the same contracts' JSON grew from 10N to 100N: the growth that this machine's memory
//! gives the same bytes in a parser that is not ours.
//!
//! Then whole processes: `outcome check` of a typical ~5 KB contract, spawned many times
//! (median milliseconds, start-up included), and `outcome check DIR` over a 1,000-file
//! repository generated in a temporary directory.
//!
//! Timings are medians of several runs; the bigger sizes run fewer times. Set
//! `OUTCOME_BENCH_QUICK=1` for one run of each (a smoke test). A size whose runs would take
//! longer than `OUTCOME_BENCH_BUDGET` seconds (default 600) at the growth measured so far is
//! skipped with its predicted time, so a quadratic spot is reported instead of waited for.
//! `OUTCOME_BENCH_WRITE=BYTES:PATH` writes the contract of that size to `PATH` and stops, to
//! profile one size under `perf` or `valgrind` (`OUTCOME_BENCH_WRITE=SHAPE:N:PATH` the contract
//! of a scaling shape with N of its items). `OUTCOME_BENCH_SERDE=PATH` parses the JSON document
//! at `PATH` once with serde_json (`serde_value`) and stops, so that the baseline can be counted
//! under callgrind as `outcome check` is (`--toggle-collect='throughput::serde_value'`).
//! `OUTCOME_BENCH_ONLY=sizes`, `shapes` or `processes` runs one of the three parts.

#[path = "../tests/shapes/mod.rs"]
mod shapes;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CHILD: &str = "OUTCOME_BENCH_CHILD";

/// The allocator the `outcome` binary uses, so that the library is measured as it runs there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Set as the binary sets it (`keep_freed_memory` in src/main.rs): mimalloc never hands freed
/// memory back to the system, which it otherwise does a second after it is freed.
#[allow(unsafe_code)]
fn keep_freed_memory() {
    // SAFETY: sets one integer of mimalloc's options (15: `mi_option_purge_delay`), before
    // any thread is started.
    unsafe { libmimalloc_sys::mi_option_set(15, -1) }
}

/// Set as the binary sets it (`no_huge_pages` in src/main.rs): no transparent huge pages.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn no_huge_pages() {
    // SAFETY: sets a flag of this process, reading integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn no_huge_pages() {}

const SIZES: &[(&str, usize)] = &[
    ("1 KB", 1_000),
    ("100 KB", 100_000),
    ("1 MB", 1_000_000),
    ("10 MB", 10_000_000),
];

fn main() {
    keep_freed_memory();
    no_huge_pages();
    if let Ok(size) = std::env::var(CHILD) {
        child_peak_memory(size.parse().unwrap_or(1_000));
        return;
    }
    // `OUTCOME_BENCH_WRITE=10000000:big.outcome` writes the contract of that size and stops,
    // for profiling one size under `perf` or `valgrind`.
    // `OUTCOME_BENCH_WRITE=SHAPE:N:PATH` writes the contract of one scaling shape with N of
    // its items.
    if let Ok(path) = std::env::var("OUTCOME_BENCH_SERDE") {
        let json = std::fs::read_to_string(path).expect("the JSON document is read");
        assert!(std::hint::black_box(serde_value(&json)).is_ok());
        return;
    }
    if let Ok(spec) = std::env::var("OUTCOME_BENCH_WRITE") {
        let (bytes, path) = spec
            .split_once(':')
            .expect("OUTCOME_BENCH_WRITE=BYTES:PATH");
        if let Some((n, path)) = path.split_once(':') {
            let text = (shapes::shape(bytes).contract)(n.parse().expect("a count"));
            std::fs::write(path, text).expect("the contract is written");
            return;
        }
        let text = contract(bytes.parse().expect("a size in bytes"));
        std::fs::write(path, text).expect("the contract is written");
        return;
    }
    let quick = std::env::var_os("OUTCOME_BENCH_QUICK").is_some();
    machine();
    // `OUTCOME_BENCH_ONLY=shapes` (or `sizes`, or `processes`) runs one part.
    let only = std::env::var("OUTCOME_BENCH_ONLY").ok();
    let part = |name: &str| only.as_deref().is_none_or(|o| o == name);
    if !part("sizes") {
        if part("shapes") {
            let budget = budget();
            scaling(quick, budget);
        }
        if part("processes") {
            processes(quick);
        }
        return;
    }

    println!("\nIn process (median of runs; MB = 10^6 bytes of contract text)\n");
    println!(
        "{:>7} {:>9} {:>7} {:>5} {:>11} {:>10} {:>11} {:>10} {:>10} {:>10} {:>8} {:>10}",
        "size",
        "bytes",
        "stages",
        "runs",
        "check ms",
        "check MB/s",
        "build ms",
        "build MB/s",
        "JSON MB",
        "serde ms",
        "chk/serde",
        "peak RSS"
    );
    let budget = budget();
    let mut per_mb = Vec::new();
    let mut seen: Vec<(f64, f64)> = Vec::new(); // (bytes, seconds per check)
    for (label, target) in SIZES {
        let text = contract(*target);
        let runs = runs(*target, quick);
        if let Some(predicted) = predict(&seen, text.len() as f64) {
            // Each run checks twice (check, build), plus one untimed run and the child.
            let total = predicted * (2 * runs + 2) as f64;
            if total > budget {
                println!(
                    "{label:>7} {:>9} skipped: at the growth seen so far one check would take \
                     about {predicted:.0} s, {total:.0} s in all (budget {budget:.0} s, \
                     OUTCOME_BENCH_BUDGET)",
                    text.len()
                );
                continue;
            }
        }
        let stats = measure(&text, runs);
        seen.push((text.len() as f64, stats.check.as_secs_f64()));
        let peak = peak_memory_of(*target);
        let mb = text.len() as f64 / 1e6;
        println!(
            "{:>7} {:>9} {:>7} {:>5} {:>11.3} {:>10.2} {:>11.3} {:>10.2} {:>10.2} {:>10.3} {:>8.2} {:>10}",
            label,
            text.len(),
            stats.stages,
            stats.runs,
            ms(stats.check),
            mb / stats.check.as_secs_f64(),
            ms(stats.build),
            mb / stats.build.as_secs_f64(),
            stats.json_bytes as f64 / 1e6,
            ms(stats.serde),
            stats.check.as_secs_f64() / stats.serde.as_secs_f64(),
            peak
        );
        per_mb.push((*label, stats.check.as_secs_f64() / mb));
    }
    linearity(&per_mb);
    scaling(quick, budget);
    processes(quick);
}

/// Seconds a size or shape may take before it is skipped (`OUTCOME_BENCH_BUDGET`).
fn budget() -> f64 {
    std::env::var("OUTCOME_BENCH_BUDGET")
        .ok()
        .and_then(|b| b.parse().ok())
        .unwrap_or(600.0)
}

/// Whole processes of the binary, in a temporary directory.
fn processes(quick: bool) {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_outcome"));
    let dir = std::env::temp_dir().join(format!("outcome-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        println!(
            "cannot create {}: {e}; no whole-process figures",
            dir.display()
        );
        return;
    }
    whole_process(&binary, &dir, quick);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The machine the figures were taken on.
fn machine() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown", str::trim);
    println!("outcome throughput benchmark");
    println!("machine: {cores} cores available, {model}");
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// More runs of the small sizes, fewer of the big ones.
fn runs(bytes: usize, quick: bool) -> usize {
    if quick {
        1
    } else if bytes <= 10_000 {
        200
    } else if bytes <= 200_000 {
        21
    } else if bytes <= 2_000_000 {
        7
    } else {
        3
    }
}

struct Stats {
    runs: usize,
    stages: usize,
    check: Duration,
    build: Duration,
    serde: Duration,
    json_bytes: usize,
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn measure(text: &str, runs: usize) -> Stats {
    // Once, untimed: the contract must check clean, or the figures mean nothing.
    let (file, compiled) = outcome::compile_bytes("bench.outcome", text.as_bytes());
    let Some(contract) = compiled.contract.as_deref() else {
        panic!(
            "the generated contract does not check clean:\n{}",
            first_diagnostics(&file, &compiled)
        );
    };
    let stages = contract.funnels.iter().map(|f| f.stages.len()).sum();
    let json = outcome::emit::json::contract(contract);

    let mut check = Vec::new();
    let mut build = Vec::new();
    let mut serde = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let compiled = outcome::compile_bytes("bench.outcome", text.as_bytes());
        check.push(start.elapsed());
        drop(std::hint::black_box(compiled));

        let start = Instant::now();
        let (_, compiled) = outcome::compile_bytes("bench.outcome", text.as_bytes());
        let document = compiled
            .contract
            .as_deref()
            .map(outcome::emit::json::contract);
        build.push(start.elapsed());
        drop(std::hint::black_box((compiled, document)));

        let start = Instant::now();
        let value = serde_value(&json);
        serde.push(start.elapsed());
        assert!(std::hint::black_box(value).is_ok());
    }
    Stats {
        runs,
        stages,
        check: median(check),
        build: median(build),
        serde: median(serde),
        json_bytes: json.len(),
    }
}

/// The time one check of `bytes` would take, extrapolating the growth between the last two
/// sizes measured (never assumed better than linear), so that a size made hopeless by a
/// quadratic spot is reported rather than waited for.
fn predict(seen: &[(f64, f64)], bytes: f64) -> Option<f64> {
    let [.., (b1, t1), (b2, t2)] = seen else {
        return None;
    };
    let exponent = ((t2 / t1).ln() / (b2 / b1).ln()).max(1.0);
    Some(t2 * (bytes / b2).powf(exponent))
}

fn linearity(per_mb: &[(&str, f64)]) {
    let find = |label: &str| per_mb.iter().find(|(l, _)| *l == label).map(|(_, t)| *t);
    if let (Some(one), Some(ten)) = (find("1 MB"), find("10 MB")) {
        let factor = ten * 10.0 / one;
        let verdict = if factor <= 11.0 {
            "linear"
        } else {
            "NOT linear"
        };
        println!(
            "\nlinearity: check takes {:.1} ms per MB at 1 MB and {:.1} ms per MB at 10 MB: \
             10× the input takes {factor:.1}× the time ({verdict}; the bound is 11×)",
            one * 1e3,
            ten * 1e3
        );
    }
}

// ─────────────────────────────── scaling ───────────────────────────────

/// For each shape of `tests/shapes/mod.rs`, one dimension a contract can grow in: check at N,
/// 10N and 100N, the growth per 10× from N to 10N and from 10N to 100N, and the ratio to
/// serde_json parsing the JSON of the contract at 10N and 100N. From N to 10N the contract
/// grows out of the processor's caches, which costs some shapes more than 10× for linear work;
/// from 10N to 100N the caches no longer change. Each size is made, checked and warmed up
/// first; then the sizes take turns at being timed, `ROUNDS` rounds of five checks at N, two
/// at 10N and one at 100N, each check (and each serde_json parse) starting with cold caches
/// (`cold_caches`), and each figure is the median of its size's. `OUTCOME_BENCH_SHAPES=a,b` runs only the
/// shapes named; `OUTCOME_BENCH_SCALE=BYTES` sets the size at 10N (default 1 MB, so 10 MB
/// at 100N; 200 KB with `OUTCOME_BENCH_QUICK`).
fn scaling(quick: bool, budget: f64) {
    let only: Option<Vec<String>> = std::env::var("OUTCOME_BENCH_SHAPES")
        .ok()
        .map(|s| s.split(',').map(str::to_string).collect());
    let large: usize = std::env::var("OUTCOME_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick { 200_000 } else { 1_000_000 });
    println!(
        "\nScaling: each shape at N, 10N and 100N (about {:.1} MB at 10N), median check ms\n",
        large as f64 / 1e6
    );
    println!(
        "{:>22} {:>6} {:>8} {:>9} {:>10} {:>8} {:>8} {:>9} {:>9} {:>9}  verdict",
        "shape",
        "N",
        "ms at N",
        "ms at 10N",
        "ms at 100N",
        "N→10N",
        "10N→100N",
        "chk/serde",
        "at 100N",
        "serde→",
    );
    let mut steepest = Steepest::default();
    for shape in shapes::SHAPES {
        if only
            .as_ref()
            .is_some_and(|o| !o.iter().any(|n| n == shape.name))
        {
            continue;
        }
        let n = shape.n_for(large / 10);
        // At the growth seen from N/10 to N, would the next size blow the budget? Each size
        // is checked and warmed up before any is timed (`Size::new`), its last warm-up
        // check timed as a guess for the next size's.
        let mut sizes = vec![Size::new(shape, n, quick)];
        let tenth = Size::new(shape, (n / 10).max(1), quick);
        let mut row = format!("{:>22} {n:>6}", shape.name);
        let mut growth_before = (sizes[0].guess / tenth.guess).max(10.0);
        drop(tenth);
        for factor in [10, 100] {
            if factor * n > shape.largest {
                let _ = write!(
                    row,
                    " skipped {factor}N: past {} (quadratic there; see the README)",
                    shape.largest
                );
                steepest.first = (f64::INFINITY, shape.name);
                break;
            }
            let last = sizes.last().map_or(0.0, |s| s.guess);
            let predicted = last * growth_before;
            let runs = ROUNDS * Size::per_round(sizes[0].text.len() * factor, quick);
            if predicted * (runs + 3) as f64 > budget {
                let _ = write!(
                    row,
                    " skipped {factor}N: about {predicted:.0} s a check (budget {budget:.0} s)"
                );
                steepest.first = (f64::INFINITY, shape.name);
                break;
            }
            let size = Size::new(shape, factor * n, quick);
            growth_before = (size.guess / last).max(10.0);
            sizes.push(size);
        }
        take_turns(&mut sizes, quick);
        let timings: Vec<&Timings> = sizes.iter().map(|s| &s.timings).collect();
        steepest.row(row, shape.name, &timings);
    }
    if only
        .as_ref()
        .is_none_or(|o| o.iter().any(|n| n == USED_FILES))
    {
        used_files(quick, &mut steepest);
    }
    if !steepest.first.1.is_empty() {
        let Steepest {
            first,
            second,
            serde,
            serde_growth,
        } = steepest;
        println!(
            "\nscaling: the steepest growth per 10× is {:.1}× from N to 10N ({}) and {:.1}× from \
             10N to 100N ({}; the bound is 11×); the highest ratio to serde_json is {:.2} ({})",
            first.0, first.1, second.0, second.1, serde.0, serde.1
        );
        if let Some((least, most)) = serde_growth {
            println!(
                "serde_json parsing the same contracts' JSON grew {least:.1}× to {most:.1}× from \
                 10N to 100N on this machine (serde→)"
            );
        }
    }
}

/// One size of a scaling series, timed in turns with the series' other sizes.
trait Timed {
    /// One timed check, and serde_json's parse beside it.
    fn time(&mut self);
    fn timings(&self) -> &Timings;
}

/// The sizes of a series take turns at being timed, round after round, so that whatever else
/// the machine is doing while the series is measured falls on every size alike, not on one.
fn take_turns(sizes: &mut [impl Timed], quick: bool) {
    for _ in 0..if quick { 1 } else { ROUNDS } {
        for size in sizes.iter_mut() {
            for _ in 0..size.timings().per_round {
                size.time();
            }
        }
    }
}

/// The steepest figures of the series so far: the growth from N to 10N and from 10N to 100N,
/// and the ratio to serde_json, each with its series; and the least and most that serde_json's
/// own parse grew from 10N to 100N.
#[derive(Default)]
struct Steepest {
    first: (f64, &'static str),
    second: (f64, &'static str),
    serde: (f64, &'static str),
    serde_growth: Option<(f64, f64)>,
}

impl Steepest {
    /// Print the row of series `name` (`row` its name and N), whose sizes' timings are
    /// `sizes` (N, 10N, 100N; fewer when a size was skipped, its reason in `row`), and keep
    /// its figures where they are the steepest.
    fn row(&mut self, mut row: String, name: &'static str, sizes: &[&Timings]) {
        let measured: Vec<(f64, Option<f64>)> = sizes.iter().map(|t| t.medians()).collect();
        for (i, (t, _)) in measured.iter().enumerate() {
            let width = if i == 0 { 8 } else { 9 };
            let _ = write!(row, " {:>width$.2}", t * 1e3);
        }
        if let [small, middle, large] = sizes {
            let (g1, g2) = (middle.growth_from(small), large.growth_from(middle));
            let ratio = |(t, s): (f64, Option<f64>)| s.map(|s| t / s);
            let (r10, r100) = (ratio(measured[1]), ratio(measured[2]));
            let shown = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{r:.2}"));
            let within = [r10, r100].iter().flatten().all(|r| *r <= 3.0);
            let verdict = match (g1 <= 11.0 && g2 <= 11.0, within) {
                (true, true) => "linear, within 3× serde",
                (true, false) => "linear",
                (false, _) => "NOT linear",
            };
            let serde_growth = large
                .serde_growth_from(middle)
                .map_or("-".to_string(), |g| format!("{g:.1}×"));
            let _ = write!(
                row,
                " {g1:>7.1}× {g2:>8.1}× {:>9} {:>9} {serde_growth:>9}  {verdict}",
                shown(r10),
                shown(r100)
            );
            if let Some(g) = large.serde_growth_from(middle) {
                let (least, most) = self.serde_growth.get_or_insert((g, g));
                *least = least.min(g);
                *most = most.max(g);
            }
            if g1 > self.first.0 {
                self.first = (g1, name);
            }
            if g2 > self.second.0 {
                self.second = (g2, name);
            }
            for r in [r10, r100].into_iter().flatten() {
                if r > self.serde.0 {
                    self.serde = (r, name);
                }
            }
        }
        println!("{row}");
    }
}

/// The scaling series that grows in files: a contract that `use`s N framework files, each
/// of one outcome. Not a shape of `tests/shapes` (one text), so measured here on files in a
/// temporary repository, loading the contract through a `Workspace` as `outcome check` does:
/// reading, parsing and checking every file, and resolving each `use`. serde_json's part is
/// the same reading: each file's JSON (the outcome it declares, as the contract's JSON has
/// it), read from its own file and parsed, and then the contract's.
const USED_FILES: &str = "used files";

fn used_files(quick: bool, steepest: &mut Steepest) {
    let n = if quick { 100 } else { 300 };
    let base = std::env::temp_dir().join(format!("outcome-bench-uses-{}", std::process::id()));
    let row = format!("{USED_FILES:>22} {n:>6}");
    let mut sizes = Vec::new();
    // As many timed loads per round as a shape's N, 10N and 100N have.
    for (factor, per_round) in [(1, 5), (10, 2), (100, 1)] {
        let per_round = if quick { 1 } else { per_round };
        match UsedFiles::new(&base.join(factor.to_string()), factor * n, per_round) {
            Ok(size) => sizes.push(size),
            Err(e) => {
                println!("{row} cannot write the files in {}: {e}", base.display());
                let _ = std::fs::remove_dir_all(&base);
                return;
            }
        }
    }
    take_turns(&mut sizes, quick);
    let _ = std::fs::remove_dir_all(&base);
    let timings: Vec<&Timings> = sizes.iter().map(|s| &s.timings).collect();
    steepest.row(row, USED_FILES, &timings);
}

/// One size of the used-files series: a repository whose contract `use`s N files, checked
/// once to be sure it checks clean, then timed in turns with the other sizes.
struct UsedFiles {
    main: PathBuf,
    /// The JSON of each file and of the contract, serde_json's input, in files of their own.
    jsons: Vec<PathBuf>,
    timings: Timings,
}

impl UsedFiles {
    fn new(dir: &Path, n: usize, per_round: usize) -> std::io::Result<UsedFiles> {
        let main = shapes::used_files(dir, n)?;
        let loaded = UsedFiles::load(&main);
        assert!(
            loaded.compiled.diagnostics.is_empty(),
            "the contract of {n} used files does not check clean"
        );
        let json = loaded
            .compiled
            .contract
            .as_deref()
            .map(outcome::emit::json::contract)
            .expect("a contract");
        drop(loaded);
        let jsons = write_used_json(dir, n, &json)?;
        Ok(UsedFiles {
            main,
            jsons,
            timings: Timings::new(per_round),
        })
    }

    /// The contract loaded as `outcome check` loads it: every file read, parsed and checked.
    fn load(main: &Path) -> std::sync::Arc<outcome::workspace::Loaded> {
        let mut workspace = outcome::workspace::Workspace::for_path(main).expect("the repository");
        workspace.load(main).expect("the contract is read")
    }
}

impl Timed for UsedFiles {
    /// One timed load, and serde_json reading and parsing the JSON files once, timed; each
    /// starting with cold caches.
    fn time(&mut self) {
        cold_caches();
        let start = Instant::now();
        let loaded = UsedFiles::load(&self.main);
        self.timings.check.push(start.elapsed());
        drop(std::hint::black_box(loaded));
        cold_caches();
        let start = Instant::now();
        for path in &self.jsons {
            let text = std::fs::read_to_string(path).expect("the JSON file is read");
            assert!(std::hint::black_box(serde_value(&text)).is_ok());
        }
        self.timings.serde.push(start.elapsed());
    }

    fn timings(&self) -> &Timings {
        &self.timings
    }
}

/// The JSON of each used file of `shapes::used_files` in a file of its own (its outcome, as
/// `contract` has it), then the contract's: their paths, in the order they are read.
fn write_used_json(dir: &Path, n: usize, contract: &str) -> std::io::Result<Vec<PathBuf>> {
    let value: serde_json::Value = serde_json::from_str(contract).expect("the contract's JSON");
    let outcomes: std::collections::HashMap<&str, &serde_json::Value> = value["outcomes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| Some((o["id"].as_str()?, o)))
        .collect();
    let mut paths = Vec::with_capacity(n + 1);
    for i in 0..n {
        let id = format!("o{i:06}");
        let outcome = outcomes
            .get(id.as_str())
            .copied()
            .cloned()
            .unwrap_or_else(|| panic!("the contract's JSON has the outcome `{id}` of a used file"));
        let path = dir.join(format!("framework/o{i:06}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&outcome)?)?;
        paths.push(path);
    }
    let path = dir.join("main.json");
    std::fs::write(&path, contract)?;
    paths.push(path);
    Ok(paths)
}

/// Median seconds to check the shape's contract of `n`, and to parse its JSON with serde_json
/// (`None` for a shape whose contract has errors, so no JSON).
/// The timed checks of one size of a scaling series, and serde_json's parses beside them,
/// `per_round` of each in every round of turns.
struct Timings {
    per_round: usize,
    check: Vec<Duration>,
    serde: Vec<Duration>,
}

impl Timings {
    fn new(per_round: usize) -> Timings {
        Timings {
            per_round,
            check: Vec::new(),
            serde: Vec::new(),
        }
    }

    /// The median check, and the median serde_json parse.
    fn medians(&self) -> (f64, Option<f64>) {
        let serde = (!self.serde.is_empty()).then(|| median(self.serde.clone()).as_secs_f64());
        (median(self.check.clone()).as_secs_f64(), serde)
    }

    /// How many times longer a check of `self` takes than one of `smaller`: the median over
    /// the rounds of each round's ratio, so that the machine running slower for a while,
    /// which falls on both sizes of a round alike, does not move it.
    fn growth_from(&self, smaller: &Timings) -> f64 {
        growth(
            (&self.check, self.per_round),
            (&smaller.check, smaller.per_round),
        )
    }

    /// The same for serde_json parsing the contract's JSON (none for a shape with errors):
    /// how this machine's memory makes the same bytes grow in a parser that is not ours.
    fn serde_growth_from(&self, smaller: &Timings) -> Option<f64> {
        (!self.serde.is_empty() && !smaller.serde.is_empty()).then(|| {
            growth(
                (&self.serde, self.per_round),
                (&smaller.serde, smaller.per_round),
            )
        })
    }
}

/// The median over the rounds of the ratio of the larger size's median time in the round to
/// the smaller's; each given as its times, `per_round` to a round.
fn growth(larger: (&[Duration], usize), smaller: (&[Duration], usize)) -> f64 {
    let round = |(times, per_round): (&[Duration], usize), r: usize| {
        median(times[r * per_round..(r + 1) * per_round].to_vec()).as_secs_f64()
    };
    let rounds = larger.0.len() / larger.1;
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|r| round(larger, r) / round(smaller, r))
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

/// Rounds of turns the sizes of a shape take at being timed.
const ROUNDS: usize = 5;

/// One size of a scaling shape: its contract, checked once to be sure it checks as the shape
/// says and warmed up, then timed in turns with the shape's other sizes.
struct Size {
    text: String,
    /// The JSON of the contract, serde_json's input (none for a shape with errors).
    json: Option<String>,
    /// The last warm-up check's time, to guess the next size's by.
    guess: f64,
    /// Timed checks per round: more of the small sizes.
    timings: Timings,
}

impl Size {
    fn new(shape: &shapes::Shape, n: usize, quick: bool) -> Size {
        let text = (shape.contract)(n);
        let (file, compiled) = outcome::compile_bytes("shape.outcome", text.as_bytes());
        let codes: Vec<&str> = compiled
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        if codes != shapes::expected_codes(shape, n)
            || compiled.contract.is_some() != shapes::has_contract(shape)
        {
            panic!(
                "the `{}` contract does not check as expected:\n{}",
                shape.name,
                first_diagnostics(&file, &compiled)
            );
        }
        let json = compiled
            .contract
            .as_deref()
            .map(outcome::emit::json::contract);
        // The check above is the warm-up: its memory is handed back before the timed runs,
        // so that they reuse it as each run reuses the one before's. Held, the first timed
        // run took all its memory fresh from the kernel (on this machine's virtual memory
        // about 4 ms for every 2 MB page), and at 100N, timed three times, that run could be
        // the median. One more round of both, untimed, as the timed rounds take turns: after
        // a single one, the first timed checks still took thousands of pages fresh (the
        // allocator's pages held for serde_json's sizes, not the check's), 20 to 30 ms more
        // at 100N.
        drop((file, compiled));
        let mut guess = 0.0;
        for round in 0..2 {
            if round > 0 {
                let start = Instant::now();
                drop(std::hint::black_box(outcome::compile_bytes(
                    "shape.outcome",
                    text.as_bytes(),
                )));
                guess = start.elapsed().as_secs_f64();
            }
            if let Some(json) = &json {
                assert!(std::hint::black_box(serde_value(json)).is_ok());
            }
        }
        let timings = Timings::new(Size::per_round(text.len(), quick));
        Size {
            text,
            json,
            guess,
            timings,
        }
    }

    /// Timed checks per round for a contract of `bytes`.
    fn per_round(bytes: usize, quick: bool) -> usize {
        if quick || bytes > 2_000_000 {
            1
        } else if bytes > 200_000 {
            2
        } else {
            5
        }
    }
}

impl Timed for Size {
    /// One timed check, and serde_json parsing the contract's JSON once, timed; each
    /// starting with the processor's caches full of other data (`cold_caches`).
    fn time(&mut self) {
        cold_caches();
        let start = Instant::now();
        let compiled = outcome::compile_bytes("shape.outcome", self.text.as_bytes());
        self.timings.check.push(start.elapsed());
        drop(std::hint::black_box(compiled));
        if let Some(json) = &self.json {
            cold_caches();
            let start = Instant::now();
            let value = serde_value(json);
            self.timings.serde.push(start.elapsed());
            assert!(std::hint::black_box(value).is_ok());
        }
    }

    fn timings(&self) -> &Timings {
        &self.timings
    }
}

/// Fill the processor's caches with other data: write one byte of each 64-byte line of a
/// buffer three times the last-level cache of the machines it runs on (32 MB). A check in its
/// own process, as `outcome check` runs, starts with its contract and its memory out of the
/// caches; timed back to back in one process, a contract of 1 MB found much of itself still
/// in them from the check before, which made the small sizes of a series faster than any
/// process checks them and the growth to the large ones look steeper (10.6× to 12.8× from
/// 10N to 100N for five of the six steepest series, in turns, against 10.4× to 11.1× this way).
fn cold_caches() {
    thread_local! {
        static OTHER_DATA: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![1; 96 << 20]);
    }
    OTHER_DATA.with_borrow_mut(|data| {
        for (i, byte) in data.iter_mut().enumerate().step_by(64) {
            *byte = byte.wrapping_add(i as u8);
        }
        std::hint::black_box(data);
    });
}

/// The first three diagnostics of a contract that did not check as it should, in words.
fn first_diagnostics(file: &outcome::source::SourceFile, compiled: &outcome::Compiled) -> String {
    let first: Vec<String> = compiled
        .diagnostics
        .iter()
        .take(3)
        .map(|d| outcome::diagnostic::render_human(file, d, false))
        .collect();
    first.join("\n")
}

/// The baseline: serde_json parsing a JSON document into a `serde_json::Value`. Not inlined,
/// so that callgrind can count it alone.
#[inline(never)]
fn serde_value(json: &str) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_str(json)
}

// ─────────────────────────────── peak memory ───────────────────────────────

/// Run this benchmark again as a child that reports its peak memory for one size.
fn peak_memory_of(bytes: usize) -> String {
    let Ok(me) = std::env::current_exe() else {
        return "n/a".to_string();
    };
    let output = Command::new(me).env(CHILD, bytes.to_string()).output();
    match output {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        _ => "n/a".to_string(),
    }
}

/// In the child: generate, reset the high-water mark, build once, report the peak.
fn child_peak_memory(bytes: usize) {
    let text = contract(bytes);
    let before = vm_kb("VmRSS");
    // Writing 5 resets VmHWM to the current RSS (Linux 4.0 and later).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let (_, compiled) = outcome::compile_bytes("bench.outcome", text.as_bytes());
    let document = compiled
        .contract
        .as_deref()
        .map(outcome::emit::json::contract);
    std::hint::black_box(&document);
    let peak = vm_kb("VmHWM");
    match (before, peak, reset) {
        (Some(before), Some(peak), true) => println!(
            "{} (+{})",
            human_kb(peak),
            human_kb(peak.saturating_sub(before))
        ),
        (_, Some(peak), _) => println!("{}", human_kb(peak)),
        _ => println!("n/a"),
    }
}

fn vm_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn human_kb(kb: u64) -> String {
    if kb >= 10 * 1024 {
        format!("{} MB", kb / 1024)
    } else {
        format!("{kb} KB")
    }
}

// ─────────────────────────────── whole processes ───────────────────────────────

fn whole_process(binary: &Path, dir: &Path, quick: bool) {
    let typical = contract(5_000);
    let one = dir.join("typical.outcome");
    if std::fs::write(&one, &typical).is_err() {
        println!("cannot write {}", one.display());
        return;
    }
    let runs = if quick { 3 } else { 200 };
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let status = Command::new(binary).arg("check").arg(&one).output();
        times.push(start.elapsed());
        assert!(
            status.as_ref().is_ok_and(|s| s.status.success()),
            "outcome check failed on the typical contract: {status:?}"
        );
    }
    println!(
        "\nwhole process: `outcome check` of a {} byte contract, {runs} runs: median {:.2} ms",
        typical.len(),
        ms(median(times))
    );

    let repo = dir.join("repo");
    let mut total = 0;
    for i in 0..1_000 {
        let sub = repo.join(format!("area{:02}", i % 20));
        let _ = std::fs::create_dir_all(&sub);
        // Vary the files a little so no two are the same bytes.
        let text = format!("# contract {i}\n{typical}");
        total += text.len();
        if std::fs::write(sub.join(format!("c{i:04}.outcome")), text).is_err() {
            println!("cannot write the repository under {}", repo.display());
            return;
        }
    }
    let runs = if quick { 1 } else { 5 };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let repository = |threads: Option<usize>| {
        let mut times = Vec::new();
        for _ in 0..runs {
            let mut command = Command::new(binary);
            command.arg("check").arg(&repo);
            if let Some(n) = threads {
                command.env("OUTCOME_THREADS", n.to_string());
            }
            let start = Instant::now();
            let status = command.output();
            times.push(start.elapsed());
            assert!(
                status.as_ref().is_ok_and(|s| s.status.success()),
                "outcome check failed on the repository: {status:?}"
            );
        }
        median(times).as_secs_f64()
    };
    let all = repository(None);
    println!(
        "whole process: `outcome check DIR` of 1,000 files ({:.1} MB), {runs} runs: median {all:.3} s",
        total as f64 / 1e6,
    );
    if cores > 1 {
        // Parallel efficiency: the speed-up over one thread, as a share of the cores.
        let one = repository(Some(1));
        println!(
            "  on 1 thread: {one:.3} s; on {cores} cores {:.2}× as fast, a parallel efficiency of {:.0}%",
            one / all,
            100.0 * one / all / cores as f64
        );
    }
}

// ─────────────────────────────── the contracts ───────────────────────────────

/// A contract of about `bytes` bytes: a header, then as many programmes as fit, each an
/// outcome, a cohort, a six-step funnel and two measures, all paid from one rate card.
fn contract(bytes: usize) -> String {
    let mut text = String::new();
    text.push_str(
        "# Generated for the throughput benchmark: a borough's portfolio of programmes.\n\n\
         contract \"Borough portfolio\" {\n  commissioner \"Northfield Borough Council\"\n  \
         provider \"Community Partnership\"\n  term 2026-04-01 to 2028-03-31\n  \
         referrals until 2027-03-31          # a year left to reach the targets\n  \
         funding limit £999,999,999,999\n  \
         boundary \"Adults resident in the borough\"\n}\n\n",
    );
    let mut payments =
        String::from("payments {\n  fixed £15,000 per quarter\n  cap £4,000 per participant\n");
    let mut n = 0;
    // The payments block grows with the programmes: leave room for it.
    while text.len() + payments.len() < bytes.saturating_sub(120) || n == 0 {
        shapes::programme(&mut text, &mut payments, n);
        n += 1;
    }
    payments.push_str("  cap £999,999,999,999 total\n}\n");
    text.push_str(&payments);
    text.push_str(
        "\nmonitoring {\n  returns monthly from \"Case records\", \"Finance system\"\n  \
         exception_report monthly\n  review quarterly\n}\n",
    );
    text
}
