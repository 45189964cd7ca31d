//! The operator's flags (and their environment variables), shared by `serve` and the
//! client commands: how to reach Codex, the ceilings no tool call can exceed, and (`serve`
//! only) the waits and the HTTP service.
//!
//! Clap parses them here; what they mean is resolved into the layers below
//! ([`LinkSettings`] for the app-server client, [`Ceilings`] for the bridge).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;

use crate::bridge::ceilings::Ceilings;
use crate::bridge::error::BridgeError;
use crate::bridge::sandbox::Sandbox;
use crate::codex::daemon;
use crate::codex::link::{self, Link, LinkSettings, Transport};
use crate::codex::spare::SparePolicy;
use crate::mcp::HttpOptions;

/// Flags shared by every subcommand that talks to Codex.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Codex executable to run as `codex app-server` (default: `codex` on PATH; the native
    /// binary inside the npm package is preferred over its node wrapper).
    #[arg(long, env = "CODEX_BIN", value_name = "PATH")]
    pub codex_bin: Option<PathBuf>,

    /// How to reach the app-server the bridge starts: `auto` (a Unix socket in a private
    /// directory, else loopback TCP with a token; stdio if this Codex refuses both), `unix`,
    /// `tcp` or `stdio`.
    #[arg(
        long,
        env = "CODEX_BRIDGE_APP_SERVER_LINK",
        default_value = "auto",
        value_name = "LINK",
        value_parser = transport_parser(),
        conflicts_with_all = ["app_server_url", "codex_daemon", "start_daemon"]
    )]
    pub app_server_link: Transport,

    /// Use an app-server someone else runs (`ws://HOST:PORT` or `unix:///path/to/socket`)
    /// instead of starting one.
    #[arg(long, env = "CODEX_APP_SERVER_URL", value_name = "URL")]
    pub app_server_url: Option<String>,

    /// File holding the bearer token for --app-server-url (capability-token auth).
    #[arg(long, value_name = "PATH", requires = "app_server_url")]
    pub app_server_token_file: Option<PathBuf>,

    /// Attach to your Codex daemon (`codex app-server daemon start`), whose threads are live
    /// in your other Codex front-ends; experimental. The bridge then owns no process.
    #[arg(long, env = "CODEX_BRIDGE_DAEMON", conflicts_with = "app_server_url")]
    pub codex_daemon: bool,

    /// Like --codex-daemon, and start the daemon first if it is not running (it keeps
    /// running after the bridge ends).
    #[arg(long, conflicts_with = "app_server_url")]
    pub start_daemon: bool,

    /// Seconds to wait for the app-server to start or accept the connection.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub connect_timeout: u64,
}

impl ConnectArgs {
    pub fn resolve(&self) -> Result<LinkSettings, BridgeError> {
        let connect_timeout = Duration::from_secs(self.connect_timeout.max(1));
        let link = if self.codex_daemon || self.start_daemon {
            let home = daemon::codex_home().ok_or_else(|| {
                BridgeError::invalid(
                    "--codex-daemon: neither CODEX_HOME nor HOME is set, so the daemon's socket cannot be found",
                )
            })?;
            Link::Daemon {
                codex_bin: self.codex_bin.clone(),
                socket: daemon::control_socket(&home),
                start: self.start_daemon,
            }
        } else if let Some(url) = &self.app_server_url {
            let endpoint = link::parse_url(url)
                .map_err(|problem| BridgeError::invalid(format!("--app-server-url {problem}")))?;
            let token = match &self.app_server_token_file {
                Some(path) => Some(link::read_token_file(path).map_err(|problem| {
                    BridgeError::invalid(format!("--app-server-token-file: {problem}"))
                })?),
                None => std::env::var("CODEX_APP_SERVER_TOKEN")
                    .ok()
                    .map(|token| token.trim().to_string())
                    .filter(|token| !token.is_empty()),
            };
            Link::External { endpoint, token }
        } else {
            Link::Embedded {
                codex_bin: self.codex_bin.clone(),
                transport: self.app_server_link,
            }
        };
        Ok(LinkSettings {
            link,
            connect_timeout,
        })
    }

    /// These flags as `serve` arguments (environment variables are inherited anyway).
    pub fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(bin) = &self.codex_bin {
            out.extend(["--codex-bin".into(), bin.display().to_string()]);
        }
        if self.app_server_link != Transport::Auto {
            out.extend([
                "--app-server-link".into(),
                self.app_server_link.word().to_string(),
            ]);
        }
        if let Some(url) = &self.app_server_url {
            out.extend(["--app-server-url".into(), url.clone()]);
        }
        if let Some(file) = &self.app_server_token_file {
            out.extend(["--app-server-token-file".into(), file.display().to_string()]);
        }
        if self.start_daemon {
            out.push("--start-daemon".into());
        } else if self.codex_daemon {
            out.push("--codex-daemon".into());
        }
        out
    }
}

/// Ceilings for what tool calls may ask for.
#[derive(Debug, Clone, Args)]
pub struct CeilingArgs {
    /// The most permissive sandbox a call may request.
    #[arg(
        long,
        env = "CODEX_BRIDGE_MAX_SANDBOX",
        default_value = "workspace-write",
        value_parser = sandbox_parser()
    )]
    pub max_sandbox: Sandbox,

    /// Permit `approval_policy: "allow"` (accepted commands run OUTSIDE the sandbox).
    #[arg(long, env = "CODEX_BRIDGE_ALLOW_APPROVALS")]
    pub allow_approvals: bool,

    /// Directory a call's `cwd` must be inside (repeatable; default: the directory the bridge
    /// was started in).
    #[arg(
        long = "allowed-root",
        env = "CODEX_BRIDGE_ALLOWED_ROOTS",
        value_delimiter = ':',
        value_name = "DIR"
    )]
    pub allowed_roots: Vec<PathBuf>,

    /// How long an `ask` approval waits for the human before declining.
    #[arg(
        long,
        env = "CODEX_BRIDGE_APPROVAL_TIMEOUT",
        default_value_t = 120,
        value_name = "SECONDS"
    )]
    pub approval_timeout_seconds: u64,

    /// The most participants one brainstorm (variants one fan-out) may run.
    #[arg(
        long,
        env = "CODEX_BRIDGE_MAX_PARTICIPANTS",
        default_value_t = 6,
        value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..=32)
    )]
    pub max_participants: u64,
}

impl CeilingArgs {
    pub fn resolve(&self) -> Result<Ceilings, BridgeError> {
        let mut ceilings = Ceilings::new(
            self.max_sandbox,
            self.allow_approvals,
            &self.allowed_roots,
            Duration::from_secs(self.approval_timeout_seconds),
        )?;
        ceilings.max_participants = usize::try_from(self.max_participants).unwrap_or(32);
        Ok(ceilings)
    }
}

/// How long MCP tool calls wait for a turn, and how much a result may hold (`serve` only:
/// the command line waits for the whole turn, bounded by `--timeout`, and prints it all).
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// How long a turn-running call blocks by default before answering `running`.
    #[arg(
        long,
        env = "CODEX_BRIDGE_DEFAULT_WAIT",
        default_value_t = 50,
        value_name = "SECONDS"
    )]
    pub default_wait_seconds: u64,

    /// The largest `wait_seconds` a call may ask for.
    #[arg(
        long,
        env = "CODEX_BRIDGE_MAX_WAIT",
        default_value_t = 3600,
        value_name = "SECONDS"
    )]
    pub max_wait_seconds: u64,

    /// The most characters one tool result may hold (text and structured content together);
    /// longer ones are trimmed, oldest commands and file changes first.
    #[arg(
        long,
        env = "CODEX_BRIDGE_MAX_RESULT_CHARS",
        default_value_t = 100_000,
        value_name = "CHARS",
        value_parser = clap::value_parser!(u64).range(2_000..)
    )]
    pub max_result_chars: u64,
}

impl WaitArgs {
    /// Set the wait bounds of `ceilings`.
    pub fn apply(&self, ceilings: Ceilings) -> Result<Ceilings, BridgeError> {
        let mut ceilings = ceilings.with_waits(
            Duration::from_secs(self.default_wait_seconds),
            Duration::from_secs(self.max_wait_seconds),
        )?;
        ceilings.max_result_chars = usize::try_from(self.max_result_chars).unwrap_or(usize::MAX);
        Ok(ceilings)
    }
}

/// Spare threads (`serve` only: a one-shot command has no next call to prepare for).
#[derive(Debug, Clone, Args)]
pub struct SpareArgs {
    /// Threads kept started ahead of time, so that a `codex_ask` runs its turn at once
    /// instead of starting a thread first (0: none). Default 1 with the app-server the
    /// bridge starts itself; a shared app-server (--app-server-url, --codex-daemon) gets
    /// none, as other front-ends would see each one start.
    #[arg(
        long,
        env = "CODEX_BRIDGE_SPARE_THREADS",
        value_name = "N",
        // Signed, so that `-1` is told it is out of range rather than taken for a flag.
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(i64).range(0..=MAX_SPARE_THREADS)
    )]
    pub spare_threads: Option<i64>,
}

/// The most spare threads `--spare-threads` keeps (each is a loaded thread, with the MCP
/// servers Codex starts for it).
pub const MAX_SPARE_THREADS: i64 = 8;

impl SpareArgs {
    /// The spare-thread policy for `link`; spares start in `default_cwd` (the cwd of a call
    /// that names none) until a call names another.
    pub fn resolve(
        &self,
        link: &LinkSettings,
        default_cwd: Option<std::path::PathBuf>,
    ) -> Result<SparePolicy, BridgeError> {
        let embedded = matches!(link.link, Link::Embedded { .. });
        let count = match (self.spare_threads, embedded) {
            (None, true) => 1,
            (None, false) => 0,
            (Some(count), true) => count,
            (Some(0), false) => 0,
            (Some(_), false) => {
                return Err(BridgeError::invalid(
                    "--spare-threads needs the app-server the bridge starts itself: on a shared one (--app-server-url, --codex-daemon) every front-end would see each spare thread start. Drop --spare-threads (or unset CODEX_BRIDGE_SPARE_THREADS), or set it to 0",
                ))
            }
        };
        Ok(SparePolicy {
            count: usize::try_from(count).unwrap_or(0),
            cwd: default_cwd,
        })
    }
}

/// Accepts the words of [`Sandbox`], listed in `--help`.
pub fn sandbox_parser() -> impl TypedValueParser<Value = Sandbox> {
    PossibleValuesParser::new(Sandbox::ALL.map(Sandbox::word)).try_map(|word: String| {
        Sandbox::from_word(&word).ok_or_else(|| format!("unknown sandbox {word}"))
    })
}

/// Accepts the words of [`Transport`], listed in `--help`.
pub fn transport_parser() -> impl TypedValueParser<Value = Transport> {
    PossibleValuesParser::new(Transport::ALL.map(Transport::word)).try_map(|word: String| {
        Transport::from_word(&word).ok_or_else(|| format!("unknown link {word}"))
    })
}

/// `serve --http`: the bridge as a local HTTP service many agents share (`serve` only).
#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// Serve MCP over streamable HTTP at ADDR (`127.0.0.1:8765`, `localhost:8765`; port 0
    /// takes a free port and prints it) instead of stdio: one bridge, one Codex, shared by
    /// every agent that connects. The endpoint is http://ADDR/mcp.
    #[arg(long, env = "CODEX_BRIDGE_HTTP", value_name = "ADDR", value_parser = parse_listen_addr)]
    pub http: Option<SocketAddr>,

    /// File of bearer tokens: one token shared by every agent, or lines of `AGENT_NAME
    /// TOKEN` (each agent its own token and name). Must not be readable by others. Default:
    /// a token the bridge generates once and keeps in
    /// $XDG_STATE_HOME/codex-bridge/http-token (~/.local/state/...).
    #[arg(
        long,
        env = "CODEX_BRIDGE_HTTP_TOKEN_FILE",
        value_name = "FILE",
        requires = "http"
    )]
    pub http_token_file: Option<PathBuf>,

    /// Allow --http on an address that is not loopback. The bridge has no TLS: put a TLS
    /// reverse proxy in front, and read the README on what is not protected.
    #[arg(long, requires = "http")]
    pub http_allow_remote: bool,

    /// Accept requests whose Host header names HOST (repeatable; loopback names and the
    /// address listened on are always accepted). A guard against DNS rebinding.
    #[arg(long = "http-allowed-host", value_name = "HOST", requires = "http")]
    pub http_allowed_hosts: Vec<String>,

    /// Accept requests that carry this Origin header (repeatable, e.g.
    /// http://localhost:3000). By default any request with an Origin (a web page) is
    /// refused.
    #[arg(long = "http-allowed-origin", value_name = "ORIGIN", requires = "http")]
    pub http_allowed_origins: Vec<String>,

    /// Drop an MCP session that exchanged no message for this long (default: 300 more
    /// than --max-wait-seconds). A call in flight keeps its session alive.
    #[arg(long, value_name = "SECONDS", requires = "http")]
    pub http_session_idle_seconds: Option<u64>,
}

/// How long an idle HTTP session lives beyond the longest wait, by default.
const SESSION_IDLE_MARGIN: Duration = Duration::from_secs(300);

impl HttpArgs {
    /// The HTTP transport's options, or `None` for stdio. `max_wait`: the longest a call
    /// may wait (`--max-wait-seconds`).
    pub fn resolve(&self, max_wait: Duration) -> Result<Option<HttpOptions>, BridgeError> {
        let Some(addr) = self.http else {
            return Ok(None);
        };
        let session_idle = match self.http_session_idle_seconds {
            Some(seconds) => Duration::from_secs(seconds),
            None => max_wait + SESSION_IDLE_MARGIN,
        };
        let options = HttpOptions {
            addr,
            allow_remote: self.http_allow_remote,
            token_file: self.http_token_file.clone(),
            allowed_hosts: self.http_allowed_hosts.clone(),
            allowed_origins: self.http_allowed_origins.clone(),
            session_idle,
        };
        options.check().map_err(BridgeError::invalid)?;
        Ok(Some(options))
    }
}

/// `IP:PORT`, `[IPv6]:PORT` or `localhost:PORT`.
fn parse_listen_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    match text.rsplit_once(':') {
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => port
            .parse::<u16>()
            .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
            .map_err(|_| format!("{port:?} is not a port number")),
        _ => Err(format!(
            "{text:?} is not an address to listen on: give IP:PORT such as 127.0.0.1:8765"
        )),
    }
}
