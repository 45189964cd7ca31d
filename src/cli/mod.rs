//! The command-line client: the same bridge as the MCP server, for scripts, skills and
//! people at a terminal.
//!
//! - [`ask`]: one prompt, one turn; streamed, plain or JSON output; exit codes ([`exit`]).
//! - [`repl`]: many prompts on one thread and one connection.
//! - [`threads`]: list threads. [`doctor`]: check the installation, print the MCP config.
//! - [`runner`]: one turn with streaming, Ctrl-C / timeout interrupts (shared by ask, repl).
//! - [`options`]: per-turn flags -> the MCP tools' `TurnOptions`; [`session`]: connection
//!   flags -> a `CodexClient`; [`wire`]: `-v`, `-vv`, `--trace-file`.
//! - [`approve`] and [`lines`]: `--approval-policy ask` on a terminal; [`signals`];
//!   [`output`]: printing answers; [`format`]: timestamps and the `--summary` line.

pub mod approve;
pub mod ask;
pub mod doctor;
pub mod exit;
pub mod format;
pub mod lines;
pub mod options;
pub mod output;
pub mod repl;
pub mod runner;
pub mod session;
pub mod signals;
pub mod threads;
pub mod wire;
