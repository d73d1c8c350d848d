//! A CSV return read on several threads (`report::split`) gives the report reading it row by
//! row gives, byte for byte: on 1, 2 and 4 threads, every form of the report and of the
//! payment lines, for generated returns damaged with every kind of row a report rejects.

mod common;
use common::{outcome, Scratch};
use outcome::model::Contract;
use outcome::report::{self, engine, generate, input, split, Options};
use std::path::Path;

fn contract(path: &str) -> Contract {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let mut workspace = outcome::workspace::Workspace::for_path(&path).unwrap();
    let loaded = workspace.load(&path).unwrap();
    (**loaded.compiled.contract.as_ref().unwrap()).clone()
}

/// A generated return of `participants` (more than the cohort holds), damaged: a byte order
/// mark; CRLF line breaks when `crlf` (and one row ended by a `\r` alone); blank lines;
/// rows of separators alone; quoted fields, spaces around fields, references in other case; dates with a time of day
/// (and one that is not a time), and an Excel date serial number; duplicates of rows of the
/// first half in the second; rows of every kind a report rejects on their own, in both
/// halves; participants with no entry; references beyond 23 bytes and beyond ASCII.
fn damaged(contract: &Contract, participants: u64, seed: u64, crlf: bool) -> Vec<u8> {
    let rows = generate::returns(contract, participants, seed);
    let attributes = rows.attributes();
    let mut csv = Vec::new();
    generate::write_csv(rows, &attributes, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header = lines.remove(0);
    let width = header.split(',').count();
    let fields = |line: &str| -> Vec<String> { line.split(',').map(str::to_string).collect() };
    let with = |line: &str, i: usize, value: &str| {
        let mut f = fields(line);
        f[i] = value.to_string();
        f.join(",")
    };
    let half = lines.len() / 2;
    let mut out: Vec<Vec<u8>> = vec![[b"\xEF\xBB\xBF".as_slice(), header.as_bytes()].concat()];
    let mut evidenced = lines.iter().filter(|l| !fields(l)[3].is_empty());
    let (first_evidenced, second_evidenced) = (
        evidenced.next().cloned().unwrap_or_default(),
        evidenced.nth(half / 4).cloned().unwrap_or_default(),
    );
    for (i, line) in lines.iter().enumerate() {
        let f = fields(line);
        let damaged = match i % 97 {
            5 => format!("\"{}\",{}", f[0], f[1..].join(",")),
            11 => f
                .iter()
                .map(|v| format!(" {v} "))
                .collect::<Vec<_>>()
                .join(","),
            17 => with(line, 0, &f[0].to_lowercase()),
            23 => with(line, 1, &format!("{}x", f[1])),
            3 => with(line, 2, &format!("{} 0:00:00", f[2])),
            7 => with(line, 2, &format!("{}T10:15:30.250", f[2])),
            13 => with(line, 2, &format!("{} 25:00", f[2])),
            29 => with(line, 2, "2009-13-45"),
            31 => with(line, 2, "01/02/2010"),
            37 => with(line, 2, "1999-01-01"),
            41 => with(line, 4, "nobody"),
            43 => with(line, 0, ""),
            47 => f[..width - 1].join(","),
            53 => format!("{line},extra"),
            59 => ",".repeat(width - 1).replace(',', " , "),
            89 => with(line, 2, "39911"),
            61 => format!("{}x\"y,{}", f[0], f[1..].join(",")),
            67 => with(line, 3, "\"register, signed\""),
            71 => with(line, 0, &format!("Z-NEW-{i}")),
            73 => with(
                line,
                0,
                &format!("A-reference-longer-than-the-table-holds-{}", f[0]),
            ),
            79 => with(line, 0, &format!("Ünïcode-{}", f[0])),
            83 => with(line, 0, &format!("ünÏcode-{}", f[0])),
            _ => line.clone(),
        };
        out.push(damaged.into_bytes());
        if i % 89 == 7 {
            out.push(Vec::new());
        }
        // Blank rows as a spreadsheet saves them: separators alone, or empty quoted values.
        if i % 83 == 11 {
            out.push(",".repeat(width - 1).into_bytes());
            out.push(vec!["\"\""; width].join(",").into_bytes());
        }
        if i % 101 == 3 {
            out.push(with(line, 0, &format!("P\u{0}{}", f[0])).into_bytes());
            out.push([f[0].as_bytes(), b"\xFF,", f[1..].join(",").as_bytes()].concat());
        }
        if i == half {
            for line in [&first_evidenced, &second_evidenced] {
                if !line.is_empty() {
                    out.push(with(line, 3, "").into_bytes());
                }
            }
        }
        // Rows of the first half again in the second: duplicates, their first row far away.
        if i > half && i % 13 == 0 {
            out.push(lines[i - half].clone().into_bytes());
        }
        if i % 19 == 0 {
            out.push(line.clone().into_bytes());
        }
    }
    let mut bytes = Vec::new();
    for (i, line) in out.iter().enumerate() {
        bytes.extend_from_slice(line);
        bytes.extend_from_slice(match (crlf, i % 211 == 100) {
            (_, true) => b"\r",
            (true, false) => b"\r\n",
            (false, false) => b"\n",
        });
    }
    bytes
}

/// Contracts of one cohort held to its size, of eligibility conditions (with an attribute
/// column), and of several funnels and payers.
const CONTRACTS: [&str; 3] = [
    "specs/drug-service.outcome",
    "specs/employment-ladder.outcome",
    "specs/rough-sleeping.outcome",
];

/// The report made from a whole return on `threads` threads is the report made row by row,
/// for every way of making it; and the return is one read so (not handed back).
#[test]
fn a_return_read_on_threads_gives_the_report_read_row_by_row() {
    let on_threads: Vec<(usize, Option<usize>)> = [2, 3, 4, 7].map(|t| (t, None)).to_vec();
    for path in CONTRACTS {
        let contract = contract(path);
        for crlf in [false, true] {
            let bytes = damaged(&contract, 400, 3, crlf);
            let mid = contract.term.start.day_number() / 2 + contract.term.end.day_number() / 2;
            for options in [
                Options::default(),
                Options {
                    listed_rejections: Some(7),
                    ..Options::default()
                },
                Options {
                    until: Some(outcome::value::Date::from_day_number(mid)),
                    listed_rejections: Some(0),
                    ..Options::default()
                },
            ] {
                read_as_row_by_row(path, &contract, &bytes, &options, None, &on_threads);
            }
        }
    }
}

/// However many shards the participants are sent to (more than threads, as for a large
/// return, or fewer), the report is the one made row by row.
#[test]
fn a_return_read_in_many_shards_gives_the_report_read_row_by_row() {
    let mut runs = Vec::new();
    for threads in [1, 2, 3] {
        for shards in [1, 2, 5, 16, 64] {
            runs.push((threads, Some(shards)));
        }
    }
    for path in CONTRACTS {
        let contract = contract(path);
        for bytes in [
            damaged(&contract, 400, 5, false),
            crowded(&contract, 400, 5),
        ] {
            for options in [
                Options::default(),
                Options {
                    listed_rejections: Some(3),
                    ..Options::default()
                },
            ] {
                read_as_row_by_row(path, &contract, &bytes, &options, None, &runs);
            }
        }
    }
}

/// A return read from its file by position, each thread its part a piece at a time, gives
/// the report read row by row: with pieces from one byte (a line break, a `\r\n`, split
/// between two) to more than the file; and when the file has grown since its length was
/// taken (the last part reads on to its end) or shrunk (not read so, or read whole).
#[test]
fn a_return_read_from_its_file_a_piece_at_a_time_gives_the_report_read_row_by_row() {
    let scratch = Scratch::new("pieces");
    let path = CONTRACTS[0];
    let contract = contract(path);
    let options = Options::default();
    for crlf in [false, true] {
        let bytes = damaged(&contract, 200, 7, crlf);
        let file_path = scratch.file(&format!("return-{crlf}.csv"), &bytes);
        let file = std::fs::File::open(&file_path).unwrap();
        let rows = input::dates(input::csv(bytes.as_slice()), None);
        let expected = engine::run(&contract, rows, &options).unwrap();
        let expected = serde_json::to_string(&expected).unwrap();
        let layout = split::Layout::of(&input::csv(bytes.as_slice())).unwrap();
        let read_bytes = std::sync::atomic::AtomicU64::new(0);
        let count = |n: u64| {
            read_bytes.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        };
        let length = bytes.len() as u64;
        for taken in [length, length - 300, length / 2, length + 5000] {
            for piece in [1, 2, 7, 100, 4096, 1 << 20] {
                for threads in [1, 2, 3] {
                    read_bytes.store(0, std::sync::atomic::Ordering::Relaxed);
                    let source = split::Source::File {
                        file: &file,
                        length: taken,
                        piece,
                        read: &count,
                    };
                    let whole = split::read_in_shards(
                        &contract, &options, source, &layout, None, threads, None,
                    );
                    let run = format!("crlf {crlf}, length taken {taken} of {length}, piece {piece}, {threads} threads");
                    let Some(whole) = whole else {
                        assert!(taken > length, "not read in parts: {run}");
                        continue;
                    };
                    let report = whole.report(&options, engine::Lines::Held).unwrap();
                    assert_eq!(serde_json::to_string(&report).unwrap(), expected, "{run}");
                    let read = read_bytes.load(std::sync::atomic::Ordering::Relaxed);
                    // Every byte after the header's line, once.
                    assert!(
                        read <= length && length - read < 200,
                        "{read} bytes read: {run}"
                    );
                }
            }
        }
    }
}

/// A header longer than the first window read for it (64 KB of column names) is found in
/// a longer one, and the rows under it read in parts as row by row.
#[test]
fn a_header_of_many_columns_is_found_past_the_first_window() {
    let scratch = Scratch::new("long-header");
    let contract = contract(CONTRACTS[0]);
    let options = Options::default();
    let rows = generate::returns(&contract, 40, 3);
    let attributes = rows.attributes();
    let mut generated = Vec::new();
    generate::write_csv(rows, &attributes, &mut generated).unwrap();
    let text = String::from_utf8(generated).unwrap();
    let extra = 9000;
    let mut lines = text.lines();
    let mut csv = lines.next().unwrap().to_string();
    for i in 0..extra {
        csv.push_str(&format!(",note_{i}"));
    }
    csv.push('\n');
    for line in lines {
        csv.push_str(line);
        csv.push_str(&",".repeat(extra));
        csv.push('\n');
    }
    assert!(csv.find('\n').unwrap() > 1 << 16);
    let bytes = csv.into_bytes();
    let path = scratch.file("return.csv", &bytes);
    let file = std::fs::File::open(&path).unwrap();
    let rows = input::dates(input::csv(bytes.as_slice()), None);
    let expected = serde_json::to_string(&engine::run(&contract, rows, &options).unwrap()).unwrap();
    let layout = split::Layout::of(&input::csv(bytes.as_slice())).unwrap();
    let source = split::Source::File {
        file: &file,
        length: bytes.len() as u64,
        piece: 1 << 16,
        read: &|_| {},
    };
    let whole = split::read(&contract, &options, source, &layout, None, 2).unwrap();
    let report = whole.report(&options, engine::Lines::Held).unwrap();
    assert_eq!(serde_json::to_string(&report).unwrap(), expected);
}

/// Assert that the return `bytes` read whole on each of `runs` (threads, and shards or the
/// default) gives the report read row by row, its dates read as `dates` says.
fn read_as_row_by_row(
    path: &str,
    contract: &Contract,
    bytes: &[u8],
    options: &Options,
    dates: Option<input::DateFormat>,
    runs: &[(usize, Option<usize>)],
) {
    let rows = input::dates(input::csv(bytes), dates);
    let expected = engine::run(contract, rows, options).unwrap();
    let expected = serde_json::to_string(&expected).unwrap();
    let read = input::csv(bytes);
    let layout = split::Layout::of(&read).unwrap();
    for &(threads, shards) in runs {
        let whole = split::read_in_shards(
            contract,
            options,
            split::Source::Held(bytes),
            &layout,
            dates,
            threads,
            shards,
        )
        .unwrap_or_else(|| panic!("{path}: not read on threads"));
        let report = whole.report(options, engine::Lines::Held).unwrap();
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            expected,
            "{path}, {threads} threads, {shards:?} shards, {options:?}"
        );
    }
}

/// A return whose participants all enter on the same day, their references in upper and
/// lower case: a cohort is filled by the first of them in the order of their references
/// (ignoring case), so the report depends on the participants being put in that order
/// whichever shard each is judged in.
fn crowded(contract: &Contract, participants: u64, seed: u64) -> Vec<u8> {
    let rows = generate::returns(contract, participants, seed);
    let attributes = rows.attributes();
    let mut csv = Vec::new();
    generate::write_csv(rows, &attributes, &mut csv).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let entries: Vec<&str> = contract
        .funnels
        .iter()
        .map(|f| f.stages[0].id.as_str())
        .collect();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<Vec<String>> = lines
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect();
    let first_entry = rows
        .iter()
        .filter(|f| entries.contains(&f[1].as_str()))
        .map(|f| f[2].clone())
        .min()
        .unwrap();
    let mut out = format!("{header}\n");
    for (i, mut f) in rows.into_iter().enumerate() {
        if entries.contains(&f[1].as_str()) {
            f[2] = first_entry.clone();
        }
        f[0] = match i % 3 {
            0 => f[0].to_uppercase(),
            1 => f[0].to_lowercase(),
            _ => f[0].clone(),
        };
        out.push_str(&f.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

/// The damage rejects rows for every reason a row is rejected on its own, as duplicates,
/// without an entry, and beyond the cohort size.
#[test]
fn the_damaged_return_is_rejected_for_every_kind_of_reason() {
    let contract = contract(CONTRACTS[0]);
    let bytes = damaged(&contract, 400, 3, true);
    let rows = input::dates(input::csv(bytes.as_slice()), None);
    let report = engine::run(&contract, rows, &Options::default()).unwrap();
    let reasons: Vec<report::Rejection> = report
        .rows
        .rejected_by_reason
        .iter()
        .filter(|c| c.rows > 0)
        .map(|c| c.reason)
        .collect();
    use report::Rejection::*;
    for reason in [
        Malformed,
        UnknownStage,
        BadDate,
        OutsideTerm,
        NotReferred,
        Duplicate,
        MissingEvidence,
        WrongCohort,
        BeyondCohortSize,
    ] {
        assert!(reasons.contains(&reason), "{reason:?} in {reasons:?}");
    }
}

/// Dates written day/month/year or day.month.year with a time of day, as a spreadsheet saves
/// date-time cells, read as `--date-format` says: the report on threads is the one made row
/// by row, and the dates with a time are accepted (a time that is not one rejected).
#[test]
fn dates_with_a_time_of_day_read_on_threads_as_row_by_row() {
    let path = CONTRACTS[0];
    let contract = contract(path);
    let damaged = damaged(&contract, 200, 6, false);
    let runs = [(2, None), (4, None)];
    for (format, mark) in [
        (input::DateFormat::DayMonthYear, "/"),
        (input::DateFormat::DayMonthYearDots, "."),
    ] {
        let mut out: Vec<u8> = Vec::new();
        for (i, line) in damaged.split_inclusive(|&b| b == b'\n').enumerate() {
            let mut fields: Vec<Vec<u8>> = line.split(|&b| b == b',').map(<[u8]>::to_vec).collect();
            let date = fields
                .get(2)
                .and_then(|d| String::from_utf8(d.clone()).ok())
                .unwrap_or_default();
            let (day, time) = date.split_once(' ').unwrap_or((&date, ""));
            let parts: Vec<&str> = day.split('-').collect();
            if i > 0 && parts.len() == 3 && parts[0].len() == 4 {
                let time = match (time, i % 3) {
                    ("", 0) => " 10:15".to_string(),
                    ("", 1) => " 0:00:00".to_string(),
                    ("", _) => String::new(),
                    (time, _) => format!(" {time}"),
                };
                fields[2] =
                    format!("{}{mark}{}{mark}{}{time}", parts[2], parts[1], parts[0]).into_bytes();
            }
            out.extend_from_slice(&fields.join(&b","[..]));
        }
        let bytes = out;
        let rows = input::dates(input::csv(bytes.as_slice()), Some(format));
        let report = engine::run(&contract, rows, &Options::default()).unwrap();
        assert!(report.rows.accepted > 0, "{format:?}");
        read_as_row_by_row(
            path,
            &contract,
            &bytes,
            &Options::default(),
            Some(format),
            &runs,
        );
    }
}

/// Rows of separators alone above the header and among the rows, as a spreadsheet saves its
/// blank rows, are skipped on threads as row by row: the report is the same, and such rows
/// are not read nor rejected.
#[test]
fn rows_of_separators_alone_are_skipped_on_threads_as_row_by_row() {
    let runs = [(2, None), (4, None)];
    for path in CONTRACTS {
        let contract = contract(path);
        let damaged = damaged(&contract, 200, 7, true);
        let body = damaged.strip_prefix(b"\xEF\xBB\xBF").unwrap();
        let bytes = [b",,,,\r\n\r\n , ,\r\n".as_slice(), body].concat();
        read_as_row_by_row(path, &contract, &bytes, &Options::default(), None, &runs);
        let rows = input::dates(input::csv(bytes.as_slice()), None);
        let report = engine::run(&contract, rows, &Options::default()).unwrap();
        assert!(
            report
                .rejected
                .iter()
                .all(|r| r.detail != "the row is empty"),
            "{path}"
        );
        // The header is found on its row, below the blank rows: the first row is row 5.
        assert!(report.rejected.iter().all(|r| r.row >= 5), "{path}");
        let with_blank_rows = report.rows.read;
        let rows = input::dates(input::csv(damaged.as_slice()), None);
        let report = engine::run(&contract, rows, &Options::default()).unwrap();
        assert_eq!(with_blank_rows, report.rows.read, "{path}");
    }
}

/// A quoted value that holds a line break makes a row of two lines: such a return is read row
/// by row (`split::read` hands it back), and its report is still the same on every thread.
#[test]
fn a_row_over_two_lines_is_read_row_by_row() {
    let contract = contract(CONTRACTS[0]);
    let mut bytes = damaged(&contract, 100, 4, false);
    bytes.extend_from_slice(b"P000001,attend,2009-05-01,\"register\nline two\",adults\n");
    let read = input::csv(bytes.as_slice());
    let layout = split::Layout::of(&read).unwrap();
    assert!(split::read(
        &contract,
        &Options::default(),
        split::Source::Held(&bytes),
        &layout,
        None,
        2
    )
    .is_none());
}

/// Every form of the report, and of the payment lines, is the same bytes on 1, 2 and 4
/// threads, with the same messages and exit code.
#[test]
fn every_output_is_the_same_bytes_on_one_two_and_four_threads() {
    let scratch = Scratch::new("threads");
    for (c, path) in CONTRACTS.iter().enumerate() {
        let contract = contract(path);
        for (crlf, quote) in [(false, false), (true, false), (false, true)] {
            let mut bytes = damaged(&contract, 300, 5, crlf);
            if quote {
                bytes.extend_from_slice(b"P000001,attend,2009-05-01,\"two\nlines\",adults\n");
            }
            let returns = scratch.file(&format!("return-{c}-{crlf}-{quote}.csv"), &bytes);
            let returns = returns.to_str().unwrap();
            let lines_csv = scratch.path("lines.csv");
            let lines_jsonl = scratch.path("lines.jsonl");
            let runs: [(&str, Option<&Path>); 6] = [
                ("json", None),
                ("human", None),
                ("html", None),
                ("json", Some(&lines_csv)),
                ("json", Some(&lines_jsonl)),
                ("human", Some(&lines_csv)),
            ];
            for (format, lines) in runs {
                let mut outputs = Vec::new();
                for threads in ["1", "2", "4"] {
                    let mut command = outcome();
                    command.env("OUTCOME_THREADS", threads).args([
                        "report",
                        path,
                        "--returns",
                        returns,
                        "--format",
                        format,
                    ]);
                    if let Some(lines) = lines {
                        command.arg("--lines").arg(lines);
                    }
                    let output = command.output().unwrap();
                    let written = lines.map(|l| std::fs::read(l).unwrap());
                    outputs.push((threads, output, written));
                }
                let (_, first, first_lines) = &outputs[0];
                assert!(
                    first.status.code() == Some(0),
                    "{path}: {}",
                    String::from_utf8_lossy(&first.stderr)
                );
                for (threads, output, written) in &outputs[1..] {
                    let what = format!("{path} --format {format} {lines:?}, {threads} threads");
                    assert_eq!(output.status.code(), first.status.code(), "{what}");
                    assert!(output.stdout == first.stdout, "{what}: stdout differs");
                    assert!(output.stderr == first.stderr, "{what}: stderr differs");
                    assert!(written == first_lines, "{what}: lines differ");
                }
            }
        }
    }
}

/// Contracts whose payments go through every rule the payment lines are put into words by:
/// attachment fees, exclusive alternatives, per-participant maxima and participant limits,
/// deadweight, caps of groups, of outcome payments and of the total, and payers.
const PAYING: [&str; 6] = [
    "specs/rough-sleeping.outcome",
    "specs/employment-ladder.outcome",
    "specs/troubled-families.outcome",
    "specs/reoffending.outcome",
    "specs/peterborough.outcome",
    "specs/variations/moving-on-v1.outcome",
];

/// The payment lines written one at a time (`LinesWriter::write`, from `run_streaming`):
/// the bytes the lines put into bytes in runs on threads must be.
fn lines_one_at_a_time(
    contract: &Contract,
    bytes: &[u8],
    options: &Options,
    format: report::lines::LinesFormat,
) -> (String, Vec<u8>) {
    let payers = report::lines::payer_columns(contract);
    let mut writer = report::lines::LinesWriter::new(format, Vec::new(), &payers).unwrap();
    let rows = input::dates(input::csv(bytes), None);
    let report = engine::run_streaming(contract, rows, options, &mut |line| {
        writer.write(line).map_err(|e| e.to_string())
    })
    .unwrap();
    let (file, written) = writer.finish("lines".into()).unwrap();
    assert_eq!(file.bytes, written.len() as u64);
    (serde_json::to_string(&report).unwrap(), written)
}

/// Payment lines put into bytes in runs, on as many threads as `OUTCOME_THREADS` or the
/// cores say, and written in order (`run_written`), are the bytes of the lines written one
/// at a time, with the same report: for every spec contract, over the whole term and to a
/// date within it.
#[test]
fn lines_put_into_bytes_in_runs_are_the_lines_written_one_at_a_time() {
    use report::lines::{LinesFormat, LinesOut, LinesWriter};
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut tried = 0;
    for path in common::outcome_files_below(&specs) {
        let relative = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
        // A specification (an invitation to tender) is no contract to report on.
        let mut workspace = outcome::workspace::Workspace::for_path(&path).unwrap();
        let Some(contract) = workspace.load(&path).unwrap().compiled.contract.clone() else {
            continue;
        };
        if contract.funnels.is_empty() {
            continue;
        }
        tried += 1;
        let rows = generate::returns(&contract, 1_500, 11);
        let attributes = rows.attributes();
        let mut bytes = Vec::new();
        generate::write_csv(rows, &attributes, &mut bytes).unwrap();
        let mid = contract.term.start.day_number() / 2 + contract.term.end.day_number() / 2;
        for until in [None, Some(outcome::value::Date::from_day_number(mid))] {
            let options = Options {
                until,
                ..Options::default()
            };
            for format in [LinesFormat::Csv, LinesFormat::JsonLines] {
                let (expected, expected_lines) =
                    lines_one_at_a_time(&contract, &bytes, &options, format);
                let payers = report::lines::payer_columns(&contract);
                let mut writer = LinesWriter::new(format, Vec::new(), &payers).unwrap();
                let line_format = writer.format();
                let mut write = |bytes: &[u8], lines: u64| {
                    writer
                        .write_formatted(bytes, lines)
                        .map_err(|e| e.to_string())
                };
                let rows = input::dates(input::csv(bytes.as_slice()), None);
                let out = LinesOut {
                    format: line_format,
                    write: &mut write,
                };
                let report = engine::run_written(&contract, rows, &options, out).unwrap();
                let (file, written) = writer.finish("lines".into()).unwrap();
                let what = format!("{}, {format:?}, until {until:?}", relative.display());
                assert_eq!(serde_json::to_string(&report).unwrap(), expected, "{what}");
                assert!(written == expected_lines, "{what}: the lines differ");
                assert_eq!(
                    file.lines as usize,
                    String::from_utf8_lossy(&written).lines().count()
                        - usize::from(format == LinesFormat::Csv),
                    "{what}"
                );
            }
        }
    }
    assert!(tried >= 12, "{tried} contracts");
}

/// The reports and payment lines of contracts that pay by every rule are the same bytes on
/// 1, 2 and 4 threads, and the lines those of the lines written one at a time.
#[test]
fn paying_contracts_give_the_same_bytes_on_one_two_and_four_threads() {
    use report::lines::LinesFormat;
    let scratch = Scratch::new("threads-paying");
    for (c, path) in PAYING.iter().enumerate() {
        let contract = contract(path);
        let rows = generate::returns(&contract, 2_000, 7);
        let attributes = rows.attributes();
        let mut bytes = Vec::new();
        generate::write_csv(rows, &attributes, &mut bytes).unwrap();
        let returns = scratch.file(&format!("return-{c}.csv"), &bytes);
        for (lines, format) in [
            (None, None),
            (Some("lines.csv"), Some(LinesFormat::Csv)),
            (Some("lines.jsonl"), Some(LinesFormat::JsonLines)),
        ] {
            let lines = lines.map(|name| scratch.path(name));
            let mut outputs = Vec::new();
            for threads in ["1", "2", "4"] {
                let mut command = outcome();
                command
                    .env("OUTCOME_THREADS", threads)
                    .args(["report", path]);
                command
                    .arg("--returns")
                    .arg(&returns)
                    .args(["--format", "json"]);
                if let Some(lines) = &lines {
                    command.arg("--lines").arg(lines);
                }
                let output = command.output().unwrap();
                assert_eq!(output.status.code(), Some(0), "{path}, {threads} threads");
                let written = lines.as_ref().map(|l| std::fs::read(l).unwrap());
                outputs.push((threads, output.stdout, written));
            }
            if let (Some(format), Some((_, _, Some(written)))) = (format, outputs.first()) {
                let (_, expected) =
                    lines_one_at_a_time(&contract, &bytes, &Options::default(), format);
                assert!(
                    *written == expected,
                    "{path}, {format:?}: not the lines one at a time"
                );
            }
            for (threads, stdout, written) in &outputs[1..] {
                assert!(
                    *stdout == outputs[0].1,
                    "{path} {lines:?}, {threads} threads: report"
                );
                assert!(
                    *written == outputs[0].2,
                    "{path} {lines:?}, {threads} threads: lines"
                );
            }
        }
    }
}

/// A panic on the thread whose turn it is to write a run of lines is handed on when the
/// threads are joined: the threads waiting for their turn stop, rather than wait for ever.
#[test]
fn a_panic_while_writing_the_lines_is_handed_on_not_waited_for() {
    let contract = contract(PAYING[0]);
    let rows = generate::returns(&contract, 1_500, 3);
    let attributes = rows.attributes();
    let mut bytes = Vec::new();
    generate::write_csv(rows, &attributes, &mut bytes).unwrap();
    let payers = report::lines::payer_columns(&contract);
    let writer =
        report::lines::LinesWriter::new(report::lines::LinesFormat::Csv, Vec::new(), &payers)
            .unwrap();
    let format = writer.format();
    let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut runs = 0;
        let mut write = |_: &[u8], _: u64| -> Result<(), String> {
            runs += 1;
            assert!(runs < 2, "the second run is not written");
            Ok(())
        };
        let rows = input::dates(input::csv(bytes.as_slice()), None);
        let out = report::lines::LinesOut {
            format,
            write: &mut write,
        };
        engine::run_written(&contract, rows, &Options::default(), out)
    }));
    assert!(made.is_err());
}
