//! codex-bridge: OpenAI Codex for any MCP client, over one persistent `codex app-server`
//! WebSocket session.
//!
//! Module map:
//! - [`config`]: operator settings and the ceilings no tool call can exceed.
//! - [`codex`]: the app-server side (protocol, connection, process, turns, client). No MCP.
//! - [`approval`]: per-call approval policy; where the two sides meet.
//! - [`allow_list`]: command prefixes a call lets through without asking.
//! - [`mcp`]: the MCP server and its tools. No WebSockets.
//! - [`cli`]: the command-line client (`ask`, `repl`, `threads`, `doctor`); same code paths
//!   as the tools.
//! - [`error`]: error types whose messages say what to do next.
//! - [`turn_options`]: per-turn options and their validation, shared by MCP and the CLI.
//! - [`text`], [`lock`]: small helpers.

pub mod allow_list;
pub mod approval;
pub mod cli;
pub mod codex;
pub mod config;
pub mod error;
pub mod lock;
pub mod mcp;
pub mod text;
pub mod turn_options;
