//! Hostile monitoring returns: each is read in bounded time and memory, every row is still
//! accounted for (`read = accepted + rejected`), and nothing from the return can forge a line
//! of the report or reach the terminal as a control character.

use outcome::report::{input, Input};
use std::sync::mpsc;
use std::time::Duration;

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
