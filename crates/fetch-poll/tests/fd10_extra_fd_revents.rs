//! FD-10: extra fds are watched for WAIT_POLLIN / WAIT_POLLOUT and their
//! `revents` say what happened; they count in the returned number.
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use fetch_core::Multi;
use fetch_poll::{Driver, WAIT_POLLIN, WAIT_POLLOUT, WaitFd};

#[test_log::test]
fn fd10_readable_extra_fd_ends_poll_with_pollin() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let (mut tx, rx) = UnixStream::pair().unwrap();
    let mut extra = [WaitFd::new(rx.as_raw_fd(), WAIT_POLLIN)];

    assert_eq!(
        driver.poll(&mut extra, Duration::from_millis(50)).unwrap(),
        0
    );
    assert_eq!(extra[0].revents, 0);

    tx.write_all(b"x").unwrap();
    let start = Instant::now();
    assert_eq!(driver.poll(&mut extra, Duration::from_secs(10)).unwrap(), 1);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(extra[0].revents, WAIT_POLLIN);

    // `wait` reports it the same way.
    extra[0].revents = 0;
    assert_eq!(driver.wait(&mut extra, Duration::from_secs(10)).unwrap(), 1);
    assert_eq!(extra[0].revents, WAIT_POLLIN);
}

#[test_log::test]
fn fd10_writable_extra_fd_reports_pollout_only_when_asked() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let mut extra = [
        WaitFd::new(a.as_raw_fd(), WAIT_POLLIN | WAIT_POLLOUT),
        WaitFd::new(b.as_raw_fd(), WAIT_POLLIN),
    ];
    let n = driver.poll(&mut extra, Duration::from_secs(10)).unwrap();
    assert_eq!(n, 1);
    assert_eq!(extra[0].revents, WAIT_POLLOUT);
    assert_eq!(extra[1].revents, 0);
}
