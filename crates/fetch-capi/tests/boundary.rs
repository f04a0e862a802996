//! The C ABI's boundary behaviour, called directly from Rust: NULL, freed
//! and foreign handles, double adds, removal through another multi, the
//! strerror ranges (ERR-03), and re-entrancy from callbacks (CB-01, AS-04).
//!
//! Each test records its outcome as the conformance scenario
//! `capi_<test name>`, naming the rules it asserts, for
//! `cargo xtask conformance`. Tests that compare every multi return code
//! with an exact expected value also count for ERR-02 (no -1).

use std::ffi::{CStr, c_char, c_int, c_long, c_void};
use std::ptr::{self, null_mut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use conformance::record::scenario;
use fetch::*;
use fixtures::HttpServer;

fn url(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s).unwrap()
}

#[test]
fn null_multi_gives_bad_handle_everywhere_err04() {
    scenario(
        "capi_null_multi_gives_bad_handle_everywhere_err04",
        &["ERR-04", "AS-05", "HM-09", "ERR-02"],
        || {
            let mut running = 0;
            let mut ms: c_long = 0;
            let mut count = 0u32;
            let mut max = 0;
            // SAFETY: NULL handles are documented input for every function.
            unsafe {
                let e = fetch_easy_init();
                assert_eq!(fetch_multi_cleanup(null_mut()), FETCHM_BAD_HANDLE);
                assert_eq!(fetch_multi_add_handle(null_mut(), e), FETCHM_BAD_HANDLE);
                assert_eq!(fetch_multi_remove_handle(null_mut(), e), FETCHM_BAD_HANDLE);
                assert_eq!(
                    fetch_multi_setopt_long(null_mut(), FETCHMOPT_MAXCONNECTS, 1),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_setopt_ptr(null_mut(), FETCHMOPT_SOCKETDATA, ptr::null()),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_setopt_func(null_mut(), FETCHMOPT_SOCKETFUNCTION, None),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_socket_action(null_mut(), -1, 0, &mut running),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_socket(null_mut(), -1, &mut running),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_socket_all(null_mut(), &mut running),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_perform(null_mut(), &mut running),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_assign(null_mut(), 0, null_mut()),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(fetch_multi_timeout(null_mut(), &mut ms), FETCHM_BAD_HANDLE);
                assert_eq!(
                    fetch_multi_fdset(null_mut(), null_mut(), null_mut(), null_mut(), &mut max),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_waitfds(null_mut(), null_mut(), 0, &mut count),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_wait(null_mut(), null_mut(), 0, 0, null_mut()),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(
                    fetch_multi_poll(null_mut(), null_mut(), 0, 0, null_mut()),
                    FETCHM_BAD_HANDLE
                );
                assert_eq!(fetch_multi_wakeup(null_mut()), FETCHM_BAD_HANDLE);
                assert!(fetch_multi_info_read(null_mut(), &mut running).is_null());
                assert!(fetch_multi_get_handles(null_mut()).is_null());
                fetch_easy_cleanup(e);
            }
        },
    );
}

#[test]
fn null_and_foreign_easy_handles() {
    scenario(
        "capi_null_and_foreign_easy_handles",
        &["HM-03", "ERR-04", "ERR-02"],
        || {
            let mut foreign = [0u64; 16];
            let f = foreign.as_mut_ptr().cast::<c_void>();
            let mut code: c_long = 0;
            // SAFETY: NULL and a foreign (zeroed, readable) object are documented
            // input; they must be refused, not dereferenced beyond the magic.
            unsafe {
                let m = fetch_multi_init();
                assert_eq!(
                    fetch_multi_add_handle(m, null_mut()),
                    FETCHM_BAD_EASY_HANDLE
                );
                assert_eq!(fetch_multi_add_handle(m, f), FETCHM_BAD_EASY_HANDLE);
                assert_eq!(fetch_multi_remove_handle(m, f), FETCHM_BAD_EASY_HANDLE);
                assert_eq!(fetch_multi_add_handle(f, null_mut()), FETCHM_BAD_HANDLE);
                assert_eq!(
                    fetch_easy_setopt_long(null_mut(), FETCHOPT_VERBOSE, 1),
                    FETCHE_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(
                    fetch_easy_setopt_long(f, FETCHOPT_VERBOSE, 1),
                    FETCHE_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(
                    fetch_easy_getinfo_ptr(f, FETCHINFO_RESPONSE_CODE, (&raw mut code).cast()),
                    FETCHE_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(fetch_easy_perform(null_mut()), FETCHE_BAD_FUNCTION_ARGUMENT);
                assert!(fetch_easy_duphandle(f).is_null());
                fetch_easy_cleanup(f);
                fetch_easy_reset(f);
                assert_eq!(fetch_multi_cleanup(f), FETCHM_BAD_HANDLE);
                assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
            }
            assert!(foreign.iter().all(|&w| w == 0), "foreign memory untouched");
        },
    );
}

#[test]
fn double_add_other_multi_and_remove_rules_hm03_hm08() {
    scenario(
        "capi_double_add_other_multi_and_remove_rules_hm03_hm08",
        &["HM-03", "HM-04", "HM-08", "HM-11", "ERR-02"],
        || {
            // SAFETY: handles from this library, used as documented.
            unsafe {
                let m1 = fetch_multi_init();
                let m2 = fetch_multi_init();
                let e = fetch_easy_init();
                let u = url("http://127.0.0.1:9/");
                assert_eq!(
                    fetch_easy_setopt_ptr(e, FETCHOPT_URL, u.as_ptr().cast()),
                    FETCHE_OK
                );
                assert_eq!(fetch_multi_remove_handle(m1, e), FETCHM_OK, "not added");
                assert_eq!(fetch_multi_add_handle(m1, e), FETCHM_OK);
                assert_eq!(fetch_multi_add_handle(m1, e), FETCHM_ADDED_ALREADY);
                assert_eq!(fetch_multi_add_handle(m2, e), FETCHM_ADDED_ALREADY);
                assert_eq!(fetch_multi_remove_handle(m2, e), FETCHM_BAD_EASY_HANDLE);
                assert_eq!(fetch_easy_perform(e), FETCHE_FAILED_INIT, "HM-04");
                let list = fetch_multi_get_handles(m1);
                assert_eq!(*list, e);
                assert!((*list.add(1)).is_null());
                fetch_free(list.cast());
                assert_eq!(fetch_multi_remove_handle(m1, e), FETCHM_OK);
                assert_eq!(fetch_multi_remove_handle(m1, e), FETCHM_OK);
                assert_eq!(fetch_multi_add_handle(m2, e), FETCHM_OK);
                // HM-10: cleanup detaches, the handle stays usable.
                assert_eq!(fetch_multi_cleanup(m2), FETCHM_OK);
                assert_eq!(fetch_multi_add_handle(m1, e), FETCHM_OK);
                fetch_easy_cleanup(e); // removes it from m1 first
                let list = fetch_multi_get_handles(m1);
                assert!((*list).is_null());
                fetch_free(list.cast());
                assert_eq!(fetch_multi_cleanup(m1), FETCHM_OK);
            }
        },
    );
}

#[test]
fn freed_handles_are_detected() {
    scenario("capi_freed_handles_are_detected", &[], || {
        // SAFETY: the freed handles' memory is only read for the magic value,
        // which is what this test checks; a freed Box may be reused by the
        // allocator, so only a fresh allocation in between could defeat it.
        unsafe {
            let m = fetch_multi_init();
            assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
            let m2 = fetch_multi_init();
            if m2 != m {
                assert_eq!(fetch_multi_cleanup(m), FETCHM_BAD_HANDLE);
            }
            assert_eq!(fetch_multi_cleanup(m2), FETCHM_OK);
        }
    });
}

#[test]
fn strerror_ranges_err03() {
    scenario("capi_strerror_ranges_err03", &["ERR-03"], || {
        // SAFETY: strerror accepts any value and returns static strings.
        unsafe {
            let text = |c| {
                CStr::from_ptr(fetch_multi_strerror(c))
                    .to_str()
                    .unwrap()
                    .to_owned()
            };
            for c in -1..=20 {
                assert!(!fetch_multi_strerror(c).is_null());
            }
            let defined: std::collections::HashSet<String> = (0..=12).map(text).collect();
            assert_eq!(defined.len(), 13);
            for c in 13..=20 {
                assert_eq!(text(c), text(13));
            }
            let etext = |c| {
                CStr::from_ptr(fetch_easy_strerror(c))
                    .to_str()
                    .unwrap()
                    .to_owned()
            };
            assert_eq!(etext(0), "No error");
            assert_ne!(etext(48), etext(102), "UNKNOWN_OPTION has its own text");
            assert_eq!(etext(102), etext(-7));
            assert!(!fetch_easy_strerror(i32::MIN).is_null());
        }
    });
}

#[test]
fn options_unknown_and_type_checks() {
    scenario(
        "capi_options_unknown_and_type_checks",
        &["OPT-01", "OPT-09", "ERR-02"],
        || {
            // SAFETY: valid handles.
            unsafe {
                let m = fetch_multi_init();
                let e = fetch_easy_init();
                assert_eq!(fetch_easy_setopt_long(e, 99999, 1), FETCHE_UNKNOWN_OPTION);
                assert_eq!(fetch_easy_setopt_long(e, FETCHOPT_VERBOSE, 1), FETCHE_OK);
                assert_eq!(
                    fetch_easy_setopt_long(e, FETCHOPT_TIMEOUT_MS, -5),
                    FETCHE_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(
                    fetch_easy_setopt_ptr(e, FETCHOPT_TIMEOUT_MS, ptr::null()),
                    FETCHE_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(
                    fetch_easy_setopt_func(e, FETCHOPT_URL, None),
                    FETCHE_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(
                    fetch_easy_setopt_long(e, FETCHOPT_WRITEDATA, 0),
                    FETCHE_OK,
                    "0 as NULL"
                );
                assert_eq!(fetch_multi_setopt_long(m, 99, 1), FETCHM_UNKNOWN_OPTION);
                assert_eq!(fetch_multi_setopt_long(m, 22, 1), FETCHM_UNKNOWN_OPTION);
                assert_eq!(
                    fetch_multi_setopt_long(m, FETCHMOPT_MAX_PIPELINE_LENGTH, 5),
                    FETCHM_OK
                );
                assert_eq!(
                    fetch_multi_setopt_long(m, FETCHMOPT_MAX_TOTAL_CONNECTIONS, -1),
                    FETCHM_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(
                    fetch_multi_setopt_long(m, FETCHMOPT_MAX_HOST_CONNECTIONS, -1),
                    FETCHM_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(
                    fetch_multi_setopt_ptr(m, FETCHMOPT_SOCKETDATA, 0xdead as *const c_void),
                    FETCHM_OK
                );
                let mut v: c_long = 0;
                assert_eq!(
                    fetch_easy_getinfo_ptr(e, FETCHINFO_LONG + 999, (&raw mut v).cast()),
                    FETCHE_UNKNOWN_OPTION
                );
                assert_eq!(
                    fetch_easy_getinfo_ptr(e, FETCHINFO_RESPONSE_CODE, null_mut()),
                    FETCHE_BAD_FUNCTION_ARGUMENT
                );
                fetch_easy_cleanup(e);
                assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
            }
        },
    );
}

#[test]
fn wait_poll_waitfds_argument_checks() {
    scenario(
        "capi_wait_poll_waitfds_argument_checks",
        &["FD-09", "FD-11", "FD-12", "FD-13", "TO-01", "ERR-02"],
        || {
            // SAFETY: valid handle; NULL arrays are documented input.
            unsafe {
                let m = fetch_multi_init();
                assert_eq!(
                    fetch_multi_poll(m, null_mut(), 0, -1, null_mut()),
                    FETCHM_BAD_FUNCTION_ARGUMENT
                );
                assert_eq!(
                    fetch_multi_wait(m, null_mut(), 1, 0, null_mut()),
                    FETCHM_BAD_FUNCTION_ARGUMENT
                );
                let mut count = 7u32;
                assert_eq!(fetch_multi_waitfds(m, null_mut(), 0, &mut count), FETCHM_OK);
                assert_eq!(count, 0);
                assert_eq!(
                    fetch_multi_waitfds(m, null_mut(), 0, null_mut()),
                    FETCHM_BAD_FUNCTION_ARGUMENT
                );
                let mut ms: c_long = 0;
                assert_eq!(fetch_multi_timeout(m, &mut ms), FETCHM_OK);
                assert_eq!(ms, -1);
                let start = std::time::Instant::now();
                assert_eq!(
                    fetch_multi_wait(m, null_mut(), 0, 10_000, null_mut()),
                    FETCHM_OK
                );
                // A timeout far above the bound: a busy machine cannot make
                // an immediate return look like a sleep, and a sleep cannot pass.
                assert!(start.elapsed().as_secs() < 5, "FD-09: wait returns at once");
                assert_eq!(fetch_multi_wakeup(m), FETCHM_OK);
                let start = std::time::Instant::now();
                assert_eq!(
                    fetch_multi_poll(m, null_mut(), 0, 5000, null_mut()),
                    FETCHM_OK
                );
                assert!(
                    start.elapsed().as_millis() < 1000,
                    "FD-11: woken poll returns"
                );
                assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
            }
        },
    );
}

// ---- re-entrancy: CB-01 / AS-04 / TF-06 ----

static REFUSED: AtomicUsize = AtomicUsize::new(0);
static ASSIGN_RC: AtomicI32 = AtomicI32::new(-99);
static SOCKETP_SEEN: AtomicUsize = AtomicUsize::new(0);
static TIMER_REFUSED: AtomicUsize = AtomicUsize::new(0);
static ALLOWED_FAILED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn reentrant_socket_cb(
    easy: *mut c_void,
    s: c_int,
    what: c_int,
    clientp: *mut c_void,
    socketp: *mut c_void,
) -> c_int {
    let m = clientp;
    let mut running = 0;
    let mut ms: c_long = 0;
    let mut max = 0;
    let mut count = 0u32;
    // SAFETY: `m` is the multi passed as SOCKETDATA; these calls must be
    // refused with RECURSIVE_API_CALL and do nothing.
    unsafe {
        let codes = [
            fetch_multi_add_handle(m, easy),
            fetch_multi_remove_handle(m, easy),
            fetch_multi_perform(m, &mut running),
            fetch_multi_socket_action(m, -1, 0, &mut running),
            fetch_multi_socket(m, -1, &mut running),
            fetch_multi_socket_all(m, &mut running),
            fetch_multi_cleanup(m),
            fetch_multi_setopt_long(m, FETCHMOPT_MAXCONNECTS, 3),
            fetch_multi_timeout(m, &mut ms),
            fetch_multi_fdset(m, null_mut(), null_mut(), null_mut(), &mut max),
            fetch_multi_waitfds(m, null_mut(), 0, &mut count),
            fetch_multi_wait(m, null_mut(), 0, 0, null_mut()),
            fetch_multi_poll(m, null_mut(), 0, 0, null_mut()),
        ];
        if codes.iter().all(|&c| c == FETCHM_RECURSIVE_API_CALL) {
            REFUSED.fetch_add(1, Ordering::SeqCst);
        }
        // CB-04: allowed calls. Counted, not asserted: a panic cannot
        // unwind out of this extern "C" callback.
        let list = fetch_multi_get_handles(m);
        if list.is_null() || fetch_multi_strerror(1).is_null() {
            ALLOWED_FAILED.fetch_add(1, Ordering::SeqCst);
        }
        fetch_free(list.cast());
        if what != FETCH_POLL_REMOVE {
            if socketp.is_null() {
                ASSIGN_RC.store(
                    fetch_multi_assign(m, s, 0x1234 as *mut c_void),
                    Ordering::SeqCst,
                );
            } else if socketp as usize == 0x1234 {
                SOCKETP_SEEN.fetch_add(1, Ordering::SeqCst);
            }
        } else if socketp as usize == 0x1234 {
            SOCKETP_SEEN.fetch_add(1, Ordering::SeqCst);
        }
    }
    0
}

unsafe extern "C" fn reentrant_timer_cb(
    m: *mut c_void,
    _ms: c_long,
    _clientp: *mut c_void,
) -> c_int {
    let mut running = 0;
    // SAFETY: `m` is the multi whose timer callback this is.
    unsafe {
        if fetch_multi_socket_action(m, -1, 0, &mut running) == FETCHM_RECURSIVE_API_CALL
            && fetch_multi_cleanup(m) == FETCHM_RECURSIVE_API_CALL
        {
            TIMER_REFUSED.fetch_add(1, Ordering::SeqCst);
        }
    }
    0
}

unsafe extern "C" fn discard(_p: *mut c_char, size: usize, n: usize, _u: *mut c_void) -> usize {
    size * n
}

fn as_ptr<T>(f: T) -> *const c_void {
    assert_eq!(size_of::<T>(), size_of::<*const c_void>());
    // SAFETY: a function pointer is passed as a data pointer, as the C
    // header's _Generic macro does.
    unsafe { std::mem::transmute_copy(&f) }
}

#[test]
fn calls_from_callbacks_are_refused_but_assign_works_cb01_as04() {
    scenario(
        "capi_calls_from_callbacks_are_refused_but_assign_works_cb01_as04",
        &[
            "CB-01", "CB-03", "CB-04", "AS-01", "AS-04", "IR-03", "IR-04",
        ],
        || {
            let server = HttpServer::start();
            let u = url(&server.url("/bytes/100000"));
            // SAFETY: handles and callbacks used as documented.
            unsafe {
                let m = fetch_multi_init();
                let e = fetch_easy_init();
                fetch_multi_setopt_ptr(
                    m,
                    FETCHMOPT_SOCKETFUNCTION,
                    as_ptr(reentrant_socket_cb as unsafe extern "C" fn(_, _, _, _, _) -> _),
                );
                fetch_multi_setopt_ptr(m, FETCHMOPT_SOCKETDATA, m);
                fetch_multi_setopt_ptr(
                    m,
                    FETCHMOPT_TIMERFUNCTION,
                    as_ptr(reentrant_timer_cb as unsafe extern "C" fn(_, _, _) -> _),
                );
                fetch_easy_setopt_ptr(e, FETCHOPT_URL, u.as_ptr().cast());
                fetch_easy_setopt_ptr(
                    e,
                    FETCHOPT_WRITEFUNCTION,
                    as_ptr(discard as unsafe extern "C" fn(_, _, _, _) -> _),
                );
                assert_eq!(fetch_multi_add_handle(m, e), FETCHM_OK);
                let mut running = 1;
                let mut result = None;
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while result.is_none() && std::time::Instant::now() < deadline {
                    assert_eq!(fetch_multi_perform(m, &mut running), FETCHM_OK);
                    let mut left = 0;
                    let msg = fetch_multi_info_read(m, &mut left);
                    if !msg.is_null() {
                        assert_eq!((*msg).msg, FETCHMSG_DONE);
                        assert_eq!((*msg).easy_handle, e);
                        result = Some((*msg).data.result);
                    }
                    fetch_multi_poll(m, null_mut(), 0, 100, null_mut());
                }
                assert_eq!(result, Some(FETCHE_OK));
                let mut code: c_long = 0;
                fetch_easy_getinfo_ptr(e, FETCHINFO_RESPONSE_CODE, (&raw mut code).cast());
                assert_eq!(code, 200);
                assert_eq!(fetch_multi_remove_handle(m, e), FETCHM_OK);
                fetch_easy_cleanup(e);
                assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
            }
            assert!(REFUSED.load(Ordering::SeqCst) >= 1);
            assert!(TIMER_REFUSED.load(Ordering::SeqCst) >= 1);
            assert_eq!(ALLOWED_FAILED.load(Ordering::SeqCst), 0, "CB-04");
            assert_eq!(ASSIGN_RC.load(Ordering::SeqCst), FETCHM_OK);
            assert!(
                SOCKETP_SEEN.load(Ordering::SeqCst) >= 1,
                "AS-01: socketp arrives"
            );
        },
    );
}

unsafe extern "C" fn failing_timer(_m: *mut c_void, _ms: c_long, _c: *mut c_void) -> c_int {
    -1
}

#[test]
fn timer_failure_in_add_leaves_multi_usable_tf06() {
    scenario(
        "capi_timer_failure_in_add_leaves_multi_usable_tf06",
        &["TF-06"],
        || {
            // SAFETY: handles and callbacks used as documented.
            unsafe {
                let m = fetch_multi_init();
                let e = fetch_easy_init();
                fetch_multi_setopt_ptr(
                    m,
                    FETCHMOPT_TIMERFUNCTION,
                    as_ptr(failing_timer as unsafe extern "C" fn(_, _, _) -> _),
                );
                assert_eq!(fetch_multi_add_handle(m, e), FETCHM_ABORTED_BY_CALLBACK);
                assert_eq!(fetch_multi_remove_handle(m, e), FETCHM_OK, "not added");
                fetch_easy_cleanup(e);
                assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
            }
        },
    );
}

#[test]
fn easy_perform_with_private_and_errorbuffer() {
    scenario(
        "capi_easy_perform_with_private_and_errorbuffer",
        &[],
        || {
            let server = HttpServer::start();
            let ok = url(&server.url("/bytes/10"));
            let refused = url(&format!("http://{}/", fixtures::closed_port()));
            let mut errbuf = [0 as c_char; FETCH_ERROR_SIZE];
            // SAFETY: handles used as documented; errbuf outlives the handle use.
            unsafe {
                let e = fetch_easy_init();
                fetch_easy_setopt_ptr(e, FETCHOPT_URL, ok.as_ptr().cast());
                fetch_easy_setopt_ptr(
                    e,
                    FETCHOPT_WRITEFUNCTION,
                    as_ptr(discard as unsafe extern "C" fn(_, _, _, _) -> _),
                );
                fetch_easy_setopt_ptr(e, FETCHOPT_PRIVATE, 0x77 as *const c_void);
                fetch_easy_setopt_ptr(e, FETCHOPT_ERRORBUFFER, errbuf.as_mut_ptr().cast());
                assert_eq!(fetch_easy_perform(e), FETCHE_OK);
                let mut p: *mut c_void = null_mut();
                fetch_easy_getinfo_ptr(e, FETCHINFO_PRIVATE, (&raw mut p).cast());
                assert_eq!(p as usize, 0x77);
                let mut size: fetch_off_t = 0;
                fetch_easy_getinfo_ptr(e, FETCHINFO_SIZE_DOWNLOAD_T, (&raw mut size).cast());
                assert_eq!(size, 10);
                let d = fetch_easy_duphandle(e);
                fetch_easy_setopt_ptr(d, FETCHOPT_URL, refused.as_ptr().cast());
                assert_eq!(fetch_easy_perform(d), 7, "FETCHE_COULDNT_CONNECT");
                assert_ne!(errbuf[0], 0, "error buffer filled");
                fetch_easy_reset(d);
                fetch_easy_getinfo_ptr(d, FETCHINFO_PRIVATE, (&raw mut p).cast());
                assert!(p.is_null());
                fetch_easy_cleanup(d);
                fetch_easy_cleanup(e);
            }
        },
    );
}

#[test]
fn wakeup_from_another_thread_ends_a_running_poll_fd11() {
    scenario(
        "capi_wakeup_from_another_thread_ends_a_running_poll_fd11",
        &["FD-08", "FD-11"],
        || {
            // SAFETY: a valid handle; `fetch_multi_wakeup` is documented as callable
            // from any thread while `fetch_multi_poll` runs, and cleanup happens
            // only after the other thread is joined.
            unsafe {
                let m = fetch_multi_init();
                assert!(!m.is_null());
                let addr = m as usize;
                let woken = Arc::new(AtomicBool::new(false));
                let flag = Arc::clone(&woken);
                let waker = std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    flag.store(true, Ordering::SeqCst);
                    // The multi outlives this thread (joined before cleanup).
                    fetch_multi_wakeup(addr as *mut c_void)
                });
                let start = std::time::Instant::now();
                let mut numfds = -1;
                assert_eq!(
                    fetch_multi_poll(m, null_mut(), 0, 10_000, &mut numfds),
                    FETCHM_OK
                );
                let took = start.elapsed();
                assert_eq!(waker.join().unwrap(), FETCHM_OK);
                assert_eq!(numfds, 0);
                assert!(
                    woken.load(Ordering::SeqCst),
                    "poll returned before the wakeup: {took:?}"
                );
                assert!(
                    took.as_secs() < 5,
                    "FD-11: wakeup did not end poll: {took:?}"
                );
                // The wakeup was consumed: a short poll now sleeps its timeout.
                let start = std::time::Instant::now();
                assert_eq!(
                    fetch_multi_poll(m, null_mut(), 0, 100, null_mut()),
                    FETCHM_OK
                );
                assert!(start.elapsed().as_millis() >= 80);
                // A closed extra fd is reported as POLLNVAL and counted.
                let mut extra = [fetch_waitfd {
                    fd: 1_000_000,
                    events: FETCH_WAIT_POLLIN,
                    revents: 0,
                }];
                let mut numfds = 0;
                assert_eq!(
                    fetch_multi_wait(m, extra.as_mut_ptr(), 1, 1000, &mut numfds),
                    FETCHM_OK
                );
                assert_eq!(extra[0].revents, 0x20);
                assert_eq!(numfds, 1);
                assert_eq!(fetch_multi_cleanup(m), FETCHM_OK);
            }
        },
    );
}
