//! `fetch_easy_getinfo` from inside a callback reflects the transfer at
//! that moment (upstream does): in the header callback the response code
//! and the connection's address are already known (they read 0 / "" / 0).

use std::ffi::{CStr, CString, c_char, c_long, c_void};
use std::ptr::null_mut;

use fetch::*;
use fixtures::HttpServer;

#[derive(Default)]
struct Seen {
    easy: *mut c_void,
    code: c_long,
    port: c_long,
    ip: String,
    downloaded_in_write: fetch_off_t,
}

unsafe extern "C" fn header_cb(_: *mut c_char, size: usize, n: usize, ud: *mut c_void) -> usize {
    // SAFETY: `ud` is the `Seen` given as HEADERDATA; the handle is live.
    unsafe {
        let s = &mut *ud.cast::<Seen>();
        let mut ip: *const c_char = std::ptr::null();
        assert_eq!(
            fetch_easy_getinfo_ptr(
                s.easy,
                FETCHINFO_RESPONSE_CODE,
                (&mut s.code as *mut c_long).cast()
            ),
            FETCHE_OK
        );
        fetch_easy_getinfo_ptr(
            s.easy,
            FETCHINFO_PRIMARY_PORT,
            (&mut s.port as *mut c_long).cast(),
        );
        fetch_easy_getinfo_ptr(
            s.easy,
            FETCHINFO_PRIMARY_IP,
            (&mut ip as *mut *const c_char).cast(),
        );
        if !ip.is_null() {
            s.ip = CStr::from_ptr(ip).to_string_lossy().into_owned();
        }
    }
    size * n
}

unsafe extern "C" fn write_cb(_: *mut c_char, size: usize, n: usize, ud: *mut c_void) -> usize {
    // SAFETY: `ud` is the `Seen` given as WRITEDATA.
    unsafe {
        let s = &mut *ud.cast::<Seen>();
        let mut got: fetch_off_t = 0;
        fetch_easy_getinfo_ptr(
            s.easy,
            FETCHINFO_SIZE_DOWNLOAD_T,
            (&mut got as *mut fetch_off_t).cast(),
        );
        s.downloaded_in_write = s.downloaded_in_write.max(got);
    }
    size * n
}

/// Sets up `e` to record into `seen`.
///
/// # Safety
/// `e` is a live handle and `seen` outlives its transfers.
unsafe fn record(e: *mut c_void, seen: &mut Seen, url: &CString) {
    seen.easy = e;
    let p: *mut c_void = (seen as *mut Seen).cast();
    let h: unsafe extern "C" fn(*mut c_char, usize, usize, *mut c_void) -> usize = header_cb;
    let w: unsafe extern "C" fn(*mut c_char, usize, usize, *mut c_void) -> usize = write_cb;
    // SAFETY: per the contract; callbacks of the documented types.
    unsafe {
        fetch_easy_setopt_ptr(e, FETCHOPT_URL, url.as_ptr().cast());
        fetch_easy_setopt_ptr(e, FETCHOPT_HEADERFUNCTION, h as *const c_void);
        fetch_easy_setopt_ptr(e, FETCHOPT_HEADERDATA, p);
        fetch_easy_setopt_ptr(e, FETCHOPT_WRITEFUNCTION, w as *const c_void);
        fetch_easy_setopt_ptr(e, FETCHOPT_WRITEDATA, p);
    }
}

fn check(seen: &Seen, port: u16) {
    assert_eq!(seen.code, 200, "RESPONSE_CODE inside the header callback");
    assert_eq!(seen.port, c_long::from(port), "PRIMARY_PORT");
    assert_eq!(seen.ip, "127.0.0.1", "PRIMARY_IP");
    assert!(
        seen.downloaded_in_write > 0,
        "SIZE_DOWNLOAD moves in the write callback"
    );
}

#[test]
fn info_inside_callbacks_of_easy_perform() {
    let srv = HttpServer::start();
    let url = CString::new(srv.url("/bytes/300000")).unwrap();
    let mut seen = Seen::default();
    // SAFETY: a fresh handle; `seen` outlives the transfer.
    unsafe {
        let e = fetch_easy_init();
        record(e, &mut seen, &url);
        assert_eq!(fetch_easy_perform(e), FETCHE_OK);
        fetch_easy_cleanup(e);
    }
    check(&seen, srv.addr().port());
}

#[test]
fn info_inside_callbacks_of_a_multi() {
    let srv = HttpServer::start();
    let url = CString::new(srv.url("/bytes/300000")).unwrap();
    let mut seen = Seen::default();
    // SAFETY: fresh handles; `seen` outlives the transfer.
    unsafe {
        let m = fetch_multi_init();
        let e = fetch_easy_init();
        record(e, &mut seen, &url);
        assert_eq!(fetch_multi_add_handle(m, e), FETCHM_OK);
        let mut running = 1;
        while running > 0 {
            assert_eq!(fetch_multi_perform(m, &mut running), FETCHM_OK);
            if running > 0 {
                fetch_multi_poll(m, null_mut(), 0, 1000, null_mut());
            }
        }
        fetch_multi_remove_handle(m, e);
        fetch_easy_cleanup(e);
        fetch_multi_cleanup(m);
    }
    check(&seen, srv.addr().port());
}
