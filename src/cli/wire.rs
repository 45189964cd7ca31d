//! What the command line shows of the JSON-RPC wire: `-v` one-line summaries of what
//! happens, `-vv` every raw frame, `--trace-file` every frame as NDJSON.
//!
//! All of it hangs off the connection's [`FrameTap`], called on the connection's I/O tasks,
//! so each frame costs one parse and at most one write.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde_json::{json, Value};

use super::format::utc;
use crate::codex::connection::{Direction, FrameTap};

/// Where the wire goes, besides the app-server.
pub struct WireLog {
    verbosity: u8,
    /// Opened for appending: each line is one `write`, so concurrent runs interleave whole
    /// lines, and nothing is lost when Ctrl-C ends the process.
    trace: Option<Mutex<File>>,
}

impl WireLog {
    pub fn new(verbosity: u8, trace_file: Option<&Path>) -> Result<WireLog, String> {
        let trace = match trace_file {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| format!("cannot open --trace-file {}: {e}", path.display()))?,
            )),
            None => None,
        };
        Ok(WireLog { verbosity, trace })
    }

    /// The tap to give the connection, or `None` when nothing is watched.
    pub fn tap(self: Arc<Self>) -> Option<FrameTap> {
        if self.verbosity == 0 && self.trace.is_none() {
            return None;
        }
        Some(Arc::new(move |direction, frame| {
            self.frame(direction, frame)
        }))
    }

    fn frame(&self, direction: Direction, frame: &str) {
        let arrow = match direction {
            Direction::Sent => "→",
            Direction::Received => "←",
        };
        if self.verbosity >= 2 {
            eprintln!("{arrow} {frame}");
        }
        let parsed: Option<Value> = serde_json::from_str(frame).ok();
        if self.verbosity == 1 {
            if let Some(line) = parsed.as_ref().and_then(|v| summarize(direction, v)) {
                eprintln!("{arrow} {line}");
            }
        }
        if let Some(trace) = &self.trace {
            let record = json!({
                "time": utc(SystemTime::now()),
                "direction": match direction {
                    Direction::Sent => "sent",
                    Direction::Received => "received",
                },
                "frame": parsed.unwrap_or_else(|| Value::String(frame.to_string())),
            });
            let mut line = record.to_string();
            line.push('\n');
            let mut file = crate::lock::lock(trace);
            // A full disk must not stop the turn; the trace is best effort.
            let _ = file.write_all(line.as_bytes());
        }
    }
}

/// One line for `-v`, or `None` for frames too frequent or too dull to show (answer
/// deltas, plain responses).
fn summarize(direction: Direction, frame: &Value) -> Option<String> {
    let method = frame.get("method").and_then(Value::as_str);
    let params = frame.get("params").unwrap_or(&Value::Null);
    let text = |key: &str| params.get(key).and_then(Value::as_str).unwrap_or("");
    match (direction, method) {
        (Direction::Sent, Some(method)) => Some(method.to_string()),
        (Direction::Sent, None) => {
            let answer = frame.get("result").or_else(|| frame.get("error"))?;
            Some(format!(
                "answer to server request: {}",
                shorten(&answer.to_string())
            ))
        }
        (Direction::Received, None) => frame
            .get("error")
            .map(|error| format!("error: {}", shorten(&error.to_string()))),
        (Direction::Received, Some(method)) => {
            if method.ends_with("/delta") || method.ends_with("Delta") {
                return None;
            }
            let item = params.get("item").unwrap_or(&Value::Null);
            let item_type = item.get("type").and_then(Value::as_str).unwrap_or("");
            let detail = match method {
                "item/started" | "item/completed" => match item_type {
                    "commandExecution" => format!(
                        "{item_type}: {}",
                        item.get("command").and_then(Value::as_str).unwrap_or("")
                    ),
                    _ => item_type.to_string(),
                },
                "turn/completed" => params
                    .pointer("/turn/status")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                "error" => params
                    .pointer("/error/message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                "thread/tokenUsage/updated" => params
                    .pointer("/tokenUsage/total/totalTokens")
                    .map(|total| format!("{total} tokens in the thread"))
                    .unwrap_or_default(),
                _ if method.ends_with("requestApproval") => {
                    let command = text("command");
                    if command.is_empty() {
                        text("reason").to_string()
                    } else {
                        command.to_string()
                    }
                }
                _ => String::new(),
            };
            Some(if detail.is_empty() {
                method.to_string()
            } else {
                format!("{method} {}", shorten(&detail))
            })
        }
    }
}

fn shorten(text: &str) -> String {
    crate::text::shorten(text, 160)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_skip_deltas_and_name_commands() {
        let delta = json!({"method":"item/agentMessage/delta","params":{"delta":"x"}});
        assert_eq!(summarize(Direction::Received, &delta), None);
        let started = json!({"method":"item/started","params":{"item":{"type":"commandExecution","command":"ls -l"}}});
        assert_eq!(
            summarize(Direction::Received, &started).as_deref(),
            Some("item/started commandExecution: ls -l")
        );
        let sent = json!({"id":3,"method":"turn/start","params":{}});
        assert_eq!(
            summarize(Direction::Sent, &sent).as_deref(),
            Some("turn/start")
        );
        let response = json!({"id":3,"result":{}});
        assert_eq!(summarize(Direction::Received, &response), None);
    }
}
