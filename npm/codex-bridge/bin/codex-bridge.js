#!/usr/bin/env node
// codex-bridge's npm launcher. The bridge is a native binary; npm installs it for this machine
// from the platform package `@codex-bridge/<platform>-<arch>` (an optional dependency of this
// package, chosen by its `os` and `cpu`), and this script runs it with the same arguments,
// environment and stdio.
//
// The bridge speaks MCP on stdin and stdout, so this script never touches process.stdin or
// process.stdout: Node would switch the pipes it shares with the bridge to non-blocking mode.
"use strict";

const { spawn } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");

const SCOPE = "@codex-bridge/";
const platform = `${process.platform}-${process.arch}`;
const platformPackage = SCOPE + platform;

function fail(message) {
  fs.writeSync(2, `codex-bridge: ${message}\n`);
  process.exit(1);
}

const FROM_SOURCE =
  "Or build it from source with Rust 1.89 or newer: `cargo install --path .` in a checkout of " +
  "codex-bridge (see its README, Install).";

function findBinary() {
  let manifest;
  try {
    manifest = require.resolve(`${platformPackage}/package.json`);
  } catch {
    const supported = Object.keys(require("../package.json").optionalDependencies || {})
      .filter((name) => name.startsWith(SCOPE))
      .map((name) => name.slice(SCOPE.length));
    if (!supported.includes(platform)) {
      fail(
        `there is no prebuilt binary for ${platform}: the npm packages have one for ` +
          `${supported.join(", ")}.\n${FROM_SOURCE}`,
      );
    }
    fail(
      `the binary for ${platform} is in the package ${platformPackage}, which is not ` +
        "installed. npm installs it with codex-bridge unless optional dependencies are left " +
        "out (--omit=optional, --no-optional) or a lock file from another platform is used: " +
        `reinstall (npm install codex-bridge, or npx -y codex-bridge).\n${FROM_SOURCE}`,
    );
  }
  const binary = path.join(path.dirname(manifest), "bin", "codex-bridge");
  try {
    fs.accessSync(binary, fs.constants.X_OK);
  } catch (error) {
    fail(`cannot run ${binary} (${error.code}): reinstall ${platformPackage}.\n${FROM_SOURCE}`);
  }
  return binary;
}

const binary = findBinary();
const args = process.argv.slice(2);

// Where Node can exec (22.15 and 23.11 on, not Windows), this process becomes the bridge: no
// Node process stays in between, so signals, the exit status and stdio are the bridge's own,
// and there is no child to forward to or to leave behind.
if (process.platform !== "win32" && typeof process.execve === "function") {
  // Node ignores SIGXFSZ, and an ignored signal stays ignored across exec; a handler is reset
  // to the default instead. (Node ignores SIGPIPE too, as the Rust runtime itself does.)
  process.on("SIGXFSZ", () => {});
  try {
    process.execve(binary, [binary, ...args], process.env);
  } catch (error) {
    fail(`cannot run ${binary}: ${error.message}`);
  }
}

// Older Node: the bridge runs as a child with this process's stdin, stdout and stderr, and this
// process passes on the signals that end it and then ends the same way.
const child = spawn(binary, args, { stdio: "inherit" });
child.on("error", (error) => fail(`cannot start ${binary}: ${error.message}`));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    try {
      child.kill(signal);
    } catch {
      // Already gone: its exit event follows.
    }
  });
}
child.on("exit", (code, signal) => {
  if (signal === null) {
    process.exit(code === null ? 1 : code);
  }
  // Die of the same signal; where it would not kill Node (Node ignores SIGPIPE and SIGXFSZ and
  // starts its inspector on SIGUSR1), exit as a shell reports a death by it.
  process.exitCode = 128 + (os.constants.signals[signal] || 0);
  if (!["SIGPIPE", "SIGXFSZ", "SIGUSR1"].includes(signal)) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
});
