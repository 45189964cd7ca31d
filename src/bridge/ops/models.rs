//! The model catalog: `codex_list_models` / `codex-bridge models`, and checking a turn's
//! `effort` against it.

use super::Bridge;
use crate::bridge::effort::Effort;
use crate::bridge::error::BridgeError;
use crate::bridge::results::{ModelInfo, ModelList};

impl Bridge {
    /// The models Codex offers; hidden ones only if asked.
    pub async fn list_models(&self, include_hidden: bool) -> Result<ModelList, BridgeError> {
        let catalog = self.client.models().await?;
        Ok(ModelList {
            models: catalog
                .iter()
                .filter(|model| include_hidden || !model.hidden)
                .map(ModelInfo::from)
                .collect(),
        })
    }

    /// Refuse an effort the chosen model does not support, before Codex passes it to the
    /// model unchecked. When the catalog cannot be read, the efforts Codex has ever listed.
    pub async fn check_effort(&self, model: Option<&str>, effort: &str) -> Result<(), BridgeError> {
        let effort = Effort::new(effort);
        match self.client.models().await {
            Ok(catalog) => effort.check_against(model, catalog),
            Err(error) => {
                tracing::debug!(%error, "model/list failed; checking efforts against the known ones");
                effort.check_against(model, &[])
            }
        }
    }
}
