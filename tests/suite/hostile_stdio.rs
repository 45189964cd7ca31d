//! Garbage on the MCP stdin: the bridge answers what it can, and keeps serving.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
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
    assert_eq!(
        tools["result"]["tools"].as_array().map(Vec::len),
        Some(crate::common::TOOLS.len())
    );
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

/// Every request line gets an answer, even one that cannot be parsed: JSON-RPC's -32700
/// with the request's id where it can still be read, id null where it cannot; -32600 for
/// JSON that is not a message. Then the server keeps serving.
#[tokio::test]
async fn every_line_on_stdin_gets_an_answer() {
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
    let initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
    stdin
        .write_all(
            format!(
                "{initialize}\n{{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}}\n"
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    read_response(&mut lines, 1).await;
    // (line, the id its answer must carry, JSON-RPC code, words in the message)
    let cases: Vec<(Vec<u8>, Value, i64, &str)> = vec![
        (
            br#"{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"codex_ask","arguments":{"prompt":"\ud800"}}}"#.to_vec(),
            json!(10),
            -32700,
            "surrogate",
        ),
        (b"this is not json".to_vec(), Value::Null, -32700, "not JSON"),
        (
            br#"{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"codex_ask""#.to_vec(),
            Value::Null,
            -32700,
            "not JSON",
        ),
        (
            [
                br#"{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"codex_ask","arguments":{"prompt":""#.as_slice(),
                b"\xff\xfe",
                br#""}}}"#.as_slice(),
            ]
            .concat(),
            json!(12),
            -32700,
            "UTF-8",
        ),
        (
            br#"{"jsonrpc":"2.0","id":13,"method":7}"#.to_vec(),
            json!(13),
            -32600,
            "Invalid request",
        ),
    ];
    for (line, id, code, words) in cases {
        let mut bytes = line.clone();
        bytes.push(b'\n');
        stdin.write_all(&bytes).await.expect("write");
        let answer = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("an answer in time")
            .expect("read")
            .expect("the server is still up");
        let answer: Value = serde_json::from_str(&answer).expect("JSON-RPC");
        let shown = String::from_utf8_lossy(&line);
        assert_eq!(answer["id"], id, "{shown}: {answer}");
        assert!(
            answer.as_object().is_some_and(|a| a.contains_key("id")),
            "JSON-RPC 2.0: an error carries `id`, null when it could not be read: {answer}"
        );
        assert_eq!(answer["error"]["code"], code, "{shown}: {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(words)),
            "{shown}: {answer}"
        );
    }
    // A notification that cannot be read gets no answer; the next request does.
    stdin
        .write_all(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":\"\\ud800\"}\n{\"jsonrpc\":\"2.0\",\"id\":20,\"method\":\"tools/list\"}\n")
        .await
        .expect("write");
    let next = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("an answer in time")
        .expect("read")
        .expect("the server is still up");
    let next: Value = serde_json::from_str(&next).expect("JSON-RPC");
    assert_eq!(next["id"], 20, "the notification was not answered: {next}");
    assert!(next["result"]["tools"]
        .as_array()
        .is_some_and(|t| !t.is_empty()));
    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
}
