//! Lines typed on stdin, shared by the REPL (prompts) and the terminal approver (answers).
//!
//! One reader thread owns stdin, so a prompt and an approval answer can never race for the
//! same bytes; whoever waits for a line takes the next one.

use std::io::BufRead;
use std::sync::Arc;

use tokio::sync::{mpsc, Mutex};

pub struct Lines {
    receiver: Mutex<mpsc::UnboundedReceiver<String>>,
}

impl Lines {
    /// Start reading stdin on a thread of its own (blocking reads must not hold a runtime
    /// worker; the thread is simply abandoned at exit).
    pub fn stdin() -> Arc<Lines> {
        let (sender, receiver) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Arc::new(Lines {
            receiver: Mutex::new(receiver),
        })
    }

    /// The next line without its line ending; `None` at end of input (Ctrl-D).
    /// Cancel-safe: a line is only taken when this returns.
    pub async fn next(&self) -> Option<String> {
        self.receiver.lock().await.recv().await
    }
}
