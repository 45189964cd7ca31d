//! Who is calling, as far as the bridge's rules care: whether a human can be asked, and
//! the client's MCP roots.

use std::path::PathBuf;

/// The caller of an operation.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// A human can be asked (the client shows MCP elicitations, or a terminal is there).
    /// If not, `ask` declines every request at once (`no_elicitation_support`).
    pub can_ask: bool,
    /// The client's MCP roots (canonical directories), when it offers them: with no
    /// `--allowed-root`, the roots a call's `cwd` must be in.
    pub roots: Option<Vec<PathBuf>>,
}
