//! A `Diff` written out: for a person at a terminal, as a pull-request comment (Markdown), as
//! a printable variation schedule (HTML, in the style of the contract document) and as JSON
//! (its schema is `schema`, printed by `outcome schema --diff`).
//!
//! Every piece of contract text is made inert for where it goes: control and bidirectional
//! characters escaped (`inert`), line breaks in long text folded to spaces, Markdown's
//! punctuation escaped, HTML escaped by its writer.

use super::{Change, ChangeKind, Diff, Section};
use crate::emit::html::writer::{Html, Paper};

/// The `$id` of the schema of `outcome diff --format json` (`outcome schema --diff`).
pub const DIFF_SCHEMA_ID: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/schema/diff/v1.json");

/// JSON, pretty-printed with a trailing newline, opening with its `version` as the other
/// documents do.
pub fn json(diff: &Diff) -> String {
    crate::emit::json::pretty(&crate::emit::json::versioned(diff))
}

/// The JSON Schema (draft 2020-12) of what `json` writes: closed, with its `$id`.
pub fn schema() -> String {
    crate::emit::json::pretty(&crate::emit::json::closed(
        schemars::schema_for!(Diff).to_value(),
        DIFF_SCHEMA_ID,
    ))
}

/// Text on one line, with nothing in it that can act on a terminal or a page.
pub(crate) fn one_line(text: &str) -> String {
    crate::inert::escape(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The changes grouped by section, in the order of the sections.
fn by_section(diff: &Diff) -> Vec<(Section, Vec<&Change>)> {
    let mut sections: Vec<(Section, Vec<&Change>)> = Vec::new();
    for change in &diff.changes {
        match sections.last_mut() {
            Some((section, changes)) if *section == change.section => changes.push(change),
            _ => sections.push((change.section, vec![change])),
        }
    }
    sections
}

fn count(n: usize) -> String {
    crate::value::counted(n, "difference", "differences") + " in meaning"
}

/// What a change is about: `stage `housed` of funnel `main`, price`.
fn what(change: &Change) -> String {
    match &change.field {
        Some(field) => format!("{}, {field}", change.subject),
        None => change.subject.clone(),
    }
}

/// For a person: a heading per section, a line per change.
pub fn human(diff: &Diff) -> String {
    let (old, new) = (one_line(&diff.old), one_line(&diff.new));
    if diff.is_empty() {
        return format!("no difference in meaning between `{old}` and `{new}`\n");
    }
    let mut out = format!("`{old}` → `{new}`: {}\n", count(diff.changes.len()));
    for (section, changes) in by_section(diff) {
        out.push('\n');
        out.push_str(section.heading());
        out.push('\n');
        for change in changes {
            out.push_str("  ");
            out.push_str(&one_line(&what(change)));
            out.push_str(": ");
            out.push_str(&one_line(&sentence(change)));
            out.push('\n');
        }
    }
    out
}

/// The change after its subject: `£1,500 → £1,600 (+£100)`, `added: …`.
fn sentence(change: &Change) -> String {
    let old = change.old.as_deref().unwrap_or("");
    let new = change.new.as_deref().unwrap_or("");
    match change.kind {
        ChangeKind::Added => format!("added: {new}"),
        ChangeKind::Removed => format!("removed (was: {old})"),
        ChangeKind::Renamed => format!("renamed `{new}`"),
        ChangeKind::Changed => match &change.difference {
            Some(difference) => format!("{old} → {new} ({difference})"),
            None => format!("{old} → {new}"),
        },
    }
}

/// The old, new and difference cells of a change, for a table.
fn cells(change: &Change) -> [String; 3] {
    let old = change.old.clone().unwrap_or_default();
    let new = change.new.clone().unwrap_or_default();
    match change.kind {
        ChangeKind::Added => (String::new(), new, "added".to_string()),
        ChangeKind::Removed => (old, String::new(), "removed".to_string()),
        ChangeKind::Renamed => (old, new, "renamed".to_string()),
        ChangeKind::Changed => (old, new, change.difference.clone().unwrap_or_default()),
    }
    .into()
}

/// Markdown punctuation escaped, so contract text cannot make a link, an image, a heading,
/// markup or a new table cell.
fn markdown(text: &str) -> String {
    markdown_escaped(&one_line(text))
}

/// `text`, already on one line, with Markdown's punctuation escaped (`markdown`).
fn markdown_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(
            ch,
            '\\' | '`'
                | '*'
                | '_'
                | '['
                | ']'
                | '<'
                | '>'
                | '|'
                | '#'
                | '!'
                | '~'
                | '&'
                | '('
                | ')'
                | '{'
                | '}'
        ) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// `markdown`, but each name between backticks, as `what` quotes them, is a code span, as
/// the HTML's `prose` draws it: a code span shows its text as written, so only the `|` that
/// would end the table's cell is escaped in it.
fn markdown_prose(text: &str) -> String {
    let text = one_line(text);
    let mut out = String::with_capacity(text.len() + 8);
    for (piece, is_code) in crate::emit::prose_pieces(&text) {
        if is_code {
            out.push('`');
            out.push_str(&piece.replace('|', "\\|"));
            out.push('`');
        } else {
            out.push_str(&markdown_escaped(piece));
        }
    }
    out
}

/// For a pull-request comment: a heading, then a table per section.
pub fn markdown_comment(diff: &Diff) -> String {
    let (old, new) = (markdown(&diff.old), markdown(&diff.new));
    let mut out = format!("## Contract variation: {old} → {new}\n\n");
    if diff.is_empty() {
        out.push_str("No difference in meaning.\n");
        return out;
    }
    out.push_str(&format!("{}.\n", capitalised(&count(diff.changes.len()))));
    for (section, changes) in by_section(diff) {
        out.push_str(&format!("\n### {}\n\n", section.heading()));
        out.push_str("| What | Old | New | Difference |\n|---|---|---|---|\n");
        for change in changes {
            let [old, new, difference] = cells(change);
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                markdown_prose(&what(change)),
                markdown(&old),
                markdown(&new),
                markdown(&difference)
            ));
        }
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A printable variation schedule: the contract document's style, a table per section.
pub fn html(diff: &Diff, paper: Paper) -> String {
    let title = format!("Variation schedule: {} → {}", diff.old, diff.new);
    let mut html = Html::new();
    html.begin_document(
        &title,
        &[crate::emit::html::style::CSS],
        paper,
        [&title, "Variation schedule"],
        "page",
    );
    html.element("h1", &[], &title);
    html.nl();
    let summary = if diff.is_empty() {
        "No difference in meaning.".to_string()
    } else {
        format!("{}.", capitalised(&count(diff.changes.len())))
    };
    html.element("p", &[], &summary);
    html.nl();
    for (section, changes) in by_section(diff) {
        html.open("section", &[]);
        html.element("h2", &[], section.heading());
        html.nl();
        html.raw("<table>\n<thead><tr><th>What</th><th>Old</th><th>New</th><th>Difference</th></tr></thead>\n<tbody>\n");
        for change in changes {
            html.raw("<tr>");
            html.prose_element("td", &[], &what(change));
            for cell in cells(change) {
                html.element("td", &[("class", "figure")], &cell);
            }
            html.raw("</tr>\n");
        }
        html.raw("</tbody>\n</table>\n");
        html.close("section");
        html.nl();
    }
    html.end_document();
    html.finish()
}
