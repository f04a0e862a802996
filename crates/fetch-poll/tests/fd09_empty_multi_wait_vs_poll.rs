//! FD-09: with no library fds and no extra fds, `wait` returns at once but
//! `poll` sleeps for its timeout.
use std::time::{Duration, Instant};

use fetch_core::Multi;
use fetch_poll::Driver;

#[test_log::test]
fn fd09_wait_on_an_empty_multi_returns_at_once() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let start = Instant::now();
    assert_eq!(driver.wait(&mut [], Duration::from_secs(10)).unwrap(), 0);
    assert!(start.elapsed() < Duration::from_secs(5), "wait slept");
}

#[test_log::test]
fn fd09_poll_on_an_empty_multi_sleeps_the_timeout() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let start = Instant::now();
    assert_eq!(driver.poll(&mut [], Duration::from_millis(200)).unwrap(), 0);
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(200),
        "woke after {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(5), "slept {elapsed:?}");
}
