//! Moving JSON-RPC text frames over the transports the app-server speaks, as one stream in
//! and one sink out, so that the connection ([`super::connection`]) does not care which:
//! - WebSocket, one JSON-RPC message per text frame, over loopback TCP (`ws://HOST:PORT`,
//!   with a bearer token) or over a Unix socket (`unix://PATH`: no token, the socket's
//!   directory guards it; seen on Codex 0.169 and 0.171, where any Host works);
//! - stdio, one compact JSON object per line each way: the app-server's default transport
//!   and the one Codex's own SDK speaks (the bridge's fallback when a Codex build refuses a
//!   listener).
//!
//! Opening a WebSocket never sends an `Origin` header: the app-server answers any Origin
//! with HTTP 403 on TCP.

use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request as Handshake;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;
use tokio_util::codec::{FramedRead, FramedWrite, LinesCodec};

use super::batched_socket::BatchedSocket;
use super::error::CodexError;

/// Frames from the app-server, in order. An `Err` says why the link ended (nothing useful
/// follows it); the end of the stream means the link was lost without a word.
pub type Incoming = Pin<Box<dyn Stream<Item = Result<String, String>> + Send>>;
/// Frames to the app-server. An error says why sending failed (the link is then dead).
pub type Outgoing = Pin<Box<dyn Sink<String, Error = String> + Send>>;

/// Both directions of one link.
pub struct Wire {
    pub incoming: Incoming,
    pub outgoing: Outgoing,
}

/// Bytes read from the socket at a time. tungstenite zero-fills this much of its read buffer
/// before every read (default 128 KiB), while app-server frames are small (a streamed delta
/// is ~250 bytes) and usually come one per read: that memset was the bridge's largest single
/// CPU cost while streaming (`cargo bench`, issue 7). 16 KiB still takes in dozens of queued
/// deltas per read; a large frame is read in several reads, as before.
const READ_BUFFER_SIZE: usize = 16 * 1024;

/// The largest message taken from the app-server, over any link: a long thread's history
/// (`thread/read` with its turns) is megabytes. tungstenite's default message limit, and
/// also its frame limit here (its default 16 MiB frame cut off a 17 MiB history over a
/// socket while stdio took it, and failed every call in flight with it).
const MAX_MESSAGE: usize = 64 << 20;

/// A WebSocket over TCP (`ws://HOST:PORT`), with `Authorization: Bearer <token>` if given.
/// Connecting and the upgrade together get at most `timeout`: a server that accepts and
/// then says nothing is an error, not a wait without end.
pub async fn websocket_tcp(
    url: &str,
    token: Option<&str>,
    timeout: Duration,
) -> Result<Wire, CodexError> {
    let request = handshake(url, token)?;
    let address = tcp_address(request.uri());
    bounded(url, timeout, async {
        let stream = tokio::net::TcpStream::connect(&address)
            .await
            .map_err(|e| {
                CodexError::Start(format!("cannot connect to the app-server at {url}: {e}"))
            })?;
        // Frames are small and each is one JSON-RPC message: send them at once.
        let _ = stream.set_nodelay(true);
        upgrade(request, stream.into_std(), url).await
    })
    .await
}

/// A WebSocket over the Unix socket at `path` (already checked by the caller; see
/// [`super::unix_socket`]). The app-server wants no token there; one is sent if given (for a
/// proxy in front of it). Connecting and the upgrade together get at most `timeout`.
pub async fn websocket_unix(
    path: &Path,
    token: Option<&str>,
    timeout: Duration,
) -> Result<Wire, CodexError> {
    let place = format!("unix://{}", path.display());
    // The request line needs a host; the app-server ignores it on a Unix socket.
    let request = handshake("ws://localhost/", token)?;
    bounded(&place, timeout, async {
        let stream = tokio::net::UnixStream::connect(path).await.map_err(|e| {
            CodexError::Start(format!("cannot connect to the app-server at {place}: {e}"))
        })?;
        upgrade(request, stream.into_std(), &place).await
    })
    .await
}

/// `connect` within `timeout`, or an error naming `place` and the wait.
async fn bounded(
    place: &str,
    timeout: Duration,
    connect: impl std::future::Future<Output = Result<Wire, CodexError>>,
) -> Result<Wire, CodexError> {
    tokio::time::timeout(timeout, connect).await.unwrap_or_else(|_| {
        Err(CodexError::Start(format!(
            "the app-server at {place} did not complete the WebSocket upgrade within {:.1}s (is it an app-server?)",
            timeout.as_secs_f64()
        )))
    })
}

/// JSON lines over a child's stdout (in) and stdin (out).
pub fn lines(stdout: tokio::process::ChildStdout, stdin: tokio::process::ChildStdin) -> Wire {
    let incoming = FramedRead::new(stdout, LinesCodec::new_with_max_length(MAX_MESSAGE))
        .filter_map(|line| async move {
            match line {
                // The app-server writes no blank lines; skip any rather than fail on them.
                Ok(line) if line.trim().is_empty() => None,
                Ok(line) => Some(Ok(line)),
                Err(error) => Some(Err(format!(
                    "the app-server's stdout could not be read: {error}"
                ))),
            }
        });
    let framed = FramedWrite::new(stdin, LinesCodec::new());
    let outgoing = SinkExt::<String>::sink_map_err(framed, |e| {
        format!("the app-server's stdin could not be written: {e}")
    });
    Wire {
        incoming: Box::pin(incoming),
        outgoing: Box::pin(outgoing),
    }
}

/// `host:port` for a `ws://` URL, the host as written: an IPv6 address keeps its brackets,
/// as `host:port` wants them.
fn tcp_address(uri: &tokio_tungstenite::tungstenite::http::Uri) -> String {
    format!(
        "{}:{}",
        uri.host().unwrap_or_default(),
        uri.port_u16().unwrap_or(80)
    )
}

/// The WebSocket upgrade over a connected socket, read from then on by a thread of its own
/// ([`BatchedSocket`]).
async fn upgrade<S: Into<std::os::fd::OwnedFd>>(
    request: Handshake,
    socket: std::io::Result<S>,
    place: &str,
) -> Result<Wire, CodexError> {
    let stream = socket
        .and_then(|socket| BatchedSocket::new(socket.into()))
        .map_err(|e| {
            CodexError::Start(format!(
                "cannot set up the link to the app-server at {place}: {e}"
            ))
        })?;
    let (socket, _) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config()))
            .await
            .map_err(|e| connect_error(place, e))?;
    Ok(websocket(socket))
}

fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_SIZE)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
}

fn handshake(url: &str, token: Option<&str>) -> Result<Handshake, CodexError> {
    let mut request = url
        .into_client_request()
        .map_err(|e| CodexError::Start(format!("invalid app-server URL {url}: {e}")))?;
    if let Some(token) = token {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            CodexError::Start(
                "the app-server token contains characters not allowed in an HTTP header".into(),
            )
        })?;
        request.headers_mut().insert("Authorization", value);
    }
    // Never send an Origin header: the app-server answers any Origin with HTTP 403.
    request.headers_mut().remove("Origin");
    Ok(request)
}

fn websocket<S>(socket: WebSocketStream<S>) -> Wire
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sink, stream) = socket.split();
    let outgoing = sink
        .with(|frame: String| async move { Ok::<_, WsError>(Message::text(frame)) })
        .sink_map_err(|e| format!("the app-server connection failed while sending: {e}"));
    let incoming = stream.filter_map(|message| async move {
        match message {
            Ok(Message::Text(text)) => Some(Ok(text.as_str().to_owned())),
            Ok(Message::Close(frame)) => Some(Err(match frame {
                Some(frame) => format!(
                    "the app-server closed the connection ({} {})",
                    frame.code, frame.reason
                ),
                None => "the app-server closed the connection".to_string(),
            })),
            // Binary, ping and pong frames carry nothing for us (tungstenite answers pings).
            Ok(_) => None,
            Err(e) => Some(Err(format!("the app-server connection was lost: {e}"))),
        }
    });
    Wire {
        incoming: Box::pin(incoming),
        outgoing: Box::pin(outgoing),
    }
}

fn connect_error(place: &str, error: WsError) -> CodexError {
    match error {
        WsError::Http(response) if response.status().as_u16() == 401 => CodexError::Refused(format!(
            "the app-server at {place} refused the token (HTTP 401): check --app-server-token-file / CODEX_APP_SERVER_TOKEN"
        )),
        WsError::Http(response) if response.status().as_u16() == 403 => CodexError::Refused(format!(
            "the app-server at {place} refused the connection (HTTP 403): it refuses any Origin header and may only accept local clients"
        )),
        WsError::Http(response) => CodexError::Start(format!(
            "the app-server at {place} answered the WebSocket upgrade with HTTP {}",
            response.status()
        )),
        other => CodexError::Start(format!("cannot connect to the app-server at {place}: {other}")),
    }
}

/// Whether a connect error is the app-server refusing this client (HTTP 401 or 403): asking
/// again with the same token and headers gets the same answer, so it is not retried.
pub fn is_refusal(error: &CodexError) -> bool {
    matches!(error, CodexError::Refused(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_refused_upgrade_is_final() {
        use tokio_tungstenite::tungstenite::http::Response;
        let http = |status: u16| {
            let response = Response::builder()
                .status(status)
                .body(None)
                .expect("response");
            connect_error("ws://127.0.0.1:1", WsError::Http(Box::new(response)))
        };
        assert!(is_refusal(&http(401)));
        assert!(is_refusal(&http(403)));
        assert!(!is_refusal(&http(503)));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!is_refusal(&connect_error(
            "ws://127.0.0.1:1",
            WsError::Io(refused)
        )));
    }

    fn private_socket() -> (
        tempfile::TempDir,
        std::path::PathBuf,
        tokio::net::UnixListener,
    ) {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("app-server.sock");
        let listener = tokio::net::UnixListener::bind(&path).expect("listen");
        (dir, path, listener)
    }

    #[tokio::test]
    async fn a_server_that_never_upgrades_is_an_error_within_the_timeout() {
        let (_dir, path, listener) = private_socket();
        // Takes the connection and says nothing.
        let silent = tokio::spawn(async move { listener.accept().await });
        let started = std::time::Instant::now();
        let Err(error) = websocket_unix(&path, None, Duration::from_millis(300)).await else {
            panic!("a silent server gave a link");
        };
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(
            error
                .to_string()
                .contains("did not complete the WebSocket upgrade within 0.3s"),
            "{error}"
        );
        silent.abort();
    }

    #[tokio::test]
    async fn a_message_over_16_mib_arrives_whole() {
        let (_dir, path, listener) = private_socket();
        let big = "x".repeat(17 << 20);
        let sent = big.clone();
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let mut socket = tokio_tungstenite::accept_async(stream)
                .await
                .expect("upgrade");
            socket.send(Message::text(sent)).await.expect("send");
            // Stay open until the client has read it.
            let _ = socket.next().await;
        });
        let mut wire = websocket_unix(&path, None, Duration::from_secs(5))
            .await
            .expect("link");
        let got = wire.incoming.next().await.expect("a frame").expect("whole");
        assert_eq!(got.len(), big.len());
        drop(wire);
        server.await.expect("server");
    }

    #[test]
    fn tcp_addresses_keep_the_url_host() {
        let address = |url: &str| tcp_address(handshake(url, None).expect("request").uri());
        assert_eq!(address("ws://127.0.0.1:4500/"), "127.0.0.1:4500");
        assert_eq!(address("ws://[::1]:4500"), "[::1]:4500");
        assert_eq!(address("ws://localhost:4500/x"), "localhost:4500");
    }

    #[test]
    fn no_origin_header_and_the_token_as_bearer() {
        let request = handshake("ws://127.0.0.1:1/", Some("t0k")).expect("request");
        assert!(request.headers().get("Origin").is_none());
        assert_eq!(
            request.headers().get("Authorization").map(|v| v.as_bytes()),
            Some(&b"Bearer t0k"[..])
        );
    }
}
