//! What the C-ABI tests share: an application event loop in the hiperfifo
//! style (poll(2) on the sockets the socket callback asked for, a one-shot
//! timer from the timer callback, `fetch_multi_socket_action` or the
//! deprecated `fetch_multi_socket`), which records what its callbacks got
//! and counts what it did so a test can show that a paused transfer leaves
//! it idle, plus small setopt/getinfo helpers.
//!
//! Every `FETCHMcode` the loop and helpers get back goes through [`mc`],
//! which fails on `FETCHM_CALL_MULTI_PERFORM` (-1) (ERR-02). Message fields
//! are always read before the handle is removed (IR-04, in [`read_done`]).
//!
//! Callbacks are `extern "C"` and must not panic: they record into
//! thread-locals (each test runs on its own thread and the library calls
//! back on the calling thread) and the test asserts afterwards.

// Each test file uses its own subset of these helpers.
#![allow(dead_code)]

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ffi::{CString, c_char, c_int, c_long, c_void};
use std::ptr::null_mut;
use std::time::{Duration, Instant};

use fetch::*;

/// How long any test may drive its transfers.
pub(crate) const LIMIT: Duration = Duration::from_secs(15);

pub(crate) const CSELECT_IN: c_int = 0x01;
pub(crate) const CSELECT_OUT: c_int = 0x02;
pub(crate) const CSELECT_ERR: c_int = 0x04;
pub(crate) const POLL_IN: c_int = 1;
pub(crate) const POLL_OUT: c_int = 2;
const FETCHM_CALL_MULTI_PERFORM: FETCHMcode = -1;

/// ERR-02: every multi return code the loop and the tests collect passes
/// through this.
#[track_caller]
pub(crate) fn mc(code: FETCHMcode) -> FETCHMcode {
    assert_ne!(
        code, FETCHM_CALL_MULTI_PERFORM,
        "ERR-02: FETCHM_CALL_MULTI_PERFORM returned"
    );
    code
}

/// How the loop tells the library about events.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Call {
    /// `fetch_multi_socket_action` with the real event bits.
    #[default]
    SocketAction,
    /// The deprecated `fetch_multi_socket` (SA-10: events unknown).
    Socket,
}

/// A hook run inside a callback with (multi, easy); easy is NULL in the
/// timer callback.
pub(crate) type Hook = fn(*mut c_void, *mut c_void);

/// What the application loop saw and did on this thread.
#[derive(Default)]
pub(crate) struct Loop {
    /// fd -> the `what` last announced, for sockets being watched.
    pub(crate) watched: BTreeMap<c_int, c_int>,
    /// When the library's one-shot timer is due.
    pub(crate) deadline: Option<Instant>,
    /// Every (fd, what) the socket callback got.
    pub(crate) socket_calls: Vec<(c_int, c_int)>,
    /// The `clientp` of every socket callback.
    pub(crate) socket_clientp: Vec<usize>,
    /// (multi, timeout_ms, clientp) of every timer callback.
    pub(crate) timer_calls: Vec<(usize, c_long, usize)>,
    /// How [`step`] tells the library about events.
    pub(crate) call: Call,
    /// Driver calls made by [`step`].
    pub(crate) actions: usize,
    /// The running count the last driver call reported.
    pub(crate) running: c_int,
    /// Times `poll(2)` returned with a library socket ready.
    pub(crate) wakeups: usize,
    /// (easy, result) of every DONE message, in order.
    pub(crate) done: Vec<(*mut c_void, FETCHcode)>,
    /// Return codes of calls hooks made from inside callbacks.
    pub(crate) inner: Vec<c_int>,
    /// Hook checks that did not hold.
    pub(crate) inner_failures: Vec<String>,
    /// Return -1 from the next socket callback.
    pub(crate) fail_socket_once: bool,
}

thread_local! {
    pub(crate) static LOOP: RefCell<Loop> = RefCell::new(Loop::default());
    /// The multi from [`app_multi`], passed to [`SOCKET_HOOK`].
    pub(crate) static MULTI: Cell<*mut c_void> = const { Cell::new(null_mut()) };
    /// Run at the end of every socket callback.
    pub(crate) static SOCKET_HOOK: Cell<Option<Hook>> = const { Cell::new(None) };
    /// Run at the end of every timer callback.
    pub(crate) static TIMER_HOOK: Cell<Option<Hook>> = const { Cell::new(None) };
}

/// Records the return code of a call a hook made inside a callback.
pub(crate) fn inner(code: c_int) {
    LOOP.with_borrow_mut(|l| l.inner.push(code));
}

/// Records a hook check that did not hold.
pub(crate) fn inner_failure(what: String) {
    LOOP.with_borrow_mut(|l| l.inner_failures.push(what));
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
    easy: *mut c_void,
    s: fetch_socket_t,
    what: c_int,
    clientp: *mut c_void,
    _socketp: *mut c_void,
) -> c_int {
    let fail = LOOP.with_borrow_mut(|l| {
        l.socket_calls.push((s, what));
        l.socket_clientp.push(clientp as usize);
        if what == FETCH_POLL_REMOVE {
            l.watched.remove(&s);
        } else {
            l.watched.insert(s, what);
        }
        std::mem::take(&mut l.fail_socket_once)
    });
    if let Some(hook) = SOCKET_HOOK.get() {
        hook(MULTI.get(), easy);
    }
    if fail { -1 } else { 0 }
}

unsafe extern "C" fn loop_timer_cb(multi: *mut c_void, ms: c_long, clientp: *mut c_void) -> c_int {
    LOOP.with_borrow_mut(|l| {
        l.timer_calls.push((multi as usize, ms, clientp as usize));
        l.deadline = u64::try_from(ms)
            .ok()
            .map(|ms| Instant::now() + Duration::from_millis(ms));
    });
    if let Some(hook) = TIMER_HOOK.get() {
        hook(multi, null_mut());
    }
    0
}

/// Resets this thread's loop state and hooks and returns a multi wired to
/// the loop's socket and timer callbacks.
pub(crate) fn app_multi() -> *mut c_void {
    LOOP.set(Loop {
        running: -1,
        ..Loop::default()
    });
    SOCKET_HOOK.set(None);
    TIMER_HOOK.set(None);
    // SAFETY: a fresh handle and callbacks of the documented types.
    unsafe {
        let m = fetch_multi_init();
        assert!(!m.is_null());
        MULTI.set(m);
        let sock: fetch_socket_callback = loop_socket_cb;
        let timer: fetch_multi_timer_callback = loop_timer_cb;
        assert_eq!(
            mc(fetch_multi_setopt_ptr(
                m,
                FETCHMOPT_SOCKETFUNCTION,
                as_ptr(sock)
            )),
            FETCHM_OK
        );
        assert_eq!(
            mc(fetch_multi_setopt_ptr(
                m,
                FETCHMOPT_TIMERFUNCTION,
                as_ptr(timer)
            )),
            FETCHM_OK
        );
        m
    }
}

/// Empties the message queue. Each message's fields are read before the
/// caller removes its handle, as IR-04 requires.
pub(crate) fn read_done(m: *mut c_void) -> Vec<(*mut c_void, FETCHcode)> {
    let mut out = Vec::new();
    loop {
        let mut left = -1;
        // SAFETY: a live handle; the message is read before the next call.
        unsafe {
            let msg = fetch_multi_info_read(m, &mut left);
            if msg.is_null() {
                assert_eq!(left, 0);
                return out;
            }
            assert_eq!((*msg).msg, FETCHMSG_DONE);
            out.push(((*msg).easy_handle, (*msg).data.result));
        }
    }
}

/// One driver call (as [`Loop::call`] says) for `fd`, then the DONE
/// messages it produced.
fn act(m: *mut c_void, fd: fetch_socket_t, bits: c_int) {
    let (call, mut running) = LOOP.with_borrow_mut(|l| {
        l.actions += 1;
        (l.call, l.running)
    });
    // SAFETY: a live multi and a valid out-pointer.
    let rc = unsafe {
        match call {
            Call::SocketAction => fetch_multi_socket_action(m, fd, bits, &mut running),
            Call::Socket => fetch_multi_socket(m, fd, &mut running),
        }
    };
    assert_eq!(mc(rc), FETCHM_OK);
    let done = read_done(m);
    LOOP.with_borrow_mut(|l| {
        l.running = running;
        l.done.extend(done);
    });
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
            bits |= CSELECT_IN;
        }
        if p.revents & libc::POLLOUT != 0 {
            bits |= CSELECT_OUT;
        }
        if p.revents & libc::POLLERR != 0 {
            bits |= CSELECT_ERR;
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

/// Runs the loop until `cond` holds; panics after `limit`.
pub(crate) fn drive_until_within(m: *mut c_void, limit: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < end, "condition not reached in {limit:?}");
        step(m, Duration::from_millis(100));
    }
}

/// Runs the loop until `cond` holds; panics after [`LIMIT`].
pub(crate) fn drive_until(m: *mut c_void, cond: impl FnMut() -> bool) {
    drive_until_within(m, LIMIT, cond);
}

/// Runs the loop until `n` transfers are done; their results by handle.
pub(crate) fn drive_done(m: *mut c_void, n: usize) -> Vec<(usize, FETCHcode)> {
    drive_until(m, || LOOP.with_borrow(|l| l.done.len() >= n));
    LOOP.with_borrow(|l| l.done.iter().map(|&(e, r)| (e as usize, r)).collect())
}

/// Runs the loop with `call` as the driver until `want` more DONE messages
/// arrived (panics after `limit`) and returns those; nothing may be left
/// running then (SA-03).
pub(crate) fn drive(
    m: *mut c_void,
    want: usize,
    call: Call,
    limit: Duration,
) -> Vec<(*mut c_void, FETCHcode)> {
    let start = LOOP.with_borrow_mut(|l| {
        l.call = call;
        l.running = -1;
        l.done.len()
    });
    drive_until_within(m, limit, || {
        LOOP.with_borrow(|l| l.done.len() >= start + want)
    });
    LOOP.with_borrow_mut(|l| {
        l.call = Call::default();
        assert_eq!(l.running, 0, "SA-03: nothing left running");
        l.done[start..].to_vec()
    })
}

/// Runs the loop for `d` and returns (driver calls, wake-ups, socket
/// callbacks, timer callbacks) made meanwhile.
pub(crate) fn idle_for(m: *mut c_void, d: Duration) -> (usize, usize, usize, usize) {
    let snap = |l: &Loop| {
        (
            l.actions,
            l.wakeups,
            l.socket_calls.len(),
            l.timer_calls.len(),
        )
    };
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
            assert_eq!(mc(fetch_multi_remove_handle(m, e)), FETCHM_OK);
            fetch_easy_cleanup(e);
        }
        assert_eq!(mc(fetch_multi_cleanup(m)), FETCHM_OK);
    }
    MULTI.set(null_mut());
}

/// A null pointer for options that take one.
pub(crate) fn null() -> *const c_void {
    null_mut::<c_void>().cast_const()
}
