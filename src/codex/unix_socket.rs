//! Whether an app-server's Unix socket may be used without a token.
//!
//! Over `unix://PATH` the app-server asks for no token (it ignores `--ws-auth`; seen on Codex
//! 0.169 and 0.171): whoever can reach the socket can drive Codex. Codex makes PATH a symlink
//! to the real socket in a per-user directory (`/tmp/codex-daemon-<uid>/<sha256 of PATH>`,
//! created `0700`), so the socket is only as private as that directory. Before the bridge
//! speaks over a socket it resolves the link and checks that the real socket's directory is
//! owned by this user and has mode `0700`; it then connects to the resolved path, which
//! nobody else can replace.

use std::fmt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Why a socket path cannot be used (yet).
#[derive(Debug)]
pub enum SocketProblem {
    /// Nothing (or a dangling link) at the path yet: the server may still be starting.
    Missing(std::io::Error),
    /// The path resolves to something that is not a socket.
    NotASocket(PathBuf),
    /// The real socket's directory is not owned by this user with mode 0700.
    NotPrivate { dir: PathBuf, owner: u32, mode: u32 },
}

impl fmt::Display for SocketProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketProblem::Missing(error) => write!(f, "no socket there yet ({error})"),
            SocketProblem::NotASocket(path) => {
                write!(f, "{} is not a Unix socket", path.display())
            }
            SocketProblem::NotPrivate { dir, owner, mode } => {
                let uid = current_uid();
                let what = if *owner == uid {
                    format!("has mode {mode:04o}, not 0700")
                } else {
                    format!("is owned by uid {owner}, not by you (uid {uid}), with mode {mode:04o}")
                };
                write!(
                    f,
                    "the socket's directory {} {what}: it must be yours with mode 0700, because anyone who can reach the socket can drive Codex without a token",
                    dir.display(),
                )
            }
        }
    }
}

/// Resolve `path` (following Codex's symlink) and check that the real socket's directory is
/// private to this user. Returns the resolved socket path, to connect to.
pub fn resolve_private(path: &Path) -> Result<PathBuf, SocketProblem> {
    let real = std::fs::canonicalize(path).map_err(SocketProblem::Missing)?;
    let meta = std::fs::metadata(&real).map_err(SocketProblem::Missing)?;
    if !meta.file_type().is_socket() {
        return Err(SocketProblem::NotASocket(real));
    }
    let dir = real
        .parent()
        .ok_or_else(|| SocketProblem::NotASocket(real.clone()))?
        .to_path_buf();
    let dir_meta = std::fs::metadata(&dir).map_err(SocketProblem::Missing)?;
    check_private_dir(&dir, dir_meta.uid(), dir_meta.permissions().mode())?;
    Ok(real)
}

/// Owned by this user, mode exactly 0700.
fn check_private_dir(dir: &Path, owner: u32, mode: u32) -> Result<(), SocketProblem> {
    let mode = mode & 0o7777;
    if owner == current_uid() && mode & 0o777 == 0o700 {
        Ok(())
    } else {
        Err(SocketProblem::NotPrivate {
            dir: dir.to_path_buf(),
            owner,
            mode,
        })
    }
}

fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixListener;

    fn socket_in(mode: u32) -> (tempfile::TempDir, PathBuf, UnixListener) {
        let dir = tempfile::tempdir().expect("dir");
        let inner = dir.path().join("real");
        std::fs::create_dir(&inner).expect("inner dir");
        let socket = inner.join("s");
        let listener = UnixListener::bind(&socket).expect("bind");
        std::fs::set_permissions(&inner, std::fs::Permissions::from_mode(mode)).expect("chmod");
        // The path a caller holds is a symlink to it, as Codex makes it.
        let link = dir.path().join("link.sock");
        std::os::unix::fs::symlink(&socket, &link).expect("symlink");
        (dir, link, listener)
    }

    #[test]
    fn a_socket_in_a_private_directory_resolves_through_the_link() {
        let (_dir, link, _listener) = socket_in(0o700);
        let real = resolve_private(&link).expect("private");
        assert!(real.ends_with("real/s"), "{}", real.display());
    }

    #[test]
    fn a_directory_others_can_enter_is_refused() {
        for mode in [0o755, 0o750, 0o711, 0o701, 0o770] {
            let (_dir, link, _listener) = socket_in(mode);
            let problem = resolve_private(&link).expect_err("not private");
            assert!(
                matches!(problem, SocketProblem::NotPrivate { mode: m, .. } if m == mode),
                "{mode:o}: {problem}"
            );
            assert!(problem.to_string().contains("0700"), "{problem}");
        }
    }

    #[test]
    fn another_owner_is_refused() {
        let problem = check_private_dir(Path::new("/x"), current_uid() + 1, 0o700)
            .expect_err("another user's directory");
        assert!(problem.to_string().contains("not by you"), "{problem}");
    }

    #[test]
    fn missing_and_non_socket_paths_are_told_apart() {
        let dir = tempfile::tempdir().expect("dir");
        assert!(matches!(
            resolve_private(&dir.path().join("nothing")),
            Err(SocketProblem::Missing(_))
        ));
        let file = dir.path().join("file");
        std::fs::write(&file, "x").expect("file");
        assert!(matches!(
            resolve_private(&file),
            Err(SocketProblem::NotASocket(_))
        ));
    }
}
