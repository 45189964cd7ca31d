//! Shared test support: real app-servers a test runs itself (on a Unix socket, the daemon),
//! with another front-end and a recording proxy on their wire; the fake model APIs (the
//! Responses API for Codex, the Anthropic and Gemini APIs for the real MCP clients, over a
//! little HTTP of their own), the scripted model of a client, a throw-away Codex environment,
//! the bridge binary driven over MCP stdio, and a scripted fake app-server.

pub mod app_server;
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

/// Every tool the bridge publishes, sorted: the one list the suites compare against.
pub const TOOLS: [&str; 17] = [
    "codex_archive_thread",
    "codex_ask",
    "codex_brainstorm",
    "codex_compact_thread",
    "codex_continue_thread",
    "codex_fanout",
    "codex_fork_thread",
    "codex_interrupt",
    "codex_list_models",
    "codex_list_threads",
    "codex_read_thread",
    "codex_rename_thread",
    "codex_revert_thread",
    "codex_review",
    "codex_steer",
    "codex_unarchive_thread",
    "codex_wait",
];
