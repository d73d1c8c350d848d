//! The compiler's diagnostics as the protocol's: the same code, severity and message as
//! `outcome check`, the range in lines and UTF-16 columns, each second label as related
//! information, the help on a line of its own, and a link to the list of codes.

use super::convert::Lines;
use crate::diagnostic::{self, Severity};
use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Uri,
};
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
    diagnostics
        .iter()
        .map(|d| {
            let related: Vec<DiagnosticRelatedInformation> = d
                .secondary
                .iter()
                .map(|label| DiagnosticRelatedInformation {
                    location: Location::new(uri.clone(), lines.range(text, label.span)),
                    message: label.text.clone(),
                })
                .collect();
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
                    help: d.help.clone(),
                })
                .ok(),
            }
        })
        .collect()
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
