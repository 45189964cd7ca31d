//! The `codex-bridge` command: `serve` runs the MCP server on stdio.
//!
//! Logs go to stderr (stdout belongs to MCP in `serve`); `RUST_LOG` or `--log` choose the level.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use codex_bridge::codex::client::CodexClient;
use codex_bridge::codex::connection::ConnectionOptions;
use codex_bridge::config::{CeilingArgs, ConnectArgs};
use codex_bridge::mcp::server::{serve_stdio, CodexBridge};

#[derive(Parser)]
#[command(
    name = "codex-bridge",
    version,
    about = "Bridge MCP clients and scripts to OpenAI Codex (codex app-server)"
)]
struct Cli {
    /// Log filter for stderr (e.g. `info`, `codex_bridge=debug`); RUST_LOG also works.
    #[arg(
        long,
        global = true,
        env = "CODEX_BRIDGE_LOG",
        default_value = "warn,codex_bridge=info"
    )]
    log: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the MCP server on stdio (what an MCP client config launches).
    Serve {
        #[command(flatten)]
        connect: ConnectArgs,
        #[command(flatten)]
        ceilings: CeilingArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("codex-bridge: cannot start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(run(cli));
    // stdin is read on a blocking thread that never returns while the client keeps the pipe
    // open (e.g. after SIGTERM); do not wait for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}

async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve { connect, ceilings } => {
            let (settings, ceilings) = match (connect.resolve(), ceilings.resolve()) {
                (Ok(settings), Ok(ceilings)) => (settings, ceilings),
                (Err(error), _) | (_, Err(error)) => {
                    eprintln!("codex-bridge: {error}");
                    return ExitCode::from(2);
                }
            };
            let client = Arc::new(CodexClient::new(settings, ConnectionOptions::default()));
            match serve_stdio(CodexBridge::new(client, ceilings)).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("codex-bridge: {error}");
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn init_tracing(default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}
