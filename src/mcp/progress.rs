//! MCP progress notifications for a watched turn.
//!
//! Runs beside the waiting call, never inside the turn: it samples the turn's latest
//! activity when the turn changes, at most every [`MIN_INTERVAL`], so 20,000 streamed deltas
//! become a handful of notifications, and a slow client only delays its own notifications.
//! A final notification is always sent when the call stops watching.

use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{ProgressNotificationParam, ProgressToken};
use rmcp::{Peer, RoleServer};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::codex::turn::TurnHandle;

/// No more than about four notifications a second, whatever the delta rate.
pub const MIN_INTERVAL: Duration = Duration::from_millis(250);
/// A client that does not take a notification within this is skipped, not waited for.
const SEND_TIMEOUT: Duration = Duration::from_secs(2);

pub struct ProgressReporter {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ProgressReporter {
    /// Start reporting on `handle` if the caller sent a progress token; otherwise a no-op.
    pub fn start(
        peer: Peer<RoleServer>,
        token: Option<ProgressToken>,
        handle: Arc<TurnHandle>,
    ) -> ProgressReporter {
        let Some(token) = token else {
            return ProgressReporter {
                stop: None,
                task: None,
            };
        };
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut changes = handle.watch();
            let mut sent = 0u32;
            let mut last_message = String::new();
            loop {
                let finished = tokio::select! {
                    changed = changes.changed() => changed.is_err() || handle.is_finished(),
                    _ = &mut stopped => true,
                };
                let message = describe(&handle);
                if finished || message != last_message {
                    sent += 1;
                    send(&peer, &token, sent, &message).await;
                    last_message = message;
                }
                if finished {
                    return;
                }
                // Throttle: changes during the pause are folded into the next sample.
                tokio::select! {
                    () = tokio::time::sleep(MIN_INTERVAL) => {}
                    _ = &mut stopped => {
                        sent += 1;
                        send(&peer, &token, sent, &describe(&handle)).await;
                        return;
                    }
                }
            }
        });
        ProgressReporter {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Send the final notification and stop.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

fn describe(handle: &TurnHandle) -> String {
    let (activity, answer_len) = handle.progress();
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
