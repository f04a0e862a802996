//! FD-11: a wakeup does not affect `wait`; it stays pending for the next
//! `poll`.
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use fetch_core::Multi;
use fetch_poll::{Driver, WAIT_POLLIN, WaitFd};

#[test_log::test]
fn fd11_wait_ignores_a_wakeup_and_poll_gets_it() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    // An idle extra fd, so `wait` has something to wait on.
    let (_tx, rx) = UnixStream::pair().unwrap();
    let mut extra = [WaitFd::new(rx.as_raw_fd(), WAIT_POLLIN)];
    driver.waker().wake().unwrap();

    let start = Instant::now();
    assert_eq!(
        driver.wait(&mut extra, Duration::from_millis(200)).unwrap(),
        0
    );
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "wait was woken"
    );

    let start = Instant::now();
    assert_eq!(driver.poll(&mut extra, Duration::from_secs(10)).unwrap(), 0);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "the wakeup was lost"
    );
}
