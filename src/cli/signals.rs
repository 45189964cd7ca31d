//! Ctrl-C and SIGTERM for the command line.
//!
//! Installed once, before Codex is started, so that a signal never kills the process with a
//! turn still running: the commands interrupt the turn (`turn/interrupt`) and end the
//! app-server themselves. (The app-server runs in its own process group, so a terminal's
//! Ctrl-C reaches only us.)

use tokio::signal::unix::{signal, Signal, SignalKind};

use super::exit::Exit;

/// Which signal arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caught {
    Interrupt,
    Terminate,
}

impl Caught {
    pub fn exit(self) -> Exit {
        match self {
            Caught::Interrupt => Exit::Interrupted,
            Caught::Terminate => Exit::Terminated,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Caught::Interrupt => "Ctrl-C (SIGINT)",
            Caught::Terminate => "SIGTERM",
        }
    }
}

pub struct Signals {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
}

impl Signals {
    /// Take over SIGINT and SIGTERM. A handler that cannot be installed leaves the default
    /// behaviour for that signal (the app-server still dies with us: it has a parent-death
    /// signal), so this never fails.
    pub fn install() -> Signals {
        Signals {
            interrupt: signal(SignalKind::interrupt()).ok(),
            terminate: signal(SignalKind::terminate()).ok(),
        }
    }

    /// The next signal. Cancel-safe: use it in `select!`.
    pub async fn next(&mut self) -> Caught {
        tokio::select! {
            Some(()) = recv(&mut self.interrupt) => Caught::Interrupt,
            Some(()) = recv(&mut self.terminate) => Caught::Terminate,
        }
    }
}

async fn recv(signal: &mut Option<Signal>) -> Option<()> {
    match signal {
        Some(signal) => signal.recv().await,
        None => std::future::pending().await,
    }
}
