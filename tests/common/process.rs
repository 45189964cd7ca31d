//! Process-table checks for tests: the app-server a bridge started, and whether a process
//! is still alive (zombies count as gone).
#![allow(dead_code)]

use std::time::Duration;

use super::bridge::Bridge;

/// Child processes of `pid` (from /proc).
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // Field 4 (after the parenthesised name) is the parent pid.
        let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        let ppid = after_name
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            children.push(child);
        }
    }
    children
}

pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            !stat
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

pub async fn app_server_of(bridge: &Bridge) -> u32 {
    for _ in 0..100 {
        if let Some(pid) = children_of(bridge.pid()).first() {
            return *pid;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bridge started no app-server");
}

pub async fn gone(pid: u32) -> bool {
    for _ in 0..100 {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Live processes (not this one) whose command line or environment contains `needle`, with
/// their command lines. A unique temporary path (a test's `CODEX_HOME`) finds everything a
/// test started through other programs: a client, the bridge it spawned, the app-server.
pub fn processes_mentioning(needle: &str) -> Vec<(u32, String)> {
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me || !alive(pid) {
            continue;
        }
        let read = |file: &str| {
            std::fs::read(format!("/proc/{pid}/{file}"))
                .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
                .unwrap_or_default()
        };
        let cmdline = read("cmdline");
        if cmdline.contains(needle) || read("environ").contains(needle) {
            found.push((pid, cmdline.trim_end().to_string()));
        }
    }
    found
}

/// Waits up to `timeout` until no process mentions any of `needles`. On timeout the leftovers
/// are killed (so one failure does not leak into other tests) and returned.
pub async fn leftovers(needles: &[String], timeout: Duration) -> Vec<(u32, String)> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let found: Vec<(u32, String)> = needles
            .iter()
            .flat_map(|needle| processes_mentioning(needle))
            .collect();
        if found.is_empty() {
            return found;
        }
        if tokio::time::Instant::now() >= deadline {
            for (pid, _) in &found {
                // SAFETY: kill(2) on a process this test started (it mentions the test's
                // own temporary path).
                unsafe {
                    libc::kill(*pid as i32, libc::SIGKILL);
                }
            }
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
