//! Turn tools: `codex_ask`, `codex_continue_thread`, `codex_wait`, `codex_steer`,
//! `codex_interrupt`, `codex_compact_thread`.

use std::collections::BTreeMap;

use rmcp::handler::server::tool::{schema_for_output, InputResponses, RequestState};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, RoleServer};
use serde_json::Value;

use crate::bridge::error::BridgeError;
use crate::bridge::ops::turns::{Ask, Continue, NewThread, Steer, TurnOutcome, Waiting};
use crate::bridge::results::{InterruptResult, TurnResult};
use crate::mcp::call::{self, Call};
use crate::mcp::params::{
    AskParams, CompactParams, ContinueParams, InterruptParams, SteerParams, WaitParams,
};
use crate::mcp::render;
use crate::mcp::server::McpServer;

#[tool_router(router = turn_tools, vis = "pub(crate)")]
impl McpServer {
    /// Ask OpenAI Codex to do something in a NEW thread: answer a question, review or write
    /// code, run commands (sandboxed). Returns Codex's answer with thread_id and turn_id; the
    /// thread keeps its history for codex_continue_thread. If Codex is still working when
    /// wait_seconds pass, status is "running": call codex_wait with the ids.
    #[tool(
        name = "codex_ask",
        annotations(title = "Ask Codex (new thread)", read_only_hint = false, destructive_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<TurnResult>()
    )]
    async fn codex_ask(
        &self,
        Parameters(params): Parameters<AskParams>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let mut call = match self.begin("codex_ask", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        if let Some(state) = state {
            return self
                .retry(call, &state, responses, params.turn.wait_seconds)
                .await;
        }
        let ask = Ask {
            prompt: params.prompt,
            new: NewThread {
                name: params.name,
                ephemeral: params.ephemeral.unwrap_or(false),
                base_instructions: params.base_instructions,
                developer_instructions: params.developer_instructions,
            },
            options: params.turn,
        };
        let outcome = self
            .bridge
            .ask(ask, &call.caller, Waiting::ForCall, &mut call.watcher)
            .await;
        self.finish(call, outcome).await
    }

    /// Send a follow-up to an existing Codex thread (from codex_ask, codex_list_threads, or
    /// any Codex front-end); Codex sees the whole thread history. Refused while the thread
    /// already has a turn running (use codex_wait or codex_interrupt first).
    #[tool(
        name = "codex_continue_thread",
        annotations(title = "Continue a Codex thread", read_only_hint = false, destructive_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<TurnResult>()
    )]
    async fn codex_continue_thread(
        &self,
        Parameters(params): Parameters<ContinueParams>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let mut call = match self.begin("codex_continue_thread", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        if let Some(state) = state {
            return self
                .retry(call, &state, responses, params.turn.wait_seconds)
                .await;
        }
        let next = Continue {
            thread_id: params.thread_id,
            prompt: params.prompt,
            options: params.turn,
        };
        let outcome = self
            .bridge
            .continue_thread(next, &call.caller, Waiting::ForCall, &mut call.watcher)
            .await;
        self.finish(call, outcome).await
    }

    /// Wait for a Codex turn that was still "running" when its call returned. Returns the
    /// same result shape as codex_ask (status "running" again if it is still not done).
    #[tool(
        name = "codex_wait",
        annotations(title = "Wait for a Codex turn", read_only_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<TurnResult>()
    )]
    async fn codex_wait(
        &self,
        Parameters(params): Parameters<WaitParams>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let mut call = match self.begin("codex_wait", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        if let Some(state) = state {
            return self
                .retry(call, &state, responses, params.wait_seconds)
                .await;
        }
        let outcome = self
            .bridge
            .wait(
                &params.thread_id,
                params.turn_id.as_deref(),
                params.wait_seconds,
                &call.caller,
                &mut call.watcher,
            )
            .await;
        self.finish(call, outcome).await
    }

    /// Add input to a Codex turn that is RUNNING (a correction, a constraint, more context)
    /// instead of waiting for it to go wrong: Codex takes it into the same turn, and every
    /// call waiting on the turn gets the steered answer. A thread with no running turn is
    /// an error: send a new turn with codex_continue_thread.
    #[tool(
        name = "codex_steer",
        annotations(title = "Steer a running Codex turn", read_only_hint = false, destructive_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<TurnResult>()
    )]
    async fn codex_steer(
        &self,
        Parameters(params): Parameters<SteerParams>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let mut call = match self.begin("codex_steer", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        if let Some(state) = state {
            return self
                .retry(call, &state, responses, params.wait_seconds)
                .await;
        }
        let steer = Steer {
            thread_id: params.thread_id,
            turn_id: params.turn_id,
            prompt: params.prompt,
            wait_seconds: params.wait_seconds,
            force: params.force.unwrap_or(false),
        };
        let outcome = self
            .bridge
            .steer(steer, &call.caller, &mut call.watcher)
            .await;
        self.finish(call, outcome).await
    }

    /// Compact a Codex thread's long history into a summary, to free the model's context
    /// for more turns. Runs as a turn of its own: same result shape as codex_ask ("running"
    /// -> codex_wait).
    #[tool(
        name = "codex_compact_thread",
        annotations(title = "Compact a Codex thread", read_only_hint = false, destructive_hint = false, open_world_hint = true),
        output_schema = schema_for_output::<TurnResult>()
    )]
    async fn codex_compact_thread(
        &self,
        Parameters(params): Parameters<CompactParams>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let mut call = match self.begin("codex_compact_thread", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        let outcome = self
            .bridge
            .compact(
                &params.thread_id,
                params.wait_seconds,
                Waiting::ForCall,
                &mut call.watcher,
            )
            .await;
        self.finish(call, outcome).await
    }

    /// Stop a running Codex turn (thread_id, optional turn_id), or a brainstorm
    /// (brainstorm_id: every participant's turn). The thread stays usable for the next turn.
    /// A turn or brainstorm another agent started (see started_by) is refused unless force
    /// is true.
    #[tool(
        name = "codex_interrupt",
        annotations(title = "Interrupt a Codex turn or brainstorm", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<InterruptResult>()
    )]
    async fn codex_interrupt(
        &self,
        Parameters(params): Parameters<InterruptParams>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let budget = self.bridge.ceilings.max_result_chars;
        let caller = call::caller(&context, None);
        let force = params.force.unwrap_or(false);
        match (params.thread_id, params.brainstorm_id) {
            (Some(thread_id), None) => {
                match self
                    .bridge
                    .interrupt(&thread_id, params.turn_id.as_deref(), &caller, force)
                    .await
                {
                    Ok(result) => render::turn(&result, budget),
                    Err(error) => render::error(&error),
                }
            }
            (None, Some(brainstorm_id)) if params.turn_id.is_none() => {
                match self
                    .bridge
                    .stop_brainstorm(&brainstorm_id, &caller, force)
                    .await
                {
                    Ok(result) => render::stopped_brainstorm(&result, budget),
                    Err(error) => render::error(&error),
                }
            }
            (None, Some(_)) => render::error(&BridgeError::argument(
                "turn_id",
                "belongs to a thread's turn, not to a brainstorm: give thread_id with it, or brainstorm_id alone",
            )),
            (Some(_), Some(_)) => render::error(&BridgeError::argument(
                "brainstorm_id",
                "and `thread_id` exclude each other: stop a turn (thread_id) or a brainstorm (brainstorm_id)",
            )),
            (None, None) => render::error(&BridgeError::argument(
                "thread_id",
                "is required (or brainstorm_id): the thread whose running turn to stop",
            )),
        }
    }
}

impl McpServer {
    /// An MCP 2026-07-28 client's retry of a turn call that answered input-required: give
    /// Codex the human's answers and go on watching the same turn. Never starts new work.
    pub(super) async fn retry(
        &self,
        mut call: Call,
        state: &str,
        responses: Option<BTreeMap<String, Value>>,
        wait_seconds: Option<f64>,
    ) -> CallToolResponse {
        match self.resume(&mut call, state, responses, wait_seconds).await {
            Ok(outcome) => self.finish(call, outcome).await,
            Err(refused) => refused,
        }
    }

    /// The watching part of a retry: the turn's outcome, or the tool result that refuses a
    /// bad request state.
    pub(super) async fn resume(
        &self,
        call: &mut Call,
        state: &str,
        responses: Option<BTreeMap<String, Value>>,
        wait_seconds: Option<f64>,
    ) -> Result<Result<TurnOutcome, BridgeError>, CallToolResponse> {
        let retry =
            match self
                .input
                .open(call.tool(), call.caller.agent.as_deref(), state, responses)
            {
                Ok(retry) => retry,
                Err(message) => return Err(render::error_text(&message).into()),
            };
        let wait = match self.bridge.ceilings.check_wait(wait_seconds) {
            Ok(wait) => wait,
            Err(error) => return Err(render::error(&error).into()),
        };
        Ok(self
            .bridge
            .answer_and_watch(
                &retry.thread_id,
                Some(&retry.turn_id),
                retry.answers,
                wait,
                &call.caller,
                &mut call.watcher,
            )
            .await)
    }
}
