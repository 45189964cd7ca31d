//! Turn tools: `codex_ask`, `codex_continue_thread`, `codex_wait`, `codex_interrupt`.

use std::collections::BTreeMap;

use rmcp::handler::server::tool::{schema_for_output, InputResponses, RequestState};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResponse, CallToolResult};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, RoleServer};
use serde_json::Value;

use crate::bridge::ops::turns::{Ask, Continue, NewThread, Waiting};
use crate::bridge::results::TurnResult;
use crate::mcp::call::{self, Call};
use crate::mcp::params::{AskParams, ContinueParams, InterruptParams, WaitParams};
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
        if let Some(refusal) = self.shutting_down() {
            return refusal;
        }
        let mut call = Call::new(
            "codex_ask",
            &context,
            self.client_roots(&context.peer).await,
            &self.serving,
        );
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
        call.answer(
            outcome,
            &self.bridge,
            &self.input,
            self.bridge.ceilings.max_result_chars,
        )
        .await
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
        if let Some(refusal) = self.shutting_down() {
            return refusal;
        }
        let mut call = Call::new(
            "codex_continue_thread",
            &context,
            self.client_roots(&context.peer).await,
            &self.serving,
        );
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
        call.answer(
            outcome,
            &self.bridge,
            &self.input,
            self.bridge.ceilings.max_result_chars,
        )
        .await
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
        if let Some(refusal) = self.shutting_down() {
            return refusal;
        }
        let mut call = Call::new(
            "codex_wait",
            &context,
            self.client_roots(&context.peer).await,
            &self.serving,
        );
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
        call.answer(
            outcome,
            &self.bridge,
            &self.input,
            self.bridge.ceilings.max_result_chars,
        )
        .await
    }

    /// Stop a running Codex turn. The thread stays usable for the next turn. A turn another
    /// agent started (see started_by) is refused unless force is true.
    #[tool(
        name = "codex_interrupt",
        annotations(title = "Interrupt a Codex turn", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<TurnResult>()
    )]
    async fn codex_interrupt(
        &self,
        Parameters(params): Parameters<InterruptParams>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let caller = call::caller(&context, None);
        match self
            .bridge
            .interrupt(
                &params.thread_id,
                params.turn_id.as_deref(),
                &caller,
                params.force.unwrap_or(false),
            )
            .await
        {
            Ok(result) => render::turn(&result, self.bridge.ceilings.max_result_chars),
            Err(error) => render::error(&error),
        }
    }
}

impl McpServer {
    /// An MCP 2026-07-28 client's retry of a turn call that answered input-required: give
    /// Codex the human's answers and go on watching the same turn. Never starts new work.
    async fn retry(
        &self,
        mut call: Call,
        state: &str,
        responses: Option<BTreeMap<String, Value>>,
        wait_seconds: Option<f64>,
    ) -> CallToolResponse {
        let retry =
            match self
                .input
                .open(call.tool(), call.caller.agent.as_deref(), state, responses)
            {
                Ok(retry) => retry,
                Err(message) => return render::error_text(&message).into(),
            };
        let wait = match self.bridge.ceilings.check_wait(wait_seconds) {
            Ok(wait) => wait,
            Err(error) => return render::error(&error).into(),
        };
        let outcome = self
            .bridge
            .answer_and_watch(
                &retry.thread_id,
                Some(&retry.turn_id),
                retry.answers,
                wait,
                &call.caller,
                &mut call.watcher,
            )
            .await;
        call.answer(
            outcome,
            &self.bridge,
            &self.input,
            self.bridge.ceilings.max_result_chars,
        )
        .await
    }
}
