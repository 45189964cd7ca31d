//! Codex as the client: `codex exec` with the bridge's table from
//! `docs/clients/codex.config.toml` in its `config.toml`. Two Codex homes: the outer Codex's
//! (its model is a scripted fake that calls the bridge's tools) and the inner one, which the
//! table's `env` hands to the bridge (Codex passes MCP servers only a few variables of its own).

use serde_json::Value;

use super::{
    ask_then_continue, assert_asked_then_continued, assert_lists_the_tools, assert_nothing_left,
    bridge_quoted, client_command, filled, run, structured_in,
};
use crate::common::codex_env::{codex_bin, CodexEnv};
use crate::common::fake_model::FakeModel;

/// The text of every `function_call_output` in a Responses request, oldest first.
fn outputs(request: &Value) -> Vec<String> {
    request["input"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|item| item["type"] == "function_call_output")
        .map(|item| match &item["output"] {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
        .collect()
}

#[tokio::test]
async fn codex_exec_lists_asks_and_continues_a_thread() {
    let inner_model = FakeModel::start().await;
    let inner = CodexEnv::new(&inner_model);
    let outer_model = FakeModel::scripted(ask_then_continue()).await;
    let outer = CodexEnv::new(&outer_model);
    let table = filled(
        "codex.config.toml",
        &[
            ("\"codex-bridge\"", &bridge_quoted()),
            (
                "/home/me/.codex",
                &inner.codex_home.path().display().to_string(),
            ),
            (
                "/home/me/src",
                &inner.workspace.path().display().to_string(),
            ),
        ],
    );
    let config = outer.codex_home.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).expect("outer config.toml");
    text.push('\n');
    text.push_str(&table);
    std::fs::write(&config, text).expect("write outer config.toml");

    let mut command = client_command(&codex_bin(), outer.envs(), inner.workspace.path());
    command.args(["exec", "--skip-git-repo-check", "--json", "Use Codex."]);
    run(command, "codex exec").await.succeeded();

    let requests = outer_model.requests();
    assert_eq!(requests.len(), 3, "ask, continue, answer: {requests:#?}");
    // The tools come in the namespace `mcp__codex_bridge`.
    let namespace = requests[0]["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|tool| tool["name"] == "mcp__codex_bridge")
        .unwrap_or_else(|| {
            panic!(
                "no mcp__codex_bridge namespace in {:#}",
                requests[0]["tools"]
            )
        });
    let names: Vec<String> = namespace["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|tool| tool["name"].as_str().map(str::to_string))
        .collect();
    assert_lists_the_tools(&names, "");
    // What the model received next: the answer and the thread id, then the continuation.
    let asked = structured_in(&outputs(&requests[1])[0]);
    let continued = structured_in(&outputs(&requests[2])[1]);
    assert_asked_then_continued(&asked, &continued);
    assert_nothing_left(&[inner.codex_home.path(), outer.codex_home.path()]).await;
}
