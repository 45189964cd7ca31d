//! Results of the calls that run several turns: a fan-out's variants side by side.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::brainstorm::BrainstormResult;
use super::turn::TurnResult;

/// What codex_interrupt stopped: a turn (its turn result, the fields at the top level, as
/// codex_ask returns them), or a brainstorm (`brainstorm`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InterruptResult {
    #[serde(flatten)]
    pub turn: Option<TurnResult>,
    /// The stopped brainstorm, when brainstorm_id was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brainstorm: Option<BrainstormResult>,
}

/// The same prompt run by several variants at once, each on its own new thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FanoutResult {
    /// `completed` (every variant's turn ended: see each one's status), `running` (some
    /// still work: codex_wait each by its thread_id and turn_id) or `interrupted` (the call
    /// was cancelled and every running turn interrupted).
    pub status: String,
    /// The variants, in the order given.
    pub variants: Vec<VariantResult>,
    /// Wall time of the call, in milliseconds.
    pub duration_ms: u64,
}

/// One variant of a fan-out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VariantResult {
    /// The variant's name (given, or `variant-N`).
    pub name: String,
    /// The model it ran with, when it named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The reasoning effort it ran with, when it named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// Why its turn could not start (then there is no `turn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Its turn: thread_id, turn_id, status, text, structured, usage, ... like codex_ask's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<TurnResult>,
}
