//! MCP over stdio: what an MCP client config launches.
//!
//! Answers `initialize` and `tools/list` at once (the app-server warms up in the
//! background), and on every way out (stdin closed, SIGTERM, SIGINT) interrupts running
//! turns at once and ends the app-server it owns before returning.

use rmcp::ServiceExt;

use crate::bridge::ops::Bridge;
use crate::mcp::server::McpServer;
use crate::shutdown::Signals;

/// Start the app-server in the background, before the MCP server is even built, so it warms
/// up while the bridge and its client initialize (the first call waits for it); failures
/// resurface, with their message, on the first tool call.
pub fn warm_up(bridge: &Bridge) {
    let warm = bridge.client.clone();
    // Start-up counts as work: what it freed is handed back once it is done and no call runs.
    let busy = crate::memory::Busy::enter();
    tokio::spawn(async move {
        let _busy = busy;
        if let Err(error) = warm.ensure_connected().await {
            tracing::warn!(%error, "Codex app-server is not available yet");
        }
    });
}

/// Serve MCP over stdio until the client goes away or a signal arrives, then shut down.
/// The caller has started the app-server ([`warm_up`]).
pub async fn serve(server: McpServer, mut signals: Signals) -> Result<(), String> {
    let bridge = server.bridge.clone();
    let transport = super::lines::stdio();
    let input_closed = transport.input_closed();
    // A signal before the client has initialized ends the bridge too (a client that gives up
    // while starting, or a package runner passing on its SIGTERM).
    let service = tokio::select! {
        service = server.serve(transport) => match service {
            Ok(service) => service,
            // The client went away before initializing (a client that gave up, a probe):
            // nothing to report.
            Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => {
                tracing::info!("the client closed its input before MCP initialize");
                bridge.shutdown().await;
                return Ok(());
            }
            Err(error) => return Err(format!("MCP initialization failed: {error}")),
        },
        caught = signals.next() => {
            tracing::info!(reason = %format!("received {} before MCP initialize", caught.name()), "shutting down");
            bridge.shutdown().await;
            return Ok(());
        }
    };
    let cancel = service.cancellation_token();
    let reason = tokio::select! {
        result = service.waiting() => match result {
            Ok(reason) => format!("MCP session ended ({reason:?})"),
            Err(e) => format!("MCP session failed: {e}"),
        },
        caught = signals.next() => {
            cancel.cancel();
            format!("received {}", caught.name())
        }
        // The client is gone: its turns are stopped now, not after rmcp has drained the
        // calls still in flight (whose answers nobody would read).
        () = input_closed.cancelled() => {
            cancel.cancel();
            "the client closed its input".to_string()
        }
    };
    tracing::info!(%reason, "shutting down");
    bridge.shutdown().await;
    Ok(())
}
