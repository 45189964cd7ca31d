//! Where a turn is, in the words every result uses.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codex::protocol::TurnStatus;
use crate::codex::turn::Phase;

/// Where a turn is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TurnPhase {
    /// Codex is still working; `codex_wait` picks it up.
    Running,
    Completed,
    Failed,
    Interrupted,
}

impl TurnPhase {
    /// `running`, `completed`, `failed`, `interrupted`.
    pub fn word(self) -> &'static str {
        match self {
            TurnPhase::Running => "running",
            TurnPhase::Completed => "completed",
            TurnPhase::Failed => "failed",
            TurnPhase::Interrupted => "interrupted",
        }
    }
}

impl From<Phase> for TurnPhase {
    fn from(phase: Phase) -> TurnPhase {
        match phase {
            Phase::Running => TurnPhase::Running,
            Phase::Completed => TurnPhase::Completed,
            Phase::Failed => TurnPhase::Failed,
            Phase::Interrupted => TurnPhase::Interrupted,
        }
    }
}

impl From<Option<TurnStatus>> for TurnPhase {
    fn from(status: Option<TurnStatus>) -> TurnPhase {
        match status {
            Some(TurnStatus::Completed) => TurnPhase::Completed,
            Some(TurnStatus::Interrupted) => TurnPhase::Interrupted,
            Some(TurnStatus::Failed) | Some(TurnStatus::Unknown) => TurnPhase::Failed,
            Some(TurnStatus::InProgress) | None => TurnPhase::Running,
        }
    }
}
