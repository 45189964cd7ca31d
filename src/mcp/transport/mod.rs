//! How MCP reaches the server: one file per transport, and the line framing stdio uses.

pub mod lines;
pub mod stdio;
