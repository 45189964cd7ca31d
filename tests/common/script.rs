//! The scripted model of a real MCP client under test. The client's fake model API
//! ([`super::fake_anthropic`], [`super::fake_gemini`], or [`super::fake_model`] in its scripted
//! mode for an outer Codex) asks a [`Script`] what to do next, given the text of every tool
//! result in the request so far, and turns the [`Step`] into its own wire format (a `tool_use`
//! block, a `functionCall` part, a namespaced `function_call` item).
#![allow(dead_code)]

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::watch;

/// The model's next move.
#[derive(Clone, Debug)]
pub enum Step {
    /// Call the bridge's MCP tool `tool` (its bare name, e.g. `codex_ask`; each fake finds the
    /// name the client gave it) with these arguments.
    Call { tool: String, args: Value },
    /// Answer the user with this text: the turn ends.
    Answer(String),
    /// This step, once the test calls [`Gate::open`] (the client waits for the model meanwhile).
    AfterGate(Box<Step>),
}

pub fn call(tool: &str, args: Value) -> Step {
    Step::Call {
        tool: tool.to_string(),
        args,
    }
}

/// Decides the next [`Step`] from the tool results seen so far (their text, oldest first).
pub type Script = Arc<dyn Fn(&[String]) -> Step + Send + Sync>;

pub fn script(decide: impl Fn(&[String]) -> Step + Send + Sync + 'static) -> Script {
    Arc::new(decide)
}

/// Holds [`Step::AfterGate`] answers until the test opens it.
#[derive(Clone)]
pub struct Gate(watch::Sender<bool>);

impl Default for Gate {
    fn default() -> Gate {
        Gate(watch::channel(false).0)
    }
}

impl Gate {
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    /// Unwraps `step`, waiting for the gate where the script asked for it.
    pub async fn pass(&self, mut step: Step) -> Step {
        while let Step::AfterGate(inner) = step {
            let _ = self.0.subscribe().wait_for(|open| *open).await;
            step = *inner;
        }
        step
    }
}

/// The first thread id in a tool result as a client shows it to its model: structured JSON
/// (`"thread_id":"…"`, possibly escaped inside a string) or the bridge's text
/// (`thread_id: …`).
pub fn thread_id_in(text: &str) -> Option<String> {
    let at = text.find("thread_id")? + "thread_id".len();
    let id: String = text[at..]
        .trim_start_matches(['"', '\\', ':', ' '])
        .chars()
        .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
        .collect();
    (!id.is_empty()).then_some(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_thread_ids_in_every_shape() {
        use super::thread_id_in;
        let id = "01a22cae-e679-7950-9750-0e2e9c999dbc";
        for text in [
            format!(r#"{{"status":"completed","thread_id":"{id}","turn_id":"x"}}"#),
            format!(r#"Output:\n{{\"thread_id\": \"{id}\"}}"#),
            format!("status: completed\nthread_id: {id}\nturn_id: 1"),
        ] {
            assert_eq!(thread_id_in(&text).as_deref(), Some(id), "{text}");
        }
        assert_eq!(thread_id_in("no id here"), None);
    }
}
