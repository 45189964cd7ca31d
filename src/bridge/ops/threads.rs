//! Thread operations: list threads (including ones other front-ends started), read one
//! thread's history a page at a time (or one turn in full), rename, archive, unarchive and
//! revert a thread.

use super::{check_id, Bridge, IdKind};
use crate::bridge::error::BridgeError;
use crate::bridge::results::{
    RevertResult, ThreadHistory, ThreadList, ThreadSummary, TurnResult, TurnSummary,
};
use crate::codex::error::CodexError;
use crate::codex::protocol::{SortDirection, ThreadListParams, ThreadStatus, Turn, TurnItemsView};

/// Largest `limit` accepted by the listing operations.
pub const MAX_LIMIT: i64 = 100;
/// Threads per page when the caller gives no `limit`.
pub const DEFAULT_LIST_LIMIT: i64 = 20;
/// Turns per page of a history when the caller gives no `limit`.
pub const DEFAULT_TURNS_LIMIT: i64 = 20;
/// Turns per request while looking for one turn by id.
const SEARCH_PAGE: u32 = 50;
/// Longest thread name accepted.
pub const MAX_NAME_CHARS: usize = 200;

/// `codex_list_threads` / `codex-bridge threads`.
#[derive(Debug, Clone, Default)]
pub struct ListThreads {
    /// Exact match on the thread's working directory (absolute).
    pub cwd: Option<String>,
    /// Text in the thread's title.
    pub search: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub archived: Option<bool>,
}

/// How much of a turn `codex_read_thread` returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Detail {
    /// Prompt and answer.
    #[default]
    Summary,
    /// Every command with its output, every file change with its diff, every approval.
    Full,
}

/// `codex_read_thread` / `codex-bridge threads read`.
#[derive(Debug, Clone, Default)]
pub struct ReadThread {
    pub thread_id: String,
    /// Turns per page, newest page first.
    pub limit: Option<i64>,
    /// `next_cursor` of a previous page: the page of older turns.
    pub cursor: Option<String>,
    /// Only this turn.
    pub turn_id: Option<String>,
    pub detail: Detail,
}

impl Bridge {
    pub async fn list_threads(&self, list: ListThreads) -> Result<ThreadList, BridgeError> {
        let limit = check_limit(list.limit, DEFAULT_LIST_LIMIT)?;
        if let Some(cwd) = &list.cwd {
            if !std::path::Path::new(cwd).is_absolute() {
                return Err(BridgeError::argument(
                    "cwd",
                    format!("must be an absolute path, got {cwd:?}"),
                ));
            }
        }
        let archived = list.archived.unwrap_or(false);
        let params = ThreadListParams {
            limit: Some(limit),
            cursor: list.cursor.filter(|cursor| !cursor.is_empty()),
            cwd: list.cwd,
            search_term: list.search.filter(|search| !search.is_empty()),
            archived: list.archived,
            ..ThreadListParams::default()
        };
        let response = self.client.list_threads(params).await?;
        let mut threads: Vec<ThreadSummary> = Vec::new();
        for thread in response.data {
            // A thread reverted before it was archived has two saved files, and the
            // app-server lists it once per file.
            if !threads.iter().any(|seen| seen.id == thread.id) {
                let mut summary = ThreadSummary::of(thread, archived);
                summary.started_by = self.client.latest_started_by(&summary.id);
                threads.push(summary);
            }
        }
        Ok(ThreadList {
            threads,
            next_cursor: response.next_cursor,
        })
    }

    /// A page of a thread's turns, oldest first within the page; the first page holds the
    /// newest turns and `next_cursor` leads to older ones. With `turn_id`, that turn only
    /// (in full with `Detail::Full`).
    pub async fn read_thread(&self, read: ReadThread) -> Result<ThreadHistory, BridgeError> {
        let limit = check_limit(read.limit, DEFAULT_TURNS_LIMIT)?;
        let thread_id = check_id("thread_id", IdKind::Thread, &read.thread_id, self.door)?;
        let turn_id = match &read.turn_id {
            Some(id) => Some(check_id("turn_id", IdKind::Turn, id, self.door)?),
            None => None,
        };
        if read.detail == Detail::Full && turn_id.is_none() {
            return Err(BridgeError::argument(
                "detail",
                "\"full\" needs turn_id: one turn's whole record at a time (take the turn_id from a result or from this thread's turns)",
            ));
        }
        let thread = self.client.thread(&thread_id).await?;
        let total_turns = self.count_turns(&thread_id).await?;
        let mut history = ThreadHistory {
            thread_id: thread.id.clone(),
            name: thread.name.clone(),
            cwd: thread.cwd.clone(),
            status: thread.status_word().to_string(),
            forked_from_id: thread.forked_from_id.clone(),
            total_turns,
            turns: Vec::new(),
            next_cursor: None,
            turn: None,
        };
        if let Some(turn_id) = turn_id {
            let view = match read.detail {
                Detail::Full => TurnItemsView::Full,
                Detail::Summary => TurnItemsView::Summary,
            };
            let Some(turn) = self.find_saved_turn(&thread_id, &turn_id, view).await? else {
                return Err(self.no_such_turn(&thread_id, &turn_id));
            };
            history.turns.push(TurnSummary::from(turn.clone()));
            if read.detail == Detail::Full {
                history.turn = Some(self.full_turn(&thread_id, turn).await);
            }
            return Ok(history);
        }
        let page = self
            .client
            .list_turns(
                &thread_id,
                read.cursor.filter(|cursor| !cursor.is_empty()),
                Some(limit),
                Some(SortDirection::Desc),
                TurnItemsView::Summary,
            )
            .await
            .map_err(|error| self.cursor_error(error))?;
        history.turns = page
            .data
            .into_iter()
            .rev()
            .filter(|turn| !TurnSummary::is_sub_agent(turn))
            .map(|turn| {
                let mut summary = TurnSummary::from(turn);
                summary.started_by = self.client.started_by(&summary.turn_id);
                summary
            })
            .collect();
        history.next_cursor = page.next_cursor.filter(|cursor| !cursor.is_empty());
        Ok(history)
    }

    /// The turns of a saved thread, sub-agents' bookkeeping turns left out.
    async fn count_turns(&self, thread_id: &str) -> Result<usize, BridgeError> {
        let all = self
            .client
            .list_turns(thread_id, None, None, None, TurnItemsView::NotLoaded)
            .await?;
        Ok(all
            .data
            .iter()
            .filter(|turn| !TurnSummary::is_sub_agent(turn))
            .count())
    }

    /// One saved turn by id, looked for newest first.
    pub(super) async fn find_saved_turn(
        &self,
        thread_id: &str,
        turn_id: &str,
        view: TurnItemsView,
    ) -> Result<Option<Turn>, BridgeError> {
        let mut cursor = None;
        loop {
            let page = self
                .client
                .list_turns(thread_id, cursor, Some(SEARCH_PAGE), None, view)
                .await?;
            if let Some(turn) = page.data.into_iter().find(|turn| turn.id == turn_id) {
                return Ok(Some(turn));
            }
            match page.next_cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => return Ok(None),
            }
        }
    }

    /// A saved turn's whole record, with the approvals this bridge recorded while it
    /// still holds the turn, and a review's findings.
    async fn full_turn(&self, thread_id: &str, turn: Turn) -> TurnResult {
        let turn_id = turn.id.clone();
        let is_review = turn.items.iter().any(|item| {
            matches!(
                item,
                crate::codex::protocol::ThreadItem::ExitedReviewMode { .. }
            )
        });
        let mut result = TurnResult::from_saved(thread_id, turn, true);
        if let Some(handle) = self.client.find_turn(thread_id, Some(&turn_id)) {
            let held = TurnResult::of(&handle, self.door);
            result.approvals = held.approvals;
            result.usage = held.usage;
            result.structured = held.structured;
        }
        if is_review {
            result.review = self.review_report(thread_id).await;
        }
        result
    }

    fn no_such_turn(&self, thread_id: &str, turn_id: &str) -> BridgeError {
        BridgeError::NotFound(format!(
            "thread {thread_id} has no turn {turn_id}; see its turns and their ids with {}",
            self.door.read_thread()
        ))
    }

    fn cursor_error(&self, error: CodexError) -> BridgeError {
        match error {
            CodexError::InvalidCursor { detail } => BridgeError::argument(
                "cursor",
                format!(
                    "is not valid ({detail}); pass the next_cursor of a previous page of this thread, or omit it for the newest turns"
                ),
            ),
            other => other.into(),
        }
    }

    /// `codex_rename_thread`: the thread with its new name.
    pub async fn rename_thread(
        &self,
        thread_id: &str,
        name: &str,
    ) -> Result<ThreadSummary, BridgeError> {
        let thread_id = check_id("thread_id", IdKind::Thread, thread_id, self.door)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(BridgeError::argument(
                "name",
                "is empty: give the thread a name other agents can find it by",
            ));
        }
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            return Err(BridgeError::argument(
                "name",
                format!("has {chars} characters; at most {MAX_NAME_CHARS}"),
            ));
        }
        self.client.rename_thread(&thread_id, name).await?;
        let mut summary = ThreadSummary::of(self.client.thread(&thread_id).await?, false);
        // The app-server's answer can lag the name it just saved.
        summary.name = Some(name.to_string());
        Ok(summary)
    }

    /// `codex_archive_thread`. Refused while a turn runs on the thread: the app-server
    /// would silently interrupt it.
    pub async fn archive_thread(&self, thread_id: &str) -> Result<ThreadSummary, BridgeError> {
        let thread_id = check_id("thread_id", IdKind::Thread, thread_id, self.door)?;
        let thread = self.idle_thread(&thread_id, "archive").await?;
        self.client.archive_thread(&thread_id).await?;
        let mut summary = ThreadSummary::of(thread, true);
        summary.status = ThreadStatus::NotLoaded.word().to_string();
        Ok(summary)
    }

    /// `codex_unarchive_thread`: the thread, back in the default list.
    pub async fn unarchive_thread(&self, thread_id: &str) -> Result<ThreadSummary, BridgeError> {
        let thread_id = check_id("thread_id", IdKind::Thread, thread_id, self.door)?;
        match self.client.unarchive_thread(&thread_id).await {
            Ok(thread) => Ok(ThreadSummary::of(thread, false)),
            // "thread <id> already has an active writer": it is loaded, so not archived.
            Err(CodexError::Rpc(rpc)) if rpc.message.contains("active writer") => Err(
                BridgeError::NotFound(format!("thread {thread_id} is not archived; nothing to do")),
            ),
            Err(error) => Err(error.into()),
        }
    }

    /// `codex_revert_thread`: drop `before_turn_id` and every later turn from the history.
    /// Files those turns changed are NOT restored.
    pub async fn revert_thread(
        &self,
        thread_id: &str,
        before_turn_id: &str,
    ) -> Result<RevertResult, BridgeError> {
        let thread_id = check_id("thread_id", IdKind::Thread, thread_id, self.door)?;
        let before = check_id("before_turn_id", IdKind::Turn, before_turn_id, self.door)?;
        self.idle_thread(&thread_id, "revert").await?;
        let before_count = self.count_turns(&thread_id).await?;
        match self.client.revert_thread(&thread_id, &before).await {
            Ok(_) => {}
            Err(CodexError::TurnNotFound { .. }) => {
                return Err(BridgeError::argument(
                    "before_turn_id",
                    format!(
                        "{before} is not a turn of thread {thread_id}; see its turns and their ids with {}",
                        self.door.read_thread()
                    ),
                ))
            }
            Err(error) => return Err(error.into()),
        }
        let remaining = self.count_turns(&thread_id).await?;
        Ok(RevertResult {
            thread_id,
            reverted_turns: before_count.saturating_sub(remaining),
            remaining_turns: remaining,
            files_restored: false,
        })
    }

    /// The thread, if no turn runs on it (in this bridge or in another Codex client).
    async fn idle_thread(
        &self,
        thread_id: &str,
        action: &str,
    ) -> Result<crate::codex::protocol::Thread, BridgeError> {
        if let Some(turn_id) = self.client.holds_running_turn(thread_id) {
            return Err(self.busy(
                BridgeError::Codex(CodexError::TurnRunning {
                    thread_id: thread_id.to_string(),
                    turn_id: Some(turn_id),
                    elsewhere: false,
                }),
                action,
            ));
        }
        let thread = self.client.thread(thread_id).await?;
        if let Some(ThreadStatus::Active { .. }) = thread.status {
            return Err(self.busy(
                BridgeError::Codex(CodexError::TurnRunning {
                    thread_id: thread_id.to_string(),
                    turn_id: None,
                    elsewhere: true,
                }),
                action,
            ));
        }
        Ok(thread)
    }

    fn busy(&self, error: BridgeError, action: &str) -> BridgeError {
        BridgeError::NotFound(format!(
            "cannot {action} now: {}",
            error.describe(self.door)
        ))
    }
}

fn check_limit(limit: Option<i64>, default: i64) -> Result<u32, BridgeError> {
    let limit = limit.unwrap_or(default);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(BridgeError::argument(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}, got {limit}"),
        ));
    }
    Ok(limit as u32)
}
