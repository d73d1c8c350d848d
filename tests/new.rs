//! `outcome new [PATH] [--shape funnel|ladder|tiers] [--title TEXT]`: a starter contract that
//! checks clean with warnings denied, is already formatted, and is written only where asked,
//! never over a file. The figures each starter's opening comment gives are checked here by
//! hand against what `build` computes.

mod common;
use common::{exits, RunAssert, Scratch};
use serde_json::Value;

const SHAPES: [&str; 3] = ["funnel", "ladder", "tiers"];

/// What `outcome new --shape SHAPE` prints.
fn printed(shape: &str) -> String {
    let output = exits(&["new", "--shape", shape], 0).get_output().clone();
    assert!(output.stderr.is_empty(), "{shape}: nothing on stderr");
    String::from_utf8(output.stdout).unwrap()
}

/// The JSON `build` writes for a contract file in `scratch`.
fn built(scratch: &Scratch, name: &str) -> Value {
    let output = scratch
        .outcome()
        .args(["build", name, "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{name} builds");
    serde_json::from_slice(&output.stdout).unwrap()
}

fn figure<'a>(json: &'a Value, name: &str) -> &'a str {
    json["figures"][name]["text"].as_str().unwrap()
}

#[test]
fn every_shape_checks_clean_with_warnings_denied_and_is_formatted() {
    let scratch = Scratch::new("clean");
    for shape in SHAPES {
        let name = format!("{shape}.outcome");
        scratch
            .outcome()
            .args(["new", &name, "--shape", shape])
            .assert()
            .code(0);
        scratch
            .outcome()
            .args(["check", "--deny-warnings", &name])
            .assert()
            .code(0)
            .stderr_has(&["0 errors, 0 warnings"]);
        scratch
            .outcome()
            .args(["fmt", "--check", &name])
            .assert()
            .code(0)
            .stdout("");
        // The same text, whichever way it is asked for, and on any day.
        assert_eq!(scratch.read(&name), printed(shape), "{shape}");
    }
}

/// Each starter's opening comment states its figures; `build` computes the same.
#[test]
fn each_starter_s_stated_figures_are_what_build_computes() {
    let scratch = Scratch::new("figures");
    // (shape, planned total cost, maximum exposure, headroom, binding caps)
    let expected = [
        // £24,000 + 160 × £100 + 100 × £400 + 70 × £1,200; £24,000 + 200 × £1,700 + £5,000
        // = £369,000, limited by the £180,000 total cap.
        ("funnel", "£164,000", "£180,000", "£0", vec!["total"]),
        // £60,000 + £543,000 − 30 × (£9,000 − £8,000); £60,000 + 150 × £8,000, limited to
        // £900,000.
        (
            "ladder",
            "£573,000",
            "£900,000",
            "£0",
            vec!["per_participant", "total"],
        ),
        // £72,000 + 700 × £60 + 420 × £150 + the 10% tier £200,000; £72,000 + the £120,000
        // cap on outcome payments + the top tier £300,000.
        (
            "tiers",
            "£377,000",
            "£492,000",
            "£8,000",
            vec!["outcome_payments"],
        ),
    ];
    for (shape, planned, maximum, headroom, binding) in expected {
        let name = format!("{shape}.outcome");
        scratch.file(&name, printed(shape));
        let json = built(&scratch, &name);
        assert_eq!(figure(&json, "planned_total_cost"), planned, "{shape}");
        assert_eq!(figure(&json, "maximum_exposure"), maximum, "{shape}");
        assert_eq!(figure(&json, "headroom"), headroom, "{shape}");
        let caps: Vec<&str> = json["figures"]["binding_caps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(caps, binding, "{shape}");
        let text = printed(shape);
        for stated in [planned, maximum] {
            assert!(text.contains(stated), "{shape}'s comment states {stated}");
        }
    }
}

/// Each sum a starter's comment works out on one line (`700 × £60 + 420 × £150 = £105,000`)
/// comes to what it says: a reader checks the figures by them.
#[test]
fn each_sum_a_starter_works_out_is_right() {
    for shape in ["funnel", "ladder", "tiers"] {
        let text = printed(shape);
        let mut sums = 0;
        for line in text.lines().filter(|l| l.starts_with('#')) {
            for (left, right) in sums_on(line) {
                assert_eq!(left, right, "{shape}: {line}");
                sums += 1;
            }
        }
        assert!(sums >= 2, "{shape}: only {sums} sums found");
    }
}

/// The sums `line` works out, `figures × figures + … = figure`, as (what the left comes to,
/// what the right says), in pence; the left is read back from the `=` for as long as it is
/// figures and operators.
fn sums_on(line: &str) -> Vec<(i128, i128)> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let figure = |w: &str| -> Option<i128> {
        let w = w.trim_start_matches('£').trim_end_matches([',', ':', ';']);
        let (whole, pence) = w.split_once('.').unwrap_or((w, "00"));
        let digits: String = whole.chars().filter(|c| *c != ',').collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || pence.len() != 2 {
            return None;
        }
        Some(digits.parse::<i128>().ok()? * 100 + pence.parse::<i128>().ok()?)
    };
    let mut found = Vec::new();
    for (at, _) in words.iter().enumerate().filter(|(_, w)| **w == "=") {
        let Some(right) = words.get(at + 1).and_then(|w| figure(w)) else {
            continue;
        };
        // Back from the `=`: figure (operator figure)*.
        let mut start = at;
        while start >= 1 && figure(words[start - 1]).is_some() {
            start -= 1;
            if start >= 2 && ["+", "×", "−"].contains(&words[start - 1]) {
                start -= 1;
            } else {
                break;
            }
        }
        let terms = &words[start..at];
        // A sum begun on the line before (`+ 30 × £1,500 = …`) is not this line's to check.
        if terms.len() < 3 || figure(terms[0]).is_none() {
            continue;
        }
        // Products first, then sums and differences, left to right.
        let (mut total, mut product, mut sign) = (0, figure(terms[0]).unwrap(), 1);
        for pair in terms[1..].chunks(2) {
            let value = figure(pair[1]).unwrap();
            match pair[0] {
                "×" => product = product * value / 100,
                op => {
                    total += sign * product;
                    sign = if op == "−" { -1 } else { 1 };
                    product = value;
                }
            }
        }
        found.push((total + sign * product, right));
    }
    found
}

/// The constructs each shape is for, used as the language writes them; and in every shape
/// the clauses every contract needs.
#[test]
fn each_shape_uses_the_constructs_of_its_shape() {
    let own: [(&str, &[&str]); 3] = [
        (
            "funnel",
            &[
                "at least 6 months after completed",
                "conversion 62.5%",
                "bonus ",
            ],
        ),
        (
            "ladder",
            &[
                "at least 6 months after housed",
                "at least 12 months after housed",
                "at least 18 months after housed",
                "after housed at least",
                "due monthly in arrears",
                "cap £8,000 per participant",
                "payer \"Homes Outcomes Fund\" pays 40% up to",
            ],
        ),
        (
            "tiers",
            &[
                "compared with \"",
                "tiers on admission_reduction pooled {",
                "below 5% pays nothing",
                "assessed annually from year 2",
            ],
        ),
    ];
    let every = [
        "funding limit ",
        "question how_much",
        "question how_well",
        "question better_off",
        "evidence \"",
        "cap £",
        "monitoring {",
        "review quarterly",
    ];
    for (shape, constructs) in own {
        let text = printed(shape);
        for construct in constructs.iter().chain(&every) {
            assert!(text.contains(construct), "{shape}: {construct}");
        }
    }
}

/// The comments name the codes the checker raises; each is a real code, and each shape's
/// guide names at least a dozen.
#[test]
fn every_code_a_comment_names_is_a_registered_code() {
    for shape in SHAPES {
        let text = printed(shape);
        let mut named = 0;
        for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
            let is_code = word.len() == 5
                && word.starts_with(['E', 'W'])
                && word[1..].bytes().all(|b| b.is_ascii_digit());
            if is_code {
                named += 1;
                assert!(
                    outcome::diagnostic::Code::parse(word).is_some(),
                    "{shape} names `{word}`, which is not a code"
                );
            }
        }
        assert!(named >= 12, "{shape} names {named} codes");
    }
}

#[test]
fn the_file_is_written_where_asked_and_nothing_else_is_made() {
    let scratch = Scratch::new("where");
    std::fs::create_dir(scratch.path("contracts")).unwrap();
    scratch
        .outcome()
        .args(["new", "contracts/homes.outcome", "--shape", "ladder"])
        .assert()
        .code(0)
        .stdout("")
        .stderr_has(&[
            "wrote `contracts/homes.outcome`",
            "outcome check contracts/homes.outcome",
        ]);
    assert_eq!(scratch.read("contracts/homes.outcome"), printed("ladder"));
    let made: Vec<_> = walk(&scratch.0);
    assert_eq!(made, ["contracts", "contracts/homes.outcome"]);

    // With --quiet, the file and nothing on stderr.
    scratch
        .outcome()
        .args(["new", "--quiet", "quiet.outcome"])
        .assert()
        .code(0)
        .stdout("")
        .stderr("");
    assert_eq!(scratch.read("quiet.outcome"), printed("funnel"));

    // A folder that is not there is not made.
    scratch
        .outcome()
        .args(["new", "missing/c.outcome"])
        .assert()
        .code(2)
        .stderr_has(&["cannot write `missing/c.outcome`: the folder `missing` does not exist"]);
    assert!(!scratch.path("missing").exists());

    // A name that a folder search would not find is written, with a note saying so.
    scratch
        .outcome()
        .args(["new", "draft.txt"])
        .assert()
        .code(0)
        .stderr_has(&["`draft.txt` does not end in `.outcome`"]);
}

/// Every path below `dir`, relative to it, sorted.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(next).unwrap() {
            let path = entry.unwrap().path();
            found.push(
                path.strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
            if path.is_dir() {
                pending.push(path);
            }
        }
    }
    found.sort();
    found
}

#[test]
fn an_existing_file_is_never_written_over() {
    let scratch = Scratch::new("overwrite");
    scratch.file("contract.outcome", "# my own contract, half written\n");
    scratch
        .outcome()
        .args(["new", "contract.outcome", "--shape", "tiers"])
        .assert()
        .code(2)
        .stdout("")
        .stderr_has(&[
            "error: `contract.outcome` already exists",
            "never writes over a file",
            "name a new file",
        ]);
    assert_eq!(
        scratch.read("contract.outcome"),
        "# my own contract, half written\n"
    );

    // Nor a folder, nor a link, even one to a file not there yet.
    std::fs::create_dir(scratch.path("folder.outcome")).unwrap();
    scratch
        .outcome()
        .args(["new", "folder.outcome"])
        .assert()
        .code(2)
        .stderr_has(&["`folder.outcome` already exists"]);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            scratch.path("elsewhere.outcome"),
            scratch.path("link.outcome"),
        )
        .unwrap();
        scratch
            .outcome()
            .args(["new", "link.outcome"])
            .assert()
            .code(2)
            .stderr_has(&["`link.outcome` already exists"]);
        assert!(!scratch.path("elsewhere.outcome").exists());
    }
}

#[test]
fn without_a_path_or_with_a_dash_the_funnel_starter_is_printed() {
    let scratch = Scratch::new("stdout");
    let plain = scratch.outcome().arg("new").output().unwrap();
    let dash = scratch.outcome().args(["new", "-"]).output().unwrap();
    assert!(plain.status.success() && dash.status.success());
    assert_eq!(plain.stdout, dash.stdout);
    assert_eq!(String::from_utf8(plain.stdout).unwrap(), printed("funnel"));
    assert!(walk(&scratch.0).is_empty(), "nothing written");
}

#[test]
fn an_unknown_shape_is_refused_with_the_shapes_listed() {
    exits(&["new", "--shape", "pyramid"], 2).stderr_has(&[
        "invalid value 'pyramid'",
        "[possible values: funnel, ladder, tiers]",
    ]);
    exits(&["new", "--help"], 0).stdout_has(&["--shape", "funnel", "ladder", "tiers", "--title"]);
}

#[test]
fn a_title_fills_the_contract_s_title_and_still_checks() {
    let scratch = Scratch::new("title");
    let title = r#"Weston's "Steady" Start \ 2027"#;
    scratch
        .outcome()
        .args(["new", "weston.outcome", "--title", title])
        .assert()
        .code(0);
    scratch
        .outcome()
        .args(["check", "--deny-warnings", "weston.outcome"])
        .assert()
        .code(0);
    assert_eq!(built(&scratch, "weston.outcome")["title"], title);

    for refused in ["Line one\nline two", "   "] {
        scratch
            .outcome()
            .args(["new", "refused.outcome", "--title", refused])
            .assert()
            .code(2)
            .stderr_has(&["error: not written: the title"]);
        assert!(!scratch.path("refused.outcome").exists());
    }
}

/// `new` is in the completions and the manual page, which are generated from the command line.
#[test]
fn completions_and_the_manual_know_new_and_its_shapes() {
    exits(&["completions", "bash"], 0).stdout_has(&["new", "--shape", "funnel ladder tiers"]);
    exits(&["man"], 0).stdout_has(&["outcome new", "\\-\\-shape"]);
}
