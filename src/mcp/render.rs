//! Results and errors as MCP tool results: `structuredContent` (what Claude Code and Codex
//! show the model) plus the same content as readable text (what Gemini and humans read).
//!
//! A failed turn and a bad argument are tool results with `isError: true` and a message a
//! model can act on; only misuse of the protocol itself is a JSON-RPC error.
//!
//! A turn result fits a budget of characters (the operator's `--max-result-chars`, for the
//! text and the structured content together: both carry the answer). Over it, the oldest
//! commands, file changes and approvals are left out first, with counts ([`fit`]); the answer
//! is cut only when it alone is too long. The ids always survive, and the text says where
//! the full record is.

use rmcp::model::{CallToolResult, ContentBlock};
use serde::Serialize;

use crate::bridge::error::BridgeError;
use crate::bridge::results::{
    ApprovalRecord, BrainstormResult, CommandRun, FanoutResult, FileChange, ForkResult,
    InterruptResult, ModelList, Omitted, RevertResult, ThreadHistory, ThreadList, ThreadSummary,
    TurnPhase, TurnResult,
};
use crate::bridge::words::Door;

/// A turn result within `budget` characters; `isError` when the turn failed.
pub fn turn(result: &TurnResult, budget: usize) -> CallToolResult {
    let result = fit(result.clone(), budget);
    let failed = result.status == TurnPhase::Failed;
    structured(&result, turn_text(&result), failed)
}

/// Trim `result` until its text and structured content together hold at most `budget`
/// characters: the oldest entries of the largest list first, then (if the answer alone is
/// too long) the answer.
pub fn fit(mut result: TurnResult, budget: usize) -> TurnResult {
    let size = |result: &TurnResult| chars(&json_text(result)) + chars(&turn_text(result));
    if size(&result) <= budget {
        return result;
    }
    let mut omitted = Omitted::default();
    // The note that says what was left out takes a line of its own.
    let mut total = size(&result) + NOTE;
    let mut costs: [Vec<usize>; 3] = [
        result
            .commands
            .iter()
            .map(|c| entry_cost(c, &command_line(c)))
            .collect(),
        result
            .file_changes
            .iter()
            .map(|f| entry_cost(f, &file_line(f)))
            .collect(),
        result
            .approvals
            .iter()
            .map(|a| entry_cost(a, &approval_line(a)))
            .collect(),
    ];
    while total > budget {
        let sums = costs.each_ref().map(|list| list.iter().sum::<usize>());
        let largest = (0..3).max_by_key(|&list| sums[list]).unwrap_or(0);
        if sums[largest] == 0 {
            break;
        }
        match largest {
            0 => {
                result.commands.remove(0);
                omitted.commands += 1;
            }
            1 => {
                result.file_changes.remove(0);
                omitted.file_changes += 1;
            }
            _ => {
                result.approvals.remove(0);
                omitted.approvals += 1;
            }
        }
        total = total.saturating_sub(costs[largest].remove(0));
    }
    if omitted != Omitted::default() {
        result.omitted = Some(omitted);
    }
    let total = size(&result);
    if total > budget {
        // The answer is in both the text and the structured content.
        let answer = chars(&result.text);
        let rest = total - 2 * answer;
        let keep = budget.saturating_sub(rest + NOTE) / 2;
        result.text = crate::text::head(&result.text, keep);
        result.structured = None;
        result.text_truncated = true;
    }
    result
}

/// Room for the line that says what was trimmed.
const NOTE: usize = 300;

/// What an entry costs: its JSON in the structured content (with a separator) and its line
/// of text.
fn entry_cost<T: Serialize>(entry: &T, line: &str) -> usize {
    chars(&json_text(entry)) + 1 + chars(line)
}

fn json_text<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// A turn the bridge stopped because it is shutting down: an error that says `notice`
/// (which thread, and how to continue it later), with the turn's result, within `budget`.
pub fn shut_down(result: &TurnResult, notice: &str, budget: usize) -> CallToolResult {
    let result = fit(result.clone(), budget.saturating_sub(chars(notice) + 10));
    let text = format!("error: {notice}\n\n{}", turn_text(&result));
    structured(&result, text, true)
}

pub fn list(list: &ThreadList) -> CallToolResult {
    structured(list, list_text(list), false)
}

/// A history within `budget` characters: a full turn in it is trimmed like a turn result.
pub fn history(history: &ThreadHistory, budget: usize) -> CallToolResult {
    let mut history = history.clone();
    if let Some(turn) = history.turn.take() {
        // The full record holds the answer: its summary would only spend the budget twice.
        for summary in &mut history.turns {
            if summary.turn_id == turn.turn_id {
                summary.answer = "(in `turn`)".to_string();
            }
        }
        let mut rest = history.clone();
        rest.turn = None;
        let used = chars(&json_text(&rest)) + chars(&history_text(&rest));
        // The text repeats the outputs and diffs the structured content holds.
        history.turn = Some(fit(turn, budget.saturating_sub(used) / 2));
    }
    structured(&history, history_text(&history), false)
}

/// A thread after a rename, archive or unarchive (`done`: what happened).
pub fn thread(thread: &ThreadSummary, done: &str) -> CallToolResult {
    let text = format!(
        "{done}: thread {}
name: {}
archived: {}
status: {}
",
        thread.id,
        thread.name.as_deref().unwrap_or("-"),
        thread.archived,
        thread.status
    );
    structured(thread, text, false)
}

pub fn reverted(reverted: &RevertResult) -> CallToolResult {
    let text = format!(
        "reverted thread {}: {} turns dropped from its history, {} kept.
Files those turns changed were NOT restored: undo them with git (or ask Codex).
",
        reverted.thread_id, reverted.reverted_turns, reverted.remaining_turns
    );
    structured(reverted, text, false)
}

pub fn models(list: &ModelList) -> CallToolResult {
    let mut text = String::new();
    for model in &list.models {
        let efforts: Vec<&str> = model.efforts.iter().map(|e| e.effort.as_str()).collect();
        text.push_str(&format!(
            "{}{}{}: {} (efforts: {}; default {})\n",
            model.model,
            if model.is_default { " [default]" } else { "" },
            if model.hidden { " [hidden]" } else { "" },
            model.display_name,
            efforts.join(", "),
            model.default_effort.as_deref().unwrap_or("-")
        ));
    }
    if list.models.is_empty() {
        text.push_str("no models\n");
    }
    structured(list, text, false)
}

/// A brainstorm's result within `budget` (the transcript goes first, then the answers'
/// detail).
pub fn brainstorm(result: &BrainstormResult, budget: usize) -> CallToolResult {
    let mut result = result.clone();
    let size = |r: &BrainstormResult| chars(&json_text(r)) + chars(&brainstorm_text(r));
    while size(&result) > budget && !result.transcript.is_empty() {
        result.transcript.remove(0);
    }
    if size(&result) > budget {
        for participant in &mut result.participants {
            participant.key_points.truncate(3);
            participant.risks.truncate(3);
        }
    }
    let failed = result.status == "failed";
    structured(&result, brainstorm_text(&result), failed)
}

/// `codex_interrupt {brainstorm_id}`: the stopped brainstorm, under `brainstorm`.
pub fn stopped_brainstorm(result: &BrainstormResult, budget: usize) -> CallToolResult {
    let mut result = result.clone();
    while chars(&json_text(&result)) + chars(&brainstorm_text(&result)) > budget
        && !result.transcript.is_empty()
    {
        result.transcript.remove(0);
    }
    let text = brainstorm_text(&result);
    let interrupt = InterruptResult {
        turn: None,
        brainstorm: Some(result),
    };
    structured(&interrupt, text, false)
}

fn brainstorm_text(result: &BrainstormResult) -> String {
    let mut out = format!(
        "brainstorm_id: {}\nstatus: {}{}\nrounds: {} of {}{}\n",
        result.brainstorm_id,
        result.status,
        if result.status == "running" {
            " (still debating: call codex_brainstorm with this brainstorm_id)"
        } else {
            ""
        },
        result.rounds_run,
        result.rounds,
        result
            .stop_reason
            .as_deref()
            .map(|reason| format!(" ({reason})"))
            .unwrap_or_default()
    );
    if let Some(activity) = &result.activity {
        out.push_str(&format!("now: {activity}\n"));
    }
    for participant in &result.participants {
        out.push_str(&format!(
            "\nParticipant {} ({}), {}{}{}:\n",
            participant.label,
            participant.role,
            participant.status,
            participant
                .confidence
                .map(|c| format!(", confidence {c:.2}"))
                .unwrap_or_default(),
            if participant.changed_mind {
                ", changed its mind"
            } else {
                ""
            }
        ));
        if let Some(thread_id) = &participant.thread_id {
            out.push_str(&format!("thread_id: {thread_id}\n"));
        }
        if let Some(position) = &participant.position {
            out.push_str(&format!("position: {position}\n"));
        }
        for point in &participant.key_points {
            out.push_str(&format!("- {point}\n"));
        }
        if let Some(error) = &participant.error {
            out.push_str(&format!("error: {error}\n"));
        }
    }
    if let Some(position) = &result.caller_position {
        out.push_str(&format!(
            "\nYour position (taken as a participant): {position}\n"
        ));
    }
    if !result.agreements.is_empty() {
        out.push_str("\nAgreements:\n");
        for agreement in &result.agreements {
            out.push_str(&format!(
                "- {} (support {})\n",
                agreement.point, agreement.support
            ));
        }
    }
    if !result.disagreements.is_empty() {
        out.push_str("\nDisagreements:\n");
        for disagreement in &result.disagreements {
            out.push_str(&format!("- {}\n", disagreement.point));
            for side in &disagreement.sides {
                out.push_str(&format!("  - {}: {}\n", side.view, side.strongest_point));
            }
        }
    }
    if !result.open_questions.is_empty() {
        out.push_str("\nOpen questions:\n");
        for question in &result.open_questions {
            out.push_str(&format!("- {question}\n"));
        }
    }
    if let Some(synthesis) = &result.synthesis {
        out.push_str(&format!("\nRecommendation: {synthesis}\n"));
    }
    for entry in &result.transcript {
        out.push_str(&format!(
            "\n[round {} · {}] {}\n",
            entry.round, entry.participant, entry.position
        ));
        for response in &entry.responses {
            out.push_str(&format!("  > {response}\n"));
        }
    }
    out
}

/// A fan-out's result: each variant's turn trimmed to its share of `budget`.
pub fn fanout(result: &FanoutResult, budget: usize) -> CallToolResult {
    let mut result = result.clone();
    let share = budget / result.variants.len().max(1);
    for variant in &mut result.variants {
        if let Some(turn) = variant.turn.take() {
            variant.turn = Some(fit(turn, share.saturating_sub(400)));
        }
    }
    let mut out = format!(
        "status: {}{}\n",
        result.status,
        if result.status == "running" {
            " (some variants still work: codex_wait each by its thread_id and turn_id)"
        } else {
            ""
        }
    );
    let mut failed = 0;
    for variant in &result.variants {
        out.push_str(&format!("\n=== {}", variant.name));
        if let Some(model) = &variant.model {
            out.push_str(&format!(" · {model}"));
        }
        if let Some(effort) = &variant.effort {
            out.push_str(&format!(" · {effort}"));
        }
        out.push('\n');
        if let Some(error) = &variant.error {
            out.push_str(&format!("error: {error}\n"));
            failed += 1;
        }
        if let Some(turn) = &variant.turn {
            if turn.status == TurnPhase::Failed {
                failed += 1;
            }
            out.push_str(&turn_text(turn));
            out.push('\n');
        }
    }
    let all_failed = failed == result.variants.len();
    structured(&result, out, all_failed)
}

/// A fork, with its first turn (`turn`) when a prompt was given, within `budget`.
pub fn fork(fork: &ForkResult, turn: Option<&TurnResult>, budget: usize) -> CallToolResult {
    let mut fork = fork.clone();
    fork.turn = None;
    let mut text = format!(
        "forked thread {} from {} ({} turns)\nthread_id: {}\n",
        fork.thread_id, fork.forked_from_id, fork.total_turns, fork.thread_id
    );
    if let Some(name) = &fork.name {
        text.push_str(&format!("name: {name}\n"));
    }
    let Some(turn) = turn else {
        return structured(&fork, text, false);
    };
    let used = chars(&json_text(&fork)) + chars(&text);
    let turn = fit(turn.clone(), budget.saturating_sub(used));
    text.push_str("\nfirst turn on the fork:\n");
    text.push_str(&turn_text(&turn));
    let failed = turn.status == TurnPhase::Failed;
    fork.turn = Some(turn);
    structured(&fork, text, failed)
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
    if let Some(who) = &result.started_by {
        out.push_str(&format!("started_by: {who}\n"));
    }
    if let Some(error) = &result.error {
        out.push_str(&format!("error: {error}\n"));
    }
    for command in &result.commands {
        out.push_str(&command_line(command));
    }
    for change in &result.file_changes {
        out.push_str(&file_line(change));
    }
    for approval in &result.approvals {
        out.push_str(&approval_line(approval));
    }
    if let Some(review) = &result.review {
        out.push_str(&format!(
            "review verdict: {}{} ({} findings)\n",
            review
                .overall_correctness
                .as_deref()
                .unwrap_or("none given"),
            review
                .overall_confidence
                .map(|c| format!(", confidence {c:.2}"))
                .unwrap_or_default(),
            review.findings.len()
        ));
        for finding in &review.findings {
            let place = match (&finding.file, finding.line_start, finding.line_end) {
                (Some(file), Some(start), Some(end)) => format!(" {file}:{start}-{end}"),
                (Some(file), _, _) => format!(" {file}"),
                (None, _, _) => String::new(),
            };
            out.push_str(&format!(
                "finding{}{}{}: {}\n",
                finding
                    .priority
                    .map(|p| format!(" P{p}"))
                    .unwrap_or_default(),
                finding
                    .confidence
                    .map(|c| format!(" (confidence {c:.2})"))
                    .unwrap_or_default(),
                place,
                finding.title
            ));
        }
    }
    if result.omitted.is_some() || result.text_truncated {
        let omitted = result.omitted.clone().unwrap_or_default();
        out.push_str(&format!(
            "trimmed to fit the client ({} older commands, {} file changes, {} approvals left out{}); the full record: codex_read_thread {{thread_id: \"{}\", turn_id: \"{}\", detail: \"full\"}}\n",
            omitted.commands,
            omitted.file_changes,
            omitted.approvals,
            if result.text_truncated { ", the answer cut" } else { "" },
            result.thread_id,
            result.turn_id
        ));
    }
    out.push('\n');
    out.push_str(&result.text);
    out
}

fn command_line(command: &CommandRun) -> String {
    format!(
        "command ({}{}): {}\n",
        command.status,
        command
            .exit_code
            .map(|code| format!(", exit {code}"))
            .unwrap_or_default(),
        command.command
    )
}

fn file_line(change: &FileChange) -> String {
    format!(
        "file {} ({}): {}\n",
        change.kind, change.status, change.path
    )
}

fn approval_line(approval: &ApprovalRecord) -> String {
    format!(
        "approval {} -> {} by {}: {}\n",
        approval.kind, approval.decision, approval.decided_by, approval.subject
    )
}

fn list_text(list: &ThreadList) -> String {
    let mut out = String::new();
    for thread in &list.threads {
        out.push_str(&format!(
            "{}  [{}]  {}  {}{}\n",
            thread.id,
            thread.status,
            thread.name.as_deref().unwrap_or("-"),
            crate::text::shorten(&thread.preview.replace('\n', " "), 80),
            thread
                .started_by
                .as_deref()
                .map(|who| format!("  (latest turn by {who})"))
                .unwrap_or_default()
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
        let by = turn
            .started_by
            .as_deref()
            .map(|who| format!(", started by {who}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n--- turn {} ({:?}{by})\n> {}\n{}\n",
            turn.turn_id, turn.status, turn.prompt, turn.answer
        ));
        if let Some(error) = &turn.error {
            out.push_str(&format!("error: {error}\n"));
        }
    }
    if let Some(cursor) = &history.next_cursor {
        out.push_str(&format!("\nolder turns: next_cursor: {cursor}\n"));
    }
    if let Some(turn) = &history.turn {
        out.push_str("\n--- full record\n");
        out.push_str(&turn_text(turn));
        for command in &turn.commands {
            if !command.output.is_empty() {
                out.push_str(&format!("\n$ {}\n{}\n", command.command, command.output));
            }
        }
        for change in &turn.file_changes {
            if !change.diff.is_empty() {
                out.push_str(&format!("\n{}\n", change.diff));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(commands: usize, answer: usize) -> TurnResult {
        TurnResult {
            thread_id: "t".into(),
            turn_id: "u".into(),
            started_by: None,
            status: TurnPhase::Completed,
            text: "a".repeat(answer),
            structured: None,
            error: None,
            usage: None,
            duration_ms: 1,
            commands: (0..commands)
                .map(|n| CommandRun {
                    command: format!("command {n}"),
                    cwd: None,
                    status: "completed".into(),
                    exit_code: Some(0),
                    output: "x".repeat(4_000),
                })
                .collect(),
            file_changes: Vec::new(),
            approvals: Vec::new(),
            progress: None,
            omitted: None,
            text_truncated: false,
            review: None,
        }
    }

    fn size(result: &CallToolResult) -> usize {
        let text: usize = result
            .content
            .iter()
            .filter_map(|block| block.as_text())
            .map(|text| text.text.chars().count())
            .sum();
        text + result
            .structured_content
            .as_ref()
            .map_or(0, |value| value.to_string().chars().count())
    }

    #[test]
    fn results_fit_their_budget_oldest_entries_first() {
        let rendered = turn(&result(12, 100), 20_000);
        assert!(size(&rendered) <= 20_000, "{}", size(&rendered));
        let structured = rendered.structured_content.expect("structured");
        let kept = structured["commands"].as_array().map(Vec::len).unwrap_or(0);
        assert!(kept > 0 && kept < 12, "{kept}");
        assert_eq!(structured["omitted"]["commands"], 12 - kept);
        assert_eq!(
            structured["commands"][kept - 1]["command"],
            "command 11",
            "newest kept"
        );
        let small = turn(&result(1, 10), 20_000);
        assert!(small
            .structured_content
            .expect("s")
            .get("omitted")
            .is_none());
        let long = turn(&result(0, 50_000), 20_000);
        assert!(size(&long) <= 20_000, "{}", size(&long));
        assert_eq!(long.structured_content.expect("s")["text_truncated"], true);
    }
}
