//! MCP messages as lines of JSON (the stdio framing), with an answer for every line.
//!
//! rmcp's own line transport drops a line it cannot parse without a word, so a client that
//! sent a request on it waits out its own timeout. This transport reads the lines itself and
//! answers, as JSON-RPC says:
//! - a line that is not JSON (or not UTF-8, or truncated): -32700 "Parse error" saying what is
//!   wrong; with the request's id when it can still be read from the line (a lone surrogate
//!   escape such as `"\ud800"`, a bad byte inside a string), else with id null;
//! - JSON that is not a valid message: -32600 "Invalid request", with its id when it has one;
//! - a line longer than [`MAX_LINE`]: -32600, and the line is skipped.
//!
//! Notifications and responses that cannot be read are never answered (JSON-RPC forbids it);
//! they are logged. Everything readable is handed to rmcp unchanged, and the server keeps
//! serving.
//!
//! Before a session's lifecycle starts (an `initialize`, or a first request carrying MCP
//! 2026-07-28's required `_meta`), a request that is neither gets an error saying what to
//! send first, and a notification is dropped: rmcp would otherwise end the session on it.

use std::future::Future;
use std::io;
use std::sync::Arc;

use rmcp::model::{
    ClientJsonRpcMessage, ClientRequest, ErrorCode, ErrorData, GetMeta, ProtocolVersion, RequestId,
    ServerJsonRpcMessage,
};
use rmcp::transport::Transport;
use rmcp::RoleServer;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

/// The longest line accepted (rmcp's own limit).
pub const MAX_LINE: usize = 16 * 1024 * 1024;

pub struct LineTransport<R, W> {
    read: BufReader<R>,
    /// Bytes of the line being read (kept across cancelled reads).
    line: Vec<u8>,
    /// Skipping the rest of an over-long line.
    discarding: bool,
    /// rmcp's messages and this transport's own answers, one whole line at a time.
    write: Arc<tokio::sync::Mutex<W>>,
    /// The session's lifecycle has started (see the module doc).
    started: bool,
    /// Cancelled when the input ends: the client has gone.
    input_closed: CancellationToken,
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> LineTransport<R, W> {
    pub fn new(read: R, write: W) -> LineTransport<R, W> {
        LineTransport {
            read: BufReader::new(read),
            line: Vec::new(),
            discarding: false,
            write: Arc::new(tokio::sync::Mutex::new(write)),
            started: false,
            input_closed: CancellationToken::new(),
        }
    }

    /// Cancelled as soon as the input ends (the client closed its end, or went away), so
    /// the server can stop the client's work at once instead of after rmcp has drained.
    pub fn input_closed(&self) -> CancellationToken {
        self.input_closed.clone()
    }
}

/// The process's stdin and stdout, on tokio's pipe driver when both are pipes (as MCP
/// clients start servers), else on the blocking standard handles.
pub fn stdio() -> LineTransport<rmcp::transport::StdioReader, rmcp::transport::StdioWriter> {
    let (read, write) = rmcp::transport::stdio_pipes();
    LineTransport::new(read, write)
}

async fn write_line<W: AsyncWrite + Unpin>(
    write: &tokio::sync::Mutex<W>,
    message: &ServerJsonRpcMessage,
) -> io::Result<()> {
    let line = encode(message)?;
    let mut write = write.lock().await;
    write.write_all(&line).await?;
    write.flush().await
}

fn encode(message: &ServerJsonRpcMessage) -> io::Result<Vec<u8>> {
    let mut line = match message {
        // JSON-RPC 2.0: an error whose request id could not be read carries `"id": null`
        // (rmcp leaves the member out).
        ServerJsonRpcMessage::Error(error) if error.id.is_none() => {
            let mut value = serde_json::to_value(message)?;
            if let Some(object) = value.as_object_mut() {
                object.insert("id".into(), Value::Null);
            }
            serde_json::to_vec(&value)?
        }
        _ => serde_json::to_vec(message)?,
    };
    line.push(b'\n');
    Ok(line)
}

/// Write as much of `line` as the output takes right now, without waiting; how much that
/// was. A pipe with room takes a whole message in one `write`.
fn write_now<W: AsyncWrite + Unpin>(write: &mut W, line: &[u8]) -> io::Result<usize> {
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let mut written = 0;
    while written < line.len() {
        match std::pin::Pin::new(&mut *write).poll_write(&mut context, &line[written..]) {
            std::task::Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
            std::task::Poll::Ready(Ok(n)) => written += n,
            std::task::Poll::Ready(Err(error)) => return Err(error),
            // Full: the rest is written by the send's future, which waits properly.
            std::task::Poll::Pending => break,
        }
    }
    Ok(written)
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = io::Error;

    /// Writes the message at once when nobody else is writing and the output has room (the
    /// usual case), so it does not wait for rmcp to run the returned future on a task of
    /// its own: a call's answer leaves as soon as rmcp has it. The future writes whatever
    /// did not fit, and flushes.
    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = io::Result<()>> + Send + 'static {
        let line = encode(&item);
        let eager = match (&line, self.write.clone().try_lock_owned()) {
            (Ok(line), Ok(mut guard)) => {
                let written = write_now(&mut *guard, line);
                Some((guard, written))
            }
            // Someone is writing: wait for the lock, keeping the order of the lines.
            (_, Err(_)) | (Err(_), _) => None,
        };
        let write = self.write.clone();
        async move {
            let line = line?;
            match eager {
                Some((mut guard, written)) => {
                    let written = written?;
                    guard.write_all(&line[written..]).await?;
                    guard.flush().await
                }
                None => {
                    let mut write = write.lock().await;
                    write.write_all(&line).await?;
                    write.flush().await
                }
            }
        }
    }

    /// Cancel-safe (rmcp polls it inside `select!`): a partial line stays in `self.line`.
    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        let message = self.next_message().await;
        if message.is_none() {
            self.input_closed.cancel();
        }
        message
    }

    async fn close(&mut self) -> io::Result<()> {
        self.write.lock().await.shutdown().await
    }
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// The next message to hand to rmcp; `None` at the end of the input.
    async fn next_message(&mut self) -> Option<ClientJsonRpcMessage> {
        loop {
            let room = (MAX_LINE + 1).saturating_sub(self.line.len()) as u64;
            let read = (&mut self.read)
                .take(room)
                .read_until(b'\n', &mut self.line)
                .await
                .ok()?;
            let complete = self.line.ends_with(b"\n");
            if read == 0 && self.line.is_empty() {
                return None;
            }
            if !complete && self.line.len() <= MAX_LINE && read != 0 {
                // The reader stopped mid-line (a short read); the next read continues it.
                continue;
            }
            let line = std::mem::take(&mut self.line);
            if self.discarding {
                self.discarding = !complete;
                continue;
            }
            if line.len() > MAX_LINE {
                self.discarding = !complete;
                let answer = error(
                    ErrorCode::INVALID_REQUEST,
                    format!("Invalid request: the message is longer than {MAX_LINE} bytes"),
                    None,
                );
                write_line(&self.write, &answer).await.ok()?;
                continue;
            }
            let text = trim_line(&line);
            if !text.iter().all(u8::is_ascii_whitespace) {
                match read_message(text).map(|message| self.before_lifecycle(message)) {
                    Ok(Ok(message)) => return Some(message),
                    Ok(Err(Some(answer))) | Err(Some(answer)) => {
                        write_line(&self.write, &answer).await.ok()?
                    }
                    Ok(Err(None)) | Err(None) => {}
                }
            }
            if read == 0 {
                // The last line had no newline; it has been dealt with, and input has ended.
                return None;
            }
        }
    }
}

impl<R, W> LineTransport<R, W> {
    /// Let a message through once the lifecycle has started; before that, only what
    /// starts it (or a ping, or `server/discover`).
    fn before_lifecycle(
        &mut self,
        message: ClientJsonRpcMessage,
    ) -> Result<ClientJsonRpcMessage, Option<Box<ServerJsonRpcMessage>>> {
        if self.started {
            return Ok(message);
        }
        match &message {
            ClientJsonRpcMessage::Request(request) => match &request.request {
                ClientRequest::InitializeRequest(_) => {
                    self.started = true;
                    Ok(message)
                }
                ClientRequest::PingRequest(_) | ClientRequest::DiscoverRequest(_) => Ok(message),
                other => {
                    let missing = other
                        .get_meta()
                        .missing_required_keys(&ProtocolVersion::V_2026_07_28);
                    if missing.is_empty() {
                        self.started = true;
                        return Ok(message);
                    }
                    Err(Some(error(
                        ErrorCode::INVALID_REQUEST,
                        format!(
                            "Not initialized: send `initialize` first (MCP 2025-11-25 and older), or give every request the _meta keys of MCP 2026-07-28 (missing: {})",
                            missing.join(", ")
                        ),
                        Some(request.id.clone()),
                    )))
                }
            },
            ClientJsonRpcMessage::Notification(_) => {
                tracing::warn!("dropping a notification sent before the session started");
                Err(None)
            }
            ClientJsonRpcMessage::Response(_) | ClientJsonRpcMessage::Error(_) => Err(None),
        }
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
}

fn error(code: ErrorCode, message: String, id: Option<RequestId>) -> Box<ServerJsonRpcMessage> {
    Box::new(ServerJsonRpcMessage::error(
        ErrorData::new(code, message, None),
        id,
    ))
}

/// The message on a line; or the answer it gets (`Err(None)`: no answer, a notification).
fn read_message(line: &[u8]) -> Result<ClientJsonRpcMessage, Option<Box<ServerJsonRpcMessage>>> {
    let problem = match serde_json::from_slice::<ClientJsonRpcMessage>(line) {
        Ok(message) => return Ok(message),
        Err(problem) => problem,
    };
    if problem.classify() == serde_json::error::Category::Data {
        // Well-formed JSON that is not a message.
        let value: Value = serde_json::from_slice(line).unwrap_or(Value::Null);
        let request = value.get("method").is_some();
        let id = id_of(&value);
        if request && id.is_none() {
            tracing::warn!(%problem, "dropping a notification that is not a valid message");
            return Err(None);
        }
        if value.get("result").is_some() || value.get("error").is_some() {
            tracing::warn!(%problem, "dropping a response that is not a valid message");
            return Err(None);
        }
        return Err(Some(error(
            ErrorCode::INVALID_REQUEST,
            format!("Invalid request: {problem}"),
            id,
        )));
    }
    // Not JSON: read what can still be read, with bad bytes and lone surrogate escapes made
    // harmless, to find the request's id.
    let text = String::from_utf8_lossy(line);
    let defused = defuse_surrogates(&text);
    let recovered = serde_json::from_str::<Value>(&defused).ok();
    if recovered
        .as_ref()
        .is_some_and(|value| value.get("method").is_some() && value.get("id").is_none())
    {
        tracing::warn!(%problem, "dropping a notification that is not JSON");
        return Err(None);
    }
    let id = recovered.as_ref().and_then(id_of);
    let why = if text.contains('\u{FFFD}') && matches!(text, std::borrow::Cow::Owned(_)) {
        "the line is not valid UTF-8".to_string()
    } else if defused != text {
        format!("{problem}: a lone surrogate escape (such as \\ud800) is not valid Unicode; send the text as valid UTF-8")
    } else {
        format!("the line is not JSON ({problem})")
    };
    Err(Some(error(
        ErrorCode::PARSE_ERROR,
        format!("Parse error: {why}"),
        id,
    )))
}

fn id_of(value: &Value) -> Option<RequestId> {
    match value.get("id")? {
        id @ (Value::String(_) | Value::Number(_)) => serde_json::from_value(id.clone()).ok(),
        _ => None,
    }
}

/// Replace `\uD800`..`\uDFFF` escapes by `\uFFFD`: only to read the id of a bad line.
fn defuse_surrogates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().map(|&(_, next)| next) {
            Some('u') => {
                let hex = text.get(index + 2..index + 6).unwrap_or("");
                match u16::from_str_radix(hex, 16) {
                    Ok(unit) if hex.len() == 4 && (0xD800..=0xDFFF).contains(&unit) => {
                        out.push_str("\\uFFFD");
                        for _ in 0..5 {
                            chars.next();
                        }
                    }
                    _ => out.push('\\'),
                }
            }
            Some(next) => {
                out.push('\\');
                out.push(next);
                chars.next();
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(line: &str) -> Value {
        match read_message(line.as_bytes()) {
            Err(Some(answer)) => serde_json::to_value(answer).expect("json"),
            Ok(_) => panic!("{line} was read as a message"),
            Err(None) => Value::Null,
        }
    }

    #[test]
    fn every_bad_request_line_is_answered() {
        let surrogate = answer(
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"codex_ask","arguments":{"prompt":"\ud800"}}}"#,
        );
        assert_eq!(surrogate["id"], 7);
        assert_eq!(surrogate["error"]["code"], -32700);
        assert!(
            surrogate["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("surrogate")),
            "{surrogate}"
        );
        let not_json = answer("this is not json");
        assert_eq!(not_json["id"], Value::Null);
        assert_eq!(not_json["error"]["code"], -32700);
        let truncated = answer(r#"{"jsonrpc":"2.0","id":3,"method":"tools/li"#);
        assert_eq!(truncated["error"]["code"], -32700);
        let invalid = answer(r#"{"jsonrpc":"2.0","id":"x","method":5}"#);
        assert_eq!(invalid["id"], "x");
        assert_eq!(invalid["error"]["code"], -32600);
    }

    #[test]
    fn notifications_are_never_answered() {
        assert_eq!(
            answer(r#"{"jsonrpc":"2.0","method":"notifications/x","params":"\ud800"}"#),
            Value::Null
        );
    }
}
