//! The MCP server: identity, capabilities, and the stdio run loop with clean shutdown.
//!
//! Owns what happens around the tools: it answers `initialize`/`tools/list` at once (the
//! app-server warms up in the background), and on every way out (stdin closed, SIGTERM,
//! SIGINT) interrupts running turns and ends the app-server it owns before exiting.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{tool_handler, ServerHandler, ServiceExt};

use crate::codex::client::CodexClient;
use crate::config::Ceilings;

const INSTRUCTIONS: &str = "Delegate work to OpenAI Codex. codex_ask starts a thread and returns \
Codex's answer with thread_id; codex_continue_thread sends a follow-up on that thread. If a \
result has status \"running\", Codex is still working: call codex_wait with its thread_id and \
turn_id (codex_interrupt stops it). codex_list_threads and codex_read_thread find and read \
threads, including ones other agents started. Default sandbox is read-only and Codex's \
requests to go beyond it are declined unless approval_policy says otherwise.";

/// The MCP server state: shared by every request of the session.
#[derive(Clone)]
pub struct CodexBridge {
    pub(crate) client: Arc<CodexClient>,
    pub(crate) ceilings: Arc<Ceilings>,
    tool_router: ToolRouter<CodexBridge>,
}

impl CodexBridge {
    pub fn new(client: Arc<CodexClient>, ceilings: Ceilings) -> CodexBridge {
        CodexBridge {
            client,
            ceilings: Arc::new(ceilings),
            tool_router: Self::tool_router(),
        }
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for CodexBridge {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new(
                "codex-bridge",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_instructions(INSTRUCTIONS)
    }
}

/// Serve MCP over stdio until the client goes away or a signal arrives, then shut down.
pub async fn serve_stdio(bridge: CodexBridge) -> Result<(), String> {
    let client = bridge.client.clone();
    // Warm the app-server up while the client initializes; failures resurface, with their
    // message, on the first tool call.
    let warm = client.clone();
    tokio::spawn(async move {
        if let Err(error) = warm.ensure_connected().await {
            tracing::warn!(%error, "Codex app-server is not available yet");
        }
    });
    let service = bridge
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| format!("MCP initialization failed: {e}"))?;
    let cancel = service.cancellation_token();
    let reason = tokio::select! {
        result = service.waiting() => match result {
            Ok(reason) => format!("MCP session ended ({reason:?})"),
            Err(e) => format!("MCP session failed: {e}"),
        },
        signal = shutdown_signal() => {
            cancel.cancel();
            format!("received {signal}")
        }
    };
    tracing::info!(%reason, "shutting down");
    client.shutdown().await;
    Ok(())
}

/// SIGTERM or SIGINT, whichever comes first.
pub async fn shutdown_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers, fall back to Ctrl-C only.
        let _ = tokio::signal::ctrl_c().await;
        return "SIGINT";
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    }
}
