//! Asking the human the MCP 2026-07-28 way: no server-to-client requests, so a turn call
//! that must ask answers with an input-required result instead (SEP-2322), and the client
//! retries the same call with the human's answers.
//!
//! The result carries one elicitation per pending request and an opaque `requestState`,
//! sealed by this bridge (HMAC, rmcp's `RequestStateCodec`, with a key made at start): it
//! names the turn and the pending requests, is bound to the tool and to the agent that was
//! asked (another agent's retry cannot answer the owner's requests), and expires with the
//! last of their deadlines. The retry is checked against it and never starts new work: it gives
//! Codex the answers and goes on watching the same turn. A forged or stale state is refused.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rmcp::model::{
    ElicitRequest, ElicitResult, InputRequest, InputRequiredResult, RequestStateCodec, SealOptions,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::elicit;
use crate::bridge::approval::{ApprovalQuestion, Verdict};
use crate::bridge::approval::{DecidedBy, Decision, Question};
use crate::bridge::watch::PendingView;

/// What a sealed `requestState` holds.
#[derive(Debug, Serialize, Deserialize)]
struct State {
    thread_id: String,
    turn_id: String,
    /// The pending requests asked, by key, and whether each is an approval (else a form,
    /// or `unsupported`: a form MCP cannot carry, declined on the retry).
    requests: Vec<(u64, Kind)>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Approval,
    Form,
    Unsupported,
}

/// A retry's answers, checked against its state.
pub struct Retry {
    pub thread_id: String,
    pub turn_id: String,
    pub answers: Vec<(u64, Verdict)>,
}

/// Seals and opens request states.
pub struct InputRequired {
    codec: RequestStateCodec,
}

impl InputRequired {
    /// A fresh key: states issued by an earlier process are refused.
    pub fn new() -> Result<InputRequired, String> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| format!("cannot make a request-state key: {e}"))?;
        let codec = RequestStateCodec::try_new(key.to_vec()).map_err(|e| e.to_string())?;
        Ok(InputRequired { codec })
    }

    /// The input-required result for `pending` requests of a turn, from `tool`, asked of
    /// `agent`.
    pub fn result(
        &self,
        tool: &str,
        agent: Option<&str>,
        thread_id: &str,
        turn_id: &str,
        pending: &[PendingView],
    ) -> InputRequiredResult {
        let mut inputs = BTreeMap::new();
        let mut requests = Vec::new();
        for request in pending {
            let name = input_name(request.key);
            let params = match &request.question {
                Question::Approval { summary, details } => Some((
                    Kind::Approval,
                    elicit::approval_params(&ApprovalQuestion {
                        summary: summary.clone(),
                        details: details.clone(),
                        deadline: request.deadline,
                    }),
                )),
                Question::Form(form) => {
                    elicit::form_params(form).map(|params| (Kind::Form, params))
                }
            };
            match params {
                Some((kind, params)) => {
                    inputs.insert(name, InputRequest::Elicitation(ElicitRequest::new(params)));
                    requests.push((request.key, kind));
                }
                None => requests.push((request.key, Kind::Unsupported)),
            }
        }
        let ttl = pending
            .iter()
            .map(|request| request.deadline.saturating_duration_since(Instant::now()))
            .max()
            .unwrap_or_default()
            .max(Duration::from_secs(1));
        let state = State {
            thread_id: thread_id.to_string(),
            turn_id: turn_id.to_string(),
            requests,
        };
        let sealed = self
            .codec
            .seal_json_with(
                &state,
                &SealOptions::new()
                    .associated_data(&bound_to(tool, agent))
                    .ttl(ttl),
            )
            .unwrap_or_default();
        InputRequiredResult::new(Some(inputs), Some(sealed))
    }

    /// Open a retry's state and read its answers; the error is what to tell the caller.
    pub fn open(
        &self,
        tool: &str,
        agent: Option<&str>,
        state: &str,
        responses: Option<BTreeMap<String, Value>>,
    ) -> Result<Retry, String> {
        let state: State = self
            .codec
            .open_json_with(state, &bound_to(tool, agent))
            .map_err(|error| {
                tracing::info!(%error, "refused a requestState");
                format!(
                    "the requestState of this retry is not valid: it has expired (its requests were decided at their deadline) or was not issued by this bridge for {tool} to this agent. Nothing was started; call codex_wait with the thread_id and turn_id to see the turn"
                )
            })?;
        let mut responses = responses.unwrap_or_default();
        let mut answers = Vec::new();
        for (key, kind) in state.requests {
            let verdict = match kind {
                Kind::Unsupported => {
                    Some(Verdict::new(Decision::Decline, DecidedBy::NoElicitation))
                }
                Kind::Approval | Kind::Form => responses
                    .remove(&input_name(key))
                    .and_then(|response| serde_json::from_value::<ElicitResult>(response).ok())
                    .and_then(|result| match kind {
                        Kind::Approval => elicit::approval_outcome(&result).verdict(),
                        Kind::Form | Kind::Unsupported => elicit::form_outcome(result).verdict(),
                    }),
            };
            if let Some(verdict) = verdict {
                answers.push((key, verdict));
            }
        }
        Ok(Retry {
            thread_id: state.thread_id,
            turn_id: state.turn_id,
            answers,
        })
    }
}

/// What a state is bound to: the tool, and the agent asked.
fn bound_to(tool: &str, agent: Option<&str>) -> Vec<u8> {
    format!("{tool}\n{}", agent.unwrap_or_default()).into_bytes()
}

fn input_name(key: u64) -> String {
    format!("request-{key}")
}
