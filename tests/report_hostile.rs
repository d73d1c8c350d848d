//! Hostile monitoring returns: each is read in bounded time and memory, every row is still
//! accounted for (`read = accepted + rejected`), and nothing from the return can forge a line
//! of the report or reach the terminal as a control character.

mod common;
use common::{exits, Scratch};
use outcome::report::{engine, input, Input, Options};
use std::sync::mpsc;
use std::time::Duration;

const SPEC: &str = "specs/drug-service.outcome";
const RETURN: &str = "specs/returns/drug-service-2009-10.csv";

fn contract() -> outcome::model::Contract {
    let text = std::fs::read(SPEC).unwrap();
    let (_, compiled) = outcome::compile_bytes(SPEC, &text);
    *compiled.contract.unwrap()
}

fn malformed(input: &Input) -> Option<(u64, &str)> {
    match input {
        Input::Malformed { number, reason } => Some((*number, reason.as_str())),
        Input::Row(_) => None,
    }
}

/// Run `work` on another thread and fail if it takes longer than `limit`: a bound far above
/// what the work needs, so that only a change of complexity (or an endless loop) trips it,
/// and the test fails at the bound instead of running on.
fn within<T: Send + 'static>(limit: Duration, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(work());
    });
    match receive.recv_timeout(limit) {
        Ok(value) => value,
        Err(_) => panic!("not done within {limit:?}"),
    }
}

#[test]
fn a_header_of_200_000_columns_is_read_in_linear_time() {
    // 1.3 MB of header: quadratic duplicate-name detection took minutes.
    let mut text = String::from("participant,stage,date");
    for i in 0..200_000 {
        text.push_str(&format!(",a{i}"));
    }
    text.push_str("\nP1,enrol,2009-04-02");
    text.push_str(&",".repeat(200_000));
    text.push('\n');
    let rows = within(Duration::from_secs(20), move || {
        let rows = input::csv(text.as_bytes());
        assert_eq!(rows.header_problem(), None);
        assert_eq!(rows.attributes().len(), 200_000);
        rows.collect::<Vec<Input>>()
    });
    assert!(matches!(&rows[..], [Input::Row(row)] if row.participant == "P1"));
    // A name given twice among them is still found.
    let mut text = String::from("participant,stage,date");
    for i in 0..200_000 {
        text.push_str(&format!(",a{i}"));
    }
    text.push_str(",A7\n");
    let problem = within(Duration::from_secs(20), move || {
        input::csv(text.as_bytes())
            .header_problem()
            .map(str::to_string)
    });
    assert_eq!(problem.as_deref(), Some("the header has two `a7` columns"));
}

/// A header that names no required column is quoted in the error only as far as its first
/// 120 characters: a first line of megabytes is not printed whole into a CI log.
#[test]
fn a_long_header_without_the_columns_is_quoted_only_at_its_start() {
    let mut text = "x".repeat(5_000_000);
    text.push_str(",date\nP1,2009-04-02\n");
    let problem = input::csv(text.as_bytes())
        .header_problem()
        .map(str::to_string)
        .expect("the header lacks columns");
    assert!(
        problem.contains(&format!(
            "reads `{}…` (and 4999885 characters more)",
            "x".repeat(120)
        )),
        "{}",
        &problem[..problem.len().min(600)]
    );
    assert!(problem.len() < 600, "{} bytes", problem.len());
    // A short header is quoted whole, as before.
    let problem = input::csv(b"name,when\nP1,2009-04-02\n".as_slice())
        .header_problem()
        .map(str::to_string)
        .expect("the header lacks columns");
    assert!(problem.contains("reads `name,when`"), "{problem}");
}

#[test]
fn a_stray_quote_costs_its_own_row_only() {
    // Row 5 opens a quote at the start of its stage field and never closes it: it once
    // swallowed the 34 rows after it into one malformed row.
    let sample = std::fs::read_to_string(RETURN).unwrap();
    let text = sample.replacen("DS-002,attend,", "DS-002,\"attend,", 1);
    assert_ne!(text, sample);
    let rows: Vec<Input> = input::csv(text.as_bytes()).collect();
    assert_eq!(rows.len(), 39);
    let bad: Vec<(u64, &str)> = rows.iter().filter_map(malformed).collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert_eq!(bad[0].0, 5);
    assert!(
        bad[0]
            .1
            .starts_with("a stray `\"` at column 8 (field 2) opens a quoted value"),
        "{}",
        bad[0].1
    );
    let r = engine::run(&contract(), rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    assert_eq!((r.rows.read, r.rows.accepted + r.rows.rejected), (39, 39));

    // A quoted value over several lines that closes into a row of the header's width stays
    // one row; one that closes into a row of another width is a stray quote after all.
    let rows: Vec<Input> = input::csv(
        "participant,stage,date,evidence\n\
         P1,enrol,2009-04-02,\"letter\nsigned\"\n\
         P2,\"enrol,2009-04-02,x\nP3,enrol,2009-04-03,\"y\"\n\
         P4,enrol,2009-04-04,\n"
            .as_bytes(),
    )
    .collect();
    let numbers: Vec<(u64, bool)> = rows
        .iter()
        .map(|r| match r {
            Input::Row(row) => (row.number, true),
            Input::Malformed { number, .. } => (*number, false),
        })
        .collect();
    // The record over two lines is one row of the spreadsheet, as a spreadsheet shows it.
    assert_eq!(numbers, vec![(2, true), (3, false), (4, true), (5, true)]);
}

#[test]
fn a_return_of_stray_quotes_is_read_in_linear_time() {
    // Every line opens a quote: each is read ahead a bounded number of lines, never to the
    // end of the file.
    let mut text = String::from("participant,stage,date\n");
    for i in 0..20_000 {
        text.push_str(&format!("P{i},\"enrol,2009-04-02\n"));
    }
    let rows = within(Duration::from_secs(20), move || {
        input::csv(text.as_bytes()).collect::<Vec<Input>>()
    });
    assert_eq!(rows.len(), 20_000);
    assert!(rows.iter().all(|r| malformed(r).is_some()));
}

#[test]
fn json_numbers_are_participant_references_as_written() {
    // Beyond 2^64 a number read as binary rounds: these two people once merged into one.
    let text = "{\"participant\":18446744073709551616,\"stage\":\"enrol\",\"date\":\"2009-04-02\"}\n\
                {\"participant\":18446744073709551617,\"stage\":\"enrol\",\"date\":\"2009-04-03\"}\n\
                {\"participant\":1e3,\"stage\":\"enrol\",\"date\":\"2009-04-04\",\"age\":17.99999999999999999999}\n\
                {\"participant\":1000,\"stage\":\"enrol\",\"date\":\"2009-04-05\"}\n";
    let rows: Vec<Input> = input::json_lines(text.as_bytes()).collect();
    let people: Vec<String> = rows
        .iter()
        .map(|r| match r {
            Input::Row(row) => row.participant.clone(),
            Input::Malformed { reason, .. } => panic!("{reason}"),
        })
        .collect();
    assert_eq!(
        people,
        vec![
            "18446744073709551616",
            "18446744073709551617",
            "1e3",
            "1000"
        ]
    );
    let Input::Row(row) = &rows[2] else {
        unreachable!()
    };
    assert_eq!(
        row.attributes,
        vec![("age".to_string(), "17.99999999999999999999".to_string())]
    );
    let r = engine::run(&contract(), rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    assert_eq!(r.cohorts[0].entered, 4);
}

#[cfg(unix)]
#[test]
fn a_return_that_never_ends_a_line_stops_with_exit_2() {
    // A symlink to /dev/zero, which once filled memory until the process aborted, is not a
    // regular file and is not read at all; a regular file of one endless line (sparse, so all
    // NUL bytes) is read up to the line limit and then refused.
    let scratch = Scratch::new("dev-zero");
    for name in ["zero.csv", "zero.jsonl", "zero-measures.csv"] {
        let path = scratch.path(name);
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    }
    for name in ["endless.csv", "endless.jsonl", "endless-measures.csv"] {
        let file = std::fs::File::create(scratch.path(name)).unwrap();
        file.set_len(17 << 20).unwrap();
    }
    let run = |args: Vec<String>| {
        within(Duration::from_secs(60), move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            exits(&args, 2).get_output().clone()
        })
    };
    let at = |name: &str| scratch.path(name).to_str().unwrap().to_string();
    let args = |returns: &str, measures: Option<&str>| {
        let mut args = vec![
            "report".to_string(),
            SPEC.to_string(),
            "--returns".to_string(),
        ];
        args.push(returns.to_string());
        if let Some(m) = measures {
            args.extend(["--measures".to_string(), m.to_string()]);
        }
        args
    };
    for (returns, measures, expected) in [
        (at("zero.csv"), None, "not a regular file"),
        (at("zero.jsonl"), None, "not a regular file"),
        (
            RETURN.to_string(),
            Some(at("zero-measures.csv")),
            "not a regular file",
        ),
        (at("endless.csv"), None, "line 1 is longer than 16 MB"),
        (at("endless.jsonl"), None, "line 1 is longer than 16 MB"),
        (
            RETURN.to_string(),
            Some(at("endless-measures.csv")),
            "longer than 16 MB",
        ),
    ] {
        let output = run(args(&returns, measures.as_deref()));
        let err = String::from_utf8_lossy(&output.stderr).to_string();
        assert!(err.contains(expected), "{returns} {measures:?}: {err}");
    }
}

#[test]
fn a_line_too_long_stops_reading_where_it_is() {
    let mut text = b"participant,stage,date\nP1,enrol,2009-04-02\nP2,enrol,".to_vec();
    text.resize(text.len() + input::MAX_LINE_BYTES + 1, b'9');
    text.extend_from_slice(b"\nP3,enrol,2009-04-03\n");
    let mut rows = input::csv(text.as_slice());
    let read: Vec<Input> = rows.by_ref().collect();
    assert_eq!(read.len(), 1);
    let error = rows.io_error().unwrap().to_string();
    assert!(error.starts_with("line 3 is longer than 16 MB"), "{error}");
}

/// Whether `text` holds a character a terminal acts on or that reorders text: anything but
/// printable text and line breaks.
fn live_characters(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        })
        .collect()
}

#[test]
fn return_text_cannot_forge_report_lines_or_reach_the_terminal() {
    let scratch = Scratch::new("forged");
    let forged = scratch.file(
        "forged.csv",
        "participant,stage,date,evidence\n\
         \"P1\n  still payable under the total cap: £999,999\",enrol,2009-04-06,\n\
         \"P2\u{1b}[31mRED\u{202e}lived\",enrol,2009-04-07,\n\
         P3,\"atten\nd\u{7}\u{9b}2J\",2009-04-08,\n\
         p2\u{1b}[31mRED\u{202e}lived,attend,2009-04-14,\"EV\n\u{2066}1\"\n",
    );
    let forged = forged.to_str().unwrap();
    let report = exits(&["report", SPEC, "--returns", forged], 0);
    let text = String::from_utf8(report.get_output().stdout.clone()).unwrap();
    assert_eq!(live_characters(&text), Vec::<char>::new(), "{text}");
    assert_eq!(
        text.lines()
            .filter(|l| l.contains("still payable under the total cap"))
            .count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("P2\\u{1b}[31mRED\\u{202e}lived attend"),
        "{text}"
    );
    assert!(
        text.contains("row 4 P3 atten\\nd\\u{7}\\u{9b}2J: unknown stage"),
        "{text}"
    );

    // The trace of one participant, named as the return writes them in another case.
    let explain = exits(
        &[
            "report",
            SPEC,
            "--returns",
            forged,
            "--explain",
            "P2\u{1b}[31mRED\u{202e}LIVED",
        ],
        0,
    );
    let text = String::from_utf8(explain.get_output().stdout.clone()).unwrap();
    assert_eq!(live_characters(&text), Vec::<char>::new(), "{text}");
    assert!(text.contains("Accepted rows: 2"), "{text}");
    assert!(text.contains("EV\\n\\u{2066}1"), "{text}");

    // A header problem quotes the header: inert on stderr too.
    let header = scratch.file("header.csv", "participant,stage,\u{1b}[2J\n");
    let run = exits(&["report", SPEC, "--returns", header.to_str().unwrap()], 2);
    let err = String::from_utf8(run.get_output().stderr.clone()).unwrap();
    assert!(err.contains("\\u{1b}[2j"), "{err}");
    assert_eq!(live_characters(&err), Vec::<char>::new(), "{err}");
}

#[test]
fn participant_references_are_one_person_ignoring_case_and_surrounding_spaces() {
    let text = "participant,stage,date,evidence\n\
                DS-001,enrol,2009-04-06,\n\
                \" ds-001 \",attend,2009-04-14,EV-1\n\
                Ds-001,enrol,2009-04-20,\n\
                DS 001,enrol,2009-04-07,\n";
    let rows: Vec<Input> = input::csv(text.as_bytes()).collect();
    let r = engine::run(&contract(), rows.into_iter(), &Options::default())
        .expect("the report's figures fit");
    assert_eq!(r.cohorts[0].entered, 2, "`DS-001` and `DS 001`");
    // Shown as first written; the third row claims the same person's entry again.
    let paid: Vec<&str> = r
        .payments
        .lines
        .iter()
        .filter_map(|l| l.participant.as_deref())
        .collect();
    assert_eq!(paid, vec!["DS-001"]);
    assert_eq!(r.rejected.len(), 1);
    assert_eq!(r.rejected[0].row, 4);
    assert_eq!(
        r.rejected[0].detail,
        "`DS-001` was already claimed for `enrol` on row 2"
    );
}
