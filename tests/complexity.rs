//! Checking takes time in proportion to the contract, in every dimension it can grow in.
//!
//! For each shape of `tests/shapes/mod.rs` (stages, prices, times, funnels, cohorts,
//! outcomes, measures, payers, tiers, conditions, bonuses, exclusive rules, fixed fees,
//! warnings): the contract checks clean, and checking 8N of the thing takes at most
//! `RATIO` times as long as N, and so does writing its HTML document (where a search of every
//! stage, funnel or cohort for each once made 4,000 stages take 71 s), compiling its SQL
//! (`outcome sql`, where a walk of every stage for each exclusive alternative took 66× per
//! 10×) and formatting it (`outcome fmt`). Linear work takes 8×; quadratic work takes 64×, so the bound
//! leaves room for a noisy machine while still failing on quadratic code (it failed, at 27× to
//! 48×, on the quadratic walks this file was written against). A contract that `use`s 8N
//! files likewise takes at most `RATIO` times as long as one that uses N. A watchdog fails a
//! test whose checks run past `WATCHDOG` instead of letting it hang the suite.
//!
//! These run in the debug build, so the sizes are modest: they guard against a return of
//! quadratic behaviour, they do not measure speed (`cargo bench --bench throughput` does).

mod shapes;

use shapes::{expected_codes, Shape, SHAPES};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// 8× the contract may take at most this many times as long: linear work takes 8× (up to
/// 16× measured on a busy machine), the quadratic walks this was written against 27× to 48×.
const RATIO: f64 = 20.0;
/// The bound of the SQL and the formatting, whose output is larger or made twice: the script
/// is 12 to 60 times the size of the contract (1.5 MB for 125 KB of bonuses, 56 MB for 1 MB of
/// conditions), so at N it stays in the caches and at 8N it does not. Their linear work took
/// 13× unloaded and up to 24× (SQL) and 21× (formatting) on a busy machine, a load average of
/// 4 to 6 on 2 cores; the walk of every stage per exclusive alternative took 66× per 10× in
/// instructions.
const OUTPUT_RATIO: f64 = 30.0;
/// The bound of the monitoring report: its payment lines are sorted, and for the fixed fees
/// (eight lines a fee) 8N took 16.8× to 18.4× as long with the machine quiet and 25.6× with
/// another build running; the walks it was written against took 64× and more.
const REPORT_RATIO: f64 = 40.0;
/// Runs of each size, the fastest counted.
const RUNS: usize = 5;
/// The size of the smaller contract of each shape, in bytes: 125 KB in a release build
/// (`cargo test --release --test complexity`, which CI runs), where 1 MB at 8N makes quadratic
/// work stand out; 10 KB in a debug build, where the slow linear work of a debug build hides
/// it, and the test guards only against time running away (the watchdog).
const SIZE: usize = if cfg!(debug_assertions) {
    10_000
} else {
    125_000
};
/// The longest the shapes' checks, documents, SQL, formatting and reports may take, in all
/// (127 s in a release build with both cores free, 82 s of it before the reports were timed;
/// 309 s with the conditions' report too and another build running).
const WATCHDOG: Duration = Duration::from_secs(480);

/// The diagnostic codes of checking `text`, and whether a contract came out.
fn check(text: &str) -> (Vec<String>, bool) {
    let (_, compiled) = outcome::compile_bytes("shape.outcome", text.as_bytes());
    let codes = compiled
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code.as_str(), d.message))
        .collect();
    (codes, compiled.contract.is_some())
}

/// The participants of the return each shape's monitoring report is timed on: the same for
/// the contract of N and of 8N, so that the report's work grows with the contract alone.
const PARTICIPANTS: u64 = 50;

/// Seconds to parse `text`, to check the parsed file and write its JSON, to write its HTML
/// document, to compile its SQL (`outcome sql`), to format it (`outcome fmt`) and to make the
/// monitoring report of a generated return of `PARTICIPANTS` people, each the best of `runs`
/// (the SQL, the formatting and the report only when `all`, else 0). Timed apart, so that the
/// parser (the slowest part of a debug build) does not hide the checker's growth, nor the
/// checker the document's or the SQL's.
fn time(text: &str, runs: usize, all: bool) -> [f64; 6] {
    let Ok(file) = outcome::syntax::decode("shape.outcome", text.as_bytes()) else {
        panic!("the shape is not text");
    };
    let options = outcome::sql::Options {
        dialect: outcome::sql::Dialect::Duckdb,
        until: None,
        table: outcome::sql::DEFAULT_TABLE.to_string(),
    };
    let [mut parse, mut check, mut document, mut sql, mut format, mut report] = [f64::INFINITY; 6];
    for _ in 0..runs {
        let start = Instant::now();
        let Ok(ast) = outcome::syntax::parse(&file) else {
            panic!("the shape does not parse");
        };
        parse = parse.min(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let compiled = outcome::compile_ast(&file, &ast, &mut |_, span| {
            Err(outcome::diagnostic::Diagnostic::new(
                outcome::diagnostic::Code::E0208,
                "no use".to_string(),
                span,
                "",
            ))
        });
        let json = compiled
            .contract
            .as_deref()
            .map(outcome::emit::json::contract);
        check = check.min(start.elapsed().as_secs_f64());
        let start = Instant::now();
        let html = compiled
            .contract
            .as_ref()
            .map(|c| outcome::emit::html::document(c, Default::default()));
        // A contract with errors has no document: nothing timed.
        document = match html {
            Some(_) => document.min(start.elapsed().as_secs_f64()),
            None => 0.0,
        };
        let start = Instant::now();
        let script = compiled
            .contract
            .as_ref()
            .filter(|_| all)
            .map(|c| outcome::sql::compile(c, &options));
        // Nor SQL, and a rule the SQL does not compute is refused at once: nothing timed.
        sql = match script {
            Some(Ok(_)) => sql.min(start.elapsed().as_secs_f64()),
            _ => 0.0,
        };
        let start = Instant::now();
        let formatted = all.then(|| outcome::fmt::format(&file));
        format = match formatted {
            Some(_) => format.min(start.elapsed().as_secs_f64()),
            None => 0.0,
        };
        // The return is made untimed; the report is timed from its rows.
        let rows: Option<Vec<outcome::report::Input>> =
            compiled.contract.as_ref().filter(|_| all).map(|c| {
                outcome::report::generate::returns(c, PARTICIPANTS, 1)
                    .map(outcome::report::Input::Row)
                    .collect()
            });
        let start = Instant::now();
        let made = compiled.contract.as_ref().zip(rows).map(|(c, rows)| {
            outcome::report::engine::run(c, rows.into_iter(), &Default::default())
                .expect("the report's figures fit")
        });
        report = match made {
            Some(_) => report.min(start.elapsed().as_secs_f64()),
            None => 0.0,
        };
        std::hint::black_box((compiled, json, html, ast, script, formatted, made));
    }
    [parse, check, document, sql, format, report]
}

/// What is wrong with the shape's contract of N, if anything: it must raise exactly the
/// diagnostics expected (none, for all but one) and give a contract.
fn unclean(shape: &Shape, n: usize) -> Option<String> {
    let (codes, contract) = check(&(shape.contract)(n));
    let expected = expected_codes(shape, n);
    let got: Vec<&str> = codes.iter().map(|c| &c[..5]).collect();
    (got != expected || contract != shapes::has_contract(shape)).then(|| {
        format!(
            "{}, N = {n}: contract {contract}, {:?}",
            shape.name,
            &codes[..codes.len().min(3)]
        )
    })
}

#[test]
fn every_shape_checks_clean() {
    let wrong: Vec<String> = SHAPES
        .iter()
        .flat_map(|shape| [1, 2, 5, 50].map(|n| unclean(shape, n)))
        .flatten()
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Past 20,000 stages a ladder climbs a day only every second (third, …) stage, so that it
/// stays in its term: it still checks clean there. Contracts of some MB: a release build only
/// (`cargo test --release --test complexity`, as CI runs it); a debug build takes minutes.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "minutes in a debug build; CI runs it in release"
)]
fn ladders_check_clean_past_twenty_thousand_stages() {
    let wrong: Vec<String> = ["time ladder", "priced time ladder", "joins"]
        .iter()
        .filter_map(|name| unclean(shapes::shape(name), 40_001))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The ladder of joins climbing every second stage is where the check of times that shrink
/// (E0403) once listed every nearest timed stage before each stage: 40,001 stages took 36 s
/// and 5.4 GB. Past 20,000 stages, 8× the stages takes at most `RATIO` times as long (from
/// 20,001 to 160,008 stages, 1.2 MB to 9.6 MB): a release build only, as above.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "minutes in a debug build; CI runs it in release"
)]
fn joins_past_twenty_thousand_stages_take_linear_time() {
    let shape = shapes::shape("joins");
    let (small, large) = ((shape.contract)(20_001), (shape.contract)(160_008));
    time(&small, 1, false);
    let (mut t1, mut t8) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        t1 = t1.min(time(&small, 1, false)[1]);
        t8 = t8.min(time(&large, 1, false)[1]);
    }
    assert!(
        t8 <= RATIO * t1,
        "joins: {:.1} ms at 20,001 stages, {:.1} ms at 160,008 ({:.1}×)",
        t1 * 1e3,
        t8 * 1e3,
        t8 / t1
    );
}

/// Checking 8N takes at most `RATIO` times as long as N (the SQL and the formatting
/// `OUTPUT_RATIO`, the monitoring report of a return of `PARTICIPANTS` people
/// `REPORT_RATIO`), for each shape, N chosen for a
/// contract of about `SIZE` bytes (8× that at 8N). The times are each the best of `RUNS` runs, so a
/// slow moment of a shared machine does not fail the test. All the shapes run in one test, one
/// after another, so that they do not time each other's work.
#[test]
fn eight_times_the_contract_takes_at_most_twenty_times_as_long() {
    let (sent, received) = mpsc::channel();
    std::thread::spawn(move || {
        let mut report = Vec::new();
        for shape in SHAPES {
            let n = shape.n_for(SIZE);
            let small = (shape.contract)(n);
            let large = (shape.contract)(8 * n);
            // Once untimed: warm the allocator and the caches. Then the sizes in turn, so that
            // a busy moment of the machine slows both rather than one.
            time(&small, 1, true);
            let (mut t1, mut t4) = ([f64::INFINITY; 6], [f64::INFINITY; 6]);
            for _ in 0..RUNS {
                let (s, l) = (time(&small, 1, true), time(&large, 1, true));
                for (best, now) in [(&mut t1, s), (&mut t4, l)] {
                    for (best, now) in best.iter_mut().zip(now) {
                        *best = best.min(now);
                    }
                }
            }
            report.push((shape.name, n, small.len(), large.len(), t1, t4));
        }
        let _ = sent.send(report);
    });
    let report = match received.recv_timeout(WATCHDOG) {
        Ok(report) => report,
        Err(_) => panic!("the shapes took over {WATCHDOG:?} to check: something is quadratic"),
    };
    let mut slow = Vec::new();
    for (name, n, b1, b4, t1, t4) in report {
        let parts = ["parse", "check", "document", "sql", "fmt", "report"];
        for (what, (one, four)) in parts.into_iter().zip(t1.into_iter().zip(t4)) {
            // A shape with no contract writes no document and no SQL: nothing to time.
            if one == 0.0 && four == 0.0 {
                continue;
            }
            let ratio = four / one;
            println!(
                "{name:>24} {what}: N = {n:>6} ({b1:>7} bytes) {:>8.1} ms, 8N ({b4:>7} bytes) {:>8.1} ms: {ratio:.1}×",
                one * 1e3,
                four * 1e3
            );
            let bound = match what {
                "sql" | "fmt" => OUTPUT_RATIO,
                "report" => REPORT_RATIO,
                _ => RATIO,
            };
            if ratio > bound {
                slow.push(format!(
                    "{name} ({what}): 8N took {ratio:.1}× as long as N = {n}"
                ));
            }
        }
    }
    assert!(slow.is_empty(), "not linear: {slow:#?}");
}

/// A repository whose contract `use`s `n` framework files (`shapes::used_files`), in a
/// fresh folder named for `test`: the contract's path.
fn used_files(test: &str, n: usize) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "outcome-complexity-{}-{test}-{n}",
        std::process::id()
    ));
    shapes::used_files(&dir, n).unwrap()
}

/// Seconds to load the contract at `main` and every file it uses, as `outcome check` does;
/// it must check clean.
fn load_used(main: &std::path::Path) -> f64 {
    let start = Instant::now();
    let mut workspace = outcome::workspace::Workspace::for_path(main).unwrap();
    let loaded = workspace.load(main).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        loaded.compiled.diagnostics.is_empty() && loaded.compiled.contract.is_some(),
        "{:?}",
        &loaded.compiled.diagnostics[..loaded.compiled.diagnostics.len().min(3)]
    );
    seconds
}

/// A contract that `use`s 8N files takes at most `RATIO` times as long as one that uses N
/// (the best of `RUNS` each): each `use` is resolved and each file read and checked once,
/// without a search of the files found so far.
#[test]
fn eight_times_the_used_files_take_at_most_twenty_times_as_long() {
    let n = if cfg!(debug_assertions) { 250 } else { 2_000 };
    let (small, large) = (used_files("uses", n), used_files("uses", 8 * n));
    load_used(&small);
    let (mut t1, mut t8) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..RUNS {
        t1 = t1.min(load_used(&small));
        t8 = t8.min(load_used(&large));
    }
    for main in [&small, &large] {
        if let Some(dir) = main.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    assert!(
        t8 <= RATIO * t1,
        "used files: {:.1} ms for {n}, {:.1} ms for {} ({:.1}×)",
        t1 * 1e3,
        t8 * 1e3,
        8 * n,
        t8 / t1
    );
}
