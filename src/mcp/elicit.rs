//! `approval_policy: "ask"` over MCP: each request a turn waits for (an approval, a question
//! Codex asks, an elicitation from one of Codex's own MCP servers) becomes an
//! `elicitation/create` to the watching call's client, on that call's own stream (over
//! HTTP, the SSE stream of the call's POST).
//!
//! A question is withdrawn when its future is dropped (the call stopped watching):
//! `notifications/cancelled` with its request id goes to the client, and a late answer is
//! ignored. The requested schema is deliberately minimal (one required enum property, no
//! top-level title or description): Codex as an MCP client cancels anything richer.

use std::future::Future;
use std::pin::Pin;

use rmcp::model::{
    CancelledNotificationParam, ClientResult, ElicitRequest, ElicitRequestParams, ElicitResult,
    ElicitationAction, ElicitationSchema, EnumSchema, GetExtensions, RequestId, ServerRequest,
};
use rmcp::service::{OriginatingRequestId, PeerRequestOptions};
use rmcp::{Peer, RoleServer};

use crate::bridge::approval::{ApprovalQuestion, AskOutcome, Asker, Decision, Form, FormOutcome};

pub struct ElicitationAsker {
    peer: Peer<RoleServer>,
    /// The request id of the tool call that asks.
    call: RequestId,
}

impl ElicitationAsker {
    /// Ask on behalf of the tool call `call`.
    pub fn new(peer: Peer<RoleServer>, call: RequestId) -> ElicitationAsker {
        ElicitationAsker { peer, call }
    }

    /// Send an elicitation and wait for the answer; withdrawn if this future is dropped.
    async fn elicit(&self, params: ElicitRequestParams) -> Result<ElicitResult, String> {
        let mut request = ServerRequest::ElicitRequest(ElicitRequest::new(params));
        // The questions are asked from tasks of their own, where rmcp cannot tell which call
        // they belong to: say it, so that over HTTP they ride the call's stream (SEP-2260).
        request
            .extensions_mut()
            .insert(OriginatingRequestId(self.call.clone()));
        let handle = self
            .peer
            .send_cancellable_request(request, PeerRequestOptions::no_options())
            .await
            .map_err(|error| error.to_string())?;
        let withdraw = Withdraw {
            peer: self.peer.clone(),
            id: Some(handle.id.clone()),
        };
        let answer = handle.await_response().await;
        withdraw.disarm();
        match answer {
            Ok(ClientResult::ElicitResult(result)) => Ok(result),
            Ok(other) => Err(format!("unexpected answer to an elicitation: {other:?}")),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// Sends `notifications/cancelled` for an elicitation nobody waits for any more.
struct Withdraw {
    peer: Peer<RoleServer>,
    id: Option<RequestId>,
}

impl Withdraw {
    fn disarm(mut self) {
        self.id = None;
    }
}

impl Drop for Withdraw {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else {
            return;
        };
        let peer = self.peer.clone();
        // Drop cannot wait: the notification goes out on its own task.
        tokio::spawn(async move {
            let param = CancelledNotificationParam::new(
                Some(id),
                Some("the call that asked stopped waiting; the request stays pending".into()),
            );
            if let Err(error) = peer.notify_cancelled(param).await {
                tracing::debug!(%error, "could not withdraw an elicitation");
            }
        });
    }
}

impl Asker for ElicitationAsker {
    fn ask<'a>(
        &'a self,
        question: &'a ApprovalQuestion,
    ) -> Pin<Box<dyn Future<Output = AskOutcome> + Send + 'a>> {
        Box::pin(async move {
            match self.elicit(approval_params(question)).await {
                Ok(result) => approval_outcome(&result),
                Err(error) => {
                    tracing::warn!(%error, "elicitation failed; declining");
                    AskOutcome::Unsupported
                }
            }
        })
    }

    fn ask_form<'a>(
        &'a self,
        form: &'a Form,
    ) -> Pin<Box<dyn Future<Output = FormOutcome> + Send + 'a>> {
        Box::pin(async move {
            let Some(params) = form_params(form) else {
                return FormOutcome::Unsupported;
            };
            match self.elicit(params).await {
                Ok(result) => form_outcome(result),
                Err(error) => {
                    tracing::warn!(%error, "elicitation failed; declining");
                    FormOutcome::Unsupported
                }
            }
        })
    }
}

/// The elicitation for an approval: the prompt text and one `decision` choice.
pub fn approval_params(question: &ApprovalQuestion) -> ElicitRequestParams {
    ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: question.message(),
        requested_schema: decision_schema(),
    }
}

/// The elicitation for a form Codex asks; `None` when MCP cannot carry its schema
/// (nested objects, arrays...): such a form is declined, not mangled.
pub fn form_params(form: &Form) -> Option<ElicitRequestParams> {
    let Ok(requested_schema) = serde_json::from_value::<ElicitationSchema>(form.schema.clone())
    else {
        tracing::info!("a form Codex asked for has a schema MCP elicitation cannot carry");
        return None;
    };
    Some(ElicitRequestParams::FormElicitationParams {
        meta: None,
        message: form.message.clone(),
        requested_schema,
    })
}

/// `{type: object, properties: {decision: {type: string, enum: [...]}}, required: [decision]}`
pub fn decision_schema() -> ElicitationSchema {
    ElicitationSchema::builder()
        .required_enum_schema(
            "decision",
            EnumSchema::builder(
                Decision::ALL
                    .iter()
                    .map(|decision| decision.word().to_string())
                    .collect(),
            )
            .build(),
        )
        .build_unchecked()
}

/// What the human's answer to an approval elicitation means.
pub fn approval_outcome(result: &ElicitResult) -> AskOutcome {
    match result.action {
        ElicitationAction::Accept => parse_decision(result.content.as_ref()),
        // Decline, cancel, and any action a newer protocol adds: not a yes.
        _ => AskOutcome::Dismissed,
    }
}

/// What the human's answer to a form elicitation means.
pub fn form_outcome(result: ElicitResult) -> FormOutcome {
    match result.action {
        ElicitationAction::Accept => match result.content {
            Some(content) => FormOutcome::Answered(content),
            None => FormOutcome::Dismissed,
        },
        ElicitationAction::Cancel => FormOutcome::Cancelled,
        // Decline, and any action a newer protocol adds.
        _ => FormOutcome::Dismissed,
    }
}

fn parse_decision(content: Option<&serde_json::Value>) -> AskOutcome {
    let choice = content
        .and_then(|content| content.get("decision"))
        .and_then(serde_json::Value::as_str);
    // "decline", or anything we did not offer: never read an unknown answer as a yes.
    match choice.and_then(Decision::from_word) {
        Some(Decision::Decline) | None => AskOutcome::Dismissed,
        Some(decision) => AskOutcome::Decided(decision),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schema_is_flat_with_no_top_level_title_or_description() {
        let schema = serde_json::to_value(decision_schema()).expect("schema");
        let keys: Vec<_> = schema
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        for key in &keys {
            assert!(
                ["$schema", "type", "properties", "required"].contains(&key.as_str()),
                "unexpected top-level key {key} in {schema}"
            );
        }
        assert_eq!(schema["required"], json!(["decision"]));
        assert_eq!(schema["properties"]["decision"]["type"], "string");
        assert_eq!(
            schema["properties"]["decision"]["enum"],
            json!(["accept", "accept_for_session", "decline", "cancel"])
        );
    }

    #[test]
    fn unknown_answers_decline() {
        assert_eq!(
            parse_decision(Some(&json!({"decision": "yes!"}))),
            AskOutcome::Dismissed
        );
        assert_eq!(parse_decision(None), AskOutcome::Dismissed);
        assert_eq!(
            parse_decision(Some(&json!({"decision": "accept_for_session"}))),
            AskOutcome::Decided(Decision::AcceptForSession)
        );
    }
}
