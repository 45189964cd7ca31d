#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs the pinned Codex and the pinned MCP clients
# (package.json, from npm), the pinned Python MCP SDK (tests/clients/requirements.txt, from PyPI,
# into a virtualenv under target/), then runs every Rust test, including the end-to-end ones
# against the real app-server and the real clients.
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

cargo test "$@"
