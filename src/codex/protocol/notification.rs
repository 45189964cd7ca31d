//! The notifications a turn acts on, decoded from `(method, params)`.
//!
//! Everything else is [`TurnEvent::Other`] and ignored. A known method with a malformed
//! body is `Other` too (logged by the caller): one bad frame must not end a turn.

use serde::Deserialize;
use serde_json::Value;

use super::item::ThreadItem;
use super::turn::{Turn, TurnError};

/// Token counts (schema: `TokenUsageBreakdown`).
#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsageBreakdown {
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub cached_input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
    #[serde(default)]
    pub reasoning_output_tokens: i64,
    #[serde(default)]
    pub total_tokens: i64,
}

/// Schema: `ThreadTokenUsage`.
#[derive(Debug, Clone, Deserialize)]
pub struct ThreadTokenUsage {
    /// Usage of the most recent model call.
    pub last: TokenUsageBreakdown,
    /// Summed by Codex over the whole thread.
    pub total: TokenUsageBreakdown,
}

/// The thread-scoped notifications a turn acts on.
#[derive(Debug, Clone)]
pub enum TurnEvent {
    /// `turn/started`
    Started { turn_id: String },
    /// `turn/completed` (there is no `turn/failed`: the status says).
    Completed { turn: Turn },
    /// `item/started`
    ItemStarted { turn_id: String, item: ThreadItem },
    /// `item/completed`
    ItemCompleted { turn_id: String, item: ThreadItem },
    /// `item/agentMessage/delta`
    AgentMessageDelta {
        turn_id: String,
        item_id: String,
        delta: String,
    },
    /// `thread/tokenUsage/updated`
    TokenUsage {
        turn_id: String,
        usage: ThreadTokenUsage,
    },
    /// `error` (with `willRetry` while Codex retries the model).
    Error {
        turn_id: String,
        error: TurnError,
        will_retry: bool,
    },
    /// `serverRequest/resolved`: a server request was answered (by anyone) or cleared.
    RequestResolved { request_id: Value },
    /// Known-irrelevant or unknown method: kept only for logging.
    Other { method: String },
}

/// Connection-wide notifications the bridge reads, with their fields (checked like
/// [`DECODED_FIELDS`]).
pub const CONNECTION_FIELDS: &[(&str, &[&str])] = &[(
    "configWarning",
    &[
        "summary",
        "details",
        "path",
        "range.start.line",
        "range.start.column",
    ],
)];

/// For each notification decoded here, the params fields it reads (dotted paths). The
/// conformance test checks each against the app-server's schema, so a rename in a newer
/// Codex is named instead of silently decoding as `Other`.
pub const DECODED_FIELDS: &[(&str, &[&str])] = &[
    ("turn/started", &["threadId", "turn.id"]),
    (
        "turn/completed",
        &[
            "threadId",
            "turn.id",
            "turn.status",
            "turn.items",
            "turn.error",
            "turn.durationMs",
        ],
    ),
    ("item/started", &["threadId", "turnId", "item"]),
    ("item/completed", &["threadId", "turnId", "item"]),
    (
        "item/agentMessage/delta",
        &["threadId", "turnId", "itemId", "delta"],
    ),
    (
        "thread/tokenUsage/updated",
        &["threadId", "turnId", "tokenUsage.last", "tokenUsage.total"],
    ),
    ("serverRequest/resolved", &["threadId", "requestId"]),
    (
        "error",
        &[
            "threadId",
            "turnId",
            "error.message",
            "error.additionalDetails",
            "willRetry",
        ],
    ),
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TurnScoped<T> {
    turn_id: String,
    #[serde(flatten)]
    body: T,
}

#[derive(Deserialize)]
struct ItemBody {
    item: ThreadItem,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeltaBody {
    item_id: String,
    delta: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageBody {
    token_usage: ThreadTokenUsage,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    error: TurnError,
    #[serde(default)]
    will_retry: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResolvedBody {
    request_id: Value,
}

#[derive(Deserialize)]
struct TurnBody {
    turn: Turn,
}

#[derive(Deserialize)]
struct TurnRefBody {
    turn: TurnRef,
}

#[derive(Deserialize)]
struct TurnRef {
    id: String,
}

/// A whole `item/agentMessage/delta` frame, read without a JSON tree in between.
#[derive(Deserialize)]
struct DeltaFrame<'a> {
    #[serde(borrow)]
    method: std::borrow::Cow<'a, str>,
    /// A frame with an id is a request or a response, not this notification.
    #[serde(default)]
    id: Option<serde::de::IgnoredAny>,
    params: DeltaParams,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeltaParams {
    thread_id: String,
    turn_id: String,
    item_id: String,
    delta: String,
}

/// The method of the frame a streamed answer repeats (one per token or so).
const DELTA_METHOD: &str = "item/agentMessage/delta";

impl TurnEvent {
    /// A frame that is an `item/agentMessage/delta` notification, decoded straight from its
    /// text: its thread id and the event. `None` for any other frame (or a malformed delta),
    /// which the general decoder ([`crate::codex::jsonrpc::Incoming::decode`] and
    /// [`TurnEvent::decode`]) then reads. A streamed answer is thousands of these; reading
    /// them without building a JSON tree first is most of the bridge's cost per delta.
    pub fn decode_delta_frame(text: &str) -> Option<(String, TurnEvent)> {
        // Cheap to rule out: most other frames never name the method.
        if !text.contains(DELTA_METHOD) {
            return None;
        }
        let frame: DeltaFrame<'_> = serde_json::from_str(text).ok()?;
        if frame.method != DELTA_METHOD || frame.id.is_some() {
            return None;
        }
        let DeltaParams {
            thread_id,
            turn_id,
            item_id,
            delta,
        } = frame.params;
        Some((
            thread_id,
            TurnEvent::AgentMessageDelta {
                turn_id,
                item_id,
                delta,
            },
        ))
    }

    /// Decode a notification; never fails (see the module doc).
    pub fn decode(method: &str, params: Value) -> TurnEvent {
        fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Option<T> {
            serde_json::from_value(params).ok()
        }
        let decoded = match method {
            "turn/started" => {
                parse::<TurnRefBody>(params).map(|b| TurnEvent::Started { turn_id: b.turn.id })
            }
            "turn/completed" => {
                parse::<TurnBody>(params).map(|b| TurnEvent::Completed { turn: b.turn })
            }
            "item/started" => {
                parse::<TurnScoped<ItemBody>>(params).map(|b| TurnEvent::ItemStarted {
                    turn_id: b.turn_id,
                    item: b.body.item,
                })
            }
            "item/completed" => {
                parse::<TurnScoped<ItemBody>>(params).map(|b| TurnEvent::ItemCompleted {
                    turn_id: b.turn_id,
                    item: b.body.item,
                })
            }
            "item/agentMessage/delta" => {
                parse::<TurnScoped<DeltaBody>>(params).map(|b| TurnEvent::AgentMessageDelta {
                    turn_id: b.turn_id,
                    item_id: b.body.item_id,
                    delta: b.body.delta,
                })
            }
            "thread/tokenUsage/updated" => {
                parse::<TurnScoped<UsageBody>>(params).map(|b| TurnEvent::TokenUsage {
                    turn_id: b.turn_id,
                    usage: b.body.token_usage,
                })
            }
            "error" => parse::<TurnScoped<ErrorBody>>(params).map(|b| TurnEvent::Error {
                turn_id: b.turn_id,
                error: b.body.error,
                will_retry: b.body.will_retry,
            }),
            "serverRequest/resolved" => {
                parse::<ResolvedBody>(params).map(|b| TurnEvent::RequestResolved {
                    request_id: b.request_id,
                })
            }
            _ => None,
        };
        decoded.unwrap_or_else(|| TurnEvent::Other {
            method: method.to_string(),
        })
    }

    /// The turn this event is about, when it says.
    pub fn turn_id(&self) -> Option<&str> {
        match self {
            TurnEvent::Started { turn_id }
            | TurnEvent::ItemStarted { turn_id, .. }
            | TurnEvent::ItemCompleted { turn_id, .. }
            | TurnEvent::AgentMessageDelta { turn_id, .. }
            | TurnEvent::TokenUsage { turn_id, .. }
            | TurnEvent::Error { turn_id, .. } => Some(turn_id),
            TurnEvent::Completed { turn } => Some(&turn.id),
            TurnEvent::RequestResolved { .. } | TurnEvent::Other { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_delta_frame_reads_the_same_either_way() {
        let text = r#"{"method":"item/agentMessage/delta","params":{"threadId":"t","turnId":"u","itemId":"m","delta":"h\u00e9 \"x\""},"emittedAtMs":1}"#;
        let (thread_id, fast) = TurnEvent::decode_delta_frame(text).expect("a delta");
        assert_eq!(thread_id, "t");
        let value: Value = serde_json::from_str(text).expect("json");
        let slow = TurnEvent::decode(DELTA_METHOD, value["params"].clone());
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"));
        // Not a delta notification: left to the general decoder.
        for other in [
            r#"{"id":3,"method":"item/agentMessage/delta","params":{"threadId":"t","turnId":"u","itemId":"m","delta":"d"}}"#,
            r#"{"method":"item/completed","params":{"threadId":"t","turnId":"u","item":{"type":"agentMessage","id":"m","text":"item/agentMessage/delta"}}}"#,
            r#"{"method":"item/agentMessage/delta","params":{"threadId":"t"}}"#,
        ] {
            assert!(TurnEvent::decode_delta_frame(other).is_none(), "{other}");
        }
    }

    #[test]
    fn malformed_known_notification_is_other() {
        let event = TurnEvent::decode("turn/completed", json!({"turn": 5}));
        assert!(matches!(event, TurnEvent::Other { .. }));
    }

    #[test]
    fn unknown_item_types_are_other() {
        let event = TurnEvent::decode(
            "item/completed",
            json!({"threadId":"t","turnId":"u","item":{"type":"reasoning","id":"r"}}),
        );
        assert!(matches!(
            event,
            TurnEvent::ItemCompleted {
                item: ThreadItem::Other,
                ..
            }
        ));
    }

    #[test]
    fn every_decoded_method_lists_its_fields() {
        for method in [
            "turn/started",
            "turn/completed",
            "item/started",
            "item/completed",
            "item/agentMessage/delta",
            "thread/tokenUsage/updated",
            "serverRequest/resolved",
            "error",
        ] {
            assert!(
                DECODED_FIELDS.iter().any(|(m, _)| *m == method),
                "{method} is decoded but its fields are not listed for the conformance test"
            );
        }
    }
}
