//! The three clients at once against one shared `serve --http` bridge, each configured with
//! its HTTP snippet from `docs/clients/` (the URL filled in) and its own token from a
//! per-agent token file in `CODEX_BRIDGE_TOKEN`: Claude Code (`claude -p`, `--mcp-config`),
//! Codex (`codex exec`, `url` + `bearer_token_env_var`) and Gemini CLI (`gemini -p`,
//! `httpUrl` + headers). Each lists the tools, asks and continues its thread; then the
//! threads list shows each thread as started by its agent.

use serde_json::{json, Value};

use super::{
    ask_then_continue, assert_asked_then_continued, assert_lists_the_tools, client_command, filled,
    installed, run, structured_in, FIRST, SECOND_ANSWER,
};
use crate::common::bridge::{Bridge, BridgeOptions, Elicitation, Transport};
use crate::common::codex_env::{codex_bin, CodexEnv};
use crate::common::fake_anthropic::{result_text, tool_names, tool_results, FakeAnthropic};
use crate::common::fake_gemini::{declarations, parts, response_text, FakeGemini};
use crate::common::fake_model::FakeModel;

const CLAUDE: &str = "node_modules/.bin/claude";
const GEMINI: &str = "node_modules/.bin/gemini";
const URL: &str = "http://127.0.0.1:8765/mcp";

/// Claude Code with `docs/clients/claude-code.http.mcp.json`.
async fn claude_code(url: &str, token: &str) {
    let env = CodexEnv::new(&FakeModel::start().await);
    let anthropic = FakeAnthropic::start(ask_then_continue()).await;
    let config = tempfile::tempdir().expect("config dir");
    let mcp = config.path().join("mcp.json");
    std::fs::write(&mcp, filled("claude-code.http.mcp.json", &[(URL, url)])).expect("mcp.json");
    let settings = config.path().join("settings.json");
    std::fs::write(
        &settings,
        json!({"permissions": {"allow": ["mcp__codex"]}}).to_string(),
    )
    .expect("settings.json");
    let mut command = client_command(&installed(CLAUDE), env.envs(), env.workspace.path());
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
        .arg(&settings)
        .env("CODEX_BRIDGE_TOKEN", token)
        .env("ANTHROPIC_BASE_URL", anthropic.base_url())
        .env("ANTHROPIC_API_KEY", "sk-ant-fake-key")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env("DISABLE_AUTOUPDATER", "1")
        .env("DISABLE_TELEMETRY", "1")
        .env("DISABLE_ERROR_REPORTING", "1")
        .env("MCP_CONNECTION_NONBLOCKING", "0");
    let ran = run(command, "claude -p (HTTP)").await.succeeded();
    assert_eq!(ran.json()["result"], "done", "{}", ran.stdout);
    let turns = anthropic.turns();
    assert_eq!(turns.len(), 3, "ask, continue, answer: {turns:#?}");
    assert_lists_the_tools(&tool_names(&turns[0]), "mcp__codex__");
    let result =
        |turn: usize, n: usize| structured_in(&result_text(&tool_results(&turns[turn])[n]));
    assert_asked_then_continued(&result(1, 0), &result(2, 1));
}

/// Codex with `docs/clients/codex.http.config.toml`.
async fn codex(url: &str, token: &str) {
    let outer_model = FakeModel::scripted(ask_then_continue()).await;
    let outer = CodexEnv::new(&outer_model);
    let config = outer.codex_home.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).expect("outer config.toml");
    text.push('\n');
    text.push_str(&filled("codex.http.config.toml", &[(URL, url)]));
    std::fs::write(&config, text).expect("write outer config.toml");
    let mut command = client_command(&codex_bin(), outer.envs(), outer.workspace.path());
    command
        .args(["exec", "--skip-git-repo-check", "--json", "Use Codex."])
        .env("CODEX_BRIDGE_TOKEN", token);
    run(command, "codex exec (HTTP)").await.succeeded();
    let requests = outer_model.requests();
    assert_eq!(requests.len(), 3, "ask, continue, answer: {requests:#?}");
    let outputs = |request: &Value| -> Vec<String> {
        request["input"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|item| item["type"] == "function_call_output")
            .map(|item| match &item["output"] {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    let asked = structured_in(&outputs(&requests[1])[0]);
    let continued = structured_in(&outputs(&requests[2])[1]);
    assert_asked_then_continued(&asked, &continued);
}

/// Gemini CLI with `docs/clients/gemini.http.settings.json`.
async fn gemini(url: &str, token: &str) {
    let env = CodexEnv::new(&FakeModel::start().await);
    let gemini = FakeGemini::start(ask_then_continue()).await;
    let user_dir = env.home.path().join(".gemini");
    std::fs::create_dir_all(&user_dir).expect("~/.gemini");
    let user_settings = json!({
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
        "privacy": {"usageStatisticsEnabled": false},
        "telemetry": {"enabled": false},
    });
    std::fs::write(user_dir.join("settings.json"), user_settings.to_string())
        .expect("write ~/.gemini/settings.json");
    let project_dir = env.workspace.path().join(".gemini");
    std::fs::create_dir_all(&project_dir).expect(".gemini");
    std::fs::write(
        project_dir.join("settings.json"),
        filled("gemini.http.settings.json", &[(URL, url)]),
    )
    .expect("write settings.json");
    let mut command = client_command(&installed(GEMINI), env.envs(), env.workspace.path());
    command
        .args(["-p", "Use Codex.", "--output-format", "json"])
        .env("CODEX_BRIDGE_TOKEN", token)
        .env("GEMINI_API_KEY", "fake-gemini-key")
        .env("GOOGLE_GEMINI_BASE_URL", gemini.base_url())
        .env("GEMINI_CLI_TRUST_WORKSPACE", "true");
    let ran = run(command, "gemini -p (HTTP)").await.succeeded();
    assert_eq!(ran.json()["response"], "done", "{}", ran.stdout);
    let turns = gemini.turns();
    assert_eq!(
        turns.len(),
        3,
        "ask, continue, answer: {:#?}",
        gemini.targets()
    );
    assert_lists_the_tools(&declarations(&turns[0]), "mcp_codex_");
    let asked = response_text(&parts(&turns[1], "functionResponse")[0]);
    assert!(asked.contains(&format!("answer: {FIRST}")), "{asked}");
    let continued = response_text(&parts(&turns[2], "functionResponse")[1]);
    assert!(continued.contains(SECOND_ANSWER), "{continued}");
}

#[tokio::test]
async fn claude_code_codex_and_gemini_share_one_http_bridge() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env).over(Transport::Http);
    options.agents = ["observer", "claude-code", "codex", "gemini"]
        .map(str::to_string)
        .to_vec();
    options.elicitation = Elicitation::Unsupported;
    let bridge = Bridge::start(options).await;
    let endpoint = bridge.endpoint().clone();
    let [claude_token, codex_token, gemini_token] =
        ["claude-code", "codex", "gemini"].map(|agent| endpoint.token(agent));
    tokio::join!(
        claude_code(&endpoint.url, &claude_token),
        codex(&endpoint.url, &codex_token),
        gemini(&endpoint.url, &gemini_token),
    );
    // One thread per client, each started (both turns) by its agent.
    let listed = bridge.call_ok("codex_list_threads", json!({})).await;
    let mut owners: Vec<String> = listed["threads"]
        .as_array()
        .expect("threads")
        .iter()
        .filter_map(|thread| thread["started_by"].as_str().map(str::to_string))
        .collect();
    owners.sort();
    assert_eq!(owners, ["claude-code", "codex", "gemini"], "{listed}");
    let (status, log) = bridge.stop_with_log().await;
    assert!(status.success(), "{status:?}");
    for (_, token) in &endpoint.tokens {
        assert!(
            !log.contains(token.as_str()),
            "a token is in the bridge's log"
        );
    }
}
