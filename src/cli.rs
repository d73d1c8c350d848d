//! The command line: `check`, `build`, `explain` and `schema`.
//!
//! This is the only module that knows about terminals, standard streams and exit codes. It
//! takes the parsed command line, reads files, runs the library's pipeline (`syntax::decode`,
//! `compile`, `emit`) and hands back an `Exit`. Diagnostics for people go to stderr through
//! miette; machine-readable output (`check --format json`, `build`, `schema`) goes to stdout,
//! which then holds nothing else.
//!
//! A problem that stops the tool itself (a missing file, a directory without contracts, an
//! output that cannot be written) is one line on stderr, `error: …`, and exit code 2; it is
//! never a panic.

use crate::diagnostic::{self, Code, Diagnostic, Record, Severity};
use crate::emit;
use crate::model::Contract;
use crate::source::SourceFile;
use crate::Compiled;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

const EXAMPLES: &str = "\
Examples:
  outcome check specs/
  outcome check --format json specs/drug-service.outcome
  outcome build specs/drug-service.outcome --format json -o drug-service.json
  outcome explain E0302
  outcome explain --list
  outcome schema > contract.schema.json

Exit status: 0 when every contract checks (warnings allowed), 1 when any contract has errors,
2 when the tool could not run (bad arguments, a file that cannot be read or written).";

/// The extension of contract files, looked for below a directory given to `check`.
const EXTENSION: &str = "outcome";

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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check contracts and report every problem found
    Check(CheckArgs),
    /// Compile one contract into a document (JSON); nothing is written if it has errors
    Build(BuildArgs),
    /// Explain a diagnostic code: what it means, an example, how to fix it
    Explain(ExplainArgs),
    /// Print the JSON Schema of the document `build --format json` writes
    Schema,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Contract files, or directories to search for `*.outcome` files
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// How to print diagnostics
    #[arg(long, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub format: DiagnosticFormat,
}

/// How `check` prints diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagnosticFormat {
    /// Reports with the source and labels, on stderr, then a summary line
    Human,
    /// One JSON object per diagnostic per line, on stdout
    Json,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The contract file to compile
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
}

impl OutputFormat {
    fn emit(self, contract: &Contract) -> String {
        match self {
            OutputFormat::Json => emit::json::contract(contract),
        }
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
    let color = stderr_wants_color();
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    run_with(cli, &mut out, &mut err, color)
}

/// Run a parsed command line, writing to the given streams; `color` says whether human
/// diagnostics on `err` may use colour.
pub fn run_with(cli: Cli, out: &mut dyn Write, err: &mut dyn Write, color: bool) -> Exit {
    let mut streams = Streams { out, err, color };
    let result = match cli.command {
        Command::Check(args) => check(&args, &mut streams),
        Command::Build(args) => build(&args, &mut streams),
        Command::Explain(args) => explain(&args, &mut streams),
        Command::Schema => streams.print(&emit::json::schema()).map(|()| Exit::Success),
    };
    match result {
        Ok(exit) => exit,
        Err(problem) => {
            streams.problem(&problem);
            Exit::CannotRun
        }
    }
}

/// Colour only for a person at a terminal who has not asked for none (<https://no-color.org>:
/// a set, non-empty `NO_COLOR`).
fn stderr_wants_color() -> bool {
    let no_color = matches!(std::env::var_os("NO_COLOR"), Some(value) if !value.is_empty());
    !no_color && io::stderr().is_terminal()
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
                write!(f, "no `.{EXTENSION}` files in `{}`", dir.display())
            }
            Problem::UnknownCode(code) => write!(
                f,
                "unknown code `{code}`; `outcome explain --list` shows every code"
            ),
            Problem::Serialize(error) => write!(f, "cannot write a diagnostic as JSON: {error}"),
            Problem::NoContract { path } => write!(
                f,
                "`{}` reported no error but produced no contract; this is a bug in outcome",
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

struct Streams<'a> {
    out: &'a mut dyn Write,
    err: &'a mut dyn Write,
    color: bool,
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

    fn problem(&mut self, problem: &Problem) {
        // A reader that closed the pipe (`outcome schema | head`) wants no more output.
        if matches!(problem, Problem::Stdout(error) if error.kind() == io::ErrorKind::BrokenPipe) {
            return;
        }
        self.note(&format!("error: {problem}\n"));
    }

    fn human(&mut self, file: &SourceFile, diagnostics: &[Diagnostic]) {
        for diagnostic in diagnostics {
            let report = diagnostic::render_human(file, diagnostic, self.color);
            self.note(&report);
            if !report.ends_with('\n') {
                self.note("\n");
            }
        }
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

fn check(args: &CheckArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let mut unreadable = false;
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    for path in &args.paths {
        match contract_files(path) {
            Ok(found) => {
                for file in found {
                    if seen.insert(file.clone()) {
                        files.push(file);
                    }
                }
            }
            Err(problem) => {
                streams.problem(&problem);
                unreadable = true;
            }
        }
    }

    let mut tally = Tally::default();
    for path in &files {
        let (file, compiled) = match load(path) {
            Ok(loaded) => loaded,
            Err(problem) => {
                streams.problem(&problem);
                unreadable = true;
                continue;
            }
        };
        tally.add(&compiled.diagnostics);
        match args.format {
            DiagnosticFormat::Human => streams.human(&file, &compiled.diagnostics),
            DiagnosticFormat::Json => streams.json_lines(&file, &compiled.diagnostics)?,
        }
    }

    if args.format == DiagnosticFormat::Human && tally.files > 0 {
        streams.note(&format!("{}\n", tally.summary()));
    }
    Ok(if unreadable {
        Exit::CannotRun
    } else if tally.errors > 0 {
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

    /// `checked 2 files: 1 error, 3 warnings`
    fn summary(&self) -> String {
        format!(
            "checked {}: {}, {}",
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

/// The contract files a path names: the file itself, or every `*.outcome` file below a
/// directory, sorted by path. A file named explicitly is checked whatever its extension.
/// Symbolic links to files are followed; links to directories are not, so a link cycle cannot
/// make the search run forever.
fn contract_files(path: &Path) -> Result<Vec<PathBuf>, Problem> {
    let metadata = fs::metadata(path).map_err(|error| Problem::Read {
        path: path.to_path_buf(),
        error,
    })?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let read = |error| Problem::Read {
            path: dir.clone(),
            error,
        };
        for entry in fs::read_dir(&dir).map_err(read)? {
            let entry = entry.map_err(read)?;
            let entry_path = entry.path();
            let kind = entry.file_type().map_err(|error| Problem::Read {
                path: entry_path.clone(),
                error,
            })?;
            if kind.is_dir() {
                pending.push(entry_path);
            } else if is_contract(&entry_path) && (kind.is_file() || entry_path.is_file()) {
                found.push(entry_path);
            }
        }
    }
    if found.is_empty() {
        return Err(Problem::NoContracts {
            dir: path.to_path_buf(),
        });
    }
    found.sort();
    Ok(found)
}

fn is_contract(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == EXTENSION)
}

/// Read, decode and compile one file. A file that is not UTF-8 gives its E0102 diagnostic
/// against a lossy copy of the text, like any other diagnostic.
fn load(path: &Path) -> Result<(SourceFile, Compiled), Problem> {
    let bytes = fs::read(path).map_err(|error| Problem::Read {
        path: path.to_path_buf(),
        error,
    })?;
    let name = path.display().to_string();
    Ok(crate::compile_bytes(&name, &bytes))
}

// ---------------------------------------------------------------------------------------------
// build

fn build(args: &BuildArgs, streams: &mut Streams) -> Result<Exit, Problem> {
    let (file, compiled) = load(&args.file)?;
    streams.human(&file, &compiled.diagnostics);
    if compiled.has_errors() {
        let mut tally = Tally::default();
        tally.add(&compiled.diagnostics);
        streams.note(&format!(
            "not built: `{}` has {}; nothing written\n",
            args.file.display(),
            count(tally.errors, "error")
        ));
        return Ok(Exit::ContractErrors);
    }
    let Some(contract) = compiled.contract else {
        return Err(Problem::NoContract {
            path: args.file.clone(),
        });
    };
    let document = args.format.emit(&contract);
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
        assert_eq!(tally.summary(), "checked 2 files: 1 error, 0 warnings");
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
