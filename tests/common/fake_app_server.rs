//! A scripted fake `codex app-server`: a WebSocket JSON-RPC server whose every move a test
//! writes, for the faults and exact sequences the real Codex will not produce on demand
//! (out-of-order answers, overload, odd server requests, garbage frames, dropped sockets).
//!
//! [`FakeAppServer::start`] listens on `ws://127.0.0.1:<random port>` and runs the test's
//! *script* once per accepted connection, handing it a [`Peer`]: the connection seen from the
//! server side. A script reads the bridge's frames in order ([`Peer::next_request`],
//! [`Peer::recv`], [`Peer::expect_response`]) and writes whatever it likes ([`Peer::respond`],
//! [`Peer::notify`], [`Peer::server_request`], raw text or binary frames). Returning from the
//! script, or dropping the `Peer`, drops the TCP connection without a close frame (what a
//! killed app-server looks like); [`Peer::close`] ends it politely. [`Peer::serve`] is the
//! well-behaved default: it answers every request the way the real server does (see
//! [`Peer::answer_default`]), so a script only spells out the part it is about.
//!
//! The shapes follow the real protocol (`/work/shared/notes/codex-app-server.md`): one JSON
//! object per text frame, no `"jsonrpc"` field; `initialize` answered, then the client's
//! `initialized` notification; `thread/start` -> `{thread:{id,..}}`; `turn/start` ->
//! `{turn:{id,status:"inProgress",items:[]}}` followed by `turn/started`, `item/*` (with
//! `threadId` and `turnId`), `thread/tokenUsage/updated` and `turn/completed`; server request
//! ids are integers from 0 per connection.
//!
//! Authentication is the real server's capability-token check: the upgrade must carry
//! `Authorization: Bearer <token>` (the token is written to [`FakeAppServer::token_file`]),
//! else HTTP 401; any `Origin` header gets HTTP 403. Every handshake is recorded
//! ([`FakeAppServer::handshakes`]) and so is every frame the bridge sends
//! ([`FakeAppServer::received`]), in arrival order, whether or not a script reads it.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// The error the real server sends when its ingress queue is full.
pub const OVERLOADED: i64 = -32001;

/// One frame the bridge sent, as the fake received it.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// A text frame holding JSON (object or not).
    Json(Value),
    /// A text frame that is not JSON.
    Text(String),
    Binary(Vec<u8>),
    /// The bridge closed the connection with a close frame.
    Close,
}

/// A frame with the connection it came on (connections are numbered from 0 in accept order).
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub connection: usize,
    pub frame: Frame,
}

/// What one WebSocket upgrade request carried, and how the fake answered it.
#[derive(Debug, Clone, PartialEq)]
pub struct Handshake {
    pub authorization: Option<String>,
    pub origin: Option<String>,
    /// 101 when accepted, else the refusal status (401, 403).
    pub status: u16,
}

struct State {
    token: String,
    received: Mutex<Vec<Received>>,
    handshakes: Mutex<Vec<Handshake>>,
    /// Connections that passed the handshake (the next one gets this index).
    connections: AtomicUsize,
    /// Thread and turn ids are unique across the fake's connections.
    next_id: AtomicU64,
    /// Per-connection tasks, aborted when the fake is dropped.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Woken whenever a frame is recorded.
    changed: Notify,
}

impl State {
    fn record(&self, connection: usize, frame: Frame) {
        lock(&self.received).push(Received { connection, frame });
        self.changed.notify_waiters();
    }

    /// A UUID-shaped id like Codex's, whose first group says what it names (thread 1,
    /// turn 2, anything else 3), so a test can still read it.
    fn fresh_id(&self, prefix: &str) -> String {
        let kind = match prefix {
            "thread" => 1,
            "turn" => 2,
            _ => 3,
        };
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{kind:08x}-0000-7000-8000-{n:012x}")
    }
}

/// A running fake app-server. Dropping it stops the listener and every connection.
pub struct FakeAppServer {
    pub url: String,
    state: Arc<State>,
    dir: tempfile::TempDir,
    token_file: PathBuf,
    accept_task: JoinHandle<()>,
}

impl Drop for FakeAppServer {
    fn drop(&mut self) {
        self.accept_task.abort();
        for task in lock(&self.state.tasks).drain(..) {
            task.abort();
        }
    }
}

impl FakeAppServer {
    /// Listen on a random loopback port and run `script` for every accepted connection.
    pub async fn start<S, F>(script: S) -> FakeAppServer
    where
        S: Fn(Peer) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let dir = tempfile::tempdir().expect("temp dir for the token file");
        let token = format!("fake-token-{}", std::process::id());
        let token_file = dir.path().join("app-server.token");
        std::fs::write(&token_file, format!("{token}\n")).expect("write the token file");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake app-server");
        let addr = listener.local_addr().expect("fake app-server address");
        let state = Arc::new(State {
            token,
            received: Mutex::new(Vec::new()),
            handshakes: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            tasks: Mutex::new(Vec::new()),
            changed: Notify::new(),
        });
        let script = Arc::new(script);
        let accept_state = state.clone();
        let accept_task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = accept_state.clone();
                let script = script.clone();
                let task = tokio::spawn(async move {
                    if let Some(peer) = Peer::accept(stream, state).await {
                        script(peer).await;
                    }
                });
                lock(&accept_state.tasks).push(task);
            }
        });
        FakeAppServer {
            url: format!("ws://{addr}"),
            state,
            dir,
            token_file,
            accept_task,
        }
    }

    /// A fake that behaves like a healthy app-server on every connection.
    pub async fn well_behaved() -> FakeAppServer {
        FakeAppServer::start(|peer| peer.serve()).await
    }

    /// The file holding the token this server accepts (with a trailing newline, as an
    /// operator's editor would leave it).
    pub fn token_file(&self) -> &Path {
        &self.token_file
    }

    pub fn token(&self) -> &str {
        &self.state.token
    }

    /// Write another token file (e.g. a wrong token) next to the real one.
    pub fn write_token_file(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write a token file");
        path
    }

    /// Every frame the bridge sent, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state.received).clone()
    }

    /// The JSON frames the bridge sent, with their connection index.
    pub fn json_frames(&self) -> Vec<(usize, Value)> {
        self.received()
            .into_iter()
            .filter_map(|received| match received.frame {
                Frame::Json(value) => Some((received.connection, value)),
                _ => None,
            })
            .collect()
    }

    /// The requests (or notifications) with this method the bridge sent, on any connection.
    pub fn sent(&self, method: &str) -> Vec<Value> {
        self.json_frames()
            .into_iter()
            .map(|(_, frame)| frame)
            .filter(|frame| frame["method"] == method)
            .collect()
    }

    /// The bridge's answer to server request `id` on `connection`, if it sent one.
    pub fn answer_to(&self, connection: usize, id: i64) -> Option<Value> {
        self.json_frames()
            .into_iter()
            .find(|(on, frame)| {
                *on == connection && frame.get("method").is_none() && frame["id"] == json!(id)
            })
            .map(|(_, frame)| frame)
    }

    /// Every upgrade request seen, accepted or not, in order.
    pub fn handshakes(&self) -> Vec<Handshake> {
        lock(&self.state.handshakes).clone()
    }

    /// How many connections passed the handshake.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Wait until the recorded frames satisfy `done` (or panic after `timeout`).
    pub async fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.state.changed.notified();
            if done(&lock(&self.state.received)) {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!(
                    "the fake app-server did not see {what} within {timeout:?}; it received:\n{:#?}",
                    self.received()
                );
            }
        }
    }
}

/// One accepted connection, from the server's side. Frames the bridge sends are recorded
/// as they arrive and queued for the script; dropping the `Peer` drops the TCP connection.
pub struct Peer {
    /// Index of this connection (0 for the first one the fake accepted).
    pub connection: usize,
    sink: SplitSink<WebSocketStream<TcpStream>, Message>,
    incoming: mpsc::UnboundedReceiver<Value>,
    /// Frames read while looking for something else, handed out first by `recv`.
    held: VecDeque<Value>,
    next_request_id: i64,
    reader: JoinHandle<()>,
    state: Arc<State>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        // With both halves gone the socket closes at once, without a close frame.
        self.reader.abort();
    }
}

impl Peer {
    async fn accept(stream: TcpStream, state: Arc<State>) -> Option<Peer> {
        let expected = format!("Bearer {}", state.token);
        let check_state = state.clone();
        // The callback's shape (a large `Err`) is tungstenite's, not ours.
        #[allow(clippy::result_large_err)]
        let check = move |request: &Request, response: Response| {
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            };
            let authorization = header("authorization");
            let origin = header("origin");
            // The real server's order: an Origin is refused before the token is looked at.
            let refusal = if origin.is_some() {
                Some((StatusCode::FORBIDDEN, "Origin header not allowed"))
            } else if authorization.as_deref() != Some(expected.as_str()) {
                Some((StatusCode::UNAUTHORIZED, "invalid or missing bearer token"))
            } else {
                None
            };
            lock(&check_state.handshakes).push(Handshake {
                authorization,
                origin,
                status: refusal.map_or(101, |(status, _)| status.as_u16()),
            });
            match refusal {
                None => Ok(response),
                Some((status, body)) => {
                    let mut refused = ErrorResponse::new(Some(body.to_string()));
                    *refused.status_mut() = status;
                    Err(refused)
                }
            }
        };
        let socket = tokio_tungstenite::accept_hdr_async(stream, check)
            .await
            .ok()?;
        let connection = state.connections.fetch_add(1, Ordering::SeqCst);
        let (sink, mut stream) = socket.split();
        let (sender, incoming) = mpsc::unbounded_channel();
        let reader_state = state.clone();
        let reader = tokio::spawn(async move {
            while let Some(message) = stream.next().await {
                let frame = match message {
                    Ok(Message::Text(text)) => match serde_json::from_str::<Value>(text.as_str()) {
                        Ok(value) => {
                            let _ = sender.send(value.clone());
                            Frame::Json(value)
                        }
                        Err(_) => Frame::Text(text.as_str().to_string()),
                    },
                    Ok(Message::Binary(bytes)) => Frame::Binary(bytes.to_vec()),
                    Ok(Message::Close(_)) => {
                        reader_state.record(connection, Frame::Close);
                        break;
                    }
                    Ok(_) => continue,
                    Err(_) => break,
                };
                reader_state.record(connection, frame);
            }
        });
        Some(Peer {
            connection,
            sink,
            incoming,
            held: VecDeque::new(),
            next_request_id: 0,
            reader,
            state,
        })
    }

    // ----- reading ---------------------------------------------------------------------

    /// The next JSON frame from the bridge; `None` once the connection is gone.
    pub async fn recv(&mut self) -> Option<Value> {
        match self.held.pop_front() {
            Some(frame) => Some(frame),
            None => self.incoming.recv().await,
        }
    }

    /// The next request from the bridge (a frame with `id` and `method`); notifications and
    /// answers read on the way are skipped (they stay in the recorded log).
    pub async fn next_request(&mut self) -> Option<Value> {
        loop {
            let frame = self.recv().await?;
            if frame.get("method").is_some() && frame.get("id").is_some() {
                return Some(frame);
            }
        }
    }

    /// The next request, which must have this method (panics otherwise: a script bug or a
    /// bridge that sent something unexpected; either way the test's tool call then fails).
    pub async fn expect_request(&mut self, method: &str) -> Value {
        let request = self
            .next_request()
            .await
            .unwrap_or_else(|| panic!("connection closed while waiting for {method}"));
        assert_eq!(request["method"], method, "unexpected request {request}");
        request
    }

    /// Wait for the bridge's answer to server request `id`; other frames read meanwhile are
    /// kept for `recv`. `None` if the connection ends or no answer comes within 5 s.
    pub async fn expect_response(&mut self, id: i64) -> Option<Value> {
        let mut skipped = Vec::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        let found = loop {
            if let Some(index) = self.held.iter().position(|frame| is_answer(frame, id)) {
                break self.held.remove(index);
            }
            match tokio::time::timeout_at(deadline, self.incoming.recv()).await {
                Ok(Some(frame)) if is_answer(&frame, id) => break Some(frame),
                Ok(Some(frame)) => skipped.push(frame),
                Ok(None) | Err(_) => break None,
            }
        };
        self.held.extend(skipped);
        found
    }

    // ----- writing ---------------------------------------------------------------------

    /// Send one JSON frame. A send on a closed connection is ignored: the script's next read
    /// returns `None`.
    pub async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    /// Send a raw text frame (need not be JSON).
    pub async fn send_text(&mut self, text: &str) {
        let _ = self.sink.send(Message::text(text.to_string())).await;
    }

    pub async fn send_binary(&mut self, bytes: &[u8]) {
        let _ = self.sink.send(Message::binary(bytes.to_vec())).await;
    }

    pub async fn respond(&mut self, request: &Value, result: Value) {
        self.send(json!({"id": request["id"], "result": result}))
            .await;
    }

    pub async fn respond_error(&mut self, request: &Value, code: i64, message: &str) {
        self.send(json!({"id": request["id"], "error": {"code": code, "message": message}}))
            .await;
    }

    /// Answer with the real server's overload error.
    pub async fn respond_overloaded(&mut self, request: &Value) {
        self.respond_error(request, OVERLOADED, "Server overloaded; retry later.")
            .await;
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"method": method, "params": params})).await;
    }

    /// Send a server request; returns its id (integers from 0 per connection, as the real
    /// server numbers them).
    pub async fn server_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_request_id;
        self.next_request_id += 1;
        self.send(json!({"id": id, "method": method, "params": params}))
            .await;
        id
    }

    /// End the connection with a close frame.
    pub async fn close(mut self) {
        let _ = self
            .sink
            .send(Message::Close(Some(CloseFrame {
                code: CloseCode::Away,
                reason: "fake app-server going away".into(),
            })))
            .await;
        let _ = self.sink.close().await;
    }

    // ----- the real server's behaviour -------------------------------------------------

    /// Expect `initialize` and answer it as the real server does. The client's
    /// `initialized` notification that follows is recorded like any frame.
    pub async fn accept_initialize(&mut self) {
        self.accept_initialize_as("fake-app-server/0.169.0 (Linux; x86_64)")
            .await;
    }

    /// Answer `initialize` as a Codex with this `userAgent` (`<client>/<version> (...)`).
    pub async fn accept_initialize_as(&mut self, user_agent: &str) {
        let request = self.expect_request("initialize").await;
        self.respond(
            &request,
            json!({
                "userAgent": user_agent,
                "codexHome": "/nonexistent/codex-home",
                "platformFamily": "unix",
                "platformOs": "linux",
            }),
        )
        .await;
    }

    /// The usual opening of a scripted session: `initialize`, then a `thread/start` and a
    /// `turn/start` accepted, and `turn/started` sent. Returns (thread id, turn id) with the
    /// turn running, for the script to do the unusual part.
    pub async fn open_turn(&mut self) -> (String, String) {
        self.accept_initialize().await;
        let start = self.expect_request("thread/start").await;
        let thread_id = self.new_thread_id();
        self.respond(&start, thread_started(&thread_id, &start["params"]))
            .await;
        let request = self.expect_request("turn/start").await;
        let turn_id = self.accept_turn(&request).await;
        self.start_turn(&thread_id, &turn_id).await;
        (thread_id, turn_id)
    }

    /// A fresh thread id, unique across this fake's connections.
    pub fn new_thread_id(&self) -> String {
        self.state.fresh_id("thread")
    }

    pub fn new_turn_id(&self) -> String {
        self.state.fresh_id("turn")
    }

    /// Answer `turn/start` with a new in-progress turn; returns the turn id.
    pub async fn accept_turn(&mut self, request: &Value) -> String {
        let turn_id = self.new_turn_id();
        self.respond(request, json!({"turn": turn(&turn_id, "inProgress")}))
            .await;
        turn_id
    }

    /// The notifications of a turn that answers `text`: `turn/started`, the agent message
    /// (`item/started`, one delta, `item/completed`), token usage, `turn/completed`.
    pub async fn run_turn(&mut self, thread_id: &str, turn_id: &str, text: &str) {
        self.start_turn(thread_id, turn_id).await;
        self.answer_turn(thread_id, turn_id, text).await;
        self.complete_turn(thread_id, turn_id, "completed").await;
    }

    pub async fn start_turn(&mut self, thread_id: &str, turn_id: &str) {
        self.notify(
            "turn/started",
            json!({"threadId": thread_id, "turn": turn(turn_id, "inProgress")}),
        )
        .await;
    }

    /// The agent message of a turn, streamed as one delta then completed.
    pub async fn answer_turn(&mut self, thread_id: &str, turn_id: &str, text: &str) {
        let item_id = format!("msg-{turn_id}");
        self.notify(
            "item/started",
            json!({"threadId": thread_id, "turnId": turn_id,
                   "item": {"type": "agentMessage", "id": item_id, "text": ""}}),
        )
        .await;
        self.notify(
            "item/agentMessage/delta",
            json!({"threadId": thread_id, "turnId": turn_id, "itemId": item_id, "delta": text}),
        )
        .await;
        self.notify(
            "item/completed",
            json!({"threadId": thread_id, "turnId": turn_id,
                   "item": {"type": "agentMessage", "id": item_id, "text": text}}),
        )
        .await;
        let usage = json!({"inputTokens": 10, "cachedInputTokens": 0, "outputTokens": 5,
                           "reasoningOutputTokens": 0, "totalTokens": 15});
        self.notify(
            "thread/tokenUsage/updated",
            json!({"threadId": thread_id, "turnId": turn_id,
                   "tokenUsage": {"total": usage, "last": usage}}),
        )
        .await;
    }

    /// `turn/completed` with this status (`completed`, `failed`, `interrupted`).
    pub async fn complete_turn(&mut self, thread_id: &str, turn_id: &str, status: &str) {
        self.notify(
            "turn/completed",
            json!({"threadId": thread_id, "turn": turn(turn_id, status)}),
        )
        .await;
    }

    /// Answer one request the way a healthy app-server with an instant model does:
    /// - `initialize` -> server info;
    /// - `thread/start` -> a new thread id; `thread/resume`, `thread/read` -> the named thread;
    /// - `turn/start` -> a new turn, then its whole run answering `answer: <prompt>`;
    /// - `thread/name/set`, `turn/interrupt` -> `{}`; `thread/list` -> no threads;
    ///   `thread/unsubscribe` -> `unsubscribed` (the bridge lets go of a thread after each
    ///   turn on a shared app-server, which an `--app-server-url` one is);
    /// - anything else -> -32600, like the real server's "unknown variant".
    pub async fn answer_default(&mut self, request: &Value) {
        let params = &request["params"];
        match request["method"].as_str().unwrap_or_default() {
            "initialize" => {
                self.respond(request, json!({"userAgent": "fake-app-server/0.169.0"}))
                    .await;
            }
            "thread/start" => {
                let id = self.new_thread_id();
                let result = thread_started(&id, params);
                self.respond(request, result).await;
            }
            "thread/resume" | "thread/read" => {
                let id = params["threadId"].as_str().unwrap_or_default().to_string();
                let result = thread_started(&id, params);
                self.respond(request, result).await;
            }
            "turn/start" => {
                let thread_id = params["threadId"].as_str().unwrap_or_default().to_string();
                let turn_id = self.accept_turn(request).await;
                let answer = format!("answer: {}", prompt_of(request));
                self.run_turn(&thread_id, &turn_id, &answer).await;
            }
            "thread/name/set" | "turn/interrupt" => self.respond(request, json!({})).await,
            "thread/unsubscribe" => {
                self.respond(request, json!({"status": "unsubscribed"}))
                    .await;
            }
            "thread/list" => {
                self.respond(request, json!({"data": [], "nextCursor": null}))
                    .await;
            }
            other => {
                let message = format!("unknown variant `{other}`");
                self.respond_error(request, -32600, &message).await;
            }
        }
    }

    /// Behave like a healthy app-server until the bridge goes away.
    pub async fn serve(mut self) {
        while let Some(request) = self.next_request().await {
            self.answer_default(&request).await;
        }
    }
}

fn is_answer(frame: &Value, id: i64) -> bool {
    frame.get("method").is_none() && frame["id"] == json!(id)
}

/// A `Turn` object as the protocol carries it.
pub fn turn(turn_id: &str, status: &str) -> Value {
    json!({"id": turn_id, "items": [], "status": status, "error": null})
}

/// A `thread/start` (or resume/read) response for thread `id`, echoing the request's options.
pub fn thread_started(id: &str, params: &Value) -> Value {
    let cwd = params["cwd"].as_str().unwrap_or("/");
    json!({
        "thread": {
            "id": id,
            "preview": "",
            "ephemeral": params["ephemeral"].as_bool().unwrap_or(false),
            "modelProvider": "mock",
            "createdAt": 1_760_000_000,
            "updatedAt": 1_760_000_000,
            "status": {"type": "idle"},
            "path": null,
            "cwd": cwd,
            "cliVersion": "0.169.0",
            "source": "appServer",
            "name": null,
            "turns": [],
        },
        "model": params["model"].as_str().unwrap_or("mock-model"),
        "modelProvider": "mock",
        "cwd": cwd,
        "approvalPolicy": params["approvalPolicy"].as_str().unwrap_or("on-request"),
        "sandbox": {"type": "readOnly"},
        "reasoningEffort": null,
    })
}

/// The text of a `turn/start` request's first input.
pub fn prompt_of(request: &Value) -> String {
    request["params"]["input"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
