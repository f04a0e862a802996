//! `fetch_easy_getinfo` of the `long` ids, which the entry point reads in
//! place in the engine while the handle is added (outside callbacks):
//! the same answers wherever the transfer is (done but still added,
//! removed, added again), the handle's own PRIVATE, and the error codes of
//! the slow path (unknown and refused ids, bad handles, NULL out).

mod common;

use std::ffi::c_void;
use std::ptr;

use common::*;
use fetch::*;
use fixtures::HttpServer;

/// RESPONSE_CODE, NUM_CONNECTS, HTTP_VERSION and REDIRECT_COUNT of `e`.
fn longs(e: *mut c_void) -> [std::ffi::c_long; 4] {
    [
        FETCHINFO_RESPONSE_CODE,
        FETCHINFO_NUM_CONNECTS,
        FETCHINFO_HTTP_VERSION,
        FETCHINFO_REDIRECT_COUNT,
    ]
    .map(|id| info_long(e, id))
}

fn private(e: *mut c_void) -> *mut c_void {
    let mut p: *mut c_void = ptr::null_mut();
    // SAFETY: a live handle and a pointer-sized out slot.
    let rc = unsafe { fetch_easy_getinfo_ptr(e, FETCHINFO_PRIVATE, (&raw mut p).cast()) };
    assert_eq!(rc, FETCHE_OK);
    p
}

fn add(m: *mut c_void, e: *mut c_void) {
    // SAFETY: live handles; `e` is not in a multi.
    assert_eq!(mc(unsafe { fetch_multi_add_handle(m, e) }), FETCHM_OK);
}

fn remove(m: *mut c_void, e: *mut c_void) {
    // SAFETY: live handles; `e` is in `m`.
    assert_eq!(mc(unsafe { fetch_multi_remove_handle(m, e) }), FETCHM_OK);
}

#[test]
fn long_ids_agree_wherever_the_transfer_is() {
    let server = HttpServer::start();
    let mut body = Vec::new();
    let e = get_into(&server.url("/redirect/1"), &raw mut body);
    set_long(e, FETCHOPT_FOLLOWLOCATION, 1);
    let tag = 0x5eed_usize as *mut c_void;
    set_ptr(e, FETCHOPT_PRIVATE, tag.cast_const());
    assert_eq!(longs(e), [0, 0, 0, 0], "before any transfer");
    assert_eq!(private(e), tag);

    let m = app_multi();
    add(m, e);
    let done = drive_done(m, 1);
    assert_eq!(done, vec![(e as usize, FETCHE_OK)]);
    // Done, still added: read in the engine.
    let in_engine = longs(e);
    assert_eq!(in_engine, [200, 1, 2, 1], "FETCH_HTTP_VERSION_1_1 is 2");
    assert_eq!(private(e), tag);
    // Removed: read in the transfer the handle holds again.
    remove(m, e);
    assert_eq!(longs(e), in_engine);

    // Added again: a new transfer (on the kept connection).
    add(m, e);
    drive_done(m, 2);
    assert_eq!(longs(e), [200, 0, 2, 1], "the connection was reused");
    finish(m, &[e]);
}

#[test]
fn slow_path_codes_are_kept() {
    let e = easy("http://127.0.0.1:9/");
    let mut v: std::ffi::c_long = 0;
    let out: *mut c_void = (&raw mut v).cast();
    // SAFETY: live or invalid handles (the registry refuses the latter)
    // and a long-sized out slot.
    unsafe {
        assert_eq!(
            fetch_easy_getinfo_ptr(e, FETCHINFO_LONG + 127, out),
            FETCHE_UNKNOWN_OPTION
        );
        assert_eq!(
            fetch_easy_getinfo_ptr(e, FETCHINFO_RTSP_CSEQ_RECV, out),
            FETCHE_NOT_BUILT_IN
        );
        assert_eq!(
            fetch_easy_getinfo_ptr(e, FETCHINFO_RESPONSE_CODE, ptr::null_mut()),
            FETCHE_BAD_FUNCTION_ARGUMENT
        );
        let bogus = (&raw mut v).cast::<c_void>();
        assert_eq!(
            fetch_easy_getinfo_ptr(bogus, FETCHINFO_RESPONSE_CODE, out),
            FETCHE_BAD_FUNCTION_ARGUMENT
        );
        fetch_easy_cleanup(e);
        assert_eq!(
            fetch_easy_getinfo_ptr(e, FETCHINFO_RESPONSE_CODE, out),
            FETCHE_BAD_FUNCTION_ARGUMENT,
            "a freed handle"
        );
    }
}
