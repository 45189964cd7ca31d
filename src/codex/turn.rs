//! One turn, from `turn/start` to `turn/completed`, collected into a result.
//!
//! A turn runs in its own task (the *driver*) that owns the thread's subscription: it folds
//! notifications into a [`TurnState`], hands server requests to the turn's [`Approver`], and
//! publishes every change through a watch channel. Tool calls never drive a turn; they only
//! *watch* it, so a call can return early (`running`), be cancelled, or be picked up again by
//! `codex_wait` without the turn noticing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;

use super::connection::{Subscription, ThreadMessage};
use super::protocol::{ThreadItem, TokenUsageBreakdown, Turn, TurnError, TurnEvent, TurnStatus};
use crate::approval::{self, ApprovalRecord, Approver};

/// Command output kept per command in a result; the tail matters most (errors, summaries).
const MAX_COMMAND_OUTPUT: usize = 4_000;
/// Diff text kept per changed file in a result.
const MAX_DIFF: usize = 8_000;

/// Where a turn is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TurnPhase {
    /// Codex is still working; `codex_wait` picks it up.
    Running,
    Completed,
    Failed,
    Interrupted,
}

/// Token counts for the turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    pub input_tokens: i64,
    pub cached_input_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_output_tokens: i64,
    pub total_tokens: i64,
}

impl Usage {
    fn between(total: &TokenUsageBreakdown, baseline: Option<&TokenUsageBreakdown>) -> Usage {
        let zero = TokenUsageBreakdown::default();
        let base = baseline.unwrap_or(&zero);
        Usage {
            input_tokens: total.input_tokens - base.input_tokens,
            cached_input_tokens: total.cached_input_tokens - base.cached_input_tokens,
            output_tokens: total.output_tokens - base.output_tokens,
            reasoning_output_tokens: total.reasoning_output_tokens - base.reasoning_output_tokens,
            total_tokens: total.total_tokens - base.total_tokens,
        }
    }
}

/// A command Codex ran (or tried to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommandRun {
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// `completed`, `failed`, `declined` or `inProgress`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// The end of the command's output (at most 4,000 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
}

/// A file Codex changed (or proposed to change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileChange {
    pub path: String,
    /// `add`, `delete` or `update`.
    pub kind: String,
    /// `completed`, `failed`, `declined` or `inProgress`.
    pub status: String,
    /// Unified diff (at most 8,000 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub diff: String,
}

/// The result of a turn-running tool call (also `codex-bridge ask --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TurnResult {
    /// Thread to continue with codex_continue_thread.
    pub thread_id: String,
    pub turn_id: String,
    /// `completed`, `failed`, `interrupted`, or `running` (still working: call codex_wait).
    pub status: TurnPhase,
    /// Codex's final answer (while running: the answer so far).
    pub text: String,
    /// The answer parsed as JSON, when an output_schema was given and the answer is JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured: Option<Value>,
    /// What went wrong, for failed or interrupted turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Tokens used by this turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    /// Wall time of the turn so far, in milliseconds.
    pub duration_ms: u64,
    /// Commands Codex ran.
    pub commands: Vec<CommandRun>,
    /// Files Codex changed.
    pub file_changes: Vec<FileChange>,
    /// Every approval Codex asked for, and how it was decided.
    pub approvals: Vec<ApprovalRecord>,
}

/// Mutable state of a turn, folded from its events.
#[derive(Debug)]
struct TurnState {
    phase: TurnPhase,
    /// Agent messages in order: (item id, text). The last one is the answer.
    messages: Vec<(String, String)>,
    commands: Vec<(String, CommandRun)>,
    file_changes: Vec<(String, Vec<FileChange>)>,
    approvals: Vec<ApprovalRecord>,
    usage_total: Option<TokenUsageBreakdown>,
    error: Option<String>,
    duration: Option<Duration>,
    /// A one-line description of the latest activity, for progress notifications.
    activity: String,
}

/// Shared view of one turn: written by its driver, read by any number of waiting calls.
pub struct TurnHandle {
    pub thread_id: String,
    pub turn_id: String,
    started: Instant,
    wants_structured: bool,
    usage_baseline: Option<TokenUsageBreakdown>,
    state: Mutex<TurnState>,
    changed: watch::Sender<u64>,
    finished_at: Mutex<Option<Instant>>,
    /// Set once `turn/interrupt` was sent: the turn is about to end, so a next turn on the
    /// thread waits for that instead of being refused as busy.
    interrupting: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for TurnHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnHandle")
            .field("thread_id", &self.thread_id)
            .field("turn_id", &self.turn_id)
            .finish_non_exhaustive()
    }
}

impl TurnHandle {
    pub fn new(
        thread_id: String,
        turn_id: String,
        wants_structured: bool,
        usage_baseline: Option<TokenUsageBreakdown>,
    ) -> Arc<TurnHandle> {
        let (changed, _) = watch::channel(0);
        Arc::new(TurnHandle {
            thread_id,
            turn_id,
            started: Instant::now(),
            wants_structured,
            usage_baseline,
            state: Mutex::new(TurnState {
                phase: TurnPhase::Running,
                messages: Vec::new(),
                commands: Vec::new(),
                file_changes: Vec::new(),
                approvals: Vec::new(),
                usage_total: None,
                error: None,
                duration: None,
                activity: "turn started".into(),
            }),
            changed,
            finished_at: Mutex::new(None),
            interrupting: std::sync::atomic::AtomicBool::new(false),
        })
    }

    fn update(&self, change: impl FnOnce(&mut TurnState)) {
        change(&mut self.lock());
        self.changed.send_modify(|version| *version += 1);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TurnState> {
        crate::lock::lock(&self.state)
    }

    pub fn phase(&self) -> TurnPhase {
        self.lock().phase
    }

    pub fn is_finished(&self) -> bool {
        self.phase() != TurnPhase::Running
    }

    /// When the turn ended, for expiring kept results.
    pub fn finished_at(&self) -> Option<Instant> {
        *crate::lock::lock(&self.finished_at)
    }

    /// The latest activity line and the length of the answer so far, for progress.
    pub fn progress(&self) -> (String, usize) {
        let state = self.lock();
        let answer_len = state
            .messages
            .last()
            .map_or(0, |(_, text)| text.chars().count());
        (state.activity.clone(), answer_len)
    }

    /// The answer so far (the latest agent message), without copying the rest of the state.
    pub fn answer_text(&self) -> String {
        self.lock()
            .messages
            .last()
            .map(|(_, text)| text.clone())
            .unwrap_or_default()
    }

    /// Subscribe to changes (the value is a version counter).
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Wait until the turn ends or `timeout` passes; true if it ended.
    pub async fn wait(&self, timeout: Duration) -> bool {
        let mut changes = self.watch();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.is_finished() {
                return true;
            }
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        return self.is_finished();
                    }
                }
                () = tokio::time::sleep_until(deadline) => return self.is_finished(),
            }
        }
    }

    pub fn mark_interrupting(&self) {
        self.interrupting
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn is_interrupting(&self) -> bool {
        self.interrupting.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// End a turn as failed without events (registry tests build finished turns this way).
    #[cfg(test)]
    pub fn fail(&self, message: String) {
        self.finish(TurnPhase::Failed, Some(message), None);
    }

    /// The totals Codex reported for the thread, to be the next turn's baseline.
    pub fn usage_total(&self) -> Option<TokenUsageBreakdown> {
        self.lock().usage_total.clone()
    }

    fn finish(&self, phase: TurnPhase, error: Option<String>, duration: Option<Duration>) {
        let mut first = false;
        self.update(|state| {
            if state.phase == TurnPhase::Running {
                first = true;
                state.phase = phase;
                if error.is_some() {
                    state.error = error;
                }
                state.duration = Some(duration.unwrap_or_else(|| self.started.elapsed()));
                state.activity = format!("turn {}", phase_word(phase));
            }
        });
        if first {
            *crate::lock::lock(&self.finished_at) = Some(Instant::now());
        }
    }

    /// A snapshot in the shape tools return.
    pub fn result(&self) -> TurnResult {
        let state = self.lock();
        let text = state
            .messages
            .last()
            .map(|(_, text)| text.clone())
            .unwrap_or_default();
        let structured = if self.wants_structured && state.phase == TurnPhase::Completed {
            serde_json::from_str(&text).ok()
        } else {
            None
        };
        let duration = state.duration.unwrap_or_else(|| self.started.elapsed());
        TurnResult {
            thread_id: self.thread_id.clone(),
            turn_id: self.turn_id.clone(),
            status: state.phase,
            text,
            structured,
            error: state.error.clone(),
            usage: state
                .usage_total
                .as_ref()
                .map(|total| Usage::between(total, self.usage_baseline.as_ref())),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
            commands: state.commands.iter().map(|(_, c)| c.clone()).collect(),
            file_changes: state
                .file_changes
                .iter()
                .flat_map(|(_, changes)| changes.iter().cloned())
                .collect(),
            approvals: state.approvals.clone(),
        }
    }
}

fn phase_word(phase: TurnPhase) -> &'static str {
    match phase {
        TurnPhase::Running => "running",
        TurnPhase::Completed => "completed",
        TurnPhase::Failed => "failed",
        TurnPhase::Interrupted => "interrupted",
    }
}

/// What the driver says when the app-server vanished under a turn.
pub fn connection_lost_message(thread_id: &str, ephemeral: bool, reason: &str) -> String {
    if ephemeral {
        format!(
            "{reason}; the turn on ephemeral thread {thread_id} was lost with the app-server and the thread cannot be continued: start a new one with codex_ask"
        )
    } else {
        format!(
            "{reason}; the turn did not finish. Thread {thread_id} is saved: continue it with codex_continue_thread"
        )
    }
}

/// Drive a turn to its end. Runs in its own task; returns when the turn is over.
pub async fn drive(
    handle: Arc<TurnHandle>,
    mut subscription: Subscription,
    approver: Arc<dyn Approver>,
    ephemeral: bool,
) {
    while let Some(message) = subscription.receiver.recv().await {
        match message {
            ThreadMessage::Event(event) => {
                if event.turn_id().is_some_and(|id| id != handle.turn_id) {
                    // A late event of an earlier turn on this thread: not ours.
                    continue;
                }
                if apply_event(&handle, event) {
                    return;
                }
            }
            ThreadMessage::Request(responder) => {
                let ours = responder
                    .request
                    .turn_id()
                    .is_none_or(|id| id == handle.turn_id);
                if !ours {
                    // Not a turn we run: decline rather than guess on someone's behalf.
                    drop(responder);
                    continue;
                }
                let (kind, subject, _) = approval::describe(&responder.request);
                let item_id = responder.request.str_param("itemId").map(str::to_string);
                let mut details = None;
                handle.update(|state| {
                    state.activity = format!("approval requested ({kind}): {subject}");
                    details = item_id.and_then(|id| diff_of(&state.file_changes, &id));
                });
                let handle = handle.clone();
                let approver = approver.clone();
                // Decided off the event loop: asking a human must not stall the turn's events.
                tokio::spawn(async move {
                    let verdict = approver.decide(&responder.request, details).await;
                    let record = approval::record(&responder.request, verdict.decision, verdict.by);
                    let answer = verdict.answer_to(&responder.request);
                    // Record first: once answered, `turn/completed` may end the turn, and the
                    // result must already list this approval.
                    handle.update(|state| {
                        state.activity =
                            format!("{} {}: {}", record.kind, record.decision, record.subject);
                        state.approvals.push(record);
                    });
                    responder.answer(answer);
                });
            }
            ThreadMessage::Closed(reason) => {
                handle.finish(
                    TurnPhase::Failed,
                    Some(connection_lost_message(
                        &handle.thread_id,
                        ephemeral,
                        &reason,
                    )),
                    None,
                );
                return;
            }
        }
    }
    // The subscription was replaced or closed without a word: treat as lost.
    handle.finish(
        TurnPhase::Failed,
        Some(connection_lost_message(
            &handle.thread_id,
            ephemeral,
            "the bridge stopped receiving this thread's events",
        )),
        None,
    );
}

/// Fold one event into the state. Returns true when the turn is over.
fn apply_event(handle: &TurnHandle, event: TurnEvent) -> bool {
    match event {
        TurnEvent::Started { .. } => {
            handle.update(|state| state.activity = "turn started".into());
            false
        }
        TurnEvent::ItemStarted { item, .. } => {
            handle.update(|state| match item {
                ThreadItem::CommandExecution {
                    id, command, cwd, ..
                } => {
                    let command = command.unwrap_or_default();
                    state.activity = format!("running command: {command}");
                    upsert(
                        &mut state.commands,
                        id,
                        CommandRun {
                            command,
                            cwd,
                            status: "inProgress".into(),
                            exit_code: None,
                            output: String::new(),
                        },
                    );
                }
                ThreadItem::FileChange { id, changes, .. } => {
                    state.activity = format!("changing files: {}", paths(&changes));
                    upsert(
                        &mut state.file_changes,
                        id,
                        file_changes(&changes, "inProgress"),
                    );
                }
                ThreadItem::McpToolCall { server, tool, .. } => {
                    state.activity = format!("calling tool {server}/{tool}");
                }
                ThreadItem::AgentMessage { id, text } => {
                    state.activity = "writing the answer".into();
                    upsert(&mut state.messages, id, text);
                }
                ThreadItem::UserMessage { .. } | ThreadItem::Other => {}
            });
            false
        }
        TurnEvent::ItemCompleted { item, .. } => {
            handle.update(|state| match item {
                ThreadItem::AgentMessage { id, text } => upsert(&mut state.messages, id, text),
                ThreadItem::CommandExecution {
                    id,
                    command,
                    cwd,
                    status,
                    exit_code,
                    aggregated_output,
                } => {
                    let status = status.unwrap_or_else(|| "completed".into());
                    let command = command.unwrap_or_default();
                    state.activity = format!("command {status}: {command}");
                    upsert(
                        &mut state.commands,
                        id,
                        CommandRun {
                            command,
                            cwd,
                            status,
                            exit_code,
                            output: tail(
                                &aggregated_output.unwrap_or_default(),
                                MAX_COMMAND_OUTPUT,
                            ),
                        },
                    );
                }
                ThreadItem::FileChange {
                    id,
                    changes,
                    status,
                } => {
                    let status = status.unwrap_or_else(|| "completed".into());
                    state.activity = format!("file change {status}: {}", paths(&changes));
                    upsert(&mut state.file_changes, id, file_changes(&changes, &status));
                }
                ThreadItem::McpToolCall {
                    server,
                    tool,
                    status,
                    ..
                } => {
                    state.activity = format!(
                        "tool {server}/{tool} {}",
                        status.unwrap_or_else(|| "done".into())
                    );
                }
                ThreadItem::UserMessage { .. } | ThreadItem::Other => {}
            });
            false
        }
        TurnEvent::AgentMessageDelta { item_id, delta, .. } => {
            handle.update(
                |state| match state.messages.iter_mut().find(|(id, _)| *id == item_id) {
                    Some((_, text)) => text.push_str(&delta),
                    None => state.messages.push((item_id, delta)),
                },
            );
            false
        }
        TurnEvent::TokenUsage { usage, .. } => {
            handle.update(|state| state.usage_total = Some(usage.total));
            false
        }
        TurnEvent::Error {
            error, will_retry, ..
        } => {
            handle.update(|state| {
                if will_retry {
                    state.activity = format!("Codex is retrying: {}", error.message);
                } else {
                    state.error = Some(error_text(&error));
                }
            });
            false
        }
        TurnEvent::Completed { turn } => {
            complete(handle, turn);
            true
        }
        TurnEvent::Other { .. } => false,
    }
}

fn complete(handle: &TurnHandle, turn: Turn) {
    // The final items are authoritative where the deltas were partial.
    for item in turn.items {
        if let ThreadItem::AgentMessage { id, text } = item {
            if !text.is_empty() {
                handle.update(|state| upsert(&mut state.messages, id, text));
            }
        }
    }
    let phase = match turn.status {
        Some(TurnStatus::Completed) => TurnPhase::Completed,
        Some(TurnStatus::Interrupted) => TurnPhase::Interrupted,
        Some(TurnStatus::Failed) => TurnPhase::Failed,
        // `turn/completed` always ends the turn; an odd status is reported as a failure.
        Some(TurnStatus::InProgress) | Some(TurnStatus::Unknown) | None => TurnPhase::Failed,
    };
    let error = turn.error.as_ref().map(error_text).or(match phase {
        TurnPhase::Interrupted => Some("the turn was interrupted before it finished".into()),
        TurnPhase::Failed if turn.error.is_none() => {
            Some("Codex reported the turn as failed without a message".into())
        }
        _ => None,
    });
    let duration = turn
        .duration_ms
        .and_then(|ms| u64::try_from(ms).ok())
        .map(Duration::from_millis);
    handle.finish(phase, error, duration);
}

fn error_text(error: &TurnError) -> String {
    match &error.additional_details {
        Some(details) if !details.is_empty() => format!("{} ({details})", error.message),
        _ => error.message.clone(),
    }
}

/// The diff of a file-change item, for an approval prompt.
fn diff_of(changes: &[(String, Vec<FileChange>)], item_id: &str) -> Option<String> {
    let (_, files) = changes.iter().find(|(id, _)| id == item_id)?;
    let text = files
        .iter()
        .map(|file| format!("{} ({})\n{}", file.path, file.kind, file.diff))
        .collect::<Vec<_>>()
        .join("\n");
    (!text.is_empty()).then_some(text)
}

fn upsert<T>(list: &mut Vec<(String, T)>, id: String, value: T) {
    match list.iter_mut().find(|(existing, _)| *existing == id) {
        Some((_, slot)) => *slot = value,
        None => list.push((id, value)),
    }
}

fn file_changes(changes: &[super::protocol::FileUpdateChange], status: &str) -> Vec<FileChange> {
    changes
        .iter()
        .map(|change| FileChange {
            path: change.path.clone(),
            kind: change.kind_label(),
            status: status.to_string(),
            diff: head(&change.diff, MAX_DIFF),
        })
        .collect()
}

fn paths(changes: &[super::protocol::FileUpdateChange]) -> String {
    changes
        .iter()
        .map(|change| change.path.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The last `max` characters, marked when cut.
fn tail(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let cut: String = text.chars().skip(count - max).collect();
    format!("…{cut}")
}

/// The first `max` characters, marked when cut.
fn head(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(method: &str, params: Value) -> TurnEvent {
        TurnEvent::decode(method, params)
    }

    #[test]
    fn folds_a_turn_into_a_result() {
        let handle = TurnHandle::new("t".into(), "u".into(), true, None);
        let steps = [
            event(
                "turn/started",
                json!({"threadId":"t","turn":{"id":"u","items":[],"status":"inProgress"}}),
            ),
            event(
                "item/started",
                json!({"threadId":"t","turnId":"u","item":{"type":"commandExecution","id":"c","command":"ls","cwd":"/w","commandActions":[],"status":"inProgress"}}),
            ),
            event(
                "item/completed",
                json!({"threadId":"t","turnId":"u","item":{"type":"commandExecution","id":"c","command":"ls","cwd":"/w","commandActions":[],"status":"completed","exitCode":0,"aggregatedOutput":"a\nb\n"}}),
            ),
            event(
                "item/agentMessage/delta",
                json!({"threadId":"t","turnId":"u","itemId":"m","delta":"{\"a\":"}),
            ),
            event(
                "item/agentMessage/delta",
                json!({"threadId":"t","turnId":"u","itemId":"m","delta":"1}"}),
            ),
            event(
                "thread/tokenUsage/updated",
                json!({"threadId":"t","turnId":"u","tokenUsage":{"last":{"inputTokens":1,"cachedInputTokens":0,"outputTokens":1,"reasoningOutputTokens":0,"totalTokens":2},"total":{"inputTokens":10,"cachedInputTokens":0,"outputTokens":5,"reasoningOutputTokens":0,"totalTokens":15}}}),
            ),
        ];
        for step in steps {
            assert!(!apply_event(&handle, step));
        }
        let running = handle.result();
        assert_eq!(running.status, TurnPhase::Running);
        assert_eq!(running.text, "{\"a\":1}");
        assert_eq!(running.structured, None, "structured only once completed");
        let done = event(
            "turn/completed",
            json!({"threadId":"t","turn":{"id":"u","status":"completed","items":[],"durationMs":42}}),
        );
        assert!(apply_event(&handle, done));
        let result = handle.result();
        assert_eq!(result.status, TurnPhase::Completed);
        assert_eq!(result.structured, Some(json!({"a":1})));
        assert_eq!(result.duration_ms, 42);
        assert_eq!(result.commands.len(), 1);
        assert_eq!(result.commands[0].exit_code, Some(0));
        assert_eq!(result.usage.as_ref().map(|u| u.total_tokens), Some(15));
    }

    #[test]
    fn failed_turn_keeps_the_error() {
        let handle = TurnHandle::new("t".into(), "u".into(), false, None);
        let done = event(
            "turn/completed",
            json!({"threadId":"t","turn":{"id":"u","status":"failed","items":[],"error":{"message":"boom"}}}),
        );
        assert!(apply_event(&handle, done));
        let result = handle.result();
        assert_eq!(result.status, TurnPhase::Failed);
        assert_eq!(result.error.as_deref(), Some("boom"));
    }

    #[test]
    fn usage_is_relative_to_the_baseline() {
        let base = TokenUsageBreakdown {
            total_tokens: 10,
            ..Default::default()
        };
        let handle = TurnHandle::new("t".into(), "u".into(), false, Some(base));
        apply_event(
            &handle,
            event(
                "thread/tokenUsage/updated",
                json!({"threadId":"t","turnId":"u","tokenUsage":{"last":{"inputTokens":0,"cachedInputTokens":0,"outputTokens":0,"reasoningOutputTokens":0,"totalTokens":0},"total":{"inputTokens":0,"cachedInputTokens":0,"outputTokens":0,"reasoningOutputTokens":0,"totalTokens":25}}}),
            ),
        );
        assert_eq!(handle.result().usage.map(|u| u.total_tokens), Some(15));
    }

    #[test]
    fn long_output_keeps_its_tail() {
        let long = "x".repeat(10) + &"y".repeat(MAX_COMMAND_OUTPUT);
        let cut = tail(&long, MAX_COMMAND_OUTPUT);
        assert!(cut.starts_with('…'));
        assert!(cut.ends_with('y'));
        assert_eq!(cut.chars().count(), MAX_COMMAND_OUTPUT + 1);
    }
}
