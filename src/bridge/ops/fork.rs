//! `codex_fork_thread` / `codex-bridge threads fork`: branch a thread to try an
//! alternative, optionally running the fork's first turn in the same call.
//!
//! The fork does not inherit the source's sandbox (the app-server gives a fork the
//! config's default): a first turn gets the per-turn options like any turn, and a fork made
//! without one starts read-only. Developer instructions are not offered: given to
//! `thread/fork` they never reach the model (seen on Codex 0.169).

use super::turns::{PreparedCall, Start, TurnOutcome, Waiting};
use super::{check_id, Bridge, IdKind};
use crate::bridge::caller::Caller;
use crate::bridge::error::BridgeError;
use crate::bridge::options::{prepare, TurnOptions};
use crate::bridge::results::ForkResult;
use crate::bridge::watch::Watcher;
use crate::codex::client::Fork;
use crate::codex::protocol::{AskForApproval, SandboxMode, TurnItemsView};

/// A fork to make, and optionally its first turn.
pub struct ForkCall {
    pub thread_id: String,
    /// Keep the source's history up to and including this turn (default: all of it).
    pub last_turn_id: Option<String>,
    pub name: Option<String>,
    /// The first turn's prompt; the options apply to it (and its model to the fork).
    pub prompt: Option<String>,
    pub options: TurnOptions,
}

/// What a fork call did: the fork, and its first turn when a prompt was given.
pub struct Forked {
    pub fork: ForkResult,
    pub turn: Option<TurnOutcome>,
}

impl Bridge {
    /// Fork, then (with a prompt) run the fork's first turn. Everything is checked before
    /// the fork is made, so a bad option leaves no stray fork behind.
    pub async fn fork_thread(
        &self,
        call: ForkCall,
        caller: &Caller,
        waiting: Waiting,
        watcher: &mut dyn Watcher,
    ) -> Result<Forked, BridgeError> {
        let source = check_id("thread_id", IdKind::Thread, &call.thread_id, self.door)?;
        let last_turn_id = match &call.last_turn_id {
            Some(id) => Some(check_id("last_turn_id", IdKind::Turn, id, self.door)?),
            None => None,
        };
        if let Some(name) = &call.name {
            if name.trim().is_empty() {
                return Err(BridgeError::argument(
                    "name",
                    "is empty: omit it, or give the fork a name other agents can find it by",
                ));
            }
        }
        let turn = match &call.prompt {
            Some(prompt) => Some(prepare(prompt, &call.options, &self.ceilings, caller)?),
            None => {
                if let Some(argument) = turn_only_option(&call.options) {
                    return Err(BridgeError::argument(
                        argument,
                        "applies to the fork's first turn, and no prompt was given: add a prompt, or leave it out",
                    ));
                }
                None
            }
        };
        if let Some(turn) = &turn {
            if let Some(effort) = &turn.request.effort {
                self.check_effort(turn.request.model.as_deref(), effort)
                    .await?;
            }
        }
        let sandbox = turn
            .as_ref()
            .map_or(SandboxMode::ReadOnly, |turn| turn.request.sandbox);
        let fork = Fork {
            thread_id: source.clone(),
            last_turn_id: last_turn_id.clone(),
            name: call.name.clone().map(|name| name.trim().to_string()),
            model: call.options.model.clone(),
        };
        let thread = self
            .client
            .fork_thread(&fork, Some(sandbox), Some(AskForApproval::OnRequest), None)
            .await
            .map_err(|error| match error {
                crate::codex::error::CodexError::TurnNotFound { .. } => BridgeError::argument(
                    "last_turn_id",
                    format!(
                        "{} is not a turn of thread {source}; see its turns and their ids with {}",
                        last_turn_id.as_deref().unwrap_or_default(),
                        self.door.read_thread()
                    ),
                ),
                other => other.into(),
            })?;
        let mut result = ForkResult {
            thread_id: thread.id.clone(),
            forked_from_id: thread.forked_from_id.clone().unwrap_or(source),
            name: thread.name.clone(),
            cwd: thread.cwd.clone(),
            total_turns: thread.turns.len(),
            turn: None,
        };
        let Some(turn) = turn else {
            return Ok(Forked {
                fork: result,
                turn: None,
            });
        };
        let call = PreparedCall {
            start: Start::Existing(thread.id),
            turn,
        };
        let outcome = self.run_turn(call, waiting, watcher).await?;
        if let TurnOutcome::Ran { result: turn, .. } = &outcome {
            result.turn = Some(turn.as_ref().clone());
        }
        Ok(Forked {
            fork: result,
            turn: Some(outcome),
        })
    }
}

impl Bridge {
    /// A fork as it is now (for a result given after the call that made it): `None` when
    /// `thread_id` is not a fork or cannot be read.
    pub async fn fork_of(&self, thread_id: &str) -> Option<ForkResult> {
        let thread = self.client.thread(thread_id).await.ok()?;
        let forked_from_id = thread.forked_from_id.clone()?;
        let total_turns = self
            .client
            .list_turns(thread_id, None, None, None, TurnItemsView::NotLoaded)
            .await
            .map_or(0, |turns| turns.data.len());
        Some(ForkResult {
            thread_id: thread.id,
            forked_from_id,
            name: thread.name,
            cwd: thread.cwd,
            total_turns,
            turn: None,
        })
    }
}

/// The first per-turn option given, when it only makes sense with a prompt.
fn turn_only_option(options: &TurnOptions) -> Option<&'static str> {
    [
        ("cwd", options.cwd.is_some()),
        ("effort", options.effort.is_some()),
        ("sandbox", options.sandbox.is_some()),
        ("approval_policy", options.approval_policy.is_some()),
        (
            "approval_timeout_seconds",
            options.approval_timeout_seconds.is_some(),
        ),
        ("allow_commands", options.allow_commands.is_some()),
        (
            "approve_every_command",
            options.approve_every_command.is_some(),
        ),
        ("output_schema", options.output_schema.is_some()),
        ("wait_seconds", options.wait_seconds.is_some()),
    ]
    .into_iter()
    .find(|(_, given)| *given)
    .map(|(name, _)| name)
}
