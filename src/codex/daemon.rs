//! The user's Codex daemon: the shared app-server Codex's own front-ends attach to.
//!
//! `codex app-server daemon start` runs one app-server per `CODEX_HOME`, detached from the
//! terminal (its own session, parent 1), listening on the control socket
//! `$CODEX_HOME/app-server-control/app-server-control.sock` with the same WebSocket JSON-RPC as
//! `--listen unix://` (seen on Codex 0.169 and 0.171). Threads run through it are live in every
//! front-end attached to it. The control socket is not a documented interface, so attaching
//! to it is experimental.
//!
//! The bridge only attaches: it owns no process of the daemon's and never stops it. It may
//! start it when asked (`--start-daemon`); the daemon then outlives the bridge, as it would
//! had the user started it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use super::error::CodexError;
use super::process::CodexBinary;

/// `CODEX_HOME`, else `~/.codex`: where Codex keeps its state, and its daemon its socket.
pub fn codex_home() -> Option<PathBuf> {
    match std::env::var_os("CODEX_HOME").filter(|home| !home.is_empty()) {
        Some(home) => Some(PathBuf::from(home)),
        None => std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(".codex")),
    }
}

/// The daemon's control socket under `codex_home`.
pub fn control_socket(codex_home: &Path) -> PathBuf {
    codex_home
        .join("app-server-control")
        .join("app-server-control.sock")
}

/// Run `codex app-server daemon start` and wait for it (about 3 s the first time: it copies
/// the Codex binary into `$CODEX_HOME/packages/`). Its last stdout line is JSON with
/// `"status": "started"` or `"alreadyRunning"`; anything else is an error quoting its output.
pub async fn start(binary: &CodexBinary, timeout: Duration) -> Result<(), CodexError> {
    tracing::info!(codex = %binary.path.display(), "starting the Codex daemon (codex app-server daemon start)");
    let run = tokio::process::Command::new(&binary.path)
        .args(["app-server", "daemon", "start"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| {
            CodexError::Start(format!(
                "`codex app-server daemon start` did not finish within {} s",
                timeout.as_secs()
            ))
        })?
        .map_err(|e| {
            CodexError::Start(format!(
                "cannot run {} app-server daemon start: {e}",
                binary.path.display()
            ))
        })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let status = started_status(&stdout);
    match status.as_deref() {
        Some("started") | Some("alreadyRunning") if output.status.success() => {
            tracing::info!(
                status = status.as_deref().unwrap_or_default(),
                "Codex daemon is running"
            );
            Ok(())
        }
        _ => Err(CodexError::Start(format!(
            "`codex app-server daemon start` failed ({}): {} {}",
            output.status,
            crate::text::prefix(stdout.trim(), 600),
            crate::text::prefix(String::from_utf8_lossy(&output.stderr).trim(), 600),
        ))),
    }
}

/// The `status` of the last JSON line of `daemon start`'s output.
fn started_status(stdout: &str) -> Option<String> {
    stdout
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<Value>(line.trim()).ok())
        .find_map(|value| value.get("status")?.as_str().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_status_line_of_daemon_start() {
        let seen = "Installing daemon from CLI version 0.169.0 into /h/packages/app-server-daemon...\n\
            {\"status\":\"installing\"}\n\
            {\"status\":\"started\",\"backend\":\"pid\",\"pid\":42,\"socketPath\":\"/h/app-server-control/app-server-control.sock\"}\n";
        assert_eq!(started_status(seen).as_deref(), Some("started"));
        assert_eq!(
            started_status("{\"status\":\"alreadyRunning\"}").as_deref(),
            Some("alreadyRunning")
        );
        assert_eq!(started_status("Error: boom"), None);
    }

    #[test]
    fn the_control_socket_is_under_codex_home() {
        assert_eq!(
            control_socket(Path::new("/h")),
            PathBuf::from("/h/app-server-control/app-server-control.sock")
        );
    }
}
