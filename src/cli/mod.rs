//! The terminal door: the same bridge as the MCP server, for scripts, skills and people at
//! a terminal. Every command parses its flags, calls the bridge's operations and prints.
//!
//! - [`ask`]: one prompt, one turn; streamed, plain or JSON output; exit codes ([`exit`]).
//! - [`repl`]: many prompts on one thread and one connection.
//! - [`threads`]: list threads; [`thread_actions`]: read, fork, rename, archive, unarchive,
//!   revert, compact one. [`review`]: Codex's code review (a CI gate with `--fail-on`).
//!   [`models`]: the model catalog. [`multi`]: `brainstorm` and `fanout`. [`doctor`]: check
//!   the installation, print the MCP config ([`doctor_http`]: check a running HTTP bridge,
//!   print the HTTP configs).
//! - [`runner`]: a turn as the watch core sees it (streaming, Ctrl-C, `--timeout`).
//! - [`flags`]: the operator's flags shared with `serve`; [`options`]: per-turn flags ->
//!   the bridge's `TurnOptions`; [`session`]: connection flags -> a client; [`wire`]:
//!   `-v`, `-vv`, `--trace-file`.
//! - [`approve`] and [`lines`]: `--approval-policy ask` on a terminal; [`output`]: printing
//!   answers; [`format`]: timestamps and the `--summary` line.

mod approve;
pub mod ask;
mod checks;
pub mod doctor;
mod doctor_http;
pub mod exit;
pub mod flags;
mod format;
mod lines;
pub mod models;
pub mod multi;
mod options;
mod output;
pub mod repl;
pub mod review;
mod runner;
mod session;
mod thread_actions;
pub mod threads;
mod wire;
