//! Result types of the thread tools, and the readable-text rendering of every result.
//!
//! Clients such as Claude Code show the model `structuredContent` instead of the text, so
//! each structured result carries everything (ids, status, answer); the text copy is for
//! clients and humans that only read text.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codex::protocol::{Thread, ThreadItem, Turn, TurnStatus};
use crate::codex::turn::{TurnPhase, TurnResult};

/// One thread in a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadSummary {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Usually the first message of the thread.
    pub preview: String,
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
}

impl From<Thread> for ThreadSummary {
    fn from(thread: Thread) -> ThreadSummary {
        let status = thread.status_label().to_string();
        ThreadSummary {
            id: thread.id,
            name: thread.name,
            preview: thread.preview,
            cwd: thread.cwd,
            created_at: thread.created_at,
            updated_at: thread.updated_at,
            status,
        }
    }
}

/// A page of threads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadList {
    pub threads: Vec<ThreadSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// One turn of a thread's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TurnSummary {
    pub turn_id: String,
    /// `completed`, `failed`, `interrupted` or `running`.
    pub status: TurnPhase,
    /// What was asked.
    pub prompt: String,
    /// Codex's final answer.
    pub answer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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
                ThreadItem::CommandExecution { .. }
                | ThreadItem::FileChange { .. }
                | ThreadItem::McpToolCall { .. }
                | ThreadItem::Other => {}
            }
        }
        TurnSummary {
            turn_id: turn.id,
            status: match turn.status {
                Some(TurnStatus::Completed) => TurnPhase::Completed,
                Some(TurnStatus::Interrupted) => TurnPhase::Interrupted,
                Some(TurnStatus::Failed) | Some(TurnStatus::Unknown) => TurnPhase::Failed,
                Some(TurnStatus::InProgress) | None => TurnPhase::Running,
            },
            prompt: prompt.join("\n"),
            answer,
            error: turn.error.map(|error| error.message),
        }
    }
}

/// A thread's history, oldest turn first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ThreadHistory {
    pub thread_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    pub status: String,
    /// Turns in the thread in all (the list may hold only the last `limit`).
    pub total_turns: usize,
    pub turns: Vec<TurnSummary>,
}

/// A turn result as plain text.
pub fn render_turn(result: &TurnResult) -> String {
    let status = match result.status {
        TurnPhase::Running => "running (Codex is still working; call codex_wait with these ids)",
        TurnPhase::Completed => "completed",
        TurnPhase::Failed => "failed",
        TurnPhase::Interrupted => "interrupted",
    };
    let mut out = format!(
        "status: {status}\nthread_id: {}\nturn_id: {}\n",
        result.thread_id, result.turn_id
    );
    if let Some(error) = &result.error {
        out.push_str(&format!("error: {error}\n"));
    }
    for command in &result.commands {
        out.push_str(&format!(
            "command ({}{}): {}\n",
            command.status,
            command
                .exit_code
                .map(|code| format!(", exit {code}"))
                .unwrap_or_default(),
            command.command
        ));
    }
    for change in &result.file_changes {
        out.push_str(&format!(
            "file {} ({}): {}\n",
            change.kind, change.status, change.path
        ));
    }
    for approval in &result.approvals {
        out.push_str(&format!(
            "approval {} -> {} by {}: {}\n",
            approval.kind, approval.decision, approval.decided_by, approval.subject
        ));
    }
    out.push('\n');
    out.push_str(&result.text);
    out
}

pub fn render_list(list: &ThreadList) -> String {
    let mut out = String::new();
    for thread in &list.threads {
        out.push_str(&format!(
            "{}  [{}]  {}  {}\n",
            thread.id,
            thread.status,
            thread.name.as_deref().unwrap_or("-"),
            crate::text::shorten(&thread.preview.replace('\n', " "), 80)
        ));
    }
    if list.threads.is_empty() {
        out.push_str("no threads\n");
    }
    if let Some(cursor) = &list.next_cursor {
        out.push_str(&format!("next_cursor: {cursor}\n"));
    }
    out
}

pub fn render_history(history: &ThreadHistory) -> String {
    let mut out = format!(
        "thread_id: {}\nstatus: {}\nturns: {} of {}\n",
        history.thread_id,
        history.status,
        history.turns.len(),
        history.total_turns
    );
    for turn in &history.turns {
        out.push_str(&format!(
            "\n--- turn {} ({:?})\n> {}\n{}\n",
            turn.turn_id, turn.status, turn.prompt, turn.answer
        ));
        if let Some(error) = &turn.error {
            out.push_str(&format!("error: {error}\n"));
        }
    }
    out
}
