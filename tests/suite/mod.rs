mod negotiation;
mod real_codex;
