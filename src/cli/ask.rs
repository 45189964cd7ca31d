//! `codex-bridge ask`: one prompt, one turn (new thread or `--thread-id`), the answer on
//! stdout, an exit code that says how it went.
//!
//! Validation, the turn itself and the result shape are the MCP tools' own (the bridge's
//! `ask` and `continue` operations and `TurnResult`); this module only reads the prompt,
//! picks the output and maps the outcome to an exit code.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use super::approve::TerminalAsker;
use super::exit::{report, Exit};
use super::flags::CeilingArgs;
use super::format;
use super::lines::Lines;
use super::options::TurnArgs;
use super::output::{AnswerPrinter, Format};
use super::runner::{self, TerminalWatcher};
use super::session::SessionArgs;
use crate::bridge::approval::{ApprovalPolicy, Asker};
use crate::bridge::caller::Caller;
use crate::bridge::ops::turns::{Ask, Continue, NewThread, TurnOutcome, Waiting};
use crate::bridge::results::{TurnPhase, TurnResult};
use crate::bridge::watch::{Asking, Ending, Stop};
use crate::bridge::words::Door;
use crate::shutdown::Signals;

#[derive(Debug, Clone, Args)]
pub struct AskArgs {
    /// What to ask Codex; `-` reads the prompt from stdin.
    #[arg(value_name = "PROMPT", required_unless_present = "prompt_file")]
    pub prompt: Option<String>,

    /// Read the prompt from FILE.
    #[arg(long, value_name = "FILE", conflicts_with = "prompt")]
    pub prompt_file: Option<PathBuf>,

    /// Continue this thread (from an earlier `--json` result, `--print-thread-id` or `threads`).
    #[arg(long, value_name = "ID")]
    pub thread_id: Option<String>,

    /// New thread only: do not save it (it cannot be continued by a later command).
    #[arg(long, conflicts_with = "thread_id")]
    pub ephemeral: bool,

    /// New thread only: a name other agents can find with `threads --search`.
    #[arg(long, conflicts_with = "thread_id")]
    pub name: Option<String>,

    /// New thread only: extra developer instructions.
    #[arg(long, value_name = "TEXT", conflicts_with = "thread_id")]
    pub developer_instructions: Option<String>,

    #[command(flatten)]
    pub turn: TurnArgs,

    /// Print the answer once at the end instead of streaming it.
    #[arg(long)]
    pub no_stream: bool,

    /// Print one JSON object (thread_id, turn_id, status, text, error, usage, duration_ms,
    /// commands, file_changes, approvals) instead of the answer.
    #[arg(long, conflicts_with = "no_stream")]
    pub json: bool,

    /// Also write the final answer to FILE (when the turn completed).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Print `thread_id: ID` on stderr as soon as the thread exists.
    #[arg(long)]
    pub print_thread_id: bool,

    /// Print tokens and latency on stderr at the end.
    #[arg(long)]
    pub summary: bool,

    /// Seconds the whole turn may take; then it is interrupted and the exit code is 4.
    /// 0 means no limit.
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub timeout: f64,

    #[command(flatten)]
    pub session: SessionArgs,

    #[command(flatten)]
    pub ceilings: CeilingArgs,
}

pub async fn run(args: AskArgs, signals: &mut Signals) -> Exit {
    let began = Instant::now();
    if !args.timeout.is_finite() || args.timeout < 0.0 {
        return report(
            Exit::Usage,
            format!("--timeout must be 0 or more seconds, got {}", args.timeout),
        );
    }
    let (prompt, prompt_from_stdin) = match read_prompt(&args) {
        Ok(prompt) => prompt,
        Err(error) => return report(Exit::Usage, error),
    };
    let format = if args.json {
        Format::Json
    } else if args.no_stream {
        Format::Plain
    } else {
        Format::Stream
    };
    let asker = terminal_asker(args.turn.approval_policy, prompt_from_stdin);
    let options = match args.turn.options() {
        Ok(options) => options,
        Err(error) => {
            return fail_early(format, Exit::for_error(&error), &error.describe(Door::Cli))
        }
    };
    let ceilings = match args.turn.ceilings(&args.ceilings) {
        Ok(ceilings) => ceilings,
        Err(error) => {
            return fail_early(format, Exit::for_error(&error), &error.describe(Door::Cli))
        }
    };
    let session = match args.session.open() {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let bridge = session.bridge(ceilings);
    // Validate everything before Codex is started: a wrong flag costs no app-server.
    let asking = match &asker {
        Some(asker) => Asking::Through(asker.clone() as Arc<dyn Asker>),
        None => Asking::No,
    };
    let caller = Caller {
        agent: None,
        can_ask: asker.is_some(),
        roots: None,
    };
    let prepared = match &args.thread_id {
        Some(thread_id) => bridge.prepare_continue(
            Continue {
                thread_id: thread_id.clone(),
                prompt,
                options,
            },
            &caller,
        ),
        None => bridge.prepare_ask(
            Ask {
                prompt,
                new: NewThread {
                    name: args.name.clone(),
                    ephemeral: args.ephemeral,
                    base_instructions: None,
                    developer_instructions: args.developer_instructions.clone(),
                },
                options,
            },
            &caller,
        ),
    };
    let call = match prepared {
        Ok(call) => call,
        Err(error) => {
            return fail_early(format, Exit::for_error(&error), &error.describe(Door::Cli))
        }
    };
    if let Err((exit, message)) = session.connect(signals).await {
        session.close().await;
        return fail_early(format, exit, &message);
    }
    let print_thread_id = args.print_thread_id;
    let outcome = {
        let session = &session;
        let mut watcher =
            TerminalWatcher::new(AnswerPrinter::new(format), signals, asking, |handle| {
                session.say(format_args!(
                    "thread {} · turn {} started",
                    handle.thread_id, handle.turn_id
                ));
                if print_thread_id {
                    eprintln!("thread_id: {}", handle.thread_id);
                }
            });
        let outcome = bridge
            .run_turn(
                call,
                Waiting::Until(runner::deadline(args.timeout)),
                &mut watcher,
            )
            .await;
        (outcome, watcher.printer)
    };
    let exit = match outcome {
        (Ok(TurnOutcome::Ran { mut result, ending }), mut printer) => {
            explain_ending(&mut result, &ending, args.timeout);
            printer.finish(&result);
            if format != Format::Json {
                if let Some(error) = &result.error {
                    eprintln!("codex-bridge: turn {}: {error}", phase_word(result.status));
                }
            }
            if let Some(path) = &args.out {
                write_out_file(path, &result);
            }
            if args.summary {
                eprintln!(
                    "codex-bridge: {}",
                    format::summary(&result, began.elapsed())
                );
            }
            exit_for(&result, &ending)
        }
        (Err(error), _) => fail_early(format, Exit::for_error(&error), &error.describe(Door::Cli)),
        (Ok(TurnOutcome::Abandoned(ending)), _) => {
            let exit = match ending {
                Ending::Stopped(Stop::Signal(caught)) => Exit::for_signal(caught),
                Ending::Stopped(Stop::Cancelled | Stop::Disconnected)
                | Ending::DeadlinePassed
                | Ending::Finished
                | Ending::InputRequired(_) => Exit::Timeout,
            };
            fail_early(format, exit, "stopped before Codex started the turn")
        }
    };
    session.close().await;
    exit
}

/// The prompt, and whether it came from stdin (then stdin cannot answer approvals).
fn read_prompt(args: &AskArgs) -> Result<(String, bool), String> {
    match (&args.prompt, &args.prompt_file) {
        (Some(prompt), None) if prompt == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read the prompt from stdin: {e}"))?;
            Ok((text, true))
        }
        (Some(prompt), None) => Ok((prompt.clone(), false)),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(|text| (text, false))
            .map_err(|e| format!("cannot read --prompt-file {}: {e}", path.display())),
        (Some(_), Some(_)) | (None, None) => {
            Err("give the prompt as an argument, `-` for stdin, or --prompt-file FILE".into())
        }
    }
}

/// A terminal asker when `ask` can really ask someone: stdin is a terminal and not the
/// prompt's source. Otherwise `None`, and the shared policy declines every request.
fn terminal_asker(
    policy: Option<ApprovalPolicy>,
    prompt_from_stdin: bool,
) -> Option<Arc<TerminalAsker>> {
    let interactive = !prompt_from_stdin && std::io::stdin().is_terminal();
    (policy == Some(ApprovalPolicy::Ask) && interactive).then(|| TerminalAsker::new(Lines::stdin()))
}

/// Say in the result why we stopped the turn, when it was us.
fn explain_ending(result: &mut TurnResult, ending: &Ending, timeout: f64) {
    let why = match ending {
        Ending::Finished => return,
        Ending::DeadlinePassed => {
            format!("--timeout of {timeout} s passed; codex-bridge interrupted the turn")
        }
        Ending::Stopped(Stop::Signal(caught)) => format!(
            "stopped by {}; codex-bridge interrupted the turn",
            caught.name()
        ),
        Ending::Stopped(Stop::Cancelled) => "codex-bridge interrupted the turn".to_string(),
        // The command line has no connection to lose; worded for completeness.
        Ending::Stopped(Stop::Disconnected) => "codex-bridge stopped waiting".to_string(),
        Ending::InputRequired(_) => "the turn waits for a human's answer".to_string(),
    };
    result.error = Some(why);
}

fn exit_for(result: &TurnResult, ending: &Ending) -> Exit {
    match ending {
        Ending::DeadlinePassed => Exit::Timeout,
        Ending::Stopped(Stop::Signal(caught)) => Exit::for_signal(*caught),
        Ending::Stopped(Stop::Cancelled | Stop::Disconnected) | Ending::InputRequired(_) => {
            Exit::TurnFailed
        }
        Ending::Finished => match result.status {
            TurnPhase::Completed => Exit::Success,
            TurnPhase::Failed | TurnPhase::Interrupted | TurnPhase::Running => Exit::TurnFailed,
        },
    }
}

fn phase_word(phase: TurnPhase) -> &'static str {
    match phase {
        TurnPhase::Running => "still running",
        TurnPhase::Completed | TurnPhase::Failed | TurnPhase::Interrupted => phase.word(),
    }
}

fn write_out_file(path: &std::path::Path, result: &TurnResult) {
    if result.status != TurnPhase::Completed {
        eprintln!(
            "codex-bridge: --out {} not written: the turn did not complete",
            path.display()
        );
        return;
    }
    if let Err(error) = std::fs::write(path, &result.text) {
        eprintln!(
            "codex-bridge: cannot write --out {}: {error}",
            path.display()
        );
    }
}

/// An error before any turn: on stderr, and with `--json` also as a JSON object on stdout
/// so a consuming tool always gets one.
fn fail_early(format: Format, exit: Exit, message: &str) -> Exit {
    eprintln!("codex-bridge: {message}");
    fail_json(format, exit, message)
}

fn fail_json(format: Format, exit: Exit, message: &str) -> Exit {
    if format == Format::Json {
        println!(
            "{}",
            json!({"status": "error", "error": message, "exit_code": exit.code()})
        );
    }
    exit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shutdown::Caught;

    #[test]
    fn timeouts_and_signals_win_over_the_turn_status() {
        let result = TurnResult {
            thread_id: "t".into(),
            turn_id: "u".into(),
            started_by: None,
            status: TurnPhase::Interrupted,
            text: String::new(),
            structured: None,
            error: None,
            usage: None,
            duration_ms: 0,
            commands: Vec::new(),
            file_changes: Vec::new(),
            approvals: Vec::new(),
            progress: None,
            omitted: None,
            text_truncated: false,
            review: None,
        };
        assert_eq!(exit_for(&result, &Ending::DeadlinePassed), Exit::Timeout);
        assert_eq!(
            exit_for(&result, &Ending::Stopped(Stop::Signal(Caught::Interrupt))),
            Exit::Interrupted
        );
        assert_eq!(exit_for(&result, &Ending::Finished), Exit::TurnFailed);
    }
}
