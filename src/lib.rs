//! codex-bridge: OpenAI Codex for any MCP client, over one persistent `codex app-server`
//! WebSocket session.
//!
//! Module map:
//! - [`config`]: operator settings and the ceilings no tool call can exceed.
//! - [`codex`]: the app-server side (protocol, connection, process, turns, client). No MCP.
//! - [`approval`]: per-call approval policy; where the two sides meet.
//! - [`mcp`]: the MCP server and its tools. No WebSockets.
//! - [`error`]: error types whose messages say what to do next.
//! - [`text`]: small text helpers.

pub mod approval;
pub mod codex;
pub mod config;
pub mod error;
pub mod mcp;
pub mod text;
