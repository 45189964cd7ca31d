//! What the bridge does, for both doors (MCP tools and the command line). Knows no rmcp,
//! no clap and no terminal; imports only the app-server client below it.
//!
//! - [`ops`]: the operations (one file per family) and the [`ops::Bridge`] they run on.
//! - [`watch`]: the watch core every turn call goes through (deadline, progress,
//!   cancellation -> interrupt).
//! - [`options`]: per-turn options, one type per concept ([`sandbox`], [`effort`],
//!   [`approval`]), checked against the operator's [`ceilings`]; [`approval`] (with
//!   [`allow_list`]) is also the per-call approval policy.
//! - [`results`]: the public result vocabulary; [`error`]: the bridge's error;
//!   [`words`]: what a caller reads next, per door.

// In this layer nothing prints: stdout belongs to MCP and to answers, and logs go through `tracing`.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod allow_list;
pub mod approval;
pub mod caller;
pub mod ceilings;
pub mod debate;
pub mod effort;
pub mod error;
pub mod group;
pub mod ops;
pub mod options;
pub mod results;
pub mod sandbox;
pub mod watch;
pub mod words;
