//! Bare HTTP/1.1 for the fake model servers ([`super::fake_model`], [`super::fake_anthropic`],
//! [`super::fake_gemini`]): an accept loop on `127.0.0.1:<random port>`, one request per
//! connection, answers with `Connection: close`, and the head of a Server-Sent-Events stream.
//! Written on bare tokio sockets (no hyper/axum) so the test build stays small.
#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// Upper bound for request headers and bodies; real requests are far below this.
const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// A listening server. Dropping it stops the server and every open connection.
pub struct Server {
    pub addr: SocketAddr,
    accept_task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

/// Binds a random local port and hands every accepted connection to `handle`.
pub async fn serve<F, Fut>(handle: F) -> Server
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("fake server: bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("fake server: local_addr");
    let accept_task = tokio::spawn(async move {
        // The JoinSet lives inside this task, so aborting the accept task (on drop) also aborts
        // every connection task, including streams that would otherwise never end.
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else {
                        // e.g. out of file descriptors: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    };
                    connections.spawn(handle(stream));
                }
                // Reap finished connections so the set does not grow without bound.
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    });
    Server { addr, accept_task }
}

pub struct Request {
    pub method: String,
    /// The request target, query included.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The body as JSON (`Null` when empty).
    pub fn json(&self) -> Result<Value, String> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        if let Some(encoding) = self
            .header("content-encoding")
            .filter(|e| !e.eq_ignore_ascii_case("identity"))
        {
            return Err(format!("cannot decode content-encoding {encoding}"));
        }
        serde_json::from_slice(&self.body).map_err(|err| format!("body is not JSON: {err}"))
    }
}

/// Reads one request: headers, then a body framed by Content-Length or chunked encoding.
/// Returns None when the peer sends garbage or hangs up early; the connection is just closed.
pub async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::with_capacity(8192);
    let header_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_REQUEST_BYTES || read_more(stream, &mut buf).await? == 0 {
            return None;
        }
    };
    let head = std::str::from_utf8(&buf[..header_end]).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    let mut rest = buf.split_off(header_end + 4);

    if request
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        stream
            .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
            .await
            .ok()?;
    }

    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        request.body = read_chunked(stream, rest).await?;
    } else {
        let len: usize = match request.header("content-length") {
            Some(len) => len.parse().ok()?,
            None => 0,
        };
        if len > MAX_REQUEST_BYTES {
            return None;
        }
        while rest.len() < len {
            if read_more(stream, &mut rest).await? == 0 {
                return None;
            }
        }
        rest.truncate(len);
        request.body = rest;
    }
    Some(request)
}

/// Decodes a chunked body; `buf` holds bytes already read past the headers. Trailers are skipped.
async fn read_chunked(stream: &mut TcpStream, mut buf: Vec<u8>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(pos) = find(&buf, b"\r\n") {
                break pos;
            }
            if read_more(stream, &mut buf).await? == 0 {
                return None;
            }
        };
        let size_line = std::str::from_utf8(&buf[..line_end]).ok()?;
        let size_hex = size_line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_hex, 16).ok()?;
        buf.drain(..line_end + 2);
        if size == 0 {
            // Trailer section ends with an empty line; we do not need it, and the connection is
            // closed after the answer anyway, so stop here.
            return Some(body);
        }
        if body.len() + size > MAX_REQUEST_BYTES {
            return None;
        }
        while buf.len() < size + 2 {
            if read_more(stream, &mut buf).await? == 0 {
                return None;
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

async fn read_more<R: AsyncRead + Unpin>(stream: &mut R, buf: &mut Vec<u8>) -> Option<usize> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await.ok()?;
    buf.extend_from_slice(&chunk[..n]);
    Some(n)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A whole JSON answer, then the connection is closed.
pub async fn write_json(stream: &mut TcpStream, status: &str, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

/// An answer without a body (e.g. to a `HEAD` probe).
pub async fn write_empty(stream: &mut TcpStream, status: &str) -> std::io::Result<()> {
    let head = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.shutdown().await
}

/// The head of a Server-Sent-Events answer; the events follow, then the connection closes.
pub async fn write_sse_head(stream: &mut TcpStream) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await
}
