//! The command line's exit codes, and which error maps to which.
//!
//! Scripts branch on these, so they are part of the interface (documented in the README):
//! 0 success, 1 the turn failed or was interrupted, 2 bad arguments, 3 Codex cannot be
//! reached or started, 4 timeout, 5 protocol error, 130 Ctrl-C, 143 SIGTERM.

use std::process::ExitCode;

use crate::bridge::error::BridgeError;
use crate::bridge::words::Door;
use crate::codex::error::CodexError;
use crate::shutdown::Caught;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// The turn ended `failed` or `interrupted`, or the thread was busy.
    TurnFailed,
    /// A flag, argument, file or thread id is wrong.
    Usage,
    /// Codex could not be started or reached, or the session was lost.
    Unavailable,
    /// `--timeout` (or an app-server answer) took too long.
    Timeout,
    /// Codex refused a request or sent something the bridge does not understand.
    Protocol,
    /// SIGINT (Ctrl-C).
    Interrupted,
    /// SIGTERM.
    Terminated,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::TurnFailed => 1,
            Exit::Usage => 2,
            Exit::Unavailable => 3,
            Exit::Timeout => 4,
            Exit::Protocol => 5,
            Exit::Interrupted => 130,
            Exit::Terminated => 143,
        }
    }

    /// The exit code for an error that stopped a command before (or instead of) a turn.
    pub fn for_error(error: &BridgeError) -> Exit {
        match error {
            BridgeError::InvalidArgument { .. }
            | BridgeError::NotFound(_)
            | BridgeError::NotOwner { .. } => Exit::Usage,
            BridgeError::Codex(codex) => Exit::for_codex(codex),
        }
    }

    pub fn for_codex(error: &CodexError) -> Exit {
        match error {
            // A configuration Codex cannot load makes Codex unusable, like a missing Codex.
            CodexError::Start(_)
            | CodexError::Refused(_)
            | CodexError::ConnectionLost(_)
            | CodexError::Overloaded { .. }
            | CodexError::Config { .. } => Exit::Unavailable,
            CodexError::Timeout { .. } => Exit::Timeout,
            CodexError::Rpc(_) | CodexError::Protocol(_) => Exit::Protocol,
            // An unknown thread id or a bad cursor is a wrong argument, like a wrong flag.
            CodexError::ThreadNotFound { .. }
            | CodexError::TurnNotFound { .. }
            | CodexError::Archived { .. }
            | CodexError::NoActiveTurn { .. }
            | CodexError::InvalidCursor { .. } => Exit::Usage,
            CodexError::TurnRunning { .. } | CodexError::ThreadHeld { .. } => Exit::TurnFailed,
        }
    }

    pub fn for_signal(caught: Caught) -> Exit {
        match caught {
            Caught::Interrupt => Exit::Interrupted,
            Caught::Terminate => Exit::Terminated,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// Print an error the way every subcommand does, and return its exit code.
pub fn report(exit: Exit, message: impl std::fmt::Display) -> Exit {
    eprintln!("codex-bridge: {message}");
    exit
}

/// Print a bridge error in the command line's words, and return its exit code.
pub fn report_error(error: &BridgeError) -> Exit {
    report(Exit::for_error(error), error.describe(Door::Cli))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_documented_codes() {
        assert_eq!(Exit::for_error(&BridgeError::invalid("x")).code(), 2);
        assert_eq!(
            Exit::for_error(&BridgeError::Codex(CodexError::Start("x".into()))).code(),
            3
        );
        assert_eq!(
            Exit::for_error(&BridgeError::Codex(CodexError::Protocol("x".into()))).code(),
            5
        );
        assert_eq!(
            Exit::for_error(&BridgeError::Codex(CodexError::TurnRunning {
                thread_id: "t".into(),
                turn_id: None,
                elsewhere: false
            }))
            .code(),
            1
        );
        assert_eq!(Exit::for_signal(Caught::Interrupt).code(), 130);
    }
}
