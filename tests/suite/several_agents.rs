//! Several agents, one bridge (`serve --http`), with the real app-server and the fake model:
//! threads are shared (list, read, wait, continue), turns are owned (`started_by`; another
//! agent's interrupt needs `force`), approvals go to the owner only, and one agent leaving
//! never disturbs another's calls.
//!
//! Each agent is an rmcp client over HTTP with its own token from a per-agent token file;
//! a client that disconnects mid-call is raw HTTP, since an MCP client library cancels what
//! it drops.

use std::time::Duration;

use serde_json::{json, Value};

use crate::common::bridge::{Agent, Bridge, BridgeOptions, Elicitation, Transport};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;
use crate::common::raw_http::{open_session, tool_call, Post};

struct Setup {
    model: FakeModel,
    _env: CodexEnv,
    bridge: Bridge,
}

/// One HTTP bridge whose token file names `agents`; the first is the bridge's own client
/// (answering elicitations as `elicitation` says).
async fn setup(agents: &[&str], elicitation: Elicitation) -> Setup {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env).over(Transport::Http);
    options.agents = agents.iter().map(|agent| agent.to_string()).collect();
    options.elicitation = elicitation;
    let bridge = Bridge::start(options).await;
    Setup {
        model,
        _env: env,
        bridge,
    }
}

fn text(value: &Value) -> &str {
    value["text"].as_str().unwrap_or_default()
}

/// Waits until `condition` holds (at most `seconds`).
async fn eventually(seconds: u64, condition: impl Fn() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while tokio::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    condition()
}

#[tokio::test]
async fn two_agents_share_threads_and_each_owns_its_turns() {
    let setup = setup(&["alice", "bob"], Elicitation::Never).await;
    let alice: &Agent = &setup.bridge;
    let bob = setup
        .bridge
        .connect("bob", Elicitation::Choose("decline"))
        .await;

    // Concurrent asks on separate threads: each gets its own answer, with its own name.
    let (a, b) = tokio::join!(
        alice.call_ok("codex_ask", json!({"prompt": "question from alice"})),
        bob.call_ok("codex_ask", json!({"prompt": "question from bob"})),
    );
    assert_eq!(text(&a), "answer: question from alice");
    assert_eq!(text(&b), "answer: question from bob");
    assert_eq!(a["started_by"], "alice", "{a}");
    assert_eq!(b["started_by"], "bob", "{b}");
    assert_ne!(a["thread_id"], b["thread_id"]);

    // B finds A's running turn, reads it, waits for it and gets its result.
    let running = alice
        .call_ok(
            "codex_ask",
            json!({"prompt": "SLOW:2500 shared work", "wait_seconds": 0.2}),
        )
        .await;
    assert_eq!(running["status"], "running", "{running}");
    let thread_id = running["thread_id"].clone();
    let listed = bob.call_ok("codex_list_threads", json!({})).await;
    let entry = listed["threads"]
        .as_array()
        .expect("threads")
        .iter()
        .find(|thread| thread["id"] == thread_id)
        .cloned()
        .expect("bob lists alice's thread");
    assert_eq!(entry["started_by"], "alice", "{entry}");
    let waited = bob
        .call_ok(
            "codex_wait",
            json!({"thread_id": thread_id, "turn_id": running["turn_id"], "wait_seconds": 30}),
        )
        .await;
    assert_eq!(waited["status"], "completed", "{waited}");
    assert_eq!(text(&waited), "answer: SLOW:2500 shared work");
    assert_eq!(waited["started_by"], "alice");

    // Once idle, B continues A's thread; the history says who started which turn.
    let next = bob
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "HISTORY"}),
        )
        .await;
    assert_eq!(text(&next), "SLOW:2500 shared work | HISTORY");
    assert_eq!(next["started_by"], "bob");
    let history = alice
        .call_ok("codex_read_thread", json!({"thread_id": thread_id}))
        .await;
    let by: Vec<&Value> = history["turns"]
        .as_array()
        .expect("turns")
        .iter()
        .map(|turn| &turn["started_by"])
        .collect();
    assert_eq!(by, [&json!("alice"), &json!("bob")], "{history}");

    // B may not interrupt A's turn without force; the refusal names the owner.
    let hanging = alice
        .call_ok(
            "codex_ask",
            json!({"prompt": "HANG owned by alice", "wait_seconds": 0.5}),
        )
        .await;
    assert_eq!(hanging["status"], "running", "{hanging}");
    assert!(
        setup
            .model
            .wait_for_request("HANG owned by alice", Duration::from_secs(20))
            .await
    );
    let dropped = setup.model.dropped_connections();
    let refused = bob
        .call_err(
            "codex_interrupt",
            json!({"thread_id": hanging["thread_id"]}),
        )
        .await;
    assert!(
        refused.contains("alice") && refused.contains("force: true"),
        "{refused}"
    );
    // Nor steer it: the same rule, and nothing reaches the model.
    let requests = setup.model.requests().len();
    let not_steered = bob
        .call_err(
            "codex_steer",
            json!({"thread_id": hanging["thread_id"], "prompt": "do it my way"}),
        )
        .await;
    assert!(
        not_steered.contains("alice") && not_steered.contains("force: true"),
        "{not_steered}"
    );
    assert_eq!(
        setup.model.requests().len(),
        requests,
        "the steer was not sent"
    );
    // B's cancelled wait on A's turn only stops waiting.
    let watching = bob
        .call_cancellable(
            "codex_wait",
            json!({"thread_id": hanging["thread_id"], "wait_seconds": 60}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    watching
        .cancel(Some("bob is done".into()))
        .await
        .expect("cancel");
    assert!(
        !setup
            .model
            .wait_for_dropped(dropped + 1, Duration::from_secs(2))
            .await,
        "neither bob's refused interrupt nor his cancelled wait stopped alice's turn"
    );
    let forced = bob
        .call_ok(
            "codex_interrupt",
            json!({"thread_id": hanging["thread_id"], "force": true}),
        )
        .await;
    assert_eq!(forced["status"], "interrupted", "{forced}");
    assert_eq!(forced["started_by"], "alice");
    assert!(
        setup
            .model
            .wait_for_dropped(dropped + 1, Duration::from_secs(10))
            .await
    );
    bob.leave().await;
    setup.bridge.stop().await;
}

/// An `ask` approval of A's turn is put to A's elicitation handler, never to B's, even
/// while B watches the turn.
#[tokio::test]
async fn an_approval_goes_to_the_owner_only() {
    let setup = setup(&["alice", "bob"], Elicitation::Never).await;
    let alice: &Agent = &setup.bridge;
    let bob = setup
        .bridge
        .connect("bob", Elicitation::Choose("accept"))
        .await;
    let running = alice
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUN: echo ok-owner", "approval_policy": "ask",
                "approval_timeout_seconds": 600, "wait_seconds": 2}),
        )
        .await;
    assert_eq!(running["status"], "running", "{running}");
    assert_eq!(
        running["progress"]["pending_requests"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{running}"
    );
    let watched = bob
        .call_ok(
            "codex_wait",
            json!({"thread_id": running["thread_id"], "wait_seconds": 2}),
        )
        .await;
    assert_eq!(watched["status"], "running", "{watched}");
    assert!(
        bob.handler.elicitations.lock().expect("lock").is_empty(),
        "bob was asked about alice's command"
    );
    alice.handler.answer_with(Elicitation::Choose("accept"));
    let done = alice
        .call_ok(
            "codex_wait",
            json!({"thread_id": running["thread_id"], "wait_seconds": 30}),
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert!(text(&done).contains("ok-owner"), "{done}");
    assert_eq!(done["approvals"][0]["decided_by"], "human", "{done}");
    let asked = alice.handler.elicitations.lock().expect("lock").clone();
    assert_eq!(asked.len(), 2, "asked once per watching call of alice's");
    assert!(asked[1]["message"]
        .as_str()
        .is_some_and(|m| m.contains("echo ok-owner")));
    assert!(bob.handler.elicitations.lock().expect("lock").is_empty());
    bob.leave().await;
    setup.bridge.stop().await;
}

/// A client that disconnects in the middle of a call: its call stops waiting, its turn goes
/// on, another agent's calls go on untouched, and the owner can come back to its turn.
#[tokio::test]
async fn a_disconnect_stops_waiting_and_disturbs_nobody() {
    let setup = setup(&["alice", "carol"], Elicitation::Unsupported).await;
    let alice: &Agent = &setup.bridge;
    let endpoint = setup.bridge.endpoint().clone();
    let carol_token = endpoint.token("carol");
    let session = open_session(&endpoint.url, &carol_token, "carol-client").await;
    let carol = Post::new(&endpoint.url)
        .token(&carol_token)
        .session(&session)
        .header("mcp-protocol-version", "2025-11-25");
    let alice_call = alice.call_ok(
        "codex_ask",
        json!({"prompt": "SLOW:4000 alice keeps going", "wait_seconds": 60}),
    );
    let carol_leaves = async {
        let status = carol
            .send_and_disconnect(tool_call(
                1,
                "codex_ask",
                json!({"prompt": "HANG carol left", "wait_seconds": 120}),
            ))
            .await;
        assert_eq!(status, 200);
    };
    let (alice_done, ()) = tokio::join!(alice_call, carol_leaves);
    assert_eq!(alice_done["status"], "completed", "{alice_done}");
    assert_eq!(text(&alice_done), "answer: SLOW:4000 alice keeps going");
    assert!(
        setup
            .model
            .wait_for_request("HANG carol left", Duration::from_secs(20))
            .await
    );
    let log = setup.bridge.stderr_path().to_path_buf();
    let noticed = eventually(30, || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("the call stopped waiting; the turn goes on")
    })
    .await;
    assert!(noticed, "the bridge noticed the disconnect");
    assert_eq!(
        setup.model.dropped_connections(),
        0,
        "carol's turn was not interrupted"
    );
    // Carol comes back (a new session, the same token): her turn still runs, and it is hers.
    let back = open_session(&endpoint.url, &carol_token, "carol-client").await;
    let carol = Post::new(&endpoint.url)
        .token(&carol_token)
        .session(&back)
        .header("mcp-protocol-version", "2025-11-25");
    let listed = carol
        .send(tool_call(2, "codex_list_threads", json!({})))
        .await
        .answer_to(2);
    let threads = listed["result"]["structuredContent"]["threads"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let hers = threads
        .iter()
        .find(|thread| thread["started_by"] == "carol")
        .unwrap_or_else(|| panic!("carol's thread is listed as hers: {listed}"));
    let waited = carol
        .send(tool_call(
            3,
            "codex_wait",
            json!({"thread_id": hers["id"], "wait_seconds": 0.2}),
        ))
        .await
        .answer_to(3);
    assert_eq!(
        waited["result"]["structuredContent"]["status"], "running",
        "{waited}"
    );
    let stopped = carol
        .send(tool_call(
            4,
            "codex_interrupt",
            json!({"thread_id": hers["id"]}),
        ))
        .await
        .answer_to(4);
    assert_eq!(
        stopped["result"]["structuredContent"]["status"], "interrupted",
        "the owner interrupts without force: {stopped}"
    );
    setup.bridge.stop().await;
}

/// Twenty agents on one bridge: concurrent asks on twenty threads, then each waits on the
/// next agent's running turn and gets its result.
#[tokio::test]
async fn twenty_agents_share_one_bridge() {
    let names: Vec<String> = (1..=20).map(|n| format!("agent{n:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let setup = setup(&refs, Elicitation::Unsupported).await;
    let mut agents = Vec::new();
    for name in &names[1..] {
        agents.push(setup.bridge.connect(name, Elicitation::Unsupported).await);
    }
    let all: Vec<&Agent> = std::iter::once(&*setup.bridge)
        .chain(agents.iter())
        .collect();
    let asks = all.iter().zip(&names).map(|(agent, name)| async move {
        agent
            .call_ok(
                "codex_ask",
                json!({"prompt": format!("question from {name}")}),
            )
            .await
    });
    let answers = futures_util::future::join_all(asks).await;
    let mut threads = std::collections::HashSet::new();
    for (answer, name) in answers.iter().zip(&names) {
        assert_eq!(text(answer), format!("answer: question from {name}"));
        assert_eq!(answer["started_by"], name.as_str());
        threads.insert(answer["thread_id"].to_string());
    }
    assert_eq!(threads.len(), 20);
    let starts = all.iter().zip(&names).map(|(agent, name)| async move {
        agent
            .call_ok(
                "codex_ask",
                json!({"prompt": format!("SLOW:1500 work of {name}"), "wait_seconds": 0.1}),
            )
            .await
    });
    let running = futures_util::future::join_all(starts).await;
    let waits = all.iter().enumerate().map(|(n, agent)| {
        let next = &running[(n + 1) % running.len()];
        async move {
            agent
                .call_ok(
                    "codex_wait",
                    json!({"thread_id": next["thread_id"], "turn_id": next["turn_id"], "wait_seconds": 60}),
                )
                .await
        }
    });
    let waited = futures_util::future::join_all(waits).await;
    for (n, result) in waited.iter().enumerate() {
        let owner = &names[(n + 1) % names.len()];
        assert_eq!(result["status"], "completed", "{result}");
        assert_eq!(text(result), format!("answer: SLOW:1500 work of {owner}"));
        assert_eq!(result["started_by"], owner.as_str());
    }
    for agent in agents {
        agent.leave().await;
    }
    setup.bridge.stop().await;
}
