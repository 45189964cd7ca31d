//! Model tool: `codex_list_models`.

use rmcp::handler::server::tool::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use crate::bridge::results::ModelList;
use crate::mcp::params::ModelsParams;
use crate::mcp::render;
use crate::mcp::server::McpServer;

#[tool_router(router = model_tools, vis = "pub(crate)")]
impl McpServer {
    /// List the models Codex offers, each with its reasoning efforts (the values `effort`
    /// takes for that model) and its default effort.
    #[tool(
        name = "codex_list_models",
        annotations(title = "List Codex models", read_only_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<ModelList>()
    )]
    async fn codex_list_models(
        &self,
        Parameters(params): Parameters<ModelsParams>,
    ) -> CallToolResult {
        match self
            .bridge
            .list_models(params.include_hidden.unwrap_or(false))
            .await
        {
            Ok(models) => render::models(&models),
            Err(error) => render::error(&error),
        }
    }
}
