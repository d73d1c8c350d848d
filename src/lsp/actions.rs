//! Edits the server offers: formatting through `outcome fmt`, quick fixes for diagnostics
//! whose help names the fix (and writing a conversion the counts give, swapping the two
//! numbers of a participant limit written the wrong way round), and inlay hints with the
//! computed conversions and the running rate card.

use super::convert::Lines;
use super::diagnostics::Data;
use super::index::{Index, Kind};
use super::navigate::Graph;
use super::{Failure, Server};
use crate::fmt::{self, Refused};
use crate::source::{SourceFile, Span};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Diagnostic,
    DocumentFormattingParams, InlayHint, InlayHintKind, InlayHintLabel, InlayHintParams,
    NumberOrString, Position, Range, TextEdit, WorkspaceEdit,
};
use std::collections::HashMap;
use std::sync::Arc;

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

/// A quick fix for each diagnostic whose help is a concrete edit, and for each stage in the
/// range that states no conversion, an action that writes the one the counts give.
// `WorkspaceEdit` keys its changes by `Uri`, whose lazily parsed parts clippy takes for
// interior mutability; its hash and equality are those of the URI's text.
#[allow(clippy::mutable_key_type)]
pub(super) fn code_actions(
    server: &mut Server,
    params: CodeActionParams,
) -> Result<Option<Vec<CodeActionOrCommand>>, Failure> {
    let uri = &params.text_document.uri;
    let current = server.indexed(uri);
    // The outcomes a target could achieve, looked up only for a target that achieves none:
    // an editor asks for actions whenever the cursor moves.
    let wants_outcomes = params
        .context
        .diagnostics
        .iter()
        .any(|d| d.code == Some(NumberOrString::String("E0601".to_string())));
    let outcomes: Vec<String> = if wants_outcomes {
        Graph::of(server)
            .visible(uri.as_str())
            .into_iter()
            .filter(|d| d.kind == Kind::Outcome)
            .map(|d| d.name)
            .collect()
    } else {
        Vec::new()
    };
    let Some(document) = server.documents.get(uri.as_str()) else {
        return Ok(None);
    };
    // Sites in the text as it is now, never in an older text that parsed.
    let indexed = current.filter(|i| Arc::ptr_eq(&i.text, &document.text));
    let source = Source {
        text: &document.text,
        lines: &document.lines,
        index: indexed.as_ref().map(|i| &i.index),
        outcomes: &outcomes,
    };
    let action = |title: String, edit: TextEdit, diagnostic: Option<&Diagnostic>| {
        let changes = HashMap::from([(uri.clone(), vec![edit])]);
        CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(match diagnostic {
                Some(_) => CodeActionKind::QUICKFIX,
                None => CodeActionKind::REFACTOR_REWRITE,
            }),
            diagnostics: diagnostic.map(|d| vec![d.clone()]),
            edit: Some(WorkspaceEdit::new(changes)),
            is_preferred: diagnostic.map(|_| true),
            ..CodeAction::default()
        })
    };
    let mut actions = Vec::new();
    for diagnostic in &params.context.diagnostics {
        for (title, edit) in source.fixes(diagnostic) {
            actions.push(action(title, edit, Some(diagnostic)));
        }
    }
    let contract = document
        .good
        .as_ref()
        .and_then(|loaded| loaded.compiled.contract.as_ref());
    if let (Some(index), Some(contract)) = (source.index, contract) {
        let from = document.lines.offset(&document.text, params.range.start);
        let to = document.lines.offset(&document.text, params.range.end);
        for (name, end) in &index.unstated {
            let Some(site) = index.stage_site(name) else {
                continue;
            };
            // The stage's line: from its expected count back to where it starts.
            let line_start = document.text[..*end].rfind('\n').map_or(0, |n| n + 1);
            if to < line_start || from > site.header_end {
                continue;
            }
            let Some(conversion) = contract
                .funnels
                .iter()
                .find_map(|f| f.stage(name))
                .and_then(|s| s.conversion)
            else {
                continue;
            };
            let at = document.lines.position(&document.text, *end);
            actions.push(action(
                format!("write `conversion {conversion}` on `{name}`"),
                TextEdit::new(Range::new(at, at), format!(" conversion {conversion}")),
                None,
            ));
        }
    }
    Ok(Some(actions))
}

/// What a quick fix reads: the document, its index when it is the index of this very text,
/// and the outcomes it can name.
struct Source<'a> {
    text: &'a str,
    lines: &'a Lines,
    index: Option<&'a Index>,
    outcomes: &'a [String],
}

impl Source<'_> {
    /// The edits that fix `diagnostic`, each with its title.
    fn fixes(&self, diagnostic: &Diagnostic) -> Vec<(String, TextEdit)> {
        let help = diagnostic
            .data
            .clone()
            .and_then(|data| serde_json::from_value::<Data>(data).ok())
            .and_then(|data| data.help)
            .unwrap_or_default();
        let code = match &diagnostic.code {
            Some(NumberOrString::String(code)) => code.as_str(),
            _ => "",
        };
        let start = self.lines.offset(self.text, diagnostic.range.start);
        let end = self
            .lines
            .offset(self.text, diagnostic.range.end)
            .max(start);
        let span = Span::new(start, end);
        let written = &self.text[start..end];
        let replace =
            |span: Span, new: String| TextEdit::new(self.lines.range(self.text, span), new);
        let mut fixes = Vec::new();
        match code {
            // A stated conversion the counts contradict: the one they give.
            "E0305" => {
                if let Some(computed) = quoted_after(&help, "write `conversion ") {
                    let new = if written.starts_with("conversion") {
                        format!("conversion {computed}")
                    } else {
                        computed.to_string()
                    };
                    fixes.push((format!("write `conversion {computed}`"), replace(span, new)));
                }
            }
            // A conversion where there is no single step to convert from: remove it.
            "E0307" => {
                if let Some(from) = keyword_before(self.text, start, "conversion") {
                    fixes.push((
                        "remove the conversion".to_string(),
                        replace(Span::new(from, end), String::new()),
                    ));
                }
            }
            // A paid stage without evidence: an `evidence` block for the commissioner to fill.
            "W0508" => {
                let stage = quoted_after(&help, "` to `");
                if let Some(edit) = stage.and_then(|s| self.add_to_block(s, "evidence \"...\"")) {
                    fixes.push((
                        format!("add `evidence` to `{}`", stage.unwrap_or_default()),
                        edit,
                    ));
                }
            }
            // A target that achieves nothing: link it to each outcome it could achieve.
            "E0601" => {
                for outcome in self.outcomes {
                    if let Some(edit) = self.add_to_block(written, &format!("achieves {outcome}")) {
                        fixes.push((format!("add `achieves {outcome}` to `{written}`"), edit));
                    }
                }
            }
            // A negative amount: the same amount without its sign.
            "E0502" => {
                if let Some(minus) = written.find('-') {
                    let at = start + minus;
                    fixes.push((
                        "remove the `-`".to_string(),
                        replace(Span::new(at, at + 1), String::new()),
                    ));
                }
            }
            // `pay for at most 7 in 6`: the two numbers written the wrong way round.
            "E0551" => {
                if let Some((most, every)) = limit_numbers(written) {
                    let (a, b) = (&written[most.0..most.1], &written[every.0..every.1]);
                    let between = &written[most.1..every.0];
                    fixes.push((
                        format!("write `{b} in {a}`"),
                        replace(
                            Span::new(start + most.0, start + every.1),
                            format!("{b}{between}{a}"),
                        ),
                    ));
                }
            }
            // `excess pro rata` where it means nothing: remove it with its comma.
            "E0560" | "E0561" | "W0565" if written.starts_with(", excess") => {
                let from = self.text[..start].trim_end_matches([' ', '\t']).len();
                fixes.push((
                    "remove `, excess pro rata`".to_string(),
                    replace(Span::new(from, end), String::new()),
                ));
            }
            _ => {}
        }
        // An unknown name with a near one: write the near one.
        if let Some(name) = quoted_after(&help, "did you mean `").filter(|n| is_name(n)) {
            fixes.push((format!("write `{name}`"), replace(span, name.to_string())));
        }
        fixes
    }

    /// Add `clause` to the block of the stage `name`, or give the stage a block with it.
    fn add_to_block(&self, name: &str, clause: &str) -> Option<TextEdit> {
        let site = self.index?.stage_site(name)?;
        let at = |offset: usize, new: String| {
            let position = self.lines.position(self.text, offset);
            TextEdit::new(Range::new(position, position), new)
        };
        let brace = after_space_and_comments(self.text, site.header_end);
        if self.text[brace..].starts_with('{') {
            let inside = brace + 1;
            let next = after_space_and_comments(self.text, inside);
            let multiline = self.text[inside..next].contains('\n');
            if multiline && !self.text[next..].starts_with('}') {
                // A block of clauses on lines of their own: one more line, indented as the next.
                let line_start = self.text[..next].rfind('\n').map_or(0, |n| n + 1);
                let indent = &self.text[line_start..next];
                return Some(at(inside, format!("\n{indent}{clause}")));
            }
            return Some(at(inside, format!(" {clause}")));
        }
        Some(at(site.header_end, format!(" {{ {clause} }}")))
    }
}

/// The text between `marker` and the next backtick in `help`.
fn quoted_after<'a>(help: &'a str, marker: &str) -> Option<&'a str> {
    let rest = &help[help.find(marker)? + marker.len()..];
    Some(&rest[..rest.find('`')?])
}

/// Where the two numbers of `pay for at most K in N ...` are in `clause`: K's and N's byte
/// ranges; `None` unless they are written so, with nothing but white space between the words.
fn limit_numbers(clause: &str) -> Option<((usize, usize), (usize, usize))> {
    let mut words = clause
        .split_whitespace()
        .map(|word| {
            let at = word.as_ptr() as usize - clause.as_ptr() as usize;
            (word, (at, at + word.len()))
        })
        .skip_while(|(word, _)| *word != "most")
        .skip(1);
    let (most, most_at) = words.next()?;
    let (word, _) = words.next()?;
    let (every, every_at) = words.next()?;
    let number = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    };
    (number(most) && word == "in" && number(every)).then_some((most_at, every_at))
}

/// Whether `text` is a name as the language writes one.
fn is_name(text: &str) -> bool {
    text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Where `keyword` starts, written just before `offset` with only spaces between, taking the
/// spaces before it too; `None` when it is not there.
fn keyword_before(text: &str, offset: usize, keyword: &str) -> Option<usize> {
    let head = text[..offset].trim_end_matches([' ', '\t']);
    let start = head.strip_suffix(keyword)?.len();
    Some(text[..start].trim_end_matches([' ', '\t']).len())
}

/// The offset of the first character at or after `offset` that is neither white space nor in
/// a comment.
fn after_space_and_comments(text: &str, mut offset: usize) -> usize {
    loop {
        let rest = &text[offset..];
        let trimmed = rest.trim_start();
        offset += rest.len() - trimmed.len();
        if !trimmed.starts_with('#') {
            return offset;
        }
        offset += trimmed.find('\n').unwrap_or(trimmed.len());
    }
}

/// The inlay hints after each stage, each switchable (`Settings`): the conversion the checked
/// contract computes (after the count of a stage that states none, as the clause it would
/// write; after the stated one, marked `computed`, only where the two differ), and on a priced
/// stage what a participant has earned on the rate card by then (the hover's figure).
pub(super) fn inlay_hints(
    server: &mut Server,
    params: InlayHintParams,
) -> Result<Option<Vec<InlayHint>>, Failure> {
    let settings = server.settings.inlay_hints;
    if !settings.conversion && !settings.rate_card {
        return Ok(Some(Vec::new()));
    }
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
    let mut hint = |end: usize, label: String, tooltip: &str| {
        let position = indexed.lines.position(&indexed.text, end);
        if position.line < params.range.start.line || position.line > params.range.end.line {
            return;
        }
        hints.push(InlayHint {
            position,
            label: InlayHintLabel::String(label),
            kind: Some(InlayHintKind::PARAMETER),
            text_edits: None,
            tooltip: Some(lsp_types::InlayHintTooltip::String(tooltip.to_string())),
            padding_left: Some(true),
            padding_right: None,
            data: None,
        });
    };
    for site in &indexed.index.stages {
        let Some((funnel, stage)) = contract.stage(&site.name) else {
            continue;
        };
        if settings.conversion {
            match (
                stage.stated_conversion,
                stage.conversion,
                site.conversion_end,
            ) {
                (None, Some(computed), _) => hint(
                    site.count_end,
                    format!("conversion {computed}"),
                    "computed: the people expected here over those at the stage before",
                ),
                (Some(stated), Some(computed), Some(end))
                    if stated.0.cmp_value(&computed.0) != std::cmp::Ordering::Equal =>
                {
                    hint(
                        end,
                        format!("computed {computed}"),
                        "the conversion the counts give: the people expected here over those \
                         at the stage before",
                    )
                }
                _ => {}
            }
        }
        if settings.rate_card && stage.price.is_some() {
            if let Some(earned) = crate::check::money::plan::earned_by(contract, funnel, &site.name)
            {
                hint(
                    site.header_end,
                    format!("earned {earned}"),
                    "what a participant has earned on the rate card by this stage: its price \
                     and those of every stage it follows (the richer of exclusive routes)",
                );
            }
        }
    }
    Ok(Some(hints))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_numbers_of_a_participant_limit_are_found_however_spaced() {
        let clause = "pay for at most  1,200 in\t1,000 families";
        let (most, every) = limit_numbers(clause).unwrap();
        assert_eq!(&clause[most.0..most.1], "1,200");
        assert_eq!(&clause[every.0..every.1], "1,000");
        assert_eq!(limit_numbers("pay for at most 6 families"), None);
        assert_eq!(limit_numbers("pay for at most 6 of 5 families"), None);
    }
}
