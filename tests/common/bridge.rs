//! The built `codex-bridge` binary, driven by rmcp clients over stdio or streamable HTTP: the
//! real MCP wire.
//!
//! [`Bridge::start`] launches `codex-bridge serve` with the test's Codex environment (on
//! stdio, or with `--http 127.0.0.1:0` and a per-agent token file) and connects a
//! [`TestClient`] that records progress notifications and can declare a protocol version.
//! Over HTTP, [`Bridge::connect`] adds more agents (each with its own token and name) to the
//! same bridge. Helpers unwrap tool results into their structured JSON or error text.
//!
//! [`both_transports!`] turns `async fn name(transport: Transport)` into two tests,
//! `name::stdio` and `name::http`, so the suites cannot drift apart between transports.
#![allow(dead_code)]

use std::ops::Deref;
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
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, ErrorData, RoleClient, ServiceExt};
use serde_json::Value;
use tokio::process::{Child, Command};

use super::codex_env::{codex_bin, CodexEnv};

/// Which transport a bridge serves MCP on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Stdio,
    /// `serve --http 127.0.0.1:0` with a token file of [`BridgeOptions::agents`].
    Http,
}

/// Two tests per suite function `async fn NAME(transport: Transport)`: `NAME::stdio` and
/// `NAME::http`.
#[macro_export]
macro_rules! both_transports {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                use $crate::common::bridge::Transport;

                #[tokio::test]
                async fn stdio() {
                    super::$name(Transport::Stdio).await
                }

                #[tokio::test]
                async fn http() {
                    super::$name(Transport::Http).await
                }
            }
        )*
    };
}

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
    pub transport: Transport,
    /// Over HTTP: the agents of the token file (`NAME TOKEN` lines); the first is the test
    /// client's. Empty: one shared token.
    pub agents: Vec<String>,
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
            transport: Transport::Stdio,
            agents: vec!["main".into()],
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
            transport: Transport::Stdio,
            agents: vec!["main".into()],
        }
    }
}

impl BridgeOptions {
    /// The same bridge on `transport`.
    pub fn over(mut self, transport: Transport) -> BridgeOptions {
        self.transport = transport;
        self
    }
}

/// One MCP client of a bridge (over HTTP there may be several, each an agent).
pub struct Agent {
    pub client: RunningService<RoleClient, TestClient>,
    pub handler: TestClient,
    stderr_path: PathBuf,
}

/// Where an HTTP bridge listens, and its agents' tokens.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// `http://127.0.0.1:PORT/mcp`
    pub url: String,
    /// (agent name, token); one entry named "" for a shared token.
    pub tokens: Vec<(String, String)>,
    pub token_file: PathBuf,
}

impl Endpoint {
    pub fn token(&self, agent: &str) -> String {
        self.tokens
            .iter()
            .find(|(name, _)| name == agent)
            .map(|(_, token)| token.clone())
            .unwrap_or_else(|| panic!("no token for agent {agent}"))
    }

    /// `host:port`
    pub fn authority(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches("/mcp")
            .to_string()
    }
}

pub struct Bridge {
    pub agent: Agent,
    pub child: Child,
    pub http: Option<Endpoint>,
    stderr_path: PathBuf,
    _stderr_dir: tempfile::TempDir,
}

impl Deref for Bridge {
    type Target = Agent;

    fn deref(&self) -> &Agent {
        &self.agent
    }
}

/// A test token for `agent`: unique per bridge.
fn make_token(agent: &str) -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("random");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("t-{agent}-{hex}")
}

/// Write a token file (mode 0600) for `agents` (empty: one shared token).
pub fn write_token_file(path: &Path, agents: &[String]) -> Vec<(String, String)> {
    use std::os::unix::fs::PermissionsExt;
    let tokens: Vec<(String, String)> = if agents.is_empty() {
        vec![(String::new(), make_token("shared"))]
    } else {
        agents
            .iter()
            .map(|agent| (agent.clone(), make_token(agent)))
            .collect()
    };
    let text: String = tokens
        .iter()
        .map(|(name, token)| {
            if name.is_empty() {
                format!("{token}\n")
            } else {
                format!("{name} {token}\n")
            }
        })
        .collect();
    std::fs::write(path, text).expect("write the token file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    tokens
}

/// Wait until the bridge's stderr says where it listens.
pub async fn listening_url(stderr_path: &Path) -> String {
    for _ in 0..400 {
        let log = std::fs::read_to_string(stderr_path).unwrap_or_default();
        if let Some(url) = log
            // Whole lines only: one being written may not hold the whole address yet.
            .split_inclusive('\n')
            .filter(|line| line.ends_with('\n'))
            .find_map(|line| line.split("serving MCP over HTTP at ").nth(1))
        {
            return url.trim().to_string();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "the bridge never said where it listens; stderr:\n{}",
        std::fs::read_to_string(stderr_path).unwrap_or_default()
    );
}

/// An rmcp client over HTTP to `url` with `token` (none: no Authorization header).
pub async fn connect_http(
    url: &str,
    token: Option<&str>,
    handler: TestClient,
) -> Result<RunningService<RoleClient, TestClient>, String> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.to_string());
    if let Some(token) = token {
        config = config.auth_header(token.to_string());
    }
    handler
        .serve(StreamableHttpClientTransport::from_config(config))
        .await
        .map_err(|e| e.to_string())
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
            .stderr(stderr)
            .kill_on_drop(true);
        if let Some(dir) = &options.current_dir {
            command.current_dir(dir);
        }
        let mut handler = TestClient::new(options.version);
        handler.answer_with(options.elicitation);
        handler.roots = options.roots;
        match options.transport {
            Transport::Stdio => {
                command.stdin(Stdio::piped()).stdout(Stdio::piped());
                let mut child = command.spawn().expect("spawn codex-bridge");
                let stdout = child.stdout.take().expect("stdout");
                let stdin = child.stdin.take().expect("stdin");
                let client = handler
                    .clone()
                    .serve((stdout, stdin))
                    .await
                    .expect("MCP initialize with codex-bridge");
                Bridge {
                    agent: Agent {
                        client,
                        handler,
                        stderr_path: stderr_path.clone(),
                    },
                    child,
                    http: None,
                    stderr_path,
                    _stderr_dir: stderr_dir,
                }
            }
            Transport::Http => {
                let token_file = stderr_dir.path().join("tokens");
                let tokens = write_token_file(&token_file, &options.agents);
                command
                    .args(["--http", "127.0.0.1:0", "--http-token-file"])
                    .arg(&token_file)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null());
                let child = command.spawn().expect("spawn codex-bridge");
                let url = listening_url(&stderr_path).await;
                let endpoint = Endpoint {
                    url,
                    tokens,
                    token_file,
                };
                let first = endpoint.tokens[0].1.clone();
                let client = connect_http(&endpoint.url, Some(&first), handler.clone())
                    .await
                    .unwrap_or_else(|e| {
                        panic!(
                            "MCP initialize over HTTP: {e}; stderr:\n{}",
                            std::fs::read_to_string(&stderr_path).unwrap_or_default()
                        )
                    });
                Bridge {
                    agent: Agent {
                        client,
                        handler,
                        stderr_path: stderr_path.clone(),
                    },
                    child,
                    http: Some(endpoint),
                    stderr_path,
                    _stderr_dir: stderr_dir,
                }
            }
        }
    }

    /// The HTTP endpoint (panics for a stdio bridge).
    pub fn endpoint(&self) -> &Endpoint {
        self.http.as_ref().expect("an HTTP bridge")
    }

    /// Another agent on this HTTP bridge: `agent` of the token file, answering
    /// elicitations as told.
    pub async fn connect(&self, agent: &str, elicitation: Elicitation) -> Agent {
        let endpoint = self.endpoint();
        let handler = TestClient::new(self.agent.handler.version.clone());
        handler.answer_with(elicitation);
        let client = connect_http(&endpoint.url, Some(&endpoint.token(agent)), handler.clone())
            .await
            .unwrap_or_else(|e| panic!("agent {agent} cannot connect: {e}\n{}", self.stderr()));
        Agent {
            client,
            handler,
            stderr_path: self.stderr_path.clone(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("bridge pid")
    }

    /// Close the MCP session and wait for the bridge to exit (stdio: closing stdin ends
    /// it; HTTP: SIGTERM, after which it must exit 0).
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
        let pid = self.pid();
        let _ = self.agent.client.cancel().await;
        if self.http.is_some() {
            // SAFETY: plain kill(2) on our own child.
            unsafe {
                libc::kill(pid as i32, libc::SIGTERM);
            }
        }
        tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("bridge exits after its client leaves (stdio) or SIGTERM (HTTP)")
            .expect("wait for bridge")
    }
}

impl Agent {
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

    /// Leave: end this client's MCP session (over HTTP, a DELETE).
    pub async fn leave(self) {
        let _ = self.client.cancel().await;
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
