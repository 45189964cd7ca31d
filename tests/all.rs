//! One integration-test binary (one link step) holding every suite.

mod common;
mod suite;
