//! Names: every declared name, duplicates, and resolving references.
//!
//! A contract file has one namespace: outcomes, cohorts, funnels, milestones, targets and
//! measures may not share a name, so a reference such as `pay £100 for attend` never needs
//! qualifying.

use super::name_table::NameTable;
use crate::ast::{self, Declaration, StageKind};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::Span;
use foldhash::{HashMap, HashSet};
use std::borrow::Cow;
use std::hash::BuildHasher;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Outcome,
    Cohort,
    Funnel,
    Milestone,
    Target,
    Measure,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Outcome => "outcome",
            Kind::Cohort => "cohort",
            Kind::Funnel => "funnel",
            Kind::Milestone => "milestone",
            Kind::Target => "performance target",
            Kind::Measure => "measure",
        }
    }

    fn with_article(self) -> &'static str {
        match self {
            Kind::Outcome => "an outcome",
            Kind::Cohort => "a cohort",
            Kind::Funnel => "a funnel",
            Kind::Milestone => "a milestone",
            Kind::Target => "a performance target",
            Kind::Measure => "a measure",
        }
    }
}

impl From<StageKind> for Kind {
    fn from(kind: StageKind) -> Kind {
        match kind {
            StageKind::Milestone => Kind::Milestone,
            StageKind::Target => Kind::Target,
        }
    }
}

/// A name a file declares in its one namespace.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'a> {
    pub name: &'a ast::Ident,
    pub kind: Kind,
    /// For a milestone or target: the index of its funnel among the file's funnels.
    pub funnel: Option<usize>,
    /// What the declaration says in words: its statement or description.
    pub description: &'a str,
}

/// Every name `file` declares, in the order written: what `Symbols::collect` defines, and
/// what an editor's index of the file lists.
pub fn declared(file: &ast::File) -> Vec<Declared<'_>> {
    // Room for every name at once: a list grown as it fills is copied at each size.
    let mut found = Vec::with_capacity(file.by_kind().name_count());
    each_declared(file, |declared| found.push(declared));
    found
}

/// Each name `file` declares, in the order written, handed to `each` as it is found: the
/// symbol table defines them as they come, rather than from a list of them all written to
/// memory and read back (tens of megabytes for a long funnel).
fn each_declared<'a>(file: &'a ast::File, mut each: impl FnMut(Declared<'a>)) {
    let mut funnels = 0;
    for declaration in &file.declarations {
        declared_in(declaration, &mut funnels, &mut each);
    }
}

/// The names `declaration` declares, handed to `each`; `funnels` counts the funnels before
/// it, and is counted on past a funnel.
fn declared_in<'a>(
    declaration: &'a Declaration,
    funnels: &mut usize,
    each: &mut impl FnMut(Declared<'a>),
) {
    fn plain<'a>(name: &'a ast::Ident, kind: Kind, description: &'a ast::Ident) -> Declared<'a> {
        Declared {
            name,
            kind,
            funnel: None,
            description: &description.value,
        }
    }
    match declaration {
        Declaration::Outcome(o) => each(plain(&o.name, Kind::Outcome, &o.statement)),
        Declaration::Cohort(c) => each(plain(&c.name, Kind::Cohort, &c.description)),
        Declaration::Measure(m) => each(plain(&m.name, Kind::Measure, &m.description)),
        Declaration::Funnel(f) => {
            each(plain(&f.name, Kind::Funnel, &f.description));
            for stage in &f.stages {
                each(Declared {
                    name: &stage.name,
                    kind: stage.kind.into(),
                    funnel: Some(*funnels),
                    description: &stage.description.value,
                });
            }
            *funnels += 1;
        }
        Declaration::Use(_)
        | Declaration::Contract(_)
        | Declaration::Payments(_)
        | Declaration::Monitoring(_)
        | Declaration::Bidding(_)
        | Declaration::Bid(_) => {}
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Symbol {
    pub kind: Kind,
    /// Where the name is defined.
    pub span: Span,
    /// For a milestone or target: the index of its funnel among the file's funnels.
    pub funnel: Option<usize>,
}

/// A `Symbol` as the table holds it: 16 bytes where a `Symbol` is 40, so that an entry of
/// the table, its name with it, is 40 bytes instead of 64 (a long funnel's table holds
/// hundreds of thousands, and is looked up all over). A file is at most
/// `syntax::MAX_FILE_BYTES`, so its offsets fit in 32 bits, and so does the index of any of
/// its funnels.
#[derive(Debug, Clone, Copy)]
struct Stored {
    start: u32,
    end: u32,
    /// The funnel's index, or `NO_FUNNEL`.
    funnel: u32,
    kind: Kind,
}

const NO_FUNNEL: u32 = u32::MAX;

const _: () = assert!(crate::syntax::MAX_FILE_BYTES < NO_FUNNEL as usize);

impl Stored {
    fn new(kind: Kind, span: Span, funnel: Option<usize>) -> Stored {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(NO_FUNNEL - 1);
        Stored {
            start: narrow(span.start),
            end: narrow(span.end),
            funnel: funnel.map_or(NO_FUNNEL, narrow),
            kind,
        }
    }

    fn symbol(self) -> Symbol {
        Symbol {
            kind: self.kind,
            span: Span::new(self.start as usize, self.end as usize),
            funnel: (self.funnel != NO_FUNNEL).then_some(self.funnel as usize),
        }
    }
}

/// Every name defined in a file: the file's own names borrowed from its syntax tree (a long
/// funnel names hundreds of thousands of stages, and a copy of each cost an allocation), the
/// names of used files copied.
///
/// The names are kept in the order defined, and the table that finds them
/// (`name_table::NameTable`) holds each one's place in that list and half its hash: 8 bytes
/// a name where a map of names to symbols held 40 (the name's 24 and the symbol's 16). The
/// table is looked up at a place its hash picks, so for a file of hundreds of thousands of
/// names each look is a read from memory outside the processor's caches: a small table stays
/// in them for more names, and the file's own names are put in a region of the table at a
/// time, once all are known (`NameTable::fill`). The list is written in order, as the names
/// are read.
#[derive(Debug, Default)]
pub struct Symbols<'a> {
    entries: Vec<(Cow<'a, str>, Stored)>,
    /// The place in `entries` of each name, found by the name's hash.
    table: NameTable,
    hasher: foldhash::fast::FixedState,
    /// Names defined more than once: references to them are not checked, since which
    /// definition was meant is the error already reported.
    duplicated: HashSet<Cow<'a, str>>,
    /// Whether a milestone or target shares its name with another definition of the file
    /// (either of the two a stage): see `stages_unique`.
    stage_defined_again: bool,
    /// For names brought in by `use`: the file each comes from.
    origins: HashMap<String, String>,
    /// How many more unknown names may get a "did you mean" (`SUGGESTIONS`).
    suggestions_left: std::cell::Cell<usize>,
}

/// The most unknown names in one file that get a "did you mean" suggestion; the rest get the
/// plain help. Each suggestion compares the name with every name of the kinds wanted, so a
/// file of thousands of unknown names among thousands of declared ones would otherwise cost
/// their product (16,000 of each: 95 s); with this limit the cost grows with the file. It is
/// the number of diagnostics the human format draws for a file, and which names get one is
/// decided by the order they are checked in, the same on every run.
const SUGGESTIONS: usize = 200;

impl<'a> Symbols<'a> {
    /// Collect every definition, reporting a name defined twice (E0201), and `file`'s
    /// declarations by kind, in one walk over them: a file of hundreds of thousands of
    /// declarations is tens of megabytes, read from memory again by each walk.
    pub fn collect(
        file: &'a ast::File,
        out: &mut Vec<Diagnostic>,
    ) -> (Symbols<'a>, ast::ByKind<'a>) {
        // Room for a name per declaration at once, and for a funnel's stages when it is
        // reached: a list grown as it fills is copied at each size.
        let mut symbols = Symbols {
            entries: Vec::with_capacity(file.declarations.len()),
            suggestions_left: std::cell::Cell::new(SUGGESTIONS),
            ..Symbols::default()
        };
        let mut parts = ast::ByKind::default();
        // Each name's hash and place in `entries`, in the order defined: the table is filled
        // from them once every name is known, a region at a time (`NameTable::fill`).
        let mut names: Vec<(u64, u32)> = Vec::with_capacity(file.declarations.len());
        let mut funnels = 0;
        for declaration in &file.declarations {
            parts.push(declaration);
            if let Declaration::Funnel(f) = declaration {
                symbols.entries.reserve(1 + f.stages.len());
                names.reserve(1 + f.stages.len());
            }
            declared_in(declaration, &mut funnels, &mut |declared| {
                let name = declared.name;
                // Four billion names would not fit in memory before their places overflowed.
                let place = symbols.entries.len() as u32;
                names.push((symbols.hasher.hash_one(name.value.as_str()), place));
                symbols.entries.push((
                    Cow::Borrowed(&name.value),
                    Stored::new(declared.kind, name.span, declared.funnel),
                ));
            });
        }
        let again = symbols.fill_table(&names);
        drop(names);
        if !again.is_empty() {
            symbols.defined_again(&again, out);
        }
        (symbols, parts)
    }

    /// E0201 for each name defined again, given as its place in `entries` and the place of
    /// its first definition, in the order defined; then the list is left with the first
    /// definitions alone, and the table filled again from it.
    fn defined_again(&mut self, again: &[(u32, u32)], out: &mut Vec<Diagnostic>) {
        // Room at once: grown as they fill, both are copied at each size.
        self.duplicated.reserve(again.len());
        out.reserve(again.len());
        for &(place, first) in again {
            let (name, stored) = &self.entries[place as usize];
            let (symbol, first) = (stored.symbol(), self.entries[first as usize].1.symbol());
            self.stage_defined_again |= [symbol.kind, first.kind]
                .iter()
                .any(|kind| matches!(kind, Kind::Milestone | Kind::Target));
            self.duplicated.insert(name.clone());
            out.push(
                Diagnostic::new(
                    Code::E0201,
                    format!("`{name}` is defined twice"),
                    symbol.span,
                    format!("{} named `{name}` again", symbol.kind.with_article()),
                )
                .also(first.span, format!("first defined here as {}", first.kind.with_article()))
                .help("every outcome, cohort, funnel, milestone, target and measure needs its own name; rename one of them"),
            );
        }
        let mut place = 0;
        let mut again = again.iter().map(|&(place, _)| place).peekable();
        self.entries.retain(|_| {
            let kept = again.next_if_eq(&place).is_none();
            place += 1;
            kept
        });
        let names: Vec<(u64, u32)> = self
            .entries
            .iter()
            .enumerate()
            .map(|(place, (name, _))| (self.hasher.hash_one(name.as_ref()), place as u32))
            .collect();
        let none = self.fill_table(&names);
        debug_assert!(none.is_empty(), "every name once");
    }

    /// The table made anew from `names` (each entry's hash and place, in the order defined),
    /// two entries the same name when their names are equal; with the names defined again,
    /// as `NameTable::fill` gives them.
    fn fill_table(&mut self, names: &[(u64, u32)]) -> Vec<(u32, u32)> {
        self.table = NameTable::with_capacity(names.len());
        let entries = &self.entries;
        self.table
            .fill(names, |a, b| entries[a as usize].0 == entries[b as usize].0)
    }

    /// Whether every milestone and target of the file is the one definition of its name: then
    /// a stage is found by its place in its funnel as well as by its name, however many
    /// other names (outcomes, cohorts, measures, funnels) are defined twice.
    pub fn stages_unique(&self) -> bool {
        !self.stage_defined_again
    }

    /// Make a used file's names referable here. A name defined here and there, or in two used
    /// files, is E0201; `at` is the span of the `use` that brings the file in.
    pub fn import(&mut self, shared: &crate::model::Shared, at: Span, out: &mut Vec<Diagnostic>) {
        let names = shared
            .outcomes
            .iter()
            .map(|o| (&o.id, Kind::Outcome, &o.from))
            .chain(
                shared
                    .cohorts
                    .iter()
                    .map(|c| (&c.id, Kind::Cohort, &c.from)),
            )
            .chain(
                shared
                    .measures
                    .iter()
                    .map(|m| (&m.id, Kind::Measure, &m.from)),
            );
        for (name, kind, from) in names {
            let from = from.clone().unwrap_or_else(|| shared.file.clone());
            if let Some(first) = self.get(name) {
                self.duplicated.insert(Cow::Owned(name.as_str().to_owned()));
                let (message, other) = match self.origins.get(name.as_str()) {
                    Some(first_file) if *first_file == from => continue, // the same file, used twice
                    Some(first_file) => (
                        format!("`{name}` is defined in both `{first_file}` and `{from}`"),
                        format!("`{first_file}` is used here"),
                    ),
                    None => (
                        format!("`{name}` is defined here and in `{from}`, which this file uses"),
                        format!("`{from}` is used here"),
                    ),
                };
                let (primary, secondary) = if self.origins.contains_key(name.as_str()) {
                    (at, first.span)
                } else {
                    (first.span, at)
                };
                out.push(
                    Diagnostic::new(Code::E0201, message, primary, "defined twice")
                        .also(secondary, other)
                        .help("every name must be unique across a contract and the files it uses: rename one of them"),
                );
                continue;
            }
            self.origins.insert(name.as_str().to_owned(), from);
            let hash = self.hasher.hash_one(name.as_str());
            self.insert(
                Cow::Owned(name.as_str().to_owned()),
                hash,
                Stored::new(kind, at, None),
            );
        }
    }

    /// Whether a name is defined more than once (already reported).
    pub fn is_duplicated(&self, name: &str) -> bool {
        self.duplicated.contains(name)
    }

    pub fn get(&self, name: &str) -> Option<Symbol> {
        let hash = self.hasher.hash_one(name);
        let entries = &self.entries;
        self.table
            .find(hash, |i| entries[i as usize].0 == name)
            .ok()
            .map(|i| entries[i as usize].1.symbol())
    }

    /// The symbol already defined as `name`, whose hash is `hash`; or, when the name is new,
    /// `None`, the name defined as `stored`.
    fn insert(&mut self, name: Cow<'a, str>, hash: u64, stored: Stored) -> Option<Symbol> {
        let Symbols {
            entries,
            table,
            hasher,
            ..
        } = self;
        match table.find(hash, |i| entries[i as usize].0 == name) {
            Ok(found) => Some(entries[found as usize].1.symbol()),
            Err(slot) => {
                // Four billion names would not fit in memory before their places overflowed.
                let place = entries.len() as u32;
                entries.push((name, stored));
                table.insert(slot, hash, place, |i| {
                    hasher.hash_one(entries[i as usize].0.as_ref())
                });
                None
            }
        }
    }

    /// Resolve a reference that must name one of `kinds`: E0202 when nothing has that name
    /// (with the closest name of the right kind), E0206 when something of another kind does.
    pub fn resolve(
        &self,
        name: &ast::Ident,
        kinds: &[Kind],
        out: &mut Vec<Diagnostic>,
    ) -> Option<Symbol> {
        if self.duplicated.contains(name.value.as_str()) {
            return None;
        }
        match self.get(&name.value) {
            Some(symbol) if kinds.contains(&symbol.kind) => Some(symbol),
            Some(symbol) => {
                let wanted = describe_kinds(kinds);
                out.push(
                    Diagnostic::new(
                        Code::E0206,
                        format!(
                            "`{}` is {}, not {wanted}",
                            name.value,
                            symbol.kind.with_article()
                        ),
                        name.span,
                        format!("{wanted} is needed here"),
                    )
                    .also(symbol.span, format!("`{}` is defined here", name.value))
                    .help(
                        self.suggest(&name.value, kinds)
                            .unwrap_or_else(|| format!("name {wanted} here")),
                    ),
                );
                None
            }
            None => {
                let words = kinds
                    .iter()
                    .map(|k| k.word())
                    .collect::<Vec<_>>()
                    .join(" or ");
                let mut diagnostic = Diagnostic::new(
                    Code::E0202,
                    format!("there is no {words} named `{}`", name.value),
                    name.span,
                    "not defined in this file",
                );
                diagnostic = match self.suggest(&name.value, kinds) {
                    Some(suggestion) => diagnostic.help(suggestion),
                    None => diagnostic.help(format!(
                        "define {} named `{}`, or correct the name",
                        describe_kinds(kinds),
                        name.value
                    )),
                };
                out.push(diagnostic);
                None
            }
        }
    }

    /// "did you mean `x`?" among the names of the given kinds.
    fn suggest(&self, wanted: &str, kinds: &[Kind]) -> Option<String> {
        let left = self.suggestions_left.get();
        if left == 0 {
            return None;
        }
        self.suggestions_left.set(left - 1);
        let candidates = self
            .entries
            .iter()
            .filter(|(_, s)| kinds.contains(&s.kind))
            .map(|(n, _)| n.as_ref());
        did_you_mean(wanted, candidates)
    }
}

/// `an outcome`, `a milestone or a performance target`.
fn describe_kinds(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|k| k.with_article())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The first of clauses that may be given once; every further one is E0203.
pub fn once<'a, T>(
    items: &'a [T],
    span_of: impl Fn(&T) -> Span,
    what: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<&'a T> {
    let first = items.first()?;
    for again in &items[1..] {
        out.push(given_twice(what, span_of(again), span_of(first)));
    }
    Some(first)
}

/// E0203: `what`, which may be given once, given again at `again`.
pub fn given_twice(what: &str, again: Span, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0203,
        format!("{what} is given twice"),
        again,
        "given again here",
    )
    .also(first, "first given here")
    .help("keep one of the two and delete the other")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Which names defined twice leave the stages found by place: any but a milestone's or a
    /// target's, on either side.
    #[test]
    fn only_a_stage_defined_twice_has_stages_found_by_name() {
        let head = "contract \"C\" {\n  commissioner \"Council\"\n  provider \"Provider\"\n  \
                    term 2026-04-01 to 2028-03-31\n  funding limit £1,000\n}\n\
                    outcome better \"Better off\" { level service }\n\
                    cohort people \"People\" { size 10 }\n\
                    funnel f \"F\" for people {\n  milestone start \"Start\" 10\n  \
                    target done \"Done\" 5 { achieves better evidence \"Seen\" }\n}\n";
        for (extra, unique) in [
            ("", true),
            ("outcome better \"Again\" { level service }\n", true),
            ("cohort people \"Again\" { size 10 }\n", true),
            (
                "outcome start \"Named as a stage\" { level service }\n",
                false,
            ),
            (
                "funnel g \"G\" for people {\n  milestone done \"Again\" 10\n  \
                 target other \"Other\" 5 { achieves better evidence \"Seen\" }\n}\n",
                false,
            ),
        ] {
            let text = format!("{head}{extra}");
            let file = crate::source::SourceFile::new("t.outcome", text.as_str());
            let ast = crate::syntax::parse(&file).unwrap();
            let mut out = Vec::new();
            let (symbols, _) = Symbols::collect(&ast, &mut out);
            assert_eq!(symbols.stages_unique(), unique, "{extra}");
            assert_eq!(out.is_empty(), extra.is_empty(), "{extra}");
        }
    }

    /// Each name is found as its first definition, each later one is an E0201 in the order
    /// defined pointing at the first, and the names are listed in the order defined, each
    /// once: with no name twice, and with names defined twice and three times, of the same
    /// kind and of others, in files of a few names and of thousands.
    #[test]
    fn names_are_found_as_first_defined_and_listed_in_the_order_defined() {
        for (n, every) in [
            (3, 2),
            (7, 0),
            (40, 3),
            (6_000, 0),
            (6_000, 997),
            (9_000, 5),
        ] {
            let mut text = String::new();
            let mut expected: Vec<String> = Vec::new();
            for i in 0..n {
                // Every `every`th declaration names an earlier one again, as another kind.
                let again = every != 0 && i % every == every - 1;
                let name = if again {
                    format!("o{}", i / 2)
                } else {
                    format!("o{i}")
                };
                if i % 3 == 0 {
                    text.push_str(&format!("cohort {name} \"C\" {{ size 1 }}\n"));
                } else if i % 3 == 1 {
                    text.push_str(&format!("outcome {name} \"O\"\n"));
                } else {
                    text.push_str(&format!(
                        "funnel f{i} \"F\" for c {{ milestone {name} \"M\" 1 }}\n"
                    ));
                }
                expected.push(name);
            }
            let source = crate::source::SourceFile::new("names.outcome", text);
            let file = crate::syntax::parse(&source).expect("a file that reads");
            let declared = declared(&file);
            let mut out = Vec::new();
            let symbols = Symbols::collect(&file, &mut out).0;
            // What the order defined finds.
            let mut first: std::collections::HashMap<&str, &Declared> = Default::default();
            let mut twice = Vec::new();
            let mut listed = Vec::new();
            for d in &declared {
                match first.get(d.name.value.as_str()) {
                    Some(earlier) => twice.push((d.name.span, earlier.name.span)),
                    None => {
                        first.insert(&d.name.value, d);
                        listed.push(d.name.value.as_str());
                    }
                }
            }
            assert_eq!(out.len(), twice.len(), "{n}, every {every}");
            for (diagnostic, (span, earlier)) in out.iter().zip(&twice) {
                assert_eq!(diagnostic.code, Code::E0201);
                assert_eq!(diagnostic.primary.span, *span);
                assert_eq!(diagnostic.secondary[0].span, *earlier);
            }
            for (name, d) in &first {
                let symbol = symbols.get(name).expect("every name found");
                assert_eq!((symbol.span, symbol.kind), (d.name.span, d.kind), "{name}");
            }
            let names: Vec<&str> = symbols
                .entries
                .iter()
                .map(|(name, _)| name.as_ref())
                .collect();
            assert_eq!(names, listed, "{n}, every {every}");
            assert!(symbols.get("nowhere").is_none());
        }
    }

    #[test]
    fn an_entry_of_the_table_is_forty_bytes() {
        assert_eq!(std::mem::size_of::<(Cow<str>, Stored)>(), 40);
    }

    proptest! {
        /// The table gives back the kind, span and funnel it was given, for any span in a
        /// file of the largest size and any funnel.
        #[test]
        fn a_stored_symbol_is_the_symbol_it_stores(
            kind in 0_usize..6,
            start in 0..=crate::syntax::MAX_FILE_BYTES,
            length in 0..=crate::syntax::MAX_FILE_BYTES,
            funnel in proptest::option::of(prop_oneof![0_usize..100, Just(NO_FUNNEL as usize - 1)]),
        ) {
            let kinds = [Kind::Outcome, Kind::Cohort, Kind::Funnel, Kind::Milestone, Kind::Target, Kind::Measure];
            let end = (start + length).min(crate::syntax::MAX_FILE_BYTES);
            let span = Span::new(start, end);
            let symbol = Stored::new(kinds[kind], span, funnel).symbol();
            prop_assert_eq!(symbol.kind, kinds[kind]);
            prop_assert_eq!(symbol.span, span);
            prop_assert_eq!(symbol.funnel, funnel);
        }
    }
}
