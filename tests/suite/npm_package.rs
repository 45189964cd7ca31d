//! The npm packages (`npm/`): `npm/build.mjs` assembles the main package `codex-bridge` (the
//! launcher) and this platform's `@codex-bridge/<platform>` around the built binary and packs
//! both with `npm pack`; the tarballs are installed offline into a fresh directory, as
//! `npx -y codex-bridge` installs them from the registry. Then, through the launcher:
//! `npx codex-bridge --version`, an MCP session listing the tools, the bridge's exit codes,
//! and a SIGTERM to the launcher ending the bridge with nothing left behind. And the launcher's
//! errors when no binary fits. Needs Node.js and npm (as `tests/run.sh` does); no network.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use rmcp::model::ProtocolVersion;
use rmcp::ServiceExt;
use tokio::process::Command;

use crate::common::bridge::{bridge_bin, TestClient};
use crate::common::process::{children_of, gone, leftovers};
use crate::suite::clients::TOOLS;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// This machine's platform as the packages name it (Node's `process.platform-process.arch`).
fn platform() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-x64",
        ("macos", "aarch64") => "darwin-arm64",
        (os, arch) => panic!("the npm packages have no platform for {os} {arch}"),
    }
}

/// An npm-world command in `dir`: npm's cache, config and network kept out of the user's.
fn npm_world(program: &str, dir: &Path, scratch: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(dir)
        .env("npm_config_cache", scratch.join("npm-cache"))
        .env("npm_config_userconfig", scratch.join("npmrc"))
        .env("npm_config_offline", "true")
        .env("npm_config_audit", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_update_notifier", "false")
        .env("npm_config_loglevel", "error")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

async fn output(mut command: Command, what: &str) -> Output {
    let output = tokio::time::timeout(Duration::from_secs(120), command.output())
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within 120 s"))
        .unwrap_or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                panic!(
                    "{what}: not found ({e}). The npm package test needs Node.js 20 or newer \
                     and npm on PATH, as tests/run.sh does"
                )
            }
            panic!("{what}: {e}")
        });
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn succeeded(command: Command, what: &str) -> String {
    let out = output(command, what).await;
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// A fresh project directory with the tarballs installed, offline.
async fn install(scratch: &Path, name: &str, tarballs: &[&Path]) -> PathBuf {
    let project = scratch.join(name);
    std::fs::create_dir_all(&project).expect("project dir");
    std::fs::write(project.join("package.json"), "{\"private\": true}\n").expect("package.json");
    let mut command = npm_world("npm", &project, scratch);
    command.args(["install", "--no-audit", "--no-fund", "--offline"]);
    command.args(tarballs);
    succeeded(command, &format!("npm install in {name}")).await;
    project
}

/// Kills a process group when dropped: a failing test leaves no launcher or bridge behind.
struct Group(i32);

impl Drop for Group {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group of our own child.
        unsafe {
            libc::kill(-self.0, libc::SIGKILL);
        }
    }
}

#[tokio::test]
async fn the_npm_packages_install_offline_and_run_the_bridge() {
    let started = Instant::now();
    let scratch = tempfile::tempdir().expect("scratch dir");
    let scratch = scratch.path();
    std::fs::write(scratch.join("npmrc"), "").expect("npmrc");
    // npm gzips the binary at level 9; the debug binary without its symbols packs twice as fast.
    let binary = scratch.join("codex-bridge");
    std::fs::copy(bridge_bin(), &binary).expect("copy the built bridge");
    match std::process::Command::new("strip").arg(&binary).status() {
        Ok(status) if status.success() => {}
        other => eprintln!("strip did not run ({other:?}); packing the binary as built"),
    }

    // Assemble and pack.
    let packages = scratch.join("packages");
    let mut build = npm_world("node", scratch, scratch);
    build
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("npm/build.mjs"))
        .arg("--out")
        .arg(&packages)
        .arg(format!("{}={}", platform(), binary.display()));
    let printed = succeeded(build, "node npm/build.mjs").await;
    let main_tarball = packages.join(format!("codex-bridge-{VERSION}.tgz"));
    let platform_tarball = packages.join(format!("codex-bridge-{}-{VERSION}.tgz", platform()));
    assert_eq!(
        printed.lines().collect::<Vec<_>>(),
        [
            platform_tarball.display().to_string(),
            main_tarball.display().to_string()
        ],
        "build.mjs prints the tarballs it made"
    );
    let manifest = |dir: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(packages.join(dir).join("package.json")).expect("manifest"),
        )
        .expect("manifest is JSON")
    };
    let main = manifest("codex-bridge");
    assert_eq!(
        main["version"], VERSION,
        "the version comes from Cargo.toml"
    );
    assert_eq!(main["bin"]["codex-bridge"], "bin/codex-bridge.js");
    for name in ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"] {
        assert_eq!(
            main["optionalDependencies"][format!("@codex-bridge/{name}")],
            VERSION,
            "{main}"
        );
    }
    let ours = manifest(platform());
    assert_eq!(ours["name"], format!("@codex-bridge/{}", platform()));
    assert_eq!(ours["version"], VERSION);
    eprintln!("packed in {:.1} s", started.elapsed().as_secs_f64());

    // Installed from the two tarballs alone; the other platforms' packages are optional.
    let project = install(scratch, "project", &[&main_tarball, &platform_tarball]).await;
    eprintln!("installed at {:.1} s", started.elapsed().as_secs_f64());
    let mut npx = npm_world("npx", &project, scratch);
    npx.args(["codex-bridge", "--version"]);
    let version = succeeded(npx, "npx codex-bridge --version").await;
    assert_eq!(version, format!("codex-bridge {VERSION}\n"));

    let launcher = project.join("node_modules/.bin/codex-bridge");
    let native = project
        .join("node_modules/@codex-bridge")
        .join(platform())
        .join("bin/codex-bridge");
    // The bridge's own exit code comes through (clap's 2 for a bad flag).
    let mut bad = npm_world(launcher.to_str().expect("path"), &project, scratch);
    bad.arg("--no-such-flag");
    let bad = output(bad, "codex-bridge --no-such-flag").await;
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    assert!(
        text(&bad.stderr).contains("--no-such-flag"),
        "{}",
        text(&bad.stderr)
    );

    // An MCP session through the launcher: stdin and stdout are the bridge's own.
    let workspace = scratch.join("workspace");
    std::fs::create_dir_all(&workspace).expect("workspace");
    let stderr_path = scratch.join("bridge.stderr");
    let mut serve = npm_world(launcher.to_str().expect("path"), &workspace, scratch);
    serve
        .args(["serve", "--codex-bin", "/nonexistent/codex"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"))
        .process_group(0);
    let mut child = serve.spawn().expect("spawn the launcher");
    let launcher_pid = child.id().expect("launcher pid");
    let _group = Group(launcher_pid as i32);
    let stdout = child.stdout.take().expect("stdout");
    let stdin = child.stdin.take().expect("stdin");
    let client = tokio::time::timeout(
        Duration::from_secs(20),
        TestClient::new(ProtocolVersion::V_2025_11_25).serve((stdout, stdin)),
    )
    .await
    .expect("initialize in time")
    .unwrap_or_else(|e| {
        panic!(
            "MCP initialize through the launcher: {e}\nstderr:\n{}",
            std::fs::read_to_string(&stderr_path).unwrap_or_default()
        )
    });
    let info = client.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|s| s.name.as_str()),
        Some("codex-bridge")
    );
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .expect("tools/list through the launcher")
        .iter()
        .map(|tool| tool.name.to_string())
        .collect();
    names.sort();
    assert_eq!(names, TOOLS);

    // The bridge is the launcher itself where Node can exec (22.15 on), else its one child.
    let native = std::fs::canonicalize(&native).expect("native binary");
    let exe = |pid: u32| std::fs::read_link(format!("/proc/{pid}/exe")).ok();
    let bridge_pid = if exe(launcher_pid).as_ref() == Some(&native) {
        launcher_pid
    } else {
        let children = children_of(launcher_pid);
        assert_eq!(
            children.len(),
            1,
            "the launcher runs one bridge: {children:?}"
        );
        assert_eq!(
            exe(children[0]).as_ref(),
            Some(&native),
            "the child is the bridge"
        );
        children[0]
    };
    eprintln!(
        "launcher {launcher_pid}, bridge {bridge_pid} ({}), at {:.1} s",
        if bridge_pid == launcher_pid {
            "exec"
        } else {
            "child"
        },
        started.elapsed().as_secs_f64()
    );

    // SIGTERM to the launcher, with the client still connected: the bridge shuts down and
    // the launcher exits as it did (0, a clean shutdown).
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(launcher_pid as i32, libc::SIGTERM);
    }
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the launcher exits after SIGTERM")
        .expect("wait for the launcher");
    assert!(
        status.success(),
        "{status:?}; stderr:\n{}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    assert!(gone(bridge_pid).await, "the bridge outlived its launcher");
    drop(client);
    let left = leftovers(&[scratch.display().to_string()], Duration::from_secs(5)).await;
    assert!(left.is_empty(), "processes left running: {left:#?}");

    // No binary that fits: the main package alone (its platform package left out), and a
    // platform no package is built for. Each error says what to do.
    let bare = install(scratch, "bare", &[&main_tarball]).await;
    let bare_launcher = bare.join("node_modules/codex-bridge/bin/codex-bridge.js");
    let mut missing = npm_world("node", &bare, scratch);
    missing.arg(&bare_launcher).arg("--version");
    let missing = output(missing, "the launcher without its platform package").await;
    let message = text(&missing.stderr);
    assert_eq!(missing.status.code(), Some(1), "{message}");
    assert!(missing.stdout.is_empty(), "{}", text(&missing.stdout));
    for words in [
        format!("@codex-bridge/{}", platform()),
        "is not installed".into(),
        "--omit=optional".into(),
        "cargo install".into(),
    ] {
        assert!(message.contains(&words), "{words:?} in {message}");
    }
    let mut elsewhere = npm_world("node", &bare, scratch);
    elsewhere
        .arg("-e")
        .arg("Object.defineProperty(process, 'arch', { value: 'mips' }); require(process.argv[1])")
        .arg(&bare_launcher);
    let elsewhere = output(elsewhere, "the launcher on another platform").await;
    let message = text(&elsewhere.stderr);
    assert_eq!(elsewhere.status.code(), Some(1), "{message}");
    for words in [
        &format!(
            "no prebuilt binary for {}-mips",
            std::env::consts::OS.replace("macos", "darwin")
        ),
        "linux-x64, linux-arm64, darwin-x64, darwin-arm64",
        "cargo install",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    eprintln!("npm package test: {:.1} s", started.elapsed().as_secs_f64());
}
