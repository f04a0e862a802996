//! FD-10 with bad input: extra fds that are not open never crash the call.
//! Like poll(2): a closed fd gets `revents = WAIT_POLLNVAL` and counts (the
//! call returns at once); a negative fd is ignored; a regular file is always
//! ready. A fd listed twice gives FETCHM_BAD_FUNCTION_ARGUMENT.
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use fetch_core::{Multi, MultiError};
use fetch_poll::{Driver, WAIT_POLLIN, WAIT_POLLNVAL, WAIT_POLLOUT, WaitFd};

/// Far above RLIMIT_NOFILE, so never an open fd.
const NEVER_OPEN: i32 = 1 << 30;

#[test_log::test]
fn fd10_closed_extra_fd_gets_pollnval_at_once() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let (_a, b) = UnixStream::pair().unwrap();
    let mut extra = [
        WaitFd::new(NEVER_OPEN, WAIT_POLLIN),
        WaitFd::new(b.as_raw_fd(), WAIT_POLLIN),
    ];
    for wakeable in [false, true] {
        let start = Instant::now();
        let n = if wakeable {
            driver.poll(&mut extra, Duration::from_secs(10))
        } else {
            driver.wait(&mut extra, Duration::from_secs(10))
        };
        assert_eq!(n, Ok(1));
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(extra[0].revents, WAIT_POLLNVAL);
        assert_eq!(extra[1].revents, 0);
    }
}

#[test_log::test]
fn fd10_negative_extra_fd_is_ignored() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let mut extra = [WaitFd::new(-1, WAIT_POLLIN | WAIT_POLLOUT)];
    let start = Instant::now();
    assert_eq!(driver.poll(&mut extra, Duration::from_millis(100)), Ok(0));
    assert!(start.elapsed() >= Duration::from_millis(100));
    assert_eq!(extra[0].revents, 0);
}

#[test_log::test]
fn fd10_regular_file_extra_fd_is_always_ready() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let file = File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let mut extra = [WaitFd::new(file.as_raw_fd(), WAIT_POLLIN)];
    assert_eq!(driver.wait(&mut extra, Duration::from_secs(10)), Ok(1));
    assert_eq!(extra[0].revents, WAIT_POLLIN);
}

#[test_log::test]
fn fd10_extra_fd_listed_twice_is_a_bad_argument_and_leaves_nothing_behind() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let (_a, b) = UnixStream::pair().unwrap();
    let fd = b.as_raw_fd();
    let mut twice = [WaitFd::new(fd, WAIT_POLLIN), WaitFd::new(fd, WAIT_POLLOUT)];
    assert_eq!(
        driver.wait(&mut twice, Duration::from_secs(10)),
        Err(MultiError::BadFunctionArgument)
    );
    // The first registration was undone: the fd can be watched again.
    let mut once = [WaitFd::new(fd, WAIT_POLLOUT)];
    assert_eq!(driver.wait(&mut once, Duration::from_secs(10)), Ok(1));
    assert_eq!(once[0].revents, WAIT_POLLOUT);
}
