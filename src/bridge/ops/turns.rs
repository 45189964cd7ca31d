//! Turn operations: start a thread with a turn (`ask`), the next turn on a thread
//! (`continue`), wait for a turn, interrupt it.
//!
//! Each turn runs through the watch core ([`crate::bridge::watch`]) with the door's
//! watcher; the result is the turn as it stands when the watching ends.

use super::{check_id, Bridge, IdKind};
use std::time::Duration;

use crate::bridge::approval::Verdict;
use crate::bridge::caller::Caller;
use crate::bridge::caller::OwnedAction;
use crate::bridge::error::BridgeError;
use crate::bridge::options::{prepare, PreparedTurn, TurnOptions};
use crate::bridge::results::{TurnProgress, TurnResult, TurnSummary};
use crate::bridge::watch::{self, Deadline, Ending, Role, Watched, Watcher};
use crate::bridge::words::Door;
pub use crate::codex::client::NewThread;
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

/// A turn call validated against the ceilings, ready to run.
pub struct PreparedCall {
    start: Start,
    turn: PreparedTurn,
}

enum Start {
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
        let deadline = match waiting {
            Waiting::ForCall => Deadline::returning_after(call.turn.wait),
            Waiting::Until(deadline) => deadline,
        };
        let request = call.turn.request;
        let watched = match call.start {
            Start::NewThread(new) => {
                let start = self.client.start_thread(new, request);
                watch::run(&self.client, start, deadline, watcher).await
            }
            Start::Existing(thread_id) => {
                let start = self.client.continue_thread(&thread_id, request);
                watch::run(&self.client, start, deadline, watcher).await
            }
        };
        match watched {
            Watched::Ran {
                handle,
                ending,
                before_stop,
            } => {
                let mut result = TurnResult::of(&handle, self.door);
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
            result: Box::new(TurnResult::of(&handle, self.door)),
            ending,
        })
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

    async fn turn_from_history(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
    ) -> Result<TurnResult, BridgeError> {
        let thread = self.client.read_thread(thread_id).await?;
        let turn = match turn_id {
            Some(turn_id) => thread.turns.into_iter().find(|turn| turn.id == turn_id),
            None => thread.turns.into_iter().last(),
        };
        let Some(turn) = turn else {
            return Err(BridgeError::NotFound(format!(
                "thread {thread_id} has no turn {}; see its turns with {}",
                turn_id.unwrap_or("(any)"),
                self.door.read_thread()
            )));
        };
        let mut summary = TurnSummary::from(turn);
        summary.started_by = self.client.started_by(&summary.turn_id);
        Ok(TurnResult::from_history(thread_id, summary))
    }
}
