//! Spare threads (`serve --spare-threads N`, 1 by default with the embedded app-server): a
//! thread started ahead of time serves the next `codex_ask` whose thread-level settings it
//! has, and nobody ever sees one. Against the real app-server: nothing listed or written
//! before a spare's first turn, the right cwd and name on the thread it becomes, no spare for
//! an ask with instructions or another cwd, instruction files written after a spare started
//! still reach the new thread, and a shared app-server refuses the setting.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::bridge::{bridge_bin, Bridge, BridgeOptions};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;

/// What the bridge logs (at debug) when a spare thread is ready, and when one serves an ask.
const READY: &str = "spare thread ready";
const USED: &str = "new thread from a spare";

async fn start(env: &CodexEnv, extra: &[&str]) -> Bridge {
    let mut options = BridgeOptions::embedded(env);
    options.args.extend(extra.iter().map(|arg| arg.to_string()));
    options
        .envs
        .push(("CODEX_BRIDGE_LOG".into(), "codex_bridge=debug".into()));
    Bridge::start(options).await
}

/// Wait until the bridge's log says `line` at least `count` times.
async fn logged(bridge: &Bridge, line: &str, count: usize) {
    for _ in 0..200 {
        if bridge.stderr().matches(line).count() >= count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the bridge never logged {line:?} {count} times:\n{}",
        bridge.stderr()
    );
}

/// Rollout files Codex has written under CODEX_HOME (a thread is persisted in one).
fn rollouts(codex_home: &Path) -> usize {
    fn walk(dir: &Path, found: &mut usize) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "jsonl") {
                *found += 1;
            }
        }
    }
    let mut found = 0;
    walk(&codex_home.join("sessions"), &mut found);
    found
}

async fn listed(bridge: &Bridge, args: Value) -> Vec<Value> {
    let page = bridge.call_ok("codex_list_threads", args).await;
    page["threads"].as_array().cloned().unwrap_or_default()
}

/// The model requests whose body mentions `marker`.
fn requests_with(model: &FakeModel, marker: &str) -> usize {
    model
        .requests()
        .iter()
        .filter(|request| request.to_string().contains(marker))
        .count()
}

#[tokio::test]
async fn a_spare_thread_serves_codex_ask_and_is_never_seen() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let workspace = env.workspace.path().display().to_string();
    let bridge = start(&env, &[]).await;

    // Started with the app-server, before any call: listed nowhere, written nowhere.
    logged(&bridge, READY, 1).await;
    assert!(listed(&bridge, json!({})).await.is_empty());
    assert_eq!(rollouts(env.codex_home.path()), 0);

    let asked = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "spare one", "name": "from-a-spare", "cwd": workspace}),
        )
        .await;
    assert_eq!(asked["status"], "completed", "{asked}");
    assert_eq!(asked["text"], "answer: spare one");
    logged(&bridge, USED, 1).await;

    // The next spare is started once the turn is over; still only the asked thread shows.
    logged(&bridge, READY, 2).await;
    let threads = listed(&bridge, json!({})).await;
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0]["id"], asked["thread_id"]);
    assert_eq!(threads[0]["name"], "from-a-spare");
    assert_eq!(threads[0]["preview"], "spare one");
    let in_workspace = listed(&bridge, json!({"cwd": workspace})).await;
    assert_eq!(in_workspace.len(), 1, "{in_workspace:?}");

    // The thread a spare became carries on like any other.
    let next = bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": asked["thread_id"], "prompt": "and again"}),
        )
        .await;
    assert_eq!(next["text"], "answer: and again");
    bridge.stop().await;

    // A later bridge on the same CODEX_HOME finds the asked thread only: the spare that was
    // ready at shutdown left nothing behind.
    assert_eq!(rollouts(env.codex_home.path()), 1);
    let later = start(&env, &["--spare-threads", "0"]).await;
    let threads = listed(&later, json!({})).await;
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert!(
        !later.stderr().contains(READY),
        "--spare-threads 0 keeps none"
    );
    later.stop().await;
}

#[tokio::test]
async fn an_ask_a_spare_does_not_fit_starts_its_own_thread() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let workspace = env.workspace.path().to_path_buf();
    let sub = workspace.join("sub");
    std::fs::create_dir(&sub).expect("mkdir sub");
    let bridge = start(&env, &[]).await;
    logged(&bridge, READY, 1).await;

    // Instructions are thread-level: no spare has them.
    let instructed = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "instructed", "developer_instructions": "MARKER-be-terse", "cwd": workspace}),
        )
        .await;
    assert_eq!(instructed["text"], "answer: instructed");
    assert_eq!(requests_with(&model, "MARKER-be-terse"), 1);
    assert!(!bridge.stderr().contains(USED), "{}", bridge.stderr());

    // Another cwd: the thread starts there (listings filter on it), not in the spare's.
    let elsewhere = bridge
        .call_ok("codex_ask", json!({"prompt": "in sub", "cwd": sub}))
        .await;
    assert_eq!(elsewhere["text"], "answer: in sub");
    let in_sub = listed(&bridge, json!({"cwd": sub})).await;
    assert_eq!(in_sub.len(), 1, "{in_sub:?}");
    assert_eq!(in_sub[0]["id"], elsewhere["thread_id"]);
    assert!(!bridge.stderr().contains(USED), "{}", bridge.stderr());

    // Spares now start where asks go: the next ask in `sub` gets one.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let asked = bridge
                .call_ok("codex_ask", json!({"prompt": "in sub again", "cwd": sub}))
                .await;
            assert_eq!(asked["text"], "answer: in sub again");
            if bridge.stderr().contains(USED) {
                return asked;
            }
        }
    })
    .await
    .expect("a spare in the new cwd serves an ask");
    let in_sub = listed(&bridge, json!({"cwd": sub})).await;
    assert!(in_sub.len() >= 2, "{in_sub:?}");
    let everywhere = listed(&bridge, json!({})).await;
    assert_eq!(everywhere.len(), in_sub.len() + 1, "{everywhere:?}");
    bridge.stop().await;
}

#[tokio::test]
async fn instruction_files_written_after_a_spare_started_still_reach_the_thread() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let workspace = env.workspace.path().to_path_buf();
    let bridge = start(&env, &[]).await;
    logged(&bridge, READY, 1).await;

    // Codex reads the project's AGENTS.md when a thread starts: the ready spare has not.
    std::fs::write(workspace.join("AGENTS.md"), "MARKER-agents-file\n").expect("AGENTS.md");
    let asked = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "after agents", "cwd": workspace}),
        )
        .await;
    assert_eq!(asked["text"], "answer: after agents");
    assert_eq!(
        requests_with(&model, "MARKER-agents-file"),
        1,
        "the new thread has the instructions written after the spare started"
    );
    assert!(
        bridge
            .stderr()
            .contains("configuration changed since the spare thread started"),
        "{}",
        bridge.stderr()
    );
    bridge.stop().await;
}

#[tokio::test]
async fn spare_threads_are_refused_on_a_shared_app_server() {
    let output = tokio::process::Command::new(bridge_bin())
        .args([
            "serve",
            "--app-server-url",
            "ws://127.0.0.1:9/",
            "--spare-threads",
            "2",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("run the bridge");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--spare-threads needs the app-server the bridge starts itself"),
        "{stderr}"
    );
    assert!(stderr.contains("set it to 0"), "{stderr}");
}

#[tokio::test]
async fn a_spare_thread_count_out_of_range_is_refused_with_the_range() {
    for count in ["-1", "9"] {
        let output = tokio::process::Command::new(bridge_bin())
            .args(["serve", "--spare-threads", count])
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .expect("run the bridge");
        assert_eq!(output.status.code(), Some(2), "--spare-threads {count}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("{count} is not in 0..=8")),
            "--spare-threads {count}: {stderr}"
        );
    }
}
