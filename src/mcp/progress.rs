//! A tool call watching a turn, as the watch core sees it: MCP progress notifications and
//! MCP cancellation.
//!
//! The watch core calls [`McpWatcher::progress`] at most every [`MIN_INTERVAL`], so 20,000
//! streamed deltas become a handful of notifications. Sending runs in a task of its own fed
//! with the latest message only, so a slow client delays (and folds) its own notifications
//! and never the turn or the watch. The final notification is sent before the call answers
//! ([`McpWatcher::finish`]).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::{Peer, RoleServer};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::bridge::watch::{Asking, Stop, TurnHandle, Watcher};

/// No more than about four notifications a second, whatever the delta rate.
pub const MIN_INTERVAL: Duration = Duration::from_millis(250);
/// A client that does not take a notification within this is skipped, not waited for.
const SEND_TIMEOUT: Duration = Duration::from_secs(2);

/// The latest message to send, and whether it is the last one.
type Latest = Option<(String, bool)>;

pub struct McpWatcher {
    cancelled: CancellationToken,
    sink: Option<Sink>,
    asking: Asking,
}

struct Sink {
    latest: watch::Sender<Latest>,
    task: JoinHandle<()>,
    last_message: String,
}

impl McpWatcher {
    /// Report progress if the caller sent a progress token; `cancelled` is the call's
    /// cancellation (`notifications/cancelled`); `asking` how it asks the human.
    pub fn new(
        peer: Peer<RoleServer>,
        token: Option<ProgressToken>,
        cancelled: CancellationToken,
        asking: Asking,
    ) -> McpWatcher {
        let sink = token.map(|token| {
            let (latest, mut updates) = watch::channel::<Latest>(None);
            let task = tokio::spawn(async move {
                let mut step = 0u32;
                while updates.changed().await.is_ok() {
                    let Some((message, last)) = updates.borrow_and_update().clone() else {
                        continue;
                    };
                    step += 1;
                    send(&peer, &token, step, &message).await;
                    if last {
                        return;
                    }
                }
            });
            Sink {
                latest,
                task,
                last_message: String::new(),
            }
        });
        McpWatcher {
            cancelled,
            sink,
            asking,
        }
    }

    /// Wait (briefly) for the final notification to go out.
    pub async fn finish(self) {
        if let Some(sink) = self.sink {
            drop(sink.latest);
            let _ = tokio::time::timeout(SEND_TIMEOUT, sink.task).await;
        }
    }
}

impl Watcher for McpWatcher {
    fn progress_interval(&self) -> Duration {
        MIN_INTERVAL
    }

    fn progress(&mut self, turn: &TurnHandle, last: bool) {
        let Some(sink) = &mut self.sink else {
            return;
        };
        let message = describe(turn);
        if last || message != sink.last_message {
            sink.last_message = message.clone();
            sink.latest.send_replace(Some((message, last)));
        }
    }

    fn note(&mut self, message: &str, last: bool) {
        let Some(sink) = &mut self.sink else {
            return;
        };
        if last || message != sink.last_message {
            sink.last_message = message.to_string();
            sink.latest.send_replace(Some((message.to_string(), last)));
        }
    }

    fn stopped(&mut self) -> Pin<Box<dyn Future<Output = Stop> + Send + '_>> {
        Box::pin(async move {
            self.cancelled.cancelled().await;
            Stop::Cancelled
        })
    }

    fn asking(&self) -> Asking {
        self.asking.clone()
    }
}

fn describe(turn: &TurnHandle) -> String {
    let (activity, answer_len) = turn.progress();
    if answer_len > 0 {
        format!("{activity} (answer: {answer_len} chars)")
    } else {
        activity
    }
}

async fn send(peer: &Peer<RoleServer>, token: &ProgressToken, step: u32, message: &str) {
    let param = ProgressNotificationParam::new(token.clone(), f64::from(step))
        .with_message(message.to_string());
    let _ = tokio::time::timeout(SEND_TIMEOUT, peer.notify_progress(param)).await;
}
