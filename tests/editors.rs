//! Real editors' tools on the editor support: Neovim's own language client runs `outcome lsp`
//! on a broken contract and shows its diagnostic, and `vscode-tmgrammar-test` (npm) checks the
//! VS Code extension's TextMate grammar against the assertion files in `editors/vscode/tests/`
//! and tokenises every spec.
//!
//! `.ci/run` installs both (Debian's `neovim`, the npm package under `target/tmgrammar`). Where
//! one is missing a test says it is skipped, unless it runs under CI (`CI` set), where it fails.

mod common;

use common::{available, run_within, Scratch};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// How long an editor may take to start, attach and show a diagnostic on a busy machine.
const PATIENCE: Duration = Duration::from_secs(120);

/// Run `command` until it ends or `PATIENCE` runs out (then it is killed and the test fails).
fn run(command: &mut Command, what: &str) -> std::process::Output {
    run_within(command, what, PATIENCE)
}

/// Neovim's client, started from a script as a user's configuration would: attach to the
/// buffer, wait for diagnostics, write each as `CODE LINE MESSAGE` to a file, quit.
const NVIM_SCRIPT: &str = r#"
local file, binary, result = vim.env.OUTCOME_FILE, vim.env.OUTCOME_BINARY, vim.env.OUTCOME_RESULT
vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buffer = vim.api.nvim_get_current_buf()
-- `vim.lsp.start_client` and `buf_attach_client`: the API of Debian's Neovim 0.7 and later.
local client = vim.lsp.start_client({
  name = 'outcome',
  cmd = { binary, 'lsp' },
  root_dir = vim.fn.fnamemodify(file, ':p:h'),
})
vim.lsp.buf_attach_client(buffer, client)
local shown = vim.wait(100000, function() return #vim.diagnostic.get(buffer) > 0 end, 50)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(buffer)) do
  table.insert(lines, string.format('%s %d %s', d.code, d.lnum + 1, d.message:match('[^\n]*')))
end
if not shown then table.insert(lines, 'no diagnostics within the time allowed') end
vim.fn.writefile(lines, result)
vim.lsp.stop_client(client)
vim.cmd('qall!')
"#;

#[test]
fn neovim_shows_the_diagnostic_of_a_broken_contract() {
    let nvim = Path::new("/usr/bin/nvim");
    if !available(
        "neovim_shows_the_diagnostic_of_a_broken_contract",
        nvim,
        "Debian: `apt-get install -y neovim`",
    ) {
        return;
    }
    let scratch = Scratch::new("neovim");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/rough-sleeping.outcome");
    let broken = std::fs::read_to_string(spec).unwrap().replacen(
        "pay £4,000 for sustained_18m",
        "pay £4,000 for sustained_18n",
        1,
    );
    let path = scratch.file("rough-sleeping.outcome", &broken);
    let script = scratch.file("client.lua", NVIM_SCRIPT);
    let result = scratch.path("shown.txt");

    // What `outcome check` reports for the same file: the codes, lines and messages Neovim
    // must show, the misspelt name's among them.
    let checked = scratch
        .outcome()
        .args(["check", "--format", "json", "rough-sleeping.outcome"])
        .output()
        .unwrap();
    let mut expected: Vec<String> = String::from_utf8(checked.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let record: Value = serde_json::from_str(l).unwrap();
            format!(
                "{} {} {}",
                record["code"].as_str().unwrap(),
                record["line"],
                record["message"].as_str().unwrap()
            )
        })
        .collect();
    expected.sort();
    let line = broken
        .lines()
        .position(|l| l.contains("sustained_18n"))
        .unwrap()
        + 1;
    let misspelt =
        format!("E0202 {line} there is no milestone or performance target named `sustained_18n`");
    assert!(expected.contains(&misspelt), "{expected:?}");

    let output = run(
        Command::new(nvim)
            .args(["--headless", "--clean", "-n", "-c"])
            .arg(format!("luafile {}", script.display()))
            .env("OUTCOME_FILE", &path)
            .env("OUTCOME_BINARY", env!("CARGO_BIN_EXE_outcome"))
            .env("OUTCOME_RESULT", &result)
            .current_dir(&scratch.0),
        "Neovim",
    );
    let shown = std::fs::read_to_string(&result).unwrap_or_else(|_| {
        panic!(
            "Neovim wrote no result: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let mut shown: Vec<&str> = shown.lines().collect();
    shown.sort_unstable();
    assert_eq!(shown, expected, "Neovim showed {shown:?}");
}

/// `vscode-tmgrammar-test` as `.ci/run` installs it, or where `OUTCOME_TMGRAMMAR_TEST` says.
fn tmgrammar_test() -> PathBuf {
    std::env::var_os("OUTCOME_TMGRAMMAR_TEST").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/tmgrammar/node_modules/.bin/vscode-tmgrammar-test")
        },
        PathBuf::from,
    )
}

#[test]
fn the_textmate_grammar_passes_its_assertion_files_and_fails_a_wrong_one() {
    let tool = tmgrammar_test();
    if !available(
        "the_textmate_grammar_passes_its_assertion_files_and_fails_a_wrong_one",
        &tool,
        "npm: `npm install --prefix target/tmgrammar vscode-tmgrammar-test`",
    ) {
        return;
    }
    let extension = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode");
    let files = std::fs::read_dir(extension.join("tests"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".test.outcome")
        })
        .count();
    assert!(files >= 3, "{files} assertion files");
    let output = run(
        Command::new(&tool)
            .arg("tests/*.test.outcome")
            .current_dir(&extension),
        "vscode-tmgrammar-test",
    );
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
    assert_eq!(report.matches("run successfuly").count(), files, "{report}");

    // The tool does fail: a keyword asserted to be a name.
    let scratch = Scratch::new("tmgrammar");
    scratch.file(
        "wrong.test.outcome",
        "# SYNTAX TEST \"source.outcome\" \"a wrong assertion\"\n\
         funnel day \"Day\" for adults {\n\
         #                  ^^^ variable.other.outcome\n\
         }\n",
    );
    let output = run(
        Command::new(&tool)
            .args(["--config"])
            .arg(extension.join("package.json"))
            .arg("wrong.test.outcome")
            .current_dir(&scratch.0),
        "vscode-tmgrammar-test",
    );
    assert!(!output.status.success(), "a wrong assertion passed");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("missing required scopes"),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// The words of the language in `grammar/outcome.pest` (each quoted lowercase word).
fn keywords() -> Vec<String> {
    let pest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar/outcome.pest"))
            .unwrap();
    pest.split('"')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || "_-".contains(c))
        })
        .map(str::to_string)
        .collect()
}

/// Every spec, tokenised by the grammar through `vscode-tmgrammar-snap`: no word of a spec is
/// left without a scope, and every keyword outside strings and comments is coloured as one.
#[test]
fn the_textmate_grammar_colours_every_word_of_every_spec() {
    let tool = tmgrammar_test().with_file_name("vscode-tmgrammar-snap");
    if !available(
        "the_textmate_grammar_colours_every_word_of_every_spec",
        &tool,
        "npm: `npm install --prefix target/tmgrammar vscode-tmgrammar-test`",
    ) {
        return;
    }
    let scratch = Scratch::new("tmgrammar-specs");
    let specs = common::spec_files();
    for (i, spec) in specs.iter().enumerate() {
        scratch.file(&format!("{i}.outcome"), std::fs::read(spec).unwrap());
    }
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode/package.json");
    let output = run(
        Command::new(&tool)
            .arg("--config")
            .arg(&package)
            .args(["-u", "*.outcome"])
            .current_dir(&scratch.0),
        "vscode-tmgrammar-snap",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let keywords = keywords();
    let mut tokens = 0;
    for (i, spec) in specs.iter().enumerate() {
        let snap = scratch.read(&format!("{i}.outcome.snap"));
        let mut source = "";
        for line in snap.lines() {
            if let Some(code) = line.strip_prefix('>') {
                source = code;
                continue;
            }
            // `#   ^^^ source.outcome scope...`: the token under the carets and its scopes.
            let Some(marks) = line.strip_prefix('#') else {
                continue;
            };
            let start = marks.find('^').unwrap() + 1;
            let width = marks[start - 1..].find(' ').unwrap();
            let scopes = &marks[start - 1 + width..];
            // Columns count characters; the source may hold `£`.
            let token: String = source.chars().skip(start - 1).take(width).collect();
            tokens += 1;
            let word = token.trim();
            let at = format!("{}: `{source}`", spec.display());
            if scopes.trim() == "source.outcome" {
                assert!(
                    word.chars().all(|c| "{}(),".contains(c)),
                    "`{word}` has no colour in {at}"
                );
            } else if keywords.iter().any(|k| k == word)
                && !scopes.contains("string")
                && !scopes.contains("comment")
            {
                assert!(
                    scopes.contains("keyword"),
                    "keyword `{word}` is coloured {scopes} in {at}"
                );
            }
        }
    }
    assert!(
        tokens > 200 * specs.len(),
        "only {tokens} tokens read in {} specs",
        specs.len()
    );
}
