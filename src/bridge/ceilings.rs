//! The operator's ceilings: what no tool call or command can go beyond, and the checks.
//!
//! They come from flags and environment variables set by whoever runs the bridge (an MCP
//! config, a script), never from tool arguments: a call can only narrow them. A value
//! outside them is an error that names the argument and the allowed range, never a silent
//! clamp.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::BridgeError;
use super::sandbox::Sandbox;

/// Where a call's `cwd` may be.
#[derive(Debug, Clone, PartialEq)]
pub enum Roots {
    /// The operator's `--allowed-root`s (canonical paths; symlinks resolved).
    Explicit(Vec<PathBuf>),
    /// None given: the client's MCP roots when it offers them, else the directory the
    /// bridge was started in, unless that directory is no place to work in (the
    /// filesystem's root, a package runner's cache): then `start` is `None`, and calls are
    /// refused with `why`.
    Implicit {
        start: Option<PathBuf>,
        why: Option<String>,
    },
}

/// What tool calls may ask for, resolved.
#[derive(Debug, Clone)]
pub struct Ceilings {
    pub max_sandbox: Sandbox,
    /// Whether `approval_policy: "allow"` and `allow_commands` are permitted.
    pub allow_approvals: bool,
    /// Where a call's `cwd` may be; the first allowed root is the default `cwd`.
    pub roots: Roots,
    /// `wait_seconds` when a call gives none.
    pub default_wait: Duration,
    /// The largest `wait_seconds` accepted.
    pub max_wait: Duration,
    /// Default deadline for a human to answer an `ask` approval.
    pub approval_timeout: Duration,
    /// The most characters a tool result may hold (its text and its structured content
    /// together); longer results are trimmed (see the MCP door's rendering).
    pub max_result_chars: usize,
    /// The most participants of a brainstorm, and variants of a fan-out, one call may run.
    pub max_participants: usize,
}

/// Participants of a brainstorm (variants of a fan-out) unless the operator says otherwise.
pub const DEFAULT_MAX_PARTICIPANTS: usize = 6;

/// Claude Code rejects tool results over 1 MB, and many clients cut far lower.
pub const DEFAULT_MAX_RESULT_CHARS: usize = 100_000;

/// `wait_seconds` bounds unless the operator says otherwise: the default stays below the
/// tool-call time-outs of common clients (Codex's 60 s).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(50);
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

impl Ceilings {
    /// Ceilings with the default waits. `roots` empty means implicit roots (see [`Roots`]).
    /// Each explicit root must exist; it is canonicalised so that symlinks cannot escape it
    /// later.
    pub fn new(
        max_sandbox: Sandbox,
        allow_approvals: bool,
        roots: &[PathBuf],
        approval_timeout: Duration,
    ) -> Result<Ceilings, BridgeError> {
        let roots = if roots.is_empty() {
            let start = std::env::current_dir().map_err(|e| {
                BridgeError::invalid(format!("cannot read the current directory: {e}"))
            })?;
            implicit_roots(&start)
        } else {
            Roots::Explicit(
                roots
                    .iter()
                    .map(|root| {
                        std::fs::canonicalize(root).map_err(|e| {
                            BridgeError::invalid(format!("--allowed-root {}: {e}", root.display()))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            )
        };
        Ok(Ceilings {
            max_sandbox,
            allow_approvals,
            roots,
            default_wait: DEFAULT_WAIT,
            max_wait: MAX_WAIT,
            approval_timeout: approval_timeout.max(Duration::from_secs(1)),
            max_result_chars: DEFAULT_MAX_RESULT_CHARS,
            max_participants: DEFAULT_MAX_PARTICIPANTS,
        })
    }

    /// Set the wait bounds; the default may not exceed the maximum.
    pub fn with_waits(mut self, default: Duration, max: Duration) -> Result<Ceilings, BridgeError> {
        if default > max {
            return Err(BridgeError::invalid(format!(
                "--default-wait-seconds ({}) is larger than --max-wait-seconds ({})",
                default.as_secs(),
                max.as_secs()
            )));
        }
        self.default_wait = default;
        self.max_wait = max;
        Ok(self)
    }

    /// The roots a call may work in: the operator's, else the client's MCP roots (canonical
    /// paths) when it offers some, else the start directory; an error when there is none.
    pub fn allowed_roots(
        &self,
        client_roots: Option<&[PathBuf]>,
    ) -> Result<Vec<PathBuf>, BridgeError> {
        match &self.roots {
            Roots::Explicit(roots) => Ok(roots.clone()),
            Roots::Implicit { start, why } => match (client_roots, start) {
                (Some(roots), _) if !roots.is_empty() => Ok(roots.to_vec()),
                (_, Some(start)) => Ok(vec![start.clone()]),
                (_, None) => Err(BridgeError::argument(
                    "cwd",
                    format!(
                        "has no allowed root to be in: {}, and the client offered no MCP roots. The operator must start codex-bridge with --allowed-root DIR (the folder Codex may work in)",
                        why.as_deref().unwrap_or("the bridge has no usable working directory")
                    ),
                )),
            },
        }
    }

    /// Resolve and check a requested working directory: absolute, existing, a directory, and
    /// (after following symlinks and `..`) inside an allowed root (see [`Self::allowed_roots`]).
    /// `None` means the first allowed root.
    pub fn check_cwd(
        &self,
        requested: Option<&str>,
        client_roots: Option<&[PathBuf]>,
    ) -> Result<PathBuf, BridgeError> {
        let allowed = self.allowed_roots(client_roots)?;
        let Some(requested) = requested else {
            return allowed
                .first()
                .cloned()
                .ok_or_else(|| BridgeError::argument("cwd", "has no allowed root to default to"));
        };
        let path = Path::new(requested);
        if !path.is_absolute() {
            return Err(BridgeError::argument(
                "cwd",
                format!("must be an absolute path, got {requested:?}"),
            ));
        }
        let canonical = std::fs::canonicalize(path).map_err(|e| {
            BridgeError::argument("cwd", format!("{requested:?} cannot be used: {e}"))
        })?;
        if !canonical.is_dir() {
            return Err(BridgeError::argument(
                "cwd",
                format!("{requested:?} is not a directory"),
            ));
        }
        if !allowed.iter().any(|root| canonical.starts_with(root)) {
            return Err(BridgeError::argument(
                "cwd",
                format!(
                    "{requested:?} (resolved to {}) is outside the allowed roots ({}); the operator can add one with --allowed-root",
                    canonical.display(),
                    allowed
                        .iter()
                        .map(|root| root.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Ok(canonical)
    }

    /// The start directory is the user's home: a wide root the operator probably did not
    /// mean (warn once, at start).
    pub fn implicit_root_is_home(&self) -> bool {
        match (&self.roots, std::env::var_os("HOME")) {
            (
                Roots::Implicit {
                    start: Some(start), ..
                },
                Some(home),
            ) => std::fs::canonicalize(home).is_ok_and(|home| &home == start),
            _ => false,
        }
    }

    pub fn check_sandbox(&self, requested: Sandbox) -> Result<Sandbox, BridgeError> {
        if requested > self.max_sandbox {
            return Err(BridgeError::argument(
                "sandbox",
                format!(
                    "{:?} is above this bridge's maximum {:?}; use {:?} or narrower (the operator sets --max-sandbox)",
                    requested.word(),
                    self.max_sandbox.word(),
                    self.max_sandbox.word()
                ),
            ));
        }
        Ok(requested)
    }

    /// How long a call waits: `requested` seconds, or the operator's default.
    pub fn check_wait(&self, requested: Option<f64>) -> Result<Duration, BridgeError> {
        let Some(seconds) = requested else {
            return Ok(self.default_wait);
        };
        let max = self.max_wait.as_secs_f64();
        if !seconds.is_finite() || !(0.0..=max).contains(&seconds) {
            return Err(BridgeError::argument(
                "wait_seconds",
                format!(
                    "must be between 0 and {max} (this bridge's --max-wait-seconds), got {seconds}"
                ),
            ));
        }
        Ok(Duration::from_secs_f64(seconds))
    }
}

/// The implicit roots for a bridge started in `start`: no usable root when that is the
/// filesystem's root (desktop clients start servers there) or a package runner's cache (`npx`
/// starts servers in its own folder).
pub fn implicit_roots(start: &Path) -> Roots {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let why = if start.parent().is_none() {
        Some(format!(
            "the bridge was started in {} (the filesystem's root, as desktop clients do)",
            start.display()
        ))
    } else if is_package_runner_cache(&start) {
        Some(format!(
            "the bridge was started in {}, a package runner's cache (npx, uvx, pnpm dlx, bunx start servers there)",
            start.display()
        ))
    } else {
        None
    };
    match why {
        Some(why) => Roots::Implicit {
            start: None,
            why: Some(why),
        },
        None => Roots::Implicit {
            start: Some(start),
            why: None,
        },
    }
}

fn is_package_runner_cache(path: &Path) -> bool {
    let text = path.to_string_lossy();
    [
        "/_npx/",
        "/.npm/",
        "/.cache/uv/",
        "/pnpm/dlx",
        "/.pnpm-store/",
        "/.bun/install/",
        "/bunx-",
    ]
    .iter()
    .any(|marker| text.contains(marker) || text.ends_with(marker.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ceilings(root: &Path) -> Ceilings {
        Ceilings::new(
            Sandbox::WorkspaceWrite,
            false,
            &[root.to_path_buf()],
            Duration::from_secs(120),
        )
        .expect("ceilings")
        .with_waits(Duration::from_secs(50), Duration::from_secs(600))
        .expect("waits")
    }

    #[test]
    fn cwd_must_stay_inside_the_roots() {
        let base = tempfile::tempdir().expect("tempdir");
        let root = base.path().join("root");
        let outside = base.path().join("outside");
        std::fs::create_dir_all(root.join("sub")).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::os::unix::fs::symlink(&outside, root.join("escape")).expect("symlink");
        let c = ceilings(&root);
        assert!(c
            .check_cwd(Some(root.join("sub").to_str().expect("utf8")), None)
            .is_ok());
        for bad in [
            root.join("sub/../..").display().to_string(),
            root.join("escape").display().to_string(),
            "relative/path".to_string(),
            root.join("missing").display().to_string(),
        ] {
            assert!(
                c.check_cwd(Some(&bad), None).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn sandbox_and_wait_ceilings() {
        let base = tempfile::tempdir().expect("tempdir");
        let c = ceilings(base.path());
        assert!(c.check_sandbox(Sandbox::DangerFullAccess).is_err());
        assert!(c.check_sandbox(Sandbox::WorkspaceWrite).is_ok());
        assert!(c.check_wait(Some(-1.0)).is_err());
        assert!(c.check_wait(Some(601.0)).is_err());
        assert!(c.check_wait(Some(f64::NAN)).is_err());
        assert_eq!(
            c.check_wait(None).expect("default"),
            Duration::from_secs(50)
        );
    }

    #[test]
    fn no_implicit_root_in_the_filesystem_root_or_a_runner_cache() {
        for useless in ["/", "/home/me/.npm/_npx/1a2b3c/node_modules"] {
            let roots = match implicit_roots(Path::new(useless)) {
                Roots::Implicit { start, why } => (start, why),
                Roots::Explicit(_) => unreachable!(),
            };
            assert_eq!(roots.0, None, "{useless}");
            assert!(roots.1.is_some());
        }
        let base = tempfile::tempdir().expect("tempdir");
        let mut c = ceilings(base.path());
        c.roots = implicit_roots(Path::new("/"));
        let error = c.check_cwd(None, None).expect_err("no root");
        assert!(error.to_string().contains("--allowed-root"), "{error}");
        // The client's MCP roots, when it offers them, are the roots.
        let offered = vec![std::fs::canonicalize(base.path()).expect("canonical")];
        assert_eq!(
            c.check_cwd(None, Some(&offered)).expect("a root"),
            offered[0]
        );
    }

    #[test]
    fn the_default_wait_cannot_exceed_the_maximum() {
        let base = tempfile::tempdir().expect("tempdir");
        let c = ceilings(base.path());
        assert!(c
            .with_waits(Duration::from_secs(100), Duration::from_secs(10))
            .is_err());
    }
}
