//! Completion: the language's keywords, and the names declared in the file and the files it
//! uses, names first where the word before the cursor expects one.

use super::index::{self, Kind};
use super::navigate::Graph;
use super::{Failure, Server};
use lsp_types::{CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse};
use std::collections::BTreeMap;

/// Every keyword of the grammar (`grammar/outcome.pest`).
const KEYWORDS: &[&str] = &[
    "achievement",
    "achieves",
    "after",
    "and",
    "annually",
    "arrears",
    "assessed",
    "at",
    "baseline",
    "below",
    "better_off",
    "bid",
    "bidding",
    "bonus",
    "boundary",
    "by",
    "cap",
    "cohort",
    "collected_by",
    "commissioner",
    "compared",
    "contract",
    "conversion",
    "currency",
    "day",
    "days",
    "deadweight",
    "due",
    "eligibility",
    "eligible",
    "evidence",
    "exception_report",
    "excess",
    "exclusive",
    "expected",
    "fixed",
    "for",
    "frequency",
    "from",
    "funding",
    "funnel",
    "group",
    "how_much",
    "how_well",
    "if",
    "in",
    "least",
    "level",
    "limit",
    "maximum",
    "measure",
    "method",
    "milestone",
    "monitoring",
    "month",
    "monthly",
    "months",
    "most",
    "nothing",
    "of",
    "on",
    "only",
    "or",
    "outcome",
    "participant",
    "pay",
    "payer",
    "payments",
    "pays",
    "penalty",
    "per",
    "per-participant",
    "pooled",
    "population",
    "price",
    "pro",
    "provider",
    "quarter",
    "quarterly",
    "question",
    "rata",
    "referrals",
    "require",
    "rest",
    "returns",
    "review",
    "service",
    "size",
    "target",
    "term",
    "termly",
    "the",
    "tiers",
    "to",
    "tolerance",
    "total",
    "tracks",
    "unit",
    "until",
    "up",
    "use",
    "week",
    "weekly",
    "weeks",
    "why",
    "with",
    "within",
    "year",
    "years",
];

/// Words after which a declared name is written.
const BEFORE_A_NAME: &[&str] = &[
    "for",
    "after",
    "achieves",
    "tracks",
    "of",
    "on",
    "exclusive",
    "or",
    "if",
    ",",
    "{",
];

pub(super) fn completion(
    server: &mut Server,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>, Failure> {
    let position = &params.text_document_position;
    let uri = &position.text_document.uri;
    let Some(document) = server.documents.get(uri.as_str()) else {
        return Ok(None);
    };
    let offset = document.lines.offset(&document.text, position.position);
    let before = previous_word(&document.text, offset);
    let wants_name = BEFORE_A_NAME.contains(&before.as_str());
    let mut names: BTreeMap<String, (Kind, String)> = BTreeMap::new();
    for definition in Graph::of(server).visible(uri.as_str()) {
        names
            .entry(definition.name)
            .or_insert((definition.kind, definition.description));
    }
    let (name_rank, keyword_rank) = if wants_name { ("0", "1") } else { ("1", "0") };
    let mut items: Vec<CompletionItem> = names
        .into_iter()
        .map(|(name, (kind, description))| CompletionItem {
            label: name,
            kind: Some(match kind {
                Kind::Outcome => CompletionItemKind::CONSTANT,
                Kind::Cohort => CompletionItemKind::CLASS,
                Kind::Funnel => CompletionItemKind::FUNCTION,
                Kind::Milestone | Kind::Target => CompletionItemKind::FIELD,
                Kind::Measure => CompletionItemKind::PROPERTY,
                Kind::Group => CompletionItemKind::ENUM,
            }),
            detail: Some(format!("{}: {description}", kind.word())),
            sort_text: Some(name_rank.to_string()),
            ..CompletionItem::default()
        })
        .collect();
    items.extend(KEYWORDS.iter().map(|keyword| CompletionItem {
        label: (*keyword).to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        sort_text: Some(keyword_rank.to_string()),
        ..CompletionItem::default()
    }));
    Ok(Some(CompletionResponse::Array(items)))
}

/// The word or punctuation before the one the cursor is in.
fn previous_word(text: &str, offset: usize) -> String {
    let start = index::word_at(text, offset).map_or(offset.min(text.len()), |(_, span)| span.start);
    let Some(head) = text.get(..start) else {
        return String::new();
    };
    let head = head.trim_end();
    match head.chars().last() {
        Some(c @ (',' | '{')) => c.to_string(),
        _ => head
            .rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Completion offers every keyword of the grammar and nothing that is not one.
    #[test]
    fn keywords_are_the_grammars() {
        let grammar = include_str!("../../grammar/outcome.pest");
        let mut found: Vec<&str> = grammar
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|w| w.starts_with(|c: char| c.is_ascii_lowercase()))
            .filter(|w| {
                w.chars()
                    .all(|c| c.is_ascii_lowercase() || "_- ".contains(c))
            })
            .collect();
        found.sort_unstable();
        found.dedup();
        assert_eq!(KEYWORDS, found.as_slice());
    }
}
