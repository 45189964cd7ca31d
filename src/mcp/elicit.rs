//! `approval_policy: "ask"` over MCP: each approval request, and each question Codex asks
//! (a tool's user input, an elicitation from one of Codex's own MCP servers), becomes an
//! `elicitation/create` to the calling client.
//!
//! The requested schema is deliberately minimal (one required enum property, no top-level
//! title or description): Codex as an MCP client cancels anything richer. The asker lives
//! only as long as the tool call that created it: once the call returns or is cancelled,
//! open and later requests are declined instead of waiting for an answer nobody will give.

use std::future::Future;
use std::pin::Pin;

use rmcp::model::{ElicitRequestParams, ElicitationAction, ElicitationSchema, EnumSchema};
use rmcp::service::ElicitationMode;
use rmcp::{Peer, RoleServer};
use tokio_util::sync::CancellationToken;

use crate::bridge::approval::{ApprovalQuestion, AskOutcome, Asker, Decision, Form, FormOutcome};

pub struct ElicitationAsker {
    peer: Peer<RoleServer>,
    /// Cancelled when the tool call that owns this asker stops waiting.
    call_done: CancellationToken,
}

impl ElicitationAsker {
    pub fn new(peer: Peer<RoleServer>, call_done: CancellationToken) -> ElicitationAsker {
        ElicitationAsker { peer, call_done }
    }
}

impl Asker for ElicitationAsker {
    fn ask<'a>(
        &'a self,
        question: &'a ApprovalQuestion,
    ) -> Pin<Box<dyn Future<Output = AskOutcome> + Send + 'a>> {
        Box::pin(async move {
            if self.call_done.is_cancelled() {
                return AskOutcome::Abandoned;
            }
            if !self
                .peer
                .supported_elicitation_modes()
                .contains(&ElicitationMode::Form)
            {
                return AskOutcome::Unsupported;
            }
            let params = ElicitRequestParams::FormElicitationParams {
                meta: None,
                message: question.message(),
                requested_schema: decision_schema(),
            };
            tokio::select! {
                answer = self.peer.create_elicitation(params) => match answer {
                    Ok(result) => match result.action {
                        ElicitationAction::Accept => parse_decision(result.content.as_ref()),
                        // Decline, cancel, and any action a newer protocol adds: not a yes.
                        _ => AskOutcome::Dismissed,
                    },
                    Err(error) => {
                        tracing::warn!(%error, "elicitation failed; declining");
                        AskOutcome::Unsupported
                    }
                },
                () = self.call_done.cancelled() => AskOutcome::Abandoned,
            }
        })
    }

    fn ask_form<'a>(
        &'a self,
        form: &'a Form,
    ) -> Pin<Box<dyn Future<Output = FormOutcome> + Send + 'a>> {
        Box::pin(self.ask_form_now(form))
    }
}

impl ElicitationAsker {
    async fn ask_form_now(&self, form: &Form) -> FormOutcome {
        if self.call_done.is_cancelled() {
            return FormOutcome::Abandoned;
        }
        if !self
            .peer
            .supported_elicitation_modes()
            .contains(&ElicitationMode::Form)
        {
            return FormOutcome::Unsupported;
        }
        // A schema MCP cannot carry (nested objects, arrays...) is declined, not mangled.
        let Ok(requested_schema) = serde_json::from_value::<ElicitationSchema>(form.schema.clone())
        else {
            tracing::info!(
                "a form Codex asked for has a schema MCP elicitation cannot carry; declining"
            );
            return FormOutcome::Unsupported;
        };
        let params = ElicitRequestParams::FormElicitationParams {
            meta: None,
            message: form.message.clone(),
            requested_schema,
        };
        tokio::select! {
            answer = self.peer.create_elicitation(params) => match answer {
                Ok(result) => match result.action {
                    ElicitationAction::Accept => match result.content {
                        Some(content) => FormOutcome::Answered(content),
                        None => FormOutcome::Dismissed,
                    },
                    ElicitationAction::Cancel => FormOutcome::Cancelled,
                    // Decline, and any action a newer protocol adds.
                    _ => FormOutcome::Dismissed,
                },
                Err(error) => {
                    tracing::warn!(%error, "elicitation failed; declining");
                    FormOutcome::Unsupported
                }
            },
            () = self.call_done.cancelled() => FormOutcome::Abandoned,
        }
    }
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
