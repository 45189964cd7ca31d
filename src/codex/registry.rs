//! The turns this bridge started: running ones, and finished ones kept for later reads.
//!
//! Owns one-turn-at-a-time per thread (the app-server would silently merge a second
//! `turn/start` into the running turn), finding a turn again by id or by thread, and
//! forgetting finished turns: after [`KEEP_FINISHED_FOR`], or beyond [`KEEP_FINISHED_MAX`]
//! or [`KEEP_FINISHED_BYTES`] (oldest first). Running turns are always kept.
//!
//! It also remembers who started each turn (the name a [`super::client::TurnRequest`]
//! gave), longer than the turns themselves but in memory only and bounded
//! ([`KEEP_OWNERS_MAX`]): after a restart, earlier turns have no owner.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::error::CodexError;
use super::protocol::TokenUsageBreakdown;
use super::turn::TurnHandle;
use crate::lock::lock;

/// Finished turns are kept at most this long...
pub const KEEP_FINISHED_FOR: Duration = Duration::from_secs(60 * 60);
/// ...and at most this many...
pub const KEEP_FINISHED_MAX: usize = 500;
/// ...holding at most this much text together (answers, command output, diffs): 500 turns
/// of 2 MB answers would otherwise keep a gigabyte. The newest finished turn is kept
/// whatever its size.
pub const KEEP_FINISHED_BYTES: usize = 64 << 20;
/// Who started which turn is remembered for this many turns (oldest forgotten first).
pub const KEEP_OWNERS_MAX: usize = 10_000;
/// How long a new turn waits for an interrupted one on its thread to end.
const INTERRUPT_GRACE: Duration = Duration::from_secs(5);
/// How long a new turn waits for the previous one's driver to let go of the thread (one
/// `thread/unsubscribe` round trip on a shared app-server).
const SETTLE_GRACE: Duration = Duration::from_secs(5);

#[derive(Default)]
struct Inner {
    turns: HashMap<String, Arc<TurnHandle>>,
    latest_by_thread: HashMap<String, Arc<TurnHandle>>,
    /// Threads with a turn being started right now (before its handle exists).
    starting: HashSet<String>,
    ephemeral: HashSet<String>,
    /// Threads held by a multi-turn operation (a brainstorm) between its turns: only the
    /// holder may start a turn on them.
    held: HashMap<String, String>,
    owners: Owners,
}

/// Who started which turn, and each thread's latest, bounded.
#[derive(Default)]
struct Owners {
    /// Turn id -> (thread id, who started it).
    by_turn: HashMap<String, (String, String)>,
    /// Thread id -> (its latest turn id, who started it).
    latest_by_thread: HashMap<String, (String, String)>,
    /// Turn ids, oldest first, to forget beyond [`KEEP_OWNERS_MAX`].
    order: VecDeque<String>,
}

impl Owners {
    fn record(&mut self, thread_id: &str, turn_id: &str, who: &str) {
        self.by_turn.insert(
            turn_id.to_string(),
            (thread_id.to_string(), who.to_string()),
        );
        self.latest_by_thread.insert(
            thread_id.to_string(),
            (turn_id.to_string(), who.to_string()),
        );
        self.order.push_back(turn_id.to_string());
        while self.order.len() > KEEP_OWNERS_MAX {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some((thread_id, _)) = self.by_turn.remove(&oldest) {
                // The thread's latest owner goes with its latest turn.
                if self
                    .latest_by_thread
                    .get(&thread_id)
                    .is_some_and(|(latest, _)| *latest == oldest)
                {
                    self.latest_by_thread.remove(&thread_id);
                }
            }
        }
    }
}

#[derive(Default, Clone)]
pub struct Registry {
    inner: Arc<Mutex<Inner>>,
}

/// Holds a thread's "a turn is being started" mark; released on drop, so a failed start
/// (or a cancelled call) never leaves the thread looking busy.
pub struct Reservation {
    registry: Registry,
    thread_id: String,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        lock(&self.registry.inner).starting.remove(&self.thread_id);
    }
}

/// A thread held for a holder until dropped (see [`Registry::hold`]).
pub struct Hold {
    registry: Registry,
    thread_id: String,
}

impl Drop for Hold {
    fn drop(&mut self) {
        lock(&self.registry.inner).held.remove(&self.thread_id);
    }
}

impl Registry {
    /// Keep every turn but the holder's off `thread_id` until the hold is dropped: a
    /// brainstorm's participant threads between its rounds. `holder` names the holder in
    /// the error others get (e.g. `brainstorm <id>`).
    pub fn hold(&self, thread_id: &str, holder: &str) -> Hold {
        lock(&self.inner)
            .held
            .insert(thread_id.to_string(), holder.to_string());
        Hold {
            registry: self.clone(),
            thread_id: thread_id.to_string(),
        }
    }

    /// Mark the thread as getting a turn, or refuse it as busy (or held for another
    /// holder than `holder`). A turn already being
    /// interrupted (a cancelled call) is waited for briefly: it ends within milliseconds,
    /// and the caller who cancelled it usually sends the next turn right away.
    pub async fn reserve(
        &self,
        thread_id: &str,
        holder: Option<&str>,
    ) -> Result<Reservation, CodexError> {
        if let Some(held_by) = lock(&self.inner).held.get(thread_id) {
            if Some(held_by.as_str()) != holder {
                return Err(CodexError::ThreadHeld {
                    thread_id: thread_id.to_string(),
                    holder: held_by.clone(),
                });
            }
        }
        let running = lock(&self.inner)
            .latest_by_thread
            .get(thread_id)
            .filter(|handle| !handle.is_finished())
            .cloned();
        if let Some(handle) = running {
            if !(handle.is_interrupting() && handle.wait(INTERRUPT_GRACE).await) {
                return Err(busy(thread_id, Some(&handle.turn_id)));
            }
        }
        // The previous turn's driver lets go of the thread just after the turn ends (on a
        // shared app-server it unsubscribes): the next turn must come after that, or it would
        // lose its own events.
        let latest = lock(&self.inner).latest_by_thread.get(thread_id).cloned();
        if let Some(latest) = latest {
            if !latest.wait_settled(SETTLE_GRACE).await {
                tracing::warn!(
                    thread_id,
                    "the previous turn's driver did not let go of the thread in time"
                );
            }
        }
        let mut inner = lock(&self.inner);
        if !inner.starting.insert(thread_id.to_string()) {
            return Err(busy(thread_id, None));
        }
        Ok(Reservation {
            registry: self.clone(),
            thread_id: thread_id.to_string(),
        })
    }

    pub fn register(&self, handle: Arc<TurnHandle>) {
        let mut inner = lock(&self.inner);
        prune(&mut inner, Instant::now());
        if let Some(who) = handle.started_by() {
            inner.owners.record(&handle.thread_id, &handle.turn_id, who);
        }
        inner.turns.insert(handle.turn_id.clone(), handle.clone());
        inner
            .latest_by_thread
            .insert(handle.thread_id.clone(), handle);
    }

    /// A turn this bridge ran: by turn id, else the thread's latest.
    pub fn find(&self, thread_id: &str, turn_id: Option<&str>) -> Option<Arc<TurnHandle>> {
        let inner = lock(&self.inner);
        match turn_id {
            Some(turn_id) => inner
                .turns
                .get(turn_id)
                .filter(|handle| handle.thread_id == thread_id)
                .cloned(),
            None => inner.latest_by_thread.get(thread_id).cloned(),
        }
    }

    /// Who started turn `turn_id`, while remembered.
    pub fn started_by(&self, turn_id: &str) -> Option<String> {
        lock(&self.inner)
            .owners
            .by_turn
            .get(turn_id)
            .map(|(_, who)| who.clone())
    }

    /// Who started the latest turn of `thread_id` here, while remembered.
    pub fn latest_started_by(&self, thread_id: &str) -> Option<String> {
        lock(&self.inner)
            .owners
            .latest_by_thread
            .get(thread_id)
            .map(|(_, who)| who.clone())
    }

    /// Every turn still running.
    pub fn running(&self) -> Vec<Arc<TurnHandle>> {
        lock(&self.inner)
            .turns
            .values()
            .filter(|handle| !handle.is_finished())
            .cloned()
            .collect()
    }

    /// The thread's token totals after its latest turn here: the next turn's baseline.
    pub fn usage_baseline(&self, thread_id: &str) -> Option<TokenUsageBreakdown> {
        lock(&self.inner)
            .latest_by_thread
            .get(thread_id)
            .and_then(|previous| previous.usage_total())
    }

    pub fn mark_ephemeral(&self, thread_id: &str) {
        lock(&self.inner).ephemeral.insert(thread_id.to_string());
    }

    /// Whether the bridge started this thread as ephemeral (it dies with its app-server).
    pub fn is_ephemeral(&self, thread_id: &str) -> bool {
        lock(&self.inner).ephemeral.contains(thread_id)
    }
}

fn busy(thread_id: &str, turn_id: Option<&str>) -> CodexError {
    CodexError::TurnRunning {
        thread_id: thread_id.to_string(),
        turn_id: turn_id.map(str::to_string),
        elsewhere: false,
    }
}

/// Drop finished turns older than [`KEEP_FINISHED_FOR`], then the oldest finished ones
/// beyond [`KEEP_FINISHED_MAX`] or [`KEEP_FINISHED_BYTES`]. Running turns are always kept.
fn prune(inner: &mut Inner, now: Instant) {
    inner.turns.retain(|_, handle| {
        handle
            .finished_at()
            .is_none_or(|finished| now.duration_since(finished) < KEEP_FINISHED_FOR)
    });
    forget_oldest(inner, KEEP_FINISHED_MAX, KEEP_FINISHED_BYTES);
    let Inner {
        turns,
        latest_by_thread,
        ..
    } = inner;
    latest_by_thread.retain(|_, handle| turns.contains_key(&handle.turn_id));
}

/// Forget the oldest finished turns: enough to leave room for one more turn within
/// `keep_max`, then more until those left hold at most `budget` bytes of text. The newest
/// finished turn is not forgotten for its size (its caller may not have read it).
fn forget_oldest(inner: &mut Inner, keep_max: usize, budget: usize) {
    let mut finished: Vec<_> = inner
        .turns
        .values()
        .filter_map(|handle| {
            let at = handle.finished_at()?;
            Some((at, handle.turn_id.clone(), handle.text_bytes()))
        })
        .collect();
    finished.sort();
    let excess = (inner.turns.len() + 1)
        .saturating_sub(keep_max)
        .min(finished.len());
    for (_, turn_id, _) in finished.drain(..excess) {
        inner.turns.remove(&turn_id);
    }
    let mut held: usize = finished.iter().map(|(_, _, bytes)| bytes).sum();
    finished.pop();
    for (_, turn_id, bytes) in finished {
        if held <= budget {
            break;
        }
        inner.turns.remove(&turn_id);
        held -= bytes;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(thread: &str, turn: &str) -> Arc<TurnHandle> {
        let handle = TurnHandle::new(thread.into(), turn.into(), false, None);
        handle.fail("done".into());
        handle
    }

    #[test]
    fn finished_turns_are_bounded_in_number() {
        let registry = Registry::default();
        for n in 0..(KEEP_FINISHED_MAX + 50) {
            registry.register(finished(&format!("t{n}"), &format!("u{n}")));
        }
        let inner = lock(&registry.inner);
        assert!(inner.turns.len() <= KEEP_FINISHED_MAX);
        assert!(inner.latest_by_thread.len() <= KEEP_FINISHED_MAX);
        // The newest survive.
        assert!(inner
            .turns
            .contains_key(&format!("u{}", KEEP_FINISHED_MAX + 49)));
    }

    #[test]
    fn finished_turns_are_bounded_in_bytes_and_the_newest_is_kept() {
        use crate::codex::turn::finished_with_answer;
        let registry = Registry::default();
        for n in 0..6 {
            let answer = "x".repeat(100);
            registry.register(finished_with_answer(
                &format!("t{n}"),
                &format!("u{n}"),
                &answer,
            ));
        }
        registry.register(TurnHandle::new("t9".into(), "running".into(), false, None));
        let mut inner = lock(&registry.inner);
        forget_oldest(&mut inner, KEEP_FINISHED_MAX, 250);
        let mut kept: Vec<_> = inner.turns.keys().cloned().collect();
        kept.sort();
        assert_eq!(
            kept,
            ["running", "u4", "u5"],
            "the newest finished, and running ones"
        );
        // One turn over the whole budget is still kept while it is the newest.
        forget_oldest(&mut inner, KEEP_FINISHED_MAX, 10);
        let mut kept: Vec<_> = inner.turns.keys().cloned().collect();
        kept.sort();
        assert_eq!(kept, ["running", "u5"]);
    }

    #[test]
    fn finished_turns_expire_after_an_hour() {
        let registry = Registry::default();
        registry.register(finished("t1", "old"));
        registry.register(TurnHandle::new("t2".into(), "running".into(), false, None));
        let mut inner = lock(&registry.inner);
        prune(&mut inner, Instant::now() + KEEP_FINISHED_FOR / 2);
        assert_eq!(inner.turns.len(), 2, "kept while fresh");
        prune(&mut inner, Instant::now() + KEEP_FINISHED_FOR * 2);
        assert!(!inner.turns.contains_key("old"), "expired");
        assert!(
            inner.turns.contains_key("running"),
            "running turns never expire"
        );
        assert!(!inner.latest_by_thread.contains_key("t1"));
    }

    #[test]
    fn running_turns_are_never_pruned() {
        let registry = Registry::default();
        registry.register(TurnHandle::new("t".into(), "running".into(), false, None));
        for n in 0..(KEEP_FINISHED_MAX + 5) {
            registry.register(finished(&format!("t{n}"), &format!("u{n}")));
        }
        assert!(lock(&registry.inner).turns.contains_key("running"));
    }

    #[test]
    fn owners_outlive_pruned_turns_but_are_bounded() {
        let registry = Registry::default();
        for n in 0..(KEEP_OWNERS_MAX + 3) {
            let handle = finished(&format!("t{}", n % 7), &format!("u{n}"));
            handle.set_started_by(format!("agent{n}"));
            registry.register(handle);
        }
        assert_eq!(registry.started_by("u0"), None, "the oldest are forgotten");
        let newest = KEEP_OWNERS_MAX + 2;
        assert_eq!(
            registry.started_by(&format!("u{newest}")),
            Some(format!("agent{newest}"))
        );
        assert_eq!(
            registry.latest_started_by(&format!("t{}", newest % 7)),
            Some(format!("agent{newest}"))
        );
        assert!(lock(&registry.inner).owners.by_turn.len() <= KEEP_OWNERS_MAX);
    }

    #[tokio::test]
    async fn a_thread_takes_one_turn_at_a_time() {
        let registry = Registry::default();
        let first = registry.reserve("t", None).await.expect("free");
        assert!(matches!(
            registry.reserve("t", None).await,
            Err(CodexError::TurnRunning { .. })
        ));
        drop(first);
        registry
            .reserve("t", None)
            .await
            .expect("free again once released");
    }
}
