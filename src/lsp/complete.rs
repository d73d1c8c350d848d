//! Completion that knows where the cursor is: the keywords the grammar allows there (a
//! declaration at the top level, a clause of the block the cursor is in, what follows on a
//! stage's line), or where a name is expected, the declared names of the right kind (a cohort
//! after a funnel's `for`, an outcome after `achieves` and `tracks`, a stage of the same funnel
//! after `after`, a priced stage in `pay ... for`, a measure after `tiers on`). In a bid, the
//! names are its specification's, and `pay ... for` offers only the stages it pays for.
//!
//! The place is read from the text itself, strings and comments passed over, so it works on a
//! file being written that does not parse.

use super::index::{self, ItemKind, Kind};
use super::navigate::Graph;
use super::{Failure, Server};
use lsp_types::{CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse};
use std::collections::BTreeSet;
use std::sync::Arc;

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

/// The words that start a declaration, at the top level of a file.
const TOP: &[&str] = &[
    "use",
    "contract",
    "outcome",
    "cohort",
    "funnel",
    "measure",
    "payments",
    "monitoring",
    "bidding",
    "bid",
];
const CONTRACT: &[&str] = &[
    "commissioner",
    "provider",
    "term",
    "referrals",
    "currency",
    "funding",
    "boundary",
];
const OUTCOME: &[&str] = &["why", "level"];
const COHORT: &[&str] = &["size", "eligibility"];
const FUNNEL: &[&str] = &["milestone", "target"];
/// On a stage's line, after its expected count.
const STAGE_LINE: &[&str] = &["conversion", "within", "at", "expected", "after"];
/// In a stage's block: a target's; a milestone achieves no outcome (E0207).
const TARGET: &[&str] = &["achieves", "evidence", "eligible"];
const MILESTONE: &[&str] = &["evidence", "eligible"];
/// After the number of a duration on a stage's line (`within 2 ‸`), as the grammar spells
/// them (`time_unit`): the ones that agree with the number first.
const UNITS: &[&str] = &[
    "day", "days", "week", "weeks", "month", "months", "year", "years",
];
const MEASURE: &[&str] = &[
    "question",
    "unit",
    "collected_by",
    "method",
    "frequency",
    "baseline",
    "target",
    "tracks",
    "compared",
];
const PAYMENTS: &[&str] = &[
    "fixed",
    "pay",
    "cap",
    "exclusive",
    "bonus",
    "penalty",
    "payer",
    "tiers",
    "or",
    "deadweight",
    "group",
];
const MONITORING: &[&str] = &["returns", "exception_report", "review", "tolerance"];
/// A specification's rules for bids.
const BIDDING: &[&str] = &["price", "expected", "require"];
/// A bid's prices and counts.
const BID: &[&str] = &["pay", "expected"];
const TIERS: &[&str] = &["below", "from"];
const FREQUENCIES: &[&str] = &["weekly", "monthly", "quarterly", "termly", "annually"];

/// What the grammar allows at the cursor.
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    /// These keywords.
    Words(&'static [&'static str]),
    /// A declared name of one of these kinds.
    Names(&'static [Kind]),
    /// A stage of the funnel the cursor is in.
    StageOfFunnel,
    /// A stage the file's specification prices (in a bid's `pay ... for`).
    PricedStage,
    /// The units of a duration, these (the ones that agree with its number) first.
    Units(&'static [&'static str]),
    /// Nothing the server can offer: a new name, a number, free text.
    Nothing,
}

const STAGES: &[Kind] = &[Kind::Milestone, Kind::Target];

pub(super) fn completion(
    server: &mut Server,
    params: CompletionParams,
) -> Result<Option<CompletionResponse>, Failure> {
    let position = &params.text_document_position;
    let uri = &position.text_document.uri;
    let Some(document) = server.documents.get(uri.as_str()) else {
        return Ok(None);
    };
    let text = Arc::clone(&document.text);
    let offset = document.lines.offset(&text, position.position);
    let place = Place::of(&text, offset);
    let items: Vec<CompletionItem> = match place.expected() {
        Expected::Words(words) => words.iter().map(|w| keyword(w)).collect(),
        Expected::Units(first) => UNITS
            .iter()
            .map(|unit| CompletionItem {
                sort_text: Some(format!("{}{unit}", u8::from(!first.contains(unit)))),
                ..keyword(unit)
            })
            .collect(),
        Expected::Names(kinds) => Graph::of(server)
            .visible(uri.as_str())
            .into_iter()
            .filter(|d| kinds.contains(&d.kind))
            .map(|d| name(&d.name, d.kind, &d.description))
            .collect(),
        Expected::PricedStage => {
            let graph = Graph::of(server);
            let priced = graph.priced(uri.as_str());
            graph
                .visible(uri.as_str())
                .into_iter()
                .filter(|d| STAGES.contains(&d.kind) && priced.contains(&d.name))
                .map(|d| name(&d.name, d.kind, &d.description))
                .collect()
        }
        Expected::StageOfFunnel => {
            let funnel = place.funnel.as_deref().unwrap_or_default();
            let declaring = place.declaring();
            server
                .indexed(uri)
                .map(|indexed| {
                    indexed
                        .index
                        .outline
                        .iter()
                        .filter(|item| item.kind == ItemKind::Name(Kind::Funnel))
                        .filter(|item| item.name == funnel)
                        .flat_map(|item| &item.children)
                        .filter(|stage| Some(stage.name.as_str()) != declaring)
                        .filter_map(|stage| match stage.kind {
                            ItemKind::Name(kind) => Some(name(&stage.name, kind, &stage.detail)),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default()
        }
        Expected::Nothing => Vec::new(),
    };
    // Names are unique within what a file sees; a name declared twice (an error) is offered once.
    let mut seen = BTreeSet::new();
    let items = items
        .into_iter()
        .filter(|item| seen.insert(item.label.clone()))
        .collect();
    Ok(Some(CompletionResponse::Array(items)))
}

fn keyword(word: &str) -> CompletionItem {
    CompletionItem {
        label: word.to_string(),
        kind: Some(CompletionItemKind::KEYWORD),
        ..CompletionItem::default()
    }
}

fn name(name: &str, kind: Kind, description: &str) -> CompletionItem {
    CompletionItem {
        label: name.to_string(),
        kind: Some(match kind {
            Kind::Outcome => CompletionItemKind::CONSTANT,
            Kind::Cohort => CompletionItemKind::CLASS,
            Kind::Funnel => CompletionItemKind::FUNCTION,
            Kind::Milestone | Kind::Target => CompletionItemKind::FIELD,
            Kind::Measure => CompletionItemKind::PROPERTY,
            Kind::Group => CompletionItemKind::ENUM,
        }),
        detail: Some(format!("{}: {description}", kind.word())),
        ..CompletionItem::default()
    }
}

/// What follows on a stage's line, given what is written after its count: a number after
/// `within`, `conversion`, `at least` and `expected` (nothing to offer), a unit after that
/// number, `after` to end the sustainment period and the expected time, `of` after the time of
/// `within`, and otherwise the next clause.
fn stage_line(after_count: &[&str]) -> Expected {
    let is_number = |w: &str| w.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    let is_unit = |w: &str| UNITS.contains(&w);
    match after_count {
        [.., "within" | "conversion" | "least" | "expected"] => Expected::Nothing,
        [.., "at"] => Expected::Words(&["least"]),
        [.., "within" | "least" | "expected", number] if is_number(number) => {
            if *number == "1" {
                Expected::Units(&["day", "week", "month", "year"])
            } else {
                Expected::Units(&["days", "weeks", "months", "years"])
            }
        }
        [.., "least" | "expected", number, unit] if is_number(number) && is_unit(unit) => {
            Expected::Words(&["after"])
        }
        [.., "within", number, unit] if is_number(number) && is_unit(unit) => {
            Expected::Words(STAGE_LINE_AFTER_WITHIN)
        }
        _ => Expected::Words(STAGE_LINE),
    }
}

/// On a stage's line after `within` and its time: what is measured from, or the next clause.
const STAGE_LINE_AFTER_WITHIN: &[&str] = &["of", "conversion", "within", "at", "expected", "after"];

/// Where the cursor is: the block it is in, and the clause written so far before it.
#[derive(Debug, Default)]
struct Place {
    /// The first word of the line that opened each block around the cursor, outermost first.
    blocks: Vec<String>,
    /// The funnel the cursor is in, by name.
    funnel: Option<String>,
    /// The words and punctuation of the clause before the word the cursor is in: from the
    /// start of its line, or the last brace on it.
    clause: Vec<String>,
}

impl Place {
    /// Read `text` up to `offset`, passing over strings and comments.
    fn of(text: &str, offset: usize) -> Place {
        let mut place = Place::default();
        let offset = index::word_at(text, offset)
            .map_or(offset.min(text.len()), |(_, span)| span.start.min(offset));
        let head = &text[..offset];
        // The words of the line so far; a line's clause starts afresh after a brace.
        let mut line: Vec<String> = Vec::new();
        // The first words of the last line that held any, for a brace alone on its line.
        let mut previous: Vec<String> = Vec::new();
        let mut chars = head.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '#' => {
                    while chars.peek().is_some_and(|(_, c)| *c != '\n') {
                        chars.next();
                    }
                }
                '"' => {
                    let block = head[at..].starts_with("\"\"\"");
                    if block {
                        chars.next();
                        chars.next();
                    }
                    loop {
                        match chars.next() {
                            None => break,
                            Some((i, '"')) if !block || head[i..].starts_with("\"\"\"") => {
                                if block {
                                    chars.next();
                                    chars.next();
                                }
                                break;
                            }
                            Some((_, '\\')) if !block => {
                                chars.next();
                            }
                            Some((_, '\n')) if !block => break,
                            _ => {}
                        }
                    }
                    line.push("\"".to_string());
                }
                '\n' => {
                    if !line.is_empty() {
                        previous = std::mem::take(&mut line);
                    }
                }
                '{' => {
                    let opener = if line.is_empty() { &previous } else { &line };
                    let first = opener.first().cloned().unwrap_or_default();
                    if first == "funnel" {
                        place.funnel = opener.get(1).cloned();
                    }
                    place.blocks.push(first);
                    previous = std::mem::take(&mut line);
                }
                '}' => {
                    if place.blocks.pop().as_deref() == Some("funnel") {
                        place.funnel = None;
                    }
                    line.clear();
                }
                ',' | '(' | ')' => line.push(c.to_string()),
                c if c.is_whitespace() => {}
                _ => {
                    let end = head[at..]
                        .find(|c: char| c.is_whitespace() || "#\"{},()".contains(c))
                        .map_or(head.len(), |n| at + n);
                    line.push(head[at..end].to_string());
                    while chars.peek().is_some_and(|(i, _)| *i < end) {
                        chars.next();
                    }
                }
            }
        }
        place.clause = line;
        place
    }

    /// The name a stage's line declares, when the cursor is on one.
    fn declaring(&self) -> Option<&str> {
        match self.clause.first().map(String::as_str) {
            Some("milestone" | "target") => self.clause.get(1).map(String::as_str),
            _ => None,
        }
    }

    /// What the grammar allows next.
    fn expected(&self) -> Expected {
        let block = self.blocks.last().map(String::as_str);
        let clause: Vec<&str> = self.clause.iter().map(String::as_str).collect();
        let Some(&last) = clause.last() else {
            return Expected::Words(match block {
                None => TOP,
                Some("contract") => CONTRACT,
                Some("outcome") => OUTCOME,
                Some("cohort") => COHORT,
                Some("funnel") => FUNNEL,
                Some("milestone") => MILESTONE,
                Some("target") => TARGET,
                Some("measure") => MEASURE,
                Some("payments") => PAYMENTS,
                Some("monitoring") => MONITORING,
                Some("bidding") => BIDDING,
                Some("bid") => BID,
                Some("tiers" | "or") => TIERS,
                Some("group") => return Expected::Names(STAGES),
                Some(_) => return Expected::Nothing,
            });
        };
        // In a list of names, the keyword that started it says what they name.
        let governing = if matches!(last, "," | "(") {
            clause
                .iter()
                .rev()
                .find(|w| !matches!(**w, "," | "(" | ")") && KEYWORDS.contains(w))
                .copied()
                .unwrap_or_default()
        } else {
            last
        };
        let first = clause[0];
        match (block, first, governing) {
            (_, _, "achieves" | "tracks") => Expected::Names(&[Kind::Outcome]),
            (None, "funnel", "for") => Expected::Names(&[Kind::Cohort]),
            (Some("funnel"), "milestone" | "target", "after" | "of") => Expected::StageOfFunnel,
            (Some("funnel"), "milestone" | "target", _) if clause.len() >= 4 => {
                stage_line(&clause[4..])
            }
            (Some("funnel"), "milestone" | "target", _) => Expected::Nothing,
            (Some("payments"), "pay", "for") if clause.len() == 2 => Expected::Words(&["at"]),
            (Some("payments"), "pay", "for") => Expected::Names(STAGES),
            (Some("payments"), "pay", _) if clause.len() >= 4 && clause[2] == "for" => {
                Expected::Words(&["due"])
            }
            (Some("payments"), "exclusive", "exclusive" | "or") => Expected::Names(STAGES),
            (Some("payments"), "or", "or") => Expected::Words(&["tiers"]),
            (Some("payments"), "bonus" | "penalty", "if") => {
                Expected::Names(&[Kind::Milestone, Kind::Target, Kind::Measure])
            }
            (Some("payments"), "tiers" | "or", "on") => Expected::Names(&[Kind::Measure]),
            (Some("group"), _, ",") => Expected::Names(STAGES),
            (Some("bidding"), "price", "price") => Expected::Words(&["at"]),
            (Some("bidding"), "price" | "expected", "at") if clause.len() == 2 => {
                Expected::Words(&["most", "least"])
            }
            (Some("bidding"), "price" | "expected", "for")
            | (Some("bidding"), "require", "require" | ",")
            | (Some("bid"), "expected", "for") => Expected::Names(STAGES),
            (Some("bid"), "pay", "for") => Expected::PricedStage,
            (_, _, "frequency" | "returns" | "assessed" | "exception_report" | "review") => {
                Expected::Words(FREQUENCIES)
            }
            (_, _, "due") => {
                Expected::Words(&["on", "weekly", "monthly", "quarterly", "termly", "annually"])
            }
            (_, _, "question") => Expected::Words(&["how_much", "how_well", "better_off"]),
            (_, _, "level") => Expected::Words(&["population", "service"]),
            _ => Expected::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every word offered in a context is a keyword of the grammar.
    #[test]
    fn context_words_are_keywords() {
        for list in [
            TOP,
            CONTRACT,
            OUTCOME,
            COHORT,
            FUNNEL,
            STAGE_LINE,
            STAGE_LINE_AFTER_WITHIN,
            TARGET,
            MILESTONE,
            UNITS,
            MEASURE,
            PAYMENTS,
            MONITORING,
            BIDDING,
            BID,
            TIERS,
            FREQUENCIES,
        ] {
            for word in list {
                assert!(KEYWORDS.contains(word), "`{word}` is not a keyword");
            }
        }
    }

    /// The keyword list is the grammar's: every keyword and nothing that is not one.
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
