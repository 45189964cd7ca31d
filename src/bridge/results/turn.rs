//! A turn's result: what every turn-running tool returns.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::phase::TurnPhase;
use super::review::ReviewReport;
use crate::bridge::words::Door;
use crate::codex::protocol::TokenUsageBreakdown;
use crate::codex::turn::{
    ApprovalState, CommandState, FileState, PendingView, Problem, TurnHandle, TurnSnapshot,
};

/// Token counts for the turn.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    /// Tokens of input (prompt, history, tool output) the model read.
    pub input_tokens: i64,
    /// Of those, tokens served from the model's cache.
    pub cached_input_tokens: i64,
    /// Tokens the model wrote.
    pub output_tokens: i64,
    /// Of those, tokens of hidden reasoning.
    pub reasoning_output_tokens: i64,
    /// Input plus output.
    pub total_tokens: i64,
}

impl From<TokenUsageBreakdown> for Usage {
    fn from(usage: TokenUsageBreakdown) -> Usage {
        Usage {
            input_tokens: usage.input_tokens,
            cached_input_tokens: usage.cached_input_tokens,
            output_tokens: usage.output_tokens,
            reasoning_output_tokens: usage.reasoning_output_tokens,
            total_tokens: usage.total_tokens,
        }
    }
}

/// A command Codex ran (or tried to).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CommandRun {
    /// The command line.
    pub command: String,
    /// Where it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// `completed`, `failed`, `declined` or `inProgress`.
    pub status: String,
    /// The command's exit code, once it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// The end of the command's output (at most 4,000 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub output: String,
}

impl From<CommandState> for CommandRun {
    fn from(command: CommandState) -> CommandRun {
        CommandRun {
            command: command.command,
            cwd: command.cwd,
            status: command.status,
            exit_code: command.exit_code,
            output: command.output,
        }
    }
}

/// A file Codex changed (or proposed to change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FileChange {
    /// The file's path.
    pub path: String,
    /// `add`, `delete` or `update`.
    pub kind: String,
    /// `completed`, `failed`, `declined` or `inProgress`.
    pub status: String,
    /// Unified diff (at most 8,000 characters).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub diff: String,
}

impl From<FileState> for FileChange {
    fn from(file: FileState) -> FileChange {
        FileChange {
            path: file.path,
            kind: file.kind,
            status: file.status,
            diff: file.diff,
        }
    }
}

/// One entry of a turn result's `approvals` list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApprovalRecord {
    /// `command`, `file_change`, `permissions`, `user_input`, `mcp_elicitation`, `tool_call`, or `other`.
    pub kind: String,
    /// What Codex wanted: the command line, the files, the permissions, the question.
    pub subject: String,
    /// Codex's stated reason, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `accept`, `accept_for_session`, `decline` or `cancel`.
    pub decision: String,
    /// `policy`, `allow_list`, `human`, `timeout`, `turn_ended`, `no_elicitation_support`,
    /// `bridge` (a question nobody but a human could answer) or `other_client` (answered in
    /// another front-end of a shared app-server).
    pub decided_by: String,
}

impl From<ApprovalState> for ApprovalRecord {
    fn from(approval: ApprovalState) -> ApprovalRecord {
        ApprovalRecord {
            kind: approval.summary.kind.to_string(),
            subject: approval.summary.subject,
            reason: approval.summary.reason,
            decision: approval.decision.word().to_string(),
            decided_by: approval.by.word().to_string(),
        }
    }
}

/// The result of a turn-running tool call (also `codex-bridge ask --json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TurnResult {
    /// Thread to continue with codex_continue_thread.
    pub thread_id: String,
    /// This turn (for codex_wait and codex_interrupt).
    pub turn_id: String,
    /// The agent that started this turn: its name in the bridge's token file, or its MCP
    /// client's name (with a short session id when agents share one token). Only it may
    /// interrupt the turn without `force`. Absent when the bridge does not know (a turn
    /// from before the bridge's last restart, or started elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
    /// `completed`, `failed`, `interrupted`, or `running` (still working: call codex_wait).
    pub status: TurnPhase,
    /// Codex's final answer (while running: the answer so far).
    pub text: String,
    /// The answer parsed as JSON, when an output_schema was given and the answer is JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<serde_json::Map<String, Value>>")]
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
    /// While `running` (or when the bridge stopped the turn): what Codex is doing now, to
    /// decide whether to keep waiting or interrupt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<TurnProgress>,
    /// The result was trimmed to fit the client: how many of the oldest entries of each
    /// list were left out. The full record: codex_read_thread with thread_id, turn_id and
    /// detail "full".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omitted: Option<Omitted>,
    /// The answer alone was longer than a result may be, and `text` holds its beginning.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub text_truncated: bool,
    /// For a code review (codex_review): the verdict and the findings, as Codex reported
    /// them. Absent when the reviewer answered in prose (then `text` is the review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewReport>,
}

/// What a trimmed result left out (the oldest entries of each list).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Omitted {
    /// Commands left out.
    pub commands: usize,
    /// File changes left out.
    pub file_changes: usize,
    /// Approvals left out.
    pub approvals: usize,
}

/// What a turn is doing right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TurnProgress {
    /// The latest thing that happened, in a few words.
    pub activity: String,
    /// Seconds since Codex last reported anything about this turn (a long silence with a
    /// notice below usually means Codex cannot reach its model).
    pub idle_seconds: u64,
    /// The latest error or retry notice from Codex while the turn goes on (e.g.
    /// "Reconnecting... waiting for network").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codex_notice: Option<String>,
    /// The last command Codex started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_command: Option<String>,
    /// Approvals and questions waiting for an answer; each is declined at its deadline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending_requests: Vec<PendingRequest>,
}

/// An approval or question waiting for a human.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PendingRequest {
    /// `command`, `file_change`, `permissions`, `mcp_tool_call`, `user_input` or
    /// `mcp_elicitation`.
    pub kind: String,
    /// What Codex wants: the command line, the files, the tool, the question.
    pub subject: String,
    /// Codex's stated reason, when it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Unix seconds when Codex asked.
    pub asked_at: u64,
    /// Seconds left before it is declined unless answered (the owner's next watching call,
    /// such as codex_wait, asks again).
    pub expires_in_seconds: u64,
}

impl From<&PendingView> for PendingRequest {
    fn from(pending: &PendingView) -> PendingRequest {
        PendingRequest {
            kind: pending.summary.kind.to_string(),
            subject: pending.summary.subject.clone(),
            reason: pending.summary.reason.clone(),
            asked_at: unix_seconds(pending.asked_at),
            expires_in_seconds: pending
                .deadline
                .saturating_duration_since(Instant::now())
                .as_secs(),
        }
    }
}

impl From<&TurnSnapshot> for TurnProgress {
    fn from(snapshot: &TurnSnapshot) -> TurnProgress {
        TurnProgress {
            activity: snapshot.activity.latest.clone(),
            idle_seconds: snapshot.activity.last_event.elapsed().as_secs(),
            codex_notice: snapshot.activity.notice.clone(),
            last_command: snapshot.activity.last_command.clone(),
            pending_requests: snapshot.pending.iter().map(PendingRequest::from).collect(),
        }
    }
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or_default()
}

impl TurnResult {
    /// The result of a turn this bridge holds, as it is now.
    pub fn of(handle: &TurnHandle, door: Door) -> TurnResult {
        TurnResult::from_snapshot(handle.snapshot(), door)
    }

    pub fn from_snapshot(snapshot: TurnSnapshot, door: Door) -> TurnResult {
        let status = TurnPhase::from(snapshot.phase);
        let structured = if snapshot.wants_structured && status == TurnPhase::Completed {
            serde_json::from_str(&snapshot.answer).ok()
        } else {
            None
        };
        let progress = (status == TurnPhase::Running).then(|| TurnProgress::from(&snapshot));
        let error = snapshot
            .problem
            .map(|problem| problem_text(problem, &snapshot.thread_id, door));
        TurnResult {
            thread_id: snapshot.thread_id,
            turn_id: snapshot.turn_id,
            started_by: snapshot.started_by,
            status,
            text: snapshot.answer,
            structured,
            error,
            usage: snapshot.usage.map(Usage::from),
            duration_ms: u64::try_from(snapshot.duration.as_millis()).unwrap_or(u64::MAX),
            commands: snapshot
                .commands
                .into_iter()
                .map(CommandRun::from)
                .collect(),
            file_changes: snapshot
                .file_changes
                .into_iter()
                .map(FileChange::from)
                .collect(),
            approvals: snapshot
                .approvals
                .into_iter()
                .map(ApprovalRecord::from)
                .collect(),
            progress,
            omitted: None,
            text_truncated: false,
            review: None,
        }
    }
}

/// What went wrong, in the door's words where the caller must act.
fn problem_text(problem: Problem, thread_id: &str, door: Door) -> String {
    match problem {
        Problem::Message(message) => message,
        Problem::ConnectionLost {
            reason,
            ephemeral: true,
        } => format!(
            "{reason}; the turn on ephemeral thread {thread_id} was lost with the app-server and the thread cannot be continued: start a new one with {}",
            door.start_thread()
        ),
        Problem::ConnectionLost {
            reason,
            ephemeral: false,
        } => format!(
            "{reason}; the turn did not finish. Thread {thread_id} is saved: continue it with {}",
            door.continue_thread(thread_id)
        ),
    }
}
