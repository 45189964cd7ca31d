//! The codex-bridge benchmark: does the bridge cost (almost) nothing on top of Codex itself?
//!
//! One run starts a fake model (instant answers, and a streamed answer of N deltas), then
//! measures, interleaved, the same work done three ways against the real `codex app-server`
//! from the pinned npm package:
//! 1. `direct`: a minimal WebSocket client written here (the floor): its own app-server, one
//!    connection, `thread/start` + `turn/start`, waiting for `turn/completed`;
//! 2. `bridge`: the built `codex-bridge serve` driven over MCP stdio by an rmcp client
//!    (`codex_ask`, `codex_continue_thread`), with its own embedded app-server;
//! 3. `exec`: a fresh `codex exec` (`codex exec resume`) process per call, as the bridges that
//!    spawn Codex per call do.
//!
//! And, for the shared service (issue 14), `http`: 20 agents, each its own rmcp client over
//! streamable HTTP with its own token, against one `serve --http` bridge, 10 `codex_ask` each,
//! against 20 concurrent callers on one stdio bridge doing the same work; per-call p50 of
//! HTTP over stdio.
//!
//! It prints p50 / p90 per operation with ratios against the floor, the bridge's start-up time,
//! CPU and memory, and whether each target of issue 7 is MET or MISSED. Targets do not change
//! the exit status (they are measurements, not timed tests); a wrong answer or a failure does.
//!
//! Run it with `cargo bench --bench bench` (release build; `BENCH_ITERATIONS=N` or
//! `-- --iterations N` for the per-call sample size, `-- --no-exec` to skip `codex exec`,
//! `BENCH_BRIDGE_BIN=PATH` to measure another build of the bridge).
//! Without cargo bench's `--bench` flag (as under `cargo test --all-targets`), or with
//! `--smoke` / `BENCH_SMOKE=1`, it does a small smoke run instead (few calls, no `codex exec`,
//! a short stream); `tests/suite/bench_smoke.rs` runs that in the test suite.

#[path = "../tests/common/codex_env.rs"]
mod codex_env;
#[path = "../tests/common/fake_model.rs"]
mod fake_model;
// fake_model's HTTP plumbing and its scripted mode.
#[path = "../tests/common/http.rs"]
mod http;
#[path = "../tests/common/script.rs"]
mod script;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation, ProtocolVersion,
};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use codex_env::{codex_bin, CodexEnv};
use fake_model::FakeModel;

/// How much work one run does.
#[derive(Debug, Clone)]
pub struct Config {
    pub smoke: bool,
    /// Measured calls per client for `ask` and for `continue`.
    pub iterations: usize,
    /// Unmeasured calls per client before measuring (page cache, lazy init, JIT-free but cold).
    pub warmup: usize,
    /// Calls in flight at once in the concurrency case, and how many times it is repeated.
    pub concurrency: usize,
    pub concurrent_rounds: usize,
    /// Deltas in the streamed turn, and how many times it is repeated.
    pub deltas: usize,
    pub delta_rounds: usize,
    /// Fresh bridges started to time start-up and idle memory.
    pub start_samples: usize,
    /// Threads the main bridge has used before its memory is read again.
    pub rss_threads: usize,
    /// Fresh bridges (and fresh direct clients) timed from spawn to the first answered ask.
    pub first_calls: usize,
    /// Only these sections (`-- --only ask,continue`); all when `None`.
    pub only: Option<Vec<String>>,
    /// Whether `codex exec` is measured (slow, and 150 MB per process).
    pub exec: bool,
    /// Agents on the shared HTTP bridge (and concurrent callers on the stdio one), the calls
    /// each makes, and how many times the pair of runs is repeated (interleaved).
    pub agents: usize,
    pub agent_calls: usize,
    pub agent_rounds: usize,
}

impl Config {
    pub fn full() -> Config {
        Config {
            smoke: false,
            iterations: 50,
            warmup: 3,
            concurrency: 50,
            concurrent_rounds: 3,
            deltas: 20_000,
            delta_rounds: 3,
            start_samples: 10,
            rss_threads: 1_000,
            first_calls: 10,
            only: None,
            exec: true,
            agents: 20,
            agent_calls: 10,
            agent_rounds: 2,
        }
    }

    pub fn smoke() -> Config {
        Config {
            smoke: true,
            iterations: 3,
            warmup: 1,
            concurrency: 5,
            concurrent_rounds: 1,
            deltas: 500,
            delta_rounds: 1,
            start_samples: 2,
            rss_threads: 12,
            first_calls: 1,
            only: None,
            exec: false,
            agents: 3,
            agent_calls: 2,
            agent_rounds: 1,
        }
    }

    /// `cargo bench` passes `--bench`; anything else (`cargo test --all-targets` runs bench
    /// targets with no arguments) gets the smoke run, as criterion does.
    fn from_args(args: &[String]) -> Result<Config, String> {
        let env_flag =
            |name: &str| std::env::var(name).is_ok_and(|value| !value.is_empty() && value != "0");
        let has = |flag: &str| args.iter().any(|arg| arg == flag);
        let full = (has("--bench") || has("--full")) && !has("--smoke") && !env_flag("BENCH_SMOKE");
        let mut config = if full {
            Config::full()
        } else {
            Config::smoke()
        };
        let mut iterations = std::env::var("BENCH_ITERATIONS").ok();
        let mut deltas = std::env::var("BENCH_DELTAS").ok();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            match arg.as_str() {
                "--iterations" => iterations = rest.next().cloned(),
                "--deltas" => deltas = rest.next().cloned(),
                "--no-exec" => config.exec = false,
                "--only" => {
                    let list = rest.next().cloned().unwrap_or_default();
                    let sections: Vec<String> = list.split(',').map(str::to_string).collect();
                    if let Some(unknown) = sections.iter().find(|s| !SECTIONS.contains(&s.as_str()))
                    {
                        return Err(format!(
                            "--only: unknown section {unknown:?}; the sections are {}",
                            SECTIONS.join(", ")
                        ));
                    }
                    config.only = Some(sections);
                }
                "--exec" => config.exec = true,
                "--bench" | "--full" | "--smoke" => {}
                other => eprintln!("bench: ignoring argument {other:?}"),
            }
        }
        if env_flag("BENCH_NO_EXEC") {
            config.exec = false;
        }
        let number = |name: &str, value: String| {
            value
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{name} must be a positive integer, got {value:?}"))
        };
        if let Some(value) = iterations {
            config.iterations = number("iterations", value)?;
        }
        if let Some(value) = deltas {
            config.deltas = number("deltas", value)?;
        }
        Ok(config)
    }
}

/// The benchmark's sections, for `--only`.
pub const SECTIONS: [&str; 10] = [
    "ask",
    "continue",
    "hop",
    "concurrent",
    "multi",
    "stream",
    "memory",
    "agents",
    "startup",
    "first",
];

impl Config {
    /// Whether section `name` runs.
    fn runs(&self, name: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|section| section == name))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(bench_main(&args));
}

/// The whole benchmark as the binary runs it: parse `args`, run, print to stdout. Returns the
/// process exit status (0: ran and every answer was right).
pub fn bench_main(args: &[String]) -> i32 {
    let config = match Config::from_args(args) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("bench: {error}");
            return 2;
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime for the benchmark");
    let mut stdout = std::io::stdout().lock();
    match runtime.block_on(run(&config, &mut stdout)) {
        Ok(()) => 0,
        Err(error) => {
            eprintln!("bench: FAILED: {error}");
            1
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The run

/// Run every case and print the report to `out`. An error means the work was not done right
/// (a wrong answer, a failed call); missed targets are only reported.
pub async fn run(config: &Config, out: &mut dyn Write) -> Result<(), String> {
    let load_before = load_average();
    let model = FakeModel::start().await;
    let env = CodexEnv::new(&model);
    let workspace = env.workspace.path().display().to_string();
    let mut report = Report::default();
    let mut wrong: Vec<String> = Vec::new();

    progress(&format!("starting clients ({config:?})"));
    let (direct, direct_start) = Direct::start(&env).await;
    report.single("app-server start to initialize", direct_start);
    let bridge = BridgeProcess::spawn(&env).await;
    // The embedded app-server starts in the background; first calls wait for it.
    let warm = bridge.ask(&workspace, "warm up").await;
    check(&mut wrong, "bridge warm-up", &warm.text, "answer: warm up");
    let idle_rss_main = rss_bytes(bridge.pid, "VmRSS");
    let idle_anon_main = rss_bytes(bridge.pid, "RssAnon");
    let exec = config.exec.then(|| Exec::new(&env));
    let mut bridge_threads = 1usize;

    // --- codex_ask: new thread + one turn -------------------------------------------------
    if config.runs("ask") {
        progress("codex_ask");
        // The same bridge without spare threads, for reference: what the spare saves.
        let plain = BridgeProcess::spawn_with(&env, &["--spare-threads", "0"]).await;
        let warm = plain.ask(&workspace, "warm up plain").await;
        check(
            &mut wrong,
            "plain bridge warm-up",
            &warm.text,
            "answer: warm up plain",
        );
        for i in 0..config.warmup + config.iterations {
            let measured = i >= config.warmup;
            // The bridge without spares (`None`) runs first in even iterations, last in odd.
            let mut order: Vec<Option<Client>> = rotation(i).into_iter().map(Some).collect();
            if i % 2 == 0 {
                order.insert(0, None);
            } else {
                order.push(None);
            }
            for slot in order {
                let Some(client) = slot else {
                    let prompt = format!("ask plain {i}");
                    let (elapsed, result) = timed(plain.ask(&workspace, &prompt)).await;
                    check(
                        &mut wrong,
                        &prompt,
                        &result.text,
                        &format!("answer: {prompt}"),
                    );
                    if measured {
                        report.sample(ASK_NO_SPARE, Client::Bridge, elapsed);
                    }
                    pause().await;
                    continue;
                };
                let prompt = format!("ask {} {i}", client.name());
                let expected = format!("answer: {prompt}");
                let (elapsed, text) = match client {
                    Client::Direct => {
                        let (elapsed, (_, text)) = timed(direct.ask(&workspace, &prompt)).await;
                        (elapsed, text)
                    }
                    Client::Bridge => {
                        bridge_threads += 1;
                        let (elapsed, result) = timed(bridge.ask(&workspace, &prompt)).await;
                        (elapsed, result.text)
                    }
                    Client::Exec => match &exec {
                        Some(exec) => {
                            let (elapsed, result) = timed(exec.ask(&prompt)).await;
                            (elapsed, result.text)
                        }
                        None => continue,
                    },
                    // The shared service is measured in its own section.
                    Client::Http => continue,
                };
                check(&mut wrong, &prompt, &text, &expected);
                if measured {
                    report.sample("codex_ask", client, elapsed);
                }
                pause().await;
            }
        }
        plain.stop().await;
    }

    // --- codex_continue_thread: one turn on a warm thread ------------------------------------
    if config.runs("continue") {
        progress("codex_continue_thread");
        let direct_thread = direct.ask(&workspace, "continue base").await.0;
        let bridge_thread = bridge.ask(&workspace, "continue base").await.thread_id;
        bridge_threads += 1;
        let exec_thread = match &exec {
            Some(exec) => Some(exec.ask("continue base").await.thread_id),
            None => None,
        };
        for i in 0..config.warmup + config.iterations {
            let measured = i >= config.warmup;
            for client in rotation(i) {
                let prompt = format!("continue {} {i}", client.name());
                let expected = format!("answer: {prompt}");
                let (elapsed, text) = match client {
                    Client::Direct => timed(direct.turn(&direct_thread, &workspace, &prompt)).await,
                    Client::Bridge => {
                        let (elapsed, result) =
                            timed(bridge.continue_thread(&bridge_thread, &workspace, &prompt))
                                .await;
                        (elapsed, result.text)
                    }
                    Client::Exec => match (&exec, &exec_thread) {
                        (Some(exec), Some(thread)) => {
                            let (elapsed, result) = timed(exec.resume(thread, &prompt)).await;
                            (elapsed, result.text)
                        }
                        _ => continue,
                    },
                    // The shared service is measured in its own section.
                    Client::Http => continue,
                };
                check(&mut wrong, &prompt, &text, &expected);
                if measured {
                    report.sample("codex_continue_thread", client, elapsed);
                }
                pause().await;
            }
        }
    }

    // --- the MCP hop alone: a call the bridge refuses before asking Codex ------------------
    // Not a target; it says how much of the bridge's extra time per call is the stdio hop.
    if config.runs("hop") {
        for _ in 0..config.warmup + config.iterations {
            let (elapsed, refused) = timed(bridge.refused_call()).await;
            if !refused {
                wrong.push("codex_wait with a malformed thread id was not refused".into());
            }
            report.sample(MCP_HOP, Client::Bridge, elapsed);
        }
    }

    // --- many codex_ask at once on the one session -------------------------------------------
    let concurrent_name = format!("{} concurrent codex_ask (wall)", config.concurrency);
    if config.runs("concurrent") {
        progress(&format!("{} concurrent codex_ask", config.concurrency));
        for round in 0..config.concurrent_rounds {
            for client in rotation(round).into_iter().filter(|c| *c != Client::Exec) {
                let prompts: Vec<String> = (0..config.concurrency)
                    .map(|n| format!("concurrent {} {round} {n}", client.name()))
                    .collect();
                let started = Instant::now();
                let texts: Vec<String> = match client {
                    Client::Direct => {
                        let calls = prompts.iter().map(|p| direct.ask(&workspace, p));
                        futures_util::future::join_all(calls)
                            .await
                            .into_iter()
                            .map(|(_, text)| text)
                            .collect()
                    }
                    Client::Bridge => {
                        bridge_threads += prompts.len();
                        let calls = prompts.iter().map(|p| bridge.ask(&workspace, p));
                        futures_util::future::join_all(calls)
                            .await
                            .into_iter()
                            .map(|result| result.text)
                            .collect()
                    }
                    Client::Exec | Client::Http => unreachable!("not in this rotation"),
                };
                let elapsed = started.elapsed();
                for (prompt, text) in prompts.iter().zip(&texts) {
                    check(&mut wrong, prompt, text, &format!("answer: {prompt}"));
                }
                report.sample(&concurrent_name, client, elapsed);
            }
        }
    }

    // --- an 8-way fan-out, and a 3-participant 2-round brainstorm --------------------------
    let fanout_name = format!("{FANOUT}-way codex_fanout (wall)");
    if config.runs("multi") {
        progress(&format!(
            "{FANOUT}-way codex_fanout and a 3x2 codex_brainstorm"
        ));
        for round in 0..config.concurrent_rounds {
            for client in rotation(round).into_iter().filter(|c| *c != Client::Exec) {
                let prompt = format!("fanout {} {round}", client.name());
                let started = Instant::now();
                let texts: Vec<String> = match client {
                    Client::Direct => {
                        let calls = (0..FANOUT).map(|_| direct.ask(&workspace, &prompt));
                        futures_util::future::join_all(calls)
                            .await
                            .into_iter()
                            .map(|(_, text)| text)
                            .collect()
                    }
                    Client::Bridge => {
                        bridge_threads += FANOUT;
                        bridge.fanout(&workspace, &prompt, FANOUT).await
                    }
                    Client::Exec | Client::Http => unreachable!("filtered out"),
                };
                let elapsed = started.elapsed();
                if texts.len() != FANOUT {
                    wrong.push(format!("{prompt}: {} answers, not {FANOUT}", texts.len()));
                }
                for text in &texts {
                    check(&mut wrong, &prompt, text, &format!("answer: {prompt}"));
                }
                report.sample(&fanout_name, client, elapsed);
            }
            for client in rotation(round).into_iter().filter(|c| *c != Client::Exec) {
                let topic = format!("STEADY brainstorm {} {round}", client.name());
                let started = Instant::now();
                match client {
                    Client::Direct => {
                        if let Err(error) = direct.debate(&workspace, &topic).await {
                            wrong.push(error);
                        }
                    }
                    Client::Bridge => {
                        bridge_threads += 4;
                        let result = bridge.brainstorm(&workspace, &topic).await;
                        if result["status"] != "completed" || result["rounds_run"] != 2 {
                            wrong.push(format!("{topic}: {result}"));
                        }
                    }
                    Client::Exec | Client::Http => unreachable!("filtered out"),
                }
                report.sample(BRAINSTORM, client, started.elapsed());
            }
        }
    }

    // --- one long streamed turn ---------------------------------------------------------------
    let stream_name = format!("{}-delta turn (wall)", config.deltas);
    // A tenth of the deltas, on the same bridge: memory that grows with deltas shows up as a
    // difference between the two peaks.
    let small_deltas = (config.deltas / 10).max(1);
    let mut bridge_cpu = Vec::new();
    let mut growth_small: Vec<i64> = Vec::new();
    let mut growth_large: Vec<i64> = Vec::new();
    if config.runs("stream") {
        progress(&format!("{}-delta turns", config.deltas));
        for round in 0..config.delta_rounds {
            let small = bridge
                .measured_ask(&workspace, &format!("DELTAS:{small_deltas} s{round}"))
                .await;
            bridge_threads += 1;
            check_len(
                &mut wrong,
                "small stream (bridge)",
                &small.result.text,
                small_deltas,
            );
            growth_small.push(small.peak_growth);
            for client in rotation(round) {
                let prompt = format!("DELTAS:{} {} {round}", config.deltas, client.name());
                let (elapsed, text) = match client {
                    Client::Direct => {
                        let (elapsed, (_, text)) = timed(direct.ask(&workspace, &prompt)).await;
                        (elapsed, text)
                    }
                    Client::Bridge => {
                        bridge_threads += 1;
                        let measured = bridge.measured_ask(&workspace, &prompt).await;
                        bridge_cpu.push(measured.cpu);
                        growth_large.push(measured.peak_growth);
                        (measured.elapsed, measured.result.text)
                    }
                    Client::Exec => match &exec {
                        Some(exec) => {
                            let (elapsed, result) = timed(exec.ask(&prompt)).await;
                            (elapsed, result.text)
                        }
                        None => continue,
                    },
                    // The shared service is measured in its own section.
                    Client::Http => continue,
                };
                check_len(&mut wrong, &prompt, &text, config.deltas);
                report.sample(&stream_name, client, elapsed);
            }
        }
    }

    // --- memory after many threads --------------------------------------------------------
    let mut used_rss_main = 0;
    let mut used_anon_main = 0;
    if config.runs("memory") {
        progress(&format!(
            "using {} threads on the bridge",
            config.rss_threads
        ));
        while bridge_threads < config.rss_threads {
            let batch = (config.rss_threads - bridge_threads).min(10);
            let prompts: Vec<String> = (0..batch)
                .map(|n| format!("fill {bridge_threads} {n}"))
                .collect();
            let calls = prompts.iter().map(|p| bridge.ask(&workspace, p));
            let results = futures_util::future::join_all(calls).await;
            for (prompt, result) in prompts.iter().zip(&results) {
                check(
                    &mut wrong,
                    prompt,
                    &result.text,
                    &format!("answer: {prompt}"),
                );
            }
            bridge_threads += batch;
        }
        // Let finished calls' buffers go back before reading the resident size.
        tokio::time::sleep(Duration::from_millis(500)).await;
        used_rss_main = rss_bytes(bridge.pid, "VmRSS");
        used_anon_main = rss_bytes(bridge.pid, "RssAnon");
    }
    bridge.stop().await;

    // --- several agents: one HTTP bridge vs one stdio bridge, the same work -------------------
    let agents_name = agents_operation(config);
    if config.runs("agents") {
        progress(&format!(
            "{} agents x {} calls over HTTP vs {} callers on stdio",
            config.agents, config.agent_calls, config.agents
        ));
        let shared = HttpBridge::spawn(&env, config.agents).await;
        let single = BridgeProcess::spawn(&env).await;
        let warm = ask_on(&shared.clients[0], &workspace, "warm up http").await?;
        check(
            &mut wrong,
            "http warm-up",
            &warm.text,
            "answer: warm up http",
        );
        let warm = single.ask(&workspace, "warm up stdio").await;
        check(
            &mut wrong,
            "stdio warm-up",
            &warm.text,
            "answer: warm up stdio",
        );
        for round in 0..config.agent_rounds {
            // Alternate which goes first, so drift in the machine's load hits both alike.
            let order = if round % 2 == 0 {
                [Client::Http, Client::Bridge]
            } else {
                [Client::Bridge, Client::Http]
            };
            for client in order {
                let callers: Vec<&RunningService<RoleClient, BenchClient>> = match client {
                    Client::Http => shared.clients.iter().collect(),
                    _ => std::iter::repeat_n(&single.client, config.agents).collect(),
                };
                let work = callers.into_iter().enumerate().map(|(agent, caller)| {
                    let workspace = &workspace;
                    async move {
                        let mut timings = Vec::new();
                        for call in 0..config.agent_calls {
                            let prompt = format!(
                                "agent {agent} call {call} round {round} {}",
                                client.name()
                            );
                            let (elapsed, result) = timed(ask_on(caller, workspace, &prompt)).await;
                            timings.push((prompt, elapsed, result));
                        }
                        timings
                    }
                });
                for timings in futures_util::future::join_all(work).await {
                    for (prompt, elapsed, result) in timings {
                        match result {
                            Ok(result) => check(
                                &mut wrong,
                                &prompt,
                                &result.text,
                                &format!("answer: {prompt}"),
                            ),
                            Err(error) => wrong.push(format!("{prompt}: {error}")),
                        }
                        report.sample(&agents_name, client, elapsed);
                    }
                }
            }
        }
        shared.stop().await;
        single.stop().await;
    }

    // --- start-up: fresh bridges, timed to an answered tools/list ---------------------------
    let mut idle_rss = Vec::new();
    if config.runs("startup") {
        progress("bridge start-up");
        // One unmeasured start first: the binary's pages are then in the page cache, as they are
        // for an MCP client that launches it on every session.
        for sample in 0..=config.start_samples {
            let started = Instant::now();
            let fresh = BridgeProcess::spawn(&env).await;
            let tools = fresh
                .client
                .list_tools(None)
                .await
                .map_err(|e| format!("tools/list on a fresh bridge: {e}"))?;
            let elapsed = started.elapsed();
            if !tools.tools.iter().any(|tool| tool.name == "codex_ask") {
                wrong.push("tools/list did not offer codex_ask".into());
            }
            if sample > 0 {
                report.sample("start to tools/list answered", Client::Bridge, elapsed);
                // Idle: initialized, app-server connected in the background, no call yet.
                tokio::time::sleep(Duration::from_millis(1_500)).await;
                idle_rss.push(rss_bytes(fresh.pid, "VmRSS"));
            }
            fresh.stop().await;
        }
    }

    // --- the first call: spawn to the first answered codex_ask, fresh every time -----------
    if config.runs("first") {
        progress("first calls");
        // One unmeasured round first (page cache), then each way in turn, alternating which
        // goes first.
        for sample in 0..=config.first_calls {
            let order = if sample % 2 == 0 {
                [Client::Direct, Client::Bridge]
            } else {
                [Client::Bridge, Client::Direct]
            };
            for client in order {
                let prompt = format!("first {} {sample}", client.name());
                let started = Instant::now();
                let text = match client {
                    Client::Direct => {
                        let (fresh, _) = Direct::start(&env).await;
                        let (_, text) = fresh.ask(&workspace, &prompt).await;
                        let elapsed = started.elapsed();
                        drop(fresh);
                        (elapsed, text)
                    }
                    _ => {
                        let fresh = BridgeProcess::spawn(&env).await;
                        let result = fresh.ask(&workspace, &prompt).await;
                        let elapsed = started.elapsed();
                        fresh.stop().await;
                        (elapsed, result.text)
                    }
                };
                check(&mut wrong, &prompt, &text.1, &format!("answer: {prompt}"));
                if sample > 0 {
                    report.sample(FIRST_CALL, client, text.0);
                }
            }
        }
    }
    drop(direct);

    // --- report -------------------------------------------------------------------------
    let memory = Memory {
        idle_rss: median_u64(&mut idle_rss),
        idle_rss_main,
        used_rss_main,
        idle_anon_main,
        used_anon_main,
        threads_used: bridge_threads,
        bridge_cpu_ms: median_u64(
            &mut bridge_cpu
                .iter()
                .map(|d: &Duration| d.as_millis() as u64)
                .collect::<Vec<_>>(),
        ),
        growth_small: growth_small.iter().copied().max().unwrap_or(0),
        growth_large: growth_large.iter().copied().max().unwrap_or(0),
        small_deltas,
    };
    let load_after = load_average();
    let header = format!(
        "codex-bridge benchmark ({mode}): {iterations} calls per client, {deltas} deltas, {cpus} CPUs, {codex}\nload average: {load_before} at start, {load_after} at end\n",
        mode = if config.smoke { "SMOKE run, numbers not meaningful" } else { "full run" },
        iterations = config.iterations,
        deltas = config.deltas,
        cpus = std::thread::available_parallelism().map_or(0, |n| n.get()),
        codex = codex_version().await,
    );
    let text = render(
        config,
        &header,
        &report,
        &memory,
        &concurrent_name,
        &stream_name,
        &fanout_name,
    );
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the report: {e}"))?;
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} wrong answer(s), first: {}",
            wrong.len(),
            wrong[0]
        ))
    }
}

/// The pause after each call of the sequential cases, so that work a call leaves behind (the
/// bridge starting its next spare thread once a turn ended) is not charged to the next
/// client's call, as it would not be for a caller that reads an answer before asking again.
const GAP: Duration = Duration::from_millis(60);

async fn pause() {
    tokio::time::sleep(GAP).await;
}

fn progress(what: &str) {
    eprintln!("bench: {what}...");
}

fn check(wrong: &mut Vec<String>, what: &str, got: &str, expected: &str) {
    if got != expected {
        wrong.push(format!(
            "{what}: expected {expected:?}, got {:?}",
            shorten(got)
        ));
    }
}

fn check_len(wrong: &mut Vec<String>, what: &str, got: &str, deltas: usize) {
    if got.len() != deltas || got.bytes().any(|b| b != b'x') {
        wrong.push(format!(
            "{what}: expected {deltas} streamed characters, got {} ({:?})",
            got.len(),
            shorten(got)
        ));
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(120).collect()
}

async fn timed<T>(work: impl std::future::Future<Output = T>) -> (Duration, T) {
    let started = Instant::now();
    let value = work.await;
    (started.elapsed(), value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Client {
    Direct,
    Bridge,
    Exec,
    /// The bridge as a shared HTTP service (`serve --http`), one client per agent.
    Http,
}

impl Client {
    fn name(self) -> &'static str {
        match self {
            Client::Direct => "direct",
            Client::Bridge => "bridge",
            Client::Exec => "exec",
            Client::Http => "http",
        }
    }
}

/// The name of the several-agents operation in the report.
fn agents_operation(config: &Config) -> String {
    format!(
        "{} agents x {} codex_ask (per call)",
        config.agents, config.agent_calls
    )
}

/// The order of the clients in iteration `i`: all six orders in turn, so each client runs
/// first, last, and right after each other one (the expensive `codex exec` above all) equally
/// often. A plain rotation would put `direct` after `exec` twice as often as `bridge`.
fn rotation(i: usize) -> [Client; 3] {
    use Client::{Bridge, Direct, Exec};
    const ORDERS: [[Client; 3]; 6] = [
        [Direct, Bridge, Exec],
        [Bridge, Exec, Direct],
        [Exec, Direct, Bridge],
        [Direct, Exec, Bridge],
        [Exec, Bridge, Direct],
        [Bridge, Direct, Exec],
    ];
    ORDERS[i % ORDERS.len()]
}

// ---------------------------------------------------------------------------------------------
// 1. The floor: a minimal WebSocket client of its own app-server

/// An app-server this benchmark owns (for the direct client). Dropping it kills its group.
struct AppServer {
    child: Child,
    url: String,
    token: String,
    // The token file lives here until the server is gone.
    _dir: tempfile::TempDir,
}

impl AppServer {
    async fn spawn(env: &CodexEnv) -> AppServer {
        let dir = tempfile::tempdir().expect("token dir");
        let token_file = dir.path().join("ws-token");
        let token = format!("bench-{}", std::process::id());
        std::fs::write(&token_file, &token).expect("write token file");
        let mut child = Command::new(codex_bin())
            .args(["app-server", "--listen", "ws://127.0.0.1:0", "--ws-auth"])
            .args(["capability-token", "--ws-token-file"])
            .arg(&token_file)
            .envs(env.envs())
            .current_dir(env.workspace.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn codex app-server");
        let stderr = child.stderr.take().expect("app-server stderr");
        let (url_tx, url_rx) = oneshot::channel();
        // Keeps draining stderr after the URL: a full pipe would stall the server.
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            let mut url_tx = Some(url_tx);
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = listening_url(&line) {
                    if let Some(tx) = url_tx.take() {
                        let _ = tx.send(url);
                    }
                }
            }
        });
        let url = tokio::time::timeout(Duration::from_secs(30), url_rx)
            .await
            .expect("app-server printed its URL within 30 s")
            .expect("app-server stderr ended before it listened");
        AppServer {
            child,
            url,
            token,
            _dir: dir,
        }
    }
}

impl Drop for AppServer {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: a plain syscall on the process group this benchmark created.
            unsafe {
                libc::killpg(pid as i32, libc::SIGKILL);
            }
        }
    }
}

/// `... listening on: ws://127.0.0.1:NNNNN` (after ANSI colour codes) -> the URL.
fn listening_url(line: &str) -> Option<String> {
    let at = line.find("listening on: ")? + "listening on: ".len();
    let url: String = line[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '\u{1b}')
        .collect();
    url.starts_with("ws://").then_some(url)
}

type Waiters = Mutex<HashMap<u64, oneshot::Sender<Value>>>;
type Subscribers = Mutex<HashMap<String, mpsc::UnboundedSender<(String, Value)>>>;

/// The direct client: one connection; answers matched by id, notifications routed by thread.
struct Direct {
    outgoing: mpsc::UnboundedSender<String>,
    waiters: Arc<Waiters>,
    subscribers: Arc<Subscribers>,
    next_id: AtomicU64,
    _server: AppServer,
}

impl Direct {
    /// Start an app-server, connect, initialize; also returns spawn-to-initialized time.
    async fn start(env: &CodexEnv) -> (Direct, Duration) {
        let started = Instant::now();
        let server = AppServer::spawn(env).await;
        let mut request = server.url.as_str().into_client_request().expect("ws URL");
        request.headers_mut().insert(
            "Authorization",
            HeaderValue::from_str(&format!("Bearer {}", server.token)).expect("header"),
        );
        // The bridge's socket settings (no Nagle, a 16 KiB read buffer), so the floor pays no
        // cost the bridge does not.
        let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
        let (socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
            .await
            .expect("connect to the app-server");
        let (mut sink, mut stream) = socket.split();
        let (outgoing, mut outgoing_rx) = mpsc::unbounded_channel::<String>();
        tokio::spawn(async move {
            while let Some(frame) = outgoing_rx.recv().await {
                if sink.send(Message::text(frame)).await.is_err() {
                    break;
                }
            }
        });
        let waiters: Arc<Waiters> = Arc::default();
        let subscribers: Arc<Subscribers> = Arc::default();
        let (reader_waiters, reader_subscribers) = (waiters.clone(), subscribers.clone());
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let Message::Text(text) = message else {
                    continue;
                };
                let Ok(mut frame) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                if let Some(method) = frame["method"].as_str().map(str::to_string) {
                    // Notifications only: nothing here makes the server ask us anything.
                    let params = frame["params"].take();
                    let thread = params["threadId"].as_str().map(str::to_string);
                    let subscriber =
                        thread.and_then(|thread| lock(&reader_subscribers).get(&thread).cloned());
                    if let Some(subscriber) = subscriber {
                        let _ = subscriber.send((method, params));
                    }
                } else if let Some(id) = frame["id"].as_u64() {
                    if let Some(waiter) = lock(&reader_waiters).remove(&id) {
                        let _ = waiter.send(frame);
                    }
                }
            }
        });
        let direct = Direct {
            outgoing,
            waiters,
            subscribers,
            next_id: AtomicU64::new(1),
            _server: server,
        };
        direct
            .request(
                "initialize",
                json!({"clientInfo": {"name": "codex-bridge-bench", "version": "0"}}),
            )
            .await;
        direct
            .outgoing
            .send(json!({"method": "initialized", "params": {}}).to_string())
            .expect("writer alive");
        (direct, started.elapsed())
    }

    async fn request(&self, method: &str, params: Value) -> Value {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.waiters).insert(id, tx);
        self.outgoing
            .send(json!({"id": id, "method": method, "params": params}).to_string())
            .expect("writer alive");
        let mut answer = rx.await.expect("the app-server answers");
        if !answer["error"].is_null() {
            panic!("{method} failed: {}", answer["error"]);
        }
        answer["result"].take()
    }

    /// New thread + one turn, the same parameters the bridge sends. Returns (thread, answer).
    async fn ask(&self, cwd: &str, prompt: &str) -> (String, String) {
        let started = self
            .request(
                "thread/start",
                json!({"cwd": cwd, "approvalPolicy": "on-request", "sandbox": "read-only"}),
            )
            .await;
        let thread = started["thread"]["id"]
            .as_str()
            .expect("thread/start returns thread.id")
            .to_string();
        let text = self.turn(&thread, cwd, prompt).await;
        (thread, text)
    }

    /// One turn on a loaded thread; returns the answer once `turn/completed` arrives.
    async fn turn(&self, thread: &str, cwd: &str, prompt: &str) -> String {
        self.turn_with_schema(thread, cwd, prompt, None).await
    }

    /// New thread + one turn whose answer follows `schema`.
    async fn ask_with_schema(&self, cwd: &str, prompt: &str, schema: &Value) -> (String, String) {
        let started = self
            .request(
                "thread/start",
                json!({"cwd": cwd, "approvalPolicy": "on-request", "sandbox": "read-only"}),
            )
            .await;
        let thread = started["thread"]["id"]
            .as_str()
            .expect("thread/start returns thread.id")
            .to_string();
        let text = self
            .turn_with_schema(&thread, cwd, prompt, Some(schema))
            .await;
        (thread, text)
    }

    /// The same debate as `codex_brainstorm` (three participants, two rounds, a synthesis),
    /// with the bridge's own prompts and schemas, driven directly: the floor for it.
    async fn debate(&self, cwd: &str, topic: &str) -> Result<(), String> {
        use codex_bridge::bridge::debate::prompts::{self, Persona, Shown};
        let roles = ["proponent", "skeptic", "pragmatist"];
        let labels = ["A", "B", "C"];
        let first = roles.iter().zip(labels).map(|(role, label)| {
            let persona = Persona {
                label,
                role,
                stance: None,
                instructions: None,
            };
            let prompt = prompts::first_round(&persona, topic, None);
            let schema = prompts::answer_schema(true);
            async move { self.ask_with_schema(cwd, &prompt, &schema).await }
        });
        let first: Vec<(String, String)> = futures_util::future::join_all(first).await;
        let answers: Vec<prompts::Answer> = first
            .iter()
            .map(|(_, text)| prompts::read_answer(text))
            .collect();
        let second = first.iter().enumerate().map(|(index, (thread, _))| {
            let others: Vec<Shown> = answers
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != index)
                .map(|(other, answer)| Shown {
                    label: labels[other],
                    answer,
                })
                .collect();
            let prompt = prompts::later_round(2, topic, &others);
            let schema = prompts::answer_schema(false);
            async move {
                self.turn_with_schema(thread, cwd, &prompt, Some(&schema))
                    .await
            }
        });
        let second: Vec<String> = futures_util::future::join_all(second).await;
        let finals: Vec<prompts::Answer> = second
            .iter()
            .map(|text| prompts::read_answer(text))
            .collect();
        if finals.iter().any(|answer| answer.changed != Some(false)) {
            return Err(format!(
                "a direct round-2 answer did not say changed: false: {second:?}"
            ));
        }
        let positions: Vec<(String, &prompts::Answer)> = roles
            .iter()
            .zip(&finals)
            .map(|(role, answer)| (role.to_string(), answer))
            .collect();
        let prompt = prompts::synthesis(topic, &positions, None);
        let (_, synthesis) = self
            .ask_with_schema(cwd, &prompt, &prompts::synthesis_schema())
            .await;
        if prompts::read_synthesis(&synthesis)
            .recommendation
            .is_empty()
        {
            return Err(format!(
                "the direct synthesis has no recommendation: {synthesis}"
            ));
        }
        Ok(())
    }

    /// One turn on a loaded thread, its answer following `schema` when one is given.
    async fn turn_with_schema(
        &self,
        thread: &str,
        cwd: &str,
        prompt: &str,
        schema: Option<&Value>,
    ) -> String {
        let (tx, mut rx) = mpsc::unbounded_channel();
        // Before turn/start: its first notifications can beat its response.
        lock(&self.subscribers).insert(thread.to_string(), tx);
        let started = self
            .request("turn/start", {
                let mut params = json!({
                    "threadId": thread,
                    "input": [{"type": "text", "text": prompt}],
                    "cwd": cwd,
                    "approvalPolicy": "on-request",
                    "sandboxPolicy": {"type": "readOnly"},
                });
                if let Some(schema) = schema {
                    params["outputSchema"] = schema.clone();
                }
                params
            })
            .await;
        let turn = started["turn"]["id"].as_str().expect("turn id").to_string();
        let mut text = String::new();
        while let Some((method, params)) = rx.recv().await {
            let turn_of_event = params["turnId"]
                .as_str()
                .or_else(|| params["turn"]["id"].as_str());
            if turn_of_event.is_some_and(|id| id != turn) {
                continue;
            }
            match method.as_str() {
                "item/agentMessage/delta" => {
                    text.push_str(params["delta"].as_str().unwrap_or_default());
                }
                "item/completed" if params["item"]["type"] == "agentMessage" => {
                    text = params["item"]["text"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string();
                }
                "turn/completed" => {
                    let status = &params["turn"]["status"];
                    assert_eq!(status, "completed", "direct turn ended {params}");
                    break;
                }
                _ => {}
            }
        }
        lock(&self.subscribers).remove(thread);
        text
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

// ---------------------------------------------------------------------------------------------
// 2. codex-bridge over MCP stdio

/// The MCP client side: declares the protocol version Claude Code uses, nothing else. rmcp
/// sends a progress token with every request, as Claude Code and Codex do, so the bridge's
/// progress path is part of what is measured.
#[derive(Clone)]
struct BenchClient;

impl ClientHandler for BenchClient {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("codex-bridge-bench", "0"),
        )
        .with_protocol_version(ProtocolVersion::V_2025_11_25)
    }
}

struct TurnOutcome {
    thread_id: String,
    text: String,
}

/// A bridge turn with the bridge process's CPU and peak memory around it.
struct MeasuredTurn {
    result: TurnOutcome,
    elapsed: Duration,
    cpu: Duration,
    /// Peak resident size during the turn minus the resident size before it, in bytes.
    peak_growth: i64,
}

struct BridgeProcess {
    client: RunningService<RoleClient, BenchClient>,
    child: Child,
    pid: u32,
    _stderr_dir: tempfile::TempDir,
}

impl BridgeProcess {
    /// The `codex-bridge` cargo built for this target, or `BENCH_BRIDGE_BIN` (to compare two
    /// builds of the bridge with the same benchmark).
    fn binary() -> PathBuf {
        std::env::var_os("BENCH_BRIDGE_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_codex-bridge")))
    }

    /// Spawn `codex-bridge serve` and finish the MCP handshake (the app-server may still be
    /// starting: the bridge answers before it is up).
    async fn spawn(env: &CodexEnv) -> BridgeProcess {
        BridgeProcess::spawn_with(env, &[]).await
    }

    /// The same, with more `serve` arguments.
    async fn spawn_with(env: &CodexEnv, extra: &[&str]) -> BridgeProcess {
        let stderr_dir = tempfile::tempdir().expect("stderr dir");
        let stderr =
            std::fs::File::create(stderr_dir.path().join("bridge.stderr")).expect("stderr file");
        let mut child = Command::new(Self::binary())
            .arg("serve")
            .arg("--allowed-root")
            .arg(env.workspace.path())
            .arg("--max-participants")
            .arg(FANOUT.to_string())
            .args(extra)
            .envs(env.envs())
            .env("CODEX_BIN", codex_bin())
            .current_dir(env.workspace.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn codex-bridge serve");
        let pid = child.id().expect("bridge pid");
        let stdout = child.stdout.take().expect("bridge stdout");
        let stdin = child.stdin.take().expect("bridge stdin");
        let client = BenchClient
            .serve((stdout, stdin))
            .await
            .expect("MCP initialize with codex-bridge");
        BridgeProcess {
            client,
            child,
            pid,
            _stderr_dir: stderr_dir,
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self._stderr_dir.path().join("bridge.stderr")).unwrap_or_default()
    }

    async fn call(&self, tool: &str, arguments: Value) -> TurnOutcome {
        let Value::Object(arguments) = arguments else {
            unreachable!("tool arguments are objects");
        };
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        let result =
            self.client.call_tool(params).await.unwrap_or_else(|e| {
                panic!("{tool} failed: {e}\nbridge stderr:\n{}", self.stderr())
            });
        let structured = result.structured_content.unwrap_or(Value::Null);
        assert_eq!(
            structured["status"], "completed",
            "{tool} did not complete: {structured}"
        );
        TurnOutcome {
            thread_id: structured["thread_id"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            text: structured["text"].as_str().unwrap_or_default().to_string(),
        }
    }

    /// `codex_wait` on a malformed thread id: answered (as a tool error) without Codex, so
    /// its time is the MCP round trip through the bridge. True if it was refused.
    async fn refused_call(&self) -> bool {
        let params = CallToolRequestParams::new("codex_wait").with_arguments(
            json!({"thread_id": "not a thread"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        let result = self.client.call_tool(params).await.unwrap_or_else(|e| {
            panic!("codex_wait failed: {e}\nbridge stderr:\n{}", self.stderr())
        });
        result.is_error == Some(true)
    }

    async fn ask(&self, cwd: &str, prompt: &str) -> TurnOutcome {
        self.call("codex_ask", json!({"prompt": prompt, "cwd": cwd}))
            .await
    }

    /// `codex_fanout` with `count` identical variants; every variant's answer.
    async fn fanout(&self, cwd: &str, prompt: &str, count: usize) -> Vec<String> {
        let result = self
            .structured(
                "codex_fanout",
                json!({"prompt": prompt, "count": count, "cwd": cwd, "wait_seconds": 300}),
            )
            .await;
        result["variants"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| v["turn"]["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// `codex_brainstorm` with the default three participants and two rounds; its result.
    async fn brainstorm(&self, cwd: &str, topic: &str) -> Value {
        self.structured(
            "codex_brainstorm",
            json!({"topic": topic, "cwd": cwd, "rounds": 2, "wait_seconds": 300}),
        )
        .await
    }

    async fn structured(&self, tool: &str, arguments: Value) -> Value {
        let Value::Object(arguments) = arguments else {
            unreachable!("tool arguments are objects");
        };
        let params = CallToolRequestParams::new(tool.to_string()).with_arguments(arguments);
        let result =
            self.client.call_tool(params).await.unwrap_or_else(|e| {
                panic!("{tool} failed: {e}\nbridge stderr:\n{}", self.stderr())
            });
        result.structured_content.unwrap_or(Value::Null)
    }

    async fn continue_thread(&self, thread: &str, cwd: &str, prompt: &str) -> TurnOutcome {
        self.call(
            "codex_continue_thread",
            json!({"thread_id": thread, "prompt": prompt, "cwd": cwd}),
        )
        .await
    }

    async fn measured_ask(&self, cwd: &str, prompt: &str) -> MeasuredTurn {
        let before_rss = rss_bytes(self.pid, "VmRSS") as i64;
        // Resets VmHWM to the current resident size (Linux >= 4.0), so the peak read after
        // the turn is the peak during it.
        let reset = std::fs::write(format!("/proc/{}/clear_refs", self.pid), "5").is_ok();
        let cpu_before = cpu_time(self.pid);
        let started = Instant::now();
        let result = if reset {
            self.ask(cwd, prompt).await
        } else {
            // No clear_refs: sample the resident size while the turn runs instead.
            let peak = Arc::new(AtomicU64::new(0));
            let (pid, sampler_peak) = (self.pid, peak.clone());
            let sampler = tokio::spawn(async move {
                loop {
                    sampler_peak.fetch_max(rss_bytes(pid, "VmRSS"), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            });
            let result = self.ask(cwd, prompt).await;
            sampler.abort();
            let peak = peak.load(Ordering::Relaxed);
            return MeasuredTurn {
                elapsed: started.elapsed(),
                cpu: cpu_time(self.pid).saturating_sub(cpu_before),
                peak_growth: peak as i64 - before_rss,
                result,
            };
        };
        let elapsed = started.elapsed();
        MeasuredTurn {
            elapsed,
            cpu: cpu_time(self.pid).saturating_sub(cpu_before),
            peak_growth: rss_bytes(self.pid, "VmHWM") as i64 - before_rss,
            result,
        }
    }

    /// Close stdin (the MCP session) and wait for the bridge to end its app-server and exit.
    async fn stop(mut self) {
        let _ = self.client.cancel().await;
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            eprintln!("bench: the bridge did not exit within 15 s of stdin closing; killing it");
            let _ = self.child.kill().await;
        }
    }
}

/// `codex_ask` through `client` (any transport); an error when the call failed or the turn
/// did not complete.
async fn ask_on(
    client: &RunningService<RoleClient, BenchClient>,
    cwd: &str,
    prompt: &str,
) -> Result<TurnOutcome, String> {
    let params = CallToolRequestParams::new("codex_ask").with_arguments(
        json!({"prompt": prompt, "cwd": cwd})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    let result = client
        .call_tool(params)
        .await
        .map_err(|e| format!("codex_ask failed: {e}"))?;
    let structured = result.structured_content.unwrap_or(Value::Null);
    if structured["status"] != "completed" {
        return Err(format!("codex_ask did not complete: {structured}"));
    }
    Ok(TurnOutcome {
        thread_id: structured["thread_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        text: structured["text"].as_str().unwrap_or_default().to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// 2b. codex-bridge as a shared service over MCP streamable HTTP

/// `codex-bridge serve --http 127.0.0.1:0` with a per-agent token file, and one rmcp client
/// over HTTP per agent.
struct HttpBridge {
    clients: Vec<RunningService<RoleClient, BenchClient>>,
    child: Child,
    dir: tempfile::TempDir,
}

impl HttpBridge {
    async fn spawn(env: &CodexEnv, agents: usize) -> HttpBridge {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("bridge dir");
        let tokens: Vec<String> = (0..agents)
            .map(|n| format!("bench-token-{n:02}-{}", std::process::id()))
            .collect();
        let file = dir.path().join("tokens");
        let lines: String = tokens
            .iter()
            .enumerate()
            .map(|(n, token)| format!("agent{n:02} {token}\n"))
            .collect();
        std::fs::write(&file, lines).expect("write the token file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let log = dir.path().join("bridge.stderr");
        let stderr = std::fs::File::create(&log).expect("stderr file");
        let child = Command::new(BridgeProcess::binary())
            .args(["serve", "--http", "127.0.0.1:0", "--http-token-file"])
            .arg(&file)
            .arg("--allowed-root")
            .arg(env.workspace.path())
            .envs(env.envs())
            .env("CODEX_BIN", codex_bin())
            .current_dir(env.workspace.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn codex-bridge serve --http");
        let mut url = None;
        for _ in 0..400 {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            url = said
                // Whole lines only: one being written may not hold the whole address yet.
                .split_inclusive('\n')
                .filter(|line| line.ends_with('\n'))
                .find_map(|line| line.split("serving MCP over HTTP at ").nth(1))
                .map(|url| url.trim().to_string());
            if url.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let url = url.expect("the HTTP bridge printed where it listens");
        let mut clients = Vec::new();
        for token in tokens {
            let config =
                StreamableHttpClientTransportConfig::with_uri(url.clone()).auth_header(token);
            let client = BenchClient
                .serve(StreamableHttpClientTransport::from_config(config))
                .await
                .expect("MCP initialize over HTTP");
            clients.push(client);
        }
        HttpBridge {
            clients,
            child,
            dir,
        }
    }

    /// Close every session, then SIGTERM (the bridge ends its app-server and exits).
    async fn stop(mut self) {
        for client in self.clients.drain(..) {
            let _ = client.cancel().await;
        }
        if let Some(pid) = self.child.id() {
            // SAFETY: a plain signal to the bridge this benchmark started.
            unsafe {
                libc::kill(pid as i32, libc::SIGTERM);
            }
        }
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            eprintln!(
                "bench: the HTTP bridge did not exit within 15 s of SIGTERM; killing it ({})",
                self.dir.path().display()
            );
            let _ = self.child.kill().await;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. `codex exec` per call

struct Exec {
    envs: Vec<(String, String)>,
    workspace: PathBuf,
}

impl Exec {
    fn new(env: &CodexEnv) -> Exec {
        Exec {
            envs: env.envs(),
            workspace: env.workspace.path().to_path_buf(),
        }
    }

    async fn ask(&self, prompt: &str) -> TurnOutcome {
        self.run(&[
            "exec",
            "--skip-git-repo-check",
            "-s",
            "read-only",
            "--json",
            prompt,
        ])
        .await
    }

    /// `codex exec resume` has no `-s`; the sandbox comes from the same config key instead.
    async fn resume(&self, thread: &str, prompt: &str) -> TurnOutcome {
        self.run(&[
            "exec",
            "resume",
            "--skip-git-repo-check",
            "-c",
            "sandbox_mode=\"read-only\"",
            "--json",
            thread,
            prompt,
        ])
        .await
    }

    async fn run(&self, args: &[&str]) -> TurnOutcome {
        let output = Command::new(codex_bin())
            .args(args)
            .envs(self.envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(&self.workspace)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await
            .expect("run codex exec");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "codex {args:?} failed ({}): {stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        parse_exec_events(&stdout)
    }
}

/// The thread id and final answer from `codex exec --json` (one JSON event per line).
fn parse_exec_events(stdout: &str) -> TurnOutcome {
    let mut outcome = TurnOutcome {
        thread_id: String::new(),
        text: String::new(),
    };
    for event in stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
    {
        match event["type"].as_str() {
            Some("thread.started") => {
                outcome.thread_id = event["thread_id"].as_str().unwrap_or_default().to_string();
            }
            Some("item.completed") if event["item"]["type"] == "agent_message" => {
                outcome.text = event["item"]["text"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
            }
            _ => {}
        }
    }
    outcome
}

async fn codex_version() -> String {
    match Command::new(codex_bin()).arg("--version").output().await {
        Ok(output) => String::from_utf8_lossy(&output.stdout).trim().to_string(),
        Err(_) => "codex (version unknown)".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// /proc readings

/// A `/proc/PID/status` size line (`VmRSS`, `VmHWM`), in bytes; 0 if unreadable.
fn rss_bytes(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// User + system CPU time of a process, all threads, from `/proc/PID/stat`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |index: usize| {
        fields
            .get(index)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime is field 14, stime field 15: indexes 11 and 12 counting from field 3.
    let total = ticks(11) + ticks(12);
    // SAFETY: sysconf has no preconditions.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_micros(total * 1_000_000 / per_second)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

// ---------------------------------------------------------------------------------------------
// Statistics and the report

#[derive(Default)]
struct Report {
    samples: HashMap<(String, Client), Vec<Duration>>,
    singles: Vec<(String, Duration)>,
}

impl Report {
    fn sample(&mut self, operation: &str, client: Client, elapsed: Duration) {
        self.samples
            .entry((operation.to_string(), client))
            .or_default()
            .push(elapsed);
    }

    fn single(&mut self, operation: &str, elapsed: Duration) {
        self.singles.push((operation.to_string(), elapsed));
    }

    /// (p50, p90, n) in milliseconds.
    fn stats(&self, operation: &str, client: Client) -> Option<(f64, f64, usize)> {
        let samples = self.samples.get(&(operation.to_string(), client))?;
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        Some((percentile(&ms, 0.5), percentile(&ms, 0.9), ms.len()))
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median_u64(values: &mut [u64]) -> u64 {
    values.sort_unstable();
    values
        .get(values.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0)
}

struct Memory {
    idle_rss: u64,
    idle_rss_main: u64,
    used_rss_main: u64,
    /// The anonymous part (`RssAnon`: what the bridge allocated, not its binary's pages).
    idle_anon_main: u64,
    used_anon_main: u64,
    threads_used: usize,
    bridge_cpu_ms: u64,
    growth_small: i64,
    growth_large: i64,
    small_deltas: usize,
}

const MB: f64 = 1_000_000.0;
/// Variants of the fan-out case (and the bridge's --max-participants for it).
const FANOUT: usize = 8;
const BRAINSTORM: &str = "3x2 codex_brainstorm (wall)";
const ASK_NO_SPARE: &str = "codex_ask, --spare-threads 0";
const FIRST_CALL: &str = "spawn to first codex_ask answered";
const MCP_HOP: &str = "MCP round trip, no Codex work";
/// The thread count the memory target is about.
const RSS_THREADS_TARGET: usize = 1_000;
/// "Memory does not grow with deltas": the peak over the idle size may differ by at most
/// this between a turn of N deltas and one of N/10 (the answer itself is N bytes, held a few
/// times; buffering the stream would cost hundreds of bytes per delta).
const GROWTH_ALLOWANCE: i64 = 1_000_000;

fn render(
    config: &Config,
    header: &str,
    report: &Report,
    memory: &Memory,
    concurrent: &str,
    stream: &str,
    fanout: &str,
) -> String {
    let targets = targets(config, report, memory, concurrent, stream, fanout);
    let mut text = String::new();
    text.push_str(header);
    text.push_str(
        "\nlatency in ms; x direct = p50 / direct p50 (the floor); the target is on that ratio\n",
    );
    text.push_str(&format!(
        "{:<34} {:<7} {:>4} {:>9} {:>9} {:>9}  {}\n",
        "operation", "client", "n", "p50", "p90", "x direct", "target"
    ));
    let operations = [
        "codex_ask".to_string(),
        ASK_NO_SPARE.to_string(),
        "codex_continue_thread".to_string(),
        FIRST_CALL.to_string(),
        concurrent.to_string(),
        fanout.to_string(),
        BRAINSTORM.to_string(),
        stream.to_string(),
        "start to tools/list answered".to_string(),
        MCP_HOP.to_string(),
        agents_operation(config),
    ];
    for operation in &operations {
        // The bridge without spares is compared with the same floor as codex_ask.
        let floor_of = if operation == ASK_NO_SPARE {
            "codex_ask"
        } else {
            operation.as_str()
        };
        let floor = report
            .stats(floor_of, Client::Direct)
            .map(|(p50, _, _)| p50);
        for client in [Client::Direct, Client::Bridge, Client::Exec, Client::Http] {
            let Some((p50, p90, n)) = report.stats(operation, client) else {
                continue;
            };
            let ratio = match floor {
                Some(floor) if client != Client::Direct || floor_of != operation => {
                    format!("{:.2}", p50 / floor)
                }
                _ => "-".to_string(),
            };
            let target = targets
                .iter()
                .find(|t| t.row.as_deref() == Some(operation.as_str()) && t.client == Some(client))
                .map_or_else(
                    || {
                        if client == Client::Direct {
                            String::new()
                        } else {
                            "(reference, no target)".to_string()
                        }
                    },
                    |t| format!("{}{} {}", t.named, t.bound, t.verdict_word()),
                );
            text.push_str(&format!(
                "{:<34} {:<7} {:>4} {:>9.1} {:>9.1} {:>9}  {}\n",
                operation,
                client.name(),
                n,
                p50,
                p90,
                ratio,
                target
            ));
        }
    }
    for (operation, elapsed) in &report.singles {
        text.push_str(&format!(
            "{:<34} {:<7} {:>4} {:>9.1}                      (reference, no target)\n",
            operation,
            "direct",
            1,
            elapsed.as_secs_f64() * 1e3
        ));
    }
    if memory.bridge_cpu_ms > 0 {
        text.push_str(&format!(
            "\nbridge during a {}-delta turn: CPU {} ms (p50 of rounds), {:.1} us per delta; peak RSS growth {:.2} MB (vs {:.2} MB for {} deltas)\n",
            config.deltas,
            memory.bridge_cpu_ms,
            memory.bridge_cpu_ms as f64 * 1e3 / config.deltas as f64,
            memory.growth_large as f64 / MB,
            memory.growth_small as f64 / MB,
            memory.small_deltas,
        ));
    }
    text.push_str(&format!(
        "bridge RSS: idle after start {:.1} MB (fresh bridges, median; main bridge after warm-up {:.1} MB), after {} threads {:.1} MB\n",
        memory.idle_rss as f64 / MB,
        memory.idle_rss_main as f64 / MB,
        memory.threads_used,
        memory.used_rss_main as f64 / MB,
    ));
    text.push_str(&format!(
        "  of which anonymous (allocated, not the binary's pages): {:.1} MB after warm-up, {:.1} MB after {} threads\n",
        memory.idle_anon_main as f64 / MB,
        memory.used_anon_main as f64 / MB,
        memory.threads_used,
    ));
    text.push_str("\ntargets\n");
    for target in &targets {
        text.push_str(&format!(
            "{} {}: {} (is {})\n",
            target.verdict_padded(),
            target.what,
            target.bound,
            target.value
        ));
    }
    text
}

/// One target and how this run did against it.
struct Target {
    /// What is measured.
    what: String,
    /// The bound, in words (`<= 1.05`).
    bound: String,
    /// The measured value, in words.
    value: String,
    /// `None`: not measured in this run.
    met: Option<bool>,
    /// The table row it belongs to, if it is a latency ratio.
    row: Option<String>,
    client: Option<Client>,
    /// How the table names the ratio when it is not "x direct" (else empty).
    named: String,
}

impl Target {
    fn verdict_word(&self) -> &'static str {
        match self.met {
            Some(true) => "MET",
            Some(false) => "MISSED",
            None => "n/a",
        }
    }

    fn verdict_padded(&self) -> String {
        format!("{:<6}", self.verdict_word())
    }
}

fn targets(
    config: &Config,
    report: &Report,
    memory: &Memory,
    concurrent: &str,
    stream: &str,
    fanout: &str,
) -> Vec<Target> {
    let p50 = |operation: &str, client| report.stats(operation, client).map(|(p50, _, _)| p50);
    let ratio = |operation: &str, top: Client, bottom: Client| {
        Some(p50(operation, top)? / p50(operation, bottom)?)
    };
    let show = |value: Option<f64>| value.map_or("not measured".to_string(), |v| format!("{v:.2}"));
    let mut list = Vec::new();
    // A latency ratio: `top`'s p50 over `bottom`'s, at most (or at least) `bound`.
    let mut ratio_target =
        |what: String, row: &str, top: Client, bottom: Client, bound: f64, at_most: bool| {
            let r = ratio(row, top, bottom);
            // In the table, a ratio other than "x direct" is named.
            let named = match bottom {
                Client::Direct => String::new(),
                _ => format!("{}/{} {} ", top.name(), bottom.name(), show(r)),
            };
            list.push(Target {
                what,
                bound: format!("{} {bound}", if at_most { "<=" } else { ">=" }),
                value: show(r),
                met: r.map(|r| if at_most { r <= bound } else { r >= bound }),
                row: Some(row.to_string()),
                client: Some(top),
                named,
            });
        };
    ratio_target(
        "codex_ask (a spare thread ready): bridge/direct p50".into(),
        "codex_ask",
        Client::Bridge,
        Client::Direct,
        0.85,
        true,
    );
    ratio_target(
        "codex_continue_thread: bridge/direct p50".into(),
        "codex_continue_thread",
        Client::Bridge,
        Client::Direct,
        1.03,
        true,
    );
    ratio_target(
        "codex_ask: codex exec/bridge p50".into(),
        "codex_ask",
        Client::Exec,
        Client::Bridge,
        2.3,
        false,
    );
    ratio_target(
        "codex_continue_thread: codex exec/bridge p50".into(),
        "codex_continue_thread",
        Client::Exec,
        Client::Bridge,
        3.0,
        false,
    );
    ratio_target(
        format!("{FIRST_CALL}: bridge/direct p50"),
        FIRST_CALL,
        Client::Bridge,
        Client::Direct,
        1.05,
        true,
    );
    ratio_target(
        format!("{concurrent}: bridge/direct"),
        concurrent,
        Client::Bridge,
        Client::Direct,
        1.1,
        true,
    );
    for operation in [fanout, BRAINSTORM] {
        ratio_target(
            format!("{operation}: bridge/direct"),
            operation,
            Client::Bridge,
            Client::Direct,
            1.1,
            true,
        );
    }
    ratio_target(
        format!("{stream}: bridge/direct"),
        stream,
        Client::Bridge,
        Client::Direct,
        1.1,
        true,
    );
    let agents = agents_operation(config);
    ratio_target(
        format!("{agents}: HTTP bridge/stdio bridge p50"),
        &agents,
        Client::Http,
        Client::Bridge,
        1.05,
        true,
    );
    let measured = |yes: bool, value: String| if yes { value } else { "not measured".into() };
    let streamed = memory.bridge_cpu_ms > 0;
    let per_delta = memory.bridge_cpu_ms as f64 * 1e3 / config.deltas as f64;
    list.push(Target {
        what: format!("bridge CPU per streamed delta ({} deltas)", config.deltas),
        bound: "< 8 us".into(),
        value: measured(streamed, format!("{per_delta:.1} us")),
        met: streamed.then_some(per_delta < 8.0),
        row: None,
        client: None,
        named: String::new(),
    });
    let extra = memory.growth_large - memory.growth_small;
    list.push(Target {
        what: format!(
            "bridge memory does not grow with deltas: peak growth at {} deltas - at {}",
            config.deltas, memory.small_deltas
        ),
        bound: format!("<= {:.1} MB", GROWTH_ALLOWANCE as f64 / MB),
        value: measured(streamed, format!("{:.2} MB", extra as f64 / MB)),
        met: streamed.then_some(extra <= GROWTH_ALLOWANCE),
        row: None,
        client: None,
        named: String::new(),
    });
    let start = p50("start to tools/list answered", Client::Bridge);
    list.push(Target {
        what: "start to tools/list answered p50".into(),
        bound: "<= 20 ms".into(),
        value: start.map_or("not measured".into(), |ms| format!("{ms:.1} ms")),
        met: start.map(|ms| ms <= 20.0),
        row: Some("start to tools/list answered".into()),
        client: Some(Client::Bridge),
        named: String::new(),
    });
    let idle = memory.idle_rss > 0;
    list.push(Target {
        what: "idle RSS (fresh bridges, median)".into(),
        bound: "<= 10 MB".into(),
        value: measured(idle, format!("{:.1} MB", memory.idle_rss as f64 / MB)),
        met: idle.then_some(memory.idle_rss as f64 <= 10.0 * MB),
        row: None,
        client: None,
        named: String::new(),
    });
    let threads_ok = memory.used_rss_main > 0 && memory.threads_used >= RSS_THREADS_TARGET;
    list.push(Target {
        what: format!("RSS after {RSS_THREADS_TARGET} threads"),
        bound: "<= 20 MB".into(),
        value: if memory.used_rss_main > 0 {
            format!(
                "{:.1} MB after {} threads",
                memory.used_rss_main as f64 / MB,
                memory.threads_used
            )
        } else {
            "not measured".into()
        },
        met: threads_ok.then_some(memory.used_rss_main as f64 <= 20.0 * MB),
        row: None,
        client: None,
        named: String::new(),
    });
    list
}
