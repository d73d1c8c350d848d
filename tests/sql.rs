//! `outcome sql` against `outcome report`: the same returns through the native report and
//! through the compiled SQL on DuckDB and on a real PostgreSQL server must give the same rows
//! accepted and rejected (row by row, with the reason), the same cohort places, funnel,
//! exceptions, and every payment line to the penny, the total and the payers' shares.
//!
//! The returns are generated (`outcome returns`) and then damaged on purpose, row by row and
//! reproducibly: repeated rows, references in another case, impossible dates, unknown stages,
//! wrong cohorts, missing evidence, dates moved (too early, too late, before a predecessor,
//! outside the term or the referral window), rows dropped (stages with no entry) and
//! attributes blanked or changed. Two returns also leave out the columns a return may leave
//! out (the evidence, the cohort, an attribute), in the file and in the database's table.
//!
//! DuckDB runs through Python's `duckdb` module (`pip install duckdb`); PostgreSQL through
//! `psql` against the server named by `OUTCOME_PGHOST` and `OUTCOME_PGPORT` (and
//! `OUTCOME_PGUSER`, `postgres` when not set), which `.ci/run` starts. Without them the tests
//! say they are skipped, except under CI (`CI` set), where a missing database fails the test:
//! CI must run them for real. `OUTCOME_SKIP_SQL=1` skips them everywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Scratch;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const QUERIES: [&str; 10] = [
    "SELECT read, accepted, rejected, after_report_date FROM outcome_rows",
    "SELECT reason, rows FROM outcome_rejected_by_reason ORDER BY reason",
    "SELECT row_number, reason FROM outcome_rejected ORDER BY row_number, reason",
    "SELECT cohort, size, entered, turned_away FROM outcome_cohorts ORDER BY cohort_number",
    "SELECT funnel, stage, planned, planned_to_date, actual, actual_conversion_tenths FROM outcome_funnel ORDER BY stage_number",
    "SELECT stage_number, period_number, actual FROM outcome_funnel_by_period ORDER BY stage_number, period_number",
    "SELECT funnel, stage, planned_to_date, actual, shortfall, shortfall_share_tenths FROM outcome_exceptions ORDER BY stage_number",
    "SELECT kind, participant, stage, earned, due, period, rate, amount, clause FROM outcome_payments ORDER BY line_number",
    "SELECT total FROM outcome_payment_total",
    "SELECT payer, amount FROM outcome_payers ORDER BY payer_number",
];

/// Why a database cannot be used, or `None` when it can; panics under CI, where it must be.
fn unavailable(database: &str, problem: Option<String>) -> bool {
    let Some(problem) = problem else {
        return false;
    };
    if std::env::var_os("OUTCOME_SKIP_SQL").is_some_and(|v| v == "1") {
        eprintln!("skipped on {database}: OUTCOME_SKIP_SQL=1 ({problem})");
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{database} is needed under CI: {problem}");
    }
    eprintln!("skipped on {database}: {problem} (CI runs this test for real)");
    true
}

fn duckdb_problem() -> Option<String> {
    match Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
    {
        Ok(out) if out.status.success() => None,
        Ok(_) => Some("Python's duckdb module is not installed (pip install duckdb)".into()),
        Err(e) => Some(format!("python3 cannot be run: {e}")),
    }
}

struct Postgres {
    host: String,
    port: String,
    user: String,
}

fn postgres() -> Result<Postgres, String> {
    let host = std::env::var("OUTCOME_PGHOST")
        .map_err(|_| "OUTCOME_PGHOST is not set: no PostgreSQL server to use".to_string())?;
    let pg = Postgres {
        host,
        port: std::env::var("OUTCOME_PGPORT").unwrap_or_else(|_| "5432".into()),
        user: std::env::var("OUTCOME_PGUSER").unwrap_or_else(|_| "postgres".into()),
    };
    let out = pg
        .psql("postgres")
        .args(["-c", "SELECT 1"])
        .output()
        .map_err(|e| format!("psql cannot be run: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the server does not answer: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(pg)
}

impl Postgres {
    fn psql(&self, database: &str) -> Command {
        let mut command = Command::new("psql");
        command.env("PGOPTIONS", "-c client_min_messages=warning");
        command.args([
            "-h",
            &self.host,
            "-p",
            &self.port,
            "-U",
            &self.user,
            "-d",
            database,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
        ]);
        command
    }

    /// Run the script on the return in a database of its own, and the queries.
    fn run(&self, name: &str, sql: &Path, csv: &Path) -> String {
        let database = format!("outcome_test_{name}");
        let admin = self
            .psql("postgres")
            .args(["-c", &format!("DROP DATABASE IF EXISTS {database}")])
            .args(["-c", &format!("CREATE DATABASE {database}")])
            .output()
            .unwrap();
        assert!(
            admin.status.success(),
            "{}",
            String::from_utf8_lossy(&admin.stderr)
        );
        let text = std::fs::read_to_string(csv).unwrap();
        let header: Vec<String> = text
            .lines()
            .next()
            .unwrap()
            .split(',')
            .map(|h| format!("\"{}\"", h.trim().to_lowercase()))
            .collect();
        let create = format!(
            "CREATE TABLE return_rows (row_number BIGINT GENERATED ALWAYS AS IDENTITY (START WITH 2), {})",
            header
                .iter()
                .map(|h| format!("{h} TEXT"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let copy = format!(
            "\\copy return_rows ({}) FROM '{}' CSV HEADER",
            header.join(", "),
            csv.display()
        );
        let mut queries = String::new();
        for q in QUERIES {
            queries.push_str(&format!("{q};\n\\echo --\n"));
        }
        let queries_path = sql.with_extension("queries.sql");
        std::fs::write(&queries_path, queries).unwrap();
        let out = self
            .psql(&database)
            .args(["-A", "-t", "-F", "\t"])
            .args(["-c", &create, "-c", &copy])
            .arg("-f")
            .arg(sql)
            .arg("-f")
            .arg(&queries_path)
            .output()
            .unwrap();
        let _ = self
            .psql("postgres")
            .args(["-c", &format!("DROP DATABASE IF EXISTS {database}")])
            .output();
        assert!(
            out.status.success(),
            "PostgreSQL failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

fn duckdb_run(sql: &Path, csv: &Path) -> String {
    let queries_path = sql.with_extension("queries.txt");
    std::fs::write(&queries_path, QUERIES.join("\n")).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql/duckdb_run.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(sql)
        .arg(csv)
        .arg(&queries_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "DuckDB failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A small deterministic generator, so that every run damages the same rows.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % sides
    }
}

/// Shift a `YYYY-MM-DD` date by whole days.
fn shift(date: &str, days: i64) -> String {
    let y: i64 = date[0..4].parse().unwrap();
    let m: i64 = date[5..7].parse().unwrap();
    let d: i64 = date[8..10].parse().unwrap();
    // Days from civil (Howard Hinnant), and back.
    let (y2, m2) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let z = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy + days;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The generated return, damaged reproducibly.
fn damage(csv: &str, seed: u64) -> String {
    assert!(
        !csv.contains('"'),
        "the generated return has no quoted values"
    );
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let names: Vec<&str> = header.split(',').collect();
    let col = |name: &str| names.iter().position(|n| *n == name);
    let (p, s, d) = (
        col("participant").unwrap(),
        col("stage").unwrap(),
        col("date").unwrap(),
    );
    let (e, c) = (col("evidence"), col("cohort"));
    let mut dice = Dice(seed);
    let mut out = vec![header.to_string()];
    for line in lines {
        let mut f: Vec<String> = line.split(',').map(str::to_string).collect();
        match dice.roll(40) {
            0 => out.push(f.join(",")), // the same row again
            1 => f[p] = format!(" {} ", f[p].to_lowercase()),
            2 => {
                f[d] = ["2026-02-30", "not a date", "+026-05-01", "2026-13-01"]
                    [dice.roll(4) as usize]
                    .into()
            }
            3 => f[s] = format!("{}_x", f[s]),
            4 => {
                if let Some(c) = c {
                    f[c] = "someone_else".into();
                }
            }
            5 => {
                if let Some(e) = e {
                    f[e] = String::new();
                }
            }
            6..=9 => {
                let days = dice.roll(200) as i64 - 100;
                f[d] = shift(&f[d], days);
            }
            10 | 11 => continue, // dropped
            12 => f[d] = shift(&f[d], 400),
            13 => {
                for (i, field) in f.iter_mut().enumerate() {
                    if ![p, s, d].contains(&i) && Some(i) != e && Some(i) != c {
                        *field = ["", "17", "19.5%", "x", "25"][dice.roll(5) as usize].to_string();
                    }
                }
            }
            14 => {
                // The same participant and stage on another day.
                out.push(f.join(","));
                f[d] = shift(&f[d], dice.roll(30) as i64 + 1);
            }
            // White space beyond ASCII around a value, trimmed as Rust trims it.
            15 => f[p] = format!("\u{a0}{}\u{3000}", f[p]),
            16 => f[s] = format!("{}\t\u{2029}", f[s]),
            17 => f[p] = format!("\u{2003}{}", f[p]),
            _ => {}
        }
        out.push(f.join(","));
    }
    out.join("\n") + "\n"
}

fn money(v: &Value) -> String {
    v["minor_units"].as_i64().unwrap().to_string()
}

fn tenths(v: &Value) -> String {
    v.as_str().map_or(String::new(), |p| {
        let (whole, fraction) = p.split_once('.').unwrap_or((p, "0"));
        (whole.parse::<i64>().unwrap() * 10 + fraction.parse::<i64>().unwrap()).to_string()
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The native report in the shape of the queries' output.
fn expected(report: &Value) -> Vec<Vec<String>> {
    let rows = &report["rows"];
    assert_eq!(rows["rejected_not_listed"], 0, "every rejection listed");
    let mut by_reason: Vec<String> = rows["rejected_by_reason"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}\t{}", text(&r["reason"]), r["rows"]))
        .collect();
    by_reason.sort();
    let mut rejected: Vec<(i64, String)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), text(&r["reason"])))
        .collect();
    rejected.sort();
    let cohorts = report["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}\t{}\t{}\t{}",
                text(&c["cohort"]),
                text(&c["size"]),
                c["entered"],
                c["turned_away"]
            )
        })
        .collect();
    let mut funnel = Vec::new();
    let mut by_period = Vec::new();
    let mut exceptions_of = Vec::new();
    let mut g = 0;
    for f in report["funnels"].as_array().unwrap() {
        for s in f["stages"].as_array().unwrap() {
            funnel.push(format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                text(&f["id"]),
                text(&s["id"]),
                s["planned"],
                s["planned_to_date"],
                s["actual"],
                tenths(&s["actual_conversion"])
            ));
            for (n, count) in s["by_period"].as_array().unwrap().iter().enumerate() {
                by_period.push(format!("{g}\t{n}\t{count}"));
            }
            g += 1;
        }
    }
    for x in report["exceptions"].as_array().unwrap() {
        exceptions_of.push(format!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            text(&x["funnel"]),
            text(&x["stage"]),
            x["planned_to_date"],
            x["actual"],
            x["shortfall"],
            tenths(&x["shortfall_share"])
        ));
    }
    let payments = &report["payments"];
    let lines = payments["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}:{}",
                text(&l["kind"]),
                text(&l["participant"]),
                text(&l["stage"]),
                text(&l["earned"]),
                text(&l["due"]),
                text(&l["period"]),
                money(&l["rate"]),
                money(&l["amount"]),
                text(&l["clause"]["file"]),
                l["clause"]["line"]
            )
        })
        .collect();
    let payers = payments["by_payer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| format!("{}\t{}", text(&p["name"]), money(&p["amount"])))
        .collect();
    vec![
        vec![format!(
            "{}\t{}\t{}\t{}",
            rows["read"], rows["accepted"], rows["rejected"], rows["after_report_date"]
        )],
        by_reason,
        rejected
            .into_iter()
            .map(|(r, why)| format!("{r}\t{why}"))
            .collect(),
        cohorts,
        funnel,
        by_period,
        exceptions_of,
        lines,
        vec![money(&payments["total"])],
        payers,
    ]
}

/// The output of the queries, one list of rows per query.
fn sections(output: &str) -> Vec<Vec<String>> {
    let mut all = vec![Vec::new()];
    for line in output.lines() {
        if line == "--" {
            all.push(Vec::new());
        } else {
            all.last_mut().unwrap().push(line.to_string());
        }
    }
    all.pop();
    let mut sorted = all;
    sorted[1].sort();
    sorted
}

fn compare(case: &str, database: &str, want: &[Vec<String>], got: &[Vec<String>]) {
    assert_eq!(
        got.len(),
        want.len(),
        "{case} on {database}: one answer per query"
    );
    for (n, (w, g)) in want.iter().zip(got).enumerate() {
        if w != g {
            let first = w
                .iter()
                .zip(g)
                .position(|(a, b)| a != b)
                .unwrap_or(w.len().min(g.len()));
            panic!(
                "{case} on {database}: `{}` differs at row {first} ({} rows native, {} in SQL)\n native: {:?}\n    sql: {:?}",
                QUERIES[n],
                w.len(),
                g.len(),
                w.get(first),
                g.get(first)
            );
        }
    }
}

struct Case {
    name: &'static str,
    spec: &'static str,
    /// Text to take out of the contract (rules the SQL refuses), and what to put instead.
    edits: &'static [(&'static str, &'static str)],
    participants: u64,
    seed: u64,
    until: Option<&'static str>,
    /// Columns taken out of the return (a return may leave out the evidence, the cohort and
    /// any attribute), for the native report and the database's table alike.
    without: &'static [&'static str],
}

/// The return without the named columns.
fn without(csv: &str, columns: &[&str]) -> String {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    for column in columns {
        assert!(
            header.contains(column),
            "the return has a `{column}` column"
        );
    }
    let kept: Vec<usize> = (0..header.len())
        .filter(|&i| !columns.contains(&header[i]))
        .collect();
    let keep = |line: &str| {
        let fields: Vec<&str> = line.split(',').collect();
        kept.iter()
            .map(|&i| fields[i])
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = vec![keep(&header.join(","))];
    out.extend(lines.map(keep));
    out.join("\n") + "\n"
}

fn run_case(scratch: &Scratch, case: &Case, pg: Option<&Postgres>, duck: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut contract = std::fs::read_to_string(root.join("specs").join(case.spec)).unwrap();
    for (from, to) in case.edits {
        assert!(
            contract.contains(from),
            "{}: `{from}` is in the spec",
            case.name
        );
        contract = contract.replace(from, to);
    }
    // Unedited specs are read where they are, with the files they use.
    let contract_path = if case.edits.is_empty() {
        PathBuf::from("specs").join(case.spec)
    } else {
        scratch.file(&format!("{}.outcome", case.name), &contract)
    };
    let generated = common::outcome()
        .arg("returns")
        .arg(&contract_path)
        .args(["--participants", &case.participants.to_string()])
        .args(["--seed", &case.seed.to_string()])
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let csv = without(
        &damage(&String::from_utf8(generated.stdout).unwrap(), case.seed),
        case.without,
    );
    let csv_path: PathBuf = scratch.file(&format!("{}.csv", case.name), csv);
    let mut report = common::outcome();
    report
        .arg("report")
        .arg(&contract_path)
        .arg("--returns")
        .arg(&csv_path)
        .args(["--format", "json"]);
    if let Some(until) = case.until {
        report.args(["--until", until]);
    }
    let native = report.output().unwrap();
    assert!(
        native.status.success(),
        "{}",
        String::from_utf8_lossy(&native.stderr)
    );
    let want = expected(&serde_json::from_slice(&native.stdout).unwrap());
    for (dialect, run) in [("duckdb", duck), ("postgres", pg.is_some())] {
        if !run {
            continue;
        }
        let sql_path = scratch.0.join(format!("{}.{dialect}.sql", case.name));
        let mut sql = common::outcome();
        sql.arg("sql")
            .arg(&contract_path)
            .args(["--dialect", dialect, "-o"])
            .arg(&sql_path);
        if let Some(until) = case.until {
            sql.args(["--until", until]);
        }
        let compiled = sql.output().unwrap();
        assert!(
            compiled.status.success(),
            "{}",
            String::from_utf8_lossy(&compiled.stderr)
        );
        let output = match pg {
            Some(pg) if dialect == "postgres" => pg.run(case.name, &sql_path, &csv_path),
            _ => duckdb_run(&sql_path, &csv_path),
        };
        compare(case.name, dialect, &want, &sections(&output));
    }
}

const MEASURE_PENALTY: &str =
    "penalty 5% of outcome payments if sustained_job_rate < 45% assessed annually from year 2";

/// A second cohort, with a funnel of its own, for the rough-sleeping contract: each cohort has
/// its own attachment fee (a share of its own per-participant maximum), so the fees a
/// participant was paid before a line depend on the cohort of their first event.
const SECOND_COHORT: &str = r#"cohort newcomers "People new to the streets" {
  size 40
  eligibility "Found sleeping rough for the first time"
}

funnel first_night "Off the streets on the first night" for newcomers {
  milestone met "Met by outreach" 40 {
    evidence "Outreach record"
  }
  target    rehoused "Rehoused within a month" 30 conversion 75% after met within 1 months {
    achieves off_the_streets
    evidence "Tenancy agreement"
  }
}

monitoring {"#;

const CASES: &[Case] = &[
    Case {
        name: "young_people_full",
        spec: "young-people.outcome",
        edits: &[],
        participants: 30,
        seed: 1,
        until: None,
        without: &[],
    },
    Case {
        name: "young_people_part",
        spec: "young-people.outcome",
        edits: &[],
        participants: 14,
        seed: 2,
        until: Some("2027-06-30"),
        without: &[],
    },
    Case {
        name: "drug_service",
        spec: "drug-service.outcome",
        edits: &[],
        participants: 70,
        seed: 3,
        until: None,
        without: &[],
    },
    Case {
        name: "drug_service_part",
        spec: "drug-service.outcome",
        edits: &[],
        participants: 130,
        seed: 4,
        until: Some("2009-12-31"),
        without: &[],
    },
    Case {
        name: "rough_sleeping",
        spec: "rough-sleeping.outcome",
        edits: &[],
        participants: 60,
        seed: 5,
        until: None,
        without: &[],
    },
    Case {
        name: "rough_sleeping_hostile_payer",
        spec: "rough-sleeping.outcome",
        edits: &[(
            "Harbourside City Council",
            "O'Brien'); DROP TABLE return_rows; --",
        )],
        participants: 140,
        seed: 6,
        until: Some("2027-09-30"),
        without: &[],
    },
    Case {
        name: "rough_sleeping_two_cohorts",
        spec: "rough-sleeping.outcome",
        edits: &[
            ("monitoring {", SECOND_COHORT),
            (
                "  pay £2,500 for in_treatment\n",
                "  pay £2,500 for in_treatment\n  pay £1,000 for rehoused\n",
            ),
        ],
        participants: 90,
        seed: 12,
        until: None,
        without: &[],
    },
    Case {
        name: "family_support",
        spec: "borough/family-support.outcome",
        edits: &[],
        participants: 35,
        seed: 7,
        until: None,
        without: &[],
    },
    Case {
        name: "school_inclusion",
        spec: "borough/school-inclusion.outcome",
        edits: &[],
        participants: 25,
        seed: 8,
        until: None,
        without: &[],
    },
    Case {
        name: "employment_ladder",
        spec: "employment-ladder.outcome",
        edits: &[(MEASURE_PENALTY, "")],
        participants: 200,
        seed: 9,
        until: None,
        without: &[],
    },
    Case {
        name: "employment_ladder_part",
        spec: "employment-ladder.outcome",
        edits: &[(MEASURE_PENALTY, "")],
        participants: 340,
        seed: 10,
        until: Some("2027-10-31"),
        without: &[],
    },
    Case {
        name: "employment_ladder_outcome_cap",
        spec: "employment-ladder.outcome",
        edits: &[
            (MEASURE_PENALTY, ""),
            (
                "cap £450,000 on outcome payments",
                "cap £45,000 on outcome payments",
            ),
        ],
        participants: 150,
        seed: 11,
        until: None,
        without: &[],
    },
    Case {
        name: "drug_service_without_evidence_or_cohort",
        spec: "drug-service.outcome",
        edits: &[],
        participants: 60,
        seed: 13,
        until: None,
        without: &["evidence", "cohort"],
    },
    Case {
        name: "employment_ladder_without_ages",
        spec: "employment-ladder.outcome",
        edits: &[(MEASURE_PENALTY, "")],
        participants: 120,
        seed: 14,
        until: None,
        without: &["age_at_start", "cohort"],
    },
];

#[test]
fn the_compiled_sql_reports_what_the_native_report_does() {
    let pg = match postgres() {
        Ok(pg) => Some(pg),
        Err(problem) => {
            unavailable("PostgreSQL", Some(problem));
            None
        }
    };
    let duck = !unavailable("DuckDB", duckdb_problem());
    if pg.is_none() && !duck {
        return;
    }
    let scratch = Scratch::new("sql_differential");
    for case in CASES {
        run_case(&scratch, case, pg.as_ref(), duck);
    }
}

#[test]
fn tiers_incentives_on_measures_and_pro_rata_payers_are_refused_with_their_codes() {
    for (spec, code) in [
        ("specs/reoffending.outcome", "E0540"),
        ("specs/employment-ladder.outcome", "E0541"),
        // A participant limit: who is paid depends on the order across the whole cohort.
        ("specs/troubled-families.outcome", "E0540"),
        ("specs/edge-of-care.outcome", "E0540"),
        // A group's cap: its stages are paid in the order they fall due until it is reached.
        ("specs/fair-chance.outcome", "E0540"),
    ] {
        let out = common::outcome().args(["sql", spec]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{spec}");
        assert!(out.stdout.is_empty(), "{spec}: no SQL is written");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("error[{code}]")), "{spec}: {err}");
        assert!(
            err.contains("--> specs/"),
            "{spec}: the clause is named: {err}"
        );
    }
}

#[test]
fn names_from_the_contract_stay_inside_their_literals() {
    let scratch = Scratch::new("sql_literals");
    let contract = std::fs::read_to_string("specs/rough-sleeping.outcome")
        .unwrap()
        .replace(
            "Harbourside City Council",
            "x'); DROP TABLE return_rows; --",
        );
    let path = scratch.file("hostile.outcome", contract);
    let out = common::outcome().arg("sql").arg(&path).output().unwrap();
    assert!(out.status.success());
    let sql = String::from_utf8(out.stdout).unwrap();
    assert!(
        sql.contains("'x''); DROP TABLE return_rows; --'"),
        "the quote is doubled"
    );
    assert!(
        !sql.contains("DROP TABLE return_rows;\n"),
        "no statement escapes its literal"
    );
}

#[test]
fn a_name_with_a_nul_character_is_refused_with_e0542() {
    let scratch = Scratch::new("sql_nul");
    let contract = std::fs::read_to_string("specs/rough-sleeping.outcome")
        .unwrap()
        .replace("Harbourside City Council", "Harbourside\0Council");
    let path = scratch.file("nul.outcome", contract);
    let out = common::outcome().arg("sql").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E0542]"));
}

/// A table's name is one to three parts, none empty, without control characters: anything
/// else is refused before any SQL is written (exit 2), where the database would refuse the
/// script's first statement.
#[test]
fn a_table_name_no_database_takes_is_refused() {
    for (table, why) in [
        ("", "empty"),
        ("warehouse..returns", "empty part"),
        ("a.b.c.d", "4 parts"),
        ("returns\n", "control character"),
    ] {
        let out = common::outcome()
            .args(["sql", "specs/drug-service.outcome", "--table", table])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{table:?}");
        assert!(out.stdout.is_empty(), "{table:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why), "{table:?}: {stderr}");
    }
    let out = common::outcome()
        .args([
            "sql",
            "specs/drug-service.outcome",
            "--table",
            "lake.warehouse.returns",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("FROM \"lake\".\"warehouse\".\"returns\"")
    );
}
