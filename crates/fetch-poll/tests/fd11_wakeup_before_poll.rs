//! FD-11: a wakeup made before `poll` makes the next `poll` return at once,
//! and several wakeups collapse into one.
use std::time::{Duration, Instant};

use fetch_core::Multi;
use fetch_poll::Driver;

#[test_log::test]
fn fd11_wakeups_before_poll_end_the_next_poll_once() {
    let mut driver = Driver::new(Multi::new()).unwrap();
    let waker = driver.waker();
    for _ in 0..3 {
        waker.wake().unwrap();
    }
    let start = Instant::now();
    assert_eq!(driver.poll(&mut [], Duration::from_secs(10)).unwrap(), 0);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "poll was not woken"
    );

    // Collapsed: the following poll sleeps its full timeout.
    let start = Instant::now();
    assert_eq!(driver.poll(&mut [], Duration::from_millis(200)).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(200), "woken twice");
}
