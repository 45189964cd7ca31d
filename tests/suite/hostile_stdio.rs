//! Garbage on the MCP stdin: the bridge answers what it can, and keeps serving.

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::bridge::bridge_bin;

#[tokio::test]
async fn garbage_json_rpc_on_stdin_does_not_stop_the_server() {
    let workspace = tempfile::tempdir().expect("workspace");
    let mut child = tokio::process::Command::new(bridge_bin())
        .args(["serve", "--codex-bin", "/nonexistent/codex"])
        .current_dir(workspace.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let garbage = [
        "this is not json",
        "[1,2,3]",
        "{\"jsonrpc\":\"2.0\",\"id\":\"x\",\"method\":\"nonsense\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"y\"}",
        "\u{feff}{{{{",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}",
    ];
    for line in garbage {
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("write");
    }
    let initialized = read_response(&mut lines, 1).await;
    assert_eq!(initialized["result"]["serverInfo"]["name"], "codex-bridge");
    for line in [
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
        "not json again",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"no_such_tool\",\"arguments\":{}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}",
    ] {
        stdin.write_all(format!("{line}\n").as_bytes()).await.expect("write");
    }
    // Requests are served concurrently: answers may come in any order.
    let mut answers = read_responses(&mut lines, &[2, 3]).await;
    let unknown_tool = answers.remove(&2).expect("answer 2");
    assert!(
        unknown_tool["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not found")),
        "{unknown_tool}"
    );
    let tools = answers.remove(&3).expect("answer 3");
    assert_eq!(tools["result"]["tools"].as_array().map(Vec::len), Some(6));
    drop(stdin);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits when stdin closes")
        .expect("wait");
    assert!(status.success());
}

async fn read_response(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    id: i64,
) -> Value {
    let mut answers = read_responses(lines, &[id]).await;
    answers.remove(&id).expect("answer")
}

/// Read stdout until every id in `ids` has its answer; other lines are skipped.
async fn read_responses(
    lines: &mut tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    ids: &[i64],
) -> std::collections::HashMap<i64, Value> {
    let mut answers = std::collections::HashMap::new();
    while answers.len() < ids.len() {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("an answer in time")
            .expect("read")
            .expect("the server is still up");
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            panic!("stdout must hold only JSON-RPC: {line}");
        };
        if let Some(id) = message["id"].as_i64().filter(|id| ids.contains(id)) {
            answers.insert(id, message);
        }
    }
    answers
}
