//! # libfetch conformance suite
//!
//! Replays the documented socket_action semantics (the rule catalogue in
//! `docs/rules.md`) against fixture servers. Each scenario names the rule
//! IDs it checks, drives a multi through an application loop
//! ([`harness::LoopKind`]: an app-owned mio loop, or the built-in
//! fetch-poll loop), records a trace of every callback, call and message,
//! checks the shared socket-hygiene invariants ([`trace::Checker`]) and
//! asserts its own rule's invariants; traces are snapshotted with insta.
//!
//! It does not judge speed; that is `cargo xtask bench`.
//!
//! ```no_run
//! use conformance::harness::{Harness, LoopKind};
//! let srv = fixtures::HttpServer::start();
//! let mut h = Harness::new(LoopKind::Mio);
//! let id = h.add(fetch_core::Easy::with_url(srv.url("/bytes/10")));
//! h.run(std::time::Duration::from_secs(10)).unwrap();
//! assert_eq!(h.code(id), Some(0));
//! let done = h.finish();
//! assert!(done.violations.is_empty());
//! ```

pub mod harness;
pub mod record;
pub mod rules;
pub mod trace;
