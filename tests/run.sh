#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the pinned Codex (package.json) from npm,
# then runs every Rust test, including the end-to-end ones against the real app-server.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --no-audit --no-fund --loglevel=error
cargo test "$@"
