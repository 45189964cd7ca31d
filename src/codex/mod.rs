//! The app-server client: everything about talking to `codex app-server`, nothing about
//! MCP. Imports nothing of the crate above it (only the ground-floor helpers `lock`, `text`
//! and `net`).
//!
//! Bottom up:
//! - [`jsonrpc`]: frames; [`protocol`]: the wire types, each request tied to its method and
//!   response by the [`protocol::Request`] trait; [`error`]: typed errors, and the one
//!   place that reads the app-server's refusal messages.
//! - [`transport`]: frames over a WebSocket (TCP or Unix socket) or JSON lines over stdio;
//!   [`batched_socket`]: a socket read on a thread of its own, in batches while the
//!   app-server streams densely; [`connection`]: one multiplexed session over any of them.
//! - [`process`]: the app-server the bridge owns; [`unix_socket`]: whether a socket is
//!   private; [`daemon`]: the user's Codex daemon; [`link`]: embedded, external or daemon,
//!   opened the same way by every caller; [`version`]: the tested Codex range.
//! - [`approver`]: the port that decides server requests, and every wire answer to one.
//! - [`turn`]: one turn folded into a state; [`registry`]: the turns this bridge started;
//!   [`session`]: the shared session's lifecycle; [`client`]: the facade over them.

// In this layer nothing prints: stdout belongs to MCP and to answers, and logs go through `tracing`.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod approver;
pub mod batched_socket;
pub mod client;
pub mod connection;
pub mod daemon;
pub mod error;
pub mod jsonrpc;
pub mod link;
pub mod process;
pub mod protocol;
pub mod registry;
pub mod session;
pub mod spare;
pub mod transport;
pub mod turn;
pub mod unix_socket;
pub mod version;
