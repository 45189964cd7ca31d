//! The Codex versions the bridge is tested with: `package.json` pins exactly the range the
//! bridge reports (`codex::version`), the installed binaries are those versions, and a Codex
//! outside the range is warned about once per process and named by `doctor`.

use std::time::Duration;

use codex_bridge::codex::version::{TESTED_MAX, TESTED_MIN};
use serde_json::json;

use crate::common::bridge::{bridge_bin, Bridge, BridgeOptions};
use crate::common::codex_env::TestCodex;
use crate::common::fake_app_server::{FakeAppServer, Peer};

#[test]
fn package_json_pins_the_tested_range_and_the_binaries_are_those_versions() {
    assert_eq!(TestCodex::Pinned.version(), TESTED_MIN);
    assert_eq!(TestCodex::Newest.version(), TESTED_MAX);
    for codex in TestCodex::ALL {
        let output = std::process::Command::new(codex.bin())
            .arg("--version")
            .output()
            .expect("codex --version");
        assert_eq!(
            String::from_utf8_lossy(&output.stdout).trim(),
            format!("codex-cli {}", codex.version()),
            "{}",
            codex.bin().display()
        );
    }
}

/// A Codex older than the range (its `initialize` user agent says 0.100.0), over two sessions
/// (the first connection drops): one warning in the log, and `doctor` calls it a problem.
#[tokio::test]
async fn an_untested_codex_is_warned_about_once_and_doctor_names_it() {
    const OLD: &str = "codex-bridge/0.100.0 (Debian 12.0.0; x86_64) xterm (codex-bridge; 0.1.0)";
    let fake = FakeAppServer::start(|mut peer: Peer| async move {
        peer.accept_initialize_as(OLD).await;
        if peer.connection == 0 {
            let list = peer.expect_request("thread/list").await;
            peer.answer_default(&list).await;
            // Then vanish: the next call opens a second session.
            return;
        }
        peer.serve().await;
    })
    .await;
    let workspace = tempfile::tempdir().expect("workspace");
    let bridge = Bridge::start(BridgeOptions::external(
        &fake.url,
        fake.token_file(),
        workspace.path(),
    ))
    .await;
    bridge.call_ok("codex_list_threads", json!({})).await;
    for _ in 0..100 {
        if fake.connections() == 1 && bridge.stderr().contains("app-server connection closed") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bridge.call_ok("codex_list_threads", json!({})).await;
    assert_eq!(fake.connections(), 2, "a second session");
    let (_, log) = bridge.stop_with_log().await;
    let warning =
        format!("Codex 0.100.0 is older than the tested range ({TESTED_MIN} to {TESTED_MAX})");
    assert_eq!(log.matches(&warning).count(), 1, "{log}");
    assert!(
        log.contains(&format!("npm install -g @openai/codex@{TESTED_MAX}")),
        "{log}"
    );

    let output = tokio::process::Command::new(bridge_bin())
        .args([
            "doctor",
            "--app-server-url",
            &fake.url,
            "--app-server-token-file",
        ])
        .arg(fake.token_file())
        .current_dir(workspace.path())
        .env_remove("CODEX_APP_SERVER_URL")
        .output()
        .await
        .expect("run codex-bridge doctor");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.lines().any(|line| line.starts_with("PROBLEM")
            && line.contains("Codex version: Codex 0.100.0 is older than the tested range")),
        "{out}"
    );
    assert!(
        out.contains(&format!("fix: npm install -g @openai/codex@{TESTED_MAX}")),
        "{out}"
    );
    assert_eq!(output.status.code(), Some(1), "{out}");
}
