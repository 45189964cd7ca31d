//! MCP over streamable HTTP (`serve --http ADDR`): one long-lived bridge, one app-server
//! and one app-server session shared by every MCP session, for several agents at once.
//!
//! rmcp's streamable HTTP service is mounted at `/mcp` on axum, behind the [`guard`] (Host,
//! Origin, bearer token from [`tokens`]). Sessions of the handshake protocol versions get
//! their progress and elicitations on each call's own SSE stream; MCP 2026-07-28 requests
//! are served statelessly by rmcp. The tools and operations are the very ones stdio
//! serves.
//!
//! Long calls: rmcp drops a session that exchanged no message for its idle timeout
//! (`--http-session-idle-seconds`, by default 5 minutes above `--max-wait-seconds`), even
//! with a call in flight, so every waiting call sends a heartbeat at a third of it.
//!
//! A session's end never stops the app-server. SIGTERM (or SIGINT) stops accepting
//! connections, has every open call interrupt its turn and answer with an error that names
//! its thread and how to continue it later, closes the sessions, ends the app-server, and
//! returns `Ok` (exit 0).

pub mod guard;
pub mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use tokio_util::sync::CancellationToken;

pub use guard::HttpCaller;
use guard::{Gate, InFlight};
use tokens::Source;

use crate::mcp::server::{McpServer, Serving};
use crate::shutdown::Signals;

/// The path MCP is served at.
pub const PATH: &str = "/mcp";
/// The largest request body accepted (bytes): room for the largest prompt a call may send
/// (1,048,576 characters, up to 4 bytes each in UTF-8) with JSON escaping to spare.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// How long open calls have to answer once a shutdown began (their turns are interrupted
/// first, which waits up to 5 s for Codex to confirm).
const ANSWER_GRACE: Duration = Duration::from_secs(10);
/// How long the HTTP server has to close its connections after that.
const CLOSE_GRACE: Duration = Duration::from_secs(3);

/// How to serve MCP over HTTP (from `serve`'s `--http*` flags).
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Where to listen (port 0: any free port; the one taken is printed).
    pub addr: SocketAddr,
    /// Accept a non-loopback `addr` (`--http-allow-remote`).
    pub allow_remote: bool,
    /// `--http-token-file`; `None`: the generated file at its stable path.
    pub token_file: Option<PathBuf>,
    /// More `Host` names to accept besides the loopback ones.
    pub allowed_hosts: Vec<String>,
    /// `Origin`s to accept (none by default).
    pub allowed_origins: Vec<String>,
    /// How long a session may exchange no message before it is dropped.
    pub session_idle: Duration,
}

impl HttpOptions {
    /// Check the options before anything starts: the loopback rule, the origins' form.
    pub fn check(&self) -> Result<(), String> {
        if !self.addr.ip().is_loopback() && !self.allow_remote {
            return Err(format!(
                "refusing to listen on {}: it is not a loopback address, and the bridge has no TLS. Use 127.0.0.1, or pass --http-allow-remote and put a TLS reverse proxy in front (see the README's section on the HTTP service)",
                self.addr
            ));
        }
        for origin in &self.allowed_origins {
            let parsed = url::Url::parse(origin).ok();
            let fine = parsed.as_ref().is_some_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some()
                    && url.path() == "/"
                    && origin.trim_end_matches('/') == origin
            });
            if !fine {
                return Err(format!(
                    "--http-allowed-origin {origin:?} must be an origin such as http://localhost:3000 (scheme, host and optional port; no path)"
                ));
            }
        }
        if self.session_idle.is_zero() {
            return Err("--http-session-idle-seconds must be at least 1".into());
        }
        Ok(())
    }

    /// The `Host` names accepted: the loopback names, the address listened on, and the
    /// operator's.
    fn hosts(&self) -> Vec<String> {
        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .into_iter()
            .map(str::to_string)
            .collect();
        let own = self.addr.ip();
        if !own.is_unspecified() {
            hosts.push(own.to_string());
        }
        hosts.extend(self.allowed_hosts.iter().map(|host| guard::host_of(host)));
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// A waiting call's heartbeat: a third of the idle timeout, at most a minute.
    fn heartbeat(&self) -> Duration {
        (self.session_idle / 3).clamp(Duration::from_millis(200), Duration::from_secs(60))
    }
}

/// Serve MCP over HTTP until a signal arrives, then shut down (see the module doc).
pub async fn serve(
    server: McpServer,
    options: HttpOptions,
    mut signals: Signals,
) -> Result<(), String> {
    options.check()?;
    let (tokens, source) = tokens::load(options.token_file.as_deref())?;
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.addr))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot read the address listened on: {e}"))?;
    // These two lines are what an operator needs; they never hold the token itself. Each
    // goes out in one write: a supervisor reading the address never sees half of it.
    say(&format!(
        "codex-bridge: serving MCP over HTTP at http://{local}{PATH}\n"
    ));
    say(&format!(
        "codex-bridge: {}\n",
        describe_tokens(&tokens, &source)
    ));

    let client = server.bridge.client.clone();
    let warm = client.clone();
    tokio::spawn(async move {
        if let Err(error) = warm.ensure_connected().await {
            tracing::warn!(%error, "Codex app-server is not available yet");
        }
    });

    let calls_stop = CancellationToken::new();
    let signal = Arc::new(OnceLock::new());
    let server = server.serving(Serving {
        shutdown: calls_stop.clone(),
        signal: signal.clone(),
        heartbeat: Some(options.heartbeat()),
        ignore_client_roots: true,
    });
    let sessions_end = CancellationToken::new();
    let mut sessions = LocalSessionManager::default();
    sessions.session_config.keep_alive = Some(options.session_idle);
    // No SSE priming events (an empty `data:` line with a retry hint, for resuming streams):
    // Gemini CLI 0.61's MCP client parses every `data:` as JSON and drops the connection on
    // an empty one. The bridge keeps no event store, so there is nothing to resume anyway.
    sessions.session_config.sse_retry = None;
    let hosts = options.hosts();
    let origins: Vec<String> = options
        .allowed_origins
        .iter()
        .map(|origin| origin.to_ascii_lowercase())
        .collect();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts.clone())
        .with_allowed_origins(origins.clone())
        .enforce_origin_validation()
        .with_max_request_body_bytes(MAX_BODY_BYTES)
        .with_sse_retry(None)
        .with_cancellation_token(sessions_end.clone());
    let open = Arc::new(AtomicUsize::new(0));
    let service = StreamableHttpService::new(
        move || Ok(server.clone().in_session(SessionMark::new(open.clone()))),
        Arc::new(sessions),
        config,
    );
    let posts = InFlight::default();
    let gate = Arc::new(Gate {
        tokens,
        hosts,
        origins,
        posts: posts.clone(),
    });
    let app = Router::new()
        .nest_service(PATH, service)
        .layer(axum::middleware::from_fn_with_state(gate, guard::check));
    let stop_accepting = CancellationToken::new();
    let stopped = stop_accepting.clone();
    let mut http = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stopped.cancelled().await })
            .await
    });

    let caught = tokio::select! {
        caught = signals.next() => caught,
        ended = &mut http => {
            client.shutdown().await;
            return match ended {
                Ok(Ok(())) => Err("the HTTP server stopped on its own".into()),
                Ok(Err(error)) => Err(format!("the HTTP server failed: {error}")),
                Err(error) => Err(format!("the HTTP server failed: {error}")),
            };
        }
    };
    tracing::info!(
        signal = caught.name(),
        "shutting down: no new connections; open calls answer"
    );
    stop_accepting.cancel();
    let _ = signal.set(caught);
    calls_stop.cancel();
    if tokio::time::timeout(ANSWER_GRACE, posts.drained())
        .await
        .is_err()
    {
        tracing::warn!(
            open = posts.now(),
            "some calls did not answer in time; closing their sessions"
        );
    }
    sessions_end.cancel();
    if tokio::time::timeout(CLOSE_GRACE, &mut http).await.is_err() {
        tracing::warn!("the HTTP server did not close its connections in time");
        http.abort();
    }
    client.shutdown().await;
    tracing::info!("shut down");
    Ok(())
}

/// The start-up line about the tokens: where they are, never what they are.
fn describe_tokens(tokens: &tokens::Tokens, source: &Source) -> String {
    let path = source.path().display();
    match source {
        Source::Generated { created: true, .. } => {
            format!("made a bearer token for clients in {path} (kept for later starts)")
        }
        Source::Generated { created: false, .. } => {
            format!("the bearer token for clients is in {path}")
        }
        Source::File(_) if tokens.per_agent() => {
            format!("{} agents' bearer tokens from {path}", tokens.len())
        }
        Source::File(_) => format!("the bearer token for clients is in {path}"),
    }
}

/// Counts the MCP sessions served (a stateless MCP 2026-07-28 request counts while it
/// runs): one mark per session, shared by its handler's clones, gone when they are.
#[derive(Debug)]
pub struct SessionMark {
    open: Arc<AtomicUsize>,
}

impl SessionMark {
    fn new(open: Arc<AtomicUsize>) -> Arc<SessionMark> {
        let now = open.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::debug!(open = now, "MCP session started");
        Arc::new(SessionMark { open })
    }
}

impl Drop for SessionMark {
    fn drop(&mut self) {
        let now = self.open.fetch_sub(1, Ordering::SeqCst) - 1;
        tracing::debug!(open = now, "MCP session ended");
    }
}

/// One line to stderr in a single write (`eprintln!` writes its pieces one by one).
fn say(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}
