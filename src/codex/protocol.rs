//! The slice of the `codex app-server` JSON-RPC protocol (v2, Codex 0.169) that the bridge speaks.
//!
//! Owns the wire shapes and nothing else: how a text frame is classified (response, error,
//! server request, notification), the `*Params` we send, the parts of `*Response`s we read, the
//! notifications that matter to a turn and the server requests that must be answered. Transport
//! lives in `connection.rs`, turn bookkeeping in `turn.rs`.
//!
//! Fields we do not use are left out on purpose: the app-server adds fields often, and serde
//! ignores unknown ones, so a newer Codex keeps working.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// JSON-RPC error code the app-server uses when its ingress queue is full.
pub const OVERLOADED_CODE: i64 = -32001;
/// Standard JSON-RPC "method not found".
pub const METHOD_NOT_FOUND_CODE: i64 = -32601;

/// One decoded text frame from the app-server.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// Answer to one of our requests.
    Response { id: Value, result: Value },
    /// Error answer to one of our requests.
    ErrorResponse { id: Value, error: RpcError },
    /// The server asks us something (approvals, user input...). Must always be answered.
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    /// Fire-and-forget event.
    Notification { method: String, params: Value },
}

/// Why a frame could not be decoded. Logged and dropped; never fatal for the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame is not JSON: {0}")]
    NotJson(String),
    #[error("frame is JSON but not a JSON-RPC object")]
    NotAnObject,
    #[error("frame has neither a method nor a result/error for its id")]
    Unclassifiable,
}

/// A JSON-RPC error object as sent by the app-server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl Incoming {
    /// Classify one text frame. Total: any input gives `Ok` or a `FrameError`, never a panic.
    pub fn decode(text: &str) -> Result<Incoming, FrameError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| FrameError::NotJson(e.to_string()))?;
        let Value::Object(mut object) = value else {
            return Err(FrameError::NotAnObject);
        };
        let id = object.remove("id").filter(|id| !id.is_null());
        let method = match object.remove("method") {
            Some(Value::String(method)) => Some(method),
            Some(_) => return Err(FrameError::Unclassifiable),
            None => None,
        };
        let params = object.remove("params").unwrap_or(Value::Null);
        match (id, method) {
            (Some(id), Some(method)) => Ok(Incoming::Request { id, method, params }),
            (None, Some(method)) => Ok(Incoming::Notification { method, params }),
            (Some(id), None) => {
                if let Some(error) = object.remove("error") {
                    let error = serde_json::from_value(error.clone()).unwrap_or(RpcError {
                        code: 0,
                        message: error.to_string(),
                        data: None,
                    });
                    Ok(Incoming::ErrorResponse { id, error })
                } else if let Some(result) = object.remove("result") {
                    Ok(Incoming::Response { id, result })
                } else {
                    Err(FrameError::Unclassifiable)
                }
            }
            (None, None) => Err(FrameError::Unclassifiable),
        }
    }

    /// The thread a notification or server request belongs to, if it names one.
    pub fn thread_id(params: &Value) -> Option<&str> {
        params
            .get("threadId")
            // Legacy (v1) approval requests name the thread "conversationId".
            .or_else(|| params.get("conversationId"))
            .and_then(Value::as_str)
    }
}

/// Build an outgoing request frame. `params` is always present: the app-server rejects a
/// request without it (-32600 "missing field params").
pub fn request_frame(id: u64, method: &str, params: Value) -> String {
    let params = if params.is_null() { json!({}) } else { params };
    json!({ "id": id, "method": method, "params": params }).to_string()
}

/// Build the answer to a server request.
pub fn response_frame(id: &Value, result: Value) -> String {
    json!({ "id": id, "result": result }).to_string()
}

/// Build an error answer to a server request.
pub fn error_frame(id: &Value, code: i64, message: &str) -> String {
    json!({ "id": id, "error": { "code": code, "message": message } }).to_string()
}

// ---------------------------------------------------------------------------------------------
// Requests we send
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    pub client_info: ClientInfo,
    pub capabilities: InitializeCapabilities,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InitializeCapabilities {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opt_out_notification_methods: Vec<String>,
}

/// Codex's sandbox mode as `thread/start` and `thread/resume` take it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SandboxMode {
    ReadOnly,
    WorkspaceWrite,
    DangerFullAccess,
}

impl SandboxMode {
    /// The per-turn `sandboxPolicy` object `turn/start` takes for this mode.
    pub fn turn_policy(self) -> Value {
        match self {
            SandboxMode::ReadOnly => json!({ "type": "readOnly" }),
            SandboxMode::WorkspaceWrite => json!({ "type": "workspaceWrite" }),
            SandboxMode::DangerFullAccess => json!({ "type": "dangerFullAccess" }),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SandboxMode::ReadOnly => "read-only",
            SandboxMode::WorkspaceWrite => "workspace-write",
            SandboxMode::DangerFullAccess => "danger-full-access",
        }
    }
}

/// Codex's own approval policy: when Codex asks its client before acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodexApprovalPolicy {
    /// Ask before every command that is not known-safe.
    Untrusted,
    /// Ask only to go beyond the sandbox.
    OnRequest,
    /// Never ask.
    Never,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ThreadStartParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<CodexApprovalPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_instructions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_instructions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadResumeParams {
    pub thread_id: String,
    /// Without this the server sends the whole history and a deprecation notice.
    pub exclude_turns: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnStartParams {
    pub thread_id: String,
    pub input: Vec<UserInput>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// Always sent: a resumed thread falls back to the config's sandbox otherwise.
    pub approval_policy: CodexApprovalPolicy,
    /// Always sent, for the same reason.
    pub sandbox_policy: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum UserInput {
    Text { text: String },
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TurnInterruptParams {
    pub thread_id: String,
    pub turn_id: String,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ThreadListParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_term: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// Newest activity first is what a caller looking for "the thread I was just in" wants.
    pub sort_key: &'static str,
    /// An empty list means "every provider": threads made by any front-end are listed.
    pub model_providers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadParams {
    pub thread_id: String,
    pub include_turns: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadNameSetParams {
    pub thread_id: String,
    pub name: String,
}

// ---------------------------------------------------------------------------------------------
// Responses we read
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadEnvelope {
    pub thread: Thread,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TurnEnvelope {
    pub turn: Turn,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadListResponse {
    #[serde(default)]
    pub data: Vec<Thread>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preview: String,
    #[serde(default)]
    pub cwd: Option<String>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub updated_at: Option<i64>,
    #[serde(default)]
    pub status: Option<ThreadStatus>,
    #[serde(default)]
    pub ephemeral: bool,
    #[serde(default)]
    pub turns: Vec<Turn>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ThreadStatus {
    NotLoaded,
    Idle,
    SystemError,
    Active {
        #[serde(default, rename = "activeFlags")]
        active_flags: Vec<Value>,
    },
    #[serde(other)]
    Unknown,
}

impl Thread {
    /// The thread's status as results show it; `unknown` when the server gave none.
    pub fn status_label(&self) -> &'static str {
        self.status.as_ref().map_or("unknown", ThreadStatus::label)
    }
}

impl ThreadStatus {
    pub fn label(&self) -> &'static str {
        match self {
            ThreadStatus::NotLoaded => "notLoaded",
            ThreadStatus::Idle => "idle",
            ThreadStatus::SystemError => "systemError",
            ThreadStatus::Active { .. } => "active",
            ThreadStatus::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    pub id: String,
    #[serde(default)]
    pub status: Option<TurnStatus>,
    #[serde(default)]
    pub items: Vec<ThreadItem>,
    #[serde(default)]
    pub error: Option<TurnError>,
    #[serde(default)]
    pub duration_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum TurnStatus {
    InProgress,
    Completed,
    Interrupted,
    Failed,
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TurnError {
    pub message: String,
    #[serde(default)]
    pub additional_details: Option<String>,
}

/// A thread item, as `item/started`, `item/completed` and `thread/read` carry it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ThreadItem {
    UserMessage {
        id: String,
        #[serde(default)]
        content: Vec<Value>,
    },
    AgentMessage {
        id: String,
        #[serde(default)]
        text: String,
    },
    CommandExecution {
        id: String,
        #[serde(default)]
        command: Option<String>,
        #[serde(default)]
        cwd: Option<String>,
        #[serde(default)]
        status: Option<String>,
        #[serde(default, rename = "exitCode")]
        exit_code: Option<i64>,
        #[serde(default, rename = "aggregatedOutput")]
        aggregated_output: Option<String>,
    },
    FileChange {
        id: String,
        #[serde(default)]
        changes: Vec<FileUpdateChange>,
        #[serde(default)]
        status: Option<String>,
    },
    McpToolCall {
        id: String,
        #[serde(default)]
        server: String,
        #[serde(default)]
        tool: String,
        #[serde(default)]
        status: Option<String>,
    },
    /// Reasoning, plans, web searches and the rest: progress only, not part of the result.
    #[serde(other)]
    Other,
}

impl ThreadItem {
    /// The text a user typed, for reading a thread back.
    pub fn user_text(content: &[Value]) -> String {
        content
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct FileUpdateChange {
    pub path: String,
    #[serde(default)]
    pub kind: Option<Value>,
    #[serde(default)]
    pub diff: String,
}

impl FileUpdateChange {
    /// `add`, `delete` or `update` (the protocol wraps it as `{type: ...}`).
    pub fn kind_label(&self) -> String {
        match &self.kind {
            Some(Value::String(kind)) => kind.clone(),
            Some(kind) => kind
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("update")
                .to_string(),
            None => "update".to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsageBreakdown {
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub cached_input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    #[serde(default)]
    pub reasoning_output_tokens: i64,
    #[serde(default)]
    pub total_tokens: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadTokenUsage {
    /// Usage of the most recent model call... summed by Codex into `total` per thread.
    pub last: TokenUsageBreakdown,
    pub total: TokenUsageBreakdown,
}

// ---------------------------------------------------------------------------------------------
// Notifications a turn listens to
// ---------------------------------------------------------------------------------------------

/// The thread-scoped notifications a turn acts on. Everything else is `Other` and ignored.
#[derive(Debug, Clone)]
pub enum TurnEvent {
    Started {
        turn_id: String,
    },
    Completed {
        turn: Turn,
    },
    ItemStarted {
        turn_id: String,
        item: ThreadItem,
    },
    ItemCompleted {
        turn_id: String,
        item: ThreadItem,
    },
    AgentMessageDelta {
        turn_id: String,
        item_id: String,
        delta: String,
    },
    TokenUsage {
        turn_id: String,
        usage: ThreadTokenUsage,
    },
    Error {
        turn_id: String,
        error: TurnError,
        will_retry: bool,
    },
    /// Known-irrelevant or unknown method: kept only for logging.
    Other {
        method: String,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TurnScoped<T> {
    turn_id: String,
    #[serde(flatten)]
    body: T,
}

#[derive(Deserialize)]
struct ItemBody {
    item: ThreadItem,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeltaBody {
    item_id: String,
    delta: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageBody {
    token_usage: ThreadTokenUsage,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    error: TurnError,
    #[serde(default)]
    will_retry: bool,
}

#[derive(Deserialize)]
struct TurnBody {
    turn: Turn,
}

#[derive(Deserialize)]
struct TurnRefBody {
    turn: TurnRef,
}

#[derive(Deserialize)]
struct TurnRef {
    id: String,
}

impl TurnEvent {
    /// Decode a notification. A known method with a malformed body becomes `Other` (and is
    /// logged by the caller) rather than an error: one bad frame must not end a turn.
    pub fn decode(method: &str, params: Value) -> TurnEvent {
        fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Option<T> {
            serde_json::from_value(params).ok()
        }
        let decoded = match method {
            "turn/started" => {
                parse::<TurnRefBody>(params).map(|b| TurnEvent::Started { turn_id: b.turn.id })
            }
            "turn/completed" => {
                parse::<TurnBody>(params).map(|b| TurnEvent::Completed { turn: b.turn })
            }
            "item/started" => {
                parse::<TurnScoped<ItemBody>>(params).map(|b| TurnEvent::ItemStarted {
                    turn_id: b.turn_id,
                    item: b.body.item,
                })
            }
            "item/completed" => {
                parse::<TurnScoped<ItemBody>>(params).map(|b| TurnEvent::ItemCompleted {
                    turn_id: b.turn_id,
                    item: b.body.item,
                })
            }
            "item/agentMessage/delta" => {
                parse::<TurnScoped<DeltaBody>>(params).map(|b| TurnEvent::AgentMessageDelta {
                    turn_id: b.turn_id,
                    item_id: b.body.item_id,
                    delta: b.body.delta,
                })
            }
            "thread/tokenUsage/updated" => {
                parse::<TurnScoped<UsageBody>>(params).map(|b| TurnEvent::TokenUsage {
                    turn_id: b.turn_id,
                    usage: b.body.token_usage,
                })
            }
            "error" => parse::<TurnScoped<ErrorBody>>(params).map(|b| TurnEvent::Error {
                turn_id: b.turn_id,
                error: b.body.error,
                will_retry: b.body.will_retry,
            }),
            _ => None,
        };
        decoded.unwrap_or_else(|| TurnEvent::Other {
            method: method.to_string(),
        })
    }

    /// The turn this event is about, when it says.
    pub fn turn_id(&self) -> Option<&str> {
        match self {
            TurnEvent::Started { turn_id }
            | TurnEvent::ItemStarted { turn_id, .. }
            | TurnEvent::ItemCompleted { turn_id, .. }
            | TurnEvent::AgentMessageDelta { turn_id, .. }
            | TurnEvent::TokenUsage { turn_id, .. }
            | TurnEvent::Error { turn_id, .. } => Some(turn_id),
            TurnEvent::Completed { turn } => Some(&turn.id),
            TurnEvent::Other { .. } => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Server requests
// ---------------------------------------------------------------------------------------------

/// Every request the app-server may send a client (from its generated `ServerRequest` schema).
/// Matched exhaustively where answered, so a new kind is a compile-time decision.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerRequestKind {
    CommandExecutionApproval,
    FileChangeApproval,
    PermissionsApproval,
    ToolUserInput,
    McpServerElicitation,
    DynamicToolCall,
    ChatgptAuthTokensRefresh,
    AttestationGenerate,
    /// v1 `execCommandApproval`.
    LegacyExecCommandApproval,
    /// v1 `applyPatchApproval`.
    LegacyApplyPatchApproval,
    Unknown(String),
}

impl ServerRequestKind {
    pub fn from_method(method: &str) -> ServerRequestKind {
        match method {
            "item/commandExecution/requestApproval" => ServerRequestKind::CommandExecutionApproval,
            "item/fileChange/requestApproval" => ServerRequestKind::FileChangeApproval,
            "item/permissions/requestApproval" => ServerRequestKind::PermissionsApproval,
            "item/tool/requestUserInput" => ServerRequestKind::ToolUserInput,
            "mcpServer/elicitation/request" => ServerRequestKind::McpServerElicitation,
            "item/tool/call" => ServerRequestKind::DynamicToolCall,
            "account/chatgptAuthTokens/refresh" => ServerRequestKind::ChatgptAuthTokensRefresh,
            "attestation/generate" => ServerRequestKind::AttestationGenerate,
            "execCommandApproval" => ServerRequestKind::LegacyExecCommandApproval,
            "applyPatchApproval" => ServerRequestKind::LegacyApplyPatchApproval,
            other => ServerRequestKind::Unknown(other.to_string()),
        }
    }
}

/// A server request as it reaches whoever must answer it.
#[derive(Debug, Clone)]
pub struct ServerRequest {
    pub id: Value,
    pub method: String,
    pub kind: ServerRequestKind,
    pub params: Value,
}

impl ServerRequest {
    pub fn new(id: Value, method: String, params: Value) -> ServerRequest {
        let kind = ServerRequestKind::from_method(&method);
        ServerRequest {
            id,
            method,
            kind,
            params,
        }
    }

    pub fn turn_id(&self) -> Option<&str> {
        self.params.get("turnId").and_then(Value::as_str)
    }

    pub fn str_param(&self, key: &str) -> Option<&str> {
        self.params.get(key).and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_frame_shape() {
        assert_eq!(
            Incoming::decode(r#"{"id":1,"result":{"ok":true}}"#),
            Ok(Incoming::Response {
                id: json!(1),
                result: json!({"ok": true})
            })
        );
        assert!(matches!(
            Incoming::decode(
                r#"{"id":"a","error":{"code":-32001,"message":"Server overloaded; retry later."}}"#
            ),
            Ok(Incoming::ErrorResponse {
                error: RpcError {
                    code: OVERLOADED_CODE,
                    ..
                },
                ..
            })
        ));
        assert!(matches!(
            Incoming::decode(
                r#"{"id":0,"method":"item/commandExecution/requestApproval","params":{"threadId":"t"}}"#
            ),
            Ok(Incoming::Request { .. })
        ));
        assert!(matches!(
            Incoming::decode(r#"{"method":"turn/started","params":{}}"#),
            Ok(Incoming::Notification { .. })
        ));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert!(matches!(
            Incoming::decode("not json"),
            Err(FrameError::NotJson(_))
        ));
        assert_eq!(Incoming::decode("[1,2]"), Err(FrameError::NotAnObject));
        assert_eq!(
            Incoming::decode(r#"{"id":3}"#),
            Err(FrameError::Unclassifiable)
        );
        assert_eq!(
            Incoming::decode(r#"{"method":5}"#),
            Err(FrameError::Unclassifiable)
        );
        // An error object of the wrong shape is still an error answer, not a lost response.
        assert!(matches!(
            Incoming::decode(r#"{"id":4,"error":"boom"}"#),
            Ok(Incoming::ErrorResponse { .. })
        ));
    }

    #[test]
    fn malformed_known_notification_is_other() {
        let event = TurnEvent::decode("turn/completed", json!({"turn": 5}));
        assert!(matches!(event, TurnEvent::Other { .. }));
    }

    #[test]
    fn unknown_item_types_are_other() {
        let event = TurnEvent::decode(
            "item/completed",
            json!({"threadId":"t","turnId":"u","item":{"type":"reasoning","id":"r"}}),
        );
        assert!(matches!(
            event,
            TurnEvent::ItemCompleted {
                item: ThreadItem::Other,
                ..
            }
        ));
    }

    #[test]
    fn request_frames_always_carry_params() {
        let frame: Value = serde_json::from_str(&request_frame(7, "thread/list", Value::Null))
            .expect("frame is JSON");
        assert_eq!(frame["params"], json!({}));
    }
}
