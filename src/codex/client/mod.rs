//! The bridge's Codex client: threads and turns over the shared app-server session.
//!
//! A facade over the session ([`super::session`]) and the turn registry
//! ([`super::registry`]): each method is one operation on the app-server, with the
//! bookkeeping it needs (resume before a turn on a thread this session has not loaded, one
//! turn per thread, one retry when the session turns out to have died under the call).
//! Errors are typed ([`CodexError`]); knows nothing of MCP.
//!
//! This file holds what starts or stops turns (a prompt's turn, a steer, a review, a
//! compaction, an interrupt); [`threads`] holds the reads and edits of saved threads.

mod threads;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::approver::Approver;
use super::connection::{ConnectionOptions, Sharing, Subscription, ThreadMessage};
use super::error::{classify, About, CodexError};
use super::link::LinkSettings;
use super::protocol::{
    AskForApproval, ReviewDelivery, ReviewStartParams, ReviewTarget, SandboxMode, Thread,
    ThreadCompactStartParams, ThreadForkParams, ThreadResumeParams, ThreadSetNameParams,
    ThreadStartParams, ThreadStatus, TurnEvent, TurnInterruptParams, TurnStartParams,
    TurnSteerParams, UserInput,
};
use super::registry::{Hold, Registry, Reservation};
use super::session::{Session, Sessions};
use super::spare::SparePolicy;
use super::turn::{TurnDriver, TurnHandle, TurnKind};

/// How long an interrupt waits for the turn to report that it ended.
const INTERRUPT_WAIT: Duration = Duration::from_secs(5);
/// How long shutdown waits for running turns to be interrupted.
const SHUTDOWN_INTERRUPT_WAIT: Duration = Duration::from_secs(2);
/// How long a new thread's naming may wait for Codex to have written the thread.
const NAME_WAIT: Duration = Duration::from_secs(10);
/// Pause between two naming attempts when the turn reports nothing new.
const NAME_RETRY: Duration = Duration::from_millis(50);
/// How long a compaction may take to report its turn after `thread/compact/start` answered.
const COMPACTION_START_WAIT: Duration = Duration::from_secs(30);

/// Everything one turn needs, already validated by the caller.
pub struct TurnRequest {
    pub prompt: String,
    pub cwd: PathBuf,
    pub model: Option<String>,
    /// A reasoning effort word the model advertises.
    pub effort: Option<String>,
    pub sandbox: SandboxMode,
    pub approval_policy: AskForApproval,
    pub output_schema: Option<Value>,
    pub approver: Arc<dyn Approver>,
    /// The holder this turn runs for, on a thread held for it ([`Registry::hold`]).
    pub holder: Option<String>,
    /// Who starts the turn (recorded on its handle and in the registry; `None`: nobody
    /// named).
    pub started_by: Option<String>,
}

/// Options that only make sense when a thread is created.
#[derive(Default, Clone)]
pub struct NewThread {
    pub name: Option<String>,
    pub ephemeral: bool,
    pub base_instructions: Option<String>,
    pub developer_instructions: Option<String>,
}

/// A thread for a review: where it starts, and its model. Always read-only, approvals
/// declined.
pub struct ReviewThread {
    pub cwd: PathBuf,
    pub model: Option<String>,
    /// A reasoning effort the model advertises (`review/start` takes none: it is the
    /// thread's `model_reasoning_effort`).
    pub effort: Option<String>,
    /// Review a fork of this thread (the fork is made read-only; the thread is unchanged).
    pub fork_of: Option<String>,
}

/// A fork to make (`thread/fork`).
pub struct Fork {
    pub thread_id: String,
    /// Keep the history up to and including this turn (default: all of it).
    pub last_turn_id: Option<String>,
    pub name: Option<String>,
    pub model: Option<String>,
}

pub struct CodexClient {
    sessions: Sessions,
    registry: Registry,
    /// `model/list`'s catalog, read once: it is bundled with the app-server.
    models: tokio::sync::OnceCell<Vec<super::protocol::Model>>,
}

impl CodexClient {
    pub fn new(settings: LinkSettings, options: ConnectionOptions) -> CodexClient {
        CodexClient {
            sessions: Sessions::new(settings, options),
            registry: Registry::default(),
            models: tokio::sync::OnceCell::new(),
        }
    }

    /// Keep spare threads for new threads as `policy` says, on the bridge's own app-server
    /// only ([`super::spare`]). Without this, none.
    pub fn with_spares(mut self, policy: SparePolicy) -> CodexClient {
        self.sessions = self.sessions.with_spares(policy);
        self
    }

    /// Make sure a session is up (warm-up, and the command line's connect step).
    pub async fn ensure_connected(&self) -> Result<(), CodexError> {
        self.sessions.current().await.map(|_| ())
    }

    /// New thread, first turn.
    pub async fn start_thread(
        &self,
        new: NewThread,
        request: TurnRequest,
    ) -> Result<Arc<TurnHandle>, CodexError> {
        let mut retried = false;
        loop {
            let session = self.sessions.current().await?;
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
    ) -> Result<Arc<TurnHandle>, CodexError> {
        // A spare thread has every thread-level setting of this one but the instructions
        // and `ephemeral`: the turn gives the rest (model, effort, sandbox, policy, cwd).
        let fits_a_spare = !new.ephemeral
            && new.base_instructions.is_none()
            && new.developer_instructions.is_none();
        let spare = match fits_a_spare.then(|| session.claim_spare(&request.cwd)) {
            Some(Some(claim)) => claim.thread_id().await,
            Some(None) | None => None,
        };
        let thread_id = match spare {
            Some(thread_id) => thread_id,
            None => {
                let params = ThreadStartParams {
                    cwd: Some(request.cwd.display().to_string()),
                    model: request.model.clone(),
                    approval_policy: Some(request.approval_policy),
                    sandbox: Some(request.sandbox),
                    base_instructions: new.base_instructions.clone(),
                    developer_instructions: new.developer_instructions.clone(),
                    config: None,
                    ephemeral: new.ephemeral.then_some(true),
                };
                let started = session
                    .connection
                    .call(&params)
                    .await
                    .map_err(|e| classify(e, About::Other))?;
                started.thread.id
            }
        };
        session.mark_loaded(&thread_id);
        if new.ephemeral {
            self.registry.mark_ephemeral(&thread_id);
        }
        let turn = match self.registry.reserve(&thread_id, None).await {
            Ok(reservation) => {
                self.start_turn(session, &thread_id, request, &reservation)
                    .await
            }
            Err(error) => Err(error),
        };
        let handle = match turn {
            Ok(handle) => handle,
            Err(error) => {
                // A thread with no turn is a spare nobody can see in a listing: do not keep
                // it loaded (on a shared app-server, unloaded within a minute, it is gone).
                session.release(&thread_id).await;
                return Err(error);
            }
        };
        // Named once its first turn runs: a name set earlier would write the thread to disk
        // even if that turn could not start, leaving a thread no listing shows.
        if let Some(name) = new.name.clone().filter(|name| !name.is_empty()) {
            self.name_new_thread(session, &handle, name).await;
        }
        Ok(handle)
    }

    /// Name a thread whose first turn has just started. Codex writes the thread's rollout a
    /// moment after `turn/start` (until then `thread/name/set` says "rollout at ... is
    /// empty"), so the name is set once the turn has reported something, tried again as the
    /// turn moves on, and given up (logged) when the turn ends or [`NAME_WAIT`] passes.
    async fn name_new_thread(&self, session: &Arc<Session>, handle: &TurnHandle, name: String) {
        let mut changes = handle.changes();
        let deadline = tokio::time::Instant::now() + NAME_WAIT;
        loop {
            let named = session
                .connection
                .call(&ThreadSetNameParams {
                    thread_id: handle.thread_id.clone(),
                    name: name.clone(),
                })
                .await;
            let error = match named {
                Ok(_) => return,
                Err(error) => error,
            };
            if handle.is_finished() || tokio::time::Instant::now() >= deadline {
                tracing::warn!(%error, thread_id = %handle.thread_id, "the thread runs, but naming it failed");
                return;
            }
            tokio::select! {
                _ = changes.changed() => {}
                () = tokio::time::sleep(NAME_RETRY) => {}
            }
        }
    }

    /// Next turn on an existing thread, resuming it first when this session has not loaded it.
    pub async fn continue_thread(
        &self,
        thread_id: &str,
        request: TurnRequest,
    ) -> Result<Arc<TurnHandle>, CodexError> {
        let mut retried = false;
        loop {
            let reservation = self
                .registry
                .reserve(thread_id, request.holder.as_deref())
                .await?;
            let session = self.sessions.current().await?;
            match self
                .continue_thread_on(&session, thread_id, &request, reservation)
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
        reservation: Reservation,
    ) -> Result<Arc<TurnHandle>, CodexError> {
        self.load(session, thread_id).await?;
        let started = match self
            .start_turn(session, thread_id, request, &reservation)
            .await
        {
            // The thread was unloaded under this session (archived, reverted or closed in
            // another client): load it again, which also says precisely what is wrong.
            Err(CodexError::ThreadNotFound { .. }) if !session.connection.is_closed() => {
                session.mark_unloaded(thread_id);
                self.load(session, thread_id).await?;
                self.start_turn(session, thread_id, request, &reservation)
                    .await
            }
            outcome => outcome,
        };
        if started.is_err() {
            session.release(thread_id).await;
        }
        started
    }

    /// Resume `thread_id` on `session` unless it is loaded there; refuse it while another
    /// client runs a turn on it.
    async fn load(&self, session: &Arc<Session>, thread_id: &str) -> Result<(), CodexError> {
        if session.is_loaded(thread_id) {
            return Ok(());
        }
        let resumed = session
            .connection
            .call(&ThreadResumeParams {
                thread_id: thread_id.to_string(),
                exclude_turns: true,
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        session.mark_loaded(thread_id);
        if let Some(ThreadStatus::Active { .. }) = resumed.thread.status {
            // Someone else's turn runs there. Resuming subscribed this connection to it,
            // and its pending requests are replayed to subscribers: they stay theirs
            // (see `Sharing`), and the bridge lets go of the thread at once.
            session.release(thread_id).await;
            return Err(CodexError::TurnRunning {
                thread_id: thread_id.to_string(),
                turn_id: None,
                elsewhere: true,
            });
        }
        Ok(())
    }

    async fn start_turn(
        &self,
        session: &Arc<Session>,
        thread_id: &str,
        request: &TurnRequest,
        _reservation: &Reservation,
    ) -> Result<Arc<TurnHandle>, CodexError> {
        // Subscribe before turn/start: the turn's first events can beat its response.
        let subscription = session.connection.subscribe(thread_id);
        let params = TurnStartParams {
            thread_id: thread_id.to_string(),
            input: vec![UserInput::Text {
                text: request.prompt.clone(),
            }],
            cwd: Some(request.cwd.display().to_string()),
            model: request.model.clone(),
            effort: request.effort.clone(),
            approval_policy: request.approval_policy,
            sandbox_policy: request.sandbox.turn_policy(),
            output_schema: request.output_schema.clone(),
        };
        let started = session
            .connection
            .call(&params)
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        let handle = TurnHandle::new(
            thread_id.to_string(),
            started.turn.id,
            request.output_schema.is_some(),
            self.registry.usage_baseline(thread_id),
        );
        if let Some(who) = &request.started_by {
            handle.set_started_by(who.clone());
        }
        Ok(self.drive(session, handle, subscription, request.approver.clone()))
    }

    /// Register a started turn and have its events folded as they arrive (on the
    /// connection's reader: [`TurnDriver`]); once it ends, let go of the thread (on a shared
    /// app-server: unsubscribe).
    fn drive(
        &self,
        session: &Arc<Session>,
        handle: Arc<TurnHandle>,
        subscription: Subscription,
        approver: Arc<dyn Approver>,
    ) -> Arc<TurnHandle> {
        self.registry.register(handle.clone());
        let driven = handle.clone();
        let ephemeral = self.registry.is_ephemeral(&handle.thread_id);
        let session = session.clone();
        // Runs on the connection's reader once the turn is over.
        let on_end = Box::new(move || match session.connection.sharing() {
            // Nothing to let go of on our own app-server (see `Session::release`).
            Sharing::Exclusive => {
                driven.settle();
                // Spares are started between turns, not while one runs.
                session.fill_spares();
            }
            Sharing::Shared => {
                tokio::spawn(async move {
                    // Done with the thread until its next turn (which waits for this).
                    session.release(&driven.thread_id).await;
                    driven.settle();
                });
            }
        });
        subscription.attach(Box::new(TurnDriver::new(
            handle.clone(),
            approver,
            ephemeral,
            on_end,
        )));
        handle
    }

    /// Fork a thread (`thread/fork`): a new saved thread with the source's history up to
    /// and including `last_turn_id`, loaded on this session, named if asked. The fork gets
    /// `sandbox` (the config's default when `None`, never the source's).
    pub async fn fork_thread(
        &self,
        fork: &Fork,
        sandbox: Option<SandboxMode>,
        approval_policy: Option<AskForApproval>,
        config: Option<serde_json::Map<String, Value>>,
    ) -> Result<Thread, CodexError> {
        let session = self.sessions.current().await?;
        let params = ThreadForkParams {
            thread_id: fork.thread_id.clone(),
            last_turn_id: fork.last_turn_id.clone(),
            model: fork.model.clone(),
            sandbox,
            approval_policy,
            config,
            ..ThreadForkParams::default()
        };
        let about = match &fork.last_turn_id {
            Some(turn_id) => About::Turn {
                thread_id: &fork.thread_id,
                turn_id,
            },
            None => About::Thread {
                thread_id: &fork.thread_id,
                ephemeral: self.registry.is_ephemeral(&fork.thread_id),
            },
        };
        let forked = session
            .connection
            .call(&params)
            .await
            .map_err(|e| classify(e, about))?;
        let mut thread = forked.thread;
        session.mark_loaded(&thread.id);
        if let Some(name) = fork.name.clone().filter(|name| !name.is_empty()) {
            session
                .connection
                .call(&ThreadSetNameParams {
                    thread_id: thread.id.clone(),
                    name: name.clone(),
                })
                .await?;
            thread.name = Some(name);
        }
        Ok(thread)
    }

    /// Add input to the running turn (`turn/steer`). The turn keeps its id; whoever
    /// watches it sees the steered answer. `turn_id`: the turn the caller means (default:
    /// the thread's running turn). Returns the turn's id.
    pub async fn steer(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
        prompt: &str,
    ) -> Result<String, CodexError> {
        let running = self
            .registry
            .find(thread_id, None)
            .filter(|handle| !handle.is_finished());
        let expected = match (turn_id, &running) {
            (Some(turn_id), _) => turn_id.to_string(),
            (None, Some(handle)) => handle.turn_id.clone(),
            // A turn another client runs: the thread's newest turn, if it is running.
            (None, None) => match self.running_turn_elsewhere(thread_id).await? {
                Some(turn_id) => turn_id,
                None => {
                    return Err(CodexError::NoActiveTurn {
                        thread_id: thread_id.to_string(),
                        detail: String::new(),
                    })
                }
            },
        };
        let session = self.sessions.current().await?;
        let steered = session
            .connection
            .call(&TurnSteerParams {
                thread_id: thread_id.to_string(),
                expected_turn_id: expected,
                input: vec![UserInput::Text {
                    text: prompt.to_string(),
                }],
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        Ok(steered.turn_id)
    }

    /// Start a code review (`review/start`, inline) in a read-only thread: a new one, or a
    /// read-only fork of `fork_of`. The review sub-agent keeps its thread's sandbox, so the
    /// thread itself must be read-only; `never` makes Codex refuse every escalation.
    pub async fn start_review(
        &self,
        thread: ReviewThread,
        target: ReviewTarget,
        approver: Arc<dyn Approver>,
    ) -> Result<Arc<TurnHandle>, CodexError> {
        let thread_id = match &thread.fork_of {
            Some(source) => {
                let fork = Fork {
                    thread_id: source.clone(),
                    last_turn_id: None,
                    name: None,
                    model: thread.model.clone(),
                };
                self.fork_thread(
                    &fork,
                    Some(SandboxMode::ReadOnly),
                    Some(AskForApproval::Never),
                    effort_config(thread.effort.as_deref()),
                )
                .await?
                .id
            }
            None => {
                let session = self.sessions.current().await?;
                let started = session
                    .connection
                    .call(&ThreadStartParams {
                        cwd: Some(thread.cwd.display().to_string()),
                        model: thread.model.clone(),
                        approval_policy: Some(AskForApproval::Never),
                        sandbox: Some(SandboxMode::ReadOnly),
                        config: effort_config(thread.effort.as_deref()),
                        ..ThreadStartParams::default()
                    })
                    .await
                    .map_err(|e| classify(e, About::Other))?;
                session.mark_loaded(&started.thread.id);
                started.thread.id
            }
        };
        let reservation = self.registry.reserve(&thread_id, None).await?;
        let session = self.sessions.current().await?;
        let subscription = session.connection.subscribe(&thread_id);
        let started = session
            .connection
            .call(&ReviewStartParams {
                thread_id: thread_id.clone(),
                target,
                delivery: ReviewDelivery::Inline,
            })
            .await
            .map_err(|e| self.classify(&thread_id, e))?;
        let handle = TurnHandle::of_kind(
            TurnKind::Review,
            started.review_thread_id,
            started.turn.id,
            false,
            self.registry.usage_baseline(&thread_id),
        );
        drop(reservation);
        Ok(self.drive(&session, handle, subscription, approver))
    }

    /// Compact a thread's history (`thread/compact/start`). The app-server answers at once
    /// and runs the compaction as a turn of its own; this returns that turn's handle.
    pub async fn compact(
        &self,
        thread_id: &str,
        approver: Arc<dyn Approver>,
    ) -> Result<Arc<TurnHandle>, CodexError> {
        let reservation = self.registry.reserve(thread_id, None).await?;
        let session = self.sessions.current().await?;
        self.load(&session, thread_id).await?;
        let mut subscription = session.connection.subscribe(thread_id);
        session
            .connection
            .call(&ThreadCompactStartParams {
                thread_id: thread_id.to_string(),
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        let turn_id = tokio::time::timeout(COMPACTION_START_WAIT, first_turn(&mut subscription))
            .await
            .map_err(|_| CodexError::Timeout {
                what: format!("the compaction turn on thread {thread_id} to start"),
                after: COMPACTION_START_WAIT,
            })??;
        let handle = TurnHandle::of_kind(
            TurnKind::Compaction,
            thread_id.to_string(),
            turn_id,
            false,
            self.registry.usage_baseline(thread_id),
        );
        drop(reservation);
        Ok(self.drive(&session, handle, subscription, approver))
    }

    /// Keep other turns off `thread_id` until the hold is dropped (see [`Registry::hold`]).
    pub fn hold(&self, thread_id: &str, holder: &str) -> Hold {
        self.registry.hold(thread_id, holder)
    }

    /// Whether this client started `thread_id` as ephemeral (it ends with the app-server).
    pub fn is_ephemeral(&self, thread_id: &str) -> bool {
        self.registry.is_ephemeral(thread_id)
    }

    /// Who started turn `turn_id` through this client, while the registry remembers it
    /// (see [`Registry::started_by`]).
    pub fn started_by(&self, turn_id: &str) -> Option<String> {
        self.registry.started_by(turn_id)
    }

    /// Who started the latest turn of `thread_id` through this client, if remembered.
    pub fn latest_started_by(&self, thread_id: &str) -> Option<String> {
        self.registry.latest_started_by(thread_id)
    }

    /// A turn this bridge ran: by turn id, else the thread's latest.
    pub fn find_turn(&self, thread_id: &str, turn_id: Option<&str>) -> Option<Arc<TurnHandle>> {
        self.registry.find(thread_id, turn_id)
    }

    /// Ask Codex to stop a running turn and wait (briefly) for it to end. `Ok(None)` when
    /// the turn is not one this bridge holds (it was interrupted by id).
    pub async fn interrupt(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
    ) -> Result<Option<Arc<TurnHandle>>, CodexError> {
        let handle = self.registry.find(thread_id, turn_id);
        let target = match (&handle, turn_id) {
            (Some(handle), _) if !handle.is_finished() => handle.turn_id.clone(),
            (Some(handle), _) => return Ok(Some(handle.clone())),
            (None, Some(turn_id)) => turn_id.to_string(),
            (None, None) => {
                return Err(CodexError::NoActiveTurn {
                    thread_id: thread_id.to_string(),
                    detail: String::new(),
                })
            }
        };
        let session = self.sessions.current().await?;
        if let Some(handle) = &handle {
            handle.mark_interrupting();
        }
        session
            .connection
            .call(&TurnInterruptParams {
                thread_id: thread_id.to_string(),
                turn_id: target,
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        if let Some(handle) = &handle {
            handle.wait(INTERRUPT_WAIT).await;
        }
        Ok(handle)
    }

    /// Interrupt a turn, logging rather than returning a failure (a caller who left).
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

    /// Whether a turn runs on `thread_id` that this bridge does not hold: the id of the
    /// thread's newest turn if it is in progress.
    async fn running_turn_elsewhere(&self, thread_id: &str) -> Result<Option<String>, CodexError> {
        let newest = self.newest_turn(thread_id).await?;
        Ok(newest
            .filter(|turn| turn.status == Some(super::protocol::TurnStatus::InProgress))
            .map(|turn| turn.id))
    }

    /// Interrupt what runs, close the session and end the app-server we own.
    pub async fn shutdown(&self) {
        let running = self.registry.running();
        let interrupts = running.iter().map(|handle| self.interrupt_quietly(handle));
        let _ = tokio::time::timeout(
            SHUTDOWN_INTERRUPT_WAIT,
            futures_util::future::join_all(interrupts),
        )
        .await;
        let still_running = running
            .iter()
            .filter(|handle| !handle.is_finished())
            .count();
        tracing::info!(
            turns_interrupted = running.len(),
            turns_still_running = still_running,
            "shutting down the Codex client"
        );
        self.sessions.close("the bridge is shutting down").await;
    }

    fn classify(&self, thread_id: &str, error: CodexError) -> CodexError {
        classify(
            error,
            About::Thread {
                thread_id,
                ephemeral: self.registry.is_ephemeral(thread_id),
            },
        )
    }
}

/// Thread-level config for a reasoning effort (`review/start` has no effort of its own).
fn effort_config(effort: Option<&str>) -> Option<serde_json::Map<String, Value>> {
    let effort = effort?;
    let mut config = serde_json::Map::new();
    config.insert(
        "model_reasoning_effort".into(),
        Value::String(effort.to_string()),
    );
    Some(config)
}

/// The id of the first turn that starts on `subscription` (a compaction's). Requests that
/// come before it are declined (they cannot be ours).
async fn first_turn(subscription: &mut Subscription) -> Result<String, CodexError> {
    while let Some(message) = subscription.receiver.recv().await {
        match message {
            ThreadMessage::Event(TurnEvent::Started { turn_id }) => return Ok(turn_id),
            ThreadMessage::Event(_) | ThreadMessage::Request(_) => {}
            ThreadMessage::Closed(reason) => return Err(CodexError::ConnectionLost(reason)),
        }
    }
    Err(CodexError::ConnectionLost(
        "the bridge stopped receiving the thread's events".into(),
    ))
}

/// The session died under this operation before any turn started (the app-server was killed
/// and the bridge had not noticed yet): worth one more try on a fresh session.
fn is_stale_session(error: &CodexError, session: &Session) -> bool {
    matches!(error, CodexError::ConnectionLost(_)) && session.connection.is_closed()
}
