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

/// What tool calls may ask for, resolved.
#[derive(Debug, Clone)]
pub struct Ceilings {
    pub max_sandbox: Sandbox,
    /// Whether `approval_policy: "allow"` and `allow_commands` are permitted.
    pub allow_approvals: bool,
    /// Canonical paths (symlinks resolved); the first is the default `cwd`.
    pub allowed_roots: Vec<PathBuf>,
    /// `wait_seconds` when a call gives none.
    pub default_wait: Duration,
    /// The largest `wait_seconds` accepted.
    pub max_wait: Duration,
    /// Default deadline for a human to answer an `ask` approval.
    pub approval_timeout: Duration,
}

/// `wait_seconds` bounds unless the operator says otherwise: the default stays below the
/// tool-call time-outs of common clients (Codex's 60 s).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(50);
pub const MAX_WAIT: Duration = Duration::from_secs(3600);

impl Ceilings {
    /// Ceilings with the default waits. `roots` empty means the current directory. Each
    /// root must exist; it is canonicalised so that symlinks cannot escape it later.
    pub fn new(
        max_sandbox: Sandbox,
        allow_approvals: bool,
        roots: &[PathBuf],
        approval_timeout: Duration,
    ) -> Result<Ceilings, BridgeError> {
        let roots = if roots.is_empty() {
            vec![std::env::current_dir().map_err(|e| {
                BridgeError::invalid(format!("cannot read the current directory: {e}"))
            })?]
        } else {
            roots.to_vec()
        };
        let allowed_roots = roots
            .iter()
            .map(|root| {
                std::fs::canonicalize(root).map_err(|e| {
                    BridgeError::invalid(format!("--allowed-root {}: {e}", root.display()))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Ceilings {
            max_sandbox,
            allow_approvals,
            allowed_roots,
            default_wait: DEFAULT_WAIT,
            max_wait: MAX_WAIT,
            approval_timeout: approval_timeout.max(Duration::from_secs(1)),
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

    /// Resolve and check a requested working directory: absolute, existing, a directory, and
    /// (after following symlinks and `..`) inside an allowed root. `None` means the first root.
    pub fn check_cwd(&self, requested: Option<&str>) -> Result<PathBuf, BridgeError> {
        let Some(requested) = requested else {
            return Ok(self.allowed_roots[0].clone());
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
        if !self
            .allowed_roots
            .iter()
            .any(|root| canonical.starts_with(root))
        {
            return Err(BridgeError::argument(
                "cwd",
                format!(
                    "{requested:?} (resolved to {}) is outside the allowed roots ({}); the operator can add one with --allowed-root",
                    canonical.display(),
                    self.roots_list()
                ),
            ));
        }
        Ok(canonical)
    }

    fn roots_list(&self) -> String {
        self.allowed_roots
            .iter()
            .map(|root| root.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
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
            .check_cwd(Some(root.join("sub").to_str().expect("utf8")))
            .is_ok());
        for bad in [
            root.join("sub/../..").display().to_string(),
            root.join("escape").display().to_string(),
            "relative/path".to_string(),
            root.join("missing").display().to_string(),
        ] {
            assert!(c.check_cwd(Some(&bad)).is_err(), "{bad} should be refused");
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
    fn the_default_wait_cannot_exceed_the_maximum() {
        let base = tempfile::tempdir().expect("tempdir");
        let c = ceilings(base.path());
        assert!(c
            .with_waits(Duration::from_secs(100), Duration::from_secs(10))
            .is_err());
    }
}
