//! Results and errors as MCP tool results: `structuredContent` (what Claude Code and Codex
//! show the model) plus the same content as readable text (what Gemini and humans read).
//!
//! A failed turn and a bad argument are tool results with `isError: true` and a message a
//! model can act on; only misuse of the protocol itself is a JSON-RPC error.

use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;

use crate::bridge::error::BridgeError;
use crate::bridge::results::{ThreadHistory, ThreadList, TurnPhase, TurnResult};
use crate::bridge::words::Door;

/// A turn result; `isError` when the turn failed.
pub fn turn(result: &TurnResult) -> CallToolResult {
    let failed = result.status == TurnPhase::Failed;
    structured(result, turn_text(result), failed)
}

pub fn list(list: &ThreadList) -> CallToolResult {
    structured(list, list_text(list), false)
}

pub fn history(history: &ThreadHistory) -> CallToolResult {
    structured(history, history_text(history), false)
}

/// A tool-level error a model can act on (not a JSON-RPC error).
pub fn error(error: &BridgeError) -> CallToolResult {
    error_text(&error.describe(Door::Mcp))
}

/// A tool-level error from a message already worded for MCP.
pub fn error_text(message: &str) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(format!("error: {message}"))])
}

fn structured<T: Serialize>(value: &T, text: String, is_error: bool) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = serde_json::to_value(value).ok();
    result.is_error = Some(is_error);
    result
}

/// A turn result as plain text.
pub fn turn_text(result: &TurnResult) -> String {
    let status = match result.status {
        TurnPhase::Running => "running (Codex is still working; call codex_wait with these ids)",
        TurnPhase::Completed | TurnPhase::Failed | TurnPhase::Interrupted => result.status.word(),
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

fn list_text(list: &ThreadList) -> String {
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

fn history_text(history: &ThreadHistory) -> String {
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
