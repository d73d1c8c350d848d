//! Edits the server offers: formatting through `outcome fmt`, quick fixes for diagnostics
//! whose help names the fix, and inlay hints with the computed conversions.

use super::diagnostics::Data;
use super::{Failure, Server};
use crate::fmt::{self, Refused};
use crate::source::SourceFile;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, DocumentFormattingParams,
    InlayHint, InlayHintKind, InlayHintLabel, InlayHintParams, Position, Range, TextEdit,
    WorkspaceEdit,
};
use std::collections::HashMap;

/// The whole document in the canonical layout, as one edit; no edit when it is already in it.
pub(super) fn formatting(
    server: &mut Server,
    params: DocumentFormattingParams,
) -> Result<Option<Vec<TextEdit>>, Failure> {
    let Some(document) = server.documents.get(params.text_document.uri.as_str()) else {
        return Ok(None);
    };
    let file = SourceFile::new("", document.text.clone());
    let formatted = fmt::format(&file).map_err(|refused| match refused {
        Refused::Syntax(_) => Failure::refused(
            "the file does not parse, so it is not formatted; fix the syntax error first",
        ),
        Refused::Unsafe(_) => Failure::refused(refused.to_string()),
    })?;
    if *formatted == *document.text {
        return Ok(Some(Vec::new()));
    }
    let end = document.lines.position(&document.text, document.text.len());
    Ok(Some(vec![TextEdit::new(
        Range::new(Position::new(0, 0), end),
        formatted,
    )]))
}

/// A quick fix for each diagnostic whose help says "did you mean `x`?": write `x` instead.
// `WorkspaceEdit` keys its changes by `Uri`, whose lazily parsed parts clippy takes for
// interior mutability; its hash and equality are those of the URI's text.
#[allow(clippy::mutable_key_type)]
pub(super) fn code_actions(
    _server: &mut Server,
    params: CodeActionParams,
) -> Result<Option<Vec<CodeActionOrCommand>>, Failure> {
    let mut actions = Vec::new();
    for diagnostic in &params.context.diagnostics {
        let help = diagnostic
            .data
            .clone()
            .and_then(|data| serde_json::from_value::<Data>(data).ok())
            .and_then(|data| data.help);
        let Some(name) = help.as_deref().and_then(suggested_name) else {
            continue;
        };
        let edit = TextEdit::new(diagnostic.range, name.to_string());
        let changes = HashMap::from([(params.text_document.uri.clone(), vec![edit])]);
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("write `{name}`"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![diagnostic.clone()]),
            edit: Some(WorkspaceEdit::new(changes)),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    Ok(Some(actions))
}

/// `x` from a help that reads "did you mean `x`?".
fn suggested_name(help: &str) -> Option<&str> {
    let rest = &help[help.find("did you mean `")? + "did you mean `".len()..];
    let name = &rest[..rest.find('`')?];
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    plain.then_some(name)
}

/// After each stage that states no conversion, the conversion the checked contract computes.
pub(super) fn inlay_hints(
    server: &mut Server,
    params: InlayHintParams,
) -> Result<Option<Vec<InlayHint>>, Failure> {
    let uri = &params.text_document.uri;
    let Some(indexed) = server.indexed(uri) else {
        return Ok(None);
    };
    let Some(document) = server.documents.get(uri.as_str()) else {
        return Ok(None);
    };
    let Some(contract) = document
        .good
        .as_ref()
        .and_then(|loaded| loaded.compiled.contract.as_ref())
    else {
        return Ok(Some(Vec::new()));
    };
    let mut hints = Vec::new();
    for (name, end) in &indexed.index.unstated {
        let Some(stage) = contract
            .funnels
            .iter()
            .flat_map(|f| &f.stages)
            .find(|s| &s.id == name)
        else {
            continue;
        };
        let Some(conversion) = stage.conversion else {
            continue;
        };
        let position = indexed.lines.position(&indexed.text, *end);
        if position.line < params.range.start.line || position.line > params.range.end.line {
            continue;
        }
        hints.push(InlayHint {
            position,
            label: InlayHintLabel::String(format!("conversion {conversion}")),
            kind: Some(InlayHintKind::PARAMETER),
            text_edits: None,
            tooltip: None,
            padding_left: Some(true),
            padding_right: None,
            data: None,
        });
    }
    Ok(Some(hints))
}
