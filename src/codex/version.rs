//! Which Codex versions this bridge was tested with, and what a Codex says its version is.
//!
//! The tested range is the two Codex releases `tests/run.sh` runs the end-to-end suites
//! against: the pinned one (`@openai/codex` in `package.json`) and the newest release (the
//! `codex-newest` alias). A test (`tests/suite/links.rs`) fails when `package.json` and
//! these constants disagree, so the range cannot drift from what was run.
//!
//! The version comes from `initialize`'s `userAgent` (`<client name>/<codex version> (<os>;
//! <arch>) ...`, seen on 0.169.0 and 0.171.0), so it is known for every link, including an
//! app-server or daemon the bridge did not start, without running `codex --version`.

use std::sync::atomic::{AtomicBool, Ordering};

pub use semver::Version;

/// The pinned Codex: the oldest version the suites run against.
pub const TESTED_MIN: &str = "0.169.0";
/// The newest Codex release the suites run against.
pub const TESTED_MAX: &str = "0.171.0";

/// Where a version stands against the tested range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    Tested,
    /// Older than [`TESTED_MIN`]: methods or fields the bridge uses may be missing.
    Older,
    /// Newer than [`TESTED_MAX`]: probably fine (the protocol only grows), but untested.
    Newer,
}

/// The tested range as text, `0.169.0 to 0.171.0`.
pub fn tested_range() -> String {
    format!("{TESTED_MIN} to {TESTED_MAX}")
}

/// Place `version` against the tested range. Pre-releases order before their release
/// (`0.171.0-alpha.1` is older than `0.171.0`).
pub fn standing(version: &Version) -> Standing {
    // The constants are valid versions (unit-tested below); fall back to "tested" rather
    // than panic if one ever is not.
    let (Ok(min), Ok(max)) = (Version::parse(TESTED_MIN), Version::parse(TESTED_MAX)) else {
        return Standing::Tested;
    };
    if version < &min {
        Standing::Older
    } else if version > &max {
        Standing::Newer
    } else {
        Standing::Tested
    }
}

/// The Codex version in an `initialize` `userAgent` (`codex-bridge/0.169.0 (Debian 12; x86_64)
/// ...` -> 0.169.0), or in `codex --version` output (`codex-cli 0.169.0`). `None` when
/// there is none to read.
pub fn parse(text: &str) -> Option<Version> {
    let first = text.split_whitespace().next()?;
    // `name/version` (userAgent) or `codex-cli version` (--version: the second word).
    let candidate = match first.split_once('/') {
        Some((_, version)) => version,
        None => text.split_whitespace().nth(1)?,
    };
    Version::parse(candidate).ok()
}

/// A sentence on where `version` stands, for logs and `doctor`.
pub fn describe(version: &Version) -> String {
    match standing(version) {
        Standing::Tested => format!("Codex {version}, in the tested range ({})", tested_range()),
        Standing::Older => format!(
            "Codex {version} is older than the tested range ({}): methods or fields the bridge uses may be missing; upgrade with `npm install -g @openai/codex@{TESTED_MAX}`",
            tested_range()
        ),
        Standing::Newer => format!(
            "Codex {version} is newer than the tested range ({}): it will most likely work; if something fails, say so in an issue, or install `npm install -g @openai/codex@{TESTED_MAX}`",
            tested_range()
        ),
    }
}

static WARNED: AtomicBool = AtomicBool::new(false);

/// Log a warning the first time this process meets a Codex outside the tested range (or one
/// whose version cannot be read); later sessions (restarts, reconnects) stay quiet.
pub fn warn_once_if_untested(user_agent: &str) {
    let problem = match parse(user_agent) {
        Some(version) if standing(&version) == Standing::Tested => {
            tracing::debug!(%version, "Codex version in the tested range");
            return;
        }
        Some(version) => describe(&version),
        None => format!(
            "cannot read the Codex version from the app-server's user agent {user_agent:?}; the tested range is {}",
            tested_range()
        ),
    };
    if !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!("{problem}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_constants_are_versions_in_order() {
        let min = Version::parse(TESTED_MIN).expect("min");
        let max = Version::parse(TESTED_MAX).expect("max");
        assert!(min <= max);
    }

    #[test]
    fn reads_the_user_agent_and_the_version_line() {
        let seen = "codex-bridge/0.169.0 (Debian 12.0.0; x86_64) xterm (codex-bridge; 0.1.0)";
        assert_eq!(parse(seen), Some(Version::new(0, 169, 0)));
        assert_eq!(parse("codex-cli 0.171.0\n"), Some(Version::new(0, 171, 0)));
        assert_eq!(parse("exp/garbage (x)"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn places_versions_against_the_range() {
        let at = |text: &str| standing(&Version::parse(text).expect("version"));
        assert_eq!(at(TESTED_MIN), Standing::Tested);
        assert_eq!(at(TESTED_MAX), Standing::Tested);
        assert_eq!(at("0.168.9"), Standing::Older);
        assert_eq!(at("0.999.0"), Standing::Newer);
        // A pre-release of the pinned version is older than it.
        assert_eq!(at(&format!("{TESTED_MIN}-alpha.1")), Standing::Older);
        assert!(describe(&Version::new(0, 1, 0)).contains("upgrade"));
    }
}
