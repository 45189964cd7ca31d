//! Soak: a few hundred mixed calls against the real app-server through the built bridge,
//! then the checks that only show over time: every call answered, memory flat, nothing
//! pending, no process left behind. Prints its figures.
//!
//! Not part of `cargo test` (it takes about a minute): run it with
//! `cargo test --test soak -- --nocapture` (`SOAK_CALLS=N` to change the number of calls).

mod common;

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use common::bridge::{Bridge, BridgeOptions};
use common::codex_env::CodexEnv;
use common::fake_model::FakeModel;
use common::process::{app_server_of, children_of, gone};

/// Calls in flight at once.
const PARALLEL: usize = 8;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Ask,
    Continue,
    List,
    Cancelled,
    Failing,
}

async fn one_call(bridge: &Bridge, model: &FakeModel, n: usize, thread: &Value) -> (Kind, bool) {
    let kind = match n % 10 {
        0 | 1 | 2 => Kind::Ask,
        3 | 4 | 5 => Kind::Continue,
        6 | 7 => Kind::List,
        8 => Kind::Cancelled,
        _ => Kind::Failing,
    };
    let ok = match kind {
        Kind::Ask => {
            let result = bridge
                .call_ok("codex_ask", json!({"prompt": format!("soak {n}")}))
                .await;
            result["text"] == format!("answer: soak {n}")
        }
        Kind::Continue => {
            // Turns on one thread are serialised by the bridge; a busy refusal is a correct answer.
            let result = bridge
                .call(
                    "codex_continue_thread",
                    json!({"thread_id": thread["thread_id"], "prompt": format!("again {n}")}),
                )
                .await;
            match result.structured_content {
                Some(value) => value["text"] == format!("answer: again {n}"),
                None => common::bridge::text_of(&result).contains("already has a turn running"),
            }
        }
        Kind::List => {
            let list = bridge
                .call_ok("codex_list_threads", json!({"limit": 5}))
                .await;
            list["threads"]
                .as_array()
                .is_some_and(|threads| !threads.is_empty())
        }
        Kind::Cancelled => {
            let before = model.dropped_connections();
            let handle = bridge
                .call_cancellable("codex_ask", json!({"prompt": format!("HANG {n}")}))
                .await;
            // Cancel once Codex is really working on it (the model has the request).
            if !model
                .wait_for_request(&format!("HANG {n}"), Duration::from_secs(10))
                .await
            {
                return (kind, false);
            }
            handle.cancel(Some("soak".into())).await.expect("cancel");
            model
                .wait_for_dropped(before + 1, Duration::from_secs(10))
                .await
        }
        Kind::Failing => {
            let result = bridge.call("codex_ask", json!({"prompt": "FAIL"})).await;
            result.is_error == Some(true)
                && result
                    .structured_content
                    .is_some_and(|value| value["status"] == "failed")
        }
    };
    (kind, ok)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak() {
    let calls: usize = std::env::var("SOAK_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    let thread = bridge
        .call_ok("codex_ask", json!({"prompt": "soak thread"}))
        .await;
    let bridge_pid = bridge.pid();
    let app_server = app_server_of(&bridge).await;
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut failures = Vec::new();
    let mut answered = 0;
    for batch in (0..calls).collect::<Vec<_>>().chunks(PARALLEL) {
        let results = futures_util::future::join_all(
            batch.iter().map(|&n| one_call(&bridge, &model, n, &thread)),
        )
        .await;
        for (n, (kind, ok)) in batch.iter().zip(results) {
            answered += 1;
            if !ok {
                failures.push((*n, kind));
            }
        }
        samples.push(rss_kib(bridge_pid));
    }
    let elapsed = started.elapsed();
    let quarter = (samples.len() / 4).max(1);
    let mean = |s: &[u64]| s.iter().sum::<u64>() / s.len().max(1) as u64;
    let first = mean(&samples[..quarter]);
    let last = mean(&samples[samples.len() - quarter..]);
    let (status, log) = bridge.stop_with_log().await;
    let closing = log
        .lines()
        .rev()
        .find(|line| line.contains("closing the app-server session"))
        .unwrap_or("")
        .to_string();
    println!("soak: {calls} calls ({PARALLEL} at a time) in {elapsed:?}");
    println!(
        "soak: answered {answered}/{calls}, wrong answers {}",
        failures.len()
    );
    println!("soak: bridge RSS first quarter {first} KiB, last quarter {last} KiB");
    println!("soak: at shutdown: {closing}");
    assert_eq!(answered, calls, "every call answered");
    assert!(failures.is_empty(), "wrong answers: {failures:?}");
    assert!(status.success(), "{status:?}");
    assert!(
        last <= first + first / 5 + 2_048,
        "bridge RSS grew from {first} KiB to {last} KiB"
    );
    assert!(
        closing.contains("pending_requests=0"),
        "no request left pending: {closing}"
    );
    assert!(gone(app_server).await, "no orphaned app-server");
    assert!(children_of(bridge_pid).is_empty(), "no children left");
}
