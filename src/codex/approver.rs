//! Answering the app-server's server requests: the approver port and every wire answer.
//!
//! The turn driver ([`super::turn`]) hands each server request of its turn to the turn's
//! [`Approver`] (implemented above this layer, by the per-call policy), which rules at once
//! ([`Ruling::Now`]) or says a human must decide ([`Ruling::Ask`]): the request then stays
//! pending on the turn, with a deadline, until a human answers through a call that watches
//! the turn, the deadline passes, or the turn ends. The [`Verdict`] goes back in the shape
//! the request's method expects ([`Verdict::answer_to`]). Whatever is not an explicit "yes"
//! is a decline, and every request kind has a well-formed answer ([`safe_answer`]), so a
//! turn never waits on the bridge beyond a deadline.

use std::time::Duration;

use serde_json::{json, Value};

use super::jsonrpc::METHOD_NOT_FOUND_CODE;
use super::protocol::{ServerRequest, ServerRequestKind};

/// What was decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    /// Accept, and similar requests later in this thread too.
    AcceptForSession,
    Decline,
    /// Decline and end the turn.
    Cancel,
}

impl Decision {
    /// The bridge's word for it (`accept`, `accept_for_session`, `decline`, `cancel`).
    pub fn word(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::AcceptForSession => "accept_for_session",
            Decision::Decline => "decline",
            Decision::Cancel => "cancel",
        }
    }

    /// Every decision, in the order a human is offered them.
    pub const ALL: [Decision; 4] = [
        Decision::Accept,
        Decision::AcceptForSession,
        Decision::Decline,
        Decision::Cancel,
    ];

    /// The decision a word names.
    pub fn from_word(word: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.word() == word)
    }
}

/// Who made the decision, reported back to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// The call's approval policy.
    Policy,
    /// An allow-list entry matched.
    AllowList,
    /// A human, asked through the caller's client or terminal.
    Human,
    /// Nobody answered within the request's deadline.
    Timeout,
    /// The turn ended (it was interrupted, or the connection was lost) with the request
    /// still pending.
    TurnEnded,
    /// The bridge itself: a request kind it cannot answer on anyone's behalf.
    Bridge,
    /// A human should have been asked, but the caller's client cannot ask.
    NoElicitation,
    /// Another client of a shared app-server answered first.
    OtherClient,
}

impl DecidedBy {
    /// The word results show (`policy`, `allow_list`, `human`, ...).
    pub fn word(self) -> &'static str {
        match self {
            DecidedBy::Policy => "policy",
            DecidedBy::AllowList => "allow_list",
            DecidedBy::Human => "human",
            DecidedBy::Timeout => "timeout",
            DecidedBy::TurnEnded => "turn_ended",
            DecidedBy::Bridge => "bridge",
            DecidedBy::NoElicitation => "no_elicitation_support",
            DecidedBy::OtherClient => "other_client",
        }
    }
}

/// The JSON-RPC answer to a server request.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Result(Value),
    Error { code: i64, message: String },
}

/// How one server request was decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub decision: Decision,
    pub by: DecidedBy,
    /// What a human filled in, when the request was a form (user input, an MCP server's
    /// elicitation), shaped by the form's schema; otherwise the answer follows from
    /// `decision` ([`answer_for`]).
    pub content: Option<Value>,
}

impl Verdict {
    pub fn new(decision: Decision, by: DecidedBy) -> Verdict {
        Verdict {
            decision,
            by,
            content: None,
        }
    }

    /// A form a human filled in.
    pub fn filled(content: Value) -> Verdict {
        Verdict {
            decision: Decision::Accept,
            by: DecidedBy::Human,
            content: Some(content),
        }
    }

    /// The wire answer to `request`.
    pub fn answer_to(&self, request: &ServerRequest) -> Answer {
        match self
            .content
            .clone()
            .and_then(|content| form_answer(request, content))
        {
            Some(answer) => Answer::Result(answer),
            None => answer_for(request, self.decision),
        }
    }
}

/// How the approver rules on one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Ruling {
    /// Decided now (the call's policy, an allow-list, a kind nobody can answer).
    Now(Verdict),
    /// A human must decide: the request stays pending on the turn for at most `timeout`.
    Ask { timeout: Duration },
}

/// Rules on the server requests of one turn. It never waits: asking a human happens
/// outside it, through the calls that watch the turn.
pub trait Approver: Send + Sync {
    fn rule(&self, request: &ServerRequest, summary: &RequestSummary) -> Ruling;
}

/// What a pending request asks a human.
#[derive(Debug, Clone, PartialEq)]
pub enum Question {
    /// Yes or no to an action (a command, a file change, permissions, an MCP tool call);
    /// `details` is what the turn knows beyond the request (a file change's diff).
    Approval {
        summary: RequestSummary,
        details: Option<String>,
    },
    /// A form to fill in.
    Form(Form),
}

/// What a request asks for, in a few words: for records, progress and prompts.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSummary {
    /// `command`, `file_change`, `permissions`, `mcp_tool_call`, `user_input`,
    /// `mcp_elicitation`, `tool_call` or `other`.
    pub kind: &'static str,
    /// What Codex wants: the command line, the files, the permissions, the question.
    pub subject: String,
    /// Codex's stated reason, when it gave one.
    pub reason: Option<String>,
    /// Where a command would run.
    pub cwd: Option<String>,
}

/// Summarise a server request (without the decision).
pub fn describe(request: &ServerRequest) -> RequestSummary {
    let reason = request.str_param("reason").map(str::to_string);
    let cwd = request.str_param("cwd").map(str::to_string);
    let (kind, subject) = match &request.kind {
        ServerRequestKind::CommandExecutionApproval => (
            "command",
            request
                .str_param("command")
                .unwrap_or("(command not given)")
                .to_string(),
        ),
        ServerRequestKind::LegacyExecCommandApproval => (
            "command",
            match request.params.get("command") {
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" "),
                Some(other) => other.to_string(),
                None => "(command not given)".into(),
            },
        ),
        ServerRequestKind::FileChangeApproval => (
            "file_change",
            request
                .str_param("grantRoot")
                .map(|root| format!("write access under {root}"))
                .unwrap_or_else(|| "apply a file change".into()),
        ),
        ServerRequestKind::LegacyApplyPatchApproval => (
            "file_change",
            request
                .params
                .get("fileChanges")
                .and_then(Value::as_object)
                .map(|files| files.keys().cloned().collect::<Vec<_>>().join(", "))
                .unwrap_or_else(|| "apply a patch".into()),
        ),
        ServerRequestKind::PermissionsApproval => (
            "permissions",
            request
                .params
                .get("permissions")
                .map(Value::to_string)
                .unwrap_or_default(),
        ),
        ServerRequestKind::McpToolCallApproval => ("mcp_tool_call", mcp_tool_call(request)),
        ServerRequestKind::ToolUserInput => ("user_input", "a question for the user".into()),
        ServerRequestKind::McpServerElicitation => (
            "mcp_elicitation",
            request
                .str_param("message")
                .unwrap_or("an MCP server asks for input")
                .to_string(),
        ),
        ServerRequestKind::DynamicToolCall => (
            "tool_call",
            request.str_param("tool").unwrap_or("(tool)").to_string(),
        ),
        ServerRequestKind::ChatgptAuthTokensRefresh | ServerRequestKind::AttestationGenerate => {
            ("other", request.method.clone())
        }
        ServerRequestKind::Unknown(method) => ("other", method.clone()),
    };
    RequestSummary {
        kind,
        subject,
        reason,
        cwd,
    }
}

/// `server/tool {arguments}` for an MCP tool-call approval.
fn mcp_tool_call(request: &ServerRequest) -> String {
    let server = request.str_param("serverName").unwrap_or("(server)");
    let tool = request
        .params
        .pointer("/_meta/tool_name")
        .and_then(Value::as_str)
        .unwrap_or("(tool)");
    let arguments = request
        .params
        .pointer("/_meta/tool_params")
        .map(|arguments| format!(" {}", crate::text::shorten(&arguments.to_string(), 2_000)))
        .unwrap_or_default();
    format!("{server}/{tool}{arguments}")
}

/// Whether a request kind is an approval a policy may accept. Other kinds (questions for the
/// user, auth refresh...) have no "yes" the bridge could give on the caller's behalf.
pub fn is_approval(kind: &ServerRequestKind) -> bool {
    match kind {
        ServerRequestKind::CommandExecutionApproval
        | ServerRequestKind::FileChangeApproval
        | ServerRequestKind::PermissionsApproval
        | ServerRequestKind::McpToolCallApproval
        | ServerRequestKind::LegacyExecCommandApproval
        | ServerRequestKind::LegacyApplyPatchApproval => true,
        ServerRequestKind::ToolUserInput
        | ServerRequestKind::McpServerElicitation
        | ServerRequestKind::DynamicToolCall
        | ServerRequestKind::ChatgptAuthTokensRefresh
        | ServerRequestKind::AttestationGenerate
        | ServerRequestKind::Unknown(_) => false,
    }
}

/// A form Codex wants a human to fill in: questions of a tool, or an elicitation from one of
/// Codex's own MCP servers. `schema` is a flat JSON Schema object.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    pub message: String,
    pub schema: Value,
}

/// The form for a question Codex asks, if it can be shown as a flat form.
pub fn form_for(request: &ServerRequest) -> Option<Form> {
    match &request.kind {
        ServerRequestKind::ToolUserInput => {
            let questions = request.params.get("questions")?.as_array()?;
            let mut properties = serde_json::Map::new();
            let mut required = Vec::new();
            let mut message = String::from("Codex asks:");
            for question in questions {
                let id = question.get("id")?.as_str()?;
                let header = question.get("header").and_then(Value::as_str).unwrap_or(id);
                let text = question
                    .get("question")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                message.push_str(&format!("\n- {header}: {text}"));
                let mut property =
                    json!({ "type": "string", "title": header, "description": text });
                let free_text = question
                    .get("isOther")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                let labels: Vec<&str> = question
                    .get("options")
                    .and_then(Value::as_array)
                    .map(|options| {
                        options
                            .iter()
                            .filter_map(|option| option.get("label").and_then(Value::as_str))
                            .collect()
                    })
                    .unwrap_or_default();
                if !labels.is_empty() && !free_text {
                    property["enum"] = json!(labels);
                }
                properties.insert(id.to_string(), property);
                required.push(id.to_string());
            }
            (!properties.is_empty()).then(|| Form {
                message,
                schema: json!({ "type": "object", "properties": properties, "required": required }),
            })
        }
        ServerRequestKind::McpServerElicitation => {
            if request.str_param("mode") != Some("form") {
                // URL and vendor modes have no form to show.
                return None;
            }
            let server = request.str_param("serverName").unwrap_or("an MCP server");
            let message = request.str_param("message").unwrap_or("");
            let mut schema = request.params.get("requestedSchema")?.as_object()?.clone();
            // Clients such as Codex refuse a top-level title or description.
            schema.remove("title");
            schema.remove("description");
            Some(Form {
                message: format!("Codex's MCP server {server} asks: {message}"),
                schema: Value::Object(schema),
            })
        }
        ServerRequestKind::CommandExecutionApproval
        | ServerRequestKind::FileChangeApproval
        | ServerRequestKind::PermissionsApproval
        | ServerRequestKind::McpToolCallApproval
        | ServerRequestKind::LegacyExecCommandApproval
        | ServerRequestKind::LegacyApplyPatchApproval
        | ServerRequestKind::DynamicToolCall
        | ServerRequestKind::ChatgptAuthTokensRefresh
        | ServerRequestKind::AttestationGenerate
        | ServerRequestKind::Unknown(_) => None,
    }
}

/// The wire answer carrying a filled-in form (`content` shaped by the form's schema).
pub fn form_answer(request: &ServerRequest, content: Value) -> Option<Value> {
    match &request.kind {
        ServerRequestKind::ToolUserInput => {
            let answers: serde_json::Map<String, Value> = content
                .as_object()?
                .iter()
                .map(|(id, value)| {
                    let text = match value {
                        Value::String(text) => text.clone(),
                        other => other.to_string(),
                    };
                    (id.clone(), json!({ "answers": [text] }))
                })
                .collect();
            Some(json!({ "answers": answers }))
        }
        ServerRequestKind::McpServerElicitation => {
            Some(json!({ "action": "accept", "content": content }))
        }
        ServerRequestKind::CommandExecutionApproval
        | ServerRequestKind::FileChangeApproval
        | ServerRequestKind::PermissionsApproval
        | ServerRequestKind::McpToolCallApproval
        | ServerRequestKind::LegacyExecCommandApproval
        | ServerRequestKind::LegacyApplyPatchApproval
        | ServerRequestKind::DynamicToolCall
        | ServerRequestKind::ChatgptAuthTokensRefresh
        | ServerRequestKind::AttestationGenerate
        | ServerRequestKind::Unknown(_) => None,
    }
}

/// The answer that declines whatever was asked: used whenever nobody decided.
pub fn safe_answer(request: &ServerRequest) -> Answer {
    answer_for(request, Decision::Decline)
}

/// The wire answer for a decision, per request kind.
pub fn answer_for(request: &ServerRequest, decision: Decision) -> Answer {
    let v2_decision = match decision {
        Decision::Accept => "accept",
        Decision::AcceptForSession => "acceptForSession",
        Decision::Decline => "decline",
        Decision::Cancel => "cancel",
    };
    let accepted = matches!(decision, Decision::Accept | Decision::AcceptForSession);
    match &request.kind {
        ServerRequestKind::CommandExecutionApproval | ServerRequestKind::FileChangeApproval => {
            Answer::Result(json!({ "decision": v2_decision }))
        }
        ServerRequestKind::PermissionsApproval => {
            let granted = if accepted {
                request
                    .params
                    .get("permissions")
                    .cloned()
                    .unwrap_or(json!({}))
            } else {
                json!({})
            };
            let scope = if decision == Decision::AcceptForSession {
                "session"
            } else {
                "turn"
            };
            Answer::Result(json!({ "permissions": granted, "scope": scope }))
        }
        ServerRequestKind::LegacyExecCommandApproval
        | ServerRequestKind::LegacyApplyPatchApproval => {
            let legacy = match decision {
                Decision::Accept => "approved",
                Decision::AcceptForSession => "approved_for_session",
                Decision::Decline => "denied",
                Decision::Cancel => "abort",
            };
            Answer::Result(json!({ "decision": legacy }))
        }
        ServerRequestKind::McpToolCallApproval => Answer::Result(match decision {
            Decision::Accept => json!({ "action": "accept", "content": {} }),
            Decision::AcceptForSession => {
                json!({ "action": "accept", "content": {}, "_meta": { "persist": "session" } })
            }
            Decision::Decline => json!({ "action": "decline" }),
            Decision::Cancel => json!({ "action": "cancel" }),
        }),
        ServerRequestKind::ToolUserInput => Answer::Result(json!({ "answers": {} })),
        ServerRequestKind::McpServerElicitation => {
            let action = if decision == Decision::Cancel {
                "cancel"
            } else {
                "decline"
            };
            Answer::Result(json!({ "action": action }))
        }
        ServerRequestKind::DynamicToolCall => {
            Answer::Result(json!({ "success": false, "contentItems": [] }))
        }
        ServerRequestKind::ChatgptAuthTokensRefresh | ServerRequestKind::AttestationGenerate => {
            Answer::Error {
                code: METHOD_NOT_FOUND_CODE,
                message: format!("codex-bridge cannot answer {}", request.method),
            }
        }
        ServerRequestKind::Unknown(method) => Answer::Error {
            code: METHOD_NOT_FOUND_CODE,
            message: format!("codex-bridge does not handle {method}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, params: Value) -> ServerRequest {
        ServerRequest::new(json!(0), method.to_string(), params)
    }

    #[test]
    fn decisions_have_their_wire_words() {
        let req = request(
            "item/commandExecution/requestApproval",
            json!({"threadId":"t","command":"echo hi"}),
        );
        assert_eq!(
            answer_for(&req, Decision::Decline),
            Answer::Result(json!({"decision":"decline"}))
        );
        assert_eq!(
            answer_for(&req, Decision::AcceptForSession),
            Answer::Result(json!({"decision":"acceptForSession"}))
        );
        for decision in Decision::ALL {
            assert_eq!(Decision::from_word(decision.word()), Some(decision));
        }
    }

    #[test]
    fn questions_are_declined_safely() {
        let req = request("item/tool/requestUserInput", json!({"threadId":"t"}));
        assert_eq!(safe_answer(&req), Answer::Result(json!({"answers":{}})));
    }

    #[test]
    fn declined_permissions_grant_nothing() {
        let req = request(
            "item/permissions/requestApproval",
            json!({"permissions":{"network":{"enabled":true}}}),
        );
        assert_eq!(
            safe_answer(&req),
            Answer::Result(json!({"permissions":{}, "scope":"turn"}))
        );
        assert_eq!(
            answer_for(&req, Decision::Accept),
            Answer::Result(json!({"permissions":{"network":{"enabled":true}}, "scope":"turn"}))
        );
    }

    #[test]
    fn unknown_requests_get_an_error_answer_not_silence() {
        let req = request("something/new", json!({}));
        assert!(matches!(safe_answer(&req), Answer::Error { .. }));
    }

    #[test]
    fn only_flat_form_questions_become_forms() {
        let url = request(
            "mcpServer/elicitation/request",
            json!({"threadId":"t","serverName":"s","mode":"url","message":"go","url":"https://x","elicitationId":"e"}),
        );
        assert_eq!(form_for(&url), None, "a URL cannot be shown as a form");
        let empty = request("item/tool/requestUserInput", json!({"questions": []}));
        assert_eq!(form_for(&empty), None);
        let command = request("item/commandExecution/requestApproval", json!({}));
        assert_eq!(form_for(&command), None, "approvals are not forms");
    }

    #[test]
    fn mcp_tool_calls_are_approvals_with_their_arguments() {
        let req = request(
            "mcpServer/elicitation/request",
            json!({"threadId":"t","turnId":"u","serverName":"demo","mode":"form",
                "_meta":{"codex_approval_kind":"mcp_tool_call","tool_name":"danger","tool_params":{"target":"/tmp/x"}},
                "message":"Allow?","requestedSchema":{"type":"object","properties":{}}}),
        );
        assert_eq!(req.kind, ServerRequestKind::McpToolCallApproval);
        assert!(is_approval(&req.kind));
        assert_eq!(form_for(&req), None);
        let summary = describe(&req);
        assert_eq!(summary.kind, "mcp_tool_call");
        assert_eq!(summary.subject, "demo/danger {\"target\":\"/tmp/x\"}");
        assert_eq!(
            answer_for(&req, Decision::Accept),
            Answer::Result(json!({"action":"accept","content":{}}))
        );
        assert_eq!(
            safe_answer(&req),
            Answer::Result(json!({"action":"decline"}))
        );
    }

    #[test]
    fn legacy_requests_use_legacy_words() {
        let req = request(
            "execCommandApproval",
            json!({"conversationId":"t","command":["ls","-l"]}),
        );
        assert_eq!(
            safe_answer(&req),
            Answer::Result(json!({"decision":"denied"}))
        );
        assert_eq!(describe(&req).subject, "ls -l");
    }
}
