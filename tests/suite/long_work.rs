//! Long work, end to end with the real app-server: bounded waits, codex_wait, progress,
//! cancellation, thread reading, and many turns at once over the one connection.

use std::time::{Duration, Instant};

use rmcp::model::ServerResult;
use serde_json::{json, Value};

use crate::common::bridge::{Bridge, BridgeOptions, Transport};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;

struct Setup {
    model: FakeModel,
    // Keeps CODEX_HOME and the workspace alive as long as the bridge.
    _env: CodexEnv,
    bridge: Bridge,
}

impl Setup {
    async fn over(transport: Transport) -> Setup {
        let model = FakeModel::start().await;
        let env = CodexEnv::new(&model);
        let bridge = Bridge::start(BridgeOptions::embedded(&env).over(transport)).await;
        Setup {
            model,
            _env: env,
            bridge,
        }
    }

    async fn ask(&self, args: Value) -> Value {
        self.bridge.call_ok("codex_ask", args).await
    }
}

fn structured(result: ServerResult) -> Value {
    match result {
        ServerResult::CallToolResult(result) => result.structured_content.expect("structured"),
        other => panic!("not a tool result: {other:?}"),
    }
}

async fn a_turn_past_its_wait_returns_running_and_codex_wait_finishes_it(transport: Transport) {
    let setup = Setup::over(transport).await;
    let running = setup
        .ask(json!({"prompt": "SLOW:1500 please", "wait_seconds": 0.2}))
        .await;
    assert_eq!(running["status"], "running");
    let thread_id = running["thread_id"].clone();
    let turn_id = running["turn_id"].clone();
    assert!(turn_id.as_str().is_some_and(|id| !id.is_empty()));
    let done = setup
        .bridge
        .call_ok(
            "codex_wait",
            json!({"thread_id": thread_id, "turn_id": turn_id, "wait_seconds": 20}),
        )
        .await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["text"], "answer: SLOW:1500 please");
    assert_eq!(done["turn_id"], turn_id);
    // A short wait on a turn that is still going answers "running" again, quickly.
    let slow = setup
        .ask(json!({"prompt": "SLOW:3000", "wait_seconds": 0}))
        .await;
    let started = Instant::now();
    let again = setup
        .bridge
        .call_ok(
            "codex_wait",
            json!({"thread_id": slow["thread_id"], "wait_seconds": 0.2}),
        )
        .await;
    assert_eq!(again["status"], "running");
    assert!(started.elapsed() < Duration::from_secs(2));
    setup.bridge.stop().await;
}

async fn a_result_nobody_waited_for_is_kept_for_codex_wait(transport: Transport) {
    let setup = Setup::over(transport).await;
    let running = setup
        .ask(json!({"prompt": "SLOW:300 kept", "wait_seconds": 0}))
        .await;
    assert_eq!(running["status"], "running");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let started = Instant::now();
    let done = setup
        .bridge
        .call_ok(
            "codex_wait",
            json!({"thread_id": running["thread_id"], "turn_id": running["turn_id"]}),
        )
        .await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["text"], "answer: SLOW:300 kept");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "answered from memory"
    );
    setup.bridge.stop().await;
}

#[tokio::test]
async fn codex_wait_after_a_bridge_restart_reads_the_thread() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let first = Bridge::start(BridgeOptions::embedded(&env)).await;
    let asked = first
        .call_ok("codex_ask", json!({"prompt": "persisted"}))
        .await;
    first.stop().await;
    let second = Bridge::start(BridgeOptions::embedded(&env)).await;
    let waited = second
        .call_ok("codex_wait", json!({"thread_id": asked["thread_id"]}))
        .await;
    assert_eq!(waited["status"], "completed");
    assert_eq!(waited["text"], "answer: persisted");
    assert_eq!(waited["turn_id"], asked["turn_id"]);
    second.stop().await;
}

async fn progress_is_throttled_and_ends_with_a_final_notification(transport: Transport) {
    let setup = Setup::over(transport).await;
    let handle = setup
        .bridge
        .call_cancellable("codex_ask", json!({"prompt": "DELTAS:5000"}))
        .await;
    let started = Instant::now();
    let result = structured(handle.await_response().await.expect("response"));
    let elapsed = started.elapsed();
    assert_eq!(result["status"], "completed");
    assert_eq!(result["text"].as_str().map(str::len), Some(5000));
    // Let the last notification land (it is sent before the response).
    tokio::time::sleep(Duration::from_millis(100)).await;
    let progress = setup.bridge.handler.progress.lock().expect("lock").clone();
    let allowed = 2 + (elapsed.as_millis() / 250) as usize + 2;
    assert!(
        !progress.is_empty() && progress.len() <= allowed,
        "{} notifications for 5,000 deltas in {elapsed:?} (at most {allowed})",
        progress.len()
    );
    assert!(
        progress.windows(2).all(|w| w[0].progress < w[1].progress),
        "progress increases"
    );
    let last = progress.last().expect("final notification");
    assert!(
        last.message
            .as_deref()
            .is_some_and(|m| m.contains("completed")),
        "final notification says the turn completed: {last:?}"
    );
    setup.bridge.stop().await;
}

async fn cancelling_a_call_interrupts_its_turn_and_the_thread_takes_the_next_one(
    transport: Transport,
) {
    let setup = Setup::over(transport).await;
    let first = setup.ask(json!({"prompt": "setup"})).await;
    let thread_id = first["thread_id"].clone();
    let handle = setup
        .bridge
        .call_cancellable(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "HANG"}),
        )
        .await;
    // Wait until the model is working on the hanging request.
    let deadline = Instant::now() + Duration::from_secs(10);
    while setup.model.requests().len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the HANG turn never reached the model"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle
        .cancel(Some("user pressed Esc".into()))
        .await
        .expect("cancel");
    assert!(
        setup
            .model
            .wait_for_dropped(1, Duration::from_secs(5))
            .await,
        "the model's request was dropped: the turn was interrupted"
    );
    let next = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "after cancel"}),
        )
        .await;
    assert_eq!(next["text"], "answer: after cancel");
    let history = setup
        .bridge
        .call_ok("codex_read_thread", json!({"thread_id": thread_id}))
        .await;
    let statuses: Vec<_> = history["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .map(|turn| turn["status"].clone())
        .collect();
    assert_eq!(
        statuses,
        [json!("completed"), json!("interrupted"), json!("completed")]
    );
    setup.bridge.stop().await;
}

async fn read_thread_returns_turns_oldest_first(transport: Transport) {
    let setup = Setup::over(transport).await;
    let first = setup.ask(json!({"prompt": "one"})).await;
    setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": first["thread_id"], "prompt": "two"}),
        )
        .await;
    let history = setup
        .bridge
        .call_ok(
            "codex_read_thread",
            json!({"thread_id": first["thread_id"]}),
        )
        .await;
    assert_eq!(history["total_turns"], 2);
    assert_eq!(history["turns"][0]["prompt"], "one");
    assert_eq!(history["turns"][0]["answer"], "answer: one");
    assert_eq!(history["turns"][1]["prompt"], "two");
    assert_eq!(history["turns"][1]["answer"], "answer: two");
    let last = setup
        .bridge
        .call_ok(
            "codex_read_thread",
            json!({"thread_id": first["thread_id"], "limit": 1}),
        )
        .await;
    assert_eq!(last["turns"].as_array().map(Vec::len), Some(1));
    assert_eq!(last["turns"][0]["prompt"], "two");
    setup.bridge.stop().await;
}

async fn fifty_concurrent_asks_each_get_their_own_answer(transport: Transport) {
    let setup = Setup::over(transport).await;
    setup.ask(json!({"prompt": "warm"})).await;
    let started = Instant::now();
    let calls = (0..50).map(|n| {
        let bridge = &setup.bridge;
        async move {
            let result = bridge
                .call_ok("codex_ask", json!({"prompt": format!("question {n}")}))
                .await;
            (n, result)
        }
    });
    let results = futures_util::future::join_all(calls).await;
    let elapsed = started.elapsed();
    let mut threads = std::collections::HashSet::new();
    for (n, result) in &results {
        assert_eq!(result["status"], "completed", "call {n}: {result}");
        assert_eq!(result["text"], format!("answer: question {n}"));
        threads.insert(result["thread_id"].as_str().expect("id").to_string());
    }
    assert_eq!(threads.len(), 50, "50 distinct threads");
    eprintln!("50 concurrent codex_ask calls: {elapsed:?}");
    setup.bridge.stop().await;
}

async fn cancelling_codex_wait_interrupts_the_turn_it_waits_for(transport: Transport) {
    let setup = Setup::over(transport).await;
    let running = setup
        .ask(json!({"prompt": "HANG waited", "wait_seconds": 0.2}))
        .await;
    assert_eq!(running["status"], "running");
    assert!(
        setup
            .model
            .wait_for_request("HANG waited", Duration::from_secs(10))
            .await
    );
    let waiting = setup
        .bridge
        .call_cancellable(
            "codex_wait",
            json!({"thread_id": running["thread_id"], "wait_seconds": 60}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    waiting
        .cancel(Some("no longer needed".into()))
        .await
        .expect("cancel");
    assert!(
        setup
            .model
            .wait_for_dropped(1, Duration::from_secs(5))
            .await,
        "the turn was interrupted"
    );
    let after = setup
        .bridge
        .call_ok("codex_wait", json!({"thread_id": running["thread_id"]}))
        .await;
    assert_eq!(after["status"], "interrupted");
    setup.bridge.stop().await;
}

/// A turn stuck on an unreachable model looks stuck: the `running` result (and the next
/// codex_wait) says what Codex is doing, the latest retry notice and how long it has been
/// silent; the command line's `--json` says the same when its `--timeout` stops the turn.
#[tokio::test]
async fn a_stuck_turn_says_what_it_is_doing() {
    let env = CodexEnv::unreachable();
    let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    let running = bridge
        .call_ok("codex_ask", json!({"prompt": "hello?", "wait_seconds": 4}))
        .await;
    assert_eq!(running["status"], "running", "{running}");
    let progress = &running["progress"];
    let notice = progress["codex_notice"].as_str().unwrap_or_default();
    assert!(
        notice.contains("Reconnecting") || notice.contains("network"),
        "the retry notice reaches the caller: {running}"
    );
    assert!(progress["idle_seconds"].as_u64().is_some(), "{running}");
    assert!(progress["activity"].as_str().is_some_and(|a| !a.is_empty()));
    let waited = bridge
        .call_ok(
            "codex_wait",
            json!({"thread_id": running["thread_id"], "wait_seconds": 1}),
        )
        .await;
    assert_eq!(waited["status"], "running");
    assert!(
        waited["progress"]["codex_notice"].as_str().is_some(),
        "{waited}"
    );
    let stopped = bridge
        .call_ok(
            "codex_interrupt",
            json!({"thread_id": running["thread_id"]}),
        )
        .await;
    assert_eq!(stopped["status"], "interrupted");
    assert!(stopped.get("progress").is_none(), "{stopped}");
    bridge.stop().await;

    // The command line: --timeout interrupts the turn, and --json says what it was doing.
    let output = tokio::process::Command::new(crate::common::bridge::bridge_bin())
        .args(["ask", "--json", "--timeout", "4", "hello?"])
        .envs(env.envs())
        .env("CODEX_BIN", crate::common::codex_env::codex_bin())
        .current_dir(env.workspace.path())
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("run codex-bridge ask");
    assert_eq!(output.status.code(), Some(4), "{output:?}");
    let result: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(result["status"], "interrupted", "{result}");
    let notice = result["progress"]["codex_notice"]
        .as_str()
        .unwrap_or_default();
    assert!(
        notice.contains("Reconnecting") || notice.contains("network"),
        "{result}"
    );
}

/// Results fit in the client: over `--max-result-chars`, the oldest commands are left out
/// (with a count), the ids survive, and the text says where the full record is; an answer
/// that alone is too long is cut and says so.
#[tokio::test]
async fn results_fit_the_operators_budget() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env);
    options
        .args
        .extend(["--max-result-chars".into(), "20000".into()]);
    let bridge = Bridge::start(options).await;
    // 12 commands, each printing 5,000 characters (4,000 kept per command): ~50,000 in all.
    let result = bridge
        .call(
            "codex_ask",
            json!({"prompt": "REPEAT:12 head -c 5000 /dev/zero | tr '\\0' x", "wait_seconds": 120}),
        )
        .await;
    let text = crate::common::bridge::text_of(&result);
    let structured = result.structured_content.clone().expect("structured");
    let size = text.chars().count() + structured.to_string().chars().count();
    assert!(size <= 20_000, "{size} characters");
    assert_eq!(structured["status"], "completed", "{structured}");
    assert_eq!(structured["text"], "done after 12 commands");
    let kept = structured["commands"].as_array().map(Vec::len).unwrap_or(0);
    let omitted = structured["omitted"]["commands"]
        .as_u64()
        .expect("omitted count");
    assert_eq!(kept as u64 + omitted, 12, "{structured}");
    assert!(omitted > 0 && kept > 0, "{kept} kept, {omitted} omitted");
    assert!(structured["thread_id"].is_string() && structured["turn_id"].is_string());
    assert!(
        text.contains("the full record: codex_read_thread"),
        "{text}"
    );
    assert!(structured.get("text_truncated").is_none());
    // An answer longer than the whole budget is cut, and says so.
    let long = bridge
        .call_ok("codex_ask", json!({"prompt": "DELTAS:30000"}))
        .await;
    assert_eq!(long["text_truncated"], true);
    let kept = long["text"]
        .as_str()
        .map(|t| t.chars().count())
        .unwrap_or(0);
    assert!(kept > 5_000 && kept < 10_000, "{kept}");
    bridge.stop().await;
}

crate::both_transports!(
    a_turn_past_its_wait_returns_running_and_codex_wait_finishes_it,
    a_result_nobody_waited_for_is_kept_for_codex_wait,
    progress_is_throttled_and_ends_with_a_final_notification,
    cancelling_a_call_interrupts_its_turn_and_the_thread_takes_the_next_one,
    read_thread_returns_turns_oldest_first,
    fifty_concurrent_asks_each_get_their_own_answer,
    cancelling_codex_wait_interrupts_the_turn_it_waits_for,
);
