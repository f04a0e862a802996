//! What the transfer-control tests share: an application event loop in the
//! hiperfifo style (poll(2) on the sockets the socket callback asked for, a
//! one-shot timer from the timer callback, `fetch_multi_socket_action`),
//! which counts what it did so a test can show that a paused transfer
//! leaves it idle, plus small setopt/getinfo helpers.
//!
//! Callbacks are `extern "C"` and must not panic: they record into
//! thread-locals (each test runs on its own thread and the library calls
//! back on the calling thread) and the test asserts afterwards.

// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ffi::{CString, c_char, c_int, c_long, c_void};
use std::ptr::null_mut;
use std::time::{Duration, Instant};

use fetch::*;

/// How long any test may drive its transfers.
pub(crate) const LIMIT: Duration = Duration::from_secs(15);

/// What the application loop saw and did on this thread.
#[derive(Default)]
pub(crate) struct Loop {
    /// fd -> the `what` last announced, for sockets being watched.
    pub(crate) watched: BTreeMap<c_int, c_int>,
    /// When the library's one-shot timer is due.
    pub(crate) deadline: Option<Instant>,
    /// Socket callback invocations.
    pub(crate) socket_calls: usize,
    /// Timer callback invocations.
    pub(crate) timer_calls: usize,
    /// `fetch_multi_socket_action` calls made by [`step`].
    pub(crate) actions: usize,
    /// Times `poll(2)` returned with a library socket ready.
    pub(crate) wakeups: usize,
    /// (easy, result) of every DONE message, in order.
    pub(crate) done: Vec<(usize, FETCHcode)>,
}

thread_local! {
    pub(crate) static LOOP: RefCell<Loop> = RefCell::new(Loop::default());
}

/// A callback (or any function pointer) as the data pointer the C header's
/// `_Generic` macro passes.
pub(crate) fn as_ptr<T>(f: T) -> *const c_void {
    assert_eq!(size_of::<T>(), size_of::<*const c_void>());
    // SAFETY: a function pointer passed as a data pointer, as the C
    // header's _Generic macro does.
    unsafe { std::mem::transmute_copy(&f) }
}

pub(crate) fn cs(s: &str) -> CString {
    CString::new(s).unwrap()
}

unsafe extern "C" fn loop_socket_cb(
    _easy: *mut c_void,
    s: fetch_socket_t,
    what: c_int,
    _clientp: *mut c_void,
    _socketp: *mut c_void,
) -> c_int {
    LOOP.with_borrow_mut(|l| {
        l.socket_calls += 1;
        if what == FETCH_POLL_REMOVE {
            l.watched.remove(&s);
        } else {
            l.watched.insert(s, what);
        }
    });
    0
}

unsafe extern "C" fn loop_timer_cb(_m: *mut c_void, ms: c_long, _clientp: *mut c_void) -> c_int {
    LOOP.with_borrow_mut(|l| {
        l.timer_calls += 1;
        l.deadline = u64::try_from(ms)
            .ok()
            .map(|ms| Instant::now() + Duration::from_millis(ms));
    });
    0
}

/// Resets this thread's loop state and returns a multi wired to it.
pub(crate) fn app_multi() -> *mut c_void {
    LOOP.set(Loop::default());
    // SAFETY: a fresh handle and callbacks of the documented types.
    unsafe {
        let m = fetch_multi_init();
        assert!(!m.is_null());
        let sock: fetch_socket_callback = loop_socket_cb;
        let timer: fetch_multi_timer_callback = loop_timer_cb;
        assert_eq!(
            fetch_multi_setopt_ptr(m, FETCHMOPT_SOCKETFUNCTION, as_ptr(sock)),
            FETCHM_OK
        );
        assert_eq!(
            fetch_multi_setopt_ptr(m, FETCHMOPT_TIMERFUNCTION, as_ptr(timer)),
            FETCHM_OK
        );
        m
    }
}

fn act(m: *mut c_void, fd: fetch_socket_t, bits: c_int) {
    let mut running = 0;
    LOOP.with_borrow_mut(|l| l.actions += 1);
    // SAFETY: a live multi and a valid out-pointer.
    let rc = unsafe { fetch_multi_socket_action(m, fd, bits, &mut running) };
    assert_eq!(rc, FETCHM_OK);
    loop {
        let mut left = 0;
        // SAFETY: a live multi; the message is read before the next call.
        let msg = unsafe { fetch_multi_info_read(m, &mut left) };
        if msg.is_null() {
            break;
        }
        // SAFETY: a message from info_read, read at once (IR-04).
        let (easy, code) = unsafe { ((*msg).easy_handle as usize, (*msg).data.result) };
        LOOP.with_borrow_mut(|l| l.done.push((easy, code)));
    }
}

/// One turn of the application loop: wait at most `max_wait` (and no longer
/// than the library's timer) for the watched sockets, act on the ready
/// ones, then on the timer if it is due.
pub(crate) fn step(m: *mut c_void, max_wait: Duration) {
    let (mut fds, deadline) = LOOP.with_borrow(|l| {
        let fds: Vec<libc::pollfd> = l
            .watched
            .iter()
            .map(|(&fd, &what)| libc::pollfd {
                fd,
                events: if what & POLL_IN != 0 { libc::POLLIN } else { 0 }
                    | if what & POLL_OUT != 0 {
                        libc::POLLOUT
                    } else {
                        0
                    },
                revents: 0,
            })
            .collect();
        (fds, l.deadline)
    });
    let wait = deadline
        .map_or(max_wait, |d| d.saturating_duration_since(Instant::now()))
        .min(max_wait);
    let wait_ms = c_int::try_from(wait.as_millis()).unwrap_or(c_int::MAX);
    // SAFETY: `fds` is an array of `fds.len()` pollfds.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, wait_ms) };
    if n > 0 {
        LOOP.with_borrow_mut(|l| l.wakeups += 1);
    }
    for p in fds.iter().filter(|p| p.revents != 0) {
        let mut bits = 0;
        if p.revents & (libc::POLLIN | libc::POLLHUP) != 0 {
            bits |= 0x01; // FETCH_CSELECT_IN
        }
        if p.revents & libc::POLLOUT != 0 {
            bits |= 0x02; // FETCH_CSELECT_OUT
        }
        if p.revents & libc::POLLERR != 0 {
            bits |= 0x04; // FETCH_CSELECT_ERR
        }
        act(m, p.fd, bits);
    }
    let due = LOOP.with_borrow_mut(|l| {
        let due = l.deadline.is_some_and(|d| d <= Instant::now());
        if due {
            l.deadline = None;
        }
        due
    });
    if due {
        act(m, FETCH_SOCKET_TIMEOUT, 0);
    }
}

const POLL_IN: c_int = 1;
const POLL_OUT: c_int = 2;

/// Runs the loop until `cond` holds; panics after [`LIMIT`].
pub(crate) fn drive_until(m: *mut c_void, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + LIMIT;
    while !cond() {
        assert!(Instant::now() < end, "condition not reached in {LIMIT:?}");
        step(m, Duration::from_millis(100));
    }
}

/// Runs the loop until `n` transfers are done; their results by handle.
pub(crate) fn drive_done(m: *mut c_void, n: usize) -> Vec<(usize, FETCHcode)> {
    drive_until(m, || LOOP.with_borrow(|l| l.done.len() >= n));
    LOOP.with_borrow(|l| l.done.clone())
}

/// Runs the loop for `d` and returns (socket_action calls, wake-ups,
/// socket callbacks, timer callbacks) made meanwhile.
pub(crate) fn idle_for(m: *mut c_void, d: Duration) -> (usize, usize, usize, usize) {
    let snap = |l: &Loop| (l.actions, l.wakeups, l.socket_calls, l.timer_calls);
    let before = LOOP.with_borrow(snap);
    let end = Instant::now() + d;
    while Instant::now() < end {
        step(m, end.saturating_duration_since(Instant::now()));
    }
    let after = LOOP.with_borrow(snap);
    (
        after.0 - before.0,
        after.1 - before.1,
        after.2 - before.2,
        after.3 - before.3,
    )
}

/// Appends the data to the `Vec<u8>` given as WRITEDATA.
pub(crate) unsafe extern "C" fn collect(
    p: *mut c_char,
    size: usize,
    n: usize,
    sink: *mut c_void,
) -> usize {
    // SAFETY: WRITEDATA is a live `Vec<u8>` nothing else touches during the
    // transfer, and `p` holds `size * n` bytes for this call.
    unsafe {
        let sink = &mut *sink.cast::<Vec<u8>>();
        sink.extend_from_slice(std::slice::from_raw_parts(p.cast::<u8>(), size * n));
    }
    size * n
}

/// A fresh easy handle with `url` set.
pub(crate) fn easy(url: &str) -> *mut c_void {
    // SAFETY: a fresh handle; the URL is copied by setopt.
    unsafe {
        let e = fetch_easy_init();
        assert!(!e.is_null());
        set_ptr(e, FETCHOPT_URL, cs(url).as_ptr().cast());
        e
    }
}

/// `fetch_easy_setopt` with a pointer argument that must succeed.
#[track_caller]
pub(crate) fn set_ptr(e: *mut c_void, opt: FETCHoption, v: *const c_void) {
    // SAFETY: the tests pass live handles and arguments of the option's type.
    assert_eq!(
        unsafe { fetch_easy_setopt_ptr(e, opt, v) },
        FETCHE_OK,
        "option {opt}"
    );
}

/// `fetch_easy_setopt` with an integer argument that must succeed.
#[track_caller]
pub(crate) fn set_long(e: *mut c_void, opt: FETCHoption, v: c_long) {
    // SAFETY: the tests pass live handles.
    assert_eq!(
        unsafe { fetch_easy_setopt_long(e, opt, v) },
        FETCHE_OK,
        "option {opt}"
    );
}

/// A GET of `url` collecting its body into `*sink`.
pub(crate) fn get_into(url: &str, sink: *mut Vec<u8>) -> *mut c_void {
    let e = easy(url);
    let write: fetch_write_callback = collect;
    set_ptr(e, FETCHOPT_WRITEFUNCTION, as_ptr(write));
    set_ptr(e, FETCHOPT_WRITEDATA, sink.cast_const().cast());
    e
}

/// A `long` info value.
#[track_caller]
pub(crate) fn info_long(e: *mut c_void, info: FETCHINFO) -> c_long {
    let mut v: c_long = -1;
    // SAFETY: a live handle and an out-variable of the id's type.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, info, (&raw mut v).cast()) };
    assert_eq!(rc, FETCHE_OK, "info {info:#x}");
    v
}

/// A `double` info value.
#[track_caller]
pub(crate) fn info_double(e: *mut c_void, info: FETCHINFO) -> f64 {
    let mut v: f64 = -1.0;
    // SAFETY: as above.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, info, (&raw mut v).cast()) };
    assert_eq!(rc, FETCHE_OK, "info {info:#x}");
    v
}

/// A `fetch_off_t` info value.
#[track_caller]
pub(crate) fn info_off(e: *mut c_void, info: FETCHINFO) -> fetch_off_t {
    let mut v: fetch_off_t = -1;
    // SAFETY: as above.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, info, (&raw mut v).cast()) };
    assert_eq!(rc, FETCHE_OK, "info {info:#x}");
    v
}

/// Removes and frees `easies`, then cleans up `m`.
pub(crate) fn finish(m: *mut c_void, easies: &[*mut c_void]) {
    // SAFETY: live handles, each added to `m` or idle.
    unsafe {
        for &e in easies {
            assert_eq!(fetch_multi_remove_handle(m, e), FETCHM_OK);
            fetch_easy_cleanup(e);
        }
        assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
    }
}

/// A null pointer for options that take one.
pub(crate) fn null() -> *const c_void {
    null_mut::<c_void>().cast_const()
}
