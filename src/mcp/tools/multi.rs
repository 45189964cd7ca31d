//! Tools that run several turns at once: `codex_brainstorm`, `codex_fanout`.

use rmcp::handler::server::tool::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResponse;
use rmcp::service::RequestContext;
use rmcp::{tool, tool_router, RoleServer};

use crate::bridge::debate::ParticipantSpec;
use crate::bridge::ops::brainstorm::Brainstorm;
use crate::bridge::ops::fanout::{Fanout, Variant};
use crate::bridge::ops::turns::Waiting;
use crate::bridge::results::{BrainstormResult, FanoutResult};
use crate::mcp::params::{BrainstormParams, FanoutParams};
use crate::mcp::render;
use crate::mcp::server::McpServer;

#[tool_router(router = multi_tools, vis = "pub(crate)")]
impl McpServer {
    /// Brainstorm with several independent Codex participants in a structured debate: each
    /// answers alone first, then sees the others' positions (anonymised) and answers point by
    /// point, until no one changes position or the rounds run out; a separate thread then
    /// lists agreements, disagreements, open questions and a recommendation. Give your own
    /// caller_position first, so you weigh theirs against it. Read-only. A long debate
    /// answers "running": call codex_brainstorm again with its brainstorm_id.
    #[tool(
        name = "codex_brainstorm",
        annotations(title = "Brainstorm with Codex participants", read_only_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<BrainstormResult>()
    )]
    async fn codex_brainstorm(
        &self,
        Parameters(params): Parameters<BrainstormParams>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let mut call = match self.begin("codex_brainstorm", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        let brainstorm = Brainstorm {
            brainstorm_id: params.brainstorm_id,
            topic: params.topic,
            context: params.context,
            participants: params.participants.map(|participants| {
                participants
                    .into_iter()
                    .map(|p| ParticipantSpec {
                        role: p.role,
                        stance: p.stance,
                        instructions: p.instructions,
                        model: p.model,
                        effort: p.effort,
                    })
                    .collect()
            }),
            rounds: params.rounds,
            caller_position: params.caller_position,
            synthesize: params.synthesize,
            cwd: params.cwd,
            model: params.model,
            effort: params.effort,
            seed_thread_id: params.seed_thread_id,
            wait_seconds: params.wait_seconds,
            transcript: params.transcript.unwrap_or(false),
        };
        let outcome = self
            .bridge
            .brainstorm(
                brainstorm,
                &call.caller,
                Waiting::ForCall,
                &mut call.watcher,
            )
            .await;
        call.watcher.finish().await;
        match outcome {
            Ok(result) => render::brainstorm(&result, self.bridge.ceilings.max_result_chars).into(),
            Err(error) => render::error(&error).into(),
        }
    }

    /// Run the same prompt on several variants at once (different models, efforts or
    /// developer instructions), each on its own new Codex thread, and get their answers side
    /// by side. A variant still running when the call returns is an ordinary turn: call
    /// codex_wait with its thread_id and turn_id.
    #[tool(
        name = "codex_fanout",
        annotations(title = "Fan a prompt out to several Codex variants", read_only_hint = false, destructive_hint = true, open_world_hint = true),
        output_schema = schema_for_output::<FanoutResult>()
    )]
    async fn codex_fanout(
        &self,
        Parameters(params): Parameters<FanoutParams>,
        context: RequestContext<RoleServer>,
    ) -> CallToolResponse {
        let mut call = match self.begin("codex_fanout", &context).await {
            Ok(call) => call,
            Err(refusal) => return refusal,
        };
        let fanout = Fanout {
            prompt: params.prompt,
            variants: params.variants.map(|variants| {
                variants
                    .into_iter()
                    .map(|v| Variant {
                        name: v.name,
                        model: v.model,
                        effort: v.effort,
                        developer_instructions: v.developer_instructions,
                    })
                    .collect()
            }),
            count: params.count,
            options: params.turn,
        };
        let outcome = self
            .bridge
            .fanout(fanout, &call.caller, Waiting::ForCall, &mut call.watcher)
            .await;
        call.watcher.finish().await;
        match outcome {
            Ok(result) => render::fanout(&result, self.bridge.ceilings.max_result_chars).into(),
            Err(error) => render::error(&error).into(),
        }
    }
}
