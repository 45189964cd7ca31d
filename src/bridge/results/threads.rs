//! Thread results: listings, histories, forks, reverts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::phase::TurnPhase;
use super::turn::{CommandRun, FileChange, TurnResult};
use crate::codex::protocol::{Thread, ThreadItem, Turn};

/// One thread in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadSummary {
    /// The thread id (for codex_continue_thread, codex_read_thread, codex_wait).
    pub id: String,
    /// The thread's name, if it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Usually the first message of the thread.
    pub preview: String,
    /// The working directory the thread was started in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    /// Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
    /// `notLoaded` (saved, not in memory), `idle`, `active` (a turn is running) or `systemError`.
    pub status: String,
    /// Archived threads are left out of the default listing (list them with archived:
    /// true) and must be unarchived before their next turn.
    pub archived: bool,
    /// The agent that started the thread's latest turn through this bridge (see a turn
    /// result's `started_by`); absent when the bridge does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
}

impl ThreadSummary {
    /// A thread as the app-server describes it; `archived` as the caller knows it (the
    /// app-server's thread object does not say).
    pub fn of(thread: Thread, archived: bool) -> ThreadSummary {
        let status = thread.status_word().to_string();
        ThreadSummary {
            id: thread.id,
            name: thread.name,
            preview: thread.preview,
            cwd: thread.cwd,
            created_at: thread.created_at,
            updated_at: thread.updated_at,
            status,
            archived,
            started_by: None,
        }
    }
}

/// A page of threads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadList {
    /// Threads, newest activity first.
    pub threads: Vec<ThreadSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One turn of a thread's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TurnSummary {
    /// The turn's id.
    pub turn_id: String,
    /// `completed`, `failed`, `interrupted` or `running`.
    pub status: TurnPhase,
    /// What was asked.
    pub prompt: String,
    /// Codex's final answer.
    pub answer: String,
    /// What went wrong, for failed or interrupted turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The agent that started this turn through this bridge (see a turn result's
    /// `started_by`); absent when the bridge does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
}

impl TurnSummary {
    /// A sub-agent's turn (a review's reviewer) inside the thread: bookkeeping of the turn
    /// it worked for, not a turn anyone asked for, so histories leave it out.
    pub fn is_sub_agent(turn: &Turn) -> bool {
        turn.root_turn_id
            .as_deref()
            .is_some_and(|root| !root.is_empty() && root != turn.id)
    }
}

impl From<Turn> for TurnSummary {
    fn from(turn: Turn) -> TurnSummary {
        let mut prompt = Vec::new();
        let mut answer = String::new();
        for item in turn.items {
            match item {
                ThreadItem::UserMessage { content, .. } => {
                    prompt.push(ThreadItem::user_text(&content));
                }
                ThreadItem::AgentMessage { text, .. } => answer = text,
                // A review turn has no user message: what it reviewed stands for the prompt.
                ThreadItem::EnteredReviewMode { review, .. } => {
                    prompt.push(format!("(code review: {review})"));
                }
                ThreadItem::ContextCompaction { .. } => {
                    prompt.push("(history compaction)".to_string());
                }
                ThreadItem::CommandExecution { .. }
                | ThreadItem::FileChange { .. }
                | ThreadItem::McpToolCall { .. }
                | ThreadItem::ExitedReviewMode { .. }
                | ThreadItem::Other => {}
            }
        }
        TurnSummary {
            turn_id: turn.id,
            status: TurnPhase::from(turn.status),
            prompt: prompt.join("\n"),
            answer,
            error: turn.error.map(|error| error.message),
            started_by: None,
        }
    }
}

/// A thread's history, oldest turn first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadHistory {
    /// The thread's id.
    pub thread_id: String,
    /// The thread's name, if it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The thread's working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// `notLoaded` (saved, not in memory), `idle`, `active` (a turn is running) or `systemError`.
    pub status: String,
    /// The thread this one was forked from (codex_fork_thread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forked_from_id: Option<String>,
    /// Turns in the thread in all (the page holds at most `limit` of them).
    pub total_turns: usize,
    /// This page's turns, oldest first. The first page holds the newest turns.
    pub turns: Vec<TurnSummary>,
    /// Pass as `cursor` for the page of older turns; absent on the oldest page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// With turn_id and detail "full": that turn's whole record (every command with its
    /// output, every file change with its diff; approvals while this bridge still holds
    /// the turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<TurnResult>,
}

/// A new thread forked from another (codex_fork_thread).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ForkResult {
    /// The fork: continue it with codex_continue_thread (the source is unchanged).
    pub thread_id: String,
    /// The thread it was forked from.
    pub forked_from_id: String,
    /// The fork's name, if it was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The fork's working directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Turns the fork holds: the source's, up to and including last_turn_id.
    pub total_turns: usize,
    /// When a prompt was given: the fork's first turn (status "running": codex_wait with
    /// this thread_id and the turn's turn_id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn: Option<TurnResult>,
}

/// A thread after codex_revert_thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RevertResult {
    /// The reverted thread (continue it with codex_continue_thread).
    pub thread_id: String,
    /// Turns dropped from the thread's history (before_turn_id and every later one).
    pub reverted_turns: usize,
    /// Turns the thread keeps.
    pub remaining_turns: usize,
    /// Always false: files the dropped turns changed are NOT restored (undo them with git
    /// or by asking Codex).
    pub files_restored: bool,
}

impl TurnResult {
    /// A turn read back from the thread's saved history (the bridge no longer holds it):
    /// only what the history keeps. `full`: every command's whole output and every file
    /// change's whole diff (else capped like a live turn's).
    pub fn from_saved(thread_id: &str, turn: Turn, full: bool) -> TurnResult {
        let cap = |text: String, limit: usize| {
            if full {
                text
            } else {
                crate::text::tail(&text, limit)
            }
        };
        let mut commands = Vec::new();
        let mut file_changes = Vec::new();
        for item in &turn.items {
            match item {
                ThreadItem::CommandExecution {
                    command,
                    cwd,
                    status,
                    exit_code,
                    aggregated_output,
                    ..
                } => commands.push(CommandRun {
                    command: command.clone().unwrap_or_default(),
                    cwd: cwd.clone(),
                    status: status.clone().unwrap_or_else(|| "completed".into()),
                    exit_code: *exit_code,
                    output: cap(aggregated_output.clone().unwrap_or_default(), 4_000),
                }),
                ThreadItem::FileChange {
                    changes, status, ..
                } => {
                    for change in changes {
                        file_changes.push(FileChange {
                            path: change.path.clone(),
                            kind: change.kind_word(),
                            status: status.clone().unwrap_or_else(|| "completed".into()),
                            diff: cap(change.diff.clone(), 8_000),
                        });
                    }
                }
                ThreadItem::UserMessage { .. }
                | ThreadItem::AgentMessage { .. }
                | ThreadItem::McpToolCall { .. }
                | ThreadItem::EnteredReviewMode { .. }
                | ThreadItem::ExitedReviewMode { .. }
                | ThreadItem::ContextCompaction { .. }
                | ThreadItem::Other => {}
            }
        }
        let duration_ms = turn
            .duration_ms
            .and_then(|ms| u64::try_from(ms).ok())
            .unwrap_or_default();
        let summary = TurnSummary::from(turn);
        TurnResult {
            thread_id: thread_id.to_string(),
            turn_id: summary.turn_id,
            started_by: summary.started_by,
            status: summary.status,
            text: summary.answer,
            structured: None,
            error: summary.error,
            usage: None,
            duration_ms,
            commands,
            file_changes,
            approvals: Vec::new(),
            progress: None,
            omitted: None,
            text_truncated: false,
            review: None,
        }
    }
}
