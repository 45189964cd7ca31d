//! Approvals end to end: `ask` through MCP elicitation (every answer a human can give, and
//! none), allow-lists, Codex's ask-for-everything mode, and the operator's ceilings. What the
//! fake model sees next proves whether the command really ran.

use std::time::{Duration, Instant};

use rmcp::model::ElicitationAction;
use serde_json::{json, Value};

use crate::common::bridge::{Bridge, BridgeOptions, Elicitation, Transport};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;

struct Setup {
    _model: FakeModel,
    env: CodexEnv,
    bridge: Bridge,
}

async fn setup(elicitation: Elicitation) -> Setup {
    setup_with(elicitation, true).await
}

async fn setup_over(elicitation: Elicitation, transport: Transport) -> Setup {
    setup_on(elicitation, true, transport).await
}

async fn setup_with(elicitation: Elicitation, operator_allows: bool) -> Setup {
    setup_on(elicitation, operator_allows, Transport::Stdio).await
}

async fn setup_on(elicitation: Elicitation, operator_allows: bool, transport: Transport) -> Setup {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env).over(transport);
    options.elicitation = elicitation;
    if !operator_allows {
        options.args.retain(|arg| arg != "--allow-approvals");
    }
    let bridge = Bridge::start(options).await;
    Setup {
        _model: model,
        env,
        bridge,
    }
}

async fn ask_to_run(setup: &Setup, command: &str, extra: Value) -> Value {
    let mut args = json!({"prompt": format!("RUN: {command}"), "approval_policy": "ask"});
    if let (Some(args), Some(extra)) = (args.as_object_mut(), extra.as_object()) {
        args.extend(extra.clone());
    }
    setup.bridge.call_ok("codex_ask", args).await
}

fn approval(result: &Value) -> &Value {
    let approvals = result["approvals"].as_array().expect("approvals");
    assert_eq!(approvals.len(), 1, "one approval in {result}");
    &approvals[0]
}

fn ran(result: &Value, marker: &str) -> bool {
    let text = result["text"].as_str().expect("text");
    let rejected = text.contains("rejected by user");
    let ran = text.contains(marker) && !rejected;
    assert!(
        ran || rejected || result["status"] == "interrupted",
        "unexpected answer {text}"
    );
    ran
}

async fn ask_accept_runs_the_command_and_the_prompt_says_it_leaves_the_sandbox(
    transport: Transport,
) {
    let setup = setup_over(Elicitation::Choose("accept"), transport).await;
    let result = ask_to_run(&setup, "echo ok-accept", json!({})).await;
    assert!(ran(&result, "ok-accept"), "{result}");
    assert_eq!(approval(&result)["decision"], "accept");
    assert_eq!(approval(&result)["decided_by"], "human");
    let asked = setup
        .bridge
        .handler
        .elicitations
        .lock()
        .expect("lock")
        .clone();
    assert_eq!(asked.len(), 1);
    let message = asked[0]["message"].as_str().expect("message");
    assert!(message.contains("echo ok-accept"), "{message}");
    assert!(message.contains("WITHOUT the sandbox"), "{message}");
    assert!(
        message.contains(&setup.env.workspace.path().display().to_string())
            || message.contains("in: "),
        "{message}"
    );
    let schema = asked[0]["requestedSchema"].as_object().expect("schema");
    let mut keys: Vec<_> = schema.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["properties", "required", "type"], "minimal schema");
    setup.bridge.stop().await;
}

async fn ask_decline_keeps_the_command_from_running(transport: Transport) {
    let setup = setup_over(Elicitation::Choose("decline"), transport).await;
    let result = ask_to_run(&setup, "echo ok-decline", json!({})).await;
    assert!(!ran(&result, "ok-decline"), "{result}");
    assert_eq!(approval(&result)["decision"], "decline");
    assert_eq!(approval(&result)["decided_by"], "human");
    setup.bridge.stop().await;
}

async fn ask_accept_for_session_runs_the_command(transport: Transport) {
    let setup = setup_over(Elicitation::Choose("accept_for_session"), transport).await;
    let result = ask_to_run(&setup, "echo ok-session", json!({})).await;
    assert!(ran(&result, "ok-session"), "{result}");
    assert_eq!(approval(&result)["decision"], "accept_for_session");
    setup.bridge.stop().await;
}

async fn ask_cancel_ends_the_turn(transport: Transport) {
    let setup = setup_over(Elicitation::Choose("cancel"), transport).await;
    let result = ask_to_run(&setup, "echo ok-cancel", json!({})).await;
    assert_eq!(result["status"], "interrupted", "{result}");
    assert_eq!(approval(&result)["decision"], "cancel");
    setup.bridge.stop().await;
}

async fn a_dismissed_elicitation_counts_as_decline(transport: Transport) {
    let setup = setup_over(Elicitation::Dismiss(ElicitationAction::Cancel), transport).await;
    let result = ask_to_run(&setup, "echo ok-dismissed", json!({})).await;
    assert!(!ran(&result, "ok-dismissed"), "{result}");
    assert_eq!(approval(&result)["decision"], "decline");
    assert_eq!(approval(&result)["decided_by"], "human");
    setup.bridge.stop().await;
}

async fn a_client_without_elicitation_gets_a_decline_saying_so(transport: Transport) {
    let setup = setup_over(Elicitation::Unsupported, transport).await;
    let result = ask_to_run(&setup, "echo ok-unsupported", json!({})).await;
    assert!(!ran(&result, "ok-unsupported"), "{result}");
    assert_eq!(approval(&result)["decision"], "decline");
    assert_eq!(approval(&result)["decided_by"], "no_elicitation_support");
    setup.bridge.stop().await;
}

async fn nobody_answering_is_declined_at_the_deadline_and_the_turn_finishes(transport: Transport) {
    let setup = setup_over(Elicitation::Never, transport).await;
    let started = Instant::now();
    let result = ask_to_run(
        &setup,
        "echo ok-timeout",
        json!({"approval_timeout_seconds": 1, "wait_seconds": 30}),
    )
    .await;
    assert_eq!(result["status"], "completed", "no hang: {result}");
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(!ran(&result, "ok-timeout"), "{result}");
    assert_eq!(approval(&result)["decided_by"], "timeout");
    setup.bridge.stop().await;
}

/// The lifecycle of an `ask` request: it outlives the call that started the turn; that
/// call's elicitation is withdrawn when it stops waiting; the `running` result lists the
/// request with its deadline; the owner's next watching call (codex_wait) asks again, and
/// the human's answer there decides it.
async fn a_pending_request_outlives_its_call_and_is_asked_again_by_codex_wait(
    transport: Transport,
) {
    let setup = setup_over(Elicitation::Never, transport).await;
    let running = ask_to_run(
        &setup,
        "echo ok-later",
        json!({"approval_timeout_seconds": 600, "wait_seconds": 2}),
    )
    .await;
    assert_eq!(running["status"], "running", "{running}");
    let pending = &running["progress"]["pending_requests"];
    assert_eq!(pending.as_array().map(Vec::len), Some(1), "{running}");
    assert_eq!(pending[0]["kind"], "command");
    assert!(pending[0]["subject"]
        .as_str()
        .is_some_and(|s| s.contains("echo ok-later")));
    let left = pending[0]["expires_in_seconds"].as_u64().expect("deadline");
    assert!((590..=600).contains(&left), "{left}");
    // The first call's question was withdrawn when it stopped waiting.
    let withdrawn = wait_for(|| {
        !setup
            .bridge
            .handler
            .cancelled
            .lock()
            .expect("lock")
            .is_empty()
    })
    .await;
    assert!(
        withdrawn,
        "notifications/cancelled for the first elicitation"
    );
    // The owner's next watching call asks again, and the human accepts there.
    setup
        .bridge
        .handler
        .answer_with(Elicitation::Choose("accept"));
    let done = setup
        .bridge
        .call_ok(
            "codex_wait",
            json!({"thread_id": running["thread_id"], "wait_seconds": 30}),
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(ran(&done, "ok-later"), "{done}");
    assert_eq!(approval(&done)["decided_by"], "human");
    assert!(
        done.get("progress").is_none(),
        "no progress once completed: {done}"
    );
    let asked = setup
        .bridge
        .handler
        .elicitations
        .lock()
        .expect("lock")
        .len();
    assert_eq!(asked, 2, "asked once per watching call");
    setup.bridge.stop().await;
}

/// Nobody watching, nobody answering: the request is still declined at its deadline, and
/// the turn finishes.
async fn a_pending_request_nobody_answers_is_declined_at_its_deadline(transport: Transport) {
    let setup = setup_over(Elicitation::Never, transport).await;
    let running = ask_to_run(
        &setup,
        "echo ok-expired",
        json!({"approval_timeout_seconds": 3, "wait_seconds": 1}),
    )
    .await;
    assert_eq!(running["status"], "running", "{running}");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let done = setup
        .bridge
        .call_ok(
            "codex_wait",
            json!({"thread_id": running["thread_id"], "wait_seconds": 20}),
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(!ran(&done, "ok-expired"), "{done}");
    assert_eq!(approval(&done)["decided_by"], "timeout");
    setup.bridge.stop().await;
}

/// A request still pending when its turn is interrupted is answered as the turn ends.
async fn a_pending_request_is_answered_when_its_turn_is_interrupted(transport: Transport) {
    let setup = setup_over(Elicitation::Never, transport).await;
    let running = ask_to_run(
        &setup,
        "echo ok-ended",
        json!({"approval_timeout_seconds": 600, "wait_seconds": 2}),
    )
    .await;
    assert_eq!(running["status"], "running", "{running}");
    let stopped = setup
        .bridge
        .call_ok(
            "codex_interrupt",
            json!({"thread_id": running["thread_id"], "turn_id": running["turn_id"]}),
        )
        .await;
    assert_eq!(stopped["status"], "interrupted", "{stopped}");
    assert_eq!(approval(&stopped)["decided_by"], "turn_ended", "{stopped}");
    assert_eq!(approval(&stopped)["decision"], "decline");
    setup.bridge.stop().await;
}

async fn wait_for(condition: impl Fn() -> bool) -> bool {
    for _ in 0..100 {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn allow_list_accepts_listed_commands_only() {
    let setup = setup(Elicitation::Unsupported).await;
    let listed = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUN: echo listed-ok", "allow_commands": ["echo listed-ok"]}),
        )
        .await;
    assert!(ran(&listed, "listed-ok"), "{listed}");
    assert_eq!(approval(&listed)["decided_by"], "allow_list");
    let compound = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUN: echo listed-ok; touch pwned", "allow_commands": ["echo listed-ok"]}),
        )
        .await;
    assert_eq!(approval(&compound)["decision"], "decline");
    assert_eq!(approval(&compound)["decided_by"], "policy");
    assert!(
        !setup.env.workspace.path().join("pwned").exists(),
        "the unlisted part never ran"
    );
    setup.bridge.stop().await;
}

#[tokio::test]
async fn allow_and_allow_lists_need_the_operator() {
    let setup = setup_with(Elicitation::Unsupported, false).await;
    for args in [
        json!({"prompt": "RUN: echo x", "approval_policy": "allow"}),
        json!({"prompt": "RUN: echo x", "allow_commands": ["echo x"]}),
    ] {
        let message = setup.bridge.call_err("codex_ask", args).await;
        assert!(message.contains("--allow-approvals"), "{message}");
    }
    setup.bridge.stop().await;
}

#[tokio::test]
async fn approve_every_command_makes_codex_ask_even_for_sandboxed_commands() {
    let setup = setup(Elicitation::Unsupported).await;
    let quiet = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUNSANDBOXED: echo sb-quiet"}),
        )
        .await;
    assert_eq!(
        quiet["approvals"],
        json!([]),
        "a sandboxed echo needs no approval by default"
    );
    let strict = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUNSANDBOXED: echo sb-strict", "approve_every_command": true}),
        )
        .await;
    assert_eq!(approval(&strict)["decision"], "decline", "{strict}");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn ceilings_hold_for_continued_threads_and_path_tricks() {
    let setup = setup(Elicitation::Unsupported).await;
    let first = setup
        .bridge
        .call_ok("codex_ask", json!({"prompt": "hi"}))
        .await;
    let outside = tempfile::tempdir().expect("outside");
    let link = setup.env.workspace.path().join("escape");
    std::os::unix::fs::symlink(outside.path(), &link).expect("symlink");
    let dotdot = format!("{}/../", setup.env.workspace.path().display());
    for (args, expected) in [
        (json!({"sandbox": "danger-full-access"}), "maximum"),
        (json!({"cwd": link}), "outside the allowed roots"),
        (json!({"cwd": dotdot}), "outside the allowed roots"),
    ] {
        let mut call = json!({"thread_id": first["thread_id"], "prompt": "again"});
        call.as_object_mut()
            .expect("object")
            .extend(args.as_object().expect("object").clone());
        let message = setup.bridge.call_err("codex_continue_thread", call).await;
        assert!(message.contains(expected), "{message}");
    }
    setup.bridge.stop().await;
}

/// `apply_patch` is offered only to models Codex knows, hence `gpt-5.5` (served by the fake).
async fn ask_to_patch(setup: &Setup, file: &str) -> Value {
    setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": format!("PATCH: {file}"), "model": "gpt-5.5", "approval_policy": "ask"}),
        )
        .await
}

#[tokio::test]
async fn a_declined_file_change_is_not_written_and_the_human_saw_the_diff() {
    let setup = setup(Elicitation::Choose("decline")).await;
    let result = ask_to_patch(&setup, "declined.txt").await;
    assert_eq!(result["status"], "completed", "{result}");
    assert!(!setup.env.workspace.path().join("declined.txt").exists());
    assert_eq!(approval(&result)["kind"], "file_change", "{result}");
    assert_eq!(approval(&result)["decision"], "decline");
    let asked = setup
        .bridge
        .handler
        .elicitations
        .lock()
        .expect("lock")
        .clone();
    let message = asked[0]["message"].as_str().expect("message");
    assert!(message.contains("declined.txt"), "{message}");
    assert!(
        message.contains("written by the fake model"),
        "the diff is shown: {message}"
    );
    setup.bridge.stop().await;
}

#[tokio::test]
async fn an_accepted_file_change_is_written() {
    let setup = setup(Elicitation::Choose("accept")).await;
    let result = ask_to_patch(&setup, "accepted.txt").await;
    assert_eq!(result["status"], "completed", "{result}");
    let written = std::fs::read_to_string(setup.env.workspace.path().join("accepted.txt"))
        .expect("the accepted file exists");
    assert!(written.contains("written by the fake model"));
    assert_eq!(approval(&result)["decision"], "accept");
    let changes = result["file_changes"].as_array().expect("file_changes");
    assert!(
        changes.iter().any(|c| c["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("accepted.txt"))),
        "{result}"
    );
    setup.bridge.stop().await;
}

/// A tool of one of Codex's own MCP servers that needs approval is an approval like a
/// command's: `allow` accepts, `deny` declines, `ask` shows the server, the tool and its
/// arguments; allow-lists never match it.
#[tokio::test]
async fn codex_own_mcp_tools_are_approvals() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    env.add_demo_mcp_server();
    let mut options = BridgeOptions::embedded(&env);
    options.elicitation = Elicitation::Choose("accept");
    let bridge = Bridge::start(options).await;
    let prompt = "MCPTOOL: demo/danger {\"target\":\"/tmp/x\"}";
    for (policy, decision, decided_by, ran) in [
        ("allow", "accept", "policy", true),
        ("deny", "decline", "policy", false),
        ("ask", "accept", "human", true),
    ] {
        let result = bridge
            .call_ok(
                "codex_ask",
                json!({"prompt": prompt, "approval_policy": policy, "allow_commands": ["demo"]}),
            )
            .await;
        let record = approval(&result);
        assert_eq!(record["kind"], "mcp_tool_call", "{policy}: {result}");
        assert_eq!(record["decision"], decision, "{policy}: {result}");
        assert_eq!(record["decided_by"], decided_by, "{policy}: {result}");
        assert!(
            record["subject"]
                .as_str()
                .is_some_and(|s| s.contains("demo/danger") && s.contains("/tmp/x")),
            "{result}"
        );
        let text = result["text"].as_str().expect("text");
        if ran {
            assert!(text.contains("called"), "{policy}: the tool ran: {text}");
        } else {
            assert!(
                text.contains("rejected"),
                "{policy}: the tool did not run: {text}"
            );
        }
    }
    let asked = bridge.handler.elicitations.lock().expect("lock").clone();
    assert_eq!(asked.len(), 1, "only `ask` asked");
    let message = asked[0]["message"].as_str().expect("message");
    assert!(
        message.contains("MCP servers")
            && message.contains("demo/danger")
            && message.contains("/tmp/x"),
        "{message}"
    );
    bridge.stop().await;
}

crate::both_transports!(
    ask_accept_runs_the_command_and_the_prompt_says_it_leaves_the_sandbox,
    ask_decline_keeps_the_command_from_running,
    ask_accept_for_session_runs_the_command,
    ask_cancel_ends_the_turn,
    a_dismissed_elicitation_counts_as_decline,
    a_client_without_elicitation_gets_a_decline_saying_so,
    nobody_answering_is_declined_at_the_deadline_and_the_turn_finishes,
    a_pending_request_outlives_its_call_and_is_asked_again_by_codex_wait,
    a_pending_request_nobody_answers_is_declined_at_its_deadline,
    a_pending_request_is_answered_when_its_turn_is_interrupted,
);
