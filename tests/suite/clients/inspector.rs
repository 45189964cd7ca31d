//! The MCP Inspector CLI (`--cli`): the three commands of `docs/clients/inspector.sh`, run as
//! written (the pinned package instead of `npx -y`, the built bridge for `codex-bridge`, the
//! thread id for `THREAD_ID`). Each command starts its own bridge, so the continuation
//! resumes the thread from its saved history in a new process. Inspector 0.15 sends
//! `--tool-arg` values as strings when a property also allows `null`: `wait_seconds=30`
//! arrives as `"30"`, as it does for a user.

use serde_json::Value;

use super::{assert_lists_the_tools, assert_nothing_left, client_command, installed, run, snippet};
use crate::common::bridge::bridge_bin;
use crate::common::codex_env::CodexEnv;
use crate::common::fake_model::FakeModel;

const INSPECTOR: &str = "node_modules/.bin/mcp-inspector";
/// How the snippet starts the Inspector (`npx` would fetch it at run time).
pub const NPX: [&str; 3] = ["npx", "-y", "@modelcontextprotocol/inspector@0.15.0"];

/// The commands of a shell snippet as words: lines joined at a trailing `\`, split at blanks,
/// with '…' quoting (all the snippet uses).
pub fn shell_commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    joined
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let mut words = Vec::new();
            let mut word: Option<String> = None;
            let mut quoted = false;
            for c in line.chars() {
                match c {
                    '\'' => {
                        quoted = !quoted;
                        word.get_or_insert_with(String::new);
                    }
                    c if c.is_whitespace() && !quoted => words.extend(word.take()),
                    c => word.get_or_insert_with(String::new).push(c),
                }
            }
            assert!(!quoted, "unbalanced quote in {line}");
            words.extend(word);
            words
        })
        .collect()
}

#[tokio::test]
async fn inspector_cli_lists_asks_and_continues_with_string_arguments() {
    let inner = FakeModel::start().await;
    let env = CodexEnv::new(&inner);
    let inspector = installed(INSPECTOR);
    let commands = shell_commands(&snippet("inspector.sh"));
    assert_eq!(commands.len(), 3, "list, ask, continue: {commands:?}");
    let mut thread = String::new();
    let mut results: Vec<Value> = Vec::new();
    for words in &commands {
        assert_eq!(words[..3], NPX, "{words:?}");
        let mut command = client_command(&inspector, env.envs(), env.workspace.path());
        for word in &words[3..] {
            command.arg(match word.as_str() {
                "codex-bridge" => bridge_bin().to_string(),
                "/home/me/src" => env.workspace.path().display().to_string(),
                _ => word.replace("THREAD_ID", &thread),
            });
        }
        let ran = run(command, "mcp-inspector --cli").await;
        let result = ran.json();
        assert!(
            result["isError"] != true,
            "the bridge answered {words:?} with an error: {}",
            result["content"][0]["text"]
        );
        ran.succeeded();
        if let Some(id) = result["structuredContent"]["thread_id"].as_str() {
            thread = id.to_string();
        }
        results.push(result);
    }

    let names: Vec<String> = results[0]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|tool| tool["name"].as_str().map(str::to_string))
        .collect();
    assert_lists_the_tools(&names, "");
    let asked = &results[1]["structuredContent"];
    assert_eq!(asked["status"], "completed", "{asked}");
    assert_eq!(
        asked["text"], "answer: What does this repository do?",
        "{asked}"
    );
    let continued = &results[2]["structuredContent"];
    assert_eq!(continued["status"], "completed", "{continued}");
    assert_eq!(continued["thread_id"], asked["thread_id"], "{continued}");
    assert_eq!(
        continued["text"], "answer: How is it tested?",
        "{continued}"
    );
    // The resumed thread's history reached the model with the second prompt.
    let last = inner.requests().pop().expect("model requests").to_string();
    assert!(last.contains("What does this repository do?"), "{last}");
    assert_nothing_left(&[env.codex_home.path()]).await;
}

#[test]
fn shell_words() {
    assert_eq!(
        shell_commands("a 'b c' d=e \\\n  'f=g h'\n\nx\n"),
        [vec!["a", "b c", "d=e", "f=g h"], vec!["x"]]
    );
}
