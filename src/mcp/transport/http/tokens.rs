//! The bearer tokens of the HTTP transport: the operator's token file, or one the bridge
//! generates once and keeps at a stable path, and the constant-time check of a presented
//! token.
//!
//! A token file (`--http-token-file FILE`) holds either one token (every agent shares it;
//! an agent is then named by its MCP client and session), or lines of `AGENT_NAME TOKEN`
//! (each agent has its own token, and that name is the `started_by` of its turns). Blank
//! lines and lines starting with `#` are ignored. The file must not be readable by group or
//! others. With no file, the bridge makes one token and writes it to [`generated_path`]
//! (mode 0600, in a 0700 directory), reused on every restart so that client configurations
//! keep working.
//!
//! Tokens are kept only as SHA-256 digests and compared in constant time (`subtle`); a
//! token never appears in logs or errors (only where it is: the file's path).

use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

/// The shortest token accepted (characters).
pub const MIN_TOKEN_CHARS: usize = 16;
/// The longest agent name accepted (characters).
const MAX_NAME_CHARS: usize = 64;
/// Random bytes in a generated token (written as hex: 64 characters).
const GENERATED_BYTES: usize = 32;

/// Who a valid token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// The agent of this name (per-agent token file).
    Agent(String),
    /// The one shared token.
    Shared,
}

/// The accepted tokens, as digests.
pub struct Tokens {
    entries: Vec<([u8; 32], Holder)>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("count", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// Where the tokens came from, for the start-up message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The operator's `--http-token-file`.
    File(PathBuf),
    /// The generated file, at its stable path (`created`: made just now).
    Generated { path: PathBuf, created: bool },
}

impl Source {
    pub fn path(&self) -> &Path {
        match self {
            Source::File(path) | Source::Generated { path, .. } => path,
        }
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Tokens {
    /// Who holds `presented`, if anyone. Every entry is compared, in constant time, so the
    /// time taken says nothing about which token (or how much of it) matched.
    pub fn check(&self, presented: &str) -> Option<Holder> {
        let presented = digest(presented);
        let mut found: Option<&Holder> = None;
        for (expected, holder) in &self.entries {
            let same: Choice = expected.ct_eq(&presented);
            if bool::from(same) {
                found = Some(holder);
            }
        }
        found.cloned()
    }

    /// Whether every agent has its own token (else: one shared token).
    pub fn per_agent(&self) -> bool {
        self.entries
            .iter()
            .all(|(_, holder)| matches!(holder, Holder::Agent(_)))
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The tokens of `file`, or of the generated file when there is none.
pub fn load(file: Option<&Path>) -> Result<(Tokens, Source), String> {
    match file {
        Some(path) => {
            let tokens = parse(&read_private(path)?)
                .map_err(|problem| format!("--http-token-file {}: {problem}", path.display()))?;
            Ok((tokens, Source::File(path.to_path_buf())))
        }
        None => {
            let path = generated_path()?;
            let created = ensure_generated(&path)?;
            let tokens = parse(&read_private(&path)?).map_err(|problem| {
                format!(
                    "{}: {problem}; delete it and the bridge makes a new one",
                    path.display()
                )
            })?;
            Ok((tokens, Source::Generated { path, created }))
        }
    }
}

/// One token for a client (`doctor`): `agent`'s from a per-agent file, the shared one
/// otherwise; from `file`, else from the generated file.
pub fn client_token(file: Option<&Path>, agent: Option<&str>) -> Result<String, String> {
    let path = match file {
        Some(path) => path.to_path_buf(),
        None => generated_path()?,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
    let lines = lines(&text);
    match (lines.as_slice(), agent) {
        ([(None, token)], _) => Ok(token.to_string()),
        (_, Some(agent)) => lines
            .iter()
            .find(|(name, _)| *name == Some(agent))
            .map(|(_, token)| token.to_string())
            .ok_or_else(|| format!("{} has no token for agent {agent:?}", path.display())),
        (_, None) => lines
            .first()
            .map(|(_, token)| token.to_string())
            .ok_or_else(|| format!("{} holds no token", path.display())),
    }
}

/// The token file's meaningful lines: (agent name, token).
fn lines(text: &str) -> Vec<(Option<&str>, &str)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| match line.split_once(char::is_whitespace) {
            Some((name, token)) => (Some(name), token.trim()),
            None => (None, line),
        })
        .collect()
}

/// Parse a token file's text (see the module doc).
pub fn parse(text: &str) -> Result<Tokens, String> {
    let lines = lines(text);
    if lines.is_empty() {
        return Err("holds no token: write one token, or lines of `AGENT_NAME TOKEN`".into());
    }
    let shared = lines.iter().filter(|(name, _)| name.is_none()).count();
    if shared > 0 && lines.len() > 1 {
        return Err(
            "mixes a bare token with other lines: write either one token (shared by every agent) or only lines of `AGENT_NAME TOKEN`"
                .into(),
        );
    }
    let mut entries: Vec<([u8; 32], Holder)> = Vec::new();
    for (number, (name, token)) in lines.iter().enumerate() {
        let which = match name {
            Some(name) => format!("the token of agent {name:?}"),
            None => "the token".to_string(),
        };
        if token.chars().count() < MIN_TOKEN_CHARS || token.chars().any(char::is_whitespace) {
            return Err(format!(
                "{which} (entry {}) must be one word of at least {MIN_TOKEN_CHARS} characters; make one with `openssl rand -hex 32`",
                number + 1
            ));
        }
        let holder = match name {
            Some(name) => {
                check_name(name)?;
                if entries
                    .iter()
                    .any(|(_, holder)| *holder == Holder::Agent(name.to_string()))
                {
                    return Err(format!("names agent {name:?} twice"));
                }
                Holder::Agent(name.to_string())
            }
            None => Holder::Shared,
        };
        let token = digest(token);
        if entries.iter().any(|(existing, _)| *existing == token) {
            return Err(format!(
                "gives {which} to another agent too: each agent needs its own token"
            ));
        }
        entries.push((token, holder));
    }
    Ok(Tokens { entries })
}

fn check_name(name: &str) -> Result<(), String> {
    let fine = name.chars().count() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    if fine {
        Ok(())
    } else {
        Err(format!(
            "agent name {:?} must be at most {MAX_NAME_CHARS} letters, digits, '-', '_', '.' or '@'",
            crate::text::shorten(name, 80)
        ))
    }
}

/// Read a secret file that group and others cannot read.
fn read_private(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!(
            "the token file {} can be read by other users (mode {:o}); run `chmod 600 {}`",
            path.display(),
            meta.permissions().mode() & 0o777,
            path.display()
        ));
    }
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))
}

/// Where the generated token lives: `$XDG_STATE_HOME/codex-bridge/http-token`, else
/// `$HOME/.local/state/codex-bridge/http-token`.
pub fn generated_path() -> Result<PathBuf, String> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|dir| dir.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|home| home.is_absolute())
                .map(|home| home.join(".local").join("state"))
        })
        .ok_or(
            "neither XDG_STATE_HOME nor HOME is set to an absolute path, so there is no place for the generated token; pass --http-token-file FILE",
        )?;
    Ok(state.join("codex-bridge").join("http-token"))
}

/// Make the generated token file unless it exists; true when made now.
fn ensure_generated(path: &Path) -> Result<bool, String> {
    let dir = path
        .parent()
        .ok_or_else(|| format!("{} has no directory", path.display()))?;
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // A directory that was already there keeps its mode: make it ours alone.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| format!("cannot make {} private: {e}", dir.display()))?;
    let mut bytes = [0u8; GENERATED_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| format!("cannot make a token: {e}"))?;
    let token: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match file {
        Ok(mut file) => {
            file.write_all(format!("{token}\n").as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(true)
        }
        // Made earlier (or by a bridge starting at the same moment): reuse it.
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(error) => Err(format!("cannot create {}: {error}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaa-alice";
    const B: &str = "bbbbbbbbbbbbbbbb-bob";

    #[test]
    fn one_token_is_shared_and_lines_name_agents() {
        let shared = parse("# the bridge's token\n\n  aaaaaaaaaaaaaaaa-alice  \n").expect("one");
        assert_eq!(shared.check(A), Some(Holder::Shared));
        assert_eq!(shared.check(B), None);
        assert!(!shared.per_agent());
        let agents = parse(&format!("alice {A}\nbob\t{B}\n")).expect("agents");
        assert_eq!(agents.check(A), Some(Holder::Agent("alice".into())));
        assert_eq!(agents.check(B), Some(Holder::Agent("bob".into())));
        assert_eq!(agents.check(""), None);
        assert_eq!(agents.check(&A[..10]), None);
        assert!(agents.per_agent());
        assert!(!format!("{agents:?}").contains("alice"));
    }

    #[test]
    fn bad_files_say_what_to_fix() {
        for (text, expected) in [
            ("", "holds no token"),
            ("short", "at least 16"),
            (&format!("{A}\nbob {B}"), "mixes"),
            (&format!("alice {A}\nalice {B}"), "twice"),
            (&format!("alice {A}\nbob {A}"), "its own token"),
            (&format!("al/ice {A}"), "agent name"),
            (&format!("alice {A} extra"), "one word"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.contains(expected), "{text:?}: {error}");
            assert!(!error.contains(A) && !error.contains(B), "{error}");
        }
    }

    #[test]
    fn the_generated_file_is_private_and_reused() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir
            .path()
            .join("state")
            .join("codex-bridge")
            .join("http-token");
        assert!(ensure_generated(&path).expect("made"));
        let first = std::fs::read_to_string(&path).expect("read");
        assert!(!ensure_generated(&path).expect("reused"));
        assert_eq!(std::fs::read_to_string(&path).expect("read"), first);
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().expect("dir")), 0o700);
        let tokens = parse(&read_private(&path).expect("private")).expect("parse");
        assert_eq!(tokens.check(first.trim()), Some(Holder::Shared));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(read_private(&path)
            .expect_err("refused")
            .contains("chmod 600"));
    }
}
