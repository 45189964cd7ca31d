//! How the bridge reaches an app-server, and opening one connection over that link.
//!
//! - Embedded: start and own `codex app-server` ([`super::process`]) on the most robust and
//!   secure transport this Codex accepts ([`Transport::Auto`]): a Unix socket when its real
//!   directory is private to the user (no port, no token), else loopback TCP with a
//!   capability token; when this Codex build refuses a listener (it exits at once), stdio,
//!   the transport Codex's own SDK uses.
//! - External: connect to an app-server someone else runs (`ws://HOST:PORT` with an optional
//!   bearer token, or `unix://PATH`), retrying while it comes up.
//! - Daemon: attach to the user's Codex daemon ([`super::daemon`]) over its control socket,
//!   starting it first if asked. Experimental: the socket is not a documented interface.
//!
//! External and daemon servers are [`Sharing::Shared`]: other front-ends use them too. The
//! session ([`super::session`]) and `doctor` both open links through [`open`].

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::connection::{backoff_delay, Connection, ConnectionOptions, Sharing};
use super::daemon;
use super::error::CodexError;
use super::process::{
    locate_codex, AppServerProcess, CodexBinary, Listen, Reach, SpawnError, INSTALL_HINT,
};
use super::transport::{self, is_refusal, Wire};
use super::unix_socket::{self, SocketProblem};

/// Which transport the embedded app-server is started on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// Unix socket if private, else loopback TCP with a token; stdio if Codex refuses both.
    #[default]
    Auto,
    Unix,
    Tcp,
    Stdio,
}

impl Transport {
    pub const ALL: [Transport; 4] = [
        Transport::Auto,
        Transport::Unix,
        Transport::Tcp,
        Transport::Stdio,
    ];

    /// The flag's word (`auto`, `unix`, `tcp`, `stdio`).
    pub fn word(self) -> &'static str {
        match self {
            Transport::Auto => "auto",
            Transport::Unix => "unix",
            Transport::Tcp => "tcp",
            Transport::Stdio => "stdio",
        }
    }

    pub fn from_word(word: &str) -> Option<Transport> {
        Transport::ALL.into_iter().find(|t| t.word() == word)
    }

    /// The listeners to try, in order.
    fn candidates(self) -> &'static [Listen] {
        match self {
            Transport::Auto => &[Listen::Unix, Listen::Tcp, Listen::Stdio],
            Transport::Unix => &[Listen::Unix],
            Transport::Tcp => &[Listen::Tcp],
            Transport::Stdio => &[Listen::Stdio],
        }
    }
}

/// Where an external app-server listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `ws://HOST:PORT`.
    WebSocket(String),
    /// `unix://PATH`.
    Unix(PathBuf),
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::WebSocket(url) => f.write_str(url),
            Endpoint::Unix(path) => write!(f, "unix://{}", path.display()),
        }
    }
}

/// Which app-server to use.
#[derive(Clone)]
pub enum Link {
    /// Start and own `codex app-server`; `codex_bin` overrides finding `codex` on PATH.
    Embedded {
        codex_bin: Option<PathBuf>,
        transport: Transport,
    },
    /// Connect to a running app-server.
    External {
        endpoint: Endpoint,
        token: Option<String>,
    },
    /// Attach to the Codex daemon listening on `socket`; run `codex app-server daemon start`
    /// first when it is not running and `start` is set.
    Daemon {
        codex_bin: Option<PathBuf>,
        socket: PathBuf,
        start: bool,
    },
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Link::Embedded {
                codex_bin,
                transport,
            } => f
                .debug_struct("Embedded")
                .field("codex_bin", codex_bin)
                .field("transport", transport)
                .finish(),
            // The token is a secret: never print it.
            Link::External { endpoint, token } => f
                .debug_struct("External")
                .field("endpoint", endpoint)
                .field("token", &token.as_ref().map(|_| "<redacted>"))
                .finish(),
            Link::Daemon {
                codex_bin,
                socket,
                start,
            } => f
                .debug_struct("Daemon")
                .field("codex_bin", codex_bin)
                .field("socket", socket)
                .field("start", start)
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
    /// How it is reached, in words (`a private Unix socket (embedded)`, ...), for logs
    /// and `doctor`.
    pub via: String,
}

/// Open one connection over `settings`' link (for embedded: start the app-server first).
pub async fn open(
    settings: &LinkSettings,
    options: &ConnectionOptions,
) -> Result<Opened, CodexError> {
    let timeout = settings.connect_timeout;
    match &settings.link {
        Link::Embedded {
            codex_bin,
            transport,
        } => {
            let binary = locate_codex(codex_bin.as_deref())?;
            open_embedded(&binary, *transport, timeout, options).await
        }
        Link::External { endpoint, token } => {
            let wire = retry_until(timeout, || reach(endpoint, token.as_deref(), timeout)).await?;
            let place = format!("the app-server at {endpoint}");
            let connection = initialize(wire, Sharing::Shared, options, timeout, &place).await?;
            Ok(Opened {
                connection,
                process: None,
                via: format!("the app-server at {endpoint}"),
            })
        }
        Link::Daemon {
            codex_bin,
            socket,
            start,
        } => {
            let endpoint = Endpoint::Unix(socket.clone());
            let wire = match reach(&endpoint, None, timeout).await {
                Ok(wire) => wire,
                Err(error) if is_refusal(&error) => return Err(error),
                Err(error) if !start => {
                    return Err(CodexError::Start(format!(
                        "no Codex daemon answers at {}: {error}. Start it with `codex app-server daemon start` (same CODEX_HOME), or pass --start-daemon",
                        socket.display()
                    )))
                }
                Err(_) => {
                    let binary = locate_codex(codex_bin.as_deref())?;
                    daemon::start(&binary, timeout).await?;
                    retry_until(timeout, || reach(&endpoint, None, timeout)).await?
                }
            };
            let place = format!("the Codex daemon at {}", socket.display());
            let connection = initialize(wire, Sharing::Shared, options, timeout, &place).await?;
            Ok(Opened {
                connection,
                process: None,
                via: place,
            })
        }
    }
}

/// Start the embedded app-server on the first listener of `transport` this Codex accepts,
/// and connect to it.
async fn open_embedded(
    binary: &CodexBinary,
    transport: Transport,
    timeout: Duration,
    options: &ConnectionOptions,
) -> Result<Opened, CodexError> {
    let candidates = transport.candidates();
    let mut last_error = None;
    for (index, &listen) in candidates.iter().enumerate() {
        let next = candidates.get(index + 1).map(|next| next.word());
        let (mut process, reach) = match AppServerProcess::spawn(binary, listen, timeout).await {
            Ok(started) => started,
            Err(SpawnError::Exited(error)) if next.is_some() => {
                tracing::info!(%error, link = listen.word(), next, "this Codex refused the listener; trying the next link");
                last_error = Some(error);
                continue;
            }
            Err(SpawnError::NotPrivate(error)) if next.is_some() => {
                tracing::warn!(%error, next, "not using the Unix socket");
                last_error = Some(error);
                continue;
            }
            Err(SpawnError::NotPrivate(error)) => {
                return Err(CodexError::Refused(format!(
                    "{error}; use --app-server-link tcp (loopback TCP with a token) instead"
                )))
            }
            Err(error) => return Err(error.into_error()),
        };
        let (wire, via) = match reach {
            Reach::Unix { socket } => (
                retry_until(timeout, || {
                    transport::websocket_unix(&socket, None, timeout)
                })
                .await,
                format!("a private Unix socket ({})", socket.display()),
            ),
            Reach::Tcp { url, token } => (
                transport::websocket_tcp(&url, Some(&token), timeout).await,
                format!("loopback TCP ({url}) with a token"),
            ),
            Reach::Stdio { stdin, stdout } => (
                Ok(transport::lines(stdout, stdin)),
                "stdio (JSON lines)".to_string(),
            ),
        };
        let connected = match wire {
            Ok(wire) => {
                let place = format!("the app-server over {via}");
                initialize(wire, Sharing::Exclusive, options, timeout, &place).await
            }
            Err(error) => Err(error),
        };
        return match connected {
            Ok(connection) => Ok(Opened {
                connection,
                process: Some(process),
                via: format!("{via}, embedded"),
            }),
            Err(error) => {
                // A Codex that exits instead of answering (over stdio, the only sign it
                // refuses the transport or cannot start at all): say so with its output.
                tokio::time::sleep(Duration::from_millis(100)).await;
                let error = match process.exit_report() {
                    Some(report) => CodexError::Start(format!(
                        "{} app-server did not start over {}: {report}; is it a working Codex? {INSTALL_HINT}",
                        binary.path.display(),
                        listen.word()
                    )),
                    None => error,
                };
                process.shutdown(Duration::from_millis(500)).await;
                Err(error)
            }
        };
    }
    Err(last_error
        .unwrap_or_else(|| CodexError::Start("no link to the app-server was tried".into())))
}

/// The connection over `wire`, once the app-server answered `initialize`, within `timeout`
/// (`--connect-timeout`): one that took the connection and never answers is an error, not a
/// wait as long as a request's. Given up, the connection is dropped with its I/O.
async fn initialize(
    wire: Wire,
    sharing: Sharing,
    options: &ConnectionOptions,
    timeout: Duration,
    place: &str,
) -> Result<Connection, CodexError> {
    tokio::time::timeout(timeout, Connection::open(wire, sharing, options.clone()))
        .await
        .unwrap_or_else(|_| {
            Err(CodexError::Start(format!(
                "{place} did not answer initialize within {:.1}s (--connect-timeout)",
                timeout.as_secs_f64()
            )))
        })
}

/// Connect to an external endpoint once. A Unix socket must be private to this user (see
/// [`super::unix_socket`]): one in a directory others control is refused, not retried.
async fn reach(
    endpoint: &Endpoint,
    token: Option<&str>,
    timeout: Duration,
) -> Result<Wire, CodexError> {
    match endpoint {
        Endpoint::WebSocket(url) => transport::websocket_tcp(url, token, timeout).await,
        Endpoint::Unix(path) => match unix_socket::resolve_private(path) {
            Ok(real) => transport::websocket_unix(&real, token, timeout).await,
            Err(SocketProblem::Missing(error)) => Err(CodexError::Start(format!(
                "nothing listens at unix://{}: {error}",
                path.display()
            ))),
            Err(problem) => Err(CodexError::Refused(format!(
                "not connecting to unix://{}: {problem}",
                path.display()
            ))),
        },
    }
}

/// Call `connect` until it succeeds or `timeout` passes, with backoff: a server being
/// (re)started comes up within it. A refusal is final at once: asking again gets the same
/// answer.
async fn retry_until<F, Fut>(timeout: Duration, mut connect: F) -> Result<Wire, CodexError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Wire, CodexError>>,
{
    let deadline = Instant::now() + timeout;
    let mut attempt = 0;
    loop {
        match connect().await {
            Ok(wire) => return Ok(wire),
            Err(error) if is_refusal(&error) => return Err(error),
            Err(error) => {
                attempt += 1;
                // From 20-40 ms (a socket that is bound but not yet listening) up to the
                // overload backoff's 2 s.
                let delay = backoff_delay(attempt);
                if Instant::now() + delay >= deadline {
                    return Err(error);
                }
                tracing::info!(%error, attempt, "app-server not reachable yet; retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Parse an `--app-server-url`: `ws://HOST:PORT[/...]` or `unix://PATH` (a relative PATH is
/// taken from the current directory). Warns loudly when a `ws://` URL leaves this machine,
/// because the token and every prompt would cross the network in clear text.
pub fn parse_url(url: &str) -> Result<Endpoint, String> {
    if let Some(path) = url.strip_prefix("unix://") {
        if path.is_empty() {
            return Err(
                "unix:// needs the socket's path (unix:///path/to/app-server.sock); for Codex's daemon use --codex-daemon".into(),
            );
        }
        let path = std::path::absolute(Path::new(path))
            .map_err(|e| format!("{url:?}: cannot resolve the path: {e}"))?;
        return Ok(Endpoint::Unix(path));
    }
    let Some(rest) = url.strip_prefix("ws://") else {
        if url.starts_with("wss://") {
            return Err(
                "wss:// is not supported; use ws:// on loopback (or an SSH tunnel to one), or unix://PATH".into(),
            );
        }
        return Err(format!(
            "must look like ws://127.0.0.1:PORT or unix:///path/to/socket, got {url:?}"
        ));
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
    Ok(Endpoint::WebSocket(url.to_string()))
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
    fn ws_and_unix_urls_are_accepted() {
        assert!(matches!(
            parse_url("ws://127.0.0.1:4000"),
            Ok(Endpoint::WebSocket(_))
        ));
        assert!(parse_url("ws://[::1]:4000/").is_ok());
        assert_eq!(
            parse_url("unix:///run/codex.sock"),
            Ok(Endpoint::Unix(PathBuf::from("/run/codex.sock")))
        );
        assert!(
            matches!(parse_url("unix://rel.sock"), Ok(Endpoint::Unix(path)) if path.is_absolute())
        );
        assert!(parse_url("unix://").is_err());
        assert!(parse_url("wss://127.0.0.1:4000").is_err());
        assert!(parse_url("http://127.0.0.1:4000").is_err());
    }

    #[test]
    fn the_token_is_never_printed() {
        let link = Link::External {
            endpoint: Endpoint::WebSocket("ws://127.0.0.1:1".into()),
            token: Some("very-secret".into()),
        };
        assert!(!format!("{link:?}").contains("very-secret"));
    }

    #[test]
    fn auto_prefers_the_unix_socket_then_tcp_then_stdio() {
        assert_eq!(
            Transport::Auto.candidates(),
            &[Listen::Unix, Listen::Tcp, Listen::Stdio]
        );
        for transport in Transport::ALL {
            assert_eq!(Transport::from_word(transport.word()), Some(transport));
        }
    }
}
