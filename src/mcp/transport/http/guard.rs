//! The gate in front of the MCP endpoint: every request is checked before rmcp sees it.
//!
//! - `Host` must name an allowed host (loopback names by default, and the address the
//!   bridge listens on): a page that rebinds its own DNS name to 127.0.0.1 is refused
//!   (403);
//! - a request with an `Origin` header (browsers send one; MCP clients do not) is refused
//!   unless the operator allowed that origin (403);
//! - the bearer token must be one of the operator's (401 with `WWW-Authenticate: Bearer`).
//!
//! A request that passes carries an [`HttpCaller`] (who it is, and a token cancelled when its
//! connection goes away) in its extensions; rmcp hands those to the tool call. The response
//! body is watched: dropped before its end means the client disconnected, which rmcp does
//! not report (a call in a session is not cancelled), so the call learns it from here.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::tokens::{Holder, Tokens};

/// What the gate learned about a request, for the tool call (in the request's extensions).
#[derive(Debug, Clone)]
pub struct HttpCaller {
    /// The agent's name from a per-agent token file; `None` with one shared token.
    pub agent: Option<String>,
    /// Cancelled when the response to this request is dropped before its end: the client
    /// went away.
    pub connection_gone: CancellationToken,
}

/// The gate's rules.
pub struct Gate {
    pub tokens: Tokens,
    /// Allowed `Host` names (lowercase, no port, IPv6 without brackets).
    pub hosts: Vec<String>,
    /// Allowed `Origin`s (lowercase `scheme://host[:port]`).
    pub origins: Vec<String>,
    /// Responses to POSTs (tool calls and other requests) still being sent.
    pub posts: InFlight,
}

/// A count of responses being sent, and a way to wait until there are none.
#[derive(Debug, Default, Clone)]
pub struct InFlight {
    count: Arc<AtomicUsize>,
    idle: Arc<Notify>,
}

impl InFlight {
    fn enter(&self) -> Leave {
        self.count.fetch_add(1, Ordering::SeqCst);
        Leave(self.clone())
    }

    /// How many are in flight now.
    pub fn now(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }

    /// Resolves when none is in flight.
    pub async fn drained(&self) {
        loop {
            let idle = self.idle.notified();
            if self.now() == 0 {
                return;
            }
            idle.await;
        }
    }
}

/// Leaves the count when dropped.
struct Leave(InFlight);

impl Drop for Leave {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// The `Host` header's host: without port, lowercase, IPv6 without brackets.
pub fn host_of(value: &str) -> String {
    let value = value.trim().to_ascii_lowercase();
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    match value.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host.to_string(),
        _ => value,
    }
}

/// The middleware (see the module doc).
pub async fn check(State(gate): State<Arc<Gate>>, mut request: Request, next: Next) -> Response {
    let refused = |refusal: Refusal, request: &Request| {
        tracing::debug!(method = %request.method(), path = %request.uri().path(), status = %refusal.status, "refused a request");
        refusal.into_response()
    };
    if let Err(refusal) = gate.admit(request.headers()) {
        return refused(refusal, &request);
    }
    let agent = match gate.authenticate(request.headers()) {
        Ok(Holder::Agent(name)) => Some(name),
        Ok(Holder::Shared) => None,
        Err(refusal) => return refused(refusal, &request),
    };
    tracing::debug!(method = %request.method(), path = %request.uri().path(), "admitted a request");
    let connection_gone = CancellationToken::new();
    request.extensions_mut().insert(HttpCaller {
        agent,
        connection_gone: connection_gone.clone(),
    });
    let counted = (request.method() == Method::POST).then(|| gate.posts.enter());
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let body = Body::new(Watched {
        inner: body,
        gone: Some(connection_gone),
        _counted: counted,
    });
    Response::from_parts(parts, body)
}

impl Gate {
    /// The DNS-rebinding checks: `Host`, then `Origin`.
    fn admit(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let host = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .map(host_of);
        match host {
            Some(host) if self.hosts.contains(&host) => {}
            Some(host) => {
                tracing::warn!(%host, "refused a request for a host that is not allowed");
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    &format!(
                        "Forbidden: Host {host:?} is not allowed (DNS rebinding protection). Connect to http://127.0.0.1:PORT/mcp, or the operator adds the name with --http-allowed-host"
                    ),
                ));
            }
            None => {
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    "Forbidden: the request has no Host header",
                ))
            }
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let origin = origin
                .to_str()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            if !self.origins.contains(&origin) {
                tracing::warn!(%origin, "refused a request from an origin that is not allowed");
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    &format!(
                        "Forbidden: Origin {:?} is not allowed; requests from web pages are refused unless the operator allows their origin with --http-allowed-origin",
                        crate::text::shorten(&origin, 100)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The bearer token's holder.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Holder, Refusal> {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                let (scheme, token) = value.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            });
        let Some(presented) = presented else {
            return Err(unauthorized(
                "Unauthorized: send the bridge's token as `Authorization: Bearer TOKEN` (it is in the file codex-bridge named when it started)",
            ));
        };
        match self.tokens.check(presented) {
            Some(holder) => Ok(holder),
            None => {
                tracing::warn!("refused a request with a wrong bearer token");
                Err(unauthorized(
                    "Unauthorized: the bearer token is not one of this bridge's (see the file codex-bridge named when it started)",
                ))
            }
        }
    }
}

/// A refused request: its status and what to tell the client.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = format!("{}\n", self.message);
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = [(header::WWW_AUTHENTICATE, "Bearer realm=\"codex-bridge\"")];
            (self.status, challenge, body).into_response()
        } else {
            (self.status, body).into_response()
        }
    }
}

fn refuse(status: StatusCode, message: &str) -> Refusal {
    Refusal {
        status,
        message: message.to_string(),
    }
}

fn unauthorized(message: &str) -> Refusal {
    refuse(StatusCode::UNAUTHORIZED, message)
}

/// A response body that says when it was dropped before its end.
struct Watched {
    inner: Body,
    /// Cancelled on drop unless the body reached its end.
    gone: Option<CancellationToken>,
    /// Leaves the count of POSTs in flight when the body is done with.
    _counted: Option<Leave>,
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            // Sent in full: the client did not go away.
            self.gone = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if let Some(gone) = self.gone.take() {
            gone.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lose_their_ports_and_brackets() {
        assert_eq!(host_of("127.0.0.1:8765"), "127.0.0.1");
        assert_eq!(host_of("LocalHost"), "localhost");
        assert_eq!(host_of("[::1]:8765"), "::1");
        assert_eq!(host_of("[::1]"), "::1");
        assert_eq!(host_of("evil.example:80"), "evil.example");
    }
}
