//! The per-turn flags of `ask` and `repl`, turned into the same [`TurnOptions`] an MCP tool
//! call deserializes, so both are checked by [`crate::bridge::options::prepare`].
//!
//! Also the operator ceilings as the command line applies them: the flags of `serve`, except
//! that the allowed root defaults to `--cwd` when one is given (the person typing the
//! command is the operator).

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;
use serde_json::Value;

use super::flags::{sandbox_parser, CeilingArgs};
use crate::bridge::approval::ApprovalPolicy;
use crate::bridge::ceilings::Ceilings;
use crate::bridge::effort::Effort;
use crate::bridge::error::BridgeError;
use crate::bridge::options::TurnOptions;
use crate::bridge::sandbox::Sandbox;

#[derive(Debug, Clone, Args)]
pub struct TurnArgs {
    /// Working directory for Codex (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,

    /// Model name (default: Codex's configured model).
    #[arg(long)]
    pub model: Option<String>,

    /// Reasoning effort, one the model supports (`codex-bridge models` lists them).
    #[arg(long, value_name = "EFFORT")]
    pub effort: Option<String>,

    /// Sandbox for the commands Codex runs (default read-only; above --max-sandbox is refused).
    #[arg(long, value_parser = sandbox_parser())]
    pub sandbox: Option<Sandbox>,

    /// How Codex's requests to go beyond the sandbox are answered: deny (default), allow
    /// (needs --allow-approvals; accepted commands run OUTSIDE the sandbox) or ask (prompt on
    /// this terminal; declined when stdin is not a terminal).
    #[arg(long, value_parser = policy_parser())]
    pub approval_policy: Option<ApprovalPolicy>,

    /// Command prefix accepted without asking, e.g. "cargo test" (repeatable; needs
    /// --allow-approvals).
    #[arg(long = "allow-command", value_name = "PREFIX")]
    pub allow_commands: Vec<String>,

    /// Have Codex ask approval for every command, not only to leave the sandbox.
    #[arg(long)]
    pub approve_every_command: bool,

    /// JSON Schema file the final answer must follow (`--json` then includes `structured`).
    #[arg(long, value_name = "FILE")]
    pub output_schema: Option<PathBuf>,
}

impl TurnArgs {
    /// The options as an MCP call would carry them.
    pub fn options(&self) -> Result<TurnOptions, BridgeError> {
        let output_schema = match &self.output_schema {
            Some(path) => Some(read_schema(path)?),
            None => None,
        };
        Ok(TurnOptions {
            cwd: self.absolute_cwd()?,
            model: self.model.clone(),
            effort: self.effort.clone().map(Effort::new),
            sandbox: self.sandbox,
            approval_policy: self.approval_policy,
            approval_timeout_seconds: None,
            allow_commands: (!self.allow_commands.is_empty()).then(|| self.allow_commands.clone()),
            approve_every_command: self.approve_every_command.then_some(true),
            output_schema,
            wait_seconds: None,
        })
    }

    /// The ceilings, with `--cwd` as the allowed root unless `--allowed-root` says otherwise.
    pub fn ceilings(&self, args: &CeilingArgs) -> Result<Ceilings, BridgeError> {
        let mut args = args.clone();
        if args.allowed_roots.is_empty() {
            if let Some(cwd) = self.absolute_cwd()? {
                args.allowed_roots.push(PathBuf::from(cwd));
            }
        }
        args.resolve()
    }

    fn absolute_cwd(&self) -> Result<Option<String>, BridgeError> {
        let Some(cwd) = &self.cwd else {
            return Ok(None);
        };
        let absolute = std::path::absolute(cwd)
            .map_err(|e| BridgeError::argument("cwd", format!("{}: {e}", cwd.display())))?;
        let path = absolute.to_str().ok_or_else(|| {
            BridgeError::argument("cwd", format!("{} is not valid UTF-8", cwd.display()))
        })?;
        Ok(Some(path.to_string()))
    }
}

fn read_schema(path: &std::path::Path) -> Result<Value, BridgeError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        BridgeError::argument(
            "output_schema",
            format!("{}: cannot read it: {e}", path.display()),
        )
    })?;
    serde_json::from_str(&text).map_err(|e| {
        BridgeError::argument(
            "output_schema",
            format!("{} is not JSON: {e}", path.display()),
        )
    })
}

/// Accepts the words of [`ApprovalPolicy`], listed in `--help`.
fn policy_parser() -> impl TypedValueParser<Value = ApprovalPolicy> {
    PossibleValuesParser::new(ApprovalPolicy::ALL.map(ApprovalPolicy::word)).try_map(
        |word: String| {
            ApprovalPolicy::from_word(&word)
                .ok_or_else(|| format!("unknown approval policy {word}"))
        },
    )
}
