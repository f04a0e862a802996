//! FD-11: waking is impossible once the driver is gone, and says so with
//! FETCHM_WAKEUP_FAILURE.
use fetch_core::{Multi, MultiError};
use fetch_poll::Driver;

#[test_log::test]
fn fd11_wakeup_after_the_driver_is_dropped_fails() {
    let driver = Driver::new(Multi::new()).unwrap();
    let waker = driver.waker();
    assert_eq!(waker.wake(), Ok(()));
    drop(driver);
    assert_eq!(waker.wake(), Err(MultiError::WakeupFailure));
}

#[test_log::test]
fn fd11_wakeup_after_into_inner_fails() {
    let driver = Driver::new(Multi::new()).unwrap();
    let waker = driver.waker();
    let _multi = driver.into_inner();
    assert_eq!(waker.wake(), Err(MultiError::WakeupFailure));
}
