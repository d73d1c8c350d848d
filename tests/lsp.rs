//! `outcome lsp` driven as an editor drives it: the real binary, Language Server Protocol
//! messages over its standard input and output.

mod common;
#[path = "common/lsp.rs"]
mod lsp;
#[path = "shapes/mod.rs"]
mod shapes;

use common::Scratch;
use lsp::{keystrokes, position, uri_of, Client};
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

fn at(uri: &str, text: &str, needle: &str) -> Value {
    json!({"textDocument": {"uri": uri}, "position": position(text, needle)})
}

/// The E0202 case with its expectation line taken out: one misspelt stage name.
fn misspelt() -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics/E0202-misspelt-name.outcome"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with("#!"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn diagnostics_match_check_then_clear_when_the_error_is_fixed() {
    let scratch = Scratch::new("diagnostics_match_check");
    let text = misspelt();
    let path = scratch.file("day.outcome", &text);
    let uri = uri_of(&path);

    let check = scratch
        .outcome()
        .args(["check", "--format", "json", "day.outcome"])
        .output()
        .unwrap();
    let records: Vec<Value> = String::from_utf8(check.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");

    let mut client = Client::start(&scratch.0);
    client.open(&uri, &text);
    let published = client.diagnostics(&uri);
    assert_eq!(published.len(), records.len(), "{published:?}");
    for (lsp, record) in published.iter().zip(&records) {
        assert_eq!(lsp["code"], record["code"]);
        assert_eq!(lsp["severity"], 1, "an error");
        assert_eq!(record["severity"], "error");
        let message = lsp["message"].as_str().unwrap();
        assert_eq!(message.lines().next(), record["message"].as_str());
        let help = format!("help: {}", record["help"].as_str().unwrap());
        assert_eq!(message.lines().last(), Some(help.as_str()));
        // check counts from 1, the protocol from 0 (and in UTF-16: this line is ASCII)
        let range = &lsp["range"];
        assert_eq!(
            range["start"]["line"],
            json!(record["line"].as_u64().unwrap() - 1)
        );
        assert_eq!(
            range["start"]["character"],
            json!(record["column"].as_u64().unwrap() - 1)
        );
        assert_eq!(
            range["end"]["line"],
            json!(record["end_line"].as_u64().unwrap() - 1)
        );
        assert_eq!(
            range["end"]["character"],
            json!(record["end_column"].as_u64().unwrap() - 1)
        );
        assert!(lsp["codeDescription"]["href"]
            .as_str()
            .unwrap()
            .ends_with("#diagnostic-codes"));
        assert_eq!(lsp["source"], "outcome");
    }

    // The quick fix writes the name the help suggests.
    let actions = client.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": published[0]["range"],
               "context": {"diagnostics": published}}),
    );
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "attend", "{actions}");
    assert_eq!(edit["range"], published[0]["range"]);

    // Fixed in the buffer (not on disk): the error goes, and what is left is what check
    // says of the fixed text (two warnings about the stage now paid for).
    let fixed = text.replace("for atend", "for attend");
    client.replace(&uri, 2, &fixed);
    let codes = |diagnostics: &[Value]| -> Vec<String> {
        diagnostics
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    let after = client.diagnostics(&uri);
    assert!(after.iter().all(|d| d["severity"] == 2), "{after:?}");
    scratch.file("fixed.outcome", &fixed);
    let check = scratch
        .outcome()
        .args(["check", "--format", "json", "fixed.outcome"])
        .output()
        .unwrap();
    let expected: Vec<Value> = String::from_utf8(check.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(codes(&after), codes(&expected));
    assert!(!after.is_empty());

    // Taking the warnings' advice leaves nothing at all.
    let clean = fixed.replace(
        "milestone attend \"Attend 1st session\"       50  conversion 50%",
        "milestone attend \"Attend 1st session\"       50  conversion 50% within 1 month { evidence \"Register\" }",
    );
    assert_ne!(clean, fixed);
    client.replace(&uri, 3, &clean);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    client.stop();
}

#[test]
fn ranges_count_utf16_units() {
    let scratch = Scratch::new("ranges_count_utf16_units");
    // `😀` is one character (check's columns) but two UTF-16 units (the protocol's).
    let text = misspelt().replace(
        "funnel day_programme \"Structured day programme\" for adults",
        "funnel day_programme \"Structured 😀 day programme\" for adult",
    );
    let path = scratch.file("day.outcome", &text);
    let uri = uri_of(&path);
    let mut client = Client::start(&scratch.0);
    client.open(&uri, &text);
    let published = client.diagnostics(&uri);
    let unknown = published
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("`adult`"))
        .unwrap_or_else(|| panic!("{published:?}"));
    let start = position(&text, "adult {");
    assert_eq!(unknown["range"]["start"], start);
    let chars = text.lines().find(|l| l.contains("for adult")).unwrap();
    let chars = chars[..chars.find("adult {").unwrap()].chars().count();
    assert_eq!(
        start["character"],
        json!(chars + 1),
        "one more unit than characters"
    );
    client.stop();
}

/// The borough's two contracts and their shared framework, in a repository of their own.
fn borough(scratch: &Scratch) {
    std::fs::create_dir_all(scratch.path(".git")).unwrap();
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/borough");
    for name in [
        "family-support.outcome",
        "school-inclusion.outcome",
        "framework/outcomes.outcome",
    ] {
        scratch.file(name, std::fs::read(specs.join(name)).unwrap());
    }
}

fn ranges_in(locations: &Value, uri: &str) -> Vec<Value> {
    locations
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["uri"] == uri)
        .map(|l| l["range"]["start"].clone())
        .collect()
}

/// The contract's diagnostics say the framework no longer declares `safer_families`.
fn assert_misses_safer_families(published: &[Value]) {
    assert!(
        published
            .iter()
            .any(|d| d["code"] == "E0202"
                && d["message"].as_str().unwrap().contains("safer_families")),
        "{published:?}"
    );
}

#[test]
fn definition_references_and_hover_reach_across_used_files() {
    let scratch = Scratch::new("navigation");
    borough(&scratch);
    let family_path = scratch.path("family-support.outcome");
    let family = scratch.read("family-support.outcome");
    let framework = scratch.read("framework/outcomes.outcome");
    let family_uri = uri_of(&family_path);
    let framework_uri = uri_of(&scratch.path("framework/outcomes.outcome"));
    let mut client = Client::start(&scratch.0);
    client.open(&family_uri, &family);
    assert_eq!(client.diagnostics(&family_uri), Vec::<Value>::new());

    // An outcome declared in the used framework.
    let definition = client.result(
        "textDocument/definition",
        at(&family_uri, &family, "safer_families\n"),
    );
    assert_eq!(definition["uri"], framework_uri, "{definition}");
    assert_eq!(
        definition["range"]["start"],
        position(&framework, "safer_families \"")
    );

    // Its declaration, the measure that tracks it, and the target that achieves it.
    let mut references = json!(at(&family_uri, &family, "safer_families\n"));
    references["context"] = json!({"includeDeclaration": true});
    let found = client.result("textDocument/references", references);
    assert_eq!(
        ranges_in(&found, &framework_uri),
        vec![
            position(&framework, "safer_families \""),
            position(&framework, "safer_families\n  unit")
        ],
        "{found}"
    );
    assert_eq!(
        ranges_in(&found, &family_uri),
        vec![position(&family, "safer_families\n")]
    );

    // A stage's figures, from the checked contract.
    let hover = client.result("textDocument/hover", at(&family_uri, &family, "together\n"));
    let text = hover["contents"]["value"].as_str().unwrap();
    for expected in [
        "**target `together`**",
        "Child living safely at home 12 months after referral",
        "- expected: 24 people (funnel `support`)",
        "- conversion: stated 80%, computed 80",
        "- price: £5,000 per participant",
        "- latest: 12 months after entry",
        "- achieves: `family_stable`, `safer_families`",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }
    // An outcome's targets and measures, the framework's included.
    let hover = client.result(
        "textDocument/hover",
        at(&family_uri, &family, "safer_families\n"),
    );
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.contains("- achieved by: `together`"), "{text}");
    assert!(text.contains("- tracked by: `children_in_care`"), "{text}");

    // An unsaved edit to the framework is what the contract is checked against.
    client.open(
        &framework_uri,
        &framework.replace("outcome safer_families", "outcome safe_families"),
    );
    assert_misses_safer_families(&client.diagnostics(&family_uri));
    client.stop();
}

/// The figures `outcome build --format json` writes for a spec: the same model the hovers read.
fn built_figures(scratch: &Scratch, name: &str) -> Value {
    let built = scratch
        .outcome()
        .args(["build", name, "--format", "json"])
        .output()
        .unwrap();
    assert!(built.status.success(), "{built:?}");
    let json: Value = serde_json::from_slice(&built.stdout).unwrap();
    json["figures"].clone()
}

fn hover_text(client: &mut Client, uri: &str, text: &str, needle: &str) -> String {
    let hover = client.result("textDocument/hover", at(uri, text, needle));
    hover["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn assert_has(text: &str, expected: &[String]) {
    for expected in expected {
        assert!(
            text.contains(expected.as_str()),
            "no {expected:?} in {text}"
        );
    }
}

#[test]
fn hovers_on_caps_payers_and_stages_show_the_built_figures() {
    let scratch = Scratch::new("hover_figures");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/rough-sleeping.outcome");
    let text = std::fs::read_to_string(spec).unwrap();
    let path = scratch.file("rough-sleeping.outcome", &text);
    let uri = uri_of(&path);
    let figures = built_figures(&scratch, "rough-sleeping.outcome");
    let amount = |value: &Value| value["text"].as_str().unwrap().to_string();
    let mut client = Client::start(&scratch.0);
    client.open(&uri, &text);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // The per-participant cap binds at plan and at the maximum (the spec's own key figures:
    // £988,000 before it, £860,800 after; a card of £15,000 paid at most £13,500).
    let nested = &figures["overlap"]["nested"];
    let cohort = &figures["per_participant"][0];
    let per_participant = hover_text(&mut client, &uri, &text, "13,500 per participant");
    assert_has(
        &per_participant,
        &[
            "**cap**: the per-participant cap".to_string(),
            format!(
                "- at plan: **binds**, cutting {} from the outcome payments of {}",
                amount(&nested["cut_by_participant_cap"]),
                amount(&nested["outcome_payments_before_cap"])
            ),
            format!(
                "- at the maximum, `entrenched`: **binds**, a rate card of {} is paid at most {}; {} is never paid",
                amount(&cohort["rate_card"]),
                amount(&cohort["maximum"]),
                amount(&cohort["unreachable"])
            ),
        ],
    );
    assert!(per_participant.contains("£988,000"), "{per_participant}");
    assert!(
        per_participant.contains("£1,500 is never paid"),
        "{per_participant}"
    );

    // The total cap: not reached at plan, binding at the maximum (£1,861,000 → £1,200,000).
    let cut = figures["cap_cuts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["scope"] == "total")
        .unwrap()
        .clone();
    let total = hover_text(&mut client, &uri, &text, "cap £1,200,000 total");
    assert_has(
        &total,
        &[
            "**cap**: the total cap".to_string(),
            format!(
                "- at plan: does not bind ({} is within it)",
                amount(&cut["at_plan"]["before"])
            ),
            format!(
                "- at the maximum: **binds**, cutting {} from {} to {}",
                amount(&cut["at_maximum"]["cut"]),
                amount(&cut["at_maximum"]["before"]),
                amount(&cut["at_maximum"]["after"])
            ),
        ],
    );
    assert!(
        total.contains("cutting £661,000 from £1,861,000 to £1,200,000"),
        "{total}"
    );

    // Each payer's part at plan and at the maximum, amounts and percentages.
    for (needle, name) in [
        ("pays 40%", "National Rough Sleeping Outcomes Fund"),
        ("pays the rest", "Harbourside City Council"),
    ] {
        let payer = figures["by_payer"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone();
        let hover = hover_text(&mut client, &uri, &text, needle);
        assert_has(
            &hover,
            &[
                format!("**payer** {name}"),
                format!(
                    "- at plan: {} ({}%) of {}",
                    amount(&payer["at_plan"]),
                    payer["share_of_plan"].as_str().unwrap(),
                    amount(&figures["planned_total_cost"])
                ),
                format!(
                    "- at the maximum: {} ({}%) of {}",
                    amount(&payer["at_maximum"]),
                    payer["share_of_maximum"].as_str().unwrap(),
                    amount(&figures["maximum_exposure"])
                ),
            ],
        );
    }
    let fund = hover_text(&mut client, &uri, &text, "pays 40%");
    assert!(fund.contains("- pays: 40%"), "{fund}");
    assert!(fund.contains("- up to: £450,000"), "{fund}");

    // What a participant has earned on the rate card by a stage: the whole ladder by the
    // 18-month result (£1,500 + £1,500 + £2,000 + £3,000 + £4,000), the first step by housed.
    let ladder = hover_text(&mut client, &uri, &text, "sustained_18m ");
    assert!(
        ladder.contains("- earned on the rate card by then: £12,000 per participant"),
        "{ladder}"
    );
    let housed = hover_text(&mut client, &uri, &text, "housed ");
    assert!(
        housed.contains("- earned on the rate card by then: £1,500 per participant"),
        "{housed}"
    );

    // A keyword outside any cap or payer clause has no hover.
    let nothing = client.result("textDocument/hover", at(&uri, &text, "monitoring {"));
    assert_eq!(nothing, Value::Null);

    // While the file does not parse, caps and payers keep the last good figures, as stages
    // do: with a string left open above them (every clause a byte earlier), and with the
    // total cap's own line broken (its hover then reaches as far as it is written as it was).
    let unclosed = text.replace(
        "\"Moved into settled accommodation\"",
        "\"Moved into settled accommodation",
    );
    let broken = text.replace("cap £1,200,000 total", "cap £1,200,000 totl");
    for (version, edited) in [(2, &unclosed), (3, &broken)] {
        client.replace(&uri, version, edited);
        assert!(!client.diagnostics(&uri).is_empty());
        let per_participant = hover_text(&mut client, &uri, edited, "13,500 per participant");
        assert!(per_participant.contains("£988,000"), "{per_participant}");
        let total = hover_text(&mut client, &uri, edited, "cap £1,200,000");
        assert!(
            total.contains("cutting £661,000 from £1,861,000 to £1,200,000"),
            "{total}"
        );
        let fund = hover_text(&mut client, &uri, edited, "pays 40%");
        assert!(fund.contains("- up to: £450,000"), "{fund}");
        let housed = hover_text(&mut client, &uri, edited, "housed ");
        assert!(housed.contains("£1,500 per participant"), "{housed}");
    }
    let past = client.result("textDocument/hover", at(&uri, &broken, "l  # fixed fees"));
    assert_eq!(past, Value::Null);
    client.replace(&uri, 4, &text);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // A group's cap: whether it binds at plan and at the maximum, as the built figures say.
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/fair-chance.outcome");
    let text = std::fs::read_to_string(spec).unwrap();
    let path = scratch.file("fair-chance.outcome", &text);
    let uri = uri_of(&path);
    let figures = built_figures(&scratch, "fair-chance.outcome");
    let row = figures["by_group"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["row"]["group"] == "accommodation")
        .unwrap()
        .clone();
    assert_eq!(row["cap_binds_at_plan"], true, "{row}");
    client.open(&uri, &text);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let group = hover_text(&mut client, &uri, &text, "cap £150,000");
    assert_has(
        &group,
        &[
            "**payment group `accommodation`**".to_string(),
            "- cap: £150,000".to_string(),
            format!("- at plan: {}, its cap **binds**", amount(&row["at_plan"])),
            format!(
                "- at the maximum: {}, its cap **binds**",
                amount(&row["at_maximum"])
            ),
        ],
    );
    client.stop();
}

/// A diagnostic case of `tests/diagnostics` with its expectation lines taken out.
fn case(name: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/diagnostics/{name}.outcome")),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with("#!"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The byte offset of a protocol position (a line and UTF-16 units) in `text`.
fn offset_of(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let column = position["character"].as_u64().unwrap() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (at, c) in text[start..].char_indices() {
        if units >= column || c == '\n' {
            return start + at;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// `text` with `edits` (of one document) made, the last first so that each range holds.
fn apply(text: &str, edits: &Value) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                offset_of(text, &e["range"]["start"]),
                offset_of(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut text = text.to_string();
    for (start, end, new) in edits {
        text.replace_range(start..end, &new);
    }
    text
}

/// The codes `outcome check` reports for a file.
fn checked_codes(scratch: &Scratch, name: &str, text: &str) -> Vec<String> {
    scratch.file(name, text);
    let output = scratch
        .outcome()
        .args(["check", "--format", "json", name])
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// A case with a second outcome, `crime_free`, declared before its cohort (and a first,
/// `drug_free`, where it has none).
fn with_outcomes(text: String) -> String {
    let outcomes = if text.contains("outcome drug_free") {
        "outcome crime_free \"No new offence\"\n\ncohort"
    } else {
        "outcome crime_free \"No new offence\"\noutcome drug_free \"Drug free\"\n\ncohort"
    };
    text.replacen("cohort", outcomes, 1)
}

/// Open `text`, and ask for the actions on its one diagnostic with `code`.
fn quick_fixes(client: &mut Client, uri: &str, text: &str, code: &str) -> Value {
    client.open(uri, text);
    let found: Vec<Value> = client
        .diagnostics(uri)
        .into_iter()
        .filter(|d| d["code"] == code)
        .collect();
    assert_eq!(found.len(), 1, "{code}: {found:?}");
    client.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": found[0]["range"],
               "context": {"diagnostics": found}}),
    )
}

#[test]
fn quick_fixes_are_exact_edits_after_which_the_diagnostic_is_gone() {
    let scratch = Scratch::new("quick_fixes");
    let mut client = Client::start(&scratch.0);
    // Each case, its code, and a line of the file as the fix leaves it.
    for (name, code, fixed_line) in [
        (
            "E0305-conversion-does-not-match",
            "E0305",
            "  target abstinent \"Drug free at 3 months\"    10  conversion 20% {",
        ),
        (
            "E0307-conversion-after-two-steps",
            "E0307",
            "  target abstinent \"Drug free at 3 months\"    10  after attend, assess {",
        ),
        (
            "W0508-paid-step-without-evidence",
            "W0508",
            "  milestone attend \"Attend 1st session\"       50 within 3 months  conversion 50% { evidence \"...\" }",
        ),
        (
            "E0601-target-achieves-nothing",
            "E0601",
            "  target abstinent \"Drug free at 3 months\"    10 within 3 months  conversion 20% { achieves crime_free evidence \"Negative drug screen at 3 months\" }",
        ),
        (
            "E0560-pro-rata-on-an-amount",
            "E0560",
            "  payer \"Life Chances Fund\" pays £20,000 up to £30,000",
        ),
        (
            "E0561-pro-rata-to-no-one",
            "E0561",
            "  payer \"Life Chances Fund\" pays 50% up to £5,000",
        ),
        (
            "W0565-pro-rata-cap-never-reached",
            "W0565",
            "  payer \"Life Chances Fund\" pays 10% up to £50,000",
        ),
        (
            "E0307-conversion-on-first-step",
            "E0307",
            "  milestone enrol  \"Enrol in project\"        100",
        ),
        ("E0502-negative-amount", "E0502", "  pay £100 for attend"),
        (
            "E0551-limit-more-than-all",
            "E0551",
            "  pay for at most 5 in 6 families",
        ),
        ("E0202-misspelt-name", "E0202", "  pay £100 for attend"),
    ] {
        let text = with_outcomes(case(name));
        let path = scratch.file(&format!("{name}.outcome"), &text);
        let uri = uri_of(&path);
        let actions = quick_fixes(&mut client, &uri, &text, code);
        let action = &actions[0];
        assert_eq!(action["kind"], "quickfix", "{name}: {actions}");
        assert_eq!(action["diagnostics"][0]["code"], code, "{name}: {actions}");
        let fixed = apply(&text, &action["edit"]["changes"][&uri]);
        assert!(
            fixed.lines().any(|l| l == fixed_line),
            "{name}: no line {fixed_line:?} in\n{fixed}"
        );
        let codes = checked_codes(&scratch, &format!("fixed-{name}.outcome"), &fixed);
        assert!(!codes.iter().any(|c| c == code), "{name}: {codes:?}\n{fixed}");
    }

    // A target may achieve any outcome it sees: one fix for each.
    let text = with_outcomes(case("E0601-target-achieves-nothing"));
    let path = scratch.file("two-outcomes.outcome", &text);
    let uri = uri_of(&path);
    let actions = quick_fixes(&mut client, &uri, &text, "E0601");
    let titles: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "add `achieves crime_free` to `abstinent`",
            "add `achieves drug_free` to `abstinent`"
        ]
    );

    // A stage that states no conversion: write the one the counts give, and the file checks
    // as it did, with no new diagnostic.
    let text = case("E0305-conversion-does-not-match").replace("10  conversion 25%", "10");
    let path = scratch.file("unstated.outcome", &text);
    let uri = uri_of(&path);
    client.open(&uri, &text);
    let before = checked_codes(&scratch, "unstated.outcome", &text);
    assert!(!before.iter().any(|c| c.starts_with('E')), "{before:?}");
    let mut request = at(&uri, &text, "abstinent \"");
    request["range"] = json!({"start": request["position"], "end": request["position"]});
    request["context"] = json!({"diagnostics": []});
    let actions = client.result("textDocument/codeAction", request);
    assert_eq!(
        actions[0]["title"], "write `conversion 20.0%` on `abstinent`",
        "{actions}"
    );
    assert_eq!(actions[0]["kind"], "refactor.rewrite");
    let fixed = apply(&text, &actions[0]["edit"]["changes"][&uri]);
    assert!(
        fixed.contains("\"Drug free at 3 months\"    10 conversion 20.0% {"),
        "{fixed}"
    );
    assert_eq!(checked_codes(&scratch, "stated.outcome", &fixed), before);
    client.stop();
}

/// The borough's contracts in a scratch folder, the family-support contract open in a server,
/// checked clean.
fn open_family(name: &str) -> (Scratch, String, String, Client) {
    let scratch = Scratch::new(name);
    borough(&scratch);
    let family = scratch.read("family-support.outcome");
    let uri = uri_of(&scratch.path("family-support.outcome"));
    let mut client = Client::start(&scratch.0);
    client.open(&uri, &family);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    (scratch, family, uri, client)
}

/// Between keystrokes in a contract the files it uses are kept, not read and checked again;
/// but a used file changed on disk (not open in the editor) is read again at the next one.
#[test]
fn used_files_are_kept_between_keystrokes_until_they_change_on_disk() {
    let (scratch, family, uri, mut client) = open_family("kept");
    let framework = scratch.read("framework/outcomes.outcome");
    client.replace(&uri, 2, &format!("{family}# one\n"));
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());

    // The framework renames the outcome the contract achieves, on disk.
    let renamed = framework.replace("outcome safer_families", "outcome safe_families");
    scratch.file("framework/outcomes.outcome", &renamed);
    client.replace(&uri, 3, &format!("{family}# two\n"));
    assert_misses_safer_families(&client.diagnostics(&uri));
    // Typing on keeps seeing it; put back, it is gone at the next keystroke.
    client.replace(&uri, 4, &format!("{family}# three\n"));
    assert!(!client.diagnostics(&uri).is_empty());
    scratch.file("framework/outcomes.outcome", format!("{framework}\n"));
    client.replace(&uri, 5, &format!("{family}# four\n"));
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    client.stop();
}

/// A contract is kept in the workspaces while it is edited (nothing can use one); should an
/// edit make it a file others can use, every file that uses it is checked again.
#[test]
fn a_contract_that_becomes_a_framework_is_seen_by_the_files_using_it() {
    let (scratch, _family, uri, mut client) = open_family("contract-to-framework");
    let framework = scratch.read("framework/outcomes.outcome");
    let framework_uri = uri_of(&scratch.path("framework/outcomes.outcome"));
    let header = "contract \"Not a framework\" {\n  commissioner \"Borough\"\n}\n\n";
    client.open(&framework_uri, &format!("{header}{framework}"));
    let published = client.diagnostics(&uri);
    assert!(
        published
            .iter()
            .any(|d| d["code"] == "E0211"
                && d["message"].as_str().unwrap().contains("is a contract")),
        "{published:?}"
    );
    // Typing in it while it stays a contract changes nothing for the file that uses it.
    client.replace(&framework_uri, 2, &format!("{header}{framework}# typed\n"));
    client.diagnostics(&framework_uri);
    client.replace(&framework_uri, 3, &framework);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    client.stop();
}

#[test]
fn outline_rename_completion_hints_and_formatting() {
    let (scratch, family, uri, mut client) = open_family("editing");

    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "use framework/outcomes.outcome",
            "Intensive Family Support",
            "family_stable",
            "families",
            "support",
            "payments",
            "monitoring"
        ]
    );
    let funnel = &symbols[4];
    let stages: Vec<&str> = funnel["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["engaged", "plan_met", "together"]);
    assert_eq!(
        funnel["selectionRange"]["start"],
        position(&family, "support \"")
    );
    assert_eq!(
        funnel["range"]["start"],
        position(&family, "funnel support")
    );
    assert_eq!(funnel["range"]["end"], position(&family, "\n\npayments {"));

    // A clash is refused, with the name's kind; a fresh name is written everywhere.
    let mut rename = at(&uri, &family, "plan_met \"");
    rename["newName"] = json!("engaged");
    let refused = client.request("textDocument/rename", rename.clone());
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("`engaged` is already the name of a milestone"),
        "{refused}"
    );
    rename["newName"] = json!("safer_families");
    let refused = client.request("textDocument/rename", rename.clone());
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("an outcome `safer_families` in `"),
        "{refused}"
    );
    rename["newName"] = json!("goals_met");
    let edit = client.result("textDocument/rename", rename);
    let edits = edit["changes"][&uri].as_array().unwrap();
    let starts: Vec<&Value> = edits.iter().map(|e| &e["range"]["start"]).collect();
    assert_eq!(
        starts,
        [
            &position(&family, "plan_met \""),
            &position(&family, "plan_met\n")
        ]
    );
    assert!(edits.iter().all(|e| e["newText"] == "goals_met"));

    // Completion after `pay ... for`: the stages, and nothing else.
    let completion = client.result("textDocument/completion", at(&uri, &family, "together\n"));
    let mut labels: Vec<&str> = completion
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    labels.sort_unstable();
    assert_eq!(labels, ["engaged", "plan_met", "together"]);

    // Inlay hint: a stage that states no conversion is shown the computed one.
    let unstated = family.replace("30 conversion 75% within", "30 within");
    client.replace(&uri, 2, &unstated);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let hints = client.result(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 999, "character": 0}}}),
    );
    let hints: Vec<&Value> = hints
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["label"].as_str().unwrap().starts_with("conversion"))
        .collect();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0]["label"], "conversion 75.0%");
    let end_of_count = position(&unstated, " within 6 months");
    assert_eq!(hints[0]["position"], end_of_count);

    // Formatting is `outcome fmt`'s layout.
    let messy = family.replace(
        "  pay £1,500 for plan_met",
        "      pay   £1,500   for plan_met",
    );
    client.replace(&uri, 3, &messy);
    scratch.file("messy.outcome", &messy);
    scratch
        .outcome()
        .args(["fmt", "messy.outcome"])
        .assert()
        .success();
    let formatted = client.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(formatted[0]["newText"], scratch.read("messy.outcome"));
    assert_eq!(
        formatted[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    client.stop();
}

/// The labels completion offers where `marked` has `‸`, sorted, after the text (without the
/// mark) replaces the document's.
fn completions(client: &mut Client, uri: &str, version: i64, marked: &str) -> Vec<String> {
    let at_mark = marked.find('‸').unwrap();
    let text = marked.replace('‸', "");
    client.replace(uri, version, &text);
    let line = text[..at_mark].matches('\n').count();
    let start = text[..at_mark].rfind('\n').map_or(0, |n| n + 1);
    let character = text[start..at_mark].encode_utf16().count();
    let items = client.result(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
    );
    let mut labels: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect();
    labels.sort_unstable();
    labels
}

#[test]
fn completion_offers_what_the_grammar_allows_where_the_cursor_is() {
    let (_scratch, family, uri, mut client) = open_family("completion");
    let words = |list: &[&str]| {
        let mut list: Vec<String> = list.iter().map(|w| w.to_string()).collect();
        list.sort_unstable();
        list
    };
    // Each place, marked `‸` in an edit of the contract, and what is offered there.
    let cases: &[(&str, &str, &[&str])] = &[
        // Keywords: a declaration at the top level, a clause of the block the cursor is in.
        (
            "\nfunnel support",
            "\n‸\nfunnel support",
            &[
                "bid",
                "bidding",
                "cohort",
                "contract",
                "funnel",
                "measure",
                "monitoring",
                "outcome",
                "payments",
                "use",
            ],
        ),
        (
            "  milestone plan_met",
            "  ‸\n  milestone plan_met",
            &["milestone", "target"],
        ),
        // A milestone's block: no `achieves` (E0207), which a target's block has.
        (
            "    evidence \"Review",
            "    ‸\n    evidence \"Review",
            &["eligible", "evidence"],
        ),
        (
            "    evidence \"Social care",
            "    ‸\n    evidence \"Social care",
            &["achieves", "eligible", "evidence"],
        ),
        ("  size 40", "  ‸\n  size 40", &["eligibility", "size"]),
        (
            "  review quarterly",
            "  ‸\n  review quarterly",
            &["exception_report", "returns", "review", "tolerance"],
        ),
        (
            "  cap £250,000 total",
            "  ‸\n  cap £250,000 total",
            &[
                "bonus",
                "cap",
                "deadweight",
                "exclusive",
                "fixed",
                "group",
                "or",
                "pay",
                "payer",
                "penalty",
                "tiers",
            ],
        ),
        // On a stage's line after its count: its inline clauses.
        (
            "30 conversion 75% within",
            "30 ‸conversion 75% within",
            &["after", "at", "conversion", "expected", "within"],
        ),
        // A number after `within`, `conversion`, `at least` and `expected`: nothing; after the
        // number of a time, its units; after the time, `after` where one must follow, `of`
        // where one may.
        ("within 6 months {", "within ‸ {", &[]),
        ("75% within 6", "‸75% within 6", &[]),
        ("within 6 months {", "at least ‸ {", &[]),
        ("within 6 months {", "expected ‸ {", &[]),
        ("within 6 months {", "at ‸ {", &["least"]),
        (
            "within 6 months {",
            "within 6 ‸ {",
            &[
                "day", "days", "month", "months", "week", "weeks", "year", "years",
            ],
        ),
        (
            "within 6 months {",
            "at least 6 ‸ {",
            &[
                "day", "days", "month", "months", "week", "weeks", "year", "years",
            ],
        ),
        ("within 6 months {", "expected 3 weeks ‸ {", &["after"]),
        (
            "within 6 months {",
            "within 6 months ‸ {",
            &["after", "at", "conversion", "expected", "of", "within"],
        ),
        // Names of the right kind: a cohort after a funnel's `for`, outcomes (the used file's
        // too) after `achieves`, the other stages of the same funnel after `after`.
        ("for families {", "for ‸families {", &["families"]),
        (
            "achieves family_stable, safer_families",
            "achieves family_stable, ‸",
            &["family_stable", "in_education", "safer_families"],
        ),
        (
            "24 conversion 80% within 12 months {",
            "24 conversion 80% within 12 months after ‸ {",
            &["engaged", "plan_met"],
        ),
        (
            "    achieves family_stable",
            "    achieves ‸",
            &["family_stable", "in_education", "safer_families"],
        ),
        // A new name being declared, or a number: nothing to offer.
        ("  milestone plan_met \"", "  milestone pl‸an_met \"", &[]),
        // A comment or a string is passed over: the brace in it opens no block.
        (
            "\nfunnel support",
            "\n# a { in a comment\nmeasure m \"a } in a string\" {\n  ‸\n}\nfunnel support",
            &[
                "baseline",
                "collected_by",
                "compared",
                "frequency",
                "method",
                "question",
                "target",
                "tracks",
                "unit",
            ],
        ),
    ];
    for (version, (find, marked, expected)) in cases.iter().enumerate() {
        assert!(family.contains(find), "no {find:?}");
        let text = family.replacen(find, marked, 1);
        let found = completions(&mut client, &uri, version as i64 + 2, &text);
        assert_eq!(found, words(expected), "at {marked:?}");
    }
    // The units that agree with the number come first.
    let text = family.replacen("within 6 months {", "within 1 mo {", 1);
    client.replace(&uri, 96, &text);
    let items = client.result("textDocument/completion", at(&uri, &text, "mo {"));
    let mut items: Vec<(String, String)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["sortText"].as_str().unwrap().to_string(),
                i["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    items.sort_unstable();
    let labels: Vec<&str> = items.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(labels[..4], ["day", "month", "week", "year"]);
    // A specification's bidding rules: its clauses, then `at most` or `at least`.
    let text = format!("{family}\nbidding {{\n  ‸\n}}\n");
    let found = completions(&mut client, &uri, 97, &text);
    assert_eq!(found, words(&["expected", "price", "require"]));
    let text = format!("{family}\nbidding {{\n  price at ‸\n}}\n");
    let found = completions(&mut client, &uri, 98, &text);
    assert_eq!(found, words(&["least", "most"]));
    // A measure's `tracks` names the outcomes, the framework's included.
    let text = format!("{family}\nmeasure m \"M\" {{\n  tracks ‸\n}}\n");
    let found = completions(&mut client, &uri, 99, &text);
    assert_eq!(
        found,
        words(&["family_stable", "in_education", "safer_families"])
    );
    client.stop();
}

#[test]
fn half_written_and_garbage_documents_never_stop_the_server() {
    let (_scratch, family, uri, mut client) = open_family("garbage");

    // Half a string, half a block, bytes of every kind, nothing at all, and edits whose
    // ranges run past the end of the text or cut a character in two.
    let cut = family.find("milestone plan_met").unwrap();
    let texts = [
        family[..cut].to_string(),
        family.replace("\"Family plan goals met\"", "\"Family plan goals met"),
        "funnel { { { \"".to_string(),
        "\u{0}\u{1b}[31m\u{202e}😀£\r\r\n\t".repeat(50),
        String::new(),
        "contract".repeat(10_000),
    ];
    for (version, text) in texts.iter().enumerate() {
        client.replace(&uri, version as i64 + 2, text);
        let published = client.diagnostics(&uri);
        assert!(!published.is_empty(), "{text:?} gave no diagnostic");
        // Every request still answers, at the start, the middle and far past the end.
        for position in [
            json!({"line": 0, "character": 0}),
            json!({"line": 1, "character": 3}),
            json!({"line": 99_999, "character": 99_999}),
        ] {
            let place = json!({"textDocument": {"uri": uri}, "position": position});
            client.request("textDocument/hover", place.clone());
            client.request("textDocument/definition", place.clone());
            client.request("textDocument/completion", place.clone());
            let mut references = place.clone();
            references["context"] = json!({"includeDeclaration": true});
            client.request("textDocument/references", references);
        }
        client.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        );
        let formatting = client.request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        );
        assert!(
            formatting["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("does not parse")),
            "{formatting}"
        );
    }
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 90},
               "contentChanges": [
                   {"range": {"start": {"line": 0, "character": 5}, "end": {"line": 0, "character": 1}}, "text": "x"},
                   {"range": {"start": {"line": 40, "character": 0}, "end": {"line": 2, "character": 0}}, "text": "y"},
                   {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "text": "😀"},
                   {"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 1}}, "text": "z"}]}),
    );
    client.diagnostics(&uri);
    // A document never opened, a request the server does not know, parameters of the wrong
    // shape, and an unsaved buffer.
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": "file:///nowhere.outcome", "version": 1}, "contentChanges": [{"text": "x"}]}),
    );
    let unknown = client.request("workspace/frobnicate", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let wrong = client.request("textDocument/hover", json!({"textDocument": 7}));
    assert_eq!(wrong["error"]["code"], -32602, "{wrong}");
    client.open("untitled:Untitled-1", "outcome x \"y\"\nfunnel");
    assert!(!client.diagnostics("untitled:Untitled-1").is_empty());

    // Back to the real text: figures again; then half a string: the last good figures stay.
    client.replace(&uri, 100, &family);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let half = &texts[1];
    client.replace(&uri, 101, half);
    assert_eq!(
        client.diagnostics(&uri)[0]["code"],
        "E0110",
        "an unclosed string"
    );
    let hover = client.result("textDocument/hover", at(&uri, half, "together\n"));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("expected: 24 people"));

    client.replace(&uri, 100, &family);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let hover = client.result("textDocument/hover", at(&uri, &family, "together\n"));
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .contains("expected: 24 people"));
    client.stop();
}

#[test]
fn malformed_frames_get_an_error_answer_and_the_server_goes_on() {
    let (_scratch, family, uri, mut client) = open_family("frames");
    // Each frame, the JSON-RPC error it gets (`null` when there is no answer), and then a
    // request that must still be answered.
    let frames: [(&[u8], Value); 9] = [
        (b"Content-Length: 5\r\n\r\n{abc}", json!(-32700)),
        (b"Content-Length: 2\r\n\r\n[]", json!(-32600)),
        (b"Content-Length: 1\r\n\r\n5", json!(-32600)),
        (
            b"Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}",
            json!(-32600),
        ),
        (b"Content-Length: 2\r\n\r\n\xff\xfe", json!(-32700)),
        (b"Content-Type: x\r\n\r\n", json!(-32700)),
        (b"Content-Length: abc\r\n\r\n{\"id\":1}", json!(-32700)),
        // A response to no request is let be.
        (
            b"Content-Length: 37\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":1}",
            Value::Null,
        ),
        // A body one byte longer than its length: the error, and the rest is dropped.
        (
            b"Content-Length: 36\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":999,\"result\":1}",
            json!(-32700),
        ),
    ];
    for (frame, code) in frames {
        client.stdin.write_all(frame).unwrap();
        client.stdin.flush().unwrap();
        let hover = client.result("textDocument/hover", at(&uri, &family, "together\n"));
        assert!(
            hover["contents"]["value"]
                .as_str()
                .is_some_and(|v| v.contains("expected: 24 people")),
            "after {:?}: {hover}",
            String::from_utf8_lossy(frame)
        );
        let errors: Vec<Value> = std::mem::take(&mut client.waiting)
            .into_iter()
            .filter(|m| m["id"].is_null() && m.get("error").is_some())
            .collect();
        let codes: Vec<&Value> = errors.iter().map(|e| &e["error"]["code"]).collect();
        let expected: Vec<&Value> = [&code].into_iter().filter(|c| !c.is_null()).collect();
        assert_eq!(
            codes,
            expected,
            "after {:?}",
            String::from_utf8_lossy(frame)
        );
    }
    // An invalid message with an id is answered with that id.
    let invalid = br#"{"jsonrpc":"2.0","id":"odd","method":7}"#;
    write!(client.stdin, "Content-Length: {}\r\n\r\n", invalid.len()).unwrap();
    client.stdin.write_all(invalid).unwrap();
    client.stdin.flush().unwrap();
    let answer = client.wait_for(|m| m["id"] == "odd");
    assert_eq!(answer["error"]["code"], -32600, "{answer}");
    client.stop();
}

fn inlay_hints(client: &mut Client, uri: &str) -> Vec<(String, Value)> {
    let hints = client.result(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9999, "character": 0}}}),
    );
    hints
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["label"].as_str().unwrap().to_string(),
                h["position"].clone(),
            )
        })
        .collect()
}

fn rough_sleeping(scratch: &Scratch) -> (String, String) {
    std::fs::create_dir_all(scratch.path(".git")).unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/rough-sleeping.outcome");
    let text = std::fs::read_to_string(spec).unwrap();
    scratch.file("rough-sleeping.outcome", &text);
    (uri_of(&scratch.path("rough-sleeping.outcome")), text)
}

#[test]
fn inlay_hints_show_conversions_and_the_running_rate_card_and_switch_off() {
    let scratch = Scratch::new("hints");
    let (uri, text) = rough_sleeping(&scratch);
    let mut client = Client::start(&scratch.0);
    client.open(&uri, &text);
    client.diagnostics(&uri);

    // Every stage states its conversion; only `sustained_18m`'s (83%) differs from the
    // computed one (30 of 36), shown after it. Each priced stage shows what a participant has
    // earned on the rate card by then: the hover's figure, at the end of the stage's line.
    let hints = inlay_hints(&mut client, &uri);
    let after = |needle: &str| {
        let mut at = position(&text, needle);
        at["character"] = json!(at["character"].as_u64().unwrap() + needle.len() as u64);
        at
    };
    let conversions: Vec<&(String, Value)> = hints
        .iter()
        .filter(|(l, _)| !l.starts_with("earned"))
        .collect();
    assert_eq!(
        conversions,
        [&("computed 83.3%".to_string(), after("30 conversion 83%"))]
    );
    let priced = [
        "housed",
        "sustained_3m",
        "sustained_6m",
        "sustained_12m",
        "sustained_18m",
        "reconnected",
        "reconnection_held",
        "gp_registered",
        "in_treatment",
    ];
    let earned: Vec<&(String, Value)> = hints
        .iter()
        .filter(|(l, _)| l.starts_with("earned"))
        .collect();
    assert_eq!(earned.len(), priced.len(), "{hints:?}");
    for (stage, (label, at)) in priced.iter().zip(earned) {
        let line = text
            .lines()
            .position(|l| l.split_whitespace().nth(1) == Some(*stage))
            .unwrap();
        let header = text.lines().nth(line).unwrap().trim_end_matches(" {");
        assert_eq!(
            *at,
            json!({"line": line, "character": header.len()}),
            "{stage}"
        );
        let column = text.lines().nth(line).unwrap().find(stage).unwrap();
        let place = json!({"textDocument": {"uri": uri},
                           "position": {"line": line, "character": column + 1}});
        let hover = client.result("textDocument/hover", place);
        let hover = hover["contents"]["value"].as_str().unwrap();
        let figure = label.strip_prefix("earned ").unwrap();
        assert!(
            hover.contains(&format!(
                "earned on the rate card by then: {figure} per participant"
            )),
            "{stage}: {label} against {hover}"
        );
    }
    // The route through every sustainment is the richest: its stages' prices add up.
    assert_eq!(earned_label(&hints, 4), "earned £12,000");

    // Switched off one at a time, by the settings the editor sends.
    let switch = |client: &mut Client, hints: Value| {
        client.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": {"outcome": {"inlayHints": hints}}}),
        );
    };
    switch(&mut client, json!({"rateCard": false}));
    let hints = inlay_hints(&mut client, &uri);
    assert_eq!(
        hints.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(),
        ["computed 83.3%"]
    );
    switch(&mut client, json!({"conversion": false}));
    assert_eq!(inlay_hints(&mut client, &uri), []);
    switch(&mut client, json!({"conversion": true, "rateCard": true}));
    assert_eq!(inlay_hints(&mut client, &uri).len(), 10);
    client.stop();

    // Off from the start, by `initializationOptions`.
    let binary = Path::new(env!("CARGO_BIN_EXE_outcome"));
    let options =
        json!({"initializationOptions": {"outcome": {"inlayHints": {"conversion": false}}}});
    let mut client = Client::start_with(binary, &scratch.0, options);
    client.open(&uri, &text);
    client.diagnostics(&uri);
    let hints = inlay_hints(&mut client, &uri);
    assert_eq!(hints.len(), 9, "{hints:?}");
    assert!(hints.iter().all(|(l, _)| l.starts_with("earned")));
    client.stop();

    // A client that is asked for its settings (`workspace/configuration`), and asked to show
    // the hints again when they change (`workspace/inlayHint/refresh`).
    let capabilities = json!({"capabilities": {"workspace": {
        "configuration": true, "inlayHint": {"refreshSupport": true}}}});
    let mut client = Client::start_with(binary, &scratch.0, capabilities);
    let asked = client.wait_for(|m| m["method"] == "workspace/configuration");
    assert_eq!(asked["params"]["items"][0]["section"], "outcome", "{asked}");
    client.send(json!({"jsonrpc": "2.0", "id": asked["id"],
                       "result": [{"inlayHints": {"conversion": false, "rateCard": false}}]}));
    client.wait_for(|m| m["method"] == "workspace/inlayHint/refresh");
    client.open(&uri, &text);
    client.diagnostics(&uri);
    assert_eq!(inlay_hints(&mut client, &uri), []);
    // Settings that come without their values are asked for.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    );
    let asked = client.wait_for(|m| m["method"] == "workspace/configuration");
    client.send(json!({"jsonrpc": "2.0", "id": asked["id"],
                       "result": [{"inlayHints": {"rateCard": true}}]}));
    assert_eq!(inlay_hints(&mut client, &uri).len(), 9);
    client.stop();
}

fn earned_label(hints: &[(String, Value)], nth: usize) -> &str {
    hints
        .iter()
        .filter(|(l, _)| l.starts_with("earned"))
        .nth(nth)
        .map(|(l, _)| l.as_str())
        .unwrap()
}

#[test]
fn references_and_rename_from_a_framework_reach_the_files_that_use_it_unopened() {
    let scratch = Scratch::new("framework_users");
    borough(&scratch);
    let framework = scratch.read("framework/outcomes.outcome");
    let uri = uri_of(&scratch.path("framework/outcomes.outcome"));
    let school = uri_of(&scratch.path("school-inclusion.outcome"));
    // Only the framework is open: the contracts that use it are on disk.
    let mut client = Client::start(&scratch.0);
    client.open(&uri, &framework);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let mut place = at(&uri, &framework, "in_education \"");
    place["context"] = json!({"includeDeclaration": true});
    let references = client.result("textDocument/references", place.clone());
    let school_text = scratch.read("school-inclusion.outcome");
    assert_eq!(
        ranges_in(&references, &school),
        [position(&school_text, "in_education")],
        "{references}"
    );
    assert_eq!(ranges_in(&references, &uri).len(), 2, "{references}");

    // Renamed, every file still checks: the framework's declaration and measure, and the
    // contract's `achieves`.
    place["newName"] = json!("in_school");
    let edit = client.result("textDocument/rename", place);
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 2, "{edit}");
    for (name, file_uri) in [
        ("framework/outcomes.outcome", &uri),
        ("school-inclusion.outcome", &school),
    ] {
        let renamed = apply(&scratch.read(name), &changes[file_uri.as_str()]);
        assert!(!renamed.contains("in_education"), "{renamed}");
        scratch.file(name, renamed);
    }
    scratch.outcome().args(["check", "."]).assert().success();
    client.stop();
}

/// The time from a keystroke (`didChange`, one character) to its diagnostics being published,
/// on a 5,000-line contract, through this build's server: printed, not asserted (the figure
/// depends on the machine and the build). The benchmark measures a release build
/// (`cargo bench --bench lsp`), which the README quotes.
#[test]
fn keystroke_to_diagnostics_on_a_5000_line_contract() {
    let scratch = Scratch::new("latency");
    let binary = Path::new(env!("CARGO_BIN_EXE_outcome"));
    let (lines, times) = keystrokes(binary, &scratch.0, 5_000, 21);
    assert!((4_900..=5_100).contains(&lines), "{lines} lines");
    println!(
        "keystroke to diagnostics, {lines}-line contract, debug build: median {:.1} ms",
        times[times.len() / 2].as_secs_f64() * 1000.0
    );
}

/// The VS Code extension's grammar colours every keyword of the language, and its manifest
/// names files that exist.
#[test]
fn the_vscode_extension_knows_every_keyword() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let extension = root.join("editors/vscode");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(extension.join("package.json")).unwrap())
            .unwrap();
    let language = &manifest["contributes"]["languages"][0];
    assert_eq!(language["extensions"], json!([".outcome"]));
    let configuration = extension.join(language["configuration"].as_str().unwrap());
    let configuration: Value =
        serde_json::from_str(&std::fs::read_to_string(configuration).unwrap()).unwrap();
    assert_eq!(configuration["comments"]["lineComment"], "#");
    let grammar = extension.join(
        manifest["contributes"]["grammars"][0]["path"]
            .as_str()
            .unwrap(),
    );
    let grammar: Value = serde_json::from_str(&std::fs::read_to_string(grammar).unwrap()).unwrap();
    let keywords = grammar["repository"]["keyword"]["match"].as_str().unwrap();
    let alternatives: Vec<String> = keywords
        .trim_start_matches("\\b(")
        .trim_end_matches(")\\b")
        .split('|')
        .map(|k| k.replace("\\s+", " ").replace('\\', ""))
        .collect();
    let pest = std::fs::read_to_string(root.join("grammar/outcome.pest")).unwrap();
    for word in pest.split('"').skip(1).step_by(2) {
        let keyword = word.starts_with(|c: char| c.is_ascii_lowercase())
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || "_- ".contains(c));
        if keyword {
            assert!(
                alternatives.iter().any(|k| k == word),
                "the TextMate grammar does not colour `{word}`"
            );
        }
    }
}

/// The tender of `specs/tender` in a scratch repository.
fn tender(scratch: &Scratch) {
    std::fs::create_dir_all(scratch.path(".git")).unwrap();
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/tender");
    for name in [
        "specification.outcome",
        "phoenix-futures.outcome",
        "turning-point.outcome",
    ] {
        scratch.file(name, std::fs::read(specs.join(name)).unwrap());
    }
}

/// The outline's entries as `name` lines, children indented under their parent.
fn outline(symbols: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for symbol in symbols.as_array().unwrap() {
        lines.push(symbol["name"].as_str().unwrap().to_string());
        for child in symbol["children"].as_array().into_iter().flatten() {
            lines.push(format!("  {}", child["name"].as_str().unwrap()));
        }
    }
    lines
}

/// In a bid, the stages it prices and counts are the specification's: definition, hover (the
/// figures as the bid makes them, and the specification's rules), references and rename
/// reach the specification and every bid on it, open or on disk; completion offers its
/// stages; the outline lists the bid's figures; a rule broken points at the specification.
#[test]
fn a_bid_navigates_to_its_specification_and_back() {
    let scratch = Scratch::new("bids");
    tender(&scratch);
    let spec = scratch.read("specification.outcome");
    let bid = scratch.read("phoenix-futures.outcome");
    let other = scratch.read("turning-point.outcome");
    let spec_uri = uri_of(&scratch.path("specification.outcome"));
    let bid_uri = uri_of(&scratch.path("phoenix-futures.outcome"));
    let other_uri = uri_of(&scratch.path("turning-point.outcome"));
    let mut client = Client::start(&scratch.0);
    client.open(&bid_uri, &bid);
    assert_eq!(client.diagnostics(&bid_uri), Vec::<Value>::new());

    // A stage the bid prices is declared in the specification.
    let definition = client.result(
        "textDocument/definition",
        at(&bid_uri, &bid, "attend\n  pay £450"),
    );
    assert_eq!(definition["uri"], spec_uri, "{definition}");
    assert_eq!(
        definition["range"]["start"],
        position(&spec, "attend    \"Attend")
    );

    // The specification's path leads to its file.
    let definition = client.result(
        "textDocument/definition",
        at(&bid_uri, &bid, "specification.outcome\""),
    );
    assert_eq!(definition["uri"], spec_uri, "{definition}");
    assert_eq!(
        definition["range"]["start"],
        json!({"line": 0, "character": 0})
    );

    // Its figures with the bid's prices and counts: 60 attend of 100 entering, paid £120;
    // 12 of 30 complete reach `abstinent`, paid £3,200; and the specification's rules.
    let text = hover_text(&mut client, &bid_uri, &bid, "abstinent\n  expected");
    assert_has(
        &text,
        &[
            "**target `abstinent`**".to_string(),
            "As this bid makes it:".to_string(),
            "- expected: 12 people (funnel `day_programme`)".to_string(),
            "- conversion: 40.0% (computed; not stated)".to_string(),
            "- price: £3,200 per participant".to_string(),
            "The specification's rules for bids:\n- price at most £3,500\n- expected at least 10\n- required"
                .to_string(),
        ],
    );
    let text = hover_text(&mut client, &bid_uri, &bid, "attend\n  pay £450");
    assert_has(
        &text,
        &[
            "- expected: 60 people".to_string(),
            "- price: £120 per participant".to_string(),
            "- price at most £150\n- required".to_string(),
        ],
    );

    // On the bid's opening line, the figures `outcome evaluate` compares (worked out by hand
    // in tests/evaluate.rs).
    let text = hover_text(&mut client, &bid_uri, &bid, "Phoenix Futures");
    assert_has(
        &text,
        &[
            "**bid** by Phoenix Futures".to_string(),
            "- planned total cost: £99,100".to_string(),
            "- maximum exposure: £150,000 (funding limit £150,000, headroom £0)".to_string(),
            "- unit cost per `abstinent`: £8,258.33 (12 expected)".to_string(),
            "- cost per participant: £991".to_string(),
        ],
    );

    // The references of the specification's stage: its declaration, its price and rules,
    // the open bid's price and count, and the bid on disk that is not open.
    client.open(&spec_uri, &spec);
    let mut references = at(&spec_uri, &spec, "abstinent \"Drug");
    references["context"] = json!({"includeDeclaration": true});
    let found = client.result("textDocument/references", references);
    assert_eq!(
        ranges_in(&found, &bid_uri),
        vec![
            position(&bid, "abstinent\n  expected 60"),
            position(&bid, "abstinent\n}")
        ],
        "{found}"
    );
    assert_eq!(
        ranges_in(&found, &other_uri),
        vec![
            position(&other, "abstinent\n  expected"),
            position(&other, "abstinent\n}")
        ],
        "{found}"
    );
    assert_eq!(ranges_in(&found, &spec_uri).len(), 5, "{found}");

    // Renamed from the bid: everywhere, in the bid on disk too.
    let mut rename = at(&bid_uri, &bid, "attend\n  pay £450");
    rename["newName"] = json!("attended");
    let edit = client.result("textDocument/rename", rename);
    let changes = &edit["changes"];
    let renamed_spec = apply(&spec, &changes[&spec_uri]);
    assert!(!renamed_spec.contains("attend "), "{renamed_spec}");
    assert!(renamed_spec.contains("price at most £150 for attended\n"));
    assert!(renamed_spec.contains("require attended, abstinent\n"));
    let renamed_bid = apply(&bid, &changes[&bid_uri]);
    assert_eq!(renamed_bid, bid.replace("for attend\n", "for attended\n"));
    let renamed_other = apply(&other, &changes[&other_uri]);
    assert_eq!(
        renamed_other,
        other.replace("for attend\n", "for attended\n")
    );
    // Renamed from the specification: the bids too, the one on disk included.
    let mut rename = at(&spec_uri, &spec, "complete  \"Complete");
    rename["newName"] = json!("completed");
    let edit = client.result("textDocument/rename", rename);
    let renamed_other = apply(&other, &edit["changes"][&other_uri]);
    assert_eq!(
        renamed_other,
        other.replace("for complete\n", "for completed\n")
    );
    let renamed_bid = apply(&bid, &edit["changes"][&bid_uri]);
    assert_eq!(
        renamed_bid,
        bid.replace("for complete\n", "for completed\n")
    );
    // A name the specification already has is refused, as in a contract.
    let mut clash = at(&bid_uri, &bid, "attend\n  pay £450");
    clash["newName"] = json!("complete");
    let refused = client.request("textDocument/rename", clash);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`complete` is already the name of a milestone"),
        "{refused}"
    );

    // The outline: the bid, with its prices and counts in the order written.
    let symbols = client.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": bid_uri}}),
    );
    assert_eq!(
        outline(&symbols),
        [
            "bid",
            "  pay £120 for attend",
            "  pay £450 for complete",
            "  pay £3,200 for abstinent",
            "  expected 60 for attend",
            "  expected 30 for complete",
            "  expected 12 for abstinent",
        ],
        "{symbols}"
    );
    assert_eq!(symbols[0]["detail"], "Phoenix Futures");

    // Completion: `pay ... for` offers the stages the specification pays for (not `enrol`);
    // `expected ... for` every stage.
    let head = "bid \"Phoenix Futures\" on \"specification.outcome\" {\n";
    assert_eq!(
        completions(
            &mut client,
            &bid_uri,
            2,
            &format!("{head}  pay £120 for ‸\n}}\n")
        ),
        ["abstinent", "attend", "complete"]
    );
    assert_eq!(
        completions(
            &mut client,
            &bid_uri,
            3,
            &format!("{head}  expected 60 for ‸\n}}\n")
        ),
        ["abstinent", "attend", "complete", "enrol"]
    );

    // The specification's ceiling lowered in the editor, unsaved: the open bid is checked
    // again against it, and its price is now above it.
    client.replace(&bid_uri, 4, &bid);
    assert_eq!(client.diagnostics(&bid_uri), Vec::<Value>::new());
    let lowered = spec.replace("price at most £3,500", "price at most £3,000");
    client.replace(&spec_uri, 2, &lowered);
    let published = client.diagnostics(&bid_uri);
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(
        published[0]["message"].as_str().unwrap().lines().next(),
        Some("the bid asks £3,200 for `abstinent`, above the specification's ceiling of £3,000")
    );
    client.replace(&spec_uri, 3, &spec);
    assert_eq!(client.diagnostics(&bid_uri), Vec::<Value>::new());

    // A price above its ceiling: the diagnostic relates to the specification's line.
    let above = bid.replace("pay £3,200 for abstinent", "pay £3,800 for abstinent");
    client.replace(&bid_uri, 5, &above);
    let published = client.diagnostics(&bid_uri);
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["code"], "E0704");
    let related = &published[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], spec_uri, "{related}");
    assert_eq!(
        related["location"]["range"]["start"],
        position(&spec, "price at most £3,500")
    );
    assert_eq!(related["message"], "the ceiling of £3,500");
    client.stop();
}
