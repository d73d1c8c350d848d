//! pest's errors → diagnostics that say, in words, what was expected and what was found.

use super::{rule_name, Rule};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::Span;
use pest::error::{Error, ErrorVariant, InputLocation};

/// The keywords a misspelt word may have meant, taken from what the grammar expected: each
/// word quoted in a rule's name that is a list of them (`week`, `month`, `quarter`, `term` or
/// `year`), not an example in a description (a name such as `drug_free`).
fn keywords_of(rule: Rule) -> impl Iterator<Item = &'static str> {
    let name = rule_name(rule);
    let a_list = name
        .split('`')
        .step_by(2)
        .flat_map(|between| between.split([',', ' ']))
        .all(|word| matches!(word, "" | "or" | "a" | "an"));
    name.split('`').skip(1).step_by(2).filter(move |inner| {
        a_list
            && !inner.is_empty()
            && inner
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_' || c == ' ')
    })
}

pub fn from_pest(text: &str, error: Error<Rule>) -> Diagnostic {
    let position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    let rest = &text[position.min(text.len())..];

    if let Some(diagnostic) = unclosed_text(position, rest) {
        return diagnostic;
    }

    let (found, found_len) = describe_found(rest);
    let span = Span::new(position, position + found_len);
    let positives = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        ErrorVariant::CustomError { message } => {
            return Diagnostic::new(Code::E0101, message.clone(), span, "here");
        }
    };

    let mut expected: Vec<&'static str> = Vec::new();
    for rule in &positives {
        let name = rule_name(*rule);
        if !expected.contains(&name) {
            expected.push(name);
        }
    }
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let mut diagnostic = Diagnostic::new(Code::E0101, message, span, "not expected here");

    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let keywords: Vec<&str> = positives.iter().flat_map(|r| keywords_of(*r)).collect();
    if !word.is_empty() {
        if let Some(suggestion) = did_you_mean(&word, keywords.iter().copied()) {
            diagnostic = diagnostic.help(suggestion);
            return diagnostic;
        }
    }
    let line_before = text[..position.min(text.len())]
        .rsplit(['\n', '\r'])
        .next()
        .unwrap_or("");
    let help = contextual_help(&positives, line_before, rest).or_else(|| {
        // A word where only the grammar's own words can go, none of them near it.
        let only_keywords =
            !keywords.is_empty() && positives.iter().all(|r| keywords_of(*r).next().is_some());
        (!word.is_empty() && only_keywords).then(|| {
            format!(
                "`{word}` is not a word the language knows here: write {}",
                join_or(&expected)
            )
        })
    });
    if let Some(help) = help {
        diagnostic = diagnostic.help(help);
    }
    diagnostic
}

/// The longest line a help repeats with its fix.
const LONGEST_LINE_REPEATED: usize = 120;

/// Help for the common slips that the expected list alone does not explain. `line_before` is
/// the text of the line before the error.
fn contextual_help(positives: &[Rule], line_before: &str, rest: &str) -> Option<String> {
    let first = rest.chars().next();
    // `cohort adults "Adults" 100`, written as a milestone's count is.
    if positives.contains(&Rule::lbrace)
        && line_before.trim_start().starts_with("cohort ")
        && first.is_some_and(|c| c.is_ascii_digit())
    {
        let size: String = rest.chars().take_while(char::is_ascii_digit).collect();
        // The line as it should be, unless it is too long to repeat in a help.
        let head = line_before.trim();
        return Some(if head.len() <= LONGEST_LINE_REPEATED {
            format!("a cohort's size goes in its block: `{head} {{ size {size} }}`")
        } else {
            format!("a cohort's size goes in its block, after the description: `{{ size {size} }}`")
        });
    }
    if positives.contains(&Rule::string)
        && first.is_some_and(|c| c == '\u{201c}' || c == '\u{201d}')
    {
        return Some(
            "text is quoted with straight quotes `\"`; curly quotes often come from Word".into(),
        );
    }
    let bytes = rest.as_bytes();
    let code_without_space = bytes.len() > 3
        && bytes[..3].iter().all(u8::is_ascii_uppercase)
        && bytes[3].is_ascii_digit();
    if positives.contains(&Rule::money) && code_without_space {
        let amount = rest[3..].split_whitespace().next().unwrap_or("");
        return Some(format!(
            "put a space between the currency code and the amount: `{} {amount}`",
            &rest[..3]
        ));
    }
    if positives.contains(&Rule::money) && first.is_some_and(|c| c.is_ascii_digit()) {
        return Some("write the currency with the amount: `£1,200` or `GBP 1200`".into());
    }
    if positives.contains(&Rule::number) && rest.starts_with("£") {
        return Some(
            "this is a count of people, not money: write a plain number such as `40`".into(),
        );
    }
    if positives.contains(&Rule::ident) && first.is_some_and(|c| c == '"') {
        return Some(
            "a name here is written without quotes, in lower case with underscores: `drug_free`"
                .into(),
        );
    }
    if positives.contains(&Rule::date) && first.is_some_and(|c| c.is_ascii_digit()) {
        return Some(
            "dates are written year-month-day with two-digit months and days: `2026-04-01`".into(),
        );
    }
    if positives == [Rule::kw_after] {
        return Some(
            "`at least` and `expected` times count from a stage: write `at least 6 months after housed`; to count from entry, name the funnel's first stage"
                .into(),
        );
    }
    if positives.contains(&Rule::ident)
        && rest
            .trim_start_matches([' ', '\t'])
            .chars()
            .next()
            .is_none_or(|c| matches!(c, '\n' | '\r' | '}' | '#'))
    {
        return Some(
            "the line ends where a name is needed: finish it with the name it refers to, as declared in the contract".into(),
        );
    }
    if (positives.contains(&Rule::period) || positives.contains(&Rule::frequency))
        && rest.starts_with("fortnight")
    {
        return Some(
            "there is no fortnightly period: write `weekly` or `monthly` (`per week` or `per month`) instead, with half a fortnight's amount for a week".into(),
        );
    }
    if positives.contains(&Rule::rbrace) && rest.is_empty() {
        return Some("a block opened with `{` was not closed: add `}` at its end".into());
    }
    None
}

/// A quote that opens text which never closes is its own error: the line, not the quote,
/// is what the user needs to fix.
fn unclosed_text(position: usize, rest: &str) -> Option<Diagnostic> {
    if rest.starts_with("\"\"\"") {
        return Some(
            Diagnostic::new(
                Code::E0110,
                "this text block is never closed",
                Span::new(position, position + 3),
                "the text that starts here has no closing `\"\"\"`",
            )
            .help("end the text with `\"\"\"`"),
        );
    }
    if !rest.starts_with('"') {
        return None;
    }
    let line_end = rest.find(['\n', '\r']).unwrap_or(rest.len());
    let line = &rest[1..line_end];
    let mut escaped = false;
    for ch in line.chars() {
        match (escaped, ch) {
            (false, '\\') => escaped = true,
            (false, '"') => return None,
            _ => escaped = false,
        }
    }
    Some(
        Diagnostic::new(
            Code::E0110,
            "this text is not closed on its line",
            Span::new(position, position + line_end),
            "the text that starts here has no closing `\"`",
        )
        .help("close the quote before the end of the line; for text over several lines write it between `\"\"\"` and `\"\"\"`"),
    )
}

/// What is at the error position, in words, and how many bytes to underline.
fn describe_found(rest: &str) -> (String, usize) {
    let Some(first) = rest.chars().next() else {
        return ("the end of the file".to_string(), 0);
    };
    if first.is_ascii_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ','))
            .collect();
        let word = word.trim_end_matches([',', '.']).to_string();
        let len = word.len();
        return (format!("`{word}`"), len);
    }
    let shown = match first {
        '\n' | '\r' => "the end of the line".to_string(),
        '\0' => "a NUL byte".to_string(),
        c if c.is_control() => format!("the control character U+{:04X}", c as u32),
        '\u{feff}' => "a byte-order mark".to_string(),
        '`' => "'`'".to_string(),
        c => format!("`{c}`"),
    };
    (shown, first.len_utf8())
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::source::SourceFile;

    /// The help of the one syntax error in `text`.
    fn help_for(text: &str) -> String {
        let file = SourceFile::new("t.outcome", text);
        let errors = crate::syntax::parse(&file).expect_err("a syntax error");
        assert_eq!(errors.len(), 1, "{errors:?}");
        errors[0].help.as_deref().unwrap_or("").to_string()
    }

    #[test]
    fn common_slips_get_help_that_names_the_fix() {
        assert_eq!(
            help_for("outcome better \"Better\"\ncohort people \"People\" 10\n"),
            "a cohort's size goes in its block: `cohort people \"People\" { size 10 }`"
        );
        assert!(help_for("outcome better \u{201c}Better\u{201d}\n").contains("straight quotes"));
        assert!(help_for("contract \"x\" {\n").contains("was not closed"));
        let long = format!("cohort people \"{}\" 10\n", "p".repeat(200));
        assert_eq!(
            help_for(&long),
            "a cohort's size goes in its block, after the description: `{ size 10 }`"
        );
        // Inside the block the slip is another one: the help is not the size's.
        assert!(!help_for("cohort people \"People\" {\n  size ten\n}\n").contains("cohort's size"));
    }

    /// A misspelt word among a list of the grammar's words gets the nearest; a word near none
    /// of them is told which to write; a line that stops before its name is told to finish
    /// it. Every syntax error has help.
    #[test]
    fn a_wrong_word_where_the_grammar_lists_its_words_gets_help() {
        assert_eq!(
            help_for("outcome better \"Better\" { level servce }\n"),
            "did you mean `service`?"
        );
        assert_eq!(
            help_for("measure m \"M\" { question beter_off tracks x }\n"),
            "did you mean `better_off`?"
        );
        assert_eq!(
            help_for("funnel f \"F\" for c {\n  milestone a \"A\" 10 within 3 moons\n}\n"),
            "`moons` is not a word the language knows here: write `days`, `weeks`, `months` or `years`"
        );
        assert!(help_for("payments {\n  fixed £100 per fortnight\n}\n")
            .contains("no fortnightly period"));
        assert!(help_for("payments {\n  fixed £100 per trem\n}\n").contains("`term`"));
        assert_eq!(
            help_for("payments {\n  pay £120 for\n}\n"),
            "the line ends where a name is needed: finish it with the name it refers to, as declared in the contract"
        );
        // An example in a description is not a word to suggest.
        assert!(!help_for("payments {\n  pay £120 for \"drug_fre\"\n}\n").contains("did you mean"));
    }
}
