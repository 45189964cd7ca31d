//! `codex-bridge threads`: list Codex threads (newest activity first), including threads
//! started in the TUI, an IDE or by other agents, as a table or as the `codex_list_threads`
//! JSON. Its subcommands (read, fork, rename, archive, ...) are in [`super::thread_actions`].

use clap::{Args, Subcommand};

use super::exit::{report, report_error, Exit};
use super::format::utc_seconds;
use super::session::SessionArgs;
use super::thread_actions::OneThread;
use crate::bridge::error::BridgeError;
use crate::bridge::ops::threads::ListThreads;
use crate::bridge::ops::Bridge;
use crate::bridge::results::ThreadList;
use crate::shutdown::Signals;

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ThreadsArgs {
    #[command(subcommand)]
    pub action: Option<ThreadAction>,

    #[command(flatten)]
    pub list: ListArgs,
}

/// `threads` (or `threads list`): the listing.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only threads whose working directory is exactly DIR.
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<std::path::PathBuf>,

    /// Only threads whose title contains TEXT.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,

    /// How many threads (1 to 100).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub limit: u32,

    /// The `next_cursor` of a previous `--json` listing.
    #[arg(long)]
    pub cursor: Option<String>,

    /// List archived threads instead.
    #[arg(long)]
    pub archived: bool,

    /// Print the listing as JSON (`threads`, `next_cursor`), as codex_list_threads returns it.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub session: SessionArgs,
}

/// `threads` and its subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ThreadAction {
    /// List threads (what `threads` alone does).
    List(ListArgs),
    #[command(flatten)]
    One(OneThread),
}

pub async fn run(args: ThreadsArgs, signals: &mut Signals) -> Exit {
    match args.action {
        Some(ThreadAction::One(action)) => super::thread_actions::run(action, signals).await,
        Some(ThreadAction::List(list_args)) => list(list_args, signals).await,
        None => list(args.list, signals).await,
    }
}

/// List threads.
pub async fn list(args: ListArgs, signals: &mut Signals) -> Exit {
    let cwd = match &args.cwd {
        Some(cwd) => match std::path::absolute(cwd) {
            Ok(path) => Some(path.display().to_string()),
            Err(error) => return report(Exit::Usage, format!("--cwd {}: {error}", cwd.display())),
        },
        None => None,
    };
    let (session, bridge) = match args.session.reading(signals).await {
        Ok(connected) => connected,
        Err(exit) => return exit,
    };
    let list = ListThreads {
        cwd,
        search: args.search.clone(),
        limit: Some(i64::from(args.limit)),
        cursor: args.cursor.clone(),
        archived: args.archived.then_some(true),
    };
    let listed = tokio::select! {
        listed = bridge.list_threads(list) => listed,
        caught = signals.next() => {
            session.close().await;
            return Exit::for_signal(caught);
        }
    };
    let exit = match listed {
        Ok(list) if args.json => match serde_json::to_string(&list) {
            Ok(json) => {
                println!("{json}");
                Exit::Success
            }
            Err(error) => report(Exit::Protocol, error),
        },
        Ok(list) => {
            print!("{}", render(&list));
            if let Some(cursor) = &list.next_cursor {
                // Quoted for a shell: cursors hold `|`, quotes and braces.
                eprintln!("more: --cursor {}", shell_words::quote(cursor));
            }
            Exit::Success
        }
        Err(error) => report_error(&error),
    };
    session.close().await;
    exit
}

/// The most recent threads as a table (for the REPL's `/threads`).
pub async fn recent(bridge: &Bridge, limit: u32) -> Result<String, BridgeError> {
    let list = ListThreads {
        limit: Some(i64::from(limit)),
        ..ListThreads::default()
    };
    Ok(render(&bridge.list_threads(list).await?))
}

/// One line per thread: id, last update (UTC), status, name or preview.
fn render(list: &ThreadList) -> String {
    if list.threads.is_empty() {
        return "(no threads)\n".to_string();
    }
    let mut text = String::new();
    for thread in &list.threads {
        let updated = thread
            .updated_at
            .or(thread.created_at)
            .map(utc_seconds)
            .unwrap_or_else(|| "-".repeat(19));
        let title = thread
            .name
            .clone()
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| crate::text::shorten(&thread.preview.replace('\n', " "), 60));
        text.push_str(&format!(
            "{}  {updated}  {:<10} {title}\n",
            thread.id, thread.status
        ));
    }
    text
}
