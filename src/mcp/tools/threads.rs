//! Thread tools: `codex_list_threads`, `codex_read_thread`.

use rmcp::handler::server::tool::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use crate::bridge::ops::threads::ListThreads;
use crate::bridge::results::{ThreadHistory, ThreadList};
use crate::mcp::params::{ListParams, ReadParams};
use crate::mcp::render;
use crate::mcp::server::McpServer;

#[tool_router(router = thread_tools, vis = "pub(crate)")]
impl McpServer {
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
    ) -> CallToolResult {
        let list = ListThreads {
            cwd: params.cwd,
            search: params.search,
            limit: params.limit,
            cursor: params.cursor,
            archived: params.archived,
        };
        match self.bridge.list_threads(list).await {
            Ok(list) => render::list(&list),
            Err(error) => render::error(&error),
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
    ) -> CallToolResult {
        match self
            .bridge
            .read_thread(&params.thread_id, params.limit)
            .await
        {
            Ok(history) => render::history(&history),
            Err(error) => render::error(&error),
        }
    }
}
