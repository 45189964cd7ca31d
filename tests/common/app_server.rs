//! Real app-servers a test runs itself, and the other parties on their wire:
//! - [`UnixAppServer`]: `codex app-server --listen unix://PATH`, for `--app-server-url unix://`;
//! - [`Daemon`]: `codex app-server daemon start` with the test's own `CODEX_HOME`, stopped
//!   (with the `pid-update-loop` that `daemon stop` leaves running) when dropped;
//! - [`RawClient`]: another front-end on the same app-server, speaking JSON-RPC over its
//!   Unix socket (it starts turns, sees the server requests, answers them);
//! - [`RecordingProxy`]: a WebSocket proxy on a Unix socket that records every frame
//!   between the bridge and the app-server, so a test asserts on what crossed the wire.
#![allow(dead_code)]

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{UnixListener, UnixStream};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use super::codex_env::CodexEnv;
use super::process::alive;

/// Wait until `path` resolves (Codex makes it a symlink to the real socket once it listens).
async fn wait_for_socket(path: &Path, what: &str) {
    for _ in 0..500 {
        if std::fs::canonicalize(path).is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{what}: no socket at {} after 10 s", path.display());
}

/// `codex app-server --listen unix://PATH` with the test's Codex environment, in its own
/// process group (killed on drop).
pub struct UnixAppServer {
    pub socket: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
}

impl UnixAppServer {
    pub async fn start(env: &CodexEnv, codex: &Path) -> UnixAppServer {
        let dir = tempfile::tempdir().expect("socket dir");
        let socket = dir.path().join("app-server.sock");
        let child = Command::new(codex)
            .arg("app-server")
            .arg("--listen")
            .arg(format!("unix://{}", socket.display()))
            .envs(env.envs())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn codex app-server --listen unix://");
        wait_for_socket(&socket, "codex app-server --listen unix://").await;
        UnixAppServer {
            socket,
            child,
            _dir: dir,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("app-server pid")
    }
}

impl Drop for UnixAppServer {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: killpg on the process group this test created.
            unsafe {
                libc::killpg(pid as i32, libc::SIGKILL);
            }
        }
    }
}

/// The user's Codex daemon, as a test runs it: `codex app-server daemon start` with the
/// test's `CODEX_HOME` (and clean `HOME`). Dropping it stops it: `daemon stop`, then SIGTERM
/// to the `pid-update-loop` that `daemon stop` leaves running (seen on 0.169 and 0.171; its
/// pid is in `$CODEX_HOME/app-server-daemon/daemon-updater.pid`).
pub struct Daemon {
    codex: PathBuf,
    envs: Vec<(String, String)>,
    codex_home: PathBuf,
}

impl Daemon {
    /// Start it and wait until it answers on its control socket.
    pub async fn start(env: &CodexEnv, codex: &Path) -> Daemon {
        let daemon = Daemon::adopt(env, codex);
        let output = daemon.run(&["start"]).await;
        assert!(
            output.status.success()
                && String::from_utf8_lossy(&output.stdout).contains("\"started\""),
            "codex app-server daemon start: {output:?}"
        );
        wait_for_socket(&daemon.socket(), "codex app-server daemon").await;
        daemon
    }

    /// Take charge of stopping a daemon someone else (the bridge) may start.
    pub fn adopt(env: &CodexEnv, codex: &Path) -> Daemon {
        Daemon {
            codex: codex.to_path_buf(),
            envs: env.envs(),
            codex_home: env.codex_home.path().to_path_buf(),
        }
    }

    pub fn socket(&self) -> PathBuf {
        self.codex_home
            .join("app-server-control")
            .join("app-server-control.sock")
    }

    /// The pid in one of the daemon's pid files (`daemon.pid`, `daemon-updater.pid`).
    pub fn pid_in(&self, file: &str) -> Option<u32> {
        let text =
            std::fs::read_to_string(self.codex_home.join("app-server-daemon").join(file)).ok()?;
        let value: Value = serde_json::from_str(&text).ok()?;
        value["pid"]
            .as_u64()
            .and_then(|pid| u32::try_from(pid).ok())
    }

    /// The daemon's app-server process, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.pid_in("daemon.pid").filter(|pid| alive(*pid))
    }

    async fn run(&self, args: &[&str]) -> std::process::Output {
        tokio::time::timeout(
            Duration::from_secs(60),
            Command::new(&self.codex)
                .args(["app-server", "daemon"])
                .args(args)
                .envs(self.envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdin(Stdio::null())
                .output(),
        )
        .await
        .expect("codex app-server daemon answers within 60 s")
        .expect("run codex app-server daemon")
    }

    fn stop(&self) {
        let daemon = self.pid_in("daemon.pid");
        let _ = std::process::Command::new(&self.codex)
            .args(["app-server", "daemon", "stop"])
            .envs(self.envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let updater = self.pid_in("daemon-updater.pid");
        for (pid, signal) in [(updater, libc::SIGTERM), (daemon, libc::SIGKILL)] {
            if let Some(pid) = pid.filter(|pid| alive(*pid)) {
                // SAFETY: kill(2) on a pid from this test's own CODEX_HOME.
                unsafe {
                    libc::kill(pid as i32, signal);
                }
            }
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Another front-end on the same app-server: JSON-RPC over a WebSocket on its Unix socket.
/// Records every frame it receives; server requests are left for the test to answer.
pub struct RawClient {
    outgoing: mpsc::UnboundedSender<Message>,
    received: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<Notify>,
    pending: Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>>,
    next_id: AtomicI64,
    _tasks: Vec<JoinHandle<()>>,
}

impl RawClient {
    /// Connect and run the `initialize` handshake.
    pub async fn connect(socket: &Path) -> RawClient {
        let stream = UnixStream::connect(socket)
            .await
            .expect("connect to the socket");
        let (ws, _) = tokio_tungstenite::client_async("ws://localhost/", stream)
            .await
            .expect("WebSocket handshake");
        let (mut sink, mut stream) = ws.split();
        let (outgoing, mut outgoing_rx) = mpsc::unbounded_channel::<Message>();
        let received: Arc<Mutex<Vec<Value>>> = Arc::default();
        let arrived = Arc::new(Notify::new());
        let pending: Arc<Mutex<HashMap<i64, oneshot::Sender<Value>>>> = Arc::default();
        let writer = tokio::spawn(async move {
            while let Some(message) = outgoing_rx.recv().await {
                if sink.send(message).await.is_err() {
                    break;
                }
            }
        });
        let reader = {
            let (received, arrived, pending) = (received.clone(), arrived.clone(), pending.clone());
            tokio::spawn(async move {
                while let Some(Ok(message)) = stream.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) else {
                        continue;
                    };
                    let answer_to = (frame.get("method").is_none())
                        .then(|| frame["id"].as_i64())
                        .flatten();
                    if let Some(waiter) =
                        answer_to.and_then(|id| pending.lock().expect("pending").remove(&id))
                    {
                        let _ = waiter.send(frame.clone());
                    }
                    received.lock().expect("received").push(frame);
                    arrived.notify_waiters();
                }
            })
        };
        let client = RawClient {
            outgoing,
            received,
            arrived,
            pending,
            next_id: AtomicI64::new(1),
            _tasks: vec![writer, reader],
        };
        let init = client
            .call(
                "initialize",
                json!({"clientInfo": {"name": "another-front-end", "version": "0"}}),
            )
            .await;
        assert!(init.get("result").is_some(), "initialize: {init}");
        client.send(json!({"method": "initialized", "params": {}}));
        client
    }

    fn send(&self, frame: Value) {
        let _ = self.outgoing.send(Message::text(frame.to_string()));
    }

    /// A request; returns the whole answer frame (`result` or `error`).
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending").insert(id, tx);
        self.send(json!({"id": id, "method": method, "params": params}));
        tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .unwrap_or_else(|_| panic!("no answer to {method} within 30 s"))
            .expect("the connection stayed up")
    }

    /// Answer a server request.
    pub fn answer(&self, request: &Value, result: Value) {
        self.send(json!({"id": request["id"], "result": result}));
    }

    /// Every frame received so far.
    pub fn received(&self) -> Vec<Value> {
        self.received.lock().expect("received").clone()
    }

    /// The first received frame matching `matches`, waiting up to `timeout`.
    pub async fn wait_for(
        &self,
        timeout: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            if let Some(frame) = self.received().into_iter().find(|frame| matches(frame)) {
                return Some(frame);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }
}

/// Which way a recorded frame went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    FromBridge,
    ToBridge,
}

/// A WebSocket proxy listening on a Unix socket (in a private temporary directory, so the
/// bridge accepts it) in front of an app-server's Unix socket. Each connection is forwarded
/// frame by frame, and every text frame is recorded with its direction.
pub struct RecordingProxy {
    pub socket: PathBuf,
    frames: Arc<Mutex<Vec<(Way, Value)>>>,
    _dir: tempfile::TempDir,
    task: JoinHandle<()>,
}

impl RecordingProxy {
    pub async fn start(upstream: &Path) -> RecordingProxy {
        let dir = tempfile::tempdir().expect("proxy dir");
        // Private, or the bridge refuses the socket (tempfile's directories are 0755 here).
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod the proxy dir");
        let socket = dir.path().join("proxy.sock");
        let listener = UnixListener::bind(&socket).expect("bind the proxy socket");
        let frames: Arc<Mutex<Vec<(Way, Value)>>> = Arc::default();
        let upstream = upstream.to_path_buf();
        let recorded = frames.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, recorded) = (upstream.clone(), recorded.clone());
                tokio::spawn(async move {
                    let Ok(client) = tokio_tungstenite::accept_async(client).await else {
                        return;
                    };
                    let Ok(server) = UnixStream::connect(&upstream).await else {
                        return;
                    };
                    let Ok((server, _)) =
                        tokio_tungstenite::client_async("ws://localhost/", server).await
                    else {
                        return;
                    };
                    let (mut client_tx, mut client_rx) = client.split();
                    let (mut server_tx, mut server_rx) = server.split();
                    let record = |way: Way, message: &Message| {
                        if let Message::Text(text) = message {
                            let frame = serde_json::from_str(text.as_str())
                                .unwrap_or_else(|_| Value::String(text.to_string()));
                            recorded.lock().expect("frames").push((way, frame));
                        }
                    };
                    loop {
                        tokio::select! {
                            message = client_rx.next() => match message {
                                Some(Ok(message)) => {
                                    record(Way::FromBridge, &message);
                                    if server_tx.send(message).await.is_err() { break; }
                                }
                                _ => break,
                            },
                            message = server_rx.next() => match message {
                                Some(Ok(message)) => {
                                    record(Way::ToBridge, &message);
                                    if client_tx.send(message).await.is_err() { break; }
                                }
                                _ => break,
                            },
                        }
                    }
                });
            }
        });
        RecordingProxy {
            socket,
            frames,
            _dir: dir,
            task,
        }
    }

    pub fn frames(&self) -> Vec<(Way, Value)> {
        self.frames.lock().expect("frames").clone()
    }

    /// Requests the bridge sent with this method.
    pub fn sent(&self, method: &str) -> Vec<Value> {
        self.frames()
            .into_iter()
            .filter(|(way, frame)| *way == Way::FromBridge && frame["method"] == method)
            .map(|(_, frame)| frame)
            .collect()
    }

    /// The app-server's answer to the bridge's request `id`.
    pub fn answer_to(&self, id: &Value) -> Option<Value> {
        self.frames()
            .into_iter()
            .find(|(way, frame)| {
                *way == Way::ToBridge && frame.get("method").is_none() && &frame["id"] == id
            })
            .map(|(_, frame)| frame)
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
