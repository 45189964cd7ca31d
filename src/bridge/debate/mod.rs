//! A brainstorm: a debate across Codex threads that runs in a task of its own, so it
//! outlives the call that started it (a long debate answers `running`, and a later call
//! picks it up by id), and the debates this bridge keeps.
//!
//! - [`prompts`]: what each round says to Codex, the answers' output schemas, reading the
//!   answers back.
//! - `run`: the task: round 1 in parallel, later rounds in parallel until no position
//!   changes or the rounds run out, then the synthesis in a thread of its own.
//!
//! Like turn results, debates are kept an hour after they end (at most
//! [`KEEP_FINISHED_MAX`]) and lost on restart; their threads are ordinary saved threads.

pub mod prompts;
mod run;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use self::prompts::{Answer, Synthesis};
use super::results::{
    Agreement, BrainstormResult, Disagreement, ParticipantResult, Side, TranscriptEntry, Usage,
};
use crate::codex::approver::Approver;
use crate::codex::client::CodexClient;
use crate::codex::turn::TurnHandle;
use crate::lock::lock;

/// Finished debates are kept at most this long...
pub const KEEP_FINISHED_FOR: Duration = Duration::from_secs(60 * 60);
/// ...and at most this many.
pub const KEEP_FINISHED_MAX: usize = 100;

/// What a debate is about and who takes part; checked by the operation that starts it.
#[derive(Debug, Clone)]
pub struct DebateSpec {
    pub topic: String,
    pub context: Option<String>,
    pub participants: Vec<ParticipantSpec>,
    pub rounds: u32,
    pub caller_position: Option<String>,
    pub synthesize: bool,
    pub cwd: PathBuf,
    pub model: Option<String>,
    pub effort: Option<String>,
    /// Fork this thread into every participant (they debate with its context).
    pub seed_thread_id: Option<String>,
    /// The agent that started the debate (its turns record it as `started_by`); only it
    /// may stop the debate without `force`.
    pub owner: Option<String>,
}

/// One participant as the caller describes it.
#[derive(Debug, Clone, Default)]
pub struct ParticipantSpec {
    pub role: String,
    pub stance: Option<String>,
    pub instructions: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
}

/// Where a debate (or one participant) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    Completed,
    Failed,
    Interrupted,
}

impl Phase {
    pub fn word(self) -> &'static str {
        match self {
            Phase::Running => "running",
            Phase::Completed => "completed",
            Phase::Failed => "failed",
            Phase::Interrupted => "interrupted",
        }
    }
}

/// One running or finished debate, shared by its task and every call that watches it.
pub struct Debate {
    pub id: String,
    spec: DebateSpec,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    cancel: CancellationToken,
    started: Instant,
}

#[derive(Debug)]
struct State {
    phase: Phase,
    rounds_run: u32,
    stop_reason: Option<String>,
    activity: String,
    participants: Vec<Participant>,
    synthesis: Option<Synthesis>,
    synthesis_thread_id: Option<String>,
    usage: Usage,
    transcript: Vec<TranscriptEntry>,
    finished_at: Option<Instant>,
}

#[derive(Debug)]
struct Participant {
    label: String,
    thread_id: Option<String>,
    phase: Phase,
    answer: Option<Answer>,
    changed_mind: bool,
    error: Option<String>,
    /// The turn it runs now (interrupted when the debate is stopped).
    turn: Option<Arc<TurnHandle>>,
}

/// Participant letters: `A`, `B`, ... (the caller, from round 2, takes the next one).
pub fn label(index: usize) -> String {
    let letters = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    match letters.get(index) {
        Some(letter) => (*letter as char).to_string(),
        None => format!("P{}", index + 1),
    }
}

impl Debate {
    /// A debate and the task that runs it. `approver` answers every request of its turns
    /// (a debate is read-only: it declines them).
    pub fn start(
        spec: DebateSpec,
        client: Arc<CodexClient>,
        approver: Arc<dyn Approver>,
    ) -> Arc<Debate> {
        let (changed, _) = watch::channel(0);
        let participants = (0..spec.participants.len())
            .map(|index| Participant {
                label: label(index),
                thread_id: None,
                phase: Phase::Running,
                answer: None,
                changed_mind: false,
                error: None,
                turn: None,
            })
            .collect();
        let debate = Arc::new(Debate {
            id: uuid::Uuid::new_v4().to_string(),
            spec,
            state: Mutex::new(State {
                phase: Phase::Running,
                rounds_run: 0,
                stop_reason: None,
                activity: "starting".into(),
                participants,
                synthesis: None,
                synthesis_thread_id: None,
                usage: Usage::default(),
                transcript: Vec::new(),
                finished_at: None,
            }),
            changed,
            cancel: CancellationToken::new(),
            started: Instant::now(),
        });
        tokio::spawn(run::run(debate.clone(), client, approver));
        debate
    }

    fn update(&self, change: impl FnOnce(&mut State)) {
        change(&mut lock(&self.state));
        self.changed.send_modify(|version| *version += 1);
    }

    /// Changes of the debate (a version counter).
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub fn is_finished(&self) -> bool {
        lock(&self.state).phase != Phase::Running
    }

    fn finished_at(&self) -> Option<Instant> {
        lock(&self.state).finished_at
    }

    /// What the debate is doing now, in a line.
    pub fn activity(&self) -> String {
        lock(&self.state).activity.clone()
    }

    /// The agent that started the debate.
    pub fn owner(&self) -> Option<&str> {
        self.spec.owner.as_deref()
    }

    /// Stop the debate: every participant's running turn is interrupted.
    pub fn stop(&self) {
        self.cancel.cancel();
    }

    /// Wait until the debate has ended, at most `timeout`; true if it ended.
    pub async fn wait(&self, timeout: Duration) -> bool {
        let mut changes = self.changes();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.is_finished() {
                return true;
            }
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return self.is_finished() },
                () = tokio::time::sleep_until(deadline) => return self.is_finished(),
            }
        }
    }

    /// The debate as it stands; `transcript`: with every answer of every round.
    pub fn result(&self, transcript: bool) -> BrainstormResult {
        let state = lock(&self.state);
        let participants = state
            .participants
            .iter()
            .zip(&self.spec.participants)
            .map(|(participant, spec)| {
                let answer = participant.answer.clone().unwrap_or_default();
                ParticipantResult {
                    label: participant.label.clone(),
                    role: spec.role.clone(),
                    model: spec.model.clone().or_else(|| self.spec.model.clone()),
                    thread_id: participant.thread_id.clone(),
                    status: participant.phase.word().to_string(),
                    position: participant.answer.as_ref().map(|a| a.position.clone()),
                    key_points: answer.key_points,
                    risks: answer.risks,
                    confidence: answer.confidence,
                    changed_mind: participant.changed_mind,
                    error: participant.error.clone(),
                }
            })
            .collect();
        let synthesis = state.synthesis.clone().unwrap_or_default();
        BrainstormResult {
            brainstorm_id: self.id.clone(),
            status: state.phase.word().to_string(),
            topic: self.spec.topic.clone(),
            rounds_run: state.rounds_run,
            rounds: self.spec.rounds,
            stop_reason: state.stop_reason.clone(),
            activity: (state.phase == Phase::Running).then(|| state.activity.clone()),
            participants,
            caller_position: self.spec.caller_position.clone(),
            agreements: synthesis
                .agreements
                .into_iter()
                .map(|(point, support)| Agreement { point, support })
                .collect(),
            disagreements: synthesis
                .disagreements
                .into_iter()
                .map(|(point, sides)| Disagreement {
                    point,
                    sides: sides
                        .into_iter()
                        .map(|(view, strongest_point)| Side {
                            view,
                            strongest_point,
                        })
                        .collect(),
                })
                .collect(),
            open_questions: synthesis.open_questions,
            synthesis: state
                .synthesis
                .as_ref()
                .map(|s| s.recommendation.clone())
                .filter(|r| !r.is_empty()),
            synthesis_thread_id: state.synthesis_thread_id.clone(),
            usage: state.usage.clone(),
            duration_ms: u64::try_from(
                state
                    .finished_at
                    .unwrap_or_else(Instant::now)
                    .duration_since(self.started)
                    .as_millis(),
            )
            .unwrap_or(u64::MAX),
            transcript: if transcript {
                state.transcript.clone()
            } else {
                Vec::new()
            },
        }
    }
}

/// The debates this bridge runs or ran.
#[derive(Default)]
pub struct Debates {
    debates: Mutex<HashMap<String, Arc<Debate>>>,
}

impl Debates {
    pub fn insert(&self, debate: Arc<Debate>) {
        let mut debates = lock(&self.debates);
        prune(&mut debates, Instant::now());
        debates.insert(debate.id.clone(), debate);
    }

    pub fn get(&self, id: &str) -> Option<Arc<Debate>> {
        lock(&self.debates).get(id).cloned()
    }

    /// Every debate still running (stopped at shutdown).
    pub fn running(&self) -> Vec<Arc<Debate>> {
        lock(&self.debates)
            .values()
            .filter(|debate| !debate.is_finished())
            .cloned()
            .collect()
    }
}

/// Drop finished debates older than [`KEEP_FINISHED_FOR`], then the oldest finished ones
/// beyond [`KEEP_FINISHED_MAX`]. Running debates are always kept.
fn prune(debates: &mut HashMap<String, Arc<Debate>>, now: Instant) {
    debates.retain(|_, debate| {
        debate
            .finished_at()
            .is_none_or(|at| now.duration_since(at) < KEEP_FINISHED_FOR)
    });
    let mut finished: Vec<(Instant, String)> = debates
        .iter()
        .filter_map(|(id, debate)| debate.finished_at().map(|at| (at, id.clone())))
        .collect();
    if finished.len() > KEEP_FINISHED_MAX {
        finished.sort();
        for (_, id) in finished.iter().take(finished.len() - KEEP_FINISHED_MAX) {
            debates.remove(id);
        }
    }
}
