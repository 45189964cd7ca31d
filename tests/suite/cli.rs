//! The command-line client end to end: the built `codex-bridge` binary run as a subprocess
//! (`ask`, `repl`, `threads`, `doctor`) against the REAL `codex app-server` it starts itself
//! and a fake model the tests control. Each test has its own CODEX_HOME and workspace.

use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

use crate::common::bridge::bridge_bin;
use crate::common::codex_env::{codex_bin, CodexEnv, TestCodex};
use crate::common::fake_model::FakeModel;
use crate::common::process::{children_of, gone};

const RUN_LIMIT: Duration = Duration::from_secs(60);

struct Setup {
    model: FakeModel,
    env: CodexEnv,
}

impl Setup {
    async fn new() -> Setup {
        let model = FakeModel::start().await;
        let env = CodexEnv::new(&model);
        Setup { model, env }
    }

    /// `codex-bridge ARGS` in the workspace, with the test's Codex, nothing on stdin.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(bridge_bin());
        command
            .args(args)
            .envs(self.env.envs())
            .env("CODEX_BIN", codex_bin())
            .env_remove("CODEX_APP_SERVER_URL")
            .current_dir(self.env.workspace.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        let child = self.command(args).spawn().expect("spawn codex-bridge");
        finish(child).await
    }

    /// `ask --json ...` that must succeed; its parsed JSON.
    async fn ask_json(&self, args: &[&str]) -> Value {
        let mut full = vec!["ask", "--json"];
        full.extend_from_slice(args);
        let output = self.run(&full).await;
        assert_eq!(code(&output), 0, "{}", describe(&output));
        json_of(&output)
    }
}

async fn finish(child: Child) -> Output {
    tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
        .await
        .expect("codex-bridge finishes within 60 s")
        .expect("wait for codex-bridge")
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn describe(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        stdout(output),
        stderr(output)
    )
}

fn json_of(output: &Output) -> Value {
    let text = stdout(output);
    let mut lines = text.lines();
    let value = serde_json::from_str(lines.next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {}", describe(output)));
    assert_eq!(lines.next(), None, "exactly one JSON line: {text}");
    value
}

#[tokio::test]
async fn ask_json_prints_the_turn_result() {
    let setup = Setup::new().await;
    let result = setup.ask_json(&["hello there"]).await;
    assert_eq!(result["status"], "completed");
    assert_eq!(result["text"], "answer: hello there");
    assert!(result["thread_id"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
    assert!(result["turn_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(result["usage"]["total_tokens"], 15);
    assert!(result["duration_ms"].is_u64());
    assert_eq!(result["commands"], serde_json::json!([]));
    assert_eq!(result["file_changes"], serde_json::json!([]));
    assert_eq!(result["approvals"], serde_json::json!([]));
    assert!(result.get("error").is_none(), "{result}");
}

#[tokio::test]
async fn the_answer_streams_by_default_and_prints_once_with_no_stream() {
    let setup = Setup::new().await;
    let expected = format!("{}\n", "x".repeat(5000));

    // Streaming: read stdout as it comes; the answer must arrive in several pieces.
    let mut child = setup
        .command(&["ask", "DELTAS:5000"])
        .spawn()
        .expect("spawn");
    let mut out = child.stdout.take().expect("stdout");
    let mut streamed = Vec::new();
    let mut reads = 0;
    let mut buffer = [0u8; 65536];
    loop {
        let n = tokio::time::timeout(RUN_LIMIT, out.read(&mut buffer))
            .await
            .expect("output within 60 s")
            .expect("read stdout");
        if n == 0 {
            break;
        }
        reads += 1;
        streamed.extend_from_slice(&buffer[..n]);
    }
    let status = child.wait().await.expect("wait");
    assert!(status.success(), "{status:?}");
    assert_eq!(String::from_utf8_lossy(&streamed), expected);
    assert!(
        reads > 1,
        "the answer arrived in {reads} read(s): not streamed"
    );

    // --no-stream: the same text, once.
    let output = setup.run(&["ask", "--no-stream", "DELTAS:5000"]).await;
    assert_eq!(code(&output), 0, "{}", describe(&output));
    assert_eq!(stdout(&output), expected);
}

#[tokio::test]
async fn a_thread_is_continued_by_a_later_command() {
    let setup = Setup::new().await;
    let out_file = setup.env.workspace.path().join("answer.txt");
    let first = setup
        .run(&[
            "ask",
            "--print-thread-id",
            "--summary",
            "--out",
            out_file.to_str().expect("utf8"),
            "first prompt",
        ])
        .await;
    assert_eq!(code(&first), 0, "{}", describe(&first));
    assert_eq!(stdout(&first), "answer: first prompt\n");
    assert_eq!(
        std::fs::read_to_string(&out_file).expect("--out file"),
        "answer: first prompt"
    );
    let err = stderr(&first);
    let thread_id = err
        .lines()
        .find_map(|line| line.strip_prefix("thread_id: "))
        .unwrap_or_else(|| panic!("--print-thread-id printed no id: {err}"))
        .to_string();
    assert!(err.contains("15 total"), "--summary shows tokens: {err}");
    assert!(err.contains("ms"), "--summary shows latency: {err}");

    // A new process, a new app-server: the thread is resumed with its history.
    let second = setup
        .ask_json(&["--thread-id", &thread_id, "HISTORY"])
        .await;
    assert_eq!(second["thread_id"], thread_id.as_str());
    assert_eq!(second["text"], "first prompt | HISTORY");

    // Options for new threads only are refused with a thread id.
    let refused = setup
        .run(&["ask", "--thread-id", &thread_id, "--name", "x", "hi"])
        .await;
    assert_eq!(code(&refused), 2, "{}", describe(&refused));
}

#[tokio::test]
async fn bad_arguments_exit_2() {
    let setup = Setup::new().await;
    for args in [
        vec!["ask", "--no-such-flag", "hi"],
        vec!["ask"],
        vec!["ask", "--sandbox", "everything", "hi"],
        // The same ceilings as `serve`: allow needs --allow-approvals.
        vec!["ask", "--approval-policy", "allow", "hi"],
        vec!["ask", "--cwd", "/definitely/not/here", "hi"],
        vec!["ask", "--prompt-file", "/definitely/not/here.txt"],
        vec!["ask", "--thread-id", "../etc/passwd", "hi"],
    ] {
        let output = setup.run(&args).await;
        assert_eq!(code(&output), 2, "{args:?}: {}", describe(&output));
        assert!(!stderr(&output).is_empty(), "{args:?} says why");
    }
    // Bad arguments never reach the model.
    assert!(setup.model.requests().is_empty());
}

#[tokio::test]
async fn an_unreachable_app_server_exits_3() {
    let setup = Setup::new().await;
    let started = Instant::now();
    let output = setup
        .run(&[
            "ask",
            "--json",
            "--app-server-url",
            "ws://127.0.0.1:1",
            "--connect-timeout",
            "1",
            "hi",
        ])
        .await;
    assert_eq!(code(&output), 3, "{}", describe(&output));
    assert!(started.elapsed() < Duration::from_secs(10));
    // --json still gives the consuming tool one object saying what happened.
    let error = json_of(&output);
    assert_eq!(error["status"], "error");
    assert_eq!(error["exit_code"], 3);
    assert!(
        error["error"]
            .as_str()
            .is_some_and(|e| e.contains("127.0.0.1:1")),
        "{error}"
    );
}

#[tokio::test]
async fn a_failing_model_exits_1_with_the_error() {
    let setup = Setup::new().await;
    let output = setup.run(&["ask", "--json", "FAIL"]).await;
    assert_eq!(code(&output), 1, "{}", describe(&output));
    let result = json_of(&output);
    assert_eq!(result["status"], "failed");
    assert!(
        result["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{result}"
    );
}

#[tokio::test]
async fn a_turn_past_the_timeout_is_interrupted_and_exits_4() {
    let setup = Setup::new().await;
    let started = Instant::now();
    let output = setup
        .run(&["ask", "--json", "--timeout", "2", "HANG"])
        .await;
    assert_eq!(code(&output), 4, "{}", describe(&output));
    assert!(started.elapsed() < Duration::from_secs(20));
    let result = json_of(&output);
    assert_eq!(result["status"], "interrupted");
    assert!(
        result["error"]
            .as_str()
            .is_some_and(|e| e.contains("--timeout")),
        "{result}"
    );
    assert!(
        setup
            .model
            .wait_for_dropped(1, Duration::from_secs(5))
            .await,
        "the model request was not dropped: the turn kept running"
    );
}

#[tokio::test]
async fn ctrl_c_interrupts_the_turn_ends_the_app_server_and_exits_130() {
    let setup = Setup::new().await;
    let child = setup
        .command(&["ask", "--json", "HANG"])
        .spawn()
        .expect("spawn");
    let pid = child.id().expect("pid");
    let deadline = Instant::now() + Duration::from_secs(30);
    while setup.model.requests().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the turn never reached the model"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let app_servers = children_of(pid);
    assert!(!app_servers.is_empty(), "the CLI started no app-server");
    // SAFETY: plain kill(2) on our own child.
    unsafe {
        libc::kill(pid as i32, libc::SIGINT);
    }
    let output = finish(child).await;
    assert_eq!(code(&output), 130, "{}", describe(&output));
    let result = json_of(&output);
    assert_eq!(result["status"], "interrupted", "{result}");
    assert!(
        setup
            .model
            .wait_for_dropped(1, Duration::from_secs(5))
            .await,
        "the model request was not dropped: the turn kept running"
    );
    for app_server in app_servers {
        assert!(
            gone(app_server).await,
            "app-server {app_server} outlived the CLI"
        );
    }
}

#[tokio::test]
async fn the_trace_file_holds_every_frame_both_ways() {
    let setup = Setup::new().await;
    let trace = setup.env.workspace.path().join("trace.ndjson");
    let output = setup
        .run(&[
            "ask",
            "-v",
            "--trace-file",
            trace.to_str().expect("utf8"),
            "hello",
        ])
        .await;
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let text = std::fs::read_to_string(&trace).expect("trace file");
    let records: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect();
    let methods = |direction: &str| -> Vec<String> {
        records
            .iter()
            .filter(|r| r["direction"] == direction)
            .filter_map(|r| r["frame"]["method"].as_str().map(str::to_string))
            .collect()
    };
    let sent = methods("sent");
    let received = methods("received");
    for method in ["initialize", "thread/start", "turn/start"] {
        assert!(
            sent.iter().any(|m| m == method),
            "{method} not traced: {sent:?}"
        );
    }
    for method in ["turn/started", "turn/completed"] {
        assert!(
            received.iter().any(|m| m == method),
            "{method} not traced: {received:?}"
        );
    }
    // Responses are traced too, and every record is timestamped.
    assert!(records
        .iter()
        .any(|r| r["direction"] == "received" && r["frame"].get("result").is_some()));
    assert!(records
        .iter()
        .all(|r| r["time"].as_str().is_some_and(|t| t.ends_with('Z'))));
    // -v: lifecycle and notification summaries on stderr, without the answer deltas.
    let err = stderr(&output);
    assert!(err.contains("turn/completed completed"), "{err}");
    assert!(!err.contains("agentMessage/delta"), "{err}");
}

#[tokio::test]
async fn the_repl_keeps_one_connection_across_prompts_and_threads() {
    let setup = Setup::new().await;
    let trace = setup.env.workspace.path().join("repl.ndjson");
    let mut child = setup
        .command(&["repl", "--trace-file", trace.to_str().expect("utf8")])
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn repl");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"/thread\nfirst prompt\n/thread\nHISTORY\n/new\nHISTORY\n/thread\n/bogus\n/exit\nnever sent\n")
        .await
        .expect("write to the repl");
    drop(stdin);
    let output = finish(child).await;
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{}", describe(&output));
    assert_eq!(lines[0], "answer: first prompt");
    let first_thread = lines[1];
    assert_eq!(
        lines[2], "first prompt | HISTORY",
        "same thread keeps its history"
    );
    assert_eq!(lines[3], "HISTORY", "/new starts a fresh thread");
    let second_thread = lines[4];
    assert_ne!(first_thread, second_thread);
    let err = stderr(&output);
    assert!(err.contains("no thread yet"), "{err}");
    assert!(err.contains("unknown command /bogus"), "{err}");
    // One connection for everything: a single initialize.
    let trace = std::fs::read_to_string(&trace).expect("trace");
    assert_eq!(trace.matches("\"method\":\"initialize\"").count(), 1);
    // /exit left before the last line.
    assert!(!setup
        .model
        .requests()
        .iter()
        .any(|r| r.to_string().contains("never sent")));
}

#[tokio::test]
async fn threads_lists_what_ask_created() {
    let setup = Setup::new().await;
    let first = setup.ask_json(&["--name", "cli-listed", "hello"]).await;
    let output = setup
        .run(&["threads", "--json", "--search", "cli-listed"])
        .await;
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let list = json_of(&output);
    let threads = list["threads"].as_array().expect("threads array");
    assert!(
        threads.iter().any(|t| t["id"] == first["thread_id"]),
        "{list}"
    );
    let table = setup.run(&["threads"]).await;
    assert!(stdout(&table).contains(first["thread_id"].as_str().expect("id")));
    let bad = setup.run(&["threads", "--limit", "0"]).await;
    assert_eq!(code(&bad), 2);
}

#[tokio::test]
async fn doctor_checks_everything_and_prints_the_mcp_config() {
    let setup = Setup::new().await;
    let output = setup.run(&["doctor"]).await;
    let out = stdout(&output);
    assert_eq!(code(&output), 0, "{}", describe(&output));
    for check in [
        "Codex:",
        "app-server:",
        "Codex version:",
        "auth:",
        "MCP server:",
    ] {
        assert!(
            out.lines()
                .any(|line| line.starts_with("ok") && line.contains(check)),
            "{check} not ok: {out}"
        );
    }
    let version = TestCodex::selected().version();
    assert!(out.contains(&format!("codex-cli {version}")), "{out}");
    assert!(out.contains("native binary"), "{out}");
    // The link it used, and where this Codex stands against the tested range.
    assert!(out.contains("over a private Unix socket"), "{out}");
    assert!(
        out.contains(&format!(
            "Codex version: Codex {version}, in the tested range ({} to {})",
            TestCodex::Pinned.version(),
            TestCodex::Newest.version()
        )),
        "{out}"
    );
    // The README's client configurations, filled in for this binary and directory.
    let workspace = setup.env.workspace.path().display().to_string();
    for expected in [
        "\"mcpServers\"",
        "default_tools_approval_mode = \"approve\"",
        "[mcp_servers.codex_bridge]",
        "\"trust\": true",
        "--allowed-root",
        workspace.as_str(),
        crate::common::bridge::bridge_bin(),
    ] {
        assert!(out.contains(expected), "{expected} missing: {out}");
    }
    assert!(!out.contains("/home/me"), "no placeholder left: {out}");
}

#[tokio::test]
async fn ask_policy_without_a_terminal_declines_and_says_so() {
    let setup = Setup::new().await;
    // stdin is not a terminal here: nobody can answer, so the request is declined and Codex
    // carries on without the command.
    let result = setup
        .ask_json(&["--approval-policy", "ask", "RUN: echo hi"])
        .await;
    assert_eq!(result["status"], "completed");
    let approvals = result["approvals"].as_array().expect("approvals");
    assert_eq!(approvals.len(), 1, "{result}");
    assert_eq!(approvals[0]["kind"], "command");
    assert_eq!(approvals[0]["decision"], "decline");
    assert!(
        result["text"]
            .as_str()
            .is_some_and(|text| text.contains("rejected")),
        "{result}"
    );
}

#[tokio::test]
async fn ask_policy_on_a_terminal_prompts_and_takes_the_answer() {
    use std::io::Write;
    use std::os::fd::{FromRawFd, OwnedFd};

    let setup = Setup::new().await;
    let (mut master, slave) = {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty fills two fresh descriptors that we own from here on.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty failed");
        // SAFETY: both descriptors were just created and are not owned elsewhere.
        unsafe {
            (
                std::fs::File::from(OwnedFd::from_raw_fd(master)),
                OwnedFd::from_raw_fd(slave),
            )
        }
    };
    // Typed ahead: the answer waits in the terminal until the prompt reads it.
    master.write_all(b"a\n").expect("type the answer");
    let child = setup
        .command(&[
            "ask",
            "--json",
            "--approval-policy",
            "ask",
            "RUN: echo approved-by-a-human",
        ])
        .stdin(Stdio::from(slave))
        .spawn()
        .expect("spawn");
    let output = finish(child).await;
    assert_eq!(code(&output), 0, "{}", describe(&output));
    let result = json_of(&output);
    let approval = &result["approvals"][0];
    assert_eq!(approval["decision"], "accept", "{result}");
    assert_eq!(approval["decided_by"], "human", "{result}");
    assert!(
        result["text"]
            .as_str()
            .is_some_and(|text| text.contains("approved-by-a-human")),
        "the accepted command ran: {result}"
    );
    // The prompt showed the command and said plainly what accepting means.
    let err = stderr(&output);
    assert!(err.contains("echo approved-by-a-human"), "{err}");
    assert!(err.contains("WITHOUT the sandbox"), "{err}");
    drop(master);
}

/// A `config.toml` Codex cannot load (an unescaped Windows path) makes every turn fail: doctor
/// says so with the file, line and column and exits 1, and `ask` exits 3 (Codex not usable).
#[tokio::test]
async fn a_broken_codex_config_is_a_problem_doctor_names_and_ask_exits_3() {
    let setup = Setup::new().await;
    setup
        .env
        .add_config(r#"model_instructions_file = "C:\Users\me\x.md""#);
    let config = setup.env.codex_home.path().join("config.toml");
    let line = std::fs::read_to_string(&config)
        .expect("config")
        .lines()
        .position(|line| line.starts_with("model_instructions_file"))
        .expect("the broken line")
        + 1;
    let output = setup.run(&["doctor"]).await;
    let out = stdout(&output);
    assert_eq!(code(&output), 1, "{}", describe(&output));
    let problem = out
        .lines()
        .find(|l| l.starts_with("PROBLEM") && l.contains("config:"))
        .unwrap_or_else(|| panic!("no config PROBLEM: {out}"));
    assert!(
        problem.contains("cannot load its configuration"),
        "{problem}"
    );
    assert!(
        out.contains(&format!("{}:{line}:", config.display())),
        "the fix names the file and line: {out}"
    );
    assert!(out.contains("doubled backslashes"), "{out}");
    let asked = setup.run(&["ask", "--json", "hi"]).await;
    assert_eq!(code(&asked), 3, "{}", describe(&asked));
    let result = json_of(&asked);
    assert!(
        result["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot load its configuration")),
        "{result}"
    );
    assert!(
        setup.model.requests().is_empty(),
        "nothing reached the model"
    );
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?}");
}

/// `review` gates CI: exit 1 with `--fail-on` at or below the findings' priority, 0 above
/// it; `--json` is the codex_review result with its findings.
#[tokio::test]
async fn review_prints_findings_and_fail_on_gates_the_exit_code() {
    let setup = Setup::new().await;
    let workspace = setup.env.workspace.path();
    git(workspace, &["init", "-q"]);
    std::fs::write(workspace.join("lib.rs"), "fn one() -> u8 { 1 }\n").expect("write");
    git(workspace, &["add", "lib.rs"]);
    git(workspace, &["commit", "-q", "-m", "one"]);
    std::fs::write(workspace.join("lib.rs"), "fn one() -> u8 { 2 }\n").expect("edit");

    let plain = setup.run(&["review"]).await;
    assert_eq!(code(&plain), 0, "no gate: {}", describe(&plain));
    assert!(
        stdout(&plain).contains("[P1] Check lib.rs"),
        "{}",
        describe(&plain)
    );
    assert!(
        stderr(&plain).contains("patch is incorrect"),
        "{}",
        describe(&plain)
    );

    let gated = setup
        .run(&["review", "--uncommitted", "--fail-on", "P1"])
        .await;
    assert_eq!(
        code(&gated),
        1,
        "a P1 finding fails --fail-on P1: {}",
        describe(&gated)
    );
    assert!(stderr(&gated).contains("--fail-on"), "{}", describe(&gated));

    let lenient = setup.run(&["review", "--fail-on", "P0", "--json"]).await;
    assert_eq!(code(&lenient), 0, "P1 is below P0: {}", describe(&lenient));
    let result = json_of(&lenient);
    assert_eq!(result["review"]["findings"][0]["priority"], 1, "{result}");
    assert_eq!(result["review"]["findings"][0]["confidence"], 0.9);
    assert!(
        !workspace.join("written-by-review.txt").exists(),
        "read-only"
    );

    let bad = setup
        .run(&["review", "--base", "main", "--commit", "abc"])
        .await;
    assert_eq!(code(&bad), 2, "one target at a time: {}", describe(&bad));
}

#[tokio::test]
async fn models_lists_the_catalog_and_its_efforts() {
    let setup = Setup::new().await;
    let table = setup.run(&["models"]).await;
    assert_eq!(code(&table), 0, "{}", describe(&table));
    assert!(stdout(&table).contains("gpt-5.5"), "{}", describe(&table));
    let json = setup.run(&["models", "--json", "--include-hidden"]).await;
    assert_eq!(code(&json), 0, "{}", describe(&json));
    let list = json_of(&json);
    assert!(
        list["models"]
            .as_array()
            .is_some_and(|models| models.iter().any(|m| m["hidden"] == true)),
        "{list}"
    );
    let before = setup.model.requests().len();
    let refused = setup
        .run(&["ask", "--model", "gpt-5.5", "--effort", "ultra", "hello"])
        .await;
    assert_eq!(code(&refused), 2, "{}", describe(&refused));
    assert!(
        stderr(&refused).contains("--effort"),
        "{}",
        describe(&refused)
    );
    assert_eq!(setup.model.requests().len(), before);
}

/// The thread subcommands: read (paged, and one turn in full), fork, rename, archive,
/// unarchive, revert, compact; each prints a line or the tool's JSON.
#[tokio::test]
async fn threads_subcommands_read_fork_rename_archive_revert_and_compact() {
    let setup = Setup::new().await;
    let first = setup.ask_json(&["q0"]).await;
    let thread = first["thread_id"].as_str().expect("thread").to_string();
    let second = setup.ask_json(&["--thread-id", &thread, "q1"]).await;
    let second_turn = second["turn_id"].as_str().expect("turn").to_string();

    let read = setup.run(&["threads", "read", &thread, "--json"]).await;
    assert_eq!(code(&read), 0, "{}", describe(&read));
    let history = json_of(&read);
    assert_eq!(history["total_turns"], 2, "{history}");
    let page = setup
        .run(&["threads", "read", &thread, "--limit", "1"])
        .await;
    assert!(stdout(&page).contains("q1") && !stdout(&page).contains("> q0"));
    assert!(stdout(&page).contains("--cursor"), "{}", describe(&page));

    let fork = setup
        .run(&[
            "threads",
            "fork",
            &thread,
            "--last-turn-id",
            first["turn_id"].as_str().expect("t"),
            "--json",
        ])
        .await;
    assert_eq!(code(&fork), 0, "{}", describe(&fork));
    let forked = json_of(&fork);
    assert_eq!(forked["forked_from_id"], thread.as_str());
    assert_eq!(forked["total_turns"], 1);

    let renamed = setup
        .run(&["threads", "rename", &thread, "--name", "cli named"])
        .await;
    assert_eq!(code(&renamed), 0, "{}", describe(&renamed));
    let listed = setup
        .run(&["threads", "--search", "cli named", "--json"])
        .await;
    assert_eq!(json_of(&listed)["threads"][0]["id"], thread.as_str());

    let archived = setup.run(&["threads", "archive", &thread]).await;
    assert_eq!(code(&archived), 0, "{}", describe(&archived));
    let refused = setup.run(&["ask", "--thread-id", &thread, "more"]).await;
    assert_eq!(code(&refused), 2, "{}", describe(&refused));
    assert!(
        stderr(&refused).contains(&format!("codex-bridge threads unarchive {thread}")),
        "{}",
        describe(&refused)
    );
    let back = setup.run(&["threads", "unarchive", &thread]).await;
    assert_eq!(code(&back), 0, "{}", describe(&back));

    let reverted = setup
        .run(&[
            "threads",
            "revert",
            &thread,
            "--before-turn-id",
            &second_turn,
        ])
        .await;
    assert_eq!(code(&reverted), 0, "{}", describe(&reverted));
    assert!(
        stdout(&reverted).contains("NOT restored"),
        "{}",
        describe(&reverted)
    );
    let after = setup.ask_json(&["--thread-id", &thread, "HISTORY"]).await;
    assert_eq!(after["text"], "q0 | HISTORY");

    let compacted = setup.run(&["threads", "compact", &thread, "--json"]).await;
    assert_eq!(code(&compacted), 0, "{}", describe(&compacted));
    assert_eq!(json_of(&compacted)["status"], "completed");

    let bad = setup.run(&["threads", "archive", "not-a-thread"]).await;
    assert_eq!(code(&bad), 2, "{}", describe(&bad));
    assert!(
        stderr(&bad).contains("not a Codex thread id"),
        "{}",
        describe(&bad)
    );
}

#[tokio::test]
async fn brainstorm_and_fanout_from_the_command_line() {
    let setup = Setup::new().await;
    let debate = setup
        .run(&[
            "brainstorm",
            "STEADY which queue to use",
            "--participant",
            "optimist",
            "--participant",
            "skeptic:gpt-5.5",
            "--caller-position",
            "use the one we have",
            "--json",
        ])
        .await;
    assert_eq!(code(&debate), 0, "{}", describe(&debate));
    let result = json_of(&debate);
    assert_eq!(result["status"], "completed", "{result}");
    assert_eq!(result["participants"][1]["model"], "gpt-5.5");
    assert!(result["synthesis"].is_string(), "{result}");
    assert!(
        stderr(&debate).contains("round 2"),
        "progress on stderr: {}",
        describe(&debate)
    );

    let plain = setup
        .run(&[
            "brainstorm",
            "STEADY plain",
            "--rounds",
            "1",
            "--no-synthesis",
        ])
        .await;
    assert_eq!(code(&plain), 0, "{}", describe(&plain));
    assert!(
        stdout(&plain).contains("## A · proponent"),
        "{}",
        describe(&plain)
    );

    let bad = setup.run(&["brainstorm", "t", "--rounds", "9"]).await;
    assert_eq!(code(&bad), 2, "{}", describe(&bad));
    assert!(stderr(&bad).contains("--rounds"), "{}", describe(&bad));

    let fanned = setup
        .run(&[
            "fanout",
            "compare",
            "--variant",
            "quick",
            "--variant",
            "deep:gpt-5.5:high",
            "--json",
        ])
        .await;
    assert_eq!(code(&fanned), 0, "{}", describe(&fanned));
    let result = json_of(&fanned);
    assert_eq!(result["variants"][0]["name"], "quick");
    assert_eq!(result["variants"][1]["effort"], "high");
    assert_eq!(result["variants"][1]["turn"]["text"], "answer: compare");

    let failing = setup.run(&["fanout", "FAIL", "--count", "2"]).await;
    assert_eq!(code(&failing), 1, "{}", describe(&failing));
}

/// `ask --name` names the new thread (Codex refuses a name until it has written the thread:
/// the bridge sets it once the turn has reported something), and `threads` finds it by name
/// with the cursor it prints quoted for a shell.
#[tokio::test]
async fn a_thread_named_by_ask_is_found_and_cursors_are_quoted() {
    let setup = Setup::new().await;
    for n in 0..3 {
        let name = format!("cli-named-{n}");
        let asked = setup.ask_json(&["--name", &name, "hello"]).await;
        let found = setup.run(&["threads", "--search", &name, "--json"]).await;
        assert_eq!(code(&found), 0, "{}", describe(&found));
        let list = json_of(&found);
        assert_eq!(
            list["threads"][0]["id"], asked["thread_id"],
            "{name}: {list}"
        );
        assert_eq!(list["threads"][0]["name"], name.as_str());
    }
    let page = setup.run(&["threads", "--limit", "1"]).await;
    let more = stderr(&page);
    let cursor_line = more
        .lines()
        .find(|line| line.contains("more: --cursor"))
        .unwrap_or_else(|| panic!("a cursor: {}", describe(&page)));
    let quoted = cursor_line
        .trim_start_matches("codex-bridge: ")
        .trim_start_matches("more: --cursor ");
    let words = shell_words::split(quoted).expect("the printed cursor is one shell word");
    assert_eq!(words.len(), 1, "{cursor_line}");
    let next = setup
        .run(&["threads", "--limit", "1", "--cursor", &words[0]])
        .await;
    assert_eq!(
        code(&next),
        0,
        "the printed cursor works: {}",
        describe(&next)
    );
}
