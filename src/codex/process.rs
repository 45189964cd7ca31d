//! The `codex app-server` process the bridge owns in embedded mode.
//!
//! Owns finding Codex (flag, `CODEX_BIN`, `PATH`; the native binary inside the npm package is
//! preferred over the node wrapper, because killing the wrapper can leave the native child
//! running), starting it on one of its transports ([`Listen`]) and waiting until it can be
//! reached, and ending its whole process group so that nothing Codex started (login shells
//! and their helpers) outlives the bridge, even when the bridge itself is killed
//! ([`watch_parent`]).
//!
//! - Unix socket: `--listen unix://PATH` with PATH in a private (0700) temporary directory;
//!   Codex prints nothing when it listens there, so readiness is the socket appearing (and
//!   being private, [`super::unix_socket`]).
//! - Loopback TCP: `--listen ws://127.0.0.1:0` with a random capability token handed over in
//!   a 0600 file (in a 0700 directory, removed as soon as the server has read it, so no secret
//!   is left on disk even if the bridge is killed); the port it chose is read from its stderr.
//! - stdio: no flag (stdio is the app-server's default transport on every build seen): the
//!   child's stdin and stdout carry JSON lines.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::oneshot;

use super::error::CodexError;
use super::unix_socket::{self, SocketProblem};

/// How often the start-up looks for the app-server's Unix socket.
const SOCKET_POLL: Duration = Duration::from_millis(2);

/// What to do when Codex cannot be found or started.
pub const INSTALL_HINT: &str =
    "install Codex with `npm install -g @openai/codex` (or pass --codex-bin PATH / set CODEX_BIN)";

/// Where Codex was found, and whether it is the native binary or the node wrapper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodexBinary {
    pub path: PathBuf,
    pub native: bool,
}

/// Find the Codex executable: `explicit` (from `--codex-bin` / `CODEX_BIN`) first, then
/// `codex` on `PATH`. A node wrapper is swapped for the native binary it would run.
pub fn locate_codex(explicit: Option<&Path>) -> Result<CodexBinary, CodexError> {
    let found = match explicit {
        Some(path) => {
            if !path.exists() {
                return Err(CodexError::Start(format!(
                    "Codex binary {} does not exist; {INSTALL_HINT}",
                    path.display()
                )));
            }
            path.to_path_buf()
        }
        None => find_on_path("codex").ok_or_else(|| {
            CodexError::Start(format!("`codex` was not found on PATH; {INSTALL_HINT}"))
        })?,
    };
    Ok(match native_for_wrapper(&found) {
        Some(native) => CodexBinary {
            path: native,
            native: true,
        },
        None => CodexBinary {
            native: !is_script(&found),
            path: found,
        },
    })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn is_script(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut head))
        .map(|()| &head == b"#!")
        .unwrap_or(false)
}

/// If `path` is the npm package's `bin/codex.js` (directly or through a `.bin` symlink),
/// return the native binary the wrapper would spawn.
fn native_for_wrapper(path: &Path) -> Option<PathBuf> {
    let resolved = std::fs::canonicalize(path).ok()?;
    if resolved.file_name()? != "codex.js" {
        return None;
    }
    // <scope>/codex/bin/codex.js -> <scope>/codex
    let package = resolved.parent()?.parent()?;
    let (platform, triple) = native_target()?;
    let platform_package = format!("codex-{platform}");
    let candidates = [
        // npm nests the optional platform package under the wrapper...
        package.join("node_modules/@openai").join(&platform_package),
        // ...or hoists it next to the wrapper.
        package.parent()?.join(&platform_package),
        // Older packages shipped the binary inside the wrapper package.
        package.to_path_buf(),
    ];
    candidates
        .iter()
        .map(|root| root.join("vendor").join(triple).join("bin/codex"))
        .find(|candidate| is_executable(candidate))
}

fn native_target() -> Option<(&'static str, &'static str)> {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => Some(("linux-x64", "x86_64-unknown-linux-musl")),
        ("linux", "aarch64") => Some(("linux-arm64", "aarch64-unknown-linux-musl")),
        ("macos", "x86_64") => Some(("darwin-x64", "x86_64-apple-darwin")),
        ("macos", "aarch64") => Some(("darwin-arm64", "aarch64-apple-darwin")),
        _ => None,
    }
}

/// Which transport the embedded app-server is started on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listen {
    /// `--listen unix://PATH`, PATH in a private temporary directory.
    Unix,
    /// `--listen ws://127.0.0.1:0` with a capability token.
    Tcp,
    /// JSON lines over the child's stdin and stdout.
    Stdio,
}

impl Listen {
    /// The word the flag and the logs use (`unix`, `tcp`, `stdio`).
    pub fn word(self) -> &'static str {
        match self {
            Listen::Unix => "unix",
            Listen::Tcp => "tcp",
            Listen::Stdio => "stdio",
        }
    }
}

/// How to reach a started app-server.
pub enum Reach {
    /// The resolved socket, already checked to be private.
    Unix { socket: PathBuf },
    /// `ws://127.0.0.1:PORT` and the token it wants.
    Tcp { url: String, token: String },
    /// The child's pipes.
    Stdio {
        stdin: ChildStdin,
        stdout: ChildStdout,
    },
}

impl std::fmt::Debug for Reach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reach::Unix { socket } => f.debug_struct("Unix").field("socket", socket).finish(),
            // The token is a secret: never print it.
            Reach::Tcp { url, .. } => f
                .debug_struct("Tcp")
                .field("url", url)
                .finish_non_exhaustive(),
            Reach::Stdio { .. } => f.write_str("Stdio"),
        }
    }
}

/// Why starting the app-server failed; the link decides whether another transport is worth
/// a try.
#[derive(Debug)]
pub enum SpawnError {
    /// It exited before it could be reached: this Codex refuses that listener (or cannot
    /// start at all). The error quotes its last output.
    Exited(CodexError),
    /// Its Unix socket landed in a directory others can reach (see [`super::unix_socket`]).
    NotPrivate(CodexError),
    /// Anything else: it could not be spawned, or was not reachable in time.
    Failed(CodexError),
}

impl SpawnError {
    pub fn into_error(self) -> CodexError {
        match self {
            SpawnError::Exited(error)
            | SpawnError::NotPrivate(error)
            | SpawnError::Failed(error) => error,
        }
    }
}

/// Why waiting for a started server to be reachable ended without it.
enum NotReady {
    Exited,
    TimedOut,
    Socket(SocketProblem),
}

/// The last lines the app-server wrote to stderr, for error messages.
type Tail = Arc<Mutex<VecDeque<String>>>;
const TAIL_LINES: usize = 5;

/// A running app-server. Dropping it kills its process group.
pub struct AppServerProcess {
    child: Child,
    pgid: i32,
    tail: Tail,
    /// The private directory holding the `unix://` path, removed with the process.
    socket_dir: Option<PrivateDir>,
    /// The real socket Codex made in its per-user directory: Codex removes it on SIGTERM,
    /// the bridge removes it if a SIGKILL left it.
    real_socket: Option<PathBuf>,
    /// Where the kernel offers no parent-death signal: the watchdog that ends the group when
    /// the bridge dies ([`watch_parent`]); ended with the group.
    _watchdog: Option<Child>,
    /// The group was ended by [`AppServerProcess::shutdown`]: its id may be reused, so Drop
    /// must not signal it again.
    ended: bool,
}

impl std::fmt::Debug for AppServerProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppServerProcess")
            .field("pid", &self.pgid)
            .finish_non_exhaustive()
    }
}

impl AppServerProcess {
    /// Start `codex app-server` on `listen` and wait until it can be reached (at most
    /// `startup_timeout`).
    pub async fn spawn(
        binary: &CodexBinary,
        listen: Listen,
        startup_timeout: Duration,
    ) -> Result<(AppServerProcess, Reach), SpawnError> {
        let mut command = Command::new(&binary.path);
        command.arg("app-server");
        let mut token = None;
        let mut token_dir = None;
        let mut socket_dir = None;
        match listen {
            Listen::Unix => {
                let dir = PrivateDir::create().map_err(SpawnError::Failed)?;
                command
                    .arg("--listen")
                    .arg(format!("unix://{}", dir.socket_path().display()));
                socket_dir = Some(dir);
            }
            Listen::Tcp => {
                let secret = random_hex(32).map_err(SpawnError::Failed)?;
                let dir = PrivateDir::create().map_err(SpawnError::Failed)?;
                let file = dir
                    .write_secret("ws-token", &secret)
                    .map_err(SpawnError::Failed)?;
                command
                    .arg("--listen")
                    .arg("ws://127.0.0.1:0")
                    .arg("--ws-auth")
                    .arg("capability-token")
                    .arg("--ws-token-file")
                    .arg(file);
                token = Some(secret);
                token_dir = Some(dir);
            }
            // The default transport: no flag, so a build that predates `--listen` works too.
            Listen::Stdio => {}
        }
        let pipe = |wanted: bool| {
            if wanted {
                Stdio::piped()
            } else {
                Stdio::null()
            }
        };
        command
            .stdin(pipe(listen == Listen::Stdio))
            .stdout(pipe(listen == Listen::Stdio))
            .stderr(Stdio::piped())
            // Its own process group, so the whole tree can be ended at once.
            .process_group(0)
            .kill_on_drop(true);
        #[cfg(target_os = "linux")]
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(|| {
                // If the bridge dies without cleaning up (SIGKILL), take the server with it.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command.spawn().map_err(|e| {
            SpawnError::Failed(CodexError::Start(format!(
                "cannot start {} app-server: {e}; {INSTALL_HINT}",
                binary.path.display()
            )))
        })?;
        let pgid = child.id().map(|pid| pid as i32).unwrap_or(0);
        let stderr = child.stderr.take();
        // Linux has the parent-death signal (set above); elsewhere a watchdog does its job.
        let watchdog = if cfg!(target_os = "linux") {
            None
        } else {
            watch_parent(pgid)
        };
        let tail = Tail::default();
        let (url_tx, url_rx) = oneshot::channel::<String>();
        if let Some(stderr) = stderr {
            tokio::spawn(pump_stderr(stderr, url_tx, tail.clone()));
        }
        let mut process = AppServerProcess {
            child,
            pgid,
            tail,
            socket_dir,
            real_socket: None,
            _watchdog: watchdog,
            ended: false,
        };
        let ready = match listen {
            Listen::Tcp => {
                let url = tokio::select! {
                    // Err: stderr closed without the line, i.e. the server exited.
                    url = url_rx => url.map_err(|_| NotReady::Exited),
                    () = tokio::time::sleep(startup_timeout) => Err(NotReady::TimedOut),
                };
                // The server read the token file at start; it keeps the token in memory.
                drop(token_dir);
                url.map(|url| Reach::Tcp {
                    url,
                    token: token.unwrap_or_default(),
                })
            }
            Listen::Unix => process
                .wait_for_socket(startup_timeout)
                .await
                .map(|socket| Reach::Unix { socket }),
            Listen::Stdio => match (process.child.stdin.take(), process.child.stdout.take()) {
                (Some(stdin), Some(stdout)) => Ok(Reach::Stdio { stdin, stdout }),
                _ => Err(NotReady::Exited),
            },
        };
        match ready {
            Ok(reach) => {
                tracing::info!(
                    pid = pgid,
                    link = listen.word(),
                    ?reach,
                    "codex app-server started"
                );
                Ok((process, reach))
            }
            Err(why) => Err(process.failed(binary, listen, why, startup_timeout).await),
        }
    }

    /// Wait until the `unix://` path resolves to a socket (Codex prints no "listening" line
    /// for it), and check that its real directory is private.
    async fn wait_for_socket(&mut self, timeout: Duration) -> Result<PathBuf, NotReady> {
        let Some(path) = self.socket_dir.as_ref().map(PrivateDir::socket_path) else {
            return Err(NotReady::Exited);
        };
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match unix_socket::resolve_private(&path) {
                Ok(socket) => {
                    self.real_socket = Some(socket.clone());
                    return Ok(socket);
                }
                Err(SocketProblem::Missing(_)) => {}
                Err(problem) => return Err(NotReady::Socket(problem)),
            }
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return Err(NotReady::Exited);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(NotReady::TimedOut);
            }
            // A stat every 2 ms costs nothing next to the app-server's start (about a
            // quarter second), and the first call waits for this.
            tokio::time::sleep(SOCKET_POLL).await;
        }
    }

    /// End a server that could not be reached, and say why in words a user can act on.
    async fn failed(
        mut self,
        binary: &CodexBinary,
        listen: Listen,
        why: NotReady,
        timeout: Duration,
    ) -> SpawnError {
        self.kill();
        let status = tokio::time::timeout(Duration::from_secs(2), self.child.wait())
            .await
            .ok()
            .and_then(Result::ok);
        // The stderr pump ends with the process; give it a moment to take the last lines.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let output = self.last_output();
        let bin = binary.path.display();
        match why {
            NotReady::Exited => SpawnError::Exited(CodexError::Start(format!(
                "{bin} app-server did not start (exit status: {}); last output: {output}; is it a working Codex? {INSTALL_HINT}",
                status.map_or_else(|| "unknown".to_string(), |s| s.to_string()),
            ))),
            NotReady::TimedOut => SpawnError::Failed(CodexError::Start(format!(
                "{bin} app-server did not start: not reachable over {} within {} s; last output: {output}; is it a working Codex? {INSTALL_HINT}",
                listen.word(),
                timeout.as_secs(),
            ))),
            NotReady::Socket(problem) => SpawnError::NotPrivate(CodexError::Start(format!(
                "the app-server's Unix socket cannot be used: {problem}"
            ))),
        }
    }

    /// If the server has exited: its exit status and last output (for a link that broke
    /// before `initialize` was answered, such as a Codex that refuses stdio).
    pub fn exit_report(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok().flatten()?;
        Some(format!(
            "the app-server exited ({status}); last output: {}",
            self.last_output()
        ))
    }

    fn last_output(&self) -> String {
        let tail = crate::lock::lock(&self.tail);
        if tail.is_empty() {
            "(none)".to_string()
        } else {
            tail.iter().cloned().collect::<Vec<_>>().join(" | ")
        }
    }

    /// End the process group: SIGTERM, then SIGKILL if it is still there after `grace`.
    /// A server waiting on an approval ignores the first SIGTERM, hence the SIGKILL.
    pub async fn shutdown(mut self, grace: Duration) {
        signal_group(self.pgid, libc::SIGTERM);
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            tracing::debug!(pid = self.pgid, "app-server ignored SIGTERM; killing it");
        }
        self.kill();
        let _ = self.child.wait().await;
        self.ended = true;
    }

    fn kill(&mut self) {
        // The whole group: Codex's login shells and what they started, too.
        signal_group(self.pgid, libc::SIGKILL);
    }
}

impl Drop for AppServerProcess {
    fn drop(&mut self) {
        if !self.ended {
            self.kill();
        }
        if let Some(socket) = self.real_socket.take() {
            let _ = std::fs::remove_file(socket);
        }
    }
}

fn signal_group(pgid: i32, signal: i32) {
    if pgid > 0 {
        // SAFETY: plain syscall on a process group id we created.
        unsafe {
            libc::killpg(pgid, signal);
        }
    }
}

/// End process group `pgid` when this process dies, where the kernel has no parent-death
/// signal (everywhere but Linux): a `/bin/sh` in the group blocks reading a pipe whose other
/// end only the bridge holds. However the bridge ends (SIGKILL included), the kernel closes
/// that end, the read returns, and the shell kills its own group. On a normal shutdown the
/// group is ended first and the watchdog with it.
pub fn watch_parent(pgid: i32) -> Option<Child> {
    if pgid <= 0 {
        return None;
    }
    let spawned = Command::new("/bin/sh")
        .arg("-c")
        .arg("read line; kill -s KILL 0")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(pgid)
        .kill_on_drop(true)
        .spawn();
    match spawned {
        Ok(child) => Some(child),
        Err(error) => {
            tracing::warn!(%error, "cannot start the watchdog that ends Codex if the bridge dies");
            None
        }
    }
}

/// Forward the server's stderr to our log, spot the listening URL, and keep the last lines
/// for error messages. Draining it also keeps the pipe from filling up.
async fn pump_stderr(
    stderr: tokio::process::ChildStderr,
    url_tx: oneshot::Sender<String>,
    tail: Tail,
) {
    let mut lines = BufReader::new(stderr).lines();
    let mut url_tx = Some(url_tx);
    while let Ok(Some(line)) = lines.next_line().await {
        let clean = strip_ansi(&line);
        tracing::debug!(target: "codex_bridge::app_server", "{clean}");
        if let Some(url) = listening_url(&clean) {
            if let Some(tx) = url_tx.take() {
                let _ = tx.send(url);
            }
        }
        let mut tail = crate::lock::lock(&tail);
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(clean);
    }
}

/// `listening on: ws://127.0.0.1:NNNNN` -> the URL.
pub fn listening_url(line: &str) -> Option<String> {
    let rest = &line[line.find("listening on:")? + "listening on:".len()..];
    let url = rest.split_whitespace().next()?;
    url.starts_with("ws://").then(|| url.to_string())
}

/// Remove ANSI colour sequences (`ESC [ ... letter`).
pub fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// `bytes` random bytes as hex.
fn random_hex(bytes: usize) -> Result<String, CodexError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)
        .map_err(|e| CodexError::Start(format!("cannot generate random bytes: {e}")))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

/// A private (0700) temporary directory, removed on drop: it holds the token file (0600) of
/// a TCP app-server, or the `unix://` path of a socket one.
struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    fn create() -> Result<PrivateDir, CodexError> {
        use std::os::unix::fs::DirBuilderExt;
        let name = random_hex(8)?;
        let path = std::env::temp_dir().join(format!("codex-bridge-{name}"));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| {
                CodexError::Start(format!(
                    "cannot create a private directory for the app-server in {}: {e}",
                    std::env::temp_dir().display()
                ))
            })?;
        Ok(PrivateDir { path })
    }

    /// Write `secret` to a new 0600 file `name` in the directory.
    fn write_secret(&self, name: &str, secret: &str) -> Result<PathBuf, CodexError> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let fail = |e: std::io::Error| {
            CodexError::Start(format!("cannot write the app-server token file: {e}"))
        };
        let file = self.path.join(name);
        let mut handle = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .map_err(fail)?;
        handle.write_all(secret.as_bytes()).map_err(fail)?;
        Ok(file)
    }

    /// The path handed to `--listen unix://` (Codex makes it a symlink to the real socket).
    fn socket_path(&self) -> PathBuf {
        self.path.join("app-server.sock")
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_listening_url_after_colours() {
        let line = strip_ansi(
            "\u{1b}[2m2026\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m listening on: ws://127.0.0.1:40123",
        );
        assert_eq!(
            listening_url(&line).as_deref(),
            Some("ws://127.0.0.1:40123")
        );
        assert_eq!(listening_url("readyz: http://127.0.0.1:1/readyz"), None);
    }

    #[test]
    fn token_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = PrivateDir::create().expect("private dir");
        let file = dir.write_secret("ws-token", "secret").expect("token file");
        let mode = std::fs::metadata(&file).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(&dir.path)
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let path = dir.path.clone();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn missing_explicit_binary_names_the_package() {
        let error = locate_codex(Some(Path::new("/nonexistent/codex"))).expect_err("missing");
        assert!(error.to_string().contains("@openai/codex"), "{error}");
    }

    /// The fallback for systems without a parent-death signal, exercised here on Linux: when
    /// the pipe's far end closes (the bridge died), the watchdog ends the whole group.
    #[tokio::test]
    async fn the_watchdog_ends_the_group_when_its_pipe_closes() {
        let mut sleeper = Command::new("sleep")
            .arg("30")
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn sleep");
        let pgid = sleeper.id().expect("pid") as i32;
        let mut watchdog = watch_parent(pgid).expect("watchdog");
        // Still running while the pipe is open.
        assert!(
            tokio::time::timeout(Duration::from_millis(300), sleeper.wait())
                .await
                .is_err(),
            "the group lives while the bridge does"
        );
        // What the kernel does when the bridge dies: the write end closes.
        drop(watchdog.stdin.take());
        let status = tokio::time::timeout(Duration::from_secs(5), sleeper.wait())
            .await
            .expect("the group was ended")
            .expect("status");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGKILL), "{status:?}");
    }
}
