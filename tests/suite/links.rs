//! Every link to Codex, end to end: the core scenario (ask, continue with history, a turn
//! past its wait picked up by `codex_wait`, `codex_interrupt`, an `ask` approval accepted by
//! the human) through the built bridge over MCP stdio, with the real app-server behind each
//! link: a Unix socket, loopback TCP and stdio (embedded), `--app-server-url unix://` (an
//! app-server the test runs, behind a recording proxy), and the Codex daemon (started and
//! stopped by the test, and by the bridge when asked). Also how the embedded link is chosen:
//! a private Unix socket by default, loopback TCP when the socket's directory is not private,
//! stdio when a Codex build refuses listeners.
//!
//! The Codex is the one `CODEX_BRIDGE_TEST_CODEX` selects: `tests/run.sh` runs this suite on
//! the pinned and on the newest release.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use crate::common::app_server::{Daemon, RawClient, RecordingProxy, UnixAppServer, Way};
use crate::common::bridge::{Bridge, BridgeOptions, Elicitation};
use crate::common::codex_env::{codex_bin, CodexEnv};
use crate::common::fake_model::FakeModel;
use crate::common::process::{alive, app_server_of, leftovers};

fn str_of<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {value}"))
}

/// The core scenario; returns the ids of the threads it ran.
async fn core(bridge: &Bridge, model: &FakeModel, link: &str) -> Vec<String> {
    // Ask.
    let first = bridge
        .call_ok("codex_ask", json!({"prompt": format!("hello over {link}")}))
        .await;
    assert_eq!(first["status"], "completed", "{link}: {first}");
    assert_eq!(
        first["text"],
        format!("answer: hello over {link}"),
        "{link}"
    );
    let thread_id = str_of(&first, "thread_id").to_string();
    // Continue: the next turn sees the thread's history.
    let second = bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "HISTORY"}),
        )
        .await;
    assert_eq!(
        second["text"],
        format!("hello over {link} | HISTORY"),
        "{link}: {second}"
    );
    // Wait: a turn outlives its call and `codex_wait` finishes it.
    let running = bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "SLOW:1500 waited", "wait_seconds": 0.2}),
        )
        .await;
    assert_eq!(running["status"], "running", "{link}: {running}");
    let waited = bridge
        .call_ok(
            "codex_wait",
            json!({"thread_id": thread_id, "turn_id": running["turn_id"], "wait_seconds": 30}),
        )
        .await;
    assert_eq!(waited["status"], "completed", "{link}: {waited}");
    assert_eq!(waited["text"], "answer: SLOW:1500 waited", "{link}");
    // Interrupt: a hanging turn is stopped, and the model sees its request dropped.
    let dropped_before = model.dropped_connections();
    let hanging = bridge
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": thread_id, "prompt": "HANG", "wait_seconds": 0.3}),
        )
        .await;
    assert_eq!(hanging["status"], "running", "{link}: {hanging}");
    assert!(
        model
            .wait_for_request("HANG", Duration::from_secs(20))
            .await,
        "{link}: the hanging turn reached the model"
    );
    let stopped = bridge
        .call_ok(
            "codex_interrupt",
            json!({"thread_id": thread_id, "turn_id": hanging["turn_id"]}),
        )
        .await;
    assert_eq!(stopped["status"], "interrupted", "{link}: {stopped}");
    assert!(
        model
            .wait_for_dropped(dropped_before + 1, Duration::from_secs(10))
            .await,
        "{link}: the model's request was dropped"
    );
    // An approval, answered by the human through MCP elicitation.
    let approved = bridge
        .call_ok(
            "codex_ask",
            json!({"prompt": format!("RUN: echo approved-over-{link}"), "approval_policy": "ask"}),
        )
        .await;
    assert_eq!(approved["status"], "completed", "{link}: {approved}");
    assert_eq!(
        approved["approvals"][0]["decided_by"], "human",
        "{link}: {approved}"
    );
    assert!(
        str_of(&approved, "text").contains(&format!("approved-over-{link}")),
        "{link}: the approved command ran: {approved}"
    );
    vec![thread_id, str_of(&approved, "thread_id").to_string()]
}

/// An embedded bridge on `link` that accepts approvals through elicitation.
fn embedded(env: &CodexEnv, link: &str) -> BridgeOptions {
    let mut options = BridgeOptions::embedded(env);
    options
        .args
        .extend(["--app-server-link".into(), link.into()]);
    options.elicitation = Elicitation::Choose("accept");
    options
}

/// A bridge that uses an app-server it does not own (`--app-server-url` or the daemon).
fn attached(env: &CodexEnv, link_args: &[String]) -> BridgeOptions {
    let mut options = BridgeOptions::embedded(env);
    options.args = link_args.to_vec();
    options.args.extend([
        "--allowed-root".into(),
        env.workspace.path().display().to_string(),
    ]);
    options.elicitation = Elicitation::Choose("accept");
    options
}

/// The command line of the app-server the bridge runs.
async fn app_server_args(bridge: &Bridge) -> Vec<String> {
    let pid = app_server_of(bridge).await;
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .expect("cmdline")
        .split(|b| *b == 0)
        .filter(|arg| !arg.is_empty())
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

#[tokio::test]
async fn core_over_a_unix_socket() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(embedded(&env, "unix")).await;
    core(&bridge, &model, "unix").await;
    let (_, log) = bridge.stop_with_log().await;
    assert!(log.contains("a private Unix socket"), "{log}");
}

#[tokio::test]
async fn core_over_loopback_tcp() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(embedded(&env, "tcp")).await;
    core(&bridge, &model, "tcp").await;
    let (_, log) = bridge.stop_with_log().await;
    assert!(log.contains("loopback TCP (ws://127.0.0.1:"), "{log}");
}

#[tokio::test]
async fn core_over_stdio() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(embedded(&env, "stdio")).await;
    core(&bridge, &model, "stdio").await;
    // The default transport: no listener at all.
    let args = app_server_args(&bridge).await;
    assert_eq!(args[1..], ["app-server"], "{args:?}");
    let (_, log) = bridge.stop_with_log().await;
    assert!(log.contains("stdio (JSON lines)"), "{log}");
}

/// `--app-server-url unix://`: an app-server the test runs, shared with other front-ends as
/// far as the bridge knows. Behind a recording proxy, the frames show that the bridge lets go
/// of every thread once its turn ended (`thread/unsubscribe`, answered `unsubscribed`), keeps
/// no thread it started without a turn, and answered every request of its own turns.
#[tokio::test]
async fn core_over_an_app_server_url_unix_socket() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let server = UnixAppServer::start(&env, &codex_bin()).await;
    let proxy = RecordingProxy::start(&server.socket).await;
    let url = format!("unix://{}", proxy.socket.display());
    let bridge = Bridge::start(attached(&env, &["--app-server-url".into(), url])).await;
    let threads = core(&bridge, &model, "an-app-server-url").await;
    // Every turn ran on a thread the bridge started or resumed, and after each turn ended
    // the bridge unsubscribed. Give the last release a moment to go out.
    let turns = proxy.sent("turn/start").len();
    for _ in 0..100 {
        let sent = proxy.sent("thread/unsubscribe");
        if sent.len() >= turns && sent.iter().all(|r| proxy.answer_to(&r["id"]).is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let unsubscribes = proxy.sent("thread/unsubscribe");
    assert_eq!(
        unsubscribes.len(),
        turns,
        "one release per turn: {unsubscribes:?}"
    );
    for request in &unsubscribes {
        let answer = proxy.answer_to(&request["id"]).expect("answered");
        assert_eq!(answer["result"]["status"], "unsubscribed", "{answer}");
    }
    for thread in &threads {
        assert!(
            unsubscribes
                .iter()
                .any(|r| r["params"]["threadId"] == thread.as_str()),
            "{thread} was let go"
        );
    }
    // Each later turn on the thread resumed it first (the bridge had let it go).
    assert_eq!(
        proxy.sent("thread/resume").len(),
        proxy.sent("turn/start").len() - proxy.sent("thread/start").len()
    );
    // Every server request that reached the bridge was for one of its turns, and answered.
    let frames = proxy.frames();
    for (_, request) in frames.iter().filter(|(way, f)| {
        *way == Way::ToBridge && f.get("method").is_some() && f.get("id").is_some()
    }) {
        assert!(
            frames.iter().any(|(way, f)| *way == Way::FromBridge
                && f.get("method").is_none()
                && f["id"] == request["id"]),
            "answered: {request}"
        );
    }
    bridge.stop().await;
    assert!(
        alive(server.pid()),
        "the bridge ends nothing it does not own"
    );
}

/// The user's Codex daemon, started and stopped by the test with its own CODEX_HOME: the
/// bridge attaches to it, its threads are live for the daemon's other front-ends, and ending
/// the bridge ends nothing of the daemon's.
#[tokio::test]
async fn core_over_the_codex_daemon() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let daemon = Daemon::start(&env, &codex_bin()).await;
    let daemon_pid = daemon.pid().expect("the daemon runs");
    let bridge = Bridge::start(attached(&env, &["--codex-daemon".into()])).await;
    let threads = core(&bridge, &model, "the-daemon").await;
    let (_, log) = bridge.stop_with_log().await;
    assert!(log.contains("the Codex daemon at"), "{log}");
    assert!(alive(daemon_pid), "the daemon outlives the bridge");
    // Another front-end of the daemon sees the bridge's threads.
    let other = RawClient::connect(&daemon.socket()).await;
    let listed = other.call("thread/list", json!({})).await;
    let ids: Vec<&str> = listed["result"]["data"]
        .as_array()
        .expect("threads")
        .iter()
        .filter_map(|thread| thread["id"].as_str())
        .collect();
    for thread in &threads {
        assert!(ids.contains(&thread.as_str()), "{thread} in {listed}");
    }
    drop(other);
    drop(daemon);
    let left = leftovers(
        &[env.codex_home.path().display().to_string()],
        Duration::from_secs(10),
    )
    .await;
    assert!(left.is_empty(), "nothing of the daemon left: {left:?}");
}

/// `--start-daemon`: the bridge starts the daemon it attaches to, and leaves it running.
#[tokio::test]
async fn the_bridge_starts_the_daemon_when_asked_and_leaves_it_running() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let daemon = Daemon::adopt(&env, &codex_bin());
    assert!(daemon.pid().is_none());
    let bridge = Bridge::start(attached(&env, &["--start-daemon".into()])).await;
    let asked = bridge
        .call_ok("codex_ask", json!({"prompt": "through a daemon I started"}))
        .await;
    assert_eq!(asked["text"], "answer: through a daemon I started");
    let pid = daemon.pid().expect("the bridge started the daemon");
    bridge.stop().await;
    assert!(alive(pid), "the daemon keeps running after the bridge");
    // A second bridge finds it running and just attaches.
    let again = Bridge::start(attached(&env, &["--start-daemon".into()])).await;
    again
        .call_ok(
            "codex_continue_thread",
            json!({"thread_id": asked["thread_id"], "prompt": "HISTORY"}),
        )
        .await;
    again.stop().await;
    assert_eq!(daemon.pid(), Some(pid), "the same daemon");
    drop(daemon);
    let left = leftovers(
        &[env.codex_home.path().display().to_string()],
        Duration::from_secs(10),
    )
    .await;
    assert!(left.is_empty(), "nothing of the daemon left: {left:?}");
}

/// Without the daemon running and without `--start-daemon`, a call says how to start it.
#[tokio::test]
async fn attaching_to_a_daemon_that_is_not_running_says_how_to_start_it() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(attached(&env, &["--codex-daemon".into()])).await;
    let message = bridge
        .call_err("codex_ask", json!({"prompt": "anyone there?"}))
        .await;
    assert!(message.contains("no Codex daemon answers"), "{message}");
    assert!(
        message.contains("codex app-server daemon start"),
        "{message}"
    );
    assert!(message.contains("--start-daemon"), "{message}");
    bridge.stop().await;
}

/// By default the embedded app-server listens on a Unix socket: no port, no token, and the
/// socket's real directory private to the user. Nothing of it is left afterwards.
#[tokio::test]
async fn by_default_the_app_server_is_on_a_private_unix_socket() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let bridge = Bridge::start(BridgeOptions::embedded(&env)).await;
    bridge.call_ok("codex_ask", json!({"prompt": "hi"})).await;
    let args = app_server_args(&bridge).await;
    let listen = args
        .iter()
        .position(|arg| arg == "--listen")
        .map(|at| args[at + 1].clone())
        .unwrap_or_else(|| panic!("--listen in {args:?}"));
    let path = PathBuf::from(listen.strip_prefix("unix://").expect("a unix:// listener"));
    assert!(
        !args.iter().any(|arg| arg.starts_with("--ws-")),
        "no token: {args:?}"
    );
    // The path the bridge chose is in its own private directory...
    let own_dir = path.parent().expect("dir");
    assert_eq!(mode_of(own_dir), 0o700);
    // ...and Codex links it to the real socket, whose directory is private too.
    let real = std::fs::canonicalize(&path).expect("the link resolves");
    let real_dir = real.parent().expect("dir");
    assert_eq!(mode_of(real_dir), 0o700, "{}", real_dir.display());
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(std::fs::metadata(real_dir).expect("dir").uid(), uid);
    bridge.stop().await;
    assert!(!own_dir.exists(), "the bridge's directory is removed");
    assert!(!real.exists(), "the socket is removed");
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

/// A `codex` that runs the real one, except as told for some listeners.
fn wrapper(dir: &Path, body: &str) -> PathBuf {
    let script = dir.join("codex");
    let text = format!(
        "#!/bin/sh\nREAL={real}\n{body}\nexec \"$REAL\" \"$@\"\n",
        real = codex_bin().display()
    );
    std::fs::write(&script, text).expect("write the wrapper");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    script
}

/// The private-directory check: a Codex whose socket lands in a directory others can enter
/// (here 0755) is not used over that socket. `auto` falls back to loopback TCP with a token
/// and says why; `--app-server-link unix` refuses with what to do.
#[tokio::test]
async fn a_socket_in_a_directory_others_can_enter_is_not_used() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let dir = tempfile::tempdir().expect("wrapper dir");
    let open = dir.path().join("open");
    let codex = wrapper(
        dir.path(),
        &format!(
            r#"if [ "$1" = app-server ] && [ "$2" = --listen ]; then
  case "$3" in unix://*)
    mkdir -p {open} && chmod 755 {open}
    python3 -c 'import socket, sys, time; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(); time.sleep(600)' {open}/real.sock &
    while [ ! -S {open}/real.sock ]; do sleep 0.02; done
    ln -s {open}/real.sock "${{3#unix://}}"
    wait; exit 0;;
  esac
fi"#,
            open = open.display()
        ),
    );
    let with_link = |link: &str| {
        let mut options = BridgeOptions::embedded(&env);
        options
            .envs
            .push(("CODEX_BIN".into(), codex.display().to_string()));
        options
            .args
            .extend(["--app-server-link".into(), link.into()]);
        options
    };
    let bridge = Bridge::start(with_link("auto")).await;
    let asked = bridge
        .call_ok("codex_ask", json!({"prompt": "safe?"}))
        .await;
    assert_eq!(asked["text"], "answer: safe?");
    let args = app_server_args(&bridge).await;
    assert!(args.contains(&"ws://127.0.0.1:0".to_string()), "{args:?}");
    assert!(args.contains(&"capability-token".to_string()), "{args:?}");
    let (_, log) = bridge.stop_with_log().await;
    assert!(log.contains("not using the Unix socket"), "{log}");
    assert!(log.contains("mode 0755"), "{log}");
    assert!(log.contains("loopback TCP (ws://127.0.0.1:"), "{log}");

    let bridge = Bridge::start(with_link("unix")).await;
    let message = bridge
        .call_err("codex_ask", json!({"prompt": "safe?"}))
        .await;
    assert!(message.contains("mode 0755"), "{message}");
    assert!(message.contains("0700"), "{message}");
    assert!(message.contains("--app-server-link tcp"), "{message}");
    bridge.stop().await;
}

/// A Codex build that refuses `--listen` (it exits at once) is reached over stdio.
#[tokio::test]
async fn a_codex_that_refuses_listeners_is_reached_over_stdio() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let dir = tempfile::tempdir().expect("wrapper dir");
    let codex = wrapper(
        dir.path(),
        r#"for arg in "$@"; do
  if [ "$arg" = --listen ]; then echo "error: unexpected argument '--listen' found" >&2; exit 2; fi
done"#,
    );
    let mut options = BridgeOptions::embedded(&env);
    options
        .envs
        .push(("CODEX_BIN".into(), codex.display().to_string()));
    let bridge = Bridge::start(options).await;
    let asked = bridge
        .call_ok("codex_ask", json!({"prompt": "old build"}))
        .await;
    assert_eq!(asked["text"], "answer: old build");
    let (_, log) = bridge.stop_with_log().await;
    assert_eq!(
        log.matches("this Codex refused the listener").count(),
        2,
        "unix, then tcp: {log}"
    );
    assert!(log.contains("unexpected argument '--listen'"), "{log}");
    assert!(log.contains("stdio (JSON lines)"), "{log}");
}

/// An `--app-server-url` that takes the connection but never upgrades it to a WebSocket, or
/// upgrades it and never answers `initialize`: a call is answered with what is wrong within
/// `--connect-timeout` (not left waiting without end), and the bridge still ends at once when
/// its client goes.
#[tokio::test]
async fn an_app_server_url_that_never_answers_fails_calls_within_the_connect_timeout() {
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    // A socket counts as private in a 0700 directory only.
    let dir = tempfile::tempdir().expect("dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("0700");
    for (upgrades, expected) in [
        (false, "did not complete the WebSocket upgrade within 1.0s"),
        (true, "did not answer initialize within 1.0s"),
    ] {
        let path = dir.path().join(format!("upgrades-{upgrades}.sock"));
        let listener = tokio::net::UnixListener::bind(&path).expect("listen");
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    // Held open, and silent from then on.
                    let _held = if upgrades {
                        Some(
                            tokio_tungstenite::accept_async(stream)
                                .await
                                .expect("upgrade"),
                        )
                    } else {
                        drop(stream.readable().await);
                        None
                    };
                    std::future::pending::<()>().await;
                });
            }
        });
        let url = format!("unix://{}", path.display());
        let bridge = Bridge::start(attached(
            &env,
            &[
                "--app-server-url".into(),
                url,
                "--connect-timeout".into(),
                "1".into(),
            ],
        ))
        .await;
        let asked = std::time::Instant::now();
        let result = tokio::time::timeout(
            Duration::from_secs(20),
            bridge.call("codex_ask", json!({"prompt": "anyone?"})),
        )
        .await
        .expect("the call was answered");
        let text = crate::common::bridge::text_of(&result);
        assert_eq!(result.is_error, Some(true), "{text}");
        assert!(text.contains(expected), "{text}");
        assert!(
            asked.elapsed() < Duration::from_secs(10),
            "answered after {:?}",
            asked.elapsed()
        );
        let left = std::time::Instant::now();
        bridge.stop().await;
        assert!(
            left.elapsed() < Duration::from_secs(5),
            "the bridge took {:?} to end after its client left",
            left.elapsed()
        );
        server.abort();
    }
}
