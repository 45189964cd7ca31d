//! Reads and edits of saved threads: list, read, page through turns, rename, archive,
//! unarchive, revert; and the model catalog. None of these starts a turn.

use super::CodexClient;
use crate::codex::error::{classify, About, CodexError};
use crate::codex::protocol::{
    Model, ModelListParams, SortDirection, Thread, ThreadArchiveParams, ThreadListParams,
    ThreadListResponse, ThreadReadParams, ThreadRevertParams, ThreadSetNameParams,
    ThreadTurnsListParams, ThreadTurnsListResponse, ThreadUnarchiveParams, Turn, TurnItemsView,
};

impl CodexClient {
    pub async fn list_threads(
        &self,
        params: ThreadListParams,
    ) -> Result<ThreadListResponse, CodexError> {
        let session = self.sessions.current().await?;
        session
            .connection
            .call(&params)
            .await
            .map_err(|e| classify(e, About::Listing))
    }

    /// A saved thread, without its turns.
    pub async fn thread(&self, thread_id: &str) -> Result<Thread, CodexError> {
        self.read(thread_id, false).await
    }

    /// A saved thread with all its turns (`thread/read` with `includeTurns`; for long
    /// threads [`Self::list_turns`] pages instead).
    pub async fn read_thread(&self, thread_id: &str) -> Result<Thread, CodexError> {
        self.read(thread_id, true).await
    }

    async fn read(&self, thread_id: &str, include_turns: bool) -> Result<Thread, CodexError> {
        let session = self.sessions.current().await?;
        let read = session
            .connection
            .call(&ThreadReadParams {
                thread_id: thread_id.to_string(),
                include_turns,
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        Ok(read.thread)
    }

    /// One page of a saved thread's turns (`thread/turns/list`), newest first unless
    /// `direction` says otherwise. A thread with no turn yet has none to list (the
    /// app-server answers "not supported yet" until its first turn is saved).
    pub async fn list_turns(
        &self,
        thread_id: &str,
        cursor: Option<String>,
        limit: Option<u32>,
        direction: Option<SortDirection>,
        view: TurnItemsView,
    ) -> Result<ThreadTurnsListResponse, CodexError> {
        let session = self.sessions.current().await?;
        let listed = session
            .connection
            .call(&ThreadTurnsListParams {
                thread_id: thread_id.to_string(),
                cursor,
                limit,
                sort_direction: direction,
                items_view: Some(view),
            })
            .await;
        match listed {
            Err(CodexError::Rpc(rpc)) if rpc.message.contains("not supported yet") => {
                Ok(ThreadTurnsListResponse {
                    data: Vec::new(),
                    next_cursor: None,
                })
            }
            Err(CodexError::Rpc(rpc)) if rpc.message.contains("invalid cursor") => {
                Err(CodexError::InvalidCursor {
                    detail: rpc.message,
                })
            }
            listed => listed.map_err(|e| self.classify(thread_id, e)),
        }
    }

    /// The thread's newest turn, if it has one.
    pub async fn newest_turn(&self, thread_id: &str) -> Result<Option<Turn>, CodexError> {
        let page = self
            .list_turns(thread_id, None, Some(1), None, TurnItemsView::Summary)
            .await?;
        Ok(page.data.into_iter().next())
    }

    /// `thread/name/set`.
    pub async fn rename_thread(&self, thread_id: &str, name: &str) -> Result<(), CodexError> {
        let session = self.sessions.current().await?;
        session
            .connection
            .call(&ThreadSetNameParams {
                thread_id: thread_id.to_string(),
                name: name.to_string(),
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        Ok(())
    }

    /// `thread/archive`. The app-server unloads the thread, so its next turn resumes it.
    pub async fn archive_thread(&self, thread_id: &str) -> Result<(), CodexError> {
        let session = self.sessions.current().await?;
        session
            .connection
            .call(&ThreadArchiveParams {
                thread_id: thread_id.to_string(),
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        session.mark_unloaded(thread_id);
        Ok(())
    }

    /// `thread/unarchive`: the thread, back in the default list (not loaded).
    pub async fn unarchive_thread(&self, thread_id: &str) -> Result<Thread, CodexError> {
        let session = self.sessions.current().await?;
        let unarchived = session
            .connection
            .call(&ThreadUnarchiveParams {
                thread_id: thread_id.to_string(),
            })
            .await
            .map_err(|e| self.classify(thread_id, e))?;
        session.mark_unloaded(thread_id);
        Ok(unarchived.thread)
    }

    /// `thread/revert`: drop `before_turn_id` and every later turn from the history. The
    /// thread must be loaded (the app-server answers "thread not found" otherwise).
    pub async fn revert_thread(
        &self,
        thread_id: &str,
        before_turn_id: &str,
    ) -> Result<Thread, CodexError> {
        let session = self.sessions.current().await?;
        self.load(&session, thread_id).await?;
        let reverted = session
            .connection
            .call(&ThreadRevertParams {
                thread_id: thread_id.to_string(),
                before_turn_id: before_turn_id.to_string(),
            })
            .await
            .map_err(|e| {
                classify(
                    e,
                    About::Turn {
                        thread_id,
                        turn_id: before_turn_id,
                    },
                )
            })?;
        // The app-server reloads the thread; resume it before the next turn.
        session.mark_unloaded(thread_id);
        Ok(reverted.thread)
    }

    /// Every model of the app-server's catalog, hidden ones included (`model/list`, every
    /// page), read once per bridge: the catalog is bundled with the app-server.
    pub async fn models(&self) -> Result<&[Model], CodexError> {
        let models = self
            .models
            .get_or_try_init(|| async {
                let session = self.sessions.current().await?;
                let mut models = Vec::new();
                let mut cursor = None;
                loop {
                    let page = session
                        .connection
                        .call(&ModelListParams {
                            cursor: cursor.take(),
                            limit: None,
                            include_hidden: Some(true),
                        })
                        .await?;
                    models.extend(page.data);
                    match page.next_cursor {
                        Some(next) if !next.is_empty() => cursor = Some(next),
                        _ => break,
                    }
                }
                Ok::<_, CodexError>(models)
            })
            .await?;
        Ok(models)
    }

    /// Whether this bridge holds a running turn on `thread_id`.
    pub fn holds_running_turn(&self, thread_id: &str) -> Option<String> {
        self.registry
            .find(thread_id, None)
            .filter(|handle| !handle.is_finished())
            .map(|handle| handle.turn_id.clone())
    }
}
