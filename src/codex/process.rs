//! The `codex app-server` process the bridge owns in embedded mode.
//!
//! Owns finding Codex (flag, `CODEX_BIN`, `PATH`; the native binary inside the npm package is
//! preferred over the node wrapper, because killing the wrapper can leave the native child
//! running), starting it on a loopback WebSocket with a random capability token handed over
//! in a 0600 file (in a 0700 directory, removed as soon as the server has read it, so no
//! secret is left on disk even if the bridge is killed), reading the port it chose from its
//! stderr, and ending its whole process group so that nothing Codex started (login shells
//! and their helpers) outlives the bridge.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

use super::error::CodexError;

const INSTALL_HINT: &str =
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

/// A running app-server. Dropping it kills its process group.
pub struct AppServerProcess {
    child: Child,
    pgid: i32,
    pub url: String,
    /// The token (the file that handed it over is gone); never logged.
    pub token: String,
}

impl std::fmt::Debug for AppServerProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppServerProcess")
            .field("pid", &self.pgid)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl AppServerProcess {
    /// Start `codex app-server` on `ws://127.0.0.1:0` with capability-token auth, and wait
    /// until it prints the port it listens on.
    pub async fn spawn(
        binary: &CodexBinary,
        startup_timeout: Duration,
    ) -> Result<AppServerProcess, CodexError> {
        let token = random_token()?;
        let token_dir = TokenDir::create(&token)?;
        let mut command = Command::new(&binary.path);
        command
            .arg("app-server")
            .arg("--listen")
            .arg("ws://127.0.0.1:0")
            .arg("--ws-auth")
            .arg("capability-token")
            .arg("--ws-token-file")
            .arg(&token_dir.file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
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
            CodexError::Start(format!(
                "cannot start {} app-server: {e}; {INSTALL_HINT}",
                binary.path.display()
            ))
        })?;
        let pgid = child.id().map(|pid| pid as i32).unwrap_or(0);
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| CodexError::Start("app-server stderr was not captured".into()))?;

        let (port_tx, port_rx) = oneshot::channel::<String>();
        let (tail_tx, tail_rx) = oneshot::channel::<Vec<String>>();
        tokio::spawn(pump_stderr(stderr, port_tx, tail_tx));

        let url = tokio::select! {
            url = port_rx => url.ok(),
            () = tokio::time::sleep(startup_timeout) => None,
        };
        // The server read the token file at start; it keeps the token in memory.
        drop(token_dir);
        let mut process = AppServerProcess {
            child,
            pgid,
            url: String::new(),
            token,
        };
        match url {
            Some(url) => {
                process.url = url;
                tracing::info!(pid = pgid, url = %process.url, "codex app-server started");
                Ok(process)
            }
            None => {
                process.kill();
                let status = process.child.wait().await.ok();
                let tail = tail_rx.await.unwrap_or_default();
                Err(CodexError::Start(format!(
                    "{} app-server did not start (exit status: {}); last output: {}; is it a working Codex? {INSTALL_HINT}",
                    binary.path.display(),
                    status.map(|s| s.to_string()).unwrap_or_else(|| "still running".into()),
                    if tail.is_empty() { "(none)".to_string() } else { tail.join(" | ") },
                )))
            }
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
    }

    fn kill(&mut self) {
        // The whole group: Codex's login shells and what they started, too.
        signal_group(self.pgid, libc::SIGKILL);
    }
}

impl Drop for AppServerProcess {
    fn drop(&mut self) {
        self.kill();
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

/// Forward the server's stderr to our log, spot the listening URL, and keep the last lines
/// for a start-up error message. Draining it also keeps the pipe from filling up.
async fn pump_stderr(
    stderr: tokio::process::ChildStderr,
    port_tx: oneshot::Sender<String>,
    tail_tx: oneshot::Sender<Vec<String>>,
) {
    let mut lines = BufReader::new(stderr).lines();
    let mut port_tx = Some(port_tx);
    let mut tail: Vec<String> = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let clean = strip_ansi(&line);
        tracing::debug!(target: "codex_bridge::app_server", "{clean}");
        if let Some(url) = listening_url(&clean) {
            if let Some(tx) = port_tx.take() {
                let _ = tx.send(url);
            }
        }
        if port_tx.is_some() {
            tail.push(clean);
            if tail.len() > 5 {
                tail.remove(0);
            }
        }
    }
    let _ = tail_tx.send(tail);
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

fn random_token() -> Result<String, CodexError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| CodexError::Start(format!("cannot generate an app-server token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A private (0700) temporary directory holding the token file (0600), removed on drop.
struct TokenDir {
    dir: PathBuf,
    file: PathBuf,
}

impl TokenDir {
    fn create(token: &str) -> Result<TokenDir, CodexError> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let fail = |e: std::io::Error| {
            CodexError::Start(format!("cannot write the app-server token file: {e}"))
        };
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).map_err(|e| CodexError::Start(e.to_string()))?;
        let name: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("codex-bridge-{name}"));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(fail)?;
        let file = dir.join("ws-token");
        let mut handle = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .map_err(fail)?;
        handle.write_all(token.as_bytes()).map_err(fail)?;
        Ok(TokenDir { dir, file })
    }
}

impl Drop for TokenDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
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
        let dir = TokenDir::create("secret").expect("token dir");
        let mode = std::fs::metadata(&dir.file)
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(&dir.dir)
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let path = dir.dir.clone();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn missing_explicit_binary_names_the_package() {
        let error = locate_codex(Some(Path::new("/nonexistent/codex"))).expect_err("missing");
        assert!(error.to_string().contains("@openai/codex"), "{error}");
    }
}
