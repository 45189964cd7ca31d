//! The MCP server handler: identity, capabilities, instructions, and the tool router it
//! dispatches to. The tools themselves are in [`super::tools`]; transports in
//! [`super::transport`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, Implementation, ServerCapabilities, ServerConfig,
};
use rmcp::service::{NotificationContext, RequestContext};
use rmcp::{tool_handler, ErrorData, Peer, RoleServer, ServerHandler};
use tokio_util::sync::CancellationToken;

use super::args::ArgumentChecks;
use super::input::InputRequired;
use super::render;
use crate::bridge::ops::Bridge;
use crate::shutdown::Caught;

/// What the server tells a client about itself at `initialize`. Every tool it names must
/// exist (checked by a test in `tools`).
pub const INSTRUCTIONS: &str =
    "Delegate work to OpenAI Codex. codex_ask starts a thread and returns \
Codex's answer with thread_id; codex_continue_thread sends a follow-up on that thread. If a \
result has status \"running\", Codex is still working: call codex_wait with its thread_id and \
turn_id, codex_steer to add input to the running turn, or codex_interrupt to stop it. \
codex_review runs Codex's read-only code review and returns its findings. codex_fork_thread \
branches a thread; codex_rename_thread, codex_archive_thread, codex_unarchive_thread, \
codex_revert_thread (history only; files are not restored) and codex_compact_thread keep \
threads in order. codex_list_threads and codex_read_thread find and read threads, including \
ones other agents started; codex_list_models lists models and their reasoning efforts. \
codex_brainstorm runs a structured debate between independent Codex participants (state your \
own caller_position first); codex_fanout runs one prompt on several variants at once. \
Default sandbox is read-only and Codex's requests to go beyond it are declined unless \
approval_policy says otherwise.";

/// What the transport tells every call about how it is served.
#[derive(Clone, Default)]
pub struct Serving {
    /// Cancelled when the bridge shuts down: every open call stops watching, and answers
    /// with an error saying how to continue its thread later.
    pub shutdown: CancellationToken,
    /// The signal that started the shutdown, set before `shutdown` is cancelled.
    pub signal: Arc<std::sync::OnceLock<Caught>>,
    /// How often a call that waits sends something on its stream (a progress notification
    /// when it has a progress token, else a `ping`), so an HTTP session is never idle while
    /// a call is in flight. `None` on stdio, which has no idle timeout.
    pub heartbeat: Option<Duration>,
    /// Ignore the clients' MCP roots. A shared service does: one agent offering `/` as a
    /// root must not widen where every call may work; the operator's `--allowed-root` (or
    /// the directory the service started in) decides.
    pub ignore_client_roots: bool,
}

/// The MCP server: one per MCP session, sharing the bridge (and its Codex session).
#[derive(Clone)]
pub struct McpServer {
    pub(crate) bridge: Bridge,
    pub(crate) serving: Serving,
    /// Lives as long as this session's handler (the HTTP transport counts sessions by it).
    _session: Option<Arc<dyn std::any::Any + Send + Sync>>,
    tool_router: ToolRouter<McpServer>,
    arguments: Arc<ArgumentChecks>,
    /// Seals and opens MCP 2026-07-28 request states.
    pub(crate) input: Arc<InputRequired>,
    /// The client's MCP roots (canonical directories), once read; `None` until then (and
    /// again after the client says they changed).
    roots: Arc<tokio::sync::Mutex<Option<Vec<PathBuf>>>>,
}

/// How long the client may take to list its roots.
const ROOTS_TIMEOUT: Duration = Duration::from_secs(3);

impl McpServer {
    pub fn new(
        bridge: Bridge,
        tool_router: ToolRouter<McpServer>,
        input: Arc<InputRequired>,
    ) -> McpServer {
        let arguments = Arc::new(ArgumentChecks::new(&tool_router.list_all()));
        McpServer {
            bridge,
            serving: Serving::default(),
            _session: None,
            tool_router,
            arguments,
            input,
            roots: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// The refusal of a call that would start or watch a turn while the bridge shuts down.
    pub(crate) fn shutting_down(&self) -> Option<CallToolResponse> {
        self.serving.shutdown.is_cancelled().then(|| {
            render::error_text(
                "codex-bridge is shutting down; nothing was started. Try again once it is back",
            )
            .into()
        })
    }

    /// The same server, served as `serving` says.
    pub fn serving(mut self, serving: Serving) -> McpServer {
        self.serving = serving;
        self
    }

    /// This server for a new session: its own roots, and `mark` kept until the session's
    /// handler is dropped.
    pub fn in_session(mut self, mark: Arc<dyn std::any::Any + Send + Sync>) -> McpServer {
        self._session = Some(mark);
        self.roots = Arc::new(tokio::sync::Mutex::new(None));
        self
    }

    /// The client's MCP roots (`None`: it offers none), read from the client the first time
    /// a call needs them (a call may come before the `initialized` notification is handled).
    pub(crate) async fn client_roots(&self, peer: &Peer<RoleServer>) -> Option<Vec<PathBuf>> {
        if self.serving.ignore_client_roots {
            return None;
        }
        let offers = peer
            .peer_info()
            .is_some_and(|info| info.capabilities.roots.is_some());
        if !offers {
            return None;
        }
        let mut roots = self.roots.lock().await;
        if roots.is_none() {
            *roots = list_roots(peer).await;
        }
        roots.clone()
    }
}

/// Ask the client for its roots (`roots/list`): canonical directories. rmcp marks roots
/// deprecated (SEP-2577), but it is how the handshake versions offer them.
#[allow(deprecated)]
async fn list_roots(peer: &Peer<RoleServer>) -> Option<Vec<PathBuf>> {
    {
        let listed = tokio::time::timeout(ROOTS_TIMEOUT, peer.list_roots()).await;
        let roots = match listed {
            Ok(Ok(listed)) => listed
                .roots
                .iter()
                .filter_map(|root| url::Url::parse(&root.uri).ok()?.to_file_path().ok())
                .filter_map(|path| std::fs::canonicalize(path).ok())
                .filter(|path| path.is_dir())
                .collect::<Vec<_>>(),
            Ok(Err(error)) => {
                tracing::warn!(%error, "the client's roots/list failed");
                return None;
            }
            Err(_) => {
                tracing::warn!("the client did not list its roots in time");
                return None;
            }
        };
        tracing::info!(?roots, "the client's MCP roots");
        Some(roots)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "codex-bridge",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }

    async fn on_roots_list_changed(&self, _context: NotificationContext<RoleServer>) {
        // Read again when a call next needs them.
        *self.roots.lock().await = None;
    }

    /// Every call's arguments are checked against the tool's schema first (see `args`):
    /// a tool only ever sees arguments of the right names and types.
    async fn call_tool(
        &self,
        mut request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        // Counted as running until it returns: memory is handed back once none runs.
        let _busy = crate::memory::Busy::enter();
        match self
            .arguments
            .check(&request.name, request.arguments.take())
        {
            Ok(arguments) => request.arguments = Some(arguments),
            Err(message) => return Ok(render::error_text(&message).into()),
        }
        self.tool_router
            .call(ToolCallContext::new(self, request, context))
            .await
    }
}
