//! `codex_fanout` / `codex-bridge fanout`: the same prompt to several variants at once (a
//! model, an effort or developer instructions each), every variant on its own new thread,
//! in parallel; their results side by side.
//!
//! Each variant's turn is an ordinary turn: one still running when the call returns is
//! picked up with `codex_wait`. The call watches them together ([`crate::bridge::group`]);
//! cancelling it interrupts every one.

use std::time::Instant;

use super::turns::Waiting;
use super::Bridge;
use crate::bridge::caller::Caller;
use crate::bridge::effort::Effort;
use crate::bridge::error::BridgeError;
use crate::bridge::group::{self, Member};
use crate::bridge::options::{prepare, TurnOptions};
use crate::bridge::results::{FanoutResult, TurnPhase, TurnProgress, VariantResult};
use crate::bridge::watch::{Watched, Watcher};
use crate::codex::client::NewThread;

/// One variant: what it changes from the call's options.
#[derive(Debug, Clone, Default)]
pub struct Variant {
    pub name: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub developer_instructions: Option<String>,
}

/// A fan-out call: `variants`, or `count` identical ones.
#[derive(Debug, Clone, Default)]
pub struct Fanout {
    pub prompt: String,
    pub variants: Option<Vec<Variant>>,
    pub count: Option<i64>,
    pub options: TurnOptions,
}

impl Bridge {
    /// Validate every variant, start them all at once and watch them together.
    pub async fn fanout(
        &self,
        fanout: Fanout,
        caller: &Caller,
        waiting: Waiting,
        watcher: &mut dyn Watcher,
    ) -> Result<FanoutResult, BridgeError> {
        let began = Instant::now();
        let variants = self.variants(&fanout)?;
        let names: Vec<String> = variants
            .iter()
            .enumerate()
            .map(|(index, variant)| {
                variant
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("variant-{}", index + 1))
            })
            .collect();
        let mut prepared = Vec::new();
        for (index, variant) in variants.iter().enumerate() {
            let mut options = fanout.options.clone();
            if variant.model.is_some() {
                options.model = variant.model.clone();
            }
            if let Some(effort) = &variant.effort {
                options.effort = Some(Effort::new(effort.clone()));
            }
            let turn =
                prepare(&fanout.prompt, &options, &self.ceilings, caller).map_err(|error| {
                    match error {
                        BridgeError::InvalidArgument {
                            argument: Some(argument),
                            problem,
                        } if variant.model.is_some() || variant.effort.is_some() => {
                            BridgeError::argument(&format!("variants[{index}].{argument}"), problem)
                        }
                        other => other,
                    }
                })?;
            if let Some(effort) = &turn.request.effort {
                self.check_effort(turn.request.model.as_deref(), effort)
                    .await?;
            }
            prepared.push(turn);
        }
        let wait = prepared
            .first()
            .map(|turn| turn.wait)
            .unwrap_or(self.ceilings.default_wait);
        let deadline = self.deadline(waiting, wait);
        let members: Vec<Member> = variants
            .iter()
            .zip(prepared)
            .zip(&names)
            .map(|((variant, turn), name)| {
                let new = NewThread {
                    name: variant.name.clone(),
                    ephemeral: false,
                    base_instructions: None,
                    developer_instructions: variant.developer_instructions.clone(),
                };
                Member {
                    label: name.clone(),
                    start: Box::pin(self.client.start_thread(new, turn.request)),
                }
            })
            .collect();
        let watched = group::run(&self.client, members, deadline, watcher).await;
        let mut results = Vec::new();
        for ((variant, outcome), name) in variants.iter().zip(watched.members).zip(names) {
            let (turn, error) = match outcome {
                Watched::Ran {
                    handle,
                    before_stop,
                    ..
                } => {
                    let mut result = self.result_of(&handle).await;
                    if let Some(before) = before_stop {
                        result.progress = Some(TurnProgress::from(before.as_ref()));
                    }
                    (Some(result), None)
                }
                Watched::StartFailed(error) => {
                    (None, Some(BridgeError::from(error).describe(self.door)))
                }
                Watched::Abandoned(_) => (None, Some("stopped before its turn started".into())),
            };
            results.push(VariantResult {
                name,
                model: variant.model.clone(),
                effort: variant.effort.clone(),
                error,
                turn,
            });
        }
        let status = if watched.stopped.is_some() {
            "interrupted"
        } else if results.iter().any(|v| {
            v.turn
                .as_ref()
                .is_some_and(|t| t.status == TurnPhase::Running)
        }) {
            "running"
        } else {
            "completed"
        };
        Ok(FanoutResult {
            status: status.to_string(),
            variants: results,
            duration_ms: u64::try_from(began.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// The variants to run: the given list, or `count` unnamed ones; within the ceiling.
    fn variants(&self, fanout: &Fanout) -> Result<Vec<Variant>, BridgeError> {
        let limit = self.ceilings.max_participants;
        let variants = match (&fanout.variants, fanout.count) {
            (Some(_), Some(_)) => {
                return Err(BridgeError::argument(
                    "count",
                    "and `variants` exclude each other: give variants (each its own model, effort or instructions), or count identical ones",
                ))
            }
            (None, None) => {
                return Err(BridgeError::argument(
                    "variants",
                    "is required (or count): the variants to run the prompt with",
                ))
            }
            (Some(variants), None) => variants.clone(),
            (None, Some(count)) => {
                if count < 1 || count > limit as i64 {
                    return Err(BridgeError::argument(
                        "count",
                        format!("must be between 1 and {limit} (this bridge's --max-participants), got {count}"),
                    ));
                }
                vec![Variant::default(); count as usize]
            }
        };
        if variants.is_empty() || variants.len() > limit {
            return Err(BridgeError::argument(
                "variants",
                format!(
                    "holds {} variants; give 1 to {limit} (this bridge's --max-participants)",
                    variants.len()
                ),
            ));
        }
        let mut names = Vec::new();
        for (index, variant) in variants.iter().enumerate() {
            if let Some(name) = &variant.name {
                if name.trim().is_empty() {
                    return Err(BridgeError::argument(
                        &format!("variants[{index}].name"),
                        "is empty: omit it for variant-N",
                    ));
                }
                if names.contains(name) {
                    return Err(BridgeError::argument(
                        &format!("variants[{index}].name"),
                        format!("{name:?} is given twice: each variant needs its own name"),
                    ));
                }
                names.push(name.clone());
            }
        }
        Ok(variants)
    }
}
