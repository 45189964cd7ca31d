//! The task that runs a debate: round 1 in parallel (each participant alone, on its own
//! new thread or a fork of the seed), later rounds in parallel (each sees the others'
//! previous positions, anonymised), an early stop when no position changed in a round, and
//! the synthesis in a thread that did not take part.
//!
//! Every turn is read-only with its requests declined; the participants' threads are held
//! for the debate between its rounds (a turn from anyone else gets the busy error) and freed
//! when it ends. A participant whose turn fails is marked failed and the debate goes on
//! without it; all failing fails the debate. Stopping the debate interrupts every running
//! turn.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;

use super::prompts::{self, Answer, Persona, Shown};
use super::{label, Debate, Phase};
use crate::bridge::results::TranscriptEntry;
use crate::bridge::results::Usage;
use crate::codex::approver::Approver;
use crate::codex::client::{CodexClient, Fork, NewThread, TurnRequest};
use crate::codex::error::CodexError;
use crate::codex::protocol::{AskForApproval, SandboxMode};
use crate::codex::registry::Hold;
use crate::codex::turn::{Phase as TurnPhase, Problem, TurnHandle};
use crate::lock::lock;

/// Long enough for any turn: a debate's turns end, fail, or are interrupted by a stop.
const TURN_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);

pub(super) async fn run(
    debate: Arc<Debate>,
    client: Arc<CodexClient>,
    approver: Arc<dyn Approver>,
) {
    let mut runner = Runner {
        debate: debate.clone(),
        client,
        approver,
        holder: format!("brainstorm {}", debate.id),
        holds: Vec::new(),
        labels: (0..=debate.spec.participants.len()).map(label).collect(),
    };
    let ending = runner.debate().await;
    let (phase, reason) = match ending {
        Ending::Done(reason) => (Phase::Completed, reason),
        Ending::AllFailed => (Phase::Failed, "every participant failed".to_string()),
        Ending::Stopped => (Phase::Interrupted, "interrupted by the caller".to_string()),
    };
    debate.update(|state| {
        state.phase = phase;
        state.stop_reason = Some(reason);
        state.activity = phase.word().to_string();
        state.finished_at = Some(std::time::Instant::now());
        for participant in &mut state.participants {
            if participant.phase == Phase::Running {
                participant.phase = if phase == Phase::Interrupted {
                    Phase::Interrupted
                } else {
                    Phase::Completed
                };
            }
            participant.turn = None;
        }
    });
    // The holds are dropped with the runner: the threads are ordinary threads again.
}

enum Ending {
    Done(String),
    AllFailed,
    Stopped,
}

struct Runner {
    debate: Arc<Debate>,
    client: Arc<CodexClient>,
    approver: Arc<dyn Approver>,
    holder: String,
    holds: Vec<Hold>,
    /// Every participant's letter, and the caller's after them.
    labels: Vec<String>,
}

impl Runner {
    async fn debate(&mut self) -> Ending {
        let spec = self.debate.spec.clone();
        self.say("round 1: every participant answers alone");
        let starts = spec
            .participants
            .iter()
            .enumerate()
            .map(|(index, participant)| {
                let persona = Persona {
                    label: &label(index),
                    role: &participant.role,
                    stance: participant.stance.as_deref(),
                    instructions: participant.instructions.as_deref(),
                };
                let prompt = prompts::first_round(&persona, &spec.topic, spec.context.as_deref());
                let request = self.request(index, prompt, prompts::answer_schema(true));
                self.start_first(index, request)
            });
        let started: Vec<Result<Arc<TurnHandle>, CodexError>> = join_all(starts).await;
        let turns = self.take_started(started);
        if self.settle(&turns).await {
            return Ending::Stopped;
        }
        self.record(1, &turns);
        if self.active().is_empty() {
            return Ending::AllFailed;
        }
        for round in 2..=spec.rounds {
            if self.debate.cancel.is_cancelled() {
                return Ending::Stopped;
            }
            self.say(&format!(
                "round {round}: each participant answers the others"
            ));
            let active = self.active();
            let previous: Vec<(usize, Answer)> = self.answers();
            let caller_answer = spec.caller_position.as_ref().map(|position| Answer {
                position: position.clone(),
                ..Answer::default()
            });
            let caller_label = &self.labels[spec.participants.len()];
            let starts = active.iter().map(|&index| {
                let mut others: Vec<Shown> = previous
                    .iter()
                    .filter(|(other, _)| *other != index)
                    .map(|(other, answer)| Shown {
                        label: &self.labels[*other],
                        answer,
                    })
                    .collect();
                if let Some(answer) = &caller_answer {
                    others.push(Shown {
                        label: caller_label,
                        answer,
                    });
                }
                let prompt = prompts::later_round(round, &spec.topic, &others);
                let request = self.request(index, prompt, prompts::answer_schema(false));
                let thread_id = self.thread_of(index);
                let client = self.client.clone();
                async move {
                    match thread_id {
                        Some(thread_id) => client.continue_thread(&thread_id, request).await,
                        None => Err(CodexError::Protocol("the participant has no thread".into())),
                    }
                }
            });
            let started = join_all(starts).await;
            let turns: Vec<(usize, Result<Arc<TurnHandle>, CodexError>)> =
                active.iter().copied().zip(started).collect();
            let turns = self.take_started_at(turns);
            if self.settle(&turns).await {
                return Ending::Stopped;
            }
            let changed = self.record(round, &turns);
            if self.active().is_empty() {
                return Ending::AllFailed;
            }
            if !changed {
                return self
                    .synthesize(format!("no position changed in round {round}"))
                    .await;
            }
        }
        let reason = match spec.rounds {
            1 => "ran the 1 round asked for".to_string(),
            rounds => format!("ran the {rounds} rounds asked for"),
        };
        self.synthesize(reason).await
    }

    /// The synthesis (when asked for), then the debate's end.
    async fn synthesize(&mut self, reason: String) -> Ending {
        if !self.debate.spec.synthesize {
            return Ending::Done(reason);
        }
        self.say("synthesis: a separate thread reads the final positions");
        let spec = self.debate.spec.clone();
        let answers = self.answers();
        let positions: Vec<(String, &Answer)> = answers
            .iter()
            .map(|(index, answer)| {
                (
                    format!(
                        "Participant {} ({})",
                        label(*index),
                        spec.participants[*index].role
                    ),
                    answer,
                )
            })
            .collect();
        let prompt = prompts::synthesis(&spec.topic, &positions, spec.caller_position.as_deref());
        let mut request = self.request(usize::MAX, prompt, prompts::synthesis_schema());
        request.holder = None;
        let new = NewThread {
            name: Some(format!("brainstorm {} · synthesis", short(&self.debate.id))),
            ..NewThread::default()
        };
        let handle = match self.client.start_thread(new, request).await {
            Ok(handle) => handle,
            Err(error) => {
                tracing::warn!(%error, "the brainstorm's synthesis did not start");
                return Ending::Done(format!("{reason}; the synthesis did not start: {error}"));
            }
        };
        self.debate.update(|state| {
            state.synthesis_thread_id = Some(handle.thread_id.clone());
        });
        if self.settle(&[(usize::MAX, handle.clone())]).await {
            return Ending::Stopped;
        }
        let snapshot = handle.snapshot();
        let usage = snapshot.usage.clone().map(Usage::from);
        let synthesis = (snapshot.phase == TurnPhase::Completed)
            .then(|| prompts::read_synthesis(&snapshot.answer));
        let failed = synthesis.is_none();
        self.debate.update(|state| {
            add_usage(&mut state.usage, usage);
            state.synthesis = synthesis;
        });
        if failed {
            return Ending::Done(format!("{reason}; the synthesis failed"));
        }
        Ending::Done(reason)
    }

    /// A read-only turn request for participant `index` (`usize::MAX`: the synthesis).
    fn request(&self, index: usize, prompt: String, schema: serde_json::Value) -> TurnRequest {
        let spec = &self.debate.spec;
        let participant = spec.participants.get(index);
        TurnRequest {
            prompt,
            cwd: spec.cwd.clone(),
            model: participant
                .and_then(|p| p.model.clone())
                .or_else(|| spec.model.clone()),
            effort: participant
                .and_then(|p| p.effort.clone())
                .or_else(|| spec.effort.clone()),
            sandbox: SandboxMode::ReadOnly,
            approval_policy: AskForApproval::OnRequest,
            output_schema: Some(schema),
            approver: self.approver.clone(),
            holder: Some(self.holder.clone()),
            started_by: spec.owner.clone(),
        }
    }

    /// Participant `index`'s first turn: on a new thread, or on a read-only fork of the
    /// seed thread; its thread is then held for the debate.
    async fn start_first(
        &self,
        index: usize,
        mut request: TurnRequest,
    ) -> Result<Arc<TurnHandle>, CodexError> {
        let spec = &self.debate.spec;
        let name = format!(
            "brainstorm {} · {} ({})",
            short(&self.debate.id),
            spec.participants[index].role,
            label(index)
        );
        match &spec.seed_thread_id {
            Some(seed) => {
                let fork = Fork {
                    thread_id: seed.clone(),
                    last_turn_id: None,
                    name: Some(name),
                    model: request.model.clone(),
                };
                let thread = self
                    .client
                    .fork_thread(
                        &fork,
                        Some(SandboxMode::ReadOnly),
                        Some(AskForApproval::OnRequest),
                        None,
                    )
                    .await?;
                self.client.continue_thread(&thread.id, request).await
            }
            None => {
                request.holder = None;
                let new = NewThread {
                    name: Some(name),
                    ..NewThread::default()
                };
                self.client.start_thread(new, request).await
            }
        }
    }

    /// Record round 1's starts: a turn to wait for, or a failed participant.
    fn take_started(
        &mut self,
        started: Vec<Result<Arc<TurnHandle>, CodexError>>,
    ) -> Vec<(usize, Arc<TurnHandle>)> {
        self.take_started_at(started.into_iter().enumerate().collect())
    }

    fn take_started_at(
        &mut self,
        started: Vec<(usize, Result<Arc<TurnHandle>, CodexError>)>,
    ) -> Vec<(usize, Arc<TurnHandle>)> {
        let mut turns = Vec::new();
        for (index, outcome) in started {
            match outcome {
                Ok(handle) => {
                    if self.thread_of(index).is_none() {
                        self.holds
                            .push(self.client.hold(&handle.thread_id, &self.holder));
                    }
                    let thread_id = handle.thread_id.clone();
                    let turn = handle.clone();
                    self.debate.update(|state| {
                        let participant = &mut state.participants[index];
                        participant.thread_id = Some(thread_id);
                        participant.turn = Some(turn);
                    });
                    turns.push((index, handle));
                }
                Err(error) => {
                    tracing::warn!(%error, participant = index, "a brainstorm participant's turn did not start");
                    self.debate.update(|state| {
                        let participant = &mut state.participants[index];
                        participant.phase = Phase::Failed;
                        participant.error = Some(error.to_string());
                    });
                }
            }
        }
        turns
    }

    /// Wait for every turn to end; on a stop, interrupt them all. True if stopped.
    async fn settle(&self, turns: &[(usize, Arc<TurnHandle>)]) -> bool {
        let total = turns.len();
        let waits = turns.iter().map(|(index, handle)| {
            let debate = self.debate.clone();
            let (index, handle) = (*index, handle.clone());
            async move {
                handle.wait(TURN_LIMIT).await;
                debate.update(|state| {
                    let done = state
                        .participants
                        .iter()
                        .filter(|p| p.turn.as_ref().is_some_and(|t| t.is_finished()))
                        .count();
                    if index != usize::MAX {
                        state.activity = format!(
                            "round {}: participant {} answered ({done} of {total})",
                            state.rounds_run + 1,
                            label(index)
                        );
                    }
                });
            }
        });
        tokio::select! {
            _ = join_all(waits) => false,
            () = self.debate.cancel.cancelled() => {
                let interrupts = turns.iter().map(|(_, handle)| self.client.interrupt_quietly(handle));
                join_all(interrupts).await;
                true
            }
        }
    }

    /// Fold a round's answers in; whether any position changed (or may have: an answer
    /// that does not say counts as changed).
    fn record(&self, round: u32, turns: &[(usize, Arc<TurnHandle>)]) -> bool {
        let mut changed = false;
        self.debate.update(|state| {
            state.rounds_run = round;
            for (index, handle) in turns {
                let snapshot = handle.snapshot();
                add_usage(&mut state.usage, snapshot.usage.clone().map(Usage::from));
                let participant = &mut state.participants[*index];
                participant.turn = None;
                if snapshot.phase != TurnPhase::Completed {
                    participant.phase = Phase::Failed;
                    participant.error = Some(match &snapshot.problem {
                        Some(Problem::Message(message)) => message.clone(),
                        Some(Problem::ConnectionLost { reason, .. }) => reason.clone(),
                        None => "its turn did not complete".to_string(),
                    });
                    continue;
                }
                let answer = prompts::read_answer(&snapshot.answer);
                let this_changed = round > 1 && answer.changed != Some(false);
                changed |= this_changed;
                if round > 1 && answer.changed == Some(true) {
                    participant.changed_mind = true;
                }
                state.transcript.push(TranscriptEntry {
                    round,
                    participant: participant.label.clone(),
                    position: answer.position.clone(),
                    changed: (round > 1).then_some(answer.changed).flatten(),
                    responses: answer.responses.clone(),
                });
                participant.answer = Some(answer);
            }
        });
        changed
    }

    /// Participants still in the debate.
    fn active(&self) -> Vec<usize> {
        lock(&self.debate.state)
            .participants
            .iter()
            .enumerate()
            .filter(|(_, p)| p.phase != Phase::Failed && p.answer.is_some())
            .map(|(index, _)| index)
            .collect()
    }

    /// The latest answer of every participant still in the debate.
    fn answers(&self) -> Vec<(usize, Answer)> {
        lock(&self.debate.state)
            .participants
            .iter()
            .enumerate()
            .filter(|(_, p)| p.phase != Phase::Failed)
            .filter_map(|(index, p)| p.answer.clone().map(|answer| (index, answer)))
            .collect()
    }

    fn thread_of(&self, index: usize) -> Option<String> {
        lock(&self.debate.state)
            .participants
            .get(index)
            .and_then(|p| p.thread_id.clone())
    }

    fn say(&self, activity: &str) {
        self.debate
            .update(|state| state.activity = activity.to_string());
    }
}

fn add_usage(total: &mut Usage, usage: Option<Usage>) {
    if let Some(usage) = usage {
        total.input_tokens += usage.input_tokens;
        total.cached_input_tokens += usage.cached_input_tokens;
        total.output_tokens += usage.output_tokens;
        total.reasoning_output_tokens += usage.reasoning_output_tokens;
        total.total_tokens += usage.total_tokens;
    }
}

/// The first block of an id, for thread names.
fn short(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}
