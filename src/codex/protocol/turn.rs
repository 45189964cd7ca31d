//! Turns: start, steer, interrupt, review; and the `Turn` object notifications and reads
//! carry.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::common::{AskForApproval, SandboxPolicy, UserInput};
use super::item::ThreadItem;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnStartParams {
    pub thread_id: String,
    pub input: Vec<UserInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// A reasoning effort the model advertises (`model/list`); the app-server passes any
    /// string on unchecked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// Always sent: a resumed thread falls back to the config's policy otherwise.
    pub approval_policy: AskForApproval,
    /// Always sent, for the same reason: `thread/resume` does not keep the sandbox.
    pub sandbox_policy: SandboxPolicy,
    /// JSON Schema for this turn's final answer (this turn only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TurnStartResponse {
    pub turn: Turn,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnInterruptParams {
    pub thread_id: String,
    pub turn_id: String,
}

pub type TurnInterruptResponse = super::EmptyResponse;

/// `turn/steer`: add input to the running turn. The app-server drops the model request in
/// flight and asks again with the new input last; the turn keeps its id. Refused ("no active
/// turn to steer", "expected active turn id X but found Y") unless `expectedTurnId` is the
/// thread's running turn.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnSteerParams {
    pub thread_id: String,
    pub expected_turn_id: String,
    pub input: Vec<UserInput>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnSteerResponse {
    pub turn_id: String,
}

/// What `review/start` reviews (schema: `ReviewTarget`, tagged by `type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ReviewTarget {
    /// Staged, unstaged and untracked changes in the working tree.
    UncommittedChanges,
    /// The changes against a base branch.
    BaseBranch { branch: String },
    /// One commit.
    Commit {
        sha: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    /// Free-form review instructions.
    Custom { instructions: String },
}

/// Where `review/start` runs the review (schema: `ReviewDelivery`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReviewDelivery {
    /// In the given thread, as a turn of its own.
    Inline,
}

/// `review/start`: Codex's code review, run by a review sub-agent inside a turn of the
/// thread. The sub-agent keeps the thread's sandbox.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewStartParams {
    pub thread_id: String,
    pub target: ReviewTarget,
    pub delivery: ReviewDelivery,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewStartResponse {
    /// The review turn; its `turn/completed` ends the review (it has no `turn/started`).
    pub turn: Turn,
    /// The thread the review turn runs in (the given one, for inline delivery).
    pub review_thread_id: String,
}

/// A turn as `turn/start`, `turn/completed` and `thread/read` carry it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    pub id: String,
    #[serde(default)]
    pub status: Option<TurnStatus>,
    #[serde(default)]
    pub items: Vec<ThreadItem>,
    #[serde(default)]
    pub error: Option<TurnError>,
    #[serde(default)]
    pub duration_ms: Option<i64>,
    /// Set on a sub-agent's turn (a review's): the turn it runs for. Such a turn is the
    /// sub-agent's bookkeeping, not a turn anyone asked for.
    #[serde(default)]
    pub root_turn_id: Option<String>,
}

/// Schema: `TurnStatus`.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum TurnStatus {
    InProgress,
    Completed,
    Interrupted,
    Failed,
    #[serde(other)]
    Unknown,
}

/// Schema: `TurnError` (the message; `codexErrorInfo` is not read).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TurnError {
    pub message: String,
    #[serde(default)]
    pub additional_details: Option<String>,
}

impl TurnError {
    /// The message, with Codex's additional details when it gave any.
    pub fn text(&self) -> String {
        match &self.additional_details {
            Some(details) if !details.is_empty() => format!("{} ({details})", self.message),
            _ => self.message.clone(),
        }
    }
}
