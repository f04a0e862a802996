//! FD-03: a socket at or above `FD_SETSIZE` is left out of
//! `fetch_multi_fdset`'s sets, so nothing is written out of bounds.
//!
//! Every descriptor below `FD_SETSIZE` is taken (with `/dev/null`) before
//! the transfer starts, so its socket lands above the limit. This file has
//! one test so that no other test in the process sees those descriptors
//! taken.

use std::ffi::{CString, c_int, c_long, c_void};
use std::ptr::null_mut;
use std::time::{Duration, Instant};

use conformance::record::scenario;
use fetch::*;
use fixtures::HttpServer;

/// ERR-02: every multi return code passes through this.
#[track_caller]
fn mc(code: FETCHMcode) -> FETCHMcode {
    assert_ne!(code, -1, "ERR-02: FETCHM_CALL_MULTI_PERFORM returned");
    code
}

/// Descriptors held open until dropped.
struct Held(Vec<c_int>);

impl Drop for Held {
    fn drop(&mut self) {
        for &fd in &self.0 {
            // SAFETY: descriptors this test opened and nothing else uses.
            unsafe { libc::close(fd) };
        }
    }
}

/// Takes every free descriptor below `FD_SETSIZE`, raising the soft
/// RLIMIT_NOFILE first if it is too low for that.
fn fill_below_fd_setsize() -> Held {
    let limit = libc::FD_SETSIZE as libc::rlim_t;
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: a valid rlimit out-pointer.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) }, 0);
    let want = limit + 256;
    if rl.rlim_cur < want {
        assert!(
            rl.rlim_max >= want,
            "RLIMIT_NOFILE hard limit {} is below {want}",
            rl.rlim_max
        );
        rl.rlim_cur = want;
        // SAFETY: a valid rlimit within the hard limit; only this process's
        // soft limit changes.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rl) }, 0);
    }
    let null = CString::new("/dev/null").unwrap();
    let mut held = Held(Vec::new());
    loop {
        // SAFETY: a NUL-terminated path; open returns the lowest free fd.
        let fd = unsafe { libc::open(null.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        assert!(fd >= 0, "open /dev/null failed");
        held.0.push(fd);
        if fd >= libc::FD_SETSIZE as c_int - 1 {
            return held;
        }
    }
}

fn is_empty(set: &libc::fd_set) -> bool {
    (0..libc::FD_SETSIZE as c_int).all(|fd| {
        // SAFETY: a valid set and an fd below FD_SETSIZE.
        !unsafe { libc::FD_ISSET(fd, set) }
    })
}

#[test]
fn sockets_above_fd_setsize_are_left_out() {
    scenario(
        "capi_sockets_above_fd_setsize_are_left_out",
        &["FD-03", "ERR-02"],
        || {
            let server = HttpServer::start();
            let u = CString::new(server.url("/bytes/30000")).unwrap();
            // SAFETY: handles used as documented; the fd_sets are valid.
            unsafe {
                let m = fetch_multi_init();
                assert!(!m.is_null());
                let held = fill_below_fd_setsize();
                let e = fetch_easy_init();
                assert_eq!(
                    fetch_easy_setopt_ptr(e, FETCHOPT_URL, u.as_ptr().cast()),
                    FETCHE_OK
                );
                let write: fetch_write_callback = discard;
                assert_eq!(
                    fetch_easy_setopt_ptr(e, FETCHOPT_WRITEFUNCTION, write as *const c_void),
                    FETCHE_OK
                );
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                let end = Instant::now() + Duration::from_secs(10);
                let mut running = 1;
                let mut checked = 0;
                let mut result = None;
                while result.is_none() {
                    assert!(Instant::now() < end, "transfer unfinished");
                    assert_eq!(mc(fetch_multi_perform(m, &mut running)), FETCHM_OK);
                    let mut count = 0u32;
                    assert_eq!(
                        mc(fetch_multi_waitfds(m, null_mut(), 0, &mut count)),
                        FETCHM_OK
                    );
                    let mut fds = vec![fetch_waitfd::default(); count as usize];
                    assert_eq!(
                        mc(fetch_multi_waitfds(m, fds.as_mut_ptr(), count, &mut count)),
                        FETCHM_OK
                    );
                    if count > 0 {
                        assert!(
                            fds.iter().all(|w| w.fd >= libc::FD_SETSIZE as c_int),
                            "setup: a socket below FD_SETSIZE: {fds:?}"
                        );
                        let mut r: libc::fd_set = std::mem::zeroed();
                        let mut w: libc::fd_set = std::mem::zeroed();
                        let mut x: libc::fd_set = std::mem::zeroed();
                        let mut max = 12345;
                        assert_eq!(
                            mc(fetch_multi_fdset(m, &mut r, &mut w, &mut x, &mut max)),
                            FETCHM_OK
                        );
                        assert_eq!(max, -1, "FD-03: nothing was set");
                        assert!(is_empty(&r) && is_empty(&w) && is_empty(&x));
                        checked += 1;
                    }
                    let mut left = 0;
                    let msg = fetch_multi_info_read(m, &mut left);
                    if !msg.is_null() {
                        result = Some((*msg).data.result);
                    }
                    let mut ms: c_long = 0;
                    assert_eq!(mc(fetch_multi_timeout(m, &mut ms)), FETCHM_OK);
                    let to = c_int::try_from(ms.clamp(0, 100)).unwrap_or(100);
                    assert_eq!(
                        mc(fetch_multi_poll(m, null_mut(), 0, to, null_mut())),
                        FETCHM_OK
                    );
                }
                assert_eq!(result, Some(FETCHE_OK));
                assert!(checked > 0, "fdset was called with a socket in use");
                assert_eq!(mc(fetch_multi_remove_handle(m, e)), FETCHM_OK);
                fetch_easy_cleanup(e);
                assert_eq!(mc(fetch_multi_cleanup(m)), FETCHM_OK);
                drop(held);
            }
        },
    );
}

unsafe extern "C" fn discard(
    _p: *mut std::ffi::c_char,
    size: usize,
    n: usize,
    _u: *mut c_void,
) -> usize {
    size * n
}
