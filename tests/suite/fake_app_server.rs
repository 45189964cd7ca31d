//! The built bridge over MCP stdio against a SCRIPTED fake app-server
//! (`common::fake_app_server`): the faults and exact sequences the real Codex will not
//! produce on demand, asserted on both wires (the tool results the MCP client gets, and the
//! frames the fake received from the bridge).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::bridge::{text_of, Bridge, BridgeOptions};
use crate::common::fake_app_server::{prompt_of, thread_started, FakeAppServer, Peer};

/// A fake app-server, a workspace, and a bridge connected to them.
struct Setup {
    fake: FakeAppServer,
    workspace: tempfile::TempDir,
    bridge: Bridge,
}

impl Setup {
    async fn new(fake: FakeAppServer) -> Setup {
        Setup::with_args(fake, &[]).await
    }

    async fn with_args(fake: FakeAppServer, extra: &[&str]) -> Setup {
        let workspace = tempfile::tempdir().expect("workspace");
        let mut options = BridgeOptions::external(&fake.url, fake.token_file(), workspace.path());
        options.args.extend(extra.iter().map(|arg| arg.to_string()));
        let bridge = Bridge::start(options).await;
        Setup {
            fake,
            workspace,
            bridge,
        }
    }

    /// codex_ask arguments. `wait_seconds` is short so that a bridge that misses the end of
    /// a turn fails the test quickly instead of blocking for the default wait.
    fn ask_args(&self, prompt: &str) -> Value {
        json!({"prompt": prompt, "cwd": self.workspace.path().display().to_string(), "wait_seconds": 10})
    }

    async fn ask(&self, prompt: &str) -> Value {
        self.bridge
            .call_ok("codex_ask", self.ask_args(prompt))
            .await
    }

    /// The bridge's stderr must show no panic: a fault is logged, never a crash.
    fn assert_no_panic(&self) {
        let stderr = self.bridge.stderr();
        assert!(
            !stderr.contains("panicked"),
            "the bridge panicked:\n{stderr}"
        );
    }
}

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {value}"))
}

// ---------------------------------------------------------------------------------------------
// 1. Out-of-order responses
// ---------------------------------------------------------------------------------------------

/// Two concurrent codex_ask calls: the fake answers their `thread/start`s and then their
/// `turn/start`s in REVERSE order of arrival, and interleaves the two turns' notifications.
/// Each call must get its own thread and its own answer.
#[tokio::test]
async fn concurrent_calls_get_their_own_answers_when_responses_come_out_of_order() {
    let fake = FakeAppServer::start(|mut peer: Peer| async move {
        peer.accept_initialize().await;
        // The thread id names the model the call asked for, so the test can tell them apart.
        let first = peer.expect_request("thread/start").await;
        let second = peer.expect_request("thread/start").await;
        for request in [&second, &first] {
            let id = format!(
                "thread-{}",
                request["params"]["model"].as_str().unwrap_or("none")
            );
            peer.respond(request, thread_started(&id, &request["params"]))
                .await;
        }
        let first = peer.expect_request("turn/start").await;
        let second = peer.expect_request("turn/start").await;
        let mut turns = Vec::new();
        for request in [&second, &first] {
            let thread_id = request["params"]["threadId"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let turn_id = peer.accept_turn(request).await;
            turns.push((thread_id, turn_id, prompt_of(request)));
        }
        for (thread_id, turn_id, _) in &turns {
            peer.start_turn(thread_id, turn_id).await;
        }
        for (thread_id, turn_id, prompt) in &turns {
            peer.answer_turn(thread_id, turn_id, &format!("{prompt} on {thread_id}"))
                .await;
        }
        for (thread_id, turn_id, _) in turns.iter().rev() {
            peer.complete_turn(thread_id, turn_id, "completed").await;
        }
        peer.serve().await;
    })
    .await;
    let setup = Setup::new(fake).await;
    let cwd = setup.workspace.path().display().to_string();
    let (alpha, beta) = tokio::join!(
        setup.bridge.call_ok(
            "codex_ask",
            json!({"prompt": "alpha", "model": "model-a", "cwd": cwd, "wait_seconds": 10})
        ),
        setup.bridge.call_ok(
            "codex_ask",
            json!({"prompt": "beta", "model": "model-b", "cwd": cwd, "wait_seconds": 10})
        ),
    );
    assert_eq!(alpha["thread_id"], "thread-model-a", "{alpha}");
    assert_eq!(alpha["text"], "alpha on thread-model-a");
    assert_eq!(alpha["status"], "completed");
    assert_eq!(beta["thread_id"], "thread-model-b", "{beta}");
    assert_eq!(beta["text"], "beta on thread-model-b");
    assert_eq!(beta["status"], "completed");
    assert_ne!(alpha["turn_id"], beta["turn_id"]);
    // Each turn/start went to the thread its call started.
    let turn_starts = setup.fake.sent("turn/start");
    assert_eq!(turn_starts.len(), 2);
    for start in &turn_starts {
        let expected = match prompt_of(start).as_str() {
            "alpha" => "thread-model-a",
            "beta" => "thread-model-b",
            other => panic!("unexpected prompt {other}"),
        };
        assert_eq!(start["params"]["threadId"], expected, "{start}");
    }
    assert_eq!(setup.fake.connections(), 1, "one shared session");
    setup.assert_no_panic();
    setup.bridge.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 2. Overload (-32001)
// ---------------------------------------------------------------------------------------------

/// `thread/start` and `turn/start` are each refused as overloaded twice, then accepted: the
/// call succeeds and the retries are invisible to the caller (but visible on the wire).
#[tokio::test]
async fn overloaded_requests_are_retried_transparently() {
    let fake = FakeAppServer::start(|mut peer: Peer| async move {
        let mut refused_thread = 0;
        let mut refused_turn = 0;
        while let Some(request) = peer.next_request().await {
            match request["method"].as_str() {
                Some("thread/start") if refused_thread < 2 => {
                    refused_thread += 1;
                    peer.respond_overloaded(&request).await;
                }
                Some("turn/start") if refused_turn < 2 => {
                    refused_turn += 1;
                    peer.respond_overloaded(&request).await;
                }
                _ => peer.answer_default(&request).await,
            }
        }
    })
    .await;
    let setup = Setup::new(fake).await;
    let result = setup.ask("busy day").await;
    assert_eq!(result["status"], "completed");
    assert_eq!(result["text"], "answer: busy day");
    let thread_starts = setup.fake.sent("thread/start");
    let turn_starts = setup.fake.sent("turn/start");
    assert_eq!(thread_starts.len(), 3, "two refusals, then accepted");
    assert_eq!(turn_starts.len(), 3, "two refusals, then accepted");
    // A retry is a new request (new id) with the same params.
    assert_ne!(turn_starts[0]["id"], turn_starts[2]["id"]);
    assert_eq!(turn_starts[0]["params"], turn_starts[2]["params"]);
    setup.assert_no_panic();
    setup.bridge.stop().await;
}

/// A server that always answers -32001: the call ends with a clear tool error (busy,
/// retry later) after a bounded number of tries, within seconds.
#[tokio::test]
async fn a_server_that_stays_overloaded_gives_a_clear_error_after_bounded_retries() {
    let fake = FakeAppServer::start(|mut peer: Peer| async move {
        while let Some(request) = peer.next_request().await {
            match request["method"].as_str() {
                Some("initialize") => peer.answer_default(&request).await,
                _ => peer.respond_overloaded(&request).await,
            }
        }
    })
    .await;
    let setup = Setup::new(fake).await;
    let started = Instant::now();
    let message = setup
        .bridge
        .call_err("codex_ask", setup.ask_args("never gets in"))
        .await;
    let took = started.elapsed();
    eprintln!("always-overloaded codex_ask failed after {took:?}: {message}");
    assert!(message.contains("overloaded"), "{message}");
    assert!(message.contains("retry later"), "{message}");
    let tries = setup.fake.sent("thread/start").len();
    assert!(
        (2..=20).contains(&tries),
        "retried, but a bounded number of times: {tries}"
    );
    assert!(
        setup.fake.sent("turn/start").is_empty(),
        "no turn without a thread"
    );
    assert!(
        took < Duration::from_secs(10),
        "gave up within seconds: {took:?}"
    );
    setup.assert_no_panic();
    setup.bridge.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Server requests the bridge did not expect
// ---------------------------------------------------------------------------------------------

/// What the fake's script got back for each server request it sent, by label.
type Answers = Arc<Mutex<Vec<(&'static str, Option<Value>)>>>;

/// During a turn the fake (an `--app-server-url` server, which the bridge treats as shared
/// with other front-ends) sends server requests that are not for this bridge's turn: a
/// command approval for a thread nobody runs here, and one for another turn of the running
/// turn's thread. They are left alone: another front-end's human may be looking at them.
/// Then, one at a time and waiting for each answer: an unknown method scoped to the turn, an
/// unknown method with no thread (addressed to this connection alone), a user-input request,
/// and a command approval for the running turn (policy `deny`). Every one of those gets an
/// answer of the right shape, and the turn's result lists the approvals of its own turn.
#[tokio::test]
async fn requests_for_this_bridges_turns_are_all_answered_and_others_left_alone() {
    let answers: Answers = Arc::default();
    let script_answers = answers.clone();
    let fake = FakeAppServer::start(move |mut peer: Peer| {
        let answers = script_answers.clone();
        async move {
            let (thread_id, turn_id) = peer.open_turn().await;
            // Not ours: sent without waiting (the bridge must not answer them).
            peer.server_request(
                "item/commandExecution/requestApproval",
                json!({"threadId": "thread-nobody-runs", "turnId": "turn-nobody",
                       "itemId": "c0", "command": "rm -rf /tmp/x", "cwd": "/tmp"}),
            )
            .await;
            peer.server_request(
                "item/commandExecution/requestApproval",
                json!({"threadId": thread_id, "turnId": "turn-of-another-client",
                       "itemId": "c9", "command": "rm -rf /tmp/y", "cwd": "/tmp"}),
            )
            .await;
            let asks: [(&'static str, &str, Value); 4] = [
                (
                    "unknown, in turn",
                    "item/somethingNew/request",
                    json!({"threadId": thread_id, "turnId": turn_id, "itemId": "x1"}),
                ),
                ("unknown, no thread", "somethingGlobal/request", json!({})),
                (
                    "user input",
                    "item/tool/requestUserInput",
                    json!({"threadId": thread_id, "turnId": turn_id, "itemId": "q1",
                           "questions": [{"id": "q", "header": "Pick", "question": "Which one?"}]}),
                ),
                (
                    "approval, in turn",
                    "item/commandExecution/requestApproval",
                    json!({"threadId": thread_id, "turnId": turn_id, "itemId": "c1",
                           "command": "/bin/bash -lc 'touch outside'", "cwd": "/work",
                           "reason": "needs to write outside the sandbox",
                           "commandActions": [], "availableDecisions": ["accept", "decline", "cancel"]}),
                ),
            ];
            for (label, method, params) in asks {
                let id = peer.server_request(method, params).await;
                let answer = peer.expect_response(id).await;
                answers.lock().expect("answers").push((label, answer));
            }
            peer.answer_turn(&thread_id, &turn_id, "done despite questions")
                .await;
            peer.complete_turn(&thread_id, &turn_id, "completed").await;
            peer.serve().await;
        }
    })
    .await;
    let setup = Setup::new(fake).await;
    let result = setup.ask("do things").await;
    assert_eq!(result["status"], "completed");
    assert_eq!(result["text"], "done despite questions");

    let answers = answers.lock().expect("answers").clone();
    let answer = |label: &str| -> Value {
        answers
            .iter()
            .find(|(l, _)| *l == label)
            .and_then(|(_, answer)| answer.clone())
            .unwrap_or_else(|| panic!("no answer to {label}: {answers:?}"))
    };
    for (id, label) in [(2, "unknown, in turn"), (3, "unknown, no thread")] {
        let frame = answer(label);
        assert_eq!(frame["id"], id, "{label}: same id: {frame}");
        assert!(frame["error"].is_object(), "{label}: an error: {frame}");
        assert!(frame["error"]["code"].is_i64(), "{label}: {frame}");
        assert!(frame["error"]["message"].is_string(), "{label}: {frame}");
        assert!(frame.get("result").is_none(), "{label}: {frame}");
    }
    assert_eq!(
        answer("user input"),
        json!({"id": 4, "result": {"answers": {}}})
    );
    assert_eq!(
        answer("approval, in turn"),
        json!({"id": 5, "result": {"decision": "decline"}})
    );
    // The answers the script saw are the ones on the wire, each sent exactly once; the two
    // requests that were not the bridge's got none (frames are handled in order, so they
    // would have been answered before the later ones).
    let answers_to = |id: i64| {
        setup
            .fake
            .json_frames()
            .into_iter()
            .filter(|(_, frame)| frame.get("method").is_none() && frame["id"] == id)
            .count()
    };
    for id in 2..6 {
        assert_eq!(answers_to(id), 1, "server request {id} answered once");
    }
    for id in 0..2 {
        assert_eq!(answers_to(id), 0, "server request {id} is another client's");
    }

    let approvals = result["approvals"].as_array().expect("approvals");
    let command = approvals
        .iter()
        .find(|record| record["kind"] == "command")
        .unwrap_or_else(|| panic!("the command approval is reported: {result}"));
    assert_eq!(command["decision"], "decline");
    assert_eq!(command["decided_by"], "policy");
    assert!(
        str_of(command, "subject").contains("touch outside"),
        "{command}"
    );
    assert_eq!(command["reason"], "needs to write outside the sandbox");
    assert!(
        approvals
            .iter()
            .any(|record| record["kind"] == "user_input" && record["decision"] == "decline"),
        "{result}"
    );
    assert!(
        !approvals
            .iter()
            .any(|record| str_of(record, "subject").contains("rm -rf")),
        "another thread's request is not this turn's approval: {result}"
    );
    setup.assert_no_panic();
    setup.bridge.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 4. Notifications for other threads and turns, and after the turn ended
// ---------------------------------------------------------------------------------------------

/// Mid-turn: notifications for an unknown thread and for another turn of the same thread.
/// After `turn/completed`: a late item, delta, error and a second `turn/completed` (failed).
/// While the NEXT turn on the thread runs: more late frames of the first turn. None of them
/// changes any result; the next call works.
#[tokio::test]
async fn stray_and_late_notifications_are_ignored() {
    let fake = FakeAppServer::start(|mut peer: Peer| async move {
        let (thread_id, turn_id) = peer.open_turn().await;
        // Another thread nobody runs, and another turn of this thread.
        peer.answer_turn("thread-ghost", "turn-ghost", "GHOST").await;
        peer.complete_turn("thread-ghost", "turn-ghost", "failed")
            .await;
        peer.answer_turn(&thread_id, "turn-other", "OTHER TURN").await;
        peer.complete_turn(&thread_id, "turn-other", "failed").await;
        peer.answer_turn(&thread_id, &turn_id, "first answer").await;
        peer.complete_turn(&thread_id, &turn_id, "completed").await;
        // Late frames of the finished turn (long commands do this for real).
        let late = |turn_id: &str| {
            vec![
                (
                    "item/completed",
                    json!({"threadId": thread_id, "turnId": turn_id,
                       "item": {"type": "agentMessage", "id": format!("msg-{turn_id}"), "text": "LATE"}}),
                ),
                (
                    "item/agentMessage/delta",
                    json!({"threadId": thread_id, "turnId": turn_id,
                       "itemId": format!("msg-{turn_id}"), "delta": " LATE DELTA"}),
                ),
                (
                    "item/commandExecution/outputDelta",
                    json!({"threadId": thread_id, "turnId": turn_id, "itemId": "c9", "delta": "out"}),
                ),
                (
                    "error",
                    json!({"threadId": thread_id, "turnId": turn_id,
                       "error": {"message": "LATE ERROR"}, "willRetry": false}),
                ),
                (
                    "turn/completed",
                    json!({"threadId": thread_id,
                       "turn": {"id": turn_id, "status": "failed", "items": [],
                                "error": {"message": "LATE FAILURE"}}}),
                ),
            ]
        };
        for (method, params) in late(&turn_id) {
            peer.notify(method, params).await;
        }
        // On a shared app-server (an --app-server-url one is) the bridge lets go of the
        // thread once its turn ended, and resumes it for the next turn.
        let unsubscribe = peer.expect_request("thread/unsubscribe").await;
        assert_eq!(unsubscribe["params"]["threadId"], thread_id.as_str());
        peer.answer_default(&unsubscribe).await;
        let resume = peer.expect_request("thread/resume").await;
        peer.answer_default(&resume).await;
        // The next turn on the thread: its subscription is live while more late frames of
        // the first turn arrive, before and after its own turn/start answer.
        let request = peer.expect_request("turn/start").await;
        for (method, params) in late(&turn_id) {
            peer.notify(method, params).await;
        }
        let next_turn = peer.accept_turn(&request).await;
        peer.start_turn(&thread_id, &next_turn).await;
        for (method, params) in late(&turn_id) {
            peer.notify(method, params).await;
        }
        peer.answer_turn(&thread_id, &next_turn, "second answer")
            .await;
        peer.complete_turn(&thread_id, &next_turn, "completed")
            .await;
        peer.serve().await;
    })
    .await;
    let setup = Setup::new(fake).await;
    let first = setup.ask("first").await;
    assert_eq!(first["status"], "completed", "{first}");
    assert_eq!(first["text"], "first answer");
    assert!(first.get("error").is_none(), "{first}");
    let thread_id = str_of(&first, "thread_id").to_string();
    let first_turn = str_of(&first, "turn_id").to_string();

    let second = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "second", "wait_seconds": 10}),
        )
        .await;
    assert_eq!(second["status"], "completed", "{second}");
    assert_eq!(second["text"], "second answer");
    assert!(second.get("error").is_none(), "{second}");
    assert_ne!(second["turn_id"], first["turn_id"]);

    // The first turn's kept result was not touched by its late frames.
    let again = setup
        .bridge
        .call_ok(
            "codex_wait",
            json!({"thread_id": thread_id, "turn_id": first_turn}),
        )
        .await;
    assert_eq!(again["status"], "completed", "{again}");
    assert_eq!(again["text"], "first answer");
    assert!(again.get("error").is_none(), "{again}");
    // One session throughout; the thread was let go after the first turn and resumed once.
    assert_eq!(setup.fake.sent("thread/resume").len(), 1);
    assert_eq!(setup.fake.connections(), 1);
    setup.assert_no_panic();
    setup.bridge.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 5. Malformed frames
// ---------------------------------------------------------------------------------------------

/// While a `turn/start` is waiting for its answer the fake sends garbage of every kind: text
/// that is not JSON, a JSON array, a scalar, a binary frame, answers to ids never used (number
/// and string), a duplicate answer to an id already answered, objects that are neither request,
/// answer nor notification, and known notifications with broken bodies. The call in flight
/// completes normally, the session survives (no reconnect) and the next call works.
#[tokio::test]
async fn malformed_frames_are_logged_and_survived() {
    let fake = FakeAppServer::start(|mut peer: Peer| async move {
        peer.accept_initialize().await;
        let start = peer.expect_request("thread/start").await;
        let thread_id = peer.new_thread_id();
        peer.respond(&start, thread_started(&thread_id, &start["params"]))
            .await;
        let request = peer.expect_request("turn/start").await;
        peer.send_text("this is not JSON {").await;
        peer.send_text("[1, 2, 3]").await;
        peer.send_text("42").await;
        peer.send_binary(&[0, 159, 146, 150]).await;
        peer.send(json!({"id": 987_654, "result": {"thread": {"id": "bogus"}}}))
            .await;
        peer.send(json!({"id": "not-our-id", "result": {}})).await;
        peer.send(json!({"id": -1, "error": {"code": -32600, "message": "who?"}}))
            .await;
        peer.respond(&start, json!({"thread": {"id": "duplicate"}}))
            .await;
        peer.send(json!({"id": 5})).await;
        peer.send(json!({"method": 5, "params": {}})).await;
        peer.send(json!({"jsonrpc": "2.0"})).await;
        peer.notify("turn/completed", json!({"threadId": thread_id, "turn": 5}))
            .await;
        peer.notify(
            "item/completed",
            json!({"threadId": thread_id, "turnId": "t", "item": "not an item"}),
        )
        .await;
        peer.notify("item/completed", json!("params that are a string"))
            .await;
        let turn_id = peer.accept_turn(&request).await;
        peer.start_turn(&thread_id, &turn_id).await;
        peer.send_text("").await;
        peer.send_text("{\"method\": \"turn/completed\", \"params\": {\"threadId\"")
            .await;
        peer.answer_turn(&thread_id, &turn_id, "survived").await;
        peer.complete_turn(&thread_id, &turn_id, "completed").await;
        peer.serve().await;
    })
    .await;
    let setup = Setup::new(fake).await;
    let result = setup.ask("garbage ahead").await;
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["text"], "survived");
    let thread_id = str_of(&result, "thread_id");
    assert!(
        thread_id.starts_with("00000001-"),
        "a thread id the fake made, not the bogus ones: {result}"
    );
    let next = setup.ask("still there?").await;
    assert_eq!(next["text"], "answer: still there?");
    assert_eq!(setup.fake.connections(), 1, "the session survived");
    let stderr = setup.bridge.stderr();
    assert!(
        stderr.contains("undecodable frame"),
        "garbage is logged:\n{stderr}"
    );
    setup.assert_no_panic();
    setup.bridge.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 6. Authentication
// ---------------------------------------------------------------------------------------------

/// The fake itself refuses what the real server refuses, so the bridge tests below can fail.
#[tokio::test]
async fn the_fake_refuses_a_wrong_token_and_any_origin() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    use tokio_tungstenite::tungstenite::Error;

    let fake = FakeAppServer::well_behaved().await;
    let attempt = |token: Option<String>, origin: Option<&'static str>| {
        let url = fake.url.clone();
        async move {
            let mut request = url.into_client_request().expect("request");
            if let Some(token) = token {
                let value = HeaderValue::from_str(&format!("Bearer {token}")).expect("header");
                request.headers_mut().insert("Authorization", value);
            }
            if let Some(origin) = origin {
                request
                    .headers_mut()
                    .insert("Origin", HeaderValue::from_static(origin));
            }
            match tokio_tungstenite::connect_async(request).await {
                Ok(_) => 101,
                Err(Error::Http(response)) => response.status().as_u16(),
                Err(other) => panic!("unexpected failure: {other}"),
            }
        }
    };
    let token = fake.token().to_string();
    assert_eq!(attempt(None, None).await, 401);
    assert_eq!(attempt(Some("wrong".into()), None).await, 401);
    assert_eq!(
        attempt(Some(token.clone()), Some("http://localhost")).await,
        403
    );
    assert_eq!(attempt(Some(token), None).await, 101);
}

/// The bridge sends `Authorization: Bearer <token file content, trimmed>` and no `Origin`.
#[tokio::test]
async fn the_bridge_authenticates_with_the_token_file_and_sends_no_origin() {
    let setup = Setup::new(FakeAppServer::well_behaved().await).await;
    let result = setup.ask("who am I").await;
    assert_eq!(result["text"], "answer: who am I");
    let handshakes = setup.fake.handshakes();
    assert!(!handshakes.is_empty());
    let expected = format!("Bearer {}", setup.fake.token());
    for handshake in &handshakes {
        assert_eq!(handshake.authorization.as_deref(), Some(expected.as_str()));
        assert_eq!(handshake.origin, None);
        assert_eq!(handshake.status, 101);
    }
    // The handshake of the protocol: initialize, then the initialized notification, first.
    let frames = setup.fake.json_frames();
    assert_eq!(frames[0].1["method"], "initialize", "{frames:?}");
    assert_eq!(frames[0].1["params"]["clientInfo"]["name"], "codex-bridge");
    assert_eq!(frames[1].1["method"], "initialized", "{frames:?}");
    assert!(frames[1].1.get("id").is_none(), "a notification");
    setup.bridge.stop().await;
}

/// A wrong token: the server answers HTTP 401 and the tool call says so, naming the token,
/// promptly. Nothing else reaches the server.
#[tokio::test]
async fn a_wrong_token_is_a_clear_tool_error() {
    let fake = FakeAppServer::well_behaved().await;
    let workspace = tempfile::tempdir().expect("workspace");
    let wrong = fake.write_token_file("wrong.token", "not-the-token\n");
    let bridge = Bridge::start(BridgeOptions::external(&fake.url, &wrong, workspace.path())).await;
    let started = Instant::now();
    let message = bridge
        .call_err(
            "codex_ask",
            json!({"prompt": "let me in", "cwd": workspace.path().display().to_string()}),
        )
        .await;
    let took = started.elapsed();
    eprintln!("wrong-token codex_ask failed after {took:?}: {message}");
    assert!(message.contains("401"), "{message}");
    assert!(message.contains("token"), "{message}");
    assert!(
        !message.contains("not-the-token"),
        "the secret is not echoed: {message}"
    );
    let handshakes = fake.handshakes();
    assert!(!handshakes.is_empty());
    assert!(handshakes.iter().all(|handshake| handshake.status == 401));
    assert_eq!(fake.connections(), 0);
    assert!(
        took < Duration::from_secs(5),
        "a refused token is not retried for long: {took:?}"
    );
    bridge.stop().await;
}

// ---------------------------------------------------------------------------------------------
// 7. The socket drops mid-turn
// ---------------------------------------------------------------------------------------------

/// The fake drops the TCP connection (no close frame, like a killed server) in the middle of
/// a turn. The call returns at once as a failed turn whose error names the thread and says it
/// can be continued; the next call reconnects (a second connection), resumes the thread and
/// runs its turn.
#[tokio::test]
async fn a_dropped_socket_fails_the_turn_promptly_and_the_next_call_reconnects() {
    let fake = FakeAppServer::start(|mut peer: Peer| async move {
        if peer.connection > 0 {
            peer.serve().await;
            return;
        }
        let (thread_id, turn_id) = peer.open_turn().await;
        peer.notify(
            "item/agentMessage/delta",
            json!({"threadId": thread_id, "turnId": turn_id, "itemId": "m", "delta": "half an ans"}),
        )
        .await;
        // Let the frames reach the bridge, then vanish.
        tokio::time::sleep(Duration::from_millis(100)).await;
        drop(peer);
    })
    .await;
    let setup = Setup::new(fake).await;
    let started = Instant::now();
    let result = setup
        .bridge
        .call("codex_ask", setup.ask_args("doomed"))
        .await;
    let took = started.elapsed();
    eprintln!("dropped-socket codex_ask returned after {took:?}");
    assert_eq!(result.is_error, Some(true), "a failed turn is a tool error");
    let structured = result
        .structured_content
        .clone()
        .expect("structuredContent");
    assert_eq!(structured["status"], "failed", "{structured}");
    assert_eq!(structured["text"], "half an ans", "the text so far is kept");
    let thread_id = str_of(&structured, "thread_id").to_string();
    let error = str_of(&structured, "error");
    assert!(error.contains(&thread_id), "names the thread: {error}");
    assert!(error.contains("continue"), "says it can go on: {error}");
    assert!(text_of(&result).contains(&thread_id));
    assert!(
        took < Duration::from_secs(2),
        "returned promptly, not after wait_seconds: {took:?}"
    );

    let next = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "again", "wait_seconds": 10}),
        )
        .await;
    assert_eq!(next["status"], "completed", "{next}");
    assert_eq!(next["text"], "answer: again");
    assert_eq!(next["thread_id"], thread_id.as_str());
    assert_eq!(setup.fake.connections(), 2, "reconnected once");
    // The new session did its own handshake and resumed the thread before the turn.
    let second: Vec<Value> = setup
        .fake
        .json_frames()
        .into_iter()
        .filter(|(connection, _)| *connection == 1)
        .map(|(_, frame)| frame)
        .collect();
    // (The `thread/unsubscribe` that lets go of the thread after the turn may or may not
    // have been sent yet.)
    let methods: Vec<&str> = second
        .iter()
        .filter_map(|frame| frame["method"].as_str())
        .filter(|method| *method != "thread/unsubscribe")
        .collect();
    assert_eq!(
        methods,
        ["initialize", "initialized", "thread/resume", "turn/start"],
        "{second:?}"
    );
    assert_eq!(second[2]["params"]["threadId"], thread_id.as_str());
    setup.assert_no_panic();
    setup.bridge.stop().await;
}

/// Under `ask`, questions Codex asks that are not approvals (a tool's questions for the user,
/// an elicitation from one of Codex's own MCP servers) reach the human as forms, and the
/// answers go back in the shape each request wants.
#[tokio::test]
async fn under_ask_codex_questions_are_forwarded_as_forms() {
    let answers: Answers = Arc::default();
    let script_answers = answers.clone();
    let fake = FakeAppServer::start(move |mut peer: Peer| {
        let answers = script_answers.clone();
        async move {
            let (thread_id, turn_id) = peer.open_turn().await;
            let asks: [(&'static str, &str, Value); 2] = [
                (
                    "user input",
                    "item/tool/requestUserInput",
                    json!({"threadId": thread_id, "turnId": turn_id, "itemId": "q1", "isBlocking": true,
                           "questions": [
                               {"id": "color", "header": "Colour", "question": "Which colour?",
                                "options": [{"label": "Blue", "description": "calm"},
                                            {"label": "Red", "description": "loud"}]},
                               {"id": "name", "header": "Name", "question": "Your name?"}]}),
                ),
                (
                    "mcp elicitation",
                    "mcpServer/elicitation/request",
                    json!({"threadId": thread_id, "turnId": turn_id, "serverName": "docs",
                           "mode": "form", "message": "Which branch?",
                           "requestedSchema": {"type": "object", "title": "Branch picker",
                                               "properties": {"branch": {"type": "string"}},
                                               "required": ["branch"]}}),
                ),
            ];
            for (label, method, params) in asks {
                let id = peer.server_request(method, params).await;
                let answer = peer.expect_response(id).await;
                answers.lock().expect("answers").push((label, answer));
            }
            peer.answer_turn(&thread_id, &turn_id, "thanks").await;
            peer.complete_turn(&thread_id, &turn_id, "completed").await;
            peer.serve().await;
        }
    })
    .await;
    let workspace = tempfile::tempdir().expect("workspace");
    let mut options = BridgeOptions::external(&fake.url, fake.token_file(), workspace.path());
    options.elicitation = crate::common::bridge::Elicitation::Fill;
    let bridge = Bridge::start(options).await;
    let result = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "ask me", "approval_policy": "ask", "wait_seconds": 10}),
        )
        .await;
    assert_eq!(result["status"], "completed");
    let answers = answers.lock().expect("answers").clone();
    assert_eq!(
        answers[0].1.as_ref().map(|frame| frame["result"].clone()),
        Some(
            json!({"answers": {"color": {"answers": ["Blue"]}, "name": {"answers": ["answer-name"]}}})
        ),
        "user input answered with the form's values"
    );
    assert_eq!(
        answers[1].1.as_ref().map(|frame| frame["result"].clone()),
        Some(json!({"action": "accept", "content": {"branch": "answer-branch"}})),
        "the MCP server's elicitation answered with the human's content"
    );
    let asked = bridge.handler.elicitations.lock().expect("lock").clone();
    assert_eq!(asked.len(), 2);
    assert!(asked[0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("Which colour?")));
    assert_eq!(
        asked[0]["requestedSchema"]["properties"]["color"]["enum"],
        json!(["Blue", "Red"])
    );
    assert!(asked[1]["message"]
        .as_str()
        .is_some_and(|m| m.contains("docs") && m.contains("Which branch?")));
    assert!(
        asked[1]["requestedSchema"].get("title").is_none(),
        "no top-level title"
    );
    let kinds: Vec<_> = result["approvals"]
        .as_array()
        .expect("approvals")
        .iter()
        .map(|a| {
            (
                a["kind"].clone(),
                a["decision"].clone(),
                a["decided_by"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (json!("user_input"), json!("accept"), json!("human")),
            (json!("mcp_elicitation"), json!("accept"), json!("human")),
        ]
    );
    bridge.stop().await;
}
