//! The reasoning-effort concept: a checked word, because the app-server's `model/list`
//! decides which efforts exist and they change between Codex versions.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::error::BridgeError;

/// A reasoning effort, as a checked word. The app-server's `model/list` says which efforts
/// each model supports, and the list changes between Codex versions, so this is a string
/// checked by the bridge rather than a closed enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Effort(String);

impl Effort {
    /// The efforts every Codex release so far accepts.
    pub const KNOWN: [&'static str; 6] = ["none", "minimal", "low", "medium", "high", "xhigh"];

    pub fn new(word: impl Into<String>) -> Effort {
        Effort(word.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Check the word against the known efforts.
    pub fn check(&self) -> Result<&str, BridgeError> {
        if Effort::KNOWN.contains(&self.0.as_str()) {
            Ok(&self.0)
        } else {
            Err(BridgeError::argument(
                "effort",
                format!(
                    "{:?} is not a reasoning effort Codex knows; use one of {}",
                    crate::text::shorten(&self.0, 40),
                    Effort::KNOWN.join(", ")
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_efforts_are_refused_with_the_choices() {
        let error = Effort::new("turbo").check().expect_err("unknown");
        let text = error.to_string();
        assert!(text.starts_with("`effort` "), "{text}");
        assert!(text.contains("xhigh"), "{text}");
        assert!(Effort::new("high").check().is_ok());
    }
}
