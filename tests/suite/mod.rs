//! The end-to-end suites, one file per area (see the README's test table).

mod approvals;
mod architecture;
mod arguments;
mod bench_smoke;
mod cli;
mod clients;
mod codex_versions;
mod conformance;
mod embedded;
mod fake_app_server;
mod frame_fuzz;
mod hostile_stdio;
mod http_service;
mod links;
mod long_work;
mod multi_agent;
mod negotiation;
mod npm_package;
mod real_codex;
mod reliability;
mod roots;
mod several_agents;
mod shared_server;
mod spare_threads;
mod thread_api;
mod versions;
