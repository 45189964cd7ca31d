//! Property test of the frame decoder: mutations of the seed corpus in `tests/corpus/frames/`
//! (real frame shapes, kept small) must never panic anywhere a frame
//! from the app-server flows: decoding, routing keys, turn events, approval answers; and the
//! shortcut for streamed deltas reads whatever it accepts exactly as the general decoder.

use codex_bridge::codex::approver as approval;
use codex_bridge::codex::jsonrpc::Incoming;
use codex_bridge::codex::protocol::{ServerRequest, TurnEvent};

/// Deterministic xorshift, so a failure reproduces from its iteration number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[&str] = &[
    "null",
    "-1",
    "1e999",
    "\"\"",
    "[]",
    "{}",
    "\"\u{0}\"",
    "\"\u{10ffff}\"",
    "true",
    "18446744073709551616",
    "\"threadId\"",
    "{\"type\":\"agentMessage\"}",
];

fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if !bytes.is_empty() => {
                let index = at.min(bytes.len() - 1);
                bytes[index] = rng.next() as u8;
            }
            1 if !bytes.is_empty() => {
                let end = (at + rng.below(16)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            2 => {
                let token = INTERESTING[rng.below(INTERESTING.len())];
                bytes.splice(at..at, token.bytes());
            }
            3 => bytes.truncate(at),
            _ => {
                // Splice in a slice of itself: nesting and repeated keys.
                let from = rng.below(bytes.len() + 1);
                let to = (from + rng.below(40)).min(bytes.len());
                let copy = bytes[from..to].to_vec();
                bytes.splice(at..at, copy);
            }
        }
    }
    bytes
}

fn exercise(text: &str) {
    // The streamed-delta shortcut agrees with the general decoder on whatever it accepts.
    if let Some((thread_id, fast)) = TurnEvent::decode_delta_frame(text) {
        let Ok(Incoming::Notification { method, params }) = Incoming::decode(text) else {
            panic!("the delta shortcut accepted what is not a notification: {text}");
        };
        assert_eq!(
            Incoming::thread_id(&params),
            Some(thread_id.as_str()),
            "{text}"
        );
        let slow = TurnEvent::decode(&method, params);
        assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "{text}");
    }
    match Incoming::decode(text) {
        Ok(Incoming::Notification { method, params }) => {
            let _ = Incoming::thread_id(&params);
            let event = TurnEvent::decode(&method, params);
            let _ = event.turn_id();
        }
        Ok(Incoming::Request { id, method, params }) => {
            let request = ServerRequest::new(id, method, params);
            let _ = approval::safe_answer(&request);
            let _ = approval::describe(&request);
            let _ = request.turn_id();
        }
        Ok(Incoming::Response { .. }) | Ok(Incoming::ErrorResponse { .. }) | Err(_) => {}
    }
}

#[test]
fn mutated_frames_never_panic() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/frames");
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(&corpus)
        .expect("fuzz corpus")
        .flatten()
        .map(|entry| std::fs::read(entry.path()).expect("seed"))
        .collect();
    assert!(seeds.len() >= 5, "the seed corpus is in the repo");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..30_000 {
        let seed = &seeds[rng.below(seeds.len())];
        let mutated = mutate(seed, &mut rng);
        exercise(&String::from_utf8_lossy(&mutated));
    }
    // Deep nesting must not overflow the stack (serde_json limits recursion).
    exercise(&"[".repeat(100_000));
    exercise(&format!(
        "{{\"method\":\"turn/completed\",\"params\":{}}}",
        "[".repeat(10_000)
    ));
}
