//! The Python MCP SDK (`mcp`, pinned in `tests/clients/requirements.txt`): its `ClientSession`
//! with the initialize handshake, and its high-level `Client` in the default mode. The driver
//! `tests/clients/python_client.py` builds the server parameters by running
//! `docs/clients/python_sdk.py` (placeholders filled) and prints what the client saw as JSON.

use serde_json::Value;

use super::{
    assert_asked_then_continued, assert_lists_the_tools, assert_nothing_left, bridge_quoted,
    client_command, filled, installed, repo_path, run, FIRST, SECOND,
};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;

const PYTHON: &str = "target/clients-venv/bin/python";
const APPROVAL_PROMPT: &str = "RUN: echo approved-in-python";

/// Runs the driver in `mode`; returns its report.
async fn drive(mode: &str, env: &CodexEnv) -> Value {
    let dir = tempfile::Builder::new()
        .prefix("python-client-")
        .tempdir()
        .expect("temp dir");
    let parameters = dir.path().join("codex_bridge_parameters.py");
    std::fs::write(
        &parameters,
        filled(
            "python_sdk.py",
            &[
                ("\"codex-bridge\"", &bridge_quoted()),
                ("/home/me/src", &env.workspace.path().display().to_string()),
            ],
        ),
    )
    .expect("write the parameters");
    let mut command = client_command(&installed(PYTHON), env.envs(), env.workspace.path());
    command
        .arg(repo_path("tests/clients/python_client.py"))
        .arg(mode)
        .arg(&parameters)
        .env("PROMPT_1", FIRST)
        .env("PROMPT_2", SECOND)
        .env("APPROVAL_PROMPT", APPROVAL_PROMPT);
    run(command, &format!("python mcp ({mode})"))
        .await
        .succeeded()
        .json()
}

fn call(report: &Value, n: usize) -> &Value {
    let call = &report["calls"][n];
    assert_eq!(call["is_error"], false, "call {n} failed: {report:#}");
    &call["structured"]
}

fn tools(report: &Value) -> Vec<String> {
    report["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|name| name.as_str().map(str::to_string))
        .collect()
}

/// The approval in `result` was put to the client's elicitation callback and accepted, and the
/// command ran.
fn assert_approved_by_the_human(report: &Value, result: &Value) {
    let approval = &result["approvals"][0];
    assert_eq!(
        approval["decided_by"], "human",
        "the approval was not put to the client's elicitation callback: {approval}\n\
         what the client saw: {report:#}"
    );
    assert_eq!(approval["decision"], "accept", "{report:#}");
    let asked = report["elicitations"].as_array().expect("elicitations");
    assert_eq!(asked.len(), 1, "{report:#}");
    assert!(
        asked[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("echo approved-in-python")),
        "{report:#}"
    );
    assert!(
        result["commands"][0]["output"]
            .as_str()
            .is_some_and(|out| out.contains("approved-in-python")),
        "the command ran: {result}"
    );
}

async fn assert_nothing_left_of(env: &CodexEnv) {
    assert_nothing_left(&[env.codex_home.path()]).await;
}

#[tokio::test]
async fn python_client_session_lists_asks_continues_and_answers_an_approval() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let report = drive("session", &env).await;
    assert_eq!(report["protocol_version"], "2025-11-25", "{report:#}");
    assert_lists_the_tools(&tools(&report), "");
    assert_asked_then_continued(call(&report, 0), call(&report, 1));
    // Progress notifications reached the client's callback.
    let progress = report["progress"].as_array().expect("progress");
    assert!(
        progress.iter().any(|p| p["message"]
            .as_str()
            .is_some_and(|m| m.contains("turn started"))),
        "{report:#}"
    );
    assert_approved_by_the_human(&report, call(&report, 2));
    assert_nothing_left_of(&env).await;
}

#[tokio::test]
async fn python_high_level_client_lists_asks_and_continues() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let report = drive("client", &env).await;
    eprintln!("negotiated {}", report["protocol_version"]);
    assert_lists_the_tools(&tools(&report), "");
    assert_asked_then_continued(call(&report, 0), call(&report, 1));
    assert_nothing_left_of(&env).await;
}

#[tokio::test]
async fn python_high_level_client_answers_an_ask_approval_through_its_callback() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let report = drive("client-approval", &env).await;
    eprintln!("negotiated {}", report["protocol_version"]);
    assert_approved_by_the_human(&report, call(&report, 0));
    assert_nothing_left_of(&env).await;
}
