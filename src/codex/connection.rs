//! One JSON-RPC session with `codex app-server`, shared by every tool call.
//!
//! Owns the session over a [`Wire`] (WebSocket over TCP or a Unix socket, or JSON lines over
//! stdio: [`super::transport`]) and the three tables that make multiplexing work:
//! - pending requests: our request id -> the caller waiting for its answer (answers may come
//!   out of order);
//! - thread subscribers: thread id -> the turn currently running on it, which receives that
//!   thread's notifications and server requests in arrival order: queued until the turn
//!   attaches its driver ([`Subscription::attach`]), then handed to the driver on the reader
//!   task itself, so an event reaches the turn's state without a task switch;
//! - the close signal: when the link ends, every waiter is told at once, so no call hangs on
//!   a dead server.
//!
//! Server requests (approvals and friends) are never left pending by mistake: a [`Responder`]
//! dropped unanswered declines itself. A request for a turn this bridge did not start is
//! declined on the bridge's own app-server, and left alone on one shared with other
//! front-ends ([`Sharing`]), where it is theirs to answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::approver::{safe_answer, Answer};
use super::error::CodexError;
use super::jsonrpc::{self, Incoming, RpcError};
use super::protocol::{self, ConfigWarning, Request, ServerRequest, TurnEvent};
use super::transport::Wire;
use crate::lock::lock;

/// Which way a frame went, for wire tracing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Sent,
    Received,
}

/// Observer of every frame (CLI `-vv` / `--trace-file`). Called on the I/O tasks: keep it cheap.
pub type FrameTap = Arc<dyn Fn(Direction, &str) + Send + Sync>;

/// What a thread subscriber receives.
#[derive(Debug)]
pub enum ThreadMessage {
    Event(TurnEvent),
    Request(Responder),
    /// The connection ended; no more messages will come.
    Closed(String),
}

/// What takes a thread's messages once a turn attached to its subscription
/// ([`Subscription::attach`]). Called on the connection's reader task, in arrival order:
/// keep it short and never block.
pub trait ThreadDriver: Send {
    /// Take one message; `true` once the driver wants no more (its turn ended). After
    /// [`ThreadMessage::Closed`] none follows.
    fn on_message(&mut self, message: ThreadMessage) -> bool;
}

/// Where one thread's messages go.
struct Route {
    target: Mutex<Target>,
}

enum Target {
    /// No driver yet: queued for the subscription's receiver.
    Queue(mpsc::UnboundedSender<ThreadMessage>),
    /// Handed to the driver as they arrive.
    Driver(Box<dyn ThreadDriver>),
    /// The driver is done; nothing more is taken.
    Ended,
}

impl Route {
    /// Deliver one message.
    fn deliver(&self, message: ThreadMessage) -> Delivered {
        let mut target = lock(&self.target);
        match &mut *target {
            Target::Queue(sender) => match sender.send(message) {
                Ok(()) => Delivered::Taken,
                Err(mpsc::error::SendError(ThreadMessage::Request(responder))) => {
                    Delivered::Refused(responder)
                }
                Err(_) => Delivered::Taken,
            },
            Target::Driver(driver) => {
                if driver.on_message(message) {
                    *target = Target::Ended;
                    Delivered::Ended
                } else {
                    Delivered::Taken
                }
            }
            Target::Ended => match message {
                ThreadMessage::Request(responder) => Delivered::Refused(responder),
                ThreadMessage::Event(_) | ThreadMessage::Closed(_) => Delivered::Taken,
            },
        }
    }
}

enum Delivered {
    Taken,
    /// The driver ended with this message: the route can go.
    Ended,
    /// A request nobody takes (the turn just ended).
    Refused(Responder),
}

/// Tunables of one connection.
#[derive(Clone)]
pub struct ConnectionOptions {
    /// How long one request may wait for its answer before the caller gets a timeout.
    pub request_timeout: Duration,
    /// How many times a request refused with -32001 "overloaded" is sent again.
    pub overload_retries: u32,
    pub tap: Option<FrameTap>,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            request_timeout: Duration::from_secs(120),
            overload_retries: 8,
            tap: None,
        }
    }
}

/// Whether other clients use the same app-server. Every subscriber of a thread receives each
/// of its server requests, and the first answer wins (`serverRequest/resolved` tells the
/// rest); a client that subscribes to a thread while a request is pending gets it replayed
/// (seen on Codex 0.169 with `thread/resume`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// The app-server the bridge started for itself: nobody else can answer a request, so
    /// the bridge declines whatever its turns do not take.
    Exclusive,
    /// An app-server others use too (the user's Codex daemon, `--app-server-url`): a request
    /// for a turn this bridge did not start belongs to another front-end (perhaps a human's
    /// approval prompt) and is left alone.
    Shared,
}

type PendingMap = HashMap<u64, oneshot::Sender<Result<Value, RpcError>>>;

struct Shared {
    pending: Mutex<PendingMap>,
    /// `configWarning`s the app-server sent this connection (right after `initialize`).
    config_warnings: Mutex<Vec<ConfigWarning>>,
    threads: Mutex<HashMap<String, Arc<Route>>>,
    closed: CancellationToken,
    close_reason: Mutex<Option<String>>,
    outgoing: mpsc::UnboundedSender<String>,
    tap: Option<FrameTap>,
    sharing: Sharing,
}

/// A live, initialized session. Cheap to share behind an `Arc`.
pub struct Connection {
    shared: Arc<Shared>,
    next_id: AtomicU64,
    options: ConnectionOptions,
    /// `initialize`'s `userAgent` (it names the Codex version).
    user_agent: std::sync::OnceLock<String>,
}

/// The answer slot of one server request. Dropping it unanswered sends the safe default
/// (decline), so a request can never be left pending by a bug, a cancelled call or a panic.
pub struct Responder {
    pub request: ServerRequest,
    outgoing: Option<mpsc::UnboundedSender<String>>,
    tap: Option<FrameTap>,
    sharing: Sharing,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("request", &self.request)
            .finish()
    }
}

impl Responder {
    fn new(request: ServerRequest, shared: &Shared) -> Responder {
        Responder {
            request,
            outgoing: Some(shared.outgoing.clone()),
            tap: shared.tap.clone(),
            sharing: shared.sharing,
        }
    }

    /// Send the answer. Consumes the responder: a request is answered once.
    pub fn answer(mut self, answer: Answer) {
        self.send(answer);
    }

    /// Drop without answering: someone else already answered this request (another client
    /// of a shared app-server), or the app-server cleared it.
    pub fn forget(mut self) {
        self.outgoing = None;
    }

    /// A request that is not for a turn this bridge started. On the bridge's own app-server
    /// nobody else can answer it: declined. On a shared one it belongs to another front-end
    /// (a human may be looking at it): left alone, never declined on their behalf.
    pub fn not_ours(self) {
        match self.sharing {
            Sharing::Exclusive => {
                tracing::info!(method = %self.request.method, "server request for no turn of this bridge; declining");
                drop(self);
            }
            Sharing::Shared => {
                tracing::debug!(method = %self.request.method, "server request for a turn another client started; left to it");
                self.forget();
            }
        }
    }

    fn send(&mut self, answer: Answer) {
        let Some(outgoing) = self.outgoing.take() else {
            return;
        };
        let frame = match answer {
            Answer::Result(result) => jsonrpc::response_frame(&self.request.id, result),
            Answer::Error { code, message } => {
                jsonrpc::error_frame(&self.request.id, code, &message)
            }
        };
        if let Some(tap) = &self.tap {
            tap(Direction::Sent, &frame);
        }
        // A closed socket cannot take the answer; the server that asked is gone with it.
        let _ = outgoing.send(frame);
    }
}

impl Drop for Responder {
    fn drop(&mut self) {
        if self.outgoing.is_some() {
            tracing::warn!(method = %self.request.method, "server request dropped unanswered; declining it");
            let answer = safe_answer(&self.request);
            self.send(answer);
        }
    }
}

/// A thread's messages, queued for the turn being started on it until its driver attaches
/// ([`Subscription::attach`]). Dropped unattached, it removes itself, and a request still
/// queued is treated as not ours.
pub struct Subscription {
    pub receiver: mpsc::UnboundedReceiver<ThreadMessage>,
    thread_id: String,
    shared: Arc<Shared>,
    // Our own map entry: a newer subscription on the same thread must not be removed by an
    // older one ending late.
    route: Arc<Route>,
    attached: bool,
}

impl Subscription {
    /// From now on hand the thread's messages to `driver` as they arrive, on the reader
    /// task: first those queued so far, in order. Once the driver says it is done, the
    /// subscription is removed.
    pub fn attach(mut self, mut driver: Box<dyn ThreadDriver>) {
        self.attached = true;
        let mut target = lock(&self.route.target);
        // Under the route's lock the reader cannot deliver in between: order is kept.
        let mut ended = false;
        while let Ok(message) = self.receiver.try_recv() {
            if ended {
                if let ThreadMessage::Request(responder) = message {
                    responder.not_ours();
                }
                continue;
            }
            ended = driver.on_message(message);
        }
        if ended {
            *target = Target::Ended;
            drop(target);
            remove_route(&self.shared, &self.thread_id, &self.route);
        } else {
            *target = Target::Driver(driver);
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if self.attached {
            return;
        }
        remove_route(&self.shared, &self.thread_id, &self.route);
        // Requests still queued for us came after the turn ended: none is for a running turn
        // of ours, so each is treated as not ours (declined, or left to the other clients).
        *lock(&self.route.target) = Target::Ended;
        self.receiver.close();
        while let Ok(message) = self.receiver.try_recv() {
            if let ThreadMessage::Request(responder) = message {
                responder.not_ours();
            }
        }
    }
}

/// Remove `route` from the map if it is still the thread's.
fn remove_route(shared: &Shared, thread_id: &str, route: &Arc<Route>) {
    let mut threads = lock(&shared.threads);
    if threads
        .get(thread_id)
        .is_some_and(|current| Arc::ptr_eq(current, route))
    {
        threads.remove(thread_id);
    }
}

impl Connection {
    /// Start the I/O tasks over `wire` and run the `initialize` handshake.
    pub async fn open(
        wire: Wire,
        sharing: Sharing,
        options: ConnectionOptions,
    ) -> Result<Connection, CodexError> {
        let Wire {
            incoming: mut stream,
            outgoing: mut sink,
        } = wire;
        let (outgoing, mut outgoing_rx) = mpsc::unbounded_channel::<String>();
        let shared = Arc::new(Shared {
            pending: Mutex::new(HashMap::new()),
            config_warnings: Mutex::new(Vec::new()),
            threads: Mutex::new(HashMap::new()),
            closed: CancellationToken::new(),
            close_reason: Mutex::new(None),
            outgoing,
            tap: options.tap.clone(),
            sharing,
        });

        let writer_shared = shared.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    frame = outgoing_rx.recv() => {
                        let Some(frame) = frame else { break };
                        if let Err(reason) = sink.send(frame).await {
                            close(&writer_shared, reason);
                            break;
                        }
                    }
                    () = writer_shared.closed.cancelled() => break,
                }
            }
            let _ = sink.close().await;
        });

        let reader_shared = shared.clone();
        tokio::spawn(async move {
            let reason = loop {
                tokio::select! {
                    frame = stream.next() => match frame {
                        Some(Ok(text)) => dispatch(&reader_shared, &text),
                        Some(Err(reason)) => break reason,
                        None => break "the app-server connection was lost".to_string(),
                    },
                    () = reader_shared.closed.cancelled() => break "connection closed by the bridge".to_string(),
                }
            };
            close(&reader_shared, reason);
        });

        let connection = Connection {
            shared,
            next_id: AtomicU64::new(1),
            options,
            user_agent: std::sync::OnceLock::new(),
        };
        connection.initialize().await?;
        Ok(connection)
    }

    async fn initialize(&self) -> Result<(), CodexError> {
        let params = protocol::InitializeParams {
            client_info: protocol::ClientInfo {
                name: "codex-bridge".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            capabilities: protocol::InitializeCapabilities::default(),
        };
        let answer = self.call(&params).await?;
        let _ = self.user_agent.set(answer.user_agent);
        self.notify("initialized", Value::Object(Default::default()));
        Ok(())
    }

    /// `initialize`'s `userAgent` (`codex-bridge/<codex version> (...)`).
    pub fn user_agent(&self) -> &str {
        self.user_agent.get().map_or("", String::as_str)
    }

    /// Whether other clients may use this app-server too.
    pub fn sharing(&self) -> Sharing {
        self.shared.sharing
    }

    /// Send a request and wait for its answer, retrying "Server overloaded" (-32001) with
    /// backoff ([`backoff_delay`]), at most `overload_retries` times.
    pub async fn call<R: Request>(&self, params: &R) -> Result<R::Response, CodexError> {
        let method = R::METHOD;
        let params = serde_json::to_value(params)
            .map_err(|e| CodexError::Protocol(format!("cannot encode {method} params: {e}")))?;
        let mut attempt = 0;
        loop {
            match self.request_once(method, params.clone()).await {
                Err(CodexError::Rpc(error)) if error.code == jsonrpc::OVERLOADED_CODE => {
                    attempt += 1;
                    if attempt > self.options.overload_retries {
                        return Err(CodexError::Overloaded { attempts: attempt });
                    }
                    let delay = backoff_delay(attempt);
                    tracing::debug!(method, attempt, ?delay, "app-server overloaded; retrying");
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(e),
                Ok(value) => {
                    return serde_json::from_value(value).map_err(|e| {
                        CodexError::Protocol(format!("unexpected {method} response: {e}"))
                    })
                }
            }
        }
    }

    async fn request_once(&self, method: &str, params: Value) -> Result<Value, CodexError> {
        if let Some(reason) = self.closed_reason() {
            return Err(CodexError::ConnectionLost(reason));
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.pending).insert(id, tx);
        // Removes the pending entry if this future is dropped (cancelled call) or times out.
        let _guard = PendingGuard {
            shared: &self.shared,
            id,
        };
        self.send_frame(jsonrpc::request_frame(id, method, params));
        tokio::select! {
            answer = rx => match answer {
                Ok(Ok(value)) => Ok(value),
                Ok(Err(error)) => Err(CodexError::Rpc(error)),
                Err(_) => Err(CodexError::ConnectionLost(self.closed_reason().unwrap_or_else(|| "the app-server connection was lost".into()))),
            },
            () = tokio::time::sleep(self.options.request_timeout) => Err(CodexError::Timeout {
                what: format!("the app-server's answer to {method}"),
                after: self.options.request_timeout,
            }),
        }
    }

    /// Fire-and-forget notification to the server.
    pub fn notify(&self, method: &str, params: Value) {
        self.send_frame(jsonrpc::notification_frame(method, params));
    }

    fn send_frame(&self, frame: String) {
        if let Some(tap) = &self.shared.tap {
            tap(Direction::Sent, &frame);
        }
        let _ = self.shared.outgoing.send(frame);
    }

    /// Route this thread's notifications and server requests to the returned subscription
    /// until it is dropped. Subscribe BEFORE `turn/start`: its events can arrive before its
    /// response does.
    pub fn subscribe(&self, thread_id: &str) -> Subscription {
        let (sender, receiver) = mpsc::unbounded_channel();
        if let Some(reason) = self.closed_reason() {
            let _ = sender.send(ThreadMessage::Closed(reason));
        }
        let route = Arc::new(Route {
            target: Mutex::new(Target::Queue(sender)),
        });
        lock(&self.shared.threads).insert(thread_id.to_string(), route.clone());
        Subscription {
            receiver,
            thread_id: thread_id.to_string(),
            shared: self.shared.clone(),
            route,
            attached: false,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.shared.closed.is_cancelled()
    }

    pub fn closed_reason(&self) -> Option<String> {
        if !self.is_closed() {
            return None;
        }
        Some(
            lock(&self.shared.close_reason)
                .clone()
                .unwrap_or_else(|| "the app-server connection was closed".into()),
        )
    }

    /// Close the socket; every waiter is told.
    pub fn close(&self, reason: &str) {
        close(&self.shared, reason.to_string());
    }

    /// The configuration warnings the app-server sent this connection so far (they come
    /// right after `initialize`).
    pub fn config_warnings(&self) -> Vec<ConfigWarning> {
        lock(&self.shared.config_warnings).clone()
    }

    /// Requests still waiting for an answer (for tests and the soak report).
    pub fn pending_requests(&self) -> usize {
        lock(&self.shared.pending).len()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        close(&self.shared, "connection dropped by the bridge".into());
    }
}

struct PendingGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        lock(&self.shared.pending).remove(&self.id);
    }
}

fn dispatch(shared: &Arc<Shared>, text: &str) {
    if let Some(tap) = &shared.tap {
        tap(Direction::Received, text);
    }
    // A streamed answer's deltas, the bulk of the frames, take a shorter way.
    if let Some((thread_id, event)) = TurnEvent::decode_delta_frame(text) {
        if let Some(route) = route_of(shared, &thread_id) {
            deliver(shared, &thread_id, &route, ThreadMessage::Event(event));
        }
        return;
    }
    let incoming = match Incoming::decode(text) {
        Ok(incoming) => incoming,
        Err(e) => {
            tracing::warn!(error = %e, frame = %crate::text::prefix(text, 200), "ignoring undecodable frame from the app-server");
            return;
        }
    };
    match incoming {
        Incoming::Response { id, result } => resolve(shared, &id, Ok(result)),
        Incoming::ErrorResponse { id, error } => resolve(shared, &id, Err(error)),
        Incoming::Notification { method, params } => {
            if method == "configWarning" {
                match serde_json::from_value::<ConfigWarning>(params) {
                    Ok(warning) => {
                        // A configuration Codex cannot load stops every turn: say it loudly.
                        // The rest (a missing bubblewrap, an unknown key) is `doctor`'s to
                        // show, not every command's.
                        let place = warning.place();
                        match (warning.is_invalid_configuration(), place.is_empty()) {
                            (true, _) => {
                                tracing::warn!(summary = %warning.summary, %place, "Codex cannot load its configuration")
                            }
                            (false, true) => {
                                tracing::info!(summary = %warning.summary, "Codex configuration note")
                            }
                            (false, false) => {
                                tracing::info!(summary = %warning.summary, %place, "Codex configuration note")
                            }
                        }
                        lock(&shared.config_warnings).push(warning);
                    }
                    Err(error) => tracing::debug!(%error, "unreadable configWarning"),
                }
                return;
            }
            let Some(thread_id) = Incoming::thread_id(&params).map(str::to_string) else {
                tracing::trace!(%method, "notification not scoped to a thread");
                return;
            };
            let event = TurnEvent::decode(&method, params);
            if let TurnEvent::Other { method } = &event {
                tracing::trace!(%method, %thread_id, "notification not used by turns");
                return;
            }
            match route_of(shared, &thread_id) {
                Some(route) => deliver(shared, &thread_id, &route, ThreadMessage::Event(event)),
                None => {
                    tracing::trace!(%method, %thread_id, "notification for a thread with no running turn")
                }
            }
        }
        Incoming::Request { id, method, params } => {
            let thread_id = Incoming::thread_id(&params).map(str::to_string);
            let thread_id_missing = thread_id.is_none();
            let request = ServerRequest::new(id, method, params);
            let responder = Responder::new(request, shared);
            let route = thread_id
                .as_ref()
                .and_then(|thread_id| route_of(shared, thread_id));
            match (route, thread_id) {
                (Some(route), Some(thread_id)) => deliver(
                    shared,
                    &thread_id,
                    &route,
                    ThreadMessage::Request(responder),
                ),
                // Thread-less requests (auth token refresh, attestation) are addressed to this
                // connection alone, so they are answered (declined) on any app-server.
                _ if thread_id_missing => {
                    tracing::info!(method = %responder.request.method, "server request for no thread; declining");
                    drop(responder);
                }
                _ => responder.not_ours(),
            }
        }
    }
}

/// Where `thread_id`'s messages go now: the turn running on it, if any.
fn route_of(shared: &Shared, thread_id: &str) -> Option<Arc<Route>> {
    lock(&shared.threads).get(thread_id).cloned()
}

/// Hand a message to a thread's route; a request no running turn of ours takes (the turn
/// just ended) is not ours.
fn deliver(shared: &Shared, thread_id: &str, route: &Arc<Route>, message: ThreadMessage) {
    match route.deliver(message) {
        Delivered::Taken => {}
        Delivered::Ended => remove_route(shared, thread_id, route),
        Delivered::Refused(responder) => responder.not_ours(),
    }
}

fn resolve(shared: &Shared, id: &Value, answer: Result<Value, RpcError>) {
    let Some(id) = id.as_u64() else {
        tracing::warn!(%id, "response with an id the bridge never uses; ignored");
        return;
    };
    match lock(&shared.pending).remove(&id) {
        Some(waiter) => {
            let _ = waiter.send(answer);
        }
        None => tracing::debug!(id, "response to an unknown or abandoned request; ignored"),
    }
}

fn close(shared: &Shared, reason: String) {
    if shared.closed.is_cancelled() {
        return;
    }
    tracing::info!(%reason, "app-server connection closed");
    lock(&shared.close_reason).get_or_insert(reason.clone());
    shared.closed.cancel();
    // Dropping the waiters wakes every pending request with "connection lost".
    lock(&shared.pending).clear();
    let routes: Vec<_> = lock(&shared.threads).drain().collect();
    for (_, route) in routes {
        if let Delivered::Refused(responder) = route.deliver(ThreadMessage::Closed(reason.clone()))
        {
            responder.not_ours();
        }
    }
}

/// The pause before retry number `attempt` (1, 2, ...): a cap that doubles from 40 ms (at
/// attempt 1) up to 2 s, with "equal jitter": half the cap plus a random part of up to the
/// other half, so many callers refused at once do not come back at once.
pub fn backoff_delay(attempt: u32) -> Duration {
    let cap_ms = (20u64 << attempt.min(7)).min(2_000);
    Duration::from_millis(cap_ms / 2 + jitter(cap_ms / 2 + 1))
}

fn jitter(below: u64) -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return below / 2;
    }
    u64::from_le_bytes(bytes) % below.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(sharing: Sharing) -> (Arc<Shared>, mpsc::UnboundedReceiver<String>) {
        let (outgoing, sent) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            pending: Mutex::new(HashMap::new()),
            config_warnings: Mutex::new(Vec::new()),
            threads: Mutex::new(HashMap::new()),
            closed: CancellationToken::new(),
            close_reason: Mutex::new(None),
            outgoing,
            tap: None,
            sharing,
        });
        (shared, sent)
    }

    #[test]
    fn a_request_for_no_turn_of_ours_is_declined_only_on_our_own_app_server() {
        let approval = r#"{"id": 7, "method": "item/commandExecution/requestApproval",
            "params": {"threadId": "t", "turnId": "u", "itemId": "c"}}"#;
        let global = r#"{"id": 8, "method": "account/chatgptAuthTokens/refresh", "params": {}}"#;
        for sharing in [Sharing::Exclusive, Sharing::Shared] {
            let (shared, mut sent) = shared(sharing);
            // No subscriber for thread `t`: not a turn of this bridge.
            dispatch(&shared, approval);
            let answer = sent.try_recv().ok();
            match sharing {
                Sharing::Exclusive => assert_eq!(
                    answer.as_deref(),
                    Some(r#"{"id":7,"result":{"decision":"decline"}}"#)
                ),
                Sharing::Shared => assert_eq!(answer, None, "left to the other clients"),
            }
            // A request for no thread is addressed to this connection: always answered.
            dispatch(&shared, global);
            let answer = sent.try_recv().expect("answered");
            assert!(
                answer.contains(r#""id":8"#) && answer.contains("error"),
                "{answer}"
            );
        }
    }

    #[test]
    fn backoff_is_equal_jitter_from_40_ms_to_2_s() {
        for _ in 0..50 {
            let first = backoff_delay(1);
            assert!(
                (Duration::from_millis(20)..=Duration::from_millis(40)).contains(&first),
                "{first:?}"
            );
            let second = backoff_delay(2);
            assert!(
                (Duration::from_millis(40)..=Duration::from_millis(80)).contains(&second),
                "{second:?}"
            );
            for attempt in 7..20 {
                let delay = backoff_delay(attempt);
                assert!(
                    (Duration::from_secs(1)..=Duration::from_secs(2)).contains(&delay),
                    "{attempt}: {delay:?}"
                );
            }
        }
    }
}
