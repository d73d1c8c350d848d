//! Navigation: the outline, go to definition, find references, rename and hover.
//!
//! A name used in a file is declared in it or in a file it `use`s (and so on down the chain
//! of `use`s). The files considered are the open documents and every file they lead to
//! through `use`, read from the open buffer when there is one and from disk otherwise, never
//! from outside the repository. A bid reaches its specification as a file reaches one it
//! uses; finding the references of a name, or renaming it, also reads the files in the
//! repository of the file that declares it which reach that file, open or not: the contracts
//! that use a framework, the bids that name a specification.

use super::convert::{self, Lines};
use super::hover;
use super::index::{self, Definition, Item, ItemKind, Kind};
use super::{Failure, Indexed, Server};
use crate::files::{self, Contents};
use crate::source::Span;
use lsp_types::{
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind,
    PrepareRenameResponse, ReferenceParams, RenameParams, SymbolKind, TextDocumentPositionParams,
    TextEdit, Uri, WorkspaceEdit,
};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The longest chain of `use`s followed, as in `workspace`.
const MAX_USE_DEPTH: usize = 64;

/// The files navigation can see: each file's index and the files its `use`s lead to.
pub(super) struct Graph {
    files: BTreeMap<String, (Uri, Arc<Indexed>)>,
    uses: BTreeMap<String, Vec<String>>,
}

impl Graph {
    /// The open documents and every file they reach through `use`.
    pub(super) fn of(server: &mut Server) -> Graph {
        let mut graph = Graph {
            files: BTreeMap::new(),
            uses: BTreeMap::new(),
        };
        let open: Vec<Uri> = server.documents.values().map(|d| d.uri.clone()).collect();
        let mut wave: Vec<(Uri, Arc<Indexed>)> = open
            .into_iter()
            .filter_map(|uri| Some((uri.clone(), server.indexed(&uri)?)))
            .collect();
        for _ in 0..MAX_USE_DEPTH {
            let mut next = Vec::new();
            for (uri, indexed) in wave {
                let key = uri.as_str().to_string();
                if graph.files.contains_key(&key) {
                    continue;
                }
                let mut used = Vec::new();
                if let Some(path) = convert::uri_to_path(&uri) {
                    for (written, _) in &indexed.index.uses {
                        let Some(target) = destination(&path, written) else {
                            continue;
                        };
                        let Some(target_uri) = convert::path_to_uri(&target) else {
                            continue;
                        };
                        used.push(target_uri.as_str().to_string());
                        if graph.files.contains_key(target_uri.as_str()) {
                            continue;
                        }
                        let text = match server.indexed(&target_uri) {
                            Some(open) => Some(open),
                            None => used_index(server, &target),
                        };
                        if let Some(indexed) = text {
                            next.push((target_uri, indexed));
                        }
                    }
                }
                graph.uses.insert(key.clone(), used);
                graph.files.insert(key, (uri, indexed));
            }
            if next.is_empty() {
                break;
            }
            wave = next;
        }
        graph
    }

    /// Where `name` is declared as seen from the file `key`: in it, or the nearest file it
    /// uses that declares it.
    fn resolve(&self, key: &str, name: &str) -> Option<(String, Definition)> {
        let mut queue = std::collections::VecDeque::from([key.to_string()]);
        let mut seen = std::collections::BTreeSet::new();
        while let Some(file) = queue.pop_front() {
            if !seen.insert(file.clone()) {
                continue;
            }
            if let Some((_, indexed)) = self.files.get(&file) {
                if let Some(definition) = indexed.index.definition(name) {
                    return Some((file, definition.clone()));
                }
            }
            queue.extend(self.uses.get(&file).into_iter().flatten().cloned());
        }
        None
    }

    /// The file `key` and every file it reaches through its `use`s (a bid, its
    /// specification), nearest first.
    fn reached(&self, key: &str) -> Vec<&Indexed> {
        let mut queue = std::collections::VecDeque::from([key.to_string()]);
        let mut seen = std::collections::BTreeSet::new();
        let mut found = Vec::new();
        while let Some(file) = queue.pop_front() {
            if !seen.insert(file.clone()) {
                continue;
            }
            if let Some((_, indexed)) = self.files.get(&file) {
                found.push(&**indexed);
            }
            queue.extend(self.uses.get(&file).into_iter().flatten().cloned());
        }
        found
    }

    /// Every name the file `key` can refer to: its own, then those of the files it uses.
    pub(super) fn visible(&self, key: &str) -> Vec<Definition> {
        self.reached(key)
            .into_iter()
            .flat_map(|indexed| indexed.index.definitions.iter().cloned())
            .collect()
    }

    /// The stages the files `key` reaches price: for a bid, those its specification pays for.
    pub(super) fn priced(&self, key: &str) -> std::collections::BTreeSet<String> {
        self.reached(key)
            .into_iter()
            .flat_map(|indexed| indexed.index.priced.iter().cloned())
            .collect()
    }

    /// Add the files in the repository of the file `key` that reach it, open or not: those
    /// that `use` it, directly or through other files (a framework), and the bids that name it
    /// (a specification), found as `check DIR` finds them, so that the references and renames
    /// of its names reach every file that sees them. Files on disk are read once and read
    /// again only when they change (`used_index`). A contract that is no specification is
    /// used by no file, and its repository is not read.
    fn add_users_of(&mut self, server: &mut Server, key: &str) {
        let Some((uri, indexed)) = self.files.get(key) else {
            return;
        };
        let is_contract = indexed
            .index
            .outline
            .iter()
            .any(|item| item.kind == ItemKind::Contract);
        if is_contract && !indexed.index.is_specification {
            return;
        }
        let Some(declaring) = convert::uri_to_path(uri).and_then(|p| std::fs::canonicalize(p).ok())
        else {
            return;
        };
        let root = files::repository_of(declaring.parent().unwrap_or(&declaring));
        let Ok(found) = files::find(&root, &files::Exclude::default()) else {
            return;
        };
        // Every file of the repository not yet seen, with the files its `use`s lead to.
        let mut unseen = Vec::new();
        for path in found.files {
            let Some(file_uri) = convert::path_to_uri(&path) else {
                continue;
            };
            if self.files.contains_key(file_uri.as_str()) {
                continue;
            }
            let Some(indexed) = used_index(server, &path) else {
                continue;
            };
            let uses: Vec<String> = indexed
                .index
                .uses
                .iter()
                .filter_map(|(written, _)| destination(&path, written))
                .filter_map(|target| convert::path_to_uri(&target))
                .map(|target| target.as_str().to_string())
                .collect();
            if !uses.is_empty() {
                unseen.push((file_uri, indexed, uses));
            }
        }
        // The files that reach `key`: those seen already, then each that uses one of them.
        let mut reaching: std::collections::BTreeSet<String> = self
            .files
            .keys()
            .filter(|file| self.reaches(file, key))
            .cloned()
            .collect();
        loop {
            let (users, rest): (Vec<_>, Vec<_>) = unseen
                .into_iter()
                .partition(|(_, _, uses)| uses.iter().any(|used| reaching.contains(used)));
            unseen = rest;
            if users.is_empty() {
                break;
            }
            for (file_uri, indexed, uses) in users {
                let file_key = file_uri.as_str().to_string();
                reaching.insert(file_key.clone());
                self.uses.insert(file_key.clone(), uses);
                self.files.insert(file_key, (file_uri, indexed));
            }
        }
    }

    /// Whether the file `from` is the file `key` or reaches it through its `use`s.
    fn reaches(&self, from: &str, key: &str) -> bool {
        let mut queue = std::collections::VecDeque::from([from.to_string()]);
        let mut seen = std::collections::BTreeSet::new();
        while let Some(file) = queue.pop_front() {
            if file == key {
                return true;
            }
            if seen.insert(file.clone()) {
                queue.extend(self.uses.get(&file).into_iter().flatten().cloned());
            }
        }
        false
    }

    fn location(&self, key: &str, span: Span) -> Option<Location> {
        let (uri, indexed) = self.files.get(key)?;
        Some(Location::new(
            uri.clone(),
            indexed.lines.range(&indexed.text, span),
        ))
    }

    /// Every place the name declared at (`file`, `at`) is written: its declaration first, then
    /// each use of it in any file that sees that declaration.
    fn occurrences(&self, file: &str, definition: &Definition) -> Vec<(String, Span)> {
        let mut found = vec![(file.to_string(), definition.span)];
        for (key, (_, indexed)) in &self.files {
            for (name, span) in &indexed.index.references {
                if name != &definition.name {
                    continue;
                }
                if let Some((at, d)) = self.resolve(key, name) {
                    if at == file && d.span == definition.span {
                        found.push((key.clone(), *span));
                    }
                }
            }
        }
        found
    }
}

/// Where a `use` of `written` in the file at `user` leads: a file inside the user's
/// repository, or nothing.
fn destination(user: &Path, written: &str) -> Option<PathBuf> {
    let folder = user.parent()?;
    if Path::new(written).is_absolute() {
        return None;
    }
    let root = files::repository_of(&std::fs::canonicalize(folder).ok()?);
    let target = std::fs::canonicalize(folder.join(written)).ok()?;
    (target.starts_with(&root) && target.is_file()).then_some(target)
}

/// The index of a file that is not open, built again only when its size or time changes.
fn used_index(server: &mut Server, path: &Path) -> Option<Arc<Indexed>> {
    let metadata = std::fs::metadata(path).ok()?;
    let unchanged = |seen: &std::fs::Metadata| {
        seen.len() == metadata.len() && seen.modified().ok() == metadata.modified().ok()
    };
    if let Some((seen, indexed)) = server.used.get(path) {
        if unchanged(seen) {
            return Some(Arc::clone(indexed));
        }
    }
    let indexed = Arc::new(read(path).and_then(Indexed::of)?);
    server
        .used
        .insert(path.to_path_buf(), (metadata, Arc::clone(&indexed)));
    Some(indexed)
}

fn read(path: &Path) -> Option<Arc<str>> {
    match files::read_limited(path, crate::syntax::MAX_FILE_BYTES, files::Seen::Unseen).ok()? {
        Contents::Bytes(bytes) => String::from_utf8(bytes).ok().map(Arc::from),
        Contents::TooLarge(_) => None,
    }
}

/// The name under the cursor and where it is declared.
fn target(
    server: &mut Server,
    position: &TextDocumentPositionParams,
) -> Option<(Graph, String, Definition, Span)> {
    let uri = &position.text_document.uri;
    let document = server.documents.get(uri.as_str())?;
    let offset = document.lines.offset(&document.text, position.position);
    let (name, span) = index::word_at(&document.text, offset)?;
    let graph = Graph::of(server);
    let (file, definition) = graph.resolve(uri.as_str(), &name)?;
    Some((graph, file, definition, span))
}

pub(super) fn definition(
    server: &mut Server,
    params: GotoDefinitionParams,
) -> Result<Option<GotoDefinitionResponse>, Failure> {
    let position = &params.text_document_position_params;
    let Some((graph, file, definition, _)) = target(server, position) else {
        return Ok(path_at(server, position).map(GotoDefinitionResponse::Scalar));
    };
    Ok(graph
        .location(&file, definition.span)
        .map(GotoDefinitionResponse::Scalar))
}

/// On the path of a `use` or of a bid's `on`: the start of the file it names, when that is a
/// file of the repository.
fn path_at(server: &mut Server, position: &TextDocumentPositionParams) -> Option<Location> {
    let uri = &position.text_document.uri;
    let indexed = server.indexed(uri)?;
    let document = server.documents.get(uri.as_str())?;
    if !Arc::ptr_eq(&indexed.text, &document.text) {
        return None;
    }
    let offset = document.lines.offset(&document.text, position.position);
    let (written, _) = indexed
        .index
        .uses
        .iter()
        .find(|(_, span)| span.start <= offset && offset <= span.end)?;
    let target = destination(&convert::uri_to_path(uri)?, written)?;
    let start = lsp_types::Position::new(0, 0);
    Some(Location::new(
        convert::path_to_uri(&target)?,
        lsp_types::Range::new(start, start),
    ))
}

pub(super) fn references(
    server: &mut Server,
    params: ReferenceParams,
) -> Result<Option<Vec<Location>>, Failure> {
    let Some((mut graph, file, definition, _)) = target(server, &params.text_document_position)
    else {
        return Ok(None);
    };
    graph.add_users_of(server, &file);
    let include = params.context.include_declaration;
    let locations = graph
        .occurrences(&file, &definition)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| include || *i > 0)
        .filter_map(|(_, (key, span))| graph.location(&key, span))
        .collect();
    Ok(Some(locations))
}

/// A declared name's hover, or a cap's, payer's or group's anywhere on its clause.
pub(super) fn hover(server: &mut Server, params: HoverParams) -> Result<Option<Hover>, Failure> {
    let position = &params.text_document_position_params;
    let uri = &position.text_document.uri;
    let (value, span) = match target(server, position) {
        Some((graph, file, definition, span)) => {
            // The rules the specification sets on a stage, from the file that declares it.
            let rules = graph
                .files
                .get(&file)
                .map(|(_, indexed)| {
                    indexed
                        .index
                        .rules_on(&definition.name)
                        .into_iter()
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let bid = graph
                .files
                .get(uri.as_str())
                .is_some_and(|(_, indexed)| indexed.index.bid_on.is_some());
            (
                Subject::Name {
                    definition,
                    rules,
                    bid,
                },
                span,
            )
        }
        None => {
            let Some(indexed) = server.indexed(uri) else {
                return Ok(None);
            };
            let Some(document) = server.documents.get(uri.as_str()) else {
                return Ok(None);
            };
            // The clause as of the text that last parsed; while the text does not parse, the
            // same clause found where it now stands, as names are.
            let offset = document.lines.offset(&document.text, position.position);
            let found = if Arc::ptr_eq(&indexed.text, &document.text) {
                indexed
                    .index
                    .clause_at(offset)
                    .map(|(clause, span)| (clause.clone(), span))
            } else {
                clause_in_edit(&indexed, &document.text, offset)
            };
            let Some((clause, span)) = found else {
                return Ok(None);
            };
            (Subject::Clause(clause), span)
        }
    };
    let Some(document) = server.documents.get(uri.as_str()) else {
        return Ok(None);
    };
    let contract = document
        .good
        .as_ref()
        .and_then(|loaded| loaded.compiled.contract.as_deref());
    let value = match value {
        Subject::Name {
            definition,
            rules,
            bid,
        } => hover::text(&definition, contract, &rules, bid),
        Subject::Clause(clause) => hover::clause(&clause, contract),
    };
    Ok(Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(document.lines.range(&document.text, span)),
    }))
}

/// The clause of the text that last parsed (`good`) that stands around `offset` in the text
/// as edited since (`now`), and where: one written just as it was, wherever the edits have
/// moved it; or else, for the clause being edited, the one whose first line the cursor's line
/// still begins with, up to the cursor and at least to the end of its first two words (`cap
/// £1,200,000` of `cap £1,200,000 totl`).
fn clause_in_edit(good: &Indexed, now: &str, offset: usize) -> Option<(index::Clause, Span)> {
    let clauses = &good.index.clauses;
    for (clause, span) in clauses {
        let written = &good.text[span.start..span.end];
        let first = offset.saturating_sub(written.len());
        let start = (first..=offset).find(|&start| {
            now.get(start..start + written.len())
                .is_some_and(|there| there == written)
        });
        if let Some(start) = start {
            return Some((clause.clone(), Span::new(start, start + written.len())));
        }
    }
    let line_start = now[..offset.min(now.len())]
        .rfind('\n')
        .map_or(0, |n| n + 1);
    let line = now[line_start..].lines().next().unwrap_or_default();
    let indent = line.len() - line.trim_start().len();
    let line = &line[indent..];
    let at = offset.checked_sub(line_start + indent)?;
    clauses
        .iter()
        .filter_map(|(clause, span)| {
            let was = good.text[span.start..span.end].lines().next()?;
            let same = was
                .char_indices()
                .zip(line.chars())
                .find(|((_, a), b)| a != b)
                .map_or(was.len().min(line.len()), |((i, _), _)| i);
            (same >= end_of_two_words(was)? && at < same).then_some((same, clause))
        })
        .max_by_key(|(same, _)| *same)
        .map(|(same, clause)| {
            let start = line_start + indent;
            (clause.clone(), Span::new(start, start + same))
        })
}

/// Where the second word of `text` ends; `None` when it has fewer than two.
fn end_of_two_words(text: &str) -> Option<usize> {
    let mut ends = text
        .char_indices()
        .zip(text.chars().skip(1).map(Some).chain([None]))
        .filter(|((_, c), next)| !c.is_whitespace() && next.is_none_or(char::is_whitespace))
        .map(|((i, c), _)| i + c.len_utf8());
    ends.nth(1)
}

/// What a hover is about.
enum Subject {
    /// A declared name, with the rules a specification's `bidding` block sets on it, and
    /// whether the hover is in a bid (whose figures are the specification's with the bid's
    /// in place).
    Name {
        definition: Definition,
        rules: Vec<String>,
        bid: bool,
    },
    Clause(index::Clause),
}

pub(super) fn symbols(
    server: &mut Server,
    params: DocumentSymbolParams,
) -> Result<Option<DocumentSymbolResponse>, Failure> {
    let Some(indexed) = server.indexed(&params.text_document.uri) else {
        return Ok(None);
    };
    let outline = indexed
        .index
        .outline
        .iter()
        .map(|item| symbol(&indexed.text, &indexed.lines, item))
        .collect();
    Ok(Some(DocumentSymbolResponse::Nested(outline)))
}

#[allow(deprecated)] // `deprecated` must be written; the protocol has replaced it with tags
fn symbol(text: &str, lines: &Lines, item: &Item) -> DocumentSymbol {
    let kind = match item.kind {
        ItemKind::Use => SymbolKind::FILE,
        ItemKind::Contract => SymbolKind::MODULE,
        ItemKind::Payments => SymbolKind::OBJECT,
        ItemKind::Monitoring => SymbolKind::EVENT,
        ItemKind::Figure => SymbolKind::NUMBER,
        ItemKind::Name(kind) => match kind {
            Kind::Outcome => SymbolKind::CONSTANT,
            Kind::Cohort => SymbolKind::CLASS,
            Kind::Funnel => SymbolKind::FUNCTION,
            Kind::Milestone | Kind::Target => SymbolKind::FIELD,
            Kind::Measure => SymbolKind::PROPERTY,
            Kind::Group => SymbolKind::ENUM,
        },
    };
    let children: Vec<DocumentSymbol> = item
        .children
        .iter()
        .map(|child| symbol(text, lines, child))
        .collect();
    DocumentSymbol {
        name: item.name.clone(),
        detail: (!item.detail.is_empty()).then(|| item.detail.clone()),
        kind,
        tags: None,
        deprecated: None,
        range: lines.range(text, item.range),
        selection_range: lines.range(text, item.selection),
        children: (!children.is_empty()).then_some(children),
    }
}

pub(super) fn prepare_rename(
    server: &mut Server,
    params: TextDocumentPositionParams,
) -> Result<Option<PrepareRenameResponse>, Failure> {
    let Some((_, _, _, span)) = target(server, &params) else {
        return Err(Failure::refused(
            "only a declared name (an outcome, cohort, funnel, stage, measure or group) can be renamed",
        ));
    };
    let Some(document) = server.documents.get(params.text_document.uri.as_str()) else {
        return Ok(None);
    };
    Ok(Some(PrepareRenameResponse::Range(
        document.lines.range(&document.text, span),
    )))
}

/// Rename a declared name everywhere it is written, refusing a name that is not a name, or
/// one already declared where any of the places would see it.
// `WorkspaceEdit` keys its changes by `Uri`, whose lazily parsed parts clippy takes for
// interior mutability; its hash and equality are those of the URI's text.
#[allow(clippy::mutable_key_type)]
pub(super) fn rename(
    server: &mut Server,
    params: RenameParams,
) -> Result<Option<WorkspaceEdit>, Failure> {
    let new = params.new_name.trim();
    let valid = new.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && new.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Failure::refused(format!(
            "`{new}` is not a name: a name starts with a letter and holds letters, digits and `_`"
        )));
    }
    let Some((mut graph, file, definition, _)) = target(server, &params.text_document_position)
    else {
        return Err(Failure::refused(
            "only a declared name (an outcome, cohort, funnel, stage, measure or group) can be renamed",
        ));
    };
    // A specification's stage is renamed in the bids on it too.
    graph.add_users_of(server, &file);
    let occurrences = graph.occurrences(&file, &definition);
    for (key, _) in &occurrences {
        if let Some((at, clash)) = graph.resolve(key, new) {
            if clash.name == definition.name {
                continue;
            }
            let shown = graph
                .files
                .get(&at)
                .and_then(|(uri, _)| convert::uri_to_path(uri))
                .map_or(at.clone(), |p| files::shown(&p));
            return Err(Failure::refused(format!(
                "`{new}` is already the name of {} `{new}` in `{shown}`; choose another name",
                article(clash.kind)
            )));
        }
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (key, span) in occurrences {
        if let Some(location) = graph.location(&key, span) {
            changes
                .entry(location.uri)
                .or_default()
                .push(TextEdit::new(location.range, new.to_string()));
        }
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}

fn article(kind: Kind) -> String {
    let word = kind.word();
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {word}")
    } else {
        format!("a {word}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_of_two_words() {
        assert_eq!(end_of_two_words("cap £1,200,000 total"), Some(15));
        assert_eq!(end_of_two_words("  payer \"Fund\" pays"), Some(14));
        assert_eq!(end_of_two_words("cap £5"), Some(7));
        assert_eq!(end_of_two_words("cap"), None);
    }
}
