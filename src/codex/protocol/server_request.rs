//! Requests the app-server sends its client (schema: `ServerRequest`). Every one must be
//! answered; the answers are worded in [`crate::codex::approver`].

use serde_json::Value;

/// Every request the app-server may send a client (from its generated `ServerRequest`
/// schema). Matched exhaustively where answered, so a new kind is a compile-time decision.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerRequestKind {
    /// `item/commandExecution/requestApproval`
    CommandExecutionApproval,
    /// `item/fileChange/requestApproval`
    FileChangeApproval,
    /// `item/permissions/requestApproval`
    PermissionsApproval,
    /// `item/tool/requestUserInput`
    ToolUserInput,
    /// `mcpServer/elicitation/request`: a form (or URL) one of Codex's own MCP servers asks
    /// the user to fill in.
    McpServerElicitation,
    /// `mcpServer/elicitation/request` marked `_meta.codex_approval_kind: "mcp_tool_call"`:
    /// Codex asks whether one of its MCP servers' tools may run.
    McpToolCallApproval,
    /// `item/tool/call`
    DynamicToolCall,
    /// `account/chatgptAuthTokens/refresh`
    ChatgptAuthTokensRefresh,
    /// `attestation/generate`
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

/// For each server request, the params fields the bridge reads (dotted paths). The
/// conformance test checks each against the app-server's schema.
pub const SERVER_REQUEST_FIELDS: &[(&str, &[&str])] = &[
    (
        "item/commandExecution/requestApproval",
        &["threadId", "turnId", "itemId", "command", "cwd", "reason"],
    ),
    (
        "item/fileChange/requestApproval",
        &["threadId", "turnId", "itemId", "grantRoot", "reason"],
    ),
    (
        "item/permissions/requestApproval",
        &[
            "threadId",
            "turnId",
            "itemId",
            "permissions",
            "reason",
            "cwd",
        ],
    ),
    (
        "item/tool/requestUserInput",
        &[
            "threadId",
            "turnId",
            "itemId",
            "questions.[].id",
            "questions.[].header",
            "questions.[].question",
            "questions.[].isOther",
            "questions.[].options",
        ],
    ),
    (
        "mcpServer/elicitation/request",
        &[
            "threadId",
            "turnId",
            "serverName",
            "mode",
            "message",
            "requestedSchema",
            "_meta",
        ],
    ),
    ("item/tool/call", &["threadId", "turnId", "tool"]),
    ("account/chatgptAuthTokens/refresh", &[]),
    ("attestation/generate", &[]),
    (
        "execCommandApproval",
        &["conversationId", "command", "cwd", "reason"],
    ),
    (
        "applyPatchApproval",
        &["conversationId", "fileChanges", "grantRoot", "reason"],
    ),
];

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
        let mut kind = ServerRequestKind::from_method(&method);
        // Codex asks its MCP tool-call approvals through the elicitation method, marked in
        // `_meta` (with `tool_name` and `tool_params` beside the marker).
        if kind == ServerRequestKind::McpServerElicitation
            && params
                .pointer("/_meta/codex_approval_kind")
                .and_then(Value::as_str)
                == Some("mcp_tool_call")
        {
            kind = ServerRequestKind::McpToolCallApproval;
        }
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
