//! The VS Code extension in VS Code: code-server (VS Code served to a browser, from npm) in
//! headless Chromium, used through `tests/vscode/drive.js` (puppeteer-core) as a commissioner
//! would. The extension is packaged by `vsce` and installed by code-server's
//! `--install-extension`, as its README says; `specs/rough-sleeping.outcome` is opened from the
//! Explorer; the colours of a stage's line, the outline, the stage's hover, a misspelt name's
//! error and its quick fix are read from the window and checked against what `outcome build`
//! and `outcome check` say; the fixed file is saved and must check clean.
//!
//! The two screenshots in the README (`tests/screenshots/vscode-*.png`) are taken in the same
//! session by `cargo test --test vscode -- --ignored render_the_editor_screenshots`, and
//! `tests/screenshots/SOURCES` records a fingerprint of what the window showed, the contract
//! and the grammar: the test fails when VS Code shows something else than the pictures do.
//!
//! `.ci/install-vscode` (run by `.ci/run`) installs it all under `target/vscode`; without it the
//! tests say they are skipped, and fail under CI (`CI` set).

mod common;

use common::{
    assert_screenshot, available, chromium_available, exits, fingerprint, record_sources,
    recorded_sources, run_within, screenshots, target_dir, Scratch,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long code-server may take to start, and VS Code to go through the whole scenario, on a
/// busy machine with a debug build of the server.
const PATIENCE: Duration = Duration::from_secs(240);

const SPEC: &str = "specs/rough-sleeping.outcome";
/// The line a name is misspelt on, as `tests/editors.rs` misspells it for Neovim.
const MISSPELT_LINE: &str = "pay £4,000 for sustained_18m";
/// The stage hovered over.
const HOVERED: &str = "housed";

/// The pictures, as `drive.js` names them and as the README shows them.
const PICTURES: [(&str, &str); 2] = [
    ("hover.png", "vscode-hover.png"),
    ("quickfix.png", "vscode-quickfix.png"),
];

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where `.ci/install-vscode` puts code-server, vsce, puppeteer-core and the extension's
/// dependencies.
fn installed() -> PathBuf {
    repository().join("target/vscode")
}

fn tools_available(test: &str) -> bool {
    available(
        test,
        &installed().join("installed"),
        "code-server, vsce and puppeteer-core from npm: `.ci/install-vscode`",
    ) && chromium_available(test)
}

fn node_tool(name: &str) -> PathBuf {
    installed().join("node_modules/.bin").join(name)
}

/// A copy of `editors/vscode` with the extension's dependencies beside it, packaged by `vsce`.
fn package(scratch: &Scratch) -> PathBuf {
    let folder = scratch.path("extension");
    copy_folder(&repository().join("editors/vscode"), &folder);
    std::os::unix::fs::symlink(
        installed().join("extension/node_modules"),
        folder.join("node_modules"),
    )
    .unwrap();
    let vsix = scratch.path("outcome-lang.vsix");
    // The licence texts are at the repository's root, not in the extension's folder.
    let output = run_within(
        Command::new(node_tool("vsce"))
            .args(["package", "--skip-license", "--out"])
            .arg(&vsix)
            .current_dir(&folder),
        "vsce package",
        PATIENCE,
    );
    assert!(
        output.status.success() && vsix.is_file(),
        "vsce could not package the extension: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    vsix
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "node_modules" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// code-server's own folders and configuration, all in the scratch directory.
fn code_server(scratch: &Scratch) -> Command {
    let mut command = Command::new(node_tool("code-server"));
    command
        .arg("--config")
        .arg(scratch.path("code-server.yaml"))
        .arg("--user-data-dir")
        .arg(scratch.path("data"))
        .arg("--extensions-dir")
        .arg(scratch.path("extensions"))
        .env("XDG_CONFIG_HOME", scratch.path("config"))
        .env("XDG_DATA_HOME", scratch.path("share"))
        .env("XDG_CACHE_HOME", scratch.path("cache"))
        .current_dir(&scratch.0);
    command
}

/// VS Code as it is set up for the pictures: the light theme, no welcome page, no minimap, a
/// cursor that does not blink. (The extension's one setting, the binary, is added where they are
/// written: its path differs from one checkout to another, the pictures do not.)
fn look() -> Value {
    json!({
        "workbench.colorTheme": "Default Light Modern",
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": false,
        "security.workspace.trust.enabled": false,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": false,
        "extensions.autoUpdate": false,
        "git.enabled": false,
        "editor.minimap.enabled": false,
        "editor.cursorBlinking": "solid",
    })
}

/// A running code-server, in a process group of its own: its extension host and `outcome lsp`
/// end with it.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(scratch: &Scratch, workspace: &Path) -> Server {
        let log = scratch.path("code-server.log");
        let child = {
            use std::os::unix::process::CommandExt;
            code_server(scratch)
                .args(["--auth", "none", "--bind-addr", "127.0.0.1:0"])
                .args(["--disable-telemetry", "--disable-update-check"])
                .arg("--disable-workspace-trust")
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(&log).unwrap())
                .stderr(std::fs::File::create(scratch.path("code-server.err")).unwrap())
                .process_group(0)
                .spawn()
                .unwrap()
        };
        let mut server = Server {
            child,
            url: String::new(),
        };
        let deadline = Instant::now() + PATIENCE;
        let address = loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if let Some(at) = text.find("HTTP server listening on ") {
                let rest = &text[at + "HTTP server listening on ".len()..];
                break rest.split_whitespace().next().unwrap().to_string();
            }
            assert!(
                Instant::now() < deadline && server.child.try_wait().unwrap().is_none(),
                "code-server did not start: {text}"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        server.url = format!("{address}?folder={}", workspace.display());
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// 1-based line and column (in UTF-16 units, as VS Code counts) of `needle` in `text`, plus
/// `offset` characters.
fn line_and_column(text: &str, needle: &str, offset: usize) -> (usize, usize) {
    let at = text.find(needle).unwrap_or_else(|| panic!("no `{needle}`"));
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let line = text[..at].matches('\n').count() + 1;
    (line, text[start..at].encode_utf16().count() + 1 + offset)
}

/// What `drive.js` does: hover inside the stage's name, misspell the name by typing over its
/// last letter, ask for the fixes at its first.
fn scenario(text: &str) -> Value {
    let (line, column) = line_and_column(text, &format!("milestone {HOVERED} "), 10);
    let name = MISSPELT_LINE.rsplit(' ').next().unwrap();
    let before_name = MISSPELT_LINE.chars().count() - name.chars().count();
    let (fix_line, fix_column) = line_and_column(text, MISSPELT_LINE, before_name);
    json!({
        "file": "rough-sleeping.outcome",
        "hover": {"line": line, "column": column + 2, "text": format!("milestone {HOVERED} ")},
        "misspell": {"line": fix_line, "column": fix_column + name.len(), "typed": "n"},
        "fix": {"line": fix_line, "column": fix_column, "title": format!("`{name}`")},
    })
}

/// The contract as misspelt in the editor.
fn misspelt(text: &str) -> String {
    text.replacen(MISSPELT_LINE, &MISSPELT_LINE.replace("18m", "18n"), 1)
}

/// One session: the packaged extension installed, the contract opened and used; what the window
/// showed (`shown.json`) and the scratch directory holding the pictures.
struct Session {
    scratch: Scratch,
    shown: Value,
    text: String,
}

fn use_vscode(test: &str) -> Session {
    let scratch = Scratch::new(test);
    let vsix = package(&scratch);
    let output = run_within(
        code_server(&scratch).arg("--install-extension").arg(&vsix),
        "code-server --install-extension",
        PATIENCE,
    );
    let said = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success() && said.contains("was successfully installed"),
        "code-server did not install the extension: {said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut settings = look();
    settings["outcome.path"] = json!(env!("CARGO_BIN_EXE_outcome"));
    scratch.file(
        "data/User/settings.json",
        serde_json::to_string_pretty(&settings).unwrap(),
    );
    let text = std::fs::read_to_string(repository().join(SPEC)).unwrap();
    let workspace = scratch.path("contracts");
    scratch.file("contracts/rough-sleeping.outcome", &text);
    let scenario_file = scratch.file("scenario.json", scenario(&text).to_string());
    let pictures = scratch.path("pictures");
    std::fs::create_dir_all(&pictures).unwrap();

    let server = Server::start(&scratch, &workspace);
    let output = run_within(
        Command::new("node")
            .arg(repository().join("tests/vscode/drive.js"))
            .arg(&server.url)
            .arg(&scenario_file)
            .arg(&pictures)
            .env("NODE_PATH", installed().join("node_modules"))
            .env("CHROMIUM", common::CHROMIUM),
        "VS Code driven through drive.js",
        PATIENCE,
    );
    drop(server);
    let failed = pictures.join("failed.png");
    if failed.exists() {
        let kept = target_dir().join("vscode-failed.png");
        let _ = std::fs::copy(&failed, &kept);
        eprintln!("what VS Code showed when it went wrong: {}", kept.display());
    }
    assert!(
        output.status.success(),
        "drive.js failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let shown =
        serde_json::from_str(&std::fs::read_to_string(pictures.join("shown.json")).unwrap())
            .unwrap();
    Session {
        scratch,
        shown,
        text,
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn assert_shows(what: &str, shown: &str, expected: &[String]) {
    for text in expected {
        assert!(
            shown.contains(text.as_str()),
            "{what} lacks `{text}`:\n{shown}"
        );
    }
}

/// `outcome check --format json` on `text`, one record per diagnostic.
fn checked(scratch: &Scratch, text: &str) -> Vec<Value> {
    scratch.file("checked/rough-sleeping.outcome", text);
    let output = scratch
        .outcome()
        .args([
            "check",
            "--format",
            "json",
            "checked/rough-sleeping.outcome",
        ])
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// "Errors: 1, Warnings: 1", as the status bar reads its count aloud; "No Problems" for none.
fn count(records: &[Value]) -> String {
    let of = |severity: &str| records.iter().filter(|r| r["severity"] == severity).count();
    if records.is_empty() {
        "No Problems".to_string()
    } else {
        format!("Errors: {}, Warnings: {}", of("error"), of("warning"))
    }
}

/// `outcome build --format json` on the contract as it was opened.
fn built() -> Value {
    let run = exits(&["build", "--format", "json", SPEC], 0);
    serde_json::from_slice(&run.get_output().stdout).unwrap()
}

/// The stage hovered over, as `build` computes it.
fn built_stage(built: &Value) -> Value {
    built["funnels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["stages"].as_array().unwrap())
        .find(|s| s["id"] == HOVERED)
        .unwrap()
        .clone()
}

/// Every name the outline must list: the outcomes, cohorts, funnels, their stages, measures.
fn declared_names(built: &Value) -> Vec<String> {
    let mut names = vec![built["title"].as_str().unwrap().to_string()];
    for list in ["outcomes", "cohorts", "funnels", "measures"] {
        for item in built[list].as_array().unwrap() {
            names.push(item["id"].as_str().unwrap().to_string());
            for stage in item["stages"].as_array().into_iter().flatten() {
                names.push(stage["id"].as_str().unwrap().to_string());
            }
        }
    }
    names
}

/// What the pictures were taken from: what the window showed, the contract, and what colours
/// it (the grammar) and frames it (the scenario and VS Code's settings).
fn sources(session: &Session) -> String {
    let grammar = std::fs::read_to_string(
        repository().join("editors/vscode/syntaxes/outcome.tmLanguage.json"),
    )
    .unwrap();
    let scenario = std::fs::read_to_string(repository().join("tests/vscode/drive.js")).unwrap();
    let made_of = format!(
        "{}\n{}\n{grammar}\n{scenario}\n{}",
        session.shown,
        session.text,
        look()
    );
    let print = fingerprint(&made_of);
    PICTURES
        .iter()
        .map(|(_, png)| format!("{png} {print} VS Code (code-server 4.96.4) on {SPEC}, drive.js\n"))
        .collect()
}

fn pngs() -> Vec<&'static str> {
    PICTURES.iter().map(|(_, png)| *png).collect()
}

#[test]
fn vscode_shows_the_outline_hover_error_and_quick_fix() {
    let test = "vscode_shows_the_outline_hover_error_and_quick_fix";
    if !tools_available(test) {
        return;
    }
    let session = use_vscode("vscode");
    let shown = &session.shown;
    let scratch = &session.scratch;

    assert_eq!(shown["opened"], "No Problems", "{shown}");
    let outline = strings(&shown["outline"]);
    let built = built();
    for name in declared_names(&built) {
        assert!(
            outline
                .iter()
                .any(|row| row.starts_with(&format!("{name} ("))),
            "the outline lacks `{name}`: {outline:?}"
        );
    }

    let stage = built_stage(&built);
    let hover = shown["hover"].as_str().unwrap();
    assert_shows(
        "the hover",
        hover,
        &[
            format!("milestone {HOVERED}"),
            stage["description"].as_str().unwrap().to_string(),
            format!("{} people", stage["expected"]),
            format!("stated {}%", stage["stated_conversion"].as_str().unwrap()),
            format!("computed {}%", stage["conversion"].as_str().unwrap()),
            format!("{}%", stage["overall_conversion"].as_str().unwrap()),
            stage["price"]["text"].as_str().unwrap().to_string(),
        ],
    );

    // The stage's line in the grammar's colours: the keyword, the name, the description and
    // the figures each coloured, and by kind.
    let colours = &shown["colours"];
    let foreground = colours["foreground"].as_str().unwrap();
    let tokens = colours["tokens"].as_array().unwrap();
    let colour_of = |text: &str| {
        tokens
            .iter()
            .find(|t| t[0] == text)
            .and_then(|t| t[1].as_str())
            .unwrap_or_else(|| panic!("`{text}` is not a token of its own: {tokens:?}"))
    };
    let keyword = colour_of("milestone");
    let name = colour_of(HOVERED);
    let description = colour_of(&format!("\"{}\"", stage["description"].as_str().unwrap()));
    let people = colour_of(&stage["expected"].to_string());
    let conversion = colour_of(&format!(
        "{}%",
        stage["stated_conversion"].as_str().unwrap()
    ));
    for colour in [keyword, name, description, people] {
        assert_ne!(colour, foreground, "{tokens:?}");
    }
    let kinds = std::collections::BTreeSet::from([keyword, name, description, people]);
    assert_eq!(kinds.len(), 4, "two kinds share a colour: {tokens:?}");
    assert_eq!(people, conversion, "figures differ in colour: {tokens:?}");

    // The misspelt contract: the count, the rows of the Problems panel and the quick fix are
    // those of `outcome check` on the same text.
    let records = checked(scratch, &misspelt(&session.text));
    assert_eq!(shown["misspelt"], count(&records), "{records:?}");
    let problems = strings(&shown["problems"]);
    for record in &records {
        let row = format!(
            "{}\noutcome\n{}\n[Ln {}, Col {}]",
            record["message"].as_str().unwrap(),
            record["code"].as_str().unwrap(),
            record["line"],
            record["column"]
        );
        assert!(
            problems.iter().any(|p| p.starts_with(&row)),
            "the Problems panel lacks {row:?}: {problems:?}"
        );
    }
    let misspelling = records
        .iter()
        .find(|r| r["code"] == "E0202")
        .unwrap_or_else(|| panic!("no E0202 for the misspelt name: {records:?}"));
    let suggested = misspelling["help"].as_str().unwrap();
    let name = suggested.split('`').nth(1).unwrap();
    let fixes = strings(&shown["fixes"]);
    assert!(
        fixes.iter().any(|f| f.contains(&format!("`{name}`"))),
        "no quick fix writes what `outcome check` suggests ({suggested}): {fixes:?}"
    );

    // The fix applied and saved: the file is the contract again, and checks clean.
    assert_eq!(shown["fixed"], "No Problems", "{shown}");
    assert_eq!(
        scratch.read("contracts/rough-sleeping.outcome"),
        session.text
    );
    assert!(checked(scratch, &scratch.read("contracts/rough-sleeping.outcome")).is_empty());

    let recorded = recorded_sources(&pngs());
    let now = sources(&session);
    assert!(
        recorded == now,
        "VS Code shows something else than the README's editor screenshots; render them again \
         with `cargo test --test vscode -- --ignored render_the_editor_screenshots` and commit \
         tests/screenshots/.\nrecorded:\n{recorded}\nnow:\n{now}\nshown: {shown:#}"
    );
}

#[test]
fn the_editor_screenshots_are_there() {
    for png in pngs() {
        assert_screenshot(&screenshots().join(png), 1280);
    }
}

/// Takes the README's editor screenshots and records what they were taken from.
#[test]
#[ignore = "renders the README's editor screenshots; run on purpose, with code-server"]
fn render_the_editor_screenshots() {
    assert!(
        tools_available("render_the_editor_screenshots"),
        "the screenshots need code-server and Chromium"
    );
    let session = use_vscode("vscode-render");
    for (taken, png) in PICTURES {
        let from = session.scratch.path("pictures").join(taken);
        let to = screenshots().join(png);
        std::fs::copy(&from, &to).unwrap();
        assert_screenshot(&to, 1280);
    }
    record_sources(&pngs(), &sources(&session));
}
