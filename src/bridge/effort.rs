//! The reasoning-effort concept: a checked word, because the app-server's `model/list`
//! decides which efforts exist and they change between Codex versions (0.169 added `max`
//! and `ultra`).
//!
//! The app-server passes any effort string to the model unchecked, so the bridge checks
//! twice: [`Effort::check`] refuses what cannot be an effort at all (before anything is
//! sent), and [`Effort::check_against`] refuses an effort the chosen model does not list in
//! the catalog (where the model is in it; else the union of every model's efforts).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::BridgeError;
use crate::codex::protocol::Model;

/// A reasoning effort, as a checked word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Effort(String);

impl Effort {
    /// Every effort some Codex release has listed, weakest first: what is checked against
    /// when the app-server's catalog cannot be read.
    pub const KNOWN: [&'static str; 8] = [
        "none", "minimal", "low", "medium", "high", "xhigh", "max", "ultra",
    ];

    pub fn new(word: impl Into<String>) -> Effort {
        Effort(word.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Refuse what cannot be an effort: empty, or not one lowercase word.
    pub fn check(&self) -> Result<&str, BridgeError> {
        let word = self.0.as_str();
        let is_word = !word.is_empty()
            && word.len() <= 32
            && word
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if is_word {
            Ok(word)
        } else {
            Err(unknown(word, &Effort::KNOWN, None))
        }
    }

    /// Check against the catalog: the efforts of `model` if the catalog lists it, else
    /// every effort any listed model supports. An empty catalog falls back to [`KNOWN`].
    ///
    /// [`KNOWN`]: Effort::KNOWN
    pub fn check_against(&self, model: Option<&str>, catalog: &[Model]) -> Result<(), BridgeError> {
        let chosen =
            model.and_then(|name| catalog.iter().find(|m| m.model == name || m.id == name));
        let choices: Vec<&str> = match chosen {
            Some(model) => model
                .supported_reasoning_efforts
                .iter()
                .map(|option| option.reasoning_effort.as_str())
                .collect(),
            None => {
                let mut union: Vec<&str> = Vec::new();
                for option in catalog.iter().flat_map(|m| &m.supported_reasoning_efforts) {
                    if !union.contains(&option.reasoning_effort.as_str()) {
                        union.push(&option.reasoning_effort);
                    }
                }
                if union.is_empty() {
                    union.extend(Effort::KNOWN);
                }
                union.sort_by_key(|effort| rank(effort));
                union
            }
        };
        if choices.contains(&self.0.as_str()) {
            Ok(())
        } else {
            Err(unknown(&self.0, &choices, chosen.map(|m| m.model.as_str())))
        }
    }
}

/// Position on the effort ladder (unknown words last, in their catalog order).
fn rank(effort: &str) -> usize {
    Effort::KNOWN
        .iter()
        .position(|known| *known == effort)
        .unwrap_or(Effort::KNOWN.len())
}

fn unknown(word: &str, choices: &[&str], model: Option<&str>) -> BridgeError {
    let whose = match model {
        Some(model) => format!("model {model} supports"),
        None => "Codex's models support".to_string(),
    };
    BridgeError::argument(
        "effort",
        format!(
            "{:?} is not a reasoning effort {whose}; use one of {} (the model list shows each model's: codex_list_models, or `codex-bridge models`)",
            crate::text::shorten(word, 40),
            choices.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codex::protocol::ReasoningEffortOption;

    fn model(name: &str, efforts: &[&str]) -> Model {
        Model {
            id: name.into(),
            model: name.into(),
            display_name: name.into(),
            description: String::new(),
            hidden: false,
            is_default: false,
            default_reasoning_effort: None,
            supported_reasoning_efforts: efforts
                .iter()
                .map(|effort| ReasoningEffortOption {
                    reasoning_effort: effort.to_string(),
                    description: String::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn what_cannot_be_an_effort_is_refused_before_codex() {
        for bad in ["", "High Effort", "HIGH", "x".repeat(40).as_str()] {
            let text = Effort::new(bad).check().expect_err(bad).to_string();
            assert!(text.starts_with("`effort` "), "{text}");
            assert!(text.contains("xhigh"), "{text}");
        }
        assert!(Effort::new("ultra").check().is_ok());
    }

    #[test]
    fn efforts_are_checked_against_the_chosen_model_else_every_model() {
        let catalog = [
            model("big", &["low", "medium", "high", "xhigh", "max", "ultra"]),
            model("small", &["low", "medium", "high"]),
        ];
        let ultra = Effort::new("ultra");
        assert!(ultra.check_against(Some("big"), &catalog).is_ok());
        let text = ultra
            .check_against(Some("small"), &catalog)
            .expect_err("small has no ultra")
            .to_string();
        assert!(text.contains("model small supports"), "{text}");
        assert!(text.contains("low, medium, high"), "{text}");
        // A model outside the catalog (a custom provider's): the union.
        assert!(ultra.check_against(Some("my-model"), &catalog).is_ok());
        assert!(ultra.check_against(None, &catalog).is_ok());
        let text = Effort::new("turbo")
            .check_against(None, &catalog)
            .expect_err("nobody has turbo")
            .to_string();
        assert!(
            text.contains("low, medium, high, xhigh, max, ultra"),
            "{text}"
        );
        // No catalog: the efforts Codex has ever listed.
        assert!(Effort::new("minimal").check_against(None, &[]).is_ok());
    }
}
