//! Several Codex turns for one call, over the real wire with the real app-server and the
//! fake model: `codex_brainstorm` (a debate across threads) and `codex_fanout` (one prompt,
//! several variants).
//!
//! The fake model answers a request with an output schema with JSON built from it: a
//! participant's `position` is `position <n>` (unique per answer), and `changed` is true only
//! when the topic says `SHIFTY`; `SLOW:<ms>`, `HANG` and `FAIL` work as for any prompt.

use std::time::{Duration, Instant};

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

    /// The last user message of every model request whose input contains `marker`.
    fn requests_with(&self, marker: &str) -> Vec<Value> {
        self.model
            .requests()
            .into_iter()
            .filter(|request| last_user_text(request).contains(marker))
            .collect()
    }
}

fn last_user_text(request: &Value) -> String {
    request["input"]
        .as_array()
        .into_iter()
        .flatten()
        .rfind(|item| item["role"] == "user")
        .map(|item| item["content"].to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn round_one_is_independent_and_later_rounds_see_the_others_anonymised() {
    let setup = Setup::new().await;
    let result = setup
        .bridge
        .call_ok(
            "codex_brainstorm",
            json!({
                "topic": "Should the service cache results? STEADY",
                "caller_position": "CALLER-VIEW: cache only the hot path",
                "transcript": true,
            }),
        )
        .await;
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["rounds_run"], 2);
    assert_eq!(
        result["stop_reason"], "no position changed in round 2",
        "{result}"
    );
    let participants = result["participants"].as_array().expect("participants");
    let roles: Vec<&str> = participants
        .iter()
        .map(|p| p["role"].as_str().expect("role"))
        .collect();
    assert_eq!(roles, ["proponent", "skeptic", "pragmatist"]);
    for participant in participants {
        assert_eq!(participant["status"], "completed", "{participant}");
        assert!(participant["position"]
            .as_str()
            .unwrap_or_default()
            .starts_with("position "));
        assert_eq!(participant["confidence"], 0.5);
        assert_eq!(participant["changed_mind"], false);
    }
    let threads: std::collections::HashSet<&str> = participants
        .iter()
        .map(|p| p["thread_id"].as_str().expect("thread"))
        .collect();
    assert_eq!(threads.len(), 3, "a thread each");

    // Round 1: alone. Nobody's request holds another participant's view.
    let first = setup.requests_with("This is round 1");
    assert_eq!(first.len(), 3, "one round-1 request per participant");
    for request in &first {
        let text = request["input"].to_string();
        assert!(
            !text.contains("Position: position"),
            "round 1 saw a position: {text}"
        );
        assert!(
            !text.contains("CALLER-VIEW"),
            "round 1 saw the caller's view"
        );
    }
    // Round 2: the others' round-1 positions by letter, the caller's as one more, never the
    // others' roles.
    let second = setup.requests_with("Round 2 of the debate");
    assert_eq!(second.len(), 3);
    for request in &second {
        let text = last_user_text(request);
        assert_eq!(
            text.matches("Position: position").count(),
            2,
            "the two others: {text}"
        );
        assert!(
            text.contains("Position: CALLER-VIEW"),
            "and the caller: {text}"
        );
        assert!(text.contains("CALLER-VIEW"), "{text}");
        assert!(
            text.contains("Participant D"),
            "the caller as one more participant: {text}"
        );
        let whole = request["input"].to_string();
        let own = ["proponent", "skeptic", "pragmatist"]
            .into_iter()
            .filter(|role| whole.contains(&format!("Your role: {role}")))
            .count();
        assert_eq!(own, 1, "only its own role is in its history");
        for role in ["proponent", "skeptic", "pragmatist"] {
            if !whole.contains(&format!("Your role: {role}")) {
                assert!(!whole.contains(role), "round 2 named another's role {role}");
            }
        }
    }
    // The synthesis ran in a thread of its own, with the final positions.
    assert_eq!(setup.requests_with("You did not take part").len(), 1);
    assert!(result["synthesis_thread_id"].is_string());
    assert!(!threads.contains(result["synthesis_thread_id"].as_str().unwrap_or_default()));
    assert_eq!(result["agreements"][0]["support"], 1, "{result}");
    assert!(result["synthesis"]
        .as_str()
        .unwrap_or_default()
        .starts_with("recommendation"));
    let transcript = result["transcript"].as_array().expect("transcript");
    assert_eq!(transcript.len(), 6, "3 answers in each of 2 rounds");

    // Each participant's thread is an ordinary thread now.
    let participant = participants[1]["thread_id"].as_str().expect("thread");
    let next = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": participant, "prompt": "why?"}),
        )
        .await;
    assert_eq!(next["status"], "completed");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn participants_answer_in_parallel() {
    let setup = Setup::new().await;
    let started = Instant::now();
    let result = setup
        .bridge
        .call_ok(
            "codex_brainstorm",
            json!({"topic": "SLOW:1000 STEADY pick a database", "wait_seconds": 50}),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["rounds_run"], 2);
    // Seven answers of a second each: serially at least 7 s; in parallel about 3 s.
    assert!(
        elapsed < Duration::from_millis(6_500),
        "3 participants x 2 rounds + synthesis took {elapsed:?}"
    );
    setup.bridge.stop().await;
}

#[tokio::test]
async fn positions_that_keep_changing_run_every_round() {
    let setup = Setup::new().await;
    let result = setup
        .bridge
        .call_ok(
            "codex_brainstorm",
            json!({"topic": "SHIFTY naming things", "rounds": 3, "synthesize": false,
                   "participants": [{"role": "optimist"}, {"role": "pessimist"}]}),
        )
        .await;
    assert_eq!(result["rounds_run"], 3, "{result}");
    assert_eq!(result["stop_reason"], "ran the 3 rounds asked for");
    assert!(result["participants"]
        .as_array()
        .expect("participants")
        .iter()
        .all(|p| p["changed_mind"] == true));
    assert!(result.get("synthesis").is_none());
    assert!(setup.requests_with("You did not take part").is_empty());
    setup.bridge.stop().await;
}

#[tokio::test]
async fn a_failing_participant_drops_out_and_the_debate_goes_on() {
    let setup = Setup::new().await;
    let result = setup
        .bridge
        .call_ok(
            "codex_brainstorm",
            json!({"topic": "STEADY the plan", "synthesize": false, "participants": [
                {"role": "first"}, {"role": "second", "instructions": "FAIL"}, {"role": "third"}]}),
        )
        .await;
    assert_eq!(result["status"], "completed", "{result}");
    let participants = result["participants"].as_array().expect("participants");
    assert_eq!(participants[1]["status"], "failed", "{result}");
    assert!(participants[1]["error"].as_str().is_some());
    assert_eq!(participants[0]["status"], "completed");
    assert_eq!(participants[2]["status"], "completed");
    // Round 2 went to the two that answered, each seeing the other one.
    let second = setup.requests_with("Round 2 of the debate");
    assert_eq!(second.len(), 2);

    let all_fail = setup
        .bridge
        .call(
            "codex_brainstorm",
            json!({"topic": "FAIL everything", "participants": [{"role": "a"}, {"role": "b"}]}),
        )
        .await;
    assert_eq!(all_fail.is_error, Some(true), "{all_fail:?}");
    let failed = all_fail.structured_content.expect("structured");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["stop_reason"], "every participant failed");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn a_long_debate_answers_running_then_is_picked_up_by_id() {
    let setup = Setup::new().await;
    let running = setup
        .bridge
        .call_ok(
            "codex_brainstorm",
            json!({"topic": "SLOW:1500 STEADY a long one", "wait_seconds": 0.8, "synthesize": false,
                   "participants": [{"role": "a"}, {"role": "b"}]}),
        )
        .await;
    assert_eq!(running["status"], "running", "{running}");
    let id = running["brainstorm_id"].as_str().expect("id").to_string();
    // A participant's thread is the debate's until it ends (picking the debate up with a
    // short wait until its first round has started).
    let mut current = running;
    let thread = loop {
        if let Some(thread) = current["participants"][0]["thread_id"].as_str() {
            break thread.to_string();
        }
        assert_eq!(current["status"], "running", "{current}");
        current = setup
            .bridge
            .call_ok(
                "codex_brainstorm",
                json!({"brainstorm_id": id, "wait_seconds": 0.2}),
            )
            .await;
    };
    let busy = setup
        .bridge
        .call_err(
            "codex_continue_thread",
            json!({"thread_id": thread, "prompt": "hello"}),
        )
        .await;
    assert!(busy.contains(&format!("brainstorm {id}")), "{busy}");
    assert!(busy.contains("codex_brainstorm"), "{busy}");
    let done = setup
        .bridge
        .call_ok(
            "codex_brainstorm",
            json!({"brainstorm_id": id, "wait_seconds": 30}),
        )
        .await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["brainstorm_id"], id.as_str());
    let free = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread, "prompt": "hello"}),
        )
        .await;
    assert_eq!(free["status"], "completed");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn stopping_a_debate_interrupts_every_participant() {
    let setup = Setup::new().await;
    // Cancelling the call.
    let call = setup
        .bridge
        .call_cancellable(
            "codex_brainstorm",
            json!({"topic": "HANG forever", "wait_seconds": 30}),
        )
        .await;
    assert!(
        wait_for(|| setup.requests_with("HANG forever").len() >= 3).await,
        "every participant asked the model"
    );
    call.cancel(Some("enough".into())).await.expect("cancel");
    assert!(
        setup
            .model
            .wait_for_dropped(3, Duration::from_secs(10))
            .await,
        "every participant's request was dropped"
    );
    // codex_interrupt on a debate whose call returned.
    let running = setup
        .bridge
        .call_ok(
            "codex_brainstorm",
            json!({"topic": "HANG again", "wait_seconds": 0.5, "participants": [{"role": "a"}, {"role": "b"}]}),
        )
        .await;
    assert_eq!(running["status"], "running");
    assert!(wait_for(|| setup.requests_with("HANG again").len() >= 2).await);
    let stopped = setup
        .bridge
        .call_ok(
            "codex_interrupt",
            json!({"brainstorm_id": running["brainstorm_id"]}),
        )
        .await;
    assert_eq!(stopped["brainstorm"]["status"], "interrupted", "{stopped}");
    assert!(
        setup
            .model
            .wait_for_dropped(5, Duration::from_secs(10))
            .await
    );
    setup.bridge.stop().await;
}

#[tokio::test]
async fn a_seed_thread_is_forked_into_every_participant() {
    let setup = Setup::new().await;
    let seed = setup
        .bridge
        .call_ok("codex_ask", json!({"prompt": "SEED-MARKER the context"}))
        .await;
    let result = setup
        .bridge
        .call_ok(
            "codex_brainstorm",
            json!({"topic": "STEADY given the seed", "rounds": 1, "synthesize": false,
                   "seed_thread_id": seed["thread_id"], "participants": [{"role": "a"}, {"role": "b"}]}),
        )
        .await;
    assert_eq!(result["status"], "completed", "{result}");
    let first = setup.requests_with("This is round 1");
    assert_eq!(first.len(), 2);
    for request in first {
        assert!(
            request["input"].to_string().contains("SEED-MARKER"),
            "the seed's history"
        );
    }
    // The seed itself is unchanged.
    let history = setup
        .bridge
        .call_ok("codex_read_thread", json!({"thread_id": seed["thread_id"]}))
        .await;
    assert_eq!(history["total_turns"], 1);
    setup.bridge.stop().await;
}

#[tokio::test]
async fn bad_brainstorm_arguments_never_reach_the_model() {
    let setup = Setup::new().await;
    let seven: Vec<Value> = (0..7).map(|n| json!({"role": format!("r{n}")})).collect();
    for (args, words) in [
        (json!({}), vec!["`topic`", "brainstorm_id"]),
        (json!({"topic": "  "}), vec!["`topic`"]),
        (
            json!({"topic": "t", "participants": []}),
            vec!["`participants`", "1 to 6"],
        ),
        (
            json!({"topic": "t", "participants": seven}),
            vec!["`participants`", "--max-participants"],
        ),
        (
            json!({"topic": "t", "rounds": 0}),
            vec!["`rounds`", "between 1 and 5"],
        ),
        (json!({"topic": "t", "rounds": 6}), vec!["`rounds`"]),
        (
            json!({"topic": "t", "participants": [{"role": ""}]}),
            vec!["`participants[0].role`"],
        ),
        (
            json!({"brainstorm_id": "019a0000-0000-7000-8000-000000000000"}),
            vec!["no brainstorm", "codex_list_threads"],
        ),
        (
            json!({"brainstorm_id": "019a0000-0000-7000-8000-000000000000", "topic": "t"}),
            vec!["`topic`", "cannot change a running brainstorm"],
        ),
        (json!({"brainstorm_id": "nope"}), vec!["`brainstorm_id`"]),
    ] {
        let text = setup
            .bridge
            .call_err("codex_brainstorm", args.clone())
            .await;
        for word in words {
            assert!(text.contains(word), "{args}: {word:?} not in {text}");
        }
    }
    assert!(
        setup.model.requests().is_empty(),
        "nothing reached the model"
    );
    setup.bridge.stop().await;
}

#[tokio::test]
async fn a_fanout_runs_each_variant_on_its_own_thread_in_parallel() {
    let setup = Setup::new().await;
    let started = Instant::now();
    let result = setup
        .bridge
        .call_ok(
            "codex_fanout",
            json!({"prompt": "SLOW:1000 compare", "variants": [
                {"name": "terse", "developer_instructions": "be terse"},
                {"name": "thorough"},
                {"model": "gpt-5.5", "effort": "high"},
                {}]}),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(result["status"], "completed", "{result}");
    let variants = result["variants"].as_array().expect("variants");
    let names: Vec<&str> = variants
        .iter()
        .map(|v| v["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["terse", "thorough", "variant-3", "variant-4"]);
    let threads: std::collections::HashSet<&str> = variants
        .iter()
        .map(|v| v["turn"]["thread_id"].as_str().expect("thread"))
        .collect();
    assert_eq!(threads.len(), 4, "a thread each");
    for variant in variants {
        assert_eq!(variant["turn"]["status"], "completed", "{variant}");
        assert_eq!(variant["turn"]["text"], "answer: SLOW:1000 compare");
    }
    assert_eq!(variants[2]["model"], "gpt-5.5");
    assert!(
        elapsed < Duration::from_millis(3_500),
        "4 one-second answers took {elapsed:?}: not in parallel"
    );
    let requests = setup.model.requests();
    assert!(requests
        .iter()
        .any(|r| r["model"] == "gpt-5.5" && r["reasoning"]["effort"] == "high"));
    assert!(requests.iter().any(|r| r.to_string().contains("be terse")));

    // count; then too many; then a variant still running is an ordinary turn.
    let counted = setup
        .bridge
        .call_ok("codex_fanout", json!({"prompt": "hi", "count": 2}))
        .await;
    assert_eq!(counted["variants"].as_array().map(Vec::len), Some(2));
    let too_many = setup
        .bridge
        .call_err("codex_fanout", json!({"prompt": "hi", "count": 7}))
        .await;
    assert!(too_many.contains("`count`") && too_many.contains("--max-participants"));
    let both = setup
        .bridge
        .call_err(
            "codex_fanout",
            json!({"prompt": "hi", "count": 2, "variants": [{}]}),
        )
        .await;
    assert!(both.contains("`count`"), "{both}");
    let bad_effort = setup
        .bridge
        .call_err(
            "codex_fanout",
            json!({"prompt": "hi", "variants": [{"model": "gpt-5.5", "effort": "ultra"}]}),
        )
        .await;
    assert!(bad_effort.contains("effort"), "{bad_effort}");

    let running = setup
        .bridge
        .call_ok(
            "codex_fanout",
            json!({"prompt": "HANG please", "count": 2, "wait_seconds": 0.5}),
        )
        .await;
    assert_eq!(running["status"], "running", "{running}");
    for variant in running["variants"].as_array().expect("variants") {
        let turn = &variant["turn"];
        assert_eq!(turn["status"], "running");
        let stopped = setup
            .bridge
            .call_ok(
                "codex_interrupt",
                json!({"thread_id": turn["thread_id"], "turn_id": turn["turn_id"]}),
            )
            .await;
        assert_eq!(stopped["status"], "interrupted");
    }
    setup.bridge.stop().await;
}

#[tokio::test]
async fn cancelling_a_fanout_interrupts_every_variant() {
    let setup = Setup::new().await;
    let call = setup
        .bridge
        .call_cancellable("codex_fanout", json!({"prompt": "HANG fan", "count": 3}))
        .await;
    assert!(wait_for(|| setup.requests_with("HANG fan").len() >= 3).await);
    call.cancel(Some("enough".into())).await.expect("cancel");
    assert!(
        setup
            .model
            .wait_for_dropped(3, Duration::from_secs(10))
            .await,
        "every variant's request was dropped"
    );
    setup.bridge.stop().await;
}

async fn wait_for(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}
