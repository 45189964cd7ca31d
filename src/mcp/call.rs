//! One MCP tool call that runs or watches a turn: how it asks the human, how it reports
//! progress and learns it was cancelled (the watch core's [`Watcher`]), and how its outcome
//! becomes a tool result.
//!
//! How it asks depends on the client: on the handshake protocol versions, through
//! `elicitation/create` while the call watches; on MCP 2026-07-28 (no server-to-client
//! requests), by answering input-required and taking the answers from the retry (see
//! [`super::input`]); not at all when the client declares no elicitation capability (then
//! `ask` declines at once, `no_elicitation_support`).

use std::path::PathBuf;
use std::sync::Arc;

use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::service::{ElicitationMode, RequestContext};
use rmcp::RoleServer;

use super::elicit::ElicitationAsker;
use super::input::InputRequired;
use super::progress::McpWatcher;
use super::render;
use crate::bridge::caller::Caller;
use crate::bridge::error::BridgeError;
use crate::bridge::ops::turns::TurnOutcome;
use crate::bridge::results::TurnResult;
use crate::bridge::watch::{Asking, Ending};

pub struct Call {
    pub watcher: McpWatcher,
    /// What the bridge's rules need to know of this call's client.
    pub caller: Caller,
    tool: &'static str,
}

impl Call {
    /// `roots`: the client's MCP roots, as the session last read them.
    pub fn new(
        tool: &'static str,
        context: &RequestContext<RoleServer>,
        roots: Option<Vec<PathBuf>>,
    ) -> Call {
        let modern = context
            .protocol_version()
            .is_some_and(|version| !version.has_initialize());
        let asking = if modern {
            // MCP 2026-07-28: the client declares its capabilities with each request.
            match context.client_capabilities() {
                Some(capabilities) if capabilities.elicitation.is_some() => Asking::Return,
                _ => Asking::No,
            }
        } else if context
            .peer
            .supported_elicitation_modes()
            .contains(&ElicitationMode::Form)
        {
            Asking::Through(Arc::new(ElicitationAsker::new(context.peer.clone())))
        } else {
            Asking::No
        };
        let caller = Caller {
            can_ask: !matches!(asking, Asking::No),
            roots,
        };
        Call {
            watcher: McpWatcher::new(
                context.peer.clone(),
                context.meta.get_progress_token(),
                context.ct.clone(),
                asking,
            ),
            caller,
            tool,
        }
    }

    /// The tool this call is for.
    pub fn tool(&self) -> &'static str {
        self.tool
    }

    /// The tool result of a turn call: the turn's result, or (MCP 2026-07-28) the requests
    /// a human must answer before the call can go on.
    /// `budget`: the most characters the result may hold (see `render::fit`).
    pub async fn answer(
        self,
        outcome: Result<TurnOutcome, BridgeError>,
        input: &InputRequired,
        budget: usize,
    ) -> CallToolResponse {
        self.answer_as(outcome, input, |result| render::turn(result, budget))
            .await
    }

    /// Like [`Self::answer`], for a tool whose result wraps the turn's (`shape` renders it).
    pub async fn answer_as(
        self,
        outcome: Result<TurnOutcome, BridgeError>,
        input: &InputRequired,
        shape: impl FnOnce(&TurnResult) -> CallToolResult,
    ) -> CallToolResponse {
        self.watcher.finish().await;
        match outcome {
            Ok(TurnOutcome::Ran {
                result,
                ending: Ending::InputRequired(pending),
            }) => input
                .result(self.tool, &result.thread_id, &result.turn_id, &pending)
                .into(),
            Ok(TurnOutcome::Ran { result, .. }) => shape(&result).into(),
            Ok(TurnOutcome::Abandoned(_)) => {
                render::error_text("the call was cancelled before Codex started the turn").into()
            }
            Err(error) => render::error(&error).into(),
        }
    }
}
