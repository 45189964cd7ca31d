//! Threads: start, resume, list, read, name, unsubscribe; and the `Thread` object they
//! return.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{AskForApproval, SandboxMode};
use super::turn::Turn;

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ThreadStartParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<AskForApproval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_instructions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub developer_instructions: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadStartResponse {
    pub thread: Thread,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadResumeParams {
    pub thread_id: String,
    /// Without this the server sends the whole history and a deprecation notice.
    pub exclude_turns: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadResumeResponse {
    pub thread: Thread,
}

/// How `thread/list` orders threads (schema: `ThreadSortKey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadSortKey {
    CreatedAt,
    UpdatedAt,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadListParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Exact match on the thread's start `cwd`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_term: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    pub sort_key: ThreadSortKey,
    /// An empty list means "every provider": threads made by any front-end are listed.
    pub model_providers: Vec<String>,
}

impl Default for ThreadListParams {
    /// Newest activity first, every provider: what a caller looking for "the thread I was
    /// just in" wants.
    fn default() -> Self {
        ThreadListParams {
            limit: None,
            cursor: None,
            cwd: None,
            search_term: None,
            archived: None,
            sort_key: ThreadSortKey::UpdatedAt,
            model_providers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadListResponse {
    #[serde(default)]
    pub data: Vec<Thread>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadReadParams {
    pub thread_id: String,
    pub include_turns: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadReadResponse {
    pub thread: Thread,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSetNameParams {
    pub thread_id: String,
    pub name: String,
}

pub type ThreadSetNameResponse = super::EmptyResponse;

/// Stop receiving a thread's events on this connection (the thread stays loaded while others
/// subscribe; with no subscriber left the app-server unloads it after about a minute).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadUnsubscribeParams {
    pub thread_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadUnsubscribeResponse {
    pub status: ThreadUnsubscribeStatus,
}

/// What `thread/unsubscribe` did (schema: `ThreadUnsubscribeStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ThreadUnsubscribeStatus {
    Unsubscribed,
    /// This connection was not subscribed (already unsubscribed, or never was).
    NotSubscribed,
    /// No such thread is loaded.
    NotLoaded,
    #[serde(other)]
    Unknown,
}

/// A thread as `thread/start`, `thread/list` and `thread/read` describe it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thread {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub preview: String,
    #[serde(default)]
    pub cwd: Option<String>,
    /// Unix seconds.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// Unix seconds.
    #[serde(default)]
    pub updated_at: Option<i64>,
    #[serde(default)]
    pub status: Option<ThreadStatus>,
    #[serde(default)]
    pub ephemeral: bool,
    /// Only filled by `thread/read` with `includeTurns`.
    #[serde(default)]
    pub turns: Vec<Turn>,
}

/// Whether a thread is in memory and busy (schema: `ThreadStatus`, tagged by `type`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ThreadStatus {
    NotLoaded,
    Idle,
    SystemError,
    Active {
        #[serde(default, rename = "activeFlags")]
        active_flags: Vec<Value>,
    },
    #[serde(other)]
    Unknown,
}

impl Thread {
    /// The thread's status word; `unknown` when the server gave none.
    pub fn status_word(&self) -> &'static str {
        self.status.as_ref().map_or("unknown", ThreadStatus::word)
    }
}

impl ThreadStatus {
    /// The wire word (`notLoaded`, `idle`, `systemError`, `active`).
    pub fn word(&self) -> &'static str {
        match self {
            ThreadStatus::NotLoaded => "notLoaded",
            ThreadStatus::Idle => "idle",
            ThreadStatus::SystemError => "systemError",
            ThreadStatus::Active { .. } => "active",
            ThreadStatus::Unknown => "unknown",
        }
    }
}
