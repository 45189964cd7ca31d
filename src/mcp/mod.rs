//! The MCP door: the handler ([`server`]), thin tool adapters ([`tools`]), rendering of
//! results and errors ([`render`]), a tool call's elicitation and progress ([`call`],
//! [`elicit`], [`progress`]), tool parameters ([`params`]) and the transports
//! ([`transport`]: stdio, and streamable HTTP for several agents at once). No WebSockets and no app-server wire types: everything Codex goes
//! through the bridge's operations.

// In this layer nothing prints to stdout: it belongs to the MCP stdio transport.
#![deny(clippy::print_stdout)]

mod args;
mod call;
mod elicit;
mod input;
mod params;
mod progress;
mod render;
mod schema;
pub mod server;
mod tools;
pub mod transport;

use crate::bridge::ops::Bridge;

pub use transport::http::tokens::{client_token, generated_path as generated_token_path};
pub use transport::http::HttpOptions;

/// The MCP server for `bridge`, with every tool.
pub fn server(bridge: Bridge) -> Result<server::McpServer, String> {
    let input = std::sync::Arc::new(input::InputRequired::new()?);
    Ok(server::McpServer::new(bridge, tools::router(), input))
}

/// The name of every tool the server offers (for `doctor`).
pub fn tool_names() -> Vec<String> {
    tools::names()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_tool_input_schema_compiles() {
        let tools = super::tools::router().list_all();
        let checks = super::args::ArgumentChecks::new(&tools);
        assert_eq!(checks.len(), tools.len());
        assert_eq!(checks.compile_all(), Vec::<String>::new());
    }
}
