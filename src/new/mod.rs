//! `outcome new`: a starter contract for each common shape, every section commented as a
//! guide (what it means, an example, what `outcome check` asks of it).
//!
//! The starters are `.outcome` files in this folder, built into the binary. Each checks clean
//! with warnings denied and is already in `outcome fmt`'s layout (`tests/new.rs` holds every
//! shape to both), so a commissioner starts from a contract that works and changes it a clause
//! at a time. Their dates are fixed examples, so the output is the same on every day it is
//! made; the comments say to change them.

/// The shapes a starter can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A single funnel of milestones leading to a performance target.
    Funnel,
    /// A ladder of sustained outcomes, each paid after the one before it.
    Ladder,
    /// Tiered payments on a reduction against a comparison group.
    Tiers,
}

impl Shape {
    pub const ALL: [Shape; 3] = [Shape::Funnel, Shape::Ladder, Shape::Tiers];

    /// The starter contract, as written in this folder.
    pub fn template(self) -> &'static str {
        match self {
            Shape::Funnel => include_str!("funnel.outcome"),
            Shape::Ladder => include_str!("ladder.outcome"),
            Shape::Tiers => include_str!("tiers.outcome"),
        }
    }

    /// The title the starter's `contract` block is written with.
    pub fn title(self) -> &'static str {
        match self {
            Shape::Funnel => "Steady at Home",
            Shape::Ladder => "Homes That Last",
            Shape::Tiers => "Fewer Emergency Admissions",
        }
    }

    /// What the shape is, in a few words, for the line that says what was written.
    pub fn described(self) -> &'static str {
        match self {
            Shape::Funnel => "a single funnel with a target",
            Shape::Ladder => "a ladder of sustained outcomes",
            Shape::Tiers => "tiers on a reduction against a comparison group",
        }
    }
}

/// The starter contract of `shape`, with `title` (when given) as the contract's title. A title
/// is one line of text: a line break or another control character in it is refused, with the
/// reason, since quoted text cannot hold one.
pub fn starter(shape: Shape, title: Option<&str>) -> Result<String, String> {
    let template = shape.template();
    let Some(title) = title else {
        return Ok(template.to_string());
    };
    if title.trim().is_empty() {
        return Err("the title is empty: give the contract a title, or leave out `--title`".into());
    }
    if let Some(control) = title.chars().find(|c| c.is_control()) {
        let what = match control {
            '\n' | '\r' => "a line break".to_string(),
            other => format!("the control character {}", other.escape_unicode()),
        };
        return Err(format!(
            "the title holds {what}: a title is one line of text"
        ));
    }
    let written = format!("contract {} {{", quoted(shape.title()));
    Ok(template.replacen(&written, &format!("contract {} {{", quoted(title)), 1))
}

/// Text as a `"..."` string of the language: a quote and a backslash escaped, the only two
/// escapes it reads (`syntax::tokens::line_string` reads them back).
fn quoted(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_opens_its_contract_with_its_title() {
        for shape in Shape::ALL {
            let header = format!("contract {} {{", quoted(shape.title()));
            assert_eq!(shape.template().matches(&header).count(), 1, "{shape:?}");
        }
    }

    #[test]
    fn a_title_is_quoted_as_the_language_reads_it() {
        let text = starter(Shape::Funnel, Some(r#"The "Best" \ Start"#)).unwrap();
        assert!(text.contains(r#"contract "The \"Best\" \\ Start" {"#));
        assert!(!text.contains("Steady at Home"));
    }

    #[test]
    fn a_title_with_a_line_break_or_nothing_in_it_is_refused() {
        assert!(starter(Shape::Ladder, Some("One\nTwo")).is_err());
        assert!(starter(Shape::Ladder, Some("  ")).is_err());
    }
}
