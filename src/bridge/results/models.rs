//! The model catalog as `codex_list_models` / `codex-bridge models` report it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::codex::protocol::Model;

/// The models Codex offers (its bundled catalog).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelList {
    /// The models, in Codex's order (its default first).
    pub models: Vec<ModelInfo>,
}

/// One model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ModelInfo {
    /// What to pass as `model`.
    pub model: String,
    /// The name people see.
    pub display_name: String,
    /// What the model is good at, in Codex's words.
    pub description: String,
    /// Codex uses this model when none is given (and none is configured).
    pub is_default: bool,
    /// Hidden from Codex's own pickers (listed only with include_hidden).
    pub hidden: bool,
    /// The reasoning effort used when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_effort: Option<String>,
    /// The reasoning efforts this model accepts (values for `effort`).
    pub efforts: Vec<EffortInfo>,
}

/// A reasoning effort a model accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EffortInfo {
    /// The value for `effort`.
    pub effort: String,
    /// When to use it, in Codex's words.
    pub description: String,
}

impl From<&Model> for ModelInfo {
    fn from(model: &Model) -> ModelInfo {
        ModelInfo {
            model: model.model.clone(),
            display_name: model.display_name.clone(),
            description: model.description.clone(),
            is_default: model.is_default,
            hidden: model.hidden,
            default_effort: model.default_reasoning_effort.clone(),
            efforts: model
                .supported_reasoning_efforts
                .iter()
                .map(|option| EffortInfo {
                    effort: option.reasoning_effort.clone(),
                    description: option.description.clone(),
                })
                .collect(),
        }
    }
}
