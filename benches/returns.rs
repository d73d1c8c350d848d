//! `outcome report` on generated monitoring returns of about 10 thousand to 10 million rows,
//! timed as a whole process and compared with DuckDB doing the simplest part of the same job.
//!
//! Run with `cargo bench --bench returns` (the release binary). For each size it:
//!
//! - generates a CSV return for `specs/rough-sleeping.outcome` with
//!   `report::generate::returns` and `generate::write_csv` into a temporary directory (the
//!   number of participants is chosen to give about the number of rows wanted);
//! - runs `outcome report CONTRACT --returns FILE --format json -o OUT` once as a child
//!   process: the wall-clock time, rows per second, the processor time (user + system) and
//!   the peak resident set (`/usr/bin/time -v`, Debian package `time`; without it, no
//!   processor time and the child's `VmHWM` polled from `/proc` while it runs, a close lower
//!   bound); again with the payment lines streamed to a CSV file (`--lines`), whose
//!   processor time it prints as a ratio to DuckDB's; and as the text report `outcome report`
//!   writes by default (the first lines listed, the others counted), which must say it read
//!   every row;
//! - runs DuckDB (PyPI `duckdb`, through `python3`) on the same CSV: `read_csv_auto` and a
//!   `GROUP BY stage` counting distinct participants among rows whose stage is in the contract,
//!   the actual funnel at its simplest, also as a whole process with its peak memory, and its
//!   query time alone;
//! - checks the engine's actual funnel (from the JSON report) against DuckDB's counts. They
//!   agree when every row of a known stage is accepted; a count differs by the rows the
//!   engine rejects for a reason DuckDB does not look at (a date after the report date,
//!   missing evidence, a stage before its predecessor, an ineligible participant);
//! - compiles the same contract to SQL (`outcome sql --dialect duckdb`) and runs it on DuckDB
//!   on the same CSV, as a whole process: the CSV loaded into the table `return_rows` (every
//!   value as text, `row_number` the line number, as tests/sql.rs loads a return, but with
//!   DuckDB's own CSV reader: `read_csv(…, all_varchar = true)`, rows numbered in the order
//!   of the file), then the script, which computes everything the report does (rejections
//!   with reasons, cohorts, funnel, exceptions, every payment line). It asserts that the
//!   rows accepted and rejected, the actual funnel, the payment total and each payer's share
//!   equal the native report's, and fails the benchmark if not. Both sides are
//!   printed: processor time, wall-clock and peak memory of the native report with `--lines`
//!   and as text, of the compiled SQL on DuckDB, and of DuckDB counting the funnel; each run's processor
//!   and wall-clock time as a ratio to DuckDB counting the funnel, and the native report's as
//!   a ratio to the compiled SQL, which computes the same funnel and payments.
//!
//! Memory should grow with participants, not rows. Two sizes repeat a smaller return ten times
//! (the same participants; every row after the first copy is a duplicate, which the report
//! rejects), to compare with a return of the same number of rows and ten times the people.
//!
//! The 10-million-row sizes take minutes and gigabytes (the JSON report lists every payment
//! line and every rejected row), so they are opt-in: `OUTCOME_BENCH_10M=1`.
//! `OUTCOME_BENCH_SIZES=1M,10M` runs only the sizes of those labels (as printed), and
//! `OUTCOME_BENCH_FULL_JSON=0` leaves out the run that writes every line into the JSON report
//! (at ten million rows an 8 GB document and a peak of about 12 GB), its columns then `n/a`.
//! `OUTCOME_BENCH_KEEP=DIR` writes the returns and the contract copies into `DIR` and leaves
//! them there, to run the binary on them by hand (a profiler, two binaries compared).
//! DuckDB is installed with `python3 -m pip install duckdb` if `python3` cannot import it;
//! when that fails too, the DuckDB columns say `n/a`.

use outcome::report::generate;
use serde::Deserialize;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CONTRACT: &str = "specs/rough-sleeping.outcome";
const SEED: u64 = 7;
/// Participants in the sample that estimates rows per participant.
const SAMPLE: u64 = 20_000;
const TIME: &str = "/usr/bin/time";
/// The size of the contract's one cohort, as written in it.
const COHORT_SIZE: u64 = 120;

/// One return to report on.
struct Size {
    label: &'static str,
    /// Rows wanted, about.
    rows: u64,
    /// Written as this many copies of a return of `rows / copies` rows: the same participants.
    copies: u64,
    opt_in: bool,
}

const SIZES: &[Size] = &[
    Size {
        label: "10k",
        rows: 10_000,
        copies: 1,
        opt_in: false,
    },
    Size {
        label: "100k",
        rows: 100_000,
        copies: 1,
        opt_in: false,
    },
    Size {
        label: "1M (100k ×10)",
        rows: 1_000_000,
        copies: 10,
        opt_in: false,
    },
    Size {
        label: "1M",
        rows: 1_000_000,
        copies: 1,
        opt_in: false,
    },
    Size {
        label: "10M (1M ×10)",
        rows: 10_000_000,
        copies: 10,
        opt_in: true,
    },
    Size {
        label: "10M",
        rows: 10_000_000,
        copies: 1,
        opt_in: true,
    },
];

fn main() {
    if let Err(problem) = run() {
        eprintln!("returns benchmark failed: {problem}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_outcome"));
    let contract_path = root.join(CONTRACT);
    let text = std::fs::read(&contract_path).map_err(|e| format!("{CONTRACT}: {e}"))?;
    let (_, compiled) = outcome::compile_bytes(CONTRACT, &text);
    let contract = compiled
        .contract
        .ok_or_else(|| format!("{CONTRACT} does not compile"))?;
    let stages: Vec<String> = contract
        .funnels
        .iter()
        .flat_map(|f| f.stages.iter().map(|s| s.id.to_string()))
        .collect();
    let attributes = generate::attributes(&contract);
    let big = std::env::var("OUTCOME_BENCH_10M").as_deref() == Ok("1");
    let full_json = std::env::var("OUTCOME_BENCH_FULL_JSON").as_deref() != Ok("0");
    let chosen: Option<Vec<String>> = std::env::var("OUTCOME_BENCH_SIZES")
        .ok()
        .map(|labels| labels.split(',').map(|l| l.trim().to_string()).collect());

    machine();
    let rows_per_participant =
        generate::returns(&contract, SAMPLE, SEED).count() as f64 / SAMPLE as f64;
    println!(
        "contract: {CONTRACT} ({} stages); {rows_per_participant:.2} rows per participant",
        stages.len()
    );
    let peak_source = if Path::new(TIME).exists() {
        "peak RSS from /usr/bin/time -v"
    } else {
        "peak RSS from VmHWM polled every 5 ms (/usr/bin/time is not installed)"
    };
    println!("outcome: {}; {peak_source}", binary.display());
    let duckdb = duckdb_ready();
    match &duckdb {
        Ok(version) => println!("DuckDB {version} through python3 (default threads)"),
        Err(why) => println!("DuckDB: n/a ({why})"),
    }
    if !big && chosen.is_none() {
        println!("the 10M-row sizes are skipped; set OUTCOME_BENCH_10M=1 to run them");
    }

    let scratch = Scratch::new()?;
    let mut generated: Vec<(u64, PathBuf)> = Vec::new();
    let mut results = Vec::new();
    let wanted = |size: &Size| match &chosen {
        Some(labels) => labels.iter().any(|l| l == size.label),
        None => big || !size.opt_in,
    };
    for size in SIZES.iter().filter(|s| wanted(s)) {
        let participants = ((size.rows / size.copies) as f64 / rows_per_participant).round() as u64;
        let base = match generated.iter().find(|(p, _)| *p == participants) {
            Some((_, path)) => path.clone(),
            None => {
                let path = scratch.0.join(format!("returns-{participants}.csv"));
                let start = Instant::now();
                let written = write_return(&contract, participants, &attributes, &path)?;
                println!(
                    "generated {} rows for {} participants in {:.2} s",
                    group(written),
                    group(participants),
                    start.elapsed().as_secs_f64()
                );
                generated.push((participants, path.clone()));
                path
            }
        };
        let file = if size.copies == 1 {
            base
        } else {
            let path = scratch
                .0
                .join(format!("returns-{participants}-x{}.csv", size.copies));
            copies(&base, &path, size.copies)?;
            path
        };
        let rows = count_rows(&file)?;
        let bytes = std::fs::metadata(&file).map_or(0, |m| m.len());
        // The contract's cohort of 120 would turn away all but the first 120 people: the
        // report is run on the same contract with a cohort that holds everyone generated, so
        // that every row is judged, paid and written as a real return's would be.
        let scaled = scratch.0.join(format!("contract-{participants}.outcome"));
        let text = String::from_utf8_lossy(&text).replace(
            &format!("  size {COHORT_SIZE}\n"),
            &format!("  size {}\n", participants.max(COHORT_SIZE)),
        );
        std::fs::write(&scaled, text).map_err(|e| format!("{}: {e}", scaled.display()))?;

        let out = scratch.0.join("report.json");
        let lines = scratch.0.join("lines.csv");
        let report_args: [&std::ffi::OsStr; 8] = [
            "report".as_ref(),
            scaled.as_os_str(),
            "--returns".as_ref(),
            file.as_os_str(),
            "--format".as_ref(),
            "json".as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
        ];
        let full = if full_json {
            let report = measure(&binary, &report_args)?;
            if !report.success {
                return Err(format!("outcome report failed on {}", file.display()));
            }
            let report_bytes = std::fs::metadata(&out).map_or(0, |m| m.len());
            let engine = read_report(&out)?;
            let _ = std::fs::remove_file(&out);
            Some((report, report_bytes, engine))
        } else {
            None
        };
        // The same with the payment lines streamed to their own CSV file.
        let with_lines: Vec<&std::ffi::OsStr> = report_args
            .iter()
            .copied()
            .chain(["--lines".as_ref(), lines.as_os_str()])
            .collect();
        let summary = measure(&binary, &with_lines)?;
        if !summary.success {
            return Err(format!(
                "outcome report --lines failed on {}",
                file.display()
            ));
        }
        let summary_bytes = std::fs::metadata(&out).map_or(0, |m| m.len());
        let lines_bytes = std::fs::metadata(&lines).map_or(0, |m| m.len());
        let streamed = read_report(&out)?;
        let _ = std::fs::remove_file(&out);
        let _ = std::fs::remove_file(&lines);
        if streamed.rows.read != rows {
            return Err(format!(
                "the report read {} rows of {}",
                streamed.rows.read, rows
            ));
        }
        // The text report, as `outcome report` writes it by default: the figures and the first
        // lines, the others counted.
        let text_out = scratch.0.join("report.txt");
        let text_args: [&std::ffi::OsStr; 6] = [
            "report".as_ref(),
            scaled.as_os_str(),
            "--returns".as_ref(),
            file.as_os_str(),
            "-o".as_ref(),
            text_out.as_os_str(),
        ];
        let text_run = measure(&binary, &text_args)?;
        let said = std::fs::read_to_string(&text_out).unwrap_or_default();
        let _ = std::fs::remove_file(&text_out);
        if !text_run.success || !said.contains(&format!("read {}", group(rows))) {
            return Err(format!(
                "the text report of {} does not say it read {rows} rows",
                file.display()
            ));
        }
        let (report, report_bytes, engine) = match full {
            Some((report, report_bytes, engine)) => {
                if streamed.payments.total.minor_units != engine.payments.total.minor_units {
                    return Err(format!(
                        "with --lines the payment total is {}, without {}",
                        streamed.payments.total.minor_units, engine.payments.total.minor_units
                    ));
                }
                (Some(report), Some(report_bytes), engine)
            }
            None => (None, None, streamed),
        };

        let (duck, compiled) = match &duckdb {
            Ok(_) => {
                let sql = scratch.0.join("report.sql");
                compile_sql(&binary, &scaled, &sql)?;
                let compiled = duckdb_compiled(&sql, &file, &scratch.0.join("duckdb-spill"))?;
                let _ = std::fs::remove_file(&sql);
                same_figures(size.label, &engine, &compiled)?;
                (Some(duckdb_counts(&file, &stages)?), Some(compiled))
            }
            Err(_) => (None, None),
        };
        results.push(Figures {
            label: size.label,
            rows,
            participants,
            bytes,
            report,
            report_bytes,
            summary,
            summary_bytes,
            lines_bytes,
            text: text_run,
            engine,
            duck,
            compiled,
        });
        print_result(results.last());
    }

    println!("\nSummary (s = seconds of wall-clock time, whole processes; MB = 10^6 bytes)\n");
    println!(
        "{:<14} {:>11} {:>10} {:>8} {:>9} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>8}",
        "return",
        "rows",
        "people",
        "CSV MB",
        "outcome s",
        "rows/s",
        "peak MB",
        "JSON MB",
        "duckdb s",
        "query s",
        "peak MB",
        "ratio",
        "funnel"
    );
    for result in &results {
        let wall = result.report.as_ref().map(|r| r.wall.as_secs_f64());
        let (duck_s, query_s, duck_peak, ratio, funnel) = match &result.duck {
            Some(duck) => (
                format!("{:.2}", duck.process.wall.as_secs_f64()),
                format!("{:.2}", duck.query),
                mb(duck.process.peak_kb),
                wall.map_or("n/a".to_string(), |w| {
                    format!("{:.1}", w / duck.process.wall.as_secs_f64())
                }),
                agreement(&result.engine, &duck.counts),
            ),
            None => (
                "n/a".into(),
                "n/a".into(),
                "n/a".into(),
                "n/a".into(),
                "n/a".into(),
            ),
        };
        println!(
            "{:<14} {:>11} {:>10} {:>8.1} {:>9} {:>11} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} {:>8}",
            result.label,
            group(result.rows),
            group(result.participants),
            result.bytes as f64 / 1e6,
            wall.map_or("n/a".to_string(), |w| format!("{w:.2}")),
            wall.map_or("n/a".to_string(), |w| group(
                (result.rows as f64 / w) as u64
            )),
            mb(result.report.as_ref().and_then(|r| r.peak_kb)),
            result
                .report_bytes
                .map_or("n/a".to_string(), |b| format!("{:.1}", b as f64 / 1e6)),
            duck_s,
            query_s,
            duck_peak,
            ratio,
            funnel
        );
    }
    println!(
        "\nratio: outcome's time ÷ DuckDB's (whole processes). funnel: stages whose actual count \
         equals DuckDB's distinct participants."
    );
    println!("\nWith the payment lines streamed to a CSV file (`--lines FILE`)\n");
    println!(
        "{:<14} {:>9} {:>9} {:>10} {:>9} {:>7} {:>9} {:>9} {:>9}",
        "return",
        "outcome s",
        "peak MB",
        "summary MB",
        "lines MB",
        "ratio",
        "cpu s",
        "duck cpu",
        "cpu ratio"
    );
    for result in &results {
        let ratio = result.duck.as_ref().map_or("n/a".to_string(), |duck| {
            format!(
                "{:.2}",
                result.summary.wall.as_secs_f64() / duck.process.wall.as_secs_f64()
            )
        });
        let duck_cpu = result.duck.as_ref().and_then(|duck| duck.process.cpu);
        let cpu_ratio = match (result.summary.cpu, duck_cpu) {
            (Some(ours), Some(theirs)) if theirs > 0.0 => format!("{:.2}", ours / theirs),
            _ => "n/a".to_string(),
        };
        let seconds = |cpu: Option<f64>| cpu.map_or("n/a".to_string(), |s| format!("{s:.2}"));
        println!(
            "{:<14} {:>9.2} {:>9} {:>10.1} {:>9.1} {:>7} {:>9} {:>9} {:>9}",
            result.label,
            result.summary.wall.as_secs_f64(),
            mb(result.summary.peak_kb),
            result.summary_bytes as f64 / 1e6,
            result.lines_bytes as f64 / 1e6,
            ratio,
            seconds(result.summary.cpu),
            seconds(duck_cpu),
            cpu_ratio
        );
    }
    println!(
        "\nratio: wall-clock time ÷ DuckDB's; cpu: processor time (user + system) of the whole \
         process, and its ratio to DuckDB's, which says more on a machine shared with other work."
    );
    three_ways(&results);
    memory_verdict(&results);
    Ok(())
}

/// The native report, the compiled SQL on DuckDB and DuckDB's funnel count side by side: each
/// run's processor and wall-clock time as a ratio to DuckDB counting the funnel, and the native
/// report's as a ratio to the compiled SQL, which computes the same funnel and payments.
fn three_ways(results: &[Figures]) {
    println!(
        "\nThe same return three ways: the native report (`--lines`, and the text report that \
         lists the first lines), the contract compiled to \
         SQL on DuckDB (the same rows accepted and rejected, funnel, payment total and payers' \
         shares, asserted), DuckDB counting the funnel\n"
    );
    println!(
        "{:<14} {:<22} {:>9} {:>9} {:>9} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}",
        "return",
        "run",
        "cpu s",
        "wall s",
        "peak MB",
        "cpu/count",
        "wall/count",
        "cpu/SQL",
        "wall/SQL",
        "load s",
        "query s"
    );
    for result in results {
        let seconds = |s: Option<f64>| s.map_or("n/a".to_string(), |s| format!("{s:.2}"));
        let ratio = |ours: Option<f64>, theirs: Option<f64>| match (ours, theirs) {
            (Some(ours), Some(theirs)) if theirs > 0.0 => format!("{:.2}", ours / theirs),
            _ => "n/a".to_string(),
        };
        let count = result.duck.as_ref().map(|duck| &duck.process);
        let sql = result.compiled.as_ref().map(|compiled| &compiled.process);
        let mut runs = vec![
            (
                "native report --lines",
                &result.summary,
                None::<f64>,
                None::<f64>,
            ),
            ("native report, text", &result.text, None, None),
        ];
        if let Some(compiled) = &result.compiled {
            runs.push((
                "compiled SQL on DuckDB",
                &compiled.process,
                Some(compiled.load),
                Some(compiled.script),
            ));
        }
        if let Some(duck) = &result.duck {
            runs.push(("DuckDB funnel count", &duck.process, None, Some(duck.query)));
        }
        for (i, (name, run, load, query)) in runs.into_iter().enumerate() {
            // Only the native reports are compared with the compiled SQL.
            let (cpu_sql, wall_sql) = if i < 2 {
                (
                    ratio(run.cpu, sql.and_then(|s| s.cpu)),
                    ratio(
                        Some(run.wall.as_secs_f64()),
                        sql.map(|s| s.wall.as_secs_f64()),
                    ),
                )
            } else {
                (String::new(), String::new())
            };
            println!(
                "{:<14} {:<22} {:>9} {:>9.2} {:>9} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9}",
                result.label,
                name,
                seconds(run.cpu),
                run.wall.as_secs_f64(),
                mb(run.peak_kb),
                ratio(run.cpu, count.and_then(|c| c.cpu)),
                ratio(
                    Some(run.wall.as_secs_f64()),
                    count.map(|c| c.wall.as_secs_f64())
                ),
                cpu_sql,
                wall_sql,
                seconds(load),
                seconds(query)
            );
        }
    }
    println!(
        "\ncpu s, wall s: processor time (user + system) and wall-clock time of the whole \
         process. cpu/count, wall/count: each run's time ÷ DuckDB counting the funnel (the bare \
         count, not the report's work). cpu/SQL, wall/SQL: the native report's time ÷ the \
         compiled SQL on DuckDB, which computes the same funnel and payments. The native report \
         reads the return, judges it, makes its payment lines, puts each day's in order of kind, \
         holds them within the total cap and writes them on every core (the pass for deadweight \
         and the caps on outcome payments on one), DuckDB on every core. load s: reading the \
         CSV into a table; query s: the compiled script, or the funnel's query."
    );
}

/// What one return gave.
struct Figures {
    label: &'static str,
    rows: u64,
    participants: u64,
    bytes: u64,
    /// The run without `--lines` (every line in the JSON report), unless left out.
    report: Option<Measured>,
    report_bytes: Option<u64>,
    /// `--lines FILE`: the run, the JSON summary's size and the lines file's.
    summary: Measured,
    summary_bytes: u64,
    lines_bytes: u64,
    /// The text report (the default format), which lists the first lines and counts the rest.
    text: Measured,
    engine: EngineReport,
    duck: Option<Duck>,
    /// The contract's compiled SQL run on DuckDB.
    compiled: Option<Compiled>,
}

fn print_result(result: Option<&Figures>) {
    let Some(result) = result else {
        return;
    };
    let mut line = format!(
        "{:<14} {} rows, {} participants: outcome {} s, peak {} MB; accepted {}, rejected {}",
        result.label,
        group(result.rows),
        group(result.participants),
        result
            .report
            .as_ref()
            .map_or("n/a".to_string(), |r| format!(
                "{:.2}",
                r.wall.as_secs_f64()
            )),
        mb(result.report.as_ref().and_then(|r| r.peak_kb)),
        group(result.engine.rows.accepted),
        group(result.engine.rows.rejected),
    );
    let _ = write!(
        line,
        "; with --lines {:.2} s, peak {} MB, summary {:.1} MB + lines {:.1} MB",
        result.summary.wall.as_secs_f64(),
        mb(result.summary.peak_kb),
        result.summary_bytes as f64 / 1e6,
        result.lines_bytes as f64 / 1e6,
    );
    if let Some(duck) = &result.duck {
        let _ = write!(
            line,
            "; DuckDB {:.2} s (query {:.2} s), peak {} MB; funnel {}",
            duck.process.wall.as_secs_f64(),
            duck.query,
            mb(duck.process.peak_kb),
            agreement(&result.engine, &duck.counts)
        );
    }
    println!("{line}");
}

/// Peak memory at the same rows with the same people, and with ten times the people.
fn memory_verdict(results: &[Figures]) {
    for (same, more) in [("1M (100k ×10)", "1M"), ("10M (1M ×10)", "10M")] {
        let find = |label: &str| results.iter().find(|r| r.label == label);
        let base_label = if same.starts_with("1M") { "100k" } else { "1M" };
        let (Some(base), Some(same), Some(more)) = (find(base_label), find(same), find(more))
        else {
            continue;
        };
        println!(
            "memory: {} rows of {} people {} MB; {} rows of the same people {} MB; {} rows of {} people {} MB",
            group(base.rows),
            group(base.participants),
            mb(base.report.as_ref().and_then(|r| r.peak_kb)),
            group(same.rows),
            mb(same.report.as_ref().and_then(|r| r.peak_kb)),
            group(more.rows),
            group(more.participants),
            mb(more.report.as_ref().and_then(|r| r.peak_kb)),
        );
    }
}

/// The machine the figures were taken on.
fn machine() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let lscpu = Command::new("lscpu")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let model = lscpu
        .lines()
        .find(|l| l.starts_with("Model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown", str::trim)
        .to_string();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or("unknown memory".to_string(), |kb| {
            format!("{:.1} GB memory", kb as f64 / 1e6)
        });
    println!("outcome returns benchmark");
    println!("machine: nproc {cores}, {model}, {memory}");
}

fn write_return(
    contract: &outcome::model::Contract,
    participants: u64,
    attributes: &[String],
    path: &Path,
) -> Result<u64, String> {
    let file = File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let written = generate::write_csv(
        generate::returns(contract, participants, SEED),
        attributes,
        &mut out,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    out.flush()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(written)
}

/// `copies` copies of the rows of `base` under its header.
fn copies(base: &Path, path: &Path, copies: u64) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(failed)?);
    for copy in 0..copies {
        let mut input = BufReader::with_capacity(1 << 20, File::open(base).map_err(failed)?);
        let mut header = String::new();
        input.read_line(&mut header).map_err(failed)?;
        if copy == 0 {
            out.write_all(header.as_bytes()).map_err(failed)?;
        }
        std::io::copy(&mut input, &mut out).map_err(failed)?;
    }
    out.flush().map_err(failed)
}

/// Rows of a CSV return: its lines less the header.
fn count_rows(path: &Path) -> Result<u64, String> {
    let mut input = BufReader::with_capacity(
        1 << 20,
        File::open(path).map_err(|e| format!("{}: {e}", path.display()))?,
    );
    let mut lines = 0u64;
    loop {
        let buffer = input
            .fill_buf()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if buffer.is_empty() {
            break;
        }
        lines += buffer.iter().filter(|b| **b == b'\n').count() as u64;
        let length = buffer.len();
        input.consume(length);
    }
    Ok(lines.saturating_sub(1))
}

/// A child process's wall-clock time, processor time and peak resident set.
struct Measured {
    wall: Duration,
    /// User + system seconds (`/usr/bin/time -v`; none without it). On a machine shared with
    /// other work this says more than the wall-clock time.
    cpu: Option<f64>,
    peak_kb: Option<u64>,
    success: bool,
    stdout: String,
}

/// Run a program once, with `/usr/bin/time -v` when there is one.
fn measure(program: &Path, args: &[&std::ffi::OsStr]) -> Result<Measured, String> {
    let failed = |e: std::io::Error| format!("{}: {e}", program.display());
    if Path::new(TIME).exists() {
        let start = Instant::now();
        let output = Command::new(TIME)
            .arg("-v")
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(failed)?;
        let wall = start.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let peak_kb = stderr
            .lines()
            .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
            .and_then(|v| v.trim().parse().ok());
        let seconds = |label: &str| -> Option<f64> {
            stderr
                .lines()
                .find_map(|l| l.trim().strip_prefix(label))
                .and_then(|v| v.trim().parse().ok())
        };
        let cpu = seconds("User time (seconds):")
            .zip(seconds("System time (seconds):"))
            .map(|(user, system)| user + system);
        if !output.status.success() {
            eprintln!("{stderr}");
        }
        return Ok(Measured {
            wall,
            cpu,
            peak_kb,
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        });
    }
    // Without `time`: poll the child's high-water mark until it exits.
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(failed)?;
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(out) = stdout.as_mut() {
            let _ = std::io::Read::read_to_string(out, &mut text);
        }
        text
    });
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = None;
    let status = loop {
        if let Some(kb) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| vm_kb(&s, "VmHWM"))
        {
            peak_kb = Some(peak_kb.map_or(kb, |p: u64| p.max(kb)));
        }
        if let Some(status) = child.try_wait().map_err(failed)? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = start.elapsed();
    Ok(Measured {
        wall,
        cpu: None,
        peak_kb,
        success: status.success(),
        stdout: reader.join().unwrap_or_default(),
    })
}

fn vm_kb(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
}

/// The parts of the JSON report the benchmark checks.
#[derive(Deserialize)]
struct EngineReport {
    rows: Rows,
    funnels: Vec<Funnel>,
    payments: Payments,
}

#[derive(Deserialize)]
struct Payments {
    total: Money,
    by_payer: Vec<Amount>,
}

#[derive(Deserialize)]
struct Amount {
    name: String,
    amount: Money,
}

#[derive(Deserialize)]
struct Money {
    minor_units: i128,
}

#[derive(Deserialize)]
struct Rows {
    read: u64,
    accepted: u64,
    rejected: u64,
}

#[derive(Deserialize)]
struct Funnel {
    stages: Vec<Stage>,
}

#[derive(Deserialize)]
struct Stage {
    id: String,
    actual: u64,
}

fn read_report(path: &Path) -> Result<EngineReport, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_reader(BufReader::with_capacity(1 << 20, file))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// What DuckDB counted.
struct Duck {
    process: Measured,
    /// Seconds the query took inside the process.
    query: f64,
    counts: Vec<(String, u64)>,
}

/// The DuckDB side: distinct participants per known stage, printed as `count<TAB>stage<TAB>n`
/// lines after `time<TAB>seconds`, the query's own time (the progress bar is off, so nothing
/// else reaches stdout).
const DUCKDB_SCRIPT: &str = r#"
import sys, time
import duckdb
path, stages = sys.argv[1], sys.argv[2].split(",")
quote = lambda s: "'" + s.replace("'", "''") + "'"
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
start = time.perf_counter()
rows = con.sql(
    "SELECT stage, count(DISTINCT participant) FROM read_csv_auto(" + quote(path) + ") "
    + "WHERE stage IN (" + ", ".join(quote(s) for s in stages) + ") GROUP BY stage"
).fetchall()
print(f"time\t{time.perf_counter() - start}")
for stage, count in rows:
    print(f"count\t{stage}\t{count}")
"#;

fn duckdb_counts(file: &Path, stages: &[String]) -> Result<Duck, String> {
    let process = measure(
        Path::new("python3"),
        &[
            "-c".as_ref(),
            DUCKDB_SCRIPT.as_ref(),
            file.as_os_str(),
            stages.join(",").as_ref(),
        ],
    )?;
    if !process.success {
        return Err("the DuckDB query failed".to_string());
    }
    let query = process
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("time\t"))
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| format!("DuckDB printed no time: {}", process.stdout))?;
    let counts = process
        .stdout
        .lines()
        .filter_map(|l| {
            let (stage, count) = l.strip_prefix("count\t")?.split_once('\t')?;
            Some((stage.to_string(), count.trim().parse().ok()?))
        })
        .collect();
    Ok(Duck {
        process,
        query,
        counts,
    })
}

/// The contract compiled to SQL and run on DuckDB.
struct Compiled {
    process: Measured,
    /// Seconds inside the process reading the CSV into `return_rows`, and running the script.
    load: f64,
    script: f64,
    read: u64,
    accepted: u64,
    rejected: u64,
    total: i128,
    payers: Vec<(String, i128)>,
    funnel: Vec<(String, u64)>,
}

/// `outcome sql CONTRACT --dialect duckdb -o SQL`.
fn compile_sql(binary: &Path, contract: &Path, sql: &Path) -> Result<(), String> {
    let out = Command::new(binary)
        .arg("sql")
        .arg(contract)
        .args(["--dialect", "duckdb", "-o"])
        .arg(sql)
        .output()
        .map_err(|e| format!("{}: {e}", binary.display()))?;
    if !out.status.success() {
        return Err(format!(
            "outcome sql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// The compiled SQL on DuckDB: the return read into `return_rows` as tests/sql.rs loads it
/// (every value text, `row_number` the spreadsheet row: the header is row 1), with DuckDB's
/// CSV reader instead of Python's, which would take minutes for a million rows. A table made
/// from a file keeps the file's order (`preserve_insertion_order`, on by default), so `rowid`
/// numbers the rows as the file does; the first and last rows are checked against the file.
/// Prints `time`, `rows`, `total`, `payer` and `funnel` lines, tab-separated.
const DUCKDB_SQL_SCRIPT: &str = r#"
import sys, time
import duckdb
sql_path, csv_path = sys.argv[1], sys.argv[2]
first, last = sys.argv[3], sys.argv[4]
quote = lambda s: "'" + s.replace("'", "''") + "'"
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
# Past this DuckDB writes to disk rather than take the memory of a shared machine.
con.execute("SET temp_directory = " + quote(sys.argv[5]))
con.execute("SET memory_limit = '8GB'")
start = time.perf_counter()
con.execute(
    "CREATE TABLE outcome_bench_csv AS SELECT * FROM read_csv("
    + quote(csv_path) + ", header = true, all_varchar = true)"
)
con.execute("CREATE TABLE return_rows AS SELECT rowid + 2 AS row_number, * FROM outcome_bench_csv")
con.execute("DROP TABLE outcome_bench_csv")
loaded = time.perf_counter()
with open(sql_path, encoding="utf-8") as f:
    con.execute(f.read())
done = time.perf_counter()
print(f"time\t{loaded - start}\t{done - loaded}")
edges = con.execute(
    "SELECT participant || ',' || stage || ',' || date FROM return_rows "
    + "WHERE row_number IN (2, (SELECT max(row_number) FROM return_rows)) ORDER BY row_number"
).fetchall()
print(f"edges\t{edges[0][0] == first and edges[-1][0] == last}")
read, accepted, rejected = con.execute("SELECT read, accepted, rejected FROM outcome_rows").fetchone()
print(f"rows\t{read}\t{accepted}\t{rejected}")
print(f"total\t{con.execute('SELECT total FROM outcome_payment_total').fetchone()[0]}")
for name, amount in con.execute("SELECT payer, amount FROM outcome_payers ORDER BY payer_number").fetchall():
    print(f"payer\t{amount}\t{name}")
for stage, actual in con.execute("SELECT stage, actual FROM outcome_funnel ORDER BY stage_number").fetchall():
    print(f"funnel\t{stage}\t{actual}")
"#;

fn duckdb_compiled(sql: &Path, file: &Path, spill: &Path) -> Result<Compiled, String> {
    let (first, last) = edge_rows(file)?;
    let process = measure(
        Path::new("python3"),
        &[
            "-c".as_ref(),
            DUCKDB_SQL_SCRIPT.as_ref(),
            sql.as_os_str(),
            file.as_os_str(),
            first.as_ref(),
            last.as_ref(),
            spill.as_os_str(),
        ],
    )?;
    if !process.success {
        return Err("the compiled SQL failed on DuckDB".to_string());
    }
    let fields = |key: &str| -> Vec<Vec<String>> {
        process
            .stdout
            .lines()
            .filter_map(|l| l.strip_prefix(key)?.strip_prefix('\t'))
            .map(|rest| rest.split('\t').map(str::to_string).collect())
            .collect()
    };
    let unread = |what: &str| format!("DuckDB printed no {what}: {}", process.stdout);
    let number = |text: &str| -> Result<i128, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("`{text}` from DuckDB is not a whole number"))
    };
    let seconds = |text: &str| -> Result<f64, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("`{text}` from DuckDB is not a time"))
    };
    let times = fields("time").pop().ok_or_else(|| unread("time"))?;
    if fields("edges").pop().as_deref() != Some(&["True".to_string()][..]) {
        return Err(format!(
            "DuckDB's first and last rows are not the file's: {}",
            process.stdout
        ));
    }
    let rows = fields("rows").pop().ok_or_else(|| unread("rows"))?;
    let total = fields("total").pop().ok_or_else(|| unread("total"))?;
    let count = |i: usize| -> Result<u64, String> {
        let text = rows.get(i).ok_or_else(|| unread("rows"))?;
        u64::try_from(number(text)?).map_err(|_| unread("rows"))
    };
    let payers = fields("payer")
        .into_iter()
        .map(|f| Ok((f.get(1).cloned().unwrap_or_default(), number(&f[0])?)))
        .collect::<Result<_, String>>()?;
    let funnel = fields("funnel")
        .into_iter()
        .map(|f| {
            let actual = u64::try_from(number(f.get(1).map_or("", String::as_str))?)
                .map_err(|_| unread("funnel"))?;
            Ok((f[0].clone(), actual))
        })
        .collect::<Result<_, String>>()?;
    Ok(Compiled {
        load: seconds(times.first().map_or("", String::as_str))?,
        script: seconds(times.get(1).map_or("", String::as_str))?,
        read: count(0)?,
        accepted: count(1)?,
        rejected: count(2)?,
        total: number(total.first().map_or("", String::as_str))?,
        payers,
        funnel,
        process,
    })
}

/// The first row under the header and the last row of a CSV file, as written.
fn edge_rows(path: &Path) -> Result<(String, String), String> {
    let failed = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut input = BufReader::with_capacity(1 << 20, File::open(path).map_err(failed)?);
    let (mut header, mut first) = (String::new(), String::new());
    input.read_line(&mut header).map_err(failed)?;
    input.read_line(&mut first).map_err(failed)?;
    let length = std::fs::metadata(path).map_err(failed)?.len();
    let mut tail = File::open(path).map_err(failed)?;
    std::io::Seek::seek(
        &mut tail,
        std::io::SeekFrom::Start(length.saturating_sub(4096)),
    )
    .map_err(failed)?;
    let mut end = String::new();
    std::io::Read::read_to_string(&mut tail, &mut end).map_err(failed)?;
    let last = end.trim_end().rsplit('\n').next().unwrap_or_default();
    // participant, stage and date, the first three columns of a generated return.
    let three = |line: &str| {
        line.trim_end()
            .splitn(4, ',')
            .take(3)
            .collect::<Vec<_>>()
            .join(",")
    };
    if !header.starts_with("participant,stage,date") {
        return Err(format!(
            "{}: the header is `{}`",
            path.display(),
            header.trim_end()
        ));
    }
    Ok((three(&first), three(last)))
}

/// The compiled SQL's figures are the native report's, or the benchmark fails.
fn same_figures(label: &str, native: &EngineReport, sql: &Compiled) -> Result<(), String> {
    fn agree<T: PartialEq + std::fmt::Debug>(
        label: &str,
        what: &str,
        native: T,
        sql: T,
    ) -> Result<(), String> {
        if native == sql {
            return Ok(());
        }
        Err(format!(
            "{label}: the compiled SQL on DuckDB gives {what} {sql:?}, the native report {native:?}"
        ))
    }
    agree(
        label,
        "rows read, accepted, rejected",
        (native.rows.read, native.rows.accepted, native.rows.rejected),
        (sql.read, sql.accepted, sql.rejected),
    )?;
    agree(
        label,
        "the payment total",
        native.payments.total.minor_units,
        sql.total,
    )?;
    let payers: Vec<(String, i128)> = native
        .payments
        .by_payer
        .iter()
        .map(|p| (p.name.clone(), p.amount.minor_units))
        .collect();
    agree(label, "the payers' shares", &payers, &sql.payers)?;
    let funnel: Vec<(String, u64)> = native
        .funnels
        .iter()
        .flat_map(|f| f.stages.iter().map(|s| (s.id.clone(), s.actual)))
        .collect();
    agree(label, "the actual funnel", &funnel, &sql.funnel)
}

/// Whether `python3` can import DuckDB, installing it with pip once if not: its version.
fn duckdb_ready() -> Result<String, String> {
    let version = || {
        Command::new("python3")
            .args(["-c", "import duckdb; print(duckdb.__version__)"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    if let Some(found) = version() {
        return Ok(found);
    }
    println!("python3 cannot import duckdb; installing it: python3 -m pip install duckdb");
    let installed = Command::new("python3")
        .args(["-m", "pip", "install", "--quiet", "duckdb"])
        .status()
        .is_ok_and(|s| s.success());
    match version() {
        Some(found) if installed => Ok(found),
        _ => Err("python3 with the duckdb package is needed: python3 -m pip install duckdb".into()),
    }
}

/// `10/10`: the stages whose actual count equals DuckDB's.
fn agreement(engine: &EngineReport, counts: &[(String, u64)]) -> String {
    let stages: Vec<&Stage> = engine.funnels.iter().flat_map(|f| &f.stages).collect();
    let equal = stages
        .iter()
        .filter(|s| {
            let duck = counts.iter().find(|(id, _)| *id == s.id).map_or(0, |c| c.1);
            duck == s.actual
        })
        .count();
    format!("{equal}/{}", stages.len())
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or("n/a".to_string(), |kb| {
        format!("{:.0}", kb as f64 * 1024.0 / 1e6)
    })
}

/// `1234567` → `1,234,567`.
fn group(n: u64) -> String {
    outcome::value::group_thousands(u128::from(n))
}

/// The temporary directory for the returns, removed when dropped.
/// The folder the returns are written to, and whether it is removed at the end: a
/// temporary one, or the folder `OUTCOME_BENCH_KEEP` names, kept with the returns and the
/// contract copies in it (to run the binary on them by hand, under a profiler).
struct Scratch(PathBuf, bool);

impl Scratch {
    fn new() -> Result<Scratch, String> {
        let (dir, keep) = match std::env::var_os("OUTCOME_BENCH_KEEP") {
            Some(dir) => (PathBuf::from(dir), true),
            None => {
                let dir = std::env::temp_dir()
                    .join(format!("outcome-bench-returns-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                (dir, false)
            }
        };
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(Scratch(dir, keep))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
