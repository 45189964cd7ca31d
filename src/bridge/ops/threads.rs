//! Thread operations: list threads (including ones other front-ends started), read one
//! thread's history.

use super::{check_id, Bridge, IdKind};
use crate::bridge::error::BridgeError;
use crate::bridge::results::{ThreadHistory, ThreadList, ThreadSummary, TurnSummary};
use crate::codex::protocol::ThreadListParams;

/// Largest `limit` accepted by the listing operations.
pub const MAX_LIMIT: i64 = 100;
/// Threads per page when the caller gives no `limit`.
pub const DEFAULT_LIST_LIMIT: i64 = 20;

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
        let params = ThreadListParams {
            limit: Some(limit),
            cursor: list.cursor.filter(|cursor| !cursor.is_empty()),
            cwd: list.cwd,
            search_term: list.search.filter(|search| !search.is_empty()),
            archived: list.archived,
            ..ThreadListParams::default()
        };
        let response = self.client.list_threads(params).await?;
        Ok(ThreadList {
            threads: response
                .data
                .into_iter()
                .map(|thread| {
                    let mut summary = ThreadSummary::from(thread);
                    summary.started_by = self.client.latest_started_by(&summary.id);
                    summary
                })
                .collect(),
            next_cursor: response.next_cursor,
        })
    }

    /// A thread's turns, oldest first; `limit` keeps the last N.
    pub async fn read_thread(
        &self,
        thread_id: &str,
        limit: Option<i64>,
    ) -> Result<ThreadHistory, BridgeError> {
        let limit = check_limit(limit, MAX_LIMIT)? as usize;
        let thread_id = check_id("thread_id", IdKind::Thread, thread_id, self.door)?;
        let thread = self.client.read_thread(&thread_id).await?;
        let total_turns = thread.turns.len();
        let status = thread.status_word().to_string();
        let turns = thread
            .turns
            .into_iter()
            .skip(total_turns.saturating_sub(limit))
            .map(|turn| {
                let mut summary = TurnSummary::from(turn);
                summary.started_by = self.client.started_by(&summary.turn_id);
                summary
            })
            .collect();
        Ok(ThreadHistory {
            thread_id: thread.id,
            name: thread.name,
            cwd: thread.cwd,
            status,
            total_turns,
            turns,
        })
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
