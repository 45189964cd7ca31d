//! Every MCP protocol version the bridge negotiates, over the binary's stdio (and the ones
//! real clients speak over HTTP too) with the real app-server behind it: tools, progress,
//! cancellation and an `ask` approval on each. MCP 2026-07-28 over HTTP is in
//! `http_service.rs`.
//!
//! The handshake versions run through rmcp's client. MCP 2026-07-28 has no handshake and no
//! server-to-client requests: it is driven with raw JSON lines, each request carrying its
//! `_meta`, and its approval goes through the input-required round trip (the call answers
//! with the pending request and a sealed `requestState`; the retry carries the answer).

use std::process::Stdio;
use std::time::Duration;

use rmcp::model::ProtocolVersion;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::common::bridge::{bridge_bin, Bridge, BridgeOptions, Elicitation, Transport};
use crate::common::codex_env::{codex_bin, CodexEnv};
use crate::common::fake_model::FakeModel;

fn structured(result: &rmcp::model::CallToolResult) -> Value {
    result
        .structured_content
        .clone()
        .expect("structuredContent")
}

/// One handshake version end to end.
async fn handshake_version(version: ProtocolVersion) {
    handshake_version_over(version, Transport::Stdio).await
}

async fn handshake_version_over(version: ProtocolVersion, transport: Transport) {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env).over(transport);
    options.version = version.clone();
    options.elicitation = Elicitation::Choose("accept");
    let bridge = Bridge::start(options).await;
    let info = bridge.client.peer_info().expect("server info");
    assert_eq!(info.protocol_version, version, "negotiated");
    let tools = bridge.client.list_all_tools().await.expect("tools/list");
    assert!(tools.len() >= 6, "{version:?}: {} tools", tools.len());
    // Progress (the call carries a progress token).
    let handle = bridge
        .call_cancellable("codex_ask", json!({"prompt": "DELTAS:300"}))
        .await;
    let answer = handle.await_response().await.expect("answer");
    let rmcp::model::ServerResult::CallToolResult(result) = answer else {
        panic!("{version:?}: not a tool result: {answer:?}");
    };
    assert_eq!(structured(&result)["status"], "completed");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !bridge.handler.progress.lock().expect("lock").is_empty(),
        "{version:?}: progress notifications"
    );
    // Cancellation interrupts the turn: the model sees its request dropped.
    let hanging = bridge
        .call_cancellable("codex_ask", json!({"prompt": "HANG"}))
        .await;
    assert!(
        model
            .wait_for_request("HANG", Duration::from_secs(20))
            .await
    );
    hanging.cancel(Some("test".into())).await.expect("cancel");
    assert!(
        model.wait_for_dropped(1, Duration::from_secs(10)).await,
        "{version:?}: the turn was interrupted"
    );
    // An `ask` approval.
    let asked = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUN: echo ok-approved", "approval_policy": "ask"}),
        )
        .await;
    assert_eq!(
        asked["approvals"][0]["decided_by"], "human",
        "{version:?}: {asked}"
    );
    assert!(
        asked["text"]
            .as_str()
            .is_some_and(|t| t.contains("ok-approved")),
        "{version:?}: the approved command ran: {asked}"
    );
    bridge.stop().await;
}

#[tokio::test]
async fn every_handshake_version_serves_tools_progress_cancellation_and_approvals() {
    // Concurrently: each bridge has its own Codex home, model and workspace.
    futures_util::future::join_all(
        [
            ProtocolVersion::V_2024_11_05,
            ProtocolVersion::V_2025_03_26,
            ProtocolVersion::V_2025_06_18,
            ProtocolVersion::V_2025_11_25,
        ]
        .map(handshake_version),
    )
    .await;
}

#[tokio::test]
async fn the_versions_real_clients_speak_over_http_serve_tools_progress_cancellation_and_approvals()
{
    futures_util::future::join_all(
        [ProtocolVersion::V_2025_06_18, ProtocolVersion::V_2025_11_25]
            .map(|version| handshake_version_over(version, Transport::Http)),
    )
    .await;
}

/// The bridge over raw JSON lines, for the protocol version rmcp's client does not drive.
struct Raw {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
    /// Notifications read while waiting for answers.
    notifications: Vec<Value>,
    _workspace: tempfile::TempDir,
}

impl Raw {
    fn start(env: Option<&CodexEnv>) -> Raw {
        let workspace = tempfile::tempdir().expect("workspace");
        let mut command = tokio::process::Command::new(bridge_bin());
        command.arg("serve");
        match env {
            Some(env) => {
                command
                    .args([
                        "--allowed-root",
                        &env.workspace.path().display().to_string(),
                    ])
                    .envs(env.envs())
                    .env("CODEX_BIN", codex_bin())
                    .current_dir(env.workspace.path());
            }
            None => {
                command
                    .args(["--codex-bin", "/nonexistent/codex"])
                    .current_dir(workspace.path());
            }
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn codex-bridge");
        let stdin = child.stdin.take().expect("stdin");
        let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        Raw {
            child,
            stdin,
            lines,
            notifications: Vec::new(),
            _workspace: workspace,
        }
    }

    async fn send(&mut self, message: Value) {
        self.stdin
            .write_all(format!("{message}\n").as_bytes())
            .await
            .expect("write");
    }

    /// The answer to request `id`; notifications met on the way are kept.
    async fn answer(&mut self, id: i64) -> Value {
        loop {
            let line = tokio::time::timeout(Duration::from_secs(60), self.lines.next_line())
                .await
                .expect("an answer in time")
                .expect("read")
                .expect("the server is still up");
            let message: Value = serde_json::from_str(&line).expect("JSON-RPC");
            if message["id"] == id {
                return message;
            }
            if message.get("method").is_some() && message.get("id").is_none() {
                self.notifications.push(message);
            }
        }
    }

    async fn stop(mut self) {
        drop(self.stdin);
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
    }
}

fn meta(progress_token: Option<&str>) -> Value {
    let mut meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
        "io.modelcontextprotocol/clientInfo": {"name": "raw-2026", "version": "1"},
    });
    if let Some(token) = progress_token {
        meta["progressToken"] = json!(token);
    }
    meta
}

fn call(id: i64, arguments: Value, meta: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
        "params": {"name": "codex_ask", "arguments": arguments, "_meta": meta}})
}

#[tokio::test]
async fn mcp_2026_07_28_serves_tools_progress_cancellation_and_approvals() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut raw = Raw::start(Some(&env));
    // Tools, with the version's required _meta on every request.
    raw.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta(None)}}),
    )
    .await;
    let listed = raw.answer(1).await;
    assert!(
        listed["result"]["tools"]
            .as_array()
            .is_some_and(|t| t.len() >= 6),
        "{listed}"
    );
    // A request without its _meta gets an error that says so.
    raw.send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}))
        .await;
    let refused = raw.answer(2).await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("_meta")),
        "{refused}"
    );
    // Progress.
    raw.send(call(3, json!({"prompt": "DELTAS:300"}), meta(Some("p3"))))
        .await;
    let answered = raw.answer(3).await;
    assert_eq!(
        answered["result"]["structuredContent"]["status"], "completed",
        "{answered}"
    );
    assert!(
        raw.notifications.iter().any(
            |n| n["method"] == "notifications/progress" && n["params"]["progressToken"] == "p3"
        ),
        "progress notifications: {:?}",
        raw.notifications
    );
    // An `ask` approval: input-required, then the retry carries the answer.
    let arguments = json!({"prompt": "RUN: echo ok-2026", "approval_policy": "ask"});
    raw.send(call(4, arguments.clone(), meta(None))).await;
    let required = raw.answer(4).await;
    let result = &required["result"];
    assert_eq!(result["resultType"], "input_required", "{required}");
    let inputs = result["inputRequests"].as_object().expect("inputRequests");
    assert_eq!(inputs.len(), 1, "{required}");
    let (name, request) = inputs.iter().next().expect("one request");
    assert_eq!(request["method"], "elicitation/create");
    assert!(request["params"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("echo ok-2026")));
    let state = result["requestState"]
        .as_str()
        .expect("requestState")
        .to_string();
    let requests_so_far = model.requests().len();
    // A forged state is refused and starts nothing.
    let mut forged = call(5, arguments.clone(), meta(None));
    forged["params"]["requestState"] = json!(format!("{state}x"));
    forged["params"]["inputResponses"] =
        json!({name.clone(): {"action": "accept", "content": {"decision": "accept"}}});
    raw.send(forged).await;
    let refused = raw.answer(5).await;
    assert_eq!(refused["result"]["isError"], true, "{refused}");
    assert!(refused["result"]["content"][0]["text"]
        .as_str()
        .is_some_and(|t| t.contains("requestState")));
    assert_eq!(
        model.requests().len(),
        requests_so_far,
        "nothing reached the model"
    );
    // The real retry answers the request and watches the same turn to its end.
    let mut retry = call(6, arguments, meta(None));
    retry["params"]["requestState"] = json!(state);
    retry["params"]["inputResponses"] =
        json!({name.clone(): {"action": "accept", "content": {"decision": "accept"}}});
    raw.send(retry).await;
    let done = raw.answer(6).await;
    let done = &done["result"]["structuredContent"];
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["approvals"][0]["decided_by"], "human", "{done}");
    assert!(
        done["text"].as_str().is_some_and(|t| t.contains("ok-2026")),
        "{done}"
    );
    let threads = env.codex_home.path().join("sessions");
    assert!(threads.exists());
    // Cancellation interrupts the turn.
    raw.send(call(7, json!({"prompt": "HANG"}), meta(None)))
        .await;
    assert!(
        model
            .wait_for_request("HANG", Duration::from_secs(20))
            .await
    );
    raw.send(
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled",
        "params": {"requestId": 7, "reason": "test", "_meta": meta(None)}}),
    )
    .await;
    assert!(
        model.wait_for_dropped(1, Duration::from_secs(10)).await,
        "the turn was interrupted"
    );
    raw.stop().await;
}

#[tokio::test]
async fn a_request_before_the_session_starts_gets_an_error_saying_so() {
    let mut raw = Raw::start(None);
    // A notification first must not end the session.
    raw.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        .await;
    raw.send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}))
        .await;
    let refused = raw.answer(1).await;
    let message = refused["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("initialize"), "{refused}");
    assert!(message.contains("2026-07-28"), "{refused}");
    raw.send(
        json!({"jsonrpc": "2.0", "id": 2, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "late", "version": "1"}}}),
    )
    .await;
    let initialized = raw.answer(2).await;
    assert_eq!(
        initialized["result"]["protocolVersion"], "2025-11-25",
        "{initialized}"
    );
    raw.stop().await;
}
