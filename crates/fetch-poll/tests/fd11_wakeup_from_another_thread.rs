//! FD-11: a wakeup from another thread ends a running `poll` early.
use std::thread;
use std::time::{Duration, Instant};

use fetch_core::Multi;
use fetch_poll::{Driver, Waker};

#[test_log::test]
fn fd11_wakeup_from_another_thread_ends_a_10s_poll() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Waker>();

    let mut driver = Driver::new(Multi::new()).unwrap();
    let waker = driver.waker();
    let waking = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        waker.wake()
    });
    let start = Instant::now();
    assert_eq!(driver.poll(&mut [], Duration::from_secs(10)).unwrap(), 0);
    let elapsed = start.elapsed();
    assert_eq!(waking.join().unwrap(), Ok(()));
    assert!(elapsed < Duration::from_secs(5), "poll took {elapsed:?}");
}
