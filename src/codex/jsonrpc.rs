//! JSON-RPC framing as the app-server speaks it: one JSON object per WebSocket text frame.
//!
//! Owns how a frame is classified (response, error, server request, notification) and how
//! outgoing frames are built. What the frames carry (params, results, notifications) lives
//! in [`super::protocol`]; moving frames over the socket in [`super::connection`].
//!
//! The app-server needs no `"jsonrpc"` field, requires `params` on every request (even
//! `{}`), may answer out of order, and may use string ids.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// JSON-RPC error code the app-server uses when its ingress queue is full.
pub const OVERLOADED_CODE: i64 = -32001;
/// Standard JSON-RPC "method not found".
pub const METHOD_NOT_FOUND_CODE: i64 = -32601;

/// One decoded text frame from the app-server.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// Answer to one of our requests.
    Response { id: Value, result: Value },
    /// Error answer to one of our requests.
    ErrorResponse { id: Value, error: RpcError },
    /// The server asks us something (approvals, user input...). Must always be answered.
    Request {
        id: Value,
        method: String,
        params: Value,
    },
    /// Fire-and-forget event.
    Notification { method: String, params: Value },
}

/// Why a frame could not be decoded. Logged and dropped; never fatal for the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame is not JSON: {0}")]
    NotJson(String),
    #[error("frame is JSON but not a JSON-RPC object")]
    NotAnObject,
    #[error("frame has neither a method nor a result/error for its id")]
    Unclassifiable,
}

/// A JSON-RPC error object as sent by the app-server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl Incoming {
    /// Classify one text frame. Total: any input gives `Ok` or a `FrameError`, never a panic.
    pub fn decode(text: &str) -> Result<Incoming, FrameError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| FrameError::NotJson(e.to_string()))?;
        let Value::Object(mut object) = value else {
            return Err(FrameError::NotAnObject);
        };
        let id = object.remove("id").filter(|id| !id.is_null());
        let method = match object.remove("method") {
            Some(Value::String(method)) => Some(method),
            Some(_) => return Err(FrameError::Unclassifiable),
            None => None,
        };
        let params = object.remove("params").unwrap_or(Value::Null);
        match (id, method) {
            (Some(id), Some(method)) => Ok(Incoming::Request { id, method, params }),
            (None, Some(method)) => Ok(Incoming::Notification { method, params }),
            (Some(id), None) => {
                if let Some(error) = object.remove("error") {
                    let error = serde_json::from_value(error.clone()).unwrap_or(RpcError {
                        code: 0,
                        message: error.to_string(),
                        data: None,
                    });
                    Ok(Incoming::ErrorResponse { id, error })
                } else if let Some(result) = object.remove("result") {
                    Ok(Incoming::Response { id, result })
                } else {
                    Err(FrameError::Unclassifiable)
                }
            }
            (None, None) => Err(FrameError::Unclassifiable),
        }
    }

    /// The thread a notification or server request belongs to, if it names one.
    pub fn thread_id(params: &Value) -> Option<&str> {
        params
            .get("threadId")
            // Legacy (v1) approval requests name the thread "conversationId".
            .or_else(|| params.get("conversationId"))
            .and_then(Value::as_str)
    }
}

/// Build an outgoing request frame. `params` is always present: the app-server rejects a
/// request without it (-32600 "missing field params").
pub fn request_frame(id: u64, method: &str, params: Value) -> String {
    let params = if params.is_null() { json!({}) } else { params };
    json!({ "id": id, "method": method, "params": params }).to_string()
}

/// Build a notification frame (no id, no answer).
pub fn notification_frame(method: &str, params: Value) -> String {
    json!({ "method": method, "params": params }).to_string()
}

/// Build the answer to a server request.
pub fn response_frame(id: &Value, result: Value) -> String {
    json!({ "id": id, "result": result }).to_string()
}

/// Build an error answer to a server request.
pub fn error_frame(id: &Value, code: i64, message: &str) -> String {
    json!({ "id": id, "error": { "code": code, "message": message } }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_every_frame_shape() {
        assert_eq!(
            Incoming::decode(r#"{"id":1,"result":{"ok":true}}"#),
            Ok(Incoming::Response {
                id: json!(1),
                result: json!({"ok": true})
            })
        );
        assert!(matches!(
            Incoming::decode(
                r#"{"id":"a","error":{"code":-32001,"message":"Server overloaded; retry later."}}"#
            ),
            Ok(Incoming::ErrorResponse {
                error: RpcError {
                    code: OVERLOADED_CODE,
                    ..
                },
                ..
            })
        ));
        assert!(matches!(
            Incoming::decode(
                r#"{"id":0,"method":"item/commandExecution/requestApproval","params":{"threadId":"t"}}"#
            ),
            Ok(Incoming::Request { .. })
        ));
        assert!(matches!(
            Incoming::decode(r#"{"method":"turn/started","params":{}}"#),
            Ok(Incoming::Notification { .. })
        ));
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert!(matches!(
            Incoming::decode("not json"),
            Err(FrameError::NotJson(_))
        ));
        assert_eq!(Incoming::decode("[1,2]"), Err(FrameError::NotAnObject));
        assert_eq!(
            Incoming::decode(r#"{"id":3}"#),
            Err(FrameError::Unclassifiable)
        );
        assert_eq!(
            Incoming::decode(r#"{"method":5}"#),
            Err(FrameError::Unclassifiable)
        );
        // An error object of the wrong shape is still an error answer, not a lost response.
        assert!(matches!(
            Incoming::decode(r#"{"id":4,"error":"boom"}"#),
            Ok(Incoming::ErrorResponse { .. })
        ));
    }

    #[test]
    fn request_frames_always_carry_params() {
        let frame: Value = serde_json::from_str(&request_frame(7, "thread/list", Value::Null))
            .expect("frame is JSON");
        assert_eq!(frame["params"], json!({}));
    }
}
