//! The command line: `check`, `build`, `report`, `returns`, `explain`, `schema`, `fmt`, `diff`
//! and `evaluate`.
//!
//! This is the only module that knows about terminals, standard streams and exit codes. It
//! takes the parsed command line, reads files, runs the library's pipeline (`syntax::decode`,
//! `compile`, `emit`, or `fmt`) and hands back an `Exit`. Diagnostics for people go to stderr
//! through miette; machine-readable output (`check --format json|github|sarif`, `build`,
//! `schema`, the file list of `fmt --check`) goes to stdout, which then holds nothing else.
//!
//! This file holds the command line's arguments, the dispatch and what every command shares
//! (the streams, the problems that stop the tool, the exit codes); each command's work is in a
//! module of its own: `new`, `check`, `format`, `compare` (`diff`), `evaluate`, `build`,
//! `monitoring` (`report`, `returns`, `sql`) and `docs` (`completions`, `man`, `explain`).
//!
//! A problem that stops the tool itself (a missing file, a directory without contracts, an
//! output that cannot be written) is one line on stderr, `error: …`, and exit code 2; it is
//! never a panic.

use crate::diagnostic::{self, Code, Diagnostic, Record, Severity};
use crate::emit;
use crate::files::{self, Contents, Found};
use crate::model::Contract;
use crate::report::{self, input, Input, Measured, Row};
use crate::source::SourceFile;
use crate::sql as outcome_sql;
use crate::value::Date;
use crate::workspace::{Loaded, Workspace, STDIN_NAME};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io::{self, BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

mod build;
mod check;
mod compare;
mod docs;
mod durable;
mod evaluate;
mod format;
mod monitoring;
mod new;

use build::*;
use check::*;
use compare::*;
use docs::*;
use evaluate::*;
use format::*;
use monitoring::*;
use new::*;

const EXAMPLES: &str = "\
Examples:
  outcome new contract.outcome --shape ladder --title \"Homes That Last\"
  outcome check specs/
  outcome check --format json specs/drug-service.outcome
  outcome check --format sarif specs/ > outcome.sarif
  outcome check --format github --deny-warnings specs/
  outcome build specs/drug-service.outcome --format json -o drug-service.json
  outcome evaluate specs/tender/specification.outcome specs/tender/phoenix-futures.outcome specs/tender/turning-point.outcome
  outcome report specs/drug-service.outcome --returns specs/returns/drug-service-2009-10.csv
  outcome report specs/drug-service.outcome --returns return.csv --until 2009-09-30 --format json
  outcome report specs/drug-service.outcome --returns return.csv --explain P004
  outcome returns specs/drug-service.outcome --participants 1000 --seed 7 -o sample.csv
  outcome explain E0302
  outcome explain --list
  outcome schema > contract.schema.json
  outcome schema --report > report.schema.json
  outcome fmt specs/
  outcome fmt --check --diff specs/

Exit status: 0 when every contract checks (warnings allowed, unless --deny-warnings), 1 when
any contract has errors (for fmt: does not parse, or with --check would change), 2 when the
tool could not run (bad arguments, a file that cannot be read or written).";

/// The most diagnostics drawn for one file in the human format.
const HUMAN_PER_FILE: usize = 200;

/// `outcome`: check and build outcome-based commissioning contracts.
#[derive(Debug, Parser)]
#[command(
    name = "outcome",
    version,
    about = "Check and build outcome-based commissioning contracts",
    long_about = "Check and build outcome-based commissioning contracts.\n\n\
                  `outcome` reads contracts written in the outcome language, reports every \
                  problem it finds with a code you can look up with `outcome explain`, and \
                  compiles a contract that checks clean into a document other tools can read.",
    after_help = EXAMPLES,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Print no summary lines or notes on stderr; diagnostics and errors are still printed,
    /// and the exit code is the same
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// When to colour diagnostics on stderr: `auto` colours them for a terminal unless
    /// `NO_COLOR` is set (`CLICOLOR_FORCE` colours them anywhere)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

impl Command {
    /// The `-o` of a command that writes one document.
    fn output_mut(&mut self) -> Option<&mut Option<PathBuf>> {
        match self {
            Command::Build(args) => Some(&mut args.output),
            Command::Report(args) => Some(&mut args.output),
            Command::Returns(args) => Some(&mut args.output),
            Command::Sql(args) => Some(&mut args.output),
            _ => None,
        }
    }
}

impl Command {
    /// A `--paper` given to a command whose document is not HTML: the paper would be ignored,
    /// so it is refused, with what to do instead.
    fn paper_without_html(&self) -> Option<String> {
        let (paper, html, what) = match self {
            Command::Build(args) => (args.paper, args.format == OutputFormat::Html, "document"),
            Command::Report(args) => (args.paper, args.format == ReportFormat::Html, "report"),
            Command::Diff(args) => (
                args.paper,
                args.format == DiffFormat::Html,
                "variation schedule",
            ),
            Command::Evaluate(args) => (
                args.paper,
                args.format == EvaluateFormat::Html,
                "evaluation",
            ),
            _ => return None,
        };
        let paper = paper.filter(|_| !html)?;
        let name = paper
            .to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_string());
        Some(format!(
            "`--paper {name}` sets the paper of the printable HTML {what}, but this command writes another format: add `--format html`, or leave out `--paper`"
        ))
    }
}

/// The paper of a printable HTML document: `--paper`, or A4.
fn paper(given: Option<PaperSize>) -> emit::html::Paper {
    given.unwrap_or(PaperSize::A4).into()
}

impl Cli {
    /// Whether the command is a server that runs for as long as an editor is open, rather
    /// than one that reads, writes and ends.
    pub fn serves(&self) -> bool {
        matches!(self.command, Command::Lsp)
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// For a terminal, unless `NO_COLOR` is set; anywhere if `CLICOLOR_FORCE` is
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a starter contract that checks clean, every section commented as a guide
    New(NewArgs),
    /// Check contracts and report every problem found
    Check(CheckArgs),
    /// Compile one contract into a document (JSON); nothing is written if it has errors
    Build(BuildArgs),
    /// Report a monitoring return: the funnel against plan, exceptions, payments due
    Report(ReportArgs),
    /// Generate a sample monitoring return (made-up data, for demonstrations and benchmarks)
    Returns(ReturnsArgs),
    /// Compile the monitoring report into SQL views over a table of return rows
    Sql(SqlArgs),
    /// Explain a diagnostic code: what it means, an example, how to fix it
    Explain(ExplainArgs),
    /// Print the JSON Schema of the document `build --format json` writes
    Schema(SchemaArgs),
    /// Rewrite contracts in the canonical layout; comments and meaning are kept
    Fmt(FmtArgs),
    /// Serve editors over standard input and output (the Language Server Protocol):
    /// diagnostics as you type, hover figures, outline, navigation, formatting
    Lsp,
    /// Show the difference in meaning between two versions of a contract (exit 1 if any)
    Diff(DiffArgs),
    /// Evaluate bids against a specification: refuse those that break its rules, compare the
    /// rest side by side, ranked (exit 1 if any bid is refused)
    Evaluate(EvaluateArgs),
    /// Print a completion script for a shell (source it from the shell's startup file)
    Completions(CompletionsArgs),
    /// Print the manual page, as roff (`outcome man > outcome.1`, or `outcome man | man -l -`)
    Man,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The file to write, which must not exist yet (`outcome new` never writes over a file);
    /// without it, or with `-`, the contract is printed on standard output
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    /// The shape of contract to start from
    #[arg(long, value_enum, default_value_t = ShapeArg::Funnel)]
    pub shape: ShapeArg,

    /// The contract's title, in place of the example's
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,
}

/// The shapes `new` can start from: one per starter in `new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    /// A single funnel of milestones leading to a performance target
    Funnel,
    /// A ladder of sustained outcomes (a tenancy kept 6, 12 and 18 months), each step paid
    /// after the one before
    Ladder,
    /// Tiered payments on a reduction against a comparison group
    Tiers,
}

impl ShapeArg {
    fn shape(self) -> crate::new::Shape {
        match self {
            ShapeArg::Funnel => crate::new::Shape::Funnel,
            ShapeArg::Ladder => crate::new::Shape::Ladder,
            ShapeArg::Tiers => crate::new::Shape::Tiers,
        }
    }
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old version: a contract file, or `REV:PATH` (the file at a git revision, such as
    /// `origin/main:contract.outcome`)
    #[arg(value_name = "OLD")]
    pub old: String,

    /// The new version: a contract file, or `REV:PATH`
    #[arg(value_name = "NEW")]
    pub new: String,

    /// How to write the difference
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,

    /// The paper the HTML document prints on, A4 unless given (with `--format html` only)
    #[arg(long, value_enum)]
    pub paper: Option<PaperSize>,
}

/// The paper an HTML document prints on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PaperSize {
    /// 210 × 297 mm
    A4,
    /// US Letter, 8.5 × 11 inches
    Letter,
}

impl From<PaperSize> for emit::html::Paper {
    fn from(size: PaperSize) -> Self {
        match size {
            PaperSize::A4 => emit::html::Paper::A4,
            PaperSize::Letter => emit::html::Paper::Letter,
        }
    }
}

/// How `diff` writes the difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A heading per part of the contract and a line per change
    Human,
    /// One JSON document (see `outcome schema --diff`)
    Json,
    /// Tables ready to post as a pull-request comment
    Markdown,
    /// A printable variation schedule, in the style of the contract document
    Html,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The specification: a contract with a `bidding` block (a file, which each bid names)
    #[arg(value_name = "SPEC")]
    pub specification: PathBuf,

    /// The bids, each a file `bid "Bidder" on "SPEC" { ... }` (`-`: one bid on standard
    /// input, standing in the current folder)
    #[arg(value_name = "BID", required = true)]
    pub bids: Vec<PathBuf>,

    /// How to write the evaluation
    #[arg(long, value_enum, default_value_t = EvaluateFormat::Human)]
    pub format: EvaluateFormat,

    /// The paper the HTML document prints on, A4 unless given (with `--format html` only)
    #[arg(long, value_enum)]
    pub paper: Option<PaperSize>,
}

/// How `evaluate` writes the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvaluateFormat {
    /// An aligned table, the bids side by side, best first
    Human,
    /// One JSON document (see `outcome schema --evaluate`)
    Json,
    /// A printable comparison for an evaluation panel, in the style of the contract document
    Html,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Contract files, directories to search for `*.outcome` files, or `-` for a contract on
    /// standard input (named `<stdin>`, its `use`s read from the current folder)
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Leave out of a folder search the paths matching GLOB (gitignore syntax, relative to the
    /// folder searched; repeatable). `.gitignore`d files, hidden folders and nested
    /// repositories are left out already
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,

    /// Fail (exit 1) when there is any warning, as well as on errors
    #[arg(long)]
    pub deny_warnings: bool,
}

/// How `check` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Reports with the source and labels, on stderr, then a summary line
    Human,
    /// One JSON object per diagnostic per line, on stdout
    Json,
    /// GitHub Actions workflow commands (`::error file=…`), one per line, on stdout
    Github,
    /// One SARIF 2.1.0 log for code-scanning services, on stdout
    Sarif,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Contract files, directories to search for `*.outcome` files, or `-` for a contract on
    /// standard input (named `<stdin>`, its `use`s read from the current folder)
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Leave out of a folder search the paths matching GLOB (gitignore syntax, relative to the
    /// folder searched; repeatable). `.gitignore`d files, hidden folders and nested
    /// repositories are left out already
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Write nothing: list the files that would change, and exit 1 if any would
    #[arg(long)]
    pub check: bool,

    /// With --check: print what would change, as a unified diff
    #[arg(long, requires = "check")]
    pub diff: bool,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The contract file to compile (`-`: standard input)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The document to write
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,

    /// The paper the HTML document prints on, A4 unless given (with `--format html` only)
    #[arg(long, value_enum)]
    pub paper: Option<PaperSize>,

    /// Write the document to this file instead of stdout (`-`: stdout)
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// The documents `build` can write: one variant per emitter in `emit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The checked contract and its figures as JSON (see `outcome schema`)
    Json,
    /// The contract schedule as one self-contained HTML page, printable to A4 or US Letter
    Html,
}

impl OutputFormat {
    fn emit(self, contract: &Contract, paper: emit::html::Paper) -> String {
        match self {
            OutputFormat::Json => emit::json::contract(contract),
            OutputFormat::Html => emit::html::document(contract, paper),
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The contract the return is for (`-`: standard input)
    #[arg(value_name = "CONTRACT")]
    pub contract: PathBuf,

    /// The monitoring return: CSV (`.csv`, `.txt`, `.tsv`), a workbook (`.xlsx`, `.ods`) or
    /// JSON Lines (`.jsonl`, `.ndjson`), one row per event with the columns
    /// participant, stage (or milestone), date, and optionally evidence, cohort and
    /// participant attributes. `-` reads standard input: JSON Lines if it starts with `{`, else
    /// CSV
    #[arg(long, value_name = "FILE")]
    pub returns: PathBuf,

    /// The sheet of a workbook return to read; the first sheet by default
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// The separator between the fields of a CSV return; by default the one its header
    /// line uses (comma, semicolon or tab)
    #[arg(long, value_enum, value_name = "SEPARATOR")]
    pub separator: Option<Separator>,

    /// The encoding of a CSV return without a byte order mark; UTF-8 by default (UTF-16
    /// with a byte order mark is always recognised)
    #[arg(long, value_enum, value_name = "ENCODING")]
    pub encoding: Option<TextEncoding>,

    /// How the return's dates are written, when not year-month-day: dates written with
    /// slashes or dots are read only in the order said here (a time of day after a date is
    /// left out)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub date_format: Option<DateFormatArg>,

    /// Measured values of cohort-level measures, for tiers and for bonuses and penalties on
    /// measures: a CSV file with the columns measure, cohort, year, treatment, comparison
    #[arg(long, value_name = "FILE")]
    pub measures: Option<PathBuf>,

    /// A measured value, NAME[@COHORT]:YEAR=VALUE[/COMPARISON] (`reconviction_rate:1=41.5/46`);
    /// may be given more than once
    #[arg(long = "measure", value_name = "VALUE", value_parser = measured_value)]
    pub measure: Vec<MeasureArg>,

    /// Count events up to and including this date (YYYY-MM-DD); the term's end by default
    #[arg(long, value_name = "DATE", value_parser = until_date)]
    pub until: Option<Date>,

    /// How to write the report
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,

    /// The paper the HTML document prints on, A4 unless given (with `--format html` only)
    #[arg(long, value_enum)]
    pub paper: Option<PaperSize>,

    /// Write the report to this file instead of stdout (`-`: stdout)
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Instead of the report, trace one participant: their rows accepted and rejected, and
    /// each payment with the clause (file:line) that pays it and anything that cut it
    #[arg(long, value_name = "PARTICIPANT")]
    pub explain: Option<String>,

    /// Write the payment lines to this file, as they are decided, instead of into the report,
    /// which then says where they are: CSV (`.csv`) or JSON Lines (`.jsonl`, `.ndjson`)
    #[arg(long, value_name = "FILE")]
    pub lines: Option<PathBuf>,

    /// The form of the `--lines` file, when its name does not say
    #[arg(long, value_enum, value_name = "FORMAT", requires = "lines")]
    pub lines_format: Option<LinesFormatArg>,
}

/// The form of the payment lines file (`--lines-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LinesFormatArg {
    /// RFC 4180 CSV with a header row
    Csv,
    /// One JSON object a line
    #[value(name = "jsonl", alias = "ndjson")]
    JsonLines,
}

/// The separator between the fields of a CSV return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Separator {
    /// `,`
    Comma,
    /// `;`, as Excel saves CSV where a comma is the decimal mark
    Semicolon,
    /// A tab, as Excel saves "Text (tab delimited)" and "Unicode text"
    Tab,
}

impl Separator {
    fn byte(self) -> u8 {
        match self {
            Separator::Comma => b',',
            Separator::Semicolon => b';',
            Separator::Tab => b'\t',
        }
    }
}

/// The encoding of a CSV return without a byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TextEncoding {
    /// UTF-8
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// Windows-1252, as Excel saves plain "CSV" on Windows in western Europe and America
    #[value(name = "windows-1252", alias = "cp1252")]
    Windows1252,
}

/// How a return's dates are written (`--date-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateFormatArg {
    /// `2009-05-14` (read always)
    #[value(name = "yyyy-mm-dd")]
    YearMonthDay,
    /// `14/05/2009`
    #[value(name = "dd/mm/yyyy")]
    DayMonthYear,
    /// `05/14/2009`
    #[value(name = "mm/dd/yyyy")]
    MonthDayYear,
    /// `14.05.2009`
    #[value(name = "dd.mm.yyyy")]
    DayMonthYearDots,
}

impl DateFormatArg {
    fn format(self) -> input::DateFormat {
        match self {
            DateFormatArg::YearMonthDay => input::DateFormat::YearMonthDay,
            DateFormatArg::DayMonthYear => input::DateFormat::DayMonthYear,
            DateFormatArg::MonthDayYear => input::DateFormat::MonthDayYear,
            DateFormatArg::DayMonthYearDots => input::DateFormat::DayMonthYearDots,
        }
    }
}

/// How `report` writes the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Plain text for a person: rows, the funnel against plan, exceptions, payments, residual
    Human,
    /// The whole report as JSON (see `outcome schema --report`)
    Json,
    /// One self-contained HTML page
    Html,
}

#[derive(Debug, Args)]
pub struct ReturnsArgs {
    /// The contract to generate a return for
    #[arg(value_name = "CONTRACT")]
    pub contract: PathBuf,

    /// How many participants to refer, evenly over the referral window; by default the
    /// number the contract's funnels expect to enter
    #[arg(long, value_name = "N")]
    pub participants: Option<u64>,

    /// The seed: the same seed always gives the same return
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// Write the CSV to this file instead of stdout (`-`: stdout)
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The contract to compile
    #[arg(value_name = "CONTRACT")]
    pub contract: PathBuf,

    /// The database the SQL is for
    #[arg(long, value_enum, default_value_t = SqlDialect::Duckdb)]
    pub dialect: SqlDialect,

    /// The table (or view) of return rows, `schema.table` and `catalog.schema.table` allowed
    #[arg(long, value_name = "NAME", default_value = outcome_sql::DEFAULT_TABLE, value_parser = sql_table)]
    pub table: String,

    /// Count events up to and including this date (YYYY-MM-DD); the term's end by default
    #[arg(long, value_name = "DATE", value_parser = until_date)]
    pub until: Option<Date>,

    /// Write the SQL to this file instead of stdout (`-`: stdout)
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SqlDialect {
    Duckdb,
    Postgres,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema of the monitoring report (`report --format json`) instead
    #[arg(long, conflicts_with_all = ["lines", "diff", "evaluate"])]
    pub report: bool,

    /// The schema of one record of a payment lines file (`report --lines FILE.jsonl`) instead
    #[arg(long, conflicts_with_all = ["diff", "evaluate"])]
    pub lines: bool,

    /// The schema of the difference between two contracts (`diff --format json`) instead
    #[arg(long, conflicts_with = "evaluate")]
    pub diff: bool,

    /// The schema of the evaluation of bids (`evaluate --format json`) instead
    #[arg(long)]
    pub evaluate: bool,
}

/// One `--measure` as written, and the value it gives.
#[derive(Debug, Clone)]
pub struct MeasureArg {
    pub text: String,
    pub value: Measured,
}

/// `--measure` on the command line.
fn measured_value(text: &str) -> Result<MeasureArg, String> {
    Ok(MeasureArg {
        text: text.to_string(),
        value: input::measured_arg(text)?,
    })
}

/// `--until` on the command line.
fn until_date(text: &str) -> Result<Date, String> {
    input::date(text)
}

fn sql_table(text: &str) -> Result<String, String> {
    match outcome_sql::text::table_name_problem(text) {
        Some(problem) => Err(problem),
        None => Ok(text.to_string()),
    }
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["code", "list"])))]
pub struct ExplainArgs {
    /// The code to explain, such as E0302
    #[arg(value_name = "CODE")]
    pub code: Option<String>,

    /// List every code with its severity and title
    #[arg(long)]
    pub list: bool,
}

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything checked: no errors (warnings allowed), or the command did what it was asked.
    Success,
    /// At least one contract has errors.
    ContractErrors,
    /// The tool could not run: bad arguments, a file that cannot be read or written.
    /// clap uses the same code for its own usage errors.
    CannotRun,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::ContractErrors => 1,
            Exit::CannotRun => 2,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(exit.code())
    }
}

/// Run a parsed command line against the real standard streams.
pub fn run(cli: Cli) -> Exit {
    let color = wants_color(
        cli.color,
        non_empty("NO_COLOR"),
        non_empty("CLICOLOR_FORCE") && std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
        io::stderr().is_terminal(),
    );
    // The language server's writer thread needs standard output unlocked.
    if let Command::Lsp = cli.command {
        return match crate::lsp::serve_stdio() {
            Ok(()) => Exit::Success,
            Err(problem) => {
                let mut err = io::stderr().lock();
                let _ = writeln!(err, "error: {problem}");
                Exit::CannotRun
            }
        };
    }
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let progress = !cli.quiet && io::stderr().is_terminal();
    run_streams(cli, &mut out, &mut err, color, true, progress)
}

/// Run a parsed command line, writing to the given streams; `color` says whether human
/// diagnostics on `err` may use colour, unless `--color always` or `--color never` says.
pub fn run_with(cli: Cli, out: &mut dyn Write, err: &mut dyn Write, color: bool) -> Exit {
    let color = match cli.color {
        ColorChoice::Auto => color,
        ColorChoice::Always => true,
        ColorChoice::Never => false,
    };
    run_streams(cli, out, err, color, false, false)
}

/// `run_with`; `process_ends` says the process exits as soon as the command returns (the real
/// command line, not a caller in the same process), so what is left may be left to the
/// operating system instead of freed; `progress` that a progress bar may be drawn on the
/// process's stderr (a terminal, and not `--quiet`).
fn run_streams(
    cli: Cli,
    out: &mut dyn Write,
    err: &mut dyn Write,
    color: bool,
    process_ends: bool,
    progress: bool,
) -> Exit {
    let mut streams = Streams {
        out,
        err,
        color,
        quiet: cli.quiet,
        process_ends,
        progress,
    };
    let mut command = cli.command;
    // `-o -` names standard output, as `-` names standard input.
    if let Some(output) = command.output_mut() {
        if output.as_deref().is_some_and(is_stdin) {
            *output = None;
        }
    }
    if let Some(refused) = command.paper_without_html() {
        streams.problem(&Problem::Refused(refused));
        return Exit::CannotRun;
    }
    let result = match command {
        Command::New(args) => starter(&args, &mut streams),
        Command::Check(args) => check(&args, &mut streams),
        Command::Build(args) => build(&args, &mut streams),
        Command::Report(args) => report_return(&args, &mut streams),
        Command::Returns(args) => generate_return(&args, &mut streams),
        Command::Sql(args) => compile_sql(&args, &mut streams),
        Command::Explain(args) => explain(&args, &mut streams),
        Command::Schema(args) => {
            let schema = if args.report {
                emit::json::report_schema()
            } else if args.lines {
                emit::json::lines_schema()
            } else if args.diff {
                crate::diff::render::schema()
            } else if args.evaluate {
                crate::evaluate::render::schema()
            } else {
                emit::json::schema()
            };
            streams.print(&schema).map(|()| Exit::Success)
        }
        Command::Fmt(args) => format_files(&args, &mut streams),
        // The protocol owns standard output: the server writes to it, from its own thread.
        Command::Lsp => crate::lsp::serve_stdio()
            .map(|()| Exit::Success)
            .map_err(Problem::Refused),
        Command::Diff(args) => compare_versions(&args, &mut streams),
        Command::Evaluate(args) => evaluate_bids(&args, &mut streams),
        Command::Completions(args) => completions(args.shell, &mut streams),
        Command::Man => manual(&mut streams),
    };
    match result {
        Ok(exit) => exit,
        Err(problem) => {
            streams.problem(&problem);
            Exit::CannotRun
        }
    }
}

/// Whether diagnostics on stderr are coloured. `--color always` and `--color never` decide;
/// `auto` colours only for a person at a terminal who has not asked for none
/// (<https://no-color.org>: a set, non-empty `NO_COLOR`), or anywhere when `CLICOLOR_FORCE` is
/// set and not `0` (<https://bixense.com/clicolors/>), `NO_COLOR` winning over it.
fn wants_color(choice: ColorChoice, no_color: bool, force: bool, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && (force || terminal),
    }
}

/// An environment variable that is set and not empty.
fn non_empty(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.is_empty())
}

/// Something that stops the tool itself, as opposed to a diagnostic about a contract.
#[derive(Debug)]
enum Problem {
    Read {
        path: PathBuf,
        error: io::Error,
    },
    Write {
        path: PathBuf,
        error: io::Error,
    },
    Stdout(io::Error),
    NoContracts {
        dir: PathBuf,
    },
    UnknownCode(String),
    Serialize(serde_json::Error),
    /// The checker reported no error but produced no contract: a bug in `outcome`.
    NoContract {
        path: PathBuf,
    },
    /// The formatter refused its own result: a bug in `outcome`; the file is left alone.
    Unformattable {
        path: PathBuf,
        why: String,
    },
    /// A monitoring return, or a file of measured values, that cannot be read as one.
    Unreadable {
        path: PathBuf,
        why: String,
    },
    /// A request that cannot be met as asked.
    Refused(String),
    /// A path that is not read: a link out of the repository, or not a regular file.
    NotRead(files::Refused),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Read { path, error } => {
                write!(f, "cannot read `{}`: {}", path.display(), describe(error))
            }
            Problem::Write { path, error } => {
                write!(f, "cannot write `{}`: {}", path.display(), describe(error))
            }
            Problem::Stdout(error) => {
                write!(f, "cannot write to standard output: {}", describe(error))
            }
            Problem::NoContracts { dir } => {
                write!(
                    f,
                    "no `.{}` files in `{}` (a folder search leaves out what `.gitignore` ignores, hidden folders, nested repositories and `--exclude`; name a file to read it anyway)",
                    files::EXTENSION,
                    dir.display()
                )
            }
            Problem::UnknownCode(code) => write!(
                f,
                "unknown code `{code}`; `outcome explain --list` shows every code"
            ),
            Problem::Serialize(error) => write!(f, "cannot write a diagnostic as JSON: {error}"),
            Problem::Unformattable { path, why } => write!(f, "`{}`: {why}", path.display()),
            Problem::Unreadable { path, why } => {
                // `why` may quote the file (a header's names): made inert for the terminal.
                let why = report::text::inert(why);
                write!(f, "cannot read `{}`: {why}", path.display())
            }
            Problem::Refused(why) => write!(f, "{why}"),
            Problem::NotRead(refused) => write!(f, "{refused}"),
            Problem::NoContract { path } => write!(
                f,
                "`{}` holds no `contract` block, so there is nothing to build: it shares outcomes, cohorts and measures with the contracts that `use` it",
                path.display()
            ),
        }
    }
}

/// An I/O error as a person reads it: "No such file or directory", without "(os error 2)".
fn describe(error: &io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(end) if error.raw_os_error().is_some() => text[..end].to_string(),
        _ => text,
    }
}

/// The path that names standard input (`outcome check -`, `report --returns -`) and, after
/// `-o`, standard output.
const STDIN: &str = "-";

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// A path as messages name it: `<stdin>` for `-`.
fn shown_as(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// A contract on standard input, whole: at most one byte more than a contract file may hold,
/// so that one too large is refused as a file would be.
fn read_stdin_contract() -> Result<Vec<u8>, Problem> {
    let limit = u64::try_from(crate::syntax::MAX_FILE_BYTES).unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| Problem::Read {
            path: PathBuf::from(STDIN_NAME),
            error,
        })?;
    Ok(bytes)
}

/// The workspace of the current folder, which a contract on standard input stands in.
fn current_workspace() -> Result<Workspace, Problem> {
    Workspace::for_path(Path::new(".")).map_err(|error| Problem::Read {
        path: PathBuf::from("."),
        error,
    })
}

/// Refuse standard input named more than once in one command: it can be read only once.
fn refuse_stdin_twice<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<(), Problem> {
    if paths.into_iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(Problem::Refused(
            "`-` (standard input) is named more than once, and can be read only once; save all but one of them to a file".to_string(),
        ));
    }
    Ok(())
}

struct Streams<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    color: bool,
    /// `--quiet`: no summary lines or notes (`remark`), diagnostics and errors still.
    quiet: bool,
    /// The process exits when the command returns: see `run_streams`.
    process_ends: bool,
    /// A progress bar may be drawn on the process's stderr: see `run_streams`.
    progress: bool,
}

impl Streams<'_> {
    fn print(&mut self, text: &str) -> Result<(), Problem> {
        self.print_bytes(text.as_bytes())
    }

    /// `print`, for bytes that may not be UTF-8 (standard input given back as it came).
    fn print_bytes(&mut self, bytes: &[u8]) -> Result<(), Problem> {
        self.out
            .write_all(bytes)
            .and_then(|()| self.out.flush())
            .map_err(Problem::Stdout)
    }

    /// Write to stderr. There is nowhere left to report a failure to write there, so it is
    /// ignored.
    fn note(&mut self, text: &str) {
        let _ = self.err.write_all(text.as_bytes());
        let _ = self.err.flush();
    }

    /// A summary line or a note on stderr: left out with `--quiet`.
    fn remark(&mut self, text: &str) {
        if !self.quiet {
            self.note(text);
        }
    }

    fn problem(&mut self, problem: &Problem) {
        // A reader that closed the pipe (`outcome schema | head`) wants no more output.
        if matches!(problem, Problem::Stdout(error) if error.kind() == io::ErrorKind::BrokenPipe) {
            return;
        }
        self.note(&format!("error: {problem}\n"));
    }

    /// Each diagnostic drawn with its source; past the first `HUMAN_PER_FILE` in one file,
    /// a count of the rest (a machine format lists them all).
    fn human(&mut self, file: &SourceFile, diagnostics: &[Diagnostic]) {
        self.note(&human_text(file, diagnostics, self.color));
    }

    fn json_lines(&mut self, file: &SourceFile, diagnostics: &[Diagnostic]) -> Result<(), Problem> {
        let mut lines = String::new();
        for diagnostic in diagnostics {
            let record = Record::new(file, diagnostic);
            lines.push_str(&serde_json::to_string(&record).map_err(Problem::Serialize)?);
            lines.push('\n');
        }
        if lines.is_empty() {
            return Ok(());
        }
        self.print(&lines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn run_args(args: &[&str]) -> (Exit, String, String) {
        let cli =
            Cli::try_parse_from(std::iter::once("outcome").chain(args.iter().copied())).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let exit = run_with(cli, &mut out, &mut err, false);
        (
            exit,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exit_codes_are_stable() {
        assert_eq!(Exit::Success.code(), 0);
        assert_eq!(Exit::ContractErrors.code(), 1);
        assert_eq!(Exit::CannotRun.code(), 2);
    }

    #[test]
    fn io_errors_read_without_the_os_error_number() {
        let error = io::Error::from_raw_os_error(2);
        assert!(error.to_string().contains("(os error 2)"));
        assert!(!describe(&error).contains("os error"));
        let custom = io::Error::other("odd (os error 9)");
        assert_eq!(describe(&custom), "odd (os error 9)");
    }

    #[test]
    fn summary_counts_are_plural_where_needed() {
        let tally = Tally {
            files: 2,
            errors: 1,
            warnings: 0,
        };
        assert_eq!(
            tally.summary(17),
            "checked 2 files: 1 error, 0 warnings in 17 ms"
        );
    }

    #[test]
    fn the_fmt_summary_says_what_was_done() {
        let tally = FormatTally {
            changed: 1,
            unchanged: 2,
            refused: 0,
        };
        assert_eq!(
            tally.summary(false),
            "formatted 3 files: 1 changed, 2 unchanged"
        );
        let tally = FormatTally {
            changed: 0,
            unchanged: 0,
            refused: 1,
        };
        assert_eq!(
            tally.summary(true),
            "checked 1 file: 0 would change, 0 unchanged, 1 not formatted because of syntax errors"
        );
    }

    #[test]
    fn explain_prints_the_code_and_its_title() {
        let (exit, out, _) = run_args(&["explain", "e0101"]);
        assert_eq!(exit, Exit::Success);
        assert!(out.starts_with("E0101: syntax error\n"));
    }

    #[test]
    fn explain_rejects_an_unknown_code() {
        let (exit, out, err) = run_args(&["explain", "E9999"]);
        assert_eq!(exit, Exit::CannotRun);
        assert!(out.is_empty());
        assert!(err.contains("unknown code `E9999`") && err.contains("--list"));
    }

    #[test]
    fn the_list_has_every_code_once() {
        let list = code_list();
        assert_eq!(list.lines().count(), Code::ALL.len());
        assert!(list.contains("W0408  warning  milestone leads to no target"));
    }

    #[test]
    fn a_closed_pipe_is_not_reported() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let cli = Cli::try_parse_from(["outcome", "schema"]).unwrap();
        let mut err = Vec::new();
        assert_eq!(run_with(cli, &mut Closed, &mut err, false), Exit::CannotRun);
        assert!(err.is_empty());
    }
}
