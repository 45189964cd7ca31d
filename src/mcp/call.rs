//! One MCP tool call that runs or watches a turn: who is calling (the agent's name), how it
//! asks the human, how it reports progress and learns it was cancelled, disconnected or
//! shut down (the watch core's [`Watcher`]), and how its outcome becomes a tool result.
//!
//! How it asks depends on the client: on the handshake protocol versions, through
//! `elicitation/create` on the call's own stream while the call watches; on MCP 2026-07-28
//! (no server-to-client requests), by answering input-required and taking the answers from
//! the retry (see [`super::input`]); not at all when the client declares no elicitation
//! capability (then `ask` declines at once, `no_elicitation_support`).
//!
//! Who is calling: over HTTP, the agent named by its token (or, with one shared token, the
//! MCP client's name and a short session id); on stdio, the MCP client's name.

use std::path::PathBuf;
use std::sync::Arc;

use axum::http::request::Parts;
use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::service::{ElicitationMode, RequestContext};
use rmcp::RoleServer;

use super::elicit::ElicitationAsker;
use super::input::InputRequired;
use super::progress::McpWatcher;
use super::render;
use super::server::Serving;
use super::transport::http::HttpCaller;
use crate::bridge::caller::Caller;
use crate::bridge::error::BridgeError;
use crate::bridge::ops::turns::TurnOutcome;
use crate::bridge::ops::Bridge;
use crate::bridge::results::TurnResult;
use crate::bridge::watch::{Asking, Ending, Stop};

/// How many characters of the MCP session id name a session (with one shared token).
const SHORT_SESSION_ID: usize = 8;

pub struct Call {
    pub watcher: McpWatcher,
    /// What the bridge's rules need to know of this call's client.
    pub caller: Caller,
    tool: &'static str,
}

impl Call {
    /// `roots`: the client's MCP roots, as the session last read them; `serving`: how the
    /// transport serves calls.
    pub fn new(
        tool: &'static str,
        context: &RequestContext<RoleServer>,
        roots: Option<Vec<PathBuf>>,
        serving: &Serving,
    ) -> Call {
        let modern = is_modern(context);
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
            Asking::Through(Arc::new(ElicitationAsker::new(
                context.peer.clone(),
                context.id.clone(),
            )))
        } else {
            Asking::No
        };
        let parts = context.extensions.get::<Parts>();
        let http = parts.and_then(|parts| parts.extensions.get::<HttpCaller>());
        let caller = Caller {
            agent: Some(agent_name(context, parts, http)),
            can_ask: !matches!(asking, Asking::No),
            roots,
        };
        // On MCP 2026-07-28 a dropped connection is how a client cancels (rmcp cancels the
        // call); in a session it only means the client stopped waiting.
        let gone = http
            .filter(|_| !modern)
            .map(|http| http.connection_gone.clone());
        // A stateless MCP 2026-07-28 request has no session to keep alive, and may not ping.
        let serving = Serving {
            heartbeat: serving.heartbeat.filter(|_| !modern),
            ..serving.clone()
        };
        Call {
            watcher: McpWatcher::new(
                context.peer.clone(),
                context.id.clone(),
                context.meta.get_progress_token(),
                context.ct.clone(),
                gone,
                &serving,
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
    /// a human must answer before the call can go on, or (the bridge shutting down) an
    /// error that says how to continue the thread later.
    /// `budget`: the most characters the result may hold (see `render::fit`).
    pub async fn answer(
        self,
        outcome: Result<TurnOutcome, BridgeError>,
        bridge: &Bridge,
        input: &InputRequired,
        budget: usize,
    ) -> CallToolResponse {
        self.answer_as(outcome, bridge, input, budget, |result| {
            render::turn(result, budget)
        })
        .await
    }

    /// Like [`Self::answer`], for a tool whose result wraps the turn's (`shape` renders it).
    pub async fn answer_as(
        self,
        outcome: Result<TurnOutcome, BridgeError>,
        bridge: &Bridge,
        input: &InputRequired,
        budget: usize,
        shape: impl FnOnce(&TurnResult) -> CallToolResult,
    ) -> CallToolResponse {
        self.watcher.finish().await;
        match outcome {
            Ok(TurnOutcome::Ran {
                result,
                ending: Ending::InputRequired(pending),
            }) => input
                .result(
                    self.tool,
                    self.caller.agent.as_deref(),
                    &result.thread_id,
                    &result.turn_id,
                    &pending,
                )
                .into(),
            Ok(TurnOutcome::Ran {
                result,
                ending: Ending::Stopped(Stop::Signal(signal)),
            }) => {
                let notice = bridge.shutdown_notice(&result, signal);
                render::shut_down(&result, &notice, budget).into()
            }
            Ok(TurnOutcome::Ran { result, .. }) => shape(&result).into(),
            Ok(TurnOutcome::Abandoned(Ending::Stopped(Stop::Signal(signal)))) => {
                render::error_text(&format!(
                    "codex-bridge is shutting down ({}) before Codex started the turn; nothing was started. Try again once the bridge is back",
                    signal.name()
                ))
                .into()
            }
            Ok(TurnOutcome::Abandoned(_)) => {
                render::error_text("the call was cancelled before Codex started the turn").into()
            }
            Err(error) => render::error(&error).into(),
        }
    }
}

/// Who is calling, for a tool that runs no turn (`codex_interrupt`).
pub fn caller(context: &RequestContext<RoleServer>, roots: Option<Vec<PathBuf>>) -> Caller {
    let parts = context.extensions.get::<Parts>();
    let http = parts.and_then(|parts| parts.extensions.get::<HttpCaller>());
    Caller {
        agent: Some(agent_name(context, parts, http)),
        can_ask: false,
        roots,
    }
}

/// MCP 2026-07-28 or later: no handshake, no server-to-client requests.
fn is_modern(context: &RequestContext<RoleServer>) -> bool {
    context
        .protocol_version()
        .is_some_and(|version| !version.has_initialize())
}

/// The calling agent's name (see the module doc).
fn agent_name(
    context: &RequestContext<RoleServer>,
    parts: Option<&Parts>,
    http: Option<&HttpCaller>,
) -> String {
    if let Some(agent) = http.and_then(|http| http.agent.clone()) {
        return agent;
    }
    let client = context
        .client_info()
        .map(|info| info.name)
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| "unnamed client".to_string());
    let session = parts
        .and_then(|parts| parts.headers.get("mcp-session-id"))
        .and_then(|value| value.to_str().ok());
    match (http, session) {
        (Some(_), Some(session)) => {
            let short: String = session.chars().take(SHORT_SESSION_ID).collect();
            format!("{client}#{short}")
        }
        // MCP 2026-07-28 has no sessions: the client's name is all there is.
        (Some(_), None) => client,
        // stdio: one client per bridge.
        (None, _) => client,
    }
}
