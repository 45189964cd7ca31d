//! The built `codex-bridge` binary, driven over stdio by an rmcp client: the real MCP wire.
//!
//! [`Bridge::start`] launches `codex-bridge serve` with the test's Codex environment and
//! connects a [`TestClient`] that records progress notifications and can declare a protocol
//! version. Helpers unwrap tool results into their structured JSON or error text.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{
    CallToolRequestParams, CallToolResult, CancelledNotificationParam, ClientCapabilities,
    ClientConfig, ClientRequest, ElicitRequestParams, ElicitResult, ElicitationAction,
    Implementation, ProgressNotificationParam, ProtocolVersion, Request,
};
use rmcp::service::{
    NotificationContext, PeerRequestOptions, RequestContext, RequestHandle, RunningService,
};
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use serde_json::Value;
use tokio::process::{Child, Command};

use super::codex_env::{codex_bin, CodexEnv};

/// How the test client answers `elicitation/create`.
#[derive(Clone, Debug)]
pub enum Elicitation {
    /// No elicitation capability declared.
    Unsupported,
    /// Accept with `{"decision": <value>}`.
    Choose(&'static str),
    /// An MCP-level decline or cancel action.
    Dismiss(ElicitationAction),
    /// Never answer.
    Never,
    /// Fill in whatever form is asked: the first `enum` value of each property, else
    /// `"answer-<name>"`.
    Fill,
}

/// An MCP client for tests: declares a chosen protocol version, records progress, the
/// elicitations it receives and the ones the server withdraws, and answers them as told
/// (the answer can be changed while the client runs).
#[derive(Clone)]
pub struct TestClient {
    pub version: ProtocolVersion,
    pub progress: Arc<Mutex<Vec<ProgressNotificationParam>>>,
    /// How elicitations are answered from now on. The capability is declared at start
    /// from the first value: `Unsupported` declares none.
    pub elicitation: Arc<Mutex<Elicitation>>,
    pub elicitations: Arc<Mutex<Vec<Value>>>,
    /// `notifications/cancelled` the server sent (withdrawn elicitations).
    pub cancelled: Arc<Mutex<Vec<CancelledNotificationParam>>>,
    /// The MCP roots (`file://` URIs) this client offers; `None` declares no roots capability.
    pub roots: Option<Vec<String>>,
}

impl TestClient {
    pub fn new(version: ProtocolVersion) -> TestClient {
        TestClient {
            version,
            progress: Arc::new(Mutex::new(Vec::new())),
            elicitation: Arc::new(Mutex::new(Elicitation::Unsupported)),
            elicitations: Arc::new(Mutex::new(Vec::new())),
            cancelled: Arc::new(Mutex::new(Vec::new())),
            roots: None,
        }
    }

    /// Answer elicitations this way from now on.
    pub fn answer_with(&self, elicitation: Elicitation) {
        *self.elicitation.lock().expect("elicitation lock") = elicitation;
    }
}

impl ClientHandler for TestClient {
    fn get_info(&self) -> ClientConfig {
        let elicitation = self.elicitation.lock().expect("elicitation lock").clone();
        let mut capabilities = match elicitation {
            Elicitation::Unsupported => ClientCapabilities::default(),
            _ => ClientCapabilities::builder().enable_elicitation().build(),
        };
        if self.roots.is_some() {
            capabilities.roots = Some(Default::default());
        }
        ClientConfig::new(capabilities, Implementation::new("codex-bridge-tests", "0"))
            .with_protocol_version(self.version.clone())
    }

    async fn create_elicitation(
        &self,
        request: ElicitRequestParams,
        _context: RequestContext<RoleClient>,
    ) -> Result<ElicitResult, ErrorData> {
        self.elicitations
            .lock()
            .expect("elicitations lock")
            .push(serde_json::to_value(&request).expect("elicitation is JSON"));
        let elicitation = self.elicitation.lock().expect("elicitation lock").clone();
        match elicitation {
            Elicitation::Unsupported => Err(ErrorData::invalid_request(
                "this test client declared no elicitation support",
                None,
            )),
            Elicitation::Choose(decision) => Ok(ElicitResult::new(ElicitationAction::Accept)
                .with_content(serde_json::json!({ "decision": decision }))),
            Elicitation::Dismiss(action) => Ok(ElicitResult::new(action)),
            Elicitation::Never => std::future::pending().await,
            Elicitation::Fill => {
                let schema =
                    serde_json::to_value(&request).expect("request")["requestedSchema"].clone();
                let mut content = serde_json::Map::new();
                for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                    let value = property["enum"]
                        .get(0)
                        .cloned()
                        .unwrap_or_else(|| Value::String(format!("answer-{name}")));
                    content.insert(name.clone(), value);
                }
                Ok(ElicitResult::new(ElicitationAction::Accept)
                    .with_content(Value::Object(content)))
            }
        }
    }

    #[allow(deprecated)]
    async fn list_roots(
        &self,
        _context: RequestContext<RoleClient>,
    ) -> Result<rmcp::model::ListRootsResult, ErrorData> {
        let roots = self
            .roots
            .clone()
            .unwrap_or_default()
            .into_iter()
            .map(rmcp::model::Root::new)
            .collect();
        Ok(rmcp::model::ListRootsResult::new(roots))
    }

    async fn on_cancelled(
        &self,
        params: CancelledNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.cancelled.lock().expect("cancelled lock").push(params);
    }

    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _context: NotificationContext<RoleClient>,
    ) {
        self.progress.lock().expect("progress lock").push(params);
    }
}

/// How to start a bridge.
pub struct BridgeOptions {
    pub args: Vec<String>,
    pub envs: Vec<(String, String)>,
    pub version: ProtocolVersion,
    pub current_dir: Option<PathBuf>,
    pub elicitation: Elicitation,
    /// MCP roots the test client offers (`file://` URIs).
    pub roots: Option<Vec<String>>,
}

impl BridgeOptions {
    /// Embedded app-server from the pinned Codex, cwd roots at the workspace, `allow` enabled.
    pub fn embedded(env: &CodexEnv) -> BridgeOptions {
        let mut envs = env.envs();
        envs.push(("CODEX_BIN".into(), codex_bin().display().to_string()));
        BridgeOptions {
            args: vec![
                "--allowed-root".into(),
                env.workspace.path().display().to_string(),
                "--allow-approvals".into(),
            ],
            envs,
            version: ProtocolVersion::V_2025_11_25,
            current_dir: Some(env.workspace.path().to_path_buf()),
            elicitation: Elicitation::Unsupported,
            roots: None,
        }
    }

    /// An app-server someone else runs (`--app-server-url` with a token file), cwd roots at
    /// `workspace`, which is also the bridge's current directory.
    pub fn external(url: &str, token_file: &Path, workspace: &Path) -> BridgeOptions {
        BridgeOptions {
            args: vec![
                "--app-server-url".into(),
                url.to_string(),
                "--app-server-token-file".into(),
                token_file.display().to_string(),
                "--allowed-root".into(),
                workspace.display().to_string(),
            ],
            envs: Vec::new(),
            version: ProtocolVersion::V_2025_11_25,
            current_dir: Some(workspace.to_path_buf()),
            elicitation: Elicitation::Unsupported,
            roots: None,
        }
    }
}

pub struct Bridge {
    pub client: RunningService<RoleClient, TestClient>,
    pub child: Child,
    pub handler: TestClient,
    stderr_path: PathBuf,
    _stderr_dir: tempfile::TempDir,
}

pub fn bridge_bin() -> &'static str {
    env!("CARGO_BIN_EXE_codex-bridge")
}

impl Bridge {
    pub async fn start(options: BridgeOptions) -> Bridge {
        let stderr_dir = tempfile::tempdir().expect("stderr dir");
        let stderr_path = stderr_dir.path().join("bridge.stderr");
        let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
        let mut command = Command::new(bridge_bin());
        command
            .arg("serve")
            .args(&options.args)
            .envs(options.envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("CODEX_BRIDGE_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true);
        if let Some(dir) = &options.current_dir {
            command.current_dir(dir);
        }
        let mut child = command.spawn().expect("spawn codex-bridge");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take().expect("stdin");
        let mut handler = TestClient::new(options.version);
        handler.answer_with(options.elicitation);
        handler.roots = options.roots;
        let client = handler
            .clone()
            .serve((stdout, stdin))
            .await
            .expect("MCP initialize with codex-bridge");
        Bridge {
            client,
            child,
            handler,
            stderr_path,
            _stderr_dir: stderr_dir,
        }
    }

    pub async fn call(&self, tool: &str, args: Value) -> CallToolResult {
        let Value::Object(arguments) = args else {
            panic!("tool arguments must be an object");
        };
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        tokio::time::timeout(Duration::from_secs(60), self.client.call_tool(params))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{tool} did not answer within 60 s; stderr:\n{}",
                    self.stderr()
                )
            })
            .unwrap_or_else(|e| {
                panic!(
                    "{tool} failed at the protocol level: {e}; stderr:\n{}",
                    self.stderr()
                )
            })
    }

    /// Start a tool call that the test can cancel (`notifications/cancelled`); it carries a
    /// progress token, as Claude Code's calls do.
    pub async fn call_cancellable(&self, tool: &str, args: Value) -> RequestHandle<RoleClient> {
        let Value::Object(arguments) = args else {
            panic!("tool arguments must be an object");
        };
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        self.client
            .send_cancellable_request(
                ClientRequest::CallToolRequest(Request::new(params)),
                PeerRequestOptions::no_options(),
            )
            .await
            .expect("send the tool call")
    }

    /// Call a tool that must succeed; returns its structured content.
    pub async fn call_ok(&self, tool: &str, args: Value) -> Value {
        let result = self.call(tool, args).await;
        assert_ne!(
            result.is_error,
            Some(true),
            "{tool} returned an error: {}\nstderr:\n{}",
            text_of(&result),
            self.stderr()
        );
        result
            .structured_content
            .clone()
            .unwrap_or_else(|| panic!("{tool} returned no structuredContent: {result:?}"))
    }

    /// Call a tool that must fail as a tool result (`isError: true`); returns its text.
    pub async fn call_err(&self, tool: &str, args: Value) -> String {
        let result = self.call(tool, args).await;
        assert_eq!(
            result.is_error,
            Some(true),
            "{tool} should have failed: {result:?}"
        );
        text_of(&result)
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    pub fn stderr_path(&self) -> &Path {
        &self.stderr_path
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("bridge pid")
    }

    /// Close the MCP session (stdin) and wait for the bridge to exit.
    /// Like [`Bridge::stop`], also returning everything the bridge logged (read before its
    /// temporary directory goes away).
    pub async fn stop_with_log(self) -> (std::process::ExitStatus, String) {
        let path = self.stderr_path.clone();
        let dir = tempfile::tempdir().expect("log copy dir");
        let keep = dir.path().join("bridge.stderr");
        let status = {
            // Hard-link the log so it survives the bridge's temporary directory.
            std::fs::hard_link(&path, &keep).expect("link the log");
            self.stop().await
        };
        (status, std::fs::read_to_string(&keep).unwrap_or_default())
    }

    pub async fn stop(mut self) -> std::process::ExitStatus {
        let _ = self.client.cancel().await;
        tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("bridge exits after stdin closes")
            .expect("wait for bridge")
    }
}

pub fn text_of(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|block| block.as_text().map(|text| text.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}
