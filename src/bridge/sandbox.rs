//! The sandbox concept: the one type the MCP schema, the command line's words and the
//! app-server's `SandboxMode` all derive from.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codex::protocol::SandboxMode;

/// Sandbox for the commands Codex runs in this turn.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Sandbox {
    /// Codex may read files and run read-only commands (default).
    ReadOnly,
    /// Codex may also write inside the working directory.
    WorkspaceWrite,
    /// No sandbox at all (only if the operator's --max-sandbox allows it).
    DangerFullAccess,
}

impl Sandbox {
    /// Narrowest first.
    pub const ALL: [Sandbox; 3] = [
        Sandbox::ReadOnly,
        Sandbox::WorkspaceWrite,
        Sandbox::DangerFullAccess,
    ];

    /// `read-only`, `workspace-write`, `danger-full-access`.
    pub fn word(self) -> &'static str {
        match self {
            Sandbox::ReadOnly => "read-only",
            Sandbox::WorkspaceWrite => "workspace-write",
            Sandbox::DangerFullAccess => "danger-full-access",
        }
    }

    pub fn from_word(word: &str) -> Option<Sandbox> {
        Sandbox::ALL
            .into_iter()
            .find(|sandbox| sandbox.word() == word)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn sandbox_words_round_trip_and_are_ordered() {
        for sandbox in Sandbox::ALL {
            assert_eq!(Sandbox::from_word(sandbox.word()), Some(sandbox));
            assert_eq!(
                serde_json::to_value(sandbox).expect("json"),
                Value::String(sandbox.word().into())
            );
        }
        assert!(Sandbox::ReadOnly < Sandbox::WorkspaceWrite);
        assert!(Sandbox::WorkspaceWrite < Sandbox::DangerFullAccess);
    }
}
