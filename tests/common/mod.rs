//! Helpers shared by the integration tests: the `outcome` binary, scratch directories, and
//! for the HTML tests the hostile text and what escaping it must achieve, and headless
//! Chromium with name resolution disabled and a network log, and reading what it left behind.
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

/// The funnel charts of the document: each `<svg …>` that names its funnel.
pub fn funnel_charts(html: &str) -> Vec<&str> {
    charts(html)
        .into_iter()
        .filter(|chart| chart.contains("data-funnel="))
        .collect()
}

/// Every `.outcome` file under `dir` and its folders, sorted by path; none if `dir` is not
/// there.
pub fn outcome_files_below(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "outcome") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

/// Every `.outcome` file under `specs/` and its folders, sorted by path.
pub fn spec_files() -> Vec<PathBuf> {
    outcome_files_below(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs"))
}

/// Text that would break out of an HTML document if it were not escaped: an element, both
/// quotes, an entity, a bare ampersand, a closing tag for the stylesheet and a `javascript:`
/// address.
pub const HOSTILE: &str =
    r#"<script>alert(1)</script> "quoted" 'single' &amp; & </style> javascript:alert(1)"#;

/// [`HOSTILE`] as it must come out in a document, escaped.
pub const ESCAPED: &str =
    "&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39; \
     &amp;amp; &amp; &lt;/style&gt; javascript:alert(1)";

/// Assert that a document written from [`HOSTILE`] text let none of it through as markup: no
/// script element, one stylesheet that the text did not close, no raw quotes, no
/// `javascript:` attribute, every `&` the start of an entity and every link within the
/// document. Whether the escaped text is there, and from which fields, is for each test to say.
pub fn assert_hostile_text_defused(html: &str) {
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a script element got through");
    assert_eq!(lower.matches("<style").count(), 1, "one stylesheet only");
    assert_eq!(
        lower.matches("</style>").count(),
        1,
        "text closed the stylesheet"
    );
    assert!(
        !html.contains("\"quoted\""),
        "raw double quotes got through"
    );
    assert!(!html.contains("'single'"), "raw single quotes got through");
    assert!(
        !lower.contains("=\"javascript:"),
        "a javascript: attribute got through"
    );

    // Every ampersand starts one of the five entities `escape` writes.
    for (at, _) in html.match_indices('&') {
        let rest = &html[at..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|entity| rest.starts_with(entity)),
            "bare `&` at byte {at}: {}",
            &rest[..rest.len().min(40)]
        );
    }
    // Every link stays in the document.
    for (at, _) in html.match_indices("href=\"") {
        assert!(
            html[at + 6..].starts_with('#'),
            "a link leaves the document: {}",
            &html[at..(at + 60).min(html.len())]
        );
    }
}

/// Whether a tool is there; without it a test is skipped outside CI and fails under it.
pub fn available(test: &str, tool: &Path, install: &str) -> bool {
    if tool.exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{test} needs {} ({install}); `.ci/run` installs it",
        tool.display()
    );
    eprintln!(
        "SKIPPED {test}: {} is missing ({install}); CI installs it",
        tool.display()
    );
    false
}

/// Run `command` until it ends or `patience` runs out (then it is killed and the test fails).
pub fn run_within(
    command: &mut std::process::Command,
    what: &str,
    patience: Duration,
) -> std::process::Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + patience;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "{what} did not finish: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
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

/// `outcome` run with `args` from the crate's folder, asserted to exit with `code`: the run,
/// for whatever else the test asserts of what it printed.
#[track_caller]
pub fn exits(args: &[&str], code: i32) -> assert_cmd::assert::Assert {
    outcome().args(args).assert().code(code)
}

/// Assertions on a finished run of `outcome` that take more than one `assert_cmd` call.
pub trait RunAssert {
    /// Assert that stdout contains each of `texts`.
    fn stdout_has(self, texts: &[&str]) -> Self;
    /// Assert that stderr contains each of `texts`.
    fn stderr_has(self, texts: &[&str]) -> Self;
}

impl RunAssert for assert_cmd::assert::Assert {
    #[track_caller]
    fn stdout_has(mut self, texts: &[&str]) -> Self {
        for text in texts {
            self = self.stdout(predicates::str::contains(*text));
        }
        self
    }

    #[track_caller]
    fn stderr_has(mut self, texts: &[&str]) -> Self {
        for text in texts {
            self = self.stderr(predicates::str::contains(*text));
        }
        self
    }
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

/// The three runs of [`render_in_chromium`], and the network log of the last.
pub struct Rendered {
    /// Printed to PDF.
    pub print: Run,
    /// The screenshot.
    pub shot: Run,
    /// The DOM after load, on its stdout.
    pub dom: Run,
    /// Chromium's network log of the `dom` run.
    pub net_log: PathBuf,
}

/// Print `page` to `pdf` (A4, no header or footer), take a screenshot of it to `png`, and dump
/// its DOM after load with a network log: three independent Chromium runs in `scratch`, in
/// parallel to keep a test to a couple of seconds. `shot` holds the screenshot's own flags (the
/// window size, and any others), put between `--hide-scrollbars` and `--screenshot`.
///
/// A PDF or screenshot left by an earlier run is removed first, so that what a test reads is
/// this run's.
pub fn render_in_chromium(
    scratch: &Path,
    page: &Path,
    pdf: &Path,
    png: &Path,
    shot: &[&str],
) -> Rendered {
    let _ = std::fs::remove_file(pdf);
    let _ = std::fs::remove_file(png);
    let net_log = scratch.join("net-log.json");
    let print_args = [
        "--no-pdf-header-footer".to_string(),
        format!("--print-to-pdf={}", pdf.display()),
    ];
    let shot_args: Vec<String> = std::iter::once("--hide-scrollbars".to_string())
        .chain(shot.iter().map(|flag| flag.to_string()))
        .chain([format!("--screenshot={}", png.display())])
        .collect();
    let dom_args = [
        "--dump-dom".to_string(),
        format!("--log-net-log={}", net_log.display()),
    ];
    let (print, shot, dom) = std::thread::scope(|s| {
        let print = s.spawn(|| chromium(scratch, "print", page, &print_args));
        let shot = s.spawn(|| chromium(scratch, "shot", page, &shot_args));
        let dom = s.spawn(|| chromium(scratch, "dom", page, &dom_args));
        (
            print.join().unwrap(),
            shot.join().unwrap(),
            dom.join().unwrap(),
        )
    });
    Rendered {
        print,
        shot,
        dom,
        net_log,
    }
}

impl Rendered {
    /// Assert that no run printed a console message and that the page asked for nothing over
    /// the network.
    pub fn assert_quiet_and_offline(&self) {
        for run in [&self.print, &self.shot, &self.dom] {
            let console = console_lines(&run.stderr);
            assert!(console.is_empty(), "console messages: {console:#?}");
        }
        let requests = page_requests(&self.net_log);
        assert!(requests.is_empty(), "the page made requests: {requests:#?}");
    }

    /// The DOM after load, asserted to be a whole document with no script in it.
    pub fn loaded_dom(&self) -> &str {
        let loaded = &self.dom.stdout;
        assert!(loaded.contains("</html>"), "no DOM dumped");
        assert!(!loaded.to_lowercase().contains("<script"));
        loaded
    }
}

/// `tests/screenshots/`: the README's pictures, and in `SOURCES` what each was rendered from.
pub fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/screenshots")
}

/// A fingerprint of what a picture was rendered from: FNV-1a, 64 bits, in hexadecimal.
pub fn fingerprint(text: &str) -> String {
    use std::hash::Hasher;
    let mut hasher = fnv::FnvHasher::default();
    hasher.write(text.as_bytes());
    format!("{:016x}", hasher.finish())
}

/// The lines of `SOURCES` about the pictures `pngs` (each line starts with its picture's name).
pub fn recorded_sources(pngs: &[&str]) -> String {
    let recorded = std::fs::read_to_string(screenshots().join("SOURCES")).unwrap_or_default();
    recorded
        .lines()
        .filter(|line| pngs.contains(&line.split(' ').next().unwrap_or_default()))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Write `lines` (about the pictures `pngs`) into `SOURCES` in place of those recorded for them,
/// keeping every other line: each test that renders pictures owns only its own lines.
pub fn record_sources(pngs: &[&str], lines: &str) {
    let path = screenshots().join("SOURCES");
    let recorded = std::fs::read_to_string(&path).unwrap_or_default();
    let mut text: String = recorded
        .lines()
        .filter(|line| !pngs.contains(&line.split(' ').next().unwrap_or_default()))
        .map(|line| format!("{line}\n"))
        .collect();
    text.push_str(lines);
    std::fs::write(path, text).unwrap();
}

/// Assert that `png` is a PNG of more than 10,000 bytes, `width` pixels wide.
pub fn assert_screenshot(png: &Path, width: u32) {
    let size = std::fs::metadata(png).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 10_000,
        "screenshot {} has {size} bytes",
        png.display()
    );
    let bytes = std::fs::read(png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), width);
}

/// `target/`, where the browser tests leave what is worth looking at.
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .to_path_buf()
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

/// A stage's bar in a funnel chart: the first `rect` of each `<g class="funnel-stage …">`
/// whose `data-series` is `series` (any when `None`), as `(stage, x, y, width, height)`.
pub fn stage_bars(chart: &str, series: Option<&str>) -> Vec<(String, f64, f64, f64, f64)> {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        let end = tag[start..].find('"')? + start;
        Some(tag[start..end].to_string())
    };
    let mut bars = Vec::new();
    for (start, _) in chart.match_indices("<g class=\"funnel-stage") {
        let rest = &chart[start..];
        let Some(open_end) = rest.find('>') else {
            continue;
        };
        let open = &rest[..open_end];
        if series.is_some_and(|s| attr(open, "data-series").as_deref() != Some(s)) {
            continue;
        }
        let Some(stage) = attr(open, "data-stage") else {
            continue;
        };
        let group_end = rest.find("</g>").unwrap_or(rest.len());
        let Some(rect_start) = rest[..group_end].find("<rect") else {
            continue;
        };
        let rect = &rest[rect_start..];
        let rect = &rect[..rect.find('>').unwrap_or(rect.len())];
        let num = |n: &str| {
            attr(rect, n)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        bars.push((stage, num("x"), num("y"), num("width"), num("height")));
    }
    bars
}

/// For each stage of a funnel, the index of the stage it is drawn under: the first of its
/// `after`, written before it.
pub fn drawn_under(funnel: &outcome::model::Funnel) -> Vec<Option<usize>> {
    funnel
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let first = s.after.first()?;
            funnel.stages[..i].iter().position(|p| p.id == first)
        })
        .collect()
}

/// Whether a funnel branches: some stage is followed by more than one stage.
pub fn branches(funnel: &outcome::model::Funnel) -> bool {
    let under = drawn_under(funnel);
    (0..under.len()).any(|p| under.iter().filter(|u| **u == Some(p)).count() > 1)
}

/// Print `page` to PDF in headless Chromium and read back each page's text with `pdftotext
/// -layout` (Debian: `poppler-utils`): one string per page. `None` when `pdftotext` is missing
/// and `OUTCOME_SKIP_BROWSER=1` is set; without it, a missing `pdftotext` fails the test.
pub fn printed_pages(scratch: &Path, page: &Path, name: &str) -> Option<Vec<String>> {
    if !Path::new("/usr/bin/pdftotext").exists() {
        if std::env::var("OUTCOME_SKIP_BROWSER").as_deref() == Ok("1") {
            eprintln!("SKIPPED: /usr/bin/pdftotext is missing and OUTCOME_SKIP_BROWSER=1 is set");
            return None;
        }
        panic!("printing needs /usr/bin/pdftotext (Debian: `apt-get install -y poppler-utils`)");
    }
    let pdf = scratch.join(format!("{name}.pdf"));
    let _ = std::fs::remove_file(&pdf);
    chromium(
        scratch,
        &format!("print-{name}"),
        page,
        &[
            "--no-pdf-header-footer".to_string(),
            format!("--print-to-pdf={}", pdf.display()),
        ],
    );
    let out = std::process::Command::new("/usr/bin/pdftotext")
        .args(["-layout"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    Some(pages)
}

/// How full each page of a PDF printed from a document is: how far down the height inside the
/// page's margins (the stylesheet's `@page { margin: 12mm 15mm 16mm }`) its lowest word
/// reaches, from 0 to 1, read with `pdftotext -bbox` (poppler-utils). The page number, in the
/// bottom margin, does not count.
pub fn printed_fill(pdf: &Path) -> Vec<f64> {
    const POINTS_PER_MM: f64 = 72.0 / 25.4;
    let (top, bottom) = (12.0 * POINTS_PER_MM, 16.0 * POINTS_PER_MM);
    let out = std::process::Command::new("/usr/bin/pdftotext")
        .arg("-bbox")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext -bbox failed on {}",
        pdf.display()
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let number = |tag: &str, name: &str| -> f64 {
        attribute(tag, name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {tag}"))
    };
    text.split("<page ")
        .skip(1)
        .map(|page| {
            let height = number(&format!(" {}", &page[..page.find('>').unwrap()]), "height");
            let lowest = page
                .match_indices("<word ")
                .map(|(at, _)| {
                    let tag = &page[at..at + page[at..].find('>').unwrap()];
                    number(tag, "yMax")
                })
                .filter(|&y| y <= height - bottom)
                .fold(top, f64::max);
            (lowest - top) / (height - top - bottom)
        })
        .collect()
}

/// The paper of a PDF's first page as `pdfinfo` (poppler-utils) names it: `A4`, `letter`.
pub fn pdf_paper(pdf: &Path) -> Option<String> {
    let out = std::process::Command::new("/usr/bin/pdfinfo")
        .arg(pdf)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("Page size:"))?;
    let name = line.rsplit_once('(')?.1.trim_end_matches(')');
    Some(name.to_string())
}

/// The text of an element's body: tags dropped, the common entities read, whitespace
/// collapsed.
fn plain_text(body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for ch in body.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    let text = text
        .replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Each figure of a document as `(heading, caption)`: the text of the nearest `h2` or `h3`
/// before it and of its `figcaption`.
fn figures_under_headings(html: &str) -> Vec<(String, String)> {
    html.match_indices("<figure")
        .filter_map(|(start, _)| {
            let before = &html[..start];
            let heading = [before.rfind("<h2"), before.rfind("<h3")]
                .into_iter()
                .flatten()
                .max()?;
            let heading = &html[heading..start];
            let heading = &heading[heading.find('>')? + 1..heading.find("</h")?];
            let figure = &html[start..];
            let figure = &figure[..figure.find("</figure>")?];
            let caption = &figure[figure.find("<figcaption>")? + "<figcaption>".len()..];
            let caption = &caption[..caption.find("</figcaption>")?];
            Some((plain_text(heading), plain_text(caption)))
        })
        .collect()
}

/// What a printed document must not do, page by page: break a date (`2029-03-` or `2026-` at
/// the end of a line), end a page with a table's caption, leave the contents list split over
/// pages, leave a page blank, or part a figure from its caption or from the heading above it
/// (a page holding only a heading, the next the figure, the next its caption).
pub fn assert_printed_well(name: &str, html: &str, pages: &[String]) {
    assert!(!pages.is_empty(), "{name}: nothing printed");
    let collapsed: Vec<String> = pages
        .iter()
        .map(|page| page.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for (heading, caption) in figures_under_headings(html) {
        let page = collapsed
            .iter()
            .position(|page| page.contains(&caption))
            .unwrap_or_else(|| panic!("{name}: the caption {caption:?} is not printed"));
        // The heading's first line, on a line of its own (a caption may begin with its
        // heading's words, and the contents list names it on another page).
        assert!(
            pages[page].lines().any(|line| {
                let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
                line.chars().count() >= heading.chars().count().min(12)
                    && heading.starts_with(&line)
            }),
            "{name}: the figure captioned {caption:?} is printed on page {} away from its \
             heading {heading:?}",
            page + 1
        );
    }
    let captions: Vec<String> = html
        .match_indices("<caption>")
        .filter_map(|(start, tag)| {
            let rest = &html[start + tag.len()..];
            let end = rest.find(['<', '\n'])?;
            let text = rest[..end].trim();
            (!text.is_empty()).then(|| text.to_string())
        })
        .collect();
    for (n, page) in pages.iter().enumerate() {
        for line in page.lines() {
            let line = line.trim_end();
            let bytes = line.as_bytes();
            let broken_date = bytes.len() >= 8
                && line.ends_with('-')
                && bytes[bytes.len() - 8..bytes.len() - 1]
                    .iter()
                    .enumerate()
                    .all(|(i, b)| {
                        if i == 4 {
                            *b == b'-'
                        } else {
                            b.is_ascii_digit()
                        }
                    });
            // A month or a date broken after its year: `2026-` ends the line.
            let broken_month = bytes.len() >= 5
                && line.ends_with('-')
                && bytes[bytes.len() - 5..bytes.len() - 1]
                    .iter()
                    .all(u8::is_ascii_digit)
                && (bytes.len() == 5 || !bytes[bytes.len() - 6].is_ascii_alphanumeric());
            assert!(
                !broken_date && !broken_month,
                "{name}: a date breaks on page {}: {line:?}",
                n + 1
            );
        }
        // More than the running header and the page number.
        assert!(
            page.lines().filter(|l| !l.trim().is_empty()).count() > 2,
            "{name}: page {} is blank",
            n + 1
        );
        let last: Vec<&str> = page
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("Page "))
            .collect();
        if let Some(last) = last.last() {
            for caption in &captions {
                assert!(
                    !last.starts_with(caption.as_str()),
                    "{name}: page {} ends with the caption {caption:?}",
                    n + 1
                );
            }
        }
    }
}

/// The share of its font size a character of chart text is taken to be wide. The system
/// sans-serif fonts the documents use average about half an em a character (bold digits a
/// little more); 0.6 leaves room for capitals and wide letters, so that text estimated to lie
/// within a chart does.
pub const CHARACTER_WIDTH: f64 = 0.6;

/// Every `<text>` of every chart of a document lies within the chart's `viewBox`, so that
/// nothing is clipped on screen or in print: its extent is estimated as its characters ×
/// its `font-size` × `CHARACTER_WIDTH`, placed by its `x` and `text-anchor`. Returns how many
/// texts were checked.
pub fn assert_text_within_view_box(name: &str, html: &str) -> usize {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        let start = tag.find(&key)? + key.len();
        let end = tag[start..].find('"')? + start;
        Some(tag[start..end].to_string())
    };
    let mut checked = 0;
    for chart in charts(html) {
        let open = &chart[..chart.find('>').unwrap()];
        let view_box: Vec<f64> = attr(open, "viewBox")
            .unwrap_or_else(|| panic!("{name}: a chart without a viewBox"))
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        let (left, right) = (view_box[0], view_box[0] + view_box[2]);
        for (start, _) in chart.match_indices("<text") {
            let rest = &chart[start..];
            let tag = &rest[..rest.find('>').unwrap()];
            let body = &rest[tag.len() + 1..rest.find("</text>").unwrap()];
            let text = shown_text(body);
            let x: f64 = attr(tag, "x").unwrap().parse().unwrap();
            let size: f64 = attr(tag, "font-size")
                .unwrap_or_else(|| panic!("{name}: text without a font size: {tag}"))
                .parse()
                .unwrap();
            let width = text.chars().count() as f64 * size * CHARACTER_WIDTH;
            let from = match attr(tag, "text-anchor").as_deref() {
                Some("middle") => x - width / 2.0,
                Some("end") => x - width,
                _ => x,
            };
            assert!(
                from >= left - 0.05 && from + width <= right + 0.05,
                "{name}: {text:?} runs from {from:.1} to {:.1}, outside the chart's {left}–{right}",
                from + width
            );
            checked += 1;
        }
    }
    checked
}

/// The value of attribute `name` in the opening tag `tag`.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

/// What a shape or a text of a funnel chart belongs to: a stage's bar or the band (connector)
/// that leads to it, named by the stage; `None` for what labels no shape (a stage's label in
/// the left column, the legend).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Bar(String),
    Band(String),
}

/// A bar, band or legend swatch of a funnel chart: a convex polygon (a rectangle as its four
/// corners) and what it is.
#[derive(Debug)]
pub struct ChartShape {
    pub part: Option<Part>,
    pub points: Vec<(f64, f64)>,
}

/// A text of a funnel chart, its box estimated as in `assert_text_within_view_box` (its
/// characters × its font size × `CHARACTER_WIDTH` wide, placed by `x` and `text-anchor`; from
/// 0.8 of its font size above its baseline to 0.2 below), and the shape it labels.
#[derive(Debug)]
pub struct ChartText {
    pub text: String,
    pub labels: Option<Part>,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

/// The shapes and texts of a funnel chart. Shapes are the rectangles of each bar
/// (`<g class="funnel-stage">`), the connectors (`<polygon class="funnel-connector">`) and the
/// legend's swatches; a stage's count labels its bar, a conversion its band. A stage's tinted
/// exception band in the report is the row's background, under its label by design, and is
/// not counted.
pub fn chart_geometry(chart: &str) -> (Vec<ChartShape>, Vec<ChartText>) {
    let mut shapes = Vec::new();
    let mut texts = Vec::new();
    // The stage of the bar group the walk is in, and whether it is in the legend.
    let mut stage: Option<String> = None;
    let mut legend = false;
    let mut at = 0;
    while let Some(found) = chart[at..].find('<') {
        let start = at + found;
        let end = start + chart[start..].find('>').unwrap();
        let tag = &chart[start..end];
        at = end + 1;
        let name = if tag.starts_with("</") {
            &tag[1..]
        } else {
            tag[1..]
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap_or("")
        };
        let class = attribute(tag, "class").unwrap_or_default();
        let number = |n: &str| -> f64 { attribute(tag, n).unwrap().parse().unwrap() };
        match name {
            "g" if class.starts_with("funnel-stage") => {
                stage = attribute(tag, "data-stage");
            }
            "g" if class == "funnel-legend" => legend = true,
            "/g" => {
                stage = None;
                legend = false;
            }
            "rect" if stage.is_some() || legend => {
                let (x, y, w, h) = (number("x"), number("y"), number("width"), number("height"));
                shapes.push(ChartShape {
                    part: stage.clone().map(Part::Bar),
                    points: vec![(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
                });
            }
            "polygon" if class == "funnel-connector" => {
                let points = attribute(tag, "points")
                    .unwrap()
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect();
                shapes.push(ChartShape {
                    part: attribute(tag, "data-stage").map(Part::Band),
                    points,
                });
            }
            "text" => {
                let body = &chart[at..at + chart[at..].find("</text>").unwrap()];
                let text = shown_text(body);
                let x = number("x");
                let y = number("y");
                let size = number("font-size");
                let width = text.chars().count() as f64 * size * CHARACTER_WIDTH;
                let left = match attribute(tag, "text-anchor").as_deref() {
                    Some("middle") => x - width / 2.0,
                    Some("end") => x - width,
                    _ => x,
                };
                let labels = match class.as_str() {
                    "funnel-count" => stage.clone().map(Part::Bar),
                    "funnel-conversion" => attribute(tag, "data-stage").map(Part::Band),
                    _ => None,
                };
                texts.push(ChartText {
                    text,
                    labels,
                    left,
                    right: left + width,
                    top: y - 0.8 * size,
                    bottom: y + 0.2 * size,
                });
            }
            _ => {}
        }
    }
    (shapes, texts)
}

/// The characters a `<text>` shows: tags (`tspan`) dropped, an entity one character.
fn shown_text(body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut in_entity = false;
    for ch in body.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            '&' if !in_tag => {
                in_entity = true;
                text.push('x');
            }
            ';' if in_entity => in_entity = false,
            _ if in_tag || in_entity => {}
            _ => text.push(ch),
        }
    }
    text
}

/// Whether a text's box and a convex polygon overlap by more than half a unit (touching is
/// not overlapping): they are apart when their projections on an axis of either (the box's
/// two, each edge's normal) overlap by no more than that.
fn overlaps(text: &ChartText, polygon: &[(f64, f64)]) -> bool {
    let corners = [
        (text.left, text.top),
        (text.right, text.top),
        (text.right, text.bottom),
        (text.left, text.bottom),
    ];
    let mut axes = vec![(1.0, 0.0), (0.0, 1.0)];
    for (i, a) in polygon.iter().enumerate() {
        let b = polygon[(i + 1) % polygon.len()];
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let length = (dx * dx + dy * dy).sqrt();
        if length > 0.0 {
            axes.push((-dy / length, dx / length));
        }
    }
    let project = |points: &[(f64, f64)], axis: (f64, f64)| {
        points
            .iter()
            .map(|p| p.0 * axis.0 + p.1 * axis.1)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    axes.into_iter().all(|axis| {
        let (a0, a1) = project(&corners, axis);
        let (b0, b1) = project(polygon, axis);
        a1.min(b1) - a0.max(b0) > 0.5
    })
}

/// In every funnel chart of a document, no text's box (estimated as in `chart_geometry`)
/// overlaps a bar, band or swatch other than the one it labels, and no two texts overlap: a
/// route's band once ran over the counts and conversions of the narrow route beside it.
/// Returns how many texts were checked.
pub fn assert_labels_clear(name: &str, html: &str) -> usize {
    let mut checked = 0;
    let mut clashes = Vec::new();
    for chart in funnel_charts(html) {
        let funnel = attribute(&chart[..chart.find('>').unwrap()], "data-funnel").unwrap();
        let (shapes, texts) = chart_geometry(chart);
        for (i, text) in texts.iter().enumerate() {
            for shape in &shapes {
                if shape.part.is_some() && shape.part == text.labels {
                    continue;
                }
                if overlaps(text, &shape.points) {
                    clashes.push(format!(
                        "{funnel}: {:?} ({:.1}–{:.1} × {:.1}–{:.1}) overlaps {:?} at {:?}",
                        text.text,
                        text.left,
                        text.right,
                        text.top,
                        text.bottom,
                        shape.part,
                        shape.points
                    ));
                }
            }
            for other in &texts[i + 1..] {
                let box_of = |t: &ChartText| {
                    vec![
                        (t.left, t.top),
                        (t.right, t.top),
                        (t.right, t.bottom),
                        (t.left, t.bottom),
                    ]
                };
                if overlaps(text, &box_of(other)) {
                    clashes.push(format!(
                        "{funnel}: {:?} and {:?} overlap",
                        text.text, other.text
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(
        clashes.is_empty(),
        "{name}: chart text overlaps:\n{}",
        clashes.join("\n")
    );
    checked
}
