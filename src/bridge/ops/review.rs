//! `codex_review` / `codex-bridge review`: Codex's own code review (`review/start`), always
//! read-only, with its findings read back structured.
//!
//! Why it is built this way (seen on Codex 0.169): the review runs as a sub-agent that
//! keeps its thread's sandbox, so the bridge reviews in a thread it starts (or forks)
//! read-only with approvals set to `never`; the `exitedReviewMode` item carries only
//! rendered text, while the structured findings are the review sub-agent's own answer, in a
//! thread of its own (`thread/list` source kind `subAgentReview`, `parentThreadId` = the
//! reviewed thread).

use std::path::PathBuf;
use std::time::Duration;

use super::turns::{declining, TurnOutcome, Waiting};
use super::{check_id, Bridge, IdKind};
use crate::bridge::caller::Caller;
use crate::bridge::error::BridgeError;
use crate::bridge::results::ReviewReport;
use crate::bridge::watch::Watcher;
use crate::codex::client::ReviewThread;
use crate::codex::protocol::{ReviewTarget, ThreadListParams, ThreadSourceKind, TurnItemsView};

/// How often the reviewer's answer is looked for after the review turn ended (its thread is
/// saved a moment after the review turn completes).
const REPORT_ATTEMPTS: u32 = 10;
const REPORT_RETRY: Duration = Duration::from_millis(100);

/// What to review, as the doors take it (flat: several MCP clients handle unions badly).
#[derive(Debug, Clone, Default)]
pub struct Review {
    /// `uncommitted`, `base_branch`, `commit` or `custom`.
    pub target: String,
    pub base_branch: Option<String>,
    pub commit: Option<String>,
    pub commit_title: Option<String>,
    pub instructions: Option<String>,
    pub cwd: Option<String>,
    /// Review in a read-only fork of this thread (it has the context of that work).
    pub thread_id: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub wait_seconds: Option<f64>,
}

/// The `target` words, as the schema lists them.
pub const TARGETS: [&str; 4] = ["uncommitted", "base_branch", "commit", "custom"];

impl Review {
    /// The app-server's target, with every argument that belongs to another target refused.
    fn target(&self) -> Result<ReviewTarget, BridgeError> {
        let needs = |name: &str, value: Option<&str>, what: &str| {
            value.map(str::to_string).ok_or_else(|| {
                BridgeError::argument(
                    name,
                    format!("is required when target is {:?}: {what}", self.target),
                )
            })
        };
        let (target, uses): (ReviewTarget, &[&str]) = match self.target.as_str() {
            "uncommitted" => (ReviewTarget::UncommittedChanges, &[]),
            "base_branch" => (
                ReviewTarget::BaseBranch {
                    branch: needs(
                        "base_branch",
                        given(&self.base_branch),
                        "the branch to compare with, e.g. \"main\"",
                    )?,
                },
                &["base_branch"],
            ),
            "commit" => (
                ReviewTarget::Commit {
                    sha: needs("commit", given(&self.commit), "the commit's SHA")?,
                    title: given(&self.commit_title).map(str::to_string),
                },
                &["commit", "commit_title"],
            ),
            "custom" => (
                ReviewTarget::Custom {
                    instructions: needs(
                        "instructions",
                        given(&self.instructions),
                        "what to review and how",
                    )?,
                },
                &["instructions"],
            ),
            other => {
                return Err(BridgeError::argument(
                    "target",
                    format!(
                        "{:?} is not a review target; use one of {}",
                        crate::text::shorten(other, 40),
                        TARGETS.join(", ")
                    ),
                ))
            }
        };
        for (name, value) in [
            ("base_branch", &self.base_branch),
            ("commit", &self.commit),
            ("commit_title", &self.commit_title),
            ("instructions", &self.instructions),
        ] {
            if value.is_some() && !uses.contains(&name) {
                return Err(BridgeError::argument(
                    name,
                    format!(
                        "does not apply to target {:?}; it belongs to target {:?}",
                        self.target,
                        owner_of(name)
                    ),
                ));
            }
        }
        Ok(target)
    }
}

/// A text argument that says something.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.trim().is_empty())
}

fn owner_of(argument: &str) -> &'static str {
    match argument {
        "base_branch" => "base_branch",
        "commit" | "commit_title" => "commit",
        _ => "custom",
    }
}

impl Bridge {
    /// Run a review and watch it like a turn. Read-only whatever else is asked: a new
    /// read-only thread in `cwd`, or a read-only fork of `thread_id` (which stays as it
    /// was); every approval is declined.
    pub async fn review(
        &self,
        review: Review,
        caller: &Caller,
        waiting: Waiting,
        watcher: &mut dyn Watcher,
    ) -> Result<TurnOutcome, BridgeError> {
        let target = review.target()?;
        let fork_of = match &review.thread_id {
            Some(id) => Some(check_id("thread_id", IdKind::Thread, id, self.door)?),
            None => None,
        };
        let cwd: PathBuf = self
            .ceilings
            .check_cwd(review.cwd.as_deref(), caller.roots.as_deref())?;
        if let Some(model) = &review.model {
            if model.trim().is_empty() {
                return Err(BridgeError::argument(
                    "model",
                    "is empty: omit it to use Codex's configured model",
                ));
            }
        }
        let effort = match &review.effort {
            Some(effort) => {
                let word = crate::bridge::effort::Effort::new(effort.clone());
                word.check()?;
                self.check_effort(review.model.as_deref(), effort).await?;
                Some(effort.clone())
            }
            None => None,
        };
        let wait = self.ceilings.check_wait(review.wait_seconds)?;
        let deadline = self.deadline(waiting, wait);
        let thread = ReviewThread {
            cwd,
            model: review.model.clone(),
            effort,
            fork_of,
        };
        let start = self.client.start_review(thread, target, declining());
        self.run_started(start, deadline, watcher).await
    }

    /// The structured review of the review run in `thread_id`: the review sub-agent's
    /// answer, parsed. `None` when there is none or it is prose.
    pub(super) async fn review_report(&self, thread_id: &str) -> Option<ReviewReport> {
        for _ in 0..REPORT_ATTEMPTS {
            match self.reviewer_answer(thread_id).await {
                Some(answer) => return ReviewReport::parse(&answer),
                None => tokio::time::sleep(REPORT_RETRY).await,
            }
        }
        tracing::warn!(thread_id, "no review sub-agent answer found for the review");
        None
    }

    async fn reviewer_answer(&self, thread_id: &str) -> Option<String> {
        let reviewers = self
            .client
            .list_threads(ThreadListParams {
                source_kinds: Some(vec![ThreadSourceKind::SubAgentReview]),
                limit: Some(50),
                model_providers: None,
                ..ThreadListParams::default()
            })
            .await
            .ok()?;
        let reviewer = reviewers
            .data
            .into_iter()
            .find(|thread| thread.parent_thread_id.as_deref() == Some(thread_id))?;
        let turn = self
            .client
            .list_turns(&reviewer.id, None, Some(1), None, TurnItemsView::Summary)
            .await
            .ok()?
            .data
            .into_iter()
            .next()?;
        let answer = crate::bridge::results::TurnSummary::from(turn).answer;
        (!answer.is_empty()).then_some(answer)
    }
}
