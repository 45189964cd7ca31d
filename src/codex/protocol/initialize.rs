//! The `initialize` handshake every connection starts with.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    pub client_info: ClientInfo,
    pub capabilities: InitializeCapabilities,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientInfo {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct InitializeCapabilities {
    /// Notifications this connection does not want (e.g. `item/agentMessage/delta`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opt_out_notification_methods: Vec<String>,
}

/// Its arrival means the session is usable.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResponse {
    /// `<client name>/<codex version> (<os>; <arch>) ...`, e.g.
    /// `codex-bridge/0.169.0 (Debian 12.0.0; x86_64) ...`: where the bridge reads the
    /// Codex version ([`crate::codex::version`]).
    #[serde(default)]
    pub user_agent: String,
}

/// `configWarning`, sent to each new connection right after `initialize`: something in the
/// user's Codex configuration is ignored or broken.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ConfigWarning {
    pub summary: String,
    #[serde(default)]
    pub details: Option<String>,
    /// The file at fault, when Codex names one.
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub range: Option<TextRange>,
}

/// 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct TextPosition {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct TextRange {
    pub start: TextPosition,
    pub end: TextPosition,
}

impl ConfigWarning {
    /// The configuration could not be loaded at all: every `thread/start` fails until it is
    /// fixed (other warnings, such as ignored keys, are harmless).
    pub fn is_invalid_configuration(&self) -> bool {
        self.summary.starts_with("Invalid configuration")
    }

    /// `path:line:column`, or what Codex said where it gave no place.
    pub fn place(&self) -> String {
        match (&self.path, &self.range) {
            (Some(path), Some(range)) => {
                format!("{path}:{}:{}", range.start.line, range.start.column)
            }
            (Some(path), None) => path.clone(),
            (None, _) => self.details.clone().unwrap_or_default(),
        }
    }
}
