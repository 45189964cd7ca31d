//! End to end: the built bridge over MCP stdio, the REAL `codex app-server` (pinned npm
//! package) that it starts itself, and a fake model the tests control.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::bridge::{text_of, Bridge, BridgeOptions, Transport};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;
use crate::common::process::{alive, app_server_of, gone};

struct Setup {
    model: FakeModel,
    env: CodexEnv,
    bridge: Bridge,
}

impl Setup {
    async fn new() -> Setup {
        Setup::over(Transport::Stdio).await
    }

    async fn over(transport: Transport) -> Setup {
        let model = FakeModel::start().await;
        let env = CodexEnv::new(&model);
        let bridge = Bridge::start(BridgeOptions::embedded(&env).over(transport)).await;
        Setup { model, env, bridge }
    }

    fn workspace(&self) -> String {
        self.env.workspace.path().display().to_string()
    }

    async fn ask(&self, prompt: &str) -> Value {
        self.bridge
            .call_ok(
                "codex_ask",
                json!({"prompt": prompt, "cwd": self.workspace()}),
            )
            .await
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {value}"))
}

async fn ask_returns_the_answer_with_ids_usage_and_text(transport: Transport) {
    let setup = Setup::over(transport).await;
    let result = setup
        .bridge
        .call(
            "codex_ask",
            json!({"prompt": "hello there", "cwd": setup.workspace()}),
        )
        .await;
    assert_eq!(result.is_error, Some(false));
    let structured = result
        .structured_content
        .clone()
        .expect("structuredContent");
    assert_eq!(structured["status"], "completed");
    assert_eq!(structured["text"], "answer: hello there");
    assert!(!str_of(&structured, "thread_id").is_empty());
    assert!(!str_of(&structured, "turn_id").is_empty());
    assert_eq!(structured["usage"]["total_tokens"], 15);
    assert_eq!(structured["commands"], json!([]));
    assert_eq!(structured["approvals"], json!([]));
    // The same answer is readable as text.
    let text = text_of(&result);
    assert!(text.contains("answer: hello there"), "{text}");
    assert!(text.contains(str_of(&structured, "thread_id")), "{text}");
    // The prompt reached the model as the user's message.
    let requests = setup.model.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests[0].to_string().contains("hello there"));
    setup.bridge.stop().await;
}

async fn continue_runs_the_next_turn_with_the_thread_history(transport: Transport) {
    let setup = Setup::over(transport).await;
    let first = setup.ask("first prompt").await;
    let thread_id = str_of(&first, "thread_id").to_string();
    let second = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "HISTORY"}),
        )
        .await;
    assert_eq!(second["thread_id"], thread_id.as_str());
    assert_ne!(second["turn_id"], first["turn_id"]);
    assert_eq!(second["text"], "first prompt | HISTORY");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn a_thread_from_an_earlier_bridge_process_is_resumed_with_its_history() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let first_bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    let first = first_bridge
        .call_ok("codex_ask", json!({"prompt": "remember alpha"}))
        .await;
    let thread_id = str_of(&first, "thread_id").to_string();
    first_bridge.stop().await;

    let second_bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    let next = second_bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "HISTORY", "sandbox": "workspace-write"}),
        )
        .await;
    assert_eq!(next["status"], "completed");
    assert_eq!(next["text"], "remember alpha | HISTORY");
    // The sandbox of THIS call reached Codex although resume would have dropped it.
    let last_request = model.requests().last().expect("a request").to_string();
    assert!(
        last_request.contains("workspace-write"),
        "the turn's sandbox reached the model's instructions"
    );
    second_bridge.stop().await;
}

#[tokio::test]
async fn list_threads_shows_named_threads_with_a_cursor() {
    let setup = Setup::new().await;
    let named = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "list me", "name": "reviewer-notes", "cwd": setup.workspace()}),
        )
        .await;
    setup.ask("second thread").await;
    let page = setup
        .bridge
        .call_ok("codex_list_threads", json!({"limit": 1}))
        .await;
    assert_eq!(page["threads"].as_array().map(Vec::len), Some(1));
    let cursor = str_of(&page, "next_cursor").to_string();
    let all = setup
        .bridge
        .call_ok("codex_list_threads", json!({"limit": 10}))
        .await;
    let threads = all["threads"].as_array().expect("threads");
    assert_eq!(threads.len(), 2);
    let entry = threads
        .iter()
        .find(|thread| thread["id"] == named["thread_id"])
        .expect("named thread listed");
    assert_eq!(entry["name"], "reviewer-notes");
    assert_eq!(entry["preview"], "list me");
    assert!(entry["created_at"].as_i64().is_some());
    assert!(entry["status"].is_string());
    let next = setup
        .bridge
        .call_ok("codex_list_threads", json!({"limit": 1, "cursor": cursor}))
        .await;
    assert_eq!(next["threads"].as_array().map(Vec::len), Some(1));
    assert_ne!(next["threads"][0]["id"], page["threads"][0]["id"]);
    let searched = setup
        .bridge
        .call_ok("codex_list_threads", json!({"search": "reviewer"}))
        .await;
    assert_eq!(searched["threads"].as_array().map(Vec::len), Some(1));
    setup.bridge.stop().await;
}

async fn deny_declines_the_command_and_the_model_sees_the_rejection(transport: Transport) {
    let setup = Setup::over(transport).await;
    let result = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUN: echo hi42", "cwd": setup.workspace(), "approval_policy": "deny"}),
        )
        .await;
    assert_eq!(result["status"], "completed");
    let text = str_of(&result, "text");
    assert!(text.contains("rejected by user"), "{text}");
    assert!(
        !text.contains("hi42\n"),
        "the command must not have run: {text}"
    );
    let approvals = result["approvals"].as_array().expect("approvals");
    assert_eq!(approvals.len(), 1, "{result}");
    assert_eq!(approvals[0]["kind"], "command");
    assert_eq!(approvals[0]["decision"], "decline");
    assert_eq!(approvals[0]["decided_by"], "policy");
    assert!(str_of(&approvals[0], "subject").contains("echo hi42"));
    setup.bridge.stop().await;
}

async fn allow_accepts_the_command_and_the_model_sees_its_output(transport: Transport) {
    let setup = Setup::over(transport).await;
    let result = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUN: echo hi42", "cwd": setup.workspace(), "approval_policy": "allow"}),
        )
        .await;
    assert_eq!(result["status"], "completed");
    let text = str_of(&result, "text");
    assert!(text.contains("hi42"), "{text}");
    assert!(!text.contains("rejected"), "{text}");
    assert_eq!(result["approvals"][0]["decision"], "accept");
    let commands = result["commands"].as_array().expect("commands");
    assert_eq!(commands.len(), 1, "{result}");
    assert!(str_of(&commands[0], "command").contains("echo hi42"));
    assert_eq!(commands[0]["exit_code"], 0);
    assert!(str_of(&commands[0], "output").contains("hi42"));
    setup.bridge.stop().await;
}

#[tokio::test]
async fn allow_is_refused_unless_the_operator_permits_it() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env);
    options.args.retain(|arg| arg != "--allow-approvals");
    let bridge = Bridge::start(options).await;
    let message = bridge
        .call_err(
            "codex_ask",
            json!({"prompt": "RUN: echo hi42", "approval_policy": "allow"}),
        )
        .await;
    assert!(message.contains("--allow-approvals"), "{message}");
    assert!(model.requests().is_empty(), "nothing reached Codex");
    bridge.stop().await;
}

#[tokio::test]
async fn a_model_failure_is_a_failed_turn_with_its_message() {
    let setup = Setup::new().await;
    let result = setup
        .bridge
        .call(
            "codex_ask",
            json!({"prompt": "FAIL", "cwd": setup.workspace()}),
        )
        .await;
    assert_eq!(result.is_error, Some(true), "a failed turn is a tool error");
    let structured = result
        .structured_content
        .clone()
        .expect("structuredContent");
    assert_eq!(structured["status"], "failed");
    let error = str_of(&structured, "error");
    assert!(!error.is_empty());
    assert!(
        text_of(&result).contains(error),
        "the error is readable as text"
    );
    // The thread is still there and takes the next turn.
    let next = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": structured["thread_id"], "prompt": "again"}),
        )
        .await;
    assert_eq!(next["text"], "answer: again");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn output_schema_returns_the_structured_answer() {
    let setup = Setup::new().await;
    let schema = json!({
        "type": "object",
        "properties": {"answer": {"type": "integer"}},
        "required": ["answer"],
        "additionalProperties": false
    });
    let result = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "JSON: {\"answer\":42}", "cwd": setup.workspace(), "output_schema": schema}),
        )
        .await;
    assert_eq!(result["structured"], json!({"answer": 42}));
    // Codex sent the schema to the model as the response format.
    let request = setup.model.requests().pop().expect("request");
    assert!(
        request
            .to_string()
            .contains("\"additionalProperties\":false"),
        "schema forwarded: {}",
        request["text"]
    );
    setup.bridge.stop().await;
}

async fn bad_input_gets_clear_tool_errors_and_the_server_keeps_serving(transport: Transport) {
    let setup = Setup::over(transport).await;
    let outside = tempfile::tempdir().expect("outside dir");
    let ws = setup.workspace();
    let unknown_thread = "019a0000-0000-7000-8000-000000000000";
    let cases: Vec<(&str, Value, &str)> = vec![
        ("codex_ask", json!({"prompt": ""}), "`prompt` is empty"),
        ("codex_ask", json!({"prompt": "   \n"}), "`prompt` is empty"),
        (
            "codex_ask",
            json!({"prompt": "hi", "cwd": "relative/dir"}),
            "absolute",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "cwd": format!("{ws}/missing")}),
            "cannot be used",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "cwd": outside.path()}),
            "outside the allowed roots",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "sandbox": "yolo"}),
            "`sandbox` got \"yolo\"",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "sandbox": "danger-full-access"}),
            "maximum",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "approval_policy": "sometimes"}),
            "`approval_policy` got",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "approval_policy": "ask", "approval_timeout_seconds": 0}),
            "approval_timeout_seconds",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "allow_commands": ["ls; rm -rf /"]}),
            "plain command prefix",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "effort": "extreme"}),
            "is not a reasoning effort",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "wait_seconds": -1}),
            "wait_seconds",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "output_schema": "not a schema"}),
            "output_schema",
        ),
        ("codex_ask", json!({"prompt": 5}), "`prompt` got 5"),
        ("codex_ask", json!({}), "prompt"),
        (
            "codex_continue_thread",
            json!({"thread_id": "../../etc/passwd", "prompt": "hi"}),
            "not a Codex thread id",
        ),
        (
            "codex_continue_thread",
            json!({"thread_id": unknown_thread, "prompt": "hi"}),
            "codex_list_threads",
        ),
        (
            "codex_continue_thread",
            json!({"thread_id": unknown_thread, "prompt": ""}),
            "`prompt` is empty",
        ),
        ("codex_list_threads", json!({"limit": 0}), "limit"),
        ("codex_list_threads", json!({"limit": -3}), "limit"),
        ("codex_list_threads", json!({"limit": 100000}), "limit"),
        (
            "codex_list_threads",
            json!({"cursor": "garbage-cursor"}),
            "cursor",
        ),
        ("codex_list_threads", json!({"cwd": "relative"}), "absolute"),
        (
            "codex_read_thread",
            json!({"thread_id": unknown_thread}),
            "not found",
        ),
        (
            "codex_wait",
            json!({"thread_id": "bad id!"}),
            "not a Codex thread id",
        ),
    ];
    let huge = "x".repeat(1_048_577);
    let more: Vec<(&str, Value, &str)> = vec![
        ("codex_ask", json!({"prompt": huge}), "at most 1048576"),
        (
            "codex_ask",
            json!({"prompt": "hi", "cwd": "/tmp/\u{202e}nope\u{0}"}),
            "cwd",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "wait_seconds": 1e300}),
            "wait_seconds",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "wait_seconds": "soon"}),
            "`wait_seconds` got",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "model": "  "}),
            "`model` is empty",
        ),
        (
            "codex_ask",
            json!({"prompt": "hi", "output_schema": [1, 2]}),
            "output_schema",
        ),
        ("codex_ask", json!({"prompt": null}), "`prompt` is required"),
        (
            "codex_ask",
            json!({"prompt": "hi", "ephemeral": "yes"}),
            "`ephemeral` got",
        ),
        (
            "codex_continue_thread",
            json!({"thread_id": 123, "prompt": "hi"}),
            "`thread_id` got 123",
        ),
        (
            "codex_continue_thread",
            json!({"prompt": "hi"}),
            "thread_id",
        ),
        (
            "codex_continue_thread",
            json!({"thread_id": "\u{1F600}\u{200B}", "prompt": "hi"}),
            "not a Codex thread id",
        ),
        ("codex_list_threads", json!({"limit": "ten"}), "`limit` got"),
        (
            "codex_read_thread",
            json!({"thread_id": unknown_thread, "limit": -1}),
            "limit",
        ),
        (
            "codex_read_thread",
            json!({"thread_id": ""}),
            "not a Codex thread id",
        ),
        (
            "codex_wait",
            json!({"thread_id": unknown_thread, "wait_seconds": -5}),
            "wait_seconds",
        ),
        (
            "codex_wait",
            json!({"thread_id": unknown_thread}),
            "not found",
        ),
        (
            "codex_interrupt",
            json!({"thread_id": unknown_thread}),
            "no running turn",
        ),
        (
            "codex_interrupt",
            json!({"thread_id": "a/b"}),
            "not a Codex thread id",
        ),
    ];
    let total = cases.len() + more.len();
    assert!(total >= 30, "at least 30 hostile calls, got {total}");
    for (tool, args, expected) in cases.into_iter().chain(more) {
        let result = setup.bridge.call(tool, args.clone()).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{tool} {args} should fail: {result:?}"
        );
        let text = text_of(&result);
        assert!(
            text.contains(expected),
            "{tool} {args}: expected {expected:?} in {text:?}"
        );
    }
    // Unknown _meta keys of real clients are ignored.
    let mut params = rmcp::model::CallToolRequestParams::new("codex_ask").with_arguments(
        json!({"prompt": "still here", "cwd": ws})
            .as_object()
            .cloned()
            .expect("object"),
    );
    let mut meta = serde_json::Map::new();
    meta.insert("claudecode/toolUseId".into(), json!("toolu_123"));
    meta.insert("x-codex-turn-metadata".into(), json!({"a": 1}));
    params.meta = Some(rmcp::model::RequestMetaObject(rmcp::model::MetaObject(
        meta,
    )));
    let result = setup.bridge.client.call_tool(params).await.expect("call");
    assert_eq!(
        result.structured_content.expect("structured")["text"],
        "answer: still here"
    );
    setup.bridge.stop().await;
}

async fn a_busy_thread_is_refused_until_its_turn_ends(transport: Transport) {
    let setup = Setup::over(transport).await;
    let running = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "HANG", "cwd": setup.workspace(), "wait_seconds": 0.5}),
        )
        .await;
    assert_eq!(running["status"], "running");
    let thread_id = str_of(&running, "thread_id").to_string();
    let busy = setup
        .bridge
        .call_err(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "second"}),
        )
        .await;
    assert!(busy.contains("already has a turn running"), "{busy}");
    assert!(
        busy.contains("codex_wait") && busy.contains("codex_interrupt"),
        "{busy}"
    );
    assert!(
        setup
            .model
            .wait_for_request("HANG", Duration::from_secs(10))
            .await,
        "the HANG turn reached the model"
    );
    let stopped = setup
        .bridge
        .call_ok("codex_interrupt", json!({"thread_id": thread_id}))
        .await;
    assert_eq!(stopped["status"], "interrupted");
    assert!(
        setup
            .model
            .wait_for_dropped(1, Duration::from_secs(5))
            .await,
        "the model's hanging request was dropped"
    );
    let next = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "after"}),
        )
        .await;
    assert_eq!(next["text"], "answer: after");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn closing_stdin_ends_the_bridge_and_its_app_server() {
    let setup = Setup::new().await;
    setup.ask("warm up").await;
    let app_server = app_server_of(&setup.bridge).await;
    assert!(alive(app_server));
    let status = setup.bridge.stop().await;
    assert!(status.success(), "clean exit: {status:?}");
    assert!(
        gone(app_server).await,
        "app-server {app_server} outlived the bridge"
    );
}

#[tokio::test]
async fn sigterm_ends_the_bridge_and_its_app_server() {
    let setup = Setup::new().await;
    setup.ask("warm up").await;
    let app_server = app_server_of(&setup.bridge).await;
    let mut bridge = setup.bridge;
    // SAFETY: plain kill(2) on our own child.
    unsafe {
        libc::kill(bridge.pid() as i32, libc::SIGTERM);
    }
    let status = tokio::time::timeout(Duration::from_secs(10), bridge.child.wait())
        .await
        .expect("bridge exits on SIGTERM")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    assert!(
        gone(app_server).await,
        "app-server {app_server} outlived the bridge"
    );
}

crate::both_transports!(
    ask_returns_the_answer_with_ids_usage_and_text,
    continue_runs_the_next_turn_with_the_thread_history,
    deny_declines_the_command_and_the_model_sees_the_rejection,
    allow_accepts_the_command_and_the_model_sees_its_output,
    bad_input_gets_clear_tool_errors_and_the_server_keeps_serving,
    a_busy_thread_is_refused_until_its_turn_ends,
);
