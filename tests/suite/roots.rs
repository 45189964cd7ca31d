//! Where Codex may work when the operator gave no `--allowed-root`: the client's MCP roots
//! when it offers them; else the directory the bridge was started in, unless that is the
//! filesystem's root (where desktop clients start servers) or a package runner's cache
//! (where `npx` starts them): then calls are refused with an error that says to pass
//! `--allowed-root`. A start in the user's home works but is warned about once. A shared
//! HTTP service ignores its clients' roots: one agent cannot widen where every call works.

use serde_json::json;

use crate::common::bridge::{Bridge, BridgeOptions, Transport};
use crate::common::codex_env::{codex_bin, CodexEnv};
use crate::common::fake_model::FakeModel;

/// A bridge with no `--allowed-root`, started in `dir`.
fn options(env: &CodexEnv, dir: &std::path::Path) -> BridgeOptions {
    let mut envs = env.envs();
    envs.push(("CODEX_BIN".into(), codex_bin().display().to_string()));
    let mut options = BridgeOptions::embedded(env);
    options.args.clear();
    options.envs = envs;
    options.current_dir = Some(dir.to_path_buf());
    options
}

#[tokio::test]
async fn a_bridge_started_in_the_filesystem_root_refuses_calls_until_given_a_root() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(options(&env, std::path::Path::new("/"))).await;
    let error = bridge.call_err("codex_ask", json!({"prompt": "hi"})).await;
    assert!(error.contains("--allowed-root"), "{error}");
    assert!(error.contains("filesystem's root"), "{error}");
    let error = bridge
        .call_err("codex_ask", json!({"prompt": "hi", "cwd": "/etc"}))
        .await;
    assert!(error.contains("--allowed-root"), "{error}");
    assert!(model.requests().is_empty(), "nothing reached the model");
    bridge.stop().await;
}

#[tokio::test]
async fn a_package_runners_cache_is_no_root_either() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let cache = env.home.path().join(".npm/_npx/0123abcd/node_modules");
    std::fs::create_dir_all(&cache).expect("npx cache");
    let bridge = Bridge::start(options(&env, &cache)).await;
    let error = bridge.call_err("codex_ask", json!({"prompt": "hi"})).await;
    assert!(error.contains("package runner"), "{error}");
    assert!(error.contains("--allowed-root"), "{error}");
    bridge.stop().await;
}

#[tokio::test]
async fn the_clients_mcp_roots_are_the_roots() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = options(&env, std::path::Path::new("/"));
    let workspace = std::fs::canonicalize(env.workspace.path()).expect("workspace");
    options.roots = Some(vec![format!("file://{}", workspace.display())]);
    let bridge = Bridge::start(options).await;
    // The first root is the default cwd...
    let asked = bridge.call_ok("codex_ask", json!({"prompt": "hi"})).await;
    assert_eq!(asked["status"], "completed", "{asked}");
    let request = model.requests().pop().expect("a model request").to_string();
    assert!(
        request.contains(&workspace.display().to_string()),
        "the turn ran in the client's root"
    );
    // ...and nothing outside the client's roots is allowed.
    let error = bridge
        .call_err("codex_ask", json!({"prompt": "hi", "cwd": "/tmp"}))
        .await;
    assert!(error.contains("outside the allowed roots"), "{error}");
    bridge.stop().await;
}

#[tokio::test]
async fn a_shared_http_service_ignores_the_clients_roots() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let elsewhere = tempfile::tempdir().expect("another directory");
    let elsewhere = std::fs::canonicalize(elsewhere.path()).expect("canonical");
    let mut options = options(&env, env.workspace.path()).over(Transport::Http);
    options.roots = Some(vec![format!("file://{}", elsewhere.display())]);
    let bridge = Bridge::start(options).await;
    let error = bridge
        .call_err(
            "codex_ask",
            json!({"prompt": "hi", "cwd": elsewhere.display().to_string()}),
        )
        .await;
    assert!(error.contains("outside the allowed roots"), "{error}");
    let asked = bridge.call_ok("codex_ask", json!({"prompt": "hi"})).await;
    assert_eq!(
        asked["status"], "completed",
        "the start directory is the root"
    );
    assert!(
        model.requests().len() == 1,
        "only the allowed call reached the model"
    );
    bridge.stop().await;
}

#[tokio::test]
async fn a_start_in_the_users_home_is_warned_about_once() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    // The test's HOME is the bridge's start directory.
    let bridge = Bridge::start(options(&env, env.home.path())).await;
    bridge.call_ok("codex_list_threads", json!({})).await;
    let (_, log) = bridge.stop_with_log().await;
    let warnings = log
        .lines()
        .filter(|line| line.contains("no --allowed-root") && line.contains("home"))
        .count();
    assert_eq!(warnings, 1, "{log}");
}
