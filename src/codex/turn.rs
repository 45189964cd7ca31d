//! One turn, from `turn/start` to `turn/completed`, folded into a state any number of
//! watchers can read.
//!
//! A turn runs in its own task (the *driver*, [`drive`]) that owns the thread's
//! subscription: it folds notifications into the turn's state, has the turn's [`Approver`]
//! rule on each server request, and signals every change on a watch channel
//! ([`TurnHandle::changes`]). Callers never drive a turn; they only read it, so a call can
//! return early, be cancelled, or be picked up again later without the turn noticing.
//!
//! A request the approver leaves to a human stays *pending* on the turn ([`PendingView`]):
//! the calls that watch the turn ask the human and [`TurnHandle::resolve`] it; at its
//! deadline it is declined (`timeout`), and whatever is still pending when the turn ends is
//! declined (`turn_ended`). A request is never left unanswered.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tokio::sync::watch;

use super::approver::{
    self, Approver, DecidedBy, Decision, Question, RequestSummary, Ruling, Verdict,
};
use super::connection::{Responder, ThreadDriver, ThreadMessage};
use super::protocol::{
    FileUpdateChange, ThreadItem, TokenUsageBreakdown, Turn, TurnEvent, TurnStatus,
};

/// Command output kept per command: a memory bound, keeping the end (errors, summaries).
/// The full output stays in the thread's history on the app-server.
pub const MAX_COMMAND_OUTPUT: usize = 4_000;
/// Diff text kept per changed file, likewise.
pub const MAX_DIFF: usize = 8_000;

/// Where a turn is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    Completed,
    Failed,
    Interrupted,
}

/// Why a turn did not complete, as far as the bridge knows.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Codex's own words (a model failure, an interruption...).
    Message(String),
    /// The app-server connection ended under the turn: it did not finish.
    ConnectionLost { reason: String, ephemeral: bool },
}

/// A command Codex ran (or tried to).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandState {
    pub command: String,
    pub cwd: Option<String>,
    /// `completed`, `failed`, `declined` or `inProgress`.
    pub status: String,
    pub exit_code: Option<i64>,
    /// The end of the output (at most [`MAX_COMMAND_OUTPUT`] characters, marked when cut).
    pub output: String,
}

/// A file Codex changed (or proposed to change).
#[derive(Debug, Clone, PartialEq)]
pub struct FileState {
    pub path: String,
    /// `add`, `delete` or `update`.
    pub kind: String,
    /// `completed`, `failed`, `declined` or `inProgress`.
    pub status: String,
    /// Unified diff (at most [`MAX_DIFF`] characters, marked when cut).
    pub diff: String,
}

/// A server request of the turn and how it was decided.
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalState {
    pub summary: RequestSummary,
    pub decision: Decision,
    pub by: DecidedBy,
}

/// A server request waiting for a human, as callers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingView {
    /// The bridge's key for it (stable while it is pending).
    pub key: u64,
    pub summary: RequestSummary,
    pub question: Question,
    /// When Codex asked.
    pub asked_at: SystemTime,
    /// When it is declined unless a human answers first.
    pub deadline: Instant,
    /// A watching call is asking the human right now.
    pub claimed: bool,
}

/// What a running turn is doing, for a caller deciding whether to wait or interrupt.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// The latest thing that happened, in a few words.
    pub latest: String,
    /// When the app-server last reported anything about this turn.
    pub last_event: Instant,
    /// The latest error or retry notice Codex sent while the turn goes on (e.g.
    /// "Reconnecting... waiting for network"); cleared once the turn moves on.
    pub notice: Option<String>,
    /// The last command Codex started.
    pub last_command: Option<String>,
}

/// A copy of a turn's state at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnSnapshot {
    pub thread_id: String,
    pub turn_id: String,
    /// Who started the turn, if anyone was named ([`TurnHandle::started_by`]).
    pub started_by: Option<String>,
    pub phase: Phase,
    /// The final answer (while running: the latest agent message so far).
    pub answer: String,
    /// The turn was given an output schema.
    pub wants_structured: bool,
    pub problem: Option<Problem>,
    /// Tokens of this turn (Codex reports thread totals; the previous turn's are subtracted).
    pub usage: Option<TokenUsageBreakdown>,
    pub duration: Duration,
    pub commands: Vec<CommandState>,
    pub file_changes: Vec<FileState>,
    pub approvals: Vec<ApprovalState>,
    /// Requests waiting for a human.
    pub pending: Vec<PendingView>,
    pub activity: Activity,
}

/// A request waiting for a human, with the slot its answer goes to.
#[derive(Debug)]
struct Pending {
    view: PendingView,
    /// The watching call asking for it right now.
    claimed_by: Option<u64>,
    responder: Responder,
}

/// Mutable state of a turn, folded from its events.
#[derive(Debug)]
struct State {
    phase: Phase,
    /// Agent messages in order: (item id, text). The last one is the answer.
    messages: Vec<(String, String)>,
    commands: Vec<(String, CommandState)>,
    file_changes: Vec<(String, Vec<FileState>)>,
    approvals: Vec<ApprovalState>,
    usage_total: Option<TokenUsageBreakdown>,
    problem: Option<Problem>,
    duration: Option<Duration>,
    /// A one-line description of the latest activity, for progress.
    activity: String,
    last_event: Instant,
    notice: Option<String>,
    last_command: Option<String>,
    pending: Vec<Pending>,
}

/// What a turn is for: the kinds whose results differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnKind {
    /// A prompt's turn (`turn/start`).
    Prompt,
    /// A code review (`review/start`): its findings are read from the review sub-agent.
    Review,
    /// A compaction of the history (`thread/compact/start`).
    Compaction,
}

/// Shared view of one turn: written by its driver, read by any number of callers.
pub struct TurnHandle {
    pub thread_id: String,
    pub turn_id: String,
    pub kind: TurnKind,
    /// Who started the turn: an opaque name the caller of [`super::client::CodexClient`]
    /// gave in its [`super::client::TurnRequest`] (the bridge uses the calling agent's
    /// name); `None` when nobody was named. Set once, right after the turn starts.
    started_by: std::sync::OnceLock<String>,
    started: Instant,
    wants_structured: bool,
    usage_baseline: Option<TokenUsageBreakdown>,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    finished_at: Mutex<Option<Instant>>,
    /// Set once `turn/interrupt` was sent: the turn is about to end, so a next turn on the
    /// thread waits for that instead of being refused as busy.
    interrupting: AtomicBool,
    /// Set once the driver is done with the thread after the turn ended (on a shared
    /// app-server: unsubscribed): the thread's next turn waits for it.
    settled: AtomicBool,
    /// A watcher wants to hear of the next growth of the answer ([`TurnHandle::want_text`]).
    /// Streamed text changes the state without a signal otherwise: a turn of 20,000
    /// deltas would wake every watcher 20,000 times to report a few progress lines.
    text_wanted: AtomicBool,
    next_pending_key: AtomicU64,
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
    /// A prompt's turn.
    pub fn new(
        thread_id: String,
        turn_id: String,
        wants_structured: bool,
        usage_baseline: Option<TokenUsageBreakdown>,
    ) -> Arc<TurnHandle> {
        TurnHandle::of_kind(
            TurnKind::Prompt,
            thread_id,
            turn_id,
            wants_structured,
            usage_baseline,
        )
    }

    pub fn of_kind(
        kind: TurnKind,
        thread_id: String,
        turn_id: String,
        wants_structured: bool,
        usage_baseline: Option<TokenUsageBreakdown>,
    ) -> Arc<TurnHandle> {
        let (changed, _) = watch::channel(0);
        Arc::new(TurnHandle {
            thread_id,
            turn_id,
            kind,
            started_by: std::sync::OnceLock::new(),
            started: Instant::now(),
            wants_structured,
            usage_baseline,
            state: Mutex::new(State {
                phase: Phase::Running,
                messages: Vec::new(),
                commands: Vec::new(),
                file_changes: Vec::new(),
                approvals: Vec::new(),
                usage_total: None,
                problem: None,
                duration: None,
                activity: "turn started".into(),
                last_event: Instant::now(),
                notice: None,
                last_command: None,
                pending: Vec::new(),
            }),
            changed,
            finished_at: Mutex::new(None),
            interrupting: AtomicBool::new(false),
            settled: AtomicBool::new(false),
            text_wanted: AtomicBool::new(true),
            next_pending_key: AtomicU64::new(1),
        })
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut self.lock());
        self.changed.send_modify(|version| *version += 1);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::lock::lock(&self.state)
    }

    /// Who started the turn (see the field), if anyone was named.
    pub fn started_by(&self) -> Option<&str> {
        self.started_by.get().map(String::as_str)
    }

    /// Name who started the turn; the first name given stays.
    pub fn set_started_by(&self, who: String) {
        let _ = self.started_by.set(who);
    }

    pub fn phase(&self) -> Phase {
        self.lock().phase
    }

    pub fn is_finished(&self) -> bool {
        self.phase() != Phase::Running
    }

    /// When the turn ended, for expiring kept turns.
    pub fn finished_at(&self) -> Option<Instant> {
        *crate::lock::lock(&self.finished_at)
    }

    /// About how many bytes of text the turn holds (its messages, commands' output and
    /// diffs): what keeping it after it ended costs.
    pub fn text_bytes(&self) -> usize {
        let state = self.lock();
        let messages: usize = state.messages.iter().map(|(_, text)| text.len()).sum();
        let commands: usize = state
            .commands
            .iter()
            .map(|(_, command)| command.command.len() + command.output.len())
            .sum();
        let files: usize = state
            .file_changes
            .iter()
            .flat_map(|(_, files)| files)
            .map(|file| file.path.len() + file.diff.len())
            .sum();
        messages + commands + files
    }

    /// The latest activity line and the length of the answer so far (characters).
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

    /// Changes of the turn (the value is a version counter). Every change is signalled but
    /// the growth of the answer, which is signalled once after each [`TurnHandle::want_text`].
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Signal the next growth of the answer on [`TurnHandle::changes`] (once: a watcher
    /// that wants more asks again after reading it).
    pub fn want_text(&self) {
        self.text_wanted.store(true, Ordering::Release);
    }

    /// Wait until the turn ends or `timeout` passes; true if it ended.
    pub async fn wait(&self, timeout: Duration) -> bool {
        let mut changes = self.changes();
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

    /// The driver let go of the thread after the turn ended.
    pub fn settle(&self) {
        self.settled.store(true, Ordering::Release);
        self.changed.send_modify(|version| *version += 1);
    }

    /// Wait until [`TurnHandle::settle`] or `timeout`; true if settled.
    pub async fn wait_settled(&self, timeout: Duration) -> bool {
        let mut changes = self.changes();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.settled.load(Ordering::Acquire) {
                return true;
            }
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        return self.settled.load(Ordering::Acquire);
                    }
                }
                () = tokio::time::sleep_until(deadline) => return self.settled.load(Ordering::Acquire),
            }
        }
    }

    pub fn mark_interrupting(&self) {
        self.interrupting.store(true, Ordering::Relaxed);
    }

    pub fn is_interrupting(&self) -> bool {
        self.interrupting.load(Ordering::Relaxed)
    }

    /// End a turn as failed without events (registry tests build finished turns this way).
    #[cfg(test)]
    pub fn fail(&self, message: String) {
        self.finish(Phase::Failed, Some(Problem::Message(message)), None);
        self.settle();
    }

    /// The totals Codex reported for the thread, to be the next turn's baseline.
    pub fn usage_total(&self) -> Option<TokenUsageBreakdown> {
        self.lock().usage_total.clone()
    }

    fn finish(&self, phase: Phase, problem: Option<Problem>, duration: Option<Duration>) {
        // Whatever still waits for a human is answered as the turn ends.
        let keys: Vec<u64> = self.lock().pending.iter().map(|p| p.view.key).collect();
        for key in keys {
            self.resolve(key, Verdict::new(Decision::Decline, DecidedBy::TurnEnded));
        }
        let mut first = false;
        self.update(|state| {
            if state.phase == Phase::Running {
                first = true;
                state.phase = phase;
                if problem.is_some() {
                    state.problem = problem;
                }
                state.duration = Some(duration.unwrap_or_else(|| self.started.elapsed()));
                state.activity = format!("turn {}", phase_word(phase));
            }
        });
        if first {
            *crate::lock::lock(&self.finished_at) = Some(Instant::now());
        }
    }

    /// The requests waiting for a human.
    pub fn pending(&self) -> Vec<PendingView> {
        self.lock()
            .pending
            .iter()
            .map(|pending| pending.view.clone())
            .collect()
    }

    /// Mark a pending request as being asked by `watcher`; false if another watcher is
    /// asking already (or it is no longer pending).
    pub fn claim(&self, key: u64, watcher: u64) -> bool {
        let mut claimed = false;
        self.update(|state| {
            if let Some(pending) = state.pending.iter_mut().find(|p| p.view.key == key) {
                if pending.claimed_by.is_none() {
                    pending.claimed_by = Some(watcher);
                    pending.view.claimed = true;
                    claimed = true;
                }
            }
        });
        claimed
    }

    /// `watcher` stopped asking: the request is free for the next watching call.
    pub fn release(&self, key: u64, watcher: u64) {
        self.update(|state| {
            if let Some(pending) = state
                .pending
                .iter_mut()
                .find(|p| p.view.key == key && p.claimed_by == Some(watcher))
            {
                pending.claimed_by = None;
                pending.view.claimed = false;
            }
        });
    }

    /// Decide a pending request: record it, answer Codex. False when it was no longer
    /// pending (decided by its deadline, the turn's end or another client meanwhile): a late
    /// answer is ignored.
    pub fn resolve(&self, key: u64, verdict: Verdict) -> bool {
        let mut taken = None;
        self.update(|state| {
            let Some(index) = state.pending.iter().position(|p| p.view.key == key) else {
                return;
            };
            let pending = state.pending.remove(index);
            let summary = pending.view.summary.clone();
            state.activity = format!(
                "{} {}: {}",
                summary.kind,
                verdict.decision.word(),
                summary.subject
            );
            state.approvals.push(ApprovalState {
                summary,
                decision: verdict.decision,
                by: verdict.by,
            });
            taken = Some(pending.responder);
        });
        // Recorded before answering: once answered, `turn/completed` may end the turn, and
        // the result must already list this decision.
        match taken {
            Some(responder) => {
                let answer = verdict.answer_to(&responder.request);
                responder.answer(answer);
                true
            }
            None => false,
        }
    }

    /// Decide a request at once (no human involved).
    fn decide_now(&self, responder: Responder, summary: RequestSummary, verdict: Verdict) {
        let answer = verdict.answer_to(&responder.request);
        self.update(|state| {
            state.activity = format!(
                "{} {}: {}",
                summary.kind,
                verdict.decision.word(),
                summary.subject
            );
            state.approvals.push(ApprovalState {
                summary,
                decision: verdict.decision,
                by: verdict.by,
            });
        });
        responder.answer(answer);
    }

    /// Keep a request pending for a human until `timeout` passes.
    fn add_pending(
        self: &Arc<Self>,
        responder: Responder,
        summary: RequestSummary,
        question: Question,
        timeout: Duration,
    ) {
        let key = self.next_pending_key.fetch_add(1, Ordering::Relaxed);
        let deadline = Instant::now() + timeout;
        self.update(|state| {
            state.activity = format!(
                "waiting for a human ({}): {}",
                summary.kind, summary.subject
            );
            state.pending.push(Pending {
                view: PendingView {
                    key,
                    summary,
                    question,
                    asked_at: SystemTime::now(),
                    deadline,
                    claimed: false,
                },
                claimed_by: None,
                responder,
            });
        });
        let turn: Weak<TurnHandle> = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep_until(deadline.into()).await;
            if let Some(turn) = turn.upgrade() {
                turn.resolve(key, Verdict::new(Decision::Decline, DecidedBy::Timeout));
            }
        });
    }

    /// A request the app-server says was answered (or cleared) by someone else.
    fn resolved_elsewhere(&self, request_id: &Value) {
        let interrupting = self.is_interrupting();
        self.update(|state| {
            let Some(index) = state
                .pending
                .iter()
                .position(|p| &p.responder.request.id == request_id)
            else {
                return;
            };
            let pending = state.pending.remove(index);
            // Its answer was given elsewhere: answering again would be noise.
            pending.responder.forget();
            // The app-server clears a pending request itself when the turn is interrupted.
            let by = if interrupting {
                DecidedBy::TurnEnded
            } else {
                DecidedBy::OtherClient
            };
            state.approvals.push(ApprovalState {
                summary: pending.view.summary,
                decision: Decision::Decline,
                by,
            });
        });
    }

    /// A copy of the turn as it is now.
    pub fn snapshot(&self) -> TurnSnapshot {
        let state = self.lock();
        TurnSnapshot {
            thread_id: self.thread_id.clone(),
            turn_id: self.turn_id.clone(),
            started_by: self.started_by().map(str::to_string),
            phase: state.phase,
            answer: state
                .messages
                .last()
                .map(|(_, text)| text.clone())
                .unwrap_or_default(),
            wants_structured: self.wants_structured,
            problem: state.problem.clone(),
            usage: state
                .usage_total
                .as_ref()
                .map(|total| usage_between(total, self.usage_baseline.as_ref())),
            duration: state.duration.unwrap_or_else(|| self.started.elapsed()),
            commands: state.commands.iter().map(|(_, c)| c.clone()).collect(),
            file_changes: state
                .file_changes
                .iter()
                .flat_map(|(_, changes)| changes.iter().cloned())
                .collect(),
            approvals: state.approvals.clone(),
            pending: state
                .pending
                .iter()
                .map(|pending| pending.view.clone())
                .collect(),
            activity: Activity {
                latest: state.activity.clone(),
                last_event: state.last_event,
                notice: state.notice.clone(),
                last_command: state.last_command.clone(),
            },
        }
    }
}

fn usage_between(
    total: &TokenUsageBreakdown,
    baseline: Option<&TokenUsageBreakdown>,
) -> TokenUsageBreakdown {
    let zero = TokenUsageBreakdown::default();
    let base = baseline.unwrap_or(&zero);
    TokenUsageBreakdown {
        input_tokens: total.input_tokens - base.input_tokens,
        cached_input_tokens: total.cached_input_tokens - base.cached_input_tokens,
        output_tokens: total.output_tokens - base.output_tokens,
        reasoning_output_tokens: total.reasoning_output_tokens - base.reasoning_output_tokens,
        total_tokens: total.total_tokens - base.total_tokens,
    }
}

fn phase_word(phase: Phase) -> &'static str {
    match phase {
        Phase::Running => "running",
        Phase::Completed => "completed",
        Phase::Failed => "failed",
        Phase::Interrupted => "interrupted",
    }
}

/// Drives a turn to its end: the thread's [`ThreadDriver`] while the turn runs, fed by the
/// connection's reader as each message arrives. It folds events into the turn's state, has
/// the turn's [`Approver`] rule on each server request, and runs `on_end` once the turn is
/// over (however it ends: completed, the connection closed, or the driver dropped).
pub struct TurnDriver {
    handle: Arc<TurnHandle>,
    approver: Arc<dyn Approver>,
    /// The thread ends with the app-server (said when the connection is lost).
    ephemeral: bool,
    on_end: Option<Box<dyn FnOnce() + Send>>,
}

impl TurnDriver {
    pub fn new(
        handle: Arc<TurnHandle>,
        approver: Arc<dyn Approver>,
        ephemeral: bool,
        on_end: Box<dyn FnOnce() + Send>,
    ) -> TurnDriver {
        TurnDriver {
            handle,
            approver,
            ephemeral,
            on_end: Some(on_end),
        }
    }

    fn lost(&self, reason: String) -> Problem {
        Problem::ConnectionLost {
            reason,
            ephemeral: self.ephemeral,
        }
    }

    fn end(&mut self) {
        if let Some(on_end) = self.on_end.take() {
            on_end();
        }
    }

    /// Take one message; true once the turn is over.
    fn take(&mut self, message: ThreadMessage) -> bool {
        let handle = &self.handle;
        match message {
            ThreadMessage::Event(event) => {
                if event.turn_id().is_some_and(|id| id != handle.turn_id) {
                    // A late event of an earlier turn on this thread: not ours.
                    return false;
                }
                apply_event(handle, event)
            }
            ThreadMessage::Request(responder) => {
                let ours = responder
                    .request
                    .turn_id()
                    .is_none_or(|id| id == handle.turn_id);
                if !ours {
                    // Not a turn we run: never answered on its owner's behalf.
                    responder.not_ours();
                    return false;
                }
                let summary = approver::describe(&responder.request);
                match self.approver.rule(&responder.request, &summary) {
                    Ruling::Now(verdict) => handle.decide_now(responder, summary, verdict),
                    Ruling::Ask { timeout } => {
                        let question = match approver::form_for(&responder.request) {
                            Some(form) if !approver::is_approval(&responder.request.kind) => {
                                Question::Form(form)
                            }
                            _ => {
                                let item_id = responder.request.str_param("itemId");
                                let details =
                                    item_id.and_then(|id| diff_of(&handle.lock().file_changes, id));
                                Question::Approval {
                                    summary: summary.clone(),
                                    details,
                                }
                            }
                        };
                        handle.add_pending(responder, summary, question, timeout);
                    }
                }
                false
            }
            ThreadMessage::Closed(reason) => {
                handle.finish(Phase::Failed, Some(self.lost(reason)), None);
                true
            }
        }
    }
}

impl ThreadDriver for TurnDriver {
    fn on_message(&mut self, message: ThreadMessage) -> bool {
        let over = self.take(message);
        if over {
            self.end();
        }
        over
    }
}

impl Drop for TurnDriver {
    /// Dropped before its turn ended (its subscription was replaced, or the connection was
    /// dropped without a word): the turn is lost.
    fn drop(&mut self) {
        if self.on_end.is_some() {
            let problem = self.lost("the bridge stopped receiving this thread's events".into());
            self.handle.finish(Phase::Failed, Some(problem), None);
            self.end();
        }
    }
}

/// A finished turn whose answer is `text` (for tests of what keeping turns costs).
#[cfg(test)]
pub(crate) fn finished_with_answer(thread: &str, turn: &str, text: &str) -> Arc<TurnHandle> {
    let handle = TurnHandle::new(thread.into(), turn.into(), false, None);
    apply_event(
        &handle,
        TurnEvent::AgentMessageDelta {
            turn_id: turn.into(),
            item_id: "answer".into(),
            delta: text.into(),
        },
    );
    handle.fail("done".into());
    handle
}

/// Fold one event into the state. Returns true when the turn is over.
fn apply_event(handle: &TurnHandle, event: TurnEvent) -> bool {
    if let TurnEvent::AgentMessageDelta { item_id, delta, .. } = event {
        // The hot path of a streamed answer: one lock, and a signal only when asked for.
        {
            let mut state = handle.lock();
            state.last_event = Instant::now();
            state.notice = None;
            match state.messages.iter_mut().find(|(id, _)| *id == item_id) {
                Some((_, text)) => text.push_str(&delta),
                None => state.messages.push((item_id, delta)),
            }
        }
        if handle.text_wanted.swap(false, Ordering::AcqRel) {
            handle.changed.send_modify(|version| *version += 1);
        }
        return false;
    }
    {
        let mut state = handle.lock();
        state.last_event = Instant::now();
        // A retry notice is stale once the turn moves on.
        if !matches!(event, TurnEvent::Error { .. } | TurnEvent::Other { .. }) {
            state.notice = None;
        }
    }
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
                    state.last_command = Some(command.clone());
                    upsert(
                        &mut state.commands,
                        id,
                        CommandState {
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
                        file_states(&changes, "inProgress"),
                    );
                }
                ThreadItem::McpToolCall { server, tool, .. } => {
                    state.activity = format!("calling tool {server}/{tool}");
                }
                ThreadItem::AgentMessage { id, text } => {
                    state.activity = "writing the answer".into();
                    upsert(&mut state.messages, id, text);
                }
                ThreadItem::EnteredReviewMode { review, .. } => {
                    state.activity = format!("reviewing {review}");
                }
                ThreadItem::ContextCompaction { .. } => {
                    state.activity = "compacting the thread's history".into();
                }
                ThreadItem::UserMessage { .. }
                | ThreadItem::ExitedReviewMode { .. }
                | ThreadItem::Other => {}
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
                        CommandState {
                            command,
                            cwd,
                            status,
                            exit_code,
                            output: crate::text::tail(
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
                    upsert(&mut state.file_changes, id, file_states(&changes, &status));
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
                ThreadItem::ExitedReviewMode { .. } => {
                    state.activity = "review written".into();
                }
                ThreadItem::ContextCompaction { .. } => {
                    state.activity = "history compacted".into();
                }
                ThreadItem::UserMessage { .. }
                | ThreadItem::EnteredReviewMode { .. }
                | ThreadItem::Other => {}
            });
            false
        }
        // Folded above.
        TurnEvent::AgentMessageDelta { .. } => false,
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
                    state.notice = Some(error.text());
                } else {
                    state.problem = Some(Problem::Message(error.text()));
                }
            });
            false
        }
        TurnEvent::RequestResolved { request_id } => {
            handle.resolved_elsewhere(&request_id);
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
        Some(TurnStatus::Completed) => Phase::Completed,
        Some(TurnStatus::Interrupted) => Phase::Interrupted,
        Some(TurnStatus::Failed) => Phase::Failed,
        // `turn/completed` always ends the turn; an odd status is reported as a failure.
        Some(TurnStatus::InProgress) | Some(TurnStatus::Unknown) | None => Phase::Failed,
    };
    let message = turn
        .error
        .as_ref()
        .map(|error| error.text())
        .or(match phase {
            Phase::Interrupted => Some("the turn was interrupted before it finished".into()),
            Phase::Failed if turn.error.is_none() => {
                Some("Codex reported the turn as failed without a message".into())
            }
            Phase::Running | Phase::Completed | Phase::Failed => None,
        });
    let duration = turn
        .duration_ms
        .and_then(|ms| u64::try_from(ms).ok())
        .map(Duration::from_millis);
    handle.finish(phase, message.map(Problem::Message), duration);
}

/// The diff of a file-change item, for an approval prompt.
fn diff_of(changes: &[(String, Vec<FileState>)], item_id: &str) -> Option<String> {
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

fn file_states(changes: &[FileUpdateChange], status: &str) -> Vec<FileState> {
    changes
        .iter()
        .map(|change| FileState {
            path: change.path.clone(),
            kind: change.kind_word(),
            status: status.to_string(),
            diff: crate::text::head(&change.diff, MAX_DIFF),
        })
        .collect()
}

fn paths(changes: &[FileUpdateChange]) -> String {
    changes
        .iter()
        .map(|change| change.path.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn event(method: &str, params: Value) -> TurnEvent {
        TurnEvent::decode(method, params)
    }

    #[test]
    fn folds_a_turn_into_a_snapshot() {
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
        let running = handle.snapshot();
        assert_eq!(running.phase, Phase::Running);
        assert_eq!(running.answer, "{\"a\":1}");
        let done = event(
            "turn/completed",
            json!({"threadId":"t","turn":{"id":"u","status":"completed","items":[],"durationMs":42}}),
        );
        assert!(apply_event(&handle, done));
        let result = handle.snapshot();
        assert_eq!(result.phase, Phase::Completed);
        assert_eq!(result.duration, Duration::from_millis(42));
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
        let result = handle.snapshot();
        assert_eq!(result.phase, Phase::Failed);
        assert_eq!(result.problem, Some(Problem::Message("boom".into())));
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
        assert_eq!(handle.snapshot().usage.map(|u| u.total_tokens), Some(15));
    }

    #[test]
    fn long_output_keeps_its_tail() {
        let handle = TurnHandle::new("t".into(), "u".into(), false, None);
        let long = "x".repeat(10) + &"y".repeat(MAX_COMMAND_OUTPUT);
        apply_event(
            &handle,
            event(
                "item/completed",
                json!({"threadId":"t","turnId":"u","item":{"type":"commandExecution","id":"c","command":"yes","status":"completed","aggregatedOutput":long}}),
            ),
        );
        let output = &handle.snapshot().commands[0].output;
        assert!(output.starts_with('…'));
        assert_eq!(output.chars().count(), MAX_COMMAND_OUTPUT + 1);
    }
}
