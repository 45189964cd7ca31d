//! A brainstorm's result: where the debate stands, each participant's final position, and
//! the synthesis (agreements, disagreements, open questions, a recommendation).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::turn::Usage;

/// A debate across Codex threads (codex_brainstorm).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BrainstormResult {
    /// Pass to codex_brainstorm (to pick it up while `running`) or codex_interrupt.
    pub brainstorm_id: String,
    /// `running` (call codex_brainstorm with brainstorm_id), `completed`, `failed` (every
    /// participant failed) or `interrupted`.
    pub status: String,
    /// The topic debated.
    pub topic: String,
    /// Rounds run so far.
    pub rounds_run: u32,
    /// Rounds asked for (the debate may stop earlier).
    pub rounds: u32,
    /// Why the debate stopped: every round run, no position changed in a round, every
    /// participant failed, or interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// While running: what the debate is doing now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// The participants, in the order given.
    pub participants: Vec<ParticipantResult>,
    /// The caller's own position, as given (it took part from round 2 as one more,
    /// anonymous, participant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_position: Option<String>,
    /// Points most participants agree on, with how many support each.
    pub agreements: Vec<Agreement>,
    /// Points they disagree on, with each side's strongest argument.
    pub disagreements: Vec<Disagreement>,
    /// Questions the debate left open.
    pub open_questions: Vec<String>,
    /// The synthesis's recommendation (absent without synthesis, or while running).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthesis: Option<String>,
    /// The thread the synthesis ran in (continue it to ask about the synthesis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthesis_thread_id: Option<String>,
    /// Tokens of every turn of the debate, summed.
    pub usage: Usage,
    /// Wall time so far, in milliseconds.
    pub duration_ms: u64,
    /// Every answer of every round (only when asked for with `transcript: true`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transcript: Vec<TranscriptEntry>,
}

/// One participant of a brainstorm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ParticipantResult {
    /// Its letter in the debate (`A`, `B`, ...): how the others saw it.
    pub label: String,
    /// Its role (proponent, skeptic, ...).
    pub role: String,
    /// The model it ran with, when one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Its thread: continue it with codex_continue_thread to dig into its view (once the
    /// debate ended).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// `running`, `completed`, `failed` or `interrupted`.
    pub status: String,
    /// Its latest position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Its latest key points.
    pub key_points: Vec<String>,
    /// The risks it sees.
    pub risks: Vec<String>,
    /// Its latest confidence, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// Whether it changed its position in any later round.
    pub changed_mind: bool,
    /// What went wrong, if it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A point of agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Agreement {
    /// What they agree on.
    pub point: String,
    /// How many participants (the caller included) support it.
    pub support: u32,
}

/// A point of disagreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Disagreement {
    /// What they disagree about.
    pub point: String,
    /// Each side's view and its strongest argument.
    pub sides: Vec<Side>,
}

/// One side of a disagreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Side {
    /// The side's view.
    pub view: String,
    /// Its strongest point.
    pub strongest_point: String,
}

/// One answer of one round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TranscriptEntry {
    /// The round, from 1.
    pub round: u32,
    /// The participant's letter.
    pub participant: String,
    /// Its position after this round.
    pub position: String,
    /// From round 2: whether the position changed in this round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<bool>,
    /// From round 2: its answers to the others' points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<String>,
}
