//! Text → AST. The only module that uses pest.
//!
//! `decode` turns bytes into a `SourceFile` (or says why they are not text); `parse` runs the
//! grammar and lowers pest's pairs into the AST, reading every token into its exact value on
//! the way. Parsing stops at the first syntax error. Errors in how a value is written (an
//! impossible date, an unknown currency, a misplaced thousands separator) are all collected
//! and reported together; the checker runs only once every value reads correctly.

mod errors;
mod lower;
mod names;
mod tokens;

use crate::ast;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{SourceFile, Span, Spanned};
use pest::Parser;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/outcome.pest"]
struct OutcomeParser;

pub use names::rule_name;

/// The most grammar calls one parse may make, so that no input can make the parser run away.
/// Generous: a 10 MB contract uses a small fraction of it.
const CALL_LIMIT: usize = 2_000_000_000;

/// Read bytes as UTF-8 text. Invalid bytes are a diagnostic pointing at the first of them,
/// against a lossy copy of the text so that it can still be shown.
/// The largest contract file read: far more than any real contract (a large one is 100 KB),
/// small enough that checking it stays quick and its memory modest.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

pub fn decode(name: &str, bytes: &[u8]) -> Result<SourceFile, Box<(SourceFile, Diagnostic)>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(name, u64::try_from(bytes.len()).ok()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err(error) => {
            let valid = error.valid_up_to();
            let lossy = String::from_utf8_lossy(bytes).into_owned();
            // The lossy copy matches the original byte for byte up to the first bad byte.
            let start = valid.min(lossy.len());
            let end = lossy[start..]
                .chars()
                .next()
                .map_or(start, |c| start + c.len_utf8());
            let diagnostic = Diagnostic::new(
                Code::E0102,
                "this file is not UTF-8 text",
                Span::new(start, end),
                "this byte is not part of any UTF-8 character",
            )
            .help(
                "save the file as UTF-8 (in Word or Excel: \"Save As\", then choose \
                 \"UTF-8\" or \"Plain Text (UTF-8)\"); text pasted from other systems often \
                 arrives as Windows-1252",
            );
            Err(Box::new((SourceFile::new(name, lossy), diagnostic)))
        }
    }
}

/// The diagnostic for a file of more than `MAX_FILE_BYTES`, with its size when it is known (a
/// file read only up to the limit is known only to be larger).
pub fn too_large(name: &str, size: Option<u64>) -> Box<(SourceFile, Diagnostic)> {
    const MB: u64 = 1024 * 1024;
    let limit = MAX_FILE_BYTES / (1024 * 1024);
    let message = match size {
        Some(size) => format!(
            "this file is {} MB, more than the {limit} MB a contract file may be",
            size.div_ceil(MB)
        ),
        None => format!("this file is more than the {limit} MB a contract file may be"),
    };
    let diagnostic = Diagnostic::new(Code::E0111, message, Span::new(0, 0), "not read").help(
        "split the contract: shared outcomes, cohorts and measures can live in files it `use`s",
    );
    Box::new((SourceFile::new(name, ""), diagnostic))
}

/// How many declarations to make room for in `text`, whose lines start at `line_starts`: as
/// many as the lines that begin with a letter, as a declaration written as `outcome fmt`
/// writes it does, but no more than one for every 16 bytes, the shortest a declaration can
/// be with the line after it. A guess, not a bound: the list still grows if it is short, and
/// room not written takes no memory. Without it, a list grown as it fills is copied at each
/// size (a file of 370,300 outcomes copied 60 MB of them, a twentieth of its parsing). The
/// lines' starts are the file's, found when it was read: a second search of the text for
/// line breaks, after the text had left the caches, took a twentieth of a check of a 10 MB
/// file of outcomes.
fn declarations_expected(text: &str, line_starts: &[usize]) -> usize {
    let bytes = text.as_bytes();
    let starts = line_starts
        .iter()
        .skip(1)
        .filter(|&&start| bytes.get(start).is_some_and(u8::is_ascii_alphabetic))
        .count();
    (starts + 1).min(text.len() / 16 + 1)
}

/// Parse and lower a file one declaration at a time (each with the rule its keyword names,
/// from where the last ended), so that pest's pairs for one declaration are dropped before the
/// next is read, and a long block's for one part (`by_part`). A block that does not read a
/// part at a time is read again whole when `again` (always, but in the tests that check that
/// it never needs to be). `room`: how many declarations to make room for at once
/// (`declarations_expected`). `None` if some text is not a declaration: the caller parses the
/// whole file to report it.
fn by_declaration(
    text: &str,
    room: usize,
    again: bool,
) -> Option<Result<ast::File, Vec<Diagnostic>>> {
    let mut lowerer = lower::Lowerer::default();
    let mut parsed = ast::File {
        declarations: Vec::with_capacity(room),
    };
    // file = { SOI ~ bom? ~ declaration* ~ EOI }
    let mut at = past_trivia(text, 0);
    if text[at..].starts_with('\u{feff}') {
        at = past_trivia(text, at + '\u{feff}'.len_utf8());
    }
    while at < text.len() {
        let (rule, head) = declaration_rules(&text[at..])?;
        if let Some((outcome, end)) = (rule == Rule::outcome)
            .then(|| plain_outcome(text, at))
            .flatten()
        {
            parsed.declarations.push(outcome);
            at = past_trivia(text, end);
            continue;
        }
        let read = match head {
            Some(head) => {
                let pair = OutcomeParser::parse(head, &text[at..]).ok()?.next()?;
                let end = at + pair.as_span().end();
                let head = lowerer.block_head(pair, at)?;
                by_part(text, head, end, &mut lowerer)
                    .or_else(|| again.then(|| whole_declaration(text, at, rule, &mut lowerer))?)
                    .map(one)?
            }
            None if matches!(
                rule,
                Rule::outcome | Rule::cohort | Rule::measure | Rule::use_decl
            ) =>
            {
                match short_declarations(text, at, &mut lowerer, &mut parsed.declarations)? {
                    Some(end) => (None, end),
                    None => whole_declaration(text, at, rule, &mut lowerer).map(one)?,
                }
            }
            None => whole_declaration(text, at, rule, &mut lowerer).map(one)?,
        };
        parsed.declarations.extend(read.0);
        at = past_trivia(text, read.1);
    }
    Some(lowerer.finish().map(|()| parsed))
}

/// Where the next token at or after `at` starts: past the spaces, tabs, line breaks and
/// comments the grammar skips between tokens.
/// WHITESPACE = _{ ' '..' ' | '\t'..'\n' | '\r'..'\r' }
/// COMMENT = _{ "#" ~ (any character but CR and LF)* }
fn past_trivia(text: &str, mut at: usize) -> usize {
    let bytes = text.as_bytes();
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => at += 1,
            b'#' => {
                at += bytes[at..]
                    .iter()
                    .position(|&b| b == b'\n' || b == b'\r')
                    .unwrap_or(bytes.len() - at);
            }
            _ => break,
        }
    }
    at
}

/// The commonest declaration, an outcome with its name and statement and nothing more
/// (`outcome better "Better off"`), read at `at`, where the word `outcome` starts, without
/// the grammar, with where it ends: as `outcome` reads and lowers it, and `None` for any other
/// form (a block after it, an escape or `"""` in its statement, or what does not read), which
/// the grammar then reads. Reading the line with pest (a call for a run of them, a rule
/// entered and unwound for the keyword, the name, the text and the block it looks for, and
/// the spaces between each) took ten times the instructions.
/// outcome = { kw_outcome ~ ident ~ string ~ (lbrace ~ outcome_clause* ~ rbrace)? }
fn plain_outcome(text: &str, at: usize) -> Option<(ast::Declaration, usize)> {
    let bytes = text.as_bytes();
    // kw_outcome = @{ "outcome" ~ !ident_char }: the word found there is `outcome`, so no
    // name character follows it.
    let keyword = Span::new(at, at + "outcome".len());
    // ident = @{ ASCII_ALPHA ~ ident_char* }
    let name_start = past_trivia(text, keyword.end);
    if !bytes.get(name_start)?.is_ascii_alphabetic() {
        return None;
    }
    let name_end = bytes[name_start..]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .map_or(text.len(), |length| name_start + length);
    // line_string = ${ !"\"\"\"" ~ "\"" ~ line_chars ~ "\"" }, with no escape in it (the
    // first `"`, `\`, CR or LF after the opening quote is the closing quote). Those four are
    // ASCII, so a byte equal to one of them is that character.
    let quote = past_trivia(text, name_end);
    if bytes.get(quote) != Some(&b'"') || text[quote..].starts_with("\"\"\"") {
        return None;
    }
    let close = quote
        + 1
        + bytes[quote + 1..]
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | b'\r' | b'\n'))?;
    if bytes[close] != b'"' {
        return None;
    }
    let end = close + 1;
    // (lbrace ~ outcome_clause* ~ rbrace)?: a block is the grammar's to read. Where there is
    // none, the rule still ends past the spaces and comments it skipped looking for one.
    let after = past_trivia(text, end);
    if bytes.get(after) == Some(&b'{') {
        return None;
    }
    Some((
        ast::Declaration::Outcome(ast::Outcome {
            keyword,
            name: Spanned::new(
                text[name_start..name_end].into(),
                Span::new(name_start, name_end),
            ),
            statement: Spanned::new(text[quote + 1..close].into(), Span::new(quote, end)),
            why: Vec::new(),
            level: Vec::new(),
        }),
        after,
    ))
}

/// The rule of `declaration` that reads the declaration at the start of `text`, and for a
/// block read a part at a time the rule of its head: the one whose keyword is the word there,
/// the only one of the ordered choice that can match. `None` where no declaration starts.
fn declaration_rules(text: &str) -> Option<(Rule, Option<Rule>)> {
    let word = text
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
        .map_or(text, |end| &text[..end]);
    Some(match word {
        "use" => (Rule::use_decl, None),
        "contract" => (Rule::contract, None),
        "outcome" => (Rule::outcome, None),
        "cohort" => (Rule::cohort, None),
        "funnel" => (Rule::funnel, Some(Rule::funnel_head)),
        "measure" => (Rule::measure, None),
        "payments" => (Rule::payments, Some(Rule::payments_head)),
        "monitoring" => (Rule::monitoring, None),
        "bidding" => (Rule::bidding, Some(Rule::bidding_head)),
        "bid" => (Rule::bid, Some(Rule::bid_head)),
        _ => return None,
    })
}

/// The rest of a block whose head (`head`, lowered) ends at `at`: its stages or clauses a few
/// at a time, then the closing `}`, each run read with its own grammar call from where the
/// last ended and lowered as it is read, so that pest's pairs are those of a few parts. The declaration and where it
/// ends, as the whole-declaration rule reads them. `None` when the block does not read this
/// way, with the diagnostics of what was lowered of it forgotten: the caller reads it whole.
fn by_part(
    text: &str,
    (mut declaration, mark): (ast::Declaration, usize),
    mut at: usize,
    lowerer: &mut lower::Lowerer,
) -> Option<(ast::Declaration, usize)> {
    let part = match declaration {
        ast::Declaration::Funnel(_) => Rule::funnel_parts,
        ast::Declaration::Payments(_) => Rule::payments_parts,
        ast::Declaration::Bidding(_) => Rule::bidding_parts,
        _ => Rule::bid_parts,
    };
    let parts_start = at;
    loop {
        if let ast::Declaration::Payments(payments) = &mut declaration {
            match tier_schedule(text, at, lowerer) {
                Schedule::Not => {}
                Schedule::Read(schedule, end) => {
                    payments.clauses.push(*schedule);
                    at = end;
                    continue;
                }
                Schedule::Unread => {
                    lowerer.rewind(mark);
                    return None;
                }
            }
        }
        let Some(pair) = OutcomeParser::parse(part, &text[at..])
            .ok()
            .and_then(|mut pairs| pairs.next())
        else {
            lowerer.rewind(mark);
            return None;
        };
        let start = at;
        at += pair.as_span().end();
        if let ast::Declaration::Funnel(funnel) = &mut declaration {
            // Only for a run of stages: a funnel's last run is its `}`.
            let stages = pair
                .clone()
                .into_inner()
                .next()
                .is_some_and(|p| p.as_rule() != Rule::rbrace);
            if stages {
                room_for_the_rest(&mut funnel.stages, start - parts_start, text.len() - start);
            }
        }
        if !lowerer.block_parts(&mut declaration, pair, start) {
            return Some((declaration, at));
        }
    }
}

/// What `tier_schedule` found.
enum Schedule {
    /// No tier schedule starts there.
    Not,
    /// The schedule, lowered, and where it ends.
    Read(Box<ast::PaymentClause>, usize),
    /// A tier schedule starts there but does not read this way.
    Unread,
}

/// The tier schedule (`tiers on ...` or `or tiers on ...`) that starts at or after `at` in a
/// `payments` block read a part at a time, read a part at a time itself: its head, then its
/// lines a few at a time, then its `}`, so that pest's pairs are those of a few lines where a
/// schedule of thousands of lines read as one part held the pairs of them all (hundreds of
/// bytes a line).
fn tier_schedule(text: &str, at: usize, lowerer: &mut lower::Lowerer) -> Schedule {
    let start = past_trivia(text, at);
    let rest = &text[start..];
    let word = |w: &str| {
        rest.strip_prefix(w).is_some_and(|after| {
            !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let head = if word("tiers") {
        Rule::tiers_head
    } else if word("or") {
        Rule::or_tiers_head
    } else {
        return Schedule::Not;
    };
    let mut read = || -> Option<(ast::PaymentClause, usize)> {
        let pair = OutcomeParser::parse(head, rest).ok()?.next()?;
        let mut at = start + pair.as_span().end();
        let mut schedule = lowerer.tiers_head(pair, start)?;
        loop {
            let pair = OutcomeParser::parse(Rule::tiers_parts, &text[at..])
                .ok()?
                .next()?;
            let from = at;
            at += pair.as_span().end();
            if !lowerer.tiers_parts(&mut schedule, pair, from)? {
                return Some((schedule, at));
            }
        }
    };
    match read() {
        Some((schedule, end)) => Schedule::Read(Box::new(schedule), end),
        None => Schedule::Unread,
    }
}

/// When a funnel's stages fill their room (`read` bytes of text so far) and another run of
/// stages follows, room for as many more as the `rest` of the file would hold at the length
/// they have had so far: a long
/// funnel then grows once or twice, where growing by doubling copied all its stages (hundreds
/// of bytes each) at each size, most of them from beyond the caches. Room the rest does not
/// fill is never written, so it takes no memory; room that cannot be had is left to growing as
/// before.
fn room_for_the_rest<T>(stages: &mut Vec<T>, read: usize, rest: usize) {
    if stages.len() < stages.capacity() || stages.is_empty() {
        return;
    }
    // Rounded down: a run read takes in the spaces after it, and room a little too large is
    // better than a copy of them all.
    let each = (read / stages.len()).max(1);
    let _ = stages.try_reserve(rest / each);
}

/// A declaration read, and where it ends, as `by_declaration` adds it to the file.
fn one((declaration, end): (ast::Declaration, usize)) -> (Option<ast::Declaration>, usize) {
    (Some(declaration), end)
}

/// The run of short declarations at `at` (`short_declarations`), lowered onto `declarations`,
/// with where the run ends: `Some(None)` where it does not read (the first is read alone), and
/// `None` where a value in it is badly written, as `whole_declaration` says of one.
fn short_declarations(
    text: &str,
    at: usize,
    lowerer: &mut lower::Lowerer,
    declarations: &mut Vec<ast::Declaration>,
) -> Option<Option<usize>> {
    let Some(run) = OutcomeParser::parse(Rule::short_declarations, &text[at..])
        .ok()
        .and_then(|mut pairs| pairs.next())
    else {
        return Some(None);
    };
    let end = at + run.as_span().end();
    for pair in run.into_inner() {
        declarations.push(lowerer.declaration(pair, at)?);
    }
    Some(Some(end))
}

/// The declaration at `at` read whole with `rule` and lowered, with where it ends; `None` where
/// it does not read.
fn whole_declaration(
    text: &str,
    at: usize,
    rule: Rule,
    lowerer: &mut lower::Lowerer,
) -> Option<(ast::Declaration, usize)> {
    let pair = OutcomeParser::parse(rule, &text[at..]).ok()?.next()?;
    let end = at + pair.as_span().end();
    Some((lowerer.declaration(pair, at)?, end))
}

/// The file read whole with the `file` rule: pest's error where it does not parse, else the
/// tree, or the diagnostics of its badly written values.
fn by_file(
    text: &str,
) -> Result<Result<ast::File, Vec<Diagnostic>>, Box<pest::error::Error<Rule>>> {
    let pairs = OutcomeParser::parse(Rule::file, text).map_err(Box::new)?;
    let mut lowerer = lower::Lowerer::default();
    let declarations = pairs
        .flat_map(|file| file.into_inner())
        .filter_map(|pair| lowerer.declaration(pair, 0))
        .collect();
    Ok(lowerer.finish().map(|()| ast::File { declarations }))
}

/// Parse one file into its AST, or the diagnostics that stopped it.
pub fn parse(file: &SourceFile) -> Result<ast::File, Vec<Diagnostic>> {
    let text: &str = &file.text;
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    let room = declarations_expected(text, file.line_starts());
    let parsed = match by_declaration(text, room, true) {
        Some(parsed) => parsed?,
        // The whole-file rule reads the file again to say what is wrong where.
        None => match by_file(text) {
            Err(error) => return Err(vec![errors::from_pest(text, *error)]),
            Ok(parsed) => parsed?,
        },
    };
    if parsed.declarations.is_empty() {
        return Err(vec![Diagnostic::new(
            Code::E0109,
            "this file holds nothing to check: no contract, outcome, cohort, funnel or measure",
            Span::new(text.len(), text.len()),
            "the file ends here with nothing to check",
        )
        .help("start with a `contract \"Title\" { ... }` block; `outcome explain E0109` shows a complete example")]);
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What every edit of a contract may put in or take out: braces, quotes, comments, line
    /// breaks, spaces and a byte-order mark.
    const STRUCTURE: [&str; 8] = ["{", "}", "\"", "#", "\n", "\r", " ", "\u{feff}"];

    /// The whole file lowered from the `file` rule, as parsing did before it went a
    /// declaration at a time.
    fn whole_file(text: &str) -> Result<String, String> {
        match by_file(text) {
            Err(error) => Err(format!("{error:?}")),
            Ok(parsed) => parsed
                .map(|f| format!("{f:?}"))
                .map_err(|d| format!("{d:?}")),
        }
    }

    fn a_declaration_at_a_time(text: &str) -> Option<Result<String, String>> {
        by_declaration(text, 0, true)
            .map(|r| r.map(|f| format!("{f:?}")).map_err(|d| format!("{d:?}")))
    }

    /// A funnel read a few stages at a time is given room for its first run of stages and
    /// no more: most funnels have a few stages, and room for twice as many was most of their
    /// syntax tree.
    #[test]
    fn a_short_funnel_has_room_for_its_stages_only() {
        let stages = |n: usize| -> String {
            (0..n)
                .map(|i| format!("  milestone m{i} \"M\" 10\n"))
                .collect()
        };
        for n in [1, 2, 3, 5, 16, 17, 40] {
            let text = format!("funnel f \"F\" for c {{\n{}}}\n", stages(n));
            let file = by_declaration(&text, 0, true).unwrap().unwrap();
            let [ast::Declaration::Funnel(funnel)] = &file.declarations[..] else {
                panic!("one funnel");
            };
            assert_eq!(funnel.stages.len(), n);
            if n <= 16 {
                assert_eq!(funnel.stages.capacity(), n);
            }
            assert_eq!(Ok(format!("{file:?}")), whole_file(&text));
        }
    }

    /// A long funnel read a few stages at a time is given room for the rest of its stages
    /// when its first run fills its room, from the length of those read: where the stages are
    /// all one length, exactly its stages, where growing by doubling gave it room for 1,024 and
    /// copied them all at each size.
    #[test]
    fn a_long_funnel_has_room_for_its_stages_at_once() {
        let n = 1000;
        let stages: String = (0..n)
            .map(|i| format!("  milestone m{i:04} \"M\" 10\n"))
            .collect();
        let text = format!("funnel f \"F\" for c {{\n{stages}}}\n");
        let file = by_declaration(&text, 0, true).unwrap().unwrap();
        let [ast::Declaration::Funnel(funnel)] = &file.declarations[..] else {
            panic!("one funnel");
        };
        assert_eq!(funnel.stages.len(), n);
        assert_eq!(funnel.stages.capacity(), n);
        assert_eq!(Ok(format!("{file:?}")), whole_file(&text));
        // A funnel of one run is given no more room, whatever follows it.
        let outcomes: String = (0..n).map(|i| format!("outcome o{i} \"O\"\n")).collect();
        for short in [1, 15, 16] {
            let stages: String = (0..short)
                .map(|i| format!("  milestone m{i:04} \"M\" 10\n"))
                .collect();
            let text = format!("funnel f \"F\" for c {{\n{stages}}}\n{outcomes}");
            let file = by_declaration(&text, 0, true).unwrap().unwrap();
            let Some(ast::Declaration::Funnel(funnel)) = file.declarations.first() else {
                panic!("a funnel first");
            };
            assert_eq!(funnel.stages.capacity(), short);
        }
    }

    fn specs() -> Vec<String> {
        let mut texts = Vec::new();
        for dir in ["specs", "specs/borough", "specs/borough/framework"] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "outcome") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        texts
    }

    /// `text` with each edit made in turn: the character at a place taken out, or a piece put
    /// in there.
    fn edited(text: &str, edits: &[(prop::sample::Index, usize, bool)], pieces: &[&str]) -> String {
        let mut text = text.to_string();
        for (at, piece, delete) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            if *delete && i < text.len() {
                text.remove(i);
            } else {
                text.insert_str(i, pieces[*piece]);
            }
        }
        text
    }

    /// The rules of `grammar` and the rules each refers to: every definition
    /// `name = { ... }` (or `_{`, `@{`, `${`, `!{`), with strings, characters and comments
    /// left out of its body.
    fn references(grammar: &str) -> Vec<(String, Vec<String>)> {
        let mut rules: Vec<(String, String)> = Vec::new();
        for line in grammar.lines() {
            let code = line.split("//").next().unwrap_or("");
            let head = code.split_once('=').filter(|(name, body)| {
                !name.trim().is_empty()
                    && name
                        .trim()
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && body
                        .trim_start()
                        .trim_start_matches(['_', '@', '$', '!'])
                        .starts_with('{')
            });
            match head {
                Some((name, body)) => rules.push((name.trim().to_string(), body.to_string())),
                None => {
                    if let Some((_, body)) = rules.last_mut() {
                        body.push_str(code);
                    }
                }
            }
        }
        let names: Vec<String> = rules.iter().map(|(name, _)| name.clone()).collect();
        rules
            .into_iter()
            .map(|(name, body)| {
                // Quoted strings and characters, escapes included, are not references.
                let mut words = String::new();
                let mut quote = None;
                let mut chars = body.chars();
                while let Some(c) = chars.next() {
                    match (quote, c) {
                        (Some(_), '\\') => {
                            chars.next();
                        }
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), _) => {}
                        (None, '"' | '\'') => quote = Some(c),
                        (None, c) if c.is_ascii_alphanumeric() || c == '_' => words.push(c),
                        (None, _) => words.push(' '),
                    }
                }
                let refers = words
                    .split(' ')
                    .filter(|word| names.iter().any(|n| n == word))
                    .map(str::to_string)
                    .collect();
                (name, refers)
            })
            .collect()
    }

    /// The rules of `grammar` that refer to themselves, directly or through others.
    fn recursive_rules(grammar: &str) -> Vec<String> {
        let rules = references(grammar);
        let refers = |name: &str| {
            rules
                .iter()
                .find(|(n, _)| n == name)
                .map_or(&[][..], |(_, r)| &r[..])
        };
        let mut recursive = Vec::new();
        for (name, _) in &rules {
            let mut seen: Vec<&str> = Vec::new();
            let mut next: Vec<&str> = refers(name).iter().map(String::as_str).collect();
            while let Some(rule) = next.pop() {
                if rule == name {
                    recursive.push(name.clone());
                    break;
                }
                if !seen.contains(&rule) {
                    seen.push(rule);
                    next.extend(refers(rule).iter().map(String::as_str));
                }
            }
        }
        recursive
    }

    /// pest is built without its guard on the stack left (Cargo.toml): that is safe while no
    /// rule refers to itself, so that how deep the parser goes is the grammar's, whatever the
    /// input.
    #[test]
    fn the_grammar_has_no_recursive_rule() {
        let grammar = include_str!("../../grammar/outcome.pest");
        let rules = references(grammar);
        // Every rule is found, with what it refers to.
        assert!(rules.len() > 150, "{}", rules.len());
        let funnel = rules.iter().find(|(n, _)| n == "funnel").unwrap();
        assert!(funnel.1.iter().any(|r| r == "milestone"), "{funnel:?}");
        assert_eq!(recursive_rules(grammar), Vec::<String>::new());
        // A rule that would break it is found.
        let nested = format!("{grammar}\nalternative_list = {{ alternative ~ (lparen ~ alternative_list ~ rparen)? }}\n");
        assert_eq!(recursive_rules(&nested), ["alternative_list"]);
        let mutual = format!("{grammar}\nping = {{ \"a\" ~ pong? }}\npong = {{ \"}}\" ~ ping }}\n");
        assert_eq!(recursive_rules(&mutual), ["ping", "pong"]);
    }

    /// Text in quotes as the grammar first read it, a character at a time.
    mod plain {
        #[derive(pest_derive::Parser)]
        #[grammar_inline = r#"
line_chars = @{ (line_char | "\\" ~ (!("\r" | "\n") ~ ANY))* }
line_char = _{
    ']'..'\u{10FFFF}' | ' '..'!' | '#'..'[' | '\u{00}'..'\u{09}' | '\u{0B}'..'\u{0C}' | '\u{0E}'..'\u{1F}'
}
"#]
        pub struct Plain;
    }

    proptest! {
        /// Text in quotes read a run between escapes at a time ends where it ended when it
        /// was read a character at a time, for text of quotes, backslashes, line ends of
        /// each kind, control characters and letters of every width.
        #[test]
        fn text_in_quotes_reads_as_a_character_at_a_time(
            text in "[a \"\\\\\r\n\u{0}\u{b}\u{1f}\\]\\[#é€😀]{0,40}"
        ) {
            let runs = OutcomeParser::parse(Rule::line_chars, &text).map(|p| p.as_str());
            let plain = plain::Plain::parse(plain::Rule::line_chars, &text).map(|p| p.as_str());
            prop_assert_eq!(runs.ok(), plain.ok());
        }
    }

    /// Reading a declaration at a time accepts exactly the files the `file` rule accepts,
    /// and lowers them to the same tree with the same spans, for every spec and for specs
    /// with a few characters changed (braces, quotes, comments, a byte-order mark, line ends
    /// of each kind).
    #[test]
    fn a_declaration_at_a_time_reads_as_the_whole_file() {
        let specs = specs();
        for text in &specs {
            let expected = whole_file(text);
            assert!(expected.is_ok());
            assert_eq!(a_declaration_at_a_time(text), Some(expected));
            let with_bom = format!("\u{feff}{text}");
            assert_eq!(
                a_declaration_at_a_time(&with_bom),
                Some(whole_file(&with_bom))
            );
        }
        // Where the two could most easily part: what may come only at the very start.
        for text in [
            "outcome a \"A\"\n\u{feff}outcome b \"B\"\n",
            " \u{feff}outcome a \"A\"",
            "\u{feff}\u{feff}outcome a \"A\"",
            "outcome a \"A\" # end\n\u{feff}",
            "\u{feff}",
            "",
            "  \n# only a comment",
        ] {
            let whole = whole_file(text);
            match a_declaration_at_a_time(text) {
                None => assert!(whole.is_err(), "{text:?}"),
                Some(found) => assert_eq!(found, whole, "{text:?}"),
            }
        }
        let pieces = [
            STRUCTURE.as_slice(),
            &[
                "\r\n",
                "x",
                "\"\"\"",
                "\\",
                "\t",
                "\u{b}",
                "\u{c}",
                "_",
                "# c\n",
                "bid",
                "use \"u\" ",
            ],
        ]
        .concat();
        proptest!(ProptestConfig::with_cases(2000), |(
            spec in 0..specs.len(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0..pieces.len(), any::<bool>()), 1..4)
        )| {
            let text = edited(&specs[spec], &edits, &pieces);
            let whole = whole_file(&text);
            match a_declaration_at_a_time(&text) {
                // Refused: the caller reports the whole-file rule's error.
                None => prop_assert!(whole.is_err() && !whole.as_ref().unwrap_err().contains("Diagnostic")),
                Some(found) => prop_assert_eq!(found, whole),
            }
        });
    }

    /// Blocks read a part at a time and never again whole, so that the result is the parts'.
    fn a_part_at_a_time(text: &str) -> Option<Result<String, String>> {
        by_declaration(text, 0, false)
            .map(|r| r.map(|f| format!("{f:?}")).map_err(|d| format!("{d:?}")))
    }

    /// Whether reading blocks a part at a time parts from the `file` rule on `text`: where the
    /// rule reads the file, the parts must read it to the same tree and the same diagnostics
    /// of badly written values; where it does not, they must refuse it too (and the caller then
    /// reports the rule's error, which is why syntax errors cannot differ).
    fn parts_differ(text: &str) -> Option<String> {
        let parts = a_part_at_a_time(text);
        let agree = match by_file(text) {
            Err(_) => parts.is_none(),
            Ok(whole) => {
                parts
                    == Some(
                        whole
                            .map(|f| format!("{f:?}"))
                            .map_err(|d| format!("{d:?}")),
                    )
            }
        };
        (!agree).then(|| format!("{text:?}: {parts:?}"))
    }

    /// Every `.outcome` file under `dir`, however deep.
    fn outcome_files(dir: &std::path::Path, texts: &mut Vec<String>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                outcome_files(&path, texts);
            } else if path.extension().is_some_and(|e| e == "outcome") {
                // All but the cases of bytes that are not UTF-8, which are never parsed.
                texts.extend(std::fs::read_to_string(path).ok());
            }
        }
    }

    /// Every spec (with the tender, its bids and the variations) and every file of
    /// `tests/diagnostics`, which hold a syntax error or a badly written value each.
    fn corpus() -> Vec<String> {
        let mut texts = Vec::new();
        outcome_files(std::path::Path::new("specs"), &mut texts);
        outcome_files(std::path::Path::new("tests/diagnostics"), &mut texts);
        texts
    }

    /// Whether `text` holds a block that is read a part at a time.
    fn has_block(text: &str) -> bool {
        ["funnel", "payments", "bidding", "bid"]
            .iter()
            .any(|keyword| text.contains(keyword))
    }

    /// Funnels, `payments`, `bidding` and bids read a stage or clause at a time read every
    /// file of the corpus as the `file` rule does, without ever being read again whole: the
    /// valid ones to the same tree with the same spans, those with badly written values to
    /// the same diagnostics, those with syntax errors refused.
    #[test]
    fn a_block_a_part_at_a_time_reads_as_the_whole_file() {
        let corpus = corpus();
        assert!(corpus.len() > 100);
        let mut parted = 0;
        for text in &corpus {
            assert_eq!(parts_differ(text), None);
            let with_bom = format!("\u{feff}{text}");
            assert_eq!(parts_differ(&with_bom), None);
            if has_block(text) && matches!(by_file(text), Ok(Ok(_))) {
                parted += 1;
            }
        }
        // Most of the corpus is valid blocks, read a part at a time.
        assert!(parted > 20, "{parted}");
        for text in [
            "funnel f \"F\" for c {}",
            "funnel f \"F\" for c {",
            "funnel f \"F\" for c { milestone a \"A\" 1",
            "funnel f \"F\" for c { milestone a \"A\" 1 }}",
            "funnel f \"F\" for c { milestone a \"A\" 1 { } } funnel",
            "funnel f \"F\" for c {# }\n}",
            "\u{feff}funnel f \"F\" for c { target t \"T\" 1 within 1 month } payments {}",
            "payments { pay £1 for a pay £1,00 for b } bidding { require a } bid \"B\" on \"s.o\" { }",
            "payments { pay £1 for a }}",
            "bidding { require }",
            "bid \"B\" on \"s.o\" { expected 1 for a pay £1 for a",
            "funnelx f \"F\" for c {}",
            "funnel f \"F\" for c { milestone a \"A\" 1 } \u{feff}",
        ] {
            assert_eq!(parts_differ(text), None);
        }
    }

    /// A tier schedule in a `payments` block is read a few lines at a time, as the `file`
    /// rule reads it: long schedules of every form (an alternative, a scope, per-unit lines,
    /// comments), among other clauses, cut anywhere, with a badly written value anywhere.
    #[test]
    fn a_tier_schedule_a_few_lines_at_a_time_reads_as_the_whole_file() {
        let lines = |n: usize| -> String {
            (0..n)
                .map(|i| match i % 4 {
                    0 => format!("    below {i} pays nothing\n"),
                    1 => format!("    from {i}% pays £{i}\n"),
                    2 => format!(
                        "    from {i} pays £{i},000 per unit up to £9,000,000 # a comment\n"
                    ),
                    _ => format!("    from {i} pays £{i} per unit\n"),
                })
                .collect()
        };
        for n in [0, 1, 15, 16, 17, 64, 200] {
            let text = format!(
                "payments {{\n  pay £1 for a\n  tiers on m per cohort {{\n{}  }}\n  or tiers on m pooled {{\n{}  }}\n  cap £5 per participant\n  tiers on n {{ }}\n}}\n",
                lines(n),
                lines(n / 2),
            );
            assert_eq!(parts_differ(&text), None);
            let file = by_declaration(&text, 0, false).unwrap().unwrap();
            let [ast::Declaration::Payments(payments)] = &file.declarations[..] else {
                panic!("one payments block");
            };
            let counts: Vec<usize> = payments
                .clauses
                .iter()
                .filter_map(|c| match c {
                    ast::PaymentClause::Tiers { lines, .. } => Some(lines.len()),
                    _ => None,
                })
                .collect();
            assert_eq!(counts, [n, n / 2, 0]);
            // Cut anywhere: refused by both, or read the same.
            for cut in (0..text.len()).step_by(7) {
                if text.is_char_boundary(cut) {
                    assert_eq!(parts_differ(&text[..cut]), None);
                }
            }
            // A badly written value in a line: the same diagnostics.
            let bad = text.replacen("pays £1\n", "pays £1,0\n", 1);
            assert_eq!(parts_differ(&bad), None);
        }
        for text in [
            "payments { tiers on m { from 1 pays £1 }",
            "payments { tiers on { from 1 pays £1 } }",
            "payments { tiers m { from 1 pays £1 } }",
            "payments { or tiers on m { } }",
            "payments { or pay £1 for a }",
            "payments { tiersx on m { } }",
            "payments { tiers on m { from 1 pays £1 below 2 } }",
            "payments { tiers on m { from 1 pays £1 }} }",
            "payments { exclusive a or b or tiers on m { from 1 pays £1 } }",
        ] {
            assert_eq!(parts_differ(text), None, "{text}");
        }
    }

    /// Outcomes, cohorts, measures and `use` read up to 16 at a time read as the `file` rule
    /// reads them: runs longer than one call, broken anywhere, cut anywhere, with a badly
    /// written value anywhere, and ended by every other kind of declaration.
    #[test]
    fn short_declarations_in_runs_read_as_the_whole_file() {
        let short = [
            "outcome o{i} \"O\"",
            "outcome o{i} \"O\" { level service }",
            "cohort c{i} \"C\" { size 10 }",
            "measure m{i} \"M\" { question how_much tracks o0 }",
            "use \"u{i}.outcome\"",
            "# a comment {i}\noutcome p{i} \"P\"",
        ];
        let damage = [
            "",
            "cohort bad \"C\" { size 1,0 }",
            "outcome broken \"O\" {",
            "outcome",
            "funnel f \"F\" for c0 { target t \"T\" 1 }",
            "payments { pay £1 for t }",
            "contract \"C\" { }",
            "\u{feff}",
        ];
        for n in [1, 15, 16, 17, 33] {
            for (k, kind) in short.iter().enumerate() {
                let lines: Vec<String> = (0..n)
                    .map(|i| short[(k + i) % short.len()].replace("{i}", &i.to_string()))
                    .collect();
                for bad in damage {
                    for at in [0, n / 2, n.saturating_sub(1), n] {
                        let mut text = lines.clone();
                        text.insert(at, bad.to_string());
                        let text = text.join("\n");
                        assert_eq!(parts_differ(&text), None, "{kind}");
                        for cut in (0..text.len()).step_by(7) {
                            if text.is_char_boundary(cut) {
                                assert_eq!(parts_differ(&text[..cut]), None);
                            }
                        }
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// An outcome read without the grammar is read as the `outcome` rule reads and lowers
        /// it, to the same end; and it is read so wherever it is a name and a statement in
        /// quotes with no escape, `\"\"\"` or block, whatever spaces, line ends and comments
        /// come between.
        #[test]
        fn a_plain_outcome_reads_as_the_outcome_rule(
            pieces in prop::collection::vec(prop::sample::select(vec![
                "outcome", " ", "\t", "\n", "\r", "\r\n", "\u{b}", "# c\n", "#", "a", "Z9", "_",
                "9", "é", "\"", "\"\"\"", "\\", "\\\"", "x y", "£1", "\u{202e}", "{", "}",
                "{ level service }", "{ why \"w\" }", "outcome o \"O\"",
            ]), 0..12),
        ) {
            let text = format!("outcome{}", pieces.concat());
            // Read only where the word at the start is `outcome`, as `by_declaration` does.
            if declaration_rules(&text) != Some((Rule::outcome, None)) {
                return Ok(());
            }
            let mut lowerer = lower::Lowerer::default();
            let by_rule = whole_declaration(&text, 0, Rule::outcome, &mut lowerer)
                .map(|(d, end)| (format!("{d:?}"), end));
            if let Some((outcome, end)) = plain_outcome(&text, 0) {
                prop_assert_eq!(Some((format!("{outcome:?}"), end)), by_rule);
                prop_assert!(lowerer.finish().is_ok());
            } else if let Some((_, end)) = by_rule {
                // Refused only what is not plain: a block, an escape or `"""`, or a `{` after
                // the statement that the grammar, not this reader, decides is a block or not.
                let read = &text[..end];
                prop_assert!(
                    read.contains('{')
                        || read.contains('\\')
                        || read.contains("\"\"\"")
                        || text[past_trivia(&text, end)..].starts_with('{'),
                    "{:?} refused", read
                );
            }
        }
    }

    /// Files cut short anywhere in a block: each a syntax error the parts refuse, or a file
    /// they read as the `file` rule does (cut between declarations).
    #[test]
    fn a_block_cut_short_reads_as_the_whole_file() {
        for text in corpus().iter().filter(|text| has_block(text)) {
            // In a short file the end and the start of every line and every tenth character
            // near its end; in a long one (a spec) the same of every twentieth line, which is
            // enough to cut every kind of stage and clause.
            let short = text.len() < 2_000;
            let cuts: Vec<usize> = text
                .match_indices('\n')
                .enumerate()
                .filter(|(line, _)| short || line % 20 == 0)
                .flat_map(|(_, (at, _))| {
                    (at.saturating_sub(40)..at).step_by(10).chain([at, at + 1])
                })
                .chain([text.len()])
                .collect();
            for cut in cuts {
                if text.is_char_boundary(cut) {
                    assert_eq!(parts_differ(&text[..cut]), None);
                }
            }
        }
    }

    /// Blocks with stages, clauses, braces, quotes and comments put in or taken out anywhere
    /// read as the `file` rule reads them.
    #[test]
    fn a_changed_block_reads_as_the_whole_file() {
        let corpus: Vec<String> = corpus()
            .into_iter()
            .filter(|text| has_block(text))
            .collect();
        let pieces = [
            STRUCTURE.as_slice(),
            &[
                "milestone m \"M\" 10 ",
                "target t \"T\" 1,0 within 1 month { evidence \"E\" } ",
                "pay £1 for m ",
                "pay £1,00 for m ",
                "expected 1 for m ",
                "price at most £1 for m ",
                "within 13 weeks of m ",
                "funnel f \"F\" for c {",
                "payments {",
                "bidding {",
                "bid \"B\" on \"s.o\" {",
                "2026-02-30",
            ],
        ]
        .concat();
        proptest!(ProptestConfig::with_cases(1000), |(
            pick in 0..corpus.len(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0..pieces.len(), any::<bool>()), 1..4)
        )| {
            let text = edited(&corpus[pick], &edits, &pieces);
            prop_assert_eq!(parts_differ(&text), None);
        });
    }
}
