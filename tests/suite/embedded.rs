//! The embedded app-server: finding Codex (native binary over the npm wrapper, for both
//! installed releases), a broken Codex reported with what to do, and a TCP server started
//! securely (loopback, token file, token on no command line and in no log). The other links
//! are in `links.rs`.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use codex_bridge::codex::process::locate_codex;
use serde_json::json;

use crate::common::bridge::{Bridge, BridgeOptions};
use crate::common::codex_env::{CodexEnv, TestCodex};
use crate::common::fake_model::FakeModel;
use crate::common::process::app_server_of;

#[test]
fn the_npm_wrapper_is_swapped_for_its_native_binary() {
    let dot_bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/codex");
    assert!(dot_bin.exists(), "npm ci installs the wrapper");
    let wrappers = [
        (dot_bin, TestCodex::Pinned),
        (
            TestCodex::Pinned.package_dir().join("bin/codex.js"),
            TestCodex::Pinned,
        ),
        (
            TestCodex::Newest.package_dir().join("bin/codex.js"),
            TestCodex::Newest,
        ),
    ];
    for (wrapper, codex) in wrappers {
        let found = locate_codex(Some(&wrapper)).expect("found");
        assert!(found.native, "{found:?}");
        assert_eq!(
            std::fs::canonicalize(&found.path).expect("path"),
            std::fs::canonicalize(codex.bin()).expect("native"),
            "{}",
            wrapper.display()
        );
    }
}

#[tokio::test]
async fn a_broken_codex_is_reported_with_its_output_and_the_fix() {
    let dir = tempfile::tempdir().expect("dir");
    let fake = dir.path().join("codex");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'config error: bad things' >&2\nexit 3\n",
    )
    .expect("write");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let bridge = Bridge::start(BridgeOptions {
        args: vec!["--codex-bin".into(), fake.display().to_string()],
        envs: vec![],
        version: rmcp::model::ProtocolVersion::V_2025_11_25,
        current_dir: Some(dir.path().to_path_buf()),
        elicitation: crate::common::bridge::Elicitation::Unsupported,
        roots: None,
        transport: crate::common::bridge::Transport::Stdio,
        agents: Vec::new(),
    })
    .await;
    let message = bridge.call_err("codex_ask", json!({"prompt": "hi"})).await;
    assert!(message.contains("did not start"), "{message}");
    assert!(
        message.contains("config error: bad things"),
        "its output is quoted: {message}"
    );
    assert!(message.contains("@openai/codex"), "{message}");
    bridge.stop().await;
}

#[tokio::test]
async fn the_app_server_listens_on_loopback_with_a_private_token_file() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let mut options = BridgeOptions::embedded(&env);
    options
        .args
        .extend(["--app-server-link".into(), "tcp".into()]);
    let bridge = Bridge::start(options).await;
    bridge.call_ok("codex_ask", json!({"prompt": "hi"})).await;
    let pid = app_server_of(&bridge).await;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("cmdline");
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    let flag = |name: &str| {
        let at = args
            .iter()
            .position(|arg| arg == name)
            .unwrap_or_else(|| panic!("{name} in {args:?}"));
        args[at + 1].clone()
    };
    assert_eq!(flag("--listen"), "ws://127.0.0.1:0");
    assert_eq!(flag("--ws-auth"), "capability-token");
    // The file that handed the token over (0600 in a 0700 directory: unit-tested in
    // src/codex/process.rs) is gone once the server has read it: no secret stays on disk,
    // even if the bridge is killed.
    let token_file = PathBuf::from(flag("--ws-token-file"));
    assert!(!token_file.exists(), "the token file is removed once read");
    assert!(
        !token_file.parent().expect("dir").exists(),
        "so is its private directory"
    );
    // The token is 64 hex digits: none appears on the command line or in the log.
    let is_token = |text: &str| {
        text.split(|c: char| !c.is_ascii_hexdigit())
            .any(|word| word.len() == 64)
    };
    assert!(
        !args.iter().any(|arg| is_token(arg)),
        "not on the command line"
    );
    let (_, log) = bridge.stop_with_log().await;
    assert!(
        log.contains("codex app-server started"),
        "debug log was captured"
    );
    assert!(!is_token(&log), "the token is never logged");
}
