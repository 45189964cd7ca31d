//! `serve --http` as a service: the gate (401 without or with a wrong token, 403 for a
//! foreign Host or any Origin not allowed, 404 for an unknown session), the token files (per
//! agent, generated and private, never printed), the loopback rule, the session idle
//! timeout against long calls, 200 sessions leaving nothing behind, SIGTERM with calls in
//! flight, MCP 2026-07-28's stateless requests, and `doctor --http`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::process::Command;

use crate::common::bridge::{
    bridge_bin, connect_http, listening_url, text_of, write_token_file, Agent, Bridge,
    BridgeOptions, Elicitation, TestClient, Transport,
};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;
use crate::common::process::{alive, app_server_of, gone};
use crate::common::raw_http::{open_session, open_session_with, tool_call, Post};

/// An HTTP bridge that needs no Codex (initialize and tools/list never wait for it).
async fn bridge_without_codex(extra: &[&str], agents: &[&str]) -> (Bridge, tempfile::TempDir) {
    let workspace = tempfile::tempdir().expect("workspace");
    let mut args = vec!["--codex-bin".to_string(), "/nonexistent/codex".to_string()];
    args.extend(extra.iter().map(|arg| arg.to_string()));
    let bridge = Bridge::start(BridgeOptions {
        args,
        envs: vec![],
        version: rmcp::model::ProtocolVersion::V_2025_11_25,
        current_dir: Some(workspace.path().to_path_buf()),
        elicitation: Elicitation::Unsupported,
        roots: None,
        transport: Transport::Http,
        agents: agents.iter().map(|agent| agent.to_string()).collect(),
    })
    .await;
    (bridge, workspace)
}

fn initialize(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"}}})
}

#[tokio::test]
async fn the_gate_refuses_what_it_must_with_the_status_the_spec_says() {
    let (bridge, _workspace) = bridge_without_codex(
        &[
            "--http-allowed-origin",
            "http://localhost:3000",
            "--http-allowed-host",
            "bridge.internal",
        ],
        &["alice"],
    )
    .await;
    let endpoint = bridge.endpoint().clone();
    let token = endpoint.token("alice");
    let port = endpoint
        .authority()
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let url = &endpoint.url;

    let missing = Post::new(url).send(initialize(1)).await;
    assert_eq!(missing.status, 401, "{}", missing.body);
    assert!(
        missing.body.contains("Authorization: Bearer"),
        "{}",
        missing.body
    );
    let wrong = Post::new(url)
        .token("t-alice-00000000000000000000000000000000")
        .send(initialize(2))
        .await;
    assert_eq!(wrong.status, 401, "{}", wrong.body);
    let not_bearer = Post::new(url)
        .header("authorization", &format!("Basic {token}"))
        .send(initialize(3))
        .await;
    assert_eq!(not_bearer.status, 401);

    // DNS rebinding: a foreign Host, or any Origin not allowed, with a good token.
    let rebound = Post::new(url)
        .token(&token)
        .header("host", &format!("evil.example:{port}"))
        .send(initialize(4))
        .await;
    assert_eq!(rebound.status, 403, "{}", rebound.body);
    assert!(rebound.body.contains("Host"), "{}", rebound.body);
    for origin in [
        format!("http://127.0.0.1:{port}"),
        "http://evil.example".to_string(),
        "null".to_string(),
    ] {
        let page = Post::new(url)
            .token(&token)
            .header("origin", &origin)
            .send(initialize(5))
            .await;
        assert_eq!(page.status, 403, "{origin}: {}", page.body);
        assert!(page.body.contains("Origin"), "{}", page.body);
    }
    // What the operator allowed passes.
    let allowed = Post::new(url)
        .token(&token)
        .header("origin", "http://localhost:3000")
        .send(initialize(6))
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    let named = Post::new(url)
        .token(&token)
        .header("host", &format!("bridge.internal:{port}"))
        .send(initialize(7))
        .await;
    assert_eq!(named.status, 200, "{}", named.body);
    let localhost = Post::new(url)
        .token(&token)
        .header("host", &format!("localhost:{port}"))
        .send(initialize(8))
        .await;
    assert_eq!(localhost.status, 200, "{}", localhost.body);

    // An unknown session: 404, as the spec says.
    let unknown = Post::new(url)
        .token(&token)
        .session("no-such-session")
        .send(tool_call(9, "codex_list_threads", json!({})))
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    // An MCP client library sees the refusals too.
    let refused = connect_http(
        url,
        None,
        TestClient::new(rmcp::model::ProtocolVersion::V_2025_11_25),
    )
    .await
    .err()
    .expect("no token, no session");
    assert!(
        refused.contains("401") || refused.to_lowercase().contains("auth"),
        "{refused}"
    );

    // A body over the limit is refused before rmcp parses it.
    let huge = "x".repeat(9 * 1024 * 1024);
    let big = Post::new(url)
        .token(&token)
        .send(json!({"jsonrpc": "2.0", "id": 10, "method": "initialize", "params": {"padding": huge}}))
        .await;
    assert_eq!(big.status, 413, "{}", &big.body[..big.body.len().min(200)]);

    // Nor is the token on the process list: the bridge is given the file, never the token.
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", bridge.pid())).expect("cmdline");
    assert!(!String::from_utf8_lossy(&cmdline).contains(&token));
    let (status, log) = bridge.stop_with_log().await;
    assert!(status.success(), "{status:?}");
    assert!(!log.contains(&token), "the token is in the log");
    assert!(log.contains(&endpoint.token_file.display().to_string()));
}

/// Start `serve --http 127.0.0.1:0` by hand; its stderr goes to `log`.
fn spawn_serve(
    args: &[&str],
    envs: &[(&str, &Path)],
    log: &Path,
    cwd: &Path,
) -> tokio::process::Child {
    let stderr = std::fs::File::create(log).expect("log file");
    Command::new(bridge_bin())
        .args(["serve", "--codex-bin", "/nonexistent/codex"])
        .args(args)
        .envs(envs.iter().map(|(k, v)| (*k, *v)))
        .env("CODEX_BRIDGE_LOG", "debug")
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .expect("spawn codex-bridge")
}

async fn terminate(mut child: tokio::process::Child) -> std::process::ExitStatus {
    // SAFETY: plain kill(2) on our own child.
    unsafe {
        libc::kill(child.id().expect("pid") as i32, libc::SIGTERM);
    }
    tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("the bridge exits on SIGTERM")
        .expect("wait")
}

#[tokio::test]
async fn a_generated_token_is_private_kept_for_restarts_and_never_printed() {
    let dir = tempfile::tempdir().expect("dir");
    let state = dir.path().join("state");
    let log = dir.path().join("bridge.stderr");
    let first = spawn_serve(
        &["--http", "127.0.0.1:0"],
        &[("XDG_STATE_HOME", &state)],
        &log,
        dir.path(),
    );
    let url = listening_url(&log).await;
    let file = state.join("codex-bridge").join("http-token");
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(file.parent().expect("dir")), 0o700);
    let token = std::fs::read_to_string(&file)
        .expect("token")
        .trim()
        .to_string();
    assert!(token.len() >= 32, "a long random token");
    let answer = Post::new(&url).token(&token).send(initialize(1)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(terminate(first).await.success());
    let printed = std::fs::read_to_string(&log).expect("log");
    assert!(
        printed.contains(&file.display().to_string()),
        "the path is printed: {printed}"
    );
    assert!(!printed.contains(&token), "the token is never printed");

    // A restart reuses it: the clients' configuration keeps working.
    let second = spawn_serve(
        &["--http", "127.0.0.1:0"],
        &[("XDG_STATE_HOME", &state)],
        &log,
        dir.path(),
    );
    let url = listening_url(&log).await;
    assert_eq!(std::fs::read_to_string(&file).expect("token").trim(), token);
    let again = Post::new(&url).token(&token).send(initialize(1)).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert!(terminate(second).await.success());
}

#[tokio::test]
async fn unsafe_settings_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().expect("dir");
    let open_file = dir.path().join("tokens");
    write_token_file(&open_file, &["alice".to_string()]);
    std::fs::set_permissions(&open_file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let run = |args: Vec<String>| {
        Command::new(bridge_bin())
            .arg("serve")
            .args(["--codex-bin", "/nonexistent/codex"])
            .args(args)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
    };
    let remote = run(vec!["--http".into(), "0.0.0.0:0".into()])
        .await
        .expect("run");
    assert_eq!(remote.status.code(), Some(2), "{remote:?}");
    let said = String::from_utf8_lossy(&remote.stderr);
    assert!(
        said.contains("--http-allow-remote") && said.contains("TLS"),
        "{said}"
    );
    let readable = run(vec![
        "--http".into(),
        "127.0.0.1:0".into(),
        "--http-token-file".into(),
        open_file.display().to_string(),
    ])
    .await
    .expect("run");
    assert!(!readable.status.success(), "{readable:?}");
    let said = String::from_utf8_lossy(&readable.stderr);
    assert!(said.contains("chmod 600"), "{said}");
    let origin = run(vec![
        "--http".into(),
        "127.0.0.1:0".into(),
        "--http-allowed-origin".into(),
        "localhost".into(),
    ])
    .await
    .expect("run");
    assert_eq!(origin.status.code(), Some(2), "{origin:?}");
    assert!(String::from_utf8_lossy(&origin.stderr).contains("--http-allowed-origin"));
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("status")
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

/// The count of open sessions the bridge last logged.
fn sessions_open(log: &str) -> Option<u64> {
    log.lines()
        .rfind(|line| line.contains("MCP session"))
        .and_then(|line| line.split("open=").nth(1))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// 200 sessions opened and closed: the bridge's memory stays flat, no session is left, and
/// the app-server (shared by all) was never stopped.
#[tokio::test]
async fn two_hundred_sessions_leave_nothing_behind() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(BridgeOptions::embedded(&env).over(Transport::Http)).await;
    bridge.call_ok("codex_ask", json!({"prompt": "warm"})).await;
    let app_server = app_server_of(&bridge).await;
    let endpoint = bridge.endpoint().clone();
    let token = endpoint.token("main");
    let session = |n: usize| {
        let (url, token) = (endpoint.url.clone(), token.clone());
        async move {
            let client = connect_http(
                &url,
                Some(&token),
                TestClient::new(rmcp::model::ProtocolVersion::V_2025_11_25),
            )
            .await
            .unwrap_or_else(|e| panic!("session {n}: {e}"));
            let tools = client.list_all_tools().await.expect("tools/list");
            assert!(tools.len() >= 6);
            client.cancel().await.expect("close the session");
        }
    };
    for n in 0..20 {
        session(n).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kb(bridge.pid());
    for n in 20..200 {
        session(n).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = rss_kb(bridge.pid());
    eprintln!("bridge RSS after 20 sessions: {before} kB; after 200: {after} kB");
    assert!(
        after <= before + 4 * 1024,
        "RSS grew by {} kB over 180 sessions",
        after.saturating_sub(before)
    );
    let log = bridge.stderr_path().to_path_buf();
    let mut left = None;
    for _ in 0..100 {
        left = sessions_open(&std::fs::read_to_string(&log).unwrap_or_default());
        if left == Some(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(left, Some(1), "only the test's own session is left");
    assert!(
        alive(app_server),
        "closing sessions never stops the app-server"
    );
    let after_all = bridge
        .call_ok("codex_ask", json!({"prompt": "still here"}))
        .await;
    assert_eq!(after_all["text"], "answer: still here");
    assert_eq!(
        app_server_of(&bridge).await,
        app_server,
        "the same app-server"
    );
    bridge.stop().await;
}

/// A session whose call waits longer than the idle timeout keeps its session (the call's
/// heartbeat: progress, or a ping without a progress token); an idle one is dropped.
#[tokio::test]
async fn a_long_call_outlives_the_idle_timeout_and_an_idle_session_does_not() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env).over(Transport::Http);
    options
        .args
        .extend(["--http-session-idle-seconds".into(), "2".into()]);
    let bridge = Bridge::start(options).await;
    // With a progress token (rmcp's client sends one), the heartbeat is progress.
    let slow = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "SLOW:5000 long call", "wait_seconds": 30}),
        )
        .await;
    assert_eq!(slow["status"], "completed", "{slow}");
    let again = bridge.call_ok("codex_list_threads", json!({})).await;
    assert!(again["threads"].is_array(), "the session is still there");
    // Without one (raw HTTP), it is a ping on the call's stream.
    let endpoint = bridge.endpoint().clone();
    let token = endpoint.token("main");
    let session = open_session(&endpoint.url, &token, "raw-client").await;
    let raw = Post::new(&endpoint.url)
        .token(&token)
        .session(&session)
        .header("mcp-protocol-version", "2025-11-25");
    let answer = raw
        .send(tool_call(
            1,
            "codex_ask",
            json!({"prompt": "SLOW:5000 raw call", "wait_seconds": 30}),
        ))
        .await;
    assert!(
        answer.messages().iter().any(|m| m["method"] == "ping"),
        "pings on the call's stream: {}",
        answer.body
    );
    let done = answer.answer_to(1);
    assert_eq!(
        done["result"]["structuredContent"]["text"], "answer: SLOW:5000 raw call",
        "{done}"
    );
    // Idle for longer than the timeout: the session is gone.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let late = raw
        .send(tool_call(2, "codex_list_threads", json!({})))
        .await;
    assert_eq!(late.status, 404, "{}", late.body);
    bridge.stop().await;
}

/// SIGTERM with calls in flight: every open call answers with an error naming its thread
/// and how to continue it later; turns are interrupted; the app-server ends; exit 0. The
/// thread then continues on a new bridge, as the error says.
#[tokio::test]
async fn sigterm_answers_every_open_call_and_exits_cleanly() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env).over(Transport::Http);
    options.agents = vec!["alice".into(), "bob".into()];
    let mut bridge = Bridge::start(options).await;
    let bob = bridge.connect("bob", Elicitation::Unsupported).await;
    let running = bob
        .call_ok(
            "codex_ask",
            json!({"prompt": "HANG for bob", "wait_seconds": 0.2}),
        )
        .await;
    assert_eq!(running["status"], "running");
    bridge.call_ok("codex_ask", json!({"prompt": "warm"})).await;
    let app_server = app_server_of(&bridge).await;
    let pid = bridge.pid();
    let alice: &Agent = &bridge;
    let (asked, waited, ()) = tokio::join!(
        alice.call(
            "codex_ask",
            json!({"prompt": "HANG for alice", "wait_seconds": 120})
        ),
        bob.call(
            "codex_wait",
            json!({"thread_id": running["thread_id"], "wait_seconds": 120})
        ),
        async {
            assert!(
                model
                    .wait_for_request("HANG for alice", Duration::from_secs(20))
                    .await
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
            // SAFETY: plain kill(2) on our own child.
            unsafe {
                libc::kill(pid as i32, libc::SIGTERM);
            }
        }
    );
    for (result, thread_id) in [
        (
            &asked,
            asked
                .structured_content
                .as_ref()
                .map(|s| s["thread_id"].clone()),
        ),
        (&waited, Some(running["thread_id"].clone())),
    ] {
        assert_eq!(result.is_error, Some(true), "{result:?}");
        let said = text_of(result);
        let thread_id = thread_id
            .and_then(|id| id.as_str().map(str::to_string))
            .expect("thread id");
        assert!(said.contains("shutting down (SIGTERM)"), "{said}");
        assert!(said.contains(&thread_id), "{said}");
        assert!(said.contains("codex_continue_thread"), "{said}");
        assert_eq!(
            result.structured_content.as_ref().expect("structured")["status"],
            "interrupted"
        );
    }
    let status = tokio::time::timeout(Duration::from_secs(20), bridge.child.wait())
        .await
        .expect("the bridge exits")
        .expect("wait");
    assert!(status.success(), "exit 0: {status:?}");
    assert!(
        gone(app_server).await,
        "the app-server ended with the bridge"
    );
    assert!(
        model.wait_for_dropped(2, Duration::from_secs(5)).await,
        "both turns were interrupted"
    );
    // The thread continues later, as the error said.
    let thread_id = asked.structured_content.as_ref().expect("structured")["thread_id"].clone();
    let later = Bridge::start(BridgeOptions::embedded(&env)).await;
    let next = later
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "after the restart"}),
        )
        .await;
    assert_eq!(next["text"], "answer: after the restart");
    later.stop().await;
}

/// On the handshake versions an `ask` approval rides the SSE stream of the call that asks
/// (no standalone stream is open here). Its withdrawal, when the call stops waiting, goes on
/// the session's standalone stream (rmcp routes a server's `notifications/cancelled` there),
/// which the rmcp client of the approvals suite reads.
#[tokio::test]
async fn an_elicitation_rides_the_stream_of_the_call_that_asks() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(BridgeOptions::embedded(&env).over(Transport::Http)).await;
    let endpoint = bridge.endpoint().clone();
    let token = endpoint.token("main");
    let session = open_session_with(
        &endpoint.url,
        &token,
        "raw-asker",
        json!({"elicitation": {"form": {}}}),
    )
    .await;
    let answer = Post::new(&endpoint.url)
        .token(&token)
        .session(&session)
        .header("mcp-protocol-version", "2025-11-25")
        .send(tool_call(
            1,
            "codex_ask",
            json!({"prompt": "RUN: echo on-my-stream", "approval_policy": "ask", "wait_seconds": 3}),
        ))
        .await;
    let messages = answer.messages();
    let asked = messages
        .iter()
        .find(|m| m["method"] == "elicitation/create")
        .unwrap_or_else(|| panic!("no elicitation on the call's stream: {}", answer.body));
    assert!(asked["params"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("echo on-my-stream")));
    let result = answer.answer_to(1);
    assert_eq!(
        result["result"]["structuredContent"]["status"], "running",
        "{result}"
    );
    bridge.stop().await;
}

fn meta_2026() -> Value {
    json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
        "io.modelcontextprotocol/clientInfo": {"name": "raw-2026", "version": "1"},
    })
}

fn post_2026(url: &str, token: &str, method: &str, name: Option<&str>) -> Post {
    let mut post = Post::new(url)
        .token(token)
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method);
    if let Some(name) = name {
        post = post.header("mcp-name", name);
    }
    post
}

/// MCP 2026-07-28 over HTTP: stateless requests with per-request capabilities, and an
/// `ask` approval through the input-required round trip, which only the asked agent can
/// answer.
#[tokio::test]
async fn mcp_2026_07_28_is_served_statelessly_with_its_input_required_round_trip() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env).over(Transport::Http);
    options.agents = vec!["alice".into(), "bob".into()];
    let bridge = Bridge::start(options).await;
    let endpoint = bridge.endpoint().clone();
    let (alice, bob) = (endpoint.token("alice"), endpoint.token("bob"));
    let listed = post_2026(&endpoint.url, &alice, "tools/list", None)
        .send(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta_2026()}}))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(listed.session.is_none(), "no session in 2026-07-28");
    assert!(listed.answer_to(1)["result"]["tools"]
        .as_array()
        .is_some_and(|t| t.len() >= 6));
    let arguments = json!({"prompt": "RUN: echo ok-2026-http", "approval_policy": "ask"});
    let call = |id: i64, state: Option<&str>, name: Option<&str>| {
        let mut params = json!({"name": "codex_ask", "arguments": arguments, "_meta": meta_2026()});
        if let Some(state) = state {
            params["requestState"] = json!(state);
            params["inputResponses"] = json!({name.unwrap_or_default():
                {"action": "accept", "content": {"decision": "accept"}}});
        }
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params})
    };
    let required = post_2026(&endpoint.url, &alice, "tools/call", Some("codex_ask"))
        .send(call(2, None, None))
        .await
        .answer_to(2);
    let result = &required["result"];
    assert_eq!(result["resultType"], "input_required", "{required}");
    let (name, request) = result["inputRequests"]
        .as_object()
        .and_then(|inputs| inputs.iter().next())
        .map(|(name, request)| (name.clone(), request.clone()))
        .expect("one input request");
    assert!(request["params"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("echo ok-2026-http")));
    let state = result["requestState"]
        .as_str()
        .expect("requestState")
        .to_string();
    // Another agent cannot answer alice's request with her state.
    let stolen = post_2026(&endpoint.url, &bob, "tools/call", Some("codex_ask"))
        .send(call(3, Some(&state), Some(&name)))
        .await
        .answer_to(3);
    assert_eq!(stolen["result"]["isError"], true, "{stolen}");
    assert!(stolen.to_string().contains("requestState"), "{stolen}");
    // Alice's retry answers it and watches the turn to its end.
    let done = post_2026(&endpoint.url, &alice, "tools/call", Some("codex_ask"))
        .send(call(4, Some(&state), Some(&name)))
        .await
        .answer_to(4);
    let done = &done["result"]["structuredContent"];
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["approvals"][0]["decided_by"], "human", "{done}");
    assert_eq!(done["started_by"], "alice", "{done}");
    assert!(done["text"]
        .as_str()
        .is_some_and(|t| t.contains("ok-2026-http")));
    bridge.stop().await;
}

#[tokio::test]
async fn doctor_checks_a_running_bridge_and_prints_the_three_http_configurations() {
    let (bridge, workspace) = bridge_without_codex(&[], &["alice", "bob"]).await;
    let endpoint = bridge.endpoint().clone();
    let doctor = |args: Vec<String>| {
        Command::new(bridge_bin())
            .arg("doctor")
            .args(args)
            .env_remove("CODEX_BRIDGE_TOKEN")
            .current_dir(workspace.path())
            .stdin(Stdio::null())
            .output()
    };
    let output = doctor(vec![
        "--http".into(),
        endpoint.url.clone(),
        "--http-token-file".into(),
        endpoint.token_file.display().to_string(),
        "--agent".into(),
        "bob".into(),
    ])
    .await
    .expect("doctor");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{printed}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains("answered initialize"), "{printed}");
    assert!(
        printed.contains(&format!("\"url\": \"{}\"", endpoint.url)),
        "Claude Code: {printed}"
    );
    assert!(
        printed.contains(&format!("url = \"{}\"", endpoint.url)),
        "Codex: {printed}"
    );
    assert!(
        printed.contains(&format!("\"httpUrl\": \"{}\"", endpoint.url)),
        "Gemini: {printed}"
    );
    assert!(printed.contains("bearer_token_env_var = \"CODEX_BRIDGE_TOKEN\""));
    for (_, token) in &endpoint.tokens {
        assert!(!printed.contains(token.as_str()), "a token was printed");
    }
    // A wrong token, or no bridge, is a problem with the fix.
    let wrong = tempfile::tempdir().expect("dir");
    let file = wrong.path().join("tokens");
    write_token_file(&file, &[]);
    let with_wrong_token = || {
        doctor(vec![
            "--http".into(),
            endpoint.url.clone(),
            "--http-token-file".into(),
            file.display().to_string(),
        ])
    };
    let refused = with_wrong_token().await.expect("doctor");
    assert!(!refused.status.success());
    let printed = String::from_utf8_lossy(&refused.stdout);
    assert!(
        printed.contains("PROBLEM") && printed.contains("token"),
        "{printed}"
    );
    bridge.stop().await;
    // Nobody listening: said in words, without the HTTP client's Rust types or its log.
    let gone = with_wrong_token().await.expect("doctor");
    assert!(!gone.status.success());
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&gone.stdout),
        String::from_utf8_lossy(&gone.stderr)
    );
    assert!(
        printed.contains("did not answer initialize: Client error: error sending request"),
        "{printed}"
    );
    assert!(!printed.contains("rmcp::"), "{printed}");
    // The fix starts a bridge where the URL points.
    let authority = endpoint
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp");
    assert!(
        printed.contains(&format!("codex-bridge serve --http {authority}`")),
        "{printed}"
    );
}
