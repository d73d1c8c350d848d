//! The README's examples cannot rot: every ```outcome block compiles, and where a ```text block
//! follows it, that is exactly the report `outcome check` prints for it. Every file the README
//! names exists.

fn fenced_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let mut body = String::new();
            for inner in lines.by_ref() {
                if inner.starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            blocks.push((lang.trim().to_string(), body));
        }
    }
    blocks
}

#[test]
fn outcome_examples_give_the_reports_shown() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let blocks = fenced_blocks(&readme);
    let mut checked = 0;
    for (i, (lang, body)) in blocks.iter().enumerate() {
        if lang != "outcome" {
            continue;
        }
        checked += 1;
        let (file, compiled) = outcome::compile_bytes("day.outcome", body.as_bytes());
        let report: String = compiled
            .diagnostics
            .iter()
            .map(|d| outcome::diagnostic::render_human(&file, d, false))
            .collect();
        match blocks.get(i + 1) {
            Some((next, shown)) if next == "text" => {
                assert_eq!(
                    report.trim_end(),
                    shown.trim_end(),
                    "README example {checked}'s report has changed"
                );
            }
            _ => assert!(
                report.is_empty(),
                "README example {checked} should check clean:\n{report}"
            ),
        }
    }
    assert!(checked > 0, "the README shows at least one contract");
}

#[test]
fn files_the_readme_names_exist() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    for word in readme.split(|c: char| c.is_whitespace() || "()[]`|".contains(c)) {
        let path = word.trim_end_matches([',', '.', ':']);
        // A clause in a report is named `file:line`, a diagnostic `file:line:column`.
        let mut path = path;
        while let Some((file, number)) = path.rsplit_once(':') {
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                break;
            }
            path = file;
        }
        let named = [
            "specs/", "grammar/", "tests/", "src/", "benches/", "fuzz/", ".ci/",
        ]
        .iter()
        .any(|p| path.starts_with(p));
        if named && path.contains('.') {
            assert!(
                std::path::Path::new(path).exists(),
                "README names `{path}`, which does not exist"
            );
        }
    }
}

/// A ```text block that opens as `outcome diff` does, "`OLD` → `NEW`: N differences in
/// meaning", naming two files that exist, is exactly what `outcome diff OLD NEW` prints (the
/// three payment plans in `specs/variations/`). A block naming a file that is not in the
/// repository (an edited copy, shown in part) is not run.
#[test]
fn diff_examples_are_what_the_binary_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let mut checked = 0;
    for (lang, body) in fenced_blocks(&readme) {
        let first = body.lines().next().unwrap_or_default();
        let Some((old, new)) = first
            .split_once(" → ")
            .and_then(|(old, rest)| Some((old, rest.split_once(": ")?.0)))
            .map(|(old, new)| (old.trim_matches('`'), new.trim_matches('`')))
        else {
            continue;
        };
        let both_exist = [old, new]
            .iter()
            .all(|path| std::path::Path::new(path).is_file());
        if lang != "text" || !first.ends_with("differences in meaning") || !both_exist {
            continue;
        }
        let output = assert_cmd::Command::cargo_bin("outcome")
            .unwrap()
            .args(["diff", old, new])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{old} and {new} differ");
        assert_eq!(
            String::from_utf8(output.stdout).unwrap().trim_end(),
            body.trim_end(),
            "the README's `outcome diff {old} {new}` is not what the binary prints"
        );
        checked += 1;
    }
    assert!(
        checked >= 2,
        "the README shows the diffs of the three payment plans"
    );
}
