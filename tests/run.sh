#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the two tested Codex releases and the pinned MCP
# clients (package.json, from npm), the pinned Python MCP SDK (tests/clients/requirements.txt,
# from PyPI, into a virtualenv under target/), then runs the Rust tests on two axes:
#
#   pass 1, the pinned Codex (@openai/codex 0.169.0), default link (a private Unix socket):
#     every test: unit tests, every suite in tests/suite/ (each MCP client once), the core
#     scenario over every other link (loopback TCP, stdio, --app-server-url unix://, the Codex
#     daemon; tests/suite/links.rs), the protocol conformance test against BOTH Codex schemas,
#     and the benchmark smoke run;
#   pass 2, the newest Codex (codex-newest = @openai/codex 0.171.0), same links:
#     the end-to-end suites whose outcome depends on Codex (named below): the real app-server
#     suites, the links, the shared-server rules, spare threads, the command line, every MCP client again,
#     and the thread API and multi-agent suites.
#     Left out: what does not talk to Codex or is Codex-independent (the scripted fake
#     app-server, MCP argument checks, stdin fuzzing, architecture, the benchmark) and what
#     pass 1 already ran on both versions (conformance, codex_versions).
#
# On 2 cores, once built: pass 1 1.6 to 2 minutes, pass 2 about 1.7 minutes; the whole script
# 3.5 to 4.5 minutes (docs/testing.md).
# Arguments are cargo options for both passes (e.g. --release); for a subset of the tests run
# `cargo test --test all NAME` directly (with CODEX_BRIDGE_TEST_CODEX=newest for the newest Codex).
set -euo pipefail
cd "$(dirname "$0")/.."

# `npm ci` always starts from an empty node_modules (half a minute with the clients), so it is
# skipped when node_modules was installed from this very lock file. A fresh clone always runs it.
if ! cmp -s package-lock.json node_modules/.installed-package-lock.json; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-package-lock.json
fi

# The Python SDK, likewise reinstalled only when the requirements change.
venv=target/clients-venv
requirements=tests/clients/requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" || [ ! -x "$venv/bin/python" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
fi

echo "== pass 1: every test, pinned Codex"
cargo test "$@"

echo "== pass 2: the end-to-end suites, newest Codex"
CODEX_BRIDGE_TEST_CODEX=newest cargo test --test all "$@" -- \
  suite::real_codex:: suite::long_work:: suite::approvals:: suite::reliability:: \
  suite::versions:: suite::roots:: suite::cli:: suite::embedded:: suite::links:: \
  suite::shared_server:: suite::spare_threads:: suite::clients:: suite::thread_api:: suite::multi_agent::
