//! The MCP tools: thin adapters from validated parameters to the Codex client.
//!
//! Each tool checks its arguments against the operator's ceilings, calls the client, and
//! shapes the answer. Turn-running tools share one "start, then watch" path: the turn runs
//! in its own task, the call waits up to `wait_seconds`, reports progress, and interrupts
//! the turn if the caller cancels.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::tool::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, RoleServer};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::elicit::ElicitationAsker;
use super::params::{
    AskParams, ContinueParams, InterruptParams, ListParams, ReadParams, TurnOptions, WaitParams,
};
use super::progress::ProgressReporter;
use super::results::{self, ThreadHistory, ThreadList, ThreadSummary, TurnSummary};
use super::server::CodexBridge;
use crate::approval::Asker;
use crate::codex::client::{check_thread_id, NewThread, TurnRequest};
use crate::codex::protocol::ThreadListParams;
use crate::codex::turn::{TurnHandle, TurnResult};
use crate::error::BridgeError;
use crate::turn_options;

/// Largest `limit` accepted by the listing tools.
const MAX_LIMIT: i64 = 100;
const DEFAULT_LIST_LIMIT: i64 = 20;

#[tool_router(vis = "pub(crate)")]
impl CodexBridge {
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
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, rmcp::ErrorData> {
        let call_done = CancellationToken::new();
        let prepared = match self.prepare_turn(&params.prompt, &params.turn, &context, &call_done) {
            Ok(prepared) => prepared,
            Err(error) => return Ok(error_result(&error)),
        };
        let new = NewThread {
            name: params.name,
            ephemeral: params.ephemeral.unwrap_or(false),
            base_instructions: params.base_instructions,
            developer_instructions: params.developer_instructions,
        };
        let (request, wait) = prepared;
        // Open "ask" approvals are declined once this call stops waiting.
        let _call_done = call_done.drop_guard();
        Ok(self
            .run_turn(self.client.start_thread(new, request), wait, context)
            .await)
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
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, rmcp::ErrorData> {
        if let Err(error) = check_thread_id(&params.thread_id) {
            return Ok(error_result(&error));
        }
        let call_done = CancellationToken::new();
        let (request, wait) =
            match self.prepare_turn(&params.prompt, &params.turn, &context, &call_done) {
                Ok(prepared) => prepared,
                Err(error) => return Ok(error_result(&error)),
            };
        let _call_done = call_done.drop_guard();
        Ok(self
            .run_turn(
                self.client.continue_thread(&params.thread_id, request),
                wait,
                context,
            )
            .await)
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
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, rmcp::ErrorData> {
        if let Err(error) = check_thread_id(&params.thread_id) {
            return Ok(error_result(&error));
        }
        let wait = match self.ceilings.check_wait(params.wait_seconds) {
            Ok(wait) => wait,
            Err(error) => return Ok(error_result(&error)),
        };
        match self
            .client
            .find_turn(&params.thread_id, params.turn_id.as_deref())
        {
            Some(handle) => Ok(self.watch(handle, wait, context).await),
            None => Ok(self
                .finished_turn_from_history(&params.thread_id, params.turn_id.as_deref())
                .await),
        }
    }

    /// Stop a running Codex turn. The thread stays usable for the next turn.
    #[tool(
        name = "codex_interrupt",
        annotations(title = "Interrupt a Codex turn", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<TurnResult>()
    )]
    async fn codex_interrupt(
        &self,
        Parameters(params): Parameters<InterruptParams>,
    ) -> Result<CallToolResult, rmcp::ErrorData> {
        match self
            .client
            .interrupt(&params.thread_id, params.turn_id.as_deref())
            .await
        {
            Ok(Some(handle)) => Ok(turn_result(handle.result())),
            Ok(None) => Ok(self
                .finished_turn_from_history(&params.thread_id, params.turn_id.as_deref())
                .await),
            Err(error) => Ok(error_result(&error)),
        }
    }

    /// List Codex threads, newest activity first, including threads started elsewhere (TUI,
    /// IDE, other agents). Use the ids with codex_continue_thread or codex_read_thread.
    #[tool(
        name = "codex_list_threads",
        annotations(title = "List Codex threads", read_only_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<ThreadList>()
    )]
    async fn codex_list_threads(
        &self,
        Parameters(params): Parameters<ListParams>,
    ) -> Result<CallToolResult, rmcp::ErrorData> {
        let limit = match check_limit(params.limit, DEFAULT_LIST_LIMIT) {
            Ok(limit) => limit,
            Err(error) => return Ok(error_result(&error)),
        };
        if let Some(cwd) = &params.cwd {
            if !std::path::Path::new(cwd).is_absolute() {
                return Ok(error_result(&BridgeError::invalid(format!(
                    "cwd must be an absolute path, got {cwd:?}"
                ))));
            }
        }
        let request = ThreadListParams {
            limit: Some(limit),
            cursor: params.cursor.filter(|cursor| !cursor.is_empty()),
            cwd: params.cwd,
            search_term: params.search.filter(|search| !search.is_empty()),
            archived: params.archived,
            sort_key: "updated_at",
            model_providers: Vec::new(),
        };
        match self.client.list_threads(request).await {
            Ok(response) => {
                let list = ThreadList {
                    threads: response.data.into_iter().map(ThreadSummary::from).collect(),
                    next_cursor: response.next_cursor,
                };
                Ok(structured_result(&list, results::render_list(&list), false))
            }
            Err(error) => Ok(error_result(&error)),
        }
    }

    /// Read a Codex thread's history: each turn's prompt and final answer, oldest first. Use
    /// it to catch up on a thread another agent worked in.
    #[tool(
        name = "codex_read_thread",
        annotations(title = "Read a Codex thread", read_only_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<ThreadHistory>()
    )]
    async fn codex_read_thread(
        &self,
        Parameters(params): Parameters<ReadParams>,
    ) -> Result<CallToolResult, rmcp::ErrorData> {
        let limit = match check_limit(params.limit, MAX_LIMIT) {
            Ok(limit) => limit as usize,
            Err(error) => return Ok(error_result(&error)),
        };
        match self.client.read_thread(&params.thread_id).await {
            Ok(thread) => {
                let total_turns = thread.turns.len();
                let name = thread.name.clone();
                let cwd = thread.cwd.clone();
                let status = thread.status_label().to_string();
                let turns: Vec<TurnSummary> = thread
                    .turns
                    .into_iter()
                    .skip(total_turns.saturating_sub(limit))
                    .map(TurnSummary::from)
                    .collect();
                let history = ThreadHistory {
                    thread_id: thread.id,
                    name,
                    cwd,
                    status,
                    total_turns,
                    turns,
                };
                Ok(structured_result(
                    &history,
                    results::render_history(&history),
                    false,
                ))
            }
            Err(error) => Ok(error_result(&error)),
        }
    }
}

impl CodexBridge {
    /// Validate per-turn options against the ceilings (the rules shared with the command
    /// line) and build the request. Under "ask", approvals are elicited from this call's
    /// client until `call_done` is cancelled.
    fn prepare_turn(
        &self,
        prompt: &str,
        options: &TurnOptions,
        context: &RequestContext<RoleServer>,
        call_done: &CancellationToken,
    ) -> Result<(TurnRequest, Duration), BridgeError> {
        let asker: Arc<dyn Asker> = Arc::new(ElicitationAsker::new(
            context.peer.clone(),
            call_done.clone(),
        ));
        turn_options::prepare(prompt, options, &self.ceilings, Some(asker))
    }

    /// Start a turn, then watch it. A call cancelled while the turn is being started still
    /// interrupts it once it exists, so nothing runs on for a caller who left.
    async fn run_turn(
        &self,
        start: impl Future<Output = Result<Arc<TurnHandle>, BridgeError>>,
        wait: Duration,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        match start.await {
            Ok(handle) => self.watch(handle, wait, context).await,
            Err(error) => error_result(&error),
        }
    }

    /// Wait for a turn up to `wait`, with progress, interrupting it if the call is cancelled.
    async fn watch(
        &self,
        handle: Arc<TurnHandle>,
        wait: Duration,
        context: RequestContext<RoleServer>,
    ) -> CallToolResult {
        let progress = ProgressReporter::start(
            context.peer.clone(),
            context.meta.get_progress_token(),
            handle.clone(),
        );
        tokio::select! {
            _ = handle.wait(wait) => {}
            () = context.ct.cancelled() => {
                tracing::info!(thread_id = %handle.thread_id, turn_id = %handle.turn_id, "call cancelled; interrupting its turn");
                self.client.interrupt_quietly(&handle).await;
            }
        }
        progress.finish().await;
        turn_result(handle.result())
    }

    /// A turn this bridge does not hold (another process ran it, or the bridge restarted):
    /// read it from the thread's saved history.
    async fn finished_turn_from_history(
        &self,
        thread_id: &str,
        turn_id: Option<&str>,
    ) -> CallToolResult {
        let thread = match self.client.read_thread(thread_id).await {
            Ok(thread) => thread,
            Err(error) => return error_result(&error),
        };
        let turn = match turn_id {
            Some(turn_id) => thread.turns.into_iter().find(|turn| turn.id == turn_id),
            None => thread.turns.into_iter().last(),
        };
        let Some(turn) = turn else {
            return error_result(&BridgeError::NotFound(format!(
                "thread {thread_id} has no turn {}; see its turns with codex_read_thread",
                turn_id.unwrap_or("(any)")
            )));
        };
        let summary = TurnSummary::from(turn);
        turn_result(TurnResult {
            thread_id: thread_id.to_string(),
            turn_id: summary.turn_id,
            status: summary.status,
            text: summary.answer,
            structured: None,
            error: summary.error,
            usage: None,
            duration_ms: 0,
            commands: Vec::new(),
            file_changes: Vec::new(),
            approvals: Vec::new(),
        })
    }
}

fn check_limit(limit: Option<i64>, default: i64) -> Result<u32, BridgeError> {
    let limit = limit.unwrap_or(default);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(BridgeError::invalid(format!(
            "limit must be between 1 and {MAX_LIMIT}, got {limit}"
        )));
    }
    Ok(limit as u32)
}

/// A turn result: structured (for models) and text (for humans); `isError` when it failed.
pub fn turn_result(result: TurnResult) -> CallToolResult {
    let failed = result.status == crate::codex::turn::TurnPhase::Failed;
    let text = results::render_turn(&result);
    structured_result(&result, text, failed)
}

fn structured_result<T: Serialize>(value: &T, text: String, is_error: bool) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = serde_json::to_value(value).ok();
    result.is_error = Some(is_error);
    result
}

/// A tool-level error a model can act on (not a JSON-RPC error).
pub fn error_result(error: &BridgeError) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(format!("error: {error}"))])
}
