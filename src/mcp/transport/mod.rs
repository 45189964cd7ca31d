//! How MCP reaches the server: one file per transport.

pub mod stdio;
