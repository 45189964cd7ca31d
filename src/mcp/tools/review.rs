//! Review and fork tools: `codex_review`, `codex_fork_thread`.

use rmcp::handler::server::tool::{schema_for_output, InputResponses, RequestState};
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResponse;
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, RoleServer};

use crate::bridge::ops::fork::{ForkCall, Forked};
use crate::bridge::ops::review::Review;
use crate::bridge::ops::turns::Waiting;
use crate::bridge::results::{ForkResult, TurnResult};
use crate::mcp::params::{ForkParams, ReviewParams};
use crate::mcp::render;
use crate::mcp::server::McpServer;

#[tool_router(router = branch_tools, vis = "pub(crate)")]
impl McpServer {
    /// Codex's own code review of a git working tree: uncommitted changes, a branch's
    /// changes against a base, one commit, or custom instructions. Always read-only (Codex
    /// runs no command that writes and every approval is declined). Returns the review text
    /// plus `review`: the verdict and each finding (title, body, file, lines, priority,
    /// confidence). "running" -> codex_wait like any turn.
    #[tool(
        name = "codex_review",
        annotations(title = "Code review by Codex", read_only_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<TurnResult>()
    )]
    async fn codex_review(
        &self,
        Parameters(params): Parameters<ReviewParams>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let mut call = match self.begin("codex_review", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        let review = Review {
            target: params.target.word().to_string(),
            base_branch: params.base_branch,
            commit: params.commit,
            commit_title: params.commit_title,
            instructions: params.instructions,
            cwd: params.cwd,
            thread_id: params.thread_id,
            model: params.model,
            effort: params.effort.map(|effort| effort.as_str().to_string()),
            wait_seconds: params.wait_seconds,
        };
        let outcome = self
            .bridge
            .review(review, &call.caller, Waiting::ForCall, &mut call.watcher)
            .await;
        self.finish(call, outcome).await
    }

    /// Branch a Codex thread to try an alternative: a new thread with the history up to
    /// last_turn_id (default: all of it); the source thread is unchanged. With a prompt,
    /// also runs the fork's first turn (result in `turn`, like codex_ask's). The fork does
    /// not inherit the source's sandbox: the per-turn options apply.
    #[tool(
        name = "codex_fork_thread",
        annotations(title = "Fork a Codex thread", read_only_hint = false, destructive_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<ForkResult>()
    )]
    async fn codex_fork_thread(
        &self,
        Parameters(params): Parameters<ForkParams>,
        RequestState(state): RequestState,
        InputResponses(responses): InputResponses,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let budget = self.bridge.ceilings.max_result_chars;
        let mut call = match self.begin("codex_fork_thread", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        if let Some(state) = state {
            let outcome = match self
                .resume(&mut call, &state, responses, params.turn.wait_seconds)
                .await
            {
                Ok(outcome) => outcome,
                Err(refused) => return refused,
            };
            let fork = match &outcome {
                Ok(crate::bridge::ops::turns::TurnOutcome::Ran { result, .. }) => {
                    self.bridge.fork_of(&result.thread_id).await
                }
                _ => None,
            };
            return call
                .answer_as(
                    outcome,
                    &self.bridge,
                    &self.input,
                    budget,
                    |turn| match fork {
                        Some(fork) => render::fork(&fork, Some(turn), budget),
                        None => render::turn(turn, budget),
                    },
                )
                .await;
        }
        let fork = ForkCall {
            thread_id: params.thread_id,
            last_turn_id: params.last_turn_id,
            name: params.name,
            prompt: params.prompt,
            options: params.turn,
        };
        match self
            .bridge
            .fork_thread(fork, &call.caller, Waiting::ForCall, &mut call.watcher)
            .await
        {
            Ok(Forked {
                fork,
                turn: Some(outcome),
            }) => {
                call.answer_as(Ok(outcome), &self.bridge, &self.input, budget, |turn| {
                    render::fork(&fork, Some(turn), budget)
                })
                .await
            }
            Ok(Forked { fork, turn: None }) => {
                call.watcher.finish().await;
                render::fork(&fork, None, budget).into()
            }
            Err(error) => {
                call.answer(Err(error), &self.bridge, &self.input, budget)
                    .await
            }
        }
    }
}
