//! Monitoring returns as spreadsheets save them: an `.xlsx` workbook (written by
//! `rust_xlsxwriter`, with dates as real date cells), CSV with a byte order mark, CSV separated
//! by semicolons in Windows-1252, Excel's "Unicode text" (UTF-16, tab-separated), and dates
//! written day/month/year or month/day/year; and the same workbook saved again by LibreOffice
//! (headless) as `.ods`, `.xlsx`, semicolon Windows-1252 CSV, UTF-8 CSV and UTF-16 text (and
//! as `.xls`, which is refused).
//!
//! Each is the sample return (`specs/returns/drug-service-2009-10.csv`: 39 rows, 33 accepted,
//! 6 rejected) saved another way, and must read to the same counts, every row accounted for:
//! `read = accepted + rejected + after the report date`.

mod common;
use common::{exits, Scratch};
use outcome::report::input::{self, DateFormat};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const SPEC: &str = "specs/drug-service.outcome";
const RETURN: &str = "specs/returns/drug-service-2009-10.csv";

/// The sample return's rows as text: the header, then each row's fields.
fn sample() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(RETURN).unwrap();
    text.lines()
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

/// The report of `path` as JSON, asserted to exit 0 and to account for every row; its
/// `(read, accepted, rejected)` and the rows rejected.
fn counts(path: &std::path::Path, args: &[&str]) -> ((u64, u64, u64), Vec<u64>) {
    let run = exits(
        &[
            &["report", SPEC, "--format", "json", "--returns"][..],
            &[path.to_str().unwrap()],
            args,
        ]
        .concat(),
        0,
    );
    let report: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    let rows = &report["rows"];
    let n = |k: &str| rows[k].as_u64().unwrap();
    assert_eq!(
        n("read"),
        n("accepted") + n("rejected") + n("after_report_date"),
        "{rows}"
    );
    assert!(report["nothing_counted"].is_null());
    let rejected = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row"].as_u64().unwrap())
        .collect();
    ((n("read"), n("accepted"), n("rejected")), rejected)
}

/// The rows the sample return rejects, as its CSV numbers them.
const REJECTED: [u64; 6] = [16, 22, 24, 29, 30, 40];

fn stderr(run: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(run.get_output().stderr.clone()).unwrap()
}

fn stdout(run: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(run.get_output().stdout.clone()).unwrap()
}

/// The trace of one participant (`--explain`) of a return read with `args`.
fn explain(path: &std::path::Path, participant: &str, args: &[&str]) -> String {
    let run = exits(
        &[
            &["report", SPEC, "--returns", path.to_str().unwrap()][..],
            &["--explain", participant],
            args,
        ]
        .concat(),
        0,
    );
    stdout(&run)
}

// ---------------------------------------------------------------------------------------------
// workbooks

/// The sample return as an Excel workbook: a title row and a blank row above the header (so
/// the spreadsheet's row numbers are the CSV's plus 2), dates as date cells shown dd/mm/yyyy,
/// and a sheet `Cover` before it when `cover` is set.
fn sample_workbook(path: &std::path::Path, cover: bool) {
    let mut book = Workbook::new();
    if cover {
        let sheet = book.add_worksheet();
        sheet.set_name("Cover").unwrap();
        sheet.write_string(0, 0, "Provider: Northgate").unwrap();
    }
    let sheet = book.add_worksheet();
    sheet.set_name("Return").unwrap();
    sheet
        .write_string(0, 0, "Monthly monitoring return")
        .unwrap();
    let shown = Format::new().set_num_format("dd/mm/yyyy");
    for (i, fields) in sample().iter().enumerate() {
        let row = i as u32 + 2;
        for (col, field) in fields.iter().enumerate() {
            let col = col as u16;
            if i > 0 && col == 2 {
                let parts: Vec<u16> = field.split('-').map(|p| p.parse().unwrap()).collect();
                let date =
                    ExcelDateTime::from_ymd(parts[0], parts[1] as u8, parts[2] as u8).unwrap();
                sheet
                    .write_datetime_with_format(row, col, &date, &shown)
                    .unwrap();
            } else if !field.is_empty() {
                sheet.write_string(row, col, field).unwrap();
            }
        }
    }
    book.save(path).unwrap();
}

#[test]
fn an_xlsx_return_reads_as_its_csv_with_the_spreadsheets_row_numbers() {
    let scratch = Scratch::new("xlsx-sample");
    let path = scratch.path("return.xlsx");
    sample_workbook(&path, false);
    let (counted, rejected) = counts(&path, &[]);
    assert_eq!(counted, (39, 33, 6));
    let shifted: Vec<u64> = REJECTED.iter().map(|r| r + 2).collect();
    assert_eq!(rejected, shifted);
    // Date cells are ISO dates, exactly: no flag needed, no day lost to a time zone.
    let trace = explain(&path, "DS-001", &[]);
    assert!(trace.contains("2009-04-06"), "{trace}");
}

#[test]
fn the_sheet_of_a_workbook_is_chosen_by_name_or_is_the_first() {
    let scratch = Scratch::new("xlsx-sheet");
    let path = scratch.path("return.xlsx");
    sample_workbook(&path, true);
    let (counted, _) = counts(&path, &["--sheet", "Return"]);
    assert_eq!(counted, (39, 33, 6));
    // The first sheet is the cover: it has no header, and says which columns are missing.
    let run = exits(&["report", SPEC, "--returns", path.to_str().unwrap()], 2);
    let err = stderr(&run);
    assert!(
        err.contains("sheet `Cover`") && err.contains("`participant`"),
        "{err}"
    );
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            path.to_str().unwrap(),
            "--sheet",
            "April",
        ],
        2,
    );
    let err = stderr(&run);
    assert!(
        err.contains("no sheet `April`") && err.contains("`Return`"),
        "{err}"
    );
}

#[test]
fn numbers_in_a_workbook_read_as_written_and_not_as_floating_point() {
    let scratch = Scratch::new("xlsx-numbers");
    let path = scratch.path("return.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in ["participant", "stage", "date", "evidence"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    let shown = Format::new().set_num_format("d mmm yyyy");
    let rows = [
        (1234.0, "enrol", (2009, 4, 6), 0.1),
        (1234.0, "attend", (2009, 4, 14), 77.0),
    ];
    for (i, (participant, stage, (y, m, d), evidence)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_number(row, 0, *participant).unwrap();
        sheet.write_string(row, 1, *stage).unwrap();
        let date = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
        sheet
            .write_datetime_with_format(row, 2, &date, &shown)
            .unwrap();
        sheet.write_number(row, 3, *evidence).unwrap();
    }
    book.save(&path).unwrap();
    let (counted, rejected) = counts(&path, &[]);
    assert_eq!(counted, (2, 2, 0), "{rejected:?}");
    let trace = explain(&path, "1234", &[]);
    assert!(trace.contains("Participant 1234 "), "{trace}");
    assert!(
        !trace.contains("1234.0") && !trace.contains("77.0"),
        "{trace}"
    );
    assert!(
        trace.contains("2009-04-06") && trace.contains("0.1"),
        "{trace}"
    );
}

#[test]
fn a_file_named_xlsx_that_is_not_a_workbook_exits_2() {
    let scratch = Scratch::new("xlsx-not");
    let text = std::fs::read(RETURN).unwrap();
    // CSV renamed `.xlsx` (in UTF-8, or in Windows-1252 with a `£`), and JSON Lines: told it is
    // text and what to name it, not that it is a damaged zip archive.
    let latin =
        [b"participant;stage;date;evidence\r\nP1;enrol;2009-04-06;\xA35\r\n".as_slice()].concat();
    for (name, bytes, seems) in [
        (
            "return.xlsx",
            text.clone(),
            "it seems to be CSV; name it `.csv`",
        ),
        ("latin.xlsx", latin, "it seems to be CSV; name it `.csv`"),
        (
            "return.ods",
            text.clone(),
            "it seems to be CSV; name it `.csv`",
        ),
        (
            "lines.xlsx",
            b"{\"participant\":\"P1\"}\n".to_vec(),
            "it seems to be JSON Lines; name it `.jsonl`",
        ),
    ] {
        let path = scratch.file(name, bytes);
        let run = exits(&["report", SPEC, "--returns", path.to_str().unwrap()], 2);
        let err = stderr(&run);
        assert!(
            err.contains("the file is text, not an") && err.contains(seems),
            "{name}: {err}"
        );
        assert!(!err.contains("Zip error"), "{name}: {err}");
    }
    let path = scratch.file("empty.xlsx", "");
    let run = exits(&["report", SPEC, "--returns", path.to_str().unwrap()], 2);
    assert!(
        stderr(&run).contains("the file is empty"),
        "{}",
        stderr(&run)
    );
    // A workbook cut short starts as one: it is said to be damaged.
    let whole = scratch.path("whole.xlsx");
    sample_workbook(&whole, false);
    let bytes = std::fs::read(&whole).unwrap();
    let path = scratch.file("cut.xlsx", &bytes[..bytes.len() / 2]);
    let run = exits(&["report", SPEC, "--returns", path.to_str().unwrap()], 2);
    assert!(
        stderr(&run).contains("damaged or cut short"),
        "{}",
        stderr(&run)
    );
}

/// A workbook renamed `.csv` is refused (exit 2) saying it is a workbook and to name it so,
/// on one thread and on several (read in parts or as a stream), never that it needs another
/// encoding.
#[test]
fn a_workbook_named_csv_is_told_it_is_a_workbook() {
    let scratch = Scratch::new("csv-workbook");
    let xlsx = scratch.path("return.xlsx");
    sample_workbook(&xlsx, false);
    let zip = std::fs::read(&xlsx).unwrap();
    let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0\0\0\0\0".repeat(64);
    for (name, bytes, says) in [
        (
            "xlsx.csv",
            zip.clone(),
            "the file is an Excel workbook (`.xlsx`",
        ),
        ("xlsx.txt", zip.clone(), "name it `.xlsx`"),
        ("xlsx.jsonl", zip, "name it `.xlsx`"),
        ("xls.csv", ole, "Excel 97-2003 workbook (`.xls`)"),
    ] {
        let path = scratch.file(name, bytes);
        for threads in ["1", "4"] {
            let run = common::outcome()
                .env("OUTCOME_THREADS", threads)
                .args(["report", SPEC, "--returns", path.to_str().unwrap()])
                .assert()
                .code(2);
            let err = stderr(&run);
            assert!(err.contains(says), "{name}: {err}");
            assert!(!err.contains("--encoding"), "{name}: {err}");
            assert!(run.get_output().stdout.is_empty());
        }
    }
    // The same workbook named `.xlsx` is read.
    assert_eq!(counts(&xlsx, &[]).0, (39, 33, 6));
}

// ---------------------------------------------------------------------------------------------
// CSV as Excel saves it

#[test]
fn a_csv_utf8_return_with_a_byte_order_mark_reads_as_without() {
    let scratch = Scratch::new("csv-bom");
    let text = std::fs::read(RETURN).unwrap();
    let path = scratch.file("return.csv", [b"\xEF\xBB\xBF".as_slice(), &text].concat());
    assert_eq!(counts(&path, &[]), ((39, 33, 6), REJECTED.to_vec()));
}

/// A spreadsheet saves a blank row inside the sheet's used range as separators alone
/// (`,,,`): such rows, above the header or among the rows, are skipped as blank lines are
/// (and as a workbook's blank rows are), on one thread and on several, and the rows keep the
/// spreadsheet's numbers.
#[test]
fn a_csv_row_of_separators_alone_is_a_blank_row_and_skipped() {
    let scratch = Scratch::new("csv-blank-rows");
    let text = std::fs::read_to_string(RETURN).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut blank = vec![",,,"];
    blank.extend_from_slice(&lines[..12]);
    blank.extend([",,,", " , , , ", ","]);
    blank.extend_from_slice(&lines[12..]);
    blank.push(",,,");
    let path = scratch.file("return.csv", blank.join("\r\n"));
    // One row above the header, three after the 11th row of the return.
    let rejected: Vec<u64> = REJECTED
        .iter()
        .map(|&row| row + 1 + if row > 12 { 3 } else { 0 })
        .collect();
    assert_eq!(counts_on_threads(&path, &[]), ((39, 33, 6), rejected));
    let semicolons = blank.join("\n").replace(',', ";");
    let path = scratch.file("semicolon.csv", semicolons);
    let ((read, accepted, _), _) = counts_on_threads(&path, &[]);
    assert_eq!((read, accepted), (39, 33));
}

/// The sample return separated by semicolons, with `£` and `é` in one evidence field, in
/// Windows-1252 with Windows line ends, as Excel saves "CSV" in France.
fn semicolon_1252(scratch: &Scratch) -> std::path::PathBuf {
    let mut text = String::new();
    for fields in sample() {
        let mut fields = fields;
        if fields[0] == "DS-001" && fields[3] == "EV-ATT-0001" {
            fields[3] = "EV-ATT-0001 reçu £5".to_string();
        }
        text.push_str(&fields.join(";"));
        text.push_str("\r\n");
    }
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&text);
    assert!(!unmappable);
    scratch.file("return.csv", bytes)
}

#[test]
fn a_semicolon_windows_1252_return_reads_with_encoding_and_says_its_separator() {
    let scratch = Scratch::new("csv-1252");
    let path = semicolon_1252(&scratch);
    assert_eq!(
        counts(&path, &["--encoding", "windows-1252"]),
        ((39, 33, 6), REJECTED.to_vec())
    );
    let trace = explain(&path, "DS-001", &["--encoding", "windows-1252"]);
    assert!(trace.contains("EV-ATT-0001 reçu £5"), "{trace}");
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            path.to_str().unwrap(),
            "--encoding",
            "windows-1252",
        ],
        0,
    );
    assert!(
        stderr(&run).contains("read as semicolon-separated"),
        "{}",
        stderr(&run)
    );
    // Forced to commas, the header has no `participant` column, and the message says how
    // the header was read.
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            path.to_str().unwrap(),
            "--separator",
            "comma",
        ],
        2,
    );
    let err = stderr(&run);
    assert!(
        err.contains("comma-separated") && err.contains("--separator"),
        "{err}"
    );
}

#[test]
fn a_windows_1252_row_read_as_utf8_is_rejected_naming_the_encoding_flag() {
    let scratch = Scratch::new("csv-1252-utf8");
    let path = semicolon_1252(&scratch);
    let ((read, accepted, rejected), rows) = counts(&path, &[]);
    assert_eq!((read, accepted + rejected), (39, 39));
    assert!(rows.contains(&4), "{rows:?}");
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            path.to_str().unwrap(),
            "--format",
            "json",
        ],
        0,
    );
    let report: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    let row4 = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"] == 4)
        .unwrap();
    let detail = row4["detail"].as_str().unwrap();
    assert!(detail.contains("--encoding windows-1252"), "{detail}");
    // And a note on stderr says so, once, with how many rows.
    let err = stderr(&run);
    assert!(
        err.contains("note: 1 row of ") && err.contains("is not UTF-8 and rejected"),
        "{err}"
    );
}

#[test]
fn a_utf16_unicode_text_return_reads_as_its_csv() {
    let scratch = Scratch::new("utf16");
    let mut text = String::new();
    for fields in sample() {
        text.push_str(&fields.join("\t"));
        text.push_str("\r\n");
    }
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let path = scratch.file("return.txt", &bytes);
    assert_eq!(counts(&path, &[]), ((39, 33, 6), REJECTED.to_vec()));
    // Big-endian too.
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    let path = scratch.file("return-be.txt", &bytes);
    assert_eq!(counts(&path, &[]), ((39, 33, 6), REJECTED.to_vec()));
}

// ---------------------------------------------------------------------------------------------
// dates

/// The sample return with its dates written as `write(year, month, day)` says.
fn with_dates(
    scratch: &Scratch,
    name: &str,
    write: fn(&str, &str, &str) -> String,
) -> std::path::PathBuf {
    let mut text = String::new();
    for (i, mut fields) in sample().into_iter().enumerate() {
        if i > 0 {
            let parts: Vec<&str> = fields[2].split('-').collect();
            fields[2] = write(parts[0], parts[1], parts[2]);
        }
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    scratch.file(name, text)
}

#[test]
fn slashed_dates_without_a_date_format_are_refused_naming_the_flag() {
    let scratch = Scratch::new("dates-refused");
    let path = with_dates(&scratch, "return.csv", |y, m, d| format!("{d}/{m}/{y}"));
    let run = exits(&["report", SPEC, "--returns", path.to_str().unwrap()], 2);
    let err = stderr(&run);
    assert!(
        err.contains("row 2") && err.contains("--date-format dd/mm/yyyy"),
        "{err}"
    );
    assert!(run.get_output().stdout.is_empty());
}

#[test]
fn dates_read_day_month_year_or_month_day_year_as_the_flag_says() {
    let scratch = Scratch::new("dates");
    let path = with_dates(&scratch, "dmy.csv", |y, m, d| format!("{d}/{m}/{y}"));
    let flag = ["--date-format", "dd/mm/yyyy"];
    assert_eq!(counts(&path, &flag), ((39, 33, 6), REJECTED.to_vec()));
    let path = with_dates(&scratch, "mdy.csv", |y, m, d| format!("{m}/{d}/{y}"));
    let flag = ["--date-format", "mm/dd/yyyy"];
    assert_eq!(counts(&path, &flag), ((39, 33, 6), REJECTED.to_vec()));
    // Day and month without leading zeros, as Excel writes them in the United States.
    let path = with_dates(&scratch, "short.csv", |y, m, d| {
        format!(
            "{}/{}/{y}",
            m.trim_start_matches('0'),
            d.trim_start_matches('0')
        )
    });
    assert_eq!(counts(&path, &flag), ((39, 33, 6), REJECTED.to_vec()));
}

/// The counts of `path` read with `args`, the same on one thread and on four (row by row
/// and in parts).
fn counts_on_threads(path: &std::path::Path, args: &[&str]) -> ((u64, u64, u64), Vec<u64>) {
    let mut seen = Vec::new();
    for threads in ["1", "4"] {
        let run = common::outcome()
            .env("OUTCOME_THREADS", threads)
            .args(
                [
                    &["report", SPEC, "--format", "json", "--returns"][..],
                    &[path.to_str().unwrap()],
                    args,
                ]
                .concat(),
            )
            .assert()
            .code(0);
        seen.push(run.get_output().stdout.clone());
    }
    assert!(
        seen[0] == seen[1],
        "the report differs on one thread and four"
    );
    counts(path, args)
}

#[test]
fn dates_with_a_time_of_day_read_as_their_day() {
    let scratch = Scratch::new("date-times");
    // As LibreOffice and Excel save a date-time cell in CSV, and ISO 8601 with a `T`.
    type Write = fn(&str, &str, &str) -> String;
    let writes: [(&str, Write, &[&str]); 8] = [
        ("lo.csv", |y, m, d| format!("{y}-{m}-{d} 0:00:00"), &[]),
        // A time zone, as a database exports a timestamp: the day written counts.
        (
            "zone.csv",
            |y, m, d| format!("{y}-{m}-{d}T23:30:00-05:00"),
            &[],
        ),
        ("utc.csv", |y, m, d| format!("{y}-{m}-{d}T00:15:00Z"), &[]),
        // A 12-hour clock, as Excel in the United States saves a date-time cell.
        (
            "us-time.csv",
            |y, m, d| {
                format!(
                    "{}/{}/{y} 2:30:00 PM",
                    m.trim_start_matches('0'),
                    d.trim_start_matches('0')
                )
            },
            &["--date-format", "mm/dd/yyyy"],
        ),
        ("hm.csv", |y, m, d| format!("{y}-{m}-{d} 00:00"), &[]),
        ("iso.csv", |y, m, d| format!("{y}-{m}-{d}T10:00:00"), &[]),
        (
            "uk.csv",
            |y, m, d| format!("{d}/{m}/{y} 10:15"),
            &["--date-format", "dd/mm/yyyy"],
        ),
        (
            "de.csv",
            |y, m, d| format!("{d}.{m}.{y} 10:15:30"),
            &["--date-format", "dd.mm.yyyy"],
        ),
    ];
    for (name, write, flags) in writes {
        let path = with_dates(&scratch, name, write);
        assert_eq!(
            counts_on_threads(&path, flags),
            ((39, 33, 6), REJECTED.to_vec()),
            "{name}"
        );
    }
    // Day.month.year without a time, as German Excel writes a date.
    let path = with_dates(&scratch, "de-day.csv", |y, m, d| format!("{d}.{m}.{y}"));
    let flag = ["--date-format", "dd.mm.yyyy"];
    assert_eq!(
        counts_on_threads(&path, &flag),
        ((39, 33, 6), REJECTED.to_vec())
    );
}

#[test]
fn a_time_that_is_not_one_and_an_excel_serial_are_rejected_saying_why() {
    let scratch = Scratch::new("date-times-bad");
    let path = scratch.file(
        "return.csv",
        "participant,stage,date\nP1,enrol,2009-04-06 10:00\nP2,enrol,2009-04-06 25:00\nP3,enrol,39911\n",
    );
    let ((read, accepted, rejected), rows) = counts_on_threads(&path, &[]);
    assert_eq!((read, accepted, rejected, rows), (3, 1, 2, vec![3, 4]));
    let run = exits(&["report", SPEC, "--returns", path.to_str().unwrap()], 0);
    let text = stdout(&run);
    assert!(
        text.contains(
            "`2009-04-06 25:00` is not a date: `25:00` after the date is not a time of day"
        ),
        "{text}"
    );
    assert!(
        text.contains("`39911` is not a date: it looks like an Excel date serial number")
            && text.contains("format the column as a date in the spreadsheet"),
        "{text}"
    );
}

#[test]
fn a_slashed_date_is_read_only_in_the_order_said() {
    assert_eq!(
        input::iso_date("04/05/2009", DateFormat::DayMonthYear).as_deref(),
        Some("2009-05-04")
    );
    assert_eq!(
        input::iso_date("04/05/2009", DateFormat::MonthDayYear).as_deref(),
        Some("2009-04-05")
    );
    assert_eq!(
        input::iso_date("13/05/2009", DateFormat::MonthDayYear),
        None
    );
    assert_eq!(
        input::iso_date("04/05/2009", DateFormat::YearMonthDay),
        None
    );
    assert_eq!(
        input::iso_date("2009-05-04", DateFormat::DayMonthYear),
        None
    );
    assert_eq!(input::iso_date("4/5/09", DateFormat::DayMonthYear), None);
    assert!(input::is_slashed_date(" 4/5/2009 "));
    assert!(!input::is_slashed_date("2009/05/04"));
}

// ---------------------------------------------------------------------------------------------
// nothing counted

#[test]
fn a_return_whose_every_row_is_rejected_exits_2_saying_so_first() {
    let scratch = Scratch::new("all-rejected");
    // Dates written day.month.year, as in Germany: every one a bad date, but for the row
    // whose stage is misspelt (rejected first for that).
    let path = with_dates(&scratch, "return.csv", |y, m, d| format!("{d}.{m}.{y}"));
    let run = exits(&["report", SPEC, "--returns", path.to_str().unwrap()], 2);
    let text = stdout(&run);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[3], "NOTHING COUNTED: every row (39) was rejected, 38 of them as bad date",
        "{text}"
    );
    assert!(
        lines[4].starts_with("  row 2: `06.04.2009` is not a date"),
        "{text}"
    );
    assert!(stderr(&run).contains("nothing counted"), "{}", stderr(&run));
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            path.to_str().unwrap(),
            "--format",
            "json",
        ],
        2,
    );
    let report: serde_json::Value = serde_json::from_slice(&run.get_output().stdout).unwrap();
    let nothing = &report["nothing_counted"];
    assert_eq!(nothing["reason"], "bad_date");
    assert_eq!(nothing["rows"], 38);
    assert_eq!(nothing["one_reason"], false);
    assert_eq!(nothing["first_row"], 2);
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            path.to_str().unwrap(),
            "--format",
            "html",
        ],
        2,
    );
    let page = stdout(&run);
    assert!(
        page.contains("<strong>Nothing counted:</strong> every row (39) was rejected, 38 of them for one reason: date cannot be read"),
        "{page}"
    );
}

#[test]
fn a_return_whose_every_row_is_rejected_for_one_reason_says_all() {
    let scratch = Scratch::new("all-rejected-one");
    let path = scratch.file(
        "return.csv",
        "participant,stage,date\nP1,enrol,2009-14-04\nP2,enrol,2009-15-04\n",
    );
    let run = exits(&["report", SPEC, "--returns", path.to_str().unwrap()], 2);
    let text = stdout(&run);
    assert!(
        text.contains("NOTHING COUNTED: every row (2) was rejected, all as bad date"),
        "{text}"
    );
}

#[test]
fn a_header_only_return_is_a_report_of_nothing_and_not_a_failure() {
    let scratch = Scratch::new("header-only");
    let path = scratch.file("return.csv", "participant,stage,date\n");
    assert_eq!(counts(&path, &[]), ((0, 0, 0), Vec::new()));
}

#[test]
fn a_damaged_workbook_exits_2_or_reads_and_never_panics() {
    let scratch = Scratch::new("xlsx-damaged");
    let whole = scratch.path("whole.xlsx");
    sample_workbook(&whole, false);
    let bytes = std::fs::read(&whole).unwrap();
    let mut damaged: Vec<Vec<u8>> = Vec::new();
    for cut in [
        0,
        4,
        100,
        bytes.len() / 3,
        bytes.len() / 2,
        bytes.len() - 22,
        bytes.len() - 1,
    ] {
        damaged.push(bytes[..cut].to_vec());
    }
    for step in 1..=24 {
        let mut flipped = bytes.clone();
        let at = bytes.len() * step / 25;
        flipped[at] ^= 0x5A;
        damaged.push(flipped);
    }
    for (i, bytes) in damaged.iter().enumerate() {
        let path = scratch.file(&format!("damaged-{i}.xlsx"), bytes);
        let output = common::outcome()
            .args(["report", SPEC, "--returns", path.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(
            matches!(output.status.code(), Some(0 | 2)) && !err.contains("panicked"),
            "damaged-{i}: {:?} {err}",
            output.status
        );
    }
}

// ---------------------------------------------------------------------------------------------
// the CSV reader with other separators and encodings, on damaged input

fn numbers(rows: &[outcome::report::Input]) -> Vec<(u64, bool)> {
    rows.iter()
        .map(|r| match r {
            outcome::report::Input::Row(row) => (row.number, true),
            outcome::report::Input::Malformed { number, .. } => (*number, false),
        })
        .collect()
}

#[test]
fn a_stray_quote_in_a_semicolon_return_costs_its_own_row_only() {
    let text = "participant;stage;date;evidence\n\
                P1;enrol;2009-04-02;\"letter\nsigned; by hand\"\n\
                P2;\"enrol;2009-04-02;x\n\
                P3;enrol;2009-04-03;\"y\"\n\
                P4;enrol;2009-04-04;\n";
    let rows: Vec<_> = input::csv(text.as_bytes()).collect();
    // The record over two lines is one row of the spreadsheet.
    assert_eq!(
        numbers(&rows),
        vec![(2, true), (3, false), (4, true), (5, true)]
    );
    match &rows[1] {
        outcome::report::Input::Malformed { reason, .. } => {
            assert!(reason.contains("at column 4 (field 2)"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    match &rows[0] {
        outcome::report::Input::Row(row) => {
            assert_eq!(row.evidence.as_deref(), Some("letter\nsigned; by hand"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_separator_is_the_one_the_header_uses_outside_quotes() {
    let separator = |text: &str| input::csv(text.as_bytes()).separator();
    assert_eq!(separator("participant,stage,date\n"), b',');
    assert_eq!(separator("participant;stage;date\n"), b';');
    assert_eq!(separator("participant\tstage\tdate\n"), b'\t');
    // Semicolons in a quoted name do not count, and a tie goes to the comma.
    assert_eq!(separator("\"a;b;c;d\",participant,stage,date\n"), b',');
    assert_eq!(separator("participant;stage,date\n"), b',');
    // A header of one column has no separator to find: a comma.
    assert_eq!(separator("participant\n"), b',');
    // Told, the reader uses the separator it is told.
    let rows = input::csv_with(
        "participant;stage;date\n".as_bytes(),
        input::CsvOptions {
            separator: Some(b','),
            encoding: None,
        },
    );
    let problem = rows.header_problem().unwrap_or_default();
    assert!(problem.contains("read as comma-separated"), "{problem}");
}

#[test]
fn damaged_utf16_loses_no_rows() {
    // Half a surrogate pair in row 2, and an odd byte at the end: both read as U+FFFD.
    let mut bytes = vec![0xFF, 0xFE];
    let mut units: Vec<u16> = "participant\tstage\tdate\nP1\tenrol\t2009-04-02\n"
        .encode_utf16()
        .collect();
    units.insert(units.len() - 20, 0xD800);
    for unit in units {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes.extend_from_slice(
        "P2\tenrol\t2009-04-03"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>()
            .as_slice(),
    );
    bytes.push(b'x');
    let rows: Vec<_> = input::csv(bytes.as_slice()).collect();
    assert_eq!(numbers(&rows), vec![(2, true), (3, true)]);
    match &rows[1] {
        outcome::report::Input::Row(row) => assert_eq!(row.date, "2009-04-03\u{FFFD}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_utf16_line_without_end_stops_at_the_line_limit() {
    // 9 million UTF-16 units of `9`: 18 MB of file, decoded to more than the 16 MB a line
    // may be.
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(
        "participant\tstage\tdate\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    bytes.resize(bytes.len() + 2 * (input::MAX_LINE_BYTES + 1), 0);
    let n = bytes.len();
    for i in (n - 2 * (input::MAX_LINE_BYTES + 1)..n).step_by(2) {
        bytes[i] = b'9';
    }
    let mut rows = input::csv(bytes.as_slice());
    assert!(rows.next().is_none());
    let error = rows.io_error().map(ToString::to_string).unwrap_or_default();
    assert!(error.contains("longer than 16 MB"), "{error}");
}

// ---------------------------------------------------------------------------------------------
// files saved by LibreOffice

/// LibreOffice's `soffice`, if it is installed (`.ci/run` installs Debian's
/// `libreoffice-calc-nogui`). Without it the tests that need it say they are skipped, except
/// in CI, where they fail unless `OUTCOME_SKIP_LIBREOFFICE` says it could not be installed.
fn soffice() -> Option<&'static str> {
    const SOFFICE: &str = "/usr/bin/soffice";
    if std::path::Path::new(SOFFICE).exists() {
        return Some(SOFFICE);
    }
    if std::env::var_os("CI").is_some() && std::env::var_os("OUTCOME_SKIP_LIBREOFFICE").is_none() {
        panic!("LibreOffice is not installed: install Debian's libreoffice-calc-nogui");
    }
    eprintln!("skipped: LibreOffice is not installed (Debian's libreoffice-calc-nogui)");
    None
}

/// Save the workbook `from` with LibreOffice as `to` (`ods`, `xls`, or a CSV filter with its
/// options), in `scratch`: the path of the file it wrote.
fn convert(
    soffice: &str,
    scratch: &Scratch,
    from: &std::path::Path,
    to: &str,
    name: &str,
) -> std::path::PathBuf {
    let profile = scratch.path(&format!("profile-{name}"));
    let out = scratch.path(&format!("out-{name}"));
    let status = std::process::Command::new(soffice)
        .arg("--headless")
        .arg("--norestore")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--convert-to", to, "--outdir"])
        .arg(&out)
        .arg(from)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "soffice --convert-to {to}: {status}");
    let written = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let renamed = scratch.path(name);
    std::fs::rename(&written, &renamed).unwrap();
    renamed
}

/// The sample return as a workbook whose rows are numbered as the CSV's (header in row 1),
/// dates as date cells shown dd/mm/yyyy, and `£` and `ç` in one evidence cell (row 4).
fn workbook_with_pounds(scratch: &Scratch) -> std::path::PathBuf {
    let path = scratch.path("return.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Return").unwrap();
    let shown = Format::new().set_num_format("dd/mm/yyyy");
    for (i, fields) in sample().iter().enumerate() {
        let row = i as u32;
        for (col, field) in fields.iter().enumerate() {
            let col = col as u16;
            if i > 0 && col == 2 {
                let parts: Vec<u16> = field.split('-').map(|p| p.parse().unwrap()).collect();
                let date =
                    ExcelDateTime::from_ymd(parts[0], parts[1] as u8, parts[2] as u8).unwrap();
                sheet
                    .write_datetime_with_format(row, col, &date, &shown)
                    .unwrap();
            } else if field == "EV-ATT-0001" {
                sheet.write_string(row, col, "EV-ATT-0001 reçu £5").unwrap();
            } else if !field.is_empty() {
                sheet.write_string(row, col, field).unwrap();
            }
        }
    }
    book.save(&path).unwrap();
    path
}

#[test]
fn returns_saved_by_libreoffice_read_with_every_row_accounted_for() {
    let Some(soffice) = soffice() else { return };
    let scratch = Scratch::new("libreoffice");
    let xlsx = workbook_with_pounds(&scratch);
    assert_eq!(counts(&xlsx, &[]), ((39, 33, 6), REJECTED.to_vec()));

    // The workbook saved again by LibreOffice, as OpenDocument and as Excel.
    for (to, name) in [("ods", "return.ods"), ("xlsx", "again.xlsx")] {
        let path = convert(soffice, &scratch, &xlsx, to, name);
        assert_eq!(
            counts(&path, &[]),
            ((39, 33, 6), REJECTED.to_vec()),
            "{name}"
        );
        let trace = explain(&path, "DS-001", &[]);
        assert!(trace.contains("EV-ATT-0001 reçu £5"), "{name}: {trace}");
        assert!(trace.contains("2009-04-06"), "{name}: {trace}");
    }

    // Excel 97-2003 is refused, saying what to save it as.
    let xls = convert(soffice, &scratch, &xlsx, "xls", "return.xls");
    let run = exits(&["report", SPEC, "--returns", xls.to_str().unwrap()], 2);
    assert!(
        stderr(&run).contains("save it as an Excel workbook (`.xlsx`)"),
        "{}",
        stderr(&run)
    );

    // CSV as a French Excel saves it: semicolons, Windows-1252, the dates as shown (dd/mm/yyyy).
    let csv = convert(
        soffice,
        &scratch,
        &xlsx,
        "csv:Text - txt - csv (StarCalc):59,34,1,1",
        "semicolon-1252.csv",
    );
    let bytes = std::fs::read(&csv).unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "not Windows-1252");
    let flags = ["--encoding", "windows-1252", "--date-format", "dd/mm/yyyy"];
    assert_eq!(counts(&csv, &flags), ((39, 33, 6), REJECTED.to_vec()));
    let trace = explain(&csv, "DS-001", &flags);
    assert!(trace.contains("EV-ATT-0001 reçu £5"), "{trace}");
    // Without `--date-format` it is refused, naming the flag.
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            csv.to_str().unwrap(),
            "--encoding",
            "windows-1252",
        ],
        2,
    );
    assert!(
        stderr(&run).contains("--date-format dd/mm/yyyy"),
        "{}",
        stderr(&run)
    );

    // CSV UTF-8, commas.
    let csv = convert(
        soffice,
        &scratch,
        &xlsx,
        "csv:Text - txt - csv (StarCalc):44,34,76,1",
        "utf8.csv",
    );
    let flags = ["--date-format", "dd/mm/yyyy"];
    assert_eq!(counts(&csv, &flags), ((39, 33, 6), REJECTED.to_vec()));

    // "Unicode text": UTF-16 with a byte order mark, separated by tabs.
    let txt = convert(
        soffice,
        &scratch,
        &xlsx,
        "csv:Text - txt - csv (StarCalc):9,34,65535,1",
        "unicode.txt",
    );
    let bytes = std::fs::read(&txt).unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xFE]), "{:?}", &bytes[..4]);
    assert_eq!(counts(&txt, &flags), ((39, 33, 6), REJECTED.to_vec()));
    let trace = explain(&txt, "DS-001", &flags);
    assert!(trace.contains("EV-ATT-0001 reçu £5"), "{trace}");
}

#[test]
fn options_for_another_kind_of_return_are_refused() {
    let scratch = Scratch::new("options");
    let xlsx = scratch.path("return.xlsx");
    sample_workbook(&xlsx, false);
    let run = exits(
        &[
            "report",
            SPEC,
            "--returns",
            xlsx.to_str().unwrap(),
            "--separator",
            "tab",
        ],
        2,
    );
    assert!(
        stderr(&run).contains("are for a CSV return"),
        "{}",
        stderr(&run)
    );
    let run = exits(
        &["report", SPEC, "--returns", RETURN, "--sheet", "Return"],
        2,
    );
    assert!(stderr(&run).contains("is not one"), "{}", stderr(&run));
    // Excel 97-2003 is refused by its name, before it is opened.
    let xls = scratch.file("return.xls", b"\xD0\xCF\x11\xE0");
    let run = exits(&["report", SPEC, "--returns", xls.to_str().unwrap()], 2);
    assert!(stderr(&run).contains("Excel 97-2003"), "{}", stderr(&run));
}

#[test]
fn a_workbook_with_a_cell_far_from_the_rest_reads_in_bounded_memory() {
    // Two cells at opposite corners of the sheet: a dense grid of them would be 17 billion
    // cells.
    let scratch = Scratch::new("xlsx-corners");
    let path = scratch.path("return.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in ["participant", "stage", "date"].iter().enumerate() {
        sheet.write_string(0, col as u16, *name).unwrap();
    }
    sheet.write_string(1, 0, "P1").unwrap();
    sheet.write_string(1, 1, "enrol").unwrap();
    sheet.write_string(1, 2, "2009-04-06").unwrap();
    sheet.write_string(1_048_575, 16_383, "far away").unwrap();
    book.save(&path).unwrap();
    let output = common::outcome()
        .args([
            "report",
            SPEC,
            "--format",
            "json",
            "--returns",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // The far cell is on a row of its own, wider than the header: a malformed row.
    assert_eq!(report["rows"]["read"], 2);
    assert_eq!(report["rows"]["accepted"], 1);
    assert_eq!(report["rejected"][0]["row"], 1_048_576);
    let detail = report["rejected"][0]["detail"].as_str().unwrap();
    assert_eq!(
        detail,
        "the row has a value in column XFD, right of the header's last column (C)"
    );
}
