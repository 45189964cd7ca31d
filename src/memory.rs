//! Giving the memory a burst of work freed back to the system once the bridge goes quiet.
//!
//! glibc's `malloc` keeps freed memory for reuse, spread over one arena per thread that
//! allocated: after 1,000 `codex_ask` calls the bridge's live allocations had grown about
//! 1 MB (valgrind's massif) but its resident anonymous memory about 4 MB (`cargo bench`,
//! issue 17), and a long-lived server would keep its busiest moment's size for good. So every
//! MCP call holds a [`Busy`] while it runs; when the last one ends and none starts for
//! [`QUIET`], `malloc_trim(0)` hands the free pages of every arena back. It costs a walk
//! over the heap (well under a millisecond at the bridge's size), at most once per quiet
//! spell. Elsewhere than glibc it does nothing.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// How long no call runs before memory is handed back.
pub const QUIET: Duration = Duration::from_millis(250);

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
/// Bumped by every call that starts or ends: a trim scheduled before it is void.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Held by a call while it runs (dropped on every way out, cancellation included).
#[must_use = "the call counts as running only while this is held"]
pub struct Busy(());

impl Busy {
    pub fn enter() -> Busy {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        GENERATION.fetch_add(1, Ordering::SeqCst);
        Busy(())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        let generation = GENERATION.fetch_add(1, Ordering::SeqCst) + 1;
        if IN_FLIGHT.fetch_sub(1, Ordering::SeqCst) != 1 {
            return;
        }
        // Outside a runtime (nothing the bridge does) there is nobody to wait: skip it.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            tokio::time::sleep(QUIET).await;
            if GENERATION.load(Ordering::SeqCst) == generation
                && IN_FLIGHT.load(Ordering::SeqCst) == 0
            {
                trim();
            }
        });
    }
}

/// Hands free memory back to the system now.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and shrinks malloc's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_while_they_run() {
        // No other unit test runs an MCP call, so the count is this test's alone.
        let before = IN_FLIGHT.load(Ordering::SeqCst);
        let first = Busy::enter();
        let second = Busy::enter();
        assert_eq!(IN_FLIGHT.load(Ordering::SeqCst), before + 2);
        drop(first);
        assert_eq!(IN_FLIGHT.load(Ordering::SeqCst), before + 1);
        drop(second);
        assert_eq!(IN_FLIGHT.load(Ordering::SeqCst), before);
    }
}
