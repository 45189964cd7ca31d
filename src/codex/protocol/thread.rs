//! Threads: start, resume, fork, list, read, page through turns, name, archive, unarchive,
//! revert, compact, unsubscribe; and the `Thread` object they return.

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

/// `thread/fork`: a new thread holding the source's history up to and including
/// `lastTurnId` (all of it without one). The fork gets the config's sandbox unless one is
/// given here, not the source's. Developer instructions given here never reach the model
/// (seen on 0.169), so the bridge does not send them.
#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ThreadForkParams {
    pub thread_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_turn_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<AskForApproval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<SandboxMode>,
    /// Config overrides for the fork (e.g. `model_reasoning_effort`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadForkResponse {
    pub thread: Thread,
}

/// How `thread/list` orders threads (schema: `ThreadSortKey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadSortKey {
    CreatedAt,
    UpdatedAt,
}

/// A kind of thread source `thread/list` filters on (schema: `ThreadSourceKind`; only the
/// kind the bridge asks for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ThreadSourceKind {
    /// The threads `review/start` runs its reviewer in.
    SubAgentReview,
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
    /// Which kinds of thread to list; the server's default leaves sub-agent threads out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_kinds: Option<Vec<ThreadSourceKind>>,
    pub sort_key: ThreadSortKey,
    /// An empty list means "every provider": threads made by any front-end are listed.
    /// `None` (the configured provider only) is what a review sub-agent's lookup needs: with
    /// an explicit list the app-server leaves `parentThreadId` out (seen on 0.169).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_providers: Option<Vec<String>>,
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
            source_kinds: None,
            sort_key: ThreadSortKey::UpdatedAt,
            model_providers: Some(Vec::new()),
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

/// Which way `thread/turns/list` pages (schema: `SortDirection`). The server's default is
/// newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    Asc,
    Desc,
}

/// How much of each turn `thread/turns/list` returns (schema: `TurnItemsView`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TurnItemsView {
    /// No items (ids and statuses only).
    NotLoaded,
    /// The prompt and the final answer.
    Summary,
    /// Every item: commands with their output, file changes with their diffs.
    Full,
}

/// `thread/turns/list`: one page of a saved thread's turns (the paged replacement for
/// `thread/read` with `includeTurns`).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadTurnsListParams {
    pub thread_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort_direction: Option<SortDirection>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items_view: Option<TurnItemsView>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadTurnsListResponse {
    #[serde(default)]
    pub data: Vec<Turn>,
    /// Opaque; the next page in the same direction. Absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// `thread/archive`: move a saved thread out of the default list. The app-server accepts
/// it while a turn runs and silently interrupts the turn.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadArchiveParams {
    pub thread_id: String,
}

pub type ThreadArchiveResponse = super::EmptyResponse;

/// `thread/unarchive`: bring an archived thread back (it must be resumed before a turn).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadUnarchiveParams {
    pub thread_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadUnarchiveResponse {
    pub thread: Thread,
}

/// `thread/revert`: drop `beforeTurnId` and every later turn from the history the model
/// sees. Files the dropped turns changed stay as they are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadRevertParams {
    pub thread_id: String,
    pub before_turn_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ThreadRevertResponse {
    pub thread: Thread,
}

/// `thread/compact/start`: answered at once; the compaction then runs as a turn of its own
/// (`turn/started` ... `turn/completed` on the thread).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadCompactStartParams {
    pub thread_id: String,
}

pub type ThreadCompactStartResponse = super::EmptyResponse;

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
    /// The thread this one was forked from (`thread/read` and `thread/fork` say; `thread/list`
    /// never does).
    #[serde(default)]
    pub forked_from_id: Option<String>,
    /// For a sub-agent's thread (a review's): the thread it works for.
    #[serde(default)]
    pub parent_thread_id: Option<String>,
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
