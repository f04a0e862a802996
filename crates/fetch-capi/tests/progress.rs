//! Progress callbacks through the C ABI: XFERINFOFUNCTION (and the old
//! double-based PROGRESSFUNCTION) are only called once NOPROGRESS is 0, a
//! non-zero return aborts with FETCHE_ABORTED_BY_CALLBACK (42), and
//! FETCH_PROGRESSFUNC_CONTINUE carries on.

mod common;

use std::ffi::{c_double, c_int, c_void};

use common::*;
use fetch::*;
use fixtures::HttpServer;

/// The progress callbacks' state (XFERINFODATA).
#[derive(Default)]
struct Seen {
    calls: usize,
    /// (dltotal, dlnow) of the last call.
    last: (f64, f64),
    /// What to return.
    ret: c_int,
}

unsafe extern "C" fn xferinfo(
    ud: *mut c_void,
    dltotal: fetch_off_t,
    dlnow: fetch_off_t,
    _ultotal: fetch_off_t,
    _ulnow: fetch_off_t,
) -> c_int {
    // SAFETY: XFERINFODATA is the test's live `Seen`.
    let s = unsafe { &mut *ud.cast::<Seen>() };
    s.calls += 1;
    s.last = (dltotal as f64, dlnow as f64);
    s.ret
}

unsafe extern "C" fn old_progress(
    ud: *mut c_void,
    dltotal: c_double,
    dlnow: c_double,
    _ultotal: c_double,
    _ulnow: c_double,
) -> c_int {
    // SAFETY: PROGRESSDATA is the test's live `Seen`.
    let s = unsafe { &mut *ud.cast::<Seen>() };
    s.calls += 1;
    s.last = (dltotal, dlnow);
    s.ret
}

/// Performs a GET of `/bytes/n` with the callbacks set up by `setup`.
fn perform(n: usize, seen: *mut Seen, setup: impl FnOnce(*mut c_void)) -> FETCHcode {
    let server = HttpServer::start();
    let mut body: Vec<u8> = Vec::new();
    let e = get_into(&server.url(&format!("/bytes/{n}")), &raw mut body);
    set_ptr(e, FETCHOPT_XFERINFODATA, seen.cast_const().cast());
    setup(e);
    // SAFETY: a live idle handle; `body` and `seen` outlive the transfer.
    let rc = unsafe { fetch_easy_perform(e) };
    // SAFETY: as above; freed once.
    unsafe { fetch_easy_cleanup(e) };
    rc
}

fn set_xferinfo(e: *mut c_void) {
    let cb: fetch_xferinfo_callback = xferinfo;
    set_ptr(e, FETCHOPT_XFERINFOFUNCTION, as_ptr(cb));
}

#[test]
fn xferinfo_abort_fails_with_42() {
    let mut seen = Seen {
        ret: 1,
        ..Seen::default()
    };
    let rc = perform(100_000, &raw mut seen, |e| {
        set_xferinfo(e);
        set_long(e, FETCHOPT_NOPROGRESS, 0);
    });
    assert_eq!(rc, FETCHE_ABORTED_BY_CALLBACK);
    assert_eq!(seen.calls, 1, "aborted at the first call");
}

#[test]
fn noprogress_defaults_to_1_so_no_callback_runs() {
    let mut seen = Seen {
        ret: 1,
        ..Seen::default()
    };
    let rc = perform(10_000, &raw mut seen, set_xferinfo);
    assert_eq!(rc, FETCHE_OK);
    assert_eq!(seen.calls, 0);
    // Setting NOPROGRESS back to 1 switches it off again.
    let rc = perform(10_000, &raw mut seen, |e| {
        set_xferinfo(e);
        set_long(e, FETCHOPT_NOPROGRESS, 0);
        set_long(e, FETCHOPT_NOPROGRESS, 1);
    });
    assert_eq!(rc, FETCHE_OK);
    assert_eq!(seen.calls, 0);
}

#[test]
fn xferinfo_reports_the_download() {
    let n = 300_000;
    let mut seen = Seen {
        ret: FETCH_PROGRESSFUNC_CONTINUE,
        ..Seen::default()
    };
    let rc = perform(n, &raw mut seen, |e| {
        set_xferinfo(e);
        set_long(e, FETCHOPT_NOPROGRESS, 0);
    });
    assert_eq!(rc, FETCHE_OK, "FETCH_PROGRESSFUNC_CONTINUE carries on");
    assert!(seen.calls >= 2, "before the request and with data");
    assert_eq!(seen.last, (n as f64, n as f64));
}

#[test]
fn old_progressfunction_gets_doubles_and_xferinfo_wins() {
    let n = 5000;
    let mut seen = Seen::default();
    let rc = perform(n, &raw mut seen, |e| {
        let cb: fetch_progress_callback = old_progress;
        set_ptr(e, FETCHOPT_PROGRESSFUNCTION, as_ptr(cb));
        set_long(e, FETCHOPT_NOPROGRESS, 0);
    });
    assert_eq!(rc, FETCHE_OK);
    assert!(seen.calls >= 1);
    assert_eq!(seen.last, (n as f64, n as f64));
    // With both set, upstream calls XFERINFOFUNCTION only: the old one
    // would abort here.
    let mut seen = Seen::default();
    let rc = perform(n, &raw mut seen, |e| {
        unsafe extern "C" fn refuse(
            _: *mut c_void,
            _: c_double,
            _: c_double,
            _: c_double,
            _: c_double,
        ) -> c_int {
            1
        }
        let cb: fetch_progress_callback = refuse;
        set_ptr(e, FETCHOPT_PROGRESSFUNCTION, as_ptr(cb));
        set_xferinfo(e);
        set_long(e, FETCHOPT_NOPROGRESS, 0);
    });
    assert_eq!(rc, FETCHE_OK);
    assert!(seen.calls >= 1);
    assert_eq!(
        (
            FETCHOPT_XFERINFOFUNCTION,
            FETCHOPT_XFERINFODATA,
            FETCHOPT_PROGRESSDATA,
            FETCHOPT_PROGRESSFUNCTION,
            FETCHOPT_NOPROGRESS
        ),
        (20219, 10057, 10057, 20056, 43)
    );
}
