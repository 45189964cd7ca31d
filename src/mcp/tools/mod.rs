//! The MCP tools: thin adapters from tool parameters to the bridge's operations, one file
//! per operation family, combined into one router.
//!
//! An adapter decodes its parameters, calls one operation ([`crate::bridge::ops`]) and
//! renders the result ([`super::render`]); nothing else.

mod models;
mod multi;
mod review;
mod threads;
mod turns;

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::CallToolResponse;
use rmcp::service::RequestContext;
use rmcp::RoleServer;

use super::call::Call;
use super::schema;
use super::server::McpServer;
use crate::bridge::error::BridgeError;
use crate::bridge::ops::turns::TurnOutcome;

/// Every tool, in one router, with its schemas in the portable subset (`schema`).
pub fn router() -> ToolRouter<McpServer> {
    let mut router = McpServer::turn_tools()
        + McpServer::thread_tools()
        + McpServer::branch_tools()
        + McpServer::model_tools()
        + McpServer::multi_tools();
    for route in router.map.values_mut() {
        route.attr.input_schema = Arc::new(schema::portable(&route.attr.input_schema));
        if let Some(output) = &route.attr.output_schema {
            route.attr.output_schema = Some(Arc::new(schema::portable(output)));
        }
    }
    router
}

impl McpServer {
    /// A call of `tool` that runs or watches turns, or the refusal when the bridge is
    /// shutting down (nothing new starts then).
    pub(crate) async fn begin(
        &self,
        tool: &'static str,
        context: &RequestContext<RoleServer>,
    ) -> Result<Call, CallToolResponse> {
        if let Some(refusal) = self.shutting_down() {
            return Err(refusal);
        }
        Ok(Call::new(
            tool,
            context,
            self.client_roots(&context.peer).await,
            &self.serving,
        ))
    }

    /// The tool result of a turn call, within the operator's result budget.
    pub(crate) async fn finish(
        &self,
        call: Call,
        outcome: Result<TurnOutcome, BridgeError>,
    ) -> CallToolResponse {
        call.answer(
            outcome,
            &self.bridge,
            &self.input,
            self.bridge.ceilings.max_result_chars,
        )
        .await
    }
}

/// The names of every tool (what `doctor` expects a client to see).
pub fn names() -> Vec<String> {
    router()
        .list_all()
        .into_iter()
        .map(|tool| tool.name.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_is_portable() {
        for tool in router().list_all() {
            let mut problems = schema::problems(&tool.input_schema);
            if let Some(output) = &tool.output_schema {
                problems.extend(
                    schema::problems(output)
                        .into_iter()
                        .map(|p| format!("output {p}")),
                );
            }
            assert!(problems.is_empty(), "{}: {problems:#?}", tool.name);
        }
    }

    #[test]
    fn the_instructions_name_only_and_every_tool() {
        let names = names();
        assert!(names.len() >= 6, "{names:?}");
        for name in &names {
            assert!(
                super::super::server::INSTRUCTIONS.contains(name.as_str()),
                "the server instructions do not mention {name}"
            );
        }
        for word in super::super::server::INSTRUCTIONS
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| word.starts_with("codex_"))
        {
            assert!(
                names.iter().any(|name| name == word),
                "the server instructions name {word}, which is not a tool"
            );
        }
    }
}
