//! SIGINT and SIGTERM, the one place every command takes them from.
//!
//! [`Signals`] is installed before Codex is started, so a signal never kills the process
//! with a turn still running: `serve` shuts down cleanly, the command line interrupts its
//! turn. (The app-server runs in its own process group, so a terminal's Ctrl-C reaches only
//! the bridge.)

use tokio::signal::unix::{signal, Signal, SignalKind};

/// Which signal arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caught {
    Interrupt,
    Terminate,
}

impl Caught {
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
