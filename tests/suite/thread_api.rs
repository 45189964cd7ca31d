//! The thread and turn API beyond ask and continue, over the real wire with the real
//! app-server and the fake model: fork, steer, review, rename, archive, unarchive, revert,
//! compact, the model list and the effort check, and reading a thread a page (or a turn)
//! at a time.

use std::process::Command;
use std::time::Duration;

use rmcp::model::ServerResult;
use serde_json::{json, Value};

use crate::common::bridge::{Bridge, BridgeOptions};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;

struct Setup {
    model: FakeModel,
    _env: CodexEnv,
    bridge: Bridge,
}

impl Setup {
    async fn new() -> Setup {
        let model = FakeModel::start().await;
        let env = CodexEnv::new(&model);
        let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
        Setup {
            model,
            _env: env,
            bridge,
        }
    }

    /// A thread with one turn per prompt; its id and the turn ids, oldest first.
    async fn thread_with(&self, prompts: &[&str]) -> (String, Vec<String>) {
        let first = self
            .bridge
            .call_ok("codex_ask", json!({"prompt": prompts[0]}))
            .await;
        let thread_id = first["thread_id"].as_str().expect("thread id").to_string();
        let mut turns = vec![first["turn_id"].as_str().expect("turn id").to_string()];
        for prompt in &prompts[1..] {
            let next = self
                .bridge
                .call_ok(
                    "codex_continue_thread",
                    json!({"thread_id": thread_id, "prompt": prompt}),
                )
                .await;
            assert_eq!(next["status"], "completed", "{next}");
            turns.push(next["turn_id"].as_str().expect("turn id").to_string());
        }
        (thread_id, turns)
    }

    async fn next(&self, thread_id: &str, prompt: &str) -> Value {
        self.bridge
            .call_ok(
                "codex_continue_thread",
                json!({"thread_id": thread_id, "prompt": prompt}),
            )
            .await
    }

    async fn listed(&self, args: Value) -> Vec<Value> {
        let list = self.bridge.call_ok("codex_list_threads", args).await;
        list["threads"].as_array().cloned().unwrap_or_default()
    }
}

fn structured(result: ServerResult) -> Value {
    match result {
        ServerResult::CallToolResult(result) => result.structured_content.expect("structured"),
        other => panic!("not a tool result: {other:?}"),
    }
}

const NO_SUCH_TURN: &str = "019a0000-0000-7000-8000-000000000000";

#[tokio::test]
async fn a_fork_carries_the_history_up_to_its_turn_and_leaves_the_source_alone() {
    let setup = Setup::new().await;
    let (thread_id, turns) = setup.thread_with(&["q0", "q1", "q2"]).await;
    let fork = setup
        .bridge
        .call_ok(
            "codex_fork_thread",
            json!({"thread_id": thread_id, "last_turn_id": turns[1], "name": "alternative", "prompt": "HISTORY"}),
        )
        .await;
    let fork_id = fork["thread_id"].as_str().expect("fork id");
    assert_ne!(fork_id, thread_id);
    assert_eq!(fork["forked_from_id"], thread_id.as_str());
    assert_eq!(fork["name"], "alternative");
    assert_eq!(fork["total_turns"], 2, "{fork}");
    assert_eq!(fork["turn"]["thread_id"], fork_id);
    assert_eq!(fork["turn"]["status"], "completed");
    assert_eq!(
        fork["turn"]["text"], "q0 | q1 | HISTORY",
        "up to last_turn_id, not after"
    );
    // The source is unchanged.
    let source = setup.next(&thread_id, "HISTORY").await;
    assert_eq!(source["text"], "q0 | q1 | q2 | HISTORY");
    // The fork continues like any thread, and other agents find it by name.
    let again = setup.next(fork_id, "HISTORY").await;
    assert_eq!(again["text"], "q0 | q1 | HISTORY | HISTORY");
    let named = setup.listed(json!({"search": "alternative"})).await;
    assert!(named.iter().any(|t| t["id"] == fork_id), "{named:?}");
    let read = setup
        .bridge
        .call_ok("codex_read_thread", json!({"thread_id": fork_id}))
        .await;
    assert_eq!(read["forked_from_id"], thread_id.as_str(), "{read}");
    // Without a prompt: just the fork, the whole history.
    let bare = setup
        .bridge
        .call_ok("codex_fork_thread", json!({"thread_id": thread_id}))
        .await;
    assert_eq!(bare["total_turns"], 4, "{bare}");
    assert!(bare.get("turn").is_none(), "{bare}");
    // Bad input: a turn the thread does not have, an option without a prompt.
    let before = setup.model.requests().len();
    let unknown = setup
        .bridge
        .call_err(
            "codex_fork_thread",
            json!({"thread_id": thread_id, "last_turn_id": NO_SUCH_TURN, "prompt": "x"}),
        )
        .await;
    assert!(unknown.contains("`last_turn_id`"), "{unknown}");
    assert!(unknown.contains("codex_read_thread"), "{unknown}");
    let stray = setup
        .bridge
        .call_err(
            "codex_fork_thread",
            json!({"thread_id": thread_id, "sandbox": "workspace-write"}),
        )
        .await;
    assert!(
        stray.contains("`sandbox`") && stray.contains("prompt"),
        "{stray}"
    );
    assert_eq!(
        setup.model.requests().len(),
        before,
        "nothing reached the model"
    );
    setup.bridge.stop().await;
}

#[tokio::test]
async fn steering_a_running_turn_reaches_the_model_and_every_waiting_call() {
    let setup = Setup::new().await;
    let running = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "HANG first", "wait_seconds": 0.5}),
        )
        .await;
    assert_eq!(running["status"], "running", "{running}");
    let thread_id = running["thread_id"].as_str().expect("thread").to_string();
    let turn_id = running["turn_id"].as_str().expect("turn").to_string();
    assert!(
        setup
            .model
            .wait_for_request("HANG first", Duration::from_secs(10))
            .await
    );
    // The call that waits on the turn.
    let waiting = setup
        .bridge
        .call_cancellable(
            "codex_wait",
            json!({"thread_id": thread_id, "wait_seconds": 30}),
        )
        .await;
    // A turn id that is not the running one: nothing is sent.
    let wrong = setup
        .bridge
        .call_err(
            "codex_steer",
            json!({"thread_id": thread_id, "turn_id": NO_SUCH_TURN, "prompt": "x"}),
        )
        .await;
    assert!(wrong.contains("`turn_id`"), "{wrong}");
    assert!(wrong.contains("codex_continue_thread"), "{wrong}");
    let steered = setup
        .bridge
        .call_ok(
            "codex_steer",
            json!({"thread_id": thread_id, "prompt": "steer: answer briefly", "wait_seconds": 30}),
        )
        .await;
    assert_eq!(steered["turn_id"], turn_id.as_str(), "same turn");
    assert_eq!(steered["status"], "completed", "{steered}");
    assert_eq!(steered["text"], "answer: steer: answer briefly");
    let waited = structured(waiting.await_response().await.expect("codex_wait answers"));
    assert_eq!(waited["turn_id"], turn_id.as_str());
    assert_eq!(waited["text"], "answer: steer: answer briefly", "{waited}");
    // The model was asked again with the steering input as the last user message.
    let last = setup.model.requests().pop().expect("a request");
    let text = last["input"].to_string();
    assert!(text.contains("HANG first") && text.contains("steer: answer briefly"));
    assert!(
        setup.model.dropped_connections() >= 1,
        "the first request was dropped"
    );
    // Nothing runs now: steering is an error that points to a new turn.
    let idle = setup
        .bridge
        .call_err(
            "codex_steer",
            json!({"thread_id": thread_id, "prompt": "more"}),
        )
        .await;
    assert!(idle.contains("no running turn"), "{idle}");
    assert!(idle.contains("codex_continue_thread"), "{idle}");
    let empty = setup
        .bridge
        .call_err(
            "codex_steer",
            json!({"thread_id": thread_id, "prompt": "  "}),
        )
        .await;
    assert!(empty.contains("`prompt`"), "{empty}");
    setup.bridge.stop().await;
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?}");
}

/// A review is read-only whatever the configuration says: Codex's config makes new threads
/// `workspace-write`, the reviewed thread's last turn ran `workspace-write`, and the fake
/// reviewer tries to write a file; nothing is written. The findings come back structured.
#[tokio::test]
async fn a_review_returns_structured_findings_and_never_writes() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    env.set("sandbox_mode", "\"workspace-write\"");
    let workspace = env.workspace.path().to_path_buf();
    git(&workspace, &["init", "-q"]);
    std::fs::write(
        workspace.join("calc.py"),
        "def add(a, b):\n    return a + b\n",
    )
    .expect("write");
    git(&workspace, &["add", "calc.py"]);
    git(&workspace, &["commit", "-q", "-m", "add"]);
    std::fs::write(
        workspace.join("calc.py"),
        "def add(a, b):\n    return a - b\n",
    )
    .expect("edit");
    let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    // The thread under review: its last turn ran workspace-write (and could write).
    let parent = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "RUNSANDBOXED: touch parent-wrote.txt", "sandbox": "workspace-write"}),
        )
        .await;
    assert!(
        workspace.join("parent-wrote.txt").exists(),
        "the parent could write: {parent}"
    );
    let parent_id = parent["thread_id"].as_str().expect("thread");
    for args in [
        json!({"target": "uncommitted", "thread_id": parent_id}),
        json!({"target": "uncommitted"}),
    ] {
        let review = bridge.call_ok("codex_review", args.clone()).await;
        assert_eq!(review["status"], "completed", "{args}: {review}");
        let report = &review["review"];
        assert_eq!(
            report["overall_correctness"],
            "patch is incorrect",
            "{review}\n{}",
            bridge.stderr()
        );
        assert_eq!(report["overall_confidence"], 0.8);
        let finding = &report["findings"][0];
        assert_eq!(finding["priority"], 1);
        assert_eq!(finding["confidence"], 0.9);
        assert_eq!(finding["title"], "[P1] Check calc.py");
        assert!(
            finding["body"]
                .as_str()
                .unwrap_or_default()
                .contains("return a - b"),
            "the reviewer ran git diff: {finding}"
        );
        assert!(
            finding["file"]
                .as_str()
                .unwrap_or_default()
                .ends_with("/calc.py"),
            "{finding}"
        );
        assert!(review["text"]
            .as_str()
            .unwrap_or_default()
            .contains("Check calc.py"));
        assert!(
            !workspace.join("written-by-review.txt").exists(),
            "a review wrote a file ({args})"
        );
        // codex_wait takes the result's ids and gives the same review.
        let waited = bridge
            .call_ok(
                "codex_wait",
                json!({"thread_id": review["thread_id"], "turn_id": review["turn_id"]}),
            )
            .await;
        assert_eq!(waited["review"], review["review"]);
        // The review's own thread does not show the reviewer's bookkeeping turn.
        let history = bridge
            .call_ok(
                "codex_read_thread",
                json!({"thread_id": review["thread_id"]}),
            )
            .await;
        for turn in history["turns"].as_array().expect("turns") {
            assert_ne!(turn["status"], "interrupted", "{history}");
        }
    }
    assert_ne!(
        bridge
            .call_ok(
                "codex_review",
                json!({"target": "uncommitted", "thread_id": parent_id})
            )
            .await["thread_id"],
        parent_id,
        "the reviewed thread itself is not used"
    );
    let parent_history = bridge
        .call_ok("codex_read_thread", json!({"thread_id": parent_id}))
        .await;
    assert_eq!(parent_history["total_turns"], 1, "the parent is unchanged");
    let reviews = model
        .requests()
        .iter()
        .filter(|r| r.to_string().contains("# Review guidelines"))
        .count();
    assert!(
        reviews >= 3,
        "Codex's review requests reached the model: {reviews}"
    );
    // Bad targets are refused before Codex.
    let before = model.requests().len();
    for (args, word) in [
        (json!({"target": "base_branch"}), "`base_branch`"),
        (json!({"target": "commit"}), "`commit`"),
        (json!({"target": "custom"}), "`instructions`"),
        (
            json!({"target": "uncommitted", "commit": "abc"}),
            "`commit`",
        ),
        (json!({"target": "everything"}), "`target`"),
    ] {
        let error = bridge.call_err("codex_review", args.clone()).await;
        assert!(error.contains(word), "{args}: {error}");
    }
    assert_eq!(model.requests().len(), before);
    bridge.stop().await;
}

/// A name given with codex_ask is set once Codex has written the thread (right after
/// `turn/start` it refuses: "rollout ... is empty"), so other agents find the thread by it.
#[tokio::test]
async fn a_thread_named_at_its_start_is_found_by_its_name() {
    let setup = Setup::new().await;
    for n in 0..3 {
        let name = format!("named-at-start-{n}");
        let asked = setup
            .bridge
            .call_ok("codex_ask", json!({"prompt": "hello", "name": name}))
            .await;
        let found = setup.listed(json!({"search": name})).await;
        assert_eq!(found.len(), 1, "{name}: {found:?}");
        assert_eq!(found[0]["id"], asked["thread_id"]);
        assert_eq!(found[0]["name"], name.as_str());
    }
    setup.bridge.stop().await;
}

#[tokio::test]
async fn renamed_archived_and_unarchived_threads_show_in_the_list() {
    let setup = Setup::new().await;
    let (thread_id, _) = setup.thread_with(&["hello"]).await;
    let renamed = setup
        .bridge
        .call_ok(
            "codex_rename_thread",
            json!({"thread_id": thread_id, "name": "release notes"}),
        )
        .await;
    assert_eq!(renamed["name"], "release notes");
    let found = setup.listed(json!({"search": "release notes"})).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], thread_id.as_str());
    assert_eq!(found[0]["archived"], false);

    let archived = setup
        .bridge
        .call_ok("codex_archive_thread", json!({"thread_id": thread_id}))
        .await;
    assert_eq!(archived["archived"], true);
    assert!(setup
        .listed(json!({}))
        .await
        .iter()
        .all(|t| t["id"] != thread_id.as_str()));
    let in_archive = setup.listed(json!({"archived": true})).await;
    assert!(
        in_archive
            .iter()
            .any(|t| t["id"] == thread_id.as_str() && t["archived"] == true),
        "{in_archive:?}"
    );
    let refused = setup
        .bridge
        .call_err(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "more"}),
        )
        .await;
    assert!(refused.contains("archived"), "{refused}");
    assert!(refused.contains("codex_unarchive_thread"), "{refused}");

    let back = setup
        .bridge
        .call_ok("codex_unarchive_thread", json!({"thread_id": thread_id}))
        .await;
    assert_eq!(back["archived"], false);
    assert!(setup
        .listed(json!({}))
        .await
        .iter()
        .any(|t| t["id"] == thread_id.as_str()));
    assert_eq!(
        setup.next(&thread_id, "HISTORY").await["text"],
        "hello | HISTORY"
    );
    let again = setup
        .bridge
        .call_err("codex_unarchive_thread", json!({"thread_id": thread_id}))
        .await;
    assert!(again.contains("not archived"), "{again}");
    let empty = setup
        .bridge
        .call_err(
            "codex_rename_thread",
            json!({"thread_id": thread_id, "name": " "}),
        )
        .await;
    assert!(empty.contains("`name`"), "{empty}");

    // A thread with a running turn is not archived (the app-server would silently
    // interrupt the turn).
    let running = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "HANG", "wait_seconds": 0.3}),
        )
        .await;
    assert_eq!(running["status"], "running");
    let busy = setup
        .bridge
        .call_err("codex_archive_thread", json!({"thread_id": thread_id}))
        .await;
    assert!(busy.contains("cannot archive"), "{busy}");
    assert!(busy.contains("codex_wait"), "{busy}");
    setup
        .bridge
        .call_ok("codex_interrupt", json!({"thread_id": thread_id}))
        .await;
    setup.bridge.stop().await;
}

#[tokio::test]
async fn a_revert_drops_turns_from_what_the_model_sees_next() {
    let setup = Setup::new().await;
    let (thread_id, turns) = setup.thread_with(&["q0", "q1", "q2"]).await;
    let unknown = setup
        .bridge
        .call_err(
            "codex_revert_thread",
            json!({"thread_id": thread_id, "before_turn_id": NO_SUCH_TURN}),
        )
        .await;
    assert!(unknown.contains("`before_turn_id`"), "{unknown}");
    let reverted = setup
        .bridge
        .call_ok(
            "codex_revert_thread",
            json!({"thread_id": thread_id, "before_turn_id": turns[1]}),
        )
        .await;
    assert_eq!(reverted["reverted_turns"], 2, "{reverted}");
    assert_eq!(reverted["remaining_turns"], 1);
    assert_eq!(reverted["files_restored"], false);
    let result = setup
        .bridge
        .call(
            "codex_revert_thread",
            json!({"thread_id": thread_id, "before_turn_id": turns[0]}),
        )
        .await;
    let text = crate::common::bridge::text_of(&result);
    assert!(text.contains("NOT restored"), "{text}");
    assert_eq!(setup.next(&thread_id, "HISTORY").await["text"], "HISTORY");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn a_compaction_runs_as_a_turn_and_the_thread_goes_on() {
    let setup = Setup::new().await;
    let (thread_id, _) = setup.thread_with(&["q0", "q1"]).await;
    let before = setup.model.requests().len();
    let compacted = setup
        .bridge
        .call_ok("codex_compact_thread", json!({"thread_id": thread_id}))
        .await;
    assert_eq!(compacted["status"], "completed", "{compacted}");
    assert_eq!(compacted["thread_id"], thread_id.as_str());
    assert!(
        setup.model.requests().len() > before,
        "the model summarised the history"
    );
    let next = setup.next(&thread_id, "after compaction").await;
    assert_eq!(next["text"], "answer: after compaction");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn models_come_from_the_app_server_and_efforts_are_checked_against_them() {
    let setup = Setup::new().await;
    let listed = setup.bridge.call_ok("codex_list_models", json!({})).await;
    let models = listed["models"].as_array().expect("models");
    let gpt55 = models
        .iter()
        .find(|m| m["model"] == "gpt-5.5")
        .unwrap_or_else(|| panic!("gpt-5.5 in {listed}"));
    let efforts: Vec<&str> = gpt55["efforts"]
        .as_array()
        .expect("efforts")
        .iter()
        .filter_map(|e| e["effort"].as_str())
        .collect();
    assert_eq!(efforts, ["low", "medium", "high", "xhigh"]);
    assert!(models.iter().all(|m| m["hidden"] == false));
    assert!(models.iter().any(|m| m["is_default"] == true));
    let all = setup
        .bridge
        .call_ok("codex_list_models", json!({"include_hidden": true}))
        .await;
    assert!(all["models"].as_array().expect("models").len() > models.len());

    let before = setup.model.requests().len();
    let refused = setup
        .bridge
        .call_err(
            "codex_ask",
            json!({"prompt": "hi", "model": "gpt-5.5", "effort": "ultra"}),
        )
        .await;
    assert!(refused.contains("`effort`"), "{refused}");
    assert!(refused.contains("low, medium, high, xhigh"), "{refused}");
    let unknown = setup
        .bridge
        .call_err("codex_ask", json!({"prompt": "hi", "effort": "turbo"}))
        .await;
    assert!(
        unknown.contains("ultra"),
        "the union of every model's: {unknown}"
    );
    assert_eq!(
        setup.model.requests().len(),
        before,
        "nothing reached the model"
    );
    // An effort some model lists, with the configured (uncatalogued) model: accepted.
    let ok = setup
        .bridge
        .call_ok("codex_ask", json!({"prompt": "hi", "effort": "max"}))
        .await;
    assert_eq!(ok["status"], "completed");
    let sent = setup.model.requests().pop().expect("request");
    assert_eq!(sent["reasoning"]["effort"], "max", "{}", sent["reasoning"]);
    setup.bridge.stop().await;
}

#[tokio::test]
async fn a_thread_is_read_a_page_at_a_time_and_a_turn_in_full() {
    let setup = Setup::new().await;
    let (thread_id, turns) = setup
        .thread_with(&[
            "q0",
            "q1",
            "q2",
            "q3",
            "RUNSANDBOXED: echo full-output-marker",
        ])
        .await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut args = json!({"thread_id": thread_id, "limit": 2});
        if let Some(cursor) = &cursor {
            args["cursor"] = json!(cursor);
        }
        let page = setup.bridge.call_ok("codex_read_thread", args).await;
        assert_eq!(page["total_turns"], 5, "{page}");
        let ids: Vec<String> = page["turns"]
            .as_array()
            .expect("turns")
            .iter()
            .map(|t| t["turn_id"].as_str().expect("id").to_string())
            .collect();
        assert!(ids.len() <= 2);
        // Oldest first within the page; pages go from newest to oldest.
        seen.splice(0..0, ids);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, turns, "every turn once, in order");

    let full = setup
        .bridge
        .call_ok(
            "codex_read_thread",
            json!({"thread_id": thread_id, "turn_id": turns[4], "detail": "full"}),
        )
        .await;
    let record = &full["turn"];
    assert_eq!(record["turn_id"], turns[4].as_str());
    let command = &record["commands"][0];
    assert!(
        command["command"]
            .as_str()
            .unwrap_or_default()
            .contains("echo full-output-marker"),
        "{record}"
    );
    assert!(
        command["output"]
            .as_str()
            .unwrap_or_default()
            .contains("full-output-marker"),
        "{record}"
    );
    let needs_turn = setup
        .bridge
        .call_err(
            "codex_read_thread",
            json!({"thread_id": thread_id, "detail": "full"}),
        )
        .await;
    assert!(needs_turn.contains("`detail`") && needs_turn.contains("turn_id"));
    let bad_cursor = setup
        .bridge
        .call_err(
            "codex_read_thread",
            json!({"thread_id": thread_id, "cursor": "garbage"}),
        )
        .await;
    assert!(bad_cursor.contains("`cursor`"), "{bad_cursor}");
    let no_turn = setup
        .bridge
        .call_err(
            "codex_read_thread",
            json!({"thread_id": thread_id, "turn_id": NO_SUCH_TURN}),
        )
        .await;
    assert!(no_turn.contains("has no turn"), "{no_turn}");
    setup.bridge.stop().await;
}
