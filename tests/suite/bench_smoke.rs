//! The benchmark (`benches/bench.rs`) in smoke mode, so it cannot rot: a few calls through the
//! direct client and the bridge, a short stream, two fresh bridges; it must print its table
//! and report every answer right.
//!
//! Why not `cargo bench -- --smoke` from here: that is a release build with LTO (minutes on
//! two cores), and a cargo inside `cargo test` waits on the build-directory lock. Instead the
//! bench's source is compiled into this test binary and its `run` is called directly, against
//! the same `codex-bridge` binary the other end-to-end tests use.

use std::time::Instant;

// The bench brings its own copies of the fake model and Codex environment (it is built
// alone by `cargo bench`), which this crate also has under `common`.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "../../benches/bench.rs"]
mod bench;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_run_prints_the_table_with_every_answer_right() {
    let started = Instant::now();
    let mut out = Vec::new();
    let outcome = bench::run(&bench::Config::smoke(), &mut out).await;
    let stdout = String::from_utf8_lossy(&out).into_owned();
    eprintln!("smoke benchmark took {:?}", started.elapsed());
    assert!(
        outcome.is_ok(),
        "smoke benchmark failed: {outcome:?}\n{stdout}"
    );
    for expected in [
        "SMOKE run",
        "operation",
        "codex_ask                          direct",
        "codex_ask                          bridge",
        "codex_continue_thread              bridge",
        "concurrent codex_ask (wall)",
        "-delta turn (wall)",
        "start to tools/list answered",
        "codex_ask (per call)  http",
        "HTTP bridge/stdio bridge p50",
        "bridge RSS: idle after start",
        "targets",
    ] {
        assert!(
            stdout.contains(expected),
            "benchmark output lacks {expected:?}:\n{stdout}"
        );
    }
    // Every target line has a verdict.
    let verdicts = stdout
        .lines()
        .filter(|line| {
            ["MET ", "MISSED ", "n/a "]
                .iter()
                .any(|v| line.starts_with(v))
        })
        .count();
    assert!(verdicts >= 10, "expected a verdict per target:\n{stdout}");
}
