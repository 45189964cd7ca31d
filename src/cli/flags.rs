//! The operator's flags (and their environment variables), shared by `serve` and the
//! client commands: how to reach Codex, and the ceilings no tool call can exceed.
//!
//! Clap parses them here; what they mean is resolved into the layers below
//! ([`LinkSettings`] for the app-server client, [`Ceilings`] for the bridge).

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;

use crate::bridge::ceilings::Ceilings;
use crate::bridge::error::BridgeError;
use crate::bridge::sandbox::Sandbox;
use crate::codex::link::{self, Link, LinkSettings};

/// Flags shared by every subcommand that talks to Codex.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Codex executable to run as `codex app-server` (default: `codex` on PATH; the native
    /// binary inside the npm package is preferred over its node wrapper).
    #[arg(long, env = "CODEX_BIN", value_name = "PATH")]
    pub codex_bin: Option<PathBuf>,

    /// Use an app-server someone else runs (`ws://HOST:PORT`) instead of starting one.
    #[arg(long, env = "CODEX_APP_SERVER_URL", value_name = "URL")]
    pub app_server_url: Option<String>,

    /// File holding the bearer token for --app-server-url (capability-token auth).
    #[arg(long, value_name = "PATH", requires = "app_server_url")]
    pub app_server_token_file: Option<PathBuf>,

    /// Seconds to wait for the app-server to start or accept the connection.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub connect_timeout: u64,
}

impl ConnectArgs {
    pub fn resolve(&self) -> Result<LinkSettings, BridgeError> {
        let connect_timeout = Duration::from_secs(self.connect_timeout.max(1));
        let link = match &self.app_server_url {
            None => Link::Embedded {
                codex_bin: self.codex_bin.clone(),
            },
            Some(url) => {
                link::check_url(url).map_err(|problem| {
                    BridgeError::invalid(format!("--app-server-url {problem}"))
                })?;
                let token = match &self.app_server_token_file {
                    Some(path) => Some(link::read_token_file(path).map_err(|problem| {
                        BridgeError::invalid(format!("--app-server-token-file: {problem}"))
                    })?),
                    None => std::env::var("CODEX_APP_SERVER_TOKEN")
                        .ok()
                        .map(|token| token.trim().to_string())
                        .filter(|token| !token.is_empty()),
                };
                Link::External {
                    url: url.clone(),
                    token,
                }
            }
        };
        Ok(LinkSettings {
            link,
            connect_timeout,
        })
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

/// Accepts the words of [`Sandbox`], listed in `--help`.
pub fn sandbox_parser() -> impl TypedValueParser<Value = Sandbox> {
    PossibleValuesParser::new(Sandbox::ALL.map(Sandbox::word)).try_map(|word: String| {
        Sandbox::from_word(&word).ok_or_else(|| format!("unknown sandbox {word}"))
    })
}
