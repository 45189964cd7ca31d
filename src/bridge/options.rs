//! Per-turn options as a caller gives them (MCP tool arguments or CLI flags), one type per
//! concept, and their validation against the operator's ceilings ([`prepare`]).
//!
//! One place for these rules, so `codex_ask` over MCP and `codex-bridge ask` on the command
//! line accept and refuse exactly the same things: a caller fills a [`TurnOptions`] (the MCP
//! tools deserialize it; the CLI builds it from flags) and calls [`prepare`]. Each concept
//! has one type ([`Sandbox`], [`Effort`], [`ApprovalPolicy`]) that derives what the doors
//! need: the MCP schema (its doc comments), the CLI's accepted words, and the app-server's
//! wire value.

use std::sync::Arc;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::allow_list::AllowList;
use super::approval::{ApprovalPolicy, CallApprover};
use super::caller::Caller;
use super::ceilings::Ceilings;
use super::effort::Effort;
use super::error::BridgeError;
use super::sandbox::Sandbox;
use crate::codex::client::TurnRequest;
use crate::codex::protocol::AskForApproval;

/// Codex refuses input above 1,048,576 characters (its `input_too_large` error); say so
/// before sending it.
pub const MAX_PROMPT_CHARS: usize = 1_048_576;
/// Longest `approval_timeout_seconds` accepted.
pub const MAX_APPROVAL_TIMEOUT_SECS: f64 = 3_600.0;

/// Options every turn-running tool takes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct TurnOptions {
    /// Absolute working directory for Codex (must exist and be inside the bridge's allowed
    /// roots). Default: the directory the bridge was started in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Model name (default: Codex's configured model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Reasoning effort, one the model supports (codex_list_models lists them; Codex 0.169's
    /// models take "low", "medium", "high", "xhigh", and most also "max" and "ultra").
    /// Default: the model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<Effort>,
    /// Sandbox for commands: "read-only" (default), "workspace-write" or "danger-full-access".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<Sandbox>,
    /// How Codex's requests to go beyond the sandbox are answered: "deny" (default; Codex
    /// carries on without), "allow" (accepted commands run OUTSIDE the sandbox; only if the
    /// operator enabled it) or "ask" (each request is shown to the user of this MCP client;
    /// declined if the client cannot ask, nobody answers in time, or this call returns first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<ApprovalPolicy>,
    /// Under "ask": seconds to wait for the user's answer before declining (default set by
    /// the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_timeout_seconds: Option<f64>,
    /// Command prefixes accepted without asking, matched on the parsed command (e.g.
    /// ["git status", "cargo test"]); compound commands match only if every part is listed.
    /// Needs the operator's --allow-approvals, like "allow".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_commands: Option<Vec<String>>,
    /// Make Codex ask approval for EVERY command (Codex's "untrusted" mode), not only to go
    /// beyond the sandbox. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approve_every_command: Option<bool>,
    /// JSON Schema (an object) the final answer must follow; the parsed answer is returned in
    /// `structured`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Map<String, Value>>")]
    pub output_schema: Option<Value>,
    /// Seconds this call waits for the turn (default set by the operator, below common client
    /// time-outs). If Codex is still working then, the result has status "running" and the
    /// turn continues: pick it up with codex_wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
}

/// A validated turn, and how long its caller wants to wait for it.
pub struct PreparedTurn {
    pub request: TurnRequest,
    pub wait: Duration,
}

/// Validate a prompt and its options for `caller` (whether it can ever be asked: under
/// `ask`, a caller who cannot gets every request declined at once; its MCP roots).
pub fn prepare(
    prompt: &str,
    options: &TurnOptions,
    ceilings: &Ceilings,
    caller: &Caller,
) -> Result<PreparedTurn, BridgeError> {
    check_prompt(prompt)?;
    let cwd = ceilings.check_cwd(options.cwd.as_deref(), caller.roots.as_deref())?;
    let sandbox = ceilings.check_sandbox(options.sandbox.unwrap_or(Sandbox::ReadOnly))?;
    let wait = ceilings.check_wait(options.wait_seconds)?;
    let policy = options.approval_policy.unwrap_or_default();
    if policy == ApprovalPolicy::Allow && !ceilings.allow_approvals {
        return Err(BridgeError::argument(
            "approval_policy",
            "\"allow\" is not permitted by this bridge's operator (accepted commands run outside the sandbox). Use \"deny\" or \"ask\", or ask the operator to start codex-bridge with --allow-approvals",
        ));
    }
    let allow_list = AllowList::parse(options.allow_commands.as_deref().unwrap_or_default())
        .map_err(|problem| BridgeError::argument("allow_commands", problem))?;
    if !allow_list.is_empty() && !ceilings.allow_approvals {
        return Err(BridgeError::argument(
            "allow_commands",
            "accepts commands outside the sandbox without asking, which this bridge's operator has not permitted (--allow-approvals). Use approval_policy \"ask\" instead",
        ));
    }
    let ask_timeout = match options.approval_timeout_seconds {
        None => ceilings.approval_timeout,
        Some(seconds)
            if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_APPROVAL_TIMEOUT_SECS =>
        {
            Duration::from_secs_f64(seconds)
        }
        Some(seconds) => {
            return Err(BridgeError::argument(
                "approval_timeout_seconds",
                format!(
                    "must be more than 0 and at most {MAX_APPROVAL_TIMEOUT_SECS}, got {seconds}"
                ),
            ))
        }
    };
    if let Some(schema) = &options.output_schema {
        if !schema.is_object() {
            return Err(BridgeError::argument(
                "output_schema",
                "must be a JSON Schema object, e.g. {\"type\":\"object\",\"properties\":{...}}",
            ));
        }
    }
    if let Some(model) = &options.model {
        if model.trim().is_empty() {
            return Err(BridgeError::argument(
                "model",
                "is empty: omit it to use Codex's configured model",
            ));
        }
    }
    let effort = match &options.effort {
        Some(effort) => Some(effort.check()?.to_string()),
        None => None,
    };
    let approval_policy = if options.approve_every_command.unwrap_or(false) {
        AskForApproval::Untrusted
    } else {
        AskForApproval::OnRequest
    };
    let approver = CallApprover {
        policy,
        allow_list,
        can_ask: caller.can_ask,
        ask_timeout,
    };
    Ok(PreparedTurn {
        request: TurnRequest {
            prompt: prompt.to_string(),
            cwd,
            model: options.model.clone(),
            effort,
            sandbox: sandbox.into(),
            approval_policy,
            output_schema: options.output_schema.clone(),
            approver: Arc::new(approver),
            holder: None,
            started_by: caller.agent.clone(),
        },
        wait,
    })
}

/// A prompt must say something, and fit in what Codex accepts.
pub fn check_prompt(prompt: &str) -> Result<(), BridgeError> {
    if prompt.trim().is_empty() {
        return Err(BridgeError::argument(
            "prompt",
            "is empty: say what Codex should do",
        ));
    }
    let prompt_chars = prompt.chars().count();
    if prompt_chars > MAX_PROMPT_CHARS {
        return Err(BridgeError::argument(
            "prompt",
            format!(
                "has {prompt_chars} characters; Codex accepts at most {MAX_PROMPT_CHARS}. Shorten it, or point Codex at files in cwd instead"
            ),
        ));
    }
    Ok(())
}
