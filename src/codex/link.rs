//! How the bridge reaches an app-server, and opening one connection over that link.
//!
//! Embedded: start and own `codex app-server` ([`super::process`]) on a loopback WebSocket
//! with a capability token. External: connect to an app-server someone else runs
//! (`ws://HOST:PORT`, optional bearer token), retrying while it comes up. The session
//! ([`super::session`]) and `doctor` both open links through [`open`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::connection::{backoff_delay, is_refusal, Connection, ConnectionOptions};
use super::error::CodexError;
use super::process::{locate_codex, AppServerProcess};

/// Which app-server to use.
#[derive(Clone)]
pub enum Link {
    /// Start and own `codex app-server`; `codex_bin` overrides finding `codex` on PATH.
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

/// A link and how long reaching it may take.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    pub link: Link,
    /// Starting the embedded app-server, or reaching the external one (with retries).
    pub connect_timeout: Duration,
}

/// An open connection, and the process behind it when the bridge owns one.
pub struct Opened {
    pub connection: Connection,
    pub process: Option<AppServerProcess>,
}

/// Open one connection over `settings`' link (for embedded: start the app-server first).
pub async fn open(
    settings: &LinkSettings,
    options: &ConnectionOptions,
) -> Result<Opened, CodexError> {
    match &settings.link {
        Link::Embedded { codex_bin } => {
            let binary = locate_codex(codex_bin.as_deref())?;
            let process = AppServerProcess::spawn(&binary, settings.connect_timeout).await?;
            let connection =
                Connection::connect(&process.url, Some(&process.token), options.clone()).await?;
            Ok(Opened {
                connection,
                process: Some(process),
            })
        }
        Link::External { url, token } => {
            let connection =
                connect_external(url, token.as_deref(), settings.connect_timeout, options).await?;
            Ok(Opened {
                connection,
                process: None,
            })
        }
    }
}

/// Connect to an external app-server, retrying with backoff until `timeout`: a server being
/// restarted comes back within it. A refused token is final at once: the same token will be
/// refused again.
async fn connect_external(
    url: &str,
    token: Option<&str>,
    timeout: Duration,
    options: &ConnectionOptions,
) -> Result<Connection, CodexError> {
    let deadline = Instant::now() + timeout;
    let mut attempt = 0;
    loop {
        match Connection::connect(url, token, options.clone()).await {
            Ok(connection) => return Ok(connection),
            Err(error) if is_refusal(&error) => return Err(error),
            Err(error) => {
                attempt += 1;
                // Start at the fourth step of the overload backoff (~160-320 ms): a server
                // restarting takes hundreds of milliseconds, not tens.
                let delay = backoff_delay(attempt + 3);
                if Instant::now() + delay >= deadline {
                    return Err(error);
                }
                tracing::info!(%error, attempt, "app-server not reachable yet; retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Check an `--app-server-url`: `ws://` only; warns loudly when it leaves this machine,
/// because the token and every prompt would cross the network in clear text.
pub fn check_url(url: &str) -> Result<(), String> {
    let Some(rest) = url.strip_prefix("ws://") else {
        if url.starts_with("wss://") {
            return Err(
                "wss:// is not supported; use ws:// on loopback (or an SSH tunnel to one)".into(),
            );
        }
        return Err(format!("must look like ws://127.0.0.1:PORT, got {url:?}"));
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if let Some(bracketed) = authority.strip_prefix('[') {
        bracketed.split(']').next().unwrap_or_default()
    } else {
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host)
    };
    if !crate::net::is_loopback_host(host) {
        tracing::warn!(
            url,
            "--app-server-url is not a loopback address: the token and all prompts travel unencrypted"
        );
    }
    Ok(())
}

/// Read a bearer token from a file (trimmed; an empty file is an error).
pub fn read_token_file(path: &Path) -> Result<String, String> {
    let token = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let token = token.trim().to_string();
    if token.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ws_urls_are_accepted() {
        assert!(check_url("ws://127.0.0.1:4000").is_ok());
        assert!(check_url("ws://[::1]:4000/").is_ok());
        assert!(check_url("wss://127.0.0.1:4000").is_err());
        assert!(check_url("http://127.0.0.1:4000").is_err());
    }

    #[test]
    fn the_token_is_never_printed() {
        let link = Link::External {
            url: "ws://127.0.0.1:1".into(),
            token: Some("very-secret".into()),
        };
        assert!(!format!("{link:?}").contains("very-secret"));
    }
}
