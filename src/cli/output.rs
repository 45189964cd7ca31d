//! Printing a turn's answer on stdout: streamed as it grows, once at the end, or as one
//! JSON object (the same `TurnResult` the MCP tools return).
//!
//! stdout carries only the answer (or the JSON); everything else goes to stderr, so
//! `codex-bridge ask ... > answer.txt` and `| jq` work.

use std::io::Write;

use crate::bridge::results::TurnResult;
use crate::bridge::watch::TurnHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Print the answer as it arrives.
    Stream,
    /// Print the answer once, at the end.
    Plain,
    /// Print the result as one JSON object, at the end.
    Json,
}

pub struct AnswerPrinter {
    format: Format,
    /// What has been streamed of the current message.
    printed: String,
}

impl AnswerPrinter {
    pub fn new(format: Format) -> AnswerPrinter {
        AnswerPrinter {
            format,
            printed: String::new(),
        }
    }

    /// Print what is new in the answer (streaming only).
    pub fn progress(&mut self, handle: &TurnHandle) {
        if self.format != Format::Stream {
            return;
        }
        let text = handle.answer_text();
        if text.len() != self.printed.len() || text != self.printed {
            self.stream_to(&text);
        }
    }

    /// Print the end of the turn: the rest of the answer, or all of it, or the JSON.
    pub fn finish(&mut self, result: &TurnResult) {
        match self.format {
            Format::Stream => {
                self.stream_to(&result.text);
                if !self.printed.is_empty() && !self.printed.ends_with('\n') {
                    write_out("\n");
                }
                self.printed.clear();
            }
            Format::Plain => {
                if !result.text.is_empty() {
                    let mut text = result.text.clone();
                    if !text.ends_with('\n') {
                        text.push('\n');
                    }
                    write_out(&text);
                }
            }
            Format::Json => match serde_json::to_string(result) {
                Ok(json) => write_out(&format!("{json}\n")),
                Err(error) => eprintln!("codex-bridge: cannot encode the result: {error}"),
            },
        }
    }

    fn stream_to(&mut self, text: &str) {
        match text.strip_prefix(self.printed.as_str()) {
            Some("") => {}
            Some(new) => {
                write_out(new);
                self.printed.push_str(new);
            }
            None => {
                // A new message began (Codex spoke before running a command, say), or the
                // final text replaced the streamed one: start it on a fresh line.
                if !self.printed.is_empty() && !self.printed.ends_with('\n') {
                    write_out("\n");
                }
                write_out(text);
                self.printed = text.to_string();
            }
        }
    }
}

/// Write and flush now: streamed text must not sit in a buffer. A closed stdout (`| head`)
/// is not an error worth stopping the turn for.
fn write_out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
