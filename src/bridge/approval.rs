//! Per-call approval policy: how each request Codex sends during a turn is answered.
//!
//! [`CallApprover`] implements the app-server client's [`Approver`] port for one tool call
//! or command: allow-list first, then the call's policy. Under `ask` it leaves the request
//! to a human ([`Ruling::Ask`]): the request stays pending on the turn until its
//! `approval_timeout_seconds`, and the calls that watch the turn ask the human through the
//! door's [`Asker`] (see the watch core). Everything that is not an explicit "yes" is a
//! decline.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::allow_list::AllowList;
use crate::codex::approver::{form_for, is_approval, Approver, Ruling};
pub use crate::codex::approver::{DecidedBy, Decision, Form, Question, RequestSummary, Verdict};
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
    pub summary: RequestSummary,
    /// The diff of a file change, when known.
    pub details: Option<String>,
    /// When the request is declined unless answered.
    pub deadline: Instant,
}

impl ApprovalQuestion {
    /// The prompt text: what Codex wants, how long there is to answer, and plainly that
    /// accepting bypasses the sandbox.
    pub fn message(&self) -> String {
        let what = match self.summary.kind {
            "command" => "run a command",
            "file_change" => "change files",
            "permissions" => "get extra permissions",
            "mcp_tool_call" => "call a tool of one of its MCP servers",
            _ => "do something that needs approval",
        };
        let mut text = format!("Codex wants to {what}:\n  {}\n", self.summary.subject);
        if let Some(cwd) = &self.summary.cwd {
            text.push_str(&format!("  in: {cwd}\n"));
        }
        if let Some(reason) = &self.summary.reason {
            text.push_str(&format!("  reason: {reason}\n"));
        }
        if let Some(details) = &self.details {
            text.push_str(&format!("\n{}\n", crate::text::shorten(details, 4_000)));
        }
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .as_secs();
        let consequence = if self.summary.kind == "mcp_tool_call" {
            "Accepting lets the tool run."
        } else {
            "Accepting lets it run WITHOUT the sandbox."
        };
        text.push_str(&format!(
            "\n{consequence} accept = once, accept_for_session = also similar requests later in this thread, decline = Codex continues without it, cancel = stop the turn. Declined in {left} s if unanswered.",
        ));
        text
    }
}

/// How asking a human ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskOutcome {
    Decided(Decision),
    /// The human dismissed the prompt: counts as decline.
    Dismissed,
    /// The client cannot show the question (it has no elicitation support).
    Unsupported,
    /// Nobody answered here (the terminal's input ended, say); another call may ask again.
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

/// Asks a human: the door's side of `ask` (MCP elicitation, or a terminal prompt). Dropping
/// a question's future withdraws it (MCP: `notifications/cancelled`).
pub trait Asker: Send + Sync {
    fn ask<'a>(
        &'a self,
        question: &'a ApprovalQuestion,
    ) -> Pin<Box<dyn Future<Output = AskOutcome> + Send + 'a>>;

    /// Forms are optional: an asker that cannot show one says so.
    fn ask_form<'a>(
        &'a self,
        _form: &'a Form,
    ) -> Pin<Box<dyn Future<Output = FormOutcome> + Send + 'a>> {
        Box::pin(std::future::ready(FormOutcome::Unsupported))
    }
}

impl AskOutcome {
    /// The verdict, or `None` when nobody decided (the request stays pending).
    pub fn verdict(self) -> Option<Verdict> {
        match self {
            AskOutcome::Decided(decision) => Some(Verdict::new(decision, DecidedBy::Human)),
            AskOutcome::Dismissed => Some(Verdict::new(Decision::Decline, DecidedBy::Human)),
            AskOutcome::Unsupported => {
                Some(Verdict::new(Decision::Decline, DecidedBy::NoElicitation))
            }
            AskOutcome::Abandoned => None,
        }
    }
}

impl FormOutcome {
    /// The verdict, or `None` when nobody decided (the request stays pending).
    pub fn verdict(self) -> Option<Verdict> {
        match self {
            FormOutcome::Answered(content) => Some(Verdict::filled(content)),
            FormOutcome::Dismissed => Some(Verdict::new(Decision::Decline, DecidedBy::Human)),
            FormOutcome::Cancelled => Some(Verdict::new(Decision::Cancel, DecidedBy::Human)),
            FormOutcome::Unsupported => {
                Some(Verdict::new(Decision::Decline, DecidedBy::NoElicitation))
            }
            FormOutcome::Abandoned => None,
        }
    }
}

/// The approver of one tool call or command: allow-list first, then the call's policy.
pub struct CallApprover {
    pub policy: ApprovalPolicy,
    pub allow_list: AllowList,
    /// Whether the turn's owner can ever be asked (its client shows elicitations, or a
    /// terminal is there). If not, `ask` declines at once (`no_elicitation_support`).
    pub can_ask: bool,
    /// How long a request waits for a human before it is declined.
    pub ask_timeout: Duration,
}

impl Approver for CallApprover {
    fn rule(&self, request: &ServerRequest, summary: &RequestSummary) -> Ruling {
        let asking = || {
            if self.can_ask {
                Ruling::Ask {
                    timeout: self.ask_timeout,
                }
            } else {
                Ruling::Now(Verdict::new(Decision::Decline, DecidedBy::NoElicitation))
            }
        };
        if !is_approval(&request.kind) {
            // Questions for the user: only a human can answer them, and only as a flat form.
            return match (self.policy, form_for(request)) {
                (ApprovalPolicy::Ask, Some(_)) => asking(),
                _ => Ruling::Now(Verdict::new(Decision::Decline, DecidedBy::Bridge)),
            };
        }
        if summary.kind == "command" && self.allow_list.allows(&summary.subject) {
            return Ruling::Now(Verdict::new(Decision::Accept, DecidedBy::AllowList));
        }
        match self.policy {
            ApprovalPolicy::Deny => Ruling::Now(Verdict::new(Decision::Decline, DecidedBy::Policy)),
            ApprovalPolicy::Allow => Ruling::Now(Verdict::new(Decision::Accept, DecidedBy::Policy)),
            ApprovalPolicy::Ask => asking(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codex::approver::describe;
    use serde_json::{json, Value};

    fn request(method: &str, params: Value) -> ServerRequest {
        ServerRequest::new(json!(0), method.to_string(), params)
    }

    fn approver(policy: ApprovalPolicy, can_ask: bool) -> CallApprover {
        CallApprover {
            policy,
            allow_list: AllowList::parse(&["git status".to_string()]).expect("list"),
            can_ask,
            ask_timeout: Duration::from_secs(7),
        }
    }

    fn rule(approver: &CallApprover, request: &ServerRequest) -> Ruling {
        approver.rule(request, &describe(request))
    }

    #[test]
    fn policies_rule_on_commands() {
        let req = request(
            "item/commandExecution/requestApproval",
            json!({"threadId":"t","command":"echo hi"}),
        );
        assert_eq!(
            rule(&approver(ApprovalPolicy::Deny, true), &req),
            Ruling::Now(Verdict::new(Decision::Decline, DecidedBy::Policy))
        );
        assert_eq!(
            rule(&approver(ApprovalPolicy::Allow, true), &req),
            Ruling::Now(Verdict::new(Decision::Accept, DecidedBy::Policy))
        );
        assert_eq!(
            rule(&approver(ApprovalPolicy::Ask, true), &req),
            Ruling::Ask {
                timeout: Duration::from_secs(7)
            }
        );
        assert_eq!(
            rule(&approver(ApprovalPolicy::Ask, false), &req),
            Ruling::Now(Verdict::new(Decision::Decline, DecidedBy::NoElicitation))
        );
        let listed = request(
            "item/commandExecution/requestApproval",
            json!({"threadId":"t","command":"git status --short"}),
        );
        assert_eq!(
            rule(&approver(ApprovalPolicy::Deny, true), &listed),
            Ruling::Now(Verdict::new(Decision::Accept, DecidedBy::AllowList))
        );
    }

    #[test]
    fn mcp_tool_calls_follow_the_policy_and_no_allow_list() {
        let req = request(
            "mcpServer/elicitation/request",
            json!({"threadId":"t","serverName":"git status","mode":"form",
                "_meta":{"codex_approval_kind":"mcp_tool_call","tool_name":"status"},
                "message":"Allow?","requestedSchema":{"type":"object","properties":{}}}),
        );
        assert_eq!(
            rule(&approver(ApprovalPolicy::Allow, true), &req),
            Ruling::Now(Verdict::new(Decision::Accept, DecidedBy::Policy))
        );
        assert_eq!(
            rule(&approver(ApprovalPolicy::Deny, true), &req),
            Ruling::Now(Verdict::new(Decision::Decline, DecidedBy::Policy))
        );
        assert!(matches!(
            rule(&approver(ApprovalPolicy::Ask, true), &req),
            Ruling::Ask { .. }
        ));
    }

    #[test]
    fn nobody_but_a_human_answers_questions() {
        let req = request(
            "item/tool/requestUserInput",
            json!({"threadId":"t","questions":[{"id":"q","question":"Which?"}]}),
        );
        assert_eq!(
            rule(&approver(ApprovalPolicy::Allow, true), &req),
            Ruling::Now(Verdict::new(Decision::Decline, DecidedBy::Bridge))
        );
        assert!(matches!(
            rule(&approver(ApprovalPolicy::Ask, true), &req),
            Ruling::Ask { .. }
        ));
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
