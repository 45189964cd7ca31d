//! One MCP tool call that runs or watches a turn: how it asks the human (elicitation),
//! how it reports progress and learns it was cancelled (the watch core's [`Watcher`]), and
//! how its outcome becomes a tool result.
//!
//! `ask` approvals are elicited from this call's client only while the call lasts: when it
//! answers (or is dropped), open and later requests are declined.

use std::sync::Arc;

use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use rmcp::RoleServer;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::elicit::ElicitationAsker;
use super::progress::McpWatcher;
use super::render;
use crate::bridge::approval::Asker;
use crate::bridge::error::BridgeError;
use crate::bridge::ops::turns::TurnOutcome;
use crate::bridge::results::TurnResult;

pub struct Call {
    pub watcher: McpWatcher,
    asker: Arc<ElicitationAsker>,
    _asking: DropGuard,
}

impl Call {
    pub fn new(context: &RequestContext<RoleServer>) -> Call {
        let call_done = CancellationToken::new();
        Call {
            watcher: McpWatcher::new(
                context.peer.clone(),
                context.meta.get_progress_token(),
                context.ct.clone(),
            ),
            asker: Arc::new(ElicitationAsker::new(
                context.peer.clone(),
                call_done.clone(),
            )),
            _asking: call_done.drop_guard(),
        }
    }

    /// How this call asks a human under `approval_policy: "ask"`.
    pub fn asker(&self) -> Option<Arc<dyn Asker>> {
        Some(self.asker.clone())
    }

    /// The tool result of a turn call.
    pub async fn answer_turn(self, outcome: Result<TurnOutcome, BridgeError>) -> CallToolResult {
        let result = match outcome {
            Ok(TurnOutcome::Ran { result, .. }) => Ok(*result),
            Ok(TurnOutcome::Abandoned(_)) => Err(BridgeError::invalid(
                "the call was cancelled before Codex started the turn",
            )),
            Err(error) => Err(error),
        };
        self.answer(result).await
    }

    /// The tool result of a call that watched a turn.
    pub async fn answer(self, result: Result<TurnResult, BridgeError>) -> CallToolResult {
        self.watcher.finish().await;
        match result {
            Ok(result) => render::turn(&result),
            Err(error) => render::error(&error),
        }
    }
}
