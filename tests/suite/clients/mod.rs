//! The real MCP clients people use, headless, against the built bridge with the real
//! app-server behind it: Claude Code, Codex as the client, Gemini CLI, the MCP Inspector CLI and
//! the Python MCP SDK, at the versions pinned in `package.json` and
//! `tests/clients/requirements.txt` (installed by `tests/run.sh`). The clients' model APIs are
//! fakes on 127.0.0.1 (`tests/common/fake_anthropic.rs`, `fake_gemini.rs`, and `fake_model.rs`
//! scripted for an outer Codex); no account, no network.
//!
//! Each client lists the `codex_*` tools, calls `codex_ask`, and its model receives the answer
//! and the thread id in the next request; then a second call continues the thread by that id
//! (the inner model answers `HISTORY` with every prompt of the thread). Each client is
//! configured with its snippet from `docs/clients/`, the file the README shows verbatim
//! (`snippets.rs` checks that), with only its placeholders filled in. Every test ends by
//! checking that nothing it started (client, bridge, app-server) is still running. `http`
//! points the three agents at one shared `serve --http` bridge, all at once.

mod claude_code;
mod codex;
mod gemini;
mod http;
mod inspector;
mod python;
mod snippets;

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::process::Command;

use crate::common::bridge::bridge_bin;
use crate::common::codex_env::codex_bin;
use crate::common::process::leftovers;
use crate::common::script::{call, script, thread_id_in, Script, Step};

/// The bridge's tools, as every client must list them.
pub use crate::common::TOOLS;

/// The first prompt of every conversation, and the second (the inner fake model answers
/// `HISTORY` with every user prompt of the thread, so the answer proves the continuation).
pub const FIRST: &str = "first question";
pub const SECOND: &str = "HISTORY";
pub const SECOND_ANSWER: &str = "first question | HISTORY";

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A client installed by `tests/run.sh`; fails loudly (never skips) when it is missing.
pub fn installed(relative: &str) -> PathBuf {
    let path = repo_path(relative);
    assert!(
        path.exists(),
        "{} is not installed: run tests/run.sh (it installs the pinned clients from \
         package.json with `npm ci` and tests/clients/requirements.txt into target/clients-venv)",
        path.display()
    );
    path
}

/// A client's configuration snippet from `docs/clients/`, as the README shows it.
pub fn snippet(name: &str) -> String {
    let path = repo_path("docs/clients").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("read the snippet {}: {e}", path.display()))
}

/// The snippet `name` with its placeholders replaced; each must occur, so a snippet that
/// loses one cannot silently send a test to a real path.
pub fn filled(name: &str, replacements: &[(&str, &str)]) -> String {
    let mut text = snippet(name);
    for (placeholder, value) in replacements {
        assert!(
            text.contains(placeholder),
            "docs/clients/{name} no longer contains the placeholder {placeholder}"
        );
        text = text.replace(placeholder, value);
    }
    text
}

/// `path` as a quoted string literal (valid JSON, TOML and Python for any ordinary path).
pub fn quoted(path: &Path) -> String {
    serde_json::to_string(&path.display().to_string()).expect("a path is a JSON string")
}

/// The built bridge, quoted for a snippet's `"codex-bridge"`.
pub fn bridge_quoted() -> String {
    quoted(Path::new(bridge_bin()))
}

/// A client process with a clean environment: only `envs` (a test's `CodexEnv`, so its own
/// `CODEX_HOME`, `HOME` and no credentials), a `PATH` on which the bridge finds the pinned
/// Codex as `codex` (as it would on a user's machine), no stdin, its own process group.
pub fn client_command(program: &Path, envs: Vec<(String, String)>, cwd: &Path) -> Command {
    let codex_dir = codex_bin()
        .parent()
        .expect("codex has a directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(codex_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let mut command = Command::new(program);
    command
        .env_clear()
        .envs(envs)
        .env("PATH", path)
        .env("LANG", "C.UTF-8")
        .env("TERM", "dumb")
        .env("SHELL", "/bin/bash")
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .process_group(0);
    command
}

/// A finished client run.
pub struct Ran {
    pub what: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Panics with the client's output unless it exited 0.
    pub fn succeeded(self) -> Ran {
        assert!(
            self.status.success(),
            "{} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            self.what,
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout as one JSON value.
    pub fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "{} printed no JSON ({e}; {}):\nstdout:\n{}\nstderr:\n{}",
                self.what, self.status, self.stdout, self.stderr
            )
        })
    }
}

/// Runs a client to its end (at most 90 s; then its process group is killed).
pub async fn run(mut command: Command, what: &str) -> Ran {
    let started = Instant::now();
    let child = command
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    let pid = child.id().expect("client pid");
    let output = match tokio::time::timeout(Duration::from_secs(90), child.wait_with_output()).await
    {
        Ok(output) => output.unwrap_or_else(|e| panic!("wait for {what}: {e}")),
        Err(_) => {
            // SAFETY: kill(2) on the process group of our own child.
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
            panic!("{what} did not finish within 90 s");
        }
    };
    eprintln!("{what}: {:.2} s", started.elapsed().as_secs_f64());
    Ran {
        what: what.to_string(),
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// No process mentions any of these paths (a test's `CODEX_HOME`s) any more: the client,
/// the bridge and the app-server are all gone.
pub async fn assert_nothing_left(paths: &[&Path]) {
    let needles: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let left = leftovers(&needles, Duration::from_secs(10)).await;
    assert!(left.is_empty(), "processes left running: {left:#?}");
}

/// The usual conversation: `codex_ask` the FIRST prompt, continue the thread by the id in its
/// result with the SECOND, then answer `done`.
pub fn ask_then_continue() -> Script {
    script(|results| match results {
        [] => call("codex_ask", json!({"prompt": FIRST, "wait_seconds": 30})),
        [asked] => call(
            "codex_continue_thread",
            json!({
                "thread_id": thread_id_in(asked).unwrap_or_else(|| "no thread_id".into()),
                "prompt": SECOND,
                "wait_seconds": 30,
            }),
        ),
        _ => Step::Answer("done".into()),
    })
}

/// The turn result inside a tool result as a client's model got it: the JSON from its first
/// `{` (Claude Code gives the structured result as is, Codex after `Wall time: ..\nOutput:\n`).
pub fn structured_in(text: &str) -> Value {
    let start = text
        .find('{')
        .unwrap_or_else(|| panic!("no JSON in {text}"));
    serde_json::from_str(&text[start..]).unwrap_or_else(|e| panic!("bad JSON ({e}) in {text}"))
}

/// Asserts that two tool results seen by a client's model are the ask and its continuation:
/// completed, the answers expected, the same thread. Returns the thread id.
pub fn assert_asked_then_continued(asked: &Value, continued: &Value) -> String {
    assert_eq!(asked["status"], "completed", "{asked}");
    assert_eq!(asked["text"], format!("answer: {FIRST}"), "{asked}");
    let thread = asked["thread_id"].as_str().expect("thread_id").to_string();
    assert_eq!(continued["status"], "completed", "{continued}");
    assert_eq!(continued["thread_id"], thread.as_str(), "{continued}");
    assert_eq!(continued["text"], SECOND_ANSWER, "{continued}");
    thread
}

/// Asserts that `names` (as a client offers them to its model) are the bridge's tools, each with
/// `prefix`.
pub fn assert_lists_the_tools(names: &[String], prefix: &str) {
    let mut ours: Vec<&str> = names
        .iter()
        .filter_map(|name| name.strip_prefix(prefix))
        .filter(|name| name.starts_with("codex_"))
        .collect();
    ours.sort_unstable();
    assert_eq!(ours, TOOLS, "the bridge's tools among {names:?}");
}
