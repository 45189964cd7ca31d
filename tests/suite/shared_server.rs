//! On an app-server the bridge shares with other front-ends (`--app-server-url`, the Codex
//! daemon), the bridge minds only its own turns: it leaves a request for another client's turn
//! alone (a human may be looking at it), lets go of threads it is done with, and ending it
//! interrupts only the turns it started. The other front-end is the test itself, on the same
//! real app-server; a recording proxy shows what reached the bridge and what it answered.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::app_server::{Daemon, RawClient, RecordingProxy, UnixAppServer, Way};
use crate::common::bridge::{Bridge, BridgeOptions};
use crate::common::codex_env::{codex_bin, CodexEnv};
use crate::common::fake_model::FakeModel;
use crate::common::process::alive;

fn attached(env: &CodexEnv, link_args: &[String]) -> BridgeOptions {
    let mut options = BridgeOptions::embedded(env);
    options.args = link_args.to_vec();
    options.args.extend([
        "--allowed-root".into(),
        env.workspace.path().display().to_string(),
    ]);
    options
}

/// Start a thread and a turn as another front-end would; returns (thread id, turn id).
async fn start_turn(other: &RawClient, env: &CodexEnv, prompt: &str) -> (String, String) {
    let cwd = env.workspace.path().display().to_string();
    let thread = other.call("thread/start", json!({"cwd": cwd})).await;
    let thread_id = thread["result"]["thread"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("thread/start: {thread}"))
        .to_string();
    let turn = other
        .call(
            "turn/start",
            json!({"threadId": thread_id, "input": [{"type": "text", "text": prompt}],
                   "approvalPolicy": "on-request", "sandboxPolicy": {"type": "readOnly"}}),
        )
        .await;
    let turn_id = turn["result"]["turn"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("turn/start: {turn}"))
        .to_string();
    (thread_id, turn_id)
}

/// Another client's turn asks to run a command; the bridge, asked to continue that thread,
/// resumes it and is sent the pending request too (the app-server replays pending requests to
/// a new subscriber). It refuses the call (a turn runs elsewhere), answers nothing, and lets go
/// of the thread; the other client's human then approves, and the command runs.
#[tokio::test]
async fn a_request_for_a_turn_another_client_started_is_left_alone() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let server = UnixAppServer::start(&env, &codex_bin()).await;
    let proxy = RecordingProxy::start(&server.socket).await;
    let url = format!("unix://{}", proxy.socket.display());
    let bridge = Bridge::start(attached(&env, &["--app-server-url".into(), url])).await;
    bridge.call_ok("codex_list_threads", json!({})).await;

    let other = RawClient::connect(&server.socket).await;
    let (thread_id, turn_id) = start_turn(&other, &env, "RUN: echo the-humans-command").await;
    let is_approval = |frame: &Value| {
        frame["method"] == "item/commandExecution/requestApproval"
            && frame["params"]["turnId"] == turn_id.as_str()
    };
    let request = other
        .wait_for(Duration::from_secs(20), is_approval)
        .await
        .expect("the other client's turn asks for approval");

    let refused = bridge
        .call_err(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "mine now?"}),
        )
        .await;
    assert!(
        refused.contains("has a turn running in another Codex client"),
        "{refused}"
    );
    // The request reached the bridge too: the rule was put to the test.
    let mut reached = None;
    for _ in 0..100 {
        reached = proxy
            .frames()
            .into_iter()
            .find(|(way, frame)| *way == Way::ToBridge && is_approval(frame));
        if reached.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, reached) = reached.expect("the pending request was replayed to the bridge");
    assert_eq!(reached["id"], request["id"]);
    // Nobody answers it for a while: still pending for its human.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let answered_by_bridge = proxy.frames().into_iter().any(|(way, frame)| {
        way == Way::FromBridge && frame.get("method").is_none() && frame["id"] == request["id"]
    });
    assert!(
        !answered_by_bridge,
        "the bridge answered another client's request"
    );
    assert!(
        !other
            .received()
            .iter()
            .any(|frame| frame["method"] == "serverRequest/resolved"),
        "the request is still pending"
    );
    // The bridge let go of the thread it resumed.
    let released = proxy.sent("thread/unsubscribe");
    assert!(
        released
            .iter()
            .any(|r| r["params"]["threadId"] == thread_id.as_str()),
        "{released:?}"
    );

    // The human approves; the command runs and the turn completes.
    other.answer(&request, json!({"decision": "accept"}));
    let completed = other
        .wait_for(Duration::from_secs(30), |frame| {
            frame["method"] == "turn/completed" && frame["params"]["turn"]["id"] == turn_id.as_str()
        })
        .await
        .expect("the other client's turn completes");
    assert_eq!(
        completed["params"]["turn"]["status"], "completed",
        "{completed}"
    );
    assert!(
        model
            .requests()
            .iter()
            .any(|r| r.to_string().contains("Process exited with code 0")
                && r.to_string().contains("the-humans-command")),
        "the approved command ran"
    );
    // Now idle, the thread takes the bridge's turn, with its history.
    let next = bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "HISTORY"}),
        )
        .await;
    assert_eq!(
        next["text"], "RUN: echo the-humans-command | HISTORY",
        "{next}"
    );
    bridge.stop().await;
}

/// Ending a bridge attached to the daemon interrupts the turn it started and nothing else:
/// another front-end's turn keeps running, and so does the daemon.
#[tokio::test]
async fn ending_the_bridge_interrupts_only_its_own_turns_on_the_daemon() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let daemon = Daemon::start(&env, &codex_bin()).await;
    let daemon_pid = daemon.pid().expect("the daemon runs");
    let other = RawClient::connect(&daemon.socket()).await;
    let (their_thread, their_turn) = start_turn(&other, &env, "HANG theirs").await;
    assert!(
        model
            .wait_for_request("HANG theirs", Duration::from_secs(20))
            .await
    );

    let bridge = Bridge::start(attached(&env, &["--codex-daemon".into()])).await;
    let running = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "HANG mine", "wait_seconds": 0.3}),
        )
        .await;
    assert_eq!(running["status"], "running", "{running}");
    assert!(
        model
            .wait_for_request("HANG mine", Duration::from_secs(20))
            .await
    );
    bridge.stop().await;

    // The bridge's turn was interrupted...
    assert!(
        model.wait_for_dropped(1, Duration::from_secs(10)).await,
        "the bridge's turn was interrupted"
    );
    let mine = other
        .call(
            "thread/turns/list",
            json!({"threadId": running["thread_id"]}),
        )
        .await;
    assert_eq!(mine["result"]["data"][0]["status"], "interrupted", "{mine}");
    // ...and nothing else: the other front-end's turn still runs, on a live daemon.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        model.dropped_connections(),
        1,
        "only the bridge's turn ended"
    );
    let theirs = other
        .call("thread/read", json!({"threadId": their_thread}))
        .await;
    assert_eq!(
        theirs["result"]["thread"]["status"]["type"], "active",
        "{theirs}"
    );
    assert!(
        !other
            .received()
            .iter()
            .any(|frame| frame["method"] == "turn/completed"
                && frame["params"]["turn"]["id"] == their_turn.as_str()),
        "their turn did not end"
    );
    assert!(alive(daemon_pid), "the daemon still runs");
    other
        .call(
            "turn/interrupt",
            json!({"threadId": their_thread, "turnId": their_turn}),
        )
        .await;
    drop(other);
    drop(daemon);
}
