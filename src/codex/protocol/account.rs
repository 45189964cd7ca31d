//! `account/read`: the login state, for `doctor`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, Serialize)]
pub struct GetAccountParams {}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAccountResponse {
    /// `{type, email?, planType?}` when signed in; null otherwise.
    #[serde(default)]
    pub account: Option<Value>,
    /// False when the configured model provider needs no OpenAI login.
    #[serde(default)]
    pub requires_openai_auth: Option<bool>,
}
