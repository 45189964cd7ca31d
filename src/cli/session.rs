//! One command-line session with Codex: the connection flags shared with `serve`, the
//! verbosity and trace flags, the client built from them, and its clean end.
//!
//! Every command that talks to Codex goes through [`SessionArgs::open`], so `ask`, `repl`
//! and `threads` connect (embedded app-server or `--app-server-url`) exactly like `serve`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{ArgAction, Args};

use super::exit::{report_error, Exit};
use super::flags::ConnectArgs;
use super::wire::WireLog;
use crate::bridge::ceilings::Ceilings;
use crate::bridge::ops::Bridge;
use crate::bridge::words::Door;
use crate::codex::client::CodexClient;
use crate::codex::connection::ConnectionOptions;
use crate::codex::link::Link;
use crate::shutdown::Signals;

/// `--connect-timeout 0` means "no limit"; a day is as good as none.
const NO_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Clone, Args)]
pub struct SessionArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,

    /// -v: lifecycle and notification summaries on stderr; -vv: every raw JSON-RPC frame too.
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,

    /// Append every JSON-RPC frame (both directions, with time and direction) to FILE as NDJSON.
    #[arg(long, value_name = "FILE")]
    pub trace_file: Option<PathBuf>,
}

/// A client and what reports on it.
pub struct Session {
    pub client: Arc<CodexClient>,
    pub verbosity: u8,
    pub began: Instant,
}

impl SessionArgs {
    /// Build the client and reach Codex; on failure the problem is printed and its exit code
    /// returned (the app-server, if one started, is ended).
    pub async fn connected(&self, signals: &mut Signals) -> Result<Session, Exit> {
        let session = self.open()?;
        if let Err((exit, message)) = session.connect(signals).await {
            session.close().await;
            return Err(super::exit::report(exit, message));
        }
        Ok(session)
    }

    /// [`Self::connected`], with the bridge of a command that runs no turn
    /// ([`Session::reading_bridge`]).
    pub async fn reading(&self, signals: &mut Signals) -> Result<(Session, Bridge), Exit> {
        let session = self.connected(signals).await?;
        match session.reading_bridge() {
            Ok(bridge) => Ok((session, bridge)),
            Err(error) => {
                session.close().await;
                Err(report_error(&error))
            }
        }
    }

    /// Build the client (nothing is started yet). Errors are bad flags.
    pub fn open(&self) -> Result<Session, Exit> {
        let mut settings = self
            .connect
            .resolve()
            .map_err(|error| report_error(&error))?;
        if self.connect.connect_timeout == 0 {
            settings.connect_timeout = NO_LIMIT;
        }
        let wire = WireLog::new(self.verbose, self.trace_file.as_deref())
            .map_err(|error| super::exit::report(Exit::Usage, error))?;
        let options = ConnectionOptions {
            tap: Arc::new(wire).tap(),
            ..ConnectionOptions::default()
        };
        if self.verbose > 0 {
            match &settings.link {
                Link::Embedded { transport, .. } => eprintln!(
                    "codex-bridge: using an embedded Codex app-server (link: {})",
                    transport.word()
                ),
                Link::External { endpoint, .. } => {
                    eprintln!("codex-bridge: using the app-server at {endpoint}")
                }
                Link::Daemon { socket, .. } => eprintln!(
                    "codex-bridge: attaching to the Codex daemon at {}",
                    socket.display()
                ),
            }
        }
        Ok(Session {
            client: Arc::new(CodexClient::new(settings, options)),
            verbosity: self.verbose,
            began: Instant::now(),
        })
    }
}

impl Session {
    /// The bridge's operations over this session, worded for the terminal.
    pub fn bridge(&self, ceilings: Ceilings) -> Bridge {
        Bridge::new(self.client.clone(), ceilings, Door::Cli)
    }

    /// The bridge for commands that run no turn (listing, reading, renaming...): the
    /// default ceilings are all they need.
    pub fn reading_bridge(&self) -> Result<Bridge, crate::bridge::error::BridgeError> {
        let ceilings = Ceilings::new(
            crate::bridge::sandbox::Sandbox::ReadOnly,
            false,
            &[],
            Duration::from_secs(1),
        )?;
        Ok(self.bridge(ceilings))
    }

    /// `-v` lifecycle line.
    pub fn say(&self, message: impl std::fmt::Display) {
        if self.verbosity > 0 {
            eprintln!("codex-bridge: {message}");
        }
    }

    /// Start or reach the app-server (bounded by `--connect-timeout`). A signal meanwhile
    /// ends the command: nothing has been asked of Codex yet.
    /// The error is not printed yet: `ask --json` also puts it on stdout.
    pub async fn connect(&self, signals: &mut Signals) -> Result<(), (Exit, String)> {
        let started = Instant::now();
        tokio::select! {
            connected = self.client.ensure_connected() => match connected {
                Ok(()) => {
                    self.say(format_args!("connected in {} ms", started.elapsed().as_millis()));
                    Ok(())
                }
                Err(error) => Err((Exit::for_codex(&error), error.to_string())),
            },
            caught = signals.next() => Err((Exit::for_signal(caught), format!("stopped by {}", caught.name()))),
        }
    }

    /// Interrupt whatever still runs and end the app-server we own.
    pub async fn close(&self) {
        self.say("shutting down");
        self.client.shutdown().await;
    }
}
