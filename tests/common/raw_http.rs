//! Raw HTTP against `codex-bridge serve --http` (reqwest, no MCP client in between): for what
//! an MCP client library hides or never does — status codes, forged headers, MCP
//! 2026-07-28's stateless requests, a client that disconnects in the middle of a call.
#![allow(dead_code)]

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};

/// An answer: status, the `mcp-session-id` header, the body as text.
pub struct Answer {
    pub status: u16,
    pub session: Option<String>,
    pub body: String,
}

impl Answer {
    /// The JSON-RPC messages in the body (SSE `data:` lines, or the body itself as JSON).
    pub fn messages(&self) -> Vec<Value> {
        let from_sse: Vec<Value> = self
            .body
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .filter_map(|data| serde_json::from_str(data.trim()).ok())
            .collect();
        if !from_sse.is_empty() {
            return from_sse;
        }
        serde_json::from_str(&self.body).into_iter().collect()
    }

    /// The message answering request `id` (not a request of the server's with that id).
    pub fn answer_to(&self, id: i64) -> Value {
        self.messages()
            .into_iter()
            .find(|message| message["id"] == id && message.get("method").is_none())
            .unwrap_or_else(|| panic!("no answer to {id} in {} {:?}", self.status, self.body))
    }
}

/// A request builder with the headers every MCP POST carries.
pub struct Post {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

impl Post {
    pub fn new(url: &str) -> Post {
        Post {
            url: url.to_string(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (
                    "accept".into(),
                    "application/json, text/event-stream".into(),
                ),
            ],
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Post {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn token(self, token: &str) -> Post {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn session(self, session: &str) -> Post {
        self.header("mcp-session-id", session)
    }

    fn build(&self, body: &Value) -> reqwest::RequestBuilder {
        let mut request = reqwest::Client::new()
            .post(&self.url)
            .timeout(Duration::from_secs(90))
            .body(body.to_string());
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request
    }

    /// Send `body`, read the whole answer.
    pub async fn send(&self, body: Value) -> Answer {
        let response = self.build(&body).send().await.expect("HTTP request");
        let status = response.status().as_u16();
        let session = response
            .headers()
            .get("mcp-session-id")
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.unwrap_or_default();
        Answer {
            status,
            session,
            body,
        }
    }

    /// Send `body`, read until the first bytes of the answer arrive, then drop the
    /// connection (a client that goes away mid-call, without cancelling).
    pub async fn send_and_disconnect(&self, body: Value) -> u16 {
        let response = self.build(&body).send().await.expect("HTTP request");
        let status = response.status().as_u16();
        let mut stream = response.bytes_stream();
        let _ = tokio::time::timeout(Duration::from_secs(10), stream.next()).await;
        drop(stream);
        status
    }
}

/// Open an MCP session (initialize 2025-11-25 + initialized) as client `name`; its id.
pub async fn open_session(url: &str, token: &str, name: &str) -> String {
    open_session_with(url, token, name, json!({})).await
}

/// [`open_session`] declaring `capabilities`.
pub async fn open_session_with(url: &str, token: &str, name: &str, capabilities: Value) -> String {
    let answer = Post::new(url)
        .token(token)
        .send(
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": capabilities,
            "clientInfo": {"name": name, "version": "1"}}}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let session = answer.session.clone().expect("a session id");
    let initialized = Post::new(url)
        .token(token)
        .session(&session)
        .header("mcp-protocol-version", "2025-11-25")
        .send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    assert!(initialized.status < 300, "{}", initialized.body);
    session
}

/// A `tools/call` request.
pub fn tool_call(id: i64, tool: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": tool, "arguments": arguments}})
}
