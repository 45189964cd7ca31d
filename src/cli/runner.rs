//! Running one turn for the command line: start it, stream it, and stop it on Ctrl-C,
//! SIGTERM or `--timeout` with `turn/interrupt`, so nothing keeps running in Codex.
//!
//! Shared by `ask` (one turn, then exit) and `repl` (a turn per prompt; a signal ends the
//! turn, not the REPL).

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::output::AnswerPrinter;
use super::signals::{Caught, Signals};
use crate::codex::client::CodexClient;
use crate::codex::turn::{TurnHandle, TurnResult};
use crate::error::BridgeError;

/// How long a turn start already under way may finish after a signal or the deadline, so
/// the turn it creates can be interrupted rather than left running.
const START_GRACE: Duration = Duration::from_secs(3);

/// Why the watching stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The turn ended on its own (completed, failed or interrupted by Codex).
    Finished,
    TimedOut,
    Signal(Caught),
}

pub enum Outcome {
    /// The turn existed; `result` is its final state (interrupted when we stopped it).
    Ran {
        result: Box<TurnResult>,
        ending: Ending,
    },
    /// Codex refused to start the turn.
    StartFailed(BridgeError),
    /// Stopped before the turn existed.
    Abandoned(Ending),
}

/// What happened first: the turn started (or failed to), or we were told to stop.
enum First {
    Started(Result<Arc<TurnHandle>, BridgeError>),
    Stopped(Ending),
}

/// Start a turn and watch it to its end. `on_start` sees the handle as soon as it exists.
pub async fn run(
    client: &CodexClient,
    start: impl Future<Output = Result<Arc<TurnHandle>, BridgeError>>,
    printer: &mut AnswerPrinter,
    deadline: Option<Instant>,
    signals: &mut Signals,
    on_start: impl FnOnce(&TurnHandle),
) -> Outcome {
    let mut start = pin!(start);
    let first = tokio::select! {
        started = &mut start => First::Started(started),
        caught = signals.next() => First::Stopped(Ending::Signal(caught)),
        () = sleep_until(deadline) => First::Stopped(Ending::TimedOut),
    };
    let handle = match first {
        First::Started(Ok(handle)) => handle,
        First::Started(Err(error)) => return Outcome::StartFailed(error),
        First::Stopped(ending) => match tokio::time::timeout(START_GRACE, start).await {
            Ok(Ok(handle)) => {
                on_start(&handle);
                client.interrupt_quietly(&handle).await;
                return Outcome::Ran {
                    result: Box::new(handle.result()),
                    ending,
                };
            }
            Ok(Err(_)) | Err(_) => return Outcome::Abandoned(ending),
        },
    };
    on_start(&handle);
    let ending = watch(&handle, printer, deadline, signals).await;
    if ending != Ending::Finished {
        // The handle waits (briefly) for `turn/completed` after the interrupt, so the
        // result below says `interrupted` with what Codex had done so far.
        client.interrupt_quietly(&handle).await;
    }
    Outcome::Ran {
        result: Box::new(handle.result()),
        ending,
    }
}

async fn watch(
    handle: &TurnHandle,
    printer: &mut AnswerPrinter,
    deadline: Option<Instant>,
    signals: &mut Signals,
) -> Ending {
    let mut changes = handle.watch();
    loop {
        printer.progress(handle);
        if handle.is_finished() {
            return Ending::Finished;
        }
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    // The driver is gone; the handle holds the final state.
                    return Ending::Finished;
                }
            }
            caught = signals.next() => return Ending::Signal(caught),
            () = sleep_until(deadline) => return Ending::TimedOut,
        }
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// `--timeout SECONDS` as a deadline from now; 0 means none.
pub fn deadline(timeout_seconds: f64) -> Option<Instant> {
    (timeout_seconds > 0.0).then(|| Instant::now() + Duration::from_secs_f64(timeout_seconds))
}
