//! The watch core: start a turn, follow it until it ends, a deadline passes or the caller
//! stops, report progress on the way, and interrupt it when the caller leaves.
//!
//! Both doors call it: an MCP tool call (deadline `wait_seconds`, then answer `running` and
//! let the turn go on; a cancel interrupts) and the command line (deadline `--timeout`, then
//! interrupt; Ctrl-C interrupts). What differs is the door's [`Watcher`]: how it reports
//! progress, how often, and what "the caller stopped" means.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::codex::client::CodexClient;
use crate::codex::error::CodexError;
pub use crate::codex::turn::TurnHandle;
use crate::shutdown::Caught;

/// How long a turn start already under way may finish after the caller stopped (or an
/// interrupting deadline passed), so the turn it creates can be interrupted rather than
/// left running.
const START_GRACE: Duration = Duration::from_secs(3);

/// Why the caller stopped watching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The call was cancelled (MCP `notifications/cancelled`, the client left).
    Cancelled,
    /// A signal reached the command line.
    Signal(Caught),
}

/// Why the watching ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The turn ended on its own (completed, failed, or interrupted by Codex).
    Finished,
    /// The deadline passed first.
    DeadlinePassed,
    /// The caller stopped first.
    Stopped(Stop),
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

/// The door's side of a watching call.
pub trait Watcher: Send {
    /// The turn exists (called once, before any progress).
    fn started(&mut self, _turn: &TurnHandle) {}

    /// The shortest time between two [`Watcher::progress`] calls; changes in between are
    /// folded into the next one.
    fn progress_interval(&self) -> Duration;

    /// Report the turn's state; `last` on the final call, when the watching ends.
    fn progress(&mut self, turn: &TurnHandle, last: bool);

    /// Resolves when the caller stops the call. Called anew in every wait: it must be
    /// cancel-safe.
    fn stopped(&mut self) -> Pin<Box<dyn Future<Output = Stop> + Send + '_>>;
}

/// How a start-and-watch went.
pub enum Watched {
    /// The turn existed; `handle` holds its state (interrupted when the watch stopped it).
    Ran {
        handle: Arc<TurnHandle>,
        ending: Ending,
    },
    /// Codex refused to start the turn.
    StartFailed(CodexError),
    /// Stopped before the turn existed.
    Abandoned(Ending),
}

/// Start a turn and watch it.
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
                client.interrupt_quietly(&handle).await;
                watcher.progress(&handle, true);
                return Watched::Ran { handle, ending };
            }
            Ok(Err(_)) | Err(_) => return Watched::Abandoned(ending),
        },
    };
    watcher.started(&handle);
    let ending = watch(client, &handle, deadline, watcher).await;
    Watched::Ran { handle, ending }
}

/// Watch a turn that exists until it ends, the deadline passes or the caller stops;
/// interrupt it when the caller stopped (or the deadline says so).
pub async fn watch(
    client: &CodexClient,
    handle: &TurnHandle,
    deadline: Deadline,
    watcher: &mut dyn Watcher,
) -> Ending {
    let ending = follow(handle, deadline.at, watcher).await;
    let interrupt = match ending {
        Ending::Finished => false,
        Ending::Stopped(_) => true,
        Ending::DeadlinePassed => deadline.then == OnDeadline::Interrupt,
    };
    if interrupt {
        tracing::info!(thread_id = %handle.thread_id, turn_id = %handle.turn_id, ?ending, "interrupting the turn");
        // The interrupt waits (briefly) for `turn/completed`, so the final report says
        // `interrupted` with what Codex had done so far.
        client.interrupt_quietly(handle).await;
    }
    watcher.progress(handle, true);
    ending
}

/// Follow the turn's changes, reporting progress throttled to the watcher's interval (a
/// change during the pause is reported when it ends).
async fn follow(
    handle: &TurnHandle,
    deadline: Option<Instant>,
    watcher: &mut dyn Watcher,
) -> Ending {
    let interval = watcher.progress_interval();
    let mut changes = handle.changes();
    let mut last_report: Option<Instant> = None;
    let mut unreported = true;
    loop {
        if handle.is_finished() {
            return Ending::Finished;
        }
        let now = Instant::now();
        let due = last_report.map_or(now, |at| at + interval);
        if unreported && due <= now {
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
