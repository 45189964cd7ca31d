//! The bridge's operations, one file per family (in the style of mini-redis's `cmd/`):
//! [`turns`] (ask, continue, wait, interrupt) and [`threads`] (list, read).
//!
//! An operation validates its arguments against the operator's ceilings, calls the
//! app-server client, and returns the public result vocabulary. Both doors call the same
//! operations: an MCP tool or a CLI command is a thin adapter around one.

pub mod threads;
pub mod turns;

use std::sync::Arc;

use super::ceilings::Ceilings;
use super::error::BridgeError;
use super::words::Door;
use crate::codex::client::CodexClient;

/// What every operation works with: the shared Codex client and the operator's ceilings.
#[derive(Clone)]
pub struct Bridge {
    pub client: Arc<CodexClient>,
    pub ceilings: Arc<Ceilings>,
    /// Whose words results and errors use.
    pub door: Door,
}

impl Bridge {
    pub fn new(client: Arc<CodexClient>, ceilings: Ceilings, door: Door) -> Bridge {
        Bridge {
            client,
            ceilings: Arc::new(ceilings),
            door,
        }
    }
}

/// Longest thread or turn id accepted (Codex's are 36-character UUIDs).
const MAX_ID_LEN: usize = 128;

/// Refuse ids that cannot be Codex ids before asking the server.
pub fn check_id(argument: &str, id: &str, door: Door) -> Result<(), BridgeError> {
    let well_formed = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if well_formed {
        Ok(())
    } else {
        Err(BridgeError::argument(
            argument,
            format!(
                "{:?} is not a Codex thread id (expected a UUID such as 019a5f0e-...); use an id from {}",
                crate::text::shorten(id, 80),
                door.thread_id_sources()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_use() {
        assert!(check_id(
            "thread_id",
            "019a5f0e-1234-7abc-8def-0123456789ab",
            Door::Mcp
        )
        .is_ok());
        for bad in ["", "../etc", "a b", "x".repeat(200).as_str(), "id\u{0}"] {
            assert!(check_id("thread_id", bad, Door::Mcp).is_err(), "{bad:?}");
        }
    }
}
