//! The bridge's Codex client: threads and turns over one shared app-server session.
//!
//! Owns the session's lifecycle (started lazily, restarted with backoff when the app-server
//! or the socket dies), which threads the current session has loaded (a thread from another
//! process, or from before a restart, is resumed before its next turn), one-turn-at-a-time per
//! thread, and the registry of turns that lets a later call wait for, read or interrupt a turn
//! its first call no longer watches. Knows nothing of MCP.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::connection::{Connection, ConnectionOptions};
use super::process::{locate_codex, AppServerProcess};
use super::protocol::{
    self, CodexApprovalPolicy, SandboxMode, Thread, ThreadEnvelope, ThreadListParams,
    ThreadListResponse, ThreadStatus, TurnEnvelope, UserInput,
};
use super::turn::{self, TurnHandle};
use crate::approval::Approver;
use crate::config::{ConnectSettings, Link};
use crate::error::{BridgeError, CodexError};
use crate::lock::lock;

/// Finished turns kept for `codex_wait` at most this long...
const KEEP_FINISHED_FOR: Duration = Duration::from_secs(60 * 60);
/// ...and at most this many (oldest dropped first).
const KEEP_FINISHED_MAX: usize = 500;
/// How long a new turn waits for an interrupted one on its thread to end.
const INTERRUPT_GRACE: Duration = Duration::from_secs(5);
/// Longest thread id accepted (Codex's are 36-character UUIDs).
const MAX_THREAD_ID_LEN: usize = 128;

/// Everything one turn needs, already validated against the operator's ceilings.
pub struct TurnRequest {
    pub prompt: String,
    pub cwd: PathBuf,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub sandbox: SandboxMode,
    pub codex_approval: CodexApprovalPolicy,
    pub output_schema: Option<Value>,
    pub approver: Arc<dyn Approver>,
}

/// Options that only make sense when a thread is created.
#[derive(Default, Clone)]
pub struct NewThread {
    pub name: Option<String>,
    pub ephemeral: bool,
    pub base_instructions: Option<String>,
    pub developer_instructions: Option<String>,
}

/// One live connection and what it has loaded.
struct Session {
    connection: Arc<Connection>,
    /// Threads this connection is subscribed to (started or resumed on it).
    loaded: Mutex<HashSet<String>>,
}

/// The current session and what is needed to replace it.
#[derive(Default)]
struct LinkState {
    session: Option<Arc<Session>>,
    /// The embedded app-server, when the bridge owns one.
    process: Option<AppServerProcess>,
    /// Failed starts in a row; drives the backoff so a Codex that keeps dying is not hammered.
    consecutive_failures: u32,
    retry_after: Option<Instant>,
    /// Repeated to callers during the backoff, so they see why.
    last_error: Option<CodexError>,
}

/// Turns this bridge started: running ones, and finished ones kept for `codex_wait`.
#[derive(Default)]
struct Registry {
    turns: HashMap<String, Arc<TurnHandle>>,
    latest_by_thread: HashMap<String, Arc<TurnHandle>>,
    /// Threads with a turn being started right now (before its handle exists).
    starting: HashSet<String>,
    ephemeral: HashSet<String>,
}

pub struct CodexClient {
    settings: ConnectSettings,
    options: ConnectionOptions,
    link: tokio::sync::Mutex<LinkState>,
    registry: Arc<Mutex<Registry>>,
}

/// Holds a thread's "a turn is being started" mark; released on drop, so a failed start
/// (or a cancelled call) never leaves the thread looking busy.
struct StartingGuard {
    registry: Arc<Mutex<Registry>>,
    thread_id: String,
}

impl Drop for StartingGuard {
    fn drop(&mut self) {
        lock(&self.registry).starting.remove(&self.thread_id);
    }
}

impl CodexClient {
    pub fn new(settings: ConnectSettings, options: ConnectionOptions) -> CodexClient {
        CodexClient {
            settings,
            options,
            link: tokio::sync::Mutex::new(LinkState::default()),
            registry: Arc::new(Mutex::new(Registry::default())),
        }
    }

    /// Make sure a session is up (for warm-up and `doctor`).
    pub async fn ensure_connected(&self) -> Result<(), CodexError> {
        self.session().await.map(|_| ())
    }

    async fn session(&self) -> Result<Arc<Session>, CodexError> {
        let mut link = self.link.lock().await;
        if let Some(session) = &link.session {
            if !session.connection.is_closed() {
                return Ok(session.clone());
            }
            tracing::warn!(
                reason = session.connection.closed_reason().unwrap_or_default(),
                "app-server session ended; starting a new one"
            );
        }
        link.session = None;
        if let Some(process) = link.process.take() {
            process.shutdown(Duration::from_millis(500)).await;
        }
        if let Some(retry_after) = link.retry_after {
            if Instant::now() < retry_after {
                let wait = retry_after.saturating_duration_since(Instant::now());
                let last = link
                    .last_error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return Err(CodexError::Start(format!(
                    "the Codex app-server failed {} time(s) in a row; next attempt in {:.1}s. Last error: {last}",
                    link.consecutive_failures,
                    wait.as_secs_f64()
                )));
            }
        }
        match self.open().await {
            Ok((session, process)) => {
                link.consecutive_failures = 0;
                link.retry_after = None;
                link.last_error = None;
                link.process = process;
                link.session = Some(session.clone());
                Ok(session)
            }
            Err(error) => {
                link.consecutive_failures += 1;
                // 0.5 s, 1 s, 2 s ... capped at 30 s: a Codex that keeps dying is not
                // hammered, and a transient failure heals quickly.
                let backoff = Duration::from_millis(
                    (500u64 << link.consecutive_failures.min(6).saturating_sub(1)).min(30_000),
                );
                link.retry_after = Some(Instant::now() + backoff);
                link.last_error = Some(error.clone());
                Err(error)
            }
        }
    }

    async fn open(&self) -> Result<(Arc<Session>, Option<AppServerProcess>), CodexError> {
        let (connection, process) = match &self.settings.link {
            Link::Embedded { codex_bin } => {
                let binary = locate_codex(codex_bin.as_deref())?;
                let process =
                    AppServerProcess::spawn(&binary, self.settings.connect_timeout).await?;
                let connection =
                    Connection::connect(&process.url, Some(&process.token), self.options.clone())
                        .await?;
                (connection, Some(process))
            }
            Link::External { url, token } => {
                let connection = self.connect_external(url, token.as_deref()).await?;
                (connection, None)
            }
        };
        Ok((
            Arc::new(Session {
                connection: Arc::new(connection),
                loaded: Mutex::new(HashSet::new()),
            }),
            process,
        ))
    }

    /// Connect to an external app-server, retrying with backoff until the connect timeout:
    /// a server being restarted comes back within it. A refused token is final at once:
    /// the same token will be refused again.
    async fn connect_external(
        &self,
        url: &str,
        token: Option<&str>,
    ) -> Result<Connection, CodexError> {
        let deadline = Instant::now() + self.settings.connect_timeout;
        let mut attempt = 0;
        loop {
            match Connection::connect(url, token, self.options.clone()).await {
                Ok(connection) => return Ok(connection),
                Err(error) if super::connection::is_refusal(&error) => return Err(error),
                Err(error) => {
                    attempt += 1;
                    let delay = super::connection::backoff_delay(attempt + 3);
                    if Instant::now() + delay >= deadline {
                        return Err(error);
                    }
                    tracing::info!(%error, attempt, "app-server not reachable yet; retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// New thread, first turn.
    pub async fn start_thread(
        &self,
        new: NewThread,
        request: TurnRequest,
    ) -> Result<Arc<TurnHandle>, BridgeError> {
        let mut retried = false;
        loop {
            let session = self.session().await?;
            match self.start_thread_on(&session, &new, &request).await {
                Err(error) if !retried && is_stale_session(&error, &session) => retried = true,
                outcome => return outcome,
            }
        }
    }

    async fn start_thread_on(
        &self,
        session: &Arc<Session>,
        new: &NewThread,
        request: &TurnRequest,
    ) -> Result<Arc<TurnHandle>, BridgeError> {
        let params = protocol::ThreadStartParams {
            cwd: Some(request.cwd.display().to_string()),
            model: request.model.clone(),
            approval_policy: Some(request.codex_approval),
            sandbox: Some(request.sandbox),
            base_instructions: new.base_instructions.clone(),
            developer_instructions: new.developer_instructions.clone(),
            config: None,
            ephemeral: new.ephemeral.then_some(true),
        };
        let started: ThreadEnvelope = session.connection.request("thread/start", &params).await?;
        let thread_id = started.thread.id;
        lock(&session.loaded).insert(thread_id.clone());
        if new.ephemeral {
            lock(&self.registry).ephemeral.insert(thread_id.clone());
        }
        if let Some(name) = new.name.clone().filter(|name| !name.is_empty()) {
            let _: Value = session
                .connection
                .request(
                    "thread/name/set",
                    &protocol::ThreadNameSetParams {
                        thread_id: thread_id.clone(),
                        name,
                    },
                )
                .await?;
        }
        let guard = self.reserve(&thread_id).await?;
        self.start_turn(session, &thread_id, request, guard).await
    }

    /// Next turn on an existing thread, resuming it first when this session has not loaded it.
    pub async fn continue_thread(
        &self,
        thread_id: &str,
        request: TurnRequest,
    ) -> Result<Arc<TurnHandle>, BridgeError> {
        check_thread_id(thread_id)?;
        let mut retried = false;
        loop {
            let guard = self.reserve(thread_id).await?;
            let session = self.session().await?;
            match self
                .continue_thread_on(&session, thread_id, &request, guard)
                .await
            {
                Err(error) if !retried && is_stale_session(&error, &session) => retried = true,
                outcome => return outcome,
            }
        }
    }

    async fn continue_thread_on(
        &self,
        session: &Arc<Session>,
        thread_id: &str,
        request: &TurnRequest,
        guard: StartingGuard,
    ) -> Result<Arc<TurnHandle>, BridgeError> {
        let loaded = lock(&session.loaded).contains(thread_id);
        if !loaded {
            let resumed: ThreadEnvelope = session
                .connection
                .request(
                    "thread/resume",
                    &protocol::ThreadResumeParams {
                        thread_id: thread_id.to_string(),
                        exclude_turns: true,
                    },
                )
                .await
                .map_err(|e| self.thread_error(thread_id, e))?;
            lock(&session.loaded).insert(thread_id.to_string());
            if let Some(ThreadStatus::Active { .. }) = resumed.thread.status {
                return Err(BridgeError::Busy(format!(
                    "thread {thread_id} has a turn running in another Codex client; wait for it to finish (or interrupt it there) and try again"
                )));
            }
        }
        self.start_turn(session, thread_id, request, guard).await
    }

    async fn start_turn(
        &self,
        session: &Arc<Session>,
        thread_id: &str,
        request: &TurnRequest,
        _guard: StartingGuard,
    ) -> Result<Arc<TurnHandle>, BridgeError> {
        // Subscribe before turn/start: the turn's first events can beat its response.
        let subscription = session.connection.subscribe(thread_id);
        let params = protocol::TurnStartParams {
            thread_id: thread_id.to_string(),
            input: vec![UserInput::Text {
                text: request.prompt.clone(),
            }],
            cwd: Some(request.cwd.display().to_string()),
            model: request.model.clone(),
            effort: request.effort.clone(),
            approval_policy: request.codex_approval,
            sandbox_policy: request.sandbox.turn_policy(),
            output_schema: request.output_schema.clone(),
        };
        let started: TurnEnvelope = session
            .connection
            .request("turn/start", &params)
            .await
            .map_err(|e| self.thread_error(thread_id, e))?;
        let (baseline, ephemeral) = {
            let registry = lock(&self.registry);
            (
                registry
                    .latest_by_thread
                    .get(thread_id)
                    .and_then(|previous| previous.usage_total()),
                registry.ephemeral.contains(thread_id),
            )
        };
        let handle = TurnHandle::new(
            thread_id.to_string(),
            started.turn.id.clone(),
            request.output_schema.is_some(),
            baseline,
        );
        self.register(handle.clone());
        tokio::spawn(turn::drive(
            handle.clone(),
            subscription,
            request.approver.clone(),
            ephemeral,
        ));
        Ok(handle)
    }

    /// Mark the thread as getting a turn, or refuse it as busy. A turn already being
    /// interrupted (a cancelled call) is waited for briefly: it ends within milliseconds,
    /// and the caller who cancelled it usually sends the next turn right away.
    async fn reserve(&self, thread_id: &str) -> Result<StartingGuard, BridgeError> {
        let running = lock(&self.registry)
            .latest_by_thread
            .get(thread_id)
            .filter(|handle| !handle.is_finished())
            .cloned();
        if let Some(handle) = running {
            if !(handle.is_interrupting() && handle.wait(INTERRUPT_GRACE).await) {
                return Err(busy_error(thread_id, Some(&handle.turn_id)));
            }
        }
        let mut registry = lock(&self.registry);
        if !registry.starting.insert(thread_id.to_string()) {
            return Err(busy_error(thread_id, None));
        }
        Ok(StartingGuard {
            registry: self.registry.clone(),
            thread_id: thread_id.to_string(),
        })
    }

    fn register(&self, handle: Arc<TurnHandle>) {
        let mut registry = lock(&self.registry);
        prune(&mut registry);
        registry
            .turns
            .insert(handle.turn_id.clone(), handle.clone());
        registry
            .latest_by_thread
            .insert(handle.thread_id.clone(), handle);
    }

    /// A turn this bridge ran: by turn id, else the thread's latest.
    pub fn find_turn(&self, thread_id: &str, turn_id: Option<&str>) -> Option<Arc<TurnHandle>> {
        let registry = lock(&self.registry);
        match turn_id {
            Some(turn_id) => registry
                .turns
                .get(turn_id)
                .filter(|handle| handle.thread_id == thread_id)
                .cloned(),
            None => registry.latest_by_thread.get(thread_id).cloned(),
        }
    }

    /// Ask Codex to stop a running turn and wait (briefly) for it to end.
    pub async fn interrupt(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
    ) -> Result<Option<Arc<TurnHandle>>, BridgeError> {
        check_thread_id(thread_id)?;
        let handle = self.find_turn(thread_id, turn_id);
        let target = match (&handle, turn_id) {
            (Some(handle), _) if !handle.is_finished() => handle.turn_id.clone(),
            (Some(handle), _) => return Ok(Some(handle.clone())),
            (None, Some(turn_id)) => turn_id.to_string(),
            (None, None) => {
                return Err(BridgeError::NotFound(format!(
                    "this bridge has no running turn on thread {thread_id}; pass turn_id to interrupt a turn started elsewhere"
                )))
            }
        };
        let session = self.session().await?;
        if let Some(handle) = &handle {
            handle.mark_interrupting();
        }
        let _: Value = session
            .connection
            .request(
                "turn/interrupt",
                &protocol::TurnInterruptParams {
                    thread_id: thread_id.to_string(),
                    turn_id: target,
                },
            )
            .await
            .map_err(|e| self.thread_error(thread_id, e))?;
        if let Some(handle) = &handle {
            handle.wait(Duration::from_secs(5)).await;
        }
        Ok(handle)
    }

    /// Interrupt a turn without waiting; used when a call is cancelled.
    pub async fn interrupt_quietly(&self, handle: &TurnHandle) {
        if handle.is_finished() {
            return;
        }
        if let Err(error) = self
            .interrupt(&handle.thread_id, Some(&handle.turn_id))
            .await
        {
            tracing::warn!(%error, thread_id = %handle.thread_id, "could not interrupt turn");
        }
    }

    pub async fn list_threads(
        &self,
        params: ThreadListParams,
    ) -> Result<ThreadListResponse, BridgeError> {
        let session = self.session().await?;
        session
            .connection
            .request("thread/list", &params)
            .await
            .map_err(|e| match e {
                CodexError::Rpc(error) if error.message.contains("cursor") => {
                    BridgeError::invalid(format!(
                        "cursor is not valid ({}); pass the next_cursor of a previous codex_list_threads result, or omit it",
                        error.message
                    ))
                }
                other => BridgeError::Codex(other),
            })
    }

    /// A persisted thread with its turns.
    pub async fn read_thread(&self, thread_id: &str) -> Result<Thread, BridgeError> {
        check_thread_id(thread_id)?;
        let session = self.session().await?;
        let read: ThreadEnvelope = session
            .connection
            .request(
                "thread/read",
                &protocol::ThreadReadParams {
                    thread_id: thread_id.to_string(),
                    include_turns: true,
                },
            )
            .await
            .map_err(|e| self.thread_error(thread_id, e))?;
        Ok(read.thread)
    }

    /// Interrupt what runs, close the session and end the app-server we own.
    pub async fn shutdown(&self) {
        let running: Vec<_> = lock(&self.registry)
            .turns
            .values()
            .filter(|handle| !handle.is_finished())
            .cloned()
            .collect();
        let interrupts = running.iter().map(|handle| self.interrupt_quietly(handle));
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            futures_util::future::join_all(interrupts),
        )
        .await;
        let mut link = self.link.lock().await;
        if let Some(session) = link.session.take() {
            let still_running = running
                .iter()
                .filter(|handle| !handle.is_finished())
                .count();
            tracing::info!(
                pending_requests = session.connection.pending_requests(),
                turns_interrupted = running.len(),
                turns_still_running = still_running,
                "closing the app-server session"
            );
            session.connection.close("the bridge is shutting down");
        }
        if let Some(process) = link.process.take() {
            process.shutdown(Duration::from_millis(1_500)).await;
        }
    }

    /// Turn an app-server error about a thread into words a caller can act on.
    fn thread_error(&self, thread_id: &str, error: CodexError) -> BridgeError {
        let CodexError::Rpc(rpc) = &error else {
            return BridgeError::Codex(error);
        };
        let message = rpc.message.as_str();
        let ephemeral = lock(&self.registry).ephemeral.contains(thread_id);
        if message.contains("not found")
            || message.contains("not loaded")
            || message.contains("no rollout found")
        {
            if ephemeral {
                return BridgeError::NotFound(format!(
                    "thread {thread_id} was ephemeral and ended with the app-server it ran on; it cannot be continued. Start a new thread with codex_ask"
                ));
            }
            return BridgeError::NotFound(format!(
                "thread {thread_id} was not found by Codex ({message}); find existing threads with codex_list_threads"
            ));
        }
        if message.contains("no active turn") {
            return BridgeError::NotFound(format!(
                "thread {thread_id} has no running turn to interrupt ({message})"
            ));
        }
        BridgeError::Codex(error)
    }
}

/// The session died under this operation before any turn started (the app-server was killed
/// and the bridge had not noticed yet): worth one more try on a fresh session.
fn is_stale_session(error: &BridgeError, session: &Session) -> bool {
    matches!(error, BridgeError::Codex(CodexError::ConnectionLost(_)))
        && session.connection.is_closed()
}

fn busy_error(thread_id: &str, turn_id: Option<&str>) -> BridgeError {
    let turn = turn_id
        .map(|turn_id| format!(" (turn {turn_id})"))
        .unwrap_or_default();
    let turn_arg = turn_id
        .map(|turn_id| format!(", turn_id: \"{turn_id}\""))
        .unwrap_or_default();
    BridgeError::Busy(format!(
        "thread {thread_id} already has a turn running{turn}. Wait for it with codex_wait {{thread_id: \"{thread_id}\"{turn_arg}}} or stop it with codex_interrupt, then try again"
    ))
}

/// Refuse ids that cannot be Codex thread ids before asking the server.
pub fn check_thread_id(thread_id: &str) -> Result<(), BridgeError> {
    let well_formed = !thread_id.is_empty()
        && thread_id.len() <= MAX_THREAD_ID_LEN
        && thread_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if well_formed {
        Ok(())
    } else {
        Err(BridgeError::invalid(format!(
            "thread_id {:?} is not a Codex thread id (expected a UUID such as 019a5f0e-...); use an id from codex_ask or codex_list_threads",
            crate::text::shorten(thread_id, 80)
        )))
    }
}

fn prune(registry: &mut Registry) {
    prune_at(registry, Instant::now());
}

/// Drop finished turns older than [`KEEP_FINISHED_FOR`], then the oldest finished ones
/// beyond [`KEEP_FINISHED_MAX`]. Running turns are always kept.
fn prune_at(registry: &mut Registry, now: Instant) {
    registry.turns.retain(|_, handle| {
        handle
            .finished_at()
            .is_none_or(|finished| now.duration_since(finished) < KEEP_FINISHED_FOR)
    });
    if registry.turns.len() >= KEEP_FINISHED_MAX {
        let mut finished: Vec<_> = registry
            .turns
            .values()
            .filter_map(|handle| handle.finished_at().map(|at| (at, handle.turn_id.clone())))
            .collect();
        finished.sort();
        let excess = registry.turns.len() + 1 - KEEP_FINISHED_MAX;
        for (_, turn_id) in finished.into_iter().take(excess) {
            registry.turns.remove(&turn_id);
        }
    }
    let Registry {
        turns,
        latest_by_thread,
        ..
    } = registry;
    latest_by_thread.retain(|_, handle| turns.contains_key(&handle.turn_id));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_ids_are_checked_before_use() {
        assert!(check_thread_id("019a5f0e-1234-7abc-8def-0123456789ab").is_ok());
        for bad in ["", "../etc", "a b", "x".repeat(200).as_str(), "id\u{0}"] {
            assert!(check_thread_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn registry_is_bounded() {
        let mut registry = Registry::default();
        for n in 0..(KEEP_FINISHED_MAX + 50) {
            let handle = TurnHandle::new(format!("t{n}"), format!("u{n}"), false, None);
            handle.fail("done".into());
            prune(&mut registry);
            registry
                .turns
                .insert(handle.turn_id.clone(), handle.clone());
            registry
                .latest_by_thread
                .insert(handle.thread_id.clone(), handle);
        }
        assert!(registry.turns.len() <= KEEP_FINISHED_MAX);
        assert!(registry.latest_by_thread.len() <= KEEP_FINISHED_MAX);
        // The newest survive.
        assert!(registry
            .turns
            .contains_key(&format!("u{}", KEEP_FINISHED_MAX + 49)));
    }

    #[test]
    fn finished_turns_expire() {
        let mut registry = Registry::default();
        let finished = TurnHandle::new("t1".into(), "old".into(), false, None);
        finished.fail("done".into());
        let running = TurnHandle::new("t2".into(), "running".into(), false, None);
        for handle in [finished, running] {
            registry
                .turns
                .insert(handle.turn_id.clone(), handle.clone());
            registry
                .latest_by_thread
                .insert(handle.thread_id.clone(), handle);
        }
        prune_at(&mut registry, Instant::now() + KEEP_FINISHED_FOR / 2);
        assert_eq!(registry.turns.len(), 2, "kept while fresh");
        prune_at(&mut registry, Instant::now() + KEEP_FINISHED_FOR * 2);
        assert!(!registry.turns.contains_key("old"), "expired");
        assert!(
            registry.turns.contains_key("running"),
            "running turns never expire"
        );
        assert!(!registry.latest_by_thread.contains_key("t1"));
    }

    #[test]
    fn running_turns_are_never_pruned() {
        let mut registry = Registry::default();
        let running = TurnHandle::new("t".into(), "running".into(), false, None);
        registry.turns.insert("running".into(), running);
        for n in 0..(KEEP_FINISHED_MAX + 5) {
            let handle = TurnHandle::new(format!("t{n}"), format!("u{n}"), false, None);
            handle.fail("done".into());
            prune(&mut registry);
            registry.turns.insert(handle.turn_id.clone(), handle);
        }
        assert!(registry.turns.contains_key("running"));
    }
}
