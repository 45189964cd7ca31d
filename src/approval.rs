//! Per-call approval policy: how each request Codex sends during a turn is answered.
//!
//! The Codex side (`codex/turn.rs`) hands every server request here and never decides on its
//! own; the MCP side only chooses the policy. Everything that is not an explicit "yes" is a
//! decline, and every request kind the app-server can send has a well-formed answer, so a
//! turn never waits on us.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::allow_list::AllowList;
use crate::codex::protocol::{ServerRequest, ServerRequestKind, METHOD_NOT_FOUND_CODE};

/// How approval requests of one turn are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalPolicy {
    /// Decline every request; Codex carries on without the action.
    #[default]
    Deny,
    /// Accept every request (only when the operator allows it with --allow-approvals).
    Allow,
    /// Forward each request to the caller as an MCP elicitation.
    Ask,
}

/// What was decided about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    AcceptForSession,
    Decline,
    /// Decline and end the turn.
    Cancel,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accept => "accept",
            Decision::AcceptForSession => "accept_for_session",
            Decision::Decline => "decline",
            Decision::Cancel => "cancel",
        }
    }
}

/// Who made the decision, reported back to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// The call's `approval_policy`.
    Policy,
    /// An allow-list entry matched.
    AllowList,
    /// The human, through elicitation.
    Human,
    /// Nobody answered in time.
    Timeout,
    /// The bridge itself: a request kind it cannot forward, or a turn being shut down.
    Bridge,
    /// `ask`, but the caller's client cannot show an elicitation.
    NoElicitation,
    /// `ask`, but the call that could ask had already returned or was cancelled.
    CallEnded,
}

impl DecidedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Policy => "policy",
            DecidedBy::AllowList => "allow_list",
            DecidedBy::Human => "human",
            DecidedBy::Timeout => "timeout",
            DecidedBy::Bridge => "bridge",
            DecidedBy::NoElicitation => "no_elicitation_support",
            DecidedBy::CallEnded => "call_ended",
        }
    }
}

/// One entry of a turn result's `approvals` list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalRecord {
    /// `command`, `file_change`, `permissions`, `user_input`, `mcp_elicitation`, `tool_call`, or `other`.
    pub kind: String,
    /// What Codex wanted: the command line, the files, the permissions, the question.
    pub subject: String,
    /// Codex's stated reason, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `accept`, `accept_for_session`, `decline` or `cancel`.
    pub decision: String,
    /// `policy`, `allow_list`, `human`, `timeout`, `no_elicitation_support`, `call_ended` or
    /// `bridge`.
    pub decided_by: String,
}

/// The JSON-RPC answer to a server request.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Result(Value),
    Error { code: i64, message: String },
}

/// Decides server requests for one turn. Asynchronous because a human may be asked; the
/// turn keeps processing events meanwhile, and an unanswered request is declined on drop.
pub trait Approver: Send + Sync {
    /// `details` is what the turn knows beyond the request itself (a file change's diff).
    fn decide<'a>(
        &'a self,
        request: &'a ServerRequest,
        details: Option<String>,
    ) -> Pin<Box<dyn Future<Output = Verdict> + Send + 'a>>;
}

/// How one server request was decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub decision: Decision,
    pub by: DecidedBy,
    /// The full answer, when the human filled in a form (user input, an MCP server's
    /// elicitation); otherwise the answer follows from `decision` ([`answer_for`]).
    pub answer: Option<Value>,
}

impl Verdict {
    fn new(decision: Decision, by: DecidedBy) -> Verdict {
        Verdict {
            decision,
            by,
            answer: None,
        }
    }

    /// The wire answer to `request`.
    pub fn answer_to(&self, request: &ServerRequest) -> Answer {
        match &self.answer {
            Some(answer) => Answer::Result(answer.clone()),
            None => answer_for(request, self.decision),
        }
    }
}

/// What a human is shown for one approval request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalQuestion {
    pub kind: String,
    pub subject: String,
    pub reason: Option<String>,
    pub cwd: Option<String>,
    /// The diff of a file change, when known.
    pub details: Option<String>,
}

impl ApprovalQuestion {
    /// The prompt text: what Codex wants, and plainly that accepting bypasses the sandbox.
    pub fn message(&self) -> String {
        let what = match self.kind.as_str() {
            "command" => "run a command",
            "file_change" => "change files",
            "permissions" => "get extra permissions",
            _ => "do something that needs approval",
        };
        let mut text = format!("Codex wants to {what}:\n  {}\n", self.subject);
        if let Some(cwd) = &self.cwd {
            text.push_str(&format!("  in: {cwd}\n"));
        }
        if let Some(reason) = &self.reason {
            text.push_str(&format!("  reason: {reason}\n"));
        }
        if let Some(details) = &self.details {
            text.push_str(&format!("\n{}\n", crate::text::shorten(details, 4_000)));
        }
        text.push_str(
            "\nAccepting lets it run WITHOUT the sandbox. accept = once, accept_for_session = also similar requests later in this thread, decline = Codex continues without it, cancel = stop the turn.",
        );
        text
    }
}

/// How asking a human ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskOutcome {
    Decided(Decision),
    /// The human dismissed the prompt: counts as decline.
    Dismissed,
    /// The client cannot ask (no elicitation support).
    Unsupported,
    /// Nobody can answer any more (the call returned or was cancelled).
    Abandoned,
}

/// A form Codex wants a human to fill in: questions of a tool, or an elicitation from one of
/// Codex's own MCP servers. `schema` is a flat JSON Schema object.
#[derive(Debug, Clone, PartialEq)]
pub struct FormQuestion {
    pub message: String,
    pub schema: Value,
}

/// How asking to fill a form ended.
#[derive(Debug, Clone, PartialEq)]
pub enum FormOutcome {
    /// The human's answers, shaped by the schema.
    Answered(Value),
    /// Declined: Codex goes on without.
    Dismissed,
    /// Cancelled: stop what asked.
    Cancelled,
    Unsupported,
    Abandoned,
}

/// Asks a human (MCP elicitation, or a terminal prompt).
pub trait Asker: Send + Sync {
    fn ask<'a>(
        &'a self,
        question: &'a ApprovalQuestion,
    ) -> Pin<Box<dyn Future<Output = AskOutcome> + Send + 'a>>;

    /// Forms are optional: an asker that cannot show one declines it.
    fn ask_form<'a>(
        &'a self,
        _form: &'a FormQuestion,
    ) -> Pin<Box<dyn Future<Output = FormOutcome> + Send + 'a>> {
        Box::pin(std::future::ready(FormOutcome::Unsupported))
    }
}

/// The approver of one tool call: allow-list first, then the call's policy, asking through
/// `asker` under `ask`. Whatever cannot be decided in time is declined.
pub struct CallApprover {
    pub policy: ApprovalPolicy,
    pub allow_list: AllowList,
    pub asker: Option<Arc<dyn Asker>>,
    pub ask_timeout: Duration,
}

impl CallApprover {
    pub fn policy_only(policy: ApprovalPolicy) -> CallApprover {
        CallApprover {
            policy,
            allow_list: AllowList::default(),
            asker: None,
            ask_timeout: Duration::ZERO,
        }
    }

    async fn decide_now(&self, request: &ServerRequest, details: Option<String>) -> Verdict {
        if !is_approval(&request.kind) {
            return self.fill_form(request).await;
        }
        let (kind, subject, reason) = describe(request);
        if kind == "command" && self.allow_list.allows(&subject) {
            return Verdict::new(Decision::Accept, DecidedBy::AllowList);
        }
        let (decision, by) = self
            .decide_approval(request, kind, subject, reason, details)
            .await;
        Verdict::new(decision, by)
    }

    async fn decide_approval(
        &self,
        request: &ServerRequest,
        kind: String,
        subject: String,
        reason: Option<String>,
        details: Option<String>,
    ) -> (Decision, DecidedBy) {
        match self.policy {
            ApprovalPolicy::Deny | ApprovalPolicy::Allow => decide_by_policy(self.policy, request),
            ApprovalPolicy::Ask => {
                let Some(asker) = &self.asker else {
                    return (Decision::Decline, DecidedBy::NoElicitation);
                };
                let question = ApprovalQuestion {
                    kind,
                    subject,
                    reason,
                    cwd: request.str_param("cwd").map(str::to_string),
                    details,
                };
                match tokio::time::timeout(self.ask_timeout, asker.ask(&question)).await {
                    Ok(AskOutcome::Decided(decision)) => (decision, DecidedBy::Human),
                    Ok(AskOutcome::Dismissed) => (Decision::Decline, DecidedBy::Human),
                    Ok(AskOutcome::Unsupported) => (Decision::Decline, DecidedBy::NoElicitation),
                    Ok(AskOutcome::Abandoned) => (Decision::Decline, DecidedBy::CallEnded),
                    Err(_) => (Decision::Decline, DecidedBy::Timeout),
                }
            }
        }
    }
}

impl CallApprover {
    /// Questions that are not approvals: under `ask`, forwarded to the human as a form;
    /// otherwise (and whenever nobody can answer) declined, since the bridge cannot answer
    /// them on the caller's behalf.
    async fn fill_form(&self, request: &ServerRequest) -> Verdict {
        let declined = Verdict::new(Decision::Decline, DecidedBy::Bridge);
        let (ApprovalPolicy::Ask, Some(asker)) = (self.policy, &self.asker) else {
            return declined;
        };
        let Some(form) = form_for(request) else {
            return declined;
        };
        match tokio::time::timeout(self.ask_timeout, asker.ask_form(&form)).await {
            Ok(FormOutcome::Answered(content)) => Verdict {
                decision: Decision::Accept,
                by: DecidedBy::Human,
                answer: form_answer(request, content),
            },
            Ok(FormOutcome::Dismissed) => Verdict::new(Decision::Decline, DecidedBy::Human),
            Ok(FormOutcome::Cancelled) => Verdict::new(Decision::Cancel, DecidedBy::Human),
            Ok(FormOutcome::Unsupported) => {
                Verdict::new(Decision::Decline, DecidedBy::NoElicitation)
            }
            Ok(FormOutcome::Abandoned) => Verdict::new(Decision::Decline, DecidedBy::CallEnded),
            Err(_) => Verdict::new(Decision::Decline, DecidedBy::Timeout),
        }
    }
}

impl Approver for CallApprover {
    fn decide<'a>(
        &'a self,
        request: &'a ServerRequest,
        details: Option<String>,
    ) -> Pin<Box<dyn Future<Output = Verdict> + Send + 'a>> {
        Box::pin(self.decide_now(request, details))
    }
}

/// The form for a question Codex asks, if it can be shown as a flat form.
pub fn form_for(request: &ServerRequest) -> Option<FormQuestion> {
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
            (!properties.is_empty()).then(|| FormQuestion {
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
            Some(FormQuestion {
                message: format!("Codex's MCP server {server} asks: {message}"),
                schema: Value::Object(schema),
            })
        }
        ServerRequestKind::CommandExecutionApproval
        | ServerRequestKind::FileChangeApproval
        | ServerRequestKind::PermissionsApproval
        | ServerRequestKind::LegacyExecCommandApproval
        | ServerRequestKind::LegacyApplyPatchApproval
        | ServerRequestKind::DynamicToolCall
        | ServerRequestKind::ChatgptAuthTokensRefresh
        | ServerRequestKind::AttestationGenerate
        | ServerRequestKind::Unknown(_) => None,
    }
}

/// The wire answer carrying a filled-in form.
fn form_answer(request: &ServerRequest, content: Value) -> Option<Value> {
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
        _ => None,
    }
}

/// Whether a request kind is an approval a policy may accept. Other kinds (questions for the
/// user, auth refresh...) have no "yes" the bridge could give on the caller's behalf.
pub fn is_approval(kind: &ServerRequestKind) -> bool {
    match kind {
        ServerRequestKind::CommandExecutionApproval
        | ServerRequestKind::FileChangeApproval
        | ServerRequestKind::PermissionsApproval
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

/// Decide a request under a non-interactive policy (`deny` or `allow`).
pub fn decide_by_policy(policy: ApprovalPolicy, request: &ServerRequest) -> (Decision, DecidedBy) {
    if !is_approval(&request.kind) {
        return (Decision::Decline, DecidedBy::Bridge);
    }
    match policy {
        ApprovalPolicy::Allow => (Decision::Accept, DecidedBy::Policy),
        ApprovalPolicy::Deny | ApprovalPolicy::Ask => (Decision::Decline, DecidedBy::Policy),
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

/// A short, human-readable record of what was asked (without the decision yet).
pub fn describe(request: &ServerRequest) -> (String, String, Option<String>) {
    let reason = request.str_param("reason").map(str::to_string);
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
    (kind.to_string(), subject, reason)
}

/// Build the record for a decided request.
pub fn record(request: &ServerRequest, decision: Decision, by: DecidedBy) -> ApprovalRecord {
    let (kind, subject, reason) = describe(request);
    ApprovalRecord {
        kind,
        subject,
        reason,
        decision: decision.as_str().to_string(),
        decided_by: by.as_str().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, params: Value) -> ServerRequest {
        ServerRequest::new(json!(0), method.to_string(), params)
    }

    #[test]
    fn deny_declines_and_allow_accepts_commands() {
        let req = request(
            "item/commandExecution/requestApproval",
            json!({"threadId":"t","command":"echo hi"}),
        );
        assert_eq!(
            decide_by_policy(ApprovalPolicy::Deny, &req),
            (Decision::Decline, DecidedBy::Policy)
        );
        assert_eq!(
            decide_by_policy(ApprovalPolicy::Allow, &req),
            (Decision::Accept, DecidedBy::Policy)
        );
        assert_eq!(
            answer_for(&req, Decision::Decline),
            Answer::Result(json!({"decision":"decline"}))
        );
    }

    #[test]
    fn allow_never_answers_questions_it_cannot_know() {
        let req = request("item/tool/requestUserInput", json!({"threadId":"t"}));
        assert_eq!(
            decide_by_policy(ApprovalPolicy::Allow, &req),
            (Decision::Decline, DecidedBy::Bridge)
        );
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
    fn legacy_requests_use_legacy_words() {
        let req = request(
            "execCommandApproval",
            json!({"conversationId":"t","command":["ls","-l"]}),
        );
        assert_eq!(
            safe_answer(&req),
            Answer::Result(json!({"decision":"denied"}))
        );
        assert_eq!(describe(&req).1, "ls -l");
    }
}
