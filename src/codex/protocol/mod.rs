//! The slice of the `codex app-server` protocol (v2, Codex 0.169 to 0.171) that the bridge speaks,
//! named as the app-server's generated schema names it (`codex app-server
//! generate-json-schema`): `ThreadStartParams`, `AskForApproval`, `SandboxMode`, ...
//!
//! Every request the bridge sends is a `*Params` type that implements [`Request`], which ties
//! it to its method name and its `*Response` type, so a call is `connection.call(&params)`
//! and a params/response mismatch does not compile. The conformance test
//! (`tests/suite/conformance.rs`) checks these shapes against the schema of the pinned Codex.
//!
//! Fields the bridge does not use are left out on purpose: the app-server adds fields often
//! (and sends experimental ones unasked), and serde ignores unknown fields, so a newer Codex
//! keeps working.

mod account;
mod common;
mod initialize;
mod item;
mod model;
mod notification;
mod server_request;
mod thread;
mod turn;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use account::{GetAccountParams, GetAccountResponse};
pub use common::{AskForApproval, SandboxMode, SandboxPolicy, UserInput};
pub use initialize::{
    ClientInfo, ConfigWarning, InitializeCapabilities, InitializeParams, InitializeResponse,
    TextPosition, TextRange,
};
pub use item::{FileUpdateChange, ThreadItem};
pub use model::{Model, ModelListParams, ModelListResponse, ReasoningEffortOption};
pub use notification::{
    ThreadTokenUsage, TokenUsageBreakdown, TurnEvent, CONNECTION_FIELDS, DECODED_FIELDS,
};
pub use server_request::{ServerRequest, ServerRequestKind, SERVER_REQUEST_FIELDS};
pub use thread::{
    SortDirection, Thread, ThreadArchiveParams, ThreadArchiveResponse, ThreadCompactStartParams,
    ThreadCompactStartResponse, ThreadForkParams, ThreadForkResponse, ThreadListParams,
    ThreadListResponse, ThreadReadParams, ThreadReadResponse, ThreadResumeParams,
    ThreadResumeResponse, ThreadRevertParams, ThreadRevertResponse, ThreadSetNameParams,
    ThreadSetNameResponse, ThreadSortKey, ThreadSourceKind, ThreadStartParams, ThreadStartResponse,
    ThreadStatus, ThreadTurnsListParams, ThreadTurnsListResponse, ThreadUnarchiveParams,
    ThreadUnarchiveResponse, ThreadUnsubscribeParams, ThreadUnsubscribeResponse,
    ThreadUnsubscribeStatus, TurnItemsView,
};
pub use turn::{
    ReviewDelivery, ReviewStartParams, ReviewStartResponse, ReviewTarget, Turn, TurnError,
    TurnInterruptParams, TurnInterruptResponse, TurnStartParams, TurnStartResponse, TurnStatus,
    TurnSteerParams, TurnSteerResponse,
};

/// A request the bridge sends: its method name and the type of the answer.
pub trait Request: Serialize + Send + Sync {
    /// The JSON-RPC method, e.g. `thread/start`.
    const METHOD: &'static str;
    /// What the app-server answers (`result` of the response).
    type Response: DeserializeOwned + Send;
}

/// For each request, the fields of its response the bridge reads (dotted paths; `[]` steps
/// into an array's items). The conformance test checks each against the app-server's
/// schema.
pub const RESPONSE_FIELDS: &[(&str, &[&str])] = &[
    ("initialize", &["userAgent"]),
    ("thread/start", &["thread.id"]),
    ("thread/resume", &["thread.status"]),
    (
        "thread/list",
        &[
            "data.[].id",
            "data.[].name",
            "data.[].preview",
            "data.[].cwd",
            "data.[].createdAt",
            "data.[].updatedAt",
            "data.[].status",
            "data.[].ephemeral",
            "data.[].forkedFromId",
            "data.[].parentThreadId",
            "nextCursor",
        ],
    ),
    (
        "thread/fork",
        &[
            "thread.id",
            "thread.name",
            "thread.preview",
            "thread.cwd",
            "thread.forkedFromId",
        ],
    ),
    (
        "thread/turns/list",
        &[
            "data.[].id",
            "data.[].status",
            "data.[].items",
            "data.[].error",
            "data.[].durationMs",
            "data.[].rootTurnId",
            "nextCursor",
        ],
    ),
    ("thread/archive", &[]),
    ("thread/unarchive", &["thread.id"]),
    ("thread/revert", &["thread.id"]),
    ("thread/compact/start", &[]),
    ("turn/steer", &["turnId"]),
    ("review/start", &["turn.id", "reviewThreadId"]),
    (
        "model/list",
        &[
            "data.[].id",
            "data.[].model",
            "data.[].displayName",
            "data.[].description",
            "data.[].hidden",
            "data.[].isDefault",
            "data.[].defaultReasoningEffort",
            "data.[].supportedReasoningEfforts.[].reasoningEffort",
            "data.[].supportedReasoningEfforts.[].description",
            "nextCursor",
        ],
    ),
    (
        "thread/read",
        &[
            "thread.id",
            "thread.name",
            "thread.cwd",
            "thread.status",
            "thread.turns.[].id",
            "thread.turns.[].status",
            "thread.turns.[].items",
            "thread.turns.[].error",
        ],
    ),
    ("thread/name/set", &[]),
    ("thread/unsubscribe", &["status"]),
    ("turn/start", &["turn.id"]),
    ("turn/interrupt", &[]),
    ("account/read", &["account", "requiresOpenaiAuth"]),
];

/// An answer the bridge does not read beyond "it succeeded" (`{}` on the wire).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EmptyResponse {}

macro_rules! requests {
    ($($params:ty => $method:literal => $response:ty;)*) => {
        $(
            impl Request for $params {
                const METHOD: &'static str = $method;
                type Response = $response;
            }
        )*
        /// Every method the bridge sends (the conformance test checks each against the
        /// app-server's schema).
        pub const METHODS: &[&str] = &[$($method),*];
    };
}

requests! {
    InitializeParams => "initialize" => InitializeResponse;
    ThreadStartParams => "thread/start" => ThreadStartResponse;
    ThreadResumeParams => "thread/resume" => ThreadResumeResponse;
    ThreadListParams => "thread/list" => ThreadListResponse;
    ThreadReadParams => "thread/read" => ThreadReadResponse;
    ThreadSetNameParams => "thread/name/set" => ThreadSetNameResponse;
    ThreadForkParams => "thread/fork" => ThreadForkResponse;
    ThreadTurnsListParams => "thread/turns/list" => ThreadTurnsListResponse;
    ThreadArchiveParams => "thread/archive" => ThreadArchiveResponse;
    ThreadUnarchiveParams => "thread/unarchive" => ThreadUnarchiveResponse;
    ThreadRevertParams => "thread/revert" => ThreadRevertResponse;
    ThreadCompactStartParams => "thread/compact/start" => ThreadCompactStartResponse;
    ThreadUnsubscribeParams => "thread/unsubscribe" => ThreadUnsubscribeResponse;
    TurnStartParams => "turn/start" => TurnStartResponse;
    TurnSteerParams => "turn/steer" => TurnSteerResponse;
    TurnInterruptParams => "turn/interrupt" => TurnInterruptResponse;
    ReviewStartParams => "review/start" => ReviewStartResponse;
    ModelListParams => "model/list" => ModelListResponse;
    GetAccountParams => "account/read" => GetAccountResponse;
}
