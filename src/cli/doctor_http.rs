//! `codex-bridge doctor --http URL`: check a running `serve --http` bridge (it answers
//! `initialize` with the bearer token and lists every tool this build serves), then print
//! the Claude Code, Codex and Gemini CLI configurations for it.
//!
//! The token comes from `--http-token-file` (with `--agent` for a per-agent file), else
//! `$CODEX_BRIDGE_TOKEN`, else the file the bridge generates; it is never printed: the
//! configurations read it from `CODEX_BRIDGE_TOKEN` in each client's environment.

use std::time::{Duration, Instant};

use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;

use std::path::Path;

use super::checks::{Check, Verdict};
use super::exit::Exit;

/// How long the bridge has to answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(20);
/// The environment variable the configurations read the token from.
pub const TOKEN_VARIABLE: &str = "CODEX_BRIDGE_TOKEN";

/// The HTTP client configurations of the README (`docs/clients/`), for `URL_PLACEHOLDER`.
const CLAUDE_CODE: &str = include_str!("../../docs/clients/claude-code.http.mcp.json");
const CODEX: &str = include_str!("../../docs/clients/codex.http.config.toml");
const GEMINI: &str = include_str!("../../docs/clients/gemini.http.settings.json");
const URL_PLACEHOLDER: &str = "http://127.0.0.1:8765/mcp";

/// Check the bridge at `url` with the token from `token_file` (`agent`'s line of a
/// per-agent file), else `$CODEX_BRIDGE_TOKEN`, else the generated file.
pub async fn run(url: &str, token_file: Option<&Path>, agent: Option<&str>) -> Exit {
    let mut verdict = Verdict { all_ok: true };
    let (token, from) = match token(token_file, agent) {
        Ok(found) => found,
        Err(problem) => {
            verdict.record(Check::problem(
                "token",
                problem,
                "pass --http-token-file FILE (the bridge's token file), or set CODEX_BRIDGE_TOKEN",
            ));
            return finish(url, verdict.all_ok, None);
        }
    };
    verdict.record(Check::ok("token", format!("from {from}")));
    verdict.record(check_bridge(url, &token).await);
    finish(url, verdict.all_ok, Some(&from))
}

/// The bearer token, and where it came from (for the report; never the token itself).
fn token(token_file: Option<&Path>, agent: Option<&str>) -> Result<(String, String), String> {
    if let Some(file) = token_file {
        let token = crate::mcp::client_token(Some(file), agent)?;
        return Ok((token, file.display().to_string()));
    }
    if let Some(token) = std::env::var(TOKEN_VARIABLE)
        .ok()
        .map(|token| token.trim().to_string())
        .filter(|token| !token.is_empty())
    {
        return Ok((token, format!("${TOKEN_VARIABLE}")));
    }
    let path = crate::mcp::generated_token_path()?;
    let token = crate::mcp::client_token(None, agent)?;
    Ok((token, path.display().to_string()))
}

/// Connect as an MCP client would, list the tools.
async fn check_bridge(url: &str, token: &str) -> Check {
    let started = Instant::now();
    let config = StreamableHttpClientTransportConfig::with_uri(url.to_string())
        .auth_header(token.to_string());
    let connect = ().serve(StreamableHttpClientTransport::from_config(config));
    let client = match tokio::time::timeout(ANSWER_TIMEOUT, connect).await {
        Ok(Ok(client)) => client,
        Ok(Err(error)) => {
            // rmcp's message names its transport's Rust types; the cause under it says what
            // happened ("Connection refused").
            let inner: &(dyn std::error::Error + 'static) = match &error {
                rmcp::service::ClientInitializeError::TransportError { error, .. } => {
                    error.error.as_ref()
                }
                other => other,
            };
            let chain = causes(inner);
            let fix = if chain.contains("401") || chain.to_lowercase().contains("auth") {
                "the bridge refused the token: use the token file the bridge printed when it started (or the agent's line of its --http-token-file)".to_string()
            } else {
                format!(
                    "start it with `codex-bridge serve --http {}` (as a user service: see the README), and check the URL ends in /mcp",
                    listen_address(url)
                )
            };
            return Check::problem(
                "HTTP bridge",
                format!("{url} did not answer initialize: {}", root_cause(inner)),
                fix,
            );
        }
        Err(_) => {
            return Check::problem(
                "HTTP bridge",
                format!("{url} did not answer within {} s", ANSWER_TIMEOUT.as_secs()),
                "look at the bridge's log (stderr, or its user service's journal)",
            )
        }
    };
    let server = client
        .peer_info()
        .map(|info| {
            let name = info
                .server_info
                .as_ref()
                .map(|server| format!("{} {}", server.name, server.version))
                .unwrap_or_else(|| "an unnamed server".into());
            format!("{name}, MCP {}", info.protocol_version)
        })
        .unwrap_or_else(|| "an unknown server".into());
    let tools = client.list_all_tools().await;
    let _ = client.cancel().await;
    let tools: Vec<String> = match tools {
        Ok(tools) => tools
            .into_iter()
            .map(|tool| tool.name.to_string())
            .collect(),
        Err(error) => {
            return Check::problem(
                "HTTP bridge",
                format!("tools/list failed: {error}"),
                "look at the bridge's log",
            )
        }
    };
    let missing: Vec<String> = crate::mcp::tool_names()
        .into_iter()
        .filter(|tool| !tools.contains(tool))
        .collect();
    if !missing.is_empty() {
        return Check::problem(
            "HTTP bridge",
            format!("tools missing from tools/list: {missing:?}"),
            "the running bridge is an older build: restart its service",
        );
    }
    Check::ok(
        "HTTP bridge",
        format!(
            "{url} answered initialize in {} ms ({server}) and listed {} tools",
            started.elapsed().as_millis(),
            tools.len()
        ),
    )
}

/// Print the verdict and the three client configurations for `url`.
fn finish(url: &str, all_ok: bool, token_from: Option<&str>) -> Exit {
    let fill = |snippet: &str| snippet.replace(URL_PLACEHOLDER, url);
    println!();
    println!("MCP client configuration for the shared bridge at {url}.");
    println!("Each client reads the bearer token from {TOKEN_VARIABLE} in its environment, e.g.:");
    match token_from {
        Some(from) if !from.starts_with('$') => println!(
            "  export {TOKEN_VARIABLE}=\"$(cat {from})\"   (a per-agent file: that agent's token, the word after its name)"
        ),
        _ => println!("  export {TOKEN_VARIABLE}=\"$(cat ~/.local/state/codex-bridge/http-token)\""),
    }
    println!("\nClaude Code (.mcp.json in your project):\n");
    print!("{}", fill(CLAUDE_CODE));
    println!(
        "\n  or: claude mcp add --transport http codex {url} --header \"Authorization: Bearer ${TOKEN_VARIABLE}\""
    );
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

/// The `HOST:PORT` a bridge serving `url` listens on (`serve --http`'s argument), or the
/// usual one when `url` does not say.
fn listen_address(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|url| {
            Some(format!(
                "{}:{}",
                url.host_str()?,
                url.port_or_known_default()?
            ))
        })
        .unwrap_or_else(|| "127.0.0.1:8765".to_string())
}

/// An error and its sources, outermost first.
fn chain<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |error| error.source())
}

/// Every message in an error's chain, outermost first (what the checks search).
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    chain(error)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// The innermost message of an error's chain ("Connection refused (os error 111)"): the
/// outer ones are the HTTP client's layers, named by their Rust types.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    chain(error).last().unwrap_or(error).to_string()
}
