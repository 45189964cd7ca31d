//! The bridge's error types, and the words each one shows the caller.
//!
//! `CodexError` is what talking to the app-server can go wrong with; `BridgeError` adds what a
//! caller can get wrong. Every message says what happened and what to do next, because the
//! reader is usually a model deciding its next tool call.

use std::time::Duration;

use crate::codex::protocol::RpcError;

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
    /// The server answered with a JSON-RPC error.
    #[error("the Codex app-server refused the request: {}", .0.message)]
    Rpc(RpcError),
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout { what: String, after: Duration },
    /// A frame did not have the shape the protocol promises.
    #[error("protocol error: {0}")]
    Protocol(String),
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum BridgeError {
    /// A tool argument or flag is wrong; the message names it and the allowed values.
    #[error("{0}")]
    InvalidArgument(String),
    /// A thread or turn the caller named does not exist (or no longer can be reached).
    #[error("{0}")]
    NotFound(String),
    /// The thread already has a turn running.
    #[error("{0}")]
    Busy(String),
    #[error(transparent)]
    Codex(#[from] CodexError),
}

impl BridgeError {
    pub fn invalid(message: impl Into<String>) -> BridgeError {
        BridgeError::InvalidArgument(message.into())
    }
}
