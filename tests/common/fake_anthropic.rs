//! A fake Anthropic Messages API for Claude Code (`ANTHROPIC_BASE_URL=http://127.0.0.1:PORT`),
//! driven by a [`Script`].
//!
//! Routes:
//! - `HEAD /` (Claude Code's connectivity probe at start-up) -> 200, no body.
//! - `POST /v1/messages` (Claude Code adds `?beta=true`) -> the next message, as Server-Sent
//!   Events when the body says `"stream": true` (`event:` lines are required: without them
//!   Claude Code sees no events and retries without streaming), else as one JSON message.
//! - `POST /v1/messages/count_tokens` -> `{"input_tokens": 100}`.
//!
//! A request whose `tools` include the bridge's MCP tools (`mcp__<server>__codex_ask`, ...) is
//! a turn of the script: the script gets the text of every `tool_result` block in `messages`
//! (Claude Code shows its model a result's `structuredContent` as compact JSON), and a
//! [`Step::Call`] becomes a `tool_use` block for `mcp__<server>__<tool>`. Requests without
//! them (side queries) are answered `ok`. Every `POST` body is recorded; [`FakeAnthropic::turns`]
//! returns the script's. `messages` may hold `{"role": "system"}` entries in the middle (a beta
//! Claude Code uses); they are ignored.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::http::{read_request, serve, write_empty, write_json, write_sse_head, Server};
use super::script::{Gate, Script, Step};

pub struct FakeAnthropic {
    server: Server,
    state: Arc<State>,
}

struct State {
    script: Script,
    gate: Gate,
    /// `(is a script turn, body)` of every `POST /v1/messages`, in arrival order.
    requests: Mutex<Vec<(bool, Value)>>,
    next_id: AtomicU64,
}

impl FakeAnthropic {
    pub async fn start(script: Script) -> FakeAnthropic {
        let state = Arc::new(State {
            script,
            gate: Gate::default(),
            requests: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1),
        });
        let serving = state.clone();
        let server = serve(move |stream| serve_connection(stream, serving.clone())).await;
        FakeAnthropic { server, state }
    }

    /// For `ANTHROPIC_BASE_URL` (no `/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The bodies of the script's turns (requests that offered the bridge's tools).
    pub fn turns(&self) -> Vec<Value> {
        let requests = self.state.requests.lock().expect("requests lock");
        requests
            .iter()
            .filter(|(turn, _)| *turn)
            .map(|(_, body)| body.clone())
            .collect()
    }

    /// Every `POST /v1/messages` body, side queries included.
    pub fn all_requests(&self) -> Vec<Value> {
        let requests = self.state.requests.lock().expect("requests lock");
        requests.iter().map(|(_, body)| body.clone()).collect()
    }

    /// Waits until the script has had `n` turns; false on timeout.
    pub async fn wait_for_turns(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.turns().len() < n {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    /// Lets the script's [`Step::AfterGate`] answers go out.
    pub fn open_gate(&self) {
        self.state.gate.open();
    }
}

/// The `tool_result` blocks of a Messages request, oldest first.
pub fn tool_results(body: &Value) -> Vec<Value> {
    body["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|message| message["role"] == "user")
        .filter_map(|message| message["content"].as_array())
        .flatten()
        .filter(|block| block["type"] == "tool_result")
        .cloned()
        .collect()
}

/// A `tool_result`'s content as text (a string, or text blocks).
pub fn result_text(block: &Value) -> String {
    match &block["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
        _ => String::new(),
    }
}

/// The names of the tools a request offers.
pub fn tool_names(body: &Value) -> Vec<String> {
    body["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|tool| tool["name"].as_str())
        .map(str::to_string)
        .collect()
}

async fn serve_connection(mut stream: TcpStream, state: Arc<State>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let not_found =
        json!({"type": "error", "error": {"type": "not_found_error", "message": "not found"}});
    match (request.method.as_str(), request.path()) {
        ("HEAD", _) => {
            let _ = write_empty(&mut stream, "200 OK").await;
        }
        ("POST", "/v1/messages/count_tokens") => {
            let _ = write_json(&mut stream, "200 OK", &json!({"input_tokens": 100})).await;
        }
        ("POST", "/v1/messages") => {
            let body = match request.json() {
                Ok(body) => body,
                Err(err) => {
                    let error = json!({"type": "error", "error": {
                        "type": "invalid_request_error", "message": format!("fake Anthropic: {err}")}});
                    let _ = write_json(&mut stream, "400 Bad Request", &error).await;
                    return;
                }
            };
            let ask = tool_names(&body)
                .into_iter()
                .find(|name| name.starts_with("mcp__") && name.ends_with("__codex_ask"));
            state
                .requests
                .lock()
                .expect("requests lock")
                .push((ask.is_some(), body.clone()));
            let blocks = match ask {
                None => vec![text_block("ok")],
                Some(ask) => {
                    let prefix = &ask[..ask.len() - "codex_ask".len()];
                    let results: Vec<String> =
                        tool_results(&body).iter().map(result_text).collect();
                    match state.gate.pass((state.script)(&results)).await {
                        Step::Call { tool, args } => {
                            let id =
                                format!("toolu_{}", state.next_id.fetch_add(1, Ordering::Relaxed));
                            vec![json!({"type": "tool_use", "id": id,
                                        "name": format!("{prefix}{tool}"), "input": args})]
                        }
                        Step::Answer(text) => vec![text_block(&text)],
                        Step::AfterGate(_) => unreachable!("the gate unwraps it"),
                    }
                }
            };
            let id = format!("msg_{}", state.next_id.fetch_add(1, Ordering::Relaxed));
            let model = body["model"].as_str().unwrap_or("claude-fake").to_string();
            let _ = answer(&mut stream, &id, &model, blocks, body["stream"] == true).await;
        }
        _ => {
            let _ = write_json(&mut stream, "404 Not Found", &not_found).await;
        }
    }
}

fn text_block(text: &str) -> Value {
    json!({"type": "text", "text": text})
}

async fn answer(
    stream: &mut TcpStream,
    id: &str,
    model: &str,
    blocks: Vec<Value>,
    streaming: bool,
) -> std::io::Result<()> {
    let stop_reason = if blocks.iter().any(|b| b["type"] == "tool_use") {
        "tool_use"
    } else {
        "end_turn"
    };
    let usage = json!({"input_tokens": 100, "output_tokens": 10,
                       "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0});
    if !streaming {
        let message = json!({"id": id, "type": "message", "role": "assistant", "model": model,
            "content": blocks, "stop_reason": stop_reason, "stop_sequence": null, "usage": usage});
        return write_json(stream, "200 OK", &message).await;
    }
    write_sse_head(stream).await?;
    let mut events = vec![json!({"type": "message_start", "message": {
        "id": id, "type": "message", "role": "assistant", "model": model, "content": [],
        "stop_reason": null, "stop_sequence": null, "usage": usage}})];
    for (index, block) in blocks.iter().enumerate() {
        let (start, delta) = if block["type"] == "tool_use" {
            (
                json!({"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}),
                json!({"type": "input_json_delta", "partial_json": block["input"].to_string()}),
            )
        } else {
            (
                json!({"type": "text", "text": ""}),
                json!({"type": "text_delta", "text": block["text"]}),
            )
        };
        events.push(json!({"type": "content_block_start", "index": index, "content_block": start}));
        events.push(json!({"type": "content_block_delta", "index": index, "delta": delta}));
        events.push(json!({"type": "content_block_stop", "index": index}));
    }
    events.push(json!({"type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": null},
        "usage": {"output_tokens": 10}}));
    events.push(json!({"type": "message_stop"}));
    for event in events {
        let kind = event["type"].as_str().unwrap_or_default().to_string();
        stream
            .write_all(format!("event: {kind}\ndata: {event}\n\n").as_bytes())
            .await?;
    }
    stream.shutdown().await
}
