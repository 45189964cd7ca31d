//! Thread tools: `codex_list_threads`, `codex_read_thread`, `codex_rename_thread`,
//! `codex_archive_thread`, `codex_unarchive_thread`, `codex_revert_thread`.

use rmcp::handler::server::tool::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use crate::bridge::ops::threads::{Detail, ListThreads, ReadThread};
use crate::bridge::results::{RevertResult, ThreadHistory, ThreadList, ThreadSummary};
use crate::mcp::params::{
    DetailParam, ListParams, ReadParams, RenameParams, RevertParams, ThreadParams,
};
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

    /// Read a Codex thread's history: each turn's prompt and final answer, a page at a time
    /// (the newest turns first; next_cursor pages to older ones). With turn_id and detail
    /// "full": one turn's whole record (commands with output, diffs, approvals). Use it to
    /// catch up on a thread another agent worked in.
    #[tool(
        name = "codex_read_thread",
        annotations(title = "Read a Codex thread", read_only_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<ThreadHistory>()
    )]
    async fn codex_read_thread(
        &self,
        Parameters(params): Parameters<ReadParams>,
    ) -> CallToolResult {
        let read = ReadThread {
            thread_id: params.thread_id,
            limit: params.limit,
            cursor: params.cursor,
            turn_id: params.turn_id,
            detail: match params.detail.unwrap_or_default() {
                DetailParam::Summary => Detail::Summary,
                DetailParam::Full => Detail::Full,
            },
        };
        match self.bridge.read_thread(read).await {
            Ok(history) => render::history(&history, self.bridge.ceilings.max_result_chars),
            Err(error) => render::error(&error),
        }
    }

    /// Give a Codex thread a name, so other agents can find it (codex_list_threads shows
    /// names and its search matches them).
    #[tool(
        name = "codex_rename_thread",
        annotations(title = "Rename a Codex thread", read_only_hint = false, destructive_hint = false, idempotent_hint = true, open_world_hint = false),
        output_schema = schema_for_output::<ThreadSummary>()
    )]
    async fn codex_rename_thread(
        &self,
        Parameters(params): Parameters<RenameParams>,
    ) -> CallToolResult {
        match self
            .bridge
            .rename_thread(&params.thread_id, &params.name)
            .await
        {
            Ok(thread) => render::thread(&thread, "renamed"),
            Err(error) => render::error(&error),
        }
    }

    /// Archive a Codex thread: it leaves the default codex_list_threads listing (list it
    /// with archived: true) and needs codex_unarchive_thread before its next turn. Refused
    /// while a turn runs on it.
    #[tool(
        name = "codex_archive_thread",
        annotations(title = "Archive a Codex thread", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<ThreadSummary>()
    )]
    async fn codex_archive_thread(
        &self,
        Parameters(params): Parameters<ThreadParams>,
    ) -> CallToolResult {
        match self.bridge.archive_thread(&params.thread_id).await {
            Ok(thread) => render::thread(&thread, "archived"),
            Err(error) => render::error(&error),
        }
    }

    /// Bring an archived Codex thread back into the default listing, ready for
    /// codex_continue_thread.
    #[tool(
        name = "codex_unarchive_thread",
        annotations(title = "Unarchive a Codex thread", read_only_hint = false, destructive_hint = false, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<ThreadSummary>()
    )]
    async fn codex_unarchive_thread(
        &self,
        Parameters(params): Parameters<ThreadParams>,
    ) -> CallToolResult {
        match self.bridge.unarchive_thread(&params.thread_id).await {
            Ok(thread) => render::thread(&thread, "unarchived"),
            Err(error) => render::error(&error),
        }
    }

    /// Drop a turn and every later turn from a Codex thread's history, so the next turn
    /// does not see them. Files those turns changed are NOT restored: undo them with git
    /// (or ask Codex). Refused while a turn runs on the thread.
    #[tool(
        name = "codex_revert_thread",
        annotations(title = "Revert a Codex thread's history", read_only_hint = false, destructive_hint = true, idempotent_hint = false, open_world_hint = false),
        output_schema = schema_for_output::<RevertResult>()
    )]
    async fn codex_revert_thread(
        &self,
        Parameters(params): Parameters<RevertParams>,
    ) -> CallToolResult {
        match self
            .bridge
            .revert_thread(&params.thread_id, &params.before_turn_id)
            .await
        {
            Ok(reverted) => render::reverted(&reverted),
            Err(error) => render::error(&error),
        }
    }
}
