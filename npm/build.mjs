#!/usr/bin/env node
// Assembles codex-bridge's npm packages from the templates beside this script and packs them.
//
//   node npm/build.mjs [--out DIR] [PLATFORM[=BINARY] ...]
//
// Builds the main package `codex-bridge` (the launcher, npm/codex-bridge/) and one platform
// package `@codex-bridge/PLATFORM` (npm/platform/) for each PLATFORM given, with BINARY copied
// in as its `bin/codex-bridge`. A PLATFORM without `=BINARY` takes
// target/TRIPLE/release/codex-bridge; with no PLATFORM at all, this machine's platform is
// built from target/release/codex-bridge. The package directories and their `npm pack`
// tarballs go to DIR (default target/npm/), and the tarballs' paths are printed one a line.
//
// The version, description and license come from Cargo.toml: it is the one source of truth,
// the templates carry none. Needs Node.js and npm, nothing else.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);

// Every platform a release publishes: npm's `os` and `cpu` (Node's process.platform and
// process.arch, which the launcher looks up) and the Rust target it is built for.
const PLATFORMS = {
  "linux-x64": { os: "linux", cpu: "x64", target: "x86_64-unknown-linux-musl" },
  "linux-arm64": { os: "linux", cpu: "arm64", target: "aarch64-unknown-linux-musl" },
  "darwin-x64": { os: "darwin", cpu: "x64", target: "x86_64-apple-darwin" },
  "darwin-arm64": { os: "darwin", cpu: "arm64", target: "aarch64-apple-darwin" },
};
const SCOPE = "@codex-bridge";

function fail(message) {
  console.error(`npm/build.mjs: ${message}`);
  process.exit(1);
}

// The `key = "value"` lines of Cargo.toml's [package] table.
function cargoPackage() {
  const fields = {};
  let inPackage = false;
  for (const line of fs.readFileSync(path.join(root, "Cargo.toml"), "utf8").split("\n")) {
    const table = line.match(/^\s*\[([^\]]*)\]/);
    if (table) {
      inPackage = table[1].trim() === "package";
      continue;
    }
    const field = inPackage && line.match(/^\s*([a-z_-]+)\s*=\s*"((?:[^"\\]|\\.)*)"/);
    if (field) fields[field[1]] = JSON.parse(`"${field[2]}"`);
  }
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(fields.version ?? "")) {
    fail(`no usable version in Cargo.toml's [package] table: ${fields.version}`);
  }
  return fields;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

// `npm pack` in `dir`, the tarball into `out`; returns the tarball's path.
function pack(dir, out) {
  const output = execFileSync(
    "npm",
    ["pack", "--json", "--pack-destination", out, "--loglevel=error"],
    { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  return path.join(out, JSON.parse(output)[0].filename);
}

function hostPlatform() {
  const name = `${process.platform}-${process.arch}`;
  if (!PLATFORMS[name]) {
    fail(`${name} is not a platform the packages are built for (${Object.keys(PLATFORMS).join(", ")})`);
  }
  return name;
}

// Arguments.
let out = path.join(root, "target", "npm");
const wanted = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--out") {
    if (!args[i + 1]) fail("--out needs a directory");
    out = path.resolve(args[++i]);
  } else if (args[i] === "--help" || args[i] === "-h") {
    console.log("usage: node npm/build.mjs [--out DIR] [PLATFORM[=BINARY] ...]");
    console.log(`platforms: ${Object.keys(PLATFORMS).join(", ")}`);
    process.exit(0);
  } else if (args[i].startsWith("-")) {
    fail(`unknown option ${args[i]} (see --help)`);
  } else {
    const [name, binary] = args[i].split(/=(.*)/s);
    if (!PLATFORMS[name]) fail(`unknown platform ${name} (${Object.keys(PLATFORMS).join(", ")})`);
    const { target } = PLATFORMS[name];
    wanted.push({
      name,
      binary: path.resolve(binary || path.join(root, "target", target, "release", "codex-bridge")),
      build: `cargo build --release --target ${target}`,
    });
  }
}
if (wanted.length === 0) {
  wanted.push({
    name: hostPlatform(),
    binary: path.join(root, "target", "release", "codex-bridge"),
    build: "cargo build --release",
  });
}
for (const { name, binary, build } of wanted) {
  if (!fs.existsSync(binary)) fail(`the ${name} binary ${binary} does not exist: build it first (${build})`);
}

const cargo = cargoPackage();
const { version } = cargo;
fs.mkdirSync(out, { recursive: true });
const tarballs = [];

// The platform packages.
for (const { name, binary } of wanted) {
  const { os, cpu } = PLATFORMS[name];
  const dir = path.join(out, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  const manifest = readJson(path.join(here, "platform", "package.json"));
  Object.assign(manifest, {
    name: `${SCOPE}/${name}`,
    version,
    description: `The codex-bridge binary for ${os} ${cpu}; install the codex-bridge package, which runs it`,
    license: cargo.license,
    os: [os],
    cpu: [cpu],
  });
  writeJson(path.join(dir, "package.json"), manifest);
  fs.writeFileSync(
    path.join(dir, "README.md"),
    fs.readFileSync(path.join(here, "platform", "README.md"), "utf8").replaceAll("PLATFORM", name),
  );
  const target = path.join(dir, "bin", "codex-bridge");
  fs.copyFileSync(binary, target);
  fs.chmodSync(target, 0o755);
  tarballs.push(pack(dir, out));
}

// The main package: the launcher, with every platform package as an optional dependency
// (npm installs the one whose os and cpu match) at exactly this version.
{
  const dir = path.join(out, "codex-bridge");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(path.join(here, "codex-bridge"), dir, { recursive: true });
  const manifest = readJson(path.join(dir, "package.json"));
  Object.assign(manifest, {
    version,
    description: cargo.description,
    license: cargo.license,
    optionalDependencies: Object.fromEntries(
      Object.keys(PLATFORMS).map((name) => [`${SCOPE}/${name}`, version]),
    ),
  });
  for (const key of ["repository", "homepage"]) {
    if (cargo[key]) manifest[key] = cargo[key];
  }
  writeJson(path.join(dir, "package.json"), manifest);
  fs.chmodSync(path.join(dir, "bin", "codex-bridge.js"), 0o755);
  tarballs.push(pack(dir, out));
}

for (const tarball of tarballs) console.log(tarball);
