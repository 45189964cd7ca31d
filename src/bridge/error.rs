//! The bridge's error: a caller's mistake (a bad argument), or what Codex said.
//!
//! Every message says what happened and what to do next, in the words of the door that
//! shows it ([`BridgeError::describe`]), because the reader is usually a model deciding its
//! next tool call, or a person at a terminal.

use super::caller::OwnedAction;
use super::words::Door;
use crate::codex::error::CodexError;

#[derive(Debug, Clone)]
pub enum BridgeError {
    /// An argument (or a flag) is wrong: `argument` names it in the MCP schema's words (the
    /// door renders its own name for it); `problem` says what is wrong and what is accepted.
    InvalidArgument {
        argument: Option<String>,
        problem: String,
    },
    /// Something the caller named is not there (already worded for the caller's door).
    NotFound(String),
    /// Codex refused, failed or could not be reached.
    Codex(CodexError),
    /// The turn belongs to another agent: only its owner may `action` it without `force`
    /// (see [`super::ops::Bridge::check_owner`]).
    NotOwner {
        action: OwnedAction,
        thread_id: String,
        turn_id: String,
        /// The owner's name (`started_by`).
        owner: String,
    },
}

impl From<CodexError> for BridgeError {
    fn from(error: CodexError) -> Self {
        BridgeError::Codex(error)
    }
}

impl BridgeError {
    /// A wrong `argument`: the text reads "<argument> <problem>".
    pub fn argument(argument: &str, problem: impl Into<String>) -> BridgeError {
        BridgeError::InvalidArgument {
            argument: Some(argument.to_string()),
            problem: problem.into(),
        }
    }

    /// A wrong input that is not one argument (a combination of flags, say).
    pub fn invalid(problem: impl Into<String>) -> BridgeError {
        BridgeError::InvalidArgument {
            argument: None,
            problem: problem.into(),
        }
    }

    /// The message, with what to do next in `door`'s words.
    pub fn describe(&self, door: Door) -> String {
        match self {
            BridgeError::InvalidArgument {
                argument: Some(argument),
                problem,
            } => format!("{} {problem}", door.argument(argument)),
            BridgeError::InvalidArgument {
                argument: None,
                problem,
            } => problem.clone(),
            BridgeError::NotFound(message) => message.clone(),
            BridgeError::Codex(error) => describe_codex(error, door),
            BridgeError::NotOwner {
                action,
                thread_id,
                turn_id,
                owner,
            } => format!(
                "turn {turn_id} on thread {thread_id} was started by {owner}, another agent: only its owner may {verb} it. {next}",
                verb = action.verb(),
                next = door.not_owner(action.verb(), thread_id, turn_id),
            ),
        }
    }
}

fn describe_codex(error: &CodexError, door: Door) -> String {
    match error {
        CodexError::ThreadNotFound {
            ephemeral: true, ..
        } => format!("{error}. Start a new thread with {}", door.start_thread()),
        CodexError::ThreadNotFound { .. } => {
            format!(
                "{error}; find existing threads with {}",
                door.list_threads()
            )
        }
        CodexError::TurnRunning {
            elsewhere: true, ..
        } => format!("{error}; wait for it to finish (or interrupt it there) and try again"),
        CodexError::TurnRunning {
            thread_id, turn_id, ..
        } => format!("{error}{}", door.when_busy(thread_id, turn_id.as_deref())),
        CodexError::NoActiveTurn { detail, .. } if detail.is_empty() => match door {
            Door::Mcp => format!("{error}; pass turn_id to interrupt a turn started elsewhere"),
            Door::Cli => error.to_string(),
        },
        CodexError::Archived { thread_id } => format!(
            "{error}; unarchive it with {} first (reading it works as is)",
            door.unarchive_thread(thread_id)
        ),
        CodexError::ThreadHeld { .. } => format!(
            "{error}; its thread is free again when the debate ends (see {})",
            door.brainstorm()
        ),
        CodexError::TurnNotFound { .. } => format!(
            "{error}; see its turns and their ids with {}",
            door.read_thread()
        ),
        CodexError::InvalidCursor { detail } => format!(
            "{} is not valid ({detail}); {}",
            door.argument("cursor"),
            door.next_page()
        ),
        CodexError::Start(_)
        | CodexError::Refused(_)
        | CodexError::ConnectionLost(_)
        | CodexError::Overloaded { .. }
        | CodexError::Rpc(_)
        | CodexError::Timeout { .. }
        | CodexError::Protocol(_)
        | CodexError::NoActiveTurn { .. }
        | CodexError::Config { .. } => error.to_string(),
    }
}

/// For logs: the MCP wording.
impl std::fmt::Display for BridgeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Door::Mcp))
    }
}

impl std::error::Error for BridgeError {}
