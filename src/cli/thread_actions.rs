//! `codex-bridge threads read|fork|rename|archive|unarchive|revert|compact`: the thread
//! operations of the MCP tools from the terminal, each printing a line or two (or the
//! tool's JSON with `--json`).

use clap::{Args, Subcommand};
use serde::Serialize;

use super::exit::{report, report_error, Exit};
use super::flags::CeilingArgs;
use super::output::{AnswerPrinter, Format};
use super::runner::{self, TerminalWatcher};
use super::session::SessionArgs;
use crate::bridge::caller::Caller;
use crate::bridge::error::BridgeError;
use crate::bridge::ops::fork::ForkCall;
use crate::bridge::ops::threads::{Detail, ReadThread};
use crate::bridge::ops::turns::{TurnOutcome, Waiting};
use crate::bridge::ops::Bridge;
use crate::bridge::options::TurnOptions;
use crate::bridge::results::{ThreadHistory, ThreadSummary, TurnPhase};
use crate::bridge::watch::{Asking, Ending, Stop};
use crate::shutdown::Signals;

/// The subcommands of `threads` that act on one thread.
#[derive(Debug, Clone, Subcommand)]
pub enum OneThread {
    /// Read a thread's turns, newest page first (`--cursor` pages to older ones), or one
    /// turn in full (`--turn-id ID --full`).
    Read(ReadArgs),
    /// Fork a thread: a new thread with its history up to `--last-turn-id` (the source is
    /// unchanged). Prints the fork's id; continue it with `ask --thread-id`.
    Fork(ForkArgs),
    /// Name a thread (other agents find it with `threads --search`).
    Rename(RenameArgs),
    /// Archive a thread (refused while a turn runs on it).
    Archive(ThreadArg),
    /// Bring an archived thread back.
    Unarchive(ThreadArg),
    /// Drop a turn and every later one from a thread's history. Files those turns changed
    /// are NOT restored.
    Revert(RevertArgs),
    /// Summarise a thread's long history to free the model's context (runs as a turn).
    Compact(CompactArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ThreadArg {
    /// The thread's id.
    #[arg(value_name = "THREAD_ID")]
    pub thread_id: String,

    /// Print the result as JSON, as the MCP tool returns it.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub session: SessionArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    #[command(flatten)]
    pub thread: ThreadArg,

    /// Turns per page (1 to 100).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub limit: i64,

    /// The `next_cursor` of a previous page: the page of older turns.
    #[arg(long)]
    pub cursor: Option<String>,

    /// Only this turn.
    #[arg(long, value_name = "ID")]
    pub turn_id: Option<String>,

    /// With --turn-id: the turn's whole record (commands with output, diffs, approvals).
    #[arg(long, requires = "turn_id")]
    pub full: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ForkArgs {
    #[command(flatten)]
    pub thread: ThreadArg,

    /// Keep the history up to and including this turn (default: all of it).
    #[arg(long, value_name = "ID")]
    pub last_turn_id: Option<String>,

    /// A name for the fork.
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct RenameArgs {
    #[command(flatten)]
    pub thread: ThreadArg,

    /// The new name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
}

#[derive(Debug, Clone, Args)]
pub struct RevertArgs {
    #[command(flatten)]
    pub thread: ThreadArg,

    /// The first turn to drop (it and every later turn leave the history).
    #[arg(long, value_name = "ID")]
    pub before_turn_id: String,
}

#[derive(Debug, Clone, Args)]
pub struct CompactArgs {
    #[command(flatten)]
    pub thread: ThreadArg,

    /// Seconds the compaction may take; then it is interrupted and the exit code is 4. 0
    /// means no limit.
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub timeout: f64,

    #[command(flatten)]
    pub ceilings: CeilingArgs,
}

pub async fn run(action: OneThread, signals: &mut Signals) -> Exit {
    match action {
        OneThread::Read(args) => {
            let read = ReadThread {
                thread_id: args.thread.thread_id.clone(),
                limit: Some(args.limit),
                cursor: args.cursor.clone(),
                turn_id: args.turn_id.clone(),
                detail: if args.full {
                    Detail::Full
                } else {
                    Detail::Summary
                },
            };
            simple(
                &args.thread,
                signals,
                |bridge| async move { bridge.read_thread(read).await },
                history_text,
            )
            .await
        }
        OneThread::Fork(args) => {
            let fork = ForkCall {
                thread_id: args.thread.thread_id.clone(),
                last_turn_id: args.last_turn_id.clone(),
                name: args.name.clone(),
                prompt: None,
                options: TurnOptions::default(),
            };
            simple(&args.thread, signals, |bridge| async move {
                let caller = Caller {
                    agent: None,
                    can_ask: false,
                    roots: None,
                };
                let mut quiet = NoWatcher;
                let forked = bridge
                    .fork_thread(fork, &caller, Waiting::ForCall, &mut quiet)
                    .await?;
                Ok(forked.fork)
            }, |fork| {
                format!(
                    "{}\n(forked from {} with {} turns; continue it with `codex-bridge ask --thread-id {}`)\n",
                    fork.thread_id, fork.forked_from_id, fork.total_turns, fork.thread_id
                )
            })
            .await
        }
        OneThread::Rename(args) => {
            let (id, name) = (args.thread.thread_id.clone(), args.name.clone());
            simple(
                &args.thread,
                signals,
                |bridge| async move { bridge.rename_thread(&id, &name).await },
                |thread| summary_text("renamed", thread),
            )
            .await
        }
        OneThread::Archive(args) => {
            let id = args.thread_id.clone();
            simple(
                &args,
                signals,
                |bridge| async move { bridge.archive_thread(&id).await },
                |thread| summary_text("archived", thread),
            )
            .await
        }
        OneThread::Unarchive(args) => {
            let id = args.thread_id.clone();
            simple(
                &args,
                signals,
                |bridge| async move { bridge.unarchive_thread(&id).await },
                |thread| summary_text("unarchived", thread),
            )
            .await
        }
        OneThread::Revert(args) => {
            let (id, before) = (args.thread.thread_id.clone(), args.before_turn_id.clone());
            simple(&args.thread, signals, |bridge| async move {
                bridge.revert_thread(&id, &before).await
            }, |reverted| {
                format!(
                    "reverted {}: {} turns dropped, {} kept. Files those turns changed were NOT restored.\n",
                    reverted.thread_id, reverted.reverted_turns, reverted.remaining_turns
                )
            })
            .await
        }
        OneThread::Compact(args) => compact(args, signals).await,
    }
}

/// Connect, run one operation that runs no turn, print its result (JSON or `text`).
async fn simple<T, F, Fut>(
    thread: &ThreadArg,
    signals: &mut Signals,
    operation: F,
    text: impl Fn(&T) -> String,
) -> Exit
where
    T: Serialize,
    F: FnOnce(Bridge) -> Fut,
    Fut: std::future::Future<Output = Result<T, BridgeError>>,
{
    let (session, bridge) = match thread.session.reading(signals).await {
        Ok(connected) => connected,
        Err(exit) => return exit,
    };
    let exit = match operation(bridge).await {
        Ok(result) if thread.json => match serde_json::to_string(&result) {
            Ok(json) => {
                println!("{json}");
                Exit::Success
            }
            Err(error) => report(Exit::Protocol, error),
        },
        Ok(result) => {
            print!("{}", text(&result));
            Exit::Success
        }
        Err(error) => report_error(&error),
    };
    session.close().await;
    exit
}

async fn compact(args: CompactArgs, signals: &mut Signals) -> Exit {
    if !args.timeout.is_finite() || args.timeout < 0.0 {
        return report(
            Exit::Usage,
            format!("--timeout must be 0 or more seconds, got {}", args.timeout),
        );
    }
    let ceilings = match args.ceilings.resolve() {
        Ok(ceilings) => ceilings,
        Err(error) => return report_error(&error),
    };
    let session = match args.thread.session.connected(signals).await {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    let bridge = session.bridge(ceilings);
    let format = if args.thread.json {
        Format::Json
    } else {
        Format::Plain
    };
    let outcome = {
        let mut watcher =
            TerminalWatcher::new(AnswerPrinter::new(format), signals, Asking::No, |_| {});
        let outcome = bridge
            .compact(
                &args.thread.thread_id,
                None,
                Waiting::Until(runner::deadline(args.timeout)),
                &mut watcher,
            )
            .await;
        (outcome, watcher.printer)
    };
    let exit = match outcome {
        (Ok(TurnOutcome::Ran { result, ending }), mut printer) => {
            if format == Format::Json {
                printer.finish(&result);
            } else {
                println!(
                    "compacted thread {}: {}",
                    result.thread_id,
                    result.status.word()
                );
            }
            match ending {
                Ending::DeadlinePassed => Exit::Timeout,
                Ending::Stopped(Stop::Signal(caught)) => Exit::for_signal(caught),
                Ending::Stopped(Stop::Cancelled | Stop::Disconnected)
                | Ending::InputRequired(_) => Exit::TurnFailed,
                Ending::Finished if result.status == TurnPhase::Completed => Exit::Success,
                Ending::Finished => Exit::TurnFailed,
            }
        }
        (Ok(TurnOutcome::Abandoned(_)), _) => {
            report(Exit::Timeout, "stopped before Codex started the compaction")
        }
        (Err(error), _) => report_error(&error),
    };
    session.close().await;
    exit
}

fn summary_text(done: &str, thread: &ThreadSummary) -> String {
    format!(
        "{done} {}{}\n",
        thread.id,
        thread
            .name
            .as_deref()
            .map(|name| format!(" ({name})"))
            .unwrap_or_default()
    )
}

fn history_text(history: &ThreadHistory) -> String {
    let mut text = format!(
        "thread {} · {} · {} turns{}\n",
        history.thread_id,
        history.status,
        history.total_turns,
        history
            .name
            .as_deref()
            .map(|name| format!(" · {name}"))
            .unwrap_or_default()
    );
    for turn in &history.turns {
        text.push_str(&format!(
            "\n## turn {} ({})\n> {}\n{}\n",
            turn.turn_id,
            turn.status.word(),
            turn.prompt.replace('\n', "\n> "),
            turn.answer
        ));
    }
    if let Some(turn) = &history.turn {
        for command in &turn.commands {
            text.push_str(&format!(
                "\n$ {}  [{}]\n{}",
                command.command, command.status, command.output
            ));
        }
        for change in &turn.file_changes {
            text.push_str(&format!(
                "\n{} {} [{}]\n{}",
                change.kind, change.path, change.status, change.diff
            ));
        }
    }
    if let Some(cursor) = &history.next_cursor {
        text.push_str(&format!(
            "\n(older turns: --cursor {})\n",
            shell_words::quote(cursor)
        ));
    }
    text
}

/// A fork without a first turn watches nothing.
struct NoWatcher;

impl crate::bridge::watch::Watcher for NoWatcher {
    fn started(&mut self, _turn: &crate::bridge::watch::TurnHandle) {}

    fn progress_interval(&self) -> std::time::Duration {
        std::time::Duration::from_secs(3600)
    }

    fn progress(&mut self, _turn: &crate::bridge::watch::TurnHandle, _last: bool) {}

    fn stopped(
        &mut self,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Stop> + Send + '_>> {
        Box::pin(std::future::pending())
    }

    fn asking(&self) -> Asking {
        Asking::No
    }
}
