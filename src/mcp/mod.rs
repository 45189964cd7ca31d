//! The MCP side: tools, their parameter and result types, progress, and the stdio server.
//! Knows nothing of WebSockets; everything Codex goes through `codex::client`.

pub mod elicit;
pub mod params;
pub mod progress;
pub mod results;
pub mod server;
pub mod tools;
