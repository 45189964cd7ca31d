//! The Codex side: everything about talking to `codex app-server`, and nothing about MCP.
//!
//! `protocol` (wire shapes) < `connection` (one multiplexed WebSocket session) < `turn` (one
//! turn folded into a result) < `client` (threads, turns, session lifecycle); `process`
//! starts and ends the app-server the bridge owns.

pub mod client;
pub mod connection;
pub mod process;
pub mod protocol;
pub mod turn;
