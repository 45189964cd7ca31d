//! Turns: start and interrupt, and the `Turn` object notifications and reads carry.

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
