//! `codex_brainstorm` / `codex-bridge brainstorm`: start a debate across Codex threads (or
//! pick up a running one by id), and watch it for the call: until it ends, the call's wait
//! passes (the result says `running`), or the call stops (the debate is stopped and every
//! participant's turn interrupted). The debate itself is [`crate::bridge::debate`].

use std::time::Duration;

use super::turns::{declining, Waiting};
use super::{check_id, Bridge, IdKind};
use crate::bridge::caller::Caller;
use crate::bridge::debate::{Debate, DebateSpec, ParticipantSpec};
use crate::bridge::effort::Effort;
use crate::bridge::error::BridgeError;
use crate::bridge::results::BrainstormResult;
use crate::bridge::watch::{OnDeadline, Stop, Watcher};

/// Most rounds a debate may run.
pub const MAX_ROUNDS: u32 = 5;
/// Rounds when the caller gives none.
pub const DEFAULT_ROUNDS: u32 = 2;
/// How long a stopped debate may take to interrupt its turns.
const STOP_WAIT: Duration = Duration::from_secs(10);

/// A brainstorm call: a new debate, or `brainstorm_id` to pick one up.
#[derive(Debug, Clone, Default)]
pub struct Brainstorm {
    pub brainstorm_id: Option<String>,
    pub topic: Option<String>,
    pub context: Option<String>,
    pub participants: Option<Vec<ParticipantSpec>>,
    pub rounds: Option<i64>,
    pub caller_position: Option<String>,
    pub synthesize: Option<bool>,
    pub cwd: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub seed_thread_id: Option<String>,
    pub wait_seconds: Option<f64>,
    pub transcript: bool,
}

/// The participants when the caller names none.
pub fn default_participants() -> Vec<ParticipantSpec> {
    [
        ("proponent", "make the strongest case for the idea"),
        ("skeptic", "look for flaws, risks and evidence against it"),
        (
            "pragmatist",
            "weigh costs and benefits: what would you actually do",
        ),
    ]
    .into_iter()
    .map(|(role, stance)| ParticipantSpec {
        role: role.to_string(),
        stance: Some(stance.to_string()),
        ..ParticipantSpec::default()
    })
    .collect()
}

impl Bridge {
    /// Start (or pick up) a debate and watch it for this call.
    pub async fn brainstorm(
        &self,
        call: Brainstorm,
        caller: &Caller,
        waiting: Waiting,
        watcher: &mut dyn Watcher,
    ) -> Result<BrainstormResult, BridgeError> {
        let wait = self.ceilings.check_wait(call.wait_seconds)?;
        let debate = match &call.brainstorm_id {
            Some(id) => self.existing_debate(id, &call)?,
            None => {
                let spec = self.debate_spec(&call, caller).await?;
                let debate = Debate::start(spec, self.client.clone(), declining());
                self.debates.insert(debate.clone());
                debate
            }
        };
        let deadline = self.deadline(waiting, wait);
        let mut changes = debate.changes();
        let mut last_line = String::new();
        loop {
            let line = debate.activity();
            if line != last_line {
                watcher.note(&line, false);
                last_line = line;
            }
            if debate.is_finished() {
                break;
            }
            let until = async {
                match deadline.at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { break },
                stop = watcher.stopped() => {
                    // A dropped connection only stops the waiting; a cancel stops the debate
                    // only when its owner cancels.
                    if stop != Stop::Disconnected && owns(caller, &debate) {
                        debate.stop();
                        debate.wait(STOP_WAIT).await;
                    }
                    break;
                }
                () = until => {
                    if deadline.then == OnDeadline::Interrupt {
                        debate.stop();
                        debate.wait(STOP_WAIT).await;
                    }
                    break;
                }
            }
        }
        let result = debate.result(call.transcript);
        watcher.note(&format!("brainstorm {}", result.status), true);
        Ok(result)
    }

    /// `codex_interrupt {brainstorm_id}`: stop a debate whose call already returned. A
    /// debate another agent started is refused unless `force`.
    pub async fn stop_brainstorm(
        &self,
        id: &str,
        caller: &Caller,
        force: bool,
    ) -> Result<BrainstormResult, BridgeError> {
        let debate = self.find_debate(id)?;
        if !force && !owns(caller, &debate) {
            return Err(BridgeError::argument(
                "brainstorm_id",
                format!(
                    "{} was started by {}: only it may stop the brainstorm. Wait for it with {}, or pass force: true to stop it anyway",
                    debate.id,
                    debate.owner().unwrap_or_default(),
                    self.door.brainstorm()
                ),
            ));
        }
        debate.stop();
        debate.wait(STOP_WAIT).await;
        Ok(debate.result(false))
    }

    fn find_debate(&self, id: &str) -> Result<std::sync::Arc<Debate>, BridgeError> {
        let id = check_id("brainstorm_id", IdKind::Brainstorm, id, self.door)?;
        self.debates.get(&id).ok_or_else(|| {
            BridgeError::NotFound(format!(
                "this bridge has no brainstorm {id} (results are kept an hour after the debate ends, and lost when the bridge restarts); its participants' threads are ordinary threads: find them with {}",
                self.door.list_threads()
            ))
        })
    }

    fn existing_debate(
        &self,
        id: &str,
        call: &Brainstorm,
    ) -> Result<std::sync::Arc<Debate>, BridgeError> {
        let given = [
            ("topic", call.topic.is_some()),
            ("context", call.context.is_some()),
            ("participants", call.participants.is_some()),
            ("rounds", call.rounds.is_some()),
            ("caller_position", call.caller_position.is_some()),
            ("synthesize", call.synthesize.is_some()),
            ("cwd", call.cwd.is_some()),
            ("model", call.model.is_some()),
            ("effort", call.effort.is_some()),
            ("seed_thread_id", call.seed_thread_id.is_some()),
        ];
        if let Some((name, _)) = given.iter().find(|(_, given)| *given) {
            return Err(BridgeError::argument(
                name,
                "cannot change a running brainstorm: with brainstorm_id, give only wait_seconds (and transcript)",
            ));
        }
        self.find_debate(id)
    }

    /// Check a new debate's arguments against the ceilings.
    async fn debate_spec(
        &self,
        call: &Brainstorm,
        caller: &Caller,
    ) -> Result<DebateSpec, BridgeError> {
        let topic = call.topic.clone().unwrap_or_default();
        if topic.trim().is_empty() {
            return Err(BridgeError::argument(
                "topic",
                "is required (or brainstorm_id, to pick up a running brainstorm): what the participants debate",
            ));
        }
        crate::bridge::options::check_prompt(&topic)
            .map_err(|_| BridgeError::argument("topic", "is longer than Codex accepts"))?;
        let participants = call
            .participants
            .clone()
            .unwrap_or_else(default_participants);
        let limit = self.ceilings.max_participants;
        if participants.is_empty() || participants.len() > limit {
            return Err(BridgeError::argument(
                "participants",
                format!(
                    "holds {} participants; give 1 to {limit} (this bridge's --max-participants), or omit it for a proponent, a skeptic and a pragmatist",
                    participants.len()
                ),
            ));
        }
        for (index, participant) in participants.iter().enumerate() {
            if participant.role.trim().is_empty() {
                return Err(BridgeError::argument(
                    &format!("participants[{index}].role"),
                    "is empty: name the participant's role, e.g. \"security reviewer\"",
                ));
            }
            if let Some(effort) = &participant.effort {
                Effort::new(effort.clone()).check().map_err(|error| {
                    rename_argument(error, &format!("participants[{index}].effort"))
                })?;
                let model = participant.model.as_deref().or(call.model.as_deref());
                self.check_effort(model, effort).await.map_err(|error| {
                    rename_argument(error, &format!("participants[{index}].effort"))
                })?;
            }
        }
        let rounds = call.rounds.unwrap_or(i64::from(DEFAULT_ROUNDS));
        if !(1..=i64::from(MAX_ROUNDS)).contains(&rounds) {
            return Err(BridgeError::argument(
                "rounds",
                format!("must be between 1 and {MAX_ROUNDS}, got {rounds}"),
            ));
        }
        if let Some(effort) = &call.effort {
            Effort::new(effort.clone()).check()?;
            self.check_effort(call.model.as_deref(), effort).await?;
        }
        if call
            .caller_position
            .as_deref()
            .is_some_and(|p| p.trim().is_empty())
        {
            return Err(BridgeError::argument(
                "caller_position",
                "is empty: state your own view, or omit it",
            ));
        }
        let seed_thread_id = match &call.seed_thread_id {
            Some(id) => Some(check_id("seed_thread_id", IdKind::Thread, id, self.door)?),
            None => None,
        };
        let cwd = self
            .ceilings
            .check_cwd(call.cwd.as_deref(), caller.roots.as_deref())?;
        Ok(DebateSpec {
            topic,
            context: call.context.clone().filter(|c| !c.trim().is_empty()),
            participants,
            rounds: rounds as u32,
            caller_position: call.caller_position.clone(),
            synthesize: call.synthesize.unwrap_or(true),
            cwd,
            model: call.model.clone(),
            effort: call.effort.clone(),
            seed_thread_id,
            owner: caller.agent.clone(),
        })
    }
}

/// Whether `caller` started `debate` (or nobody is named: the command line, a restart).
fn owns(caller: &Caller, debate: &Debate) -> bool {
    match (debate.owner(), &caller.agent) {
        (None, _) => true,
        (Some(owner), Some(me)) => owner == me,
        (Some(_), None) => false,
    }
}

/// The same error, naming `argument` (a participant's field) instead.
fn rename_argument(error: BridgeError, argument: &str) -> BridgeError {
    match error {
        BridgeError::InvalidArgument { problem, .. } => BridgeError::argument(argument, problem),
        other => other,
    }
}
