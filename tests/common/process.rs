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
