//! Shared test support: the fake model APIs (the Responses API for Codex, the Anthropic and
//! Gemini APIs for the real MCP clients, over a little HTTP of their own), the scripted model of
//! a client, a throw-away Codex environment, the bridge binary driven over MCP stdio, and a
//! scripted fake app-server.

pub mod bridge;
pub mod codex_env;
pub mod fake_anthropic;
pub mod fake_app_server;
pub mod fake_gemini;
pub mod fake_model;
pub mod http;
pub mod process;
pub mod raw_http;
pub mod script;
