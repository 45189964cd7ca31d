//! Tool parameter types. Their doc comments are what the calling model reads, so they say
//! what each field does, its default, and when to use it. The per-turn options shared with
//! the command line are [`TurnOptions`] (in the bridge layer), flattened into each
//! turn-running tool's parameters.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::bridge::options::TurnOptions;

/// Start a new Codex thread and run one turn.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct AskParams {
    /// What to ask Codex (the task, question or instructions). Required, non-empty.
    pub prompt: String,
    /// A name for the thread, so other agents can find it with codex_list_threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Do not save the thread (it cannot be continued once the app-server stops, and is not
    /// listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<bool>,
    /// Replace Codex's base instructions for this thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_instructions: Option<String>,
    /// Extra developer instructions for this thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_instructions: Option<String>,
    #[serde(flatten)]
    pub turn: TurnOptions,
}

/// Run the next turn on an existing thread (with its history).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ContinueParams {
    /// Thread id from codex_ask, codex_list_threads or any Codex front-end.
    pub thread_id: String,
    /// The follow-up message. Required, non-empty.
    pub prompt: String,
    #[serde(flatten)]
    pub turn: TurnOptions,
}

/// List Codex threads (including ones started in the TUI, IDE or another agent).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ListParams {
    /// Only threads whose working directory is exactly this absolute path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Only threads whose title contains this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// `next_cursor` of a previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// List archived threads instead of active ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// Wait for a turn that was still running when its call returned.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct WaitParams {
    /// The thread whose turn to wait for (from the result that said "running").
    pub thread_id: String,
    /// The turn to wait for (default: the thread's latest turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// Seconds to wait (default set by the operator). Returns status "running" again if the
    /// turn is still going.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
}

/// Stop a running turn (or a brainstorm).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct InterruptParams {
    /// The thread whose running turn to stop (required unless brainstorm_id is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Instead of a turn: stop this brainstorm (every participant's turn is interrupted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brainstorm_id: Option<String>,
    /// The turn to stop (default: the thread's running turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// Stop it even though another agent started it (the refusal names that agent). Default
    /// false: only the agent that started a turn may stop it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

/// How much of a turn codex_read_thread returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DetailParam {
    /// Each turn's prompt and final answer.
    #[default]
    Summary,
    /// With turn_id: that turn's whole record (every command with its output, every file
    /// change with its diff, the approvals).
    Full,
}

/// Read a thread's history, a page at a time (newest page first), or one turn in full.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ReadParams {
    /// The thread to read (from codex_ask, codex_list_threads or any Codex front-end).
    pub thread_id: String,
    /// Turns per page, 1 to 100 (default 20). The first page holds the newest turns, oldest
    /// first within the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// next_cursor of a previous page: the page of older turns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Only this turn (e.g. the turn_id of a result that was trimmed to fit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// "summary" (default) or "full" (needs turn_id): the turn's whole record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<DetailParam>,
}

/// Branch a thread: a new thread with the history up to a turn; the source is unchanged.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ForkParams {
    /// The thread to fork (from codex_ask, codex_list_threads or any Codex front-end).
    pub thread_id: String,
    /// Keep the history up to and including this turn (default: the whole history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_turn_id: Option<String>,
    /// A name for the fork, so other agents can find it with codex_list_threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Run the fork's first turn with this prompt in the same call (the per-turn options
    /// below apply to it; the fork does not inherit the source's sandbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(flatten)]
    pub turn: TurnOptions,
}

/// Add input to a running turn.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct SteerParams {
    /// The thread whose running turn to steer.
    pub thread_id: String,
    /// The running turn (default: the thread's running turn). If it is not the running
    /// turn, nothing is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// What to tell Codex now (a correction, a constraint, more context). Required, non-empty.
    pub prompt: String,
    /// Seconds to wait for the steered turn (default set by the operator). Returns status
    /// "running" if it is still going.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
    /// Steer a turn another agent started (see its started_by). Default false: refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force: Option<bool>,
}

/// What a code review looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewTargetParam {
    /// Staged, unstaged and untracked changes in cwd's git working tree.
    Uncommitted,
    /// The changes against base_branch.
    BaseBranch,
    /// One commit (commit, optionally commit_title).
    Commit,
    /// Whatever instructions say.
    Custom,
}

impl ReviewTargetParam {
    pub fn word(self) -> &'static str {
        match self {
            ReviewTargetParam::Uncommitted => "uncommitted",
            ReviewTargetParam::BaseBranch => "base_branch",
            ReviewTargetParam::Commit => "commit",
            ReviewTargetParam::Custom => "custom",
        }
    }
}

/// Codex's code review, always read-only.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReviewParams {
    /// What to review: "uncommitted", "base_branch" (needs base_branch), "commit" (needs
    /// commit) or "custom" (needs instructions).
    pub target: ReviewTargetParam,
    /// For target "base_branch": the branch to compare with, e.g. "main".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_branch: Option<String>,
    /// For target "commit": the commit's SHA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// For target "commit": its title, shown to the reviewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_title: Option<String>,
    /// For target "custom": what to review and how.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Absolute path of the git working tree to review (inside the bridge's allowed roots).
    /// Default: the directory the bridge was started in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Review in a read-only fork of this thread, so the reviewer knows the work behind
    /// the change (the thread itself is not changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_id: Option<String>,
    /// Model name (default: Codex's configured model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Reasoning effort, one the model supports (codex_list_models lists them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<crate::bridge::effort::Effort>,
    /// Seconds this call waits (default set by the operator). If the review is still going,
    /// status is "running": pick it up with codex_wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
}

/// A thread, by id.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ThreadParams {
    /// The thread (from codex_ask, codex_list_threads or any Codex front-end).
    pub thread_id: String,
}

/// Give a thread a name.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct RenameParams {
    /// The thread to rename.
    pub thread_id: String,
    /// The new name (shown by codex_list_threads, matched by its search). Non-empty.
    pub name: String,
}

/// Drop turns from a thread's history.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct RevertParams {
    /// The thread to revert.
    pub thread_id: String,
    /// The first turn to drop: it and every later turn leave the history (codex_read_thread
    /// lists the turn ids). Files those turns changed are NOT restored.
    pub before_turn_id: String,
}

/// Compact a thread's history.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct CompactParams {
    /// The thread whose history to summarise.
    pub thread_id: String,
    /// Seconds this call waits for the compaction (default set by the operator). If it is
    /// still going, status is "running": pick it up with codex_wait.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
}

/// List Codex's models.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ModelsParams {
    /// Also list models Codex hides from its own pickers. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_hidden: Option<bool>,
}

/// One participant of a brainstorm.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ParticipantParam {
    /// Its role, e.g. "security reviewer", "skeptic", "end user". Required.
    pub role: String,
    /// The stance it argues from, e.g. "argue for the simplest option".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stance: Option<String>,
    /// Extra instructions for this participant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Its model (default: the brainstorm's model, else Codex's configured one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Its reasoning effort (one its model supports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
}

/// A structured debate across Codex threads, or picking one up by brainstorm_id.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct BrainstormParams {
    /// What to debate (a question, a plan, a design choice). Required for a new brainstorm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Text the participants need (requirements, constraints, an excerpt).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The participants (1 to the operator's limit, default 6). Default: a proponent, a
    /// skeptic and a pragmatist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<ParticipantParam>>,
    /// Rounds, 1 to 5 (default 2). The debate stops earlier when no position changed in a
    /// round.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rounds: Option<i64>,
    /// YOUR own position, stated before you see the others': it joins from round 2 as one
    /// more anonymous participant, so you do not simply adopt theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_position: Option<String>,
    /// A separate thread synthesises agreements, disagreements, open questions and a
    /// recommendation. Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthesize: Option<bool>,
    /// Absolute directory the participants may read (inside the bridge's allowed roots).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    /// Model for every participant that names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Reasoning effort for every participant that names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// Fork this thread's history into every participant, so they debate with the context
    /// of that conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_thread_id: Option<String>,
    /// Pick up a brainstorm whose call returned "running" (give nothing else but
    /// wait_seconds and transcript).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brainstorm_id: Option<String>,
    /// Include every answer of every round in the result. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<bool>,
    /// Seconds this call waits (default set by the operator). If the debate is still going,
    /// status is "running": call codex_brainstorm again with the brainstorm_id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<f64>,
}

/// One variant of a fan-out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct VariantParam {
    /// A name for the variant (and its thread). Default variant-N.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its model (default: the call's model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Its reasoning effort (one its model supports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// Developer instructions for its thread (a persona, a constraint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_instructions: Option<String>,
}

/// The same prompt to several variants at once, each on its own new thread.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct FanoutParams {
    /// What every variant is asked. Required, non-empty.
    pub prompt: String,
    /// The variants (1 to the operator's limit, default 6); or give count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<VariantParam>>,
    /// That many identical variants, instead of variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    #[serde(flatten)]
    pub turn: TurnOptions,
}
