//! The command line: `check`, `build`, `report`, `returns`, `explain`, `schema` and `fmt`.
//!
//! This is the only module that knows about terminals, standard streams and exit codes. It
//! takes the parsed command line, reads files, runs the library's pipeline (`syntax::decode`,
//! `compile`, `emit`, or `fmt`) and hands back an `Exit`. Diagnostics for people go to stderr
//! through miette; machine-readable output (`check --format json|github|sarif`, `build`,
//! `schema`, the file list of `fmt --check`) goes to stdout, which then holds nothing else.
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

const EXAMPLES: &str = "\
Examples:
  outcome check specs/
  outcome check --format json specs/drug-service.outcome
  outcome check --format sarif specs/ > outcome.sarif
  outcome check --format github --deny-warnings specs/
  outcome build specs/drug-service.outcome --format json -o drug-service.json
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
    /// Print a completion script for a shell (source it from the shell's startup file)
    Completions(CompletionsArgs),
    /// Print the manual page, as roff (`outcome man > outcome.1`, or `outcome man | man -l -`)
    Man,
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

    /// Write the document to this file instead of stdout
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// The documents `build` can write: one variant per emitter in `emit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The checked contract and its figures as JSON (see `outcome schema`)
    Json,
    /// The contract schedule as one self-contained HTML page, printable to A4
    Html,
}

impl OutputFormat {
    fn emit(self, contract: &Contract) -> String {
        match self {
            OutputFormat::Json => emit::json::contract(contract),
            OutputFormat::Html => emit::html::document(contract),
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
    /// slashes are read only in the order said here
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

    /// Write the report to this file instead of stdout
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
}

impl DateFormatArg {
    fn format(self) -> input::DateFormat {
        match self {
            DateFormatArg::YearMonthDay => input::DateFormat::YearMonthDay,
            DateFormatArg::DayMonthYear => input::DateFormat::DayMonthYear,
            DateFormatArg::MonthDayYear => input::DateFormat::MonthDayYear,
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

    /// Write the CSV to this file instead of stdout
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

    /// The table (or view) of return rows, `schema.table` allowed
    #[arg(long, value_name = "NAME", default_value = outcome_sql::DEFAULT_TABLE)]
    pub table: String,

    /// Count events up to and including this date (YYYY-MM-DD); the term's end by default
    #[arg(long, value_name = "DATE", value_parser = until_date)]
    pub until: Option<Date>,

    /// Write the SQL to this file instead of stdout
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
    #[arg(long, conflicts_with_all = ["diff", "lines"])]
    pub report: bool,

    /// The schema of one record of a payment lines file (`report --lines FILE.jsonl`) instead
    #[arg(long, conflicts_with = "diff")]
    pub lines: bool,

    /// The schema of the difference between two contracts (`diff --format json`) instead
    #[arg(long)]
    pub diff: bool,
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
    let result = match cli.command {
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

/// The path that names standard input: `outcome check -`, `report --returns -`.
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
        self.out
            .write_all(text.as_bytes())
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

// ---------------------------------------------------------------------------------------------
// check

/// A file's diagnostics drawn with its source, as `Streams::human` prints them; past the first
/// `HUMAN_PER_FILE`, a count of the rest (a machine format lists them all).
fn human_text(file: &SourceFile, diagnostics: &[Diagnostic], color: bool) -> String {
    let mut text = String::new();
    for diagnostic in diagnostics.iter().take(HUMAN_PER_FILE) {
        let report = diagnostic::render_human(file, diagnostic, color);
        text.push_str(&report);
        if !report.ends_with('\n') {
            text.push('\n');
        }
    }
    if diagnostics.len() > HUMAN_PER_FILE {
        text.push_str(&format!(
            "{}: {} more diagnostics not shown; `--format json` lists every one\n",
            file.name,
            diagnostics.len() - HUMAN_PER_FILE
        ));
    }
    text
}

fn check(args: &CheckArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let started = Instant::now();
    let exclude = files::Exclude::new(&args.exclude).map_err(Problem::Refused)?;
    let mut unreadable = false;
    // Each path is checked within its repository; a file used by many is read once.
    let mut files: Vec<(usize, PathBuf)> = Vec::new();
    let mut workspaces: Vec<Workspace> = Vec::new();
    let mut seen = BTreeSet::new();
    refuse_stdin_twice(args.paths.iter().map(PathBuf::as_path))?;
    for path in &args.paths {
        if is_stdin(path) {
            let bytes = read_stdin_contract()?;
            let current = current_workspace()?;
            let index = match workspaces.iter().position(|w| w.root() == current.root()) {
                Some(index) => index,
                None => {
                    workspaces.push(current);
                    workspaces.len() - 1
                }
            };
            files.push((index, workspaces[index].give(bytes)));
            continue;
        }
        let Some((found, any_refused)) = contract_files(path, &exclude, streams) else {
            unreadable = true;
            continue;
        };
        unreadable |= any_refused;
        let index = match workspaces.iter().position(|w| w.root() == found.root) {
            Some(index) => index,
            None => {
                workspaces.push(Workspace::at_root(found.root));
                workspaces.len() - 1
            }
        };
        for file in found.files {
            if seen.insert(file.clone()) {
                files.push((index, file));
            }
        }
    }

    // Each repository's files are read and checked together, on every core; the results are
    // printed in the order of the paths.
    let mut results = Vec::with_capacity(files.len());
    for (index, workspace) in workspaces.iter_mut().enumerate() {
        let paths: Vec<PathBuf> = files
            .iter()
            .filter(|(w, _)| *w == index)
            .map(|(_, path)| path.clone())
            .collect();
        let loaded = workspace.load_all(&paths);
        results.extend(paths.into_iter().zip(loaded));
    }

    // Drawing diagnostics for a terminal takes longer than checking a file that has many: on
    // every core too, each file's in one piece, printed below in the order of the paths.
    let drawn: Vec<Option<String>> = match args.format {
        DiagnosticFormat::Human => {
            let color = streams.color;
            let files: Vec<Option<Arc<Loaded>>> = results
                .iter()
                .map(|(_, loaded)| loaded.as_ref().ok().cloned())
                .collect();
            crate::workspace::parallel_map(files, |loaded| {
                loaded.map(|l| human_text(&l.file, &l.compiled.diagnostics, color))
            })
        }
        _ => Vec::new(),
    };
    let mut drawn = drawn.into_iter();

    let mut tally = Tally::default();
    // SARIF is one document for the whole run, written once every file is checked.
    let mut for_sarif = Vec::new();
    let mut for_github = Vec::new();
    for (path, loaded) in results {
        let text = drawn.next().flatten();
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(error) => {
                streams.problem(&Problem::Read { path, error });
                unreadable = true;
                continue;
            }
        };
        let (file, compiled) = (&loaded.file, &loaded.compiled);
        tally.add(&compiled.diagnostics);
        match args.format {
            DiagnosticFormat::Human => match text {
                Some(text) => streams.note(&text),
                None => streams.human(file, &compiled.diagnostics),
            },
            DiagnosticFormat::Json => streams.json_lines(file, &compiled.diagnostics)?,
            // Annotated once every file is checked: GitHub shows ten of each kind per run's
            // step, and the tenth may have to count the rest.
            DiagnosticFormat::Github => for_github.extend(
                compiled
                    .diagnostics
                    .iter()
                    .map(|diagnostic| Record::new(file, diagnostic)),
            ),
            DiagnosticFormat::Sarif => for_sarif.push(Arc::clone(&loaded)),
        }
    }

    match args.format {
        DiagnosticFormat::Human if tally.files > 0 => {
            let elapsed = started.elapsed().as_millis();
            streams.remark(&format!("{}\n", tally.summary(elapsed)));
        }
        DiagnosticFormat::Sarif => {
            let files: Vec<_> = for_sarif
                .iter()
                .map(|loaded| (&loaded.file, loaded.compiled.diagnostics.as_slice()))
                .collect();
            streams.print(&diagnostic::sarif::log(&files).map_err(Problem::Serialize)?)?;
        }
        DiagnosticFormat::Github if !for_github.is_empty() => {
            streams.print(&diagnostic::github::annotations(&for_github))?;
        }
        _ => {}
    }
    // Every file's syntax tree and model are freed when the last `Arc` goes, here, on this
    // one thread once all the workers are done: for a repository of 1,000 files about a tenth
    // of the run, with the other cores idle. When the process ends next, the operating system
    // takes the memory back at once instead; a caller in the same process gets it freed.
    if streams.process_ends {
        std::mem::forget(workspaces);
        std::mem::forget(for_sarif);
    }
    Ok(if unreadable {
        Exit::CannotRun
    } else if tally.errors > 0 || args.deny_warnings && tally.warnings > 0 {
        Exit::ContractErrors
    } else {
        Exit::Success
    })
}

/// What `check` found, for the summary line.
#[derive(Debug, Default)]
struct Tally {
    files: usize,
    errors: usize,
    warnings: usize,
}

impl Tally {
    fn add(&mut self, diagnostics: &[Diagnostic]) {
        self.files += 1;
        for diagnostic in diagnostics {
            match diagnostic.severity() {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
        }
    }

    /// `checked 2 files: 1 error, 3 warnings in 12 ms`. Scripts may match this line: keep
    /// its wording.
    fn summary(&self, elapsed_ms: u128) -> String {
        format!(
            "checked {}: {}, {} in {elapsed_ms} ms",
            count(self.files, "file"),
            count(self.errors, "error"),
            count(self.warnings, "warning")
        )
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The contract files a path names (`files::find`): each path refused, or the path itself when
/// it cannot be read or a folder holds no contract files, is reported here; with the files,
/// whether any path was refused. `None` when nothing could be found at all.
fn contract_files(
    path: &Path,
    exclude: &files::Exclude,
    streams: &mut Streams,
) -> Option<(Found, bool)> {
    let mut found = match files::find(path, exclude) {
        Ok(found) => found,
        Err(error) => {
            streams.problem(&Problem::Read {
                path: path.to_path_buf(),
                error,
            });
            return None;
        }
    };
    let refused = std::mem::take(&mut found.refused);
    let any_refused = !refused.is_empty();
    for refused in refused {
        streams.problem(&Problem::NotRead(refused));
    }
    if found.searched && found.files.is_empty() && !any_refused {
        streams.problem(&Problem::NoContracts {
            dir: path.to_path_buf(),
        });
        return None;
    }
    Some((found, any_refused))
}

/// Read, decode and compile one contract file named on the command line (and the files it
/// uses) within its repository, as `check` would find it: a link out of the repository, a
/// folder, or anything but a regular file is refused. A file that is not UTF-8 gives its
/// E0102 diagnostic against a lossy copy of the text, like any other diagnostic. With the
/// file, every file read for it.
fn load(path: &Path) -> Result<(Arc<Loaded>, Vec<PathBuf>), Problem> {
    if is_stdin(path) {
        let bytes = read_stdin_contract()?;
        let mut workspace = current_workspace()?;
        let given = workspace.give(bytes);
        let loaded = workspace.load(&given).map_err(|error| Problem::Read {
            path: PathBuf::from(STDIN_NAME),
            error,
        })?;
        let inputs = workspace
            .files()
            .filter(|file| *file != given)
            .map(Path::to_path_buf)
            .collect();
        return Ok((loaded, inputs));
    }
    let read = |error| Problem::Read {
        path: path.to_path_buf(),
        error,
    };
    let mut found = files::find(path, &files::Exclude::default()).map_err(read)?;
    if let Some(refused) = found.refused.pop() {
        return Err(Problem::NotRead(refused));
    }
    if found.searched {
        return Err(Problem::Refused(format!(
            "`{}` is a folder: name one contract file",
            files::shown(path)
        )));
    }
    let Some(file) = found.files.pop() else {
        return Err(read(io::Error::from(io::ErrorKind::NotFound)));
    };
    let mut workspace = Workspace::at_root(found.root);
    let loaded = workspace.load(&file).map_err(read)?;
    let inputs = workspace.files().map(Path::to_path_buf).collect();
    Ok((loaded, inputs))
}

/// Refuse an output file (`-o`) that is one of the command's inputs, however named (through
/// a link, `./`, or a hard link): writing it would destroy what was read.
fn refuse_overwrite<'a>(
    output: Option<&Path>,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), Problem> {
    refuse_overwrite_as("-o", output, inputs)
}

/// `refuse_overwrite` for the output named by `flag` (`-o`, `--lines`).
fn refuse_overwrite_as<'a>(
    flag: &str,
    output: Option<&Path>,
    inputs: impl IntoIterator<Item = &'a Path>,
) -> Result<(), Problem> {
    let Some(output) = output else {
        return Ok(());
    };
    match inputs
        .into_iter()
        .find(|input| files::same_file(output, input))
    {
        Some(input) => Err(Problem::Refused(format!(
            "`{flag} {}` names `{}`, which this command reads: writing there would overwrite it; give `{flag}` another file",
            files::shown(output),
            files::shown(input)
        ))),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// fmt

/// `outcome fmt`: rewrite each file that parses in the canonical layout. A file that does not
/// parse gets its diagnostics, as `check` prints them, and is left untouched. With `--check`
/// nothing is written: the files that would change are listed on stdout (as a diff with
/// `--diff`).
fn format_files(args: &FmtArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let exclude = files::Exclude::new(&args.exclude).map_err(Problem::Refused)?;
    let mut unreadable = false;
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    refuse_stdin_twice(args.paths.iter().map(PathBuf::as_path))?;
    for path in args.paths.iter().filter(|p| !is_stdin(p)) {
        let Some((found, any_refused)) = contract_files(path, &exclude, streams) else {
            unreadable = true;
            continue;
        };
        unreadable |= any_refused;
        files.extend(found.files.into_iter().filter(|f| seen.insert(f.clone())));
    }
    let mut tally = FormatTally::default();
    // Each path is real (canonical) and inside its repository: writing it back writes the
    // file that was read, never through a link.
    for path in &files {
        let name = shown_name(path);
        let read = files::read_limited(path, crate::syntax::MAX_FILE_BYTES);
        let decoded = match read {
            Ok(Contents::Bytes(bytes)) => crate::syntax::decode(&name, &bytes).map(|f| (f, bytes)),
            Ok(Contents::TooLarge(size)) => Err(crate::syntax::too_large(&name, size)),
            Err(error) => {
                streams.problem(&Problem::Read {
                    path: path.clone(),
                    error,
                });
                unreadable = true;
                continue;
            }
        };
        let (file, bytes) = match decoded {
            Ok(decoded) => decoded,
            Err(failed) => {
                let (file, diagnostic) = *failed;
                streams.human(&file, &[diagnostic]);
                tally.refused += 1;
                continue;
            }
        };
        let formatted = match crate::fmt::format(&file) {
            Ok(formatted) => formatted,
            Err(crate::fmt::Refused::Syntax(diagnostics)) => {
                streams.human(&file, &diagnostics);
                tally.refused += 1;
                continue;
            }
            Err(refused @ crate::fmt::Refused::Unsafe(_)) => {
                streams.problem(&Problem::Unformattable {
                    path: path.clone(),
                    why: refused.to_string(),
                });
                unreadable = true;
                continue;
            }
        };
        if formatted.as_bytes() == bytes.as_slice() {
            tally.unchanged += 1;
            continue;
        }
        tally.changed += 1;
        if !args.check {
            fs::write(path, &formatted).map_err(|error| Problem::Write {
                path: path.clone(),
                error,
            })?;
        } else if args.diff {
            streams.print(&crate::fmt::unified_diff(
                &file.text,
                &formatted,
                &name,
                &format!("{name} (formatted)"),
            ))?;
        } else {
            streams.print(&format!("{name}\n"))?;
        }
    }
    if args.paths.iter().any(|p| is_stdin(p)) {
        format_stdin(args, streams, &mut tally)?;
    }
    if tally.files() > 0 {
        streams.remark(&format!("{}\n", tally.summary(args.check)));
    }
    Ok(if unreadable {
        Exit::CannotRun
    } else if tally.refused > 0 || args.check && tally.changed > 0 {
        Exit::ContractErrors
    } else {
        Exit::Success
    })
}

/// `outcome fmt -`: the contract on standard input, formatted, on stdout (whether or not it
/// changed, so that an editor can pipe a buffer through); with `--check`, only `<stdin>` (or
/// the diff) when it would change.
fn format_stdin(
    args: &FmtArgs,
    streams: &mut Streams,
    tally: &mut FormatTally,
) -> Result<(), Problem> {
    let bytes = read_stdin_contract()?;
    let decoded = if bytes.len() > crate::syntax::MAX_FILE_BYTES {
        Err(crate::syntax::too_large(
            STDIN_NAME,
            u64::try_from(bytes.len()).ok(),
        ))
    } else {
        crate::syntax::decode(STDIN_NAME, &bytes)
    };
    let file = match decoded {
        Ok(file) => file,
        Err(failed) => {
            let (file, diagnostic) = *failed;
            streams.human(&file, &[diagnostic]);
            tally.refused += 1;
            return Ok(());
        }
    };
    let formatted = match crate::fmt::format(&file) {
        Ok(formatted) => formatted,
        Err(crate::fmt::Refused::Syntax(diagnostics)) => {
            streams.human(&file, &diagnostics);
            tally.refused += 1;
            return Ok(());
        }
        Err(refused @ crate::fmt::Refused::Unsafe(_)) => {
            return Err(Problem::Unformattable {
                path: PathBuf::from(STDIN_NAME),
                why: refused.to_string(),
            });
        }
    };
    let changed = formatted.as_bytes() != bytes.as_slice();
    if changed {
        tally.changed += 1;
    } else {
        tally.unchanged += 1;
    }
    if !args.check {
        streams.print(&formatted)?;
    } else if changed && args.diff {
        streams.print(&crate::fmt::unified_diff(
            &file.text,
            &formatted,
            STDIN_NAME,
            &format!("{STDIN_NAME} (formatted)"),
        ))?;
    } else if changed {
        streams.print(&format!("{STDIN_NAME}\n"))?;
    }
    Ok(())
}

/// A file's name as `check` shows it (see `Workspace::shown`), so that both commands name a
/// file the same way.
fn shown_name(path: &Path) -> String {
    match (Workspace::for_path(path), fs::canonicalize(path)) {
        (Ok(workspace), Ok(canonical)) => workspace.shown(&canonical),
        _ => path.display().to_string(),
    }
}

/// What `fmt` did, for its summary line.
#[derive(Debug, Default)]
struct FormatTally {
    changed: usize,
    unchanged: usize,
    /// Files not formatted because they do not parse.
    refused: usize,
}

impl FormatTally {
    fn files(&self) -> usize {
        self.changed + self.unchanged + self.refused
    }

    /// `formatted 3 files: 1 changed, 2 unchanged` or, with `--check`,
    /// `checked 3 files: 1 would change, 2 unchanged`; then
    /// `, 1 not formatted because of syntax errors` if any.
    fn summary(&self, check: bool) -> String {
        let (verb, changed) = if check {
            ("checked", "would change")
        } else {
            ("formatted", "changed")
        };
        let mut line = format!(
            "{verb} {}: {} {changed}, {} unchanged",
            count(self.files(), "file"),
            self.changed,
            self.unchanged
        );
        if self.refused > 0 {
            line.push_str(&format!(
                ", {} not formatted because of syntax errors",
                self.refused
            ));
        }
        line
    }
}

// ---------------------------------------------------------------------------------------------
// diff

/// `outcome diff OLD NEW`: exit 0 when the two versions mean the same, 1 when they differ,
/// 2 when either cannot be read or does not check clean (its diagnostics on stderr).
fn compare_versions(args: &DiffArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let old = version(&args.old, streams)?;
    let new = version(&args.new, streams)?;
    let (Ok(old), Ok(new)) = (old, new) else {
        return Ok(Exit::CannotRun);
    };
    let diff = crate::diff::diff(&args.old, &args.new, &old, &new);
    let text = match args.format {
        DiffFormat::Human => crate::diff::render::human(&diff),
        DiffFormat::Json => crate::diff::render::json(&diff),
        DiffFormat::Markdown => crate::diff::render::markdown_comment(&diff),
        DiffFormat::Html => crate::diff::render::html(&diff),
    };
    streams.print(&text)?;
    Ok(if diff.is_empty() {
        Exit::Success
    } else {
        Exit::ContractErrors
    })
}

/// One side of `diff`, checked: a file as `build` reads it, or `REV:PATH` read through git
/// with the files it uses at the same revision. A version with errors gets its diagnostics
/// and `Err`.
fn version(arg: &str, streams: &mut Streams) -> Result<Result<Contract, Exit>, Problem> {
    if !crate::diff::revision::is_revision(arg) {
        return Ok(checked_contract(Path::new(arg), None, streams, "compared")?
            .map_err(|_| Exit::CannotRun));
    }
    let (file, compiled) = crate::diff::revision::compile(arg, crate::syntax::MAX_FILE_BYTES)
        .map_err(Problem::Refused)?;
    if compiled.has_errors() {
        streams.human(&file, &compiled.diagnostics);
        let mut tally = Tally::default();
        tally.add(&compiled.diagnostics);
        streams.note(&format!(
            "not compared: `{}` has {}\n",
            crate::inert::escape(arg),
            count(tally.errors, "error")
        ));
        return Ok(Err(Exit::CannotRun));
    }
    match compiled.contract {
        Some(contract) => Ok(Ok(contract)),
        None => Err(Problem::NoContract {
            path: PathBuf::from(arg),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// build

fn build(args: &BuildArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let output = args.output.as_deref();
    refuse_overwrite(output, [args.file.as_path()])?;
    let (loaded, inputs) = load(&args.file)?;
    refuse_overwrite(output, inputs.iter().map(PathBuf::as_path))?;
    let (file, compiled) = (&loaded.file, &loaded.compiled);
    streams.human(file, &compiled.diagnostics);
    if compiled.has_errors() {
        let mut tally = Tally::default();
        tally.add(&compiled.diagnostics);
        streams.remark(&format!(
            "not built: `{}` has {}; nothing written\n",
            shown_as(&args.file),
            count(tally.errors, "error")
        ));
        return Ok(Exit::ContractErrors);
    }
    let Some(contract) = &compiled.contract else {
        return Err(Problem::NoContract {
            path: args.file.clone(),
        });
    };
    let document = args.format.emit(contract);
    match &args.output {
        Some(path) => fs::write(path, document).map_err(|error| Problem::Write {
            path: path.clone(),
            error,
        })?,
        None => streams.print(&document)?,
    }
    Ok(Exit::Success)
}

// ---------------------------------------------------------------------------------------------
// report and returns

/// Load a contract that checks clean, as `build` does, refusing an `output` that is the
/// contract or a file it uses. A contract with errors gets its
/// diagnostics on stderr and the exit code to stop with; warnings are not shown, so that the
/// report stands alone (`outcome check` shows them).
fn checked_contract(
    path: &Path,
    output: Option<&Path>,
    streams: &mut Streams,
    verb: &str,
) -> Result<Result<Contract, Exit>, Problem> {
    let (loaded, inputs) = load(path)?;
    checked(path, &loaded, &inputs, output, streams, verb)
}

/// `checked_contract` for a contract already loaded, with the files read for it.
fn checked(
    path: &Path,
    loaded: &Loaded,
    inputs: &[PathBuf],
    output: Option<&Path>,
    streams: &mut Streams,
    verb: &str,
) -> Result<Result<Contract, Exit>, Problem> {
    refuse_overwrite(output, inputs.iter().map(PathBuf::as_path))?;
    let (file, compiled) = (&loaded.file, &loaded.compiled);
    if compiled.has_errors() {
        streams.human(file, &compiled.diagnostics);
        let mut tally = Tally::default();
        tally.add(&compiled.diagnostics);
        streams.remark(&format!(
            "not {verb}: `{}` has {}\n",
            shown_as(path),
            count(tally.errors, "error")
        ));
        return Ok(Err(Exit::ContractErrors));
    }
    match &compiled.contract {
        Some(contract) => Ok(Ok(contract.clone())),
        None => Err(Problem::NoContract {
            path: path.to_path_buf(),
        }),
    }
}

/// A progress bar on stderr for a return that takes more than `PROGRESS_AFTER` to read: the
/// bytes read of the file's size (a spinner with the bytes read, for standard input). It is
/// drawn only on a terminal (indicatif draws nothing on a stderr that is not one, and
/// `run_streams` is told whether it is) and not with `--quiet`; a quick report never shows it.
/// Cleared when the return has been read, before the report is written.
struct Progress {
    bar: indicatif::ProgressBar,
    enabled: bool,
    started: Instant,
}

/// How long reading a return takes before the progress bar is drawn.
const PROGRESS_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            bar: indicatif::ProgressBar::hidden(),
            enabled,
            started: Instant::now(),
        }
    }

    /// `reader`, counting the bytes read on the bar; `total` is its size when known.
    fn counting<R: Read>(&self, reader: R, total: Option<u64>) -> Counted<R> {
        if let Some(total) = total {
            self.bar.set_length(total);
        }
        Counted {
            reader,
            bar: self.bar.clone(),
            total,
            enabled: self.enabled,
            shown: false,
            started: self.started,
        }
    }

    fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    /// A report that stops early (a return it cannot read) leaves no bar behind its error.
    fn drop(&mut self) {
        self.clear();
    }
}

/// A reader that moves the progress bar on by what it reads, and shows the bar once reading
/// has taken `PROGRESS_AFTER`.
struct Counted<R> {
    reader: R,
    bar: indicatif::ProgressBar,
    total: Option<u64>,
    enabled: bool,
    shown: bool,
    started: Instant,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.reader.read(buf)?;
        self.bar.inc(n as u64);
        if self.enabled && !self.shown && self.started.elapsed() >= PROGRESS_AFTER {
            self.shown = true;
            let template = match self.total {
                Some(_) => {
                    "{spinner} reading the return {bar:30} {bytes}/{total_bytes} ({eta} left)"
                }
                None => "{spinner} reading the return: {bytes}",
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                self.bar.set_style(style);
            }
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
        Ok(n)
    }
}

/// Where a return's bytes come from: a stream (a file or standard input), or a workbook's
/// file, which is read by position.
enum ReturnSource {
    Stream(Box<dyn BufRead>),
    Workbook(fs::File),
}

/// What a monitoring return's file holds, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReturnFormat {
    Csv,
    JsonLines,
    Workbook(report::sheet::Workbook),
}

impl ReturnFormat {
    fn noun(self) -> &'static str {
        match self {
            ReturnFormat::Csv => "CSV",
            ReturnFormat::JsonLines => "JSON Lines",
            ReturnFormat::Workbook(_) => "a workbook",
        }
    }

    /// A return on standard input, which has no name to go by, by its first bytes: JSON
    /// Lines when the first thing in it is `{` (no CSV header starts so), else CSV. A
    /// workbook (a zip archive) is refused: it is read by position, which a stream is not.
    fn sniff(start: &[u8]) -> Result<ReturnFormat, Problem> {
        if start.starts_with(b"PK\x03\x04") {
            return Err(Problem::Refused(
                "the return on standard input is a workbook, which is read from a file: name the file with `--returns`, or pipe the sheet as CSV".to_string(),
            ));
        }
        let start = start.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(start);
        match start.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Ok(ReturnFormat::JsonLines),
            _ => Ok(ReturnFormat::Csv),
        }
    }

    fn of(path: &Path) -> Result<ReturnFormat, Problem> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            Some("csv" | "txt" | "tsv" | "tab") => Ok(ReturnFormat::Csv),
            Some("jsonl" | "ndjson") => Ok(ReturnFormat::JsonLines),
            Some("xlsx" | "xlsm") => Ok(ReturnFormat::Workbook(report::sheet::Workbook::Xlsx)),
            Some("xls") => Err(Problem::Refused(format!(
                "`{}` is an Excel 97-2003 workbook, which is not read: save it as an Excel workbook (`.xlsx`) or as CSV UTF-8",
                path.display()
            ))),
            Some("ods") => Ok(ReturnFormat::Workbook(report::sheet::Workbook::Ods)),
            _ => Err(Problem::Refused(format!(
                "cannot tell what `{}` holds from its name: a monitoring return is CSV (`.csv`, or `.txt` and `.tsv` as Excel saves text), a workbook (`.xlsx`, `.ods`) or JSON Lines (`.jsonl`, `.ndjson`)",
                path.display()
            ))),
        }
    }
}

/// `outcome report`: read the return row by row into the engine, then write the report (or
/// one participant's trace).
fn report_return(args: &ReportArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    // From standard input, what the return holds is told from its first bytes, once read.
    let named_format = if is_stdin(&args.returns) {
        None
    } else {
        Some(ReturnFormat::of(&args.returns)?)
    };
    refuse_stdin_twice(
        [
            Some(&args.contract),
            Some(&args.returns),
            args.measures.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(PathBuf::as_path),
    )?;
    if args.explain.is_some() && args.format != ReportFormat::Human {
        return Err(Problem::Refused(
            "`--explain` prints a plain-text trace of one participant; leave out `--format`, or leave out `--explain` for the whole report as JSON or HTML".to_string(),
        ));
    }
    let output = args.output.as_deref();
    let named = [
        Some(&args.contract),
        Some(&args.returns),
        args.measures.as_ref(),
    ];
    refuse_overwrite(output, named.into_iter().flatten().map(PathBuf::as_path))?;
    let lines_format = lines_format(args)?;
    if let Some(lines) = &args.lines {
        refuse_overwrite_as(
            "--lines",
            Some(lines),
            named.into_iter().flatten().map(PathBuf::as_path),
        )?;
        if output.is_some_and(|out| files::same_destination(out, lines)) {
            return Err(Problem::Refused(format!(
                "`-o` and `--lines` both name `{}`: the report and its payment lines go to two files; give each its own",
                files::shown(lines)
            )));
        }
    }
    let (loaded, inputs) = load(&args.contract)?;
    if let Some(lines) = &args.lines {
        refuse_overwrite_as("--lines", Some(lines), inputs.iter().map(PathBuf::as_path))?;
    }
    let contract = match checked(
        &args.contract,
        &loaded,
        &inputs,
        output,
        streams,
        "reported",
    )? {
        Ok(contract) => contract,
        Err(exit) => return Ok(exit),
    };
    if let Some(until) = args.until {
        if until < contract.term.start {
            return Err(Problem::Refused(format!(
                "`--until {until}` is before the term starts on {}",
                contract.term.start
            )));
        }
    }
    let options = report::Options {
        until: args.until,
        measured: measured_values(args, &contract)?,
        listed_rejections: None,
        explain: args.explain.clone(),
    };

    let path = &args.returns;
    let read_error = |error| Problem::Read {
        path: PathBuf::from(shown_as(path)),
        error,
    };
    // The return as a stream of bytes, or a workbook's file (read whole, by position). A
    // stream is counted as it is read, for the progress bar.
    let bar = Progress::new(streams.progress);
    let (format, source) = match named_format {
        Some(format @ ReturnFormat::Workbook(_)) => {
            let (file, _) = files::open_regular(path).map_err(read_error)?;
            (format, ReturnSource::Workbook(file))
        }
        Some(format) => {
            let (file, metadata) = files::open_regular(path).map_err(read_error)?;
            let counted = bar.counting(file, Some(metadata.len()));
            let reader = io::BufReader::with_capacity(1 << 16, counted);
            (format, ReturnSource::Stream(Box::new(reader)))
        }
        None => {
            let counted = bar.counting(io::stdin().lock(), None);
            let mut reader = io::BufReader::with_capacity(1 << 16, counted);
            let format = ReturnFormat::sniff(reader.fill_buf().map_err(read_error)?)?;
            (format, ReturnSource::Stream(Box::new(reader)))
        }
    };
    if args.sheet.is_some() && !matches!(format, ReturnFormat::Workbook(_)) {
        return Err(Problem::Refused(format!(
            "`--sheet` names a sheet of a workbook, and `{}` is not one (`.xlsx`, `.ods`)",
            shown_as(path)
        )));
    }
    if (args.separator.is_some() || args.encoding.is_some()) && format != ReturnFormat::Csv {
        return Err(Problem::Refused(format!(
            "`--separator` and `--encoding` are for a CSV return, and `{}` is not one",
            shown_as(path)
        )));
    }
    let unreadable = |why: String| Problem::Unreadable {
        path: PathBuf::from(shown_as(path)),
        why,
    };
    let dates = args.date_format.map(DateFormatArg::format);
    let explain = args.explain.as_deref();
    let mut trace = Vec::new();
    // The payment lines file, created before the return is read so that a file that cannot
    // be written stops the report at once.
    let mut lines_out = match (&args.lines, lines_format) {
        (Some(path), Some(format)) => {
            let failed = |error| Problem::Write {
                path: path.clone(),
                error,
            };
            let file = fs::File::create(path).map_err(failed)?;
            let writer = io::BufWriter::with_capacity(REPORT_BUFFER_BYTES, file);
            Some(report::lines::LinesWriter::new(format, writer).map_err(failed)?)
        }
        _ => None,
    };
    let mut lines_error: Option<io::Error> = None;
    let mut write_line = |line: &report::PaymentLine| -> Result<(), String> {
        match lines_out.as_mut().map(|w| w.write(line)) {
            Some(Err(error)) => {
                let why = error.to_string();
                lines_error = Some(error);
                Err(why)
            }
            _ => Ok(()),
        }
    };
    let sink: Option<&mut report::engine::WriteLine<'_>> =
        args.lines.is_some().then_some(&mut write_line as _);
    let (report, failure) = match (format, source) {
        (ReturnFormat::Csv, ReturnSource::Stream(reader)) => {
            let csv = input::CsvOptions {
                separator: args.separator.map(Separator::byte),
                encoding: match args.encoding {
                    Some(TextEncoding::Windows1252) => Some(encoding_rs::WINDOWS_1252),
                    Some(TextEncoding::Utf8) | None => None,
                },
            };
            let mut rows = input::csv_with(reader, csv);
            if let Some(why) = rows.header_problem() {
                return Err(unreadable(format!("row 1: {why}")));
            }
            if args.separator.is_none() && rows.separator() != b',' {
                streams.remark(&format!(
                    "note: `{}` read as {}-separated, as its header line is (`--separator` to choose)\n",
                    shown_as(path),
                    input::separator_name(rows.separator())
                ));
            }
            let mut dated = input::dates(&mut rows, dates);
            refuse_slashed_dates(&mut dated, dates).map_err(unreadable)?;
            let report = run_report(&contract, &mut dated, &options, explain, &mut trace, sink);
            let not_utf8 = rows.rows_not_utf8();
            if not_utf8 > 0 && args.encoding.is_none() {
                streams.remark(&format!(
                    "note: {not_utf8} row{} of `{}` {} not UTF-8 and rejected: if it was saved as plain \"CSV\" by Excel on Windows, pass `--encoding windows-1252`\n",
                    if not_utf8 == 1 { "" } else { "s" },
                    shown_as(path),
                    if not_utf8 == 1 { "is" } else { "are" }
                ));
            }
            (report, rows.io_error().map(copy_error))
        }
        (ReturnFormat::JsonLines, ReturnSource::Stream(reader)) => {
            let mut rows = input::json_lines(reader);
            let mut dated = input::dates(&mut rows, dates);
            refuse_slashed_dates(&mut dated, dates).map_err(unreadable)?;
            let report = run_report(&contract, &mut dated, &options, explain, &mut trace, sink);
            (report, rows.io_error().map(copy_error))
        }
        (ReturnFormat::Workbook(kind), ReturnSource::Workbook(file)) => {
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            if size > report::sheet::MAX_WORKBOOK_BYTES {
                return Err(unreadable(format!(
                    "the workbook is larger than {} MB, the most read: save the sheet as CSV UTF-8, which is read row by row",
                    report::sheet::MAX_WORKBOOK_BYTES >> 20
                )));
            }
            let rows = report::sheet::sheet(io::BufReader::new(file), kind, args.sheet.as_deref())
                .map_err(unreadable)?;
            let mut dated = input::dates(rows, dates);
            refuse_slashed_dates(&mut dated, dates).map_err(unreadable)?;
            let report = run_report(&contract, &mut dated, &options, explain, &mut trace, sink);
            (report, None)
        }
        (_, _) => {
            return Err(Problem::Refused(format!(
                "`{}` cannot be read as {}",
                shown_as(path),
                format.noun()
            )))
        }
    };
    bar.clear();
    if let Some(error) = failure {
        return Err(Problem::Read {
            path: path.clone(),
            error,
        });
    }
    if let (Some(error), Some(path)) = (lines_error, &args.lines) {
        return Err(Problem::Write {
            path: path.clone(),
            error,
        });
    }
    let report = report.map_err(Problem::Refused)?;
    let lines_file = match (lines_out, &args.lines) {
        (Some(writer), Some(path)) => {
            let failed = |error| Problem::Write {
                path: path.clone(),
                error,
            };
            let (file, buffered) = writer.finish(files::shown(path)).map_err(failed)?;
            buffered
                .into_inner()
                .map_err(|e| failed(io::Error::new(e.error().kind(), e.error().to_string())))?
                .sync_data()
                .map_err(failed)?;
            Some(file)
        }
        _ => None,
    };
    // Nothing counted because every row was rejected: the report is written,
    // so that it shows why, but it is a failed report.
    let exit = match &report.nothing_counted {
        Some(nothing) => {
            streams.note(&format!(
                "error: nothing counted: every row of `{}` was rejected, {} as {}\n",
                shown_as(path),
                if nothing.one_reason { "all" } else { "most" },
                report::text::reason_words(nothing.reason)
            ));
            Exit::CannotRun
        }
        None => Exit::Success,
    };
    if explain.is_none() && args.format == ReportFormat::Json {
        // A report of millions of rows is written as it is serialised, never held whole.
        return write_json_report(
            &report,
            lines_file.as_ref(),
            args.output.as_deref(),
            streams,
        )
        .map(|written| {
            if written == Exit::Success {
                exit
            } else {
                written
            }
        });
    }
    let document = match (explain, args.format) {
        (Some(participant), _) => report::text::explain(&report, participant, &trace),
        (None, ReportFormat::Human) => {
            report::text::report_with_lines(&report, lines_file.as_ref())
        }
        (None, ReportFormat::Json) => emit::json::report(&report),
        (None, ReportFormat::Html) => {
            emit::report_html::report_with_lines(&report, lines_file.as_ref())
        }
    };
    match &args.output {
        Some(out) => fs::write(out, document).map_err(|error| Problem::Write {
            path: out.clone(),
            error,
        })?,
        None => streams.print(&document)?,
    }
    Ok(exit)
}

/// Refuse a return whose first row's date is written with slashes when `--date-format` does
/// not say in which order: `04/05/2009` is a day in May or in April, and the report does not
/// guess.
fn refuse_slashed_dates<I: Iterator<Item = Input>>(
    rows: &mut input::Dates<I>,
    format: Option<input::DateFormat>,
) -> Result<(), String> {
    if format.is_some() {
        return Ok(());
    }
    match rows.first_date() {
        Some((row, date)) if input::is_slashed_date(&date) => Err(format!(
            "row {row}: the date `{}` is written with slashes, day and month in an order the \
             file does not say; pass `--date-format dd/mm/yyyy` (14/05/2009, as in the United \
             Kingdom) or `--date-format mm/dd/yyyy` (05/14/2009, as in the United States), \
             or save the dates as year-month-day (2009-05-14)",
            date.trim()
        )),
        _ => Ok(()),
    }
}

/// The measured values of `--measures` and `--measure`, each checked against the contract.
fn measured_values(args: &ReportArgs, contract: &Contract) -> Result<Vec<Measured>, Problem> {
    let mut given: Vec<(String, Measured)> = Vec::new();
    if let Some(path) = &args.measures {
        let reader: Box<dyn Read> = if is_stdin(path) {
            Box::new(io::stdin().lock())
        } else {
            let (file, _) = files::open_regular(path).map_err(|error| Problem::Read {
                path: path.clone(),
                error,
            })?;
            Box::new(file)
        };
        let rows =
            input::measured_csv(io::BufReader::new(reader)).map_err(|why| Problem::Unreadable {
                path: PathBuf::from(shown_as(path)),
                why,
            })?;
        given.extend(
            rows.into_iter()
                .map(|(row, value)| (format!("row {row} of `{}`", shown_as(path)), value)),
        );
    }
    for arg in &args.measure {
        given.push((format!("`--measure {}`", arg.text), arg.value.clone()));
    }
    input::check_measured(contract, &given).map_err(Problem::Refused)?;
    Ok(given.into_iter().map(|(_, value)| value).collect())
}

/// Write the JSON report through a buffer to the output file or stdout.
/// The buffer a JSON report is written through: a report of many rows runs to hundreds of
/// megabytes, written in pieces of a few bytes.
const REPORT_BUFFER_BYTES: usize = 1 << 20;

fn write_json_report(
    report: &report::Report,
    lines: Option<&report::lines::LinesFile>,
    output: Option<&Path>,
    streams: &mut Streams,
) -> Result<Exit, Problem> {
    let write = |writer: &mut dyn io::Write| match lines {
        Some(lines) => emit::json::write_report_summary(report, lines, writer),
        None => emit::json::write_report(report, writer),
    };
    let written = match output {
        Some(path) => fs::File::create(path)
            .and_then(|file| {
                let mut writer = io::BufWriter::with_capacity(REPORT_BUFFER_BYTES, file);
                write(&mut writer)?;
                writer.flush()
            })
            .map_err(|error| Problem::Write {
                path: path.to_path_buf(),
                error,
            }),
        None => {
            let mut writer = io::BufWriter::with_capacity(REPORT_BUFFER_BYTES, &mut *streams.out);
            let result = write(&mut writer).and_then(|()| writer.flush());
            result.map_err(Problem::Stdout)
        }
    };
    written.map(|()| Exit::Success)
}

/// Stream the rows into the engine, keeping the rows of the participant to explain.
fn run_report(
    contract: &Contract,
    rows: &mut dyn Iterator<Item = Input>,
    options: &report::Options,
    explain: Option<&str>,
    trace: &mut Vec<Row>,
    lines: Option<&mut report::engine::WriteLine<'_>>,
) -> Result<report::Report, String> {
    let explain = explain.map(report::participant_key);
    let rows = rows.inspect(|input| {
        if let (Some(participant), Input::Row(row)) = (&explain, input) {
            if report::participant_key(&row.participant) == *participant {
                trace.push(row.clone());
            }
        }
    });
    match lines {
        Some(write) => report::engine::run_streaming(contract, rows, options, write),
        None => report::engine::run(contract, rows, options),
    }
}

/// The form of the `--lines` file: as `--lines-format` says, else as its name does.
fn lines_format(args: &ReportArgs) -> Result<Option<report::lines::LinesFormat>, Problem> {
    use report::lines::LinesFormat;
    let Some(path) = &args.lines else {
        return Ok(None);
    };
    if args.explain.is_some() {
        return Err(Problem::Refused(
            "`--explain` traces one participant and writes no payment lines file; leave out `--lines`, or leave out `--explain` for the whole report".to_string(),
        ));
    }
    if let Some(format) = args.lines_format {
        return Ok(Some(match format {
            LinesFormatArg::Csv => LinesFormat::Csv,
            LinesFormatArg::JsonLines => LinesFormat::JsonLines,
        }));
    }
    path.extension()
        .and_then(|e| LinesFormat::of_extension(&e.to_string_lossy()))
        .map(Some)
        .ok_or_else(|| {
            Problem::Refused(format!(
                "cannot tell from its name how to write the payment lines to `{}`: name it `.csv` or `.jsonl`, or pass `--lines-format csv` or `--lines-format jsonl`",
                files::shown(path)
            ))
        })
}

/// An I/O error met while streaming, to report after the reader is done with.
fn copy_error(error: &io::Error) -> io::Error {
    io::Error::new(error.kind(), error.to_string())
}

/// `outcome returns`: a generated sample return, as CSV.
fn generate_return(args: &ReturnsArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let output = args.output.as_deref();
    refuse_overwrite(output, [args.contract.as_path()])?;
    let contract = match checked_contract(&args.contract, output, streams, "generated")? {
        Ok(contract) => contract,
        Err(exit) => return Ok(exit),
    };
    let participants = args
        .participants
        .unwrap_or_else(|| report::generate::planned_participants(&contract));
    let rows = report::generate::returns(&contract, participants, args.seed);
    let attributes = rows.attributes();
    match &args.output {
        Some(path) => {
            let failed = |error| Problem::Write {
                path: path.clone(),
                error,
            };
            let file = fs::File::create(path).map_err(failed)?;
            report::generate::write_csv(rows, &attributes, io::BufWriter::new(file))
                .map_err(failed)?;
        }
        None => {
            report::generate::write_csv(rows, &attributes, &mut *streams.out)
                .map_err(Problem::Stdout)?;
        }
    }
    Ok(Exit::Success)
}

/// `outcome sql`: the report as SQL views, or a coded refusal for a rule it does not compile.
fn compile_sql(args: &SqlArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let output = args.output.as_deref();
    refuse_overwrite(output, [args.contract.as_path()])?;
    let contract = match checked_contract(&args.contract, output, streams, "compiled")? {
        Ok(contract) => contract,
        Err(exit) => return Ok(exit),
    };
    if let Some(until) = args.until.filter(|u| *u < contract.term.start) {
        return Err(Problem::Refused(format!(
            "`--until {until}` is before the term starts on {}",
            contract.term.start
        )));
    }
    let options = outcome_sql::Options {
        dialect: match args.dialect {
            SqlDialect::Duckdb => outcome_sql::Dialect::Duckdb,
            SqlDialect::Postgres => outcome_sql::Dialect::Postgres,
        },
        until: args.until,
        table: args.table.clone(),
    };
    let sql = match outcome_sql::compile(&contract, &options) {
        Ok(sql) => sql,
        Err(refusal) => {
            streams.note(&format!("{refusal}\n"));
            return Ok(Exit::ContractErrors);
        }
    };
    match output {
        Some(out) => fs::write(out, sql).map_err(|error| Problem::Write {
            path: out.to_path_buf(),
            error,
        })?,
        None => streams.print(&sql)?,
    }
    Ok(Exit::Success)
}

// ---------------------------------------------------------------------------------------------
// completions and man

/// `outcome completions SHELL`: the shell's completion script, generated from the one
/// command-line definition, so it cannot fall behind it.
fn completions(shell: clap_complete::Shell, streams: &mut Streams) -> Result<Exit, Problem> {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "outcome", &mut script);
    streams.print(&String::from_utf8_lossy(&script))?;
    Ok(Exit::Success)
}

/// `outcome man`: the manual page as roff: the synopsis, the description and the global
/// options as clap_mangen renders them, then a COMMANDS section with each subcommand, what it
/// does and its options (clap_mangen would refer to a page per subcommand, which `outcome`
/// does not install), then the examples and exit status, and the version.
fn manual(streams: &mut Streams) -> Result<Exit, Problem> {
    use clap::CommandFactory;
    let command = Cli::command();
    let man = clap_mangen::Man::new(command.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)
        .and_then(|()| man.render_name_section(&mut page))
        .and_then(|()| man.render_synopsis_section(&mut page))
        .and_then(|()| man.render_description_section(&mut page))
        .and_then(|()| man.render_options_section(&mut page))
        .map_err(Problem::Stdout)?;
    let mut commands = String::from(".SH COMMANDS\n");
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        commands.push_str(&format!(".SS \"outcome {}\"\n", roff_text(sub.get_name())));
        if let Some(about) = sub.get_about() {
            commands.push_str(&format!("{}\n", roff_text(&about.to_string())));
        }
        let args = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_global_set());
        for arg in args {
            let name = match (arg.get_long(), arg.get_short()) {
                (Some(long), Some(short)) => format!("-{short}, --{long}"),
                (Some(long), None) => format!("--{long}"),
                (None, Some(short)) => format!("-{short}"),
                (None, None) => match arg.get_value_names() {
                    Some([value, ..]) => format!("<{value}>"),
                    _ => format!("<{}>", arg.get_id()),
                },
            };
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            commands.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                roff_text(&name),
                roff_text(&help)
            ));
        }
    }
    page.extend_from_slice(commands.as_bytes());
    man.render_extra_section(&mut page)
        .and_then(|()| man.render_version_section(&mut page))
        .map_err(Problem::Stdout)?;
    streams.print(&String::from_utf8_lossy(&page))?;
    Ok(Exit::Success)
}

/// Text as roff reads it literally: a backslash and a minus escaped, and no line starting
/// with a control character (`.` or `'`).
fn roff_text(text: &str) -> String {
    text.replace('\\', "\\e")
        .replace('-', "\\-")
        .lines()
        .map(|line| {
            if line.starts_with(['.', '\'']) {
                format!("\\&{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------------------------------------
// explain

fn explain(args: &ExplainArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    if args.list {
        streams.print(&code_list())?;
        return Ok(Exit::Success);
    }
    let text = args.code.as_deref().unwrap_or_default();
    let code = Code::parse(text).ok_or_else(|| Problem::UnknownCode(text.trim().to_string()))?;
    let mut page = format!("{code}: {}\n", code.title());
    let explanation = diagnostic::explanation(code).trim();
    if !explanation.is_empty() {
        page.push('\n');
        page.push_str(explanation);
        page.push('\n');
    }
    streams.print(&page)?;
    Ok(Exit::Success)
}

/// One line per code: `E0302  error    funnel widens`.
fn code_list() -> String {
    let mut list = String::new();
    for code in Code::ALL {
        let severity = match code.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        list.push_str(&format!("{code}  {severity:<7}  {}\n", code.title()));
    }
    list
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
