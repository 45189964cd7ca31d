//! A command-line turn as the watch core sees it: the answer streamed to stdout, Ctrl-C
//! and SIGTERM as "the caller stopped", `--timeout` as an interrupting deadline.
//!
//! Shared by `ask` (one turn, then exit) and `repl` (a turn per prompt; a signal ends the
//! turn, not the REPL).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::Instant;

use super::output::AnswerPrinter;
use crate::bridge::watch::{Asking, Deadline, OnDeadline, Stop, TurnHandle, Watcher};
use crate::shutdown::Signals;

/// Streams the answer as it grows, asks approvals on the terminal (when it can), and stops
/// on a signal.
pub struct TerminalWatcher<'a> {
    pub printer: AnswerPrinter,
    signals: &'a mut Signals,
    asking: Asking,
    on_start: Box<dyn FnMut(&TurnHandle) + Send + 'a>,
    last_note: String,
}

impl<'a> TerminalWatcher<'a> {
    /// `on_start` sees the turn as soon as it exists.
    pub fn new(
        printer: AnswerPrinter,
        signals: &'a mut Signals,
        asking: Asking,
        on_start: impl FnMut(&TurnHandle) + Send + 'a,
    ) -> TerminalWatcher<'a> {
        TerminalWatcher {
            printer,
            signals,
            asking,
            on_start: Box::new(on_start),
            last_note: String::new(),
        }
    }
}

impl Watcher for TerminalWatcher<'_> {
    fn started(&mut self, turn: &TurnHandle) {
        (self.on_start)(turn);
    }

    /// Every change: streamed text must not lag.
    fn progress_interval(&self) -> Duration {
        Duration::ZERO
    }

    fn progress(&mut self, turn: &TurnHandle, _last: bool) {
        self.printer.progress(turn);
    }

    /// Progress of several turns (a brainstorm, a fan-out): a line on stderr whenever it
    /// says something new (their lines change at steps, not with every streamed word).
    fn note(&mut self, message: &str, _last: bool) {
        if message != self.last_note {
            eprintln!("codex-bridge: {message}");
            self.last_note = message.to_string();
        }
    }

    fn stopped(&mut self) -> Pin<Box<dyn Future<Output = Stop> + Send + '_>> {
        Box::pin(async move { Stop::Signal(self.signals.next().await) })
    }

    fn asking(&self) -> Asking {
        self.asking.clone()
    }
}

/// `--timeout SECONDS` as an interrupting deadline from now; 0 means none.
pub fn deadline(timeout_seconds: f64) -> Deadline {
    Deadline {
        at: (timeout_seconds > 0.0)
            .then(|| Instant::now() + Duration::from_secs_f64(timeout_seconds)),
        then: OnDeadline::Interrupt,
    }
}
