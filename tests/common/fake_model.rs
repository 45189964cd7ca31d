//! A fake OpenAI Responses API for driving the real `codex app-server` in tests.
//!
//! `FakeModel::start()` listens on `127.0.0.1:<random port>` and speaks just enough HTTP/1.1 for
//! Codex (see [`super::http`]).
//!
//! Routes:
//! - `GET /v1/models` (any query) -> `{"models":[]}`.
//! - `POST /v1/responses` -> a Server-Sent-Events stream decided by the request body (below).
//!
//! `FakeModel::scripted(script)` is the model of an outer Codex that has the bridge as an MCP
//! server: a [`Script`] decides every reply (see [`FakeModel::scripted`]). Otherwise:
//!
//! The reply is rule based, so one server can serve many concurrent tests. If the last `input` item
//! is a `function_call_output` / `custom_tool_call_output`, the model says `saw: <output text>`.
//! Otherwise the text of the last user message is the PROMPT, and the earliest of these directives
//! in it wins (a directive must not be glued to letters or digits on either side, so `CHANGE`
//! does not trigger `HANG`):
//!
//! | directive            | reply                                                                   |
//! |----------------------|-------------------------------------------------------------------------|
//! | `RUN: <cmd>`         | `exec_command` call with `sandbox_permissions: "require_escalated"`;    |
//! |                      | under `on-request` Codex asks the client for approval                   |
//! | `PATCH: <file>`      | `apply_patch` custom tool call adding `<file>` (only offered to known models such as `gpt-5.5`) |
//! | `MCPTOOL: <server>/<tool> <json>` | a call of a tool of one of Codex's own MCP servers (namespace `mcp__<server>`) |
//! | `REPEAT:<n> <cmd>`   | `<cmd>` run in the sandbox `n` times in one turn (one call per model request), then `done after <n> commands` |
//! | `RUNSANDBOXED: <cmd>`| `exec_command` call with `sandbox_permissions: "use_default"`           |
//! | `FAIL`               | HTTP 500 `{"error":{"message":"fake model failure",...}}`               |
//! | `DELTAS:<n>`         | n `response.output_text.delta` events of `x`, then the message `x`*n    |
//! | `SLOW:<ms>`          | `response.created`, a pause of `<ms>`, then the default answer          |
//! | `HANG`               | `response.created`, then nothing until the client goes away             |
//! | `JSON:<json>`        | the rest of the line, verbatim (structured-output tests)                |
//! | `HISTORY`            | every real user prompt of the request, joined with ` | `                |
//! | (none)               | `answer: <PROMPT>`, or JSON following the request's output schema (below) |
//!
//! A request with an output schema (`text.format.schema`) and no directive but `SLOW:` gets a JSON
//! object built from the schema: every property present; a string is `<name> <n>` (`n` unique
//! per reply), an enum its first value, a number 0.5, an integer 1, an array one item, and a
//! boolean `changed` is true when the prompt says `SHIFTY` (false otherwise). Brainstorm tests
//! use it: a participant's `position` is then `position <n>`, different in every answer.
//!
//! A review sub-agent's request (a developer message holding Codex's `# Review guidelines`)
//! gets a scripted review instead: `git diff` in the sandbox, then `touch written-by-review.txt`
//! in the sandbox (a review that is not read-only leaves that file behind), then the review
//! JSON Codex asks for, with one `[P1]` finding (confidence 0.9) on the first file of the diff,
//! whose body quotes the diff's first `+` line.
//!
//! `<cmd>` and `<json>` run to the end of the line. `HISTORY` skips the user-role messages Codex
//! injects itself (one message holding `# AGENTS.md instructions for <cwd>\n\n<INSTRUCTIONS>...`
//! and/or `<environment_context>...`); system prompt, skills and permissions go in `developer`
//! messages and are never user text. Every completed response reports usage
//! `input_tokens: 10, output_tokens: 5, total_tokens: 15`.
//!
//! Request bodies: Codex 0.169 sends an uncompressed JSON body with `content-length` (no
//! `content-encoding`, no chunking) to a custom provider like this one, although its
//! `enable_request_compression` feature is on by default (it did not apply here). Chunked
//! bodies are decoded anyway; a compressed body gets HTTP 415 so a change in Codex shows up loudly
//! instead of as a confusing parse error.
//!
//! Tool outputs as the model sees them (and so as `saw: ...` reports them):
//! - accepted/unsandboxed `exec_command`: `Chunk ID: ..\nWall time: ..\nProcess exited with code 0\n
//!   Original token count: N\nOutput:\n<stdout>`;
//! - declined approval: `exec_command failed: CreateProcess { message: "Rejected(\"rejected by user\")" }`.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::http::{read_request, serve, write_json, write_sse_head, Server};
use super::script::{Gate, Script, Step};

/// A running fake model server. Dropping it stops the server and every open connection.
pub struct FakeModel {
    server: Server,
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    requests: Mutex<Vec<Value>>,
    dropped: AtomicUsize,
    next_id: AtomicU64,
    /// Set for the model of an outer Codex (see [`FakeModel::scripted`]).
    script: Option<Script>,
    gate: Gate,
}

impl State {
    fn fresh_id(&self, prefix: &str) -> String {
        format!("{prefix}_{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

impl FakeModel {
    /// Binds a random local port and starts serving, answering by the rules above.
    pub async fn start() -> FakeModel {
        FakeModel::with_state(State::default()).await
    }

    /// The model of an OUTER Codex that uses the bridge as an MCP server: every
    /// `POST /v1/responses` is answered by `script`, given the text of each
    /// `function_call_output` in the request's `input`. A [`Step::Call`] becomes a
    /// `function_call` item named inside the namespace Codex offers the MCP server's tools in
    /// (`{"name": "codex_ask", "namespace": "mcp__<server>"}`; a flat `mcp__<server>__codex_ask`
    /// is refused by Codex as an unsupported call).
    pub async fn scripted(script: Script) -> FakeModel {
        FakeModel::with_state(State {
            script: Some(script),
            ..State::default()
        })
        .await
    }

    async fn with_state(state: State) -> FakeModel {
        let state = Arc::new(state);
        let serving = state.clone();
        let server = serve(move |stream| serve_connection(stream, serving.clone())).await;
        FakeModel { server, state }
    }

    /// Lets [`Step::AfterGate`] answers of a scripted model go out.
    pub fn open_gate(&self) {
        self.state.gate.open();
    }

    /// Base URL for a Codex `model_providers.<id>.base_url`, e.g. `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.server.addr)
    }

    /// Every `POST /v1/responses` body seen so far, in arrival order.
    pub fn requests(&self) -> Vec<Value> {
        self.state
            .requests
            .lock()
            .expect("fake model: requests lock")
            .clone()
    }

    /// How many streamed responses (HANG, SLOW, DELTAS, ...) lost their client before the end.
    pub fn dropped_connections(&self) -> usize {
        self.state.dropped.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` streams were dropped by the client; false on timeout.
    pub async fn wait_for_dropped(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.dropped_connections() >= n {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Wait until a request whose body contains `marker` has arrived: the turn is then
    /// really at the model, so interrupting it drops a live request.
    pub async fn wait_for_request(&self, marker: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self
                .requests()
                .iter()
                .any(|request| request.to_string().contains(marker))
            {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Serving a request

async fn serve_connection(mut stream: TcpStream, state: Arc<State>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    match (request.method.as_str(), request.path()) {
        ("GET", "/v1/models") => {
            let _ = write_json(&mut stream, "200 OK", &json!({ "models": [] })).await;
        }
        ("POST", "/v1/responses") => {
            if let Some(encoding) = request
                .header("content-encoding")
                .filter(|e| !e.eq_ignore_ascii_case("identity"))
            {
                let error = json!({ "error": {
                    "message": format!("fake model cannot decode content-encoding {encoding}"),
                    "type": "invalid_request_error",
                }});
                let _ = write_json(&mut stream, "415 Unsupported Media Type", &error).await;
                return;
            }
            let body = match request.json() {
                Ok(body) => body,
                Err(err) => {
                    let error = json!({ "error": {
                        "message": format!("fake model: {err}"),
                        "type": "invalid_request_error",
                    }});
                    let _ = write_json(&mut stream, "400 Bad Request", &error).await;
                    return;
                }
            };
            state
                .requests
                .lock()
                .expect("fake model: requests lock")
                .push(body.clone());
            let reply = match &state.script {
                Some(script) => scripted(&body, script, &state.gate).await,
                None => decide(&body, &state),
            };
            respond(&mut stream, &state, reply).await;
        }
        _ => {
            let error = json!({ "error": { "message": "not found", "type": "not_found" } });
            let _ = write_json(&mut stream, "404 Not Found", &error).await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What to answer

#[derive(Debug, PartialEq)]
enum Reply {
    Text(String),
    Exec {
        cmd: String,
        escalated: bool,
    },
    McpTool {
        server: String,
        tool: String,
        arguments: String,
    },
    Patch {
        file: String,
    },
    Fail,
    Deltas(usize),
    Slow(u64, String),
    Hang,
    /// A function call to an MCP tool (scripted mode).
    Call {
        namespace: Option<String>,
        name: String,
        arguments: String,
    },
}

/// The directives in the order they are looked for; the earliest occurrence in the prompt wins.
const DIRECTIVES: [&str; 10] = [
    "MCPTOOL:",
    "RUNSANDBOXED:",
    "RUN:",
    "PATCH:",
    "FAIL",
    "DELTAS:",
    "SLOW:",
    "HANG",
    "JSON:",
    "HISTORY",
];

fn decide(body: &Value, state: &State) -> Reply {
    let input = body["input"].as_array().cloned().unwrap_or_default();
    if let Some(reply) = review(&input) {
        return reply;
    }
    if let Some(reply) = repeat(&input) {
        return reply;
    }
    if let Some(last) = input.last() {
        if matches!(
            last["type"].as_str(),
            Some("function_call_output" | "custom_tool_call_output")
        ) {
            return Reply::Text(format!("saw: {}", output_text(&last["output"])));
        }
    }
    let prompt = input
        .iter()
        .rev()
        .find(|item| is_user_message(item))
        .map(message_text)
        .unwrap_or_default();

    let Some((at, directive)) = DIRECTIVES
        .iter()
        .filter_map(|d| find_directive(&prompt, d).map(|at| (at, *d)))
        .min_by_key(|(at, _)| *at)
    else {
        return default_reply(body, &prompt, state);
    };
    let after = &prompt[at + directive.len()..];
    let rest_of_line = after.lines().next().unwrap_or_default().trim();
    let number = || -> u64 {
        let digits: String = after
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap_or(0)
    };
    match directive {
        "RUN:" => Reply::Exec {
            cmd: rest_of_line.to_string(),
            escalated: true,
        },
        "RUNSANDBOXED:" => Reply::Exec {
            cmd: rest_of_line.to_string(),
            escalated: false,
        },
        "PATCH:" => Reply::Patch {
            file: rest_of_line.to_string(),
        },
        "MCPTOOL:" => {
            let (name, arguments) = rest_of_line.split_once(' ').unwrap_or((rest_of_line, "{}"));
            let (server, tool) = name.split_once('/').unwrap_or(("", name));
            Reply::McpTool {
                server: server.to_string(),
                tool: tool.to_string(),
                arguments: arguments.trim().to_string(),
            }
        }
        "FAIL" => Reply::Fail,
        "DELTAS:" => Reply::Deltas(usize::try_from(number()).unwrap_or(0)),
        "SLOW:" => Reply::Slow(number(), default_reply_text(body, &prompt, state)),
        "HANG" => Reply::Hang,
        "JSON:" => Reply::Text(rest_of_line.to_string()),
        "HISTORY" => {
            let prompts: Vec<String> = input
                .iter()
                .filter(|item| is_user_message(item))
                .map(message_text)
                .filter(|text| !is_injected_context(text))
                .collect();
            Reply::Text(prompts.join(" | "))
        }
        _ => unreachable!("every directive is handled"),
    }
}

/// The answer without a directive: JSON for a request with an output schema.
fn default_reply(body: &Value, prompt: &str, state: &State) -> Reply {
    Reply::Text(default_reply_text(body, prompt, state))
}

fn default_reply_text(body: &Value, prompt: &str, state: &State) -> String {
    let schema = &body["text"]["format"]["schema"];
    if schema.is_object() {
        let n = state.next_id.fetch_add(1, Ordering::Relaxed);
        json_for(schema, "answer", prompt, n).to_string()
    } else {
        format!("answer: {prompt}")
    }
}

/// A value following `schema` (see the module docs).
fn json_for(schema: &Value, name: &str, prompt: &str, n: u64) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
        return first.clone();
    }
    match schema["type"].as_str() {
        Some("object") => {
            let mut object = serde_json::Map::new();
            for (key, property) in schema["properties"].as_object().into_iter().flatten() {
                object.insert(key.clone(), json_for(property, key, prompt, n));
            }
            Value::Object(object)
        }
        Some("array") => json!([json_for(&schema["items"], name, prompt, n)]),
        Some("number") => json!(0.5),
        Some("integer") => json!(1),
        Some("boolean") => json!(name == "changed" && find_directive(prompt, "SHIFTY").is_some()),
        _ => json!(format!("{name} {n}")),
    }
}

/// Scripted mode: the script's next step, from the tool outputs in `input` so far.
async fn scripted(body: &Value, script: &Script, gate: &Gate) -> Reply {
    let outputs: Vec<String> = body["input"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| {
            matches!(
                item["type"].as_str(),
                Some("function_call_output" | "custom_tool_call_output")
            )
        })
        .map(|item| output_text(&item["output"]))
        .collect();
    match gate.pass(script(&outputs)).await {
        Step::Call { tool, args } => match mcp_namespace_of(body, &tool) {
            Some(namespace) => Reply::Call {
                namespace: Some(namespace),
                name: tool,
                arguments: args.to_string(),
            },
            None => Reply::Text(format!("the tool {tool} was not offered to the model")),
        },
        Step::Answer(text) => Reply::Text(text),
        Step::AfterGate(_) => unreachable!("the gate unwraps it"),
    }
}

/// The namespace (`mcp__<server>`) in which the request offers the MCP tool `tool`.
fn mcp_namespace_of(body: &Value, tool: &str) -> Option<String> {
    body["tools"]
        .as_array()?
        .iter()
        .filter(|entry| entry["type"] == "namespace")
        .find(|entry| {
            entry["tools"]
                .as_array()
                .is_some_and(|tools| tools.iter().any(|t| t["name"] == tool))
        })
        .and_then(|entry| entry["name"].as_str())
        .map(str::to_string)
}

/// `REPEAT:<n> <cmd>`: the next command of the series, or the answer once `n` have run.
fn repeat(input: &[Value]) -> Option<Reply> {
    let at = input.iter().rposition(is_user_message)?;
    let prompt = message_text(&input[at]);
    let rest = &prompt[find_directive(&prompt, "REPEAT:")? + "REPEAT:".len()..];
    let (count, cmd) = rest.lines().next()?.trim().split_once(' ')?;
    let count: usize = count.parse().ok()?;
    let done = input[at..]
        .iter()
        .filter(|item| item["type"] == "function_call_output")
        .count();
    Some(if done < count {
        Reply::Exec {
            cmd: cmd.to_string(),
            escalated: false,
        }
    } else {
        Reply::Text(format!("done after {count} commands"))
    })
}

/// A review sub-agent's request: `git diff`, then an attempt to write a file, then findings.
fn review(input: &[Value]) -> Option<Reply> {
    let is_review = input.iter().any(|item| {
        item["role"] == "developer" && message_text(item).contains("# Review guidelines")
    });
    if !is_review {
        return None;
    }
    let outputs: Vec<String> = input
        .iter()
        .filter(|item| item["type"] == "function_call_output")
        .map(|item| output_text(&item["output"]))
        .collect();
    Some(match outputs.len() {
        0 => Reply::Exec {
            cmd: "git diff".into(),
            escalated: false,
        },
        1 => Reply::Exec {
            cmd: "touch written-by-review.txt".into(),
            escalated: false,
        },
        _ => {
            let diff = &outputs[0];
            let cwd = input
                .iter()
                .map(message_text)
                .find_map(|text| {
                    let start = text.find("<cwd>")? + "<cwd>".len();
                    let end = text[start..].find("</cwd>")? + start;
                    Some(text[start..end].to_string())
                })
                .unwrap_or_default();
            let file = diff
                .lines()
                .find_map(|line| line.strip_prefix("+++ b/"))
                .unwrap_or("unknown");
            let added = diff
                .lines()
                .find(|line| line.starts_with('+') && !line.starts_with("+++"))
                .unwrap_or("(no added line)");
            Reply::Text(
                json!({
                    "findings": [{
                        "title": format!("[P1] Check {file}"),
                        "body": format!("The diff adds `{added}`."),
                        "confidence_score": 0.9,
                        "priority": 1,
                        "code_location": {
                            "absolute_file_path": format!("{cwd}/{file}"),
                            "line_range": {"start": 1, "end": 1}
                        }
                    }],
                    "overall_correctness": "patch is incorrect",
                    "overall_explanation": "The change needs a second look.",
                    "overall_confidence_score": 0.8
                })
                .to_string(),
            )
        }
    })
}

/// Position of `directive` in `prompt`, ignoring hits glued to letters/digits (`CHANGE`, `RUNS`).
fn find_directive(prompt: &str, directive: &str) -> Option<usize> {
    prompt
        .match_indices(directive)
        .map(|(at, _)| at)
        .find(|&at| {
            let before_ok = prompt[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            // Directives ending in ':' are followed by an argument; bare words need a clean end too.
            let after_ok = directive.ends_with(':')
                || prompt[at + directive.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric());
            before_ok && after_ok
        })
}

fn is_user_message(item: &Value) -> bool {
    item["role"].as_str() == Some("user") && item["type"].as_str().is_none_or(|t| t == "message")
}

fn message_text(item: &Value) -> String {
    match &item["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter(|p| p["type"].as_str() == Some("input_text"))
            .filter_map(|p| p["text"].as_str())
            .collect(),
        _ => String::new(),
    }
}

/// Codex adds user-role messages of its own (AGENTS.md instructions, environment context, ...).
/// They are XML-ish blocks or the AGENTS.md header; real prompts in tests never look like that.
fn is_injected_context(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("<environment_context>")
        || text.starts_with("<user_instructions>")
        || text.starts_with("# AGENTS.md")
        || text.starts_with("<permissions")
        || text.starts_with("<skills_instructions>")
        || text.starts_with("<turn_aborted>")
}

/// Tool output as text: Codex sends a string, or content items with `text` parts.
fn output_text(output: &Value) -> String {
    match output {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(|item| item["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        Value::Object(obj) => match obj.get("content") {
            Some(content) => output_text(content),
            None => output.to_string(),
        },
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming the answer

/// Writes SSE events; a write error means the client went away, which we count once.
struct Sse<'a> {
    stream: &'a mut TcpStream,
    state: &'a State,
    response_id: String,
}

impl Sse<'_> {
    async fn event(&mut self, kind: &str, mut data: Value) -> Result<(), ()> {
        data["type"] = json!(kind);
        let frame = format!("event: {kind}\ndata: {data}\n\n");
        if self.stream.write_all(frame.as_bytes()).await.is_err() {
            self.state.dropped.fetch_add(1, Ordering::SeqCst);
            return Err(());
        }
        Ok(())
    }

    async fn created(&mut self) -> Result<(), ()> {
        let id = self.response_id.clone();
        self.event("response.created", json!({ "response": { "id": id } }))
            .await
    }

    async fn item_done(&mut self, item: Value) -> Result<(), ()> {
        self.event(
            "response.output_item.done",
            json!({ "output_index": 0, "item": item }),
        )
        .await
    }

    async fn completed(&mut self) -> Result<(), ()> {
        let id = self.response_id.clone();
        self.event(
            "response.completed",
            json!({ "response": { "id": id, "usage": {
                "input_tokens": 10,
                "input_tokens_details": null,
                "output_tokens": 5,
                "output_tokens_details": null,
                "total_tokens": 15,
            }}}),
        )
        .await
    }

    /// Waits for the client to hang up (it never sends more on this connection), up to `limit`.
    /// Returns true if it did; that counts as a dropped stream.
    async fn client_gone_within(&mut self, limit: Option<Duration>) -> bool {
        let mut scratch = [0u8; 1024];
        let watch = async {
            loop {
                match self.stream.read(&mut scratch).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        };
        let gone = match limit {
            Some(limit) => tokio::time::timeout(limit, watch).await.is_ok(),
            None => {
                watch.await;
                true
            }
        };
        if gone {
            self.state.dropped.fetch_add(1, Ordering::SeqCst);
        }
        gone
    }
}

fn assistant_message(id: &str, text: &str) -> Value {
    json!({
        "type": "message",
        "role": "assistant",
        "id": id,
        "content": [{ "type": "output_text", "text": text, "annotations": [] }],
    })
}

async fn respond(stream: &mut TcpStream, state: &State, reply: Reply) {
    if reply == Reply::Fail {
        let error = json!({ "error": { "message": "fake model failure", "type": "server_error" } });
        let _ = write_json(stream, "500 Internal Server Error", &error).await;
        return;
    }
    if write_sse_head(stream).await.is_err() {
        return;
    }
    let mut sse = Sse {
        stream,
        response_id: state.fresh_id("resp"),
        state,
    };
    // Any Err below means the client is gone and was already counted; just stop.
    let _ = stream_reply(&mut sse, reply).await;
    let _ = sse.stream.shutdown().await;
}

async fn stream_reply(sse: &mut Sse<'_>, reply: Reply) -> Result<(), ()> {
    sse.created().await?;
    match reply {
        Reply::Text(text) => {
            let id = sse.state.fresh_id("msg");
            sse.item_done(assistant_message(&id, &text)).await?;
        }
        Reply::Exec { cmd, escalated } => {
            let mut arguments = json!({ "cmd": cmd });
            if escalated {
                arguments["sandbox_permissions"] = json!("require_escalated");
                arguments["justification"] = json!("test wants to run it");
            } else {
                arguments["sandbox_permissions"] = json!("use_default");
            }
            let item = json!({
                "type": "function_call",
                "id": sse.state.fresh_id("fc"),
                "call_id": sse.state.fresh_id("call"),
                "name": "exec_command",
                "arguments": arguments.to_string(),
            });
            sse.item_done(item).await?;
        }
        Reply::McpTool {
            server,
            tool,
            arguments,
        } => {
            // Codex offers an MCP server's tools to the model as a namespace.
            let item = json!({
                "type": "function_call",
                "id": sse.state.fresh_id("fc"),
                "call_id": sse.state.fresh_id("call"),
                "name": tool,
                "namespace": format!("mcp__{server}"),
                "arguments": arguments,
            });
            sse.item_done(item).await?;
        }
        Reply::Patch { file } => {
            // Codex offers `apply_patch` (a freeform tool) only to models it knows, e.g.
            // `gpt-5.5`: ask with that model name.
            let patch = format!(
                "*** Begin Patch\n*** Add File: {file}\n+written by the fake model\n*** End Patch\n"
            );
            let item = json!({
                "type": "custom_tool_call",
                "id": sse.state.fresh_id("ctc"),
                "call_id": sse.state.fresh_id("call"),
                "name": "apply_patch",
                "input": patch,
            });
            sse.item_done(item).await?;
        }
        Reply::Deltas(n) => {
            let id = sse.state.fresh_id("msg");
            let empty = json!({ "type": "message", "role": "assistant", "id": id, "content": [] });
            sse.event(
                "response.output_item.added",
                json!({ "output_index": 0, "item": empty }),
            )
            .await?;
            for _ in 0..n {
                sse.event(
                    "response.output_text.delta",
                    json!({ "delta": "x", "item_id": id, "output_index": 0, "content_index": 0 }),
                )
                .await?;
            }
            sse.item_done(assistant_message(&id, &"x".repeat(n)))
                .await?;
        }
        Reply::Slow(ms, text) => {
            if sse
                .client_gone_within(Some(Duration::from_millis(ms)))
                .await
            {
                return Err(());
            }
            let id = sse.state.fresh_id("msg");
            sse.item_done(assistant_message(&id, &text)).await?;
        }
        Reply::Hang => {
            // Flush what we have and wait for the client (Codex) to drop the connection.
            let _ = sse.stream.flush().await;
            sse.client_gone_within(None).await;
            return Err(());
        }
        Reply::Call {
            namespace,
            name,
            arguments,
        } => {
            let mut item = json!({
                "type": "function_call",
                "id": sse.state.fresh_id("fc"),
                "call_id": sse.state.fresh_id("call"),
                "name": name,
                "arguments": arguments,
            });
            if let Some(namespace) = namespace {
                item["namespace"] = json!(namespace);
            }
            sse.item_done(item).await?;
        }
        Reply::Fail => unreachable!("answered before streaming"),
    }
    sse.completed().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> Value {
        json!({"type":"message","role":"user","content":[{"type":"input_text","text":text}]})
    }

    #[test]
    fn directives() {
        let body = |text: &str| json!({ "input": [user("<environment_context>x</environment_context>"), user(text)] });
        assert_eq!(
            decide(&body("hello"), &State::default()),
            Reply::Text("answer: hello".into())
        );
        assert_eq!(
            decide(&body("please RUN: echo hi\nmore"), &State::default()),
            Reply::Exec {
                cmd: "echo hi".into(),
                escalated: true
            }
        );
        assert_eq!(
            decide(&body("RUNSANDBOXED: ls"), &State::default()),
            Reply::Exec {
                cmd: "ls".into(),
                escalated: false
            }
        );
        assert_eq!(
            decide(&body("CHANGE it"), &State::default()),
            Reply::Text("answer: CHANGE it".into())
        );
        assert_eq!(
            decide(&body("HANG then FAIL"), &State::default()),
            Reply::Hang
        );
        assert_eq!(
            decide(&body("DELTAS:3"), &State::default()),
            Reply::Deltas(3)
        );
        assert_eq!(
            decide(&body("JSON: {\"a\":1}"), &State::default()),
            Reply::Text("{\"a\":1}".into())
        );
        assert_eq!(
            decide(&body("HISTORY"), &State::default()),
            Reply::Text("HISTORY".into())
        );
    }
}
