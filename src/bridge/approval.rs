//! Per-call approval policy: how each request Codex sends during a turn is answered.
//!
//! Implements the app-server client's [`Approver`] port for one tool call or command:
//! allow-list first, then the call's policy, asking a human through the door's [`Asker`]
//! under `ask`. Everything that is not an explicit "yes" is a decline; whatever cannot be
//! decided in time is declined.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::allow_list::AllowList;
use crate::codex::approver::{describe, form_answer, form_for, is_approval, Approver, Verdict};
pub use crate::codex::approver::{DecidedBy, Decision, Form};
use crate::codex::protocol::ServerRequest;

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

impl ApprovalPolicy {
    pub const ALL: [ApprovalPolicy; 3] = [
        ApprovalPolicy::Deny,
        ApprovalPolicy::Allow,
        ApprovalPolicy::Ask,
    ];

    /// `deny`, `allow`, `ask`.
    pub fn word(self) -> &'static str {
        match self {
            ApprovalPolicy::Deny => "deny",
            ApprovalPolicy::Allow => "allow",
            ApprovalPolicy::Ask => "ask",
        }
    }

    pub fn from_word(word: &str) -> Option<ApprovalPolicy> {
        ApprovalPolicy::ALL.into_iter().find(|p| p.word() == word)
    }
}

/// What a human is shown for one approval request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalQuestion {
    pub kind: &'static str,
    pub subject: String,
    pub reason: Option<String>,
    pub cwd: Option<String>,
    /// The diff of a file change, when known.
    pub details: Option<String>,
}

impl ApprovalQuestion {
    /// The prompt text: what Codex wants, and plainly that accepting bypasses the sandbox.
    pub fn message(&self) -> String {
        let what = match self.kind {
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

/// How asking to fill a form ended.
#[derive(Debug, Clone, PartialEq)]
pub enum FormOutcome {
    /// The human's answers, shaped by the schema.
    Answered(serde_json::Value),
    /// Declined: Codex goes on without.
    Dismissed,
    /// Cancelled: stop what asked.
    Cancelled,
    Unsupported,
    Abandoned,
}

/// Asks a human: the door's side of `ask` (MCP elicitation, or a terminal prompt).
pub trait Asker: Send + Sync {
    fn ask<'a>(
        &'a self,
        question: &'a ApprovalQuestion,
    ) -> Pin<Box<dyn Future<Output = AskOutcome> + Send + 'a>>;

    /// Forms are optional: an asker that cannot show one declines it.
    fn ask_form<'a>(
        &'a self,
        _form: &'a Form,
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
    async fn decide_now(&self, request: &ServerRequest, details: Option<String>) -> Verdict {
        if !is_approval(&request.kind) {
            return self.fill_form(request).await;
        }
        let summary = describe(request);
        if summary.kind == "command" && self.allow_list.allows(&summary.subject) {
            return Verdict::new(Decision::Accept, DecidedBy::AllowList);
        }
        let (decision, by) = match self.policy {
            ApprovalPolicy::Deny => (Decision::Decline, DecidedBy::Policy),
            ApprovalPolicy::Allow => (Decision::Accept, DecidedBy::Policy),
            ApprovalPolicy::Ask => {
                let Some(asker) = &self.asker else {
                    return Verdict::new(Decision::Decline, DecidedBy::NoElicitation);
                };
                let question = ApprovalQuestion {
                    kind: summary.kind,
                    subject: summary.subject,
                    reason: summary.reason,
                    cwd: summary.cwd,
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
        };
        Verdict::new(decision, by)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn request(method: &str, params: Value) -> ServerRequest {
        ServerRequest::new(json!(0), method.to_string(), params)
    }

    fn approver(policy: ApprovalPolicy) -> CallApprover {
        CallApprover {
            policy,
            allow_list: AllowList::default(),
            asker: None,
            ask_timeout: Duration::from_secs(1),
        }
    }

    #[tokio::test]
    async fn deny_declines_and_allow_accepts_commands() {
        let req = request(
            "item/commandExecution/requestApproval",
            json!({"threadId":"t","command":"echo hi"}),
        );
        let denied = approver(ApprovalPolicy::Deny).decide(&req, None).await;
        assert_eq!(
            (denied.decision, denied.by),
            (Decision::Decline, DecidedBy::Policy)
        );
        let allowed = approver(ApprovalPolicy::Allow).decide(&req, None).await;
        assert_eq!(
            (allowed.decision, allowed.by),
            (Decision::Accept, DecidedBy::Policy)
        );
        let unasked = approver(ApprovalPolicy::Ask).decide(&req, None).await;
        assert_eq!(
            (unasked.decision, unasked.by),
            (Decision::Decline, DecidedBy::NoElicitation)
        );
    }

    #[tokio::test]
    async fn allow_never_answers_questions_it_cannot_know() {
        let req = request("item/tool/requestUserInput", json!({"threadId":"t"}));
        let verdict = approver(ApprovalPolicy::Allow).decide(&req, None).await;
        assert_eq!(
            (verdict.decision, verdict.by),
            (Decision::Decline, DecidedBy::Bridge)
        );
    }

    #[test]
    fn policy_words_round_trip() {
        for policy in ApprovalPolicy::ALL {
            assert_eq!(ApprovalPolicy::from_word(policy.word()), Some(policy));
            assert_eq!(
                serde_json::to_value(policy).expect("json"),
                Value::String(policy.word().into())
            );
        }
    }
}
