//! Gemini CLI (`gemini -p`) with the bridge from `docs/clients/gemini.settings.json` as the
//! project's `.gemini/settings.json`, against a fake Gemini API. The user settings
//! (`~/.gemini/settings.json`) only choose API-key auth and turn off telemetry and updates.

use serde_json::json;

use super::{
    ask_then_continue, assert_lists_the_tools, assert_nothing_left, bridge_quoted, client_command,
    filled, installed, run, FIRST, SECOND, SECOND_ANSWER,
};
use crate::common::codex_env::CodexEnv;
use crate::common::fake_gemini::{declarations, parts, response_text, FakeGemini};
use crate::common::fake_model::FakeModel;

const GEMINI: &str = "node_modules/.bin/gemini";

#[tokio::test]
async fn gemini_cli_lists_asks_and_continues_a_thread() {
    let inner = FakeModel::start().await;
    let env = CodexEnv::new(&inner);
    let gemini = FakeGemini::start(ask_then_continue()).await;
    let user_settings = json!({
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "general": {"enableAutoUpdate": false, "enableAutoUpdateNotification": false},
        "privacy": {"usageStatisticsEnabled": false},
        "telemetry": {"enabled": false},
    });
    let user_dir = env.home.path().join(".gemini");
    std::fs::create_dir_all(&user_dir).expect("~/.gemini");
    std::fs::write(user_dir.join("settings.json"), user_settings.to_string())
        .expect("write ~/.gemini/settings.json");
    let project_dir = env.workspace.path().join(".gemini");
    std::fs::create_dir_all(&project_dir).expect(".gemini");
    let settings = filled(
        "gemini.settings.json",
        &[
            ("\"codex-bridge\"", &bridge_quoted()),
            ("/home/me/src", &env.workspace.path().display().to_string()),
        ],
    );
    std::fs::write(project_dir.join("settings.json"), settings).expect("write settings.json");

    let mut command = client_command(&installed(GEMINI), env.envs(), env.workspace.path());
    command
        .args(["-p", "Use Codex.", "--output-format", "json"])
        .env("GEMINI_API_KEY", "fake-gemini-key")
        .env("GOOGLE_GEMINI_BASE_URL", gemini.base_url())
        // Headless runs need a trusted folder.
        .env("GEMINI_CLI_TRUST_WORKSPACE", "true");
    let ran = run(command, "gemini -p").await.succeeded();
    assert_eq!(ran.json()["response"], "done", "{}", ran.stdout);

    let turns = gemini.turns();
    assert_eq!(
        turns.len(),
        3,
        "ask, continue, answer: {:#?}",
        gemini.targets()
    );
    assert_lists_the_tools(&declarations(&turns[0]), "mcp_codex_");
    // What the model received next: Gemini CLI shows it the text content, which carries the
    // status, the ids and the answer.
    let asked = response_text(&parts(&turns[1], "functionResponse")[0]);
    assert!(asked.contains("status: completed"), "{asked}");
    assert!(asked.contains(&format!("answer: {FIRST}")), "{asked}");
    let thread = crate::common::script::thread_id_in(&asked).expect("a thread id");
    let calls = parts(&turns[2], "functionCall");
    assert_eq!(
        calls[1]["args"],
        json!({"thread_id": thread, "prompt": SECOND, "wait_seconds": 30}),
        "{calls:#?}"
    );
    let continued = response_text(&parts(&turns[2], "functionResponse")[1]);
    assert!(continued.contains("status: completed"), "{continued}");
    assert!(
        continued.contains(&format!("thread_id: {thread}")),
        "{continued}"
    );
    assert!(continued.contains(SECOND_ANSWER), "{continued}");
    assert_nothing_left(&[env.codex_home.path()]).await;
}
