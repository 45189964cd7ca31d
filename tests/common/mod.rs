//! Shared test support: the fake model, a throw-away Codex environment, the bridge binary
//! driven over MCP stdio, and a scripted fake app-server.

pub mod bridge;
pub mod codex_env;
pub mod fake_app_server;
pub mod fake_model;
pub mod process;
