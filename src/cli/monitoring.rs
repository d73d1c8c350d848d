//! `outcome report`, `outcome returns` and `outcome sql`: a monitoring return read and reported on, a sample return made, the report compiled to SQL.

use super::*;

/// Load a contract that checks clean, as `build` does, refusing an `output` that is the
/// contract or a file it uses. A contract with errors gets its
/// diagnostics on stderr and the exit code to stop with; warnings are not shown, so that the
/// report stands alone (`outcome check` shows them).
pub(super) fn checked_contract(
    path: &Path,
    output: Option<&Path>,
    streams: &mut Streams,
    verb: &str,
) -> Result<Result<Contract, Exit>, Problem> {
    let (loaded, inputs) = load(path)?;
    checked(path, &loaded, &inputs, output, streams, verb)
}

/// `checked_contract` for a contract already loaded, with the files read for it.
pub(super) fn checked(
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
        Some(contract) => Ok(Ok((**contract).clone())),
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
pub(super) struct Progress {
    bar: indicatif::ProgressBar,
    enabled: bool,
    started: Instant,
    /// Whether the bar is drawn yet (by this or by a reader it counts with).
    shown: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// How long reading a return takes before the progress bar is drawn.
pub(super) const PROGRESS_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            bar: indicatif::ProgressBar::hidden(),
            enabled,
            started: Instant::now(),
            shown: Default::default(),
        }
    }

    /// Move the bar on by `n` bytes read (on this thread: see `Progress`'s users).
    fn moved(&self, n: u64) {
        self.bar.inc(n);
        show_when_late(&self.bar, self.enabled, self.started, &self.shown);
    }

    /// `reader`, counting the bytes read on the bar; `total` is its size when known.
    fn counting<R: Read>(&self, reader: R, total: Option<u64>) -> Counted<R> {
        if let Some(total) = total {
            self.bar.set_length(total);
        }
        Counted {
            reader,
            bar: self.bar.clone(),
            enabled: self.enabled,
            shown: self.shown.clone(),
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
pub(super) struct Counted<R> {
    reader: R,
    bar: indicatif::ProgressBar,
    enabled: bool,
    shown: std::sync::Arc<std::sync::atomic::AtomicBool>,
    started: Instant,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.reader.read(buf)?;
        self.bar.inc(n as u64);
        show_when_late(&self.bar, self.enabled, self.started, &self.shown);
        Ok(n)
    }
}

/// Draw `bar` on stderr once reading has taken `PROGRESS_AFTER`, if it is `enabled` and not
/// `shown` yet; with the bytes to go when its length is known.
fn show_when_late(
    bar: &indicatif::ProgressBar,
    enabled: bool,
    started: Instant,
    shown: &std::sync::atomic::AtomicBool,
) {
    use std::sync::atomic::Ordering::Relaxed;
    if !enabled || shown.load(Relaxed) || started.elapsed() < PROGRESS_AFTER {
        return;
    }
    shown.store(true, Relaxed);
    let template = match bar.length() {
        Some(_) => "{spinner} reading the return {bar:30} {bytes}/{total_bytes} ({eta} left)",
        None => "{spinner} reading the return: {bytes}",
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
}

/// Where a return's bytes come from: a stream (a file or standard input), or a workbook's
/// file, which is read by position.
pub(super) enum ReturnSource {
    Stream(Box<dyn BufRead>),
    Workbook(fs::File),
    /// A CSV file of `length` bytes, to be read on several threads by position, each its
    /// own part a piece at a time (`report::split`).
    Parts {
        file: fs::File,
        length: u64,
    },
}

/// What a monitoring return's file holds, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReturnFormat {
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
        if report::sheet::signature(start).is_some() {
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
pub(super) fn report_return(args: &ReportArgs, streams: &mut Streams) -> Result<Exit, Problem> {
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
    if args.lines.as_deref().is_some_and(is_stdin) {
        return Err(Problem::Refused(
            "`--lines -`: the payment lines are written to a file of their own, apart from the report; name one, such as `--lines lines.csv`".to_string(),
        ));
    }
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
    // A CSV file in UTF-8 of up to `PARTS_MOST` is read in parts on several threads, when
    // there are several (`OUTCOME_THREADS`, as `workspace` counts them) and no one
    // participant's rows are traced (`report::split`).
    let threads = crate::workspace::threads();
    let in_parts = threads > 1
        && args.explain.is_none()
        && !matches!(args.encoding, Some(TextEncoding::Windows1252));
    let (format, source) = match named_format {
        Some(format @ ReturnFormat::Workbook(_)) => {
            let (file, _) = files::open_regular(path).map_err(read_error)?;
            (format, ReturnSource::Workbook(file))
        }
        Some(format) => {
            let (mut file, metadata) = files::open_regular(path).map_err(read_error)?;
            // A workbook named `.csv` would be read as text in an unknown encoding: it is
            // told so by its first bytes instead.
            let mut start = Vec::with_capacity(report::sheet::START_BYTES);
            (&mut file)
                .take(report::sheet::START_BYTES as u64)
                .read_to_end(&mut start)
                .and_then(|_| io::Seek::rewind(&mut file))
                .map_err(read_error)?;
            if let Some(why) = report::sheet::workbook_named_as_text(&start) {
                return Err(Problem::Unreadable {
                    path: PathBuf::from(shown_as(path)),
                    why,
                });
            }
            if format == ReturnFormat::Csv
                && in_parts
                && metadata.len() <= report::split::PARTS_MOST
            {
                let length = metadata.len();
                (format, ReturnSource::Parts { file, length })
            } else {
                let counted = bar.counting(file, Some(metadata.len()));
                let reader = io::BufReader::with_capacity(1 << 16, counted);
                (format, ReturnSource::Stream(Box::new(reader)))
            }
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
            let file = durable::SyncingFile::new(file);
            let writer = io::BufWriter::with_capacity(REPORT_BUFFER_BYTES, file);
            let payers = report::lines::payer_columns(&contract);
            Some(report::lines::LinesWriter::new(format, writer, &payers).map_err(failed)?)
        }
        _ => None,
    };
    let mut lines_error: Option<io::Error> = None;
    let line_format = lines_out.as_ref().map(report::lines::LinesWriter::format);
    let mut write_lines = |bytes: &[u8], lines: u64| -> Result<(), String> {
        match lines_out.as_mut().map(|w| w.write_formatted(bytes, lines)) {
            Some(Err(error)) => {
                let why = error.to_string();
                lines_error = Some(error);
                Err(why)
            }
            _ => Ok(()),
        }
    };
    // The lines: to their file; all held, for the JSON report and a participant explained;
    // only the first few held, the others counted, for the human and HTML reports, which list
    // no more.
    let sink = match line_format {
        Some(format) => report::engine::Lines::Written(report::lines::LinesOut {
            format,
            write: &mut write_lines,
        }),
        None => match (explain, args.format) {
            (None, ReportFormat::Human) => report::engine::Lines::First(report::text::FIRST),
            (None, ReportFormat::Html) => {
                report::engine::Lines::First(emit::report_html::MAX_PAYMENT_LINES)
            }
            _ => report::engine::Lines::Held,
        },
    };
    let (report, failure) = match (format, source) {
        (ReturnFormat::Csv, source @ (ReturnSource::Stream(_) | ReturnSource::Parts { .. })) => {
            // A file read in parts is also a stream: its header and first rows are read so,
            // and the rest too if it is not one to read in parts (`report::split`). Reading
            // by position leaves the stream where it is.
            let (reader, parts): (Box<dyn BufRead>, _) = match source {
                ReturnSource::Stream(reader) => (reader, None),
                ReturnSource::Parts { file, length } => {
                    let stream = file.try_clone().map_err(read_error)?;
                    let counted = bar.counting(stream, Some(length));
                    let reader = io::BufReader::with_capacity(1 << 16, counted);
                    (Box::new(reader), Some((file, length)))
                }
                ReturnSource::Workbook(_) => (Box::new(io::empty()), None),
            };
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
            let layout = report::split::Layout::of(&rows);
            let mut dated = input::dates(&mut rows, dates);
            refuse_slashed_dates(&mut dated, dates).map_err(unreadable)?;
            let split = match (&parts, &layout) {
                (Some((file, length)), Some(layout)) => {
                    // Only this thread moves the bar (it draws on stderr, which this thread
                    // holds): the others add up what they read for it to take on.
                    let this = std::thread::current().id();
                    let others = std::sync::atomic::AtomicU64::new(0);
                    let read = |n: u64| {
                        use std::sync::atomic::Ordering::Relaxed;
                        if std::thread::current().id() == this {
                            bar.moved(n + others.swap(0, Relaxed));
                        } else {
                            others.fetch_add(n, Relaxed);
                        }
                    };
                    let source = report::split::Source::File {
                        file,
                        length: *length,
                        piece: PIECE_BYTES,
                        read: &read,
                    };
                    let streamed = bar.bar.position();
                    bar.bar.set_position(0);
                    let parted = report::split::read_parts(
                        &contract,
                        &options,
                        source,
                        layout,
                        dates,
                        (threads, None),
                    );
                    if parted.is_none() {
                        // Read row by row from where the stream is, the bar with it.
                        bar.bar.set_position(streamed);
                    }
                    parted
                }
                _ => None,
            };
            let (report, not_utf8, failure) = match split {
                Some(parted) => {
                    drop(dated);
                    drop(rows);
                    let read = parted.judge(&options);
                    let not_utf8 = read.rows_not_utf8();
                    (read.report(&options, sink), not_utf8, None)
                }
                None => {
                    let report =
                        run_report(&contract, &mut dated, &options, explain, &mut trace, sink);
                    let failure = rows.io_error().map(copy_error);
                    (report, rows.rows_not_utf8(), failure)
                }
            };
            if not_utf8 > 0 && args.encoding.is_none() {
                streams.remark(&format!(
                    "note: {not_utf8} row{} of `{}` {} not UTF-8 and rejected: if it was saved as plain \"CSV\" by Excel on Windows, pass `--encoding windows-1252`\n",
                    if not_utf8 == 1 { "" } else { "s" },
                    shown_as(path),
                    if not_utf8 == 1 { "is" } else { "are" }
                ));
            }
            (report, failure)
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
                .finish()
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
        (None, ReportFormat::Html) => emit::report_html::report_with_lines(
            &report,
            lines_file.as_ref(),
            super::paper(args.paper),
        ),
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
pub(super) fn refuse_slashed_dates<I: Iterator<Item = Input>>(
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
pub(super) fn measured_values(
    args: &ReportArgs,
    contract: &Contract,
) -> Result<Vec<Measured>, Problem> {
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
pub(super) const REPORT_BUFFER_BYTES: usize = 1 << 20;

/// The most bytes of a return each thread reads at once when it reads its part by position
/// (`report::split::Source::File`): a megabyte, held once a thread, not the whole file.
const PIECE_BYTES: usize = 1 << 20;

pub(super) fn write_json_report(
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
pub(super) fn run_report(
    contract: &Contract,
    rows: &mut dyn Iterator<Item = Input>,
    options: &report::Options,
    explain: Option<&str>,
    trace: &mut Vec<Row>,
    lines: report::engine::Lines<'_>,
) -> Result<report::Report, String> {
    let explain = explain.map(report::participant_key);
    let rows = rows.inspect(|input| {
        if let (Some(participant), Input::Row(row)) = (&explain, input) {
            if report::participant_key(&row.participant) == *participant {
                trace.push(row.clone());
            }
        }
    });
    report::engine::run_with(contract, rows, options, lines)
}

/// The form of the `--lines` file: as `--lines-format` says, else as its name does.
pub(super) fn lines_format(
    args: &ReportArgs,
) -> Result<Option<report::lines::LinesFormat>, Problem> {
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
pub(super) fn copy_error(error: &io::Error) -> io::Error {
    io::Error::new(error.kind(), error.to_string())
}

/// `outcome returns`: a generated sample return, as CSV.
pub(super) fn generate_return(args: &ReturnsArgs, streams: &mut Streams) -> Result<Exit, Problem> {
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
pub(super) fn compile_sql(args: &SqlArgs, streams: &mut Streams) -> Result<Exit, Problem> {
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
