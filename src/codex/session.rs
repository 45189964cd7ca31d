//! The one app-server session every call shares: opened lazily, replaced when it dies.
//!
//! Owns the session's lifecycle: the first caller opens it (over the [`super::link`]), a
//! closed one is replaced on the next call, and repeated failures back off (0.5 s doubling
//! to 30 s) so a Codex that keeps dying is not hammered while its error is repeated to
//! callers. Also what the session has loaded: a thread from another process or from before
//! a restart must be resumed on this session before its next turn. On an app-server shared
//! with other front-ends, a thread the bridge is done with is released (`thread/unsubscribe`),
//! so the bridge keeps nothing loaded there that it does not use. On the bridge's own
//! app-server the session also keeps spare threads ([`super::spare`]), dropped with it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::connection::{Connection, ConnectionOptions, Sharing};
use super::error::CodexError;
use super::link::{self, LinkSettings};
use super::process::AppServerProcess;
use super::protocol::ThreadUnsubscribeParams;
use super::spare::{Claim, SparePolicy, Spares};
use super::version;
use crate::lock::lock;

/// One live connection and what it has loaded.
pub struct Session {
    pub connection: Arc<Connection>,
    /// Threads this connection is subscribed to (started or resumed on it).
    loaded: Mutex<HashSet<String>>,
    /// Spare threads for new threads; only on the bridge's own app-server.
    spares: Option<Arc<Spares>>,
}

impl Session {
    /// A spare thread for a new thread in `cwd` whose other thread-level settings a spare
    /// has (no instructions, not ephemeral: the caller checked). `None`: start one.
    pub fn claim_spare(&self, cwd: &std::path::Path) -> Option<Claim> {
        self.spares.as_ref()?.claim(cwd)
    }

    /// Top the spare threads up, in the background (after a turn ended: not while it ran).
    pub fn fill_spares(&self) {
        if let Some(spares) = &self.spares {
            spares.fill();
        }
    }

    pub fn is_loaded(&self, thread_id: &str) -> bool {
        lock(&self.loaded).contains(thread_id)
    }

    pub fn mark_loaded(&self, thread_id: &str) {
        lock(&self.loaded).insert(thread_id.to_string());
    }

    /// The app-server unloaded the thread (archived, reverted): resume it before its next
    /// turn.
    pub fn mark_unloaded(&self, thread_id: &str) {
        lock(&self.loaded).remove(thread_id);
    }

    /// The bridge is done with a thread for now (its turn ended, or none could start). On a
    /// shared app-server: forget it as loaded (its next turn resumes it first) and
    /// unsubscribe, so no thread stays loaded there for the bridge's sake (the app-server
    /// unloads a thread with no subscriber after about a minute; a spare thread with no turn
    /// then leaves nothing behind). On the bridge's own app-server nothing is done: the
    /// thread stays loaded, and its next turn needs no resume.
    pub async fn release(&self, thread_id: &str) {
        if self.connection.sharing() != Sharing::Shared {
            return;
        }
        lock(&self.loaded).remove(thread_id);
        let params = ThreadUnsubscribeParams {
            thread_id: thread_id.to_string(),
        };
        match self.connection.call(&params).await {
            Ok(answer) => tracing::debug!(thread_id, status = ?answer.status, "thread/unsubscribe"),
            // A closed connection took its subscriptions with it.
            Err(error) => tracing::debug!(thread_id, %error, "thread/unsubscribe failed"),
        }
    }
}

/// The current session and what is needed to replace it.
#[derive(Default)]
struct State {
    session: Option<Arc<Session>>,
    /// The embedded app-server, when the bridge owns one.
    process: Option<AppServerProcess>,
    /// Failed opens in a row; drives the backoff.
    consecutive_failures: u32,
    retry_after: Option<Instant>,
    /// Repeated to callers during the backoff, so they see why.
    last_error: Option<CodexError>,
}

/// Opens, keeps and replaces the shared session.
pub struct Sessions {
    settings: LinkSettings,
    options: ConnectionOptions,
    /// Spare threads each session keeps (none on a shared app-server, whatever it says).
    spares: SparePolicy,
    state: tokio::sync::Mutex<State>,
}

impl Sessions {
    pub fn new(settings: LinkSettings, options: ConnectionOptions) -> Sessions {
        Sessions {
            settings,
            options,
            spares: SparePolicy::default(),
            state: tokio::sync::Mutex::new(State::default()),
        }
    }

    /// Keep spare threads as `policy` says on each session with the bridge's own app-server.
    pub fn with_spares(mut self, policy: SparePolicy) -> Sessions {
        self.spares = policy;
        self
    }

    /// The live session, opening (or replacing) it if needed.
    pub async fn current(&self) -> Result<Arc<Session>, CodexError> {
        let mut state = self.state.lock().await;
        if let Some(session) = &state.session {
            if !session.connection.is_closed() {
                return Ok(session.clone());
            }
            tracing::warn!(
                reason = session.connection.closed_reason().unwrap_or_default(),
                "app-server session ended; starting a new one"
            );
        }
        state.session = None;
        if let Some(process) = state.process.take() {
            process.shutdown(Duration::from_millis(500)).await;
        }
        if let Some(retry_after) = state.retry_after {
            if Instant::now() < retry_after {
                let wait = retry_after.saturating_duration_since(Instant::now());
                let last = state
                    .last_error
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return Err(CodexError::Start(format!(
                    "the Codex app-server failed {} time(s) in a row; next attempt in {:.1}s. Last error: {last}",
                    state.consecutive_failures,
                    wait.as_secs_f64()
                )));
            }
        }
        match link::open(&self.settings, &self.options).await {
            Ok(opened) => {
                let user_agent = opened.connection.user_agent();
                let codex = version::parse(user_agent)
                    .map_or_else(|| user_agent.to_string(), |found| found.to_string());
                tracing::info!(via = %opened.via, %codex, "connected to the Codex app-server");
                version::warn_once_if_untested(user_agent);
                let connection = Arc::new(opened.connection);
                // `thread/started` reaches every client of a shared app-server: no spares there.
                let spares = match connection.sharing() {
                    Sharing::Exclusive => Spares::new(&self.spares, connection.clone()),
                    Sharing::Shared => None,
                };
                let session = Arc::new(Session {
                    connection,
                    loaded: Mutex::new(HashSet::new()),
                    spares,
                });
                session.fill_spares();
                state.consecutive_failures = 0;
                state.retry_after = None;
                state.last_error = None;
                state.process = opened.process;
                state.session = Some(session.clone());
                Ok(session)
            }
            Err(error) => {
                state.consecutive_failures += 1;
                state.retry_after = Some(Instant::now() + open_backoff(state.consecutive_failures));
                state.last_error = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Close the session and end the app-server the bridge owns.
    pub async fn close(&self, reason: &str) {
        let mut state = self.state.lock().await;
        if let Some(session) = state.session.take() {
            if let Some(spares) = &session.spares {
                spares.close().await;
            }
            tracing::info!(
                pending_requests = session.connection.pending_requests(),
                "closing the app-server session"
            );
            session.connection.close(reason);
        }
        if let Some(process) = state.process.take() {
            process.shutdown(Duration::from_millis(1_500)).await;
        }
    }
}

/// The wait after `failures` failed opens in a row: 0.5 s, 1 s, 2 s ... capped at 30 s.
fn open_backoff(failures: u32) -> Duration {
    Duration::from_millis((500u64 << failures.clamp(1, 7).saturating_sub(1)).min(30_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_backoff_doubles_from_half_a_second_to_thirty() {
        assert_eq!(open_backoff(1), Duration::from_millis(500));
        assert_eq!(open_backoff(2), Duration::from_secs(1));
        assert_eq!(open_backoff(3), Duration::from_secs(2));
        assert_eq!(open_backoff(7), Duration::from_secs(30));
        assert_eq!(open_backoff(40), Duration::from_secs(30));
    }
}
