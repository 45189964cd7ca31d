//! codex-bridge: OpenAI Codex for any MCP client, over one persistent `codex app-server`
//! session.
//!
//! Three floors and two doors; imports only run down (a lower floor never names a higher
//! one, and the doors do not import each other's internals):
//!
//! ```text
//!   mcp/ (MCP door)        cli/ (terminal door)
//!          \                   /
//!           bridge/  (what the bridge does: operations, watch core, options, ceilings,
//!              |      approval policy, result vocabulary, words per door)
//!           codex/   (the app-server client: protocol, connection, link, turns, session)
//!              |
//!   shutdown, text, lock, net, memory  (ground-floor helpers)
//! ```
//!
//! - [`codex`]: the app-server client. Knows nothing of MCP.
//! - [`bridge`]: the operations both doors call; no rmcp, no clap, no terminal.
//! - [`mcp`]: the MCP server (tools, rendering, elicitation, progress, transports).
//! - [`cli`]: the command-line client (`ask`, `repl`, `threads`, `doctor`) and the flags.
//! - [`shutdown`]: signals for every command; [`text`], [`lock`], [`net`]: small helpers;
//!   [`memory`]: freed memory handed back once no MCP call runs.

pub mod bridge;
pub mod cli;
pub mod codex;
pub mod lock;
pub mod mcp;
pub mod memory;
pub mod net;
pub mod shutdown;
pub mod text;
