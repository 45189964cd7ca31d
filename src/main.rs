//! The `codex-bridge` command: `serve` runs the MCP server on stdio (or, with `--http`, as
//! a local HTTP service many agents share); `ask`, `repl`,
//! `threads` and `doctor` are the command-line client (`codex_bridge::cli`).
//!
//! Logs go to stderr (stdout belongs to MCP in `serve`, and to answers in the client);
//! `RUST_LOG` or `--log` choose the level.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use codex_bridge::bridge::ops::Bridge;
use codex_bridge::bridge::words::Door;
use codex_bridge::cli;
use codex_bridge::cli::flags::{CeilingArgs, ConnectArgs, HttpArgs, SpareArgs, WaitArgs};
use codex_bridge::codex::client::CodexClient;
use codex_bridge::codex::connection::ConnectionOptions;
use codex_bridge::mcp;
use codex_bridge::shutdown::Signals;

#[derive(Parser)]
#[command(
    name = "codex-bridge",
    version,
    about = "Bridge MCP clients and scripts to OpenAI Codex (codex app-server)"
)]
struct Cli {
    /// Log filter for stderr (e.g. `info`, `codex_bridge=debug`); RUST_LOG also works.
    /// Default: `warn,codex_bridge=info` for `serve`, `warn` for the client commands.
    #[arg(long, global = true, env = "CODEX_BRIDGE_LOG")]
    log: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the MCP server on stdio (what an MCP client config launches), or with --http as
    /// a local service many agents share.
    Serve {
        #[command(flatten)]
        connect: ConnectArgs,
        #[command(flatten)]
        ceilings: CeilingArgs,
        #[command(flatten)]
        waits: WaitArgs,
        #[command(flatten)]
        http: HttpArgs,
        #[command(flatten)]
        spares: SpareArgs,
    },
    /// Ask Codex once and print the answer (streamed, plain or JSON). Exit codes: 0 ok,
    /// 1 turn failed or interrupted, 2 bad arguments, 3 Codex unreachable, 4 timeout,
    /// 5 protocol error, 130 Ctrl-C.
    Ask(cli::ask::AskArgs),
    /// Talk to Codex interactively: several prompts on one thread and one connection.
    Repl(cli::repl::ReplArgs),
    /// List Codex threads (newest first), including ones started elsewhere; read, fork,
    /// rename, archive, unarchive, revert or compact one.
    Threads(cli::threads::ThreadsArgs),
    /// Codex's read-only code review of a git working tree. Exit 1 with --fail-on when a
    /// finding is at or above that priority (a CI gate).
    Review(cli::review::ReviewArgs),
    /// List the models Codex offers and their reasoning efforts.
    Models(cli::models::ModelsArgs),
    /// A structured debate between independent Codex participants, then a synthesis.
    Brainstorm(cli::multi::BrainstormArgs),
    /// The same prompt to several variants (models, efforts) at once, side by side.
    Fanout(cli::multi::FanoutArgs),
    /// Check the Codex installation, the app-server, auth and the MCP side; print the MCP
    /// client configuration.
    Doctor(cli::doctor::DoctorArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_log = match cli.command {
        Command::Serve { .. } => "warn,codex_bridge=info",
        // A terminal wants the answer, not the bridge's lifecycle: -v shows that.
        Command::Ask(_)
        | Command::Repl(_)
        | Command::Threads(_)
        | Command::Review(_)
        | Command::Models(_)
        | Command::Brainstorm(_)
        | Command::Fanout(_) => "warn",
        // doctor reports a bridge that does not answer as a PROBLEM line of its own; rmcp's
        // client would also log it, with its transport's internals.
        Command::Doctor(_) => "warn,rmcp=off",
    };
    init_tracing(cli.log.as_deref().unwrap_or(default_log));
    if !matches!(cli.command, Command::Serve { .. }) {
        // A command whose output is cut short (`doctor | head`) ends quietly, as Unix
        // commands do, instead of panicking on a closed stdout. `serve` keeps Rust's default
        // (a closed stdout is an error it handles, ending its app-server first).
        #[cfg(unix)]
        // SAFETY: called once at start, before any other thread exists.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
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
    // Signals before Codex starts: from then on Ctrl-C and SIGTERM end turns cleanly
    // instead of killing the process (doctor keeps the default: it runs no turn).
    let signals = || Signals::install();
    match cli.command {
        Command::Serve {
            connect,
            ceilings,
            waits,
            http,
            spares,
        } => {
            let ceilings = ceilings
                .resolve()
                .and_then(|ceilings| waits.apply(ceilings));
            let http = http.resolve(std::time::Duration::from_secs(waits.max_wait_seconds));
            let (settings, ceilings, http) = match (connect.resolve(), ceilings, http) {
                (Ok(settings), Ok(ceilings), Ok(http)) => (settings, ceilings, http),
                (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
                    eprintln!("codex-bridge: {}", error.describe(Door::Cli));
                    return ExitCode::from(2);
                }
            };
            if ceilings.implicit_root_is_home() {
                tracing::warn!(
                    "no --allowed-root: Codex may work anywhere in your home directory (the directory the bridge was started in) unless the client offers MCP roots; pass --allowed-root DIR to narrow it"
                );
            }
            let spares = match spares.resolve(&settings, ceilings.check_cwd(None, None).ok()) {
                Ok(spares) => spares,
                Err(error) => {
                    eprintln!("codex-bridge: {}", error.describe(Door::Cli));
                    return ExitCode::from(2);
                }
            };
            let client = Arc::new(
                CodexClient::new(settings, ConnectionOptions::default()).with_spares(spares),
            );
            let bridge = Bridge::new(client, ceilings, Door::Mcp);
            let caught = signals();
            if http.is_none() {
                // The HTTP service starts it once it listens (a port in use ends it first).
                mcp::transport::stdio::warm_up(&bridge);
            }
            let server = match mcp::server(bridge) {
                Ok(server) => server,
                Err(error) => {
                    eprintln!("codex-bridge: {error}");
                    return ExitCode::from(1);
                }
            };
            let served = match http {
                Some(options) => mcp::transport::http::serve(server, options, caught).await,
                None => mcp::transport::stdio::serve(server, caught).await,
            };
            match served {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => {
                    eprintln!("codex-bridge: {error}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Ask(args) => cli::ask::run(args, &mut signals()).await.into(),
        Command::Repl(args) => cli::repl::run(args, &mut signals()).await.into(),
        Command::Threads(args) => cli::threads::run(args, &mut signals()).await.into(),
        Command::Review(args) => cli::review::run(args, &mut signals()).await.into(),
        Command::Models(args) => cli::models::run(args, &mut signals()).await.into(),
        Command::Brainstorm(args) => cli::multi::brainstorm(args, &mut signals()).await.into(),
        Command::Fanout(args) => cli::multi::fanout(args, &mut signals()).await.into(),
        Command::Doctor(args) => cli::doctor::run(args).await.into(),
    }
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
}
