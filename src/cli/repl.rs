//! `codex-bridge repl`: several prompts on one thread and one app-server connection.
//!
//! Lines starting with `/` are commands (`/thread`, `/new`, `/threads`, `/help`, `/exit`,
//! `/quit`); anything else is a prompt for the current thread (a new one for the first
//! prompt and after `/new`). Ctrl-C interrupts the running turn and keeps the REPL; Ctrl-D
//! or `/exit` leaves it. Answers go to stdout, everything else to stderr.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use clap::Args;

use super::approve::TerminalAsker;
use super::exit::{report, report_error, Exit};
use super::flags::CeilingArgs;
use super::lines::Lines;
use super::options::TurnArgs;
use super::output::{AnswerPrinter, Format};
use super::runner::{self, TerminalWatcher};
use super::session::{Session, SessionArgs};
use super::threads;
use crate::bridge::approval::{ApprovalPolicy, Asker};
use crate::bridge::caller::Caller;
use crate::bridge::ops::turns::{Ask, Continue, NewThread, TurnOutcome, Waiting};
use crate::bridge::ops::Bridge;
use crate::bridge::options::TurnOptions;
use crate::bridge::results::TurnPhase;
use crate::bridge::watch::{Asking, Ending, Stop};
use crate::bridge::words::Door;
use crate::shutdown::{Caught, Signals};

const HELP: &str = "commands: /thread (show the thread id), /new (start a new thread), \
/threads (recent threads), /exit or /quit (leave; also Ctrl-D). Anything else is a prompt. \
Ctrl-C interrupts a running turn.";

#[derive(Debug, Clone, Args)]
pub struct ReplArgs {
    /// Continue this thread instead of starting a new one with the first prompt.
    #[arg(long, value_name = "ID")]
    pub thread_id: Option<String>,

    /// New threads are not saved.
    #[arg(long)]
    pub ephemeral: bool,

    #[command(flatten)]
    pub turn: TurnArgs,

    /// Print each answer once at the end instead of streaming it.
    #[arg(long)]
    pub no_stream: bool,

    /// Seconds each turn may take before it is interrupted; 0 means no limit.
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub timeout: f64,

    #[command(flatten)]
    pub session: SessionArgs,

    #[command(flatten)]
    pub ceilings: CeilingArgs,
}

/// What one line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    Empty,
    Thread,
    New,
    Threads,
    Help,
    Exit,
    Unknown(&'a str),
    Prompt(&'a str),
}

fn parse(line: &str) -> Line<'_> {
    let trimmed = line.trim();
    match trimmed {
        "" => Line::Empty,
        "/thread" => Line::Thread,
        "/new" => Line::New,
        "/threads" => Line::Threads,
        "/help" | "/?" => Line::Help,
        "/exit" | "/quit" => Line::Exit,
        _ if trimmed.starts_with('/') => Line::Unknown(trimmed),
        _ => Line::Prompt(line),
    }
}

struct Repl {
    session: Session,
    bridge: Bridge,
    options: TurnOptions,
    lines: Arc<Lines>,
    interactive: bool,
    args: ReplArgs,
    thread_id: Option<String>,
}

pub async fn run(args: ReplArgs, signals: &mut Signals) -> Exit {
    if !args.timeout.is_finite() || args.timeout < 0.0 {
        return report(
            Exit::Usage,
            format!("--timeout must be 0 or more seconds, got {}", args.timeout),
        );
    }
    let (options, ceilings) = match args
        .turn
        .options()
        .and_then(|options| Ok((options, args.turn.ceilings(&args.ceilings)?)))
    {
        Ok(checked) => checked,
        Err(error) => return report_error(&error),
    };
    let session = match args.session.open() {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let bridge = session.bridge(ceilings);
    let interactive = std::io::stdin().is_terminal();
    if interactive {
        eprintln!("codex-bridge repl: connecting to Codex…");
    }
    if let Err((exit, message)) = session.connect(signals).await {
        session.close().await;
        return report(exit, message);
    }
    if interactive {
        eprintln!("{HELP}");
    }
    let mut repl = Repl {
        session,
        bridge,
        options,
        lines: Lines::stdin(),
        interactive,
        thread_id: args.thread_id.clone(),
        args,
    };
    let exit = repl.run(signals).await;
    repl.session.close().await;
    exit
}

impl Repl {
    async fn run(&mut self, signals: &mut Signals) -> Exit {
        loop {
            if self.interactive {
                eprint!("codex> ");
                let _ = std::io::stderr().flush();
            }
            let line = tokio::select! {
                line = self.lines.next() => line,
                caught = signals.next() => match caught {
                    Caught::Interrupt => {
                        eprintln!("\n(no turn is running: /exit or Ctrl-D leaves)");
                        continue;
                    }
                    Caught::Terminate => return Exit::Terminated,
                },
            };
            let Some(line) = line else {
                // Ctrl-D / end of input.
                if self.interactive {
                    eprintln!();
                }
                return Exit::Success;
            };
            match parse(&line) {
                Line::Empty => {}
                Line::Thread => match &self.thread_id {
                    Some(thread_id) => println!("{thread_id}"),
                    None => eprintln!("(no thread yet: the next prompt starts one)"),
                },
                Line::New => {
                    self.thread_id = None;
                    eprintln!("(the next prompt starts a new thread)");
                }
                Line::Threads => {
                    let listing = threads::recent(&self.bridge, 10).await;
                    match listing {
                        Ok(text) => print!("{text}"),
                        Err(error) => eprintln!("codex-bridge: {}", error.describe(Door::Cli)),
                    }
                }
                Line::Help => eprintln!("{HELP}"),
                Line::Exit => return Exit::Success,
                Line::Unknown(command) => eprintln!("unknown command {command}; {HELP}"),
                Line::Prompt(prompt) => {
                    if let Some(exit) = self.turn(prompt, signals).await {
                        return exit;
                    }
                }
            }
        }
    }

    /// One turn; `Some(exit)` only when the REPL must end (SIGTERM).
    async fn turn(&mut self, prompt: &str, signals: &mut Signals) -> Option<Exit> {
        let asker = (self.options.approval_policy == Some(ApprovalPolicy::Ask) && self.interactive)
            .then(|| TerminalAsker::new(self.lines.clone()));
        let asking = match &asker {
            Some(asker) => Asking::Through(asker.clone() as Arc<dyn Asker>),
            None => Asking::No,
        };
        let caller = Caller {
            agent: None,
            can_ask: asker.is_some(),
            roots: None,
        };
        let prepared = match &self.thread_id {
            Some(thread_id) => self.bridge.prepare_continue(
                Continue {
                    thread_id: thread_id.clone(),
                    prompt: prompt.to_string(),
                    options: self.options.clone(),
                },
                &caller,
            ),
            None => self.bridge.prepare_ask(
                Ask {
                    prompt: prompt.to_string(),
                    new: NewThread {
                        ephemeral: self.args.ephemeral,
                        ..NewThread::default()
                    },
                    options: self.options.clone(),
                },
                &caller,
            ),
        };
        let call = match prepared {
            Ok(call) => call,
            Err(error) => {
                eprintln!("codex-bridge: {}", error.describe(Door::Cli));
                return None;
            }
        };
        let format = if self.args.no_stream {
            Format::Plain
        } else {
            Format::Stream
        };
        let session = &self.session;
        let mut started_thread = None;
        let (outcome, mut printer) = {
            let mut watcher =
                TerminalWatcher::new(AnswerPrinter::new(format), signals, asking, |handle| {
                    session.say(format_args!(
                        "thread {} · turn {} started",
                        handle.thread_id, handle.turn_id
                    ));
                    started_thread = Some(handle.thread_id.clone());
                });
            let outcome = self
                .bridge
                .run_turn(
                    call,
                    Waiting::Until(runner::deadline(self.args.timeout)),
                    &mut watcher,
                )
                .await;
            (outcome, watcher.printer)
        };
        if let Some(thread_id) = started_thread {
            self.thread_id = Some(thread_id);
        }
        match outcome {
            Ok(TurnOutcome::Ran { result, ending }) => {
                printer.finish(&result);
                match ending {
                    Ending::Finished if result.status == TurnPhase::Completed => {}
                    Ending::Finished => eprintln!(
                        "codex-bridge: the turn ended {}: {}",
                        result.status.word(),
                        result.error.as_deref().unwrap_or("no reason given")
                    ),
                    Ending::DeadlinePassed => eprintln!("(--timeout passed: turn interrupted)"),
                    Ending::Stopped(Stop::Signal(Caught::Interrupt))
                    | Ending::Stopped(Stop::Cancelled | Stop::Disconnected)
                    | Ending::InputRequired(_) => eprintln!("(turn interrupted)"),
                    Ending::Stopped(Stop::Signal(Caught::Terminate)) => {
                        return Some(Exit::Terminated)
                    }
                }
                None
            }
            Err(error) => {
                eprintln!("codex-bridge: {}", error.describe(Door::Cli));
                None
            }
            Ok(TurnOutcome::Abandoned(Ending::Stopped(Stop::Signal(Caught::Terminate)))) => {
                Some(Exit::Terminated)
            }
            Ok(TurnOutcome::Abandoned(_)) => {
                eprintln!("(stopped before the turn started)");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_commands_or_prompts() {
        assert_eq!(parse("/thread"), Line::Thread);
        assert_eq!(parse("  /quit "), Line::Exit);
        assert_eq!(parse("/nope"), Line::Unknown("/nope"));
        assert_eq!(parse("fix the bug"), Line::Prompt("fix the bug"));
        assert_eq!(parse("   "), Line::Empty);
    }
}
