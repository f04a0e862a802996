//! C-level rules checked through the exported functions, one scenario per
//! behaviour: the timer callback's arguments (TF-01), callback data passed
//! through untouched (OPT-02), `fdset` and `waitfds` (FD-01, FD-02,
//! FD-13), calls made from inside callbacks (TO-04, CB-01, CB-02, CB-04,
//! CB-05), `easy_perform` on added and detached handles (HM-04, HM-10),
//! the multiplexing options on HTTP/1.1 (OPT-07, OPT-08), the deprecated
//! drivers (SA-10), a failing socket callback (SF-05, SF-06) and "never
//! -1" (ERR-02).
//!
//! The application loop, its callbacks and their recorded state are the
//! shared ones in `common`. Every `FETCHMcode` a test gets back goes
//! through [`mc`], which fails on `FETCHM_CALL_MULTI_PERFORM` (-1), so each
//! scenario here also checks ERR-02. Callbacks are `extern "C"` and must
//! not panic, so they record into thread-locals and the test asserts
//! afterwards (each test runs on its own thread, and the library calls
//! back on the calling thread). Message fields are always read before the
//! handle is removed (IR-04, in [`read_done`]).

mod common;

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_long, c_void};
use std::ptr::null_mut;
use std::time::{Duration, Instant};

use common::{
    Call, LOOP, MULTI, POLL_IN, POLL_OUT, SOCKET_HOOK, TIMER_HOOK, app_multi, as_ptr, cs, finish,
    get_into as get, info_long, inner, inner_failure, mc, read_done, set_ptr,
};
use conformance::record::scenario;
use fetch::*;
use fixtures::HttpServer;

const FETCHE_ABORTED_BY_CALLBACK: FETCHcode = 42;
const LIMIT: Duration = Duration::from_secs(10);

thread_local! {
    /// The easy handle the CB-01 timer hook passes to add/remove.
    static EASY: Cell<*mut c_void> = const { Cell::new(null_mut()) };
}

/// The shared loop with `call` as the driver until `want` DONE messages
/// arrived, within this file's [`LIMIT`].
fn drive(m: *mut c_void, want: usize, call: Call) -> Vec<(*mut c_void, FETCHcode)> {
    common::drive(m, want, call, LIMIT)
}

/// Fires the timers the multi asks for until the socket callback has
/// announced a socket; returns the first one announced.
///
/// # Safety
/// `m` must be a multi from [`app_multi`] with a transfer added.
unsafe fn first_socket(m: *mut c_void) -> (c_int, c_int) {
    let end = Instant::now() + LIMIT;
    loop {
        if let Some(first) = LOOP.with_borrow(|s| s.watched.iter().next().map(|(&f, &w)| (f, w))) {
            return first;
        }
        assert!(Instant::now() < end, "no socket announced");
        let mut running = 0;
        // SAFETY: a live multi.
        let rc = unsafe { fetch_multi_socket_action(m, FETCH_SOCKET_TIMEOUT, 0, &mut running) };
        assert_eq!(mc(rc), FETCHM_OK);
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn response_code(e: *mut c_void) -> c_long {
    info_long(e, FETCHINFO_RESPONSE_CODE)
}

/// One GET of `/bytes/n` through the hiperfifo loop on `m`.
fn one_get(m: *mut c_void, server: &HttpServer, n: usize) {
    let mut body: Vec<u8> = Vec::new();
    // SAFETY: `body` outlives the handle, which is freed below.
    unsafe {
        let e = get(&server.url(&format!("/bytes/{n}")), &raw mut body);
        assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
        let done = drive(m, 1, Call::SocketAction);
        assert_eq!(done, vec![(e, FETCHE_OK)]);
        assert_eq!(response_code(e), 200);
        assert_eq!(mc(fetch_multi_remove_handle(m, e)), FETCHM_OK);
        fetch_easy_cleanup(e);
    }
    assert_eq!(body, fixtures::pattern(n));
}

/// TF-01: the timer callback gets the multi it belongs to and TIMERDATA
/// (NULL by default, else the pointer set, unchanged).
#[test]
fn timer_callback_gets_its_multi_and_timerdata() {
    scenario(
        "capi_timer_callback_gets_its_multi_and_timerdata",
        &["TF-01", "ERR-02"],
        || {
            let server = HttpServer::start();
            for data in [0usize, 0x7ee1_da7a] {
                let m = app_multi();
                if data != 0 {
                    // SAFETY: a live multi; the value is never dereferenced.
                    let rc = unsafe {
                        fetch_multi_setopt_ptr(m, FETCHMOPT_TIMERDATA, data as *const c_void)
                    };
                    assert_eq!(mc(rc), FETCHM_OK);
                }
                one_get(m, &server, 1000);
                let calls = LOOP.with_borrow(|s| s.timer_calls.clone());
                assert!(!calls.is_empty(), "the timer callback ran");
                for (multi, ms, clientp) in calls {
                    assert_eq!(multi, m as usize, "TF-01: the multi argument");
                    assert_eq!(clientp, data, "TF-01: clientp is TIMERDATA");
                    assert!(ms >= -1);
                }
                finish(m, &[]);
            }
        },
    );
}

/// OPT-02: the four callback options default to NULL and accept NULL; bogus
/// non-NULL SOCKETDATA/TIMERDATA are passed through and never dereferenced.
#[test]
fn callback_data_pointers_pass_through_undereferenced() {
    scenario(
        "capi_callback_data_pointers_pass_through_undereferenced",
        &["OPT-02", "ERR-02"],
        || {
            let server = HttpServer::start();
            // Unaligned and unmapped: dereferencing either would fault.
            let (sock_data, timer_data) = (0xdead_0001usize, 0xbeef_0003usize);
            // SAFETY: a fresh multi; NULL is valid for all four options.
            unsafe {
                let plain = fetch_multi_init();
                for opt in [
                    FETCHMOPT_SOCKETFUNCTION,
                    FETCHMOPT_SOCKETDATA,
                    FETCHMOPT_TIMERFUNCTION,
                    FETCHMOPT_TIMERDATA,
                ] {
                    assert_eq!(
                        mc(fetch_multi_setopt_ptr(plain, opt, std::ptr::null())),
                        FETCHM_OK
                    );
                }
                assert_eq!(mc(fetch_multi_cleanup(plain)), FETCHM_OK);
            }
            let m = app_multi();
            // SAFETY: a live multi; the values are only passed back.
            unsafe {
                assert_eq!(
                    mc(fetch_multi_setopt_ptr(
                        m,
                        FETCHMOPT_SOCKETDATA,
                        sock_data as *const c_void
                    )),
                    FETCHM_OK
                );
                assert_eq!(
                    mc(fetch_multi_setopt_ptr(
                        m,
                        FETCHMOPT_TIMERDATA,
                        timer_data as *const c_void
                    )),
                    FETCHM_OK
                );
            }
            one_get(m, &server, 20_000);
            finish(m, &[]);
            LOOP.with_borrow(|s| {
                assert!(!s.socket_clientp.is_empty() && !s.timer_calls.is_empty());
                assert!(s.socket_clientp.iter().all(|&c| c == sock_data));
                assert!(s.timer_calls.iter().all(|&(_, _, c)| c == timer_data));
            });
        },
    );
}

fn zeroed_set() -> libc::fd_set {
    // SAFETY: an all-zero fd_set is an empty set (what FD_ZERO produces).
    unsafe { std::mem::zeroed() }
}

/// FD-01, FD-02: fdset only adds bits; max_fd is -1 for an empty multi and
/// at least the socket announced while a transfer connects.
#[test]
fn fdset_adds_bits_and_reports_max_fd() {
    scenario(
        "capi_fdset_adds_bits_and_reports_max_fd",
        &["FD-01", "FD-02", "ERR-02"],
        || {
            let mut pipe = [0 as c_int; 2];
            // SAFETY: a two-element array for pipe(2).
            assert_eq!(unsafe { libc::pipe(pipe.as_mut_ptr()) }, 0);
            let [mine_r, mine_w] = pipe;
            let (mut r, mut w, mut x) = (zeroed_set(), zeroed_set(), zeroed_set());
            let mut max: c_int = 12345;
            let srv = fixtures::silent_server();
            let m = app_multi();
            // SAFETY: valid sets, fds below FD_SETSIZE, live handles.
            unsafe {
                libc::FD_SET(mine_r, &mut r);
                libc::FD_SET(mine_w, &mut w);
                libc::FD_SET(mine_r, &mut x);
                assert_eq!(
                    mc(fetch_multi_fdset(m, &mut r, &mut w, &mut x, &mut max)),
                    FETCHM_OK
                );
                assert_eq!(max, -1, "FD-02: empty multi");
                assert!(libc::FD_ISSET(mine_r, &r) && libc::FD_ISSET(mine_w, &w));
                assert!(libc::FD_ISSET(mine_r, &x), "FD-01: caller bits kept");

                let mut sink: Vec<u8> = Vec::new();
                let e = get(&srv.url("/"), &raw mut sink);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                let (fd, what) = first_socket(m);
                let (mut r, mut w, mut x) = (zeroed_set(), zeroed_set(), zeroed_set());
                libc::FD_SET(mine_r, &mut r);
                libc::FD_SET(mine_w, &mut w);
                libc::FD_SET(mine_r, &mut x);
                assert_eq!(
                    mc(fetch_multi_fdset(m, &mut r, &mut w, &mut x, &mut max)),
                    FETCHM_OK
                );
                assert!(max >= fd, "FD-02: max_fd {max} < announced socket {fd}");
                assert_eq!(libc::FD_ISSET(fd, &r), what & POLL_IN != 0);
                assert_eq!(libc::FD_ISSET(fd, &w), what & POLL_OUT != 0);
                assert!(libc::FD_ISSET(mine_r, &r), "FD-01: read bit kept");
                assert!(libc::FD_ISSET(mine_w, &w), "FD-01: write bit kept");
                assert!(libc::FD_ISSET(mine_r, &x), "FD-01: except bit kept");
                finish(m, &[e]);
                libc::close(mine_r);
                libc::close(mine_w);
            }
        },
    );
}

/// FD-13: size 0 reports how many entries are needed, a large enough array
/// is filled, a non-NULL array that is too small gives OUT_OF_MEMORY, and
/// NULL with a size gives BAD_FUNCTION_ARGUMENT.
#[test]
fn waitfds_sizes_mid_transfer() {
    scenario(
        "capi_waitfds_sizes_mid_transfer",
        &["FD-13", "ERR-02"],
        || {
            let srv = fixtures::silent_server();
            let m = app_multi();
            let mut sink: Vec<u8> = Vec::new();
            // SAFETY: live handles; arrays of the sizes passed.
            unsafe {
                let e = get(&srv.url("/"), &raw mut sink);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                let (fd, what) = first_socket(m);
                let mut count = 0u32;
                assert_eq!(
                    mc(fetch_multi_waitfds(m, null_mut(), 0, &mut count)),
                    FETCHM_OK
                );
                assert!(count >= 1, "a socket is in use");
                let mut fds = vec![fetch_waitfd::default(); count as usize];
                let mut n = 0u32;
                assert_eq!(
                    mc(fetch_multi_waitfds(m, fds.as_mut_ptr(), count, &mut n)),
                    FETCHM_OK
                );
                assert!(n <= count);
                let entry = fds[..n as usize].iter().find(|w| w.fd == fd);
                let entry = entry.expect("the announced socket is listed");
                assert_eq!(entry.events & FETCH_WAIT_POLLIN != 0, what & POLL_IN != 0);
                assert_eq!(entry.events & FETCH_WAIT_POLLOUT != 0, what & POLL_OUT != 0);
                assert_eq!(
                    mc(fetch_multi_waitfds(m, fds.as_mut_ptr(), 0, &mut n)),
                    FETCHM_OUT_OF_MEMORY
                );
                assert_eq!(
                    mc(fetch_multi_waitfds(m, null_mut(), 1, &mut n)),
                    FETCHM_BAD_FUNCTION_ARGUMENT
                );
                finish(m, &[e]);
            }
        },
    );
}

/// TO-04: OK outside callbacks, BAD_HANDLE for NULL, RECURSIVE_API_CALL
/// from inside the timer callback.
#[test]
fn timeout_codes_inside_and_outside_callbacks() {
    scenario(
        "capi_timeout_codes_inside_and_outside_callbacks",
        &["TO-04", "ERR-02"],
        || {
            let server = HttpServer::start();
            let m = app_multi();
            let mut ms: c_long = 0;
            // SAFETY: live handle or NULL, valid out-pointers.
            unsafe {
                assert_eq!(mc(fetch_multi_timeout(m, &mut ms)), FETCHM_OK);
                assert_eq!(ms, -1);
                assert_eq!(
                    mc(fetch_multi_timeout(null_mut(), &mut ms)),
                    FETCHM_BAD_HANDLE
                );
            }
            TIMER_HOOK.set(Some(|m, _| {
                let mut ms: c_long = 0;
                // SAFETY: the multi whose timer callback is running.
                inner(unsafe { fetch_multi_timeout(m, &mut ms) });
            }));
            one_get(m, &server, 100);
            TIMER_HOOK.set(None);
            let codes = LOOP.with_borrow(|s| s.inner.clone());
            assert!(!codes.is_empty(), "the timer callback ran");
            assert!(
                codes.iter().all(|&c| c == FETCHM_RECURSIVE_API_CALL),
                "TO-04: {codes:?}"
            );
            // SAFETY: a live handle, outside any callback.
            unsafe {
                assert_eq!(mc(fetch_multi_timeout(m, &mut ms)), FETCHM_OK);
                finish(m, &[]);
            }
        },
    );
}

/// Calls every function CB-01 lists on `m`, with `e` for add/remove.
///
/// # Safety
/// `m` must be a live multi, `e` NULL or a live easy handle.
unsafe fn guarded_calls(m: *mut c_void, e: *mut c_void) -> Vec<FETCHMcode> {
    let mut running = 0;
    let mut ms: c_long = 0;
    let mut max = 0;
    let mut count = 0u32;
    let (mut r, mut w, mut x) = (zeroed_set(), zeroed_set(), zeroed_set());
    // SAFETY: as documented above; valid out-pointers.
    unsafe {
        vec![
            fetch_multi_add_handle(m, e),
            fetch_multi_remove_handle(m, e),
            fetch_multi_perform(m, &mut running),
            fetch_multi_socket_action(m, FETCH_SOCKET_TIMEOUT, 0, &mut running),
            fetch_multi_socket(m, FETCH_SOCKET_TIMEOUT, &mut running),
            fetch_multi_socket_all(m, &mut running),
            fetch_multi_setopt_long(m, FETCHMOPT_MAXCONNECTS, 3),
            fetch_multi_timeout(m, &mut ms),
            fetch_multi_fdset(m, &mut r, &mut w, &mut x, &mut max),
            fetch_multi_waitfds(m, null_mut(), 0, &mut count),
            fetch_multi_wait(m, null_mut(), 0, 0, null_mut()),
            fetch_multi_poll(m, null_mut(), 0, 0, null_mut()),
            fetch_multi_cleanup(m),
        ]
    }
}

/// CB-01: inside the timer callback every guarded call returns 8 and does
/// nothing; after the callback the same calls work.
#[test]
fn guarded_calls_refused_inside_the_timer_callback() {
    scenario(
        "capi_guarded_calls_refused_inside_the_timer_callback",
        &["CB-01", "ERR-02"],
        || {
            let server = HttpServer::start();
            let m = app_multi();
            let mut body: Vec<u8> = Vec::new();
            TIMER_HOOK.set(Some(|m, _| {
                // SAFETY: the multi whose timer callback is running and the
                // handle being added or run.
                for code in unsafe { guarded_calls(m, EASY.get()) } {
                    inner(code);
                }
            }));
            // SAFETY: live handles; `body` outlives the transfer.
            unsafe {
                let e = get(&server.url("/bytes/3000"), &raw mut body);
                EASY.set(e);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                let done = drive(m, 1, Call::SocketAction);
                TIMER_HOOK.set(None);
                assert_eq!(done, vec![(e, FETCHE_OK)], "the transfer was not disturbed");
                let codes = LOOP.with_borrow(|s| s.inner.clone());
                assert!(codes.len() >= 13, "the timer callback ran");
                assert!(
                    codes.iter().all(|&c| c == FETCHM_RECURSIVE_API_CALL),
                    "CB-01: {codes:?}"
                );
                // After the callbacks: the same calls work (cleanup last).
                let spare = fetch_easy_init();
                let after = guarded_calls(m, spare);
                assert!(after.iter().all(|&c| mc(c) == FETCHM_OK), "{after:?}");
                fetch_easy_cleanup(spare);
                fetch_easy_cleanup(e);
            }
            assert_eq!(body, fixtures::pattern(3000));
        },
    );
}

/// The context of the write callbacks below (WRITEDATA).
struct WriteCtx {
    multi: *mut c_void,
    easy: *mut c_void,
    body: Vec<u8>,
    codes: Vec<c_int>,
}

/// Tries `remove_handle(self)` on every write, then keeps the data.
unsafe extern "C" fn remove_self_write(
    p: *mut c_char,
    size: usize,
    n: usize,
    ctx: *mut c_void,
) -> usize {
    // SAFETY: WRITEDATA is a live WriteCtx only this callback touches while
    // the transfer runs; `p` holds `size * n` bytes.
    unsafe {
        let ctx = &mut *ctx.cast::<WriteCtx>();
        ctx.codes
            .push(fetch_multi_remove_handle(ctx.multi, ctx.easy));
        ctx.body
            .extend_from_slice(std::slice::from_raw_parts(p.cast::<u8>(), size * n));
    }
    size * n
}

/// Tries `easy_perform(self)` on every write, then keeps the data.
unsafe extern "C" fn perform_self_write(
    p: *mut c_char,
    size: usize,
    n: usize,
    ctx: *mut c_void,
) -> usize {
    // SAFETY: as in `remove_self_write`.
    unsafe {
        let ctx = &mut *ctx.cast::<WriteCtx>();
        ctx.codes.push(fetch_easy_perform(ctx.easy));
        ctx.body
            .extend_from_slice(std::slice::from_raw_parts(p.cast::<u8>(), size * n));
    }
    size * n
}

/// A handle for `u` whose write callback is `write` with a fresh WriteCtx
/// (returned as a raw Box; free it with `Box::from_raw`).
///
/// # Safety
/// `multi` NULL or a live multi.
unsafe fn ctx_handle(
    u: &str,
    multi: *mut c_void,
    write: fetch_write_callback,
) -> (*mut c_void, *mut WriteCtx) {
    let u = cs(u);
    // SAFETY: a fresh handle; the context outlives it (freed by the caller
    // after the handle).
    unsafe {
        let e = fetch_easy_init();
        let ctx = Box::into_raw(Box::new(WriteCtx {
            multi,
            easy: e,
            body: Vec::new(),
            codes: Vec::new(),
        }));
        set_ptr(e, FETCHOPT_URL, u.as_ptr().cast());
        set_ptr(e, FETCHOPT_WRITEFUNCTION, as_ptr(write));
        set_ptr(e, FETCHOPT_WRITEDATA, ctx.cast_const().cast());
        (e, ctx)
    }
}

/// CB-02: `remove_handle(self)` from inside the write callback returns 8
/// and the transfer carries on to a complete body.
#[test]
fn remove_self_from_write_callback_is_refused() {
    scenario(
        "capi_remove_self_from_write_callback_is_refused",
        &["CB-02", "ERR-02"],
        || {
            let server = HttpServer::start();
            let m = app_multi();
            // SAFETY: live handles; the context is freed after the handle.
            unsafe {
                let (e, ctx) = ctx_handle(&server.url("/bytes/200000"), m, remove_self_write);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                let done = drive(m, 1, Call::SocketAction);
                assert_eq!(done, vec![(e, FETCHE_OK)]);
                assert_eq!(response_code(e), 200);
                finish(m, &[e]);
                let ctx = Box::from_raw(ctx);
                assert!(!ctx.codes.is_empty());
                assert!(
                    ctx.codes
                        .iter()
                        .all(|&c| mc(c) == FETCHM_RECURSIVE_API_CALL),
                    "CB-02: {:?}",
                    ctx.codes
                );
                assert_eq!(ctx.body, fixtures::pattern(200_000), "carried on");
            }
        },
    );
}

/// CB-05: `easy_perform(self)` inside its own `easy_perform` gives
/// FETCHE_RECURSIVE_API_CALL (93); inside a multi transfer's callback it
/// gives FETCHE_FAILED_INIT (2), as for any added handle.
#[test]
fn easy_perform_on_itself_from_its_write_callback() {
    scenario(
        "capi_easy_perform_on_itself_from_its_write_callback",
        &["CB-05", "ERR-02"],
        || {
            let server = HttpServer::start();
            // SAFETY: live handles; contexts are freed after their handles.
            unsafe {
                let (e, ctx) =
                    ctx_handle(&server.url("/bytes/50000"), null_mut(), perform_self_write);
                assert_eq!(fetch_easy_perform(e), FETCHE_OK);
                fetch_easy_cleanup(e);
                let ctx = Box::from_raw(ctx);
                assert!(!ctx.codes.is_empty());
                assert!(
                    ctx.codes.iter().all(|&c| c == FETCHE_RECURSIVE_API_CALL),
                    "CB-05: {:?}",
                    ctx.codes
                );
                assert_eq!(ctx.body, fixtures::pattern(50_000));

                let m = app_multi();
                let (e, ctx) = ctx_handle(&server.url("/bytes/50000"), m, perform_self_write);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                assert_eq!(drive(m, 1, Call::SocketAction), vec![(e, FETCHE_OK)]);
                finish(m, &[e]);
                let ctx = Box::from_raw(ctx);
                assert!(!ctx.codes.is_empty());
                assert!(
                    ctx.codes.iter().all(|&c| c == FETCHE_FAILED_INIT),
                    "CB-05 on an added handle: {:?}",
                    ctx.codes
                );
                assert_eq!(ctx.body, fixtures::pattern(50_000));
            }
        },
    );
}

/// CB-04: strerror, get_handles and wakeup work inside the socket and
/// timer callbacks.
#[test]
fn allowed_calls_inside_callbacks() {
    fn check(m: *mut c_void, easy: *mut c_void) {
        // SAFETY: the multi whose callback is running; the array is
        // NULL-terminated and freed with fetch_free.
        unsafe {
            if fetch_multi_strerror(FETCHM_OK).is_null() {
                inner_failure("strerror gave NULL".into());
            }
            let list = fetch_multi_get_handles(m);
            if list.is_null() {
                inner_failure("get_handles gave NULL".into());
            } else {
                let mut found = easy.is_null();
                let mut i = 0;
                while !(*list.add(i)).is_null() {
                    found |= *list.add(i) == easy;
                    i += 1;
                }
                if !found {
                    inner_failure("get_handles misses the callback's easy".into());
                }
                fetch_free(list.cast());
            }
            inner(fetch_multi_wakeup(m));
        }
    }
    scenario(
        "capi_allowed_calls_inside_callbacks",
        &["CB-04", "ERR-02"],
        || {
            let server = HttpServer::start();
            let m = app_multi();
            SOCKET_HOOK.set(Some(check));
            TIMER_HOOK.set(Some(check));
            one_get(m, &server, 5000);
            SOCKET_HOOK.set(None);
            TIMER_HOOK.set(None);
            finish(m, &[]);
            LOOP.with_borrow(|s| {
                assert!(s.inner_failures.is_empty(), "CB-04: {:?}", s.inner_failures);
                assert!(!s.inner.is_empty(), "callbacks ran");
                assert!(
                    s.inner.iter().all(|&c| mc(c) == FETCHM_OK),
                    "CB-04 wakeup: {:?}",
                    s.inner
                );
            });
        },
    );
}

/// HM-04: `easy_perform` on an added handle gives FETCHE_FAILED_INIT (2);
/// once removed, the easy interface can use it again.
#[test]
fn easy_perform_refused_while_added_then_works() {
    scenario(
        "capi_easy_perform_refused_while_added_then_works",
        &["HM-04", "ERR-02"],
        || {
            let server = HttpServer::start();
            let mut body: Vec<u8> = Vec::new();
            // SAFETY: live handles; `body` outlives the handle.
            unsafe {
                let m = fetch_multi_init();
                let e = get(&server.url("/bytes/4000"), &raw mut body);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                assert_eq!(fetch_easy_perform(e), FETCHE_FAILED_INIT);
                assert_eq!(mc(fetch_multi_remove_handle(m, e)), FETCHM_OK);
                assert!(body.is_empty(), "the refused perform did nothing");
                assert_eq!(fetch_easy_perform(e), FETCHE_OK);
                assert_eq!(response_code(e), 200);
                fetch_easy_cleanup(e);
                assert_eq!(mc(fetch_multi_cleanup(m)), FETCHM_OK);
            }
            assert_eq!(body, fixtures::pattern(4000));
        },
    );
}

/// HM-10: a handle still added when its multi is cleaned up is detached,
/// not freed, and `easy_perform` then runs it to completion.
#[test]
fn cleanup_detaches_added_handles() {
    scenario(
        "capi_cleanup_detaches_added_handles",
        &["HM-10", "ERR-02"],
        || {
            let server = HttpServer::start();
            let mut started: Vec<u8> = Vec::new();
            let mut body: Vec<u8> = Vec::new();
            // SAFETY: live handles; the sinks outlive the handle.
            unsafe {
                let m = app_multi();
                let e = get(&server.url("/bytes/3000"), &raw mut started);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                first_socket(m);
                assert_eq!(mc(fetch_multi_cleanup(m)), FETCHM_OK);
                MULTI.set(null_mut());
                assert_eq!(
                    fetch_easy_setopt_ptr(
                        e,
                        FETCHOPT_WRITEDATA,
                        (&raw mut body).cast_const().cast()
                    ),
                    FETCHE_OK
                );
                assert_eq!(fetch_easy_perform(e), FETCHE_OK, "HM-10");
                assert_eq!(response_code(e), 200);
                let m2 = fetch_multi_init();
                assert_eq!(mc(fetch_multi_add_handle(m2, e)), FETCHM_OK);
                assert_eq!(mc(fetch_multi_remove_handle(m2, e)), FETCHM_OK);
                assert_eq!(mc(fetch_multi_cleanup(m2)), FETCHM_OK);
                fetch_easy_cleanup(e);
            }
            assert_eq!(body, fixtures::pattern(3000));
        },
    );
}

/// SA-10: the deprecated drivers work. One transfer driven only by
/// `socket_all`, one by `fetch_multi_socket` (events unknown).
#[test]
fn deprecated_socket_and_socket_all_drive_transfers() {
    scenario(
        "capi_deprecated_socket_and_socket_all_drive_transfers",
        &["SA-10", "ERR-02"],
        || {
            let server = HttpServer::start();
            let mut body: Vec<u8> = Vec::new();
            // SAFETY: live handles; `body` outlives the handles.
            unsafe {
                let m = fetch_multi_init();
                let e = get(&server.url("/chunked/30000"), &raw mut body);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                let end = Instant::now() + LIMIT;
                let mut running = -1;
                let mut done = Vec::new();
                while done.is_empty() {
                    assert!(Instant::now() < end, "socket_all alone did not finish");
                    assert_eq!(mc(fetch_multi_socket_all(m, &mut running)), FETCHM_OK);
                    done.extend(read_done(m));
                    std::thread::sleep(Duration::from_millis(1));
                }
                assert_eq!(running, 0);
                assert_eq!(done, vec![(e, FETCHE_OK)]);
                assert_eq!(mc(fetch_multi_remove_handle(m, e)), FETCHM_OK);
                fetch_easy_cleanup(e);
                assert_eq!(mc(fetch_multi_cleanup(m)), FETCHM_OK);
            }
            assert_eq!(body, fixtures::pattern(30_000));
            let mut body: Vec<u8> = Vec::new();
            let m = app_multi();
            // SAFETY: as above.
            unsafe {
                let e = get(&server.url("/bytes/30000"), &raw mut body);
                assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                assert_eq!(drive(m, 1, Call::Socket), vec![(e, FETCHE_OK)]);
                finish(m, &[e]);
            }
            assert_eq!(body, fixtures::pattern(30_000));
        },
    );
}

/// OPT-07: MAX_CONCURRENT_STREAMS accepts the valid range and (silently
/// using the default) any value outside it; HTTP/1.1 transfers are
/// unaffected. The resulting stream limit is not observable without
/// HTTP/2, which libfetch does not speak.
#[test]
fn max_concurrent_streams_accepts_any_value() {
    scenario(
        "capi_max_concurrent_streams_accepts_any_value",
        &["OPT-07", "ERR-02"],
        || {
            let server = HttpServer::start();
            let m = app_multi();
            let mut values: Vec<c_long> = vec![1, 2, 100, 2_147_483_647, 0, -1, c_long::MIN];
            // Above the range where `long` can hold it.
            values.extend(c_long::try_from(2_147_483_648i64).ok());
            for v in values {
                // SAFETY: a live multi.
                let rc = unsafe { fetch_multi_setopt_long(m, FETCHMOPT_MAX_CONCURRENT_STREAMS, v) };
                assert_eq!(mc(rc), FETCHM_OK, "OPT-07: value {v}");
            }
            one_get(m, &server, 2000);
            finish(m, &[]);
        },
    );
}

/// OPT-08: every PIPELINING value gives correct HTTP/1.1 transfers, and 1
/// behaves like 0 (same number of connections).
#[test]
fn pipelining_values_on_http1() {
    scenario(
        "capi_pipelining_values_on_http1",
        &["OPT-08", "ERR-02"],
        || {
            let sizes = [5000usize, 7000, 1];
            let mut connections = Vec::new();
            for v in [0 as c_long, 1, 2] {
                let server = HttpServer::start();
                let m = app_multi();
                let mut bodies = vec![Vec::new(), Vec::new(), Vec::new()];
                // SAFETY: live handles; `bodies` is not resized while the
                // handles write into its elements.
                unsafe {
                    assert_eq!(
                        mc(fetch_multi_setopt_long(m, FETCHMOPT_PIPELINING, v)),
                        FETCHM_OK
                    );
                    let sinks = bodies.as_mut_ptr();
                    let easies: Vec<_> = sizes
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            let path = if i == 1 { "chunked" } else { "bytes" };
                            get(&server.url(&format!("/{path}/{n}")), sinks.add(i))
                        })
                        .collect();
                    for &e in &easies {
                        assert_eq!(mc(fetch_multi_add_handle(m, e)), FETCHM_OK);
                    }
                    let mut done = drive(m, 3, Call::SocketAction);
                    done.sort();
                    let mut want: Vec<_> = easies.iter().map(|&e| (e, FETCHE_OK)).collect();
                    want.sort();
                    assert_eq!(done, want, "PIPELINING {v}");
                    finish(m, &easies);
                }
                for (body, &n) in bodies.iter().zip(&sizes) {
                    assert_eq!(*body, fixtures::pattern(n), "PIPELINING {v}");
                }
                connections.push(server.accepted());
            }
            assert_eq!(connections[0], connections[1], "1 behaves like 0");
        },
    );
}

/// SF-05, SF-06: a socket callback returning -1 makes the triggering call
/// return ABORTED_BY_CALLBACK, both transfers end with
/// FETCHE_ABORTED_BY_CALLBACK, and add_handle returns 11 until the old
/// handles are removed.
#[test]
fn failing_socket_callback_aborts_and_blocks_adds() {
    scenario(
        "capi_failing_socket_callback_aborts_and_blocks_adds",
        &["SF-05", "SF-06", "ERR-02"],
        || {
            let srv = fixtures::silent_server();
            let m = app_multi();
            let mut sinks = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
            let sinks = sinks.as_mut_ptr();
            // SAFETY: live handles; the sinks outlive them.
            unsafe {
                let a = get(&srv.url("/a"), sinks);
                let b = get(&srv.url("/b"), sinks.add(1));
                assert_eq!(mc(fetch_multi_add_handle(m, a)), FETCHM_OK);
                assert_eq!(mc(fetch_multi_add_handle(m, b)), FETCHM_OK);
                LOOP.with_borrow_mut(|s| s.fail_socket_once = true);
                let mut running = -1;
                assert_eq!(
                    mc(fetch_multi_socket_action(
                        m,
                        FETCH_SOCKET_TIMEOUT,
                        0,
                        &mut running
                    )),
                    FETCHM_ABORTED_BY_CALLBACK
                );
                assert_eq!(
                    mc(fetch_multi_socket_action(
                        m,
                        FETCH_SOCKET_TIMEOUT,
                        0,
                        &mut running
                    )),
                    FETCHM_OK
                );
                let mut done = read_done(m);
                done.sort();
                let mut want = vec![
                    (a, FETCHE_ABORTED_BY_CALLBACK),
                    (b, FETCHE_ABORTED_BY_CALLBACK),
                ];
                want.sort();
                assert_eq!(done, want, "SF-05");
                let c = get(&srv.url("/c"), sinks.add(2));
                assert_eq!(mc(fetch_multi_add_handle(m, c)), FETCHM_ABORTED_BY_CALLBACK);
                assert_eq!(mc(fetch_multi_remove_handle(m, a)), FETCHM_OK);
                assert_eq!(
                    mc(fetch_multi_add_handle(m, c)),
                    FETCHM_ABORTED_BY_CALLBACK,
                    "until every old handle is removed"
                );
                assert_eq!(mc(fetch_multi_remove_handle(m, b)), FETCHM_OK);
                assert_eq!(mc(fetch_multi_add_handle(m, c)), FETCHM_OK);
                let d = get(&srv.url("/d"), sinks.add(3));
                assert_eq!(mc(fetch_multi_add_handle(m, d)), FETCHM_OK);
                fetch_easy_cleanup(a);
                fetch_easy_cleanup(b);
                finish(m, &[c, d]);
            }
        },
    );
}

/// ERR-02: a perform-style app that calls every multi function with valid
/// arguments on every turn never gets -1.
#[test]
fn no_call_returns_call_multi_perform() {
    scenario(
        "capi_no_call_returns_call_multi_perform",
        &["ERR-02"],
        || {
            let server = HttpServer::start();
            let mut bodies = [Vec::new(), Vec::new()];
            let sinks = bodies.as_mut_ptr();
            // SAFETY: live handles and valid out-pointers; the sinks
            // outlive the handles.
            unsafe {
                let m = fetch_multi_init();
                for (opt, v) in [
                    (FETCHMOPT_PIPELINING, 1),
                    (FETCHMOPT_MAXCONNECTS, 4),
                    (FETCHMOPT_MAX_HOST_CONNECTIONS, 2),
                    (FETCHMOPT_MAX_PIPELINE_LENGTH, 3),
                    (FETCHMOPT_MAX_TOTAL_CONNECTIONS, 8),
                    (FETCHMOPT_MAX_CONCURRENT_STREAMS, 10),
                ] {
                    assert_eq!(mc(fetch_multi_setopt_long(m, opt, v)), FETCHM_OK);
                }
                for opt in [
                    FETCHMOPT_CONTENT_LENGTH_PENALTY_SIZE,
                    FETCHMOPT_CHUNK_LENGTH_PENALTY_SIZE,
                ] {
                    assert_eq!(mc(fetch_multi_setopt_off_t(m, opt, 1000)), FETCHM_OK);
                }
                for opt in [FETCHMOPT_PIPELINING_SITE_BL, FETCHMOPT_PIPELINING_SERVER_BL] {
                    assert_eq!(
                        mc(fetch_multi_setopt_ptr(m, opt, std::ptr::null())),
                        FETCHM_OK
                    );
                }
                assert_eq!(
                    mc(fetch_multi_setopt_func(m, FETCHMOPT_TIMERFUNCTION, None)),
                    FETCHM_OK
                );
                let a = get(&server.url("/bytes/40000"), sinks);
                let b = get(&server.url("/chunked/40000"), sinks.add(1));
                assert_eq!(mc(fetch_multi_add_handle(m, a)), FETCHM_OK);
                assert_eq!(mc(fetch_multi_add_handle(m, b)), FETCHM_OK);
                let end = Instant::now() + LIMIT;
                let mut running = 2;
                let mut done = Vec::new();
                while done.len() < 2 {
                    assert!(Instant::now() < end, "transfers unfinished");
                    assert_eq!(mc(fetch_multi_perform(m, &mut running)), FETCHM_OK);
                    let mut ms: c_long = 0;
                    assert_eq!(mc(fetch_multi_timeout(m, &mut ms)), FETCHM_OK);
                    let (mut r, mut w, mut x) = (zeroed_set(), zeroed_set(), zeroed_set());
                    let mut max = 0;
                    assert_eq!(
                        mc(fetch_multi_fdset(m, &mut r, &mut w, &mut x, &mut max)),
                        FETCHM_OK
                    );
                    let mut count = 0u32;
                    assert_eq!(
                        mc(fetch_multi_waitfds(m, null_mut(), 0, &mut count)),
                        FETCHM_OK
                    );
                    if max >= 0 {
                        assert_eq!(
                            mc(fetch_multi_assign(m, max, null_mut())),
                            FETCHM_OK,
                            "assign on a socket in use"
                        );
                    }
                    let mut numfds = 0;
                    assert_eq!(
                        mc(fetch_multi_wait(m, null_mut(), 0, 0, &mut numfds)),
                        FETCHM_OK
                    );
                    assert_eq!(
                        mc(fetch_multi_socket_action(
                            m,
                            FETCH_SOCKET_TIMEOUT,
                            0,
                            &mut running
                        )),
                        FETCHM_OK
                    );
                    assert_eq!(
                        mc(fetch_multi_socket(m, FETCH_SOCKET_TIMEOUT, &mut running)),
                        FETCHM_OK
                    );
                    assert_eq!(mc(fetch_multi_socket_all(m, &mut running)), FETCHM_OK);
                    let to = c_int::try_from(ms.clamp(0, 50)).unwrap_or(50);
                    assert_eq!(
                        mc(fetch_multi_poll(m, null_mut(), 0, to, &mut numfds)),
                        FETCHM_OK
                    );
                    done.extend(read_done(m));
                }
                assert_eq!(running, 0);
                assert!(done.iter().all(|&(_, r)| r == FETCHE_OK));
                assert_eq!(mc(fetch_multi_wakeup(m)), FETCHM_OK);
                assert_eq!(mc(fetch_multi_assign(m, 0, null_mut())), FETCHM_BAD_SOCKET);
                for e in [a, b] {
                    assert_eq!(mc(fetch_multi_remove_handle(m, e)), FETCHM_OK);
                    assert_eq!(mc(fetch_multi_remove_handle(m, e)), FETCHM_OK);
                    fetch_easy_cleanup(e);
                }
                assert_eq!(mc(fetch_multi_cleanup(m)), FETCHM_OK);
            }
            assert_eq!(bodies[0], fixtures::pattern(40_000));
            assert_eq!(bodies[1], fixtures::pattern(40_000));
        },
    );
}
