//! Operator settings: how to reach Codex, and the ceilings no tool call can exceed.
//!
//! These come from flags and environment variables set by whoever runs the bridge (an MCP
//! config, a script), never from tool arguments: a calling model can only narrow them.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::codex::protocol::SandboxMode;
use crate::error::BridgeError;

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

/// `wait_seconds` bounds unless [`WaitArgs`] says otherwise: the default stays below the
/// tool-call time-outs of common clients (Codex's 60 s).
const DEFAULT_WAIT: Duration = Duration::from_secs(50);
const MAX_WAIT: Duration = Duration::from_secs(3600);

/// Ceilings for what tool calls may ask for.
#[derive(Debug, Clone, Args)]
pub struct CeilingArgs {
    /// The most permissive sandbox a call may request.
    #[arg(
        long,
        env = "CODEX_BRIDGE_MAX_SANDBOX",
        value_enum,
        default_value = "workspace-write"
    )]
    pub max_sandbox: SandboxArg,

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
}

/// How long MCP tool calls wait for a turn (`serve` only: the command line waits for the
/// whole turn, bounded by `--timeout`).
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
}

impl WaitArgs {
    /// Set the wait bounds of `ceilings`.
    pub fn apply(&self, ceilings: &mut Ceilings) -> Result<(), BridgeError> {
        if self.default_wait_seconds > self.max_wait_seconds {
            return Err(BridgeError::invalid(format!(
                "--default-wait-seconds ({}) is larger than --max-wait-seconds ({})",
                self.default_wait_seconds, self.max_wait_seconds
            )));
        }
        ceilings.default_wait = Duration::from_secs(self.default_wait_seconds);
        ceilings.max_wait = Duration::from_secs(self.max_wait_seconds);
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SandboxArg {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

impl From<SandboxArg> for SandboxMode {
    fn from(arg: SandboxArg) -> SandboxMode {
        match arg {
            SandboxArg::ReadOnly => SandboxMode::ReadOnly,
            SandboxArg::WorkspaceWrite => SandboxMode::WorkspaceWrite,
            SandboxArg::DangerFullAccess => SandboxMode::DangerFullAccess,
        }
    }
}

/// How the bridge reaches Codex.
#[derive(Clone)]
pub enum Link {
    /// Start and own `codex app-server`.
    Embedded { codex_bin: Option<PathBuf> },
    /// Connect to a running app-server.
    External { url: String, token: Option<String> },
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Link::Embedded { codex_bin } => f
                .debug_struct("Embedded")
                .field("codex_bin", codex_bin)
                .finish(),
            // The token is a secret: never print it.
            Link::External { url, token } => f
                .debug_struct("External")
                .field("url", url)
                .field("token", &token.as_ref().map(|_| "<redacted>"))
                .finish(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub link: Link,
    pub connect_timeout: Duration,
}

impl ConnectArgs {
    pub fn resolve(&self) -> Result<ConnectSettings, BridgeError> {
        let connect_timeout = Duration::from_secs(self.connect_timeout.max(1));
        let link = match &self.app_server_url {
            None => Link::Embedded {
                codex_bin: self.codex_bin.clone(),
            },
            Some(url) => {
                check_app_server_url(url)?;
                let token = match &self.app_server_token_file {
                    Some(path) => Some(read_token_file(path)?),
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
        Ok(ConnectSettings {
            link,
            connect_timeout,
        })
    }
}

fn read_token_file(path: &Path) -> Result<String, BridgeError> {
    let token = std::fs::read_to_string(path).map_err(|e| {
        BridgeError::invalid(format!(
            "cannot read --app-server-token-file {}: {e}",
            path.display()
        ))
    })?;
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(BridgeError::invalid(format!(
            "--app-server-token-file {} is empty",
            path.display()
        )));
    }
    Ok(token)
}

/// Accept `ws://` URLs; warn loudly when one leaves this machine, because the token and
/// every prompt would cross the network in clear text.
fn check_app_server_url(url: &str) -> Result<(), BridgeError> {
    let Some(rest) = url.strip_prefix("ws://") else {
        if url.starts_with("wss://") {
            return Err(BridgeError::invalid(
                "--app-server-url: wss:// is not supported; use ws:// on loopback (or an SSH tunnel to one)",
            ));
        }
        return Err(BridgeError::invalid(format!(
            "--app-server-url must look like ws://127.0.0.1:PORT, got {url:?}"
        )));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host)
    };
    if !is_loopback_host(host) {
        tracing::warn!(
            url,
            "--app-server-url is not a loopback address: the token and all prompts travel unencrypted"
        );
    }
    Ok(())
}

pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// What tool calls may ask for, resolved.
#[derive(Debug, Clone)]
pub struct Ceilings {
    pub max_sandbox: SandboxMode,
    pub allow_approvals: bool,
    /// Canonical paths (symlinks resolved).
    pub allowed_roots: Vec<PathBuf>,
    pub default_wait: Duration,
    pub max_wait: Duration,
    /// Default deadline for a human to answer an `ask` approval.
    pub approval_timeout: Duration,
}

impl CeilingArgs {
    pub fn resolve(&self) -> Result<Ceilings, BridgeError> {
        let roots = if self.allowed_roots.is_empty() {
            vec![std::env::current_dir().map_err(|e| {
                BridgeError::invalid(format!("cannot read the current directory: {e}"))
            })?]
        } else {
            self.allowed_roots.clone()
        };
        let allowed_roots = roots
            .iter()
            .map(|root| {
                std::fs::canonicalize(root).map_err(|e| {
                    BridgeError::invalid(format!("--allowed-root {}: {e}", root.display()))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Ceilings {
            max_sandbox: self.max_sandbox.into(),
            allow_approvals: self.allow_approvals,
            allowed_roots,
            default_wait: DEFAULT_WAIT,
            max_wait: MAX_WAIT,
            approval_timeout: Duration::from_secs(self.approval_timeout_seconds.max(1)),
        })
    }
}

impl Ceilings {
    /// Resolve and check a requested working directory: absolute, existing, a directory, and
    /// (after following symlinks and `..`) inside an allowed root. `None` means the first root.
    pub fn check_cwd(&self, requested: Option<&str>) -> Result<PathBuf, BridgeError> {
        let Some(requested) = requested else {
            return Ok(self.allowed_roots[0].clone());
        };
        let path = Path::new(requested);
        if !path.is_absolute() {
            return Err(BridgeError::invalid(format!(
                "cwd must be an absolute path, got {requested:?}"
            )));
        }
        let canonical = std::fs::canonicalize(path)
            .map_err(|e| BridgeError::invalid(format!("cwd {requested:?} cannot be used: {e}")))?;
        if !canonical.is_dir() {
            return Err(BridgeError::invalid(format!(
                "cwd {requested:?} is not a directory"
            )));
        }
        if !self
            .allowed_roots
            .iter()
            .any(|root| canonical.starts_with(root))
        {
            return Err(BridgeError::invalid(format!(
                "cwd {requested:?} (resolved to {}) is outside the allowed roots ({}); the operator can add one with --allowed-root",
                canonical.display(),
                self.roots_list()
            )));
        }
        Ok(canonical)
    }

    fn roots_list(&self) -> String {
        self.allowed_roots
            .iter()
            .map(|root| root.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn check_sandbox(&self, requested: SandboxMode) -> Result<SandboxMode, BridgeError> {
        if requested > self.max_sandbox {
            return Err(BridgeError::invalid(format!(
                "sandbox {:?} is above this bridge's maximum {:?}; use {:?} or narrower (the operator sets --max-sandbox)",
                requested.as_str(),
                self.max_sandbox.as_str(),
                self.max_sandbox.as_str()
            )));
        }
        Ok(requested)
    }

    pub fn check_wait(&self, requested: Option<f64>) -> Result<Duration, BridgeError> {
        let Some(seconds) = requested else {
            return Ok(self.default_wait);
        };
        let max = self.max_wait.as_secs_f64();
        if !seconds.is_finite() || !(0.0..=max).contains(&seconds) {
            return Err(BridgeError::invalid(format!(
                "wait_seconds must be between 0 and {max} (this bridge's --max-wait-seconds), got {seconds}"
            )));
        }
        Ok(Duration::from_secs_f64(seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ceilings(root: &Path) -> Ceilings {
        Ceilings {
            max_sandbox: SandboxMode::WorkspaceWrite,
            allow_approvals: false,
            allowed_roots: vec![std::fs::canonicalize(root).expect("root")],
            default_wait: Duration::from_secs(50),
            max_wait: Duration::from_secs(600),
            approval_timeout: Duration::from_secs(120),
        }
    }

    #[test]
    fn cwd_must_stay_inside_the_roots() {
        let base = tempfile::tempdir().expect("tempdir");
        let root = base.path().join("root");
        let outside = base.path().join("outside");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::os::unix::fs::symlink(&outside, root.join("escape")).expect("symlink");
        let c = ceilings(&root);
        assert!(c
            .check_cwd(Some(root.join("sub").to_str().expect("utf8")))
            .is_ok());
        for bad in [
            root.join("sub/../..").display().to_string(),
            root.join("escape").display().to_string(),
            "relative/path".to_string(),
            root.join("missing").display().to_string(),
        ] {
            assert!(c.check_cwd(Some(&bad)).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn sandbox_and_wait_ceilings() {
        let base = tempfile::tempdir().expect("tempdir");
        let c = ceilings(base.path());
        assert!(c.check_sandbox(SandboxMode::DangerFullAccess).is_err());
        assert!(c.check_sandbox(SandboxMode::WorkspaceWrite).is_ok());
        assert!(c.check_wait(Some(-1.0)).is_err());
        assert!(c.check_wait(Some(601.0)).is_err());
        assert!(c.check_wait(Some(f64::NAN)).is_err());
        assert_eq!(
            c.check_wait(None).expect("default"),
            Duration::from_secs(50)
        );
    }

    #[test]
    fn loopback_detection() {
        assert!(is_loopback_host("127.0.0.1"));
        assert!(is_loopback_host("::1"));
        assert!(is_loopback_host("LOCALHOST"));
        assert!(!is_loopback_host("10.0.0.1"));
        assert!(!is_loopback_host("example.com"));
    }
}
