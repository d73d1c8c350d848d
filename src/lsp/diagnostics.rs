//! The compiler's diagnostics as the protocol's: the same code, severity and message as
//! `outcome check`, the range in lines and UTF-16 columns, each second label as related
//! information (one in another file, such as the specification a bid answers, with that
//! file's URI), the help on a line of its own, and a link to the list of codes.

use super::convert::Lines;
use crate::diagnostic::{self, Severity};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Uri,
};
use std::collections::BTreeMap;
use std::str::FromStr;

/// Where a code is listed with its title; `outcome explain CODE` prints the whole text.
pub const CODES_URL: &str =
    "https://github.com/outcome-lang/outcome/blob/main/grammar/REFERENCE.md#diagnostic-codes";

/// What a diagnostic carries for code actions (`data`): the help, when it has one.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Data {
    pub help: Option<String>,
}

/// The protocol's form of `diagnostics`, found in `text` (the document `uri`).
pub fn convert(
    uri: &Uri,
    text: &str,
    lines: &Lines,
    diagnostics: &[diagnostic::Diagnostic],
) -> Vec<Diagnostic> {
    let href = Uri::from_str(CODES_URL).ok();
    // Each other file's URI and lines, found once however many labels point into it.
    let mut others: BTreeMap<String, Option<(Uri, Lines)>> = BTreeMap::new();
    diagnostics
        .iter()
        .map(|d| {
            let here = d
                .secondary
                .iter()
                .map(|label| DiagnosticRelatedInformation {
                    location: Location::new(uri.clone(), lines.range(text, label.span)),
                    message: label.text.to_string(),
                });
            let elsewhere: Vec<DiagnosticRelatedInformation> = d
                .related()
                .iter()
                .filter_map(|related| {
                    let file = &related.file;
                    let (uri, lines) = others
                        .entry(file.name.clone())
                        .or_insert_with(|| Some((uri_of(&file.name)?, Lines::new(&file.text))))
                        .as_ref()?;
                    Some(DiagnosticRelatedInformation {
                        location: Location::new(
                            uri.clone(),
                            lines.range(&file.text, related.label.span),
                        ),
                        message: related.label.text.to_string(),
                    })
                })
                .collect();
            let related: Vec<DiagnosticRelatedInformation> = here.chain(elsewhere).collect();
            Diagnostic {
                range: lines.range(text, d.primary.span),
                severity: Some(match d.severity() {
                    Severity::Error => DiagnosticSeverity::ERROR,
                    Severity::Warning => DiagnosticSeverity::WARNING,
                }),
                code: Some(NumberOrString::String(d.code.as_str().to_string())),
                code_description: href.clone().map(|href| CodeDescription { href }),
                source: Some("outcome".to_string()),
                message: message(d),
                related_information: (!related.is_empty()).then_some(related),
                tags: None,
                data: serde_json::to_value(Data {
                    help: d.help.as_deref().map(str::to_string),
                })
                .ok(),
            }
        })
        .collect()
}

/// The `file:` URI of a file named as `check` names it: relative to the folder the server
/// runs in, or whole.
fn uri_of(name: &str) -> Option<Uri> {
    let named = std::path::Path::new(name);
    let path = match std::env::current_dir() {
        Ok(folder) if named.is_relative() => folder.join(named),
        _ => named.to_path_buf(),
    };
    super::convert::path_to_uri(&std::fs::canonicalize(path).ok()?)
}

/// The message as `check` prints it, then the label on the span and the help on lines of
/// their own: an editor shows only the message, and the help is the fix.
fn message(d: &diagnostic::Diagnostic) -> String {
    let mut text = d.message.clone();
    if !d.primary.text.trim().is_empty() {
        text.push_str(&format!("\n{}", d.primary.text));
    }
    if let Some(help) = d.help.as_deref().filter(|h| !h.trim().is_empty()) {
        text.push_str(&format!("\nhelp: {help}"));
    }
    text
}
