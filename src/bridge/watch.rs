//! The watch core: start a turn, follow it until it ends, a deadline passes or the caller
//! stops, report progress on the way, ask the human what the turn waits for, and interrupt
//! the turn when the caller leaves.
//!
//! Both doors call it: an MCP tool call (deadline `wait_seconds`, then answer `running` and
//! let the turn go on; a cancel interrupts) and the command line (deadline `--timeout`, then
//! interrupt; Ctrl-C interrupts). What differs is the door's [`Watcher`]: how it reports
//! progress and how often, what "the caller stopped" means, and how (or whether) it asks a
//! human.
//!
//! Asking follows the lifecycle of an `ask` request: a request stays pending on the turn
//! until its deadline or the turn's end, whatever the calls do; while a call of the turn's
//! owner watches, it asks the human (one watching call per request at a time); when it
//! stops watching, its question is withdrawn (the asker's future is dropped) and a late
//! answer is ignored, but the request stays pending for the owner's next watching call.
//!
//! Several agents may watch one turn ([`Role`]): progress goes to every watching call, but
//! only the owner's calls ask the human, and a call that stops interrupts the turn only
//! when its caller owns it and cancelled; a caller that went away without a word
//! ([`Stop::Disconnected`]) just stopped waiting.

use std::collections::HashMap;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::approval::{ApprovalQuestion, Asker};
use crate::codex::approver::Question;
use crate::codex::client::CodexClient;
use crate::codex::error::CodexError;
pub use crate::codex::turn::{PendingView, TurnHandle, TurnSnapshot};
use crate::shutdown::Caught;

/// How long a turn start already under way may finish after the caller stopped (or an
/// interrupting deadline passed), so the turn it creates can be interrupted rather than
/// left running.
const START_GRACE: Duration = Duration::from_secs(3);

/// Why the caller stopped watching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The call was cancelled (MCP `notifications/cancelled`, the client closed its stdio).
    Cancelled,
    /// The caller's connection went away without cancelling (an HTTP client that
    /// disconnected): it stopped waiting; the turn goes on and its owner can come back.
    Disconnected,
    /// A signal reached the command line.
    Signal(Caught),
}

/// Why the watching ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// The turn ended on its own (completed, failed, or interrupted by Codex).
    Finished,
    /// The deadline passed first.
    DeadlinePassed,
    /// The caller stopped first.
    Stopped(Stop),
    /// A human must answer these requests, and this watcher hands them back to its caller
    /// to ask ([`Asking::Return`]).
    InputRequired(Vec<PendingView>),
}

/// Whether the watching call's caller owns the turn (started it; see
/// [`super::caller::Caller::owns`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The owner: its calls ask the human, and its cancelled call interrupts the turn.
    Owner,
    /// Another agent: it sees progress and the result, never asks, and leaving never
    /// interrupts the turn.
    Onlooker,
}

/// Whether a call that ended this way interrupts its turn.
fn interrupts(ending: &Ending, deadline: &Deadline, role: Role) -> bool {
    match ending {
        Ending::Finished | Ending::InputRequired(_) => false,
        Ending::Stopped(Stop::Cancelled) => role == Role::Owner,
        Ending::Stopped(Stop::Disconnected) => false,
        // The bridge (or the command line) is going down: nothing may keep running.
        Ending::Stopped(Stop::Signal(_)) => true,
        Ending::DeadlinePassed => deadline.then == OnDeadline::Interrupt,
    }
}

/// What happens to the turn when the deadline passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDeadline {
    /// Stop watching; the turn goes on (MCP: the result says `running`). The start of the
    /// turn is not bounded by the deadline: the caller needs its ids.
    Return,
    /// Interrupt the turn (the command line's `--timeout`).
    Interrupt,
}

/// How long to watch.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    /// `None`: no deadline.
    pub at: Option<Instant>,
    pub then: OnDeadline,
}

impl Deadline {
    /// Watch for `wait`, then return (the MCP tools' `wait_seconds`).
    pub fn returning_after(wait: Duration) -> Deadline {
        Deadline {
            at: Some(Instant::now() + wait),
            then: OnDeadline::Return,
        }
    }
}

/// How a watching call asks a human about the turn's pending requests.
#[derive(Clone)]
pub enum Asking {
    /// Ask each pending request through this asker while watching.
    Through(Arc<dyn Asker>),
    /// Stop watching and hand the pending requests back to the caller (MCP 2026-07-28:
    /// an input-required result the client answers by retrying the call).
    Return,
    /// This call does not ask (nobody to ask, or not the turn's owner).
    No,
}

/// The door's side of a watching call.
pub trait Watcher: Send {
    /// The turn exists (called once, before any progress).
    fn started(&mut self, _turn: &TurnHandle) {}

    /// The shortest time between two [`Watcher::progress`] calls; changes in between are
    /// folded into the next one.
    fn progress_interval(&self) -> Duration;

    /// Report the turn's state; `last` on the final call, when the watching ends.
    fn progress(&mut self, turn: &TurnHandle, last: bool);

    /// Whether the growth of the answer is news to this watcher (its progress shows the
    /// text or its length); if not, only the turn's steps wake it.
    fn follows_text(&self) -> bool {
        true
    }

    /// Report a line about work that is not one turn (a fan-out's or a debate's progress);
    /// `last` on the final call. Throttled by the caller like [`Watcher::progress`].
    fn note(&mut self, _message: &str, _last: bool) {}

    /// Resolves when the caller stops the call. Called anew in every wait: it must be
    /// cancel-safe.
    fn stopped(&mut self) -> Pin<Box<dyn Future<Output = Stop> + Send + '_>>;

    /// How this call asks a human.
    fn asking(&self) -> Asking {
        Asking::No
    }
}

/// How a start-and-watch went.
pub enum Watched {
    /// The turn existed; `handle` holds its state (interrupted when the watch stopped it).
    Ran {
        handle: Arc<TurnHandle>,
        ending: Ending,
        /// The turn as it was when the watch stopped it (before the interrupt), so the
        /// caller can see what it was doing.
        before_stop: Option<Box<TurnSnapshot>>,
    },
    /// Codex refused to start the turn.
    StartFailed(CodexError),
    /// Stopped before the turn existed.
    Abandoned(Ending),
}

/// Start a turn and watch it (the caller that starts a turn owns it).
pub async fn run(
    client: &CodexClient,
    start: impl Future<Output = Result<Arc<TurnHandle>, CodexError>>,
    deadline: Deadline,
    watcher: &mut dyn Watcher,
) -> Watched {
    let mut start = pin!(start);
    let start_deadline = match deadline.then {
        OnDeadline::Return => None,
        OnDeadline::Interrupt => deadline.at,
    };
    let first = tokio::select! {
        started = &mut start => Ok(started),
        stop = watcher.stopped() => Err(Ending::Stopped(stop)),
        () = sleep_until(start_deadline) => Err(Ending::DeadlinePassed),
    };
    let handle = match first {
        Ok(Ok(handle)) => handle,
        Ok(Err(error)) => return Watched::StartFailed(error),
        Err(ending) => match tokio::time::timeout(START_GRACE, start).await {
            Ok(Ok(handle)) => {
                watcher.started(&handle);
                let mut before_stop = None;
                if interrupts(&ending, &deadline, Role::Owner) {
                    before_stop = Some(Box::new(handle.snapshot()));
                    client.interrupt_quietly(&handle).await;
                }
                watcher.progress(&handle, true);
                return Watched::Ran {
                    handle,
                    ending,
                    before_stop,
                };
            }
            Ok(Err(_)) | Err(_) => return Watched::Abandoned(ending),
        },
    };
    watcher.started(&handle);
    let (ending, before_stop) = watch(client, &handle, deadline, watcher, Role::Owner).await;
    Watched::Ran {
        handle,
        ending,
        before_stop,
    }
}

/// Watch a turn that exists until it ends, the deadline passes, the caller stops or (for a
/// returning asker) a human must answer; interrupt it when its owner cancelled (or the
/// deadline says so, or a signal). Returns why, and the turn as it was before an interrupt.
pub async fn watch(
    client: &CodexClient,
    handle: &Arc<TurnHandle>,
    deadline: Deadline,
    watcher: &mut dyn Watcher,
    role: Role,
) -> (Ending, Option<Box<TurnSnapshot>>) {
    let ending = follow(handle, deadline.at, watcher, role).await;
    let mut before_stop = None;
    if interrupts(&ending, &deadline, role) {
        tracing::info!(thread_id = %handle.thread_id, turn_id = %handle.turn_id, ?ending, "interrupting the turn");
        before_stop = Some(Box::new(handle.snapshot()));
        // The interrupt waits (briefly) for `turn/completed`, so the final report says
        // `interrupted` with what Codex had done so far.
        client.interrupt_quietly(handle).await;
    }
    watcher.progress(handle, true);
    (ending, before_stop)
}

/// Every watching call has its own number, to claim the requests it asks about.
static NEXT_WATCHER: AtomicU64 = AtomicU64::new(1);

/// The questions one watching call has open, by pending key. Dropping it withdraws them
/// and frees the requests for the next watching call.
struct OpenQuestions {
    turn: Arc<TurnHandle>,
    watcher: u64,
    open: HashMap<u64, JoinHandle<()>>,
}

impl OpenQuestions {
    /// Ask every pending request nobody is asking yet; withdraw the questions of requests
    /// that are no longer pending.
    fn sync(&mut self, asker: &Arc<dyn Asker>) {
        let pending = self.turn.pending();
        self.open.retain(|key, task| {
            let still = pending.iter().any(|p| p.key == *key);
            if !still {
                task.abort();
            }
            still && !task.is_finished()
        });
        for request in pending {
            if self.open.contains_key(&request.key) || !self.turn.claim(request.key, self.watcher) {
                continue;
            }
            let (turn, asker, watcher) = (self.turn.clone(), asker.clone(), self.watcher);
            let task = tokio::spawn(async move {
                let verdict = match &request.question {
                    Question::Approval { summary, details } => asker
                        .ask(&ApprovalQuestion {
                            summary: summary.clone(),
                            details: details.clone(),
                            deadline: request.deadline,
                        })
                        .await
                        .verdict(),
                    Question::Form(form) => asker.ask_form(form).await.verdict(),
                };
                match verdict {
                    Some(verdict) => {
                        turn.resolve(request.key, verdict);
                    }
                    None => turn.release(request.key, watcher),
                }
            });
            self.open.insert(request.key, task);
        }
    }
}

impl Drop for OpenQuestions {
    fn drop(&mut self) {
        for (key, task) in self.open.drain() {
            task.abort();
            self.turn.release(key, self.watcher);
        }
    }
}

/// Follow the turn's changes, reporting progress throttled to the watcher's interval (a
/// change during the pause is reported when it ends), and asking what the turn waits for.
async fn follow(
    handle: &Arc<TurnHandle>,
    deadline: Option<Instant>,
    watcher: &mut dyn Watcher,
    role: Role,
) -> Ending {
    let interval = watcher.progress_interval();
    let follows_text = watcher.follows_text();
    // Only the owner is asked; another agent never answers the owner's requests.
    let asking = match role {
        Role::Owner => watcher.asking(),
        Role::Onlooker => Asking::No,
    };
    let mut questions = OpenQuestions {
        turn: handle.clone(),
        watcher: NEXT_WATCHER.fetch_add(1, Ordering::Relaxed),
        open: HashMap::new(),
    };
    let mut changes = handle.changes();
    let mut last_report: Option<Instant> = None;
    let mut unreported = true;
    loop {
        if handle.is_finished() {
            return Ending::Finished;
        }
        match &asking {
            Asking::Through(asker) => questions.sync(asker),
            Asking::Return => {
                let waiting: Vec<PendingView> = handle
                    .pending()
                    .into_iter()
                    .filter(|request| !request.claimed)
                    .collect();
                if !waiting.is_empty() {
                    return Ending::InputRequired(waiting);
                }
            }
            Asking::No => {}
        }
        let now = Instant::now();
        let due = last_report.map_or(now, |at| at + interval);
        let report_now = unreported && due <= now;
        // Streamed text wakes this loop once per report at most: while a report is due
        // later, the text it will show needs no signal. Asked for before the state is read,
        // so text that grows while it is read still signals.
        if follows_text && (report_now || !unreported) {
            handle.want_text();
        }
        if report_now {
            watcher.progress(handle, false);
            last_report = Some(now);
            unreported = false;
        }
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    // The driver is gone; the handle holds the final state.
                    return Ending::Finished;
                }
                unreported = true;
            }
            () = tokio::time::sleep_until(due), if unreported => {}
            stop = watcher.stopped() => return Ending::Stopped(stop),
            () = sleep_until(deadline) => return Ending::DeadlinePassed,
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
