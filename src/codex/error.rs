//! What can go wrong between the bridge and the app-server, as typed errors.
//!
//! The app-server answers almost every refusal with JSON-RPC -32600 and a message;
//! [`classify`] is the one place that reads those messages and turns them into variants a
//! caller can branch on (thread not found, no active turn, invalid cursor...). The texts
//! say what happened in Codex's terms; what to do next (which tool or command) is added by
//! the door that shows the error (`crate::bridge::words`).

use std::time::Duration;

use super::jsonrpc::RpcError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum CodexError {
    /// Codex could not be started or reached at all.
    #[error("{0}")]
    Start(String),
    /// The app-server answered the connection with a final "no" (bad token, forbidden):
    /// retrying cannot help.
    #[error("{0}")]
    Refused(String),
    /// The session ended (server died, socket dropped).
    #[error("{0}")]
    ConnectionLost(String),
    /// The server kept answering -32001.
    #[error("the Codex app-server is overloaded (refused {attempts} times); retry later")]
    Overloaded { attempts: u32 },
    /// The server refused a request for a reason not classified below.
    #[error("the Codex app-server refused the request: {}", .0.message)]
    Rpc(RpcError),
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout { what: String, after: Duration },
    /// A frame did not have the shape the protocol promises.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// The thread is not one Codex knows (or, if ephemeral, it ended with its app-server).
    #[error("{}", thread_not_found(thread_id, *ephemeral, detail))]
    ThreadNotFound {
        thread_id: String,
        ephemeral: bool,
        detail: String,
    },
    /// The thread is archived: it can be read, but a turn needs `thread/unarchive` first.
    #[error("thread {thread_id} is archived")]
    Archived { thread_id: String },
    /// A turn id the thread does not hold (`thread/fork`'s `lastTurnId`, `thread/revert`'s
    /// `beforeTurnId`).
    #[error("thread {thread_id} has no turn {turn_id}")]
    TurnNotFound { thread_id: String, turn_id: String },
    /// The thread takes part in a multi-turn operation (`holder`, e.g. `brainstorm <id>`)
    /// until it ends.
    #[error("thread {thread_id} takes part in {holder} until it ends")]
    ThreadHeld { thread_id: String, holder: String },
    /// The thread already has a turn running: one this bridge started (`turn_id`), or one
    /// another Codex client runs (`elsewhere`).
    #[error("{}", turn_running(thread_id, turn_id.as_deref(), *elsewhere))]
    TurnRunning {
        thread_id: String,
        turn_id: Option<String>,
        elsewhere: bool,
    },
    /// There is no running turn to act on. `detail` is the app-server's message, or empty
    /// when the bridge itself knows of no running turn.
    #[error("{}", no_active_turn(thread_id, detail))]
    NoActiveTurn { thread_id: String, detail: String },
    /// `thread/list` refused the cursor.
    #[error("the cursor is not valid ({detail})")]
    InvalidCursor { detail: String },
    /// Codex cannot load its configuration (`config.toml`), so no thread can start.
    #[error("Codex cannot load its configuration ({detail}); fix it (`codex-bridge doctor` shows the file, line and column)")]
    Config { detail: String },
}

fn thread_not_found(thread_id: &str, ephemeral: bool, detail: &str) -> String {
    if ephemeral {
        format!("thread {thread_id} was ephemeral and ended with the app-server it ran on; it cannot be continued")
    } else {
        format!("thread {thread_id} was not found by Codex ({detail})")
    }
}

fn turn_running(thread_id: &str, turn_id: Option<&str>, elsewhere: bool) -> String {
    if elsewhere {
        return format!("thread {thread_id} has a turn running in another Codex client");
    }
    match turn_id {
        Some(turn_id) => format!("thread {thread_id} already has a turn running (turn {turn_id})"),
        None => format!("thread {thread_id} already has a turn running"),
    }
}

fn no_active_turn(thread_id: &str, detail: &str) -> String {
    if detail.is_empty() {
        format!("this bridge has no running turn on thread {thread_id}")
    } else {
        format!("thread {thread_id} has no running turn ({detail})")
    }
}

/// What a refused request was about, so its message can be read in context.
#[derive(Debug, Clone, Copy)]
pub enum About<'a> {
    /// A request naming this thread; `ephemeral` if the bridge started it as ephemeral.
    Thread { thread_id: &'a str, ephemeral: bool },
    /// A request naming a turn of this thread (`thread/fork` up to it, `thread/revert`).
    Turn {
        thread_id: &'a str,
        turn_id: &'a str,
    },
    /// `thread/list`.
    Listing,
    /// Anything else (`thread/start`, say).
    Other,
}

/// Turn a refusal of the app-server (-32600 with a message) into a typed error where the
/// message is one the bridge knows; anything else is returned unchanged.
pub fn classify(error: CodexError, about: About<'_>) -> CodexError {
    let CodexError::Rpc(rpc) = &error else {
        return error;
    };
    let message = rpc.message.as_str();
    if let Some(detail) = message.strip_prefix("failed to load configuration:") {
        return CodexError::Config {
            detail: detail.trim().to_string(),
        };
    }
    match about {
        About::Turn { thread_id, turn_id } if message.starts_with("turn not found") => {
            CodexError::TurnNotFound {
                thread_id: thread_id.to_string(),
                turn_id: turn_id.to_string(),
            }
        }
        About::Turn { thread_id, .. } => classify(
            error,
            About::Thread {
                thread_id,
                ephemeral: false,
            },
        ),
        About::Thread {
            thread_id,
            ephemeral,
        } => {
            // "session <id> is archived. Run `codex unarchive <id>` ..." (thread/resume).
            if message.contains("is archived") {
                return CodexError::Archived {
                    thread_id: thread_id.to_string(),
                };
            }
            if message.contains("not found")
                || message.contains("not loaded")
                || message.contains("no rollout found")
            {
                return CodexError::ThreadNotFound {
                    thread_id: thread_id.to_string(),
                    ephemeral,
                    detail: message.to_string(),
                };
            }
            if message.contains("no active turn") {
                return CodexError::NoActiveTurn {
                    thread_id: thread_id.to_string(),
                    detail: message.to_string(),
                };
            }
            error
        }
        About::Listing if message.contains("cursor") => CodexError::InvalidCursor {
            detail: message.to_string(),
        },
        About::Listing | About::Other => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rpc(message: &str) -> CodexError {
        CodexError::Rpc(RpcError {
            code: -32600,
            message: message.into(),
            data: None,
        })
    }

    #[test]
    fn known_refusals_become_typed_errors() {
        let thread = About::Thread {
            thread_id: "t",
            ephemeral: false,
        };
        assert!(matches!(
            classify(rpc("thread not found: t"), thread),
            CodexError::ThreadNotFound { .. }
        ));
        assert!(matches!(
            classify(rpc("no rollout found for thread id t"), thread),
            CodexError::ThreadNotFound { .. }
        ));
        assert!(matches!(
            classify(rpc("no active turn to interrupt"), thread),
            CodexError::NoActiveTurn { .. }
        ));
        assert!(matches!(
            classify(rpc("invalid cursor"), About::Listing),
            CodexError::InvalidCursor { .. }
        ));
        assert!(matches!(
            classify(
                rpc("session t is archived. Run `codex unarchive t` to unarchive it first."),
                thread
            ),
            CodexError::Archived { .. }
        ));
        let turn = About::Turn {
            thread_id: "t",
            turn_id: "u",
        };
        assert!(matches!(
            classify(rpc("turn not found: u"), turn),
            CodexError::TurnNotFound { .. }
        ));
        assert!(matches!(
            classify(rpc("thread not found: t"), turn),
            CodexError::ThreadNotFound { .. }
        ));
        assert!(matches!(
            classify(rpc("something else"), thread),
            CodexError::Rpc(_)
        ));
        assert!(matches!(
            classify(
                rpc("failed to load configuration: /h/config.toml:5:32: bad"),
                About::Other
            ),
            CodexError::Config { .. }
        ));
    }
}
