//! Who is calling, as far as the bridge's rules care: the calling agent's name (turns
//! record it as `started_by`, and only that agent may interrupt or steer them without
//! `force`), whether a human can be asked, and the client's MCP roots.

use std::path::PathBuf;

use crate::codex::turn::TurnHandle;

/// The caller of an operation.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The calling agent's name: over HTTP the name its token has in the operator's token
    /// file, or (one shared token) the MCP client's name and a short session id; on stdio
    /// the MCP client's name. `None` for the command line, which only ever meets its own
    /// turns. Turns it starts record it as `started_by`.
    pub agent: Option<String>,
    /// A human can be asked (the client shows MCP elicitations, or a terminal is there).
    /// If not, `ask` declines every request at once (`no_elicitation_support`).
    pub can_ask: bool,
    /// The client's MCP roots (canonical directories), when it offers them: with no
    /// `--allowed-root`, the roots a call's `cwd` must be in.
    pub roots: Option<Vec<PathBuf>>,
}

impl Caller {
    /// Whether this caller owns `turn`: it started it, or nobody is named as its owner
    /// (a turn the command line started, or one from before a restart).
    pub fn owns(&self, turn: &TurnHandle) -> bool {
        match (turn.started_by(), &self.agent) {
            (None, _) => true,
            (Some(owner), Some(me)) => owner == me,
            (Some(_), None) => false,
        }
    }
}

/// An action only a turn's owner may take without `force`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnedAction {
    /// `codex_interrupt`.
    Interrupt,
    /// `codex_steer`.
    Steer,
}

impl OwnedAction {
    /// The verb, as the refusal says it.
    pub fn verb(self) -> &'static str {
        match self {
            OwnedAction::Interrupt => "interrupt",
            OwnedAction::Steer => "steer",
        }
    }
}
