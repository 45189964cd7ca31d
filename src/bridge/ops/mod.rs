//! The bridge's operations, one file per family (in the style of mini-redis's `cmd/`):
//! [`turns`] (ask, continue, wait, steer, interrupt, compact), [`threads`] (list, read,
//! rename, archive, unarchive, revert), [`fork`], [`review`], [`models`], and the calls
//! that run several turns: [`fanout`] and [`brainstorm`].
//!
//! An operation validates its arguments against the operator's ceilings, calls the
//! app-server client, and returns the public result vocabulary. Both doors call the same
//! operations: an MCP tool or a CLI command is a thin adapter around one.

pub mod brainstorm;
pub mod fanout;
pub mod fork;
pub mod models;
pub mod review;
pub mod threads;
pub mod turns;

use std::sync::Arc;

use super::caller::{Caller, OwnedAction};
use super::ceilings::Ceilings;
use super::debate::Debates;
use super::error::BridgeError;
use super::words::Door;
use crate::codex::client::CodexClient;
use crate::codex::turn::TurnHandle;

/// What every operation works with: the shared Codex client and the operator's ceilings.
#[derive(Clone)]
pub struct Bridge {
    pub client: Arc<CodexClient>,
    pub ceilings: Arc<Ceilings>,
    /// Whose words results and errors use.
    pub door: Door,
    /// The brainstorms running or kept (shared by every session of this bridge).
    pub debates: Arc<Debates>,
}

impl Bridge {
    pub fn new(client: Arc<CodexClient>, ceilings: Ceilings, door: Door) -> Bridge {
        Bridge {
            client,
            ceilings: Arc::new(ceilings),
            door,
            debates: Arc::new(Debates::default()),
        }
    }

    /// Stop every running brainstorm (at shutdown), then the client.
    pub async fn shutdown(&self) {
        for debate in self.debates.running() {
            debate.stop();
        }
        self.client.shutdown().await;
    }
}

impl Bridge {
    /// The ownership rule, in one place for every action on another agent's running turn
    /// (`codex_interrupt`, `codex_steer`): allowed when `caller` owns `turn`
    /// ([`Caller::owns`]) or says `force`; otherwise [`BridgeError::NotOwner`], which names
    /// the owner and says how to go on (wait for the turn, or pass `force: true`).
    pub fn check_owner(
        &self,
        turn: &TurnHandle,
        caller: &Caller,
        action: OwnedAction,
        force: bool,
    ) -> Result<(), BridgeError> {
        if force || caller.owns(turn) {
            return Ok(());
        }
        Err(BridgeError::NotOwner {
            action,
            thread_id: turn.thread_id.clone(),
            turn_id: turn.turn_id.clone(),
            owner: turn.started_by().unwrap_or_default().to_string(),
        })
    }
}

/// Which kind of Codex id an argument holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Thread,
    Turn,
    /// A brainstorm's id (the bridge's own, a UUID too).
    Brainstorm,
}

/// Check that an id can be Codex's before asking the server, and give it in the form Codex
/// uses (lowercase, hyphenated). Codex's thread and turn ids are UUIDs; the app-server
/// parses them with the `uuid` crate, so the forms it takes (hyphenated, simple, `urn:uuid:`,
/// braced) are accepted here too.
pub fn check_id(argument: &str, kind: IdKind, id: &str, door: Door) -> Result<String, BridgeError> {
    match uuid::Uuid::try_parse(id) {
        Ok(uuid) => Ok(uuid.hyphenated().to_string()),
        Err(_) => {
            let (what, source) = match kind {
                IdKind::Thread => ("thread", door.thread_id_sources().to_string()),
                IdKind::Turn => ("turn", door.turn_id_sources().to_string()),
                IdKind::Brainstorm => (
                    "brainstorm",
                    "the brainstorm_id of a brainstorm result".to_string(),
                ),
            };
            Err(BridgeError::argument(
                argument,
                format!(
                    "{:?} is not a Codex {what} id (Codex ids are UUIDs such as 019a5f0e-1234-7abc-8def-0123456789ab); use an id from {source}",
                    crate::text::shorten(id, 80)
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_in_codex_form() {
        let id = "019a5f0e-1234-7abc-8def-0123456789ab";
        for form in [
            id.to_string(),
            id.to_uppercase(),
            format!("urn:uuid:{id}"),
            id.replace('-', ""),
        ] {
            assert_eq!(
                check_id("thread_id", IdKind::Thread, &form, Door::Mcp).expect("valid"),
                id
            );
        }
        for bad in [
            "",
            "not-a-thread",
            "../etc",
            "a b",
            "x".repeat(200).as_str(),
            "id\u{0}",
        ] {
            let error = check_id("thread_id", IdKind::Thread, bad, Door::Mcp).expect_err("refused");
            let text = error.describe(Door::Mcp);
            assert!(text.starts_with("`thread_id` "), "{text}");
            assert!(text.contains("codex_list_threads"), "{text}");
        }
    }
}
