//! Diagnostics as one SARIF 2.1.0 log (`check --format sarif`), the format code-scanning
//! services read (GitHub code scanning, Azure DevOps, IDE viewers).
//!
//! The log has one run. Its tool lists one rule per registered code, in registry order, with
//! the code's title and its `explain` text; each diagnostic is a result pointing at its rule by
//! id and index. Locations are relative to `%SRCROOT%`, the directory `check` ran in, with
//! 1-based lines and columns that count Unicode code points (`columnKind`), as `Record` does.
//! A diagnostic's second labels are its `relatedLocations`, each with its own artifact: a
//! bid's price above its ceiling relates to the line of the specification that sets it.
//! Nothing in the log depends on the time or the machine, so the same files always give the
//! same bytes.

use super::{explanation, message_with_help, Code, Diagnostic, Label, Severity};
use crate::source::SourceFile;
use serde::Serialize;

/// Where the schema of this log lives; SARIF consumers expect exactly this `$schema`.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The project's home page: the tool's `informationUri`.
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// The run's `automationDetails.id`: GitHub code scanning takes everything before the last
/// `/` as the analysis category, so uploads of `outcome check` replace one another instead of
/// piling up; nothing follows the slash, as the log does not depend on the run.
pub const AUTOMATION_ID: &str = "outcome/check/";

/// The name of the `partialFingerprints` entry; the `/v1` says how it is computed, and changes
/// if the computation does.
pub const FINGERPRINT: &str = "outcome/v1";

/// Where a code's explanation lives on the web: its row in the language reference's table of
/// diagnostic codes, which carries an anchor named for the code in lower case (`#e0302`);
/// `outcome explain CODE` prints the same explanation.
pub fn help_uri(code: Code) -> String {
    format!(
        "{INFORMATION_URI}/blob/main/grammar/REFERENCE.md#{}",
        code.as_str().to_ascii_lowercase()
    )
}

/// The base every relative artifact location is resolved against: the directory the
/// command ran in, which in CI is the repository's root.
pub const SOURCE_ROOT: &str = "%SRCROOT%";

/// The whole log for the diagnostics of several files, as pretty-printed JSON with a final
/// line break.
pub fn log(files: &[(&SourceFile, &[Diagnostic])]) -> Result<String, serde_json::Error> {
    let results = files
        .iter()
        .flat_map(|(file, diagnostics)| {
            let mut seen = Seen::default();
            diagnostics
                .iter()
                .map(move |d| result(file, d, fingerprint(file, d, &mut seen)))
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "outcome",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: Code::ALL.iter().map(|code| rule(*code)).collect(),
                },
            },
            automation_details: AutomationDetails { id: AUTOMATION_ID },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log)?;
    text.push('\n');
    Ok(text)
}

/// The rule's `name`: the title in UpperCamelCase, letters and digits only ("funnel widens"
/// → `FunnelWidens`, "file is not UTF-8 text" → `FileIsNotUtf8Text`), as heck splits words.
pub fn rule_name(title: &str) -> String {
    use heck::ToUpperCamelCase;
    title
        .to_upper_camel_case()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

fn rule(code: Code) -> Rule {
    let text = explanation(code).trim();
    let summary = text.split("\n\n").next().unwrap_or(text);
    Rule {
        id: code.as_str(),
        name: rule_name(code.title()),
        short_description: Message::text(code.title()),
        full_description: Message::text(summary),
        help_uri: help_uri(code),
        help: Help {
            text: text.to_string(),
            markdown: text.to_string(),
        },
        default_configuration: Configuration {
            level: level(code.severity()),
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// What fingerprinting a file's results remembers: each line's hash, computed once however
/// many results point at the line (a 2 MB line with 60,000 findings is hashed once, not
/// 60,000 times), and how many results so far have each fingerprint.
#[derive(Default)]
struct Seen {
    lines: fnv::FnvHashMap<usize, u64>,
    fingerprints: fnv::FnvHashMap<u64, usize>,
}

/// A result's fingerprint, the same from run to run and when lines are added above it: a hash
/// of the code, the file and the text of the line the diagnostic points at with its white
/// space collapsed (so re-indenting keeps it too), then `:N` counting the results in the file
/// with the same hash (as GitHub's `primaryLocationLineHash` does), so that two alike on
/// identical lines stay apart. FNV-1a: a fixed function, unlike the standard library's
/// hasher, whose output may change between Rust versions.
fn fingerprint(file: &SourceFile, diagnostic: &Diagnostic, seen: &mut Seen) -> String {
    use std::hash::Hasher;
    let text = file.text.as_bytes();
    let start = diagnostic.primary.span.start.min(text.len());
    let starts = file.line_starts();
    let line = starts.partition_point(|&s| s <= start).saturating_sub(1);
    let line_hash = *seen.lines.entry(line).or_insert_with(|| {
        let from = starts.get(line).copied().unwrap_or(0).min(text.len());
        let to = starts
            .get(line + 1)
            .copied()
            .unwrap_or(text.len())
            .min(text.len());
        let mut hasher = fnv::FnvHasher::default();
        let words = text[from..to.max(from)]
            .split(u8::is_ascii_whitespace)
            .filter(|word| !word.is_empty());
        for word in words {
            hasher.write(word);
            hasher.write(b" ");
        }
        hasher.finish()
    });
    let mut hasher = fnv::FnvHasher::default();
    for part in [diagnostic.code.as_str(), &file.name.replace('\\', "/")] {
        hasher.write(part.as_bytes());
        hasher.write(&[0]);
    }
    hasher.write(&line_hash.to_le_bytes());
    let hash = hasher.finish();
    let occurrence = seen.fingerprints.entry(hash).or_insert(0);
    *occurrence += 1;
    format!("{hash:016x}:{occurrence}")
}

fn result(file: &SourceFile, diagnostic: &Diagnostic, fingerprint: String) -> Finding {
    // Second labels in the same file, then those in other files, each with its own file.
    let related_locations = diagnostic
        .secondary
        .iter()
        .map(|label| (file, label))
        .chain(diagnostic.related().iter().map(|r| (&r.file, &r.label)))
        .enumerate()
        .map(|(id, (file, label))| Location {
            id: Some(id),
            physical_location: physical_location(file, label),
            message: (!label.text.is_empty()).then(|| Message::text(&label.text)),
        })
        .collect();
    Finding {
        rule_id: diagnostic.code.as_str(),
        rule_index: Code::ALL
            .iter()
            .position(|code| *code == diagnostic.code)
            .unwrap_or_default(),
        level: level(diagnostic.severity()),
        message: Message::text(&message_with_help(
            &diagnostic.message,
            diagnostic.help.as_deref(),
        )),
        locations: vec![Location {
            id: None,
            physical_location: physical_location(file, &diagnostic.primary),
            message: None,
        }],
        related_locations,
        partial_fingerprints: Fingerprints {
            outcome: fingerprint,
        },
    }
}

fn physical_location(file: &SourceFile, label: &Label) -> PhysicalLocation {
    let start = file.line_col(label.span.start);
    let end = file.line_col(label.span.end);
    PhysicalLocation {
        artifact_location: artifact_location(&file.name),
        region: Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
        },
    }
}

/// A file named relative to the working directory is a relative reference resolved against
/// `%SRCROOT%`; any other is a `file:` URI of its own.
fn artifact_location(name: &str) -> ArtifactLocation {
    let slashed = name.replace('\\', "/");
    let drive = slashed
        .get(..2)
        .filter(|start| start.ends_with(':') && start.as_bytes()[0].is_ascii_alphabetic());
    if let Some(drive) = drive {
        ArtifactLocation {
            uri: format!("file:///{drive}{}", encode_uri_path(&slashed[2..])),
            uri_base_id: None,
        }
    } else if slashed.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{}", encode_uri_path(&slashed)),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encode_uri_path(&slashed),
            uri_base_id: Some(SOURCE_ROOT),
        }
    }
}

/// Percent-encode everything in a path that may not stand as itself in a URI path. A `:` is
/// encoded too: in the first part of a relative reference it would read as a scheme.
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// The log's shape: only what `outcome` fills in, in the order the SARIF specification lists
// the properties.

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    automation_details: AutomationDetails,
    column_kind: &'static str,
    results: Vec<Finding>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: &'static str,
}

/// `partialFingerprints`, one entry named `FINGERPRINT`.
#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "outcome/v1")]
    outcome: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

impl Message {
    fn text(text: &str) -> Message {
        Message {
            text: text.to_string(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
/// A SARIF `result`: one diagnostic.
struct Finding {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn rule_names_are_pascal_case_titles() {
        assert_eq!(rule_name("funnel widens"), "FunnelWidens");
        assert_eq!(rule_name("file is not UTF-8 text"), "FileIsNotUtf8Text");
        assert_eq!(rule_name("`use` path not found"), "UsePathNotFound");
        for code in Code::ALL {
            let name = rule_name(code.title());
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric()), "{name}");
        }
    }

    #[test]
    fn relative_files_resolve_against_the_source_root() {
        let location = artifact_location("specs/a b:c.outcome");
        assert_eq!(location.uri, "specs/a%20b%3Ac.outcome");
        assert_eq!(location.uri_base_id, Some(SOURCE_ROOT));
        let location = artifact_location("/tmp/x.outcome");
        assert_eq!(location.uri, "file:///tmp/x.outcome");
        assert_eq!(location.uri_base_id, None);
        assert_eq!(
            artifact_location("C:\\contracts\\x.outcome").uri,
            "file:///C:/contracts/x.outcome"
        );
    }

    #[test]
    fn results_point_at_their_rule_with_one_based_positions() {
        let file = SourceFile::new("x.outcome", "cohort a \"A\"\n");
        let diagnostic = Diagnostic::new(Code::W0603, "unused", Span::new(7, 8), "here")
            .help("use it")
            .also(Span::new(0, 6), "keyword");
        let files = [(&file, std::slice::from_ref(&diagnostic))];
        let log: serde_json::Value = serde_json::from_str(&log(&files).unwrap()).unwrap();
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "W0603");
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(Code::ALL[index], Code::W0603);
        assert_eq!(result["level"], "warning");
        assert_eq!(result["message"]["text"], "unused. help: use it");
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 1);
        assert_eq!(region["startColumn"], 8);
        assert_eq!(region["endColumn"], 9);
        assert_eq!(result["relatedLocations"][0]["message"]["text"], "keyword");
    }

    #[test]
    fn a_label_in_another_file_is_a_related_location_in_that_file() {
        let bid = SourceFile::new("bids/b.outcome", "bid \"B\" on \"../s.outcome\" {}\n");
        let spec = SourceFile::new("s.outcome", "contract \"S\" {\n  funding limit £1\n}\n");
        let diagnostic = Diagnostic::new(Code::E0704, "above", Span::new(4, 7), "here")
            .also(Span::new(0, 3), "the bid")
            .elsewhere(&spec, Span::new(17, 34), "the limit");
        let files = [(&bid, std::slice::from_ref(&diagnostic))];
        let log: serde_json::Value = serde_json::from_str(&log(&files).unwrap()).unwrap();
        let related = &log["runs"][0]["results"][0]["relatedLocations"];
        assert_eq!(related[0]["id"], 0);
        assert_eq!(
            related[0]["physicalLocation"]["artifactLocation"]["uri"],
            "bids/b.outcome"
        );
        assert_eq!(related[1]["id"], 1);
        assert_eq!(related[1]["message"]["text"], "the limit");
        let location = &related[1]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "s.outcome");
        assert_eq!(location["artifactLocation"]["uriBaseId"], SOURCE_ROOT);
        assert_eq!(location["region"]["startLine"], 2);
        assert_eq!(location["region"]["startColumn"], 3);
        assert_eq!(location["region"]["endColumn"], 19);
    }
}
