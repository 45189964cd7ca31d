//! Tool parameter types. Their doc comments are what the calling model reads, so they say
//! what each field does, its default, and when to use it. The per-turn options shared with
//! the command line are [`TurnOptions`] (in the bridge layer), flattened into each
//! turn-running tool's parameters.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::bridge::options::TurnOptions;

/// Start a new Codex thread and run one turn.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct AskParams {
    /// What to ask Codex (the task, question or instructions). Required, non-empty.
    pub prompt: String,
    /// A name for the thread, so other agents can find it with codex_list_threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Do not save the thread (it cannot be continued once the app-server stops, and is not
    /// listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// Replace Codex's base instructions for this thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_instructions: Option<String>,
    /// Extra developer instructions for this thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_instructions: Option<String>,
    #[serde(flatten)]
    pub turn: TurnOptions,
}

/// Run the next turn on an existing thread (with its history).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ContinueParams {
    /// Thread id from codex_ask, codex_list_threads or any Codex front-end.
    pub thread_id: String,
    /// The follow-up message. Required, non-empty.
    pub prompt: String,
    #[serde(flatten)]
    pub turn: TurnOptions,
}

/// List Codex threads (including ones started in the TUI, IDE or another agent).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Only threads whose working directory is exactly this absolute path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Only threads whose title contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// `next_cursor` of a previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// List archived threads instead of active ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// Wait for a turn that was still running when its call returned.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct WaitParams {
    /// The thread whose turn to wait for (from the result that said "running").
    pub thread_id: String,
    /// The turn to wait for (default: the thread's latest turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// Seconds to wait (default set by the operator). Returns status "running" again if the
    /// turn is still going.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
}

/// Stop a running turn.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct InterruptParams {
    /// The thread whose running turn to stop.
    pub thread_id: String,
    /// The turn to stop (default: the thread's running turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// Stop it even though another agent started it (the refusal names that agent). Default
    /// false: only the agent that started a turn may stop it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

/// Read a thread's history.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ReadParams {
    /// The thread to read (from codex_ask, codex_list_threads or any Codex front-end).
    pub thread_id: String,
    /// Only the last N turns, 1 to 100 (default: all, up to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}
