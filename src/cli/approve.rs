//! `--approval-policy ask` on a terminal: each approval Codex requests is shown on stderr
//! and answered with a typed line.
//!
//! Only used when stdin is a terminal (otherwise nobody can answer and the shared policy
//! declines). One question at a time; a question whose turn ended (or that the watch
//! withdrew) is dropped mid-wait, so a later line is never taken as its answer.

use std::future::Future;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;

use super::lines::Lines;
use crate::bridge::approval::{ApprovalQuestion, AskOutcome, Asker, Decision};

pub struct TerminalAsker {
    lines: Arc<Lines>,
    one_at_a_time: tokio::sync::Mutex<()>,
}

impl TerminalAsker {
    pub fn new(lines: Arc<Lines>) -> Arc<TerminalAsker> {
        Arc::new(TerminalAsker {
            lines,
            one_at_a_time: tokio::sync::Mutex::new(()),
        })
    }

    async fn ask_now(&self, question: &ApprovalQuestion) -> AskOutcome {
        let _one = self.one_at_a_time.lock().await;
        eprintln!("\n{}\n", question.message());
        loop {
            eprint!("[a]ccept once / accept for [s]ession / [d]ecline / [c]ancel the turn? ");
            let _ = std::io::stderr().flush();
            let line = self.lines.next().await;
            let Some(line) = line else {
                // End of input: nobody is left to answer.
                eprintln!();
                return AskOutcome::Dismissed;
            };
            match parse_answer(&line) {
                Some(decision) => return AskOutcome::Decided(decision),
                None => eprintln!("please answer a, s, d or c"),
            }
        }
    }
}

impl Asker for TerminalAsker {
    fn ask<'a>(
        &'a self,
        question: &'a ApprovalQuestion,
    ) -> Pin<Box<dyn Future<Output = AskOutcome> + Send + 'a>> {
        Box::pin(self.ask_now(question))
    }
}

fn parse_answer(line: &str) -> Option<Decision> {
    match line.trim().to_ascii_lowercase().as_str() {
        "a" | "accept" | "y" | "yes" => Some(Decision::Accept),
        "s" | "session" | "accept_for_session" => Some(Decision::AcceptForSession),
        "d" | "decline" | "n" | "no" => Some(Decision::Decline),
        "c" | "cancel" => Some(Decision::Cancel),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_generously_but_never_guessed() {
        assert_eq!(parse_answer(" A\n"), Some(Decision::Accept));
        assert_eq!(parse_answer("session"), Some(Decision::AcceptForSession));
        assert_eq!(parse_answer("no"), Some(Decision::Decline));
        assert_eq!(parse_answer("c"), Some(Decision::Cancel));
        assert_eq!(parse_answer(""), None);
        assert_eq!(parse_answer("sure"), None);
    }
}
