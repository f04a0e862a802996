//! FD-12 (Rust side): a `Duration` cannot be negative (the C ABI maps
//! negative milliseconds to FETCHM_BAD_FUNCTION_ARGUMENT itself), but a huge
//! one must not overflow: it is clamped to MAX_WAIT and the call still
//! returns on activity or a wakeup.
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use fetch_core::Multi;
use fetch_poll::{Driver, MAX_WAIT, WAIT_POLLIN, WaitFd};

#[test_log::test]
fn huge_timeouts_are_clamped_not_overflowed() {
    assert_eq!(MAX_WAIT, Duration::from_millis(i32::MAX as u64));
    let mut driver = Driver::new(Multi::new()).unwrap();
    let start = Instant::now();

    // Nothing to wait on: wait returns at once, whatever the timeout.
    assert_eq!(driver.wait(&mut [], Duration::MAX), Ok(0));

    let (mut tx, rx) = UnixStream::pair().unwrap();
    tx.write_all(b"x").unwrap();
    let mut extra = [WaitFd::new(rx.as_raw_fd(), WAIT_POLLIN)];
    assert_eq!(driver.wait(&mut extra, Duration::MAX), Ok(1));
    assert_eq!(driver.poll(&mut extra, Duration::MAX), Ok(1));

    driver.waker().wake().unwrap();
    assert_eq!(driver.poll(&mut [], Duration::MAX), Ok(0));
    assert!(start.elapsed() < Duration::from_secs(5));
}
