//! Diagnostics: what went wrong, where, and how to fix it.
//!
//! Every stage reports through `Diagnostic`. A diagnostic carries a code from the one
//! registry (`codes.rs`), a one-line lowercase message with user input in backticks, a label
//! on the exact span, optional labels on the other side of a conflict (in the same file, or
//! `related`, in another: the specification a bid answers), and help. Rendering for
//! people goes through miette; rendering for machines through `Record` (JSON lines), `github`
//! (GitHub Actions annotations) and `sarif` (a SARIF 2.1.0 log for code-scanning services).

mod codes;
mod explain;
pub mod github;
mod render;
pub mod sarif;

pub use codes::{Code, Severity};
pub use explain::explanation;
pub use render::{render_human, Record, RelatedRecord};

use crate::source::{SourceFile, Span};
use std::borrow::Cow;

/// A label: a span and what to say about it. Most labels say the same whatever the contract
/// (`nothing achieves or tracks this outcome`), and are held as the text in the program
/// rather than a copy of it each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub text: Cow<'static, str>,
}

/// A second label in another file than the diagnostic's own: a bid's price above its
/// ceiling points at the line of the specification that sets the ceiling. The file is held
/// whole (its text is shared, not copied), so that every output can give the place in lines
/// and columns and draw it.
#[derive(Clone)]
pub struct Related {
    pub file: SourceFile,
    pub label: Label,
}

/// Two related labels are the same when they say the same of the same place of the same
/// file; the file's text is compared only when it is not the very same text.
impl PartialEq for Related {
    fn eq(&self, other: &Related) -> bool {
        self.label == other.label
            && self.file.name == other.file.name
            && (std::sync::Arc::ptr_eq(&self.file.text, &other.file.text)
                || self.file.text == other.file.text)
    }
}

impl Eq for Related {}

impl std::fmt::Debug for Related {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Related")
            .field("file", &self.file.name)
            .field("label", &self.label)
            .finish()
    }
}

/// The labels of a diagnostic in other files: a thin pointer in the diagnostic, as few have
/// any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Others(Vec<Related>);

/// One finding about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    /// Second labels in other files, in the order added (`related`). Few diagnostics have
    /// one, and a diagnostic is often returned as the error of a `Result`, so they are boxed
    /// and the help held as a boxed `str`: a diagnostic stays under the 128 bytes at which
    /// clippy's `result_large_err` asks for the error to be boxed.
    others: Option<Box<Others>>,
    pub help: Option<Box<str>>,
}

/// Messages, labels and help quote the contract, so each is made inert once, here, for
/// every output: control and bidirectional formatting characters are written as escapes
/// (`inert::escape`), so a message cannot colour the terminal, add lines to a GitHub
/// annotation or reorder the text printed around it.
impl Diagnostic {
    /// A diagnostic with its code, message, and the primary label.
    pub fn new(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<Cow<'static, str>>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            message: inert(message.into()),
            primary: Label {
                span,
                text: inert_label(label.into()),
            },
            secondary: Vec::new(),
            others: None,
            help: None,
        }
    }

    /// Add a label on another span, such as "first defined here".
    pub fn also(mut self, span: Span, text: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            text: inert_label(text.into()),
        });
        self
    }

    /// Add a label on a span of another file, such as the line of a specification that sets
    /// the rule a bid breaks.
    pub fn elsewhere(
        self,
        file: &SourceFile,
        span: Span,
        text: impl Into<Cow<'static, str>>,
    ) -> Diagnostic {
        self.related_to(vec![Related {
            file: file.clone(),
            label: Label {
                span,
                text: inert_label(text.into()),
            },
        }])
    }

    /// Add labels in other files, their texts already inert.
    pub fn related_to(mut self, related: Vec<Related>) -> Diagnostic {
        if !related.is_empty() {
            self.others.get_or_insert_default().0.extend(related);
        }
        self
    }

    /// The labels in other files, in the order added.
    pub fn related(&self) -> &[Related] {
        self.others.as_deref().map_or(&[], |others| &others.0)
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(inert(help.into()).into_boxed_str());
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// `text` with its control and bidirectional formatting characters escaped; not copied when
/// it has none, as almost every message has none.
fn inert(text: String) -> String {
    if crate::inert::is_inert(&text) {
        text
    } else {
        crate::inert::escape(&text)
    }
}

/// A label's text made inert (`inert`). Text written in the program is not the contract's:
/// it is held as it is, and only a copy is looked at.
fn inert_label(text: Cow<'static, str>) -> Cow<'static, str> {
    match text {
        Cow::Borrowed(text) => {
            debug_assert!(crate::inert::is_inert(text), "{text:?}");
            Cow::Borrowed(text)
        }
        Cow::Owned(text) => Cow::Owned(inert(text)),
    }
}

/// The message followed by the help, for outputs with a single text field (GitHub
/// annotations, SARIF results): `funnel widens. help: lower the count`.
pub fn message_with_help(message: &str, help: Option<&str>) -> String {
    match help {
        Some(help) if !help.trim().is_empty() => format!("{message}. help: {help}"),
        _ => message.to_string(),
    }
}

/// Sort diagnostics by position, then code, so output never depends on the order in which
/// checks happened to run.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.primary.span.start, a.primary.span.end, a.code, &a.message).cmp(&(
            b.primary.span.start,
            b.primary.span.end,
            b.code,
            &b.message,
        ))
    });
}

/// "did you mean `x`?" for a name that is not defined, from the names that are.
pub fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    let wanted_chars = wanted.chars().count();
    for candidate in candidates {
        let candidate_chars = candidate.chars().count();
        let limit = (wanted_chars.max(candidate_chars) / 3).max(1);
        let contained = candidate.contains(wanted) && wanted.len() >= 3
            || wanted.contains(candidate) && candidate.len() >= 3;
        // The distance is at least the difference in length: skip what cannot be close, or
        // cannot be closer than the best so far.
        let least = wanted_chars.abs_diff(candidate_chars);
        if least > limit && !contained || best.is_some_and(|(d, _)| least > d) {
            continue;
        }
        let distance = strsim::levenshtein(wanted, candidate);
        let close = distance <= limit || contained;
        if close && best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, name)| format!("did you mean `{name}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_pick_the_closest_name() {
        let names = ["drug_free", "attend", "complete"];
        assert_eq!(
            did_you_mean("atend", names).as_deref(),
            Some("did you mean `attend`?")
        );
        assert_eq!(
            did_you_mean("drugfree", names).as_deref(),
            Some("did you mean `drug_free`?")
        );
        assert_eq!(did_you_mean("xyz", names), None);
    }

    proptest::proptest! {
        /// Skipping names too long or too short to be close suggests what measuring the
        /// distance to every name suggests.
        #[test]
        fn suggestions_skip_only_what_cannot_be_suggested(
            wanted in "[a-dé_]{0,9}",
            names in proptest::collection::vec("[a-dé_]{0,12}", 0..12),
        ) {
            let every = names
                .iter()
                .filter_map(|c| {
                    let d = strsim::levenshtein(&wanted, c);
                    let limit = (wanted.chars().count().max(c.chars().count()) / 3).max(1);
                    let close = d <= limit
                        || c.contains(wanted.as_str()) && wanted.len() >= 3
                        || wanted.contains(c.as_str()) && c.len() >= 3;
                    close.then_some((d, c.as_str()))
                })
                .min()
                .map(|(_, name)| format!("did you mean `{name}`?"));
            proptest::prop_assert_eq!(did_you_mean(&wanted, names.iter().map(String::as_str)), every);
        }
    }

    #[test]
    fn every_code_has_a_title_and_an_explanation() {
        for code in Code::ALL {
            assert!(!code.title().is_empty(), "{code} has no title");
            let text = explanation(*code);
            assert!(text.len() > 200, "{code} needs a fuller explanation");
            assert!(
                text.contains("```"),
                "{code}'s explanation needs an example"
            );
        }
    }

    #[test]
    fn codes_parse_back() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(*code));
        }
        assert_eq!(Code::parse("E9999"), None);
    }

    #[test]
    fn code_prefix_matches_severity() {
        for code in Code::ALL {
            let expected = if code.as_str().starts_with('E') {
                Severity::Error
            } else {
                Severity::Warning
            };
            assert_eq!(code.severity(), expected, "{code}");
        }
    }
}
