//! Helpers shared by the integration tests: the `outcome` binary, scratch directories, and
//! for the HTML tests headless Chromium with name resolution disabled and a network log, and
//! reading what it left behind.
//!
//! Each test file uses some of them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The text of each `<svg …>…</svg>` in the document.
pub fn charts(html: &str) -> Vec<&str> {
    html.match_indices("<svg")
        .map(|(start, _)| {
            let end = html[start..]
                .find("</svg>")
                .map_or(html.len(), |e| start + e);
            &html[start..end]
        })
        .collect()
}

/// Whether Chromium is there; without it, fail unless the skip is asked for out loud.
pub fn chromium_available(test: &str) -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var("OUTCOME_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!(
            "SKIPPED {test}: {CHROMIUM} is missing and OUTCOME_SKIP_BROWSER=1 is set; \
             the HTML document was not checked in a browser"
        );
        return false;
    }
    panic!(
        "{test} needs headless Chromium at {CHROMIUM} (Debian: `apt-get install -y chromium`); \
         set OUTCOME_SKIP_BROWSER=1 to skip the browser tests"
    );
}

/// The `outcome` binary, run from the crate's folder (so `specs/...` paths work).
pub fn outcome() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("outcome").unwrap();
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// A scratch directory under the system's temporary directory, removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A fresh directory named for the test binary and the test, so tests run in parallel.
    pub fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "outcome-{}-{}-{test}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Write a file (and its folders) in the directory; its path.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.0.join(name)).unwrap()
    }

    /// `outcome` run inside this directory.
    pub fn outcome(&self) -> assert_cmd::Command {
        let mut command = assert_cmd::Command::cargo_bin("outcome").unwrap();
        command.current_dir(&self.0);
        command
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one Chromium run left behind.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
}

/// Run headless Chromium on `page` with the given extra arguments, in a fresh profile, with
/// every host name resolving to nothing, and a time limit.
pub fn chromium(scratch: &Path, profile: &str, page: &Path, extra: &[String]) -> Run {
    let profile = scratch.join(profile);
    std::fs::create_dir_all(&profile).unwrap();
    let url = format!("file://{}", page.display());
    let mut child = std::process::Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes on threads so that a chatty browser cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut out, &mut text).unwrap();
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut err, &mut text).unwrap();
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Chromium did not finish within 60 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let run = Run {
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    assert!(
        status.success(),
        "Chromium failed: {status}\n{}",
        run.stderr
    );
    run
}

/// Console messages the page caused (a refused load, a script error, a CSP violation).
pub fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains("CONSOLE")).collect()
}

/// Requests the page started, from Chromium's network log. Chromium's own background
/// requests have no origin (`"initiator": "not an origin"`); anything the document asked for
/// has its origin, which for a file is `"null"`.
pub fn page_requests(net_log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(net_log).unwrap();
    // A log cut short lacks its closing brackets.
    let log: serde_json::Value = serde_json::from_str(&text)
        .or_else(|_| serde_json::from_str(&format!("{}]}}", text.trim_end().trim_end_matches(','))))
        .expect("Chromium's network log is JSON");
    let types = &log["constants"]["logEventTypes"];
    let start_job = types["URL_REQUEST_START_JOB"].as_u64().unwrap();
    let alive = types["REQUEST_ALIVE"].as_u64().unwrap();
    let events = log["events"].as_array().unwrap();
    let url_of = |source: &serde_json::Value| {
        events
            .iter()
            .find(|e| e["type"].as_u64() == Some(alive) && e["source"]["id"] == source["id"])
            .and_then(|e| e["params"]["url"].as_str())
            .unwrap_or("?")
            .to_string()
    };
    events
        .iter()
        .filter(|e| e["type"].as_u64() == Some(start_job))
        // The job's start carries the initiator; its end carries no parameters.
        .filter(|e| {
            e["params"]["initiator"]
                .as_str()
                .is_some_and(|initiator| initiator != "not an origin")
        })
        .map(|e| url_of(&e["source"]))
        .collect()
}

/// `/Type /Page` objects, not `/Type /Pages`.
pub fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}
