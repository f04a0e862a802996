//! The built-in loop's poller exists only once the built-in loop is used
//! (docs/decisions.md 28): a multi driven by `fetch_multi_socket_action`
//! holds no descriptor of its own, and a `fetch_multi_wakeup` made before
//! the poller exists still ends the first `fetch_multi_poll` (FD-11).
//!
//! One test in this file, so no other test in the process opens
//! descriptors while they are counted.

use std::ffi::c_long;
use std::ptr::null_mut;
use std::time::Instant;

use fetch::*;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn poller_is_created_by_the_built_in_loop_only() {
    let before = open_fds();
    // SAFETY: a handle this test owns, used from this thread, cleaned up at
    // the end; out-pointers are valid locals.
    unsafe {
        let m = fetch_multi_init();
        assert!(!m.is_null());
        let mut running = -1;
        assert_eq!(
            fetch_multi_socket_action(m, FETCH_SOCKET_TIMEOUT, 0, &mut running),
            FETCHM_OK
        );
        let mut ms: c_long = 0;
        assert_eq!(fetch_multi_timeout(m, &mut ms), FETCHM_OK);
        assert_eq!(
            open_fds(),
            before,
            "socket_action and timeout open no poller"
        );

        // Before the poller exists: recorded, and handed to it when the
        // first poll creates it.
        assert_eq!(fetch_multi_wakeup(m), FETCHM_OK);
        assert_eq!(open_fds(), before, "wakeup opens no poller");
        let start = Instant::now();
        assert_eq!(
            fetch_multi_poll(m, null_mut(), 0, 5000, null_mut()),
            FETCHM_OK
        );
        assert!(
            start.elapsed().as_millis() < 1000,
            "FD-11: a wakeup made before the first poll ends it"
        );
        assert!(open_fds() > before, "poll created the poller");

        assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
    }
    assert_eq!(open_fds(), before, "cleanup closes the poller");
}
