//! Claude Code (`claude -p`) with the bridge from `docs/clients/claude-code.mcp.json` (passed
//! with `--mcp-config`) and `docs/clients/claude-code.settings.json` (the tools allowed, an
//! `Elicitation` hook), against a fake Anthropic Messages API. Claude Code passes its whole
//! environment to the bridge, so the test's `CODEX_HOME` reaches the inner Codex.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use super::{
    ask_then_continue, assert_asked_then_continued, assert_lists_the_tools, assert_nothing_left,
    bridge_quoted, client_command, filled, installed, run, structured_in, Ran,
};
use crate::common::bridge::bridge_bin;
use crate::common::codex_env::CodexEnv;
use crate::common::fake_anthropic::{result_text, tool_names, tool_results, FakeAnthropic};
use crate::common::fake_model::FakeModel;
use crate::common::process::processes_mentioning;
use crate::common::script::{call, script, Script, Step};

const CLAUDE: &str = "node_modules/.bin/claude";

/// A run of Claude Code: the inner model and Codex environment, the fake Anthropic API, and
/// the configuration files (the hook records what it was asked in `hook_input`).
struct Claude {
    inner: FakeModel,
    env: CodexEnv,
    anthropic: FakeAnthropic,
    config: tempfile::TempDir,
}

impl Claude {
    async fn new(script: Script) -> Claude {
        let inner = FakeModel::start().await;
        let env = CodexEnv::new(&inner);
        let anthropic = FakeAnthropic::start(script).await;
        let config = tempfile::Builder::new()
            .prefix("claude-config-")
            .tempdir()
            .expect("config dir");
        // The hook answers every question with accept, and keeps the question.
        let hook = config.path().join("approval-hook");
        let hook_script = format!(
            "#!/bin/sh\ncat > '{}'\necho '{}'\n",
            config.path().join("hook-input.json").display(),
            json!({"hookSpecificOutput": {"hookEventName": "Elicitation", "action": "accept",
                                          "content": {"decision": "accept"}}})
        );
        std::fs::write(&hook, hook_script).expect("write the hook");
        std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod the hook");
        let settings = filled(
            "claude-code.settings.json",
            &[(
                "/home/me/bin/codex-approval-hook",
                &hook.display().to_string(),
            )],
        );
        std::fs::write(config.path().join("settings.json"), settings).expect("write settings");
        Claude {
            inner,
            env,
            anthropic,
            config,
        }
    }

    /// `docs/clients/claude-code.mcp.json` with the built bridge and the test's workspace.
    fn mcp_config(&self) -> Value {
        let text = filled(
            "claude-code.mcp.json",
            &[
                ("\"codex-bridge\"", &bridge_quoted()),
                (
                    "/home/me/src",
                    &self.env.workspace.path().display().to_string(),
                ),
            ],
        );
        serde_json::from_str(&text).expect("the snippet is JSON")
    }

    fn hook_input(&self) -> PathBuf {
        self.config.path().join("hook-input.json")
    }

    async fn run(&self, mcp_config: &Value) -> Ran {
        let mcp = self.config.path().join("mcp.json");
        std::fs::write(&mcp, mcp_config.to_string()).expect("write mcp.json");
        let mut command = client_command(
            &installed(CLAUDE),
            self.env.envs(),
            self.env.workspace.path(),
        );
        command
            .args([
                "-p",
                "Use Codex.",
                "--output-format",
                "json",
                "--strict-mcp-config",
            ])
            .arg("--mcp-config")
            .arg(&mcp)
            .arg("--settings")
            .arg(self.config.path().join("settings.json"))
            .env("ANTHROPIC_BASE_URL", self.anthropic.base_url())
            .env("ANTHROPIC_API_KEY", "sk-ant-fake-key")
            // No telemetry, error reports, update checks or other traffic besides the model.
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_ERROR_REPORTING", "1")
            // -p waits for the MCP servers before the first model request.
            .env("MCP_CONNECTION_NONBLOCKING", "0");
        run(command, "claude -p").await
    }

    /// The `n`-th tool result the model received, in the request after that call.
    fn result(&self, turn: usize, n: usize) -> Value {
        let turns = self.anthropic.turns();
        let results = tool_results(&turns[turn]);
        results
            .get(n)
            .cloned()
            .unwrap_or_else(|| panic!("no tool result {n} in turn {turn}: {:#}", turns[turn]))
    }

    async fn assert_nothing_left(&self) {
        assert_nothing_left(&[self.env.codex_home.path()]).await;
    }
}

#[tokio::test]
async fn claude_code_lists_asks_and_continues_a_thread() {
    let claude = Claude::new(ask_then_continue()).await;
    let ran = claude.run(&claude.mcp_config()).await.succeeded();
    assert_eq!(ran.json()["result"], "done", "{}", ran.stdout);

    let turns = claude.anthropic.turns();
    assert_eq!(turns.len(), 3, "ask, continue, answer: {turns:#?}");
    assert_lists_the_tools(&tool_names(&turns[0]), "mcp__codex__");
    // What the model received next: the answer and the thread id, then the continuation.
    let asked = structured_in(&result_text(&claude.result(1, 0)));
    let continued = structured_in(&result_text(&claude.result(2, 1)));
    assert_asked_then_continued(&asked, &continued);
    claude.assert_nothing_left().await;
}

#[tokio::test]
async fn claude_code_answers_an_ask_approval_through_its_elicitation_hook() {
    let claude = Claude::new(script(|results| match results {
        [] => call(
            "codex_ask",
            json!({"prompt": "RUN: echo approved-by-the-hook", "approval_policy": "ask",
                   "wait_seconds": 30}),
        ),
        _ => Step::Answer("done".into()),
    }))
    .await;
    claude.run(&claude.mcp_config()).await.succeeded();

    let asked: Value = serde_json::from_str(
        &std::fs::read_to_string(claude.hook_input()).expect("the hook was called"),
    )
    .expect("the hook got JSON");
    assert_eq!(asked["hook_event_name"], "Elicitation", "{asked}");
    assert_eq!(asked["mcp_server_name"], "codex", "{asked}");
    let message = asked["message"].as_str().expect("message");
    assert!(message.contains("echo approved-by-the-hook"), "{message}");
    assert!(
        asked["requested_schema"]["properties"]["decision"]["enum"]
            .as_array()
            .is_some_and(|choices| choices.contains(&json!("accept"))),
        "{asked}"
    );

    let result = structured_in(&result_text(&claude.result(1, 0)));
    assert_eq!(result["status"], "completed", "{result}");
    let approval = &result["approvals"][0];
    assert_eq!(approval["decision"], "accept", "{result}");
    assert_eq!(approval["decided_by"], "human", "{result}");
    let command = &result["commands"][0];
    assert_eq!(command["status"], "completed", "{result}");
    assert!(
        command["output"]
            .as_str()
            .is_some_and(|out| out.contains("approved-by-the-hook")),
        "the command ran: {result}"
    );
    claude.assert_nothing_left().await;
}

#[tokio::test]
async fn claude_code_timeout_cuts_the_call_and_the_turn_is_interrupted() {
    let claude = Claude::new(script(|results| match results {
        // A first call, so the app-server is up before the one the timeout must cut.
        [] => call(
            "codex_ask",
            json!({"prompt": "warm up", "wait_seconds": 30}),
        ),
        // The inner model takes a minute; the server's "timeout" is 2 s.
        [_] => call(
            "codex_ask",
            json!({"prompt": "SLOW:60000 cut by the timeout", "wait_seconds": 50}),
        ),
        // Claude Code waits for this answer until the test has looked at the bridge.
        _ => Step::AfterGate(Box::new(Step::Answer("gave up".into()))),
    }))
    .await;
    let mut config = claude.mcp_config();
    config["mcpServers"]["codex"]["timeout"] = json!(2000);
    let (_, ran) = tokio::join!(
        async {
            assert!(
                claude
                    .anthropic
                    .wait_for_turns(3, Duration::from_secs(60))
                    .await,
                "Claude Code never came back to its model after the cut call"
            );
            let cut = claude.result(2, 1);
            assert_eq!(cut["is_error"], true, "{cut}");
            assert!(result_text(&cut).contains("timed out after 2s"), "{cut}");
            // The cut call was cancelled: the bridge interrupted the turn, so Codex dropped
            // its model request, while the bridge is still running (not by a shutdown).
            assert!(
                claude
                    .inner
                    .wait_for_dropped(1, Duration::from_secs(10))
                    .await,
                "the turn behind the cut call was not interrupted"
            );
            let home = claude.env.codex_home.path().display().to_string();
            assert!(
                processes_mentioning(&home)
                    .iter()
                    .any(|(_, cmdline)| cmdline.contains(bridge_bin())),
                "the bridge is still serving Claude Code"
            );
            claude.anthropic.open_gate();
        },
        claude.run(&config),
    );
    let ran = ran.succeeded();
    assert_eq!(ran.json()["result"], "gave up", "{}", ran.stdout);
    assert_eq!(
        claude.inner.requests().len(),
        2,
        "nothing ran after the interrupted turn"
    );
    claude.assert_nothing_left().await;
}
