//! A transfer paused from its write callback and resumed with
//! `fetch_easy_pause(CONT)` from its progress callback completes: the
//! progress callback keeps being called (about once a second) while the
//! transfer is paused, as upstream does. Before, it stalled until the
//! timeout.

use std::ffi::{CString, c_char, c_int, c_void};

use fetch::*;
use fixtures::HttpServer;

struct State {
    easy: *mut c_void,
    got: usize,
    paused_once: bool,
    resumed: bool,
    ticks_while_paused: usize,
}

unsafe extern "C" fn write_cb(_: *mut c_char, size: usize, n: usize, ud: *mut c_void) -> usize {
    // SAFETY: `ud` is the `State` given as WRITEDATA.
    let st = unsafe { &mut *ud.cast::<State>() };
    if !st.paused_once && st.got > 0 {
        st.paused_once = true;
        return FETCH_WRITEFUNC_PAUSE;
    }
    st.got += size * n;
    size * n
}

unsafe extern "C" fn progress_cb(
    ud: *mut c_void,
    _: fetch_off_t,
    _: fetch_off_t,
    _: fetch_off_t,
    _: fetch_off_t,
) -> c_int {
    // SAFETY: `ud` is the `State` given as XFERINFODATA.
    let st = unsafe { &mut *ud.cast::<State>() };
    // The second call while paused is at least one of the once-a-second
    // ticks (the first may come with the data event that paused).
    if st.paused_once && !st.resumed {
        st.ticks_while_paused += 1;
    }
    if st.ticks_while_paused == 2 && !st.resumed {
        st.resumed = true;
        // SAFETY: the handle is live; pausing from a callback is allowed.
        let rc = unsafe { fetch_easy_pause(st.easy, FETCHPAUSE_CONT) };
        assert_eq!(rc, FETCHE_OK);
    }
    0
}

#[test]
fn resume_from_the_progress_callback() {
    let srv = HttpServer::start();
    let url = CString::new(srv.url("/bytes/300000")).unwrap();
    // SAFETY: a fresh handle; `st` outlives the transfer; callbacks have
    // the documented types.
    unsafe {
        let e = fetch_easy_init();
        let mut st = State {
            easy: e,
            got: 0,
            paused_once: false,
            resumed: false,
            ticks_while_paused: 0,
        };
        let p: *mut c_void = (&mut st as *mut State).cast();
        let w: unsafe extern "C" fn(*mut c_char, usize, usize, *mut c_void) -> usize = write_cb;
        let x: unsafe extern "C" fn(
            *mut c_void,
            fetch_off_t,
            fetch_off_t,
            fetch_off_t,
            fetch_off_t,
        ) -> c_int = progress_cb;
        fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
        fetch_easy_setopt_ptr(e, FETCHOPT_WRITEFUNCTION, w as *const c_void);
        fetch_easy_setopt_ptr(e, FETCHOPT_WRITEDATA, p);
        fetch_easy_setopt_ptr(e, FETCHOPT_XFERINFOFUNCTION, x as *const c_void);
        fetch_easy_setopt_ptr(e, FETCHOPT_XFERINFODATA, p);
        fetch_easy_setopt_long(e, FETCHOPT_NOPROGRESS, 0);
        // A stall fails instead of hanging the test.
        fetch_easy_setopt_long(e, FETCHOPT_TIMEOUT, 20);
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        fetch_easy_cleanup(e);
        assert!(st.paused_once && st.resumed);
        assert_eq!(st.ticks_while_paused, 2);
        assert_eq!(st.got, 300_000);
    }
}
