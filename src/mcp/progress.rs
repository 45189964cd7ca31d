//! A tool call watching a turn, as the watch core sees it: MCP progress notifications, MCP
//! cancellation, a client that went away, and the bridge shutting down.
//!
//! The watch core calls [`McpWatcher::progress`] at most every [`MIN_INTERVAL`], so 20,000
//! streamed deltas become a handful of notifications. Sending runs in a task of its own fed
//! with the latest message only, so a slow client delays (and folds) its own notifications
//! and never the turn or the watch. The final notification is sent before the call answers
//! ([`McpWatcher::finish`]).
//!
//! Over HTTP a call also sends a heartbeat while it waits (see [`Serving::heartbeat`]): the
//! latest progress again when the call has a progress token, else a `ping` on the call's
//! stream. rmcp drops a session that exchanged no message for its idle timeout, even with a
//! call in flight; the heartbeat is such a message.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rmcp::model::{
    GetExtensions, PingRequest, ProgressNotificationParam, ProgressToken, RequestId, ServerRequest,
};
use rmcp::service::{OriginatingRequestId, PeerRequestOptions};
use rmcp::{Peer, RoleServer};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::server::Serving;
use crate::bridge::watch::{Asking, Stop, TurnHandle, Watcher};
use crate::shutdown::Caught;

/// No more than about four notifications a second, whatever the delta rate.
pub const MIN_INTERVAL: Duration = Duration::from_millis(250);
/// How long a call whose connection closed waits for the cancel that may follow, before
/// it counts as a client that went away.
const CANCEL_AFTER_CLOSE: Duration = Duration::from_secs(1);
/// A client that does not take a notification within this is skipped, not waited for.
const SEND_TIMEOUT: Duration = Duration::from_secs(2);

/// The latest message to send, and whether it is the last one.
type Latest = Option<(String, bool)>;

pub struct McpWatcher {
    cancelled: CancellationToken,
    /// Cancelled when the client's connection for this call went away (HTTP sessions).
    gone: Option<CancellationToken>,
    /// Cancelled when the bridge shuts down, on this signal.
    shutdown: CancellationToken,
    signal: Arc<OnceLock<Caught>>,
    sink: Option<Sink>,
    asking: Asking,
    heartbeat: Option<JoinHandle<()>>,
}

struct Sink {
    latest: watch::Sender<Latest>,
    task: JoinHandle<()>,
    last_message: String,
}

impl McpWatcher {
    /// Report progress if the caller sent a progress token; `call` is the call's request
    /// id; `cancelled` is its cancellation (`notifications/cancelled`), `gone` its lost
    /// connection; `asking` how it asks the human.
    pub fn new(
        peer: Peer<RoleServer>,
        call: RequestId,
        token: Option<ProgressToken>,
        cancelled: CancellationToken,
        gone: Option<CancellationToken>,
        serving: &Serving,
        asking: Asking,
    ) -> McpWatcher {
        let heartbeat = serving.heartbeat.filter(|_| token.is_none()).map(|every| {
            let peer = peer.clone();
            tokio::spawn(ping_every(peer, call, every))
        });
        let every = serving.heartbeat;
        let sink = token.map(|token| {
            let (latest, mut updates) = watch::channel::<Latest>(None);
            let task = tokio::spawn(async move {
                let mut step = 0u32;
                loop {
                    // Without news for a heartbeat, the latest message goes out again.
                    let changed = match every {
                        Some(every) => tokio::time::timeout(every, updates.changed())
                            .await
                            .unwrap_or(Ok(())),
                        None => updates.changed().await,
                    };
                    if changed.is_err() {
                        return;
                    }
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
            gone,
            shutdown: serving.shutdown.clone(),
            signal: serving.signal.clone(),
            sink,
            asking,
            heartbeat,
        }
    }

    /// Wait (briefly) for the final notification to go out.
    pub async fn finish(mut self) {
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
        }
        if let Some(sink) = self.sink.take() {
            drop(sink.latest);
            let _ = tokio::time::timeout(SEND_TIMEOUT, sink.task).await;
        }
    }
}

impl Drop for McpWatcher {
    fn drop(&mut self) {
        if let Some(heartbeat) = &self.heartbeat {
            heartbeat.abort();
        }
    }
}

/// `ping` the client every `every` on the stream of call `call` (until aborted).
async fn ping_every(peer: Peer<RoleServer>, call: RequestId, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let mut ping = ServerRequest::PingRequest(PingRequest::default());
        // On the call's own stream (SEP-2260), not the session's standalone one.
        ping.extensions_mut()
            .insert(OriginatingRequestId(call.clone()));
        let sent = peer
            .send_request_with_option(ping, PeerRequestOptions::no_options())
            .await;
        if let Ok(handle) = sent {
            // The answer does not matter; the exchange is what keeps the session alive.
            let _ = tokio::time::timeout(every, handle.await_response()).await;
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
            let gone = async {
                match &self.gone {
                    Some(gone) => gone.cancelled().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                // A shutdown wins: it also cancels the calls' connections.
                biased;
                () = self.shutdown.cancelled() => {
                    Stop::Signal(self.signal.get().copied().unwrap_or(Caught::Terminate))
                }
                () = self.cancelled.cancelled() => Stop::Cancelled,
                () = gone => {
                    // A client that cancels may close the call's stream first: its
                    // `notifications/cancelled` follows on another request.
                    let cancelled = self.cancelled.cancelled();
                    match tokio::time::timeout(CANCEL_AFTER_CLOSE, cancelled).await {
                        Ok(()) => Stop::Cancelled,
                        Err(_) => {
                            tracing::info!("a client's connection closed under its call: the call stopped waiting; the turn goes on");
                            Stop::Disconnected
                        }
                    }
                }
            }
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
