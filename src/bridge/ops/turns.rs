//! Turn operations: start a thread with a turn (`ask`), the next turn on a thread
//! (`continue`), wait for a turn, steer it, interrupt it, compact a thread (a turn of its
//! own).
//!
//! Each turn runs through the watch core ([`crate::bridge::watch`]) with the door's
//! watcher; the result is the turn as it stands when the watching ends.

use super::{check_id, Bridge, IdKind};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::bridge::approval::{ApprovalPolicy, CallApprover, Verdict};
use crate::bridge::caller::Caller;
use crate::bridge::caller::OwnedAction;
use crate::bridge::error::BridgeError;
use crate::bridge::options::{check_prompt, prepare, PreparedTurn, TurnOptions};
use crate::bridge::results::{TurnProgress, TurnResult};
use crate::bridge::watch::{self, Deadline, Ending, Role, Watched, Watcher};
use crate::bridge::words::Door;
pub use crate::codex::client::NewThread;
use crate::codex::error::CodexError;
use crate::codex::protocol::TurnItemsView;
use crate::codex::turn::{TurnHandle, TurnKind};
use crate::shutdown::Caught;

/// How long a turn call watches its turn.
#[derive(Debug, Clone, Copy)]
pub enum Waiting {
    /// The call's `wait_seconds` (or the operator's default), then answer `running`.
    ForCall,
    /// Until this deadline (or the end of the turn), then interrupt it.
    Until(Deadline),
}

/// How a turn call ended.
pub enum TurnOutcome {
    /// The turn existed; its result as the watching ended.
    Ran {
        result: Box<TurnResult>,
        ending: Ending,
    },
    /// The caller stopped (or the deadline passed) before the turn existed.
    Abandoned(Ending),
}

/// `codex_ask` / `codex-bridge ask`: a new thread and its first turn.
pub struct Ask {
    pub prompt: String,
    pub new: NewThread,
    pub options: TurnOptions,
}

/// `codex_continue_thread` / `codex-bridge ask --thread-id`: the next turn on a thread.
pub struct Continue {
    pub thread_id: String,
    pub prompt: String,
    pub options: TurnOptions,
}

/// `codex_steer`: more input for the running turn.
pub struct Steer {
    pub thread_id: String,
    /// The turn the caller means (default: the thread's running turn).
    pub turn_id: Option<String>,
    pub prompt: String,
    pub wait_seconds: Option<f64>,
    /// Steer a turn another agent started.
    pub force: bool,
}

/// A turn call validated against the ceilings, ready to run.
pub struct PreparedCall {
    pub(super) start: Start,
    pub(super) turn: PreparedTurn,
}

pub(super) enum Start {
    NewThread(NewThread),
    Existing(String),
}

impl Bridge {
    /// Validate an `ask` (nothing is sent to Codex yet).
    pub fn prepare_ask(&self, ask: Ask, caller: &Caller) -> Result<PreparedCall, BridgeError> {
        Ok(PreparedCall {
            turn: prepare(&ask.prompt, &ask.options, &self.ceilings, caller)?,
            start: Start::NewThread(ask.new),
        })
    }

    /// Validate a `continue` (nothing is sent to Codex yet).
    pub fn prepare_continue(
        &self,
        next: Continue,
        caller: &Caller,
    ) -> Result<PreparedCall, BridgeError> {
        let thread_id = check_id("thread_id", IdKind::Thread, &next.thread_id, self.door)?;
        Ok(PreparedCall {
            turn: prepare(&next.prompt, &next.options, &self.ceilings, caller)?,
            start: Start::Existing(thread_id),
        })
    }

    /// Start the turn and watch it.
    pub async fn run_turn(
        &self,
        call: PreparedCall,
        waiting: Waiting,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        let request = call.turn.request;
        if let Some(effort) = &request.effort {
            self.check_effort(request.model.as_deref(), effort).await?;
        }
        let deadline = self.deadline(waiting, call.turn.wait);
        match call.start {
            Start::NewThread(new) => {
                self.run_started(self.client.start_thread(new, request), deadline, watcher)
                    .await
            }
            Start::Existing(thread_id) => {
                let start = self.client.continue_thread(&thread_id, request);
                self.run_started(start, deadline, watcher).await
            }
        }
    }

    pub(super) fn deadline(&self, waiting: Waiting, wait: Duration) -> Deadline {
        match waiting {
            Waiting::ForCall => Deadline::returning_after(wait),
            Waiting::Until(deadline) => deadline,
        }
    }

    /// Watch a turn as `start` starts it; its result as the watching ended.
    pub(super) async fn run_started(
        &self,
        start: impl Future<Output = Result<Arc<TurnHandle>, CodexError>>,
        deadline: Deadline,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        match watch::run(&self.client, start, deadline, watcher).await {
            Watched::Ran {
                handle,
                ending,
                before_stop,
            } => {
                let mut result = self.result_of(&handle).await;
                // What the turn was doing when the bridge stopped it.
                if let Some(before) = before_stop {
                    result.progress = Some(TurnProgress::from(before.as_ref()));
                }
                Ok(TurnOutcome::Ran {
                    result: Box::new(result),
                    ending,
                })
            }
            Watched::StartFailed(error) => Err(error.into()),
            Watched::Abandoned(ending) => Ok(TurnOutcome::Abandoned(ending)),
        }
    }

    /// The result of a turn this bridge holds, as it is now; a finished review's with its
    /// findings.
    pub(super) async fn result_of(&self, handle: &TurnHandle) -> TurnResult {
        let mut result = TurnResult::of(handle, self.door);
        if handle.kind == TurnKind::Review && handle.is_finished() {
            result.review = self.review_report(&handle.thread_id).await;
        }
        result
    }

    /// `codex_ask`: validate, start, watch.
    pub async fn ask(
        &self,
        ask: Ask,
        caller: &Caller,
        waiting: Waiting,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        let call = self.prepare_ask(ask, caller)?;
        self.run_turn(call, waiting, watcher).await
    }

    /// `codex_continue_thread`: validate, start, watch.
    pub async fn continue_thread(
        &self,
        next: Continue,
        caller: &Caller,
        waiting: Waiting,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        let call = self.prepare_continue(next, caller)?;
        self.run_turn(call, waiting, watcher).await
    }

    /// `codex_wait`: watch a turn whose call already returned; any agent may. A turn the
    /// bridge no longer holds (another process ran it, or the bridge restarted) is read from
    /// the thread's saved history. Only the turn's owner is asked about its pending
    /// requests, and only the owner's cancelled wait interrupts the turn.
    pub async fn wait(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
        wait_seconds: Option<f64>,
        caller: &Caller,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        let (thread_id, turn_id) = self.check_ids(thread_id, turn_id)?;
        let wait = self.ceilings.check_wait(wait_seconds)?;
        self.answer_and_watch(
            &thread_id,
            turn_id.as_deref(),
            Vec::new(),
            wait,
            caller,
            watcher,
        )
        .await
    }

    /// Answer pending requests of a turn (a human's answers brought back by a later call,
    /// as MCP 2026-07-28's input-required round trip does), then watch the turn like
    /// `codex_wait`. An answer to a request that is no longer pending is ignored, and so is
    /// one from an agent that does not own the turn. `thread_id` and `turn_id` are already
    /// checked.
    pub async fn answer_and_watch(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
        answers: Vec<(u64, Verdict)>,
        wait: Duration,
        caller: &Caller,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        let Some(handle) = self.client.find_turn(thread_id, turn_id) else {
            let result = self.turn_from_history(thread_id, turn_id).await?;
            return Ok(TurnOutcome::Ran {
                result: Box::new(result),
                ending: Ending::Finished,
            });
        };
        let role = if caller.owns(&handle) {
            Role::Owner
        } else {
            Role::Onlooker
        };
        if role == Role::Owner {
            for (key, verdict) in answers {
                handle.resolve(key, verdict);
            }
        }
        let (ending, _) = watch::watch(
            &self.client,
            &handle,
            Deadline::returning_after(wait),
            watcher,
            role,
        )
        .await;
        Ok(TurnOutcome::Ran {
            result: Box::new(self.result_of(&handle).await),
            ending,
        })
    }

    /// `codex_steer`: add input to the running turn, then watch it like `codex_wait` (the
    /// steered answer is the turn's answer). A thread with no running turn, or a turn id
    /// that is not the running one, is an error that says to start a new turn instead.
    /// A turn another agent started is refused ([`BridgeError::NotOwner`]) unless
    /// `steer.force`.
    pub async fn steer(
        &self,
        steer: Steer,
        caller: &Caller,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        let (thread_id, turn_id) = self.check_ids(&steer.thread_id, steer.turn_id.as_deref())?;
        check_prompt(&steer.prompt)?;
        let wait = self.ceilings.check_wait(steer.wait_seconds)?;
        if let Some(handle) = self.client.find_turn(&thread_id, turn_id.as_deref()) {
            if !handle.is_finished() {
                self.check_owner(&handle, caller, OwnedAction::Steer, steer.force)?;
            }
        }
        let steered = self
            .client
            .steer(&thread_id, turn_id.as_deref(), &steer.prompt)
            .await
            .map_err(|error| self.steer_error(&thread_id, turn_id.as_deref(), error))?;
        self.answer_and_watch(
            &thread_id,
            Some(&steered),
            Vec::new(),
            wait,
            caller,
            watcher,
        )
        .await
    }

    fn steer_error(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
        error: CodexError,
    ) -> BridgeError {
        let next = self.door.continue_thread(thread_id);
        match error {
            CodexError::NoActiveTurn { .. } => BridgeError::NotFound(format!(
                "thread {thread_id} has no running turn to steer; send the input as a new turn with {next}"
            )),
            // "expected active turn id X but found Y"
            CodexError::Rpc(rpc) if rpc.message.contains("expected active turn id") => {
                BridgeError::argument(
                    "turn_id",
                    format!(
                        "{} is not the running turn of thread {thread_id} ({}); omit turn_id to steer the running turn, or send a new turn with {next}",
                        turn_id.unwrap_or("(none)"),
                        rpc.message
                    ),
                )
            }
            CodexError::Rpc(rpc) if rpc.message.contains("not steerable") || rpc.message.contains("NotSteerable") => {
                BridgeError::NotFound(format!(
                    "the running turn of thread {thread_id} cannot be steered ({}): reviews and compactions take no input; wait for it, then send a new turn with {next}",
                    rpc.message
                ))
            }
            other => other.into(),
        }
    }

    /// `codex_compact_thread`: summarise the thread's history; the compaction runs as a
    /// turn of its own, watched like any turn.
    pub async fn compact(
        &self,
        thread_id: &str,
        wait_seconds: Option<f64>,
        waiting: Waiting,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        let thread_id = check_id("thread_id", IdKind::Thread, thread_id, self.door)?;
        let wait = self.ceilings.check_wait(wait_seconds)?;
        let deadline = self.deadline(waiting, wait);
        let start = self.client.compact(&thread_id, declining());
        self.run_started(start, deadline, watcher).await
    }

    /// `codex_interrupt`: stop a running turn; its result says `interrupted`. A turn another
    /// agent started is refused ([`BridgeError::NotOwner`]) unless `force`.
    pub async fn interrupt(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
        caller: &Caller,
        force: bool,
    ) -> Result<TurnResult, BridgeError> {
        let (thread_id, turn_id) = self.check_ids(thread_id, turn_id)?;
        let (thread_id, turn_id) = (thread_id.as_str(), turn_id.as_deref());
        if let Some(handle) = self.client.find_turn(thread_id, turn_id) {
            if !handle.is_finished() {
                self.check_owner(&handle, caller, OwnedAction::Interrupt, force)?;
            }
        }
        match self.client.interrupt(thread_id, turn_id).await? {
            Some(handle) => Ok(TurnResult::of(&handle, self.door)),
            None => self.turn_from_history(thread_id, turn_id).await,
        }
    }

    /// What a call whose turn the bridge interrupted on its way down (`signal`) tells its
    /// caller: which turn stopped, and how to go on once the bridge is back.
    pub fn shutdown_notice(&self, result: &TurnResult, signal: Caught) -> String {
        let thread_id = &result.thread_id;
        let next = if self.client.is_ephemeral(thread_id) {
            format!(
                "Thread {thread_id} was ephemeral and ends with the bridge's app-server: start a new one with {} once the bridge is back",
                self.door.start_thread()
            )
        } else {
            let how = match self.door {
                Door::Mcp => format!("codex_continue_thread {{thread_id: \"{thread_id}\"}}"),
                Door::Cli => self.door.continue_thread(thread_id),
            };
            format!(
                "Thread {thread_id} is saved: once the bridge is back, continue it with {how} ({} shows what was done)",
                self.door.read_thread()
            )
        };
        format!(
            "codex-bridge is shutting down ({}) and interrupted turn {} on thread {thread_id}. {next}",
            signal.name(),
            result.turn_id
        )
    }

    fn check_ids(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
    ) -> Result<(String, Option<String>), BridgeError> {
        let thread_id = check_id("thread_id", IdKind::Thread, thread_id, self.door)?;
        let turn_id = match turn_id {
            Some(turn_id) => Some(check_id("turn_id", IdKind::Turn, turn_id, self.door)?),
            None => None,
        };
        Ok((thread_id, turn_id))
    }

    /// A turn this bridge does not hold (another process ran it, or the bridge restarted),
    /// from the thread's saved history: by id, else the newest.
    pub(super) async fn turn_from_history(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
    ) -> Result<TurnResult, BridgeError> {
        let turn = match turn_id {
            Some(turn_id) => {
                self.find_saved_turn(thread_id, turn_id, TurnItemsView::Summary)
                    .await?
            }
            None => self.client.newest_turn(thread_id).await?,
        };
        let Some(turn) = turn else {
            return Err(BridgeError::NotFound(format!(
                "thread {thread_id} has no turn {}; see its turns with {}",
                turn_id.unwrap_or("yet"),
                self.door.read_thread()
            )));
        };
        let is_review = turn.items.iter().any(|item| {
            matches!(
                item,
                crate::codex::protocol::ThreadItem::ExitedReviewMode { .. }
            )
        });
        let turn_id = turn.id.clone();
        let mut result = TurnResult::from_saved(thread_id, turn, false);
        result.started_by = self.client.started_by(&turn_id);
        if is_review {
            result.review = self.review_report(thread_id).await;
        }
        Ok(result)
    }
}

/// The approver of turns nobody asked to approve anything in (compactions): every request
/// is declined.
pub(super) fn declining() -> Arc<CallApprover> {
    Arc::new(CallApprover {
        policy: ApprovalPolicy::Deny,
        allow_list: Default::default(),
        can_ask: false,
        ask_timeout: Duration::ZERO,
    })
}
