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
    let unknown_tool = read_response(&mut lines, 2).await;
    assert!(
        unknown_tool["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not found")),
        "{unknown_tool}"
    );
    let tools = read_response(&mut lines, 3).await;
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
    loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("an answer in time")
            .expect("read")
            .expect("the server is still up");
        let Ok(message) = serde_json::from_str::<Value>(&line) else {
            panic!("stdout must hold only JSON-RPC: {line}");
        };
        if message["id"] == id {
            return message;
        }
    }
}
