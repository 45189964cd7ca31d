//! A throw-away Codex installation for one test: `CODEX_HOME` with a `config.toml` that points at a
//! [`FakeModel`], a clean `HOME`, and a workspace directory.
//!
//! The real Codex binaries come from `node_modules` (`package.json`): the pinned `@openai/codex`
//! and the newest release under the `codex-newest` alias. `CODEX_BRIDGE_TEST_CODEX` picks the one
//! the end-to-end tests run (`pinned`, the default, or `newest`: `tests/run.sh` runs the suites it
//! names on both). Tests never skip when a Codex is missing: they fail with instructions.
#![allow(dead_code)]

use std::path::PathBuf;

use super::fake_model::FakeModel;

/// One of the Codex releases the tests install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestCodex {
    /// `@openai/codex` in package.json: the bridge's pinned Codex.
    Pinned,
    /// The `codex-newest` alias in package.json: the newest release.
    Newest,
}

impl TestCodex {
    pub const ALL: [TestCodex; 2] = [TestCodex::Pinned, TestCodex::Newest];

    /// The Codex `CODEX_BRIDGE_TEST_CODEX` selects (`pinned` when unset).
    pub fn selected() -> TestCodex {
        match std::env::var("CODEX_BRIDGE_TEST_CODEX").as_deref() {
            Err(_) | Ok("") | Ok("pinned") => TestCodex::Pinned,
            Ok("newest") => TestCodex::Newest,
            Ok(other) => panic!("CODEX_BRIDGE_TEST_CODEX={other:?}: use `pinned` or `newest`"),
        }
    }

    /// Its name in package.json's dependencies.
    pub fn package(self) -> &'static str {
        match self {
            TestCodex::Pinned => "@openai/codex",
            TestCodex::Newest => "codex-newest",
        }
    }

    /// Its version, as package.json pins it (`0.169.0`).
    pub fn version(self) -> String {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("package.json");
        let text = std::fs::read_to_string(&path).expect("package.json");
        let package: serde_json::Value = serde_json::from_str(&text).expect("package.json is JSON");
        let pin = package["dependencies"][self.package()]
            .as_str()
            .unwrap_or_else(|| panic!("package.json has no dependency {}", self.package()));
        pin.trim_start_matches("npm:@openai/codex@").to_string()
    }

    /// The npm package directory (holding `bin/codex.js`, the node wrapper).
    pub fn package_dir(self) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("node_modules")
            .join(self.package())
    }

    /// The native binary. Spawn this, not the node wrapper: SIGKILL on the wrapper leaves the
    /// native child running.
    pub fn bin(self) -> PathBuf {
        let (package, triple) = match (std::env::consts::OS, std::env::consts::ARCH) {
            ("linux", "x86_64") => ("codex-linux-x64", "x86_64-unknown-linux-musl"),
            ("linux", "aarch64") => ("codex-linux-arm64", "aarch64-unknown-linux-musl"),
            ("macos", "x86_64") => ("codex-darwin-x64", "x86_64-apple-darwin"),
            ("macos", "aarch64") => ("codex-darwin-arm64", "aarch64-apple-darwin"),
            (os, arch) => panic!("no Codex test binary is known for {os}/{arch}"),
        };
        let native = |root: PathBuf| {
            root.join("@openai")
                .join(package)
                .join("vendor")
                .join(triple)
                .join("bin/codex")
        };
        let modules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node_modules");
        // npm nests the newest release's platform package under its alias (the pinned one
        // holds the top-level slot), unless both versions are the same.
        let candidates = match self {
            TestCodex::Pinned => vec![native(modules)],
            TestCodex::Newest => vec![
                native(self.package_dir().join("node_modules")),
                native(modules),
            ],
        };
        candidates
            .iter()
            .find(|bin| bin.is_file())
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "Codex ({}) is not installed for the tests: run `npm ci` (package.json) or use the \
                     README's test command (looked for {candidates:?})",
                    self.package()
                )
            })
    }
}

/// The native Codex binary the end-to-end tests run ([`TestCodex::selected`]).
pub fn codex_bin() -> PathBuf {
    TestCodex::selected().bin()
}

/// Temporary directories for one Codex app-server. They are deleted when this is dropped, so keep
/// it alive until the server process is gone.
pub struct CodexEnv {
    pub codex_home: tempfile::TempDir,
    pub home: tempfile::TempDir,
    pub workspace: tempfile::TempDir,
}

impl CodexEnv {
    /// Creates the directories and a `config.toml` that sends every model request to `model`.
    pub fn new(model: &FakeModel) -> CodexEnv {
        CodexEnv::with_base_url(&model.base_url())
    }

    /// A Codex whose model provider is unreachable (a closed port): Codex retries without
    /// end, "Reconnecting... waiting for network".
    pub fn unreachable() -> CodexEnv {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .expect("a free port");
        // The listener is dropped: nothing answers on the port.
        CodexEnv::with_base_url(&format!("http://127.0.0.1:{port}/v1"))
    }

    fn with_base_url(base_url: &str) -> CodexEnv {
        let codex_home = tempfile::Builder::new()
            .prefix("codex-home-")
            .tempdir()
            .expect("create CODEX_HOME temp dir");
        let home = tempfile::Builder::new()
            .prefix("codex-user-home-")
            .tempdir()
            .expect("create HOME temp dir");
        let workspace = tempfile::Builder::new()
            .prefix("codex-workspace-")
            .tempdir()
            .expect("create workspace temp dir");
        let config = CONFIG_TEMPLATE.replace("{BASE_URL}", base_url);
        std::fs::write(codex_home.path().join("config.toml"), config)
            .expect("write CODEX_HOME/config.toml");
        CodexEnv {
            codex_home,
            home,
            workspace,
        }
    }

    /// Append `toml` to the Codex configuration (an `[mcp_servers.NAME]` table, say).
    pub fn add_config(&self, toml: &str) {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.codex_home.path().join("config.toml"))
            .expect("open config.toml");
        writeln!(file, "\n{toml}").expect("append to config.toml");
    }

    /// Set a top-level key of the Codex configuration (replacing its line if the template
    /// has one), e.g. `set("sandbox_mode", "\"workspace-write\"")`.
    pub fn set(&self, key: &str, toml_value: &str) {
        let path = self.codex_home.path().join("config.toml");
        let config = std::fs::read_to_string(&path).expect("read config.toml");
        let prefix = format!("{key} = ");
        let mut lines: Vec<String> = config
            .lines()
            .filter(|line| !line.starts_with(&prefix))
            .map(str::to_string)
            .collect();
        lines.insert(1, format!("{key} = {toml_value}"));
        std::fs::write(&path, lines.join("\n") + "\n").expect("write config.toml");
    }

    /// Give Codex the tests' small stdio MCP server (`tests/fixtures/mini_mcp.py`) as
    /// `[mcp_servers.demo]`: one tool, `danger`, that needs approval.
    pub fn add_demo_mcp_server(&self) {
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini_mcp.py");
        self.add_config(&format!(
            "[mcp_servers.demo]\ncommand = \"python3\"\nargs = [{:?}]\nrequired = true\n",
            script.display().to_string()
        ));
    }

    /// Environment variables for the spawned `codex` process (on top of the inherited ones).
    pub fn envs(&self) -> Vec<(String, String)> {
        let path = |dir: &tempfile::TempDir| dir.path().to_string_lossy().into_owned();
        let home = path(&self.home);
        vec![
            ("CODEX_HOME".into(), path(&self.codex_home)),
            // A clean HOME: Codex runs commands and its shell snapshot through login shells
            // (`bash -lc`), and the developer's start-up files (pyenv, ...) can spawn helpers that
            // outlive the server. The XDG dirs and BASH_ENV/ENV would otherwise still point at the
            // developer's files when set explicitly.
            ("HOME".into(), home.clone()),
            ("XDG_CONFIG_HOME".into(), format!("{home}/.config")),
            ("XDG_CACHE_HOME".into(), format!("{home}/.cache")),
            ("XDG_DATA_HOME".into(), format!("{home}/.local/share")),
            ("XDG_STATE_HOME".into(), format!("{home}/.local/state")),
            ("BASH_ENV".into(), String::new()),
            ("ENV".into(), String::new()),
            // Real credentials must never reach a test run (the mock provider ignores them, but
            // Codex's login/auth code still reads these).
            ("OPENAI_API_KEY".into(), String::new()),
            ("CODEX_API_KEY".into(), String::new()),
        ]
    }
}

/// `approval_policy = "never"` is only the default: tests pass `on-request` per thread/turn.
/// (`"untrusted"` here is a fatal startup error in 0.169.) Every key below passes
/// `codex app-server --strict-config`.
const CONFIG_TEMPLATE: &str = r#"# Written by tests/common/codex_env.rs for one test run.
model = "mock-model"
model_provider = "mock"
approval_policy = "never"
sandbox_mode = "read-only"
# No update check (a TUI feature, but cheap to pin).
check_for_update_on_startup = false
# Keep the hosted web_search tool out of the tool list sent to the model.
web_search = "disabled"

[analytics]
# Turn metadata otherwise says `analytics_enabled: true`.
enabled = false

[features]
# The plugin marketplace sync runs `git ls-remote https://github.com/openai/plugins.git` at
# startup; that is network access outside the fake model.
plugins = false
# ChatGPT apps/connectors: no use without a ChatGPT login.
apps = false

[model_providers.mock]
name = "mock"
base_url = "{BASE_URL}"
wire_api = "responses"
# Retries would turn a FAIL reply into ~25 s of "Reconnecting..." before the turn fails.
request_max_retries = 0
stream_max_retries = 0
"#;
