//! The bridge's Codex client: threads and turns over the shared app-server session.
//!
//! A facade over the session ([`super::session`]) and the turn registry
//! ([`super::registry`]): each method is one operation on the app-server, with the
//! bookkeeping it needs (resume before a turn on a thread this session has not loaded, one
//! turn per thread, one retry when the session turns out to have died under the call).
//! Errors are typed ([`CodexError`]); knows nothing of MCP.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::approver::Approver;
use super::connection::ConnectionOptions;
use super::error::{classify, About, CodexError};
use super::link::LinkSettings;
use super::protocol::{
    AskForApproval, SandboxMode, Thread, ThreadListParams, ThreadListResponse, ThreadReadParams,
    ThreadResumeParams, ThreadSetNameParams, ThreadStartParams, ThreadStatus, TurnInterruptParams,
    TurnStartParams, UserInput,
};
use super::registry::{Registry, Reservation};
use super::session::{Session, Sessions};
use super::turn::{self, TurnHandle};

/// How long an interrupt waits for the turn to report that it ended.
const INTERRUPT_WAIT: Duration = Duration::from_secs(5);
/// How long shutdown waits for running turns to be interrupted.
const SHUTDOWN_INTERRUPT_WAIT: Duration = Duration::from_secs(2);

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

pub struct CodexClient {
    sessions: Sessions,
    registry: Registry,
}

impl CodexClient {
    pub fn new(settings: LinkSettings, options: ConnectionOptions) -> CodexClient {
        CodexClient {
            sessions: Sessions::new(settings, options),
            registry: Registry::default(),
        }
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
        let thread_id = started.thread.id;
        session.mark_loaded(&thread_id);
        if new.ephemeral {
            self.registry.mark_ephemeral(&thread_id);
        }
        if let Some(name) = new.name.clone().filter(|name| !name.is_empty()) {
            session
                .connection
                .call(&ThreadSetNameParams {
                    thread_id: thread_id.clone(),
                    name,
                })
                .await?;
        }
        let reservation = self.registry.reserve(&thread_id).await?;
        self.start_turn(session, &thread_id, request, reservation)
            .await
    }

    /// Next turn on an existing thread, resuming it first when this session has not loaded it.
    pub async fn continue_thread(
        &self,
        thread_id: &str,
        request: TurnRequest,
    ) -> Result<Arc<TurnHandle>, CodexError> {
        let mut retried = false;
        loop {
            let reservation = self.registry.reserve(thread_id).await?;
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
        if !session.is_loaded(thread_id) {
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
                return Err(CodexError::TurnRunning {
                    thread_id: thread_id.to_string(),
                    turn_id: None,
                    elsewhere: true,
                });
            }
        }
        self.start_turn(session, thread_id, request, reservation)
            .await
    }

    async fn start_turn(
        &self,
        session: &Arc<Session>,
        thread_id: &str,
        request: &TurnRequest,
        _reservation: Reservation,
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
        self.registry.register(handle.clone());
        tokio::spawn(turn::drive(
            handle.clone(),
            subscription,
            request.approver.clone(),
            self.registry.is_ephemeral(thread_id),
        ));
        Ok(handle)
    }

    /// A turn this bridge ran: by turn id, else the thread's latest.
    pub fn find_turn(&self, thread_id: &str, turn_id: Option<&str>) -> Option<Arc<TurnHandle>> {
        self.registry.find(thread_id, turn_id)
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

    pub async fn list_threads(
        &self,
        params: ThreadListParams,
    ) -> Result<ThreadListResponse, CodexError> {
        let session = self.sessions.current().await?;
        session
            .connection
            .call(&params)
            .await
            .map_err(|e| classify(e, About::Listing))
    }

    /// A persisted thread with its turns.
    pub async fn read_thread(&self, thread_id: &str) -> Result<Thread, CodexError> {
        let session = self.sessions.current().await?;
        let read = session
            .connection
            .call(&ThreadReadParams {
                thread_id: thread_id.to_string(),
                include_turns: true,
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        Ok(read.thread)
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

/// The session died under this operation before any turn started (the app-server was killed
/// and the bridge had not noticed yet): worth one more try on a fresh session.
fn is_stale_session(error: &CodexError, session: &Session) -> bool {
    matches!(error, CodexError::ConnectionLost(_)) && session.connection.is_closed()
}
