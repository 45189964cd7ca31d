//! Value types shared by several requests: sandbox, approval policy, user input.

use serde::{Deserialize, Serialize};

/// Codex's sandbox mode as `thread/start`, `thread/resume` and `thread/fork` take it
/// (schema: `SandboxMode`). Ordered from narrowest to widest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxMode {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

impl SandboxMode {
    /// The per-turn policy `turn/start` takes for this mode.
    pub fn turn_policy(self) -> SandboxPolicy {
        match self {
            SandboxMode::ReadOnly => SandboxPolicy::ReadOnly,
            SandboxMode::WorkspaceWrite => SandboxPolicy::WorkspaceWrite,
            SandboxMode::DangerFullAccess => SandboxPolicy::DangerFullAccess,
        }
    }
}

/// The per-turn sandbox of `turn/start` (schema: `SandboxPolicy`, tagged by `type`). The
/// bridge sends the defaults of each variant (no network, no extra writable roots).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SandboxPolicy {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

/// When Codex asks its client before acting (schema: `AskForApproval`; the granular object
/// form is not used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AskForApproval {
    /// Ask before every command that is not known-safe.
    Untrusted,
    /// Ask only to go beyond the sandbox.
    OnRequest,
    /// Never ask.
    Never,
}

/// One part of a turn's input (schema: `UserInput`; only text is sent).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum UserInput {
    Text { text: String },
}
