//! Protocol conformance: the bridge's hand-written slice of the app-server protocol, checked
//! against the JSON Schema each tested Codex generates (`codex app-server
//! generate-json-schema`): the pinned release and the newest one (`package.json`).
//!
//! - every request the bridge sends (`protocol::METHODS`) is a method of `ClientRequest`, and
//!   a fully populated sample of its params validates against that method's params schema
//!   with no field the schema does not declare;
//! - every field the bridge reads from a response, a notification or a server request
//!   (`RESPONSE_FIELDS`, `DECODED_FIELDS`, `SERVER_REQUEST_FIELDS`) exists in the schema.
//!
//! When a newer Codex renames something, these tests name it.

use std::path::Path;
use std::process::Command;

use codex_bridge::codex::protocol::{
    AskForApproval, ClientInfo, GetAccountParams, InitializeCapabilities, InitializeParams,
    ModelListParams, ReviewDelivery, ReviewStartParams, ReviewTarget, SandboxMode, SortDirection,
    ThreadArchiveParams, ThreadCompactStartParams, ThreadForkParams, ThreadListParams,
    ThreadReadParams, ThreadResumeParams, ThreadRevertParams, ThreadSetNameParams, ThreadSortKey,
    ThreadSourceKind, ThreadStartParams, ThreadTurnsListParams, ThreadUnarchiveParams,
    ThreadUnsubscribeParams, TurnInterruptParams, TurnItemsView, TurnStartParams, TurnSteerParams,
    UserInput, CONNECTION_FIELDS, DECODED_FIELDS, METHODS, RESPONSE_FIELDS, SERVER_REQUEST_FIELDS,
};
use serde_json::{json, Value};

use crate::common::codex_env::{codex_bin, TestCodex};

/// The combined schema bundle of `codex` (all definitions, v2 ones under `definitions.v2`).
pub fn schema_bundle(codex: &Path) -> Value {
    let out = tempfile::tempdir().expect("schema dir");
    let status = Command::new(codex)
        .args(["app-server", "generate-json-schema", "--out"])
        .arg(out.path())
        .output()
        .expect("run codex app-server generate-json-schema");
    assert!(
        status.status.success(),
        "generate-json-schema failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(out.path().join("codex_app_server_protocol.schemas.json"))
        .expect("the combined schema bundle");
    serde_json::from_str(&text).expect("the bundle is JSON")
}

/// The `$ref` of `method`'s params in the `ClientRequest`, `ServerNotification` or
/// `ServerRequest` union.
fn params_ref(bundle: &Value, union: &str, method: &str) -> Option<String> {
    bundle["definitions"][union]["oneOf"]
        .as_array()?
        .iter()
        .find(|variant| variant["properties"]["method"]["enum"][0] == method)
        .map(|variant| {
            variant["properties"]["params"]["$ref"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
}

fn resolve<'a>(bundle: &'a Value, reference: &str) -> &'a Value {
    bundle
        .pointer(reference.trim_start_matches('#'))
        .unwrap_or_else(|| panic!("{reference} is not in the schema"))
}

/// Every schema `schema` can stand for: itself, what its `$ref` names, and the branches of
/// `anyOf` / `oneOf` / `allOf`, recursively.
fn alternatives<'a>(bundle: &'a Value, schema: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        alternatives(bundle, resolve(bundle, reference), out);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            alternatives(bundle, branch, out);
        }
    }
    out.push(schema);
}

/// Whether the dotted `path` (`[]` steps into array items) exists under `schema`.
fn has_path(bundle: &Value, schema: &Value, path: &[&str]) -> bool {
    let Some((first, rest)) = path.split_first() else {
        return true;
    };
    let mut options = Vec::new();
    alternatives(bundle, schema, &mut options);
    options.into_iter().any(|option| {
        let next = if *first == "[]" {
            option.get("items")
        } else {
            option.get("properties").and_then(|p| p.get(*first))
        };
        next.is_some_and(|next| has_path(bundle, next, rest))
    })
}

/// The dotted paths of every field in a sample (objects only).
fn field_paths(value: &Value, prefix: &str, out: &mut Vec<String>) {
    if let Value::Object(map) = value {
        for (key, inner) in map {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            out.push(path.clone());
            field_paths(inner, &path, out);
        }
    }
}

/// A fully populated params object for every method the bridge sends.
fn samples() -> Vec<(&'static str, Value)> {
    let encode = |value: serde_json::Result<Value>| value.expect("params serialize");
    let mut samples = vec![
        (
            "initialize",
            encode(serde_json::to_value(InitializeParams {
                client_info: ClientInfo {
                    name: "codex-bridge".into(),
                    version: "0".into(),
                },
                capabilities: InitializeCapabilities {
                    opt_out_notification_methods: vec!["item/agentMessage/delta".into()],
                },
            })),
        ),
        (
            "thread/resume",
            encode(serde_json::to_value(ThreadResumeParams {
                thread_id: "t".into(),
                exclude_turns: true,
            })),
        ),
        (
            "thread/list",
            encode(serde_json::to_value(ThreadListParams {
                limit: Some(5),
                cursor: Some("c".into()),
                cwd: Some("/w".into()),
                search_term: Some("s".into()),
                archived: Some(false),
                source_kinds: Some(vec![ThreadSourceKind::SubAgentReview]),
                sort_key: ThreadSortKey::UpdatedAt,
                model_providers: Some(Vec::new()),
            })),
        ),
        (
            "thread/turns/list",
            encode(serde_json::to_value(ThreadTurnsListParams {
                thread_id: "t".into(),
                cursor: Some("c".into()),
                limit: Some(2),
                sort_direction: Some(SortDirection::Desc),
                items_view: Some(TurnItemsView::Full),
            })),
        ),
        (
            "thread/archive",
            encode(serde_json::to_value(ThreadArchiveParams {
                thread_id: "t".into(),
            })),
        ),
        (
            "thread/unarchive",
            encode(serde_json::to_value(ThreadUnarchiveParams {
                thread_id: "t".into(),
            })),
        ),
        (
            "thread/revert",
            encode(serde_json::to_value(ThreadRevertParams {
                thread_id: "t".into(),
                before_turn_id: "u".into(),
            })),
        ),
        (
            "thread/compact/start",
            encode(serde_json::to_value(ThreadCompactStartParams {
                thread_id: "t".into(),
            })),
        ),
        (
            "turn/steer",
            encode(serde_json::to_value(TurnSteerParams {
                thread_id: "t".into(),
                expected_turn_id: "u".into(),
                input: vec![UserInput::Text { text: "hi".into() }],
            })),
        ),
        (
            "model/list",
            encode(serde_json::to_value(ModelListParams {
                cursor: Some("c".into()),
                limit: Some(5),
                include_hidden: Some(true),
            })),
        ),
        (
            "thread/read",
            encode(serde_json::to_value(ThreadReadParams {
                thread_id: "t".into(),
                include_turns: true,
            })),
        ),
        (
            "thread/name/set",
            encode(serde_json::to_value(ThreadSetNameParams {
                thread_id: "t".into(),
                name: "n".into(),
            })),
        ),
        (
            "thread/unsubscribe",
            encode(serde_json::to_value(ThreadUnsubscribeParams {
                thread_id: "t".into(),
            })),
        ),
        (
            "turn/interrupt",
            encode(serde_json::to_value(TurnInterruptParams {
                thread_id: "t".into(),
                turn_id: "u".into(),
            })),
        ),
        (
            "account/read",
            encode(serde_json::to_value(GetAccountParams {})),
        ),
    ];
    for view in [TurnItemsView::NotLoaded, TurnItemsView::Summary] {
        samples.push((
            "thread/turns/list",
            encode(serde_json::to_value(ThreadTurnsListParams {
                thread_id: "t".into(),
                cursor: None,
                limit: None,
                sort_direction: Some(SortDirection::Asc),
                items_view: Some(view),
            })),
        ));
    }
    for target in [
        ReviewTarget::UncommittedChanges,
        ReviewTarget::BaseBranch {
            branch: "main".into(),
        },
        ReviewTarget::Commit {
            sha: "abc".into(),
            title: Some("t".into()),
        },
        ReviewTarget::Custom {
            instructions: "i".into(),
        },
    ] {
        samples.push((
            "review/start",
            encode(serde_json::to_value(ReviewStartParams {
                thread_id: "t".into(),
                target,
                delivery: ReviewDelivery::Inline,
            })),
        ));
    }
    for sandbox in [
        SandboxMode::ReadOnly,
        SandboxMode::WorkspaceWrite,
        SandboxMode::DangerFullAccess,
    ] {
        for approval_policy in [
            AskForApproval::Untrusted,
            AskForApproval::OnRequest,
            AskForApproval::Never,
        ] {
            samples.push((
                "thread/start",
                encode(serde_json::to_value(ThreadStartParams {
                    cwd: Some("/w".into()),
                    model: Some("m".into()),
                    approval_policy: Some(approval_policy),
                    sandbox: Some(sandbox),
                    base_instructions: Some("b".into()),
                    developer_instructions: Some("d".into()),
                    config: Some(serde_json::Map::new()),
                    ephemeral: Some(true),
                })),
            ));
            let mut config = serde_json::Map::new();
            config.insert("model_reasoning_effort".into(), json!("high"));
            samples.push((
                "thread/fork",
                encode(serde_json::to_value(ThreadForkParams {
                    thread_id: "t".into(),
                    last_turn_id: Some("u".into()),
                    cwd: Some("/w".into()),
                    model: Some("m".into()),
                    approval_policy: Some(approval_policy),
                    sandbox: Some(sandbox),
                    config: Some(config),
                })),
            ));
            samples.push((
                "turn/start",
                encode(serde_json::to_value(TurnStartParams {
                    thread_id: "t".into(),
                    input: vec![UserInput::Text { text: "hi".into() }],
                    cwd: Some("/w".into()),
                    model: Some("m".into()),
                    effort: Some("high".into()),
                    approval_policy,
                    sandbox_policy: sandbox.turn_policy(),
                    output_schema: Some(json!({"type": "object"})),
                })),
            ));
        }
    }
    samples
}

/// Check every request the bridge sends against `bundle`; the problems found.
pub fn check_requests(bundle: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let samples = samples();
    for method in METHODS {
        if !samples.iter().any(|(m, _)| m == method) {
            problems.push(format!("{method}: no sample in this test (add one)"));
        }
    }
    for (method, sample) in samples {
        let Some(reference) = params_ref(bundle, "ClientRequest", method) else {
            problems.push(format!(
                "{method}: not a method of this Codex's ClientRequest"
            ));
            continue;
        };
        let schema = json!({
            "definitions": bundle["definitions"],
            "allOf": [{"$ref": reference}],
        });
        let validator = jsonschema::validator_for(&schema).expect("the params schema compiles");
        for error in validator.iter_errors(&sample) {
            problems.push(format!("{method}: {error} (at {})", error.instance_path()));
        }
        let params_schema = resolve(bundle, &reference);
        let mut fields = Vec::new();
        field_paths(&sample, "", &mut fields);
        for field in fields {
            let path: Vec<&str> = field.split('.').collect();
            // Free-form values (`config`, `outputSchema`) have no declared fields inside.
            let free = ["config", "outputSchema"].contains(&path[0]) && path.len() > 1;
            if !free && !has_path(bundle, params_schema, &path) {
                problems.push(format!(
                    "{method}: sends `{field}`, which the schema does not declare"
                ));
            }
        }
    }
    problems
}

/// Check every field the bridge reads against `bundle`; the problems found.
pub fn check_reads(bundle: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for (method, fields) in RESPONSE_FIELDS {
        let Some(params) = params_ref(bundle, "ClientRequest", method) else {
            problems.push(format!("{method}: not a method of this Codex"));
            continue;
        };
        let response = params.replace("Params", "Response");
        let Some(schema) = bundle.pointer(response.trim_start_matches('#')) else {
            problems.push(format!("{method}: no {response} in the schema"));
            continue;
        };
        check_fields(bundle, schema, method, "response", fields, &mut problems);
    }
    for (union, table, kind) in [
        ("ServerNotification", DECODED_FIELDS, "notification"),
        ("ServerNotification", CONNECTION_FIELDS, "notification"),
        ("ServerRequest", SERVER_REQUEST_FIELDS, "server request"),
    ] {
        for (method, fields) in table {
            let Some(reference) = params_ref(bundle, union, method) else {
                problems.push(format!("{method}: not a {kind} of this Codex"));
                continue;
            };
            let schema = resolve(bundle, &reference);
            check_fields(bundle, schema, method, kind, fields, &mut problems);
        }
    }
    problems
}

fn check_fields(
    bundle: &Value,
    schema: &Value,
    method: &str,
    kind: &str,
    fields: &[&str],
    problems: &mut Vec<String>,
) {
    for field in fields {
        let path: Vec<&str> = field.split('.').collect();
        if !has_path(bundle, schema, &path) {
            problems.push(format!(
                "{method} {kind}: the bridge reads `{field}`, which the schema does not have"
            ));
        }
    }
}

/// `check` run on the schema of every tested Codex; the problems, each labelled with its
/// version.
fn on_every_tested_codex(check: fn(&Value) -> Vec<String>) -> Vec<String> {
    TestCodex::ALL
        .into_iter()
        .flat_map(|codex| {
            let bundle = schema_bundle(&codex.bin());
            check(&bundle)
                .into_iter()
                .map(move |problem| format!("{}: {problem}", codex.package()))
        })
        .collect()
}

#[test]
fn every_request_the_bridge_sends_matches_both_codex_schemas() {
    let problems = on_every_tested_codex(check_requests);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_field_the_bridge_reads_is_in_both_codex_schemas() {
    let problems = on_every_tested_codex(check_reads);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_checks_catch_a_renamed_field() {
    let bundle = schema_bundle(&codex_bin());
    let reference = params_ref(&bundle, "ClientRequest", "thread/name/set").expect("method");
    let schema = resolve(&bundle, &reference);
    assert!(has_path(&bundle, schema, &["name"]));
    assert!(!has_path(&bundle, schema, &["title"]));
    let reference = params_ref(&bundle, "ServerNotification", "turn/completed").expect("method");
    let schema = resolve(&bundle, &reference);
    assert!(has_path(&bundle, schema, &["turn", "status"]));
    assert!(!has_path(&bundle, schema, &["turn", "state"]));
}
