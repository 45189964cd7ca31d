//! Reliability with the real app-server: it dies under running turns, the client leaves
//! mid-turn, SIGTERM arrives with an approval pending. Every call is answered, nothing is
//! orphaned, and the work that was saved can be continued.

use std::time::{Duration, Instant};

use rmcp::model::ServerResult;
use serde_json::{json, Value};

use crate::common::bridge::{bridge_bin, Bridge, BridgeOptions, Elicitation};
use crate::common::codex_env::{codex_bin, CodexEnv};
use crate::common::fake_model::FakeModel;
use crate::common::process::{alive, app_server_of, children_of, gone};

#[tokio::test]
async fn a_dying_app_server_fails_running_calls_fast_and_the_bridge_recovers() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    let saved = bridge
        .call_ok("codex_ask", json!({"prompt": "remember beta"}))
        .await;
    let app_server = app_server_of(&bridge).await;

    // Two turns in flight when the server dies.
    let hanging = (0..2).map(|n| {
        let bridge = &bridge;
        async move {
            bridge
                .call(
                    "codex_ask",
                    json!({"prompt": format!("HANG {n}"), "wait_seconds": 60}),
                )
                .await
        }
    });
    let killer = async {
        let deadline = Instant::now() + Duration::from_secs(10);
        while model.requests().len() < 3 {
            assert!(
                Instant::now() < deadline,
                "HANG turns never reached the model"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // SAFETY: kill(2) on the app-server's process group, which the bridge created.
        unsafe {
            libc::kill(-(app_server as i32), libc::SIGKILL);
        }
        Instant::now()
    };
    let (results, killed_at) = tokio::join!(futures_util::future::join_all(hanging), killer);
    let answered_in = killed_at.elapsed();
    assert!(
        answered_in < Duration::from_secs(2),
        "in-flight calls answered {answered_in:?} after the kill"
    );
    for result in results {
        assert_eq!(result.is_error, Some(true));
        let structured = result.structured_content.expect("structured");
        assert_eq!(structured["status"], "failed");
        let error = structured["error"].as_str().expect("error");
        let thread_id = structured["thread_id"].as_str().expect("thread id");
        assert!(error.contains(thread_id), "names the thread: {error}");
        assert!(
            error.contains("codex_continue_thread"),
            "says it can continue: {error}"
        );
    }
    assert!(gone(app_server).await);

    // The next call starts a new app-server and works.
    let fresh = bridge
        .call_ok("codex_ask", json!({"prompt": "after crash"}))
        .await;
    assert_eq!(fresh["text"], "answer: after crash");
    let new_server = app_server_of(&bridge).await;
    assert_ne!(new_server, app_server);
    assert!(alive(new_server));
    // A thread saved before the crash continues, with its history.
    let continued = bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": saved["thread_id"], "prompt": "HISTORY"}),
        )
        .await;
    assert_eq!(continued["text"], "remember beta | HISTORY");
    // The dead link's reader thread ended with it: one reader, the new link's.
    let deadline = Instant::now() + Duration::from_secs(2);
    while link_readers(bridge.pid()) != 1 {
        assert!(
            Instant::now() < deadline,
            "link reader threads after a restart: {}",
            link_readers(bridge.pid())
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bridge.stop().await;
}

/// The bridge's threads reading an app-server link (`codex/batched_socket.rs` names them
/// `codex-bridge-link-reader`; Linux keeps 15 bytes of a thread's name).
fn link_readers(pid: u32) -> usize {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("the bridge's threads");
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "codex-bridge-li")
        .count()
}

#[tokio::test]
async fn an_ephemeral_thread_lost_with_the_server_is_not_promised_back() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    let ephemeral = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "fleeting", "ephemeral": true}),
        )
        .await;
    let app_server = app_server_of(&bridge).await;
    // SAFETY: kill(2) on the app-server's process group.
    unsafe {
        libc::kill(-(app_server as i32), libc::SIGKILL);
    }
    assert!(gone(app_server).await);
    let message = bridge
        .call_err(
            "codex_continue_thread",
            json!({"thread_id": ephemeral["thread_id"], "prompt": "still there?"}),
        )
        .await;
    assert!(message.contains("ephemeral"), "{message}");
    assert!(message.contains("cannot be continued"), "{message}");
    bridge.stop().await;
}

#[tokio::test]
async fn the_client_leaving_mid_turn_interrupts_it_and_leaves_no_process() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    let running = bridge
        .call_ok("codex_ask", json!({"prompt": "HANG", "wait_seconds": 0.3}))
        .await;
    assert_eq!(running["status"], "running");
    assert!(
        model
            .wait_for_request("HANG", Duration::from_secs(10))
            .await,
        "the turn reached the model"
    );
    let app_server = app_server_of(&bridge).await;
    let status = bridge.stop().await;
    assert!(status.success(), "{status:?}");
    assert!(
        model.wait_for_dropped(1, Duration::from_secs(5)).await,
        "the running turn was stopped"
    );
    assert!(gone(app_server).await, "no orphaned app-server");
}

#[tokio::test]
async fn sigterm_with_an_approval_pending_declines_it_and_exits() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env);
    options.elicitation = Elicitation::Never;
    let mut bridge = Bridge::start(options).await;
    bridge.call_ok("codex_ask", json!({"prompt": "warm"})).await;
    let app_server = app_server_of(&bridge).await;
    let call = bridge
        .call_cancellable(
            "codex_ask",
            json!({"prompt": "RUN: echo never-ran", "approval_policy": "ask",
                   "approval_timeout_seconds": 600, "wait_seconds": 600}),
        )
        .await;
    // Wait until the human is being asked.
    let deadline = Instant::now() + Duration::from_secs(10);
    while bridge.handler.elicitations.lock().expect("lock").is_empty() {
        assert!(Instant::now() < deadline, "no approval was asked");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(bridge.pid() as i32, libc::SIGTERM);
    }
    let status = tokio::time::timeout(Duration::from_secs(10), bridge.child.wait())
        .await
        .expect("the bridge exits on SIGTERM with an approval pending")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    eprintln!(
        "exit after SIGTERM with a pending approval: {:?}",
        started.elapsed()
    );
    assert!(gone(app_server).await, "the app-server was ended too");
    let answer: Option<Value> = match call.await_response().await {
        Ok(ServerResult::CallToolResult(result)) => result.structured_content,
        _ => None,
    };
    if let Some(result) = answer {
        assert_ne!(result["status"], "completed");
    }
    assert!(
        !model
            .requests()
            .iter()
            .any(|r| r.to_string().contains("never-ran\\n")),
        "the command never ran"
    );
}

#[tokio::test]
async fn a_killed_bridge_takes_its_app_server_with_it() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    bridge.call_ok("codex_ask", json!({"prompt": "warm"})).await;
    let app_server = app_server_of(&bridge).await;
    // SAFETY: kill(2) on our own child; SIGKILL leaves it no chance to clean up.
    unsafe {
        libc::kill(bridge.pid() as i32, libc::SIGKILL);
    }
    let _ = bridge.child.wait().await;
    assert!(
        gone(app_server).await,
        "the app-server {app_server} outlived a SIGKILLed bridge"
    );
}

/// The client closing its end while a call is still running: the turn is interrupted at
/// once and the bridge exits within about a second.
#[tokio::test]
async fn a_client_leaving_during_a_call_is_let_go_at_once() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    let _call = bridge
        .call_cancellable("codex_ask", json!({"prompt": "HANG", "wait_seconds": 600}))
        .await;
    assert!(
        model
            .wait_for_request("HANG", Duration::from_secs(10))
            .await,
        "the turn reached the model"
    );
    let app_server = app_server_of(&bridge).await;
    let started = Instant::now();
    let status = bridge.stop().await;
    let exited = started.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        exited < Duration::from_millis(1_500),
        "the bridge took {exited:?} to exit after its client left"
    );
    assert!(
        model.wait_for_dropped(1, Duration::from_secs(1)).await,
        "the running turn was stopped"
    );
    assert!(gone(app_server).await, "no orphaned app-server");
}

/// SIGTERM before the client has even initialized (a client giving up while it starts, or
/// the npm launcher passing on the signal): the bridge still shuts down, app-server and all,
/// though stdin stays open.
#[tokio::test]
async fn sigterm_before_initialize_ends_the_bridge_and_its_app_server() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut child = tokio::process::Command::new(bridge_bin())
        .args(["serve", "--allowed-root"])
        .arg(env.workspace.path())
        .envs(env.envs())
        .env("CODEX_BIN", codex_bin())
        .current_dir(env.workspace.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn codex-bridge");
    let pid = child.id().expect("bridge pid");
    // Held open to the end: waiting for the child would close it, and end the bridge anyway.
    let _stdin = child.stdin.take().expect("stdin");
    // The app-server warms up in the background, before any MCP message.
    let mut app_server = None;
    for _ in 0..200 {
        app_server = children_of(pid).first().copied();
        if app_server.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let app_server = app_server.expect("the bridge started its app-server");
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(pid as i32, libc::SIGTERM);
    }
    let output = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
        .await
        .expect("the bridge exits on SIGTERM before initialize")
        .expect("wait");
    assert!(
        output.status.success(),
        "{:?}; stderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        gone(app_server).await,
        "the app-server {app_server} outlived the bridge"
    );
}
