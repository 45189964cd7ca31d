//! `codex-bridge threads`: list Codex threads (newest activity first), including threads
//! started in the TUI, an IDE or by other agents, as a table or as the `codex_list_threads`
//! JSON.

use clap::Args;

use super::exit::{report, Exit};
use super::format::utc_seconds;
use super::session::SessionArgs;
use super::signals::Signals;
use crate::codex::client::CodexClient;
use crate::codex::protocol::ThreadListParams;
use crate::error::BridgeError;
use crate::mcp::results::{ThreadList, ThreadSummary};

#[derive(Debug, Clone, Args)]
pub struct ThreadsArgs {
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

pub async fn run(args: ThreadsArgs, signals: &mut Signals) -> Exit {
    let cwd = match &args.cwd {
        Some(cwd) => match std::path::absolute(cwd) {
            Ok(path) => Some(path.display().to_string()),
            Err(error) => return report(Exit::Usage, format!("--cwd {}: {error}", cwd.display())),
        },
        None => None,
    };
    let session = match args.session.open() {
        Ok(session) => session,
        Err(exit) => return exit,
    };
    if let Err((exit, message)) = session.connect(signals).await {
        session.close().await;
        return report(exit, message);
    }
    let params = ThreadListParams {
        limit: Some(args.limit),
        cursor: args.cursor.clone().filter(|cursor| !cursor.is_empty()),
        cwd,
        search_term: args.search.clone().filter(|search| !search.is_empty()),
        archived: args.archived.then_some(true),
        sort_key: "updated_at",
        model_providers: Vec::new(),
    };
    let listed = tokio::select! {
        listed = list(&session.client, params) => listed,
        caught = signals.next() => {
            session.close().await;
            return caught.exit();
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
                eprintln!("more: --cursor {cursor}");
            }
            Exit::Success
        }
        Err(error) => report(Exit::for_error(&error), error),
    };
    session.close().await;
    exit
}

async fn list(client: &CodexClient, params: ThreadListParams) -> Result<ThreadList, BridgeError> {
    let response = client.list_threads(params).await?;
    Ok(ThreadList {
        threads: response.data.into_iter().map(ThreadSummary::from).collect(),
        next_cursor: response.next_cursor,
    })
}

/// The most recent threads as a table (for the REPL's `/threads`).
pub async fn recent(client: &CodexClient, limit: u32) -> Result<String, BridgeError> {
    let params = ThreadListParams {
        limit: Some(limit),
        cursor: None,
        cwd: None,
        search_term: None,
        archived: None,
        sort_key: "updated_at",
        model_providers: Vec::new(),
    };
    Ok(render(&list(client, params).await?))
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
