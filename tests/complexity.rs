//! Checking takes time in proportion to the contract, in every dimension it can grow in.
//!
//! For each shape of `tests/shapes/mod.rs` (stages, prices, times, funnels, cohorts,
//! outcomes, measures, payers, tiers, conditions, bonuses, exclusive rules, fixed fees,
//! warnings): the contract checks clean, and checking 4N of the thing takes at most
//! `RATIO` times as long as N. Linear work takes 4×; quadratic work takes 16×, so the bound
//! leaves room for a noisy machine while still failing on quadratic code. A watchdog fails a
//! test whose checks run past `WATCHDOG` instead of letting it hang the suite.
//!
//! These run in the debug build, so the sizes are modest: they guard against a return of
//! quadratic behaviour, they do not measure speed (`cargo bench --bench throughput` does).

mod shapes;

use shapes::{expected_codes, Shape, SHAPES};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// 4× the contract may take at most this many times as long.
const RATIO: f64 = 9.0;
/// The longest one shape's checks may take, in all.
const WATCHDOG: Duration = Duration::from_secs(120);

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

/// Seconds to check and emit `text` as JSON, the best of `runs`.
fn time(text: &str, runs: usize) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            let (_, compiled) = outcome::compile_bytes("shape.outcome", text.as_bytes());
            let json = compiled.contract.as_ref().map(outcome::emit::json::contract);
            std::hint::black_box((compiled, json));
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// What is wrong with the shape's contract of N, if anything: it must raise exactly the
/// diagnostics expected (none, for all but one) and give a contract.
fn unclean(shape: &Shape, n: usize) -> Option<String> {
    let (codes, contract) = check(&(shape.contract)(n));
    let expected = expected_codes(shape, n);
    let got: Vec<&str> = codes.iter().map(|c| &c[..5]).collect();
    (got != expected || !contract).then(|| {
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

/// The N for about `bytes` bytes of the shape.
fn n_for(shape: &Shape, bytes: usize) -> usize {
    (bytes / shape.bytes_each).max(1)
}

/// Checking 4N takes at most `RATIO` times as long as N, for each shape, N chosen for a
/// contract of about 100 KB (400 KB at 4N). The times are each the best of three runs, so a
/// slow moment of a shared machine does not fail the test. All the shapes run in one test, one
/// after another, so that they do not time each other's work.
#[test]
fn four_times_the_contract_takes_at_most_nine_times_as_long() {
    let (sent, received) = mpsc::channel();
    std::thread::spawn(move || {
        let mut report = Vec::new();
        for shape in SHAPES {
            let n = n_for(shape, 100_000);
            let small = (shape.contract)(n);
            let large = (shape.contract)(4 * n);
            // Once untimed: warm the allocator and the caches.
            time(&small, 1);
            let (t1, t4) = (time(&small, 3), time(&large, 3));
            eprintln!("{}: {:.0} ms, {:.0} ms", shape.name, t1 * 1e3, t4 * 1e3);
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
        let ratio = t4 / t1;
        println!(
            "{name:>24}: N = {n:>6} ({b1:>7} bytes) {:>8.1} ms, 4N ({b4:>7} bytes) {:>8.1} ms: {ratio:.1}×",
            t1 * 1e3,
            t4 * 1e3
        );
        if ratio > RATIO {
            slow.push(format!("{name}: 4N took {ratio:.1}× as long as N = {n}"));
        }
    }
    assert!(slow.is_empty(), "not linear: {slow:#?}");
}
