//! Spare threads: threads started ahead of time on the bridge's own app-server, so that a new
//! thread (`codex_ask`) costs one `turn/start` instead of `thread/start` + `turn/start`
//! (`thread/start` is about a fifth of an ask on a 2-core machine).
//!
//! What this rests on (measured on Codex 0.169 and 0.171; `tests/suite/spare_threads.rs`,
//! and `docs/operating.md#spare-threads` for users):
//! - a thread that has had no turn is not listed (`thread/list`), not written anywhere under
//!   `CODEX_HOME` (no rollout file, no state row) and gone after the app-server restarts;
//!   the only trace is `thread/loaded/list`, which the bridge never shows;
//! - its first turn, given the per-turn settings (model, effort, sandbox, approval policy,
//!   cwd), sends the model a request identical to the one a `thread/start` with those
//!   settings would (ids and timestamps aside), whatever the model family;
//! - what only `thread/start` sets must match: base and developer instructions, `ephemeral`,
//!   and the cwd (listings report and filter on the cwd the thread started in; the project's
//!   `AGENTS.md` files are read from it when the thread starts);
//! - `thread/started` reaches every connection of the app-server, so a spare is only ever
//!   kept on an app-server nobody else uses ([`super::connection::Sharing::Exclusive`]).
//!
//! So a spare is used only for a new thread with no instructions, not ephemeral, in the cwd
//! the spare started in, while the files Codex read when it started (instructions, project and
//! user configuration) are unchanged ([`Fingerprint`]), and it is younger than [`MAX_AGE`]
//! (a listing shows the spare's start as the thread's creation time). Anything else starts a
//! thread as before. One trace differs: the rollout records the spare's default model as the
//! base instructions' provenance (the requests to the model are the same).
//!
//! Spares are started in the background (when the session opens, and after each turn the
//! bridge ran ends, so a refill does not compete with that turn), never waited for unless a
//! call claims one whose `thread/start` is already in flight (the answer it would have
//! waited for anyway). A spare that no longer fits is unsubscribed (the app-server unloads
//! it within about a minute; nothing of it was written). The pool belongs to one session:
//! a restarted app-server starts with an empty one, and shutdown waits briefly for the
//! starts in flight.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::connection::Connection;
use super::protocol::{AskForApproval, SandboxMode, ThreadStartParams, ThreadUnsubscribeParams};
use crate::lock::lock;

/// A spare older than this is not used (its start would show as the thread's creation time
/// in listings), but replaced.
pub const MAX_AGE: Duration = Duration::from_secs(5 * 60);
/// After a spare failed to start (a broken `config.toml` makes every `thread/start` fail),
/// no new one is tried for this long.
const FAILURE_PAUSE: Duration = Duration::from_secs(30);
/// How long shutdown waits for spare starts in flight.
const CLOSE_WAIT: Duration = Duration::from_millis(500);

/// How many spare threads to keep, and where they start until an ask says otherwise.
#[derive(Debug, Clone, Default)]
pub struct SparePolicy {
    /// Spare threads kept ready (0: none).
    pub count: usize,
    /// The cwd the first spares start in (the bridge's default cwd). Later spares start
    /// in the cwd of the latest new thread that could use one.
    pub cwd: Option<PathBuf>,
}

/// The spare threads of one session.
pub struct Spares {
    count: usize,
    connection: Arc<Connection>,
    pool: Mutex<Pool>,
    /// Spare starts and let-gos in flight, awaited at close.
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Default)]
struct Pool {
    slots: Vec<Slot>,
    /// Where new spares start.
    cwd: Option<PathBuf>,
    next_slot: u64,
    last_failure: Option<Instant>,
    /// The session is closing: no new spare.
    closed: bool,
}

/// One spare, started or starting.
struct Slot {
    id: u64,
    cwd: PathBuf,
    born: Instant,
    /// The thread id once `thread/start` answered, with the instruction files' state.
    started: oneshot::Receiver<(String, Fingerprint)>,
}

/// A spare taken for a new thread (its start may still be in flight).
pub struct Claim {
    cwd: PathBuf,
    born: Instant,
    started: oneshot::Receiver<(String, Fingerprint)>,
    spares: Arc<Spares>,
}

impl Claim {
    /// The spare's thread id, or `None` when it did not start or no longer fits (then the
    /// caller starts a thread itself).
    pub async fn thread_id(self) -> Option<String> {
        let (thread_id, fingerprint) = self.started.await.ok()?;
        if self.born.elapsed() > MAX_AGE {
            tracing::debug!(%thread_id, "spare thread too old; not used");
        } else if !fingerprint.matches(&Fingerprint::of(&self.cwd)) {
            tracing::info!(%thread_id, cwd = %self.cwd.display(), "the project's files or Codex's configuration changed since the spare thread started (instructions may have); not used");
        } else {
            tracing::debug!(%thread_id, "new thread from a spare");
            return Some(thread_id);
        }
        self.spares.discard(thread_id);
        None
    }
}

impl Spares {
    /// The spares of a session on `connection`; `None` when the policy keeps none.
    pub fn new(policy: &SparePolicy, connection: Arc<Connection>) -> Option<Arc<Spares>> {
        (policy.count > 0).then(|| {
            Arc::new(Spares {
                count: policy.count,
                connection,
                pool: Mutex::new(Pool {
                    cwd: policy.cwd.clone(),
                    ..Pool::default()
                }),
                tasks: Mutex::new(Vec::new()),
            })
        })
    }

    /// Take a spare for a new thread in `cwd` (the caller checked the other settings), and
    /// make `cwd` where the next spares start: spares started elsewhere are let go.
    pub fn claim(self: &Arc<Self>, cwd: &Path) -> Option<Claim> {
        let mut pool = lock(&self.pool);
        if pool.cwd.as_deref() != Some(cwd) {
            pool.cwd = Some(cwd.to_path_buf());
            let (elsewhere, here): (Vec<Slot>, Vec<Slot>) =
                pool.slots.drain(..).partition(|slot| slot.cwd != cwd);
            pool.slots = here;
            for slot in elsewhere {
                self.let_go(slot);
            }
        }
        let index = pool.slots.iter().position(|slot| slot.cwd == cwd)?;
        let slot = pool.slots.remove(index);
        Some(Claim {
            cwd: slot.cwd,
            born: slot.born,
            started: slot.started,
            spares: self.clone(),
        })
    }

    /// Start spares (in the background) until `count` are ready or starting.
    pub fn fill(self: &Arc<Self>) {
        let mut pool = lock(&self.pool);
        if pool.closed || self.connection.is_closed() {
            return;
        }
        if pool
            .last_failure
            .is_some_and(|at| at.elapsed() < FAILURE_PAUSE)
        {
            return;
        }
        let Some(cwd) = pool.cwd.clone() else {
            return;
        };
        // Spares past their age are replaced rather than kept.
        let (stale, fresh): (Vec<Slot>, Vec<Slot>) = pool
            .slots
            .drain(..)
            .partition(|slot| slot.born.elapsed() > MAX_AGE);
        pool.slots = fresh;
        for slot in stale {
            self.let_go(slot);
        }
        let mut tasks = lock(&self.tasks);
        tasks.retain(|task| !task.is_finished());
        while pool.slots.len() < self.count {
            let (sender, started) = oneshot::channel();
            let id = pool.next_slot;
            pool.next_slot += 1;
            pool.slots.push(Slot {
                id,
                cwd: cwd.clone(),
                born: Instant::now(),
                started,
            });
            let spares = self.clone();
            let cwd = cwd.clone();
            tasks.push(tokio::spawn(
                async move { spares.start(id, cwd, sender).await },
            ));
        }
    }

    /// Start one spare in `cwd` for slot `id`.
    async fn start(
        self: Arc<Self>,
        id: u64,
        cwd: PathBuf,
        sender: oneshot::Sender<(String, Fingerprint)>,
    ) {
        // Before `thread/start`: a file changed in between makes the spare look stale (never
        // the other way round).
        let fingerprint = Fingerprint::of(&cwd);
        // The settings a `codex_ask` would give; its first turn gives its own anyway.
        let params = ThreadStartParams {
            cwd: Some(cwd.display().to_string()),
            approval_policy: Some(AskForApproval::OnRequest),
            sandbox: Some(SandboxMode::ReadOnly),
            ..ThreadStartParams::default()
        };
        match self.connection.call(&params).await {
            Ok(started) => {
                let thread_id = started.thread.id;
                tracing::debug!(%thread_id, cwd = %cwd.display(), "spare thread ready");
                if let Err((thread_id, _)) = sender.send((thread_id, fingerprint)) {
                    // Let go of (or claimed and abandoned) while it started.
                    self.unsubscribe(thread_id).await;
                }
            }
            Err(error) => {
                tracing::info!(%error, "a spare thread did not start; new threads start as usual");
                let mut pool = lock(&self.pool);
                pool.last_failure = Some(Instant::now());
                pool.slots.retain(|slot| slot.id != id);
            }
        }
    }

    /// A claimed spare that turned out not to fit.
    fn discard(self: &Arc<Self>, thread_id: String) {
        let spares = self.clone();
        lock(&self.tasks).push(tokio::spawn(
            async move { spares.unsubscribe(thread_id).await },
        ));
    }

    /// A spare nobody will use: unsubscribed once started.
    fn let_go(self: &Arc<Self>, mut slot: Slot) {
        match slot.started.try_recv() {
            Ok((thread_id, _)) => self.discard(thread_id),
            // Still starting: dropping the receiver makes its start let it go.
            Err(oneshot::error::TryRecvError::Empty) => {}
            Err(oneshot::error::TryRecvError::Closed) => {}
        }
    }

    /// Let the app-server unload a thread that never had a turn (after about a minute
    /// without a subscriber; nothing of it was written).
    async fn unsubscribe(&self, thread_id: String) {
        let params = ThreadUnsubscribeParams {
            thread_id: thread_id.clone(),
        };
        match self.connection.call(&params).await {
            Ok(answer) => {
                tracing::debug!(%thread_id, status = ?answer.status, "spare thread let go")
            }
            Err(error) => tracing::debug!(%thread_id, %error, "could not let a spare thread go"),
        }
    }

    /// No more spares; wait briefly for the starts in flight, so the session closes with
    /// no request of theirs pending.
    pub async fn close(&self) {
        {
            let mut pool = lock(&self.pool);
            pool.closed = true;
            pool.slots.clear();
        }
        let tasks = std::mem::take(&mut *lock(&self.tasks));
        let _ = tokio::time::timeout(CLOSE_WAIT, futures_util::future::join_all(tasks)).await;
    }
}

/// The state of the files Codex reads when a thread starts in a cwd (seen on Codex 0.169: a
/// file written after a thread started does not reach its turns; `$CODEX_HOME/AGENTS.md` and
/// skills are read at each turn). A spare whose fingerprint changed is not used:
/// - `AGENTS.md`, `AGENTS.override.md`, `.codex` and `.codex/config.toml` in the cwd and each
///   directory above it;
/// - every file directly in the directories from the cwd up to the project root (the nearest
///   one holding `.git`; the cwd alone without one), and those directories themselves: the
///   instruction files named by `project_doc_fallback_filenames` can be any file there, and a
///   file created, removed or renamed changes its directory;
/// - `$CODEX_HOME/config.toml` (the default model, provider and instructions).
///
/// Modification time and size per path. A directory of more than [`MAX_ENTRIES`] entries makes
/// the fingerprint [`Fingerprint::unknown`], which never matches: no spare there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(Option<Vec<Option<(SystemTime, u64)>>>);

/// The most entries of one directory a fingerprint reads.
const MAX_ENTRIES: usize = 1_000;

impl Fingerprint {
    const NAMES: [&'static str; 4] = [
        "AGENTS.md",
        "AGENTS.override.md",
        ".codex",
        ".codex/config.toml",
    ];

    /// A fingerprint that matches nothing, not even itself.
    fn unknown() -> Fingerprint {
        Fingerprint(None)
    }

    pub fn of(cwd: &Path) -> Fingerprint {
        fn state(path: &Path) -> Option<(SystemTime, u64)> {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        }
        let mut paths: Vec<PathBuf> = cwd
            .ancestors()
            .flat_map(|dir| Self::NAMES.iter().map(move |name| dir.join(name)))
            .collect();
        let root = cwd
            .ancestors()
            .find(|dir| dir.join(".git").exists())
            .unwrap_or(cwd);
        for dir in cwd.ancestors() {
            paths.push(dir.to_path_buf());
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = Vec::new();
            for entry in entries.flatten() {
                if files.len() >= MAX_ENTRIES {
                    return Fingerprint::unknown();
                }
                if entry.file_type().is_ok_and(|kind| !kind.is_dir()) {
                    files.push(entry.path());
                }
            }
            files.sort();
            paths.extend(files);
            if dir == root {
                break;
            }
        }
        paths.push(codex_home().join("config.toml"));
        Fingerprint(Some(paths.iter().map(|path| state(path)).collect()))
    }

    /// Whether a spare started with this fingerprint may serve a thread whose cwd now has
    /// `now`.
    pub fn matches(&self, now: &Fingerprint) -> bool {
        self.0.is_some() && self == now
    }
}

/// Where Codex reads its configuration: `CODEX_HOME` (the spawned app-server inherits the
/// bridge's environment), else `~/.codex`.
fn codex_home() -> PathBuf {
    match std::env::var_os("CODEX_HOME") {
        Some(home) if !home.is_empty() => PathBuf::from(home),
        _ => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default()
            .join(".codex"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_changes_with_an_instruction_file_above_the_cwd() {
        let root = tempfile::tempdir().expect("dir");
        let cwd = root.path().join("a/b");
        std::fs::create_dir_all(&cwd).expect("mkdir");
        let before = Fingerprint::of(&cwd);
        assert_eq!(before, Fingerprint::of(&cwd));
        std::fs::write(root.path().join("a/AGENTS.md"), "be brief").expect("write");
        let after = Fingerprint::of(&cwd);
        assert_ne!(before, after);
        std::fs::write(root.path().join("a/AGENTS.md"), "be very brief").expect("write");
        assert_ne!(after, Fingerprint::of(&cwd));
    }

    /// What a hostile review found the first version missed: an in-place edit inside
    /// `.codex`, and an instruction file under another name (`project_doc_fallback_filenames`).
    #[test]
    fn the_fingerprint_changes_with_project_config_and_any_file_up_to_the_project_root() {
        let root = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(root.path().join(".git")).expect("a git root");
        std::fs::create_dir_all(root.path().join(".codex")).expect("mkdir .codex");
        let config = root.path().join(".codex/config.toml");
        std::fs::write(&config, "developer_instructions = \"old\"\n").expect("write");
        let cwd = root.path().join("sub");
        std::fs::create_dir_all(&cwd).expect("mkdir");
        let before = Fingerprint::of(&cwd);
        assert!(before.matches(&Fingerprint::of(&cwd)));

        std::fs::write(&config, "developer_instructions = \"new\"\n").expect("rewrite");
        let edited = Fingerprint::of(&cwd);
        assert!(
            !before.matches(&edited),
            "an in-place edit of .codex/config.toml"
        );

        std::fs::write(root.path().join("CLAUDE.md"), "be brief").expect("write");
        let created = Fingerprint::of(&cwd);
        assert!(!edited.matches(&created), "a new file at the project root");
        std::fs::write(root.path().join("CLAUDE.md"), "be briefer").expect("write");
        assert!(
            !created.matches(&Fingerprint::of(&cwd)),
            "an in-place edit at the root"
        );
    }

    #[test]
    fn a_huge_directory_never_matches() {
        let dir = tempfile::tempdir().expect("dir");
        for n in 0..=MAX_ENTRIES {
            std::fs::write(dir.path().join(format!("f{n}")), "").expect("write");
        }
        let fingerprint = Fingerprint::of(dir.path());
        assert!(!fingerprint.matches(&Fingerprint::of(dir.path())));
    }
}
