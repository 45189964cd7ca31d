//! The end-to-end suites, one file per area (see the README's test table).

mod approvals;
mod architecture;
mod arguments;
mod bench_smoke;
mod cli;
mod clients;
mod conformance;
mod embedded;
mod fake_app_server;
mod frame_fuzz;
mod hostile_stdio;
mod http_service;
mod long_work;
mod negotiation;
mod real_codex;
mod reliability;
mod roots;
mod several_agents;
mod versions;
