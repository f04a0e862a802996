//! Out of descriptors: with a tiny RLIMIT_NOFILE, the transfers that
//! cannot get a socket fail with a connect error, the others complete,
//! nothing panics, spins or leaks.
//!
//! The limit is process-wide, so this is a test binary of its own; it is
//! set with util-linux's `prlimit` on this process (no unsafe code).
mod common;

use std::process::Command;
use std::time::Duration;

use fetch_core::{Easy, ErrorCode};
use fixtures::ScriptedServer;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn set_nofile(soft: usize, hard: &str) {
    let pid = std::process::id().to_string();
    let status = Command::new("prlimit")
        .args(["--pid", &pid, &format!("--nofile={soft}:{hard}")])
        .status()
        .expect("prlimit (util-linux) is needed for this test");
    assert!(status.success(), "prlimit failed");
}

/// The current hard limit, to restore the soft one to.
fn hard_limit() -> String {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("Max open files in /proc/self/limits");
    line.split_whitespace().nth(4).unwrap().to_owned()
}

#[test_log::test]
fn transfers_fail_cleanly_when_descriptors_run_out() {
    // One server thread per connection, all started before the limit.
    let server = ScriptedServer::start(
        fixtures::Script::new()
            .expect_request()
            .write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .close(),
    );
    let mut driver = common::driver();
    let hard = hard_limit();
    let ids: Vec<_> = (0..20)
        .map(|_| driver.multi_mut().add(Easy::get(server.url("/"))).unwrap())
        .collect();
    let before = open_fds();
    // Room for a few client sockets (and the server's ends of them).
    set_nofile(before + 6, &hard);
    let run = common::run(&mut driver, Duration::from_secs(30));
    set_nofile(hard.parse().unwrap_or(1 << 20), &hard);
    assert_eq!(run.done.len(), ids.len());
    let ok = run.done.iter().filter(|m| m.result.is_ok()).count();
    let refused: Vec<_> = run
        .done
        .iter()
        .filter_map(|m| m.result.as_ref().err())
        .collect();
    assert!(ok >= 1, "some transfers completed: {:?}", run.done);
    assert!(!refused.is_empty(), "the limit was hit: {:?}", run.done);
    for e in &refused {
        assert_eq!(e.code(), ErrorCode::CouldntConnect, "{e:?}");
        assert!(e.detail().contains("Too many open files"), "{e:?}");
    }
    assert!(run.performs < 500, "no spin: {} loop turns", run.performs);
    drop(driver);
    assert!(fixtures::wait_until(Duration::from_secs(5), || open_fds() <= before));
}
