//! How MCP reaches the server: one module per transport (stdio, streamable HTTP), and the
//! line framing stdio uses.

pub mod http;
pub mod lines;
pub mod stdio;
