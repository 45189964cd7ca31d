//! Tool parameter types. Their doc comments are what the calling model reads, so they say
//! what each field does, its default, and when to use it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::approval::ApprovalPolicy;
use crate::codex::protocol::SandboxMode;

/// Sandbox for the commands Codex runs in this turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Sandbox {
    /// Codex may read files and run read-only commands (default).
    ReadOnly,
    /// Codex may also write inside the working directory.
    WorkspaceWrite,
    /// No sandbox at all (only if the operator's --max-sandbox allows it).
    DangerFullAccess,
}

impl From<Sandbox> for SandboxMode {
    fn from(sandbox: Sandbox) -> SandboxMode {
        match sandbox {
            Sandbox::ReadOnly => SandboxMode::ReadOnly,
            Sandbox::WorkspaceWrite => SandboxMode::WorkspaceWrite,
            Sandbox::DangerFullAccess => SandboxMode::DangerFullAccess,
        }
    }
}

/// Reasoning effort for the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    None,
    Minimal,
    Low,
    Medium,
    High,
    Xhigh,
}

impl Effort {
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::None => "none",
            Effort::Minimal => "minimal",
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
            Effort::Xhigh => "xhigh",
        }
    }
}

/// Options every turn-running tool takes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct TurnOptions {
    /// Absolute working directory for Codex (must exist and be inside the bridge's allowed
    /// roots). Default: the directory the bridge was started in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Model name (default: Codex's configured model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Reasoning effort (default: the model's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<Effort>,
    /// Sandbox for commands: "read-only" (default), "workspace-write" or "danger-full-access".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<Sandbox>,
    /// How Codex's requests to go beyond the sandbox are answered: "deny" (default; Codex
    /// carries on without), "allow" (accepted commands run OUTSIDE the sandbox; only if the
    /// operator enabled it) or "ask".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<ApprovalPolicy>,
    /// JSON Schema (an object) the final answer must follow; the parsed answer is returned in
    /// `structured`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Seconds this call waits for the turn (default set by the operator, below common client
    /// time-outs). If Codex is still working then, the result has status "running" and the
    /// turn continues: pick it up with codex_wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
}

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
    pub thread_id: String,
    /// The turn to stop (default: the thread's running turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
}

/// Read a thread's history.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ReadParams {
    pub thread_id: String,
    /// Only the last N turns, 1 to 100 (default: all, up to 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
}
