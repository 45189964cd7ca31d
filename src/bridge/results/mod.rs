//! The public result vocabulary: what every door returns (MCP `structuredContent`, the
//! command line's `--json`).
//!
//! Their doc comments are the MCP output schemas the calling model reads. Clients such as
//! Claude Code show the model `structuredContent` instead of the text, so each result
//! carries everything (ids, status, answer). Built from the app-server client's snapshots
//! and protocol objects; what a result says to do next is in the door's words.

mod brainstorm;
mod models;
mod multi;
mod phase;
mod review;
mod threads;
mod turn;

pub use brainstorm::{
    Agreement, BrainstormResult, Disagreement, ParticipantResult, Side, TranscriptEntry,
};
pub use models::{EffortInfo, ModelInfo, ModelList};
pub use multi::{FanoutResult, InterruptResult, VariantResult};
pub use phase::TurnPhase;
pub use review::{ReviewFinding, ReviewReport};
pub use threads::{
    ForkResult, RevertResult, ThreadHistory, ThreadList, ThreadSummary, TurnSummary,
};
pub use turn::{
    ApprovalRecord, CommandRun, FileChange, Omitted, PendingRequest, TurnProgress, TurnResult,
    Usage,
};
