//! Thread items (schema: `ThreadItem`, tagged by `type`): what a turn is made of.

use serde::Deserialize;
use serde_json::Value;

/// A thread item, as `item/started`, `item/completed` and `thread/read` carry it. Only the
/// kinds a result reports are decoded; the rest is `Other`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ThreadItem {
    UserMessage {
        id: String,
        #[serde(default)]
        content: Vec<Value>,
    },
    AgentMessage {
        id: String,
        #[serde(default)]
        text: String,
    },
    CommandExecution {
        id: String,
        #[serde(default)]
        command: Option<String>,
        #[serde(default)]
        cwd: Option<String>,
        #[serde(default)]
        status: Option<String>,
        #[serde(default, rename = "exitCode")]
        exit_code: Option<i64>,
        #[serde(default, rename = "aggregatedOutput")]
        aggregated_output: Option<String>,
    },
    FileChange {
        id: String,
        #[serde(default)]
        changes: Vec<FileUpdateChange>,
        #[serde(default)]
        status: Option<String>,
    },
    McpToolCall {
        id: String,
        #[serde(default)]
        server: String,
        #[serde(default)]
        tool: String,
        #[serde(default)]
        status: Option<String>,
    },
    /// The start of a review turn (`review/start`); `review` names what is reviewed.
    EnteredReviewMode {
        id: String,
        #[serde(default)]
        review: String,
    },
    /// The end of a review turn; `review` is the review rendered as text (no confidences,
    /// no verdict: those are in the review sub-agent's own answer).
    ExitedReviewMode {
        id: String,
        #[serde(default)]
        review: String,
    },
    /// A compaction of the thread's history (`thread/compact/start`).
    ContextCompaction { id: String },
    /// Reasoning, plans, web searches and the rest: progress only, not part of the result.
    #[serde(other)]
    Other,
}

impl ThreadItem {
    /// The text a user typed, for reading a thread back.
    pub fn user_text(content: &[Value]) -> String {
        content
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// One file of a `fileChange` item (schema: `FileUpdateChange`).
#[derive(Debug, Clone, Deserialize)]
pub struct FileUpdateChange {
    pub path: String,
    #[serde(default)]
    pub kind: Option<Value>,
    #[serde(default)]
    pub diff: String,
}

impl FileUpdateChange {
    /// `add`, `delete` or `update` (the protocol wraps it as `{type: ...}`).
    pub fn kind_word(&self) -> String {
        match &self.kind {
            Some(Value::String(kind)) => kind.clone(),
            Some(kind) => kind
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("update")
                .to_string(),
            None => "update".to_string(),
        }
    }
}
