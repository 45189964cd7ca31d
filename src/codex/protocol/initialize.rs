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

/// Nothing in it is needed; its arrival means the session is usable.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InitializeResponse {}
