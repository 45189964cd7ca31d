//! The tools' front door, over the real wire with the real app-server behind it: every
//! argument of every tool is checked before anything reaches Codex.
//!
//! One table per kind of fault (a wrong type or value, an unknown argument, a value sent as
//! a string, a malformed id); each error names the argument and what to do, the server
//! keeps serving after each, and nothing reaches the model. And the published schemas are
//! the portable subset every client accepts.

use serde_json::{json, Value};

use crate::common::bridge::{text_of, Bridge, BridgeOptions};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;

struct Setup {
    model: FakeModel,
    env: CodexEnv,
    bridge: Bridge,
}

impl Setup {
    async fn new() -> Setup {
        let model = FakeModel::start().await;
        let env = CodexEnv::new(&model);
        let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
        Setup { model, env, bridge }
    }

    fn workspace(&self) -> String {
        self.env.workspace.path().display().to_string()
    }

    /// Every case must be a tool error holding every expected word, and none of the words
    /// that betray an internal cause; the model must never be asked.
    async fn refuse_all(&self, cases: &[(&str, Value, Vec<&str>)]) {
        let before = self.model.requests().len();
        for (tool, args, words) in cases {
            let result = self.bridge.call(tool, args.clone()).await;
            assert_eq!(result.is_error, Some(true), "{tool} {args}: {result:?}");
            let text = text_of(&result);
            for word in words {
                assert!(
                    text.contains(word),
                    "{tool} {args}: {word:?} not in {text:?}"
                );
            }
            for internal in [
                "deserialize",
                "invalid type",
                "unknown variant",
                "f64",
                "u32",
                "i64",
                "String",
                "invalid character",
                "expected an optional prefix",
            ] {
                assert!(
                    !text.contains(internal),
                    "{tool} {args}: {text:?} says {internal:?}"
                );
            }
        }
        assert_eq!(
            self.model.requests().len(),
            before,
            "nothing reaches the model"
        );
        // Still serving.
        let listed = self.bridge.call_ok("codex_list_threads", json!({})).await;
        assert!(listed["threads"].is_array());
    }
}

const SANDBOXES: [&str; 3] = ["`read-only`", "`workspace-write`", "`danger-full-access`"];

#[tokio::test]
async fn a_wrong_type_or_value_names_the_argument_and_what_it_accepts() {
    let setup = Setup::new().await;
    let thread = "019a0000-0000-7000-8000-000000000001";
    let mut sandbox = vec!["`sandbox` got \"yolo\""];
    sandbox.extend(SANDBOXES);
    let cases = vec![
        (
            "codex_ask",
            json!({"prompt": "x", "sandbox": "yolo"}),
            sandbox,
        ),
        (
            "codex_ask",
            json!({"prompt": 42}),
            vec!["`prompt` got 42", "expected text"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "wait_seconds": "ten"}),
            vec![
                "`wait_seconds` got \"ten\"",
                "expected a number",
                "Seconds this call waits",
            ],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "approval_policy": "yes"}),
            vec!["`approval_policy`", "`deny`", "`allow`", "`ask`"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "ephemeral": 1}),
            vec!["`ephemeral` got 1", "true or false"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "allow_commands": "git status"}),
            vec!["`allow_commands`", "a list of strings"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "output_schema": 7}),
            vec!["`output_schema` got 7", "a JSON object"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "approval_timeout_seconds": true}),
            vec!["`approval_timeout_seconds` got true", "a number"],
        ),
        (
            "codex_ask",
            json!({"cwd": "/tmp"}),
            vec!["`prompt` is required"],
        ),
        (
            "codex_continue_thread",
            json!({"thread_id": thread, "prompt": ["a"]}),
            vec!["`prompt` got a list", "expected text"],
        ),
        (
            "codex_continue_thread",
            json!({"thread_id": thread, "prompt": "x", "sandbox": 3}),
            vec!["`sandbox` got 3", "`read-only`"],
        ),
        (
            "codex_continue_thread",
            json!({"prompt": "x"}),
            vec!["`thread_id` is required"],
        ),
        (
            "codex_review",
            json!({"target": "everything"}),
            vec![
                "`target` got \"everything\"",
                "`uncommitted`",
                "`base_branch`",
                "`commit`",
                "`custom`",
            ],
        ),
        (
            "codex_review",
            json!({"base_branch": "main"}),
            vec!["`target` is required"],
        ),
        (
            "codex_read_thread",
            json!({"thread_id": thread, "detail": "everything"}),
            vec!["`detail` got \"everything\"", "`summary`", "`full`"],
        ),
        (
            "codex_list_models",
            json!({"include_hidden": "maybe"}),
            vec!["`include_hidden`", "true or false"],
        ),
        (
            "codex_rename_thread",
            json!({"thread_id": thread}),
            vec!["`name` is required"],
        ),
        (
            "codex_revert_thread",
            json!({"thread_id": thread}),
            vec!["`before_turn_id` is required"],
        ),
        (
            "codex_steer",
            json!({"thread_id": thread, "prompt": "x", "wait_seconds": "soon"}),
            vec!["`wait_seconds` got \"soon\"", "a number"],
        ),
        (
            "codex_wait",
            json!({"thread_id": thread, "wait_seconds": {"s": 1}}),
            vec!["`wait_seconds` got an object", "a number"],
        ),
        (
            "codex_wait",
            json!({"thread_id": thread, "turn_id": 9}),
            vec!["`turn_id` got 9", "text"],
        ),
        (
            "codex_interrupt",
            json!({"thread_id": false}),
            vec!["`thread_id` got false", "text"],
        ),
        (
            "codex_list_threads",
            json!({"limit": "many"}),
            vec!["`limit` got \"many\"", "a whole number"],
        ),
        (
            "codex_list_threads",
            json!({"limit": 2.5}),
            vec!["`limit` got 2.5", "a whole number"],
        ),
        (
            "codex_list_threads",
            json!({"archived": "maybe"}),
            vec!["`archived` got \"maybe\"", "true or false"],
        ),
        (
            "codex_read_thread",
            json!({"thread_id": thread, "limit": [1]}),
            vec!["`limit` got a list", "a whole number"],
        ),
    ];
    setup.refuse_all(&cases).await;
    setup.bridge.stop().await;
}

#[tokio::test]
async fn unknown_arguments_are_refused_and_the_meant_one_is_named() {
    let setup = Setup::new().await;
    let first = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "first", "cwd": setup.workspace()}),
        )
        .await;
    let thread_id = first["thread_id"].as_str().expect("thread id").to_string();
    let cases = vec![
        (
            "codex_ask",
            json!({"prompt": "follow up", "thread_id": thread_id}),
            vec![
                "unknown argument `thread_id`",
                "NEW thread",
                "codex_continue_thread",
            ],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "workingDirectory": setup.workspace()}),
            vec!["unknown argument `workingDirectory`", "did you mean `cwd`"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "approval-policy": "ask"}),
            vec![
                "unknown argument `approval-policy`",
                "did you mean `approval_policy`",
            ],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "sandbox_mode": "read-only"}),
            vec!["did you mean `sandbox`"],
        ),
        (
            "codex_ask",
            json!({"promt": "x"}),
            vec!["unknown argument `promt`", "did you mean `prompt`"],
        ),
        (
            "codex_continue_thread",
            json!({"threadId": thread_id, "prompt": "x"}),
            vec!["unknown argument `threadId`", "did you mean `thread_id`"],
        ),
        (
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "x", "timeout": 5}),
            vec!["unknown argument `timeout`", "did you mean `wait_seconds`"],
        ),
        (
            "codex_wait",
            json!({"thread_id": thread_id, "turnId": "x"}),
            vec!["did you mean `turn_id`"],
        ),
        (
            "codex_list_threads",
            json!({"query": "x"}),
            vec![
                "unknown argument `query`",
                "codex_list_threads takes: archived, cursor, cwd, limit, search",
            ],
        ),
        (
            "codex_read_thread",
            json!({"thread_id": thread_id, "verbose": true}),
            vec!["unknown argument `verbose`"],
        ),
    ];
    setup.refuse_all(&cases).await;
    // The refused follow-up started no new thread.
    let listed = setup.bridge.call_ok("codex_list_threads", json!({})).await;
    assert_eq!(
        listed["threads"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    setup.bridge.stop().await;
}

#[tokio::test]
async fn values_sent_as_strings_are_understood() {
    let setup = Setup::new().await;
    // What the MCP Inspector CLI 0.15 sends: every value a string.
    let asked = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({
                "prompt": "JSON: {\"answer\":42}",
                "cwd": setup.workspace(),
                "wait_seconds": "20",
                "ephemeral": "true",
                "approve_every_command": "false",
                "approval_timeout_seconds": "30.5",
                "output_schema": "{\"type\":\"object\",\"properties\":{\"answer\":{\"type\":\"integer\"}},\"required\":[\"answer\"],\"additionalProperties\":false}"
            }),
        )
        .await;
    assert_eq!(asked["status"], "completed", "{asked}");
    assert_eq!(asked["structured"], json!({"answer": 42}));
    // "ephemeral": "true" was read as true: the thread is not listed.
    let listed = setup
        .bridge
        .call_ok(
            "codex_list_threads",
            json!({"limit": "5", "archived": "false"}),
        )
        .await;
    assert_eq!(listed["threads"], json!([]), "{listed}");
    // Anything that is not exactly a number or a boolean stays an error.
    let cases = vec![
        (
            "codex_ask",
            json!({"prompt": "x", "wait_seconds": " 20"}),
            vec!["`wait_seconds`"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "wait_seconds": "20s"}),
            vec!["`wait_seconds`"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "ephemeral": "True"}),
            vec!["`ephemeral`"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "ephemeral": "1"}),
            vec!["`ephemeral`"],
        ),
        (
            "codex_ask",
            json!({"prompt": "x", "output_schema": "[1,2]"}),
            vec!["`output_schema`", "a JSON object"],
        ),
        (
            "codex_list_threads",
            json!({"limit": "5.0"}),
            vec!["`limit`"],
        ),
    ];
    setup.refuse_all(&cases).await;
    setup.bridge.stop().await;
}

#[tokio::test]
async fn malformed_ids_never_reach_codex() {
    let setup = Setup::new().await;
    let first = setup
        .bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": "first", "cwd": setup.workspace()}),
        )
        .await;
    let thread_id = first["thread_id"].as_str().expect("thread id").to_string();
    let thread_words = vec![
        "`thread_id`",
        "not a Codex thread id",
        "codex_ask or codex_list_threads",
    ];
    let turn_words = vec!["`turn_id`", "not a Codex turn id"];
    let mut cases = Vec::new();
    for bad in [
        "not-a-thread",
        "../../etc/passwd",
        "",
        "019a0000-0000-7000-8000-00000000000G",
    ] {
        cases.push((
            "codex_continue_thread",
            json!({"thread_id": bad, "prompt": "x"}),
            thread_words.clone(),
        ));
        cases.push((
            "codex_wait",
            json!({"thread_id": bad}),
            thread_words.clone(),
        ));
        cases.push((
            "codex_interrupt",
            json!({"thread_id": bad}),
            thread_words.clone(),
        ));
        cases.push((
            "codex_read_thread",
            json!({"thread_id": bad}),
            thread_words.clone(),
        ));
        for (tool, extra) in [
            ("codex_steer", json!({"prompt": "x"})),
            ("codex_fork_thread", json!({})),
            ("codex_rename_thread", json!({"name": "n"})),
            ("codex_archive_thread", json!({})),
            ("codex_unarchive_thread", json!({})),
            ("codex_compact_thread", json!({})),
            ("codex_review", json!({"target": "uncommitted"})),
            (
                "codex_revert_thread",
                json!({"before_turn_id": "019a0000-0000-7000-8000-000000000000"}),
            ),
        ] {
            let mut args = extra;
            args["thread_id"] = json!(bad);
            cases.push((tool, args, thread_words.clone()));
        }
        for (tool, argument, mut args) in [
            ("codex_steer", "turn_id", json!({"prompt": "x"})),
            ("codex_read_thread", "turn_id", json!({})),
            ("codex_fork_thread", "last_turn_id", json!({})),
            ("codex_revert_thread", "before_turn_id", json!({})),
        ] {
            args["thread_id"] = json!(thread_id);
            args[argument] = json!(bad);
            let named = format!("`{argument}`");
            cases.push((tool, args, vec![named.leak(), "not a Codex turn id"]));
        }
        cases.push((
            "codex_wait",
            json!({"thread_id": thread_id, "turn_id": bad}),
            turn_words.clone(),
        ));
        cases.push((
            "codex_interrupt",
            json!({"thread_id": thread_id, "turn_id": bad}),
            turn_words.clone(),
        ));
    }
    let cases: Vec<_> = cases
        .into_iter()
        .map(|(tool, args, words)| {
            let words: Vec<&str> = words.into_iter().map(|w| &*w.to_owned().leak()).collect();
            (tool, args, words)
        })
        .collect();
    setup.refuse_all(&cases).await;
    // The app-server's own id form is accepted too, as the same thread.
    let next = setup
        .bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": format!("urn:uuid:{}", thread_id.to_uppercase()), "prompt": "HISTORY"}),
        )
        .await;
    assert_eq!(next["thread_id"], thread_id.as_str());
    assert_eq!(next["text"], "first | HISTORY");
    setup.bridge.stop().await;
}

#[tokio::test]
async fn every_tool_publishes_the_portable_schema_subset() {
    let setup = Setup::new().await;
    let tools = setup
        .bridge
        .client
        .list_all_tools()
        .await
        .expect("tools/list");
    for tool in tools {
        let mut problems = Vec::new();
        portable(
            &Value::Object((*tool.input_schema).clone()),
            "input",
            false,
            &mut problems,
        );
        let output = tool.output_schema.clone().expect("an output schema");
        portable(
            &Value::Object((*output).clone()),
            "output",
            false,
            &mut problems,
        );
        assert!(problems.is_empty(), "{}: {problems:#?}", tool.name);
    }
    setup.bridge.stop().await;
}

/// The rules of the portable subset: one `type` per schema, everything inlined, only
/// standard formats, a type and a description on every property.
fn portable(schema: &Value, path: &str, property: bool, problems: &mut Vec<String>) {
    let Some(object) = schema.as_object() else {
        problems.push(format!("{path}: not an object schema"));
        return;
    };
    for key in [
        "$ref",
        "$defs",
        "definitions",
        "anyOf",
        "oneOf",
        "allOf",
        "nullable",
    ] {
        if object.contains_key(key) {
            problems.push(format!("{path}: {key}"));
        }
    }
    match object.get("type") {
        Some(Value::String(_)) => {}
        None if !property => {}
        other => problems.push(format!("{path}: type {other:?}")),
    }
    if let Some(format) = object.get("format") {
        problems.push(format!("{path}: format {format}"));
    }
    if property && !object.contains_key("description") {
        problems.push(format!("{path}: no description"));
    }
    if let Some(Value::Object(properties)) = object.get("properties") {
        for (name, inner) in properties {
            portable(inner, &format!("{path}.{name}"), true, problems);
        }
    }
    if let Some(items) = object.get("items") {
        portable(items, &format!("{path}[]"), false, problems);
    }
}
