//! `codex-bridge doctor`: checks everything between an agent and Codex, each as `ok` or
//! `PROBLEM` with the fix, then prints the MCP client configuration to use.
//!
//! Checks: Codex found (path, version, native or node wrapper); the app-server starts and
//! answers `initialize` (opened over the same link code as `serve`, and saying which link);
//! its Codex version against the tested range; its auth state (`account/read`); the MCP side
//! (`codex-bridge serve` spawned and driven by an MCP client, which must list every tool this
//! build serves).
//!
//! With `--http URL` it checks a running `serve --http` bridge instead ([`super::doctor_http`])
//! and prints the HTTP client configurations for it.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::Args;
use rmcp::ServiceExt;
use serde_json::Value;

use super::checks::{Check, Verdict};
use super::exit::Exit;
use super::flags::ConnectArgs;
use crate::codex::connection::{Connection, ConnectionOptions};
use crate::codex::link::{self, Link};
use crate::codex::process::{locate_codex, CodexBinary};
use crate::codex::protocol::GetAccountParams;
use crate::codex::version::{self, Standing};

const MCP_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub connect: ConnectArgs,

    /// Check the running `codex-bridge serve --http` bridge whose MCP endpoint is URL (e.g.
    /// http://127.0.0.1:8765/mcp) and print the client configurations for it.
    #[arg(long, value_name = "URL")]
    pub http: Option<String>,

    /// The token file to take the bearer token from (default: $CODEX_BRIDGE_TOKEN, else the
    /// token file the bridge generates).
    #[arg(long, value_name = "FILE", requires = "http")]
    pub http_token_file: Option<std::path::PathBuf>,

    /// Whose token to use from a per-agent token file (default: the first agent's).
    #[arg(long, value_name = "NAME", requires = "http")]
    pub agent: Option<String>,
}

pub async fn run(args: DoctorArgs) -> Exit {
    if let Some(url) = &args.http {
        let token_file = args.http_token_file.as_deref();
        return super::doctor_http::run(url, token_file, args.agent.as_deref()).await;
    }
    let settings = match args.connect.resolve() {
        Ok(settings) => settings,
        Err(error) => return super::exit::report_error(&error),
    };
    let mut verdict = Verdict { all_ok: true };
    let options = ConnectionOptions {
        request_timeout: Duration::from_secs(15),
        ..ConnectionOptions::default()
    };
    let fix = match &settings.link {
        Link::Embedded { codex_bin, .. } => {
            let binary = match locate_codex(codex_bin.as_deref()) {
                Ok(binary) => binary,
                Err(error) => {
                    verdict.record(Check::problem(
                        "Codex",
                        error.to_string(),
                        "npm install -g @openai/codex, or pass --codex-bin PATH / set CODEX_BIN",
                    ));
                    return finish(verdict.all_ok, &args);
                }
            };
            verdict.record(found(&binary).await);
            "check that `codex app-server --help` works and that CODEX_HOME/config.toml is valid; run with CODEX_BRIDGE_LOG=debug to see the app-server's own output"
        }
        Link::External { endpoint, .. } => {
            verdict.record(Check::ok(
                "Codex",
                format!("not started here: using the app-server at {endpoint}"),
            ));
            "start it with `codex app-server --listen unix:///path/to/socket`, or `--listen ws://127.0.0.1:PORT --ws-auth capability-token --ws-token-file FILE` and give the same token with --app-server-token-file"
        }
        Link::Daemon { socket, start, .. } => {
            verdict.record(Check::note(
                "Codex",
                format!(
                    "not started here: attaching to the Codex daemon at {}{} (experimental)",
                    socket.display(),
                    if *start {
                        ", starting it if needed"
                    } else {
                        ""
                    }
                ),
            ));
            "start the daemon with `codex app-server daemon start` (same CODEX_HOME), or pass --start-daemon"
        }
    };
    let started = Instant::now();
    match link::open(&settings, &options).await {
        Ok(opened) => {
            verdict.record(Check::ok(
                "app-server",
                format!(
                    "answered initialize in {} ms over {}",
                    started.elapsed().as_millis(),
                    opened.via
                ),
            ));
            verdict.record(codex_version(opened.connection.user_agent()));
            verdict.record(auth(&opened.connection).await);
            for check in config(&opened.connection).await {
                verdict.record(check);
            }
            opened.connection.close("doctor is done");
            if let Some(process) = opened.process {
                process.shutdown(Duration::from_millis(500)).await;
            }
        }
        Err(error) => verdict.record(Check::problem("app-server", error.to_string(), fix)),
    }
    verdict.record(mcp_side(&args).await);
    finish(verdict.all_ok, &args)
}

/// The version of the Codex that answered, against the range the bridge was tested with: an
/// older one is a problem (methods may be missing), a newer one worth a note.
fn codex_version(user_agent: &str) -> Check {
    let Some(found) = version::parse(user_agent) else {
        return Check::note(
            "Codex version",
            format!(
                "cannot read it from the app-server's user agent {user_agent:?}; the tested range is {}",
                version::tested_range()
            ),
        );
    };
    let detail = version::describe(&found);
    match version::standing(&found) {
        Standing::Tested => Check::ok("Codex version", detail),
        Standing::Newer => Check::note("Codex version", detail),
        Standing::Older => Check::problem(
            "Codex version",
            format!(
                "Codex {found} is older than the tested range ({})",
                version::tested_range()
            ),
            format!("npm install -g @openai/codex@{}", version::TESTED_MAX),
        ),
    }
}

/// The auth state as the app-server reports it (`account/read`).
async fn auth(connection: &Connection) -> Check {
    let answer = match connection.call(&GetAccountParams {}).await {
        Ok(answer) => answer,
        Err(error) => {
            return Check::problem(
                "auth",
                format!("account/read failed: {error}"),
                "run `codex login`, or check that this Codex version supports account/read",
            )
        }
    };
    let requires_openai = answer.requires_openai_auth.unwrap_or(true);
    match answer.account.filter(|account| !account.is_null()) {
        Some(account) => {
            let kind = account
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("unknown");
            let who = account
                .get("email")
                .and_then(Value::as_str)
                .map(|email| format!(" as {email}"))
                .unwrap_or_default();
            let plan = account
                .get("planType")
                .and_then(Value::as_str)
                .map(|plan| format!(", plan {plan}"))
                .unwrap_or_default();
            Check::ok("auth", format!("signed in with {kind}{who}{plan}"))
        }
        None if !requires_openai => Check::ok(
            "auth",
            "no OpenAI login needed (the configured model provider does not use one)",
        ),
        None => Check::problem(
            "auth",
            "not signed in",
            "run `codex login` (with an API key: `printenv OPENAI_API_KEY | codex login --with-api-key`)",
        ),
    }
}

/// The configuration as the app-server read it: its `configWarning`s (sent right after
/// `initialize`). A configuration it cannot load stops every turn; other warnings (an
/// ignored key) are shown but are no problem.
async fn config(connection: &Connection) -> Vec<Check> {
    let mut warnings = connection.config_warnings();
    if warnings.is_empty() {
        // They follow `initialize` within milliseconds; give a slow machine a moment.
        tokio::time::sleep(Duration::from_millis(300)).await;
        warnings = connection.config_warnings();
    }
    let mut checks = Vec::new();
    for warning in &warnings {
        if warning.is_invalid_configuration() {
            let details = warning.details.clone().unwrap_or_default();
            let hint = if details.contains("unicode") || details.contains("escape") {
                " In a TOML double-quoted string a backslash starts an escape: write Windows paths with doubled backslashes (\"C:\\\\Users\\\\me\") or in single quotes ('C:\\Users\\me')."
            } else {
                ""
            };
            checks.push(Check::problem(
                "config",
                format!("Codex cannot load its configuration: {details}"),
                format!(
                    "fix {}; until then every turn fails.{hint}",
                    warning.place()
                ),
            ));
        } else {
            checks.push(Check::note("config", warning.summary.replace('\n', " ")));
        }
    }
    if warnings.is_empty() {
        checks.push(Check::ok("config", "loaded without warnings"));
    }
    checks
}

/// Spawn `codex-bridge serve` as an MCP client would and check it lists every tool.
async fn mcp_side(args: &DoctorArgs) -> Check {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            return Check::problem(
                "MCP server",
                format!("cannot find this executable: {error}"),
                "run codex-bridge by its full path",
            )
        }
    };
    let expected = crate::mcp::tool_names();
    match tokio::time::timeout(MCP_TIMEOUT, list_tools(&exe, &serve_args(args))).await {
        Ok(Ok(tools)) => {
            let missing: Vec<_> = expected
                .iter()
                .filter(|tool| !tools.contains(tool))
                .collect();
            if missing.is_empty() {
                Check::ok(
                    "MCP server",
                    format!(
                        "`codex-bridge serve` answered initialize and listed {} tools",
                        tools.len()
                    ),
                )
            } else {
                Check::problem(
                    "MCP server",
                    format!("tools missing from tools/list: {missing:?}"),
                    "reinstall codex-bridge; the binary on PATH may be an older build",
                )
            }
        }
        Ok(Err(error)) => Check::problem(
            "MCP server",
            error,
            "run `codex-bridge serve` by hand and look at its stderr",
        ),
        Err(_) => Check::problem(
            "MCP server",
            format!(
                "`codex-bridge serve` did not answer within {} s",
                MCP_TIMEOUT.as_secs()
            ),
            "run `codex-bridge serve` by hand and look at its stderr",
        ),
    }
}

/// Spawn `serve` and list its tools through an MCP client (rmcp's), as a client config would.
async fn list_tools(exe: &Path, args: &[String]) -> Result<Vec<String>, String> {
    let mut child = tokio::process::Command::new(exe)
        .args(args)
        .env("CODEX_BRIDGE_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {} serve: {e}", exe.display()))?;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err("the server's stdio was not captured".into());
    };
    let client =
        ().serve((stdout, stdin))
            .await
            .map_err(|e| format!("MCP initialize failed: {e}"))?;
    let tools = client
        .list_all_tools()
        .await
        .map_err(|e| format!("tools/list failed: {e}"));
    // Closing stdin is how an MCP client ends the server; it then ends its app-server.
    let _ = client.cancel().await;
    if tokio::time::timeout(Duration::from_secs(5), child.wait())
        .await
        .is_err()
    {
        let _ = child.kill().await;
    }
    Ok(tools?
        .into_iter()
        .map(|tool| tool.name.to_string())
        .collect())
}

async fn found(binary: &CodexBinary) -> Check {
    let kind = if binary.native {
        "native binary"
    } else {
        "node wrapper (works; the native binary inside the npm package is preferred)"
    };
    let version = tokio::time::timeout(
        Duration::from_secs(10),
        tokio::process::Command::new(&binary.path)
            .arg("--version")
            .stdin(Stdio::null())
            .output(),
    )
    .await;
    match version {
        Ok(Ok(output)) if output.status.success() => Check::ok(
            "Codex",
            format!(
                "{} ({}, {kind})",
                binary.path.display(),
                String::from_utf8_lossy(&output.stdout).trim()
            ),
        ),
        Ok(Ok(output)) => Check::problem(
            "Codex",
            format!(
                "{} --version failed ({}): {}",
                binary.path.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ),
            "reinstall Codex: npm install -g @openai/codex",
        ),
        Ok(Err(error)) => Check::problem(
            "Codex",
            format!("cannot run {}: {error}", binary.path.display()),
            "reinstall Codex: npm install -g @openai/codex",
        ),
        Err(_) => Check::problem(
            "Codex",
            format!(
                "{} --version did not answer within 10 s",
                binary.path.display()
            ),
            "reinstall Codex: npm install -g @openai/codex",
        ),
    }
}

/// The connection flags, passed on to `serve` (environment variables are inherited).
fn serve_args(args: &DoctorArgs) -> Vec<String> {
    let mut out = vec!["serve".to_string()];
    out.extend(args.connect.to_args());
    out
}

/// The client configurations of the README (`docs/clients/`), the files the `clients` tests
/// run each client with.
const CLAUDE_CODE: &str = include_str!("../../docs/clients/claude-code.mcp.json");
const CODEX: &str = include_str!("../../docs/clients/codex.config.toml");
const GEMINI: &str = include_str!("../../docs/clients/gemini.settings.json");

/// Print the verdict and the configuration each MCP client needs: the README's snippets,
/// filled in for this binary, this Codex and the current directory.
fn finish(all_ok: bool, args: &DoctorArgs) -> Exit {
    let exe = std::env::current_exe()
        .map(|exe| exe.display().to_string())
        .unwrap_or_else(|_| "codex-bridge".into());
    let root = std::env::current_dir()
        .map(|dir| dir.display().to_string())
        .unwrap_or_else(|_| "/path/to/your/project".into());
    let codex_home = std::env::var("CODEX_HOME").unwrap_or_else(|_| {
        std::env::var("HOME")
            .map(|home| format!("{home}/.codex"))
            .unwrap_or_else(|_| "~/.codex".into())
    });
    let mut serve = serve_args(args);
    serve.extend(["--allowed-root".to_string(), root.clone()]);
    let json_args = Value::from(serve.clone()).to_string();
    let fill = |snippet: &str| {
        snippet
            .replace("\"codex-bridge\"", &Value::String(exe.clone()).to_string())
            .replace(
                "[\"serve\", \"--allowed-root\", \"/home/me/src\"]",
                &json_args.replace(',', ", "),
            )
            .replace("/home/me/.codex", &codex_home)
    };
    println!();
    println!("MCP client configuration (the README's, for this binary; Codex may work in {root}):");
    println!("\nClaude Code (.mcp.json in your project, or a file for --mcp-config):\n");
    print!("{}", fill(CLAUDE_CODE));
    println!("\n  or: claude mcp add codex -- {exe} {}", serve.join(" "));
    println!(
        "\nCodex (your Codex's config.toml: ~/.codex/config.toml, or $CODEX_HOME/config.toml):\n"
    );
    print!("{}", fill(CODEX));
    println!("\nGemini CLI (.gemini/settings.json):\n");
    print!("{}", fill(GEMINI));
    if all_ok {
        println!("\nall checks passed");
        Exit::Success
    } else {
        println!("\nsome checks found problems (see PROBLEM lines above)");
        Exit::TurnFailed
    }
}
