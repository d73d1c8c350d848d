//! A client of `outcome lsp` as an editor is one: the real binary, Language Server Protocol
//! messages over its standard input and output. Used by tests/lsp.rs and by the keystroke
//! benchmark (benches/lsp.rs).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long any one answer may take before the test gives up (a debug build, a busy machine).
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A running server and the messages it has sent that no one has asked for yet.
pub struct Client {
    pub child: Child,
    pub stdin: ChildStdin,
    incoming: Receiver<Value>,
    pub waiting: Vec<Value>,
    next_id: i64,
}

impl Client {
    /// Start `outcome lsp` in `dir` and complete the handshake.
    pub fn start(dir: &Path) -> Client {
        Client::start_binary(Path::new(env!("CARGO_BIN_EXE_outcome")), dir)
    }

    pub fn start_binary(binary: &Path, dir: &Path) -> Client {
        Client::start_with(binary, dir, json!({}))
    }

    /// Start with `more` added to the `initialize` parameters (`initializationOptions`, the
    /// client's `capabilities`).
    pub fn start_with(binary: &Path, dir: &Path, more: Value) -> Client {
        let mut child = Command::new(binary)
            .arg("lsp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut client = Client {
            child,
            stdin,
            incoming,
            waiting: Vec::new(),
            next_id: 1,
        };
        let root = format!("file://{}", dir.display());
        let mut params = json!({"processId": null, "rootUri": root, "capabilities": {}});
        for (key, value) in more.as_object().unwrap() {
            params[key] = value.clone();
        }
        let answer = client.request("initialize", params);
        let capabilities = &answer["result"]["capabilities"];
        for provider in [
            "hoverProvider",
            "definitionProvider",
            "referencesProvider",
            "documentSymbolProvider",
            "documentFormattingProvider",
            "renameProvider",
            "completionProvider",
            "codeActionProvider",
        ] {
            assert!(!capabilities[provider].is_null(), "no {provider}: {answer}");
        }
        client.notify("initialized", json!({}));
        client
    }

    pub fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its answer (the whole response, `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    pub fn result(&mut self, method: &str, params: Value) -> Value {
        let answer = self.request(method, params);
        assert!(answer.get("error").is_none(), "{method} failed: {answer}");
        answer["result"].clone()
    }

    /// The first message, already received or still to come, that `wanted` accepts.
    pub fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.waiting.iter().position(&wanted) {
            return self.waiting.remove(i);
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if wanted(&message) => return message,
                Ok(message) => self.waiting.push(message),
                Err(RecvTimeoutError::Timeout) => panic!("no answer; received {:?}", self.waiting),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server stopped; received {:?}", self.waiting)
                }
            }
        }
    }

    /// The next diagnostics published for `uri`, dropping any published before.
    pub fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        self.waiting.retain(|m| !is_diagnostics_for(m, uri));
        let message = self.wait_for(|m| is_diagnostics_for(m, uri));
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "outcome", "version": 1, "text": text}}),
        );
    }

    pub fn replace(&mut self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    /// `shutdown`, `exit`, and the server ends with status 0.
    pub fn stop(mut self) {
        let answer = self.request("shutdown", Value::Null);
        assert_eq!(answer["result"], Value::Null, "{answer}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the server ended with {status}");
                return;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn is_diagnostics_for(message: &Value, uri: &str) -> bool {
    message["method"] == "textDocument/publishDiagnostics" && message["params"]["uri"] == uri
}

pub fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

pub fn uri_of(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

pub fn position(text: &str, needle: &str) -> Value {
    let at = text.find(needle).unwrap_or_else(|| panic!("no `{needle}`"));
    let line = text[..at].matches('\n').count();
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let column = text[start..at].encode_utf16().count();
    json!({"line": line, "character": column})
}

/// A contract of about `lines` lines: as many programmes (`shapes::programme`: an outcome, a
/// cohort, a six-stage funnel, a measure, three prices) as fit, as in the throughput
/// benchmark.
pub fn long_contract(lines: usize) -> String {
    let mut text = String::from(
        "contract \"Borough portfolio\" {\n  commissioner \"Northfield Borough Council\"\n  \
         provider \"Community Partnership\"\n  term 2026-04-01 to 2028-03-31\n  \
         referrals until 2027-03-31\n  funding limit £999,999,999,999\n}\n\n",
    );
    let mut payments = String::from("payments {\n  fixed £15,000 per quarter\n");
    let mut n = 0;
    while text.lines().count() + payments.lines().count() + 2 < lines {
        crate::shapes::programme(&mut text, &mut payments, n);
        n += 1;
    }
    payments.push_str("  cap £999,999,999,999 total\n}\n");
    text + &payments
}

/// Open a contract of about `lines` lines in `dir` with the server `binary`, then type into
/// its first programme's description and take it out again, one character a change, as an
/// editor sends it: the time from each of `changes` changes (`didChange`) to its diagnostics
/// being published, sorted, and the contract's lines. Every publication must hold no error.
pub fn keystrokes(
    binary: &Path,
    dir: &Path,
    lines: usize,
    changes: usize,
) -> (usize, Vec<Duration>) {
    let text = long_contract(lines);
    let path = dir.join("portfolio.outcome");
    std::fs::write(&path, &text).unwrap();
    let uri = uri_of(&path);
    let mut client = Client::start_binary(binary, dir);
    client.open(&uri, &text);
    let first = client.diagnostics(&uri);
    assert!(first.iter().all(|d| d["severity"] != 1), "{first:?}");
    let at = position(&text, "programme 0\"");
    let mut times = Vec::with_capacity(changes);
    for i in 0..changes {
        let (range_end, inserted) = if i % 2 == 0 {
            (at.clone(), "x")
        } else {
            let mut end = at.clone();
            end["character"] = json!(end["character"].as_u64().unwrap() + 1);
            (end, "")
        };
        let started = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": i + 2},
                   "contentChanges": [{"range": {"start": at, "end": range_end}, "text": inserted}]}),
        );
        let published = client.diagnostics(&uri);
        times.push(started.elapsed());
        assert!(
            published.iter().all(|d| d["severity"] != 1),
            "{published:?}"
        );
    }
    client.stop();
    times.sort();
    (text.lines().count(), times)
}
