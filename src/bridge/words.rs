//! The words a caller reads next, per door: MCP tool names for a calling model, commands
//! for a person at a terminal.
//!
//! Errors and results say what to do next ("wait for it with codex_wait ..."). The bridge
//! layer knows the facts; the door that shows them picks the words, so the command line
//! never tells a terminal user to "call codex_wait".

/// Which door a caller came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// MCP tools: the reader is usually a model choosing its next tool call.
    Mcp,
    /// The command line: the reader is a person or a script.
    Cli,
}

impl Door {
    /// How this door names a tool argument: `` `cwd` `` for MCP (marked, like the argument
    /// checks do), `--cwd` on the command line.
    pub fn argument(self, name: &str) -> String {
        match self {
            Door::Mcp => format!("`{name}`"),
            Door::Cli => match name {
                "prompt" => "the prompt".to_string(),
                "thread_id" => "--thread-id".to_string(),
                // `codex-bridge review` names its targets by flag.
                "base_branch" => "--base".to_string(),
                "instructions" => "--custom".to_string(),
                "target" => "the review target".to_string(),
                other => format!("--{}", other.replace('_', "-")),
            },
        }
    }

    /// Where to find existing threads.
    pub fn list_threads(self) -> &'static str {
        match self {
            Door::Mcp => "codex_list_threads",
            Door::Cli => "`codex-bridge threads`",
        }
    }

    /// How to read a thread's turns.
    pub fn read_thread(self) -> &'static str {
        match self {
            Door::Mcp => "codex_read_thread",
            Door::Cli => "`codex-bridge threads read THREAD_ID`",
        }
    }

    /// How to follow a brainstorm.
    pub fn brainstorm(self) -> &'static str {
        match self {
            Door::Mcp => "codex_brainstorm with its brainstorm_id",
            Door::Cli => "`codex-bridge brainstorm`",
        }
    }

    /// How to bring an archived thread back.
    pub fn unarchive_thread(self, thread_id: &str) -> String {
        match self {
            Door::Mcp => "codex_unarchive_thread".to_string(),
            Door::Cli => format!("`codex-bridge threads unarchive {thread_id}`"),
        }
    }

    /// How to start a new thread.
    pub fn start_thread(self) -> &'static str {
        match self {
            Door::Mcp => "codex_ask",
            Door::Cli => "`codex-bridge ask`",
        }
    }

    /// How to run the next turn on `thread_id`.
    pub fn continue_thread(self, thread_id: &str) -> String {
        match self {
            Door::Mcp => "codex_continue_thread".to_string(),
            Door::Cli => format!("`codex-bridge ask --thread-id {thread_id}`"),
        }
    }

    /// Where thread ids come from.
    pub fn thread_id_sources(self) -> &'static str {
        match self {
            Door::Mcp => "codex_ask or codex_list_threads",
            Door::Cli => "`codex-bridge ask --json` or `codex-bridge threads`",
        }
    }

    /// Where turn ids come from.
    pub fn turn_id_sources(self) -> &'static str {
        match self {
            Door::Mcp => {
                "the turn_id of a codex_ask, codex_continue_thread or codex_read_thread result"
            }
            Door::Cli => "the turn_id of `codex-bridge ask --json`",
        }
    }

    /// What to do about a thread whose turn is still running (after "already has a turn
    /// running").
    pub fn when_busy(self, thread_id: &str, turn_id: Option<&str>) -> String {
        match self {
            Door::Mcp => {
                let turn_arg = turn_id
                    .map(|turn_id| format!(", turn_id: \"{turn_id}\""))
                    .unwrap_or_default();
                format!(
                    ". Wait for it with codex_wait {{thread_id: \"{thread_id}\"{turn_arg}}} or stop it with codex_interrupt, then try again"
                )
            }
            Door::Cli => "; wait for it to finish, then try again".to_string(),
        }
    }

    /// What to do about another agent's running turn one may not `verb` without force.
    pub fn not_owner(self, verb: &str, thread_id: &str, turn_id: &str) -> String {
        match self {
            Door::Mcp => format!(
                "Wait for it with codex_wait {{thread_id: \"{thread_id}\", turn_id: \"{turn_id}\"}}, or pass force: true to {verb} it anyway"
            ),
            Door::Cli => "Wait for it to finish, then try again".to_string(),
        }
    }

    /// How to page on from a listing.
    pub fn next_page(self) -> &'static str {
        match self {
            Door::Mcp => "pass the next_cursor of a previous codex_list_threads result, or omit it",
            Door::Cli => "pass the next_cursor of a previous `codex-bridge threads --json` listing, or omit --cursor",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_never_names_tools() {
        let cli = [
            Door::Cli.list_threads().to_string(),
            Door::Cli.start_thread().to_string(),
            Door::Cli.continue_thread("t"),
            Door::Cli.thread_id_sources().to_string(),
            Door::Cli.when_busy("t", Some("u")),
            Door::Cli.next_page().to_string(),
        ];
        for words in cli {
            assert!(!words.contains("codex_"), "{words}");
        }
        assert_eq!(Door::Cli.argument("wait_seconds"), "--wait-seconds");
        assert_eq!(Door::Mcp.argument("wait_seconds"), "`wait_seconds`");
    }
}
