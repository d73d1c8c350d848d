//! The Language Server Protocol's framing on standard input and output, written here rather
//! than taken from `lsp-server` (`Connection::stdio`), whose reader ends the session on the
//! first frame it cannot read: a frame whose body is not JSON, JSON that is no message, a
//! header block without a readable `Content-Length`. Here each gets an error answer (JSON-RPC's
//! `-32700` or `-32600`, with a `null` id unless the message had one) and the session goes on.
//!
//! A reader thread turns frames into messages for the server's connection; a writer thread
//! writes what the server sends. Both write whole frames under the lock of standard output,
//! so an error answer never lands inside another message.

use lsp_server::{Connection, ErrorCode, Message};
use std::io::{self, BufRead, Read, Write};
use std::thread::JoinHandle;

/// The server's end of a connection over standard input and output, and the thread writing
/// to standard output (it ends once the connection is dropped and all is written).
pub(super) fn stdio() -> Result<(Connection, JoinHandle<io::Result<()>>), String> {
    let (server, client) = Connection::memory();
    let Connection { sender, receiver } = client;
    std::thread::Builder::new()
        .name("outcome-lsp-reader".to_string())
        .spawn(move || {
            let mut frames = Frames::new(io::stdin().lock());
            // Ends at the end of input, at `exit`, or once the server is gone; dropping the
            // sender then tells the server no more is coming.
            while let Ok(Some(frame)) = frames.next() {
                match parse(frame) {
                    Ok(message) => {
                        let exit =
                            matches!(&message, Message::Notification(n) if n.method == "exit");
                        if sender.send(message).is_err() || exit {
                            return;
                        }
                    }
                    Err(error) => {
                        if write_frame(&mut io::stdout().lock(), &error).is_err() {
                            return;
                        }
                    }
                }
            }
        })
        .map_err(|e| format!("no thread could be started to read standard input: {e}"))?;
    let writer = std::thread::Builder::new()
        .name("outcome-lsp-writer".to_string())
        .spawn(move || {
            for message in receiver {
                message.write(&mut io::stdout().lock())?;
            }
            Ok(())
        })
        .map_err(|e| format!("no thread could be started to write standard output: {e}"))?;
    Ok((server, writer))
}

/// What one frame held.
#[derive(Debug)]
enum Frame {
    Body(Vec<u8>),
    /// A header block without a readable `Content-Length`, and what was wrong with it.
    Unreadable(String),
}

/// The frames of an input, one at a time.
struct Frames<R> {
    input: R,
    /// Whether the last header block was unreadable: its body, if it had one, is of unknown
    /// length, so the next frame is looked for at the next `Content-Length`.
    lost: bool,
}

const CONTENT_LENGTH: &[u8] = b"content-length";

impl<R: BufRead> Frames<R> {
    fn new(input: R) -> Self {
        Frames { input, lost: false }
    }

    /// The next frame; `None` at the end of the input.
    fn next(&mut self) -> io::Result<Option<Frame>> {
        let mut line = Vec::new();
        if std::mem::take(&mut self.lost) && !self.skip_to_content_length(&mut line)? {
            return Ok(None);
        }
        let mut length: Option<Result<usize, String>> = None;
        let mut problem = None;
        let mut headers = 0;
        loop {
            if self.input.read_until(b'\n', &mut line)? == 0 {
                return Ok(None);
            }
            let text = String::from_utf8_lossy(&line);
            let mut header = text.trim_end_matches(['\r', '\n']);
            // What is left of a body longer than its `Content-Length` said comes before the
            // next header: the header is read from where it starts.
            if let Some(at) = header.to_ascii_lowercase().find("content-length") {
                header = &header[at..];
            }
            if header.is_empty() {
                if headers == 0 {
                    // A stray blank line between frames.
                    line.clear();
                    continue;
                }
                break;
            }
            headers += 1;
            match header.split_once(':') {
                Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                    let value = value.trim();
                    length = Some(value.parse().map_err(|_| {
                        format!("the header's `Content-Length` is `{value}`, not a number")
                    }));
                }
                Some(_) => {}
                None => {
                    problem.get_or_insert_with(|| format!("the header line `{header}` has no `:`"));
                }
            }
            line.clear();
        }
        let length = match length {
            Some(Ok(length)) => length,
            Some(Err(message)) => return Ok(Some(self.unreadable(message))),
            None => {
                let message =
                    problem.unwrap_or_else(|| "the header has no `Content-Length`".into());
                return Ok(Some(self.unreadable(message)));
            }
        };
        let mut body = Vec::new();
        (&mut self.input)
            .take(length as u64)
            .read_to_end(&mut body)?;
        if body.len() < length {
            return Ok(None);
        }
        Ok(Some(Frame::Body(body)))
    }

    fn unreadable(&mut self, message: String) -> Frame {
        self.lost = true;
        Frame::Unreadable(message)
    }

    /// Read up to and including the next `Content-Length` (in any case), which is left in
    /// `line`; `false` at the end of the input.
    fn skip_to_content_length(&mut self, line: &mut Vec<u8>) -> io::Result<bool> {
        loop {
            let buffer = self.input.fill_buf()?;
            let Some(&byte) = buffer.first() else {
                return Ok(false);
            };
            self.input.consume(1);
            line.push(byte);
            if line.len() > CONTENT_LENGTH.len() {
                line.remove(0);
            }
            if line.eq_ignore_ascii_case(CONTENT_LENGTH) {
                return Ok(true);
            }
        }
    }
}

/// The message a frame holds, or the error answer to send back for it.
fn parse(frame: Frame) -> Result<Message, serde_json::Value> {
    let body = match frame {
        Frame::Body(body) => body,
        Frame::Unreadable(message) => return Err(error(None, ErrorCode::ParseError, message)),
    };
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        error(
            None,
            ErrorCode::ParseError,
            format!("the message is not JSON: {e}"),
        )
    })?;
    // The id, if the message has one an answer can carry.
    let id = value
        .get("id")
        .filter(|id| id.is_string() || id.is_i64())
        .cloned();
    // A response has a result or an error, and no method (`lsp-server` would take one with
    // neither, or with a method that is not text, for a response).
    let response = value.get("method").is_none()
        && value.get("result").is_some() != value.get("error").is_some();
    let message = serde_json::from_value(value)
        .ok()
        .filter(|message| !matches!(message, Message::Response(_)) || response);
    message.ok_or_else(|| {
        error(
            id,
            ErrorCode::InvalidRequest,
            "the message is no JSON-RPC request, notification or response".to_string(),
        )
    })
}

fn error(id: Option<serde_json::Value>, code: ErrorCode, message: String) -> serde_json::Value {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code as i32, "message": message},
    })
}

fn write_frame(output: &mut impl Write, message: &serde_json::Value) -> io::Result<()> {
    let body = message.to_string();
    write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<String> {
        let mut frames = Frames::new(input.as_bytes());
        let mut read = Vec::new();
        while let Some(frame) = frames.next().unwrap() {
            read.push(match frame {
                Frame::Body(body) => String::from_utf8(body).unwrap(),
                Frame::Unreadable(_) => "?".to_string(),
            });
        }
        read
    }

    #[test]
    fn an_unreadable_header_loses_only_its_own_frame() {
        assert_eq!(
            frames("Content-Length: 2\r\n\r\n{}Content-Length: 1\r\n\r\n5"),
            ["{}", "5"]
        );
        assert_eq!(
            frames("Content-Type: x\r\n\r\nContent-Length: 2\r\n\r\n{}"),
            ["?", "{}"]
        );
        assert_eq!(
            frames("Content-Length: abc\r\n\r\n{\"a\":1}content-length: 2\r\n\r\n{}"),
            ["?", "{}"]
        );
        assert_eq!(
            frames("garbage\r\n\r\nxyzContent-Length: 2\n\n{}"),
            ["?", "{}"]
        );
        // A body longer than its `Content-Length`: the rest is dropped, the next frame read.
        assert_eq!(
            frames("Content-Length: 2\r\n\r\n{}}Content-Length: 1\r\n\r\n5"),
            ["{}", "5"]
        );
        // Cut off: what was there is taken, the rest is the end.
        assert_eq!(frames("Content-Length: 9\r\n\r\n{}"), Vec::<String>::new());
    }

    #[test]
    fn bodies_that_are_no_message_get_the_json_rpc_error() {
        let code = |body: &str| match parse(Frame::Body(body.as_bytes().to_vec())) {
            Ok(_) => None,
            Err(error) => Some((error["error"]["code"].clone(), error["id"].clone())),
        };
        assert_eq!(code("{abc}"), Some((json(-32700), serde_json::Value::Null)));
        assert_eq!(code("[]"), Some((json(-32600), serde_json::Value::Null)));
        assert_eq!(code("5"), Some((json(-32600), serde_json::Value::Null)));
        assert_eq!(
            code(r#"{"jsonrpc":"2.0"}"#),
            Some((json(-32600), serde_json::Value::Null))
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":7,"method":5}"#),
            Some((json(-32600), json(7)))
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":"x","result":1,"error":{"code":1,"message":""}}"#),
            Some((json(-32600), "x".into()))
        );
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":7,"method":"x"}"#), None);
        assert_eq!(code(r#"{"jsonrpc":"2.0","id":7,"result":null}"#), None);
    }

    fn json(n: i64) -> serde_json::Value {
        serde_json::Value::from(n)
    }
}
