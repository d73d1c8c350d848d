//! `outcome lsp`: a language server over standard input and output.
//!
//! Takes the Language Server Protocol's messages and hands on diagnostics, hovers, the
//! outline, navigation, completion and formatting, each computed by the compiler itself:
//! diagnostics are `check`'s (through `workspace`, with the editor's open buffers read in
//! place of the files on disk), hovers read the checked model, formatting is `fmt`.
//!
//! The server is synchronous (`lsp-server`): one message at a time, on one thread. Messages
//! that arrive together are all taken before diagnostics are computed, so a burst of
//! keystrokes is checked once (the debounce), and a request is always answered from the text
//! as of every change before it. Each repository's workspace is kept between checks, so a
//! keystroke in a contract checks the contract again, not the files it uses.
//!
//! Architecture invariant: nothing a client sends ends the server but `exit`. A request that
//! cannot be answered gets an error response; a file that does not parse keeps the last index
//! and figures that were good.

mod actions;
mod complete;
mod convert;
mod diagnostics;
mod hover;
mod index;
mod navigate;
mod transport;

use crate::source::SourceFile;
use crate::workspace::{Loaded, Workspace};
use crate::{files, syntax};
use convert::Lines;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CompletionOptions, HoverProviderCapability, OneOf, PublishDiagnosticsParams, RenameOptions,
    ServerCapabilities, ServerInfo, TextDocumentContentChangeEvent, TextDocumentSyncCapability,
    TextDocumentSyncKind, Uri,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Run the server on standard input and output until the client says `exit`.
pub fn serve_stdio() -> Result<(), String> {
    let (connection, writer) = transport::stdio()?;
    let served = serve(&connection);
    // Dropping the connection lets the writer finish what is queued. The reader is not
    // waited for: it has stopped at `exit` or at the end of the input, or else the session
    // is over all the same.
    drop(connection);
    let written = match writer.join() {
        Ok(written) => written.map_err(|e| format!("the connection to the editor failed: {e}")),
        Err(_) => Err("the connection to the editor failed".to_string()),
    };
    served.and(written)
}

/// Run the server on a connection: the handshake, then messages until `exit`.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let capabilities = serde_json::to_value(capabilities())
        .map_err(|e| format!("the server's capabilities could not be written: {e}"))?;
    let initialize = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "outcome".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        },
    });
    let (id, params) = connection
        .initialize_start()
        .map_err(|e| format!("the editor did not start the session: {e}"))?;
    connection
        .initialize_finish(id, initialize)
        .map_err(|e| format!("the editor did not start the session: {e}"))?;
    let mut settings = Settings::default();
    settings.apply(&params["initializationOptions"]);
    let workspace = &params["capabilities"]["workspace"];
    let mut server = Server {
        connection,
        documents: BTreeMap::new(),
        stale: BTreeSet::new(),
        workspaces: BTreeMap::new(),
        used: BTreeMap::new(),
        settings,
        pulls_configuration: workspace["configuration"] == true,
        refreshes_hints: workspace["inlayHint"]["refreshSupport"] == true,
        asked: 0,
    };
    // `initialize_finish` has taken `initialized`: the settings can be asked for now.
    server.pull_configuration();
    server.run()
}

/// What the editor can switch, read from `initializationOptions` and from the settings of
/// `workspace/didChangeConfiguration` or `workspace/configuration`, in the section `outcome`:
/// `{"outcome": {"inlayHints": {"conversion": true, "rateCard": true}}}`. A setting not given
/// keeps its value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub inlay_hints: InlayHints,
}

/// Which inlay hints are shown: the computed conversions, the running rate card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InlayHints {
    pub conversion: bool,
    pub rate_card: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            inlay_hints: InlayHints {
                conversion: true,
                rate_card: true,
            },
        }
    }
}

impl Settings {
    /// Take the settings in `value`: the section `outcome`, or an object holding it.
    fn apply(&mut self, value: &serde_json::Value) {
        let section = value.get("outcome").unwrap_or(value);
        let hints = &section["inlayHints"];
        if let Some(on) = hints["conversion"].as_bool() {
            self.inlay_hints.conversion = on;
        }
        if let Some(on) = hints["rateCard"].as_bool() {
            self.inlay_hints.rate_card = on;
        }
    }
}

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions::default()),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        inlay_hint_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// One open document.
#[derive(Debug)]
struct Document {
    uri: Uri,
    /// The file it is, canonical; `None` for a buffer never saved (`untitled:`).
    path: Option<PathBuf>,
    /// The repository it is checked in (the nearest folder above it with `.git`).
    root: Option<PathBuf>,
    /// Whether its last check found a contract that no file can use (`use` cannot name a
    /// contract, and it is no specification a bid could name): an edit to it then changes no
    /// other file's check.
    is_contract: bool,
    text: Arc<str>,
    lines: Lines,
    /// The text's index, when it has been built for this text (`None` when the text changed
    /// since, or does not parse).
    index: Option<Arc<Indexed>>,
    /// The newest version of the text that parsed, and its index once built.
    good_text: Option<Arc<str>>,
    good_index: Option<Arc<Indexed>>,
    /// The newest check of a version that gave a contract: the figures hovers show.
    good: Option<Arc<Loaded>>,
}

/// A text that parsed, with its index.
#[derive(Debug)]
pub(crate) struct Indexed {
    pub text: Arc<str>,
    pub lines: Lines,
    pub index: index::Index,
}

impl Indexed {
    fn of(text: Arc<str>) -> Option<Indexed> {
        let file = SourceFile::new("", Arc::clone(&text));
        let tree = syntax::parse(&file).ok()?;
        Some(Indexed {
            lines: Lines::new(&text),
            index: index::build(&text, &tree),
            text,
        })
    }
}

struct Server<'a> {
    connection: &'a Connection,
    documents: BTreeMap<String, Document>,
    /// Documents changed since their diagnostics were last published.
    stale: BTreeSet<String>,
    /// A workspace for each repository with open documents, kept from one check to the next
    /// so that the files a contract uses are read and checked once, not at every keystroke.
    /// Each holds every open document in place of its file. An edit to a contract replaces
    /// the contract alone in them (nothing uses a contract, unless it is a specification,
    /// which bids name); any other edit, and opening, saving or closing a file, starts them
    /// afresh.
    workspaces: BTreeMap<PathBuf, Kept>,
    /// The indexes of files reached through `use` that are not open, with the size and time
    /// of the file they were built from: read again only when the file changes.
    used: BTreeMap<PathBuf, (std::fs::Metadata, Arc<Indexed>)>,
    settings: Settings,
    /// Whether the editor answers `workspace/configuration`, and asks for inlay hints again
    /// on `workspace/inlayHint/refresh`.
    pulls_configuration: bool,
    refreshes_hints: bool,
    /// How many requests the server has sent the editor: the next one's id.
    asked: u64,
}

/// A kept workspace, and the size and time of each file it read from disk: should one of
/// them change (a `git checkout`, another program), the workspace is started afresh.
struct Kept {
    workspace: Workspace,
    read: BTreeMap<PathBuf, Stamp>,
}

type Stamp = Option<(u64, std::time::SystemTime)>;

fn stamp(path: &Path) -> Stamp {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), metadata.modified().ok()?))
}

impl Kept {
    /// Whether every file read from disk is as it was.
    fn current(&self) -> bool {
        self.read.iter().all(|(path, seen)| stamp(path) == *seen)
    }

    /// Remember the files read since last asked, all but the open documents.
    fn note_reads(&mut self, open: &BTreeSet<&Path>) {
        let new: Vec<PathBuf> = self
            .workspace
            .files()
            .filter(|p| !open.contains(p) && !self.read.contains_key(*p))
            .map(Path::to_path_buf)
            .collect();
        for path in new {
            let seen = stamp(&path);
            self.read.insert(path, seen);
        }
    }
}

impl Server<'_> {
    fn run(&mut self) -> Result<(), String> {
        loop {
            let Ok(first) = self.connection.receiver.recv() else {
                return Ok(());
            };
            let mut next = Some(first);
            // Take every message already waiting before checking anything.
            while let Some(message) = next {
                if self.handle_guarded(message)? {
                    return Ok(());
                }
                next = self.connection.receiver.try_recv().ok();
            }
            self.guarded(|server| server.publish_stale())?;
        }
    }

    /// `handle`, and should the compiler ever panic on some text (a bug: it must not), an
    /// error answer to the request, if it was one, and the server goes on.
    fn handle_guarded(&mut self, message: Message) -> Result<bool, String> {
        let id = match &message {
            Message::Request(request) => Some(request.id.clone()),
            _ => None,
        };
        let handled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.handle(message)));
        match handled {
            Ok(result) => result,
            Err(_) => {
                if let Some(id) = id {
                    self.send(Message::Response(Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        "`outcome` failed on this file; please report it with the file".to_string(),
                    )))?;
                }
                Ok(false)
            }
        }
    }

    fn guarded(
        &mut self,
        work: impl FnOnce(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(self))).unwrap_or(Ok(()))
    }

    /// Handle one message; `true` when the session is over.
    fn handle(&mut self, message: Message) -> Result<bool, String> {
        match message {
            Message::Request(request) => {
                if self
                    .connection
                    .handle_shutdown(&request)
                    .map_err(|e| format!("the editor broke off the session: {e}"))?
                {
                    return Ok(true);
                }
                // Requests answer from the text as changed so far; diagnostics first, so a
                // client sees them before the answer.
                self.publish_stale()?;
                let response = self.respond(request);
                self.send(Message::Response(response))?;
            }
            Message::Notification(notification) => self.notify(notification),
            Message::Response(response) => {
                // The answer to `workspace/configuration`: one value, the section `outcome`.
                let configuration = response.id.to_string().contains(CONFIGURATION_ID);
                if let (true, Some(result)) = (configuration, response.result) {
                    self.configure(&result[0]);
                }
            }
        }
        Ok(false)
    }

    /// Take new settings; have the editor ask for the inlay hints again if they changed.
    fn configure(&mut self, settings: &serde_json::Value) {
        let before = self.settings.inlay_hints;
        self.settings.apply(settings);
        if self.settings.inlay_hints != before && self.refreshes_hints {
            self.ask(
                req::InlayHintRefreshRequest::METHOD,
                serde_json::Value::Null,
            );
        }
    }

    /// Ask the editor for the section `outcome` of its settings, if it answers such requests.
    fn pull_configuration(&mut self) {
        if self.pulls_configuration {
            let items = serde_json::json!({"items": [{"section": "outcome"}]});
            self.ask(req::WorkspaceConfiguration::METHOD, items);
        }
    }

    /// Send the editor a request; its answer comes back as a message like any other.
    fn ask(&mut self, method: &str, params: serde_json::Value) {
        self.asked += 1;
        let kind = if method == req::WorkspaceConfiguration::METHOD {
            CONFIGURATION_ID
        } else {
            "outcome"
        };
        let id = lsp_server::RequestId::from(format!("{kind}-{}", self.asked));
        let _ = self.send(Message::Request(Request::new(
            id,
            method.to_string(),
            params,
        )));
    }

    fn send(&self, message: Message) -> Result<(), String> {
        self.connection
            .sender
            .send(message)
            .map_err(|_| "the connection to the editor closed".to_string())
    }

    fn notify(&mut self, notification: Notification) {
        match notification.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                if let Ok(params) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(
                    notification.params,
                ) {
                    let document = params.text_document;
                    self.open(document.uri, document.text.into());
                }
            }
            note::DidChangeTextDocument::METHOD => {
                if let Ok(params) = serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(
                    notification.params,
                ) {
                    self.change(&params.text_document.uri, params.content_changes);
                }
            }
            note::DidCloseTextDocument::METHOD => {
                if let Ok(params) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(
                    notification.params,
                ) {
                    let key = params.text_document.uri.as_str().to_string();
                    self.documents.remove(&key);
                    self.stale.remove(&key);
                    // A closed file's problems are no longer shown.
                    let _ = self.send(publish(params.text_document.uri, Vec::new()));
                    // The files that use it read it from disk again.
                    self.workspaces.clear();
                    self.stale.extend(self.documents.keys().cloned());
                }
            }
            note::DidChangeConfiguration::METHOD => {
                // The settings themselves, or (a client that is asked for them) nothing.
                let settings = &notification.params["settings"];
                if settings.is_object() && !settings.as_object().is_some_and(|s| s.is_empty()) {
                    self.configure(settings);
                } else {
                    self.pull_configuration();
                }
            }
            note::DidSaveTextDocument::METHOD => {
                // Saving may have changed other files on disk too (a save-all, a formatter).
                self.workspaces.clear();
                self.stale.extend(self.documents.keys().cloned());
            }
            _ => {}
        }
    }

    fn open(&mut self, uri: Uri, text: Arc<str>) {
        let path = convert::uri_to_path(&uri).and_then(|p| std::fs::canonicalize(p).ok());
        let root = path
            .as_deref()
            .map(|p| files::repository_of(p.parent().unwrap_or(p)));
        let key = uri.as_str().to_string();
        let lines = Lines::new(&text);
        self.documents.insert(
            key.clone(),
            Document {
                uri,
                path,
                root,
                is_contract: false,
                text,
                lines,
                index: None,
                good_text: None,
                good_index: None,
                good: None,
            },
        );
        // A file others use changes what they find: recheck every open file.
        self.workspaces.clear();
        self.stale.extend(self.documents.keys().cloned());
    }

    fn change(&mut self, uri: &Uri, changes: Vec<TextDocumentContentChangeEvent>) {
        let Some(document) = self.documents.get_mut(uri.as_str()) else {
            return;
        };
        let mut text = document.text.to_string();
        let mut lines = document.lines.clone();
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = lines.offset(&text, range.start);
                    let end = lines.offset(&text, range.end).max(start);
                    text.replace_range(start..end, &change.text);
                }
                None => text = change.text,
            }
            lines = Lines::new(&text);
        }
        document.text = text.into();
        document.lines = lines;
        document.index = None;
        if document.is_contract {
            // Nothing uses this contract: it alone is checked again, the rest kept.
            if let Some(path) = &document.path {
                for kept in self.workspaces.values_mut() {
                    kept.workspace
                        .overlay(path.clone(), Arc::clone(&document.text));
                }
            }
            self.stale.insert(uri.as_str().to_string());
        } else {
            self.workspaces.clear();
            self.stale.extend(self.documents.keys().cloned());
        }
    }

    /// Check every stale document and publish what was found; again should a check find
    /// that a contract has become a file others could use, which makes every file stale.
    fn publish_stale(&mut self) -> Result<(), String> {
        while !self.stale.is_empty() {
            let stale = std::mem::take(&mut self.stale);
            for key in stale {
                if let Some(message) = self.check(&key) {
                    self.send(message)?;
                }
            }
        }
        Ok(())
    }

    /// Load `path` in the kept workspace of `root` (made with every open document in place
    /// of its file, and made again when a file it read from disk has changed there).
    fn load(&mut self, root: &Path, path: &Path) -> Option<Arc<Loaded>> {
        if self
            .workspaces
            .get(root)
            .is_some_and(|kept| !kept.current())
        {
            self.workspaces.remove(root);
        }
        let documents = &self.documents;
        let kept = self
            .workspaces
            .entry(root.to_path_buf())
            .or_insert_with(|| {
                let mut workspace = Workspace::at_root(root.to_path_buf());
                for document in documents.values() {
                    if let Some(path) = &document.path {
                        workspace.overlay(path.clone(), Arc::clone(&document.text));
                    }
                }
                Kept {
                    workspace,
                    read: BTreeMap::new(),
                }
            });
        let loaded = kept.workspace.load(path).ok();
        let open: BTreeSet<&Path> = documents
            .values()
            .filter_map(|d| d.path.as_deref())
            .collect();
        kept.note_reads(&open);
        loaded
    }

    /// Check one open document as `check` would, the open buffers read in place of the files
    /// on disk: the `publishDiagnostics` notification for it.
    fn check(&mut self, key: &str) -> Option<Message> {
        let (path, root) = {
            let document = self.documents.get(key)?;
            (document.path.clone(), document.root.clone())
        };
        let loaded = match (path, root) {
            (Some(path), Some(root)) => self.load(&root, &path),
            _ => None,
        };
        let document = self.documents.get_mut(key)?;
        let loaded = match loaded {
            Some(loaded) => loaded,
            // Not a file on disk, or one that can no longer be read: checked alone.
            None => {
                let (file, compiled) = crate::compile_bytes("", document.text.as_bytes());
                Arc::new(Loaded {
                    file,
                    compiled,
                    is_contract: true,
                })
            }
        };
        let diagnostics = diagnostics::convert(
            &document.uri,
            &document.text,
            &document.lines,
            &loaded.compiled.diagnostics,
        );
        if loaded.compiled.contract.is_some() {
            document.good = Some(Arc::clone(&loaded));
        }
        // A specification is a contract that bids name: editing it changes their checks. A
        // text that merely mentions `bidding` is taken for one too, which costs only a check
        // of the other open files, where parsing it again to know would cost every keystroke.
        let leaf = loaded.is_contract && !document.text.contains("bidding");
        let was_contract = std::mem::replace(&mut document.is_contract, leaf);
        if was_contract && !leaf {
            // No longer a contract: files that use it may find it now.
            self.workspaces.clear();
            self.stale
                .extend(self.documents.keys().filter(|k| k.as_str() != key).cloned());
        }
        let document = self.documents.get_mut(key)?;
        // Every code that stops parsing is a syntax code, `E01..`; without one the text has
        // a syntax tree, and navigation falls back to it while later edits do not parse.
        let parsed = !loaded
            .compiled
            .diagnostics
            .iter()
            .any(|d| d.code.as_str().starts_with("E01"));
        if parsed {
            document.good_text = Some(Arc::clone(&document.text));
        }
        Some(publish(document.uri.clone(), diagnostics))
    }

    /// The index of an open document's text, or of the newest version that parsed.
    fn indexed(&mut self, uri: &Uri) -> Option<Arc<Indexed>> {
        let document = self.documents.get_mut(uri.as_str())?;
        if document.index.is_none() {
            if let Some(indexed) = Indexed::of(Arc::clone(&document.text)) {
                let indexed = Arc::new(indexed);
                document.index = Some(Arc::clone(&indexed));
                document.good_index = Some(indexed);
                document.good_text = Some(Arc::clone(&document.text));
            } else if let Some(good) = &document.good_text {
                let stale = document
                    .good_index
                    .as_ref()
                    .is_none_or(|indexed| !Arc::ptr_eq(&indexed.text, good));
                if stale {
                    document.good_index = Indexed::of(Arc::clone(good)).map(Arc::new);
                }
            }
        }
        document
            .index
            .clone()
            .or_else(|| document.good_index.clone())
    }

    fn respond(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            req::HoverRequest::METHOD => self.answer(request, navigate::hover),
            req::GotoDefinition::METHOD => self.answer(request, navigate::definition),
            req::References::METHOD => self.answer(request, navigate::references),
            req::DocumentSymbolRequest::METHOD => self.answer(request, navigate::symbols),
            req::PrepareRenameRequest::METHOD => self.answer(request, navigate::prepare_rename),
            req::Rename::METHOD => self.answer(request, navigate::rename),
            req::Completion::METHOD => self.answer(request, complete::completion),
            req::Formatting::METHOD => self.answer(request, actions::formatting),
            req::CodeActionRequest::METHOD => self.answer(request, actions::code_actions),
            req::InlayHintRequest::METHOD => self.answer(request, actions::inlay_hints),
            method => Err(Failure::new(
                ErrorCode::MethodNotFound,
                format!("`outcome lsp` does not answer `{method}`"),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err(failure) => Response::new_err(id, failure.code as i32, failure.message),
        }
    }

    fn answer<P, R>(
        &mut self,
        request: Request,
        handler: fn(&mut Server, P) -> Result<R, Failure>,
    ) -> Result<serde_json::Value, Failure>
    where
        P: serde::de::DeserializeOwned,
        R: serde::Serialize,
    {
        let params: P = serde_json::from_value(request.params).map_err(|e| {
            Failure::new(
                ErrorCode::InvalidParams,
                format!(
                    "the request's parameters do not fit `{}`: {e}",
                    request.method
                ),
            )
        })?;
        let result = handler(self, params)?;
        serde_json::to_value(result)
            .map_err(|e| Failure::new(ErrorCode::InternalError, format!("{e}")))
    }
}

/// The start of the id of the server's `workspace/configuration` requests.
const CONFIGURATION_ID: &str = "outcome-configuration";

/// Why a request got no answer.
#[derive(Debug)]
pub(crate) struct Failure {
    code: ErrorCode,
    message: String,
}

impl Failure {
    fn new(code: ErrorCode, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// A request the server understood but refuses, saying why.
    fn refused(message: impl Into<String>) -> Failure {
        Failure::new(ErrorCode::RequestFailed, message)
    }
}

fn publish(uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>) -> Message {
    Message::Notification(Notification::new(
        note::PublishDiagnostics::METHOD.to_string(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        },
    ))
}
