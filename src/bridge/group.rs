//! Several turns watched at once by one call: a fan-out's variants, each through the watch
//! core ([`super::watch`]) with a member watcher of its own.
//!
//! A member reports to the call's watcher as one combined line ([`Watcher::note`]),
//! throttled to the call's interval; it stops when the call stops, for the same reason (each
//! member then interrupts its own turn, or only stops waiting, as a single call would); and
//! it does not ask a human: several
//! turns asking at once through one call would interleave, so a request stays pending on
//! its turn (listed in the turn's `running` result) until a `codex_wait` on that turn asks,
//! or its deadline declines it.

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::results::TurnPhase;
use super::watch::{self, Deadline, Stop, TurnHandle, Watched, Watcher};
use crate::codex::client::CodexClient;
use crate::codex::error::CodexError;

/// A turn about to start, and the label its progress lines carry.
pub struct Member<'a> {
    pub label: String,
    pub start: Pin<Box<dyn Future<Output = Result<Arc<TurnHandle>, CodexError>> + Send + 'a>>,
}

/// How the group's watching went: each member's, in order, and the call's stop if it
/// stopped.
pub struct GroupWatched {
    pub members: Vec<Watched>,
    pub stopped: Option<Stop>,
}

/// Start and watch every member at once until each turn ends, the deadline passes or the
/// call stops.
pub async fn run(
    client: &CodexClient,
    members: Vec<Member<'_>>,
    deadline: Deadline,
    watcher: &mut dyn Watcher,
) -> GroupWatched {
    let stop = CancellationToken::new();
    // Why the call stopped, for every member: a dropped connection only stops the waiting.
    let why: Arc<std::sync::OnceLock<Stop>> = Arc::default();
    let (lines, mut updates) = mpsc::unbounded_channel::<(usize, String)>();
    let labels: Vec<String> = members.iter().map(|m| m.label.clone()).collect();
    let runs = members.into_iter().enumerate().map(|(index, member)| {
        let mut member_watcher = MemberWatcher {
            index,
            lines: lines.clone(),
            stop: stop.clone(),
            why: why.clone(),
        };
        async move { watch::run(client, member.start, deadline, &mut member_watcher).await }
    });
    let mut all = pin!(join_all(runs));
    drop(lines);
    let interval = watcher.progress_interval();
    let mut latest: Vec<String> = vec!["starting".to_string(); labels.len()];
    let mut last_report: Option<Instant> = None;
    let mut unreported = false;
    let mut stopped = None;
    loop {
        let due = last_report.map_or_else(Instant::now, |at| at + interval);
        tokio::select! {
            members = &mut all => {
                watcher.note(&line(&labels, &latest), true);
                return GroupWatched { members, stopped };
            }
            Some((index, text)) = updates.recv() => {
                if latest[index] != text {
                    latest[index] = text;
                    unreported = true;
                }
            }
            () = tokio::time::sleep_until(due), if unreported => {
                watcher.note(&line(&labels, &latest), false);
                last_report = Some(Instant::now());
                unreported = false;
            }
            caught = watcher.stopped(), if stopped.is_none() => {
                stopped = Some(caught);
                let _ = why.set(caught);
                stop.cancel();
            }
        }
    }
}

/// `A: writing the answer · B: completed · C: running command: ls`
fn line(labels: &[String], latest: &[String]) -> String {
    labels
        .iter()
        .zip(latest)
        .map(|(label, text)| format!("{label}: {}", crate::text::shorten(text, 60)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One member's side: its progress goes to the group as a line.
struct MemberWatcher {
    index: usize,
    lines: mpsc::UnboundedSender<(usize, String)>,
    stop: CancellationToken,
    why: Arc<std::sync::OnceLock<Stop>>,
}

impl Watcher for MemberWatcher {
    fn progress_interval(&self) -> Duration {
        // The group throttles; a member reports every change.
        Duration::ZERO
    }

    /// The member's line shows its steps, not its answer.
    fn follows_text(&self) -> bool {
        false
    }

    fn progress(&mut self, turn: &TurnHandle, last: bool) {
        // The activity only (not the answer's growing length): the line changes at steps,
        // so a terminal can print every change.
        let text = if last && turn.is_finished() {
            TurnPhase::from(turn.phase()).word().to_string()
        } else {
            turn.progress().0
        };
        let _ = self.lines.send((self.index, text));
    }

    fn stopped(&mut self) -> Pin<Box<dyn Future<Output = Stop> + Send + '_>> {
        Box::pin(async move {
            self.stop.cancelled().await;
            self.why.get().copied().unwrap_or(Stop::Cancelled)
        })
    }
}
