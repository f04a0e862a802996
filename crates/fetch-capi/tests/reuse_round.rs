//! The bench's C client (bench/driver.c: an application-owned epoll loop
//! that re-adds a handle as soon as its transfer ends, as upstream's
//! ephiperfifo example does) against a keep-alive fixture server, with its
//! timer in a timerfd and in epoll_wait's timeout (BENCH_LOOP=timeout).
//! Every transfer after the first round reuses a pooled connection, and
//! the application sees no REMOVE and re-announce per reuse: an idle
//! connection stays announced until the next socket call or the TIMEOUT
//! call hands it to the re-added transfer (decisions.md 66), and once all
//! transfers have ended nothing is announced (SF-03; the driver's
//! `bench_measure_idle` counts what is left).

mod cbuild;

use std::process::Command;

use cbuild::{compile_with, crate_dir};
use fixtures::HttpServer;

/// The number after `"key":` in the driver's JSON line.
fn field(json: &str, key: &str) -> i64 {
    let tag = format!("\"{key}\":");
    let at = json.find(&tag).unwrap_or_else(|| panic!("{key} in {json}")) + tag.len();
    let digits: String = json[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    digits.parse().unwrap()
}

const TOTAL: i64 = 600;
const IN_FLIGHT: i64 = 12;

fn run(exe: &std::path::Path, url: &str, loop_kind: Option<&str>) -> String {
    let mut cmd = Command::new(exe);
    cmd.args([url, &TOTAL.to_string(), &IN_FLIGHT.to_string()]);
    match loop_kind {
        Some(kind) => cmd.env("BENCH_LOOP", kind),
        None => cmd.env_remove("BENCH_LOOP"),
    };
    let out = cmd.output().expect("run the driver");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the driver failed");
    stdout
}

/// SF-03, HM-05: with either loop, all transfers succeed over one
/// connection per slot, and the socket callback runs a bounded number of
/// times per connection (announce, change to IN, a final REMOVE, and a
/// few more), not twice per transfer as a REMOVE and re-announce per
/// reuse would make it.
#[test]
fn re_adding_loop_reuses_without_socket_churn_sf03_hm05() {
    let server = HttpServer::start();
    let url = server.url("/bytes/1024");
    let driver = crate_dir().join("../../bench/driver.c");
    let exe = compile_with(
        &driver,
        "bench_driver",
        &["-std=gnu11".to_string(), "-DUSE_FETCH".to_string()],
        &[],
    );
    for loop_kind in [None, Some("timeout")] {
        let json = run(&exe, &url, loop_kind);
        assert_eq!(field(&json, "ok"), TOTAL, "{loop_kind:?}");
        assert_eq!(field(&json, "failed"), 0);
        assert!(json.contains("\"stalled\":false"));
        assert_eq!(
            field(&json, "connects"),
            IN_FLIGHT,
            "every later transfer reused"
        );
        let socket_calls = field(&json, "socket_calls");
        assert!(
            socket_calls <= 4 * IN_FLIGHT,
            "{loop_kind:?}: {socket_calls} socket callbacks for {TOTAL} transfers"
        );
    }
}
